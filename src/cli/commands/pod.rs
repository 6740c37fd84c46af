//! `cove pod …`: Podman's pod commands, output and exit codes. The pods
//! themselves are `crate::container::pod`; stopping, starting and removing
//! their containers is what `stop`, `start` and `rm` do to one.

use crate::cli::output;
use crate::cli::{
    LogsArgs, PodCommand, PodCreateArgs, PodExistsArgs, PodInspectArgs, PodKillArgs, PodLogsArgs,
    PodPruneArgs, PodPsArgs, PodRmArgs, PodSort, PodStartArgs, PodStatsArgs, PodStopArgs,
    PodTopArgs,
};
use crate::container::inspect::{self, obj, Doc};
use crate::container::pod::record::{self as pods, PodDir};
use crate::container::pod::status::PodStatus;
use crate::container::pod::{self, member};
use crate::container::record::{self, ContainerDir};
use crate::container::{remove, start};
use crate::context::Ctx;
use crate::error::{exit_error, silent_exit};
use serde_json::{json, Value};

const PS_TABLE: &str =
    "{{.ID}}\t{{.Name}}\t{{.Status}}\t{{.Created}}\t{{.InfraID}}\t{{.NumberOfContainers}}";

const PS_HEADERS: &[(&str, &str)] = &[
    ("ID", "POD ID"),
    ("InfraID", "INFRA ID"),
    ("NumberOfContainers", "# OF CONTAINERS"),
    ("ContainerNames", "NAMES"),
    ("ContainerIds", "IDS"),
    ("ContainerStatuses", "STATUS"),
];

pub fn dispatch(ctx: &Ctx, cmd: PodCommand) -> anyhow::Result<i32> {
    match cmd {
        PodCommand::Create(a) => create(ctx, &a),
        PodCommand::Exists(a) => exists(ctx, &a),
        PodCommand::Inspect(a) => inspect_pods(ctx, &a),
        PodCommand::Kill(a) => kill(ctx, &a),
        PodCommand::Logs(a) => logs(ctx, &a),
        PodCommand::Prune(a) => prune(ctx, &a),
        PodCommand::Ps(a) => ps(ctx, &a),
        PodCommand::Restart(a) => restart(ctx, &a),
        PodCommand::Rm(a) => rm(ctx, &a),
        PodCommand::Start(a) => start_pods(ctx, &a),
        PodCommand::Stats(a) => stats(ctx, &a),
        PodCommand::Stop(a) => stop(ctx, &a),
        PodCommand::Top(a) => top(ctx, &a),
    }
}

fn create(ctx: &Ctx, args: &PodCreateArgs) -> anyhow::Result<i32> {
    let opts = pod::PodOptions {
        name: args.name.clone().or_else(|| args.name_arg.clone()),
        infra: args.infra,
        infra_name: args.infra_name.clone(),
        share: args.share.clone(),
        network: args.network.clone(),
        publish: args.publish.clone(),
        hostname: args.hostname.clone(),
        add_host: args.add_host.clone(),
        dns: args.dns.clone(),
        labels: args.label.clone(),
        userns: args.userns.clone(),
        create_command: std::env::args().collect(),
    };
    let made = pod::create(ctx, &opts)?;
    if let Some(file) = &args.pod_id_file {
        if let Err(e) = std::fs::write(file, &made.config.id) {
            pod::remove_unused(ctx, &made);
            return Err(exit_error(
                125,
                format!("writing the pod id file {}: {e}", file.display()),
            ));
        }
    }
    println!("{}", made.config.id);
    Ok(0)
}

fn exists(ctx: &Ctx, args: &PodExistsArgs) -> anyhow::Result<i32> {
    match pods::lookup(&ctx.paths.root, &args.pod) {
        Ok(_) => Ok(0),
        Err(e) if pods::is_no_such_pod(&e) => Ok(1),
        Err(e) => Err(e),
    }
}

/// A pod with its containers and their status, read once per command.
struct Seen {
    pod: PodDir,
    containers: Vec<ContainerDir>,
    status: PodStatus,
}

