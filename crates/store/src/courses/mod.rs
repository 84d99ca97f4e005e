//! Course packages: the package (its listing), its versions (each reviewed on its own),
//! a version's chapters, lessons and question bank; the expert pool, expert groups and review decisions.

pub mod chapter;
pub mod expert;
pub mod expert_group;
pub mod lesson;
pub mod media;
pub mod media_chunk;
pub mod package;
pub mod question;
pub mod rating;
pub mod review;
pub mod suggestion;
pub mod version;
