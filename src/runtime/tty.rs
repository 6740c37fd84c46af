//! The container's terminal for `cove run -t` and `cove exec -t`.
//!
//! The pseudo-terminal is allocated *inside* the container, from the
//! container's own devpts instance, so `tty` there prints `/dev/pts/0` and
//! nothing of the host's /dev/pts is needed. The child opens it after
//! pivot_root ([`open_container_console`]) and hands the master side to the
//! parent over a unix socket ([`socketpair_for_console`], [`send_fd`],
//! [`recv_fd`]). A container's monitor relays the master in its own loop,
//! with [`RawMode`], [`window_size`], [`set_window_size`] and
//! [`canonical_eof_char`] from here. `cove exec -t`, which has no monitor,
//! shuttles bytes between its own terminal and the master with [`relay`]
//! until the process has exited, forwarding the signals it is sent and
//! following the host terminal's size.
//!
//! ```text
//! // parent, before the clone:
//! let (parent_sock, child_sock) = crate::sys::fd::fd_socketpair()?;
//! // child, after pivot_root, before exec:
//! tty::open_container_console(child_sock.as_fd())?;
//! // parent, after the clone (drop its copy of child_sock first, so a
//! // child that dies early reads as an error instead of a hang):
//! let master = crate::sys::fd::recv_fd(parent_sock.as_fd())?;
//! let code = tty::relay(master, interactive, &mut signalfd, child_pid)?;
//! ```

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI32, AtomicU8, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::pty::{grantpt, ptsname_r, unlockpt, PtyMaster};
use nix::sys::signalfd::SignalFd;
use nix::sys::stat::Mode;
use nix::sys::termios::{self, LocalFlags, SetArg, SpecialCharacterIndices, Termios};
use nix::unistd::{self, Pid};

use crate::sys::fd::{pidfd_open, send_fd, set_nonblocking, write_all};

/// How long output may stay quiet after the container's main process has
/// been reaped before the relay stops waiting for the terminal to close.
/// With a pid namespace every holder of the terminal is dead by then and the
/// master reports EIO at once; this only bounds the wait when something
/// outside the namespace (or a container without one) keeps it open.
const DRAIN_IDLE: Duration = Duration::from_millis(250);

/// In the container, after pivot_root and before exec: allocate a terminal
/// from the container's /dev/ptmx, make it the controlling terminal of a new
/// session and the process's stdin, stdout and stderr, and send the master
/// to cove over `console_sock`.
///
/// Makes the caller a session leader (`setsid`), so it must not already
/// lead a process group. The socket is left open for the caller to drop
/// (it is close-on-exec). Allocates; meant for a single-threaded process.
pub fn open_container_console(console_sock: BorrowedFd<'_>) -> Result<()> {
    open_console(console_sock).context("opening the container's pseudo-terminal")
}

fn open_console(console_sock: BorrowedFd<'_>) -> Result<()> {
    let flags = OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC;
    let master =
        nix::fcntl::open("/dev/ptmx", flags, Mode::empty()).context("opening /dev/ptmx")?;
    // Keep both ends off 0-2 so the dup2s below cannot clobber them.
    let master = above_stdio(master)?;
    // SAFETY: the descriptor was just opened from /dev/ptmx.
    let master = unsafe { PtyMaster::from_owned_fd(master) };
    grantpt(&master).context("grantpt")?;
    unlockpt(&master).context("unlockpt")?;
    let slave = above_stdio(open_peer(&master)?)?;
    // Size the terminal from the user's before the command can ask for it;
    // the parent's relay follows later resizes.
    for host in [0, 1] {
        let mut size = std::mem::MaybeUninit::<libc::winsize>::zeroed();
        // SAFETY: TIOCGWINSZ fills a struct winsize; TIOCSWINSZ reads one.
        if unsafe { libc::ioctl(host, libc::TIOCGWINSZ, size.as_mut_ptr()) } == 0 {
            // SAFETY: TIOCSWINSZ reads the struct winsize just filled in.
            unsafe { libc::ioctl(slave.as_raw_fd(), libc::TIOCSWINSZ, size.as_ptr()) };
            break;
        }
    }
    unistd::setsid().context("starting a new session")?;
    // SAFETY: TIOCSCTTY takes an int by value (0: do not steal it from
    // another session).
    Errno::result(unsafe { libc::ioctl(slave.as_raw_fd(), libc::TIOCSCTTY, 0) })
        .context("making it the controlling terminal")?;
    send_fd(console_sock, master.as_fd()).context("passing the terminal to cove")?;
    drop(master);
    // dup2 leaves the new descriptors without close-on-exec, as the command
    // needs them.
    unistd::dup2_stdin(&slave).context("dup2 to stdin")?;
    unistd::dup2_stdout(&slave).context("dup2 to stdout")?;
    unistd::dup2_stderr(&slave).context("dup2 to stderr")?;
    Ok(())
}

