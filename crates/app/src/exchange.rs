//! Data exchange with the provincial integrated platform (省一体化平台): registered
//! clients pull the shared datasets (learners, institutions, training qualifications,
//! classes) incrementally by cursor. Every request is signed with HMAC-SHA256 over the
//! method, path and query, timestamp, nonce and body hash; stale timestamps and reused
//! nonces are refused. Every pull is audited.
//!
//! A client pulls only the datasets it was given, only inside its region, only reviewed
//! records (approved organisations, filed classes), and sees ID numbers masked unless it
//! was allowed whole ones. A refused signature says nothing about whether the client id
//! exists. Clients are made and revoked by the system admin (page or CLI).

use crate::audit::{Actor, Entry};
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::tx::begin_write;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use jineng_core::RegionCode;
use jineng_core::accounts::Permission;
use jineng_core::classes::ClassStatus;
use jineng_core::exchange::Dataset;
use jineng_core::organizations::OrgStatus;
use jineng_core::review::{ReviewStatus, ReviewSubject};
use jineng_store::accounts::user;
use jineng_store::catalogue::declaration;
use jineng_store::classes::class;
use jineng_store::exchange::{change, client, nonce};
use jineng_store::learners::profile;
use jineng_store::organizations::organization;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How far a request's timestamp may be from the server's clock.
pub const MAX_SKEW_SECONDS: i64 = 300;

/// The parts of a request the signature covers.
pub struct SignedRequest<'a> {
    pub client_id: &'a str,
    pub timestamp: &'a str,
    pub nonce: &'a str,
    pub signature: &'a str,
    pub method: &'a str,
    pub path_and_query: &'a str,
    pub body: &'a [u8],
}

/// The text that is signed: one field per line.
pub fn string_to_sign(
    method: &str,
    path_and_query: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> String {
    format!(
        "{method}\n{path_and_query}\n{timestamp}\n{nonce}\n{}",
        hex::encode(Sha256::digest(body))
    )
}

/// Hex HMAC-SHA256 of `text` under `secret` (what clients compute). HMAC accepts keys
/// of any length, so `None` does not happen in practice; callers treat it as a refusal.
pub fn sign(secret: &str, text: &str) -> Option<String> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(text.as_bytes());
    Some(hex::encode(mac.finalize().into_bytes()))
}

/// Whether `signature` (hex, any case) is the HMAC of the request's string to sign
/// under `secret`, compared in constant time.
pub(crate) fn signature_matches(
    secret: &str,
    method: &str,
    path_and_query: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
    signature: &str,
) -> bool {
    sign(
        secret,
        &string_to_sign(method, path_and_query, timestamp, nonce, body),
    )
    .is_some_and(|expected| {
        bool::from(
            expected
                .as_bytes()
                .ct_eq(signature.trim().to_ascii_lowercase().as_bytes()),
        )
    })
}

#[derive(Debug, serde::Serialize)]
pub struct ExchangePage {
    pub items: Vec<serde_json::Value>,
    /// Where to continue: pass it back as `cursor`. Absent when the page is empty
    /// (keep the cursor you sent and ask again later for new changes).
    pub next_cursor: Option<String>,
    /// More items are waiting right now.
    pub has_more: bool,
}

/// A position in a dataset's change log: past the change `seq`, record `id`.
fn encode_cursor(seq: i64, id: &str) -> String {
    B64.encode(format!("c1|{seq}|{id}"))
}

