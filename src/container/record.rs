//! Container records on disk: one directory per container under
//! `<root>/containers/<id>/` holding `config.json` (the OCI runtime spec),
//! `container.json` (what cove needs beyond the spec) and `state.json`.
//!
//! Creation is atomic: the directory is built under a temporary name, the
//! name is claimed with a symlink in `containers/names/` (symlink creation
//! either succeeds or finds the name taken), and only then renamed into
//! place. Readers never lock, except that `ps` and `inspect` probe the
//! lock of a record that says `running` ([`ContainerDir::monitor_alive`]):
//! a shared, non-blocking flock dropped at once. Commands that take the
//! lock ([`ContainerDir::try_lock`]) retry for a few milliseconds, so such
//! a probe does not make them fail.

use crate::error::exit_error;
use crate::storage::Driver;
use crate::sys::fsutil::{create_dir_all_mode, unique_name, write_replace};
use crate::sys::userns::IdMaps;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What cove records about a container beyond the runtime spec.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContainerConfig {
    pub id: String,
    pub name: String,
    /// The image as the user named it.
    pub image: String,
    /// The stored name it resolved to, if any.
    pub image_name: Option<String>,
    pub image_id: String,
    pub created: String,
    pub driver: Driver,
    /// Layer `diff` directories, top first.
    pub layers: Vec<PathBuf>,
    pub rm: bool,
    pub interactive: bool,
    pub tty: bool,
    pub init: bool,
    /// Id maps of the container's user namespace; none when it has none.
    pub id_maps: Option<IdMaps>,
    /// The mapping the image's layers were unpacked with.
    pub storage_maps: Option<IdMaps>,
    pub userns: String,
    pub labels: BTreeMap<String, String>,
    pub stop_signal: i32,
    /// Named volumes mounted (name, container path) and whether to fill
    /// each from the image before its first use.
    pub volumes: Vec<VolumeUse>,
    /// Host devices bound in: (host path, container path).
    pub devices: Vec<(PathBuf, String)>,
    /// What the user asked for that the runtime spec does not keep, for
    /// `inspect` and `ps` (default in records written before it existed).
    #[serde(default)]
    pub create_info: CreateInfo,
    /// `--restart`.
    #[serde(default)]
    pub restart: crate::monitor::restart::RestartPolicy,
    /// `--log-driver` and `--log-opt`.
    #[serde(default)]
    pub log: crate::monitor::LogConfig,
    /// Seconds `stop` waits before SIGKILL (`--stop-timeout`).
    #[serde(default = "default_stop_timeout")]
    pub stop_timeout: u64,
    /// `--health-cmd` and friends.
    #[serde(default)]
    pub healthcheck: Option<crate::monitor::health::HealthConfig>,
    /// `--network` (records made before cove had a network: none).
    #[serde(default)]
    pub network: crate::network::NetworkMode,
    /// `-p` and `-P`, as asked (random host ports are picked at each start).
    #[serde(default)]
    pub ports: Vec<crate::network::ports::PortMapping>,
    /// The pod it belongs to (`--pod`), by id (`container::pod`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// A pod's infra container: cove itself, holding the pod's namespaces.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub infra: bool,
}

fn default_stop_timeout() -> u64 {
    10
}

/// Podman's view of a container's configuration that cannot be read back
/// from the runtime spec.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateInfo {
    /// The entrypoint and command the container runs (Podman's
    /// `Config.Entrypoint` and `Config.Cmd`; the spec only has both joined).
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    /// `-u` as given, else the image's `User`.
    pub user: String,
    /// Destinations of the user's mounts (-v, --mount, --tmpfs and the
    /// image's volumes): Podman's `UserVolumes`.
    pub user_volumes: Vec<String>,
    pub privileged: bool,
    pub group_add: Vec<String>,
    pub security_opt: Vec<String>,
    /// The command line that created the container.
    pub create_command: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VolumeUse {
    pub name: String,
    pub destination: String,
    pub anonymous: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Created,
    Running,
    Exited,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Exited => "exited",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub status: Status,
    pub pid: Option<i32>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub exit_code: Option<i32>,
    /// Restarts by the restart policy since the last start.
    #[serde(default)]
    pub restart_count: u32,
    /// The published ports of the running container, host ports resolved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<crate::network::ports::PublishedPort>,
    /// When `pid` started (clock ticks since boot, /proc/<pid>/stat): the
    /// monitor reaps the process a moment before it records the exit, and
    /// in between another process may take the number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_start: Option<u64>,
}

