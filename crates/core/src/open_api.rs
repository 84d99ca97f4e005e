//! The open API for course platforms (开放接口): the rules of a signed request, of an
//! idempotent write, of a key's address allowlist and of a webhook's target.

use std::net::IpAddr;

/// How far a request's timestamp may be from the server's clock (seconds).
pub const MAX_SKEW_SECONDS: i64 = 300;

crate::coded! {
    /// Why a signed request was refused (401); the code is in the answer for machines.
    pub enum Refusal {
        MissingHeader("missing_header", "缺少签名请求头"),
        BadTimestamp("bad_timestamp", "时间戳应为Unix秒数"),
        StaleTimestamp("stale_timestamp", "时间戳与服务器时间相差超过5分钟"),
        BadNonce("bad_nonce", "随机串（nonce）应为8至64位字母、数字、减号或下划线"),
        ReplayedNonce("replayed_nonce", "重复的请求：该随机串（nonce）已使用"),
        BodyHashMismatch("body_hash_mismatch", "请求体与 X-Content-SHA256 不一致"),
        BadSignature("bad_signature", "签名校验失败：密钥标识、密钥或签名不正确，或密钥已停用"),
        AddressNotAllowed("address_not_allowed", "请求来源地址不在该密钥的白名单内"),
    }
}

crate::coded! {
    /// What a webhook tells a provider.
    pub enum WebhookKind {
        /// A version of one of its packages was approved or returned.
        CourseReview("course.review", "课程审核结果"),
        /// One of its packages was listed, delisted or relisted.
        CourseListing("course.listing", "课程上下架"),
        /// An order of one of its courses was paid.
        OrderPaid("order.paid", "课程订单已支付"),
    }
}

/// Whether a nonce has the accepted shape.
pub fn nonce_ok(n: &str) -> bool {
    (8..=64).contains(&n.len())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Whether an `Idempotency-Key` has the accepted shape: 1–100 visible ASCII characters.
pub fn idempotency_key_ok(k: &str) -> bool {
    (1..=100).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic())
}

pub use crate::net::Net;

/// An allowlist as typed (one entry per line, or separated by commas or spaces): the
/// entries, or the first one that is not an address or network. At most 20 entries.
pub fn parse_allowlist(text: &str) -> Result<Vec<Net>, String> {
    let mut out = Vec::new();
    for part in text
        .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        match Net::parse(part) {
            Some(n) if !out.contains(&n) => out.push(n),
            Some(_) => {}
            None => {
                return Err(format!(
                    "“{part}”不是IP地址或网段（如 203.0.113.7 或 203.0.113.0/24）"
                ));
            }
        }
    }
    if out.len() > 20 {
        return Err("白名单最多20条".into());
    }
    Ok(out)
}

/// Whether `ip` is on the list; an empty list allows every address.
pub fn allowed(list: &[Net], ip: IpAddr) -> bool {
    list.is_empty() || list.iter().any(|n| n.contains(ip))
}

/// Whether a webhook may be delivered to `ip`: not loopback, private, link-local (cloud
/// metadata), shared, multicast, unspecified or documentation space.
pub fn public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_unspecified()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public_address(IpAddr::V4(v4));
            }
            let s = v6.segments();
            let o = v6.octets();
            let embedded =
                |a: usize| IpAddr::V4(std::net::Ipv4Addr::new(o[a], o[a + 1], o[a + 2], o[a + 3]));
            // Forms that carry an IPv4 address are judged by it (NAT64, 6to4); the
            // IPv4-compatible and SIIT forms are refused outright.
            if s[0] == 0x0064 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                return public_address(embedded(12));
            }
            if s[0] == 0x2002 {
                return public_address(embedded(2));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || s[..6] == [0, 0, 0, 0, 0, 0]
                || (s[..4] == [0, 0, 0, 0] && s[4] == 0xffff && s[5] == 0)
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || s[0] == 0x2001 && s[1] == 0x0db8)
        }
    }
}

