//! Pods: groups of containers that share namespaces, as Podman's.
//!
//! A pod is a record (`record`) and, unless `--infra=false`, an infra
//! container (`infra`): cove itself as the process that holds the pod's
//! network, ipc, uts (and with `--share pid`, pid) namespaces, supervised
//! by the usual monitor, which also runs the pod's slirp network and
//! published ports. Members are ordinary containers whose record names
//! the pod; at each start they join the infra's namespaces through the
//! same path as `--network container:NAME` (`member`). A pod's status
//! follows its containers' (`status`).

pub mod infra;
pub mod member;
pub mod record;
pub mod status;

use crate::container::inspect::live;
use crate::container::record::{self as crecord, ContainerDir};
use crate::context::Ctx;
use crate::error::exit_error;
use crate::network::etc::{self as netfiles, DnsFlags};
use crate::network::{ports, NetworkMode};
use record::{PodConfig, PodDir};
use status::{Member, PodStatus};
use std::collections::BTreeMap;

/// `pod create`'s flags, as given.
#[derive(Debug, Clone, Default)]
pub struct PodOptions {
    pub name: Option<String>,
    /// Create an infra container (`--infra`, default true).
    pub infra: bool,
    pub infra_name: Option<String>,
    /// `--share`, as given (None: Podman's default, ipc,net,uts).
    pub share: Option<String>,
    pub network: Option<String>,
    pub publish: Vec<String>,
    pub hostname: Option<String>,
    pub add_host: Vec<String>,
    pub dns: Vec<String>,
    pub labels: Vec<String>,
    pub userns: Option<String>,
    pub create_command: Vec<String>,
}

/// The namespaces a pod can share, in Podman's order.
const SHAREABLE: [&str; 4] = ["ipc", "net", "pid", "uts"];
const DEFAULT_SHARE: [&str; 3] = ["ipc", "net", "uts"];

fn usage(message: impl Into<String>) -> anyhow::Error {
    exit_error(125, message)
}

/// `--share`: a list (`ipc,net`), additions to the default (`+pid`), or
/// nothing (`""`, `none`). Without infra nothing can be shared.
pub fn parse_share(given: Option<&str>, infra: bool) -> anyhow::Result<Vec<String>> {
    let mut share: Vec<&str> = Vec::new();
    match given {
        None if infra => share.extend(DEFAULT_SHARE),
        None => {}
        Some(text) => {
            let text = text.trim();
            if let Some(added) = text.strip_prefix('+') {
                share.extend(DEFAULT_SHARE);
                share.extend(added.split(',').filter(|s| !s.is_empty()));
            } else if text != "none" {
                share.extend(text.split(',').filter(|s| !s.is_empty()));
            }
        }
    }
    for ns in &share {
        if *ns == "cgroup" {
            return Err(usage(
                "--share cgroup: cove does not share cgroup namespaces; share ipc, net, pid or uts",
            ));
        }
        if !SHAREABLE.contains(ns) {
            return Err(usage(format!(
                "--share {ns}: unknown namespace; expected ipc, net, pid or uts"
            )));
        }
    }
    if !infra && !share.is_empty() {
        return Err(usage(
            "You cannot share kernel namespaces on the pod level without an infra container",
        ));
    }
    let mut out: Vec<String> = SHAREABLE
        .iter()
        .filter(|ns| share.contains(ns))
        .map(|s| s.to_string())
        .collect();
    out.dedup();
    Ok(out)
}

/// Parse `--label KEY=VALUE` (a bare KEY is an empty value).
pub fn parse_labels(given: &[String]) -> BTreeMap<String, String> {
    given
        .iter()
        .map(|l| match l.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (l.clone(), String::new()),
        })
        .collect()
}

