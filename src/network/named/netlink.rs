//! A thin rtnetlink client: the few requests the network host makes
//! (bridges, veth pairs, addresses, routes, link state), each sent with
//! an acknowledgement asked for and its error returned. The socket talks
//! to the network namespace of the thread that opened it.

use anyhow::Context;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

const NLMSG_HDRLEN: usize = 16;
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFLA_MASTER: u16 = 10;
const IFLA_LINKINFO: u16 = 18;
const IFLA_ADDRESS: u16 = 1;
const IFLA_NET_NS_FD: u16 = 28;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const VETH_INFO_PEER: u16 = 1;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_BROADCAST: u16 = 4;
const RTA_GATEWAY: u16 = 5;
const RTA_OIF: u16 = 4;
const RTA_DST: u16 = 1;
const RTA_TABLE: u16 = 15;
const FRA_IIFNAME: u16 = 3;
const FRA_PRIORITY: u16 = 6;
const FRA_TABLE: u16 = 15;
const FR_ACT_TO_TBL: u8 = 1;
const NLA_F_NESTED: u16 = 1 << 15;

/// A route netlink socket.
pub struct Netlink {
    fd: OwnedFd,
    seq: u32,
}

/// A message under construction: header, fixed part, attributes.
struct Msg {
    buf: Vec<u8>,
    nests: Vec<usize>,
}

fn align(n: usize) -> usize {
    (n + 3) & !3
}

impl Msg {
    fn new(kind: u16, flags: u16) -> Msg {
        let mut buf = vec![0u8; NLMSG_HDRLEN];
        buf[4..6].copy_from_slice(&kind.to_ne_bytes());
        let flags = flags | libc::NLM_F_REQUEST as u16 | libc::NLM_F_ACK as u16;
        buf[6..8].copy_from_slice(&flags.to_ne_bytes());
        Msg {
            buf,
            nests: Vec::new(),
        }
    }

    fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self.buf.resize(align(self.buf.len()), 0);
        self
    }

    /// An `ifinfomsg`.
    fn ifinfo(&mut self, index: i32, flags: u32, change: u32) -> &mut Self {
        let mut m = [0u8; 16];
        m[0] = libc::AF_UNSPEC as u8;
        m[4..8].copy_from_slice(&index.to_ne_bytes());
        m[8..12].copy_from_slice(&flags.to_ne_bytes());
        m[12..16].copy_from_slice(&change.to_ne_bytes());
        self.raw(&m)
    }

    fn attr(&mut self, kind: u16, data: &[u8]) -> &mut Self {
        let len = (4 + data.len()) as u16;
        self.buf.extend_from_slice(&len.to_ne_bytes());
        self.buf.extend_from_slice(&kind.to_ne_bytes());
        self.raw(data)
    }

    fn attr_str(&mut self, kind: u16, s: &str) -> &mut Self {
        let mut bytes = s.as_bytes().to_vec();
        bytes.push(0);
        self.attr(kind, &bytes)
    }

    fn attr_u32(&mut self, kind: u16, v: u32) -> &mut Self {
        self.attr(kind, &v.to_ne_bytes())
    }

    fn begin(&mut self, kind: u16) -> &mut Self {
        self.nests.push(self.buf.len());
        self.buf.extend_from_slice(&[0, 0]);
        self.buf
            .extend_from_slice(&(kind | NLA_F_NESTED).to_ne_bytes());
        self
    }

    fn end(&mut self) -> &mut Self {
        let start = self.nests.pop().expect("a nest is open");
        let len = (self.buf.len() - start) as u16;
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
        self
    }

    fn finish(&mut self, seq: u32) -> &[u8] {
        let len = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&len.to_ne_bytes());
        self.buf[8..12].copy_from_slice(&seq.to_ne_bytes());
        &self.buf
    }
}

fn ip_bytes(ip: &IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

fn family(ip: &IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => libc::AF_INET as u8,
        IpAddr::V6(_) => libc::AF_INET6 as u8,
    }
}

