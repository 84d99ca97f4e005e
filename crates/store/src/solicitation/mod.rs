//! Solicitation of course resources (资源征集): campaigns, providers' applications with
//! their files, the experts assigned to a campaign's roadshow and their scores, the
//! objections filed against a public notice, and the admissions that result.

pub mod admission;
pub mod application;
pub mod campaign;
pub mod expert;
pub mod file;
pub mod objection;
pub mod score;