/// A webhook URL as registered: `https://…` (or `http://…`), at most 500 characters,
/// without user information. The host is checked again at each delivery.
pub fn webhook_url_problem(url: &str) -> Option<&'static str> {
    let u = url.trim();
    if u.is_empty() || u.len() > 500 {
        return Some("回调地址不能为空，且不超过500个字符");
    }
    let Some(rest) = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
    else {
        return Some("回调地址应以 https:// 或 http:// 开头");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return Some("回调地址的主机名不正确（不能包含用户名或密码）");
    }
    if u.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Some("回调地址不能包含空白或控制字符");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn networks_contain_their_addresses_only() {
        let n = Net::parse("203.0.113.0/24").unwrap();
        assert!(n.contains("203.0.113.200".parse().unwrap()));
        assert!(!n.contains("203.0.114.1".parse().unwrap()));
        assert!(n.contains("::ffff:203.0.113.9".parse().unwrap()));
        let one = Net::parse("198.51.100.7").unwrap();
        assert!(one.contains("198.51.100.7".parse().unwrap()));
        assert!(!one.contains("198.51.100.8".parse().unwrap()));
        assert!(
            Net::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(
            Net::parse("2001:db8::/32")
                .unwrap()
                .contains("2001:db8::1".parse().unwrap())
        );
        assert!(Net::parse("10.0.0.0/33").is_none());
        assert!(Net::parse("example.com").is_none());
        assert_eq!(
            Net::parse("10.1.0.0/16").unwrap().to_string(),
            "10.1.0.0/16"
        );
    }

    #[test]
    fn allowlists_parse_and_refuse_nonsense() {
        let l = parse_allowlist("203.0.113.7, 198.51.100.0/24\n203.0.113.7").unwrap();
        assert_eq!(l.len(), 2);
        assert!(parse_allowlist("1.2.3.4，abc").unwrap_err().contains("abc"));
        assert!(allowed(&[], "1.1.1.1".parse().unwrap()));
        assert!(!allowed(&l, "1.1.1.1".parse().unwrap()));
    }

    #[test]
    fn webhooks_do_not_reach_inside() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:a9fe:a9fe::1",
            "::7f00:1",
            "::ffff:0:7f00:1",
            "fec0::1",
            "192.0.0.8",
        ] {
            assert!(!public_address(a.parse().unwrap()), "{a}");
        }
        assert!(public_address("8.8.8.8".parse().unwrap()));
        assert!(public_address("2400:3200::1".parse().unwrap()));
        assert!(public_address("64:ff9b::808:808".parse().unwrap()));
    }

    #[test]
    fn webhook_urls_are_checked() {
        assert_eq!(
            webhook_url_problem("https://hooks.example.com/jineng"),
            None
        );
        assert!(webhook_url_problem("ftp://x").is_some());
        assert!(webhook_url_problem("https://user:pw@x.com/").is_some());
        assert!(webhook_url_problem("https:///path").is_some());
        assert!(webhook_url_problem("https://x.com/a b").is_some());
    }

    #[test]
    fn keys_and_nonces_have_a_shape() {
        assert!(nonce_ok("abcdEFGH-123_x"));
        assert!(!nonce_ok("short"));
        assert!(!nonce_ok("has space in it"));
        assert!(idempotency_key_ok("order-2026-0001"));
        assert!(!idempotency_key_ok(""));
        assert!(!idempotency_key_ok("中文"));
    }

    proptest! {
        #[test]
        fn a_network_contains_what_shares_its_prefix(a: u32, b: u32, p in 0u8..=32) {
            let n = Net::parse(&format!("{}/{p}", std::net::Ipv4Addr::from(a))).unwrap();
            let mask = u32::MAX.checked_shl(32 - u32::from(p)).unwrap_or(0);
            prop_assert_eq!(
                n.contains(IpAddr::V4(b.into())),
                a & mask == b & mask
            );
        }
    }
}
