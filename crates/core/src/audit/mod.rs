//! The audit trail's hash chain: each record's hash covers its content and the
//! previous record's hash, so an edited, deleted or reordered record breaks the chain.
//!
//! Two versions. Version 1 (records written before 2026-12) is a plain SHA-256 that
//! left out the actor's name: anyone with write access to the database could recompute
//! it after an edit. Version 2 is an HMAC-SHA-256 under a key kept outside the
//! database, over every column; without the key a changed record cannot be given a
//! matching hash. A verifier accepts version 1 only before the first version 2 record,
//! so a version 1 record after it (a downgrade) breaks the chain.

pub mod labels;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The hash that stands before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Fields of a record that the chain covers, in a fixed order.
pub struct ChainedFields<'a> {
    pub seq: i64,
    pub at_rfc3339: &'a str,
    pub actor: &'a str,
    /// Covered from version 2 on.
    pub actor_name: &'a str,
    pub role: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub changes: &'a str,
    pub ip: &'a str,
    pub outcome: &'a str,
    pub request_id: &'a str,
}

/// The chain's algorithms, as stored with each record.
pub const CHAIN_V1_SHA256: i16 = 1;
pub const CHAIN_V2_HMAC: i16 = 2;

/// Version 1: SHA-256 of a record given the previous record's hash (hex, lower case).
/// Only for verifying records written before version 2.
pub fn chain_hash(prev: &str, f: &ChainedFields<'_>) -> String {
    let mut h = Sha256::new();
    Digest::update(&mut h, prev.as_bytes());
    let seq = f.seq.to_string();
    feed(
        &mut h,
        &[
            &seq,
            f.at_rfc3339,
            f.actor,
            f.role,
            f.action,
            f.object_type,
            f.object_id,
            f.changes,
            f.ip,
            f.outcome,
            f.request_id,
        ],
    );
    hex::encode(h.finalize())
}

/// Length-prefix every part, so no two ways of splitting the same bytes hash alike.
fn feed(h: &mut impl sha2::digest::Update, parts: &[&str]) {
    for part in parts {
        h.update(&(part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
}

/// Version 2: HMAC-SHA-256 under `key` over the previous hash and every field,
/// each length-prefixed (hex, lower case).
pub fn chain_mac(key: &[u8], prev: &str, f: &ChainedFields<'_>) -> String {
    // HMAC accepts keys of any length; the error arm cannot happen.
    let Ok(mut h) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        return String::new();
    };
    let seq = f.seq.to_string();
    feed(
        &mut h,
        &[
            "jineng-audit-v2",
            prev,
            &seq,
            f.at_rfc3339,
            f.actor,
            f.actor_name,
            f.role,
            f.action,
            f.object_type,
            f.object_id,
            f.changes,
            f.ip,
            f.outcome,
            f.request_id,
        ],
    );
    hex::encode(h.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(action: &str) -> ChainedFields<'_> {
        ChainedFields {
            seq: 1,
            at_rfc3339: "2026-11-23T00:00:00Z",
            actor: "u1",
            actor_name: "管理员",
            role: "system_admin",
            action,
            object_type: "user",
            object_id: "u2",
            changes: "{}",
            ip: "127.0.0.1",
            outcome: "ok",
            request_id: "r1",
        }
    }

    #[test]
    fn chain_changes_with_any_field_and_prev() {
        let a = chain_hash(GENESIS, &fields("user.create"));
        assert_eq!(a.len(), 64);
        assert_eq!(a, chain_hash(GENESIS, &fields("user.create")));
        assert_ne!(a, chain_hash(GENESIS, &fields("user.lock")));
        assert_ne!(a, chain_hash(&a, &fields("user.create")));
        // Moving a byte between adjacent fields changes the hash.
        let mut f = fields("ab");
        f.object_type = "c";
        let mut g = fields("a");
        g.object_type = "bc";
        assert_ne!(chain_hash(GENESIS, &f), chain_hash(GENESIS, &g));
    }

    #[test]
    fn the_keyed_chain_needs_the_key_and_covers_the_name() {
        let key = [7u8; 32];
        let a = chain_mac(&key, GENESIS, &fields("user.create"));
        assert_eq!(a.len(), 64);
        assert_eq!(a, chain_mac(&key, GENESIS, &fields("user.create")));
        assert_ne!(a, chain_mac(&[8u8; 32], GENESIS, &fields("user.create")));
        assert_ne!(a, chain_hash(GENESIS, &fields("user.create")));
        let mut renamed = fields("user.create");
        renamed.actor_name = "别人";
        assert_ne!(a, chain_mac(&key, GENESIS, &renamed));
        // Version 1 never covered the name: the reason for version 2.
        assert_eq!(
            chain_hash(GENESIS, &renamed),
            chain_hash(GENESIS, &fields("user.create"))
        );
    }
}
