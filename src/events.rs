//! Events, daemonless: each command appends one JSON line per event to
//! `<runroot>/events/events.log` (one `write` on an O_APPEND descriptor,
//! so concurrent writers never tear a line) and `cove events` reads and
//! follows that file. The file is rotated to `events.log.1` past 1 MiB.
//! Writing is best effort: a command never fails for want of an event.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

const ROTATE_AT: u64 = 1 << 20;

/// One event: Podman's `Type`, `Status`, `ID`, `Name`, `Image`.
#[derive(Debug, Clone, Default)]
pub struct Event {
    pub kind: &'static str,
    pub status: &'static str,
    pub id: String,
    pub name: String,
    pub image: String,
    pub attributes: BTreeMap<String, String>,
}

pub fn log_path(runroot: &Path) -> PathBuf {
    runroot.join("events").join("events.log")
}

/// The JSON line of an event at `nanos` since the epoch, as
/// `podman events --format json` prints it.
pub fn to_json(e: &Event, nanos: i64) -> Value {
    json!({
        "ID": e.id,
        "Image": e.image,
        "Name": e.name,
        "Status": e.status,
        "Type": e.kind,
        "time": nanos / 1_000_000_000,
        "timeNano": nanos,
        "Attributes": e.attributes,
    })
}

/// Append an event; errors are only logged.
pub fn emit(runroot: &Path, e: &Event) {
    if let Err(err) = append(runroot, e) {
        crate::log::debug(&format!("writing event: {err}"));
    }
}

fn append(runroot: &Path, e: &Event) -> std::io::Result<()> {
    let path = log_path(runroot);
    let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0);
    let mut line = to_json(e, nanos).to_string();
    line.push('\n');
    let open = || {
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&path)
    };
    let mut file = match open() {
        Ok(f) => f,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(path.parent().unwrap_or(runroot))?;
            open()?
        }
        Err(err) => return Err(err),
    };
    if file.metadata()?.len() >= ROTATE_AT {
        // Whoever renames first wins; the others append to the new file.
        let _ = std::fs::rename(&path, path.with_extension("log.1"));
        file = open()?;
    }
    file.write_all(line.as_bytes())
}

/// Every stored event, oldest first (lines that do not parse skipped), and
/// the length of the current file read.
pub fn read_all(runroot: &Path) -> (Vec<Value>, u64) {
    let path = log_path(runroot);
    let mut out = Vec::new();
    if let Ok(old) = std::fs::read_to_string(path.with_extension("log.1")) {
        out.extend(parse_lines(&old));
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    // A line still being written has no newline yet: leave it for later.
    let complete = current.rfind('\n').map(|i| i + 1).unwrap_or(0);
    out.extend(parse_lines(&current[..complete]));
    (out, complete as u64)
}

/// Events appended after `offset` of the current file, and the new offset.
pub fn read_from(runroot: &Path, offset: u64) -> (Vec<Value>, u64) {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = std::fs::File::open(log_path(runroot)) else {
        return (Vec::new(), 0);
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    // Rotated meanwhile: start the new file from its beginning.
    let offset = if len < offset { 0 } else { offset };
    let mut text = String::new();
    if f.seek(SeekFrom::Start(offset)).is_err() || f.read_to_string(&mut text).is_err() {
        return (Vec::new(), offset);
    }
    let complete = text.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (parse_lines(&text[..complete]), offset + complete as u64)
}

fn parse_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(status: &'static str, id: &str) -> Event {
        Event {
            kind: "container",
            status,
            id: id.into(),
            name: "n".into(),
            image: "img".into(),
            ..Default::default()
        }
    }

    #[test]
    fn events_append_and_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        emit(dir.path(), &ev("create", "a"));
        emit(dir.path(), &ev("start", "a"));
        let (all, offset) = read_all(dir.path());
        let statuses: Vec<&str> = all.iter().map(|e| e["Status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["create", "start"]);
        assert!(all[0]["timeNano"].as_i64().unwrap() <= all[1]["timeNano"].as_i64().unwrap());
        emit(dir.path(), &ev("remove", "a"));
        let (new, _) = read_from(dir.path(), offset);
        assert_eq!(new.len(), 1);
        assert_eq!(new[0]["Status"], "remove");
    }

    #[test]
    fn concurrent_writers_never_tear_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let root = dir.path().to_path_buf();
                std::thread::spawn(move || {
                    for i in 0..200 {
                        emit(&root, &ev("start", &format!("{t}-{i}")));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let text = std::fs::read_to_string(log_path(dir.path())).unwrap();
        assert_eq!(text.lines().count(), 1600);
        assert!(text
            .lines()
            .all(|l| serde_json::from_str::<Value>(l).is_ok()));
        // Each writer's own events stay in its order.
        let (all, _) = read_all(dir.path());
        let mine: Vec<&str> = all
            .iter()
            .map(|e| e["ID"].as_str().unwrap())
            .filter(|id| id.starts_with("3-"))
            .collect();
        let want: Vec<String> = (0..200).map(|i| format!("3-{i}")).collect();
        assert_eq!(mine, want);
    }
}
