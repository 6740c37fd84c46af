//! The monitor's health checks: a `cove healthcheck run` process started
//! when the [`Schedule`] says, killed when it overruns. The command runs
//! the check in the container and records the result itself.

use super::health::{HealthConfig, Schedule, Step};
use crate::context::Ctx;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

pub(super) struct HealthChecks {
    schedule: Schedule,
    running: Option<Child>,
}

impl HealthChecks {
    /// None when checks only run by hand.
    pub fn new(config: &HealthConfig) -> Option<HealthChecks> {
        Some(HealthChecks {
            schedule: Schedule::new(config, Instant::now())?,
            running: None,
        })
    }

    /// When the loop must wake up for us.
    pub fn next_wake(&self) -> Instant {
        self.schedule.next_wake(Instant::now())
    }

    /// Start, reap or kill a check as the schedule says.
    pub fn tick(&mut self, ctx: &Ctx, id: &str) {
        let now = Instant::now();
        let ended = match &mut self.running {
            Some(child) => matches!(child.try_wait(), Ok(Some(_)) | Err(_)),
            None => false,
        };
        match self.schedule.step(now, ended) {
            Step::Wait => {}
            Step::Ended => self.running = None,
            Step::Kill => self.stop(),
            Step::Start => {
                let spawned = Command::new("/proc/self/exe")
                    .arg("--root")
                    .arg(&ctx.paths.root)
                    .arg("--runroot")
                    .arg(&ctx.paths.runroot)
                    .args(["healthcheck", "run", id])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn();
                match spawned {
                    Ok(child) => {
                        self.running = Some(child);
                        self.schedule.started(now);
                    }
                    Err(_) => self.schedule.start_failed(now),
                }
            }
        }
    }

    /// Kill a running check (the container is gone, or it overran).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.running.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
