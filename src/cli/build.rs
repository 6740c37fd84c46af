//! `cove build` (also `image build`, `buildx build`): its flags.

use super::RegistryOpts;
use crate::image::registry::pull::PullPolicy;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct BuildArgs {
    /// The build context: a directory (default: the current one)
    // Its own id: the global `--context` (Docker's) is `context`.
    #[arg(id = "build_context", value_name = "CONTEXT")]
    pub context: Option<PathBuf>,
    /// Name the image (repeatable)
    #[arg(short, long = "tag", value_name = "NAME")]
    pub tag: Vec<String>,
    /// The Containerfile (`-` for stdin; default: Containerfile, then Dockerfile, in the context)
    #[arg(short, long = "file", value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Set a build argument: KEY=VALUE (KEY alone takes the host's value)
    #[arg(long, value_name = "KEY=VALUE")]
    pub build_arg: Vec<String>,
    /// Read build arguments from a file of KEY=VALUE lines
    #[arg(long, value_name = "FILE")]
    pub build_arg_file: Vec<PathBuf>,
    /// Build up to this stage (name or number)
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,
    /// Run every step; ignore the step cache
    #[arg(long)]
    pub no_cache: bool,
    /// Keep intermediate images and reuse them as the step cache
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "true")]
    pub layers: bool,
    /// When to pull base images: always, missing, never, newer (bare --pull: always)
    #[arg(long, value_enum, num_args = 0..=1, require_equals = true, default_missing_value = "always", default_value = "missing")]
    pub pull: PullPolicy,
    /// Write the image id to this file
    #[arg(long, value_name = "FILE")]
    pub iidfile: Option<PathBuf>,
    /// Print only the image id
    #[arg(short, long)]
    pub quiet: bool,
    /// Add a label to the image: KEY=VALUE
    #[arg(long, value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// Set an environment variable in the image: KEY=VALUE
    #[arg(long, value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Remove an environment variable from the image
    #[arg(long, value_name = "KEY")]
    pub unsetenv: Vec<String>,
    /// Leave the history out of the image
    #[arg(long)]
    pub omit_history: bool,
    /// Platform to build for (only the host's: OS/ARCH[/VARIANT])
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Image format: oci (drops HEALTHCHECK, SHELL, ONBUILD) or docker
    #[arg(
        long,
        value_name = "FORMAT",
        default_value = "oci",
        env = "BUILDAH_FORMAT"
    )]
    pub format: String,
    /// Network for RUN steps: as `run --network` (slirp, pasta, host, none)
    #[arg(long, value_name = "MODE")]
    pub network: Option<String>,
    /// A secret for `RUN --mount=type=secret`: id=ID,src=PATH or id=ID,env=VAR
    #[arg(long, value_name = "id=ID,src=PATH")]
    pub secret: Vec<String>,
    /// Mount a volume in RUN steps: SOURCE:DEST[:OPTIONS], as `run -v`
    #[arg(short, long, value_name = "SOURCE:DEST[:OPTIONS]")]
    pub volume: Vec<String>,
    /// Ignore file to use instead of .containerignore/.dockerignore
    #[arg(long, value_name = "FILE")]
    pub ignorefile: Option<PathBuf>,
    #[command(flatten)]
    pub registry: RegistryOpts,
}

#[derive(Subcommand, Debug)]
pub enum BuildxCommand {
    /// Build an image from a Containerfile
    Build(BuildArgs),
}