/// Open the slave of `master`: by TIOCGPTPEER (Linux 4.13+), which needs no
/// path and so cannot be fooled by whatever /dev/pts is in the mount tree,
/// else by the name ptsname gives.
fn open_peer(master: &PtyMaster) -> Result<OwnedFd> {
    let flags = OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC;
    // SAFETY: TIOCGPTPEER takes open flags by value and returns a new fd.
    let res = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCGPTPEER, flags.bits()) };
    match Errno::result(res) {
        // SAFETY: a new descriptor that nothing else owns.
        Ok(fd) => Ok(unsafe { OwnedFd::from_raw_fd(fd) }),
        Err(Errno::EINVAL | Errno::ENOTTY) => {
            let name = ptsname_r(master).context("ptsname")?;
            nix::fcntl::open(name.as_str(), flags, Mode::empty())
                .with_context(|| format!("opening {name}"))
        }
        Err(e) => Err(e).context("TIOCGPTPEER"),
    }
}

fn above_stdio(fd: OwnedFd) -> Result<OwnedFd> {
    if fd.as_raw_fd() > 2 {
        return Ok(fd);
    }
    let new = fcntl(&fd, FcntlArg::F_DUPFD_CLOEXEC(3)).context("F_DUPFD_CLOEXEC")?;
    // SAFETY: a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

/// Relay between this process's stdin/stdout and the container's terminal
/// until the container (`pid`) has exited; returns its exit code (128+N if
/// killed by signal N). See [`relay_with`].
pub fn relay(master: OwnedFd, stdin_open: bool, signals: &mut SignalFd, pid: Pid) -> Result<i32> {
    // SAFETY: 0 and 1 stay open for the life of the process.
    let (host_in, host_out) = unsafe { (BorrowedFd::borrow_raw(0), BorrowedFd::borrow_raw(1)) };
    relay_with(master, host_in, host_out, stdin_open, signals, pid)
}

/// Relay between `host_in`/`host_out` and `master` until the container's
/// process `pid` has exited and its output is drained; reaps it and returns
/// its exit code (128+N if killed by signal N).
///
/// - With `stdin_open` (`-i`), input is copied to the container; a host
///   stdin that is a terminal is put in raw mode for the duration (so ^C, ^Z
///   and ^\ are plain bytes that the container's line discipline turns into
///   signals there), and restored on return, on error or on unwinding.
///   When `host_in` reaches end of file the terminal's EOF character (^D)
///   is sent once, if the container's terminal is in canonical mode, so a
///   shell or `cat` there sees end of file as with a real terminal.
/// - Without it, `host_in` is left alone: not read, not made raw, so ^C in
///   the host terminal signals cove, which forwards it.
/// - The host's window size (from `host_in`, else `host_out`) is copied to
///   the container's terminal at start and on every SIGWINCH.
/// - Every other signal read from `signals` is forwarded to `pid` (SIGCHLD
///   just triggers a check for the container's exit).
///
/// The signals in `signals` must be blocked by the caller — in every thread
/// of the process — for them to reach the signalfd (SIGWINCH included, or
/// resizes are missed). The container's exit is noticed by a pidfd
/// (Linux 5.3+), so SIGCHLD is only needed in the set on older kernels.
/// Nobody else may reap `pid` meanwhile. The signalfd and `master` are made
/// non-blocking.
///
/// Errors are for setup failures (and poll itself failing): once running,
/// an unusable host stdout only drops output and an unusable stdin only
/// stops input, so the container is still waited for. For the real
/// stdin/stdout use [`relay`]; tests pass ptys or pipes here.
pub fn relay_with(
    master: OwnedFd,
    host_in: BorrowedFd<'_>,
    host_out: BorrowedFd<'_>,
    stdin_open: bool,
    signals: &mut SignalFd,
    pid: Pid,
) -> Result<i32> {
    // Never block on the master: a container that does not read its input
    // must not stop us from draining its output.
    set_nonblocking(master.as_fd()).context("making the terminal non-blocking")?;
    // We read the signalfd until it is empty, so it must not block either.
    set_nonblocking(signals.as_fd()).context("making the signalfd non-blocking")?;
    let exit_fd = pidfd_open(pid).ok();
    let _raw = if stdin_open && unistd::isatty(host_in).unwrap_or(false) {
        Some(RawMode::enter(host_in).context("putting the terminal in raw mode")?)
    } else {
        None
    };
    copy_window_size(host_in, host_out, master.as_fd());
    let mut relay = Loop {
        master: master.as_fd(),
        host_in,
        host_out,
        pid,
        master_open: true,
        reading_stdin: stdin_open,
        output_ok: true,
        pending: Vec::new(),
        exit_code: None,
        buf: vec![0u8; 64 * 1024],
    };
    relay
        .run(signals, exit_fd.as_ref().map(|fd| fd.as_fd()))
        .context("relaying the container's terminal")?;
    Ok(relay.exit_code.unwrap_or(255))
}

struct Loop<'a> {
    master: BorrowedFd<'a>,
    host_in: BorrowedFd<'a>,
    host_out: BorrowedFd<'a>,
    pid: Pid,
    /// False once the master reported EIO/EOF: no slave is open any more.
    master_open: bool,
    reading_stdin: bool,
    /// False after host_out failed: output is then read and dropped.
    output_ok: bool,
    /// Input read from host_in, not yet accepted by the master.
    pending: Vec<u8>,
    exit_code: Option<i32>,
    buf: Vec<u8>,
}

