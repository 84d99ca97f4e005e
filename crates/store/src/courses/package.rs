//! A course package as the catalogue knows it: whose it is, whether it is listed and
//! which approved version is the listed one. The content lives in its versions.

use jineng_core::courses::{CourseSource, ListingStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "course_packages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The publishing organisation (a provider, or an institution for its own courses).
    #[sea_orm(indexed)]
    pub org_id: String,
    /// The organisation's county, copied in for scoping.
    #[sea_orm(indexed)]
    pub region_code: String,
    pub source: CourseSource,
    /// The newest version's name (the listed one's once listed), for lists.
    pub name: String,
    #[sea_orm(indexed)]
    pub listing: ListingStatus,
    /// The approved version offered in the catalogue; empty until one is approved.
    pub listed_version_id: String,
    /// Why it was last delisted or relisted.
    pub listing_reason: String,
    /// The number of its newest version.
    pub latest_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
