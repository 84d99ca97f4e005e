//! Supervised study: sessions, credited time per lesson and per day, irregularities and
//! the clearings they caused.

pub mod check;
pub mod clearing;
pub mod day;
pub mod flush;
pub mod irregularity;
pub mod progress;
pub mod session;
pub mod spot_check;
pub mod task;
