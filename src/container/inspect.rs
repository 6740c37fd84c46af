//! Podman's view of a container: its live state (the record, corrected by
//! a look at the monitor's lock), the `inspect` document in Podman 4's
//! shape, and disk sizes. `ps` and `inspect` share it.

use super::record::{ContainerDir, State, Status};
use crate::image::store::ImageEntry;
use crate::network::NetworkMode;
use crate::storage::Driver;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// Go's zero `time.Time`, as JSON shows it and in unix seconds: what Podman
/// reports for times that never happened (a container never started).
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";
pub const ZERO_UNIX: i64 = -62135596800;

/// The exit code reported for a container whose monitor (`cove run` or
/// `cove start`) was killed: the kernel killed the container with it
/// (PR_SET_PDEATHSIG is SIGKILL), so 128 + 9, what the monitor would have
/// recorded.
pub const MONITOR_DIED_EXIT: i32 = 137;

/// A container's state as `ps` and `inspect` report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    pub status: Status,
    pub pid: Option<i32>,
    pub exit_code: i32,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub restart_count: u32,
    /// The health state, for a running container with a health check.
    pub health: Option<crate::monitor::health::HealthState>,
    /// Published ports of a running container, host ports resolved.
    pub ports: Vec<crate::network::ports::PublishedPort>,
    /// Why a running container's root filesystem fails (the fuse
    /// driver's server reported an error or is gone).
    pub storage_error: Option<String>,
    /// Running, but stopped by `pause`.
    pub paused: bool,
}

impl Live {
    /// The state as recorded, trusted as is.
    pub fn from_state(state: &State) -> Live {
        Live {
            status: state.status,
            pid: if state.status == Status::Running {
                state.pid
            } else {
                None
            },
            exit_code: state.exit_code.unwrap_or(0),
            started_at: state.started_at.clone(),
            finished_at: state.finished_at.clone(),
            restart_count: state.restart_count,
            health: None,
            ports: if state.status == Status::Running {
                state.ports.clone()
            } else {
                Vec::new()
            },
            storage_error: None,
            paused: false,
        }
    }

    /// A record that says running but whose monitor is gone. Nobody saw
    /// the end, so the finish time is not known: the start time stands in
    /// (a stable lower bound; the record itself is not rewritten).
    pub fn monitor_died(state: &State) -> Live {
        Live {
            status: Status::Exited,
            pid: None,
            exit_code: MONITOR_DIED_EXIT,
            started_at: state.started_at.clone(),
            finished_at: state.started_at.clone(),
            restart_count: state.restart_count,
            health: None,
            ports: Vec::new(),
            storage_error: None,
            paused: false,
        }
    }

    pub fn running(&self) -> bool {
        self.status == Status::Running
    }

    /// Podman's state name: the recorded status, or "paused".
    pub fn state_name(&self) -> &'static str {
        if self.paused {
            "paused"
        } else {
            self.status.as_str()
        }
    }
}

/// The live state of `container`: its state.json, except that `running`
/// is believed only while the monitor holds the container's lock (probed
/// shared and non-blocking, see [`ContainerDir::monitor_alive`]). Nothing
/// is written: a dead monitor's record stays as it is.
pub fn live(container: &ContainerDir) -> Live {
    let state = container.state();
    if state.status != Status::Running || container.monitor_alive() {
        let mut live = Live::from_state(&state);
        live.paused = live.running() && crate::container::pause::is_paused(container);
        if live.running() && container.config.healthcheck.is_some() {
            live.health = crate::monitor::health::load(&container.path)
                .or_else(|| Some(crate::monitor::health::HealthState::starting()));
        }
        // The server also ends when the container does, a moment before
        // the exit is recorded: only a live container's dead server counts.
        if container.config.driver == crate::storage::Driver::Fuse && state.live_pid().is_some() {
            live.storage_error = crate::storage::fuse::server::failure(&container.path);
        }
        return live;
    }
    // A monitor records the exit before it lets go of the lock, so a
    // container that just ended normally now says so.
    let again = container.state();
    if again.status != Status::Running {
        return Live::from_state(&again);
    }
    Live::monitor_died(&again)
}

// ---------------------------------------------------------------------------
// Ordered JSON documents
// ---------------------------------------------------------------------------

