//! The container lifecycle of detached containers: `run -d`, `start`,
//! `stop`, `restart`, `kill`, `wait`, `logs`, `attach`, restart policies
//! and the monitor that keeps a container company once the command that
//! started it has gone. Real containers, as root and as an unprivileged
//! user, with both storage drivers where the container's files matter.

mod common;

use common::fixtures::{push, Compression, Image, Layer, TarBuilder};
use common::registry::Registry;
use common::{cove_binary, drivers, modes, stderr, stdout, Env, Mode};
use serde_json::json;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// busybox with a shell as its default command.
fn app_image() -> Image {
    let base = TarBuilder::new().busybox_full().finish();
    Image::for_platform(
        vec![Layer::new(base, Compression::Gzip)],
        false,
        "amd64",
        None,
        json!({ "Cmd": ["sh"], "Env": ["PATH=/bin"] }),
    )
}

/// An env with the image pulled as `app`.
fn setup(mode: &Mode, driver: &str) -> (Env, Registry) {
    let registry = Registry::start();
    push(&registry, "app", "latest", &app_image());
    let env = Env::new(mode).with_driver(driver);
    let reference = format!("{}/app:latest", registry.host());
    env.ok(&["pull", "-q", &reference]);
    env.ok(&["tag", &reference, "app"]);
    (env, registry)
}

/// Each mode with the first driver: for what does not depend on storage.
fn each_mode(f: impl Fn(&Env)) {
    for mode in modes() {
        let (env, _registry) = setup(&mode, &drivers()[0]);
        let guard = Cleanup(&env);
        f(&env);
        drop(guard);
        assert_nothing_running(&env);
    }
}

/// Each mode with each driver: for what touches the container's files.
fn each_driver(f: impl Fn(&Env)) {
    for mode in modes() {
        for driver in drivers() {
            let (env, _registry) = setup(&mode, &driver);
            let guard = Cleanup(&env);
            f(&env);
            drop(guard);
            assert_nothing_running(&env);
        }
    }
}

/// Removes every container of an env, also when a test fails half-way,
/// so no container outlives its test.
struct Cleanup<'a>(&'a Env);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let out = self.0.run(&["rm", "-af"]);
        if !std::thread::panicking() {
            assert!(
                out.status.success(),
                "[{}] rm -af failed: {}",
                self.0.mode.label(),
                stderr(&out)
            );
        }
    }
}

/// No monitor of this env's store is left (their command lines name the
/// store).
fn assert_nothing_running(env: &Env) {
    let root = env.store_root().to_string_lossy().into_owned();
    poll(
        env,
        "every monitor to exit",
        Duration::from_secs(10),
        || processes_mentioning(&root).is_empty(),
    );
}

fn label(env: &Env) -> String {
    format!(
        "[{} {}]",
        env.mode.label(),
        env.driver.as_deref().unwrap_or("")
    )
}

fn out(env: &Env, args: &[&str]) -> String {
    env.ok(args).trim().to_string()
}

fn inspect(env: &Env, container: &str, format: &str) -> String {
    out(env, &["inspect", "--format", format, container])
}

/// `cove run -d ARGS`: the printed id, checked to be 64 hex digits.
fn run_d(env: &Env, args: &[&str]) -> String {
    let mut all = vec!["run", "-d"];
    all.extend_from_slice(args);
    let id = env.ok(&all);
    assert!(
        id.len() == 65 && id.ends_with('\n') && is_hex_id(id.trim()),
        "{} run -d printed {id:?}",
        label(env)
    );
    id.trim().to_string()
}

fn is_hex_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Wait for `cond`, failing the test with `what` after `limit`.
fn poll(env: &Env, what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "{} timed out waiting for {what}",
            label(env)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Live processes whose command line contains `text`, as (pid, cmdline).
fn processes_mentioning(text: &str) -> Vec<(i32, String)> {
    let mut found = Vec::new();
    let me = std::process::id() as i32;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&raw).replace('\0', " ");
        if cmdline.contains(text) {
            found.push((pid, cmdline));
        }
    }
    found
}

/// The pids of the monitors of container `id`.
fn monitors_of(id: &str) -> Vec<i32> {
    processes_mentioning(id)
        .into_iter()
        .filter(|(_, c)| c.contains("container-monitor"))
        .map(|(p, _)| p)
        .collect()
}

/// A process that exists and is not a zombie.
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat_field(&stat, 3).is_some_and(|s| s != "Z"),
        Err(_) => false,
    }
}

/// Field `n` (1-based, as in proc(5)) of /proc/PID/stat.
fn stat_field(stat: &str, n: usize) -> Option<String> {
    let after_comm = &stat[stat.rfind(')')? + 2..];
    after_comm.split_whitespace().nth(n - 3).map(str::to_string)
}

fn session_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat_field(&stat, 6)?.parse().ok()
}

/// Where the monitor of container `id` keeps its attach socket.
fn runtime_dir(env: &Env, id: &str) -> std::path::PathBuf {
    env.runtime.join("cove").join("containers").join(id)
}

fn wait_child(env: &Env, child: &mut Child, limit: Duration, what: &str) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} {what} did not finish in {limit:?}", label(env));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A command on a new pseudo-terminal, as its session's controlling
/// terminal, the way a user's terminal runs it.
struct Pty {
    master: Option<OwnedFd>,
    child: Child,
    output: Vec<u8>,
}