impl State {
    pub fn created() -> State {
        State {
            status: Status::Created,
            pid: None,
            started_at: None,
            finished_at: None,
            exit_code: None,
            restart_count: 0,
            ports: Vec::new(),
            pid_start: None,
        }
    }

    /// The recorded pid while that process still runs: not one that took
    /// the number after it was reaped (records without a start time are
    /// trusted to the pid).
    pub fn live_pid(&self) -> Option<i32> {
        let pid = self.pid.filter(|_| self.status == Status::Running)?;
        let started = process_start(pid)?;
        self.pid_start.is_none_or(|s| s == started).then_some(pid)
    }
}

/// When process `pid` started, in clock ticks since boot (field 22 of
/// /proc/<pid>/stat); None when there is no such process.
pub fn process_start(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the parenthesised name, which may hold spaces: field 3 on.
    let (_, rest) = stat.rsplit_once(") ")?;
    rest.split_whitespace().nth(19)?.parse().ok()
}

pub fn containers_dir(root: &Path) -> PathBuf {
    root.join("containers")
}

fn names_dir(root: &Path) -> PathBuf {
    containers_dir(root).join("names")
}

/// A container's directory and what it holds.
#[derive(Debug, Clone)]
pub struct ContainerDir {
    pub path: PathBuf,
    pub config: ContainerConfig,
}

impl ContainerDir {
    pub fn spec_path(&self) -> PathBuf {
        self.path.join("config.json")
    }
    pub fn rootfs(&self) -> PathBuf {
        self.path.join("rootfs")
    }
    pub fn upper(&self) -> PathBuf {
        self.path.join("upper")
    }
    pub fn work(&self) -> PathBuf {
        self.path.join("work")
    }

    /// The k8s-file log.
    pub fn log_path(&self) -> PathBuf {
        self.path.join("ctr.log")
    }
    pub fn spec(&self) -> anyhow::Result<oci_spec::runtime::Spec> {
        let bytes = std::fs::read(self.spec_path())
            .with_context(|| format!("reading {}", self.spec_path().display()))?;
        serde_json::from_slice(&bytes)
            .with_context(|| format!("parsing {}", self.spec_path().display()))
    }

    pub fn state(&self) -> State {
        std::fs::read(self.path.join("state.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_else(State::created)
    }

    /// Take the container's lock without waiting: held by whoever starts
    /// or runs it, for as long as it runs (the kernel drops it when that
    /// process dies, even by kill -9). None when someone holds it.
    ///
    /// A refusal is retried for up to 15 ms: `ps` and `inspect` take
    /// the lock shared for an instant to tell whether the container's
    /// monitor lives, and that must not look like a running container.
    pub fn try_lock(&self) -> anyhow::Result<Option<ContainerLock>> {
        let mut file = crate::sys::fsutil::open_lock_file(&self.path.join("lock"))?;
        for wait_ms in [1, 2, 4, 8, 0] {
            match nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock) {
                Ok(lock) => return Ok(Some(lock)),
                Err((f, nix::errno::Errno::EWOULDBLOCK)) => file = f,
                Err((_, e)) => return Err(e).context("locking the container"),
            }
            if wait_ms == 0 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(wait_ms));
        }
        Ok(None)
    }

    /// Whether the process that started the container (its monitor: `run`
    /// or `start`) still holds the lock. A record that says `running` whose
    /// lock is free belongs to a monitor that died (killed with -9): its
    /// container died with it (PR_SET_PDEATHSIG).
    ///
    /// Only looks: the lock is taken shared and non-blocking, and dropped
    /// at once; nothing is created or written. [`ContainerDir::try_lock`]
    /// retries briefly, so this instant does not make `start` or `rm` fail.
    pub fn monitor_alive(&self) -> bool {
        use std::os::unix::fs::OpenOptionsExt;
        let Ok(file) = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
            .open(self.path.join("lock"))
        else {
            return false;
        };
        match nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockSharedNonblock) {
            Ok(_released_on_drop) => false,
            Err((_, nix::errno::Errno::EWOULDBLOCK)) => true,
            Err(_) => false,
        }
    }

    /// The host pid of the container's first process while it runs: its
    /// lock is held by the process running it, and its state names the pid.
    /// Only probes the lock ([`ContainerDir::monitor_alive`]): no exclusive
    /// lock, no retry delay (`exec` is on a hot path).
    pub fn running_pid(&self) -> anyhow::Result<Option<i32>> {
        if !self.monitor_alive() {
            return Ok(None);
        }
        Ok(self.state().live_pid())
    }

    pub fn save_state(&self, state: &State) -> anyhow::Result<()> {
        write_replace(
            &self.path.join("state.json"),
            &serde_json::to_vec_pretty(state)?,
            0o600,
        )
    }
}