/// Create a pod (and its infra container): every flag is checked first;
/// a failure part way leaves neither record nor name behind.
pub fn create(ctx: &Ctx, opts: &PodOptions) -> anyhow::Result<PodDir> {
    let root = &ctx.paths.root;
    if let Some(name) = &opts.name {
        crate::container::options::validate_container_name(name)
            .map_err(|e| usage(format!("{e:#}").replace("container name", "pod name")))?;
    }
    let share = parse_share(opts.share.as_deref(), opts.infra)?;
    if !opts.infra {
        let asked = [
            (opts.network.is_some(), "--network"),
            (!opts.publish.is_empty(), "--publish"),
            (!opts.add_host.is_empty(), "--add-host"),
            (!opts.dns.is_empty(), "--dns"),
            (opts.userns.is_some(), "--userns"),
            (opts.infra_name.is_some(), "--infra-name"),
        ];
        if let Some((_, flag)) = asked.iter().find(|(given, _)| *given) {
            return Err(usage(format!(
                "{flag} configures the pod's infra container: it cannot be used with --infra=false"
            )));
        }
    }
    // A user network's name is resolved below, with the id maps; the
    // infra then attaches to it as any container does.
    let mut network = NetworkMode::parse(opts.network.as_deref().unwrap_or("slirp"))
        .map_err(|e| usage(format!("{e:#}")))?;
    if matches!(network, NetworkMode::Container { .. }) {
        return Err(usage(
            "--network container: a pod's network cannot be another container's; give the pod its own (slirp, pasta, host or none)",
        ));
    }
    if matches!(network, NetworkMode::Pasta { .. }) && crate::sys::userns::is_root() {
        return Err(usage(
            "--network pasta is only supported for rootless containers (pasta will not run as root); use slirp",
        ));
    }
    let mut mappings = Vec::new();
    for p in &opts.publish {
        mappings.push(ports::parse(p).map_err(|e| usage(format!("{e:#}")))?);
    }
    let publishes = share.iter().any(|s| s == "net") && network.publishes_ports();
    if !mappings.is_empty() && !publishes {
        return Err(usage(
            "--publish needs the pod to share its network (--share net) on a network that publishes ports (slirp or pasta)",
        ));
    }
    if let Some(h) = &opts.hostname {
        crate::container::options::validate_hostname(h).map_err(|e| usage(format!("{e:#}")))?;
    }
    let mut add_hosts = Vec::new();
    for h in &opts.add_host {
        add_hosts.push(netfiles::parse_add_host(h, &network).map_err(|e| usage(format!("{e:#}")))?);
    }
    let dns = DnsFlags {
        servers: opts.dns.clone(),
        ..Default::default()
    };
    netfiles::check_dns(&dns).map_err(|e| usage(format!("{e:#}")))?;
    let userns = opts.userns.clone().unwrap_or_default();
    let (id_maps, storage_maps) = if opts.infra {
        crate::container::create::id_maps_for(&userns)?
    } else {
        (None, None)
    };
    crate::container::create::resolve_user_networks(root, &mut network, &id_maps, &storage_maps)?;

    let id = crecord::new_id();
    let name = opts
        .name
        .clone()
        .unwrap_or_else(|| crecord::generated_name(&id));
    let config = PodConfig {
        id: id.clone(),
        name: name.clone(),
        created: chrono::Local::now().to_rfc3339(),
        hostname: opts.hostname.clone().unwrap_or_else(|| name.clone()),
        labels: parse_labels(&opts.labels),
        share,
        infra_id: None,
        network: if opts.infra {
            network
        } else {
            NetworkMode::None
        },
        ports: mappings,
        userns,
        add_hosts: opts.add_host.clone(),
        dns: opts.dns.clone(),
        create_command: opts.create_command.clone(),
    };
    let mut staged = record::stage(root, config)?;
    if !opts.infra {
        return staged.publish();
    }
    crate::sys::fsutil::create_dir_all_mode(&crecord::containers_dir(root), 0o700)?;
    let infra_name = opts
        .infra_name
        .clone()
        .unwrap_or_else(|| format!("{}-infra", &id[..12]));
    let (infra, _lock) = infra::create(
        root,
        &staged.config,
        &infra::InfraInput {
            name: infra_name,
            id_maps,
            storage_maps,
            add_hosts: &add_hosts,
            dns: &dns,
        },
    )?;
    staged.config.infra_id = Some(infra.config.id.clone());
    match staged.publish() {
        Ok(pod) => Ok(pod),
        Err(e) => {
            let _ = crecord::remove(root, &infra);
            Err(e)
        }
    }
}

/// The containers of pod `id` among `all`, infra first, then by creation.
pub fn containers<'a>(all: &'a [ContainerDir], pod: &PodConfig) -> Vec<&'a ContainerDir> {
    let mut found: Vec<&ContainerDir> = all
        .iter()
        .filter(|c| c.config.pod.as_deref() == Some(pod.id.as_str()))
        .collect();
    found.sort_by(|a, b| {
        (!a.config.infra, &a.config.created).cmp(&(!b.config.infra, &b.config.created))
    });
    found
}

/// A container's part in its pod's status.
pub fn member_state(container: &ContainerDir) -> Member {
    let l = live(container);
    match l.status {
        crecord::Status::Running => Member::Running,
        crecord::Status::Created => Member::Created,
        crecord::Status::Exited => Member::Stopped,
    }
}

/// The pod's status from its containers (infra included, as Podman).
pub fn status(members: &[&ContainerDir]) -> PodStatus {
    let states: Vec<Member> = members.iter().map(|c| member_state(c)).collect();
    status::compute(&states)
}

/// Refuse to remove a pod's infra container on its own (Podman's words):
/// the pod goes with `pod rm`.
pub fn check_not_infra(root: &std::path::Path, container: &ContainerDir) -> anyhow::Result<()> {
    let Some(pod_id) = container
        .config
        .pod
        .as_deref()
        .filter(|_| container.config.infra)
    else {
        return Ok(());
    };
    if record::lookup(root, pod_id).is_err() {
        return Ok(());
    }
    Err(exit_error(
        125,
        format!(
            "container {} is the infra container of pod {pod_id} and cannot be removed without removing the pod",
            container.config.id
        ),
    ))
}

/// Remove a pod that nothing uses yet (`--pod new:` whose container could
/// not be made): its infra, then its record.
pub fn remove_unused(ctx: &Ctx, pod: &PodDir) {
    let root = &ctx.paths.root;
    let all = crecord::list(root);
    for c in containers(&all, &pod.config) {
        let _ = crate::container::remove::force_remove(root, c);
    }
    let _ = record::remove(root, pod);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn share_lists() {
        assert_eq!(
            parse_share(None, true).unwrap(),
            strings(&["ipc", "net", "uts"])
        );
        assert!(parse_share(None, false).unwrap().is_empty());
        assert!(parse_share(Some(""), false).unwrap().is_empty());
        assert!(parse_share(Some("none"), true).unwrap().is_empty());
        assert_eq!(
            parse_share(Some("uts,net,net"), true).unwrap(),
            strings(&["net", "uts"])
        );
        assert_eq!(
            parse_share(Some("+pid"), true).unwrap(),
            strings(&["ipc", "net", "pid", "uts"])
        );
        for bad in ["mnt", "cgroup", "net,user"] {
            assert!(parse_share(Some(bad), true).is_err(), "{bad}");
        }
        let err = parse_share(Some("net"), false).unwrap_err();
        assert!(format!("{err:#}").contains("without an infra container"));
    }

    #[test]
    fn labels() {
        let l = parse_labels(&strings(&["a=b", "c", "d=e=f"]));
        assert_eq!(l["a"], "b");
        assert_eq!(l["c"], "");
        assert_eq!(l["d"], "e=f");
    }
}
