//! Offline assessment (线下考核): each class's score sheet, its learners' rows, and the
//! changes made after it was published.

pub mod change;
pub mod score;
pub mod sheet;
