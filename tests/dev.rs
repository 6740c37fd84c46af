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

/// Host programs with the libraries they link, for an image's layer.
fn with_host_programs(mut t: TarBuilder, programs: &[&str]) -> TarBuilder {
    let mut added = std::collections::BTreeSet::new();
    for program in programs {
        let out = std::process::Command::new("ldd")
            .arg(program)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let libs = text.lines().filter_map(|l| {
            let l = l.trim();
            match l.split_once("=>") {
                Some((_, rest)) => rest.split_whitespace().next(),
                None => l.split_whitespace().next().filter(|p| p.starts_with('/')),
            }
        });
        for path in std::iter::once(*program).chain(libs) {
            if added.insert(path.to_string()) {
                let bytes = std::fs::read(path).unwrap();
                t = t.file(path.trim_start_matches('/'), &bytes, 0o755, 0, 0);
            }
        }
    }
    t
}

/// Whether the X server on `display` has a window named `name`.
fn has_window(display: &str, name: &str) -> bool {
    let out = std::process::Command::new("xwininfo")
        .args(["-display", display, "-root", "-tree"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).contains(name)
}

#[test]
fn the_display_and_the_session_bus_reach_the_sandbox() {
    for program in ["Xvfb", "xlogo", "xwininfo", "dbus-daemon", "dbus-send"] {
        if which(program).is_none() {
            eprintln!("{program} is not installed (make deps installs it): skipped");
            return;
        }
    }
    for (i, mode) in modes().into_iter().enumerate() {
        let registry = Registry::start();
        let base = TarBuilder::new()
            .busybox_full()
            .file(
                "etc/passwd",
                b"root:x:0:0:root:/root:/bin/sh\n",
                0o644,
                0,
                0,
            )
            .file("etc/group", b"root:x:0:\n", 0o644, 0, 0);
        let userland = with_host_programs(
            base,
            &[&which("xlogo").unwrap(), &which("dbus-send").unwrap()],
        )
        .finish();
        let image = Image::new(vec![Layer::new(userland, Compression::Gzip)], false);
        push(&registry, "desk", "latest", &image);
        let env = Env::new(&mode);
        let l = mode.label();
        let reference = format!("{}/desk:latest", registry.host());
        env.ok(&["pull", "-q", &reference]);
        env.ok(&["tag", &reference, "desk"]);

        // An X server and a session bus of the test's own, as the user.
        let display = format!(":{}", 200 + (std::process::id() % 300) * 2 + i as u32);
        let _xvfb = KillOnDrop(
            env.command(
                std::path::Path::new(&which("Xvfb").unwrap()),
                &[&display, "-ac", "-nolisten", "tcp"],
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
        );
        let bus = env.dir.join("bus");
        let _daemon = KillOnDrop(
            env.command(
                std::path::Path::new(&which("dbus-daemon").unwrap()),
                &[
                    "--session",
                    "--nofork",
                    &format!("--address=unix:path={}", bus.display()),
                ],
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
        );
        let socket = format!("/tmp/.X11-unix/X{}", &display[1..]);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !(std::path::Path::new(&socket).exists() && bus.exists()) {
            assert!(
                std::time::Instant::now() < deadline,
                "Xvfb or dbus-daemon did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let bus_address = format!("unix:path={}", bus.display());
        let with_desktop = |args: &[&str]| {
            let mut c = env.cove(args);
            c.env("DISPLAY", &display)
                .env("DBUS_SESSION_BUS_ADDRESS", &bus_address);
            c
        };
        let out = with_desktop(&["dev", "create", "--image", "desk", "desk"])
            .output()
            .unwrap();
        assert!(out.status.success(), "[{l}] {out:?}");
        // An X client inside draws a window on the host's display.
        let xlogo = which("xlogo").unwrap();
        let _client = KillOnDrop(
            with_desktop(&["dev", "enter", "desk", "--", &xlogo])
                .stdin(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !has_window(&display, "xlogo") {
            assert!(
                std::time::Instant::now() < deadline,
                "[{l}] no xlogo window on {display}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        // The host's session bus answers from inside.
        let dbus_send = which("dbus-send").unwrap();
        let out = with_desktop(&[
            "dev",
            "enter",
            "desk",
            "--",
            &dbus_send,
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.ListNames",
        ])
        .output()
        .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.contains("org.freedesktop.DBus"), "[{l}] {out:?}");
        env.ok(&["dev", "rm", "-f", "desk"]);
    }
}

/// A helper process, killed when the test ends (or panics).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // SIGTERM: Xvfb removes its socket and lock file on the way out.
        let pid = nix::unistd::Pid::from_raw(self.0.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let _ = self.0.wait();
    }
}

fn which(program: &str) -> Option<String> {
    ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        .iter()
        .map(|d| format!("{d}/{program}"))
        .find(|p| std::path::Path::new(p).exists())
}
