//! Unpacking of one container image layer (an uncompressed tar stream) into
//! its own directory, with OCI whiteouts converted to the overlayfs format.
//!
//! Every filesystem operation is done relative to a directory fd that was
//! opened with `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)` from the
//! layer directory, so whatever the tar says (`..`, absolute paths, symlinks
//! planted earlier in the same tar) nothing outside the layer is touched.

use std::ffi::CString;
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use nix::errno::Errno;
use nix::fcntl::{openat, AtFlags, OFlag};
use nix::sys::stat::{
    fchmod, fstatat, futimens, mkdirat, mknodat, utimensat, FileStat, Mode, SFlag, UtimensatFlags,
};
use nix::sys::time::TimeSpec;
use nix::unistd::{fchown, fchownat, linkat, symlinkat, unlinkat, Gid, Uid, UnlinkatFlags};
use nix::NixPath;

use crate::image::layer::targuard::{self, TarGuard};

pub use crate::storage::layout::OPAQUE_XATTR;
use crate::storage::layout::OPAQUE_XATTR_C;
const WHITEOUT_PREFIX: &[u8] = b".wh.";
const ESCAPES: &str = "path escapes the layer";
/// Large enough that big files move in few syscalls, small enough to stay in cache.
const COPY_BUF: usize = 256 * 1024;
/// tar reads 512-byte headers; buffer them. Larger data reads bypass this buffer.
const READ_BUF: usize = 64 * 1024;

/// How a layer is unpacked.
#[derive(Debug, Clone, Copy)]
pub struct UnpackOptions {
    /// Apply uid/gid from the tar. False with a single-id user namespace mapping,
    /// where chown to any other id cannot work: ownership is then dropped.
    pub preserve_ownership: bool,
    /// Create char/block device nodes from the tar (only real root can).
    pub allow_devices: bool,
}

/// What an unpack did.
#[derive(Debug, Default)]
pub struct UnpackStats {
    /// Tar entries processed (PAX global headers not counted).
    pub entries: u64,
    /// Bytes of regular file content written.
    pub bytes: u64,
    /// Human-readable notes about entries that were contained or skipped,
    /// e.g. `dev/sda: device node skipped (needs root)`.
    pub skipped: Vec<String>,
}

/// Unpacking failed; `entry` names the offending tar entry when there is one.
#[derive(Debug)]
pub struct UnpackError {
    pub entry: Option<String>,
    pub message: String,
}

impl UnpackError {
    fn new(entry: Option<String>, message: String) -> Self {
        UnpackError { entry, message }
    }
}

impl fmt::Display for UnpackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.entry {
            Some(entry) => write!(f, "layer entry \"{}\": {}", entry, self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for UnpackError {}

/// True for an overlayfs whiteout: a character device with device number 0/0.
pub fn is_whiteout(meta: &std::fs::Metadata) -> bool {
    meta.file_type().is_char_device() && meta.rdev() == 0
}

/// Unpacks the (already decompressed) layer tar `tar` into `dest`, an existing
/// empty directory.
pub fn unpack_layer<R: Read>(
    tar: R,
    dest: &Path,
    opts: &UnpackOptions,
) -> Result<UnpackStats, UnpackError> {
    let root = nix::fcntl::open(
        dest,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| {
        UnpackError::new(
            None,
            format!("cannot open layer directory {}: {e}", dest.display()),
        )
    })?;
    let mut unpacker = Unpacker::new(root.as_fd(), opts);
    // The guard refuses GNU long-name and PAX headers that would make the
    // tar crate read gigabytes into memory.
    let mut archive = tar::Archive::new(TarGuard::new(BufReader::with_capacity(READ_BUF, tar)));
    let entries = archive.entries().map_err(tar_error)?;
    for entry in entries {
        let mut entry = entry.map_err(tar_error)?;
        if let Err(message) = unpacker.entry(&mut entry) {
            return Err(UnpackError::new(Some(lossy(&entry.path_bytes())), message));
        }
    }
    unpacker.finish()?;
    Ok(unpacker.stats)
}

/// How `cp` puts a tar stream into a directory tree (instead of making a
/// layer): no whiteouts, owners forced or kept, the top name renamed, and
/// a directory never silently replaced by a file or the other way round.
#[derive(Debug, Clone, Default)]
pub struct PutOptions {
    /// Give every entry this owner (`cp --archive` into a container).
    pub owner: Option<(u32, u32)>,
    /// Keep the tar's owners (`cp --archive=false` into a container);
    /// neither this nor `owner`: files belong to whoever extracts.
    pub keep_ids: bool,
    /// Rename the first path component `from` to `to`; an empty `from`
    /// puts everything beneath `to` (the contents of `dir/.`).
    pub rename: Option<(Vec<u8>, Vec<u8>)>,
    /// Put everything beneath this path (relative to the root).
    pub prefix: Vec<u8>,
    /// Replace a directory by a non-directory and vice versa (`--overwrite`).
    pub overwrite: bool,
    /// Follow symlinks already in the tree, inside the root (the root is
    /// the container's own `/`, as a chroot sees it), as `docker cp` does.
    pub follow_in_root: bool,
}

/// Extracts a `cp` tar stream into `dest` (see [`PutOptions`]). Device
/// nodes are skipped, as Podman's cp does.
pub fn put_tree<R: Read>(
    tar: R,
    dest: &Path,
    put: &PutOptions,
) -> Result<UnpackStats, UnpackError> {
    let opts = UnpackOptions {
        preserve_ownership: put.owner.is_some() || put.keep_ids,
        allow_devices: false,
    };
    let root = nix::fcntl::open(
        dest,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| UnpackError::new(None, format!("cannot open {}: {e}", dest.display())))?;
    let mut unpacker = Unpacker::new(root.as_fd(), &opts);
    unpacker.put = Some(put);
    let mut archive = tar::Archive::new(TarGuard::new(BufReader::with_capacity(READ_BUF, tar)));
    let entries = archive.entries().map_err(put_tar_error)?;
    for entry in entries {
        let mut entry = entry.map_err(put_tar_error)?;
        if let Err(message) = unpacker.entry(&mut entry) {
            // Messages naming their path need no "layer entry" prefix.
            let message = if message.contains('"') {
                message
            } else {
                format!("\"{}\": {message}", lossy(&entry.path_bytes()))
            };
            return Err(UnpackError::new(None, message));
        }
    }
    unpacker.finish()?;
    Ok(unpacker.stats)
}

fn put_tar_error(e: io::Error) -> UnpackError {
    match targuard::meta_too_large(&e) {
        Some(too_large) => UnpackError::new(None, too_large.to_string()),
        None => UnpackError::new(None, format!("reading the tar stream: {e}")),
    }
}

/// A tar reading error; an oversized metadata entry explains itself.
fn tar_error(e: io::Error) -> UnpackError {
    match targuard::meta_too_large(&e) {
        Some(too_large) => UnpackError::new(None, too_large.to_string()),
        None => UnpackError::new(None, format!("cannot read layer tar: {e}")),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    File,
    Dir,
    Symlink,
    Hardlink,
    Fifo,
    Char,
    Block,
}

struct Meta {
    mode: u32,
    uid: u64,
    gid: u64,
    mtime: TimeSpec,
}

/// Mode and mtime of a directory, applied once all entries are written:
/// adding children would bump the mtime, and a read-only mode could block them.
struct DirMeta {
    path: Vec<u8>,
    mode: u32,
    mtime: TimeSpec,
}

/// Where xattrs go: an open fd, or a name in a directory for types that
/// cannot (or must not) be opened.
enum XattrTarget<'a> {
    Fd(BorrowedFd<'a>),
    At(BorrowedFd<'a>, &'a [u8]),
}

struct Unpacker<'r> {
    opts: &'r UnpackOptions,
    /// Set for `cp` ([`put_tree`]), none for a layer.
    put: Option<&'r PutOptions>,
    root: BorrowedFd<'r>,
    /// Parent directory of the previous entry; tars list siblings together.
    cache_path: Vec<u8>,
    cache_fd: Option<OwnedFd>,
    /// A directory tree was removed, so the cached fd may be a deleted dir.
    removed_dir: bool,
    dirs: Vec<DirMeta>,
    stats: UnpackStats,
    noted_absolute: bool,
    // Scratch buffers reused across entries to avoid per-entry allocations.
    buf: Vec<u8>,
    path: Vec<u8>,
    link: Vec<u8>,
    xattrs: Vec<(Vec<u8>, Vec<u8>)>,
}

impl<'r> Unpacker<'r> {
    fn new(root: BorrowedFd<'r>, opts: &'r UnpackOptions) -> Self {
        Unpacker {
            opts,
            put: None,
            root,
            cache_path: Vec::new(),
            cache_fd: None,
            removed_dir: false,
            dirs: Vec::new(),
            stats: UnpackStats::default(),
            noted_absolute: false,
            buf: vec![0; COPY_BUF],
            path: Vec::new(),
            link: Vec::new(),
            xattrs: Vec::new(),
        }
    }

    fn entry<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>) -> Result<(), String> {
        use tar::EntryType as T;
        let etype = entry.header().entry_type();
        let mut kind = match etype {
            T::XGlobalHeader => return Ok(()),
            T::Regular | T::Continuous | T::GNUSparse => Kind::File,
            T::Directory => Kind::Dir,
            T::Symlink => Kind::Symlink,
            T::Link => Kind::Hardlink,
            T::Fifo => Kind::Fifo,
            T::Char => Kind::Char,
            T::Block => Kind::Block,
            other => {
                self.stats.entries += 1;
                let note = format!(
                    "{}: unsupported tar entry type {:?} skipped",
                    lossy(&entry.path_bytes()),
                    other
                );
                self.stats.skipped.push(note);
                return Ok(());
            }
        };
        self.stats.entries += 1;

        let mut path = std::mem::take(&mut self.path);
        let mut link = std::mem::take(&mut self.link);
        {
            let raw = entry.path_bytes();
            let absolute = normalize(&raw, &mut path).map_err(|_| ESCAPES.to_string())?;
            if absolute && !self.noted_absolute {
                self.noted_absolute = true;
                self.stats.skipped.push(format!(
                    "{}: absolute path made relative to the layer (noted once)",
                    lossy(&raw)
                ));
            }
            // Pre-POSIX tars mark directories as regular files named "dir/".
            if etype == T::Regular && raw.ends_with(b"/") {
                kind = Kind::Dir;
            }
        }
        if let Some(put) = self.put {
            relocate(put, &mut path);
        }
        link.clear();
        if matches!(kind, Kind::Symlink | Kind::Hardlink) {
            match entry.link_name_bytes() {
                Some(l) => link.extend_from_slice(&l),
                None => return Err("link entry without a link target".into()),
            }
            if let (Some(put), Kind::Hardlink) = (self.put, kind) {
                // Hardlink targets name earlier entries: they move with them.
                let mut target = Vec::new();
                normalize(&link, &mut target).map_err(|_| ESCAPES.to_string())?;
                relocate(put, &mut target);
                link = target;
            }
        }
        let result = self.dispatch(entry, kind, &path, &link);
        self.path = path;
        self.link = link;
        result
    }

    fn dispatch<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        kind: Kind,
        path: &[u8],
        link: &[u8],
    ) -> Result<(), String> {
        let meta = self.read_meta(entry)?;
        let (parent, name) = split_parent(path);
        if name.is_empty() {
            if self.put.is_some() {
                // `dir/.` into an existing directory: it keeps its metadata.
                return Ok(());
            }
            return self.root_entry(kind, &meta);
        }
        let rest = name
            .strip_prefix(WHITEOUT_PREFIX)
            .filter(|_| self.put.is_none());
        if let Some(rest) = rest {
            return if rest == b".wh..opq" {
                self.opaque(parent)
            } else if rest.starts_with(WHITEOUT_PREFIX) {
                // Other .wh..wh.* names are aufs bookkeeping with no overlay meaning.
                Ok(())
            } else {
                self.whiteout(parent, rest)
            };
        }
        if matches!(kind, Kind::Char | Kind::Block) && !self.opts.allow_devices {
            // A 0/0 char device is exactly an overlay whiteout, which anyone may create.
            let whiteout = kind == Kind::Char && self.put.is_none() && device_number(entry)? == 0;
            if !whiteout {
                self.stats
                    .skipped
                    .push(format!("{}: device node skipped (needs root)", lossy(path)));
                return Ok(());
            }
        }

        let parent_fd = self.take_dir(parent)?;
        let p = match &parent_fd {
            Some(fd) => fd.as_fd(),
            None => self.root,
        };
        let result = match kind {
            Kind::File => self.file(p, name, path, entry, &meta),
            Kind::Dir => self.dir(p, name, path, &meta),
            Kind::Symlink => self.symlink(p, name, path, link, &meta),
            Kind::Hardlink => self.hardlink(p, parent, name, path, link),
            Kind::Fifo | Kind::Char | Kind::Block => {
                let (sflag, dev) = match kind {
                    Kind::Fifo => (SFlag::S_IFIFO, 0),
                    Kind::Char => (SFlag::S_IFCHR, device_number(entry)?),
                    _ => (SFlag::S_IFBLK, device_number(entry)?),
                };
                self.special(p, name, path, sflag, dev, &meta)
            }
        };
        self.put_dir(parent, parent_fd);
        result
    }

