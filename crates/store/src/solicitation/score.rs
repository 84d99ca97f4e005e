//! One expert's score of one application (points per criterion as a JSON array, the
//! score out of 100 in hundredths), or their recusal (回避) with the reason in `comment`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "solicitation_scores")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub campaign_id: String,
    pub application_id: String,
    pub expert_id: String,
    pub points: String,
    pub score: Option<i32>,
    pub comment: String,
    pub recused: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
