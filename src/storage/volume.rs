//! Named volumes: `<root>/volumes/<name>/_data/` holds the content and
//! `<root>/volumes/<name>/volume.json` the metadata.
//!
//! A volume appears complete or not at all: it is built in
//! `volumes/.tmp-<pid>-…` and renamed into place with `RENAME_NOREPLACE`,
//! so of two concurrent creators exactly one wins and the other sees
//! "already exists". Removal renames the volume to `volumes/.tmp-rm-<pid>-…`
//! before deleting it, so a crash never leaves a half-deleted volume
//! visible; leftovers of dead processes are cleaned by the next writer.
//!
//! Whether a volume is in use is read from the containers themselves:
//! `<root>/containers/<id>/config.json` (an OCI runtime spec) naming the
//! volume's `_data` directory as a mount source. `volumes/.lock` closes the
//! window between "the runtime decided to use a volume" and "its config is
//! written": the runtime holds it shared ([`lock_for_use`]) across
//! `ensure` and writing config.json; `remove` and `prune` take it
//! exclusively while they check users and rename.
//!
//! Deleting a volume whose files belong to subordinate ids needs cove's
//! user namespace: unprivileged callers of [`remove`] and [`prune`] enter
//! it first (`userns::enter_for_storage`), as the `volume` commands do.

use crate::sys::fsutil;
use crate::util::duration::parse_go_duration_nanos;
use crate::util::glob::{glob_match, Slash};
use anyhow::Context;
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The only driver: a directory under the store.
pub const DRIVER_LOCAL: &str = "local";
/// Metadata file name inside a volume's directory.
pub const METADATA_FILE: &str = "volume.json";
/// Content directory name inside a volume's directory.
pub const DATA_DIR: &str = "_data";
const TMP_PREFIX: &str = ".tmp";
const TMP_RM_PREFIX: &str = ".tmp-rm";
const LOCK_FILE: &str = ".lock";
/// Podman's rule for volume (and container) names.
pub const NAME_RULE: &str = "[a-zA-Z0-9][a-zA-Z0-9_.-]*";

/// One volume, as stored in `volume.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Volume {
    pub name: String,
    /// Always "local".
    pub driver: String,
    /// The `_data` directory (recomputed from the store root on load, so a
    /// moved store stays consistent).
    pub mountpoint: PathBuf,
    /// RFC 3339 with nanoseconds and the local offset, as Go marshals
    /// Podman's `CreatedAt`.
    pub created_at: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Driver options as given (`-o type=tmpfs`…); stored and shown, not
    /// interpreted here: the runtime decides what it supports.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Created for one container (`-v /path` without a name).
    #[serde(default)]
    pub anonymous: bool,
    /// True until the runtime has pre-filled the volume from the image
    /// directory it is first mounted on ([`mark_copied_up`]).
    #[serde(default)]
    pub needs_copy_up: bool,
}

/// Failures callers tell apart (downcast an `anyhow::Error` to this).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeError {
    NotFound(String),
    Exists(String),
    InvalidName(String),
    /// A partial name matching several volumes.
    Ambiguous(String),
    InUse {
        name: String,
        containers: Vec<String>,
        force: bool,
    },
}

impl fmt::Display for VolumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Podman's wording, ending in its sentinel error text.
        match self {
            VolumeError::NotFound(n) => {
                write!(f, "no volume with name {n:?} found: no such volume")
            }
            VolumeError::Exists(n) => {
                write!(
                    f,
                    "volume with name {n} already exists: volume already exists"
                )
            }
            VolumeError::InvalidName(_) => write!(
                f,
                "running volume create option: names must match {NAME_RULE}: invalid argument"
            ),
            VolumeError::Ambiguous(n) => write!(
                f,
                "more than one result for volume name {n}: volume already exists"
            ),
            VolumeError::InUse {
                name,
                containers,
                force,
            } => {
                write!(
                    f,
                    "volume {name} is being used by the following container(s): {}",
                    containers.join(", ")
                )?;
                if *force {
                    // Podman removes the containers with --force; cove
                    // leaves that to the user.
                    f.write_str(": remove them first with `cove rm`")?;
                }
                f.write_str(": volume is being used")
            }
        }
    }
}

impl std::error::Error for VolumeError {}

/// The `VolumeError` in an error chain, if any.
pub fn volume_error(err: &anyhow::Error) -> Option<&VolumeError> {
    err.chain().find_map(|e| e.downcast_ref::<VolumeError>())
}

pub fn volumes_dir(root: &Path) -> PathBuf {
    root.join("volumes")
}

/// A volume's own directory (holding `_data` and `volume.json`).
pub fn volume_dir(root: &Path, name: &str) -> PathBuf {
    volumes_dir(root).join(name)
}

/// A volume's content directory, its mount source.
pub fn data_dir(root: &Path, name: &str) -> PathBuf {
    volume_dir(root, name).join(DATA_DIR)
}

