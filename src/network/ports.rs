//! Published ports: `-p [ip:][hostPort:]containerPort[/tcp|udp]` parsed as
//! Podman parses it (same forms, same messages), and the host sockets that
//! serve them, bound before the container starts so that a port in use
//! fails the start with a clear message and nothing half-started.

use crate::error::exit_error;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::os::fd::AsFd;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// One `-p` as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortMapping {
    /// None: every IPv4 address of the host.
    pub host_ip: Option<IpAddr>,
    /// 0: a random free port for each container port.
    pub host_port: u16,
    pub container_port: u16,
    /// How many consecutive ports (1 without a range).
    pub range: u16,
    pub protocols: Vec<Protocol>,
}

impl PortMapping {
    /// A random host port for one container port (`-P`, `-p 80`).
    pub fn random(container_port: u16, protocol: Protocol) -> PortMapping {
        PortMapping {
            host_ip: None,
            host_port: 0,
            container_port,
            range: 1,
            protocols: vec![protocol],
        }
    }
}

/// One host port relayed to one container port, after binding (random
/// ports resolved): what `cove port` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedPort {
    pub host_ip: Option<IpAddr>,
    pub host_port: u16,
    pub container_port: u16,
    pub protocol: Protocol,
}

/// A published port and the host socket that serves it (non-blocking,
/// close-on-exec).
pub struct BoundPort {
    pub port: PublishedPort,
    pub socket: HostSocket,
}

pub enum HostSocket {
    Tcp(TcpListener),
    Udp(UdpSocket),
}

/// Parse one `--publish` value.
pub fn parse(text: &str) -> anyhow::Result<PortMapping> {
    let (remainder, proto) = {
        let parts: Vec<&str> = text.split('/').collect();
        match parts.len() {
            1 => (parts[0], None),
            2 => (parts[0], Some(parts[1])),
            _ => anyhow::bail!("invalid port format - protocol can only be specified once"),
        }
    };
    let mut host_ip: Option<&str> = None;
    let mut host_port: Option<&str> = None;
    let mut remainder = remainder;
    let split_v6: Vec<&str> = remainder.split(']').collect();
    let have_v6 = match split_v6.len() {
        1 => false,
        2 => {
            if !split_v6[0].starts_with('[') {
                anyhow::bail!("invalid port format - IPv6 addresses must be enclosed by []");
            }
            if !split_v6[1].starts_with(':') {
                anyhow::bail!(
                    "invalid port format - IPv6 address must be followed by a colon (':')"
                );
            }
            host_ip = Some(&split_v6[0][1..]);
            remainder = &split_v6[1][1..];
            true
        }
        _ => anyhow::bail!(
            "invalid port format - at most one IPv6 address can be specified in a --publish"
        ),
    };
    let split: Vec<&str> = remainder.split(':').collect();
    let ctr_port = match split.len() {
        1 => {
            if have_v6 {
                anyhow::bail!("invalid port format - must provide host and destination port if specifying an IP");
            }
            split[0]
        }
        2 => {
            host_port = Some(split[0]);
            split[1]
        }
        3 => {
            if have_v6 {
                anyhow::bail!("invalid port format - when v6 address specified, must be [ipv6]:hostPort:ctrPort");
            }
            host_ip = Some(split[0]);
            host_port = Some(split[1]);
            split[2]
        }
        _ => anyhow::bail!("invalid port format - format is [[hostIP:]hostPort:]containerPort"),
    };
    if ctr_port.is_empty() {
        anyhow::bail!("must provide a non-empty container port to publish");
    }
    let (container_port, range) =
        parse_range(ctr_port).map_err(|e| anyhow::anyhow!("parsing container port: {e}"))?;
    let protocols = match proto {
        None => vec![Protocol::Tcp],
        Some("") => anyhow::bail!("must provide a non-empty protocol to publish"),
        Some(p) => parse_protocols(p)?,
    };
    let host_ip = match host_ip {
        None => None,
        Some("") => anyhow::bail!("must provide a non-empty container host IP to publish"),
        Some("0.0.0.0") => None,
        Some(ip) => Some(
            ip.parse::<IpAddr>()
                .map_err(|_| anyhow::anyhow!("cannot parse {ip:?} as an IP address"))?,
        ),
    };
    let host_port = match host_port {
        None | Some("") => 0,
        Some(p) => {
            let (start, len) =
                parse_range(p).map_err(|e| anyhow::anyhow!("parsing host port: {e}"))?;
            if len != range {
                anyhow::bail!(
                    "host and container port ranges have different lengths: {len} vs {range}"
                );
            }
            start
        }
    };
    Ok(PortMapping {
        host_ip,
        host_port,
        container_port,
        range,
        protocols,
    })
}