/// A JSON document whose objects keep their fields in the order written
/// (serde_json's maps sort their keys), so output follows Podman's struct
/// field order.
#[derive(Debug, Clone, PartialEq)]
pub enum Doc {
    Leaf(Value),
    Obj(Vec<(&'static str, Doc)>),
    Arr(Vec<Doc>),
}

impl From<Value> for Doc {
    fn from(v: Value) -> Doc {
        Doc::Leaf(v)
    }
}

impl From<Vec<Doc>> for Doc {
    fn from(v: Vec<Doc>) -> Doc {
        Doc::Arr(v)
    }
}

/// `obj! { "Key": value, ... }`: a [`Doc::Obj`]; values are `Doc`s or
/// `serde_json::Value`s.
macro_rules! obj {
    ($($k:literal : $v:expr),* $(,)?) => {
        $crate::container::inspect::Doc::Obj(vec![
            $(($k, $crate::container::inspect::Doc::from($v))),*
        ])
    };
}
pub(crate) use obj;

impl Doc {
    /// The same document as a `serde_json::Value` (for templates, where
    /// order does not matter).
    pub fn to_value(&self) -> Value {
        match self {
            Doc::Leaf(v) => v.clone(),
            Doc::Obj(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_value()))
                    .collect(),
            ),
            Doc::Arr(items) => Value::Array(items.iter().map(Doc::to_value).collect()),
        }
    }

    /// The field `key` of an object.
    pub fn field(&self, key: &str) -> Option<&Doc> {
        match self {
            Doc::Obj(fields) => fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl Serialize for Doc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Doc::Leaf(v) => v.serialize(s),
            Doc::Obj(fields) => {
                let mut m = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            Doc::Arr(items) => {
                let mut q = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    q.serialize_element(v)?;
                }
                q.end()
            }
        }
    }
}

/// JSON with Go's `MarshalIndent`/`SetIndent` layout and `indent`
/// (`ps` uses two spaces, `inspect` five).
pub fn to_json<T: Serialize + ?Sized>(value: &T, indent: &[u8]) -> anyhow::Result<String> {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(indent);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    value.serialize(&mut ser)?;
    Ok(String::from_utf8(buf)?)
}

// ---------------------------------------------------------------------------
// Times
// ---------------------------------------------------------------------------

fn parse_time(t: Option<&str>) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    t.and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
}

/// A recorded time as Go marshals a `time.Time` (RFC 3339 with trailing
/// zeros of the fraction dropped, `Z` for UTC); Go's zero time when none.
pub fn go_json_time(t: Option<&str>) -> String {
    let Some(t) = parse_time(t) else {
        return ZERO_TIME.to_string();
    };
    let nanos = chrono::Timelike::nanosecond(&t);
    let frac = if nanos == 0 {
        String::new()
    } else {
        format!(".{nanos:09}").trim_end_matches('0').to_string()
    };
    let zone = if t.offset().local_minus_utc() == 0 {
        "Z".to_string()
    } else {
        t.format("%:z").to_string()
    };
    format!("{}{frac}{zone}", t.format("%Y-%m-%dT%H:%M:%S"))
}

/// A recorded time as a template shows a `time.Time` (Go's `String()`).
pub fn go_time_string(t: Option<&str>) -> String {
    crate::storage::volume::go_time_string(&go_json_time(t))
}

/// Unix seconds of a recorded time; Go's zero time when none.
pub fn unix_time(t: Option<&str>) -> i64 {
    parse_time(t).map_or(ZERO_UNIX, |t| t.timestamp())
}

// ---------------------------------------------------------------------------
// Sizes
// ---------------------------------------------------------------------------

/// `--size`: what the container wrote (Podman's `SizeRw`/`rwSize`) and its
/// whole root filesystem (`SizeRootFs`/`rootFsSize`), in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    pub rw: u64,
    pub root_fs: u64,
}

/// Sizes of `container` whose image is `image_size` bytes. Overlay: the
/// upper directory, on top of the image. Vfs: the root filesystem copy,
/// which holds the image too (the image's size until the first start
/// makes it). Files owned by subordinate ids are counted when they can be
/// seen; unreadable directories count as empty.
pub fn sizes(container: &ContainerDir, image_size: u64) -> Sizes {
    match container.config.driver {
        Driver::Overlay | Driver::Fuse => {
            let rw = disk_usage(&container.upper());
            Sizes {
                rw,
                root_fs: image_size + rw,
            }
        }
        Driver::Vfs => {
            if container.path.join("rootfs.done").exists() {
                let rw = disk_usage(&container.rootfs());
                Sizes { rw, root_fs: rw }
            } else {
                Sizes {
                    rw: 0,
                    root_fs: image_size,
                }
            }
        }
    }
}

