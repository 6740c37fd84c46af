//! `cove stop` and `cove restart`.

use crate::cli::{RestartArgs, StopArgs};
use crate::container::remove::mark_stopped_by_user;
use crate::container::{record, start};
use crate::context::Ctx;
use crate::error::{exit_error, silent_exit};
use std::time::{Duration, Instant};

/// How long to wait for a container after SIGKILL before giving up.
const AFTER_KILL: Duration = Duration::from_secs(5);

pub fn stop(ctx: &Ctx, args: &StopArgs) -> anyhow::Result<i32> {
    let targets = targets(ctx, &args.containers, args.all, true)?;
    // Side by side, as Podman: ten containers that ignore SIGTERM take ten
    // seconds to stop, not a hundred.
    let results: Vec<(String, anyhow::Result<()>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = targets
            .into_iter()
            .map(|given| {
                scope.spawn(move || {
                    let result = record::lookup(&ctx.paths.root, &given).and_then(|c| {
                        stop_container(&c, args.time)?;
                        super::events::container(ctx, &c, "stop");
                        Ok(())
                    });
                    (given, result)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut worst = 0;
    for (given, result) in results {
        match result {
            Ok(()) => println!("{given}"),
            Err(e) if args.ignore && crate::error::exit_code(&e) == 125 && is_missing(&e) => {}
            Err(e) => {
                eprintln!("Error: {}", crate::error::describe(&e));
                worst = 125;
            }
        }
    }
    if worst != 0 {
        return Err(silent_exit(worst));
    }
    Ok(0)
}

pub fn restart(ctx: &Ctx, args: &RestartArgs) -> anyhow::Result<i32> {
    let targets = targets(ctx, &args.containers, args.all, args.running)?;
    let mut failed = false;
    for given in targets {
        let result = record::lookup(&ctx.paths.root, &given).and_then(|c| {
            match stop_container(&c, args.time)? {
                Some(lock) => start::start_detached(ctx, &c, Some(lock)),
                None => Err(exit_error(
                    125,
                    format!("container {given} was removed when it stopped (--rm)"),
                )),
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

fn is_missing(e: &anyhow::Error) -> bool {
    crate::error::describe(e).contains("no such container")
}

/// The containers named, or with `all` every container (only running
/// ones with `running_only`), as ids.
fn targets(
    ctx: &Ctx,
    given: &[String],
    all: bool,
    running_only: bool,
) -> anyhow::Result<Vec<String>> {
    if all {
        return Ok(record::list(&ctx.paths.root)
            .into_iter()
            .filter(|c| !running_only || c.monitor_alive())
            .map(|c| c.config.id)
            .collect());
    }
    if given.is_empty() {
        return Err(exit_error(
            125,
            "give at least one container name or id, or --all",
        ));
    }
    Ok(given.to_vec())
}

/// Stop a container: its stop signal, then SIGKILL after `timeout`
/// seconds (default: its `--stop-timeout`); returns its lock once its
/// monitor has let go, or None when it removed the container on the way
/// out (`--rm`). A stopped container is left as it is.
pub fn stop_container(
    container: &record::ContainerDir,
    timeout: Option<u64>,
) -> anyhow::Result<Option<record::ContainerLock>> {
    if let Some(lock) = container.try_lock()? {
        return Ok(Some(lock));
    }
    mark_stopped_by_user(container);
    let timeout = Duration::from_secs(timeout.unwrap_or(container.config.stop_timeout));
    let mut signalled = None;
    let mut killed = false;
    let started = Instant::now();
    loop {
        // A container between restarts has no pid until it runs again (the
        // marker keeps that from happening).
        let pid = container.state().pid;
        if let Some(pid) = pid.filter(|p| signalled != Some(*p)) {
            // SAFETY: kill with plain integers.
            unsafe { libc::kill(pid, container.config.stop_signal) };
            signalled = Some(pid);
            crate::container::pause::resume_if_paused(container);
        }
        if !killed && started.elapsed() >= timeout {
            if let Some(pid) = container.state().pid {
                // SAFETY: as above.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            killed = true;
        }
        if killed && started.elapsed() >= timeout + AFTER_KILL {
            return Err(exit_error(
                125,
                format!(
                    "container {} did not stop after SIGKILL",
                    container.config.name
                ),
            ));
        }
        match container.try_lock() {
            Ok(Some(lock)) => return Ok(Some(lock)),
            Ok(None) => {}
            Err(_) if !container.path.exists() => return Ok(None),
            Err(e) => return Err(e),
        }
        if !container.path.exists() {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
