//! Small filesystem helpers shared by the store, state and config code:
//! atomic replacement of a file and unique temporary names.

use anyhow::Context;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A name unique to this process and call, for temporary files and dirs
/// that are renamed into place. The pid lets a cleanup tell whether the
/// owner is still alive.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{n}-{nanos:x}", std::process::id())
}

/// The pid encoded by [`unique_name`] in a temporary entry's name.
pub fn owner_pid(name: &str) -> Option<i32> {
    name.split('-').nth(1)?.parse().ok()
}

/// True if a process with this pid exists.
pub fn pid_alive(pid: i32) -> bool {
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) => true,
        Err(nix::errno::Errno::EPERM) => true,
        Err(_) => false,
    }
}

/// Replace `path` with `bytes` atomically: write a temporary file in the
/// same directory, fsync it, rename it over the target. Readers see the old
/// or the new content, never a mix, whatever happens to this process.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    replace_file(path, bytes, mode, true)
}

/// As [`write_atomic`] without the fsync: survives a killed process (the
/// rename is atomic) but not a power cut. For small, frequently rewritten
/// records such as container state, where a sync per write would cost
/// more than the whole container start.
pub fn write_replace(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    replace_file(path, bytes, mode, false)
}

fn replace_file(path: &Path, bytes: &[u8], mode: u32, sync: bool) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp: PathBuf = dir.join(format!(
        ".{}",
        unique_name(path.file_name().and_then(|n| n.to_str()).unwrap_or("tmp"))
    ));
    let result = (|| -> anyhow::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
            .with_context(|| format!("creating {}", tmp.display()))?;
        file.write_all(bytes)
            .with_context(|| format!("writing {}", tmp.display()))?;
        if sync {
            file.sync_all()
                .with_context(|| format!("syncing {}", tmp.display()))?;
        }
        fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Create a directory and its parents with the given mode for new ones.
pub fn create_dir_all_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(mode)
        .create(path)
        .with_context(|| format!("creating directory {}", path.display()))
}

/// Open (creating) a lock file.
pub fn open_lock_file(path: &Path) -> anyhow::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("opening lock {}", path.display()))
}

/// Remove a file or directory tree if it exists.
pub fn remove_path(path: &Path) -> std::io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Bytes as Podman prints sizes: decimal units, three significant digits.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        let s = format!("{value:.3}");
        // Three significant digits, trailing zeros dropped, as Go's %.3g.
        let digits_before = s.find('.').unwrap_or(s.len());
        let keep = if digits_before >= 3 {
            digits_before
        } else {
            4.min(s.len())
        };
        let t = s[..keep.max(digits_before)]
            .trim_end_matches('0')
            .trim_end_matches('.');
        format!("{t} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.json");
        write_atomic(&p, b"one", 0o644).unwrap();
        write_atomic(&p, b"two", 0o644).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn unique_names_carry_pid() {
        let n = unique_name("blob");
        assert_eq!(owner_pid(&n), Some(std::process::id() as i32));
        assert_ne!(n, unique_name("blob"));
    }

    #[test]
    fn sizes_like_podman() {
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(4_261_000), "4.26 MB");
        assert_eq!(human_size(1_000_000), "1 MB");
        assert_eq!(human_size(175_400_000), "175 MB");
        assert_eq!(human_size(12_300), "12.3 kB");
    }
}
