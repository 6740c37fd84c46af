//! The client side of the network host (`network::named::host`): find it
//! or start it, and attach a starting container to user networks.
//!
//! `<runroot>/netns/lock` serialises starting the host with its exit: a
//! client connects under the lock, and the host decides to exit under it
//! too, so a client never connects to a host on its way out. A host that
//! died (kill -9) leaves a socket nobody listens on: the next client
//! removes it and starts a new host.

use crate::error::exit_error;
use crate::network::named::host::{self, Interface, Reply, Request};
use crate::network::Attachment;
use crate::sys::syscall::Kernel;
use crate::sys::userns::IdMaps;
use anyhow::Context;
use nix::sys::socket;
use std::io::Read;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

/// The network host's directory under the run root.
pub fn host_dir(runroot: &Path) -> PathBuf {
    runroot.join("netns")
}

/// A connection to the network host.
pub struct HostLink {
    conn: OwnedFd,
    /// The host's pid (from the socket's credentials).
    pub pid: i32,
}

/// An attached container: the connection keeps it attached.
pub struct Attached {
    conn: OwnedFd,
    pub interfaces: Vec<Interface>,
}

impl Attached {
    /// Relay connections to the host's listening socket `listener` to the
    /// container's TCP `port` (the host dials its bridge address).
    pub fn publish(&self, listener: std::os::fd::BorrowedFd<'_>, port: u16) -> anyhow::Result<()> {
        let request = Request::Publish { port };
        host::send(
            self.conn.as_fd(),
            &serde_json::to_vec(&request)?,
            Some(listener),
        )?;
        match host::receive(self.conn.as_fd())? {
            Some((bytes, _)) => match serde_json::from_slice::<Reply>(&bytes)? {
                Reply::Attached(_) => Ok(()),
                Reply::Failed(why) => Err(exit_error(125, why)),
            },
            None => anyhow::bail!("the network host went away"),
        }
    }

    /// The container has exited: wait until the host has let go of it
    /// (a host that is gone has let go too).
    pub fn detach(self) {
        // A host that hangs must not keep the exit from being recorded.
        let wait = nix::sys::time::TimeVal::new(2, 0);
        let _ = socket::setsockopt(&self.conn, socket::sockopt::ReceiveTimeout, &wait);
        let request = serde_json::to_vec(&Request::Detach).unwrap_or_default();
        if host::send(self.conn.as_fd(), &request, None).is_ok() {
            let _ = host::receive(self.conn.as_fd());
        }
    }
}

/// What the container needs from the network host at launch.
pub struct BridgePlan {
    pub link: HostLink,
    pub id: String,
    pub name: String,
    pub hostname: String,
    pub networks: Vec<Attachment>,
}

/// Connect to the network host, starting it when there is none. `maps`:
/// the user namespace it makes (rootless), or none as root. `root`: the
/// store, where it reads the networks' records.
pub fn connect(runroot: &Path, root: &Path, maps: Option<&IdMaps>) -> anyhow::Result<HostLink> {
    let dir = host_dir(runroot);
    crate::sys::fsutil::create_dir_all_mode(&dir, 0o700)?;
    let file = crate::sys::fsutil::open_lock_file(&host::lock_path(&dir))?;
    let _lock = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| anyhow::anyhow!("locking the network host: {e}"))?;
    if let Ok(link) = dial(&dir) {
        return Ok(link);
    }
    // None, or a dead one's socket.
    let _ = std::fs::remove_file(host::socket_path(&dir));
    spawn(&dir, root, maps)?;
    dial(&dir).context("connecting to the network host it just started")
}

