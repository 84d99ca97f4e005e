//! 课程订单 pages: a class's 课程订购 (the courses it may buy, the order form, its
//! orders, 分配席位), the order list with its Excel export and the refunds waiting for
//! the operator, an order's page (pay, close, refund, decide), and the sandbox gateway's
//! cashier. A refusal answers the same page with the reasons.

use crate::AppState;
use crate::http::error::{PageError, fixable};
use crate::http::export::xlsx_response;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use jineng_app::AppError;
use jineng_app::orders::invoices::{InvoiceInput, InvoiceView};
use jineng_app::orders::sandbox::CashierView;
use jineng_app::orders::settlements::{SettlementDetail, SettlementView};
use jineng_app::orders::{Offer, OrderDetail, OrderInput, OrderView, RefundInput, RefundView};
use jineng_core::accounts::Permission;
use serde::Deserialize;

/// A time in China (UTC+8), as the pages show it.
pub fn local(t: &chrono::DateTime<chrono::Utc>, fmt: &str) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format(fmt)
        .to_string()
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn done_notice(done: &str) -> Option<String> {
    Some(
        match done {
            "created" => "订单已创建，请支付。",
            "paying" => "已在支付渠道付款。支付结果以渠道的通知为准，通常几秒内到账；未到账时刷新本页会向渠道查询。",
            "closed" => "订单已关闭。",
            "refund" => "退款申请已提交，等待运营人员审核；申请中的席位不能分配。",
            "approved" => "退款已通过，款项已按原支付渠道退回。",
            "rejected" => "退款申请已驳回，席位恢复为未分配。",
            "invoice" => "发票申请已提交，由课程提供方开具。",
            "issued" => "发票已开具，购买机构可在订单页下载。",
            "invoice-rejected" => "发票申请已退回，购买机构可修改后重新申请。",
            "reversed" => "红字发票已开具，原发票已冲销；购买机构可按新金额重新申请发票。",
            n if n.starts_with("assigned-") => {
                return Some(format!(
                    "已为{}名学员分配席位。",
                    n.trim_start_matches("assigned-")
                ));
            }
            _ => return None,
        }
        .to_string(),
    )
}

// ----- the order list -----

#[derive(Template, WebTemplate)]
#[template(path = "orders/list.html")]
pub struct ListPage {
    layout: Layout,
    orders: Vec<OrderView>,
    refunds: Vec<RefundView>,
    settles: bool,
    /// A provider's staff: their settlement statements.
    may_see_settlements: bool,
    rules: jineng_core::orders::OrderRules,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

async fn list_page(
    s: &AppState,
    u: &PageUser,
    notice: Option<&'static str>,
    errors: Vec<String>,
) -> Result<ListPage, PageError> {
    let orders = s.app.orders().list(&u.principal, None).await?;
    let settles = u.principal.can(Permission::SettleOrders);
    let refunds = if settles {
        s.app.orders().pending_refunds(&u.principal).await?
    } else {
        vec![]
    };
    Ok(ListPage {
        layout: Layout::new("课程订单", u, "/orders"),
        orders,
        refunds,
        settles,
        may_see_settlements: u.principal.can(Permission::ManageCourses)
            && !u.principal.org_ids().is_empty(),
        rules: s.app.orders().rules().await?,
        notice,
        errors,
    })
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<DoneQuery>,
) -> Result<ListPage, PageError> {
    let notice = (q.done == "rules").then_some("订单规则已保存。");
    list_page(&s, &u, notice, vec![]).await
}

#[derive(Deserialize, Default)]
pub struct RulesForm {
    #[serde(default)]
    refund_days: String,
}

/// Operators save the order rules (the refund period).
pub async fn save_rules(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<RulesForm>,
) -> Result<Response, PageError> {
    let rules = jineng_core::orders::OrderRules {
        // Not a whole number: out of every bound, so the check names the field.
        refund_days: f.refund_days.trim().parse().unwrap_or(-1),
    };
    match s.app.orders().set_rules(&u.principal, &ctx, rules).await {
        Ok(_) => Ok(Redirect::to("/orders?done=rules").into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, list_page(&s, &u, None, errors).await?).into_response())
        }
    }
}

pub async fn export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
) -> Result<Response, PageError> {
    let bytes = s.app.orders().export(&u.principal, &ctx).await?;
    Ok(xlsx_response(bytes, "orders.xlsx"))
}

