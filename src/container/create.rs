//! `create` (and the first half of `run`): resolve the image, turn the
//! command line into a runtime spec, and publish the container record.
//!
//! Every flag is parsed and checked before anything is pulled or written,
//! so bad input costs nothing and leaves nothing behind.

use super::options::{self, MountSpec, SecurityOpt, UsernsMode, VolumeSource};
use super::record::{self, ContainerConfig, ContainerDir, VolumeUse};
use super::spec::{self, Rlimit, SpecInput};
use super::user;
use crate::container::request::CreateOptions;
use crate::context::Ctx;
use crate::error::exit_error;
use crate::image::manifest::StoredImage;
use crate::image::store::Store;
use crate::network::etc::{self as netfiles, DnsFlags, ExtraHost};
use crate::network::ports::{self, PortMapping, Protocol};
use crate::network::NetworkMode;
use crate::runtime::{caps, seccomp};
use crate::storage::{self, Driver};
use crate::sys::userns::{self, IdMaps, IdRange};
use oci_spec::runtime::{Mount, MountBuilder};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The flags, parsed and validated; nothing touched yet.
struct Parsed {
    name: Option<String>,
    hostname: Option<String>,
    network: NetworkMode,
    ports: Vec<PortMapping>,
    dns: DnsFlags,
    add_hosts: Vec<ExtraHost>,
    userns: UsernsMode,
    volumes: Vec<options::VolumeSpec>,
    mounts: Vec<MountSpec>,
    tmpfs: Vec<MountSpec>,
    ulimits: Vec<Rlimit>,
    devices: Vec<options::DeviceSpec>,
    capabilities: Vec<String>,
    no_new_privileges: bool,
    seccomp: SeccompChoice,
    masked: Vec<String>,
    unmasked: Vec<String>,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    stop_signal: Option<i32>,
    env: Vec<(String, String)>,
    restart: crate::monitor::restart::RestartPolicy,
    log: crate::monitor::LogConfig,
    healthcheck: Option<crate::monitor::health::HealthConfig>,
}

enum SeccompChoice {
    Default,
    Unconfined,
    Profile(PathBuf),
}

fn usage(message: impl Into<String>) -> anyhow::Error {
    exit_error(125, message)
}

fn parse(opts: &CreateOptions) -> anyhow::Result<Parsed> {
    if opts.replace && opts.name.is_none() {
        return Err(usage("cannot replace container without --name being set"));
    }
    if let Some(name) = &opts.name {
        options::validate_container_name(name).map_err(|e| usage(format!("{e:#}")))?;
    }
    if let Some(h) = &opts.hostname {
        options::validate_hostname(h).map_err(|e| usage(format!("{e:#}")))?;
    }
    let network = NetworkMode::parse(opts.network.as_deref().unwrap_or("slirp"))
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
    let mut no_new_privileges = false;
    let mut seccomp_choice = if opts.privileged {
        SeccompChoice::Unconfined
    } else {
        SeccompChoice::Default
    };
    let mut masked = Vec::new();
    let mut unmasked = Vec::new();
    for s in &opts.security_opt {
        match options::parse_security_opt(s)? {
            SecurityOpt::NoNewPrivileges(v) => no_new_privileges = v,
            SecurityOpt::Seccomp(options::SeccompChoice::Default) => {
                seccomp_choice = SeccompChoice::Default
            }
            SecurityOpt::Seccomp(options::SeccompChoice::Unconfined) => {
                seccomp_choice = SeccompChoice::Unconfined
            }
            SecurityOpt::Seccomp(options::SeccompChoice::Profile(p)) => {
                seccomp_choice = SeccompChoice::Profile(p)
            }
            SecurityOpt::Mask(paths) => masked.extend(paths),
            SecurityOpt::Unmask(paths) => unmasked.extend(paths),
            SecurityOpt::Label(_) | SecurityOpt::Apparmor(_) => {}
        }
    }
    let labels = options::parse_key_values(&opts.label, "--label")?;
    let annotations = options::parse_key_values(&opts.annotation, "--annotation")?;
    let stop_signal = opts
        .stop_signal
        .as_deref()
        .map(options::parse_signal)
        .transpose()?;
    // Environment from the flags, lowest precedence first.
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
    let restart = match &opts.restart {
        Some(r) => crate::monitor::restart::RestartPolicy::parse(r)?,
        None => Default::default(),
    };
    if opts.rm && restart != crate::monitor::restart::RestartPolicy::No {
        return Err(usage(
            "the --rm option conflicts with --restart, when the restartPolicy is not \"\" and \"no\"",
        ));
    }
    let log = crate::monitor::LogConfig::parse(opts.log_driver.as_deref(), &opts.log_opt)?;
    let healthcheck = if opts.no_healthcheck {
        None
    } else {
        crate::monitor::health::HealthConfig::parse(
            opts.health_cmd.as_deref(),
            &opts.health_interval,
            &opts.health_timeout,
            &opts.health_start_period,
            opts.health_retries,
        )?
    };
    Ok(Parsed {
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
        no_new_privileges,
        seccomp: seccomp_choice,
        masked,
        unmasked,
        labels,
        annotations,
        stop_signal,
        env,
        restart,
        log,
        healthcheck,
    })
}

