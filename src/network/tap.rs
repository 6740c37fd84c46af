//! The container's side of the slirp network: a tap device in the
//! container's new network namespace, addressed and routed with the ioctls
//! the kernel has had forever (no `ip` binary, no netlink library).
//!
//! [`create`] runs in the cloned child, as root of its user namespace
//! (which owns the new network namespace, so CAP_NET_ADMIN applies) and
//! before pivot_root, while the host's /dev/net/tun is still reachable. The
//! descriptor it returns is the device's only handle: the child sends it to
//! the monitor (SCM_RIGHTS over a socketpair, as the console's master is
//! sent) and the device disappears when the monitor closes it.

use anyhow::Context;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// The device's name inside the container.
pub const TAP_NAME: &str = "tap0";

// Ioctls and the route entry glibc's headers have and the libc crate lacks
// (values from <linux/sockios.h>, <linux/route.h>).
const SIOCADDRT: libc::c_ulong = 0x890B;
const SIOCSIFADDR: libc::c_ulong = 0x8916;
const SIOCSIFNETMASK: libc::c_ulong = 0x891C;
const SIOCSIFMTU: libc::c_ulong = 0x8922;
const SIOCSIFHWADDR: libc::c_ulong = 0x8924;
const RTF_UP: libc::c_ushort = 0x0001;
const RTF_GATEWAY: libc::c_ushort = 0x0002;

#[repr(C)]
struct RtEntry {
    rt_pad1: libc::c_ulong,
    rt_dst: libc::sockaddr,
    rt_gateway: libc::sockaddr,
    rt_genmask: libc::sockaddr,
    rt_flags: libc::c_ushort,
    rt_pad2: libc::c_short,
    rt_pad3: libc::c_ulong,
    rt_pad4: *mut libc::c_void,
    rt_metric: libc::c_short,
    rt_dev: *mut libc::c_char,
    rt_mtu: libc::c_ulong,
    rt_window: libc::c_ulong,
    rt_irtt: libc::c_ushort,
}

/// How the tap is set up.
#[derive(Debug, Clone)]
pub struct TapConfig {
    pub mtu: u32,
    pub address: Ipv4Addr,
    pub prefix_len: u8,
    pub gateway: Ipv4Addr,
    pub mac: [u8; 6],
}

impl TapConfig {
    /// The slirp network's documented addresses with this MTU.
    pub fn slirp(mtu: u32) -> TapConfig {
        TapConfig {
            mtu,
            address: super::CONTAINER_IP,
            prefix_len: super::PREFIX_LEN,
            gateway: super::GATEWAY_IP,
            mac: super::GUEST_MAC,
        }
    }
}

/// Create `tap0` in the current network namespace, give it its address,
/// MTU and the default route, bring it up, and return its descriptor
/// (close-on-exec, blocking; the monitor makes its copy non-blocking).
pub fn create(config: &TapConfig) -> anyhow::Result<OwnedFd> {
    let tap = open_tap().map_err(|e| {
        anyhow::anyhow!(
            "creating the container's network device: opening /dev/net/tun: {e} \
             (the slirp network needs the tun device, readable and writable by you; \
             load the tun module or use --network none or --network host)"
        )
    })?;
    configure(config).context("configuring the container's network device")?;
    Ok(tap)
}

