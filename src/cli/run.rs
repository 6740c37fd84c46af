//! Flags of `run`, `create` and `start`. `create` and `run` share
//! [`CreateOpts`]; parsing of the values (volumes, ulimits, users...) is in
//! `crate::container::options`, so this file only names the flags.

use super::RegistryOpts;
use crate::container::request::CreateOptions;
use crate::image::registry::pull::PullPolicy;
use clap::Args;
use std::path::PathBuf;

/// Everything that describes a container, shared by `run` and `create`.
#[derive(Args, Debug, Clone)]
pub struct CreateOpts {
    /// Name for the container (default: a generated one)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Remove the container (and its anonymous volumes) when it exits
    #[arg(long)]
    pub rm: bool,
    /// Remove (killing it if it runs) the container of the same --name first
    #[arg(long)]
    pub replace: bool,
    /// Keep stdin open
    #[arg(short, long)]
    pub interactive: bool,
    /// Allocate a pseudo-terminal
    #[arg(short, long)]
    pub tty: bool,
    /// Set an environment variable (KEY=VALUE, KEY to copy the host's, KEY* for a prefix)
    #[arg(short, long, value_name = "ENV")]
    pub env: Vec<String>,
    /// Read environment variables from a file of KEY=VALUE lines
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Pass the whole host environment into the container
    #[arg(long)]
    pub env_host: bool,
    /// Working directory inside the container
    #[arg(short, long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// User (name or uid) and optional group to run as: USER[:GROUP]
    #[arg(short, long, value_name = "USER[:GROUP]")]
    pub user: Option<String>,
    /// Add a supplementary group (name or gid)
    #[arg(long, value_name = "GROUP")]
    pub group_add: Vec<String>,
    /// Override the image's entrypoint ("" clears it)
    #[arg(long, value_name = "COMMAND")]
    pub entrypoint: Option<String>,
    /// Container host name (default: the short container id)
    #[arg(short = 'h', long, value_name = "NAME")]
    pub hostname: Option<String>,
    /// Run a tiny init as pid 1 that forwards signals and reaps zombies
    #[arg(long)]
    pub init: bool,
    /// Mount the container's root filesystem read-only
    #[arg(long)]
    pub read_only: bool,
    /// Keep /tmp, /var/tmp and /run writable with --read-only
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub read_only_tmpfs: bool,
    /// Mount a tmpfs: DIR[:OPTIONS]
    #[arg(long, value_name = "DIR[:OPTIONS]")]
    pub tmpfs: Vec<String>,
    /// Bind mount or volume: SOURCE:DEST[:OPTIONS] (ro, rw, z, Z, ...)
    #[arg(short, long, value_name = "SOURCE:DEST[:OPTIONS]")]
    pub volume: Vec<String>,
    /// Attach a mount: type=bind|volume|tmpfs,source=...,destination=...[,ro]
    #[arg(long, value_name = "MOUNT")]
    pub mount: Vec<String>,
    /// Add a Linux capability (or ALL)
    #[arg(long, value_name = "CAP")]
    pub cap_add: Vec<String>,
    /// Drop a Linux capability (or ALL)
    #[arg(long, value_name = "CAP")]
    pub cap_drop: Vec<String>,
    /// Security options: no-new-privileges, seccomp=unconfined|PROFILE.json, mask=, unmask=, label=disable
    #[arg(long, value_name = "OPTION")]
    pub security_opt: Vec<String>,
    /// Give the container every capability and device the user has
    #[arg(long)]
    pub privileged: bool,
    /// Resource limit: TYPE=SOFT[:HARD], e.g. nofile=1024:2048
    #[arg(long, value_name = "TYPE=SOFT[:HARD]")]
    pub ulimit: Vec<String>,
    /// Signal sent by `stop` (default: the image's, else SIGTERM)
    #[arg(long, value_name = "SIGNAL")]
    pub stop_signal: Option<String>,
    /// Seconds `stop` waits after the stop signal before SIGKILL
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub stop_timeout: u64,
    /// Restart policy: no, on-failure[:MAX_RETRIES], always, unless-stopped
    #[arg(long, value_name = "POLICY")]
    pub restart: Option<String>,
    /// Where the container's output is logged: k8s-file (default), passthrough, none
    #[arg(long, value_name = "DRIVER")]
    pub log_driver: Option<String>,
    /// Logging option: max-size=SIZE
    #[arg(long, value_name = "OPTION")]
    pub log_opt: Vec<String>,
    /// Command that checks the container's health (shell form, or a JSON
    /// array for the exec form); `--healthcheck-*` are Podman's old names
    /// of these flags, which podman-compose 1.0 passes
    #[arg(long, value_name = "COMMAND", alias = "healthcheck-command")]
    pub health_cmd: Option<String>,
    /// Time between health checks ("disable": only `cove healthcheck run`)
    #[arg(
        long,
        default_value = "30s",
        value_name = "DURATION",
        alias = "healthcheck-interval"
    )]
    pub health_interval: String,
    /// Failed checks in a row that make the container unhealthy
    #[arg(
        long,
        default_value_t = 3,
        value_name = "N",
        alias = "healthcheck-retries"
    )]
    pub health_retries: u32,
    /// Time a check may take before it counts as failed
    #[arg(
        long,
        default_value = "30s",
        value_name = "DURATION",
        alias = "healthcheck-timeout"
    )]
    pub health_timeout: String,
    /// Time for the container to start during which failures do not count
    #[arg(
        long,
        default_value = "0s",
        value_name = "DURATION",
        alias = "healthcheck-start-period"
    )]
    pub health_start_period: String,
    /// Run no health check
    #[arg(long, conflicts_with = "health_cmd")]
    pub no_healthcheck: bool,
    /// Set a label: KEY=VALUE
    #[arg(short, long, value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// Read labels from a file of KEY=VALUE lines (# starts a comment)
    #[arg(long, value_name = "FILE")]
    pub label_file: Vec<PathBuf>,
    /// Set an annotation on the runtime spec: KEY=VALUE
    #[arg(long, value_name = "KEY=VALUE")]
    pub annotation: Vec<String>,
    /// Write the container's id to FILE (removed with the container)
    #[arg(long, value_name = "FILE")]
    pub cidfile: Option<PathBuf>,
    /// Time zone: AREA/CITY from the host's zoneinfo, or local (the host's)
    #[arg(long, value_name = "TIMEZONE")]
    pub tz: Option<String>,
    /// File mode creation mask of the container's processes (octal; default 0022)
    #[arg(long, value_name = "MASK")]
    pub umask: Option<String>,
    /// Adjust the container's OOM score (-1000 to 1000; rootless only upwards)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub oom_score_adj: Option<i32>,
    /// Set a namespaced kernel parameter: NAME=VALUE (net.*, fs.mqueue.*,
    /// kernel.shm*, kernel.msg*, kernel.sem)
    #[arg(long, value_name = "NAME=VALUE")]
    pub sysctl: Vec<String>,
    /// Size of /dev/shm (default 64m)
    #[arg(long, value_name = "SIZE")]
    pub shm_size: Option<String>,
    /// Key to decrypt an encrypted image with (not supported: cove refuses
    /// encrypted images)
    #[arg(long, value_name = "KEY[:PASSPHRASE]")]
    pub decryption_key: Vec<String>,
    /// Give the container a host device: HOST[:CONTAINER][:PERMISSIONS]
    #[arg(long, value_name = "DEVICE")]
    pub device: Vec<String>,
    /// User namespace: "" (default), host, keep-id[:uid=N,gid=N]
    #[arg(long, value_name = "MODE")]
    pub userns: Option<String>,
    /// Network: slirp[:mtu=N,allow_host_loopback=true] (the default), pasta[:OPTIONS], host, none, container:NAME, or a user network NAME[:alias=A,ip=IP,mac=MAC] (repeat for several)
    #[arg(long, visible_alias = "net", value_name = "MODE")]
    pub network: Vec<String>,
    /// Add a network-scoped alias (a DNS name on the user networks)
    #[arg(long, value_name = "ALIAS")]
    pub network_alias: Vec<String>,
    /// The container's IPv4 address on its user network
    #[arg(long, value_name = "IP")]
    pub ip: Option<String>,
    /// The container's IPv6 address on its user network
    #[arg(long, value_name = "IP")]
    pub ip6: Option<String>,
    /// The container's MAC address on its user network
    #[arg(long, value_name = "MAC")]
    pub mac_address: Option<String>,
    /// Publish a container port on the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp], ranges as START-END
    #[arg(short, long, value_name = "PORTS")]
    pub publish: Vec<String>,
    /// Publish every port the image exposes on a random host port
    #[arg(short = 'P', long)]
    pub publish_all: bool,
    /// Put the container in a pod: NAME or ID, or new:NAME to create it
    #[arg(long, value_name = "POD")]
    pub pod: Option<String>,
    /// Put the container in the pod whose id this file holds
    #[arg(long, value_name = "FILE")]
    pub pod_id_file: Option<std::path::PathBuf>,
    /// Name server for the container's /etc/resolv.conf (none: no name server)
    #[arg(long, value_name = "IP")]
    pub dns: Vec<String>,
    /// Search domain for the container's /etc/resolv.conf ("." for none)
    #[arg(long, value_name = "DOMAIN")]
    pub dns_search: Vec<String>,
    /// Resolver option for the container's /etc/resolv.conf
    #[arg(long, value_name = "OPTION")]
    pub dns_option: Vec<String>,
    /// Add a line to the container's /etc/hosts: HOST:IP (host-gateway for the host)
    #[arg(long, value_name = "HOST:IP")]
    pub add_host: Vec<String>,
    /// When to pull the image
    #[arg(long, value_enum, default_value = "missing", value_name = "POLICY")]
    pub pull: PullPolicy,
    /// Suppress pull progress
    #[arg(short, long)]
    pub quiet: bool,
    /// Platform of the image to pull: OS/ARCH[/VARIANT]
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,
    #[command(flatten)]
    pub registry: RegistryOpts,
    /// The image, then the command and its arguments
    #[arg(
        value_name = "IMAGE [COMMAND [ARG...]]",
        required = true,
        num_args = 1..,
        trailing_var_arg = true
    )]
    pub image_and_command: Vec<String>,
}