impl Pty {
    fn spawn(mut cmd: Command) -> Pty {
        let size = nix::pty::Winsize {
            ws_row: 24,
            ws_col: 80,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let pty = nix::pty::openpty(Some(&size), None).unwrap();
        let slave = pty.slave;
        cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap();
        // The parent's copies of the slave go with `cmd`, so the master
        // sees a hangup once the child's session has closed it.
        drop(cmd);
        nix::fcntl::fcntl(
            &pty.master,
            nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
        )
        .unwrap();
        Pty {
            master: Some(pty.master),
            child,
            output: Vec::new(),
        }
    }

    fn write(&self, bytes: &[u8]) {
        let fd = self.master.as_ref().unwrap();
        let mut done = 0;
        while done < bytes.len() {
            match nix::unistd::write(fd, &bytes[done..]) {
                Ok(n) => done += n,
                Err(nix::errno::Errno::EAGAIN) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => panic!("writing to the terminal: {e}"),
            }
        }
    }

    /// Read what is there, waiting at most `wait`; false at end of output.
    fn pump(&mut self, wait: Duration) -> bool {
        let Some(fd) = self.master.as_ref() else {
            return false;
        };
        let mut fds = [nix::poll::PollFd::new(
            fd.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )];
        let ms = wait.as_millis().min(10_000) as u16;
        let _ = nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(ms));
        let mut buf = [0u8; 4096];
        loop {
            match nix::unistd::read(fd.as_fd(), &mut buf) {
                Ok(0) => return false,
                Ok(n) => self.output.extend_from_slice(&buf[..n]),
                Err(nix::errno::Errno::EAGAIN) => return true,
                // EIO: no slave open any more.
                Err(_) => return false,
            }
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }

    /// Wait until the output contains `needle`.
    fn expect(&mut self, env: &Env, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.text().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "{} terminal never showed {needle:?}; it showed {:?}",
                label(env),
                self.text()
            );
            self.pump(Duration::from_millis(50));
        }
    }

    /// Read until nothing more comes for a while (the shell waits at its
    /// prompt).
    fn settle(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let before = self.output.len();
            if !self.pump(Duration::from_millis(200)) || Instant::now() > deadline {
                return;
            }
            if self.output.len() == before {
                return;
            }
        }
    }

    /// Wait until the terminal is in raw mode (the attached command has
    /// taken it over): typed keys then go straight to it, not through
    /// the line discipline, which would swallow ctrl-q as XON.
    fn wait_raw(&mut self, env: &Env) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let attrs = nix::sys::termios::tcgetattr(self.master.as_ref().unwrap()).unwrap();
            if !attrs
                .local_flags
                .contains(nix::sys::termios::LocalFlags::ICANON)
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} the terminal never went raw; it showed {:?}",
                label(env),
                self.text()
            );
            self.pump(Duration::from_millis(20));
        }
    }

    fn wait(&mut self, env: &Env, what: &str) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                self.pump(Duration::ZERO);
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{} {what} did not return; the terminal showed {:?}",
                label(env),
                self.text()
            );
            self.pump(Duration::from_millis(20));
        }
    }

    /// Close the terminal, as a user closing its window.
    fn hang_up(&mut self) {
        self.master = None;
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `cove attach ARGS` on a new terminal.
fn attach_on_pty(env: &Env, args: &[&str]) -> Pty {
    let mut all = vec!["attach"];
    all.extend_from_slice(args);
    Pty::spawn(env.cove(&all))
}

// 1. run -d

#[test]
fn run_detached_outlives_its_command_and_terminal_then_leaves_nothing() {
    each_mode(|env| {
        // A user's terminal: a shell starts a detached container, and the
        // user closes the terminal (SIGHUP to the whole session). A
        // container that dies on SIGHUP shows whether it got one.
        let script = r#""$0" run -d --name keep app sh -c 'trap "exit 1" HUP; while :; do sleep 0.1; done' && echo launched && exec sleep 60"#;
        let bin = cove_binary().to_string_lossy().into_owned();
        let mut shell = Pty::spawn(env.command(Path::new("/bin/sh"), &["-c", script, &bin]));
        shell.expect(env, "launched");
        let session = shell.child.id() as i32;
        let text = shell.text();
        let id = text
            .split_whitespace()
            .find(|w| is_hex_id(w))
            .unwrap_or_else(|| panic!("{} no id in {text:?}", label(env)))
            .to_string();
        let monitors = monitors_of(&id);
        assert_eq!(monitors.len(), 1, "{} monitors: {monitors:?}", label(env));
        assert_ne!(
            session_of(monitors[0]),
            Some(session),
            "{} the monitor is in the terminal's session",
            label(env)
        );
        // SAFETY: signalling a process group we created.
        unsafe { libc::killpg(session, libc::SIGHUP) };
        shell.hang_up();
        shell.wait(env, "the shell");
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(inspect(env, "keep", "{{.State.Running}}"), "true");
        let ps = out(env, &["ps", "--format", "{{.Names}} {{.Status}}"]);
        assert!(ps.starts_with("keep Up"), "{} ps: {ps}", label(env));
        assert_eq!(monitors_of(&id), monitors);

        // `run -d` returns as soon as the container runs, not when it
        // ends, and keeps nothing of the caller's (its stdout pipe closes
        // at once, or this would wait 100 seconds).
        let started = Instant::now();
        let sleeper = run_d(env, &["--name", "sleeper", "app", "sleep", "100"]);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{} run -d took {:?}",
            label(env),
            started.elapsed()
        );
        assert_eq!(inspect(env, &sleeper, "{{.State.Running}}"), "true");
        assert_eq!(inspect(env, "sleeper", "{{.Id}}"), sleeper);

        // Once a container exits, nothing of it keeps running: no monitor,
        // no process, no runtime directory.
        let brief = run_d(env, &["app", "sh", "-c", "sleep 0.3; exit 4"]);
        let pid: i32 = inspect(env, &brief, "{{.State.Pid}}").parse().unwrap();
        assert!(pid > 0 && alive(pid), "{} pid {pid}", label(env));
        assert_eq!(out(env, &["wait", &brief]), "4");
        poll(env, "the monitor to exit", Duration::from_secs(5), || {
            processes_mentioning(&brief).is_empty() && !alive(pid)
        });
        assert!(
            !runtime_dir(env, &brief).exists(),
            "{} runtime dir left",
            label(env)
        );
        assert_eq!(inspect(env, &brief, "{{.State.Running}}"), "false");
        assert_eq!(inspect(env, &brief, "{{.State.ExitCode}}"), "4");

        // --rm: removed once it exits.
        let gone = run_d(env, &["--rm", "app", "sh", "-c", "sleep 0.2"]);
        poll(
            env,
            "the --rm container to go",
            Duration::from_secs(10),
            || !env.run(&["inspect", &gone]).status.success(),
        );
        poll(env, "its monitor to exit", Duration::from_secs(5), || {
            processes_mentioning(&gone).is_empty()
        });
        assert!(
            !runtime_dir(env, &gone).exists(),
            "{} runtime dir left",
            label(env)
        );
    });
}

