//! The network host: one process per user (`cove __netns`, spawned by
//! `runtime::netns`) living in a network namespace of its own (and,
//! rootless, a user namespace mapped as a default container's), holding a
//! Linux bridge per user network in use and one veth pair per container
//! attachment.
//!
//! Monitors connect to its socket (`<runroot>/netns/sock`, SOCK_SEQPACKET)
//! and send an attach request with the container's network namespace; the
//! host makes the veth pairs (the container's end moved into that
//! namespace, addressed and routed there by a thread that enters it) and
//! answers with the addresses. The connection stays open while the
//! container runs: its end, or the container process's end (a pidfd),
//! detaches it. With nothing attached and no client left the host exits,
//! under the spawn lock so that a starting container never talks to a host
//! on its way out.

use super::dns;
use super::netlink::RouteKind;
use super::netlink::{self, Netlink};
use super::{lookup, Network};
use crate::network::slirp::{Slirp, SlirpConfig};
use crate::network::Attachment;
use anyhow::Context;
use nix::poll::{PollFd, PollFlags, PollTimeout};
use nix::sys::socket::{self, ControlMessageOwned, MsgFlags};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::IoSliceMut;
use std::net::IpAddr;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The name of the hidden command that runs the host.
pub const COMMAND: &str = "__netns";
/// The hidden command that runs its uplink.
pub const UPLINK_COMMAND: &str = "__netns-uplink";
/// The largest request or reply.
const MAX_MESSAGE: usize = 64 * 1024;
/// The default MTU of a bridge network (Podman's).
const DEFAULT_MTU: u32 = 1500;

pub fn socket_path(dir: &Path) -> PathBuf {
    dir.join("sock")
}

pub fn lock_path(dir: &Path) -> PathBuf {
    dir.join("lock")
}

pub fn log_path(dir: &Path) -> PathBuf {
    dir.join("host.log")
}

/// What a client asks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Request {
    /// Attach the container whose network namespace comes with the
    /// message (SCM_RIGHTS) to `networks`, in that order (eth0, eth1…).
    Attach {
        id: String,
        name: String,
        hostname: String,
        pid: i32,
        networks: Vec<Attachment>,
    },
    /// Connect the running container `id` (its network namespace comes
    /// with the message) to one more network.
    Connect { id: String, attachment: Attachment },
    /// Take the running container `id` off a network.
    Disconnect { id: String, network: String },
    /// A published TCP port of this connection's container: the listening
    /// socket comes with the message; connections to it are relayed to
    /// the container's `port` on its first network.
    Publish { port: u16 },
    /// This connection's container has exited: let go of it (its
    /// addresses, names and published ports) before replying, so that a
    /// restart finds its host ports free.
    Detach,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    Attached(Vec<Interface>),
    Failed(String),
}

/// One of a container's interfaces on a user network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interface {
    pub network: String,
    /// Its name inside the container (eth0, …).
    pub interface: String,
    /// Its addresses, one per subnet, with their prefix lengths.
    pub addresses: Vec<(IpAddr, u8)>,
    pub gateways: Vec<IpAddr>,
    pub mac: String,
}

/// A bridge in use.
struct Bridge {
    network: Network,
    index: i32,
    /// The DNS server's sockets, on the gateways' port 53.
    dns: Vec<UdpSocket>,
}

/// A question sent upstream, by the id it was sent with.
struct Pending {
    network: String,
    socket: usize,
    client: SocketAddr,
    id: u16,
    sent: Instant,
}

/// How long an upstream answer is waited for.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(5);

/// What a polled descriptor is.
#[derive(Clone)]
enum Token {
    Listener,
    Conn(usize),
    Pid(usize),
    Dns(String, usize),
    Upstream(usize),
    /// A published port of client i's container: (client, port index).
    Published(usize, usize),
    /// A relayed connection.
    Relay,
}

/// The priority of the bridges' routing rules (before the main table's).
const RULE_PRIORITY: u32 = 100;
/// A bridge's routing table: this plus its interface index.
const TABLE_BASE: u32 = 1000;

/// An attached container.
struct Member {
    id: String,
    name: String,
    hostname: String,
    aliases: BTreeMap<String, Vec<String>>,
    pidfd: OwnedFd,
    /// (network, host-side veth name, interface).
    links: Vec<(String, String, Interface)>,
    /// Published ports: the host's listening socket, the container port.
    published: Vec<(std::net::TcpListener, u16)>,
}

/// A connection to a published port, relayed to the container.
struct Relay {
    /// The two sides: the host peer's and the container's.
    sides: [std::net::TcpStream; 2],
    /// Bytes read from side i, waiting to go to the other.
    pending: [Vec<u8>; 2],
    /// Side i has sent its end: shut the other's writing once flushed.
    ended: [bool; 2],
    /// Side i's writing has been shut.
    shut: [bool; 2],
}

/// How much a relay reads from one side before the other has taken it.
const RELAY_BUFFER: usize = 256 * 1024;

struct Client {
    conn: OwnedFd,
    member: Option<Member>,
}

struct Host {
    dir: PathBuf,
    root: PathBuf,
    listener: OwnedFd,
    netlink: Netlink,
    bridges: BTreeMap<String, Bridge>,
    clients: Vec<Client>,
    next_veth: u32,
    /// Sockets in the host's own network namespace (made before the
    /// network host left it) for forwarding questions upstream.
    upstream: Vec<UdpSocket>,
    resolvers: Vec<SocketAddr>,
    pending: BTreeMap<u16, Pending>,
    next_id: u16,
    /// Where the next answer with several records starts (round robin).
    rotation: usize,
    relays: Vec<Relay>,
    /// The way out: the control socket of the uplink process, which runs
    /// cove's user-mode stack for a tap in this namespace (its sockets
    /// must be made in the user's namespace); None: no way out.
    uplink: Option<OwnedFd>,
    tap_index: i32,
    /// Members let go of by `Detach`: their names, addresses and ports
    /// went at once; their links go after the reply (deleting links waits
    /// for the kernel, which the stopping container need not).
    retiring: Vec<Member>,
    /// Deletes departed containers' veths off the event loop.
    reaper: Reaper,
}

