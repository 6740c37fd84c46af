//! The container monitor: the process that is the container's parent for
//! as long as it runs. It reaps the container, records its exit, writes its
//! log, serves `attach` and applies the restart policy.
//!
//! In the foreground (`run`, `start -a`) the command itself is the monitor
//! and also copies the output to its own stdout and stderr. For `run -d`
//! and `start`, [`spawn`] double-forks a detached process (its own session,
//! stdio on /dev/null) that re-executes cove in its hidden
//! `container-monitor` mode ([`serve`]); the command returns once the
//! container runs, or with the reason it could not start.
//!
//! The container's lock is handed to the monitor as an inherited
//! descriptor, so the container is never without an owner; the kernel
//! releases it when the monitor dies, however it dies.

pub mod attach;
pub mod health;
pub mod log;
pub mod net;
pub mod restart;
mod trim;

use crate::context::Ctx;
use crate::error::exit_error;
use crate::network::ports::{PortMapping, PublishedPort};
use crate::network::NetworkMode;
use crate::runtime::{self, tty, ContainerStdio, LaunchPlan, Launched};
use anyhow::Context;
use log::{LogWriter, Stream};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::SigSet;
use nix::sys::signalfd::SignalFd;
use nix::unistd::Pid;
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::{Duration, Instant};

/// A file in the container's directory whose presence means "the user
/// stopped or killed it": the restart policy must not bring it back.
pub const STOP_MARKER: &str = "stopped-by-user";

/// How long to keep reading a terminal after the container exited: its
/// output is drained by then, unless something else holds the terminal.
const DRAIN_IDLE: Duration = Duration::from_millis(100);
/// The longest the output is drained after the exit.
const DRAIN_LIMIT: Duration = Duration::from_secs(2);

/// What the monitor supervises. The monitor runs, relays and restarts a
/// process; the container layer knows what that process is and keeps its
/// records, and implements this for the monitor.
pub trait Supervised {
    /// The settings the monitor acts on.
    fn settings(&self) -> &Settings;
    /// Everything the runtime needs to launch it once with `stdio`.
    fn launch_plan(&self, stdio: ContainerStdio) -> anyhow::Result<LaunchPlan>;
    /// Record that it runs as `pid` (restarted `restarts` times, with
    /// these published ports); returns the start time.
    fn record_running(
        &self,
        pid: Pid,
        restarts: u32,
        ports: &[PublishedPort],
    ) -> anyhow::Result<String>;
    /// Record its exit.
    fn record_exit(&self, started_at: String, code: i32, restarts: u32) -> anyhow::Result<()>;
    /// Record a launch that failed before its command ran.
    fn record_failed_start(&self, code: i32);
    /// Remove it (`--rm`), with what it alone used.
    fn remove(&self) -> anyhow::Result<()>;
}

/// What the monitor needs to know about what it supervises.
#[derive(Debug, Clone)]
pub struct Settings {
    pub id: String,
    /// Its directory: the stop marker and the health state live there;
    /// gone means removed.
    pub dir: std::path::PathBuf,
    pub tty: bool,
    /// Keep stdin open (`-i`).
    pub interactive: bool,
    /// Remove it once it stops for good (`--rm`).
    pub rm: bool,
    pub restart: restart::RestartPolicy,
    pub log: LogConfig,
    pub log_path: std::path::PathBuf,
    pub health: Option<health::HealthConfig>,
    pub network: NetworkMode,
    pub ports: Vec<PortMapping>,
}