/// The image's EXPOSE list (`80/tcp`, `53/udp`, `8080`) as random host
/// ports (`-P`); entries that are not ports are skipped.
fn exposed_ports(exposed: &[String]) -> Vec<PortMapping> {
    exposed
        .iter()
        .filter_map(|e| {
            let (port, proto) = e.split_once('/').unwrap_or((e, "tcp"));
            let proto = match proto {
                "udp" => Protocol::Udp,
                "tcp" => Protocol::Tcp,
                _ => return None,
            };
            Some(PortMapping::random(port.parse().ok()?, proto))
        })
        .collect()
}

/// `--replace`: remove the container that has the name, as `rm -f` (its
/// volumes stay). Done once the flags are checked and the image is there,
/// so a typo or a failed pull does not cost the old container.
fn replace(ctx: &Ctx, name: &str) -> anyhow::Result<()> {
    match record::lookup(&ctx.paths.root, name) {
        Ok(old) if old.config.name == name => {
            let all = record::list(&ctx.paths.root);
            super::shared_network::check_no_dependents(&all, &[], &old)?;
            super::remove::force_remove(&ctx.paths.root, &old)?;
            Ok(())
        }
        // Not there (or the text only matched an id prefix): nothing to do.
        _ => Ok(()),
    }
}

/// Create the container described by `opts`; the image is pulled first
/// when the pull policy says so.
pub fn create(
    ctx: &Ctx,
    opts: &CreateOptions,
) -> anyhow::Result<(ContainerDir, record::ContainerLock)> {
    let mut parsed = parse(opts)?;
    let image_id = super::image::ensure_image(ctx, opts)?;
    // The network to share must exist before --replace costs anything.
    if let NetworkMode::Container { id: name } = &parsed.network {
        record::lookup(&ctx.paths.root, name)?;
    }
    if let (true, Some(name)) = (opts.replace, &parsed.name) {
        replace(ctx, name)?;
    }
    let store = Store::open_existing(&ctx.paths.root).ok_or_else(|| {
        anyhow::anyhow!("the image store at {} is missing", ctx.paths.root.display())
    })?;
    let catalog = store.catalog()?;
    let entry = catalog
        .resolve_id(&image_id)?
        .ok_or_else(|| usage(format!("{}: image not known", opts.image.as_str())))?
        .clone();
    let image = StoredImage::load(&store, &entry)?;
    let mut layers = Vec::new();
    for diff_id in image.diff_ids().iter().rev() {
        if !store.has_layer(diff_id) {
            return Err(usage(format!(
                "layer {diff_id} of {} is missing from the store; pull the image again",
                opts.image.as_str()
            )));
        }
        layers.push(store.layer_diff_path(diff_id)?);
    }
    let choice = storage::choose(&ctx.paths.root, &ctx.paths.config, ctx.storage_driver)?;
    let rootless = !userns::is_root() || userns::in_user_namespace();
    let (storage_maps, single_reason) = if rootless {
        let (maps, reason) = userns::user_maps();
        (Some(maps), reason)
    } else {
        (None, None)
    };
    if let Some(reason) = &single_reason {
        crate::log::debug(&format!("single-id user namespace: {reason}"));
    }
    let host_uid = nix::unistd::getuid().as_raw();
    let host_gid = nix::unistd::getgid().as_raw();
    let id_maps = match (&parsed.userns, &storage_maps) {
        (UsernsMode::KeepId { uid, gid }, Some(storage)) => {
            let target_uid = uid.unwrap_or(host_uid);
            let target_gid = gid.unwrap_or(host_gid);
            Some(keep_id_maps(
                storage, host_uid, host_gid, target_uid, target_gid,
            )?)
        }
        (UsernsMode::KeepId { .. }, None) => {
            return Err(usage(
                "--userns=keep-id is only supported for rootless containers",
            ));
        }
        (_, maps) => maps.clone(),
    };
    // `--network container:NAME`: recorded by id, so a rename keeps it.
    let network_target = match &parsed.network {
        NetworkMode::Container { id: name } => Some(super::shared_network::resolve(
            &ctx.paths.root,
            name,
            &id_maps,
        )?),
        _ => None,
    };
    if let Some(target) = &network_target {
        parsed.network = NetworkMode::Container {
            id: target.config.id.clone(),
        };
    }

    let config = image.config.config().clone().unwrap_or_default();
    let mut published = parsed.ports.clone();
    if opts.publish_all && parsed.network.publishes_ports() {
        published.extend(exposed_ports(
            config.exposed_ports().as_deref().unwrap_or_default(),
        ));
    }
    let image_env: Vec<String> = config.env().clone().unwrap_or_default();
    let (entrypoint, cmd) = spec::entrypoint_and_cmd(
        config.entrypoint().as_deref().unwrap_or_default(),
        config.cmd().as_deref().unwrap_or_default(),
        opts.entrypoint.as_deref(),
        &opts.command[..],
    )
    .map_err(|e| usage(format!("{e:#}")))?;
    let command: Vec<String> = entrypoint.iter().chain(&cmd).cloned().collect();

    // The user, from -u or the image, resolved in the image's files.
    let passwd = read_image_file(&layers, "/etc/passwd");
    let group = read_image_file(&layers, "/etc/group");
    let keep_id = matches!(parsed.userns, UsernsMode::KeepId { .. });
    let user_spec = match (&opts.user, keep_id) {
        (Some(u), _) => u.clone(),
        (None, true) => {
            let (u, g) = match &parsed.userns {
                UsernsMode::KeepId { uid, gid } => {
                    (uid.unwrap_or(host_uid), gid.unwrap_or(host_gid))
                }
                _ => (host_uid, host_gid),
            };
            format!("{u}:{g}")
        }
        (None, false) => config.user().clone().unwrap_or_default(),
    };
    if opts.group_add.iter().any(|g| g == "keep-groups") {
        return Err(usage(
            "--group-add keep-groups is not supported by cove; name the groups instead",
        ));
    }
    let single_id = id_maps.as_ref().is_some_and(|m| !m.is_full());
    if single_id && !opts.group_add.is_empty() {
        return Err(usage(
            "--group-add needs a range in /etc/subgid for this user (the user namespace maps a single id)",
        ));
    }
    let mut resolved = user::resolve_user(
        passwd.as_deref(),
        group.as_deref(),
        &user_spec,
        &opts.group_add,
    )
    .map_err(|e| usage(format!("{e:#}")))?;
    if single_id {
        // Only the primary group exists in a single-id namespace; groups the
        // image lists the user in cannot be set, as crun drops them too.
        resolved.additional_gids.retain(|g| *g == resolved.gid);
    }

    let id = record::new_id();
    let name = parsed
        .name
        .clone()
        .unwrap_or_else(|| record::generated_name(&id));
    let hostname = parsed
        .hostname
        .clone()
        .unwrap_or_else(|| id[..12].to_string());

    // Environment: image, then cove's defaults, then the flags.
    let mut overrides: Vec<(String, String)> = Vec::new();
    if !image_env.iter().any(|e| e.starts_with("PATH=")) {
        overrides.push((
            "PATH".into(),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
        ));
    }
    if opts.tty {
        overrides.push(("TERM".into(), "xterm".into()));
    }
    overrides.push(("container".into(), "cove".into()));
    overrides.push(("HOSTNAME".into(), hostname.clone()));
    if !image_env.iter().any(|e| e.starts_with("HOME=")) {
        overrides.push(("HOME".into(), resolved.home.clone()));
    }
    overrides.extend(parsed.env.iter().cloned());
    let env = options::merge_env(&image_env, &overrides);

    let cwd = opts
        .workdir
        .clone()
        .or_else(|| config.working_dir().clone().filter(|w| !w.is_empty()))
        .unwrap_or_else(|| "/".to_string());
    if !cwd.starts_with('/') {
        return Err(usage(format!(
            "--workdir {cwd}: the working directory must be an absolute path"
        )));
    }

    let seccomp_profile = match &parsed.seccomp {
        SeccompChoice::Unconfined => None,
        SeccompChoice::Default => Some(seccomp::default_profile(&parsed.capabilities)),
        SeccompChoice::Profile(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| usage(format!("--security-opt seccomp={}: {e}", path.display())))?;
            Some(
                seccomp::load_profile_json(&text, &parsed.capabilities).map_err(|e| {
                    usage(format!("--security-opt seccomp={}: {e:#}", path.display()))
                })?,
            )
        }
    };
    let unmask_all = parsed.unmasked.iter().any(|u| u == "ALL");
    let masked_paths: Vec<String> = if opts.privileged || unmask_all {
        Vec::new()
    } else {
        spec::MASKED_PATHS
            .iter()
            .map(|s| s.to_string())
            .filter(|p| !parsed.unmasked.contains(p))
            .chain(parsed.masked.iter().cloned())
            .collect()
    };
    let readonly_paths: Vec<String> = if opts.privileged || unmask_all {
        Vec::new()
    } else {
        spec::READONLY_PATHS
            .iter()
            .map(|s| s.to_string())
            .filter(|p| !parsed.unmasked.contains(p))
            .collect()
    };
    let stop_signal = match parsed.stop_signal {
        Some(s) => s,
        None => config
            .stop_signal()
            .as_deref()
            .map(options::parse_signal)
            .transpose()?
            .unwrap_or(libc::SIGTERM),
    };

    let containers = record::containers_dir(&ctx.paths.root);
    crate::sys::fsutil::create_dir_all_mode(&containers, 0o700)?;
    record::clean_tmp(&ctx.paths.root);
    // Mounts: volumes, --mount, --tmpfs, then the image's VOLUMEs as
    // anonymous volumes where nothing else is mounted.
    let mut volumes_used = Vec::new();
    let mut user_mounts = Vec::new();
    // Held until the record names its volumes, so a concurrent prune cannot
    // take one away in between. Released before any cleanup (which locks
    // exclusively).
    let mut volume_lock = Some(crate::storage::volume::lock_for_use(&ctx.paths.root)?);
    let mut created_volumes = Vec::new();
    let result = (|| -> anyhow::Result<()> {
        for v in &parsed.volumes {
            let mut mount_opts: Vec<String> = vec!["rbind".into()];
            mount_opts.push(if v.read_only {
                "ro".into()
            } else {
                "rw".into()
            });
            mount_opts.extend(
                v.options
                    .iter()
                    .filter(|o| !matches!(o.as_str(), "ro" | "rw" | "z" | "Z" | "U"))
                    .cloned(),
            );
            let source = match &v.source {
                VolumeSource::Bind(path) => bind_source(path, "-v")?,
                VolumeSource::Named(vol) => claim_volume(
                    &ctx.paths.root,
                    Some(vol),
                    &v.destination,
                    &mut created_volumes,
                    &mut volumes_used,
                )?,
                VolumeSource::Anonymous => claim_volume(
                    &ctx.paths.root,
                    None,
                    &v.destination,
                    &mut created_volumes,
                    &mut volumes_used,
                )?,
            };
            user_mounts.push(bind_mount(&v.destination, &source, &mount_opts)?);
        }
        for m in parsed.mounts.iter().chain(parsed.tmpfs.iter()) {
            match m {
                MountSpec::Bind {
                    source,
                    destination,
                    read_only,
                    options,
                } => {
                    let source = bind_source(source, "--mount")?;
                    let mut o: Vec<String> = vec![
                        "rbind".into(),
                        if *read_only { "ro".into() } else { "rw".into() },
                    ];
                    o.extend(options.iter().cloned());
                    user_mounts.push(bind_mount(destination, &source, &o)?);
                }
                MountSpec::Volume {
                    name,
                    destination,
                    read_only,
                    options,
                } => {
                    let mountpoint = claim_volume(
                        &ctx.paths.root,
                        name.as_deref(),
                        destination,
                        &mut created_volumes,
                        &mut volumes_used,
                    )?;
                    let mut o: Vec<String> = vec![
                        "rbind".into(),
                        if *read_only { "ro".into() } else { "rw".into() },
                    ];
                    o.extend(options.iter().cloned());
                    user_mounts.push(bind_mount(destination, &mountpoint, &o)?);
                }
                MountSpec::Tmpfs {
                    destination,
                    size,
                    mode,
                    options,
                } => {
                    let mut o: Vec<String> = options.clone();
                    if let Some(size) = size {
                        o.push(format!("size={size}"));
                    }
                    if let Some(mode) = mode {
                        o.push(format!("mode={mode:o}"));
                    }
                    user_mounts.push(
                        MountBuilder::default()
                            .destination(destination)
                            .typ("tmpfs")
                            .source("tmpfs")
                            .options(o)
                            .build()?,
                    );
                }
            }
        }
        let taken: Vec<String> = user_mounts
            .iter()
            .map(|m| m.destination().to_string_lossy().to_string())
            .collect();
        for dest in image
            .config
            .config()
            .as_ref()
            .and_then(|c| c.volumes().clone())
            .unwrap_or_default()
        {
            let dest = dest.trim_end_matches('/').to_string();
            if taken.contains(&dest) || dest.is_empty() {
                continue;
            }
            let mountpoint = claim_volume(
                &ctx.paths.root,
                None,
                &dest,
                &mut created_volumes,
                &mut volumes_used,
            )?;
            user_mounts.push(bind_mount(
                &dest,
                &mountpoint,
                &["rbind".into(), "rw".into()],
            )?);
        }
        Ok(())
    })();
    let cleanup_volumes = |names: &[String]| {
        for n in names {
            let _ = crate::storage::volume::remove(&ctx.paths.root, n, true);
        }
    };
    if let Err(e) = result {
        drop(volume_lock.take());
        cleanup_volumes(&created_volumes);
        return Err(e);
    }

    let mut device_binds = Vec::new();
    for d in &parsed.devices {
        if !d.host.exists() {
            drop(volume_lock.take());
            cleanup_volumes(&created_volumes);
            return Err(usage(format!(
                "--device {}: no such device on the host",
                d.host.display()
            )));
        }
        device_binds.push((d.host.clone(), d.container.clone()));
    }

    let final_dir = containers.join(&id);
    let mut labels = config
        .labels()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect::<BTreeMap<_, _>>();
    labels.extend(parsed.labels.clone());
    let mut annotations = parsed.annotations.clone();
    if opts.init {
        annotations.insert("io.podman.annotations.init".into(), "TRUE".into());
    }
    let input = SpecInput {
        args: command.clone(),
        env,
        cwd,
        uid: resolved.uid,
        gid: resolved.gid,
        additional_gids: resolved.additional_gids.clone(),
        hostname: hostname.clone(),
        terminal: opts.tty,
        capabilities: parsed.capabilities.clone(),
        added_capabilities: caps::effective_set(&opts.cap_add, &["ALL".to_string()], false)?,
        no_new_privileges: parsed.no_new_privileges,
        rlimits: parsed.ulimits.clone(),
        read_only: opts.read_only,
        read_only_tmpfs: opts.read_only_tmpfs,
        network: parsed.network.clone(),
        id_maps: id_maps.clone(),
        user_mounts: user_mounts.clone(),
        bundle: final_dir.clone(),
        masked_paths,
        readonly_paths,
        seccomp: seccomp_profile,
        annotations,
        rootfs: final_dir.join("rootfs"),
    };
    let mut spec = match spec::build(&input) {
        Ok(spec) => spec,
        Err(e) => {
            drop(volume_lock.take());
            cleanup_volumes(&created_volumes);
            return Err(e);
        }
    };
    let keep_id_files = if keep_id {
        Some(keep_id_etc_files(
            passwd.as_deref(),
            group.as_deref(),
            &resolved,
            host_uid,
            host_gid,
        ))
    } else {
        None
    };
    if keep_id_files.is_some() {
        let mut mounts = spec.mounts().clone().unwrap_or_default();
        for (file, dest) in [("passwd", "/etc/passwd"), ("group", "/etc/group")] {
            mounts.push(bind_mount(
                dest,
                &final_dir.join(file),
                &["bind".into(), "rprivate".into()],
            )?);
        }
        spec.set_mounts(Some(mounts));
    }
    let container_config = ContainerConfig {
        id: id.clone(),
        name: name.clone(),
        image: opts.image.as_str().to_string(),
        // The name the user's input matched (Podman's resolved name).
        image_name: catalog
            .name_referred_to(opts.image.as_str(), &entry)
            .or(entry.names.first())
            .cloned(),
        image_id: entry.id.clone(),
        created: chrono::Local::now().to_rfc3339(),
        driver: choice.driver,
        layers: layers.clone(),
        rm: opts.rm,
        interactive: opts.interactive,
        tty: opts.tty,
        init: opts.init,
        id_maps,
        storage_maps,
        userns: opts.userns.clone().unwrap_or_default(),
        labels,
        stop_signal,
        volumes: volumes_used,
        devices: device_binds,
        create_info: record::CreateInfo {
            entrypoint,
            cmd,
            user: user_spec.clone(),
            user_volumes: user_mounts
                .iter()
                .map(|m| m.destination().to_string_lossy().to_string())
                .collect(),
            privileged: opts.privileged,
            group_add: opts.group_add.clone(),
            security_opt: opts.security_opt.clone(),
            create_command: std::env::args().collect(),
        },
        restart: parsed.restart,
        log: parsed.log.clone(),
        stop_timeout: opts.stop_timeout,
        healthcheck: parsed.healthcheck.clone(),
        network: parsed.network.clone(),
        ports: published,
    };
    let (hosts, resolv) = match &network_target {
        Some(target) => super::shared_network::etc_files(
            &ctx.paths.root,
            target,
            &hostname,
            &name,
            &parsed.add_hosts,
            &parsed.dns,
        ),
        None => (
            netfiles::hosts_file(
                &parsed.network,
                &hostname,
                parsed.name.as_deref(),
                &parsed.add_hosts,
                &std::fs::read_to_string("/etc/hosts").unwrap_or_default(),
            ),
            netfiles::resolv_conf(
                &parsed.network,
                &parsed.dns,
                &std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default(),
            ),
        ),
    };
    let made = record::create(
        &ctx.paths.root,
        container_config,
        parsed.name.is_none(),
        |dir| {
            std::fs::write(dir.join("config.json"), serde_json::to_vec_pretty(&spec)?)?;
            std::fs::write(dir.join("hosts"), &hosts)?;
            std::fs::write(dir.join("hostname"), format!("{hostname}\n"))?;
            std::fs::write(dir.join("resolv.conf"), &resolv)?;
            std::fs::write(
                dir.join("containerenv"),
                containerenv(&id, &name, opts.image.as_str(), &entry.id, rootless),
            )?;
            if let Some((p, g)) = &keep_id_files {
                std::fs::write(dir.join("passwd"), p)?;
                std::fs::write(dir.join("group"), g)?;
            }
            let dirs: &[&str] = match choice.driver {
                Driver::Overlay | Driver::Fuse => &["rootfs", "upper", "work"],
                Driver::Vfs => &[],
            };
            for d in dirs {
                crate::sys::fsutil::create_dir_all_mode(&dir.join(d), 0o755)?;
            }
            Ok(())
        },
    );
    drop(volume_lock.take());
    match made {
        Ok(made) => Ok(made),
        Err(e) => {
            cleanup_volumes(&created_volumes);
            Err(e)
        }
    }
}