/// A thread that deletes links by name. The kernel takes 15–40 ms per
/// veth (it waits for RCU grace periods); done in the event loop, that
/// would hold up every other container's request, and several containers
/// stopping at once would wait for each other.
struct Reaper(std::sync::mpsc::Sender<String>);

impl Reaper {
    fn spawn() -> anyhow::Result<Reaper> {
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let mut netlink = Netlink::open()?;
        std::thread::spawn(move || {
            for name in rx {
                // Gone already when the container's namespace went.
                let _ = netlink.delete_link(&name);
            }
        });
        Ok(Reaper(tx))
    }

    fn delete(&self, link: &str) {
        let _ = self.0.send(link.to_string());
    }
}

/// Run the host (the hidden command): already in its namespaces, with
/// `ready` to report on once the socket listens.
pub fn serve(
    dir: &Path,
    root: &Path,
    ready: OwnedFd,
    uplink: Option<OwnedFd>,
    upstream: Vec<UdpSocket>,
) -> anyhow::Result<()> {
    let listener = listen(&socket_path(dir))?;
    for u in &upstream {
        u.set_nonblocking(true)?;
    }
    let mut host = Host {
        dir: dir.to_path_buf(),
        root: root.to_path_buf(),
        listener,
        netlink: Netlink::open()?,
        bridges: BTreeMap::new(),
        clients: Vec::new(),
        next_veth: 0,
        upstream,
        resolvers: crate::network::host_resolvers(),
        pending: BTreeMap::new(),
        next_id: 1,
        rotation: 0,
        relays: Vec::new(),
        uplink: None,
        tap_index: 0,
        retiring: Vec::new(),
        reaper: Reaper::spawn()?,
    };
    if let Some(ctl) = uplink {
        match host.start_uplink(&ctl) {
            Ok(()) => host.uplink = Some(ctl),
            Err(e) => eprintln!("cove network host: no way out for the networks: {e:#}"),
        }
    }
    nix::unistd::write(&ready, b"ok").context("reporting readiness")?;
    drop(ready);
    host.run()
}

fn listen(path: &Path) -> anyhow::Result<OwnedFd> {
    let _ = std::fs::remove_file(path);
    let fd = socket::socket(
        socket::AddressFamily::Unix,
        socket::SockType::SeqPacket,
        socket::SockFlag::SOCK_CLOEXEC | socket::SockFlag::SOCK_NONBLOCK,
        None,
    )?;
    let addr = socket::UnixAddr::new(path)?;
    socket::bind(fd.as_raw_fd(), &addr).with_context(|| format!("binding {}", path.display()))?;
    socket::listen(&fd, socket::Backlog::new(64)?)?;
    Ok(fd)
}

/// Receive one message, and a descriptor if one came with it. None at the
/// end of the connection.
pub fn receive(conn: BorrowedFd<'_>) -> anyhow::Result<Option<(Vec<u8>, Option<OwnedFd>)>> {
    let mut buf = vec![0u8; MAX_MESSAGE];
    let mut space = nix::cmsg_space!([RawFd; 1]);
    let (len, fd) = loop {
        let mut iov = [IoSliceMut::new(&mut buf)];
        match socket::recvmsg::<()>(
            conn.as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
            Ok(msg) => {
                let mut fd = None;
                for c in msg.cmsgs()? {
                    if let ControlMessageOwned::ScmRights(fds) = c {
                        for raw in fds {
                            // SAFETY: the kernel just installed it for us.
                            let owned = unsafe { OwnedFd::from_raw_fd(raw) };
                            fd.get_or_insert(owned);
                        }
                    }
                }
                break (msg.bytes, fd);
            }
        }
    };
    if len == 0 {
        return Ok(None);
    }
    buf.truncate(len);
    Ok(Some((buf, fd)))
}

/// Send one message, with a descriptor.
pub fn send(conn: BorrowedFd<'_>, bytes: &[u8], fd: Option<BorrowedFd<'_>>) -> anyhow::Result<()> {
    let fds: Vec<RawFd> = fd.iter().map(|f| f.as_raw_fd()).collect();
    let cmsgs: Vec<socket::ControlMessage> = if fds.is_empty() {
        Vec::new()
    } else {
        vec![socket::ControlMessage::ScmRights(&fds)]
    };
    let iov = [std::io::IoSlice::new(bytes)];
    loop {
        match socket::sendmsg::<()>(conn.as_raw_fd(), &iov, &cmsgs, MsgFlags::MSG_NOSIGNAL, None) {
            Err(nix::errno::Errno::EINTR) => continue,
            r => return r.map(drop).context("sending to the network host"),
        }
    }
}

