//! The open API for course platforms (开放接口). An admitted course provider makes signing
//! keys; a platform signs each request with one (HMAC-SHA256 over the method, path and
//! query, timestamp, nonce and body hash, the same scheme as the data exchange) and then
//! acts as the provider's course publisher: packages, chapters, lessons, questions, video
//! uploads, submission for review, review status, its sales. A write sent with an
//! `Idempotency-Key` runs once; a retry gets the first answer again. Webhooks tell the
//! platform what happened (see [`webhooks`]).
//!
//! A refused signature says nothing about whether the key exists. A key works only while
//! its organisation is admitted (入驻) and its maker still holds the provider role there.

pub mod webhooks;

use crate::audit::Entry;
use crate::context::{Grant, Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::tx::begin_write;
use chrono::{DateTime, Duration, Utc};
use jineng_core::accounts::{Permission, Role, UserStatus};
use jineng_core::open_api::{self as rules, MAX_SKEW_SECONDS, Refusal};
use jineng_core::solicitation::AdmissionStatus;
use jineng_store::accounts::user;
use jineng_store::open_api::{key, nonce, request};
use jineng_store::solicitation::admission;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Keys an organisation may hold at once (revoked ones not counted).
pub const MAX_KEYS: u64 = 10;
/// How long an idempotent write's answer is kept.
pub const IDEMPOTENCY_HOURS: i64 = 24;
/// A claimed write with no answer after this long was cut off (the node stopped).
pub const PENDING_MINUTES: i64 = 10;

bounded_context!(
    /// The open API for course platforms: keys, signed requests, idempotent writes.
    OpenApi,
    open_api
);

/// Why a signed request was not let through.
#[derive(Debug)]
pub enum Refused {
    /// 401 with a reason code.
    Signature(Refusal),
    /// The key is good but its organisation may not use the API now (403).
    Standing(&'static str),
    Other(AppError),
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Refused::Other(e)
    }
}

impl From<sea_orm::DbErr> for Refused {
    fn from(e: sea_orm::DbErr) -> Self {
        Refused::Other(e.into())
    }
}

/// The parts of a request the signature covers, with where it came from.
pub struct OpenRequest<'a> {
    pub key_id: &'a str,
    pub timestamp: &'a str,
    pub nonce: &'a str,
    pub signature: &'a str,
    pub method: &'a str,
    pub path_and_query: &'a str,
    pub body: &'a [u8],
    /// `X-Content-SHA256`, when sent: must be the body's hash.
    pub content_sha256: Option<&'a str>,
    pub ip: Option<std::net::IpAddr>,
}

/// A key as its organisation sees it (never its secret).
#[derive(Debug, Clone, Serialize)]
pub struct KeyView {
    pub id: String,
    pub name: String,
    pub ip_allowlist: String,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A new key: its secret is in this answer and never again.
#[derive(Debug, Clone, Serialize)]
pub struct NewKey {
    pub key: KeyView,
    pub secret: String,
}

/// What an earlier write under the same `Idempotency-Key` left.
pub enum Claim {
    /// Nobody sent this key before: run the request, then [`OpenApi::finish`].
    Fresh,
    /// The answer to give again.
    Replay {
        status: u16,
        content_type: String,
        body: String,
    },
}

/// The standing that lets an organisation use the API.
const NOT_ADMITTED: &str = "贵单位尚未通过资源征集入驻，或入驻已暂停、终止，不能使用开放接口";

impl OpenApi<'_> {
    /// The caller's own organisation, as a provider who may use the API.
    fn own_org(who: &Principal) -> AppResult<String> {
        if !who.can(Permission::UseOpenApi) {
            return Err(AppError::Forbidden);
        }
        who.grants
            .iter()
            .find(|g| g.role == Role::CourseProvider)
            .and_then(|g| g.org_id.clone())
            .ok_or(AppError::Forbidden)
    }

    /// Whether `org` is admitted now.
    pub(crate) async fn admitted(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        org: &str,
    ) -> AppResult<bool> {
        Ok(admission::Entity::find()
            .filter(admission::Column::OrgId.eq(org))
            .filter(admission::Column::Status.eq(AdmissionStatus::Active))
            .one(db)
            .await?
            .is_some())
    }