/// Start the container `id` under a detached monitor and return once it
/// runs. `lock` (its lock, held by the caller) passes to the monitor.
pub fn spawn<L>(ctx: &Ctx, id: &str, lock: L) -> anyhow::Result<()>
where
    L: std::ops::Deref,
    L::Target: AsRawFd,
{
    let exe = CString::new("/proc/self/exe").unwrap();
    let lock_fd = lock.as_raw_fd();
    let (report_read, report_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let mut argv = vec![
        "cove".to_string(),
        "--root".into(),
        ctx.paths.root.to_string_lossy().into(),
        "--runroot".into(),
        ctx.paths.runroot.to_string_lossy().into(),
        "--log-level".into(),
        format!("{:?}", ctx.log_level).to_lowercase(),
        "container-monitor".into(),
        "--lock-fd".into(),
        lock_fd.to_string(),
        "--report-fd".into(),
        report_write.as_raw_fd().to_string(),
        id.to_string(),
    ];
    let argv: Vec<CString> = argv
        .drain(..)
        .map(|a| CString::new(a).context("a path with a NUL byte"))
        .collect::<anyhow::Result<_>>()?;
    // SAFETY: single-threaded; the children only call async-signal-safe
    // functions (setsid, fork, fcntl, dup2, open, execv, _exit).
    match unsafe { nix::unistd::fork() }.context("starting the container's monitor")? {
        nix::unistd::ForkResult::Child => {
            let _ = nix::unistd::setsid();
            // SAFETY: as above.
            match unsafe { nix::unistd::fork() } {
                Ok(nix::unistd::ForkResult::Child) => {
                    exec_monitor(&exe, &argv, &[lock_fd, report_write.as_raw_fd()])
                }
                // SAFETY: leave the intermediate child at once.
                _ => unsafe { libc::_exit(0) },
            }
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop(report_write);
            let _ = nix::sys::wait::waitpid(child, None);
            let mut report = Vec::new();
            use std::io::Read;
            let _ = std::fs::File::from(report_read).read_to_end(&mut report);
            match report.first() {
                Some(0) => {
                    // The monitor holds the lock now (same open file);
                    // unlocking here would unlock it for the monitor too.
                    std::mem::forget(lock);
                    Ok(())
                }
                Some(&code) => Err(exit_error(
                    code as i32,
                    String::from_utf8_lossy(&report[1..]).to_string(),
                )),
                None => Err(exit_error(
                    125,
                    "the container's monitor exited before the container started",
                )),
            }
        }
    }
}

/// The detached monitor's side of the fork: stdio on /dev/null, keep the
/// lock and report descriptors across exec, become cove's monitor mode.
fn exec_monitor(exe: &CString, argv: &[CString], keep: &[RawFd]) -> ! {
    // SAFETY: async-signal-safe calls on plain descriptors.
    unsafe {
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if null >= 0 {
            for fd in 0..3 {
                libc::dup2(null, fd);
            }
            if null > 2 {
                libc::close(null);
            }
        }
        // Nothing the caller had open (a CI runner's pipe, a directory
        // keeping a mount busy) stays open in a process that outlives it.
        libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        );
        for &fd in keep {
            libc::fcntl(fd, libc::F_SETFD, 0);
        }
        libc::chdir(c"/".as_ptr());
    }
    let _ = nix::unistd::execv(exe, argv);
    // SAFETY: leave without unwinding.
    unsafe { libc::_exit(127) }
}

/// Report the start's outcome to the command waiting in [`spawn`].
fn report(fd: &mut Option<OwnedFd>, result: &anyhow::Result<()>) {
    if let Some(fd) = fd.take() {
        let bytes = match result {
            Ok(()) => vec![0],
            Err(e) => {
                let mut b = vec![crate::error::exit_code(e).clamp(1, 255) as u8];
                b.extend_from_slice(crate::error::describe(e).as_bytes());
                b
            }
        };
        let _ = nix::unistd::write(&fd, &bytes);
    }
}

/// The descriptors `spawn` hands to the detached monitor.
pub struct Handoff {
    /// The container's lock, held for as long as the monitor lives.
    pub lock: OwnedFd,
    /// Where the start's outcome is reported.
    pub report: OwnedFd,
}

/// Take over the descriptors `spawn` handed to the `container-monitor`
/// command.
///
/// # Safety
/// `lock_fd` and `report_fd` must be the open descriptors `spawn` passed,
/// owned by nothing else in this process.
pub unsafe fn take_handoff(lock_fd: RawFd, report_fd: RawFd) -> Handoff {
    // SAFETY: per the function's contract.
    let (lock, report) = unsafe {
        (
            OwnedFd::from_raw_fd(lock_fd),
            OwnedFd::from_raw_fd(report_fd),
        )
    };
    for fd in [&lock, &report] {
        let _ = nix::fcntl::fcntl(
            fd,
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
        );
    }
    Handoff { lock, report }
}