// ----- a class's 课程订购 -----

#[derive(Template, WebTemplate)]
#[template(path = "orders/class.html")]
pub struct ClassPage {
    layout: Layout,
    class_id: String,
    class_name: String,
    learners: i32,
    may_buy: bool,
    offers: Vec<Offer>,
    orders: Vec<OrderView>,
    form: OrderForm,
    /// A fresh idempotency key for the form (a double submit creates one order).
    key: String,
    notice: Option<String>,
    errors: Vec<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct OrderForm {
    #[serde(default)]
    package_id: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    idempotency_key: String,
}

async fn class_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    form: OrderForm,
    notice: Option<String>,
    mut errors: Vec<String>,
) -> Result<ClassPage, PageError> {
    let (c, _) = s.app.classes().get(&u.principal, id).await?;
    // A class that may not buy (not yet filed, say) shows why instead of the form.
    let (offers, may_buy) = match s.app.orders().offers(&u.principal, id).await {
        Ok(o) => (o, true),
        Err(AppError::Conflict(m)) => {
            errors.push(m);
            (vec![], false)
        }
        Err(e) => return Err(e.into()),
    };
    let orders = s.app.orders().list(&u.principal, Some(id)).await?;
    let key = if form.idempotency_key.is_empty() {
        uuid::Uuid::new_v4().to_string()
    } else {
        form.idempotency_key.clone()
    };
    Ok(ClassPage {
        layout: Layout::new("课程订购", u, "/orders"),
        class_id: c.id.clone(),
        class_name: c.name.clone(),
        learners: c.enrolled,
        may_buy,
        offers,
        orders,
        form,
        key,
        notice,
        errors,
    })
}

pub async fn class(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<ClassPage, PageError> {
    class_page(
        &s,
        &u,
        &id,
        OrderForm::default(),
        done_notice(&q.done),
        vec![],
    )
    .await
}

pub async fn create(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<OrderForm>,
) -> Result<Response, PageError> {
    let quantity = match f.quantity.trim() {
        "" => None,
        q => match q.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let errors = vec!["购买数量应为整数".to_string()];
                return Ok((
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    class_page(&s, &u, &id, f, None, errors).await?,
                )
                    .into_response());
            }
        },
    };
    match s
        .app
        .orders()
        .create(
            &u.principal,
            &ctx,
            &id,
            OrderInput {
                package_id: f.package_id.clone(),
                quantity,
                reason: f.reason.clone(),
                idempotency_key: f.idempotency_key.clone(),
            },
        )
        .await
    {
        Ok(o) => Ok(Redirect::to(&format!("/orders/{}?done=created", o.id)).into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, class_page(&s, &u, &id, f, None, errors).await?).into_response())
        }
    }
}

pub async fn assign(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    match s.app.orders().assign_seats(&u.principal, &ctx, &id).await {
        Ok(n) => {
            Ok(Redirect::to(&format!("/classes/{id}/orders?done=assigned-{n}")).into_response())
        }
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((
                status,
                class_page(&s, &u, &id, OrderForm::default(), None, errors).await?,
            )
                .into_response())
        }
    }
}

// ----- an order -----

#[derive(Template, WebTemplate)]
#[template(path = "orders/detail.html")]
pub struct DetailPage {
    layout: Layout,
    d: OrderDetail,
    notice: Option<String>,
    errors: Vec<String>,
}

async fn detail_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<DetailPage, PageError> {
    let d = s.app.orders().get(&u.principal, id).await?;
    Ok(DetailPage {
        layout: Layout::new(format!("订单 {}", d.order.number), u, "/orders"),
        d,
        notice,
        errors,
    })
}

