//! A tiny init for `cove run --init`.
//!
//! The container's first process is pid 1 of its pid namespace, and pid 1
//! is special: the kernel drops every signal it has no handler for (so a
//! plain `docker stop`-style SIGTERM does nothing to a program that never
//! installed one), and every orphan in the namespace becomes its child (so
//! a program that never waits for them fills the table with zombies).
//!
//! With `--init`, cove's process in the container stays as pid 1 and forks
//! the command off: pid 1 forwards the signals it gets to the command,
//! reaps every child, and exits with the command's status when it ends.
//! Its exit takes the rest of the namespace down with it.

use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::sys::signal::{SigSet, SigmaskHow};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::unistd::{self, ForkResult, Pid};

/// Fork the container's command off and stay behind as its init.
///
/// Returns `Ok(())` in the new child, which goes on to exec the command,
/// with the signal mask the caller had and every signal at its default
/// disposition. The calling process never returns: it forwards every
/// signal but SIGCHLD to the child, reaps all children (orphans included:
/// it is made a child subreaper, which pid 1 is anyway), and exits with the
/// child's exit code, or 128+N if a signal N killed it. It does not wait for
/// other descendants; as pid 1 its exit ends them.
///
/// `close_in_init` is closed in the init, which never execs: the launch
/// error pipe, whose close-on-exec end the parent waits on as the sign of a
/// successful exec. An error means nothing was forked.
///
/// If the caller leads a session whose controlling terminal is its stdin
/// (`run -t`), the child gets a process group of its own and the terminal's
/// foreground, so a ^C on the terminal reaches the command once and not
/// the init too (which would forward it a second time).
///
/// The process must be single-threaded (the child runs ordinary code).
pub fn become_init(close_in_init: RawFd) -> Result<()> {
    nix::sys::prctl::set_child_subreaper(true).context("becoming a child subreaper")?;
    // Block everything before the fork, so no signal meant for the child can
    // slip by between the fork and the signalfd read. (SIGKILL and SIGSTOP
    // cannot be blocked; sigprocmask ignores them.)
    let all = SigSet::all();
    let original = all
        .thread_swap_mask(SigmaskHow::SIG_BLOCK)
        .context("blocking signals")?;
    let signals = match SignalFd::with_flags(&all, SfdFlags::SFD_CLOEXEC) {
        Ok(s) => s,
        Err(e) => {
            let _ = original.thread_set_mask();
            return Err(e).context("creating a signalfd");
        }
    };
    // SAFETY: the process is single-threaded (see above).
    match unsafe { unistd::fork() } {
        Err(e) => {
            drop(signals);
            let _ = original.thread_set_mask();
            Err(e).context("forking the container's command")
        }
        Ok(ForkResult::Child) => {
            drop(signals);
            // Cleared by fork: the command dies with its init.
            // SAFETY: prctl with integer arguments.
            unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) };
            take_terminal_foreground();
            reset_signal_dispositions();
            original
                .thread_set_mask()
                .context("restoring the signal mask")?;
            Ok(())
        }
        Ok(ForkResult::Parent { child }) => {
            // SAFETY: the init never returns to whoever owns this
            // descriptor, so closing it here cannot double-close.
            unsafe { libc::close(close_in_init) };
            // The init never execs, so close-on-exec never fires: drop
            // every other inherited descriptor (the monitor's report
            // pipe, lock, log, stdin pipe) but the signalfd, or a
            // `run -d --init` would wait for the container to exit.
            close_all_but(3, signals.as_raw_fd());
            // Nothing in the container may ptrace or read the init's memory.
            // SAFETY: prctl with integer arguments.
            unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0) };
            supervise(child, signals)
        }
    }
}

/// Close every descriptor from `from` up except `keep`.
fn close_all_but(from: i32, keep: i32) {
    // SAFETY: close_range with plain integers; nothing in this process
    // uses the closed descriptors afterwards.
    unsafe {
        if keep > from {
            libc::syscall(libc::SYS_close_range, from as u32, (keep - 1) as u32, 0u32);
        }
        libc::syscall(libc::SYS_close_range, (keep + 1) as u32, u32::MAX, 0u32);
    }
}

