//! Round trips through both formats between two stores, and the ways a
//! bad archive is refused.

use super::ArchiveFormat;
use super::*;
use crate::image::layer::unpack::UnpackOptions;
use crate::image::manifest;
use crate::image::store::{NewImage, Store};
use crate::util::digest;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{Read, Write};

const OPTS: UnpackOptions = UnpackOptions {
    preserve_ownership: false,
    allow_devices: false,
};

fn header(size: usize) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_size(size as u64);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h
}

fn layer_tar(files: &[(&str, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, content) in files {
        let mut h = header(content.len());
        b.append_data(&mut h, name, content.as_bytes()).unwrap();
    }
    b.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Put an image with the given layers (plain tars) in the store, each
/// layer blob gzipped when `compress`; returns the catalog entry.
fn add_image(
    store: &Store,
    layers: &[Vec<u8>],
    compress: bool,
    names: &[&str],
) -> crate::image::store::ImageEntry {
    let mut diff_ids = Vec::new();
    let mut descs = Vec::new();
    for tar in layers {
        diff_ids.push(digest::sha256_of(tar));
        let blob = if compress { gzip(tar) } else { tar.clone() };
        let d = store.put_blob(&blob).unwrap();
        let media_type = if compress {
            manifest::OCI_LAYER_GZIP
        } else {
            manifest::OCI_LAYER
        };
        descs.push(json!({"mediaType": media_type, "digest": d, "size": blob.len()}));
    }
    let config = json!({
        "created": "2024-05-01T10:00:00Z",
        "architecture": "amd64",
        "os": "linux",
        "config": {"Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    });
    let config_bytes = serde_json::to_vec(&config).unwrap();
    let config_digest = store.put_blob(&config_bytes).unwrap();
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": manifest::OCI_MANIFEST,
        "config": {"mediaType": manifest::OCI_CONFIG, "digest": config_digest, "size": config_bytes.len()},
        "layers": descs,
    });
    let manifest_bytes = serde_json::to_vec(&manifest).unwrap();
    let manifest_digest = store.put_blob(&manifest_bytes).unwrap();
    let new = NewImage {
        id: config_digest.clone(),
        manifest_digest,
        manifest_media_type: manifest::OCI_MANIFEST.into(),
        manifest_size: manifest_bytes.len() as u64,
        created: Some("2024-05-01T10:00:00Z".into()),
        size: 2,
        list_digest: None,
    };
    store
        .update_catalog(|c| {
            if names.is_empty() {
                c.add(new.clone(), None);
            }
            for n in names {
                c.add(new.clone(), Some(n));
            }
            Ok(())
        })
        .unwrap();
    store
        .catalog()
        .unwrap()
        .by_id(&config_digest)
        .unwrap()
        .clone()
}

fn save(
    store: &Store,
    images: &[(crate::image::store::ImageEntry, Vec<&str>)],
    format: ArchiveFormat,
) -> Vec<u8> {
    let images: Vec<SaveImage> = images
        .iter()
        .map(|(e, n)| SaveImage {
            entry: e.clone(),
            names: n.iter().map(|s| s.to_string()).collect(),
        })
        .collect();
    save_archive(store, &images, format, Vec::new()).unwrap()
}

type Files = HashMap<String, Vec<u8>>;

/// Member name → content of a plain tar.
fn members(archive: &[u8]) -> Files {
    let mut out = HashMap::new();
    for e in tar::Archive::new(archive).entries().unwrap() {
        let mut e = e.unwrap();
        if !e.header().entry_type().is_file() {
            continue;
        }
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        out.insert(name, data);
    }
    out
}

fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = header(data.len());
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

fn stores() -> (tempfile::TempDir, Store, Store) {
    let dir = tempfile::tempdir().unwrap();
    let a = Store::open(&dir.path().join("a")).unwrap();
    let b = Store::open(&dir.path().join("b")).unwrap();
    (dir, a, b)
}

fn read_layer_file(store: &Store, diff_id: &str, name: &str) -> String {
    std::fs::read_to_string(store.layer_diff_path(diff_id).unwrap().join(name)).unwrap()
}

#[test]
fn docker_archive_round_trip() {
    let (_dir, a, b) = stores();
    let layer = layer_tar(&[("hello.txt", "hi there")]);
    let diff_id = digest::sha256_of(&layer);
    let img = add_image(
        &a,
        std::slice::from_ref(&layer),
        true,
        &["docker.io/library/tiny:latest"],
    );
    let archive = save(
        &a,
        &[(img.clone(), vec!["docker.io/library/tiny:latest"])],
        ArchiveFormat::DockerArchive,
    );

    let files = members(&archive);
    let hex = digest::short_id_full(&diff_id);
    // The layer is stored uncompressed under its diff id.
    assert_eq!(files[&format!("{hex}.tar")], layer);
    let config_name = format!("{}.json", digest::short_id_full(&img.id));
    assert_eq!(digest::sha256_of(&files[&config_name]), img.id);
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(
        manifest,
        json!([{"Config": config_name, "RepoTags": ["docker.io/library/tiny:latest"], "Layers": [format!("{hex}.tar")]}])
    );
    let repos: Value = serde_json::from_slice(&files["repositories"]).unwrap();
    assert_eq!(repos, json!({"docker.io/library/tiny": {"latest": hex}}));

    let loaded = load_archive(&b, &OPTS, &archive[..]).unwrap();
    assert_eq!(
        loaded,
        vec![Loaded {
            id: img.id.clone(),
            names: vec!["docker.io/library/tiny:latest".into()]
        }]
    );
    assert_eq!(read_layer_file(&b, &diff_id, "hello.txt"), "hi there");
    let entry = b.catalog().unwrap().by_id(&img.id).unwrap().clone();
    assert_eq!(entry.manifest_media_type, manifest::DOCKER_MANIFEST);
    assert_eq!(entry.created.as_deref(), Some("2024-05-01T10:00:00Z"));
    assert_eq!(entry.size, layer.len() as u64);
    let stored = manifest::StoredImage::load(&b, &entry).unwrap();
    assert_eq!(stored.manifest.layers()[0].digest().to_string(), diff_id);

    // Loading the same archive again changes nothing.
    let again = load_archive(&b, &OPTS, &archive[..]).unwrap();
    assert_eq!(again, loaded);
    assert_eq!(b.catalog().unwrap().images.len(), 1);
}

#[test]
fn oci_archive_round_trip_keeps_digests() {
    let (_dir, a, b) = stores();
    let layer = layer_tar(&[("etc/motd", "welcome")]);
    let img = add_image(
        &a,
        std::slice::from_ref(&layer),
        true,
        &["localhost/app:1", "quay.io/x/app:2"],
    );
    let archive = save(
        &a,
        &[(img.clone(), vec!["localhost/app:1", "quay.io/x/app:2"])],
        ArchiveFormat::OciArchive,
    );

    let files = members(&archive);
    assert!(files.contains_key("oci-layout"));
    let index: Value = serde_json::from_slice(&files["index.json"]).unwrap();
    let descs = index["manifests"].as_array().unwrap();
    assert_eq!(descs.len(), 1);
    assert_eq!(descs[0]["annotations"][REF_NAME], "localhost/app:1");
    assert_eq!(descs[0]["digest"], img.manifest_digest.as_str());

    let loaded = load_archive(&b, &OPTS, &archive[..]).unwrap();
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].id, img.id);
    assert_eq!(loaded[0].names, vec!["localhost/app:1"]);
    let entry = b.catalog().unwrap().by_id(&img.id).unwrap().clone();
    assert_eq!(entry.manifest_digest, img.manifest_digest);
    assert_eq!(
        read_layer_file(&b, &digest::sha256_of(&layer), "etc/motd"),
        "welcome"
    );
}

#[test]
fn shared_layers_are_written_once_and_unnamed_images_stay_unnamed() {
    let (_dir, a, b) = stores();
    let base = layer_tar(&[("base", "b")]);
    let top = layer_tar(&[("top", "t")]);
    let one = add_image(
        &a,
        std::slice::from_ref(&base),
        false,
        &["localhost/one:latest"],
    );
    let two = add_image(&a, &[base.clone(), top.clone()], false, &[]);
    for format in [ArchiveFormat::DockerArchive, ArchiveFormat::OciArchive] {
        let archive = save(
            &a,
            &[
                (one.clone(), vec!["localhost/one:latest"]),
                (two.clone(), vec![]),
            ],
            format,
        );
        let mut count = 0;
        for e in tar::Archive::new(&archive[..]).entries().unwrap() {
            let e = e.unwrap();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            count += usize::from(name.contains(digest::short_id_full(&digest::sha256_of(&base))));
        }
        assert_eq!(count, 1, "{format:?}");
        let dir = tempfile::tempdir().unwrap();
        let fresh = Store::open(dir.path()).unwrap();
        let loaded = load_archive(&fresh, &OPTS, &archive[..]).unwrap();
        assert_eq!(loaded.len(), 2);
        assert_eq!(loaded[1].id, two.id);
        assert!(loaded[1].names.is_empty());
        assert_eq!(fresh.catalog().unwrap().images.len(), 2);
    }
    // A docker-archive marks an unnamed image with RepoTags null.
    let archive = save(&a, &[(two.clone(), vec![])], ArchiveFormat::DockerArchive);
    let manifest: Value = serde_json::from_slice(&members(&archive)["manifest.json"]).unwrap();
    assert!(manifest[0]["RepoTags"].is_null());
    assert!(!members(&archive).contains_key("repositories"));
    drop(b);
}

#[test]
fn loading_both_formats_of_one_image_keeps_one_entry() {
    let (_dir, a, _b) = stores();
    let img = add_image(&a, &[layer_tar(&[("f", "x")])], true, &["localhost/both:1"]);
    let names = vec!["localhost/both:1"];
    let docker = save(
        &a,
        &[(img.clone(), names.clone())],
        ArchiveFormat::DockerArchive,
    );
    let oci = save(
        &a,
        &[(img.clone(), names.clone())],
        ArchiveFormat::OciArchive,
    );
    for order in [[&docker, &oci], [&oci, &docker]] {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        for archive in order {
            load_archive(&s, &OPTS, &archive[..]).unwrap();
        }
        let images = s.catalog().unwrap().images;
        assert_eq!(images.len(), 1, "{images:?}");
        assert_eq!(images[0].names, vec!["localhost/both:1"]);
    }
}

#[test]
fn compressed_archives_load() {
    let (_dir, a, b) = stores();
    let img = add_image(
        &a,
        &[layer_tar(&[("f", "x")])],
        false,
        &["docker.io/library/z:1"],
    );
    let archive = save(
        &a,
        &[(img.clone(), vec!["docker.io/library/z:1"])],
        ArchiveFormat::DockerArchive,
    );
    let loaded = load_archive(&b, &OPTS, &gzip(&archive)[..]).unwrap();
    assert_eq!(loaded[0].id, img.id);
    let zst = zstd::encode_all(&archive[..], 3).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let c = Store::open(dir.path()).unwrap();
    assert_eq!(load_archive(&c, &OPTS, &zst[..]).unwrap()[0].id, img.id);
}

/// `docker save` as Docker < 25 writes it: `<id>/layer.tar` directories,
/// a duplicate layer as a symlink, short RepoTags.
#[test]
fn legacy_docker_save_with_symlinked_layer() {
    let (_dir, _a, b) = stores();
    let l1 = layer_tar(&[("one", "1")]);
    let d1 = digest::sha256_of(&l1);
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [d1, d1]},
    }))
    .unwrap();
    let config_name = format!(
        "{}.json",
        digest::short_id_full(&digest::sha256_of(&config))
    );
    let manifest = serde_json::to_vec(&json!([{
        "Config": config_name,
        "RepoTags": ["busybox:latest", "example.com/team/app:3"],
        "Layers": ["aaa/layer.tar", "bbb/layer.tar"],
    }]))
    .unwrap();
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in [
        ("aaa/VERSION", &b"1.0"[..]),
        ("aaa/layer.tar", &l1[..]),
        (config_name.as_str(), &config[..]),
        ("manifest.json", &manifest[..]),
    ] {
        let mut h = header(data.len());
        builder.append_data(&mut h, name, data).unwrap();
    }
    let mut h = header(0);
    h.set_entry_type(tar::EntryType::Symlink);
    builder
        .append_link(&mut h, "bbb/layer.tar", "../aaa/layer.tar")
        .unwrap();
    let archive = builder.into_inner().unwrap();

    let loaded = load_archive(&b, &OPTS, &archive[..]).unwrap();
    assert_eq!(
        loaded[0].names,
        vec!["docker.io/library/busybox:latest", "example.com/team/app:3"]
    );
    assert_eq!(read_layer_file(&b, &d1, "one"), "1");
    let entry = b.catalog().unwrap().by_id(&loaded[0].id).unwrap().clone();
    let stored = manifest::StoredImage::load(&b, &entry).unwrap();
    assert_eq!(stored.manifest.layers().len(), 2);
    assert_eq!(
        stored.manifest.layers()[0].media_type().to_string(),
        "application/vnd.docker.image.rootfs.diff.tar"
    );
}

