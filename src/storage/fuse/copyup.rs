//! Copy-up: a lower entry is copied into the work dir under a temporary
//! name with its data (holes kept), owner, mode, xattrs and timestamps,
//! and only then renamed into the upper dir, so a crash never leaves a
//! half-copied file visible in the container.

use super::sys;
use crate::storage::layout::is_private_xattr;
use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh name in the work dir.
pub fn temp_name() -> io::Result<CString> {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    sys::cstring(format!("#cove-{}-{n}", std::process::id()).into_bytes())
}

/// Copy `src_dir`/`name` (described by `st`) to `work`/`tmp`. Directories
/// are created empty.
pub fn copy_entry(
    src_dir: BorrowedFd,
    name: &CStr,
    st: &libc::stat64,
    work: BorrowedFd,
    tmp: &CStr,
) -> io::Result<()> {
    let kind = st.st_mode & libc::S_IFMT;
    match kind {
        libc::S_IFREG => {
            let src = sys::open_beneath(src_dir, name, libc::O_RDONLY | libc::O_NOFOLLOW, 0)?;
            let dst = sys::open_beneath(
                work,
                tmp,
                libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL,
                0o600,
            )?;
            let result = sys::copy_sparse(src.as_fd(), dst.as_fd(), st.st_size as u64);
            if let Err(e) = result {
                let _ = sys::unlink_at(work, tmp, false);
                return Err(e);
            }
        }
        libc::S_IFDIR => sys::mkdir_at(work, tmp, 0o700)?,
        libc::S_IFLNK => {
            let target = sys::readlink_at(src_dir, name)?;
            let target = CString::new(target).map_err(|_| sys::errno(libc::EINVAL))?;
            sys::symlink_at(&target, work, tmp)?;
        }
        _ => sys::mknod_at(work, tmp, kind | 0o600, st.st_rdev)?,
    }
    let result = finish(src_dir, name, st, work, tmp);
    if result.is_err() {
        let _ = sys::unlink_at(work, tmp, kind == libc::S_IFDIR);
    }
    result
}

/// Owner, xattrs, mode and times, in the order that keeps each: chown
/// clears set-id bits, so mode comes after it.
fn finish(
    src_dir: BorrowedFd,
    name: &CStr,
    st: &libc::stat64,
    work: BorrowedFd,
    tmp: &CStr,
) -> io::Result<()> {
    let kind = st.st_mode & libc::S_IFMT;
    sys::chown_at(work, tmp, st.st_uid, st.st_gid)?;
    if kind != libc::S_IFLNK {
        copy_xattrs(src_dir, name, work, tmp)?;
        sys::chmod_at(work, tmp, st.st_mode & 0o7777)?;
    }
    let times = [
        sys::timespec(st.st_atime, st.st_atime_nsec),
        sys::timespec(st.st_mtime, st.st_mtime_nsec),
    ];
    sys::utimens_at(work, tmp, &times)
}

fn copy_xattrs(src_dir: BorrowedFd, name: &CStr, work: BorrowedFd, tmp: &CStr) -> io::Result<()> {
    let src = sys::open_beneath(src_dir, name, libc::O_PATH | libc::O_NOFOLLOW, 0)?;
    let dst = sys::open_beneath(work, tmp, libc::O_PATH | libc::O_NOFOLLOW, 0)?;
    let (sp, dp) = (sys::proc_path(src.as_fd())?, sys::proc_path(dst.as_fd())?);
    let list = match sys::list_xattr(&sp) {
        Ok(l) => l,
        Err(e) if e.raw_os_error() == Some(libc::ENOTSUP) => return Ok(()),
        Err(e) => return Err(e),
    };
    for key in list.split(|b| *b == 0).filter(|k| !k.is_empty()) {
        // The lower layer's own overlay markers (opaque) must not travel:
        // whether the copy is opaque is decided by the caller.
        if is_private_xattr(key) {
            continue;
        }
        let key = sys::cstring(key.to_vec())?;
        let value = match sys::get_xattr(&sp, &key) {
            Ok(v) => v,
            Err(_) => continue,
        };
        if let Err(e) = sys::set_xattr(&dp, &key, &value, 0) {
            // trusted.* and some security.* need privileges the server
            // may not have: keep what can be kept, as cp -a does.
            if !key.to_bytes().starts_with(b"user.") {
                continue;
            }
            return Err(e);
        }
    }
    Ok(())
}
