//! The overlay filesystem itself: fuse-backend-rs's `FileSystem` over the
//! upper dir (layer 0) and the image's layers (1.., top first).
//!
//! Metadata operations hold the inode table's lock for their duration,
//! which keeps copy-up, whiteouts and renames consistent with each other;
//! reads and writes go straight to the open file and run in parallel.

use super::copyup::{self, temp_name};
use super::dirmerge::{self, MergedEntry, RawEntry};
use super::idmap::IdShift;
use super::inodes::{join, Tree, ROOT};
use super::sys::{self, errno};
use crate::storage::layout::{self, is_whiteout, OPAQUE_XATTR_C};
use fuse_backend_rs::abi::fuse_abi::{
    stat64, statvfs64, CreateIn, FsOptions, OpenOptions, SetattrValid,
};
use fuse_backend_rs::api::filesystem::{
    Context, DirEntry, Entry, FileSystem, GetxattrReply, ListxattrReply, ZeroCopyReader,
    ZeroCopyWriter,
};
use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::fs::File;
use std::io;
use std::mem::ManuallyDrop;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

/// How long the kernel may trust what we said. Every change to the tree
/// goes through this mount, and the kernel updates its own caches for
/// those; so entries and attributes stay valid until it forgets them.
/// (0 made metadata three times slower in fuse-backend-rs's own overlay;
/// 2 s still had long jobs such as an untar revalidate every path
/// component, a dozen requests per file.)
const TIMEOUT: Duration = Duration::from_secs(3600);

/// The directories the filesystem is made of, opened once.
pub struct Layers {
    /// 0: upper, 1..: lower layers top first.
    pub dirs: Vec<OwnedFd>,
    pub work: OwnedFd,
}

enum Handle {
    File(File),
    Dir(Mutex<Option<Vec<MergedEntry>>>),
}

pub struct OverlayFs {
    layers: Layers,
    /// Written by operations that change the tree; lookups, opens for
    /// reading, getattr and readdir share it.
    tree: RwLock<Tree>,
    handles: Mutex<HashMap<u64, Arc<Handle>>>,
    next_handle: AtomicU64,
    shift: IdShift,
    /// The upper dir is thrown away with the container (`run --rm`), as
    /// Podman's `volatile` overlays: fsync need not reach the disk.
    volatile: bool,
}

/// What a lookup found: the layers (top first) and the top entry's stat.
struct Found {
    layers: Vec<usize>,
    st: libc::stat64,
}

/// A lookup going down the layers.
#[derive(Default)]
struct Resolve {
    found: Option<Found>,
}

impl Resolve {
    /// Look at `name` in layer `l`'s directory; true when the layers
    /// below no longer matter.
    fn step(&mut self, l: usize, dir: BorrowedFd, name: &CStr) -> io::Result<bool> {
        let st = match sys::stat_at(dir, name) {
            Ok(st) => st,
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => {
                return Ok(false)
            }
            Err(e) => return Err(e),
        };
        if is_whiteout(st.st_mode, st.st_rdev) {
            return Ok(true);
        }
        match &mut self.found {
            None => {
                self.found = Some(Found {
                    layers: vec![l],
                    st,
                });
                Ok(!is_dir(&st) || opaque_at(dir, name))
            }
            Some(f) => {
                // A non-directory below a directory is hidden, and so is
                // everything under it.
                if !is_dir(&st) {
                    return Ok(true);
                }
                f.layers.push(l);
                Ok(opaque_at(dir, name))
            }
        }
    }
}

fn is_dir(st: &libc::stat64) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFDIR
}

fn enoent() -> io::Error {
    errno(libc::ENOENT)
}

impl OverlayFs {
    pub fn new(layers: Layers, shift: IdShift, volatile: bool) -> OverlayFs {
        let root_layers = Self::root_layers(&layers);
        OverlayFs {
            layers,
            tree: RwLock::new(Tree::new(root_layers)),
            handles: Mutex::new(HashMap::new()),
            next_handle: AtomicU64::new(1),
            shift,
            volatile,
        }
    }

    /// The root merges every layer down to the first opaque one.
    fn root_layers(layers: &Layers) -> Vec<usize> {
        let mut out = Vec::new();
        for (i, d) in layers.dirs.iter().enumerate() {
            out.push(i);
            if opaque(d.as_fd()) {
                break;
            }
        }
        out
    }

