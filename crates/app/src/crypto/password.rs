//! Argon2id password hashing. Verification of an unknown user runs against a dummy hash
//! made with the same parameters, so the response time does not reveal whether a user exists.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub struct PasswordHasher {
    params: Params,
    dummy: String,
}

impl PasswordHasher {
    pub fn new(memory_kib: u32, iterations: u32) -> Self {
        let params = Params::new(memory_kib.max(8), iterations.max(1), 1, None)
            .unwrap_or_else(|_| Params::default());
        let mut h = PasswordHasher {
            params,
            dummy: String::new(),
        };
        h.dummy = h.hash("dummy-password-for-timing").unwrap_or_default();
        h
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    pub fn hash(&self, password: &str) -> Result<String, String> {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    }

    /// True when `password` matches `stored`. A malformed stored hash never matches.
    pub fn verify(&self, password: &str, stored: &str) -> bool {
        match PasswordHash::new(stored) {
            Ok(parsed) => self
                .argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    }

    /// Spend the same time as a real verification, for unknown users.
    pub fn verify_dummy(&self, password: &str) {
        let _ = self.verify(password, &self.dummy);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = PasswordHasher::new(64, 1);
        let s = h.hash("Secret123!").unwrap();
        assert!(s.starts_with("$argon2id$"));
        assert!(h.verify("Secret123!", &s));
        assert!(!h.verify("secret123!", &s));
        assert!(!h.verify("Secret123!", "not a hash"));
    }
}
