//! `ps` (`container ls`): Podman's columns, templates, JSON and filters.
//!
//! Fast with many containers: each one costs two small reads
//! (container.json and state.json); only a record that says `running`
//! gets its lock probed ([`inspect::live`]), and `--size` walks the
//! container's files.

use crate::cli::output::{self, human_duration};
use crate::cli::{PsArgs, PsSort};
use crate::container::inspect::{self, Doc, Live, Sizes};
use crate::container::record::{self, ContainerDir, Status};
use crate::context::Ctx;
use crate::error::exit_error;
use crate::image::store::Catalog;
use serde_json::{json, Value};

const PS_TABLE: &str =
    "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

/// Column titles where Podman's differ from the split field name.
const PS_HEADERS: &[(&str, &str)] = &[
    ("ID", "CONTAINER ID"),
    ("CreatedHuman", "CREATED"),
    ("Pod", "POD ID"),
    ("PodName", "PODNAME"),
    ("RunningFor", "RUNNING FOR"),
    ("ImageID", "IMAGE ID"),
    ("CIDFile", "CIDFILE"),
];

/// One listed container.
struct Item {
    container: ContainerDir,
    live: Live,
    /// Creation time, for ordering.
    created: i64,
    sizes: Option<Sizes>,
    /// The name of its pod, if any.
    pod_name: String,
}

pub fn ps(ctx: &Ctx, args: &PsArgs) -> anyhow::Result<i32> {
    let last = args.last.unwrap_or(-1);
    if last >= 0 && args.latest {
        return Err(exit_error(125, "last and latest are mutually exclusive"));
    }
    if args.quiet && args.size {
        return Err(exit_error(125, "quiet conflicts with size and namespace"));
    }
    let root = &ctx.paths.root;
    let mut catalog: Option<Catalog> = None;
    let mut load_catalog = || -> anyhow::Result<Catalog> {
        if catalog.is_none() {
            catalog = Some(
                match crate::image::store::Store::open_existing(&ctx.paths.root) {
                    Some(store) => store.catalog()?,
                    None => Catalog::default(),
                },
            );
        }
        Ok(catalog.clone().unwrap_or_default())
    };
    let filters = Filters::parse(root, &args.filter, &mut load_catalog)?;
    let mut pod_names = PodNames::default();
    let last = if args.latest { 1 } else { last };
    // As Podman: --last, and a status filter, look at every container.
    let all = args.all || last > 0 || filters.has_status();
    let mut items: Vec<Item> = Vec::new();
    for container in record::list(root) {
        let live = inspect::live(&container);
        if !all && !live.running() {
            continue;
        }
        if !filters.matches(&container, &live) {
            continue;
        }
        let created = created_nanos(&container.config.created);
        let pod_name = pod_names.name_of(root, &container);
        items.push(Item {
            container,
            live,
            created,
            sizes: None,
            pod_name,
        });
    }
    // Oldest first (Podman's `--sort created`); ties by id, so the order
    // is stable.
    items.sort_by(|a, b| {
        (a.created, &a.container.config.id).cmp(&(b.created, &b.container.config.id))
    });
    if last > 0 {
        items.reverse();
        items.truncate(last as usize);
    }
    if args.size {
        let catalog = load_catalog()?;
        for item in &mut items {
            let image_size = catalog
                .by_id(&item.container.config.image_id)
                .map_or(0, |i| i.size);
            item.sizes = Some(inspect::sizes(&item.container, image_size));
        }
    }
    if let Some(key) = args.sort {
        sort_items(&mut items, key);
    }

    let format = args.format.as_deref();
    if format.is_some_and(|f| !f.trim().is_empty() && super::inspect::is_json(f)) {
        let now = chrono::Utc::now().timestamp();
        let docs: Vec<Doc> = items.iter().map(|i| json_entry(i, now)).collect();
        // Go marshals the struct with every field omitted as an empty
        // block, not `{}`.
        let text = inspect::to_json(&docs, b"  ")?
            .replace("\"Namespaces\": {}", "\"Namespaces\": {\n      \n    }");
        println!("{text}");
        return Ok(0);
    }
    if args.quiet && format.is_none() {
        for item in &items {
            println!("{}", shown_id(&item.container.config.id, args.no_trunc));
        }
        return Ok(0);
    }
    let now = chrono::Utc::now().timestamp();
    let wants_size = format.is_some_and(|f| f.contains(".Size"));
    let rows: Vec<Value> = items
        .iter()
        .map(|item| {
            if wants_size && item.sizes.is_none() {
                crate::log::log(
                    crate::log::Level::Error,
                    "Size format requires --size option",
                );
            }
            row(item, args.no_trunc, now)
        })
        .collect();
    let mut table = PS_TABLE.to_string();
    if args.pod {
        table.push_str("\t{{.Pod}}\t{{.PodName}}");
    }
    if args.size {
        table.push_str("\t{{.Size}}");
    }
    output::print_rows(&rows, format, &table, PS_HEADERS, args.noheading)?;
    Ok(0)
}

