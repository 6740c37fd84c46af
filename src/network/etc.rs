//! The container's /etc/hosts and /etc/resolv.conf, made at `create` from
//! its network mode and the `--dns*`, `--add-host` and `--hostname` flags,
//! the way Podman writes them.

use super::NetworkMode;
use std::net::IpAddr;

/// `--dns`, `--dns-search`, `--dns-option` as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsFlags {
    pub servers: Vec<String>,
    pub search: Vec<String>,
    pub options: Vec<String>,
}

/// One `--add-host NAME:IP` (`host-gateway` resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraHost {
    pub name: String,
    pub ip: IpAddr,
}

/// Check the `--dns` values: addresses, or `none` alone.
pub fn check_dns(flags: &DnsFlags) -> anyhow::Result<()> {
    if flags.servers.iter().any(|s| s == "none") {
        if flags.servers.len() > 1 {
            anyhow::bail!("--dns none cannot be combined with other name servers");
        }
        return Ok(());
    }
    for server in &flags.servers {
        server.parse::<IpAddr>().map_err(|_| {
            anyhow::anyhow!("--dns {server}: not an IP address (give the name server's address)")
        })?;
    }
    Ok(())
}

/// Parse `--add-host NAME:IP`; `host-gateway` is the host as the container
/// reaches it in `network`.
pub fn parse_add_host(text: &str, network: &NetworkMode) -> anyhow::Result<ExtraHost> {
    // IPv6 addresses have colons: the name ends at the first one.
    let (name, ip) = text
        .split_once(':')
        .ok_or_else(|| anyhow::anyhow!("--add-host {text}: expected HOST:IP"))?;
    if name.is_empty() || name.contains(char::is_whitespace) {
        anyhow::bail!("--add-host {text}: invalid host name {name:?}");
    }
    let ip = if ip == "host-gateway" {
        match network {
            NetworkMode::Slirp(_) => IpAddr::V4(super::GATEWAY_IP),
            NetworkMode::Host => IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            _ => anyhow::bail!(
                "--add-host {text}: host-gateway needs --network slirp (where it is 10.0.2.2) or host"
            ),
        }
    } else {
        let trimmed = ip.trim_start_matches('[').trim_end_matches(']');
        trimmed
            .parse()
            .map_err(|_| anyhow::anyhow!("--add-host {text}: invalid IP address {ip:?}"))?
    };
    Ok(ExtraHost {
        name: name.to_string(),
        ip,
    })
}

/// /etc/hosts for a container. `host_hosts` is the host's own file (used
/// as is with the host's network).
pub fn hosts_file(
    network: &NetworkMode,
    hostname: &str,
    name: Option<&str>,
    extra: &[ExtraHost],
    host_hosts: &str,
) -> String {
    let mut out = String::new();
    for h in extra {
        out.push_str(&format!("{}\t{}\n", h.ip, h.name));
    }
    if *network == NetworkMode::Host {
        out.push_str(host_hosts);
        return out;
    }
    out.push_str("127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n");
    out.push_str("::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n");
    let names = match name {
        Some(n) if n != hostname => format!("{hostname} {n}"),
        _ => hostname.to_string(),
    };
    match network {
        NetworkMode::Slirp(opts) => {
            out.push_str(&format!("{}\t{names}\n", super::CONTAINER_IP));
            if opts.allow_host_loopback {
                out.push_str(&format!(
                    "{}\thost.containers.internal host.docker.internal\n",
                    super::GATEWAY_IP
                ));
            }
        }
        _ => out.push_str(&format!("127.0.1.1\t{names}\n")),
    }
    out
}

