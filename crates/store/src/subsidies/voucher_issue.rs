//! One issue of training vouchers: the value, projects and validity every voucher of it
//! carries, and how its holders were chosen.

use jineng_core::vouchers::IssueMethod;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "voucher_issues")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub number: String,
    pub name: String,
    pub method: IssueMethod,
    pub value_fen: i64,
    /// Training project ids, comma separated; empty: every project.
    pub projects: String,
    /// Person category codes the rule chose (empty for a list).
    pub categories: String,
    /// `YYYY-MM-DD`.
    pub valid_from: String,
    pub valid_until: String,
    pub issued: i32,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