impl CreateOpts {
    /// The same request for the container layer, which knows no clap.
    pub fn options(&self) -> CreateOptions {
        CreateOptions {
            // Docker's API names containers "/NAME"; scripts pass it back.
            name: self
                .name
                .as_deref()
                .map(|n| n.strip_prefix('/').unwrap_or(n).to_string()),
            rm: self.rm,
            replace: self.replace,
            interactive: self.interactive,
            tty: self.tty,
            env: self.env.clone(),
            env_file: self.env_file.clone(),
            env_host: self.env_host,
            workdir: self.workdir.clone(),
            user: self.user.clone(),
            group_add: self.group_add.clone(),
            entrypoint: self.entrypoint.clone(),
            hostname: self.hostname.clone(),
            init: self.init,
            read_only: self.read_only,
            umask: self.umask.clone(),
            oom_score_adj: self.oom_score_adj,
            sysctl: self.sysctl.clone(),
            shm_size: self.shm_size.clone(),
            read_only_tmpfs: self.read_only_tmpfs,
            tmpfs: self.tmpfs.clone(),
            volume: self.volume.clone(),
            mount: self.mount.clone(),
            cap_add: self.cap_add.clone(),
            cap_drop: self.cap_drop.clone(),
            security_opt: self.security_opt.clone(),
            privileged: self.privileged,
            ulimit: self.ulimit.clone(),
            stop_signal: self.stop_signal.clone(),
            stop_timeout: self.stop_timeout,
            restart: self.restart.clone(),
            log_driver: self.log_driver.clone(),
            log_opt: self.log_opt.clone(),
            health_cmd: self.health_cmd.clone(),
            health_interval: self.health_interval.clone(),
            health_retries: self.health_retries,
            health_timeout: self.health_timeout.clone(),
            health_start_period: self.health_start_period.clone(),
            no_healthcheck: self.no_healthcheck,
            label: self.label.clone(),
            annotation: self.annotation.clone(),
            device: self.device.clone(),
            userns: self.userns.clone(),
            network: self.network.clone(),
            network_alias: self.network_alias.clone(),
            ip: self.ip.clone(),
            ip6: self.ip6.clone(),
            mac_address: self.mac_address.clone(),
            publish: self.publish.clone(),
            publish_all: self.publish_all,
            pod: self.pod.clone(),
            pod_id_file: self.pod_id_file.clone(),
            dns: self.dns.clone(),
            dns_search: self.dns_search.clone(),
            dns_option: self.dns_option.clone(),
            add_host: self.add_host.clone(),
            pull: self.pull,
            quiet: self.quiet,
            platform: self.platform.clone(),
            registry: self.registry.options(),
            image: self.image().to_string(),
            command: self.command().to_vec(),
        }
    }

