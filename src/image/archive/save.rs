//! Writing images from the store as a docker-archive or an oci-archive.

use super::ArchiveFormat;
use super::REF_NAME;
use crate::image::manifest::{self, Compression, StoredImage};
use crate::image::reference::Reference;
use crate::image::store::{ImageEntry, Store};
use crate::util::digest::{self, HashingReader};
use anyhow::Context;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};

const READ_BUF: usize = 256 << 10;

/// One image to save and the names to record for it.
#[derive(Debug, Clone)]
pub struct SaveImage {
    pub entry: ImageEntry,
    /// Full references; empty for an image saved without a name.
    pub names: Vec<String>,
}

/// Write `images` to `out` as one archive; returns `out` once the archive
/// is complete (the caller flushes and syncs it).
pub fn save_archive<W: Write>(
    store: &Store,
    images: &[SaveImage],
    format: ArchiveFormat,
    out: W,
) -> anyhow::Result<W> {
    let mut tar = tar::Builder::new(out);
    match format {
        ArchiveFormat::DockerArchive => write_docker(store, images, &mut tar)?,
        ArchiveFormat::OciArchive => write_oci(store, images, &mut tar)?,
    }
    tar.into_inner().context("writing the archive")
}

/// `docker save`'s layout: `<config hex>.json`, `<diff id hex>.tar` per
/// layer (uncompressed), `manifest.json` and the legacy `repositories`.
fn write_docker<W: Write>(
    store: &Store,
    images: &[SaveImage],
    tar: &mut tar::Builder<W>,
) -> anyhow::Result<()> {
    let mut written: HashSet<String> = HashSet::new();
    let mut manifest: Vec<Value> = Vec::new();
    let mut repositories: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for img in images {
        let stored = StoredImage::load(store, &img.entry)?;
        let config_digest = stored.manifest.config().digest().to_string();
        let config_name = format!("{}.json", digest::sha256_hex(&config_digest)?);
        if written.insert(config_name.clone()) {
            append_bytes(tar, &config_name, &stored.config_bytes)?;
        }
        let diff_ids = stored.diff_ids();
        if diff_ids.len() != stored.manifest.layers().len() {
            anyhow::bail!(
                "image {}: its config lists {} layers, its manifest {}; the stored image is corrupt",
                digest::short_id(&img.entry.id),
                diff_ids.len(),
                stored.manifest.layers().len()
            );
        }
        let mut layer_names = Vec::new();
        for (layer, diff_id) in stored.manifest.layers().iter().zip(&diff_ids) {
            let name = format!("{}.tar", digest::sha256_hex(diff_id)?);
            if written.insert(name.clone()) {
                write_layer(store, tar, &name, layer.digest().as_ref(), diff_id)?;
            }
            layer_names.push(name);
        }
        // Docker only knows name:tag; a name pinned by digest alone is left out.
        let mut tags = Vec::new();
        for name in &img.names {
            let Ok(r) = Reference::parse(name) else {
                continue;
            };
            let Some(tag) = r.tag.clone() else { continue };
            tags.push(format!("{}:{tag}", r.name()));
            if let Some(top) = diff_ids.last() {
                repositories
                    .entry(r.name())
                    .or_default()
                    .insert(tag, digest::short_id_full(top).to_string());
            }
        }
        manifest.push(json!({
            "Config": config_name,
            "RepoTags": if tags.is_empty() { Value::Null } else { json!(tags) },
            "Layers": layer_names,
        }));
    }
    append_bytes(tar, "manifest.json", &serde_json::to_vec(&manifest)?)?;
    if !repositories.is_empty() {
        append_bytes(tar, "repositories", &serde_json::to_vec(&repositories)?)?;
    }
    Ok(())
}

/// One layer as an uncompressed tar. The tar header needs the length up
/// front: a compressed blob is decompressed twice, first only to count
/// (and verify the diff id), which costs CPU but no temporary disk space.
fn write_layer<W: Write>(
    store: &Store,
    tar: &mut tar::Builder<W>,
    name: &str,
    blob_digest: &str,
    diff_id: &str,
) -> anyhow::Result<()> {
    let path = store.blob_path(blob_digest)?;
    let open = || {
        File::open(&path).with_context(|| {
            format!("opening layer {blob_digest}; it may have been removed: pull the image again")
        })
    };
    let mut reader = BufReader::with_capacity(READ_BUF, open()?);
    let head = reader
        .fill_buf()
        .with_context(|| format!("reading layer {blob_digest}"))?;
    let size = match manifest::sniff_compression(head) {
        Compression::None => reader.get_ref().metadata()?.len(),
        _ => {
            let plain = manifest::decompress(BufReader::with_capacity(READ_BUF, open()?))?;
            let (actual, len) = HashingReader::new(plain)
                .finish()
                .with_context(|| format!("decompressing layer {blob_digest}"))?;
            if actual != diff_id {
                anyhow::bail!("layer {blob_digest}: its content has digest {actual} but the image config says {diff_id}; the stored image is corrupt");
            }
            len
        }
    };
    let plain = manifest::decompress(reader)?;
    append_exact(tar, name, size, plain).with_context(|| format!("writing layer {blob_digest}"))
}

