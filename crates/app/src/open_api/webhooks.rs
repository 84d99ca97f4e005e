//! Webhooks (回调通知): a provider registers one URL and receives signed events — a review
//! outcome, a listing change, a paid order of its course. An event is written in the same
//! change as what it reports, with a delivery job (the outbox), so it exists exactly when
//! the change does. Delivery retries with backoff; every attempt is logged; the provider
//! reads the log and asks for any event again. Receivers deduplicate by event id: an
//! event may arrive more than once (a retry after a lost answer, a replay), never with a
//! different id.
//!
//! Each delivery is a `POST` of the event's JSON with `X-Jineng-Event-Id`,
//! `X-Jineng-Event-Type`, `X-Jineng-Timestamp` and `X-Jineng-Signature:
//! sha256=<hex HMAC-SHA256 of "{timestamp}\n{body}" under the endpoint's secret>`.

use super::OpenApi;
use crate::App;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::jobs::JobError;
use crate::write::Write;
use chrono::{DateTime, Utc};
use jineng_core::jobs::JobKind;
use jineng_core::open_api::{self as rules, WebhookKind};
use jineng_store::open_api::{attempt, endpoint, event};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

/// Attempts before a webhook event is given up (about half an hour of backoff).
pub const DELIVERY_ATTEMPTS: i32 = 10;
/// Days an event and its attempts are kept for the provider's log.
pub const KEEP_DAYS: i64 = 90;

/// The endpoint as its organisation sees it (never its secret).
#[derive(Debug, Clone, Serialize)]
pub struct EndpointView {
    pub url: String,
    pub updated_at: DateTime<Utc>,
}

/// One event with where its delivery stands.
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub id: String,
    pub kind: String,
    pub kind_label: &'static str,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: String,
}

impl From<event::Model> for EventView {
    fn from(e: event::Model) -> Self {
        EventView {
            kind_label: WebhookKind::parse(&e.kind).map_or("", |k| k.label()),
            id: e.id,
            kind: e.kind,
            created_at: e.created_at,
            delivered_at: e.delivered_at,
            attempts: e.attempts,
            last_status: e.last_status,
            last_error: e.last_error,
        }
    }
}

/// One delivery attempt.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptView {
    pub at: DateTime<Utc>,
    pub url: String,
    pub status: Option<i32>,
    pub error: String,
    pub millis: i32,
}

/// The signature header's value for `body` sent at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let text = format!("{timestamp}\n{body}");
    format!(
        "sha256={}",
        crate::exchange::sign(secret, &text).unwrap_or_default()
    )
}

/// Record `kind` for `org`'s webhook in the change `w`, if it has one, and queue its
/// delivery. `data` is the event's subject.
pub(crate) async fn emit(
    app: &App,
    w: &Write<'_>,
    org: &str,
    kind: WebhookKind,
    data: serde_json::Value,
) -> AppResult<()> {
    if endpoint::Entity::find_by_id(org.to_string())
        .one(&w.txn)
        .await?
        .is_none()
    {
        return Ok(());
    }
    let id = format!("evt_{}", uuid::Uuid::now_v7().simple());
    let payload = serde_json::json!({
        "id": id,
        "type": kind.code(),
        "created_at": w.now,
        "data": data,
    })
    .to_string();
    event::Entity::insert(event::ActiveModel {
        id: Set(id.clone()),
        org_id: Set(org.to_string()),
        kind: Set(kind.code().to_string()),
        payload: Set(payload),
        created_at: Set(w.now),
        delivered_at: Set(None),
        attempts: Set(0),
        last_status: Set(None),
        last_error: Set(String::new()),
    })
    .exec(&w.txn)
    .await?;
    crate::jobs::enqueue(
        app,
        w,
        JobKind::WebhookDeliver,
        &format!("webhook:{id}"),
        serde_json::json!({"event": id}),
    )
    .await?;
    Ok(())
}