/// The detached monitor: run `target` until it stops for good. `target`
/// is `Err` when the container could not even be found: the waiting
/// command is told why.
pub fn serve(
    ctx: &Ctx,
    handoff: Handoff,
    target: anyhow::Result<&dyn Supervised>,
) -> anyhow::Result<i32> {
    let Handoff {
        lock: _lock,
        report,
    } = handoff;
    let mut report_fd = Some(report);
    let setup = target.and_then(|t| {
        let listener = listen(ctx, &t.settings().id)?;
        Ok((t, listener))
    });
    let (target, listener) = match setup {
        Ok(s) => s,
        Err(e) => return report_failure(&mut report_fd, e),
    };
    let mut monitor = match Monitor::new(ctx, target, false, Some(listener)) {
        Ok(m) => m,
        Err(e) => return report_failure(&mut report_fd, e),
    };
    let code = monitor.run_with_restarts(&mut report_fd);
    let _ = std::fs::remove_dir_all(attach::runtime_dir(
        &ctx.paths.runroot,
        &target.settings().id,
    ));
    code
}

/// Tell the waiting command why the monitor could not start, and end.
fn report_failure(report_fd: &mut Option<OwnedFd>, e: anyhow::Error) -> anyhow::Result<i32> {
    let result = Err(e);
    report(report_fd, &result);
    result.map(|()| 125)
}