impl Netlink {
    /// A socket in the calling thread's network namespace.
    pub fn open() -> anyhow::Result<Netlink> {
        // SAFETY: plain socket(2); the result is checked.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_ROUTE,
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error()).context("opening a netlink socket");
        }
        // SAFETY: fd is a fresh descriptor that we own.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Netlink { fd, seq: 0 })
    }

    fn request(&mut self, msg: &mut Msg, what: &str) -> anyhow::Result<()> {
        self.seq += 1;
        let seq = self.seq;
        let bytes = msg.finish(seq);
        // SAFETY: sending a buffer we own to the kernel (address 0).
        let sent =
            unsafe { libc::send(self.fd.as_raw_fd(), bytes.as_ptr().cast(), bytes.len(), 0) };
        if sent < 0 {
            return Err(std::io::Error::last_os_error()).context(what.to_string());
        }
        let mut reply = [0u8; 8192];
        loop {
            // SAFETY: receiving into a buffer we own.
            let n = unsafe {
                libc::recv(
                    self.fd.as_raw_fd(),
                    reply.as_mut_ptr().cast(),
                    reply.len(),
                    0,
                )
            };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e).context(what.to_string());
            }
            let mut at = 0usize;
            let n = n as usize;
            while at + NLMSG_HDRLEN <= n {
                let len = u32::from_ne_bytes(reply[at..at + 4].try_into().unwrap()) as usize;
                let kind = u16::from_ne_bytes(reply[at + 4..at + 6].try_into().unwrap());
                let rseq = u32::from_ne_bytes(reply[at + 8..at + 12].try_into().unwrap());
                if len < NLMSG_HDRLEN {
                    break;
                }
                if kind == libc::NLMSG_ERROR as u16 && rseq == seq {
                    let code = i32::from_ne_bytes(
                        reply[at + NLMSG_HDRLEN..at + NLMSG_HDRLEN + 4]
                            .try_into()
                            .unwrap(),
                    );
                    if code == 0 {
                        return Ok(());
                    }
                    return Err(std::io::Error::from_raw_os_error(-code)).context(what.to_string());
                }
                at += align(len);
            }
        }
    }

    /// A bridge named `name` with the address `mac`, up. A bridge given
    /// no address takes its lowest port's and changes it when that port
    /// goes, which strands every container's cached neighbour entry for
    /// the gateway: an address set here stays.
    pub fn add_bridge(
        &mut self,
        name: &str,
        mtu: Option<u32>,
        mac: [u8; 6],
    ) -> anyhow::Result<i32> {
        let mut m = Msg::new(
            libc::RTM_NEWLINK,
            (libc::NLM_F_CREATE | libc::NLM_F_EXCL) as u16,
        );
        m.ifinfo(0, 0, 0).attr_str(IFLA_IFNAME, name);
        m.attr(IFLA_ADDRESS, &mac);
        if let Some(mtu) = mtu {
            m.attr_u32(IFLA_MTU, mtu);
        }
        m.begin(IFLA_LINKINFO)
            .attr_str(IFLA_INFO_KIND, "bridge")
            .end();
        self.request(&mut m, &format!("creating bridge {name}"))?;
        let index = index_of(name)?;
        self.set_up(index)?;
        Ok(index)
    }

    /// A veth pair: `host` here, enslaved to `bridge` and up; `peer` moved
    /// into the network namespace `netns` (a descriptor), with `mac`.
    pub fn add_veth(
        &mut self,
        host: &str,
        bridge: i32,
        peer: &str,
        netns: RawFd,
        mtu: u32,
        mac: Option<[u8; 6]>,
    ) -> anyhow::Result<i32> {
        let mut m = Msg::new(
            libc::RTM_NEWLINK,
            (libc::NLM_F_CREATE | libc::NLM_F_EXCL) as u16,
        );
        m.ifinfo(0, 0, 0)
            .attr_str(IFLA_IFNAME, host)
            .attr_u32(IFLA_MTU, mtu)
            .attr_u32(IFLA_MASTER, bridge as u32);
        m.begin(IFLA_LINKINFO)
            .attr_str(IFLA_INFO_KIND, "veth")
            .begin(IFLA_INFO_DATA)
            .begin(VETH_INFO_PEER)
            .ifinfo(0, 0, 0)
            .attr_str(IFLA_IFNAME, peer)
            .attr_u32(IFLA_MTU, mtu)
            .attr_u32(IFLA_NET_NS_FD, netns as u32);
        if let Some(mac) = mac {
            m.attr(IFLA_ADDRESS, &mac);
        }
        m.end().end().end();
        self.request(&mut m, &format!("creating veth pair {host}"))?;
        let index = index_of(host)?;
        self.set_up(index)?;
        Ok(index)
    }

    /// Bring the link `index` up.
    pub fn set_up(&mut self, index: i32) -> anyhow::Result<()> {
        let mut m = Msg::new(libc::RTM_NEWLINK, 0);
        m.ifinfo(index, libc::IFF_UP as u32, libc::IFF_UP as u32);
        self.request(&mut m, "bringing a link up")
    }

    /// Delete the link `name`, if it exists.
    pub fn delete_link(&mut self, name: &str) -> anyhow::Result<()> {
        let Ok(index) = index_of(name) else {
            return Ok(());
        };
        let mut m = Msg::new(libc::RTM_DELLINK, 0);
        m.ifinfo(index, 0, 0);
        match self.request(&mut m, &format!("deleting {name}")) {
            Err(e) if is_errno(&e, libc::ENODEV) => Ok(()),
            other => other,
        }
    }

    /// Address `ip/prefix` on the link `index`.
    pub fn add_address(&mut self, index: i32, ip: IpAddr, prefix: u8) -> anyhow::Result<()> {
        let mut m = Msg::new(
            libc::RTM_NEWADDR,
            (libc::NLM_F_CREATE | libc::NLM_F_EXCL) as u16,
        );
        let mut hdr = [0u8; 8];
        hdr[0] = family(&ip);
        hdr[1] = prefix;
        hdr[4..8].copy_from_slice(&index.to_ne_bytes());
        m.raw(&hdr)
            .attr(IFA_LOCAL, &ip_bytes(&ip))
            .attr(IFA_ADDRESS, &ip_bytes(&ip));
        if let IpAddr::V4(v4) = ip {
            let cidr = super::subnet::Cidr::new(ip, prefix);
            if prefix < 31 {
                m.attr(IFA_BROADCAST, &ip_bytes(&cidr.last()));
            }
            let _ = v4;
        }
        self.request(&mut m, &format!("adding address {ip}/{prefix}"))
    }

    /// The default route of `ip`'s family via `gateway` on link `index`.
    pub fn add_default_route(&mut self, index: i32, gateway: IpAddr) -> anyhow::Result<()> {
        let mut m = Msg::new(
            libc::RTM_NEWROUTE,
            (libc::NLM_F_CREATE | libc::NLM_F_EXCL) as u16,
        );
        let mut hdr = [0u8; 12];
        hdr[0] = family(&gateway);
        hdr[4] = libc::RT_TABLE_MAIN;
        hdr[5] = libc::RTPROT_BOOT;
        hdr[6] = libc::RT_SCOPE_UNIVERSE;
        hdr[7] = libc::RTN_UNICAST;
        m.raw(&hdr)
            .attr(RTA_GATEWAY, &ip_bytes(&gateway))
            .attr_u32(RTA_OIF, index as u32);
        self.request(&mut m, &format!("adding the default route via {gateway}"))
    }
}

