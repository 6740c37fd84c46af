//! Serving the filesystem, and the hand-off that makes it possible.
//!
//! The kernel only accepts a FUSE mount whose /dev/fuse descriptor was
//! opened in the mounting user namespace, so the container process opens
//! it and mounts (see `mount`), then passes the descriptor over a socket
//! pair to the server. The server is a process of its own, forked by the
//! launcher (the single-threaded monitor, or foreground `run`) once the
//! container's id maps are written: it joins the container's user
//! namespace (so it can read image files owned by subordinate ids and
//! create files for any container id) but stays in the host's mount
//! namespace, where the layers are. It is double-forked so nobody has to
//! reap it, and it ends by itself when the container's mount namespace
//! goes away (the kernel then fails its reads with ENODEV). Its stdio is
//! /dev/null; what goes wrong is appended to `fuse-server.log` in the
//! container's directory.

use super::fs::{Layers, OverlayFs};
use super::idmap::IdShift;
use crate::sys::userns::IdMaps;
use anyhow::Context;
use fuse_backend_rs::api::server::Server;
use fuse_backend_rs::transport::{FuseBuf, FuseDevWriter, Reader};
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Request-serving threads. Each request wakes one; on the 2-core
/// machines we measure on, 4 made `cat` of 10,000 small files half again
/// slower than 2 (more context switches than parallel work), and 1 lets
/// a slow copy-up or fsync stall everything else.
const THREADS: usize = 2;

/// The log file name in the container's directory.
pub const LOG: &str = "fuse-server.log";

/// The server's pid, in the container's directory.
const PID_FILE: &str = "fuse-server.pid";

/// Everything needed to mount and serve one container's root filesystem.
#[derive(Debug)]
pub struct FusePlan {
    /// Layer directories, top first.
    pub lowers: Vec<PathBuf>,
    pub upper: PathBuf,
    pub work: PathBuf,
    pub target: PathBuf,
    /// The container's user namespace mapping (None: no user namespace).
    pub id_maps: Option<IdMaps>,
    /// The mapping the store's files are in.
    pub storage_maps: Option<IdMaps>,
    /// Where the server reports what went wrong.
    pub log: PathBuf,
    /// See `volatile`.
    volatile: bool,
    /// (container end, server end) of the hand-off socket pair; taken by
    /// the launcher once both processes have their copies.
    sockets: Mutex<Option<(OwnedFd, OwnedFd)>>,
}

impl FusePlan {
    pub fn new(
        lowers: Vec<PathBuf>,
        upper: PathBuf,
        work: PathBuf,
        target: PathBuf,
        id_maps: Option<IdMaps>,
        storage_maps: Option<IdMaps>,
        log: PathBuf,
    ) -> anyhow::Result<FusePlan> {
        check_xattrs(&work)?;
        let sockets =
            crate::sys::fd::fd_socketpair().context("creating the FUSE hand-off socket")?;
        Ok(FusePlan {
            lowers,
            upper,
            work,
            target,
            id_maps,
            storage_maps,
            log,
            volatile: false,
            sockets: Mutex::new(Some(sockets)),
        })
    }

    /// The upper dir goes with the container (`run --rm`): fsync inside
    /// it is skipped, as Podman mounts such containers `volatile`.
    pub fn volatile(mut self, volatile: bool) -> FusePlan {
        self.volatile = volatile;
        self
    }

    /// The hand-off socket's (container end, server end), as seen by the
    /// container process.
    pub(super) fn socket_fds(&self) -> Option<(RawFd, RawFd)> {
        self.sockets
            .lock()
            .ok()?
            .as_ref()
            .map(|(c, s)| (c.as_raw_fd(), s.as_raw_fd()))
    }