/// Pod names by id, each pod read once.
#[derive(Default)]
struct PodNames(std::collections::HashMap<String, String>);

impl PodNames {
    fn name_of(&mut self, root: &std::path::Path, c: &ContainerDir) -> String {
        let Some(id) = &c.config.pod else {
            return String::new();
        };
        self.0
            .entry(id.clone())
            .or_insert_with(|| {
                crate::container::pod::record::lookup(root, id)
                    .map(|p| p.config.name)
                    .unwrap_or_default()
            })
            .clone()
    }
}

fn created_nanos(created: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(created)
        .ok()
        .and_then(|t| t.timestamp_nanos_opt())
        .unwrap_or(i64::MIN)
}

fn shown_id(id: &str, no_trunc: bool) -> &str {
    if no_trunc {
        id
    } else {
        &id[..id.len().min(12)]
    }
}

fn image_name(c: &ContainerDir) -> &str {
    c.config.image_name.as_deref().unwrap_or(&c.config.image)
}

/// Podman's `Status()` column: "Up 5 seconds", "Exited (3) 2 minutes
/// ago", "Created".
pub fn status_text(live: &Live, now: i64) -> String {
    let since = |t: Option<&str>| human_duration((now - inspect::unix_time(t)).max(0));
    match live.status {
        Status::Running if live.paused => "Paused".into(),
        Status::Running => match (&live.storage_error, &live.health) {
            (Some(_), _) => format!("Up {} (storage failed)", since(live.started_at.as_deref())),
            (None, Some(h)) => format!("Up {} ({})", since(live.started_at.as_deref()), h.status),
            (None, None) => format!("Up {}", since(live.started_at.as_deref())),
        },
        Status::Exited => format!(
            "Exited ({}) {} ago",
            live.exit_code,
            since(live.finished_at.as_deref())
        ),
        Status::Created => "Created".into(),
    }
}

/// `--format json`: Podman's `ListContainer` with `Created` as unix
/// seconds (last, as Go marshals the shadowing field) and `CreatedAt` and
/// `Status` in words.
fn json_entry(item: &Item, now: i64) -> Doc {
    let c = &item.container.config;
    let live = &item.live;
    let exited = live.status == Status::Exited;
    let created = inspect::unix_time(Some(&c.created));
    let labels = if c.labels.is_empty() {
        Value::Null
    } else {
        json!(c.labels)
    };
    let size = match item.sizes {
        Some(s) => json!({"rwSize": s.rw, "rootFsSize": s.root_fs}),
        None => Value::Null,
    };
    inspect::obj! {
        "AutoRemove": json!(c.rm),
        "Command": json!(c.create_info.cmd),
        "CreatedAt": json!(format!("{} ago", human_duration((now - created).max(0)))),
        "CIDFile": json!(""),
        "Exited": json!(exited),
        "ExitedAt": json!(if exited {
            inspect::unix_time(live.finished_at.as_deref())
        } else {
            inspect::ZERO_UNIX
        }),
        "ExitCode": json!(live.exit_code),
        "Id": json!(c.id),
        "Image": json!(image_name(&item.container)),
        "ImageID": json!(crate::util::digest::short_id_full(&c.image_id)),
        "IsInfra": json!(c.infra),
        "Labels": labels,
        "Mounts": json!(c.create_info.user_volumes),
        "Names": json!([c.name]),
        "Namespaces": json!({}),
        "Networks": json!([]),
        "Pid": json!(live.pid.unwrap_or(0)),
        "Pod": json!(c.pod.clone().unwrap_or_default()),
        "PodName": json!(item.pod_name),
        "Ports": if live.ports.is_empty() {
            Value::Null
        } else {
            json!(crate::network::ports::runs(&live.ports)
                .iter()
                .map(|(p, n)| json!({
                    "host_ip": p.host_ip.map(|ip| ip.to_string()).unwrap_or_default(),
                    "container_port": p.container_port,
                    "host_port": p.host_port,
                    "range": n,
                    "protocol": p.protocol.as_str(),
                }))
                .collect::<Vec<_>>())
        },
        "Restarts": json!(0),
        "Size": size,
        "StartedAt": json!(inspect::unix_time(live.started_at.as_deref())),
        "State": json!(live.state_name()),
        "Status": json!(status_text(live, now)),
        "Created": json!(created),
    }
}

