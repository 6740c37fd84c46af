//! User-defined networks (`cove network create`), as Podman's netavark
//! backend keeps them: one JSON record per network in
//! `<root>/networks/<name>.json`, in the very format `network inspect`
//! prints, plus Podman's built-in default network `podman`, which is never
//! stored.
//!
//! Every change is made under `<root>/networks/.lock` (exclusive), so two
//! concurrent creators cannot pick one name or overlapping subnets; a
//! record is written to a temporary file and renamed into place, so a
//! reader sees a complete record or none.

pub mod dns;
pub mod host;
pub mod netlink;
pub mod subnet;

use crate::sys::fsutil;
use anyhow::Context;
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use subnet::Cidr;

/// Podman's default network: never stored, never removed.
pub const DEFAULT_NAME: &str = "podman";
/// Its bridge, and the prefix of the others' (`podman1`, …).
pub const DEFAULT_INTERFACE: &str = "podman0";
pub const DEFAULT_SUBNET: &str = "10.88.0.0/16";
/// The only driver.
pub const DRIVER_BRIDGE: &str = "bridge";
/// The pool automatic IPv4 subnets come from, in /24 steps (Podman's
/// `default_subnet_pools`).
const POOL: &str = "10.89.0.0/16";
const POOL_STEP: u8 = 24;
/// Podman's rule for network names.
pub const NAME_RULE: &str = "[a-zA-Z0-9][a-zA-Z0-9_.-]*";
const LOCK_FILE: &str = ".lock";

/// One network, as stored and as `network inspect` prints it (netavark's
/// field names and order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    pub name: String,
    pub id: String,
    pub driver: String,
    /// The bridge's name in the network namespace.
    pub network_interface: String,
    /// RFC 3339 with nanoseconds, as Go marshals it.
    pub created: String,
    pub subnets: Vec<Subnet>,
    pub ipv6_enabled: bool,
    pub internal: bool,
    pub dns_enabled: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
    #[serde(default)]
    pub ipam_options: BTreeMap<String, String>,
}

/// One subnet of a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subnet {
    pub subnet: Cidr,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<IpAddr>,
    /// `--ip-range`: containers' addresses come from here only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_range: Option<LeaseRange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRange {
    pub start_ip: IpAddr,
    pub end_ip: IpAddr,
}

impl Network {
    /// The MTU asked for with `--opt mtu=N`, if any.
    pub fn mtu(&self) -> Option<u32> {
        self.options.get("mtu").and_then(|m| m.parse().ok())
    }

    pub fn is_default(&self) -> bool {
        self.name == DEFAULT_NAME
    }
}

/// What `network create` asks for (plain values, validated here).
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    pub name: Option<String>,
    pub driver: Option<String>,
    pub subnets: Vec<String>,
    pub gateways: Vec<String>,
    pub ip_ranges: Vec<String>,
    pub internal: bool,
    pub disable_dns: bool,
    pub ipv6: bool,
    pub labels: BTreeMap<String, String>,
    pub options: BTreeMap<String, String>,
}

/// Failures callers tell apart (downcast an `anyhow::Error` to this).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkError {
    NotFound(String),
    Exists(String),
    InUse(String),
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Podman's wording, ending in its sentinel error text.
        match self {
            NetworkError::NotFound(n) => write!(
                f,
                "unable to find network with name or ID {n}: network not found"
            ),
            NetworkError::Exists(n) => {
                write!(f, "network name {n} already used: network already exists")
            }
            NetworkError::InUse(n) => write!(
                f,
                "\"{n}\" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used"
            ),
        }
    }
}

impl std::error::Error for NetworkError {}

/// The `NetworkError` in an error chain, if any.
pub fn network_error(err: &anyhow::Error) -> Option<&NetworkError> {
    err.chain().find_map(|e| e.downcast_ref::<NetworkError>())
}

pub fn networks_dir(root: &Path) -> PathBuf {
    root.join("networks")
}

fn record_path(root: &Path, name: &str) -> PathBuf {
    networks_dir(root).join(format!("{name}.json"))
}

pub fn valid_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

/// The network store's lock, exclusive: held across every change.
pub fn lock(root: &Path) -> anyhow::Result<Flock<File>> {
    let dir = networks_dir(root);
    fsutil::create_dir_all_mode(&dir, 0o700)?;
    let file = fsutil::open_lock_file(&dir.join(LOCK_FILE))?;
    Flock::lock(file, FlockArg::LockExclusive)
        .map_err(|(_, e)| anyhow::anyhow!("locking {}: {e}", dir.display()))
}

