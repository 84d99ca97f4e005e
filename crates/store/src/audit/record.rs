//! One audit record. Rows are only ever inserted; `jineng audit verify` recomputes the chain.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// RFC 3339 text, exactly as hashed.
    #[sea_orm(indexed)]
    pub at: String,
    #[sea_orm(indexed)]
    pub actor_id: String,
    pub actor_name: String,
    pub role: String,
    #[sea_orm(indexed)]
    pub action: String,
    pub object_type: String,
    #[sea_orm(indexed)]
    pub object_id: String,
    /// JSON describing what changed (personal data masked).
    pub changes: String,
    pub ip: String,
    pub outcome: String,
    pub request_id: String,
    pub prev_hash: String,
    pub hash: String,
    /// The chain's algorithm for this record (jineng_core::audit::CHAIN_V*).
    pub alg: i16,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
