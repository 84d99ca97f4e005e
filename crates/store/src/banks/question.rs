//! A question of a province bank. A question is retired rather than deleted, so a paper
//! drawn with it can still be shown and audited; stems are unique among the current
//! questions of a bank (a partial unique index).

use jineng_core::courses::questions::{Difficulty, QuestionKind};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bank_questions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed)]
    pub bank_id: String,
    pub position: i32,
    pub kind: QuestionKind,
    pub stem: String,
    /// The options as a JSON array of strings (正确/错误 for true/false).
    pub options: String,
    /// The right options' letters ("B", "ACD").
    pub answer: String,
    pub explanation: String,
    pub knowledge_point: String,
    pub difficulty: Difficulty,
    pub created_at: DateTimeUtc,
    pub retired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
