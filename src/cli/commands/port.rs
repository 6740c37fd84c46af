//! `cove port`: the published ports of running containers, as Podman
//! prints them (`80/tcp -> 0.0.0.0:8080`, or just the host side when a
//! port is asked for).

use crate::cli::PortArgs;
use crate::container::inspect;
use crate::container::record;
use crate::context::Ctx;
use crate::error::exit_error;
use crate::network::ports::{host_ip_text, Protocol, PublishedPort};

pub fn port(ctx: &Ctx, args: &PortArgs) -> anyhow::Result<i32> {
    let picks = usize::from(args.all) + usize::from(args.latest);
    if picks > 1 {
        return Err(exit_error(
            125,
            "--all and --latest cannot be used together",
        ));
    }
    let (containers, wanted) = if args.all || args.latest {
        if args.args.len() > 1 {
            return Err(exit_error(
                125,
                "no container may be given with --all or --latest, only a port",
            ));
        }
        let containers = if args.all {
            let mut all = record::list(&ctx.paths.root);
            all.sort_by(|a, b| b.config.created.cmp(&a.config.created));
            all
        } else {
            vec![super::top::latest(ctx)?]
        };
        (containers, args.args.first())
    } else {
        let name = args.args.first().ok_or_else(|| {
            exit_error(
                125,
                "you must provide a running container, or use --all or --latest",
            )
        })?;
        (
            vec![record::lookup(&ctx.paths.root, name)?],
            args.args.get(1),
        )
    };
    let wanted = wanted.map(|w| parse_wanted(w)).transpose()?;
    let single = containers.len() == 1 && !args.all;
    let mut found = false;
    for c in &containers {
        let live = inspect::live(c);
        if !live.running() {
            if single {
                return Err(exit_error(
                    125,
                    format!("container {} is not running", c.config.name),
                ));
            }
            continue;
        }
        let ports = &c.state().ports;
        if args.all && !ports.is_empty() {
            println!("{}", &c.config.id[..12]);
        }
        for line in lines(ports, wanted) {
            found = true;
            println!("{line}");
        }
    }
    if let (Some((port, proto)), false) = (wanted, found) {
        return Err(exit_error(
            125,
            format!(
                "failed to find published port \"{port}/{}\"",
                proto.as_str()
            ),
        ));
    }
    Ok(0)
}

/// `PORT[/tcp|udp]`.
fn parse_wanted(text: &str) -> anyhow::Result<(u16, Protocol)> {
    let (port, proto) = text.split_once('/').unwrap_or((text, "tcp"));
    let proto = match proto {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        _ => {
            return Err(exit_error(
                125,
                format!("invalid port {text:?}: the protocol must be tcp or udp"),
            ))
        }
    };
    let port =
        port.parse().ok().filter(|p| *p > 0).ok_or_else(|| {
            exit_error(125, format!("invalid port {text:?}: expected PORT[/PROTO]"))
        })?;
    Ok((port, proto))
}

/// What `port` prints for one container.
fn lines(ports: &[PublishedPort], wanted: Option<(u16, Protocol)>) -> Vec<String> {
    let mut sorted = ports.to_vec();
    sorted.sort_by_key(|p| (p.container_port, p.protocol.as_str(), p.host_port));
    sorted
        .iter()
        .filter_map(|p| match wanted {
            None => Some(format!(
                "{}/{} -> {}:{}",
                p.container_port,
                p.protocol.as_str(),
                host_ip_text(p),
                p.host_port
            )),
            Some((port, proto)) if p.container_port == port && p.protocol == proto => {
                Some(format!("{}:{}", host_ip_text(p), p.host_port))
            }
            Some(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_lines() {
        let ports = [
            PublishedPort {
                host_ip: None,
                host_port: 8080,
                container_port: 80,
                protocol: Protocol::Tcp,
            },
            PublishedPort {
                host_ip: Some("127.0.0.1".parse().unwrap()),
                host_port: 5353,
                container_port: 53,
                protocol: Protocol::Udp,
            },
        ];
        assert_eq!(
            lines(&ports, None),
            ["53/udp -> 127.0.0.1:5353", "80/tcp -> 0.0.0.0:8080"]
        );
        assert_eq!(lines(&ports, Some((80, Protocol::Tcp))), ["0.0.0.0:8080"]);
        assert!(lines(&ports, Some((53, Protocol::Tcp))).is_empty());
        assert_eq!(parse_wanted("53/udp").unwrap(), (53, Protocol::Udp));
        assert!(parse_wanted("53/sctp").is_err());
        assert!(parse_wanted("x").is_err());
    }
}