/// Bytes under `root` (not counting `root` itself), each inode once, as
/// containers/storage's `directory.Size` counts them.
pub fn disk_usage(root: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let mut seen = HashSet::new();
    let mut total = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            if meta.nlink() > 1 && !meta.is_dir() && !seen.insert((meta.dev(), meta.ino())) {
                continue;
            }
            total += meta.len();
            if meta.is_dir() {
                stack.push(entry.path());
            }
        }
    }
    total
}

// ---------------------------------------------------------------------------
// inspect
// ---------------------------------------------------------------------------

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// One of the user's mounts, read from the runtime spec.
#[derive(Debug, Clone, PartialEq)]
pub struct UserMount {
    pub kind: String,
    /// The named volume, for volume mounts.
    pub volume: Option<String>,
    pub source: String,
    pub destination: String,
    pub options: Vec<String>,
}

/// The user's mounts (Podman's `UserVolumes`) in the spec's order.
pub fn user_mounts(container: &ContainerDir, spec: &Value) -> Vec<UserMount> {
    let wanted = &container.config.create_info.user_volumes;
    let mut out = Vec::new();
    for m in spec["mounts"].as_array().into_iter().flatten() {
        let destination = m["destination"].as_str().unwrap_or_default().to_string();
        if !wanted.contains(&destination) {
            continue;
        }
        let volume = container
            .config
            .volumes
            .iter()
            .find(|v| v.destination == destination)
            .map(|v| v.name.clone());
        out.push(UserMount {
            kind: m["type"].as_str().unwrap_or("bind").to_string(),
            volume,
            source: m["source"].as_str().unwrap_or_default().to_string(),
            destination,
            options: strings(&m["options"]),
        });
    }
    out
}

/// Podman's `InspectMount` for a bind or volume mount (tmpfs mounts are
/// not listed there).
fn inspect_mount(m: &UserMount) -> Doc {
    let mut rw = true;
    let mut propagation = String::new();
    let mut mode = String::new();
    let mut options = Vec::new();
    for o in &m.options {
        match o.as_str() {
            "ro" => rw = false,
            "rw" => {}
            "shared" | "slave" | "private" | "rshared" | "rslave" | "rprivate" | "unbindable"
            | "runbindable" => propagation = o.clone(),
            "z" | "Z" => mode = o.clone(),
            _ => options.push(o.clone()),
        }
    }
    // Binds are private unless the user said otherwise (cove makes the
    // container's root private before mounting), which Podman spells out.
    if propagation.is_empty() {
        propagation = "rprivate".into();
    }
    match &m.volume {
        Some(name) => obj! {
            "Type": json!("volume"),
            "Name": json!(name),
            "Source": json!(m.source),
            "Destination": json!(m.destination),
            "Driver": json!("local"),
            "Mode": json!(mode),
            "Options": json!(options),
            "RW": json!(rw),
            "Propagation": json!(propagation),
        },
        None => obj! {
            "Type": json!("bind"),
            "Source": json!(m.source),
            "Destination": json!(m.destination),
            "Driver": json!(""),
            "Mode": json!(mode),
            "Options": json!(options),
            "RW": json!(rw),
            "Propagation": json!(propagation),
        },
    }
}

/// Capabilities added to and dropped from Podman's default set, read from
/// the spec's bounding set as Podman does (none for --privileged).
fn cap_changes(spec: &Value, privileged: bool) -> (Vec<String>, Vec<String>) {
    if privileged {
        return (Vec::new(), Vec::new());
    }
    let bounding = strings(&spec["process"]["capabilities"]["bounding"]);
    let defaults = crate::runtime::caps::DEFAULT_CAPS;
    let mut add: Vec<String> = bounding
        .iter()
        .filter(|c| !defaults.contains(&c.as_str()))
        .cloned()
        .collect();
    let mut drop: Vec<String> = defaults
        .iter()
        .filter(|c| !bounding.iter().any(|b| b == *c))
        .map(|c| c.to_string())
        .collect();
    add.sort();
    drop.sort();
    (add, drop)
}

