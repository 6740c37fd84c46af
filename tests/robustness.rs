//! Hostile layers, interrupted pulls, concurrent pulls, and the
//! single-id fallback: the store stays consistent and nothing escapes.

mod common;

use common::fixtures::{busybox_image, push, Compression, Image, Layer, TarBuilder};
use common::registry::Registry;
use common::{modes, Env};
use std::time::Duration;

fn hostile(reg: &Registry, repo: &str, tar: Vec<u8>) -> String {
    push(
        reg,
        repo,
        "1",
        &Image::new(vec![Layer::new(tar, Compression::Gzip)], false),
    );
    format!("{}/{repo}:1", reg.host())
}

#[test]
fn hostile_layers_are_refused_naming_the_entry() {
    let reg = Registry::start();
    let cases = [
        (
            "dotdot",
            TarBuilder::new().raw_file("../../escaped", b"x").finish(),
            "../../escaped",
        ),
        (
            "nested-dotdot",
            TarBuilder::new()
                .dir("a", 0o755)
                .raw_file("a/../../escaped", b"x")
                .finish(),
            "escaped",
        ),
        (
            "symlink-escape",
            TarBuilder::new()
                .raw_symlink("evil", "/tmp")
                .raw_file("evil/escaped", b"x")
                .finish(),
            "evil/escaped",
        ),
        (
            "symlink-relative",
            TarBuilder::new()
                .raw_symlink("up", "../../../../../../tmp")
                .raw_file("up/escaped", b"x")
                .finish(),
            "up/escaped",
        ),
        (
            "hardlink-escape",
            TarBuilder::new()
                .raw_hardlink("link", "../../../../etc/passwd")
                .finish(),
            "link",
        ),
    ];
    let names: Vec<(String, &str)> = cases
        .iter()
        .map(|(repo, tar, entry)| (hostile(&reg, repo, tar.clone()), *entry))
        .collect();
    for mode in modes() {
        let env = Env::new(&mode);
        for (name, entry) in &names {
            let err = env.fails(&["pull", name], 125);
            assert!(
                err.contains(entry),
                "[{}] {name}: error names the entry {entry}: {err}",
                mode.label()
            );
            assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        }
        assert_eq!(env.ok(&["images", "-q"]), "");
        assert!(!std::path::Path::new("/tmp/escaped").exists());
        assert!(!env.dir.join("escaped").exists() && !env.data.join("escaped").exists());
    }
}

#[test]
fn absolute_paths_are_contained_and_devices_skipped_when_unprivileged() {
    let reg = Registry::start();
    let tar = TarBuilder::new()
        .raw_file("/abs-file", b"inside")
        .char_device("devnull", 1, 3)
        .finish();
    let name = hostile(&reg, "abs", tar);
    for mode in modes() {
        let env = Env::new(&mode);
        env.ok(&["pull", "-q", &name]);
        let root = env.store_root();
        let out = env.unshare_sh(&format!(
            "cat {r}/layers/*/diff/abs-file; ls {r}/layers/*/diff/",
            r = root.display()
        ));
        assert!(out.starts_with("inside"), "{out}");
        if mode.is_root() {
            assert!(out.contains("devnull"), "root creates device nodes: {out}");
        } else {
            assert!(
                !out.contains("devnull"),
                "unprivileged skips device nodes: {out}"
            );
        }
    }
}