/// Put every signal back to its default disposition: an ignored signal
/// (Rust ignores SIGPIPE) would otherwise stay ignored across exec. Handlers
/// would be reset by exec anyway. Errors, for the C library's reserved
/// real-time signals, do not matter.
pub fn reset_signal_dispositions() {
    for signo in 1..=libc::SIGRTMAX() {
        if signo == libc::SIGKILL || signo == libc::SIGSTOP {
            continue;
        }
        // SAFETY: installing SIG_DFL is always valid.
        unsafe { libc::signal(signo, libc::SIG_DFL) };
    }
}

/// In the child: if the init leads a session whose controlling terminal is
/// our stdin, move to a process group of our own in its foreground.
/// Anywhere else (stdin a host terminal of some other session, a pipe)
/// the groups are left alone: a background group reading its terminal
/// would be stopped.
fn take_terminal_foreground() {
    // SAFETY: fd 0 stays open for this call.
    let stdin = unsafe { BorrowedFd::borrow_raw(0) };
    let Ok(session) = unistd::getsid(None) else {
        return;
    };
    if session != unistd::getppid() {
        return;
    }
    if nix::sys::termios::tcgetsid(stdin) != Ok(session) {
        return;
    }
    let me = unistd::getpid();
    if unistd::setpgid(me, me).is_ok() {
        // A background group may not take the foreground unless SIGTTOU is
        // blocked, which it still is here.
        let _ = unistd::tcsetpgrp(stdin, me);
    }
}

fn supervise(child: Pid, signals: SignalFd) -> ! {
    loop {
        match signals.read_signal() {
            Ok(Some(info)) => {
                let signo = info.ssi_signo as i32;
                if signo == libc::SIGCHLD {
                    if let Some(code) = reap_all(child) {
                        exit_now(code);
                    }
                } else {
                    // ESRCH is fine: the child exited and its SIGCHLD is
                    // on the way. It cannot be someone else's pid, since
                    // only we reap it.
                    // SAFETY: kill has no memory-safety preconditions.
                    unsafe { libc::kill(child.as_raw(), signo) };
                }
            }
            Ok(None) | Err(Errno::EINTR) => {}
            // Without the signalfd we can no longer forward; at least
            // reap and report the child's end.
            Err(_) => exit_now(wait_blocking(child)),
        }
    }
}

/// Reap every child that has ended; the main child's exit code if it was
/// among them.
fn reap_all(main: Pid) -> Option<i32> {
    let mut code = None;
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes the status into our local.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid == -1 && Errno::last() == Errno::EINTR {
            continue;
        }
        // 0: children left, none ended; -1 (ECHILD): none left.
        if pid <= 0 {
            return code;
        }
        if pid == main.as_raw() {
            code = exit_code(status);
        }
    }
}

fn wait_blocking(main: Pid) -> i32 {
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes the status into our local.
        let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
        if pid == main.as_raw() {
            if let Some(code) = exit_code(status) {
                return code;
            }
        } else if pid == -1 && Errno::last() != Errno::EINTR {
            return 255;
        }
    }
}

/// Leave at once: no atexit handlers or buffers of the process we were
/// forked from.
fn exit_now(code: i32) -> ! {
    // SAFETY: _exit has no preconditions.
    unsafe { libc::_exit(code) }
}

