//! Storage drivers: how a container's root filesystem is made from the
//! image's unpacked layers.
//!
//! - `overlay`: the kernel's overlayfs, mounted by the container process
//!   inside its own user namespace (Linux 5.11+, `userxattr`). Nothing is
//!   copied; writes go to the container's `upper/`.
//! - `fuse`: our own overlay filesystem (see `crate::storage::fuse`), for kernels
//!   or filesystems where the kernel overlay cannot be mounted; shifts
//!   owners on the fly.
//! - `vfs`: the layers copied into the container's `rootfs/` once, at its
//!   first start. Slow, works everywhere.
//!
//! `auto` probes the kernel overlay once per store and remembers the
//! answer in `driver.json`, so later containers pay nothing for it.

pub mod copy;
pub mod fuse;
pub mod layout;
pub mod volume;

use crate::context::DriverRequest;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Driver {
    Overlay,
    Vfs,
    Fuse,
}

impl Driver {
    pub fn name(self) -> &'static str {
        match self {
            Driver::Overlay => "overlay",
            Driver::Vfs => "vfs",
            Driver::Fuse => "fuse",
        }
    }

    pub fn parse(s: &str) -> Option<Driver> {
        match s {
            "overlay" | "overlay2" => Some(Driver::Overlay),
            "vfs" => Some(Driver::Vfs),
            "fuse" => Some(Driver::Fuse),
            _ => None,
        }
    }
}

/// The driver in use and why it was chosen (shown by `cove info`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Choice {
    pub driver: Driver,
    pub reason: String,
}

/// Pick the driver: the flag (or COVE_STORAGE_DRIVER), then
/// `storage.conf` in cove's config directory, then the remembered probe.
pub fn choose(
    store_root: &Path,
    config_dir: &Path,
    flag: Option<DriverRequest>,
) -> anyhow::Result<Choice> {
    match flag {
        Some(DriverRequest::Overlay) => {
            return Ok(Choice {
                driver: Driver::Overlay,
                reason: "chosen with --storage-driver".into(),
            })
        }
        Some(DriverRequest::Vfs) => {
            return Ok(Choice {
                driver: Driver::Vfs,
                reason: "chosen with --storage-driver".into(),
            })
        }
        Some(DriverRequest::Fuse) => {
            return Ok(Choice {
                driver: Driver::Fuse,
                reason: "chosen with --storage-driver".into(),
            })
        }
        Some(DriverRequest::Auto) => return probed(store_root),
        None => {}
    }
    if let Some(driver) = configured(config_dir)? {
        return Ok(Choice {
            driver,
            reason: format!("set in {}", config_dir.join("storage.conf").display()),
        });
    }
    probed(store_root)
}

/// `driver = "overlay"` under `[storage]` in storage.conf, as in
/// containers-storage.conf.
fn configured(config_dir: &Path) -> anyhow::Result<Option<Driver>> {
    let path = config_dir.join("storage.conf");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let doc: toml::Table =
        toml::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
    let Some(name) = doc
        .get("storage")
        .and_then(|s| s.get("driver"))
        .and_then(|d| d.as_str())
    else {
        return Ok(None);
    };
    if name.is_empty() || name == "auto" {
        return Ok(None);
    }
    Driver::parse(name).map(Some).ok_or_else(|| {
        anyhow::anyhow!(
            "{}: unknown storage driver {name:?} (use overlay, fuse, vfs or auto)",
            path.display()
        )
    })
}

