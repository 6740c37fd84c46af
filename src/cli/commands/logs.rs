//! `cove logs` and `cove attach`.

use crate::cli::{AttachArgs, LogsArgs};
use crate::container::record::{self, ContainerDir};
use crate::context::Ctx;
use crate::error::exit_error;
use crate::monitor::attach::{self, ClientOptions, Ended};
use crate::monitor::log::{Line, LogReader, Stream};
use crate::monitor::LogDriver;
use chrono::{DateTime, FixedOffset};
use std::io::Write;
use std::time::Duration;

pub fn logs(ctx: &Ctx, args: &LogsArgs) -> anyhow::Result<i32> {
    let now = chrono::Local::now().fixed_offset();
    let since = args
        .since
        .as_deref()
        .map(|t| parse_time("--since", t, now))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|t| parse_time("--until", t, now))
        .transpose()?;
    let mut containers = Vec::new();
    for given in &args.containers {
        let c = record::lookup(&ctx.paths.root, given)?;
        if c.config.log.driver != LogDriver::K8sFile {
            return Err(exit_error(
                125,
                format!(
                    "container {} uses the {} log driver, so it has no log to read",
                    c.config.name,
                    c.config.log.driver.as_str()
                ),
            ));
        }
        containers.push(c);
    }
    // As Podman: one container is never prefixed, even with --names.
    let prefix = containers.len() > 1;
    let mut readers: Vec<(ContainerDir, LogReader)> = containers
        .into_iter()
        .map(|c| {
            let r = LogReader::new(&c.log_path());
            (c, r)
        })
        .collect();
    let filter =
        |line: &Line| since.is_none_or(|s| line.time >= s) && until.is_none_or(|u| line.time <= u);
    // What is there now, with --tail applied per container.
    for (c, reader) in &mut readers {
        let running = args.follow && c.monitor_alive();
        let mut lines: Vec<Line> = reader
            .read_new(!running)
            .into_iter()
            .filter(filter)
            .collect();
        if let Some(n) = args.tail.filter(|n| *n >= 0) {
            let skip = lines.len().saturating_sub(n as usize);
            lines.drain(..skip);
        }
        print_lines(c, &lines, args.timestamps, prefix, args.names)?;
    }
    if !args.follow {
        return Ok(0);
    }
    // Follow until every container has stopped and its log is drained.
    let mut live: Vec<bool> = vec![true; readers.len()];
    while live.iter().any(|l| *l) {
        std::thread::sleep(Duration::from_millis(50));
        for (i, (c, reader)) in readers.iter_mut().enumerate() {
            if !live[i] {
                continue;
            }
            let stopped = !c.monitor_alive();
            let lines: Vec<Line> = reader
                .read_new(stopped)
                .into_iter()
                .filter(filter)
                .collect();
            print_lines(c, &lines, args.timestamps, prefix, args.names)?;
            if stopped || until.is_some_and(|u| chrono::Local::now().fixed_offset() > u) {
                live[i] = false;
            }
        }
    }
    Ok(0)
}

fn print_lines(
    c: &ContainerDir,
    lines: &[Line],
    timestamps: bool,
    prefix: bool,
    names: bool,
) -> anyhow::Result<()> {
    // Podman: the name with --names, else the short id.
    let label = if names {
        c.config.name.as_str()
    } else {
        &c.config.id[..c.config.id.len().min(12)]
    };
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    for line in lines {
        let mut text = Vec::with_capacity(line.text.len() + 64);
        if prefix {
            text.extend_from_slice(label.as_bytes());
            text.push(b' ');
        }
        if timestamps {
            text.extend_from_slice(go_rfc3339_nano(&line.time).as_bytes());
            text.push(b' ');
        }
        text.extend_from_slice(&line.text);
        if line.complete {
            text.push(b'\n');
        }
        let result = match line.stream {
            Stream::Stdout => out.write_all(&text),
            Stream::Stderr => err.write_all(&text),
        };
        if let Err(e) = result {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Err(crate::error::silent_exit(0));
            }
            return Err(e.into());
        }
    }
    out.flush()?;
    Ok(())
}

