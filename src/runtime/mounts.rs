//! Building the container's mount tree inside its own mount namespace:
//! the spec's mounts, device nodes, pivot_root, masked and read-only paths.
//!
//! Every mount target is opened with `openat2(RESOLVE_IN_ROOT)` from the
//! root filesystem and mounted through `/proc/self/fd/N`, so a symlink in a
//! hostile image (`/etc/hosts -> /root/.ssh/...`) resolves inside the
//! container and can never redirect a mount onto the host.

use crate::sys::mount::{fd_path, remount_bind};
use crate::sys::openat;
use crate::sys::syscall::Syscall;
use anyhow::Context;
use nix::fcntl::OFlag;
use nix::mount::MsFlags;
use nix::sys::stat::Mode;
use oci_spec::runtime::Mount;
use std::os::fd::{AsFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::Path;

/// What to create at the end of a mount target path when it is missing.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Leaf {
    Dir,
    File,
}

/// Open `path` (absolute, as seen inside the container) beneath `root` as
/// an O_PATH descriptor, creating missing directories, and the leaf as
/// `leaf` says. A dangling symlink on the way is followed inside the root
/// (its target is created), as runc's securejoin does.
pub fn open_target(root: BorrowedFd, path: &str, leaf: Leaf) -> anyhow::Result<OwnedFd> {
    open_target_at_depth(root, path, leaf, 0)
}

fn open_target_at_depth(
    root: BorrowedFd,
    path: &str,
    leaf: Leaf,
    depth: u32,
) -> anyhow::Result<OwnedFd> {
    if depth > 40 {
        anyhow::bail!("{path}: too many levels of symbolic links in the image");
    }
    let rel = path.trim_start_matches('/');
    if rel.is_empty() {
        return Ok(nix::fcntl::openat(
            root,
            ".",
            OFlag::O_PATH | OFlag::O_CLOEXEC,
            Mode::empty(),
        )?);
    }
    match open_in_root(root, rel) {
        Ok(fd) => return Ok(fd),
        Err(nix::errno::Errno::ENOENT) => {}
        Err(e) => return Err(e).with_context(|| format!("opening {path} in the container")),
    }
    // Create the missing components one by one, each resolved in the root.
    let components: Vec<&str> = rel.split('/').filter(|c| !c.is_empty()).collect();
    let mut prefix = String::new();
    for (i, name) in components.iter().enumerate() {
        let parent = if prefix.is_empty() {
            ".".to_string()
        } else {
            prefix.clone()
        };
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(name);
        if open_in_root(root, &prefix).is_ok() {
            continue;
        }
        let parent_fd = open_in_root_dir(root, &parent)
            .with_context(|| format!("opening /{parent} in the container"))?;
        // A dangling symlink: go on from its target, inside the root.
        if let Ok(target) = nix::fcntl::readlinkat(parent_fd.as_fd(), *name) {
            let target = target.to_string_lossy().to_string();
            let base = if target.starts_with('/') {
                target
            } else if parent == "." {
                format!("/{target}")
            } else {
                format!("/{parent}/{target}")
            };
            let rest = components[i + 1..].join("/");
            let next = if rest.is_empty() {
                base
            } else {
                format!("{base}/{rest}")
            };
            return open_target_at_depth(root, &next, leaf, depth + 1);
        }
        let last = i + 1 == components.len();
        let result = if last && leaf == Leaf::File {
            nix::fcntl::openat(
                parent_fd.as_fd(),
                *name,
                OFlag::O_CREAT | OFlag::O_WRONLY | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW,
                Mode::from_bits_truncate(0o644),
            )
            .map(drop)
        } else {
            nix::sys::stat::mkdirat(parent_fd.as_fd(), *name, Mode::from_bits_truncate(0o755))
        };
        match result {
            Ok(()) | Err(nix::errno::Errno::EEXIST) => {}
            Err(e) => {
                return Err(e).with_context(|| format!("creating /{prefix} in the container"))
            }
        }
    }
    open_in_root(root, rel).with_context(|| format!("opening {path} in the container"))
}

fn open_in_root(root: BorrowedFd, rel: &str) -> nix::Result<OwnedFd> {
    openat::open_in_root(root, rel, OFlag::O_PATH)
}

fn open_in_root_dir(root: BorrowedFd, rel: &str) -> nix::Result<OwnedFd> {
    openat::open_in_root(root, rel, OFlag::O_RDONLY | OFlag::O_DIRECTORY)
}

