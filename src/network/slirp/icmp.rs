//! ICMP echo: the container's pings of other hosts go out through the
//! host's unprivileged ping sockets (`SOCK_DGRAM` + `IPPROTO_ICMP`), which
//! need no capability but exist only for users whose group is inside
//! `net.ipv4.ping_group_range`. Where the host refuses them the ping is
//! dropped, never answered from here: a reply we made up would fake
//! reachability.
//!
//! The kernel gives each ping socket its own echo identifier (the socket's
//! "port") and writes it over the request's, so each (container
//! identifier, destination) pair gets a socket of its own and replies get
//! the container's identifier back; sequence numbers and data pass
//! through unchanged. Replies are framed by hand, from the address the
//! container pinged (10.0.2.2, not the host's 127.0.0.1). Sockets are
//! dropped after a quiet spell, as UDP flows are.

use super::{Emitter, Ready};
use nix::poll::PollFlags;
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    EthernetAddress, EthernetFrame, EthernetProtocol, EthernetRepr, Icmpv4Message, Icmpv4Packet,
    Icmpv4Repr, IpProtocol, Ipv4Packet, Ipv4Repr,
};
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// How long an idle ping socket is kept (`ping` sends one a second).
const IDLE: Duration = Duration::from_secs(10);
/// Ping sockets open at once at most: a container cycling identifiers
/// must not run the monitor out of descriptors.
const MAX_SOCKETS: usize = 256;
/// Length of an echo message's header (type, code, checksum, id, seq).
const ECHO_HEADER: usize = 8;

/// (the container's echo identifier, the address it pinged).
type Key = (u16, Ipv4Addr);

struct Flow {
    sock: OwnedFd,
    last: Instant,
}

#[derive(Default)]
pub(super) struct Icmp {
    flows: HashMap<Key, Flow>,
    by_fd: HashMap<RawFd, Key>,
    /// A failure to open a ping socket was logged already.
    logged: bool,
    /// Echo replies relayed to the container since the start.
    relayed: u64,
    buf: Vec<u8>,
}

