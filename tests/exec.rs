//! `cove exec`: a process joining a running container, as root and as an
//! unprivileged user with subuid ranges, with every storage driver.

mod common;

use common::fixtures::{push, Compression, Image, Layer, TarBuilder};
use common::registry::Registry;
use common::{drivers, modes, stderr, stdout, Env, Mode};
use serde_json::json;
use std::time::{Duration, Instant};

/// busybox (with a user 1000 in /etc/passwd and /etc/group), a group
/// listing that user, a directory, a non-executable file.
fn exec_image() -> Image {
    let layer = TarBuilder::new()
        .busybox_full()
        .file(
            "etc/group",
            b"root:x:0:\nuser:x:1000:\nextra:x:2000:user\n",
            0o644,
            0,
            0,
        )
        .dir("home", 0o755)
        .dir("home/user", 0o755)
        .dir("a", 0o755)
        .file("notexec", b"#!/bin/sh\necho no\n", 0o644, 0, 0)
        .finish();
    Image::for_platform(
        vec![Layer::new(layer, Compression::Gzip)],
        false,
        "amd64",
        None,
        json!({
            "Cmd": ["sh"],
            "Env": ["PATH=/bin", "FOO=from-image"],
            "WorkingDir": "/home",
        }),
    )
}

fn setup(mode: &Mode, driver: &str) -> (Env, Registry) {
    let registry = Registry::start();
    push(&registry, "app", "latest", &exec_image());
    let env = Env::new(mode).with_driver(driver);
    let reference = format!("{}/app:latest", registry.host());
    env.ok(&["pull", "-q", &reference]);
    env.ok(&["tag", &reference, "app"]);
    (env, registry)
}

fn out(env: &Env, args: &[&str]) -> String {
    env.ok(args).trim().to_string()
}

