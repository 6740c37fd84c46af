//! `cove attach`: the wire format between a detached container's monitor
//! and the commands attached to it over its unix socket, and the client.
//!
//! Every message is a frame: one kind byte, a little-endian u32 length,
//! then the payload. The monitor sends output and, when the container
//! exits, its exit code; clients send input, end of input and terminal
//! sizes. Attaching shows output from then on (history is in `cove logs`).

use crate::runtime::tty;
use anyhow::Context;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

pub const STDOUT: u8 = 1;
pub const STDERR: u8 = 2;
/// The container exited; payload: its exit code (i32 LE).
pub const EXIT: u8 = 3;
pub const STDIN: u8 = 10;
pub const STDIN_EOF: u8 = 11;
/// Terminal size; payload: rows, cols (u16 LE each).
pub const RESIZE: u8 = 12;

/// Frames larger than this are refused (a confused peer, not output).
const MAX_FRAME: usize = 1 << 20;

pub fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 5);
    out.push(kind);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// A peer that does not speak the protocol.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

/// Accumulates bytes from a socket and yields whole frames.
#[derive(Default)]
pub struct FrameReader {
    buf: Vec<u8>,
}

impl FrameReader {
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next whole frame; Err for a malformed stream.
    pub fn next_frame(&mut self) -> Result<Option<(u8, Vec<u8>)>, Malformed> {
        if self.buf.len() < 5 {
            return Ok(None);
        }
        let len = u32::from_le_bytes(self.buf[1..5].try_into().unwrap()) as usize;
        if len > MAX_FRAME {
            return Err(Malformed);
        }
        if self.buf.len() < 5 + len {
            return Ok(None);
        }
        let kind = self.buf[0];
        let payload = self.buf[5..5 + len].to_vec();
        self.buf.drain(..5 + len);
        Ok(Some((kind, payload)))
    }
}

/// The directory of a container's runtime files (its attach socket).
pub fn runtime_dir(runroot: &Path, id: &str) -> PathBuf {
    runroot.join("containers").join(id)
}

pub fn socket_path(runroot: &Path, id: &str) -> PathBuf {
    runtime_dir(runroot, id).join("attach")
}

/// A unix socket path may be at most 107 bytes; a deep runroot plus a
/// 64-character id can pass that. Going through the directory's
/// descriptor keeps the path short. Returns the path to use and the
/// descriptor that must stay open while it is used.
pub fn short_socket_path(path: &Path) -> anyhow::Result<(PathBuf, std::fs::File)> {
    let dir = path.parent().unwrap_or(Path::new("/"));
    let file = std::fs::File::open(dir)
        .with_context(|| format!("opening the runtime directory {}", dir.display()))?;
    let short = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()))
        .join(path.file_name().unwrap_or_default());
    Ok((short, file))
}

/// Parse `--detach-keys`: comma-separated keys, each a single character or
/// `ctrl-<c>` with c one of a-z, @, [, \, ], ^, _. Empty disables.
pub fn parse_detach_keys(text: &str) -> anyhow::Result<Vec<u8>> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let mut keys = Vec::new();
    for key in text.split(',') {
        let byte = if let Some(c) = key.strip_prefix("ctrl-") {
            match c.as_bytes() {
                [b @ b'a'..=b'z'] => b - b'a' + 1,
                [b'@'] => 0,
                [b @ (b'[' | b'\\' | b']' | b'^' | b'_')] => b - b'@',
                _ => return Err(bad_keys(text)),
            }
        } else if key.len() == 1 {
            key.as_bytes()[0]
        } else {
            return Err(bad_keys(text));
        };
        keys.push(byte);
    }
    Ok(keys)
}

fn bad_keys(text: &str) -> anyhow::Error {
    crate::error::exit_error(
        125,
        format!("--detach-keys {text:?}: expected keys such as ctrl-p,ctrl-q (a letter, or ctrl- and one of a-z @ [ \\ ] ^ _)"),
    )
}