fn probed(store_root: &Path) -> anyhow::Result<Choice> {
    let record = store_root.join("driver.json");
    if let Ok(bytes) = std::fs::read(&record) {
        if let Ok(choice) = serde_json::from_slice::<Choice>(&bytes) {
            return Ok(choice);
        }
    }
    let choice = match probe_overlay(store_root) {
        Ok(()) => Choice {
            driver: Driver::Overlay,
            reason: "auto: the kernel overlay mounts in a user namespace here".into(),
        },
        Err(e) => match probe_fuse() {
            Ok(()) => Choice {
                driver: Driver::Fuse,
                reason: format!("auto: kernel overlay unavailable ({e:#}); /dev/fuse is usable"),
            },
            Err(f) => {
                eprintln!("cove: the kernel overlay cannot be used ({e:#}) nor FUSE ({f:#}); using the vfs driver, which copies images (slower)");
                Choice {
                    driver: Driver::Vfs,
                    reason: format!(
                        "auto: kernel overlay unavailable: {e:#}; fuse unavailable: {f:#}"
                    ),
                }
            }
        },
    };
    crate::sys::fsutil::create_dir_all_mode(store_root, 0o700)?;
    crate::sys::fsutil::write_atomic(&record, &serde_json::to_vec_pretty(&choice)?, 0o600)?;
    Ok(choice)
}

/// Mount a small overlay in a throwaway user and mount namespace, in a
/// forked child so this process stays as it was.
fn probe_overlay(store_root: &Path) -> anyhow::Result<()> {
    let dir = store_root
        .join("tmp")
        .join(crate::sys::fsutil::unique_name("probe"));
    for sub in ["lower", "upper", "work", "merged"] {
        std::fs::create_dir_all(dir.join(sub))
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    // SAFETY: the child only makes syscalls and exits.
    match unsafe { nix::unistd::fork() }? {
        nix::unistd::ForkResult::Child => {
            let result = (|| -> anyhow::Result<()> {
                if !crate::sys::userns::is_root() {
                    let maps = crate::sys::userns::IdMaps {
                        uids: crate::sys::userns::build_ranges(nix::unistd::getuid().as_raw(), &[]),
                        gids: crate::sys::userns::build_ranges(nix::unistd::getgid().as_raw(), &[]),
                    };
                    crate::sys::userns::enter(&maps)?;
                }
                nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS)?;
                mount_overlay_at(
                    &[dir.join("lower")],
                    &dir.join("upper"),
                    &dir.join("work"),
                    &dir.join("merged"),
                )
            })();
            let message = match result {
                Ok(()) => String::new(),
                Err(e) => format!("{e:#}"),
            };
            let _ = nix::unistd::write(&write, message.as_bytes());
            // SAFETY: end the forked child without running the parent's
            // destructors or atexit handlers.
            unsafe { libc::_exit(0) };
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop(write);
            let mut message = String::new();
            use std::io::Read;
            let _ = std::fs::File::from(read).read_to_string(&mut message);
            let _ = nix::sys::wait::waitpid(child, None);
            let _ = std::fs::remove_dir_all(&dir);
            if message.is_empty() {
                Ok(())
            } else {
                anyhow::bail!("{message}")
            }
        }
    }
}

/// Whether the fuse driver can work here: /dev/fuse opens for us.
fn probe_fuse() -> anyhow::Result<()> {
    crate::storage::fuse::mount::open_device().map(drop)
}

/// Mount a kernel overlay. Lower directories are given top first. The
/// mount data is limited to a page, so long layer lists are passed as
/// paths relative to their common parent after a chdir there.
pub fn mount_overlay_at(
    lowers: &[PathBuf],
    upper: &Path,
    work: &Path,
    target: &Path,
) -> anyhow::Result<()> {
    let parent = lowers
        .first()
        .and_then(|l| l.parent())
        .and_then(|p| p.parent())
        .map(Path::to_path_buf);
    let relative: Option<Vec<String>> = parent.as_ref().and_then(|p| {
        lowers
            .iter()
            .map(|l| {
                l.strip_prefix(p)
                    .ok()
                    .map(|r| r.to_string_lossy().to_string())
            })
            .collect()
    });
    let lowerdir = match &relative {
        Some(rel) => rel.join(":"),
        None => lowers
            .iter()
            .map(|l| l.to_string_lossy())
            .collect::<Vec<_>>()
            .join(":"),
    };
    let data = format!(
        "lowerdir={lowerdir},upperdir={},workdir={},userxattr",
        upper.display(),
        work.display()
    );
    let previous = std::env::current_dir().ok();
    if let (Some(p), Some(_)) = (&parent, &relative) {
        nix::unistd::chdir(p.as_path()).with_context(|| format!("entering {}", p.display()))?;
    }
    // nodev: a device node in an image must not open a host device when
    // cove runs as real root (in a user namespace it is implied).
    let result = nix::mount::mount(
        Some("overlay"),
        target,
        Some("overlay"),
        nix::mount::MsFlags::MS_NODEV,
        Some(data.as_str()),
    );
    if let Some(prev) = previous {
        let _ = nix::unistd::chdir(prev.as_path());
    }
    result.with_context(|| format!("mounting the kernel overlay on {}", target.display()))
}

