//! `cove run`, `create` and `start`: real namespaces, real mounts, as root
//! and as an unprivileged user with subuid ranges, with every storage
//! driver.

mod common;

use common::fixtures::{push, Compression, Image, Layer, TarBuilder};
use common::registry::Registry;
use common::{drivers, modes, stderr, stdout, Env, Mode};
use serde_json::json;

/// A two-layer image: busybox, a user 1000 with a file it owns, files to
/// whiteout, an opaque directory, hardlinks and a non-executable file.
fn app_image() -> Image {
    let base = TarBuilder::new()
        .busybox_full()
        .dir("home", 0o755)
        .dir("home/user", 0o755)
        .file("home/user/owned", b"mine", 0o644, 1000, 1000)
        .dir("a", 0o755)
        .file("a/x", b"x", 0o644, 0, 0)
        .file("a/y", b"y", 0o644, 0, 0)
        .dir("b", 0o755)
        .file("b/old", b"old", 0o644, 0, 0)
        .file("hl1", b"linked", 0o644, 0, 0)
        .hardlink("hl2", "hl1")
        .file("notexec", b"#!/bin/sh\necho no\n", 0o644, 0, 0)
        .char_device("nulldev", 1, 3)
        .dir("seed", 0o755)
        .file("seed/file", b"from-image", 0o644, 0, 0)
        .finish();
    let top = TarBuilder::new()
        .whiteout("a", "x")
        .dir("b", 0o755)
        .opaque("b")
        .file("b/new", b"new", 0o644, 0, 0)
        .finish();
    Image::for_platform(
        vec![
            Layer::new(base, Compression::Gzip),
            Layer::new(top, Compression::Gzip),
        ],
        false,
        "amd64",
        None,
        json!({
            "Cmd": ["sh", "-c", "echo default-cmd"],
            "Env": ["PATH=/bin", "FOO=from-image"],
            "WorkingDir": "/home/user",
        }),
    )
}