fn listen(ctx: &Ctx, id: &str) -> anyhow::Result<UnixListener> {
    let path = attach::socket_path(&ctx.paths.runroot, id);
    let dir = path.parent().unwrap();
    crate::sys::fsutil::create_dir_all_mode(dir, 0o700)?;
    let _ = std::fs::remove_file(&path);
    let (short, _dir) = attach::short_socket_path(&path)?;
    let listener = UnixListener::bind(&short)
        .with_context(|| format!("creating the attach socket {}", path.display()))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// A command attached over the socket.
struct Client {
    stream: UnixStream,
    frames: attach::FrameReader,
    /// Output not yet accepted by the socket.
    pending: Vec<u8>,
}

/// Input queued for a container that does not read it before clients
/// are made to wait.
const INPUT_BACKLOG: usize = 1 << 20;

/// Output a slow client may fall behind by before it is dropped.
const CLIENT_BACKLOG: usize = 4 << 20;

/// One launch of the container.
struct Running {
    pid: Pid,
    pidfd: Option<OwnedFd>,
    /// Output descriptors still open: the terminal, or stdout and stderr.
    outputs: Vec<(OwnedFd, Stream)>,
    /// Where attached input goes: the terminal or the stdin pipe.
    input: Option<OwnedFd>,
    /// Input not yet accepted by the container.
    pending_input: Vec<u8>,
    /// A client ended its input: close the pipe once the queue drains.
    input_eof: bool,
    tty: bool,
    exit_code: Option<i32>,
    exited_at: Option<Instant>,
}

/// The monitor's schedule of health checks: one `cove healthcheck run`
/// per interval, never two at once, killed if it overruns.
struct HealthRunner {
    interval: Duration,
    /// The check's own timeout plus slack for cove's start.
    limit: Duration,
    due: Instant,
    child: Option<(std::process::Child, Instant)>,
}

impl HealthRunner {
    fn new(config: &health::HealthConfig) -> Option<HealthRunner> {
        if config.interval.is_zero() {
            return None;
        }
        Some(HealthRunner {
            interval: config.interval,
            limit: config.timeout + Duration::from_secs(2),
            due: Instant::now() + config.interval,
            child: None,
        })
    }

    /// When the loop must wake up for us.
    fn next_wake(&self) -> Instant {
        match &self.child {
            Some((_, deadline)) => (*deadline).min(Instant::now() + Duration::from_millis(100)),
            None => self.due,
        }
    }

    fn tick(&mut self, ctx: &Ctx, id: &str) {
        let now = Instant::now();
        if let Some((child, deadline)) = &mut self.child {
            let finished = matches!(child.try_wait(), Ok(Some(_)) | Err(_));
            if !finished && now < *deadline {
                return;
            }
            if !finished {
                let _ = child.kill();
                let _ = child.wait();
            }
            self.child = None;
            self.due = now + self.interval;
            return;
        }
        if now < self.due {
            return;
        }
        let spawned = std::process::Command::new("/proc/self/exe")
            .arg("--root")
            .arg(&ctx.paths.root)
            .arg("--runroot")
            .arg(&ctx.paths.runroot)
            .args(["healthcheck", "run", id])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        match spawned {
            Ok(child) => self.child = Some((child, now + self.limit)),
            Err(_) => self.due = now + self.interval,
        }
    }

    fn stop(&mut self) {
        if let Some((mut child, _)) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub struct Monitor<'a> {
    ctx: &'a Ctx,
    target: &'a dyn Supervised,
    signals: SignalFd,
    old_mask: SigSet,
    log: Option<LogWriter>,
    /// Copy output to this process's stdout and stderr.
    foreground: bool,
    listener: Option<UnixListener>,
    clients: Vec<Client>,
    buf: Vec<u8>,
    health: Option<HealthRunner>,
    network: net::Network,
}

impl<'a> Monitor<'a> {
    pub fn new(
        ctx: &'a Ctx,
        target: &'a dyn Supervised,
        foreground: bool,
        listener: Option<UnixListener>,
    ) -> anyhow::Result<Monitor<'a>> {
        let settings = target.settings();
        let log = open_log(settings)?;
        let network = net::Network::prepare(&settings.network, &settings.ports)?;
        // A client that went away must cost an EPIPE, not the monitor (and
        // with it the container); children must be reapable whatever the
        // caller did with SIGCHLD. The container resets both.
        // SAFETY: installing SIG_IGN/SIG_DFL is always valid.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_IGN);
            libc::signal(libc::SIGCHLD, libc::SIG_DFL);
        }
        let (signals, old_mask) = runtime::block_signals()?;
        Ok(Monitor {
            ctx,
            target,
            signals,
            old_mask,
            log,
            foreground,
            listener,
            clients: Vec::new(),
            buf: vec![0u8; 64 * 1024],
            health: None,
            network,
        })
    }

    /// Launch with the monitor's stdio: pipes (and a stdin pipe with
    /// `-i`), or the terminal.
    fn launch(&mut self, stdin_open: bool) -> anyhow::Result<Running> {
        let tty = self.target.settings().tty;
        let pipe = || nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC);
        let (stdio, ours, theirs) = if tty {
            (
                ContainerStdio::Inherit { keep_stdin: false },
                vec![],
                vec![],
            )
        } else {
            let (out_r, out_w) = pipe()?;
            let (err_r, err_w) = pipe()?;
            let (stdin_fd, input, stdin_theirs) = if !stdin_open {
                (None, None, None)
            } else if self.foreground {
                // The user's own stdin, passed straight through.
                (Some(0), None, None)
            } else {
                let (in_r, in_w) = pipe()?;
                (Some(in_r.as_raw_fd()), Some(in_w), Some(in_r))
            };
            let stdio = ContainerStdio::Pipes {
                stdin: stdin_fd,
                stdout: out_w.as_raw_fd(),
                stderr: err_w.as_raw_fd(),
            };
            let mut theirs = vec![out_w, err_w];
            theirs.extend(stdin_theirs);
            (
                stdio,
                vec![
                    (Some((out_r, Stream::Stdout)), None),
                    (Some((err_r, Stream::Stderr)), None),
                    (None, input),
                ],
                theirs,
            )
        };
        let mut plan = self.target.launch_plan(stdio)?;
        self.network.apply(&mut plan);
        let Launched { pid, console, tap } = runtime::launch(&plan, &self.old_mask)?;
        drop(theirs);
        if let Err(e) = self.network.start(tap, pid) {
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            let _ = nix::sys::wait::waitpid(pid, None);
            return Err(e);
        }
        let settings = self.target.settings();
        if let Some(config) = &settings.health {
            health::reset(&settings.dir)?;
            self.health = HealthRunner::new(config);
        }
        let mut outputs = Vec::new();
        let mut input = None;
        for (out, inp) in ours {
            outputs.extend(out);
            if inp.is_some() {
                input = inp;
            }
        }
        if let Some(master) = console {
            let dup = nix::unistd::dup(&master)?;
            let _ = nix::fcntl::fcntl(
                &dup,
                nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
            );
            outputs.push((master, Stream::Stdout));
            if stdin_open {
                input = Some(dup);
            }
        }
        for (fd, _) in &outputs {
            crate::sys::fd::set_nonblocking(fd.as_fd())?;
        }
        if let Some(fd) = &input {
            crate::sys::fd::set_nonblocking(fd.as_fd())?;
        }
        Ok(Running {
            pid,
            pidfd: crate::sys::fd::pidfd_open(pid).ok(),
            outputs,
            input,
            pending_input: Vec::new(),
            input_eof: false,
            tty,
            exit_code: None,
            exited_at: None,
        })
    }

    /// Foreground: launch once, copy output to our stdout/stderr and the
    /// log, return the exit code. `on_started` runs once the command runs.
    pub fn run_once(
        &mut self,
        stdin_open: bool,
        on_started: impl FnOnce(Pid, &[PublishedPort]),
    ) -> anyhow::Result<i32> {
        let mut running = self.launch(stdin_open)?;
        on_started(running.pid, self.network.published());
        self.pump(&mut running)
    }

    /// Detached: launch, report, supervise, and restart as the policy says.
    fn run_with_restarts(&mut self, report_fd: &mut Option<OwnedFd>) -> anyhow::Result<i32> {
        let settings = self.target.settings();
        let policy = settings.restart;
        let stdin_open = settings.interactive;
        let rm = settings.rm;
        let dir = settings.dir.clone();
        let mut restarts = 0u32;
        let mut in_a_row = 0u32;
        loop {
            let launched = self.launch(stdin_open);
            let mut running = match launched {
                Ok(r) => r,
                Err(e) => {
                    let code = crate::error::exit_code(&e);
                    self.target.record_failed_start(code);
                    if report_fd.is_some() {
                        if rm {
                            let _ = self.target.remove();
                        }
                        return report_failure(report_fd, e);
                    }
                    return Ok(code);
                }
            };
            let started = Instant::now();
            let started_at =
                self.target
                    .record_running(running.pid, restarts, self.network.published())?;
            report(report_fd, &Ok(()));
            trim::drop_clean_file_pages();
            let code = self.pump(&mut running)?;
            if !dir.exists() {
                self.end_clients(code);
                return Ok(code);
            }
            let recorded = self.target.record_exit(started_at, code, restarts);
            self.end_clients(code);
            recorded?;
            let stopped = dir.join(STOP_MARKER).exists();
            if !policy.should_restart(code, restarts, stopped) {
                if rm {
                    self.target.remove()?;
                }
                return Ok(code);
            }
            if started.elapsed() >= restart::STABLE_RUN {
                in_a_row = 0;
            }
            if !self.wait_before_restart(restart::backoff(in_a_row)) {
                return Ok(code);
            }
            in_a_row += 1;
            restarts += 1;
        }
    }

    /// Sleep before a restart, giving up when the user stops the container
    /// or removes it meanwhile.
    fn wait_before_restart(&mut self, delay: Duration) -> bool {
        let dir = &self.target.settings().dir;
        let until = Instant::now() + delay;
        while Instant::now() < until {
            if dir.join(STOP_MARKER).exists() || !dir.exists() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20).min(until - Instant::now()));
        }
        !dir.join(STOP_MARKER).exists() && dir.exists()
    }

    /// Relay until the container has exited and its output is drained;
    /// returns its exit code.
    fn pump(&mut self, run: &mut Running) -> anyhow::Result<i32> {
        crate::sys::fd::set_nonblocking(self.signals.as_fd())?;
        self.try_reap(run);
        loop {
            if run.exit_code.is_some() && run.outputs.is_empty() && !self.network_draining(run) {
                break;
            }
            // Something outside the container may hold its terminal or
            // pipes and keep writing: the exit is recorded regardless.
            if run.exited_at.is_some_and(|t| t.elapsed() > DRAIN_LIMIT) {
                run.outputs.clear();
                continue;
            }
            let mut fds = vec![PollFd::new(self.signals.as_fd(), PollFlags::POLLIN)];
            let pidfd_slot = match (&run.pidfd, run.exit_code) {
                (Some(fd), None) => {
                    fds.push(PollFd::new(fd.as_fd(), PollFlags::POLLIN));
                    Some(fds.len() - 1)
                }
                _ => None,
            };
            let outputs_from = fds.len();
            for (fd, _) in &run.outputs {
                fds.push(PollFd::new(fd.as_fd(), PollFlags::POLLIN));
            }
            let input_slot = match &run.input {
                Some(fd) if !run.pending_input.is_empty() => {
                    fds.push(PollFd::new(fd.as_fd(), PollFlags::POLLOUT));
                    Some(fds.len() - 1)
                }
                _ => None,
            };
            let listener_slot = self.listener.as_ref().map(|l| {
                fds.push(PollFd::new(l.as_fd(), PollFlags::POLLIN));
                fds.len() - 1
            });
            let clients_from = fds.len();
            // Input the container does not read is not taken in without
            // bound: clients wait.
            let take_input = run.pending_input.len() < INPUT_BACKLOG;
            for c in &self.clients {
                let mut events = if take_input {
                    PollFlags::POLLIN
                } else {
                    PollFlags::empty()
                };
                if !c.pending.is_empty() {
                    events |= PollFlags::POLLOUT;
                }
                fds.push(PollFd::new(c.stream.as_fd(), events));
            }
            let net_wanted = self
                .network
                .stack()
                .map(|s| s.poll_fds())
                .unwrap_or_default();
            let net_from = fds.len();
            fds.extend(net::poll_entries(&net_wanted));
            let mut wait = match (run.exited_at, &self.health) {
                (Some(_), _) => Some(DRAIN_IDLE),
                (None, Some(h)) => Some(
                    h.next_wake().saturating_duration_since(Instant::now())
                        + Duration::from_millis(1),
                ),
                (None, None) => None,
            };
            if let Some(net_wait) = self.network.stack().and_then(|s| s.next_timeout()) {
                let net_wait = net_wait + Duration::from_micros(500);
                wait = Some(wait.map_or(net_wait, |w| w.min(net_wait)));
            }
            let timeout = wait
                .map(|w| PollTimeout::try_from(w).unwrap_or(PollTimeout::MAX))
                .unwrap_or(PollTimeout::NONE);
            let n = match poll(&mut fds, timeout) {
                Ok(n) => n,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e).context("waiting for the container"),
            };
            let revents: Vec<PollFlags> = fds
                .iter()
                .map(|f| f.revents().unwrap_or(PollFlags::empty()))
                .collect();
            let net_ready = net::ready(&net_wanted, &fds[net_from..]);
            drop(fds);
            if let Some(stack) = self.network.stack() {
                stack.process(&net_ready);
            }
            if let Some(h) = self.health.as_mut() {
                if run.exit_code.is_none() {
                    h.tick(self.ctx, &self.target.settings().id);
                }
            }
            if n == 0 {
                if run.exited_at.is_some() {
                    // Drained: nothing came for DRAIN_IDLE after the exit.
                    run.outputs.clear();
                }
                continue;
            }
            if !revents[0].is_empty() {
                self.handle_signals(run);
            }
            if pidfd_slot.is_some_and(|i| !revents[i].is_empty()) {
                self.try_reap(run);
            }
            let mut closed = Vec::new();
            for i in 0..run.outputs.len() {
                if revents[outputs_from + i].is_empty() {
                    continue;
                }
                if !self.read_output(run, i) {
                    closed.push(i);
                }
            }
            for i in closed.into_iter().rev() {
                run.outputs.remove(i);
            }
            if input_slot.is_some_and(|i| !revents[i].is_empty()) {
                write_input(run);
            }
            let mut gone = Vec::new();
            for i in 0..self.clients.len() {
                let ev = revents[clients_from + i];
                if ev.is_empty() {
                    continue;
                }
                if !self.serve_client(run, i, ev) {
                    gone.push(i);
                }
            }
            for i in gone.into_iter().rev() {
                self.clients.remove(i);
            }
            if listener_slot.is_some_and(|i| !revents[i].is_empty()) {
                self.accept();
            }
        }
        if let Some(h) = self.health.as_mut() {
            h.stop();
        }
        self.network.stop();
        Ok(run.exit_code.unwrap_or(255))
    }

    /// Tell attached clients the exit code and let them go. Called once
    /// the exit is recorded, so that a command run after `attach` returns
    /// sees the container exited.
    fn end_clients(&mut self, code: i32) {
        let exit = attach::frame(attach::EXIT, &code.to_le_bytes());
        for mut c in self.clients.drain(..) {
            c.pending.extend_from_slice(&exit);
            let _ = c.stream.set_nonblocking(false);
            let _ = c.stream.set_write_timeout(Some(Duration::from_secs(1)));
            use std::io::Write;
            let _ = c.stream.write_all(&c.pending);
        }
    }

    /// After the exit, whether connections the container opened are still
    /// handing their last bytes to the host (for a bounded time).
    fn network_draining(&mut self, run: &Running) -> bool {
        let exited_long_ago = run
            .exited_at
            .is_some_and(|t| t.elapsed() > net::DRAIN_LIMIT);
        !exited_long_ago
            && self
                .network
                .stack()
                .is_some_and(|s| s.tcp_connections() > 0)
    }

    fn handle_signals(&mut self, run: &mut Running) {
        while let Ok(Some(info)) = self.signals.read_signal() {
            match info.ssi_signo as i32 {
                libc::SIGCHLD => self.try_reap(run),
                libc::SIGWINCH => {}
                signo if run.exit_code.is_none() => runtime::forward(run.pid, signo),
                _ => {}
            }
        }
    }

    fn try_reap(&mut self, run: &mut Running) {
        if run.exit_code.is_some() {
            return;
        }
        let reaped = match runtime::reap(run.pid) {
            Ok(code) => code,
            // Reaped by someone else: the exit status is lost.
            Err(_) => Some(255),
        };
        if let Some(code) = reaped {
            run.exit_code = Some(code);
            run.exited_at = Some(Instant::now());
            run.input = None;
            run.pending_input.clear();
        }
    }

    /// Read one output descriptor; false once it is closed.
    fn read_output(&mut self, run: &Running, i: usize) -> bool {
        let (fd, stream) = &run.outputs[i];
        let stream = *stream;
        let n = match nix::unistd::read(fd.as_fd(), &mut self.buf) {
            Ok(0) => return false,
            Ok(n) => n,
            Err(nix::errno::Errno::EAGAIN | nix::errno::Errno::EINTR) => return true,
            // EIO: a terminal with no slave left.
            Err(_) => return false,
        };
        let chunk = &self.buf[..n];
        if let Some(log) = self.log.as_mut() {
            log.write(stream, chunk);
        }
        if self.foreground {
            let fd = if stream == Stream::Stdout { 1 } else { 2 };
            // SAFETY: our standard streams stay open.
            let _ = crate::sys::fd::write_all(unsafe { BorrowedFd::borrow_raw(fd) }, chunk);
        }
        let kind = if stream == Stream::Stdout {
            attach::STDOUT
        } else {
            attach::STDERR
        };
        if !self.clients.is_empty() {
            let framed = attach::frame(kind, chunk);
            self.clients.retain_mut(|c| {
                c.pending.extend_from_slice(&framed);
                flush_client(c);
                c.pending.len() < CLIENT_BACKLOG
            });
        }
        true
    }

    fn accept(&mut self) {
        let Some(listener) = &self.listener else {
            return;
        };
        while let Ok((stream, _)) = listener.accept() {
            if stream.set_nonblocking(true).is_ok() {
                self.clients.push(Client {
                    stream,
                    frames: attach::FrameReader::default(),
                    pending: Vec::new(),
                });
            }
        }
    }

    /// Handle a client's readiness; false when it is gone.
    fn serve_client(&mut self, run: &mut Running, i: usize, ev: PollFlags) -> bool {
        let client = &mut self.clients[i];
        if ev.contains(PollFlags::POLLOUT) {
            flush_client(client);
        }
        if !ev.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR) {
            return true;
        }
        let n = match nix::unistd::read(client.stream.as_fd(), &mut self.buf) {
            Ok(0) => return false,
            Ok(n) => n,
            Err(nix::errno::Errno::EAGAIN | nix::errno::Errno::EINTR) => return true,
            Err(_) => return false,
        };
        client.frames.push(&self.buf[..n]);
        loop {
            match client.frames.next_frame() {
                Ok(Some((attach::STDIN, data))) => {
                    if run.input.is_some() {
                        run.pending_input.extend_from_slice(&data);
                        write_input(run);
                    }
                }
                Ok(Some((attach::STDIN_EOF, _))) => {
                    // A pipe's end of input; a terminal has no such thing.
                    if !run.tty {
                        run.input_eof = true;
                        write_input(run);
                    }
                }
                Ok(Some((attach::RESIZE, size))) if size.len() == 4 => {
                    if run.tty {
                        let rows = u16::from_le_bytes([size[0], size[1]]);
                        let cols = u16::from_le_bytes([size[2], size[3]]);
                        if let Some((fd, _)) = run.outputs.first() {
                            tty::set_window_size(fd.as_fd(), rows, cols);
                        }
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => return true,
                Err(attach::Malformed) => return false,
            }
        }
    }
}