// 2. logs

#[test]
fn logs_streams_follow_tail_timestamps_filters_and_size_cap() {
    each_mode(|env| {
        run_d(
            env,
            &[
                "--name",
                "io",
                "app",
                "sh",
                "-c",
                "echo out1; echo err1 >&2; echo out2",
            ],
        );
        run_d(
            env,
            &[
                "--name",
                "five",
                "app",
                "sh",
                "-c",
                "for i in 1 2 3 4 5; do echo n$i; done",
            ],
        );
        run_d(
            env,
            &[
                "--name",
                "timed",
                "app",
                "sh",
                "-c",
                "echo early; sleep 0.3; echo late",
            ],
        );
        // 300 lines of ~60 bytes (18 KiB), then a line on its own.
        run_d(
            env,
            &[
                "--name",
                "big",
                "--log-opt",
                "max-size=1k",
                "app",
                "sh",
                "-c",
                "for i in $(seq 1 300); do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done; sleep 0.3; echo last-line",
            ],
        );
        run_d(
            env,
            &[
                "--name",
                "quiet",
                "--log-driver",
                "none",
                "app",
                "echo",
                "hi",
            ],
        );
        run_d(
            env,
            &[
                "-i",
                "--name",
                "fol",
                "app",
                "sh",
                "-c",
                "echo one; read x; echo two-$x; exit 3",
            ],
        );
        assert_eq!(
            out(env, &["wait", "io", "five", "timed", "big", "quiet"]),
            "0\n0\n0\n0\n0"
        );

        // stdout and stderr each on its own stream.
        let got = env.run(&["logs", "io"]);
        assert!(got.status.success());
        assert_eq!(stdout(&got), "out1\nout2\n", "{}", label(env));
        assert_eq!(stderr(&got), "err1\n", "{}", label(env));

        // --tail
        assert_eq!(env.ok(&["logs", "--tail", "2", "five"]), "n4\nn5\n");
        assert_eq!(env.ok(&["logs", "--tail", "0", "five"]), "");
        assert_eq!(
            env.ok(&["logs", "--tail", "-1", "five"]),
            "n1\nn2\nn3\nn4\nn5\n"
        );

        // Several containers at once, each line with its container's name.
        let got = env.run(&["logs", "--names", "io", "five"]);
        assert!(got.status.success());
        let mut lines: Vec<String> = stdout(&got).lines().map(str::to_string).collect();
        lines.sort();
        assert_eq!(
            lines,
            ["five n1", "five n2", "five n3", "five n4", "five n5", "io out1", "io out2"],
            "{}",
            label(env)
        );
        assert_eq!(stderr(&got), "io err1\n");

        // -t: each line with the RFC 3339 time it was written.
        let stamped = env.ok(&["logs", "-t", "timed"]);
        let entries: Vec<(chrono::DateTime<chrono::FixedOffset>, String)> = stamped
            .lines()
            .map(|l| {
                let (time, text) = l.split_once(' ').unwrap();
                let time = chrono::DateTime::parse_from_rfc3339(time)
                    .unwrap_or_else(|e| panic!("{} bad time in {l:?}: {e}", label(env)));
                (time, text.to_string())
            })
            .collect();
        assert_eq!(entries.len(), 2, "{stamped}");
        assert_eq!(entries[0].1, "early");
        assert_eq!(entries[1].1, "late");
        let now = chrono::Utc::now().fixed_offset();
        let gap = entries[1].0 - entries[0].0;
        assert!(
            gap >= chrono::Duration::milliseconds(250) && gap < chrono::Duration::seconds(10),
            "{} gap {gap}",
            label(env)
        );
        assert!(
            (now - entries[0].0).num_seconds().abs() < 120,
            "{} log time {} far from now",
            label(env),
            entries[0].0
        );
        // --since and --until, both inclusive, in every spelling.
        let early = entries[0].0.to_rfc3339();
        let late = entries[1].0.to_rfc3339();
        assert_eq!(env.ok(&["logs", "--since", &late, "timed"]), "late\n");
        assert_eq!(env.ok(&["logs", "--until", &early, "timed"]), "early\n");
        assert_eq!(
            env.ok(&["logs", "--since", &early, "--until", &late, "timed"]),
            "early\nlate\n"
        );
        assert_eq!(env.ok(&["logs", "--since", "1h", "timed"]), "early\nlate\n");
        assert_eq!(
            env.ok(&["logs", "--since", "2000-01-01", "timed"]),
            "early\nlate\n"
        );
        assert_eq!(env.ok(&["logs", "--until", "2000-01-01", "timed"]), "");
        let unix_early = format!("{}", entries[0].0.timestamp() - 1);
        assert_eq!(
            env.ok(&["logs", "--since", &unix_early, "timed"]),
            "early\nlate\n"
        );
        let e = env.fails(&["logs", "--since", "yesterday", "timed"], 125);
        assert!(e.contains("yesterday"), "{e}");

        // --log-opt max-size keeps the file under the cap and the newest
        // output in it.
        let path = inspect(env, "big", "{{.HostConfig.LogConfig.Path}}");
        let size = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{} log {path}: {e}", label(env)))
            .len();
        assert!(size <= 1024, "{} log is {size} bytes", label(env));
        let kept = env.ok(&["logs", "big"]);
        assert!(kept.ends_with("last-line\n"), "{} kept: {kept}", label(env));
        assert!(!kept.contains("line-1-"), "{} kept: {kept}", label(env));

        // No log with --log-driver none.
        let e = env.fails(&["logs", "quiet"], 125);
        assert!(e.contains("none"), "{e}");

        // -f: what is there, then new output as it comes, until the
        // container exits. The container waits for input to go on.
        let mut follow = env
            .cove(&["logs", "-f", "fol"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut follow_out = follow.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
        let reader = std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = [0u8; 1024];
            while let Ok(n) = follow_out.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !String::from_utf8_lossy(&seen).contains("one\n") {
            assert!(
                Instant::now() < deadline,
                "{} logs -f never showed one",
                label(env)
            );
            if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(50)) {
                seen.extend(chunk);
            }
        }
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            follow.try_wait().unwrap().is_none(),
            "{} logs -f returned while the container runs",
            label(env)
        );
        let att = env.run_with_stdin(&["attach", "fol"], b"go\n");
        assert_eq!(
            att.status.code(),
            Some(3),
            "{} attach: {}",
            label(env),
            stderr(&att)
        );
        assert_eq!(stdout(&att), "two-go\n");
        let status = wait_child(env, &mut follow, Duration::from_secs(10), "logs -f");
        assert!(status.success(), "{} logs -f: {status}", label(env));
        reader.join().unwrap();
        seen.extend(rx.try_iter().flatten());
        assert_eq!(
            String::from_utf8_lossy(&seen),
            "one\ntwo-go\n",
            "{}",
            label(env)
        );
        // Following a stopped container prints its log and returns.
        assert_eq!(env.ok(&["logs", "-f", "fol"]), "one\ntwo-go\n");
    });
}