    /// Whether `org` was admitted and is now suspended or ended (and not admitted again
    /// through another campaign): barred from sending courses for review and from
    /// selling. A provider never admitted through a campaign is not barred.
    pub(crate) async fn barred(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        org: &str,
    ) -> AppResult<bool> {
        let all = admission::Entity::find()
            .filter(admission::Column::OrgId.eq(org))
            .all(db)
            .await?;
        Ok(!all.is_empty() && all.iter().all(|a| a.status != AdmissionStatus::Active))
    }

    async fn views(&self, keys: Vec<key::Model>) -> AppResult<Vec<KeyView>> {
        let names: std::collections::HashMap<String, String> = user::Entity::find()
            .filter(
                user::Column::Id.is_in(
                    keys.iter()
                        .map(|k| k.created_by.clone())
                        .collect::<Vec<_>>(),
                ),
            )
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        Ok(keys
            .into_iter()
            .map(|k| KeyView {
                created_by_name: names.get(&k.created_by).cloned().unwrap_or_default(),
                id: k.id,
                name: k.name,
                ip_allowlist: k.ip_allowlist,
                created_at: k.created_at,
                revoked_at: k.revoked_at,
                last_used_at: k.last_used_at,
            })
            .collect())
    }

    /// The organisation's keys, newest first, and whether it may make new ones.
    pub async fn keys(&self, who: &Principal) -> AppResult<(Vec<KeyView>, bool)> {
        let org = Self::own_org(who)?;
        let keys = key::Entity::find()
            .filter(key::Column::OrgId.eq(org.clone()))
            .order_by_desc(key::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let admitted = self.admitted(&self.db, &org).await?;
        Ok((self.views(keys).await?, admitted))
    }

    /// Make a key. Only an admitted organisation may; the secret is answered once.
    pub async fn create_key(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        name: &str,
        ip_allowlist: &str,
    ) -> AppResult<NewKey> {
        let org = Self::own_org(who)?;
        let name = name.trim();
        let mut e = Vec::new();
        if name.is_empty() || name.chars().count() > 50 {
            e.push(FieldError::new("name", "名称不能为空，且不超过50个字符"));
        } else if let Some(m) = jineng_core::text::plain_text_problem(name) {
            e.push(FieldError::new("name", format!("名称{m}")));
        }
        let list = match rules::parse_allowlist(ip_allowlist) {
            Ok(l) => l,
            Err(m) => {
                e.push(FieldError::new("ip_allowlist", m));
                Vec::new()
            }
        };
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let w = self.write(who, ctx).await?;
        // The admission is read under the change's lock so a suspension cannot slip between.
        if !self.admitted(&w.txn, &org).await? {
            return Err(AppError::Conflict(NOT_ADMITTED.into()));
        }
        let live = key::Entity::find()
            .filter(key::Column::OrgId.eq(org.clone()))
            .filter(key::Column::RevokedAt.is_null())
            .all(&w.txn)
            .await?
            .len() as u64;
        if live >= MAX_KEYS {
            return Err(AppError::Conflict(format!(
                "每个单位最多同时持有{MAX_KEYS}个有效密钥，请先停用不用的密钥"
            )));
        }
        let id = format!("pk_{}", &uuid::Uuid::now_v7().simple().to_string()[16..]);
        let secret = crate::crypto::random_token();
        let allow = list
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let m = key::Model {
            id: id.clone(),
            org_id: org.clone(),
            name: name.to_string(),
            secret_enc: self
                .keyring
                .encrypt(
                    &secret,
                    crate::crypto::pii::Place::new("provider_api_keys", "secret_enc", &id),
                )
                .map_err(|e| AppError::Internal(e.to_string()))?,
            ip_allowlist: allow.clone(),
            created_by: who.user_id.clone(),
            created_at: w.now,
            revoked_at: None,
            last_used_at: None,
        };
        key::Entity::insert(key::ActiveModel::from(m.clone()))
            .exec(&w.txn)
            .await?;
        w.commit(Entry::ok(
            "open_api.key_create",
            "provider_api_key",
            &id,
            serde_json::json!({"org": org, "name": name, "ip_allowlist": allow}),
        ))
        .await?;
        let key = self
            .views(vec![m])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::Internal("new key".into()))?;
        Ok(NewKey { key, secret })
    }

