//! Signed checkpoints in the formats existing tools read: the checkpoint body of
//! C2SP tlog-checkpoint (origin, tree size, base64 root hash, then one extension line
//! `time <unix seconds>`) signed as a C2SP signed-note with Ed25519. The key's name is the
//! log's origin. The formats come from the `tlog_tiles` and `signed_note` crates; this
//! module only fixes how the platform uses them.

use crate::Hash;
use base64::Engine;
use signed_note::{Note, StandardSigner, StandardVerifier, VerifierList};
use tlog_tiles::Checkpoint;

/// The log's signing key: a C2SP signed-note private key string
/// (`PRIVATE+KEY+<name>+<id>+<base64>`), and the verifier key published for it.
pub struct LogKey {
    signer: StandardSigner,
    name: String,
    verifier: String,
}

/// A checkpoint read back from a signed note whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Seconds since the Unix epoch when it was signed.
    pub time: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("the signing key is not a valid Ed25519 signed-note key")]
    Key,
    #[error("the checkpoint is malformed")]
    Malformed,
    #[error("the checkpoint's signature does not verify with the log's key")]
    Signature,
}

const PREFIX: &str = "PRIVATE+KEY+";
const ALG_ED25519: u8 = 1;

impl LogKey {
    /// A new key for the log named `origin` (e.g. `jineng.example.gov.cn/ledger`):
    /// (private key string, verifier key string).
    pub fn generate(origin: &str) -> (String, String) {
        signed_note::generate_key(&mut rand_core::OsRng, origin)
    }

    pub fn from_private(skey: &str) -> Result<LogKey, CheckpointError> {
        let signer = StandardSigner::new(skey).map_err(|_| CheckpointError::Key)?;
        // PRIVATE+KEY+<name>+<id>+<base64(0x01 ‖ 32-byte seed)>
        let rest = skey.strip_prefix(PREFIX).ok_or(CheckpointError::Key)?;
        // A name holds no '+'; the id is 8 hex digits; the base64 may hold '+'.
        let (name, rest) = rest.split_once('+').ok_or(CheckpointError::Key)?;
        let (_id, b64) = rest.split_once('+').ok_or(CheckpointError::Key)?;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| CheckpointError::Key)?;
        let seed: [u8; 32] = match raw.split_first() {
            Some((&ALG_ED25519, seed)) => seed.try_into().map_err(|_| CheckpointError::Key)?,
            _ => return Err(CheckpointError::Key),
        };
        let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
        let verifier = signed_note::new_ed25519_verifier_key(name, &public);
        Ok(LogKey {
            signer,
            name: name.to_string(),
            verifier,
        })
    }

    /// The log's origin (the key's name).
    pub fn origin(&self) -> &str {
        &self.name
    }

    /// The verifier key to publish: `<name>+<id hex>+<base64(0x01 ‖ public key)>`.
    pub fn verifier_key(&self) -> &str {
        &self.verifier
    }

    /// The key id as the signed-note format derives it, in hex.
    pub fn key_id(&self) -> String {
        self.verifier
            .split('+')
            .nth(1)
            .unwrap_or_default()
            .to_string()
    }

    /// Sign the checkpoint for a tree of `size` leaves with root `root` at `time`.
    pub fn sign(&self, size: u64, root: &Hash, time: i64) -> Result<String, CheckpointError> {
        let body = Checkpoint::new(
            &self.name,
            size,
            tlog_tiles::Hash(*root),
            &format!("time {time}\n"),
        )
        .map_err(|_| CheckpointError::Malformed)?;
        let mut note = Note::new(&body.to_bytes(), &[]).map_err(|_| CheckpointError::Malformed)?;
        note.add_sigs(&[&self.signer])
            .map_err(|_| CheckpointError::Key)?;
        String::from_utf8(note.to_bytes()).map_err(|_| CheckpointError::Malformed)
    }
}

impl LogKey {
    /// Sign any text (ending in a newline) as a signed note with the log's key: how a
    /// certificate's record is signed, so the same published key checks it offline.
    pub fn sign_text(&self, text: &str) -> Result<String, CheckpointError> {
        let mut note = Note::new(text.as_bytes(), &[]).map_err(|_| CheckpointError::Malformed)?;
        note.add_sigs(&[&self.signer])
            .map_err(|_| CheckpointError::Key)?;
        String::from_utf8(note.to_bytes()).map_err(|_| CheckpointError::Malformed)
    }
}

/// Check a signed note against any of the published verifier keys and return its text.
pub fn open_note(note: &str, verifier_keys: &[&str]) -> Result<String, CheckpointError> {
    let mut verifiers: Vec<Box<dyn signed_note::Verifier>> = Vec::new();
    for k in verifier_keys {
        verifiers.push(Box::new(
            StandardVerifier::new(k.trim()).map_err(|_| CheckpointError::Key)?,
        ));
    }
    if verifiers.is_empty() {
        return Err(CheckpointError::Key);
    }
    let note = Note::from_bytes(note.as_bytes()).map_err(|_| CheckpointError::Malformed)?;
    note.verify(&VerifierList::new(verifiers))
        .map_err(|_| CheckpointError::Signature)?;
    String::from_utf8(note.text().to_vec()).map_err(|_| CheckpointError::Malformed)
}