fn seen(pod: PodDir, all: &[ContainerDir]) -> Seen {
    let containers: Vec<ContainerDir> = pod::containers(all, &pod.config)
        .into_iter()
        .cloned()
        .collect();
    let status = pod::status(&containers.iter().collect::<Vec<_>>());
    Seen {
        pod,
        containers,
        status,
    }
}

/// The pods named (or every pod with `all`), as ids; an unknown name is
/// Podman's "no such pod".
fn targets(ctx: &Ctx, given: &[String], all: bool) -> anyhow::Result<Vec<String>> {
    if all {
        return Ok(pods::list(&ctx.paths.root)
            .into_iter()
            .map(|p| p.config.id)
            .collect());
    }
    if given.is_empty() {
        return Err(exit_error(
            125,
            "you must provide at least one pod name or id",
        ));
    }
    Ok(given.to_vec())
}

fn short(id: &str, no_trunc: bool) -> &str {
    if no_trunc || id.len() < 12 {
        id
    } else {
        &id[..12]
    }
}

fn container_state(c: &ContainerDir) -> &'static str {
    inspect::live(c).status.as_str()
}

// ---------------------------------------------------------------------------
// ps

/// `--filter` of `pod ps`: one key's values are alternatives, keys combine.
struct PsFilter {
    key: String,
    values: Vec<String>,
}

fn parse_filters(raw: &[String]) -> anyhow::Result<Vec<PsFilter>> {
    let mut out: Vec<PsFilter> = Vec::new();
    for f in raw {
        let (k, v) = f
            .split_once('=')
            .ok_or_else(|| exit_error(125, format!("invalid filter {f:?}")))?;
        match k {
            "name" | "id" | "label" | "ctr-names" | "ctr-ids" | "ctr-status" | "ctr-number" => {}
            "status" => {
                let known: Vec<String> = PodStatus::ALL
                    .iter()
                    .map(|s| s.as_str().to_lowercase())
                    .collect();
                if !known.contains(&v.to_lowercase()) {
                    return Err(exit_error(
                        125,
                        format!(
                            "{v} is not a valid status: expected one of {}",
                            known.join(", ")
                        ),
                    ));
                }
            }
            _ => return Err(exit_error(125, format!("{k} is an invalid filter"))),
        }
        match out.iter_mut().find(|p| p.key == k) {
            Some(p) => p.values.push(v.to_string()),
            None => out.push(PsFilter {
                key: k.to_string(),
                values: vec![v.to_string()],
            }),
        }
    }
    Ok(out)
}

fn regex_any(values: &[String], text: &str) -> bool {
    values
        .iter()
        .any(|v| regex::Regex::new(v).is_ok_and(|r| r.is_match(text)))
}

fn filter_matches(f: &PsFilter, s: &Seen) -> bool {
    let config = &s.pod.config;
    let members = || s.containers.iter();
    match f.key.as_str() {
        "name" => regex_any(&f.values, &config.name),
        "id" => regex_any(&f.values, &config.id),
        "label" => crate::storage::volume::labels_match(&f.values, &config.labels),
        "status" => f
            .values
            .iter()
            .any(|v| v.eq_ignore_ascii_case(s.status.as_str())),
        "ctr-names" => members().any(|c| regex_any(&f.values, &c.config.name)),
        "ctr-ids" => members().any(|c| regex_any(&f.values, &c.config.id)),
        "ctr-status" => members().any(|c| f.values.iter().any(|v| v == container_state(c))),
        "ctr-number" => f
            .values
            .iter()
            .any(|v| v.parse::<usize>() == Ok(s.containers.len())),
        _ => false,
    }
}

