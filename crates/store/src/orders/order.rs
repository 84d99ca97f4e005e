//! An order of seats of one course for one class. Created once per buyer and idempotency
//! key (a unique index); `paid_fen` is 0 or the total, refunds never exceed it (CHECKs).

use jineng_core::orders::OrderStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The order number people read and quote (JN + date + digits).
    pub number: String,
    /// The buyer.
    pub org_id: String,
    pub region_code: String,
    pub class_id: String,
    pub package_id: String,
    /// The course version bought; the class studies this one.
    pub version_id: String,
    /// The course provider (the seller).
    pub provider_org_id: String,
    pub course_name: String,
    pub quantity: i32,
    pub unit_fen: i64,
    pub total_fen: i64,
    /// Why the quantity differs from the class's learners (empty when it does not).
    pub reason: String,
    pub status: OrderStatus,
    pub paid_fen: i64,
    pub refunded_fen: i64,
    pub refunded_seats: i32,
    pub idempotency_key: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub paid_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
