//! `pause` and `unpause`. cove puts containers in no cgroup of their own,
//! so there is no freezer to use: pausing stops every process of the
//! container with SIGSTOP and unpausing continues them with SIGCONT. A
//! marker in the container's directory, naming the run it belongs to,
//! makes `ps` and `inspect` say "paused"; a later run ignores it.

use crate::container::record::ContainerDir;
use crate::error::exit_error;
use std::path::PathBuf;

fn marker(c: &ContainerDir) -> PathBuf {
    c.path.join("paused")
}

/// The run a marker belongs to: the first process and its start time.
fn run_key(c: &ContainerDir) -> Option<String> {
    let state = c.state();
    let pid = state.live_pid()?;
    Some(format!("{pid} {}", state.pid_start.unwrap_or(0)))
}

/// Whether this run of the container is paused.
pub fn is_paused(c: &ContainerDir) -> bool {
    match std::fs::read_to_string(marker(c)) {
        Ok(text) => run_key(c).is_some_and(|k| k == text),
        Err(_) => false,
    }
}

pub fn pause(c: &ContainerDir) -> anyhow::Result<()> {
    let pid = running(c, "pause")?;
    if is_paused(c) {
        return Err(improper(c, "is already paused"));
    }
    let key = run_key(c).unwrap_or_default();
    std::fs::write(marker(c), key)?;
    // SIGSTOP is delivered when the target is next scheduled, so wait until
    // each process shows as stopped before saying "paused". Processes forked
    // between listing and stopping are caught by the next pass; a stopped
    // process forks no more.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let running: Vec<i32> = processes(pid)
            .into_iter()
            .filter(|p| !is_stopped(*p))
            .collect();
        if running.is_empty() || std::time::Instant::now() > deadline {
            break;
        }
        for p in &running {
            signal(*p, libc::SIGSTOP);
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    Ok(())
}

pub fn unpause(c: &ContainerDir) -> anyhow::Result<()> {
    let pid = running(c, "unpause")?;
    if !is_paused(c) {
        return Err(improper(c, "is not paused, can't unpause"));
    }
    resume(c, pid);
    Ok(())
}

/// Continue a paused container (before signalling it to stop: a stopped
/// process does not act on SIGTERM until continued).
pub fn resume_if_paused(c: &ContainerDir) {
    if is_paused(c) {
        if let Some(pid) = c.state().live_pid() {
            resume(c, pid);
        }
    }
}

fn resume(c: &ContainerDir, pid: i32) {
    for p in processes(pid) {
        signal(p, libc::SIGCONT);
    }
    let _ = std::fs::remove_file(marker(c));
}

fn running(c: &ContainerDir, what: &str) -> anyhow::Result<i32> {
    c.running_pid()?.ok_or_else(|| {
        exit_error(
            125,
            format!(
                "\"{}\" is not running, can't {what}: container state improper",
                c.config.id
            ),
        )
    })
}

fn improper(c: &ContainerDir, what: &str) -> anyhow::Error {
    exit_error(
        125,
        format!("\"{}\" {what}: container state improper", c.config.id),
    )
}

fn signal(pid: i32, sig: i32) {
    // SAFETY: kill with plain integers; a process gone meanwhile is ESRCH.
    unsafe { libc::kill(pid, sig) };
}

/// The container's processes: all of its pid namespace (processes `exec`
/// started are not descendants of its first), or, when it shares the
/// host's, the first process and its descendants.
fn processes(pid1: i32) -> Vec<i32> {
    let ns_of = |pid: &str| std::fs::read_link(format!("/proc/{pid}/ns/pid")).ok();
    let ns = ns_of(&pid1.to_string());
    if ns.is_some() && ns != ns_of("self") {
        let mut out = Vec::new();
        if let Ok(entries) = std::fs::read_dir("/proc") {
            for e in entries.flatten() {
                let name = e.file_name();
                let Some(pid) = name.to_str().and_then(|n| n.parse::<i32>().ok()) else {
                    continue;
                };
                if ns_of(&pid.to_string()) == ns {
                    out.push(pid);
                }
            }
        }
        return out;
    }
    let mut out = vec![pid1];
    let mut i = 0;
    while i < out.len() {
        let pid = out[i];
        for task in tasks(pid) {
            if let Ok(children) =
                std::fs::read_to_string(format!("/proc/{pid}/task/{task}/children"))
            {
                out.extend(
                    children
                        .split_whitespace()
                        .filter_map(|c| c.parse::<i32>().ok()),
                );
            }
        }
        i += 1;
    }
    out
}

fn tasks(pid: i32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a process no longer runs: stopped (T, or t under a tracer),
/// a zombie, or gone.
fn is_stopped(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| crate::container::procs::parse_stat(&s))
        .is_none_or(|st| matches!(st.state, 'T' | 't' | 'Z' | 'X'))
}
