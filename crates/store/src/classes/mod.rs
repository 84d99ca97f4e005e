//! Training classes, their enrolled learners and the filing decisions on them.

pub mod class;
pub mod enrollment;
pub mod inspection;
