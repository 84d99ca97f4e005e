//! One row per person or organisation login. Personal data is stored only encrypted
//! (`*_enc`) with a blind index (`*_bidx`) for exact look-ups; never in clear.

use jineng_core::accounts::UserStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    pub phone_enc: Option<String>,
    #[sea_orm(unique)]
    pub phone_bidx: Option<String>,
    pub id_number_enc: Option<String>,
    #[sea_orm(unique)]
    pub id_number_bidx: Option<String>,
    pub bank_account_enc: Option<String>,
    /// Region the account belongs to (county, city or province code); scopes regulators' views.
    #[sea_orm(indexed)]
    pub region_code: Option<String>,
    pub password_hash: String,
    /// `active` or `disabled`.
    pub status: UserStatus,
    pub must_change_password: bool,
    pub totp_secret_enc: Option<String>,
    pub totp_enabled: bool,
    /// The last TOTP time step accepted, so a code cannot be used twice.
    pub totp_last_step: Option<i64>,
    pub password_changed_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
