//! Institutions and enterprises: the current registration, every submitted version,
//! and annual reviews.

pub mod annual_review;
pub mod document;
pub mod organization;
pub mod version;