    /// Header metadata, with PAX records overriding it; collects PAX xattrs.
    fn read_meta<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>) -> Result<Meta, String> {
        let mut meta = self.read_tar_meta(entry)?;
        if let Some((uid, gid)) = self.put.and_then(|p| p.owner) {
            meta.uid = uid.into();
            meta.gid = gid.into();
        }
        Ok(meta)
    }

    fn read_tar_meta<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>) -> Result<Meta, String> {
        let h = entry.header();
        let bad = |what: &str, e: io::Error| format!("invalid {what} in tar header: {e}");
        let mode = h.mode().map_err(|e| bad("mode", e))? & 0o7777;
        // Owners forced by `cp` need no valid owner fields.
        let forced = self.put.is_some_and(|p| p.owner.is_some());
        let mut uid = h
            .uid()
            .or_else(|e| if forced { Ok(0) } else { Err(bad("uid", e)) })?;
        let mut gid = h
            .gid()
            .or_else(|e| if forced { Ok(0) } else { Err(bad("gid", e)) })?;
        let secs = h.mtime().map_err(|e| bad("mtime", e))?;
        let mut mtime = TimeSpec::new(secs.min(i64::MAX as u64) as i64, 0);
        self.xattrs.clear();
        let pax = entry
            .pax_extensions()
            .map_err(|e| format!("invalid PAX header: {e}"))?;
        if let Some(pax) = pax {
            for ext in pax {
                let ext = ext.map_err(|e| format!("invalid PAX record: {e}"))?;
                let value = ext.value_bytes();
                match ext.key_bytes() {
                    b"uid" => uid = parse_pax_u64(value).ok_or("invalid PAX uid")?,
                    b"gid" => gid = parse_pax_u64(value).ok_or("invalid PAX gid")?,
                    b"mtime" => mtime = parse_pax_time(value).ok_or("invalid PAX mtime")?,
                    key => {
                        if let Some(name) = key.strip_prefix(b"SCHILY.xattr.") {
                            self.xattrs.push((name.to_vec(), value.to_vec()));
                        }
                    }
                }
            }
        }
        Ok(Meta {
            mode,
            uid,
            gid,
            mtime,
        })
    }

    /// Opens the directory `path` (relative to the root): beneath it with no
    /// symlink on the way, or, for `cp` into a container, resolving
    /// symlinks as if the root were `/` (it is the container's).
    fn open_dir(&self, path: &[u8]) -> nix::Result<OwnedFd> {
        if !self.put.is_some_and(|p| p.follow_in_root) {
            return open_beneath(self.root, path);
        }
        crate::sys::openat::open_in_root(self.root, path, OFlag::O_RDONLY | OFlag::O_DIRECTORY)
    }

    /// Returns an fd for directory `path` beneath the root (None = the root
    /// itself), creating missing components. Give it back with `put_dir`.
    fn take_dir(&mut self, path: &[u8]) -> Result<Option<OwnedFd>, String> {
        if std::mem::take(&mut self.removed_dir) {
            self.cache_fd = None;
        }
        if path.is_empty() {
            return Ok(None);
        }
        if self.cache_fd.is_some() && self.cache_path == path {
            return Ok(self.cache_fd.take());
        }
        self.cache_fd = None;
        match self.open_dir(path) {
            Ok(fd) => Ok(Some(fd)),
            // Missing, or something in the way: walk it component by component,
            // which also gives a precise error.
            Err(_) => self.create_dirs(path).map(Some),
        }
    }

    fn put_dir(&mut self, path: &[u8], fd: Option<OwnedFd>) {
        if let Some(fd) = fd {
            self.cache_path.clear();
            self.cache_path.extend_from_slice(path);
            self.cache_fd = Some(fd);
        }
    }

    /// Opens `path` one component at a time, creating missing directories
    /// (0755, owned by 0:0) and refusing symlinks and non-directories.
    fn create_dirs(&mut self, path: &[u8]) -> Result<OwnedFd, String> {
        let mut cur: Option<OwnedFd> = None;
        let mut end = 0;
        for comp in path.split(|&b| b == b'/') {
            end += comp.len();
            let prefix = &path[..end];
            end += 1;
            let parent = cur.as_ref().map_or(self.root, |fd| fd.as_fd());
            let found = if self.put.is_some_and(|p| p.follow_in_root) {
                self.open_dir(prefix)
            } else {
                open_beneath(parent, comp)
            };
            let next = match found {
                Ok(fd) => fd,
                Err(Errno::ENOENT) => {
                    mkdirat(parent, comp, Mode::from_bits_truncate(0o755)).map_err(|e| {
                        format!("cannot create directory \"{}\": {e}", lossy(prefix))
                    })?;
                    let fd = open_beneath(parent, comp).map_err(|e| resolve_error(prefix, e))?;
                    self.init_implicit_dir(fd.as_fd(), prefix, false)?;
                    fd
                }
                Err(Errno::ENOTDIR) => {
                    let st = fstatat(parent, comp, AtFlags::AT_SYMLINK_NOFOLLOW)
                        .map_err(|e| resolve_error(prefix, e))?;
                    if !stat_is_whiteout(&st) {
                        return Err(resolve_error(prefix, Errno::ENOTDIR));
                    }
                    // A directory replacing a whiteout from this same layer must
                    // still hide the lower layers' directory: make it opaque.
                    unlinkat(parent, comp, UnlinkatFlags::NoRemoveDir).map_err(|e| {
                        format!("cannot remove whiteout \"{}\": {e}", lossy(prefix))
                    })?;
                    mkdirat(parent, comp, Mode::from_bits_truncate(0o755)).map_err(|e| {
                        format!("cannot create directory \"{}\": {e}", lossy(prefix))
                    })?;
                    let fd = open_beneath(parent, comp).map_err(|e| resolve_error(prefix, e))?;
                    self.init_implicit_dir(fd.as_fd(), prefix, true)?;
                    fd
                }
                Err(e) => return Err(resolve_error(prefix, e)),
            };
            cur = Some(next);
        }
        cur.ok_or_else(|| "empty directory path".to_string())
    }

    fn init_implicit_dir(&self, fd: BorrowedFd, path: &[u8], opaque: bool) -> Result<(), String> {
        let err =
            |what: &str, e: Errno| format!("cannot {what} directory \"{}\": {e}", lossy(path));
        // Explicit mode: mkdir's mode was filtered through the umask.
        fchmod(fd, Mode::from_bits_truncate(0o755)).map_err(|e| err("chmod", e))?;
        if self.opts.preserve_ownership {
            fchown(fd, Some(Uid::from_raw(0)), Some(Gid::from_raw(0)))
                .map_err(|e| chown_error(e, 0, 0))?;
        }
        if opaque {
            set_opaque(fd).map_err(|e| err("mark opaque", e))?;
        }
        Ok(())
    }

    /// Makes room for a new non-directory at `name`: removes whatever is there
    /// (a directory with its whole tree).
    fn remove_existing(&mut self, p: BorrowedFd, name: &[u8], path: &[u8]) -> Result<(), String> {
        let st = match fstatat(p, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(Errno::ENOENT) => return Ok(()),
            Err(e) => return Err(format!("cannot inspect existing entry: {e}")),
        };
        if stat_is_dir(&st) {
            remove_tree(p, name).map_err(|e| format!("cannot remove existing directory: {e}"))?;
            self.removed_dir = true;
            self.dirs.retain(|d| !is_same_or_beneath(&d.path, path));
        } else {
            unlinkat(p, name, UnlinkatFlags::NoRemoveDir)
                .map_err(|e| format!("cannot replace existing entry: {e}"))?;
        }
        Ok(())
    }

    /// Runs `make`; if the name is taken, clears it and runs `make` once more.
    fn create<T>(
        &mut self,
        p: BorrowedFd,
        name: &[u8],
        path: &[u8],
        mut make: impl FnMut() -> nix::Result<T>,
    ) -> Result<T, String> {
        match make() {
            Err(Errno::EEXIST) => {
                if self.put.is_some_and(|put| !put.overwrite)
                    && fstatat(p, name, AtFlags::AT_SYMLINK_NOFOLLOW)
                        .is_ok_and(|st| stat_is_dir(&st))
                {
                    return Err(format!(
                        "cannot overwrite directory \"{}\" with non-directory (use --overwrite)",
                        lossy(path)
                    ));
                }
                self.remove_existing(p, name, path)?;
                make().map_err(|e| format!("cannot create: {e}"))
            }
            r => r.map_err(|e| format!("cannot create: {e}")),
        }
    }

    fn file<R: Read>(
        &mut self,
        p: BorrowedFd,
        name: &[u8],
        path: &[u8],
        entry: &mut tar::Entry<'_, R>,
        meta: &Meta,
    ) -> Result<(), String> {
        let flags =
            OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
        let fd = self.create(p, name, path, || {
            openat(p, name, flags, Mode::from_bits_truncate(0o600))
        })?;
        let mut file = File::from(fd);
        let expected = entry.size();
        let sparse = entry.header().entry_type().is_gnu_sparse();
        let written = copy_data(entry, &mut file, &mut self.buf)?;
        if !sparse && written != expected {
            return Err(format!(
                "layer tar truncated: got {written} of {expected} bytes"
            ));
        }
        self.stats.bytes += written;
        if self.opts.preserve_ownership {
            chown_fd(file.as_fd(), meta)?;
        }
        // After chown, which clears setuid/setgid.
        fchmod(&file, mode_of(meta)).map_err(|e| format!("cannot chmod: {e}"))?;
        self.set_xattrs(XattrTarget::Fd(file.as_fd()), path)?;
        futimens(&file, &meta.mtime, &meta.mtime).map_err(|e| format!("cannot set mtime: {e}"))
    }

    fn dir(&mut self, p: BorrowedFd, name: &[u8], path: &[u8], meta: &Meta) -> Result<(), String> {
        let mode = Mode::from_bits_truncate(0o700);
        let mut opaque = false;
        match mkdirat(p, name, mode) {
            Ok(()) => {}
            Err(Errno::EEXIST) => {
                let st = fstatat(p, name, AtFlags::AT_SYMLINK_NOFOLLOW)
                    .map_err(|e| format!("cannot inspect existing entry: {e}"))?;
                // A directory replacing a directory keeps its contents.
                if !stat_is_dir(&st) {
                    if let Some(put) = self.put {
                        // A symlink to a directory (/lib -> usr/lib) stays.
                        if put.follow_in_root && self.open_dir(path).is_ok() {
                            return Ok(());
                        }
                        if !put.overwrite {
                            return Err(format!(
                                "cannot overwrite non-directory \"{}\" with directory (use --overwrite)",
                                lossy(path)
                            ));
                        }
                    }
                    opaque = stat_is_whiteout(&st);
                    unlinkat(p, name, UnlinkatFlags::NoRemoveDir)
                        .map_err(|e| format!("cannot replace existing entry: {e}"))?;
                    mkdirat(p, name, mode).map_err(|e| format!("cannot create directory: {e}"))?;
                }
            }
            Err(e) => return Err(format!("cannot create directory: {e}")),
        }
        if self.opts.preserve_ownership {
            chown_at(p, name, meta)?;
        }
        if opaque || !self.xattrs.is_empty() {
            let fd = open_beneath(p, name).map_err(|e| resolve_error(path, e))?;
            if opaque {
                set_opaque(fd.as_fd()).map_err(|e| format!("cannot mark opaque: {e}"))?;
            }
            self.set_xattrs(XattrTarget::Fd(fd.as_fd()), path)?;
        }
        self.dirs.push(DirMeta {
            path: path.to_vec(),
            mode: meta.mode,
            mtime: meta.mtime,
        });
        Ok(())
    }

    /// The entry "." (or "/"): metadata for the layer directory itself.
    fn root_entry(&mut self, kind: Kind, meta: &Meta) -> Result<(), String> {
        if kind != Kind::Dir {
            return Err("a non-directory cannot replace the layer root".into());
        }
        if self.opts.preserve_ownership {
            chown_fd(self.root, meta)?;
        }
        self.set_xattrs(XattrTarget::Fd(self.root), b".")?;
        self.dirs.push(DirMeta {
            path: Vec::new(),
            mode: meta.mode,
            mtime: meta.mtime,
        });
        Ok(())
    }

    fn symlink(
        &mut self,
        p: BorrowedFd,
        name: &[u8],
        path: &[u8],
        target: &[u8],
        meta: &Meta,
    ) -> Result<(), String> {
        self.create(p, name, path, || symlinkat(target, p, name))?;
        if self.opts.preserve_ownership {
            chown_at(p, name, meta)?;
        }
        self.set_xattrs(XattrTarget::At(p, name), path)?;
        set_mtime_at(p, name, meta)
    }

    fn special(
        &mut self,
        p: BorrowedFd,
        name: &[u8],
        path: &[u8],
        sflag: SFlag,
        dev: libc::dev_t,
        meta: &Meta,
    ) -> Result<(), String> {
        let perm = Mode::from_bits_truncate(0o600);
        self.create(p, name, path, || mknodat(p, name, sflag, perm, dev))?;
        if self.opts.preserve_ownership {
            chown_at(p, name, meta)?;
        }
        chmod_nofollow(p, name, meta.mode).map_err(|e| format!("cannot chmod: {e}"))?;
        self.set_xattrs(XattrTarget::At(p, name), path)?;
        set_mtime_at(p, name, meta)
    }

    fn hardlink(
        &mut self,
        p: BorrowedFd,
        parent: &[u8],
        name: &[u8],
        path: &[u8],
        raw_target: &[u8],
    ) -> Result<(), String> {
        let mut target = Vec::new();
        normalize(raw_target, &mut target)
            .map_err(|_| format!("hardlink target \"{}\": {ESCAPES}", lossy(raw_target)))?;
        let (tparent, tname) = split_parent(&target);
        if tname.is_empty() {
            return Err("hardlink to the layer root (a directory) refused".into());
        }
        let tparent_owned;
        let tp = if tparent.is_empty() {
            self.root
        } else if tparent == parent {
            p
        } else {
            tparent_owned = self.open_dir(tparent).map_err(|e| match e {
                Errno::ENOENT => format!(
                    "hardlink target \"{}\" is not an earlier entry of this layer",
                    lossy(&target)
                ),
                e => format!("hardlink target: {}", resolve_error(tparent, e)),
            })?;
            tparent_owned.as_fd()
        };
        let tst = match fstatat(tp, tname, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(Errno::ENOENT) => {
                return Err(format!(
                    "hardlink target \"{}\" is not an earlier entry of this layer",
                    lossy(&target)
                ))
            }
            Err(e) => return Err(format!("cannot inspect hardlink target: {e}")),
        };
        if stat_is_dir(&tst) {
            return Err("hardlink to a directory refused".into());
        }
        if stat_is_whiteout(&tst) {
            return Err("hardlink to a whiteout refused".into());
        }
        // A repeated hardlink entry (or one naming itself) is already in place.
        if let Ok(st) = fstatat(p, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            if st.st_dev == tst.st_dev && st.st_ino == tst.st_ino {
                return Ok(());
            }
        }
        // The link shares the target's inode and so its metadata: none applied.
        self.create(p, name, path, || {
            linkat(tp, tname, p, name, AtFlags::empty())
        })
    }

    /// `dir/.wh.NAME`: NAME becomes a 0/0 character device, replacing any
    /// entry of that name created earlier in this layer.
    fn whiteout(&mut self, parent: &[u8], name: &[u8]) -> Result<(), String> {
        if name.is_empty() || name == b"." || name == b".." {
            return Err("invalid whiteout name".into());
        }
        let parent_fd = self.take_dir(parent)?;
        let p = match &parent_fd {
            Some(fd) => fd.as_fd(),
            None => self.root,
        };
        let mut path = parent.to_vec();
        if !path.is_empty() {
            path.push(b'/');
        }
        path.extend_from_slice(name);
        let result = self.create(p, name, &path, || {
            mknodat(p, name, SFlag::S_IFCHR, Mode::empty(), 0)
        });
        self.put_dir(parent, parent_fd);
        result
    }

    /// `dir/.wh..wh..opq`: mark `dir` opaque, creating it if needed.
    fn opaque(&mut self, dir: &[u8]) -> Result<(), String> {
        let fd = self.take_dir(dir)?;
        let result = set_opaque(fd.as_ref().map_or(self.root, |fd| fd.as_fd()))
            .map_err(|e| format!("cannot set {OPAQUE_XATTR} on the directory: {e}"));
        self.put_dir(dir, fd);
        result
    }

    fn set_xattrs(&mut self, target: XattrTarget, path: &[u8]) -> Result<(), String> {
        if self.xattrs.is_empty() {
            return Ok(());
        }
        let proc_path = match &target {
            XattrTarget::Fd(_) => None,
            XattrTarget::At(p, name) => {
                // The /proc magic link pins the exact directory; lsetxattr does
                // not follow `name` if it is a symlink.
                let mut s = format!("/proc/self/fd/{}/", p.as_raw_fd()).into_bytes();
                s.extend_from_slice(name);
                Some(CString::new(s).map_err(|_| "NUL byte in name")?)
            }
        };
        for (key, value) in &self.xattrs {
            if key.starts_with(b"user.overlay.") || key.starts_with(b"trusted.overlay.") {
                // Layers must not smuggle in overlayfs metadata (redirects, opaque...).
                self.stats.skipped.push(format!(
                    "{}: overlay xattr {} ignored",
                    lossy(path),
                    lossy(key)
                ));
                continue;
            }
            let ckey = match CString::new(key.as_slice()) {
                Ok(k) => k,
                Err(_) => return Err(format!("invalid xattr name {}", lossy(key))),
            };
            let ret = match (&target, &proc_path) {
                // SAFETY: a valid descriptor, a NUL-terminated name and a
                // value pointer with its length, all alive for the call.
                (XattrTarget::Fd(fd), _) => unsafe {
                    libc::fsetxattr(
                        fd.as_raw_fd(),
                        ckey.as_ptr(),
                        value.as_ptr().cast(),
                        value.len(),
                        0,
                    )
                },
                // SAFETY: NUL-terminated path and name, and a value pointer
                // with its length, all alive for the call.
                (XattrTarget::At(..), Some(pp)) => unsafe {
                    libc::lsetxattr(
                        pp.as_ptr(),
                        ckey.as_ptr(),
                        value.as_ptr().cast(),
                        value.len(),
                        0,
                    )
                },
                (XattrTarget::At(..), None) => unreachable!(),
            };
            if let Err(e) = Errno::result(ret) {
                let privileged = key.starts_with(b"security.")
                    || key.starts_with(b"trusted.")
                    || key.starts_with(b"system.");
                // user.* xattrs are only allowed on files and directories.
                let special = matches!(target, XattrTarget::At(..)) && e == Errno::EPERM;
                if privileged || special || e == Errno::EOPNOTSUPP {
                    self.stats.skipped.push(format!(
                        "{}: xattr {} not set: {e}",
                        lossy(path),
                        lossy(key)
                    ));
                } else {
                    return Err(format!("cannot set xattr {}: {e}", lossy(key)));
                }
            }
        }
        Ok(())
    }

    /// Directory modes and mtimes, now that nothing will be added below them.
    fn finish(&mut self) -> Result<(), UnpackError> {
        self.cache_fd = None;
        for d in &self.dirs {
            let owned;
            let fd = if d.path.is_empty() {
                self.root
            } else {
                match self.open_dir(&d.path) {
                    Ok(fd) => {
                        owned = fd;
                        owned.as_fd()
                    }
                    // Replaced by a later entry; its metadata went with it.
                    Err(Errno::ENOENT | Errno::ENOTDIR | Errno::ELOOP) => continue,
                    Err(e) => {
                        return Err(UnpackError::new(
                            Some(lossy(&d.path)),
                            resolve_error(&d.path, e),
                        ))
                    }
                }
            };
            let fail = |what: &str, e: Errno| {
                UnpackError::new(Some(lossy(&d.path)), format!("cannot set {what}: {e}"))
            };
            fchmod(fd, Mode::from_bits_truncate(d.mode)).map_err(|e| fail("mode", e))?;
            futimens(fd, &d.mtime, &d.mtime).map_err(|e| fail("mtime", e))?;
        }
        Ok(())
    }
}

