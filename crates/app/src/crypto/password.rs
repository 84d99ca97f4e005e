//! Argon2id password hashing in PHC string format (compatible with the `argon2` crate's
//! own verifier). The 19 MiB work area is kept per thread and reused, so a sign-in costs
//! the hash itself and not a fresh allocation and its page faults. Verification of an
//! unknown user runs against a dummy hash with the same parameters, so the response time
//! does not reveal whether a user exists.

use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use rand::RngCore;
use std::cell::RefCell;
use subtle::ConstantTimeEq;

thread_local! {
    static WORK: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn argon2_into(
    params: &Params,
    pwd: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let a = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    WORK.with(|w| {
        let mut w = w.borrow_mut();
        if w.len() < params.block_count() {
            w.resize(params.block_count(), Block::default());
        }
        a.hash_password_into_with_memory(pwd, salt, out, &mut w[..])
    })
}

pub struct PasswordHasher {
    params: Params,
    dummy: String,
}

impl PasswordHasher {
    pub fn new(memory_kib: u32, iterations: u32) -> Self {
        let params = Params::new(memory_kib.max(8), iterations.max(1), 1, Some(32))
            .unwrap_or_else(|_| Params::default());
        let mut h = PasswordHasher {
            params,
            dummy: String::new(),
        };
        h.dummy = h.hash("dummy-password-for-timing").unwrap_or_default();
        h
    }

    /// A PHC string: `$argon2id$v=19$m=…,t=…,p=1$salt$hash`.
    pub fn hash(&self, password: &str) -> Result<String, String> {
        let mut salt = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let mut out = [0u8; 32];
        argon2_into(&self.params, password.as_bytes(), &salt, &mut out)
            .map_err(|e| e.to_string())?;
        Ok(format!(
            "$argon2id$v=19$m={},t={},p={}${}${}",
            self.params.m_cost(),
            self.params.t_cost(),
            self.params.p_cost(),
            B64.encode(salt),
            B64.encode(out)
        ))
    }

    /// True when `password` matches `stored`, using the parameters recorded in `stored`
    /// (so hashes made before a parameter change still verify). Malformed never matches.
    pub fn verify(&self, password: &str, stored: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        if parsed.algorithm.as_str() != "argon2id" || parsed.version.is_some_and(|v| v != 0x13) {
            return false;
        }
        let (Ok(params), Some(salt), Some(expected)) =
            (Params::try_from(&parsed), parsed.salt, parsed.hash)
        else {
            return false;
        };
        let mut salt_buf = [0u8; 64];
        let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
            return false;
        };
        let expected = expected.as_bytes();
        let mut out = vec![0u8; expected.len()];
        let params = match Params::new(
            params.m_cost(),
            params.t_cost(),
            params.p_cost(),
            Some(expected.len()),
        ) {
            Ok(p) => p,
            Err(_) => return false,
        };
        if argon2_into(&params, password.as_bytes(), salt, &mut out).is_err() {
            return false;
        }
        out.ct_eq(expected).into()
    }

    /// Spend the same time as a real verification, for unknown users.
    pub fn verify_dummy(&self, password: &str) {
        let _ = self.verify(password, &self.dummy);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordVerifier;

    #[test]
    fn hash_and_verify() {
        let h = PasswordHasher::new(64, 1);
        let s = h.hash("Secret123!").unwrap();
        assert!(s.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(h.verify("Secret123!", &s));
        assert!(!h.verify("secret123!", &s));
        assert!(!h.verify("Secret123!", "not a hash"));
        assert!(!h.verify(
            "Secret123!",
            "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA"
        ));
    }

    #[test]
    fn compatible_with_the_reference_implementation() {
        let h = PasswordHasher::new(256, 2);
        // Ours verifies with the crate's standard verifier…
        let ours = h.hash("Jineng@2026").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"Jineng@2026", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"jineng@2026", &parsed)
                .is_err()
        );
        // …and a hash made by the crate verifies with ours, whatever its parameters.
        use argon2::password_hash::{PasswordHasher as _, SaltString};
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let params = Params::new(128, 3, 1, None).unwrap();
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"Other#2026", &salt)
            .unwrap()
            .to_string();
        assert!(h.verify("Other#2026", &theirs));
        assert!(!h.verify("Other#2027", &theirs));
    }
}
