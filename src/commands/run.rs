//! `cove run`, `cove create` and `cove start`.

use super::Ctx;
use crate::cli::{CreateArgs, RmArgs, RunArgs, StartArgs};
use crate::container::{create, record, start};
use crate::error::{exit_error, silent_exit};

pub fn run(ctx: &Ctx, args: &RunArgs) -> anyhow::Result<i32> {
    let (container, lock) = create::create(ctx, &args.create)?;
    start::start_attached(
        ctx,
        &container,
        Some(lock),
        args.create.interactive,
        start::OnFailure::Remove,
    )
}

pub fn create(ctx: &Ctx, args: &CreateArgs) -> anyhow::Result<i32> {
    let (container, _lock) = create::create(ctx, &args.create)?;
    println!("{}", container.config.id);
    Ok(0)
}

pub fn start(ctx: &Ctx, args: &StartArgs) -> anyhow::Result<i32> {
    if !args.attach {
        return Err(exit_error(
            125,
            "starting a container in the background needs its monitor, which this version of cove does not have yet; use `cove start --attach`",
        ));
    }
    let container = record::lookup(&ctx.paths.root, &args.container)?;
    let stdin_open = args.interactive || container.config.interactive;
    start::start_attached(ctx, &container, None, stdin_open, start::OnFailure::Keep)
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
    let targets: Vec<String> = if args.all {
        record::list(&ctx.paths.root)
            .into_iter()
            .map(|c| c.config.id)
            .collect()
    } else {
        args.containers.clone()
    };
    let mut worst = 0;
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
            lock = kill_and_lock(&container);
            if !container.path.exists() {
                // Its `cove run --rm` removed it on the way out.
                println!("{}", container.config.id);
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
        let result = if args.volumes {
            start::remove_with_volumes(ctx, &container)
        } else {
            record::remove(&ctx.paths.root, &container)
        };
        match result {
            Ok(()) => println!("{}", container.config.id),
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

/// SIGKILL a container's pid 1 (which ends its pid namespace) until the
/// process running it lets go of its lock; gives the lock, or None after
/// five seconds.
fn kill_and_lock(container: &record::ContainerDir) -> Option<nix::fcntl::Flock<std::fs::File>> {
    // A container still starting has no pid yet: kill it once it has one.
    let mut killed = None;
    for _ in 0..500 {
        let pid = container.state().pid;
        if let Some(p) = pid.filter(|p| killed != Some(*p)) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(p),
                nix::sys::signal::Signal::SIGKILL,
            );
            killed = Some(p);
        }
        if !container.path.exists() {
            return None;
        }
        if let Ok(Some(lock)) = container.try_lock() {
            return Some(lock);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    None
}