impl Loop<'_> {
    fn run(&mut self, signals: &SignalFd, mut exit_fd: Option<BorrowedFd<'_>>) -> nix::Result<()> {
        // The container may be gone already (a pidfd of a zombie is
        // readable too, but without one we would wait for a SIGCHLD).
        self.try_reap();
        loop {
            if self.exit_code.is_some() && !self.master_open {
                return Ok(());
            }
            // Only descriptors we want something from go in: poll reports
            // a hangup even when asked for nothing, which would spin.
            let mut fds = vec![PollFd::new(signals.as_fd(), PollFlags::POLLIN)];
            let master_slot = if self.master_open {
                let mut events = PollFlags::POLLIN;
                if !self.pending.is_empty() {
                    events |= PollFlags::POLLOUT;
                }
                add_poll(&mut fds, self.master, events)
            } else {
                None
            };
            let exit_slot = match exit_fd {
                Some(fd) if self.exit_code.is_none() => add_poll(&mut fds, fd, PollFlags::POLLIN),
                _ => None,
            };
            let stdin_slot = if self.reading_stdin && self.pending.is_empty() {
                add_poll(&mut fds, self.host_in, PollFlags::POLLIN)
            } else {
                None
            };
            let timeout = if self.exit_code.is_some() {
                PollTimeout::try_from(DRAIN_IDLE).unwrap_or(PollTimeout::MAX)
            } else {
                PollTimeout::NONE
            };
            match poll(&mut fds, timeout) {
                // Nothing came out for DRAIN_IDLE after the exit: whoever
                // still holds the terminal is not the container.
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e),
            }
            let revents = |slot: Option<usize>| {
                slot.and_then(|i| fds[i].revents())
                    .unwrap_or(PollFlags::empty())
            };
            let readable = PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR;
            let signal_ready = revents(Some(0)).intersects(readable);
            let master_revents = revents(master_slot);
            let exited = revents(exit_slot).intersects(readable);
            let stdin_ready = revents(stdin_slot).intersects(readable);
            drop(fds);

            // Signals first: a resize that happened before some input was
            // typed reaches the container before that input.
            if signal_ready {
                self.handle_signals(signals);
            }
            if exited {
                self.try_reap();
                if self.exit_code.is_none() {
                    // Cannot happen with a pidfd; rather than spin on it,
                    // fall back to SIGCHLD.
                    exit_fd = None;
                }
            }
            if master_revents.intersects(readable) {
                self.read_master();
            }
            if master_revents.contains(PollFlags::POLLOUT) {
                self.write_pending();
            }
            if stdin_ready {
                self.read_stdin();
            }
        }
    }

    fn handle_signals(&mut self, signals: &SignalFd) {
        while let Ok(Some(info)) = signals.read_signal() {
            match info.ssi_signo as i32 {
                libc::SIGWINCH => copy_window_size(self.host_in, self.host_out, self.master),
                libc::SIGCHLD => self.try_reap(),
                // Once reaped, the pid may belong to someone else.
                signo if self.exit_code.is_none() => {
                    // SAFETY: kill has no memory-safety preconditions.
                    unsafe { libc::kill(self.pid.as_raw(), signo) };
                }
                _ => {}
            }
        }
    }

    fn try_reap(&mut self) {
        if self.exit_code.is_some() {
            return;
        }
        if let Some(code) = reap(self.pid) {
            self.exit_code = Some(code);
            // Nobody is left to read more input.
            self.reading_stdin = false;
            self.pending.clear();
        }
    }

    fn read_master(&mut self) {
        match unistd::read(self.master, &mut self.buf) {
            // EIO: every slave descriptor is closed (after what was written
            // to it has been read).
            Ok(0) | Err(Errno::EIO) => self.master_open = false,
            Ok(n) => {
                if self.output_ok && write_all(self.host_out, &self.buf[..n]).is_err() {
                    self.output_ok = false;
                }
            }
            Err(Errno::EAGAIN | Errno::EINTR) => {}
            Err(_) => self.master_open = false,
        }
        if !self.master_open {
            self.reading_stdin = false;
            self.pending.clear();
        }
    }

    fn write_pending(&mut self) {
        match unistd::write(self.master, &self.pending) {
            Ok(n) => {
                self.pending.drain(..n);
            }
            Err(Errno::EAGAIN | Errno::EINTR) => {}
            Err(_) => {
                self.reading_stdin = false;
                self.pending.clear();
            }
        }
    }

    fn read_stdin(&mut self) {
        let mut chunk = [0u8; 4096];
        match unistd::read(self.host_in, &mut chunk) {
            Ok(n) if n > 0 => self.pending.extend_from_slice(&chunk[..n]),
            Err(Errno::EAGAIN | Errno::EINTR) => {}
            // End of file, or a host terminal that hung up.
            _ => {
                self.reading_stdin = false;
                if let Some(eof) = canonical_eof_char(self.master) {
                    self.pending.push(eof);
                }
            }
        }
    }
}