/// Take a named volume (created on first use) or a new anonymous one for
/// `destination`, remembering what this container made and uses.
fn claim_volume(
    root: &Path,
    name: Option<&str>,
    destination: &str,
    created: &mut Vec<String>,
    used: &mut Vec<VolumeUse>,
) -> anyhow::Result<PathBuf> {
    let volume = match name {
        Some(n) => {
            let (volume, new) = crate::storage::volume::ensure(root, n)?;
            if new {
                created.push(volume.name.clone());
            }
            volume
        }
        None => {
            let volume =
                crate::storage::volume::create(root, None, BTreeMap::new(), BTreeMap::new(), true)?;
            created.push(volume.name.clone());
            volume
        }
    };
    used.push(VolumeUse {
        name: volume.name.clone(),
        destination: destination.to_string(),
        anonymous: name.is_none(),
    });
    Ok(volume.mountpoint)
}

fn bind_source(path: &Path, flag: &str) -> anyhow::Result<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    std::fs::canonicalize(&absolute).map_err(|e| {
        usage(format!(
            "{flag}: the bind mount source {} does not exist ({e}); create it first",
            absolute.display()
        ))
    })
}

fn bind_mount(destination: &str, source: &Path, options: &[String]) -> anyhow::Result<Mount> {
    if !destination.starts_with('/') {
        return Err(usage(format!(
            "mount destination {destination} must be an absolute path"
        )));
    }
    Ok(MountBuilder::default()
        .destination(destination)
        .typ("bind")
        .source(source)
        .options(options.to_vec())
        .build()?)
}

