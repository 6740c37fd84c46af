//! `--log-level`: messages for people debugging cove, on stderr. Set once
//! at startup; a relaxed atomic read is all a message costs when off.

use std::sync::atomic::{AtomicU8, Ordering};

/// How much to say, least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Warn as u8);

pub fn set_level(level: Level) {
    let _ = START.get_or_init(std::time::Instant::now);
    LEVEL.store(level as u8, Ordering::Relaxed);
}

pub fn enabled(level: Level) -> bool {
    level as u8 >= LEVEL.load(Ordering::Relaxed)
}

/// Podman's (logrus's) two shapes: `WARN[0000] text` normally, and
/// `time="…" level=debug msg="text"` once debugging is asked for, which
/// scripts and Podman's tests grep.
pub fn log(level: Level, message: &str) {
    if enabled(level) {
        eprintln!(
            "{}",
            format_line(level, message, LEVEL.load(Ordering::Relaxed))
        );
    }
}

fn format_line(level: Level, message: &str, threshold: u8) -> String {
    if threshold <= Level::Info as u8 {
        let now = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
        let name = match level {
            Level::Warn => "warning",
            other => other.name(),
        };
        format!("time=\"{now}\" level={name} msg={message:?}")
    } else {
        let tag = match level {
            Level::Trace => "TRAC",
            Level::Debug => "DEBU",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERRO",
        };
        let secs = START.get().map(|s| s.elapsed().as_secs()).unwrap_or(0);
        format!("{tag}[{secs:04}] {message}")
    }
}

static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Podman's `--log-level` names; fatal and panic show errors only, as cove
/// has no fatal or panic messages of its own.
pub fn parse_level(name: &str) -> Option<Level> {
    Some(match name {
        "trace" => Level::Trace,
        "debug" => Level::Debug,
        "info" => Level::Info,
        "warn" | "warning" => Level::Warn,
        "error" | "fatal" | "panic" => Level::Error,
        _ => return None,
    })
}

pub fn trace(message: &str) {
    log(Level::Trace, message);
}

pub fn debug(message: &str) {
    log(Level::Debug, message);
}

pub fn info(message: &str) {
    log(Level::Info, message);
}

pub fn warn(message: &str) {
    log(Level::Warn, message);
}