    /// Fork the server for the container process `pid` (its id maps are
    /// written). Must be called while this process has a single thread.
    pub fn start_server(&self, pid: i32) -> anyhow::Result<()> {
        let Some((container_end, server_end)) = self.sockets.lock().ok().and_then(|mut s| s.take())
        else {
            anyhow::bail!("the FUSE server was already started");
        };
        let _ = std::fs::remove_file(&self.log);
        let _ = std::fs::remove_file(self.log.with_file_name(PID_FILE));
        // Opened now, while the container process still has our
        // credentials (it becomes its namespace's root, a subordinate id
        // with keep-id, once it goes on, and /proc then refuses us).
        let userns = match &self.id_maps {
            Some(_) => Some(
                std::fs::File::open(format!("/proc/{pid}/ns/user"))
                    .context("opening the container's user namespace")?,
            ),
            None => None,
        };
        // SAFETY: single-threaded (contract); the children make syscalls,
        // and the grandchild becomes the server and exits without
        // returning.
        match unsafe { nix::unistd::fork() }.context("starting the FUSE server")? {
            nix::unistd::ForkResult::Child => {
                // SAFETY: as above.
                let server = unsafe { nix::unistd::fork() };
                if let Ok(nix::unistd::ForkResult::Parent { child }) = server {
                    // For `failure`: nobody waits for the server, so its
                    // death is told by its pid being gone.
                    let _ = std::fs::write(self.log.with_file_name(PID_FILE), child.to_string());
                }
                if let Ok(nix::unistd::ForkResult::Child) = server {
                    drop(container_end);
                    let log = self.log.clone();
                    std::panic::set_hook(Box::new(move |info| {
                        report_to(&log, &format!("the FUSE server crashed: {info}"));
                    }));
                    let code = match serve(self, userns, server_end) {
                        Ok(()) => 0,
                        Err(e) => {
                            self.report(&format!("{e:#}"));
                            1
                        }
                    };
                    // SAFETY: leave without running the launcher's code.
                    unsafe { libc::_exit(code) };
                }
                // SAFETY: the intermediate child leaves at once.
                unsafe { libc::_exit(0) };
            }
            nix::unistd::ForkResult::Parent { child } => {
                drop(container_end);
                drop(server_end);
                drop(userns);
                let _ = nix::sys::wait::waitpid(child, None);
                Ok(())
            }
        }
    }

    pub(super) fn report(&self, message: &str) {
        report_to(&self.log, message);
    }
}

fn report_to(log: &Path, message: &str) {
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        let _ = writeln!(f, "{} {message}", chrono::Local::now().to_rfc3339());
    }
}

/// The last thing the container's FUSE server reported (for `inspect`'s
/// State.Error), if it reported anything.
pub fn last_error(container_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(container_dir.join(LOG)).ok()?;
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    // Drop the timestamp.
    let message = line.split_once(' ').map_or(line, |(_, m)| m);
    Some(format!("fuse storage server: {message}"))
}

/// Why a running container's files fail: what its FUSE server reported,
/// or that the server is gone (killed) without a word. For `inspect`'s
/// State.Error and `ps`.
pub fn failure(container_dir: &Path) -> Option<String> {
    if let Some(reported) = last_error(container_dir) {
        return Some(reported);
    }
    let pid: i32 = std::fs::read_to_string(container_dir.join(PID_FILE))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    // Alive: a process of that pid, not a zombie, still cove (the forked
    // launcher until it names itself cove-fuse); a reused pid is not.
    // Where /proc hides it (hidepid), that it exists has to do.
    // SAFETY: kill with signal 0 only checks.
    let exists = unsafe { libc::kill(pid, 0) } == 0
        || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH);
    let alive = exists
        && std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
            let name = stat.split_once(" (").and_then(|(_, r)| r.rsplit_once(") "));
            matches!(name, Some((comm, rest)) if comm.starts_with("cove") && !rest.starts_with('Z'))
        });
    (!alive).then(|| {
        format!(
            "fuse storage server: the server (pid {pid}) is gone (killed?): the container's files cannot be read; restart the container"
        )
    })
}

impl FusePlan {
    /// Name the server process `cove-fuse-server <container id>`: it is a
    /// fork of the monitor (or of `run`) and must not pass for one in
    /// `ps` or to anything that looks for the monitor by its command line.
    pub(super) fn set_title(&self) {
        let id = self
            .target
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        set_process_title(&format!("cove-fuse-server {id}"));
    }
}

