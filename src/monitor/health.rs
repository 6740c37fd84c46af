//! Health checks (`--health-cmd` and friends): the configuration recorded
//! with a container, and its health state in `health.json` next to it.
//!
//! A check is one `cove healthcheck run` (which execs the command in the
//! container); the monitor starts one every interval and kills it if it
//! outlives the timeout. Both update the state under `health.lock`, so a
//! check the user runs by hand and the monitor's never lose each other's
//! result.

use crate::error::exit_error;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// Entries kept in the state's log, as Podman.
const LOG_ENTRIES: usize = 5;
/// Output kept per entry.
const OUTPUT_LIMIT: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthConfig {
    /// The command: `["CMD-SHELL", "cmd"]` or `["CMD", arg...]`.
    pub test: Vec<String>,
    /// Zero: checks only run by hand (`--health-interval disable`).
    pub interval: Duration,
    pub timeout: Duration,
    pub start_period: Duration,
    pub retries: u32,
}

impl HealthConfig {
    /// From the flags; None when there is no command, or it is `none`.
    pub fn parse(
        cmd: Option<&str>,
        interval: &str,
        timeout: &str,
        start_period: &str,
        retries: u32,
    ) -> anyhow::Result<Option<HealthConfig>> {
        let Some(cmd) = cmd else {
            return Ok(None);
        };
        if cmd.is_empty() || cmd.eq_ignore_ascii_case("none") {
            return Ok(None);
        }
        // A JSON array is the exec form (`["CMD", "curl", "-f", "url"]`).
        let test = if cmd.trim_start().starts_with('[') {
            let parts: Vec<String> = serde_json::from_str(cmd).map_err(|e| {
                exit_error(
                    125,
                    format!("--health-cmd {cmd}: not a JSON array of strings: {e}"),
                )
            })?;
            match parts.first().map(String::as_str) {
                Some("CMD") | Some("CMD-SHELL") if parts.len() > 1 => parts,
                Some("NONE") => return Ok(None),
                _ => {
                    let mut with = vec!["CMD".to_string()];
                    with.extend(parts);
                    with
                }
            }
        } else {
            vec!["CMD-SHELL".to_string(), cmd.to_string()]
        };
        let duration = |flag: &str, text: &str, allow_disable: bool| -> anyhow::Result<Duration> {
            if allow_disable && text == "disable" {
                return Ok(Duration::ZERO);
            }
            crate::util::duration::parse_go_duration(text).ok_or_else(|| {
                exit_error(
                    125,
                    format!("{flag} {text}: expected a duration such as 30s or 1m30s"),
                )
            })
        };
        let interval = duration("--health-interval", interval, true)?;
        if !interval.is_zero() && interval < Duration::from_secs(1) {
            return Err(exit_error(
                125,
                format!("--health-interval {interval:?}: must be at least 1 second"),
            ));
        }
        let timeout = duration("--health-timeout", timeout, false)?;
        if timeout < Duration::from_secs(1) {
            return Err(exit_error(
                125,
                "--health-timeout must be at least 1 second",
            ));
        }
        Ok(Some(HealthConfig {
            test,
            interval,
            timeout,
            start_period: duration("--health-start-period", start_period, false)?,
            retries: retries.max(1),
        }))
    }

