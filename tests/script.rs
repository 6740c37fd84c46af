//! Scripts written for Podman run unchanged: the command line's edges as
//! cobra parses them, Podman's global flags, and the everyday commands
//! scripts call, as root and as an unprivileged user.

mod common;

use common::fixtures::{push, Compression, Image, Layer, TarBuilder};
use common::registry::Registry;
use common::{modes, stderr, stdout, Env, Mode};

/// An env with busybox pulled and tagged `bb`.
fn setup(mode: &Mode) -> (Env, Registry) {
    let registry = Registry::start();
    let tar = TarBuilder::new()
        .busybox_full()
        .symlink("bin/date", "busybox")
        .symlink("bin/df", "busybox")
        .finish();
    let image = Image::new(vec![Layer::new(tar, Compression::Gzip)], false);
    push(&registry, "bb", "latest", &image);
    let env = Env::new(mode).with_driver("vfs");
    let reference = format!("{}/bb:latest", registry.host());
    env.ok(&["pull", "-q", &reference]);
    env.ok(&["tag", &reference, "bb"]);
    (env, registry)
}

#[test]
fn flags_parse_as_podman_parses_them() {
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        // A repeated single-value flag keeps the last; bools take =false.
        env.ok(&[
            "run",
            "--name",
            "first",
            "--name",
            "second",
            "--rm=false",
            "bb",
            "true",
        ]);
        let names = env.ok(&["ps", "-a", "--format", "{{.Names}}"]);
        assert_eq!(names.trim(), "second", "[{}]", mode.label());
        // Values that start with a dash are values of the flag before.
        env.ok(&["create", "--name", "dash", "--label", "-x=1", "bb"]);
        let label = env.ok(&[
            "inspect",
            "--format",
            "{{index .Config.Labels \"-x\"}}",
            "dash",
        ]);
        assert_eq!(label.trim(), "1");
        env.ok(&["rm", "dash"]);
        // Options after the image belong to the command.
        let out = env.ok(&["run", "--rm", "bb", "echo", "--rm", "-n"]);
        assert_eq!(out, "--rm -n\n");
        // Unknown flags: podman's text, exit 125, nothing run.
        let err = env.fails(&["run", "--no-such-flag", "bb", "true"], 125);
        assert_eq!(
            err,
            "Error: unknown flag: --no-such-flag\nSee 'cove run --help'\n"
        );
        let err = env.fails(&["ps", "-Z"], 125);
        assert!(
            err.starts_with("Error: unknown shorthand flag: 'Z' in -Z"),
            "{err}"
        );
        let err = env.fails(&["run", "--rm=maybe", "bb", "true"], 125);
        assert!(
            err.starts_with("Error: invalid argument \"maybe\" for \"--rm\" flag"),
            "{err}"
        );
        let err = env.fails(&["frobnicate"], 125);
        assert!(
            err.starts_with("Error: unrecognized command `cove frobnicate`"),
            "{err}"
        );
        // `help CMD` and -v.
        let out = env.ok(&["help", "run"]);
        assert!(out.contains("Usage: cove run"), "{out}");
        assert!(env.ok(&["-v"]).starts_with("cove version "));
        env.ok(&["rm", "second"]);
    }
}

