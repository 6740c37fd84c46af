//! The container side: open /dev/fuse (inside the container's user
//! namespace, where the kernel requires it to be opened), mount it on the
//! root filesystem's directory, and hand the descriptor to the server.

use super::server::{borrow, mount_options, FusePlan};
use crate::error::exit_error;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::Path;

const DEVICE: &str = "/dev/fuse";

/// Open /dev/fuse with a message that says what to do when it fails.
pub fn open_device() -> anyhow::Result<OwnedFd> {
    nix::fcntl::open(
        DEVICE,
        nix::fcntl::OFlag::O_RDWR | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .map_err(|e| {
        let hint = match e {
            nix::errno::Errno::ENOENT | nix::errno::Errno::ENODEV | nix::errno::Errno::ENXIO => {
                "load the fuse kernel module (modprobe fuse)"
            }
            _ => "it must be readable and writable by you (chmod 0666 /dev/fuse, as most distributions ship it)",
        };
        exit_error(
            125,
            format!("the fuse storage driver cannot open {DEVICE}: {e}; {hint}, or use --storage-driver vfs"),
        )
    })
}

/// Mount the FUSE device on `target` (in this process's mount namespace).
pub fn mount_device(device: &OwnedFd, target: &Path) -> anyhow::Result<()> {
    let data = mount_options(device.as_raw_fd());
    nix::mount::mount(
        Some("cove"),
        target,
        Some("fuse.cove"),
        nix::mount::MsFlags::MS_NODEV,
        Some(data.as_str()),
    )
    .map_err(|e| {
        let hint = if e == nix::errno::Errno::EPERM {
            " (this kernel does not allow FUSE mounts in a user namespace: Linux 4.18 or newer is needed; use --storage-driver vfs)"
        } else {
            ""
        };
        exit_error(
            125,
            format!("mounting the fuse root filesystem on {}: {e}{hint}", target.display()),
        )
    })
}

impl FusePlan {
    /// In the container process, before anything in the root filesystem
    /// is touched: mount and hand the device to the server.
    pub fn mount_in_container(&self) -> anyhow::Result<()> {
        let (sock, server_end) = self
            .socket_fds()
            .ok_or_else(|| anyhow::anyhow!("the FUSE hand-off socket is missing"))?;
        // Only the server may hold the other end: if it is gone, the
        // hand-off must fail here rather than leave the mount unserved.
        // SAFETY: our copy of the server's end, not used in this process.
        unsafe { libc::close(server_end) };
        let device = open_device()?;
        mount_device(&device, &self.target)?;
        if let Err(e) = crate::sys::fd::send_fd(borrow(sock), device.as_fd()) {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            return Err(exit_error(
                125,
                format!(
                    "the fuse storage driver's server is not running ({e}): {}",
                    log.trim()
                ),
            ));
        }
        Ok(())
    }
}

/// Mount the filesystem for this process (`cp`, `diff` and `commit` of
/// a stopped container): it must already be in the container's user
/// namespace and be single-threaded. The server is forked before this
/// process moves to a mount namespace of its own, so it ends when that
/// namespace does (when this process exits).
pub fn mount_and_serve_here(plan: &FusePlan) -> anyhow::Result<()> {
    let device = open_device()?;
    // The server may only poll the device once it is mounted (before, it
    // reports an error and the server's threads would give up).
    let (mounted_r, mounted_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    // SAFETY: single-threaded (contract); the child serves and exits.
    match unsafe { nix::unistd::fork() }? {
        nix::unistd::ForkResult::Child => {
            drop(mounted_w);
            super::server::isolate(&[device.as_raw_fd(), mounted_r.as_raw_fd()]);
            plan.set_title();
            let mut byte = [0u8; 1];
            if nix::unistd::read(&mounted_r, &mut byte) != Ok(1) {
                // SAFETY: the mount failed; nothing to serve.
                unsafe { libc::_exit(0) };
            }
            let served = plan
                .filesystem()
                .and_then(|fs| super::server::serve_device(device, fs));
            let code = match served {
                Ok(()) => 0,
                Err(e) => {
                    plan.report(&format!("{e:#}"));
                    1
                }
            };
            // SAFETY: leave without running the caller's code.
            unsafe { libc::_exit(code) };
        }
        nix::unistd::ForkResult::Parent { .. } => drop(mounted_r),
    }
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS)
        .map_err(|e| anyhow::anyhow!("creating a mount namespace: {e}"))?;
    nix::mount::mount(
        None::<&str>,
        "/",
        None::<&str>,
        nix::mount::MsFlags::MS_REC | nix::mount::MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|e| anyhow::anyhow!("making mounts private: {e}"))?;
    mount_device(&device, &plan.target)?;
    nix::unistd::write(&mounted_w, b"m")
        .map_err(|e| anyhow::anyhow!("starting the FUSE server: {e}"))?;
    Ok(())
}
