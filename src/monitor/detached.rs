//! The hand-off to a detached monitor (`run -d`, `start`, `restart`):
//! [`spawn`] starts it and waits for its report; [`serve`] is the monitor's
//! side, in cove's hidden `container-monitor` mode.

use super::event_loop::Monitor;
use super::{attach, clients, Supervised};
use crate::context::Ctx;
use crate::error::exit_error;
use anyhow::Context;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

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
                    // Our descriptor of that file goes, though: closing it
                    // unlocks nothing while the monitor's is open, and a
                    // caller that lives on (`compose up` in the foreground)
                    // must not keep an exited container looking alive.
                    // SAFETY: the forgotten lock's descriptor, owned by
                    // nothing else in this process.
                    unsafe { libc::close(lock_fd) };
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
pub(super) fn report(fd: &mut Option<OwnedFd>, result: &anyhow::Result<()>) {
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
        let listener = clients::listen(ctx, &t.settings().id)?;
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
pub(super) fn report_failure(
    report_fd: &mut Option<OwnedFd>,
    e: anyhow::Error,
) -> anyhow::Result<i32> {
    let result = Err(e);
    report(report_fd, &result);
    result.map(|()| 125)
}
