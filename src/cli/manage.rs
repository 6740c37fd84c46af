//! Flags of `top`, `port`, `stats`, `rename`, `container prune` and the `system`
//! group (`prune`, `df`, `reset`).

use clap::{Args, Subcommand};

#[derive(Args, Debug, Clone)]
pub struct TopArgs {
    /// The container (omit with --latest)
    #[arg(value_name = "CONTAINER")]
    pub container: Option<String>,
    /// Columns: user, pid, ppid, pcpu, etime, tty, time, args, comm, group,
    /// nice, pgid, rgroup, ruser, vsz, rss, state, stime, hpid, huser,
    /// hgroup, or the AIX forms (%U %p %C ...); commas or spaces between
    #[arg(value_name = "FORMAT-DESCRIPTORS", allow_hyphen_values = true)]
    pub descriptors: Vec<String>,
    /// Use the most recently created container
    #[arg(short, long)]
    pub latest: bool,
}

#[derive(Args, Debug, Clone)]
pub struct PortArgs {
    /// The container, then optionally a port: PORT[/tcp|udp]
    #[arg(value_name = "CONTAINER [PORT]", num_args = 0..=2)]
    pub args: Vec<String>,
    /// Show the ports of every running container
    #[arg(short, long)]
    pub all: bool,
    /// Use the most recently created container
    #[arg(short, long)]
    pub latest: bool,
}

#[derive(Args, Debug, Clone)]
pub struct StatsArgs {
    /// Containers to show (default: the running ones)
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
    /// Show all containers, not only running ones
    #[arg(short, long)]
    pub all: bool,
    /// Use the most recently created container
    #[arg(short, long)]
    pub latest: bool,
    /// Print one report and exit instead of refreshing
    #[arg(long)]
    pub no_stream: bool,
    /// Do not clear the terminal between reports
    #[arg(long)]
    pub no_reset: bool,
    /// Do not truncate ids
    #[arg(long)]
    pub no_trunc: bool,
    /// Seconds between reports
    #[arg(short, long, default_value_t = 5, value_name = "SECONDS")]
    pub interval: u64,
    /// Output format: json, or a Go template such as {{.Name}} {{.MemUsage}}
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct RenameArgs {
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    #[arg(value_name = "NAME")]
    pub name: String,
}

#[derive(Args, Debug, Clone)]
pub struct ContainerPruneArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub force: bool,
    /// Only containers matching: label=KEY[=VALUE], label!=KEY[=VALUE],
    /// until=TIMESTAMP (created before)
    #[arg(long, value_name = "FILTER")]
    pub filter: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum SystemCommand {
    /// Remove stopped containers, dangling images and, optionally, unused volumes
    Prune(SystemPruneArgs),
    /// Show disk usage of images, containers and volumes
    Df(SystemDfArgs),
    /// Remove every container, image and volume, and the storage directories
    Reset(SystemResetArgs),
}

#[derive(Args, Debug, Clone)]
pub struct SystemPruneArgs {
    /// Remove all images not used by a container, not only unnamed ones
    #[arg(short, long)]
    pub all: bool,
    /// Also remove volumes no container uses
    #[arg(long)]
    pub volumes: bool,
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub force: bool,
}

#[derive(Args, Debug, Clone)]
pub struct SystemDfArgs {
    /// Show each image, container and volume
    #[arg(short, long)]
    pub verbose: bool,
    /// Output format: json, or a Go template such as {{.Type}} {{.Size}}
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct SystemResetArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub force: bool,
}
