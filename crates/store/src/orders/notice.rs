//! Every payment notification received, kept with what became of it (applied, a
//! duplicate, forged, not matching), for the operator and for reconciliation.

use jineng_core::orders::{Channel, NoticeOutcome};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_notices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub channel: Channel,
    /// As the notification gave it (unverified for a forged one).
    pub notify_id: String,
    /// The payment it was matched to, when it was.
    pub payment_id: Option<String>,
    pub outcome: NoticeOutcome,
    pub detail: String,
    /// The body as received, cut to a bounded length.
    pub body: String,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