fn open_tap() -> std::io::Result<OwnedFd> {
    // SAFETY: open with a constant NUL-terminated path.
    let fd = unsafe { libc::open(c"/dev/net/tun".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a new descriptor nothing else owns.
    let tap = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut req = ifreq(TAP_NAME);
    req.ifr_ifru.ifru_flags = (libc::IFF_TAP | libc::IFF_NO_PI) as libc::c_short;
    // SAFETY: TUNSETIFF reads a struct ifreq.
    if unsafe { libc::ioctl(tap.as_raw_fd(), libc::TUNSETIFF as _, &req) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // Persistent, so that closing the last descriptor does not unregister
    // the device there and then (a synchronous unregister waits for RCU
    // grace periods: about 30 ms at every container exit). The device
    // goes with the namespace instead, torn down in the background once
    // the container and the monitor's descriptors are gone.
    // SAFETY: TUNSETPERSIST takes an integer argument.
    if unsafe {
        libc::ioctl(
            tap.as_raw_fd(),
            libc::TUNSETPERSIST as _,
            1 as libc::c_ulong,
        )
    } < 0
    {
        return Err(std::io::Error::last_os_error());
    }
    Ok(tap)
}

fn configure(config: &TapConfig) -> anyhow::Result<()> {
    // SAFETY: a plain socket for interface ioctls.
    let sock = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if sock < 0 {
        return Err(std::io::Error::last_os_error()).context("opening a control socket");
    }
    // SAFETY: a new descriptor nothing else owns.
    let sock = unsafe { OwnedFd::from_raw_fd(sock) };
    let fd = sock.as_raw_fd();

    let mut req = ifreq(TAP_NAME);
    // SAFETY: all-zero is a valid sockaddr.
    let mut hw: libc::sockaddr = unsafe { std::mem::zeroed() };
    hw.sa_family = libc::ARPHRD_ETHER;
    for (i, b) in config.mac.iter().enumerate() {
        hw.sa_data[i] = *b as libc::c_char;
    }
    req.ifr_ifru.ifru_hwaddr = hw;
    ioctl(fd, SIOCSIFHWADDR, &mut req).context("setting the MAC address")?;

    let mut req = ifreq(TAP_NAME);
    req.ifr_ifru.ifru_mtu = config.mtu as libc::c_int;
    ioctl(fd, SIOCSIFMTU, &mut req)
        .with_context(|| format!("setting the MTU to {}", config.mtu))?;

    let mut req = ifreq(TAP_NAME);
    req.ifr_ifru.ifru_addr = sockaddr(config.address);
    ioctl(fd, SIOCSIFADDR, &mut req).context("setting the address")?;

    let mask = u32::MAX
        .checked_shl(32 - config.prefix_len as u32)
        .unwrap_or(0);
    let mut req = ifreq(TAP_NAME);
    req.ifr_ifru.ifru_netmask = sockaddr(Ipv4Addr::from(mask));
    ioctl(fd, SIOCSIFNETMASK, &mut req).context("setting the netmask")?;

    let mut req = ifreq(TAP_NAME);
    ioctl(fd, libc::SIOCGIFFLAGS, &mut req).context("reading the device's flags")?;
    // SAFETY: SIOCGIFFLAGS filled the flags member.
    unsafe { req.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short };
    ioctl(fd, libc::SIOCSIFFLAGS, &mut req).context("bringing the device up")?;

    // SAFETY: all-zero is a valid rtentry (no device, no metric).
    let mut route: RtEntry = unsafe { std::mem::zeroed() };
    route.rt_dst = sockaddr(Ipv4Addr::UNSPECIFIED);
    route.rt_genmask = sockaddr(Ipv4Addr::UNSPECIFIED);
    route.rt_gateway = sockaddr(config.gateway);
    route.rt_flags = RTF_UP | RTF_GATEWAY;
    ioctl(fd, SIOCADDRT, &mut route)
        .with_context(|| format!("adding the default route via {}", config.gateway))?;
    Ok(())
}

fn ioctl<T>(fd: RawFd, request: libc::c_ulong, arg: &mut T) -> std::io::Result<()> {
    // SAFETY: every caller passes the structure its request expects.
    if unsafe { libc::ioctl(fd, request as _, arg as *mut T) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

fn ifreq(name: &str) -> libc::ifreq {
    // SAFETY: all-zero is a valid ifreq.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (i, b) in name.bytes().take(libc::IFNAMSIZ - 1).enumerate() {
        req.ifr_name[i] = b as libc::c_char;
    }
    req
}

fn sockaddr(ip: Ipv4Addr) -> libc::sockaddr {
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: sockaddr_in and sockaddr have the same size; the kernel reads
    // it as the family says.
    unsafe { std::mem::transmute::<libc::sockaddr_in, libc::sockaddr>(sin) }
}