/// The shell's convention: the exit code, or 128+N for death by signal N.
fn exit_code(status: libc::c_int) -> Option<i32> {
    if libc::WIFEXITED(status) {
        Some(libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        Some(128 + libc::WTERMSIG(status))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::fcntl::OFlag;
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use nix::sys::signal::{kill, Signal};
    use nix::sys::wait::{waitpid, WaitStatus};
    use std::ffi::CString;
    use std::os::fd::{AsFd, AsRawFd, OwnedFd};
    use std::time::{Duration, Instant};

    const TIMEOUT: Duration = Duration::from_secs(30);

    /// Fork a process that runs `setup`, becomes init and has its child
    /// exec `sh -c script`. Returns the init's pid.
    fn spawn_init(script: &str, report: Option<&OwnedFd>, setup: impl FnOnce()) -> Pid {
        // Everything the child needs is built before the fork: the test
        // process has other threads.
        let args: Vec<CString> = ["/bin/sh", "-c", script]
            .iter()
            .map(|a| CString::new(*a).unwrap())
            .collect();
        let mut argv: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
        argv.push(std::ptr::null());
        let report = report.map_or(-1, |fd| fd.as_raw_fd());
        // SAFETY: the child allocates nothing it needs (argv is built
        // above), runs the test's setup and init, and ends in exec or
        // _exit, never returning into the harness's threads' state.
        match unsafe { unistd::fork() }.unwrap() {
            ForkResult::Child => {
                // A panic must not unwind into the test harness's copy.
                let ready = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    setup();
                    become_init(report).is_ok()
                }));
                if matches!(ready, Ok(true)) {
                    // SAFETY: NUL-terminated strings and a null-terminated
                    // argv, alive until the exec.
                    unsafe { libc::execv(argv[0], argv.as_ptr()) };
                    exit_now(127);
                }
                exit_now(126);
            }
            ForkResult::Parent { child } => child,
        }
    }

    fn wait_for(pid: Pid) -> WaitStatus {
        let fd = crate::sys::fd::pidfd_open(pid).expect("pidfd_open");
        let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
        if poll(&mut fds, PollTimeout::try_from(TIMEOUT).unwrap()).unwrap() == 0 {
            let _ = kill(pid, Signal::SIGKILL);
            let _ = waitpid(pid, None);
            panic!("init {pid} did not exit in time");
        }
        waitpid(pid, None).unwrap()
    }

    fn pipe() -> (OwnedFd, OwnedFd) {
        unistd::pipe2(OFlag::O_CLOEXEC).unwrap()
    }

    /// Send the child's stdout to `fd`.
    fn stdout_to(fd: &OwnedFd) -> impl FnOnce() + '_ {
        move || {
            unistd::dup2_stdout(fd).unwrap();
        }
    }

    fn read_line(fd: &OwnedFd) -> String {
        let deadline = Instant::now() + TIMEOUT;
        let mut seen = Vec::new();
        while !seen.ends_with(b"\n") {
            let left = deadline.saturating_duration_since(Instant::now());
            let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
            assert!(
                poll(&mut fds, PollTimeout::try_from(left).unwrap()).unwrap() > 0,
                "timed out"
            );
            let mut byte = [0u8; 1];
            match unistd::read(fd, &mut byte) {
                Ok(1) => seen.push(byte[0]),
                Ok(_) => break,
                Err(Errno::EINTR) => {}
                Err(e) => panic!("read: {e}"),
            }
        }
        String::from_utf8(seen).unwrap()
    }

    #[test]
    fn exits_with_the_commands_code_and_closes_the_report_pipe() {
        let (report_r, report_w) = pipe();
        let init = spawn_init("sleep 0.2 & exit 3", Some(&report_w), || {});
        drop(report_w);
        // End of file once the child has exec'd: the init closed its copy.
        let mut byte = [0u8; 1];
        assert_eq!(unistd::read(&report_r, &mut byte), Ok(0));
        assert_eq!(wait_for(init), WaitStatus::Exited(init, 3));
    }

    #[test]
    fn reports_death_by_signal_as_128_plus_n() {
        let init = spawn_init("kill -KILL $$", None, || {});
        assert_eq!(
            wait_for(init),
            WaitStatus::Exited(init, 128 + libc::SIGKILL)
        );
    }

    #[test]
    fn forwards_signals_to_the_command() {
        let (out_r, out_w) = pipe();
        let init = spawn_init("echo ready; exec sleep 100", None, stdout_to(&out_w));
        drop(out_w);
        assert_eq!(read_line(&out_r), "ready\n");
        // The init blocks SIGTERM (as pid 1 would ignore it) and passes it on.
        kill(init, Signal::SIGTERM).unwrap();
        assert_eq!(
            wait_for(init),
            WaitStatus::Exited(init, 128 + libc::SIGTERM)
        );
    }

    #[test]
    fn reaps_orphans() {
        // The inner shell leaves a sleep behind, which becomes the init's
        // child; once killed it must be reaped, not left a zombie (kill -0
        // succeeds on a zombie). The loop only bounds a failure.
        let script = r#"
            pid=$(sh -c 'sleep 100 >/dev/null 2>&1 & echo $!')
            ppid=$(awk '/^PPid:/ { print $2 }' /proc/$pid/status)
            [ "$ppid" = "$PPID" ] || exit 1
            kill $pid
            i=0
            while kill -0 $pid 2>/dev/null; do
                i=$((i + 1)); [ $i -lt 3000 ] || exit 2
                sleep 0.01
            done
            exit 7
        "#;
        let init = spawn_init(script, None, || {});
        assert_eq!(wait_for(init), WaitStatus::Exited(init, 7));
    }

    #[test]
    fn the_command_gets_the_original_mask_and_default_dispositions() {
        let (out_r, out_w) = pipe();
        let setup = || {
            stdout_to(&out_w)();
            let mut usr1 = SigSet::empty();
            usr1.add(Signal::SIGUSR1);
            usr1.thread_block().unwrap();
            // SAFETY: SIG_IGN installs no handler code.
            unsafe { libc::signal(libc::SIGUSR2, libc::SIG_IGN) };
        };
        let init = spawn_init(
            "awk '/^Sig(Blk|Ign):/ { print $2 }' /proc/$$/status | tr '\\n' ' '; echo",
            None,
            setup,
        );
        drop(out_w);
        let line = read_line(&out_r);
        assert_eq!(wait_for(init), WaitStatus::Exited(init, 0));
        let masks: Vec<u64> = line
            .split_whitespace()
            .map(|m| u64::from_str_radix(m, 16).unwrap())
            .collect();
        let bit = |sig: i32| 1u64 << (sig - 1);
        assert_eq!(masks[0], bit(libc::SIGUSR1), "blocked: {line:?}");
        // SIGUSR2, and SIGPIPE which the test harness ignores, are back to
        // default. (The C library's reserved signals, 32 and 33, are its
        // own business and may stay ignored.)
        let reserved = bit(32) | bit(33);
        assert_eq!(masks[1] & !reserved, 0, "ignored: {line:?}");
    }

    #[test]
    fn the_command_gets_the_terminal_foreground() {
        let master =
            nix::pty::posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC).unwrap();
        nix::pty::grantpt(&master).unwrap();
        nix::pty::unlockpt(&master).unwrap();
        let name = CString::new(nix::pty::ptsname_r(&master).unwrap()).unwrap();
        let setup = || {
            unistd::setsid().unwrap();
            // Opening a terminal without O_NOCTTY as a session leader with
            // none makes it the controlling terminal.
            // SAFETY: a NUL-terminated path; the descriptor is ours.
            let tty = unsafe { libc::open(name.as_ptr(), libc::O_RDWR) };
            assert!(tty >= 0);
            // SAFETY: dup2 onto stdin and stdout of this forked child,
            // whose old ones nothing else uses.
            unsafe {
                libc::dup2(tty, 0);
                libc::dup2(tty, 1);
            }
        };
        let script = "read -r _ _ _ _ pgrp _ _ tpgid _ < /proc/$$/stat; echo \"$$ $pgrp $tpgid\"";
        let init = spawn_init(script, None, setup);
        let status = wait_for(init);
        let mut buf = [0u8; 256];
        let n = unistd::read(&master, &mut buf).unwrap();
        let line = String::from_utf8_lossy(&buf[..n]).trim().to_string();
        let ids: Vec<&str> = line.split(' ').collect();
        assert_eq!(ids.len(), 3, "{line:?}");
        assert!(
            ids[0] == ids[1] && ids[1] == ids[2],
            "pid, group, foreground group: {line:?}"
        );
        assert_ne!(ids[0], init.to_string());
        assert_eq!(status, WaitStatus::Exited(init, 0));
    }
}