/// Add `fd` to a poll set; its index there.
fn add_poll<'f>(fds: &mut Vec<PollFd<'f>>, fd: BorrowedFd<'f>, events: PollFlags) -> Option<usize> {
    fds.push(PollFd::new(fd, events));
    Some(fds.len() - 1)
}

/// The terminal's EOF character, if it is in canonical mode (in raw mode
/// there is no such thing as end of file on a terminal).
pub fn canonical_eof_char(master: BorrowedFd<'_>) -> Option<u8> {
    // On a master, the termios read are the slave's (they are shared).
    let t = termios::tcgetattr(master).ok()?;
    if !t.local_flags.contains(LocalFlags::ICANON) {
        return None;
    }
    Some(t.control_chars[SpecialCharacterIndices::VEOF as usize])
}

/// Reap `pid` if it has exited: its exit code, or 128+N for signal N.
fn reap(pid: Pid) -> Option<i32> {
    let mut status = 0;
    loop {
        // SAFETY: waitpid writes the status into our local.
        let res = unsafe { libc::waitpid(pid.as_raw(), &mut status, libc::WNOHANG) };
        if res == -1 {
            match Errno::last() {
                Errno::EINTR => continue,
                // Reaped behind our back (or SIGCHLD is ignored): it is
                // gone and its status with it.
                Errno::ECHILD => return Some(255),
                _ => return None,
            }
        }
        if res != pid.as_raw() {
            return None;
        }
        if libc::WIFEXITED(status) {
            return Some(libc::WEXITSTATUS(status));
        }
        if libc::WIFSIGNALED(status) {
            return Some(128 + libc::WTERMSIG(status));
        }
        // Stopped or continued: not reported without WUNTRACED/WCONTINUED.
        return None;
    }
}

/// Copy the host terminal's size to the container's terminal; the kernel
/// then sends SIGWINCH to the container's foreground process group. Best
/// effort: without a host terminal there is no size to copy.
fn copy_window_size(host_in: BorrowedFd<'_>, host_out: BorrowedFd<'_>, master: BorrowedFd<'_>) {
    if let Some((rows, cols)) = window_size(host_in).or_else(|| window_size(host_out)) {
        set_window_size(master, rows, cols);
    }
}

/// A terminal's size: (rows, columns); None if `fd` is not a terminal.
pub fn window_size(fd: BorrowedFd<'_>) -> Option<(u16, u16)> {
    let mut size = MaybeUninit::<libc::winsize>::zeroed();
    // SAFETY: TIOCGWINSZ fills a struct winsize.
    if unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, size.as_mut_ptr()) } != 0 {
        return None;
    }
    // SAFETY: zero-initialised and filled in by the kernel.
    let size = unsafe { size.assume_init() };
    Some((size.ws_row, size.ws_col))
}

