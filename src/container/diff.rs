//! A container's changes as an OCI layer tar, for `commit`.
//!
//! - overlay: the upper directory is the change set; its whiteouts (0/0
//!   character devices) become `.wh.NAME` entries and its opaque
//!   directories get a `.wh..wh..opq` entry.
//! - vfs: the root filesystem is compared with the layers it was copied
//!   from (type, mode, owner, size, mtime, link target, device number);
//!   what is new or different is archived, what is gone gets a whiteout.
//!
//! Run in the container's user namespace so owners are the container's ids.
//! A directory is archived before anything beneath it, so the new layer
//! keeps the directories' real modes and owners.

use crate::image::layer::tarstream::{join, TarWriter};
use crate::image::layer::unpack::is_whiteout;
use anyhow::Context;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::{self, Metadata};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

const WHITEOUT: &str = ".wh.";
const OPAQUE: &str = ".wh..wh..opq";

struct Differ<W: Write> {
    tar: TarWriter<W>,
    /// Directories not archived yet: written as soon as something beneath
    /// them is.
    pending: Vec<(PathBuf, String, Metadata)>,
}

impl<W: Write> Differ<W> {
    fn flush(&mut self) -> anyhow::Result<()> {
        for (path, name, meta) in std::mem::take(&mut self.pending) {
            self.tar.append_entry(&path, &name, &meta)?;
        }
        Ok(())
    }

    fn entry(&mut self, path: &Path, name: &str, meta: &Metadata) -> anyhow::Result<()> {
        self.flush()?;
        self.tar.append_entry(path, name, meta)
    }

    fn tree(&mut self, path: &Path, name: &str) -> anyhow::Result<()> {
        self.flush()?;
        self.tar.append_tree(path, name)
    }

    fn marker(&mut self, name: &str) -> anyhow::Result<()> {
        self.flush()?;
        self.tar.append_marker(name)
    }

    /// Descend into `path` only archiving it if something beneath is.
    fn maybe_dir(
        &mut self,
        path: &Path,
        name: &str,
        meta: Metadata,
        inner: impl FnOnce(&mut Self) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.pending
            .push((path.to_path_buf(), name.to_string(), meta));
        let depth = self.pending.len();
        inner(self)?;
        if self.pending.len() >= depth {
            self.pending.truncate(depth - 1);
        }
        Ok(())
    }
}

fn sorted_entries(dir: &Path) -> anyhow::Result<Vec<OsString>> {
    let mut names: Vec<OsString> = fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("reading {}", dir.display()))?;
    names.sort();
    Ok(names)
}

fn lossy(name: &std::ffi::OsStr) -> String {
    String::from_utf8_lossy(name.as_bytes()).to_string()
}

fn is_opaque(dir: &Path) -> bool {
    ["user.overlay.opaque", "trusted.overlay.opaque"]
        .iter()
        .any(|x| xattr_is_y(dir, x))
}

