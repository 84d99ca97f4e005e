//! The evidence log (issue 10): entries, the stored tree hashes, how many leaves are
//! hashed, the signed checkpoints, witnesses' cosignatures and the runs of the full
//! check. The tree is kept as the Go checksum database keeps it — every hash a complete
//! subtree will ever need, stored once under its "stored hash index" — so any proof reads
//! O(log n) rows (`tlog_tiles::stored_hash_index`).

pub mod checkpoint;
pub mod cosignature;
pub mod entry;
pub mod hash;
pub mod head;
pub mod sealed;
pub mod verify_run;
pub mod witness;