/// Docker 25+ writes an OCI layout plus a manifest.json pointing into it;
/// the full name is in a containerd annotation, ref.name is only a tag.
#[test]
fn docker_25_layout_uses_index_and_containerd_name() {
    let (_dir, a, b) = stores();
    let img = add_image(&a, &[layer_tar(&[("n", "new")])], true, &[]);
    let oci = save(&a, &[(img.clone(), vec![])], ArchiveFormat::OciArchive);
    let mut files = members(&oci);
    let index = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": manifest::OCI_MANIFEST, "digest": img.manifest_digest, "size": img.manifest_size,
        "annotations": {REF_NAME: "latest", "io.containerd.image.name": "docker.io/library/new:latest"},
    }]});
    files.insert("index.json".into(), serde_json::to_vec(&index).unwrap());
    files.insert("manifest.json".into(), b"[]".to_vec());
    let list: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_slice()))
        .collect();
    let loaded = load_archive(&b, &OPTS, &tar_of(&list)[..]).unwrap();
    assert_eq!(loaded[0].names, vec!["docker.io/library/new:latest"]);

    // A bare tag in ref.name is not an image name.
    let index = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": manifest::OCI_MANIFEST, "digest": img.manifest_digest, "size": img.manifest_size,
        "annotations": {REF_NAME: "latest"},
    }]});
    files.insert("index.json".into(), serde_json::to_vec(&index).unwrap());
    let list: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_slice()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let c = Store::open(dir.path()).unwrap();
    assert!(load_archive(&c, &OPTS, &tar_of(&list)[..]).unwrap()[0]
        .names
        .is_empty());
}

