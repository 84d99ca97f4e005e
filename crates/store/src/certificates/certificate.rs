//! One certificate: who holds it, for what, who issued it, the record signed for it
//! (`jineng_core::certificates::CertRecord`) and the signed note the QR code carries.
//! A certificate is held by a learner (`user_id`) or by a teacher of the pool
//! (`teacher_id`, a qualification), never neither (a CHECK). A learner has at most one
//! certificate of a kind per class, a teacher one current qualification (unique indexes).

use jineng_core::certificates::CertKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The printed number (`CertNumber`), unique.
    #[sea_orm(unique)]
    pub number: String,
    pub kind: CertKind,
    #[sea_orm(indexed)]
    pub user_id: Option<String>,
    #[sea_orm(indexed)]
    pub class_id: Option<String>,
    /// The issuer; for a teacher's qualification, the institution the teacher works for
    /// (its staff see it), with the issuing department in `issuer_name`.
    pub org_id: String,
    /// The issuer's region (copied, for regulators' scope).
    #[sea_orm(indexed)]
    pub region_code: String,
    /// The holder's name as issued (unmasked; the record holds it masked).
    pub holder_name: String,
    pub project: String,
    pub class_name: String,
    pub hours: i32,
    /// YYYY-MM-DD, China time.
    pub issued_on: String,
    /// The canonical record text.
    pub record: String,
    /// The record signed as a signed note with the log's key.
    pub note: String,
    /// The certificate's entry in the evidence log.
    pub ledger_idx: i64,
    pub issued_by: String,
    pub issued_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_reason: String,
    pub revoked_by: Option<String>,
    /// The revocation's entry in the evidence log.
    pub revocation_idx: Option<i64>,
    /// The teacher who holds a qualification.
    #[sea_orm(indexed)]
    pub teacher_id: Option<String>,
    /// The issuer in words when it is not `org_id` (a regulator's department); empty
    /// otherwise.
    pub issuer_name: String,
    /// The last valid day (YYYY-MM-DD) for kinds that expire.
    pub valid_until: Option<String>,
    /// The certificate that renewed this one.
    pub replaced_by: Option<String>,
    /// The region of the department in `issuer_name` (whose seal it bears).
    pub issuer_region: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
