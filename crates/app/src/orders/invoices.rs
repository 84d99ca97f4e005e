//! Invoices of course orders (发票, seed 000 §1.5): the buyer asks for one for a paid
//! order (ordinary or special VAT invoice, title, tax id); the seller (the course's
//! provider) issues it by uploading the e-invoice PDF with its number and date, or returns
//! the request with a reason; the buyer downloads it. A refund after issuing puts the
//! invoice to 待红冲 until the seller uploads the red-letter invoice; the buyer may then
//! ask for one of the new amount.

use super::{Orders, lock_order, sees};
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::write::{OnUnique, one_row};
use chrono::{DateTime, Utc};
use jineng_core::Fen;
use jineng_core::accounts::Permission;
use jineng_core::documents::{MAX_DOCUMENT_BYTES, clean_filename, sniff};
use jineng_core::orders::{self as rules, InvoiceKind, InvoiceStatus, OrderStatus};
use jineng_store::orders::{invoice, order};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

/// An invoice as its buyer, its seller and the platform see it.
#[derive(Debug, Clone, Serialize)]
pub struct InvoiceView {
    pub id: String,
    pub order_id: String,
    pub order_number: String,
    pub buyer_name: String,
    pub provider_name: String,
    pub kind: InvoiceKind,
    pub kind_label: &'static str,
    pub title: String,
    pub tax_id: String,
    pub address_phone: String,
    pub bank_account: String,
    pub amount: Fen,
    pub status: InvoiceStatus,
    pub status_label: &'static str,
    pub reason: String,
    pub number: Option<String>,
    pub issued_on: Option<String>,
    pub has_file: bool,
    pub red_number: Option<String>,
    pub has_red_file: bool,
    pub created_at: DateTime<Utc>,
    pub issued_at: Option<DateTime<Utc>>,
    /// The caller issues it (the seller's staff).
    pub may_issue: bool,
}

/// What the buyer asks for.
#[derive(Debug, Clone, Default)]
pub struct InvoiceInput {
    pub kind: String,
    pub title: String,
    pub tax_id: String,
    pub address_phone: String,
    pub bank_account: String,
}

/// Whether the caller is the seller's staff, who issue its invoices.
fn seller(who: &Principal, inv: &invoice::Model) -> bool {
    who.works_for(&inv.provider_org_id) && who.can(Permission::ManageCourses)
}

/// An e-invoice file: a PDF (judged by its bytes) of at most 10 MB.
fn check_pdf(bytes: &[u8]) -> AppResult<()> {
    if bytes.is_empty() {
        return Err(AppError::field("file", "请选择电子发票文件（PDF）"));
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(AppError::field(
            "file",
            format!("电子发票文件不能超过{}MB", MAX_DOCUMENT_BYTES / 1024 / 1024),
        ));
    }
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if sniff(bytes) != Some("application/pdf") || !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(AppError::field(
            "file",
            "电子发票只接受完整的PDF文件（按文件内容判断）",
        ));
    }
    Ok(())
}

