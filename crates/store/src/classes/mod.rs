//! Training classes, their enrolled learners and the filing decisions on them.

pub mod application;
pub mod attendance;
pub mod class;
pub mod enrollment;
pub mod inspection;
pub mod session;
