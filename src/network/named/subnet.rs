//! Subnets (CIDR blocks) of IPv4 and IPv6 networks: parsing as Go's
//! `net.ParseCIDR` does (the address is masked to the network), overlap,
//! membership, and the n-th address of a block. Addresses are handled as
//! u128 so both families share the arithmetic.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A network block: its first address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

fn bits(ip: &IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn to_u128(ip: &IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u32::from(*v4) as u128,
        IpAddr::V6(v6) => u128::from(*v6),
    }
}

fn from_u128(value: u128, v4: bool) -> IpAddr {
    if v4 {
        IpAddr::V4(Ipv4Addr::from(value as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(value))
    }
}

impl Cidr {
    /// `a.b.c.d/len` or `x::y/len`; the host bits are cleared, as Podman
    /// stores `10.89.0.5/24` as `10.89.0.0/24`.
    pub fn parse(text: &str) -> anyhow::Result<Cidr> {
        let invalid = || anyhow::anyhow!("invalid CIDR address: {text}");
        let (addr, len) = text.split_once('/').ok_or_else(invalid)?;
        let addr: IpAddr = addr.parse().map_err(|_| invalid())?;
        if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) || len.len() > 3 {
            return Err(invalid());
        }
        let prefix: u8 = len.parse().map_err(|_| invalid())?;
        if prefix > bits(&addr) {
            return Err(invalid());
        }
        Ok(Cidr::new(addr, prefix))
    }

    /// The block of `prefix` bits holding `addr`.
    pub fn new(addr: IpAddr, prefix: u8) -> Cidr {
        let mut c = Cidr { addr, prefix };
        c.addr = from_u128(to_u128(&addr) & c.mask(), c.is_v4());
        c
    }

    pub fn is_v4(&self) -> bool {
        self.addr.is_ipv4()
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// The network (first) address.
    pub fn network(&self) -> IpAddr {
        self.addr
    }

    fn host_bits(&self) -> u32 {
        (bits(&self.addr) - self.prefix) as u32
    }

    fn mask(&self) -> u128 {
        let width = bits(&self.addr) as u32;
        let all = if width == 128 {
            u128::MAX
        } else {
            (1u128 << width) - 1
        };
        let host = if self.host_bits() >= 128 {
            u128::MAX
        } else {
            (1u128 << self.host_bits()) - 1
        };
        all & !host
    }

    /// How many addresses the block holds, saturated.
    pub fn size(&self) -> u128 {
        if self.host_bits() >= 128 {
            u128::MAX
        } else {
            1u128 << self.host_bits()
        }
    }

    pub fn contains(&self, ip: &IpAddr) -> bool {
        ip.is_ipv4() == self.is_v4() && to_u128(ip) & self.mask() == to_u128(&self.addr)
    }

    /// Whether the two blocks share an address.
    pub fn overlaps(&self, other: &Cidr) -> bool {
        if self.is_v4() != other.is_v4() {
            return false;
        }
        // One contains the other's first address iff they overlap.
        self.contains(&other.addr) || other.contains(&self.addr)
    }

    /// The address `n` places after the network address, if inside.
    pub fn nth(&self, n: u128) -> Option<IpAddr> {
        (n < self.size()).then(|| from_u128(to_u128(&self.addr) + n, self.is_v4()))
    }

    /// The last address (IPv4's broadcast).
    pub fn last(&self) -> IpAddr {
        from_u128(
            to_u128(&self.addr) | !self.mask() & self.all(),
            self.is_v4(),
        )
    }

    fn all(&self) -> u128 {
        if self.is_v4() {
            u32::MAX as u128
        } else {
            u128::MAX
        }
    }

    /// The place of `ip` in the block (inverse of `nth`).
    pub fn offset(&self, ip: &IpAddr) -> Option<u128> {
        self.contains(ip).then(|| to_u128(ip) - to_u128(&self.addr))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl Serialize for Cidr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cidr, D::Error> {
        let text = String::deserialize(d)?;
        Cidr::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Whether `a..=b` is a valid range inside `subnet`.
pub fn range_inside(subnet: &Cidr, start: &IpAddr, end: &IpAddr) -> bool {
    match (subnet.offset(start), subnet.offset(end)) {
        (Some(s), Some(e)) => s <= e,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parsing_masks_the_host_bits() {
        let c = Cidr::parse("10.89.0.5/24").unwrap();
        assert_eq!(c.to_string(), "10.89.0.0/24");
        assert_eq!(c.nth(1), Some(ip("10.89.0.1")));
        assert_eq!(c.last(), ip("10.89.0.255"));
        assert_eq!(c.size(), 256);
        let v6 = Cidr::parse("fd00:1:2:3::9/64").unwrap();
        assert_eq!(v6.to_string(), "fd00:1:2:3::/64");
        assert_eq!(v6.nth(1), Some(ip("fd00:1:2:3::1")));
        assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().size(), 1 << 32);
        assert_eq!(Cidr::parse("::/0").unwrap().size(), u128::MAX);
        for bad in [
            "10.89.0.0",
            "10.89.0/24",
            "10.89.0.0/33",
            "10.89.0.0/",
            "x/24",
            "::/129",
            "10.0.0.0/-1",
            "10.0.0.0/ 8",
        ] {
            let err = Cidr::parse(bad).unwrap_err().to_string();
            assert_eq!(err, format!("invalid CIDR address: {bad}"));
        }
    }

    #[test]
    fn overlap_and_membership() {
        let a = Cidr::parse("10.89.0.0/16").unwrap();
        let b = Cidr::parse("10.89.3.0/24").unwrap();
        let c = Cidr::parse("10.90.0.0/24").unwrap();
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!a.overlaps(&c));
        assert!(!a.overlaps(&Cidr::parse("fd00::/8").unwrap()));
        assert!(b.contains(&ip("10.89.3.200")));
        assert!(!b.contains(&ip("10.89.4.1")));
        assert!(!b.contains(&ip("::1")));
        assert_eq!(b.offset(&ip("10.89.3.7")), Some(7));
        assert!(range_inside(&b, &ip("10.89.3.10"), &ip("10.89.3.20")));
        assert!(!range_inside(&b, &ip("10.89.3.20"), &ip("10.89.3.10")));
        assert!(!range_inside(&b, &ip("10.89.3.20"), &ip("10.89.4.10")));
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(json, "\"10.89.3.0/24\"");
        assert_eq!(serde_json::from_str::<Cidr>(&json).unwrap(), b);
    }
}
