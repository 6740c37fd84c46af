//! Thin, safe wrappers over the *at() syscalls the filesystem is made of.
//! Every path is resolved beneath a layer's directory descriptor with
//! openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): a symlink in an image
//! can never lead the server (which sees the host's tree) outside it.

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};

pub fn cvt(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

pub fn errno(code: i32) -> io::Error {
    io::Error::from_raw_os_error(code)
}

/// Open `path` (relative, no symlinks anywhere in it) beneath `dir`.
pub fn open_beneath(dir: BorrowedFd, path: &CStr, flags: i32, mode: u32) -> io::Result<OwnedFd> {
    let oflags = nix::fcntl::OFlag::from_bits_retain(flags);
    let mode = nix::sys::stat::Mode::from_bits_retain(mode);
    match crate::sys::openat::open_beneath(dir, path, oflags, mode) {
        Ok(fd) => Ok(fd),
        // A symlink component (ELOOP) means "not a directory here".
        Err(nix::errno::Errno::ELOOP) if flags & libc::O_DIRECTORY != 0 => {
            Err(errno(libc::ENOTDIR))
        }
        Err(e) => Err(e.into()),
    }
}

pub fn stat_at(dir: BorrowedFd, name: &CStr) -> io::Result<libc::stat64> {
    let mut st = std::mem::MaybeUninit::<libc::stat64>::zeroed();
    // SAFETY: valid fd, path and out buffer.
    cvt(unsafe {
        libc::fstatat64(
            dir.as_raw_fd(),
            name.as_ptr(),
            st.as_mut_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })?;
    // SAFETY: initialised by a successful fstatat.
    Ok(unsafe { st.assume_init() })
}

pub fn fstat(fd: BorrowedFd) -> io::Result<libc::stat64> {
    let mut st = std::mem::MaybeUninit::<libc::stat64>::zeroed();
    // SAFETY: valid fd and out buffer.
    cvt(unsafe { libc::fstat64(fd.as_raw_fd(), st.as_mut_ptr()) })?;
    // SAFETY: initialised by a successful fstat.
    Ok(unsafe { st.assume_init() })
}

/// The path through which path-only calls (xattrs) reach an O_PATH fd.
pub fn proc_path(fd: BorrowedFd) -> io::Result<CString> {
    cstring(format!("/proc/self/fd/{}", fd.as_raw_fd()).into_bytes())
}

/// A C string for the kernel; a name with a NUL in it is EINVAL (the
/// request path answers with an errno, never a panic).
pub fn cstring(bytes: Vec<u8>) -> io::Result<CString> {
    CString::new(bytes).map_err(|_| errno(libc::EINVAL))
}

pub fn get_xattr(path: &CStr, name: &CStr) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; 256];
    loop {
        // SAFETY: valid strings and buffer of the given size.
        let n = unsafe {
            libc::getxattr(
                path.as_ptr(),
                name.as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        if n >= 0 {
            buf.truncate(n as usize);
            return Ok(buf);
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::ERANGE) || buf.len() > 1 << 20 {
            return Err(err);
        }
        let len = buf.len();
        buf.resize(len * 4, 0);
    }
}

pub fn list_xattr(path: &CStr) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; 1024];
    loop {
        // SAFETY: valid string and buffer of the given size.
        let n = unsafe { libc::listxattr(path.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        if n >= 0 {
            buf.truncate(n as usize);
            return Ok(buf);
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::ERANGE) || buf.len() > 1 << 20 {
            return Err(err);
        }
        let len = buf.len();
        buf.resize(len * 4, 0);
    }
}

pub fn set_xattr(path: &CStr, name: &CStr, value: &[u8], flags: i32) -> io::Result<()> {
    // SAFETY: valid strings and buffer.
    cvt(unsafe {
        libc::setxattr(
            path.as_ptr(),
            name.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            flags,
        )
    })
    .map(|_| ())
}

pub fn remove_xattr(path: &CStr, name: &CStr) -> io::Result<()> {
    // SAFETY: valid strings.
    cvt(unsafe { libc::removexattr(path.as_ptr(), name.as_ptr()) }).map(|_| ())
}

pub fn chown_at(dir: BorrowedFd, name: &CStr, uid: u32, gid: u32) -> io::Result<()> {
    // SAFETY: valid fd and path.
    cvt(unsafe {
        libc::fchownat(
            dir.as_raw_fd(),
            name.as_ptr(),
            uid,
            gid,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })
    .map(|_| ())
}

pub fn chmod_at(dir: BorrowedFd, name: &CStr, mode: u32) -> io::Result<()> {
    // SAFETY: valid fd and path (fchmodat follows symlinks: callers
    // never pass one).
    cvt(unsafe { libc::fchmodat(dir.as_raw_fd(), name.as_ptr(), mode, 0) }).map(|_| ())
}

pub fn utimens_at(dir: BorrowedFd, name: &CStr, times: &[libc::timespec; 2]) -> io::Result<()> {
    // SAFETY: valid fd, path and two timespecs.
    cvt(unsafe {
        libc::utimensat(
            dir.as_raw_fd(),
            name.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })
    .map(|_| ())
}

pub fn mkdir_at(dir: BorrowedFd, name: &CStr, mode: u32) -> io::Result<()> {
    // SAFETY: valid fd and path.
    cvt(unsafe { libc::mkdirat(dir.as_raw_fd(), name.as_ptr(), mode) }).map(|_| ())
}

pub fn mknod_at(dir: BorrowedFd, name: &CStr, mode: u32, rdev: u64) -> io::Result<()> {
    // SAFETY: valid fd and path.
    cvt(unsafe { libc::mknodat(dir.as_raw_fd(), name.as_ptr(), mode, rdev) }).map(|_| ())
}

pub fn symlink_at(target: &CStr, dir: BorrowedFd, name: &CStr) -> io::Result<()> {
    // SAFETY: valid strings and fd.
    cvt(unsafe { libc::symlinkat(target.as_ptr(), dir.as_raw_fd(), name.as_ptr()) }).map(|_| ())
}

pub fn link_at(from_dir: BorrowedFd, from: &CStr, to_dir: BorrowedFd, to: &CStr) -> io::Result<()> {
    // SAFETY: valid fds and paths.
    cvt(unsafe {
        libc::linkat(
            from_dir.as_raw_fd(),
            from.as_ptr(),
            to_dir.as_raw_fd(),
            to.as_ptr(),
            0,
        )
    })
    .map(|_| ())
}

pub fn unlink_at(dir: BorrowedFd, name: &CStr, is_dir: bool) -> io::Result<()> {
    let flags = if is_dir { libc::AT_REMOVEDIR } else { 0 };
    // SAFETY: valid fd and path.
    cvt(unsafe { libc::unlinkat(dir.as_raw_fd(), name.as_ptr(), flags) }).map(|_| ())
}

pub fn rename_at(
    from_dir: BorrowedFd,
    from: &CStr,
    to_dir: BorrowedFd,
    to: &CStr,
    flags: u32,
) -> io::Result<()> {
    // SAFETY: valid fds and paths.
    cvt(unsafe {
        libc::renameat2(
            from_dir.as_raw_fd(),
            from.as_ptr(),
            to_dir.as_raw_fd(),
            to.as_ptr(),
            flags,
        )
    })
    .map(|_| ())
}

pub fn readlink_at(dir: BorrowedFd, name: &CStr) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; libc::PATH_MAX as usize + 1];
    // SAFETY: valid fd, path and buffer.
    let n = unsafe {
        libc::readlinkat(
            dir.as_raw_fd(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    buf.truncate(n as usize);
    Ok(buf)
}

/// A directory's raw entries: (name, ino, DT_* type).
pub fn read_dir(dir: BorrowedFd) -> io::Result<Vec<(Vec<u8>, u64, u8)>> {
    let fd = open_beneath(dir, c".", libc::O_RDONLY | libc::O_DIRECTORY, 0)?;
    // SAFETY: fdopendir takes ownership of the descriptor.
    let dirp = unsafe { libc::fdopendir(fd.as_raw_fd()) };
    if dirp.is_null() {
        return Err(io::Error::last_os_error());
    }
    std::mem::forget(fd);
    let mut out = Vec::new();
    loop {
        // SAFETY: dirp is a valid stream until closedir.
        let ent = unsafe { libc::readdir64(dirp) };
        if ent.is_null() {
            break;
        }
        // SAFETY: readdir returned a valid entry.
        let (name, ino, kind) = unsafe {
            let e = &*ent;
            (
                CStr::from_ptr(e.d_name.as_ptr()).to_bytes().to_vec(),
                e.d_ino,
                e.d_type,
            )
        };
        if name == b"." || name == b".." {
            continue;
        }
        out.push((name, ino, kind));
    }
    // SAFETY: closing the stream we opened.
    unsafe { libc::closedir(dirp) };
    Ok(out)
}

/// Copy `len` bytes of `src` to `dst` keeping holes: only the data
/// segments SEEK_DATA finds are copied, then the size is set.
pub fn copy_sparse(src: BorrowedFd, dst: BorrowedFd, len: u64) -> io::Result<()> {
    let (s, d) = (src.as_raw_fd(), dst.as_raw_fd());
    let mut pos: i64 = 0;
    let end = len as i64;
    while pos < end {
        // SAFETY: lseek on a valid fd.
        let data = unsafe { libc::lseek64(s, pos, libc::SEEK_DATA) };
        if data < 0 {
            let err = io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::ENXIO) {
                break; // only a hole remains
            }
            if err.raw_os_error() == Some(libc::EINVAL) {
                // No SEEK_DATA here: copy everything.
                copy_range(s, d, 0, end)?;
                break;
            }
            return Err(err);
        }
        // SAFETY: as above.
        let hole = unsafe { libc::lseek64(s, data, libc::SEEK_HOLE) };
        let hole = if hole < 0 { end } else { hole.min(end) };
        copy_range(s, d, data, hole)?;
        pos = hole;
    }
    // SAFETY: ftruncate on a valid fd.
    cvt(unsafe { libc::ftruncate64(d, len as i64) })?;
    Ok(())
}

fn copy_range(s: RawFd, d: RawFd, from: i64, to: i64) -> io::Result<()> {
    let mut off_in = from;
    let mut off_out = from;
    while off_in < to {
        let want = (to - off_in).min(1 << 30) as usize;
        // SAFETY: valid fds and offsets owned here.
        let n = unsafe { libc::copy_file_range(s, &mut off_in, d, &mut off_out, want, 0) };
        if n < 0 {
            let err = io::Error::last_os_error();
            if matches!(
                err.raw_os_error(),
                Some(libc::EXDEV | libc::ENOSYS | libc::EINVAL | libc::EOPNOTSUPP)
            ) {
                return copy_by_hand(s, d, off_in, to);
            }
            return Err(err);
        }
        if n == 0 {
            break;
        }
    }
    Ok(())
}

fn copy_by_hand(s: RawFd, d: RawFd, mut off: i64, to: i64) -> io::Result<()> {
    let mut buf = vec![0u8; 1 << 20];
    while off < to {
        let want = ((to - off) as usize).min(buf.len());
        // SAFETY: valid fd and buffer.
        let n = unsafe { libc::pread64(s, buf.as_mut_ptr().cast(), want, off) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        if n == 0 {
            break;
        }
        let mut done = 0usize;
        while done < n as usize {
            // SAFETY: valid fd and buffer slice.
            let w = unsafe {
                libc::pwrite64(
                    d,
                    buf[done..].as_ptr().cast(),
                    n as usize - done,
                    off + done as i64,
                )
            };
            if w < 0 {
                return Err(io::Error::last_os_error());
            }
            done += w as usize;
        }
        off += n as i64;
    }
    Ok(())
}

pub fn timespec(sec: i64, nsec: i64) -> libc::timespec {
    libc::timespec {
        tv_sec: sec,
        tv_nsec: nsec,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_a_nul_are_einval_not_a_panic() {
        assert_eq!(cstring(b"ok".to_vec()).unwrap().as_bytes(), b"ok");
        let err = cstring(b"a\0b".to_vec()).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
    }
}
