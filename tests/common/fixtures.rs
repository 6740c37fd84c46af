//! Fixture images built by the tests themselves: tar layers from
//! in-memory entries (busybox, whiteouts, hardlinks, hostile names…),
//! compressed with gzip or zstd, described by OCI or Docker v2s2
//! manifests, pushed to the test registry with oci-client.

use super::registry::Registry;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::Write;

pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Builds one layer's tar in memory.
pub struct TarBuilder {
    b: tar::Builder<Vec<u8>>,
}

impl Default for TarBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl TarBuilder {
    pub fn new() -> Self {
        TarBuilder {
            b: tar::Builder::new(Vec::new()),
        }
    }

    fn header(kind: tar::EntryType, mode: u32, uid: u64, gid: u64, size: u64) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_uid(uid);
        h.set_gid(gid);
        h.set_size(size);
        h.set_mtime(1_700_000_000);
        h
    }

    pub fn file(mut self, path: &str, content: &[u8], mode: u32, uid: u64, gid: u64) -> Self {
        let mut h = Self::header(
            tar::EntryType::Regular,
            mode,
            uid,
            gid,
            content.len() as u64,
        );
        self.b.append_data(&mut h, path, content).unwrap();
        self
    }

    pub fn dir(mut self, path: &str, mode: u32) -> Self {
        let mut h = Self::header(tar::EntryType::Directory, mode, 0, 0, 0);
        self.b.append_data(&mut h, path, &[][..]).unwrap();
        self
    }

    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Symlink, 0o777, 0, 0, 0);
        self.b.append_link(&mut h, path, target).unwrap();
        self
    }

    pub fn hardlink(mut self, path: &str, target: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Link, 0o644, 0, 0, 0);
        self.b.append_link(&mut h, path, target).unwrap();
        self
    }

    pub fn char_device(mut self, path: &str, major: u32, minor: u32) -> Self {
        let mut h = Self::header(tar::EntryType::Char, 0o666, 0, 0, 0);
        h.set_device_major(major).unwrap();
        h.set_device_minor(minor).unwrap();
        self.b.append_data(&mut h, path, &[][..]).unwrap();
        self
    }

    pub fn whiteout(self, dir: &str, name: &str) -> Self {
        let path = if dir.is_empty() {
            format!(".wh.{name}")
        } else {
            format!("{dir}/.wh.{name}")
        };
        self.file(&path, b"", 0o644, 0, 0)
    }

    pub fn opaque(self, dir: &str) -> Self {
        self.file(&format!("{dir}/.wh..wh..opq"), b"", 0o644, 0, 0)
    }

    /// An entry with a raw name the tar crate's safe API would refuse
    /// (absolute paths, `..`): for hostile-layer tests.
    pub fn raw_file(mut self, raw_name: &str, content: &[u8]) -> Self {
        let mut h = Self::header(tar::EntryType::Regular, 0o644, 0, 0, content.len() as u64);
        let name = &mut h.as_old_mut().name;
        name.fill(0);
        name[..raw_name.len()].copy_from_slice(raw_name.as_bytes());
        h.set_cksum();
        self.b.append(&h, content).unwrap();
        self
    }

    pub fn raw_symlink(mut self, raw_name: &str, target: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Symlink, 0o777, 0, 0, 0);
        h.set_link_name(target).unwrap();
        let name = &mut h.as_old_mut().name;
        name.fill(0);
        name[..raw_name.len()].copy_from_slice(raw_name.as_bytes());
        h.set_cksum();
        self.b.append(&h, &[][..]).unwrap();
        self
    }

    pub fn raw_hardlink(mut self, raw_name: &str, target: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Link, 0o644, 0, 0, 0);
        let name = &mut h.as_old_mut().name;
        name.fill(0);
        name[..raw_name.len()].copy_from_slice(raw_name.as_bytes());
        let link = &mut h.as_old_mut().linkname;
        link.fill(0);
        link[..target.len()].copy_from_slice(target.as_bytes());
        h.set_cksum();
        self.b.append(&h, &[][..]).unwrap();
        self
    }

    /// The static busybox with a few applet links.
    pub fn busybox(self) -> Self {
        let bb = std::fs::read("/bin/busybox").expect("/bin/busybox (busybox-static) is needed");
        let mut t = self.dir("bin", 0o755).file("bin/busybox", &bb, 0o755, 0, 0);
        for applet in [
            "sh", "ls", "cat", "echo", "id", "stat", "true", "false", "sleep", "env", "test",
        ] {
            t = t.symlink(&format!("bin/{applet}"), "busybox");
        }
        t.dir("etc", 0o755)
            .file(
                "etc/passwd",
                b"root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n",
                0o644,
                0,
                0,
            )
            .file("etc/group", b"root:x:0:\nuser:x:1000:\n", 0o644, 0, 0)
            .dir("tmp", 0o1777)
    }

    /// busybox with every applet the container tests use.
    pub fn busybox_full(self) -> Self {
        let mut t = self.busybox();
        for applet in [
            "mkdir", "touch", "grep", "ps", "hostname", "unshare", "tty", "stty", "readlink", "wc",
            "head", "rm", "ln", "ifconfig", "kill", "sed", "chown", "whoami", "printf", "pwd",
            "mount", "dd", "cut", "tr", "sort", "tail", "mv", "chmod", "xargs", "basename", "seq",
        ] {
            t = t.symlink(&format!("bin/{applet}"), "busybox");
        }
        t
    }

    pub fn finish(self) -> Vec<u8> {
        self.b.into_inner().unwrap()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

#[derive(Clone)]
pub struct Layer {
    pub blob: Vec<u8>,
    pub diff_id: String,
    pub compression: Compression,
}

impl Layer {
    pub fn new(tar: Vec<u8>, compression: Compression) -> Layer {
        let diff_id = sha256(&tar);
        let blob = match compression {
            Compression::None => tar,
            Compression::Gzip => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(&tar).unwrap();
                e.finish().unwrap()
            }
            Compression::Zstd => zstd::encode_all(&tar[..], 3).unwrap(),
        };
        Layer {
            blob,
            diff_id,
            compression,
        }
    }

    pub fn digest(&self) -> String {
        sha256(&self.blob)
    }

    fn media_type(&self, docker: bool) -> &'static str {
        match (docker, self.compression) {
            (true, Compression::Gzip) => "application/vnd.docker.image.rootfs.diff.tar.gzip",
            (true, _) => "application/vnd.docker.image.rootfs.diff.tar",
            (false, Compression::None) => "application/vnd.oci.image.layer.v1.tar",
            (false, Compression::Gzip) => "application/vnd.oci.image.layer.v1.tar+gzip",
            (false, Compression::Zstd) => "application/vnd.oci.image.layer.v1.tar+zstd",
        }
    }
}

