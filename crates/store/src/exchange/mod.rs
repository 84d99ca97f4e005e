//! Data exchange with other government systems (the provincial integrated platform):
//! registered clients with a shared secret, the nonces they used (replay guard), and
//! the change log the feeds page through.

pub mod change;
pub mod client;
pub mod nonce;