/// /etc/resolv.conf for a container, from the host's (`host_resolv`) and
/// the flags.
pub fn resolv_conf(network: &NetworkMode, flags: &DnsFlags, host_resolv: &str) -> String {
    let host_lines = |key: &str| -> Vec<String> {
        host_resolv
            .lines()
            .filter_map(|l| {
                let mut words = l.split_whitespace();
                (words.next() == Some(key)).then(|| words.collect::<Vec<_>>().join(" "))
            })
            .filter(|rest| !rest.is_empty())
            .collect()
    };
    let servers: Vec<String> = if !flags.servers.is_empty() {
        flags
            .servers
            .iter()
            .filter(|s| *s != "none")
            .cloned()
            .collect()
    } else {
        match network {
            // The forwarder in cove's stack asks the host's resolvers.
            NetworkMode::Slirp(_) => vec![super::DNS_IP.to_string()],
            // The host's loopback is not the container's.
            NetworkMode::Pasta { .. } | NetworkMode::None => host_lines("nameserver")
                .into_iter()
                .filter(|s| !s.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()))
                .collect(),
            _ => host_lines("nameserver"),
        }
    };
    let search: Vec<String> = if flags.search.is_empty() {
        host_lines("search")
    } else if flags.search.iter().any(|s| s == ".") {
        Vec::new()
    } else {
        vec![flags.search.join(" ")]
    };
    let options: Vec<String> = if flags.options.is_empty() {
        host_lines("options")
    } else {
        vec![flags.options.join(" ")]
    };
    let mut out = String::new();
    for s in search {
        out.push_str(&format!("search {s}\n"));
    }
    for s in servers {
        out.push_str(&format!("nameserver {s}\n"));
    }
    for o in options {
        out.push_str(&format!("options {o}\n"));
    }
    out
}