fn load_err(archive: &[u8]) -> (String, Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let err = load_archive(&store, &OPTS, archive).unwrap_err();
    assert!(
        store.catalog().unwrap().images.is_empty(),
        "catalog changed"
    );
    (crate::error::describe(&err), store, dir)
}

#[test]
fn bad_archives_are_refused_and_leave_the_catalog_alone() {
    let (_dir, a, _b) = stores();
    let img = add_image(&a, &[layer_tar(&[("f", "x")])], false, &["localhost/e:1"]);
    let oci = members(&save(
        &a,
        &[(img.clone(), vec!["localhost/e:1"])],
        ArchiveFormat::OciArchive,
    ));
    let rebuild = |change: &dyn Fn(&mut Files)| {
        let mut files = oci.clone();
        change(&mut files);
        let list: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect();
        tar_of(&list)
    };

    let (msg, ..) =
        load_err(b"this is not a tar archive at all, just some text that goes on and on");
    assert!(msg.contains("not a tar archive"), "{msg}");
    let (msg, ..) = load_err(b"");
    assert!(msg.contains("empty"), "{msg}");
    let (msg, ..) = load_err(&tar_of(&[("hello.txt", b"hi")]));
    assert!(
        msg.contains("neither manifest.json nor index.json"),
        "{msg}"
    );
    let (msg, ..) = load_err(&tar_of(&[("manifest.json", b"{nope")]));
    assert!(msg.contains("manifest.json"), "{msg}");

    let layer_member = format!(
        "blobs/sha256/{}",
        digest::short_id_full(&digest::sha256_of(&layer_tar(&[("f", "x")])))
    );
    let (msg, ..) = load_err(&rebuild(&|f| {
        f.insert(layer_member.clone(), b"tampered".to_vec());
    }));
    assert!(
        msg.contains(&layer_member) && msg.contains("corrupt"),
        "{msg}"
    );

    let (msg, ..) = load_err(&rebuild(&|f| {
        f.remove(&layer_member);
    }));
    assert!(
        msg.contains(&layer_member) && msg.contains("missing"),
        "{msg}"
    );

    let (msg, ..) = load_err(&rebuild(&|f| {
        f.insert("index.json".into(), b"[not json".to_vec());
    }));
    assert!(msg.contains("index.json"), "{msg}");

    // The config (a blob) claims a layer the manifest does not have.
    let config_member = format!("blobs/sha256/{}", digest::short_id_full(&img.id));
    let (msg, ..) = load_err(&rebuild(&|f| {
        f.insert(config_member.clone(), b"{broken".to_vec());
    }));
    assert!(msg.contains(&config_member), "{msg}");
}

#[test]
fn member_paths_normalize() {
    assert_eq!(normalize_member("./a//b/../c"), "a/c");
    assert_eq!(normalize_member("../../manifest.json"), "manifest.json");
}