/// What a `--format` template sees: Podman's `psReporter` (ids and the
/// command shortened unless --no-trunc, `Names` the first name, times as
/// Go prints them).
fn row(item: &Item, no_trunc: bool, now: i64) -> Value {
    let c = &item.container.config;
    let live = &item.live;
    let mut command = c.create_info.cmd.join(" ");
    if !no_trunc && command.len() > 17 {
        let mut cut = 17;
        while !command.is_char_boundary(cut) {
            cut -= 1;
        }
        command = format!("{}...", &command[..cut]);
    }
    let image_id = crate::util::digest::short_id_full(&c.image_id);
    let created = inspect::unix_time(Some(&c.created));
    let created_human = format!("{} ago", human_duration((now - created).max(0)));
    let exited = live.status == Status::Exited;
    let size = item.sizes.map_or(String::new(), |s| {
        format!("{} (virtual {})", go_size(s.rw), go_size(s.root_fs))
    });
    json!({
        "ID": shown_id(&c.id, no_trunc),
        "Image": image_name(&item.container),
        "ImageID": shown_id(image_id, no_trunc),
        "Command": command,
        "Created": inspect::go_time_string(Some(&c.created)),
        "CreatedAt": inspect::go_time_string(Some(&c.created)),
        "CreatedHuman": created_human,
        "RunningFor": created_human,
        "Status": status_text(live, now),
        "State": live.state_name(),
        "Names": c.name,
        "Labels": c.labels,
        "Mounts": c.create_info.user_volumes,
        "Pid": live.pid.unwrap_or(0),
        "ExitCode": live.exit_code,
        "Exited": exited,
        "ExitedAt": if exited {
            inspect::unix_time(live.finished_at.as_deref())
        } else {
            inspect::ZERO_UNIX
        },
        "StartedAt": inspect::unix_time(live.started_at.as_deref()),
        "Size": size,
        "Ports": crate::network::ports::ps_text(&live.ports),
        "Networks": "",
        "Pod": c.pod.as_deref().map(|p| shown_id(p, no_trunc)).unwrap_or(""),
        "PodName": item.pod_name,
        "Restarts": "0",
        "AutoRemove": c.rm,
        "IsInfra": c.infra,
        "CIDFile": "",
        "Namespaces": {},
    })
}

/// What `--format` templates see, for an empty container: completion
/// offers its fields.
/// An empty container record, for the `--format` samples of the commands
/// that render containers (their fields, not their values, matter).
pub(super) fn sample_container() -> Option<ContainerDir> {
    let config = serde_json::from_value(json!({
        "id": "0".repeat(64), "name": "", "image": "", "image_id": "", "created": "",
        "driver": "vfs", "layers": [], "rm": false, "interactive": false,
        "tty": false, "init": false, "userns": "", "labels": {},
        "stop_signal": 15, "volumes": [], "devices": [],
    }))
    .ok()?;
    Some(ContainerDir {
        path: std::path::PathBuf::new(),
        config,
    })
}

pub(super) fn format_sample() -> Option<Value> {
    let item = Item {
        container: sample_container()?,
        live: inspect::Live::from_state(&crate::container::record::State::created()),
        created: 0,
        sizes: None,
        pod_name: String::new(),
    };
    Some(row(&item, false, 0))
}

/// go-units' `HumanSizeWithPrecision(n, 3)`: "0B", "4.1kB", "1.23MB".
fn go_size(bytes: u64) -> String {
    crate::sys::fsutil::human_size(bytes).replace(' ', "")
}

