//! The commands attached to a detached monitor over its socket (`cove
//! attach`): accepting them, their input and window sizes, output framed to
//! them, and the exit code sent last. A slow client is dropped rather than
//! let stall the container.

use super::event_loop::Monitor;
use super::supervise::Running;
use super::{attach, input};
use crate::context::Ctx;
use crate::runtime::tty;
use anyhow::Context;
use nix::poll::PollFlags;
use std::os::fd::AsFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::Duration;

/// Output a slow client may fall behind by before it is dropped.
const CLIENT_BACKLOG: usize = 4 << 20;

/// A command attached over the socket.
pub(super) struct Client {
    pub stream: UnixStream,
    frames: attach::FrameReader,
    /// Output not yet accepted by the socket.
    pub pending: Vec<u8>,
}

impl Client {
    /// The poll events this client is waited for with; `take_input`: the
    /// container's input has room for more.
    pub fn events(&self, take_input: bool) -> PollFlags {
        let mut events = if take_input {
            PollFlags::POLLIN
        } else {
            PollFlags::empty()
        };
        if !self.pending.is_empty() {
            events |= PollFlags::POLLOUT;
        }
        events
    }

    fn flush(&mut self) {
        while !self.pending.is_empty() {
            match nix::unistd::write(&self.stream, &self.pending) {
                Ok(n) => {
                    self.pending.drain(..n);
                }
                Err(nix::errno::Errno::EINTR) => {}
                Err(_) => return,
            }
        }
    }
}

/// Send a chunk of output (`kind`: attach::STDOUT or STDERR) to every
/// client, dropping those too far behind.
pub(super) fn broadcast(clients: &mut Vec<Client>, kind: u8, chunk: &[u8]) {
    if clients.is_empty() {
        return;
    }
    let framed = attach::frame(kind, chunk);
    clients.retain_mut(|c| {
        c.pending.extend_from_slice(&framed);
        c.flush();
        c.pending.len() < CLIENT_BACKLOG
    });
}

/// The container's attach socket, listening.
pub(super) fn listen(ctx: &Ctx, id: &str) -> anyhow::Result<UnixListener> {
    let path = attach::socket_path(&ctx.paths.runroot, id);
    let dir = path.parent().unwrap();
    crate::sys::fsutil::create_dir_all_mode(dir, 0o700)?;
    let _ = std::fs::remove_file(&path);
    let (short, _dir) = attach::short_socket_path(&path)?;
    let listener = UnixListener::bind(&short)
        .with_context(|| format!("creating the attach socket {}", path.display()))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

impl Monitor<'_> {
    /// Take every waiting connection.
    pub(super) fn accept(&mut self) {
        let Some(listener) = &self.listener else {
            return;
        };
        while let Ok((stream, _)) = listener.accept() {
            if stream.set_nonblocking(true).is_ok() {
                self.clients.push(Client {
                    stream,
                    frames: attach::FrameReader::default(),
                    pending: Vec::new(),
                });
            }
        }
    }

    /// Handle a client's readiness; false when it is gone.
    pub(super) fn serve_client(&mut self, run: &mut Running, i: usize, ev: PollFlags) -> bool {
        let client = &mut self.clients[i];
        if ev.contains(PollFlags::POLLOUT) {
            client.flush();
        }
        if !ev.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR) {
            return true;
        }
        let n = match nix::unistd::read(client.stream.as_fd(), &mut self.buf) {
            Ok(0) => return false,
            Ok(n) => n,
            Err(nix::errno::Errno::EAGAIN | nix::errno::Errno::EINTR) => return true,
            Err(_) => return false,
        };
        client.frames.push(&self.buf[..n]);
        loop {
            match client.frames.next_frame() {
                Ok(Some((attach::STDIN, data))) => run.input.push(&data),
                Ok(Some((attach::STDIN_EOF, _))) => {
                    // A pipe's end of input; a terminal has no such thing.
                    if !run.tty {
                        run.input.end();
                    }
                }
                Ok(Some((attach::RESIZE, size))) if size.len() == 4 => {
                    if let Some(fd) = run.terminal() {
                        let rows = u16::from_le_bytes([size[0], size[1]]);
                        let cols = u16::from_le_bytes([size[2], size[3]]);
                        tty::set_window_size(fd, rows, cols);
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => return true,
                Err(attach::Malformed) => return false,
            }
        }
    }

    /// Tell attached clients the exit code and let them go. Called once
    /// the exit is recorded, so that a command run after `attach` returns
    /// sees the container exited.
    pub(super) fn end_clients(&mut self, code: i32) {
        let exit = attach::frame(attach::EXIT, &code.to_le_bytes());
        for mut c in self.clients.drain(..) {
            c.pending.extend_from_slice(&exit);
            let _ = c.stream.set_nonblocking(false);
            let _ = c.stream.set_write_timeout(Some(Duration::from_secs(1)));
            use std::io::Write;
            let _ = c.stream.write_all(&c.pending);
        }
    }

    /// Whether clients may send more input: the container's queue has room.
    pub(super) fn clients_may_type(run: &Running) -> bool {
        run.input.queued() < input::BACKLOG
    }
}
