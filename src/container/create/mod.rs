//! `create` (and the first half of `run`): resolve the image, turn the
//! command line into a runtime spec, and publish the container record.
//!
//! One small step per concern, in this order: the flags (`flags`: every
//! flag parsed and checked before anything is pulled or written, so bad
//! input costs nothing and leaves nothing behind), the image (pulled per
//! `--pull`, then `image`), the ids and the user (`identity`), the
//! network (`network`), the process (`process`), the mounts and volumes
//! (`mounts`), then the spec and the record (`bundle`). What a failure
//! part way must undo is in one guard (`cleanup`).

mod bundle;
mod cleanup;
mod flags;
mod identity;
mod image;
mod mounts;
mod network;
mod process;

pub use identity::keep_id_ranges;
pub use image::read_image_file;

/// The layer directories of the stored image `image_id`, top first
/// (`asked`: the image as the user named it, for messages).
pub fn image_layers(
    root: &std::path::Path,
    asked: &str,
    image_id: &str,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    Ok(image::resolve(root, asked, image_id)?.layers)
}
pub(crate) use network::{dns_gateways, resolve_user_networks};

use super::record::{self, ContainerConfig, ContainerDir};
use super::spec::{self, SpecInput};
use crate::container::options::UsernsMode;
use crate::container::request::CreateOptions;
use crate::context::Ctx;
use crate::error::exit_error;
use crate::network::NetworkMode;
use crate::runtime::caps;
use cleanup::Cleanup;
use std::collections::BTreeMap;