/// /etc/resolv.conf for a container on user networks: the DNS servers on
/// the gateways of those that have one (`dns_gateways`), with Podman's
/// search domain first; the host's non-loopback resolvers otherwise.
pub fn bridge_resolv_conf(dns_gateways: &[IpAddr], flags: &DnsFlags, host_resolv: &str) -> String {
    if dns_gateways.is_empty() {
        return resolv_conf(&NetworkMode::None, flags, host_resolv);
    }
    let mut f = flags.clone();
    if f.servers.is_empty() {
        f.servers = dns_gateways.iter().map(|g| g.to_string()).collect();
    }
    let text = resolv_conf(&NetworkMode::None, &f, host_resolv);
    let domain = super::named::dns::DOMAIN;
    if text.starts_with("search ") {
        text.replacen("search ", &format!("search {domain} "), 1)
    } else {
        format!("search {domain}\n{text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::SlirpOptions;

    #[test]
    fn bridge_networks_resolve_at_their_gateways() {
        let gw: Vec<IpAddr> = vec!["10.89.0.1".parse().unwrap()];
        let r = bridge_resolv_conf(&gw, &DnsFlags::default(), HOST);
        assert_eq!(
            r,
            "search dns.podman lan example.com\nnameserver 10.89.0.1\noptions edns0\n"
        );
        let r = bridge_resolv_conf(&[], &DnsFlags::default(), HOST);
        assert!(
            r.contains("nameserver 192.0.2.1") && !r.contains("127.0.0.53"),
            "{r}"
        );
        let no_search = bridge_resolv_conf(&gw, &DnsFlags::default(), "nameserver 1.1.1.1\n");
        assert!(
            no_search.starts_with("search dns.podman\nnameserver 10.89.0.1"),
            "{no_search}"
        );
    }

    const HOST: &str = "# generated\nsearch lan example.com\nnameserver 127.0.0.53\nnameserver 192.0.2.1\noptions edns0\n";

    fn slirp(loopback: bool) -> NetworkMode {
        NetworkMode::Slirp(SlirpOptions {
            allow_host_loopback: loopback,
            ..SlirpOptions::default()
        })
    }

    #[test]
    fn resolv_for_slirp_points_at_the_forwarder() {
        let r = resolv_conf(&slirp(false), &DnsFlags::default(), HOST);
        assert_eq!(
            r,
            "search lan example.com\nnameserver 10.0.2.3\noptions edns0\n"
        );
    }

    #[test]
    fn resolv_flags_override_the_host() {
        let flags = DnsFlags {
            servers: vec!["1.1.1.1".into(), "2001:db8::1".into()],
            search: vec!["a.test".into(), "b.test".into()],
            options: vec!["ndots:2".into()],
        };
        let r = resolv_conf(&slirp(false), &flags, HOST);
        assert_eq!(
            r,
            "search a.test b.test\nnameserver 1.1.1.1\nnameserver 2001:db8::1\noptions ndots:2\n"
        );
        let none = DnsFlags {
            search: vec![".".into()],
            servers: vec!["none".into()],
            ..DnsFlags::default()
        };
        assert_eq!(resolv_conf(&slirp(false), &none, HOST), "options edns0\n");
    }

    #[test]
    fn resolv_drops_loopback_servers_the_container_cannot_reach() {
        let r = resolv_conf(&NetworkMode::None, &DnsFlags::default(), HOST);
        assert!(r.contains("nameserver 192.0.2.1\n"));
        assert!(!r.contains("127.0.0.53"));
        let h = resolv_conf(&NetworkMode::Host, &DnsFlags::default(), HOST);
        assert!(h.contains("nameserver 127.0.0.53\n"));
    }

    #[test]
    fn dns_flags_are_checked() {
        let ok = DnsFlags {
            servers: vec!["10.1.1.1".into()],
            ..DnsFlags::default()
        };
        assert!(check_dns(&ok).is_ok());
        let bad = DnsFlags {
            servers: vec!["dns.example".into()],
            ..DnsFlags::default()
        };
        assert!(check_dns(&bad).is_err());
        let mixed = DnsFlags {
            servers: vec!["none".into(), "10.1.1.1".into()],
            ..DnsFlags::default()
        };
        assert!(check_dns(&mixed).is_err());
    }

    #[test]
    fn add_host_forms() {
        let h = parse_add_host("db:10.1.2.3", &NetworkMode::None).unwrap();
        assert_eq!(
            (h.name.as_str(), h.ip.to_string()),
            ("db", "10.1.2.3".into())
        );
        let h = parse_add_host("v6:2001:db8::5", &NetworkMode::None).unwrap();
        assert_eq!(h.ip.to_string(), "2001:db8::5");
        let h = parse_add_host("gw:host-gateway", &slirp(true)).unwrap();
        assert_eq!(h.ip.to_string(), "10.0.2.2");
        assert!(parse_add_host("gw:host-gateway", &NetworkMode::None).is_err());
        assert!(parse_add_host("nocolon", &NetworkMode::None).is_err());
        assert!(parse_add_host(":1.2.3.4", &NetworkMode::None).is_err());
        assert!(parse_add_host("x:1.2.3", &NetworkMode::None).is_err());
    }

    #[test]
    fn hosts_per_mode() {
        let extra = [ExtraHost {
            name: "db".into(),
            ip: "10.1.2.3".parse().unwrap(),
        }];
        let s = hosts_file(&slirp(true), "abc", Some("web"), &extra, "");
        assert!(s.starts_with("10.1.2.3\tdb\n127.0.0.1\tlocalhost"));
        assert!(s.contains("10.0.2.100\tabc web\n"));
        assert!(s.contains("10.0.2.2\thost.containers.internal"));
        let s = hosts_file(&slirp(false), "abc", None, &[], "");
        assert!(!s.contains("host.containers.internal"));
        let s = hosts_file(&NetworkMode::None, "abc", None, &[], "");
        assert!(s.ends_with("127.0.1.1\tabc\n"));
        let s = hosts_file(&NetworkMode::Host, "abc", None, &extra, "1.1.1.1 h\n");
        assert_eq!(s, "10.1.2.3\tdb\n1.1.1.1 h\n");
    }
}