/// Check a signed checkpoint against a published verifier key and read it.
pub fn verify(note: &str, verifier_key: &str) -> Result<Verified, CheckpointError> {
    verify_any(note, &[verifier_key])
}

/// Check a signed checkpoint against any of the log's published verifier keys (the
/// current one and those retired by rotation) and read it.
pub fn verify_any(note: &str, verifier_keys: &[&str]) -> Result<Verified, CheckpointError> {
    let text = open_note(note, verifier_keys)?;
    let body = Checkpoint::from_bytes(text.as_bytes()).map_err(|_| CheckpointError::Malformed)?;
    let time = body
        .extension()
        .lines()
        .find_map(|l| l.strip_prefix("time "))
        .and_then(|t| t.parse().ok())
        .ok_or(CheckpointError::Malformed)?;
    Ok(Verified {
        origin: body.origin().to_string(),
        size: body.size(),
        root: body.hash().0,
        time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_checkpoint_verifies_and_reads_back() {
        let (skey, vkey) = LogKey::generate("jineng.test/ledger");
        let key = LogKey::from_private(&skey).unwrap();
        assert_eq!(key.verifier_key(), vkey);
        assert_eq!(key.origin(), "jineng.test/ledger");
        let note = key.sign(7, &[9; 32], 1_764_750_000).unwrap();
        assert!(note.starts_with("jineng.test/ledger\n7\n"), "{note}");
        assert!(
            note.contains("\ntime 1764750000\n\n— jineng.test/ledger "),
            "{note}"
        );
        let v = verify(&note, &vkey).unwrap();
        assert_eq!(
            v,
            Verified {
                origin: "jineng.test/ledger".into(),
                size: 7,
                root: [9; 32],
                time: 1_764_750_000
            }
        );
    }

    #[test]
    fn a_signed_text_opens_only_with_the_key_and_unchanged() {
        let (skey, vkey) = LogKey::generate("jineng.test/ledger");
        let key = LogKey::from_private(&skey).unwrap();
        let text = "jineng-certificate/1\nholder: 张*\n";
        let note = key.sign_text(text).unwrap();
        assert_eq!(open_note(&note, &[&vkey]).unwrap(), text);
        let tampered = note.replace("张*", "李*");
        assert_eq!(
            open_note(&tampered, &[&vkey]),
            Err(CheckpointError::Signature)
        );
        let (_, other) = LogKey::generate("jineng.test/ledger");
        assert_eq!(open_note(&note, &[&other]), Err(CheckpointError::Signature));
        assert!(open_note("garbage", &[&vkey]).is_err());
        assert!(key.sign_text("no newline at the end").is_err());
    }

    #[test]
    fn every_generated_key_reads_back() {
        // Base64 of a key often holds '+', the format's separator.
        for _ in 0..200 {
            let (skey, vkey) = LogKey::generate("jineng.test/ledger");
            let key = LogKey::from_private(&skey).unwrap();
            assert_eq!(key.verifier_key(), vkey);
            assert_eq!(key.key_id().len(), 8);
            assert!(vkey.starts_with(&format!("jineng.test/ledger+{}+", key.key_id())));
        }
    }

    #[test]
    fn after_a_rotation_old_checkpoints_verify_with_the_retired_key() {
        let (old_s, old_v) = LogKey::generate("jineng.test/ledger");
        let (new_s, new_v) = LogKey::generate("jineng.test/ledger");
        let old = LogKey::from_private(&old_s)
            .unwrap()
            .sign(3, &[1; 32], 1)
            .unwrap();
        let new = LogKey::from_private(&new_s)
            .unwrap()
            .sign(4, &[2; 32], 2)
            .unwrap();
        let both = [new_v.as_str(), old_v.as_str()];
        assert_eq!(verify_any(&old, &both).unwrap().size, 3);
        assert_eq!(verify_any(&new, &both).unwrap().size, 4);
        assert_eq!(
            verify_any(&old, &[new_v.as_str()]),
            Err(CheckpointError::Signature)
        );
        assert_eq!(verify_any(&old, &[]), Err(CheckpointError::Key));
    }

    #[test]
    fn a_changed_checkpoint_or_another_key_is_refused() {
        let (skey, vkey) = LogKey::generate("jineng.test/ledger");
        let key = LogKey::from_private(&skey).unwrap();
        let note = key.sign(7, &[9; 32], 1_764_750_000).unwrap();
        let forged = note.replacen("\n7\n", "\n8\n", 1);
        assert_eq!(verify(&forged, &vkey), Err(CheckpointError::Signature));
        let (_, other) = LogKey::generate("jineng.test/ledger");
        assert_eq!(verify(&note, &other), Err(CheckpointError::Signature));
        assert!(LogKey::from_private("PRIVATE+KEY+x+00000000+AAAA").is_err());
        assert!(verify("not a note", &vkey).is_err());
    }
}