/// The lock held while a container starts and runs.
pub type ContainerLock = nix::fcntl::Flock<std::fs::File>;

/// A fresh container id: 64 hex characters from the kernel's random pool.
pub fn new_id() -> String {
    let mut bytes = [0u8; 32];
    let mut filled = 0;
    while filled < bytes.len() {
        // SAFETY: getrandom writes at most the given length into the buffer.
        let n = unsafe {
            libc::getrandom(bytes[filled..].as_mut_ptr().cast(), bytes.len() - filled, 0)
        };
        if n > 0 {
            filled += n as usize;
        }
    }
    hex::encode(bytes)
}

/// Podman-style generated names: adjective_noun.
pub fn generated_name(id: &str) -> String {
    const ADJECTIVES: &[&str] = &[
        "brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "keen", "lucid", "merry",
        "nifty", "proud", "quirky", "sharp", "tender", "vibrant", "witty", "zen", "bold", "cool",
    ];
    const NOUNS: &[&str] = &[
        "otter", "heron", "lynx", "finch", "badger", "marten", "falcon", "beaver", "wren",
        "puffin", "ibex", "newt", "stoat", "crane", "koala", "gecko", "orca", "tapir", "yak",
        "zebu",
    ];
    let n = u64::from_str_radix(&id[..12], 16).unwrap_or(0);
    let a = ADJECTIVES[(n % ADJECTIVES.len() as u64) as usize];
    let b = NOUNS[((n / 97) % NOUNS.len() as u64) as usize];
    format!("{a}_{b}")
}

