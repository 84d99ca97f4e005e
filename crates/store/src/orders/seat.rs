//! A paid seat: the class's inventory of a course. Assigned to one learner, it opens the
//! course to them; a learner holds at most one seat per class and course (a partial
//! unique index), and only an assigned seat names a learner (a CHECK).

use jineng_core::orders::SeatStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "seats")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub order_id: String,
    pub class_id: String,
    pub package_id: String,
    /// 1..=quantity within the order (unique), so paying twice cannot make more seats.
    pub position: i32,
    pub status: SeatStatus,
    pub learner_id: Option<String>,
    /// The refund request holding or having taken the seat.
    pub refund_id: Option<String>,
    pub assigned_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
