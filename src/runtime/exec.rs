//! `cove exec`: start one more process in a running container, from the
//! command's own process, with no monitor round trip.
//!
//! This process pins the container's first process with a pidfd
//! ([`Target::open`]) and joins its namespaces with one `setns(pidfd, …)`
//! ([`join`]; the kernel enters the user namespace first, so the others are
//! checked against it). Joining the mount namespace also moves our root and
//! working directory to the top of that namespace's root, which is the
//! container's root after its pivot_root (runc and nsenter rely on the same
//! rule). [`start`] then forks: the child is inside the container's pid
//! namespace, sets up its terminal or stdio and ends in `process::exec`
//! like the container's own process: rlimits, seccomp, user, capabilities,
//! no_new_privs, working directory, exec. Errors before exec come back on a
//! close-on-exec pipe with their exit code, as for `launch`.
//!
//! The process must be single-threaded: the kernel refuses to move a
//! threaded process into a user or mount namespace.

use super::child::Failure;
use super::{process, tty, Launched};
use crate::error::exit_error;
use crate::sys::syscall::{Kernel, Syscall};
use crate::sys::userns::IdMaps;
use anyhow::Context;
use nix::sched::CloneFlags;
use nix::sys::signal::SigSet;
use nix::unistd::ForkResult;
use oci_spec::runtime::Process;
use std::io::Read;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::MetadataExt;

/// Everything the new process needs, computed before any namespace is
/// joined.
pub struct ExecPlan {
    /// The process to start: command, environment, working directory,
    /// user, capabilities, rlimits, no_new_privileges, terminal.
    pub process: Process,
    /// Compiled seccomp filter, if any.
    pub seccomp: Option<Vec<libc::sock_filter>>,
    /// The maps of the container's user namespace (none as root).
    pub id_maps: Option<IdMaps>,
    /// Keep stdin connected (`-i`); otherwise it is /dev/null.
    pub keep_stdin: bool,
    /// `-d`: a session of its own, stdio on /dev/null, and it outlives us
    /// (adopted by the container's pid 1 when we exit).
    pub detach: bool,
}

/// The container's first process, pinned: its pidfd and the namespaces
/// of it that differ from ours.
pub struct Target {
    pidfd: OwnedFd,
    namespaces: CloneFlags,
}

/// The namespaces a container can have, by their /proc/<pid>/ns name; the
/// user namespace is entered first by the kernel whatever the order.
const NAMESPACES: [(&str, CloneFlags); 7] = [
    ("user", CloneFlags::CLONE_NEWUSER),
    ("mnt", CloneFlags::CLONE_NEWNS),
    ("pid", CloneFlags::CLONE_NEWPID),
    ("uts", CloneFlags::CLONE_NEWUTS),
    ("ipc", CloneFlags::CLONE_NEWIPC),
    ("net", CloneFlags::CLONE_NEWNET),
    ("cgroup", CloneFlags::CLONE_NEWCGROUP),
];

/// The kernel refused to show us a process's namespaces.
#[derive(Debug)]
struct Denied;

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("permission denied")
    }
}

impl std::error::Error for Denied {}

impl Target {
    /// Pin the container's first process, `pid`. Fails with `not_running`
    /// when it is gone or is not a container's (a container always has
    /// its own pid namespace).
    ///
    /// A rootless `--init` is a forked cove that never execs and is made
    /// non-dumpable, so the kernel hides its namespaces from its own user;
    /// its child, the container's command, shares them and is used then.
    ///
    /// The pid comes from the container's state: the caller must check that
    /// the container still runs *after* this, so that the pidfd is known to
    /// be the container's and not a process that reused the number.
    pub fn open(pid: i32, not_running: impl Fn() -> anyhow::Error) -> anyhow::Result<Target> {
        match Self::open_one(pid, &not_running) {
            Err(e) if e.downcast_ref::<Denied>().is_some() => {
                let child = first_child(pid).ok_or_else(|| {
                    e.context("reading the namespaces of the container's process")
                })?;
                let target = Self::open_one(child, &not_running)
                    .map_err(|e| e.context("reading the namespaces of the container's command"))?;
                // Pinned by the pidfd: make sure it is still the init's.
                if parent_of(child) != Some(pid) {
                    return Err(not_running());
                }
                Ok(target)
            }
            other => other,
        }
    }

