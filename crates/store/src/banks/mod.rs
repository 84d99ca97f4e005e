//! Province question banks (省级题库): the bank (its work type, level and, for a bank
//! imported from another appraisal centre, where it came from) and its questions.

pub mod bank;
pub mod question;
