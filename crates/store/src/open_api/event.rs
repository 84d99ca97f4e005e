//! One event for a provider's webhook, with where its delivery stands.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    /// A `WebhookKind` code.
    pub kind: String,
    /// The JSON body sent.
    pub payload: String,
    pub created_at: DateTimeUtc,
    /// When the endpoint first answered 2xx.
    pub delivered_at: Option<DateTimeUtc>,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