fn sort_items(items: &mut [Item], key: PsSort) {
    match key {
        PsSort::Command => items.sort_by_key(|i| i.container.config.create_info.cmd.join(" ")),
        PsSort::Created => items.sort_by_key(|i| i.created),
        PsSort::Id => items.sort_by(|a, b| a.container.config.id.cmp(&b.container.config.id)),
        PsSort::Image => {
            items.sort_by(|a, b| image_name(&a.container).cmp(image_name(&b.container)))
        }
        PsSort::Names => {
            items.sort_by(|a, b| a.container.config.name.cmp(&b.container.config.name))
        }
        PsSort::Runningfor => {
            items.sort_by_key(|i| inspect::unix_time(i.live.started_at.as_deref()))
        }
        PsSort::Size => items.sort_by_key(|i| i.sizes.map_or(0, |s| s.root_fs)),
        PsSort::Status => items.sort_by_key(|i| i.live.status.as_str()),
    }
}

// ---------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------

/// `--filter KEY=VALUE`s, as Podman groups them: the values of one key
/// are alternatives (any may match; `label` and `label!` want all), and
/// different keys must all match.
#[derive(Debug, Default)]
pub struct Filters {
    filters: Vec<Filter>,
}

#[derive(Debug)]
enum Filter {
    /// Unanchored regular expressions; an invalid one matches nothing.
    Id(Vec<Option<regex::Regex>>),
    Name(Vec<Option<regex::Regex>>),
    Label(Vec<String>),
    NotLabel(Vec<String>),
    /// Wanted states, `stopped` read as `exited`.
    Status(Vec<String>),
    Exited(Vec<i32>),
    /// Image ids the values resolved to, and the values themselves (ids,
    /// id prefixes, or names as recorded).
    Ancestor {
        ids: Vec<String>,
        values: Vec<String>,
    },
    /// Created before / after this time (unix nanoseconds).
    Before(i64),
    Since(i64),
    /// Created before this time (unix seconds, fractional).
    Until(f64),
    Volume(Vec<String>),
    /// `restart-policy=`: the policies' names (`no` for none).
    RestartPolicy(Vec<String>),
    /// In one of these pods (ids).
    Pod(Vec<String>),
    /// Networks, health checks: cove containers have none.
    Nothing,
}

/// The states `status=` accepts (Podman's `StringToContainerStatus`).
pub(crate) const STATES: &[&str] = &[
    "created",
    "running",
    "paused",
    "stopped",
    "exited",
    "unknown",
    "initialized",
    "removing",
    "stopping",
];

impl Filters {
    pub fn parse(
        root: &std::path::Path,
        raw: &[String],
        catalog: &mut dyn FnMut() -> anyhow::Result<Catalog>,
    ) -> anyhow::Result<Filters> {
        let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
        for f in raw {
            let (k, v) = f
                .split_once('=')
                .ok_or_else(|| exit_error(125, format!("invalid filter {f:?}")))?;
            match grouped.iter_mut().find(|(key, _)| key == k) {
                Some((_, values)) => values.push(v.to_string()),
                None => grouped.push((k.to_string(), vec![v.to_string()])),
            }
        }
        let regexes = |values: &[String]| -> Vec<Option<regex::Regex>> {
            values.iter().map(|v| regex::Regex::new(v).ok()).collect()
        };
        let created_of = |values: &[String]| -> anyhow::Result<i64> {
            let mut earliest = i64::MAX;
            for v in values {
                let c = record::lookup(root, v)?;
                earliest = earliest.min(created_nanos(&c.config.created));
            }
            Ok(earliest)
        };
        let mut filters = Vec::new();
        for (key, values) in grouped {
            filters.push(match key.as_str() {
                "id" => Filter::Id(regexes(&values)),
                "name" => Filter::Name(regexes(&values)),
                "label" => Filter::Label(values),
                "label!" => Filter::NotLabel(values),
                "status" => {
                    for v in &values {
                        if !STATES.contains(&v.as_str()) {
                            return Err(exit_error(
                                125,
                                format!("unknown container state: {v}: invalid argument"),
                            ));
                        }
                    }
                    Filter::Status(
                        values
                            .into_iter()
                            .map(|v| if v == "stopped" { "exited".into() } else { v })
                            .collect(),
                    )
                }
                "exited" => Filter::Exited(
                    values
                        .iter()
                        .map(|v| {
                            v.parse::<i32>().map_err(|_| {
                                exit_error(
                                    125,
                                    format!("exited code out of range {v:?}: not a number"),
                                )
                            })
                        })
                        .collect::<anyhow::Result<_>>()?,
                ),
                "ancestor" => {
                    let catalog = catalog()?;
                    let ids = values
                        .iter()
                        .filter_map(|v| catalog.resolve(v).ok().flatten())
                        .map(|img| crate::util::digest::short_id_full(&img.id).to_string())
                        .collect();
                    Filter::Ancestor { ids, values }
                }
                "before" => Filter::Before(created_of(&values)?),
                "since" => Filter::Since(created_of(&values)?),
                "until" => {
                    if values.len() != 1 {
                        return Err(exit_error(125, "specify exactly one timestamp for until"));
                    }
                    Filter::Until(crate::storage::volume::parse_timestamp(&values[0])?)
                }
                "volume" => Filter::Volume(values),
                "restart-policy" => {
                    for v in &values {
                        crate::monitor::restart::RestartPolicy::parse(v)
                            .or_else(|_| {
                                if v == "none" {
                                    Ok(Default::default())
                                } else {
                                    Err(())
                                }
                            })
                            .map_err(|_| exit_error(125, format!("{v} invalid restart policy")))?;
                    }
                    Filter::RestartPolicy(values)
                }
                "pod" => Filter::Pod(
                    values
                        .iter()
                        .filter_map(|v| crate::container::pod::record::lookup(root, v).ok())
                        .map(|p| p.config.id)
                        .collect(),
                ),
                "network" | "health" => Filter::Nothing,
                _ => return Err(exit_error(125, format!("{key} is an invalid filter"))),
            });
        }
        Ok(Filters { filters })
    }