#[test]
fn global_flags() {
    for mode in modes() {
        let env = Env::new(&mode);
        // --log-level: podman's names and shapes, bad names exit 1.
        let out = env.run(&["--log-level=debug", "version"]);
        let err = stderr(&out);
        assert!(err.contains(" level=debug "), "{err}");
        assert!(err.contains(" level=info "), "{err}");
        assert!(!err.contains(" level=trace "), "{err}");
        let out = env.run(&["--log-level=info", "version"]);
        let err = stderr(&out);
        assert!(
            err.contains(" level=info ") && !err.contains("level=debug"),
            "{err}"
        );
        for quiet in ["warn", "warning", "error", "fatal", "panic"] {
            let out = env.run(&["--log-level", quiet, "version"]);
            assert!(out.status.success());
            assert!(!stderr(&out).contains("level="), "{quiet}");
        }
        let err = env.fails(&["--log-level=telepathic", "version"], 1);
        assert!(err.starts_with("Log Level \"telepathic\" is not supported"));
        assert!(stderr(&env.run(&["-D", "version"])).contains(" level=debug "));
        let err = env.fails(&["--debug", "--log-level=info", "version"], 1);
        assert_eq!(
            err,
            "Error: Setting --log-level and --debug is not allowed\n"
        );
        // --noout and --out FILE take the command's standard output.
        let out = env.run(&["--noout", "version"]);
        assert!(out.status.success() && stdout(&out).is_empty());
        let file = env.dir.join("out.json");
        let out = env.run(&["--out", file.to_str().unwrap(), "version", "-f", "json"]);
        assert!(out.status.success() && stdout(&out).is_empty());
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert_eq!(v["Client"]["Version"], env!("CARGO_PKG_VERSION"));
        // Remote clients: a clear refusal.
        for args in [
            &["--remote", "version"][..],
            &["--url", "unix:///x.sock", "ps"],
            &["--connection", "x", "ps"],
        ] {
            let err = env.fails(args, 125);
            assert!(err.contains("remote is not supported"), "{err}");
        }
        env.ok(&["--context=default", "version"]);
        env.fails(&["--context=swarm", "version"], 125);
    }
}

#[test]
fn everyday_commands_as_scripts_call_them() {
    for mode in modes() {
        let (env, registry) = setup(&mode);
        let l = mode.label();
        // `container exists`: 0 or 1, nothing printed.
        env.ok(&["create", "--name", "/slashed", "bb", "sleep", "30"]);
        assert_eq!(
            env.run(&["container", "exists", "slashed"]).status.code(),
            Some(0)
        );
        let out = env.run(&["container", "exists", "nosuch"]);
        assert_eq!(out.status.code(), Some(1), "[{l}]");
        assert!(stdout(&out).is_empty() && stderr(&out).is_empty());
        // `ps --external` lists what `ps` lists.
        assert_eq!(
            env.ok(&["ps", "-a", "--external", "--format", "{{.Names}}"]),
            "slashed\n"
        );
        // start --all / --filter: stopped containers that match, by id.
        let always = env.ok(&["create", "--restart=always", "bb", "sleep", "30"]);
        let always = always.trim();
        let started = env.ok(&["start", "--filter", "restart-policy=always"]);
        assert_eq!(started.trim(), always, "[{l}]");
        assert_eq!(
            env.ok(&["start", "--filter", "restart-policy=no", "--all"])
                .trim()
                .len(),
            64
        );
        assert_eq!(
            env.ok(&["start", "--all"]),
            "",
            "[{l}] nothing left stopped"
        );
        let err = env.fails(
            &["start", "--filter", "restart-policy=fakepolicy", always],
            125,
        );
        assert_eq!(err, "Error: fakepolicy invalid restart policy\n");
        let err = env.fails(&["start", "--all", "slashed"], 125);
        assert!(err.contains("either start all containers or the container(s)"));
        // stop --timeout (podman's alias of --time); rm prints what it was given.
        env.ok(&["stop", "--timeout", "0", always]);
        assert_eq!(env.ok(&["rm", "-f", "-t", "0", "slashed"]), "slashed\n");
        assert_eq!(
            env.ok(&["rm", &always[..12]]),
            format!("{}\n", &always[..12])
        );
        // exec without a command: podman's words.
        let err = env.fails(&["exec", "nosuch"], 125);
        assert!(err.contains("must provide a non-empty command"), "{err}");
        // Top-level `untag`.
        let reference = format!("{}/bb:latest", registry.host());
        env.ok(&["untag", "bb", &reference]);
        let names = env.ok(&["images", "--format", "{{.Repository}}"]);
        assert_eq!(names, "localhost/bb\n", "[{l}]");
    }
}