    fn open_one(pid: i32, not_running: &impl Fn() -> anyhow::Error) -> anyhow::Result<Target> {
        let pidfd = match crate::sys::fd::pidfd_open(nix::unistd::Pid::from_raw(pid)) {
            Ok(fd) => fd,
            Err(nix::errno::Errno::ESRCH) => return Err(not_running()),
            Err(e) => {
                return Err(anyhow::Error::from(std::io::Error::from(e))
                    .context("pidfd_open on the container's process"))
            }
        };
        let mut namespaces = CloneFlags::empty();
        for (name, flag) in NAMESPACES {
            let theirs =
                std::fs::metadata(format!("/proc/{pid}/ns/{name}")).map_err(|e| {
                    match e.raw_os_error() {
                        Some(libc::ENOENT) | Some(libc::ESRCH) => not_running(),
                        Some(libc::EACCES) | Some(libc::EPERM) => anyhow::Error::new(Denied),
                        _ => {
                            anyhow::Error::from(e).context(format!("reading /proc/{pid}/ns/{name}"))
                        }
                    }
                })?;
            let ours = std::fs::metadata(format!("/proc/self/ns/{name}"))
                .with_context(|| format!("reading /proc/self/ns/{name}"))?;
            if (theirs.dev(), theirs.ino()) != (ours.dev(), ours.ino()) {
                namespaces |= flag;
            }
        }
        let target = Target { pidfd, namespaces };
        // Still the same process (not reaped, so /proc/<pid> was its own).
        if !target.alive() || !target.namespaces.contains(CloneFlags::CLONE_NEWPID) {
            return Err(not_running());
        }
        Ok(target)
    }
}

impl Target {
    /// The user namespace of `pid` (the network host's), to make a
    /// container's new namespaces in; empty when it is ours (as root).
    pub fn user_of(pid: i32) -> anyhow::Result<Target> {
        let pidfd = crate::sys::fd::pidfd_open(nix::unistd::Pid::from_raw(pid))
            .context("pinning the network host")?;
        let theirs = std::fs::metadata(format!("/proc/{pid}/ns/user"))
            .context("reading the network host's user namespace")?;
        let ours = std::fs::metadata("/proc/self/ns/user").context("reading /proc/self/ns/user")?;
        let namespaces = if (theirs.dev(), theirs.ino()) != (ours.dev(), ours.ino()) {
            CloneFlags::CLONE_NEWUSER
        } else {
            CloneFlags::empty()
        };
        Ok(Target { pidfd, namespaces })
    }

    /// Keep only the network namespace and, where it differs from ours,
    /// the user namespace that owns it (`--network container:NAME`).
    pub fn network_only(self) -> Target {
        self.narrowed_to(&["net"])
    }

    /// Keep only the namespaces named as in /proc/<pid>/ns (`net`, `ipc`,
    /// `uts`, `pid`…) and, where it differs from ours, the user namespace
    /// that owns them (a pod's members joining its infra).
    pub fn narrowed_to(mut self, names: &[&str]) -> Target {
        let mut keep = CloneFlags::CLONE_NEWUSER;
        for (name, flag) in NAMESPACES {
            if names.contains(&name) {
                keep |= flag;
            }
        }
        self.namespaces &= keep;
        self
    }

    /// Whether joining enters another user namespace.
    pub fn joins_user(&self) -> bool {
        self.namespaces.contains(CloneFlags::CLONE_NEWUSER)
    }

    /// Whether the pinned process still runs.
    pub fn alive(&self) -> bool {
        // SAFETY: pidfd_send_signal with signal 0 only checks.
        unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                self.pidfd.as_raw_fd(),
                0,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            ) == 0
        }
    }
}