/// Build a container directory with `fill` and publish it atomically
/// under its id and name. A generated name (`name_generated`) that turns
/// out to be taken is replaced by another, as Podman does.
pub fn create(
    root: &Path,
    mut config: ContainerConfig,
    name_generated: bool,
    fill: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<(ContainerDir, ContainerLock)> {
    let dir = containers_dir(root);
    create_dir_all_mode(&names_dir(root), 0o700)?;
    let tmp = dir.join(format!(".tmp-{}", unique_name("create")));
    create_dir_all_mode(&tmp, 0o700)?;
    let result = (|| -> anyhow::Result<(ContainerDir, ContainerLock)> {
        // Locked before anyone can see it, so nothing can remove it between
        // creation and the start `run` does next.
        let lock = nix::fcntl::Flock::lock(
            crate::sys::fsutil::open_lock_file(&tmp.join("lock"))?,
            nix::fcntl::FlockArg::LockExclusiveNonblock,
        )
        .map_err(|(_, e)| e)
        .context("locking the new container")?;
        write_replace(
            &tmp.join("container.json"),
            &serde_json::to_vec_pretty(&config)?,
            0o600,
        )?;
        write_replace(
            &tmp.join("state.json"),
            &serde_json::to_vec_pretty(&State::created())?,
            0o600,
        )?;
        fill(&tmp)?;
        let mut attempts = 0;
        while let Err(e) = claim_name(root, &config.name, &config.id) {
            attempts += 1;
            if !name_generated || attempts > 50 {
                return Err(e);
            }
            config.name = generated_name(&new_id());
            write_replace(
                &tmp.join("container.json"),
                &serde_json::to_vec_pretty(&config)?,
                0o600,
            )?;
        }
        let path = dir.join(&config.id);
        if let Err(e) = std::fs::rename(&tmp, &path) {
            release_name(root, &config.name, &config.id);
            return Err(e).context("publishing the container");
        }
        Ok((ContainerDir { path, config }, lock))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

fn claim_name(root: &Path, name: &str, id: &str) -> anyhow::Result<()> {
    match claim(root, name, id)? {
        None => Ok(()),
        Some(owner) => Err(exit_error(
            125,
            format!(
                "the container name \"{name}\" is already in use by {owner}. You have to remove that container to be able to reuse that name: that name is already in use"
            ),
        )),
    }
}

/// Create the name's symlink to `id`; Some(owner) when the name is taken.
fn claim(root: &Path, name: &str, id: &str) -> anyhow::Result<Option<String>> {
    let link = names_dir(root).join(name);
    match std::os::unix::fs::symlink(format!("../{id}"), &link) {
        Ok(()) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let owner = std::fs::read_link(&link)
                .ok()
                .and_then(|t| t.file_name().map(|f| f.to_string_lossy().to_string()))
                .unwrap_or_default();
            // A name left by a container that no longer exists is free; a
            // fresh one may belong to a container being created right now.
            let stale = std::fs::symlink_metadata(&link)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > std::time::Duration::from_secs(60));
            if stale
                && !owner.is_empty()
                && !containers_dir(root).join(&owner).exists()
                && owner != id
            {
                let _ = std::fs::remove_file(&link);
                return claim(root, name, id);
            }
            Ok(Some(owner))
        }
        Err(e) => Err(e).context("claiming the container name"),
    }
}

/// Give a container a new name, running or not. The new name is claimed
/// first (a name never points at two containers), `container.json` is
/// replaced atomically, then the old name is released. Renames of one
/// container are serialized by its `rename.lock` (its `lock` belongs to
/// whoever runs it).
pub fn rename(root: &Path, container: &ContainerDir, new_name: &str) -> anyhow::Result<()> {
    let _guard = nix::fcntl::Flock::lock(
        crate::sys::fsutil::open_lock_file(&container.path.join("rename.lock"))?,
        nix::fcntl::FlockArg::LockExclusive,
    )
    .map_err(|(_, e)| e)
    .context("locking the container for renaming")?;
    // Read again under the lock: another rename may have just finished.
    let mut current = load_dir(container.path.clone())?;
    let id = current.config.id.clone();
    let old_name = current.config.name.clone();
    if old_name == new_name {
        return Ok(());
    }
    if claim(root, new_name, &id)?.is_some() {
        return Err(exit_error(
            125,
            format!(
                "renaming container {id}: name {new_name} already in use, cannot rename container {id}: container already exists"
            ),
        ));
    }
    current.config.name = new_name.to_string();
    let written = serde_json::to_vec_pretty(&current.config)
        .map_err(anyhow::Error::from)
        .and_then(|bytes| write_replace(&current.path.join("container.json"), &bytes, 0o600));
    if let Err(e) = written {
        release_name(root, new_name, &id);
        return Err(e.context(format!("renaming container {id}")));
    }
    release_name(root, &old_name, &id);
    Ok(())
}

/// Change the container's recorded configuration with `change`, under
/// the lock `rename` takes (read again under it), written atomically.
pub fn update_config(
    container: &ContainerDir,
    change: impl FnOnce(&mut ContainerConfig) -> anyhow::Result<()>,
) -> anyhow::Result<ContainerConfig> {
    let _guard = nix::fcntl::Flock::lock(
        crate::sys::fsutil::open_lock_file(&container.path.join("rename.lock"))?,
        nix::fcntl::FlockArg::LockExclusive,
    )
    .map_err(|(_, e)| e)
    .context("locking the container's record")?;
    let mut current = load_dir(container.path.clone())?;
    change(&mut current.config)?;
    let bytes = serde_json::to_vec_pretty(&current.config)?;
    write_replace(&current.path.join("container.json"), &bytes, 0o600)?;
    Ok(current.config)
}

fn release_name(root: &Path, name: &str, id: &str) {
    let link = names_dir(root).join(name);
    if std::fs::read_link(&link).is_ok_and(|t| t.ends_with(id)) {
        let _ = std::fs::remove_file(link);
    }
}

fn load_dir(path: PathBuf) -> anyhow::Result<ContainerDir> {
    let bytes = std::fs::read(path.join("container.json"))
        .with_context(|| format!("reading {}", path.display()))?;
    let config =
        serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))?;
    Ok(ContainerDir { path, config })
}

