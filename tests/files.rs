//! `cove cp`, `export` and `commit`: files in and out of running and
//! stopped containers, as root and as an unprivileged user, with every
//! storage driver.

mod common;

use common::fixtures::{push, Compression, Image, Layer, TarBuilder};
use common::registry::Registry;
use common::{drivers, modes, stderr, Env};
use serde_json::json;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// busybox, a file to delete and a directory.
fn app_image() -> Image {
    let base = TarBuilder::new()
        .busybox_full()
        .dir("a", 0o755)
        .file("a/x", b"x", 0o644, 0, 0)
        .file("a/y", b"y", 0o644, 0, 0)
        .finish();
    Image::for_platform(
        vec![Layer::new(base, Compression::Gzip)],
        false,
        "amd64",
        None,
        json!({"Cmd": ["sh"], "Env": ["PATH=/bin"]}),
    )
}

fn setup(mode: &common::Mode, driver: &str) -> (Env, Registry) {
    let registry = Registry::start();
    push(&registry, "app", "latest", &app_image());
    let env = Env::new(mode).with_driver(driver);
    let reference = format!("{}/app:latest", registry.host());
    env.ok(&["pull", "-q", &reference]);
    env.ok(&["tag", &reference, "app"]);
    (env, registry)
}

fn each(f: impl Fn(&Env)) {
    for mode in modes() {
        for driver in drivers() {
            let (env, _registry) = setup(&mode, &driver);
            f(&env);
        }
    }
}

