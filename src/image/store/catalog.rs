//! The catalog of images: the store's `index.json`, an OCI image index
//! with one manifest descriptor per image name (annotation
//! `org.opencontainers.image.ref.name`, as skopeo and podman read it) and
//! one unnamed descriptor for an image that has lost all its names.
//! cove's own facts about an image ride along as `io.cove.*` annotations so
//! that `cove images` reads one small file and nothing else.

use super::Store;
use crate::image::reference::{ParsedName, Reference};
use crate::sys::fsutil;
use crate::util::digest;
use anyhow::Context;
use oci_spec::image::{Descriptor, ImageIndex, ImageIndexBuilder, MediaType};
use std::collections::HashMap;

const REF_NAME: &str = "org.opencontainers.image.ref.name";
const ID: &str = "io.cove.image.id";
const CREATED: &str = "io.cove.image.created";
const SIZE: &str = "io.cove.image.size";
const LIST_DIGEST: &str = "io.cove.image.list-digest";
const ADDED: &str = "io.cove.image.added";

/// One image: a manifest, its config digest (the image id) and its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageEntry {
    /// The config digest, `sha256:…`: the image id as Podman shows it.
    pub id: String,
    pub manifest_digest: String,
    pub manifest_media_type: String,
    pub manifest_size: u64,
    /// Full references (`docker.io/library/busybox:latest`), oldest first.
    pub names: Vec<String>,
    /// The image config's `created`, RFC 3339.
    pub created: Option<String>,
    /// Unpacked size in bytes.
    pub size: u64,
    /// Digest of the index/manifest list this manifest was chosen from.
    pub list_digest: Option<String>,
    /// When the image entered this store, RFC 3339.
    pub added: Option<String>,
}

/// What a pull, load, import or commit registers.
#[derive(Debug, Clone)]
pub struct NewImage {
    pub id: String,
    pub manifest_digest: String,
    pub manifest_media_type: String,
    pub manifest_size: u64,
    pub created: Option<String>,
    pub size: u64,
    pub list_digest: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub images: Vec<ImageEntry>,
}

impl Store {
    /// Read the catalog without locking (writers replace it atomically).
    pub fn catalog(&self) -> anyhow::Result<Catalog> {
        Catalog::read(&self.index_path())
    }

    /// Read-modify-write the catalog under the store lock.
    pub fn update_catalog<T>(
        &self,
        change: impl FnOnce(&mut Catalog) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let _lock = self.lock_catalog()?;
        let mut catalog = self.catalog()?;
        let result = change(&mut catalog)?;
        let bytes = serde_json::to_vec(&catalog.to_index()?)?;
        fsutil::write_atomic(&self.index_path(), &bytes, 0o644)?;
        Ok(result)
    }
}

