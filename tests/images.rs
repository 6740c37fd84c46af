//! Local image commands: import, images (formats and filters), tag,
//! untag, rmi, exists, history, inspect, and the store's on-disk format.

mod common;

use common::fixtures::{busybox_image, push, Compression, TarBuilder};
use common::registry::Registry;
use common::{modes, stderr, Env};

fn busybox_tar_gz(env: &Env) -> std::path::PathBuf {
    let tar = TarBuilder::new()
        .busybox()
        .file("home/owned", b"x", 0o600, 1000, 1000)
        .finish();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &tar).unwrap();
    env.write_file("rootfs.tar.gz", &gz.finish().unwrap())
}

#[test]
fn import_with_changes_from_file_and_stdin() {
    for mode in modes() {
        let env = Env::new(&mode);
        let tar = busybox_tar_gz(&env);
        let id = env.ok(&[
            "import",
            "--change",
            r#"CMD ["/bin/sh","-c","echo hi"]"#,
            "--change",
            "ENV FOO=bar",
            "--change",
            "WORKDIR /home",
            "-m",
            "made in a test",
            tar.to_str().unwrap(),
            "demo:1",
        ]);
        assert_eq!(id.trim().len(), 64);
        let cmd = env.ok(&[
            "image",
            "inspect",
            "--format",
            "{{json .Config.Cmd}} {{.Config.Env}} {{.Config.WorkingDir}}",
            "demo:1",
        ]);
        assert_eq!(cmd.trim(), r#"["/bin/sh","-c","echo hi"] [FOO=bar] /home"#);
        let history = env.ok(&["image", "history", "--format", "{{.Comment}}", "demo:1"]);
        assert_eq!(history.trim(), "made in a test");
        // Plain tar on stdin, no name: an unnamed image.
        let plain = TarBuilder::new()
            .file("hello", b"world", 0o644, 0, 0)
            .finish();
        let out = env.run_with_stdin(&["import", "-"], &plain);
        assert!(out.status.success(), "{}", stderr(&out));
        let rows = env.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
        assert!(
            rows.contains("localhost/demo:1") && rows.contains("<none>:<none>"),
            "{rows}"
        );
        // Bad --change and a missing file fail before anything is stored.
        let err = env.fails(
            &["import", "--change", "RUN rm -rf /", tar.to_str().unwrap()],
            125,
        );
        assert!(err.contains("RUN is not supported"), "{err}");
        let err = env.fails(&["import", "/nonexistent.tar"], 125);
        assert!(err.contains("/nonexistent.tar"), "{err}");
        assert_eq!(env.ok(&["images", "-q"]).lines().count(), 2);
    }
}

#[test]
fn images_formats_filters_and_quiet() {
    let reg = Registry::start();
    push(
        &reg,
        "lib/busybox",
        "1.36",
        &busybox_image(false, Compression::Gzip),
    );
    for mode in modes() {
        let env = Env::new(&mode);
        let name = format!("{}/lib/busybox:1.36", reg.host());
        let id = env.ok(&["pull", "-q", &name]).trim().to_string();
        env.ok(&["tag", &name, "mine:v1", "quay.io/team/mine:v2"]);
        let table = env.ok(&["images"]);
        let header = table.lines().next().unwrap();
        assert!(
            header.starts_with("REPOSITORY")
                && header.contains("IMAGE ID")
                && header.contains("SIZE"),
            "{table}"
        );
        assert_eq!(table.lines().count(), 4, "{table}");
        assert!(table.contains(&id[..12]) && !table.contains(&id));
        let untruncated = env.ok(&["images", "--no-trunc"]);
        assert!(
            untruncated.contains(&format!("sha256:{id}")),
            "as Podman: {untruncated}"
        );
        assert_eq!(
            env.ok(&["images", "-q"]).trim(),
            &id[..12],
            "one id per image"
        );
        let custom = env.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
        let mut names: Vec<&str> = custom.lines().collect();
        names.sort();
        assert_eq!(
            names,
            vec![name.as_str(), "localhost/mine:v1", "quay.io/team/mine:v2"]
        );
        let table_fmt = env.ok(&["images", "--format", "table {{.ID}}\t{{.Tag}}"]);
        assert!(
            table_fmt.lines().next().unwrap().starts_with("IMAGE ID"),
            "{table_fmt}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&env.ok(&["images", "--format", "json"])).unwrap();
        assert_eq!(json[0]["Id"], id);
        assert_eq!(json[0]["RepoTags"].as_array().unwrap().len(), 3);
        let filtered = env.ok(&[
            "images",
            "--format",
            "{{.Repository}}",
            "--filter",
            "reference=*mine*",
        ]);
        assert_eq!(filtered.lines().count(), 2, "{filtered}");
        assert_eq!(
            env.ok(&["images", "--format", "{{.Tag}}", "team/mine"])
                .trim(),
            "v2"
        );
        assert_eq!(
            env.ok(&["images", "--format", "{{.Tag}}", "mine"])
                .lines()
                .count(),
            2
        );
        let err = env.fails(&["images", "--format", "{{.Nope"], 125);
        assert!(err.contains("format"), "{err}");
        let err = env.fails(&["images", "--filter", "bogus=1"], 125);
        assert!(err.contains("bogus"), "{err}");
    }
}

#[test]
fn tag_untag_rmi_and_exit_codes() {
    for mode in modes() {
        let env = Env::new(&mode);
        let tar = busybox_tar_gz(&env);
        env.ok(&["import", tar.to_str().unwrap(), "base:1"]);
        env.ok(&["tag", "base:1", "alias:2"]);
        assert_eq!(
            env.run(&["image", "exists", "alias:2"]).status.code(),
            Some(0)
        );
        assert_eq!(
            env.run(&["image", "exists", "nothing"]).status.code(),
            Some(1)
        );
        // rmi by id of an image with several names needs -f, as Podman.
        let full_id = env.ok(&["images", "-q", "--no-trunc"]).trim().to_string();
        let err = env.fails(&["rmi", &full_id[7..19]], 125);
        assert!(err.contains("more than one tag"), "{err}");
        // rmi -f by name still removes only that name.
        env.ok(&["tag", "base:1", "third:3"]);
        let out = env.ok(&["rmi", "-f", "third:3"]);
        assert!(
            out.contains("Untagged: localhost/third:3") && !out.contains("Deleted"),
            "{out}"
        );
        // rmi by one of several names only untags.
        let out = env.ok(&["rmi", "alias:2"]);
        assert!(
            out.contains("Untagged: localhost/alias:2") && !out.contains("Deleted"),
            "{out}"
        );
        assert_eq!(
            env.run(&["image", "exists", "base:1"]).status.code(),
            Some(0)
        );
        // Unknown image: exit 1 as Podman; -i ignores it.
        let err = env.fails(&["rmi", "nothing"], 1);
        assert!(err.contains("nothing: image not known"), "{err}");
        env.ok(&["rmi", "-i", "nothing"]);
        let err = env.fails(&["tag", "nothing", "x"], 125);
        assert!(err.contains("image not known"), "{err}");
        env.ok(&["image", "untag", "base:1"]);
        assert!(env
            .ok(&["images", "--format", "{{.Repository}}"])
            .contains("<none>"));
        // Removing the last image deletes its blobs and layers.
        let id = env.ok(&["images", "-q"]).trim().to_string();
        let out = env.ok(&["rmi", &id]);
        assert!(out.contains("Deleted: "), "{out}");
        let root = env.store_root();
        assert_eq!(std::fs::read_dir(root.join("layers")).unwrap().count(), 0);
        assert_eq!(
            std::fs::read_dir(root.join("blobs/sha256"))
                .unwrap()
                .count(),
            0
        );
        // rmi -a on an empty store is fine.
        env.ok(&["rmi", "-a"]);
    }
}

#[test]
fn rmi_keeps_layers_shared_with_other_images() {
    let reg = Registry::start();
    let base = busybox_image(false, Compression::Gzip);
    push(&reg, "one", "1", &base);
    let extra = common::fixtures::Layer::new(
        TarBuilder::new().file("extra", b"e", 0o644, 0, 0).finish(),
        Compression::Gzip,
    );
    let two = common::fixtures::Image::new(vec![base.layers[0].clone(), extra], false);
    push(&reg, "two", "1", &two);
    for mode in modes() {
        let env = Env::new(&mode);
        env.ok(&["pull", "-q", &format!("{}/one:1", reg.host())]);
        env.ok(&["pull", "-q", &format!("{}/two:1", reg.host())]);
        assert_eq!(
            std::fs::read_dir(env.store_root().join("layers"))
                .unwrap()
                .count(),
            2
        );
        env.ok(&["rmi", &format!("{}/two:1", reg.host())]);
        assert_eq!(
            std::fs::read_dir(env.store_root().join("layers"))
                .unwrap()
                .count(),
            1
        );
        env.ok(&["image", "inspect", &format!("{}/one:1", reg.host())]);
        // The remaining image is complete: pulling again skips everything.
        env.ok(&["pull", "-q", &format!("{}/one:1", reg.host())]);
    }
}

#[test]
fn inspect_history_and_errors() {
    let reg = Registry::start();
    let image = busybox_image(true, Compression::Gzip);
    push(&reg, "insp", "1", &image);
    for mode in modes() {
        let env = Env::new(&mode);
        let name = format!("{}/insp:1", reg.host());
        env.ok(&["pull", "-q", &name]);
        let doc: serde_json::Value =
            serde_json::from_str(&env.ok(&["image", "inspect", &name])).unwrap();
        assert_eq!(doc[0]["Id"], image.id().strip_prefix("sha256:").unwrap());
        assert_eq!(doc[0]["Digest"], image.manifest_digest());
        assert_eq!(doc[0]["RootFS"]["Layers"][0], image.layers[0].diff_id);
        assert_eq!(doc[0]["Os"], "linux");
        assert_eq!(
            doc[0]["ManifestType"],
            "application/vnd.docker.distribution.manifest.v2+json"
        );
        let via_inspect = env.ok(&["inspect", "--format", "{{.Id}}", &name]);
        assert_eq!(
            via_inspect.trim(),
            image.id().strip_prefix("sha256:").unwrap()
        );
        let history = env.ok(&["image", "history", &name]);
        assert!(
            history.starts_with("ID") && history.contains("layer 0"),
            "{history}"
        );
        let err = env.fails(&["image", "inspect", "nope"], 125);
        assert!(err.contains("nope"), "{err}");
    }
}

#[test]
fn store_is_an_oci_layout_other_tools_read() {
    let reg = Registry::start();
    push(
        &reg,
        "layout",
        "1",
        &busybox_image(false, Compression::Gzip),
    );
    let env = Env::new(&common::Mode::Root);
    if !nix::unistd::geteuid().is_root() {
        return;
    }
    let name = format!("{}/layout:1", reg.host());
    env.ok(&["pull", "-q", &name]);
    let root = env.store_root();
    let layout: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("oci-layout")).unwrap()).unwrap();
    assert_eq!(layout["imageLayoutVersion"], "1.0.0");
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("index.json")).unwrap()).unwrap();
    assert_eq!(
        index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        name
    );
    // Every blob's name is its digest.
    for entry in std::fs::read_dir(root.join("blobs/sha256")).unwrap() {
        let entry = entry.unwrap();
        let bytes = std::fs::read(entry.path()).unwrap();
        assert_eq!(
            common::fixtures::sha256(&bytes),
            format!("sha256:{}", entry.file_name().to_string_lossy())
        );
    }
    let have_skopeo = std::path::Path::new("/usr/bin/skopeo").exists();
    assert!(
        have_skopeo || std::env::var_os("CI").is_none(),
        "CI installs skopeo"
    );
    if have_skopeo {
        let dest = env.dir.join("copy");
        let out = std::process::Command::new("skopeo")
            .args([
                "copy",
                &format!("oci:{}:{name}", root.display()),
                &format!("dir:{}", dest.display()),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "skopeo reads the store: {}",
            stderr(&out)
        );
        assert!(dest.join("manifest.json").exists());
    }
}

