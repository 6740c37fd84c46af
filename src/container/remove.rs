//! Removing a container whatever its state, as `rm -f` does: used by
//! `--replace`, `system reset` and the prunes.

use super::record::{self, ContainerDir, ContainerLock};
use crate::error::exit_error;
use std::path::Path;

/// SIGKILL a container's pid 1 (which ends its pid namespace) until the
/// process running it lets go of its lock; gives the lock, or None after
/// five seconds or when the container was removed meanwhile (its
/// `run --rm` removes it on the way out).
pub fn kill_and_lock(container: &ContainerDir) -> Option<ContainerLock> {
    mark_stopped_by_user(container);
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

/// Tell the container's monitor not to apply the restart policy: the user
/// stopped it (`stop`, `kill`, `rm -f`), as Podman does.
pub fn mark_stopped_by_user(container: &ContainerDir) {
    let _ = std::fs::write(container.path.join(crate::monitor::STOP_MARKER), b"");
}

/// What [`force_remove`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removed {
    /// Removed here.
    Removed,
    /// Its own `run --rm` removed it once killed.
    Gone,
}

/// Remove `container`, killing it first if it runs (`rm -f`). Its volumes
/// stay, as with `rm -f` without `-v`.
pub fn force_remove(root: &Path, container: &ContainerDir) -> anyhow::Result<Removed> {
    let _lock = match container.try_lock()? {
        Some(lock) => lock,
        None => match kill_and_lock(container) {
            Some(lock) => lock,
            None if !container.path.exists() => return Ok(Removed::Gone),
            None => {
                return Err(exit_error(
                    125,
                    format!(
                        "container {} did not stop after SIGKILL",
                        container.config.id
                    ),
                ))
            }
        },
    };
    record::remove(root, container)?;
    Ok(Removed::Removed)
}
