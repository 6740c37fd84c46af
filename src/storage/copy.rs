//! Copying directory trees with everything a root filesystem needs: modes,
//! owners (optionally shifted to another id mapping), timestamps, xattrs,
//! hardlinks, symlinks, device nodes and fifos.
//!
//! With `apply_whiteouts`, the source is a layer in overlay format and is
//! applied onto the destination the way overlayfs would show it: a 0/0
//! character device deletes the entry below, an opaque directory hides
//! everything below it. That is the vfs driver's flattening.
//!
//! The destination is only ever entered through directories this copy has
//! checked are real directories (a symlink where a layer has a directory
//! is replaced, as overlayfs does), so no path here follows a symlink out
//! of the tree.

use crate::sys::userns::IdRange;
use anyhow::Context;
use std::collections::HashMap;
use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

const OPAQUE_XATTR: &str = crate::storage::layout::OPAQUE_XATTR;

/// Re-own files for another id mapping: a file seen as owned by `o` in
/// the current namespace (mapped by `current`) gets the owner it must have
/// so that, under `target`, it shows the same container id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdShift {
    pub current_uids: Vec<IdRange>,
    pub current_gids: Vec<IdRange>,
    pub target_uids: Vec<IdRange>,
    pub target_gids: Vec<IdRange>,
}

fn to_host(map: &[IdRange], id: u32) -> Option<u32> {
    map.iter()
        .find(|r| id >= r.container_id && id - r.container_id < r.size)
        .map(|r| r.host_id + (id - r.container_id))
}

fn to_container(map: &[IdRange], host: u32) -> Option<u32> {
    map.iter()
        .find(|r| host >= r.host_id && host - r.host_id < r.size)
        .map(|r| r.container_id + (host - r.host_id))
}

impl IdShift {
    /// The owner to give a file seen as `uid` so that, under the target
    /// mapping, it shows as `uid` again.
    pub fn uid(&self, uid: u32) -> u32 {
        to_host(&self.target_uids, uid)
            .and_then(|h| to_container(&self.current_uids, h))
            .unwrap_or(uid)
    }

    pub fn gid(&self, gid: u32) -> u32 {
        to_host(&self.target_gids, gid)
            .and_then(|h| to_container(&self.current_gids, h))
            .unwrap_or(gid)
    }
}

#[derive(Debug, Clone, Default)]
pub struct CopyOptions {
    pub apply_whiteouts: bool,
    pub shift: Option<IdShift>,
}

/// Copy (or apply, see the module doc) `src` into the existing or new
/// directory `dst`.
pub fn copy_tree(src: &Path, dst: &Path, opts: &CopyOptions) -> anyhow::Result<()> {
    let mut links = HashMap::new();
    if !dst.exists() {
        fs::create_dir_all(dst).with_context(|| format!("creating {}", dst.display()))?;
    }
    copy_dir_contents(src, dst, opts, &mut links)?;
    let meta = fs::symlink_metadata(src)?;
    finish_metadata(src, dst, &meta, opts)
}