    /// A status filter makes `ps` look at every container, as in Docker.
    pub(crate) fn has_status(&self) -> bool {
        self.filters.iter().any(|f| matches!(f, Filter::Status(_)))
    }

    pub(crate) fn matches(&self, c: &ContainerDir, live: &Live) -> bool {
        self.filters.iter().all(|f| f.matches(c, live))
    }
}

impl Filter {
    fn matches(&self, c: &ContainerDir, live: &Live) -> bool {
        let config = &c.config;
        let any_re = |res: &[Option<regex::Regex>], text: &str| {
            res.iter().flatten().any(|r| r.is_match(text))
        };
        match self {
            Filter::Id(res) => any_re(res, &config.id),
            Filter::Name(res) => any_re(res, &config.name),
            Filter::Label(l) => crate::storage::volume::labels_match(l, &config.labels),
            Filter::NotLabel(l) => !crate::storage::volume::labels_match(l, &config.labels),
            Filter::Status(wanted) => wanted.iter().any(|w| w == live.state_name()),
            Filter::Exited(codes) => {
                live.status == Status::Exited && codes.contains(&live.exit_code)
            }
            Filter::Ancestor { ids, values } => {
                let image_id = crate::util::digest::short_id_full(&config.image_id);
                let name = config.image_name.as_deref().unwrap_or(&config.image);
                let (untagged, tag) = match name.rsplit_once(':') {
                    Some((n, t)) if !t.contains('/') => (n, t),
                    _ => (name, ""),
                };
                ids.iter().any(|id| id == image_id)
                    || values.iter().any(|v| {
                        let v_hex = v.strip_prefix("sha256:").unwrap_or(v);
                        (!v_hex.is_empty() && image_id.contains(v_hex))
                            || v == name
                            || v == &config.image
                            || (v == untagged && tag == "latest")
                    })
            }
            Filter::Before(t) => created_nanos(&config.created) < *t,
            Filter::Since(t) => created_nanos(&config.created) > *t,
            Filter::Until(t) => (created_nanos(&config.created) as f64) / 1e9 < *t,
            Filter::Volume(values) => values.iter().any(|v| volume_matches(c, v)),
            Filter::RestartPolicy(values) => {
                let name = match config.restart.name() {
                    "" => "no",
                    n => n,
                };
                values
                    .iter()
                    .any(|v| v == name || (name == "no" && v == "none"))
            }
            Filter::Pod(ids) => config.pod.as_ref().is_some_and(|p| ids.contains(p)),
            Filter::Nothing => false,
        }
    }
}

