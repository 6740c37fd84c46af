//! What a user asks a container to be: the values of `create`/`run`'s
//! flags as given, before they are checked. The CLI fills it from its
//! flags; kube and compose fill it from their files, so all of them go
//! through the same `create`.

use crate::image::registry::pull::PullPolicy;
use crate::image::registry::RegistryOptions;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub struct CreateOptions {
    /// Name for the container (default: a generated one)
    pub name: Option<String>,
    /// Remove the container (and its anonymous volumes) when it exits
    pub rm: bool,
    /// Remove (killing it if it runs) the container of the same --name first
    pub replace: bool,
    /// Keep stdin open
    pub interactive: bool,
    /// Allocate a pseudo-terminal
    pub tty: bool,
    /// Set an environment variable (KEY=VALUE, KEY to copy the host's, KEY* for a prefix)
    pub env: Vec<String>,
    /// Read environment variables from a file of KEY=VALUE lines
    pub env_file: Vec<PathBuf>,
    /// Pass the whole host environment into the container
    pub env_host: bool,
    /// Working directory inside the container
    pub workdir: Option<String>,
    /// User (name or uid) and optional group to run as: USER[:GROUP]
    pub user: Option<String>,
    /// Add a supplementary group (name or gid)
    pub group_add: Vec<String>,
    /// Override the image's entrypoint ("" clears it)
    pub entrypoint: Option<String>,
    /// Container host name (default: the short container id)
    pub hostname: Option<String>,
    /// Run a tiny init as pid 1 that forwards signals and reaps zombies
    pub init: bool,
    /// Mount the container's root filesystem read-only
    pub read_only: bool,
    /// Keep /tmp, /var/tmp and /run writable with --read-only
    pub read_only_tmpfs: bool,
    /// Mount a tmpfs: DIR[:OPTIONS]
    pub tmpfs: Vec<String>,
    /// Bind mount or volume: SOURCE:DEST[:OPTIONS] (ro, rw, z, Z, ...)
    pub volume: Vec<String>,
    /// Attach a mount: type=bind|volume|tmpfs,source=...,destination=...[,ro]
    pub mount: Vec<String>,
    /// Add a Linux capability (or ALL)
    pub cap_add: Vec<String>,
    /// Drop a Linux capability (or ALL)
    pub cap_drop: Vec<String>,
    /// Security options: no-new-privileges, seccomp=unconfined|PROFILE.json, mask=, unmask=, label=disable
    pub security_opt: Vec<String>,
    /// Give the container every capability and device the user has
    pub privileged: bool,
    /// Resource limit: TYPE=SOFT[:HARD], e.g. nofile=1024:2048
    pub ulimit: Vec<String>,
    /// Signal sent by `stop` (default: the image's, else SIGTERM)
    pub stop_signal: Option<String>,
    /// File mode creation mask of the container's processes (octal)
    pub umask: Option<String>,
    /// The container's OOM score adjustment (-1000 to 1000)
    pub oom_score_adj: Option<i32>,
    /// Namespaced kernel parameters, NAME=VALUE
    pub sysctl: Vec<String>,
    /// Size of /dev/shm (a size such as 64m)
    pub shm_size: Option<String>,
    /// Seconds `stop` waits after the stop signal before SIGKILL
    pub stop_timeout: u64,
    /// Restart policy: no, on-failure[:MAX_RETRIES], always, unless-stopped
    pub restart: Option<String>,
    /// Where the container's output is logged: k8s-file (default), passthrough, none
    pub log_driver: Option<String>,
    /// Logging option: max-size=SIZE
    pub log_opt: Vec<String>,
    /// Command that checks the container's health (shell form, or a JSON array for the exec form)
    pub health_cmd: Option<String>,
    /// Time between health checks ("disable": only `cove healthcheck run`)
    pub health_interval: String,
    /// Failed checks in a row that make the container unhealthy
    pub health_retries: u32,
    /// Time a check may take before it counts as failed
    pub health_timeout: String,
    /// Time for the container to start during which failures do not count
    pub health_start_period: String,
    /// Run no health check
    pub no_healthcheck: bool,
    /// Set a label: KEY=VALUE
    pub label: Vec<String>,
    /// Set an annotation on the runtime spec: KEY=VALUE
    pub annotation: Vec<String>,
    /// Give the container a host device: HOST[:CONTAINER][:PERMISSIONS]
    pub device: Vec<String>,
    /// User namespace: "" (default), host, keep-id[:uid=N,gid=N]
    pub userns: Option<String>,
    /// Network: slirp[:mtu=N,allow_host_loopback=true] (the default), pasta[:OPTIONS], host, none, container:NAME, or user networks NAME[:alias=A,ip=IP,mac=MAC] (repeatable)
    pub network: Vec<String>,
    /// Network-scoped aliases on the user networks
    pub network_alias: Vec<String>,
    /// Static IPv4 address on the (single) user network
    pub ip: Option<String>,
    /// Static IPv6 address on the (single) user network
    pub ip6: Option<String>,
    /// Static MAC address on the (single) user network
    pub mac_address: Option<String>,
    /// Publish a container port on the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp], ranges as START-END
    pub publish: Vec<String>,
    /// Publish every port the image exposes on a random host port
    pub publish_all: bool,
    /// The pod to join: NAME or ID, or new:NAME (`container::pod`)
    pub pod: Option<String>,
    /// A file holding the id of the pod to join
    pub pod_id_file: Option<PathBuf>,
    /// Name server for the container's /etc/resolv.conf (none: no name server)
    pub dns: Vec<String>,
    /// Search domain for the container's /etc/resolv.conf ("." for none)
    pub dns_search: Vec<String>,
    /// Resolver option for the container's /etc/resolv.conf
    pub dns_option: Vec<String>,
    /// Add a line to the container's /etc/hosts: HOST:IP (host-gateway for the host)
    pub add_host: Vec<String>,
    /// When to pull the image
    pub pull: PullPolicy,
    /// Suppress pull progress
    pub quiet: bool,
    /// Platform of the image to pull: OS/ARCH[/VARIANT]
    pub platform: Option<String>,
    pub registry: RegistryOptions,
    /// The image as the user named it.
    pub image: String,
    /// The command and its arguments (empty: the image's).
    pub command: Vec<String>,
}

