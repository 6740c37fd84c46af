//! `cove run`, `cove create` and `cove start`.

use crate::cli::{
    ContainerExistsArgs, CreateArgs, KillArgs, PauseArgs, RmArgs, RunArgs, StartArgs, WaitArgs,
};
use crate::container::{create, record, start};
use crate::context::Ctx;
use crate::error::{exit_error, silent_exit};

pub fn run(ctx: &Ctx, args: &RunArgs) -> anyhow::Result<i32> {
    if args.detach {
        return run_detached(ctx, args);
    }
    let (container, lock) = create::create(ctx, &super::run_flags::options(&args.create)?)?;
    super::run_flags::write_cidfile(&args.create, &container.config.id)?;
    super::events::container(ctx, &container, "create");
    super::events::container(ctx, &container, "start");
    start::start_attached(
        ctx,
        &container,
        Some(lock),
        args.create.interactive,
        start::OnFailure::Remove,
    )
}

/// `run -d`: create, hand the container to a detached monitor, print its
/// id. A container that cannot start is removed, as in the foreground.
fn run_detached(ctx: &Ctx, args: &RunArgs) -> anyhow::Result<i32> {
    if args.create.log_driver.as_deref() == Some("passthrough") {
        return Err(exit_error(
            125,
            "the passthrough log driver passes the caller's own stdio, so it cannot be used with --detach; use k8s-file or none",
        ));
    }
    let (container, lock) = create::create(ctx, &super::run_flags::options(&args.create)?)?;
    super::run_flags::write_cidfile(&args.create, &container.config.id)?;
    super::events::container(ctx, &container, "create");
    if let Err(e) = start::start_detached(ctx, &container, Some(lock)) {
        if container.path.exists() {
            // The monitor lets go of the lock as it exits.
            for _ in 0..200 {
                if let Ok(Some(_)) = container.try_lock() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            let _ = start::remove_with_volumes(ctx, &container);
        }
        return Err(e);
    }
    super::events::container(ctx, &container, "start");
    println!("{}", container.config.id);
    Ok(0)
}

pub fn create(ctx: &Ctx, args: &CreateArgs) -> anyhow::Result<i32> {
    let (container, _lock) = create::create(ctx, &super::run_flags::options(&args.create)?)?;
    super::run_flags::write_cidfile(&args.create, &container.config.id)?;
    super::events::container(ctx, &container, "create");
    println!("{}", container.config.id);
    Ok(0)
}

/// `cove start`: each container under a detached monitor, printing its
/// name as given (a running one too, as Podman); with `-a`, one container
/// in the foreground.
pub fn start(ctx: &Ctx, args: &StartArgs) -> anyhow::Result<i32> {
    if args.attach {
        if args.containers.len() > 1 {
            return Err(exit_error(
                125,
                "you cannot start and attach multiple containers at once",
            ));
        }
        let container = record::lookup(&ctx.paths.root, &args.containers[0])?;
        let stdin_open = args.interactive || container.config.interactive;
        return start::start_attached(ctx, &container, None, stdin_open, start::OnFailure::Keep);
    }
    if args.all && !args.containers.is_empty() {
        return Err(exit_error(
            125,
            "either start all containers or the container(s) provided in the arguments",
        ));
    }
    let targets = start_targets(ctx, args)?;
    let mut failed = false;
    for given in &targets {
        let result = record::lookup(&ctx.paths.root, given).and_then(|container| {
            match container.try_lock()? {
                Some(lock) => start::start_detached(ctx, &container, Some(lock))
                    .map(|()| super::events::container(ctx, &container, "start")),
                None => Ok(()),
            }
        });
        match result {
            Ok(()) => println!("{given}"),
            Err(e) => {
                eprintln!("Error: {}", crate::error::describe(&e));
                failed = true;
            }
        }
    }
    if failed {
        return Err(silent_exit(125));
    }
    Ok(0)
}

/// `pause` (`pause` true) and `unpause`: each container, printing it as
/// given; with --all, the ids of those running (paused).
pub fn pause(ctx: &Ctx, args: &PauseArgs, pause: bool) -> anyhow::Result<i32> {
    use crate::container::pause as p;
    if args.all && !args.containers.is_empty() {
        return Err(exit_error(
            125,
            "--all and containers cannot be used together",
        ));
    }
    let targets: Vec<String> = if args.all {
        record::list(&ctx.paths.root)
            .iter()
            .filter(|c| c.running_pid().ok().flatten().is_some() && p::is_paused(c) != pause)
            .map(|c| c.config.id.clone())
            .collect()
    } else {
        args.containers.clone()
    };
    let mut failed = false;
    for given in &targets {
        let result = record::lookup(&ctx.paths.root, given).and_then(|c| {
            if pause {
                p::pause(&c)?;
                super::events::container(ctx, &c, "pause");
            } else {
                p::unpause(&c)?;
                super::events::container(ctx, &c, "unpause");
            }
            Ok(())
        });
        match result {
            Ok(()) => println!("{given}"),
            Err(e) => {
                eprintln!("Error: {}", crate::error::describe(&e));
                failed = true;
            }
        }
    }
    if failed {
        return Err(silent_exit(125));
    }
    Ok(0)
}

/// `container exists`: 0 when a container has this name or id, 1 if not.
pub fn exists(ctx: &Ctx, args: &ContainerExistsArgs) -> anyhow::Result<i32> {
    match record::lookup(&ctx.paths.root, &args.container) {
        Ok(_) => Ok(0),
        Err(e) if is_no_such(&e) => Ok(1),
        Err(e) => Err(e),
    }
}

fn is_no_such(e: &anyhow::Error) -> bool {
    crate::error::describe(e).contains("no such container")
}

/// The containers `start` acts on, as printed: the names given, or with
/// --all or --filter alone the ids of the stopped containers that match.
fn start_targets(ctx: &Ctx, args: &StartArgs) -> anyhow::Result<Vec<String>> {
    if args.filter.is_empty() && !args.all {
        return Ok(args.containers.clone());
    }
    let root = &ctx.paths.root;
    let mut catalog = || -> anyhow::Result<crate::image::store::Catalog> {
        Ok(crate::image::store::Store::open_existing(root)
            .map(|s| s.catalog())
            .transpose()?
            .unwrap_or_default())
    };
    let filters = super::ps::Filters::parse(root, &args.filter, &mut catalog)?;
    let matches = |c: &record::ContainerDir| {
        let live = crate::container::inspect::live(c);
        !live.running() && filters.matches(c, &live)
    };
    if args.containers.is_empty() {
        return Ok(record::list(root)
            .iter()
            .filter(|c| matches(c))
            .map(|c| c.config.id.clone())
            .collect());
    }
    let mut out = Vec::new();
    for given in &args.containers {
        if matches(&record::lookup(root, given)?) {
            out.push(given.clone());
        }
    }
    Ok(out)
}

/// `cove rm`: Podman's exit codes: 1 when a container does not exist, 2
/// when one is running and `-f` was not given.
pub fn remove(ctx: &Ctx, args: &RmArgs) -> anyhow::Result<i32> {
    if args.containers.is_empty() && !args.all {
        return Err(exit_error(
            125,
            "rm needs at least one container name or id, or --all",
        ));
    }
    if args.time.is_some() && !args.force {
        // Podman's words.
        return Err(exit_error(
            125,
            "--force option must be specified to use the --time option",
        ));
    }
    let all = record::list(&ctx.paths.root);
    let mut targets: Vec<String> = if args.all {
        // A pod's infra goes with its pod (`pod rm`).
        all.iter()
            .filter(|c| !c.config.infra)
            .map(|c| c.config.id.clone())
            .collect()
    } else {
        args.containers.clone()
    };
    // Those sharing another's network go before it (a stable sort: the
    // given order otherwise).
    targets.sort_by_cached_key(|t| {
        let depth = record::lookup(&ctx.paths.root, t)
            .map(|c| crate::container::shared_network::depth(&all, &c))
            .unwrap_or(0);
        std::cmp::Reverse(depth)
    });
    let mut worst = 0;
    let mut removed: Vec<String> = Vec::new();
    for target in targets {
        let container = match record::lookup(&ctx.paths.root, &target) {
            Ok(c) => c,
            Err(e) => {
                if !args.ignore {
                    eprintln!("Error: {}", crate::error::describe(&e));
                    worst = worst.max(1);
                }
                continue;
            }
        };
        if let Err(e) = crate::container::pod::check_not_infra(&ctx.paths.root, &container) {
            eprintln!("Error: {}", crate::error::describe(&e));
            worst = worst.max(125);
            continue;
        }
        // Those sharing its network would be left unable to start.
        if let Err(e) =
            crate::container::shared_network::check_no_dependents(&all, &removed, &container)
        {
            eprintln!("Error: {}", crate::error::describe(&e));
            worst = worst.max(125);
            continue;
        }
        let mut lock = container.try_lock()?;
        if lock.is_none() {
            if !args.force {
                eprintln!(
                    "Error: cannot remove container {} as it is running - running or paused containers cannot be removed without force: container state improper",
                    container.config.id
                );
                worst = worst.max(2);
                continue;
            }
            lock = match args.time {
                Some(seconds) => {
                    match crate::cli::commands::stop::stop_container(&container, Some(seconds)) {
                        Ok(lock) => lock,
                        Err(e) => {
                            eprintln!("Error: {}", crate::error::describe(&e));
                            worst = worst.max(125);
                            continue;
                        }
                    }
                }
                None => crate::container::remove::kill_and_lock(&container),
            };
            if !container.path.exists() {
                // Its `cove run --rm` removed it on the way out.
                println!("{target}");
                removed.push(container.config.id.clone());
                continue;
            }
            if lock.is_none() {
                eprintln!(
                    "Error: container {} did not stop after SIGKILL",
                    container.config.id
                );
                worst = worst.max(125);
                continue;
            }
        }
        let cidfile = super::run_flags::cidfile_of(&container);
        let result = if args.volumes {
            start::remove_with_volumes(ctx, &container)
        } else {
            record::remove(&ctx.paths.root, &container).map(|()| {
                // A monitor killed with -9 left its attach socket.
                let _ = std::fs::remove_dir_all(crate::monitor::attach::runtime_dir(
                    &ctx.paths.runroot,
                    &container.config.id,
                ));
            })
        };
        match result {
            Ok(()) => {
                if let Some(file) = cidfile {
                    let _ = std::fs::remove_file(file);
                }
                super::events::container(ctx, &container, "remove");
                // As Podman: the name as given (ids with --all).
                println!("{target}");
                removed.push(container.config.id.clone());
            }
            Err(e) => {
                eprintln!("Error: {}", crate::error::describe(&e));
                worst = worst.max(125);
            }
        }
    }
    if worst != 0 {
        return Err(silent_exit(worst));
    }
    Ok(0)
}

/// `cove kill`: Podman's exit code 125 when a container is not running.
pub fn kill(ctx: &Ctx, args: &KillArgs) -> anyhow::Result<i32> {
    let signal = crate::container::options::parse_signal(&args.signal)?;
    if args.containers.is_empty() && !args.all {
        return Err(exit_error(
            125,
            "kill needs at least one container name or id, or --all",
        ));
    }
    let targets: Vec<(String, record::ContainerDir)> = if args.all {
        record::list(&ctx.paths.root)
            .into_iter()
            .map(|c| (c.config.id.clone(), c))
            .collect()
    } else {
        let mut found = Vec::new();
        for name in &args.containers {
            found.push((name.clone(), record::lookup(&ctx.paths.root, name)?));
        }
        found
    };
    let mut failed = false;
    for (given, container) in targets {
        match container.running_pid()? {
            Some(pid) => {
                crate::container::remove::mark_stopped_by_user(&container);
                // SAFETY: kill with plain integers.
                let rc = unsafe { libc::kill(pid, signal) };
                crate::container::pause::resume_if_paused(&container);
                super::events::container(ctx, &container, "kill");
                if rc != 0 {
                    let err = std::io::Error::last_os_error();
                    eprintln!("Error: signalling container {given}: {err}");
                    failed = true;
                    continue;
                }
                println!("{given}");
            }
            None if args.all => {}
            None => {
                eprintln!(
                    "Error: can only kill running containers. {} is in state {}: container state improper",
                    container.config.id,
                    container.state().status.as_str()
                );
                failed = true;
            }
        }
    }
    if failed {
        return Err(silent_exit(125));
    }
    Ok(0)
}

/// `cove wait`: print each container's exit code once it has stopped (or,
/// with `--condition running`, once it runs).
pub fn wait(ctx: &Ctx, args: &WaitArgs) -> anyhow::Result<i32> {
    let interval = parse_interval(&args.interval)?;
    let conditions: Vec<&str> = args.condition.iter().map(String::as_str).collect();
    // healthy/unhealthy: podman-compose waits so for depends_on.
    let want_health = match conditions[..] {
        ["healthy"] => Some(crate::monitor::health::HEALTHY),
        ["unhealthy"] => Some(crate::monitor::health::UNHEALTHY),
        _ => None,
    };
    let want_running = match conditions[..] {
        ["running"] => true,
        ["healthy"] | ["unhealthy"] => false,
        ["stopped"] | ["exited"] | ["stopped", "exited"] | ["exited", "stopped"] => false,
        _ => {
            return Err(exit_error(
                125,
                format!(
                    "--condition {}: cove waits for stopped/exited, running, healthy or unhealthy",
                    args.condition.join(",")
                ),
            ))
        }
    };
    for name in &args.containers {
        let container = record::lookup(&ctx.paths.root, name)?;
        if want_health.is_some() && container.config.healthcheck.is_none() {
            return Err(exit_error(
                125,
                format!("container {name} has no healthcheck defined"),
            ));
        }
        loop {
            if let Some(want) = want_health {
                let status = crate::monitor::health::load(&container.path).map(|h| h.status);
                if container.running_pid()?.is_some() && status.as_deref() == Some(want) {
                    println!("-1");
                    break;
                }
            }
            if !container.path.exists() {
                return Err(exit_error(
                    125,
                    format!("container {name} was removed while waiting"),
                ));
            }
            let running = container.running_pid()?.is_some();
            let state = container.state();
            if want_running && running {
                println!("-1");
                break;
            }
            // A monitor between restarts holds the lock with no pid: the
            // container is not done yet.
            if !want_running
                && want_health.is_none()
                && !running
                && state.status != record::Status::Created
                && !container.monitor_alive()
            {
                println!("{}", state.exit_code.unwrap_or(-1));
                break;
            }
            std::thread::sleep(interval);
        }
    }
    Ok(0)
}

/// Durations as Go writes them: 250ms, 1s, 1.5s, 2m; a bare number is ms.
fn parse_interval(text: &str) -> anyhow::Result<std::time::Duration> {
    let bad = || {
        exit_error(
            125,
            format!("--interval {text}: expected a duration such as 250ms or 1s"),
        )
    };
    // A bare number is milliseconds, as Podman takes it.
    let parsed = match text.parse::<u64>() {
        Ok(ms) => Some(std::time::Duration::from_millis(ms)),
        Err(_) => crate::util::duration::parse_go_duration(text),
    };
    parsed.filter(|d| !d.is_zero()).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(
            parse_interval("250ms").unwrap(),
            std::time::Duration::from_millis(250)
        );
        assert_eq!(
            parse_interval("1.5s").unwrap(),
            std::time::Duration::from_millis(1500)
        );
        assert_eq!(
            parse_interval("2m").unwrap(),
            std::time::Duration::from_secs(120)
        );
        assert_eq!(
            parse_interval("100").unwrap(),
            std::time::Duration::from_millis(100)
        );
        assert!(parse_interval("soon").is_err());
        assert!(parse_interval("0s").is_err());
    }
}