/// Finds the detach sequence in typed input, holding back a partial match
/// until it is known not to be one.
pub struct DetachMatcher {
    keys: Vec<u8>,
    matched: usize,
}

impl DetachMatcher {
    pub fn new(keys: Vec<u8>) -> DetachMatcher {
        DetachMatcher { keys, matched: 0 }
    }

    /// Filter input: the bytes to pass on, and whether the whole sequence
    /// was typed (the bytes after it are dropped).
    pub fn feed(&mut self, input: &[u8]) -> (Vec<u8>, bool) {
        let mut out = Vec::with_capacity(input.len());
        if self.keys.is_empty() {
            out.extend_from_slice(input);
            return (out, false);
        }
        for &b in input {
            if b == self.keys[self.matched] {
                self.matched += 1;
                if self.matched == self.keys.len() {
                    return (out, true);
                }
            } else {
                out.extend_from_slice(&self.keys[..self.matched]);
                self.matched = 0;
                if b == self.keys[0] {
                    self.matched = 1;
                } else {
                    out.push(b);
                }
            }
        }
        (out, false)
    }
}

pub struct ClientOptions {
    /// Send our stdin to the container.
    pub stdin: bool,
    pub detach_keys: Vec<u8>,
    /// Forward signals we receive to the container (not with a terminal).
    pub sig_proxy: bool,
    /// The container has a terminal: raw mode and window sizes.
    pub tty: bool,
    /// The container's pid, for the signal proxy.
    pub pid: Option<i32>,
}

/// How an attach session ended.
pub enum Ended {
    /// The container exited with this code.
    Exited(i32),
    /// The user typed the detach keys.
    Detached,
    /// The monitor went away without saying (killed).
    Lost,
}

/// Attach this process's stdio to a running container's monitor.
pub fn run_client(socket: &Path, opts: &ClientOptions) -> anyhow::Result<Ended> {
    let (short, _dir) = short_socket_path(socket)?;
    let mut stream = UnixStream::connect(&short).map_err(|e| {
        crate::error::exit_error(
            125,
            format!("connecting to the container's monitor: {e}; is the container running?"),
        )
    })?;
    let (signals, _old) = crate::runtime::block_signals()?;
    // SAFETY: 0 and 1 stay open for the life of the process.
    let (host_in, host_out) = unsafe { (BorrowedFd::borrow_raw(0), BorrowedFd::borrow_raw(1)) };
    let _raw = if opts.tty && opts.stdin && nix::unistd::isatty(host_in).unwrap_or(false) {
        Some(tty::RawMode::enter(host_in).context("putting the terminal in raw mode")?)
    } else {
        None
    };
    if opts.tty {
        send_window_size(&mut stream, host_in, host_out);
    }
    let mut reading_stdin = opts.stdin;
    let mut detach = DetachMatcher::new(opts.detach_keys.clone());
    let mut frames = FrameReader::default();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let mut fds = vec![
            PollFd::new(stream.as_fd(), PollFlags::POLLIN),
            PollFd::new(signals.as_fd(), PollFlags::POLLIN),
        ];
        if reading_stdin {
            fds.push(PollFd::new(host_in, PollFlags::POLLIN));
        }
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
        let ready = |i: usize| {
            fds.get(i)
                .and_then(|f| f.revents())
                .is_some_and(|r| !r.is_empty())
        };
        let (sock_ready, sig_ready, in_ready) = (ready(0), ready(1), ready(2));
        drop(fds);
        if sig_ready {
            while let Ok(Some(info)) = signals.read_signal() {
                let signo = info.ssi_signo as i32;
                let proxying = opts.sig_proxy && !opts.tty;
                if signo == libc::SIGWINCH && opts.tty {
                    send_window_size(&mut stream, host_in, host_out);
                } else if !proxying && [libc::SIGINT, libc::SIGTERM, libc::SIGHUP].contains(&signo)
                {
                    // Not passed on: it ends the attach, not the container.
                    return Ok(Ended::Detached);
                } else if proxying && signo != libc::SIGCHLD && signo != libc::SIGWINCH {
                    if let Some(pid) = opts.pid {
                        // SAFETY: kill with plain integers.
                        unsafe { libc::kill(pid, signo) };
                    }
                }
            }
        }
        if in_ready {
            match nix::unistd::read(host_in, &mut buf) {
                Ok(0) | Err(_) => {
                    reading_stdin = false;
                    let _ = stream.write_all(&frame(STDIN_EOF, &[]));
                }
                Ok(n) => {
                    let (pass, detached) = detach.feed(&buf[..n]);
                    if !pass.is_empty() {
                        let _ = stream.write_all(&frame(STDIN, &pass));
                    }
                    if detached {
                        return Ok(Ended::Detached);
                    }
                }
            }
        }
        if sock_ready {
            let n = match nix::unistd::read(stream.as_fd(), &mut buf) {
                Ok(n) => n,
                Err(nix::errno::Errno::EINTR | nix::errno::Errno::EAGAIN) => continue,
                Err(_) => 0,
            };
            if n == 0 {
                return Ok(Ended::Lost);
            }
            frames.push(&buf[..n]);
            while let Ok(Some((kind, payload))) = frames.next_frame() {
                match kind {
                    STDOUT => {
                        let _ = std::io::stdout().write_all(&payload);
                        let _ = std::io::stdout().flush();
                    }
                    STDERR => {
                        let _ = std::io::stderr().write_all(&payload);
                    }
                    EXIT if payload.len() == 4 => {
                        return Ok(Ended::Exited(i32::from_le_bytes(
                            payload[..4].try_into().unwrap(),
                        )));
                    }
                    _ => {}
                }
            }
        }
    }
}