/// Read a small file such as /etc/passwd from the image's layers, top
/// layer first, stopping at a whiteout.
pub fn read_image_file(layers_top_first: &[PathBuf], path: &str) -> Option<String> {
    use std::os::unix::fs::FileTypeExt;
    let rel = path.trim_start_matches('/');
    for layer in layers_top_first {
        if let Ok(meta) = std::fs::symlink_metadata(layer.join(rel)) {
            if meta.file_type().is_char_device() {
                return None;
            }
        }
        match user::read_rootfs_file(layer, path, 4 << 20) {
            Ok(Some(text)) => return Some(text),
            Ok(None) | Err(_) => continue,
        }
    }
    None
}

/// Podman's /run/.containerenv content.
fn containerenv(id: &str, name: &str, image: &str, image_id: &str, rootless: bool) -> String {
    format!(
        "engine=\"cove-{}\"\nname=\"{name}\"\nid=\"{id}\"\nimage=\"{image}\"\nimageid=\"{}\"\nrootless={}\n",
        env!("CARGO_PKG_VERSION"),
        image_id.strip_prefix("sha256:").unwrap_or(image_id),
        u8::from(rootless)
    )
}

/// `--userns=keep-id`: the user's own uid and gid keep their numbers in
/// the container; the subordinate ranges fill the ids around them.
fn keep_id_maps(
    storage: &IdMaps,
    host_uid: u32,
    host_gid: u32,
    uid: u32,
    gid: u32,
) -> anyhow::Result<IdMaps> {
    if !storage.is_full() {
        return Err(usage(
            "--userns=keep-id needs a range in /etc/subuid and /etc/subgid for this user (ask an administrator to run `usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER`)",
        ));
    }
    let subordinate = |ranges: &[IdRange]| -> Vec<(u32, u32)> {
        ranges
            .iter()
            .filter(|r| r.container_id != 0)
            .map(|r| (r.host_id, r.size))
            .collect()
    };
    Ok(IdMaps {
        uids: keep_id_ranges(host_uid, uid, &subordinate(&storage.uids))?,
        gids: keep_id_ranges(host_gid, gid, &subordinate(&storage.gids))?,
    })
}