#[test]
fn one_image_reached_by_two_manifests_is_one_entry() {
    // Same config (so same image id), layers compressed differently.
    let reg = Registry::start();
    let tar = TarBuilder::new().busybox().finish();
    let gz = common::fixtures::Image::new(
        vec![common::fixtures::Layer::new(tar.clone(), Compression::Gzip)],
        false,
    );
    let zst = common::fixtures::Image::new(
        vec![common::fixtures::Layer::new(tar, Compression::Zstd)],
        false,
    );
    assert_eq!(gz.id(), zst.id());
    push(&reg, "twin", "gz", &gz);
    push(&reg, "twin", "zst", &zst);
    for mode in modes() {
        let env = Env::new(&mode);
        env.ok(&["pull", "-q", &format!("{}/twin:gz", reg.host())]);
        env.ok(&["pull", "-q", &format!("{}/twin:zst", reg.host())]);
        assert_eq!(env.ok(&["images", "-q"]).lines().count(), 1);
        let rows = env.ok(&["images", "--format", "{{.Tag}}"]);
        assert_eq!(rows.lines().count(), 2, "{rows}");
        let out = env.ok(&["rmi", &format!("{}/twin:gz", reg.host())]);
        assert!(!out.contains("Deleted"), "{out}");
        env.ok(&["image", "inspect", &format!("{}/twin:zst", reg.host())]);
        env.ok(&["rmi", "-a"]);
        assert_eq!(env.ok(&["images", "-q"]), "");
    }
}