/// What a route does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    /// Out of link `oif`, through `gateway` when given.
    Via { oif: i32, gateway: Option<IpAddr> },
    /// Refused (EACCES to the sender).
    Prohibit,
}

impl Netlink {
    /// A route to `dst/len` in `table`.
    pub fn add_route(
        &mut self,
        table: u32,
        dst: IpAddr,
        len: u8,
        kind: RouteKind,
    ) -> anyhow::Result<()> {
        let mut m = Msg::new(
            libc::RTM_NEWROUTE,
            (libc::NLM_F_CREATE | libc::NLM_F_REPLACE) as u16,
        );
        self.route_msg(&mut m, table, dst, len, kind);
        self.request(
            &mut m,
            &format!("adding a route to {dst}/{len} in table {table}"),
        )
    }

    /// Delete the route to `dst/len` in `table`, if there.
    pub fn delete_route(&mut self, table: u32, dst: IpAddr, len: u8) -> anyhow::Result<()> {
        let mut m = Msg::new(libc::RTM_DELROUTE, 0);
        let mut hdr = [0u8; 12];
        hdr[0] = family(&dst);
        hdr[1] = len;
        hdr[4] = libc::RT_TABLE_UNSPEC;
        m.raw(&hdr).attr_u32(RTA_TABLE, table);
        if len > 0 {
            m.attr(RTA_DST, &ip_bytes(&dst));
        }
        match self.request(&mut m, "deleting a route") {
            Err(e) if is_errno(&e, libc::ESRCH) => Ok(()),
            other => other,
        }
    }

