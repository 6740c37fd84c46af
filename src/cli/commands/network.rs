//! `network create|ls|inspect|rm|prune|exists`, with Podman's output and
//! exit codes. The records are kept by `crate::network::named`.

use crate::cli::output;
use crate::cli::{
    NetworkCommand, NetworkConnectArgs, NetworkCreateArgs, NetworkDisconnectArgs,
    NetworkExistsArgs, NetworkInspectArgs, NetworkLsArgs, NetworkPruneArgs, NetworkRmArgs,
};
use crate::container::networks;
use crate::context::Ctx;
use crate::error::{exit_error, EXIT_COVE};
use crate::network::named::{self, CreateOptions, Network, NetworkError};
use crate::storage::volume::{labels_match, parse_timestamp};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;

const LS_TABLE: &str = "{{.ID}}\t{{.Name}}\t{{.Driver}}";
const LS_HEADERS: &[(&str, &str)] = &[("ID", "NETWORK ID")];

pub fn dispatch(ctx: &Ctx, cmd: NetworkCommand) -> anyhow::Result<i32> {
    match cmd {
        NetworkCommand::Create(a) => create(ctx, &a),
        NetworkCommand::Ls(a) => list(ctx, &a),
        NetworkCommand::Inspect(a) => inspect(ctx, &a),
        NetworkCommand::Rm(a) => remove(ctx, &a),
        NetworkCommand::Prune(a) => prune(ctx, &a),
        NetworkCommand::Exists(a) => exists(ctx, &a),
        NetworkCommand::Connect(a) => connect(ctx, &a),
        NetworkCommand::Disconnect(a) => disconnect(ctx, &a),
    }
}

