//! Addresses: networks in CIDR notation, and the client's address behind trusted
//! reverse proxies (`X-Forwarded-For`).

use std::net::IpAddr;

/// One entry of an address allowlist: an address, or a network in CIDR notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    pub fn parse(s: &str) -> Option<Net> {
        let s = s.trim();
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Net { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(i) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(i)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(i) & mask
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let max = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.prefix == max {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

/// The client's address. A request whose peer is not a trusted proxy comes from that
/// peer, whatever its headers say. Through trusted proxies, `forwarded` (the
/// `X-Forwarded-For` values in order, each a comma-separated list that every proxy
/// appended to) is read from the right: the first address that is not a trusted proxy is
/// the client. Entries left of it were written by the client and are not believed. An
/// entry that is not an address ends the walk at the last proxy that wrote one.
pub fn client_address(peer: IpAddr, forwarded: &[&str], trusted: &[Net]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops = forwarded
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect::<Vec<_>>();
    let mut nearest = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            return nearest;
        };
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        if !is_trusted(ip) {
            return ip;
        }
        nearest = ip;
    }
    nearest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|_| panic!("{s}"))
    }

    fn nets(list: &[&str]) -> Vec<Net> {
        list.iter()
            .map(|s| Net::parse(s).unwrap_or_else(|| panic!("{s}")))
            .collect()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let t = nets(&["127.0.0.1", "10.0.0.0/8"]);
        assert_eq!(
            client_address(ip("203.0.113.9"), &["1.2.3.4"], &t),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), &["1.2.3.4"], &[]),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn through_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let t = nets(&["127.0.0.1", "10.0.0.0/8"]);
        // The client forged a first entry; nginx appended the real peer.
        assert_eq!(
            client_address(ip("127.0.0.1"), &["6.6.6.6, 198.51.100.7"], &t),
            ip("198.51.100.7")
        );
        // Two proxies, and the header split over two lines.
        assert_eq!(
            client_address(ip("10.0.0.2"), &["198.51.100.7", "10.0.0.5"], &t),
            ip("198.51.100.7")
        );
        // No header: the proxy itself.
        assert_eq!(client_address(ip("127.0.0.1"), &[], &t), ip("127.0.0.1"));
        // Garbage stops the walk at the last proxy that wrote a real entry.
        assert_eq!(
            client_address(ip("127.0.0.1"), &["198.51.100.7, junk, 10.0.0.5"], &t),
            ip("10.0.0.5")
        );
        // An IPv4 client seen by an IPv6 proxy.
        assert_eq!(
            client_address(ip("::1"), &["::ffff:198.51.100.7"], &nets(&["::1"])),
            ip("198.51.100.7")
        );
    }
}