impl Host {
    fn run(&mut self) -> anyhow::Result<()> {
        loop {
            let mut tokens: Vec<(Token, RawFd)> =
                vec![(Token::Listener, self.listener.as_raw_fd())];
            for (i, c) in self.clients.iter().enumerate() {
                tokens.push((Token::Conn(i), c.conn.as_raw_fd()));
                if let Some(m) = &c.member {
                    tokens.push((Token::Pid(i), m.pidfd.as_raw_fd()));
                }
            }
            for (name, b) in &self.bridges {
                for (i, d) in b.dns.iter().enumerate() {
                    tokens.push((Token::Dns(name.clone(), i), d.as_raw_fd()));
                }
            }
            for (i, u) in self.upstream.iter().enumerate() {
                tokens.push((Token::Upstream(i), u.as_raw_fd()));
            }
            for (i, c) in self.clients.iter().enumerate() {
                for (j, (l, _)) in c.member.iter().flat_map(|m| m.published.iter()).enumerate() {
                    tokens.push((Token::Published(i, j), l.as_raw_fd()));
                }
            }
            let relays_from = tokens.len();
            for r in &self.relays {
                for side in &r.sides {
                    tokens.push((Token::Relay, side.as_raw_fd()));
                }
            }

            let ready: Vec<Token> = {
                let mut fds: Vec<PollFd> = tokens
                    .iter()
                    .enumerate()
                    .map(|(n, (_, fd))| {
                        let mut events = PollFlags::POLLIN;
                        if n >= relays_from {
                            let (r, side) = ((n - relays_from) / 2, (n - relays_from) % 2);
                            // Writable wanted while the other side's bytes wait.
                            if !self.relays[r].pending[1 - side].is_empty() {
                                events |= PollFlags::POLLOUT;
                            }
                            if self.relays[r].pending[side].len() >= RELAY_BUFFER {
                                events.remove(PollFlags::POLLIN);
                            }
                        }
                        // SAFETY: the descriptors belong to `self`, which
                        // outlives this poll.
                        PollFd::new(unsafe { BorrowedFd::borrow_raw(*fd) }, events)
                    })
                    .collect();
                let timeout = if self.clients.is_empty() || !self.pending.is_empty() {
                    PollTimeout::from(1000u16)
                } else {
                    PollTimeout::NONE
                };
                match nix::poll::poll(&mut fds, timeout) {
                    Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                    Err(e) => return Err(e.into()),
                }
                fds.iter()
                    .zip(&tokens)
                    .filter(|(p, _)| !p.revents().unwrap_or(PollFlags::empty()).is_empty())
                    .map(|(_, (t, _))| t.clone())
                    .collect()
            };
            let mut listener_ready = false;
            let mut relays_ready = false;
            let mut gone: Vec<usize> = Vec::new();
            let mut exited: Vec<usize> = Vec::new();
            for t in ready {
                match t {
                    Token::Listener => listener_ready = true,
                    Token::Conn(i) => gone.push(i),
                    Token::Pid(i) => exited.push(i),
                    Token::Dns(network, i) => self.answer_queries(&network, i),
                    Token::Upstream(i) => self.relay_answers(i),
                    Token::Published(c, j) => self.accept_published(c, j),
                    Token::Relay => relays_ready = true,
                }
            }
            if relays_ready {
                self.pump_relays();
            }
            self.expire_forwards();
            // Exited containers leave their clients now (by index, before
            // any client is removed) but their links go after the replies
            // below: deleting a network's last bridge takes the kernel
            // tens of ms, which a monitor waiting on `Detach` need not.
            let departed: Vec<Member> = exited
                .into_iter()
                .filter_map(|i| self.clients[i].member.take())
                .collect();
            self.retiring.extend(departed);
            // Clients newest first, so the indexes stay right.
            gone.sort_unstable();
            for i in gone.into_iter().rev() {
                if !self.handle(i) {
                    let client = self.clients.remove(i);
                    if let Some(m) = client.member {
                        self.detach(m);
                    }
                }
            }
            for m in std::mem::take(&mut self.retiring) {
                self.detach(m);
            }
            if listener_ready {
                self.accept();
            }
            if self.clients.is_empty() && self.try_exit()? {
                return Ok(());
            }
        }
    }

    /// The addresses of the containers called `name` (name, short or
    /// full id, hostname or alias) on the networks `scope`; None when no
    /// container there is.
    fn lookup_name(&mut self, scope: &[String], name: &str) -> Option<Vec<IpAddr>> {
        if name.is_empty() {
            return None;
        }
        let mut found: Vec<IpAddr> = Vec::new();
        let mut known = false;
        for network in scope {
            for m in self.members() {
                let Some(link) = m.links.iter().find(|l| l.0 == *network) else {
                    continue;
                };
                let id_matches =
                    (name.len() == 12 || name.len() == m.id.len()) && m.id.starts_with(name);
                let matches = m.name.eq_ignore_ascii_case(name)
                    || m.hostname.eq_ignore_ascii_case(name)
                    || id_matches
                    || m.aliases
                        .get(network)
                        .is_some_and(|a| a.iter().any(|a| a.eq_ignore_ascii_case(name)));
                if matches {
                    known = true;
                    for (ip, _) in &link.2.addresses {
                        if !found.contains(ip) {
                            found.push(*ip);
                        }
                    }
                }
            }
            // The asking network's answer first; another only without.
            if known {
                break;
            }
        }
        if !known {
            return None;
        }
        if found.len() > 1 {
            self.rotation = self.rotation.wrapping_add(1);
            let by = self.rotation % found.len();
            found.rotate_left(by);
        }
        Some(found)
    }

    /// The networks whose names the container at `ip` on `network` sees:
    /// this one, then its other networks with DNS.
    fn scope_of(&self, network: &str, ip: IpAddr) -> Vec<String> {
        let mut scope = vec![network.to_string()];
        let asker = self.members().find(|m| {
            m.links
                .iter()
                .any(|l| l.0 == network && l.2.addresses.iter().any(|a| a.0 == ip))
        });
        if let Some(m) = asker {
            for l in &m.links {
                let dns = self
                    .bridges
                    .get(&l.0)
                    .is_some_and(|b| b.network.dns_enabled);
                if dns && !scope.contains(&l.0) {
                    scope.push(l.0.clone());
                }
            }
        }
        scope
    }

