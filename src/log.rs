//! `--log-level`: messages for people debugging cove, on stderr. Set once
//! at startup; a relaxed atomic read is all a message costs when off.

use crate::cli::LogLevel;
use std::sync::atomic::{AtomicU8, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(LogLevel::Warn as u8);

pub fn set_level(level: LogLevel) {
    LEVEL.store(level as u8, Ordering::Relaxed);
}

pub fn enabled(level: LogLevel) -> bool {
    level as u8 >= LEVEL.load(Ordering::Relaxed)
}

pub fn log(level: LogLevel, message: &str) {
    if enabled(level) {
        let tag = match level {
            LogLevel::Trace => "TRAC",
            LogLevel::Debug => "DEBU",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERRO",
        };
        eprintln!("{tag}[cove] {message}");
    }
}

pub fn debug(message: &str) {
    log(LogLevel::Debug, message);
}

pub fn info(message: &str) {
    log(LogLevel::Info, message);
}

pub fn warn(message: &str) {
    log(LogLevel::Warn, message);
}
