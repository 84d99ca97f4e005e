//! Jineng's domain: types that can only hold valid values and the rules over them.
//! Nothing here does I/O, reads the clock or draws randomness; callers pass those in.

pub mod accounts;
pub mod archive;
pub mod assessment;
pub mod audit;
pub mod banks;
pub mod certificates;
pub mod classes;
pub mod code;
pub mod completion;
pub mod courses;
pub mod documents;
pub mod exams;
pub mod exchange;
pub mod identity;
pub mod jobs;
pub mod learners;
pub mod mask;
pub mod money;
pub mod net;
pub mod occupations;
pub mod open_api;
pub mod orders;
pub mod organizations;
pub mod reconcile;
pub mod region;
pub mod review;
pub mod skills;
pub mod solicitation;
pub mod study;
pub mod subsidies;
pub mod teachers;
pub mod text;
pub mod vouchers;

pub use identity::bank_account::BankAccount;
pub use identity::credit_code::CreditCode;
pub use identity::id_number::{Gender, IdNumber};
pub use identity::person_name::PersonName;
pub use identity::phone::Phone;
pub use money::Fen;
pub use region::{RegionCode, RegionLevel};

#[doc(hidden)]
pub use code::__private;
pub use code::Coded;