impl Icmp {
    /// An echo request from the container to `key.1`, which is `target` on
    /// the host's side.
    pub fn outbound(&mut self, key: Key, seq_no: u16, data: &[u8], target: Ipv4Addr) {
        let now = Instant::now();
        if !self.flows.contains_key(&key) {
            if self.flows.len() >= MAX_SOCKETS {
                return;
            }
            let sock = match open(target) {
                Ok(sock) => sock,
                Err(e) => {
                    if !self.logged {
                        self.logged = true;
                        let hint = if e.raw_os_error() == Some(libc::EACCES) {
                            " (this user's group is outside net.ipv4.ping_group_range)"
                        } else {
                            ""
                        };
                        crate::log::debug(&format!(
                            "network: the container's pings are dropped: cannot open an ICMP \
                             socket to {target}: {e}{hint}"
                        ));
                    }
                    return;
                }
            };
            self.by_fd.insert(sock.as_raw_fd(), key);
            self.flows.insert(key, Flow { sock, last: now });
        }
        let flow = self.flows.get_mut(&key).unwrap();
        flow.last = now;
        let message = echo_request(seq_no, data);
        loop {
            // SAFETY: send from our own buffer on our own connected socket.
            let n = unsafe {
                libc::send(
                    flow.sock.as_raw_fd(),
                    message.as_ptr().cast(),
                    message.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            // Sent, or lost as on any network (full buffer, unreachable).
            return;
        }
    }

    /// Relay the replies that arrived to the container.
    pub fn relay_in(&mut self, ready: &Ready, emit: &mut Emitter) {
        if self.buf.is_empty() {
            self.buf = vec![0; 65536];
        }
        let now = Instant::now();
        let keys: Vec<Key> = ready
            .fds()
            .filter_map(|fd| self.by_fd.get(&fd).copied())
            .collect();
        for key in keys {
            let flow = self.flows.get_mut(&key).unwrap();
            loop {
                // SAFETY: receive into our own buffer from our own socket.
                let n = unsafe {
                    libc::recv(
                        flow.sock.as_raw_fd(),
                        self.buf.as_mut_ptr().cast(),
                        self.buf.len(),
                        libc::MSG_DONTWAIT,
                    )
                };
                if n < 0 {
                    if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                        continue;
                    }
                    // EAGAIN, or an ICMP error reported on the socket.
                    break;
                }
                // An IPv4 ping socket hands over the ICMP message alone.
                if let Some((seq_no, data)) = parse_reply(&self.buf[..n as usize]) {
                    flow.last = now;
                    self.relayed += 1;
                    emit.echo_reply(key.1, key.0, seq_no, data);
                }
            }
        }
    }

    /// Forget idle sockets.
    pub fn expire(&mut self) {
        let now = Instant::now();
        let by_fd = &mut self.by_fd;
        self.flows.retain(|_, f| {
            let keep = now.duration_since(f.last) < IDLE;
            if !keep {
                by_fd.remove(&f.sock.as_raw_fd());
            }
            keep
        });
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.flows.values().map(|f| f.last + IDLE).min()
    }

    pub fn poll_fds(&self, out: &mut Vec<(RawFd, PollFlags)>) {
        for f in self.flows.values() {
            out.push((f.sock.as_raw_fd(), PollFlags::POLLIN));
        }
    }

    pub fn flow_count(&self) -> usize {
        self.flows.len()
    }

    pub fn relayed(&self) -> u64 {
        self.relayed
    }
}

/// A non-blocking ping socket connected to `target`.
fn open(target: Ipv4Addr) -> std::io::Result<OwnedFd> {
    // SAFETY: plain socket(2); the descriptor is owned at once.
    let fd = unsafe {
        libc::socket(
            libc::AF_INET,
            libc::SOCK_DGRAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            libc::IPPROTO_ICMP,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor nobody else owns.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    let addr = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr {
            s_addr: u32::from(target).to_be(),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: connect with a valid sockaddr_in and its size; a datagram
    // connect only records the peer, it never blocks.
    let rc = unsafe {
        libc::connect(
            sock.as_raw_fd(),
            (&addr as *const libc::sockaddr_in).cast(),
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(sock)
}

/// The echo request to hand to a ping socket: the kernel fills in the
/// identifier and the checksum, so both are left zero.
fn echo_request(seq_no: u16, data: &[u8]) -> Vec<u8> {
    let mut message = vec![0; ECHO_HEADER + data.len()];
    message[0] = u8::from(Icmpv4Message::EchoRequest);
    message[6..8].copy_from_slice(&seq_no.to_be_bytes());
    message[ECHO_HEADER..].copy_from_slice(data);
    message
}

/// The sequence number and data of an echo reply read from a ping socket
/// (whose identifier is the socket's, not the container's); None for
/// anything else.
fn parse_reply(message: &[u8]) -> Option<(u16, &[u8])> {
    let packet = Icmpv4Packet::new_checked(message).ok()?;
    if packet.msg_type() != Icmpv4Message::EchoReply || packet.msg_code() != 0 {
        return None;
    }
    Some((packet.echo_seq_no(), &message[ECHO_HEADER..]))
}

/// Build the frame of an echo reply from `src` to the container, with the
/// container's own identifier, into `buf`; its length, or None when it
/// does not fit the link's MTU (dropped: we do not fragment).
pub(super) fn echo_reply_frame(
    buf: &mut Vec<u8>,
    guest_mac: EthernetAddress,
    ip_mtu: usize,
    src: Ipv4Addr,
    ident: u16,
    seq_no: u16,
    data: &[u8],
) -> Option<usize> {
    let icmp = Icmpv4Repr::EchoReply {
        ident,
        seq_no,
        data,
    };
    let ip = Ipv4Repr {
        src_addr: src,
        dst_addr: crate::network::CONTAINER_IP,
        next_header: IpProtocol::Icmp,
        payload_len: icmp.buffer_len(),
        hop_limit: 64,
    };
    if ip.buffer_len() + ip.payload_len > ip_mtu {
        return None;
    }
    let eth = EthernetRepr {
        src_addr: EthernetAddress(crate::network::GATEWAY_MAC),
        dst_addr: guest_mac,
        ethertype: EthernetProtocol::Ipv4,
    };
    let len = eth.buffer_len() + ip.buffer_len() + ip.payload_len;
    buf.clear();
    buf.resize(len, 0);
    let caps = ChecksumCapabilities::default();
    let mut frame = EthernetFrame::new_unchecked(&mut buf[..]);
    eth.emit(&mut frame);
    let mut packet = Ipv4Packet::new_unchecked(frame.payload_mut());
    ip.emit(&mut packet, &caps);
    icmp.emit(
        &mut Icmpv4Packet::new_unchecked(packet.payload_mut()),
        &caps,
    );
    Some(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{CONTAINER_IP, GATEWAY_IP, GATEWAY_MAC, GUEST_MAC};

    /// RFC 1071 by hand, not smoltcp's: a message with a right checksum
    /// sums to 0xffff.
    fn sums_to_ones(bytes: &[u8]) -> bool {
        let mut sum: u32 = 0;
        for pair in bytes.chunks(2) {
            let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
            sum += u32::from(word);
        }
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        sum == 0xffff
    }

    #[test]
    fn request_leaves_id_and_checksum_to_the_kernel() {
        let m = echo_request(0x0102, b"abc");
        assert_eq!(m, [8, 0, 0, 0, 0, 0, 1, 2, b'a', b'b', b'c']);
    }

    #[test]
    fn reply_keeps_sequence_and_data_but_not_the_kernels_id() {
        // A reply as the kernel hands it: identifier 0x4242 is the socket's.
        let mut m = vec![0u8, 0, 0, 0, 0x42, 0x42, 0, 7, 1, 2, 3];
        Icmpv4Packet::new_unchecked(&mut m[..]).fill_checksum();
        assert_eq!(parse_reply(&m), Some((7, &[1u8, 2, 3][..])));
        // Not a reply: an echo request, an error, a truncated header.
        m[0] = 8;
        assert_eq!(parse_reply(&m), None);
        m[0] = 3;
        assert_eq!(parse_reply(&m), None);
        assert_eq!(parse_reply(&[0, 0, 0]), None);
    }

    #[test]
    fn reply_frame_is_from_the_pinged_address_with_the_containers_id() {
        let mut buf = Vec::new();
        let mac = EthernetAddress(GUEST_MAC);
        let data = b"0123456789abcdefXYZ";
        let len = echo_reply_frame(&mut buf, mac, 1500, GATEWAY_IP, 0xbeef, 513, data).unwrap();
        assert_eq!(len, 14 + 20 + 8 + data.len());
        let frame = EthernetFrame::new_checked(&buf[..len]).unwrap();
        assert_eq!(frame.dst_addr(), mac);
        assert_eq!(frame.src_addr(), EthernetAddress(GATEWAY_MAC));
        assert_eq!(frame.ethertype(), EthernetProtocol::Ipv4);
        let ip = Ipv4Packet::new_checked(frame.payload()).unwrap();
        assert!(ip.verify_checksum());
        assert!(sums_to_ones(&frame.payload()[..20]));
        assert_eq!(ip.src_addr(), GATEWAY_IP);
        assert_eq!(ip.dst_addr(), CONTAINER_IP);
        assert_eq!(ip.next_header(), IpProtocol::Icmp);
        assert_eq!(ip.total_len() as usize, 20 + 8 + data.len());
        let icmp = Icmpv4Packet::new_checked(ip.payload()).unwrap();
        assert!(icmp.verify_checksum());
        assert!(sums_to_ones(ip.payload()));
        assert_eq!(icmp.msg_type(), Icmpv4Message::EchoReply);
        assert_eq!(icmp.msg_code(), 0);
        assert_eq!(icmp.echo_ident(), 0xbeef);
        assert_eq!(icmp.echo_seq_no(), 513);
        assert_eq!(icmp.data(), data);
        // An odd length checksums too (the last byte is padded).
        let len = echo_reply_frame(&mut buf, mac, 1500, GATEWAY_IP, 1, 2, b"x").unwrap();
        let ip = Ipv4Packet::new_checked(&buf[14..len]).unwrap();
        assert!(sums_to_ones(ip.payload()));
    }

    #[test]
    fn reply_too_big_for_the_link_is_dropped() {
        let mut buf = Vec::new();
        let mac = EthernetAddress(GUEST_MAC);
        let data = vec![0u8; 1500 - 28];
        assert!(echo_reply_frame(&mut buf, mac, 1500, GATEWAY_IP, 1, 1, &data).is_some());
        let data = vec![0u8; 1500 - 27];
        assert!(echo_reply_frame(&mut buf, mac, 1500, GATEWAY_IP, 1, 1, &data).is_none());
    }
}
