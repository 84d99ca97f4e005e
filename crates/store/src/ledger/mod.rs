//! The evidence log (issue 10): entries, the stored tree hashes, the head and the signed
//! checkpoints. The tree is kept as the Go checksum database keeps it — every hash a
//! complete subtree will ever need, stored once under its "stored hash index" — so any
//! proof reads O(log n) rows (`tlog_tiles::stored_hash_index`).

pub mod checkpoint;
pub mod entry;
pub mod hash;
pub mod head;
