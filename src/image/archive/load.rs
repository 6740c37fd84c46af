//! Reading a docker-archive or an OCI layout tar (plain or compressed)
//! into the store. The input is streamed once: blobs and layer tars go
//! straight into the blob store, the small JSON files stay in memory, and
//! only then are the images put together, unpacked and registered.

use super::{normalize_member, REF_NAME};
use crate::image::layer::targuard::{self, TarGuard};
use crate::image::layer::unpack::UnpackOptions;
use crate::image::manifest::{self, Compression, Fetched, Platform};
use crate::image::reference::Reference;
use crate::image::registry::pull::{stored_name, unpack_stored_blob};
use crate::image::store::{explain_io, NewImage, Store};
use crate::util::digest;
use anyhow::Context;
use oci_spec::image::{ImageConfiguration, ImageManifest};
use serde::Deserialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::io::{self, BufReader, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Metadata files (JSON) are held in memory; larger ones are refused.
const MAX_SMALL: u64 = 16 << 20;
/// All the metadata files held in memory together.
const MAX_SMALL_TOTAL: u64 = 64 << 20;
/// Symlinks followed when resolving a member (a loop ends the lookup).
const MAX_LINKS: usize = 16;
/// Containerd (and so `docker save` since Docker 25) records the full
/// name here and only the tag in `org.opencontainers.image.ref.name`.
const CONTAINERD_NAME: &str = "io.containerd.image.name";
const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar";
const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";

/// An image now in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The config digest, `sha256:…`.
    pub id: String,
    /// Full references the image was registered under.
    pub names: Vec<String>,
}

/// Load every image in the archive read from `input`. The caller holds
/// `store.lock_writing()`. On error the catalog is unchanged.
pub fn load_archive<R: Read + Send>(
    store: &Store,
    opts: &UnpackOptions,
    input: R,
) -> anyhow::Result<Vec<Loaded>> {
    let tar = manifest::decompress(BufReader::with_capacity(256 << 10, input))
        .context("reading the archive")?;
    let mut members = read_members(store, tar)?;
    let planned = match oci_images(store, &members)? {
        Some(p) => p,
        None if members.small.contains_key("manifest.json") => docker_images(store, &mut members)?,
        None => anyhow::bail!(
            "the archive has neither manifest.json nor index.json: it is not an image archive"
        ),
    };
    let sizes = unpack_layers(store, opts, &members, &planned)?;
    store.update_catalog(|c| {
        for p in &planned {
            let mut new = p.image.clone();
            new.size = p
                .layers
                .iter()
                .map(|(_, diff_id)| sizes.get(diff_id).copied().unwrap_or(0))
                .sum();
            // A docker-archive has no manifest of its own: the one made here
            // should not duplicate an image already stored under this id.
            if p.made_manifest {
                if let Some(old) = c.images.iter().find(|i| i.id == new.id) {
                    new.manifest_digest = old.manifest_digest.clone();
                    new.manifest_media_type = old.manifest_media_type.clone();
                    new.manifest_size = old.manifest_size;
                    new.list_digest = old.list_digest.clone();
                }
            }
            if p.names.is_empty() && c.by_id(&new.id).is_none() {
                c.add(new.clone(), None);
            }
            for name in &p.names {
                c.add(new.clone(), Some(name));
            }
            // Another manifest of the same image left without names is
            // redundant (same config, same layers): drop it.
            c.images.retain(|i| {
                i.id != new.id || i.manifest_digest == new.manifest_digest || !i.names.is_empty()
            });
        }
        Ok(())
    })?;
    Ok(planned
        .into_iter()
        .map(|p| Loaded {
            id: p.image.id,
            names: p.names,
        })
        .collect())
}

/// What the archive held, by normalized member path.
#[derive(Default)]
struct Members {
    /// Metadata files (`manifest.json`, `index.json`, `<hex>.json`, …).
    small: HashMap<String, Vec<u8>>,
    /// Members now in the blob store, with their digest.
    blobs: HashMap<String, String>,
    /// Symbolic and hard links, to the normalized target path.
    links: HashMap<String, String>,
    /// The member each blob came from (or was made from), for errors.
    origins: HashMap<String, String>,
}

