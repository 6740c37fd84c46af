//! Starting a container: one hand-off to the monitor (`crate::monitor`),
//! in the foreground (this process is the monitor: it forwards signals,
//! relays the output or the terminal, then records the exit or, with
//! `--rm`, removes the container and its anonymous volumes) or detached.

use super::record::{self, ContainerDir, State, Status};
use crate::context::Ctx;
use crate::error::exit_error;
use crate::monitor::{Settings, Supervised};
use crate::runtime::{self, ContainerStdio, LaunchPlan};
use crate::storage::{copy, Driver, RootfsPlan};
use crate::sys::userns::IdMaps;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// What to do with the container when the start fails before its command
/// runs: `run` removes what it just created; `start` keeps the record.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    Remove,
    Keep,
}

/// Start `container` attached and return the exit code for cove: this
/// process is its monitor (see `crate::monitor`). `lock` is the
/// container's lock when the caller holds it already (`run` from
/// `create`).
pub fn start_attached(
    ctx: &Ctx,
    container: &ContainerDir,
    lock: Option<record::ContainerLock>,
    stdin_open: bool,
    on_failure: OnFailure,
) -> anyhow::Result<i32> {
    let _lock = match lock {
        Some(l) => l,
        None => lock_for_start(container)?,
    };
    let _ = std::fs::remove_file(container.path.join(crate::monitor::STOP_MARKER));
    let result = super::pod::member::ensure_infra(ctx, &container.config)
        .and_then(|()| run_in_foreground(ctx, container, stdin_open));
    let (code, started_at) = match result {
        Ok(r) => r,
        Err(e) => {
            if on_failure == OnFailure::Remove || container.config.rm {
                let _ = remove_with_volumes(ctx, container);
            } else {
                let _ = container.save_state(&State {
                    status: Status::Exited,
                    exit_code: Some(crate::error::exit_code(&e)),
                    finished_at: Some(chrono::Local::now().to_rfc3339()),
                    pid: None,
                    ..container.state()
                });
            }
            return Err(e);
        }
    };
    if !container.path.exists() {
        // Removed meanwhile (`cove rm -f`): nothing left to record.
        return Ok(code);
    }
    if container.config.rm {
        remove_with_volumes(ctx, container)?;
    } else {
        record_exit(container, started_at, code, 0)?;
    }
    Ok(code)
}

/// Start `container` under a detached monitor (`run -d`, `start`).
pub fn start_detached(
    ctx: &Ctx,
    container: &ContainerDir,
    lock: Option<record::ContainerLock>,
) -> anyhow::Result<()> {
    let lock = match lock {
        Some(l) => l,
        None => lock_for_start(container)?,
    };
    // A stop of the previous run must not keep this one from restarting.
    let _ = std::fs::remove_file(container.path.join(crate::monitor::STOP_MARKER));
    super::pod::member::ensure_infra(ctx, &container.config)?;
    crate::monitor::spawn(ctx, &container.config.id, lock)
}

/// `cove container-monitor`: the detached monitor of container `id`.
///
/// # Safety
/// `lock_fd` and `report_fd` must be the descriptors `monitor::spawn`
/// passed, owned by nothing else in this process.
pub unsafe fn serve_monitor(
    ctx: &Ctx,
    id: &str,
    lock_fd: std::os::fd::RawFd,
    report_fd: std::os::fd::RawFd,
) -> anyhow::Result<i32> {
    // SAFETY: per this function's contract.
    let handoff = unsafe { crate::monitor::take_handoff(lock_fd, report_fd) };
    let container = record::lookup(&ctx.paths.root, id);
    let target = container.as_ref().map(|c| Supervisee::new(ctx, c));
    let target = match &target {
        Ok(t) => Ok(t as &dyn Supervised),
        Err(e) => Err(anyhow::anyhow!("{}", crate::error::describe(e))),
    };
    crate::monitor::serve(ctx, handoff, target)
}