impl OpenApi<'_> {
    /// The organisation's endpoint, if it has one.
    pub async fn endpoint(&self, who: &Principal) -> AppResult<Option<EndpointView>> {
        let org = Self::own_org(who)?;
        Ok(endpoint::Entity::find_by_id(org)
            .one(&self.db)
            .await?
            .map(|e| EndpointView {
                url: e.url,
                updated_at: e.updated_at,
            }))
    }

    /// Register or change the endpoint. A new endpoint, or `new_secret`, makes a signing
    /// secret, answered this once.
    pub async fn set_endpoint(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        url: &str,
        new_secret: bool,
    ) -> AppResult<(EndpointView, Option<String>)> {
        let org = Self::own_org(who)?;
        let url = url.trim();
        if let Some(m) = rules::webhook_url_problem(url) {
            return Err(AppError::field("url", m));
        }
        if reqwest::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .is_none()
        {
            return Err(AppError::field("url", "回调地址不是有效的网址"));
        }
        let w = self.write(who, ctx).await?;
        if !self.admitted(&w.txn, &org).await? {
            return Err(AppError::Conflict(super::NOT_ADMITTED.into()));
        }
        let old = endpoint::Entity::find_by_id(org.clone())
            .one(&w.txn)
            .await?;
        let secret = (old.is_none() || new_secret).then(crate::crypto::random_token);
        let place = crate::crypto::pii::Place::new("webhook_endpoints", "secret_enc", &org);
        let secret_enc = match (&secret, &old) {
            (Some(s), _) => self
                .keyring
                .encrypt(s, place)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            (None, Some(o)) => o.secret_enc.clone(),
            (None, None) => return Err(AppError::Internal("webhook secret".into())),
        };
        let m = endpoint::Model {
            org_id: org.clone(),
            url: url.to_string(),
            secret_enc,
            created_by: old
                .as_ref()
                .map_or(who.user_id.clone(), |o| o.created_by.clone()),
            created_at: old.as_ref().map_or(w.now, |o| o.created_at),
            updated_at: w.now,
        };
        endpoint::Entity::insert(endpoint::ActiveModel::from(m))
            .on_conflict(
                sea_orm::sea_query::OnConflict::column(endpoint::Column::OrgId)
                    .update_columns([
                        endpoint::Column::Url,
                        endpoint::Column::SecretEnc,
                        endpoint::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&w.txn)
            .await?;
        w.commit(Entry::ok(
            "open_api.webhook_set",
            "webhook_endpoint",
            &org,
            serde_json::json!({"url": url, "new_secret": secret.is_some()}),
        ))
        .await?;
        Ok((
            EndpointView {
                url: url.to_string(),
                updated_at: self.now(),
            },
            secret,
        ))
    }

    /// Stop sending events: the endpoint is removed; queued deliveries give up. Removing
    /// when there is none changes nothing (and is not an error: the caller's wish holds).
    pub async fn remove_endpoint(&self, who: &Principal, ctx: &RequestCtx) -> AppResult<()> {
        let org = Self::own_org(who)?;
        let w = self.write(who, ctx).await?;
        let res = endpoint::Entity::delete_by_id(org.clone())
            .exec(&w.txn)
            .await?;
        if res.rows_affected == 0 {
            return Ok(());
        }
        w.commit(Entry::ok(
            "open_api.webhook_remove",
            "webhook_endpoint",
            &org,
            serde_json::json!({}),
        ))
        .await
    }

    /// The organisation's events, newest first (`limit` at most 200), and how many there are.
    pub async fn events(
        &self,
        who: &Principal,
        undelivered_only: bool,
        limit: u64,
    ) -> AppResult<(Vec<EventView>, u64)> {
        let org = Self::own_org(who)?;
        let mut q = event::Entity::find().filter(event::Column::OrgId.eq(org));
        if undelivered_only {
            q = q.filter(event::Column::DeliveredAt.is_null());
        }
        let total = q.clone().count(&self.db).await?;
        let items = q
            .order_by_desc(event::Column::CreatedAt)
            .order_by_desc(event::Column::Id)
            .limit(limit.clamp(1, 200))
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        Ok((items, total))
    }

    async fn own_event(&self, who: &Principal, id: &str) -> AppResult<event::Model> {
        let org = Self::own_org(who)?;
        event::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .filter(|e| e.org_id == org)
            .ok_or(AppError::NotFound("回调事件"))
    }

    /// One event's delivery attempts, oldest first.
    pub async fn attempts(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<(EventView, Vec<AttemptView>)> {
        let e = self.own_event(who, id).await?;
        let tries = attempt::Entity::find()
            .filter(attempt::Column::EventId.eq(e.id.clone()))
            .order_by_asc(attempt::Column::At)
            .order_by_asc(attempt::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| AttemptView {
                at: a.at,
                url: a.url,
                status: a.status,
                error: a.error,
                millis: a.millis,
            })
            .collect();
        Ok((e.into(), tries))
    }

    /// Send an event again (the receiver deduplicates by its id).
    pub async fn replay(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
    ) -> AppResult<EventView> {
        let e = self.own_event(who, id).await?;
        let w = self.write(who, ctx).await?;
        if !self.admitted(&w.txn, &e.org_id).await? {
            return Err(AppError::Conflict(super::NOT_ADMITTED.into()));
        }
        // One delivery of an event at a time: a replay waits for the last to finish.
        let pending = jineng_store::jobs::job::Entity::find()
            .filter(jineng_store::jobs::job::Column::Kind.eq(JobKind::WebhookDeliver))
            .filter(
                jineng_store::jobs::job::Column::IdempotencyKey
                    .starts_with(format!("webhook:{}", e.id)),
            )
            .filter(jineng_store::jobs::job::Column::State.is_in([
                jineng_core::jobs::JobState::Queued,
                jineng_core::jobs::JobState::Running,
            ]))
            .count(&w.txn)
            .await?;
        if pending > 0 {
            return Err(AppError::Conflict(
                "该事件正在推送或等待重试，完成后才能重新推送".into(),
            ));
        }
        if endpoint::Entity::find_by_id(e.org_id.clone())
            .one(&w.txn)
            .await?
            .is_none()
        {
            return Err(AppError::Conflict("尚未设置回调地址，无法重新推送".into()));
        }
        crate::jobs::enqueue(
            self,
            &w,
            JobKind::WebhookDeliver,
            &format!("webhook:{}:{}", e.id, uuid::Uuid::now_v7().simple()),
            serde_json::json!({"event": e.id}),
        )
        .await?;
        w.commit(Entry::ok(
            "open_api.webhook_replay",
            "webhook_event",
            &e.id,
            serde_json::json!({}),
        ))
        .await?;
        Ok(e.into())
    }

    /// The delivery job: post the event, log the attempt; anything but 2xx is retried.
    pub(crate) async fn deliver_job(&self, payload: &str) -> Result<(), JobError> {
        let p: serde_json::Value =
            serde_json::from_str(payload).map_err(|e| JobError::Fatal(e.to_string()))?;
        let id = p["event"].as_str().unwrap_or_default().to_string();
        let e = event::Entity::find_by_id(id.clone())
            .one(&self.db)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?
            .ok_or_else(|| JobError::Fatal("回调事件不存在".into()))?;
        let Some(ep) = endpoint::Entity::find_by_id(e.org_id.clone())
            .one(&self.db)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?
        else {
            return Err(JobError::Fatal("回调地址已删除".into()));
        };
        let secret = self
            .keyring
            .decrypt(
                &ep.secret_enc,
                crate::crypto::pii::Place::new("webhook_endpoints", "secret_enc", &ep.org_id),
            )
            .map_err(|e| JobError::Fatal(e.to_string()))?;
        let started = std::time::Instant::now();
        let ts = self.now().timestamp();
        let outcome = self.post(&ep.url, &e, ts, &secret).await;
        let millis = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let (status, error) = match &outcome {
            Ok(s) if (200..300).contains(s) => (Some(i32::from(*s)), String::new()),
            Ok(s) => (Some(i32::from(*s)), format!("回调地址返回 HTTP {s}")),
            Err(m) => (None, m.clone()),
        };
        let now = self.now();
        let txn = crate::tx::begin_write(&self.db)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        let write = async {
            attempt::Entity::insert(attempt::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                event_id: Set(e.id.clone()),
                at: Set(now),
                url: Set(ep.url.clone()),
                status: Set(status),
                error: Set(error.clone()),
                millis: Set(millis),
            })
            .exec(&txn)
            .await?;
            let mut q = event::Entity::update_many()
                .col_expr(
                    event::Column::Attempts,
                    Expr::col(event::Column::Attempts).add(1),
                )
                .col_expr(event::Column::LastStatus, Expr::value(status))
                .col_expr(event::Column::LastError, Expr::value(error.clone()));
            if error.is_empty() && e.delivered_at.is_none() {
                q = q.col_expr(event::Column::DeliveredAt, Expr::value(Some(now)));
            }
            q.filter(event::Column::Id.eq(e.id.clone()))
                .exec(&txn)
                .await?;
            Ok::<_, sea_orm::DbErr>(())
        };
        write.await.map_err(|e| JobError::Retry(e.to_string()))?;
        // The log keeps KEEP_DAYS: older events of this organisation go with a delivery.
        let old = event::Entity::find()
            .filter(event::Column::OrgId.eq(e.org_id.clone()))
            .filter(event::Column::CreatedAt.lt(now - chrono::Duration::days(KEEP_DAYS)))
            .limit(500)
            .all(&txn)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        if !old.is_empty() {
            let ids: Vec<String> = old.into_iter().map(|e| e.id).collect();
            let prune = async {
                attempt::Entity::delete_many()
                    .filter(attempt::Column::EventId.is_in(ids.clone()))
                    .exec(&txn)
                    .await?;
                event::Entity::delete_many()
                    .filter(event::Column::Id.is_in(ids))
                    .exec(&txn)
                    .await?;
                Ok::<_, sea_orm::DbErr>(())
            };
            prune.await.map_err(|e| JobError::Retry(e.to_string()))?;
        }
        txn.commit()
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        if error.is_empty() {
            Ok(())
        } else {
            Err(JobError::Retry(error))
        }
    }

    /// Post one event; the status answered, or why there was none.
    async fn post(
        &self,
        url: &str,
        e: &event::Model,
        ts: i64,
        secret: &str,
    ) -> Result<u16, String> {
        let u = reqwest::Url::parse(url).map_err(|_| "回调地址不是有效的网址".to_string())?;
        let host = u.host_str().ok_or("回调地址没有主机名")?.to_string();
        let port = u.port_or_known_default().unwrap_or(443);
        let lookup = tokio::net::lookup_host((host.as_str(), port));
        let addrs: Vec<std::net::SocketAddr> =
            tokio::time::timeout(std::time::Duration::from_secs(5), lookup)
                .await
                .map_err(|_| format!("解析回调地址的主机名 {host} 超时"))?
                .map_err(|_| format!("无法解析回调地址的主机名 {host}"))?
                .collect();
        let Some(first) = addrs.first().copied() else {
            return Err(format!("无法解析回调地址的主机名 {host}"));
        };
        let client = if self.security.webhooks_to_private_addresses {
            self.http.clone()
        } else {
            if addrs.iter().any(|a| !rules::public_address(a.ip())) {
                return Err("回调地址解析到内网或保留地址，已拒绝推送".into());
            }
            // Connect to the address just checked, not to whatever a second lookup says.
            reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .connect_timeout(std::time::Duration::from_secs(5))
                .redirect(reqwest::redirect::Policy::none())
                // A proxy would connect wherever it resolves the name: never one.
                .no_proxy()
                .resolve(&host, first)
                .build()
                .map_err(|e| e.to_string())?
        };
        let res = client
            .post(u)
            .header("content-type", "application/json")
            .header("x-jineng-event-id", &e.id)
            .header("x-jineng-event-type", &e.kind)
            .header("x-jineng-timestamp", ts.to_string())
            .header("x-jineng-signature", signature(secret, ts, &e.payload))
            .body(e.payload.clone())
            .send()
            .await
            .map_err(|err| {
                if err.is_timeout() {
                    "回调地址超时未应答".to_string()
                } else {
                    "无法连接回调地址".to_string()
                }
            })?;
        Ok(res.status().as_u16())
    }
}