/// Podman's port map: `{"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}`
/// (a random port not yet chosen has an empty HostPort).
fn port_map(ports: &[crate::network::ports::PublishedPort]) -> Value {
    let mut map = serde_json::Map::new();
    for p in ports {
        let key = format!("{}/{}", p.container_port, p.protocol.as_str());
        let entry = map.entry(key).or_insert_with(|| json!([]));
        if let Some(list) = entry.as_array_mut() {
            list.push(json!({
                "HostIp": p.host_ip.map(|ip| ip.to_string()).unwrap_or_default(),
                "HostPort": if p.host_port == 0 { String::new() } else { p.host_port.to_string() },
            }));
        }
    }
    Value::Object(map)
}

fn has_namespace(spec: &Value, kind: &str) -> bool {
    spec["linux"]["namespaces"].as_array().is_some_and(|ns| {
        ns.iter()
            .any(|n| n["type"] == kind && n.get("path").is_none())
    })
}

/// Podman's `inspect` document for a container (Podman 4's fields, in its
/// order; what cove has no notion of is empty or zero, as Podman shows it
/// for a container without that feature). `image` is the image's catalog
/// entry (for its digest and size) when it is still there.
pub fn inspect_doc(
    container: &ContainerDir,
    live: &Live,
    image: Option<&ImageEntry>,
    with_size: bool,
) -> anyhow::Result<Doc> {
    let bytes = std::fs::read(container.spec_path())?;
    let spec: Value = serde_json::from_slice(&bytes)?;
    doc_from_spec(container, &spec, live, image, with_size)
}

