//! Data exchange with other government systems (the provincial integrated platform):
//! registered clients with a shared secret, and the nonces they used (replay guard).

pub mod client;
pub mod nonce;
