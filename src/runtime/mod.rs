//! The container runtime: turns an OCI runtime spec plus a root filesystem
//! plan into a running process, from the user's own process.
//!
//! The parent (this process) clones a child into new namespaces, writes the
//! child's id maps (newuidmap/newgidmap, or directly for a single id),
//! then lets it go. The child builds its mount tree, pivots, drops
//! privileges and execs (see `child`). Errors before exec come back over
//! a close-on-exec pipe with the exit code they deserve (125, 126, 127),
//! so the user sees the real reason and never a hang.

pub mod caps;
mod child;
pub mod exec;
pub mod infra;
pub mod init;
pub mod mounts;
pub mod netns;
pub mod process;
pub mod seccomp;
pub mod tty;

use crate::error::exit_error;
use crate::storage::RootfsPlan;
use crate::sys::syscall::{Kernel, Syscall};
use crate::sys::userns::IdMaps;
use anyhow::Context;
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::SignalFd;
use nix::unistd::Pid;
use oci_spec::runtime::{LinuxNamespaceType, Spec};
use std::io::Read;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::PathBuf;

/// Everything the child needs to set up the container. Built before the
/// clone so the child does not have to compute anything that can fail in
/// surprising ways.
pub struct LaunchPlan {
    pub spec: Spec,
    /// The container's directory (config.json, generated /etc files).
    pub bundle: PathBuf,
    pub rootfs: RootfsPlan,
    /// A new user namespace with these maps (rootless), or none (root).
    pub id_maps: Option<IdMaps>,
    /// Run `--init` as pid 1.
    pub init: bool,
    /// Named volumes to fill from the image before mounting them:
    /// (container path, volume directory).
    pub copy_ups: Vec<(String, PathBuf)>,
    /// Compiled seccomp filter, if any.
    pub seccomp: Option<Vec<libc::sock_filter>>,
    /// Host devices to bind (`--device`): (host path, container path).
    pub devices: Vec<(PathBuf, String)>,
    /// Where the container's stdin, stdout and stderr go (no effect with a
    /// terminal, which is all three).
    pub stdio: ContainerStdio,
    /// The slirp network: the child creates the tap in its new network
    /// namespace and sends it back (see `Launched::tap`).
    pub network: Option<crate::network::NetworkPlan>,
    /// `--network pasta`: pasta's arguments; it is run for the child's
    /// namespaces before the command starts.
    pub pasta: Option<Vec<String>>,
    /// `--network container:NAME`: that container's process, pinned, and
    /// the namespaces of it to enter (its network namespace, and as
    /// rootless the user namespace that owns it) instead of making new
    /// ones. See [`clone_into`].
    pub join: Option<exec::Target>,
    /// User networks: the network host attaches the container (in its new
    /// network namespace) before its command starts.
    pub bridge: Option<netns::BridgePlan>,
    /// A pod's infra: no root filesystem and no command; the child holds
    /// the namespaces as cove itself (see [`infra`]).
    pub infra: bool,
}

/// The container's standard streams when it has no terminal.
pub enum ContainerStdio {
    /// This process's own; stdin too with `keep_stdin` (`-i`), else
    /// /dev/null.
    Inherit { keep_stdin: bool },
    /// These descriptors (pipes to the monitor) become 0, 1 and 2; no stdin
    /// means /dev/null.
    Pipes {
        stdin: Option<std::os::fd::RawFd>,
        stdout: std::os::fd::RawFd,
        stderr: std::os::fd::RawFd,
    },
}

/// A started container process.
pub struct Launched {
    pub pid: Pid,
    /// The pseudo-terminal master, with `-t`.
    pub console: Option<OwnedFd>,
    /// The container's tap (slirp network), for `network::slirp::Slirp`.
    pub tap: Option<OwnedFd>,
    /// The container's interfaces on user networks (attached while this
    /// lives).
    pub bridge: Option<netns::Attached>,
}