enum Member<'a> {
    Small(&'a [u8]),
    Blob(&'a str),
}

impl Members {
    fn resolve(&self, path: &str) -> Option<Member<'_>> {
        let mut p = normalize_member(path);
        for _ in 0..MAX_LINKS {
            if let Some(bytes) = self.small.get(&p) {
                return Some(Member::Small(bytes));
            }
            if let Some(d) = self.blobs.get(&p) {
                return Some(Member::Blob(d));
            }
            p = self.links.get(&p)?.clone();
        }
        None
    }

    /// The bytes of a metadata member, wherever the archive put it.
    fn read_small(&self, store: &Store, path: &str) -> anyhow::Result<Vec<u8>> {
        match self.resolve(path) {
            Some(Member::Small(b)) => Ok(b.to_vec()),
            Some(Member::Blob(d)) => read_small_blob(store, d, path),
            None => anyhow::bail!("{path} is missing from the archive"),
        }
    }

    fn note_origin(&mut self, blob: &str, member: &str) {
        self.origins
            .entry(blob.to_string())
            .or_insert_with(|| normalize_member(member));
    }

    /// The archive member a blob came from, for error messages.
    fn member_of(&self, blob: &str) -> String {
        self.origins
            .get(blob)
            .cloned()
            .unwrap_or_else(|| blob_member(blob))
    }
}

fn blob_member(digest: &str) -> String {
    format!("blobs/sha256/{}", digest::short_id_full(digest))
}

fn read_small_blob(store: &Store, blob: &str, member: &str) -> anyhow::Result<Vec<u8>> {
    let path = store.blob_path(blob)?;
    let len = path.metadata().map(|m| m.len()).unwrap_or(0);
    if len > MAX_SMALL {
        anyhow::bail!("{member}: {len} bytes, too large for an image manifest or config");
    }
    store.read_blob(blob)
}

/// Stream the tar once, storing blobs and layer tars and keeping the
/// metadata files.
fn read_members<R: Read>(store: &Store, reader: R) -> anyhow::Result<Members> {
    // The guard refuses GNU long-name and PAX headers that would make the
    // tar crate read gigabytes into memory.
    let mut archive = tar::Archive::new(TarGuard::new(reader));
    let mut members = Members::default();
    let mut last: Option<String> = None;
    let mut kept: u64 = 0;
    let entries = archive.entries().map_err(|e| tar_error(e, None))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| tar_error(e, last.as_deref()))?;
        let raw = entry
            .path()
            .map_err(|e| tar_error(e, last.as_deref()))?
            .to_string_lossy()
            .into_owned();
        let path = normalize_member(&raw);
        last = Some(path.clone());
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            let target = entry
                .link_name()
                .map_err(|e| tar_error(e, Some(&path)))?
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_default();
            // A symlink is relative to its directory, a hard link to the top.
            let resolved = match path.rsplit_once('/') {
                Some((dir, _)) if kind.is_symlink() && !target.starts_with('/') => {
                    normalize_member(&format!("{dir}/{target}"))
                }
                _ => normalize_member(&target),
            };
            members.links.insert(path, resolved);
            continue;
        }
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            continue;
        }
        if let Some(hex) = path.strip_prefix("blobs/sha256/") {
            let expected = format!("sha256:{hex}");
            digest::sha256_hex(&expected)
                .with_context(|| format!("archive member {path}: not a blob name"))?;
            // Already stored (and verified when it was): just skip the bytes.
            if !store.has_blob(&expected) {
                let actual = store_member(store, &mut entry, &path)?;
                if actual != expected {
                    anyhow::bail!("archive member {path}: its content has digest {actual}; the archive is corrupt");
                }
            }
            members.note_origin(&expected, &path);
            members.blobs.insert(path, expected);
        } else if path.ends_with(".tar") {
            let actual = store_member(store, &mut entry, &path)?;
            members.note_origin(&actual, &path);
            members.blobs.insert(path, actual);
        } else if is_metadata(&path) {
            let size = entry.size();
            if size > MAX_SMALL {
                anyhow::bail!("archive member {path}: {size} bytes, too large for a metadata file");
            }
            // A member given twice replaces the first.
            let replaced = members.small.get(&path).map_or(0, |b| b.len() as u64);
            kept = kept - replaced + size;
            if kept > MAX_SMALL_TOTAL {
                anyhow::bail!(
                    "archive member {path}: the metadata files exceed {} MiB in total; the archive is hostile or corrupt",
                    MAX_SMALL_TOTAL >> 20
                );
            }
            let mut bytes = Vec::with_capacity(size as usize);
            entry
                .read_to_end(&mut bytes)
                .map_err(|e| anyhow::anyhow!("archive member {path}: {e}"))?;
            if bytes.len() as u64 != size {
                anyhow::bail!("archive member {path} is truncated: the archive is incomplete");
            }
            members.small.insert(path, bytes);
        }
        // Anything else (old per-layer `json`, `VERSION`, JSON files in
        // subdirectories) is not needed.
    }
    if last.is_none() {
        anyhow::bail!("the input is empty or not a tar archive");
    }
    Ok(members)
}

