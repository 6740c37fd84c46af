//! UDP: datagrams are relayed without the stack. Each (container port,
//! destination) pair gets its own connected host socket, dropped after a
//! quiet spell; replies come back as frames built here from the
//! destination's address. DNS to 10.0.2.3 is the same flow with the host's
//! resolver as the destination. Published UDP ports keep one gateway port
//! per host peer, so the container's replies find their way back.

use super::{Emitter, Ready};
use crate::network::ports::BoundPort;
use crate::network::ports::HostSocket;
use nix::poll::PollFlags;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

/// How long an idle outbound flow keeps its host socket.
const IDLE: Duration = Duration::from_secs(60);
/// DNS flows end with their answer; keep them briefly.
const DNS_IDLE: Duration = Duration::from_secs(10);

/// (container address, container port, destination address, destination
/// port). The address is the container's, or with routed guests (the
/// network host's uplink) the address of the container behind it.
type Key = (Ipv4Addr, u16, Ipv4Addr, u16);

struct Flow {
    sock: UdpSocket,
    last: Instant,
    idle: Duration,
}

struct Inbound {
    /// Index of the published port in the Slirp's list.
    port: usize,
    peer: SocketAddr,
    last: Instant,
}

#[derive(Default)]
pub(super) struct Udp {
    flows: HashMap<Key, Flow>,
    by_fd: HashMap<RawFd, Key>,
    /// Gateway port → the host peer of a published port.
    inbound: HashMap<u16, Inbound>,
    by_peer: HashMap<(usize, SocketAddr), u16>,
    next_port: u16,
    buf: Vec<u8>,
}

impl Udp {
    /// A datagram from the container. `target` is where it goes on the
    /// host side (None: nowhere, dropped).
    pub fn outbound(
        &mut self,
        key: Key,
        payload: &[u8],
        target: Option<SocketAddr>,
        published: &[BoundPort],
    ) {
        // A reply to a published port's peer.
        if key.2 == crate::network::GATEWAY_IP {
            if let Some(inb) = self.inbound.get_mut(&key.3) {
                if let HostSocket::Udp(s) = &published[inb.port].socket {
                    let _ = s.send_to(payload, inb.peer);
                }
                inb.last = Instant::now();
                return;
            }
        }
        let now = Instant::now();
        if let Some(flow) = self.flows.get_mut(&key) {
            flow.last = now;
            let _ = flow.sock.send(payload);
            return;
        }
        let Some(target) = target else { return };
        let bind: SocketAddr = if target.is_ipv4() {
            "0.0.0.0:0".parse().unwrap()
        } else {
            "[::]:0".parse().unwrap()
        };
        let Ok(sock) = UdpSocket::bind(bind) else {
            return;
        };
        if sock.set_nonblocking(true).is_err() || sock.connect(target).is_err() {
            return;
        }
        let _ = sock.send(payload);
        let idle = if key.2 == crate::network::DNS_IP {
            DNS_IDLE
        } else {
            IDLE
        };
        self.by_fd.insert(sock.as_raw_fd(), key);
        self.flows.insert(
            key,
            Flow {
                sock,
                last: now,
                idle,
            },
        );
    }

    /// Relay host datagrams that arrived to the container.
    pub fn relay_in(&mut self, ready: &Ready, published: &[BoundPort], emit: &mut Emitter) {
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
                match flow.sock.recv(&mut self.buf) {
                    Ok(n) => {
                        flow.last = now;
                        emit.udp((key.2, key.3), (key.0, key.1), &self.buf[..n]);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    // WouldBlock, or an ICMP error queued on the socket.
                    Err(_) => break,
                }
            }
        }
        for (index, bound) in published.iter().enumerate() {
            let HostSocket::Udp(sock) = &bound.socket else {
                continue;
            };
            if !ready.any(sock.as_raw_fd()) {
                continue;
            }
            loop {
                let (n, peer) = match sock.recv_from(&mut self.buf) {
                    Ok(r) => r,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let gport = match self.by_peer.get(&(index, peer)) {
                    Some(&p) => p,
                    None => {
                        let Some(p) = self.gateway_port() else {
                            continue;
                        };
                        self.by_peer.insert((index, peer), p);
                        self.inbound.insert(
                            p,
                            Inbound {
                                port: index,
                                peer,
                                last: now,
                            },
                        );
                        p
                    }
                };
                if let Some(inb) = self.inbound.get_mut(&gport) {
                    inb.last = now;
                }
                emit.udp(
                    (crate::network::GATEWAY_IP, gport),
                    (crate::network::CONTAINER_IP, bound.port.container_port),
                    &self.buf[..n],
                );
            }
        }
    }

    fn gateway_port(&mut self) -> Option<u16> {
        for _ in 0..16384 {
            if self.next_port < 49152 {
                self.next_port = 49152;
            }
            let port = self.next_port;
            self.next_port = self.next_port.wrapping_add(1);
            if !self.inbound.contains_key(&port) {
                return Some(port);
            }
        }
        None
    }

    /// Forget idle flows.
    pub fn expire(&mut self) {
        let now = Instant::now();
        let by_fd = &mut self.by_fd;
        self.flows.retain(|_, f| {
            let keep = now.duration_since(f.last) < f.idle;
            if !keep {
                by_fd.remove(&f.sock.as_raw_fd());
            }
            keep
        });
        let by_peer = &mut self.by_peer;
        self.inbound.retain(|_, i| {
            let keep = now.duration_since(i.last) < IDLE;
            if !keep {
                by_peer.remove(&(i.port, i.peer));
            }
            keep
        });
    }

    pub fn deadline(&self) -> Option<Instant> {
        let flows = self.flows.values().map(|f| f.last + f.idle);
        let inbound = self.inbound.values().map(|i| i.last + IDLE);
        flows.chain(inbound).min()
    }

    pub fn poll_fds(&self, out: &mut Vec<(RawFd, PollFlags)>) {
        for f in self.flows.values() {
            out.push((f.sock.as_raw_fd(), PollFlags::POLLIN));
        }
    }

    pub fn flow_count(&self) -> usize {
        self.flows.len() + self.inbound.len()
    }
}
