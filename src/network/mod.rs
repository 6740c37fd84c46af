//! cove's built-in user-mode network (`--network slirp`), the rootless
//! default: the container gets its own network namespace with a tap device,
//! and the container's monitor runs a user-mode TCP/IP stack on it that
//! turns the container's flows into ordinary host sockets, as slirp4netns
//! and pasta do, with no helper binary.
//!
//! - [`tap`]: creates and configures `tap0` inside the new namespace (runs
//!   in the cloned child before exec).
//! - [`slirp`]: the stack (smoltcp) and the NAT, driven by the monitor's
//!   single-threaded poll loop.
//! - [`ports`]: `-p` parsing and the host sockets of published ports.
//!
//! The addresses are slirp4netns's, which users and images already know.

pub mod etc;
pub mod named;
pub mod pasta;
pub mod ports;
pub mod slirp;
pub mod tap;

use std::net::{Ipv4Addr, SocketAddr};

/// The container's address on the tap.
pub const CONTAINER_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 100);
/// The gateway (the monitor's stack); also the host's loopback when allowed.
pub const GATEWAY_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 2);
/// The DNS forwarder (the monitor's stack).
pub const DNS_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 3);
/// The container's tap MAC address (fixed, so the stack can address
/// frames to it before it has said anything).
pub const GUEST_MAC: [u8; 6] = [0x02, 0x00, 0x0a, 0x00, 0x02, 0x64];
/// The stack's MAC address, as the container sees the gateway.
pub const GATEWAY_MAC: [u8; 6] = [0x02, 0x00, 0x0a, 0x00, 0x02, 0x02];
/// The network's prefix length (10.0.2.0/24).
pub const PREFIX_LEN: u8 = 24;
/// Default MTU, as slirp4netns and pasta use: big frames cost less per byte.
pub const DEFAULT_MTU: u32 = 65520;
/// The smallest MTU IPv4 allows on a link.
pub const MIN_MTU: u32 = 576;
/// The largest MTU a tap frame can carry (16-bit IP total length).
pub const MAX_MTU: u32 = 65521;

/// What the container process must set up for the slirp network (a field
/// of the runtime's LaunchPlan): the tap, with this MTU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkPlan {
    pub mtu: u32,
}

/// The options of `--network slirp[:opt=value,...]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SlirpOptions {
    pub mtu: u32,
    /// Let the container reach the host's loopback as 10.0.2.2.
    pub allow_host_loopback: bool,
}

impl Default for SlirpOptions {
    fn default() -> Self {
        SlirpOptions {
            mtu: DEFAULT_MTU,
            allow_host_loopback: false,
        }
    }
}

impl SlirpOptions {
    /// Parse the text after `slirp:` (empty for plain `slirp`):
    /// comma-separated `mtu=N` and `allow_host_loopback=true|false`.
    pub fn parse(text: &str) -> anyhow::Result<SlirpOptions> {
        let mut opts = SlirpOptions::default();
        for item in text.split(',').filter(|s| !s.is_empty()) {
            let (key, value) = item.split_once('=').ok_or_else(|| {
                anyhow::anyhow!("invalid slirp option {item:?}: expected key=value")
            })?;
            match key {
                "mtu" => {
                    let mtu: u32 = value
                        .parse()
                        .map_err(|_| anyhow::anyhow!("invalid slirp mtu {value:?}"))?;
                    if !(MIN_MTU..=MAX_MTU).contains(&mtu) {
                        anyhow::bail!(
                            "slirp mtu must be between {MIN_MTU} and {MAX_MTU}, got {mtu}"
                        );
                    }
                    opts.mtu = mtu;
                }
                "allow_host_loopback" => {
                    opts.allow_host_loopback = match value {
                        "true" => true,
                        "false" => false,
                        _ => anyhow::bail!(
                        "invalid value {value:?} for allow_host_loopback: expected true or false"
                    ),
                    }
                }
                _ => anyhow::bail!(
                    "unknown slirp option {key:?} (supported: mtu, allow_host_loopback)"
                ),
            }
        }
        Ok(opts)
    }
}

