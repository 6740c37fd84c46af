//! `cove dev …`: desktop dev sandboxes.

use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum DevCommand {
    /// Make a sandbox with your user, home, network and desktop
    Create(DevCreateArgs),
    /// Run a shell (or COMMAND) in a sandbox, starting it if it is stopped
    Enter(DevEnterArgs),
    /// List sandboxes
    #[command(visible_alias = "list")]
    Ls(DevLsArgs),
    /// Stop sandboxes (their writable layer stays)
    Stop(DevNamesArgs),
    /// Remove sandboxes
    Rm(DevRmArgs),
}

#[derive(Args, Debug, Clone)]
pub struct DevCreateArgs {
    /// Name of the sandbox
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Image to make it from (a distribution's userland)
    #[arg(long, short = 'i', value_name = "IMAGE", default_value = crate::dev::sandbox::DEFAULT_IMAGE)]
    pub image: String,
    /// A home of its own (a directory you can write) instead of yours
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// No host sockets, devices, network or home: only the terminal,
    /// locale and time zone settings
    #[arg(long)]
    pub isolated: bool,
    /// No display, fonts, icons or GPU
    #[arg(long)]
    pub no_gui: bool,
}

#[derive(Args, Debug, Clone)]
pub struct DevEnterArgs {
    /// Name of the sandbox
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Command to run (default: your login shell)
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct DevLsArgs {
    /// Print only the names
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Args, Debug, Clone)]
pub struct DevNamesArgs {
    /// Names of the sandboxes
    #[arg(value_name = "NAME", required = true)]
    pub names: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct DevRmArgs {
    /// Stop running sandboxes first
    #[arg(short, long)]
    pub force: bool,
    /// Names of the sandboxes
    #[arg(value_name = "NAME", required = true)]
    pub names: Vec<String>,
}