/// `KEY=VALUE` (or a bare `KEY`, value empty) flags into a map.
fn parse_pairs(raw: &[String], what: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for item in raw {
        let (k, v) = item.split_once('=').unwrap_or((item, ""));
        if k.trim().is_empty() {
            anyhow::bail!(
                "unable to process {what}: invalid {what} format {item:?}: a key is required"
            );
        }
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

pub fn create(ctx: &Ctx, args: &NetworkCreateArgs) -> anyhow::Result<i32> {
    let opts = CreateOptions {
        name: args.name.clone(),
        driver: args.driver.clone(),
        subnets: args.subnet.clone(),
        gateways: args.gateway.clone(),
        ip_ranges: args.ip_range.clone(),
        internal: args.internal,
        disable_dns: args.disable_dns,
        ipv6: args.ipv6,
        labels: parse_pairs(&args.label, "labels")?,
        options: parse_pairs(&args.opt, "options")?,
    };
    let root = &ctx.paths.root;
    crate::sys::fsutil::create_dir_all_mode(root, 0o700)?;
    match named::create(root, &opts) {
        Ok(n) => println!("{}", n.name),
        Err(e)
            if args.ignore && matches!(named::network_error(&e), Some(NetworkError::Exists(_))) =>
        {
            println!("{}", args.name.as_deref().unwrap_or_default());
        }
        Err(e) => return Err(e),
    }
    Ok(0)
}

/// What a Go template sees: Podman's `types.Network` field names.
fn template_value(n: &Network, no_trunc: bool) -> Value {
    let subnets: Vec<Value> = n
        .subnets
        .iter()
        .map(|s| {
            json!({
                "Subnet": s.subnet.to_string(),
                "Gateway": s.gateway.map(|g| g.to_string()).unwrap_or_default(),
                "LeaseRange": s.lease_range.as_ref().map(|r| json!({
                    "StartIP": r.start_ip.to_string(),
                    "EndIP": r.end_ip.to_string(),
                })),
            })
        })
        .collect();
    json!({
        "Name": n.name,
        "ID": if no_trunc { n.id.clone() } else { n.id.chars().take(12).collect() },
        "Driver": n.driver,
        "NetworkInterface": n.network_interface,
        "Created": crate::storage::volume::go_time_string(&n.created),
        "Subnets": subnets,
        "IPv6Enabled": n.ipv6_enabled,
        "Internal": n.internal,
        "DNSEnabled": n.dns_enabled,
        "Labels": n.labels,
        "Options": n.options,
        "IPAMOptions": n.ipam_options,
    })
}

/// The template value of an empty network: completion offers its fields.
pub(super) fn format_sample() -> Value {
    template_value(&named::default_network(), false)
}

/// The JSON of `network inspect`: the record and the running containers
/// attached, with their interfaces on it (Podman 5's `containers`).
fn inspect_json(root: &Path, n: &Network) -> anyhow::Result<Value> {
    let mut v = serde_json::to_value(n)?;
    let mut containers = serde_json::Map::new();
    for c in networks::users(root, &n.name) {
        let mut interfaces = serde_json::Map::new();
        for i in networks::interfaces(&c)
            .iter()
            .filter(|i| i.network == n.name)
        {
            let subnets: Vec<Value> = i
                .addresses
                .iter()
                .map(|(ip, prefix)| {
                    let gateway = i.gateways.iter().find(|g| g.is_ipv4() == ip.is_ipv4());
                    json!({ "ipnet": format!("{ip}/{prefix}"), "gateway": gateway })
                })
                .collect();
            interfaces.insert(
                i.interface.clone(),
                json!({ "subnets": subnets, "mac_address": i.mac }),
            );
        }
        if !interfaces.is_empty() {
            containers.insert(
                c.config.id.clone(),
                json!({ "name": c.config.name, "interfaces": interfaces }),
            );
        }
    }
    v["containers"] = Value::Object(containers);
    Ok(v)
}

/// `network ls`/`prune` filters.
struct Filters {
    names: Vec<regex::Regex>,
    ids: Vec<String>,
    drivers: Vec<String>,
    labels: Vec<String>,
    not_labels: Vec<String>,
    until: Option<f64>,
}

impl Filters {
    fn parse(raw: &[String], prune: bool) -> anyhow::Result<Filters> {
        let mut f = Filters {
            names: Vec::new(),
            ids: Vec::new(),
            drivers: Vec::new(),
            labels: Vec::new(),
            not_labels: Vec::new(),
            until: None,
        };
        for item in raw {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("invalid filter {item:?}: expected KEY=VALUE"))?;
            match key {
                "label" => f.labels.push(value.to_string()),
                "label!" => f.not_labels.push(value.to_string()),
                "until" => f.until = Some(parse_timestamp(value)?),
                "name" if !prune => f.names.push(
                    regex::Regex::new(value)
                        .map_err(|e| anyhow::anyhow!("invalid name filter {value:?}: {e}"))?,
                ),
                "id" if !prune => f.ids.push(value.to_string()),
                "driver" if !prune => f.drivers.push(value.to_string()),
                _ => anyhow::bail!("invalid filter {key:?}"),
            }
        }
        Ok(f)
    }

    fn matches(&self, n: &Network) -> bool {
        let created = chrono::DateTime::parse_from_rfc3339(&n.created)
            .map(|t| t.timestamp() as f64)
            .unwrap_or(0.0);
        (self.names.is_empty() || self.names.iter().any(|r| r.is_match(&n.name)))
            && (self.ids.is_empty() || self.ids.iter().any(|i| n.id.starts_with(i.as_str())))
            && (self.drivers.is_empty() || self.drivers.contains(&n.driver))
            && labels_match(&self.labels, &n.labels)
            && (self.not_labels.is_empty()
                || !self
                    .not_labels
                    .iter()
                    .any(|l| labels_match(std::slice::from_ref(l), &n.labels)))
            && self.until.is_none_or(|t| created < t)
    }
}

pub fn list(ctx: &Ctx, args: &NetworkLsArgs) -> anyhow::Result<i32> {
    if args.quiet && args.format.is_some() {
        anyhow::bail!("quiet and format flags cannot be used together");
    }
    let filters = Filters::parse(&args.filter, false)?;
    let networks: Vec<Network> = named::list(&ctx.paths.root)?
        .into_iter()
        .filter(|n| filters.matches(n))
        .collect();
    if args.format.as_deref().is_some_and(|f| f.trim() == "json") {
        println!("{}", serde_json::to_string_pretty(&networks)?);
        return Ok(0);
    }
    if args.quiet {
        for n in &networks {
            println!("{}", n.name);
        }
        return Ok(0);
    }
    let rows: Vec<Value> = networks
        .iter()
        .map(|n| template_value(n, args.no_trunc))
        .collect();
    output::print_rows(
        &rows,
        args.format.as_deref(),
        LS_TABLE,
        LS_HEADERS,
        args.noheading,
    )?;
    Ok(0)
}

pub fn inspect(ctx: &Ctx, args: &NetworkInspectArgs) -> anyhow::Result<i32> {
    let root = &ctx.paths.root;
    let mut found = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    for input in &args.names {
        match named::lookup(root, input) {
            Ok(n) => found.push(n),
            Err(e) if named::network_error(&e).is_some() => errors.push(e.to_string()),
            Err(e) => return Err(e),
        }
    }
    match args.format.as_deref() {
        None | Some("json") => {
            let docs = found
                .iter()
                .map(|n| inspect_json(root, n))
                .collect::<anyhow::Result<Vec<_>>>()?;
            output::print_objects(&docs, None)?;
        }
        Some(f) => {
            let values: Vec<Value> = found.iter().map(|n| template_value(n, true)).collect();
            output::print_objects(&values, Some(f))?;
        }
    }
    if let Some((first, rest)) = errors.split_first() {
        for e in rest {
            eprintln!("Error: {e}");
        }
        return Err(exit_error(EXIT_COVE, first.clone()));
    }
    Ok(0)
}

/// Podman's exit code for a failed network removal: 1 no such network,
/// 2 in use, else 125.
fn rm_code(err: &anyhow::Error) -> i32 {
    match named::network_error(err) {
        Some(NetworkError::NotFound(_)) => 1,
        Some(NetworkError::InUse(_)) => 2,
        _ => EXIT_COVE,
    }
}

/// Remove one network (under the store's lock); with `force` the
/// containers on it first.
fn remove_one(root: &Path, input: &str, force: bool) -> anyhow::Result<String> {
    let _lock = named::lock(root)?;
    let n = named::lookup(root, input)?;
    if n.is_default() {
        anyhow::bail!("default network {} cannot be removed", n.name);
    }
    let users = networks::users(root, &n.name);
    if !users.is_empty() && !force {
        return Err(NetworkError::InUse(n.name).into());
    }
    for c in &users {
        crate::container::remove::force_remove(root, c)?;
    }
    named::remove_record(root, &n.name)?;
    Ok(n.name)
}

pub fn remove(ctx: &Ctx, args: &NetworkRmArgs) -> anyhow::Result<i32> {
    let root = &ctx.paths.root;
    let mut errors: Vec<anyhow::Error> = Vec::new();
    for input in &args.names {
        match remove_one(root, input, args.force) {
            Ok(name) => println!("{name}"),
            Err(e) => errors.push(e),
        }
    }
    let Some(last) = errors.pop() else {
        return Ok(0);
    };
    for e in &errors {
        eprintln!("Error: {}", crate::error::describe(e));
    }
    Err(exit_error(rm_code(&last), crate::error::describe(&last)))
}

pub fn prune(ctx: &Ctx, args: &NetworkPruneArgs) -> anyhow::Result<i32> {
    let filters = Filters::parse(&args.filter, true)?;
    if !args.force {
        let mut out = std::io::stdout().lock();
        write!(out, "WARNING! This will remove all networks not used by at least one container.\nAre you sure you want to continue? [y/N] ")?;
        out.flush()?;
        drop(out);
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !answer.ends_with('\n') || !answer.to_lowercase().starts_with('y') {
            return Ok(0);
        }
    }
    let root = &ctx.paths.root;
    let _lock = named::lock(root)?;
    for n in named::list(root)? {
        if n.is_default() || !filters.matches(&n) || !networks::users(root, &n.name).is_empty() {
            continue;
        }
        named::remove_record(root, &n.name)?;
        println!("{}", n.name);
    }
    Ok(0)
}

pub fn exists(ctx: &Ctx, args: &NetworkExistsArgs) -> anyhow::Result<i32> {
    Ok(if named::exists(&ctx.paths.root, &args.name) {
        0
    } else {
        1
    })
}

pub fn connect(ctx: &Ctx, args: &NetworkConnectArgs) -> anyhow::Result<i32> {
    let mut attachment = crate::network::Attachment {
        network: args.network.clone(),
        ..Default::default()
    };
    for a in &args.alias {
        attachment.add_alias(a)?;
    }
    for ip in args.ip.iter().chain(&args.ip6) {
        attachment.add_ip(ip)?;
    }
    if let Some(mac) = &args.mac_address {
        attachment.set_mac(mac)?;
    }
    let container = crate::container::record::lookup(&ctx.paths.root, &args.container)?;
    networks::connect(&ctx.paths.root, &ctx.paths.runroot, &container, attachment)?;
    Ok(0)
}

pub fn disconnect(ctx: &Ctx, args: &NetworkDisconnectArgs) -> anyhow::Result<i32> {
    let container = crate::container::record::lookup(&ctx.paths.root, &args.container)?;
    networks::disconnect(
        &ctx.paths.root,
        &ctx.paths.runroot,
        &container,
        &args.network,
    )?;
    Ok(0)
}
