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
use std::time::{Duration, Instant};

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

/// Whether a check run at `now` falls in the start period of a
/// container that started at `started_at` (RFC 3339; none or unreadable:
/// not in it).
pub fn in_start_period(
    started_at: Option<&str>,
    now: chrono::DateTime<chrono::FixedOffset>,
    start_period: Duration,
) -> bool {
    started_at
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| (now - t).to_std().unwrap_or_default() < start_period)
        .unwrap_or(false)
}

/// When the monitor runs checks: one every interval after the previous
/// one ended, never two at once, and one that outlives its limit (the
/// check's timeout plus slack for cove's own start) is killed. Pure: the
/// monitor passes the time and whether the running check has ended.
#[derive(Debug, Clone)]
pub struct Schedule {
    interval: Duration,
    limit: Duration,
    /// When the next check starts (none running).
    due: Instant,
    /// When the running check must have ended.
    deadline: Option<Instant>,
}

/// What the monitor does for the health checks now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Wait,
    /// Start a check, then call [`Schedule::started`] (or
    /// [`Schedule::start_failed`]).
    Start,
    /// The running check has ended: forget it.
    Ended,
    /// The running check overran: kill it.
    Kill,
}

/// Slack over a check's timeout for `cove healthcheck run` to start.
const CHECK_SLACK: Duration = Duration::from_secs(2);

impl Schedule {
    /// None when checks only run by hand (`--health-interval disable`).
    pub fn new(config: &HealthConfig, now: Instant) -> Option<Schedule> {
        if config.interval.is_zero() {
            return None;
        }
        Some(Schedule {
            interval: config.interval,
            limit: config.timeout + CHECK_SLACK,
            due: now + config.interval,
            deadline: None,
        })
    }

    /// When the monitor must wake up for the checks: the next check, or
    /// every 100 ms while one runs (its end is not signalled).
    pub fn next_wake(&self, now: Instant) -> Instant {
        match self.deadline {
            Some(deadline) => deadline.min(now + Duration::from_millis(100)),
            None => self.due,
        }
    }

    /// What to do at `now`; `check_ended`: whether the running check (if
    /// any) has exited.
    pub fn step(&mut self, now: Instant, check_ended: bool) -> Step {
        if let Some(deadline) = self.deadline {
            if !check_ended && now < deadline {
                return Step::Wait;
            }
            self.deadline = None;
            self.due = now + self.interval;
            return if check_ended { Step::Ended } else { Step::Kill };
        }
        if now < self.due {
            Step::Wait
        } else {
            Step::Start
        }
    }

    /// A check started at `now`.
    pub fn started(&mut self, now: Instant) {
        self.deadline = Some(now + self.limit);
    }

    /// A check could not start: try again an interval later.
    pub fn start_failed(&mut self, now: Instant) {
        self.due = now + self.interval;
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
    fn state_changes_by_table() {
        // (status, streak before, exit code, retries, in start period,
        // status and streak after)
        let table = [
            (STARTING, 0, 0, 3, false, HEALTHY, 0),
            (STARTING, 0, 0, 3, true, HEALTHY, 0),
            (STARTING, 0, 1, 3, true, STARTING, 0),
            (STARTING, 0, 1, 3, false, STARTING, 1),
            (STARTING, 2, 1, 3, false, UNHEALTHY, 3),
            (STARTING, 0, 1, 1, false, UNHEALTHY, 1),
            // Once it left `starting`, the start period no longer excuses.
            (HEALTHY, 0, 1, 3, true, HEALTHY, 1),
            (HEALTHY, 2, 1, 3, true, UNHEALTHY, 3),
            (HEALTHY, 0, 1, 1, false, UNHEALTHY, 1),
            (HEALTHY, 1, 0, 3, false, HEALTHY, 0),
            (UNHEALTHY, 3, 1, 3, false, UNHEALTHY, 4),
            (UNHEALTHY, 5, 0, 3, false, HEALTHY, 0),
            (UNHEALTHY, 5, 1, 3, true, UNHEALTHY, 6),
        ];
        for (status, streak, code, retries, in_start, want_status, want_streak) in table {
            let mut s = HealthState {
                status: status.into(),
                failing_streak: streak,
                log: Vec::new(),
            };
            s.record(entry(code), retries, in_start);
            assert_eq!(
                (s.status.as_str(), s.failing_streak),
                (want_status, want_streak),
                "{status} streak {streak}, exit {code}, retries {retries}, start period {in_start}"
            );
            assert_eq!(s.log.len(), 1);
        }
    }

    #[test]
    fn start_period() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T12:00:10+00:00").unwrap();
        let period = Duration::from_secs(30);
        assert!(in_start_period(
            Some("2026-11-23T12:00:00+00:00"),
            now,
            period
        ));
        // Another zone, same instant.
        assert!(in_start_period(
            Some("2026-11-23T13:00:00+01:00"),
            now,
            period
        ));
        assert!(!in_start_period(
            Some("2026-11-23T11:59:00+00:00"),
            now,
            period
        ));
        assert!(!in_start_period(
            Some("2026-11-23T12:00:00+00:00"),
            now,
            Duration::ZERO
        ));
        // A start time in the future (a clock step) counts as just started.
        assert!(in_start_period(
            Some("2026-11-23T12:01:00+00:00"),
            now,
            period
        ));
        assert!(!in_start_period(None, now, period));
        assert!(!in_start_period(Some("yesterday"), now, period));
    }

    #[test]
    fn schedule_runs_one_check_per_interval() {
        let config = HealthConfig {
            test: vec!["CMD".into(), "true".into()],
            interval: Duration::from_secs(10),
            timeout: Duration::from_secs(3),
            start_period: Duration::ZERO,
            retries: 3,
        };
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let mut s = Schedule::new(&config, t0).unwrap();
        assert_eq!(s.next_wake(t0), at(10));
        assert_eq!(s.step(at(9), false), Step::Wait);
        assert_eq!(s.step(at(10), false), Step::Start);
        s.started(at(10));
        // While it runs: wake often to notice its end, never a second one.
        assert_eq!(s.next_wake(at(10)), at(10) + Duration::from_millis(100));
        assert_eq!(s.step(at(11), false), Step::Wait);
        assert_eq!(s.step(at(12), true), Step::Ended);
        // The next one an interval after this one ended.
        assert_eq!(s.next_wake(at(12)), at(22));
        assert_eq!(s.step(at(21), false), Step::Wait);
        assert_eq!(s.step(at(22), false), Step::Start);
        s.started(at(22));
        // Timeout 3 s + 2 s of slack: killed at 27, not before.
        assert_eq!(s.next_wake(at(26) + Duration::from_millis(950)), at(27));
        assert_eq!(s.step(at(26), false), Step::Wait);
        assert_eq!(s.step(at(27), false), Step::Kill);
        assert_eq!(s.step(at(27), false), Step::Wait);
        assert_eq!(s.next_wake(at(27)), at(37));
        // A check that cannot start is tried again an interval later.
        assert_eq!(s.step(at(37), false), Step::Start);
        s.start_failed(at(37));
        assert_eq!(s.step(at(38), false), Step::Wait);
        assert_eq!(s.next_wake(at(38)), at(47));
        // Checks by hand only.
        let manual = HealthConfig {
            interval: Duration::ZERO,
            ..config
        };
        assert!(Schedule::new(&manual, t0).is_none());
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