fn flush_client(client: &mut Client) {
    while !client.pending.is_empty() {
        match nix::unistd::write(&client.stream, &client.pending) {
            Ok(n) => {
                client.pending.drain(..n);
            }
            Err(nix::errno::Errno::EINTR) => {}
            Err(_) => return,
        }
    }
}

fn write_input(run: &mut Running) {
    let Some(fd) = &run.input else {
        run.pending_input.clear();
        return;
    };
    if run.pending_input.is_empty() && run.input_eof {
        run.input = None;
        return;
    }
    while !run.pending_input.is_empty() {
        match nix::unistd::write(fd, &run.pending_input) {
            Ok(n) => {
                run.pending_input.drain(..n);
            }
            Err(nix::errno::Errno::EINTR) => {}
            Err(nix::errno::Errno::EAGAIN) => return,
            Err(_) => {
                run.input = None;
                run.pending_input.clear();
                return;
            }
        }
    }
    if run.input_eof {
        run.input = None;
    }
}

/// The container's log, per its log driver.
fn open_log(settings: &Settings) -> anyhow::Result<Option<LogWriter>> {
    let cfg = &settings.log;
    match cfg.driver {
        LogDriver::K8sFile => Ok(Some(LogWriter::open(&settings.log_path, cfg.max_size)?)),
        LogDriver::None | LogDriver::Passthrough => Ok(None),
    }
}

