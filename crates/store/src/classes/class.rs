//! One training class (培训班) of an institution or enterprise, opened from a catalogue
//! project. Region and organisation are copied in, so scoping needs no join.

use jineng_core::classes::{ClassStatus, Delivery};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "classes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed)]
    pub org_id: String,
    #[sea_orm(indexed)]
    pub region_code: String,
    #[sea_orm(indexed)]
    pub project_id: String,
    pub occupation_code: String,
    pub name: String,
    /// `online`, `offline` or `blended`.
    pub delivery: Delivery,
    /// YYYY-MM-DD.
    #[sea_orm(indexed)]
    pub start_date: String,
    pub end_date: String,
    pub location: String,
    pub capacity: i32,
    /// Class hours; never below the project's.
    pub theory_hours: i32,
    pub practice_hours: i32,
    /// See `jineng_core::classes::ClassStatus`.
    #[sea_orm(indexed)]
    pub status: ClassStatus,
    /// Reason of the last return or cancellation.
    pub status_reason: String,
    pub enrolled: i32,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
