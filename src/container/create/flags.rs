//! The first step of create: every flag parsed and checked, nothing
//! read from the store and nothing written, so bad input costs nothing.

use super::usage;
use crate::container::options::{
    self, MountSpec, SeccompChoice, SecurityOpt, UsernsMode, VolumeSpec,
};
use crate::container::request::CreateOptions;
use crate::container::spec::Rlimit;
use crate::monitor::health::HealthConfig;
use crate::monitor::restart::RestartPolicy;
use crate::monitor::LogConfig;
use crate::network::etc::{self as netfiles, DnsFlags, ExtraHost};
use crate::network::ports::{self, PortMapping};
use crate::network::NetworkMode;
use crate::runtime::caps;
use crate::sys::userns;
use std::collections::BTreeMap;

/// The flags, parsed and validated; nothing touched yet.
pub(super) struct Flags {
    pub name: Option<String>,
    pub hostname: Option<String>,
    pub network: NetworkMode,
    pub ports: Vec<PortMapping>,
    pub dns: DnsFlags,
    pub add_hosts: Vec<ExtraHost>,
    pub userns: UsernsMode,
    pub volumes: Vec<VolumeSpec>,
    pub mounts: Vec<MountSpec>,
    pub tmpfs: Vec<MountSpec>,
    pub ulimits: Vec<Rlimit>,
    pub devices: Vec<options::DeviceSpec>,
    pub capabilities: Vec<String>,
    pub no_new_privileges: bool,
    pub seccomp: SeccompChoice,
    pub masked: Vec<String>,
    pub unmasked: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub stop_signal: Option<i32>,
    pub env: Vec<(String, String)>,
    pub restart: RestartPolicy,
    pub log: LogConfig,
    pub healthcheck: Option<HealthConfig>,
    pub kernel: KernelFlags,
}

/// `--umask`, `--oom-score-adj`, `--sysctl` and `--shm-size`, checked.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct KernelFlags {
    pub umask: Option<u32>,
    pub oom_score_adj: Option<i32>,
    pub sysctls: BTreeMap<String, String>,
    pub shm_size: Option<u64>,
}

/// The sysctls a container's own ipc namespace scopes (beside fs.mqueue.*).
const IPC_SYSCTLS: &[&str] = &[
    "kernel.msgmax",
    "kernel.msgmnb",
    "kernel.msgmni",
    "kernel.sem",
    "kernel.shmall",
    "kernel.shmmax",
    "kernel.shmmni",
    "kernel.shm_rmid_forced",
];

fn kernel_flags(opts: &CreateOptions, network: &NetworkMode) -> anyhow::Result<KernelFlags> {
    let umask = match opts.umask.as_deref() {
        Some(text) => {
            let valid = !text.is_empty() && text.len() <= 4 && text.chars().all(|c| c.is_digit(8));
            if !valid {
                return Err(usage(format!(
                    "invalid umask string {text}: invalid argument"
                )));
            }
            Some(u32::from_str_radix(text, 8)?)
        }
        None => None,
    };
    if let Some(n) = opts.oom_score_adj {
        if !(-1000..=1000).contains(&n) {
            return Err(usage(format!(
                "--oom-score-adj {n}: the OOM score adjustment must be between -1000 and 1000"
            )));
        }
    }
    let mut sysctls = BTreeMap::new();
    for s in &opts.sysctl {
        let Some((name, value)) = s.split_once('=').filter(|(k, _)| !k.is_empty()) else {
            return Err(usage(format!(
                "{s} is invalid, sysctl values must be in the form of KEY=VALUE"
            )));
        };
        // Kernel names take dots or slashes; store the dotted form.
        let name = name.trim().replace('/', ".");
        let scope_ok = if name.starts_with("net.") {
            if !network.own_namespace() {
                return Err(usage(format!(
                    "sysctl {name} can't be set since the network namespace is shared (--network {})",
                    network.name()
                )));
            }
            true
        } else {
            IPC_SYSCTLS.contains(&name.as_str()) || name.starts_with("fs.mqueue.")
        };
        if !scope_ok {
            return Err(usage(format!(
                "sysctl '{name}' is not allowed: only namespaced ones are (net.*, fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*)"
            )));
        }
        sysctls.insert(name, value.to_string());
    }
    let shm_size = match opts.shm_size.as_deref() {
        Some(text) => {
            let n = crate::util::size::parse_size(text)
                .map_err(|e| usage(format!("--shm-size: {e:#}")))?;
            if n == 0 {
                return Err(usage("--shm-size must be larger than 0"));
            }
            Some(n)
        }
        None => None,
    };
    Ok(KernelFlags {
        umask,
        oom_score_adj: opts.oom_score_adj,
        sysctls,
        shm_size,
    })
}

