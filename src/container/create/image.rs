//! Resolve the image: the catalog entry the (present or just pulled)
//! image id names, its configuration, and its layers top first.

use super::usage;
use crate::container::user;
use crate::image::manifest::StoredImage;
use crate::image::store::{ImageEntry, Store};
use std::path::{Path, PathBuf};

pub(super) struct Image {
    pub entry: ImageEntry,
    /// The name the user's input matched (Podman's resolved name).
    pub name: Option<String>,
    pub stored: StoredImage,
    /// The layers' directories, top first.
    pub layers: Vec<PathBuf>,
}

impl Image {
    /// The image's runtime configuration (entrypoint, env, user...).
    pub fn config(&self) -> oci_spec::image::Config {
        self.stored.config.config().clone().unwrap_or_default()
    }
}

/// Find `image_id` in the store at `root`; `asked` is the image as the
/// user named it (for messages and the resolved name).
pub(super) fn resolve(root: &Path, asked: &str, image_id: &str) -> anyhow::Result<Image> {
    let store = Store::open_existing(root)
        .ok_or_else(|| anyhow::anyhow!("the image store at {} is missing", root.display()))?;
    let catalog = store.catalog()?;
    let entry = catalog
        .resolve_id(image_id)?
        .ok_or_else(|| usage(format!("{asked}: image not known")))?
        .clone();
    let stored = StoredImage::load(&store, &entry)?;
    let mut layers = Vec::new();
    for diff_id in stored.diff_ids().iter().rev() {
        if !store.has_layer(diff_id) {
            return Err(usage(format!(
                "layer {diff_id} of {asked} is missing from the store; pull the image again"
            )));
        }
        layers.push(store.layer_diff_path(diff_id)?);
    }
    let name = catalog
        .name_referred_to(asked, &entry)
        .or(entry.names.first())
        .cloned();
    Ok(Image {
        entry,
        name,
        stored,
        layers,
    })
}

/// Read a small file such as /etc/passwd from the image's layers, top
/// layer first, stopping at a whiteout.
pub fn read_image_file(layers_top_first: &[PathBuf], path: &str) -> Option<String> {
    use std::os::unix::fs::FileTypeExt;
    let rel = path.trim_start_matches('/');
    for layer in layers_top_first {
        if let Ok(meta) = std::fs::symlink_metadata(layer.join(rel)) {
            if meta.file_type().is_char_device() {
                return None;
            }
        }
        match user::read_rootfs_file(layer, path, 4 << 20) {
            Ok(Some(text)) => return Some(text),
            Ok(None) | Err(_) => continue,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitError;
    use crate::image::manifest;
    use crate::image::store::NewImage;
    use serde_json::json;

    /// An image in the catalog whose one layer was never unpacked.
    fn image_without_its_layer(store: &Store) -> String {
        let config = json!({
            "architecture": "amd64",
            "os": "linux",
            "config": {"Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": [format!("sha256:{}", "ab".repeat(32))]},
        });
        let config_bytes = serde_json::to_vec(&config).unwrap();
        let config_digest = store.put_blob(&config_bytes).unwrap();
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": manifest::OCI_MANIFEST,
            "config": {"mediaType": manifest::OCI_CONFIG, "digest": config_digest, "size": config_bytes.len()},
            "layers": [],
        });
        let manifest_bytes = serde_json::to_vec(&manifest).unwrap();
        let new = NewImage {
            id: config_digest.clone(),
            manifest_digest: store.put_blob(&manifest_bytes).unwrap(),
            manifest_media_type: manifest::OCI_MANIFEST.into(),
            manifest_size: manifest_bytes.len() as u64,
            created: None,
            size: 0,
            list_digest: None,
        };
        store
            .update_catalog(|c| {
                c.add(new.clone(), Some("localhost/broken:latest"));
                Ok(())
            })
            .unwrap();
        config_digest
    }

    fn code(e: &anyhow::Error) -> Option<i32> {
        e.downcast_ref::<ExitError>().map(|e| e.code)
    }

    #[test]
    fn unknown_and_incomplete_images_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nothing");
        let e = resolve(&missing, "x", "sha256:00").err().unwrap();
        assert!(format!("{e}").contains("the image store at"), "{e}");

        let store = Store::open(dir.path()).unwrap();
        let id = image_without_its_layer(&store);
        let e = resolve(dir.path(), "other", &format!("sha256:{}", "cd".repeat(32)))
            .err()
            .unwrap();
        assert_eq!(code(&e), Some(125));
        assert_eq!(format!("{e}"), "other: image not known");
        let e = resolve(dir.path(), "broken", &id).err().unwrap();
        assert_eq!(code(&e), Some(125));
        assert!(
            format!("{e}").contains("is missing from the store; pull the image again"),
            "{e}"
        );
    }

    #[test]
    fn image_files_come_from_the_top_layer_that_has_them() {
        let dir = tempfile::tempdir().unwrap();
        let (top, bottom) = (dir.path().join("top"), dir.path().join("bottom"));
        for l in [&top, &bottom] {
            std::fs::create_dir_all(l.join("etc")).unwrap();
        }
        std::fs::write(bottom.join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
        std::fs::write(bottom.join("etc/group"), "root:x:0:\n").unwrap();
        std::fs::write(top.join("etc/passwd"), "app:x:1:1::/app:/bin/sh\n").unwrap();
        let layers = [top, bottom];
        assert_eq!(
            read_image_file(&layers, "/etc/passwd").as_deref(),
            Some("app:x:1:1::/app:/bin/sh\n")
        );
        assert_eq!(
            read_image_file(&layers, "/etc/group").as_deref(),
            Some("root:x:0:\n")
        );
        assert_eq!(read_image_file(&layers, "/etc/shadow"), None);
    }
}