    /// The command line to exec in the container.
    pub fn command(&self) -> Vec<String> {
        match self.test.first().map(String::as_str) {
            Some("CMD-SHELL") => vec!["/bin/sh".into(), "-c".into(), self.test[1..].join(" ")],
            _ => self.test[1..].to_vec(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HealthState {
    /// starting, healthy or unhealthy.
    pub status: String,
    pub failing_streak: u32,
    pub log: Vec<HealthLog>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HealthLog {
    pub start: String,
    pub end: String,
    pub exit_code: i32,
    pub output: String,
}

pub const STARTING: &str = "starting";
pub const HEALTHY: &str = "healthy";
pub const UNHEALTHY: &str = "unhealthy";

impl HealthState {
    pub fn starting() -> HealthState {
        HealthState {
            status: STARTING.into(),
            failing_streak: 0,
            log: Vec::new(),
        }
    }

    /// Fold in one check's result. `in_start_period`: failures then do not
    /// count (the container is still coming up).
    pub fn record(&mut self, entry: HealthLog, retries: u32, in_start_period: bool) {
        if entry.exit_code == 0 {
            self.status = HEALTHY.into();
            self.failing_streak = 0;
        } else if !in_start_period || self.status != STARTING {
            self.failing_streak += 1;
            if self.failing_streak >= retries {
                self.status = UNHEALTHY.into();
            }
        }
        self.log.push(HealthLog {
            output: truncate(entry.output),
            ..entry
        });
        let excess = self.log.len().saturating_sub(LOG_ENTRIES);
        self.log.drain(..excess);
    }
}

fn truncate(mut s: String) -> String {
    if s.len() > OUTPUT_LIMIT {
        let mut cut = OUTPUT_LIMIT;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

fn state_path(dir: &Path) -> std::path::PathBuf {
    dir.join("health.json")
}

pub fn load(dir: &Path) -> Option<HealthState> {
    let bytes = std::fs::read(state_path(dir)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Reset to `starting` (each start of the container).
pub fn reset(dir: &Path) -> anyhow::Result<()> {
    save(dir, &HealthState::starting())
}

fn save(dir: &Path, state: &HealthState) -> anyhow::Result<()> {
    crate::sys::fsutil::write_replace(&state_path(dir), &serde_json::to_vec(state)?, 0o600)
}

/// Read, change and write the state under the health lock.
pub fn update(dir: &Path, change: impl FnOnce(&mut HealthState)) -> anyhow::Result<HealthState> {
    let file = crate::sys::fsutil::open_lock_file(&dir.join("health.lock"))?;
    let _lock = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| anyhow::anyhow!("locking the health state: {e}"))?;
    let mut state = load(dir).unwrap_or_else(HealthState::starting);
    change(&mut state);
    save(dir, &state)?;
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: i32) -> HealthLog {
        HealthLog {
            start: String::new(),
            end: String::new(),
            exit_code: code,
            output: "x".repeat(5000),
        }
    }

    #[test]
    fn parses_shell_and_exec_forms() {
        let c = HealthConfig::parse(Some("curl -f x"), "30s", "30s", "0s", 3)
            .unwrap()
            .unwrap();
        assert_eq!(c.command(), vec!["/bin/sh", "-c", "curl -f x"]);
        assert_eq!(c.interval, Duration::from_secs(30));
        let c = HealthConfig::parse(Some(r#"["CMD","true"]"#), "disable", "1s", "2s", 0)
            .unwrap()
            .unwrap();
        assert_eq!(c.command(), vec!["true"]);
        assert!(c.interval.is_zero());
        assert_eq!(c.retries, 1);
        assert!(HealthConfig::parse(Some("none"), "30s", "30s", "0s", 3)
            .unwrap()
            .is_none());
        assert!(HealthConfig::parse(Some("x"), "soon", "30s", "0s", 3).is_err());
        assert!(HealthConfig::parse(Some("x"), "10ms", "30s", "0s", 3).is_err());
        assert!(HealthConfig::parse(Some("[oops"), "30s", "30s", "0s", 3).is_err());
    }

    #[test]
    fn transitions() {
        let mut s = HealthState::starting();
        // Failures in the start period do not count while starting.
        s.record(entry(1), 2, true);
        assert_eq!((s.status.as_str(), s.failing_streak), (STARTING, 0));
        s.record(entry(1), 2, false);
        assert_eq!((s.status.as_str(), s.failing_streak), (STARTING, 1));
        s.record(entry(1), 2, false);
        assert_eq!(s.status, UNHEALTHY);
        s.record(entry(0), 2, false);
        assert_eq!((s.status.as_str(), s.failing_streak), (HEALTHY, 0));
        for _ in 0..10 {
            s.record(entry(0), 2, false);
        }
        assert_eq!(s.log.len(), LOG_ENTRIES);
        assert_eq!(s.log[0].output.len(), OUTPUT_LIMIT);
    }
}