    fn lock(&self) -> RwLockWriteGuard<'_, Tree> {
        self.tree.write().unwrap_or_else(|e| e.into_inner())
    }

    fn read(&self) -> RwLockReadGuard<'_, Tree> {
        self.tree.read().unwrap_or_else(|e| e.into_inner())
    }

    fn layer(&self, l: usize) -> BorrowedFd<'_> {
        self.layers.dirs[l].as_fd()
    }

    fn work(&self) -> BorrowedFd<'_> {
        self.layers.work.as_fd()
    }

    /// A directory (by path) in layer `l`.
    fn open_dir(&self, l: usize, path: &CStr) -> io::Result<OwnedFd> {
        sys::open_beneath(self.layer(l), path, libc::O_PATH | libc::O_DIRECTORY, 0)
    }

    /// Resolve `name` in the directory at `dir_path` merged from
    /// `dir_layers`.
    fn resolve(
        &self,
        dir_path: &CStr,
        dir_layers: &[usize],
        name: &CStr,
    ) -> io::Result<Option<Found>> {
        // Layer directories are opened one by one: most lookups stop at
        // the first layer that has the name.
        let mut state = Resolve::default();
        for &l in dir_layers {
            let dir = match self.open_dir(l, dir_path) {
                Ok(d) => d,
                Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => {
                    continue
                }
                Err(e) => return Err(e),
            };
            if state.step(l, dir.as_fd(), name)? {
                break;
            }
        }
        Ok(state.found)
    }

    /// `resolve` in directories opened already (readdirplus: once per
    /// listing, not once per entry).
    fn resolve_in(&self, dirs: &[(usize, OwnedFd)], name: &CStr) -> io::Result<Option<Found>> {
        let mut state = Resolve::default();
        for (l, dir) in dirs {
            if state.step(*l, dir.as_fd(), name)? {
                break;
            }
        }
        Ok(state.found)
    }

    /// The directory's layer directories that exist, top first.
    fn open_layers(
        &self,
        dir_path: &CStr,
        dir_layers: &[usize],
    ) -> io::Result<Vec<(usize, OwnedFd)>> {
        let mut out = Vec::new();
        for &l in dir_layers {
            match self.open_dir(l, dir_path) {
                Ok(d) => out.push((l, d)),
                Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Whether some lower layer of the directory has `name` (so removing
    /// or replacing it in the upper dir needs a whiteout or opaque dir).
    fn lower_has(&self, dir_path: &CStr, dir_layers: &[usize], name: &CStr) -> bool {
        let lowers: Vec<usize> = dir_layers.iter().copied().filter(|l| *l > 0).collect();
        matches!(self.resolve(dir_path, &lowers, name), Ok(Some(_)))
    }

    fn attr(&self, mut st: libc::stat64) -> stat64 {
        st.st_uid = self.shift.uid_out(st.st_uid);
        st.st_gid = self.shift.gid_out(st.st_gid);
        st
    }

    fn entry(&self, ino: u64, st: libc::stat64) -> Entry {
        Entry {
            inode: ino,
            generation: 0,
            attr: self.attr(st),
            attr_flags: 0,
            attr_timeout: TIMEOUT,
            entry_timeout: TIMEOUT,
        }
    }

    /// (dir path, layers, path) of a live node.
    fn node_info(&self, tree: &Tree, ino: u64) -> io::Result<(CString, Vec<usize>, bool)> {
        let n = tree.get(ino).ok_or_else(enoent)?;
        if n.detached {
            return Err(enoent());
        }
        let path = tree.path(ino).ok_or_else(enoent)?;
        Ok((path, n.layers.clone(), n.is_dir))
    }

    /// Parent directory fd in layer `l` and the node's name there.
    fn locate(&self, tree: &Tree, ino: u64, l: usize) -> io::Result<(OwnedFd, CString)> {
        let n = tree.get(ino).ok_or_else(enoent)?;
        if ino == ROOT {
            return Ok((self.open_dir(l, c".")?, c".".to_owned()));
        }
        let parent = tree.path(n.parent).ok_or_else(enoent)?;
        Ok((self.open_dir(l, &parent)?, n.name.clone()))
    }

    fn stat_node(&self, tree: &Tree, ino: u64) -> io::Result<libc::stat64> {
        let n = tree.get(ino).ok_or_else(enoent)?;
        if n.detached {
            return Err(enoent());
        }
        let (dir, name) = self.locate(tree, ino, n.top())?;
        sys::stat_at(dir.as_fd(), &name)
    }

    /// Make sure the node exists in the upper dir, copying it (and its
    /// parents) up if needed.
    fn copy_up(&self, tree: &mut Tree, ino: u64) -> io::Result<()> {
        let n = tree.get(ino).ok_or_else(enoent)?;
        if n.detached {
            return Err(enoent());
        }
        if n.in_upper() {
            return Ok(());
        }
        let (parent, top, is_dir) = (n.parent, n.top(), n.is_dir);
        self.copy_up(tree, parent)?;
        let (src_dir, name) = self.locate(tree, ino, top)?;
        let st = sys::stat_at(src_dir.as_fd(), &name)?;
        let tmp = temp_name()?;
        copyup::copy_entry(src_dir.as_fd(), &name, &st, self.work(), &tmp)?;
        let (upper_dir, _) = self.locate(tree, ino, 0)?;
        if let Err(e) = sys::rename_at(
            self.work(),
            &tmp,
            upper_dir.as_fd(),
            &name,
            libc::RENAME_NOREPLACE,
        ) {
            let _ = sys::unlink_at(self.work(), &tmp, is_dir);
            return Err(e);
        }
        let n = tree.get_mut(ino).ok_or_else(enoent)?;
        if is_dir {
            n.layers.insert(0, 0);
        } else {
            n.layers = vec![0];
        }
        Ok(())
    }

    /// Copy a directory and everything merged beneath it into the upper
    /// dir and mark it opaque: after this it no longer depends on its
    /// place in the lower layers (for renames of merged directories).
    fn copy_up_tree(&self, tree: &mut Tree, ino: u64) -> io::Result<()> {
        self.copy_up(tree, ino)?;
        let (path, layers, _) = self.node_info(tree, ino)?;
        self.copy_up_children(&path, &layers)?;
        let dir = self.open_dir(0, &path)?;
        set_opaque(dir.as_fd())?;
        tree.get_mut(ino).ok_or_else(enoent)?.layers = vec![0];
        tree.all_upper_beneath(ino);
        Ok(())
    }

    fn copy_up_children(&self, path: &CStr, layers: &[usize]) -> io::Result<()> {
        if !layers.iter().any(|l| *l > 0) {
            return Ok(());
        }
        let upper = self.open_dir(0, path)?;
        for e in self.list(path, layers, 0)?.into_iter().skip(2) {
            let name = sys::cstring(e.name)?;
            let Some(found) = self.resolve(path, layers, &name)? else {
                continue;
            };
            let mut child_layers = found.layers.clone();
            if found.layers[0] != 0 {
                let src = self.open_dir(found.layers[0], path)?;
                let tmp = temp_name()?;
                copyup::copy_entry(src.as_fd(), &name, &found.st, self.work(), &tmp)?;
                sys::rename_at(
                    self.work(),
                    &tmp,
                    upper.as_fd(),
                    &name,
                    libc::RENAME_NOREPLACE,
                )?;
                child_layers.insert(0, 0);
            }
            if is_dir(&found.st) {
                let child = join(path, &name)?;
                self.copy_up_children(&child, &child_layers)?;
                let fd = self.open_dir(0, &child)?;
                set_opaque(fd.as_fd())?;
            }
        }
        Ok(())
    }

    /// The merged listing of a directory.
    fn list(&self, path: &CStr, layers: &[usize], ino: u64) -> io::Result<Vec<MergedEntry>> {
        let mut all = Vec::new();
        for &l in layers {
            let dir = match self.open_dir(l, path) {
                Ok(d) => d,
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
                Err(e) => return Err(e),
            };
            let mut raw = Vec::new();
            for (name, d_ino, kind) in sys::read_dir(dir.as_fd())? {
                let mut whiteout = false;
                if kind == libc::DT_CHR || kind == libc::DT_UNKNOWN {
                    let c = sys::cstring(name.clone())?;
                    if let Ok(st) = sys::stat_at(dir.as_fd(), &c) {
                        whiteout = is_whiteout(st.st_mode, st.st_rdev);
                    }
                }
                raw.push(RawEntry {
                    name,
                    ino: d_ino,
                    kind: kind as u32,
                    whiteout,
                });
            }
            all.push(raw);
        }
        Ok(dirmerge::merge(ino, all))
    }

    /// Put `work`/`tmp` at `dir`/`name` in the upper dir, replacing a
    /// whiteout there if `over_whiteout`.
    fn install(
        &self,
        tmp: &CStr,
        dir: BorrowedFd,
        name: &CStr,
        over_whiteout: bool,
        is_dir: bool,
    ) -> io::Result<()> {
        if !over_whiteout {
            return sys::rename_at(self.work(), tmp, dir, name, libc::RENAME_NOREPLACE);
        }
        if !is_dir {
            return sys::rename_at(self.work(), tmp, dir, name, 0);
        }
        // A directory cannot be renamed over a device: swap, then drop the
        // whiteout that landed in the work dir.
        sys::rename_at(self.work(), tmp, dir, name, libc::RENAME_EXCHANGE)?;
        let _ = sys::unlink_at(self.work(), tmp, false);
        Ok(())
    }

    /// Replace `dir`/`name` (anything, or nothing) with a whiteout.
    fn whiteout(&self, dir: BorrowedFd, name: &CStr) -> io::Result<()> {
        let tmp = temp_name()?;
        sys::mknod_at(self.work(), &tmp, libc::S_IFCHR, 0)?;
        let existing = sys::stat_at(dir, name).ok();
        let result = match existing {
            Some(st) if is_dir(&st) => {
                // Swap the (empty) directory out, then remove it.
                sys::rename_at(self.work(), &tmp, dir, name, libc::RENAME_EXCHANGE)
                    .and_then(|()| remove_tree(self.work(), &tmp))
            }
            _ => sys::rename_at(self.work(), &tmp, dir, name, 0),
        };
        if result.is_err() {
            let _ = sys::unlink_at(self.work(), &tmp, false);
        }
        result
    }

    /// Common start of every creation: the parent copied up, its upper
    /// fd, whether a whiteout is being replaced and whether lower layers
    /// have the name.
    fn prepare_create(
        &self,
        tree: &mut Tree,
        parent: u64,
        name: &CStr,
    ) -> io::Result<(OwnedFd, bool, bool, libc::stat64)> {
        self.copy_up(tree, parent)?;
        let (ppath, players, _) = self.node_info(tree, parent)?;
        let dir = self.open_dir(0, &ppath)?;
        let over_whiteout = match sys::stat_at(dir.as_fd(), name) {
            Ok(st) if is_whiteout(st.st_mode, st.st_rdev) => true,
            Ok(_) => return Err(errno(libc::EEXIST)),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => false,
            Err(e) => return Err(e),
        };
        let lower = !over_whiteout && self.lower_has(&ppath, &players, name);
        if lower {
            return Err(errno(libc::EEXIST));
        }
        let pst = sys::fstat(dir.as_fd())?;
        Ok((dir, over_whiteout, over_whiteout, pst))
    }

    /// Owner for a new entry: the caller, or the parent's group under a
    /// set-group-id directory.
    fn owner(&self, ctx: &Context, parent: &libc::stat64) -> io::Result<(u32, u32)> {
        let uid = self
            .shift
            .uid_in(ctx.uid)
            .ok_or_else(|| errno(libc::EINVAL))?;
        let gid = if parent.st_mode & libc::S_ISGID != 0 {
            parent.st_gid
        } else {
            self.shift
                .gid_in(ctx.gid)
                .ok_or_else(|| errno(libc::EINVAL))?
        };
        Ok((uid, gid))
    }

    /// Finish a creation made in the work dir: owner, opaque marker,
    /// install, node.
    #[allow(clippy::too_many_arguments)]
    fn finish_create(
        &self,
        tree: &mut Tree,
        ctx: &Context,
        parent: u64,
        name: &CStr,
        tmp: &CStr,
        prepared: (OwnedFd, bool, bool, libc::stat64),
        dir_kind: bool,
    ) -> io::Result<Entry> {
        let (dir, over_whiteout, lower, pst) = prepared;
        let result = (|| {
            let (uid, gid) = self.owner(ctx, &pst)?;
            sys::chown_at(self.work(), tmp, uid, gid)?;
            if dir_kind {
                if pst.st_mode & libc::S_ISGID != 0 {
                    let st = sys::stat_at(self.work(), tmp)?;
                    sys::chmod_at(self.work(), tmp, (st.st_mode & 0o7777) | libc::S_ISGID)?;
                }
                if lower {
                    // A directory re-created where a lower one was deleted
                    // must never show the old content again.
                    let fd =
                        sys::open_beneath(self.work(), tmp, libc::O_PATH | libc::O_DIRECTORY, 0)?;
                    set_opaque(fd.as_fd())?;
                }
            }
            self.install(tmp, dir.as_fd(), name, over_whiteout, dir_kind)
        })();
        if let Err(e) = result {
            let _ = sys::unlink_at(self.work(), tmp, dir_kind);
            return Err(e);
        }
        let st = sys::stat_at(dir.as_fd(), name)?;
        let ino = tree.remember(parent, name, vec![0], dir_kind);
        Ok(self.entry(ino, st))
    }

    fn new_handle(&self, h: Handle) -> u64 {
        let id = self.next_handle.fetch_add(1, Ordering::Relaxed);
        self.handles
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, Arc::new(h));
        id
    }

    fn handle(&self, id: u64) -> io::Result<Arc<Handle>> {
        self.handles
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned()
            .ok_or_else(|| errno(libc::EBADF))
    }

    /// Take the directory's listing at the first read and at a rewind.
    fn refresh_snapshot(
        &self,
        snap: &mut Option<Vec<MergedEntry>>,
        inode: u64,
        offset: u64,
    ) -> io::Result<()> {
        if snap.is_some() && offset != 0 {
            return Ok(());
        }
        let tree = self.read();
        let (path, layers, _) = self.node_info(&tree, inode)?;
        let st = self.stat_node(&tree, inode)?;
        drop(tree);
        *snap = Some(self.list(&path, &layers, st.st_ino)?);
        Ok(())
    }

    /// An O_PATH descriptor on the node's top entry (for xattrs, reached
    /// through /proc/self/fd). None for a symlink: a path through the
    /// descriptor could be resolved by its target in the host's tree, and
    /// user xattrs do not exist on symlinks anyway.
    fn open_path(&self, tree: &Tree, ino: u64) -> io::Result<Option<OwnedFd>> {
        let n = tree.get(ino).ok_or_else(enoent)?;
        if n.detached {
            return Err(enoent());
        }
        let (dir, name) = self.locate(tree, ino, n.top())?;
        let fd = sys::open_beneath(dir.as_fd(), &name, libc::O_PATH | libc::O_NOFOLLOW, 0)?;
        if sys::fstat(fd.as_fd())?.st_mode & libc::S_IFMT == libc::S_IFLNK {
            return Ok(None);
        }
        Ok(Some(fd))
    }

    fn do_lookup(&self, parent: u64, name: &CStr) -> io::Result<Entry> {
        let tree = self.read();
        let (ppath, players, pdir) = self.node_info(&tree, parent)?;
        if !pdir {
            return Err(errno(libc::ENOTDIR));
        }
        let found = self.resolve(&ppath, &players, name)?;
        drop(tree);
        // The kernel keeps renames and removals in `parent` out while it
        // looks up in it, so what was found still holds.
        match found {
            Some(found) => {
                let ino = self
                    .lock()
                    .remember(parent, name, found.layers, is_dir(&found.st));
                Ok(self.entry(ino, found.st))
            }
            // A negative entry the kernel may cache.
            None => Ok(blank_entry()),
        }
    }

    fn do_unlink(&self, parent: u64, name: &CStr, want_dir: bool) -> io::Result<()> {
        let mut tree = self.lock();
        let (ppath, players, _) = self.node_info(&tree, parent)?;
        let found = self.resolve(&ppath, &players, name)?.ok_or_else(enoent)?;
        if want_dir != is_dir(&found.st) {
            return Err(errno(if want_dir {
                libc::ENOTDIR
            } else {
                libc::EISDIR
            }));
        }
        if want_dir {
            let child = join(&ppath, name)?;
            if self.list(&child, &found.layers, 0)?.len() > 2 {
                return Err(errno(libc::ENOTEMPTY));
            }
        }
        self.copy_up(&mut tree, parent)?;
        let (_, players, _) = self.node_info(&tree, parent)?;
        let dir = self.open_dir(0, &ppath)?;
        let lower = self.lower_has(&ppath, &players, name);
        if lower {
            self.whiteout(dir.as_fd(), name)?;
        } else if want_dir {
            remove_tree(dir.as_fd(), name)?;
        } else {
            sys::unlink_at(dir.as_fd(), name, false)?;
        }
        tree.detach(parent, name);
        Ok(())
    }

    /// Look a child up and remember it (the kernel holds its own
    /// reference to both ends of a rename; ours is dropped after).
    fn child_node(&self, tree: &mut Tree, parent: u64, name: &CStr) -> io::Result<Option<u64>> {
        let (ppath, players, _) = self.node_info(tree, parent)?;
        Ok(self
            .resolve(&ppath, &players, name)?
            .map(|f| tree.remember(parent, name, f.layers, is_dir(&f.st))))
    }

    fn do_rename(
        &self,
        olddir: u64,
        oldname: &CStr,
        newdir: u64,
        newname: &CStr,
        flags: u32,
    ) -> io::Result<()> {
        if flags & !(libc::RENAME_NOREPLACE | libc::RENAME_EXCHANGE) != 0 {
            return Err(errno(libc::EINVAL));
        }
        let mut tree = self.lock();
        let src = self
            .child_node(&mut tree, olddir, oldname)?
            .ok_or_else(enoent)?;
        let dst = self.child_node(&mut tree, newdir, newname)?;
        let result =
            self.rename_nodes(&mut tree, src, olddir, oldname, dst, newdir, newname, flags);
        tree.forget(src, 1);
        if let Some(d) = dst {
            tree.forget(d, 1);
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn rename_nodes(
        &self,
        tree: &mut Tree,
        src: u64,
        olddir: u64,
        oldname: &CStr,
        dst: Option<u64>,
        newdir: u64,
        newname: &CStr,
        flags: u32,
    ) -> io::Result<()> {
        if dst == Some(src) {
            return Ok(());
        }
        if flags & libc::RENAME_NOREPLACE != 0 && dst.is_some() {
            return Err(errno(libc::EEXIST));
        }
        let exchange = flags & libc::RENAME_EXCHANGE != 0;
        if exchange && dst.is_none() {
            return Err(enoent());
        }
        let src_dir = tree.get(src).ok_or_else(enoent)?.is_dir;
        // Directories that merge lower content are moved as a whole
        // upper copy (what overlayfs's redirect_dir would record).
        if src_dir && tree.get(src).ok_or_else(enoent)?.has_lower() {
            self.copy_up_tree(tree, src)?;
        } else {
            self.copy_up(tree, src)?;
        }
        if let Some(d) = dst {
            let dn = tree.get(d).ok_or_else(enoent)?;
            if dn.is_dir && !exchange {
                let (dpath, dlayers, _) = self.node_info(tree, d)?;
                if self.list(&dpath, &dlayers, 0)?.len() > 2 {
                    return Err(errno(libc::ENOTEMPTY));
                }
            }
            if exchange {
                if dn.is_dir && dn.has_lower() {
                    self.copy_up_tree(tree, d)?;
                } else {
                    self.copy_up(tree, d)?;
                }
            }
        }
        self.copy_up(tree, newdir)?;
        self.copy_up(tree, olddir)?;
        let (opath, olayers, _) = self.node_info(tree, olddir)?;
        let (npath, nlayers, _) = self.node_info(tree, newdir)?;
        let odir = self.open_dir(0, &opath)?;
        let ndir = self.open_dir(0, &npath)?;
        let old_lower = self.lower_has(&opath, &olayers, oldname);
        let new_lower = self.lower_has(&npath, &nlayers, newname);
        if exchange {
            sys::rename_at(
                odir.as_fd(),
                oldname,
                ndir.as_fd(),
                newname,
                libc::RENAME_EXCHANGE,
            )?;
            // Each directory now sits where lower layers may have an
            // entry of that name: they must not merge in.
            if src_dir && new_lower {
                mark_opaque_at(ndir.as_fd(), newname)?;
            }
            let d = dst.ok_or_else(enoent)?;
            if tree.get(d).ok_or_else(enoent)?.is_dir && old_lower {
                mark_opaque_at(odir.as_fd(), oldname)?;
            }
            tree.exchange(src, d);
            return Ok(());
        }
        // An upper-only target directory may still hold whiteouts.
        if let Some(d) = dst {
            if tree.get(d).ok_or_else(enoent)?.is_dir {
                if let Ok(st) = sys::stat_at(ndir.as_fd(), newname) {
                    if is_dir(&st) {
                        clear_dir(ndir.as_fd(), newname)?;
                    }
                }
            }
        } else if let Ok(st) = sys::stat_at(ndir.as_fd(), newname) {
            // A whiteout at the target: the moved entry replaces it.
            if is_whiteout(st.st_mode, st.st_rdev) {
                sys::unlink_at(ndir.as_fd(), newname, false)?;
            }
        }
        sys::rename_at(odir.as_fd(), oldname, ndir.as_fd(), newname, 0)?;
        if src_dir && new_lower {
            mark_opaque_at(ndir.as_fd(), newname)?;
        }
        if old_lower {
            self.whiteout(odir.as_fd(), oldname)?;
        }
        if dst.is_some() {
            tree.detach(newdir, newname);
        }
        tree.rename(src, olddir, oldname, newdir, newname);
        Ok(())
    }

    fn do_setattr(
        &self,
        ino: u64,
        attr: &stat64,
        handle: Option<u64>,
        valid: SetattrValid,
    ) -> io::Result<libc::stat64> {
        let mut tree = self.lock();
        self.copy_up(&mut tree, ino)?;
        let (dir, name) = self.locate(&tree, ino, 0)?;
        let st = sys::stat_at(dir.as_fd(), &name)?;
        let is_link = st.st_mode & libc::S_IFMT == libc::S_IFLNK;
        if valid.intersects(SetattrValid::UID | SetattrValid::GID) {
            let uid = if valid.contains(SetattrValid::UID) {
                self.shift
                    .uid_in(attr.st_uid)
                    .ok_or_else(|| errno(libc::EINVAL))?
            } else {
                u32::MAX
            };
            let gid = if valid.contains(SetattrValid::GID) {
                self.shift
                    .gid_in(attr.st_gid)
                    .ok_or_else(|| errno(libc::EINVAL))?
            } else {
                u32::MAX
            };
            sys::chown_at(dir.as_fd(), &name, uid, gid)?;
        }
        if valid.contains(SetattrValid::MODE) && !is_link {
            sys::chmod_at(dir.as_fd(), &name, attr.st_mode & 0o7777)?;
        }
        if valid.contains(SetattrValid::SIZE) {
            let file = match handle.and_then(|h| self.handle(h).ok()) {
                Some(h) if matches!(*h, Handle::File(_)) => h,
                _ => Arc::new(Handle::File(File::from(sys::open_beneath(
                    dir.as_fd(),
                    &name,
                    libc::O_WRONLY | libc::O_NOFOLLOW,
                    0,
                )?))),
            };
            if let Handle::File(f) = &*file {
                // SAFETY: ftruncate on an open file.
                sys::cvt(unsafe { libc::ftruncate64(f.as_raw_fd(), attr.st_size) })?;
            }
        }
        if valid.intersects(SetattrValid::ATIME | SetattrValid::MTIME) {
            let pick = |set: SetattrValid, now: SetattrValid, sec: i64, nsec: i64| {
                if !valid.contains(set) {
                    sys::timespec(0, libc::UTIME_OMIT)
                } else if valid.contains(now) {
                    sys::timespec(0, libc::UTIME_NOW)
                } else {
                    sys::timespec(sec, nsec)
                }
            };
            let times = [
                pick(
                    SetattrValid::ATIME,
                    SetattrValid::ATIME_NOW,
                    attr.st_atime,
                    attr.st_atime_nsec,
                ),
                pick(
                    SetattrValid::MTIME,
                    SetattrValid::MTIME_NOW,
                    attr.st_mtime,
                    attr.st_mtime_nsec,
                ),
            ];
            sys::utimens_at(dir.as_fd(), &name, &times)?;
        }
        sys::stat_at(dir.as_fd(), &name)
    }
}

/// No entry (a negative lookup, or "." in readdirplus).
fn blank_entry() -> Entry {
    Entry {
        inode: 0,
        generation: 0,
        // SAFETY: stat64 is plain data; all zeroes is a valid value.
        attr: unsafe { std::mem::zeroed() },
        attr_flags: 0,
        attr_timeout: TIMEOUT,
        entry_timeout: TIMEOUT,
    }
}

fn opaque(dir: BorrowedFd) -> bool {
    let Ok(path) = sys::proc_path(dir) else {
        return false;
    };
    matches!(sys::get_xattr(&path, OPAQUE_XATTR_C), Ok(v) if layout::is_opaque_value(&v))
}

fn opaque_at(dir: BorrowedFd, name: &CStr) -> bool {
    match sys::open_beneath(dir, name, libc::O_PATH | libc::O_DIRECTORY, 0) {
        Ok(fd) => opaque(fd.as_fd()),
        Err(_) => false,
    }
}

fn set_opaque(dir: BorrowedFd) -> io::Result<()> {
    sys::set_xattr(&sys::proc_path(dir)?, OPAQUE_XATTR_C, b"y", 0)
}

fn mark_opaque_at(dir: BorrowedFd, name: &CStr) -> io::Result<()> {
    let fd = sys::open_beneath(dir, name, libc::O_PATH | libc::O_DIRECTORY, 0)?;
    set_opaque(fd.as_fd())
}

/// Remove everything inside `dir`/`name` (whiteouts of an emptied
/// directory), keeping the directory.
fn clear_dir(dir: BorrowedFd, name: &CStr) -> io::Result<()> {
    let fd = sys::open_beneath(dir, name, libc::O_PATH | libc::O_DIRECTORY, 0)?;
    for (child, _, kind) in sys::read_dir(fd.as_fd())? {
        let c = sys::cstring(child)?;
        if kind == libc::DT_DIR {
            remove_tree(fd.as_fd(), &c)?;
        } else {
            sys::unlink_at(fd.as_fd(), &c, false)?;
        }
    }
    Ok(())
}

/// Remove a directory and whatever (whiteouts) it still holds.
fn remove_tree(dir: BorrowedFd, name: &CStr) -> io::Result<()> {
    match sys::stat_at(dir, name) {
        Ok(st) if is_dir(&st) => {
            clear_dir(dir, name)?;
            sys::unlink_at(dir, name, true)
        }
        Ok(_) => sys::unlink_at(dir, name, false),
        Err(e) => Err(e),
    }
}

/// Open flags for the real file: never create or follow, and with the
/// writeback cache the kernel may read a write-only file and does
/// appends itself.
fn real_open_flags(flags: u32) -> i32 {
    // Only flags openat2 knows (it rejects the rest, such as the kernel's
    // internal __FMODE_EXEC); no O_DIRECT, our buffers are not aligned.
    let known = libc::O_ACCMODE
        | libc::O_TRUNC
        | libc::O_NONBLOCK
        | libc::O_DSYNC
        | libc::O_SYNC
        | libc::O_LARGEFILE
        | libc::O_NOATIME;
    let mut f = flags as i32 & known;
    if f & libc::O_ACCMODE == libc::O_WRONLY {
        f = (f & !libc::O_ACCMODE) | libc::O_RDWR;
    }
    f | libc::O_NOFOLLOW
}

fn wants_write(flags: u32) -> bool {
    let f = flags as i32;
    f & libc::O_ACCMODE != libc::O_RDONLY || f & libc::O_TRUNC != 0
}

/// A borrowed `File` for the zero-copy reader/writer.
fn borrow_file(f: &File) -> ManuallyDrop<File> {
    // SAFETY: the descriptor stays open (owned by the handle) for as long
    // as the ManuallyDrop, which never closes it.
    ManuallyDrop::new(unsafe { File::from_raw_fd(f.as_raw_fd()) })
}

impl FileSystem for OverlayFs {
    type Inode = u64;
    type Handle = u64;

    fn init(&self, capable: FsOptions) -> io::Result<FsOptions> {
        let want = FsOptions::ASYNC_READ
            | FsOptions::BIG_WRITES
            | FsOptions::MAX_PAGES
            | FsOptions::PARALLEL_DIROPS
            | FsOptions::WRITEBACK_CACHE
            | FsOptions::ATOMIC_O_TRUNC
            | FsOptions::DO_READDIRPLUS
            | FsOptions::READDIRPLUS_AUTO;
        // SAFETY: umask only affects this process.
        unsafe { libc::umask(0) };
        Ok(capable & want)
    }

    fn lookup(&self, _ctx: &Context, parent: u64, name: &CStr) -> io::Result<Entry> {
        self.do_lookup(parent, name)
    }

    fn forget(&self, _ctx: &Context, inode: u64, count: u64) {
        self.lock().forget(inode, count);
    }

    fn batch_forget(&self, _ctx: &Context, requests: Vec<(u64, u64)>) {
        let mut tree = self.lock();
        for (ino, count) in requests {
            tree.forget(ino, count);
        }
    }

    fn getattr(
        &self,
        _ctx: &Context,
        inode: u64,
        handle: Option<u64>,
    ) -> io::Result<(stat64, Duration)> {
        if let Some(h) = handle.and_then(|h| self.handle(h).ok()) {
            if let Handle::File(f) = &*h {
                return Ok((self.attr(sys::fstat(f.as_fd())?), TIMEOUT));
            }
        }
        let tree = self.read();
        Ok((self.attr(self.stat_node(&tree, inode)?), TIMEOUT))
    }

    fn setattr(
        &self,
        _ctx: &Context,
        inode: u64,
        attr: stat64,
        handle: Option<u64>,
        valid: SetattrValid,
    ) -> io::Result<(stat64, Duration)> {
        let st = self.do_setattr(inode, &attr, handle, valid)?;
        Ok((self.attr(st), TIMEOUT))
    }

    fn readlink(&self, _ctx: &Context, inode: u64) -> io::Result<Vec<u8>> {
        let tree = self.read();
        let n = tree.get(inode).ok_or_else(enoent)?;
        let (dir, name) = self.locate(&tree, inode, n.top())?;
        sys::readlink_at(dir.as_fd(), &name)
    }

    fn symlink(
        &self,
        ctx: &Context,
        linkname: &CStr,
        parent: u64,
        name: &CStr,
    ) -> io::Result<Entry> {
        let mut tree = self.lock();
        let prepared = self.prepare_create(&mut tree, parent, name)?;
        let tmp = temp_name()?;
        sys::symlink_at(linkname, self.work(), &tmp)?;
        self.finish_create(&mut tree, ctx, parent, name, &tmp, prepared, false)
    }

    fn mknod(
        &self,
        ctx: &Context,
        parent: u64,
        name: &CStr,
        mode: u32,
        rdev: u32,
        _umask: u32,
    ) -> io::Result<Entry> {
        // A 0/0 character device would read back as a whiteout.
        if is_whiteout(mode, rdev as u64) {
            return Err(errno(libc::EPERM));
        }
        let mut tree = self.lock();
        let prepared = self.prepare_create(&mut tree, parent, name)?;
        let tmp = temp_name()?;
        sys::mknod_at(self.work(), &tmp, mode, rdev as u64)?;
        self.finish_create(&mut tree, ctx, parent, name, &tmp, prepared, false)
    }

    fn mkdir(
        &self,
        ctx: &Context,
        parent: u64,
        name: &CStr,
        mode: u32,
        _umask: u32,
    ) -> io::Result<Entry> {
        let mut tree = self.lock();
        let prepared = self.prepare_create(&mut tree, parent, name)?;
        let tmp = temp_name()?;
        sys::mkdir_at(self.work(), &tmp, mode & 0o7777)?;
        self.finish_create(&mut tree, ctx, parent, name, &tmp, prepared, true)
    }

    fn unlink(&self, _ctx: &Context, parent: u64, name: &CStr) -> io::Result<()> {
        self.do_unlink(parent, name, false)
    }

    fn rmdir(&self, _ctx: &Context, parent: u64, name: &CStr) -> io::Result<()> {
        self.do_unlink(parent, name, true)
    }

    fn rename(
        &self,
        _ctx: &Context,
        olddir: u64,
        oldname: &CStr,
        newdir: u64,
        newname: &CStr,
        flags: u32,
    ) -> io::Result<()> {
        self.do_rename(olddir, oldname, newdir, newname, flags)
    }

    fn link(
        &self,
        _ctx: &Context,
        inode: u64,
        newparent: u64,
        newname: &CStr,
    ) -> io::Result<Entry> {
        let mut tree = self.lock();
        self.copy_up(&mut tree, inode)?;
        let (dir, over_whiteout, _, _) = self.prepare_create(&mut tree, newparent, newname)?;
        let (src_dir, src_name) = self.locate(&tree, inode, 0)?;
        if over_whiteout {
            sys::unlink_at(dir.as_fd(), newname, false)?;
        }
        sys::link_at(src_dir.as_fd(), &src_name, dir.as_fd(), newname)?;
        let st = sys::stat_at(dir.as_fd(), newname)?;
        // The same inode for the kernel: one nlink, one page cache.
        tree.add_alias(inode, newparent, newname);
        Ok(self.entry(inode, st))
    }

    fn open(
        &self,
        _ctx: &Context,
        inode: u64,
        flags: u32,
        _fuse_flags: u32,
    ) -> io::Result<(Option<u64>, OpenOptions, Option<u32>)> {
        if wants_write(flags) {
            self.copy_up(&mut self.lock(), inode)?;
        }
        let tree = self.read();
        let (path, layers, _) = self.node_info(&tree, inode)?;
        drop(tree);
        let top = layers.first().copied().unwrap_or(0);
        // One openat2 from the layer's root, beneath it, no symlinks.
        let fd = sys::open_beneath(self.layer(top), &path, real_open_flags(flags), 0)?;
        let h = self.new_handle(Handle::File(File::from(fd)));
        // Every change goes through this mount, so the kernel's cached
        // pages stay right from one open to the next.
        Ok((Some(h), OpenOptions::KEEP_CACHE, None))
    }

    fn create(
        &self,
        ctx: &Context,
        parent: u64,
        name: &CStr,
        args: CreateIn,
    ) -> io::Result<(Entry, Option<u64>, OpenOptions, Option<u32>)> {
        let mut tree = self.lock();
        let prepared = self.prepare_create(&mut tree, parent, name)?;
        let tmp = temp_name()?;
        let fd = sys::open_beneath(
            self.work(),
            &tmp,
            libc::O_CREAT | libc::O_EXCL | real_open_flags(args.flags),
            args.mode & 0o7777,
        )?;
        let entry = self.finish_create(&mut tree, ctx, parent, name, &tmp, prepared, false)?;
        let h = self.new_handle(Handle::File(File::from(fd)));
        Ok((entry, Some(h), OpenOptions::KEEP_CACHE, None))
    }

    fn read(
        &self,
        _ctx: &Context,
        _inode: u64,
        handle: u64,
        w: &mut dyn ZeroCopyWriter,
        size: u32,
        offset: u64,
        _lock_owner: Option<u64>,
        _flags: u32,
    ) -> io::Result<usize> {
        let h = self.handle(handle)?;
        match &*h {
            Handle::File(f) => {
                let mut f = borrow_file(f);
                w.write_from(&mut *f, size as usize, offset)
            }
            Handle::Dir(_) => Err(errno(libc::EISDIR)),
        }
    }

    fn write(
        &self,
        _ctx: &Context,
        _inode: u64,
        handle: u64,
        r: &mut dyn ZeroCopyReader,
        size: u32,
        offset: u64,
        _lock_owner: Option<u64>,
        _delayed_write: bool,
        _flags: u32,
        _fuse_flags: u32,
    ) -> io::Result<usize> {
        let h = self.handle(handle)?;
        match &*h {
            Handle::File(f) => {
                let mut f = borrow_file(f);
                r.read_to(&mut *f, size as usize, offset)
            }
            Handle::Dir(_) => Err(errno(libc::EISDIR)),
        }
    }

    fn flush(&self, _ctx: &Context, _inode: u64, _handle: u64, _lock_owner: u64) -> io::Result<()> {
        // Nothing to do at close (no locks of ours, writes go straight
        // through): ENOSYS tells the kernel to stop asking, one round trip
        // less per file.
        Err(errno(libc::ENOSYS))
    }

    fn fsync(&self, _ctx: &Context, _inode: u64, datasync: bool, handle: u64) -> io::Result<()> {
        if self.volatile {
            // The kernel has handed us the dirty pages before asking;
            // ENOSYS tells it to stop asking (fsync then succeeds there).
            return Err(errno(libc::ENOSYS));
        }
        let h = self.handle(handle)?;
        if let Handle::File(f) = &*h {
            if datasync {
                f.sync_data()?;
            } else {
                f.sync_all()?;
            }
        }
        Ok(())
    }

    fn fallocate(
        &self,
        _ctx: &Context,
        _inode: u64,
        handle: u64,
        mode: u32,
        offset: u64,
        length: u64,
    ) -> io::Result<()> {
        let h = self.handle(handle)?;
        match &*h {
            // SAFETY: fallocate on an open file.
            Handle::File(f) => sys::cvt(unsafe {
                libc::fallocate64(f.as_raw_fd(), mode as i32, offset as i64, length as i64)
            })
            .map(|_| ()),
            Handle::Dir(_) => Err(errno(libc::EISDIR)),
        }
    }

    fn release(
        &self,
        _ctx: &Context,
        _inode: u64,
        _flags: u32,
        handle: u64,
        _flush: bool,
        _flock_release: bool,
        _lock_owner: Option<u64>,
    ) -> io::Result<()> {
        self.handles
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&handle);
        Ok(())
    }

    fn statfs(&self, _ctx: &Context, _inode: u64) -> io::Result<statvfs64> {
        let mut st = std::mem::MaybeUninit::<statvfs64>::zeroed();
        // SAFETY: valid fd and out buffer.
        sys::cvt(unsafe { libc::fstatvfs64(self.layer(0).as_raw_fd(), st.as_mut_ptr()) })?;
        // SAFETY: initialised by fstatvfs.
        Ok(unsafe { st.assume_init() })
    }

    fn setxattr(
        &self,
        _ctx: &Context,
        inode: u64,
        name: &CStr,
        value: &[u8],
        flags: u32,
    ) -> io::Result<()> {
        if layout::is_private_xattr(name.to_bytes()) {
            return Err(errno(libc::EPERM));
        }
        let mut tree = self.lock();
        self.copy_up(&mut tree, inode)?;
        let fd = self
            .open_path(&tree, inode)?
            .ok_or_else(|| errno(libc::EPERM))?;
        sys::set_xattr(&sys::proc_path(fd.as_fd())?, name, value, flags as i32)
    }

    fn getxattr(
        &self,
        _ctx: &Context,
        inode: u64,
        name: &CStr,
        size: u32,
    ) -> io::Result<GetxattrReply> {
        if layout::is_private_xattr(name.to_bytes()) {
            return Err(errno(libc::ENODATA));
        }
        let tree = self.read();
        let fd = self
            .open_path(&tree, inode)?
            .ok_or_else(|| errno(libc::ENODATA))?;
        drop(tree);
        let value = sys::get_xattr(&sys::proc_path(fd.as_fd())?, name)?;
        if size == 0 {
            Ok(GetxattrReply::Count(value.len() as u32))
        } else if value.len() > size as usize {
            Err(errno(libc::ERANGE))
        } else {
            Ok(GetxattrReply::Value(value))
        }
    }

    fn listxattr(&self, _ctx: &Context, inode: u64, size: u32) -> io::Result<ListxattrReply> {
        let tree = self.read();
        let fd = self.open_path(&tree, inode)?;
        drop(tree);
        let list = match fd {
            Some(fd) => layout::filter_xattr_list(&sys::list_xattr(&sys::proc_path(fd.as_fd())?)?),
            None => Vec::new(),
        };
        if size == 0 {
            Ok(ListxattrReply::Count(list.len() as u32))
        } else if list.len() > size as usize {
            Err(errno(libc::ERANGE))
        } else {
            Ok(ListxattrReply::Names(list))
        }
    }

    fn removexattr(&self, _ctx: &Context, inode: u64, name: &CStr) -> io::Result<()> {
        if layout::is_private_xattr(name.to_bytes()) {
            return Err(errno(libc::ENODATA));
        }
        let mut tree = self.lock();
        self.copy_up(&mut tree, inode)?;
        let fd = self
            .open_path(&tree, inode)?
            .ok_or_else(|| errno(libc::ENODATA))?;
        sys::remove_xattr(&sys::proc_path(fd.as_fd())?, name)
    }

    fn opendir(
        &self,
        _ctx: &Context,
        inode: u64,
        _flags: u32,
    ) -> io::Result<(Option<u64>, OpenOptions)> {
        let tree = self.read();
        self.node_info(&tree, inode)?;
        drop(tree);
        Ok((
            Some(self.new_handle(Handle::Dir(Mutex::new(None)))),
            OpenOptions::empty(),
        ))
    }

    fn readdirplus(
        &self,
        _ctx: &Context,
        inode: u64,
        handle: u64,
        _size: u32,
        offset: u64,
        add_entry: &mut dyn FnMut(DirEntry, Entry) -> io::Result<usize>,
    ) -> io::Result<()> {
        let h = self.handle(handle)?;
        let Handle::Dir(snapshot) = &*h else {
            return Err(errno(libc::ENOTDIR));
        };
        let mut snap = snapshot.lock().unwrap_or_else(|e| e.into_inner());
        self.refresh_snapshot(&mut snap, inode, offset)?;
        let entries = snap.as_ref().ok_or_else(|| errno(libc::EIO))?;
        let dirs = {
            let tree = self.read();
            let (path, layers, _) = self.node_info(&tree, inode)?;
            self.open_layers(&path, &layers)?
        };
        for (i, e) in entries.iter().enumerate().skip(offset as usize) {
            let dirent = DirEntry {
                ino: e.ino,
                offset: i as u64 + 1,
                type_: e.kind,
                name: &e.name,
            };
            // The kernel takes "." and ".." without a lookup; anything
            // else counts as one, so it is remembered first and
            // forgotten again if it did not fit.
            let entry = if e.name == b"." || e.name == b".." {
                None
            } else {
                let name = CString::new(e.name.clone()).map_err(|_| errno(libc::EINVAL))?;
                match self.resolve_in(&dirs, &name) {
                    Ok(Some(found)) => {
                        let ino =
                            self.lock()
                                .remember(inode, &name, found.layers, is_dir(&found.st));
                        Some(self.entry(ino, found.st))
                    }
                    // Gone since the snapshot.
                    _ => continue,
                }
            };
            let looked_up = entry.as_ref().map(|e| e.inode);
            let n = add_entry(dirent, entry.unwrap_or_else(blank_entry))?;
            if n == 0 {
                if let Some(ino) = looked_up {
                    self.lock().forget(ino, 1);
                }
                break;
            }
        }
        Ok(())
    }

    fn readdir(
        &self,
        _ctx: &Context,
        inode: u64,
        handle: u64,
        _size: u32,
        offset: u64,
        add_entry: &mut dyn FnMut(DirEntry) -> io::Result<usize>,
    ) -> io::Result<()> {
        let h = self.handle(handle)?;
        let Handle::Dir(snapshot) = &*h else {
            return Err(errno(libc::ENOTDIR));
        };
        let mut snap = snapshot.lock().unwrap_or_else(|e| e.into_inner());
        self.refresh_snapshot(&mut snap, inode, offset)?;
        let entries = snap.as_ref().ok_or_else(|| errno(libc::EIO))?;
        for (i, e) in entries.iter().enumerate().skip(offset as usize) {
            let n = add_entry(DirEntry {
                ino: e.ino,
                offset: i as u64 + 1,
                type_: e.kind,
                name: &e.name,
            })?;
            if n == 0 {
                break;
            }
        }
        Ok(())
    }

    fn fsyncdir(&self, _ctx: &Context, inode: u64, datasync: bool, _handle: u64) -> io::Result<()> {
        if self.volatile {
            return Err(errno(libc::ENOSYS));
        }
        // Only the upper dir changes; a directory not copied up has no
        // changes of ours to make durable.
        let tree = self.read();
        let (path, layers, _) = self.node_info(&tree, inode)?;
        drop(tree);
        if layers.first() != Some(&0) {
            return Ok(());
        }
        let dir = File::from(sys::open_beneath(
            self.layer(0),
            &path,
            libc::O_RDONLY | libc::O_DIRECTORY,
            0,
        )?);
        if datasync {
            dir.sync_data()
        } else {
            dir.sync_all()
        }
    }

    fn releasedir(&self, _ctx: &Context, _inode: u64, _flags: u32, handle: u64) -> io::Result<()> {
        self.handles
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&handle);
        Ok(())
    }

    fn lseek(
        &self,
        _ctx: &Context,
        _inode: u64,
        handle: u64,
        offset: u64,
        whence: u32,
    ) -> io::Result<u64> {
        let h = self.handle(handle)?;
        match &*h {
            Handle::File(f) => {
                // SAFETY: lseek on an open file.
                let r = unsafe { libc::lseek64(f.as_raw_fd(), offset as i64, whence as i32) };
                if r < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(r as u64)
                }
            }
            Handle::Dir(_) => Err(errno(libc::EINVAL)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn dir_fd(p: &Path) -> OwnedFd {
        std::fs::create_dir_all(p).unwrap();
        nix::fcntl::open(
            p,
            nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY,
            nix::sys::stat::Mode::empty(),
        )
        .unwrap()
    }

    fn overlay(dir: &Path, volatile: bool) -> OverlayFs {
        let layers = Layers {
            dirs: vec![dir_fd(&dir.join("upper")), dir_fd(&dir.join("lower"))],
            work: dir_fd(&dir.join("work")),
        };
        OverlayFs::new(layers, IdShift::new(None, None), volatile)
    }

    fn caller() -> Context {
        Context {
            uid: nix::unistd::getuid().as_raw(),
            gid: nix::unistd::getgid().as_raw(),
            pid: 0,
        }
    }

    #[test]
    fn fsync_is_served_unless_the_upper_dir_is_volatile() {
        for volatile in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let fs = overlay(dir.path(), volatile);
            let args = CreateIn {
                flags: libc::O_RDWR as u32,
                mode: 0o644,
                umask: 0,
                fuse_flags: 0,
            };
            let (_, handle, _, _) = fs.create(&caller(), ROOT, c"f", args).unwrap();
            let results = [
                fs.fsync(&caller(), 0, false, handle.unwrap()),
                fs.fsyncdir(&caller(), ROOT, false, 0),
            ];
            for result in results {
                match volatile {
                    // ENOSYS: the kernel stops asking and fsync succeeds.
                    true => assert_eq!(result.unwrap_err().raw_os_error(), Some(libc::ENOSYS)),
                    false => result.unwrap(),
                }
            }
            assert!(dir.path().join("upper/f").exists());
        }
    }
}