/// Podman 4 prefixes the lines of several containers with their short
/// ids, with their names only with `-n`/`--names`.
#[test]
fn logs_of_several_containers_are_prefixed_as_podman_does() {
    each_mode(|env| {
        let a = run_d(env, &["--name", "pa", "app", "echo", "a1"]);
        let b = run_d(env, &["--name", "pb", "app", "echo", "b1"]);
        env.ok(&["wait", "pa", "pb"]);
        let mut lines: Vec<String> = env
            .ok(&["logs", "pa", "pb"])
            .lines()
            .map(str::to_string)
            .collect();
        lines.sort();
        let mut want = vec![format!("{} a1", &a[..12]), format!("{} b1", &b[..12])];
        want.sort();
        assert_eq!(lines, want, "{}", label(env));
        let mut lines: Vec<String> = env
            .ok(&["logs", "-n", "pa", "pb"])
            .lines()
            .map(str::to_string)
            .collect();
        lines.sort();
        assert_eq!(lines, ["pa a1", "pb b1"], "{}", label(env));
        // One container: no prefix, even with --names.
        assert_eq!(env.ok(&["logs", "--names", "pa"]), "a1\n");
    });
}

/// Podman prints `logs -t` times in Go's RFC3339Nano: no trailing zeros
/// in the fraction and `Z` for UTC.
#[test]
fn logs_timestamps_are_formatted_as_podman_does() {
    each_mode(|env| {
        run_d(env, &["--name", "ts", "app", "sh", "-c", "echo a; echo b"]);
        env.ok(&["wait", "ts"]);
        let mut logs = env.cove(&["logs", "-t", "ts"]);
        logs.env("TZ", "UTC");
        let got = logs.stdin(Stdio::null()).output().unwrap();
        assert!(got.status.success());
        let re =
            regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?(Z|[+-]\d\d:\d\d)$")
                .unwrap();
        for line in stdout(&got).lines() {
            let (time, _) = line.split_once(' ').unwrap();
            assert!(re.is_match(time), "{} time {time:?}", label(env));
            assert!(
                !time.ends_with("+00:00"),
                "{} UTC is Z in Go: {time:?}",
                label(env)
            );
        }
    });
}

/// Podman reads a Unix time's fraction as exact nanoseconds: `--since`
/// the very time of a line includes that line.
#[test]
fn logs_since_a_unix_time_with_nanoseconds_is_exact() {
    each_mode(|env| {
        run_d(
            env,
            &[
                "--name",
                "un",
                "app",
                "sh",
                "-c",
                "echo early; sleep 0.3; echo late",
            ],
        );
        env.ok(&["wait", "un"]);
        let stamped = env.ok(&["logs", "-t", "un"]);
        let late = stamped.lines().nth(1).unwrap().split_once(' ').unwrap().0;
        let late = chrono::DateTime::parse_from_rfc3339(late).unwrap();
        let unix = format!("{}.{:09}", late.timestamp(), late.timestamp_subsec_nanos());
        assert_eq!(
            env.ok(&["logs", "--since", &unix, "un"]),
            "late\n",
            "{} --since {unix}",
            label(env)
        );
        assert_eq!(
            env.ok(&["logs", "--until", &unix, "un"]),
            "early\nlate\n",
            "{} --until {unix}",
            label(env)
        );
    });
}

// 3. exit codes