/// Applies `cp`'s rename and prefix to a normalised path.
fn relocate(put: &PutOptions, path: &mut Vec<u8>) {
    if let Some((from, to)) = &put.rename {
        let (first, rest) = match path.iter().position(|&b| b == b'/') {
            Some(i) => (&path[..i], &path[i..]),
            None => (&path[..], &[][..]),
        };
        if from.is_empty() {
            let mut out = to.clone();
            if !path.is_empty() {
                out.push(b'/');
                out.extend_from_slice(path);
            }
            *path = out;
        } else if first == from.as_slice() {
            let mut out = to.clone();
            out.extend_from_slice(rest);
            *path = out;
        }
    }
    if !put.prefix.is_empty() {
        let mut out = put.prefix.clone();
        if !path.is_empty() {
            out.push(b'/');
            out.extend_from_slice(path);
        }
        *path = out;
    }
}

/// Lexically normalises a tar path into `out`: components joined by '/',
/// no leading/trailing slash, "" for the root. Returns whether the path was
/// absolute, or Err if `..` climbs above the root.
fn normalize(raw: &[u8], out: &mut Vec<u8>) -> Result<bool, ()> {
    out.clear();
    for comp in raw.split(|&b| b == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => {
                if out.is_empty() {
                    return Err(());
                }
                let cut = out.iter().rposition(|&b| b == b'/').unwrap_or(0);
                out.truncate(cut);
            }
            c => {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(c);
            }
        }
    }
    Ok(raw.first() == Some(&b'/'))
}

