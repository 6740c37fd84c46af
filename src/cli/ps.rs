//! Flags of `ps` and the `container` command group.

use super::{
    AttachArgs, CommitArgs, ContainerPruneArgs, CpArgs, CreateArgs, ExecArgs, ExportArgs, KillArgs,
    LogsArgs, PortArgs, RenameArgs, RestartArgs, RmArgs, RunArgs, StartArgs, StatsArgs, StopArgs,
    TopArgs, WaitArgs,
};
use clap::{Args, Subcommand, ValueEnum};

#[derive(Args, Debug, Clone, Default)]
pub struct PsArgs {
    /// Show all containers (default: running ones only)
    #[arg(short, long)]
    pub all: bool,
    /// Also list containers other tools made (Podman's buildah ones; cove's
    /// store holds only its own, so the list is the same)
    #[arg(long)]
    pub external: bool,
    /// Filter: id=, name= (regular expressions), label=KEY[=VALUE],
    /// label!=, status=created|running|exited, exited=CODE, ancestor=IMAGE,
    /// before=CONTAINER, since=CONTAINER, until=TIME, volume=NAME|DEST,
    /// pod=NAME|ID
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Output format: json, table, or a Go template such as {{.ID}} {{.Status}}
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Show the N most recently created containers (in any state)
    #[arg(short = 'n', long, value_name = "N", allow_negative_numbers = true)]
    pub last: Option<i64>,
    /// Show the most recently created container (in any state)
    #[arg(short, long)]
    pub latest: bool,
    /// Do not truncate ids and commands
    #[arg(long)]
    pub no_trunc: bool,
    /// Print only container ids
    #[arg(short, long)]
    pub quiet: bool,
    /// Do not print the column headings
    #[arg(long)]
    pub noheading: bool,
    /// Show disk usage: what the container wrote (and its whole root filesystem)
    #[arg(short, long)]
    pub size: bool,
    /// Sort the output
    #[arg(long, value_enum, value_name = "KEY")]
    pub sort: Option<PsSort>,
    /// Show the pod of each container (POD ID and PODNAME columns)
    #[arg(short, long)]
    pub pod: bool,
}

/// `ps --sort` keys, as Podman's.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PsSort {
    Command,
    Created,
    Id,
    Image,
    Names,
    Runningfor,
    Size,
    Status,
}

#[derive(Args, Debug, Clone)]
pub struct ContainerInspectArgs {
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
    /// Output format: json (default) or a Go template such as {{.State.Status}}
    #[arg(short, long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Inspect the most recently created container
    #[arg(short, long)]
    pub latest: bool,
    /// Show sizes (SizeRw, SizeRootFs)
    #[arg(short, long)]
    pub size: bool,
}

#[derive(Subcommand, Debug)]
pub enum ContainerCommand {
    /// List containers
    #[command(visible_aliases = ["list", "ps"])]
    Ls(PsArgs),
    /// Display a container's configuration and state
    Inspect(ContainerInspectArgs),
    /// Remove containers
    Rm(RmArgs),
    /// Create a container without starting it
    Create(CreateArgs),
    /// Run a command in a new container
    Run(RunArgs),
    /// Start created or exited containers
    Start(StartArgs),
    /// Stop running containers
    Stop(StopArgs),
    /// Restart containers
    Restart(RestartArgs),
    /// Send a signal to running containers
    Kill(KillArgs),
    /// Wait for containers to stop and print their exit codes
    Wait(WaitArgs),
    /// Show a container's output
    Logs(LogsArgs),
    /// Attach to a running container's input and output
    Attach(AttachArgs),
    /// Show the processes of a running container
    Top(TopArgs),
    /// List a container's published ports
    Port(PortArgs),
    /// Show CPU, memory, network and block I/O usage of containers
    Stats(StatsArgs),
    /// Rename a container
    Rename(RenameArgs),
    /// Remove all stopped containers
    Prune(ContainerPruneArgs),
    /// Copy files/folders between a container and the local filesystem
    Cp(CpArgs),
    /// Export a container's filesystem as a tar archive
    Export(ExportArgs),
    /// Create a new image from a container's changes
    Commit(CommitArgs),
    /// Run a command in a running container
    Exec(ExecArgs),
    /// Check whether a container exists (exit 0 if it does, 1 if not)
    Exists(ContainerExistsArgs),
    /// Stop all processes of containers until unpaused
    Pause(super::PauseArgs),
    /// Continue the processes of paused containers
    Unpause(super::PauseArgs),
}

#[derive(Args, Debug, Clone)]
pub struct ContainerExistsArgs {
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    /// Also look at containers other tools made (cove's store holds only
    /// its own, so the answer is the same)
    #[arg(long)]
    pub external: bool,
}
