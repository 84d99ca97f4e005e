//! An irregularity of a study session: one row per (session, reason), counted.

use jineng_core::study::Irregularity;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "study_irregularities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub session_id: String,
    pub user_id: String,
    pub lesson_id: String,
    pub package_id: String,
    pub class_id: String,
    pub code: Irregularity,
    /// Whether the province's rules clear the course's hours for it.
    pub clears: bool,
    pub count: i64,
    pub first_at: DateTimeUtc,
    pub last_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