fn copy_dir_contents(
    src: &Path,
    dst: &Path,
    opts: &CopyOptions,
    links: &mut HashMap<(u64, u64), PathBuf>,
) -> anyhow::Result<()> {
    let entries = fs::read_dir(src).with_context(|| format!("reading {}", src.display()))?;
    for entry in entries {
        let entry = entry?;
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let meta = fs::symlink_metadata(&from)?;
        let ft = meta.file_type();
        if opts.apply_whiteouts && ft.is_char_device() && meta.rdev() == 0 {
            remove_any(&to)?;
            continue;
        }
        if ft.is_dir() {
            let existing = fs::symlink_metadata(&to).ok();
            let opaque = opts.apply_whiteouts && has_opaque_xattr(&from);
            match existing {
                Some(m) if m.is_dir() && !opaque => {}
                Some(_) => {
                    remove_any(&to)?;
                    fs::create_dir(&to).with_context(|| format!("creating {}", to.display()))?;
                }
                None => {
                    fs::create_dir(&to).with_context(|| format!("creating {}", to.display()))?
                }
            }
            copy_dir_contents(&from, &to, opts, links)?;
            finish_metadata(&from, &to, &meta, opts)?;
            continue;
        }
        if fs::symlink_metadata(&to).is_ok() {
            remove_any(&to)?;
        }
        if meta.nlink() > 1 && !ft.is_dir() {
            let key = (meta.dev(), meta.ino());
            if let Some(first) = links.get(&key) {
                fs::hard_link(first, &to)
                    .with_context(|| format!("linking {} to {}", to.display(), first.display()))?;
                continue;
            }
            links.insert(key, to.clone());
        }
        if ft.is_symlink() {
            let target = fs::read_link(&from)?;
            std::os::unix::fs::symlink(&target, &to)
                .with_context(|| format!("creating {}", to.display()))?;
        } else if ft.is_file() {
            copy_file(&from, &to)?;
        } else if ft.is_char_device() || ft.is_block_device() || ft.is_fifo() {
            let kind = if ft.is_char_device() {
                nix::sys::stat::SFlag::S_IFCHR
            } else if ft.is_block_device() {
                nix::sys::stat::SFlag::S_IFBLK
            } else {
                nix::sys::stat::SFlag::S_IFIFO
            };
            nix::sys::stat::mknod(
                &to,
                kind,
                nix::sys::stat::Mode::from_bits_truncate(meta.mode() & 0o7777),
                meta.rdev(),
            )
            .with_context(|| format!("creating device {}", to.display()))?;
        } else {
            // Sockets mean nothing in an image.
            continue;
        }
        finish_metadata(&from, &to, &meta, opts)?;
    }
    Ok(())
}

fn copy_file(from: &Path, to: &Path) -> anyhow::Result<()> {
    let mut input = fs::File::open(from).with_context(|| format!("opening {}", from.display()))?;
    let mut output = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .with_context(|| format!("creating {}", to.display()))?;
    std::io::copy(&mut input, &mut output)
        .with_context(|| format!("copying {}", from.display()))?;
    Ok(())
}

fn remove_any(path: &Path) -> anyhow::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            fs::remove_dir_all(path).with_context(|| format!("removing {}", path.display()))
        }
        Ok(_) => fs::remove_file(path).with_context(|| format!("removing {}", path.display())),
        Err(_) => Ok(()),
    }
}

fn has_opaque_xattr(path: &Path) -> bool {
    get_xattr(path, OPAQUE_XATTR).is_some_and(|v| v == b"y")
}

/// Owner, mode, xattrs and times, in that order (chown clears setuid bits,
/// so the mode comes after it).
fn finish_metadata(
    from: &Path,
    to: &Path,
    meta: &fs::Metadata,
    opts: &CopyOptions,
) -> anyhow::Result<()> {
    let (uid, gid) = match &opts.shift {
        Some(s) => (s.uid(meta.uid()), s.gid(meta.gid())),
        None => (meta.uid(), meta.gid()),
    };
    // A single-id namespace cannot give files to other ids; they stay ours.
    let _ = std::os::unix::fs::lchown(to, Some(uid), Some(gid));
    if !meta.file_type().is_symlink() {
        fs::set_permissions(to, fs::Permissions::from_mode(meta.mode() & 0o7777))
            .with_context(|| format!("setting the mode of {}", to.display()))?;
    }
    copy_xattrs(from, to, opts.apply_whiteouts);
    let times = [
        nix::sys::time::TimeSpec::new(meta.atime(), meta.atime_nsec()),
        nix::sys::time::TimeSpec::new(meta.mtime(), meta.mtime_nsec()),
    ];
    let _ = nix::sys::stat::utimensat(
        nix::fcntl::AT_FDCWD,
        to,
        &times[0],
        &times[1],
        nix::sys::stat::UtimensatFlags::NoFollowSymlink,
    );
    Ok(())
}

fn cpath(path: &Path) -> Option<CString> {
    CString::new(path.as_os_str().as_bytes()).ok()
}