/// The members that can matter for loading, kept in memory: the top-level
/// JSON files (`manifest.json`, `index.json`, a docker-archive's configs),
/// `oci-layout` and `repositories`.
fn is_metadata(path: &str) -> bool {
    (path.ends_with(".json") && !path.contains('/'))
        || path == crate::image::store::LAYOUT_FILE
        || path == "repositories"
}

/// One line for a tar reading error. The tar crate quotes the bytes of a
/// bad header, which for a file that is not a tar is noise.
fn tar_error(e: io::Error, last: Option<&str>) -> anyhow::Error {
    if let Some(too_large) = targuard::meta_too_large(&e) {
        return match last {
            None => anyhow::anyhow!("reading the archive: {too_large}"),
            Some(m) => anyhow::anyhow!("reading the archive after member {m}: {too_large}"),
        };
    }
    let detail: String = e
        .to_string()
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(120)
        .collect();
    let bad_header = matches!(e.kind(), io::ErrorKind::InvalidData | io::ErrorKind::Other);
    match last {
        None if bad_header => {
            anyhow::anyhow!("the input is not a tar archive (plain, gzip or zstd)")
        }
        None => anyhow::anyhow!("reading the archive: {detail}"),
        Some(m) => anyhow::anyhow!("the archive is damaged after member {m}: {detail}"),
    }
}

/// Copy one member into a new blob; returns its digest.
fn store_member<R: Read>(
    store: &Store,
    entry: &mut tar::Entry<R>,
    path: &str,
) -> anyhow::Result<String> {
    let size = entry.size();
    let mut blob = store.blob_writer()?;
    io::copy(entry, &mut blob).map_err(|e| {
        if matches!(e.raw_os_error(), Some(libc::ENOSPC) | Some(libc::EDQUOT)) {
            explain_io(e, &format!("storing archive member {path}"))
        } else {
            anyhow::anyhow!("archive member {path}: {e}")
        }
    })?;
    // The tar reader ends an entry quietly where the input ends.
    if blob.written() != size {
        anyhow::bail!("archive member {path} is truncated: the archive is incomplete");
    }
    blob.commit(None)
        .with_context(|| format!("storing archive member {path}"))
}

/// An image put together from the archive, not yet registered.
struct Planned {
    image: NewImage,
    /// (blob digest, diff id) per layer, bottom first.
    layers: Vec<(String, String)>,
    names: Vec<String>,
    /// The manifest was made here from a docker-archive's manifest.json.
    made_manifest: bool,
}

#[derive(Deserialize)]
struct OciIndex {
    #[serde(default)]
    manifests: Vec<OciDescriptor>,
}

#[derive(Deserialize)]
struct OciDescriptor {
    digest: String,
    #[serde(default)]
    annotations: HashMap<String, String>,
}

