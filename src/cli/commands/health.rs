//! `cove healthcheck run`: one health check, by hand or from the monitor.

use crate::cli::HealthcheckRunArgs;
use crate::container::record::{self, ContainerDir};
use crate::context::Ctx;
use crate::error::{exit_error, silent_exit};
use crate::monitor::health::{self, HealthConfig, HealthLog};
use std::io::Read;
use std::time::{Duration, Instant};

pub fn run(ctx: &Ctx, args: &HealthcheckRunArgs) -> anyhow::Result<i32> {
    let container = record::lookup(&ctx.paths.root, &args.container)?;
    let Some(config) = container.config.healthcheck.clone() else {
        return Err(exit_error(
            125,
            format!(
                "container {} has no defined healthcheck",
                container.config.name
            ),
        ));
    };
    if container.running_pid()?.is_none() {
        return Err(exit_error(
            125,
            format!("container {} is not running", container.config.name),
        ));
    }
    let entry = check(ctx, &container, &config)?;
    let in_start_period = health::in_start_period(
        container.state().started_at.as_deref(),
        chrono::Local::now().fixed_offset(),
        config.start_period,
    );
    let passed = entry.exit_code == 0;
    let state = health::update(&container.path, |s| {
        s.record(entry, config.retries, in_start_period)
    })?;
    if passed {
        return Ok(0);
    }
    println!("{}", state.status);
    Err(silent_exit(1))
}

/// Run the check command in the container (`cove exec`), with its output
/// and a deadline.
fn check(ctx: &Ctx, container: &ContainerDir, config: &HealthConfig) -> anyhow::Result<HealthLog> {
    let start = chrono::Local::now().to_rfc3339();
    let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let read = std::fs::File::from(read);
    let write = std::fs::File::from(write);
    let mut child = std::process::Command::new("/proc/self/exe")
        .arg("--root")
        .arg(&ctx.paths.root)
        .arg("--runroot")
        .arg(&ctx.paths.runroot)
        .arg("exec")
        .arg(&container.config.id)
        .args(config.command())
        .stdin(std::process::Stdio::null())
        .stdout(write.try_clone()?)
        .stderr(write)
        .spawn()
        .map_err(|e| exit_error(125, format!("running the health check: {e}")))?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = read.take(64 * 1024).read_to_end(&mut out);
        out
    });
    let deadline = Instant::now() + config.timeout;
    let code = loop {
        if let Some(status) = child.try_wait()? {
            break status.code().unwrap_or(1);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break -1;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut output = if code == -1 {
        // The command may have left a process holding the pipe.
        format!("health check exceeded its timeout of {:?}", config.timeout)
    } else {
        String::from_utf8_lossy(&reader.join().unwrap_or_default()).to_string()
    };
    if output.ends_with('\n') {
        output.pop();
    }
    Ok(HealthLog {
        start,
        end: chrono::Local::now().to_rfc3339(),
        exit_code: if code == -1 { 1 } else { code },
        output,
    })
}