fn send_window_size(stream: &mut UnixStream, host_in: BorrowedFd, host_out: BorrowedFd) {
    if let Some((rows, cols)) = tty::window_size(host_in).or_else(|| tty::window_size(host_out)) {
        let mut payload = rows.to_le_bytes().to_vec();
        payload.extend_from_slice(&cols.to_le_bytes());
        let _ = stream.write_all(&frame(RESIZE, &payload));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_in_pieces() {
        let mut bytes = frame(STDOUT, b"hello");
        bytes.extend(frame(EXIT, &7i32.to_le_bytes()));
        let mut r = FrameReader::default();
        r.push(&bytes[..3]);
        assert_eq!(r.next_frame(), Ok(None));
        r.push(&bytes[3..]);
        assert_eq!(r.next_frame(), Ok(Some((STDOUT, b"hello".to_vec()))));
        assert_eq!(
            r.next_frame(),
            Ok(Some((EXIT, 7i32.to_le_bytes().to_vec())))
        );
        assert_eq!(r.next_frame(), Ok(None));
        let mut r = FrameReader::default();
        r.push(&[1, 0xff, 0xff, 0xff, 0xff]);
        assert!(r.next_frame().is_err());
    }

    #[test]
    fn detach_keys_parse() {
        assert_eq!(parse_detach_keys("ctrl-p,ctrl-q").unwrap(), vec![16, 17]);
        assert_eq!(parse_detach_keys("a,ctrl-[").unwrap(), vec![b'a', 27]);
        assert!(parse_detach_keys("").unwrap().is_empty());
        assert!(parse_detach_keys("ctrl-1").is_err());
        assert!(parse_detach_keys("ab").is_err());
    }

    #[test]
    fn detach_matcher_holds_back_partial_matches() {
        let mut m = DetachMatcher::new(vec![16, 17]);
        assert_eq!(m.feed(b"ab\x10"), (b"ab".to_vec(), false));
        assert_eq!(m.feed(b"c"), (b"\x10c".to_vec(), false));
        assert_eq!(m.feed(b"\x10\x10"), (b"\x10".to_vec(), false));
        assert_eq!(m.feed(b"\x11rest"), (Vec::new(), true));
        let mut none = DetachMatcher::new(Vec::new());
        assert_eq!(none.feed(b"\x10\x11"), (b"\x10\x11".to_vec(), false));
    }
}
