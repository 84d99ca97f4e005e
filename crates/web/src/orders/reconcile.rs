//! Reconciliation with payment channels (对账) over HTTP, for the platform's operators:
//! the page `/reconciliations` (each day and channel with both sides' totals, a form to
//! reconcile a day now), `/reconciliations/{id}` (the differences, each resolved with a
//! note), and the same under `/api/v1/reconciliations…`.

use crate::AppState;
use crate::http::api::{ApiJson, ApiQuery, Caller, Paged};
use crate::http::error::{ApiError, PageError, Problem, fixable};
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::orders::reconcile::{DifferenceView, ReconciliationDetail, ReconciliationView};
use jineng_app::page::PageRequest;
use jineng_core::orders::Channel;
use jineng_core::reconcile::{DifferenceKind, Movement};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

// ----- pages -----

#[derive(Template, WebTemplate)]
#[template(path = "orders/reconciliations.html")]
pub struct ReconciliationsPage {
    layout: Layout,
    items: Vec<ReconciliationView>,
    page: u64,
    pages: u64,
    /// Yesterday (China time), the default day to reconcile.
    yesterday: String,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    page: Option<u64>,
    #[serde(default)]
    done: String,
}

async fn list_page(
    s: &AppState,
    u: &PageUser,
    page: Option<u64>,
    notice: Option<&'static str>,
    errors: Vec<String>,
) -> Result<ReconciliationsPage, PageError> {
    let p = s
        .app
        .orders()
        .reconciliations(&u.principal, PageRequest::new(page, None, 30))
        .await?;
    let yesterday = s.app.today() - chrono::Duration::days(1);
    Ok(ReconciliationsPage {
        layout: Layout::new("支付对账", u, "/orders"),
        page: p.page,
        pages: p.pages(),
        items: p.items,
        yesterday: yesterday.to_string(),
        notice,
        errors,
    })
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<ListQuery>,
) -> Result<ReconciliationsPage, PageError> {
    let notice = (q.done == "request").then_some("已开始对账，稍后刷新本页查看结果。");
    list_page(&s, &u, q.page, notice, vec![]).await
}

#[derive(Deserialize, Default)]
pub struct RequestForm {
    #[serde(default)]
    day: String,
}

pub async fn request(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<RequestForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .orders()
        .request_reconciliation(&u.principal, &ctx, &f.day)
        .await
    {
        Ok(_) => Ok(Redirect::to("/reconciliations?done=request").into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, list_page(&s, &u, None, None, errors).await?).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "orders/reconciliation.html")]
pub struct ReconciliationPage {
    layout: Layout,
    d: ReconciliationDetail,
    /// When the day was last reconciled, China time.
    ran_at: String,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

async fn detail_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    notice: Option<&'static str>,
    errors: Vec<String>,
) -> Result<ReconciliationPage, PageError> {
    let d = s.app.orders().reconciliation(&u.principal, id).await?;
    Ok(ReconciliationPage {
        layout: Layout::new(
            format!("对账 {} {}", d.r.day, d.r.channel_label),
            u,
            "/orders",
        ),
        ran_at: crate::orders::pages::local(&d.r.created_at, "%Y-%m-%d %H:%M"),
        d,
        notice,
        errors,
    })
}

