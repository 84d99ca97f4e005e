//! One learner's attempt at an exam: the paper drawn for it, the seed it was drawn with,
//! the server's deadline, and the result. At most one attempt of a learner at an exam
//! is open (a partial unique index); `seq` numbers them (unique per learner and exam).

use jineng_core::exams::AttemptStatus;
use jineng_core::study::{CheckKind, CheckOutcome};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exam_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub exam_id: String,
    #[sea_orm(indexed)]
    pub user_id: String,
    pub seq: i32,
    /// The draw's seed (a u64 stored as its bit pattern).
    pub seed: i64,
    /// The paper (`Vec<jineng_core::exams::PaperItem>`) as JSON.
    pub paper: String,
    pub status: AttemptStatus,
    /// The check point at the start (kind-tagged like the watch checks).
    pub check_kind: CheckKind,
    pub check_outcome: CheckOutcome,
    pub started_at: DateTimeUtc,
    pub deadline: DateTimeUtc,
    /// Last answer saved (also serialises saves against the submit on PostgreSQL).
    pub saved_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub total: i32,
    pub score: Option<i32>,
    pub passed: Option<bool>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
