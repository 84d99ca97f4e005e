//! Audit trail storage: append-only records, and a one-row head holding the last
//! sequence number and hash. Writers lock the head, so the chain never forks.

pub mod head;
pub mod record;