/// Split OCI mount options into mount flags, propagation flags and the
/// filesystem's own data string.
pub fn parse_options(options: &[String]) -> (MsFlags, MsFlags, bool, String) {
    let mut flags = MsFlags::empty();
    let mut propagation = MsFlags::empty();
    let mut recursive = false;
    let mut data: Vec<&str> = Vec::new();
    for opt in options {
        match opt.as_str() {
            "ro" => flags |= MsFlags::MS_RDONLY,
            "rw" => flags &= !MsFlags::MS_RDONLY,
            "nosuid" => flags |= MsFlags::MS_NOSUID,
            "nodev" => flags |= MsFlags::MS_NODEV,
            "noexec" => flags |= MsFlags::MS_NOEXEC,
            // tmpcopyup (Podman's copy of image content into a tmpfs) is not
            // done; the option must not reach the kernel.
            "suid" | "dev" | "exec" | "z" | "Z" | "U" | "tmpcopyup" | "notmpcopyup" => {}
            "bind" => flags |= MsFlags::MS_BIND,
            "rbind" => {
                flags |= MsFlags::MS_BIND;
                recursive = true;
            }
            "relatime" => flags |= MsFlags::MS_RELATIME,
            "noatime" => flags |= MsFlags::MS_NOATIME,
            "strictatime" => flags |= MsFlags::MS_STRICTATIME,
            "private" => propagation = MsFlags::MS_PRIVATE,
            "rprivate" => propagation = MsFlags::MS_PRIVATE | MsFlags::MS_REC,
            "slave" => propagation = MsFlags::MS_SLAVE,
            "rslave" => propagation = MsFlags::MS_SLAVE | MsFlags::MS_REC,
            "shared" => propagation = MsFlags::MS_SHARED,
            "rshared" => propagation = MsFlags::MS_SHARED | MsFlags::MS_REC,
            other => data.push(other),
        }
    }
    (flags, propagation, recursive, data.join(","))
}

/// Mount one entry of the spec's `mounts` beneath `root` (before pivot).
pub fn mount_entry(sys: &dyn Syscall, root: BorrowedFd, m: &Mount) -> anyhow::Result<()> {
    let dest = m.destination().to_string_lossy().to_string();
    let options = m.options().clone().unwrap_or_default();
    let (flags, propagation, recursive, data) = parse_options(&options);
    let kind = m.typ().as_deref().unwrap_or("none");
    let source = m.source().as_ref().map(|s| s.to_string_lossy().to_string());
    if flags.contains(MsFlags::MS_BIND) {
        let src = source.unwrap_or_default();
        let is_dir = std::fs::metadata(&src)
            .with_context(|| format!("bind mount source {src} for {dest}"))?
            .is_dir();
        let target = open_target(root, &dest, if is_dir { Leaf::Dir } else { Leaf::File })?;
        let mut bind_flags = MsFlags::MS_BIND;
        if recursive {
            bind_flags |= MsFlags::MS_REC;
        }
        sys.mount(Some(&src), &fd_path(&target), None, bind_flags, None)
            .with_context(|| format!("bind mounting {src} on {dest}"))?;
        let mut extra = flags & !MsFlags::MS_BIND;
        // Bind mounts are nodev unless asked otherwise (see driver::mount_overlay_at).
        if !options.iter().any(|o| o == "dev") {
            extra |= MsFlags::MS_NODEV;
        }
        if !extra.is_empty() {
            let mounted = open_target(root, &dest, Leaf::Dir)?;
            remount_bind(sys, &fd_path(&mounted), extra, recursive)
                .with_context(|| format!("applying options {options:?} to {dest}"))?;
        }
        if !propagation.is_empty() {
            let mounted = open_target(root, &dest, Leaf::Dir)?;
            sys.mount(None, &fd_path(&mounted), None, propagation, None)?;
        }
        return Ok(());
    }
    let target = open_target(root, &dest, Leaf::Dir)?;
    let data = if data.is_empty() {
        None
    } else {
        Some(data.as_str())
    };
    let result = sys.mount(
        source.as_deref().or(Some(kind)),
        &fd_path(&target),
        Some(kind),
        flags,
        data,
    );
    match (result, kind) {
        (Ok(()), _) => Ok(()),
        // sysfs needs a network namespace of our own; with the host's
        // network the host's /sys is bound read-only instead.
        (Err(nix::errno::Errno::EPERM), "sysfs") => {
            sys.mount(
                Some("/sys"),
                &fd_path(&target),
                None,
                MsFlags::MS_BIND | MsFlags::MS_REC,
                None,
            )
            .context("binding /sys")?;
            let mounted = open_target(root, &dest, Leaf::Dir)?;
            sys.set_readonly_recursive(mounted.as_fd())
                .context("making /sys read-only")
        }
        // mqueue needs an IPC namespace owned by our user namespace; when
        // that is refused, the host's is bound.
        (Err(nix::errno::Errno::EPERM), "mqueue") => sys
            .mount(
                Some("/dev/mqueue"),
                &fd_path(&target),
                None,
                MsFlags::MS_BIND,
                None,
            )
            .context("binding /dev/mqueue"),
        (Err(e), _) => Err(e).with_context(|| format!("mounting {kind} on {dest}")),
    }
}