/// Container ids 0..target from the subordinate ids, `target` -> `own`,
/// then the rest of the subordinate ids.
pub fn keep_id_ranges(
    own: u32,
    target: u32,
    subordinate: &[(u32, u32)],
) -> anyhow::Result<Vec<IdRange>> {
    let total: u64 = subordinate.iter().map(|(_, c)| *c as u64).sum();
    if (target as u64) > total {
        return Err(usage(format!(
            "--userns=keep-id: id {target} is beyond the {total} subordinate ids this user has in /etc/subuid"
        )));
    }
    let mut out = Vec::new();
    let mut next_container = 0u32;
    let mut push = |out: &mut Vec<IdRange>, host: u32, size: u32| {
        if size > 0 {
            out.push(IdRange {
                container_id: next_container,
                host_id: host,
                size,
            });
            next_container += size;
        }
    };
    let mut before = target;
    let mut placed_own = false;
    for &(start, count) in subordinate {
        let mut start = start;
        let mut count = count;
        if !placed_own {
            let take = before.min(count);
            push(&mut out, start, take);
            before -= take;
            start += take;
            count -= take;
            if before == 0 {
                push(&mut out, own, 1);
                placed_own = true;
            }
        }
        push(&mut out, start, count);
    }
    if !placed_own {
        push(&mut out, own, 1);
    }
    Ok(out)
}