/// Overwrite this process's command line (the memory /proc/<pid>/cmdline
/// reads, as setproctitle does) and its name.
fn set_process_title(title: &str) {
    // SAFETY: prctl with a NUL-terminated name.
    unsafe {
        libc::prctl(
            libc::PR_SET_NAME,
            c"cove-fuse".as_ptr() as libc::c_ulong,
            0,
            0,
            0,
        )
    };
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return;
    };
    // Fields after the parenthesised name; arg_start and arg_end are the
    // 48th and 49th of the whole line.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let (Some(start), Some(end)) = (
        fields.get(45).and_then(|f| f.parse::<usize>().ok()),
        fields.get(46).and_then(|f| f.parse::<usize>().ok()),
    ) else {
        return;
    };
    if end <= start + 1 {
        return;
    }
    let len = end - start;
    let mut bytes: Vec<u8> = title
        .bytes()
        .map(|b| if b == b' ' { 0 } else { b })
        .collect();
    bytes.truncate(len - 1);
    bytes.resize(len, 0);
    // SAFETY: [start, end) is this process's own argument area (on its
    // stack, writable); nothing reads argv after this point.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), start as *mut u8, len) };
}

/// Opaque directories are marked with an xattr: the container's
/// directory must be on a filesystem that has them.
fn check_xattrs(dir: &Path) -> anyhow::Result<()> {
    let path = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes())?;
    let name = c"user.cove.probe";
    match super::sys::set_xattr(&path, name, b"1", 0) {
        Ok(()) => {
            let _ = super::sys::remove_xattr(&path, name);
            Ok(())
        }
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOTSUP)) => Err(crate::error::exit_error(
            125,
            format!(
                "the fuse storage driver needs extended attributes (user.*) on the filesystem holding {}: {e}; move the store (--root) to one that has them (ext4, xfs, btrfs, tmpfs) or use --storage-driver vfs",
                dir.display()
            ),
        )),
        // Anything else (permissions) shows up, more precisely, later.
        Err(_) => Ok(()),
    }
}

/// The server process: detach from the launcher's descriptors, join the
/// container's user namespace, wait for the mounted device, serve.
fn serve(plan: &FusePlan, userns: Option<std::fs::File>, sock: OwnedFd) -> anyhow::Result<()> {
    let mut keep = vec![sock.as_raw_fd()];
    keep.extend(userns.as_ref().map(|f| f.as_raw_fd()));
    isolate(&keep);
    plan.set_title();
    if let Some(ns) = userns {
        join_userns(ns)?;
    }
    let fs = plan.filesystem()?;
    let device = match crate::sys::fd::recv_fd(sock.as_fd()) {
        Ok(fd) => fd,
        // The container failed before mounting: nothing to serve.
        Err(_) => return Ok(()),
    };
    drop(sock);
    serve_device(device, fs)
}

impl FusePlan {
    /// The filesystem over this plan's directories (opened now, with this
    /// process's credentials).
    pub(super) fn filesystem(&self) -> anyhow::Result<OverlayFs> {
        let plan = self;
        let open_dir = |p: &Path| -> anyhow::Result<OwnedFd> {
            nix::fcntl::open(
                p,
                nix::fcntl::OFlag::O_PATH
                    | nix::fcntl::OFlag::O_DIRECTORY
                    | nix::fcntl::OFlag::O_CLOEXEC,
                nix::sys::stat::Mode::empty(),
            )
            .with_context(|| format!("opening {}", p.display()))
        };
        let mut dirs = vec![open_dir(&plan.upper)?];
        for l in &plan.lowers {
            dirs.push(open_dir(l)?);
        }
        let layers = Layers {
            dirs,
            work: open_dir(&plan.work)?,
        };
        let shift = IdShift::new(plan.id_maps.as_ref(), plan.storage_maps.as_ref());
        Ok(OverlayFs::new(layers, shift, plan.volatile))
    }
}

/// Serve requests on a mounted /dev/fuse descriptor until the mount goes
/// away.
pub fn serve_device(device: OwnedFd, fs: OverlayFs) -> anyhow::Result<()> {
    // Blocking reads: the kernel hands each request to one waiting reader
    // (exclusive wake-ups). fuse-backend-rs's FuseChannel polls a
    // non-blocking descriptor instead, which wakes every thread for each
    // request and cost a third of the server's time in failed reads.
    nix::fcntl::fcntl(
        &device,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::empty()),
    )?;
    let device = Arc::new(device);
    let server = Arc::new(Server::new(fs));
    let mut threads = Vec::new();
    for i in 0..THREADS {
        let server = server.clone();
        let device = device.clone();
        threads.push(
            std::thread::Builder::new()
                .name(format!("fuse-{i}"))
                .spawn(move || serve_requests(device.as_raw_fd(), &server))?,
        );
    }
    let mut failure = None;
    for t in threads {
        if let Ok(Some(e)) = t.join() {
            failure = Some(e);
        }
    }
    match failure {
        Some(e) => anyhow::bail!(e),
        None => Ok(()),
    }
}