/// The inspect document of a container whose OCI spec is `spec` (read
/// from its bundle by [`inspect_doc`]; an empty one for `--format`
/// completion, which needs the fields and not their values).
pub fn doc_from_spec(
    container: &ContainerDir,
    spec: &Value,
    live: &Live,
    image: Option<&ImageEntry>,
    with_size: bool,
) -> anyhow::Result<Doc> {
    let config = &container.config;
    let info = &config.create_info;
    let args = strings(&spec["process"]["args"]);
    let (path, rest) = match args.split_first() {
        Some((p, r)) => (p.clone(), r.to_vec()),
        None => (String::new(), Vec::new()),
    };
    let path_of = |name: &str| container.path.join(name).display().to_string();
    let mounts = user_mounts(container, spec);
    let image_name = config.image_name.clone().unwrap_or(config.image.clone());
    let image_id = crate::util::digest::short_id_full(&config.image_id).to_string();

    let state = obj! {
        "OciVersion": spec["ociVersion"].clone(),
        "Status": json!(live.state_name()),
        "Running": json!(live.running()),
        "Paused": json!(live.paused),
        "Restarting": json!(false),
        "OOMKilled": json!(false),
        "Dead": json!(false),
        "Pid": json!(live.pid.unwrap_or(0)),
        "ExitCode": json!(live.exit_code),
        "Error": json!(live
            .storage_error
            .clone()
            .or_else(|| crate::storage::fuse::server::last_error(&container.path))
            .unwrap_or_default()),
        "StartedAt": json!(go_json_time(live.started_at.as_deref())),
        "FinishedAt": json!(go_json_time(live.finished_at.as_deref())),
        "Health": match &live.health {
            Some(h) => obj! {
                "Status": json!(h.status),
                "FailingStreak": json!(h.failing_streak),
                "Log": json!(h.log),
            },
            None => obj! {
                "Status": json!(""),
                "FailingStreak": json!(0),
                "Log": Value::Null,
            },
        },
        "CheckpointedAt": json!(ZERO_TIME),
        "RestoredAt": json!(ZERO_TIME),
    };

    let graph_driver = match config.driver {
        Driver::Overlay | Driver::Fuse => obj! {
            "Name": json!(config.driver.name()),
            "Data": obj! {
                "LowerDir": json!(config
                    .layers
                    .iter()
                    .map(|l| l.display().to_string())
                    .collect::<Vec<_>>()
                    .join(":")),
                "MergedDir": json!(container.rootfs().display().to_string()),
                "UpperDir": json!(container.upper().display().to_string()),
                "WorkDir": json!(container.work().display().to_string()),
            },
        },
        Driver::Vfs => obj! { "Name": json!("vfs"), "Data": Value::Null },
    };

    let mut inspect_mounts: Vec<Doc> = Vec::new();
    // Podman lists named volumes first, then binds.
    for m in mounts.iter().filter(|m| m.volume.is_some()) {
        inspect_mounts.push(inspect_mount(m));
    }
    for m in mounts
        .iter()
        .filter(|m| m.volume.is_none() && m.kind != "tmpfs")
    {
        inspect_mounts.push(inspect_mount(m));
    }

    // Records made before cove had a network say none; the spec knows.
    // User networks: Podman's mode name is "bridge".
    let network_mode = match &config.network {
        NetworkMode::None if !has_namespace(spec, "network") => "host".to_string(),
        NetworkMode::Container { id } => format!("container:{id}"),
        mode => mode.name().to_string(),
    };
    let slirp = matches!(config.network, NetworkMode::Slirp(_)) && live.running();
    let (gateway, address, prefix_len, mac) = if slirp {
        let mac = crate::network::GUEST_MAC
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":");
        (
            crate::network::GATEWAY_IP.to_string(),
            crate::network::CONTAINER_IP.to_string(),
            crate::network::PREFIX_LEN,
            mac,
        )
    } else {
        Default::default()
    };
    let published = if live.running() {
        live.ports.clone()
    } else {
        Vec::new()
    };
    let network_settings = obj! {
        "EndpointID": json!(""),
        "Gateway": json!(gateway),
        "IPAddress": json!(address),
        "IPPrefixLen": json!(prefix_len),
        "IPv6Gateway": json!(""),
        "GlobalIPv6Address": json!(""),
        "GlobalIPv6PrefixLen": json!(0),
        "MacAddress": json!(mac),
        "Bridge": json!(""),
        "SandboxID": json!(""),
        "HairpinMode": json!(false),
        "LinkLocalIPv6Address": json!(""),
        "LinkLocalIPv6PrefixLen": json!(0),
        "Ports": port_map(&published),
        "SandboxKey": json!(""),
        "Networks": user_networks(container, &config.network, live.running()),
    };

    let config_doc = obj! {
        "Hostname": spec["hostname"].clone(),
        "Domainname": json!(""),
        "User": json!(info.user),
        "AttachStdin": json!(false),
        "AttachStdout": json!(false),
        "AttachStderr": json!(false),
        "Tty": json!(config.tty),
        "OpenStdin": json!(config.interactive),
        "StdinOnce": json!(false),
        "Env": json!(strings(&spec["process"]["env"])),
        "Cmd": json!(if info.cmd.is_empty() && info.entrypoint.is_empty() {
            args.clone()
        } else {
            info.cmd.clone()
        }),
        "Image": json!(image_name),
        "Volumes": Value::Null,
        "WorkingDir": spec["process"]["cwd"].clone(),
        "Entrypoint": json!(info.entrypoint.join(" ")),
        "OnBuild": Value::Null,
        "Labels": json!(config.labels),
        "Annotations": json!(string_map(&spec["annotations"])),
        "StopSignal": json!(config.stop_signal),
        "Healthcheck": match &config.healthcheck {
            Some(h) => json!({
                "Test": h.test,
                "Interval": h.interval.as_nanos() as u64,
                "Timeout": h.timeout.as_nanos() as u64,
                "StartPeriod": h.start_period.as_nanos() as u64,
                "Retries": h.retries,
            }),
            None => Value::Null,
        },
        "HealthcheckOnFailureAction": json!("none"),
        "CreateCommand": json!(info.create_command),
        "Umask": json!("0022"),
        "Timeout": json!(0),
        "StopTimeout": json!(config.stop_timeout),
    };

    let mut binds = Vec::new();
    let mut tmpfs = BTreeMap::new();
    // Named volumes first, as Podman lists them.
    let (named, others): (Vec<&UserMount>, Vec<&UserMount>) =
        mounts.iter().partition(|m| m.volume.is_some());
    for m in named.into_iter().chain(others) {
        let source = m.volume.as_ref().unwrap_or(&m.source);
        if m.kind == "tmpfs" {
            tmpfs.insert(m.destination.clone(), m.options.join(","));
        } else if m.options.is_empty() {
            binds.push(format!("{source}:{}", m.destination));
        } else {
            binds.push(format!(
                "{source}:{}:{}",
                m.destination,
                m.options.join(",")
            ));
        }
    }
    let (cap_add, cap_drop) = cap_changes(spec, info.privileged);
    let ulimits: Vec<Doc> = spec["process"]["rlimits"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            obj! {
                "Name": r["type"].clone(),
                "Soft": r["soft"].clone(),
                "Hard": r["hard"].clone(),
            }
        })
        .collect();
    let devices: Vec<Doc> = config
        .devices
        .iter()
        .map(|(host, inside)| {
            obj! {
                "PathOnHost": json!(host.display().to_string()),
                "PathInContainer": json!(inside),
                "CgroupPermissions": json!(""),
            }
        })
        .collect();
    let private_or_host = |ns: &str| {
        json!(if has_namespace(spec, ns) {
            "private"
        } else {
            "host"
        })
    };
    let host_config = obj! {
        "Binds": json!(binds),
        "CgroupMode": private_or_host("cgroup"),
        "ContainerIDFile": json!(""),
        "LogConfig": obj! {
            "Type": json!(config.log.driver.as_str()),
            "Config": Value::Null,
            "Path": json!(if config.log.driver == crate::monitor::LogDriver::K8sFile {
                container.log_path().display().to_string()
            } else {
                String::new()
            }),
            "Tag": json!(""),
            "Size": json!(config.log.max_size.map(|s| format!("{s}B")).unwrap_or("0B".into())),
        },
        "NetworkMode": json!(network_mode),
        "PortBindings": port_map(&crate::network::ports::expand(&config.ports)),
        "RestartPolicy": obj! {
            "Name": json!(config.restart.name()),
            "MaximumRetryCount": json!(config.restart.max_retries()),
        },
        "AutoRemove": json!(config.rm),
        "VolumeDriver": json!(""),
        "VolumesFrom": Value::Null,
        "CapAdd": json!(cap_add),
        "CapDrop": json!(cap_drop),
        "Dns": json!([]),
        "DnsOptions": json!([]),
        "DnsSearch": json!([]),
        "ExtraHosts": json!([]),
        "GroupAdd": json!(info.group_add),
        "IpcMode": json!(if has_namespace(spec, "ipc") {
            "shareable"
        } else {
            "host"
        }),
        "Cgroup": json!(""),
        "Cgroups": json!("disabled"),
        "Links": Value::Null,
        "OomScoreAdj": json!(0),
        "PidMode": private_or_host("pid"),
        "Privileged": json!(info.privileged),
        "PublishAllPorts": json!(false),
        "ReadonlyRootfs": json!(&spec["root"]["readonly"].as_bool().unwrap_or(false)),
        "SecurityOpt": json!(info.security_opt),
        "Tmpfs": json!(tmpfs),
        "UTSMode": private_or_host("uts"),
        "UsernsMode": json!(config.userns),
        "ShmSize": json!(65536000),
        "Runtime": json!("oci"),
        "ConsoleSize": json!([0, 0]),
        "Isolation": json!(""),
        "CpuShares": json!(0),
        "Memory": json!(0),
        "NanoCpus": json!(0),
        "CgroupParent": json!(""),
        "BlkioWeight": json!(0),
        "BlkioWeightDevice": Value::Null,
        "BlkioDeviceReadBps": Value::Null,
        "BlkioDeviceWriteBps": Value::Null,
        "BlkioDeviceReadIOps": Value::Null,
        "BlkioDeviceWriteIOps": Value::Null,
        "CpuPeriod": json!(0),
        "CpuQuota": json!(0),
        "CpuRealtimePeriod": json!(0),
        "CpuRealtimeRuntime": json!(0),
        "CpusetCpus": json!(""),
        "CpusetMems": json!(""),
        "Devices": Doc::Arr(devices),
        "DiskQuota": json!(0),
        "KernelMemory": json!(0),
        "MemoryReservation": json!(0),
        "MemorySwap": json!(0),
        "MemorySwappiness": json!(0),
        "OomKillDisable": json!(false),
        "PidsLimit": json!(0),
        "Ulimits": Doc::Arr(ulimits),
        "CpuCount": json!(0),
        "CpuPercent": json!(0),
        "IOMaximumIOps": json!(0),
        "IOMaximumBandwidth": json!(0),
        "CgroupConf": Value::Null,
    };
    let host_config = if config.init {
        // `Init` is omitted unless set, after OomKillDisable.
        insert_after(host_config, "OomKillDisable", "Init", json!(true).into())
    } else {
        host_config
    };

    let mut doc = obj! {
        "Id": json!(config.id),
        "Created": json!(go_json_time(Some(&config.created))),
        "Path": json!(path),
        "Args": json!(rest),
        "State": state,
        "Image": json!(image_id),
        "ImageDigest": json!(image.map(|i| i.manifest_digest.clone()).unwrap_or_default()),
        "ImageName": json!(image_name),
        "Rootfs": json!(""),
        "Pod": json!(config.pod.clone().unwrap_or_default()),
        "ResolvConfPath": json!(path_of("resolv.conf")),
        "HostnamePath": json!(path_of("hostname")),
        "HostsPath": json!(path_of("hosts")),
        "StaticDir": json!(container.path.display().to_string()),
        "OCIRuntime": json!("cove"),
        "ConmonPidFile": json!(""),
        "PidFile": json!(""),
        "Name": json!(config.name),
        "RestartCount": json!(live.restart_count),
        "Driver": json!(config.driver.name()),
        "MountLabel": json!(""),
        "ProcessLabel": json!(""),
        "AppArmorProfile": json!(""),
        "EffectiveCaps": json!(sorted(strings(&spec["process"]["capabilities"]["effective"]))),
        "BoundingCaps": json!(sorted(strings(&spec["process"]["capabilities"]["bounding"]))),
        "ExecIDs": json!([]),
        "GraphDriver": graph_driver,
        "Mounts": Doc::Arr(inspect_mounts),
        "Dependencies": json!([]),
        "NetworkSettings": network_settings,
        "Namespace": json!(""),
        "IsInfra": json!(config.infra),
        "IsService": json!(false),
        "Config": config_doc,
        "HostConfig": host_config,
    };
    if with_size {
        let s = sizes(container, image.map_or(0, |i| i.size));
        doc = insert_after(doc, "GraphDriver", "SizeRw", json!(s.rw).into());
        doc = insert_after(doc, "SizeRw", "SizeRootFs", json!(s.root_fs).into());
    }
    Ok(doc)
}

