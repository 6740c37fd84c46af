//! Descriptors: passing them between processes (SCM_RIGHTS), pidfds,
//! non-blocking mode and complete writes.

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::socket::{
    recvmsg, sendmsg, socketpair, AddressFamily, ControlMessage, ControlMessageOwned, MsgFlags,
    SockFlag, SockType,
};
use nix::unistd::{self, Pid};
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// A connected pair of unix sockets (close-on-exec) to pass a descriptor
/// across a fork (a terminal's master, a tap, /dev/fuse). SEQPACKET keeps
/// the one message whole and tells a dead peer (end of file) apart from a
/// message.
pub fn fd_socketpair() -> nix::Result<(OwnedFd, OwnedFd)> {
    socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
}

/// Send one file descriptor over a unix socket (SCM_RIGHTS).
pub fn send_fd(sock: BorrowedFd<'_>, fd: BorrowedFd<'_>) -> nix::Result<()> {
    let fds = [fd.as_raw_fd()];
    let cmsgs = [ControlMessage::ScmRights(&fds)];
    // One byte of payload, so the receiver never confuses the message with
    // the end of file of a peer that died.
    let iov = [IoSlice::new(b"t")];
    loop {
        match sendmsg::<()>(sock.as_raw_fd(), &iov, &cmsgs, MsgFlags::MSG_NOSIGNAL, None) {
            Err(Errno::EINTR) => continue,
            result => return result.map(drop),
        }
    }
}

/// Receive one file descriptor sent by [`send_fd`], close-on-exec.
///
/// Fails with `ECONNRESET` when the peer closed its end without sending
/// (the container died first), `EBADMSG` for a message without one.
pub fn recv_fd(sock: BorrowedFd<'_>) -> nix::Result<OwnedFd> {
    let mut byte = [0u8; 1];
    let mut iov = [IoSliceMut::new(&mut byte)];
    let mut space = nix::cmsg_space!([RawFd; 1]);
    let msg = loop {
        match recvmsg::<()>(
            sock.as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Err(Errno::EINTR) => continue,
            result => break result?,
        }
    };
    let mut received = None;
    for cmsg in msg.cmsgs()? {
        if let ControlMessageOwned::ScmRights(fds) = cmsg {
            for raw in fds {
                // SAFETY: the kernel just installed this descriptor for us;
                // nothing else owns it. Extra ones are closed by the drop.
                let fd = unsafe { OwnedFd::from_raw_fd(raw) };
                received.get_or_insert(fd);
            }
        }
    }
    match received {
        Some(fd) => Ok(fd),
        None if msg.bytes == 0 => Err(Errno::ECONNRESET),
        None => Err(Errno::EBADMSG),
    }
}

/// A pidfd for `pid`: it stays that process even if the pid is reused.
pub fn pidfd_open(pid: Pid) -> nix::Result<OwnedFd> {
    // SAFETY: pidfd_open takes two integers and returns a new descriptor.
    let fd = Errno::result(unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) })?;
    // SAFETY: a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Set O_NONBLOCK on `fd`, keeping its other flags.
pub fn set_nonblocking(fd: BorrowedFd<'_>) -> nix::Result<()> {
    let flags = OFlag::from_bits_retain(fcntl(fd, FcntlArg::F_GETFL)?);
    fcntl(fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK)).map(drop)
}

/// Write everything, waiting if `fd` happens to be non-blocking (a host
/// stdout shared with something that set O_NONBLOCK on it).
pub fn write_all(fd: BorrowedFd<'_>, mut data: &[u8]) -> nix::Result<()> {
    while !data.is_empty() {
        match unistd::write(fd, data) {
            Ok(0) => return Err(Errno::EIO),
            Ok(n) => data = &data[n..],
            Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => {
                let mut fds = [PollFd::new(fd, PollFlags::POLLOUT)];
                match poll(&mut fds, PollTimeout::NONE) {
                    Ok(_) | Err(Errno::EINTR) => {}
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
