//! Learners: the real-name profile beside a learner's account, SMS codes for
//! self-registration, and bulk-import jobs with their progress and reports.

pub mod import_job;
pub mod link_request;
pub mod org_link;
pub mod profile;
pub mod sms_code;