/// `--network-alias`, `--ip`, `--ip6` and `--mac-address`: for user
/// networks only; the address flags for a single one.
fn user_network_flags(
    mode: anyhow::Result<NetworkMode>,
    opts: &CreateOptions,
) -> anyhow::Result<NetworkMode> {
    let mut mode = mode?;
    let statics = [
        ("--ip", &opts.ip),
        ("--ip6", &opts.ip6),
        ("--mac-address", &opts.mac_address),
    ];
    let NetworkMode::Bridge { networks } = &mut mode else {
        if !opts.network_alias.is_empty() {
            anyhow::bail!("--network-alias can only be used with user networks (--network NAME)");
        }
        if let Some((flag, _)) = statics.iter().find(|(_, v)| v.is_some()) {
            anyhow::bail!("{flag} can only be used with a user network (--network NAME)");
        }
        return Ok(mode);
    };
    for a in networks.iter_mut() {
        for alias in &opts.network_alias {
            a.add_alias(alias)?;
        }
    }
    if let Some((flag, _)) = statics.iter().find(|(_, v)| v.is_some()) {
        if networks.len() > 1 {
            anyhow::bail!("{flag} can only be used with a single network; give it per network (--network NAME:ip=IP)");
        }
    }
    if let Some(ip) = opts.ip.as_deref() {
        if ip.parse::<std::net::Ipv4Addr>().is_err() {
            anyhow::bail!("--ip {ip}: not an IPv4 address");
        }
        networks[0].add_ip(ip)?;
    }
    if let Some(ip) = opts.ip6.as_deref() {
        if ip.parse::<std::net::Ipv6Addr>().is_err() {
            anyhow::bail!("--ip6 {ip}: not an IPv6 address");
        }
        networks[0].add_ip(ip)?;
    }
    if let Some(mac) = opts.mac_address.as_deref() {
        networks[0].set_mac(mac)?;
    }
    Ok(mode)
}

pub(super) fn parse(opts: &CreateOptions) -> anyhow::Result<Flags> {
    if opts.replace && opts.name.is_none() {
        return Err(usage("cannot replace container without --name being set"));
    }
    if let Some(name) = &opts.name {
        options::validate_container_name(name).map_err(|e| usage(format!("{e:#}")))?;
    }
    if let Some(h) = &opts.hostname {
        options::validate_hostname(h).map_err(|e| usage(format!("{e:#}")))?;
    }
    let network = user_network_flags(NetworkMode::parse_all(&opts.network), opts)
        .map_err(|e| usage(format!("{e:#}")))?;
    if matches!(network, NetworkMode::Pasta { .. }) && userns::is_root() {
        return Err(usage(
            "--network pasta is only supported for rootless containers (pasta will not run as root); use slirp",
        ));
    }
    let mut ports = Vec::new();
    for p in &opts.publish {
        ports.push(ports::parse(p)?);
    }
    let udp = ports
        .iter()
        .any(|p: &ports::PortMapping| p.protocols.contains(&ports::Protocol::Udp));
    if udp && matches!(network, NetworkMode::Bridge { .. }) {
        return Err(usage(
            "publishing UDP ports into a container on a user network is not supported yet (TCP is)",
        ));
    }
    if (!ports.is_empty() || opts.publish_all) && !network.publishes_ports() {
        // Podman's warning, word for word: scripts look for it.
        crate::log::warn(
            "Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use",
        );
        ports.clear();
    }
    let dns = DnsFlags {
        servers: opts.dns.clone(),
        search: opts.dns_search.clone(),
        options: opts.dns_option.clone(),
    };
    netfiles::check_dns(&dns).map_err(|e| usage(format!("{e:#}")))?;
    let add_hosts = opts
        .add_host
        .iter()
        .map(|h| netfiles::parse_add_host(h, &network))
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(|e| usage(format!("{e:#}")))?;
    let userns = options::parse_userns(opts.userns.as_deref().unwrap_or(""))?;
    let mut volumes = Vec::new();
    for v in &opts.volume {
        volumes.push(options::parse_volume(v)?);
    }
    let mut mounts = Vec::new();
    for m in &opts.mount {
        mounts.push(options::parse_mount(m)?);
    }
    let mut tmpfs = Vec::new();
    for t in &opts.tmpfs {
        tmpfs.push(options::parse_tmpfs(t)?);
    }
    let mut ulimits = Vec::new();
    for u in &opts.ulimit {
        let l = options::parse_ulimit(u)?;
        ulimits.push(Rlimit {
            kind: l.kind,
            soft: l.soft,
            hard: l.hard,
        });
    }
    let mut devices = Vec::new();
    for d in &opts.device {
        devices.push(options::parse_device(d)?);
    }
    let capabilities = caps::effective_set(&opts.cap_add, &opts.cap_drop, opts.privileged)?;
    let security = security_opts(opts.privileged, &opts.security_opt)?;
    let labels = options::parse_key_values(&opts.label, "--label")?;
    let annotations = options::parse_key_values(&opts.annotation, "--annotation")?;
    let stop_signal = opts
        .stop_signal
        .as_deref()
        .map(options::parse_signal)
        .transpose()?;
    let env = flag_env(opts)?;
    let restart = match &opts.restart {
        Some(r) => RestartPolicy::parse(r)?,
        None => Default::default(),
    };
    if opts.rm && restart != RestartPolicy::No {
        return Err(usage(
            "the --rm option conflicts with --restart, when the restartPolicy is not \"\" and \"no\"",
        ));
    }
    let log = LogConfig::parse(opts.log_driver.as_deref(), &opts.log_opt)?;
    let healthcheck = if opts.no_healthcheck {
        None
    } else {
        HealthConfig::parse(
            opts.health_cmd.as_deref(),
            &opts.health_interval,
            &opts.health_timeout,
            &opts.health_start_period,
            opts.health_retries,
        )?
    };
    let kernel = kernel_flags(opts, &network)?;
    Ok(Flags {
        name: opts.name.clone(),
        hostname: opts.hostname.clone(),
        network,
        ports,
        dns,
        add_hosts,
        userns,
        volumes,
        mounts,
        tmpfs,
        ulimits,
        devices,
        capabilities,
        no_new_privileges: security.no_new_privileges,
        seccomp: security.seccomp,
        masked: security.masked,
        unmasked: security.unmasked,
        labels,
        annotations,
        stop_signal,
        env,
        restart,
        log,
        healthcheck,
        kernel,
    })
}

