//! Pull and push against a real registry on loopback, in every shape of
//! image the foundation issue names, as root and as an unprivileged user.

mod common;

use common::fixtures::{busybox_image, push, push_index, Compression, Image, Layer, TarBuilder};
use common::registry::Registry;
use common::{modes, Env};
use serde_json::json;

#[test]
fn pull_oci_gzip_and_docker_zstd_and_plain() {
    let reg = Registry::start();
    push(
        &reg,
        "lib/oci-gzip",
        "1",
        &busybox_image(false, Compression::Gzip),
    );
    push(
        &reg,
        "lib/oci-zstd",
        "1",
        &busybox_image(false, Compression::Zstd),
    );
    push(
        &reg,
        "lib/docker-gzip",
        "1",
        &busybox_image(true, Compression::Gzip),
    );
    push(
        &reg,
        "lib/oci-plain",
        "1",
        &busybox_image(false, Compression::None),
    );
    for mode in modes() {
        let env = Env::new(&mode);
        for repo in ["oci-gzip", "oci-zstd", "docker-gzip", "oci-plain"] {
            let name = format!("{}/lib/{repo}:1", reg.host());
            let id = env.ok(&["pull", "-q", &name]);
            assert_eq!(id.trim().len(), 64, "pull prints the full image id: {id}");
            let listed = env.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
            assert!(listed.contains(&name), "{listed}");
        }
        // The unpacked busybox is there and executable, owned by container root.
        let store = env.store_root();
        let layers: Vec<_> = std::fs::read_dir(store.join("layers")).unwrap().collect();
        assert!(!layers.is_empty());
        let out = env.unshare_sh(&format!(
            "stat -c '%u %a' {}/layers/*/diff/bin/busybox | sort -u",
            store.display()
        ));
        assert_eq!(
            out.trim(),
            "0 755",
            "[{}] owner and mode of busybox",
            mode.label()
        );
    }
}

#[test]
fn pull_is_idempotent_and_reuses_layers() {
    let reg = Registry::start();
    let image = busybox_image(false, Compression::Gzip);
    push(&reg, "app", "a", &image);
    push(&reg, "app", "b", &image);
    for mode in modes() {
        let env = Env::new(&mode);
        let a = env.ok(&["pull", "-q", &format!("{}/app:a", reg.host())]);
        let again = env.ok(&["pull", "-q", &format!("{}/app:a", reg.host())]);
        let b = env.ok(&["pull", "-q", &format!("{}/app:b", reg.host())]);
        assert_eq!(a, again);
        assert_eq!(a, b);
        assert_eq!(a.trim(), image.id().strip_prefix("sha256:").unwrap());
        let rows = env.ok(&["images", "--format", "{{.Tag}}"]);
        assert_eq!(rows.lines().count(), 2, "{rows}");
        assert_eq!(
            std::fs::read_dir(env.store_root().join("layers"))
                .unwrap()
                .count(),
            1
        );
    }
}

#[test]
fn pull_multi_arch_index_selects_platform() {
    let reg = Registry::start();
    let mk = |arch: &str, variant: Option<&str>, marker: &str| {
        let tar = TarBuilder::new()
            .file("arch", marker.as_bytes(), 0o644, 0, 0)
            .finish();
        Image::for_platform(
            vec![Layer::new(tar, Compression::Gzip)],
            false,
            arch,
            variant,
            json!({}),
        )
    };
    let images = vec![
        mk("amd64", None, "amd64"),
        mk("arm64", Some("v8"), "arm64"),
        mk("arm", Some("v7"), "armv7"),
    ];
    push_index(&reg, "multi", "latest", &images, false);
    push_index(&reg, "multi-docker", "latest", &images, true);
    for mode in modes() {
        let env = Env::new(&mode);
        for repo in ["multi", "multi-docker"] {
            let name = format!("{}/{repo}", reg.host());
            let arm = env.ok(&["pull", "-q", "--platform", "linux/arm/v7", &name]);
            assert_eq!(arm.trim(), images[2].id().strip_prefix("sha256:").unwrap());
            let arm64 = env.ok(&["pull", "-q", "--arch", "arm64", &name]);
            assert_eq!(
                arm64.trim(),
                images[1].id().strip_prefix("sha256:").unwrap()
            );
            let err = env.fails(&["pull", "--platform", "linux/s390x", &name], 125);
            assert!(
                err.contains("linux/s390x") && err.contains("linux/amd64"),
                "{err}"
            );
        }
        let arch = env.ok(&[
            "image",
            "inspect",
            "--format",
            "{{.Architecture}}",
            &format!("{}/multi", reg.host()),
        ]);
        assert_eq!(arch.trim(), "arm64", "the name moved to the last pull");
    }
}

