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
    _conn: OwnedFd,
    pub interfaces: Vec<Interface>,
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
            let code = match intermediate(maps, &ready_write, &exe_c, &args, &log_c) {
                Ok(()) => 0,
                Err(e) => {
                    let _ = nix::unistd::write(&ready_write, format!("{e:#}").as_bytes());
                    1
                }
            };
            // SAFETY: leave without running the parent's exit handlers.
            unsafe { libc::_exit(code) }
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

/// In the intermediate process: clone the host, map its ids, let it go.
fn intermediate(
    maps: Option<&IdMaps>,
    ready: &OwnedFd,
    exe: &std::ffi::CStr,
    args: &[std::ffi::CString],
    log: &std::ffi::CStr,
) -> anyhow::Result<()> {
    let (go_read, go_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
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
            // SAFETY: the intermediate failed; leave quietly.
            unsafe { libc::_exit(1) }
        }
        exec_host(ready, &upstream, exe, args, log);
    }
    drop(go_read);
    if let Some(maps) = maps {
        super::write_id_maps(&Kernel, pid as i32, maps)
            .context("mapping the network host's ids")?;
    }
    nix::unistd::write(&go_write, b"g")?;
    Ok(())
}

/// In the host process: a session of its own, stdio on /dev/null and its
/// log, the ready pipe as fd 3, then exec.
fn exec_host(
    ready: &OwnedFd,
    upstream: &[RawFd],
    exe: &std::ffi::CStr,
    args: &[std::ffi::CString],
    log: &std::ffi::CStr,
) -> ! {
    let _ = nix::unistd::setsid();
    // SAFETY: plain descriptor syscalls before exec; failures end in _exit.
    unsafe {
        // Out of the way first, so no target number is a source.
        let high = |fd: RawFd| libc::fcntl(fd, libc::F_DUPFD, 100);
        let ready = high(ready.as_raw_fd());
        let upstream: Vec<RawFd> = upstream.iter().map(|fd| high(*fd)).collect();
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
        libc::dup2(ready, 3);
        // The upstream DNS sockets as 4 and 5.
        let mut next = 4;
        for fd in upstream.into_iter().filter(|fd| *fd >= 0) {
            libc::dup2(fd, next);
            next += 1;
        }
        // Nothing else (the monitor's locks, its report pipe) may live on
        // in the host.
        libc::syscall(libc::SYS_close_range, next as u32, u32::MAX, 0u32);
        let _ = nix::unistd::execv(exe, args);
        libc::_exit(127)
    }
}

/// The `cove __netns DIR ROOT` process, in its namespaces already.
pub fn serve_host(dir: &Path, root: &Path) -> anyhow::Result<()> {
    // SAFETY: fd 3 is the ready pipe `exec_host` placed there.
    let ready = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(3) };
    let _ = nix::fcntl::fcntl(
        &ready,
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
    );
    // fds 4 and 5: UDP sockets of the host's network namespace, for DNS
    // questions that go upstream.
    let mut upstream = Vec::new();
    for fd in [4, 5] {
        if nix::fcntl::fcntl(
            // SAFETY: probing whether the descriptor is open.
            unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) },
            nix::fcntl::FcntlArg::F_GETFD,
        )
        .is_ok()
        {
            // SAFETY: `exec_host` placed these sockets there for us.
            let sock = unsafe { <std::net::UdpSocket as std::os::fd::FromRawFd>::from_raw_fd(fd) };
            let _ = nix::fcntl::fcntl(
                &sock,
                nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
            );
            upstream.push(sock);
        }
    }
    let result = host::serve(dir, root, ready, upstream);
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
        Reply::Attached(interfaces) => Ok(Attached {
            _conn: conn,
            interfaces,
        }),
        Reply::Failed(why) => Err(exit_error(125, why)),
    }
}