fn split_parent(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&[], path),
    }
}

fn is_same_or_beneath(candidate: &[u8], path: &[u8]) -> bool {
    candidate.starts_with(path) && (candidate.len() == path.len() || candidate[path.len()] == b'/')
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn mode_of(meta: &Meta) -> Mode {
    Mode::from_bits_truncate(meta.mode as libc::mode_t)
}

fn stat_is_dir(st: &FileStat) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFDIR
}

fn stat_is_whiteout(st: &FileStat) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFCHR && st.st_rdev == 0
}

fn device_number<R: Read>(entry: &tar::Entry<'_, R>) -> Result<libc::dev_t, String> {
    let h = entry.header();
    let major = h
        .device_major()
        .map_err(|e| format!("invalid device major: {e}"))?;
    let minor = h
        .device_minor()
        .map_err(|e| format!("invalid device minor: {e}"))?;
    Ok(libc::makedev(major.unwrap_or(0), minor.unwrap_or(0)))
}

fn parse_pax_u64(value: &[u8]) -> Option<u64> {
    std::str::from_utf8(value).ok()?.trim().parse().ok()
}

/// PAX times are decimal seconds with an optional fraction, e.g. "1700000000.5".
fn parse_pax_time(value: &[u8]) -> Option<TimeSpec> {
    let s = std::str::from_utf8(value).ok()?.trim();
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    let secs: i64 = secs.parse().ok()?;
    let mut nanos: i64 = 0;
    for (i, c) in frac.bytes().take(9).enumerate() {
        if !c.is_ascii_digit() {
            return None;
        }
        nanos += i64::from(c - b'0') * 10i64.pow(8 - i as u32);
    }
    if secs < 0 && nanos > 0 {
        return Some(TimeSpec::new(secs - 1, 1_000_000_000 - nanos));
    }
    Some(TimeSpec::new(secs, nanos))
}

/// Opens the directory `path` beneath `dir`, refusing `..` escapes and any
/// symlink on the way (including the last component).
fn open_beneath(dir: BorrowedFd, path: &[u8]) -> nix::Result<OwnedFd> {
    crate::sys::openat::open_beneath(
        dir,
        path,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY,
        Mode::empty(),
    )
}

fn resolve_error(path: &[u8], e: Errno) -> String {
    match e {
        Errno::ELOOP => format!(
            "\"{}\" is a symlink; refusing to write through it",
            lossy(path)
        ),
        Errno::EXDEV => ESCAPES.to_string(),
        Errno::ENOTDIR => format!("\"{}\" is not a directory", lossy(path)),
        e => format!("cannot open directory \"{}\": {e}", lossy(path)),
    }
}

fn set_opaque(fd: BorrowedFd) -> nix::Result<()> {
    // SAFETY: a borrowed (open) descriptor, a static NUL-terminated name
    // and a one-byte static value.
    let ret = unsafe {
        libc::fsetxattr(
            fd.as_raw_fd(),
            OPAQUE_XATTR_C.as_ptr(),
            b"y".as_ptr().cast(),
            1,
            0,
        )
    };
    Errno::result(ret).map(drop)
}

fn chown_error(e: Errno, uid: u64, gid: u64) -> String {
    match e {
        Errno::EINVAL | Errno::EPERM => format!(
            "cannot set owner {uid}:{gid}: the id is not mapped in this user namespace; \
             /etc/subuid and /etc/subgid need a range for this user ({e})"
        ),
        e => format!("cannot set owner {uid}:{gid}: {e}"),
    }
}

fn ids(meta: &Meta) -> Result<(Uid, Gid), String> {
    // u32::MAX means "leave unchanged" to chown; it is never a real id.
    match (u32::try_from(meta.uid), u32::try_from(meta.gid)) {
        (Ok(u), Ok(g)) if u != u32::MAX && g != u32::MAX => {
            Ok((Uid::from_raw(u), Gid::from_raw(g)))
        }
        _ => Err(chown_error(Errno::EINVAL, meta.uid, meta.gid)),
    }
}

