//! A write sent under an `Idempotency-Key`: claimed before it runs (`pending`), then its
//! answer kept (`done`) and given again to a retry with the same key and request.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "provider_api_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub idem_key: String,
    /// Hex SHA-256 of the method, path and query, and body.
    pub request_sha256: String,
    /// `pending` or `done`.
    pub state: String,
    pub response_status: Option<i32>,
    pub response_type: String,
    pub response_body: String,
    #[sea_orm(indexed)]
    pub created_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
