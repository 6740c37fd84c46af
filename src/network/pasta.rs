//! `--network pasta[:OPTIONS]`: the pasta binary (from the passt package)
//! gives the container's namespace its network instead of cove's stack.
//! cove runs it once the namespace exists and before the command starts;
//! pasta configures the namespace, goes to the background and quits when
//! the namespace's last process exits.

use super::ports::{PortMapping, Protocol, PublishedPort};
use crate::error::exit_error;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket};

/// pasta's arguments for a container (without the target pid, which
/// comes last): the user's options, then `-t`/`-u` for the published
/// ports, and no forwarding from the namespace to the host unless the
/// user asked for it.
pub fn arguments(user_args: &[String], published: &[PublishedPort]) -> Vec<String> {
    let mut args = vec!["--config-net".to_string(), "--quiet".to_string()];
    args.extend(user_args.iter().cloned());
    let given = |flags: &[&str]| {
        user_args.iter().any(|a| {
            flags
                .iter()
                .any(|f| a == f || a.starts_with(&format!("{f}=")))
        })
    };
    for (flag, long, proto) in [
        ("-t", "--tcp-ports", Protocol::Tcp),
        ("-u", "--udp-ports", Protocol::Udp),
    ] {
        let mut any = false;
        for p in published.iter().filter(|p| p.protocol == proto) {
            let spec = match p.host_ip {
                Some(ip) => format!("{ip}/{}:{}", p.host_port, p.container_port),
                None => format!("{}:{}", p.host_port, p.container_port),
            };
            args.push(flag.to_string());
            args.push(spec);
            any = true;
        }
        if !any && !given(&[flag, long]) {
            args.extend([flag.to_string(), "none".to_string()]);
        }
    }
    for (flag, long) in [("-T", "--tcp-ns"), ("-U", "--udp-ns")] {
        if !given(&[flag, long]) {
            args.extend([flag.to_string(), "none".to_string()]);
        }
    }
    args
}

/// Give every random host port (0) a free port now: pasta cannot pick
/// one itself, and `cove port` must say which it is.
pub fn resolve_random_ports(ports: Vec<PublishedPort>) -> anyhow::Result<Vec<PublishedPort>> {
    ports
        .into_iter()
        .map(|mut p| {
            if p.host_port == 0 {
                let ip = p.host_ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
                let addr = SocketAddr::new(ip, 0);
                let found = match p.protocol {
                    Protocol::Tcp => TcpListener::bind(addr).and_then(|l| l.local_addr()),
                    Protocol::Udp => UdpSocket::bind(addr).and_then(|s| s.local_addr()),
                };
                p.host_port = found
                    .map_err(|e| {
                        exit_error(125, format!("finding a free host port for {ip}: {e}"))
                    })?
                    .port();
            }
            Ok(p)
        })
        .collect()
}

/// The published ports of `-p` for pasta, random ones resolved.
pub fn published(mappings: &[PortMapping]) -> anyhow::Result<Vec<PublishedPort>> {
    resolve_random_ports(super::ports::expand(mappings))
}

/// Run pasta for the namespaces of `pid` and wait until it has set them
/// up (it forks to the background once ready).
pub fn start(args: &[String], pid: i32) -> anyhow::Result<()> {
    let output = std::process::Command::new("pasta")
        .args(args)
        .arg(pid.to_string())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output();
    let output = match output {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(exit_error(
                125,
                "--network pasta: the pasta binary is not installed; install the passt package (apt-get install passt) or use --network slirp",
            ))
        }
        Err(e) => return Err(exit_error(125, format!("--network pasta: running pasta: {e}"))),
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("Failed to send") && !l.trim().is_empty())
            .collect();
        return Err(exit_error(
            125,
            format!(
                "--network pasta: pasta failed ({}): {}",
                output.status,
                message.join("; ")
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(host: u16, container: u16, protocol: Protocol) -> PublishedPort {
        PublishedPort {
            host_ip: None,
            host_port: host,
            container_port: container,
            protocol,
        }
    }

    #[test]
    fn no_ports_forward_nothing() {
        assert_eq!(
            arguments(&[], &[]),
            [
                "--config-net",
                "--quiet",
                "-t",
                "none",
                "-u",
                "none",
                "-T",
                "none",
                "-U",
                "none"
            ]
        );
    }

    #[test]
    fn published_ports_become_forwards() {
        let mut p = port(8080, 80, Protocol::Tcp);
        p.host_ip = Some("127.0.0.1".parse().unwrap());
        let args = arguments(
            &["-T".into(), "5432".into()],
            &[p, port(5353, 53, Protocol::Udp)],
        );
        assert_eq!(
            args,
            [
                "--config-net",
                "--quiet",
                "-T",
                "5432",
                "-t",
                "127.0.0.1/8080:80",
                "-u",
                "5353:53",
                "-U",
                "none"
            ]
        );
    }

    #[test]
    fn random_ports_are_resolved() {
        let ports = resolve_random_ports(vec![port(0, 80, Protocol::Tcp)]).unwrap();
        assert_ne!(ports[0].host_port, 0);
    }
}