#[test]
fn kill_during_pull_leaves_a_consistent_store_that_the_next_pull_finishes() {
    let reg = Registry::start();
    // A layer big enough that the pull is still running when we kill it.
    let mut big = TarBuilder::new().busybox();
    let chunk: Vec<u8> = (0..4 << 20)
        .map(|i: u32| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    for i in 0..12 {
        big = big.file(&format!("data/f{i}"), &chunk, 0o644, 0, 0);
    }
    let image = Image::new(vec![Layer::new(big.finish(), Compression::Gzip)], false);
    push(&reg, "big", "1", &image);
    let name = format!("{}/big:1", reg.host());
    for mode in modes() {
        let env = Env::new(&mode);
        for delay_ms in [30u64, 120, 400] {
            let mut child = env
                .cove(&["pull", "-q", &name])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(delay_ms));
            // setpriv execs cove, so the child pid is cove itself.
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(child.id() as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
            let _ = child.wait();
            // Whatever the moment, the store shows no half image.
            let listed = env.ok(&["images", "-q"]);
            assert!(
                listed.is_empty() || listed.trim() == &image.id()[7..19],
                "{listed}"
            );
        }
        let id = env.ok(&["pull", "-q", &name]);
        assert_eq!(id.trim(), &image.id()[7..]);
        let tmp = env.store_root().join("tmp");
        assert_eq!(
            std::fs::read_dir(&tmp).unwrap().count(),
            0,
            "staging cleaned"
        );
        let out = env.unshare_sh(&format!(
            "cat {}/layers/*/diff/data/f11 | wc -c",
            env.store_root().display()
        ));
        assert_eq!(out.trim(), (4u32 << 20).to_string());
    }
}

#[test]
fn concurrent_pulls_of_the_same_image_both_succeed() {
    let reg = Registry::start();
    let image = busybox_image(false, Compression::Gzip);
    push(&reg, "same", "1", &image);
    let name = format!("{}/same:1", reg.host());
    for mode in modes() {
        let env = Env::new(&mode);
        let children: Vec<_> = (0..4)
            .map(|_| {
                env.cove(&["pull", "-q", &name])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", common::stderr(&out));
            assert_eq!(common::stdout(&out).trim(), &image.id()[7..]);
        }
        assert_eq!(env.ok(&["images", "-q"]).lines().count(), 1);
        assert_eq!(
            std::fs::read_dir(env.store_root().join("layers"))
                .unwrap()
                .count(),
            1
        );
    }
}

#[test]
fn without_subuid_range_ownership_falls_back_with_one_notice() {
    if !nix::unistd::geteuid().is_root() {
        return; // needs a second user; covered in CI
    }
    let Some(user) = nix::unistd::User::from_name("covenoid").ok().flatten() else {
        panic!("user covenoid (no /etc/subuid range) is missing: run .ci/run");
    };
    let reg = Registry::start();
    let tar = TarBuilder::new()
        .busybox()
        .file("owned", b"x", 0o600, 1000, 1000)
        .finish();
    push(
        &reg,
        "owned",
        "1",
        &Image::new(vec![Layer::new(tar, Compression::Gzip)], false),
    );
    let mode = common::Mode::User {
        name: "covenoid".into(),
        uid: user.uid.as_raw(),
        gid: user.gid.as_raw(),
    };
    let env = Env::new(&mode);
    let name = format!("{}/owned:1", reg.host());
    let first = env.run(&["pull", "-q", &name]);
    assert!(first.status.success(), "{}", common::stderr(&first));
    assert!(
        common::stderr(&first).contains("single-id"),
        "says so: {}",
        common::stderr(&first)
    );
    env.ok(&["rmi", "-a"]);
    let second = env.run(&["pull", "-q", &name]);
    assert!(
        !common::stderr(&second).contains("single-id"),
        "only once: {}",
        common::stderr(&second)
    );
    let out = env.unshare_sh(&format!(
        "stat -c %u {}/layers/*/diff/owned",
        env.store_root().display()
    ));
    assert_eq!(out.trim(), "0");
}

#[test]
fn a_full_disk_fails_cleanly_and_keeps_the_store_consistent() {
    if !nix::unistd::geteuid().is_root() {
        return; // mounting a small filesystem needs root; covered in CI
    }
    let reg = Registry::start();
    let image = busybox_image(false, Compression::Gzip);
    push(&reg, "full", "1", &image);
    let env = Env::new(&common::Mode::Root);
    let small = env.store_root();
    std::fs::create_dir_all(&small).unwrap();
    nix::mount::mount(
        Some("tmpfs"),
        &small,
        Some("tmpfs"),
        nix::mount::MsFlags::empty(),
        Some("size=1m"),
    )
    .unwrap();
    let name = format!("{}/full:1", reg.host());
    let err = env.fails(&["pull", &name], 125);
    let _ = env.run(&["images"]);
    let listed = env.ok(&["images", "-q"]);
    let tmp_left = std::fs::read_dir(small.join("tmp"))
        .map(|d| d.count())
        .unwrap_or(0);
    nix::mount::umount(&small).unwrap();
    assert!(
        err.contains("no space left") || err.contains("No space left"),
        "{err}"
    );
    assert!(err.contains("free some space"), "says what to do: {err}");
    assert_eq!(listed, "", "no half image");
    assert_eq!(tmp_left, 0, "staging removed");
}