/// How the container process builds its root filesystem (it runs inside
/// the container's user namespace, so ownership comes out right).
#[derive(Debug, Clone)]
pub enum RootfsPlan {
    Overlay {
        /// Layer `diff` directories, top first.
        lowers: Vec<PathBuf>,
        upper: PathBuf,
        work: PathBuf,
        target: PathBuf,
    },
    /// Our FUSE overlay: mounted by the container process, served by a
    /// process the launcher starts (see `crate::storage::fuse::server`).
    Fuse(std::sync::Arc<crate::storage::fuse::FusePlan>),
    Vfs {
        /// Layer `diff` directories, bottom first.
        layers: Vec<PathBuf>,
        target: PathBuf,
        /// Written once the copy is complete.
        marker: PathBuf,
        shift: Option<copy::IdShift>,
    },
}

impl RootfsPlan {
    /// Make the root filesystem available at its target and return it.
    pub fn mount(&self) -> anyhow::Result<PathBuf> {
        match self {
            RootfsPlan::Overlay {
                lowers,
                upper,
                work,
                target,
            } => {
                mount_overlay_at(lowers, upper, work, target)?;
                Ok(target.clone())
            }
            RootfsPlan::Fuse(plan) => {
                plan.mount_in_container()?;
                Ok(plan.target.clone())
            }
            RootfsPlan::Vfs {
                layers,
                target,
                marker,
                shift,
            } => {
                populate_vfs(layers, target, marker, shift.as_ref())?;
                // pivot_root needs a mount point.
                nix::mount::mount(
                    Some(target.as_path()),
                    target.as_path(),
                    None::<&str>,
                    nix::mount::MsFlags::MS_BIND | nix::mount::MsFlags::MS_REC,
                    None::<&str>,
                )
                .context("binding the root filesystem")?;
                crate::sys::mount::remount_bind(
                    &crate::sys::syscall::Kernel,
                    &target.to_string_lossy(),
                    nix::mount::MsFlags::MS_NODEV,
                    false,
                )
                .context("making the root filesystem nodev")?;
                Ok(target.clone())
            }
        }
    }
}

impl RootfsPlan {
    /// In the launcher, once the container process `pid` exists and has
    /// its id maps: start what serves its root filesystem (FUSE only).
    /// Must be called while the launcher has a single thread.
    pub fn start_server(&self, pid: nix::unistd::Pid) -> anyhow::Result<()> {
        match self {
            RootfsPlan::Fuse(plan) => plan.start_server(pid.as_raw()),
            _ => Ok(()),
        }
    }
}

/// Copy the layers (bottom first) into a vfs root filesystem once; the
/// marker says the copy is complete. Runs in the container's user
/// namespace, so owners come out as the container sees them.
pub fn populate_vfs(
    layers: &[PathBuf],
    target: &Path,
    marker: &Path,
    shift: Option<&copy::IdShift>,
) -> anyhow::Result<()> {
    if marker.exists() {
        return Ok(());
    }
    // A start interrupted mid-copy starts over.
    if target.exists() {
        std::fs::remove_dir_all(target)
            .with_context(|| format!("clearing {}", target.display()))?;
    }
    std::fs::create_dir_all(target)?;
    let opts = copy::CopyOptions {
        apply_whiteouts: true,
        shift: shift.cloned(),
    };
    for layer in layers {
        copy::copy_tree(layer, target, &opts)
            .with_context(|| format!("copying layer {}", layer.display()))?;
    }
    std::fs::write(marker, b"").context("recording the copied root filesystem")
}