/// `[a-zA-Z0-9][a-zA-Z0-9_.-]*`: no path separators, no leading dot (so
/// no clash with `.tmp-*` and `.lock`).
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Create a volume. `name` None makes a random 64-hex name. Fails with
/// [`VolumeError::Exists`] when the name is taken.
pub fn create(
    root: &Path,
    name: Option<&str>,
    labels: BTreeMap<String, String>,
    options: BTreeMap<String, String>,
    anonymous: bool,
) -> anyhow::Result<Volume> {
    let name = match name {
        Some(n) if !valid_name(n) => return Err(VolumeError::InvalidName(n.to_string()).into()),
        Some(n) => n.to_string(),
        None => random_name()?,
    };
    let dir = volumes_dir(root);
    fsutil::create_dir_all_mode(&dir, 0o700)?;
    clean_tmp(root);
    let tmp = dir.join(fsutil::unique_name(TMP_PREFIX));
    let result = (|| -> anyhow::Result<Volume> {
        make_dir(&tmp, 0o700)?;
        make_dir(&tmp.join(DATA_DIR), 0o755)?;
        let volume = Volume {
            mountpoint: data_dir(root, &name),
            name: name.clone(),
            driver: DRIVER_LOCAL.to_string(),
            created_at: now_rfc3339(),
            labels,
            options,
            anonymous,
            needs_copy_up: true,
        };
        fsutil::write_atomic(
            &tmp.join(METADATA_FILE),
            &serde_json::to_vec_pretty(&volume)?,
            0o600,
        )?;
        rename_noreplace(&tmp, &dir.join(&name)).map_err(|e| {
            if matches!(e.raw_os_error(), Some(libc::EEXIST) | Some(libc::ENOTEMPTY)) {
                anyhow::Error::new(VolumeError::Exists(name.clone()))
            } else {
                anyhow::Error::new(e).context(format!("creating volume {name}"))
            }
        })?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(volume)
    })();
    if result.is_err() {
        let _ = fsutil::remove_path(&tmp);
    }
    result
}

/// The volume named `name`, created now if it does not exist (for
/// `-v name:/path`). Returns whether this call created it. Concurrent
/// callers all succeed with the same volume.
pub fn ensure(root: &Path, name: &str) -> anyhow::Result<(Volume, bool)> {
    if !valid_name(name) {
        return Err(VolumeError::InvalidName(name.to_string()).into());
    }
    // A concurrent remove can make the volume vanish between "exists" and
    // "load"; a few rounds settle it.
    for _ in 0..5 {
        if let Some(v) = load(root, name)? {
            return Ok((v, false));
        }
        match create(root, Some(name), BTreeMap::new(), BTreeMap::new(), false) {
            Ok(v) => return Ok((v, true)),
            Err(e) if matches!(volume_error(&e), Some(VolumeError::Exists(_))) => continue,
            Err(e) => return Err(e),
        }
    }
    anyhow::bail!("volume {name} keeps being created and removed concurrently; try again")
}

/// The volume named exactly `name`; None if there is none. Corrupt
/// metadata is an error.
pub fn load(root: &Path, name: &str) -> anyhow::Result<Option<Volume>> {
    if !valid_name(name) {
        return Ok(None);
    }
    let dir = volume_dir(root, name);
    let path = dir.join(METADATA_FILE);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if dir.is_dir() {
                anyhow::bail!("volume {name}: {} is missing", path.display());
            }
            return Ok(None);
        }
        Err(e) => return Err(anyhow::Error::new(e).context(format!("reading {}", path.display()))),
    };
    let mut volume: Volume = serde_json::from_slice(&bytes)
        .with_context(|| format!("volume {name}: corrupt metadata in {}", path.display()))?;
    if volume.name != name {
        anyhow::bail!(
            "volume {name}: metadata in {} names volume {:?}",
            path.display(),
            volume.name
        );
    }
    volume.mountpoint = data_dir(root, name);
    Ok(Some(volume))
}

