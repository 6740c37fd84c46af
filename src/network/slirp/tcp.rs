//! TCP: the container's connections become host connections and published
//! ports' connections enter the container, each relayed through one smoltcp
//! socket.
//!
//! Outbound NAT: smoltcp has no "accept any destination" socket, so the
//! NAT looks at every frame before the stack does. A SYN that opens a new
//! flow is held back while a non-blocking host connect to its destination
//! runs. Connected: a listening socket bound to exactly that destination
//! (address and port; the interface runs with `any_ip`) is added and the
//! held SYN is handed to the stack, which completes the handshake on it.
//! Refused or unreachable: the SYN is handed over with no socket to take
//! it, and the stack answers with a RST, so the container sees "connection
//! refused" as it would on a real network. Two SYNs for the same
//! destination may be taken by each other's listener; both host
//! connections go to that same destination, so that is harmless. A
//! listener left without its SYN is removed at once.

use super::Ready;
use smoltcp::iface::{Interface, SocketHandle, SocketSet};
use smoltcp::socket::tcp::{self, SocketBuffer, State};
use smoltcp::wire::{IpAddress, IpListenEndpoint};
use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Instant;

use nix::poll::PollFlags;

/// Per-connection buffers. The receive buffer sets the window the
/// container sees (scaled past 64 KiB); 256 KiB keeps a loopback transfer
/// at full speed while a thousand idle connections cost little (the pages
/// are only touched as data passes).
const RX_BUFFER: usize = 256 * 1024;
const TX_BUFFER: usize = 256 * 1024;
/// How long a container's SYN may wait for its host connect.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(75);

/// A flow as the container sees it: (its address, its port, destination
/// address, destination port).
pub(super) type Key = (Ipv4Addr, u16, Ipv4Addr, u16);

struct Flow {
    host: TcpStream,
    key: Option<Key>,
    /// The gateway port of an inbound (published) connection.
    gateway_port: Option<u16>,
    /// The host sent its end of file (or failed): the socket is closed.
    read_closed: bool,
    /// The container's FIN was passed on (shutdown of the host's write side).
    write_closed: bool,
    /// The host did not take everything: wait for POLLOUT.
    want_write: bool,
}

struct Pending {
    host: TcpStream,
    syn: Vec<u8>,
    dst: (Ipv4Addr, u16),
    since: Instant,
}

#[derive(Default)]
pub(super) struct Tcp {
    flows: HashMap<SocketHandle, Flow>,
    by_key: HashMap<Key, SocketHandle>,
    pending: HashMap<Key, Pending>,
    gateway_ports: HashSet<u16>,
    next_port: u16,
}

fn new_socket() -> tcp::Socket<'static> {
    let mut s = tcp::Socket::new(
        SocketBuffer::new(vec![0; RX_BUFFER]),
        SocketBuffer::new(vec![0; TX_BUFFER]),
    );
    // The relay forwards what it gets; the host side already coalesces.
    s.set_nagle_enabled(false);
    s
}

