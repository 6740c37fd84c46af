//! Mount primitives: mount(2) through descriptor paths, bind remounts
//! that keep the flags a user namespace may not clear, recursive
//! read-only (mount_setattr). The mounts themselves go through the
//! [`Syscall`] seam.

use super::syscall::Syscall;
use anyhow::Context;
use nix::fcntl::OFlag;
use nix::mount::MsFlags;
use nix::sys::stat::Mode;
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

/// The path through which the kernel reaches an O_PATH descriptor.
pub fn fd_path(fd: &OwnedFd) -> String {
    format!("/proc/self/fd/{}", fd.as_raw_fd())
}

/// Remount a bind mount with extra flags. In a user namespace the kernel
/// refuses to clear flags the original mount had locked (nosuid, nodev,
/// noexec, atime), so they are carried over from statvfs.
pub fn remount_bind(
    sys: &dyn Syscall,
    target: &str,
    extra: MsFlags,
    recursive: bool,
) -> anyhow::Result<()> {
    if recursive && extra.contains(MsFlags::MS_RDONLY) {
        let fd = nix::fcntl::open(target, OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty())?;
        sys.set_readonly_recursive(fd.as_fd())?;
    }
    let locked = sys.mount_flags(target);
    sys.mount(
        None,
        target,
        None,
        MsFlags::MS_BIND | MsFlags::MS_REMOUNT | extra | locked,
        None,
    )?;
    Ok(())
}

/// The flags of the mount at `target`, from statvfs.
pub fn statvfs_flags(target: &str) -> MsFlags {
    let Ok(st) = nix::sys::statvfs::statvfs(target) else {
        return MsFlags::empty();
    };
    use nix::sys::statvfs::FsFlags;
    let f = st.flags();
    let mut out = MsFlags::empty();
    for (from, to) in [
        (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
        (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
        (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (FsFlags::ST_NOATIME, MsFlags::MS_NOATIME),
        (FsFlags::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (FsFlags::ST_RELATIME, MsFlags::MS_RELATIME),
        (FsFlags::ST_RDONLY, MsFlags::MS_RDONLY),
    ] {
        if f.contains(from) {
            out |= to;
        }
    }
    out
}

/// Make a mount and everything under it read-only (mount_setattr, 5.12+).
pub fn make_readonly_recursive(fd: BorrowedFd) -> anyhow::Result<()> {
    #[repr(C)]
    struct MountAttr {
        attr_set: u64,
        attr_clr: u64,
        propagation: u64,
        userns_fd: u64,
    }
    const MOUNT_ATTR_RDONLY: u64 = 0x1;
    let attr = MountAttr {
        attr_set: MOUNT_ATTR_RDONLY,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    let empty = c"";
    // SAFETY: valid fd, NUL-terminated empty path, attr lives across the call.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_raw_fd(),
            empty.as_ptr(),
            (libc::AT_EMPTY_PATH | libc::AT_RECURSIVE) as libc::c_uint,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    if rc < 0 {
        return Err(std::io::Error::last_os_error()).context("mount_setattr(MOUNT_ATTR_RDONLY)");
    }
    Ok(())
}

/// `CString` for paths passed to raw syscalls.
pub fn cstring(s: &str) -> anyhow::Result<CString> {
    CString::new(s).map_err(|_| anyhow::anyhow!("{s:?} contains a NUL byte"))
}