/// /etc/passwd and /etc/group with the host user added, for keep-id.
fn keep_id_etc_files(
    passwd: Option<&str>,
    group: Option<&str>,
    resolved: &user::ResolvedUser,
    host_uid: u32,
    host_gid: u32,
) -> (String, String) {
    let name = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(host_uid))
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| "user".into());
    let group_name = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(host_gid))
        .ok()
        .flatten()
        .map(|g| g.name)
        .unwrap_or_else(|| name.clone());
    let mut p = passwd.unwrap_or_default().to_string();
    let has_uid = p
        .lines()
        .any(|l| l.split(':').nth(2) == Some(&resolved.uid.to_string()));
    if !has_uid {
        if !p.is_empty() && !p.ends_with('\n') {
            p.push('\n');
        }
        let home = std::env::var("HOME").unwrap_or_else(|_| "/".into());
        p.push_str(&user::passwd_entry_for_keep_id(
            &name,
            resolved.uid,
            resolved.gid,
            &home,
            "/bin/sh",
        ));
        p.push('\n');
    }
    let mut g = group.unwrap_or_default().to_string();
    let has_gid = g
        .lines()
        .any(|l| l.split(':').nth(2) == Some(&resolved.gid.to_string()));
    if !has_gid {
        if !g.is_empty() && !g.ends_with('\n') {
            g.push('\n');
        }
        g.push_str(&user::group_entry(&group_name, resolved.gid));
        g.push('\n');
    }
    (p, g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_id_ranges_split_around_the_user() {
        let r = keep_id_ranges(1000, 1000, &[(100000, 65536)]).unwrap();
        assert_eq!(
            r,
            vec![
                IdRange {
                    container_id: 0,
                    host_id: 100000,
                    size: 1000
                },
                IdRange {
                    container_id: 1000,
                    host_id: 1000,
                    size: 1
                },
                IdRange {
                    container_id: 1001,
                    host_id: 101000,
                    size: 64536
                },
            ]
        );
        let r = keep_id_ranges(1000, 5, &[(100000, 3), (200000, 10)]).unwrap();
        assert_eq!(
            r.iter()
                .map(|x| (x.container_id, x.host_id, x.size))
                .collect::<Vec<_>>(),
            vec![(0, 100000, 3), (3, 200000, 2), (5, 1000, 1), (6, 200002, 8)]
        );
        assert!(keep_id_ranges(1000, 70000, &[(100000, 65536)]).is_err());
    }
}
