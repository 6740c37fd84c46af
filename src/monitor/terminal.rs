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

pub(super) struct UserTerminal<'a> {
    host_in: BorrowedFd<'a>,
    host_out: BorrowedFd<'a>,
    /// Restores the terminal when dropped.
    _raw: Option<RawMode<'a>>,
    /// Still reading the user's input.
    reading: bool,
}

impl UserTerminal<'static> {
    /// Take this process's stdin and stdout for the container's terminal
    /// `master`; `stdin_open`: `-i`.
    pub fn open(master: BorrowedFd<'_>, stdin_open: bool) -> anyhow::Result<Self> {
        // SAFETY: 0 and 1 stay open for the life of the process.
        let (host_in, host_out) = unsafe { (BorrowedFd::borrow_raw(0), BorrowedFd::borrow_raw(1)) };
        UserTerminal::open_on(host_in, host_out, master, stdin_open)
    }
}

impl<'a> UserTerminal<'a> {
    /// [`UserTerminal::open`] with `host_in` and `host_out` for stdin and
    /// stdout.
    fn open_on(
        host_in: BorrowedFd<'a>,
        host_out: BorrowedFd<'a>,
        master: BorrowedFd<'_>,
        stdin_open: bool,
    ) -> anyhow::Result<Self> {
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
    pub fn input(&self) -> Option<BorrowedFd<'a>> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::termios::{self, LocalFlags};
    use std::os::fd::{AsFd, AsRawFd, OwnedFd};

    /// A pty pair of `rows` x `cols`: (master, slave).
    fn pty(rows: u16, cols: u16) -> (OwnedFd, OwnedFd) {
        let size = nix::pty::Winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let p = nix::pty::openpty(Some(&size), None).unwrap();
        (p.master, p.slave)
    }

    fn canonical(fd: BorrowedFd<'_>) -> bool {
        termios::tcgetattr(fd)
            .unwrap()
            .local_flags
            .contains(LocalFlags::ICANON)
    }

    #[test]
    fn interactive_makes_the_users_terminal_raw_and_puts_it_back() {
        let _turn = tty::raw_mode_tests_take_turns();
        // The user's terminal (cove's stdin and stdout are its slave)
        // and the container's.
        let (_screen, user) = pty(33, 101);
        let (master, slave) = pty(24, 80);
        let terminal =
            UserTerminal::open_on(user.as_fd(), user.as_fd(), master.as_fd(), true).unwrap();
        assert!(!canonical(user.as_fd()));
        assert_eq!(
            terminal.input().map(|fd| fd.as_raw_fd()),
            Some(user.as_raw_fd())
        );
        // The container's terminal took the user's size.
        assert_eq!(tty::window_size(slave.as_fd()), Some((33, 101)));
        drop(terminal);
        assert!(canonical(user.as_fd()));
    }

    #[test]
    fn without_interactive_the_users_terminal_is_left_alone() {
        let (_screen, user) = pty(40, 120);
        let (master, slave) = pty(24, 80);
        let terminal =
            UserTerminal::open_on(user.as_fd(), user.as_fd(), master.as_fd(), false).unwrap();
        assert!(canonical(user.as_fd()));
        assert!(terminal.input().is_none());
        assert_eq!(tty::window_size(slave.as_fd()), Some((40, 120)));
        // SIGWINCH: the size follows.
        tty::set_window_size(user.as_fd(), 50, 132);
        terminal.copy_size(master.as_fd());
        assert_eq!(tty::window_size(slave.as_fd()), Some((50, 132)));
    }

    #[test]
    fn typed_bytes_pass_and_end_of_input_is_the_eof_character_once() {
        let (master, slave) = pty(24, 80);
        let (input, typing) = nix::unistd::pipe().unwrap();
        let (_, out) = nix::unistd::pipe().unwrap();
        let mut terminal =
            UserTerminal::open_on(input.as_fd(), out.as_fd(), master.as_fd(), true).unwrap();
        nix::unistd::write(&typing, b"ls\r").unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(terminal.read(master.as_fd(), &mut buf), b"ls\r");
        drop(typing);
        // The container's terminal is canonical: ^D (its VEOF) stands for
        // the end, once.
        assert_eq!(terminal.read(master.as_fd(), &mut buf), [4]);
        assert!(terminal.input().is_none());

        // A raw container terminal has no end of file to send.
        let mut raw = termios::tcgetattr(&slave).unwrap();
        termios::cfmakeraw(&mut raw);
        termios::tcsetattr(&slave, termios::SetArg::TCSANOW, &raw).unwrap();
        let (input, typing) = nix::unistd::pipe().unwrap();
        drop(typing);
        let mut terminal =
            UserTerminal::open_on(input.as_fd(), out.as_fd(), master.as_fd(), true).unwrap();
        assert!(terminal.read(master.as_fd(), &mut buf).is_empty());
        assert!(terminal.input().is_none());
    }
}
