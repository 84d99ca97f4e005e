//! `/api/v1/orgs`: institution and enterprise registrations, scoped to the caller.

use crate::AppState;
use crate::http::api::{ApiJson, ApiQuery, Caller, Paged};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jineng_app::organizations::{AdminAccount, OrgFilter, OrgInput, OrgView};
use jineng_app::page::PageRequest;
use jineng_app::{AppError, FieldError};
use jineng_core::organizations::{OrgAction, OrgKind, OrgStatus};
use jineng_core::{BankAccount, CreditCode, IdNumber, Phone, RegionCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A registration as submitted. Dates are `YYYY-MM-DD`.
#[derive(Deserialize, ToSchema, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct OrgIn {
    /// `institution` or `enterprise`.
    #[schema(value_type = jineng_core::organizations::OrgKind)]
    pub kind: String,
    #[schema(min_length = 2, max_length = 100)]
    pub name: String,
    /// 统一社会信用代码 (GB 32100, check character verified).
    #[schema(value_type = crate::http::schema::CreditCodeText)]
    pub credit_code: String,
    /// County code (GB/T 2260).
    #[schema(value_type = crate::http::schema::RegionCodeText)]
    pub region_code: String,
    #[schema(min_length = 2, max_length = 200)]
    pub address: String,
    #[schema(value_type = crate::http::schema::PersonNameText)]
    pub legal_rep_name: String,
    /// Legal representative's ID number (GB 11643).
    #[schema(value_type = crate::http::schema::IdNumberText)]
    pub legal_rep_id: String,
    #[schema(value_type = crate::http::schema::PersonNameText)]
    pub contact_name: String,
    #[schema(value_type = crate::http::schema::PhoneNumber)]
    pub contact_phone: String,
    /// Institutions: hrss_direct, hrss_entrusted, vocational_school, other_qualified,
    /// employment_training_center, private.
    #[serde(default)]
    #[schema(value_type = crate::http::schema::Nature)]
    pub nature: String,
    /// Institutions: ordinary or advanced.
    #[serde(default)]
    #[schema(value_type = crate::http::schema::InstitutionType)]
    pub institution_type: String,
    #[serde(default)]
    pub designated: bool,
    #[schema(min_length = 2, max_length = 100)]
    pub bank_name: String,
    #[schema(min_length = 2, max_length = 100)]
    pub bank_account_name: String,
    pub bank_account: String,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000000)]
    pub training_scale: i32,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10000000)]
    pub site_area: i32,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub licence_no: String,
    #[schema(format = Date)]
    pub valid_from: Option<String>,
    #[schema(format = Date)]
    pub valid_until: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AdminIn {
    #[schema(value_type = crate::http::schema::Username)]
    pub username: String,
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
    #[schema(min_length = 1, max_length = 50)]
    pub display_name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterIn {
    pub org: OrgIn,
    pub admin: AdminIn,
    /// The SMS code sent to `org.contact_phone` (`POST /sms/code`, purpose `org_register`).
    #[schema(value_type = crate::http::schema::SmsCode)]
    pub code: String,
}

/// Parse every field into the domain's types, reporting all problems at once.
pub fn parse_org(i: OrgIn, today: chrono::NaiveDate) -> Result<OrgInput, AppError> {
    let mut e = Vec::new();
    let mut field = |name: &str, r: Result<(), String>| {
        if let Err(m) = r {
            e.push(FieldError::new(name, m));
        }
    };
    let kind = OrgKind::parse(i.kind.trim());
    field(
        "kind",
        kind.map(|_| ())
            .ok_or_else(|| "请选择登记类别（培训机构或企业）".to_string()),
    );
    let credit_code = CreditCode::parse(&i.credit_code);
    field(
        "credit_code",
        credit_code.as_ref().map(|_| ()).map_err(|e| e.to_string()),
    );
    let region = RegionCode::parse(&i.region_code);
    field(
        "region_code",
        region.as_ref().map(|_| ()).map_err(|e| e.to_string()),
    );
    let rep = IdNumber::parse_on(&i.legal_rep_id, today);
    field(
        "legal_rep_id",
        rep.as_ref()
            .map(|_| ())
            .map_err(|e| format!("法定代表人{e}")),
    );
    let phone = Phone::parse(&i.contact_phone);
    field(
        "contact_phone",
        phone.as_ref().map(|_| ()).map_err(|e| e.to_string()),
    );
    let bank = BankAccount::parse(&i.bank_account);
    field(
        "bank_account",
        bank.as_ref().map(|_| ()).map_err(|e| e.to_string()),
    );
    let date = |s: &Option<String>| -> Result<Option<chrono::NaiveDate>, String> {
        match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| "日期格式应为 年-月-日".to_string()),
        }
    };
    let from = date(&i.valid_from);
    field(
        "valid_from",
        from.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    let until = date(&i.valid_until);
    field(
        "valid_until",
        until.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    match (kind, credit_code, region, rep, phone, bank, from, until) {
        (
            Some(kind),
            Ok(credit_code),
            Ok(region),
            Ok(legal_rep_id),
            Ok(contact_phone),
            Ok(bank_account),
            Ok(valid_from),
            Ok(valid_until),
        ) if e.is_empty() => Ok(OrgInput {
            kind,
            name: i.name,
            credit_code,
            region,
            address: i.address,
            legal_rep_name: i.legal_rep_name,
            legal_rep_id,
            contact_name: i.contact_name,
            contact_phone,
            nature: i.nature.trim().to_string(),
            institution_type: i.institution_type.trim().to_string(),
            designated: i.designated,
            bank_name: i.bank_name,
            bank_account_name: i.bank_account_name,
            bank_account,
            training_scale: i.training_scale,
            site_area: i.site_area,
            licence_no: i.licence_no,
            valid_from,
            valid_until,
        }),
        _ => Err(AppError::Validation(e)),
    }
}

/// A registration as returned; personal and bank data masked unless the caller may see them.
#[derive(Serialize, ToSchema)]
pub struct OrgOut {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub credit_code: String,
    pub region_code: String,
    pub region_name: String,
    pub address: String,
    pub legal_rep_name: String,
    pub legal_rep_id: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub nature: String,
    pub institution_type: String,
    pub designated: bool,
    pub bank_name: String,
    pub bank_account_name: String,
    pub bank_account: String,
    pub training_scale: i32,
    pub site_area: i32,
    pub licence_no: String,
    pub valid_from: String,
    pub valid_until: String,
    /// submitted, approved, returned, suspended, revoked.
    pub status: String,
    pub status_label: String,
    pub status_reason: String,
    pub version: i32,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<OrgView> for OrgOut {
    fn from(o: OrgView) -> Self {
        OrgOut {
            id: o.id,
            kind: o.kind.code().into(),
            name: o.name,
            credit_code: o.credit_code,
            region_code: o.region_code,
            region_name: o.region_name,
            address: o.address,
            legal_rep_name: o.legal_rep_name,
            legal_rep_id: o.legal_rep_id,
            contact_name: o.contact_name,
            contact_phone: o.contact_phone,
            nature: o.nature,
            institution_type: o.institution_type,
            designated: o.designated,
            bank_name: o.bank_name,
            bank_account_name: o.bank_account_name,
            bank_account: o.bank_account,
            training_scale: o.training_scale,
            site_area: o.site_area,
            licence_no: o.licence_no,
            valid_from: o.valid_from,
            valid_until: o.valid_until,
            status: o.status.code().into(),
            status_label: o.status_label.into(),
            status_reason: o.status_reason,
            version: o.version,
            updated_at: o.updated_at,
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrgQuery {
    /// institution or enterprise.
    #[param(inline, value_type = Option<jineng_core::organizations::OrgKind>)]
    pub kind: Option<String>,
    /// submitted, approved, returned, suspended, revoked.
    #[param(inline, value_type = Option<jineng_core::organizations::OrgStatus>)]
    pub status: Option<String>,
    /// Name (substring) or whole credit code.
    pub q: Option<String>,
    /// Region code; its subtree.
    #[param(inline, value_type = Option<crate::http::schema::RegionCodeText>)]
    pub region: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl OrgQuery {
    pub fn filter(&self) -> Result<OrgFilter, AppError> {
        let s = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        Ok(OrgFilter {
            kind: match s(&self.kind) {
                Some(k) => Some(OrgKind::parse(&k).ok_or_else(|| {
                    AppError::field("kind", "类别只能是 institution 或 enterprise")
                })?),
                None => None,
            },
            status: match s(&self.status) {
                Some(k) => Some(
                    OrgStatus::parse(&k)
                        .ok_or_else(|| AppError::field("status", "状态代码不存在"))?,
                ),
                None => None,
            },
            q: s(&self.q),
            region: match s(&self.region) {
                Some(r) => Some(
                    RegionCode::parse(&r).map_err(|e| AppError::field("region", e.to_string()))?,
                ),
                None => None,
            },
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct Registered {
    pub id: String,
    pub status: String,
}

#[utoipa::path(post, path = "/orgs/register", tag = "organizations", request_body = RegisterIn,
    responses((status = 201, body = Registered), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn register(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    ApiJson(r): ApiJson<RegisterIn>,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    let input = parse_org(r.org, today(&s))?;
    let admin = AdminAccount {
        username: r.admin.username,
        password: r.admin.password,
        display_name: r.admin.display_name,
        code: r.code,
    };
    let id = s
        .app
        .organizations()
        .register(&ctx, input, admin)
        .await?
        .org_id;
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            id,
            status: "submitted".into(),
        }),
    ))
}

#[utoipa::path(get, path = "/orgs", tag = "organizations", params(OrgQuery),
    responses((status = 200, body = Paged<OrgOut>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<OrgQuery>,
) -> Result<Json<Paged<OrgOut>>, ApiError> {
    let p = s
        .app
        .organizations()
        .list(&who, &q.filter()?, PageRequest::new(q.page, q.per_page, 20))
        .await?;
    Ok(Json(Paged {
        items: p.items.into_iter().map(Into::into).collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    }))
}

#[utoipa::path(get, path = "/orgs/{id}", tag = "organizations", params(("id" = String, Path)),
    responses((status = 200, body = OrgOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<OrgOut>, ApiError> {
    Ok(Json(s.app.organizations().get(&who, &id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgDecisionIn {
    /// approve, return, suspend, reinstate, revoke.
    #[schema(value_type = jineng_core::organizations::OrgAction)]
    pub action: String,
    /// Required for return, suspend and revoke.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: String,
}

#[utoipa::path(post, path = "/orgs/{id}/decision", tag = "organizations", params(("id" = String, Path)), request_body = OrgDecisionIn,
    responses((status = 200, body = OrgOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn decide(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<OrgDecisionIn>,
) -> Result<Json<OrgOut>, ApiError> {
    let action = OrgAction::parse(d.action.trim()).ok_or_else(|| {
        AppError::field(
            "action",
            "操作只能是 approve、return、suspend、reinstate 或 revoke",
        )
    })?;
    Ok(Json(
        s.app
            .organizations()
            .decide(&who, &ctx, &id, action, &d.reason)
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/orgs/{id}/resubmit", tag = "organizations", params(("id" = String, Path)), request_body = OrgIn,
    responses((status = 200, body = OrgOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn resubmit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<OrgIn>,
) -> Result<Json<OrgOut>, ApiError> {
    let input = parse_org(i, today(&s))?;
    Ok(Json(
        s.app
            .organizations()
            .resubmit(&who, &ctx, &id, input)
            .await?
            .into(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct OrgVersionOut {
    pub version: i32,
    /// The submitted fields as JSON (personal data masked).
    pub snapshot: serde_json::Value,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    pub decision: jineng_core::review::ReviewStatus,
    pub reason: String,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[utoipa::path(get, path = "/orgs/{id}/versions", tag = "organizations", params(("id" = String, Path)),
    responses((status = 200, body = Vec<OrgVersionOut>), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn versions(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<OrgVersionOut>>, ApiError> {
    let v = s.app.organizations().versions(&who, &id).await?;
    Ok(Json(
        v.into_iter()
            .map(|v| OrgVersionOut {
                version: v.version,
                snapshot: v.snapshot,
                submitted_at: v.submitted_at,
                decision: v.decision,
                reason: v.reason,
                decided_at: v.decided_at,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnualReviewIn {
    #[schema(minimum = 2000)]
    pub year: i32,
    pub passed: bool,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub remarks: String,
}

#[utoipa::path(post, path = "/orgs/{id}/annual-reviews", tag = "organizations", params(("id" = String, Path)), request_body = AnnualReviewIn,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn annual_review(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<AnnualReviewIn>,
) -> Result<StatusCode, ApiError> {
    s.app
        .organizations()
        .annual_review(&who, &ctx, &id, r.year, r.passed, &r.remarks)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn today(s: &AppState) -> chrono::NaiveDate {
    s.app
        .now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

#[derive(Serialize, ToSchema)]
pub struct DocumentOut {
    pub id: String,
    pub kind: jineng_core::documents::OrgDocumentKind,
    pub kind_label: String,
    pub filename: String,
    /// As judged from the file's first bytes: application/pdf, image/png or image/jpeg.
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes at upload; downloads are checked against it.
    pub sha256: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<jineng_app::organizations::documents::DocumentView> for DocumentOut {
    fn from(d: jineng_app::organizations::documents::DocumentView) -> Self {
        DocumentOut {
            id: d.id,
            kind: d.kind,
            kind_label: d.kind_label.into(),
            filename: d.filename,
            content_type: d.content_type,
            size: d.size,
            sha256: d.sha256,
            created_at: d.created_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// school_licence, business_licence, qualification or other.
    pub kind: String,
    /// The original file name, shown to reviewers.
    pub filename: String,
}

#[utoipa::path(get, path = "/orgs/{id}/documents", tag = "organizations", params(("id" = String, Path)),
    responses((status = 200, body = Vec<DocumentOut>), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn documents(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<DocumentOut>>, ApiError> {
    let docs = s.app.organizations().documents(&who, &id).await?;
    Ok(Json(docs.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/orgs/{id}/documents", tag = "organizations", params(("id" = String, Path), DocumentQuery),
    request_body(content = Vec<u8>, content_type = "application/pdf", description = "The file itself (PDF, PNG or JPEG, at most 10 MB); its type is judged from its content"),
    responses((status = 201, body = DocumentOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn upload_document(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<DocumentOut>), ApiError> {
    let d = s
        .app
        .organizations()
        .upload_document(&who, &ctx, &id, &q.kind, &q.filename, body.to_vec())
        .await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

#[utoipa::path(get, path = "/orgs/{id}/documents/{doc}", tag = "organizations", params(("id" = String, Path), ("doc" = String, Path)),
    responses((status = 200, description = "The file, with the content type judged at upload", content_type = "application/pdf"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn document(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path((id, doc)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    let (d, bytes) = s
        .app
        .organizations()
        .document_file(&who, &ctx, &id, &doc)
        .await?;
    Ok(crate::http::files::document_response(
        &d.content_type,
        &d.filename,
        bytes,
    ))
}

#[utoipa::path(delete, path = "/orgs/{id}/documents/{doc}", tag = "organizations", params(("id" = String, Path), ("doc" = String, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn remove_document(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path((id, doc)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    s.app
        .organizations()
        .remove_document(&who, &ctx, &id, &doc)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