    /// Answer the questions waiting on a network's DNS socket.
    fn answer_queries(&mut self, network: &str, socket: usize) {
        let mut buf = [0u8; 4096];
        loop {
            let Some(sock) = self.bridges.get(network).and_then(|b| b.dns.get(socket)) else {
                return;
            };
            let Ok((n, from)) = sock.recv_from(&mut buf) else {
                return;
            };
            let msg = &buf[..n];
            // Only the network's own containers ask here (another
            // network's could reach this address through its gateway).
            let own = self.bridges.get(network).is_some_and(|b| {
                b.network
                    .subnets
                    .iter()
                    .any(|s| s.subnet.contains(&from.ip()))
            });
            let Some(q) = dns::parse_query(msg).filter(|_| own) else {
                continue;
            };
            let scope = self.scope_of(network, from.ip());
            let reply = match self.lookup_name(&scope, q.local_name()) {
                Some(ips) => q.answer(msg, 0, &ips),
                None if q.forwardable() => {
                    if self.forward(network, socket, from, msg) {
                        continue;
                    }
                    q.answer(msg, dns::RCODE_SERVFAIL, &[])
                }
                None => q.answer(msg, dns::RCODE_NXDOMAIN, &[]),
            };
            if let Some(sock) = self.bridges.get(network).and_then(|b| b.dns.get(socket)) {
                let _ = sock.send_to(&reply, from);
            }
        }
    }

    /// Send a question upstream under an id of ours; false if it cannot go.
    fn forward(&mut self, network: &str, socket: usize, client: SocketAddr, msg: &[u8]) -> bool {
        let Some(id) = dns::id_of(msg) else {
            return false;
        };
        let mut new_id = self.next_id;
        while self.pending.contains_key(&new_id) {
            new_id = new_id.wrapping_add(1);
        }
        self.next_id = new_id.wrapping_add(1);
        let mut out = msg.to_vec();
        dns::set_id(&mut out, new_id);
        let sent = self.resolvers.iter().any(|r| {
            self.upstream
                .iter()
                .filter(|u| u.local_addr().is_ok_and(|l| l.is_ipv4() == r.is_ipv4()))
                .any(|u| u.send_to(&out, r).is_ok())
        });
        if sent {
            self.pending.insert(
                new_id,
                Pending {
                    network: network.to_string(),
                    socket,
                    client,
                    id,
                    sent: Instant::now(),
                },
            );
        }
        sent
    }

    /// Pass upstream answers back to the containers that asked.
    fn relay_answers(&mut self, upstream: usize) {
        let mut buf = [0u8; 65536];
        while let Ok((n, from)) = self.upstream[upstream].recv_from(&mut buf) {
            if !self.resolvers.contains(&from) {
                continue;
            }
            let msg = &mut buf[..n];
            let Some(p) = dns::id_of(msg).and_then(|id| self.pending.remove(&id)) else {
                continue;
            };
            dns::set_id(msg, p.id);
            if let Some(sock) = self
                .bridges
                .get(&p.network)
                .and_then(|b| b.dns.get(p.socket))
            {
                let _ = sock.send_to(msg, p.client);
            }
        }
    }

    fn expire_forwards(&mut self) {
        self.pending
            .retain(|_, p| p.sent.elapsed() < FORWARD_TIMEOUT);
    }

    fn accept(&mut self) {
        while let Ok(fd) =
            socket::accept4(self.listener.as_raw_fd(), socket::SockFlag::SOCK_CLOEXEC)
        {
            // SAFETY: accept4 returned a new descriptor that we own.
            let conn = unsafe { OwnedFd::from_raw_fd(fd) };
            self.clients.push(Client { conn, member: None });
        }
    }

