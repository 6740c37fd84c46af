//! Removing what no image needs any more. The catalog is changed first
//! (so the image disappears at once), then unreferenced blobs and layers
//! are deleted under the exclusive gc lock. Layer directories are renamed
//! into tmp/ before deletion, so a kill -9 midway never leaves a
//! half-deleted layer that looks complete.

use super::{Catalog, Store};
use crate::image::manifest::StoredImage;
use crate::sys::fsutil;
use std::collections::HashSet;
use std::fs;

impl Store {
    /// Delete blobs and unpacked layers not referenced by any image in the
    /// catalog. Returns how many entries were removed.
    pub fn collect_garbage(&self) -> anyhow::Result<usize> {
        let _gc = self.lock_gc()?;
        let catalog = self.catalog()?;
        let Some((blobs, layers)) = referenced(self, &catalog) else {
            crate::log::log(
                crate::log::Level::Warn,
                "an image in the store cannot be read; unused blobs and layers are kept until it is removed or pulled again",
            );
            return Ok(0);
        };
        let mut removed = 0;
        if let Ok(entries) = fs::read_dir(self.blobs_dir()) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().to_string();
                if !blobs.contains(&name) && fs::remove_file(entry.path()).is_ok() {
                    removed += 1;
                }
            }
        }
        if let Ok(entries) = fs::read_dir(self.layers_dir()) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().to_string();
                if layers.contains(&name) {
                    continue;
                }
                let doomed = self.tmp_dir().join(fsutil::unique_name("deleting"));
                if fs::rename(entry.path(), &doomed).is_ok() {
                    fsutil::remove_path(&doomed)?;
                    removed += 1;
                }
            }
        }
        self.clean_tmp();
        Ok(removed)
    }
}

/// Hex digests of every blob and layer the catalog's images use; None when
/// an image cannot be read, since then nothing is known to be unused.
fn referenced(store: &Store, catalog: &Catalog) -> Option<(HashSet<String>, HashSet<String>)> {
    let hex = |d: &str| d.strip_prefix("sha256:").unwrap_or(d).to_string();
    let mut blobs = HashSet::new();
    let mut layers = HashSet::new();
    for entry in &catalog.images {
        blobs.insert(hex(&entry.manifest_digest));
        let image = StoredImage::load(store, entry).ok()?;
        blobs.insert(hex(image.manifest.config().digest().as_ref()));
        for l in image.manifest.layers() {
            blobs.insert(hex(l.digest().as_ref()));
        }
        for d in image.diff_ids() {
            layers.insert(hex(&d));
        }
    }
    Some((blobs, layers))
}
