//! Witnessing: how the log asks a witness outside the platform to cosign a checkpoint
//! (C2SP tlog-witness), and how a returned cosignature is checked (C2SP tlog-cosignature,
//! the Ed25519 `cosignature/v1` type).
//!
//! A witness keeps, per log origin, the largest checkpoint it has verified as consistent
//! with what it saw before; a log that later shows anyone a forked tree cannot get it
//! cosigned, so a cosigned checkpoint is one the log cannot quietly take back. The
//! `signed_note` crate knows only the plain Ed25519 note type (0x01), so the
//! cosignature type (0x04) is done here, after the specification.

use crate::Hash;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

/// The signature type byte of Ed25519 `cosignature/v1` keys.
pub const COSIGNATURE_V1: u8 = 0x04;
/// A witness refuses requests with more proof lines than this.
pub const MAX_PROOF_LINES: usize = 63;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    #[error("the witness key is not a cosignature/v1 verifier key (name+id+base64)")]
    Key,
    #[error("the consistency proof has more than 63 hashes")]
    ProofTooLong,
    #[error("the checkpoint is not a signed note")]
    Note,
}

/// The key id of a cosignature/v1 key: SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[:4].
pub fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([COSIGNATURE_V1]);
    h.update(public);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The message a cosignature signs: the header line, the time line, then the whole note
/// body of the checkpoint (with its final newline, without signature lines).
pub fn cosigned_message(time: u64, body: &str) -> String {
    format!("cosignature/v1\ntime {time}\n{body}")
}

/// The body of a signed note: everything before the blank line that starts the
/// signatures, with its final newline.
pub fn note_body(note: &str) -> Result<&str, WitnessError> {
    let end = note.find("\n\n").ok_or(WitnessError::Note)?;
    Ok(&note[..end + 1])
}