/// `--log-driver`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogDriver {
    #[default]
    K8sFile,
    None,
    Passthrough,
}

impl LogDriver {
    pub fn parse(text: &str) -> anyhow::Result<LogDriver> {
        match text {
            "k8s-file" => Ok(LogDriver::K8sFile),
            "none" => Ok(LogDriver::None),
            "passthrough" => Ok(LogDriver::Passthrough),
            "journald" => Err(exit_error(
                125,
                "--log-driver journald: cove does not write to the journal; use k8s-file (the default), passthrough or none",
            )),
            _ => Err(exit_error(
                125,
                format!("--log-driver {text}: expected k8s-file, passthrough or none"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LogDriver::K8sFile => "k8s-file",
            LogDriver::None => "none",
            LogDriver::Passthrough => "passthrough",
        }
    }
}

/// The log settings recorded with a container.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct LogConfig {
    pub driver: LogDriver,
    /// `--log-opt max-size`: bytes.
    pub max_size: Option<u64>,
}

impl LogConfig {
    /// From `--log-driver` and `--log-opt` values.
    pub fn parse(driver: Option<&str>, opts: &[String]) -> anyhow::Result<LogConfig> {
        let mut cfg = LogConfig {
            driver: match driver {
                Some(d) => LogDriver::parse(d)?,
                None => LogDriver::K8sFile,
            },
            max_size: None,
        };
        for opt in opts {
            match opt.split_once('=') {
                Some(("max-size", v)) => {
                    let size = crate::util::size::parse_size(v)
                        .map_err(|e| exit_error(125, format!("--log-opt {opt}: {e:#}")))?;
                    cfg.max_size = (size > 0).then_some(size);
                }
                Some(("path", _)) | Some(("tag", _)) => {
                    return Err(exit_error(
                        125,
                        format!("--log-opt {opt}: not supported by cove; the log is always the container's ctr.log"),
                    ))
                }
                _ => {
                    return Err(exit_error(
                        125,
                        format!("--log-opt {opt}: expected max-size=SIZE"),
                    ))
                }
            }
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_config_parses() {
        let c = LogConfig::parse(None, &["max-size=1k".into()]).unwrap();
        assert_eq!(c.driver, LogDriver::K8sFile);
        assert_eq!(c.max_size, Some(1024));
        assert_eq!(
            LogConfig::parse(Some("none"), &[]).unwrap().driver,
            LogDriver::None
        );
        assert!(LogConfig::parse(Some("journald"), &[]).is_err());
        assert!(LogConfig::parse(None, &["max-file=3".into()]).is_err());
    }
}