/// What the `--security-opt`s (and `--privileged`) ask for.
#[derive(Debug, PartialEq)]
pub(super) struct Security {
    pub no_new_privileges: bool,
    pub seccomp: SeccompChoice,
    pub masked: Vec<String>,
    pub unmasked: Vec<String>,
}

/// `--privileged` starts unconfined; each `--security-opt` then applies
/// in order (the last seccomp choice wins).
pub(super) fn security_opts(privileged: bool, args: &[String]) -> anyhow::Result<Security> {
    let mut security = Security {
        no_new_privileges: false,
        seccomp: if privileged {
            SeccompChoice::Unconfined
        } else {
            SeccompChoice::Default
        },
        masked: Vec::new(),
        unmasked: Vec::new(),
    };
    for s in args {
        match options::parse_security_opt(s)? {
            SecurityOpt::NoNewPrivileges(v) => security.no_new_privileges = v,
            SecurityOpt::Seccomp(choice) => security.seccomp = choice,
            SecurityOpt::Mask(paths) => security.masked.extend(paths),
            SecurityOpt::Unmask(paths) => security.unmasked.extend(paths),
            SecurityOpt::Label(_) | SecurityOpt::Apparmor(_) => {}
        }
    }
    Ok(security)
}

/// The environment the flags set, lowest precedence first: the host's
/// (`--env-host`), the `--env-file`s, then each `-e`.
fn flag_env(opts: &CreateOptions) -> anyhow::Result<Vec<(String, String)>> {
    let host = options::host_env();
    let mut env = Vec::new();
    if opts.env_host {
        env.extend(host.iter().cloned());
    }
    for f in &opts.env_file {
        env.extend(options::read_env_file(f)?);
    }
    for e in &opts.env {
        env.extend(options::parse_env_arg(e, &host)?);
    }
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitError;

    fn code(e: &anyhow::Error) -> Option<i32> {
        e.downcast_ref::<ExitError>().map(|e| e.code)
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn umask_oom_score_sysctls_and_shm_size_are_checked() {
        let with = |f: &dyn Fn(&mut CreateOptions)| {
            let mut opts = CreateOptions::default();
            f(&mut opts);
            kernel_flags(&opts, &NetworkMode::None)
        };
        let k = with(&|o| {
            o.umask = Some("077".into());
            o.oom_score_adj = Some(-17);
            o.sysctl = vec![
                "net/ipv4/ping_group_range=0 1".into(),
                "kernel.shmmax=1000".into(),
            ];
            o.shm_size = Some("1g".into());
        })
        .unwrap();
        assert_eq!(k.umask, Some(0o77));
        assert_eq!(k.oom_score_adj, Some(-17));
        assert_eq!(k.sysctls["net.ipv4.ping_group_range"], "0 1");
        assert_eq!(k.sysctls["kernel.shmmax"], "1000");
        assert_eq!(k.shm_size, Some(1 << 30));
        let err = |f: &dyn Fn(&mut CreateOptions)| format!("{:#}", with(f).unwrap_err());
        assert_eq!(
            err(&|o| o.umask = Some("0999".into())),
            "invalid umask string 0999: invalid argument"
        );
        assert!(err(&|o| o.oom_score_adj = Some(1001)).contains("between -1000 and 1000"));
        assert!(err(&|o| o.sysctl = vec!["vm.swappiness=1".into()]).contains("is not allowed"));
        assert!(err(&|o| o.sysctl = vec!["net.ipv4.ip_forward".into()]).contains("KEY=VALUE"));
        assert!(err(&|o| o.shm_size = Some("0".into())).contains("larger than 0"));
        assert!(err(&|o| o.shm_size = Some("lots".into())).contains("invalid size"));
        // A shared network namespace takes no net.* sysctl.
        let opts = CreateOptions {
            sysctl: vec!["net.ipv4.ip_forward=1".into()],
            ..Default::default()
        };
        let e = kernel_flags(&opts, &NetworkMode::Host).unwrap_err();
        assert!(format!("{e:#}").contains("can't be set"), "{e:#}");
    }

    #[test]
    fn replace_needs_a_name() {
        let opts = CreateOptions {
            replace: true,
            ..Default::default()
        };
        let e = parse(&opts).err().unwrap();
        assert_eq!(code(&e), Some(125));
        assert!(format!("{e}").contains("without --name"));
    }

    #[test]
    fn rm_conflicts_with_a_restart_policy() {
        let opts = CreateOptions {
            rm: true,
            restart: Some("always".into()),
            ..Default::default()
        };
        let e = parse(&opts).err().unwrap();
        assert!(format!("{e}").contains("--rm option conflicts with --restart"));
        let opts = CreateOptions {
            rm: true,
            restart: Some("no".into()),
            ..Default::default()
        };
        assert!(parse(&opts).is_ok());
    }

    #[test]
    fn ports_are_dropped_without_a_network_that_publishes() {
        let opts = CreateOptions {
            network: vec!["none".into()],
            publish: strings(&["8080:80"]),
            ..Default::default()
        };
        assert!(parse(&opts).unwrap().ports.is_empty());
        let opts = CreateOptions {
            publish: strings(&["8080:80"]),
            ..Default::default()
        };
        assert_eq!(parse(&opts).unwrap().ports.len(), 1);
    }

    #[test]
    fn seccomp_follows_privileged_then_the_last_option() {
        let s = security_opts(false, &[]).unwrap();
        assert_eq!(s.seccomp, SeccompChoice::Default);
        assert!(!s.no_new_privileges);
        let s = security_opts(true, &[]).unwrap();
        assert_eq!(s.seccomp, SeccompChoice::Unconfined);
        let s = security_opts(
            true,
            &strings(&[
                "seccomp=/p.json",
                "no-new-privileges",
                "mask=/a:/b",
                "unmask=/c",
            ]),
        )
        .unwrap();
        assert_eq!(s.seccomp, SeccompChoice::Profile("/p.json".into()));
        assert!(s.no_new_privileges);
        assert_eq!(s.masked, strings(&["/a", "/b"]));
        assert_eq!(s.unmasked, strings(&["/c"]));
        let s = security_opts(false, &strings(&["seccomp=/p.json", "seccomp=unconfined"])).unwrap();
        assert_eq!(s.seccomp, SeccompChoice::Unconfined);
        assert!(security_opts(false, &strings(&["seccomp="])).is_err());
    }

    #[test]
    fn env_flags_come_after_env_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("env");
        std::fs::write(&file, "A=file\nB=file\n").unwrap();
        let opts = CreateOptions {
            env_file: vec![file],
            env: strings(&["A=flag"]),
            ..Default::default()
        };
        let env = parse(&opts).unwrap().env;
        assert_eq!(
            env,
            vec![
                ("A".to_string(), "file".to_string()),
                ("B".to_string(), "file".to_string()),
                ("A".to_string(), "flag".to_string()),
            ]
        );
    }
}
