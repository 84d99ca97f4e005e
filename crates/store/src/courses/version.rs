//! One version of a course package: everything a reviewer judges and a buyer gets.
//! Editable while a draft or returned; frozen once submitted. At most one version of a
//! package is open (draft, in review or returned) at a time (a partial unique index).

use jineng_core::courses::{CourseTrainingType, CourseType, VersionStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "course_package_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed)]
    pub package_id: String,
    /// Copied from the package for scoping.
    #[sea_orm(indexed)]
    pub org_id: String,
    pub region_code: String,
    /// 1, 2, … within the package.
    pub number: i32,
    #[sea_orm(indexed)]
    pub status: VersionStatus,
    pub name: String,
    /// Storage key of the cover image; empty when none.
    pub cover_key: String,
    /// 课程简介: what the course is about.
    pub intro: String,
    /// 适用人群.
    pub audience: String,
    /// 主要内容.
    pub content: String,
    /// 总学时 as declared; the lessons must add up to it.
    pub declared_hours: i32,
    pub occupation_code: String,
    /// A work type of the occupation; empty for the occupation as a whole.
    pub work_type_id: String,
    /// 1–5, or 0 for no level.
    pub skill_level: i32,
    pub training_type: CourseTrainingType,
    pub course_type: CourseType,
    pub price_fen: i64,
    /// Learners may seek forward past what they watched (the class must allow it too).
    pub free_seek: bool,
    /// Storage key and file name of the copyright proof; empty when none yet.
    pub copyright_key: String,
    pub copyright_filename: String,
    /// The level of review it waits at (1-based); 0 when not in review.
    pub review_level: i32,
    /// How many levels its review flow has (fixed when submitted).
    pub review_levels: i32,
    /// How many times it has been submitted.
    pub review_round: i32,
    /// The flow's steps when submitted, comma-separated step codes.
    pub review_steps: String,
    /// What the reviewer is warned about (JSON array of strings), set when submitted.
    pub warnings: String,
    pub submitted_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