/// What a `pod ps --format` template sees: Podman's field names.
fn ps_row(s: &Seen, no_trunc: bool) -> Value {
    let config = &s.pod.config;
    let ids: Vec<&str> = s
        .containers
        .iter()
        .map(|c| short(&c.config.id, no_trunc))
        .collect();
    let names: Vec<&str> = s
        .containers
        .iter()
        .map(|c| c.config.name.as_str())
        .collect();
    let states: Vec<&str> = s.containers.iter().map(container_state).collect();
    json!({
        "ID": short(&config.id, no_trunc),
        "Id": config.id,
        "Name": config.name,
        "Status": s.status.as_str(),
        "Created": output::time_ago(Some(&config.created)),
        "CreatedAt": output::podman_time(Some(&config.created)),
        "InfraID": config.infra_id.as_deref().map(|i| short(i, no_trunc)).unwrap_or(""),
        "InfraId": config.infra_id.as_deref().unwrap_or(""),
        "NumberOfContainers": s.containers.len(),
        "ContainerNames": names.join(","),
        "ContainerIds": ids.join(","),
        "ContainerStatuses": states.join(","),
        "Labels": config.labels,
        "Networks": networks(&s.pod).join(","),
        "Cgroup": "",
        "Namespace": "",
    })
}

/// The pod's networks as `pod ps` names them (none without infra).
fn networks(pod: &PodDir) -> Vec<String> {
    match &pod.config.infra_id {
        Some(_) => match &pod.config.network {
            crate::network::NetworkMode::Bridge { networks } => {
                networks.iter().map(|a| a.network.clone()).collect()
            }
            other => vec![other.name().to_string()],
        },
        None => Vec::new(),
    }
}

/// Podman's `pod ps --format json` entry.
fn ps_json(s: &Seen) -> Doc {
    let config = &s.pod.config;
    let containers: Vec<Doc> = s
        .containers
        .iter()
        .map(|c| {
            obj! {
                "Id": json!(c.config.id),
                "Names": json!(c.config.name),
                "Status": json!(container_state(c)),
                "RestartCount": json!(c.state().restart_count),
            }
        })
        .collect();
    obj! {
        "Cgroup": json!(""),
        "Containers": Doc::Arr(containers),
        "Created": json!(inspect::go_json_time(Some(&config.created))),
        "Id": json!(config.id),
        "InfraId": json!(config.infra_id.clone().unwrap_or_default()),
        "Name": json!(config.name),
        "Namespace": json!(""),
        "Networks": json!(networks(&s.pod)),
        "Status": json!(s.status.as_str()),
        "Labels": json!(config.labels),
    }
}

/// What completion offers for `pod ps --format`.
pub(super) fn format_sample() -> Value {
    let config = pods::PodConfig {
        id: String::new(),
        name: String::new(),
        created: String::new(),
        hostname: String::new(),
        labels: Default::default(),
        share: Vec::new(),
        infra_id: None,
        network: Default::default(),
        ports: Vec::new(),
        userns: String::new(),
        add_hosts: Vec::new(),
        dns: Vec::new(),
        create_command: Vec::new(),
    };
    ps_row(
        &Seen {
            pod: PodDir {
                path: Default::default(),
                config,
            },
            containers: Vec::new(),
            status: PodStatus::Created,
        },
        false,
    )
}

