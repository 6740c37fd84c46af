//! Podman's global flags that act before any command: the log level,
//! where standard output goes, and the remote-client flags cove refuses.

use crate::cli::GlobalOpts;
use crate::error::{exit_error, EXIT_COVE};
use crate::log::Level;
use std::os::fd::AsRawFd;

/// Check the global flags and apply them; the log level to use.
pub(super) fn apply(g: &GlobalOpts) -> anyhow::Result<Level> {
    let r = &g.remote;
    if r.remote || r.url.is_some() || r.connection.is_some() {
        return Err(exit_error(
            EXIT_COVE,
            "remote is not supported: cove is daemonless and runs containers itself \
             (unset --remote, --url, --connection, CONTAINER_HOST and CONTAINER_CONNECTION)",
        ));
    }
    if let Some(c) = r.context.as_deref().filter(|c| *c != "default") {
        return Err(exit_error(
            EXIT_COVE,
            format!("cove does not support {c}, set as argument"),
        ));
    }
    let level = level(g)?;
    if g.noout {
        redirect_stdout(std::path::Path::new("/dev/null"))?;
    } else if let Some(file) = &g.out {
        redirect_stdout(file)?;
    }
    Ok(level)
}

fn level(g: &GlobalOpts) -> anyhow::Result<Level> {
    let given = g.log_level != "warn";
    if g.debug && given {
        return Err(exit_error(
            1,
            "Setting --log-level and --debug is not allowed",
        ));
    }
    if g.debug {
        return Ok(Level::Debug);
    }
    crate::log::parse_level(&g.log_level).ok_or_else(|| {
        // Podman's line has no "Error: " before it; scripts match its start.
        eprintln!(
            "Log Level {:?} is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic",
            g.log_level
        );
        crate::error::silent_exit(1)
    })
}

/// `--noout`, `--out FILE`: the command's standard output goes there.
fn redirect_stdout(path: &std::path::Path) -> anyhow::Result<()> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(|e| exit_error(EXIT_COVE, format!("opening {}: {e}", path.display())))?;
    // SAFETY: dup2 onto descriptor 1 replaces stdout atomically; both
    // descriptors are valid and owned (the file's is closed on drop after).
    let rc = unsafe { libc::dup2(file.as_raw_fd(), 1) };
    if rc < 0 {
        return Err(exit_error(
            EXIT_COVE,
            format!("redirecting output: {}", std::io::Error::last_os_error()),
        ));
    }
    Ok(())
}
