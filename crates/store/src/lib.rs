//! Persistence for Jineng: the database connection (SQLite or PostgreSQL through one
//! code path), the schema and its migrations, entities and reference data.
//! It knows nothing of permissions; callers in `app` decide who may read or write.

pub mod accounts;
pub mod assessment;
pub mod audit;
pub mod banks;
pub mod catalogue;
pub mod certificates;
pub mod classes;
pub mod courses;
pub mod db;
pub mod exams;
pub mod exchange;
pub mod jobs;
pub mod learners;
pub mod ledger;
pub mod migrate;
pub mod open_api;
pub mod orders;
pub mod organizations;
pub mod reference;
pub mod reviews;
pub mod settings;
pub mod solicitation;
pub mod study;
pub mod subsidies;
pub mod teachers;

pub use db::{Db, connect};
pub use sea_orm;