fn ps(ctx: &Ctx, args: &PodPsArgs) -> anyhow::Result<i32> {
    let filters = parse_filters(&args.filter)?;
    let root = &ctx.paths.root;
    let all = record::list(root);
    let mut list: Vec<Seen> = pods::list(root)
        .into_iter()
        .map(|p| seen(p, &all))
        .filter(|s| filters.iter().all(|f| filter_matches(f, s)))
        .collect();
    // Newest first, as Podman; ties by id.
    list.sort_by(|a, b| {
        (&b.pod.config.created, &b.pod.config.id).cmp(&(&a.pod.config.created, &a.pod.config.id))
    });
    match args.sort {
        None | Some(PodSort::Created) => {}
        Some(PodSort::Id) => list.sort_by(|a, b| a.pod.config.id.cmp(&b.pod.config.id)),
        Some(PodSort::Name) => list.sort_by(|a, b| a.pod.config.name.cmp(&b.pod.config.name)),
        Some(PodSort::Number) => list.sort_by_key(|s| s.containers.len()),
        Some(PodSort::Status) => list.sort_by_key(|s| s.status.as_str()),
    }
    let format = args.format.as_deref().filter(|f| !f.trim().is_empty());
    if format.is_some_and(super::inspect::is_json) {
        let docs: Vec<Doc> = list.iter().map(ps_json).collect();
        println!("{}", inspect::to_json(&docs, b"  ")?);
        return Ok(0);
    }
    if args.quiet && format.is_none() {
        for s in &list {
            println!("{}", short(&s.pod.config.id, args.no_trunc));
        }
        return Ok(0);
    }
    let mut table = PS_TABLE.to_string();
    let extra: Vec<&str> = [
        (args.ctr_ids, "{{.ContainerIds}}"),
        (args.ctr_names, "{{.ContainerNames}}"),
        (args.ctr_status, "{{.ContainerStatuses}}"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, f)| *f)
    .collect();
    if !extra.is_empty() {
        // Podman replaces the count with the columns asked for.
        table = table.replace("{{.NumberOfContainers}}", &extra.join("\t"));
    }
    let rows: Vec<Value> = list.iter().map(|s| ps_row(s, args.no_trunc)).collect();
    output::print_rows(&rows, format, &table, PS_HEADERS, args.noheading)?;
    Ok(0)
}

// ---------------------------------------------------------------------------
// inspect

fn inspect_doc(s: &Seen) -> Doc {
    let config = &s.pod.config;
    let mut fields: Vec<(&'static str, Doc)> = vec![
        ("Id", json!(config.id).into()),
        ("Name", json!(config.name).into()),
        (
            "Created",
            json!(inspect::go_json_time(Some(&config.created))).into(),
        ),
        ("CreateCommand", json!(config.create_command).into()),
        ("ExitPolicy", json!("continue").into()),
        ("State", json!(s.status.as_str()).into()),
        ("Hostname", json!(config.hostname).into()),
        ("Labels", json!(config.labels).into()),
        ("CreateCgroup", json!(false).into()),
        ("CgroupParent", json!("").into()),
        ("CreateInfra", json!(config.infra_id.is_some()).into()),
    ];
    if let Some(infra) = &config.infra_id {
        let mut bindings = serde_json::Map::new();
        for p in crate::network::ports::expand(&config.ports) {
            let key = format!("{}/{}", p.container_port, p.protocol.as_str());
            let entry = json!({
                "HostIp": p.host_ip.map(|ip| ip.to_string()).unwrap_or_default(),
                "HostPort": if p.host_port == 0 { String::new() } else { p.host_port.to_string() },
            });
            match bindings.get_mut(&key) {
                Some(Value::Array(list)) => list.push(entry),
                _ => {
                    bindings.insert(key, json!([entry]));
                }
            }
        }
        fields.push(("InfraContainerID", json!(infra).into()));
        fields.push((
            "InfraConfig",
            obj! {
                "PortBindings": Value::Object(bindings),
                "HostNetwork": json!(config.network == crate::network::NetworkMode::Host),
                "StaticIP": json!(""),
                "StaticMAC": json!(""),
                "NoManageResolvConf": json!(false),
                "DNSServer": json!(config.dns),
                "HostAdd": json!(config.add_hosts),
                "NoManageHosts": json!(false),
                "Networks": json!(networks(&s.pod)),
                "NetworkOptions": Value::Null,
                "pid_ns": json!("private"),
                "userns": json!(if config.userns.is_empty() { "host" } else { config.userns.as_str() }),
                "uts_ns": json!("private"),
            },
        ));
        fields.push(("SharedNamespaces", json!(config.share).into()));
    }
    fields.push(("NumContainers", json!(s.containers.len()).into()));
    if !s.containers.is_empty() {
        let containers: Vec<Doc> = s
            .containers
            .iter()
            .map(|c| {
                obj! {
                    "Id": json!(c.config.id),
                    "Name": json!(c.config.name),
                    "State": json!(container_state(c)),
                }
            })
            .collect();
        fields.push(("Containers", Doc::Arr(containers)));
    }
    Doc::Obj(fields)
}