fn dial(dir: &Path) -> anyhow::Result<HostLink> {
    let conn = socket::socket(
        socket::AddressFamily::Unix,
        socket::SockType::SeqPacket,
        socket::SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    let addr = socket::UnixAddr::new(&host::socket_path(dir))?;
    socket::connect(conn.as_raw_fd(), &addr)?;
    let cred = socket::getsockopt(&conn, socket::sockopt::PeerCredentials)?;
    Ok(HostLink {
        conn,
        pid: cred.pid(),
    })
}

/// Start the host: an intermediate process clones it into new network
/// (and user) namespaces, maps its ids, lets it exec `cove __netns` and
/// exits, so the host belongs to no container's monitor. Returns once it
/// listens, or with what it reported.
fn spawn(dir: &Path, root: &Path, maps: Option<&IdMaps>) -> anyhow::Result<()> {
    let (ready_read, ready_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let exe = std::fs::read_link("/proc/self/exe").context("finding cove's executable")?;
    let log = host::log_path(dir);
    let args: Vec<std::ffi::CString> = [
        exe.as_os_str(),
        host::COMMAND.as_ref(),
        dir.as_os_str(),
        root.as_os_str(),
    ]
    .iter()
    .map(|a| std::ffi::CString::new(a.as_encoded_bytes()))
    .collect::<Result<_, _>>()?;
    let exe_c = args[0].clone();
    let log_c = std::ffi::CString::new(log.as_os_str().as_encoded_bytes())?;
    // SAFETY: the caller is single-threaded (the launch contract); the
    // intermediate only makes syscalls, runs the id mappers and _exits.
    let middle = match unsafe { nix::unistd::fork() }.context("forking the network host")? {
        nix::unistd::ForkResult::Parent { child } => child,
        nix::unistd::ForkResult::Child => {
            drop(ready_read);
            // The uplink process: a child of this short-lived one, so
            // that it belongs to no monitor once this exits.
            // SAFETY: a forked copy of a single-threaded process.
            if let Ok(nix::unistd::ForkResult::Child) = unsafe { nix::unistd::fork() } {
                if let Err(e) = intermediate(maps, &ready_write, &exe_c, &args, &log_c) {
                    let _ = nix::unistd::write(&ready_write, format!("{e:#}").as_bytes());
                }
                // SAFETY: leave without running the parent's exit handlers.
                unsafe { libc::_exit(1) }
            }
            // SAFETY: leave without running the parent's exit handlers.
            unsafe { libc::_exit(0) }
        }
    };
    drop(ready_write);
    let _ = nix::sys::wait::waitpid(middle, None);
    let mut report = String::new();
    let _ = std::fs::File::from(ready_read).read_to_string(&mut report);
    if report == "ok" {
        return Ok(());
    }
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    let why = if !report.is_empty() {
        report
    } else {
        logged.lines().last().unwrap_or("it exited").to_string()
    };
    Err(exit_error(125, format!("starting the network host: {why}")))
}

/// In the uplink process (the user's namespaces): clone the host, map its
/// ids, let it go, and become the uplink: cove's user-mode stack for the
/// host's tap, whose sockets must be made here, where the way out is.
fn intermediate(
    maps: Option<&IdMaps>,
    ready: &OwnedFd,
    exe: &std::ffi::CStr,
    args: &[std::ffi::CString],
    log: &std::ffi::CStr,
) -> anyhow::Result<()> {
    let _ = nix::unistd::setsid();
    let (go_read, go_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let (ctl_uplink, ctl_host) = crate::sys::fd::fd_socketpair()?;
    // Made here, in the user's network namespace: the host forwards DNS
    // questions for names that are not containers' through them.
    let upstream: Vec<RawFd> = ["0.0.0.0:0", "[::]:0"]
        .iter()
        .filter_map(|a| std::net::UdpSocket::bind(a).ok())
        .map(std::os::fd::IntoRawFd::into_raw_fd)
        .collect();
    let mut flags = libc::CLONE_NEWNET | libc::SIGCHLD;
    if maps.is_some() {
        flags |= libc::CLONE_NEWUSER;
    }
    let pid = super::clone_raw(flags).context("creating the network host's namespaces")?;
    if pid == 0 {
        drop(go_write);
        let mut byte = [0u8; 1];
        if nix::unistd::read(&go_read, &mut byte) != Ok(1) {
            // SAFETY: the uplink failed; leave quietly.
            unsafe { libc::_exit(1) }
        }
        let mut fds = vec![ready.as_raw_fd(), ctl_host.as_raw_fd()];
        fds.extend(upstream);
        exec_with(&fds, exe, args, log);
    }
    drop(go_read);
    drop(ctl_host);
    for fd in upstream {
        // SAFETY: our copies of the sockets handed to the host.
        unsafe { libc::close(fd) };
    }
    if let Some(maps) = maps {
        if let Err(e) = super::write_id_maps(&Kernel, pid as i32, maps) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
            return Err(e.context("mapping the network host's ids"));
        }
    }
    nix::unistd::write(&go_write, b"g")?;
    // The host's directory too, so that `ps` tells whose uplink it is.
    let uplink_args = [
        exe.to_owned(),
        std::ffi::CString::new(host::UPLINK_COMMAND)?,
        args[2].clone(),
    ];
    exec_with(&[ctl_uplink.as_raw_fd()], exe, &uplink_args, log)
}

/// Exec cove as a background process: a session of its own, stdio on
/// /dev/null and `log`, `fds` as 3, 4, … and nothing else open.
fn exec_with(
    fds: &[RawFd],
    exe: &std::ffi::CStr,
    args: &[std::ffi::CString],
    log: &std::ffi::CStr,
) -> ! {
    let _ = nix::unistd::setsid();
    // SAFETY: plain descriptor syscalls before exec; failures end in _exit.
    unsafe {
        // Out of the way first, so no target number is a source.
        let high = |fd: RawFd| libc::fcntl(fd, libc::F_DUPFD, 100);
        let fds: Vec<RawFd> = fds.iter().map(|fd| high(*fd)).collect();
        let null = high(libc::open(c"/dev/null".as_ptr(), libc::O_RDWR));
        let logfd = libc::open(
            log.as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_APPEND | libc::O_CLOEXEC,
            0o600,
        );
        let logfd = if logfd >= 0 { high(logfd) } else { null };
        libc::dup2(null, 0);
        libc::dup2(null, 1);
        libc::dup2(logfd, 2);
        let mut next = 3;
        for fd in fds {
            libc::dup2(fd, next);
            next += 1;
        }
        // Nothing else (the monitor's locks, its report pipe) may live on.
        libc::syscall(libc::SYS_close_range, next as u32, u32::MAX, 0u32);
        let _ = nix::unistd::execv(exe, args);
        libc::_exit(127)
    }
}

/// Take descriptor `fd` (placed by `exec_with`) if it is open.
fn inherited(fd: RawFd) -> Option<OwnedFd> {
    // SAFETY: only borrowed to probe whether the descriptor is open.
    let probe = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    let open = nix::fcntl::fcntl(probe, nix::fcntl::FcntlArg::F_GETFD).is_ok();
    if !open {
        return None;
    }
    // SAFETY: `exec_with` placed it there for this process alone.
    let owned = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    let _ = nix::fcntl::fcntl(
        &owned,
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
    );
    Some(owned)
}

/// The `cove __netns-uplink` process.
pub fn serve_uplink() -> anyhow::Result<()> {
    let ctl = inherited(3).ok_or_else(|| anyhow::anyhow!("no control socket"))?;
    let result = host::serve_uplink(ctl);
    if let Err(e) = &result {
        eprintln!("cove network uplink: {e:#}");
    }
    result
}

/// The `cove __netns DIR ROOT` process, in its namespaces already.
pub fn serve_host(dir: &Path, root: &Path) -> anyhow::Result<()> {
    // 3: the ready pipe; 4: the uplink's control socket; 5 and 6: UDP
    // sockets of the user's network namespace, for DNS questions that go
    // upstream.
    let ready = inherited(3).ok_or_else(|| anyhow::anyhow!("no ready pipe"))?;
    let uplink = inherited(4);
    let upstream: Vec<std::net::UdpSocket> = [5, 6]
        .into_iter()
        .filter_map(inherited)
        .map(std::net::UdpSocket::from)
        .collect();
    let result = host::serve(dir, root, ready, uplink, upstream);
    if let Err(e) = &result {
        eprintln!("cove network host: {e:#}");
    }
    result
}

/// Attach the container `pid` (waiting to start, in its new network
/// namespace) to its networks; the container runs with the interfaces
/// made.
pub fn attach(plan: &BridgePlan, pid: i32) -> anyhow::Result<Attached> {
    let netns = std::fs::File::open(format!("/proc/{pid}/ns/net"))
        .context("opening the container's network namespace")?;
    let request = Request::Attach {
        id: plan.id.clone(),
        name: plan.name.clone(),
        hostname: plan.hostname.clone(),
        pid,
        networks: plan.networks.clone(),
    };
    let conn = plan.link.conn.try_clone()?;
    host::send(
        conn.as_fd(),
        &serde_json::to_vec(&request)?,
        Some(netns.as_fd()),
    )?;
    let reply = match host::receive(conn.as_fd())? {
        Some((bytes, _)) => serde_json::from_slice::<Reply>(&bytes)?,
        None => anyhow::bail!("the network host went away"),
    };
    match reply {
        Reply::Attached(interfaces) => Ok(Attached { conn, interfaces }),
        Reply::Failed(why) => Err(exit_error(125, why)),
    }
}

/// Ask the running network host to change a running container's
/// networks (`request` is Connect or Disconnect; `netns`, the container's
/// network namespace, goes with a Connect). Returns the container's
/// interfaces after the change.
pub fn change(
    runroot: &Path,
    request: &Request,
    netns: Option<&std::fs::File>,
) -> anyhow::Result<Vec<Interface>> {
    let link = dial(&host_dir(runroot)).map_err(|_| {
        exit_error(
            125,
            "no network host runs: the container is not on a user network now",
        )
    })?;
    host::send(
        link.conn.as_fd(),
        &serde_json::to_vec(request)?,
        netns.map(|f| f.as_fd()),
    )?;
    let reply = match host::receive(link.conn.as_fd())? {
        Some((bytes, _)) => serde_json::from_slice::<Reply>(&bytes)?,
        None => anyhow::bail!("the network host went away"),
    };
    match reply {
        Reply::Attached(interfaces) => Ok(interfaces),
        Reply::Failed(why) => Err(exit_error(125, why)),
    }
}