impl Catalog {
    pub fn read(path: &std::path::Path) -> anyhow::Result<Catalog> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Catalog::default()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let index: ImageIndex = serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{} is corrupt; move it away and re-pull your images",
                path.display()
            )
        })?;
        Ok(Catalog::from_index(&index))
    }

    fn from_index(index: &ImageIndex) -> Catalog {
        let mut images: Vec<ImageEntry> = Vec::new();
        // Keyed by image id; layouts written by other tools, without our
        // annotations, use the manifest digest as the id.
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for desc in index.manifests() {
            let empty = HashMap::new();
            let ann = desc.annotations().as_ref().unwrap_or(&empty);
            let manifest_digest = desc.digest().to_string();
            let id = ann
                .get(ID)
                .cloned()
                .unwrap_or_else(|| manifest_digest.clone());
            let slot = *by_id.entry(id.clone()).or_insert_with(|| {
                images.push(ImageEntry {
                    id,
                    manifest_digest: manifest_digest.clone(),
                    manifest_media_type: desc.media_type().to_string(),
                    manifest_size: desc.size(),
                    names: Vec::new(),
                    created: ann.get(CREATED).cloned(),
                    size: ann.get(SIZE).and_then(|s| s.parse().ok()).unwrap_or(0),
                    list_digest: ann.get(LIST_DIGEST).cloned(),
                    added: ann.get(ADDED).cloned(),
                });
                images.len() - 1
            });
            if let Some(name) = ann.get(REF_NAME) {
                images[slot].names.push(name.clone());
            }
        }
        Catalog { images }
    }

    fn to_index(&self) -> anyhow::Result<ImageIndex> {
        let mut manifests = Vec::new();
        for img in &self.images {
            let mut base = HashMap::new();
            base.insert(ID.to_string(), img.id.clone());
            base.insert(SIZE.to_string(), img.size.to_string());
            if let Some(c) = &img.created {
                base.insert(CREATED.to_string(), c.clone());
            }
            if let Some(l) = &img.list_digest {
                base.insert(LIST_DIGEST.to_string(), l.clone());
            }
            if let Some(a) = &img.added {
                base.insert(ADDED.to_string(), a.clone());
            }
            let names: Vec<Option<&String>> = if img.names.is_empty() {
                vec![None]
            } else {
                img.names.iter().map(Some).collect()
            };
            for name in names {
                let mut ann = base.clone();
                if let Some(n) = name {
                    ann.insert(REF_NAME.to_string(), n.clone());
                }
                let mut desc = Descriptor::new(
                    MediaType::from(img.manifest_media_type.as_str()),
                    img.manifest_size,
                    oci_spec::image::Digest::try_from(img.manifest_digest.as_str())
                        .context("invalid manifest digest in catalog")?,
                );
                desc.set_annotations(Some(ann));
                manifests.push(desc);
            }
        }
        Ok(ImageIndexBuilder::default()
            .schema_version(2u32)
            .media_type(MediaType::ImageIndex)
            .manifests(manifests)
            .build()?)
    }

    /// Register an image, optionally under `name`. The name moves away from
    /// any image that had it, as when a newer `latest` is pulled. The image
    /// id (config digest) is the unit: a second manifest for an image that
    /// is already here (gzip vs zstd layers, another mirror) does not make a
    /// second entry; the stored manifest stays.
    pub fn add(&mut self, new: NewImage, name: Option<&str>) {
        if let Some(name) = name {
            self.untag(name);
        }
        let slot = match self.images.iter().position(|i| i.id == new.id) {
            Some(i) => i,
            None => {
                self.images.push(ImageEntry {
                    id: new.id,
                    manifest_digest: new.manifest_digest,
                    manifest_media_type: new.manifest_media_type,
                    manifest_size: new.manifest_size,
                    names: Vec::new(),
                    created: new.created,
                    size: new.size,
                    list_digest: new.list_digest,
                    added: Some(
                        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    ),
                });
                self.images.len() - 1
            }
        };
        if let Some(name) = name {
            self.images[slot].names.push(name.to_string());
        }
    }

    /// Add `name` to the image with this id (moving it from any other).
    pub fn tag(&mut self, id: &str, name: &str) -> bool {
        if self
            .images
            .iter()
            .any(|i| i.id == id && i.names.iter().any(|n| n == name))
        {
            return true;
        }
        self.untag(name);
        match self.images.iter_mut().find(|i| i.id == id) {
            Some(img) => {
                img.names.push(name.to_string());
                true
            }
            None => false,
        }
    }

    /// Remove `name` from whichever image has it. The image stays, unnamed,
    /// if that was its last name. Returns whether the name existed.
    pub fn untag(&mut self, name: &str) -> bool {
        let mut found = false;
        for img in &mut self.images {
            let before = img.names.len();
            img.names.retain(|n| n != name);
            found |= img.names.len() != before;
        }
        found
    }

    /// Drop an image (all its manifests) from the catalog.
    pub fn remove(&mut self, id: &str) {
        self.images.retain(|i| i.id != id);
    }

    pub fn by_id(&self, id: &str) -> Option<&ImageEntry> {
        self.images.iter().find(|i| i.id == id)
    }

    /// Find the image a user means: a full or short id (unique prefix), a
    /// full reference, a short name (`busybox`, `busybox:1.36`) matched
    /// against the names in the store, or `name@sha256:…`.
    pub fn resolve(&self, input: &str) -> anyhow::Result<Option<&ImageEntry>> {
        if let Some(img) = self.resolve_id(input)? {
            return Ok(Some(img));
        }
        let Ok(parsed) = crate::image::reference::parse_name(input) else {
            return Ok(None);
        };
        let candidates: Vec<&ImageEntry> = self
            .images
            .iter()
            .filter(|img| img.names.iter().any(|n| names(&parsed, n, img)))
            .collect();
        Ok(pick_preferred(candidates))
    }

    /// The image whose id starts with `input` (at least 3 hex digits, an
    /// optional `sha256:`); an error when the prefix is ambiguous.
    pub fn resolve_id(&self, input: &str) -> anyhow::Result<Option<&ImageEntry>> {
        let hex_input = input.strip_prefix("sha256:").unwrap_or(input);
        if hex_input.len() < 3 || !hex_input.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let matches: Vec<&ImageEntry> = self
            .images
            .iter()
            .filter(|i| digest::short_id_full(&i.id).starts_with(hex_input))
            .collect();
        if matches.len() > 1 {
            let ids: Vec<&str> = matches.iter().map(|i| digest::short_id(&i.id)).collect();
            anyhow::bail!(
                "{input}: ambiguous image id prefix, it matches {}; use more characters",
                ids.join(", ")
            );
        }
        Ok(matches.first().copied())
    }

    /// The stored name of `img` that `input` refers to, if the user named
    /// the image by a name rather than by its id.
    pub fn name_referred_to<'a>(&self, input: &str, img: &'a ImageEntry) -> Option<&'a String> {
        if matches!(self.resolve_id(input), Ok(Some(_))) {
            return None;
        }
        let parsed = crate::image::reference::parse_name(input).ok()?;
        img.names.iter().find(|n| names(&parsed, n, img))
    }
}

