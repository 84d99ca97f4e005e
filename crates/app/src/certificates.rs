//! Certificates (培训合格证明): issued by a training institution to every learner who
//! met its class's completion rule, once the class is completed. Each one has an
//! unguessable number, a record signed with the evidence log's key (a signed note the QR
//! code carries, so a verifier checks it offline against the published key) and its own
//! entry in the evidence log. Anyone may verify a number without signing in; the issuer
//! or a regulator may revoke one with a reason, which is logged beside it.

use crate::RequestCtx;
use crate::audit::Entry;
use crate::context::Principal;
use crate::error::{AppError, AppResult};
use crate::page::{self, Page, PageRequest};
use crate::scope::Scope;
use crate::write::{OnUnique, one_row};
use chrono::{DateTime, Datelike, Utc};
use jineng_core::accounts::Permission;
use jineng_core::certificates::{self as rules, CertKind, CertNumber, CertRecord, Revocation};
use jineng_core::classes::ClassStatus;
use jineng_core::completion::Outcome;
use jineng_evidence::entry::{Entry as Fact, Kind};
use jineng_store::certificates::certificate;
use jineng_store::organizations::organization;
use rand::RngCore;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use std::collections::HashSet;

bounded_context!(
    /// Certificates: issuing, printing, verifying, revoking.
    Certificates,
    certificates
);

/// A certificate as its holder, its issuer and regulators see it.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateView {
    pub id: String,
    pub number: String,
    pub kind: CertKind,
    pub kind_label: &'static str,
    /// The learner who holds it; `None` for a teacher's qualification.
    pub user_id: Option<String>,
    /// The teacher (of the pool) who holds a qualification.
    pub teacher_id: Option<String>,
    pub holder_name: String,
    pub holder_masked: String,
    pub project: String,
    pub class_id: Option<String>,
    pub class_name: String,
    pub hours: u32,
    pub org_id: String,
    /// The organisation of `org_id` (for a qualification, where the teacher works).
    pub org_name: String,
    pub issuer: String,
    pub issued_on: String,
    /// The last valid day, for kinds that expire.
    pub valid_until: Option<String>,
    pub expired: bool,
    /// Renewed by a newer certificate.
    pub replaced: bool,
    /// Whose seal it bears (`org:<id>` or `region:<code>`, see `seals`).
    pub seal_key: String,
    pub revoked: bool,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: String,
    pub ledger_idx: u64,
    /// The signed note the QR code carries.
    pub note: String,
}

impl CertificateView {
    /// 有效 / 已过期 / 已换发 / 已撤销：原因.
    pub fn state_label(&self) -> String {
        if self.revoked {
            format!("已撤销：{}", self.revoked_reason)
        } else if self.replaced {
            "已换发".into()
        } else if self.expired {
            "已过期".into()
        } else {
            "有效".into()
        }
    }
}

/// What anyone may learn from a certificate's number.
#[derive(Debug, Clone, Serialize)]
pub struct PublicCertificate {
    pub number: String,
    pub kind_label: &'static str,
    /// Masked.
    pub holder: String,
    pub project: String,
    pub class_name: String,
    pub hours: u32,
    pub issuer: String,
    pub issued_on: String,
    /// The last valid day, for kinds that expire.
    pub valid_until: Option<String>,
    pub expired: bool,
    pub revoked: bool,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: String,
    /// The record as signed and logged, and the signed note.
    pub record: String,
    pub note: String,
    pub ledger_idx: u64,
    pub revocation_idx: Option<u64>,
    /// The check of a signed payload handed in with the number (from a QR code).
    pub payload: Option<PayloadCheck>,
    /// The certificate's entry proved in a signed checkpoint of the evidence log: the
    /// checkpoint's tree size; `None` while no checkpoint contains it yet.
    pub proved_in: Option<u64>,
}

/// What a signed payload handed in with a number turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PayloadCheck {
    Valid,
    /// Signed by the platform, but not this certificate's record.
    Mismatch,
    /// Not signed by the platform's key (forged or altered).
    BadSignature,
}