/// A container as its monitor sees it.
struct Supervisee<'a> {
    ctx: &'a Ctx,
    container: &'a ContainerDir,
    settings: Settings,
}

impl<'a> Supervisee<'a> {
    fn new(ctx: &'a Ctx, container: &'a ContainerDir) -> Supervisee<'a> {
        let config = &container.config;
        Supervisee {
            ctx,
            container,
            settings: Settings {
                id: config.id.clone(),
                dir: container.path.clone(),
                tty: config.tty,
                interactive: config.interactive,
                rm: config.rm,
                restart: config.restart,
                log: config.log.clone(),
                log_path: container.log_path(),
                health: config.healthcheck.clone(),
                network: config.network.clone(),
                ports: config.ports.clone(),
            },
        }
    }
}

impl Supervised for Supervisee<'_> {
    fn settings(&self) -> &Settings {
        &self.settings
    }

    fn launch_plan(&self, stdio: ContainerStdio) -> anyhow::Result<LaunchPlan> {
        build_plan(self.ctx, self.container, stdio)
    }

    fn record_running(
        &self,
        pid: nix::unistd::Pid,
        restarts: u32,
        ports: &[crate::network::ports::PublishedPort],
    ) -> anyhow::Result<String> {
        record_running(self.ctx, self.container, pid, restarts, ports)
    }

    fn record_exit(&self, started_at: String, code: i32, restarts: u32) -> anyhow::Result<()> {
        record_exit(self.container, started_at, code, restarts)
    }

    fn record_failed_start(&self, code: i32) {
        let _ = self.container.save_state(&State {
            status: Status::Exited,
            exit_code: Some(code),
            finished_at: Some(chrono::Local::now().to_rfc3339()),
            pid: None,
            ..self.container.state()
        });
    }

    fn remove(&self) -> anyhow::Result<()> {
        remove_with_volumes(self.ctx, self.container)
    }
}

fn lock_for_start(container: &ContainerDir) -> anyhow::Result<record::ContainerLock> {
    container.try_lock()?.ok_or_else(|| {
        exit_error(
            125,
            format!("container {} is already running", container.config.name),
        )
    })
}

/// Launch and supervise in this process; (exit code, start time).
fn run_in_foreground(
    ctx: &Ctx,
    container: &ContainerDir,
    stdin_open: bool,
) -> anyhow::Result<(i32, String)> {
    let target = Supervisee::new(ctx, container);
    crate::monitor::run_foreground(ctx, &target, stdin_open)
}

/// Record that the container runs as `pid`; returns the start time.
pub fn record_running(
    ctx: &Ctx,
    container: &ContainerDir,
    pid: nix::unistd::Pid,
    restart_count: u32,
    ports: &[crate::network::ports::PublishedPort],
) -> anyhow::Result<String> {
    let started_at = chrono::Local::now().to_rfc3339();
    container.save_state(&State {
        status: Status::Running,
        pid: Some(pid.as_raw()),
        started_at: Some(started_at.clone()),
        finished_at: None,
        exit_code: None,
        restart_count,
        ports: ports.to_vec(),
        pid_start: record::process_start(pid.as_raw()),
    })?;
    for v in &container.config.volumes {
        let _ = crate::storage::volume::mark_copied_up(&ctx.paths.root, &v.name);
    }
    Ok(started_at)
}

pub fn record_exit(
    container: &ContainerDir,
    started_at: String,
    code: i32,
    restart_count: u32,
) -> anyhow::Result<()> {
    container.save_state(&State {
        status: Status::Exited,
        pid: None,
        started_at: Some(started_at),
        finished_at: Some(chrono::Local::now().to_rfc3339()),
        exit_code: Some(code),
        restart_count,
        ports: Vec::new(),
        pid_start: None,
    })
}

