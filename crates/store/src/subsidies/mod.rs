//! Training subsidies (职业培训补贴): policies and their versions, claims with one line
//! per learner and the review steps they pass, each person's yearly total, and
//! disbursement batches with their payouts and the bank's return files; training
//! vouchers, the issues they came in and the settlements that pay institutions for them.

pub mod batch;
pub mod claim;
pub mod claim_document;
pub mod line;
pub mod payout;
pub mod person_year;
pub mod policy;
pub mod policy_version;
pub mod return_file;
pub mod step;
pub mod voucher;
pub mod voucher_issue;
pub mod voucher_settlement;