/// Find a container by name, full id or unique id prefix.
pub fn lookup(root: &Path, name_or_id: &str) -> anyhow::Result<ContainerDir> {
    let dir = containers_dir(root);
    if !name_or_id.is_empty() && !name_or_id.contains('/') && !name_or_id.starts_with('.') {
        let by_name = names_dir(root).join(name_or_id);
        if let Ok(target) = std::fs::read_link(&by_name) {
            if let Some(id) = target.file_name() {
                let path = dir.join(id);
                if path.exists() {
                    return load_dir(path);
                }
            }
        }
        if name_or_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            let matches: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map(|rd| {
                    rd.filter_map(|e| e.ok())
                        .filter(|e| e.file_name().to_string_lossy().starts_with(name_or_id))
                        .map(|e| e.path())
                        .collect()
                })
                .unwrap_or_default();
            match matches.len() {
                1 => return load_dir(matches.into_iter().next().unwrap_or_default()),
                0 => {}
                _ => {
                    return Err(exit_error(
                        125,
                        format!(
                            "more than one container matches \"{name_or_id}\"; give more of the id"
                        ),
                    ))
                }
            }
        }
    }
    Err(exit_error(
        125,
        format!("no container with name or ID \"{name_or_id}\" found: no such container"),
    ))
}

/// All containers, in no particular order; unreadable ones are skipped.
pub fn list(root: &Path) -> Vec<ContainerDir> {
    let Ok(entries) = std::fs::read_dir(containers_dir(root)) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit())
        })
        .filter_map(|e| load_dir(e.path()).ok())
        .collect()
}

/// Remove a container's directory and free its name. The directory is
/// first renamed away so a crash never leaves half a container visible.
pub fn remove(root: &Path, container: &ContainerDir) -> anyhow::Result<()> {
    let graveyard = containers_dir(root).join(format!(".tmp-{}", unique_name("rm")));
    std::fs::rename(&container.path, &graveyard).context("removing the container")?;
    // The name on disk: a rename may have happened since `container` was read.
    if let Ok(now) = load_dir(graveyard.clone()) {
        release_name(root, &now.config.name, &container.config.id);
    }
    release_name(root, &container.config.name, &container.config.id);
    crate::sys::userns::remove_tree(&graveyard)
}

