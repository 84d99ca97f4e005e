//! A study task (点播学习任务): a course a class's learners study online, from when to
//! when. Unique per (class, package); the version is the one listed when published.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "study_tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub class_id: String,
    pub org_id: String,
    pub package_id: String,
    pub version_id: String,
    /// YYYY-MM-DD, China time, both included.
    pub starts_on: String,
    pub ends_on: String,
    /// The class lets its learners seek forward (the course must allow it too).
    pub free_seek: bool,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
