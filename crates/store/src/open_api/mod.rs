//! The open API for course platforms: signing keys, their used nonces, idempotent
//! writes, and webhooks (endpoint, events, delivery attempts).

pub mod attempt;
pub mod endpoint;
pub mod event;
pub mod key;
pub mod nonce;
pub mod request;
