//! Personal data at rest: AES-256-GCM with a key id in every ciphertext, so keys can
//! rotate (new writes use the active key; old ciphertexts still decrypt with theirs).
//! Exact look-ups use a blind index: HMAC-SHA256 under a separate key.

use aes_gcm::aead::{Aead, KeyInit, OsRng};
use aes_gcm::{AeadCore, Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// Which kind of value a blind index is for; part of the HMAC input so equal
/// strings of different kinds never share an index.
#[derive(Debug, Clone, Copy)]
pub enum PiiKind {
    IdNumber,
    Phone,
    BankAccount,
    /// Not personal data: the MAC of a sign-in challenge (a separate tag, same key).
    Challenge,
    /// Not personal data: the MAC of a signed media URL (playlist, segment, key).
    MediaUrl,
    /// Not personal data: the MAC that signs a study session for its learner.
    StudySession,
}

impl PiiKind {
    fn tag(self) -> &'static str {
        match self {
            PiiKind::IdNumber => "id_number",
            PiiKind::Phone => "phone",
            PiiKind::BankAccount => "bank_account",
            PiiKind::Challenge => "challenge",
            PiiKind::MediaUrl => "media_url",
            PiiKind::StudySession => "study_session",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("no encryption key configured")]
    NoKey,
    #[error("key {0} is not 32 bytes of base64")]
    BadKey(String),
    #[error("ciphertext uses unknown key id {0}")]
    UnknownKeyId(String),
    #[error("ciphertext is malformed or was altered")]
    Corrupt,
}

/// The prefix of ciphertexts whose place is bound (see `Keyring::encrypt`).
const V2: &str = "2$";

/// Where a ciphertext is stored.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub table: &'static str,
    pub column: &'static str,
    /// The row's primary key.
    pub row: &'a str,
}

impl<'a> Place<'a> {
    pub fn new(table: &'static str, column: &'static str, row: &'a str) -> Self {
        Place { table, column, row }
    }

    fn aad(&self, key_id: &str) -> Vec<u8> {
        let mut a = Vec::new();
        for part in ["jineng-pii-v2", key_id, self.table, self.column, self.row] {
            a.extend((part.len() as u32).to_be_bytes());
            a.extend(part.as_bytes());
        }
        a
    }
}

pub struct Keyring {
    /// (key id, key); the first is the active one.
    keys: Vec<(String, [u8; 32])>,
    /// Each key's cipher, made once (same order as `keys`): a batch encrypts and
    /// decrypts many thousand values.
    ciphers: Vec<Aes256Gcm>,
    /// HMAC state keyed with the blind-index key; cloned for each index.
    blind: Hmac<Sha256>,
    /// The audit chain's key (never stored in the database).
    audit: [u8; 32],
}

fn ciphers_of(keys: &[(String, [u8; 32])]) -> Vec<Aes256Gcm> {
    keys.iter()
        .map(|(_, k)| Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(k)))
        .collect()
}

fn decode_key(id: &str, b64: &str) -> Result<[u8; 32], KeyringError> {
    let v = B64
        .decode(b64.trim())
        .map_err(|_| KeyringError::BadKey(id.to_string()))?;
    v.try_into()
        .map_err(|_| KeyringError::BadKey(id.to_string()))
}