#[test]
fn pull_by_digest() {
    let reg = Registry::start();
    let image = busybox_image(false, Compression::Gzip);
    push(&reg, "dig", "t", &image);
    for mode in modes() {
        let env = Env::new(&mode);
        let name = format!("{}/dig@{}", reg.host(), image.manifest_digest());
        env.ok(&["pull", "-q", &name]);
        assert_eq!(env.run(&["image", "exists", &name]).status.code(), Some(0));
        let wrong = format!("{}/dig@sha256:{}", reg.host(), "0".repeat(64));
        let err = env.fails(&["pull", &wrong], 125);
        assert!(
            err.contains("not found") || err.contains("unknown"),
            "{err}"
        );
    }
}

#[test]
fn multi_layer_whiteouts_hardlinks_ownership_and_modes() {
    let reg = Registry::start();
    let base = TarBuilder::new()
        .busybox()
        .dir("data", 0o755)
        .file("data/keep", b"keep", 0o644, 0, 0)
        .file("data/gone", b"gone", 0o644, 0, 0)
        .dir("opaque", 0o755)
        .file("opaque/old", b"old", 0o644, 0, 0)
        .dir("home", 0o755)
        .file("home/owned", b"mine", 0o640, 1000, 1000)
        .file("bin/suid", b"#!/bin/sh\n", 0o4755, 0, 0)
        .file("data/original", b"linked", 0o644, 0, 0)
        .hardlink("data/link", "data/original")
        .finish();
    let top = TarBuilder::new()
        .dir("data", 0o755)
        .whiteout("data", "gone")
        .dir("opaque", 0o755)
        .opaque("opaque")
        .file("opaque/new", b"new", 0o644, 0, 0)
        .finish();
    let image = Image::new(
        vec![
            Layer::new(base, Compression::Gzip),
            Layer::new(top, Compression::Zstd),
        ],
        false,
    );
    push(&reg, "layers", "1", &image);
    for mode in modes() {
        let env = Env::new(&mode);
        env.ok(&["pull", "-q", &format!("{}/layers:1", reg.host())]);
        let root = env.store_root();
        let top_dir = root
            .join("layers")
            .join(image.layers[1].diff_id.strip_prefix("sha256:").unwrap())
            .join("diff");
        let base_dir = root
            .join("layers")
            .join(image.layers[0].diff_id.strip_prefix("sha256:").unwrap())
            .join("diff");
        let script = format!(
            "stat -c '%F %t:%T' {top}/data/gone; echo opaque=$(getfattr --only-values -n user.overlay.opaque {top}/opaque); stat -c '%u:%g %a' {base}/home/owned; stat -c '%a' {base}/bin/suid; stat -c '%i' {base}/data/original {base}/data/link",
            top = top_dir.display(),
            base = base_dir.display()
        );
        let out = env.unshare_sh(&script);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 6, "getfattr (package attr) is needed: {out}");
        assert!(
            lines[0].starts_with("character special file 0:0"),
            "whiteout: {out}"
        );
        assert_eq!(lines[1], "opaque=y", "opaque marker: {out}");
        assert_eq!(
            lines[2],
            "1000:1000 640",
            "[{}] ownership is real inside the namespace: {out}",
            mode.label()
        );
        assert_eq!(lines[3], "4755", "setuid kept: {out}");
        assert_eq!(lines[4], lines[5], "hardlink shares the inode: {out}");
    }
}

#[test]
fn push_round_trip_and_auth() {
    let reg = Registry::start_with_auth("alice", "s3cret");
    let open = Registry::start();
    push(
        &reg,
        "seed/busybox",
        "1",
        &busybox_image(false, Compression::Gzip),
    );
    for mode in modes() {
        let env = Env::new(&mode);
        let name = format!("{}/seed/busybox:1", reg.host());
        let err = env.fails(&["pull", &name], 125);
        assert!(
            err.contains("cove login"),
            "unauthenticated pull explains: {err}"
        );
        let err = env.fails(&["login", "-u", "alice", "-p", "wrong", &reg.host()], 125);
        assert!(err.contains("invalid username or password"), "{err}");
        assert!(env
            .ok(&["login", "-u", "alice", "-p", "s3cret", &reg.host()])
            .contains("Login Succeeded"));
        let authfile = env.runtime.join("containers/auth.json");
        let auth: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&authfile).unwrap()).unwrap();
        assert!(auth["auths"][reg.host()]["auth"].is_string(), "{auth}");
        env.ok(&["pull", "-q", &name]);
        // Push to another repo of the same (authenticated) registry, and to the open one.
        let copy = format!("{}/copy/busybox:2", reg.host());
        env.ok(&["push", "-q", &name, &copy]);
        let elsewhere = format!("{}/moved/busybox:3", open.host());
        env.ok(&["tag", &name, &elsewhere]);
        env.ok(&["push", &elsewhere]);
        // A fresh env pulls what was pushed and gets the same image id.
        let env2 = Env::new(&mode);
        let id = env2.ok(&["pull", "-q", &elsewhere]);
        assert_eq!(
            id,
            env.ok(&["images", "-q", "--no-trunc", &elsewhere])
                .replace("sha256:", "")
        );
        assert!(env.ok(&["logout", &reg.host()]).contains("Removed"));
        env.fails(&["logout", &reg.host()], 125);
        let err = env.fails(&["push", &name, &format!("{}/x/y:1", reg.host())], 125);
        assert!(err.contains("cove login"), "{err}");
        // --creds works without a stored login.
        env.ok(&[
            "push",
            "--creds",
            "alice:s3cret",
            &name,
            &format!("{}/x/y:1", reg.host()),
        ]);
    }
}

