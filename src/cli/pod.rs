//! `cove pod …`: Podman's pod commands and flags.

use clap::{Args, Subcommand, ValueEnum};

#[derive(Subcommand, Debug)]
pub enum PodCommand {
    /// Create a new pod
    Create(PodCreateArgs),
    /// Check whether a pod exists (exit 0 if it does, 1 if not)
    Exists(PodExistsArgs),
    /// Display a pod's configuration and state
    Inspect(PodInspectArgs),
    /// Send a signal to the containers of pods
    Kill(PodKillArgs),
    /// Show the logs of a pod's containers
    Logs(PodLogsArgs),
    /// Remove every pod that has no running container
    Prune(PodPruneArgs),
    /// List pods
    #[command(visible_aliases = ["ls", "list"])]
    Ps(PodPsArgs),
    /// Restart pods
    Restart(PodStartArgs),
    /// Remove pods and their containers
    Rm(PodRmArgs),
    /// Start pods (their infra first)
    Start(PodStartArgs),
    /// Show the resource use of pods' containers
    Stats(PodStatsArgs),
    /// Stop pods (their infra last)
    Stop(PodStopArgs),
    /// Show the processes of a pod's containers
    Top(PodTopArgs),
}

#[derive(Args, Debug, Clone)]
pub struct PodCreateArgs {
    /// Name of the pod (default: a generated one)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The name as a positional argument, as `podman pod create NAME`
    #[arg(value_name = "NAME", conflicts_with = "name")]
    pub name_arg: Option<String>,
    /// Create an infra container holding the shared namespaces (false: the pod is only a group)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL",
          num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub infra: bool,
    /// Name of the infra container (default: the pod's short id and -infra)
    #[arg(long, value_name = "NAME")]
    pub infra_name: Option<String>,
    /// Namespaces the containers share: ipc, net, pid, uts, comma-separated (default ipc,net,uts; +pid adds to it; "" none)
    #[arg(long, value_name = "NAMESPACES")]
    pub share: Option<String>,
    /// The pod's network: slirp[:OPTIONS] (the default), pasta[:OPTIONS], host or none
    #[arg(long, visible_alias = "net", value_name = "MODE")]
    pub network: Option<String>,
    /// Publish a port of the pod on the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp]
    #[arg(short, long, value_name = "PORTS")]
    pub publish: Vec<String>,
    /// The pod's host name (default: its name)
    #[arg(long, value_name = "NAME")]
    pub hostname: Option<String>,
    /// Add a line to the pod's /etc/hosts: HOST:IP
    #[arg(long, value_name = "HOST:IP")]
    pub add_host: Vec<String>,
    /// Name server for the pod's /etc/resolv.conf
    #[arg(long, value_name = "IP")]
    pub dns: Vec<String>,
    /// Set a label: KEY=VALUE
    #[arg(short, long, value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// The pod's user namespace: "" (default), host, keep-id[:uid=N,gid=N]
    #[arg(long, value_name = "MODE")]
    pub userns: Option<String>,
    /// Write the pod's id to this file
    #[arg(long, value_name = "FILE")]
    pub pod_id_file: Option<std::path::PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct PodExistsArgs {
    #[arg(value_name = "POD")]
    pub pod: String,
}

#[derive(Args, Debug, Clone)]
pub struct PodInspectArgs {
    #[arg(value_name = "POD", required = true)]
    pub pods: Vec<String>,
    /// Output format: json (default) or a Go template such as {{.State}}
    #[arg(short, long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct PodKillArgs {
    #[arg(value_name = "POD")]
    pub pods: Vec<String>,
    /// Every pod
    #[arg(short, long)]
    pub all: bool,
    /// The signal to send (name or number)
    #[arg(short, long, default_value = "KILL", value_name = "SIGNAL")]
    pub signal: String,
}

#[derive(Args, Debug, Clone)]
pub struct PodLogsArgs {
    #[arg(value_name = "POD")]
    pub pod: String,
    /// Only this container of the pod
    #[arg(short, long, value_name = "CONTAINER")]
    pub container: Option<String>,
    /// Keep printing new output until the containers stop
    #[arg(short, long)]
    pub follow: bool,
    /// Only the last N lines of each container (-1: all)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub tail: Option<i64>,
    /// Only lines since this time: RFC 3339, a Unix time, or a duration such as 10m
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only lines before this time
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Show the time of each line
    #[arg(short, long)]
    pub timestamps: bool,
    /// Prefix each line with the container's name
    #[arg(short = 'n', long)]
    pub names: bool,
}

#[derive(Args, Debug, Clone)]
pub struct PodPruneArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub force: bool,
}

