//! save/load round trips in both archive formats, and interoperability
//! with podman's save/load when podman is installed (CI installs it).

mod common;

use common::fixtures::{busybox_image, push, Compression};
use common::registry::Registry;
use common::{modes, Env};
use std::process::Command;

#[test]
fn save_and_load_round_trip_both_formats() {
    let reg = Registry::start();
    let image = busybox_image(false, Compression::Zstd);
    push(&reg, "arch/box", "1", &image);
    for mode in modes() {
        let env = Env::new(&mode);
        let name = format!("{}/arch/box:1", reg.host());
        env.ok(&["pull", "-q", &name]);
        env.ok(&["tag", &name, "second:2"]);
        for format in ["docker-archive", "oci-archive"] {
            let file = env.dir.join(format!("{format}.tar"));
            env.ok(&[
                "save",
                "--format",
                format,
                "-o",
                file.to_str().unwrap(),
                &name,
            ]);
            let other = Env::new(&mode);
            let out = other.ok(&["load", "-i", file.to_str().unwrap()]);
            assert!(
                out.contains(&format!("Loaded image: {name}")),
                "{format}: {out}"
            );
            let id = other.ok(&["images", "-q", "--no-trunc"]);
            assert!(
                id.contains(&image.id()[7..]),
                "{format}: same image id: {id}"
            );
            // The loaded image's layer is unpacked and complete.
            let listing = other.unshare_sh(&format!(
                "ls {}/layers/*/diff/bin",
                other.store_root().display()
            ));
            assert!(listing.contains("busybox"), "{listing}");
        }
        // stdout, then stdin.
        let out = env.cove(&["save", &name]).output().unwrap();
        assert!(out.status.success(), "{}", common::stderr(&out));
        let other = Env::new(&mode);
        let loaded = other.run_with_stdin(&["load"], &out.stdout);
        assert!(loaded.status.success(), "{}", common::stderr(&loaded));
        // Garbage in: one clear line, nothing loaded.
        let bad = env.write_file("bad.tar", b"this is not a tar archive at all");
        let err = other.fails(&["load", "-i", bad.to_str().unwrap()], 125);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        let err = env.fails(&["save", "-o", "/nonexistent/dir/x.tar", &name], 125);
        assert!(err.contains("/nonexistent/dir"), "{err}");
        env.fails(
            &[
                "save",
                "-o",
                env.dir.join("y.tar").to_str().unwrap(),
                "nothing",
            ],
            125,
        );
        assert!(!env.dir.join("y.tar").exists());
    }
}

fn podman(root: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new("podman")
        .arg("--root")
        .arg(root.join("storage"))
        .arg("--runroot")
        .arg(root.join("run"))
        .arg("--storage-driver")
        .arg("vfs")
        .args(args)
        .output()
        .expect("running podman")
}

#[test]
fn interoperates_with_podman_save_and_load() {
    let have_podman = Command::new("podman")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_podman || !nix::unistd::geteuid().is_root() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs podman and runs as root"
        );
        eprintln!("podman not installed or not root: interop test skipped");
        return;
    }
    let env = Env::new(&common::Mode::Root);
    let podman_root = env.dir.join("podman");
    // podman → cove, both formats.
    let tar = common::fixtures::TarBuilder::new().busybox().finish();
    let rootfs = env.write_file("rootfs.tar", &tar);
    let out = podman(
        &podman_root,
        &["import", rootfs.to_str().unwrap(), "localhost/frompodman:1"],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let podman_id = common::stdout(&out).trim().replace("sha256:", "");
    for format in ["docker-archive", "oci-archive"] {
        let file = env.dir.join(format!("podman-{format}.tar"));
        let out = podman(
            &podman_root,
            &[
                "save",
                "--format",
                format,
                "-o",
                file.to_str().unwrap(),
                "localhost/frompodman:1",
            ],
        );
        assert!(out.status.success(), "{}", common::stderr(&out));
        let cove = Env::new(&common::Mode::Root);
        let loaded = cove.ok(&["load", "-i", file.to_str().unwrap()]);
        assert!(loaded.contains("frompodman"), "{format}: {loaded}");
        assert_eq!(
            cove.ok(&["images", "-q", "--no-trunc"])
                .trim()
                .replace("sha256:", ""),
            podman_id,
            "{format}: same id"
        );
    }
    // cove → podman, both formats.
    env.ok(&["import", rootfs.to_str().unwrap(), "fromcove:2"]);
    let cove_id = env
        .ok(&["images", "-q", "--no-trunc", "fromcove:2"])
        .trim()
        .replace("sha256:", "");
    for format in ["docker-archive", "oci-archive"] {
        let file = env.dir.join(format!("cove-{format}.tar"));
        env.ok(&[
            "save",
            "--format",
            format,
            "-o",
            file.to_str().unwrap(),
            "fromcove:2",
        ]);
        let other_root = env.dir.join(format!("podman-{format}"));
        let out = podman(&other_root, &["load", "-i", file.to_str().unwrap()]);
        assert!(out.status.success(), "{format}: {}", common::stderr(&out));
        let ids = podman(&other_root, &["images", "-q", "--no-trunc"]);
        assert!(
            common::stdout(&ids).contains(&cove_id),
            "{format}: podman sees the same id: {}",
            common::stdout(&ids)
        );
    }
}
