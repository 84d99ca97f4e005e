//! Integration tests: requests through the real router against a fresh database —
//! SQLite by default, PostgreSQL when JINENG_TEST_DATABASE_URL is set (CI runs both).

mod api;
mod archive;
mod assessment;
mod attendance;
mod audit;
mod auth;
mod catalogue;
mod certificates;
mod classes;
mod common;
mod courses;
mod documents;
mod exams;
mod exchange;
mod hardening;
mod identity;
mod integrity;
mod learners;
mod ledger;
mod matrix;
mod media;
mod occupations;
mod orgs;
mod path;
mod qualifications;
mod scope;
mod security;
mod server;
mod skills;
mod study;
mod supervision;
mod teachers;
mod training;
mod uploads;
mod witness;
