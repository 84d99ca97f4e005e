//! Teacher qualifications (师资上岗资格认定, seed 001 §2 and §13): a regulator of the
//! institution's region certifies a teacher of the pool to teach a subject for one to
//! five years. The certificate is the same machinery as a learner's (a number, a record
//! signed with the evidence log's key, a QR code, its own log entry, public
//! verification, revocation by a regulator), with an expiry date in its record. A
//! teacher holds at most one current qualification (a partial unique index): it can be
//! renewed in its last 90 days (the old one is marked replaced) or revoked.

use crate::audit::Entry;
use crate::certificates::{CertificateView, enter};
use crate::context::Principal;
use crate::error::{AppError, AppResult};
use crate::write::one_row;
use crate::{RequestCtx, write::Write};
use chrono::{Datelike, NaiveDate};
use jineng_core::RegionCode;
use jineng_core::accounts::Permission;
use jineng_core::certificates::{self as rules, CertKind, CertNumber, CertRecord};
use jineng_core::review::ReviewStatus;
use jineng_store::certificates::certificate;
use jineng_store::teachers::{link, teacher};
use rand::RngCore;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

bounded_context!(
    /// Teacher qualifications (师资上岗资格): granting, renewing, listing.
    Qualifications,
    qualifications
);

/// What a regulator fills in to qualify a teacher.
#[derive(Debug, Clone)]
pub struct QualificationInput {
    /// 任教专业: the occupation or work type taught.
    pub subject: String,
    /// 1–5.
    pub years: u32,
}