/// `pod ps --sort` keys, as Podman's.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodSort {
    Created,
    Id,
    Name,
    Number,
    Status,
}

#[derive(Args, Debug, Clone)]
pub struct PodPsArgs {
    /// Filter: name=, id= (regular expressions), label=KEY[=VALUE],
    /// status=created|running|degraded|exited|stopped, ctr-names=, ctr-ids=, ctr-status=
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Output format: json, table, or a Go template such as {{.ID}} {{.Status}}
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Print only pod ids
    #[arg(short, long)]
    pub quiet: bool,
    /// Show the names of the pods' containers
    #[arg(long)]
    pub ctr_names: bool,
    /// Show the ids of the pods' containers
    #[arg(long)]
    pub ctr_ids: bool,
    /// Show the status of the pods' containers
    #[arg(long)]
    pub ctr_status: bool,
    /// Do not truncate ids
    #[arg(long)]
    pub no_trunc: bool,
    /// Do not print the column headings
    #[arg(long)]
    pub noheading: bool,
    /// Sort the output (default: created, newest first)
    #[arg(long, value_enum, value_name = "KEY")]
    pub sort: Option<PodSort>,
}

#[derive(Args, Debug, Clone)]
pub struct PodRmArgs {
    #[arg(value_name = "POD")]
    pub pods: Vec<String>,
    /// Every pod
    #[arg(short, long)]
    pub all: bool,
    /// Stop running containers first
    #[arg(short, long)]
    pub force: bool,
    /// Do not fail for pods that do not exist
    #[arg(short, long)]
    pub ignore: bool,
    /// Seconds to wait for containers to stop before killing them (with -f)
    #[arg(short, long, value_name = "SECONDS")]
    pub time: Option<u64>,
    /// Remove the pod whose id this file holds
    #[arg(long, value_name = "FILE")]
    pub pod_id_file: Vec<std::path::PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct PodStartArgs {
    #[arg(value_name = "POD")]
    pub pods: Vec<String>,
    /// Every pod
    #[arg(short, long)]
    pub all: bool,
}

#[derive(Args, Debug, Clone)]
pub struct PodStopArgs {
    #[arg(value_name = "POD")]
    pub pods: Vec<String>,
    /// Every pod
    #[arg(short, long)]
    pub all: bool,
    /// Do not fail for pods that do not exist
    #[arg(short, long)]
    pub ignore: bool,
    /// Seconds to wait before killing the containers
    #[arg(short, long, value_name = "SECONDS")]
    pub time: Option<u64>,
}

#[derive(Args, Debug, Clone)]
pub struct PodStatsArgs {
    /// Pods to show (default: the running ones)
    #[arg(value_name = "POD")]
    pub pods: Vec<String>,
    /// Every pod, not only running ones
    #[arg(short, long)]
    pub all: bool,
    /// Print one report and exit instead of refreshing
    #[arg(long)]
    pub no_stream: bool,
    /// Do not clear the terminal between reports
    #[arg(long)]
    pub no_reset: bool,
    /// Output format: json, or a Go template such as {{.Name}} {{.MemUsage}}
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct PodTopArgs {
    #[arg(value_name = "POD")]
    pub pod: String,
    /// Columns, as for `cove top`
    #[arg(value_name = "FORMAT-DESCRIPTORS", allow_hyphen_values = true)]
    pub descriptors: Vec<String>,
}