/// Does the user's (parsed) input name the stored name `stored` of `img`?
/// A qualified reference must match registry and repository; a short name
/// matches any registry, with docker.io's "library/" implied; no tag means
/// `latest` unless a digest is given.
fn names(input: &ParsedName, stored: &str, img: &ImageEntry) -> bool {
    let Ok(r) = Reference::parse(stored) else {
        return false;
    };
    let (repo_ok, tag, dig) = match input {
        ParsedName::Qualified(q) => (
            r.registry == q.registry && r.repository == q.repository,
            q.tag.as_deref(),
            q.digest.as_deref(),
        ),
        ParsedName::Short {
            repository,
            tag,
            digest,
        } => (
            r.repository == *repository
                || r.repository == format!("library/{repository}")
                || r.repository.ends_with(&format!("/{repository}")),
            tag.as_deref(),
            digest.as_deref(),
        ),
    };
    let tag = if tag.is_none() && dig.is_none() {
        Some("latest")
    } else {
        tag
    };
    repo_ok && name_matches(&r, img, tag, dig)
}

/// Does a stored name match the tag and/or digest asked for?
fn name_matches(
    stored: &Reference,
    img: &ImageEntry,
    tag: Option<&str>,
    dig: Option<&str>,
) -> bool {
    if let Some(d) = dig {
        let digest_ok = img.manifest_digest == d || img.list_digest.as_deref() == Some(d);
        return digest_ok
            && tag.is_none_or(|t| stored.tag.as_deref() == Some(t) || stored.tag.is_none());
    }
    match tag {
        Some(t) => stored.tag.as_deref() == Some(t),
        None => true,
    }
}