/// Go's RFC3339Nano, as Podman prints log times: trailing zeros of the
/// fraction dropped, `Z` for UTC.
fn go_rfc3339_nano(t: &DateTime<FixedOffset>) -> String {
    let mut out = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let fraction = format!("{:09}", t.timestamp_subsec_nanos());
    let fraction = fraction.trim_end_matches('0');
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    if t.offset().local_minus_utc() == 0 {
        out.push('Z');
    } else {
        out.push_str(&t.format("%:z").to_string());
    }
    out
}

/// A time for --since/--until: RFC 3339 (with or without a zone, then
/// local), a date, a Unix time with optional fraction, or a Go duration
/// (10m, 1h30m) meaning that long before now.
pub fn parse_time(
    flag: &str,
    text: &str,
    now: DateTime<FixedOffset>,
) -> anyhow::Result<DateTime<FixedOffset>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t);
    }
    let local = |naive: chrono::NaiveDateTime| {
        naive
            .and_local_timezone(chrono::Local)
            .earliest()
            .map(|t| t.fixed_offset())
    };
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(n) = chrono::NaiveDateTime::parse_from_str(text, format) {
            if let Some(t) = local(n) {
                return Ok(t);
            }
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        if let Some(t) = local(d.and_hms_opt(0, 0, 0).unwrap()) {
            return Ok(t);
        }
    }
    // Seconds and nanoseconds as integers: exact, as Podman.
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.len() <= 9
        && fraction.bytes().all(|b| b.is_ascii_digit())
    {
        let secs: i64 = whole.parse().unwrap_or(i64::MAX);
        let nanos: u32 = format!("{fraction:0<9}").parse().unwrap_or(0);
        if let Some(t) = DateTime::from_timestamp(secs, nanos) {
            return Ok(t.with_timezone(now.offset()));
        }
    }
    if let Some(d) = crate::util::duration::parse_go_duration(text) {
        if let Ok(d) = chrono::Duration::from_std(d) {
            return Ok(now - d);
        }
    }
    Err(exit_error(
        125,
        format!("{flag} {text}: expected a time (2026-11-23T10:00:00Z, 2026-11-23, a Unix time) or a duration (10m, 1h30m)"),
    ))
}

/// `cove attach`: this terminal to a detached container's input and output
/// until it exits (its exit code) or the detach keys are typed (0).
pub fn attach(ctx: &Ctx, args: &AttachArgs) -> anyhow::Result<i32> {
    let detach_keys = attach::parse_detach_keys(&args.detach_keys)?;
    let container = record::lookup(&ctx.paths.root, &args.container)?;
    let Some(pid) = container.running_pid()? else {
        return Err(exit_error(
            125,
            format!(
                "you can only attach to running containers: {} is {}",
                container.config.name,
                crate::container::inspect::live(&container).status.as_str()
            ),
        ));
    };
    let socket = attach::socket_path(&ctx.paths.runroot, &container.config.id);
    if !socket.exists() {
        return Err(exit_error(
            125,
            format!(
                "container {} runs in the foreground of the `cove run` that started it; only detached containers (run -d, start) can be attached",
                container.config.name
            ),
        ));
    }
    let opts = ClientOptions {
        stdin: !args.no_stdin && container.config.interactive,
        detach_keys,
        sig_proxy: args.sig_proxy,
        tty: container.config.tty,
        pid: Some(pid),
    };
    match attach::run_client(&socket, &opts)? {
        Ended::Exited(code) => Ok(code),
        Ended::Detached => Ok(0),
        Ended::Lost => {
            // The monitor died without a word: what the record says.
            Ok(container.state().exit_code.unwrap_or(125))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T12:00:00+00:00").unwrap();
        let t = |s: &str| parse_time("--since", s, now).unwrap();
        assert_eq!(
            t("10m"),
            DateTime::parse_from_rfc3339("2026-11-23T11:50:00+00:00").unwrap()
        );
        assert_eq!(
            t("1h30m"),
            DateTime::parse_from_rfc3339("2026-11-23T10:30:00+00:00").unwrap()
        );
        assert_eq!(
            t("2026-11-23T10:00:00.5Z"),
            DateTime::parse_from_rfc3339("2026-11-23T10:00:00.5+00:00").unwrap()
        );
        assert_eq!(t("1700000000").timestamp(), 1_700_000_000);
        assert_eq!(t("1700000000.25").timestamp_subsec_millis(), 250);
        assert!(parse_time("--since", "yesterday", now).is_err());
        assert!(parse_time("--since", "10x", now).is_err());
    }
}