/// Images from `index.json`, or None when the archive is a docker-archive
/// (no index.json, or an index whose blobs are not in the archive while a
/// manifest.json is: Docker 25+ writes both).
fn oci_images(store: &Store, m: &Members) -> anyhow::Result<Option<Vec<Planned>>> {
    let Some(bytes) = m.small.get("index.json") else {
        return Ok(None);
    };
    let index: OciIndex = serde_json::from_slice(bytes)
        .context("archive member index.json is not a valid image index")?;
    let complete =
        !index.manifests.is_empty() && index.manifests.iter().all(|d| store.has_blob(&d.digest));
    if !complete && m.small.contains_key("manifest.json") {
        return Ok(None);
    }
    if index.manifests.is_empty() {
        anyhow::bail!("archive member index.json lists no images");
    }
    // Several descriptors of one manifest are several names of one image.
    let mut order: Vec<(String, Vec<String>)> = Vec::new();
    for desc in &index.manifests {
        digest::sha256_hex(&desc.digest).context("archive member index.json")?;
        let name = oci_name(&desc.annotations).context("archive member index.json")?;
        let slot = match order.iter().position(|(d, _)| *d == desc.digest) {
            Some(i) => i,
            None => {
                order.push((desc.digest.clone(), Vec::new()));
                order.len() - 1
            }
        };
        if let Some(n) = name {
            if !order[slot].1.contains(&n) {
                order[slot].1.push(n);
            }
        }
    }
    let mut planned = Vec::new();
    for (top_digest, names) in order {
        let top = read_blob(store, m, &top_digest)?;
        let member = blob_member(&top_digest);
        let (manifest_bytes, manifest_digest, list_digest) =
            match manifest::parse_manifest_document(&top)
                .with_context(|| format!("archive member {member}"))?
            {
                Fetched::Image(_) => (top, top_digest, None),
                Fetched::Index(entries) => {
                    let chosen = manifest::select_platform(&entries, &Platform::host())
                        .with_context(|| format!("archive member {member}"))?;
                    digest::sha256_hex(&chosen.digest)
                        .with_context(|| format!("archive member {member}"))?;
                    (
                        read_blob(store, m, &chosen.digest)?,
                        chosen.digest.clone(),
                        Some(top_digest),
                    )
                }
            };
        planned.push(plan_image(
            store,
            m,
            manifest_bytes,
            manifest_digest,
            list_digest,
            names,
        )?);
    }
    Ok(Some(planned))
}

/// The image name an index descriptor carries, if any. A bare
/// `ref.name` such as `latest` is a tag for a layout, not an image name.
fn oci_name(ann: &HashMap<String, String>) -> anyhow::Result<Option<String>> {
    if let Some(full) = ann.get(CONTAINERD_NAME) {
        return docker_name(full).map(Some);
    }
    match ann.get(REF_NAME) {
        Some(r) if r.contains(['/', ':', '@']) => crate::image::reference::local_name(r)
            .map(Some)
            .with_context(|| format!("bad image name {r:?}")),
        _ => Ok(None),
    }
}

/// A name as Docker writes it (`busybox:latest` is Docker Hub's).
fn docker_name(s: &str) -> anyhow::Result<String> {
    let r = Reference::parse(s).with_context(|| format!("bad image name {s:?}"))?;
    Ok(stored_name(&r.with_default_tag()))
}

#[derive(Deserialize)]
struct DockerEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

