//! `/api/v1/ledger/…`: the evidence log's checkpoints, entries and proofs. Hashes are
//! lower-case hex; proofs are RFC 9162 inclusion and consistency proofs (§2.1.3–2.1.4),
//! which any RFC 6962 implementation checks.

use crate::AppState;
use crate::http::api::{ApiQuery, Caller};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use jineng_app::AppError;
use jineng_app::ledger::CheckpointView;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct CheckpointOut {
    pub size: u64,
    /// Root hash (hex).
    pub root: String,
    pub signed_at: chrono::DateTime<chrono::Utc>,
    pub key_id: String,
    /// The checkpoint as a C2SP signed note (tlog-checkpoint body, Ed25519 signature).
    pub note: String,
}

impl From<CheckpointView> for CheckpointOut {
    fn from(c: CheckpointView) -> Self {
        CheckpointOut {
            size: c.size,
            root: c.root_hex,
            signed_at: c.signed_at,
            key_id: c.key_id,
            note: c.note,
        }
    }
}

fn text(body: String) -> axum::response::Response {
    ([(CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// The latest signed checkpoint, as a signed note (`text/plain`).
#[utoipa::path(get, path = "/ledger/checkpoint", tag = "ledger",
    responses((status = 200, body = String, content_type = "text/plain"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn latest(State(s): State<AppState>) -> Result<axum::response::Response, ApiError> {
    let c = s
        .app
        .ledger()
        .latest()
        .await?
        .ok_or(AppError::NotFound("检查点"))?;
    Ok(text(c.note))
}

/// The verifier keys of the log's checkpoints (C2SP signed-note verifier keys, `text/plain`,
/// one per line: the current key first, then keys retired by rotation).
#[utoipa::path(get, path = "/ledger/key", tag = "ledger",
    responses((status = 200, body = String, content_type = "text/plain"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn key(State(s): State<AppState>) -> Result<axum::response::Response, ApiError> {
    let ledger = s.app.ledger();
    let keys = ledger.verifier_keys();
    if keys.is_empty() {
        return Err(AppError::NotFound("签名公钥").into());
    }
    Ok(text(keys.iter().map(|k| format!("{k}\n")).collect()))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EntryQuery {
    /// The leaf's index, from 0.
    #[param(minimum = 0)]
    pub index: u64,
}

#[derive(Serialize, ToSchema)]
pub struct EntryOut {
    pub index: u64,
    /// `audit_head`, `study_summary`, `exam_result`, `certificate`, `payment`, `refund`,
    /// `subsidy_decision`.
    pub kind: String,
    pub record_id: String,
    /// SHA-256 of the record's canonical form (hex).
    pub record_sha256: String,
    pub at: chrono::DateTime<chrono::Utc>,
    /// The acting organisation ('' for the platform).
    pub org_id: String,
    /// The entry's canonical encoding (hex); its leaf hash is SHA-256(0x00 ‖ entry).
    pub entry: String,
    pub leaf_hash: String,
}

/// One entry of the log.
#[utoipa::path(get, path = "/ledger/entry", tag = "ledger", params(EntryQuery),
    responses((status = 200, body = EntryOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn entry(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    ApiQuery(q): ApiQuery<EntryQuery>,
) -> Result<Json<EntryOut>, ApiError> {
    s.app.ledger().throttle(&ctx).await?;
    let (e, bytes) = s.app.ledger().entry(q.index).await?;
    Ok(Json(EntryOut {
        index: q.index,
        kind: e.kind.code().to_string(),
        record_id: e.record_id,
        record_sha256: hex::encode(e.record_sha256),
        at: chrono::DateTime::from_timestamp_micros(e.at_micros).unwrap_or_default(),
        org_id: e.org_id,
        leaf_hash: hex::encode(jineng_evidence::leaf_hash(&bytes)),
        entry: hex::encode(bytes),
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// The leaf's index, from 0.
    #[param(minimum = 0)]
    pub index: u64,
    /// The tree's size (a checkpoint's), greater than `index`.
    #[param(minimum = 1)]
    pub size: u64,
}

#[derive(Serialize, ToSchema)]
pub struct InclusionOut {
    pub index: u64,
    pub size: u64,
    /// The root of the tree of `size` leaves (hex).
    pub root: String,
    /// The audit path, leaf side first (hex).
    pub proof: Vec<String>,
}

/// An inclusion proof of leaf `index` in the tree of `size` leaves.
#[utoipa::path(get, path = "/ledger/proofs/inclusion", tag = "ledger", params(InclusionQuery),
    responses((status = 200, body = InclusionOut), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn inclusion(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    ApiQuery(q): ApiQuery<InclusionQuery>,
) -> Result<Json<InclusionOut>, ApiError> {
    let ledger = s.app.ledger();
    ledger.throttle(&ctx).await?;
    let proof = ledger.inclusion(q.index, q.size).await?;
    let root = ledger.root(q.size).await?;
    Ok(Json(InclusionOut {
        index: q.index,
        size: q.size,
        root: hex::encode(root),
        proof: proof.iter().map(hex::encode).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The older tree's size.
    #[param(minimum = 1)]
    pub first: u64,
    /// The newer tree's size, not smaller than `first`.
    #[param(minimum = 1)]
    pub second: u64,
}

#[derive(Serialize, ToSchema)]
pub struct ConsistencyOut {
    pub first: u64,
    pub second: u64,
    pub first_root: String,
    pub second_root: String,
    pub proof: Vec<String>,
}

/// A consistency proof that the tree of `first` leaves is a prefix of the tree of `second`.
#[utoipa::path(get, path = "/ledger/proofs/consistency", tag = "ledger", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyOut), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn consistency(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> Result<Json<ConsistencyOut>, ApiError> {
    let ledger = s.app.ledger();
    ledger.throttle(&ctx).await?;
    let proof = ledger.consistency(q.first, q.second).await?;
    Ok(Json(ConsistencyOut {
        first: q.first,
        second: q.second,
        first_root: hex::encode(ledger.root(q.first).await?),
        second_root: hex::encode(ledger.root(q.second).await?),
        proof: proof.iter().map(hex::encode).collect(),
    }))
}

/// Anchor the audit trail's head and sign a checkpoint now (system admin).
#[utoipa::path(post, path = "/ledger/checkpoints", tag = "ledger",
    responses((status = 201, body = CheckpointOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn sign(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
) -> Result<(axum::http::StatusCode, Json<CheckpointOut>), ApiError> {
    let c = s
        .app
        .ledger()
        .checkpoint(&who, &ctx, false)
        .await?
        .ok_or_else(|| AppError::Internal("no checkpoint signed".into()))?;
    Ok((axum::http::StatusCode::CREATED, Json(c.into())))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BundleQuery {
    /// The record's id (an audit sequence number, a certificate's id, …).
    #[param(min_length = 1, max_length = 100)]
    pub record_id: String,
}

/// A proof bundle for a record: its entry, a signed checkpoint containing it and the
/// inclusion proof — checkable offline with the published key (`jineng ledger check`).
#[utoipa::path(get, path = "/ledger/bundle", tag = "ledger", params(BundleQuery),
    responses((status = 200, body = Object, content_type = "application/json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn bundle(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    ApiQuery(q): ApiQuery<BundleQuery>,
) -> Result<axum::response::Response, ApiError> {
    if q.record_id.chars().count() > 100 {
        return Err(AppError::field("record_id", "记录编号过长").into());
    }
    s.app.ledger().throttle(&ctx).await?;
    let b = s.app.ledger().bundle(&q.record_id).await?;
    Ok(([(CONTENT_TYPE, "application/json")], b.to_json()).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct WitnessOut {
    /// The witness's key name.
    pub name: String,
    pub url: String,
    /// Still configured (`JINENG_LEDGER_WITNESSES`).
    pub configured: bool,
    /// The size of the latest checkpoint it cosigned.
    pub cosigned_size: u64,
    pub last_push_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_ok_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Why the last push failed (empty when it did not).
    pub last_error: String,
    /// Pushes waiting, and pushes given up.
    pub queued: u64,
    pub failed: u64,
}

#[derive(Serialize, ToSchema)]
pub struct VerifyRunOut {
    pub id: String,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: chrono::DateTime<chrono::Utc>,
    /// `cli`, `schedule` or `admin`.
    pub trigger: String,
    pub entries: u64,
    pub checkpoints: u64,
    /// How many problems were found (0: the log is intact).
    pub problems: u64,
    /// The first problems: `[leaf index or checkpoint size, reason]`.
    pub details: Vec<(u64, String)>,
}

#[derive(Serialize, ToSchema)]
pub struct HealthOut {
    pub size: u64,
    pub checkpoints: u64,
    pub latest: Option<CheckpointOut>,
    /// Witnesses whose cosignature the latest checkpoint carries.
    pub latest_cosigned_by: Vec<String>,
    pub witnesses: Vec<WitnessOut>,
    /// The latest runs of the full check, newest first.
    pub runs: Vec<VerifyRunOut>,
}

/// The log's health: size, latest checkpoint, witness pushes and the runs of the full
/// check (regulators, auditors, system admins).
#[utoipa::path(get, path = "/ledger/health", tag = "ledger",
    responses((status = 200, body = HealthOut), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn health(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<HealthOut>, ApiError> {
    let h = s.app.ledger().health(&who).await?;
    Ok(Json(HealthOut {
        size: h.size,
        checkpoints: h.checkpoints,
        latest: h.latest.map(Into::into),
        latest_cosigned_by: h.latest_cosigned_by,
        witnesses: h
            .witnesses
            .into_iter()
            .map(|w| WitnessOut {
                name: w.name,
                url: w.url,
                configured: w.configured,
                cosigned_size: w.cosigned_size,
                last_push_at: w.last_push_at,
                last_ok_at: w.last_ok_at,
                last_error: w.last_error,
                queued: w.queued,
                failed: w.failed,
            })
            .collect(),
        runs: h
            .runs
            .into_iter()
            .map(|r| VerifyRunOut {
                id: r.id,
                started_at: r.started_at,
                finished_at: r.finished_at,
                trigger: r.trigger,
                entries: r.entries,
                checkpoints: r.checkpoints,
                problems: r.problems,
                details: r.details,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct QueuedOut {
    /// The background job that runs the check (see `/admin/jobs`).
    pub job_id: String,
}

/// Run the full check of the log now, in the background (system admin); the run appears
/// in `/ledger/health` when done.
#[utoipa::path(post, path = "/ledger/verify-runs", tag = "ledger",
    responses((status = 202, body = QueuedOut), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn request_verify(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
) -> Result<(axum::http::StatusCode, Json<QueuedOut>), ApiError> {
    let job_id = s.app.ledger().request_verify(&who, &ctx).await?;
    Ok((axum::http::StatusCode::ACCEPTED, Json(QueuedOut { job_id })))
}