#[derive(Clone)]
pub struct Image {
    pub layers: Vec<Layer>,
    pub config: Vec<u8>,
    pub manifest: Vec<u8>,
    pub manifest_media_type: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Image {
    /// An image of `layers`; `docker` picks a Docker v2s2 manifest.
    pub fn new(layers: Vec<Layer>, docker: bool) -> Image {
        Self::for_platform(
            layers,
            docker,
            "amd64",
            None,
            json!({"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]}),
        )
    }

    pub fn for_platform(
        layers: Vec<Layer>,
        docker: bool,
        arch: &str,
        variant: Option<&str>,
        config: serde_json::Value,
    ) -> Image {
        let diff_ids: Vec<&String> = layers.iter().map(|l| &l.diff_id).collect();
        let history: Vec<serde_json::Value> = layers
            .iter()
            .enumerate()
            .map(|(i, _)| json!({"created": "2024-05-01T10:00:00Z", "created_by": format!("layer {i}")}))
            .collect();
        let mut cfg = json!({
            "created": "2024-05-01T10:00:00Z",
            "architecture": arch,
            "os": "linux",
            "config": config,
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history,
        });
        if let Some(v) = variant {
            cfg["variant"] = json!(v);
        }
        let config = serde_json::to_vec(&cfg).unwrap();
        let (manifest_type, config_type) = if docker {
            (
                "application/vnd.docker.distribution.manifest.v2+json",
                "application/vnd.docker.container.image.v1+json",
            )
        } else {
            (
                "application/vnd.oci.image.manifest.v1+json",
                "application/vnd.oci.image.config.v1+json",
            )
        };
        let layer_descs: Vec<serde_json::Value> = layers
            .iter()
            .map(|l| json!({"mediaType": l.media_type(docker), "digest": l.digest(), "size": l.blob.len()}))
            .collect();
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": manifest_type,
            "config": {"mediaType": config_type, "digest": sha256(&config), "size": config.len()},
            "layers": layer_descs,
        }))
        .unwrap();
        Image {
            layers,
            config,
            manifest,
            manifest_media_type: manifest_type.into(),
            architecture: arch.into(),
            variant: variant.map(Into::into),
        }
    }

