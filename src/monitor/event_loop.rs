//! The monitor's one poll loop ([`Monitor::pump`]), for every way a
//! container runs: over the signalfd (forwarded to the container; SIGWINCH
//! resizes its terminal), a pidfd for its exit, its output (the terminal
//! master, or its stdout and stderr pipes), its input, the user's terminal
//! in the foreground, the attach socket and its clients, the network
//! stack's descriptors, and timers for health checks. Output goes to the
//! log, to our own stdout/stderr in the foreground, and to clients.

use super::clients::{self, Client};
use super::health_checks::HealthChecks;
use super::log::{LogDriver, LogWriter, Stream};
use super::supervise::Running;
use super::terminal::UserTerminal;
use super::{attach, net, Settings, Supervised};
use crate::context::Ctx;
use crate::runtime;
use anyhow::Context;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::SigSet;
use nix::sys::signalfd::SignalFd;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixListener;
use std::time::{Duration, Instant};

/// How long to keep reading a terminal after the container exited: its
/// output is drained by then, unless something else holds the terminal.
const DRAIN_IDLE: Duration = Duration::from_millis(100);
/// The longest the output is drained after the exit.
const DRAIN_LIMIT: Duration = Duration::from_secs(2);

pub(super) struct Monitor<'a> {
    pub ctx: &'a Ctx,
    pub target: &'a dyn Supervised,
    signals: SignalFd,
    pub old_mask: SigSet,
    log: Option<LogWriter>,
    /// Copy output to this process's stdout and stderr.
    pub foreground: bool,
    /// The user's terminal, relayed to the container's (foreground `-t`).
    pub terminal: Option<UserTerminal<'static>>,
    pub listener: Option<UnixListener>,
    pub clients: Vec<Client>,
    pub buf: Vec<u8>,
    pub health: Option<HealthChecks>,
    pub network: net::Network,
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
            terminal: None,
            listener,
            clients: Vec::new(),
            buf: vec![0u8; 64 * 1024],
            health: None,
            network,
        })
    }

    /// Give the signals the monitor took back their old disposition.
    pub fn unblock_signals(&self) {
        let _ = nix::sys::signal::pthread_sigmask(
            nix::sys::signal::SigmaskHow::SIG_SETMASK,
            Some(&self.old_mask),
            None,
        );
    }

    /// Relay until the container has exited and its output is drained;
    /// returns its exit code.
    pub fn pump(&mut self, run: &mut Running) -> anyhow::Result<i32> {
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
            // Only descriptors we want something from go in: poll reports
            // a hangup even when asked for nothing, which would spin.
            let mut fds = vec![PollFd::new(self.signals.as_fd(), PollFlags::POLLIN)];
            let pidfd_slot = match (&run.pidfd, run.exit_code) {
                (Some(fd), None) => add(&mut fds, fd.as_fd(), PollFlags::POLLIN),
                _ => None,
            };
            let outputs_from = fds.len();
            for (fd, _) in &run.outputs {
                fds.push(PollFd::new(fd.as_fd(), PollFlags::POLLIN));
            }
            let input_slot = match run.input.waiting() {
                Some(fd) => add(&mut fds, fd, PollFlags::POLLOUT),
                None => None,
            };
            // The user types only once what they typed before is taken.
            let user_slot = match self.terminal.as_ref().and_then(|t| t.input()) {
                Some(fd) if run.input.is_open() && run.input.queued() == 0 => {
                    add(&mut fds, fd, PollFlags::POLLIN)
                }
                _ => None,
            };
            let listener_slot = match &self.listener {
                Some(l) => add(&mut fds, l.as_fd(), PollFlags::POLLIN),
                None => None,
            };
            let clients_from = fds.len();
            // Input the container does not read is not taken in without
            // bound: clients wait.
            let take_input = Monitor::clients_may_type(run);
            for c in &self.clients {
                fds.push(PollFd::new(c.stream.as_fd(), c.events(take_input)));
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
            let ready = |slot: Option<usize>| slot.is_some_and(|i| !revents[i].is_empty());
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
            // Signals first: a resize that happened before some input was
            // typed reaches the container before that input.
            if !revents[0].is_empty() {
                self.handle_signals(run);
            }
            if ready(pidfd_slot) {
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
            if ready(input_slot) {
                run.input.flush();
            }
            if ready(user_slot) {
                self.read_user_input(run);
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
            if ready(listener_slot) {
                self.accept();
            }
        }
        if let Some(h) = self.health.as_mut() {
            h.stop();
        }
        self.network.stop();
        Ok(run.exit_code.unwrap_or(255))
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
                libc::SIGWINCH => {
                    if let (Some(t), Some(master)) = (&self.terminal, run.terminal()) {
                        t.copy_size(master);
                    }
                }
                // Once reaped, the pid may belong to someone else.
                signo if run.exit_code.is_none() => runtime::forward(run.pid, signo),
                _ => {}
            }
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
        clients::broadcast(&mut self.clients, kind, chunk);
        true
    }

    /// What the user typed on their terminal, to the container's.
    fn read_user_input(&mut self, run: &mut Running) {
        let (Some(terminal), Some(master)) = (self.terminal.as_mut(), run.input.fd()) else {
            return;
        };
        let mut buf = [0u8; 4096];
        let typed = terminal.read(master, &mut buf);
        if !typed.is_empty() {
            run.input.push(typed);
        }
    }
}

/// Add `fd` to a poll set; its index there.
fn add<'f>(fds: &mut Vec<PollFd<'f>>, fd: BorrowedFd<'f>, events: PollFlags) -> Option<usize> {
    fds.push(PollFd::new(fd, events));
    Some(fds.len() - 1)
}

/// The container's log, per its log driver.
fn open_log(settings: &Settings) -> anyhow::Result<Option<LogWriter>> {
    let cfg = &settings.log;
    match cfg.driver {
        LogDriver::K8sFile => Ok(Some(LogWriter::open(&settings.log_path, cfg.max_size)?)),
        LogDriver::None | LogDriver::Passthrough => Ok(None),
    }
}
