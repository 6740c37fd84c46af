//! The DNS messages the network host answers: one question, A or AAAA
//! records of containers (RFC 1035 wire format), or a name error. Other
//! questions are forwarded upstream by the host as they came.

use std::net::IpAddr;

/// Podman's search domain for container names.
pub const DOMAIN: &str = "dns.podman";
/// The records' time to live, as aardvark-dns gives.
const TTL: u32 = 60;
pub const TYPE_A: u16 = 1;
pub const TYPE_AAAA: u16 = 28;
pub const RCODE_NXDOMAIN: u8 = 3;
pub const RCODE_SERVFAIL: u8 = 2;

/// A standard query with one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub id: u16,
    /// The name asked, in lower case, without the final dot.
    pub name: String,
    pub qtype: u16,
    /// Where the question ends in the message.
    end: usize,
    recursion_desired: bool,
}

/// The query in `msg`, if it is one cove can answer or forward.
pub fn parse_query(msg: &[u8]) -> Option<Query> {
    if msg.len() < 12 {
        return None;
    }
    let flags = u16::from_be_bytes([msg[2], msg[3]]);
    let qdcount = u16::from_be_bytes([msg[4], msg[5]]);
    // A query (QR 0), standard (opcode 0), with one question.
    if flags & 0x8000 != 0 || (flags >> 11) & 0xf != 0 || qdcount != 1 {
        return None;
    }
    let mut at = 12;
    let mut labels: Vec<String> = Vec::new();
    loop {
        let len = *msg.get(at)? as usize;
        at += 1;
        if len == 0 {
            break;
        }
        // No compression in a question we accept.
        if len > 63 {
            return None;
        }
        let label = msg.get(at..at + len)?;
        labels.push(String::from_utf8_lossy(label).to_ascii_lowercase());
        at += len;
    }
    let qtype = u16::from_be_bytes([*msg.get(at)?, *msg.get(at + 1)?]);
    msg.get(at + 3)?;
    Some(Query {
        id: u16::from_be_bytes([msg[0], msg[1]]),
        name: labels.join("."),
        qtype,
        end: at + 4,
        recursion_desired: flags & 0x0100 != 0,
    })
}

impl Query {
    /// The container name asked for: the name without Podman's domain.
    pub fn local_name(&self) -> &str {
        match self.name.strip_suffix(DOMAIN) {
            Some("") => "",
            Some(n) => n.strip_suffix('.').unwrap_or(n),
            None => &self.name,
        }
    }

    /// Whether a name no container has may be asked upstream: not a bare
    /// name, and not in Podman's domain (those are answered here only).
    pub fn forwardable(&self) -> bool {
        self.name.contains('.')
            && self.name != DOMAIN
            && !self.name.ends_with(&format!(".{DOMAIN}"))
    }

    /// An authoritative answer to the query `msg` with `rcode` and the
    /// records of `ips` that match its type.
    pub fn answer(&self, msg: &[u8], rcode: u8, ips: &[IpAddr]) -> Vec<u8> {
        let records: Vec<&IpAddr> = ips
            .iter()
            .filter(|ip| match self.qtype {
                TYPE_A => ip.is_ipv4(),
                TYPE_AAAA => ip.is_ipv6(),
                _ => false,
            })
            .collect();
        let mut out = Vec::with_capacity(self.end + records.len() * 28);
        out.extend_from_slice(&self.id.to_be_bytes());
        // QR, AA, RD as asked, RA.
        let mut flags: u16 = 0x8000 | 0x0400 | 0x0080 | rcode as u16;
        if self.recursion_desired {
            flags |= 0x0100;
        }
        out.extend_from_slice(&flags.to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&(records.len() as u16).to_be_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&msg[12..self.end]);
        for ip in records {
            // The name: a pointer to the question's.
            out.extend_from_slice(&[0xc0, 12]);
            out.extend_from_slice(&self.qtype.to_be_bytes());
            out.extend_from_slice(&1u16.to_be_bytes());
            out.extend_from_slice(&TTL.to_be_bytes());
            match ip {
                IpAddr::V4(a) => {
                    out.extend_from_slice(&4u16.to_be_bytes());
                    out.extend_from_slice(&a.octets());
                }
                IpAddr::V6(a) => {
                    out.extend_from_slice(&16u16.to_be_bytes());
                    out.extend_from_slice(&a.octets());
                }
            }
        }
        out
    }
}

/// The message's id.
pub fn id_of(msg: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes([*msg.first()?, *msg.get(1)?]))
}

/// Set the message's id.
pub fn set_id(msg: &mut [u8], id: u16) {
    if msg.len() >= 2 {
        msg[..2].copy_from_slice(&id.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A query as resolvers send it.
    fn query(name: &str, qtype: u16) -> Vec<u8> {
        let mut m = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        for label in name.split('.') {
            m.push(label.len() as u8);
            m.extend_from_slice(label.as_bytes());
        }
        m.push(0);
        m.extend_from_slice(&qtype.to_be_bytes());
        m.extend_from_slice(&1u16.to_be_bytes());
        m
    }

    #[test]
    fn names_and_answers() {
        let msg = query("Web.dns.podman", TYPE_A);
        let q = parse_query(&msg).unwrap();
        assert_eq!(q.id, 0x1234);
        assert_eq!(q.name, "web.dns.podman");
        assert_eq!(q.local_name(), "web");
        assert!(!q.forwardable());
        let bare = parse_query(&query("web", TYPE_A)).unwrap();
        assert_eq!(bare.local_name(), "web");
        assert!(!bare.forwardable());
        let other = parse_query(&query("example.com", TYPE_A)).unwrap();
        assert_eq!(other.local_name(), "example.com");
        assert!(other.forwardable());
        assert!(!parse_query(&query("a.b.dns.podman", TYPE_A))
            .unwrap()
            .forwardable());
        let ips: Vec<IpAddr> = vec!["10.89.0.2".parse().unwrap(), "fd00::2".parse().unwrap()];
        let a = q.answer(&msg, 0, &ips);
        assert_eq!(&a[..2], &[0x12, 0x34]);
        assert_eq!(a[3] & 0xf, 0);
        assert_eq!(u16::from_be_bytes([a[6], a[7]]), 1, "one A record");
        assert_eq!(&a[a.len() - 4..], &[10, 89, 0, 2]);
        let msg6 = query("web", TYPE_AAAA);
        let q6 = parse_query(&msg6).unwrap();
        let a6 = q6.answer(&msg6, 0, &ips);
        assert_eq!(u16::from_be_bytes([a6[6], a6[7]]), 1);
        let nx = q.answer(&msg, RCODE_NXDOMAIN, &[]);
        assert_eq!(nx[3] & 0xf, RCODE_NXDOMAIN);
        assert_eq!(u16::from_be_bytes([nx[6], nx[7]]), 0);
        // Responses and truncated messages are not queries.
        assert!(parse_query(&a).is_none());
        assert!(parse_query(&msg[..14]).is_none());
        let mut m = msg.clone();
        set_id(&mut m, 7);
        assert_eq!(id_of(&m), Some(7));
    }
}