pub async fn detail(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<DetailPage, PageError> {
    detail_page(&s, &u, &id, done_notice(&q.done), vec![]).await
}

async fn refused(s: &AppState, u: &PageUser, id: &str, e: AppError) -> Result<Response, PageError> {
    let (status, lines) = fixable(e)?;
    Ok((status, detail_page(s, u, id, None, lines).await?).into_response())
}

pub async fn pay(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    match s.app.orders().pay(&u.principal, &ctx, &id).await {
        Ok(p) => Ok(Redirect::to(&p.pay_url).into_response()),
        Err(e) => refused(&s, &u, &id, e).await,
    }
}

pub async fn close(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    match s.app.orders().close(&u.principal, &ctx, &id).await {
        Ok(_) => Ok(Redirect::to(&format!("/orders/{id}?done=closed")).into_response()),
        Err(e) => refused(&s, &u, &id, e).await,
    }
}

#[derive(Deserialize, Default)]
pub struct RefundForm {
    #[serde(default)]
    seats: String,
    #[serde(default)]
    reason: String,
}

pub async fn request_refund(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<RefundForm>,
) -> Result<Response, PageError> {
    let Ok(seats) = f.seats.trim().parse::<i64>() else {
        return refused(
            &s,
            &u,
            &id,
            AppError::field("seats", "退款席位数应为正整数"),
        )
        .await;
    };
    match s
        .app
        .orders()
        .request_refund(
            &u.principal,
            &ctx,
            &id,
            RefundInput {
                seats,
                reason: f.reason,
            },
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/orders/{id}?done=refund")).into_response()),
        Err(e) => refused(&s, &u, &id, e).await,
    }
}

#[derive(Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    note: String,
    /// The order page the decision was made on (to come back to).
    #[serde(default)]
    order_id: String,
}