impl PayloadCheck {
    pub fn label(self) -> &'static str {
        match self {
            PayloadCheck::Valid => "二维码签名有效，内容与登记一致",
            PayloadCheck::Mismatch => "二维码签名有效，但内容与该证书编号的登记不一致",
            PayloadCheck::BadSignature => "二维码签名无效：内容被篡改或不是本平台签发",
        }
    }
}

/// Decode a QR payload (the signed note, base64url without padding).
pub fn decode_payload(s: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim().trim_end_matches('='))
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// The QR payload for a signed note.
pub fn encode_payload(note: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(note.as_bytes())
}

/// Whether a stored last valid day has passed on `today`.
fn expired(valid_until: Option<&str>, today: chrono::NaiveDate) -> bool {
    let until = valid_until.and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    CertRecord::expired_on(until, today)
}

fn view(c: certificate::Model, org_name: String, today: chrono::NaiveDate) -> CertificateView {
    let issuer = if c.issuer_name.is_empty() {
        org_name.clone()
    } else {
        c.issuer_name.clone()
    };
    let seal_key = match &c.issuer_region {
        Some(r) => format!("region:{r}"),
        None => format!("org:{}", c.org_id),
    };
    CertificateView {
        seal_key,
        expired: expired(c.valid_until.as_deref(), today),
        replaced: c.replaced_by.is_some(),
        org_name,
        teacher_id: c.teacher_id,
        valid_until: c.valid_until,
        kind_label: c.kind.label(),
        holder_masked: rules::mask_name(&c.holder_name),
        hours: u32::try_from(c.hours).unwrap_or(0),
        revoked: c.revoked_at.is_some(),
        ledger_idx: u64::try_from(c.ledger_idx).unwrap_or(0),
        id: c.id,
        number: c.number,
        kind: c.kind,
        user_id: c.user_id,
        holder_name: c.holder_name,
        project: c.project,
        class_id: c.class_id,
        class_name: c.class_name,
        org_id: c.org_id,
        issuer,
        issued_on: c.issued_on,
        revoked_at: c.revoked_at,
        revoked_reason: c.revoked_reason,
        note: c.note,
    }
}

/// Who may see a certificate: its holder always; staff of the issuer and regulators
/// of its region as they see learners.
pub(crate) fn visible(who: &Principal) -> sea_orm::Condition {
    let own = Scope::OwnUser(who.user_id.clone()).over::<certificate::Entity>();
    match who.scope(Permission::ViewLearners) {
        Some(s) => sea_orm::Condition::any()
            .add(own)
            .add(s.over::<certificate::Entity>()),
        None => own,
    }
}

