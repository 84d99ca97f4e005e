//! Certificates issued on the platform (培训合格证明 and its kin) with what was signed,
//! where they sit in the evidence log, and their revocation.

pub mod certificate;
pub mod seal;
pub mod skill;
