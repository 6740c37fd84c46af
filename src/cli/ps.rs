//! Flags of `ps` and the `container` command group.

use super::{CreateArgs, ExecArgs, RmArgs, RunArgs, StartArgs};
use clap::{Args, Subcommand, ValueEnum};

#[derive(Args, Debug, Clone, Default)]
pub struct PsArgs {
    /// Show all containers (default: running ones only)
    #[arg(short, long)]
    pub all: bool,
    /// Filter: id=, name= (regular expressions), label=KEY[=VALUE],
    /// label!=, status=created|running|exited, exited=CODE, ancestor=IMAGE,
    /// before=CONTAINER, since=CONTAINER, until=TIME, volume=NAME|DEST
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
    /// Start a created or exited container
    Start(StartArgs),
    /// Run a command in a running container
    Exec(ExecArgs),
}
