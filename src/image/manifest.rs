//! Image manifests, indexes and configs as they come from registries and
//! archives: media types, platform selection in a multi-arch index, and
//! reading a stored image's parts.

use crate::image::store::{ImageEntry, Store};
use anyhow::Context;
use oci_spec::image::{ImageConfiguration, ImageManifest};
use serde::Deserialize;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";

/// Manifest media types we accept from a registry, best first.
pub const ACCEPTED_MANIFESTS: &[&str] = &[OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST];

/// The platform to pick from a multi-arch image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// The machine we run on, in Go's GOOS/GOARCH names that images use.
    pub fn host() -> Platform {
        let architecture = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            "loongarch64" => "loong64",
            other => other,
        }
        .to_string();
        let variant = match architecture.as_str() {
            "arm" => Some("v7".to_string()),
            _ => None,
        };
        Platform {
            os: "linux".into(),
            architecture,
            variant,
        }
    }

    /// From `--platform os/arch[/variant]` and the single flags, which
    /// override parts of the host platform.
    pub fn from_flags(
        platform: Option<&str>,
        os: Option<&str>,
        arch: Option<&str>,
        variant: Option<&str>,
    ) -> anyhow::Result<Platform> {
        let mut p = Platform::host();
        if let Some(spec) = platform {
            let parts: Vec<&str> = spec.split('/').collect();
            if parts.len() < 2 || parts.len() > 3 || parts.iter().any(|s| s.is_empty()) {
                anyhow::bail!(
                    "invalid platform {spec:?}: expected OS/ARCH[/VARIANT], e.g. linux/arm64"
                );
            }
            p.os = parts[0].to_string();
            p.architecture = parts[1].to_string();
            p.variant = parts.get(2).map(|s| s.to_string());
        }
        if let Some(os) = os {
            p.os = os.to_string();
        }
        if let Some(arch) = arch {
            p.architecture = arch.to_string();
            if variant.is_none() && platform.is_none() {
                p.variant = None;
            }
        }
        if let Some(v) = variant {
            p.variant = Some(v.to_string());
        }
        Ok(p)
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// The parts of an index entry we need (works for OCI indexes and Docker
/// manifest lists alike).
#[derive(Debug, Deserialize)]
pub struct IndexEntry {
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    pub digest: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub platform: Option<IndexPlatform>,
}

#[derive(Debug, Deserialize)]
pub struct IndexPlatform {
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub variant: Option<String>,
}

/// A fetched manifest document: an index to choose from, or an image.
#[derive(Debug)]
pub enum Fetched {
    Index(Vec<IndexEntry>),
    Image(Box<ImageManifest>),
}

/// Classify and parse a manifest document.
pub fn parse_manifest_document(bytes: &[u8]) -> anyhow::Result<Fetched> {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "schemaVersion", default)]
        schema_version: u32,
        #[serde(rename = "mediaType", default)]
        media_type: Option<String>,
        #[serde(default)]
        manifests: Option<Vec<IndexEntry>>,
    }
    let probe: Probe = serde_json::from_slice(bytes).context("the manifest is not valid JSON")?;
    if probe.schema_version == 1 {
        anyhow::bail!("this image uses the obsolete Docker schema 1 manifest, which cove does not support; push it again with a current tool");
    }
    let is_index = matches!(
        probe.media_type.as_deref(),
        Some(OCI_INDEX) | Some(DOCKER_LIST)
    ) || probe.manifests.is_some();
    if is_index {
        return Ok(Fetched::Index(probe.manifests.unwrap_or_default()));
    }
    let manifest: ImageManifest =
        serde_json::from_slice(bytes).context("the image manifest is malformed")?;
    Ok(Fetched::Image(Box::new(manifest)))
}

/// Choose the entry for `want` from an index. A requested variant must
/// match; otherwise an exact variant match is preferred, then none.
pub fn select_platform<'a>(
    entries: &'a [IndexEntry],
    want: &Platform,
) -> anyhow::Result<&'a IndexEntry> {
    let normalize_variant = |arch: &str, v: Option<&str>| -> Option<String> {
        match (arch, v) {
            ("arm64", None) => Some("v8".into()),
            (_, v) => v.map(str::to_string),
        }
    };
    let want_variant = normalize_variant(&want.architecture, want.variant.as_deref());
    let candidates: Vec<&IndexEntry> = entries
        .iter()
        .filter(|e| {
            e.platform
                .as_ref()
                .is_some_and(|p| p.os == want.os && p.architecture == want.architecture)
        })
        .collect();
    let variant_of = |e: &IndexEntry| {
        let p = e.platform.as_ref().expect("filtered on platform");
        normalize_variant(&p.architecture, p.variant.as_deref())
    };
    if let Some(exact) = candidates.iter().find(|e| variant_of(e) == want_variant) {
        return Ok(exact);
    }
    if want.variant.is_none() {
        if let Some(first) = candidates.first() {
            return Ok(first);
        }
    }
    let available: Vec<String> = entries
        .iter()
        .filter_map(|e| e.platform.as_ref())
        .map(|p| match &p.variant {
            Some(v) => format!("{}/{}/{}", p.os, p.architecture, v),
            None => format!("{}/{}", p.os, p.architecture),
        })
        .collect();
    anyhow::bail!(
        "no image for {want} in this multi-arch image (it has {}); choose one with --platform",
        if available.is_empty() {
            "no platforms".to_string()
        } else {
            available.join(", ")
        }
    )
}