    /// Stop a key for good: its next request is refused like any bad signature.
    pub async fn revoke_key(&self, who: &Principal, ctx: &RequestCtx, id: &str) -> AppResult<()> {
        let org = Self::own_org(who)?;
        let w = self.write(who, ctx).await?;
        let res = key::Entity::update_many()
            .col_expr(key::Column::RevokedAt, Expr::value(Some(w.now)))
            .filter(key::Column::Id.eq(id))
            .filter(key::Column::OrgId.eq(org))
            .filter(key::Column::RevokedAt.is_null())
            .exec(&w.txn)
            .await?;
        if res.rows_affected == 0 {
            return Err(AppError::NotFound("可停用的接口密钥"));
        }
        w.commit(Entry::ok(
            "open_api.key_revoke",
            "provider_api_key",
            id,
            serde_json::json!({}),
        ))
        .await
    }

    /// What can be refused before the body is read: the timestamp's shape and age, the
    /// nonce's shape.
    pub fn precheck(&self, timestamp: &str, nonce: &str) -> Result<(), Refusal> {
        let ts: i64 = timestamp.parse().map_err(|_| Refusal::BadTimestamp)?;
        if self.now().timestamp().abs_diff(ts) > MAX_SKEW_SECONDS.unsigned_abs() {
            return Err(Refusal::StaleTimestamp);
        }
        if !rules::nonce_ok(nonce) {
            return Err(Refusal::BadNonce);
        }
        Ok(())
    }