    fn route_msg(&mut self, m: &mut Msg, table: u32, dst: IpAddr, len: u8, kind: RouteKind) {
        let mut hdr = [0u8; 12];
        hdr[0] = family(&dst);
        hdr[1] = len;
        hdr[4] = libc::RT_TABLE_UNSPEC;
        hdr[5] = libc::RTPROT_BOOT;
        match kind {
            RouteKind::Via { gateway, .. } => {
                hdr[6] = if gateway.is_some() {
                    libc::RT_SCOPE_UNIVERSE
                } else {
                    libc::RT_SCOPE_LINK
                };
                hdr[7] = libc::RTN_UNICAST;
            }
            RouteKind::Prohibit => {
                hdr[6] = libc::RT_SCOPE_UNIVERSE;
                hdr[7] = libc::RTN_PROHIBIT;
            }
        }
        m.raw(&hdr).attr_u32(RTA_TABLE, table);
        if len > 0 {
            m.attr(RTA_DST, &ip_bytes(&dst));
        }
        if let RouteKind::Via { oif, gateway } = kind {
            if let Some(gw) = gateway {
                m.attr(RTA_GATEWAY, &ip_bytes(&gw));
            }
            m.attr_u32(RTA_OIF, oif as u32);
        }
    }

    /// The rule "packets that came in on `iif` look up `table`", or with
    /// `add` false its removal.
    pub fn iif_rule(
        &mut self,
        add: bool,
        v4: bool,
        iif: &str,
        table: u32,
        priority: u32,
    ) -> anyhow::Result<()> {
        let (kind, flags) = if add {
            (
                libc::RTM_NEWRULE,
                (libc::NLM_F_CREATE | libc::NLM_F_EXCL) as u16,
            )
        } else {
            (libc::RTM_DELRULE, 0)
        };
        let mut m = Msg::new(kind, flags);
        let mut hdr = [0u8; 12];
        hdr[0] = if v4 { libc::AF_INET } else { libc::AF_INET6 } as u8;
        hdr[7] = FR_ACT_TO_TBL;
        m.raw(&hdr)
            .attr_str(FRA_IIFNAME, iif)
            .attr_u32(FRA_TABLE, table)
            .attr_u32(FRA_PRIORITY, priority);
        match self.request(&mut m, &format!("routing what comes in on {iif}")) {
            Err(e) if !add && is_errno(&e, libc::ENOENT) => Ok(()),
            Err(e) if add && is_errno(&e, libc::EEXIST) => Ok(()),
            other => other,
        }
    }
}

/// Whether an error chain holds the OS error `errno`.
pub fn is_errno(err: &anyhow::Error, errno: i32) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .and_then(|io| io.raw_os_error())
            == Some(errno)
    })
}

/// The index of the link `name` in this thread's network namespace.
pub fn index_of(name: &str) -> anyhow::Result<i32> {
    let c = std::ffi::CString::new(name)?;
    // SAFETY: a NUL-terminated name we own.
    let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if index == 0 {
        return Err(std::io::Error::last_os_error()).context(format!("no link {name}"));
    }
    Ok(index as i32)
}