/// Names of the volume directories, sorted (whether or not their metadata
/// is readable).
pub fn names(root: &Path) -> anyhow::Result<Vec<String>> {
    let dir = volumes_dir(root);
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(anyhow::Error::new(e).context(format!("reading {}", dir.display()))),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if valid_name(&name) && entry.file_type().is_ok_and(|t| t.is_dir()) {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

/// Every volume, sorted by name (as Podman lists them). A volume whose
/// metadata cannot be read is reported on stderr and skipped.
pub fn list(root: &Path) -> anyhow::Result<Vec<Volume>> {
    let mut out = Vec::new();
    for name in names(root)? {
        match load(root, &name) {
            Ok(Some(v)) => out.push(v),
            Ok(None) => {} // removed meanwhile
            Err(e) => crate::log::log(
                crate::log::Level::Warn,
                &format!("skipping volume {name}: {}", crate::error::describe(&e)),
            ),
        }
    }
    Ok(out)
}

/// Resolve a user's volume name as Podman does: the exact name, else the
/// unique volume whose name starts with it.
pub fn resolve_name(root: &Path, input: &str) -> anyhow::Result<String> {
    if valid_name(input) && volume_dir(root, input).is_dir() {
        return Ok(input.to_string());
    }
    let matches: Vec<String> = if valid_name(input) {
        names(root)?
            .into_iter()
            .filter(|n| n.starts_with(input))
            .collect()
    } else {
        Vec::new()
    };
    match matches.len() {
        0 => Err(VolumeError::NotFound(input.to_string()).into()),
        1 => Ok(matches.into_iter().next().unwrap()),
        _ => Err(VolumeError::Ambiguous(input.to_string()).into()),
    }
}

/// Record that the runtime has pre-filled the volume from the image.
pub fn mark_copied_up(root: &Path, name: &str) -> anyhow::Result<()> {
    let mut volume = load(root, name)?.ok_or_else(|| VolumeError::NotFound(name.to_string()))?;
    if !volume.needs_copy_up {
        return Ok(());
    }
    volume.needs_copy_up = false;
    fsutil::write_atomic(
        &volume_dir(root, name).join(METADATA_FILE),
        &serde_json::to_vec_pretty(&volume)?,
        0o600,
    )
}

/// Ids of the containers whose `config.json` mounts the volume's `_data`
/// (or a directory under it), sorted.
pub fn users(root: &Path, name: &str) -> Vec<String> {
    let data = data_dir(root, name);
    let canonical = fs::canonicalize(&data).ok();
    let Ok(entries) = fs::read_dir(root.join("containers")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let id = entry.file_name().to_string_lossy().into_owned();
        if id.starts_with('.') {
            continue;
        }
        let Ok(bytes) = fs::read(entry.path().join("config.json")) else {
            continue;
        };
        let Ok(spec) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            continue;
        };
        let mounts = spec["mounts"].as_array().cloned().unwrap_or_default();
        let uses = mounts.iter().any(|m| {
            m["source"].as_str().is_some_and(|s| {
                let s = Path::new(s);
                s.starts_with(&data) || canonical.as_ref().is_some_and(|c| s.starts_with(c))
            })
        });
        if uses {
            out.push(id);
        }
    }
    out.sort();
    out
}

/// Shared lock the runtime holds from choosing a volume (`ensure`/`load`)
/// until the container's config.json naming it is written, so `remove`
/// and `prune` never delete a volume in that window. Do not call
/// `remove`/`prune` while holding it (they lock exclusively).
pub fn lock_for_use(root: &Path) -> anyhow::Result<Flock<File>> {
    lock(root, FlockArg::LockShared)
}

fn lock(root: &Path, arg: FlockArg) -> anyhow::Result<Flock<File>> {
    let dir = volumes_dir(root);
    fsutil::create_dir_all_mode(&dir, 0o700)?;
    let path = dir.join(LOCK_FILE);
    let file = fsutil::open_lock_file(&path)?;
    Flock::lock(file, arg)
        .map_err(|(_, e)| e)
        .with_context(|| format!("locking {}", path.display()))
}

/// Remove a volume. In use → [`VolumeError::InUse`] (with or without
/// `force`: cove does not remove containers for you; Podman's `--force`
/// does). Unknown → [`VolumeError::NotFound`].
pub fn remove(root: &Path, name: &str, force: bool) -> anyhow::Result<()> {
    if !valid_name(name) || !volume_dir(root, name).is_dir() {
        return Err(VolumeError::NotFound(name.to_string()).into());
    }
    let _lock = lock(root, FlockArg::LockExclusive)?;
    clean_tmp(root);
    remove_locked(root, name, force).map(|_| ())
}

/// Under the exclusive lock: check users, rename away, delete. Returns the
/// bytes the content took.
fn remove_locked(root: &Path, name: &str, force: bool) -> anyhow::Result<u64> {
    let containers = users(root, name);
    if !containers.is_empty() {
        return Err(VolumeError::InUse {
            name: name.to_string(),
            containers,
            force,
        }
        .into());
    }
    let doomed = volumes_dir(root).join(fsutil::unique_name(TMP_RM_PREFIX));
    if let Err(e) = fs::rename(volume_dir(root, name), &doomed) {
        if e.kind() == std::io::ErrorKind::NotFound {
            return Err(VolumeError::NotFound(name.to_string()).into());
        }
        return Err(anyhow::Error::new(e).context(format!("removing volume {name}")));
    }
    let size = disk_usage(&doomed.join(DATA_DIR));
    // Files the container made belong to subordinate ids; unprivileged,
    // deleting them takes cove's user namespace.
    if let Err(e) = crate::sys::userns::remove_tree(&doomed) {
        // The volume is gone from view; what is left is cleaned later.
        crate::log::log(
            crate::log::Level::Warn,
            &format!(
                "volume {name} removed, but deleting {} failed: {e}",
                doomed.display()
            ),
        );
    }
    Ok(size)
}

/// What `prune` removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// Names, in removal (name) order.
    pub removed: Vec<String>,
    /// Bytes of content deleted.
    pub reclaimed: u64,
}

/// Remove every volume that matches `filters` and no container uses;
/// returns the names removed.
pub fn prune(root: &Path, filters: &Filters) -> anyhow::Result<Vec<String>> {
    Ok(prune_report(root, filters)?.removed)
}