/// `volume=NAME`, `volume=DESTINATION`, or `volume=SOURCE:DESTINATION`
/// (a named volume, or a bind's host path, mounted there).
fn volume_matches(c: &ContainerDir, value: &str) -> bool {
    let config = &c.config;
    match value.split_once(':') {
        None => {
            config.create_info.user_volumes.iter().any(|d| d == value)
                || config.volumes.iter().any(|v| v.name == value)
        }
        Some((source, dest)) => {
            if config
                .volumes
                .iter()
                .any(|v| v.name == source && v.destination == dest)
            {
                return true;
            }
            // Bind sources are only in the runtime spec.
            let Ok(bytes) = std::fs::read(c.spec_path()) else {
                return false;
            };
            let spec: Value = serde_json::from_slice(&bytes).unwrap_or_default();
            inspect::user_mounts(c, &spec)
                .iter()
                .any(|m| m.source == source && m.destination == dest)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::record::{ContainerConfig, CreateInfo, VolumeUse};
    use crate::storage::Driver;
    use std::collections::BTreeMap;

    fn container(name: &str, created: &str) -> ContainerDir {
        let id = format!("{:0<64}", hex::encode(name));
        ContainerDir {
            path: std::path::PathBuf::from("/nonexistent").join(&id),
            config: ContainerConfig {
                id,
                name: name.into(),
                image: "busybox".into(),
                image_name: Some("docker.io/library/busybox:latest".into()),
                image_id: format!("sha256:{}", "ab".repeat(32)),
                created: created.into(),
                driver: Driver::Vfs,
                layers: vec![],
                rm: false,
                interactive: false,
                tty: false,
                init: false,
                id_maps: None,
                storage_maps: None,
                userns: String::new(),
                labels: labels(&[("app", "web"), ("tier", "front")]),
                stop_signal: 15,
                volumes: vec![VolumeUse {
                    name: "data".into(),
                    destination: "/data".into(),
                    anonymous: false,
                }],
                devices: vec![],
                create_info: CreateInfo {
                    cmd: vec!["sleep".into(), "100".into()],
                    user_volumes: vec!["/data".into()],
                    ..CreateInfo::default()
                },
                restart: Default::default(),
                log: Default::default(),
                stop_timeout: 10,
                healthcheck: None,
                network: Default::default(),
                ports: Vec::new(),
                pod: None,
                infra: false,
            },
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn live(status: Status, exit_code: i32) -> Live {
        Live {
            status,
            pid: (status == Status::Running).then_some(7),
            exit_code,
            started_at: Some("2024-01-01T00:00:00Z".into()),
            finished_at: Some("2024-01-01T00:02:00Z".into()),
            restart_count: 0,
            health: None,
            ports: Vec::new(),
            storage_error: None,
            paused: false,
        }
    }

    fn parse(raw: &[&str]) -> anyhow::Result<Filters> {
        let raw: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
        let root = tempfile::tempdir().unwrap();
        Filters::parse(root.path(), &raw, &mut || Ok(Catalog::default()))
    }

    fn matches(raw: &[&str], c: &ContainerDir, l: &Live) -> bool {
        parse(raw).unwrap().matches(c, l)
    }

    #[test]
    fn status_strings() {
        let t0 = inspect::unix_time(Some("2024-01-01T00:00:00Z"));
        assert_eq!(
            status_text(&live(Status::Running, 0), t0 + 5),
            "Up 5 seconds"
        );
        assert_eq!(
            status_text(&live(Status::Running, 0), t0),
            "Up Less than a second"
        );
        assert_eq!(
            status_text(&live(Status::Exited, 3), t0 + 120 + 150),
            "Exited (3) 2 minutes ago"
        );
        assert_eq!(status_text(&live(Status::Created, 0), t0), "Created");
        let broken = Live {
            storage_error: Some("fuse storage server: gone".into()),
            paused: false,
            ..live(Status::Running, 0)
        };
        assert_eq!(
            status_text(&broken, t0 + 5),
            "Up 5 seconds (storage failed)"
        );
    }

    #[test]
    fn filters_of_one_key_are_alternatives_and_keys_combine() {
        let c = container("web1", "2024-01-01T00:00:00Z");
        let up = live(Status::Running, 0);
        let down = live(Status::Exited, 3);
        assert!(matches(&["name=web"], &c, &up));
        assert!(matches(&["name=^web1$"], &c, &up));
        assert!(!matches(&["name=^eb"], &c, &up));
        assert!(matches(&["name=nope", "name=web"], &c, &up));
        assert!(!matches(&["name=web", "status=exited"], &c, &up));
        assert!(matches(&["name=web", "status=exited"], &c, &down));
        assert!(matches(&["status=stopped"], &c, &down));
        assert!(matches(&["status=created", "status=running"], &c, &up));
        assert!(matches(&["exited=3"], &c, &down));
        assert!(matches(&["exited=1", "exited=3"], &c, &down));
        assert!(!matches(&["exited=0"], &c, &up));
        assert!(matches(&[&format!("id={}", &c.config.id[..6])], &c, &up));
        assert!(!matches(&["id=ffff"], &c, &up));
        // Labels: every one must match.
        assert!(matches(&["label=app"], &c, &up));
        assert!(matches(&["label=app=web", "label=tier"], &c, &up));
        assert!(!matches(&["label=app=web", "label=tier=back"], &c, &up));
        assert!(matches(&["label!=app=db"], &c, &up));
        assert!(!matches(&["label!=app"], &c, &up));
        assert!(matches(
            &["ancestor=docker.io/library/busybox:latest"],
            &c,
            &up
        ));
        assert!(matches(&["ancestor=docker.io/library/busybox"], &c, &up));
        assert!(matches(&["ancestor=busybox"], &c, &up));
        assert!(matches(&["ancestor=abab"], &c, &up));
        assert!(!matches(&["ancestor=alpine"], &c, &up));
        assert!(matches(&["volume=data"], &c, &up));
        assert!(matches(&["volume=/data"], &c, &up));
        assert!(matches(&["volume=data:/data"], &c, &up));
        assert!(!matches(&["volume=other"], &c, &up));
        assert!(!matches(&["pod=x"], &c, &up));
        assert!(matches(&["until=2025-01-01T00:00:00Z"], &c, &up));
        assert!(!matches(&["until=2023-01-01T00:00:00Z"], &c, &up));
    }

    #[test]
    fn bad_filters_are_refused_as_podman_does() {
        let msg = |raw: &[&str]| format!("{:#}", parse(raw).unwrap_err());
        assert_eq!(msg(&["name"]), "invalid filter \"name\"");
        assert_eq!(msg(&["colour=red"]), "colour is an invalid filter");
        assert_eq!(
            msg(&["status=sleeping"]),
            "unknown container state: sleeping: invalid argument"
        );
        assert!(msg(&["exited=x"]).contains("exited code"));
        assert!(parse(&["status=running"]).unwrap().has_status());
        assert!(!parse(&["name=x"]).unwrap().has_status());
    }

    #[test]
    fn json_entries_have_podmans_fields_in_order() {
        let item = Item {
            container: container("web1", "2024-01-01T00:00:00Z"),
            live: live(Status::Exited, 3),
            created: 0,
            sizes: Some(Sizes {
                rw: 10,
                root_fs: 20,
            }),
            pod_name: String::new(),
        };
        let now = inspect::unix_time(Some("2024-01-01T00:05:00Z"));
        let text = inspect::to_json(&json_entry(&item, now), b"  ").unwrap();
        let keys: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("  \""))
            .map(|l| l.trim().split('"').nth(1).unwrap())
            .collect();
        assert_eq!(keys.first(), Some(&"AutoRemove"));
        assert_eq!(keys.last(), Some(&"Created"));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["Status"], "Exited (3) 3 minutes ago");
        assert_eq!(v["CreatedAt"], "5 minutes ago");
        assert_eq!(v["Command"], json!(["sleep", "100"]));
        assert_eq!(v["Names"], json!(["web1"]));
        assert_eq!(v["Size"], json!({"rwSize": 10, "rootFsSize": 20}));
        assert_eq!(v["StartedAt"], 1704067200);
        let r = row(&item, false, now);
        assert_eq!(r["ID"].as_str().unwrap().len(), 12);
        assert_eq!(r["Size"], "10B (virtual 20B)");
        assert_eq!(r["Names"], "web1");
        assert_eq!(r["Command"], "sleep 100");
    }

    #[test]
    fn headers_are_podmans() {
        let h = crate::cli::template::header_row(PS_TABLE, PS_HEADERS);
        assert_eq!(
            h,
            "CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES"
        );
        let h = crate::cli::template::header_row(
            "{{.ImageID}} {{.CreatedAt}} {{.ExitCode}} {{.State}} {{.Size}}",
            PS_HEADERS,
        );
        assert_eq!(h, "IMAGE ID CREATED AT EXIT CODE STATE SIZE");
    }

    #[test]
    fn json_formats() {
        use crate::cli::commands::inspect::is_json;
        assert!(is_json("json"));
        assert!(is_json(" {{ json . }} "));
        assert!(!is_json("{{json .Names}}"));
    }
}