#[test]
fn exit_codes_are_recorded_and_waited_for() {
    each_mode(|env| {
        run_d(env, &["--name", "c0", "app", "true"]);
        run_d(env, &["--name", "c3", "app", "sh", "-c", "exit 3"]);
        run_d(env, &["--name", "c42", "app", "sh", "-c", "exit 42"]);
        run_d(env, &["--name", "ck", "app", "sleep", "100"]);
        assert_eq!(out(env, &["wait", "c0", "c3", "c42"]), "0\n3\n42");
        for (name, code) in [("c0", "0"), ("c3", "3"), ("c42", "42")] {
            assert_eq!(inspect(env, name, "{{.State.ExitCode}}"), code, "{name}");
            assert_eq!(inspect(env, name, "{{.State.Status}}"), "exited", "{name}");
        }
        // wait blocks while the container runs.
        let mut waiter = env
            .cove(&["wait", "ck"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            waiter.try_wait().unwrap().is_none(),
            "{} wait returned while ck runs",
            label(env)
        );
        assert_eq!(out(env, &["kill", "ck"]), "ck");
        wait_child(env, &mut waiter, Duration::from_secs(10), "wait ck");
        let got = waiter.wait_with_output().unwrap();
        assert_eq!(stdout(&got), "137\n", "{}", label(env));
        assert_eq!(inspect(env, "ck", "{{.State.ExitCode}}"), "137");
        // A command that cannot start: its exit code, and no container.
        let e = env.fails(
            &["run", "-d", "--name", "bad", "app", "no-such-command"],
            127,
        );
        assert!(e.contains("no-such-command"), "{e}");
        env.fails(&["inspect", "bad"], 125);
    });
}

// 4. restart policies

#[test]
fn restart_policies() {
    each_driver(|env| {
        // Fails twice, then succeeds: the counter lives in the
        // container's own files, which must survive its restarts.
        run_d(
            env,
            &[
                "--name",
                "flaky",
                "--restart",
                "on-failure",
                "app",
                "sh",
                "-c",
                "n=$(cat /c 2>/dev/null || echo 0); n=$((n+1)); echo $n > /c; echo run $n; [ $n -ge 3 ]",
            ],
        );
        let once = run_d(
            env,
            &[
                "--name",
                "once",
                "--restart",
                "on-failure:1",
                "app",
                "sh",
                "-c",
                "echo try; exit 4",
            ],
        );
        let always = run_d(
            env,
            &[
                "--name",
                "always",
                "--restart",
                "always",
                "app",
                "sh",
                "-c",
                "trap 'exit 0' TERM; echo tick; sleep 0.3 & wait; exit 0",
            ],
        );
        let flaky = inspect(env, "flaky", "{{.Id}}");
        poll(env, "flaky to finish", Duration::from_secs(20), || {
            monitors_of(&flaky).is_empty()
        });
        assert_eq!(inspect(env, "flaky", "{{.State.Status}}"), "exited");
        assert_eq!(inspect(env, "flaky", "{{.State.ExitCode}}"), "0");
        assert_eq!(inspect(env, "flaky", "{{.RestartCount}}"), "2");
        assert_eq!(env.ok(&["logs", "flaky"]), "run 1\nrun 2\nrun 3\n");
        assert_eq!(out(env, &["wait", "flaky"]), "0");

        poll(env, "once to finish", Duration::from_secs(20), || {
            monitors_of(&once).is_empty()
        });
        assert_eq!(inspect(env, "once", "{{.State.ExitCode}}"), "4");
        assert_eq!(inspect(env, "once", "{{.RestartCount}}"), "1");
        assert_eq!(env.ok(&["logs", "once"]), "try\ntry\n");

        // always: restarted after a clean exit too, until stopped.
        poll(
            env,
            "always to restart twice",
            Duration::from_secs(20),
            || {
                inspect(env, "always", "{{.RestartCount}}")
                    .parse::<u32>()
                    .unwrap()
                    >= 2
            },
        );
        let started = Instant::now();
        assert_eq!(out(env, &["stop", "always"]), "always");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{} stop took {:?}",
            label(env),
            started.elapsed()
        );
        let count = inspect(env, "always", "{{.RestartCount}}");
        // Its monitor ends rather than starting it again.
        poll(
            env,
            "always's monitor to exit",
            Duration::from_secs(5),
            || monitors_of(&always).is_empty(),
        );
        assert_eq!(inspect(env, "always", "{{.State.Running}}"), "false");
        assert_eq!(inspect(env, "always", "{{.RestartCount}}"), count);

        let e = env.fails(
            &["run", "-d", "--rm", "--restart", "always", "app", "true"],
            125,
        );
        assert!(e.contains("--rm") && e.contains("restart"), "{e}");
        assert_eq!(out(env, &["ps", "-aq"]).lines().count(), 3);
    });
}

/// As Podman, `wait` waits for a container to stop for good: a container
/// its restart policy brings back has not.
#[test]
fn wait_returns_once_the_restarts_are_over() {
    each_mode(|env| {
        let id = run_d(
            env,
            &[
                "--name",
                "w",
                "--restart",
                "on-failure:2",
                "app",
                "sh",
                "-c",
                "sleep 0.3; exit 3",
            ],
        );
        // Polling often, so as not to miss the pauses between restarts.
        assert_eq!(out(env, &["wait", "--interval", "10ms", "w"]), "3");
        assert_eq!(
            inspect(env, "w", "{{.RestartCount}}"),
            "2",
            "{} wait returned before the last restart",
            label(env)
        );
        poll(env, "the monitor to exit", Duration::from_secs(5), || {
            monitors_of(&id).is_empty()
        });
    });
}

// 5. attach

#[test]
fn attach_input_terminal_and_detach_keys() {
    each_mode(|env| {
        // Input through a pipe, its end, and the container's exit code.
        run_d(
            env,
            &[
                "-i",
                "--name",
                "cat",
                "app",
                "sh",
                "-c",
                "cat; echo end; exit 6",
            ],
        );
        let got = env.run_with_stdin(&["attach", "cat"], b"a\nb\n");
        assert_eq!(
            got.status.code(),
            Some(6),
            "{} {}",
            label(env),
            stderr(&got)
        );
        assert_eq!(stdout(&got), "a\nb\nend\n", "{}", label(env));
        let e = env.fails(&["attach", "cat"], 125);
        assert!(e.contains("running"), "{e}");

        // A terminal: typed commands run, their output comes back.
        run_d(env, &["-it", "--name", "tt", "app", "sh"]);
        let mut term = attach_on_pty(env, &["tt"]);
        term.wait_raw(env);
        // Quoted so that the echo of the typed line does not match.
        term.write(b"echo hel''lo\r");
        term.expect(env, "hello\r\n");
        // Detach while the container is quiet (a vanishing client while
        // it writes is the test after this one).
        term.settle();
        // ctrl-p ctrl-q: detached, exit 0, the container runs on.
        term.write(b"\x10\x11");
        let status = term.wait(env, "attach after ctrl-p ctrl-q");
        assert_eq!(status.code(), Some(0), "{} {}", label(env), term.text());
        assert_still_running(env, "tt");

        // Custom detach keys.
        let mut term = attach_on_pty(env, &["--detach-keys", "ctrl-a", "tt"]);
        term.wait_raw(env);
        term.write(b"echo wor''ld\r");
        term.expect(env, "world\r\n");
        term.settle();
        term.write(b"\x01");
        let status = term.wait(env, "attach after ctrl-a");
        assert_eq!(status.code(), Some(0), "{} {}", label(env), term.text());
        assert_still_running(env, "tt");

        // The shell still answers; exiting it ends attach with its code.
        let mut term = attach_on_pty(env, &["tt"]);
        term.wait_raw(env);
        term.write(b"exit 3\r");
        let status = term.wait(env, "attach until exit");
        assert_eq!(status.code(), Some(3), "{} {}", label(env), term.text());
        assert_eq!(out(env, &["wait", "tt"]), "3");
        env.fails(&["attach", "tt"], 125);
    });
}

