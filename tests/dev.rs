//! `cove dev` sandboxes, as root and as an unprivileged user: the user's
//! identity and home inside, passwordless sudo's file, the writable layer
//! surviving stop and enter, start on enter, `ls`/`stop`/`rm`, and bad
//! input (an image without /etc/passwd, a name in use, an unknown
//! sandbox) refused with nothing made.

mod common;

use common::fixtures::{push, Compression, Image, Layer, TarBuilder};
use common::registry::Registry;
use common::{modes, Env, Mode};
use std::os::unix::fs::MetadataExt;

fn setup(mode: &Mode) -> (Env, Registry) {
    let registry = Registry::start();
    let userland = TarBuilder::new()
        .busybox_full()
        .symlink("bin/id", "busybox")
        .symlink("bin/stat", "busybox")
        .symlink("bin/true", "busybox")
        .file(
            "etc/passwd",
            b"root:x:0:0:root:/root:/bin/sh\n",
            0o644,
            0,
            0,
        )
        .file("etc/group", b"root:x:0:\n", 0o644, 0, 0)
        .finish();
    let image = Image::new(vec![Layer::new(userland, Compression::Gzip)], false);
    push(&registry, "distro", "latest", &image);
    // A static program alone: no userland to hold a user.
    let bare = TarBuilder::new()
        .file("hello", b"not a userland\n", 0o755, 0, 0)
        .finish();
    push(
        &registry,
        "bare",
        "latest",
        &Image::new(vec![Layer::new(bare, Compression::Gzip)], false),
    );
    let env = Env::new(mode);
    for name in ["distro", "bare"] {
        let reference = format!("{}/{name}:latest", registry.host());
        env.ok(&["pull", "-q", &reference]);
        env.ok(&["tag", &reference, name]);
    }
    (env, registry)
}

#[test]
fn a_sandbox_holds_the_user_and_home_and_keeps_its_layer() {
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        let l = mode.label();
        let (name, uid) = match &mode {
            Mode::User { name, uid, .. } => (name.clone(), *uid),
            _ => ("root".to_string(), 0),
        };
        assert_eq!(
            env.ok(&["dev", "create", "--image", "distro", "box"]),
            "box\n"
        );
        // Started on enter; the user's name, ids and home inside.
        let out = env.ok(&[
            "dev",
            "enter",
            "box",
            "--",
            "sh",
            "-c",
            "id -un; id -u; echo $HOME; pwd",
        ]);
        let home = env.home.display().to_string();
        assert_eq!(out, format!("{name}\n{uid}\n{home}\n{home}\n"), "[{l}]");
        // A file made in the home is the user's on the host.
        env.ok(&[
            "dev",
            "enter",
            "box",
            "--",
            "touch",
            &format!("{home}/made-inside"),
        ]);
        let meta = std::fs::metadata(env.home.join("made-inside")).unwrap();
        assert_eq!(meta.uid(), uid, "[{l}]");
        // Passwordless sudo's file, as sudo wants it.
        let sudoers = format!("/etc/sudoers.d/cove-{name}");
        let out = env.ok(&["dev", "enter", "box", "--", "stat", "-c", "%a %u", &sudoers]);
        assert_eq!(out, "440 0\n", "[{l}]");
        if name != "root" {
            // Not root inside: the writable layer's /etc is root's.
            let out = env.run(&["dev", "enter", "box", "--", "touch", "/etc/mine"]);
            assert!(!out.status.success(), "[{l}] {out:?}");
        }
        let listed = env.ok(&["dev", "ls"]);
        assert!(
            listed
                .lines()
                .any(|r| r.starts_with("box ") && r.ends_with("running")),
            "[{l}] {listed}"
        );
        // What root wrote in the layer survives stop and enter.
        env.ok(&[
            "exec",
            "-u",
            "0",
            "box",
            "sh",
            "-c",
            "echo kept > /etc/marker",
        ]);
        assert_eq!(env.ok(&["dev", "stop", "box"]), "box\n");
        assert!(env.ok(&["dev", "ls"]).contains("stopped"), "[{l}]");
        assert_eq!(
            env.ok(&["dev", "enter", "box", "--", "cat", "/etc/marker"]),
            "kept\n"
        );
        // Bad input, nothing made.
        let err = env.fails(&["dev", "create", "--image", "distro", "box"], 125);
        assert!(err.contains("already in use"), "[{l}] {err}");
        let err = env.fails(&["dev", "create", "--image", "bare", "nouser"], 125);
        assert!(err.contains("has no /etc/passwd"), "[{l}] {err}");
        let err = env.fails(&["dev", "enter", "nosuch"], 125);
        assert!(
            err.contains("no dev sandbox named \"nosuch\""),
            "[{l}] {err}"
        );
        let err = env.fails(&["dev", "rm", "box"], 125);
        assert!(err.contains("is running"), "[{l}] {err}");
        assert_eq!(env.ok(&["dev", "rm", "-f", "box"]), "box\n");
        assert_eq!(env.ok(&["dev", "ls", "-q"]), "");
        assert_eq!(env.ok(&["ps", "-aq"]), "", "[{l}] a container left behind");
    }
}