/// Sign `record`, store it in `row` (the holder and issuer filled in by the caller; the
/// rest from the record) and enter it in the evidence log, all in the caller's write.
/// `false` when `conflict` held the row back (another got there first); a unique index
/// it does not cover answers `taken`.
pub(crate) async fn enter(
    w: &crate::write::Write<'_>,
    key: &jineng_evidence::checkpoint::LogKey,
    record: &CertRecord,
    mut row: certificate::ActiveModel,
    conflict: OnConflict,
    taken: impl FnOnce() -> AppError,
) -> AppResult<bool> {
    let text = record.canonical();
    let note = key
        .sign_text(&text)
        .map_err(|e| AppError::Internal(format!("certificate signature: {e}")))?;
    row.number = Set(record.number.to_string());
    row.kind = Set(record.kind);
    row.project = Set(record.project.clone());
    row.class_name = Set(record.class_name.clone());
    row.hours = Set(i32::try_from(record.hours).unwrap_or(0));
    row.issued_on = Set(record.issued_on.to_string());
    row.valid_until = Set(record.valid_until.map(|d| d.to_string()));
    row.record = Set(text.clone());
    row.note = Set(note);
    row.ledger_idx = Set(0);
    row.issued_by = Set(w.actor_id().to_string());
    row.issued_at = Set(w.now);
    row.revoked_at = Set(None);
    row.revoked_reason = Set(String::new());
    row.revoked_by = Set(None);
    row.revocation_idx = Set(None);
    row.replaced_by = Set(None);
    let (id, org_id) = match (&row.id, &row.org_id) {
        (sea_orm::ActiveValue::Set(id), sea_orm::ActiveValue::Set(org)) => {
            (id.clone(), org.clone())
        }
        _ => {
            return Err(AppError::Internal(
                "certificate row without id or issuer".into(),
            ));
        }
    };
    let inserted = certificate::Entity::insert(row)
        .on_conflict(conflict)
        .exec_without_returning(&w.txn)
        .await
        .on_unique(taken)?;
    if inserted == 0 {
        return Ok(false);
    }
    let at = crate::ledger::append(
        &w.txn,
        &Fact {
            kind: Kind::Certificate,
            record_id: record.record_id(),
            record_sha256: jineng_core::archive::sha256(&text),
            at_micros: w.now.timestamp_micros(),
            org_id,
        },
    )
    .await?;
    certificate::Entity::update_many()
        .col_expr(
            certificate::Column::LedgerIdx,
            Expr::value(i64::try_from(at.index).unwrap_or(i64::MAX)),
        )
        .filter(certificate::Column::Id.eq(id.clone()))
        .exec(&w.txn)
        .await?;
    w.touch(jineng_core::exchange::Dataset::Certificates, &id);
    Ok(true)
}