pub async fn detail(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<ReconciliationPage, PageError> {
    let notice = (q.done == "resolve").then_some("差异已处理。");
    detail_page(&s, &u, &id, notice, vec![]).await
}

#[derive(Deserialize, Default)]
pub struct ResolveForm {
    #[serde(default)]
    note: String,
}

pub async fn resolve(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ResolveForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .orders()
        .resolve_difference(&u.principal, &ctx, &id, &f.note)
        .await
    {
        Ok(rid) => {
            Ok(Redirect::to(&format!("/reconciliations/{rid}?done=resolve")).into_response())
        }
        Err(e) => {
            let (status, errors) = fixable(e)?;
            // Back on the day's page when the difference exists; a bare answer otherwise.
            match s
                .app
                .orders()
                .reconciliation_of_difference(&u.principal, &id)
                .await
            {
                Ok(rid) => {
                    Ok((status, detail_page(&s, &u, &rid, None, errors).await?).into_response())
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}

// ----- API -----

#[derive(Serialize, ToSchema)]
pub struct ReconciliationOut {
    pub id: String,
    pub channel: Channel,
    /// YYYY-MM-DD, China time.
    pub day: String,
    pub platform_payments: i32,
    pub platform_paid_fen: i64,
    pub platform_refunds: i32,
    pub platform_refunded_fen: i64,
    pub channel_payments: i32,
    pub channel_paid_fen: i64,
    pub channel_refunds: i32,
    pub channel_refunded_fen: i64,
    pub differences: i32,
    pub open_differences: i32,
    /// When the day was last reconciled.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<ReconciliationView> for ReconciliationOut {
    fn from(r: ReconciliationView) -> Self {
        ReconciliationOut {
            id: r.id,
            channel: r.channel,
            day: r.day,
            platform_payments: r.platform_payments,
            platform_paid_fen: r.platform_paid.0,
            platform_refunds: r.platform_refunds,
            platform_refunded_fen: r.platform_refunded.0,
            channel_payments: r.channel_payments,
            channel_paid_fen: r.channel_paid.0,
            channel_refunds: r.channel_refunds,
            channel_refunded_fen: r.channel_refunded.0,
            differences: r.differences,
            open_differences: r.open_differences,
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DifferenceOut {
    pub id: String,
    pub kind: DifferenceKind,
    pub movement: Movement,
    /// The platform's number: a payment's `out_trade_no` or a refund's id.
    pub reference: String,
    pub order_id: Option<String>,
    pub order_number: Option<String>,
    /// The amount on each side, in fen (none where the side has nothing).
    pub platform_fen: Option<i64>,
    pub channel_fen: Option<i64>,
    pub resolution: String,
    pub resolved_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<DifferenceView> for DifferenceOut {
    fn from(d: DifferenceView) -> Self {
        DifferenceOut {
            id: d.id,
            kind: d.kind,
            movement: d.movement,
            reference: d.reference,
            order_id: d.order_id,
            order_number: d.order_number,
            platform_fen: d.platform.map(|f| f.0),
            channel_fen: d.channel.map(|f| f.0),
            resolution: d.resolution,
            resolved_at: d.resolved_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReconciliationDetailOut {
    pub reconciliation: ReconciliationOut,
    pub differences: Vec<DifferenceOut>,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// The reconciled days, newest first (operators).
#[utoipa::path(get, path = "/reconciliations", tag = "orders", params(PageQuery),
    responses((status = 200, body = Paged<ReconciliationOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn api_list(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Paged<ReconciliationOut>>, ApiError> {
    let p = s
        .app
        .orders()
        .reconciliations(&who, PageRequest::new(q.page, q.per_page, 30))
        .await?;
    Ok(Json(Paged {
        total: p.total,
        page: p.page,
        per_page: p.per_page,
        items: p.items.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReconcileIn {
    /// YYYY-MM-DD, a day that is over (China time).
    pub day: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReconcileOut {
    /// The background job that reconciles the day.
    pub job_id: String,
}

/// Reconcile a day (again) now: 202 with the job (operators).
#[utoipa::path(post, path = "/reconciliations", tag = "orders", request_body = ReconcileIn,
    responses((status = 202, body = ReconcileOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn api_request(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(b): ApiJson<ReconcileIn>,
) -> Result<(StatusCode, Json<ReconcileOut>), ApiError> {
    let job_id = s
        .app
        .orders()
        .request_reconciliation(&who, &ctx, &b.day)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(ReconcileOut { job_id })))
}

/// One day with its differences (operators).
#[utoipa::path(get, path = "/reconciliations/{id}", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = ReconciliationDetailOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn api_detail(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<ReconciliationDetailOut>, ApiError> {
    let d = s.app.orders().reconciliation(&who, &id).await?;
    Ok(Json(ReconciliationDetailOut {
        reconciliation: d.r.into(),
        differences: d.differences.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveIn {
    /// What was found and done (1–500 characters).
    pub note: String,
}

/// Resolve a difference with a note, once (operators): 200 with the day.
#[utoipa::path(post, path = "/reconciliation-differences/{id}/resolve", tag = "orders", params(("id" = String, Path)), request_body = ResolveIn,
    responses((status = 200, body = ReconciliationDetailOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn api_resolve(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ResolveIn>,
) -> Result<Json<ReconciliationDetailOut>, ApiError> {
    let o = s.app.orders();
    let rid = o.resolve_difference(&who, &ctx, &id, &b.note).await?;
    let d = o.reconciliation(&who, &rid).await?;
    Ok(Json(ReconciliationDetailOut {
        reconciliation: d.r.into(),
        differences: d.differences.into_iter().map(Into::into).collect(),
    }))
}