/// `run -it` in the foreground: the command is the container's monitor and
/// relays the user's terminal in its loop: raw mode while it runs (^C is a
/// byte for the container's terminal), the window size at start and on
/// every resize, the container's exit code, the terminal put back.
#[test]
fn run_it_relays_the_terminal_in_the_monitor_loop() {
    each_mode(|env| {
        let mut term = Pty::spawn(env.cove(&["run", "-it", "--name", "fg", "app", "sh"]));
        term.wait_raw(env);
        // Quoted so that the echo of the typed line does not match.
        term.write(b"echo \"size $(stty size)\"\r");
        term.expect(env, "size 24 80\r\n");
        // The user resizes the window: the kernel sends SIGWINCH to cove
        // (the terminal's foreground process), which resizes the
        // container's terminal before it passes on what is typed next.
        let size = libc::winsize {
            ws_row: 40,
            ws_col: 120,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let master = term.master.as_ref().unwrap();
        // SAFETY: TIOCSWINSZ reads a struct winsize.
        let set = unsafe {
            libc::ioctl(
                std::os::fd::AsRawFd::as_raw_fd(master),
                libc::TIOCSWINSZ,
                &size,
            )
        };
        assert_eq!(set, 0);
        term.write(b"echo \"size $(stty size)\"\r");
        term.expect(env, "size 40 120\r\n");
        // ^C is a byte in raw mode: the container's terminal turns it into
        // SIGINT for its foreground job, and the shell lives on.
        term.write(b"sleep 100\r");
        term.settle();
        term.write(b"\x03");
        // (Typed only after the shell is back: the interrupt flushes the
        // terminal's pending input.)
        term.settle();
        term.write(b"echo al''ive\r");
        term.expect(env, "alive\r\n");
        term.write(b"exit 7\r");
        let status = term.wait(env, "run -it until exit");
        assert_eq!(status.code(), Some(7), "{} {}", label(env), term.text());
        let attrs = nix::sys::termios::tcgetattr(term.master.as_ref().unwrap()).unwrap();
        assert!(
            attrs.local_flags.contains(
                nix::sys::termios::LocalFlags::ICANON | nix::sys::termios::LocalFlags::ECHO
            ),
            "{} the terminal was left raw",
            label(env)
        );
        assert_eq!(out(env, &["wait", "fg"]), "7", "{}", label(env));
        let logged = env.ok(&["logs", "fg"]);
        assert!(logged.contains("alive"), "{} log: {logged:?}", label(env));
        env.ok(&["rm", "fg"]);
    });
}

/// An attached command that goes away (killed, its terminal closed) while
/// the container writes must not take the container down with it: the
/// monitor's next write to the dead client's socket fails with EPIPE and
/// must not raise a fatal SIGPIPE.
#[test]
fn attach_clients_that_vanish_leave_the_container_running() {
    each_mode(|env| {
        let id = run_d(
            env,
            &[
                "--name",
                "chatty",
                "--log-driver",
                "none",
                "app",
                "sh",
                "-c",
                "while :; do echo tick; done",
            ],
        );
        let monitor = monitors_of(&id);
        assert_eq!(monitor.len(), 1, "{} {monitor:?}", label(env));
        for round in 0..8 {
            let mut client = env
                .cove(&["attach", "chatty"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(150));
            assert!(
                client.try_wait().unwrap().is_none(),
                "{} attach ended",
                label(env)
            );
            client.kill().unwrap();
            client.wait().unwrap();
            std::thread::sleep(Duration::from_millis(150));
            assert!(
                alive(monitor[0]),
                "{} round {round}: the monitor died with its attach client; chatty is {}",
                label(env),
                inspect(env, "chatty", "{{.State.Status}} {{.State.ExitCode}}")
            );
            assert_still_running(env, "chatty");
        }
    });
}

/// The container runs; if not, what became of it.
fn assert_still_running(env: &Env, name: &str) {
    let state = inspect(env, name, "{{.State.Status}} {{.State.ExitCode}}");
    assert!(
        state.starts_with("running"),
        "{} {name} is {state}; its log: {:?}",
        label(env),
        stdout(&env.run(&["logs", name]))
    );
}

// 6. stop, restart, start

#[test]
fn stop_restart_and_start() {
    each_driver(|env| {
        // Counts its runs in its own files; exits 7 on SIGTERM.
        run_d(
            env,
            &[
                "--name",
                "trap",
                "app",
                "sh",
                "-c",
                "trap 'exit 7' TERM; echo x >> /runs; echo run $(wc -l < /runs); while :; do sleep 0.1; done",
            ],
        );
        // pid 1 without a handler: SIGTERM does nothing.
        run_d(env, &["--name", "deaf", "app", "sleep", "100"]);
        // Run n has set its trap once it has said so (a SIGTERM before
        // that would be ignored by pid 1).
        let runs = |n: usize| {
            let want: String = (1..=n).map(|i| format!("run {i}\n")).collect();
            poll(
                env,
                &format!("run {n} of trap"),
                Duration::from_secs(10),
                || env.ok(&["logs", "trap"]) == want,
            );
        };

        runs(1);
        let started = Instant::now();
        assert_eq!(out(env, &["stop", "trap"]), "trap");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{} stop took {:?}",
            label(env),
            started.elapsed()
        );
        assert_eq!(out(env, &["wait", "trap"]), "7");
        assert_eq!(inspect(env, "trap", "{{.State.ExitCode}}"), "7");

        let deaf_pid: i32 = inspect(env, "deaf", "{{.State.Pid}}").parse().unwrap();
        let started = Instant::now();
        assert_eq!(out(env, &["stop", "-t", "1", "deaf"]), "deaf");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_secs(1) && took < Duration::from_secs(4),
            "{} stop -t 1 took {took:?}",
            label(env)
        );
        assert_eq!(inspect(env, "deaf", "{{.State.ExitCode}}"), "137");
        assert!(!alive(deaf_pid), "{} pid {deaf_pid} lives on", label(env));

        // Stopping a stopped container is fine; an unknown one is not.
        assert_eq!(out(env, &["stop", "deaf"]), "deaf");
        let e = env.fails(&["stop", "nosuch"], 125);
        assert!(e.contains("nosuch"), "{e}");

        // start runs a stopped detached container again.
        assert_eq!(out(env, &["start", "deaf"]), "deaf");
        assert_eq!(inspect(env, "deaf", "{{.State.Running}}"), "true");
        let pid: i32 = inspect(env, "deaf", "{{.State.Pid}}").parse().unwrap();
        assert!(pid != deaf_pid && alive(pid), "{} pid {pid}", label(env));
        // start of a running one: nothing to do.
        assert_eq!(out(env, &["start", "deaf"]), "deaf");
        assert_eq!(inspect(env, "deaf", "{{.State.Pid}}"), pid.to_string());

        assert_eq!(out(env, &["start", "trap"]), "trap");
        let first: i32 = inspect(env, "trap", "{{.State.Pid}}").parse().unwrap();
        assert!(alive(first));
        runs(2);
        // restart: stopped and run again, with a new process.
        let started = Instant::now();
        assert_eq!(out(env, &["restart", "trap"]), "trap");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{} restart took {:?}",
            label(env),
            started.elapsed()
        );
        assert_eq!(inspect(env, "trap", "{{.State.Running}}"), "true");
        let second: i32 = inspect(env, "trap", "{{.State.Pid}}").parse().unwrap();
        assert!(
            second != first && alive(second),
            "{} pids {first} {second}",
            label(env)
        );
        assert!(!alive(first), "{} old pid {first} lives on", label(env));
        // Each run saw the files of the runs before.
        runs(3);
        // restart of a stopped container starts it.
        out(env, &["stop", "-t", "1", "deaf"]);
        assert_eq!(out(env, &["restart", "deaf"]), "deaf");
        assert_eq!(inspect(env, "deaf", "{{.State.Running}}"), "true");
    });
}

