//! `/api/v1/certificates…`, `/api/v1/me/certificates`, `/api/v1/classes/{id}/certificates`
//! and the public `/api/v1/certificates/verify/{number}`.

use crate::AppState;
use crate::http::api::{ApiJson, ApiQuery, Caller, Paged};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jineng_app::certificates::{CertificateView, PublicCertificate};
use jineng_app::page::PageRequest;
use jineng_core::certificates::CertKind;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct CertificateOut {
    pub id: String,
    /// The printed number, e.g. JN2026-7K3M-Q9XA-2D4F-H8RC.
    pub number: String,
    pub kind: CertKind,
    pub kind_label: String,
    /// The learner who holds it; absent for a teacher's qualification.
    pub user_id: Option<String>,
    /// The teacher (pool record) who holds a qualification.
    pub teacher_id: Option<String>,
    pub holder_name: String,
    pub project: String,
    pub class_id: Option<String>,
    pub class_name: String,
    /// Class hours (45 min).
    pub hours: u32,
    pub org_id: String,
    pub issuer: String,
    /// YYYY-MM-DD
    pub issued_on: String,
    /// The last valid day (YYYY-MM-DD), for kinds that expire.
    pub valid_until: Option<String>,
    pub expired: bool,
    /// Renewed by a newer certificate.
    pub replaced: bool,
    pub revoked: bool,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_reason: String,
    /// The certificate's entry in the evidence log.
    pub ledger_index: u64,
    /// The record signed as a C2SP signed note with the evidence log's key.
    pub signed_note: String,
}

impl From<CertificateView> for CertificateOut {
    fn from(c: CertificateView) -> Self {
        CertificateOut {
            id: c.id,
            number: c.number,
            kind: c.kind,
            kind_label: c.kind_label.into(),
            user_id: c.user_id,
            teacher_id: c.teacher_id,
            holder_name: c.holder_name,
            project: c.project,
            class_id: c.class_id,
            class_name: c.class_name,
            hours: c.hours,
            org_id: c.org_id,
            issuer: c.issuer,
            issued_on: c.issued_on,
            valid_until: c.valid_until,
            expired: c.expired,
            replaced: c.replaced,
            revoked: c.revoked,
            revoked_at: c.revoked_at,
            revoked_reason: c.revoked_reason,
            ledger_index: c.ledger_idx,
            signed_note: c.note,
        }
    }
}

pub(crate) fn outs(v: Vec<CertificateView>) -> Json<Vec<CertificateOut>> {
    Json(v.into_iter().map(Into::into).collect())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CertificateQuery {
    /// Number, holder, class or project (substring).
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/certificates", tag = "certificates", params(CertificateQuery),
    responses((status = 200, body = Paged<CertificateOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<CertificateQuery>,
) -> Result<Json<Paged<CertificateOut>>, ApiError> {
    let p = s
        .app
        .certificates()
        .list(
            &who,
            q.q.as_deref(),
            PageRequest::new(q.page, q.per_page, 20),
        )
        .await?;
    Ok(Json(Paged {
        items: p.items.into_iter().map(Into::into).collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    }))
}

#[utoipa::path(get, path = "/me/certificates", tag = "certificates",
    responses((status = 200, body = Vec<CertificateOut>)), security(("bearer" = [])))]
pub async fn mine(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<CertificateOut>>, ApiError> {
    Ok(outs(s.app.certificates().mine(&who).await?))
}

#[utoipa::path(get, path = "/certificates/{id}", tag = "certificates", params(("id" = String, Path)),
    responses((status = 200, body = CertificateOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<CertificateOut>, ApiError> {
    Ok(Json(s.app.certificates().get(&who, &id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeIn {
    /// Why (1–200 characters); shown on the public verification page.
    #[schema(max_length = 200)]
    pub reason: String,
}

#[utoipa::path(post, path = "/certificates/{id}/revoke", tag = "certificates", params(("id" = String, Path)), request_body = RevokeIn,
    responses((status = 200, body = CertificateOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "Already revoked", body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn revoke(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<RevokeIn>,
) -> Result<Json<CertificateOut>, ApiError> {
    Ok(Json(
        s.app
            .certificates()
            .revoke(&who, &ctx, &id, &i.reason)
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/classes/{id}/certificates", tag = "certificates", params(("id" = String, Path)),
    responses((status = 200, body = Vec<CertificateOut>), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn of_class(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<CertificateOut>>, ApiError> {
    Ok(outs(s.app.certificates().of_class(&who, &id).await?))
}

/// Issue a completion certificate to every learner of the completed class who met its
/// completion rule and has none yet; answers those issued now (none on a retry).
#[utoipa::path(post, path = "/classes/{id}/certificates", tag = "certificates", params(("id" = String, Path)),
    responses((status = 201, body = Vec<CertificateOut>), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "The class is not completed", body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn issue(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Vec<CertificateOut>>), ApiError> {
    let v = s
        .app
        .certificates()
        .issue_for_class(&who, &ctx, &id)
        .await?;
    Ok((StatusCode::CREATED, outs(v)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// The QR code's signed payload (base64url of the signed note), if scanned.
    pub s: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct VerifiedOut {
    pub number: String,
    pub kind_label: String,
    /// Masked.
    pub holder: String,
    pub project: String,
    pub class_name: String,
    pub hours: u32,
    pub issuer: String,
    pub issued_on: String,
    /// The last valid day (YYYY-MM-DD), for kinds that expire.
    pub valid_until: Option<String>,
    pub expired: bool,
    pub revoked: bool,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_reason: String,
    /// The record as signed and entered in the evidence log.
    pub record: String,
    pub signed_note: String,
    pub ledger_index: u64,
    pub revocation_ledger_index: Option<u64>,
    /// The size of the signed checkpoint the entry was proved in; absent until one holds it.
    pub proved_in_checkpoint: Option<u64>,
    /// `valid`, `mismatch` or `bad_signature` when a payload was handed in.
    pub payload: Option<String>,
    pub payload_label: Option<String>,
}

impl From<PublicCertificate> for VerifiedOut {
    fn from(p: PublicCertificate) -> Self {
        VerifiedOut {
            payload: p.payload.map(|c| {
                serde_json::to_value(c)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            }),
            payload_label: p.payload.map(|c| c.label().to_string()),
            number: p.number,
            kind_label: p.kind_label.into(),
            holder: p.holder,
            project: p.project,
            class_name: p.class_name,
            hours: p.hours,
            issuer: p.issuer,
            issued_on: p.issued_on,
            valid_until: p.valid_until,
            expired: p.expired,
            revoked: p.revoked,
            revoked_at: p.revoked_at,
            revoked_reason: p.revoked_reason,
            record: p.record,
            signed_note: p.note,
            ledger_index: p.ledger_idx,
            revocation_ledger_index: p.revocation_idx,
            proved_in_checkpoint: p.proved_in,
        }
    }
}

/// Verify a certificate by its number, without signing in; with `s` (a scanned QR
/// payload) also whether its signature holds and it matches the record. Throttled per
/// address.
#[utoipa::path(get, path = "/certificates/verify/{number}", tag = "certificates", params(("number" = String, Path), VerifyQuery),
    responses((status = 200, body = VerifiedOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn verify(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Path(number): Path<String>,
    ApiQuery(q): ApiQuery<VerifyQuery>,
) -> Result<Json<VerifiedOut>, ApiError> {
    Ok(Json(
        s.app
            .certificates()
            .verify(&ctx, &number, q.s.as_deref())
            .await?
            .into(),
    ))
}
