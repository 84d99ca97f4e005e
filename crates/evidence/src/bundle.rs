//! A proof bundle: everything a third party needs to check, offline, that one entry is in
//! the log — the entry, its index, a signed checkpoint and the inclusion proof against
//! it. The checker supplies the log's verifier key from a copy it trusts (the published
//! one), never from the bundle.

use crate::checkpoint::{self, Verified};
use crate::entry::Entry;
use crate::{leaf_hash, verify_inclusion};
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "jineng-proof-bundle/1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub format: String,
    /// The leaf's index.
    pub index: u64,
    /// The entry's canonical encoding, hex.
    pub entry: String,
    /// A signed checkpoint of a tree that contains the leaf.
    pub checkpoint: String,
    /// The inclusion proof against that checkpoint, hex hashes.
    pub proof: Vec<String>,
}

/// What a bundle proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proved {
    pub entry: Entry,
    pub index: u64,
    pub checkpoint: Verified,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("不是证明文件（应为 {FORMAT} 格式的 JSON）")]
    Format,
    #[error("检查点签名无效，或不是本平台的检查点")]
    Checkpoint,
    #[error("条目编码无效")]
    Entry,
    #[error("包含证明不成立：该条目不在检查点对应的日志中")]
    Proof,
}

impl Bundle {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    let v = hex::decode(s).ok()?;
    v.try_into().ok()
}

/// Check a bundle (JSON text, at most 64 KiB) against the log's verifier key.
pub fn verify(json: &str, verifier_key: &str) -> Result<Proved, BundleError> {
    verify_any(json, &[verifier_key])
}

/// The same against any of the log's published keys (current and retired).
pub fn verify_any(json: &str, verifier_keys: &[&str]) -> Result<Proved, BundleError> {
    if json.len() > 64 * 1024 {
        return Err(BundleError::Format);
    }
    let b: Bundle = serde_json::from_str(json).map_err(|_| BundleError::Format)?;
    if b.format != FORMAT || b.proof.len() > 64 {
        return Err(BundleError::Format);
    }
    let cp = checkpoint::verify_any(&b.checkpoint, verifier_keys)
        .map_err(|_| BundleError::Checkpoint)?;
    let bytes = hex::decode(&b.entry).map_err(|_| BundleError::Entry)?;
    let entry = Entry::decode(&bytes).map_err(|_| BundleError::Entry)?;
    let proof: Option<Vec<[u8; 32]>> = b.proof.iter().map(|h| hex32(h)).collect();
    let proof = proof.ok_or(BundleError::Proof)?;
    if !verify_inclusion(&leaf_hash(&bytes), b.index, cp.size, &proof, &cp.root) {
        return Err(BundleError::Proof);
    }
    Ok(Proved {
        entry,
        index: b.index,
        checkpoint: cp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::LogKey;
    use crate::entry::Kind;
    use crate::{inclusion_proof, root};

    fn entry(i: u8) -> Vec<u8> {
        Entry {
            kind: Kind::Certificate,
            record_id: format!("cert-{i}"),
            record_sha256: [i; 32],
            at_micros: 1,
            org_id: "org".into(),
        }
        .encode()
        .unwrap()
    }

    #[test]
    fn a_bundle_proves_its_entry_and_nothing_else() {
        let (skey, vkey) = LogKey::generate("jineng.test/ledger");
        let key = LogKey::from_private(&skey).unwrap();
        let entries: Vec<Vec<u8>> = (0..7).map(entry).collect();
        let leaves: Vec<_> = entries.iter().map(|e| leaf_hash(e)).collect();
        let note = key.sign(7, &root(&leaves), 1).unwrap();
        let bundle = Bundle {
            format: FORMAT.into(),
            index: 4,
            entry: hex::encode(&entries[4]),
            checkpoint: note,
            proof: inclusion_proof(&leaves, 4)
                .unwrap()
                .iter()
                .map(hex::encode)
                .collect(),
        };
        let p = verify(&bundle.to_json(), &vkey).unwrap();
        assert_eq!(p.entry.record_id, "cert-4");
        assert_eq!(p.checkpoint.size, 7);
        // Another entry, another index, another key, or junk: refused with a reason.
        let mut other = bundle.clone();
        other.entry = hex::encode(&entries[5]);
        assert_eq!(verify(&other.to_json(), &vkey), Err(BundleError::Proof));
        let mut moved = bundle.clone();
        moved.index = 5;
        assert_eq!(verify(&moved.to_json(), &vkey), Err(BundleError::Proof));
        let (_, stranger) = LogKey::generate("jineng.test/ledger");
        assert_eq!(
            verify(&bundle.to_json(), &stranger),
            Err(BundleError::Checkpoint)
        );
        assert_eq!(verify("{}", &vkey), Err(BundleError::Format));
        assert_eq!(verify("证书编号", &vkey), Err(BundleError::Format));
    }
}
