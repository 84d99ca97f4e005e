//! One run of the full check of the evidence log (`jineng ledger verify`, the schedule,
//! or a system admin's request) and what it found.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_verify_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed)]
    pub started_at: DateTimeUtc,
    pub finished_at: DateTimeUtc,
    /// `cli`, `schedule` or `admin`.
    pub trigger: String,
    pub entries: i64,
    pub checkpoints: i64,
    pub problems: i64,
    /// The first problems found, as JSON `[[index, reason], …]`.
    pub details: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