impl Qualifications<'_> {
    /// The qualifications of the teacher behind a pool entry the caller may see, newest
    /// first (renewed, expired and revoked ones too), as far as the caller may see
    /// certificates: a teacher who also works in another region shows its institution
    /// and regulators only those granted there.
    pub async fn of_teacher(
        &self,
        who: &Principal,
        link_id: &str,
    ) -> AppResult<Vec<CertificateView>> {
        let l = self
            .find_scoped::<link::Entity>(who, Permission::ViewOrganizations, link_id)
            .await?;
        let rows = certificate::Entity::find()
            .filter(certificate::Column::TeacherId.eq(l.teacher_id))
            .filter(certificate::Column::Kind.eq(CertKind::Teacher.code()))
            .filter(crate::certificates::visible(who))
            .order_by_desc(certificate::Column::IssuedAt)
            .all(&self.db)
            .await?;
        self.certificates().issuers(rows).await
    }

    /// The qualifications of the signed-in teacher (matched to the pool by ID number).
    pub async fn mine(&self, who: &Principal) -> AppResult<Vec<CertificateView>> {
        match self.attendance().teacher_record(who).await? {
            Some(t) => self.held_by(&t.id).await,
            None => Ok(Vec::new()),
        }
    }

    /// The last valid day of each of these teachers' current qualification (renewed,
    /// revoked and expired ones left out), for lists.
    pub async fn current(
        &self,
        teacher_ids: &[String],
    ) -> AppResult<std::collections::HashMap<String, String>> {
        let today = self.today().to_string();
        Ok(certificate::Entity::find()
            .filter(certificate::Column::TeacherId.is_in(teacher_ids.iter().cloned()))
            .filter(certificate::Column::Kind.eq(CertKind::Teacher.code()))
            .filter(certificate::Column::RevokedAt.is_null())
            .filter(certificate::Column::ReplacedBy.is_null())
            .filter(certificate::Column::ValidUntil.gte(today))
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|c| Some((c.teacher_id?, c.valid_until?)))
            .collect())
    }

    async fn held_by(&self, teacher_id: &str) -> AppResult<Vec<CertificateView>> {
        let rows = certificate::Entity::find()
            .filter(certificate::Column::TeacherId.eq(teacher_id))
            .filter(certificate::Column::Kind.eq(CertKind::Teacher.code()))
            .order_by_desc(certificate::Column::IssuedAt)
            .all(&self.db)
            .await?;
        self.certificates().issuers(rows).await
    }

    /// The department that acts in the caller's name: the narrowest region the caller
    /// reviews in that holds `of` (any, without `of`); an administrator's is the
    /// province's. Its region and name.
    pub(crate) async fn department(
        &self,
        who: &Principal,
        of: Option<&RegionCode>,
    ) -> AppResult<(RegionCode, String)> {
        let granting = who
            .grants
            .iter()
            .filter(|g| g.role.allows(Permission::ReviewOrganizations))
            .filter_map(|g| g.region)
            .filter(|r| of.is_none_or(|of| r.contains(of)))
            .max_by_key(|r| r.subtree_prefix().len())
            .unwrap_or(self.province);
        let names = self.region_names(&granting).await?;
        let ordered: Vec<&str> = names.iter().map(String::as_str).collect();
        Ok((granting, rules::department(&ordered)))
    }

    /// Qualify the teacher behind an approved pool entry in the caller's region, or renew
    /// their qualification in its last 90 days. Two grants at once leave one.
    pub async fn grant(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        link_id: &str,
        input: QualificationInput,
    ) -> AppResult<CertificateView> {
        let l = self
            .find_scoped::<link::Entity>(who, Permission::ReviewOrganizations, link_id)
            .await?;
        let subject =
            rules::parse_subject(&input.subject).map_err(|m| AppError::field("subject", m))?;
        let years = rules::parse_years(input.years).map_err(|m| AppError::field("years", m))?;
        if l.status != ReviewStatus::Approved {
            return Err(AppError::Conflict(
                "该讲师入库审核通过后才能认定上岗资格".into(),
            ));
        }
        let key = self.ledger_key.clone().ok_or_else(|| {
            AppError::Conflict("未配置签名密钥（JINENG_LEDGER_KEY），不能签发证书".into())
        })?;
        let t = teacher::Entity::find_by_id(l.teacher_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("师资"))?;
        let region = RegionCode::parse(&l.region_code)
            .map_err(|_| AppError::Internal(format!("stored region {}", l.region_code)))?;
        let (issuer_region, issuer) = self.department(who, Some(&region)).await?;
        let today = self.today();
        let w = self.write(who, ctx).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let renewed = self.retire_current(&w, &t.id, &id, today).await?;
        let mut random = [0u8; 10];
        rand::rngs::OsRng.fill_bytes(&mut random);
        let record = CertRecord {
            number: CertNumber::from_random(today.year(), &random),
            kind: CertKind::Teacher,
            holder: rules::mask_name(&t.name),
            project: subject,
            class_name: String::new(),
            hours: 0,
            issuer: issuer.clone(),
            issued_on: today,
            valid_until: Some(rules::valid_until(today, years)),
        };
        let row = certificate::ActiveModel {
            id: Set(id.clone()),
            user_id: Set(None),
            class_id: Set(None),
            teacher_id: Set(Some(t.id.clone())),
            org_id: Set(l.org_id.clone()),
            region_code: Set(l.region_code.clone()),
            holder_name: Set(t.name.clone()),
            issuer_name: Set(issuer),
            issuer_region: Set(Some(issuer_region.as_str().to_string())),
            ..Default::default()
        };
        // Only the number may collide here (74 random bits): the one-current rule is
        // the index's to refuse, as an error, not to skip.
        let only_number = OnConflict::column(certificate::Column::Number)
            .do_nothing()
            .to_owned();
        let held = || AppError::Conflict("该讲师已持有有效的师资上岗资格证书".into());
        if !enter(&w, &key, &record, row, only_number, held).await? {
            return Err(AppError::Conflict("证书编号冲突，请重试".into()));
        }
        w.commit(Entry::ok(
            if renewed.is_some() {
                "certificate.renew_teacher"
            } else {
                "certificate.qualify_teacher"
            },
            "teacher_link",
            &l.id,
            serde_json::json!({
                "number": record.number.to_string(),
                "subject": record.project,
                "valid_until": record.valid_until.map(|d| d.to_string()),
                "replaces": renewed,
            }),
        ))
        .await?;
        let row = certificate::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("证书"))?;
        Ok(self.certificates().issuers(vec![row]).await?.remove(0))
    }

    /// Inside a grant: the teacher's current qualification, if any, marked replaced by
    /// `new_id` when it is in its last 90 days (or past them); refused while it has
    /// longer to run. Returns the replaced number.
    async fn retire_current(
        &self,
        w: &Write<'_>,
        teacher_id: &str,
        new_id: &str,
        today: NaiveDate,
    ) -> AppResult<Option<String>> {
        let Some(cur) = certificate::Entity::find()
            .filter(certificate::Column::TeacherId.eq(teacher_id))
            .filter(certificate::Column::Kind.eq(CertKind::Teacher.code()))
            .filter(certificate::Column::RevokedAt.is_null())
            .filter(certificate::Column::ReplacedBy.is_null())
            .lock_exclusive()
            .one(&w.txn)
            .await?
        else {
            return Ok(None);
        };
        let until = cur
            .valid_until
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .unwrap_or(today);
        if !rules::renewable(until, today) {
            return Err(AppError::Conflict(format!(
                "该讲师已持有有效的师资上岗资格证书（有效期至{until}），到期前{}天内才能换发",
                rules::RENEW_WITHIN_DAYS
            )));
        }
        one_row(
            certificate::Entity::update_many()
                .col_expr(
                    certificate::Column::ReplacedBy,
                    Expr::value(Some(new_id.to_string())),
                )
                .filter(certificate::Column::Id.eq(cur.id.clone()))
                .filter(certificate::Column::ReplacedBy.is_null())
                .filter(certificate::Column::RevokedAt.is_null())
                .exec(&w.txn)
                .await?,
            "该讲师的资格证书刚被他人处理，请刷新后查看",
        )?;
        w.touch(jineng_core::exchange::Dataset::Certificates, &cur.id);
        Ok(Some(cur.number))
    }
}