/// Remove leftovers of interrupted creations and removals.
pub fn clean_tmp(root: &Path) {
    let Ok(entries) = std::fs::read_dir(containers_dir(root)) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().to_string();
        if let Some(rest) = name.strip_prefix(".tmp-") {
            if crate::sys::fsutil::owner_pid(rest)
                .is_some_and(|pid| !crate::sys::fsutil::pid_alive(pid))
            {
                let _ = crate::sys::userns::remove_tree(&e.path());
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A plain record for tests elsewhere too.
    pub(crate) fn config(id: &str, name: &str) -> ContainerConfig {
        ContainerConfig {
            id: id.into(),
            name: name.into(),
            image: "img".into(),
            image_name: None,
            image_id: "sha256:00".into(),
            created: "2026-01-01T00:00:00Z".into(),
            driver: Driver::Vfs,
            layers: vec![],
            rm: false,
            interactive: false,
            tty: false,
            init: false,
            id_maps: None,
            storage_maps: None,
            userns: String::new(),
            labels: BTreeMap::new(),
            stop_signal: 15,
            volumes: vec![],
            devices: vec![],
            create_info: CreateInfo::default(),
            restart: Default::default(),
            log: Default::default(),
            stop_timeout: 10,
            healthcheck: None,
            network: Default::default(),
            ports: Vec::new(),
            pod: None,
            infra: false,
        }
    }

    #[test]
    fn process_start_is_stable_and_absent_for_no_process() {
        let me = std::process::id() as i32;
        let start = process_start(me);
        assert!(start.is_some());
        assert_eq!(process_start(me), start);
        assert_eq!(process_start(i32::MAX), None);
    }

    #[test]
    fn names_are_claimed_once() {
        let root = tempfile::tempdir().unwrap();
        let a = new_id();
        let b = new_id();
        let (made, _) = create(root.path(), config(&a, "web"), false, |_| Ok(())).unwrap();
        let err = create(root.path(), config(&b, "web"), false, |_| Ok(())).unwrap_err();
        assert!(format!("{err:#}").contains("already in use"));
        assert_eq!(list(root.path()).len(), 1);
        assert_eq!(lookup(root.path(), "web").unwrap().config.id, a);
        assert_eq!(lookup(root.path(), &a[..8]).unwrap().config.id, a);
        remove(root.path(), &made).unwrap();
        assert!(lookup(root.path(), "web").is_err());
        create(root.path(), config(&b, "web"), false, |_| Ok(())).unwrap();
    }

    #[test]
    fn failed_fill_leaves_nothing() {
        let root = tempfile::tempdir().unwrap();
        let id = new_id();
        assert!(
            create(root.path(), config(&id, "x"), false, |_| anyhow::bail!(
                "boom"
            ))
            .is_err()
        );
        let left: Vec<_> = std::fs::read_dir(containers_dir(root.path()))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name() != "names")
            .collect();
        assert!(left.is_empty());
        assert!(std::fs::read_dir(names_dir(root.path()))
            .unwrap()
            .next()
            .is_none());
    }

    #[test]
    fn taken_generated_names_are_replaced() {
        let root = tempfile::tempdir().unwrap();
        create(
            root.path(),
            config(&new_id(), "same_name"),
            true,
            |_| Ok(()),
        )
        .unwrap();
        let (second, _) = create(
            root.path(),
            config(&new_id(), "same_name"),
            true,
            |_| Ok(()),
        )
        .unwrap();
        assert_ne!(second.config.name, "same_name");
        assert_eq!(
            lookup(root.path(), &second.config.name).unwrap().config.id,
            second.config.id
        );
    }

    #[test]
    fn monitor_probe_and_lock() {
        let root = tempfile::tempdir().unwrap();
        let (c, lock) = create(root.path(), config(&new_id(), "m"), false, |_| Ok(())).unwrap();
        // Held from creation by whoever will start it.
        assert!(c.monitor_alive());
        assert!(c.try_lock().unwrap().is_none());
        drop(lock);
        assert!(!c.monitor_alive());
        let held = c.try_lock().unwrap().unwrap();
        assert!(c.monitor_alive());
        drop(held);
        // A probe's instant does not make a taker fail.
        let probe = nix::fcntl::Flock::lock(
            std::fs::File::open(c.path.join("lock")).unwrap(),
            nix::fcntl::FlockArg::LockSharedNonblock,
        )
        .unwrap();
        let together = std::sync::Arc::new(std::sync::Barrier::new(2));
        let release = {
            let together = together.clone();
            std::thread::spawn(move || {
                together.wait();
                drop(probe)
            })
        };
        together.wait();
        assert!(c.try_lock().unwrap().is_some());
        release.join().unwrap();
        // No lock file: nothing to probe, and nothing created.
        std::fs::remove_file(c.path.join("lock")).unwrap();
        assert!(!c.monitor_alive());
        assert!(!c.path.join("lock").exists());
    }

    #[test]
    fn renames_claim_then_release() {
        // Names that are not hex: a hex name also matches ids by prefix.
        let root = tempfile::tempdir().unwrap();
        let (a, _) = create(root.path(), config(&new_id(), "one"), false, |_| Ok(())).unwrap();
        let (b, _) = create(root.path(), config(&new_id(), "two"), false, |_| Ok(())).unwrap();
        let err = rename(root.path(), &a, "two").unwrap_err();
        assert_eq!(crate::error::exit_code(&err), 125);
        assert!(format!("{err:#}").contains("already in use"));
        rename(root.path(), &a, "one").unwrap();
        rename(root.path(), &a, "three").unwrap();
        assert_eq!(lookup(root.path(), "three").unwrap().config.id, a.config.id);
        assert!(lookup(root.path(), "one").is_err());
        // The stale in-memory record still removes the name it has now.
        remove(root.path(), &a).unwrap();
        assert!(!names_dir(root.path()).join("three").exists());
        // The old name is free for others.
        rename(root.path(), &b, "one").unwrap();
        assert_eq!(lookup(root.path(), "one").unwrap().config.id, b.config.id);
    }

    #[test]
    fn generated_names_look_like_podmans() {
        let n = generated_name(&new_id());
        assert!(n.contains('_'));
    }
}