fn usage(message: impl Into<String>) -> anyhow::Error {
    exit_error(125, message)
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

/// The id maps of a container made with `--userns userns`, and the
/// store's: (container, storage). A pod's infra is made with them.
pub fn id_maps_for(
    userns: &str,
) -> anyhow::Result<(
    Option<crate::sys::userns::IdMaps>,
    Option<crate::sys::userns::IdMaps>,
)> {
    let mode =
        crate::container::options::parse_userns(userns).map_err(|e| usage(format!("{e:#}")))?;
    let ids = identity::plan(&mode)?;
    Ok((ids.id_maps, ids.storage_maps))
}

/// Create the container described by `opts`; the image is pulled first
/// when the pull policy says so. With `--pod` the options are the pod
/// member's (`pod::member::options`); a pod made for `--pod new:` goes
/// again if the container cannot be made.
pub fn create(
    ctx: &Ctx,
    opts: &CreateOptions,
) -> anyhow::Result<(ContainerDir, record::ContainerLock)> {
    let Some((member, new_pod)) = super::pod::member::options(ctx, opts)? else {
        return create_one(ctx, opts);
    };
    let result = create_one(ctx, &member);
    if let (Err(_), Some(pod)) = (&result, new_pod) {
        super::pod::remove_unused(ctx, &pod);
    }
    result
}

fn create_one(
    ctx: &Ctx,
    opts: &CreateOptions,
) -> anyhow::Result<(ContainerDir, record::ContainerLock)> {
    let root = &ctx.paths.root;
    let mut flags = flags::parse(opts)?;
    let image_id = super::image::ensure_image(ctx, opts)?;
    // The network to share must exist before --replace costs anything.
    if let NetworkMode::Container { id: name } = &flags.network {
        record::lookup(root, name)?;
    }
    if let (true, Some(name)) = (opts.replace, &flags.name) {
        replace(ctx, name)?;
    }
    let image = image::resolve(root, opts.image.as_str(), &image_id)?;
    let choice = crate::storage::choose(root, &ctx.paths.config, ctx.storage_driver)?;
    let ids = identity::plan(&flags.userns)?;
    let joined = network::join_target(root, &mut flags.network, &ids.id_maps)?;
    network::resolve_user_networks(root, &mut flags.network, &ids.id_maps, &ids.storage_maps)?;

    let config = image.config();
    let published = network::published_ports(
        &flags.ports,
        opts.publish_all,
        &flags.network,
        config.exposed_ports().as_deref().unwrap_or_default(),
    );
    let image_env: Vec<String> = config.env().clone().unwrap_or_default();
    let (entrypoint, cmd) =
        process::command(&config, opts.entrypoint.as_deref(), &opts.command[..])?;

    // The user, from -u or the image, resolved in the image's files.
    let passwd = read_image_file(&image.layers, "/etc/passwd");
    let group = read_image_file(&image.layers, "/etc/group");
    let user_spec = identity::user_spec(
        opts.user.as_deref(),
        &flags.userns,
        config.user().as_deref(),
        &ids,
    );
    let resolved = identity::resolve_user(
        passwd.as_deref(),
        group.as_deref(),
        &user_spec,
        &opts.group_add,
        ids.single_id(),
    )?;

    let id = record::new_id();
    let name = flags
        .name
        .clone()
        .unwrap_or_else(|| record::generated_name(&id));
    let hostname = flags
        .hostname
        .clone()
        .unwrap_or_else(|| id[..12].to_string());
    let env = process::environment(&process::EnvInput {
        image_env: &image_env,
        tty: opts.tty,
        hostname: &hostname,
        home: &resolved.home,
        flags: &flags.env,
    });
    let cwd = process::working_dir(opts.workdir.as_deref(), config.working_dir().as_deref())?;
    let seccomp_profile = process::seccomp_profile(&flags.seccomp, &flags.capabilities)?;
    let (masked_paths, readonly_paths) =
        process::hidden_paths(opts.privileged, &flags.masked, &flags.unmasked);
    let stop_signal = process::stop_signal(flags.stop_signal, config.stop_signal().as_deref())?;

    let containers = record::containers_dir(root);
    crate::sys::fsutil::create_dir_all_mode(&containers, 0o700)?;
    record::clean_tmp(root);
    // From here on a failure undoes what was made (volumes).
    let mut cleanup = Cleanup::new(root);
    cleanup.lock_volumes()?;
    let user_mounts = mounts::plan(
        &flags.volumes,
        &flags
            .mounts
            .iter()
            .chain(&flags.tmpfs)
            .cloned()
            .collect::<Vec<_>>(),
        config.volumes().as_deref().unwrap_or_default(),
        &mut cleanup,
    )?;
    let device_binds = mounts::device_binds(&flags.devices)?;

    let final_dir = containers.join(&id);
    let mut labels = config
        .labels()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect::<BTreeMap<_, _>>();
    labels.extend(flags.labels.clone());
    let mut annotations = flags.annotations.clone();
    if opts.init {
        annotations.insert("io.podman.annotations.init".into(), "TRUE".into());
    }
    let input = SpecInput {
        args: entrypoint.iter().chain(&cmd).cloned().collect(),
        env,
        cwd,
        uid: resolved.uid,
        gid: resolved.gid,
        additional_gids: resolved.additional_gids.clone(),
        hostname: hostname.clone(),
        terminal: opts.tty,
        capabilities: flags.capabilities.clone(),
        added_capabilities: caps::effective_set(&opts.cap_add, &["ALL".to_string()], false)?,
        no_new_privileges: flags.no_new_privileges,
        rlimits: flags.ulimits.clone(),
        read_only: opts.read_only,
        read_only_tmpfs: opts.read_only_tmpfs,
        network: flags.network.clone(),
        id_maps: ids.id_maps.clone(),
        user_mounts: user_mounts.mounts.clone(),
        bundle: final_dir.clone(),
        masked_paths,
        readonly_paths,
        seccomp: seccomp_profile,
        annotations,
        rootfs: final_dir.join("rootfs"),
        umask: flags.kernel.umask,
        oom_score_adj: flags.kernel.oom_score_adj,
        sysctls: flags.kernel.sysctls.clone(),
        shm_size: flags.kernel.shm_size,
    };
    let mut spec = spec::build(&input)?;
    if let Some(pod) = &opts.pod {
        super::pod::member::shape_spec(root, pod, &mut spec)?;
    }
    let keep_id_files = match flags.userns {
        UsernsMode::KeepId { .. } => Some(identity::keep_id_etc_files(
            passwd.as_deref(),
            group.as_deref(),
            &resolved,
            ids.host_uid,
            ids.host_gid,
        )),
        _ => None,
    };
    if keep_id_files.is_some() {
        bundle::bind_keep_id_files(&mut spec, &final_dir)?;
    }
    let container_config = ContainerConfig {
        id: id.clone(),
        name: name.clone(),
        image: opts.image.as_str().to_string(),
        image_name: image.name.clone(),
        image_id: image.entry.id.clone(),
        created: chrono::Local::now().to_rfc3339(),
        driver: choice.driver,
        layers: image.layers.clone(),
        rm: opts.rm,
        interactive: opts.interactive,
        tty: opts.tty,
        init: opts.init,
        id_maps: ids.id_maps,
        storage_maps: ids.storage_maps,
        userns: opts.userns.clone().unwrap_or_default(),
        labels,
        stop_signal,
        volumes: user_mounts.volumes.clone(),
        devices: device_binds,
        create_info: record::CreateInfo {
            entrypoint,
            cmd,
            user: user_spec,
            user_volumes: user_mounts.destinations(),
            privileged: opts.privileged,
            group_add: opts.group_add.clone(),
            security_opt: opts.security_opt.clone(),
            create_command: std::env::args().collect(),
        },
        restart: flags.restart,
        log: flags.log.clone(),
        stop_timeout: opts.stop_timeout,
        healthcheck: flags.healthcheck.clone(),
        network: flags.network.clone(),
        ports: published,
        pod: opts.pod.clone(),
        infra: false,
    };
    let (hosts, resolv) = network::etc_files(
        root,
        joined.as_ref(),
        &network::EtcInput {
            network: &flags.network,
            hostname: &hostname,
            name: &name,
            name_given: flags.name.is_some(),
            add_hosts: &flags.add_hosts,
            dns: &flags.dns,
        },
    );
    let files = bundle::Files {
        spec: &spec,
        hosts: &hosts,
        hostname: &hostname,
        resolv: &resolv,
        containerenv: bundle::containerenv(
            &id,
            &name,
            opts.image.as_str(),
            &image.entry.id,
            ids.rootless,
        ),
        keep_id: keep_id_files.as_ref(),
        driver: choice.driver,
    };
    let made = record::create(root, container_config, flags.name.is_none(), |dir| {
        bundle::write(dir, &files)
    })?;
    cleanup.disarm();
    Ok(made)
}
