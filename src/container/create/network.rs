//! The container's network: the container whose network it joins, the
//! ports it publishes, and its /etc/hosts and /etc/resolv.conf.

use crate::container::record::ContainerDir;
use crate::container::shared_network;
use crate::network::etc::{self as netfiles, DnsFlags, ExtraHost};
use crate::network::ports::{PortMapping, Protocol};
use crate::network::NetworkMode;
use crate::sys::userns::IdMaps;
use std::path::Path;

/// `--network container:NAME`: that container (it must map ids as this
/// one does). The mode is then recorded by id, so a rename keeps it.
pub(super) fn join_target(
    root: &Path,
    network: &mut NetworkMode,
    id_maps: &Option<IdMaps>,
) -> anyhow::Result<Option<ContainerDir>> {
    let NetworkMode::Container { id: name } = network else {
        return Ok(None);
    };
    let target = shared_network::resolve(root, name, id_maps)?;
    *network = NetworkMode::Container {
        id: target.config.id.clone(),
    };
    Ok(Some(target))
}

/// User networks: each must exist (recorded by name), each static address
/// must lie in one of its subnets, and rootless the container must map ids
/// as the network host's user namespace does (the default maps), since it
/// makes its namespaces there.
pub(crate) fn resolve_user_networks(
    root: &Path,
    network: &mut NetworkMode,
    id_maps: &Option<IdMaps>,
    default_maps: &Option<IdMaps>,
) -> anyhow::Result<()> {
    let NetworkMode::Bridge { networks } = network else {
        return Ok(());
    };
    if id_maps != default_maps {
        return Err(crate::error::exit_error(
            125,
            "a container on a user network must map user ids as the default does (no --userns): \
             it makes its namespaces in the network host's user namespace",
        ));
    }
    for a in networks.iter_mut() {
        let n = crate::network::named::lookup(root, &a.network)?;
        crate::network::named::check_static(&n, &a.ips)?;
        a.network = n.name;
    }
    Ok(())
}

/// The IPv4 gateways of the networks with DNS, where their servers answer.
pub(crate) fn dns_gateways(
    root: &Path,
    networks: &[crate::network::Attachment],
) -> Vec<std::net::IpAddr> {
    networks
        .iter()
        .filter_map(|a| crate::network::named::lookup(root, &a.network).ok())
        .filter(|n| n.dns_enabled)
        .flat_map(|n| n.subnets.into_iter().filter_map(|s| s.gateway))
        .filter(|g| g.is_ipv4())
        .collect()
}

/// The `-p` mappings, and with `-P` the image's EXPOSE list on random
/// host ports (only where the network publishes ports).
pub(super) fn published_ports(
    flags: &[PortMapping],
    publish_all: bool,
    network: &NetworkMode,
    exposed: &[String],
) -> Vec<PortMapping> {
    let mut published = flags.to_vec();
    if publish_all && network.publishes_ports() {
        published.extend(exposed_ports(exposed));
    }
    published
}

/// The image's EXPOSE list (`80/tcp`, `53/udp`, `8080`) as random host
/// ports (`-P`); entries that are not ports are skipped.
fn exposed_ports(exposed: &[String]) -> Vec<PortMapping> {
    exposed
        .iter()
        .filter_map(|e| {
            let (port, proto) = e.split_once('/').unwrap_or((e, "tcp"));
            let proto = match proto {
                "udp" => Protocol::Udp,
                "tcp" => Protocol::Tcp,
                _ => return None,
            };
            Some(PortMapping::random(port.parse().ok()?, proto))
        })
        .collect()
}

/// Names and resolver settings for the container's /etc files.
pub(super) struct EtcInput<'a> {
    pub network: &'a NetworkMode,
    pub hostname: &'a str,
    /// The container's name, and whether the user chose it (a generated
    /// name is not added to /etc/hosts).
    pub name: &'a str,
    pub name_given: bool,
    pub add_hosts: &'a [ExtraHost],
    pub dns: &'a DnsFlags,
}

/// /etc/hosts and /etc/resolv.conf: derived from the joined container's,
/// or made from the network mode and the host's files.
pub(super) fn etc_files(
    root: &Path,
    joined: Option<&ContainerDir>,
    input: &EtcInput,
) -> (String, String) {
    match joined {
        Some(target) => shared_network::etc_files(
            root,
            target,
            input.hostname,
            input.name,
            input.add_hosts,
            input.dns,
        ),
        None => (
            netfiles::hosts_file(
                input.network,
                input.hostname,
                input.name_given.then_some(input.name),
                input.add_hosts,
                &std::fs::read_to_string("/etc/hosts").unwrap_or_default(),
            ),
            match input.network {
                NetworkMode::Bridge { networks } => netfiles::bridge_resolv_conf(
                    &dns_gateways(root, networks),
                    input.dns,
                    &std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default(),
                ),
                _ => netfiles::resolv_conf(
                    input.network,
                    input.dns,
                    &std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default(),
                ),
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn publish_all_adds_the_exposed_ports() {
        let slirp = NetworkMode::parse("slirp").unwrap();
        let exposed = strings(&["80/tcp", "53/udp", "8080", "x/tcp", "9/sctp"]);
        let given = vec![PortMapping::random(22, Protocol::Tcp)];
        let p = published_ports(&given, true, &slirp, &exposed);
        assert_eq!(
            p,
            vec![
                PortMapping::random(22, Protocol::Tcp),
                PortMapping::random(80, Protocol::Tcp),
                PortMapping::random(53, Protocol::Udp),
                PortMapping::random(8080, Protocol::Tcp),
            ]
        );
        assert_eq!(published_ports(&given, false, &slirp, &exposed), given);
        let none = NetworkMode::parse("none").unwrap();
        assert!(published_ports(&[], true, &none, &exposed).is_empty());
    }

    #[test]
    fn only_container_mode_joins() {
        let dir = tempfile::tempdir().unwrap();
        let mut mode = NetworkMode::parse("none").unwrap();
        assert!(join_target(dir.path(), &mut mode, &None).unwrap().is_none());
        let mut mode = NetworkMode::parse("container:nobody").unwrap();
        assert!(join_target(dir.path(), &mut mode, &None).is_err());
    }

    #[test]
    fn a_generated_name_stays_out_of_hosts() {
        let dir = tempfile::tempdir().unwrap();
        let slirp = NetworkMode::parse("slirp").unwrap();
        let dns = DnsFlags::default();
        let mut input = EtcInput {
            network: &slirp,
            hostname: "abc123",
            name: "happy_turing",
            name_given: false,
            add_hosts: &[],
            dns: &dns,
        };
        let (hosts, resolv) = etc_files(dir.path(), None, &input);
        assert!(
            hosts.contains("abc123") && !hosts.contains("happy_turing"),
            "{hosts}"
        );
        assert!(resolv.contains("nameserver"), "{resolv}");
        input.name_given = true;
        let (hosts, _) = etc_files(dir.path(), None, &input);
        assert!(hosts.contains("happy_turing"), "{hosts}");
    }
}