impl Certificates<'_> {
    pub(crate) async fn issuers(
        &self,
        rows: Vec<certificate::Model>,
    ) -> AppResult<Vec<CertificateView>> {
        let today = self.today();
        let ids: HashSet<String> = rows.iter().map(|r| r.org_id.clone()).collect();
        let names: std::collections::HashMap<String, String> = organization::Entity::find()
            .filter(organization::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        Ok(rows
            .into_iter()
            .map(|r| {
                let n = names.get(&r.org_id).cloned().unwrap_or_default();
                view(r, n, today)
            })
            .collect())
    }

    /// Issue a completion certificate to every learner of a completed class who met its
    /// completion rule and has none yet; returns those issued now. Retrying issues
    /// nothing twice (one certificate per learner and class, held by a unique index).
    pub async fn issue_for_class(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
    ) -> AppResult<Vec<CertificateView>> {
        let c = self.classes().own(who, class_id).await?;
        // Staff of an organisation that may operate (not suspended, not a provider).
        self.organizations().operating(who).await?;
        if c.status != ClassStatus::Completed {
            return Err(AppError::Conflict("班级结业后才能颁发培训合格证明".into()));
        }
        // Scores being entered or waiting for a second person could still fail someone.
        if self.assessment().pending(class_id).await? {
            return Err(AppError::Conflict(
                "本班考评成绩尚未复核发布，发布后才能颁发培训合格证明".into(),
            ));
        }
        let key = self.ledger_key.clone().ok_or_else(|| {
            AppError::Conflict("未配置签名密钥（JINENG_LEDGER_KEY），不能签发证书".into())
        })?;
        let (class, roster) = self.classes().get(who, class_id).await?;
        let have: HashSet<String> = certificate::Entity::find()
            .filter(certificate::Column::ClassId.eq(class_id))
            .filter(certificate::Column::Kind.eq(CertKind::Completion.code()))
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|r| r.user_id)
            .collect();
        let due: Vec<_> = roster
            .into_iter()
            .filter(|l| l.outcome == Outcome::Completed && !have.contains(&l.user_id))
            .collect();
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let w = self.write(who, ctx).await?;
        let today = self.today();
        let hours = u32::try_from(c.theory_hours + c.practice_hours).unwrap_or(0);
        let mut issued = Vec::with_capacity(due.len());
        for l in due {
            let mut random = [0u8; 10];
            rand::rngs::OsRng.fill_bytes(&mut random);
            let number = CertNumber::from_random(today.year(), &random);
            let record = CertRecord {
                number: number.clone(),
                kind: CertKind::Completion,
                holder: rules::mask_name(&l.name),
                project: class.project_name.clone(),
                class_name: c.name.clone(),
                hours,
                issuer: class.org_name.clone(),
                issued_on: today,
                valid_until: None,
            };
            let id = uuid::Uuid::now_v7().to_string();
            let row = certificate::ActiveModel {
                id: Set(id.clone()),
                user_id: Set(Some(l.user_id.clone())),
                class_id: Set(Some(c.id.clone())),
                org_id: Set(c.org_id.clone()),
                region_code: Set(c.region_code.clone()),
                holder_name: Set(l.name.clone()),
                teacher_id: Set(None),
                issuer_name: Set(String::new()),
                ..Default::default()
            };
            // Another issuing of the same class that got here first wins; this one
            // skips the learner.
            let first = OnConflict::columns([
                certificate::Column::ClassId,
                certificate::Column::UserId,
                certificate::Column::Kind,
            ])
            .do_nothing()
            .to_owned();
            let taken = || AppError::Conflict("证书编号冲突，请重试".into());
            if !enter(&w, &key, &record, row, first, taken).await? {
                continue;
            }
            issued.push((id, number.to_string()));
        }
        let numbers: Vec<&str> = issued.iter().map(|(_, n)| n.as_str()).collect();
        w.commit(Entry::ok(
            "certificate.issue",
            "class",
            &c.id,
            serde_json::json!({"count": issued.len(), "numbers": numbers}),
        ))
        .await?;
        let rows = certificate::Entity::find()
            .filter(certificate::Column::Id.is_in(issued.into_iter().map(|(id, _)| id)))
            .order_by_asc(certificate::Column::Number)
            .all(&self.db)
            .await?;
        self.issuers(rows).await
    }

    /// The certificates of a class the caller may see (its issuer, regulators).
    pub async fn of_class(
        &self,
        who: &Principal,
        class_id: &str,
    ) -> AppResult<Vec<CertificateView>> {
        self.find_scoped::<jineng_store::classes::class::Entity>(
            who,
            Permission::ViewOrganizations,
            class_id,
        )
        .await?;
        let rows = certificate::Entity::find()
            .filter(certificate::Column::ClassId.eq(class_id))
            .order_by_asc(certificate::Column::IssuedAt)
            .order_by_asc(certificate::Column::Number)
            .all(&self.db)
            .await?;
        self.issuers(rows).await
    }

    /// The caller's own certificates, newest first.
    pub async fn mine(&self, who: &Principal) -> AppResult<Vec<CertificateView>> {
        self.of_learner(&who.user_id).await
    }

    /// A learner's certificates (callers check who may read the learner).
    pub(crate) async fn of_learner(&self, user_id: &str) -> AppResult<Vec<CertificateView>> {
        let rows = certificate::Entity::find()
            .filter(certificate::Column::UserId.eq(user_id))
            .order_by_desc(certificate::Column::IssuedAt)
            .all(&self.db)
            .await?;
        self.issuers(rows).await
    }

    /// One certificate the caller may see.
    pub async fn get(&self, who: &Principal, id: &str) -> AppResult<CertificateView> {
        let row = self.visible_one(who, id).await?;
        Ok(self.issuers(vec![row]).await?.remove(0))
    }

    async fn visible_one(&self, who: &Principal, id: &str) -> AppResult<certificate::Model> {
        if let Some(row) = certificate::Entity::find_by_id(id.to_string())
            .filter(visible(who))
            .one(&self.db)
            .await?
        {
            return Ok(row);
        }
        // A teacher sees their own qualifications (matched to the pool by ID number).
        let teacher = self.attendance().teacher_record(who).await?;
        match teacher {
            Some(t) => certificate::Entity::find_by_id(id.to_string())
                .filter(certificate::Column::TeacherId.eq(t.id))
                .one(&self.db)
                .await?
                .ok_or(AppError::NotFound("证书")),
            None => Err(AppError::NotFound("证书")),
        }
    }

    /// Several certificates the caller may see, for printing in one document.
    pub async fn many(&self, who: &Principal, ids: &[String]) -> AppResult<Vec<CertificateView>> {
        let rows = certificate::Entity::find()
            .filter(certificate::Column::Id.is_in(ids.iter().cloned()))
            .filter(visible(who))
            .order_by_asc(certificate::Column::Number)
            .all(&self.db)
            .await?;
        self.issuers(rows).await
    }

    /// Issued certificates the caller may see (regulators: their region; institutions:
    /// their own), newest first, with a text filter on number, holder, class or project.
    pub async fn list(
        &self,
        who: &Principal,
        q: Option<&str>,
        r: PageRequest,
    ) -> AppResult<Page<CertificateView>> {
        let mut sel = self.list_scoped::<certificate::Entity>(who, Permission::ViewLearners)?;
        if let Some(text) = q.map(str::trim).filter(|s| !s.is_empty()) {
            sel = sel.filter(
                sea_orm::Condition::any()
                    .add(page::contains(certificate::Column::Number, text))
                    .add(page::contains(certificate::Column::HolderName, text))
                    .add(page::contains(certificate::Column::ClassName, text))
                    .add(page::contains(certificate::Column::Project, text)),
            );
        }
        let rows = page::fetch(
            self.reader(),
            sel.order_by_desc(certificate::Column::IssuedAt)
                .order_by_asc(certificate::Column::Number),
            r,
        )
        .await?;
        let items = self.issuers(rows.items).await?;
        Ok(Page {
            items,
            total: rows.total,
            page: rows.page,
            per_page: rows.per_page,
        })
    }

    /// Withdraw a certificate with a reason: by its issuer's staff, or by a regulator of
    /// its region. The revocation is entered in the evidence log; a second one is refused.
    pub async fn revoke(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        reason: &str,
    ) -> AppResult<CertificateView> {
        let row = self.visible_one(who, id).await?;
        // A teacher's qualification is the regulator's to withdraw, not the institution's.
        let by = if row.kind == CertKind::Completion
            && who.can(Permission::ManageOwnOrganization)
            && who.works_for(&row.org_id)
        {
            "issuer"
        } else if who.can(Permission::ReviewOrganizations) {
            "regulator"
        } else {
            return Err(AppError::Forbidden);
        };
        if by == "regulator" {
            // Only within the regions where the caller reviews.
            self.find_scoped::<certificate::Entity>(who, Permission::ReviewOrganizations, id)
                .await?;
        }
        let reason = rules::parse_reason(reason).map_err(|m| AppError::field("reason", m))?;
        if row.revoked_at.is_some() {
            return Err(AppError::Conflict("该证书已撤销".into()));
        }
        let number = CertNumber::parse(&row.number)
            .map_err(|e| AppError::Internal(format!("stored number: {e}")))?;
        let w = self.write(who, ctx).await?;
        let rev = Revocation {
            number,
            reason: reason.clone(),
            revoked_at: w.now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            by: by.into(),
        };
        let text = rev.canonical();
        one_row(
            certificate::Entity::update_many()
                .col_expr(certificate::Column::RevokedAt, Expr::value(Some(w.now)))
                .col_expr(
                    certificate::Column::RevokedReason,
                    Expr::value(reason.clone()),
                )
                .col_expr(
                    certificate::Column::RevokedBy,
                    Expr::value(Some(who.user_id.clone())),
                )
                .filter(certificate::Column::Id.eq(row.id.clone()))
                .filter(certificate::Column::RevokedAt.is_null())
                .exec(&w.txn)
                .await?,
            "该证书已撤销",
        )?;
        let at = crate::ledger::append(
            &w.txn,
            &Fact {
                kind: Kind::CertificateRevocation,
                record_id: row.number.clone(),
                record_sha256: jineng_core::archive::sha256(&text),
                at_micros: w.now.timestamp_micros(),
                org_id: row.org_id.clone(),
            },
        )
        .await?;
        w.touch(jineng_core::exchange::Dataset::Certificates, &row.id);
        certificate::Entity::update_many()
            .col_expr(
                certificate::Column::RevocationIdx,
                Expr::value(Some(i64::try_from(at.index).unwrap_or(i64::MAX))),
            )
            .filter(certificate::Column::Id.eq(row.id.clone()))
            .exec(&w.txn)
            .await?;
        w.commit(Entry::ok(
            "certificate.revoke",
            "certificate",
            &row.id,
            serde_json::json!({"number": row.number, "reason": reason, "by": by}),
        ))
        .await?;
        self.get(who, id).await
    }

    /// Public verification, without signing in: what a number stands for, and, when a
    /// QR payload is handed in with it, whether its signature holds and it says the same.
    /// Counted against the caller's address.
    pub async fn verify(
        &self,
        ctx: &RequestCtx,
        number: &str,
        payload: Option<&str>,
    ) -> AppResult<PublicCertificate> {
        self.ledger().throttle(ctx).await?;
        let number =
            CertNumber::parse(number).map_err(|e| AppError::field("number", e.to_string()))?;
        let row = certificate::Entity::find()
            .filter(certificate::Column::Number.eq(number.as_str()))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("证书（请核对证书编号）"))?;
        let payload = payload.filter(|p| !p.trim().is_empty()).map(|p| {
            let keys = self.ledger().verifier_keys();
            match decode_payload(p)
                .and_then(|note| jineng_evidence::checkpoint::open_note(&note, &keys).ok())
            {
                Some(text) if text == row.record => PayloadCheck::Valid,
                Some(_) => PayloadCheck::Mismatch,
                None => PayloadCheck::BadSignature,
            }
        });
        let ledger_idx = u64::try_from(row.ledger_idx).unwrap_or(0);
        let proved_in = self.proved_in(ledger_idx, &row.number, &row.record).await?;
        let issuer = if row.issuer_name.is_empty() {
            organization::Entity::find_by_id(row.org_id.clone())
                .one(&self.db)
                .await?
                .map(|o| o.name)
                .unwrap_or_default()
        } else {
            row.issuer_name.clone()
        };
        Ok(PublicCertificate {
            number: row.number,
            kind_label: row.kind.label(),
            holder: rules::mask_name(&row.holder_name),
            project: row.project,
            class_name: row.class_name,
            hours: u32::try_from(row.hours).unwrap_or(0),
            issuer,
            issued_on: row.issued_on,
            expired: expired(row.valid_until.as_deref(), self.today()),
            valid_until: row.valid_until,
            revoked: row.revoked_at.is_some(),
            revoked_at: row.revoked_at,
            revoked_reason: row.revoked_reason,
            record: row.record,
            note: row.note,
            ledger_idx,
            revocation_idx: row.revocation_idx.and_then(|i| u64::try_from(i).ok()),
            payload,
            proved_in,
        })
    }

    /// Prove the certificate's entry against the newest signed checkpoint holding it,
    /// and that the entry is this certificate's record: the size of that checkpoint.
    async fn proved_in(&self, index: u64, number: &str, record: &str) -> AppResult<Option<u64>> {
        let bundle = match self.ledger().bundle_at(index).await {
            Ok(b) => b,
            Err(AppError::Conflict(_) | AppError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let keys = self.ledger().verifier_keys();
        Ok(
            match jineng_evidence::bundle::verify_any(&bundle.to_json(), &keys) {
                Ok(p)
                    if p.entry.kind == Kind::Certificate
                        && p.entry.record_id == number
                        && p.entry.record_sha256 == jineng_core::archive::sha256(record) =>
                {
                    Some(p.checkpoint.size)
                }
                _ => None,
            },
        )
    }
}
