//! The infra container: a container record whose process is cove itself
//! (`runtime::infra`), holding the pod's namespaces. Its monitor is the
//! usual per-container one, so the pod's network and published ports are
//! served exactly as a container's with `-p` are.

use super::record::PodConfig;
use crate::container::record::{self, ContainerConfig, ContainerDir, ContainerLock, CreateInfo};
use crate::network::etc::{self as netfiles, DnsFlags, ExtraHost};
use crate::network::NetworkMode;
use crate::runtime::{ContainerStdio, LaunchPlan};
use crate::storage::{Driver, RootfsPlan};
use crate::sys::userns::IdMaps;
use oci_spec::runtime::{
    LinuxBuilder, LinuxNamespaceBuilder, LinuxNamespaceType, ProcessBuilder, RootBuilder, Spec,
    SpecBuilder, UserBuilder,
};
use std::path::Path;

/// What the infra is made from, beyond the pod's record.
pub struct InfraInput<'a> {
    pub name: String,
    pub id_maps: Option<IdMaps>,
    pub storage_maps: Option<IdMaps>,
    pub add_hosts: &'a [ExtraHost],
    pub dns: &'a DnsFlags,
}

/// The infra's runtime spec: the namespaces of the pod (pid, mount and
/// cgroup of its own too), the pod's hostname, and cove as the process.
pub fn spec(pod: &PodConfig, dir: &Path, id_maps: &Option<IdMaps>) -> anyhow::Result<Spec> {
    let mut kinds = vec![
        LinuxNamespaceType::Pid,
        LinuxNamespaceType::Ipc,
        LinuxNamespaceType::Uts,
        LinuxNamespaceType::Mount,
        LinuxNamespaceType::Cgroup,
    ];
    if pod.network.own_namespace() {
        kinds.push(LinuxNamespaceType::Network);
    }
    if id_maps.is_some() {
        kinds.push(LinuxNamespaceType::User);
    }
    let namespaces = kinds
        .into_iter()
        .map(|kind| LinuxNamespaceBuilder::default().typ(kind).build())
        .collect::<Result<Vec<_>, _>>()?;
    let process = ProcessBuilder::default()
        .terminal(false)
        .user(UserBuilder::default().uid(0u32).gid(0u32).build()?)
        .args(vec![
            "cove".to_string(),
            crate::runtime::infra::HOLD_COMMAND.to_string(),
        ])
        .env(Vec::<String>::new())
        .cwd("/")
        .no_new_privileges(true)
        .build()?;
    Ok(SpecBuilder::default()
        .version("1.0.2")
        .root(
            RootBuilder::default()
                .path(dir.join("rootfs"))
                .readonly(true)
                .build()?,
        )
        .hostname(&pod.hostname)
        .process(process)
        .mounts(Vec::new())
        .linux(LinuxBuilder::default().namespaces(namespaces).build()?)
        .build()?)
}

/// Create the infra's record (locked, as `record::create` leaves it).
pub fn create(
    root: &Path,
    pod: &PodConfig,
    input: &InfraInput,
) -> anyhow::Result<(ContainerDir, ContainerLock)> {
    let id = record::new_id();
    let config = ContainerConfig {
        id: id.clone(),
        name: input.name.clone(),
        image: String::new(),
        image_name: None,
        image_id: String::new(),
        created: pod.created.clone(),
        driver: Driver::Vfs,
        layers: Vec::new(),
        rm: false,
        interactive: false,
        tty: false,
        init: false,
        id_maps: input.id_maps.clone(),
        storage_maps: input.storage_maps.clone(),
        userns: pod.userns.clone(),
        labels: Default::default(),
        stop_signal: libc::SIGTERM,
        volumes: Vec::new(),
        devices: Vec::new(),
        create_info: CreateInfo {
            cmd: vec![crate::runtime::infra::HOLD_COMMAND.to_string()],
            user: "0".into(),
            create_command: pod.create_command.clone(),
            ..CreateInfo::default()
        },
        restart: Default::default(),
        log: Default::default(),
        stop_timeout: 10,
        healthcheck: None,
        network: pod.network.clone(),
        ports: pod.ports.clone(),
        pod: Some(pod.id.clone()),
        infra: true,
    };
    let hosts = netfiles::hosts_file(
        &pod.network,
        &pod.hostname,
        None,
        input.add_hosts,
        &std::fs::read_to_string("/etc/hosts").unwrap_or_default(),
    );
    let host_resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let resolv = match &pod.network {
        NetworkMode::Bridge { networks } => netfiles::bridge_resolv_conf(
            &crate::container::create::dns_gateways(root, networks),
            input.dns,
            &host_resolv,
        ),
        other => netfiles::resolv_conf(other, input.dns, &host_resolv),
    };
    let id_maps = input.id_maps.clone();
    record::create(root, config, false, |dir| {
        let final_dir = dir.with_file_name(&id);
        let spec = spec(pod, &final_dir, &id_maps)?;
        std::fs::write(dir.join("config.json"), serde_json::to_vec_pretty(&spec)?)?;
        std::fs::write(dir.join("hosts"), &hosts)?;
        std::fs::write(dir.join("hostname"), format!("{}\n", pod.hostname))?;
        std::fs::write(dir.join("resolv.conf"), &resolv)?;
        crate::sys::fsutil::create_dir_all_mode(&dir.join("rootfs"), 0o755)?;
        Ok(())
    })
}

/// The infra's launch plan: no root filesystem to mount (the child pivots
/// into an empty tmpfs on `rootfs/`), no volumes, no seccomp (cove gives
/// up every capability and execs nothing else). On user networks it is
/// attached as a container is (`bridge`, made in the network host's user
/// namespace: `join`).
pub fn launch_plan(
    container: &ContainerDir,
    stdio: ContainerStdio,
    bridge: Option<crate::runtime::netns::BridgePlan>,
    join: Option<crate::runtime::exec::Target>,
) -> anyhow::Result<LaunchPlan> {
    Ok(LaunchPlan {
        spec: container.spec()?,
        bundle: container.path.clone(),
        rootfs: RootfsPlan::Vfs {
            layers: Vec::new(),
            target: container.rootfs(),
            marker: container.path.join("rootfs.done"),
            shift: None,
        },
        id_maps: container.config.id_maps.clone(),
        init: false,
        copy_ups: Vec::new(),
        seccomp: None,
        devices: Vec::new(),
        stdio,
        network: None,
        pasta: None,
        join,
        bridge,
        infra: true,
    })
}