/// A shell script run as the env's user in its directory.
fn sh(env: &Env, script: &str) -> String {
    let out = env
        .command(Path::new("/bin/sh"), &["-c", script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "[{}] {script}: {}",
        env.mode.label(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn run_in_background(env: &Env, name: &str, args: &[&str]) -> std::process::Child {
    let mut all = vec!["run", "--name", name];
    all.extend_from_slice(args);
    let mut child = env.cove(&all).spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if env
            .run(&["wait", "--condition", "running", "--interval", "20ms", name])
            .status
            .success()
        {
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("[{}] container {name} did not start", env.mode.label());
}

fn stop(env: &Env, name: &str, mut child: std::process::Child) {
    env.ok(&["kill", name]);
    let _ = child.wait();
}

/// The host files the copy tests start from: a directory (0710) holding
/// a file (0751, a fixed mtime) and a file (0604).
fn host_files(env: &Env) {
    sh(
        env,
        "mkdir -p src/dir && printf hello > src/dir/f && chmod 0751 src/dir/f \
         && touch -d '2001-02-03 04:05:06' src/dir/f && chmod 0710 src/dir \
         && printf file > src/file && chmod 0604 src/file",
    );
}

fn mode_of(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().mode() & 0o7777
}

/// The host side after copying out: content, modes, mtime, owner.
fn check_copied_out(env: &Env, dir: &Path) {
    let label = env.mode.label();
    assert_eq!(
        std::fs::read(dir.join("f")).unwrap(),
        b"hello",
        "[{label}] {}",
        dir.display()
    );
    assert_eq!(mode_of(&dir.join("f")), 0o751, "[{label}]");
    assert_eq!(mode_of(dir), 0o710, "[{label}]");
    let meta = std::fs::metadata(dir.join("f")).unwrap();
    let want_mtime = sh(env, "date -d '2001-02-03 04:05:06' +%s");
    assert_eq!(meta.mtime().to_string(), want_mtime.trim(), "[{label}]");
    let (uid, gid) = match &env.mode {
        common::Mode::User { uid, gid, .. } => (*uid, *gid),
        _ => (
            nix::unistd::getuid().as_raw(),
            nix::unistd::getgid().as_raw(),
        ),
    };
    assert_eq!((meta.uid(), meta.gid()), (uid, gid), "[{label}]");
}

/// Copy in and back out of container `ctr`, checking both sides.
fn round_trip(env: &Env, ctr: &str, tag: &str) {
    let label = env.mode.label();
    let c = |p: &str| format!("{ctr}:{p}");
    // A directory to an existing directory lands inside it; a file to a
    // missing path takes that name; `dir/.` copies the contents.
    env.ok(&["cp", "src/dir", &c("/tmp")]);
    env.ok(&["cp", "src/file", &c("/tmp/renamed")]);
    env.ok(&["cp", "src/dir/.", &c("/tmp/contents")]);
    // A file over an existing file replaces it.
    sh(env, "printf again > src/file2");
    env.ok(&["cp", "src/file2", &c("/tmp/renamed")]);

    sh(env, &format!("mkdir -p {tag}/existing"));
    env.ok(&["cp", &c("/tmp/dir"), &format!("{tag}/existing")]);
    check_copied_out(env, &env.dir.join(tag).join("existing/dir"));
    env.ok(&["cp", &c("/tmp/dir"), &format!("{tag}/missing")]);
    check_copied_out(env, &env.dir.join(tag).join("missing"));
    env.ok(&["cp", &c("/tmp/contents/."), &format!("{tag}/existing")]);
    assert_eq!(
        std::fs::read(env.dir.join(tag).join("existing/f")).unwrap(),
        b"hello",
        "[{label}]"
    );
    env.ok(&["cp", &c("/tmp/renamed"), &format!("{tag}/file")]);
    assert_eq!(
        std::fs::read(env.dir.join(tag).join("file")).unwrap(),
        b"again",
        "[{label}]"
    );
    assert_eq!(mode_of(&env.dir.join(tag).join("file")), 0o644, "[{label}]");

    // Inside, the copies belong to the container's user (root here).
    let out = env.cove(&["cp", &c("/tmp/dir"), "-"]).output().unwrap();
    assert!(out.status.success(), "[{label}] {}", stderr(&out));
    let mut archive = tar::Archive::new(&out.stdout[..]);
    let mut seen = Vec::new();
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let path = e.path().unwrap().to_string_lossy().to_string();
        assert_eq!(e.header().uid().unwrap(), 0, "[{label}] {path}");
        if path == "dir/f" {
            assert_eq!(e.header().mode().unwrap() & 0o7777, 0o751);
            let mut s = String::new();
            e.read_to_string(&mut s).unwrap();
            assert_eq!(s, "hello");
        }
        seen.push(path);
    }
    assert!(seen.contains(&"dir/f".to_string()), "[{label}] {seen:?}");
}

#[test]
fn cp_round_trip_stopped_and_running() {
    each(|env| {
        host_files(env);
        // Never started (a vfs one has no root filesystem yet).
        env.ok(&["create", "--name", "created", "app", "true"]);
        round_trip(env, "created", "out-created");
        // Stopped after a run: the copies are still there when it runs.
        env.ok(&["run", "--name", "exited", "app", "true"]);
        round_trip(env, "exited", "out-exited");
        let out = env.ok(&["start", "-a", "created"]);
        assert_eq!(out, "");
        // Running.
        let child = run_in_background(env, "running", &["app", "sleep", "100"]);
        round_trip(env, "running", "out-running");
        stop(env, "running", child);
        // What was copied into the running one stays (its upper/rootfs).
        env.ok(&["cp", "running:/tmp/dir/f", "after-stop"]);
        assert_eq!(std::fs::read(env.dir.join("after-stop")).unwrap(), b"hello");
    });
}

#[test]
fn cp_tar_streams_and_ownership() {
    each(|env| {
        let label = env.mode.label();
        env.ok(&["create", "--name", "s", "app", "true"]);
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(6);
        h.set_mode(0o640);
        h.set_uid(1234);
        h.set_gid(1234);
        h.set_mtime(1_000_000_000);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, "streamed", &b"stream"[..]).unwrap();
        let tar = b.into_inner().unwrap();
        // --archive=false keeps the archive's owners.
        let out = env.run_with_stdin(&["cp", "--archive=false", "-", "s:/tmp"], &tar);
        assert!(out.status.success(), "[{label}] {}", stderr(&out));
        // The default gives them to the container's user.
        let out = env.run_with_stdin(&["cp", "-", "s:/a"], &tar);
        assert!(out.status.success(), "[{label}] {}", stderr(&out));
        // stdin needs a directory as destination.
        let out = env.run_with_stdin(&["cp", "-", "s:/a/x"], &tar);
        assert_eq!(out.status.code(), Some(125), "[{label}]");
        assert!(
            stderr(&out).contains("must be a directory"),
            "{}",
            stderr(&out)
        );

        for (path, uid) in [("/tmp/streamed", 1234), ("/a/streamed", 0)] {
            let out = env
                .cove(&["cp", &format!("s:{path}"), "-"])
                .output()
                .unwrap();
            assert!(out.status.success(), "[{label}] {}", stderr(&out));
            let mut archive = tar::Archive::new(&out.stdout[..]);
            let mut e = archive.entries().unwrap().next().unwrap().unwrap();
            assert_eq!(e.path().unwrap().to_str(), Some("streamed"));
            assert_eq!(e.header().uid().unwrap(), uid, "[{label}] {path}");
            assert_eq!(e.header().mode().unwrap() & 0o7777, 0o640);
            assert_eq!(e.header().mtime().unwrap(), 1_000_000_000);
            let mut s = String::new();
            e.read_to_string(&mut s).unwrap();
            assert_eq!(s, "stream");
        }
    });
}

#[test]
fn cp_errors_and_symlink_escapes() {
    each(|env| {
        let label = env.mode.label();
        host_files(env);
        env.ok(&["create", "--name", "e", "app", "true"]);
        let err = env.fails(&["cp", "e:/nope", "out"], 125);
        assert!(
            err.contains("\"/nope\" could not be found on container e: no such file or directory"),
            "[{label}] {err}"
        );
        let err = env.fails(&["cp", "src/file", "e:/nonexist/x"], 125);
        assert!(err.contains("no such file or directory"), "[{label}] {err}");
        let err = env.fails(&["cp", "nope", "e:/tmp"], 125);
        assert!(
            err.contains("\"nope\" could not be found on the host"),
            "[{label}] {err}"
        );
        let err = env.fails(&["cp", "e:/a", "nonexist/x"], 125);
        assert!(
            err.contains("could not be found on the host"),
            "[{label}] {err}"
        );
        let err = env.fails(&["cp", "e:/a", "src/file"], 125);
        assert!(err.contains("must be a directory"), "[{label}] {err}");
        env.fails(&["cp", "nope:/a", "out"], 125);
        env.fails(&["cp", "src/file", "src/other"], 125);
        // A directory is not replaced by a file unless asked.
        sh(env, "mkdir -p x && printf x > x/a");
        env.ok(&["cp", "x/.", "e:/tmp/isdir"]);
        sh(env, "mkdir -p y/a");
        let err = env.fails(&["cp", "y/.", "e:/tmp/isdir"], 125);
        assert!(
            err.contains("cannot overwrite non-directory"),
            "[{label}] {err}"
        );
        env.ok(&["cp", "--overwrite", "y/.", "e:/tmp/isdir"]);
        sh(env, "mkdir -p z && printf f > z/a");
        let err = env.fails(&["cp", "z/.", "e:/tmp/isdir"], 125);
        assert!(
            err.contains("cannot overwrite directory"),
            "[{label}] {err}"
        );

        // Symlinks in the container resolve inside its root: one naming a
        // host directory by absolute path does not reach the host.
        sh(env, "mkdir -p outside && printf secret > outside/secret");
        let outside = env.dir.join("outside");
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_mode(0o777);
        h.set_size(0);
        b.append_link(&mut h, "esc", &outside).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_mode(0o777);
        h.set_size(0);
        b.append_link(&mut h, "up", "../../../../../../../..")
            .unwrap();
        let tar = b.into_inner().unwrap();
        let out = env.run_with_stdin(&["cp", "-", "e:/"], &tar);
        assert!(out.status.success(), "[{label}] {}", stderr(&out));
        env.fails(&["cp", "e:/esc/secret", "stolen"], 125);
        env.fails(&["cp", "src/file", "e:/esc/planted"], 125);
        let up = format!("e:/up{}", outside.join("secret").display());
        env.fails(&["cp", &up, "stolen"], 125);
        assert!(!env.dir.join("stolen").exists(), "[{label}]");
        assert!(!outside.join("planted").exists(), "[{label}]");
        // Through `..`, the copy lands at the container's root.
        env.ok(&["cp", "src/file", "e:/up/landed"]);
        env.ok(&["cp", "e:/landed", "landed"]);
        assert_eq!(std::fs::read(env.dir.join("landed")).unwrap(), b"file");
    });
}

fn tar_names(bytes: &[u8]) -> Vec<String> {
    tar::Archive::new(bytes)
        .entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            e.path()
                .unwrap()
                .to_string_lossy()
                .trim_end_matches('/')
                .to_string()
        })
        .collect()
}

#[test]
fn export_stopped_and_running() {
    each(|env| {
        let label = env.mode.label();
        env.ok(&[
            "run",
            "--name",
            "x",
            "app",
            "sh",
            "-c",
            "echo hi > /written; rm /a/y",
        ]);
        env.ok(&["export", "-o", "x.tar", "x"]);
        let bytes = std::fs::read(env.dir.join("x.tar")).unwrap();
        let names = tar_names(&bytes);
        for want in ["bin/busybox", "written", "a/x"] {
            assert!(
                names.iter().any(|n| n == want),
                "[{label}] {want} in {names:?}"
            );
        }
        assert!(!names.iter().any(|n| n == "a/y"), "[{label}] {names:?}");
        let mut archive = tar::Archive::new(&bytes[..]);
        for e in archive.entries().unwrap() {
            let mut e = e.unwrap();
            if e.path().unwrap().to_str() == Some("written") {
                let mut s = String::new();
                e.read_to_string(&mut s).unwrap();
                assert_eq!(s, "hi\n");
                assert_eq!(e.header().uid().unwrap(), 0);
            }
        }
        // Running, to stdout: the root filesystem without /proc's contents.
        let child = run_in_background(
            env,
            "r",
            &["app", "sh", "-c", "echo live > /live; sleep 100"],
        );
        let out = env.cove(&["export", "r"]).output().unwrap();
        assert!(out.status.success(), "[{label}] {}", stderr(&out));
        let names = tar_names(&out.stdout);
        assert!(names.iter().any(|n| n == "live"), "[{label}] {names:?}");
        assert!(names.iter().any(|n| n == "bin/busybox"), "[{label}]");
        assert!(!names.iter().any(|n| n.starts_with("proc/")), "[{label}]");
        stop(env, "r", child);
        env.fails(&["export", "nope"], 125);
    });
}

#[test]
fn commit_then_run() {
    each(|env| {
        let label = env.mode.label();
        env.ok(&[
            "run",
            "--name",
            "c",
            "app",
            "sh",
            "-c",
            "echo made > /created; rm /a/y; mkdir -p /d/e; echo deep > /d/e/f",
        ]);
        let id = env.ok(&[
            "commit",
            "-c",
            r#"CMD ["cat", "/created"]"#,
            "-c",
            "ENV COMMITTED=yes",
            "-m",
            "my change",
            "c",
            "newimg",
        ]);
        let id = id.trim();
        assert_eq!(id.len(), 64, "[{label}] {id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(env.ok(&["run", "--rm", "newimg"]), "made\n", "[{label}]");
        let out = env.ok(&[
            "run",
            "--rm",
            "newimg",
            "sh",
            "-c",
            "ls /a; cat /d/e/f; echo $COMMITTED",
        ]);
        assert_eq!(out, "x\ndeep\nyes\n", "[{label}]");
        let inspect: serde_json::Value =
            serde_json::from_str(&env.ok(&["image", "inspect", "newimg"])).unwrap();
        let config = &inspect[0]["Config"];
        assert_eq!(config["Cmd"], json!(["cat", "/created"]), "[{label}]");
        let env_list = config["Env"].as_array().unwrap();
        assert!(env_list.contains(&json!("COMMITTED=yes")), "{env_list:?}");
        assert!(env_list.contains(&json!("PATH=/bin")), "{env_list:?}");
        assert_eq!(
            inspect[0]["Id"]
                .as_str()
                .unwrap()
                .trim_start_matches("sha256:"),
            id
        );
        // A commit of a commit, from a running container, unnamed.
        let child = run_in_background(
            env,
            "r",
            &["newimg", "sh", "-c", "echo two > /second; sleep 100"],
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
        let id2 = env.ok(&["commit", "-q", "r"]);
        stop(env, "r", child);
        let out = env.ok(&["run", "--rm", id2.trim(), "cat", "/created", "/second"]);
        assert_eq!(out, "made\ntwo\n", "[{label}]");
        env.fails(&["commit", "nope", "x"], 125);
        env.fails(&["commit", "-c", "RUN true", "c", "x"], 125);
    });
}

#[test]
fn cp_into_volume_of_running_container() {
    // Copies into a running container reach its volumes, as with Podman.
    let mode = modes().into_iter().next().unwrap();
    let (env, _registry) = setup(&mode, &drivers()[0]);
    std::fs::create_dir_all(env.dir.join("vol")).unwrap();
    std::fs::set_permissions(env.dir.join("vol"), std::fs::Permissions::from_mode(0o777)).unwrap();
    let v = format!("{}:/data", env.dir.join("vol").display());
    let child = run_in_background(&env, "v", &["-v", &v, "app", "sleep", "100"]);
    env.write_file("tovol", b"into the volume");
    env.ok(&["cp", "tovol", "v:/data/"]);
    stop(&env, "v", child);
    assert_eq!(
        std::fs::read(env.dir.join("vol/tovol")).unwrap(),
        b"into the volume"
    );
}
