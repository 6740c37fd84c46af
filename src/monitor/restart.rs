//! Restart policies (`--restart`) and the backoff between restarts.

use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "name")]
pub enum RestartPolicy {
    #[default]
    No,
    /// Restart after a non-zero exit, at most `max_retries` times (0: no
    /// limit).
    OnFailure {
        max_retries: u32,
    },
    Always,
    UnlessStopped,
}

impl RestartPolicy {
    pub fn parse(text: &str) -> anyhow::Result<RestartPolicy> {
        let bad = || {
            crate::error::exit_error(
                125,
                format!(
                    "--restart {text}: expected no, on-failure[:MAX_RETRIES], always or unless-stopped"
                ),
            )
        };
        Ok(match text.split_once(':') {
            None => match text {
                "" | "no" => RestartPolicy::No,
                "on-failure" => RestartPolicy::OnFailure { max_retries: 0 },
                "always" => RestartPolicy::Always,
                "unless-stopped" => RestartPolicy::UnlessStopped,
                _ => return Err(bad()),
            },
            Some(("on-failure", n)) => RestartPolicy::OnFailure {
                max_retries: n.parse().map_err(|_| bad())?,
            },
            Some(_) => return Err(bad()),
        })
    }

    /// Podman's `HostConfig.RestartPolicy.Name`.
    pub fn name(self) -> &'static str {
        match self {
            RestartPolicy::No => "",
            RestartPolicy::OnFailure { .. } => "on-failure",
            RestartPolicy::Always => "always",
            RestartPolicy::UnlessStopped => "unless-stopped",
        }
    }

    pub fn max_retries(self) -> u32 {
        match self {
            RestartPolicy::OnFailure { max_retries } => max_retries,
            _ => 0,
        }
    }

    /// Whether a container that exited with `code`, after `restarts`
    /// restarts, starts again. A container the user stopped never does.
    pub fn should_restart(self, code: i32, restarts: u32, stopped_by_user: bool) -> bool {
        if stopped_by_user {
            return false;
        }
        match self {
            RestartPolicy::No => false,
            RestartPolicy::OnFailure { max_retries } => {
                code != 0 && (max_retries == 0 || restarts < max_retries)
            }
            RestartPolicy::Always | RestartPolicy::UnlessStopped => true,
        }
    }
}

/// The wait before restart number `restarts + 1`: 100 ms doubling up to a
/// minute, back to the start once a run has lasted 10 seconds (as Docker).
pub fn backoff(restarts_in_a_row: u32) -> Duration {
    let ms = 100u64.saturating_mul(1u64 << restarts_in_a_row.min(10));
    Duration::from_millis(ms.min(60_000))
}

/// A run that lasted this long resets the backoff.
pub const STABLE_RUN: Duration = Duration::from_secs(10);

/// What the monitor does after a run of the container ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// It stays stopped.
    Stop,
    /// It starts again after this wait.
    RestartAfter(Duration),
}

/// The restart bookkeeping of one monitor: the policy, the restarts so
/// far (recorded as `RestartCount`) and those in a row (the backoff).
#[derive(Debug, Clone)]
pub struct Restarts {
    policy: RestartPolicy,
    count: u32,
    in_a_row: u32,
}

impl Restarts {
    pub fn new(policy: RestartPolicy) -> Restarts {
        Restarts {
            policy,
            count: 0,
            in_a_row: 0,
        }
    }