/// The body of an `add-checkpoint` request: `old <size>`, one base64 hash per line of the
/// consistency proof from that size, a blank line, then the signed checkpoint.
pub fn add_checkpoint_request(
    old: u64,
    proof: &[Hash],
    note: &str,
) -> Result<String, WitnessError> {
    if proof.len() > MAX_PROOF_LINES {
        return Err(WitnessError::ProofTooLong);
    }
    note_body(note)?;
    let mut out = format!("old {old}\n");
    for h in proof {
        out.push_str(&B64.encode(h));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(note);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// A witness the log pushes to, known by its cosignature/v1 verifier key
/// (`<name>+<key id hex>+<base64(0x04 ‖ public key)>`).
#[derive(Debug, Clone)]
pub struct WitnessKey {
    name: String,
    id: [u8; 4],
    public: VerifyingKey,
    vkey: String,
}

impl WitnessKey {
    pub fn parse(vkey: &str) -> Result<WitnessKey, WitnessError> {
        let vkey = vkey.trim();
        // A name holds no '+'; the id is 8 hex digits; the base64 may hold '+'.
        let (name, rest) = vkey.split_once('+').ok_or(WitnessError::Key)?;
        let (id_hex, b64) = rest.split_once('+').ok_or(WitnessError::Key)?;
        if name.is_empty() || name.chars().any(|c| c.is_whitespace()) || id_hex.len() != 8 {
            return Err(WitnessError::Key);
        }
        let raw = B64.decode(b64).map_err(|_| WitnessError::Key)?;
        let public: [u8; 32] = match raw.split_first() {
            Some((&COSIGNATURE_V1, pk)) => pk.try_into().map_err(|_| WitnessError::Key)?,
            _ => return Err(WitnessError::Key),
        };
        let id = key_id(name, &public);
        if hex::encode(id) != id_hex.to_ascii_lowercase() {
            return Err(WitnessError::Key);
        }
        Ok(WitnessKey {
            name: name.to_string(),
            id,
            public: VerifyingKey::from_bytes(&public).map_err(|_| WitnessError::Key)?,
            vkey: vkey.to_string(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn vkey(&self) -> &str {
        &self.vkey
    }

    /// The first cosignature by this witness among `lines` (note signature lines,
    /// `— <name> <base64>`) that verifies over `body`: (its time, the line). Lines of
    /// other keys are ignored, as the protocol asks.
    pub fn find_cosignature<'a>(&self, body: &str, lines: &'a str) -> Option<(u64, &'a str)> {
        lines
            .lines()
            .filter_map(|l| self.check_line(body, l).map(|t| (t, l)))
            .next()
    }

    fn check_line(&self, body: &str, line: &str) -> Option<u64> {
        let rest = line.strip_prefix("\u{2014} ")?;
        let (name, b64) = rest.rsplit_once(' ')?;
        if name != self.name {
            return None;
        }
        let raw = B64.decode(b64).ok()?;
        if raw.len() != 4 + 8 + 64 || raw[..4] != self.id {
            return None;
        }
        let time = u64::from_be_bytes(raw[4..12].try_into().ok()?);
        if time > i64::MAX as u64 {
            return None;
        }
        let sig = Signature::from_slice(&raw[12..]).ok()?;
        self.public
            .verify(cosigned_message(time, body).as_bytes(), &sig)
            .ok()
            .map(|_| time)
    }
}

/// A cosigner's key pair, for running a witness (and for tests of the log's side).
pub struct Cosigner {
    name: String,
    key: SigningKey,
}

impl Cosigner {
    pub fn generate(name: &str) -> Cosigner {
        Cosigner {
            name: name.to_string(),
            key: SigningKey::generate(&mut rand_core::OsRng),
        }
    }

    /// Its verifier key string.
    pub fn vkey(&self) -> String {
        let public = self.key.verifying_key().to_bytes();
        let mut raw = vec![COSIGNATURE_V1];
        raw.extend_from_slice(&public);
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(key_id(&self.name, &public)),
            B64.encode(raw)
        )
    }

    /// A cosignature line over the note body `body` at `time`.
    pub fn cosign(&self, body: &str, time: u64) -> String {
        let sig = self.key.sign(cosigned_message(time, body).as_bytes());
        let mut raw = key_id(&self.name, &self.key.verifying_key().to_bytes()).to_vec();
        raw.extend_from_slice(&time.to_be_bytes());
        raw.extend_from_slice(&sig.to_bytes());
        format!("\u{2014} {} {}\n", self.name, B64.encode(raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

    #[test]
    fn a_cosignature_verifies_only_over_its_body_and_key() {
        let w = Cosigner::generate("witness.example/w1");
        let key = WitnessKey::parse(&w.vkey()).expect("vkey");
        assert_eq!(key.name(), "witness.example/w1");
        let line = w.cosign(BODY, 1_700_000_000);
        let lines = format!("\u{2014} other.example AAAA\n{line}");
        assert_eq!(
            key.find_cosignature(BODY, &lines).map(|(t, _)| t),
            Some(1_700_000_000)
        );
        assert!(
            key.find_cosignature(&BODY.replace('3', "4"), &lines)
                .is_none()
        );
        let other = WitnessKey::parse(&Cosigner::generate("witness.example/w1").vkey()).unwrap();
        assert!(other.find_cosignature(BODY, &lines).is_none());
    }

    #[test]
    fn malformed_keys_are_refused() {
        let good = Cosigner::generate("w").vkey();
        assert!(WitnessKey::parse(&good).is_ok());
        // A plain note key (type 0x01) is not a cosignature key.
        let (_, plain) = crate::checkpoint::LogKey::generate("w");
        assert_eq!(WitnessKey::parse(&plain).unwrap_err(), WitnessError::Key);
        let (name, rest) = good.split_once('+').unwrap();
        let (_, b64) = rest.split_once('+').unwrap();
        for bad in [
            "",
            "w",
            "w+0000",
            &format!("{name}+00000000+{b64}"),
            &format!("{name}+zzzzzzzz+{b64}"),
            &format!("{name}+{}+AAAA", &rest[..8]),
        ] {
            assert!(WitnessKey::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_request_lists_the_proof_then_the_note() {
        let note = format!("{BODY}\n\u{2014} example.com/log abc=\n");
        let req = add_checkpoint_request(2, &[[1u8; 32], [2u8; 32]], &note).unwrap();
        let mut lines = req.lines();
        assert_eq!(lines.next(), Some("old 2"));
        assert_eq!(
            lines.next().map(|l| B64.decode(l).unwrap()),
            Some(vec![1u8; 32])
        );
        assert_eq!(
            lines.next().map(|l| B64.decode(l).unwrap()),
            Some(vec![2u8; 32])
        );
        assert_eq!(lines.next(), Some(""));
        assert!(req.ends_with(&note));
        assert_eq!(
            add_checkpoint_request(0, &[[0u8; 32]; 64], &note).unwrap_err(),
            WitnessError::ProofTooLong
        );
        assert_eq!(
            add_checkpoint_request(0, &[], "no signatures").unwrap_err(),
            WitnessError::Note
        );
        assert_eq!(note_body(&note).unwrap(), BODY);
    }
}