/// Resize a terminal; the kernel tells its foreground process group.
pub fn set_window_size(master: BorrowedFd<'_>, rows: u16, cols: u16) {
    let size = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads a struct winsize.
    unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &size) };
}

/// The host terminal in raw mode; put back as it was when dropped.
pub struct RawMode<'a> {
    fd: BorrowedFd<'a>,
    original: Termios,
    /// Whether this guard filled the slot [`restore_terminal`] uses.
    registered: bool,
}

impl<'a> RawMode<'a> {
    pub fn enter(fd: BorrowedFd<'a>) -> nix::Result<RawMode<'a>> {
        let original = termios::tcgetattr(fd)?;
        let registered = SAVED.save(fd.as_raw_fd(), original.clone().into());
        let guard = RawMode {
            fd,
            original,
            registered,
        };
        let mut raw = guard.original.clone();
        termios::cfmakeraw(&mut raw);
        termios::tcsetattr(fd, SetArg::TCSANOW, &raw)?;
        Ok(guard)
    }
}

impl Drop for RawMode<'_> {
    fn drop(&mut self) {
        if self.registered {
            SAVED.forget();
        }
        let _ = termios::tcsetattr(self.fd, SetArg::TCSANOW, &self.original);
    }
}

/// Put the host terminal back the way it was before a [`relay`] made it
/// raw, if one is doing so. Async-signal-safe and idempotent: meant for a
/// signal handler, a panic hook, or any path that leaves the process
/// without unwinding (the relay's own guard covers every other way out).
pub fn restore_terminal() {
    SAVED.restore();
}

/// The terminal settings [`restore_terminal`] puts back, kept in a form a
/// signal handler can use: no locks, no allocation. One relay at a time
/// registers here; a second concurrent one still restores through its own
/// guard.
struct SavedTermios {
    state: AtomicU8,
    fd: AtomicI32,
    termios: UnsafeCell<MaybeUninit<libc::termios>>,
}

const EMPTY: u8 = 0;
const BUSY: u8 = 1;
const READY: u8 = 2;

// SAFETY: `termios` is written only by whoever moved `state` from EMPTY to
// BUSY, and read only by whoever moved it from READY to BUSY; the two
// cannot overlap.
unsafe impl Sync for SavedTermios {}

static SAVED: SavedTermios = SavedTermios {
    state: AtomicU8::new(EMPTY),
    fd: AtomicI32::new(-1),
    termios: UnsafeCell::new(MaybeUninit::uninit()),
};

impl SavedTermios {
    fn save(&self, fd: RawFd, termios: libc::termios) -> bool {
        if self
            .state
            .compare_exchange(EMPTY, BUSY, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return false;
        }
        // SAFETY: we hold the slot (BUSY); see the Sync impl.
        unsafe { (*self.termios.get()).write(termios) };
        self.fd.store(fd, Ordering::Relaxed);
        self.state.store(READY, Ordering::Release);
        true
    }

    fn restore(&self) {
        if self
            .state
            .compare_exchange(READY, BUSY, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        let fd = self.fd.load(Ordering::Relaxed);
        // SAFETY: READY means the termios was written; we hold the slot.
        // tcsetattr is async-signal-safe.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, (*self.termios.get()).as_ptr()) };
        self.state.store(EMPTY, Ordering::Release);
    }

    fn forget(&self) {
        if self
            .state
            .compare_exchange(READY, BUSY, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            self.state.store(EMPTY, Ordering::Release);
        }
    }
}

/// The raw-mode slot behind restore_terminal is process-wide: tests that
/// make a terminal raw (here and in other modules) take turns, so one's
/// restore_terminal cannot touch another's terminal.
#[cfg(test)]
pub(crate) fn raw_mode_tests_take_turns() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::fd::{fd_socketpair as socketpair_for_console, recv_fd};
    use nix::sys::signal::{SigSet, Signal};
    use nix::sys::signalfd::SfdFlags;
    use nix::sys::termios::InputFlags;
    use std::os::unix::process::CommandExt;
    use std::os::unix::thread::JoinHandleExt;
    use std::process::Command;
    use std::thread::{self, JoinHandle};
    use std::time::Instant;