fn inspect_pods(ctx: &Ctx, args: &PodInspectArgs) -> anyhow::Result<i32> {
    let root = &ctx.paths.root;
    let all = record::list(root);
    let mut docs = Vec::new();
    for given in &args.pods {
        match pods::lookup(root, given) {
            Ok(p) => docs.push(inspect_doc(&seen(p, &all))),
            Err(e) if pods::is_no_such_pod(&e) => {
                if args.format.is_none() {
                    println!("[]");
                }
                return Err(exit_error(
                    125,
                    format!("inspecting object: no such pod {given}"),
                ));
            }
            Err(e) => return Err(e),
        }
    }
    match args.format.as_deref() {
        // Podman 4 prints one pod as an object, several as an array.
        None | Some("json") if docs.len() == 1 => {
            println!("{}", inspect::to_json(&docs[0], b"     ")?)
        }
        None | Some("json") => println!("{}", inspect::to_json(&docs, b"     ")?),
        Some(f) => {
            let values: Vec<Value> = docs.iter().map(Doc::to_value).collect();
            output::print_objects(&values, Some(f))?;
        }
    }
    Ok(0)
}

// ---------------------------------------------------------------------------
// start, stop, restart, kill

/// Start a pod: its infra, then each member that is not running.
fn start_one(ctx: &Ctx, s: &Seen) -> anyhow::Result<()> {
    if s.containers.is_empty() {
        return Err(exit_error(
            125,
            format!(
                "no containers in pod {} have no dependencies, cannot start pod: no such container",
                s.pod.config.id
            ),
        ));
    }
    member::start_infra(ctx, &s.pod.config)?;
    let mut failed = Vec::new();
    for c in s.containers.iter().filter(|c| !c.config.infra) {
        let result = c.try_lock().and_then(|lock| match lock {
            Some(lock) => start::start_detached(ctx, c, Some(lock)),
            None => Ok(()),
        });
        if let Err(e) = result {
            failed.push(format!("{}: {}", c.config.name, crate::error::describe(&e)));
        }
    }
    if !failed.is_empty() {
        return Err(exit_error(
            125,
            format!(
                "starting containers of pod {}: {}",
                s.pod.config.name,
                failed.join("; ")
            ),
        ));
    }
    Ok(())
}

/// Stop a pod: its members side by side, then the infra.
fn stop_one(s: &Seen, timeout: Option<u64>) -> anyhow::Result<()> {
    let (infra, members): (Vec<&ContainerDir>, Vec<&ContainerDir>) =
        s.containers.iter().partition(|c| c.config.infra);
    let stop_all = |list: Vec<&ContainerDir>| -> Vec<String> {
        std::thread::scope(|scope| {
            let handles: Vec<_> = list
                .into_iter()
                .map(|c| {
                    scope.spawn(move || {
                        super::stop::stop_container(c, timeout)
                            .err()
                            .map(|e| format!("{}: {}", c.config.name, crate::error::describe(&e)))
                    })
                })
                .collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().ok().flatten())
                .collect()
        })
    };
    let mut failed = stop_all(members);
    failed.extend(stop_all(infra));
    if !failed.is_empty() {
        return Err(exit_error(
            125,
            format!(
                "stopping containers of pod {}: {}",
                s.pod.config.name,
                failed.join("; ")
            ),
        ));
    }
    Ok(())
}