/// Kind of compression, from the first bytes of a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

pub fn sniff_compression(head: &[u8]) -> Compression {
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// Wrap a reader of a possibly compressed layer so it yields the tar.
pub fn decompress<'a, R: std::io::BufRead + Send + 'a>(
    mut reader: R,
) -> anyhow::Result<Box<dyn std::io::Read + Send + 'a>> {
    let head = reader.fill_buf().context("reading layer")?;
    Ok(match sniff_compression(head) {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(reader)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(reader).context("starting zstd decoder")?,
        ),
        Compression::None => Box::new(reader),
    })
}

/// A stored image's manifest and config, read from the store's blobs.
pub struct StoredImage {
    pub manifest: ImageManifest,
    pub config_bytes: Vec<u8>,
    pub config: ImageConfiguration,
}

impl StoredImage {
    pub fn load(store: &Store, entry: &ImageEntry) -> anyhow::Result<StoredImage> {
        let manifest_bytes = store.read_blob(&entry.manifest_digest)?;
        let manifest: ImageManifest =
            serde_json::from_slice(&manifest_bytes).with_context(|| {
                format!("manifest {} in the store is corrupt", entry.manifest_digest)
            })?;
        let config_digest = manifest.config().digest().to_string();
        let config_bytes = store.read_blob(&config_digest)?;
        let config: ImageConfiguration = serde_json::from_slice(&config_bytes)
            .with_context(|| format!("image config {config_digest} in the store is corrupt"))?;
        Ok(StoredImage {
            manifest,
            config_bytes,
            config,
        })
    }

    /// The diff ids of the layers, bottom first.
    pub fn diff_ids(&self) -> Vec<String> {
        self.config.rootfs().diff_ids().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(os: &str, arch: &str, variant: Option<&str>, d: &str) -> IndexEntry {
        IndexEntry {
            media_type: OCI_MANIFEST.into(),
            digest: d.into(),
            size: 1,
            platform: Some(IndexPlatform {
                os: os.into(),
                architecture: arch.into(),
                variant: variant.map(Into::into),
            }),
        }
    }

    #[test]
    fn picks_platform_and_variant() {
        let entries = vec![
            entry("linux", "amd64", None, "a"),
            entry("linux", "arm", Some("v6"), "b"),
            entry("linux", "arm", Some("v7"), "c"),
            entry("linux", "arm64", Some("v8"), "d"),
        ];
        let p = |s: &str| Platform::from_flags(Some(s), None, None, None).unwrap();
        assert_eq!(
            select_platform(&entries, &p("linux/amd64")).unwrap().digest,
            "a"
        );
        assert_eq!(
            select_platform(&entries, &p("linux/arm/v6"))
                .unwrap()
                .digest,
            "b"
        );
        assert_eq!(
            select_platform(&entries, &p("linux/arm/v7"))
                .unwrap()
                .digest,
            "c"
        );
        assert_eq!(
            select_platform(&entries, &p("linux/arm64")).unwrap().digest,
            "d"
        );
        let err = select_platform(&entries, &p("linux/s390x"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("linux/arm/v6"), "{err}");
        assert!(select_platform(&entries, &p("linux/arm/v5")).is_err());
    }

    #[test]
    fn platform_flags_validate() {
        assert!(Platform::from_flags(Some("linux"), None, None, None).is_err());
        let p = Platform::from_flags(None, None, Some("arm64"), None).unwrap();
        assert_eq!(p.to_string(), "linux/arm64");
    }

    #[test]
    fn classifies_documents() {
        let idx =
            br#"{"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:1","size":1}]}"#;
        assert!(matches!(parse_manifest_document(idx).unwrap(), Fetched::Index(v) if v.len() == 1));
        let v1 = br#"{"schemaVersion":1,"name":"x"}"#;
        assert!(parse_manifest_document(v1)
            .unwrap_err()
            .to_string()
            .contains("schema 1"));
    }

    #[test]
    fn sniffs_compression() {
        assert_eq!(sniff_compression(&[0x1f, 0x8b, 8]), Compression::Gzip);
        assert_eq!(
            sniff_compression(&[0x28, 0xb5, 0x2f, 0xfd]),
            Compression::Zstd
        );
        assert_eq!(sniff_compression(b"etc/"), Compression::None);
    }
}