/// The transport's buffer: the largest request (max_read/max_write of
/// 256 pages) plus a header page.
fn buffer_size() -> usize {
    256 * page_size() + 0x1000
}

/// One thread's request loop; Some(reason) when it ends for anything but
/// the unmount.
fn serve_requests(fd: RawFd, server: &Server<OverlayFs>) -> Option<String> {
    let mut buf = vec![0u8; buffer_size()];
    loop {
        // SAFETY: read into our own buffer.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            match std::io::Error::last_os_error().raw_os_error() {
                // Interrupted, or a request the kernel withdrew.
                Some(libc::EINTR | libc::EAGAIN | libc::ENOENT) => continue,
                // Unmounted: the container's mount namespace is gone.
                Some(libc::ENODEV) => return None,
                e => return Some(format!("reading FUSE requests: errno {e:?}")),
            }
        }
        let len = n as usize;
        let ptr = buf.as_mut_ptr();
        // As fuse-backend-rs's own channel does: the request is decoded
        // before the reply is written over the same buffer.
        // SAFETY: both views cover our live buffer; the reader is consumed
        // (the request decoded) before the writer writes.
        let (rbuf, wbuf) = unsafe {
            (
                std::slice::from_raw_parts_mut(ptr, len),
                std::slice::from_raw_parts_mut(ptr, buf.len()),
            )
        };
        let Ok(reader) = Reader::from_fuse_buffer(FuseBuf::new(rbuf)) else {
            continue;
        };
        let Ok(writer) = FuseDevWriter::<()>::new(fd, wbuf) else {
            continue;
        };
        if let Err(fuse_backend_rs::Error::EncodeMessage(_)) =
            server.handle_message(reader, writer.into(), None, None)
        {
            // The kernel closed the session.
            return None;
        }
    }
}

/// Stdio on /dev/null and no descriptor of the launcher's (its lock, the
/// container's pipes) kept open, except `keep`.
pub(super) fn isolate(keep: &[RawFd]) {
    let mut keep: Vec<RawFd> = keep.iter().copied().filter(|fd| *fd > 2).collect();
    keep.sort_unstable();
    // SAFETY: plain descriptor calls in a fresh single-threaded child.
    unsafe {
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if null >= 0 {
            for fd in 0..3 {
                libc::dup2(null, fd);
            }
            if null > 2 && !keep.contains(&null) {
                libc::close(null);
            }
        }
        let mut from = 3;
        for &fd in &keep {
            if fd > from {
                libc::syscall(libc::SYS_close_range, from as u32, (fd - 1) as u32, 0u32);
            }
            from = fd + 1;
        }
        libc::syscall(libc::SYS_close_range, from as u32, u32::MAX, 0u32);
        libc::setsid();
        libc::umask(0);
    }
}

/// Become root of the container's user namespace.
fn join_userns(ns: std::fs::File) -> anyhow::Result<()> {
    nix::sched::setns(ns.as_fd(), nix::sched::CloneFlags::CLONE_NEWUSER)
        .context("joining the container's user namespace")?;
    let root_gid = nix::unistd::Gid::from_raw(0);
    let root_uid = nix::unistd::Uid::from_raw(0);
    nix::unistd::setresgid(root_gid, root_gid, root_gid).context("becoming root (gid)")?;
    nix::unistd::setresuid(root_uid, root_uid, root_uid).context("becoming root (uid)")?;
    Ok(())
}

/// The mount(2) data for a FUSE mount on the device `fd`.
pub fn mount_options(fd: RawFd) -> String {
    // The transport reads requests into a buffer of 256 pages plus a
    // header page: the kernel must not send more.
    let max_read = 256 * page_size() + 0x1000;
    format!(
        "fd={fd},rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions,max_read={max_read}"
    )
}

fn page_size() -> usize {
    // SAFETY: sysconf with a constant.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize }
}

/// Borrow a raw descriptor known to be open.
pub(super) fn borrow(fd: RawFd) -> BorrowedFd<'static> {
    // SAFETY: callers pass descriptors that stay open while used.
    unsafe { BorrowedFd::borrow_raw(fd) }
}