    const TIMEOUT: Duration = Duration::from_secs(30);

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        super::raw_mode_tests_take_turns()
    }

    /// A pty pair standing for the user's terminal: the test types into and
    /// reads from `screen`; cove sees `tty` as its stdin and stdout. Opened
    /// close-on-exec so children of parallel tests do not keep it open.
    fn host_terminal() -> (OwnedFd, OwnedFd) {
        let master =
            nix::pty::posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC).unwrap();
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let tty = open_peer(&master).unwrap();
        (master.into(), tty)
    }

    fn set_size(fd: BorrowedFd<'_>, rows: u16, cols: u16) {
        let size = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCSWINSZ reads a struct winsize.
        let set = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, &size) };
        assert_eq!(set, 0);
    }

    /// `sh -c script` on a terminal of its own, opened the way the container
    /// does it; returns its pid and the master cove received.
    fn spawn_on_console(script: &str) -> (Pid, OwnedFd) {
        let (parent_sock, child_sock) = socketpair_for_console().unwrap();
        let raw = child_sock.as_raw_fd();
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c").arg(script);
        // SAFETY: the closure only makes syscalls and formats an error.
        unsafe {
            cmd.pre_exec(move || {
                open_container_console(BorrowedFd::borrow_raw(raw))
                    .map_err(|e| std::io::Error::other(format!("{e:#}")))
            });
        }
        // The relay under test reaps it.
        #[allow(clippy::zombie_processes)]
        let child = cmd.spawn().unwrap();
        drop(child_sock);
        let master = recv_fd(parent_sock.as_fd()).unwrap();
        (Pid::from_raw(child.id() as i32), master)
    }

    struct Running {
        handle: JoinHandle<(i32, Termios, Termios)>,
    }

    /// Run the relay in a thread of its own, with `tty` as cove's stdin and
    /// stdout; the thread closes `tty` when done so `screen` reads EIO after
    /// the last byte. Returns the exit code and the terminal settings from
    /// before and after.
    fn start_relay(master: OwnedFd, tty: OwnedFd, stdin_open: bool, pid: Pid) -> Running {
        let handle = thread::spawn(move || {
            let mut set = SigSet::empty();
            set.add(Signal::SIGWINCH);
            set.add(Signal::SIGTERM);
            set.thread_block().unwrap();
            let mut signals = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC).unwrap();
            let before = termios::tcgetattr(&tty).unwrap();
            let code = relay_with(
                master,
                tty.as_fd(),
                tty.as_fd(),
                stdin_open,
                &mut signals,
                pid,
            )
            .unwrap();
            let after = termios::tcgetattr(&tty).unwrap();
            (code, before, after)
        });
        Running { handle }
    }

    impl Running {
        fn signal(&self, sig: Signal) {
            let thread = self.handle.as_pthread_t();
            // SAFETY: the relay's thread is alive until it is joined.
            let sent = unsafe { libc::pthread_kill(thread, sig as i32) };
            assert_eq!(sent, 0);
        }
    }

    /// Read from `fd` until `needle` has appeared after `from`; returns the
    /// position right after it.
    fn read_until(fd: BorrowedFd<'_>, seen: &mut Vec<u8>, from: usize, needle: &[u8]) -> usize {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(at) = seen[from..].windows(needle.len()).position(|w| w == needle) {
                return from + at + needle.len();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {:?}; got {:?}",
                String::from_utf8_lossy(needle),
                String::from_utf8_lossy(seen)
            );
            if !read_some(fd, seen, left) {
                panic!(
                    "end of output before {:?}: {:?}",
                    String::from_utf8_lossy(needle),
                    String::from_utf8_lossy(seen)
                );
            }
        }
    }

    /// Read everything until end of file (EIO on a pty master).
    fn read_to_end(fd: BorrowedFd<'_>, seen: &mut Vec<u8>) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "timed out waiting for end of output");
            if !read_some(fd, seen, left) {
                return;
            }
        }
    }

    /// One read, waiting at most `left`; false at end of file.
    fn read_some(fd: BorrowedFd<'_>, seen: &mut Vec<u8>, left: Duration) -> bool {
        let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
        let timeout = PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX);
        if poll(&mut fds, timeout).unwrap() == 0 {
            return true;
        }
        let mut buf = [0u8; 8192];
        match unistd::read(fd, &mut buf) {
            Ok(0) | Err(Errno::EIO) => false,
            Ok(n) => {
                seen.extend_from_slice(&buf[..n]);
                true
            }
            Err(Errno::EINTR | Errno::EAGAIN) => true,
            Err(e) => panic!("read: {e}"),
        }
    }

    fn type_in(fd: BorrowedFd<'_>, bytes: &[u8]) {
        write_all(fd, bytes).unwrap();
    }

    #[test]
    fn passes_a_descriptor() {
        let (a, b) = socketpair_for_console().unwrap();
        let (r, w) = unistd::pipe2(OFlag::O_CLOEXEC).unwrap();
        send_fd(a.as_fd(), w.as_fd()).unwrap();
        drop(w);
        let w2 = recv_fd(b.as_fd()).unwrap();
        let flags = fcntl(&w2, FcntlArg::F_GETFD).unwrap();
        assert_ne!(
            flags & libc::FD_CLOEXEC,
            0,
            "received descriptor must be close-on-exec"
        );
        unistd::write(&w2, b"hi").unwrap();
        let mut buf = [0u8; 2];
        assert_eq!(unistd::read(&r, &mut buf).unwrap(), 2);
        assert_eq!(&buf, b"hi");
    }

    #[test]
    fn receiving_from_a_dead_peer_is_an_error() {
        let (a, b) = socketpair_for_console().unwrap();
        drop(a);
        assert_eq!(recv_fd(b.as_fd()).unwrap_err(), Errno::ECONNRESET);
    }

    #[test]
    fn output_arrives_intact_and_terminal_is_restored() {
        let _serial = serial();
        let (screen, tty) = host_terminal();
        let (pid, master) = spawn_on_console("tty; seq 1 100000; exit 3");
        let running = start_relay(master, tty, true, pid);
        let mut seen = Vec::new();
        read_to_end(screen.as_fd(), &mut seen);
        let (code, before, after) = running.handle.join().unwrap();
        assert_eq!(code, 3);
        let text = String::from_utf8(seen).unwrap();
        let (first, rest) = text.split_once("\r\n").unwrap();
        assert!(first.starts_with("/dev/pts/"), "tty printed {first:?}");
        let expected: String = (1..=100000).map(|i| format!("{i}\r\n")).collect();
        assert!(
            rest == expected,
            "output differs: {} bytes instead of {}",
            rest.len(),
            expected.len()
        );
        assert!(before.local_flags.contains(LocalFlags::ICANON));
        assert_eq!(libc::termios::from(before), libc::termios::from(after));
    }

    #[test]
    fn window_size_follows_the_host() {
        let _serial = serial();
        let (screen, tty) = host_terminal();
        set_size(screen.as_fd(), 33, 101);
        // The first line waits until the relay runs: it copies the size
        // before it forwards any input.
        let (pid, master) =
            spawn_on_console("read go; stty size; echo ready; read line; stty size");
        let running = start_relay(master, tty, true, pid);
        type_in(screen.as_fd(), b"\r");
        let mut seen = Vec::new();
        let at = read_until(screen.as_fd(), &mut seen, 0, b"ready\r\n");
        // (Echoes of the first line come before, from the host terminal too
        // if it was typed before the relay made it raw.)
        assert!(
            seen.ends_with(b"\r\n33 101\r\nready\r\n"),
            "{:?}",
            String::from_utf8_lossy(&seen)
        );
        set_size(screen.as_fd(), 40, 120);
        // What the terminal would send cove; the relay handles signals
        // before input, so the line below sees the new size.
        running.signal(Signal::SIGWINCH);
        type_in(screen.as_fd(), b"\r");
        read_until(screen.as_fd(), &mut seen, at, b"40 120\r\n");
        read_to_end(screen.as_fd(), &mut seen);
        let (code, _, _) = running.handle.join().unwrap();
        assert_eq!(code, 0);
    }

    #[test]
    fn ctrl_c_interrupts_the_container() {
        let _serial = serial();
        let (screen, tty) = host_terminal();
        let (pid, master) = spawn_on_console("echo ready; exec sleep 100");
        let running = start_relay(master, tty, true, pid);
        let mut seen = Vec::new();
        read_until(screen.as_fd(), &mut seen, 0, b"ready\r\n");
        // While relaying, the host terminal is raw: ^C is a byte, not SIGINT.
        let t = termios::tcgetattr(&screen).unwrap();
        assert!(!t
            .local_flags
            .intersects(LocalFlags::ICANON | LocalFlags::ISIG | LocalFlags::ECHO));
        assert!(!t.input_flags.contains(InputFlags::ICRNL));
        type_in(screen.as_fd(), &[0x03]);
        read_to_end(screen.as_fd(), &mut seen);
        let (code, before, after) = running.handle.join().unwrap();
        assert_eq!(code, 128 + libc::SIGINT);
        assert_eq!(libc::termios::from(before), libc::termios::from(after));
    }

    #[test]
    fn without_interactive_the_terminal_is_left_alone_and_signals_are_forwarded() {
        let _serial = serial();
        let (screen, tty) = host_terminal();
        let (pid, master) = spawn_on_console("echo ready; exec sleep 100");
        let running = start_relay(master, tty, false, pid);
        let mut seen = Vec::new();
        // Not raw: the host terminal adds its own \r to the container's \r\n.
        read_until(screen.as_fd(), &mut seen, 0, b"ready\r\r\n");
        let t = termios::tcgetattr(&screen).unwrap();
        assert!(t
            .local_flags
            .contains(LocalFlags::ICANON | LocalFlags::ISIG));
        running.signal(Signal::SIGTERM);
        read_to_end(screen.as_fd(), &mut seen);
        let (code, _, _) = running.handle.join().unwrap();
        assert_eq!(code, 128 + libc::SIGTERM);
    }

    fn thread_cpu_time() -> Duration {
        let mut usage = MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage fills a struct rusage.
        let got = unsafe { libc::getrusage(libc::RUSAGE_THREAD, usage.as_mut_ptr()) };
        assert_eq!(got, 0);
        // SAFETY: zero-initialised and filled in by the kernel.
        let usage = unsafe { usage.assume_init() };
        let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
        Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
    }

    #[test]
    fn waits_without_spinning_after_the_container_closes_its_terminal() {
        let _serial = serial();
        let (screen, tty) = host_terminal();
        // The terminal hangs up (no descriptor of it left) well before the
        // process ends.
        let script = "echo ready; exec </dev/null >/dev/null 2>&1; sleep 0.5; exit 4";
        let (pid, master) = spawn_on_console(script);
        let handle = thread::spawn(move || {
            let mut set = SigSet::empty();
            set.add(Signal::SIGWINCH);
            set.thread_block().unwrap();
            let mut signals = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC).unwrap();
            let start = thread_cpu_time();
            let code = relay_with(master, tty.as_fd(), tty.as_fd(), true, &mut signals, pid);
            (code.unwrap(), thread_cpu_time() - start)
        });
        let mut seen = Vec::new();
        read_to_end(screen.as_fd(), &mut seen);
        assert_eq!(seen, b"ready\r\n");
        let (code, cpu) = handle.join().unwrap();
        assert_eq!(code, 4);
        assert!(
            cpu < Duration::from_millis(250),
            "the relay spun: {cpu:?} of CPU"
        );
    }

    #[test]
    fn end_of_input_is_end_of_file_in_the_container() {
        let (in_read, in_write) = unistd::pipe2(OFlag::O_CLOEXEC).unwrap();
        let (out_read, out_write) = unistd::pipe2(OFlag::O_CLOEXEC).unwrap();
        let (pid, master) = spawn_on_console("cat; echo done");
        let handle = thread::spawn(move || {
            let mut set = SigSet::empty();
            set.add(Signal::SIGWINCH);
            set.thread_block().unwrap();
            let mut signals = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC).unwrap();
            relay_with(
                master,
                in_read.as_fd(),
                out_write.as_fd(),
                true,
                &mut signals,
                pid,
            )
            .unwrap()
        });
        type_in(in_write.as_fd(), b"hello\n");
        drop(in_write);
        let mut seen = Vec::new();
        read_to_end(out_read.as_fd(), &mut seen);
        assert_eq!(handle.join().unwrap(), 0);
        let text = String::from_utf8_lossy(&seen);
        // The terminal echoes the line, then cat prints it.
        assert_eq!(text.matches("hello\r\n").count(), 2, "{text:?}");
        assert!(text.ends_with("done\r\n"), "{text:?}");
    }

    #[test]
    fn restore_terminal_puts_back_the_settings() {
        let _serial = serial();
        let (_screen, tty) = host_terminal();
        let original = termios::tcgetattr(&tty).unwrap();
        let guard = RawMode::enter(tty.as_fd()).unwrap();
        assert!(guard.registered);
        let raw = termios::tcgetattr(&tty).unwrap();
        assert!(!raw.local_flags.contains(LocalFlags::ICANON));
        restore_terminal();
        let restored = termios::tcgetattr(&tty).unwrap();
        assert_eq!(
            libc::termios::from(original.clone()),
            libc::termios::from(restored)
        );
        // A second call, and the guard's own restore, are harmless.
        restore_terminal();
        drop(guard);
        let restored = termios::tcgetattr(&tty).unwrap();
        assert_eq!(libc::termios::from(original), libc::termios::from(restored));
    }
}
