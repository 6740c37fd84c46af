//! The user-mode network stack behind a container's tap: a smoltcp
//! interface that is the gateway (10.0.2.2) and the DNS forwarder
//! (10.0.2.3), and a NAT that turns the container's flows into host
//! sockets and published ports' host sockets into flows in the container.
//!
//! Everything runs in the monitor's single poll loop (the monitor forks the
//! container again on restart, so it must stay single-threaded): the loop
//! asks [`Slirp::poll_fds`] what to wait for, polls them with
//! [`Slirp::next_timeout`], and hands what was ready to [`Slirp::process`].
//! Every descriptor is non-blocking; nothing here ever waits.
//!
//! Frames from the tap are sorted before the stack sees them: TCP SYNs
//! that open flows go to the TCP NAT (see [`tcp`]), UDP to the UDP relay
//! (see [`udp`]), ICMP echo requests to other hosts to the ping relay
//! (see [`icmp`]); the rest (ARP, TCP segments of known flows, pings of
//! the stack's own addresses) goes to smoltcp.

mod device;
mod icmp;
mod tcp;
mod udp;

use super::ports::{BoundPort, HostSocket};
use super::{CONTAINER_IP, DNS_IP, GATEWAY_IP, GATEWAY_MAC, GUEST_MAC, PREFIX_LEN};
use device::TapDevice;
use nix::poll::PollFlags;
use smoltcp::iface::{Config, Interface, SocketSet};
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    EthernetAddress, EthernetFrame, EthernetProtocol, EthernetRepr, HardwareAddress, Icmpv4Message,
    Icmpv4Packet, IpAddress, IpCidr, IpProtocol, Ipv4Address, Ipv4Packet, Ipv4Repr, TcpPacket,
    UdpPacket, UdpRepr,
};
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// Frames read from the tap in one `process` call at most, so host
/// sockets get their turn when the container floods.
const RX_BUDGET: usize = 512;
/// Egress rounds in one `process` call at most (each sends up to one
/// segment per socket).
const EGRESS_ROUNDS: usize = 64;

/// How the network behaves.
#[derive(Debug, Clone)]
pub struct SlirpConfig {
    pub mtu: u32,
    pub allow_host_loopback: bool,
    /// Where DNS queries to 10.0.2.3 go (the first one).
    pub dns_upstreams: Vec<SocketAddr>,
    /// Networks behind the container (the network host's bridges, for
    /// which its namespace is the uplink's guest): their packets are
    /// relayed as the container's, answers are routed back through it,
    /// and nothing is relayed to them.
    pub routed: Vec<(Ipv4Addr, u8)>,
}

impl SlirpConfig {
    /// From `--network slirp:...` options, with the host's resolvers.
    pub fn new(options: &super::SlirpOptions) -> SlirpConfig {
        SlirpConfig {
            mtu: options.mtu,
            allow_host_loopback: options.allow_host_loopback,
            dns_upstreams: super::host_resolvers(),
            routed: Vec::new(),
        }
    }
}

/// Descriptors that poll() reported, with their events.
pub(crate) struct Ready(HashMap<RawFd, PollFlags>);

impl Ready {
    fn any(&self, fd: RawFd) -> bool {
        self.0.get(&fd).is_some_and(|f| !f.is_empty())
    }
    fn fds(&self) -> impl Iterator<Item = RawFd> + '_ {
        self.0.keys().copied()
    }
}

/// Builds frames to the container outside the stack (UDP and ICMP echo
/// replies).
pub(crate) struct Emitter {
    fd: RawFd,
    guest_mac: EthernetAddress,
    ip_mtu: usize,
    buf: Vec<u8>,
}