#[test]
fn run_flags_scripts_pass() {
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        let l = mode.label();
        // --cidfile: the id, truncating what was there; gone with `rm`.
        let cidfile = env.write_file("cid", b"old content that is longer than an id ......");
        if let Mode::User { uid, gid, .. } = &mode {
            nix::unistd::chown(
                &cidfile,
                Some(nix::unistd::Uid::from_raw(*uid)),
                Some(nix::unistd::Gid::from_raw(*gid)),
            )
            .unwrap();
        }
        let id = env.ok(&[
            "create",
            "--cidfile",
            cidfile.to_str().unwrap(),
            "bb",
            "true",
        ]);
        assert_eq!(
            std::fs::read_to_string(&cidfile).unwrap(),
            id.trim(),
            "[{l}]"
        );
        env.ok(&["rm", id.trim()]);
        assert!(!cidfile.exists(), "[{l}] cidfile left behind");
        // --umask, --shm-size, --sysctl and --oom-score-adj reach the
        // container's process and namespaces.
        let out = env.ok(&[
            "run",
            "--rm",
            "--umask",
            "027",
            "--shm-size",
            "2m",
            "--sysctl",
            "net.ipv4.ip_default_ttl=33",
            "--sysctl",
            "kernel.shmmni=1234",
            "--oom-score-adj",
            "300",
            "bb",
            "sh",
            "-c",
            "umask; df -k /dev/shm | tail -n 1; cat /proc/sys/net/ipv4/ip_default_ttl \
             /proc/sys/kernel/shmmni /proc/self/oom_score_adj",
        ]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "0027", "[{l}] {out}");
        assert!(
            lines[1].split_whitespace().nth(1) == Some("2048"),
            "[{l}] {out}"
        );
        assert_eq!(&lines[2..], ["33", "1234", "300"], "[{l}] {out}");
        let err = env.fails(
            &["run", "--rm", "--sysctl", "vm.swappiness=1", "bb", "true"],
            125,
        );
        assert!(err.contains("is not allowed"), "[{l}] {err}");
        let err = env.fails(&["run", "--rm", "--umask", "9", "bb", "true"], 125);
        assert_eq!(err, "Error: invalid umask string 9: invalid argument\n");
        // --label-file, with --label winning over the file.
        let labels = env.write_file("labels", b"# comment\na=from-file\nb=2\n\n");
        env.ok(&[
            "create",
            "--name",
            "lab",
            "--label-file",
            labels.to_str().unwrap(),
            "-l",
            "a=flag",
            "bb",
        ]);
        let got = env.ok(&[
            "inspect",
            "--format",
            "{{.Config.Labels.a}} {{.Config.Labels.b}}",
            "lab",
        ]);
        assert_eq!(got.trim(), "flag 2", "[{l}]");
        env.ok(&["rm", "lab"]);
        // --tz: the zone's rules in /etc/localtime; the last --tz wins.
        if std::path::Path::new("/usr/share/zoneinfo/America/New_York").exists() {
            let out = env.ok(&[
                "run",
                "--rm",
                "--tz=Iceland",
                "--tz=America/New_York",
                "bb",
                "date",
                "-d",
                "@1600000000",
            ]);
            assert!(
                out.contains("08:26:40") && out.contains("EDT"),
                "[{l}] {out}"
            );
        }
        let err = env.fails(&["run", "--rm", "--tz=Nowhere/City", "bb", "true"], 125);
        assert_eq!(
            err,
            "Error: finding timezone: unknown time zone Nowhere/City\n"
        );
        let err = env.fails(
            &["run", "--rm", "--decryption-key=k.pem", "bb", "true"],
            125,
        );
        assert!(err.contains("does not support encrypted images"), "{err}");
    }
}

/// State letter of a host process (R, S, T...).
fn proc_state(pid: &str) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap();
    let (_, rest) = stat.rsplit_once(')').unwrap();
    rest.trim_start().chars().next().unwrap()
}

