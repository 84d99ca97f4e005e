//! An exam published to a class (考前练习, 模拟考试, 课程考试) on one course of its study
//! tasks; the version is the class's.

use jineng_core::exams::ExamKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exams")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed)]
    pub class_id: String,
    pub org_id: String,
    pub package_id: String,
    pub version_id: String,
    pub kind: ExamKind,
    pub title: String,
    /// The paper rule (`jineng_core::exams::PaperRule`) as JSON.
    pub rule: String,
    /// Attempts each learner may make; 0 = unlimited.
    pub max_attempts: i32,
    /// Whether learners see the right answers and explanations after submitting.
    pub show_answers: bool,
    /// YYYY-MM-DD, China time, both included.
    pub opens_on: String,
    pub closes_on: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