/// Images from a docker-archive's `manifest.json`, each given a Docker v2
/// schema 2 manifest built here.
fn docker_images(store: &Store, m: &mut Members) -> anyhow::Result<Vec<Planned>> {
    let bytes = m
        .small
        .get("manifest.json")
        .map(Vec::as_slice)
        .unwrap_or_default();
    let entries: Vec<DockerEntry> = serde_json::from_slice(bytes)
        .context("archive member manifest.json is not a valid docker-archive manifest")?;
    if entries.is_empty() {
        anyhow::bail!("archive member manifest.json lists no images");
    }
    let mut planned = Vec::new();
    for entry in entries {
        let config_bytes = m
            .read_small(store, &entry.config)
            .context("archive member manifest.json")?;
        let config_digest = store.put_blob(&config_bytes)?;
        m.note_origin(&config_digest, &entry.config);
        let mut layers = Vec::new();
        let mut any_zstd = false;
        for path in &entry.layers {
            let blob = match m.resolve(path) {
                Some(Member::Blob(d)) => d.to_string(),
                Some(Member::Small(b)) => store.put_blob(b)?,
                None => anyhow::bail!(
                    "archive member manifest.json: layer {path} is missing from the archive"
                ),
            };
            m.note_origin(&blob, path);
            let mut file = store.open_blob(&blob)?;
            let size = file.metadata()?.len();
            let mut head = [0u8; 4];
            let n = read_up_to(&mut file, &mut head)?;
            let compression = manifest::sniff_compression(&head[..n]);
            any_zstd |= compression == Compression::Zstd;
            layers.push((blob, size, compression));
        }
        // Docker's manifest has no zstd layer type: such images get an OCI one.
        let (manifest_type, config_type) = if any_zstd {
            (manifest::OCI_MANIFEST, manifest::OCI_CONFIG)
        } else {
            (manifest::DOCKER_MANIFEST, manifest::DOCKER_CONFIG)
        };
        let layer_descs: Vec<_> = layers
            .iter()
            .map(|(blob, size, compression)| {
                let media_type = match (compression, any_zstd) {
                    (Compression::None, false) => DOCKER_LAYER,
                    (Compression::Gzip, false) => manifest::DOCKER_LAYER_GZIP,
                    (Compression::None, true) => manifest::OCI_LAYER,
                    (Compression::Gzip, true) => manifest::OCI_LAYER_GZIP,
                    (Compression::Zstd, _) => OCI_LAYER_ZSTD,
                };
                json!({"mediaType": media_type, "size": size, "digest": blob})
            })
            .collect();
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": manifest_type,
            "config": {"mediaType": config_type, "size": config_bytes.len(), "digest": config_digest},
            "layers": layer_descs,
        });
        let manifest_bytes = serde_json::to_vec(&manifest)?;
        let manifest_digest = store.put_blob(&manifest_bytes)?;
        m.note_origin(&manifest_digest, "manifest.json");
        let mut names = Vec::new();
        for tag in entry.repo_tags.iter().flatten() {
            let name = docker_name(tag).context("archive member manifest.json")?;
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let mut image = plan_image(store, m, manifest_bytes, manifest_digest, None, names)?;
        image.made_manifest = true;
        planned.push(image);
    }
    Ok(planned)
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// A blob the archive must have supplied (or the store already had).
fn read_blob(store: &Store, m: &Members, blob: &str) -> anyhow::Result<Vec<u8>> {
    if !store.has_blob(blob) {
        anyhow::bail!("archive member {} is missing", blob_member(blob));
    }
    read_small_blob(store, blob, &m.member_of(blob))
}

/// Check an image manifest against its config and the archive's blobs.
fn plan_image(
    store: &Store,
    m: &Members,
    manifest_bytes: Vec<u8>,
    manifest_digest: String,
    list_digest: Option<String>,
    names: Vec<String>,
) -> anyhow::Result<Planned> {
    let member = m.member_of(&manifest_digest);
    let manifest: ImageManifest = match manifest::parse_manifest_document(&manifest_bytes)
        .with_context(|| format!("archive member {member}"))?
    {
        Fetched::Image(man) => *man,
        Fetched::Index(_) => anyhow::bail!("archive member {member}: an index points to another index; cove does not follow nested indexes"),
    };
    let config_digest = manifest.config().digest().to_string();
    digest::sha256_hex(&config_digest)
        .with_context(|| format!("archive member {member}: bad config digest"))?;
    let config_bytes = read_blob(store, m, &config_digest)?;
    let config: ImageConfiguration = serde_json::from_slice(&config_bytes).with_context(|| {
        format!(
            "archive member {} is not a valid image config",
            m.member_of(&config_digest)
        )
    })?;
    let diff_ids = config.rootfs().diff_ids();
    if diff_ids.len() != manifest.layers().len() {
        anyhow::bail!(
            "archive member {member}: the image is inconsistent: its config lists {} layers, its manifest {}",
            diff_ids.len(),
            manifest.layers().len()
        );
    }
    let mut layers = Vec::new();
    for (layer, diff_id) in manifest.layers().iter().zip(diff_ids) {
        let blob = layer.digest().to_string();
        digest::sha256_hex(&blob)
            .with_context(|| format!("archive member {member}: bad layer digest"))?;
        digest::sha256_hex(diff_id)
            .with_context(|| format!("archive member {member}: bad diff id"))?;
        if !store.has_blob(&blob) {
            anyhow::bail!(
                "archive member {} is missing (a layer of {member})",
                blob_member(&blob)
            );
        }
        layers.push((blob, diff_id.clone()));
    }
    let media_type = manifest
        .media_type()
        .as_ref()
        .map(|t| t.to_string())
        .unwrap_or_else(|| manifest::OCI_MANIFEST.to_string());
    Ok(Planned {
        image: NewImage {
            id: config_digest,
            manifest_digest,
            manifest_media_type: media_type,
            manifest_size: manifest_bytes.len() as u64,
            created: config.created().clone(),
            size: 0,
            list_digest,
        },
        layers,
        names,
        made_manifest: false,
    })
}

