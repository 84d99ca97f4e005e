//! One teacher, whoever enters them: the ID number's blind index is unique.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "teachers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub id_number_enc: String,
    #[sea_orm(unique)]
    pub id_number_bidx: String,
    /// 任课专业 / subjects, free text.
    pub subjects: String,
    /// See `jineng_core::teachers::TEACHER_LEVELS`.
    pub level: String,
    /// 培训资格, certificates held.
    pub qualifications: String,
    pub years_teaching: i32,
    /// 培训经历.
    pub experience: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