/// [`prune`], also reporting the space reclaimed (for `system prune`).
pub fn prune_report(root: &Path, filters: &Filters) -> anyhow::Result<PruneReport> {
    let mut report = PruneReport::default();
    if !volumes_dir(root).is_dir() {
        return Ok(report);
    }
    let _lock = lock(root, FlockArg::LockExclusive)?;
    clean_tmp(root);
    for volume in list(root)? {
        if !filters.matches(root, &volume) {
            continue;
        }
        match remove_locked(root, &volume.name, false) {
            Ok(size) => {
                report.removed.push(volume.name);
                report.reclaimed += size;
            }
            Err(e)
                if matches!(
                    volume_error(&e),
                    Some(VolumeError::InUse { .. } | VolumeError::NotFound(_))
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

/// Bytes used by the files under `path` (not following symlinks).
pub fn disk_usage(path: &Path) -> u64 {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| disk_usage(&e.path()))
        .sum()
}

/// Delete `.tmp-*` entries whose creating process is gone.
pub fn clean_tmp(root: &Path) {
    let Ok(entries) = fs::read_dir(volumes_dir(root)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name
            .strip_prefix(".tmp-rm-")
            .or_else(|| name.strip_prefix(".tmp-"))
        else {
            continue;
        };
        let alive = rest
            .split('-')
            .next()
            .and_then(|p| p.parse::<i32>().ok())
            .is_some_and(fsutil::pid_alive);
        if !alive {
            let _ = fsutil::remove_path(&entry.path());
        }
    }
}

fn make_dir(path: &Path, mode: u32) -> anyhow::Result<()> {
    fs::create_dir(path).with_context(|| format!("creating {}", path.display()))?;
    // Explicitly, whatever the umask.
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .with_context(|| format!("setting the mode of {}", path.display()))
}

/// rename(2) that fails with EEXIST when `to` exists.
fn rename_noreplace(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(from.as_os_str().as_bytes())?;
    let b = CString::new(to.as_os_str().as_bytes())?;
    // SAFETY: two NUL-terminated paths that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let err = std::io::Error::last_os_error();
    match err.raw_os_error() {
        // A filesystem without RENAME_NOREPLACE: rename(2) still refuses a
        // non-empty target, and a volume directory is never empty.
        Some(libc::EINVAL) | Some(libc::ENOSYS) => {
            if fs::symlink_metadata(to).is_ok() {
                return Err(std::io::Error::from_raw_os_error(libc::EEXIST));
            }
            fs::rename(from, to)
        }
        _ => Err(err),
    }
}

fn random_name() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("reading /dev/urandom")?;
    Ok(hex::encode(bytes))
}

/// Now, as Go's RFC3339Nano in the local zone: "2024-05-01T10:20:30.123456789+02:00".
pub fn now_rfc3339() -> String {
    let now = chrono::Local::now().fixed_offset();
    let frac = trimmed_nanos(chrono::Timelike::nanosecond(&now));
    let offset = if now.offset().local_minus_utc() == 0 {
        "Z".to_string()
    } else {
        now.format("%:z").to_string()
    };
    format!("{}{frac}{offset}", now.format("%Y-%m-%dT%H:%M:%S"))
}

/// ".123" for 123000000 ns, "" for 0: Go's ".999999999" layout.
fn trimmed_nanos(nanos: u32) -> String {
    if nanos == 0 {
        return String::new();
    }
    let s = format!(".{nanos:09}");
    s.trim_end_matches('0').to_string()
}

/// Go's `time.Time.String()` for an RFC 3339 time, which Podman's
/// templates show for `{{.CreatedAt}}`: "2024-05-01 10:20:30.123 +0200 CEST".
pub fn go_time_string(rfc3339: &str) -> String {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(rfc3339) else {
        return rfc3339.to_string();
    };
    let offset = t.offset().local_minus_utc();
    let frac = trimmed_nanos(chrono::Timelike::nanosecond(&t));
    let numeric = t.format("%z").to_string();
    // Go names the zone when the offset is the local zone's at that time
    // (or UTC), else it repeats the numeric offset.
    let zone = match local_zone_at(t.timestamp()) {
        Some((abbr, off)) if off == offset => abbr,
        _ if offset == 0 => "UTC".to_string(),
        _ => numeric.clone(),
    };
    format!("{}{frac} {numeric} {zone}", t.format("%Y-%m-%d %H:%M:%S"))
}

/// The local zone's abbreviation and offset at a unix time.
fn local_zone_at(secs: i64) -> Option<(String, i32)> {
    let t = secs as libc::time_t;
    // SAFETY: libc::tm is plain integers and a pointer; all-zero is valid.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: localtime_r reads `t` and fills `tm`, both ours; it is the
    // thread-safe variant.
    if unsafe { libc::localtime_r(&t, &mut tm) }.is_null() || tm.tm_zone.is_null() {
        return None;
    }
    // SAFETY: tm_zone, just checked non-null, points at a NUL-terminated
    // name in libc's static zone data, which outlives this read.
    let abbr = unsafe { std::ffi::CStr::from_ptr(tm.tm_zone) }
        .to_string_lossy()
        .into_owned();
    Some((abbr, tm.tm_gmtoff as i32))
}

// ---------------------------------------------------------------------------
// Filters (`volume ls --filter`, `volume prune --filter`)
// ---------------------------------------------------------------------------

/// Parsed `--filter KEY=VALUE` flags: values of one key are grouped as
/// Podman does (any of them may match, except `label`, where all must), and
/// different keys must all match.
#[derive(Debug, Default)]
pub struct Filters {
    filters: Vec<Filter>,
}

#[derive(Debug)]
enum Filter {
    /// Unanchored regular expressions; an invalid one matches nothing.
    Name(Vec<Option<regex::Regex>>),
    Driver(Vec<String>),
    Scope(Vec<String>),
    Label(Vec<String>),
    NotLabel(Vec<String>),
    Opt(Vec<String>),
    Dangling(Vec<bool>),
    /// Created before this unix time (seconds, fractional).
    Until(f64),
    /// Created after this unix time.
    After(f64),
}

impl Filters {
    /// No filter: everything matches.
    pub fn none() -> Filters {
        Filters::default()
    }

    /// Parse `volume ls` (`prune` false) or `volume prune` filters.
    pub fn parse(root: &Path, raw: &[String], prune: bool) -> anyhow::Result<Filters> {
        let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in raw {
            let (k, v) = f.split_once('=').ok_or_else(|| {
                anyhow::anyhow!("filter input must be in the form of filter=value: {f} is invalid")
            })?;
            grouped
                .entry(k.to_string())
                .or_default()
                .push(v.to_string());
        }
        let mut filters = Vec::new();
        for (key, values) in grouped {
            let list_only = matches!(
                key.as_str(),
                "name" | "driver" | "scope" | "opt" | "dangling"
            );
            if prune && list_only {
                anyhow::bail!("{key:?} is an invalid volume filter");
            }
            filters.push(match key.as_str() {
                "name" => Filter::Name(
                    values
                        .iter()
                        .map(|v| regex::Regex::new(v).ok())
                        .collect(),
                ),
                "driver" => Filter::Driver(values),
                "scope" => Filter::Scope(values),
                "label" => Filter::Label(values),
                "label!" => Filter::NotLabel(values),
                "opt" => Filter::Opt(values),
                "dangling" => Filter::Dangling(
                    values
                        .iter()
                        .map(|v| match v.to_lowercase().as_str() {
                            "true" | "1" => Ok(true),
                            "false" | "0" => Ok(false),
                            _ => Err(anyhow::anyhow!(
                                "{v:?} is not a valid value for the \"dangling\" filter - must be true or false"
                            )),
                        })
                        .collect::<anyhow::Result<_>>()?,
                ),
                "until" => {
                    if values.len() != 1 {
                        anyhow::bail!("specify exactly one timestamp for until");
                    }
                    Filter::Until(parse_timestamp(&values[0])?)
                }
                "after" | "since" => {
                    let mut earliest: Option<f64> = None;
                    for v in &values {
                        let name = resolve_name(root, v)?;
                        let vol = load(root, &name)?
                            .ok_or_else(|| VolumeError::NotFound(v.to_string()))?;
                        let t = created_seconds(&vol);
                        earliest = Some(earliest.map_or(t, |e: f64| e.min(t)));
                    }
                    Filter::After(earliest.unwrap_or(0.0))
                }
                _ => anyhow::bail!("{key:?} is an invalid volume filter"),
            });
        }
        Ok(Filters { filters })
    }

    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    pub fn matches(&self, root: &Path, v: &Volume) -> bool {
        self.filters.iter().all(|f| f.matches(root, v))
    }
}

impl Filter {
    fn matches(&self, root: &Path, v: &Volume) -> bool {
        match self {
            Filter::Name(res) => res.iter().flatten().any(|r| r.is_match(&v.name)),
            Filter::Driver(d) => d.contains(&v.driver),
            Filter::Scope(s) => s.iter().any(|s| s == "local"),
            Filter::Label(l) => labels_match(l, &v.labels),
            Filter::NotLabel(l) => !labels_match(l, &v.labels),
            Filter::Opt(o) => o.iter().any(|o| {
                let (k, val) = o.split_once('=').unwrap_or((o, ""));
                v.options
                    .iter()
                    .any(|(ok, ov)| ok == k && (val.is_empty() || ov == val))
            }),
            Filter::Dangling(d) => {
                let dangling = users(root, &v.name).is_empty();
                d.contains(&dangling)
            }
            Filter::Until(t) => created_seconds(v) < *t,
            Filter::After(t) => created_seconds(v) > *t,
        }
    }
}

/// Podman's label filter: every `KEY` or `KEY=VALUE` must be matched by a
/// label (keys may be globs).
pub fn labels_match(filters: &[String], labels: &BTreeMap<String, String>) -> bool {
    filters.iter().all(|f| {
        let (key, value) = f.split_once('=').unwrap_or((f, ""));
        labels.iter().any(|(k, v)| {
            (value.is_empty() || v == value) && (k == key || glob_match(key, k, Slash::Literal))
        })
    })
}

fn created_seconds(v: &Volume) -> f64 {
    chrono::DateTime::parse_from_rfc3339(&v.created_at)
        .map(|t| t.timestamp() as f64 + f64::from(t.timestamp_subsec_nanos()) / 1e9)
        .unwrap_or(0.0)
}

/// Docker/Podman timestamps for `until`: a Go duration before now ("24h",
/// "1h30m"), unix seconds ("1700000000[.5]"), RFC 3339, or a local date
/// and time ("2024-05-01", "2024-05-01T10:20", "2024-05-01T10:20:30").
pub fn parse_timestamp(value: &str) -> anyhow::Result<f64> {
    let now = chrono::Local::now();
    let now_secs = now.timestamp() as f64 + f64::from(now.timestamp_subsec_nanos()) / 1e9;
    if let Some(nanos) = parse_go_duration_nanos(value) {
        return Ok(now_secs - nanos as f64 / 1e9);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(value) {
        return Ok(t.timestamp() as f64 + f64::from(t.timestamp_subsec_nanos()) / 1e9);
    }
    if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit() || c == '.') {
        if let Ok(s) = value.parse::<f64>() {
            return Ok(s);
        }
    }
    for layout in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d"] {
        let parsed = if layout == "%Y-%m-%d" {
            chrono::NaiveDate::parse_from_str(value, layout)
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        } else {
            chrono::NaiveDateTime::parse_from_str(value, layout).ok()
        };
        if let Some(naive) = parsed {
            if let Some(t) = naive.and_local_timezone(chrono::Local).earliest() {
                return Ok(t.timestamp() as f64 + f64::from(t.timestamp_subsec_nanos()) / 1e9);
            }
        }
    }
    anyhow::bail!("failed to parse value {value:?} as a timestamp or duration")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};

    fn fake_container(root: &Path, id: &str, sources: &[&Path]) {
        let dir = root.join("containers").join(id);
        fs::create_dir_all(&dir).unwrap();
        let mounts: Vec<serde_json::Value> = sources
            .iter()
            .map(|s| serde_json::json!({"destination": "/data", "type": "bind", "source": s}))
            .collect();
        let spec = serde_json::json!({"ociVersion": "1.0.2", "mounts": mounts});
        fs::write(dir.join("config.json"), spec.to_string()).unwrap();
    }

    fn visible(root: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(volumes_dir(root))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != LOCK_FILE)
            .collect();
        v.sort();
        v
    }

    #[test]
    fn names_follow_podman_rule() {
        for good in ["a", "A1", "my_vol.2-x", "0"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", ".tmp-1", "-a", "_a", "a/b", "..", "a b", "é"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn create_lays_out_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let labels = BTreeMap::from([("a".to_string(), "1".to_string())]);
        let v = create(root, Some("data"), labels.clone(), BTreeMap::new(), false).unwrap();
        assert_eq!(v.name, "data");
        assert_eq!(v.driver, "local");
        assert_eq!(v.mountpoint, root.join("volumes/data/_data"));
        assert!(v.needs_copy_up && !v.anonymous);
        assert_eq!(v.labels, labels);
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(&root.join("volumes/data")), 0o700);
        assert_eq!(mode(&root.join("volumes/data/_data")), 0o755);
        assert_eq!(load(root, "data").unwrap(), Some(v.clone()));
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(root.join("volumes/data/volume.json")).unwrap())
                .unwrap();
        assert_eq!(json["Name"], "data");
        assert_eq!(json["NeedsCopyUp"], true);
        assert!(chrono::DateTime::parse_from_rfc3339(json["CreatedAt"].as_str().unwrap()).is_ok());
        // Taken names and bad names.
        let e = create(root, Some("data"), BTreeMap::new(), BTreeMap::new(), false).unwrap_err();
        assert_eq!(volume_error(&e), Some(&VolumeError::Exists("data".into())));
        assert_eq!(
            e.to_string(),
            "volume with name data already exists: volume already exists"
        );
        let e = create(root, Some("../x"), BTreeMap::new(), BTreeMap::new(), false).unwrap_err();
        assert!(e.to_string().contains("names must match"), "{e}");
        // Anonymous volumes get 64 hex characters.
        let anon = create(root, None, BTreeMap::new(), BTreeMap::new(), true).unwrap();
        assert_eq!(anon.name.len(), 64);
        assert!(anon.name.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(load(root, &anon.name).unwrap().unwrap().anonymous);
        // Sorted by name; a random hex name may sort either side of "data".
        let mut expected = vec![anon.name.clone(), "data".to_string()];
        expected.sort();
        assert_eq!(visible(root), expected);
        assert_eq!(
            list(root)
                .unwrap()
                .iter()
                .map(|v| v.name.clone())
                .collect::<Vec<_>>(),
            expected
        );
    }

    #[test]
    fn ensure_creates_once_even_when_racing() {
        let dir = tempfile::tempdir().unwrap();
        let root = Arc::new(dir.path().to_path_buf());
        let n = 8;
        let barrier = Arc::new(Barrier::new(n));
        let handles: Vec<_> = (0..n)
            .map(|_| {
                let root = root.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    ensure(&root, "shared").unwrap()
                })
            })
            .collect();
        let results: Vec<(Volume, bool)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1);
        let first = &results[0].0;
        assert!(results.iter().all(|(v, _)| v == first));
        assert_eq!(visible(&root), vec!["shared".to_string()]);
        let (again, created) = ensure(&root, "shared").unwrap();
        assert!(!created);
        assert_eq!(&again, first);
        assert!(ensure(&root, "bad/name").is_err());
    }

    #[test]
    fn concurrent_creates_one_winner() {
        let dir = tempfile::tempdir().unwrap();
        let root = Arc::new(dir.path().to_path_buf());
        let barrier = Arc::new(Barrier::new(6));
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let root = root.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    create(&root, Some("v"), BTreeMap::new(), BTreeMap::new(), false).is_ok()
                })
            })
            .collect();
        let wins = handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|ok| *ok)
            .count();
        assert_eq!(wins, 1);
        assert_eq!(visible(&root), vec!["v".to_string()]);
    }

    #[test]
    fn remove_refuses_volumes_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let v = create(root, Some("busy"), BTreeMap::new(), BTreeMap::new(), false).unwrap();
        create(root, Some("busy2"), BTreeMap::new(), BTreeMap::new(), false).unwrap();
        fs::write(v.mountpoint.join("file"), b"data").unwrap();
        // A container mounting a subdirectory of the volume, and one
        // mounting a sibling whose name shares the prefix (not a user).
        fake_container(root, "c1", &[&v.mountpoint.join("sub")]);
        fake_container(root, "c2", &[&data_dir(root, "busy2"), Path::new("/etc")]);
        fs::create_dir_all(root.join("containers/broken")).unwrap();
        fs::write(root.join("containers/broken/config.json"), b"{not json").unwrap();
        assert_eq!(users(root, "busy"), vec!["c1".to_string()]);
        for force in [false, true] {
            let e = remove(root, "busy", force).unwrap_err();
            match volume_error(&e) {
                Some(VolumeError::InUse { containers, .. }) => assert_eq!(containers, &["c1"]),
                other => panic!("{other:?}"),
            }
            let text = e.to_string();
            assert!(text.starts_with("volume busy is being used by the following container(s): c1"));
            assert!(text.ends_with(": volume is being used"));
            assert_eq!(text.contains("cove rm"), force);
        }
        assert!(load(root, "busy").unwrap().is_some());
        fs::remove_dir_all(root.join("containers/c1")).unwrap();
        remove(root, "busy", false).unwrap();
        assert!(load(root, "busy").unwrap().is_none());
        assert_eq!(visible(root), vec!["busy2".to_string()]);
        let e = remove(root, "busy", false).unwrap_err();
        assert_eq!(
            volume_error(&e),
            Some(&VolumeError::NotFound("busy".into()))
        );
        assert_eq!(
            e.to_string(),
            "no volume with name \"busy\" found: no such volume"
        );
        // No containers directory at all.
        let other = tempfile::tempdir().unwrap();
        assert!(users(other.path(), "x").is_empty());
    }

    #[test]
    fn prune_removes_unused_matching_volumes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let keep = BTreeMap::from([("keep".to_string(), "yes".to_string())]);
        for name in ["a", "b"] {
            let v = create(root, Some(name), BTreeMap::new(), BTreeMap::new(), false).unwrap();
            fs::write(v.mountpoint.join("f"), vec![0u8; 1000]).unwrap();
        }
        create(root, Some("kept"), keep, BTreeMap::new(), false).unwrap();
        let used = create(root, Some("used"), BTreeMap::new(), BTreeMap::new(), false).unwrap();
        fake_container(root, "c", &[&used.mountpoint]);
        let filters = Filters::parse(root, &["label!=keep".to_string()], true).unwrap();
        let report = prune_report(root, &filters).unwrap();
        assert_eq!(report.removed, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(report.reclaimed, 2000);
        assert_eq!(visible(root), vec!["kept".to_string(), "used".to_string()]);
        assert_eq!(
            prune(root, &Filters::none()).unwrap(),
            vec!["kept".to_string()]
        );
        assert!(prune(root, &Filters::none()).unwrap().is_empty());
        assert!(Filters::parse(root, &["name=x".to_string()], true).is_err());
        // Nothing was ever created: nothing to prune.
        let empty = tempfile::tempdir().unwrap();
        assert!(prune(empty.path(), &Filters::none()).unwrap().is_empty());
    }

    #[test]
    fn corrupt_metadata_is_skipped_in_listings() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        create(root, Some("good"), BTreeMap::new(), BTreeMap::new(), false).unwrap();
        create(root, Some("bad"), BTreeMap::new(), BTreeMap::new(), false).unwrap();
        fs::write(root.join("volumes/bad/volume.json"), b"{\"Name\": tru").unwrap();
        fs::create_dir_all(root.join("volumes/nometa")).unwrap();
        let names: Vec<String> = list(root).unwrap().into_iter().map(|v| v.name).collect();
        assert_eq!(names, vec!["good".to_string()]);
        assert!(load(root, "bad").is_err());
        assert!(load(root, "nometa").is_err());
        // Still removable by name.
        remove(root, "bad", false).unwrap();
        assert!(!root.join("volumes/bad").exists());
    }

    #[test]
    fn stale_temporaries_are_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let vols = volumes_dir(root);
        fs::create_dir_all(&vols).unwrap();
        // pid 2^22+1 is above Linux's pid_max limit: never alive.
        let dead = 4_194_305;
        let mine = std::process::id();
        for name in [
            format!(".tmp-{dead}-0-1"),
            format!(".tmp-rm-{dead}-0-1"),
            format!(".tmp-{mine}-99-1"),
        ] {
            fs::create_dir_all(vols.join(name).join("_data")).unwrap();
        }
        create(root, Some("x"), BTreeMap::new(), BTreeMap::new(), false).unwrap();
        assert_eq!(
            visible(root),
            vec![format!(".tmp-{mine}-99-1"), "x".to_string()]
        );
        assert_eq!(names(root).unwrap(), vec!["x".to_string()]);
    }

    #[test]
    fn copy_up_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let (v, created) = ensure(root, "web").unwrap();
        assert!(created && v.needs_copy_up);
        mark_copied_up(root, "web").unwrap();
        assert!(!load(root, "web").unwrap().unwrap().needs_copy_up);
        assert!(mark_copied_up(root, "nope").is_err());
    }

    #[test]
    fn partial_names_resolve_when_unique() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for n in ["alpha", "alpine", "beta"] {
            create(root, Some(n), BTreeMap::new(), BTreeMap::new(), false).unwrap();
        }
        assert_eq!(resolve_name(root, "beta").unwrap(), "beta");
        assert_eq!(resolve_name(root, "b").unwrap(), "beta");
        assert_eq!(resolve_name(root, "alpha").unwrap(), "alpha");
        let e = resolve_name(root, "alp").unwrap_err();
        assert_eq!(
            volume_error(&e),
            Some(&VolumeError::Ambiguous("alp".into()))
        );
        let e = resolve_name(root, "gamma").unwrap_err();
        assert_eq!(
            volume_error(&e),
            Some(&VolumeError::NotFound("gamma".into()))
        );
        assert!(resolve_name(root, "../volumes").is_err());
    }

    #[test]
    fn filters_like_podman() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let labels = BTreeMap::from([
            ("app".to_string(), "web".to_string()),
            ("tier".to_string(), "front".to_string()),
        ]);
        let opts = BTreeMap::from([("type".to_string(), "tmpfs".to_string())]);
        let web = create(root, Some("web-data"), labels, opts, false).unwrap();
        let db = create(root, Some("db"), BTreeMap::new(), BTreeMap::new(), false).unwrap();
        fake_container(root, "c", &[&db.mountpoint]);
        let check = |raw: &[&str], expect: &[&str]| {
            let raw: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
            let f = Filters::parse(root, &raw, false).unwrap();
            let got: Vec<&str> = [&web, &db]
                .iter()
                .filter(|v| f.matches(root, v))
                .map(|v| v.name.as_str())
                .collect();
            assert_eq!(got, expect, "{raw:?}");
        };
        check(&[], &["web-data", "db"]);
        check(&["name=web"], &["web-data"]);
        check(&["name=^d"], &["db"]);
        check(&["name=web", "name=db"], &["web-data", "db"]);
        check(&["name=["], &[]);
        check(&["label=app"], &["web-data"]);
        check(&["label=app=web", "label=tier=front"], &["web-data"]);
        check(&["label=app=web", "label=tier=back"], &[]);
        check(&["label=ti*"], &["web-data"]);
        check(&["label!=app"], &["db"]);
        check(&["dangling=true"], &["web-data"]);
        check(&["dangling=0"], &["db"]);
        check(&["driver=local"], &["web-data", "db"]);
        check(&["driver=nfs"], &[]);
        check(&["opt=type=tmpfs"], &["web-data"]);
        check(&["opt=type"], &["web-data"]);
        check(&["scope=local", "name=db"], &["db"]);
        check(&["until=1h"], &[]);
        check(&["until=-1h"], &["web-data", "db"]);
        check(&["after=web-data"], &["db"]);
        check(&["since=db"], &[]);
        for bad in ["dangling=maybe", "bogus=1", "noequals", "until=yesterday"] {
            assert!(
                Filters::parse(root, &[bad.to_string()], false).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn go_style_times() {
        assert_eq!(trimmed_nanos(0), "");
        assert_eq!(trimmed_nanos(120_000_000), ".12");
        assert_eq!(trimmed_nanos(1), ".000000001");
        let s = go_time_string("2024-05-01T10:20:30.5Z");
        assert!(s.starts_with("2024-05-01 10:20:30.5 +0000 "), "{s}");
        let s = go_time_string("2024-05-01T10:20:30+05:45");
        assert!(s.starts_with("2024-05-01 10:20:30 +0545 "), "{s}");
        let now = now_rfc3339();
        assert!(chrono::DateTime::parse_from_rfc3339(&now).is_ok(), "{now}");
        assert_eq!(parse_timestamp("1700000000").unwrap(), 1_700_000_000.0);
        assert_eq!(
            parse_timestamp("2023-11-14T22:13:20Z").unwrap(),
            1_700_000_000.0
        );
        assert!(parse_timestamp("2023-11-14").is_ok());
    }
}