fn xattr_is_y(path: &Path, name: &str) -> bool {
    let (Ok(p), Ok(n)) = (
        std::ffi::CString::new(path.as_os_str().as_bytes()),
        std::ffi::CString::new(name),
    ) else {
        return false;
    };
    let mut buf = [0u8; 4];
    // SAFETY: valid C strings and a buffer of the given length.
    let len =
        unsafe { libc::lgetxattr(p.as_ptr(), n.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    len == 1 && buf[0] == b'y'
}

/// The overlay upper directory `upper` as a layer tar.
pub fn write_upper<W: Write>(upper: &Path, out: W) -> anyhow::Result<W> {
    write_upper_without(upper, out, &std::collections::BTreeSet::new())
}

/// [`write_upper`], leaving out the entries named in `stubs` (archive
/// names, such as `etc/hosts`) when they are empty files or directories:
/// the mount points the runtime made, which a build step's layer should
/// not keep.
pub fn write_upper_without<W: Write>(
    upper: &Path,
    out: W,
    stubs: &std::collections::BTreeSet<String>,
) -> anyhow::Result<W> {
    let mut tar = TarWriter::new(out);
    upper_dir(&mut tar, upper, "", stubs)?;
    tar.finish()
}

fn upper_dir<W: Write>(
    tar: &mut TarWriter<W>,
    dir: &Path,
    name: &str,
    stubs: &std::collections::BTreeSet<String>,
) -> anyhow::Result<()> {
    for child in sorted_entries(dir)? {
        let path = dir.join(&child);
        let child_name = join(name, &lossy(&child));
        let meta =
            fs::symlink_metadata(&path).with_context(|| format!("reading {}", path.display()))?;
        if stubs.contains(&child_name) {
            let empty = match meta.is_dir() {
                true => fs::read_dir(&path)
                    .map(|mut d| d.next().is_none())
                    .unwrap_or(false),
                false => meta.is_file() && meta.len() == 0,
            };
            if empty {
                continue;
            }
        }
        if is_whiteout(&meta) {
            tar.append_marker(&join(name, &format!("{WHITEOUT}{}", lossy(&child))))?;
            continue;
        }
        tar.append_entry(&path, &child_name, &meta)?;
        if meta.is_dir() {
            if is_opaque(&path) {
                tar.append_marker(&join(&child_name, OPAQUE))?;
            }
            upper_dir(tar, &path, &child_name, stubs)?;
        }
    }
    Ok(())
}

/// The differences between the vfs root filesystem `rootfs` and the layer
/// directories it was made from (`layers`, top first), as a layer tar.
pub fn write_vfs_diff<W: Write>(rootfs: &Path, layers: &[PathBuf], out: W) -> anyhow::Result<W> {
    let mut d = Differ {
        tar: TarWriter::new(out),
        pending: Vec::new(),
    };
    vfs_dir(&mut d, rootfs, layers, "")?;
    d.tar.finish()
}

/// The entries the layers show in one directory (`lowers`: that directory
/// in each layer that still shows through, top first): the topmost entry of
/// each name, or None where a whiteout hides it.
fn lower_entries(lowers: &[PathBuf]) -> BTreeMap<OsString, Option<(PathBuf, Metadata)>> {
    let mut seen = BTreeMap::new();
    for dir in lowers {
        let Ok(names) = sorted_entries(dir) else {
            continue;
        };
        for name in names {
            if seen.contains_key(&name) {
                continue;
            }
            let path = dir.join(&name);
            let entry = fs::symlink_metadata(&path)
                .ok()
                .filter(|m| !is_whiteout(m))
                .map(|m| (path, m));
            seen.insert(name, entry);
        }
    }
    seen
}

/// The directory `name` in each lower that shows through: below a
/// non-directory, a whiteout or an opaque directory nothing does.
fn child_lowers(lowers: &[PathBuf], name: &OsString) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in lowers {
        let path = dir.join(name);
        match fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => {
                let opaque = is_opaque(&path);
                out.push(path);
                if opaque {
                    break;
                }
            }
            Ok(_) => break,
            Err(_) => {}
        }
    }
    out
}

/// Whether an entry differs from the lower one it replaces.
fn changed(path: &Path, meta: &Metadata, lower_path: &Path, lower: &Metadata) -> bool {
    let ft = meta.file_type();
    if ft != lower.file_type()
        || meta.mode() != lower.mode()
        || meta.uid() != lower.uid()
        || meta.gid() != lower.gid()
    {
        return true;
    }
    if ft.is_dir() {
        return meta.mtime() != lower.mtime() || meta.mtime_nsec() != lower.mtime_nsec();
    }
    if ft.is_symlink() {
        return fs::read_link(path).ok() != fs::read_link(lower_path).ok();
    }
    meta.size() != lower.size()
        || meta.rdev() != lower.rdev()
        || meta.mtime() != lower.mtime()
        || meta.mtime_nsec() != lower.mtime_nsec()
}