/// The device nodes every container gets, bound from the host (an
/// unprivileged user cannot mknod them).
pub const DEFAULT_DEVICES: &[&str] = &[
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
];

/// Bind a host device node onto `container_path`.
pub fn bind_device(
    sys: &dyn Syscall,
    root: BorrowedFd,
    host: &Path,
    container_path: &str,
) -> anyhow::Result<()> {
    let target = open_target(root, container_path, Leaf::File)?;
    sys.mount(
        Some(&*host.to_string_lossy()),
        &fd_path(&target),
        None,
        MsFlags::MS_BIND,
        None,
    )
    .with_context(|| format!("binding device {} to {container_path}", host.display()))
}

/// The standard symlinks in /dev.
pub fn dev_symlinks(root: BorrowedFd) -> anyhow::Result<()> {
    let dev = open_in_root_dir(root, "dev").context("opening /dev in the container")?;
    for (name, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("ptmx", "pts/ptmx"),
        ("core", "/proc/kcore"),
    ] {
        match nix::unistd::symlinkat(target, dev.as_fd(), name) {
            Ok(()) | Err(nix::errno::Errno::EEXIST) => {}
            Err(e) => return Err(e).with_context(|| format!("creating /dev/{name}")),
        }
    }
    Ok(())
}

/// Hide paths after pivot: files get /dev/null bound over them,
/// directories an empty read-only tmpfs. Missing paths are skipped.
pub fn mask_paths(sys: &dyn Syscall, paths: &[String]) -> anyhow::Result<()> {
    for path in paths {
        let Ok(meta) = sys.symlink_metadata(Path::new(path)) else {
            continue;
        };
        let result = if meta.is_dir() {
            sys.mount(
                Some("tmpfs"),
                path.as_str(),
                Some("tmpfs"),
                MsFlags::MS_RDONLY,
                None,
            )
        } else {
            sys.mount(
                Some("/dev/null"),
                path.as_str(),
                None,
                MsFlags::MS_BIND,
                None,
            )
        };
        result.with_context(|| format!("masking {path}"))?;
    }
    Ok(())
}

/// Make paths read-only after pivot (bind onto themselves, then remount).
pub fn readonly_paths(sys: &dyn Syscall, paths: &[String]) -> anyhow::Result<()> {
    for path in paths {
        if sys.symlink_metadata(Path::new(path)).is_err() {
            continue;
        }
        sys.mount(
            Some(path.as_str()),
            path.as_str(),
            None,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None,
        )
        .with_context(|| format!("making {path} read-only"))?;
        remount_bind(sys, path, MsFlags::MS_RDONLY, false)
            .with_context(|| format!("making {path} read-only"))?;
    }
    Ok(())
}

/// Remount the root read-only (`--read-only`), after everything else is in
/// place.
pub fn readonly_root(sys: &dyn Syscall) -> anyhow::Result<()> {
    remount_bind(sys, "/", MsFlags::MS_RDONLY, false)
        .context("making the root filesystem read-only")
}

/// Copy `src`'s image content into an empty new volume before the volume
/// is mounted over it (Docker's behaviour for named volumes).
pub fn copy_up(root: BorrowedFd, container_path: &str, volume_dir: &Path) -> anyhow::Result<()> {
    let rel = container_path.trim_start_matches('/');
    let src = match open_in_root_dir(root, rel) {
        Ok(fd) => fd,
        Err(nix::errno::Errno::ENOENT | nix::errno::Errno::ENOTDIR) => return Ok(()),
        Err(e) => {
            return Err(e)
                .with_context(|| format!("opening {container_path} to copy into its volume"))
        }
    };
    let src_path = fd_path(&src);
    crate::storage::copy::copy_tree(Path::new(&src_path), volume_dir, &Default::default())
        .with_context(|| format!("copying {container_path} into its new volume"))
}

