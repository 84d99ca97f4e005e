//! A teacher booked into a class; dates copied in so overlaps are found without a join.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "teacher_bookings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed, unique_key = "booked")]
    pub teacher_id: String,
    #[sea_orm(indexed, unique_key = "booked")]
    pub class_id: String,
    pub start_date: String,
    pub end_date: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
