//! Input on its way to the container: what attached clients or the user's
//! terminal typed, queued until the container's stdin pipe or terminal
//! takes it. The descriptor is non-blocking, so a container that does not
//! read its input never stalls the loop.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// Input queued for a container that does not read it before clients
/// are made to wait.
pub(super) const BACKLOG: usize = 1 << 20;

#[derive(Default)]
pub(super) struct Input {
    /// The stdin pipe or the terminal's master; none once closed (or
    /// without `-i`).
    fd: Option<OwnedFd>,
    /// Input not yet accepted by the container.
    pending: Vec<u8>,
    /// End of input was asked for: close the pipe once the queue drains.
    eof: bool,
}

impl Input {
    pub fn new(fd: Option<OwnedFd>) -> Input {
        Input {
            fd,
            pending: Vec::new(),
            eof: false,
        }
    }

    pub fn is_open(&self) -> bool {
        self.fd.is_some()
    }

    /// The descriptor, while open.
    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.fd.as_ref().map(|fd| fd.as_fd())
    }

    /// The descriptor to wait on for writing: something is queued.
    pub fn waiting(&self) -> Option<BorrowedFd<'_>> {
        self.fd().filter(|_| !self.pending.is_empty())
    }

    /// Bytes queued.
    pub fn queued(&self) -> usize {
        self.pending.len()
    }

    /// Queue `data` and write what the container takes now. Dropped when
    /// the input is closed.
    pub fn push(&mut self, data: &[u8]) {
        if self.fd.is_some() {
            self.pending.extend_from_slice(data);
            self.flush();
        }
    }

    /// End of input: close once what is queued is written.
    pub fn end(&mut self) {
        self.eof = true;
        self.flush();
    }

    /// Nobody is left to read it: drop the queue and close.
    pub fn close(&mut self) {
        self.fd = None;
        self.pending.clear();
    }

    /// Write as much of the queue as the container takes.
    pub fn flush(&mut self) {
        let Some(fd) = &self.fd else {
            self.pending.clear();
            return;
        };
        if self.pending.is_empty() && self.eof {
            self.fd = None;
            return;
        }
        while !self.pending.is_empty() {
            match nix::unistd::write(fd, &self.pending) {
                Ok(n) => {
                    self.pending.drain(..n);
                }
                Err(nix::errno::Errno::EINTR) => {}
                Err(nix::errno::Errno::EAGAIN) => return,
                Err(_) => {
                    self.close();
                    return;
                }
            }
        }
        if self.eof {
            self.fd = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::fcntl::OFlag;

    fn read_all(fd: &OwnedFd) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; 65536];
        loop {
            match nix::unistd::read(fd, &mut buf) {
                Ok(0) | Err(nix::errno::Errno::EAGAIN) => return out,
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => panic!("read: {e}"),
            }
        }
    }

    #[test]
    fn queues_what_the_container_does_not_take_and_closes_after_it() {
        let (r, w) = nix::unistd::pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK).unwrap();
        let mut input = Input::new(Some(w));
        // More than a pipe holds: the rest waits in the queue.
        let big = vec![b'x'; 256 * 1024];
        input.push(&big);
        assert!(input.queued() > 0);
        assert!(input.waiting().is_some());
        input.end();
        assert!(input.is_open(), "closed before the queue drained");
        let mut got = read_all(&r);
        while input.is_open() {
            input.flush();
            got.extend(read_all(&r));
        }
        got.extend(read_all(&r));
        assert_eq!(got.len(), big.len());
        // Closed: the reader sees end of file, later input is dropped.
        let mut buf = [0u8; 1];
        assert_eq!(nix::unistd::read(&r, &mut buf).unwrap(), 0);
        input.push(b"late");
        assert_eq!(input.queued(), 0);
    }

    #[test]
    fn a_reader_that_went_away_closes_the_input() {
        let (r, w) = nix::unistd::pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK).unwrap();
        drop(r);
        let mut input = Input::new(Some(w));
        // EPIPE (SIGPIPE is ignored in Rust programs).
        input.push(b"hello");
        assert!(!input.is_open());
        assert_eq!(input.queued(), 0);
    }
}