/// Unpack every layer not yet unpacked, a few at a time; returns the
/// unpacked size per diff id.
fn unpack_layers(
    store: &Store,
    opts: &UnpackOptions,
    m: &Members,
    planned: &[Planned],
) -> anyhow::Result<HashMap<String, u64>> {
    let mut seen = HashSet::new();
    let work: Vec<&(String, String)> = planned
        .iter()
        .flat_map(|p| &p.layers)
        .filter(|(_, diff_id)| seen.insert(diff_id.clone()))
        .collect();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<anyhow::Result<(String, u64)>>> = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4)
        .min(work.len());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some((blob, diff_id)) = work.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let result = unpack_stored_blob(store, blob, diff_id, opts)
                        .map(|size| (diff_id.clone(), size))
                        .with_context(|| format!("archive member {}", m.member_of(blob)));
                    let failed = result.is_err();
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(result);
                    if failed {
                        // Stop handing out work: one error is enough.
                        next.store(work.len(), Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let mut sizes = HashMap::new();
    for result in results.into_inner().unwrap_or_else(|e| e.into_inner()) {
        let (diff_id, size) = result?;
        sizes.insert(diff_id, size);
    }
    Ok(sizes)
}

#[cfg(test)]
mod limits {
    use super::*;

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        (dir, store)
    }

    #[test]
    fn only_members_that_matter_are_kept() {
        let (_d, store) = store();
        let tar = tar_of(&[
            ("./manifest.json", b"[]"),
            ("abc.json", b"{}"),
            ("oci-layout", b"{}"),
            ("repositories", b"{}"),
            ("VERSION", b"1.0"),
            ("abc/json", b"{}"),
            ("abc/other.json", b"{}"),
            ("notes.txt", b"hi"),
        ]);
        let m = read_members(&store, &tar[..]).unwrap();
        let mut kept: Vec<&str> = m.small.keys().map(String::as_str).collect();
        kept.sort();
        assert_eq!(
            kept,
            ["abc.json", "manifest.json", "oci-layout", "repositories"]
        );
    }

    #[test]
    fn metadata_members_have_a_total_budget() {
        let (_d, store) = store();
        let big = vec![b' '; 15 << 20];
        // A member given again replaces the first: not counted twice.
        let names = ["a.json", "a.json", "b.json", "c.json", "d.json", "e.json"];
        let files: Vec<(&str, &[u8])> = names.iter().map(|n| (*n, &big[..])).collect();
        let err = read_members(&store, &tar_of(&files)[..])
            .err()
            .unwrap()
            .to_string();
        assert_eq!(
            err,
            "archive member e.json: the metadata files exceed 64 MiB in total; the archive is hostile or corrupt"
        );
        let files: Vec<(&str, &[u8])> = names[..5].iter().map(|n| (*n, &big[..])).collect();
        assert_eq!(
            read_members(&store, &tar_of(&files)[..])
                .unwrap()
                .small
                .len(),
            4
        );
    }

    #[test]
    fn oversized_tar_metadata_is_one_line() {
        let (_d, store) = store();
        let mut tar = tar_of(&[("manifest.json", b"[]")]);
        tar.truncate(tar.len() - 1024);
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::GNULongName);
        h.set_path("././@LongLink").unwrap();
        h.set_size(1 << 30);
        h.set_cksum();
        tar.extend_from_slice(h.as_bytes());
        tar.extend_from_slice(&[0u8; 4096]);
        let opts = UnpackOptions {
            preserve_ownership: false,
            allow_devices: false,
        };
        let err = load_archive(&store, &opts, &tar[..]).unwrap_err();
        assert_eq!(
            crate::error::describe(&err),
            "reading the archive after member manifest.json: tar entry metadata of 1073741824 bytes (a GNU long name or PAX header) exceeds the 1 MiB limit; the archive is hostile or corrupt"
        );
    }
}