/// `doc` with `key: value` inserted after the field `after`.
fn insert_after(doc: Doc, after: &str, key: &'static str, value: Doc) -> Doc {
    match doc {
        Doc::Obj(mut fields) => {
            let at = fields
                .iter()
                .position(|(k, _)| *k == after)
                .map_or(fields.len(), |i| i + 1);
            fields.insert(at, (key, value));
            Doc::Obj(fields)
        }
        other => other,
    }
}

/// What a Go template sees for an `inspect` document: Podman's struct
/// field names (`.ID` as well as `.Id`), and `time.Time` fields as Go
/// prints them.
pub fn template_value(doc: &Doc) -> Value {
    let mut v = doc.to_value();
    if let Some(id) = v.get("Id").cloned() {
        v["ID"] = id;
    }
    let time_string = |t: &Value| {
        json!(crate::storage::volume::go_time_string(
            t.as_str().unwrap_or(ZERO_TIME)
        ))
    };
    if let Some(c) = v.get("Created").map(time_string) {
        v["Created"] = c;
    }
    if let Some(state) = v.get_mut("State").and_then(Value::as_object_mut) {
        for key in ["StartedAt", "FinishedAt", "CheckpointedAt", "RestoredAt"] {
            if let Some(t) = state.get(key).map(time_string) {
                state.insert(key.to_string(), t);
            }
        }
    }
    v
}