/// A container's `--network`, as recorded with it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase", tag = "mode")]
pub enum NetworkMode {
    /// Its own network namespace with only loopback. The default of
    /// records made before cove had a network.
    #[default]
    None,
    /// The host's network namespace.
    Host,
    /// cove's own user-mode network (the default).
    Slirp(SlirpOptions),
    /// The pasta binary (passt package), with these extra arguments.
    Pasta { args: Vec<String> },
    /// Another container's network namespace (`container:NAME`), by id.
    Container { id: String },
    /// User-defined networks (`--network NAME[:OPTIONS]`, several), each a
    /// bridge in the shared network host (see `named::host`).
    Bridge { networks: Vec<Attachment> },
}

/// One user network a container is attached to, with its own options.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Attachment {
    /// The network's name (resolved at create).
    pub network: String,
    /// More names the container has on this network (`alias=`,
    /// `--network-alias`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Static addresses (`ip=`, `ip6=`, `--ip`).
    #[serde(default)]
    pub ips: Vec<std::net::IpAddr>,
    /// A static MAC address (`mac=`, `--mac-address`).
    #[serde(default)]
    pub mac: Option<String>,
}

impl Attachment {
    /// `NAME[:alias=A,ip=IP,ip6=IP,mac=MAC]`; `bridge` is the default
    /// network, as in Podman.
    pub fn parse(arg: &str) -> anyhow::Result<Attachment> {
        let (name, opts) = arg.split_once(':').unwrap_or((arg, ""));
        let network = if name == "bridge" {
            named::DEFAULT_NAME.to_string()
        } else {
            name.to_string()
        };
        if !named::valid_name(&network) {
            anyhow::bail!("--network {arg}: invalid network name {name:?}");
        }
        let mut a = Attachment {
            network,
            ..Default::default()
        };
        for item in opts.split(',').filter(|s| !s.is_empty()) {
            let (key, value) = item.split_once('=').ok_or_else(|| {
                anyhow::anyhow!("--network {arg}: invalid option {item:?}: expected key=value")
            })?;
            match key {
                "alias" => a.add_alias(value)?,
                "ip" | "ip6" => a.add_ip(value)?,
                "mac" => a.set_mac(value)?,
                _ => anyhow::bail!(
                    "--network {arg}: unknown option {key:?} (supported: alias, ip, ip6, mac)"
                ),
            }
        }
        Ok(a)
    }

    pub fn add_alias(&mut self, alias: &str) -> anyhow::Result<()> {
        let ok = !alias.is_empty()
            && alias.len() <= 253
            && alias.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
                    && !label.starts_with('-')
            });
        if !ok {
            anyhow::bail!("invalid network alias {alias:?}: it must be a DNS name (letters, digits, '-', '_', '.')");
        }
        if !self.aliases.iter().any(|x| x == alias) {
            self.aliases.push(alias.to_string());
        }
        Ok(())
    }

    pub fn add_ip(&mut self, ip: &str) -> anyhow::Result<()> {
        let parsed: std::net::IpAddr = ip
            .parse()
            .map_err(|_| anyhow::anyhow!("invalid IP address {ip:?}"))?;
        if self.ips.iter().any(|x| x.is_ipv4() == parsed.is_ipv4()) {
            anyhow::bail!("only one static IPv4 and one IPv6 address per network");
        }
        self.ips.push(parsed);
        Ok(())
    }

    pub fn set_mac(&mut self, mac: &str) -> anyhow::Result<()> {
        named::host::parse_mac(mac)?;
        self.mac = Some(mac.to_lowercase());
        Ok(())
    }
}