#[test]
fn bad_references_and_unreachable_registries() {
    let reg = Registry::start();
    for mode in modes() {
        let env = Env::new(&mode);
        let err = env.fails(&["pull", "UPPER/case"], 125);
        assert!(
            err.contains("invalid image reference") && err.contains("lowercase"),
            "{err}"
        );
        let err = env.fails(&["pull", &format!("{}/missing:1", reg.host())], 125);
        assert!(
            err.contains("missing") && (err.contains("not found") || err.contains("unknown")),
            "{err}"
        );
        let dead = format!("127.0.0.1:{}/x:1", common::free_port());
        let err = env.fails(&["pull", &dead], 125);
        assert!(err.contains("cannot connect"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
}

#[test]
fn corrupt_blob_in_registry_is_refused_and_store_stays_clean() {
    let reg = Registry::start();
    let image = busybox_image(false, Compression::Gzip);
    push(&reg, "corrupt", "1", &image);
    // Flip bytes in the stored layer: the registry serves it, cove must refuse.
    let path = reg.blob_data_path(&image.layers[0].digest());
    let mut data = std::fs::read(&path).unwrap();
    let n = data.len();
    data[n / 2] ^= 0xff;
    data[n / 2 + 1] ^= 0xff;
    std::fs::write(&path, &data).unwrap();
    for mode in modes() {
        let env = Env::new(&mode);
        let err = env.fails(&["pull", &format!("{}/corrupt:1", reg.host())], 125);
        assert!(
            err.contains("corrupt") || err.contains("digest") || err.contains("unpacking"),
            "{err}"
        );
        assert_eq!(env.ok(&["images", "-q"]), "");
        let root = env.store_root();
        assert_eq!(
            std::fs::read_dir(root.join("layers")).unwrap().count(),
            0,
            "no layer left behind"
        );
        assert_eq!(
            std::fs::read_dir(root.join("tmp")).unwrap().count(),
            0,
            "no staging left behind"
        );
    }
}

#[test]
fn pull_policies_search_registries_and_mirrors() {
    let reg = Registry::start();
    let image = busybox_image(false, Compression::Gzip);
    push(&reg, "lib/box", "1", &image);
    let dead = format!("127.0.0.1:{}", common::free_port());
    for mode in modes() {
        let env = Env::new(&mode);
        // Short names try the search registries in order.
        env.write_file(
            "registries.conf",
            format!(
                "unqualified-search-registries = [\"{dead}\", \"{}\"]\n\n[[registry]]\nprefix = \"localhost:1/mirrored\"\nlocation = \"localhost:1/mirrored\"\n[[registry.mirror]]\nlocation = \"{}/lib\"\n",
                reg.host(),
                reg.host()
            )
            .as_bytes(),
        );
        let id = env.ok(&["pull", "-q", "lib/box:1"]);
        assert_eq!(id.trim(), &image.id()[7..]);
        assert!(env
            .ok(&["images", "--format", "{{.Repository}}"])
            .contains(&format!("{}/lib/box", reg.host())));
        // A mirror serves a registry that is down; the name stays the original.
        env.ok(&["pull", "-q", "localhost:1/mirrored/box:1"]);
        assert!(env
            .ok(&["images", "--format", "{{.Repository}}"])
            .contains("localhost:1/mirrored/box"));
        // Policies: never/missing use the store without the registry.
        let offline = format!("{dead}/nothing:1");
        let err = env.fails(&["pull", "--policy", "never", &offline], 125);
        assert!(err.contains("never"), "{err}");
        let id2 = env.ok(&["pull", "--policy", "missing", "-q", "lib/box:1"]);
        assert_eq!(id, id2);
        env.ok(&["pull", "--policy", "never", "-q", "lib/box:1"]);
        env.ok(&[
            "pull",
            "--policy",
            "newer",
            "-q",
            &format!("{}/lib/box:1", reg.host()),
        ]);
    }
}