fn chown_fd(fd: BorrowedFd, meta: &Meta) -> Result<(), String> {
    let (uid, gid) = ids(meta)?;
    fchown(fd, Some(uid), Some(gid)).map_err(|e| chown_error(e, meta.uid, meta.gid))
}

fn chown_at(p: BorrowedFd, name: &[u8], meta: &Meta) -> Result<(), String> {
    let (uid, gid) = ids(meta)?;
    fchownat(p, name, Some(uid), Some(gid), AtFlags::AT_SYMLINK_NOFOLLOW)
        .map_err(|e| chown_error(e, meta.uid, meta.gid))
}

fn set_mtime_at(p: BorrowedFd, name: &[u8], meta: &Meta) -> Result<(), String> {
    utimensat(
        p,
        name,
        &meta.mtime,
        &meta.mtime,
        UtimensatFlags::NoFollowSymlink,
    )
    .map_err(|e| format!("cannot set mtime: {e}"))
}

/// chmod of a fifo or device node by name without following symlinks:
/// fchmodat2 (Linux 6.6+), else through an O_PATH fd's /proc link.
fn chmod_nofollow(p: BorrowedFd, name: &[u8], mode: u32) -> nix::Result<()> {
    // SAFETY: fchmodat2 takes a borrowed (open) descriptor, a path that
    // with_nix_path keeps NUL-terminated for the call, and integers.
    let ret = name.with_nix_path(|c| unsafe {
        libc::syscall(
            libc::SYS_fchmodat2,
            p.as_raw_fd(),
            c.as_ptr(),
            mode as libc::c_uint,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })?;
    match Errno::result(ret) {
        Err(Errno::ENOSYS) => {
            let fd = openat(
                p,
                name,
                OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )?;
            let proc_path = format!("/proc/self/fd/{}", fd.as_raw_fd());
            nix::sys::stat::fchmodat(
                nix::fcntl::AT_FDCWD,
                proc_path.as_str(),
                Mode::from_bits_truncate(mode as libc::mode_t),
                nix::sys::stat::FchmodatFlags::FollowSymlink,
            )
        }
        r => r.map(drop),
    }
}

fn copy_data(src: &mut impl Read, dst: &mut File, buf: &mut [u8]) -> Result<u64, String> {
    let mut total = 0u64;
    loop {
        let n = match src.read(buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("cannot read file data from the layer: {e}")),
        };
        dst.write_all(&buf[..n])
            .map_err(|e| format!("cannot write file: {e}"))?;
        total += n as u64;
    }
}