impl Keyring {
    /// `keys` is `id:base64,id:base64,…` with the active key first; `blind` and `audit`
    /// are base64.
    pub fn from_config(keys: &str, blind: &str, audit: &str) -> Result<Self, KeyringError> {
        let mut parsed = Vec::new();
        for part in keys.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, k) = part
                .split_once(':')
                .ok_or_else(|| KeyringError::BadKey(part.to_string()))?;
            parsed.push((id.to_string(), decode_key(id, k)?));
        }
        if parsed.is_empty() {
            return Err(KeyringError::NoKey);
        }
        let blind_key = decode_key("blind", blind)?;
        let blind = <Hmac<Sha256> as Mac>::new_from_slice(&blind_key)
            .map_err(|_| KeyringError::BadKey("blind".into()))?;
        Ok(Keyring {
            ciphers: ciphers_of(&parsed),
            keys: parsed,
            blind,
            audit: decode_key("audit", audit)?,
        })
    }

    /// The same keyring with another blind-index key (for `App::reindex_blind`).
    pub fn with_blind_key(&self, blind: &str) -> Result<Self, KeyringError> {
        let blind_key = decode_key("blind", blind)?;
        Ok(Keyring {
            keys: self.keys.clone(),
            ciphers: self.ciphers.clone(),
            blind: <Hmac<Sha256> as Mac>::new_from_slice(&blind_key)
                .map_err(|_| KeyringError::BadKey("blind".into()))?,
            audit: self.audit,
        })
    }

    /// Fresh random keys (data keys, blind-index key, audit key), for the embedded
    /// mode's first start and for tests.
    pub fn generate() -> (String, String, String) {
        let mut k = [0u8; 32];
        OsRng.fill_bytes(&mut k);
        (
            format!("k1:{}", B64.encode(k)),
            Self::generate_key(),
            Self::generate_key(),
        )
    }

    /// One fresh random 32-byte key, base64.
    pub fn generate_key() -> String {
        let mut k = [0u8; 32];
        OsRng.fill_bytes(&mut k);
        B64.encode(k)
    }

    /// The audit chain's key.
    pub fn audit_key(&self) -> &[u8] {
        &self.audit
    }

    pub fn active_key_id(&self) -> &str {
        self.keys.first().map(|k| k.0.as_str()).unwrap_or("")
    }

    /// Encrypt `plain` for its place: the key id, table, column and row are bound as
    /// associated data, so the ciphertext cannot be relabelled with another key, nor
    /// moved to another row, column or table, without failing to decrypt. Stored as
    /// `2$<key id>:<base64(nonce ‖ ciphertext)>`.
    pub fn encrypt(&self, plain: &str, at: Place<'_>) -> Result<String, KeyringError> {
        let ((id, _), cipher) = self
            .keys
            .first()
            .zip(self.ciphers.first())
            .ok_or(KeyringError::NoKey)?;
        // A random 96-bit nonce from the thread's CSPRNG (seeded and reseeded from the
        // operating system): one system call per value was most of a batch's crypto time.
        let nonce = Aes256Gcm::generate_nonce(&mut rand::thread_rng());
        let aad = at.aad(id);
        let ct = cipher
            .encrypt(
                &nonce,
                aes_gcm::aead::Payload {
                    msg: plain.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| KeyringError::Corrupt)?;
        let mut blob = nonce.to_vec();
        blob.extend(ct);
        Ok(format!("{V2}{id}:{}", B64.encode(blob)))
    }

    /// Decrypt a value read from `at`. Values written before places were bound (no `2$`
    /// prefix; only the key id bound) still decrypt until `jineng keys rotate` has
    /// rewritten them.
    pub fn decrypt(&self, stored: &str, at: Place<'_>) -> Result<String, KeyringError> {
        let (bound, rest) = match stored.strip_prefix(V2) {
            Some(rest) => (true, rest),
            None => (false, stored),
        };
        let (id, b64) = rest.split_once(':').ok_or(KeyringError::Corrupt)?;
        let cipher = self
            .keys
            .iter()
            .zip(&self.ciphers)
            .find(|((k, _), _)| k == id)
            .map(|(_, c)| c)
            .ok_or_else(|| KeyringError::UnknownKeyId(id.to_string()))?;
        let blob = B64.decode(b64).map_err(|_| KeyringError::Corrupt)?;
        if blob.len() < 12 {
            return Err(KeyringError::Corrupt);
        }
        let (nonce, ct) = blob.split_at(12);
        let aad = if bound {
            at.aad(id)
        } else {
            id.as_bytes().to_vec()
        };
        let plain = cipher
            .decrypt(
                Nonce::from_slice(nonce),
                aes_gcm::aead::Payload { msg: ct, aad: &aad },
            )
            .map_err(|_| KeyringError::Corrupt)?;
        String::from_utf8(plain).map_err(|_| KeyringError::Corrupt)
    }

    /// Whether `stored` should be rewritten: an older key than the active one, or the
    /// form without its place bound.
    pub fn needs_rotation(&self, stored: &str) -> bool {
        match stored.strip_prefix(V2) {
            Some(rest) => rest
                .split_once(':')
                .map(|(id, _)| id != self.active_key_id())
                .unwrap_or(true),
            None => true,
        }
    }

    /// Key ids still used by `stored` (for retiring keys: a key no value names may go).
    pub fn key_id_of(stored: &str) -> Option<&str> {
        stored
            .strip_prefix(V2)
            .unwrap_or(stored)
            .split_once(':')
            .map(|(id, _)| id)
    }

    pub fn blind_index(&self, kind: PiiKind, normalized: &str) -> String {
        let mut mac = self.blind.clone();
        mac.update(kind.tag().as_bytes());
        mac.update(b":");
        mac.update(normalized.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_rotation_and_tamper() {
        let (keys, blind, audit) = Keyring::generate();
        let old = Keyring::from_config(&keys, &blind, &audit).unwrap();
        let here = Place::new("users", "id_number_enc", "u1");
        let ct = old.encrypt("520102199003071234", here).unwrap();
        assert!(ct.starts_with("2$k1:"));
        assert_eq!(old.decrypt(&ct, here).unwrap(), "520102199003071234");
        assert!(!old.needs_rotation(&ct));
        // Two encryptions differ (random nonce) but the blind index is stable.
        assert_ne!(ct, old.encrypt("520102199003071234", here).unwrap());
        let bi = old.blind_index(PiiKind::IdNumber, "520102199003071234");
        assert_eq!(bi, old.blind_index(PiiKind::IdNumber, "520102199003071234"));
        assert_ne!(bi, old.blind_index(PiiKind::Phone, "520102199003071234"));

        // Moved to another row, column or table: refused.
        for elsewhere in [
            Place::new("users", "id_number_enc", "u2"),
            Place::new("users", "phone_enc", "u1"),
            Place::new("teachers", "id_number_enc", "u1"),
        ] {
            assert!(old.decrypt(&ct, elsewhere).is_err(), "{elsewhere:?}");
        }

        // Rotate: k2 active, k1 kept for reading.
        let k2 = format!("k2:{}", B64.encode([7u8; 32]));
        let new = Keyring::from_config(&format!("{k2},{keys}"), &blind, &audit).unwrap();
        assert_eq!(new.decrypt(&ct, here).unwrap(), "520102199003071234");
        assert!(new.needs_rotation(&ct));
        assert!(new.encrypt("x", here).unwrap().starts_with("2$k2:"));
        assert_eq!(Keyring::key_id_of(&ct), Some("k1"));

        // Tampering or relabelling is detected.
        let mut bad = ct.clone();
        bad.pop();
        bad.push(if ct.ends_with('A') { 'B' } else { 'A' });
        assert!(old.decrypt(&bad, here).is_err());
        let relabelled = ct.replacen("k1:", "k2:", 1);
        assert!(new.decrypt(&relabelled, here).is_err());
        assert!(Keyring::from_config("", &blind, &audit).is_err());
        assert!(Keyring::from_config("k1:short", &blind, &audit).is_err());
        assert!(Keyring::from_config(&keys, &blind, "short").is_err());
    }

    #[test]
    fn values_from_before_places_still_decrypt_and_want_rotation() {
        let (keys, blind, audit) = Keyring::generate();
        let k = Keyring::from_config(&keys, &blind, &audit).unwrap();
        // The old form: only the key id bound.
        let (id, key) = (&k.keys[0].0, &k.keys[0].1);
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ct = cipher
            .encrypt(
                &nonce,
                aes_gcm::aead::Payload {
                    msg: b"13800000001",
                    aad: id.as_bytes(),
                },
            )
            .unwrap();
        let mut blob = nonce.to_vec();
        blob.extend(ct);
        let legacy = format!("{id}:{}", B64.encode(blob));
        let here = Place::new("users", "phone_enc", "u1");
        assert_eq!(k.decrypt(&legacy, here).unwrap(), "13800000001");
        assert!(k.needs_rotation(&legacy));
    }
}