/// Several images match a short name: prefer localhost/ (built or imported
/// here), then docker.io, as Podman's short-name lookup does.
fn pick_preferred(mut candidates: Vec<&ImageEntry>) -> Option<&ImageEntry> {
    let rank = |img: &ImageEntry| {
        if img.names.iter().any(|n| n.starts_with("localhost/")) {
            0
        } else if img.names.iter().any(|n| n.starts_with("docker.io/")) {
            1
        } else {
            2
        }
    };
    candidates.sort_by_key(|i| rank(i));
    candidates.first().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_image(n: u8) -> NewImage {
        NewImage {
            id: digest::sha256_of(&[n]),
            manifest_digest: digest::sha256_of(&[n, n]),
            manifest_media_type: "application/vnd.oci.image.manifest.v1+json".into(),
            manifest_size: 100,
            created: Some("2024-01-01T00:00:00Z".into()),
            size: 1000,
            list_digest: None,
        }
    }

    #[test]
    fn roundtrip_through_index_json() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .update_catalog(|c| {
                c.add(new_image(1), Some("docker.io/library/busybox:latest"));
                c.add(new_image(1), Some("localhost/mine:1"));
                c.add(new_image(2), None);
                Ok(())
            })
            .unwrap();
        let c = store.catalog().unwrap();
        assert_eq!(c.images.len(), 2);
        assert_eq!(
            c.images[0].names,
            vec!["docker.io/library/busybox:latest", "localhost/mine:1"]
        );
        assert!(c.images[1].names.is_empty());
        // The index is a plain OCI index other tools can read.
        let raw: serde_json::Value =
            serde_json::from_slice(&std::fs::read(store.index_path()).unwrap()).unwrap();
        assert_eq!(raw["schemaVersion"], 2);
        assert_eq!(raw["manifests"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn a_name_moves_to_the_newer_image() {
        let mut c = Catalog::default();
        c.add(new_image(1), Some("docker.io/library/x:latest"));
        c.add(new_image(2), Some("docker.io/library/x:latest"));
        assert!(c.images[0].names.is_empty());
        assert_eq!(c.images[1].names.len(), 1);
    }

    #[test]
    fn resolve_by_id_prefix_name_and_short_name() {
        let mut c = Catalog::default();
        c.add(new_image(1), Some("docker.io/library/busybox:latest"));
        c.add(new_image(2), Some("quay.io/team/app:v1"));
        let busy = c.images[0].id.clone();
        let hex = busy.strip_prefix("sha256:").unwrap();
        assert_eq!(c.resolve(&hex[..6]).unwrap().unwrap().id, busy);
        assert_eq!(c.resolve(&busy).unwrap().unwrap().id, busy);
        assert_eq!(c.resolve("busybox").unwrap().unwrap().id, busy);
        assert_eq!(c.resolve("busybox:latest").unwrap().unwrap().id, busy);
        assert_eq!(c.resolve("docker.io/busybox").unwrap().unwrap().id, busy);
        assert!(c.resolve("busybox:1.0").unwrap().is_none());
        assert_eq!(
            c.resolve("app:v1").unwrap().unwrap().names[0],
            "quay.io/team/app:v1"
        );
        assert_eq!(
            c.resolve("team/app:v1").unwrap().unwrap().names[0],
            "quay.io/team/app:v1"
        );
        assert!(c.resolve("app").unwrap().is_none());
        let by_digest = format!("busybox@{}", c.images[0].manifest_digest);
        assert_eq!(c.resolve(&by_digest).unwrap().unwrap().id, busy);
    }

    #[test]
    fn a_second_manifest_of_the_same_image_is_one_entry() {
        let mut c = Catalog::default();
        c.add(new_image(1), Some("localhost/a:1"));
        let mut other = new_image(1);
        other.manifest_digest = digest::sha256_of(b"other manifest");
        c.add(other, Some("localhost/b:1"));
        assert_eq!(c.images.len(), 1);
        assert_eq!(c.images[0].names, vec!["localhost/a:1", "localhost/b:1"]);
        assert_eq!(c.images[0].manifest_digest, digest::sha256_of(&[1, 1]));
    }

    #[test]
    fn untag_keeps_the_image() {
        let mut c = Catalog::default();
        c.add(new_image(1), Some("localhost/a:1"));
        assert!(c.untag("localhost/a:1"));
        assert!(!c.untag("localhost/a:1"));
        assert_eq!(c.images.len(), 1);
        assert!(c.tag(&c.images[0].id.clone(), "localhost/b:2"));
        assert_eq!(c.images[0].names, vec!["localhost/b:2"]);
    }
}