/// Start a non-blocking TCP connect.
fn connect_nonblocking(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let family = if addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    // SAFETY: plain socket creation.
    let fd = unsafe {
        libc::socket(
            family,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a new descriptor nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: all-zero is a valid sockaddr_storage; we fill the family's
    // structure in place and pass its true length.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from(*a.ip()).to_be(),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is large and aligned enough for any
            // sockaddr, sockaddr_in included; the write fills its prefix.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin) };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: as above, for sockaddr_in6.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    // SAFETY: connect with the address built above.
    let rc = unsafe {
        libc::connect(
            fd.as_raw_fd(),
            (&storage as *const libc::sockaddr_storage).cast(),
            len as libc::socklen_t,
        )
    };
    if rc < 0 {
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EINPROGRESS) {
            return Err(err);
        }
    }
    let stream = TcpStream::from(fd);
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

impl Tcp {
    pub fn flow_count(&self) -> usize {
        self.flows.len() + self.pending.len()
    }

    /// A SYN (without ACK) from the container. Returns true when the NAT
    /// keeps the frame (a host connect was started, or one is under way).
    pub fn syn(
        &mut self,
        key: Key,
        frame: &[u8],
        target: Option<SocketAddr>,
        sockets: &mut SocketSet<'static>,
    ) -> bool {
        if let Some(&handle) = self.by_key.get(&key) {
            let state = sockets.get::<tcp::Socket>(handle).state();
            if !matches!(state, State::TimeWait | State::Closed) {
                // A retransmitted SYN: the socket answers it.
                return false;
            }
            // The container reuses the pair of ports: a new connection.
            self.remove(handle, sockets);
        }
        if self.pending.contains_key(&key) {
            return true;
        }
        let Some(target) = target else {
            return false;
        };
        match connect_nonblocking(target) {
            Ok(host) => {
                self.pending.insert(
                    key,
                    Pending {
                        host,
                        syn: frame.to_vec(),
                        dst: (key.2, key.3),
                        since: Instant::now(),
                    },
                );
                true
            }
            Err(_) => false,
        }
    }

    /// The container reset a connection that is still connecting.
    pub fn rst(&mut self, key: &Key) {
        self.pending.remove(key);
    }

    /// Finish host connects that are done: hand their SYNs to the stack
    /// (`rx`), with a listener when connected.
    pub fn resolve_pending(
        &mut self,
        ready: &Ready,
        sockets: &mut SocketSet<'static>,
        rx: &mut std::collections::VecDeque<Vec<u8>>,
    ) {
        let now = Instant::now();
        let done: Vec<Key> = self
            .pending
            .iter()
            .filter(|(_, p)| {
                ready.any(p.host.as_raw_fd()) || now.duration_since(p.since) > CONNECT_TIMEOUT
            })
            .map(|(k, _)| *k)
            .collect();
        for key in done {
            let p = self.pending.remove(&key).unwrap();
            let connected = ready.any(p.host.as_raw_fd())
                && matches!(p.host.take_error(), Ok(None))
                && p.host.peer_addr().is_ok();
            if connected {
                let mut socket = new_socket();
                let endpoint = IpListenEndpoint {
                    addr: Some(IpAddress::Ipv4(p.dst.0)),
                    port: p.dst.1,
                };
                if socket.listen(endpoint).is_ok() {
                    let handle = sockets.add(socket);
                    self.by_key.insert(key, handle);
                    self.flows.insert(
                        handle,
                        Flow {
                            host: p.host,
                            key: Some(key),
                            gateway_port: None,
                            read_closed: false,
                            write_closed: false,
                            want_write: false,
                        },
                    );
                }
            }
            rx.push_back(p.syn);
        }
    }

    /// Accept the host connections waiting on a published port and open a
    /// connection to the container for each, from the gateway.
    pub fn accept(
        &mut self,
        listener: &std::net::TcpListener,
        container_port: u16,
        iface: &mut Interface,
        sockets: &mut SocketSet<'static>,
    ) {
        loop {
            let stream = match listener.accept() {
                Ok((stream, _)) => stream,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return,
            };
            if stream.set_nonblocking(true).is_err() {
                continue;
            }
            let _ = stream.set_nodelay(true);
            let Some(port) = self.gateway_port() else {
                continue;
            };
            let mut socket = new_socket();
            let remote = (IpAddress::Ipv4(super::super::CONTAINER_IP), container_port);
            let local = (IpAddress::Ipv4(super::super::GATEWAY_IP), port);
            if socket.connect(iface.context(), remote, local).is_err() {
                continue;
            }
            let handle = sockets.add(socket);
            self.gateway_ports.insert(port);
            self.flows.insert(
                handle,
                Flow {
                    host: stream,
                    key: None,
                    gateway_port: Some(port),
                    read_closed: false,
                    write_closed: false,
                    want_write: false,
                },
            );
        }
    }

    /// A free port on the gateway for an inbound connection.
    fn gateway_port(&mut self) -> Option<u16> {
        for _ in 0..16384 {
            if self.next_port < 49152 {
                self.next_port = 49152;
            }
            let port = self.next_port;
            self.next_port = self.next_port.wrapping_add(1);
            if !self.gateway_ports.contains(&port) {
                return Some(port);
            }
        }
        None
    }

    /// Move data both ways. Returns true if anything moved.
    pub fn relay(&mut self, ready: &Ready, sockets: &mut SocketSet<'static>) -> bool {
        let mut progress = false;
        for (&handle, flow) in self.flows.iter_mut() {
            let socket = sockets.get_mut::<tcp::Socket>(handle);
            progress |= to_host(flow, socket);
            let fd = flow.host.as_raw_fd();
            if !flow.read_closed && ready.any(fd) {
                progress |= from_host(flow, socket);
            }
        }
        progress
    }

    /// Drop flows whose both halves are done, or whose socket closed.
    pub fn cleanup(&mut self, sockets: &mut SocketSet<'static>) {
        let dead: Vec<SocketHandle> = self
            .flows
            .iter()
            .filter(|(&h, f)| {
                let state = sockets.get::<tcp::Socket>(h).state();
                match state {
                    State::Closed | State::Listen => true,
                    State::TimeWait => f.read_closed && f.write_closed,
                    _ => false,
                }
            })
            .map(|(&h, _)| h)
            .collect();
        for handle in dead {
            self.remove(handle, sockets);
        }
    }

    fn remove(&mut self, handle: SocketHandle, sockets: &mut SocketSet<'static>) {
        if let Some(flow) = self.flows.remove(&handle) {
            let state = sockets.get::<tcp::Socket>(handle).state();
            if state == State::Closed && !(flow.read_closed && flow.write_closed) {
                // Reset or timed out on the container's side: reset the
                // host's side too rather than pretend an orderly end.
                reset_on_close(&flow.host);
            }
            if let Some(key) = flow.key {
                self.by_key.remove(&key);
            }
            if let Some(port) = flow.gateway_port {
                self.gateway_ports.remove(&port);
            }
        }
        sockets.remove(handle);
    }

    pub fn poll_fds(&self, sockets: &SocketSet<'static>, out: &mut Vec<(RawFd, PollFlags)>) {
        for p in self.pending.values() {
            out.push((p.host.as_raw_fd(), PollFlags::POLLOUT));
        }
        for (&handle, flow) in &self.flows {
            let socket = sockets.get::<tcp::Socket>(handle);
            let mut events = PollFlags::empty();
            if !flow.read_closed && socket.can_send() {
                events |= PollFlags::POLLIN;
            }
            if flow.want_write && !flow.write_closed {
                events |= PollFlags::POLLOUT;
            }
            if !events.is_empty() {
                out.push((flow.host.as_raw_fd(), events));
            }
        }
    }

    /// The earliest connect timeout.
    pub fn deadline(&self) -> Option<Instant> {
        self.pending
            .values()
            .map(|p| p.since + CONNECT_TIMEOUT)
            .min()
    }
}

/// Container → host. Returns true if anything moved.
fn to_host(flow: &mut Flow, socket: &mut tcp::Socket<'static>) -> bool {
    let mut progress = false;
    if flow.write_closed {
        return false;
    }
    while socket.can_recv() {
        let host = &flow.host;
        let result = socket.recv(|buf| match (&*host).write(buf) {
            Ok(n) => (n, Ok(n)),
            Err(e) => (0, Err(e)),
        });
        match result {
            Ok(Ok(0)) => break,
            Ok(Ok(_)) => {
                progress = true;
                flow.want_write = false;
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {
                flow.want_write = true;
                return progress;
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Ok(Err(_)) => {
                // The host's side is gone: reset the container's.
                socket.abort();
                flow.read_closed = true;
                flow.write_closed = true;
                return true;
            }
            Err(_) => break,
        }
    }
    flow.want_write = false;
    let fin_received = matches!(
        socket.state(),
        State::CloseWait | State::LastAck | State::Closing | State::TimeWait
    );
    if fin_received && socket.recv_queue() == 0 {
        let _ = flow.host.shutdown(Shutdown::Write);
        flow.write_closed = true;
        progress = true;
    }
    progress
}

enum HostRead {
    Data,
    Eof,
    Block,
    Failed,
}

/// Host → container. Returns true if anything moved.
fn from_host(flow: &mut Flow, socket: &mut tcp::Socket<'static>) -> bool {
    let mut progress = false;
    while socket.can_send() {
        let host = &flow.host;
        let result = socket.send(|buf| match (&*host).read(buf) {
            Ok(0) => (0, HostRead::Eof),
            Ok(n) => (n, HostRead::Data),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => (0, HostRead::Block),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => (0, HostRead::Data),
            Err(_) => (0, HostRead::Failed),
        });
        match result {
            Ok(HostRead::Data) => progress = true,
            Ok(HostRead::Eof) => {
                socket.close();
                flow.read_closed = true;
                return true;
            }
            Ok(HostRead::Block) | Err(_) => break,
            Ok(HostRead::Failed) => {
                socket.abort();
                flow.read_closed = true;
                flow.write_closed = true;
                return true;
            }
        }
    }
    progress
}

/// Close with a RST (SO_LINGER 0) instead of a FIN.
fn reset_on_close(stream: &TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setsockopt with a correctly sized linger.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
}