    /// The image id cove reports: the config digest.
    pub fn id(&self) -> String {
        sha256(&self.config)
    }

    pub fn manifest_digest(&self) -> String {
        sha256(&self.manifest)
    }
}

/// A one-layer busybox image.
pub fn busybox_image(docker: bool, compression: Compression) -> Image {
    Image::new(
        vec![Layer::new(
            TarBuilder::new().busybox().finish(),
            compression,
        )],
        docker,
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn client(registry: &Registry) -> (oci_client::Client, RegistryAuth) {
    let client = oci_client::Client::try_from(ClientConfig {
        protocol: ClientProtocol::HttpsExcept(vec![registry.host()]),
        ..Default::default()
    })
    .unwrap();
    let auth = match &registry.auth {
        Some((u, p)) => RegistryAuth::Basic(u.clone(), p.clone()),
        None => RegistryAuth::Anonymous,
    };
    (client, auth)
}

async fn push_blobs(client: &oci_client::Client, r: &oci_client::Reference, image: &Image) {
    for layer in &image.layers {
        client
            .push_blob(r, layer.blob.clone(), &layer.digest())
            .await
            .unwrap();
    }
    client
        .push_blob(r, image.config.clone(), &image.id())
        .await
        .unwrap();
}

/// Push `image` as `repo:tag`.
pub fn push(registry: &Registry, repo: &str, tag: &str, image: &Image) {
    let (client, auth) = client(registry);
    let r = oci_client::Reference::with_tag(registry.host(), repo.into(), tag.into());
    runtime().block_on(async {
        client
            .auth(&r, &auth, oci_client::RegistryOperation::Push)
            .await
            .unwrap();
        push_blobs(&client, &r, image).await;
        client
            .push_manifest_raw(
                &r,
                image.manifest.clone(),
                image.manifest_media_type.parse().unwrap(),
            )
            .await
            .unwrap();
    });
}

/// Push several images as one multi-arch index `repo:tag`; returns the
/// index digest.
pub fn push_index(
    registry: &Registry,
    repo: &str,
    tag: &str,
    images: &[Image],
    docker: bool,
) -> String {
    let (client, auth) = client(registry);
    let r = oci_client::Reference::with_tag(registry.host(), repo.into(), tag.into());
    let entries: Vec<serde_json::Value> = images
        .iter()
        .map(|i| {
            let mut platform = json!({"os": "linux", "architecture": i.architecture});
            if let Some(v) = &i.variant {
                platform["variant"] = json!(v);
            }
            json!({"mediaType": i.manifest_media_type, "digest": i.manifest_digest(), "size": i.manifest.len(), "platform": platform})
        })
        .collect();
    let index_type = if docker {
        "application/vnd.docker.distribution.manifest.list.v2+json"
    } else {
        "application/vnd.oci.image.index.v1+json"
    };
    let index = serde_json::to_vec(
        &json!({"schemaVersion": 2, "mediaType": index_type, "manifests": entries}),
    )
    .unwrap();
    runtime().block_on(async {
        client
            .auth(&r, &auth, oci_client::RegistryOperation::Push)
            .await
            .unwrap();
        for image in images {
            push_blobs(&client, &r, image).await;
            let by_digest = oci_client::Reference::with_digest(
                registry.host(),
                repo.into(),
                image.manifest_digest(),
            );
            client
                .push_manifest_raw(
                    &by_digest,
                    image.manifest.clone(),
                    image.manifest_media_type.parse().unwrap(),
                )
                .await
                .unwrap();
        }
        client
            .push_manifest_raw(&r, index.clone(), index_type.parse().unwrap())
            .await
            .unwrap();
    });
    sha256(&index)
}