#[test]
fn pause_and_unpause() {
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        let l = mode.label();
        let script = "trap 'exit 0' TERM; while :; do sleep 0.1; done";
        env.ok(&["run", "-d", "--name", "p", "bb", "sh", "-c", script]);
        let pid = env.ok(&["inspect", "--format", "{{.State.Pid}}", "p"]);
        assert_eq!(env.ok(&["pause", "p"]), "p\n");
        assert_eq!(proc_state(&pid), 'T', "[{l}] first process stopped");
        let state = env.ok(&[
            "inspect",
            "--format",
            "{{.State.Status}} {{.State.Paused}}",
            "p",
        ]);
        assert_eq!(state.trim(), "paused true", "[{l}]");
        assert_eq!(env.ok(&["ps", "--format", "{{.Status}}"]).trim(), "Paused");
        assert_eq!(
            env.ok(&["ps", "--filter", "status=paused", "--format", "{{.Names}}"]),
            "p\n"
        );
        let err = env.fails(&["pause", "p"], 125);
        assert!(err.contains("is already paused"), "{err}");
        assert_eq!(env.ok(&["container", "unpause", "p"]), "p\n");
        assert_ne!(proc_state(&pid), 'T', "[{l}] continued");
        let err = env.fails(&["unpause", "p"], 125);
        assert!(err.contains("is not paused"), "{err}");
        // A paused container still stops on its stop signal.
        env.ok(&["pause", "--all"]);
        let started = std::time::Instant::now();
        env.ok(&["stop", "-t", "10", "p"]);
        assert!(
            started.elapsed().as_secs() < 5,
            "[{l}] stop waited for the timeout"
        );
        let code = env.ok(&["inspect", "--format", "{{.State.ExitCode}}", "p"]);
        assert_eq!(code.trim(), "0", "[{l}] exited on SIGTERM");
        let err = env.fails(&["pause", "p"], 125);
        assert!(err.contains("is not running, can't pause"), "{err}");
        env.ok(&["rm", "p"]);
    }
}

#[test]
fn events_are_recorded_and_shown() {
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        let l = mode.label();
        // A stream started first sees what happens next.
        let mut stream = env
            .cove(&["events", "--filter", "event=start", "--format", "{{.Name}}"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        env.ok(&["run", "--name", "e1", "bb", "true"]);
        env.ok(&["create", "--name", "e2", "bb", "sleep", "30"]);
        env.ok(&["start", "e2"]);
        env.ok(&["pause", "e2"]);
        env.ok(&["unpause", "e2"]);
        env.ok(&["rm", "-f", "-t", "0", "e2"]);
        // Concurrent commands: every event present, none torn.
        let handles: Vec<_> = (0..4)
            .map(|i| {
                env.cove(&["create", "--name", &format!("c{i}"), "bb"])
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut h in handles {
            assert!(h.wait().unwrap().success());
        }
        let out = env.ok(&["events", "--stream=false", "--format", "json"]);
        let events: Vec<serde_json::Value> = out
            .lines()
            .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
            .collect();
        let seq: Vec<String> = events
            .iter()
            .filter(|e| e["Name"] == "e2")
            .map(|e| e["Status"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            seq,
            ["create", "start", "pause", "unpause", "remove"],
            "[{l}]"
        );
        let created: Vec<&serde_json::Value> = events
            .iter()
            .filter(|e| e["Status"] == "create" && e["Name"].as_str().unwrap().starts_with('c'))
            .collect();
        assert_eq!(created.len(), 4, "[{l}]");
        let times: Vec<i64> = events
            .iter()
            .map(|e| e["timeNano"].as_i64().unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "[{l}] in order");
        // Filters, --since/--until, the default line.
        let starts = env.ok(&[
            "events",
            "--stream=false",
            "--filter",
            "event=start",
            "--filter",
            "container=e1",
            "--format",
            "{{.Status}} {{.Name}}",
        ]);
        assert_eq!(starts, "start e1\n", "[{l}]");
        assert_eq!(
            env.ok(&[
                "events",
                "--stream=false",
                "--since",
                "1h",
                "--until",
                "30m"
            ]),
            ""
        );
        let line = env.ok(&[
            "events",
            "--stream=false",
            "--filter",
            "container=e1",
            "--filter",
            "event=create",
        ]);
        assert!(
            line.contains(" container create ") && line.contains("name=e1"),
            "[{l}] {line}"
        );
        env.fails(&["events", "--stream=false", "--filter", "colour=red"], 125);
        // The stream printed the two starts, in order.
        std::thread::sleep(std::time::Duration::from_millis(300));
        stream.kill().unwrap();
        let out = stream.wait_with_output().unwrap();
        assert_eq!(stdout(&out), "e1\ne2\n", "[{l}]");
        for i in 0..4 {
            env.ok(&["rm", &format!("c{i}")]);
        }
        env.ok(&["rm", "e1"]);
    }
}