async fn decide(
    s: AppState,
    ctx: jineng_app::RequestCtx,
    u: PageUser,
    id: String,
    f: DecisionForm,
    approve: bool,
) -> Result<Response, PageError> {
    match s
        .app
        .orders()
        .decide_refund(&u.principal, &ctx, &id, approve, &f.note)
        .await
    {
        Ok(r) => Ok(Redirect::to(&format!(
            "/orders/{}?done={}",
            r.order_id,
            if approve { "approved" } else { "rejected" }
        ))
        .into_response()),
        Err(e) if !f.order_id.is_empty() && !matches!(e, AppError::Forbidden) => {
            refused(&s, &u, &f.order_id, e).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn approve_refund(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    decide(s, ctx, u, id, f, true).await
}

pub async fn reject_refund(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    decide(s, ctx, u, id, f, false).await
}

// ----- the sandbox cashier -----

#[derive(Template, WebTemplate)]
#[template(path = "orders/cashier.html")]
pub struct CashierPage {
    layout: Layout,
    t: CashierView,
    errors: Vec<String>,
}

pub async fn cashier(
    State(s): State<AppState>,
    u: PageUser,
    Path(trade_no): Path<String>,
) -> Result<CashierPage, PageError> {
    let t = s.app.sandbox().cashier(&u.principal, &trade_no).await?;
    Ok(CashierPage {
        layout: Layout::new("沙箱收银台", &u, "/orders"),
        t,
        errors: vec![],
    })
}

pub async fn cashier_pay(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(trade_no): Path<String>,
) -> Result<Response, PageError> {
    match s.app.sandbox().confirm(&u.principal, &ctx, &trade_no).await {
        Ok(order_id) => {
            Ok(Redirect::to(&format!("/orders/{order_id}?done=paying")).into_response())
        }
        Err(e) => {
            let (status, errors) = fixable(e)?;
            let t = s.app.sandbox().cashier(&u.principal, &trade_no).await?;
            Ok((
                status,
                CashierPage {
                    layout: Layout::new("沙箱收银台", &u, "/orders"),
                    t,
                    errors,
                },
            )
                .into_response())
        }
    }
}

// ----- invoices -----

#[derive(Template, WebTemplate)]
#[template(path = "orders/invoices.html")]
pub struct InvoicesPage {
    layout: Layout,
    invoices: Vec<InvoiceView>,
}

pub async fn invoices(State(s): State<AppState>, u: PageUser) -> Result<InvoicesPage, PageError> {
    Ok(InvoicesPage {
        layout: Layout::new("发票", &u, "/invoices"),
        invoices: s.app.orders().invoices(&u.principal).await?,
    })
}

#[derive(Deserialize, Default)]
pub struct InvoiceForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    tax_id: String,
    #[serde(default)]
    address_phone: String,
    #[serde(default)]
    bank_account: String,
}

pub async fn request_invoice(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<InvoiceForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .orders()
        .request_invoice(
            &u.principal,
            &ctx,
            &id,
            InvoiceInput {
                kind: f.kind,
                title: f.title,
                tax_id: f.tax_id,
                address_phone: f.address_phone,
                bank_account: f.bank_account,
            },
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/orders/{id}?done=invoice")).into_response()),
        Err(e) => refused(&s, &u, &id, e).await,
    }
}

/// The text fields and the `file` of a multipart form; `Err` with the reason in words.
async fn invoice_upload(
    mp: Result<Multipart, MultipartRejection>,
) -> Result<(std::collections::HashMap<String, String>, String, Vec<u8>), AppError> {
    let bad = || {
        AppError::field(
            "file",
            "上传未完成或文件超过10MB，请重新选择电子发票文件（PDF）",
        )
    };
    let mut mp = mp.map_err(|_| bad())?;
    let mut fields = std::collections::HashMap::new();
    let (mut name, mut bytes) = (String::new(), Vec::new());
    while let Some(f) = mp.next_field().await.map_err(|_| bad())? {
        let field = f.name().unwrap_or("").to_string();
        if field == "file" {
            name = f.file_name().unwrap_or("").to_string();
            bytes = f.bytes().await.map_err(|_| bad())?.to_vec();
        } else if ["number", "issued_on", "order_id", "_csrf"].contains(&field.as_str()) {
            let v = f.text().await.map_err(|_| bad())?;
            fields.insert(field, v.chars().take(200).collect());
        }
    }
    Ok((fields, name, bytes))
}

async fn invoice_refused(
    s: &AppState,
    u: &PageUser,
    fields: &std::collections::HashMap<String, String>,
    e: AppError,
) -> Result<Response, PageError> {
    match fields.get("order_id") {
        Some(o) if !o.is_empty() && !matches!(e, AppError::Forbidden | AppError::NotFound(_)) => {
            refused(s, u, o, e).await
        }
        _ => Err(e.into()),
    }
}

pub async fn issue_invoice(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let (fields, name, bytes) = match invoice_upload(mp).await {
        Ok(x) => x,
        Err(e) => return Err(e.into()),
    };
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    match s
        .app
        .orders()
        .issue_invoice(
            &u.principal,
            &ctx,
            &id,
            &get("number"),
            &get("issued_on"),
            &name,
            bytes,
        )
        .await
    {
        Ok(i) => Ok(Redirect::to(&format!("/orders/{}?done=issued", i.order_id)).into_response()),
        Err(e) => invoice_refused(&s, &u, &fields, e).await,
    }
}

pub async fn reverse_invoice(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let (fields, name, bytes) = match invoice_upload(mp).await {
        Ok(x) => x,
        Err(e) => return Err(e.into()),
    };
    let number = fields.get("number").cloned().unwrap_or_default();
    match s
        .app
        .orders()
        .reverse_invoice(&u.principal, &ctx, &id, &number, &name, bytes)
        .await
    {
        Ok(i) => Ok(Redirect::to(&format!("/orders/{}?done=reversed", i.order_id)).into_response()),
        Err(e) => invoice_refused(&s, &u, &fields, e).await,
    }
}

#[derive(Deserialize, Default)]
pub struct RejectInvoiceForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    order_id: String,
}

pub async fn reject_invoice(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<RejectInvoiceForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .orders()
        .reject_invoice(&u.principal, &ctx, &id, &f.reason)
        .await
    {
        Ok(i) => Ok(
            Redirect::to(&format!("/orders/{}?done=invoice-rejected", i.order_id)).into_response(),
        ),
        Err(e) => {
            let fields = std::collections::HashMap::from([("order_id".to_string(), f.order_id)]);
            invoice_refused(&s, &u, &fields, e).await
        }
    }
}

pub async fn invoice_file(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (name, bytes) = s
        .app
        .orders()
        .invoice_file(&u.principal, &id, false)
        .await?;
    Ok(crate::http::files::document_response(
        "application/pdf",
        &name,
        bytes,
    ))
}

pub async fn invoice_red_file(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (name, bytes) = s.app.orders().invoice_file(&u.principal, &id, true).await?;
    Ok(crate::http::files::document_response(
        "application/pdf",
        &name,
        bytes,
    ))
}

// ----- settlement statements -----

#[derive(Template, WebTemplate)]
#[template(path = "orders/settlements.html")]
pub struct SettlementsPage {
    layout: Layout,
    settlements: Vec<SettlementView>,
    settles: bool,
    providers: Vec<(String, String)>,
    /// Last month, the default period to settle.
    last_month: String,
    errors: Vec<String>,
}

async fn settlements_page(
    s: &AppState,
    u: &PageUser,
    errors: Vec<String>,
) -> Result<SettlementsPage, PageError> {
    let settles = u.principal.can(Permission::SettleOrders);
    let today = s.app.today();
    let first = today.with_day(1).unwrap_or(today);
    let last = first - chrono::Duration::days(1);
    Ok(SettlementsPage {
        layout: Layout::new("结算单", u, "/orders"),
        settlements: s.app.orders().settlements(&u.principal).await?,
        providers: if settles {
            s.app.orders().providers(&u.principal).await?
        } else {
            vec![]
        },
        settles,
        last_month: last.format("%Y-%m").to_string(),
        errors,
    })
}

pub async fn settlements(
    State(s): State<AppState>,
    u: PageUser,
) -> Result<SettlementsPage, PageError> {
    settlements_page(&s, &u, vec![]).await
}

/// A percentage as typed ("10", "10.5") in basis points; -1 when it is not one.
fn rate_bp(typed: &str) -> i64 {
    jineng_core::Fen::parse_yuan(typed.trim().trim_end_matches(['%', '％'])).map_or(-1, |f| f.0)
}

#[derive(Deserialize, Default)]
pub struct DrawForm {
    #[serde(default)]
    provider_org_id: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    fee_rate: String,
}

pub async fn draw_settlement(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<DrawForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .orders()
        .draw_settlement(
            &u.principal,
            &ctx,
            &f.provider_org_id,
            &f.period,
            rate_bp(&f.fee_rate),
        )
        .await
    {
        Ok(v) => Ok(Redirect::to(&format!("/settlements/{}", v.id)).into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, settlements_page(&s, &u, errors).await?).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "orders/settlement.html")]
pub struct SettlementPage {
    layout: Layout,
    d: SettlementDetail,
    notice: Option<String>,
    errors: Vec<String>,
}

async fn settlement_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<SettlementPage, PageError> {
    let d = s.app.orders().settlement(&u.principal, id).await?;
    Ok(SettlementPage {
        layout: Layout::new(
            format!("结算单 {} {}", d.s.provider_name, d.s.period),
            u,
            "/orders",
        ),
        d,
        notice,
        errors,
    })
}

pub async fn settlement(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<SettlementPage, PageError> {
    let notice = match q.done.as_str() {
        "confirm" => Some("已确认结算单，等待平台付款。".to_string()),
        "dispute" => Some("异议已提交，平台核对后会重新生成结算单。".to_string()),
        "redraw" => Some("结算单已重新生成，等待课程提供方确认。".to_string()),
        "payout" => Some("付款已记录。".to_string()),
        _ => None,
    };
    settlement_page(&s, &u, &id, notice, vec![]).await
}

pub async fn export_settlement(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let bytes = s
        .app
        .orders()
        .export_settlement(&u.principal, &ctx, &id)
        .await?;
    Ok(xlsx_response(bytes, "settlement.xlsx"))
}

#[derive(Deserialize, Default)]
pub struct SettlementActionForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    fee_rate: String,
    #[serde(default)]
    reference: String,
}

async fn settlement_act(
    s: AppState,
    ctx: jineng_app::RequestCtx,
    u: PageUser,
    id: String,
    f: SettlementActionForm,
    action: &'static str,
) -> Result<Response, PageError> {
    let o = s.app.orders();
    let r = match action {
        "confirm" => o.confirm_settlement(&u.principal, &ctx, &id).await,
        "dispute" => {
            o.dispute_settlement(&u.principal, &ctx, &id, &f.reason)
                .await
        }
        "redraw" => {
            o.redraw_settlement(&u.principal, &ctx, &id, rate_bp(&f.fee_rate))
                .await
        }
        _ => o.record_payout(&u.principal, &ctx, &id, &f.reference).await,
    };
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/settlements/{id}?done={action}")).into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, settlement_page(&s, &u, &id, None, errors).await?).into_response())
        }
    }
}

pub async fn confirm_settlement(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<SettlementActionForm>,
) -> Result<Response, PageError> {
    settlement_act(s, ctx, u, id, f, "confirm").await
}

pub async fn dispute_settlement(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<SettlementActionForm>,
) -> Result<Response, PageError> {
    settlement_act(s, ctx, u, id, f, "dispute").await
}

pub async fn redraw_settlement(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<SettlementActionForm>,
) -> Result<Response, PageError> {
    settlement_act(s, ctx, u, id, f, "redraw").await
}

pub async fn payout_settlement(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<SettlementActionForm>,
) -> Result<Response, PageError> {
    settlement_act(s, ctx, u, id, f, "payout").await
}