/// User networks: the container makes its namespaces in the network host's
/// user namespace (rootless: the target to join), which can then give it a
/// veth.
fn bridge_plan(
    ctx: &Ctx,
    config: &crate::container::record::ContainerConfig,
    hostname: String,
) -> anyhow::Result<(
    Option<crate::runtime::netns::BridgePlan>,
    Option<runtime::exec::Target>,
)> {
    let crate::network::NetworkMode::Bridge { networks } = &config.network else {
        return Ok((None, None));
    };
    let link = crate::runtime::netns::connect(
        &ctx.paths.runroot,
        &ctx.paths.root,
        config.id_maps.as_ref(),
    )?;
    let target = runtime::exec::Target::user_of(link.pid)?;
    let join = target.joins_user().then_some(target);
    let plan = crate::runtime::netns::BridgePlan {
        link,
        id: config.id.clone(),
        name: config.name.clone(),
        hostname,
        networks: networks.clone(),
    };
    Ok((Some(plan), join))
}

/// Everything the runtime needs to launch `container` once.
pub fn build_plan(
    ctx: &Ctx,
    container: &ContainerDir,
    stdio: ContainerStdio,
) -> anyhow::Result<LaunchPlan> {
    let spec = container.spec()?;
    let config = &container.config;
    let (bridge, user_of_host) =
        bridge_plan(ctx, config, spec.hostname().clone().unwrap_or_default())?;
    if config.infra {
        return super::pod::infra::launch_plan(container, stdio, bridge, user_of_host);
    }
    let seccomp = match spec.linux().as_ref().and_then(|l| l.seccomp().as_ref()) {
        Some(profile) => {
            Some(runtime::seccomp::compile(profile).context("compiling the seccomp profile")?)
        }
        None => None,
    };
    let layers = match config.driver {
        // fuse shifts owners itself: no re-owned copy of the image.
        Driver::Fuse => config.layers.clone(),
        _ => rootfs_layers(container)?,
    };
    let rootfs = match config.driver {
        Driver::Fuse => RootfsPlan::Fuse(std::sync::Arc::new(
            crate::storage::fuse::FusePlan::new(
                layers,
                container.upper(),
                container.work(),
                container.rootfs(),
                config.id_maps.clone(),
                config.storage_maps.clone(),
                container.path.join(crate::storage::fuse::server::LOG),
            )?
            .volatile(config.rm),
        )),
        Driver::Overlay => RootfsPlan::Overlay {
            lowers: overlay_lowers(container, layers)?,
            upper: container.upper(),
            work: container.work(),
            target: container.rootfs(),
        },
        Driver::Vfs => RootfsPlan::Vfs {
            layers: layers.into_iter().rev().collect(),
            target: container.rootfs(),
            marker: container.path.join("rootfs.done"),
            shift: None,
        },
    };
    let mut copy_ups = Vec::new();
    for v in &config.volumes {
        if let Some(volume) = crate::storage::volume::load(&ctx.paths.root, &v.name)? {
            if volume.needs_copy_up && dir_is_empty(&volume.mountpoint) {
                copy_ups.push((v.destination.clone(), volume.mountpoint.clone()));
            }
        }
    }
    let mut join =
        match (
            super::pod::member::join(&ctx.paths.root, config)?,
            &config.network,
        ) {
            (Some(infra), _) => Some(infra),
            (None, crate::network::NetworkMode::Container { id }) => Some(
                super::shared_network::pin(&ctx.paths.root, id, &config.name)?,
            ),
            (None, _) => None,
        };
    if user_of_host.is_some() {
        join = user_of_host;
    }
    let plan = LaunchPlan {
        spec,
        bundle: container.path.clone(),
        rootfs,
        id_maps: config.id_maps.clone(),
        init: config.init,
        copy_ups,
        seccomp,
        devices: config.devices.clone(),
        stdio,
        // The network is the monitor's to set up (see monitor/net.rs).
        network: None,
        pasta: None,
        join,
        bridge,
        infra: false,
    };
    Ok(plan)
}

fn dir_is_empty(path: &Path) -> bool {
    std::fs::read_dir(path)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false)
}

