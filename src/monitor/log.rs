//! Container logs in Podman's `k8s-file` format: one line per chunk of a
//! stream, `<RFC 3339 time with nanoseconds> <stdout|stderr> <F|P> <text>`,
//! where `P` marks a partial line continued by the next entry of the same
//! stream and `F` ends a line. Plain text, appended with one write per
//! chunk, so readers (`cove logs -f`) never see half an entry.
//!
//! With `--log-opt max-size` the file is truncated when the next write
//! would pass the cap, as conmon does; followers notice the shrink.

use std::fs::File;
use std::io::{BufRead, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// `--log-driver`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogDriver {
    #[default]
    K8sFile,
    None,
    Passthrough,
}

impl LogDriver {
    pub fn parse(text: &str) -> anyhow::Result<LogDriver> {
        match text {
            "k8s-file" => Ok(LogDriver::K8sFile),
            "none" => Ok(LogDriver::None),
            "passthrough" => Ok(LogDriver::Passthrough),
            "journald" => Err(crate::error::exit_error(
                125,
                "--log-driver journald: cove does not write to the journal; use k8s-file (the default), passthrough or none",
            )),
            _ => Err(crate::error::exit_error(
                125,
                format!("--log-driver {text}: expected k8s-file, passthrough or none"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LogDriver::K8sFile => "k8s-file",
            LogDriver::None => "none",
            LogDriver::Passthrough => "passthrough",
        }
    }
}

/// The log settings recorded with a container.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct LogConfig {
    pub driver: LogDriver,
    /// `--log-opt max-size`: bytes.
    pub max_size: Option<u64>,
}

impl LogConfig {
    /// From `--log-driver` and `--log-opt` values.
    pub fn parse(driver: Option<&str>, opts: &[String]) -> anyhow::Result<LogConfig> {
        let mut cfg = LogConfig {
            driver: match driver {
                Some(d) => LogDriver::parse(d)?,
                None => LogDriver::K8sFile,
            },
            max_size: None,
        };
        for opt in opts {
            match opt.split_once('=') {
                Some(("max-size", v)) => {
                    let size = crate::util::size::parse_size(v)
                        .map_err(|e| crate::error::exit_error(125, format!("--log-opt {opt}: {e:#}")))?;
                    cfg.max_size = (size > 0).then_some(size);
                }
                Some(("path", _)) | Some(("tag", _)) => {
                    return Err(crate::error::exit_error(
                        125,
                        format!("--log-opt {opt}: not supported by cove; the log is always the container's ctr.log"),
                    ))
                }
                _ => {
                    return Err(crate::error::exit_error(
                        125,
                        format!("--log-opt {opt}: expected max-size=SIZE"),
                    ))
                }
            }
        }
        Ok(cfg)
    }
}

/// Appends a container's output to its log file.
pub struct LogWriter {
    file: File,
    max_size: Option<u64>,
    size: u64,
}

impl LogWriter {
    pub fn open(path: &Path, max_size: Option<u64>) -> anyhow::Result<LogWriter> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(path)
            .map_err(|e| anyhow::anyhow!("opening the log file {}: {e}", path.display()))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(LogWriter {
            file,
            max_size,
            size,
        })
    }

    /// Record a chunk the container wrote. Errors (a full disk) are
    /// dropped: the container must keep running and its output keeps
    /// reaching attached clients.
    pub fn write(&mut self, stream: Stream, chunk: &[u8]) {
        let entries = format_entries(&timestamp_now(), stream, chunk);
        if let Some(max) = self.max_size {
            if self.size + entries.len() as u64 > max {
                if self.file.set_len(0).is_ok() {
                    self.size = 0;
                }
                if entries.len() as u64 > max {
                    return;
                }
            }
        }
        if self.file.write_all(&entries).is_ok() {
            self.size += entries.len() as u64;
        }
    }
}

pub fn timestamp_now() -> String {
    chrono::Local::now()
        .format("%Y-%m-%dT%H:%M:%S%.9f%:z")
        .to_string()
}

/// The log entries for one chunk of output.
pub fn format_entries(time: &str, stream: Stream, chunk: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(chunk.len() + 48);
    let mut rest = chunk;
    while !rest.is_empty() {
        let (line, tag, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], b'F', &rest[i + 1..]),
            None => (rest, b'P', &rest[rest.len()..]),
        };
        out.extend_from_slice(time.as_bytes());
        out.push(b' ');
        out.extend_from_slice(stream.as_str().as_bytes());
        out.push(b' ');
        out.push(tag);
        out.push(b' ');
        out.extend_from_slice(line);
        out.push(b'\n');
        rest = next;
    }
    out
}

/// One whole line of output, reassembled from its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub time: chrono::DateTime<chrono::FixedOffset>,
    pub stream: Stream,
    pub text: Vec<u8>,
    /// False for output that did not end with a newline (yet).
    pub complete: bool,
}

/// Parse one entry: (time, stream, complete, text).
fn parse_entry(raw: &[u8]) -> Option<(chrono::DateTime<chrono::FixedOffset>, Stream, bool, &[u8])> {
    let mut parts = raw.splitn(4, |&b| b == b' ');
    let time = std::str::from_utf8(parts.next()?).ok()?;
    let time = chrono::DateTime::parse_from_rfc3339(time).ok()?;
    let stream = match parts.next()? {
        b"stdout" => Stream::Stdout,
        b"stderr" => Stream::Stderr,
        _ => return None,
    };
    let complete = match parts.next()? {
        b"F" => true,
        b"P" => false,
        _ => return None,
    };
    Some((time, stream, complete, parts.next().unwrap_or(b"")))
}

