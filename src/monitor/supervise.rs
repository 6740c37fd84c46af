//! Process supervision: launching the container with the monitor's stdio,
//! reaping it, and the runs a monitor makes: one in the foreground
//! ([`run_foreground`]), as many as the restart policy says when detached.

use super::detached::{report, report_failure};
use super::event_loop::Monitor;
use super::health_checks::HealthChecks;
use super::input::Input;
use super::log::{LogDriver, Stream};
use super::restart::{Next, Restarts};
use super::terminal::UserTerminal;
use super::{health, trim, Supervised, STOP_MARKER};
use crate::context::Ctx;
use crate::runtime::{self, ContainerStdio, Launched};
use nix::unistd::Pid;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

/// One launch of the container.
pub(super) struct Running {
    pub pid: Pid,
    pub pidfd: Option<OwnedFd>,
    /// Output descriptors still open: the terminal, or stdout and stderr.
    pub outputs: Vec<(OwnedFd, Stream)>,
    /// Where input goes: the terminal or the stdin pipe.
    pub input: Input,
    pub tty: bool,
    pub exit_code: Option<i32>,
    pub exited_at: Option<Instant>,
}

impl Running {
    /// The container's terminal master, while it is open.
    pub fn terminal(&self) -> Option<BorrowedFd<'_>> {
        match self.tty {
            true => self.outputs.first().map(|(fd, _)| fd.as_fd()),
            false => None,
        }
    }
}

/// Run `target` once in this process, in the foreground (`run`, `start
/// -a`): its output goes to our stdout and stderr (and its log), or its
/// terminal is relayed to ours. Records it running (with the start time
/// returned) but not its exit: the caller decides between recording it
/// and removing the container. Returns (exit code, start time).
pub fn run_foreground(
    ctx: &Ctx,
    target: &dyn Supervised,
    stdin_open: bool,
) -> anyhow::Result<(i32, String)> {
    let mut monitor = Monitor::new(ctx, target, true, None)?;
    let mut running = match monitor.launch(stdin_open) {
        Ok(r) => r,
        Err(e) => {
            // The caller cleans up next: the user may interrupt that as
            // any command.
            monitor.unblock_signals();
            return Err(e);
        }
    };
    let started_at = target.record_running(running.pid, 0, monitor.network.published());
    if let Some(master) = running.terminal() {
        monitor.terminal = Some(UserTerminal::open(master, stdin_open)?);
    }
    let code = monitor.pump(&mut running)?;
    Ok((code, started_at?))
}

impl Monitor<'_> {
    /// Launch with the monitor's stdio: the terminal; or pipes (and a
    /// stdin pipe with `-i`); or, in the foreground without a log to
    /// write, our own stdio passed straight through.
    pub(super) fn launch(&mut self, stdin_open: bool) -> anyhow::Result<Running> {
        let settings = self.target.settings();
        let tty = settings.tty;
        let pipe = || nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC);
        let mut outputs = Vec::new();
        let mut input = None;
        // The container's ends, closed here once it has them.
        let mut theirs = Vec::new();
        let stdio = if tty {
            ContainerStdio::Inherit { keep_stdin: false }
        } else if self.foreground && settings.log.driver != LogDriver::K8sFile {
            ContainerStdio::Inherit {
                keep_stdin: stdin_open,
            }
        } else {
            let (out_r, out_w) = pipe()?;
            let (err_r, err_w) = pipe()?;
            let stdin = if !stdin_open {
                None
            } else if self.foreground {
                // The user's own stdin, passed straight through.
                Some(0)
            } else {
                let (in_r, in_w) = pipe()?;
                let raw = in_r.as_raw_fd();
                input = Some(in_w);
                theirs.push(in_r);
                Some(raw)
            };
            let stdio = ContainerStdio::Pipes {
                stdin,
                stdout: out_w.as_raw_fd(),
                stderr: err_w.as_raw_fd(),
            };
            outputs.push((out_r, Stream::Stdout));
            outputs.push((err_r, Stream::Stderr));
            theirs.push(out_w);
            theirs.push(err_w);
            stdio
        };
        let mut plan = self.target.launch_plan(stdio)?;
        self.network.apply(&mut plan);
        let Launched {
            pid,
            console,
            tap,
            bridge,
        } = runtime::launch(&plan, &self.old_mask)?;
        drop(plan);
        drop(theirs);
        if let Err(e) = self
            .network
            .start(tap, bridge, pid, &self.target.settings().dir)
        {
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            let _ = nix::sys::wait::waitpid(pid, None);
            return Err(e);
        }
        let settings = self.target.settings();
        if let Some(config) = &settings.health {
            health::reset(&settings.dir)?;
            self.health = HealthChecks::new(config);
        }
        if let Some(master) = console {
            if stdin_open {
                let dup = nix::unistd::dup(&master)?;
                let _ = nix::fcntl::fcntl(
                    &dup,
                    nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
                );
                input = Some(dup);
            }
            outputs.push((master, Stream::Stdout));
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
            input: Input::new(input),
            tty,
            exit_code: None,
            exited_at: None,
        })
    }

    /// Reap the container if it has exited.
    pub(super) fn try_reap(&mut self, run: &mut Running) {
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
            // Nobody is left to read more input.
            run.input.close();
        }
    }

    /// Detached: launch, report, supervise, and restart as the policy says.
    pub(super) fn run_with_restarts(
        &mut self,
        report_fd: &mut Option<OwnedFd>,
    ) -> anyhow::Result<i32> {
        let settings = self.target.settings();
        let stdin_open = settings.interactive;
        let rm = settings.rm;
        let dir = settings.dir.clone();
        let mut restarts = Restarts::new(settings.restart);
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
            let started_at = self.target.record_running(
                running.pid,
                restarts.count(),
                self.network.published(),
            )?;
            report(report_fd, &Ok(()));
            trim::drop_clean_file_pages();
            let code = self.pump(&mut running)?;
            if !dir.exists() {
                self.end_clients(code);
                return Ok(code);
            }
            let recorded = self.target.record_exit(started_at, code, restarts.count());
            self.end_clients(code);
            recorded?;
            let stopped = dir.join(STOP_MARKER).exists();
            match restarts.after_exit(code, started.elapsed(), stopped) {
                Next::Stop => {
                    if rm {
                        self.target.remove()?;
                    }
                    return Ok(code);
                }
                Next::RestartAfter(delay) => {
                    if !self.wait_before_restart(delay) {
                        return Ok(code);
                    }
                }
            }
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
}
