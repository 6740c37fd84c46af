//! `cove volume …`: Podman's volume commands and flags.

use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub enum VolumeCommand {
    /// Create a new volume
    Create(VolumeCreateArgs),
    /// List volumes
    #[command(visible_alias = "list")]
    Ls(VolumeLsArgs),
    /// Display detailed information on one or more volumes
    Inspect(VolumeInspectArgs),
    /// Remove one or more volumes
    #[command(visible_alias = "remove")]
    Rm(VolumeRmArgs),
    /// Remove all volumes not used by a container
    Prune(VolumePruneArgs),
    /// Check whether a volume exists (exit 0 if it does, 1 if not)
    Exists(VolumeExistsArgs),
}

#[derive(Args, Debug, Clone)]
pub struct VolumeCreateArgs {
    /// Name of the new volume (default: a random 64-character hex name)
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Volume driver (only local)
    #[arg(short, long, value_name = "DRIVER", default_value = "local")]
    pub driver: String,
    /// Set a label on the volume (KEY=VALUE)
    #[arg(short, long, value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// Set a driver option (KEY=VALUE), shown by inspect
    #[arg(short, long, value_name = "KEY=VALUE")]
    pub opt: Vec<String>,
    /// Do not fail if the volume already exists (print its name)
    #[arg(long)]
    pub ignore: bool,
}

#[derive(Args, Debug, Clone)]
pub struct VolumeLsArgs {
    /// Filter: name=REGEX, label=KEY[=VALUE], label!=KEY[=VALUE],
    /// dangling=true|false, driver=NAME, opt=KEY[=VALUE], scope=local,
    /// until=TIMESTAMP, after=VOLUME (since=VOLUME)
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Output format: json, table, or a Go template such as {{.Name}}
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Do not print the column headings
    #[arg(short = 'n', long)]
    pub noheading: bool,
    /// Print only volume names
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Args, Debug, Clone)]
pub struct VolumeInspectArgs {
    #[arg(value_name = "VOLUME")]
    pub names: Vec<String>,
    /// Inspect all volumes
    #[arg(short, long)]
    pub all: bool,
    /// Output format: json (default) or a Go template such as {{.Mountpoint}}
    #[arg(short, long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct VolumeRmArgs {
    #[arg(value_name = "VOLUME")]
    pub names: Vec<String>,
    /// Remove all volumes
    #[arg(short, long)]
    pub all: bool,
    /// Do not fail on volumes that do not exist (a volume in use by a
    /// container is still refused: remove the container first)
    #[arg(short, long)]
    pub force: bool,
}

#[derive(Args, Debug, Clone)]
pub struct VolumePruneArgs {
    /// Filter: label=KEY[=VALUE], label!=KEY[=VALUE], until=TIMESTAMP,
    /// after=VOLUME
    #[arg(long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub force: bool,
}

#[derive(Args, Debug, Clone)]
pub struct VolumeExistsArgs {
    #[arg(value_name = "VOLUME")]
    pub name: String,
}
