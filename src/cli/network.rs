//! `cove network …`: Podman's network commands and flags.

use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub enum NetworkCommand {
    /// Create a network
    Create(NetworkCreateArgs),
    /// List networks
    #[command(visible_alias = "list")]
    Ls(NetworkLsArgs),
    /// Display detailed information on one or more networks
    Inspect(NetworkInspectArgs),
    /// Remove one or more networks
    #[command(visible_alias = "remove")]
    Rm(NetworkRmArgs),
    /// Remove all networks not used by a container
    Prune(NetworkPruneArgs),
    /// Check whether a network exists (exit 0 if it does, 1 if not)
    Exists(NetworkExistsArgs),
    /// Connect a container to a network (at once if it runs)
    Connect(NetworkConnectArgs),
    /// Disconnect a container from a network (at once if it runs)
    Disconnect(NetworkDisconnectArgs),
}

#[derive(Args, Debug, Clone)]
pub struct NetworkConnectArgs {
    #[arg(value_name = "NETWORK")]
    pub network: String,
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    /// A network-scoped alias (a DNS name) for the container
    #[arg(long, value_name = "NAME")]
    pub alias: Vec<String>,
    /// The container's IPv4 address on the network
    #[arg(long, value_name = "IP")]
    pub ip: Option<String>,
    /// The container's IPv6 address on the network
    #[arg(long, value_name = "IP")]
    pub ip6: Option<String>,
    /// The container's MAC address on the network
    #[arg(long, value_name = "MAC")]
    pub mac_address: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct NetworkDisconnectArgs {
    #[arg(value_name = "NETWORK")]
    pub network: String,
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

#[derive(Args, Debug, Clone)]
pub struct NetworkCreateArgs {
    /// Name of the new network (default: podmanN)
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Driver (only bridge)
    #[arg(short, long, value_name = "DRIVER")]
    pub driver: Option<String>,
    /// Subnet in CIDR form (default: a free /24 of 10.89.0.0/16)
    #[arg(long, value_name = "SUBNET")]
    pub subnet: Vec<String>,
    /// The gateway's address, one per --subnet (default: the first address)
    #[arg(long, value_name = "IP")]
    pub gateway: Vec<String>,
    /// Give containers addresses from this range only (CIDR or START-END),
    /// one per --subnet
    #[arg(long, value_name = "RANGE")]
    pub ip_range: Vec<String>,
    /// No way out of the network: its containers reach each other only
    #[arg(long)]
    pub internal: bool,
    /// No DNS server for the network's container names
    #[arg(long)]
    pub disable_dns: bool,
    /// Give the network an IPv6 subnet too
    #[arg(long)]
    pub ipv6: bool,
    /// Set a label on the network (KEY=VALUE)
    #[arg(long, value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// Set a driver option: mtu=N
    #[arg(short, long, value_name = "KEY=VALUE")]
    pub opt: Vec<String>,
    /// Do not fail if the network already exists (print its name)
    #[arg(long)]
    pub ignore: bool,
}

#[derive(Args, Debug, Clone)]
pub struct NetworkLsArgs {
    /// Filter: name=REGEX, id=PREFIX, label=KEY[=VALUE], label!=KEY[=VALUE],
    /// driver=NAME
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Output format: json, table, or a Go template such as {{.Name}}
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Do not print the column headings
    #[arg(short = 'n', long)]
    pub noheading: bool,
    /// Print only network names
    #[arg(short, long)]
    pub quiet: bool,
    /// Do not truncate the network ids
    #[arg(long)]
    pub no_trunc: bool,
}

#[derive(Args, Debug, Clone)]
pub struct NetworkInspectArgs {
    #[arg(value_name = "NETWORK", required = true)]
    pub names: Vec<String>,
    /// Output format: json (default) or a Go template such as {{.Name}}
    #[arg(short, long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct NetworkRmArgs {
    #[arg(value_name = "NETWORK", required = true)]
    pub names: Vec<String>,
    /// Remove the containers attached to the network too
    #[arg(short, long)]
    pub force: bool,
}

#[derive(Args, Debug, Clone)]
pub struct NetworkPruneArgs {
    /// Filter: label=KEY[=VALUE], label!=KEY[=VALUE], until=TIMESTAMP
    #[arg(long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub force: bool,
}

#[derive(Args, Debug, Clone)]
pub struct NetworkExistsArgs {
    #[arg(value_name = "NETWORK")]
    pub name: String,
}