impl Orders<'_> {
    pub(crate) async fn invoice_views(
        &self,
        who: &Principal,
        rows: Vec<invoice::Model>,
    ) -> AppResult<Vec<InvoiceView>> {
        let names = self
            .org_names(
                rows.iter()
                    .flat_map(|i| [i.org_id.clone(), i.provider_org_id.clone()]),
            )
            .await?;
        let numbers: std::collections::HashMap<String, String> = order::Entity::find()
            .filter(order::Column::Id.is_in(rows.iter().map(|i| i.order_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.number))
            .collect();
        Ok(rows
            .into_iter()
            .map(|i| InvoiceView {
                may_issue: seller(who, &i),
                order_number: numbers.get(&i.order_id).cloned().unwrap_or_default(),
                buyer_name: names.get(&i.org_id).cloned().unwrap_or_default(),
                provider_name: names.get(&i.provider_org_id).cloned().unwrap_or_default(),
                kind_label: i.kind.label(),
                status_label: i.status.label(),
                amount: Fen(i.amount_fen),
                has_file: i.file_key.is_some(),
                has_red_file: i.red_file_key.is_some(),
                id: i.id,
                order_id: i.order_id,
                kind: i.kind,
                title: i.title,
                tax_id: i.tax_id,
                address_phone: i.address_phone,
                bank_account: i.bank_account,
                status: i.status,
                reason: i.reason,
                number: i.number,
                issued_on: i.issued_on,
                red_number: i.red_number,
                created_at: i.created_at,
                issued_at: i.issued_at,
            })
            .collect())
    }

    /// The invoices the caller may see (the seller's waiting ones first).
    pub async fn invoices(&self, who: &Principal) -> AppResult<Vec<InvoiceView>> {
        let scope = who
            .scope(Permission::ViewOrders)
            .ok_or(AppError::Forbidden)?;
        let Some(cond) = super::in_scope(
            &scope,
            invoice::Column::RegionCode,
            invoice::Column::OrgId,
            invoice::Column::ProviderOrgId,
        ) else {
            return Ok(Vec::new());
        };
        let q = invoice::Entity::find().filter(cond);
        let mut rows = q
            .order_by_desc(invoice::Column::CreatedAt)
            .limit(2000)
            .all(&self.db)
            .await?;
        rows.sort_by_key(|i| {
            !matches!(
                i.status,
                InvoiceStatus::Requested | InvoiceStatus::RedPending
            )
        });
        self.invoice_views(who, rows).await
    }

    pub(crate) async fn invoices_of_order(
        &self,
        who: &Principal,
        order_id: &str,
    ) -> AppResult<Vec<InvoiceView>> {
        let rows = invoice::Entity::find()
            .filter(invoice::Column::OrderId.eq(order_id))
            .order_by_asc(invoice::Column::CreatedAt)
            .all(&self.db)
            .await?;
        self.invoice_views(who, rows).await
    }

    /// An invoice the caller may see (as they see its order).
    async fn visible_invoice(&self, who: &Principal, id: &str) -> AppResult<invoice::Model> {
        let scope = who
            .scope(Permission::ViewOrders)
            .ok_or(AppError::Forbidden)?;
        let i = invoice::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("发票"))?;
        let o = order::Entity::find_by_id(i.order_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("发票"))?;
        if sees(&scope, &o) {
            Ok(i)
        } else {
            Err(AppError::NotFound("发票"))
        }
    }

    /// The buyer asks for an invoice of what it paid and was not refunded.
    pub async fn request_invoice(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        order_id: &str,
        input: InvoiceInput,
    ) -> AppResult<InvoiceView> {
        let o = self.own_order(who, order_id).await?;
        let req = rules::check_invoice(
            &input.kind,
            &input.title,
            &input.tax_id,
            &input.address_phone,
            &input.bank_account,
        )
        .map_err(|e| {
            AppError::Validation(e.into_iter().map(|(f, m)| FieldError::new(f, m)).collect())
        })?;
        if o.status != OrderStatus::Paid {
            return Err(AppError::Conflict(format!(
                "订单{}，不能申请发票",
                o.status.label()
            )));
        }
        let w = self.write(who, ctx).await?;
        // The amount as of now, read under the order's lock (a refund may be deciding).
        let o = lock_order(&w.txn, &o.id).await?;
        let amount = o.paid_fen - o.refunded_fen;
        if o.status != OrderStatus::Paid || amount <= 0 {
            return Err(AppError::Conflict("订单没有可开票的金额".into()));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let row = invoice::ActiveModel {
            id: Set(id.clone()),
            order_id: Set(o.id.clone()),
            org_id: Set(o.org_id.clone()),
            provider_org_id: Set(o.provider_org_id.clone()),
            region_code: Set(o.region_code.clone()),
            kind: Set(req.kind),
            title: Set(req.title.clone()),
            tax_id: Set(req.tax_id.clone()),
            address_phone: Set(req.address_phone.clone()),
            bank_account: Set(req.bank_account.clone()),
            amount_fen: Set(amount),
            status: Set(InvoiceStatus::Requested),
            reason: Set(String::new()),
            number: Set(None),
            issued_on: Set(None),
            file_key: Set(None),
            filename: Set(None),
            red_number: Set(None),
            red_file_key: Set(None),
            red_filename: Set(None),
            requested_by: Set(who.user_id.clone()),
            issued_by: Set(None),
            created_at: Set(w.now),
            issued_at: Set(None),
            reversed_at: Set(None),
            updated_at: Set(w.now),
        }
        .insert(&w.txn)
        .await
        .on_unique(|| {
            AppError::Conflict(
                "该订单已有待开具或已开具的发票；如需重开，请先申请退回或红冲".into(),
            )
        })?;
        w.commit(Entry::ok(
            "invoice.request",
            "order",
            &o.id,
            serde_json::json!({"invoice": id, "kind": req.kind.code(), "title": req.title, "tax_id": req.tax_id, "amount_fen": amount}),
        ))
        .await?;
        self.invoice_views(who, vec![row])
            .await?
            .pop()
            .ok_or(AppError::NotFound("发票"))
    }

    async fn seller_invoice(
        &self,
        who: &Principal,
        id: &str,
        status: InvoiceStatus,
    ) -> AppResult<invoice::Model> {
        let i = self.visible_invoice(who, id).await?;
        if !seller(who, &i) {
            return Err(AppError::Forbidden);
        }
        if i.status != status {
            return Err(AppError::Conflict(format!("该发票{}", i.status.label())));
        }
        Ok(i)
    }

    async fn keep_pdf(&self, key: &str, bytes: Vec<u8>) -> AppResult<()> {
        self.files
            .put(key, bytes)
            .await
            .map_err(|e| AppError::Unavailable(format!("file storage: {e}")))
    }

    /// The seller issues a requested invoice: its number, date and the e-invoice PDF.
    #[allow(clippy::too_many_arguments)]
    pub async fn issue_invoice(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        number: &str,
        issued_on: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> AppResult<InvoiceView> {
        let i = self
            .seller_invoice(who, id, InvoiceStatus::Requested)
            .await?;
        let mut e = Vec::new();
        let number = rules::check_invoice_number(number)
            .map_err(|m| e.push(FieldError::new("number", m)))
            .unwrap_or_default();
        let day = chrono::NaiveDate::parse_from_str(issued_on.trim(), "%Y-%m-%d").ok();
        match day {
            Some(d)
                if d <= self.today()
                    && d >= i.created_at.date_naive() - chrono::Duration::days(1) => {}
            _ => e.push(FieldError::new(
                "issued_on",
                "开票日期应为申请之后、今天及以前的日期（YYYY-MM-DD）",
            )),
        }
        if let Err(AppError::Validation(mut f)) = check_pdf(&bytes) {
            e.append(&mut f);
        }
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let key = format!(
            "invoices/{}/{}-{}.pdf",
            i.order_id,
            i.id,
            uuid::Uuid::now_v7()
        );
        let filename = clean_filename(filename);
        let size = bytes.len();
        self.keep_pdf(&key, bytes).await?;
        let write = async {
            let w = self.write(who, ctx).await?;
            let res = invoice::Entity::update_many()
                .col_expr(invoice::Column::Status, Expr::value(InvoiceStatus::Issued))
                .col_expr(invoice::Column::Number, Expr::value(Some(number.clone())))
                .col_expr(
                    invoice::Column::IssuedOn,
                    Expr::value(day.map(|d| d.to_string())),
                )
                .col_expr(invoice::Column::FileKey, Expr::value(Some(key.clone())))
                .col_expr(
                    invoice::Column::Filename,
                    Expr::value(Some(filename.clone())),
                )
                .col_expr(
                    invoice::Column::IssuedBy,
                    Expr::value(Some(who.user_id.clone())),
                )
                .col_expr(invoice::Column::IssuedAt, Expr::value(Some(w.now)))
                .col_expr(invoice::Column::UpdatedAt, Expr::value(w.now))
                .filter(invoice::Column::Id.eq(i.id.clone()))
                .filter(invoice::Column::Status.eq(InvoiceStatus::Requested))
                .exec(&w.txn)
                .await?;
            one_row(res, "该发票刚被处理，请刷新后重试")?;
            w.commit(Entry::ok(
                "invoice.issue",
                "order",
                &i.order_id,
                serde_json::json!({"invoice": i.id, "number": number, "issued_on": issued_on.trim(), "filename": filename, "size": size}),
            ))
            .await
        };
        if let Err(e) = write.await {
            let _ = self.files.delete(&key).await;
            return Err(e);
        }
        self.invoice_one(who, &i.id).await
    }

    /// The seller returns a request it cannot issue (a wrong tax id, say), with why.
    pub async fn reject_invoice(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        reason: &str,
    ) -> AppResult<InvoiceView> {
        let i = self
            .seller_invoice(who, id, InvoiceStatus::Requested)
            .await?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > rules::MAX_REASON_CHARS {
            return Err(AppError::field("reason", "请填写退回原因（不超过200字）"));
        }
        if let Some(m) = jineng_core::text::plain_text_problem(reason) {
            return Err(AppError::field("reason", format!("退回原因{m}")));
        }
        let w = self.write(who, ctx).await?;
        let res = invoice::Entity::update_many()
            .col_expr(
                invoice::Column::Status,
                Expr::value(InvoiceStatus::Rejected),
            )
            .col_expr(invoice::Column::Reason, Expr::value(reason))
            .col_expr(invoice::Column::UpdatedAt, Expr::value(w.now))
            .filter(invoice::Column::Id.eq(i.id.clone()))
            .filter(invoice::Column::Status.eq(InvoiceStatus::Requested))
            .exec(&w.txn)
            .await?;
        one_row(res, "该发票刚被处理，请刷新后重试")?;
        w.commit(Entry::ok(
            "invoice.reject",
            "order",
            &i.order_id,
            serde_json::json!({"invoice": i.id, "reason": reason}),
        ))
        .await?;
        self.invoice_one(who, &i.id).await
    }

    /// The seller uploads the red-letter invoice of an invoice whose order was refunded.
    #[allow(clippy::too_many_arguments)]
    pub async fn reverse_invoice(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        red_number: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> AppResult<InvoiceView> {
        let i = self
            .seller_invoice(who, id, InvoiceStatus::RedPending)
            .await?;
        let mut e = Vec::new();
        let number = rules::check_invoice_number(red_number)
            .map_err(|m| e.push(FieldError::new("number", m)))
            .unwrap_or_default();
        if i.number.as_deref() == Some(number.as_str()) {
            e.push(FieldError::new("number", "红字发票号码不能与原发票相同"));
        }
        if let Err(AppError::Validation(mut f)) = check_pdf(&bytes) {
            e.append(&mut f);
        }
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let key = format!(
            "invoices/{}/{}-red-{}.pdf",
            i.order_id,
            i.id,
            uuid::Uuid::now_v7()
        );
        let filename = clean_filename(filename);
        self.keep_pdf(&key, bytes).await?;
        let write = async {
            let w = self.write(who, ctx).await?;
            let res = invoice::Entity::update_many()
                .col_expr(
                    invoice::Column::Status,
                    Expr::value(InvoiceStatus::Reversed),
                )
                .col_expr(
                    invoice::Column::RedNumber,
                    Expr::value(Some(number.clone())),
                )
                .col_expr(invoice::Column::RedFileKey, Expr::value(Some(key.clone())))
                .col_expr(
                    invoice::Column::RedFilename,
                    Expr::value(Some(filename.clone())),
                )
                .col_expr(invoice::Column::ReversedAt, Expr::value(Some(w.now)))
                .col_expr(invoice::Column::UpdatedAt, Expr::value(w.now))
                .filter(invoice::Column::Id.eq(i.id.clone()))
                .filter(invoice::Column::Status.eq(InvoiceStatus::RedPending))
                .exec(&w.txn)
                .await?;
            one_row(res, "该发票刚被处理，请刷新后重试")?;
            w.commit(Entry::ok(
                "invoice.reverse",
                "order",
                &i.order_id,
                serde_json::json!({"invoice": i.id, "red_number": number, "filename": filename}),
            ))
            .await
        };
        if let Err(e) = write.await {
            let _ = self.files.delete(&key).await;
            return Err(e);
        }
        self.invoice_one(who, &i.id).await
    }

    async fn invoice_one(&self, who: &Principal, id: &str) -> AppResult<InvoiceView> {
        let i = self.visible_invoice(who, id).await?;
        self.invoice_views(who, vec![i])
            .await?
            .pop()
            .ok_or(AppError::NotFound("发票"))
    }

    /// The e-invoice PDF (or its red-letter invoice): (file name, bytes).
    pub async fn invoice_file(
        &self,
        who: &Principal,
        id: &str,
        red: bool,
    ) -> AppResult<(String, Vec<u8>)> {
        let i = self.visible_invoice(who, id).await?;
        let (key, name) = if red {
            (i.red_file_key, i.red_filename)
        } else {
            (i.file_key, i.filename)
        };
        let key = key.ok_or(AppError::NotFound("发票文件"))?;
        let bytes = self
            .files
            .get(&key)
            .await
            .map_err(|e| AppError::Unavailable(format!("file storage: {e}")))?
            .ok_or(AppError::NotFound("发票文件"))?;
        Ok((name.unwrap_or_else(|| "invoice.pdf".into()), bytes.to_vec()))
    }
}

/// In a refund's change: an issued invoice of the order now waits for its red-letter
/// one; a request not yet issued is for the new amount (returned if nothing is left).
pub(crate) async fn refunded<C: sea_orm::ConnectionTrait>(
    txn: &C,
    order_id: &str,
    left_fen: i64,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let mut waiting = invoice::Entity::update_many()
        .col_expr(invoice::Column::UpdatedAt, Expr::value(now))
        .filter(invoice::Column::OrderId.eq(order_id))
        .filter(invoice::Column::Status.eq(InvoiceStatus::Requested));
    waiting = if left_fen > 0 {
        waiting.col_expr(invoice::Column::AmountFen, Expr::value(left_fen))
    } else {
        waiting
            .col_expr(
                invoice::Column::Status,
                Expr::value(InvoiceStatus::Rejected),
            )
            .col_expr(
                invoice::Column::Reason,
                Expr::value("订单已全部退款，无需开票"),
            )
    };
    waiting.exec(txn).await?;
    Ok(invoice::Entity::update_many()
        .col_expr(
            invoice::Column::Status,
            Expr::value(InvoiceStatus::RedPending),
        )
        .col_expr(invoice::Column::UpdatedAt, Expr::value(now))
        .filter(invoice::Column::OrderId.eq(order_id))
        .filter(invoice::Column::Status.eq(InvoiceStatus::Issued))
        .exec(txn)
        .await?
        .rows_affected)
}