/// Remove a container and the anonymous volumes it made.
pub fn remove_with_volumes(ctx: &Ctx, container: &ContainerDir) -> anyhow::Result<()> {
    record::remove(&ctx.paths.root, container)?;
    let _ = std::fs::remove_dir_all(crate::monitor::attach::runtime_dir(
        &ctx.paths.runroot,
        &container.config.id,
    ));
    for v in container.config.volumes.iter().filter(|v| v.anonymous) {
        let _ = crate::storage::volume::remove(&ctx.paths.root, &v.name, true);
    }
    Ok(())
}

/// The layer directories a container's root filesystem is made of, top
/// first: the image's, or copies re-owned for its id mapping (keep-id).
pub fn rootfs_layers(container: &ContainerDir) -> anyhow::Result<Vec<PathBuf>> {
    let config = &container.config;
    match (&config.id_maps, &config.storage_maps) {
        (Some(target), Some(storage)) if target != storage => {
            shifted_layers(&config.layers, storage, target)
        }
        _ => Ok(config.layers.clone()),
    }
}

/// Overlay lower directories: the layers, or an empty directory for an
/// image without any (the kernel needs one).
pub fn overlay_lowers(
    container: &ContainerDir,
    layers: Vec<PathBuf>,
) -> anyhow::Result<Vec<PathBuf>> {
    if !layers.is_empty() {
        return Ok(layers);
    }
    let empty = container.path.join("empty");
    std::fs::create_dir_all(&empty)?;
    Ok(vec![empty])
}

/// Layers re-owned for a container whose id mapping differs from the
/// store's (`--userns=keep-id`): copied once per layer and mapping, next to
/// the layer, and reused by every later container with that mapping.
fn shifted_layers(
    layers: &[PathBuf],
    storage: &IdMaps,
    target: &IdMaps,
) -> anyhow::Result<Vec<PathBuf>> {
    let key = crate::util::digest::sha256_of(serde_json::to_string(target)?.as_bytes());
    let key = key.strip_prefix("sha256:").unwrap_or(&key)[..16].to_string();
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for layer in layers {
        let parent = layer.parent().unwrap_or(layer);
        let shifted = parent.join(format!("idmap-{key}"));
        if !shifted.exists() {
            missing.push((layer.clone(), shifted.clone()));
        }
        out.push(shifted);
    }
    if missing.is_empty() {
        return Ok(out);
    }
    let shift = copy::IdShift {
        current_uids: storage.uids.clone(),
        current_gids: storage.gids.clone(),
        target_uids: target.uids.clone(),
        target_gids: target.gids.clone(),
    };
    // The copy must see the store's ids, so it runs in the store's user
    // namespace, in a child.
    // SAFETY: single-threaded; the child copies and exits.
    match unsafe { nix::unistd::fork() }? {
        nix::unistd::ForkResult::Child => {
            let result = (|| -> anyhow::Result<()> {
                crate::sys::userns::enter(storage)?;
                for (from, to) in &missing {
                    let tmp = to.with_file_name(crate::sys::fsutil::unique_name(".idmap"));
                    let opts = copy::CopyOptions {
                        apply_whiteouts: false,
                        shift: Some(shift.clone()),
                    };
                    copy::copy_tree(from, &tmp, &opts)?;
                    if std::fs::rename(&tmp, to).is_err() {
                        // Another container made it first.
                        let _ = std::fs::remove_dir_all(&tmp);
                    }
                }
                Ok(())
            })();
            if let Err(e) = &result {
                eprintln!("Error: re-owning image layers for the container's id mapping: {e:#}");
            }
            // SAFETY: the forked child leaves without unwinding into the
            // parent's code or running its exit handlers.
            unsafe { libc::_exit(if result.is_ok() { 0 } else { 125 }) };
        }
        nix::unistd::ForkResult::Parent { child } => {
            let status = nix::sys::wait::waitpid(child, None)?;
            if status != nix::sys::wait::WaitStatus::Exited(child, 0) {
                return Err(crate::error::silent_exit(125));
            }
        }
    }
    Ok(out)
}
