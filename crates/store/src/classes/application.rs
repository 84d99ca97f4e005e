//! A learner's application to join a class that is still recruiting (报名申请); the
//! institution accepts (which enrols the learner) or rejects it with a reason.

use jineng_core::classes::ApplicationStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "class_applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed, unique_key = "applicant")]
    pub class_id: String,
    #[sea_orm(indexed, unique_key = "applicant")]
    pub user_id: String,
    /// `pending`, `accepted`, `rejected` or `withdrawn`.
    pub status: ApplicationStatus,
    pub reason: String,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