/// An OCI image layout: every manifest, config and layer blob verbatim,
/// and `index.json` with one descriptor per image, named by its first name.
fn write_oci<W: Write>(
    store: &Store,
    images: &[SaveImage],
    tar: &mut tar::Builder<W>,
) -> anyhow::Result<()> {
    append_bytes(
        tar,
        crate::image::store::LAYOUT_FILE,
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )?;
    append_dir(tar, "blobs/")?;
    append_dir(tar, "blobs/sha256/")?;
    let mut written: HashSet<String> = HashSet::new();
    let mut descriptors: Vec<Value> = Vec::new();
    for img in images {
        let stored = StoredImage::load(store, &img.entry)?;
        let manifest_size = append_blob(store, tar, &img.entry.manifest_digest, &mut written)?;
        append_blob(
            store,
            tar,
            stored.manifest.config().digest().as_ref(),
            &mut written,
        )?;
        for layer in stored.manifest.layers() {
            append_blob(store, tar, layer.digest().as_ref(), &mut written)?;
        }
        let mut desc = json!({
            "mediaType": img.entry.manifest_media_type,
            "digest": img.entry.manifest_digest,
            "size": manifest_size,
        });
        // One descriptor per image: podman and skopeo refuse an
        // oci-archive whose index lists more than one, so only the first
        // name can be carried.
        if let Some(name) = img.names.first() {
            let mut ann = Map::new();
            ann.insert(REF_NAME.to_string(), json!(name));
            desc["annotations"] = Value::Object(ann);
        }
        descriptors.push(desc);
    }
    let index = json!({
        "schemaVersion": 2,
        "mediaType": manifest::OCI_INDEX,
        "manifests": descriptors,
    });
    append_bytes(tar, "index.json", &serde_json::to_vec(&index)?)
}

/// Copy a stored blob to `blobs/sha256/<hex>` unless already written;
/// returns its size.
fn append_blob<W: Write>(
    store: &Store,
    tar: &mut tar::Builder<W>,
    blob_digest: &str,
    written: &mut HashSet<String>,
) -> anyhow::Result<u64> {
    let file = store.open_blob(blob_digest)?;
    let size = file.metadata()?.len();
    let name = format!("blobs/sha256/{}", digest::sha256_hex(blob_digest)?);
    if written.insert(name.clone()) {
        append_exact(tar, &name, size, BufReader::with_capacity(READ_BUF, file))
            .with_context(|| format!("writing blob {blob_digest}"))?;
    }
    Ok(size)
}

fn file_header(size: u64, mode: u32, kind: tar::EntryType) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(kind);
    header.set_size(size);
    header.set_mode(mode);
    header.set_uid(0);
    header.set_gid(0);
    // Fixed times keep archives of the same images byte-identical.
    header.set_mtime(0);
    header
}

fn append_bytes<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    bytes: &[u8],
) -> anyhow::Result<()> {
    let mut header = file_header(bytes.len() as u64, 0o644, tar::EntryType::Regular);
    tar.append_data(&mut header, name, bytes)
        .with_context(|| format!("writing {name} to the archive"))
}

fn append_dir<W: Write>(tar: &mut tar::Builder<W>, name: &str) -> anyhow::Result<()> {
    let mut header = file_header(0, 0o755, tar::EntryType::Directory);
    tar.append_data(&mut header, name, io::empty())
        .with_context(|| format!("writing {name} to the archive"))
}

/// Append an entry whose data must be exactly `size` bytes: the tar crate
/// pads whatever it reads, so a short source would corrupt the archive.
fn append_exact<W: Write, R: Read>(
    tar: &mut tar::Builder<W>,
    name: &str,
    size: u64,
    data: R,
) -> anyhow::Result<()> {
    let mut header = file_header(size, 0o644, tar::EntryType::Regular);
    let exact = ExactReader {
        inner: data,
        remaining: size,
    };
    tar.append_data(&mut header, name, exact)?;
    Ok(())
}

struct ExactReader<R> {
    inner: R,
    remaining: u64,
}

impl<R: Read> Read for ExactReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            return Ok(0);
        }
        let want = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the data ended {} bytes early", self.remaining),
            ));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}