    pub fn image(&self) -> &str {
        &self.image_and_command[0]
    }

    pub fn command(&self) -> &[String] {
        &self.image_and_command[1..]
    }
}

// -h is --hostname, as in Podman; help is --help only.
#[derive(Args, Debug, Clone)]
#[command(disable_help_flag = true)]
pub struct RunArgs {
    /// Run in the background and print the container id
    #[arg(short, long)]
    pub detach: bool,
    #[command(flatten)]
    pub create: CreateOpts,
    /// Print help
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

// -h is --hostname, as in Podman; help is --help only.
#[derive(Args, Debug, Clone)]
#[command(disable_help_flag = true)]
pub struct CreateArgs {
    #[command(flatten)]
    pub create: CreateOpts,
    /// Print help
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

#[derive(Args, Debug, Clone)]
pub struct StartArgs {
    /// Attach to the container's output and wait for it to exit
    #[arg(short, long)]
    pub attach: bool,
    /// Attach the container's stdin
    #[arg(short, long)]
    pub interactive: bool,
    /// Start every container that is not running
    #[arg(long)]
    pub all: bool,
    /// Start only the containers that match (ps's filters, e.g.
    /// restart-policy=always, exited=0, label=KEY=VALUE)
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
    #[arg(value_name = "CONTAINER", required_unless_present_any = ["all", "filter"])]
    pub containers: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct StopArgs {
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
    /// Seconds to wait after the stop signal before SIGKILL (default: the container's --stop-timeout)
    #[arg(
        short = 't',
        long = "time",
        visible_alias = "timeout",
        value_name = "SECONDS"
    )]
    pub time: Option<u64>,
    /// Stop all running containers
    #[arg(short, long)]
    pub all: bool,
    /// Do not fail when a container does not exist
    #[arg(short, long)]
    pub ignore: bool,
}

#[derive(Args, Debug, Clone)]
pub struct RestartArgs {
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
    /// Seconds to wait after the stop signal before SIGKILL (default: the container's --stop-timeout)
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u64>,
    /// Restart all containers
    #[arg(short, long)]
    pub all: bool,
    /// Restart only running containers (with --all)
    #[arg(long)]
    pub running: bool,
}

#[derive(Args, Debug, Clone)]
pub struct LogsArgs {
    #[arg(value_name = "CONTAINER", required = true)]
    pub containers: Vec<String>,
    /// Keep printing new output until the container stops
    #[arg(short, long)]
    pub follow: bool,
    /// Only the last N lines (-1: all)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub tail: Option<i64>,
    /// Only lines since this time: RFC 3339, a Unix time, or a duration such as 10m
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only lines before this time: RFC 3339, a Unix time, or a duration such as 10m
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Show the time of each line
    #[arg(short, long)]
    pub timestamps: bool,
    /// Prefix each line with the container's name (several containers: their short ids otherwise)
    #[arg(short = 'n', long)]
    pub names: bool,
}

#[derive(Args, Debug, Clone)]
pub struct AttachArgs {
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    /// Keys that detach: comma-separated, e.g. ctrl-p,ctrl-q ("" disables)
    #[arg(long, default_value = "ctrl-p,ctrl-q", value_name = "KEYS")]
    pub detach_keys: String,
    /// Do not attach stdin
    #[arg(long)]
    pub no_stdin: bool,
    /// Forward signals received to the container (not with a terminal)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub sig_proxy: bool,
}

#[derive(Args, Debug, Clone)]
pub struct HealthcheckRunArgs {
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

/// The hidden mode a detached container's monitor runs in.
#[derive(Args, Debug, Clone)]
pub struct MonitorArgs {
    #[arg(long)]
    pub lock_fd: i32,
    #[arg(long)]
    pub report_fd: i32,
    pub id: String,
}

#[derive(Args, Debug, Clone)]
pub struct RmArgs {
    /// Containers to remove (names, ids or unique id prefixes)
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
    /// Remove all containers
    #[arg(short, long)]
    pub all: bool,
    /// Kill running containers first
    #[arg(short, long)]
    pub force: bool,
    /// Remove the container's anonymous volumes too
    #[arg(short, long)]
    pub volumes: bool,
    /// Do not fail when a container does not exist
    #[arg(short, long)]
    pub ignore: bool,
    /// With --force: stop a running container gracefully first (its stop
    /// signal, then SIGKILL after SECONDS) instead of killing it at once
    #[arg(short, long, value_name = "SECONDS")]
    pub time: Option<u64>,
}

#[derive(Args, Debug, Clone)]
pub struct KillArgs {
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
    /// Signal to send (name or number)
    #[arg(short, long, default_value = "KILL", value_name = "SIGNAL")]
    pub signal: String,
    /// Signal all running containers
    #[arg(short, long)]
    pub all: bool,
}

#[derive(Args, Debug, Clone)]
pub struct WaitArgs {
    #[arg(value_name = "CONTAINER", required = true)]
    pub containers: Vec<String>,
    /// State to wait for: stopped/exited (the default), running, healthy or unhealthy
    #[arg(long, value_name = "STATE", default_value = "stopped")]
    pub condition: Vec<String>,
    /// How often to check, e.g. 250ms or 1s
    #[arg(short, long, default_value = "250ms", value_name = "DURATION")]
    pub interval: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    #[command(disable_help_flag = true)]
    struct Probe {
        #[command(flatten)]
        create: CreateOpts,
    }

    /// Translators (kube, compose) start from `CreateOptions::default()`:
    /// it must mean what leaving every flag out means.
    #[test]
    fn defaults_agree_with_the_flags() {
        let parsed = Probe::parse_from(["cove", "img", "echo", "hi"])
            .create
            .options();
        let expected = CreateOptions {
            image: "img".into(),
            command: vec!["echo".into(), "hi".into()],
            ..CreateOptions::default()
        };
        assert_eq!(parsed, expected);
    }
}

#[derive(Args, Debug, Clone)]
pub struct PauseArgs {
    #[arg(value_name = "CONTAINER", required_unless_present = "all")]
    pub containers: Vec<String>,
    /// Every running (for unpause: paused) container
    #[arg(short, long)]
    pub all: bool,
}
