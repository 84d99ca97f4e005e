//! Identifiers people and organisations carry: resident ID numbers (GB 11643),
//! unified social credit codes (GB 32100) and mobile phone numbers.
//! Each parser returns a Chinese message that can be shown to the person who typed it.

pub mod bank_account;
pub mod credit_code;
pub mod division_history;
pub mod id_number;
pub mod person_name;
pub mod phone;

/// Why an identifier was refused. The `Display` text is user-facing Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentError {
    #[error("{0}")]
    Invalid(&'static str),
}