/// `tcp`, `udp` or both comma-separated (Podman's form); duplicates fold.
fn parse_protocols(text: &str) -> anyhow::Result<Vec<Protocol>> {
    let mut out = Vec::new();
    for p in text.split(',') {
        let proto = match p.to_ascii_lowercase().as_str() {
            "tcp" | "" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "sctp" => anyhow::bail!("the slirp network cannot publish SCTP ports"),
            other => anyhow::bail!("unrecognized protocol {other:?} in port mapping"),
        };
        if !out.contains(&proto) {
            out.push(proto);
        }
    }
    Ok(out)
}

/// `start[-end]`: (start, number of ports).
fn parse_range(text: &str) -> Result<(u16, u16), String> {
    let parts: Vec<&str> = text.split('-').collect();
    if parts.len() > 2 {
        return Err("invalid port format - port ranges are formatted as startPort-stopPort".into());
    }
    if parts[0].is_empty() {
        return Err("port numbers cannot be negative".into());
    }
    let start = parse_port(parts[0])?;
    if parts.len() == 1 {
        return Ok((start, 1));
    }
    if parts[1].is_empty() {
        return Err("must provide ending number for port range".into());
    }
    let end = parse_port(parts[1])?;
    if end <= start {
        return Err(format!(
            "the end port of a range must be higher than the start port - {end} is not higher than {start}"
        ));
    }
    Ok((start, end - start + 1))
}

fn parse_port(text: &str) -> Result<u16, String> {
    // Go's strconv.Atoi accepts a sign; so does Podman, then range-checks.
    let num: i64 = text.parse().map_err(|_| {
        format!("invalid port number: strconv.Atoi: parsing {text:?}: invalid syntax")
    })?;
    if !(1..=65535).contains(&num) {
        return Err(format!(
            "port numbers must be between 1 and 65535 (inclusive), got {num}"
        ));
    }
    Ok(num as u16)
}

/// Expand mappings into single ports (one per port and protocol), host
/// port 0 standing for "random".
pub fn expand(mappings: &[PortMapping]) -> Vec<PublishedPort> {
    let mut out = Vec::new();
    for m in mappings {
        for i in 0..m.range {
            for &protocol in &m.protocols {
                out.push(PublishedPort {
                    host_ip: m.host_ip,
                    host_port: if m.host_port == 0 { 0 } else { m.host_port + i },
                    container_port: m.container_port + i,
                    protocol,
                });
            }
        }
    }
    out
}

/// Bind every published port's host socket (all or none). Errors exit 125
/// and say which port and why.
pub fn bind_all(mappings: &[PortMapping]) -> anyhow::Result<Vec<BoundPort>> {
    let mut bound = Vec::new();
    for port in expand(mappings) {
        if let Some(dup) = bound.iter().find(|b: &&BoundPort| {
            b.port.host_port != 0
                && b.port.host_port == port.host_port
                && b.port.protocol == port.protocol
                && b.port.host_ip == port.host_ip
        }) {
            return Err(exit_error(
                125,
                format!(
                    "host port {} is published twice (to container ports {} and {})",
                    port.host_port, dup.port.container_port, port.container_port
                ),
            ));
        }
        bound.push(bind(port)?);
    }
    Ok(bound)
}

/// Bind one published port's host socket.
pub fn bind(mut port: PublishedPort) -> anyhow::Result<BoundPort> {
    let ip = port.host_ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let addr = SocketAddr::new(ip, port.host_port);
    let result = match port.protocol {
        Protocol::Tcp => TcpListener::bind(addr).map(HostSocket::Tcp),
        Protocol::Udp => UdpSocket::bind(addr).map(HostSocket::Udp),
    };
    let socket = result.map_err(|e| bind_error(&port, addr, &e))?;
    let local = match &socket {
        HostSocket::Tcp(l) => {
            l.set_nonblocking(true)?;
            l.local_addr()?
        }
        HostSocket::Udp(s) => {
            s.set_nonblocking(true)?;
            s.local_addr()?
        }
    };
    port.host_port = local.port();
    Ok(BoundPort { port, socket })
}

