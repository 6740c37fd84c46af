//! Where cove keeps things: data (`--root`), runtime state (`--runroot`)
//! and configuration, following the XDG base directories for users and
//! the FHS for root, as Podman does.

use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Paths {
    /// Images, layers, containers, volumes.
    pub root: PathBuf,
    /// Runtime state: sockets, pid files. Cleared at reboot.
    pub runroot: PathBuf,
    /// cove's own configuration directory.
    pub config: PathBuf,
}

impl Paths {
    /// Resolve the directories from flags, then the environment.
    pub fn resolve(root: Option<PathBuf>, runroot: Option<PathBuf>) -> Paths {
        let is_root = nix::unistd::geteuid().is_root();
        let dirs = directories::BaseDirs::new();
        let root = root.unwrap_or_else(|| {
            if is_root {
                PathBuf::from("/var/lib/cove")
            } else {
                dirs.as_ref()
                    .map(|d| d.data_dir().join("cove"))
                    .unwrap_or_else(|| PathBuf::from(".cove"))
            }
        });
        let runroot = runroot.unwrap_or_else(|| {
            if is_root {
                PathBuf::from("/run/cove")
            } else if let Some(dir) = dirs.as_ref().and_then(|d| d.runtime_dir()) {
                dir.join("cove")
            } else {
                // No XDG_RUNTIME_DIR (e.g. a su session): a private dir in /tmp.
                PathBuf::from(format!("/tmp/cove-run-{}", nix::unistd::getuid()))
            }
        });
        let config = if is_root {
            PathBuf::from("/etc/cove")
        } else {
            dirs.as_ref()
                .map(|d| d.config_dir().join("cove"))
                .unwrap_or_else(|| PathBuf::from(".config/cove"))
        };
        Paths {
            root,
            runroot,
            config,
        }
    }
}
