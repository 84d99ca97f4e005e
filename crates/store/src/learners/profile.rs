//! One real person as a learner. The account (`users`) holds name, encrypted ID number
//! and phone; this row holds what training needs. One ID number, one learner.

use jineng_core::Gender;
use jineng_core::learners::LearnerSource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "learner_profiles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    pub person_category: String,
    pub education: String,
    /// `male` or `female`, from the ID number.
    pub gender: Gender,
    /// YYYY-MM-DD, from the ID number.
    pub birth_date: String,
    #[sea_orm(indexed)]
    pub region_code: String,
    /// `self` (registered themselves) or `import`.
    pub source: LearnerSource,
    /// The institution or enterprise that imported the learner first, if any.
    #[sea_orm(indexed)]
    pub imported_by_org: String,
    /// Imported learners activate their account at first sign-in.
    pub activated: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
