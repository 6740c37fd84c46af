//! `cove compose …`: Docker Compose v2's commands and flags.

use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ComposeArgs {
    #[command(flatten)]
    pub project: ComposeProjectOpts,
    #[command(subcommand)]
    pub command: ComposeCommand,
}

/// Which project: files, name, variables, profiles.
#[derive(Args, Debug, Clone, Default)]
pub struct ComposeProjectOpts {
    /// Compose file (repeat to merge several; default compose.yaml,
    /// compose.yml, docker-compose.yaml or docker-compose.yml, searched
    /// upwards)
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Project name (default: the top-level `name`, else the directory's)
    #[arg(short = 'p', long, value_name = "NAME")]
    pub project_name: Option<String>,
    /// File of variables for interpolation (default: .env beside the file)
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Enable services of this profile
    #[arg(long, value_name = "PROFILE")]
    pub profile: Vec<String>,
    /// Working directory (default: the first file's directory)
    #[arg(long, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum ComposeCommand {
    /// Create and start the project's containers (networks and volumes first)
    Up(ComposeUpArgs),
    /// Stop and remove the project's containers and networks
    Down(ComposeDownArgs),
    /// Build the images of services that have `build:`
    Build(ComposeServicesArgs),
    /// List the project's containers
    Ps(ComposePsArgs),
    /// Show the output of the project's containers
    Logs(ComposeLogsArgs),
    /// Print the resolved compose file
    #[command(visible_alias = "convert")]
    Config(ComposeConfigArgs),
    /// List compose projects
    Ls(ComposeLsArgs),
    /// Start the project's existing containers
    Start(ComposeServicesArgs),
    /// Stop the project's containers
    Stop(ComposeStopArgs),
    /// Restart the project's containers
    Restart(ComposeStopArgs),
    /// Send a signal to the project's containers
    Kill(ComposeKillArgs),
    /// Pause the project's running containers
    Pause(ComposeServicesArgs),
    /// Continue the project's paused containers
    Unpause(ComposeServicesArgs),
    /// Show the processes of the project's containers
    Top(ComposeServicesArgs),
    /// Remove the project's stopped containers
    Rm(ComposeRmArgs),
    /// Run a command in a running service container
    Exec(ComposeExecArgs),
    /// Run a one-off command in a new container of a service
    Run(ComposeRunArgs),
    /// Pull the services' images
    Pull(ComposePullArgs),
    /// List the images the project's containers use
    Images(ComposeServicesArgs),
    /// Print the host address a service's port is published on
    Port(ComposePortArgs),
    /// Show the compose version
    Version(ComposeVersionArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct ComposeUpArgs {
    /// Run in the background (default: follow the output; Ctrl-C stops the containers)
    #[arg(short, long)]
    pub detach: bool,
    /// Recreate containers even if their configuration did not change
    #[arg(long, conflicts_with = "no_recreate")]
    pub force_recreate: bool,
    /// Keep existing containers even if their configuration changed
    #[arg(long)]
    pub no_recreate: bool,
    /// Do not start the services the named ones depend on
    #[arg(long)]
    pub no_deps: bool,
    /// Remove containers of services no longer in the file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Run N containers of a service: SERVICE=N (repeatable)
    #[arg(long, value_name = "SERVICE=N")]
    pub scale: Vec<String>,
    /// Wait for the services to run and be healthy
    #[arg(long)]
    pub wait: bool,
    /// Seconds --wait and healthy dependencies wait at most
    #[arg(long, value_name = "SECONDS")]
    pub wait_timeout: Option<u64>,
    /// Create the containers without starting them
    #[arg(long)]
    pub no_start: bool,
    /// Build images before starting (default: only those not stored yet)
    #[arg(long)]
    pub build: bool,
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ComposeDownArgs {
    /// Remove the named volumes of the file's `volumes` section and anonymous volumes too
    #[arg(short, long)]
    pub volumes: bool,
    /// Remove containers of services no longer in the file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Seconds to wait for containers to stop before SIGKILL
    #[arg(short = 't', long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ComposePsArgs {
    /// Show stopped containers too
    #[arg(short, long)]
    pub all: bool,
    /// Print only container ids
    #[arg(short, long)]
    pub quiet: bool,
    /// Output format: table (default) or json
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Print the services' names
    #[arg(long)]
    pub services: bool,
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub service: Vec<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ComposeLogsArgs {
    /// Keep printing new output
    #[arg(short, long)]
    pub follow: bool,
    /// Only the last N lines of each container ("all" for everything)
    #[arg(short = 'n', long, value_name = "N")]
    pub tail: Option<String>,
    /// Show the time of each line
    #[arg(short, long)]
    pub timestamps: bool,
    /// Do not prefix lines with the container's service
    #[arg(long)]
    pub no_log_prefix: bool,
    /// Do not colour the prefixes
    #[arg(long)]
    pub no_color: bool,
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ComposeConfigArgs {
    /// Only check the file; print nothing
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the services' names, one a line
    #[arg(long)]
    pub services: bool,
    /// Print the volumes' names, one a line
    #[arg(long)]
    pub volumes: bool,
    /// Print the project's configuration hashes: SERVICE HASH (a service, or * for all)
    #[arg(long, value_name = "SERVICE")]
    pub hash: Option<String>,
    /// Output format: yaml (default) or json
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ComposeLsArgs {
    /// Show stopped projects too
    #[arg(short, long)]
    pub all: bool,
    /// Print only the projects' names
    #[arg(short, long)]
    pub quiet: bool,
    /// Output format: table (default) or json
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ComposeServicesArgs {
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ComposeStopArgs {
    /// Seconds to wait for a container to stop before SIGKILL
    #[arg(short = 't', long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ComposeKillArgs {
    /// Signal to send
    #[arg(short, long, default_value = "SIGKILL", value_name = "SIGNAL")]
    pub signal: String,
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ComposeRmArgs {
    /// Stop running containers first, and do not ask
    #[arg(short, long)]
    pub force: bool,
    /// Stop running containers first
    #[arg(short, long)]
    pub stop: bool,
    /// Remove their anonymous volumes too
    #[arg(short, long)]
    pub volumes: bool,
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ComposeExecArgs {
    /// Run the command in the background
    #[arg(short, long)]
    pub detach: bool,
    /// Do not allocate a pseudo-terminal (the default when stdin is not one)
    #[arg(short = 'T', long = "no-TTY")]
    pub no_tty: bool,
    /// Set an environment variable: KEY=VALUE
    #[arg(short, long, value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Working directory inside the container
    #[arg(short, long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// User to run as: USER[:GROUP]
    #[arg(short, long, value_name = "USER")]
    pub user: Option<String>,
    /// Give the command extended privileges
    #[arg(long)]
    pub privileged: bool,
    /// Which replica of the service
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub index: u32,
    /// The service, then the command and its arguments
    #[arg(
        value_name = "SERVICE COMMAND [ARG...]",
        required = true,
        num_args = 2..,
        trailing_var_arg = true
    )]
    pub service_and_command: Vec<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ComposePullArgs {
    /// Do not fail on images that cannot be pulled
    #[arg(long)]
    pub ignore_pull_failures: bool,
    /// Print nothing but errors
    #[arg(short, long)]
    pub quiet: bool,
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ComposePortArgs {
    /// Which replica of the service
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub index: u32,
    /// tcp or udp
    #[arg(long, default_value = "tcp", value_name = "PROTOCOL")]
    pub protocol: String,
    #[arg(value_name = "SERVICE")]
    pub service: String,
    #[arg(value_name = "PRIVATE_PORT")]
    pub port: u16,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ComposeVersionArgs {
    /// Print only the version number
    #[arg(long)]
    pub short: bool,
    /// Output format: pretty (default) or json
    #[arg(short, long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ComposeRunArgs {
    /// Run in the background and print the container's name
    #[arg(short, long)]
    pub detach: bool,
    /// Remove the container when it exits
    #[arg(long)]
    pub rm: bool,
    /// Do not start the services it depends on
    #[arg(long)]
    pub no_deps: bool,
    /// Name for the container (default: PROJECT-SERVICE-run-ID)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Override the service's entrypoint
    #[arg(long, value_name = "COMMAND")]
    pub entrypoint: Option<String>,
    /// Set an environment variable: KEY=VALUE
    #[arg(short, long, value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// User to run as: USER[:GROUP]
    #[arg(short, long, value_name = "USER")]
    pub user: Option<String>,
    /// Working directory inside the container
    #[arg(short, long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// Publish a port: [IP:][HOSTPORT:]CONTAINERPORT
    #[arg(short, long, value_name = "PORTS")]
    pub publish: Vec<String>,
    /// Publish the service's own ports too
    #[arg(long)]
    pub service_ports: bool,
    /// Bind mount or volume: SOURCE:DEST[:OPTIONS]
    #[arg(short, long, value_name = "SOURCE:DEST")]
    pub volume: Vec<String>,
    /// Set a label: KEY=VALUE
    #[arg(short, long, value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// Do not allocate a pseudo-terminal (the default when stdin is not one)
    #[arg(short = 'T', long = "no-TTY")]
    pub no_tty: bool,
    /// Keep stdin open (default true)
    #[arg(short, long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub interactive: bool,
    /// The service, then the command and its arguments
    #[arg(
        value_name = "SERVICE [COMMAND [ARG...]]",
        required = true,
        num_args = 1..,
        trailing_var_arg = true
    )]
    pub service_and_command: Vec<String>,
}
