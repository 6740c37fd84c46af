//! Flags of `exec` (and `container exec`).

use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct ExecArgs {
    /// Run the command in the background (prints nothing; its output goes
    /// to /dev/null)
    #[arg(short, long)]
    pub detach: bool,
    /// Set an environment variable (KEY=VALUE, KEY to copy the host's, KEY* for a prefix)
    #[arg(short, long, value_name = "ENV")]
    pub env: Vec<String>,
    /// Read environment variables from a file of KEY=VALUE lines
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Keep stdin open
    #[arg(short, long)]
    pub interactive: bool,
    /// Give the process every capability the user has
    #[arg(long)]
    pub privileged: bool,
    /// Allocate a pseudo-terminal
    #[arg(short, long)]
    pub tty: bool,
    /// User (name or uid) and optional group to run as: USER[:GROUP]
    #[arg(short, long, value_name = "USER[:GROUP]")]
    pub user: Option<String>,
    /// Working directory inside the container (default: the container's)
    #[arg(short, long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// The container (name, id or unique id prefix), then the command and
    /// its arguments
    #[arg(
        value_name = "CONTAINER COMMAND [ARG...]",
        required = true,
        num_args = 1..,
        trailing_var_arg = true
    )]
    pub container_and_command: Vec<String>,
}