/// A `cove run` in the background, killed (and its container with it) if
/// a test fails before stopping it.
struct Background(Option<std::process::Child>);

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Start `cove run --name NAME ARGS…` in the background and wait until
/// the container runs.
fn run_in_background(env: &Env, name: &str, args: &[&str]) -> Background {
    let mut all = vec!["run", "--name", name];
    all.extend_from_slice(args);
    let mut child = env
        .cove(&all)
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if env
            .run(&["wait", "--condition", "running", "--interval", "20ms", name])
            .status
            .success()
        {
            return Background(Some(child));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("[{}] container {name} did not start", env.mode.label());
}

/// Stop the background container and reap its `cove run`.
fn stop(env: &Env, name: &str, mut running: Background) {
    env.ok(&["kill", name]);
    if let Some(mut child) = running.0.take() {
        let _ = child.wait();
    }
}

#[test]
fn exec_runs_in_the_container() {
    for mode in modes() {
        for driver in drivers() {
            let (env, _registry) = setup(&mode, &driver);
            let child = run_in_background(&env, "c", &["--init", "app", "sleep", "1000"]);
            check_exec(&env);
            stop(&env, "c", child);
            // Stopped, unknown: Podman's messages and 125.
            let e = env.fails(&["exec", "c", "true"], 125);
            assert!(
                e.contains("can only create exec sessions on running containers"),
                "{e}"
            );
            let e = env.fails(&["exec", "nosuch", "true"], 125);
            assert!(e.contains("no such container"), "{e}");
            // Created, never started.
            env.ok(&["create", "--name", "created", "app", "true"]);
            let e = env.fails(&["exec", "created", "true"], 125);
            assert!(e.contains("container state improper"), "{e}");
        }
    }
}

fn check_exec(env: &Env) {
    let label = env.mode.label();
    // Output, exit codes.
    assert_eq!(out(env, &["exec", "c", "echo", "hi"]), "hi");
    assert_eq!(
        out(env, &["container", "exec", "c", "echo", "alias"]),
        "alias"
    );
    env.fails(&["exec", "c", "sh", "-c", "exit 3"], 3);
    let e = env.fails(&["exec", "c", "/notexec"], 126);
    assert!(e.contains("permission denied"), "{e}");
    let e = env.fails(&["exec", "c", "no-such-command"], 127);
    assert!(e.contains("no-such-command"), "{e}");
    let e = env.fails(&["exec", "-w", "/nope", "c", "true"], 127);
    assert!(e.contains("/nope"), "{e}");
    env.fails(&["exec", "c", "sh", "-c", "kill -TERM $$"], 143);
    // Flags after the container belong to the command.
    assert_eq!(out(env, &["exec", "c", "echo", "-u", "x"]), "-u x");

    // Every namespace is the container's command's (pid 2, under the
    // init, whose own are hidden from the container), and we are not pid 1.
    let ns = out(
        env,
        &[
            "exec",
            "c",
            "sh",
            "-c",
            "for n in mnt pid uts ipc net cgroup user; do \
             [ $(readlink /proc/2/ns/$n) = $(readlink /proc/self/ns/$n) ] || echo differs $n; done; \
             echo pid $$; cat /proc/2/cmdline | tr '\\0' ' '",
        ],
    );
    assert!(!ns.contains("differs"), "[{label}] {ns}");
    assert!(!ns.contains("pid 1\n"), "[{label}] {ns}");
    assert!(ns.contains("sleep 1000"), "[{label}] {ns}");
    // The container's files, hostname and no descriptor of cove's.
    env.ok(&["exec", "c", "touch", "/a/made-by-exec"]);
    assert_eq!(
        out(env, &["exec", "c", "ls", "/a"]),
        "made-by-exec",
        "[{label}]"
    );
    let fds = out(env, &["exec", "c", "sh", "-c", "ls /proc/$$/fd; true"]);
    assert_eq!(fds.split_whitespace().collect::<Vec<_>>(), ["0", "1", "2"]);

    // stdin only with -i.
    let got = env.run_with_stdin(&["exec", "-i", "c", "sh", "-c", "cat; echo done"], b"in\n");
    assert_eq!(stdout(&got), "in\ndone\n", "[{label}] {}", stderr(&got));
    let got = env.run_with_stdin(&["exec", "c", "cat"], b"ignored\n");
    assert_eq!(stdout(&got), "", "[{label}]");

    // Environment: the image's, -e, --env-file (-e wins), working directory.
    let envfile = env.write_file("vars.env", b"# comment\nFROM_FILE=1\nBOTH=file\n");
    let got = out(
        env,
        &[
            "exec",
            "-e",
            "BAR=baz",
            "-e",
            "BOTH=flag",
            "--env-file",
            envfile.to_str().unwrap(),
            "c",
            "sh",
            "-c",
            "echo $FOO $BAR $FROM_FILE $BOTH $HOME $(pwd)",
        ],
    );
    assert_eq!(got, "from-image baz 1 flag /root /home", "[{label}]");
    assert_eq!(
        out(
            env,
            &["exec", "-e", "FOO=over", "c", "sh", "-c", "echo $FOO"]
        ),
        "over"
    );
    assert_eq!(out(env, &["exec", "-w", "/a", "c", "pwd"]), "/a");

    // Users: by id, by name (groups from /etc/group), HOME follows.
    assert_eq!(out(env, &["exec", "-u", "1000", "c", "id", "-u"]), "1000");
    assert_eq!(
        out(env, &["exec", "-u", "user", "c", "id"]),
        "uid=1000(user) gid=1000(user) groups=2000(extra)"
    );
    assert_eq!(
        out(env, &["exec", "-u", "user", "c", "sh", "-c", "echo $HOME"]),
        "/home/user"
    );
    assert_eq!(out(env, &["exec", "-u", "1000:0", "c", "id", "-g"]), "0");
    let e = env.fails(&["exec", "-u", "nobody-here", "c", "true"], 125);
    assert!(e.contains("nobody-here"), "{e}");
    // A user other than the container's has no capabilities.
    let caps = out(
        env,
        &[
            "exec",
            "-u",
            "1000",
            "c",
            "grep",
            "CapEff",
            "/proc/self/status",
        ],
    );
    assert!(caps.ends_with("0000000000000000"), "[{label}] {caps}");

    // Capabilities: the container's by default, all with --privileged;
    // seccomp stays (as Podman).
    let status = |extra: &[&str]| {
        let mut args = vec!["exec"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["c", "grep", "-E", "CapEff|Seccomp:", "/proc/self/status"]);
        out(env, &args)
    };
    let default = status(&[]);
    assert!(default.contains("00000000800405fb"), "[{label}] {default}");
    assert!(default.contains("Seccomp:\t2"), "[{label}] {default}");
    let privileged = status(&["--privileged"]);
    assert!(
        !privileged.contains("00000000800405fb"),
        "[{label}] {privileged}"
    );
    assert!(privileged.contains("ffffff"), "[{label}] {privileged}");

    // -d: returns at once, prints nothing, the command runs on.
    let started = env.ok(&[
        "exec",
        "-d",
        "c",
        "sh",
        "-c",
        "sleep 0.3; echo later > /a/detached",
    ]);
    assert_eq!(started, "");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = env.run(&["exec", "c", "cat", "/a/detached"]);
        if stdout(&got).trim() == "later" {
            break;
        }
        assert!(Instant::now() < deadline, "[{label}] -d never ran");
        std::thread::sleep(Duration::from_millis(50));
    }
    let e = env.fails(&["exec", "-d", "c", "no-such-command"], 127);
    assert!(e.contains("no-such-command"), "{e}");
    let e = env.fails(&["exec", "-dt", "c", "true"], 125);
    assert!(e.contains("--tty"), "{e}");
    env.fails(&["exec", "c"], 125);
}