/// `NetworkSettings.Networks` as Podman shows it for user networks: one
/// entry per network, with the container's address there while it runs.
fn user_networks(container: &ContainerDir, mode: &NetworkMode, running: bool) -> Value {
    let NetworkMode::Bridge { networks } = mode else {
        return Value::Null;
    };
    let interfaces = if running {
        super::networks::interfaces(container)
    } else {
        Vec::new()
    };
    let mut out = serde_json::Map::new();
    for a in networks {
        let i = interfaces.iter().find(|i| i.network == a.network);
        let v4 = i.and_then(|i| i.addresses.iter().find(|(ip, _)| ip.is_ipv4()));
        let v6 = i.and_then(|i| i.addresses.iter().find(|(ip, _)| ip.is_ipv6()));
        let gw = |v4: bool| {
            i.and_then(|i| i.gateways.iter().find(|g| g.is_ipv4() == v4))
                .map(|g| g.to_string())
                .unwrap_or_default()
        };
        out.insert(
            a.network.clone(),
            json!({
                "EndpointID": "",
                "Gateway": gw(true),
                "IPAddress": v4.map(|a| a.0.to_string()).unwrap_or_default(),
                "IPPrefixLen": v4.map(|a| a.1).unwrap_or(0),
                "IPv6Gateway": gw(false),
                "GlobalIPv6Address": v6.map(|a| a.0.to_string()).unwrap_or_default(),
                "GlobalIPv6PrefixLen": v6.map(|a| a.1).unwrap_or(0),
                "MacAddress": i.map(|i| i.mac.clone()).unwrap_or_default(),
                "NetworkID": a.network,
                "DriverOpts": Value::Null,
                "IPAMConfig": Value::Null,
                "Links": Value::Null,
                "Aliases": a.aliases,
            }),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: Status) -> State {
        State {
            status,
            pid: Some(42),
            started_at: Some("2024-05-01T10:20:30.5+00:00".into()),
            finished_at: None,
            exit_code: None,
            restart_count: 0,
            ports: Vec::new(),
            pid_start: None,
        }
    }

    #[test]
    fn live_state_from_records() {
        let running = Live::from_state(&state(Status::Running));
        assert!(running.running());
        assert_eq!(running.pid, Some(42));
        let created = Live::from_state(&state(Status::Created));
        assert_eq!(created.pid, None);
        assert_eq!(created.exit_code, 0);
        let dead = Live::monitor_died(&state(Status::Running));
        assert_eq!(dead.status, Status::Exited);
        assert_eq!(dead.exit_code, 137);
        assert_eq!(dead.pid, None);
        assert_eq!(dead.finished_at, dead.started_at);
    }

    #[test]
    fn times_as_go_prints_them() {
        assert_eq!(
            go_json_time(Some("2024-05-01T10:20:30.123456789+00:00")),
            "2024-05-01T10:20:30.123456789Z"
        );
        assert_eq!(
            go_json_time(Some("2024-05-01T10:20:30.120+02:00")),
            "2024-05-01T10:20:30.12+02:00"
        );
        assert_eq!(go_json_time(None), ZERO_TIME);
        assert_eq!(unix_time(None), ZERO_UNIX);
        assert_eq!(unix_time(Some("1970-01-01T00:01:00Z")), 60);
        assert_eq!(go_time_string(None), "0001-01-01 00:00:00 +0000 UTC");
    }

    #[test]
    fn documents_keep_field_order() {
        let d = obj! { "b": json!(1), "a": obj! { "z": json!([1]), "y": Value::Null } };
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"b":1,"a":{"z":[1],"y":null}}"#
        );
        assert_eq!(d.to_value()["a"]["z"][0], 1);
        let d = insert_after(d, "b", "c", json!(true).into());
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"b":1,"c":true,"a":{"z":[1],"y":null}}"#
        );
        assert_eq!(
            to_json(&json!([{"a": 1}]), b"     ").unwrap(),
            "[\n     {\n          \"a\": 1\n     }\n]"
        );
    }

    #[test]
    fn mount_options_as_podman_reads_them() {
        let m = UserMount {
            kind: "bind".into(),
            volume: None,
            source: "/src".into(),
            destination: "/dst".into(),
            options: vec!["rbind".into(), "ro".into(), "nosuid".into()],
        };
        let v = inspect_mount(&m).to_value();
        assert_eq!(v["RW"], false);
        assert_eq!(v["Options"], json!(["rbind", "nosuid"]));
        assert_eq!(v["Propagation"], "rprivate");
        assert!(v.get("Name").is_none());
        let vol = UserMount {
            volume: Some("data".into()),
            options: vec!["rbind".into(), "rw".into(), "rshared".into(), "Z".into()],
            ..m
        };
        let v = inspect_mount(&vol).to_value();
        assert_eq!(v["Type"], "volume");
        assert_eq!(v["Name"], "data");
        assert_eq!(v["RW"], true);
        assert_eq!(v["Mode"], "Z");
        assert_eq!(v["Propagation"], "rshared");
    }

    #[test]
    fn capability_changes_against_the_defaults() {
        let mut bounding: Vec<&str> = crate::runtime::caps::DEFAULT_CAPS
            .iter()
            .copied()
            .filter(|c| *c != "CAP_CHOWN")
            .collect();
        bounding.push("CAP_NET_ADMIN");
        let spec = json!({"process": {"capabilities": {"bounding": bounding}}});
        assert_eq!(
            cap_changes(&spec, false),
            (
                vec!["CAP_NET_ADMIN".to_string()],
                vec!["CAP_CHOWN".to_string()]
            )
        );
        assert_eq!(cap_changes(&spec, true), (vec![], vec![]));
    }

    #[test]
    fn disk_usage_counts_hardlinks_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), [0u8; 100]).unwrap();
        std::fs::hard_link(dir.path().join("a"), dir.path().join("b")).unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        std::fs::write(dir.path().join("d/c"), [0u8; 10]).unwrap();
        let dir_size = std::fs::metadata(dir.path().join("d")).unwrap().len();
        assert_eq!(disk_usage(dir.path()), 110 + dir_size);
        assert_eq!(disk_usage(&dir.path().join("missing")), 0);
    }
}