impl NetworkMode {
    /// Parse a `--network`/`--net` value. `container:NAME` comes back
    /// with NAME as given; the caller resolves it to an id.
    pub fn parse(arg: &str) -> anyhow::Result<NetworkMode> {
        let (mode, opts) = match arg.split_once(':') {
            Some((m, o)) => (m, Some(o)),
            None => (arg, None),
        };
        let no_options = |mode: NetworkMode| match opts {
            None => Ok(mode),
            Some(_) => Err(anyhow::anyhow!(
                "--network {arg}: the {} mode takes no options",
                mode.name()
            )),
        };
        match mode {
            "none" => no_options(NetworkMode::None),
            "host" => no_options(NetworkMode::Host),
            "slirp" | "slirp4netns" => Ok(NetworkMode::Slirp(SlirpOptions::parse(
                opts.unwrap_or(""),
            )?)),
            "pasta" => Ok(NetworkMode::Pasta {
                args: opts
                    .unwrap_or("")
                    .split(',')
                    .filter(|a| !a.is_empty())
                    .map(String::from)
                    .collect(),
            }),
            "container" => match opts {
                Some(name) if !name.is_empty() => Ok(NetworkMode::Container {
                    id: name.to_string(),
                }),
                _ => anyhow::bail!("--network {arg}: expected container:NAME"),
            },
            "private" => anyhow::bail!(
                "--network {arg}: use slirp (the default), pasta, host, none, container:NAME or a network's name"
            ),
            "ns" => anyhow::bail!(
                "--network {arg}: joining a namespace by path is not supported; use container:NAME"
            ),
            // Anything else names a user network (checked at create).
            _ => Ok(NetworkMode::Bridge {
                networks: vec![Attachment::parse(arg)?],
            }),
        }
    }

    /// Several `--network` values: one mode, or several user networks.
    pub fn parse_all(args: &[String]) -> anyhow::Result<NetworkMode> {
        match args {
            [] => NetworkMode::parse("slirp"),
            [one] => NetworkMode::parse(one),
            many => {
                let mut networks: Vec<Attachment> = Vec::new();
                for arg in many {
                    match NetworkMode::parse(arg)? {
                        NetworkMode::Bridge { networks: n } => {
                            for a in n {
                                if networks.iter().any(|x| x.network == a.network) {
                                    anyhow::bail!("--network {}: given twice", a.network);
                                }
                                networks.push(a);
                            }
                        }
                        other => anyhow::bail!(
                            "--network {arg}: the {} mode cannot be combined with other networks",
                            other.name()
                        ),
                    }
                }
                Ok(NetworkMode::Bridge { networks })
            }
        }
    }

    /// The mode's name, as `inspect` shows it (Podman's NetworkMode).
    pub fn name(&self) -> &'static str {
        match self {
            NetworkMode::None => "none",
            NetworkMode::Host => "host",
            NetworkMode::Slirp(_) => "slirp",
            NetworkMode::Pasta { .. } => "pasta",
            NetworkMode::Container { .. } => "container",
            NetworkMode::Bridge { .. } => "bridge",
        }
    }

    /// Whether the container gets a network namespace of its own.
    pub fn own_namespace(&self) -> bool {
        matches!(
            self,
            NetworkMode::None
                | NetworkMode::Slirp(_)
                | NetworkMode::Pasta { .. }
                | NetworkMode::Bridge { .. }
        )
    }

    /// Whether ports can be published into it.
    pub fn publishes_ports(&self) -> bool {
        matches!(
            self,
            NetworkMode::Slirp(_) | NetworkMode::Pasta { .. } | NetworkMode::Bridge { .. }
        )
    }
}

/// The host's resolvers from a resolv.conf text (`nameserver` lines), on
/// port 53. Scoped IPv6 addresses (`fe80::1%eth0`) are skipped.
pub fn resolvers_from(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            if words.next() != Some("nameserver") {
                return None;
            }
            let ip: std::net::IpAddr = words.next()?.parse().ok()?;
            Some(SocketAddr::new(ip, 53))
        })
        .collect()
}

