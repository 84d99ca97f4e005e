//! A course's hours cleared for a learner (seed 003 §6.3): the first for a course clears,
//! the second also ends the learner's subsidy for it. Unique per (user, package, class,
//! nth) and per session, so a retried or concurrent clearing lands once.

use jineng_core::study::Irregularity;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "study_clearings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    pub package_id: String,
    pub class_id: String,
    pub nth: i32,
    pub code: Irregularity,
    pub session_id: String,
    pub cleared_ms: i64,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