/// The first child of `pid` (readable by anyone, unlike its namespaces).
fn first_child(pid: i32) -> Option<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The parent pid of `pid`, from /proc/<pid>/stat (after the command
/// name, which may hold spaces and parentheses).
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Move this process into the container's namespaces; from here on, `/`
/// is the container's root. Must be called single-threaded.
pub fn join(target: &Target) -> anyhow::Result<()> {
    join_only(&Kernel, target)?;
    // setns moved us to the new root; say so explicitly for the child.
    nix::unistd::chdir("/").context("entering the container's root")?;
    Ok(())
}

/// Enter the target's namespaces, and nothing more.
pub fn join_only(sys: &dyn Syscall, target: &Target) -> anyhow::Result<()> {
    if target.namespaces.is_empty() {
        return Ok(());
    }
    sys.setns(target.pidfd.as_fd(), target.namespaces)
        .map_err(|e| {
            exit_error(
                125,
                format!("joining the container's namespaces: {}", e.desc()),
            )
        })
}

/// Start the process, after [`join`]. Returns once it has exec'd (or
/// failed to: the error carries 125, 126 or 127). The caller then
/// supervises it, or with `detach` leaves it to the container.
///
/// `old_mask` is the signal mask to restore in the child (see
/// `runtime::block_signals`). Must be called single-threaded.
pub fn start(plan: &ExecPlan, old_mask: &SigSet) -> anyhow::Result<Launched> {
    let (err_read, err_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let console = if plan.process.terminal() == Some(true) {
        Some(crate::sys::fd::fd_socketpair()?)
    } else {
        None
    };
    // SAFETY: single-threaded (contract); the child execs or _exits.
    match unsafe { nix::unistd::fork() }.context("forking the exec process")? {
        ForkResult::Child => {
            drop(err_read);
            let console_child = console.as_ref().map(|(_, c)| c.as_fd());
            child(plan, err_write, console_child, old_mask)
        }
        ForkResult::Parent { child } => {
            drop(err_write);
            let console_parent = console.map(|(p, c)| {
                drop(c);
                p
            });
            let mut report = Vec::new();
            let _ = std::fs::File::from(err_read).read_to_end(&mut report);
            if !report.is_empty() {
                let _ = nix::sys::wait::waitpid(child, None);
                let code = report[0] as i32;
                let message = String::from_utf8_lossy(&report[1..]).to_string();
                return Err(exit_error(code, message));
            }
            let console = match console_parent {
                Some(sock) => Some(
                    crate::sys::fd::recv_fd(sock.as_fd())
                        .context("receiving the exec process's terminal")?,
                ),
                None => None,
            };
            Ok(Launched {
                pid: child,
                console,
                tap: None,
                bridge: None,
            })
        }
    }
}

fn child(plan: &ExecPlan, report: OwnedFd, console: Option<BorrowedFd>, old_mask: &SigSet) -> ! {
    let failure = match setup(plan, console, old_mask, report.as_raw_fd()) {
        Ok(f) | Err(f) => f,
    };
    let mut bytes = vec![failure.code];
    bytes.extend_from_slice(failure.message.as_bytes());
    let _ = nix::unistd::write(&report, &bytes);
    // SAFETY: leave without unwinding into the parent's copy of the stack.
    unsafe { libc::_exit(failure.code as i32) }
}

/// Returns only on failure (success is exec).
fn setup(
    plan: &ExecPlan,
    console: Option<BorrowedFd>,
    old_mask: &SigSet,
    report: i32,
) -> Result<Failure, Failure> {
    if !plan.detach {
        // Die with `cove exec`, which is all that waits for us.
        // SAFETY: prctl with integer arguments.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) };
        // Our parent is outside the pid namespace, so it shows as pid 0;
        // anything else means it died and the container's init adopted us.
        if nix::unistd::getppid().as_raw() != 0 {
            // SAFETY: it died before the prctl took effect.
            unsafe { libc::_exit(125) };
        }
    }
    super::child::close_inherited_fds();
    nix::sys::signal::pthread_sigmask(
        nix::sys::signal::SigmaskHow::SIG_SETMASK,
        Some(old_mask),
        None,
    )
    .context("restoring the signal mask")?;
    if plan.detach {
        let _ = nix::unistd::setsid();
        stdio_to_null().context("redirecting stdio to /dev/null")?;
    } else if let Some(sock) = console {
        tty::open_container_console(sock)?;
    } else {
        if !plan.keep_stdin {
            super::child::redirect_stdin_to_null()?;
        }
        // A session of its own: the terminal's ^C reaches only cove, which
        // forwards it once.
        let _ = nix::unistd::setsid();
    }
    let process_plan = process::ProcessPlan {
        process: &plan.process,
        seccomp: plan.seccomp.as_deref(),
        id_maps: plan.id_maps.as_ref(),
        init: false,
        die_with_parent: !plan.detach,
    };
    Ok(process::exec(&process_plan, report))
}

fn stdio_to_null() -> anyhow::Result<()> {
    let null = nix::fcntl::open(
        "/dev/null",
        nix::fcntl::OFlag::O_RDWR | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )?;
    nix::unistd::dup2_stdin(&null)?;
    nix::unistd::dup2_stdout(&null)?;
    nix::unistd::dup2_stderr(&null)?;
    Ok(())
}

#[cfg(test)]
mod seam_tests {
    use super::*;
    use crate::error::ExitError;
    use crate::sys::syscall::Recorder;

    fn target(namespaces: CloneFlags) -> Target {
        let fd = nix::fcntl::open(
            "/dev/null",
            nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
        .unwrap();
        Target {
            pidfd: fd,
            namespaces,
        }
    }

    #[test]
    fn joining_is_one_setns_of_the_namespaces_not_shared() {
        let dir = tempfile::tempdir().unwrap();
        let mut rec = Recorder::new(dir.path());
        // Everything shared with us (`--network host`, no user namespace
        // as root): nothing to enter.
        join_only(&rec, &target(CloneFlags::empty())).unwrap();
        assert!(rec.log().is_empty());
        let ns = CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNS | CloneFlags::CLONE_NEWNET;
        join_only(&rec, &target(ns)).unwrap();
        assert_eq!(rec.log(), ["setns user,mnt,net"]);
        rec.refuse_setns = Some(nix::errno::Errno::EPERM);
        let e = join_only(&rec, &target(ns)).err().unwrap();
        assert_eq!(e.downcast_ref::<ExitError>().map(|e| e.code), Some(125));
        assert_eq!(
            format!("{e}"),
            "joining the container's namespaces: Operation not permitted"
        );
    }
}
