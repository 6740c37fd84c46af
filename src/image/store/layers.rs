//! Unpacked layers: `layers/<diff-id hex>/diff/` holds the content of one
//! layer in the overlay format (whiteouts as 0/0 character devices, opaque
//! directories marked with `user.overlay.opaque`), `layers/<hex>/size` its
//! unpacked size. Staged in `tmp/` and renamed into place when complete;
//! immutable afterwards.

use super::{explain_io, Store};
use crate::sys::fsutil;
use crate::util::digest;
use std::fs;
use std::path::{Path, PathBuf};

impl Store {
    pub fn layer_path(&self, diff_id: &str) -> anyhow::Result<PathBuf> {
        Ok(self.layers_dir().join(digest::sha256_hex(diff_id)?))
    }

    /// The directory holding the layer's files (an overlay lower dir).
    pub fn layer_diff_path(&self, diff_id: &str) -> anyhow::Result<PathBuf> {
        Ok(self.layer_path(diff_id)?.join("diff"))
    }

    pub fn has_layer(&self, diff_id: &str) -> bool {
        self.layer_path(diff_id)
            .map(|p| p.is_dir())
            .unwrap_or(false)
    }

    /// Unpacked size of a stored layer (0 if unknown).
    pub fn layer_size(&self, diff_id: &str) -> u64 {
        self.layer_path(diff_id)
            .ok()
            .and_then(|p| fs::read_to_string(p.join("size")).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    }

    /// A fresh empty directory to unpack a layer into.
    pub fn stage_layer(&self) -> anyhow::Result<LayerStaging> {
        let path = self.tmp_dir().join(fsutil::unique_name("layer"));
        fs::create_dir(&path).map_err(|e| explain_io(e, "creating a layer staging directory"))?;
        let staging = LayerStaging {
            path: Some(path),
            layers_dir: self.layers_dir(),
        };
        fs::create_dir(staging.top().join("diff"))
            .map_err(|e| explain_io(e, "creating a layer staging directory"))?;
        Ok(staging)
    }
}

/// A layer being unpacked. Dropped without [`LayerStaging::commit`], its
/// directory is removed.
pub struct LayerStaging {
    path: Option<PathBuf>,
    layers_dir: PathBuf,
}

impl LayerStaging {
    fn top(&self) -> &Path {
        self.path.as_deref().expect("not committed")
    }

    /// Where to unpack the layer's files.
    pub fn diff_path(&self) -> PathBuf {
        self.top().join("diff")
    }

    /// Move the unpacked layer into place under its diff id. If another
    /// process finished the same layer first, keep theirs.
    pub fn commit(mut self, diff_id: &str, size: u64) -> anyhow::Result<PathBuf> {
        fs::write(self.top().join("size"), size.to_string())
            .map_err(|e| explain_io(e, "recording layer size"))?;
        let path = self.path.take().expect("commit called once");
        let dest = self.layers_dir.join(digest::sha256_hex(diff_id)?);
        if let Err(e) = fs::rename(&path, &dest) {
            let _ = fsutil::remove_path(&path);
            let lost_race = matches!(e.raw_os_error(), Some(libc::ENOTEMPTY) | Some(libc::EEXIST));
            if !lost_race {
                return Err(explain_io(e, "storing unpacked layer"));
            }
        }
        Ok(dest)
    }
}

impl Drop for LayerStaging {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = fsutil::remove_path(&path);
        }
    }
}
