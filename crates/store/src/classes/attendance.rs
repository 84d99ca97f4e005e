//! A learner present at a session: by scanning the rotating QR code or marked by staff.

use jineng_core::classes::CheckinMethod;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attendance")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    /// `qr` or `marked`.
    pub how: CheckinMethod,
    pub at: DateTimeUtc,
    /// QR sign-ins: a hash of the device session that signed in (unique per session).
    pub device: Option<String>,
    /// QR sign-ins: where, in millionths of a degree (WGS 84), if the browser said.
    pub lat_e6: Option<i32>,
    pub lng_e6: Option<i32>,
    /// The browser's stated accuracy of that position, in metres.
    pub accuracy_m: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