/// Podman's default network, as it reports it.
pub fn default_network() -> Network {
    let subnet = Cidr::parse(DEFAULT_SUBNET).expect("the default subnet parses");
    Network {
        name: DEFAULT_NAME.into(),
        id: crate::util::digest::sha256_of(DEFAULT_NAME.as_bytes())
            .trim_start_matches("sha256:")
            .to_string(),
        driver: DRIVER_BRIDGE.into(),
        network_interface: DEFAULT_INTERFACE.into(),
        created: now_rfc3339(),
        subnets: vec![Subnet {
            gateway: subnet.nth(1),
            subnet,
            lease_range: None,
        }],
        ipv6_enabled: false,
        internal: false,
        dns_enabled: false,
        labels: BTreeMap::new(),
        options: BTreeMap::new(),
        ipam_options: host_local(),
    }
}

fn host_local() -> BTreeMap<String, String> {
    BTreeMap::from([("driver".to_string(), "host-local".to_string())])
}

/// Every network, the default included, by name.
pub fn list(root: &Path) -> anyhow::Result<Vec<Network>> {
    let mut out = vec![default_network()];
    let dir = networks_dir(root);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    for entry in entries {
        let entry = entry?;
        let file = entry.file_name();
        let Some(name) = file.to_str().and_then(|f| f.strip_suffix(".json")) else {
            continue;
        };
        if !valid_name(name) || name == DEFAULT_NAME {
            continue;
        }
        if let Some(n) = read_record(&entry.path())? {
            out.push(n);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn read_record(path: &Path) -> anyhow::Result<Option<Network>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let n = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    Ok(Some(n))
}

/// The network `input` names: a name, a full id, or a unique id prefix.
pub fn lookup(root: &Path, input: &str) -> anyhow::Result<Network> {
    if input == DEFAULT_NAME {
        return Ok(default_network());
    }
    if valid_name(input) {
        if let Some(n) = read_record(&record_path(root, input))? {
            return Ok(n);
        }
    }
    let all = list(root)?;
    let mut by_id = all.into_iter().filter(|n| n.id.starts_with(input));
    match (by_id.next(), by_id.next()) {
        (Some(n), None) if !input.is_empty() => Ok(n),
        _ => Err(NetworkError::NotFound(input.to_string()).into()),
    }
}

pub fn exists(root: &Path, input: &str) -> bool {
    lookup(root, input).is_ok()
}

/// Create a network; its record is written before this returns.
pub fn create(root: &Path, opts: &CreateOptions) -> anyhow::Result<Network> {
    let _lock = lock(root)?;
    let existing = list(root)?;
    let network = plan(opts, &existing, random_id()?)?;
    fsutil::write_atomic(
        &record_path(root, &network.name),
        serde_json::to_string_pretty(&network)?.as_bytes(),
        0o600,
    )?;
    Ok(network)
}

/// The record `opts` asks for next to `existing` ones: every check that
/// needs no side effect, so nothing is written unless all pass.
pub fn plan(opts: &CreateOptions, existing: &[Network], id: String) -> anyhow::Result<Network> {
    let driver = opts.driver.as_deref().unwrap_or(DRIVER_BRIDGE);
    if driver != DRIVER_BRIDGE {
        anyhow::bail!("unsupported driver {driver}: invalid argument");
    }
    let name = match &opts.name {
        Some(n) => {
            if !valid_name(n) {
                anyhow::bail!(
                    "network name {n} invalid: names must match {NAME_RULE}: invalid argument"
                );
            }
            if existing.iter().any(|e| e.name == *n) {
                return Err(NetworkError::Exists(n.clone()).into());
            }
            n.clone()
        }
        None => first_free(existing, |e| &e.name),
    };
    for (key, value) in &opts.options {
        match key.as_str() {
            "mtu" => {
                let mtu: u32 = value
                    .parse()
                    .map_err(|_| anyhow::anyhow!("parse mtu: invalid mtu {value:?}"))?;
                if !(crate::network::MIN_MTU..=crate::network::MAX_MTU).contains(&mtu) {
                    anyhow::bail!(
                        "mtu {mtu} out of range: it must be between {} and {}",
                        crate::network::MIN_MTU,
                        crate::network::MAX_MTU
                    );
                }
            }
            _ => anyhow::bail!("unsupported bridge network option {key}"),
        }
    }
    if opts.gateways.len() > opts.subnets.len() {
        anyhow::bail!("cannot set more gateways than subnets");
    }
    if opts.ip_ranges.len() > opts.subnets.len() {
        anyhow::bail!("cannot set more ranges than subnets");
    }
    let taken: Vec<Cidr> = existing
        .iter()
        .flat_map(|e| e.subnets.iter().map(|s| s.subnet))
        .collect();
    let mut subnets: Vec<Subnet> = Vec::new();
    for (i, text) in opts.subnets.iter().enumerate() {
        let cidr = Cidr::parse(text)?;
        if cidr.size() < 4 {
            anyhow::bail!(
                "subnet {cidr} is too small: it needs room for a gateway and a container"
            );
        }
        let clash = taken.iter().chain(subnets.iter().map(|s| &s.subnet));
        if clash.into_iter().any(|t| t.overlaps(&cidr)) {
            anyhow::bail!("subnet {cidr} is already used on the host or by another config");
        }
        let gateway = match opts.gateways.get(i) {
            Some(g) => {
                let ip: IpAddr = g
                    .parse()
                    .map_err(|_| anyhow::anyhow!("invalid gateway address {g:?}"))?;
                if !usable(&cidr, &ip) {
                    anyhow::bail!("gateway {ip} not in subnet {cidr}");
                }
                ip
            }
            None => cidr.nth(1).expect("a subnet of 4 has a first host"),
        };
        let lease_range = match opts.ip_ranges.get(i) {
            Some(r) => Some(lease_range(&cidr, r)?),
            None => None,
        };
        subnets.push(Subnet {
            subnet: cidr,
            gateway: Some(gateway),
            lease_range,
        });
    }
    let mut ipv6 = opts.ipv6;
    if subnets.iter().any(|s| !s.subnet.is_v4()) {
        ipv6 = true;
    }
    if !subnets.iter().any(|s| s.subnet.is_v4()) {
        let cidr = free_subnet(&taken)?;
        subnets.insert(
            0,
            Subnet {
                gateway: cidr.nth(1),
                subnet: cidr,
                lease_range: None,
            },
        );
    }
    if ipv6 && !subnets.iter().any(|s| !s.subnet.is_v4()) {
        let cidr = free_v6_subnet(&taken, &id)?;
        subnets.push(Subnet {
            gateway: cidr.nth(1),
            subnet: cidr,
            lease_range: None,
        });
    }
    Ok(Network {
        name,
        id,
        driver: DRIVER_BRIDGE.into(),
        network_interface: first_free_interface(existing),
        created: now_rfc3339(),
        subnets,
        ipv6_enabled: ipv6,
        internal: opts.internal,
        dns_enabled: !opts.disable_dns,
        labels: opts.labels.clone(),
        options: opts.options.clone(),
        ipam_options: host_local(),
    })
}

/// An address a host can have in `cidr`: not the network address, and in
/// IPv4 not the broadcast.
pub fn usable(cidr: &Cidr, ip: &IpAddr) -> bool {
    cidr.contains(ip) && *ip != cidr.network() && !(cidr.is_v4() && *ip == cidr.last())
}

/// Static addresses asked for on `network`: each in one of its subnets,
/// not its network address, broadcast or gateway.
pub fn check_static(network: &Network, ips: &[IpAddr]) -> anyhow::Result<()> {
    for ip in ips {
        let fits = network
            .subnets
            .iter()
            .any(|s| usable(&s.subnet, ip) && s.gateway != Some(*ip));
        if !fits {
            anyhow::bail!(
                "requested static ip {ip} not in any subnet on network {}",
                network.name
            );
        }
    }
    Ok(())
}

/// `--ip-range`: a CIDR inside the subnet, or `START-END`.
fn lease_range(cidr: &Cidr, text: &str) -> anyhow::Result<LeaseRange> {
    let (start, end) = match text.split_once('-') {
        Some((s, e)) => {
            let parse = |a: &str| {
                a.trim()
                    .parse::<IpAddr>()
                    .map_err(|_| anyhow::anyhow!("invalid ip range {text:?}"))
            };
            (parse(s)?, parse(e)?)
        }
        None => {
            let range = Cidr::parse(text)?;
            let first = range.nth(1).unwrap_or(range.network());
            let last = if range.is_v4() && range.size() > 2 {
                range.nth(range.size() - 2).unwrap_or(range.last())
            } else {
                range.last()
            };
            (first, last)
        }
    };
    if !subnet::range_inside(cidr, &start, &end) {
        anyhow::bail!("lease range {text} is not in subnet {cidr}");
    }
    Ok(LeaseRange {
        start_ip: start,
        end_ip: end,
    })
}

/// The first /24 of the pool that overlaps no network.
fn free_subnet(taken: &[Cidr]) -> anyhow::Result<Cidr> {
    let pool = Cidr::parse(POOL).expect("the pool parses");
    let step = 1u128 << (32 - POOL_STEP);
    (0..pool.size() / step)
        .filter_map(|i| pool.nth(i * step).map(|a| Cidr::new(a, POOL_STEP)))
        .find(|c| !taken.iter().any(|t| t.overlaps(c)))
        .ok_or_else(|| anyhow::anyhow!("could not find free subnet from subnet pools"))
}

/// A unique-local /64 (fdXX:…), picked from the network's id as netavark
/// picks a random one.
fn free_v6_subnet(taken: &[Cidr], id: &str) -> anyhow::Result<Cidr> {
    let bytes = hex::decode(id).unwrap_or_default();
    for attempt in 0..16u8 {
        let mut addr = [0u8; 16];
        addr[0] = 0xfd;
        for (i, slot) in addr[1..8].iter_mut().enumerate() {
            *slot = bytes.get(i + attempt as usize).copied().unwrap_or(attempt);
        }
        let cidr = Cidr::new(IpAddr::from(addr), 64);
        if !taken.iter().any(|t| t.overlaps(&cidr)) {
            return Ok(cidr);
        }
    }
    anyhow::bail!("could not find free IPv6 subnet")
}

/// `podmanN` with the smallest N ≥ 1 not used by `key`.
fn first_free(existing: &[Network], key: impl Fn(&Network) -> &String) -> String {
    (1..)
        .map(|n| format!("podman{n}"))
        .find(|cand| !existing.iter().any(|e| key(e) == cand))
        .expect("an unused number exists")
}

fn first_free_interface(existing: &[Network]) -> String {
    first_free(existing, |e| &e.network_interface)
}

/// Remove the record of `name` (not the default network). The caller
/// checks that no container uses it, under [`lock`].
pub fn remove_record(root: &Path, name: &str) -> anyhow::Result<()> {
    if name == DEFAULT_NAME {
        anyhow::bail!("default network {DEFAULT_NAME} cannot be removed");
    }
    match std::fs::remove_file(record_path(root, name)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(NetworkError::NotFound(name.to_string()).into())
        }
        Err(e) => Err(e).with_context(|| format!("removing network {name}")),
    }
}

fn random_id() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("reading /dev/urandom")?;
    Ok(hex::encode(bytes))
}

