//! One learner of a claimed class: eligible with an amount, ineligible with the reasons,
//! or void (the claim was rejected). One eligible line per person, project and year.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subsidy_claim_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub claim_id: String,
    pub user_id: String,
    pub name: String,
    pub project_id: String,
    /// The calendar year of the class's end.
    pub year: i32,
    /// `eligible`, `ineligible` or `void`.
    pub state: String,
    pub amount_fen: i64,
    /// Reason codes, comma separated.
    pub reasons: String,
    /// The facts judged, as JSON (shown to reviewers).
    pub facts: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