/// Block every catchable signal (they are forwarded to the container, as
/// Podman's --sig-proxy does; SIGCHLD and SIGWINCH are ours) into a
/// signalfd, before the clone so none is lost in between. The child
/// restores the old mask. Faults and SIGPIPE/SIGURG keep their default.
pub fn block_signals() -> anyhow::Result<(SignalFd, SigSet)> {
    let mut set = SigSet::all();
    for keep in [
        Signal::SIGKILL,
        Signal::SIGSTOP,
        Signal::SIGSEGV,
        Signal::SIGBUS,
        Signal::SIGILL,
        Signal::SIGFPE,
        Signal::SIGABRT,
        Signal::SIGTRAP,
        Signal::SIGSYS,
        Signal::SIGPIPE,
        Signal::SIGURG,
        Signal::SIGTSTP,
        Signal::SIGTTIN,
        Signal::SIGTTOU,
    ] {
        set.remove(keep);
    }
    let mut old = SigSet::empty();
    nix::sys::signal::pthread_sigmask(
        nix::sys::signal::SigmaskHow::SIG_BLOCK,
        Some(&set),
        Some(&mut old),
    )?;
    let fd = SignalFd::with_flags(
        &set,
        nix::sys::signalfd::SfdFlags::SFD_CLOEXEC | nix::sys::signalfd::SfdFlags::SFD_NONBLOCK,
    )?;
    Ok((fd, old))
}

fn clone_flags(spec: &Spec, new_user: bool) -> libc::c_int {
    let mut flags = libc::SIGCHLD;
    if new_user {
        flags |= libc::CLONE_NEWUSER;
    }
    let namespaces = spec
        .linux()
        .as_ref()
        .and_then(|l| l.namespaces().clone())
        .unwrap_or_default();
    for ns in namespaces {
        if ns.path().is_some() {
            continue;
        }
        flags |= match ns.typ() {
            LinuxNamespaceType::Mount => libc::CLONE_NEWNS,
            LinuxNamespaceType::Pid => libc::CLONE_NEWPID,
            LinuxNamespaceType::Uts => libc::CLONE_NEWUTS,
            LinuxNamespaceType::Ipc => libc::CLONE_NEWIPC,
            LinuxNamespaceType::Network => libc::CLONE_NEWNET,
            LinuxNamespaceType::Cgroup => libc::CLONE_NEWCGROUP,
            LinuxNamespaceType::User => 0,
            LinuxNamespaceType::Time => 0,
        };
    }
    flags
}

