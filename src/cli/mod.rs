//! The command line, defined once: parsing, `--help`, the man pages and the
//! shell completions are all generated from these types. Names and flags
//! follow Podman's so scripts and muscle memory carry over.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub mod commands;
pub mod complete;
pub mod output;
pub mod parse;
pub mod template;
pub mod values;

mod build;
mod compose;
mod dev;
mod events;
mod exec;
mod files;
mod manage;
mod network;
mod pod;
mod ps;
mod run;
mod volume;
pub use build::*;
pub use compose::*;
pub use dev::*;
pub use events::*;
pub use exec::*;
pub use files::*;
pub use manage::*;
pub use network::*;
pub use pod::*;
pub use ps::*;
pub use run::*;
pub use volume::*;

#[derive(Parser, Debug)]
#[command(
    name = "cove",
    version,
    about = "Daemonless, rootless containers",
    long_about = "cove runs OCI containers from an ordinary user account: no daemon, no root, no helper binaries. Commands and flags follow Podman's.",
    propagate_version = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct GlobalOpts {
    /// Storage root directory (images, layers, containers, volumes)
    #[arg(long, global = true, value_name = "DIR", env = "COVE_ROOT")]
    pub root: Option<PathBuf>,
    /// Runtime state directory
    #[arg(long, global = true, value_name = "DIR", env = "COVE_RUNROOT")]
    pub runroot: Option<PathBuf>,
    /// Storage driver for container root filesystems
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "DRIVER",
        env = "COVE_STORAGE_DRIVER"
    )]
    pub storage_driver: Option<crate::context::DriverRequest>,
    /// Log messages at or above this level to stderr: trace, debug, info,
    /// warn, warning, error, fatal, panic
    #[arg(long, global = true, default_value = "warn", value_name = "LEVEL")]
    pub log_level: String,
    /// Log debug messages (--log-level=debug)
    #[arg(short = 'D', long, global = true)]
    pub debug: bool,
    /// Discard the command's standard output
    #[arg(long, global = true)]
    pub noout: bool,
    /// Write the command's standard output to FILE
    #[arg(long, global = true, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Podman's remote client options: cove is daemonless, these fail with
    /// a clear error
    #[command(flatten)]
    pub remote: RemoteOpts,
}