impl Emitter {
    /// A UDP datagram from `src` to the container's `dst` (its address,
    /// or a routed guest's).
    fn udp(&mut self, src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), payload: &[u8]) {
        let udp = UdpRepr {
            src_port: src.1,
            dst_port: dst.1,
        };
        let ip = Ipv4Repr {
            src_addr: src.0,
            dst_addr: dst.0,
            next_header: IpProtocol::Udp,
            payload_len: udp.header_len() + payload.len(),
            hop_limit: 64,
        };
        if ip.buffer_len() + ip.payload_len > self.ip_mtu {
            // Too big for the link and we do not fragment: dropped, as a
            // router with DF would.
            return;
        }
        let eth = EthernetRepr {
            src_addr: EthernetAddress(GATEWAY_MAC),
            dst_addr: self.guest_mac,
            ethertype: EthernetProtocol::Ipv4,
        };
        let len = eth.buffer_len() + ip.buffer_len() + ip.payload_len;
        self.buf.resize(len, 0);
        let caps = ChecksumCapabilities::default();
        let mut frame = EthernetFrame::new_unchecked(&mut self.buf[..]);
        eth.emit(&mut frame);
        let mut packet = Ipv4Packet::new_unchecked(frame.payload_mut());
        ip.emit(&mut packet, &caps);
        let mut datagram = UdpPacket::new_unchecked(packet.payload_mut());
        udp.emit(
            &mut datagram,
            &IpAddress::Ipv4(src.0),
            &IpAddress::Ipv4(dst.0),
            payload.len(),
            |p| p.copy_from_slice(payload),
            &caps,
        );
        device::write_frame(self.fd, &self.buf[..len]);
    }

    /// An ICMP echo reply from `src` to the container.
    fn echo_reply(&mut self, src: Ipv4Addr, ident: u16, seq_no: u16, data: &[u8]) {
        let built = icmp::echo_reply_frame(
            &mut self.buf,
            self.guest_mac,
            self.ip_mtu,
            src,
            ident,
            seq_no,
            data,
        );
        if let Some(len) = built {
            device::write_frame(self.fd, &self.buf[..len]);
        }
    }
}

/// One container's network: the tap, the stack, the NAT and the published
/// ports' host sockets.
pub struct Slirp {
    tap: OwnedFd,
    device: TapDevice,
    iface: Interface,
    sockets: SocketSet<'static>,
    config: SlirpConfig,
    emitter: Emitter,
    tcp: tcp::Tcp,
    udp: udp::Udp,
    icmp: icmp::Icmp,
    published: Vec<BoundPort>,
    epoch: Instant,
    deadline: Option<Instant>,
    frame: Vec<u8>,
}

impl Slirp {
    /// Take over the container's tap (from [`super::tap::create`]) and
    /// the published ports' sockets (from [`super::ports::bind_all`]).
    pub fn new(
        tap: OwnedFd,
        config: SlirpConfig,
        published: Vec<BoundPort>,
    ) -> anyhow::Result<Slirp> {
        crate::sys::fd::set_nonblocking(std::os::fd::AsFd::as_fd(&tap))?;
        let ip_mtu = config.mtu as usize;
        let mut device = TapDevice::new(tap.as_raw_fd(), ip_mtu);
        let epoch = Instant::now();
        let mut iface_config = Config::new(HardwareAddress::Ethernet(EthernetAddress(GATEWAY_MAC)));
        iface_config.random_seed = epoch.elapsed().as_nanos() as u64 ^ std::process::id() as u64;
        let mut iface = Interface::new(iface_config, &mut device, smoltcp::time::Instant::ZERO);
        iface.update_ip_addrs(|addrs| {
            let _ = addrs.push(IpCidr::new(IpAddress::Ipv4(GATEWAY_IP), PREFIX_LEN));
            let _ = addrs.push(IpCidr::new(IpAddress::Ipv4(DNS_IP), PREFIX_LEN));
        });
        // Accept packets for every address: the NAT decides what to do
        // with them (any_ip needs a route through one of our addresses).
        iface
            .routes_mut()
            .add_default_ipv4_route(GATEWAY_IP)
            .map_err(|_| anyhow::anyhow!("setting up the network stack's route"))?;
        iface.set_any_ip(true);
        add_guest_routes(&mut iface, &config.routed)?;
        let emitter = Emitter {
            fd: tap.as_raw_fd(),
            guest_mac: EthernetAddress(GUEST_MAC),
            ip_mtu,
            buf: Vec::new(),
        };
        Ok(Slirp {
            tap,
            device,
            iface,
            sockets: SocketSet::new(Vec::new()),
            config,
            emitter,
            tcp: tcp::Tcp::default(),
            udp: udp::Udp::default(),
            icmp: icmp::Icmp::default(),
            published,
            epoch,
            deadline: None,
            frame: vec![0; ip_mtu + 14 + 4],
        })
    }

