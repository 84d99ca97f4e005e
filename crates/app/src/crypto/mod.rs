//! Cryptography the platform needs: password hashing, personal-data encryption with
//! rotating keys and blind indexes, random tokens. Never logs secrets or plaintext.

pub mod password;
pub mod pii;
pub mod pool;
pub mod reindex;
pub mod rotate;

pub use password::PasswordHasher;

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A URL-safe random token with 256 bits of entropy.
pub fn random_token() -> String {
    use base64::Engine;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// SHA-256 of a token, hex; what the database stores instead of the token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
