//! smoltcp's view of the tap: frames the NAT did not take are queued here
//! for the stack; frames the stack sends are written to the tap at once.

use smoltcp::phy::{self, Checksum, ChecksumCapabilities, DeviceCapabilities, Medium};
use smoltcp::time::Instant;
use std::collections::VecDeque;
use std::os::fd::RawFd;

pub(super) struct TapDevice {
    fd: RawFd,
    /// Frames read from the tap, waiting for the stack.
    pub rx: VecDeque<Vec<u8>>,
    tx_buf: Vec<u8>,
    /// Ethernet MTU (IP MTU + 14).
    frame_mtu: usize,
}

impl TapDevice {
    pub fn new(fd: RawFd, ip_mtu: usize) -> TapDevice {
        TapDevice {
            fd,
            rx: VecDeque::new(),
            tx_buf: vec![0; ip_mtu + 14],
            frame_mtu: ip_mtu + 14,
        }
    }
}

/// Write one frame; a full tap queue drops it (TCP retransmits, UDP is
/// lossy), as a real link would.
pub(super) fn write_frame(fd: RawFd, frame: &[u8]) {
    loop {
        // SAFETY: write from a valid slice to a descriptor we own.
        let n = unsafe { libc::write(fd, frame.as_ptr().cast(), frame.len()) };
        if n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        return;
    }
}

impl phy::Device for TapDevice {
    type RxToken<'a> = RxToken;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _: Instant) -> Option<(RxToken, TxToken<'_>)> {
        let frame = self.rx.pop_front()?;
        Some((
            RxToken(frame),
            TxToken {
                fd: self.fd,
                buf: &mut self.tx_buf,
            },
        ))
    }

    fn transmit(&mut self, _: Instant) -> Option<TxToken<'_>> {
        Some(TxToken {
            fd: self.fd,
            buf: &mut self.tx_buf,
        })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = self.frame_mtu;
        // The container's kernel checksums what it sends (the tap offers no
        // offload); what we send must carry real checksums.
        let mut checksum = ChecksumCapabilities::default();
        checksum.ipv4 = Checksum::Tx;
        checksum.tcp = Checksum::Tx;
        checksum.udp = Checksum::Tx;
        checksum.icmpv4 = Checksum::Tx;
        caps.checksum = checksum;
        caps
    }
}

pub(super) struct RxToken(Vec<u8>);

impl phy::RxToken for RxToken {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

pub(super) struct TxToken<'a> {
    fd: RawFd,
    buf: &'a mut Vec<u8>,
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        if self.buf.len() < len {
            self.buf.resize(len, 0);
        }
        let result = f(&mut self.buf[..len]);
        write_frame(self.fd, &self.buf[..len]);
        result
    }
}
