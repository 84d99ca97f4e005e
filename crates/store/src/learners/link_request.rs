//! An organisation asks to count a person who is already on the platform among its
//! learners (a bulk import found their ID number and name). Nothing is linked until the
//! person accepts in 我的培训; a declined request stays as the record of the answer.

use jineng_core::learners::LinkRequestStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_link_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    /// The import that asked.
    pub import_id: String,
    pub status: LinkRequestStatus,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
