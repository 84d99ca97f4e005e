//! A skill-level certificate (职业技能等级证书) issued outside the platform by an appraisal
//! organisation and imported from its result sheet, linked to the learner it names. The
//! number is unique: importing a sheet again adds nothing.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "skill_certificates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// As printed by the appraisal organisation (upper case).
    #[sea_orm(unique)]
    pub number: String,
    #[sea_orm(indexed)]
    pub user_id: String,
    /// The holder's name as it stood in the sheet (it matched the account).
    pub holder_name: String,
    pub occupation_code: String,
    pub occupation_name: String,
    /// 1 (一级/高级技师) to 5 (五级/初级工).
    pub level: i32,
    /// The appraisal organisation (评价机构).
    pub issuer: String,
    /// YYYY-MM-DD.
    pub issued_on: String,
    /// The holder's county (copied from the account, for regulators' scope).
    #[sea_orm(indexed)]
    pub region_code: String,
    pub imported_by: String,
    pub imported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
