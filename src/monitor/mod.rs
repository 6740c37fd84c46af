//! The container monitor: the process that is the container's parent for
//! as long as it runs. It reaps the container, records its exit, writes its
//! log, serves `attach`, runs health checks and applies the restart policy,
//! all from one poll loop ([`event_loop`]).
//!
//! Every way of running a container goes through that loop. In the
//! foreground (`run`, `start -a`) the command itself is the monitor
//! ([`run_foreground`]): it also copies the output to its own stdout and
//! stderr, or, when the container has a terminal, relays between the
//! user's terminal and the container's ([`terminal`]). For `run -d` and
//! `start`, [`spawn`] double-forks a detached process (its own session,
//! stdio on /dev/null) that re-executes cove in its hidden
//! `container-monitor` mode ([`serve`]); the command returns once the
//! container runs, or with the reason it could not start. `attach` talks
//! to a detached monitor over its socket ([`attach`], [`clients`]).
//!
//! The container's lock is handed to the monitor as an inherited
//! descriptor, so the container is never without an owner; the kernel
//! releases it when the monitor dies, however it dies.
//!
//! Modules by concern: [`supervise`] (launching, reaping, restarting),
//! [`event_loop`] (the poll loop and what it routes), [`input`] (input on
//! its way to the container), [`clients`] (attached commands),
//! [`terminal`] (the user's terminal in the foreground), [`health_checks`]
//! (the checks' processes) over [`health`] and [`restart`] (the rules, pure),
//! [`log`], [`net`] and [`detached`] (the hand-off to a detached monitor).

pub mod attach;
mod clients;
mod detached;
mod event_loop;
pub mod health;
mod health_checks;
mod input;
pub mod log;
pub mod net;
pub mod restart;
mod supervise;
mod terminal;
mod trim;

pub use detached::{serve, spawn, take_handoff, Handoff};
pub use log::{LogConfig, LogDriver};
pub use supervise::run_foreground;

use crate::network::ports::{PortMapping, PublishedPort};
use crate::network::NetworkMode;
use crate::runtime::{ContainerStdio, LaunchPlan};
use nix::unistd::Pid;

/// A file in the container's directory whose presence means "the user
/// stopped or killed it": the restart policy must not bring it back.
pub const STOP_MARKER: &str = "stopped-by-user";

/// What the monitor supervises. The monitor runs, relays and restarts a
/// process; the container layer knows what that process is and keeps its
/// records, and implements this for the monitor.
pub trait Supervised {
    /// The settings the monitor acts on.
    fn settings(&self) -> &Settings;
    /// Everything the runtime needs to launch it once with `stdio`.
    fn launch_plan(&self, stdio: ContainerStdio) -> anyhow::Result<LaunchPlan>;
    /// Record that it runs as `pid` (restarted `restarts` times, with
    /// these published ports); returns the start time.
    fn record_running(
        &self,
        pid: Pid,
        restarts: u32,
        ports: &[PublishedPort],
    ) -> anyhow::Result<String>;
    /// Record its exit.
    fn record_exit(&self, started_at: String, code: i32, restarts: u32) -> anyhow::Result<()>;
    /// Record a launch that failed before its command ran.
    fn record_failed_start(&self, code: i32);
    /// Remove it (`--rm`), with what it alone used.
    fn remove(&self) -> anyhow::Result<()>;
}

/// What the monitor needs to know about what it supervises.
#[derive(Debug, Clone)]
pub struct Settings {
    pub id: String,
    /// Its directory: the stop marker and the health state live there;
    /// gone means removed.
    pub dir: std::path::PathBuf,
    pub tty: bool,
    /// Keep stdin open (`-i`).
    pub interactive: bool,
    /// Remove it once it stops for good (`--rm`).
    pub rm: bool,
    pub restart: restart::RestartPolicy,
    pub log: LogConfig,
    pub log_path: std::path::PathBuf,
    pub health: Option<health::HealthConfig>,
    pub network: NetworkMode,
    pub ports: Vec<PortMapping>,
}
