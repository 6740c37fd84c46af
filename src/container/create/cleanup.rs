//! The one undo of a create that fails part way: what the steps made
//! outside the container's own directory (which `record::create` builds
//! in a temporary directory and removes itself).

use crate::storage::volume;
use nix::fcntl::Flock;
use std::fs::File;
use std::path::Path;

/// Armed from the first volume claimed until the record is published;
/// dropped armed (an error, a `?`), it gives back the volume lock and
/// removes the volumes this create made. Named volumes that existed
/// before are left alone.
pub(super) struct Cleanup<'a> {
    root: &'a Path,
    /// Shared: held until the record names its volumes, so a concurrent
    /// prune cannot take one away in between.
    volume_lock: Option<Flock<File>>,
    created_volumes: Vec<String>,
}

impl<'a> Cleanup<'a> {
    pub fn new(root: &'a Path) -> Cleanup<'a> {
        Cleanup {
            root,
            volume_lock: None,
            created_volumes: Vec::new(),
        }
    }

    pub fn root(&self) -> &Path {
        self.root
    }

    /// Take the volume lock (shared) for the rest of the create.
    pub fn lock_volumes(&mut self) -> anyhow::Result<()> {
        self.volume_lock = Some(volume::lock_for_use(self.root)?);
        Ok(())
    }

    /// A volume this create made, to remove if it fails.
    pub fn created_volume(&mut self, name: String) {
        self.created_volumes.push(name);
    }

    /// The create succeeded: keep everything, release the lock.
    pub fn disarm(mut self) {
        self.volume_lock = None;
        self.created_volumes.clear();
    }
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        // Released first: removing a volume locks exclusively.
        self.volume_lock = None;
        for name in &self.created_volumes {
            let _ = volume::remove(self.root, name, true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn new_volume(root: &Path, name: &str) -> String {
        volume::create(root, Some(name), BTreeMap::new(), BTreeMap::new(), false)
            .unwrap()
            .name
    }

    fn exists(root: &Path, name: &str) -> bool {
        volume::list(root).unwrap().iter().any(|v| v.name == name)
    }

    #[test]
    fn a_failed_create_removes_only_its_own_volumes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let before = new_volume(root, "before");
        let made = new_volume(root, "made");
        {
            let mut cleanup = Cleanup::new(root);
            cleanup.lock_volumes().unwrap();
            cleanup.created_volume(made.clone());
            // Dropped armed, as on an error: the lock goes first, or the
            // removal (an exclusive lock) would wait for ever.
        }
        assert!(!exists(root, &made));
        assert!(exists(root, &before));
    }

    #[test]
    fn a_disarmed_cleanup_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let made = new_volume(root, "made");
        let mut cleanup = Cleanup::new(root);
        cleanup.lock_volumes().unwrap();
        cleanup.created_volume(made.clone());
        cleanup.disarm();
        assert!(exists(root, &made));
        // The lock is free again: an exclusive user gets it.
        volume::remove(root, &made, true).unwrap();
    }
}