/// Run `action` on each pod given, printing its id; Podman's errors, the
/// worst exit code at the end.
fn each_pod(
    ctx: &Ctx,
    given: &[String],
    all: bool,
    ignore: bool,
    mut action: impl FnMut(&Seen) -> anyhow::Result<()>,
) -> anyhow::Result<i32> {
    let root = &ctx.paths.root;
    let containers = record::list(root);
    let mut worst = 0;
    for target in targets(ctx, given, all)? {
        let result = pods::lookup(root, &target).and_then(|p| {
            let s = seen(p, &containers);
            action(&s).map(|()| s.pod.config.id)
        });
        match result {
            Ok(id) => println!("{id}"),
            Err(e) if ignore && pods::is_no_such_pod(&e) => {}
            Err(e) => {
                eprintln!("Error: {}", crate::error::describe(&e));
                worst = crate::error::exit_code(&e).max(worst);
            }
        }
    }
    if worst != 0 {
        return Err(silent_exit(worst));
    }
    Ok(0)
}

fn start_pods(ctx: &Ctx, args: &PodStartArgs) -> anyhow::Result<i32> {
    each_pod(ctx, &args.pods, args.all, false, |s| start_one(ctx, s))
}

fn stop(ctx: &Ctx, args: &PodStopArgs) -> anyhow::Result<i32> {
    each_pod(ctx, &args.pods, args.all, args.ignore, |s| {
        stop_one(s, args.time)
    })
}

fn restart(ctx: &Ctx, args: &PodStartArgs) -> anyhow::Result<i32> {
    each_pod(ctx, &args.pods, args.all, false, |s| {
        stop_one(s, None)?;
        start_one(ctx, s)
    })
}

