//! What every layer may need to know about the invocation: where cove
//! keeps things (data `--root`, runtime state `--runroot`, configuration,
//! following the XDG base directories for users and the FHS for root, as
//! Podman does) and the global settings. The CLI builds it from its flags;
//! nothing here knows clap.

use crate::log::Level;
use std::path::PathBuf;

/// The global settings and paths of one cove invocation.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub paths: Paths,
    /// `--storage-driver` (or COVE_STORAGE_DRIVER); None: storage.conf,
    /// then the probe.
    pub storage_driver: Option<DriverRequest>,
    pub log_level: Level,
}

/// A storage driver asked for by name; `Auto` probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriverRequest {
    Auto,
    Overlay,
    Fuse,
    Vfs,
}

#[derive(Debug, Clone)]
pub struct Paths {
    /// Images, layers, containers, volumes.
    pub root: PathBuf,
    /// Runtime state: sockets, pid files. Cleared at reboot.
    pub runroot: PathBuf,
    /// cove's own configuration directory.
    pub config: PathBuf,
}

impl Paths {
    /// Resolve the directories from flags, then the environment.
    pub fn resolve(root: Option<PathBuf>, runroot: Option<PathBuf>) -> Paths {
        let is_root = nix::unistd::geteuid().is_root();
        let dirs = directories::BaseDirs::new();
        let root = root.unwrap_or_else(|| {
            if is_root {
                PathBuf::from("/var/lib/cove")
            } else {
                dirs.as_ref()
                    .map(|d| d.data_dir().join("cove"))
                    .unwrap_or_else(|| PathBuf::from(".cove"))
            }
        });
        let runroot = runroot.unwrap_or_else(|| {
            if is_root {
                PathBuf::from("/run/cove")
            } else if let Some(dir) = dirs.as_ref().and_then(|d| d.runtime_dir()) {
                dir.join("cove")
            } else {
                // No XDG_RUNTIME_DIR (e.g. a su session): a private dir in /tmp.
                PathBuf::from(format!("/tmp/cove-run-{}", nix::unistd::getuid()))
            }
        });
        let config = if is_root {
            PathBuf::from("/etc/cove")
        } else {
            dirs.as_ref()
                .map(|d| d.config_dir().join("cove"))
                .unwrap_or_else(|| PathBuf::from(".config/cove"))
        };
        Paths {
            root,
            runroot,
            config,
        }
    }
}
