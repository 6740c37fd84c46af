//! Flags of the commands that move files in and out of containers: cp,
//! export and commit.

use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct CpArgs {
    /// Source: CONTAINER:PATH, a local path, or - (a tar archive on stdin)
    #[arg(value_name = "SRC_PATH", allow_hyphen_values = true)]
    pub source: String,
    /// Destination: CONTAINER:PATH, a local path, or - (a tar archive on stdout)
    #[arg(value_name = "DEST_PATH", allow_hyphen_values = true)]
    pub destination: String,
    /// Chown files copied into a container to its user (false keeps the
    /// owners of the source)
    #[arg(short, long, default_value_t = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub archive: bool,
    /// Replace a directory by a non-directory and vice versa
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    /// Write to this file instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct CommitArgs {
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    /// Name for the new image
    #[arg(value_name = "IMAGE")]
    pub image: Option<String>,
    /// Author recorded in the image
    #[arg(short, long, value_name = "AUTHOR")]
    pub author: Option<String>,
    /// Dockerfile instruction to apply (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)
    #[arg(short, long, value_name = "INSTRUCTION")]
    pub change: Vec<String>,
    /// Commit message stored in the image history
    #[arg(short, long, value_name = "MESSAGE")]
    pub message: Option<String>,
    /// Print only the image id (cove prints nothing else anyway)
    #[arg(short, long)]
    pub quiet: bool,
    /// Write the image id to this file
    #[arg(long, value_name = "FILE")]
    pub iidfile: Option<PathBuf>,
    /// Make the container's volumes (-v, --mount and the image's) volumes of the image
    #[arg(long)]
    pub include_volumes: bool,
}