fn get_xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    let p = cpath(path)?;
    let n = CString::new(name).ok()?;
    let mut buf = vec![0u8; 4096];
    // SAFETY: valid C strings and a buffer of the given length.
    let len =
        unsafe { libc::lgetxattr(p.as_ptr(), n.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    if len < 0 {
        return None;
    }
    buf.truncate(len as usize);
    Some(buf)
}

/// Copy the xattrs we can; ones we may not set (trusted.*, security.*
/// without privilege) are skipped. The overlay's own opaque marker is
/// consumed, not copied, when layers are being applied.
fn copy_xattrs(from: &Path, to: &Path, applying: bool) {
    let (Some(src), Some(dst)) = (cpath(from), cpath(to)) else {
        return;
    };
    let mut names = vec![0u8; 4096];
    // SAFETY: valid C string and buffer.
    let len = unsafe { libc::llistxattr(src.as_ptr(), names.as_mut_ptr().cast(), names.len()) };
    if len <= 0 {
        return;
    }
    names.truncate(len as usize);
    for name in names.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let Ok(name_str) = std::str::from_utf8(name) else {
            continue;
        };
        if applying && name_str == OPAQUE_XATTR {
            continue;
        }
        let Some(value) = get_xattr(from, name_str) else {
            continue;
        };
        let Ok(cname) = CString::new(name) else {
            continue;
        };
        // SAFETY: valid C strings and value buffer.
        unsafe {
            libc::lsetxattr(
                dst.as_ptr(),
                cname.as_ptr(),
                value.as_ptr().cast(),
                value.len(),
                0,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(c: u32, h: u32, s: u32) -> IdRange {
        IdRange {
            container_id: c,
            host_id: h,
            size: s,
        }
    }

    #[test]
    fn shift_for_keep_id() {
        // Storage: 0 -> 1000 (the user), 1.. -> 100000..
        // keep-id: 0..999 -> 100000.., 1000 -> 1000, 1001.. -> 101000..
        let storage = vec![range(0, 1000, 1), range(1, 100000, 65536)];
        let keep_id = vec![
            range(0, 100000, 1000),
            range(1000, 1000, 1),
            range(1001, 101000, 64536),
        ];
        // Copying in the storage namespace for a keep-id container.
        let shift = IdShift {
            current_uids: storage.clone(),
            current_gids: storage.clone(),
            target_uids: keep_id.clone(),
            target_gids: keep_id,
        };
        // Image root must become host 100000, which the storage ns sees as 1.
        assert_eq!(shift.uid(0), 1);
        // Image uid 1000 must become the user, storage id 0.
        assert_eq!(shift.uid(1000), 0);
        assert_eq!(shift.uid(5), 6);
        assert_eq!(shift.uid(2000), 2000);
    }

    #[test]
    fn applies_whiteouts_and_keeps_hardlinks() {
        let lower = tempfile::tempdir().unwrap();
        let upper = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        fs::create_dir_all(lower.path().join("etc/old")).unwrap();
        fs::write(lower.path().join("etc/old/file"), "x").unwrap();
        fs::write(lower.path().join("gone"), "x").unwrap();
        fs::write(lower.path().join("a"), "hard").unwrap();
        fs::hard_link(lower.path().join("a"), lower.path().join("b")).unwrap();
        std::os::unix::fs::symlink("/usr/lib", lower.path().join("lib")).unwrap();
        // Upper: a real lib dir replaces the symlink, `gone` is whited out.
        fs::create_dir_all(upper.path().join("lib")).unwrap();
        fs::write(upper.path().join("lib/x.so"), "so").unwrap();
        let opts = CopyOptions {
            apply_whiteouts: true,
            shift: None,
        };
        copy_tree(lower.path(), out.path(), &opts).unwrap();
        copy_tree(upper.path(), out.path(), &opts).unwrap();
        assert!(out.path().join("lib").is_dir());
        assert!(!fs::symlink_metadata(out.path().join("lib"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            fs::read_to_string(out.path().join("lib/x.so")).unwrap(),
            "so"
        );
        let a = fs::metadata(out.path().join("a")).unwrap();
        let b = fs::metadata(out.path().join("b")).unwrap();
        assert_eq!(a.ino(), b.ino());
        assert_eq!(
            fs::read_to_string(out.path().join("etc/old/file")).unwrap(),
            "x"
        );
    }
}