/// An env with the app image pulled as `app`.
fn setup(mode: &Mode, driver: &str) -> (Env, Registry) {
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

fn out(env: &Env, args: &[&str]) -> String {
    env.ok(args).trim().to_string()
}

/// Nothing left of containers in the store: no record, no name.
fn assert_no_containers(env: &Env) {
    let dir = env.store_root().join("containers");
    let left: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n != "names")
                .collect()
        })
        .unwrap_or_default();
    assert!(
        left.is_empty(),
        "[{}] leftover containers: {left:?}",
        env.mode.label()
    );
    let names = std::fs::read_dir(dir.join("names"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(names, 0, "leftover names");
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap();
    assert!(
        !mounts.contains(env.store_root().to_str().unwrap()),
        "leftover mount"
    );
}

#[test]
fn exit_codes_signals_and_nothing_left_behind() {
    each(|env| {
        assert_eq!(out(env, &["run", "--rm", "app"]), "default-cmd");
        env.ok(&["run", "--rm", "app", "true"]);
        env.fails(&["run", "--rm", "app", "sh", "-c", "exit 3"], 3);
        let e = env.fails(&["run", "--rm", "app", "no-such-command"], 127);
        assert!(e.contains("no-such-command"), "{e}");
        let e = env.fails(&["run", "--rm", "app", "/notexec"], 126);
        assert!(e.contains("permission denied"), "{e}");
        // Killed by a signal: 128 + N (with --init, as pid 1 ignores
        // signals it has no handler for).
        env.fails(
            &["run", "--rm", "--init", "app", "sh", "-c", "kill -TERM $$"],
            143,
        );
        let e = env.fails(&["run", "--rm", "--pull=never", "nosuchimage"], 125);
        assert!(e.contains("nosuchimage"), "{e}");
        // A failed start removes the container even without --rm.
        env.fails(&["run", "app", "no-such-command"], 127);
        let e = env.fails(&["run", "--rm", "-u", "nobody-here", "app", "true"], 125);
        assert!(e.contains("nobody-here"), "{e}");
        assert_no_containers(env);
    });
}

#[test]
fn image_config_env_workdir_and_users() {
    each(|env| {
        let envfile = env.write_file("vars.env", b"# comment\nFROM_FILE=1\n");
        let got = out(
            env,
            &[
                "run",
                "--rm",
                "-e",
                "BAR=baz",
                "--env-file",
                envfile.to_str().unwrap(),
                "app",
                "sh",
                "-c",
                "echo $FOO $BAR $FROM_FILE $(pwd) $HOSTNAME",
            ],
        );
        let parts: Vec<&str> = got.split_whitespace().collect();
        assert_eq!(
            &parts[..4],
            &["from-image", "baz", "1", "/home/user"],
            "{got}"
        );
        assert_eq!(parts[4].len(), 12);
        assert_eq!(out(env, &["run", "--rm", "-w", "/a", "app", "pwd"]), "/a");
        // A new working directory is created.
        assert_eq!(
            out(env, &["run", "--rm", "-w", "/new/dir", "app", "pwd"]),
            "/new/dir"
        );
        // The file owned by uid 1000 in the image is owned by 1000 inside.
        assert_eq!(
            out(
                env,
                &[
                    "run",
                    "--rm",
                    "app",
                    "stat",
                    "-c",
                    "%u:%g",
                    "/home/user/owned"
                ]
            ),
            "1000:1000"
        );
        assert_eq!(
            out(env, &["run", "--rm", "-u", "user", "app", "id"]),
            "uid=1000(user) gid=1000(user) groups=1000(user)"
        );
        assert_eq!(
            out(env, &["run", "--rm", "-u", "1000:0", "app", "id", "-u"]),
            "1000"
        );
        let groups = out(
            env,
            &[
                "run",
                "--rm",
                "-u",
                "user",
                "--group-add",
                "root",
                "app",
                "id",
                "-G",
            ],
        );
        assert_eq!(groups, "1000 0");
        assert_eq!(
            out(env, &["run", "--rm", "--entrypoint", "echo", "app", "hi"]),
            "hi"
        );
        assert_eq!(
            out(
                env,
                &["run", "--rm", "--hostname", "box", "app", "hostname"]
            ),
            "box"
        );
    });
}

#[test]
fn merged_view_of_layers() {
    each(|env| {
        assert_eq!(out(env, &["run", "--rm", "app", "ls", "/a"]), "y");
        assert_eq!(out(env, &["run", "--rm", "app", "ls", "/b"]), "new");
        let inodes = out(
            env,
            &["run", "--rm", "app", "stat", "-c", "%i", "/hl1", "/hl2"],
        );
        let lines: Vec<&str> = inodes.lines().collect();
        assert_eq!(lines[0], lines[1], "hardlinks differ");
        // Writes go to the container, not the image.
        env.ok(&[
            "run",
            "--rm",
            "app",
            "sh",
            "-c",
            "echo changed > /a/y && rm /b/new",
        ]);
        assert_eq!(out(env, &["run", "--rm", "app", "cat", "/a/y"]), "y");
    });
}

#[test]
fn isolation_and_security_defaults() {
    each(|env| {
        // Only the container's processes are visible.
        let pids = out(
            env,
            &[
                "run",
                "--rm",
                "app",
                "sh",
                "-c",
                "ls /proc | grep -E '^[0-9]+$' | sort -n | head -1; echo $$",
            ],
        );
        assert_eq!(pids.lines().collect::<Vec<_>>(), vec!["1", "1"], "{pids}");
        // Podman's default capability set.
        let caps = out(
            env,
            &["run", "--rm", "app", "grep", "CapEff", "/proc/self/status"],
        );
        assert!(caps.ends_with("00000000800405fb"), "{caps}");
        let caps = out(
            env,
            &[
                "run",
                "--rm",
                "--cap-drop",
                "ALL",
                "--cap-add",
                "CHOWN",
                "app",
                "grep",
                "CapEff",
                "/proc/self/status",
            ],
        );
        assert!(caps.ends_with("0000000000000001"), "{caps}");
        // A non-root user holds only added capabilities, as in Podman.
        let caps = out(
            env,
            &[
                "run",
                "--rm",
                "-u",
                "1000",
                "app",
                "grep",
                "CapEff",
                "/proc/self/status",
            ],
        );
        assert!(caps.ends_with("0000000000000000"), "{caps}");
        let caps = out(
            env,
            &[
                "run",
                "--rm",
                "-u",
                "1000",
                "--cap-add",
                "NET_BIND_SERVICE",
                "app",
                "grep",
                "CapEff",
                "/proc/self/status",
            ],
        );
        assert!(caps.ends_with("0000000000000400"), "{caps}");
        // seccomp: new namespaces are refused by the default profile.
        let e = env.run(&["run", "--rm", "app", "unshare", "-U", "true"]);
        assert_ne!(e.status.code(), Some(0));
        assert!(
            stderr(&e).contains("Operation not permitted"),
            "{}",
            stderr(&e)
        );
        env.ok(&[
            "run",
            "--rm",
            "--security-opt",
            "seccomp=unconfined",
            "app",
            "unshare",
            "-U",
            "true",
        ]);
        // A profile of our own: mkdir fails with EACCES.
        let profile = env.write_file(
            "profile.json",
            br#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}"#,
        );
        let e = env.run(&[
            "run",
            "--rm",
            "--security-opt",
            &format!("seccomp={}", profile.display()),
            "app",
            "mkdir",
            "/x",
        ]);
        assert!(stderr(&e).contains("Permission denied"), "{}", stderr(&e));
        // Masked and read-only paths.
        assert_eq!(
            out(
                env,
                &["run", "--rm", "app", "sh", "-c", "cat /proc/kcore | wc -c"]
            ),
            "0"
        );
        let e = env.run(&["run", "--rm", "app", "touch", "/sys/kernel/x"]);
        assert_ne!(e.status.code(), Some(0));
        let e = env.run(&[
            "run",
            "--rm",
            "app",
            "sh",
            "-c",
            "echo 1 > /proc/sys/kernel/ns_last_pid",
        ]);
        assert_ne!(e.status.code(), Some(0));
        // no-new-privileges shows in the status file.
        let nnp = out(
            env,
            &[
                "run",
                "--rm",
                "--security-opt",
                "no-new-privileges",
                "app",
                "grep",
                "NoNewPrivs",
                "/proc/self/status",
            ],
        );
        assert!(nnp.ends_with('1'), "{nnp}");
        // Resource limits.
        assert_eq!(
            out(
                env,
                &[
                    "run",
                    "--rm",
                    "--ulimit",
                    "nofile=100:200",
                    "app",
                    "sh",
                    "-c",
                    "ulimit -n"
                ]
            ),
            "100"
        );
        // Network none: only the loopback interface, and it is up; the
        // default (slirp) adds the tap.
        let ifs = out(
            env,
            &[
                "run",
                "--rm",
                "--network",
                "none",
                "app",
                "sh",
                "-c",
                "ls /sys/class/net",
            ],
        );
        assert_eq!(ifs, "lo");
        let ifs = out(
            env,
            &["run", "--rm", "app", "sh", "-c", "ls /sys/class/net"],
        );
        assert_eq!(ifs, "lo\ntap0");
        // --init: the command is not pid 1.
        assert_eq!(
            out(
                env,
                &["run", "--rm", "--init", "app", "sh", "-c", "echo $$"]
            ),
            "2"
        );
        // The init holds no more than the command: not dumpable, same caps.
        let init_caps = out(
            env,
            &[
                "run",
                "--rm",
                "--init",
                "app",
                "sh",
                "-c",
                "grep CapEff /proc/1/status",
            ],
        );
        assert!(init_caps.ends_with("00000000800405fb"), "{init_caps}");
        // Descriptors cove inherits do not reach the container.
        let script = format!(
            "exec 7</ ; exec {} run --rm app ls /proc/self/fd",
            common::cove_binary().display()
        );
        let fds = env
            .command(std::path::Path::new("/bin/sh"), &["-c", &script])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let listed: Vec<String> = stdout(&fds)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        assert_eq!(listed, vec!["0", "1", "2", "3"], "{}", stderr(&fds));
        // A device node in an image opens nothing (nodev; rootless images
        // cannot even hold one).
        let e = env.run(&[
            "run",
            "--rm",
            "app",
            "sh",
            "-c",
            "test -c /nulldev && echo x > /nulldev",
        ]);
        assert_ne!(
            e.status.code(),
            Some(0),
            "a device node in the image worked"
        );
        // --device binds a host device.
        assert_eq!(
            out(
                env,
                &[
                    "run",
                    "--rm",
                    "--device",
                    "/dev/null:/dev/mynull",
                    "app",
                    "sh",
                    "-c",
                    "echo x > /dev/mynull && echo ok"
                ]
            ),
            "ok"
        );
    });
}

#[test]
fn read_only_tmpfs_and_volumes() {
    each(|env| {
        let e = env.run(&["run", "--rm", "--read-only", "app", "touch", "/x"]);
        assert_ne!(e.status.code(), Some(0));
        assert!(
            stderr(&e).contains("Read-only file system"),
            "{}",
            stderr(&e)
        );
        env.ok(&["run", "--rm", "--read-only", "app", "touch", "/tmp/x"]);
        let fs = out(
            env,
            &[
                "run",
                "--rm",
                "--tmpfs",
                "/scratch:size=1m",
                "app",
                "sh",
                "-c",
                "touch /scratch/f && grep ' /scratch ' /proc/mounts",
            ],
        );
        assert!(fs.starts_with("tmpfs /scratch tmpfs"), "{fs}");

        // Bind mounts, read-write and read-only.
        let host_dir = env.dir.join("shared");
        std::fs::create_dir_all(&host_dir).unwrap();
        std::fs::write(host_dir.join("in"), "host").unwrap();
        if let Mode::User { uid, gid, .. } = &env.mode {
            std::process::Command::new("chown")
                .args(["-R", &format!("{uid}:{gid}")])
                .arg(&host_dir)
                .status()
                .unwrap();
        }
        let spec = format!("{}:/mnt", host_dir.display());
        assert_eq!(
            out(
                env,
                &[
                    "run",
                    "--rm",
                    "-v",
                    &spec,
                    "app",
                    "sh",
                    "-c",
                    "cat /mnt/in; echo out > /mnt/out"
                ]
            ),
            "host"
        );
        assert_eq!(
            std::fs::read_to_string(host_dir.join("out"))
                .unwrap()
                .trim(),
            "out"
        );
        let e = env.run(&[
            "run",
            "--rm",
            "-v",
            &format!("{spec}:ro"),
            "app",
            "touch",
            "/mnt/x",
        ]);
        assert!(
            stderr(&e).contains("Read-only file system"),
            "{}",
            stderr(&e)
        );
        let e = env.fails(
            &["run", "--rm", "-v", "/no/such/dir:/mnt", "app", "true"],
            125,
        );
        assert!(e.contains("/no/such/dir"), "{e}");

        // A named volume is filled from the image on first use and its
        // data survives the container.
        assert_eq!(
            out(
                env,
                &[
                    "run",
                    "--rm",
                    "-v",
                    "vol1:/seed",
                    "app",
                    "cat",
                    "/seed/file"
                ]
            ),
            "from-image"
        );
        env.ok(&[
            "run",
            "--rm",
            "-v",
            "vol1:/seed",
            "app",
            "sh",
            "-c",
            "echo kept > /seed/new",
        ]);
        assert_eq!(
            out(
                env,
                &["run", "--rm", "-v", "vol1:/seed", "app", "cat", "/seed/new"]
            ),
            "kept"
        );
        assert_eq!(out(env, &["volume", "ls", "-q"]), "vol1");
        // --mount type=volume and type=tmpfs.
        assert_eq!(
            out(
                env,
                &[
                    "run",
                    "--rm",
                    "--mount",
                    "type=volume,source=vol1,destination=/v,ro",
                    "app",
                    "cat",
                    "/v/new"
                ]
            ),
            "kept"
        );
        // Anonymous volumes go with --rm.
        env.ok(&["run", "--rm", "-v", "/anon", "app", "touch", "/anon/f"]);
        assert_eq!(out(env, &["volume", "ls", "-q"]), "vol1");
        assert_no_containers(env);
    });
}

#[test]
fn signals_are_forwarded() {
    for mode in modes() {
        let (env, _registry) = setup(&mode, &drivers()[0]);
        let mut child = env
            .cove(&["run", "--rm", "--init", "app", "sleep", "100"])
            .spawn()
            .unwrap();
        // Wait until the container runs, then signal cove itself.
        let state_dir = env.store_root().join("containers");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let running = std::fs::read_dir(&state_dir)
                .into_iter()
                .flatten()
                .flatten()
                .any(|e| {
                    std::fs::read_to_string(e.path().join("state.json"))
                        .is_ok_and(|s| s.contains("running"))
                });
            if running || std::time::Instant::now() > deadline {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(143), "[{}]", mode.label());
        assert_no_containers(&env);
    }
}

#[test]
fn concurrent_runs_all_succeed() {
    for mode in modes() {
        let (env, _registry) = setup(&mode, &drivers()[0]);
        let handles: Vec<_> = (0..12)
            .map(|i| {
                let mut cmd = env.cove(&["run", "--rm", "app", "sh", "-c", &format!("echo {i}")]);
                std::thread::spawn(move || cmd.output().unwrap())
            })
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            let o = h.join().unwrap();
            assert!(o.status.success(), "[{}] {}", mode.label(), stderr(&o));
            assert_eq!(stdout(&o).trim(), i.to_string());
        }
        assert_no_containers(&env);
    }
}