/// Now, as Go's RFC3339Nano in the local zone.
fn now_rfc3339() -> String {
    let now = chrono::Local::now().fixed_offset();
    now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(name: &str) -> CreateOptions {
        CreateOptions {
            name: Some(name.into()),
            ..Default::default()
        }
    }

    fn make(existing: &mut Vec<Network>, o: &CreateOptions) -> anyhow::Result<Network> {
        let n = plan(o, existing, format!("{:064x}", existing.len()))?;
        existing.push(n.clone());
        Ok(n)
    }

    #[test]
    fn automatic_names_interfaces_and_subnets_do_not_collide() {
        let mut all = vec![default_network()];
        let a = make(&mut all, &CreateOptions::default()).unwrap();
        assert_eq!(a.name, "podman1");
        assert_eq!(a.network_interface, "podman1");
        assert_eq!(a.subnets[0].subnet.to_string(), "10.89.0.0/24");
        assert_eq!(a.subnets[0].gateway, Some("10.89.0.1".parse().unwrap()));
        assert!(a.dns_enabled && !a.internal && !a.ipv6_enabled);
        let mut o = opts("web");
        o.subnets = vec!["10.89.1.0/24".into()];
        let b = make(&mut all, &o).unwrap();
        assert_eq!(b.network_interface, "podman2");
        let c = make(&mut all, &opts("db")).unwrap();
        assert_eq!(c.subnets[0].subnet.to_string(), "10.89.2.0/24");
        let d = make(&mut all, &CreateOptions::default()).unwrap();
        assert_eq!(d.name, "podman2");
        assert_eq!(d.network_interface, "podman4");
    }

    #[test]
    fn bad_input_is_refused() {
        let mut all = vec![default_network()];
        make(&mut all, &opts("web")).unwrap();
        let err = |o: CreateOptions| plan(&o, &all, "0".repeat(64)).unwrap_err().to_string();
        assert_eq!(
            err(opts("web")),
            "network name web already used: network already exists"
        );
        assert!(err(opts("bad!name")).contains("names must match"));
        let mut o = opts("x");
        o.subnets = vec!["10.89.0.128/25".into()];
        assert_eq!(
            err(o),
            "subnet 10.89.0.128/25 is already used on the host or by another config"
        );
        let mut o = opts("x");
        o.subnets = vec!["10.88.5.0/24".into()];
        assert!(err(o).contains("already used"));
        let mut o = opts("x");
        o.subnets = vec!["10.0.0.0/33".into()];
        assert_eq!(err(o), "invalid CIDR address: 10.0.0.0/33");
        let mut o = opts("x");
        o.subnets = vec!["10.1.0.0/24".into()];
        o.gateways = vec!["10.2.0.1".into()];
        assert_eq!(err(o), "gateway 10.2.0.1 not in subnet 10.1.0.0/24");
        let mut o = opts("x");
        o.gateways = vec!["10.2.0.1".into()];
        assert_eq!(err(o), "cannot set more gateways than subnets");
        let mut o = opts("x");
        o.subnets = vec!["10.1.0.0/24".into()];
        o.ip_ranges = vec!["10.1.1.0/28".into()];
        assert!(err(o).contains("not in subnet"));
        let mut o = opts("x");
        o.options = BTreeMap::from([("mtu".into(), "abc".into())]);
        assert!(err(o).contains("mtu"));
        let mut o = opts("x");
        o.options = BTreeMap::from([("vlan".into(), "3".into())]);
        assert_eq!(err(o), "unsupported bridge network option vlan");
        let mut o = opts("x");
        o.driver = Some("macvlan".into());
        assert!(err(o).contains("unsupported driver macvlan"));
    }

    #[test]
    fn explicit_subnets_gateways_ranges_and_ipv6() {
        let all = vec![default_network()];
        let mut o = opts("x");
        o.subnets = vec!["192.168.7.9/24".into(), "fd10::/64".into()];
        o.gateways = vec!["192.168.7.254".into()];
        o.ip_ranges = vec!["192.168.7.100-192.168.7.120".into()];
        o.options = BTreeMap::from([("mtu".into(), "1400".into())]);
        let n = plan(&o, &all, "ab".repeat(32)).unwrap();
        assert_eq!(n.subnets[0].subnet.to_string(), "192.168.7.0/24");
        assert_eq!(n.subnets[0].gateway, Some("192.168.7.254".parse().unwrap()));
        let r = n.subnets[0].lease_range.as_ref().unwrap();
        assert_eq!(r.start_ip.to_string(), "192.168.7.100");
        assert_eq!(r.end_ip.to_string(), "192.168.7.120");
        assert_eq!(n.subnets[1].gateway, Some("fd10::1".parse().unwrap()));
        assert!(n.ipv6_enabled);
        assert_eq!(n.mtu(), Some(1400));
        let mut o = opts("y");
        o.ipv6 = true;
        let n = plan(&o, &all, "ab".repeat(32)).unwrap();
        assert_eq!(n.subnets.len(), 2);
        assert_eq!(n.subnets[1].subnet.to_string(), "fdab:abab:abab:abab::/64");
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(serde_json::from_str::<Network>(&json).unwrap(), n);
    }

    #[test]
    fn store_round_trip_and_lookup() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let n = create(root, &opts("web")).unwrap();
        assert!(create(root, &opts("web")).is_err());
        assert_eq!(lookup(root, "web").unwrap(), n);
        assert_eq!(lookup(root, &n.id[..12]).unwrap(), n);
        assert!(lookup(root, "podman").unwrap().is_default());
        let names: Vec<String> = list(root).unwrap().into_iter().map(|n| n.name).collect();
        assert_eq!(names, ["podman", "web"]);
        assert!(matches!(
            network_error(&lookup(root, "nope").unwrap_err()),
            Some(NetworkError::NotFound(_))
        ));
        assert!(remove_record(root, "podman").is_err());
        remove_record(root, "web").unwrap();
        assert!(!exists(root, "web"));
        assert!(!networks_dir(root).join("web.json").exists());
    }
}