    /// With no client: exit, unless one is waiting to be accepted. Under
    /// the spawn lock, so no client is between "found the host" and
    /// "connected".
    fn try_exit(&mut self) -> anyhow::Result<bool> {
        let file = crate::sys::fsutil::open_lock_file(&lock_path(&self.dir))?;
        let _lock = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, e)| anyhow::anyhow!("locking the network host: {e}"))?;
        self.accept();
        if !self.clients.is_empty() {
            return Ok(false);
        }
        let _ = std::fs::remove_file(socket_path(&self.dir));
        for (_, b) in std::mem::take(&mut self.bridges) {
            self.unroute_bridge(&b.network.network_interface, b.index);
            let _ = self.netlink.delete_link(&b.network.network_interface);
        }
        Ok(true)
    }

    /// Serve a message of client `i`; false when it has gone.
    fn handle(&mut self, i: usize) -> bool {
        let (bytes, fd) = match receive(self.clients[i].conn.as_fd()) {
            Ok(Some(m)) => m,
            Ok(None) | Err(_) => return false,
        };
        let reply = match serde_json::from_slice::<Request>(&bytes) {
            Ok(Request::Attach {
                id,
                name,
                hostname,
                pid,
                networks,
            }) => match (fd, &self.clients[i].member) {
                (_, Some(_)) => Reply::Failed("this connection has a container attached".into()),
                (None, _) => Reply::Failed("no network namespace came with the request".into()),
                (Some(netns), None) => {
                    match self.attach(&id, &name, &hostname, pid, &networks, &netns) {
                        Ok(member) => {
                            let ifaces = member.links.iter().map(|l| l.2.clone()).collect();
                            self.clients[i].member = Some(member);
                            Reply::Attached(ifaces)
                        }
                        Err(e) => Reply::Failed(format!("{e:#}")),
                    }
                }
            },
            Ok(Request::Connect { id, attachment }) => match fd {
                None => Reply::Failed("no network namespace came with the request".into()),
                Some(netns) => match self.connect(&id, &attachment, &netns) {
                    Ok(ifaces) => Reply::Attached(ifaces),
                    Err(e) => Reply::Failed(format!("{e:#}")),
                },
            },
            Ok(Request::Publish { port }) => match (fd, self.clients[i].member.as_mut()) {
                (Some(fd), Some(m)) => {
                    let listener = std::net::TcpListener::from(fd);
                    match listener.set_nonblocking(true) {
                        Ok(()) => {
                            m.published.push((listener, port));
                            Reply::Attached(Vec::new())
                        }
                        Err(e) => Reply::Failed(format!("{e}")),
                    }
                }
                _ => Reply::Failed("publish: no container or no socket".into()),
            },
            Ok(Request::Detach) => {
                if let Some(mut m) = self.clients[i].member.take() {
                    m.published.clear();
                    self.retiring.push(m);
                }
                Reply::Attached(Vec::new())
            }
            Ok(Request::Disconnect { id, network }) => match self.disconnect(&id, &network) {
                Ok(ifaces) => Reply::Attached(ifaces),
                Err(e) => Reply::Failed(format!("{e:#}")),
            },
            Err(e) => Reply::Failed(format!("bad request: {e}")),
        };
        let bytes = serde_json::to_vec(&reply).unwrap_or_default();
        send(self.clients[i].conn.as_fd(), &bytes, None).is_ok()
    }

    fn members(&self) -> impl Iterator<Item = &Member> {
        self.clients.iter().filter_map(|c| c.member.as_ref())
    }

    /// The bridge of `network`, made when first used.
    fn bridge(&mut self, network: &Network) -> anyhow::Result<i32> {
        if let Some(b) = self.bridges.get(&network.name) {
            return Ok(b.index);
        }
        let name = &network.network_interface;
        // A leftover of an earlier host in this namespace cannot exist
        // (the namespace is new), but a failed attach may have left one.
        self.netlink.delete_link(name)?;
        // The gateway's MAC follows from its address, as a container's does.
        let gateway = network
            .subnets
            .iter()
            .map(|s| s.gateway.unwrap_or(s.subnet.network()))
            .next()
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let index = self.netlink.add_bridge(
            name,
            Some(network.mtu().unwrap_or(DEFAULT_MTU)),
            mac_for(&gateway),
        )?;
        for s in &network.subnets {
            if let Some(gw) = s.gateway {
                if let Err(e) = self.netlink.add_address(index, gw, s.subnet.prefix()) {
                    let _ = self.netlink.delete_link(name);
                    return Err(e);
                }
            }
        }
        let mut dns = Vec::new();
        if network.dns_enabled {
            // IPv4 gateways: an IPv6 address is not bindable until its
            // duplicate address detection is done.
            for gw in network
                .subnets
                .iter()
                .filter_map(|s| s.gateway)
                .filter(|g| g.is_ipv4())
            {
                let sock = UdpSocket::bind((gw, 53))
                    .and_then(|s| s.set_nonblocking(true).map(|()| s))
                    .with_context(|| format!("starting the DNS server on {gw}:53"));
                match sock {
                    Ok(s) => dns.push(s),
                    Err(e) => {
                        let _ = self.netlink.delete_link(name);
                        return Err(e);
                    }
                }
            }
        }
        if let Err(e) = self.route_bridge(network, index) {
            self.unroute_bridge(name, index);
            let _ = self.netlink.delete_link(name);
            return Err(e);
        }
        self.bridges.insert(
            network.name.clone(),
            Bridge {
                network: network.clone(),
                index,
                dns,
            },
        );
        self.update_uplink();
        Ok(index)
    }

    /// Start the uplink: a tap in this namespace, handed to the uplink
    /// process, and forwarding on.
    fn start_uplink(&mut self, ctl: &OwnedFd) -> anyhow::Result<()> {
        let tap = crate::network::tap::create(&crate::network::tap::TapConfig::slirp(
            crate::network::DEFAULT_MTU,
        ))?;
        self.tap_index = netlink::index_of(crate::network::tap::TAP_NAME)?;
        std::fs::write("/proc/sys/net/ipv4/ip_forward", b"1")
            .context("turning forwarding on in the network namespace")?;
        crate::sys::fd::send_fd(ctl.as_fd(), tap.as_fd())
            .context("handing the tap to the uplink")?;
        Ok(())
    }

    /// Tell the uplink which networks are behind it.
    fn update_uplink(&mut self) {
        let routed: Vec<(std::net::Ipv4Addr, u8)> = self
            .bridges
            .values()
            .flat_map(|b| b.network.subnets.iter())
            .filter_map(|s| match s.subnet.network() {
                IpAddr::V4(v4) => Some((v4, s.subnet.prefix())),
                IpAddr::V6(_) => None,
            })
            .collect();
        if let Some(ctl) = &self.uplink {
            let bytes = serde_json::to_vec(&routed).unwrap_or_default();
            if let Err(e) = send(ctl.as_fd(), &bytes, None) {
                eprintln!("cove network host: telling the uplink its networks: {e:#}");
            }
        }
    }

    /// What comes in on the bridge is routed by a table of its own: its
    /// subnet, and the uplink unless the network is internal; so no
    /// network reaches another through this namespace.
    fn route_bridge(&mut self, network: &Network, index: i32) -> anyhow::Result<()> {
        let table = TABLE_BASE + index as u32;
        for s in network.subnets.iter().filter(|s| s.subnet.is_v4()) {
            self.netlink.add_route(
                table,
                s.subnet.network(),
                s.subnet.prefix(),
                RouteKind::Via {
                    oif: index,
                    gateway: None,
                },
            )?;
        }
        let any = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
        let way_out = if network.internal || self.uplink.is_none() {
            RouteKind::Prohibit
        } else {
            RouteKind::Via {
                oif: self.tap_index,
                gateway: Some(IpAddr::V4(crate::network::GATEWAY_IP)),
            }
        };
        self.netlink.add_route(table, any, 0, way_out)?;
        self.netlink
            .iif_rule(true, true, &network.network_interface, table, RULE_PRIORITY)
    }

    fn unroute_bridge(&mut self, name: &str, index: i32) {
        let table = TABLE_BASE + index as u32;
        let _ = self
            .netlink
            .iif_rule(false, true, name, table, RULE_PRIORITY);
        let any = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
        let _ = self.netlink.delete_route(table, any, 0);
    }

    /// Delete the bridges no member uses.
    fn drop_unused_bridges(&mut self) {
        let used: Vec<String> = self
            .members()
            .flat_map(|m| m.links.iter().map(|l| l.0.clone()))
            .collect();
        let unused: Vec<String> = self
            .bridges
            .keys()
            .filter(|n| !used.contains(n))
            .cloned()
            .collect();
        for name in unused {
            if let Some(b) = self.bridges.remove(&name) {
                self.unroute_bridge(&b.network.network_interface, b.index);
                let _ = self.netlink.delete_link(&b.network.network_interface);
            }
        }
        self.update_uplink();
    }

    /// The addresses of `network` that members hold.
    fn used(&self, network: &str, extra: &[IpAddr]) -> Vec<IpAddr> {
        let mut out: Vec<IpAddr> = extra.to_vec();
        for m in self.members() {
            for l in m.links.iter().filter(|l| l.0 == network) {
                out.extend(l.2.addresses.iter().map(|a| a.0));
            }
        }
        out
    }

    fn attach(
        &mut self,
        id: &str,
        name: &str,
        hostname: &str,
        pid: i32,
        networks: &[Attachment],
        netns: &OwnedFd,
    ) -> anyhow::Result<Member> {
        let pidfd = crate::sys::fd::pidfd_open(nix::unistd::Pid::from_raw(pid))
            .context("pinning the container's process")?;
        let mut member = Member {
            id: id.to_string(),
            name: name.to_string(),
            hostname: hostname.to_string(),
            aliases: BTreeMap::new(),
            pidfd,
            links: Vec::new(),
            published: Vec::new(),
        };
        match self.make_links(&mut member, networks, netns) {
            Ok(()) => Ok(member),
            Err(e) => {
                for (_, veth, _) in &member.links {
                    let _ = self.netlink.delete_link(veth);
                }
                member.links.clear();
                self.drop_unused_bridges();
                Err(e)
            }
        }
    }

    fn make_links(
        &mut self,
        member: &mut Member,
        networks: &[Attachment],
        netns: &OwnedFd,
    ) -> anyhow::Result<()> {
        for (i, a) in networks.iter().enumerate() {
            let link = self.make_link(a, &format!("eth{i}"), netns)?;
            member.aliases.insert(link.0.clone(), a.aliases.clone());
            member.links.push(link);
        }
        // The default route goes through the first network with a way out.
        let route = member
            .links
            .iter()
            .find(|l| self.bridges.get(&l.0).is_some_and(|b| !b.network.internal))
            .map(|l| l.2.clone());
        let ifaces: Vec<Interface> = member.links.iter().map(|l| l.2.clone()).collect();
        configure_inside(netns, ifaces, route)
    }

    /// A veth pair from the bridge of `a`'s network to `interface` in the
    /// container's namespace, with addresses: (network, veth, interface).
    fn make_link(
        &mut self,
        a: &Attachment,
        interface: &str,
        netns: &OwnedFd,
    ) -> anyhow::Result<(String, String, Interface)> {
        let network = lookup(&self.root, &a.network)?;
        let index = self.bridge(&network)?;
        let used = self.used(&network.name, &[]);
        let mut addresses = Vec::new();
        for s in &network.subnets {
            let wanted = a.ips.iter().find(|ip| s.subnet.contains(ip));
            let ip = match wanted {
                Some(ip) => {
                    if used.contains(ip) || s.gateway == Some(*ip) {
                        anyhow::bail!(
                            "requested ip address {ip} is already allocated in network {}",
                            network.name
                        );
                    }
                    *ip
                }
                None => allocate(s, &used).ok_or_else(|| {
                    anyhow::anyhow!("no free address left in network {}", network.name)
                })?,
            };
            addresses.push((ip, s.subnet.prefix()));
        }
        self.next_veth += 1;
        let veth = format!("veth{}", self.next_veth);
        let mac = match &a.mac {
            Some(m) => parse_mac(m)?,
            None => mac_for(&addresses[0].0),
        };
        let mtu = network.mtu().unwrap_or(DEFAULT_MTU);
        self.netlink
            .add_veth(&veth, index, interface, netns.as_raw_fd(), mtu, Some(mac))?;
        Ok((
            network.name.clone(),
            veth,
            Interface {
                network: network.name.clone(),
                interface: interface.to_string(),
                addresses,
                gateways: network.subnets.iter().filter_map(|s| s.gateway).collect(),
                mac: format_mac(&mac),
            },
        ))
    }

    /// Accept connections to a published port and dial the container.
    fn accept_published(&mut self, client: usize, index: usize) {
        let Some(m) = self.clients.get(client).and_then(|c| c.member.as_ref()) else {
            return;
        };
        let Some((listener, port)) = m.published.get(index) else {
            return;
        };
        let target = m
            .links
            .first()
            .and_then(|l| l.2.addresses.iter().find(|a| a.0.is_ipv4()))
            .map(|a| SocketAddr::new(a.0, *port));
        while let Ok((peer, _)) = listener.accept() {
            let Some(target) = target else { continue };
            // The container is on a bridge here: the connect is quick.
            let Ok(inner) = std::net::TcpStream::connect_timeout(&target, Duration::from_secs(2))
            else {
                continue;
            };
            if peer.set_nonblocking(true).is_err() || inner.set_nonblocking(true).is_err() {
                continue;
            }
            let _ = inner.set_nodelay(true);
            let _ = peer.set_nodelay(true);
            self.relays.push(Relay {
                sides: [peer, inner],
                pending: [Vec::new(), Vec::new()],
                ended: [false, false],
                shut: [false, false],
            });
        }
    }

    /// Move what can be moved on every relayed connection; drop the
    /// finished ones.
    fn pump_relays(&mut self) {
        use std::io::{Read, Write};
        let mut buf = vec![0u8; 64 * 1024];
        self.relays.retain_mut(|r| {
            for from in 0..2 {
                let to = 1 - from;
                // Read while there is room.
                while !r.ended[from] && r.pending[from].len() < RELAY_BUFFER {
                    match (&r.sides[from]).read(&mut buf) {
                        Ok(0) => r.ended[from] = true,
                        Ok(n) => r.pending[from].extend_from_slice(&buf[..n]),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) => return false,
                    }
                }
                // Write what waits.
                while !r.pending[from].is_empty() {
                    match (&r.sides[to]).write(&r.pending[from]) {
                        Ok(n) => {
                            r.pending[from].drain(..n);
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) => return false,
                    }
                }
                if r.ended[from] && r.pending[from].is_empty() && !r.shut[to] {
                    let _ = r.sides[to].shutdown(std::net::Shutdown::Write);
                    r.shut[to] = true;
                }
            }
            !(r.shut[0] && r.shut[1])
        });
    }

    /// The client whose container is `id`.
    fn client_of(&self, id: &str) -> anyhow::Result<usize> {
        self.clients
            .iter()
            .position(|c| c.member.as_ref().is_some_and(|m| m.id == id))
            .ok_or_else(|| anyhow::anyhow!("container {id} is not attached to the network host"))
    }

    /// Connect the running container `id` to one more network.
    fn connect(
        &mut self,
        id: &str,
        a: &Attachment,
        netns: &OwnedFd,
    ) -> anyhow::Result<Vec<Interface>> {
        let c = self.client_of(id)?;
        let mut member = self.clients[c].member.take().expect("found above");
        let result = (|| {
            if member.links.iter().any(|l| l.0 == a.network) {
                anyhow::bail!(
                    "container {} is already connected to network {}: network is already connected",
                    member.name,
                    a.network
                );
            }
            let interface = (0..)
                .map(|n| format!("eth{n}"))
                .find(|n| !member.links.iter().any(|l| l.2.interface == *n))
                .expect("a free name");
            let link = self.make_link(a, &interface, netns)?;
            if let Err(e) = configure_inside(netns, vec![link.2.clone()], None) {
                let _ = self.netlink.delete_link(&link.1);
                return Err(e);
            }
            member.aliases.insert(link.0.clone(), a.aliases.clone());
            member.links.push(link);
            Ok(member.links.iter().map(|l| l.2.clone()).collect())
        })();
        self.clients[c].member = Some(member);
        if result.is_err() {
            self.drop_unused_bridges();
        }
        result
    }

    /// Take the running container `id` off `network`.
    fn disconnect(&mut self, id: &str, network: &str) -> anyhow::Result<Vec<Interface>> {
        let c = self.client_of(id)?;
        let member = self.clients[c].member.as_mut().expect("found above");
        let Some(at) = member.links.iter().position(|l| l.0 == network) else {
            anyhow::bail!(
                "container {} is not connected to network {network}",
                member.name
            );
        };
        let (_, veth, _) = member.links.remove(at);
        member.aliases.remove(network);
        let left = member.links.iter().map(|l| l.2.clone()).collect();
        let _ = self.netlink.delete_link(&veth);
        self.drop_unused_bridges();
        Ok(left)
    }

    fn detach(&mut self, member: Member) {
        for (_, veth, _) in &member.links {
            self.reaper.delete(veth);
        }
        drop(member);
        self.drop_unused_bridges();
    }
}

