//! Applying a project to the store: `up` makes the networks and volumes
//! it needs, then each service's replicas in dependency order, keeping
//! containers whose configuration hash still matches and recreating the
//! others; `down` removes the project's containers and networks (and with
//! `-v` its volumes). The project's objects are found by their
//! `com.docker.compose.*` labels, so a `down` after an `up` that failed
//! part way finds everything that was made.

use super::plan;
use super::translate::{
    self, LABEL_HASH, LABEL_NETWORK, LABEL_NUMBER, LABEL_PROJECT, LABEL_SERVICE, LABEL_VOLUME,
};
use super::Project;
use crate::container::record::{self, ContainerDir};
use crate::context::Ctx;
use crate::network::named;
use crate::storage::volume;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

fn fail(msg: impl Into<String>) -> anyhow::Error {
    crate::error::exit_error(1, msg)
}

/// What the command layer lends `up` and `down`.
pub struct Hooks<'a> {
    /// Stop a container gracefully (its stop signal, then SIGKILL).
    pub stop: &'a (dyn Fn(&ContainerDir) -> anyhow::Result<()> + Sync),
    /// Report progress: kind (`Container`, `Network`, `Volume`), name, state.
    pub progress: &'a (dyn Fn(&str, &str, &str) + Sync),
}

#[derive(Debug, Clone, Default)]
pub struct UpOptions {
    pub services: Vec<String>,
    pub no_deps: bool,
    pub force_recreate: bool,
    pub no_recreate: bool,
    pub remove_orphans: bool,
    pub scale: BTreeMap<String, u32>,
    /// Wait for every service to run (and be healthy when it has a check).
    pub wait: bool,
    pub wait_timeout: Option<Duration>,
    /// Create without starting (`compose create`).
    pub no_start: bool,
    /// Build images of services with `build:` even when they exist.
    pub build: bool,
}

/// Build the images of `services` that have `build:` (only those not
/// stored yet, unless `always`).
pub fn build_images(
    ctx: &Ctx,
    p: &Project,
    services: &[String],
    always: bool,
    hooks: &Hooks,
) -> anyhow::Result<()> {
    for name in services {
        let s = &p.services[name];
        let Some(opts) = super::build::options(p, name, s)? else {
            continue;
        };
        let tag = opts.tags[0].clone();
        if !always {
            let probe = crate::container::request::CreateOptions {
                image: tag.clone(),
                pull: crate::image::registry::pull::PullPolicy::Never,
                quiet: true,
                ..Default::default()
            };
            if crate::container::image::ensure_image(ctx, &probe).is_ok() {
                continue;
            }
        }
        (hooks.progress)("Image", &tag, "Building");
        super::build::run(ctx, &opts)?;
        (hooks.progress)("Image", &tag, "Built");
    }
    Ok(())
}

/// The project's service containers (not `compose run`'s one-off ones),
/// by service then number.
pub fn containers(ctx: &Ctx, project: &str) -> Vec<ContainerDir> {
    let mut out: Vec<ContainerDir> = all_containers(ctx, project)
        .into_iter()
        .filter(|c| !is_oneoff(c))
        .collect();
    out.sort_by_key(|c| (service_of(c).to_string(), number_of(c)));
    out
}

/// A container of `compose run`.
pub fn is_oneoff(c: &ContainerDir) -> bool {
    c.config
        .labels
        .get(translate::LABEL_ONEOFF)
        .map(String::as_str)
        == Some("True")
}

/// Every container of the project, one-off ones included.
pub fn all_containers(ctx: &Ctx, project: &str) -> Vec<ContainerDir> {
    let mut out: Vec<ContainerDir> = record::list(&ctx.paths.root)
        .into_iter()
        .filter(|c| c.config.labels.get(LABEL_PROJECT).map(String::as_str) == Some(project))
        .collect();
    out.sort_by_key(|c| (service_of(c).to_string(), number_of(c)));
    out
}

pub fn service_of(c: &ContainerDir) -> &str {
    c.config
        .labels
        .get(LABEL_SERVICE)
        .map(String::as_str)
        .unwrap_or("")
}

