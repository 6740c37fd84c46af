//! Making a new image in the store: a layer stored from a tar stream (and
//! unpacked in the same pass), then a config and manifest on top of a base
//! image's layers, registered in the catalog. Shared by `import`,
//! `commit` and `build`.

use super::layer::unpack::{self, UnpackOptions};
use super::manifest;
use super::store::{ImageEntry, NewImage, Store};
use anyhow::Context;
use serde_json::{json, Value};
use std::io::{Read, Write};

/// A layer stored by [`store_layer`].
#[derive(Debug, Clone)]
pub struct StoredLayer {
    /// `sha256:…` of the uncompressed tar: blob digest and diff id at once.
    pub diff_id: String,
    pub blob_size: u64,
    /// Bytes on disk once unpacked (at least the blob's size).
    pub unpacked_size: u64,
}

/// Store an uncompressed layer tar as a blob and unpack it into the layer
/// store, in one pass. The caller holds the store's writing lock.
pub fn store_layer(
    store: &Store,
    opts: &UnpackOptions,
    tar: impl Read,
) -> anyhow::Result<StoredLayer> {
    let mut blob = store.blob_writer()?;
    let staging = store.stage_layer()?;
    let stats = {
        let mut tee = TeeReader {
            inner: tar,
            copy: &mut blob,
        };
        let stats = unpack::unpack_layer(&mut tee, &staging.diff_path(), opts)?;
        // The tar's end padding still belongs to the layer blob.
        std::io::copy(&mut tee, &mut std::io::sink()).context("reading the layer")?;
        stats
    };
    let blob_size = blob.written();
    if blob_size == 0 {
        anyhow::bail!("the tarball is empty");
    }
    let diff_id = blob.commit(None)?;
    let unpacked_size = stats.bytes.max(blob_size);
    staging.commit(&diff_id, unpacked_size)?;
    Ok(StoredLayer {
        diff_id,
        blob_size,
        unpacked_size,
    })
}

/// Copies everything read through it to a writer (the layer blob).
struct TeeReader<'a, R, W> {
    inner: R,
    copy: &'a mut W,
}

impl<R: Read, W: Write> Read for TeeReader<'_, R, W> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.copy.write_all(&buf[..n])?;
        Ok(n)
    }
}

/// The manifest format of a new image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Oci,
    Docker,
}

/// An image to write: `config` is the whole image config; its
/// `rootfs.diff_ids` and `history` already name `layer` when there is one.
pub struct Draft<'a> {
    pub base: Option<&'a ImageEntry>,
    pub config: &'a Value,
    pub layer: Option<&'a StoredLayer>,
    pub format: Format,
    /// Bytes unpacked of the base (its catalog size).
    pub base_size: u64,
}

/// Write the config and manifest (base layers plus the new one) and add
/// the image to the catalog under `names` (none: unnamed). Returns the
/// image id, `sha256:…`. The caller holds the store's writing lock.
pub fn write_image(store: &Store, draft: &Draft, names: &[String]) -> anyhow::Result<String> {
    let (manifest_type, config_type, layer_type) = match draft.format {
        Format::Oci => (
            manifest::OCI_MANIFEST,
            manifest::OCI_CONFIG,
            manifest::OCI_LAYER,
        ),
        Format::Docker => (
            manifest::DOCKER_MANIFEST,
            manifest::DOCKER_CONFIG,
            "application/vnd.docker.image.rootfs.diff.tar",
        ),
    };
    let config_bytes = serde_json::to_vec(draft.config)?;
    let config_digest = store.put_blob(&config_bytes)?;
    let mut layers: Vec<Value> = match draft.base {
        Some(base) => {
            let m: Value = serde_json::from_slice(&store.read_blob(&base.manifest_digest)?)
                .context("reading the base image manifest")?;
            m.get("layers")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|l| layer_descriptor(l, draft.format))
                .collect()
        }
        None => Vec::new(),
    };
    if let Some(layer) = draft.layer {
        layers.push(
            json!({"mediaType": layer_type, "digest": layer.diff_id, "size": layer.blob_size}),
        );
    }
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": manifest_type,
        "config": {"mediaType": config_type, "digest": config_digest, "size": config_bytes.len()},
        "layers": layers,
    });
    let manifest_bytes = serde_json::to_vec(&manifest)?;
    let manifest_digest = store.put_blob(&manifest_bytes)?;
    let created = draft
        .config
        .get("created")
        .and_then(Value::as_str)
        .map(str::to_string);
    let size = draft.base_size + draft.layer.map_or(0, |l| l.unpacked_size);
    store.update_catalog(|c| {
        let new = NewImage {
            id: config_digest.clone(),
            manifest_digest,
            manifest_media_type: manifest_type.into(),
            manifest_size: manifest_bytes.len() as u64,
            created,
            size,
            list_digest: None,
        };
        if names.is_empty() {
            c.add(new.clone(), None);
        }
        for name in names {
            c.add(new.clone(), Some(name));
        }
        Ok(())
    })?;
    Ok(config_digest)
}

/// A base layer's descriptor with the media type of the new format.
pub fn layer_descriptor(mut layer: Value, format: Format) -> Value {
    let kind = layer.get("mediaType").and_then(Value::as_str).unwrap_or("");
    let gzip = kind.ends_with("gzip");
    let zstd = kind.ends_with("zstd");
    let renamed = match (format, gzip, zstd) {
        (Format::Oci, true, _) => Some(manifest::OCI_LAYER_GZIP),
        (Format::Oci, _, true) => None,
        (Format::Oci, false, false) => Some(manifest::OCI_LAYER),
        (Format::Docker, true, _) => Some(manifest::DOCKER_LAYER_GZIP),
        (Format::Docker, _, true) => None,
        (Format::Docker, false, false) => Some("application/vnd.docker.image.rootfs.diff.tar"),
    };
    if let Some(t) = renamed {
        layer["mediaType"] = json!(t);
    }
    layer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_types_follow_the_format() {
        let d = |t: &str| json!({"mediaType": t, "digest": "sha256:a", "size": 1});
        let table = [
            (
                manifest::DOCKER_LAYER_GZIP,
                Format::Oci,
                manifest::OCI_LAYER_GZIP,
            ),
            (manifest::OCI_LAYER, Format::Oci, manifest::OCI_LAYER),
            (
                manifest::OCI_LAYER_GZIP,
                Format::Docker,
                manifest::DOCKER_LAYER_GZIP,
            ),
            (
                manifest::OCI_LAYER,
                Format::Docker,
                "application/vnd.docker.image.rootfs.diff.tar",
            ),
            (
                "application/vnd.oci.image.layer.v1.tar+zstd",
                Format::Oci,
                "application/vnd.oci.image.layer.v1.tar+zstd",
            ),
        ];
        for (from, format, to) in table {
            assert_eq!(layer_descriptor(d(from), format)["mediaType"], to, "{from}");
        }
    }
}