/// Start `cove run --name NAME ARGS…` in the background and wait until
/// the container runs.
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

#[test]
fn kill_and_wait() {
    for mode in modes() {
        let (env, _registry) = setup(&mode, &drivers()[0]);
        let mut child = run_in_background(&env, "k", &["--init", "app", "sleep", "100"]);
        // wait --condition running returns at once for a running one.
        assert_eq!(out(&env, &["wait", "--condition", "running", "k"]), "-1");
        assert_eq!(out(&env, &["kill", "-s", "TERM", "k"]), "k");
        assert_eq!(child.wait().unwrap().code(), Some(143));
        assert_eq!(out(&env, &["wait", "k"]), "143");
        let e = env.fails(&["kill", "k"], 125);
        assert!(e.contains("state improper"), "{e}");
        env.fails(&["kill", "nope"], 125);
        env.fails(&["kill", "-s", "NOSUCHSIG", "k"], 125);
        // wait blocks until a container stops.
        let mut child = run_in_background(&env, "w", &["app", "sh", "-c", "sleep 1; exit 7"]);
        assert_eq!(out(&env, &["wait", "--interval", "50ms", "w"]), "7");
        assert_eq!(child.wait().unwrap().code(), Some(7));
    }
}

#[test]
fn create_then_start_and_names() {
    each(|env| {
        let id = out(
            env,
            &[
                "create",
                "--name",
                "c1",
                "app",
                "sh",
                "-c",
                "echo run >> /log; cat /log | wc -l",
            ],
        );
        assert_eq!(id.len(), 64);
        let e = env.fails(&["create", "--name", "c1", "app", "true"], 125);
        assert!(e.contains("already in use"), "{e}");
        // The container keeps its filesystem between starts.
        assert_eq!(out(env, &["start", "-a", "c1"]), "1");
        assert_eq!(out(env, &["start", "-a", &id[..12]]), "2");
        env.fails(&["start", "-a", "nope"], 125);
        // Podman prints each name as it was given.
        assert_eq!(out(env, &["rm", "c1"]), "c1");
        env.fails(&["rm", "c1"], 1);
        env.ok(&["rm", "-i", "c1"]);
        // A running container needs -f.
        let mut running = env
            .cove(&["run", "--name", "busy", "app", "sleep", "100"])
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        // Not there yet (1), or starting/running (2): never removed.
        while std::time::Instant::now() < deadline {
            let e = env.run(&["rm", "busy"]);
            assert_ne!(e.status.code(), Some(0), "removed while starting");
            if e.status.code() == Some(2) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let e = env.fails(&["rm", "busy"], 2);
        assert!(e.contains("running"), "{e}");
        env.ok(&["rm", "-f", "busy"]);
        let status = running.wait().unwrap();
        assert_eq!(status.code(), Some(137));
        env.ok(&["create", "--name", "v", "-v", "/anon", "app", "true"]);
        assert_eq!(out(env, &["volume", "ls", "-q"]).lines().count(), 1);
        env.ok(&["rm", "-a", "-v"]);
        assert_eq!(out(env, &["volume", "ls", "-q"]), "");
        assert_no_containers(env);
    });
}

#[test]
fn keep_id_and_terminal() {
    for mode in modes() {
        let driver = drivers().remove(0);
        let (env, _registry) = setup(&mode, &driver);
        // -t through a real pty, with `script` as the user's terminal.
        let cmd = format!(
            "stty cols 91 rows 37; {} run --rm -t app sh -c 'tty; stty size'",
            common::cove_binary().display()
        );
        let output = env
            .command(
                std::path::Path::new("/usr/bin/script"),
                &["-qec", &cmd, "/dev/null"],
            )
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let text = stdout(&output);
        assert!(
            text.contains("/dev/pts/0"),
            "[{}] {text} {}",
            mode.label(),
            stderr(&output)
        );
        assert!(text.contains("37 91"), "[{}] {text}", mode.label());

        if let Mode::User { uid, .. } = &mode {
            let got = out(
                &env,
                &[
                    "run",
                    "--rm",
                    "--userns=keep-id",
                    "app",
                    "sh",
                    "-c",
                    "id -u; whoami; stat -c %u /home/user/owned",
                ],
            );
            let lines: Vec<&str> = got.lines().collect();
            assert_eq!(lines[0], uid.to_string());
            assert_eq!(lines[1], "covetest");
            assert_eq!(lines[2], "1000");
        } else {
            let e = env.fails(&["run", "--rm", "--userns=keep-id", "app", "true"], 125);
            assert!(e.contains("rootless"), "{e}");
        }
    }
}

#[test]
fn stdin_privileged_and_store_rules() {
    each(|env| {
        let got = env.run_with_stdin(
            &["run", "--rm", "-i", "app", "sh", "-c", "cat; echo done"],
            b"from-stdin\n",
        );
        assert_eq!(stdout(&got), "from-stdin\ndone\n", "{}", stderr(&got));
        // Without -i the container reads nothing.
        let got = env.run_with_stdin(&["run", "--rm", "app", "cat"], b"ignored\n");
        assert_eq!(stdout(&got), "");
        // --privileged: every capability this user has, nothing masked.
        let caps = out(
            env,
            &[
                "run",
                "--rm",
                "--privileged",
                "app",
                "grep",
                "CapEff",
                "/proc/self/status",
            ],
        );
        assert!(!caps.ends_with("00000000800405fb"), "{caps}");
        env.ok(&[
            "run",
            "--rm",
            "--privileged",
            "app",
            "unshare",
            "-U",
            "true",
        ]);
        // An image used by a container stays until the container goes.
        env.ok(&["create", "--name", "holder", "app", "true"]);
        let e = env.fails(&["rmi", "-a"], 2);
        assert!(e.contains("holder"), "{e}");
        let driver = out(env, &["info", "--format", "{{.Store.GraphDriverName}}"]);
        assert_eq!(&driver, env.driver.as_deref().unwrap());
    });
}

#[test]
fn hostile_image_symlinks_stay_inside() {
    let marker = format!("/tmp/cove-escape-{}", std::process::id());
    let layer = TarBuilder::new()
        .busybox_full()
        .symlink("etc/hosts", &format!("/../../../../..{marker}"))
        .symlink(
            "etc/hostname",
            "../../../../../../../etc/cove-escape-hostname",
        )
        .finish();
    let image = Image::new(vec![Layer::new(layer, Compression::Gzip)], false);
    for mode in modes() {
        for driver in drivers() {
            let registry = Registry::start();
            push(&registry, "evil", "1", &image);
            let env = Env::new(&mode).with_driver(&driver);
            let reference = format!("{}/evil:1", registry.host());
            env.ok(&["pull", "-q", &reference]);
            let got = out(
                &env,
                &[
                    "run",
                    "--rm",
                    &reference,
                    "sh",
                    "-c",
                    "grep -c localhost /etc/hosts",
                ],
            );
            assert_eq!(got, "2");
            assert!(
                !std::path::Path::new(&marker).exists(),
                "a file was created on the host"
            );
            assert!(!std::path::Path::new("/etc/cove-escape-hostname").exists());
        }
    }
}

#[test]
fn id_mapping_errors_and_single_id_fallback() {
    for mode in modes() {
        let (env, _registry) = setup(&mode, &drivers()[0]);
        if let Mode::User { .. } = mode {
            // Beyond the 65536 ids of /etc/subuid.
            let e = env.fails(&["run", "--rm", "-u", "70000", "app", "true"], 125);
            assert!(e.contains("subuid"), "{e}");
        }
    }
    if !nix::unistd::geteuid().is_root() {
        return;
    }
    // A user without /etc/subuid ranges still runs containers, as its own
    // uid only.
    let user = nix::unistd::User::from_name("covenoid")
        .ok()
        .flatten()
        .expect("user covenoid: run .ci/run");
    let mode = Mode::User {
        name: "covenoid".into(),
        uid: user.uid.as_raw(),
        gid: user.gid.as_raw(),
    };
    for driver in drivers() {
        let (env, _registry) = setup(&mode, &driver);
        assert_eq!(out(&env, &["run", "--rm", "app", "id", "-u"]), "0");
        // Files of other users in the image belong to the user here.
        assert_eq!(
            out(
                &env,
                &["run", "--rm", "app", "stat", "-c", "%u", "/home/user/owned"]
            ),
            "0"
        );
        let e = env.fails(&["run", "--rm", "-u", "1000", "app", "true"], 125);
        assert!(e.contains("subuid"), "{e}");
        let e = env.fails(&["run", "--rm", "--userns=keep-id", "app", "true"], 125);
        assert!(e.contains("/etc/subuid"), "{e}");
    }
}