/// Removes the directory `name` in `parent` and everything below it, never
/// following symlinks.
fn remove_tree(parent: BorrowedFd, name: &[u8]) -> nix::Result<()> {
    let fd = open_beneath(parent, name)?;
    let mut dir = nix::dir::Dir::from_fd(fd)?;
    let mut children: Vec<CString> = Vec::new();
    for ent in dir.iter() {
        let ent = ent?;
        let n = ent.file_name();
        if n != c"." && n != c".." {
            children.push(n.to_owned());
        }
    }
    let dfd = dir.as_fd();
    for child in &children {
        match unlinkat(dfd, child.as_c_str(), UnlinkatFlags::NoRemoveDir) {
            Ok(()) => {}
            Err(Errno::EISDIR) => remove_tree(dfd, child.as_bytes())?,
            Err(e) => return Err(e),
        }
    }
    drop(dir);
    unlinkat(parent, name, UnlinkatFlags::RemoveDir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;
    use tar::{EntryType, Header};

    const MTIME: u64 = 1_600_000_000;

    /// Builds tars in memory; raw header bytes allow names the Builder refuses.
    struct Tar(tar::Builder<Vec<u8>>);

    impl Tar {
        fn new() -> Self {
            Tar(tar::Builder::new(Vec::new()))
        }

        fn header(kind: EntryType, path: &str, size: u64, mode: u32) -> Header {
            let mut h = Header::new_gnu();
            h.set_entry_type(kind);
            let name = &mut h.as_old_mut().name;
            name.fill(0);
            name[..path.len()].copy_from_slice(path.as_bytes());
            h.set_size(size);
            h.set_mode(mode);
            h.set_mtime(MTIME);
            h.set_uid(0);
            h.set_gid(0);
            h
        }

        fn push(&mut self, mut h: Header, data: &[u8]) -> &mut Self {
            h.set_cksum();
            self.0.append(&h, data).unwrap();
            self
        }

        fn file(&mut self, path: &str, data: &[u8], mode: u32) -> &mut Self {
            let h = Self::header(EntryType::Regular, path, data.len() as u64, mode);
            self.push(h, data)
        }

        fn file_owned(&mut self, path: &str, data: &[u8], uid: u64, gid: u64) -> &mut Self {
            let mut h = Self::header(EntryType::Regular, path, data.len() as u64, 0o644);
            h.set_uid(uid);
            h.set_gid(gid);
            self.push(h, data)
        }

        fn dir(&mut self, path: &str, mode: u32) -> &mut Self {
            self.push(Self::header(EntryType::Directory, path, 0, mode), &[])
        }

        fn dir_mtime(&mut self, path: &str, mode: u32, mtime: u64) -> &mut Self {
            let mut h = Self::header(EntryType::Directory, path, 0, mode);
            h.set_mtime(mtime);
            self.push(h, &[])
        }

        fn link(&mut self, kind: EntryType, path: &str, target: &str) -> &mut Self {
            let mut h = Self::header(kind, path, 0, 0o777);
            let l = &mut h.as_old_mut().linkname;
            l.fill(0);
            l[..target.len()].copy_from_slice(target.as_bytes());
            self.push(h, &[])
        }

        fn symlink(&mut self, path: &str, target: &str) -> &mut Self {
            self.link(EntryType::Symlink, path, target)
        }

        fn hardlink(&mut self, path: &str, target: &str) -> &mut Self {
            self.link(EntryType::Link, path, target)
        }

        fn node(&mut self, kind: EntryType, path: &str, major: u32, minor: u32) -> &mut Self {
            let mut h = Self::header(kind, path, 0, 0o640);
            h.set_device_major(major).unwrap();
            h.set_device_minor(minor).unwrap();
            self.push(h, &[])
        }

        /// A PAX extended header applying to the next entry.
        fn pax(&mut self, records: &[(&str, &[u8])]) -> &mut Self {
            let mut body = Vec::new();
            for (key, value) in records {
                let rest = key.len() + value.len() + 3; // ' ', '=', '\n'
                let mut len = rest + 1;
                while len != rest + len.to_string().len() {
                    len = rest + len.to_string().len();
                }
                body.extend_from_slice(format!("{len} {key}=").as_bytes());
                body.extend_from_slice(value);
                body.push(b'\n');
            }
            let h = Self::header(EntryType::XHeader, "PaxHeader", body.len() as u64, 0o644);
            self.push(h, &body)
        }

        fn bytes(&mut self) -> Vec<u8> {
            self.0.finish().unwrap();
            self.0.get_ref().clone()
        }
    }

    fn opts() -> UnpackOptions {
        // Chown to 0:0 only works as (namespaced) root.
        UnpackOptions {
            preserve_ownership: nix::unistd::geteuid().is_root(),
            allow_devices: false,
        }
    }

    fn unpack(tar: &[u8]) -> (tempfile::TempDir, Result<UnpackStats, UnpackError>) {
        unpack_with(tar, &opts())
    }

    fn unpack_with(
        tar: &[u8],
        o: &UnpackOptions,
    ) -> (tempfile::TempDir, Result<UnpackStats, UnpackError>) {
        let dir = tempfile::tempdir().unwrap();
        let r = unpack_layer(tar, dir.path(), o);
        (dir, r)
    }

    fn lmeta(p: &Path) -> fs::Metadata {
        fs::symlink_metadata(p).unwrap()
    }

    fn get_xattr(p: &Path, name: &str) -> Option<Vec<u8>> {
        let cp = CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        let cn = CString::new(name).unwrap();
        let mut buf = [0u8; 256];
        // SAFETY: NUL-terminated path and name; the kernel writes at most
        // buf.len() bytes into buf.
        let n = unsafe {
            libc::lgetxattr(cp.as_ptr(), cn.as_ptr(), buf.as_mut_ptr().cast(), buf.len())
        };
        (n >= 0).then(|| buf[..n as usize].to_vec())
    }

    /// Whether chown to another id works here (root, or a userns with a full
    /// subuid mapping); false as a plain user or with a single-id mapping.
    fn can_chown_to(id: u32) -> bool {
        let f = tempfile::tempfile().unwrap();
        fchown(f.as_fd(), Some(Uid::from_raw(id)), Some(Gid::from_raw(id))).is_ok()
    }

    fn can_mknod_devices() -> bool {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("null");
        nix::sys::stat::mknod(
            &p,
            SFlag::S_IFCHR,
            Mode::from_bits_truncate(0o600),
            libc::makedev(1, 3),
        )
        .is_ok()
    }

    fn assert_err_contains(r: Result<UnpackStats, UnpackError>, entry: &str, text: &str) {
        let e = r.expect_err("unpack should fail");
        assert_eq!(e.entry.as_deref(), Some(entry), "{e}");
        assert!(e.message.contains(text), "unexpected message: {e}");
    }

    #[test]
    fn regular_file_content_mode_mtime() {
        let tar = Tar::new()
            .file("etc/hosts", b"127.0.0.1 localhost\n", 0o640)
            .bytes();
        let (d, r) = unpack(&tar);
        let stats = r.unwrap();
        let p = d.path().join("etc/hosts");
        assert_eq!(fs::read(&p).unwrap(), b"127.0.0.1 localhost\n");
        let m = lmeta(&p);
        assert_eq!(m.permissions().mode() & 0o7777, 0o640);
        assert_eq!(m.mtime(), MTIME as i64);
        assert_eq!(stats.entries, 1);
        assert_eq!(stats.bytes, 20);
        assert!(stats.skipped.is_empty(), "{:?}", stats.skipped);
        // Implicit parent: 0755.
        assert_eq!(
            lmeta(&d.path().join("etc")).permissions().mode() & 0o7777,
            0o755
        );
    }

    #[test]
    fn large_file_streams_intact() {
        let data: Vec<u8> = (0..3_000_001u32).map(|i| (i * 7 % 251) as u8).collect();
        let tar = Tar::new().file("big", &data, 0o644).bytes();
        let (d, r) = unpack(&tar);
        assert_eq!(r.unwrap().bytes, data.len() as u64);
        assert_eq!(fs::read(d.path().join("big")).unwrap(), data);
    }

    #[test]
    fn setuid_setgid_sticky_kept() {
        let tar = Tar::new()
            .file("usr/bin/su", b"x", 0o4755)
            .file("usr/bin/wall", b"x", 0o2755)
            .dir("tmp", 0o1777)
            .bytes();
        let (d, r) = unpack(&tar);
        r.unwrap();
        let mode = |p: &str| lmeta(&d.path().join(p)).permissions().mode() & 0o7777;
        assert_eq!(mode("usr/bin/su"), 0o4755);
        assert_eq!(mode("usr/bin/wall"), 0o2755);
        assert_eq!(mode("tmp"), 0o1777);
    }

    #[test]
    fn directory_mtimes_set_after_children() {
        let tar = Tar::new()
            .dir_mtime("a", 0o755, 1000)
            .dir_mtime("a/b", 0o750, 2000)
            .file("a/b/f", b"x", 0o644)
            .file("a/g", b"y", 0o644)
            .dir_mtime(".", 0o711, 3000)
            .bytes();
        let (d, r) = unpack(&tar);
        r.unwrap();
        assert_eq!(lmeta(&d.path().join("a")).mtime(), 1000);
        assert_eq!(lmeta(&d.path().join("a/b")).mtime(), 2000);
        assert_eq!(
            lmeta(&d.path().join("a/b")).permissions().mode() & 0o7777,
            0o750
        );
        // "." applies to the layer directory itself.
        assert_eq!(lmeta(d.path()).mtime(), 3000);
        assert_eq!(lmeta(d.path()).permissions().mode() & 0o7777, 0o711);
    }

    #[test]
    fn read_only_directory_still_gets_children() {
        let tar = Tar::new()
            .dir("ro", 0o555)
            .file("ro/f", b"x", 0o444)
            .bytes();
        let (d, r) = unpack(&tar);
        r.unwrap();
        assert_eq!(fs::read(d.path().join("ro/f")).unwrap(), b"x");
        assert_eq!(
            lmeta(&d.path().join("ro")).permissions().mode() & 0o7777,
            0o555
        );
        fs::set_permissions(d.path().join("ro"), fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn symlink_stored_verbatim_with_mtime() {
        let tar = Tar::new()
            .symlink("bin", "usr/bin")
            .symlink("abs", "/etc/passwd")
            .symlink("up", "../../../../x")
            .bytes();
        let (d, r) = unpack(&tar);
        r.unwrap();
        for (name, target) in [
            ("bin", "usr/bin"),
            ("abs", "/etc/passwd"),
            ("up", "../../../../x"),
        ] {
            let p = d.path().join(name);
            assert!(lmeta(&p).file_type().is_symlink());
            assert_eq!(fs::read_link(&p).unwrap(), Path::new(target));
            assert_eq!(lmeta(&p).mtime(), MTIME as i64);
        }
    }

    #[test]
    fn hardlink_shares_inode() {
        let tar = Tar::new()
            .file("a/f", b"data", 0o600)
            .hardlink("b/g", "a/f")
            .hardlink("a/h", "/a/f")
            .hardlink("a/h", "a/f") // repeated entry: already in place
            .bytes();
        let (d, r) = unpack(&tar);
        r.unwrap();
        let f = lmeta(&d.path().join("a/f"));
        for other in ["b/g", "a/h"] {
            let m = lmeta(&d.path().join(other));
            assert_eq!((m.dev(), m.ino()), (f.dev(), f.ino()));
        }
        assert_eq!(f.nlink(), 3);
        assert_eq!(fs::read(d.path().join("b/g")).unwrap(), b"data");
    }

    #[test]
    fn hardlink_to_symlink_links_the_symlink() {
        let tar = Tar::new()
            .symlink("s", "/etc/shadow")
            .hardlink("t", "s")
            .bytes();
        let (d, r) = unpack(&tar);
        r.unwrap();
        let t = lmeta(&d.path().join("t"));
        assert!(t.file_type().is_symlink());
        assert_eq!(t.ino(), lmeta(&d.path().join("s")).ino());
    }

    #[test]
    fn hardlink_refusals() {
        let (_d, r) = unpack(&Tar::new().hardlink("x", "missing").bytes());
        assert_err_contains(r, "x", "not an earlier entry");

        let (_d, r) = unpack(&Tar::new().dir("dir", 0o755).hardlink("x", "dir").bytes());
        assert_err_contains(r, "x", "directory");

        let (_d, r) = unpack(&Tar::new().hardlink("x", ".").bytes());
        assert_err_contains(r, "x", "directory");

        let tar = Tar::new()
            .file("a/.wh.gone", b"", 0o644)
            .hardlink("x", "a/gone")
            .bytes();
        let (_d, r) = unpack(&tar);
        assert_err_contains(r, "x", "whiteout");
    }

    #[test]
    fn hardlink_escape_refused() {
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret"), b"s").unwrap();
        for target in [
            "../secret",
            "a/../../secret",
            "../../../../../../etc/passwd",
        ] {
            let (d, r) = unpack(&Tar::new().hardlink("x", target).bytes());
            assert_err_contains(r, "x", ESCAPES);
            assert!(!d.path().join("x").exists());
        }
        assert_eq!(lmeta(&outside.path().join("secret")).nlink(), 1);
    }

    #[test]
    fn hardlink_through_symlinked_path_refused() {
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret"), b"s").unwrap();
        let tar = Tar::new()
            .symlink("a", outside.path().to_str().unwrap())
            .hardlink("x", "a/secret")
            .bytes();
        let (d, r) = unpack(&tar);
        assert_err_contains(r, "x", "symlink");
        assert!(fs::symlink_metadata(d.path().join("x")).is_err());
        assert_eq!(lmeta(&outside.path().join("secret")).nlink(), 1);
    }

    #[test]
    fn fifo_created() {
        let tar = Tar::new().node(EntryType::Fifo, "run/fifo", 0, 0).bytes();
        let (d, r) = unpack(&tar);
        r.unwrap();
        let m = lmeta(&d.path().join("run/fifo"));
        assert!(m.file_type().is_fifo());
        assert_eq!(m.permissions().mode() & 0o7777, 0o640);
        assert_eq!(m.mtime(), MTIME as i64);
    }

    #[test]
    fn device_nodes_need_allow_devices() {
        let tar = Tar::new()
            .node(EntryType::Char, "dev/null", 1, 3)
            .node(EntryType::Block, "dev/sda", 8, 0)
            .bytes();
        let (d, r) = unpack(&tar);
        let stats = r.unwrap();
        assert!(fs::symlink_metadata(d.path().join("dev/null")).is_err());
        assert!(fs::symlink_metadata(d.path().join("dev/sda")).is_err());
        assert_eq!(stats.entries, 2);
        assert!(stats
            .skipped
            .contains(&"dev/sda: device node skipped (needs root)".to_string()));
        assert!(stats.skipped.iter().any(|n| n.starts_with("dev/null:")));

        if !can_mknod_devices() {
            eprintln!(
                "skipping device creation check: mknod of real devices is not permitted here"
            );
            return;
        }
        let o = UnpackOptions {
            allow_devices: true,
            ..opts()
        };
        let (d, r) = unpack_with(&tar, &o);
        assert!(r.unwrap().skipped.is_empty());
        let m = lmeta(&d.path().join("dev/sda"));
        assert!(m.file_type().is_block_device());
        assert_eq!(m.rdev(), libc::makedev(8, 0));
        assert_eq!(m.permissions().mode() & 0o7777, 0o640);
        assert!(lmeta(&d.path().join("dev/null"))
            .file_type()
            .is_char_device());
    }

    #[test]
    fn char_device_zero_zero_is_a_whiteout_even_without_devices() {
        let tar = Tar::new().node(EntryType::Char, "gone", 0, 0).bytes();
        let (d, r) = unpack(&tar);
        assert!(r.unwrap().skipped.is_empty());
        assert!(is_whiteout(&lmeta(&d.path().join("gone"))));
    }

    #[test]
    fn whiteouts_and_opaque_dirs_converted() {
        let tar = Tar::new()
            .dir("etc", 0o755)
            .file("etc/.wh.motd", b"", 0o644)
            .file("var/lib/.wh..wh..opq", b"", 0o644) // parent never listed
            .file(".wh..wh..plnk", b"", 0o644) // aufs metadata: ignored
            .file("usr/.wh..wh..opq", b"", 0o644)
            .dir("usr", 0o755) // listed after its opaque marker: keeps it
            .file("usr/keep", b"k", 0o644)
            .bytes();
        let (d, r) = unpack(&tar);
        r.unwrap();
        let wh = lmeta(&d.path().join("etc/motd"));
        assert!(is_whiteout(&wh));
        assert!(fs::symlink_metadata(d.path().join("etc/.wh.motd")).is_err());
        assert_eq!(
            get_xattr(&d.path().join("var/lib"), OPAQUE_XATTR),
            Some(b"y".to_vec())
        );
        assert_eq!(
            get_xattr(&d.path().join("usr"), OPAQUE_XATTR),
            Some(b"y".to_vec())
        );
        assert_eq!(get_xattr(&d.path().join("etc"), OPAQUE_XATTR), None);
        assert!(fs::symlink_metadata(d.path().join(".wh..wh..plnk")).is_err());
        assert!(fs::symlink_metadata(d.path().join("usr/.wh..wh..opq")).is_err());
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 3); // etc, var, usr
    }

    #[test]
    fn whiteout_replaces_earlier_entry_of_this_layer() {
        let tar = Tar::new()
            .file("a/f", b"x", 0o644)
            .file("a/d/inner", b"y", 0o644)
            .file("a/.wh.f", b"", 0o644)
            .file("a/.wh.d", b"", 0o644)
            .bytes();
        let (d, r) = unpack(&tar);
        r.unwrap();
        assert!(is_whiteout(&lmeta(&d.path().join("a/f"))));
        assert!(is_whiteout(&lmeta(&d.path().join("a/d"))));
    }

    #[test]
    fn directory_over_whiteout_becomes_opaque() {
        let tar = Tar::new()
            .file(".wh.x", b"", 0o644)
            .dir("x", 0o755)
            .file(".wh.y", b"", 0o644)
            .file("y/z", b"z", 0o644) // implicit parent over a whiteout
            .bytes();
        let (d, r) = unpack(&tar);
        r.unwrap();
        for dir in ["x", "y"] {
            let p = d.path().join(dir);
            assert!(lmeta(&p).is_dir());
            assert_eq!(get_xattr(&p, OPAQUE_XATTR), Some(b"y".to_vec()), "{dir}");
        }
        assert_eq!(fs::read(d.path().join("y/z")).unwrap(), b"z");
    }

    #[test]
    fn invalid_whiteout_name_refused() {
        let (_d, r) = unpack(&Tar::new().file("a/.wh...", b"", 0o644).bytes());
        assert_err_contains(r, "a/.wh...", "invalid whiteout");
    }

    #[test]
    fn duplicates_replace_earlier_entries() {
        let tar = Tar::new()
            .file("f", b"old", 0o600)
            .file("f", b"new", 0o644)
            .dir("d", 0o700)
            .file("d/kept", b"k", 0o644)
            .dir("d", 0o755) // dir over dir: contents stay, new metadata
            .dir("t", 0o755)
            .file("t/sub/x", b"x", 0o644)
            .file("t", b"now a file", 0o644) // file over dir: tree removed
            .file("s", b"file", 0o644)
            .dir("s", 0o750) // dir over file
            .symlink("l", "/etc/passwd")
            .file("l", b"not followed", 0o644) // file over symlink
            .bytes();
        let (d, r) = unpack(&tar);
        r.unwrap();
        let p = d.path();
        assert_eq!(fs::read(p.join("f")).unwrap(), b"new");
        assert_eq!(lmeta(&p.join("f")).permissions().mode() & 0o7777, 0o644);
        assert_eq!(fs::read(p.join("d/kept")).unwrap(), b"k");
        assert_eq!(lmeta(&p.join("d")).permissions().mode() & 0o7777, 0o755);
        assert_eq!(fs::read(p.join("t")).unwrap(), b"now a file");
        assert!(lmeta(&p.join("s")).is_dir());
        assert_eq!(lmeta(&p.join("s")).permissions().mode() & 0o7777, 0o750);
        assert!(lmeta(&p.join("l")).is_file());
        assert_eq!(fs::read(p.join("l")).unwrap(), b"not followed");
    }

    #[test]
    fn removed_directory_does_not_leave_a_stale_cached_parent() {
        let tar = Tar::new()
            .dir("a", 0o700)
            .dir("a/b", 0o700)
            .file("a/b/x", b"x", 0o644) // parent "a/b" now cached
            .file("a", b"file", 0o644) // removes the tree
            .file(".wh.a", b"", 0o644)
            .file("a/b/y", b"y", 0o644) // recreated, not written into a deleted dir
            .bytes();
        let (d, r) = unpack(&tar);
        r.unwrap();
        assert_eq!(fs::read(d.path().join("a/b/y")).unwrap(), b"y");
        assert!(fs::symlink_metadata(d.path().join("a/b/x")).is_err());
        // The old 0700 records of a and a/b died with the tree.
        assert_eq!(
            lmeta(&d.path().join("a/b")).permissions().mode() & 0o7777,
            0o755
        );
    }

    #[test]
    fn absolute_paths_contained_and_noted_once() {
        let tar = Tar::new()
            .file("/etc/abs", b"a", 0o644)
            .file("//etc/abs2", b"b", 0o644)
            .bytes();
        let (d, r) = unpack(&tar);
        let stats = r.unwrap();
        assert_eq!(fs::read(d.path().join("etc/abs")).unwrap(), b"a");
        assert_eq!(fs::read(d.path().join("etc/abs2")).unwrap(), b"b");
        assert_eq!(stats.skipped.len(), 1, "{:?}", stats.skipped);
        assert!(stats.skipped[0].contains("absolute"));
    }

    #[test]
    fn dotdot_escapes_refused() {
        for bad in ["../x", "a/../../x", "./../x", "a/b/../../../x"] {
            let parent = tempfile::tempdir().unwrap();
            let dest = parent.path().join("layer");
            fs::create_dir(&dest).unwrap();
            let tar = Tar::new()
                .file("a/ok", b"", 0o644)
                .file(bad, b"evil", 0o644)
                .bytes();
            let r = unpack_layer(&tar[..], &dest, &opts());
            assert_err_contains(r, bad, ESCAPES);
            assert!(!parent.path().join("x").exists());
        }
        // Lexical ".." that stays inside is fine.
        let (d, r) = unpack(&Tar::new().file("a/../b", b"b", 0o644).bytes());
        r.unwrap();
        assert_eq!(fs::read(d.path().join("b")).unwrap(), b"b");
    }

    #[test]
    fn symlink_parent_escape_refused() {
        let outside = tempfile::tempdir().unwrap();
        let cases = [
            (outside.path().to_str().unwrap().to_string(), "a/file"),
            ("../../../../../..".to_string(), "a/file"),
            ("b".to_string(), "a/file"), // even inside: never write through a symlink
        ];
        for (target, entry) in &cases {
            let tar = Tar::new()
                .dir("b", 0o755)
                .symlink("a", target)
                .file(entry, b"evil", 0o644)
                .bytes();
            let (d, r) = unpack(&tar);
            assert_err_contains(r, entry, "symlink");
            assert!(fs::read_dir(d.path().join("b")).unwrap().next().is_none());
        }
        // Deeper: symlinked directory in the middle, and whiteouts/opaques too.
        for entry in ["a/x/y/file", "a/.wh.passwd", "a/.wh..wh..opq"] {
            let tar = Tar::new()
                .symlink("a", outside.path().to_str().unwrap())
                .file(entry, b"evil", 0o644)
                .bytes();
            let (_d, r) = unpack(&tar);
            assert_err_contains(r, entry, "symlink");
        }
        assert!(fs::read_dir(outside.path()).unwrap().next().is_none());
        assert_eq!(get_xattr(outside.path(), OPAQUE_XATTR), None);
    }

    #[test]
    fn file_as_parent_refused() {
        let tar = Tar::new()
            .file("a", b"x", 0o644)
            .file("a/b", b"y", 0o644)
            .bytes();
        let (_d, r) = unpack(&tar);
        assert_err_contains(r, "a/b", "not a directory");
    }

    #[test]
    fn non_directory_cannot_replace_root() {
        let (_d, r) = unpack(&Tar::new().file("./", b"", 0o644).bytes());
        // "./" ends in '/', so an old-style regular entry counts as a directory.
        r.unwrap();
        let (_d, r) = unpack(&Tar::new().symlink(".", "/").bytes());
        assert_err_contains(r, ".", "layer root");
    }

    #[test]
    fn ownership_preserved_when_possible() {
        if !can_chown_to(1000) {
            eprintln!("skipping ownership preservation: chown to 1000 is not permitted here (not root, or single-id user namespace)");
            return;
        }
        let mut h = Tar::header(EntryType::Directory, "home/u", 0, 0o2750);
        h.set_uid(1000);
        h.set_gid(1001);
        let tar = Tar::new()
            .file_owned("home/u/f", b"x", 1000, 1000)
            .push(h, &[])
            .symlink("home/u/link", "f")
            .file_owned("usr/bin/sudo", b"x", 0, 0)
            .bytes();
        let o = UnpackOptions {
            preserve_ownership: true,
            allow_devices: false,
        };
        let (d, r) = unpack_with(&tar, &o);
        r.unwrap();
        let f = lmeta(&d.path().join("home/u/f"));
        assert_eq!((f.uid(), f.gid()), (1000, 1000));
        let dir = lmeta(&d.path().join("home/u"));
        assert_eq!((dir.uid(), dir.gid()), (1000, 1001));
        assert_eq!(dir.permissions().mode() & 0o7777, 0o2750);
        assert_eq!(lmeta(&d.path().join("usr/bin/sudo")).uid(), 0);
        // Symlink got uid 0 from its header (not the target's 1000).
        assert_eq!(lmeta(&d.path().join("home/u/link")).uid(), 0);
    }

    #[test]
    fn setuid_survives_chown() {
        if !can_chown_to(1000) {
            eprintln!("skipping setuid-after-chown: chown to 1000 is not permitted here");
            return;
        }
        let mut h = Tar::header(EntryType::Regular, "bin/suid", 1, 0o6755);
        h.set_uid(1000);
        h.set_gid(1000);
        let tar = Tar::new().push(h, b"x").bytes();
        let o = UnpackOptions {
            preserve_ownership: true,
            allow_devices: false,
        };
        let (d, r) = unpack_with(&tar, &o);
        r.unwrap();
        let m = lmeta(&d.path().join("bin/suid"));
        assert_eq!(m.uid(), 1000);
        assert_eq!(m.permissions().mode() & 0o7777, 0o6755);
    }

    #[test]
    fn ownership_dropped_without_preserve() {
        let tar = Tar::new().file_owned("f", b"x", 1000, 1000).bytes();
        let o = UnpackOptions {
            preserve_ownership: false,
            allow_devices: false,
        };
        let (d, r) = unpack_with(&tar, &o);
        r.unwrap();
        let m = lmeta(&d.path().join("f"));
        assert_eq!(m.uid(), nix::unistd::geteuid().as_raw());
    }

    #[test]
    fn unmapped_owner_is_an_error_when_preserving() {
        if can_chown_to(1000) {
            eprintln!("skipping unmapped-id error: chown to 1000 works here");
            return;
        }
        let tar = Tar::new().file_owned("f", b"x", 1000, 1000).bytes();
        let o = UnpackOptions {
            preserve_ownership: true,
            allow_devices: false,
        };
        let (_d, r) = unpack_with(&tar, &o);
        assert_err_contains(r, "f", "/etc/subuid");
    }

    #[test]
    fn pax_xattrs_applied_and_overlay_ones_ignored() {
        let tar = Tar::new()
            .pax(&[
                ("SCHILY.xattr.user.foo", b"bar\0baz"),
                ("SCHILY.xattr.user.overlay.redirect", b"/etc"),
            ])
            .file("f", b"x", 0o644)
            .pax(&[("SCHILY.xattr.user.dir", b"1")])
            .dir("d", 0o755)
            .pax(&[("SCHILY.xattr.user.link", b"1")])
            .symlink("l", "f")
            .bytes();
        let (d, r) = unpack(&tar);
        let stats = r.unwrap();
        assert_eq!(
            get_xattr(&d.path().join("f"), "user.foo"),
            Some(b"bar\0baz".to_vec())
        );
        assert_eq!(
            get_xattr(&d.path().join("f"), "user.overlay.redirect"),
            None
        );
        assert_eq!(
            get_xattr(&d.path().join("d"), "user.dir"),
            Some(b"1".to_vec())
        );
        // user.* is not allowed on symlinks: noted, not fatal.
        assert!(stats
            .skipped
            .iter()
            .any(|n| n.contains("user.overlay.redirect")));
        assert!(stats
            .skipped
            .iter()
            .any(|n| n.starts_with("l: xattr user.link")));
        assert_eq!(stats.entries, 3);
    }

    #[test]
    fn pax_overrides_path_ids_and_mtime() {
        let long = format!("{}/file", "x".repeat(150));
        let tar = Tar::new()
            .pax(&[
                ("path", long.as_bytes()),
                ("mtime", b"1700000000.25"),
                ("uid", b"0"),
            ])
            .file("short", b"p", 0o644)
            .bytes();
        let (d, r) = unpack(&tar);
        r.unwrap();
        let m = lmeta(&d.path().join(&long));
        assert_eq!(m.mtime(), 1_700_000_000);
        assert_eq!(m.mtime_nsec(), 250_000_000);
        assert!(!d.path().join("short").exists());
    }

    #[test]
    fn gnu_long_names_via_builder() {
        let long = format!("{}/{}", "d".repeat(120), "f".repeat(120));
        let target = format!("/{}", "t".repeat(200));
        let mut b = tar::Builder::new(Vec::new());
        let mut h = Tar::header(EntryType::Regular, "", 2, 0o644);
        b.append_data(&mut h, &long, &b"ok"[..]).unwrap();
        let mut h = Tar::header(EntryType::Symlink, "", 0, 0o777);
        b.append_link(&mut h, "lnk", &target).unwrap();
        let tar = b.into_inner().unwrap();
        let (d, r) = unpack(&tar);
        r.unwrap();
        assert_eq!(fs::read(d.path().join(&long)).unwrap(), b"ok");
        assert_eq!(
            fs::read_link(d.path().join("lnk")).unwrap(),
            Path::new(&target)
        );
    }

    #[test]
    fn gzip_layer_through_flate2() {
        use std::io::Write as _;
        let tar = Tar::new().file("hello", b"world", 0o644).bytes();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar).unwrap();
        let gz = gz.finish().unwrap();
        let dir = tempfile::tempdir().unwrap();
        unpack_layer(flate2::read::GzDecoder::new(&gz[..]), dir.path(), &opts()).unwrap();
        assert_eq!(fs::read(dir.path().join("hello")).unwrap(), b"world");
    }

    #[test]
    fn oversized_long_name_is_refused_before_it_is_read() {
        // A long-name header claiming 1 GiB, then a file of which the first
        // data block would be taken for the long name.
        let mut tar = Tar::new().file("first", b"ok", 0o644).bytes();
        tar.truncate(tar.len() - 1024);
        let mut h = Tar::header(EntryType::GNULongName, "././@LongLink", 1 << 30, 0o644);
        h.set_cksum();
        tar.extend_from_slice(h.as_bytes());
        tar.extend_from_slice(&[b'a'; 8192]);
        let (d, r) = unpack(&tar);
        let e = r.unwrap_err();
        assert_eq!(e.entry, None);
        assert_eq!(
            e.message,
            "tar entry metadata of 1073741824 bytes (a GNU long name or PAX header) exceeds the 1 MiB limit; the archive is hostile or corrupt"
        );
        assert_eq!(fs::read(d.path().join("first")).unwrap(), b"ok");
        // Real long names and PAX headers still work.
        let long = "d/".repeat(100) + "f";
        let mut t = Tar::new();
        t.pax(&[("path", b"pax-name")]).file("x", b"1", 0o644);
        let mut h = Tar::header(EntryType::Regular, "", 1, 0o644);
        t.0.append_data(&mut h, &long, &b"2"[..]).unwrap();
        let (d, r) = unpack(&t.bytes());
        r.unwrap();
        assert_eq!(fs::read(d.path().join("pax-name")).unwrap(), b"1");
        assert_eq!(fs::read(d.path().join(&long)).unwrap(), b"2");
    }

    #[test]
    fn truncated_tar_is_an_error() {
        let tar = Tar::new().file("f", &[7u8; 5000], 0o644).bytes();
        let (_d, r) = unpack(&tar[..2048]);
        assert!(r.is_err());
    }

    #[test]
    fn error_display() {
        let e = UnpackError {
            entry: Some("etc/x".into()),
            message: "boom".into(),
        };
        assert_eq!(e.to_string(), "layer entry \"etc/x\": boom");
        let e = UnpackError {
            entry: None,
            message: "boom".into(),
        };
        assert_eq!(e.to_string(), "boom");
        let _: &dyn std::error::Error = &e;
    }

    #[test]
    fn is_whiteout_distinguishes() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("w");
        nix::sys::stat::mknod(&p, SFlag::S_IFCHR, Mode::empty(), 0).unwrap();
        assert!(is_whiteout(&lmeta(&p)));
        fs::write(d.path().join("f"), b"").unwrap();
        assert!(!is_whiteout(&lmeta(&d.path().join("f"))));
    }

    #[test]
    fn normalize_cases() {
        let mut out = Vec::new();
        let mut n = |s: &str| normalize(s.as_bytes(), &mut out).map(|abs| (lossy(&out), abs));
        assert_eq!(n("a/b/c"), Ok(("a/b/c".into(), false)));
        assert_eq!(n("./a//b/./"), Ok(("a/b".into(), false)));
        assert_eq!(n("/a/../b"), Ok(("b".into(), true)));
        assert_eq!(n("."), Ok(("".into(), false)));
        assert_eq!(n(""), Ok(("".into(), false)));
        assert_eq!(n("a/.."), Ok(("".into(), false)));
        assert_eq!(n(".."), Err(()));
        assert_eq!(n("/../a"), Err(()));
        assert_eq!(n("a/../../b"), Err(()));
    }

    #[test]
    fn pax_time_parsing() {
        let t = |s: &str| parse_pax_time(s.as_bytes()).map(|t| (t.tv_sec(), t.tv_nsec()));
        assert_eq!(t("12"), Some((12, 0)));
        assert_eq!(t("12.5"), Some((12, 500_000_000)));
        assert_eq!(t("12.0000000019"), Some((12, 1)));
        assert_eq!(t("-1.5"), Some((-2, 500_000_000)));
        assert_eq!(t("x"), None);
    }

    /// Synthetic 10,000-file / ~175 MB layer: `cargo test --release -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn bench_unpack_10k_files() {
        let mut b = tar::Builder::new(Vec::with_capacity(190 << 20));
        let small = vec![0x5au8; 8 * 1024];
        let big = vec![0xa5u8; 1_150_000];
        let mut total = 0usize;
        for i in 0..10_000 {
            let data: &[u8] = if i % 100 == 0 {
                &big
            } else {
                &small[..4096 + (i * 37) % 4096]
            };
            let mut h = Tar::header(EntryType::Regular, "", data.len() as u64, 0o644);
            b.append_data(
                &mut h,
                format!("usr/share/d{:03}/file{i:05}", i % 200),
                data,
            )
            .unwrap();
            total += data.len();
        }
        let tar = b.into_inner().unwrap();
        let base = std::env::var_os("UNPACK_BENCH_DIR").unwrap_or_else(|| "/var/tmp".into());
        // Keep every destination until the end: ext4 searches around recently
        // deleted inodes on create, which would make later runs measure cleanup.
        let mut dests = Vec::new();
        let mut best = f64::MAX;
        for _ in 0..3 {
            let dir = tempfile::tempdir_in(&base).unwrap();
            let start = std::time::Instant::now();
            let stats = unpack_layer(&tar[..], dir.path(), &opts()).unwrap();
            let secs = start.elapsed().as_secs_f64();
            assert_eq!(stats.bytes as usize, total);
            best = best.min(secs);
            eprintln!(
                "unpacked {} entries, {:.1} MB (tar {:.1} MB) in {:.3} s",
                stats.entries,
                total as f64 / 1e6,
                tar.len() as f64 / 1e6,
                secs
            );
            dests.push(dir);
        }
        eprintln!("best: {best:.3} s");
    }
}