// 7. a killed monitor

#[test]
fn a_killed_monitor_leaves_an_exited_container() {
    each_mode(|env| {
        let id = run_d(env, &["--name", "k", "app", "sleep", "100"]);
        let pid: i32 = inspect(env, "k", "{{.State.Pid}}").parse().unwrap();
        let monitors = monitors_of(&id);
        assert_eq!(monitors.len(), 1, "{} {monitors:?}", label(env));
        // SAFETY: kill with plain integers.
        unsafe { libc::kill(monitors[0], libc::SIGKILL) };
        poll(env, "the container to die", Duration::from_secs(10), || {
            !alive(pid) && !alive(monitors[0])
        });
        let ps = out(env, &["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
        assert!(ps.starts_with("k Exited"), "{} ps: {ps}", label(env));
        assert_eq!(inspect(env, "k", "{{.State.Running}}"), "false");
        let e = env.fails(&["attach", "k"], 125);
        assert!(e.contains("running"), "{e}");
        // It can run again, and be removed without -f.
        assert_eq!(out(env, &["start", "k"]), "k");
        assert_eq!(inspect(env, "k", "{{.State.Running}}"), "true");
        let monitors = monitors_of(&id);
        assert_eq!(monitors.len(), 1, "{} {monitors:?}", label(env));
        // SAFETY: as above.
        unsafe { libc::kill(monitors[0], libc::SIGKILL) };
        poll(env, "ps to show k exited", Duration::from_secs(10), || {
            out(env, &["ps", "-a", "--format", "{{.Names}} {{.Status}}"]).starts_with("k Exited")
        });
        // Podman prints each name as it was given.
        assert_eq!(out(env, &["rm", "k"]), "k");
        poll(env, "nothing of k", Duration::from_secs(10), || {
            processes_mentioning(&id).is_empty()
        });
        assert!(
            !runtime_dir(env, &id).exists(),
            "{} rm left the runtime directory {}",
            label(env),
            runtime_dir(env, &id).display()
        );
    });
}

/// The refusal to attach to a container whose monitor died names the
/// state `ps` and `inspect` show (exited), not the stale "running".
#[test]
fn attach_after_the_monitor_died_names_the_real_state() {
    each_mode(|env| {
        let id = run_d(env, &["--name", "orphan", "app", "sleep", "100"]);
        let pid: i32 = inspect(env, "orphan", "{{.State.Pid}}").parse().unwrap();
        let monitors = monitors_of(&id);
        assert_eq!(monitors.len(), 1, "{} {monitors:?}", label(env));
        // SAFETY: kill with plain integers.
        unsafe { libc::kill(monitors[0], libc::SIGKILL) };
        poll(env, "the container to die", Duration::from_secs(10), || {
            !alive(pid) && !alive(monitors[0])
        });
        assert_eq!(inspect(env, "orphan", "{{.State.Status}}"), "exited");
        let e = env.fails(&["attach", "orphan"], 125);
        assert!(
            e.contains("exited") && !e.contains("is running"),
            "{} {e}",
            label(env)
        );
    });
}

// 8. names under concurrency

#[test]
fn concurrent_runs_with_one_name() {
    each_mode(|env| {
        let results: Vec<std::process::Output> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..20)
                .map(|_| {
                    s.spawn(|| env.run(&["run", "-d", "--name", "same", "app", "sleep", "100"]))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let won: Vec<&std::process::Output> =
            results.iter().filter(|o| o.status.success()).collect();
        assert_eq!(won.len(), 1, "{} {} succeeded", label(env), won.len());
        let id = stdout(won[0]).trim().to_string();
        assert!(is_hex_id(&id), "{id:?}");
        for lost in results.iter().filter(|o| !o.status.success()) {
            assert_eq!(lost.status.code(), Some(125), "{}", stderr(lost));
            let e = stderr(lost);
            assert!(
                e.contains("\"same\"") && e.contains("already in use"),
                "{} {e}",
                label(env)
            );
        }
        assert_eq!(out(env, &["ps", "-aq", "--no-trunc"]), id);
        assert_eq!(inspect(env, "same", "{{.State.Running}}"), "true");
    });
}

// 9. ps and inspect

#[test]
fn ps_and_inspect_show_detached_containers() {
    each_mode(|env| {
        run_d(env, &["--name", "up", "app", "sleep", "100"]);
        run_d(env, &["--name", "down", "app", "sh", "-c", "exit 2"]);
        assert_eq!(out(env, &["wait", "down"]), "2");
        let ps = out(env, &["ps", "--format", "{{.Names}} {{.Status}}"]);
        assert!(
            ps.starts_with("up Up ") && ps.lines().count() == 1,
            "{} ps: {ps}",
            label(env)
        );
        let all = out(env, &["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
        let mut lines: Vec<&str> = all.lines().collect();
        lines.sort();
        assert_eq!(lines.len(), 2, "{all}");
        assert!(lines[0].starts_with("down Exited (2) "), "{all}");
        assert!(lines[1].starts_with("up Up "), "{all}");
        assert_eq!(
            out(
                env,
                &[
                    "ps",
                    "-a",
                    "--filter",
                    "status=running",
                    "--format",
                    "{{.Names}}"
                ]
            ),
            "up"
        );
        assert_eq!(
            out(
                env,
                &[
                    "ps",
                    "-a",
                    "--filter",
                    "status=exited",
                    "--format",
                    "{{.Names}}"
                ]
            ),
            "down"
        );
        assert_eq!(inspect(env, "up", "{{.State.Running}}"), "true");
        assert_eq!(inspect(env, "up", "{{.State.Status}}"), "running");
        assert_eq!(inspect(env, "down", "{{.State.Running}}"), "false");
        assert_eq!(inspect(env, "down", "{{.State.Status}}"), "exited");
        let pid: i32 = inspect(env, "up", "{{.State.Pid}}").parse().unwrap();
        assert!(alive(pid));
    });
}

// 10. bad input

#[test]
fn bad_input_is_refused_clearly() {
    each_mode(|env| {
        for cmd in [
            vec!["stop", "ghost"],
            vec!["logs", "ghost"],
            vec!["attach", "ghost"],
            vec!["start", "ghost"],
            vec!["restart", "ghost"],
            vec!["wait", "ghost"],
        ] {
            let e = env.fails(&cmd, 125);
            assert!(
                e.contains("ghost") && e.contains("no such container"),
                "{} {cmd:?}: {e}",
                label(env)
            );
        }
        let e = env.fails(&["run", "-d", "--restart", "sometimes", "app", "true"], 125);
        assert!(e.contains("sometimes"), "{e}");
        let e = env.fails(
            &["run", "-d", "--log-driver", "passthrough", "app", "true"],
            125,
        );
        assert!(e.contains("passthrough"), "{e}");
        let e = env.fails(&["attach", "--detach-keys", "ctrl-1", "ghost"], 125);
        assert!(e.contains("ctrl-1"), "{e}");
        assert_eq!(
            out(env, &["ps", "-aq"]),
            "",
            "{} containers left",
            label(env)
        );
    });
}

#[test]
fn health_checks_move_between_states() {
    each_mode(|env| {
        run_d(
            env,
            &[
                "--name",
                "hc",
                "--health-cmd",
                "test -e /ok",
                "--health-interval",
                "1s",
                "--health-retries",
                "2",
                "app",
                "sleep",
                "100",
            ],
        );
        assert_eq!(inspect(env, "hc", "{{.State.Health.Status}}"), "starting");
        // The monitor's checks fail twice in a row: unhealthy.
        poll(env, "unhealthy", Duration::from_secs(10), || {
            inspect(env, "hc", "{{.State.Health.Status}}") == "unhealthy"
        });
        let ps = out(env, &["ps", "--format", "{{.Names}} {{.Status}}"]);
        assert!(ps.contains("hc Up") && ps.ends_with("(unhealthy)"), "{ps}");
        // A check by hand fails with exit 1 and says so.
        let o = env.run(&["healthcheck", "run", "hc"]);
        assert_eq!(o.status.code(), Some(1), "{}", label(env));
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "unhealthy");
        env.ok(&["exec", "hc", "sh", "-c", ": > /ok"]);
        env.ok(&["healthcheck", "run", "hc"]);
        assert_eq!(inspect(env, "hc", "{{.State.Health.Status}}"), "healthy");
        assert_eq!(inspect(env, "hc", "{{.State.Health.FailingStreak}}"), "0");
        // A container without a check, and a stopped one: 125.
        run_d(env, &["--name", "plain", "app", "sleep", "100"]);
        let e = env.fails(&["healthcheck", "run", "plain"], 125);
        assert!(e.contains("no defined healthcheck"), "{e}");
        env.ok(&["stop", "-t", "0", "hc"]);
        env.fails(&["healthcheck", "run", "hc"], 125);
        env.fails(
            &[
                "run",
                "--health-interval",
                "soon",
                "--health-cmd",
                "true",
                "app",
                "true",
            ],
            125,
        );
    });
}