fn vfs_dir<W: Write>(
    d: &mut Differ<W>,
    dir: &Path,
    lowers: &[PathBuf],
    name: &str,
) -> anyhow::Result<()> {
    let mut lower = lower_entries(lowers);
    for child in sorted_entries(dir)? {
        let path = dir.join(&child);
        let child_name = join(name, &lossy(&child));
        let meta =
            fs::symlink_metadata(&path).with_context(|| format!("reading {}", path.display()))?;
        match lower.remove(&child).flatten() {
            Some((lower_path, lower_meta)) if meta.is_dir() && lower_meta.is_dir() => {
                let below = child_lowers(lowers, &child);
                if changed(&path, &meta, &lower_path, &lower_meta) {
                    d.entry(&path, &child_name, &meta)?;
                    vfs_dir(d, &path, &below, &child_name)?;
                } else {
                    d.maybe_dir(&path, &child_name, meta, |d| {
                        vfs_dir(d, &path, &below, &child_name)
                    })?;
                }
            }
            Some((lower_path, lower_meta)) => {
                if changed(&path, &meta, &lower_path, &lower_meta) {
                    d.tree(&path, &child_name)?;
                }
            }
            None => d.tree(&path, &child_name)?,
        }
    }
    // What the layers show here that the root filesystem no longer has.
    for (gone, entry) in lower {
        if entry.is_some() {
            d.marker(&join(name, &format!("{WHITEOUT}{}", lossy(&gone))))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn names(tar: &[u8]) -> BTreeSet<String> {
        tar::Archive::new(tar)
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let p = e.path().unwrap().to_string_lossy().to_string();
                p.trim_end_matches('/').to_string()
            })
            .collect()
    }

    /// Copy a tree the way the vfs driver does (metadata kept).
    fn vfs_copy(layer: &Path, rootfs: &Path) {
        crate::storage::copy::copy_tree(layer, rootfs, &Default::default()).unwrap();
    }

    #[test]
    fn vfs_diff_finds_new_changed_and_deleted() {
        let layer = tempfile::tempdir().unwrap();
        let l = layer.path();
        fs::create_dir_all(l.join("etc/sub")).unwrap();
        fs::write(l.join("etc/keep"), b"same").unwrap();
        fs::write(l.join("etc/change"), b"old").unwrap();
        fs::write(l.join("etc/gone"), b"x").unwrap();
        fs::write(l.join("etc/sub/deep"), b"x").unwrap();
        fs::create_dir_all(l.join("untouched/dir")).unwrap();
        let root = tempfile::tempdir().unwrap();
        let rootfs = root.path().join("rootfs");
        fs::create_dir(&rootfs).unwrap();
        vfs_copy(l, &rootfs);

        fs::write(rootfs.join("etc/change"), b"new!").unwrap();
        fs::remove_file(rootfs.join("etc/gone")).unwrap();
        fs::write(rootfs.join("etc/sub/added"), b"a").unwrap();
        fs::create_dir(rootfs.join("newdir")).unwrap();
        fs::write(rootfs.join("newdir/f"), b"f").unwrap();

        let tar = write_vfs_diff(&rootfs, &[l.to_path_buf()], Vec::new()).unwrap();
        let got = names(&tar);
        for want in [
            "etc/change",
            "etc/.wh.gone",
            "etc/sub/added",
            "newdir",
            "newdir/f",
            "etc",
            "etc/sub",
        ] {
            assert!(got.contains(want), "{want} missing from {got:?}");
        }
        for unwanted in ["etc/keep", "etc/sub/deep", "untouched", "untouched/dir"] {
            assert!(!got.contains(unwanted), "{unwanted} in {got:?}");
        }
    }

    #[test]
    fn vfs_diff_honours_lower_whiteouts_and_opaque_dirs() {
        let base = tempfile::tempdir().unwrap();
        let top = tempfile::tempdir().unwrap();
        fs::create_dir_all(base.path().join("d")).unwrap();
        fs::write(base.path().join("d/hidden"), b"x").unwrap();
        fs::write(base.path().join("wh"), b"x").unwrap();
        // The top layer deletes /wh and makes /d opaque.
        nix::sys::stat::mknod(
            &top.path().join("wh"),
            nix::sys::stat::SFlag::S_IFCHR,
            nix::sys::stat::Mode::empty(),
            0,
        )
        .ok();
        let whiteouts_work = top.path().join("wh").exists();
        fs::create_dir(top.path().join("d")).unwrap();
        let opaque_ok = xattr_set(&top.path().join("d"), "user.overlay.opaque");
        let rootfs = tempfile::tempdir().unwrap();
        // The merged view: /d empty, no /wh.
        fs::create_dir(rootfs.path().join("d")).unwrap();
        let layers = [top.path().to_path_buf(), base.path().to_path_buf()];
        let got = names(&write_vfs_diff(rootfs.path(), &layers, Vec::new()).unwrap());
        if opaque_ok {
            assert!(!got.contains("d/.wh.hidden"), "{got:?}");
        }
        if whiteouts_work {
            assert!(!got.contains(".wh.wh"), "{got:?}");
        }
    }

    fn xattr_set(path: &Path, name: &str) -> bool {
        let p = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
        let n = std::ffi::CString::new(name).unwrap();
        // SAFETY: valid C strings and value.
        unsafe { libc::lsetxattr(p.as_ptr(), n.as_ptr(), b"y".as_ptr().cast(), 1, 0) == 0 }
    }

    #[test]
    fn upper_whiteouts_and_opaque_dirs_become_oci_markers() {
        let upper = tempfile::tempdir().unwrap();
        fs::create_dir(upper.path().join("o")).unwrap();
        fs::write(upper.path().join("o/new"), b"n").unwrap();
        let opaque_ok = xattr_set(&upper.path().join("o"), "user.overlay.opaque");
        let whiteout_ok = nix::sys::stat::mknod(
            &upper.path().join("del"),
            nix::sys::stat::SFlag::S_IFCHR,
            nix::sys::stat::Mode::empty(),
            0,
        )
        .is_ok();
        let got = names(&write_upper(upper.path(), Vec::new()).unwrap());
        assert!(got.contains("o/new"), "{got:?}");
        if opaque_ok {
            assert!(got.contains("o/.wh..wh..opq"), "{got:?}");
        }
        if whiteout_ok {
            assert!(got.contains(".wh.del"), "{got:?}");
            assert!(!got.contains("del"), "{got:?}");
        }
    }
}
