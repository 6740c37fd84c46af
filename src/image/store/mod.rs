//! The image store: a content-addressed blob store that is itself a valid
//! OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`), plus
//! one directory per unpacked layer keyed by its diff id.
//!
//! Writers stage everything in `tmp/` and rename into place, so a process
//! killed at any point leaves either nothing or a complete object. The
//! catalog (`index.json`) is rewritten atomically under `store.lock`;
//! readers never lock.

mod blobs;
mod catalog;
mod gc;
mod layers;

pub use blobs::BlobWriter;
pub use catalog::{Catalog, ImageEntry, NewImage};
pub use layers::LayerStaging;

use crate::sys::fsutil;
use anyhow::Context;
use nix::fcntl::{Flock, FlockArg};
use std::fs::{self, File};
use std::path::{Path, PathBuf};

pub const LAYOUT_FILE: &str = "oci-layout";
const LAYOUT_CONTENT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// Open the store at `root`, creating its skeleton on first use.
    pub fn open(root: &Path) -> anyhow::Result<Store> {
        let store = Store {
            root: root.to_path_buf(),
        };
        if !root.join(LAYOUT_FILE).exists() {
            for dir in [store.blobs_dir(), store.layers_dir(), store.tmp_dir()] {
                fsutil::create_dir_all_mode(&dir, 0o700)?;
            }
            fsutil::write_atomic(&root.join(LAYOUT_FILE), LAYOUT_CONTENT, 0o644)?;
        }
        Ok(store)
    }

    /// Open an existing store read-only; None when nothing was ever stored.
    pub fn open_existing(root: &Path) -> Option<Store> {
        root.join(LAYOUT_FILE).exists().then(|| Store {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn blobs_dir(&self) -> PathBuf {
        self.root.join("blobs").join("sha256")
    }
    pub fn layers_dir(&self) -> PathBuf {
        self.root.join("layers")
    }
    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }
    pub fn index_path(&self) -> PathBuf {
        self.root.join("index.json")
    }

    /// Exclusive lock for rewriting the catalog.
    pub(crate) fn lock_catalog(&self) -> anyhow::Result<Flock<File>> {
        lock(&self.root.join("store.lock"), FlockArg::LockExclusive)
    }

    /// Held (shared) by anything that writes blobs or layers before it has
    /// registered them in the catalog, so a garbage collection (which takes
    /// it exclusively) never deletes work in progress.
    pub fn lock_writing(&self) -> anyhow::Result<Flock<File>> {
        lock(&self.root.join("gc.lock"), FlockArg::LockShared)
    }

    pub(crate) fn lock_gc(&self) -> anyhow::Result<Flock<File>> {
        lock(&self.root.join("gc.lock"), FlockArg::LockExclusive)
    }

    /// Remove staging leftovers of processes that no longer exist (a pull
    /// killed with -9, a full disk): everything in tmp/ and the catalog's
    /// own temporary files. Entries of live processes are kept.
    pub fn clean_tmp(&self) {
        let in_tmp = fs::read_dir(self.tmp_dir()).into_iter().flatten().flatten();
        let catalog_temps = fs::read_dir(&self.root)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".index.json-"));
        for entry in in_tmp.chain(catalog_temps) {
            let name = entry.file_name();
            let alive = name
                .to_str()
                .and_then(fsutil::owner_pid)
                .is_some_and(fsutil::pid_alive);
            if !alive {
                let _ = fsutil::remove_path(&entry.path());
            }
        }
    }
}

fn lock(path: &Path, arg: FlockArg) -> anyhow::Result<Flock<File>> {
    let file = fsutil::open_lock_file(path)?;
    Flock::lock(file, arg)
        .map_err(|(_, e)| e)
        .with_context(|| format!("locking {}", path.display()))
}

/// Turn an I/O error into one that says what to do when the disk is full.
/// The store for commands that write image files. Unprivileged, this
/// first moves the process into cove's user namespace (so image file
/// owners are real ids), which must happen before any thread starts.
pub fn open_for_writing(
    root: &Path,
) -> anyhow::Result<(Store, crate::image::layer::unpack::UnpackOptions)> {
    use crate::sys::userns;
    fsutil::create_dir_all_mode(root, 0o700)?;
    let real_root = userns::is_root() && !userns::in_user_namespace();
    let maps = userns::enter_for_storage(root)?;
    let store = Store::open(root)?;
    let opts = crate::image::layer::unpack::UnpackOptions {
        preserve_ownership: real_root || userns::can_chown_freely(&maps),
        allow_devices: real_root,
    };
    Ok((store, opts))
}

pub fn explain_io(err: std::io::Error, what: &str) -> anyhow::Error {
    if err.raw_os_error() == Some(libc::ENOSPC) || err.raw_os_error() == Some(libc::EDQUOT) {
        anyhow::anyhow!("{what}: no space left on device; free some space (for example `cove rmi` unused images) and try again")
    } else {
        anyhow::Error::new(err).context(what.to_string())
    }
}

/// Run `work` in a forked child that opens the store for writing (and so
/// enters the storage user namespace when unprivileged), holding the
/// writing lock; its answer (an image id) comes back on a pipe. Lets a
/// command that must stay single-threaded in the initial namespace (one
/// that starts containers: `build`, `commit`) write images. Must be
/// called while this process is single-threaded.
pub fn write_in_child<F>(root: &Path, work: F) -> anyhow::Result<String>
where
    F: FnOnce(&Store, &crate::image::layer::unpack::UnpackOptions) -> anyhow::Result<String>,
{
    use std::io::Read;
    let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    // SAFETY: the caller is single-threaded (documented contract); the
    // child does its work and leaves with _exit.
    match unsafe { nix::unistd::fork() }.context("forking")? {
        nix::unistd::ForkResult::Child => {
            drop(read);
            let result = open_for_writing(root).and_then(|(store, opts)| {
                let _writing = store.lock_writing()?;
                work(&store, &opts)
            });
            let (code, report) = match result {
                Ok(answer) => (0, format!("0{answer}")),
                Err(e) => {
                    let code = crate::error::exit_code(&e).clamp(1, 255);
                    (code, format!("1{}", crate::error::describe(&e)))
                }
            };
            let _ = crate::sys::fd::write_all(std::os::fd::AsFd::as_fd(&write), report.as_bytes());
            // SAFETY: leave without running this process's destructors.
            unsafe { libc::_exit(code) };
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop(write);
            let mut report = String::new();
            let _ = File::from(read).read_to_string(&mut report);
            let status = nix::sys::wait::waitpid(child, None)?;
            let code = match status {
                nix::sys::wait::WaitStatus::Exited(_, c) => c,
                _ => 125,
            };
            match report.split_at_checked(1) {
                Some(("0", answer)) if code == 0 => Ok(answer.to_string()),
                Some(("1", message)) => Err(crate::error::exit_error(code.max(1), message)),
                _ => Err(crate::error::exit_error(125, "writing the image failed")),
            }
        }
    }
}
