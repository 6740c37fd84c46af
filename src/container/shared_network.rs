//! `--network container:NAME`: a container that lives in another one's
//! network namespace, as a sidecar does. At create the other container is
//! found and the new one's /etc/hosts and /etc/resolv.conf are derived
//! from its; at each start its process is pinned and the runtime enters
//! its network namespace (and, rootless, the user namespace that owns it)
//! instead of making one (see `runtime::LaunchPlan::join`).

use super::record::{self, ContainerDir};
use crate::error::exit_error;
use crate::network::etc::{self as netfiles, DnsFlags, ExtraHost};
use crate::network::NetworkMode;
use crate::runtime::exec::Target;
use crate::sys::userns::IdMaps;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

/// How many `container:` links are followed to find where a chain of
/// shared networks ends (a cycle cannot be made, but a record can lie).
const MAX_CHAIN: usize = 16;

/// The container `name` names, for a new container with `id_maps` to
/// join. Rootless, the new container enters its user namespace, so both
/// must map ids the same way (the root filesystem's owners depend on it).
pub fn resolve(root: &Path, name: &str, id_maps: &Option<IdMaps>) -> anyhow::Result<ContainerDir> {
    let target = record::lookup(root, name)?;
    if target.config.id_maps != *id_maps {
        return Err(exit_error(
            125,
            format!(
                "--network container:{name}: {name} maps user ids differently (--userns {:?}); \
                 a container that shares its network enters its user namespace, so create both with the same --userns",
                target.config.userns
            ),
        ));
    }
    Ok(target)
}

/// /etc/hosts and /etc/resolv.conf for a container in `target`'s network:
/// the target's, with this container's `--add-host` entries and its own
/// names added, and its own resolv.conf when `--dns*` flags are given.
pub fn etc_files(
    root: &Path,
    target: &ContainerDir,
    hostname: &str,
    name: &str,
    extra: &[ExtraHost],
    dns: &DnsFlags,
) -> (String, String) {
    let read = |file: &str| std::fs::read_to_string(target.path.join(file)).unwrap_or_default();
    let network = effective_mode(root, target);
    let mut hosts = String::new();
    for h in extra {
        hosts.push_str(&format!("{}\t{}\n", h.ip, h.name));
    }
    hosts.push_str(&read("hosts"));
    if network != NetworkMode::Host {
        let address = match network {
            NetworkMode::Slirp(_) => IpAddr::V4(crate::network::CONTAINER_IP),
            _ => IpAddr::V4(Ipv4Addr::new(127, 0, 1, 1)),
        };
        let names = if name == hostname {
            hostname.to_string()
        } else {
            format!("{hostname} {name}")
        };
        hosts.push_str(&format!("{address}\t{names}\n"));
    }
    let resolv = if *dns == DnsFlags::default() {
        read("resolv.conf")
    } else {
        netfiles::resolv_conf(
            &network,
            dns,
            &std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default(),
        )
    };
    (hosts, resolv)
}

/// The network mode at the end of `target`'s chain of shared networks.
fn effective_mode(root: &Path, target: &ContainerDir) -> NetworkMode {
    let mut mode = target.config.network.clone();
    for _ in 0..MAX_CHAIN {
        let NetworkMode::Container { id } = &mode else {
            break;
        };
        match record::lookup(root, id) {
            Ok(next) => mode = next.config.network,
            Err(_) => return NetworkMode::None,
        }
    }
    mode
}

/// Pin the process of the container `id` (which the starting container
/// `dependent` joins) and choose the namespaces to enter. Fails with a
/// clear message when it is gone or not running.
pub fn pin(root: &Path, id: &str, dependent: &str) -> anyhow::Result<Target> {
    let target = record::lookup(root, id).map_err(|_| {
        exit_error(
            125,
            format!(
                "container {id}, whose network {dependent} shares (--network container:), no longer exists; \
                 remove {dependent} and create it again"
            ),
        )
    })?;
    let name = &target.config.name;
    let not_running = || {
        exit_error(
            125,
            format!(
                "container {name} is not running: {dependent} joins its network (--network container:{name}); start {name} first"
            ),
        )
    };
    let pid = target.running_pid()?.ok_or_else(not_running)?;
    let pinned = Target::open(pid, not_running)?.network_only();
    // The pid came from the record: once pinned, make sure it is still the
    // container's and not a process that reused the number.
    if target.running_pid()? != Some(pid) {
        return Err(not_running());
    }
    Ok(pinned)
}

/// The containers that share `id`'s network (their own records).
pub fn dependents<'a>(all: &'a [ContainerDir], id: &str) -> Vec<&'a ContainerDir> {
    all.iter()
        .filter(|c| matches!(&c.config.network, NetworkMode::Container { id: t } if t == id))
        .collect()
}

/// Refuse to remove `container` while containers other than the
/// `removed` ones share its network: they could never start again.
/// Podman's message, word for word.
pub fn check_no_dependents(
    all: &[ContainerDir],
    removed: &[String],
    container: &ContainerDir,
) -> anyhow::Result<()> {
    let kept: Vec<&str> = dependents(all, &container.config.id)
        .into_iter()
        .filter(|d| !removed.contains(&d.config.id))
        .map(|d| d.config.id.as_str())
        .collect();
    if kept.is_empty() {
        return Ok(());
    }
    Err(exit_error(
        125,
        format!(
            "container {} has dependent containers which must be removed before it: {}: container already exists",
            container.config.id,
            kept.join(",")
        ),
    ))
}

