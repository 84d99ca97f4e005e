//! The current state of one institution's or enterprise's registration.
//! Personal and bank data only encrypted (`*_enc`) with blind indexes where looked up.

use jineng_core::organizations::{OrgKind, OrgStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `institution` or `enterprise`.
    #[sea_orm(indexed)]
    pub kind: OrgKind,
    pub name: String,
    #[sea_orm(unique)]
    pub credit_code: String,
    /// County (or city) where it is registered; scopes regulators.
    #[sea_orm(indexed)]
    pub region_code: String,
    pub address: String,
    pub legal_rep_name: String,
    pub legal_rep_id_enc: String,
    pub legal_rep_id_bidx: String,
    pub contact_name: String,
    pub contact_phone_enc: String,
    /// 机构性质 code (institutions); empty for enterprises.
    pub nature: String,
    /// `ordinary` or `advanced` (institutions); empty for enterprises.
    pub institution_type: String,
    pub designated: bool,
    pub bank_name: String,
    pub bank_account_name: String,
    pub bank_account_enc: String,
    /// Trainees per year.
    pub training_scale: i32,
    /// Square metres.
    pub site_area: i32,
    pub licence_no: String,
    /// ISO dates (YYYY-MM-DD); empty when not applicable.
    pub valid_from: String,
    pub valid_until: String,
    /// See `jineng_core::organizations::OrgStatus`.
    #[sea_orm(indexed)]
    pub status: OrgStatus,
    /// Reason of the last return, suspension or revocation.
    pub status_reason: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