    /// The published ports (host ports resolved).
    pub fn published(&self) -> Vec<super::ports::PublishedPort> {
        self.published.iter().map(|b| b.port).collect()
    }

    /// Give back the published ports' host sockets, to serve the next run
    /// of the same container (restart policy) without binding them again.
    pub fn into_published(self) -> Vec<BoundPort> {
        self.published
    }

    /// Flows being relayed (TCP connections, UDP flows and ping sockets).
    pub fn flow_count(&self) -> usize {
        self.tcp.flow_count() + self.udp.flow_count() + self.icmp.flow_count()
    }

    /// Echo replies that came back through the host's ping sockets and were
    /// relayed to the container.
    pub fn pings_relayed(&self) -> u64 {
        self.icmp.relayed()
    }

    /// Open TCP connections (and connects under way): what a container
    /// that just exited may still have in flight.
    pub fn tcp_connections(&self) -> usize {
        self.tcp.flow_count()
    }

    /// What to wait for: the tap, and every host socket with something to
    /// do.
    pub fn poll_fds(&self) -> Vec<(RawFd, PollFlags)> {
        let mut out = vec![(self.tap.as_raw_fd(), PollFlags::POLLIN)];
        for b in &self.published {
            out.push((b.as_fd().as_raw_fd(), PollFlags::POLLIN));
        }
        self.tcp.poll_fds(&self.sockets, &mut out);
        self.udp.poll_fds(&mut out);
        self.icmp.poll_fds(&mut out);
        out
    }

