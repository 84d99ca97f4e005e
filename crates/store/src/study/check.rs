//! A watch check (观看验证) of a study session: kind-tagged, with an outcome.

use jineng_core::study::{CheckKind, CheckOutcome};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "study_checks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub session_id: String,
    pub user_id: String,
    pub kind: CheckKind,
    /// What the learner is asked ("3 + 5 = ?").
    pub prompt: String,
    /// The right answer (never sent to the browser).
    pub expected: String,
    pub outcome: CheckOutcome,
    pub issued_at: DateTimeUtc,
    /// Crediting stops when this passes unanswered.
    pub due_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