/// The host's resolvers from /etc/resolv.conf; empty when it cannot be read.
pub fn host_resolvers() -> Vec<SocketAddr> {
    std::fs::read_to_string("/etc/resolv.conf")
        .map(|t| resolvers_from(&t))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slirp_options() {
        assert_eq!(SlirpOptions::parse("").unwrap(), SlirpOptions::default());
        let o = SlirpOptions::parse("mtu=1500,allow_host_loopback=true").unwrap();
        assert_eq!(o.mtu, 1500);
        assert!(o.allow_host_loopback);
        assert!(SlirpOptions::parse("mtu=100").is_err());
        assert!(SlirpOptions::parse("mtu=x").is_err());
        assert!(SlirpOptions::parse("allow_host_loopback=yes").is_err());
        assert!(SlirpOptions::parse("foo=1").is_err());
        assert!(SlirpOptions::parse("mtu").is_err());
    }

    #[test]
    fn network_modes() {
        assert_eq!(NetworkMode::parse("none").unwrap(), NetworkMode::None);
        assert_eq!(NetworkMode::parse("host").unwrap(), NetworkMode::Host);
        assert_eq!(
            NetworkMode::parse("slirp").unwrap(),
            NetworkMode::Slirp(SlirpOptions::default())
        );
        assert_eq!(
            NetworkMode::parse("slirp4netns:allow_host_loopback=true").unwrap(),
            NetworkMode::Slirp(SlirpOptions {
                mtu: DEFAULT_MTU,
                allow_host_loopback: true
            })
        );
        assert_eq!(
            NetworkMode::parse("pasta:-T,8080").unwrap(),
            NetworkMode::Pasta {
                args: vec!["-T".into(), "8080".into()]
            }
        );
        assert_eq!(
            NetworkMode::parse("container:web").unwrap(),
            NetworkMode::Container { id: "web".into() }
        );
        assert_eq!(
            NetworkMode::parse("bridge").unwrap(),
            NetworkMode::Bridge {
                networks: vec![Attachment {
                    network: "podman".into(),
                    ..Default::default()
                }]
            }
        );
        let NetworkMode::Bridge { networks } =
            NetworkMode::parse("web:alias=db,alias=cache,ip=10.89.0.7,mac=02:42:0A:00:00:01")
                .unwrap()
        else {
            panic!("not a bridge");
        };
        assert_eq!(networks[0].network, "web");
        assert_eq!(networks[0].aliases, ["db", "cache"]);
        assert_eq!(
            networks[0].ips,
            ["10.89.0.7".parse::<std::net::IpAddr>().unwrap()]
        );
        assert_eq!(networks[0].mac.as_deref(), Some("02:42:0a:00:00:01"));
        let two = NetworkMode::parse_all(&["a".into(), "b:alias=x".into()]).unwrap();
        assert!(matches!(two, NetworkMode::Bridge { networks } if networks.len() == 2));
        for bad in [vec!["a", "host"], vec!["a", "a"]] {
            let bad: Vec<String> = bad.into_iter().map(String::from).collect();
            assert!(NetworkMode::parse_all(&bad).is_err(), "{bad:?}");
        }
        for bad in [
            "web:alias=-x",
            "web:alias=a b",
            "web:ip=10.0.0",
            "web:ip=10.0.0.1,ip=10.0.0.2",
            "web:mac=01:00:00:00:00:00",
            "web:foo=1",
            "bad/name",
            "none:x",
            "host:1",
            "container:",
            "slirp:mtu=1",
        ] {
            assert!(NetworkMode::parse(bad).is_err(), "{bad}");
        }
        let json = serde_json::to_string(&NetworkMode::Slirp(SlirpOptions::default())).unwrap();
        assert_eq!(
            serde_json::from_str::<NetworkMode>(&json).unwrap(),
            NetworkMode::Slirp(SlirpOptions::default())
        );
    }

    #[test]
    fn resolv_conf() {
        let text =
            "# c\nnameserver 127.0.0.53\nsearch x\nnameserver ::1\nnameserver fe80::1%eth0\n";
        assert_eq!(
            resolvers_from(text),
            vec![
                "127.0.0.53:53".parse().unwrap(),
                "[::1]:53".parse().unwrap()
            ]
        );
    }
}
