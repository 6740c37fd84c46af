//! `cove build`: an image from a Containerfile.
//!
//! `parse` reads the file (directives, continuations, heredocs, forms),
//! `stages` splits it into stages and decides which the target needs,
//! `expand` expands variables with the stage's ARG/ENV scope, `ignore`
//! and `context` choose the context's files, `copy` writes COPY/ADD
//! layers, `cache` keys steps by content, and `exec` runs the steps: a
//! RUN step is a cove container whose changes become the layer
//! (`container::commit`), metadata-only steps change the config alone.

pub mod cache;
pub mod context;
pub mod copy;
pub mod exec;
pub mod expand;
pub mod ignore;
pub mod mounts;
pub mod parse;
pub mod stages;

use crate::image::commit::Format;
use crate::image::registry::pull::PullPolicy;
use crate::image::registry::RegistryOptions;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Where the Containerfile comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSource {
    /// Containerfile, then Dockerfile, in the context.
    Lookup,
    Path(PathBuf),
    /// `-f -`: read from stdin.
    Stdin,
}

/// The build context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextSource {
    Dir(PathBuf),
    /// A tar archive (maybe gzip/zstd compressed), unpacked first.
    Archive(PathBuf),
    /// `-`: a Containerfile (no context) or a context archive on stdin.
    Stdin,
}

/// What a build is asked (the CLI fills it from its flags).
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub context: ContextSource,
    pub file: FileSource,
    /// Full image names to give the result.
    pub tags: Vec<String>,
    pub build_args: BTreeMap<String, String>,
    pub target: Option<String>,
    /// Run every step, whatever the cache holds (results are still kept).
    pub no_cache: bool,
    /// Keep and reuse intermediate images (the step cache).
    pub layers: bool,
    pub pull: PullPolicy,
    pub iidfile: Option<PathBuf>,
    pub quiet: bool,
    /// `--label K=V` on the final image.
    pub labels: Vec<String>,
    /// `--env K=V` on the final image.
    pub env: Vec<String>,
    /// `--unsetenv K`: removed from the final image's environment.
    pub unsetenv: Vec<String>,
    /// `--omit-history`: the final image carries no history.
    pub omit_history: bool,
    pub format: Format,
    /// `--network` for RUN steps (as `run` takes it).
    pub network: Option<String>,
    /// `-v` for RUN steps (as `run` takes it).
    pub volumes: Vec<String>,
    pub registry: RegistryOptions,
    /// `--ignorefile`, instead of .containerignore/.dockerignore.
    pub ignorefile: Option<PathBuf>,
    /// `--secret`: id -> where its value is.
    pub secrets: BTreeMap<String, mounts::SecretSource>,
}