fn bind_error(port: &PublishedPort, addr: SocketAddr, err: &std::io::Error) -> anyhow::Error {
    let what = format!(
        "listen {} {addr}: bind: {}",
        port.protocol.as_str(),
        os_error_text(err)
    );
    let hint = match err.raw_os_error() {
        Some(libc::EADDRINUSE) => format!(
            " (is another container or program publishing host port {}? choose another one)",
            port.host_port
        ),
        Some(libc::EACCES) => {
            let floor = std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
                .ok()
                .and_then(|s| s.trim().parse::<u32>().ok())
                .unwrap_or(1024);
            format!(
                " (ports below {floor} are privileged: choose a port of {floor} or more, \
                 or lower net.ipv4.ip_unprivileged_port_start to {})",
                port.host_port
            )
        }
        Some(libc::EADDRNOTAVAIL) => format!(" ({} is not an address of this host)", addr.ip()),
        _ => String::new(),
    };
    exit_error(
        125,
        format!("cannot publish port {}: {what}{hint}", port.container_port),
    )
}

/// "address already in use", as Go (and so Podman) words it, not Rust's
/// "Address already in use (os error 98)".
fn os_error_text(err: &std::io::Error) -> String {
    let text = err.to_string();
    let text = match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// Published ports grouped into runs of consecutive ports (same
/// address and protocol, host and container ports both consecutive), as
/// `ps` shows them: (first port, how many).
pub fn runs(ports: &[PublishedPort]) -> Vec<(PublishedPort, u16)> {
    let mut sorted = ports.to_vec();
    sorted.sort_by_key(|p| {
        (
            p.protocol.as_str(),
            p.host_ip,
            p.container_port,
            p.host_port,
        )
    });
    let mut out: Vec<(PublishedPort, u16)> = Vec::new();
    for p in sorted {
        if let Some((first, n)) = out.last_mut() {
            if first.protocol == p.protocol
                && first.host_ip == p.host_ip
                && u32::from(first.container_port) + u32::from(*n) == u32::from(p.container_port)
                && u32::from(first.host_port) + u32::from(*n) == u32::from(p.host_port)
            {
                *n += 1;
                continue;
            }
        }
        out.push((p, 1));
    }
    out
}

/// The host address as Podman prints it: 0.0.0.0 for "every address".
pub fn host_ip_text(port: &PublishedPort) -> String {
    port.host_ip
        .map_or_else(|| "0.0.0.0".to_string(), |ip| ip.to_string())
}

/// `ps`'s PORTS column: `0.0.0.0:8080->80/tcp, 0.0.0.0:9000-9001->90-91/udp`.
pub fn ps_text(ports: &[PublishedPort]) -> String {
    let range = |start: u16, n: u16| {
        if n == 1 {
            start.to_string()
        } else {
            format!("{start}-{}", start + n - 1)
        }
    };
    runs(ports)
        .iter()
        .map(|(p, n)| {
            format!(
                "{}:{}->{}/{}",
                host_ip_text(p),
                range(p.host_port, *n),
                range(p.container_port, *n),
                p.protocol.as_str()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl BoundPort {
    pub fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        match &self.socket {
            HostSocket::Tcp(l) => l.as_fd(),
            HostSocket::Udp(s) => s.as_fd(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ps_groups_consecutive_ports() {
        let mk = |h: u16, c: u16, protocol: Protocol| PublishedPort {
            host_ip: None,
            host_port: h,
            container_port: c,
            protocol,
        };
        let ports = [
            mk(8001, 81, Protocol::Tcp),
            mk(8000, 80, Protocol::Tcp),
            mk(9000, 53, Protocol::Udp),
            mk(8005, 82, Protocol::Tcp),
        ];
        assert_eq!(
            ps_text(&ports),
            "0.0.0.0:8000-8001->80-81/tcp, 0.0.0.0:8005->82/tcp, 0.0.0.0:9000->53/udp"
        );
        assert_eq!(ps_text(&[]), "");
    }

    fn ok(text: &str) -> PortMapping {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn forms() {
        let m = ok("80");
        assert_eq!(
            (m.host_ip, m.host_port, m.container_port, m.range),
            (None, 0, 80, 1)
        );
        assert_eq!(m.protocols, vec![Protocol::Tcp]);
        let m = ok("8080:80");
        assert_eq!((m.host_port, m.container_port), (8080, 80));
        let m = ok("127.0.0.1:8080:80/udp");
        assert_eq!(m.host_ip, Some("127.0.0.1".parse().unwrap()));
        assert_eq!(m.protocols, vec![Protocol::Udp]);
        let m = ok("127.0.0.1::80");
        assert_eq!((m.host_port, m.container_port), (0, 80));
        let m = ok("0.0.0.0:8080:80");
        assert_eq!(m.host_ip, None);
        let m = ok("[::1]:8080:80");
        assert_eq!(m.host_ip, Some("::1".parse().unwrap()));
        let m = ok("8000-8010:80-90/tcp,udp");
        assert_eq!((m.host_port, m.container_port, m.range), (8000, 80, 11));
        assert_eq!(m.protocols, vec![Protocol::Tcp, Protocol::Udp]);
        let m = ok("80-82");
        assert_eq!((m.host_port, m.container_port, m.range), (0, 80, 3));
        let m = ok(":80/TCP");
        assert_eq!((m.host_port, m.container_port), (0, 80));
    }

    #[test]
    fn podman_messages() {
        assert_eq!(
            err("1/tcp/udp"),
            "invalid port format - protocol can only be specified once"
        );
        assert_eq!(
            err("::1]:80:80"),
            "invalid port format - IPv6 addresses must be enclosed by []"
        );
        assert_eq!(
            err("[::1]80"),
            "invalid port format - IPv6 address must be followed by a colon (':')"
        );
        assert_eq!(
            err("[::1]:80"),
            "invalid port format - must provide host and destination port if specifying an IP"
        );
        assert_eq!(
            err("[::1]:1:2:3"),
            "invalid port format - when v6 address specified, must be [ipv6]:hostPort:ctrPort"
        );
        assert_eq!(
            err("1:2:3:4"),
            "invalid port format - format is [[hostIP:]hostPort:]containerPort"
        );
        assert_eq!(
            err("8080:"),
            "must provide a non-empty container port to publish"
        );
        assert_eq!(err("abc"), "parsing container port: invalid port number: strconv.Atoi: parsing \"abc\": invalid syntax");
        assert_eq!(
            err("0"),
            "parsing container port: port numbers must be between 1 and 65535 (inclusive), got 0"
        );
        assert_eq!(err("70000"), "parsing container port: port numbers must be between 1 and 65535 (inclusive), got 70000");
        assert_eq!(
            err("-5"),
            "parsing container port: port numbers cannot be negative"
        );
        assert_eq!(err("90-80"), "parsing container port: the end port of a range must be higher than the start port - 80 is not higher than 90");
        assert_eq!(
            err("80-"),
            "parsing container port: must provide ending number for port range"
        );
        assert_eq!(err("1-2-3"), "parsing container port: invalid port format - port ranges are formatted as startPort-stopPort");
        assert_eq!(err("80/"), "must provide a non-empty protocol to publish");
        assert_eq!(
            err("80/icmp"),
            "unrecognized protocol \"icmp\" in port mapping"
        );
        assert_eq!(
            err(":8080:80"),
            "must provide a non-empty container host IP to publish"
        );
        assert_eq!(
            err("1.2.3:8080:80"),
            "cannot parse \"1.2.3\" as an IP address"
        );
        assert_eq!(
            err("x:80"),
            "parsing host port: invalid port number: strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            err("8000-8001:80-82"),
            "host and container port ranges have different lengths: 2 vs 3"
        );
    }

    #[test]
    fn expands_ranges_and_protocols() {
        let ports = expand(&[ok("8000-8001:80-81/tcp,udp")]);
        assert_eq!(ports.len(), 4);
        assert_eq!((ports[3].host_port, ports[3].container_port), (8001, 81));
        assert_eq!(ports[3].protocol, Protocol::Udp);
        let ports = expand(&[ok("80-81")]);
        assert!(ports.iter().all(|p| p.host_port == 0));
    }

    #[test]
    fn binds_random_and_reports_in_use() {
        let mut m = ok("127.0.0.1::80");
        let bound = bind_all(std::slice::from_ref(&m)).unwrap();
        assert_ne!(bound[0].port.host_port, 0);
        m.host_port = bound[0].port.host_port;
        let e = bind_all(&[m]).err().unwrap();
        assert_eq!(crate::error::exit_code(&e), 125);
        assert!(e.to_string().contains("address already in use"), "{e}");
        let e = bind_all(&[ok("127.0.0.1:9999:80"), ok("127.0.0.1:9999:81")])
            .err()
            .unwrap();
        assert!(e.to_string().contains("published twice"), "{e}");
    }
}