    /// How long poll() may wait at most before [`Slirp::process`] must
    /// run again (TCP timers, idle flows), None for "until a descriptor is
    /// ready".
    pub fn next_timeout(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    fn now(&self) -> smoltcp::time::Instant {
        smoltcp::time::Instant::from_micros(self.epoch.elapsed().as_micros() as i64)
    }

    /// Do everything that can be done without waiting. `ready` holds the
    /// descriptors poll() reported (from [`Slirp::poll_fds`]), with their
    /// revents; calling it with nothing ready runs the timers.
    pub fn process(&mut self, ready: &[(RawFd, PollFlags)]) {
        let ready = Ready(
            ready
                .iter()
                .filter(|(_, f)| !f.is_empty())
                .copied()
                .collect(),
        );
        for b in &self.published {
            if let HostSocket::Tcp(listener) = &b.socket {
                if ready.any(listener.as_raw_fd()) {
                    self.tcp.accept(
                        listener,
                        b.port.container_port,
                        &mut self.iface,
                        &mut self.sockets,
                    );
                }
            }
        }
        self.udp
            .relay_in(&ready, &self.published, &mut self.emitter);
        self.icmp.relay_in(&ready, &mut self.emitter);
        self.tcp
            .resolve_pending(&ready, &mut self.sockets, &mut self.device.rx);
        if ready.any(self.tap.as_raw_fd()) {
            self.read_tap();
        }
        let now = self.now();
        self.iface.poll(now, &mut self.device, &mut self.sockets);
        self.tcp.relay(&ready, &mut self.sockets);
        for _ in 0..EGRESS_ROUNDS {
            let sent = self.iface.poll(now, &mut self.device, &mut self.sockets);
            let moved = self.tcp.relay(&Ready(HashMap::new()), &mut self.sockets);
            if sent == smoltcp::iface::PollResult::None && !moved {
                break;
            }
        }
        self.tcp.cleanup(&mut self.sockets);
        self.udp.expire();
        self.icmp.expire();
        let stack = self
            .iface
            .poll_delay(self.now(), &self.sockets)
            .map(|d| Instant::now() + Duration::from_micros(d.total_micros()));
        self.deadline = [
            stack,
            self.tcp.deadline(),
            self.udp.deadline(),
            self.icmp.deadline(),
        ]
        .into_iter()
        .flatten()
        .min();
    }

    /// Read what the container sent, up to the budget, and sort it.
    fn read_tap(&mut self) {
        for _ in 0..RX_BUDGET {
            // SAFETY: read into our own buffer from our own descriptor.
            let n = unsafe {
                libc::read(
                    self.tap.as_raw_fd(),
                    self.frame.as_mut_ptr().cast(),
                    self.frame.len(),
                )
            };
            if n <= 0 {
                if n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                return;
            }
            let frame = self.frame[..n as usize].to_vec();
            if !self.intercept(&frame) {
                self.device.rx.push_back(frame);
            }
        }
    }

    /// Take the frames the NAT handles; false leaves it to the stack.
    fn intercept(&mut self, frame: &[u8]) -> bool {
        let Ok(eth) = EthernetFrame::new_checked(frame) else {
            return true;
        };
        if eth.ethertype() != EthernetProtocol::Ipv4 {
            return false;
        }
        if eth.src_addr().is_unicast() {
            self.emitter.guest_mac = eth.src_addr();
        }
        let Ok(ip) = Ipv4Packet::new_checked(eth.payload()) else {
            return true;
        };
        if ip.more_frags() || ip.frag_offset() != 0 {
            // Fragments: left to the stack, which drops them (the MTU is
            // large enough that the container's stack rarely sends any).
            return false;
        }
        let (src, dst) = (ip.src_addr(), ip.dst_addr());
        match ip.next_header() {
            IpProtocol::Tcp => {
                let Ok(seg) = TcpPacket::new_checked(ip.payload()) else {
                    return true;
                };
                let key = (src, seg.src_port(), dst, seg.dst_port());
                if seg.syn() && !seg.ack() {
                    let target = self.translate(dst, seg.dst_port());
                    return self.tcp.syn(key, frame, target, &mut self.sockets);
                }
                if seg.rst() {
                    self.tcp.rst(&key);
                }
                false
            }
            IpProtocol::Udp => {
                if let Ok(d) = UdpPacket::new_checked(ip.payload()) {
                    if src == CONTAINER_IP || self.is_routed(src) {
                        let target = self.translate(dst, d.dst_port());
                        let key = (src, d.src_port(), dst, d.dst_port());
                        self.udp.outbound(key, d.payload(), target, &self.published);
                    }
                }
                true
            }
            IpProtocol::Icmp => self.intercept_icmp(src, dst, ip.payload()),
            _ => false,
        }
    }

    /// An ICMP message from the container. Echo requests to addresses the
    /// relay may reach go to a ping socket (10.0.2.2 too when it is the
    /// host's loopback); pings of the stack's own addresses otherwise stay
    /// with smoltcp, which answers them; the rest is dropped.
    fn intercept_icmp(&mut self, src: Ipv4Address, dst: Ipv4Address, message: &[u8]) -> bool {
        let Some(target) = host_address(dst, self.config.allow_host_loopback) else {
            return !self.iface.has_ip_addr(IpAddress::Ipv4(dst));
        };
        if src == CONTAINER_IP {
            if let Ok(p) = Icmpv4Packet::new_checked(message) {
                if p.msg_type() == Icmpv4Message::EchoRequest
                    && p.msg_code() == 0
                    && p.verify_checksum()
                {
                    let key = (p.echo_ident(), dst);
                    self.icmp.outbound(key, p.echo_seq_no(), p.data(), target);
                }
            }
        }
        true
    }

    /// Whether `ip` is in one of the routed networks.
    fn is_routed(&self, ip: Ipv4Address) -> bool {
        in_any(&self.config.routed, ip)
    }

    /// Change the routed networks (the network host's bridges in use).
    pub fn set_routed(&mut self, routed: Vec<(Ipv4Addr, u8)>) -> anyhow::Result<()> {
        self.iface.routes_mut().update(|r| r.clear());
        self.iface
            .routes_mut()
            .add_default_ipv4_route(GATEWAY_IP)
            .map_err(|_| anyhow::anyhow!("setting up the network stack's route"))?;
        add_guest_routes(&mut self.iface, &routed)?;
        self.config.routed = routed;
        Ok(())
    }

    /// Where the container's flow to `dst:port` goes on the host; None to
    /// refuse it.
    fn translate(&self, dst: Ipv4Address, port: u16) -> Option<SocketAddr> {
        // The routed networks are kept apart: nothing goes to them.
        if self.is_routed(dst) {
            return None;
        }
        if dst == DNS_IP {
            return if port == 53 {
                self.config.dns_upstreams.first().copied()
            } else {
                None
            };
        }
        host_address(dst, self.config.allow_host_loopback).map(|a| SocketAddr::from((a, port)))
    }
}

fn in_any(nets: &[(Ipv4Addr, u8)], ip: Ipv4Addr) -> bool {
    nets.iter().any(|(net, len)| {
        let mask = u32::MAX.checked_shl(32 - *len as u32).unwrap_or(0);
        u32::from(ip) & mask == u32::from(*net) & mask
    })
}

/// Routes to the routed networks through the container's address (the
/// guest forwards to them); other destinations keep the default route.
fn add_guest_routes(iface: &mut Interface, routed: &[(Ipv4Addr, u8)]) -> anyhow::Result<()> {
    for (net, len) in routed {
        let cidr = smoltcp::wire::Ipv4Cidr::new(*net, *len);
        let route = smoltcp::iface::Route {
            cidr: IpCidr::Ipv4(cidr),
            via_router: IpAddress::Ipv4(CONTAINER_IP),
            preferred_until: None,
            expires_at: None,
        };
        let mut full = false;
        iface.routes_mut().update(|r| full = r.push(route).is_err());
        if full {
            anyhow::bail!("too many networks routed through the uplink");
        }
    }
    Ok(())
}

/// Where the container's packets to `dst` go on the host, by address: the
/// gateway is the host's loopback only when allowed; our own network,
/// loopback, multicast and broadcast addresses go nowhere (None).
fn host_address(dst: Ipv4Addr, allow_host_loopback: bool) -> Option<Ipv4Addr> {
    if dst == GATEWAY_IP {
        return allow_host_loopback.then_some(Ipv4Addr::LOCALHOST);
    }
    let network = u32::from(GATEWAY_IP) >> (32 - PREFIX_LEN);
    if u32::from(dst) >> (32 - PREFIX_LEN) == network
        || dst.is_loopback()
        || dst.is_unspecified()
        || dst.is_broadcast()
        || dst.is_multicast()
    {
        return None;
    }
    Some(dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_address_rules() {
        let a = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        // The gateway is the host's loopback only when allowed.
        assert_eq!(host_address(GATEWAY_IP, true), Some(Ipv4Addr::LOCALHOST));
        assert_eq!(host_address(GATEWAY_IP, false), None);
        for allow in [false, true] {
            // Our own network (the DNS address, the container, the rest).
            for own in [
                "10.0.2.3",
                "10.0.2.100",
                "10.0.2.5",
                "10.0.2.0",
                "10.0.2.255",
            ] {
                assert_eq!(host_address(a(own), allow), None, "{own}");
            }
            for never in [
                "127.0.0.1",
                "127.0.0.2",
                "0.0.0.0",
                "255.255.255.255",
                "224.0.0.1",
            ] {
                assert_eq!(host_address(a(never), allow), None, "{never}");
            }
            // Anywhere else, as is (addresses next to ours too).
            for other in ["192.0.2.1", "10.0.3.1", "10.0.1.255", "8.8.8.8"] {
                assert_eq!(host_address(a(other), allow), Some(a(other)), "{other}");
            }
        }
    }
}