/// How many `container:` links lead from `container` to the end of its
/// chain: removal goes deepest first, so dependents go before their
/// targets.
pub fn depth(all: &[ContainerDir], container: &ContainerDir) -> usize {
    let mut depth = 0;
    let mut mode = &container.config.network;
    while let NetworkMode::Container { id } = mode {
        depth += 1;
        match all.iter().find(|c| &c.config.id == id) {
            Some(next) if depth < MAX_CHAIN => mode = &next.config.network,
            _ => break,
        }
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::record::tests::config;

    fn make(root: &Path, name: &str, network: NetworkMode, files: &[(&str, &str)]) -> ContainerDir {
        let mut c = config(&record::new_id(), name);
        c.network = network;
        let (made, _lock) = record::create(root, c, false, |dir| {
            for (file, text) in files {
                std::fs::write(dir.join(file), text)?;
            }
            Ok(())
        })
        .unwrap();
        made
    }

    #[test]
    fn files_come_from_the_end_of_the_chain_with_own_names_added() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        let web = make(
            root,
            "web",
            NetworkMode::Slirp(Default::default()),
            &[
                ("hosts", "10.0.2.100\tweb\n"),
                ("resolv.conf", "nameserver 10.0.2.3\n"),
            ],
        );
        let side = make(
            root,
            "side",
            NetworkMode::Container {
                id: web.config.id.clone(),
            },
            &[("hosts", "10.0.2.100\tweb\n10.0.2.100\tside\n")],
        );
        assert_eq!(
            effective_mode(root, &side),
            NetworkMode::Slirp(Default::default())
        );
        let extra = [ExtraHost {
            name: "db".into(),
            ip: "10.1.2.3".parse().unwrap(),
        }];
        let (hosts, resolv) =
            etc_files(root, &side, "third", "third", &extra, &DnsFlags::default());
        assert_eq!(
            hosts,
            "10.1.2.3\tdb\n10.0.2.100\tweb\n10.0.2.100\tside\n10.0.2.100\tthird\n"
        );
        // side has no resolv.conf of its own in this test: empty is what it had.
        assert_eq!(resolv, "");
        let (_, resolv) = etc_files(root, &web, "h", "n", &[], &DnsFlags::default());
        assert_eq!(resolv, "nameserver 10.0.2.3\n");
        let dns = DnsFlags {
            servers: vec!["192.0.2.53".into()],
            ..Default::default()
        };
        let (hosts, resolv) = etc_files(root, &web, "h", "n", &[], &dns);
        assert!(resolv.contains("nameserver 192.0.2.53"), "{resolv}");
        assert!(hosts.ends_with("10.0.2.100\th n\n"), "{hosts}");

        let host = make(
            root,
            "hostnet",
            NetworkMode::Host,
            &[("hosts", "127.0.0.1 localhost\n")],
        );
        let (hosts, _) = etc_files(root, &host, "h", "n", &[], &DnsFlags::default());
        assert_eq!(hosts, "127.0.0.1 localhost\n", "the host's file, as it is");

        let all = record::list(root);
        let deps: Vec<_> = dependents(&all, &web.config.id)
            .iter()
            .map(|c| c.config.name.clone())
            .collect();
        assert_eq!(deps, ["side"]);
        assert!(dependents(&all, &side.config.id).is_empty());
        assert_eq!(depth(&all, &side), 1);
        assert_eq!(depth(&all, &web), 0);
        let err = check_no_dependents(&all, &[], &web).unwrap_err();
        assert!(
            format!("{err:#}").contains("dependent containers"),
            "{err:#}"
        );
        check_no_dependents(&all, std::slice::from_ref(&side.config.id), &web).unwrap();
    }

    #[test]
    fn a_broken_chain_ends_with_no_network() {
        let root = tempfile::tempdir().unwrap();
        let orphan = make(
            root.path(),
            "orphan",
            NetworkMode::Container { id: "0".repeat(64) },
            &[],
        );
        assert_eq!(effective_mode(root.path(), &orphan), NetworkMode::None);
    }

    #[test]
    fn id_maps_must_match() {
        let root = tempfile::tempdir().unwrap();
        make(root.path(), "web", NetworkMode::None, &[]);
        assert!(resolve(root.path(), "web", &None).is_ok());
        let maps = IdMaps {
            uids: vec![crate::sys::userns::IdRange {
                container_id: 0,
                host_id: 1000,
                size: 1,
            }],
            gids: vec![crate::sys::userns::IdRange {
                container_id: 0,
                host_id: 1000,
                size: 1,
            }],
        };
        let err = resolve(root.path(), "web", &Some(maps)).unwrap_err();
        assert!(format!("{err:#}").contains("same --userns"), "{err:#}");
        let err = resolve(root.path(), "nothere", &None).unwrap_err();
        assert!(format!("{err:#}").contains("no such container"), "{err:#}");
    }
}
