//! A regulator's inspection of a class during training, with its verdict.

use jineng_core::classes::InspectionKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "class_inspections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed)]
    pub class_id: String,
    pub org_id: String,
    #[sea_orm(indexed)]
    pub region_code: String,
    /// `patrol` or `spot_check`.
    pub kind: InspectionKind,
    pub qualified: bool,
    pub remarks: String,
    pub inspector_id: String,
    pub inspector_name: String,
    pub inspected_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