/// Clone the container process and wait until it has exec'd its command
/// (or failed to, in which case the error carries its exit code).
///
/// Must be called while this process has a single thread: the child runs
/// ordinary Rust code (allocation included) until exec.
pub fn launch(plan: &LaunchPlan, old_mask: &SigSet) -> anyhow::Result<Launched> {
    let (go_read, go_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let (err_read, err_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let console = if plan.spec.process().as_ref().and_then(|p| p.terminal()) == Some(true) {
        Some(crate::sys::fd::fd_socketpair()?)
    } else {
        None
    };
    // The tap travels like the console's master: created by the child in
    // its namespace, sent over a socketpair.
    let tap_sock = match plan.network {
        Some(_) => Some(crate::sys::fd::fd_socketpair()?),
        None => None,
    };
    let joins_user = plan.join.as_ref().is_some_and(|t| t.joins_user());
    let flags = clone_flags(&plan.spec, plan.id_maps.is_some() && !joins_user);
    let pid = match &plan.join {
        None => clone_raw(flags).map_err(|err| {
            exit_error(
                125,
                format!(
                    "creating the container's namespaces: {err}{}",
                    namespace_hint(&err)
                ),
            )
        })?,
        Some(target) => clone_into(target, flags)?,
    };
    if pid == 0 {
        drop(go_write);
        drop(err_read);
        let console_child = console.as_ref().map(|(_, c)| c.as_raw_fd());
        let tap_child = tap_sock.as_ref().map(|(_, c)| c.as_raw_fd());
        child::run(plan, go_read, err_write, console_child, tap_child, old_mask);
    }
    let pid = Pid::from_raw(pid as i32);
    drop(go_read);
    drop(err_write);
    let console_parent = console.map(|(p, c)| {
        drop(c);
        p
    });
    let tap_parent = tap_sock.map(|(p, c)| {
        drop(c);
        p
    });
    let kill_child = || {
        let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
        let _ = nix::sys::wait::waitpid(pid, None);
    };
    if let Some(maps) = plan.id_maps.as_ref().filter(|_| !joins_user) {
        if let Err(e) = write_id_maps(&Kernel, pid.as_raw(), maps) {
            kill_child();
            return Err(exit_error(125, format!("{e:#}")));
        }
    }
    if let Err(e) = plan.rootfs.start_server(pid) {
        kill_child();
        return Err(e);
    }
    if let Some(args) = &plan.pasta {
        if let Err(e) = crate::network::pasta::start(args, pid.as_raw()) {
            kill_child();
            return Err(e);
        }
    }
    let bridge = match &plan.bridge {
        Some(b) => match netns::attach(b, pid.as_raw()) {
            Ok(a) => Some(a),
            Err(e) => {
                kill_child();
                return Err(e);
            }
        },
        None => None,
    };
    if let Err(e) = nix::unistd::write(&go_write, b"g") {
        kill_child();
        return Err(e).context("starting the container process");
    }
    drop(go_write);
    // The child reports failures before exec here; a successful exec
    // closes the pipe with nothing written.
    let mut report = Vec::new();
    let _ = std::fs::File::from(err_read).read_to_end(&mut report);
    if !report.is_empty() {
        let _ = nix::sys::wait::waitpid(pid, None);
        let code = report[0] as i32;
        let message = String::from_utf8_lossy(&report[1..]).to_string();
        return Err(exit_error(code, message));
    }
    let console = match console_parent {
        Some(sock) => Some(
            crate::sys::fd::recv_fd(sock.as_fd()).context("receiving the container's terminal")?,
        ),
        None => None,
    };
    let tap = match tap_parent {
        Some(sock) => Some(
            crate::sys::fd::recv_fd(sock.as_fd())
                .context("receiving the container's network device")?,
        ),
        None => None,
    };
    Ok(Launched {
        pid,
        console,
        tap,
        bridge,
    })
}

/// A raw clone with `flags`: 0 in the child, its pid here.
fn clone_raw(flags: libc::c_int) -> std::io::Result<libc::c_long> {
    // SAFETY: a raw clone without CLONE_VM behaves as fork: the child gets a
    // copy of the address space. The process is single-threaded (contract).
    let pid = unsafe {
        libc::syscall(
            libc::SYS_clone,
            flags as libc::c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        )
    };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(pid)
}

/// Clone the container process inside `target`'s namespaces, with new
/// ones for the rest (`flags`): 0 in the container process, its pid here.
///
/// A user namespace, once entered, cannot be left, so this process does
/// not enter it: a short-lived helper joins the namespaces and clones the
/// container process with CLONE_PARENT, which makes it our child (waited
/// for, signalled and killed with us like any other container process).
/// The helper reports the pid, or why it could not, and exits.
fn clone_into(target: &exec::Target, flags: libc::c_int) -> anyhow::Result<libc::c_long> {
    let (report_read, report_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    // SAFETY: single-threaded (contract); the helper only makes syscalls
    // and _exits, or returns as the container process.
    let helper = match unsafe { nix::unistd::fork() }.context("forking to join the network")? {
        nix::unistd::ForkResult::Child => {
            drop(report_read);
            let outcome = exec::join_only(&Kernel, target)
                .and_then(|()| clone_raw(flags | libc::CLONE_PARENT).map_err(Into::into));
            let message = match outcome {
                Ok(0) => {
                    drop(report_write);
                    return Ok(0);
                }
                Ok(pid) => format!("{pid}"),
                Err(e) => format!("!{e:#}"),
            };
            let _ = nix::unistd::write(&report_write, message.as_bytes());
            // SAFETY: leave without unwinding into the launcher's code.
            unsafe { libc::_exit(0) }
        }
        nix::unistd::ForkResult::Parent { child } => child,
    };
    drop(report_write);
    let mut report = String::new();
    let _ = std::fs::File::from(report_read).read_to_string(&mut report);
    let _ = nix::sys::wait::waitpid(helper, None);
    match report.strip_prefix('!') {
        Some(_) if !target.alive() => Err(exit_error(
            125,
            "the container whose network this one joins stopped while it was starting; start it again",
        )),
        Some(why) => Err(exit_error(
            125,
            format!("joining the network of the other container: {why}"),
        )),
        None => report.parse().map_err(|_| {
            exit_error(
                125,
                "joining the network of the other container: the helper process died",
            )
        }),
    }
}

fn namespace_hint(err: &std::io::Error) -> &'static str {
    match err.raw_os_error() {
        Some(libc::EPERM) | Some(libc::ENOSPC) | Some(libc::EUSERS) => {
            " (are unprivileged user namespaces disabled? check sysctl kernel.unprivileged_userns_clone and user.max_user_namespaces)"
        }
        _ => "",
    }
}

/// Map the child's ids: newuidmap/newgidmap (run side by side) for the
/// subordinate ranges, or a direct write for a single id.
fn write_id_maps(sys: &dyn Syscall, pid: i32, maps: &IdMaps) -> anyhow::Result<()> {
    if maps.uids.len() == 1 && maps.gids.len() == 1 {
        let line = |r: &crate::sys::userns::IdRange| {
            format!("{} {} {}\n", r.container_id, r.host_id, r.size)
        };
        let file = |name: &str| PathBuf::from(format!("/proc/{pid}/{name}"));
        sys.write_id_map(&file("setgroups"), "deny")
            .context("writing setgroups")?;
        sys.write_id_map(&file("uid_map"), &line(&maps.uids[0]))
            .context("writing uid_map")?;
        sys.write_id_map(&file("gid_map"), &line(&maps.gids[0]))
            .context("writing gid_map")?;
        return Ok(());
    }
    crate::sys::userns::run_idmap_helpers(sys, pid, maps)
}

/// How a container's process ended, as an exit code: its own, or 128+N
/// when killed by signal N (the shell's convention, and Podman's).
pub fn exit_code_of(status: nix::sys::wait::WaitStatus) -> Option<i32> {
    use nix::sys::wait::WaitStatus;
    match status {
        WaitStatus::Exited(_, code) => Some(code),
        WaitStatus::Signaled(_, sig, _) => Some(128 + sig as i32),
        _ => None,
    }
}

/// Wait for the container, forwarding signals to it; relay the terminal
/// when there is one. Returns its exit code.
pub fn supervise(
    launched: Launched,
    signals: &mut SignalFd,
    stdin_open: bool,
) -> anyhow::Result<i32> {
    let pid = launched.pid;
    if let Some(master) = launched.console {
        return tty::relay(master, stdin_open, signals, pid);
    }
    loop {
        if let Some(code) = reap(pid)? {
            return Ok(code);
        }
        let mut fds = [nix::poll::PollFd::new(
            signals.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )];
        match nix::poll::poll(&mut fds, nix::poll::PollTimeout::NONE) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
        while let Ok(Some(info)) = signals.read_signal() {
            forward(pid, info.ssi_signo as i32);
        }
    }
}

/// Reap the container if it has exited.
pub fn reap(pid: Pid) -> anyhow::Result<Option<i32>> {
    use nix::sys::wait::{waitpid, WaitPidFlag};
    match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
        Ok(status) => Ok(exit_code_of(status)),
        Err(nix::errno::Errno::EINTR) => Ok(None),
        Err(e) => Err(e).context("waiting for the container"),
    }
}

/// Pass a signal the user sent us on to the container.
pub fn forward(pid: Pid, signo: i32) {
    if signo == libc::SIGCHLD || signo == libc::SIGWINCH {
        return;
    }
    // Real-time signals have no `Signal` variant: send the number as is.
    // SAFETY: kill with plain integers.
    unsafe { libc::kill(pid.as_raw(), signo) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::syscall::Recorder;
    use crate::sys::userns::build_ranges;

    #[test]
    fn a_single_id_is_written_and_ranges_go_to_the_mappers() {
        let dir = tempfile::tempdir().unwrap();
        let single = IdMaps {
            uids: build_ranges(1000, &[]),
            gids: build_ranges(1001, &[]),
        };
        let rec = Recorder::new(dir.path());
        write_id_maps(&rec, 42, &single).unwrap();
        assert_eq!(
            rec.log(),
            [
                r#"write /proc/42/setgroups "deny""#,
                r#"write /proc/42/uid_map "0 1000 1\n""#,
                r#"write /proc/42/gid_map "0 1001 1\n""#,
            ]
        );
        let full = IdMaps {
            uids: build_ranges(1000, &[(100000, 65536), (300000, 10)]),
            gids: build_ranges(1001, &[(200000, 65536)]),
        };
        let rec = Recorder::new(dir.path());
        write_id_maps(&rec, 42, &full).unwrap();
        assert_eq!(
            rec.log(),
            [
                "newuidmap 42 0 1000 1 1 100000 65536 65537 300000 10",
                "newgidmap 42 0 1001 1 1 200000 65536",
            ]
        );
    }
}