#[test]
fn exec_terminal_and_signals() {
    for mode in modes() {
        let (env, _registry) = setup(&mode, &drivers()[0]);
        let label = mode.label();
        let child = run_in_background(&env, "c", &["--init", "app", "sleep", "1000"]);
        // -t through a real pty, with `script` as the user's terminal: a
        // terminal of the container's devpts, sized like the user's.
        let cmd = format!(
            "stty cols 91 rows 37; {} exec -t c sh -c 'tty; stty size; echo $TERM'",
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
            text.contains("/dev/pts/"),
            "[{label}] {text} {}",
            stderr(&output)
        );
        assert!(text.contains("37 91"), "[{label}] {text}");
        assert!(text.contains("xterm"), "[{label}] {text}");
        // -it: input typed reaches the command; its exit code comes back.
        let cmd = format!(
            "{} exec -it c sh -c 'read line; echo got $line; exit 5'",
            common::cove_binary().display()
        );
        let output = env
            .command(
                std::path::Path::new("/usr/bin/script"),
                &["-qec", &cmd, "/dev/null"],
            )
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                std::thread::sleep(Duration::from_millis(500));
                c.stdin.as_mut().unwrap().write_all(b"hello\n")?;
                c.wait_with_output()
            })
            .unwrap();
        let text = stdout(&output);
        assert!(text.contains("got hello"), "[{label}] {text}");
        assert_eq!(output.status.code(), Some(5), "[{label}] {text}");

        // Signals sent to `cove exec` reach the command.
        let mut exec = env
            .cove(&["exec", "c", "sleep", "77"])
            .stdin(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !out(&env, &["exec", "c", "ps"]).contains("sleep 77") {
            assert!(Instant::now() < deadline, "[{label}] exec never started");
            std::thread::sleep(Duration::from_millis(50));
        }
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(exec.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
        assert_eq!(exec.wait().unwrap().code(), Some(143), "[{label}]");
        assert!(!out(&env, &["exec", "c", "ps"]).contains("sleep 77"));
        stop(&env, "c", child);

        // Without --init the command is pid 1 and the one joined.
        let child = run_in_background(&env, "plain", &["app", "sleep", "1000"]);
        let ns = out(
            &env,
            &[
                "exec",
                "plain",
                "sh",
                "-c",
                "for n in mnt pid uts ipc net cgroup user; do \
                 [ $(readlink /proc/1/ns/$n) = $(readlink /proc/self/ns/$n) ] || echo differs $n; done",
            ],
        );
        assert_eq!(ns, "", "[{label}]");
        assert_eq!(
            out(&env, &["exec", "-u", "user", "plain", "whoami"]),
            "user"
        );
        stop(&env, "plain", child);
    }
}