/// The defaults are those of the flags left out (`cli::run` checks that
/// they agree).
impl Default for CreateOptions {
    fn default() -> CreateOptions {
        CreateOptions {
            name: Default::default(),
            umask: Default::default(),
            oom_score_adj: Default::default(),
            sysctl: Default::default(),
            shm_size: Default::default(),
            rm: Default::default(),
            replace: Default::default(),
            interactive: Default::default(),
            tty: Default::default(),
            env: Default::default(),
            env_file: Default::default(),
            env_host: Default::default(),
            workdir: Default::default(),
            user: Default::default(),
            group_add: Default::default(),
            entrypoint: Default::default(),
            hostname: Default::default(),
            init: Default::default(),
            read_only: Default::default(),
            read_only_tmpfs: true,
            tmpfs: Default::default(),
            volume: Default::default(),
            mount: Default::default(),
            cap_add: Default::default(),
            cap_drop: Default::default(),
            security_opt: Default::default(),
            privileged: Default::default(),
            ulimit: Default::default(),
            stop_signal: Default::default(),
            stop_timeout: 10,
            restart: Default::default(),
            log_driver: Default::default(),
            log_opt: Default::default(),
            health_cmd: Default::default(),
            health_interval: "30s".into(),
            health_retries: 3,
            health_timeout: "30s".into(),
            health_start_period: "0s".into(),
            no_healthcheck: Default::default(),
            label: Default::default(),
            annotation: Default::default(),
            device: Default::default(),
            userns: Default::default(),
            network: Default::default(),
            network_alias: Default::default(),
            ip: Default::default(),
            ip6: Default::default(),
            mac_address: Default::default(),
            publish: Default::default(),
            publish_all: Default::default(),
            pod: Default::default(),
            pod_id_file: Default::default(),
            dns: Default::default(),
            dns_search: Default::default(),
            dns_option: Default::default(),
            add_host: Default::default(),
            pull: PullPolicy::Missing,
            quiet: Default::default(),
            platform: Default::default(),
            registry: Default::default(),
            image: Default::default(),
            command: Default::default(),
        }
    }
}