/// Turn a raw fd number back into an owner (used for fds passed through
/// the child's setup).
///
/// # Safety
/// `fd` must be open and owned by nobody else.
pub unsafe fn owned(fd: i32) -> OwnedFd {
    OwnedFd::from_raw_fd(fd)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sys::syscall::Recorder;
    use oci_spec::runtime::MountBuilder;

    /// A spec mount, for the tests here and child.rs's.
    pub(crate) fn spec_mount(dest: &str, typ: &str, source: &str, options: &[&str]) -> Mount {
        MountBuilder::default()
            .destination(dest)
            .typ(typ)
            .source(source)
            .options(options.iter().map(|o| o.to_string()).collect::<Vec<_>>())
            .build()
            .unwrap()
    }

    fn open_root(dir: &Path) -> OwnedFd {
        nix::fcntl::open(dir, OFlag::O_PATH | OFlag::O_DIRECTORY, Mode::empty()).unwrap()
    }

    #[test]
    fn refused_sysfs_and_mqueue_fall_back_to_the_hosts() {
        let dir = tempfile::tempdir().unwrap();
        let root = open_root(dir.path());
        let mut rec = Recorder::new(dir.path());
        rec.refuse = vec![
            ("sysfs", nix::errno::Errno::EPERM),
            ("mqueue", nix::errno::Errno::EPERM),
        ];
        let sys = spec_mount("/sys", "sysfs", "sysfs", &["nosuid", "ro"]);
        mount_entry(&rec, root.as_fd(), &sys).unwrap();
        let mq = spec_mount("/dev/mqueue", "mqueue", "mqueue", &[]);
        mount_entry(&rec, root.as_fd(), &mq).unwrap();
        assert_eq!(
            rec.log(),
            [
                "mount sysfs /sys ro,nosuid",
                "bind /sys /sys rec",
                "readonly-recursive /sys",
                "mount mqueue /dev/mqueue",
                "bind /dev/mqueue /dev/mqueue",
            ]
        );
        // Other refusals are errors, named after the mount.
        rec.refuse = vec![("tmpfs", nix::errno::Errno::EPERM)];
        let tmp = spec_mount("/tmp", "tmpfs", "tmpfs", &[]);
        let e = mount_entry(&rec, root.as_fd(), &tmp).err().unwrap();
        assert_eq!(
            format!("{e:#}"),
            "mounting tmpfs on /tmp: EPERM: Operation not permitted"
        );
    }

    #[test]
    fn remounts_keep_the_locked_flags() {
        let dir = tempfile::tempdir().unwrap();
        let root = open_root(dir.path());
        let src = tempfile::tempdir().unwrap();
        let mut rec = Recorder::new(dir.path());
        // In a user namespace the kernel refuses to clear these.
        rec.mount_flags = MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC;
        let m = spec_mount(
            "/data",
            "bind",
            &src.path().display().to_string(),
            &["bind", "ro", "dev", "rslave"],
        );
        mount_entry(&rec, root.as_fd(), &m).unwrap();
        readonly_root(&rec).unwrap();
        assert_eq!(
            rec.log()[1..],
            [
                // `dev` asked: no nodev added; the locked flags kept.
                "remount /data ro,nosuid,noexec".to_string(),
                "propagate /data rec,slave".into(),
                "remount / ro,nosuid,noexec".into(),
            ]
        );
    }

    #[test]
    fn options_split_into_flags_and_data() {
        let opts: Vec<String> = [
            "rbind",
            "ro",
            "nosuid",
            "rprivate",
            "size=65536k",
            "mode=1777",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (flags, prop, rec, data) = parse_options(&opts);
        assert!(flags.contains(MsFlags::MS_BIND | MsFlags::MS_RDONLY | MsFlags::MS_NOSUID));
        assert_eq!(prop, MsFlags::MS_PRIVATE | MsFlags::MS_REC);
        assert!(rec);
        assert_eq!(data, "size=65536k,mode=1777");
    }

    #[test]
    fn open_target_stays_in_root() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("escape")).unwrap();
        std::os::unix::fs::symlink("/", dir.path().join("abs")).unwrap();
        let root = nix::fcntl::open(
            dir.path(),
            OFlag::O_PATH | OFlag::O_DIRECTORY,
            Mode::empty(),
        )
        .unwrap();
        // An absolute symlink resolves to the container's root, not the host's.
        open_target(root.as_fd(), "/abs/etc/hosts", Leaf::File).unwrap();
        assert!(dir.path().join("etc/hosts").is_file());
        // A symlink to a host directory by absolute path lands inside too.
        open_target(root.as_fd(), "/escape/x", Leaf::Dir).unwrap();
        assert!(std::fs::read_dir(outside.path()).unwrap().next().is_none());
        // A dangling symlink climbing out is followed inside the root.
        std::os::unix::fs::symlink("../../../../nowhere/file", dir.path().join("dangling"))
            .unwrap();
        open_target(root.as_fd(), "/dangling", Leaf::File).unwrap();
        assert!(dir.path().join("nowhere/file").is_file());
    }
}