    /// How many times the container was restarted: the current run's
    /// `RestartCount`.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// A run that lasted `ran_for` ended with `code`; `stopped_by_user`
    /// when `stop`, `kill` or `rm -f` ended it. A restart counts from here.
    pub fn after_exit(&mut self, code: i32, ran_for: Duration, stopped_by_user: bool) -> Next {
        if !self
            .policy
            .should_restart(code, self.count, stopped_by_user)
        {
            return Next::Stop;
        }
        if ran_for >= STABLE_RUN {
            self.in_a_row = 0;
        }
        let wait = backoff(self.in_a_row);
        self.in_a_row += 1;
        self.count += 1;
        Next::RestartAfter(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_podman_spellings() {
        assert_eq!(RestartPolicy::parse("no").unwrap(), RestartPolicy::No);
        assert_eq!(
            RestartPolicy::parse("on-failure:3").unwrap(),
            RestartPolicy::OnFailure { max_retries: 3 }
        );
        assert_eq!(
            RestartPolicy::parse("unless-stopped").unwrap(),
            RestartPolicy::UnlessStopped
        );
        assert!(RestartPolicy::parse("always:3").is_err());
        assert!(RestartPolicy::parse("sometimes").is_err());
        assert!(RestartPolicy::parse("on-failure:x").is_err());
    }

    #[test]
    fn decisions() {
        use RestartPolicy::*;
        let on_failure = |max_retries| OnFailure { max_retries };
        // (policy, exit code, restarts so far, stopped by the user, restart?)
        let table = [
            (No, 0, 0, false, false),
            (No, 1, 0, false, false),
            (No, 137, 0, false, false),
            (on_failure(2), 1, 0, false, true),
            (on_failure(2), 1, 1, false, true),
            (on_failure(2), 1, 2, false, false),
            (on_failure(2), 0, 0, false, false),
            (on_failure(2), 1, 0, true, false),
            (on_failure(0), 1, 1000, false, true),
            (on_failure(0), 0, 0, false, false),
            (on_failure(0), 137, 5, true, false),
            (Always, 0, 0, false, true),
            (Always, 0, 100, false, true),
            (Always, 1, 0, false, true),
            (Always, 1, 0, true, false),
            (Always, 0, 0, true, false),
            (UnlessStopped, 0, 0, false, true),
            (UnlessStopped, 3, 7, false, true),
            (UnlessStopped, 0, 0, true, false),
        ];
        for (policy, code, restarts, stopped, want) in table {
            assert_eq!(
                policy.should_restart(code, restarts, stopped),
                want,
                "{policy:?} code {code} after {restarts} restarts, stopped {stopped}"
            );
        }
    }

    #[test]
    fn restarts_count_retries_and_back_off() {
        let short = Duration::from_millis(50);
        let long = STABLE_RUN;
        let ms = |n| Next::RestartAfter(Duration::from_millis(n));
        // (exit code, how long the run lasted, stopped by the user, next,
        // restart count after)
        type Step = (i32, Duration, bool, Next, u32);
        let cases: [(RestartPolicy, &[Step]); 4] = [
            (
                RestartPolicy::OnFailure { max_retries: 3 },
                &[
                    (1, short, false, ms(100), 1),
                    (1, short, false, ms(200), 2),
                    (1, short, false, ms(400), 3),
                    // The retries are used up.
                    (1, short, false, Next::Stop, 3),
                ],
            ),
            (
                RestartPolicy::OnFailure { max_retries: 0 },
                &[
                    (2, short, false, ms(100), 1),
                    (2, short, false, ms(200), 2),
                    // A success ends it.
                    (0, short, false, Next::Stop, 2),
                ],
            ),
            (
                RestartPolicy::Always,
                &[
                    (0, short, false, ms(100), 1),
                    (0, short, false, ms(200), 2),
                    (0, short, false, ms(400), 3),
                    // A run that lasted starts the backoff over.
                    (0, long, false, ms(100), 4),
                    (0, short, false, ms(200), 5),
                    // The user's stop wins over the policy.
                    (0, short, true, Next::Stop, 5),
                ],
            ),
            (RestartPolicy::No, &[(1, short, false, Next::Stop, 0)]),
        ];
        for (policy, steps) in cases {
            let mut r = Restarts::new(policy);
            assert_eq!(r.count(), 0);
            for (i, &(code, ran, stopped, next, count)) in steps.iter().enumerate() {
                assert_eq!(
                    r.after_exit(code, ran, stopped),
                    next,
                    "{policy:?} step {i}"
                );
                assert_eq!(r.count(), count, "{policy:?} step {i}");
            }
        }
        // The backoff is capped at a minute.
        let mut r = Restarts::new(RestartPolicy::Always);
        let mut last = Next::Stop;
        for _ in 0..20 {
            last = r.after_exit(1, short, false);
        }
        assert_eq!(last, Next::RestartAfter(Duration::from_secs(60)));
    }

    #[test]
    fn backoff_doubles_to_a_cap() {
        assert_eq!(backoff(0), Duration::from_millis(100));
        assert_eq!(backoff(1), Duration::from_millis(200));
        assert_eq!(backoff(30), Duration::from_secs(60));
    }
}
