//! A learner's rating of a course package: four counts of 1–5 stars, a comment (held when
//! it has a sensitive word), the provider's reply and the operator's answer.

use jineng_core::courses::ratings::RatingStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "course_ratings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub package_id: String,
    /// The package's owner, copied in.
    pub org_id: String,
    pub user_id: String,
    pub content: i32,
    pub picture: i32,
    pub relevance: i32,
    pub gain: i32,
    pub comment: String,
    pub status: RatingStatus,
    /// The sensitive words found in the comment, comma-separated.
    pub hits: String,
    /// 推荐: shown first.
    pub featured: bool,
    pub reply: Option<String>,
    pub replied_at: Option<DateTimeUtc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