pub fn number_of(c: &ContainerDir) -> u32 {
    c.config
        .labels
        .get(LABEL_NUMBER)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn emit(ctx: &Ctx, c: &ContainerDir, status: &'static str) {
    crate::events::emit(
        &ctx.paths.runroot,
        &crate::events::Event {
            kind: "container",
            status,
            id: c.config.id.clone(),
            name: c.config.name.clone(),
            image: c
                .config
                .image_name
                .clone()
                .unwrap_or(c.config.image.clone()),
            attributes: c.config.labels.clone().into_iter().collect(),
        },
    );
}

/// Make the project's networks that `services` use.
fn ensure_networks(
    ctx: &Ctx,
    p: &Project,
    services: &[String],
    hooks: &Hooks,
) -> anyhow::Result<()> {
    let mut keys = BTreeSet::new();
    for s in services {
        keys.extend(translate::service_networks(&p.services[s]));
    }
    for key in keys {
        let name = translate::network_name(p, &key);
        let def = p.networks.get(&key).cloned().unwrap_or_default();
        if named::exists(&ctx.paths.root, &name) {
            continue;
        }
        if def.external {
            return Err(fail(format!(
                "network {name} declared as external, but could not be found"
            )));
        }
        if def.driver.as_deref().is_some_and(|d| d != "bridge") {
            return Err(fail(format!(
                "network {key}: driver {} is not supported (only bridge)",
                def.driver.as_deref().unwrap_or_default()
            )));
        }
        let mut labels = def.labels.clone();
        labels.insert(LABEL_PROJECT.into(), p.name.clone());
        labels.insert(LABEL_NETWORK.into(), key.clone());
        let opts = named::CreateOptions {
            name: Some(name.clone()),
            internal: def.internal,
            labels,
            ..named::CreateOptions::default()
        };
        match named::create(&ctx.paths.root, &opts) {
            Ok(_) => (hooks.progress)("Network", &name, "Created"),
            // Another `up` made it meanwhile.
            Err(e)
                if matches!(
                    named::network_error(&e),
                    Some(named::NetworkError::Exists(_))
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Make the project's named volumes that `services` mount.
fn ensure_volumes(
    ctx: &Ctx,
    p: &Project,
    services: &[String],
    hooks: &Hooks,
) -> anyhow::Result<()> {
    let mut keys = BTreeSet::new();
    for s in services {
        for m in &p.services[s].volumes {
            if let ("volume", Some(src)) = (m.kind.as_str(), &m.source) {
                keys.insert(src.clone());
            }
        }
    }
    for key in keys {
        let name = translate::volume_name(p, &key);
        let def = p.volumes.get(&key).cloned().unwrap_or_default();
        if volume::load(&ctx.paths.root, &name)?.is_some() {
            continue;
        }
        if def.external {
            return Err(fail(format!("external volume \"{name}\" not found")));
        }
        let mut labels = def.labels.clone();
        labels.insert(LABEL_PROJECT.into(), p.name.clone());
        labels.insert(LABEL_VOLUME.into(), key.clone());
        match volume::create(&ctx.paths.root, Some(&name), labels, BTreeMap::new(), false) {
            Ok(_) => (hooks.progress)("Volume", &name, "Created"),
            Err(e)
                if matches!(
                    volume::volume_error(&e),
                    Some(volume::VolumeError::Exists(_))
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Create replica `number` of `service` and, unless `no_start`, start it
/// under its monitor. A container that cannot start is removed.
fn create_one(
    ctx: &Ctx,
    p: &Project,
    service: &str,
    number: u32,
    no_start: bool,
    hooks: &Hooks,
) -> anyhow::Result<()> {
    let opts = translate::create_options(p, service, number)?;
    let (c, lock) = crate::container::create::create(ctx, &opts)?;
    emit(ctx, &c, "create");
    (hooks.progress)("Container", &c.config.name, "Created");
    if no_start {
        return Ok(());
    }
    if let Err(e) = crate::container::start::start_detached(ctx, &c, Some(lock)) {
        if c.path.exists() {
            for _ in 0..200 {
                if let Ok(Some(_)) = c.try_lock() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            let _ = crate::container::start::remove_with_volumes(ctx, &c);
        }
        return Err(e);
    }
    emit(ctx, &c, "start");
    (hooks.progress)("Container", &c.config.name, "Started");
    Ok(())
}

/// Start an existing container if it is not running.
pub fn start_existing(ctx: &Ctx, c: &ContainerDir, hooks: &Hooks) -> anyhow::Result<bool> {
    // The shared probe answers at once; `try_lock` waits 15 ms on a running
    // container, which a no-op `up` would pay for each.
    if c.monitor_alive() {
        return Ok(false);
    }
    let Some(lock) = c.try_lock()? else {
        return Ok(false);
    };
    crate::container::start::start_detached(ctx, c, Some(lock))?;
    emit(ctx, c, "start");
    (hooks.progress)("Container", &c.config.name, "Started");
    Ok(true)
}

/// Stop and remove a container (and with `volumes` its anonymous volumes).
pub fn remove(ctx: &Ctx, c: &ContainerDir, volumes: bool, hooks: &Hooks) -> anyhow::Result<()> {
    (hooks.stop)(c)?;
    if !c.path.exists() {
        return Ok(());
    }
    crate::container::remove::force_remove(&ctx.paths.root, c)?;
    if volumes {
        for v in c.config.volumes.iter().filter(|v| v.anonymous) {
            let _ = volume::remove(&ctx.paths.root, &v.name, true);
        }
    }
    emit(ctx, c, "remove");
    (hooks.progress)("Container", &c.config.name, "Removed");
    Ok(())
}

/// Wait until the containers of `dep` meet `condition` before `service`
/// starts.
fn wait_for(
    ctx: &Ctx,
    p: &Project,
    service: &str,
    dep: &str,
    condition: &str,
    deadline: Option<Instant>,
) -> anyhow::Result<()> {
    if condition == "service_started" {
        return Ok(());
    }
    let ours: Vec<ContainerDir> = containers(ctx, &p.name)
        .into_iter()
        .filter(|c| service_of(c) == dep)
        .collect();
    for c in &ours {
        loop {
            let live = crate::container::inspect::live(c);
            let running = live.running();
            let state = c.state();
            match condition {
                "service_healthy" => {
                    if c.config.healthcheck.is_none() {
                        return Err(fail(format!(
                            "dependency failed to start: container {} has no healthcheck configured",
                            c.config.name
                        )));
                    }
                    let status = crate::monitor::health::load(&c.path).map(|h| h.status).unwrap_or_default();
                    if running && status == crate::monitor::health::HEALTHY {
                        break;
                    }
                    if status == crate::monitor::health::UNHEALTHY {
                        return Err(fail(format!("dependency failed to start: container {} is unhealthy", c.config.name)));
                    }
                    if !running && state.status == record::Status::Exited && !c.monitor_alive() {
                        return Err(fail(format!(
                            "dependency failed to start: container {} exited ({})",
                            c.config.name,
                            state.exit_code.unwrap_or(-1)
                        )));
                    }
                }
                "service_completed_successfully" => {
                    if !running && state.status == record::Status::Exited && !c.monitor_alive() {
                        match state.exit_code {
                            Some(0) => break,
                            code => {
                                return Err(fail(format!(
                                    "service {dep:?} didn't complete successfully: exit {}",
                                    code.unwrap_or(-1)
                                )))
                            }
                        }
                    }
                }
                other => {
                    return Err(fail(format!(
                        "service {service:?}: depends_on condition {other:?} is not one of service_started, service_healthy, service_completed_successfully"
                    )))
                }
            }
            if deadline.is_some_and(|d| Instant::now() > d) {
                return Err(fail(format!(
                    "timed out waiting for {} ({condition})",
                    c.config.name
                )));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
    Ok(())
}

/// `compose up`.
pub fn up(ctx: &Ctx, p: &Project, opts: &UpOptions, hooks: &Hooks) -> anyhow::Result<()> {
    plan::validate(p)?;
    for n in opts.scale.keys() {
        if !p.services.contains_key(n) {
            return Err(fail(format!("no such service: {n}")));
        }
    }
    let wanted: Vec<String> = if opts.services.is_empty() {
        p.services.keys().cloned().collect()
    } else {
        opts.services.clone()
    };
    let selected = plan::with_dependencies(&p.services, &wanted, opts.no_deps)?;
    let order = plan::order(&p.services, &selected)?;
    // Every service translates before anything is made.
    for service in &order {
        translate::create_options(p, service, 1)?;
    }
    build_images(ctx, p, &order, opts.build, hooks)?;
    ensure_networks(ctx, p, &order, hooks)?;
    ensure_volumes(ctx, p, &order, hooks)?;
    let existing = containers(ctx, &p.name);
    let orphans: Vec<&ContainerDir> = existing
        .iter()
        .filter(|c| {
            !p.services.contains_key(service_of(c)) && !p.disabled.contains_key(service_of(c))
        })
        .collect();
    if !orphans.is_empty() {
        if opts.remove_orphans {
            for c in &orphans {
                remove(ctx, c, false, hooks)?;
            }
        } else {
            let names: Vec<&str> = orphans.iter().map(|c| c.config.name.as_str()).collect();
            (hooks.progress)(
                "Warning",
                "",
                &format!("Found orphan containers ([{}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.", names.join(" ")),
            );
        }
    }
    let deadline = opts.wait_timeout.map(|t| Instant::now() + t);
    for service in &order {
        let s = &p.services[service];
        for (dep, d) in &s.depends_on {
            if selected.contains(dep) || p.services.contains_key(dep) {
                wait_for(ctx, p, service, dep, &d.condition, deadline)?;
            }
        }
        let want = plan::replicas(s, service, &opts.scale);
        let hash = plan::config_hash(s);
        let mine: Vec<&ContainerDir> = existing
            .iter()
            .filter(|c| service_of(c) == service)
            .collect();
        for c in mine
            .iter()
            .filter(|c| number_of(c) > want || number_of(c) == 0)
        {
            remove(ctx, c, false, hooks)?;
        }
        for number in 1..=want {
            match mine.iter().find(|c| number_of(c) == number) {
                Some(c)
                    if opts.no_recreate
                        || (!opts.force_recreate
                            && c.config.labels.get(LABEL_HASH) == Some(&hash)) =>
                {
                    if !opts.no_start && !start_existing(ctx, c, hooks)? {
                        (hooks.progress)("Container", &c.config.name, "Running");
                    }
                }
                Some(c) => {
                    remove(ctx, c, false, hooks)?;
                    create_one(ctx, p, service, number, opts.no_start, hooks)?;
                }
                None => create_one(ctx, p, service, number, opts.no_start, hooks)?,
            }
        }
    }
    if opts.wait {
        wait_running(ctx, p, &order, deadline)?;
    }
    Ok(())
}

/// `up --wait`: every container of `services` runs, and is healthy when it
/// has a health check.
fn wait_running(
    ctx: &Ctx,
    p: &Project,
    services: &[String],
    deadline: Option<Instant>,
) -> anyhow::Result<()> {
    for c in containers(ctx, &p.name) {
        if !services.iter().any(|s| s == service_of(&c)) {
            continue;
        }
        loop {
            let running = crate::container::inspect::live(&c).running();
            let health = c.config.healthcheck.as_ref().map(|_| {
                crate::monitor::health::load(&c.path)
                    .map(|h| h.status)
                    .unwrap_or_default()
            });
            let healthy = health
                .as_deref()
                .is_none_or(|h| h == crate::monitor::health::HEALTHY);
            if running && healthy {
                break;
            }
            if health.as_deref() == Some(crate::monitor::health::UNHEALTHY) {
                return Err(fail(format!("container {} is unhealthy", c.config.name)));
            }
            if !running && !c.monitor_alive() && c.state().status == record::Status::Exited {
                return Err(fail(format!(
                    "container {} exited ({})",
                    c.config.name,
                    c.state().exit_code.unwrap_or(-1)
                )));
            }
            if deadline.is_some_and(|d| Instant::now() > d) {
                return Err(fail(format!(
                    "timed out waiting for {} to be {}",
                    c.config.name,
                    if running { "healthy" } else { "running" }
                )));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct DownOptions {
    pub volumes: bool,
    pub remove_orphans: bool,
}

/// `compose down`: the project's containers (those of services in the
/// file; all with `remove_orphans` or without a file), then its networks,
/// then with `volumes` its named volumes. Several containers stop side by
/// side.
pub fn down(
    ctx: &Ctx,
    name: &str,
    p: Option<&Project>,
    opts: &DownOptions,
    hooks: &Hooks,
) -> anyhow::Result<()> {
    let targets: Vec<ContainerDir> = all_containers(ctx, name)
        .into_iter()
        .filter(|c| {
            opts.remove_orphans
                || p.is_none_or(|p| {
                    p.services.contains_key(service_of(c)) || p.disabled.contains_key(service_of(c))
                })
        })
        .collect();
    let errors: Vec<anyhow::Error> = std::thread::scope(|scope| {
        let handles: Vec<_> = targets
            .iter()
            .map(|c| scope.spawn(move || (hooks.stop)(c)))
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().ok().and_then(Result::err))
            .collect()
    });
    if let Some(e) = errors.into_iter().next() {
        return Err(e);
    }
    for c in &targets {
        remove(ctx, c, opts.volumes, hooks)?;
    }
    let root = &ctx.paths.root;
    for n in named::list(root)? {
        if n.labels.get(LABEL_PROJECT).map(String::as_str) != Some(name) {
            continue;
        }
        let _lock = named::lock(root)?;
        if !crate::container::networks::users(root, &n.name).is_empty() {
            (hooks.progress)("Network", &n.name, "Resource is still in use");
            continue;
        }
        named::remove_record(root, &n.name)?;
        (hooks.progress)("Network", &n.name, "Removed");
    }
    if opts.volumes {
        for v in volume::list(root)? {
            if v.labels.get(LABEL_PROJECT).map(String::as_str) != Some(name) {
                continue;
            }
            match volume::remove(root, &v.name, false) {
                Ok(()) => (hooks.progress)("Volume", &v.name, "Removed"),
                Err(e) => (hooks.progress)("Volume", &v.name, &crate::error::describe(&e)),
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub service: String,
    pub command: Vec<String>,
    pub entrypoint: Option<String>,
    pub env: Vec<String>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub name: Option<String>,
    pub rm: bool,
    pub no_deps: bool,
    /// Publish the service's ports (`--service-ports`) and these.
    pub service_ports: bool,
    pub publish: Vec<String>,
    pub volumes: Vec<String>,
    pub labels: Vec<String>,
    pub interactive: bool,
    pub tty: bool,
}

/// `compose run`: the service's dependencies up, then a one-off container
/// of the service (`<project>-<service>-run-<id>`, labelled oneoff=True,
/// ports not published unless asked). Returns it created, not started.
pub fn run_container(
    ctx: &Ctx,
    p: &Project,
    opts: &RunOptions,
    hooks: &Hooks,
) -> anyhow::Result<(ContainerDir, record::ContainerLock)> {
    plan::validate(p)?;
    let Some(s) = p.services.get(&opts.service) else {
        return Err(fail(format!("no such service: {}", opts.service)));
    };
    let deps: Vec<String> = s.depends_on.keys().cloned().collect();
    if !opts.no_deps && !deps.is_empty() {
        let up_opts = UpOptions {
            services: deps,
            ..UpOptions::default()
        };
        up(ctx, p, &up_opts, hooks)?;
    }
    let this = std::slice::from_ref(&opts.service);
    build_images(ctx, p, this, false, hooks)?;
    ensure_networks(ctx, p, this, hooks)?;
    ensure_volumes(ctx, p, this, hooks)?;
    let mut o = translate::create_options(p, &opts.service, 1)?;
    let id = crate::container::record::new_id();
    o.name = Some(
        opts.name
            .clone()
            .unwrap_or_else(|| format!("{}-{}-run-{}", p.name, opts.service, &id[..12])),
    );
    o.label
        .retain(|l| !l.starts_with(&format!("{}=", translate::LABEL_ONEOFF)));
    o.label.push(format!("{}=True", translate::LABEL_ONEOFF));
    o.label.extend(opts.labels.iter().cloned());
    if !opts.service_ports {
        o.publish.clear();
    }
    o.publish.extend(opts.publish.iter().cloned());
    o.volume.extend(opts.volumes.iter().cloned());
    if !opts.command.is_empty() {
        o.command = opts.command.clone();
    }
    if opts.entrypoint.is_some() {
        o.entrypoint = opts.entrypoint.clone();
    }
    o.env.extend(opts.env.iter().cloned());
    if opts.user.is_some() {
        o.user = opts.user.clone();
    }
    if opts.workdir.is_some() {
        o.workdir = opts.workdir.clone();
    }
    // One-off containers are not restarted (Docker Compose's rule).
    o.restart = None;
    o.rm = opts.rm;
    o.interactive = opts.interactive;
    o.tty = opts.tty;
    let (c, lock) = crate::container::create::create(ctx, &o)?;
    emit(ctx, &c, "create");
    Ok((c, lock))
}
