//! `/api/v1/orders…`, `/api/v1/classes/{id}/offers|orders|seats/assign`, `/api/v1/refunds…`
//! and the sandbox gateway's notification endpoint `/api/v1/pay/notify/sandbox`.

use crate::AppState;
use crate::http::api::{ApiJson, ApiQuery, Caller};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jineng_app::orders::{
    NoticeView, Offer, OrderDetail, OrderInput, OrderView, PaymentView, RefundInput, RefundView,
    SeatView,
};
use jineng_core::orders::Channel;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct OfferOut {
    pub package_id: String,
    pub version_id: String,
    pub name: String,
    pub provider_name: String,
    /// Price per seat, in fen.
    pub unit_fen: i64,
    pub declared_hours: i32,
    pub level_label: String,
}

impl From<Offer> for OfferOut {
    fn from(o: Offer) -> Self {
        OfferOut {
            package_id: o.package_id,
            version_id: o.version_id,
            name: o.name,
            provider_name: o.provider_name,
            unit_fen: o.unit.0,
            declared_hours: o.declared_hours,
            level_label: o.level_label.into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrderOut {
    pub id: String,
    /// The order number people quote (JN + date + ten digits).
    pub number: String,
    pub org_id: String,
    pub buyer_name: String,
    pub provider_org_id: String,
    pub provider_name: String,
    pub class_id: String,
    pub class_name: String,
    pub package_id: String,
    pub course_name: String,
    pub quantity: i32,
    pub unit_fen: i64,
    pub total_fen: i64,
    pub reason: String,
    /// `unpaid`, `paid`, `refunded` (every seat) or `closed`.
    pub status: String,
    pub status_label: String,
    pub paid_fen: i64,
    pub refunded_fen: i64,
    pub refunded_seats: i32,
    pub seats_free: i64,
    pub seats_assigned: i64,
    pub seats_refunding: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub paid_at: Option<chrono::DateTime<chrono::Utc>>,
    pub refundable_until: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<OrderView> for OrderOut {
    fn from(o: OrderView) -> Self {
        OrderOut {
            id: o.id,
            number: o.number,
            org_id: o.org_id,
            buyer_name: o.buyer_name,
            provider_org_id: o.provider_org_id,
            provider_name: o.provider_name,
            class_id: o.class_id,
            class_name: o.class_name,
            package_id: o.package_id,
            course_name: o.course_name,
            quantity: o.quantity,
            unit_fen: o.unit.0,
            total_fen: o.total.0,
            reason: o.reason,
            status: o.status.code().into(),
            status_label: o.status_label.into(),
            paid_fen: o.paid.0,
            refunded_fen: o.refunded.0,
            refunded_seats: o.refunded_seats,
            seats_free: o.seats_free,
            seats_assigned: o.seats_assigned,
            seats_refunding: o.seats_refunding,
            created_at: o.created_at,
            paid_at: o.paid_at,
            refundable_until: o.refundable_until,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrderPaymentOut {
    pub id: String,
    pub channel: String,
    pub amount_fen: i64,
    /// `pending`, `succeeded` or `closed`.
    pub status: String,
    pub channel_trade_no: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub paid_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Where the payment entered the evidence log.
    pub ledger_idx: Option<i64>,
}

impl From<PaymentView> for OrderPaymentOut {
    fn from(p: PaymentView) -> Self {
        OrderPaymentOut {
            id: p.id,
            channel: p.channel.code().into(),
            amount_fen: p.amount.0,
            status: p.status.code().into(),
            channel_trade_no: p.channel_trade_no,
            created_at: p.created_at,
            paid_at: p.paid_at,
            ledger_idx: p.ledger_idx,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RefundOut {
    pub id: String,
    pub order_id: String,
    pub order_number: String,
    pub buyer_name: String,
    pub course_name: String,
    pub seats: i32,
    /// Decided: what went back; requested: what it would give back today.
    pub amount_fen: i64,
    pub reason: String,
    /// `requested`, `succeeded` or `rejected`.
    pub status: String,
    pub status_label: String,
    pub decision_note: String,
    pub channel_refund_no: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<RefundView> for RefundOut {
    fn from(r: RefundView) -> Self {
        RefundOut {
            id: r.id,
            order_id: r.order_id,
            order_number: r.order_number,
            buyer_name: r.buyer_name,
            course_name: r.course_name,
            seats: r.seats,
            amount_fen: r.amount.0,
            reason: r.reason,
            status: r.status.code().into(),
            status_label: r.status_label.into(),
            decision_note: r.decision_note,
            channel_refund_no: r.channel_refund_no,
            created_at: r.created_at,
            decided_at: r.decided_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SeatOut {
    pub position: i32,
    /// `free`, `assigned`, `refunding` or `refunded`.
    pub status: String,
    pub learner_name: String,
}

impl From<SeatView> for SeatOut {
    fn from(s: SeatView) -> Self {
        SeatOut {
            position: s.position,
            status: s.status.code().into(),
            learner_name: s.learner_name,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PaymentNoticeOut {
    pub notify_id: String,
    /// `applied`, `duplicate`, `forged`, `mismatch` or `ignored`.
    pub outcome: String,
    pub detail: String,
    pub received_at: chrono::DateTime<chrono::Utc>,
}

impl From<NoticeView> for PaymentNoticeOut {
    fn from(n: NoticeView) -> Self {
        PaymentNoticeOut {
            notify_id: n.notify_id,
            outcome: n.outcome.code().into(),
            detail: n.detail,
            received_at: n.received_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrderDetailOut {
    pub order: OrderOut,
    pub payments: Vec<OrderPaymentOut>,
    pub refunds: Vec<RefundOut>,
    pub seats: Vec<SeatOut>,
    /// Notifications received (for those who settle orders; empty otherwise).
    pub notices: Vec<PaymentNoticeOut>,
}

impl From<OrderDetail> for OrderDetailOut {
    fn from(d: OrderDetail) -> Self {
        OrderDetailOut {
            order: d.order.into(),
            payments: d.payments.into_iter().map(Into::into).collect(),
            refunds: d.refunds.into_iter().map(Into::into).collect(),
            seats: d.seats.into_iter().map(Into::into).collect(),
            notices: d.notices.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderIn {
    pub package_id: String,
    /// Left out: as many seats as the class has learners.
    #[serde(default)]
    pub quantity: Option<i64>,
    /// Needed when the quantity differs from the class's learners.
    #[serde(default)]
    pub reason: String,
    /// The same key twice creates one order; the `Idempotency-Key` header may carry it
    /// instead.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

#[utoipa::path(get, path = "/classes/{id}/offers", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = Vec<OfferOut>), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn offers(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<OfferOut>>, ApiError> {
    Ok(Json(
        s.app
            .orders()
            .offers(&who, &id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Order seats of an offered course for a filed class (the buyer's staff).
#[utoipa::path(post, path = "/classes/{id}/orders", tag = "orders", params(("id" = String, Path)), request_body = OrderIn,
    responses((status = 201, body = OrderOut), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<OrderIn>,
) -> Result<(StatusCode, Json<OrderOut>), ApiError> {
    let key = b
        .idempotency_key
        .or_else(|| {
            headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_default();
    let o = s
        .app
        .orders()
        .create(
            &who,
            &ctx,
            &id,
            OrderInput {
                package_id: b.package_id,
                quantity: b.quantity,
                reason: b.reason,
                idempotency_key: key,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(o.into())))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrdersQuery {
    /// Only this class's orders.
    #[serde(default)]
    pub class_id: Option<String>,
}

#[utoipa::path(get, path = "/orders", tag = "orders", params(OrdersQuery),
    responses((status = 200, body = Vec<OrderOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<OrdersQuery>,
) -> Result<Json<Vec<OrderOut>>, ApiError> {
    Ok(Json(
        s.app
            .orders()
            .list(&who, q.class_id.as_deref())
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(get, path = "/orders/{id}", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = OrderDetailOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<OrderDetailOut>, ApiError> {
    Ok(Json(s.app.orders().get(&who, &id).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct PayOut {
    pub payment_id: String,
    /// The channel's page where the payer pays (relative to this server for the sandbox).
    pub pay_url: String,
}

/// Start paying an unpaid order; the payer goes to `pay_url`.
#[utoipa::path(post, path = "/orders/{id}/pay", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = PayOut), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn pay(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<PayOut>, ApiError> {
    let p = s.app.orders().pay(&who, &ctx, &id).await?;
    Ok(Json(PayOut {
        payment_id: p.payment_id,
        pay_url: p.pay_url,
    }))
}

#[utoipa::path(post, path = "/orders/{id}/close", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = OrderOut), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn close(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<OrderOut>, ApiError> {
    Ok(Json(s.app.orders().close(&who, &ctx, &id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundIn {
    /// Unused (unassigned) seats to refund.
    pub seats: i64,
    pub reason: String,
}

/// Ask to refund unused seats of a paid order; the operator decides.
#[utoipa::path(post, path = "/orders/{id}/refunds", tag = "orders", params(("id" = String, Path)), request_body = RefundIn,
    responses((status = 201, body = RefundOut), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn request_refund(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RefundIn>,
) -> Result<(StatusCode, Json<RefundOut>), ApiError> {
    let r = s
        .app
        .orders()
        .request_refund(
            &who,
            &ctx,
            &id,
            RefundInput {
                seats: b.seats,
                reason: b.reason,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// Refund requests waiting for a decision (operators).
#[utoipa::path(get, path = "/refunds", tag = "orders",
    responses((status = 200, body = Vec<RefundOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn pending_refunds(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<RefundOut>>, ApiError> {
    Ok(Json(
        s.app
            .orders()
            .pending_refunds(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundDecisionIn {
    pub approve: bool,
    /// Required to reject.
    #[serde(default)]
    pub note: String,
}

/// Approve (the money goes back through the channel) or reject a refund request.
#[utoipa::path(post, path = "/refunds/{id}/decision", tag = "orders", params(("id" = String, Path)), request_body = RefundDecisionIn,
    responses((status = 200, body = RefundOut), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn decide_refund(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RefundDecisionIn>,
) -> Result<Json<RefundOut>, ApiError> {
    Ok(Json(
        s.app
            .orders()
            .decide_refund(&who, &ctx, &id, b.approve, &b.note)
            .await?
            .into(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct SeatsAssignedOut {
    pub assigned: u64,
}

/// Give the class's free seats to its learners who have none (late enrolments).
#[utoipa::path(post, path = "/classes/{id}/seats/assign", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = SeatsAssignedOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn assign_seats(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<SeatsAssignedOut>, ApiError> {
    let assigned = s.app.orders().assign_seats(&who, &ctx, &id).await?;
    Ok(Json(SeatsAssignedOut { assigned }))
}

/// The sandbox gateway's payment notification (a signed form post). Answers `success`
/// once the notification is verified and recorded (or was already), `fail` otherwise,
/// as the gateways expect; nothing else is revealed.
#[utoipa::path(post, path = "/pay/notify/sandbox", tag = "orders",
    request_body(content = String, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = String, content_type = "text/plain")))]
pub async fn notify_sandbox(State(s): State<AppState>, body: Bytes) -> Response {
    let body = String::from_utf8_lossy(&body);
    let answer = match s.app.orders().receive_notice(Channel::Sandbox, &body).await {
        Ok((_, a)) => a,
        Err(e) => {
            tracing::error!(error = %e, "payment notification not recorded");
            "fail"
        }
    };
    let mut res = answer.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

#[derive(Serialize, ToSchema)]
pub struct InvoiceOut {
    pub id: String,
    pub order_id: String,
    pub order_number: String,
    pub buyer_name: String,
    pub provider_name: String,
    /// `ordinary` or `special`.
    pub kind: String,
    pub title: String,
    pub tax_id: String,
    pub address_phone: String,
    pub bank_account: String,
    pub amount_fen: i64,
    /// `requested`, `rejected`, `issued`, `red_pending` or `reversed`.
    pub status: String,
    pub status_label: String,
    /// Why the seller returned it.
    pub reason: String,
    pub number: Option<String>,
    pub issued_on: Option<String>,
    /// The e-invoice PDF is at `/invoices/{id}/file`.
    pub has_file: bool,
    pub red_number: Option<String>,
    /// The red-letter invoice is at `/invoices/{id}/red-file`.
    pub has_red_file: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub issued_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<jineng_app::orders::invoices::InvoiceView> for InvoiceOut {
    fn from(i: jineng_app::orders::invoices::InvoiceView) -> Self {
        InvoiceOut {
            id: i.id,
            order_id: i.order_id,
            order_number: i.order_number,
            buyer_name: i.buyer_name,
            provider_name: i.provider_name,
            kind: i.kind.code().into(),
            title: i.title,
            tax_id: i.tax_id,
            address_phone: i.address_phone,
            bank_account: i.bank_account,
            amount_fen: i.amount.0,
            status: i.status.code().into(),
            status_label: i.status_label.into(),
            reason: i.reason,
            number: i.number,
            issued_on: i.issued_on,
            has_file: i.has_file,
            red_number: i.red_number,
            has_red_file: i.has_red_file,
            created_at: i.created_at,
            issued_at: i.issued_at,
        }
    }
}

#[utoipa::path(get, path = "/invoices", tag = "orders",
    responses((status = 200, body = Vec<InvoiceOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn invoices(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<InvoiceOut>>, ApiError> {
    Ok(Json(
        s.app
            .orders()
            .invoices(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceIn {
    /// `ordinary` (增值税普通发票) or `special` (增值税专用发票).
    pub kind: String,
    pub title: String,
    /// The buyer's 18-character unified social credit code.
    pub tax_id: String,
    /// Required for a special invoice.
    #[serde(default)]
    pub address_phone: String,
    /// Required for a special invoice.
    #[serde(default)]
    pub bank_account: String,
}

/// Ask for an invoice of a paid order (what was paid less what was refunded).
#[utoipa::path(post, path = "/orders/{id}/invoices", tag = "orders", params(("id" = String, Path)), request_body = InvoiceIn,
    responses((status = 201, body = InvoiceOut), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn request_invoice(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<InvoiceIn>,
) -> Result<(StatusCode, Json<InvoiceOut>), ApiError> {
    let i = s
        .app
        .orders()
        .request_invoice(
            &who,
            &ctx,
            &id,
            jineng_app::orders::invoices::InvoiceInput {
                kind: b.kind,
                title: b.title,
                tax_id: b.tax_id,
                address_phone: b.address_phone,
                bank_account: b.bank_account,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(i.into())))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
pub struct IssueQuery {
    /// The invoice number (8–20 digits).
    pub number: String,
    /// YYYY-MM-DD; not for the red-letter invoice.
    #[serde(default)]
    pub issued_on: String,
}

/// The seller issues a requested invoice: the body is the e-invoice PDF.
#[utoipa::path(post, path = "/invoices/{id}/issue", tag = "orders", params(("id" = String, Path), IssueQuery),
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 200, body = InvoiceOut), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn issue_invoice(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<IssueQuery>,
    body: Bytes,
) -> Result<Json<InvoiceOut>, ApiError> {
    Ok(Json(
        s.app
            .orders()
            .issue_invoice(
                &who,
                &ctx,
                &id,
                &q.number,
                &q.issued_on,
                "invoice.pdf",
                body.to_vec(),
            )
            .await?
            .into(),
    ))
}

/// The seller uploads the red-letter invoice of an invoice whose order was refunded.
#[utoipa::path(post, path = "/invoices/{id}/reverse", tag = "orders", params(("id" = String, Path), IssueQuery),
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 200, body = InvoiceOut), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn reverse_invoice(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<IssueQuery>,
    body: Bytes,
) -> Result<Json<InvoiceOut>, ApiError> {
    Ok(Json(
        s.app
            .orders()
            .reverse_invoice(&who, &ctx, &id, &q.number, "red-invoice.pdf", body.to_vec())
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceRejectIn {
    pub reason: String,
}

/// The seller returns a request it cannot issue, with the reason.
#[utoipa::path(post, path = "/invoices/{id}/reject", tag = "orders", params(("id" = String, Path)), request_body = InvoiceRejectIn,
    responses((status = 200, body = InvoiceOut), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn reject_invoice(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<InvoiceRejectIn>,
) -> Result<Json<InvoiceOut>, ApiError> {
    Ok(Json(
        s.app
            .orders()
            .reject_invoice(&who, &ctx, &id, &b.reason)
            .await?
            .into(),
    ))
}

/// The e-invoice PDF.
#[utoipa::path(get, path = "/invoices/{id}/file", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn invoice_file(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (name, bytes) = s.app.orders().invoice_file(&who, &id, false).await?;
    Ok(crate::http::files::document_response(
        "application/pdf",
        &name,
        bytes,
    ))
}

/// The red-letter invoice PDF.
#[utoipa::path(get, path = "/invoices/{id}/red-file", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn invoice_red_file(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (name, bytes) = s.app.orders().invoice_file(&who, &id, true).await?;
    Ok(crate::http::files::document_response(
        "application/pdf",
        &name,
        bytes,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct SettlementOut {
    pub id: String,
    pub provider_org_id: String,
    pub provider_name: String,
    /// YYYY-MM.
    pub period: String,
    pub orders: i32,
    pub sales_fen: i64,
    pub refunds_fen: i64,
    /// Basis points (1000 = 10%).
    pub fee_rate_bp: i32,
    pub fee_fen: i64,
    /// sales − refunds − fee.
    pub due_fen: i64,
    /// `issued`, `confirmed`, `disputed` or `paid`.
    pub status: String,
    pub status_label: String,
    pub dispute_reason: String,
    pub payout_ref: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub paid_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<jineng_app::orders::settlements::SettlementView> for SettlementOut {
    fn from(s: jineng_app::orders::settlements::SettlementView) -> Self {
        SettlementOut {
            id: s.id,
            provider_org_id: s.provider_org_id,
            provider_name: s.provider_name,
            period: s.period,
            orders: s.orders,
            sales_fen: s.sales.0,
            refunds_fen: s.refunds.0,
            fee_rate_bp: s.fee_rate_bp,
            fee_fen: s.fee.0,
            due_fen: s.due.0,
            status: s.status.code().into(),
            status_label: s.status_label.into(),
            dispute_reason: s.dispute_reason,
            payout_ref: s.payout_ref,
            created_at: s.created_at,
            confirmed_at: s.confirmed_at,
            paid_at: s.paid_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SettlementLineOut {
    pub order_id: String,
    pub order_number: String,
    pub buyer_name: String,
    pub course_name: String,
    pub sales_fen: i64,
    pub refunds_fen: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SettlementDetailOut {
    pub settlement: SettlementOut,
    pub lines: Vec<SettlementLineOut>,
}

#[utoipa::path(get, path = "/settlements", tag = "orders",
    responses((status = 200, body = Vec<SettlementOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn settlements(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<SettlementOut>>, ApiError> {
    Ok(Json(
        s.app
            .orders()
            .settlements(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettlementIn {
    pub provider_org_id: String,
    /// YYYY-MM, a month that has ended.
    pub period: String,
    /// The agreed service fee, 0–5000 basis points.
    pub fee_rate_bp: i64,
}

/// Draw up a provider's statement for a month (operators).
#[utoipa::path(post, path = "/settlements", tag = "orders", request_body = SettlementIn,
    responses((status = 201, body = SettlementOut), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn draw_settlement(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(b): ApiJson<SettlementIn>,
) -> Result<(StatusCode, Json<SettlementOut>), ApiError> {
    let v = s
        .app
        .orders()
        .draw_settlement(&who, &ctx, &b.provider_org_id, &b.period, b.fee_rate_bp)
        .await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

#[utoipa::path(get, path = "/settlements/{id}", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = SettlementDetailOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn settlement(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<SettlementDetailOut>, ApiError> {
    let d = s.app.orders().settlement(&who, &id).await?;
    Ok(Json(SettlementDetailOut {
        settlement: d.s.into(),
        lines: d
            .lines
            .into_iter()
            .map(|l| SettlementLineOut {
                order_id: l.order_id,
                order_number: l.order_number,
                buyer_name: l.buyer_name,
                course_name: l.course_name,
                sales_fen: l.sales.0,
                refunds_fen: l.refunds.0,
            })
            .collect(),
    }))
}

/// The provider confirms its statement.
#[utoipa::path(post, path = "/settlements/{id}/confirm", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = SettlementOut), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn confirm_settlement(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<SettlementOut>, ApiError> {
    Ok(Json(
        s.app
            .orders()
            .confirm_settlement(&who, &ctx, &id)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettlementDisputeIn {
    pub reason: String,
}

/// The provider disputes its statement.
#[utoipa::path(post, path = "/settlements/{id}/dispute", tag = "orders", params(("id" = String, Path)), request_body = SettlementDisputeIn,
    responses((status = 200, body = SettlementOut), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn dispute_settlement(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SettlementDisputeIn>,
) -> Result<Json<SettlementOut>, ApiError> {
    Ok(Json(
        s.app
            .orders()
            .dispute_settlement(&who, &ctx, &id, &b.reason)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettlementRedrawIn {
    pub fee_rate_bp: i64,
}

/// The operator draws a disputed statement up again.
#[utoipa::path(post, path = "/settlements/{id}/redraw", tag = "orders", params(("id" = String, Path)), request_body = SettlementRedrawIn,
    responses((status = 200, body = SettlementOut), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn redraw_settlement(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SettlementRedrawIn>,
) -> Result<Json<SettlementOut>, ApiError> {
    Ok(Json(
        s.app
            .orders()
            .redraw_settlement(&who, &ctx, &id, b.fee_rate_bp)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayoutIn {
    /// The bank's reference of the transfer.
    pub reference: String,
}

/// The operator records the payout of a confirmed statement.
#[utoipa::path(post, path = "/settlements/{id}/payout", tag = "orders", params(("id" = String, Path)), request_body = PayoutIn,
    responses((status = 200, body = SettlementOut), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn payout_settlement(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PayoutIn>,
) -> Result<Json<SettlementOut>, ApiError> {
    Ok(Json(
        s.app
            .orders()
            .record_payout(&who, &ctx, &id, &b.reference)
            .await?
            .into(),
    ))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRulesBody {
    /// Days after payment during which unused seats may be refunded (0–365; 0: none).
    pub refund_days: i64,
}

/// The order rules in force (anyone signed in: buyers read the refund period).
#[utoipa::path(get, path = "/order-settings", tag = "orders",
    responses((status = 200, body = OrderRulesBody), (status = 401, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn order_rules(
    State(s): State<AppState>,
    Caller(_who): Caller,
) -> Result<Json<OrderRulesBody>, ApiError> {
    let r = s.app.orders().rules().await?;
    Ok(Json(OrderRulesBody {
        refund_days: r.refund_days,
    }))
}

/// Set the order rules (operators); a new refund period applies to every paid order
/// from now on.
#[utoipa::path(put, path = "/order-settings", tag = "orders", request_body = OrderRulesBody,
    responses((status = 200, body = OrderRulesBody), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn set_order_rules(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(b): ApiJson<OrderRulesBody>,
) -> Result<Json<OrderRulesBody>, ApiError> {
    let r = s
        .app
        .orders()
        .set_rules(
            &who,
            &ctx,
            jineng_core::orders::OrderRules {
                refund_days: b.refund_days,
            },
        )
        .await?;
    Ok(Json(OrderRulesBody {
        refund_days: r.refund_days,
    }))
}