fn decode_cursor(c: &str) -> AppResult<Option<(i64, String)>> {
    if c.is_empty() {
        return Ok(None);
    }
    let bad = || {
        AppError::field(
            "cursor",
            "游标无效（数据按提交顺序分页，请使用接口返回的 next_cursor；旧版游标请从头拉取）",
        )
    };
    let text = String::from_utf8(B64.decode(c).map_err(|_| bad())?).map_err(|_| bad())?;
    let mut parts = text.splitn(3, '|');
    let (Some("c1"), Some(seq), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let seq: i64 = seq.parse().map_err(|_| bad())?;
    Ok(Some((seq, id.to_string())))
}

/// The dataset whose records a review decision changes, if any.
pub(crate) fn dataset_of(subject: ReviewSubject) -> Option<Dataset> {
    match subject {
        ReviewSubject::Organization => Some(Dataset::Institutions),
        ReviewSubject::Declaration => Some(Dataset::Qualifications),
        ReviewSubject::ClassFiling => Some(Dataset::Classes),
        ReviewSubject::Teacher => None,
    }
}

bounded_context!(
    /// Data exchange with the provincial integrated platform: signed pulls by cursor.
    Exchange,
    exchange
);

/// What a new client may pull.
#[derive(Debug, Clone)]
pub struct ClientInput {
    pub name: String,
    pub datasets: Vec<Dataset>,
    /// `None`: the whole province.
    pub region: Option<RegionCode>,
    pub full_id_numbers: bool,
}

/// A client as the system admin sees it (never its secret).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClientView {
    pub id: String,
    pub name: String,
    pub datasets: Vec<Dataset>,
    pub dataset_labels: String,
    pub region_code: String,
    pub full_id_numbers: bool,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<client::Model> for ClientView {
    fn from(c: client::Model) -> Self {
        let datasets = Dataset::parse_list(&c.datasets);
        ClientView {
            dataset_labels: datasets
                .iter()
                .map(|d| d.label())
                .collect::<Vec<_>>()
                .join("、"),
            datasets,
            id: c.id,
            name: c.name,
            region_code: c.region_code,
            full_id_numbers: c.full_id_numbers,
            created_at: c.created_at,
            revoked_at: c.revoked_at,
        }
    }
}

/// The one answer to a request whose client or signature is not good.
const REFUSED: &str = "签名校验失败：客户端标识、密钥或签名不正确，或客户端已停用";

impl Exchange<'_> {
    fn may_manage(who: &Principal) -> AppResult<()> {
        if who.can(Permission::ManageSettings) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Register a client; the secret is returned once and stored encrypted.
    pub async fn create_client(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        i: ClientInput,
    ) -> AppResult<(String, String)> {
        Self::may_manage(who)?;
        let name = i.name.trim();
        let mut errors = Vec::new();
        if name.is_empty() || name.chars().count() > 100 {
            errors.push(FieldError::new("name", "名称不能为空，且不超过100个字符"));
        }
        if i.datasets.is_empty() {
            errors.push(FieldError::new("datasets", "请至少选择一个数据集"));
        }
        if let Some(r) = &i.region
            && !self.province.contains(r)
        {
            errors.push(FieldError::new("region_code", "只能选择本省的地区"));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let id = format!("xc_{}", &uuid::Uuid::now_v7().simple().to_string()[16..]);
        let secret = crate::crypto::random_token();
        let w = self.write(who, ctx).await?;
        let now = w.now;
        let datasets = Dataset::join(&i.datasets);
        let region = i.region.map(|r| r.as_str().to_string()).unwrap_or_default();
        client::Entity::insert(client::ActiveModel {
            id: Set(id.clone()),
            name: Set(name.into()),
            secret_enc: Set(self
                .keyring
                .encrypt(
                    &secret,
                    crate::crypto::pii::Place::new("exchange_clients", "secret_enc", &id),
                )
                .map_err(|e| AppError::Internal(e.to_string()))?),
            created_at: Set(now),
            revoked_at: Set(None),
            datasets: Set(datasets.clone()),
            region_code: Set(region.clone()),
            full_id_numbers: Set(i.full_id_numbers),
        })
        .exec(&w.txn)
        .await?;
        w.commit(Entry {
            action: "exchange.client_create",
            object_type: "exchange_client",
            object_id: &id,
            changes: serde_json::json!({"name": name, "datasets": datasets, "region_code": region, "full_id_numbers": i.full_id_numbers}),
            outcome: "ok",
        })
        .await?;
        Ok((id, secret))
    }

    /// Every client, newest first.
    pub async fn clients(&self, who: &Principal) -> AppResult<Vec<ClientView>> {
        Self::may_manage(who)?;
        Ok(client::Entity::find()
            .order_by_desc(client::Column::CreatedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Stop a client for good: its next request is refused like any bad signature.
    pub async fn revoke_client(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
    ) -> AppResult<()> {
        Self::may_manage(who)?;
        let w = self.write(who, ctx).await?;
        let res = client::Entity::update_many()
            .col_expr(client::Column::RevokedAt, Expr::value(Some(w.now)))
            .filter(client::Column::Id.eq(id))
            .filter(client::Column::RevokedAt.is_null())
            .exec(&w.txn)
            .await?;
        if res.rows_affected == 0 {
            return Err(AppError::NotFound("可停用的数据交换客户端"));
        }
        w.commit(Entry::ok(
            "exchange.client_revoke",
            "exchange_client",
            id,
            serde_json::json!({}),
        ))
        .await
    }

    /// Check a signed request and use up its nonce. The shape of the timestamp and nonce
    /// is checked first; then an unknown client, a revoked one and a wrong signature get
    /// the same answer after the same work.
    pub async fn verify(&self, r: &SignedRequest<'_>) -> AppResult<client::Model> {
        let refuse = |m: &str| AppError::BadSignature(m.to_string());
        let now = self.now();
        let ts: i64 = r
            .timestamp
            .parse()
            .map_err(|_| refuse("时间戳应为Unix秒数"))?;
        if (now.timestamp() - ts).abs() > MAX_SKEW_SECONDS {
            return Err(refuse("时间戳与服务器时间相差超过5分钟"));
        }
        if !(8..=64).contains(&r.nonce.len())
            || !r
                .nonce
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(refuse("随机串（nonce）应为8至64位字母、数字、减号或下划线"));
        }
        let found = client::Entity::find_by_id(r.client_id.to_string())
            .one(&self.db)
            .await?
            .filter(|c| c.revoked_at.is_none());
        // Without a client, sign with a throwaway secret so the answer takes the same work.
        let secret = match &found {
            Some(c) => self
                .keyring
                .decrypt(
                    &c.secret_enc,
                    crate::crypto::pii::Place::new("exchange_clients", "secret_enc", &c.id),
                )
                .map_err(|e| AppError::Internal(e.to_string()))?,
            None => crate::crypto::random_token(),
        };
        let matches = signature_matches(
            &secret,
            r.method,
            r.path_and_query,
            r.timestamp,
            r.nonce,
            r.body,
            r.signature,
        );
        let Some(c) = found.filter(|_| matches) else {
            return Err(refuse(REFUSED));
        };
        let txn = begin_write(&self.db).await?;
        nonce::Entity::delete_many()
            .filter(nonce::Column::SeenAt.lt(now - chrono::Duration::seconds(2 * MAX_SKEW_SECONDS)))
            .exec(&txn)
            .await?;
        nonce::Entity::insert(nonce::ActiveModel {
            client_id: Set(c.id.clone()),
            nonce: Set(r.nonce.to_string()),
            seen_at: Set(now),
        })
        .exec(&txn)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                refuse("重复的请求：该随机串（nonce）已使用")
            }
            _ => e.into(),
        })?;
        txn.commit().await?;
        // Counted after the signature: nobody else can spend a client's budget.
        let network = RequestCtx::default();
        self.limit(
            &network,
            crate::accounts::guard::Limit::ExchangePerClient,
            &c.id,
        )
        .await?;
        Ok(c)
    }

    /// The accounts of these people, by id.
    async fn users(
        &self,
        ids: impl Iterator<Item = String>,
    ) -> AppResult<std::collections::HashMap<String, user::Model>> {
        Ok(user::Entity::find()
            .filter(user::Column::Id.is_in(ids.collect::<Vec<_>>()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id.clone(), u))
            .collect())
    }

    /// A person's ID number as the client may see it: whole, or masked.
    fn id_number(&self, c: &client::Model, u: Option<&user::Model>) -> String {
        self.reveal(
            c,
            u.and_then(|u| {
                Some((
                    u.id_number_enc.as_deref()?,
                    crate::crypto::pii::Place::new("users", "id_number_enc", &u.id),
                ))
            }),
        )
    }

    /// An encrypted ID number (with where it is stored) as the client may see it.
    fn reveal(
        &self,
        c: &client::Model,
        enc: Option<(&str, crate::crypto::pii::Place<'_>)>,
    ) -> String {
        enc.and_then(|(enc, place)| self.keyring.decrypt(enc, place).ok())
            .map(|n| {
                if c.full_id_numbers {
                    n
                } else {
                    jineng_core::mask::id_number(&n)
                }
            })
            .unwrap_or_default()
    }

    /// One page of a dataset after `cursor`, oldest change first.
    pub async fn pull(
        &self,
        c: &client::Model,
        ctx: &RequestCtx,
        dataset: &str,
        cursor: &str,
        limit: u64,
    ) -> AppResult<ExchangePage> {
        // A dataset the client was not given is answered like one that does not exist.
        let allowed = Dataset::parse_list(&c.datasets);
        let Some(ds) = Dataset::parse(dataset).filter(|d| allowed.contains(d)) else {
            return Err(AppError::NotFound("数据集"));
        };
        let after = decode_cursor(cursor)?;
        let limit = limit.clamp(1, 1000);
        let within = RegionCode::parse(&c.region_code)
            .ok()
            .filter(|r| self.province.contains(r))
            .unwrap_or(self.province);
        let prefix = within.subtree_prefix().to_string();
        // The change log in commit order (see `Write::touch`): no change is skipped
        // because another committed first, and none is delivered twice.
        let mut q = change::Entity::find().filter(change::Column::Dataset.eq(ds.code()));
        if let Some((seq, id)) = &after {
            q = q.filter(
                Condition::any().add(change::Column::Seq.gt(*seq)).add(
                    Condition::all()
                        .add(change::Column::Seq.eq(*seq))
                        .add(change::Column::RecordId.gt(id.clone())),
                ),
            );
        }
        let changes = q
            .order_by_asc(change::Column::Seq)
            .order_by_asc(change::Column::RecordId)
            .limit(limit)
            .all(&self.db)
            .await?;
        let changed_rows = changes.len() as u64;
        let last = changes.last().map(|c| (c.seq, c.record_id.clone()));
        // Each record once per page, in the order of its latest change here, as it is now.
        let mut order: Vec<String> = Vec::new();
        for ch in changes.into_iter().rev() {
            if !order.contains(&ch.record_id) {
                order.push(ch.record_id);
            }
        }
        order.reverse();
        let position = |id: &str| order.iter().position(|o| o == id).unwrap_or(usize::MAX);
        let mut items: Vec<(usize, serde_json::Value)> = match ds {
            Dataset::Learners => {
                let rows = profile::Entity::find()
                    .filter(profile::Column::UserId.is_in(order.clone()))
                    .filter(profile::Column::RegionCode.starts_with(&prefix))
                    .all(&self.db)
                    .await?;
                let users = self.users(rows.iter().map(|p| p.user_id.clone())).await?;
                rows.into_iter()
                    .map(|p| {
                        let u = users.get(&p.user_id);
                        let id_number = self.id_number(c, u);
                        (position(&p.user_id), serde_json::json!({"id": p.user_id, "name": u.map(|u| u.display_name.clone()), "id_number": id_number, "gender": p.gender, "birth_date": p.birth_date, "person_category": p.person_category, "education": p.education, "region_code": p.region_code, "source": p.source, "activated": p.activated, "created_at": p.created_at}))
                    })
                    .collect()
            }
            // Only registrations a regulator has decided on; course providers are the
            // platform's, not the province's training organisations.
            Dataset::Institutions => organization::Entity::find()
                .filter(organization::Column::Id.is_in(order.clone()))
                .filter(organization::Column::Kind.ne(jineng_core::organizations::OrgKind::Provider))
                .filter(organization::Column::RegionCode.starts_with(&prefix))
                .filter(organization::Column::Status.is_in([
                    OrgStatus::Approved,
                    OrgStatus::Suspended,
                    OrgStatus::Revoked,
                ]))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|o| (position(&o.id), serde_json::json!({"id": o.id, "kind": o.kind, "name": o.name, "credit_code": o.credit_code, "region_code": o.region_code, "nature": o.nature, "institution_type": o.institution_type, "designated": o.designated, "legal_rep_name": o.legal_rep_name, "training_scale": o.training_scale, "status": o.status, "valid_until": o.valid_until, "updated_at": o.updated_at})))
                .collect(),
            Dataset::Qualifications => declaration::Entity::find()
                .filter(declaration::Column::Id.is_in(order.clone()))
                .filter(declaration::Column::RegionCode.starts_with(&prefix))
                .filter(declaration::Column::Status.eq(ReviewStatus::Approved))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|d| (position(&d.id), serde_json::json!({"id": d.id, "org_id": d.org_id, "region_code": d.region_code, "occupation_code": d.occupation_code, "work_type_id": d.work_type_id, "skill_level": d.skill_level, "decided_at": d.decided_at})))
                .collect(),
            // Only classes on file with the regulator (no drafts, nothing unreviewed).
            Dataset::Classes => class::Entity::find()
                .filter(class::Column::Id.is_in(order.clone()))
                .filter(class::Column::RegionCode.starts_with(&prefix))
                .filter(class::Column::Status.is_in([
                    ClassStatus::Approved,
                    ClassStatus::InTraining,
                    ClassStatus::Completed,
                ]))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|c| (position(&c.id), serde_json::json!({"id": c.id, "org_id": c.org_id, "region_code": c.region_code, "project_id": c.project_id, "occupation_code": c.occupation_code, "name": c.name, "delivery": c.delivery, "start_date": c.start_date, "end_date": c.end_date, "enrolled": c.enrolled, "status": c.status, "updated_at": c.updated_at})))
                .collect(),
            // Certificates issued in the client's region, revoked ones with their reason;
            // the holder's ID number as the client may see it.
            Dataset::Certificates => {
                use jineng_store::certificates::certificate;
                let rows = certificate::Entity::find()
                    .filter(certificate::Column::Id.is_in(order.clone()))
                    .filter(certificate::Column::RegionCode.starts_with(&prefix))
                    .all(&self.db)
                    .await?;
                let users = self.users(rows.iter().filter_map(|r| r.user_id.clone())).await?;
                let teachers: std::collections::HashMap<String, jineng_store::teachers::teacher::Model> =
                    jineng_store::teachers::teacher::Entity::find()
                        .filter(jineng_store::teachers::teacher::Column::Id.is_in(rows.iter().filter_map(|r| r.teacher_id.clone())))
                        .all(&self.db)
                        .await?
                        .into_iter()
                        .map(|t| (t.id.clone(), t))
                        .collect();
                rows.into_iter()
                    .map(|r| {
                        // A learner's ID number from their account, a teacher's from the pool.
                        let id_number = match (&r.user_id, &r.teacher_id) {
                            (Some(u), _) => self.id_number(c, users.get(u)),
                            (None, Some(t)) => self.reveal(
                                c,
                                teachers.get(t).map(|t| {
                                    (
                                        t.id_number_enc.as_str(),
                                        crate::crypto::pii::Place::new("teachers", "id_number_enc", &t.id),
                                    )
                                }),
                            ),
                            (None, None) => String::new(),
                        };
                        (position(&r.id), serde_json::json!({"id": r.id, "number": r.number, "kind": r.kind, "user_id": r.user_id, "holder_name": r.holder_name, "id_number": id_number, "org_id": r.org_id, "region_code": r.region_code, "class_id": r.class_id, "project": r.project, "hours": r.hours, "issued_on": r.issued_on, "teacher_id": r.teacher_id, "issuer_name": r.issuer_name, "valid_until": r.valid_until, "replaced_by": r.replaced_by, "record": r.record, "signed_note": r.note, "ledger_index": r.ledger_idx, "revoked": r.revoked_at.is_some(), "revoked_at": r.revoked_at, "revoked_reason": r.revoked_reason}))
                    })
                    .collect()
            }
            // Skill levels reported for learners of the client's region.
            Dataset::SkillCertificates => {
                use jineng_store::certificates::skill;
                let rows = skill::Entity::find()
                    .filter(skill::Column::Id.is_in(order.clone()))
                    .filter(skill::Column::RegionCode.starts_with(&prefix))
                    .all(&self.db)
                    .await?;
                let users = self.users(rows.iter().map(|r| r.user_id.clone())).await?;
                rows.into_iter()
                    .map(|r| {
                        let id_number = self.id_number(c, users.get(&r.user_id));
                        (position(&r.id), serde_json::json!({"id": r.id, "number": r.number, "user_id": r.user_id, "holder_name": r.holder_name, "id_number": id_number, "occupation_code": r.occupation_code, "occupation_name": r.occupation_name, "level": r.level, "issuer": r.issuer, "issued_on": r.issued_on, "region_code": r.region_code, "imported_at": r.imported_at}))
                    })
                    .collect()
            }
            // Claims of classes in the client's region, as they stand, with each learner's
            // line (the learner by id; the learners feed carries the person).
            Dataset::SubsidyApplications => {
                use jineng_store::subsidies::{claim, line};
                let rows = claim::Entity::find()
                    .filter(claim::Column::Id.is_in(order.clone()))
                    .filter(claim::Column::RegionCode.starts_with(&prefix))
                    .all(&self.db)
                    .await?;
                let lines = line::Entity::find()
                    .filter(line::Column::ClaimId.is_in(rows.iter().map(|r| r.id.clone())))
                    .all(&self.db)
                    .await?;
                rows.into_iter()
                    .map(|r| {
                        let mine: Vec<serde_json::Value> = lines
                            .iter()
                            .filter(|l| l.claim_id == r.id)
                            .map(|l| serde_json::json!({"user_id": l.user_id, "state": l.state, "amount_fen": l.amount_fen, "reasons": l.reasons}))
                            .collect();
                        (position(&r.id), serde_json::json!({"id": r.id, "number": r.number, "org_id": r.org_id, "class_id": r.class_id, "region_code": r.region_code, "policy_id": r.policy_id, "policy_version": r.policy_version, "project_id": r.project_id, "skill_level": r.skill_level, "standard_fen": r.standard_fen, "status": r.status, "level": r.level, "learners": r.learners, "eligible": r.eligible, "total_fen": r.total_fen, "submitted_at": r.submitted_at, "decided_at": r.decided_at, "lines": mine}))
                    })
                    .collect()
            }
            // Review decisions on claims of the client's region.
            Dataset::SubsidyDecisions => {
                use jineng_store::subsidies::{claim, step};
                let steps = step::Entity::find()
                    .filter(step::Column::Id.is_in(order.clone()))
                    .all(&self.db)
                    .await?;
                let claims: std::collections::HashMap<String, claim::Model> = claim::Entity::find()
                    .filter(claim::Column::Id.is_in(steps.iter().map(|s| s.claim_id.clone())))
                    .filter(claim::Column::RegionCode.starts_with(&prefix))
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .map(|c| (c.id.clone(), c))
                    .collect();
                steps
                    .into_iter()
                    .filter_map(|s| {
                        let c = claims.get(&s.claim_id)?;
                        Some((position(&s.id), serde_json::json!({"id": s.id, "claim_id": s.claim_id, "claim_number": c.number, "org_id": c.org_id, "region_code": c.region_code, "level": s.level, "decision": s.decision, "reason": s.reason, "reviewer_name": s.reviewer_name, "eligible": s.eligible, "total_fen": s.total_fen, "ledger_idx": s.ledger_idx, "decided_at": s.decided_at})))
                    })
                    .collect()
            }
            // The whole province's log, with each witness's cosignature appended to the
            // signed note (C2SP: more signature lines on the same note).
            Dataset::Checkpoints => {
                use jineng_store::ledger::{checkpoint as cp, cosignature};
                let cosigs = cosignature::Entity::find()
                    .filter(cosignature::Column::CheckpointId.is_in(order.clone()))
                    .order_by_asc(cosignature::Column::Witness)
                    .all(&self.db)
                    .await?;
                cp::Entity::find()
                    .filter(cp::Column::Id.is_in(order.clone()))
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .map(|c| {
                        let mine: Vec<&cosignature::Model> =
                            cosigs.iter().filter(|s| s.checkpoint_id == c.id).collect();
                        let mut cosigned = c.note.clone();
                        for s in &mine {
                            cosigned.push_str(&s.line);
                            cosigned.push('\n');
                        }
                        let witnesses: Vec<serde_json::Value> = mine.iter().map(|s| serde_json::json!({"witness": s.witness, "line": s.line, "cosigned_at": s.cosigned_at})).collect();
                        (position(&c.id), serde_json::json!({"id": c.id, "size": c.size, "root": c.root, "signed_at": c.signed_at, "key_id": c.key_id, "note": c.note, "cosigned_note": cosigned, "cosignatures": witnesses}))
                    })
                    .collect()
            }
        };
        items.sort_by_key(|(p, _)| *p);
        let items: Vec<serde_json::Value> = items.into_iter().map(|(_, v)| v).collect();
        let has_more = changed_rows == limit;
        let resume = last.map(|(seq, id)| encode_cursor(seq, &id));
        let actor = Actor {
            id: &c.id,
            name: &c.name,
            role: "exchange_client",
        };
        let w = self.write(actor, ctx).await?;
        w.commit(Entry {
            action: "exchange.pull",
            object_type: "dataset",
            object_id: dataset,
            changes: serde_json::json!({"count": items.len(), "cursor": cursor, "resume": resume}),
            outcome: "ok",
        })
        .await?;
        Ok(ExchangePage {
            items,
            next_cursor: resume,
            has_more,
        })
    }
}