/// Reads a log file entry by entry, joining partial entries into lines;
/// resumable, for `logs -f`.
pub struct LogReader {
    path: PathBuf,
    file: Option<std::io::BufReader<File>>,
    offset: u64,
    /// Partial lines per stream, waiting for their end.
    pending: [Option<Line>; 2],
}

impl LogReader {
    pub fn new(path: &Path) -> LogReader {
        LogReader {
            path: path.to_path_buf(),
            file: None,
            offset: 0,
            pending: [None, None],
        }
    }

    /// Every whole line written since the last call. With `flush`, output
    /// still waiting for its newline is returned too (the container has
    /// exited, nothing will complete it).
    pub fn read_new(&mut self, flush: bool) -> Vec<Line> {
        let mut lines = Vec::new();
        if self.file.is_none() {
            if let Ok(f) = File::open(&self.path) {
                self.file = Some(std::io::BufReader::new(f));
            }
        }
        if let Some(reader) = self.file.as_mut() {
            // Truncated by the size cap: start again from the top.
            let len = reader.get_ref().metadata().map(|m| m.len()).unwrap_or(0);
            if len < self.offset {
                use std::io::Seek;
                let _ = reader.seek(std::io::SeekFrom::Start(0));
                self.offset = 0;
            }
            let mut raw = Vec::new();
            loop {
                raw.clear();
                match reader.read_until(b'\n', &mut raw) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if raw.last() != Some(&b'\n') {
                            // An entry being written: read it next time.
                            use std::io::Seek;
                            let _ = reader.seek(std::io::SeekFrom::Current(-(n as i64)));
                            break;
                        }
                        self.offset += n as u64;
                        raw.pop();
                        if let Some((time, stream, complete, text)) = parse_entry(&raw) {
                            let slot = &mut self.pending[stream as usize];
                            let line = match slot.take() {
                                Some(mut l) => {
                                    l.text.extend_from_slice(text);
                                    l
                                }
                                None => Line {
                                    time,
                                    stream,
                                    text: text.to_vec(),
                                    complete: false,
                                },
                            };
                            if complete {
                                lines.push(Line {
                                    complete: true,
                                    ..line
                                });
                            } else {
                                *slot = Some(line);
                            }
                        }
                    }
                }
            }
        }
        if flush {
            for slot in &mut self.pending {
                if let Some(line) = slot.take() {
                    lines.push(line);
                }
            }
            lines.sort_by_key(|l| l.time);
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_config_parses() {
        let c = LogConfig::parse(None, &["max-size=1k".into()]).unwrap();
        assert_eq!(c.driver, LogDriver::K8sFile);
        assert_eq!(c.max_size, Some(1024));
        assert_eq!(
            LogConfig::parse(Some("none"), &[]).unwrap().driver,
            LogDriver::None
        );
        assert!(LogConfig::parse(Some("journald"), &[]).is_err());
        assert!(LogConfig::parse(None, &["max-file=3".into()]).is_err());
    }

    const T: &str = "2026-11-23T10:00:00.000000001+01:00";

    #[test]
    fn entries_split_lines_and_mark_partials() {
        let out = format_entries(T, Stream::Stdout, b"one\ntwo\nthr");
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            format!("{T} stdout F one\n{T} stdout F two\n{T} stdout P thr\n")
        );
        let out = format_entries(T, Stream::Stderr, b"\n");
        assert_eq!(String::from_utf8(out).unwrap(), format!("{T} stderr F \n"));
    }

    #[test]
    fn reader_joins_partials_per_stream() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let mut w = LogWriter::open(&path, None).unwrap();
        w.write(Stream::Stdout, b"hel");
        w.write(Stream::Stderr, b"err\n");
        w.write(Stream::Stdout, b"lo\nnext");
        let mut r = LogReader::new(&path);
        let lines = r.read_new(false);
        let texts: Vec<_> = lines.iter().map(|l| (l.stream, l.text.clone())).collect();
        assert_eq!(
            texts,
            vec![
                (Stream::Stderr, b"err".to_vec()),
                (Stream::Stdout, b"hello".to_vec())
            ]
        );
        assert!(r.read_new(false).is_empty());
        w.write(Stream::Stdout, b"!\n");
        let lines = r.read_new(false);
        assert_eq!(lines[0].text, b"next!");
        w.write(Stream::Stdout, b"tail");
        let lines = r.read_new(true);
        assert_eq!(lines[0].text, b"tail");
        assert!(!lines[0].complete);
    }

    #[test]
    fn size_cap_truncates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let mut w = LogWriter::open(&path, Some(200)).unwrap();
        for _ in 0..20 {
            w.write(Stream::Stdout, b"0123456789\n");
        }
        assert!(std::fs::metadata(&path).unwrap().len() <= 200);
        let mut r = LogReader::new(&path);
        assert!(!r.read_new(false).is_empty());
    }

    #[test]
    fn bad_entries_are_skipped() {
        assert!(parse_entry(b"garbage").is_none());
        assert!(parse_entry(format!("{T} stdin F x").as_bytes()).is_none());
        let entry = format!("{T} stdout F a b");
        let (_, s, c, t) = parse_entry(entry.as_bytes()).unwrap();
        assert_eq!((s, c, t), (Stream::Stdout, true, &b"a b"[..]));
    }
}
