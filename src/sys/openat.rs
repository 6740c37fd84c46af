//! openat2(2): opening a path relative to a directory under the kernel's
//! resolution rules, so a symlink or `..` in an image or a container can
//! never lead a lookup out of it. The RESOLVE_* choices and the retry live
//! here, once.

use nix::errno::Errno;
use nix::fcntl::{OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::Mode;
use nix::NixPath;
use std::os::fd::{AsFd, OwnedFd};

/// How many times a lookup is retried when the kernel says EAGAIN (a
/// rename or a mount happened somewhere on the system during a lookup
/// through `..`: other containers starting) or EINTR.
const ATTEMPTS: usize = 256;

/// Opens `path` as if `root` were `/`: symlinks and `..` resolve inside it
/// (a container's or an image's view of its own tree). Magic links
/// (/proc/self/fd/N) are refused. Adds O_CLOEXEC.
pub fn open_in_root<P: ?Sized + NixPath>(
    root: impl AsFd,
    path: &P,
    flags: OFlag,
) -> nix::Result<OwnedFd> {
    let resolve = ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS;
    open(root, path, flags, Mode::empty(), resolve)
}

/// Opens `path` strictly beneath `dir`, refusing any symlink on the way
/// (the last component included, ELOOP) and any `..` that would leave it
/// (EXDEV). Adds O_CLOEXEC; `mode` is for O_CREAT.
pub fn open_beneath<P: ?Sized + NixPath>(
    dir: impl AsFd,
    path: &P,
    flags: OFlag,
    mode: Mode,
) -> nix::Result<OwnedFd> {
    let resolve = ResolveFlag::RESOLVE_BENEATH
        | ResolveFlag::RESOLVE_NO_SYMLINKS
        | ResolveFlag::RESOLVE_NO_MAGICLINKS;
    open(dir, path, flags, mode, resolve)
}

fn open<P: ?Sized + NixPath>(
    dir: impl AsFd,
    path: &P,
    flags: OFlag,
    mode: Mode,
    resolve: ResolveFlag,
) -> nix::Result<OwnedFd> {
    let how = OpenHow::new()
        .flags(flags | OFlag::O_CLOEXEC)
        .mode(mode)
        .resolve(resolve);
    let mut attempts = 1;
    loop {
        match nix::fcntl::openat2(dir.as_fd(), path, how) {
            Err(Errno::EAGAIN | Errno::EINTR) if attempts < ATTEMPTS => attempts += 1,
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;
    use std::os::unix::fs::symlink;

    fn tree() -> (tempfile::TempDir, File) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc/sub")).unwrap();
        std::fs::write(dir.path().join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
        symlink("/etc/passwd", dir.path().join("abs")).unwrap();
        symlink("../../../../etc/passwd", dir.path().join("etc/sub/up")).unwrap();
        symlink("sub", dir.path().join("etc/rel")).unwrap();
        let root = File::open(dir.path()).unwrap();
        (dir, root)
    }

    fn read(fd: OwnedFd) -> String {
        std::io::read_to_string(File::from(fd)).unwrap()
    }

    #[test]
    fn in_root_keeps_symlinks_and_dotdot_inside() {
        let (_dir, root) = tree();
        let passwd = "root:x:0:0::/root:/bin/sh\n";
        for path in [
            "etc/passwd",
            "/etc/passwd",
            "abs",
            "etc/sub/up",
            "../../etc/passwd",
        ] {
            let fd = open_in_root(&root, path, OFlag::O_RDONLY).unwrap();
            assert_eq!(read(fd), passwd, "{path}");
        }
        let fd = open_in_root(&root, "etc/rel", OFlag::O_RDONLY | OFlag::O_DIRECTORY).unwrap();
        let flags = nix::fcntl::fcntl(&fd, nix::fcntl::FcntlArg::F_GETFD).unwrap();
        assert_ne!(flags & libc::FD_CLOEXEC, 0, "close-on-exec is added");
        assert_eq!(
            open_in_root(&root, "missing", OFlag::O_RDONLY).unwrap_err(),
            Errno::ENOENT
        );
    }

    #[test]
    fn beneath_refuses_symlinks_and_escapes() {
        let (_dir, root) = tree();
        let ok = open_beneath(&root, "etc/passwd", OFlag::O_RDONLY, Mode::empty()).unwrap();
        assert!(read(ok).starts_with("root:"));
        let no = |path: &str| open_beneath(&root, path, OFlag::O_RDONLY, Mode::empty());
        assert_eq!(no("abs").unwrap_err(), Errno::ELOOP);
        assert_eq!(no("etc/rel/x").unwrap_err(), Errno::ELOOP);
        assert_eq!(no("etc/sub/up").unwrap_err(), Errno::ELOOP);
        assert_eq!(no("../etc/passwd").unwrap_err(), Errno::EXDEV);
        assert_eq!(no("/etc/passwd").unwrap_err(), Errno::EXDEV);
        assert!(
            no("etc/sub/../passwd").is_ok(),
            "`..` that stays inside is fine"
        );
        let created = open_beneath(
            &root,
            "etc/new",
            OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL,
            Mode::from_bits_truncate(0o600),
        )
        .unwrap();
        let mode = File::from(created).metadata().unwrap().permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o600
        );
    }
}