    /// Check a signed request and use up its nonce; answer the key and the principal it
    /// acts as: its maker, narrowed to the provider role in the key's organisation.
    /// The shape of the timestamp and nonce is checked first; then an unknown key, a
    /// revoked one and a wrong signature get the same answer after the same work.
    pub async fn verify(&self, r: &OpenRequest<'_>) -> Result<(key::Model, Principal), Refused> {
        let refuse = |x: Refusal| Refused::Signature(x);
        let now = self.now();
        self.precheck(r.timestamp, r.nonce).map_err(refuse)?;
        let body_hash = hex::encode(Sha256::digest(r.body));
        if let Some(h) = r.content_sha256
            && !h.trim().eq_ignore_ascii_case(&body_hash)
        {
            return Err(refuse(Refusal::BodyHashMismatch));
        }
        let found = if r.key_id.len() <= 64 {
            key::Entity::find_by_id(r.key_id.to_string())
                .one(&self.db)
                .await?
                .filter(|k| k.revoked_at.is_none())
        } else {
            None
        };
        // Without a key, sign with a throwaway secret so the answer takes the same work.
        let secret = match &found {
            Some(k) => self
                .keyring
                .decrypt(
                    &k.secret_enc,
                    crate::crypto::pii::Place::new("provider_api_keys", "secret_enc", &k.id),
                )
                .map_err(|e| AppError::Internal(e.to_string()))?,
            None => crate::crypto::random_token(),
        };
        let matches = crate::exchange::signature_matches(
            &secret,
            r.method,
            r.path_and_query,
            r.timestamp,
            r.nonce,
            r.body,
            r.signature,
        );
        let Some(k) = found.filter(|_| matches) else {
            return Err(refuse(Refusal::BadSignature));
        };
        // An allowlist fails closed: no known address, or a list that no longer parses.
        if !k.ip_allowlist.is_empty() {
            let fits = match (rules::parse_allowlist(&k.ip_allowlist), r.ip) {
                (Ok(list), Some(ip)) => rules::allowed(&list, ip),
                _ => false,
            };
            if !fits {
                return Err(refuse(Refusal::AddressNotAllowed));
            }
        }
        let txn = begin_write(&self.db).await?;
        // Kept past the longest time a timestamp stays acceptable (a timestamp up to the
        // skew ahead, still good up to the skew after it), with a margin for clocks.
        nonce::Entity::delete_many()
            .filter(nonce::Column::SeenAt.lt(now - Duration::seconds(2 * MAX_SKEW_SECONDS + 120)))
            .exec(&txn)
            .await?;
        let used = nonce::Entity::insert(nonce::ActiveModel {
            key_id: Set(k.id.clone()),
            nonce: Set(r.nonce.to_string()),
            seen_at: Set(now),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([nonce::Column::KeyId, nonce::Column::Nonce])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if used == 0 {
            return Err(refuse(Refusal::ReplayedNonce));
        }
        if k.last_used_at
            .is_none_or(|l| now - l > Duration::minutes(1))
        {
            key::Entity::update_many()
                .col_expr(key::Column::LastUsedAt, Expr::value(Some(now)))
                .filter(key::Column::Id.eq(k.id.clone()))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        // Counted after the signature: nobody else can spend a key's budget.
        self.limit(
            &RequestCtx::default(),
            crate::accounts::guard::Limit::OpenApiPerKey,
            &k.id,
        )
        .await?;
        if !self.admitted(&self.db, &k.org_id).await? {
            return Err(Refused::Standing(NOT_ADMITTED));
        }
        let maker = user::Entity::find_by_id(k.created_by.clone())
            .one(&self.db)
            .await?;
        let Some(maker) = maker.filter(|u| u.status == UserStatus::Active) else {
            return Err(Refused::Standing(
                "创建该密钥的账号已停用，请用其他账号重新创建密钥",
            ));
        };
        let full = self.accounts().principal_for(&self.db, &maker).await?;
        let grant = full
            .grants
            .iter()
            .find(|g| {
                g.role == Role::CourseProvider && g.org_id.as_deref() == Some(k.org_id.as_str())
            })
            .cloned();
        let Some(grant) = grant else {
            return Err(Refused::Standing(
                "创建该密钥的账号已不是本单位的课程提供方，请重新创建密钥",
            ));
        };
        let principal = Principal {
            user_id: full.user_id,
            username: full.username,
            display_name: format!("{}（接口密钥 {}）", full.display_name, k.id),
            grants: vec![Grant {
                role: grant.role,
                region: grant.region,
                org_id: grant.org_id,
            }],
        };
        Ok((k, principal))
    }

    /// Claim `idem` for this key before the write runs. A key seen before answers what its
    /// first request left: the answer again (same request), 422 (another request under the
    /// same key) or 409 (still running, or cut off before it answered).
    pub async fn claim(&self, key_id: &str, idem: &str, request_sha256: &str) -> AppResult<Claim> {
        if !rules::idempotency_key_ok(idem) {
            return Err(AppError::field(
                "Idempotency-Key",
                "Idempotency-Key 应为1至100个可见ASCII字符",
            ));
        }
        let now = self.now();
        let txn = begin_write(&self.db).await?;
        request::Entity::delete_many()
            .filter(request::Column::CreatedAt.lt(now - Duration::hours(IDEMPOTENCY_HOURS)))
            .exec(&txn)
            .await?;
        let inserted = request::Entity::insert(request::ActiveModel {
            key_id: Set(key_id.to_string()),
            idem_key: Set(idem.to_string()),
            request_sha256: Set(request_sha256.to_string()),
            state: Set("pending".into()),
            response_status: Set(None),
            response_type: Set(String::new()),
            response_body: Set(String::new()),
            created_at: Set(now),
            completed_at: Set(None),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                request::Column::KeyId,
                request::Column::IdemKey,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if inserted == 1 {
            txn.commit().await?;
            return Ok(Claim::Fresh);
        }
        let first = request::Entity::find_by_id((key_id.to_string(), idem.to_string()))
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::Internal("idempotency key taken but not found".into()))?;
        txn.commit().await?;
        if first.request_sha256 != request_sha256 {
            return Err(AppError::field(
                "Idempotency-Key",
                "该幂等键已用于另一个请求（方法、路径或请求体不同），请换用新的幂等键",
            ));
        }
        match (first.state.as_str(), first.response_status) {
            ("done", Some(status)) => Ok(Claim::Replay {
                status: u16::try_from(status).unwrap_or(500),
                content_type: first.response_type,
                body: first.response_body,
            }),
            _ if first.completed_at.is_some()
                || now - first.created_at > Duration::minutes(PENDING_MINUTES) =>
            {
                Err(AppError::Conflict(
                    "该幂等键的请求处理中断，结果未知：请先查询资源的当前状态，再用新的幂等键重试"
                        .into(),
                ))
            }
            _ => Err(AppError::Conflict(
                "同一幂等键的请求正在处理，请稍后重试".into(),
            )),
        }
    }

    /// Keep the answer of a claimed write. `409`, `429` and `503` (nothing was written,
    /// and it may pass later) free the key, so that a retry runs again; any other server error
    /// leaves the outcome unknown (the change may have committed before the answer
    /// failed): the key stays taken and a retry is told to look before it writes again.
    pub async fn finish(
        &self,
        key_id: &str,
        idem: &str,
        status: u16,
        content_type: &str,
        body: &str,
    ) -> AppResult<()> {
        let txn = begin_write(&self.db).await?;
        let target = request::Entity::update_many()
            .filter(request::Column::KeyId.eq(key_id))
            .filter(request::Column::IdemKey.eq(idem))
            .filter(request::Column::State.eq("pending"));
        // 409 (changed by someone else, or still running), 429 and 503 wrote nothing and
        // may pass later: the key is freed for the retry.
        if matches!(status, 409 | 429 | 503) {
            request::Entity::delete_many()
                .filter(request::Column::KeyId.eq(key_id))
                .filter(request::Column::IdemKey.eq(idem))
                .filter(request::Column::State.eq("pending"))
                .exec(&txn)
                .await?;
        } else if status >= 500 {
            target
                .col_expr(request::Column::CompletedAt, Expr::value(Some(self.now())))
                .exec(&txn)
                .await?;
        } else {
            target
                .col_expr(request::Column::State, Expr::value("done"))
                .col_expr(
                    request::Column::ResponseStatus,
                    Expr::value(Some(i32::from(status))),
                )
                .col_expr(request::Column::ResponseType, Expr::value(content_type))
                .col_expr(request::Column::ResponseBody, Expr::value(body))
                .col_expr(request::Column::CompletedAt, Expr::value(Some(self.now())))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }
}

/// One course's sales to date (paid orders; refunds as recorded on them).
#[derive(Debug, Clone, Serialize, sea_orm::FromQueryResult)]
pub struct SalesLine {
    pub package_id: String,
    pub course_name: String,
    pub orders: i64,
    /// Seats sold and not refunded.
    pub seats: i64,
    pub paid_fen: i64,
    pub refunded_fen: i64,
}

impl OpenApi<'_> {
    /// The organisation's sales by course, best-selling first.
    pub async fn sales(&self, who: &Principal) -> AppResult<Vec<SalesLine>> {
        use jineng_store::orders::order;
        use sea_orm::QuerySelect;
        let org = Self::own_org(who)?;
        let mut lines = order::Entity::find()
            .select_only()
            .column(order::Column::PackageId)
            .column_as(Expr::cust(r#"MAX("course_name")"#), "course_name")
            // PostgreSQL sums BIGINT as NUMERIC: cast back to what the line holds.
            .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "orders")
            .column_as(
                Expr::cust(r#"CAST(SUM("quantity" - "refunded_seats") AS BIGINT)"#),
                "seats",
            )
            .column_as(Expr::cust(r#"CAST(SUM("paid_fen") AS BIGINT)"#), "paid_fen")
            .column_as(
                Expr::cust(r#"CAST(SUM("refunded_fen") AS BIGINT)"#),
                "refunded_fen",
            )
            .filter(order::Column::ProviderOrgId.eq(org))
            .filter(order::Column::PaidAt.is_not_null())
            .group_by(order::Column::PackageId)
            .into_model::<SalesLine>()
            .all(&self.db)
            .await?;
        lines.sort_by_key(|l| (std::cmp::Reverse(l.paid_fen), l.package_id.clone()));
        Ok(lines)
    }
}
