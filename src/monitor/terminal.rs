//! The user's terminal when a container with one runs in the foreground
//! (`run -t`, `start -a`): the monitor's loop relays between this
//! process's stdin/stdout and the container's terminal master.
//!
//! - With `-i`, input is copied to the container; a stdin that is a
//!   terminal is put in raw mode meanwhile (so ^C, ^Z and ^\ are plain
//!   bytes that the container's line discipline turns into signals
//!   there), and put back however the monitor ends (the guard's drop).
//!   At end of input the terminal's EOF character (^D) is sent once, if
//!   the container's terminal is in canonical mode, so a shell or `cat`
//!   there sees end of file as with a real terminal.
//! - Without it stdin is left alone: not read, not made raw, so ^C
//!   signals cove, which forwards it.
//! - The user's window size (from stdin, else stdout) is copied to the
//!   container's terminal at start and on every SIGWINCH.

use crate::runtime::tty::{self, RawMode};
use anyhow::Context;
use std::os::fd::BorrowedFd;

pub(super) struct UserTerminal {
    host_in: BorrowedFd<'static>,
    host_out: BorrowedFd<'static>,
    /// Restores the terminal when dropped.
    _raw: Option<RawMode<'static>>,
    /// Still reading the user's input.
    reading: bool,
}

impl UserTerminal {
    /// Take this process's stdin and stdout for the container's terminal
    /// `master`; `stdin_open`: `-i`.
    pub fn open(master: BorrowedFd<'_>, stdin_open: bool) -> anyhow::Result<UserTerminal> {
        // SAFETY: 0 and 1 stay open for the life of the process.
        let (host_in, host_out) = unsafe { (BorrowedFd::borrow_raw(0), BorrowedFd::borrow_raw(1)) };
        let raw = if stdin_open && nix::unistd::isatty(host_in).unwrap_or(false) {
            Some(RawMode::enter(host_in).context("putting the terminal in raw mode")?)
        } else {
            None
        };
        let terminal = UserTerminal {
            host_in,
            host_out,
            _raw: raw,
            reading: stdin_open,
        };
        terminal.copy_size(master);
        Ok(terminal)
    }

    /// Where the user's input is read from, while it is.
    pub fn input(&self) -> Option<BorrowedFd<'static>> {
        self.reading.then_some(self.host_in)
    }

    /// Copy the user's window size to the container's terminal; the
    /// kernel then sends SIGWINCH to its foreground process group. Best
    /// effort: without a terminal there is no size to copy.
    pub fn copy_size(&self, master: BorrowedFd<'_>) {
        if let Some((rows, cols)) =
            tty::window_size(self.host_in).or_else(|| tty::window_size(self.host_out))
        {
            tty::set_window_size(master, rows, cols);
        }
    }

    /// Read what the user typed into `buf`: the bytes for the container,
    /// or at end of input (a closed stdin, a terminal that hung up) the
    /// EOF character of `master` when it is canonical, and no more reads.
    pub fn read<'b>(&mut self, master: BorrowedFd<'_>, buf: &'b mut [u8]) -> &'b [u8] {
        match nix::unistd::read(self.host_in, buf) {
            Ok(n) if n > 0 => &buf[..n],
            Err(nix::errno::Errno::EAGAIN | nix::errno::Errno::EINTR) => &[],
            _ => {
                self.reading = false;
                match tty::canonical_eof_char(master) {
                    Some(eof) => {
                        buf[0] = eof;
                        &buf[..1]
                    }
                    None => &[],
                }
            }
        }
    }
}