/// Podman's ways of talking to a service; cove has no service.
#[derive(Args, Debug, Clone)]
pub struct RemoteOpts {
    /// Not supported: cove runs containers itself, without a service
    #[arg(long, global = true)]
    pub remote: bool,
    /// Not supported (a podman service's URL)
    #[arg(long, global = true, value_name = "URL", env = "CONTAINER_HOST")]
    pub url: Option<String>,
    /// Not supported (a podman system connection)
    #[arg(long, global = true, value_name = "NAME", env = "CONTAINER_CONNECTION")]
    pub connection: Option<String>,
    /// Docker's context: only "default" (this machine) exists
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum HealthcheckCommand {
    /// Run a container's health check now; exit 0 if healthy, 1 if not
    Run(HealthcheckRunArgs),
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a command in a new container
    Run(RunArgs),
    /// Create a container without starting it
    Create(CreateArgs),
    /// Start created or exited containers
    Start(StartArgs),
    /// Stop running containers
    Stop(StopArgs),
    /// Restart containers
    Restart(RestartArgs),
    /// Show a container's output
    Logs(LogsArgs),
    /// Attach to a running container's input and output
    Attach(AttachArgs),
    /// Run a command in a running container
    Exec(ExecArgs),
    /// Remove containers
    Rm(RmArgs),
    /// Send a signal to running containers
    Kill(KillArgs),
    /// Stop all processes of containers until unpaused
    Pause(PauseArgs),
    /// Continue the processes of paused containers
    Unpause(PauseArgs),
    /// Wait for containers to stop and print their exit codes
    Wait(WaitArgs),
    /// List containers
    Ps(PsArgs),
    /// Show the processes of a running container
    Top(TopArgs),
    /// List a container's published ports
    Port(PortArgs),
    /// Show CPU, memory, network and block I/O usage of containers
    Stats(StatsArgs),
    /// Rename a container
    Rename(RenameArgs),
    /// Copy files/folders between a container and the local filesystem
    Cp(CpArgs),
    /// Export a container's filesystem as a tar archive
    Export(ExportArgs),
    /// Create a new image from a container's changes
    Commit(CommitArgs),
    /// Manage containers
    #[command(subcommand)]
    Container(ContainerCommand),
    /// Build an image from a Containerfile
    Build(BuildArgs),
    /// Docker buildx compatibility: `buildx build`
    #[command(subcommand)]
    Buildx(BuildxCommand),
    /// Pull an image from a registry
    Pull(PullArgs),
    /// Push an image to a registry
    Push(PushArgs),
    /// List images in local storage
    Images(ImagesArgs),
    /// Manage images
    #[command(subcommand)]
    Image(ImageCommand),
    /// Add names to an image
    Tag(TagArgs),
    /// Remove names from an image
    Untag(UntagArgs),
    /// Remove images
    Rmi(RmiArgs),
    /// Save images to an archive
    Save(SaveArgs),
    /// Load images from an archive
    Load(LoadArgs),
    /// Create an image from a tarball of a root filesystem
    Import(ImportArgs),
    /// Display low-level information on containers, images or volumes
    Inspect(InspectArgs),
    /// Log in to a container registry
    Login(LoginArgs),
    /// Log out of a container registry
    Logout(LogoutArgs),
    /// Run a command in cove's user namespace (to inspect or remove files
    /// owned by subordinate ids)
    Unshare(UnshareArgs),
    /// Manage pods: containers sharing namespaces
    #[command(subcommand)]
    Pod(PodCommand),
    /// Desktop dev sandboxes: your user, home, display and sound, entered at once
    #[command(subcommand)]
    Dev(DevCommand),
    /// Run multi-container applications from compose files
    Compose(ComposeArgs),
    /// Manage volumes
    #[command(subcommand)]
    Volume(VolumeCommand),
    /// Manage networks
    #[command(subcommand)]
    Network(NetworkCommand),
    /// Show version information
    Version(VersionArgs),
    /// Show system information
    Info(InfoArgs),
    /// Show events: containers created, started, stopped, removed…; images
    /// pulled, tagged, removed
    Events(EventsArgs),
    /// Manage cove's storage: prune, df, reset
    #[command(subcommand)]
    System(SystemCommand),
    /// Generate shell completion scripts
    Completion(CompletionArgs),
    /// Run containers' health checks
    #[command(subcommand)]
    Healthcheck(HealthcheckCommand),
    /// A detached container's monitor (started by cove itself)
    #[command(hide = true)]
    ContainerMonitor(MonitorArgs),
}

#[derive(Subcommand, Debug)]
pub enum ImageCommand {
    /// Build an image from a Containerfile
    Build(Box<BuildArgs>),
    /// List images in local storage
    #[command(visible_alias = "list")]
    Ls(ImagesArgs),
    /// Display an image's configuration
    Inspect(ImageInspectArgs),
    /// Check whether an image exists in local storage (exit 0 if it does, 1 if not)
    Exists(ImageExistsArgs),
    /// Show the history of an image
    History(HistoryArgs),
    /// Remove images
    Rm(RmiArgs),
    /// Add names to an image
    Tag(TagArgs),
    /// Remove a name from an image
    Untag(UntagArgs),
    /// Pull an image from a registry
    Pull(PullArgs),
    /// Push an image to a registry
    Push(PushArgs),
    /// Save images to an archive
    Save(SaveArgs),
    /// Load images from an archive
    Load(LoadArgs),
    /// Create an image from a tarball of a root filesystem
    Import(ImportArgs),
    /// Remove unnamed (dangling) images, or all unused images with -a
    Prune(PruneArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct RegistryOpts {
    /// Require HTTPS and verify certificates (false allows plain HTTP)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub tls_verify: Option<bool>,
    /// Path of the authentication file
    #[arg(long, value_name = "FILE", env = "REGISTRY_AUTH_FILE")]
    pub authfile: Option<PathBuf>,
    /// Credentials (USERNAME[:PASSWORD]) for the registry
    #[arg(long, value_name = "USERNAME[:PASSWORD]")]
    pub creds: Option<String>,
}

impl RegistryOpts {
    /// The same settings for the image layer, which knows no clap.
    pub fn options(&self) -> crate::image::registry::RegistryOptions {
        crate::image::registry::RegistryOptions {
            tls_verify: self.tls_verify,
            authfile: self.authfile.clone(),
            creds: self.creds.clone(),
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct PullArgs {
    /// Image reference, e.g. busybox, quay.io/org/app:1.0, name@sha256:…
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// Print only the image id
    #[arg(short, long)]
    pub quiet: bool,
    /// When to contact the registry: always, missing (only if not stored),
    /// never (use the stored image or fail), newer (when the registry's
    /// manifest differs; unchanged layers are never transferred)
    #[arg(long, value_enum, default_value = "always")]
    pub policy: crate::image::registry::pull::PullPolicy,
    /// Platform to pull from a multi-arch image (OS/ARCH[/VARIANT])
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Architecture to pull instead of the host's
    #[arg(long, value_name = "ARCH")]
    pub arch: Option<String>,
    /// Operating system to pull instead of the host's
    #[arg(long, value_name = "OS")]
    pub os: Option<String>,
    /// Architecture variant (e.g. v7 for arm)
    #[arg(long, value_name = "VARIANT")]
    pub variant: Option<String>,
    #[command(flatten)]
    pub registry: RegistryOpts,
}

#[derive(Args, Debug, Clone)]
pub struct PushArgs {
    /// Image in local storage
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// Destination reference (defaults to IMAGE)
    #[arg(value_name = "DESTINATION")]
    pub destination: Option<String>,
    /// Do not show progress
    #[arg(short, long)]
    pub quiet: bool,
    /// Write the pushed manifest's digest to this file
    #[arg(long, value_name = "FILE")]
    pub digestfile: Option<PathBuf>,
    #[command(flatten)]
    pub registry: RegistryOpts,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ImagesArgs {
    /// Show only images matching this reference (e.g. busybox, docker.io/library/*)
    #[arg(value_name = "REPOSITORY")]
    pub reference: Option<String>,
    /// Show all images (default hides intermediate images; cove has none)
    #[arg(short, long)]
    pub all: bool,
    /// Print only image ids
    #[arg(short, long)]
    pub quiet: bool,
    /// Output format: json, table, or a Go template such as {{.ID}}
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Do not truncate ids
    #[arg(long)]
    pub no_trunc: bool,
    /// Show manifest digests
    #[arg(long)]
    pub digests: bool,
    /// Do not print the column headings
    #[arg(short = 'n', long)]
    pub noheading: bool,
    /// Filter: dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct ImageInspectArgs {
    #[arg(value_name = "IMAGE", required = true)]
    pub images: Vec<String>,
    /// Output format: json (default) or a Go template such as {{.Id}}
    #[arg(short, long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct InspectArgs {
    /// Containers, images or volumes (a name that is both is the container)
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Output format: json (default) or a Go template such as {{.Id}}
    #[arg(short, long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Type of object to inspect
    #[arg(short = 't', long = "type", value_enum, default_value = "all")]
    pub kind: InspectKind,
    /// Inspect the most recently created container
    #[arg(short, long)]
    pub latest: bool,
    /// Show the containers' sizes (SizeRw, SizeRootFs)
    #[arg(short, long)]
    pub size: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum InspectKind {
    All,
    Container,
    Image,
    Volume,
}

#[derive(Args, Debug, Clone)]
pub struct ImageExistsArgs {
    #[arg(value_name = "IMAGE")]
    pub image: String,
}

#[derive(Args, Debug, Clone)]
pub struct HistoryArgs {
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// Print only layer ids
    #[arg(short, long)]
    pub quiet: bool,
    /// Output format: json, or a Go template such as {{.CreatedBy}}
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Do not truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Print sizes and dates in human readable form
    #[arg(short = 'H', long, default_value_t = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub human: bool,
}

#[derive(Args, Debug, Clone)]
pub struct TagArgs {
    #[arg(value_name = "IMAGE")]
    pub image: String,
    #[arg(value_name = "TARGET_NAME", required = true)]
    pub targets: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct UntagArgs {
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// Names to remove (all names when none is given)
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct RmiArgs {
    #[arg(value_name = "IMAGE")]
    pub images: Vec<String>,
    /// Remove all images
    #[arg(short, long)]
    pub all: bool,
    /// Remove the image even when it has several names (all of them go)
    #[arg(short, long)]
    pub force: bool,
    /// Do not fail when an image does not exist
    #[arg(short, long)]
    pub ignore: bool,
}

#[derive(Args, Debug, Clone)]
pub struct PruneArgs {
    /// Remove all images not used by a container, not only unnamed ones
    #[arg(short, long)]
    pub all: bool,
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub force: bool,
}

#[derive(Args, Debug, Clone)]
pub struct SaveArgs {
    #[arg(value_name = "IMAGE", required = true)]
    pub images: Vec<String>,
    /// Write to this file instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Archive format
    #[arg(long, value_enum, default_value = "docker-archive")]
    pub format: crate::image::archive::ArchiveFormat,
    /// Do not show progress
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Args, Debug, Clone)]
pub struct LoadArgs {
    /// Read from this file instead of stdin
    #[arg(short, long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Do not show progress
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Args, Debug, Clone)]
pub struct ImportArgs {
    /// Tarball of a root filesystem (plain, gzip or zstd), or - for stdin
    #[arg(value_name = "FILE")]
    pub source: String,
    /// Name for the new image
    #[arg(value_name = "REFERENCE")]
    pub reference: Option<String>,
    /// Dockerfile instruction to apply (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL)
    #[arg(short, long, value_name = "INSTRUCTION")]
    pub change: Vec<String>,
    /// Commit message stored in the image history
    #[arg(short, long, value_name = "MESSAGE")]
    pub message: Option<String>,
    /// Print only the image id
    #[arg(short, long)]
    pub quiet: bool,
    /// Architecture recorded in the image (default: the host's)
    #[arg(long, value_name = "ARCH")]
    pub arch: Option<String>,
    /// Operating system recorded in the image
    #[arg(long, value_name = "OS")]
    pub os: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct LoginArgs {
    /// Registry host, e.g. quay.io or localhost:5000
    #[arg(value_name = "REGISTRY")]
    pub registry: String,
    #[arg(short, long, value_name = "USERNAME")]
    pub username: Option<String>,
    #[arg(short, long, value_name = "PASSWORD")]
    pub password: Option<String>,
    /// Read the password from stdin
    #[arg(long)]
    pub password_stdin: bool,
    /// Print the user name stored for the registry
    #[arg(long)]
    pub get_login: bool,
    /// Require HTTPS and verify certificates
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub tls_verify: Option<bool>,
    /// Path of the authentication file
    #[arg(long, value_name = "FILE", env = "REGISTRY_AUTH_FILE")]
    pub authfile: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct LogoutArgs {
    #[arg(value_name = "REGISTRY", required_unless_present = "all")]
    pub registry: Option<String>,
    /// Remove the credentials of every registry
    #[arg(short, long)]
    pub all: bool,
    /// Path of the authentication file
    #[arg(long, value_name = "FILE", env = "REGISTRY_AUTH_FILE")]
    pub authfile: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct UnshareArgs {
    /// Command to run (default: $SHELL)
    #[arg(
        value_name = "COMMAND",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct VersionArgs {
    /// Output format: json or a Go template such as {{.Client.Version}}
    #[arg(short, long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct InfoArgs {
    /// Output format: json or a Go template such as {{.Store.GraphRoot}}
    #[arg(short, long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

impl Shell {
    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::Powershell => "powershell",
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct CompletionArgs {
    #[arg(value_enum)]
    pub shell: Shell,
    /// Write to this file instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn tls_verify_takes_equals_false() {
        let cli = Cli::try_parse_from(["cove", "pull", "--tls-verify=false", "x"]).unwrap();
        match cli.command {
            Command::Pull(p) => assert_eq!(p.registry.tls_verify, Some(false)),
            _ => panic!("wrong command"),
        }
    }
}