/// The uplink process: cove's user-mode stack on the network host's tap,
/// told over `ctl` which networks are behind it; it ends with the host.
pub fn serve_uplink(ctl: OwnedFd) -> anyhow::Result<()> {
    let tap = crate::sys::fd::recv_fd(ctl.as_fd()).context("receiving the network host's tap")?;
    let config = SlirpConfig {
        mtu: crate::network::DEFAULT_MTU,
        allow_host_loopback: false,
        dns_upstreams: crate::network::host_resolvers(),
        routed: Vec::new(),
    };
    let mut stack = Slirp::new(tap, config, Vec::new())?;
    loop {
        let wanted = stack.poll_fds();
        let (ctl_ready, ready) = {
            let mut fds = vec![PollFd::new(ctl.as_fd(), PollFlags::POLLIN)];
            for (fd, events) in &wanted {
                // SAFETY: the stack owns these descriptors and outlives the
                // poll.
                fds.push(PollFd::new(unsafe { BorrowedFd::borrow_raw(*fd) }, *events));
            }
            let timeout = stack
                .next_timeout()
                .map(|t| {
                    PollTimeout::try_from(t + Duration::from_micros(500))
                        .unwrap_or(PollTimeout::MAX)
                })
                .unwrap_or(PollTimeout::NONE);
            match nix::poll::poll(&mut fds, timeout) {
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
            let events = |p: &PollFd| p.revents().unwrap_or(PollFlags::empty());
            let ready: Vec<(RawFd, PollFlags)> = wanted
                .iter()
                .zip(&fds[1..])
                .map(|((fd, _), p)| (*fd, events(p)))
                .collect();
            (!events(&fds[0]).is_empty(), ready)
        };
        if ctl_ready {
            match receive(ctl.as_fd()) {
                Ok(Some((bytes, _))) => {
                    let routed: Vec<(std::net::Ipv4Addr, u8)> =
                        serde_json::from_slice(&bytes).unwrap_or_default();
                    stack.set_routed(routed)?;
                }
                // The host has gone: so do we.
                Ok(None) | Err(_) => return Ok(()),
            }
        }
        stack.process(&ready);
    }
}

/// The first free address of the subnet (its lease range when set): not
/// the network address, the gateway, the broadcast, nor `used`.
fn allocate(s: &super::Subnet, used: &[IpAddr]) -> Option<IpAddr> {
    let (first, last) = match &s.lease_range {
        Some(r) => (s.subnet.offset(&r.start_ip)?, s.subnet.offset(&r.end_ip)?),
        None => (1, s.subnet.size().saturating_sub(1)),
    };
    (first.max(1)..=last)
        .take(1 << 20)
        .filter_map(|n| s.subnet.nth(n))
        .find(|ip| super::usable(&s.subnet, ip) && s.gateway != Some(*ip) && !used.contains(ip))
}

/// A locally administered MAC from the address, so a container keeps its
/// MAC with its address.
fn mac_for(ip: &IpAddr) -> [u8; 6] {
    let bytes = match ip {
        IpAddr::V4(v4) => v4.octets(),
        IpAddr::V6(v6) => {
            let o = v6.octets();
            [o[12], o[13], o[14], o[15]]
        }
    };
    [0x02, 0x42, bytes[0], bytes[1], bytes[2], bytes[3]]
}

pub fn parse_mac(text: &str) -> anyhow::Result<[u8; 6]> {
    let parts: Vec<&str> = text.split(':').collect();
    let bad = || anyhow::anyhow!("invalid MAC address {text:?}");
    if parts.len() != 6 {
        return Err(bad());
    }
    let mut mac = [0u8; 6];
    for (slot, p) in mac.iter_mut().zip(parts) {
        if p.len() != 2 {
            return Err(bad());
        }
        *slot = u8::from_str_radix(p, 16).map_err(|_| bad())?;
    }
    if mac[0] & 1 == 1 {
        return Err(anyhow::anyhow!(
            "invalid MAC address {text:?}: a multicast address"
        ));
    }
    Ok(mac)
}

fn format_mac(mac: &[u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Address and route the container's interfaces, from a thread that
/// enters its network namespace (the host's other threads stay out).
fn configure_inside(
    netns: &OwnedFd,
    ifaces: Vec<Interface>,
    route: Option<Interface>,
) -> anyhow::Result<()> {
    let netns = netns.try_clone()?;
    std::thread::spawn(move || -> anyhow::Result<()> {
        nix::sched::setns(&netns, nix::sched::CloneFlags::CLONE_NEWNET)
            .context("entering the container's network namespace")?;
        let mut nl = Netlink::open()?;
        for iface in &ifaces {
            let index = netlink::index_of(&iface.interface)?;
            for (ip, prefix) in &iface.addresses {
                nl.add_address(index, *ip, *prefix)?;
            }
            nl.set_up(index)?;
        }
        if let Some(r) = route {
            let index = netlink::index_of(&r.interface)?;
            for gw in &r.gateways {
                nl.add_default_route(index, *gw)?;
            }
        }
        Ok(())
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the thread configuring the container's network panicked"))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::named::{subnet::Cidr, LeaseRange, Subnet};

    #[test]
    fn allocation_skips_gateway_used_and_stays_in_range() {
        let s = Subnet {
            subnet: Cidr::parse("10.89.0.0/29").unwrap(),
            gateway: Some("10.89.0.1".parse().unwrap()),
            lease_range: None,
        };
        let ip = |t: &str| -> IpAddr { t.parse().unwrap() };
        assert_eq!(allocate(&s, &[]), Some(ip("10.89.0.2")));
        assert_eq!(allocate(&s, &[ip("10.89.0.2")]), Some(ip("10.89.0.3")));
        let all: Vec<IpAddr> = (2..=6).map(|n| ip(&format!("10.89.0.{n}"))).collect();
        assert_eq!(allocate(&s, &all), None);
        let ranged = Subnet {
            lease_range: Some(LeaseRange {
                start_ip: ip("10.89.0.5"),
                end_ip: ip("10.89.0.6"),
            }),
            ..s
        };
        assert_eq!(allocate(&ranged, &[]), Some(ip("10.89.0.5")));
    }

    #[test]
    fn macs() {
        assert_eq!(
            parse_mac("02:42:0a:59:00:02").unwrap(),
            [2, 0x42, 10, 0x59, 0, 2]
        );
        assert!(parse_mac("01:00:00:00:00:00").is_err());
        assert!(parse_mac("02:42:0a:59:00").is_err());
        assert!(parse_mac("zz:42:0a:59:00:02").is_err());
        assert_eq!(
            format_mac(&mac_for(&"10.89.0.2".parse().unwrap())),
            "02:42:0a:59:00:02"
        );
    }
}