fn kill(ctx: &Ctx, args: &PodKillArgs) -> anyhow::Result<i32> {
    let signal = crate::container::options::parse_signal(&args.signal)?;
    each_pod(ctx, &args.pods, args.all, false, |s| {
        let running: Vec<(i32, &ContainerDir)> = s
            .containers
            .iter()
            .filter_map(|c| c.running_pid().ok().flatten().map(|pid| (pid, c)))
            .collect();
        if running.is_empty() {
            return Err(exit_error(
                125,
                format!(
                    "no containers in pod {} are running: container state improper",
                    s.pod.config.id
                ),
            ));
        }
        // Members first: the infra ends a shared pid namespace.
        for (pid, c) in running.iter().filter(|(_, c)| !c.config.infra) {
            remove::mark_stopped_by_user(c);
            // SAFETY: kill with plain integers.
            unsafe { libc::kill(*pid, signal) };
        }
        for (pid, c) in running.iter().filter(|(_, c)| c.config.infra) {
            remove::mark_stopped_by_user(c);
            // SAFETY: as above.
            unsafe { libc::kill(*pid, signal) };
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// rm, prune

/// Remove a pod: refused while a container runs unless `force` (then they
/// are stopped within `timeout`, or killed); members go before the infra,
/// the pod's record last.
fn remove_one(ctx: &Ctx, s: &Seen, force: bool, timeout: Option<u64>) -> anyhow::Result<()> {
    let root = &ctx.paths.root;
    if !force {
        if let Some(running) = s.containers.iter().find(|c| c.monitor_alive()) {
            return Err(exit_error(
                125,
                format!(
                    "pod {} has containers that are not ready to be removed: cannot remove container {} as it is running - running or paused containers cannot be removed without force: container state improper",
                    s.pod.config.id, running.config.id
                ),
            ));
        }
    }
    match timeout {
        Some(t) => stop_one(s, Some(t))?,
        // SIGKILL them all at once, then collect each (rather than one
        // kill and wait after the other).
        None => {
            for c in &s.containers {
                if let Ok(Some(pid)) = c.running_pid() {
                    remove::mark_stopped_by_user(c);
                    // SAFETY: kill with plain integers.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
            }
        }
    }
    let mut ordered: Vec<&ContainerDir> = s.containers.iter().collect();
    ordered.sort_by_key(|c| c.config.infra);
    for c in ordered {
        match remove::force_remove(root, c) {
            Ok(_) => {
                let _ = std::fs::remove_dir_all(crate::monitor::attach::runtime_dir(
                    &ctx.paths.runroot,
                    &c.config.id,
                ));
            }
            Err(e) if !c.path.exists() => drop(e),
            Err(e) => return Err(e),
        }
    }
    pods::remove(root, &s.pod)
}

fn rm(ctx: &Ctx, args: &PodRmArgs) -> anyhow::Result<i32> {
    if args.time.is_some() && !args.force {
        return Err(exit_error(
            125,
            "--force option must be specified to use the --time option",
        ));
    }
    let mut given = args.pods.clone();
    for file in &args.pod_id_file {
        match std::fs::read_to_string(file) {
            Ok(id) => given.push(id.trim().to_string()),
            Err(_) if args.ignore => {}
            Err(e) => {
                return Err(exit_error(
                    125,
                    format!("reading the pod id file {}: {e}", file.display()),
                ))
            }
        }
    }
    if given.is_empty() && !args.all {
        return Err(exit_error(
            125,
            "you must provide at least one pod name or id",
        ));
    }
    // Removing files containers left (owned by subordinate ids) needs
    // cove's user namespace: record::remove enters it per tree itself.
    let code = each_pod(ctx, &given, args.all, args.ignore, |s| {
        remove_one(ctx, s, args.force, args.time)
    });
    // Podman: 1 when a pod does not exist.
    match code {
        Err(e) if crate::error::exit_code(&e) == 125 && !args.ignore => {
            let missing = given
                .iter()
                .any(|g| pods::lookup(&ctx.paths.root, g).is_err_and(|e| pods::is_no_such_pod(&e)));
            if missing {
                return Err(silent_exit(1));
            }
            Err(e)
        }
        other => other,
    }
}

fn prune(ctx: &Ctx, args: &PodPruneArgs) -> anyhow::Result<i32> {
    if !args.force {
        use std::io::Write;
        print!("WARNING! This will remove all stopped/exited pods..\nAre you sure you want to continue? [y/N] ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !answer.trim().eq_ignore_ascii_case("y") {
            return Ok(0);
        }
    }
    let (removed, failed) = prune_idle(ctx);
    for id in removed {
        println!("{id}");
    }
    if failed {
        return Err(silent_exit(125));
    }
    Ok(0)
}

/// Remove every pod with nothing running (`pod prune`, `system prune`):
/// the ids removed, and whether some could not be.
pub(super) fn prune_idle(ctx: &Ctx) -> (Vec<String>, bool) {
    let root = &ctx.paths.root;
    let all = record::list(root);
    let mut failed = false;
    let mut removed = Vec::new();
    for p in pods::list(root) {
        let s = seen(p, &all);
        // Nothing running: stopped, or only an infra never started.
        let idle = matches!(s.status, PodStatus::Exited | PodStatus::Stopped)
            || (s.status == PodStatus::Created && s.containers.iter().all(|c| c.config.infra));
        if !idle {
            continue;
        }
        match remove_one(ctx, &s, false, None) {
            Ok(()) => removed.push(s.pod.config.id),
            Err(e) => {
                eprintln!("Error: {}", crate::error::describe(&e));
                failed = true;
            }
        }
    }
    (removed, failed)
}

// ---------------------------------------------------------------------------
// top, stats, logs

fn top(ctx: &Ctx, args: &PodTopArgs) -> anyhow::Result<i32> {
    let root = &ctx.paths.root;
    let s = seen(pods::lookup(root, &args.pod)?, &record::list(root));
    let columns = super::top::parse_descriptors(&args.descriptors)?;
    // Members sharing the pod's pid namespace list the same processes.
    let mut shown = std::collections::HashSet::new();
    let mut text = super::top::headers(&columns).join("\t");
    text.push('\n');
    let mut any = false;
    for c in &s.containers {
        let Some(pid1) = c.running_pid()? else {
            continue;
        };
        any = true;
        for (host_pid, row) in super::top::rows(c, pid1, &columns)? {
            if shown.insert(host_pid) {
                text.push_str(&row.join("\t"));
                text.push('\n');
            }
        }
    }
    if !any {
        return Err(exit_error(
            125,
            "pod top can only be used on pods with at least one running container",
        ));
    }
    print!("{}", crate::cli::template::align_columns(&text));
    Ok(0)
}

fn stats(ctx: &Ctx, args: &PodStatsArgs) -> anyhow::Result<i32> {
    let root = &ctx.paths.root;
    let format = args.format.as_deref().filter(|f| !f.is_empty());
    let clear =
        !args.no_stream && !args.no_reset && std::io::IsTerminal::is_terminal(&std::io::stdout());
    loop {
        let all = record::list(root);
        let list: Vec<Seen> = if args.pods.is_empty() {
            pods::list(root)
                .into_iter()
                .map(|p| seen(p, &all))
                .filter(|s| {
                    args.all || matches!(s.status, PodStatus::Running | PodStatus::Degraded)
                })
                .collect()
        } else {
            args.pods
                .iter()
                .map(|g| pods::lookup(root, g).map(|p| seen(p, &all)))
                .collect::<anyhow::Result<_>>()?
        };
        let mut rows = Vec::new();
        for s in &list {
            for c in &s.containers {
                let stats = match c.running_pid()? {
                    Some(pid1) => match super::stats::sample(pid1) {
                        Ok(sample) => {
                            let started = c
                                .state()
                                .started_at
                                .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                                .and_then(|t| t.timestamp_nanos_opt())
                                .unwrap_or(0);
                            super::stats::Stats::next(None, started.max(0) as u64, sample)
                        }
                        Err(_) => Default::default(),
                    },
                    None => Default::default(),
                };
                let r = stats.row(c, false);
                rows.push(json!({
                    "Pod": short(&s.pod.config.id, false),
                    "CID": r["ID"],
                    "Name": r["Name"],
                    "CPU": r["CPUPerc"],
                    "MemUsage": r["MemUsage"],
                    "MemUsageBytes": r["MemUsageBytes"],
                    "Mem": r["MemPerc"],
                    "NetIO": r["NetIO"],
                    "BlockIO": r["BlockIO"],
                    "PIDS": r["PIDS"],
                }));
            }
        }
        if clear {
            print!("\x1b[2J\x1b[1;1H");
        }
        if format.is_some_and(super::inspect::is_json) {
            println!("{}", output::to_pretty_json(&Value::Array(rows))?);
        } else {
            output::print_rows(
                &rows,
                format,
                "{{.Pod}}\t{{.CID}}\t{{.Name}}\t{{.CPU}}\t{{.MemUsage}}\t{{.Mem}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}",
                &[
                    ("Pod", "POD"),
                    ("CPU", "CPU %"),
                    ("MemUsage", "MEM USAGE / LIMIT"),
                    ("Mem", "MEM %"),
                    ("NetIO", "NET IO"),
                    ("BlockIO", "BLOCK IO"),
                ],
                false,
            )?;
        }
        if args.no_stream {
            return Ok(0);
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

fn logs(ctx: &Ctx, args: &PodLogsArgs) -> anyhow::Result<i32> {
    let root = &ctx.paths.root;
    let s = seen(pods::lookup(root, &args.pod)?, &record::list(root));
    let containers: Vec<String> = match &args.container {
        Some(given) => {
            let c = record::lookup(root, given)?;
            if c.config.pod.as_deref() != Some(s.pod.config.id.as_str()) {
                return Err(exit_error(
                    125,
                    format!(
                        "container {given} is not in pod {}: no such container",
                        s.pod.config.name
                    ),
                ));
            }
            vec![c.config.id]
        }
        None => s
            .containers
            .iter()
            .filter(|c| !c.config.infra)
            .map(|c| c.config.id.clone())
            .collect(),
    };
    if containers.is_empty() {
        return Ok(0);
    }
    super::logs::logs(
        ctx,
        &LogsArgs {
            containers,
            follow: args.follow,
            tail: args.tail,
            since: args.since.clone(),
            until: args.until.clone(),
            timestamps: args.timestamps,
            names: args.names,
        },
    )
}
