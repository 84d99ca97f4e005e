//! A spot check of study records (学习记录抽查): the random sample of a class's learners a
//! regulator drew, the verdict once recorded, and the institution's acknowledgement.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "study_spot_checks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub class_id: String,
    pub org_id: String,
    pub region_code: String,
    pub inspector_id: String,
    pub inspector_name: String,
    /// The sampled learners' user ids, as a JSON array, in the order drawn.
    pub sample: String,
    pub drawn_at: DateTimeUtc,
    /// None until the verdict is recorded.
    pub qualified: Option<bool>,
    pub remarks: String,
    pub decided_at: Option<DateTimeUtc>,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub acknowledged_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
