//! Settlement with course providers (代收代付、协议结算, seed 000 §五): the platform
//! collects for the providers and settles per calendar month. The operator draws up a
//! provider's statement — the month's sales (payments received), refunds (paid back),
//! the platform's service fee at the agreed rate and the amount due — the provider
//! confirms or disputes it (the operator then draws it up again), and the operator
//! records the payout. One statement per provider and month, so no sale is counted twice.

use super::Orders;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::write::{OnUnique, one_row};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use jineng_core::Fen;
use jineng_core::accounts::Permission;
use jineng_core::orders::{self as rules, PaymentStatus, RefundStatus, SettlementStatus};
use jineng_store::orders::{order, payment, refund, settlement};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct SettlementView {
    pub id: String,
    pub provider_org_id: String,
    pub provider_name: String,
    pub period: String,
    pub orders: i32,
    pub sales: Fen,
    pub refunds: Fen,
    /// In basis points (1000 = 10%).
    pub fee_rate_bp: i32,
    pub fee: Fen,
    pub due: Fen,
    pub status: SettlementStatus,
    pub status_label: &'static str,
    pub dispute_reason: String,
    pub payout_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
}

/// One line of a statement: an order's money in the period.
#[derive(Debug, Clone, Serialize)]
pub struct SettlementLine {
    pub order_id: String,
    pub order_number: String,
    pub buyer_name: String,
    pub course_name: String,
    /// Received in the period.
    pub sales: Fen,
    /// Paid back in the period.
    pub refunds: Fen,
}

#[derive(Debug, Clone, Serialize)]
pub struct SettlementDetail {
    pub s: SettlementView,
    pub lines: Vec<SettlementLine>,
    /// The caller is the provider's staff (confirms or disputes).
    pub is_provider: bool,
    /// The caller is the platform's operator (draws up again, pays out).
    pub settles: bool,
}

/// The month `period` (YYYY-MM) as a UTC range of China time.
fn range(period: &str) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    let first = rules::check_period(period).map_err(|m| AppError::field("period", m))?;
    let next = if first.month() == 12 {
        chrono::NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        chrono::NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    let next = next.ok_or_else(|| AppError::field("period", "结算期间不正确"))?;
    // China has one offset all year (UTC+8).
    let at = |d: chrono::NaiveDate| -> AppResult<DateTime<Utc>> {
        Ok(Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN)) - chrono::Duration::hours(8))
    };
    Ok((at(first)?, at(next)?))
}

impl Orders<'_> {
    fn settler(who: &Principal) -> AppResult<()> {
        if who.can(Permission::SettleOrders) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The period's figures for a provider: (orders, sales, refunds, lines).
    async fn period_figures(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        provider: &str,
        period: &str,
    ) -> AppResult<(i32, Fen, Fen, Vec<SettlementLine>)> {
        let (from, to) = range(period)?;
        let orders: HashMap<String, order::Model> = order::Entity::find()
            .filter(order::Column::ProviderOrgId.eq(provider))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id.clone(), o))
            .collect();
        let ids: Vec<String> = orders.keys().cloned().collect();
        let paid = payment::Entity::find()
            .filter(payment::Column::OrderId.is_in(ids.clone()))
            .filter(payment::Column::Status.eq(PaymentStatus::Succeeded))
            .filter(payment::Column::PaidAt.gte(from))
            .filter(payment::Column::PaidAt.lt(to))
            .all(db)
            .await?;
        let back = refund::Entity::find()
            .filter(refund::Column::OrderId.is_in(ids))
            .filter(refund::Column::Status.eq(RefundStatus::Succeeded))
            .filter(refund::Column::DecidedAt.gte(from))
            .filter(refund::Column::DecidedAt.lt(to))
            .all(db)
            .await?;
        let mut lines: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
        for p in &paid {
            lines.entry(p.order_id.clone()).or_default().0 += p.amount_fen;
        }
        for r in &back {
            lines.entry(r.order_id.clone()).or_default().1 += r.amount_fen;
        }
        let names = self
            .org_names(orders.values().map(|o| o.org_id.clone()))
            .await?;
        let (mut sales, mut refunds) = (0i64, 0i64);
        let mut out = Vec::new();
        for (id, (s, r)) in lines {
            sales += s;
            refunds += r;
            let o = orders.get(&id);
            out.push(SettlementLine {
                order_number: o.map(|o| o.number.clone()).unwrap_or_default(),
                buyer_name: o
                    .and_then(|o| names.get(&o.org_id).cloned())
                    .unwrap_or_default(),
                course_name: o.map(|o| o.course_name.clone()).unwrap_or_default(),
                order_id: id,
                sales: Fen(s),
                refunds: Fen(r),
            });
        }
        out.sort_by(|a, b| a.order_number.cmp(&b.order_number));
        Ok((
            i32::try_from(paid.len()).unwrap_or(i32::MAX),
            Fen(sales),
            Fen(refunds),
            out,
        ))
    }

    /// The operator draws up a provider's statement for a month that has ended.
    pub async fn draw_settlement(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        provider_org_id: &str,
        period: &str,
        fee_rate_bp: i64,
    ) -> AppResult<SettlementView> {
        Self::settler(who)?;
        let period = period.trim().to_string();
        let (_, to) = range(&period)?;
        if to > self.now() {
            return Err(AppError::field("period", "只能结算已结束的月份"));
        }
        let org = jineng_store::organizations::organization::Entity::find_by_id(
            provider_org_id.to_string(),
        )
        .one(&self.db)
        .await?
        .filter(|o| o.kind == jineng_core::organizations::OrgKind::Provider)
        .ok_or_else(|| AppError::field("provider_org_id", "请选择课程提供方"))?;
        let w = self.write(who, ctx).await?;
        let (orders, sales, refunds, _) = self.period_figures(&w.txn, &org.id, &period).await?;
        let (fee, due) = rules::settle(sales, refunds, fee_rate_bp)
            .map_err(|m| AppError::field("fee_rate", m))?;
        let id = uuid::Uuid::now_v7().to_string();
        let row = settlement::ActiveModel {
            id: Set(id.clone()),
            provider_org_id: Set(org.id.clone()),
            period: Set(period.clone()),
            orders: Set(orders),
            sales_fen: Set(sales.0),
            refunds_fen: Set(refunds.0),
            fee_rate_bp: Set(i32::try_from(fee_rate_bp).unwrap_or(0)),
            fee_fen: Set(fee.0),
            due_fen: Set(due.0),
            status: Set(SettlementStatus::Issued),
            dispute_reason: Set(String::new()),
            payout_ref: Set(None),
            created_by: Set(who.user_id.clone()),
            created_at: Set(w.now),
            confirmed_by: Set(None),
            confirmed_at: Set(None),
            paid_by: Set(None),
            paid_at: Set(None),
            updated_at: Set(w.now),
        }
        .insert(&w.txn)
        .await
        .on_unique(|| AppError::Conflict(format!("{}的{period}结算单已生成", org.name)))?;
        w.commit(Entry::ok(
            "settlement.draw",
            "settlement",
            &id,
            serde_json::json!({"provider": org.id, "period": period, "orders": orders, "sales_fen": sales.0, "refunds_fen": refunds.0, "fee_rate_bp": fee_rate_bp, "fee_fen": fee.0, "due_fen": due.0}),
        ))
        .await?;
        Ok(self.settlement_views(vec![row]).await?.remove(0))
    }

    async fn settlement_views(
        &self,
        rows: Vec<settlement::Model>,
    ) -> AppResult<Vec<SettlementView>> {
        let names = self
            .org_names(rows.iter().map(|r| r.provider_org_id.clone()))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| SettlementView {
                provider_name: names.get(&r.provider_org_id).cloned().unwrap_or_default(),
                status_label: r.status.label(),
                sales: Fen(r.sales_fen),
                refunds: Fen(r.refunds_fen),
                fee: Fen(r.fee_fen),
                due: Fen(r.due_fen),
                id: r.id,
                provider_org_id: r.provider_org_id,
                period: r.period,
                orders: r.orders,
                fee_rate_bp: r.fee_rate_bp,
                status: r.status,
                dispute_reason: r.dispute_reason,
                payout_ref: r.payout_ref,
                created_at: r.created_at,
                confirmed_at: r.confirmed_at,
                paid_at: r.paid_at,
            })
            .collect())
    }

    /// Statements the caller may see: all for the operator, its own for a provider.
    pub async fn settlements(&self, who: &Principal) -> AppResult<Vec<SettlementView>> {
        let mut q = settlement::Entity::find();
        if !who.can(Permission::SettleOrders) {
            if !who.can(Permission::ManageCourses) || who.org_ids().is_empty() {
                return Err(AppError::Forbidden);
            }
            q = q.filter(settlement::Column::ProviderOrgId.is_in(who.org_ids()));
        }
        let rows = q
            .order_by_desc(settlement::Column::Period)
            .order_by_asc(settlement::Column::ProviderOrgId)
            .all(&self.db)
            .await?;
        self.settlement_views(rows).await
    }

    async fn visible_settlement(&self, who: &Principal, id: &str) -> AppResult<settlement::Model> {
        let s = settlement::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?;
        let may = |s: &settlement::Model| {
            who.can(Permission::SettleOrders)
                || (who.can(Permission::ManageCourses) && who.works_for(&s.provider_org_id))
        };
        match s {
            Some(s) if may(&s) => Ok(s),
            Some(_) if !who.can(Permission::ManageCourses) => Err(AppError::Forbidden),
            _ => Err(AppError::NotFound("结算单")),
        }
    }

    /// A statement with its lines (one per order with money in the period).
    pub async fn settlement(&self, who: &Principal, id: &str) -> AppResult<SettlementDetail> {
        let s = self.visible_settlement(who, id).await?;
        let (_, _, _, lines) = self
            .period_figures(&self.db, &s.provider_org_id, &s.period)
            .await?;
        let is_provider = who.works_for(&s.provider_org_id);
        Ok(SettlementDetail {
            s: self.settlement_views(vec![s]).await?.remove(0),
            lines,
            is_provider,
            settles: who.can(Permission::SettleOrders),
        })
    }

    /// The statement as a spreadsheet: its figures and its lines (audited).
    pub async fn export_settlement(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
    ) -> AppResult<Vec<u8>> {
        let d = self.settlement(who, id).await?;
        let summary = vec![
            vec!["课程提供方".to_string(), d.s.provider_name.clone()],
            vec!["结算期间".to_string(), d.s.period.clone()],
            vec!["订单数".to_string(), d.s.orders.to_string()],
            vec!["销售额（元）".to_string(), d.s.sales.to_string()],
            vec!["退款（元）".to_string(), d.s.refunds.to_string()],
            vec![
                "服务费率".to_string(),
                format!("{}.{:02}%", d.s.fee_rate_bp / 100, d.s.fee_rate_bp % 100),
            ],
            vec!["平台服务费（元）".to_string(), d.s.fee.to_string()],
            vec!["应结算金额（元）".to_string(), d.s.due.to_string()],
            vec!["状态".to_string(), d.s.status_label.to_string()],
        ];
        let lines: Vec<Vec<String>> = d
            .lines
            .iter()
            .map(|l| {
                vec![
                    l.order_number.clone(),
                    l.buyer_name.clone(),
                    l.course_name.clone(),
                    l.sales.to_string(),
                    l.refunds.to_string(),
                ]
            })
            .collect();
        let bytes = crate::export::xlsx_sheets(&[
            ("结算单", &["项目", "内容"], &summary),
            (
                "订单明细",
                &[
                    "订单号",
                    "购买机构",
                    "课程",
                    "本期收款（元）",
                    "本期退款（元）",
                ],
                &lines,
            ),
        ])?;
        self.audit()
            .record_export(
                who,
                ctx,
                "settlement",
                serde_json::json!({"settlement": d.s.id}),
                lines.len(),
            )
            .await?;
        Ok(bytes)
    }

    async fn provider_answer(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        dispute: Option<&str>,
    ) -> AppResult<SettlementView> {
        let s = self.visible_settlement(who, id).await?;
        if !(who.works_for(&s.provider_org_id) && who.can(Permission::ManageCourses)) {
            return Err(AppError::Forbidden);
        }
        if s.status != SettlementStatus::Issued {
            return Err(AppError::Conflict(format!("结算单{}", s.status.label())));
        }
        let reason = dispute.map(str::trim).unwrap_or("");
        if dispute.is_some() {
            if reason.is_empty() || reason.chars().count() > rules::MAX_REASON_CHARS {
                return Err(AppError::field("reason", "请写明异议（不超过200字）"));
            }
            if let Some(m) = jineng_core::text::plain_text_problem(reason) {
                return Err(AppError::field("reason", format!("异议{m}")));
            }
        }
        let w = self.write(who, ctx).await?;
        let mut q = settlement::Entity::update_many()
            .col_expr(settlement::Column::UpdatedAt, Expr::value(w.now))
            .filter(settlement::Column::Id.eq(s.id.clone()))
            .filter(settlement::Column::Status.eq(SettlementStatus::Issued));
        q = if dispute.is_some() {
            q.col_expr(
                settlement::Column::Status,
                Expr::value(SettlementStatus::Disputed),
            )
            .col_expr(settlement::Column::DisputeReason, Expr::value(reason))
        } else {
            q.col_expr(
                settlement::Column::Status,
                Expr::value(SettlementStatus::Confirmed),
            )
            .col_expr(
                settlement::Column::ConfirmedBy,
                Expr::value(Some(who.user_id.clone())),
            )
            .col_expr(settlement::Column::ConfirmedAt, Expr::value(Some(w.now)))
        };
        one_row(q.exec(&w.txn).await?, "结算单刚被处理，请刷新后重试")?;
        w.commit(Entry::ok(
            if dispute.is_some() {
                "settlement.dispute"
            } else {
                "settlement.confirm"
            },
            "settlement",
            &s.id,
            serde_json::json!({"period": s.period, "due_fen": s.due_fen, "reason": reason}),
        ))
        .await?;
        self.one_settlement(&s.id).await
    }

    async fn one_settlement(&self, id: &str) -> AppResult<SettlementView> {
        let s = settlement::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("结算单"))?;
        Ok(self.settlement_views(vec![s]).await?.remove(0))
    }

    /// The provider confirms the statement.
    pub async fn confirm_settlement(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
    ) -> AppResult<SettlementView> {
        self.provider_answer(who, ctx, id, None).await
    }

    /// The provider disputes the statement, saying why.
    pub async fn dispute_settlement(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        reason: &str,
    ) -> AppResult<SettlementView> {
        self.provider_answer(who, ctx, id, Some(reason)).await
    }

    /// The operator draws a disputed statement up again (the figures recomputed, the
    /// rate as agreed now); it goes back to the provider.
    pub async fn redraw_settlement(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        fee_rate_bp: i64,
    ) -> AppResult<SettlementView> {
        Self::settler(who)?;
        let s = self.visible_settlement(who, id).await?;
        if s.status != SettlementStatus::Disputed {
            return Err(AppError::Conflict(format!(
                "结算单{}，无需重新生成",
                s.status.label()
            )));
        }
        let w = self.write(who, ctx).await?;
        let (orders, sales, refunds, _) = self
            .period_figures(&w.txn, &s.provider_org_id, &s.period)
            .await?;
        let (fee, due) = rules::settle(sales, refunds, fee_rate_bp)
            .map_err(|m| AppError::field("fee_rate", m))?;
        let res = settlement::Entity::update_many()
            .col_expr(settlement::Column::Orders, Expr::value(orders))
            .col_expr(settlement::Column::SalesFen, Expr::value(sales.0))
            .col_expr(settlement::Column::RefundsFen, Expr::value(refunds.0))
            .col_expr(
                settlement::Column::FeeRateBp,
                Expr::value(i32::try_from(fee_rate_bp).unwrap_or(0)),
            )
            .col_expr(settlement::Column::FeeFen, Expr::value(fee.0))
            .col_expr(settlement::Column::DueFen, Expr::value(due.0))
            .col_expr(
                settlement::Column::Status,
                Expr::value(SettlementStatus::Issued),
            )
            .col_expr(settlement::Column::UpdatedAt, Expr::value(w.now))
            .filter(settlement::Column::Id.eq(s.id.clone()))
            .filter(settlement::Column::Status.eq(SettlementStatus::Disputed))
            .exec(&w.txn)
            .await?;
        one_row(res, "结算单刚被处理，请刷新后重试")?;
        w.commit(Entry::ok(
            "settlement.redraw",
            "settlement",
            &s.id,
            serde_json::json!({"before": {"fee_rate_bp": s.fee_rate_bp, "due_fen": s.due_fen, "reason": s.dispute_reason}, "after": {"fee_rate_bp": fee_rate_bp, "sales_fen": sales.0, "refunds_fen": refunds.0, "fee_fen": fee.0, "due_fen": due.0}}),
        ))
        .await?;
        self.one_settlement(&s.id).await
    }

    /// The operator records that the amount due of a confirmed statement was paid out.
    pub async fn record_payout(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        reference: &str,
    ) -> AppResult<SettlementView> {
        Self::settler(who)?;
        let s = self.visible_settlement(who, id).await?;
        let reference = jineng_core::vouchers::payment_reference(reference)
            .map_err(|m| AppError::field("reference", m))?;
        if s.status != SettlementStatus::Confirmed {
            return Err(AppError::Conflict(format!(
                "结算单{}，须提供方确认后才能付款",
                s.status.label()
            )));
        }
        let w = self.write(who, ctx).await?;
        let res = settlement::Entity::update_many()
            .col_expr(
                settlement::Column::Status,
                Expr::value(SettlementStatus::Paid),
            )
            .col_expr(
                settlement::Column::PayoutRef,
                Expr::value(Some(reference.to_string())),
            )
            .col_expr(
                settlement::Column::PaidBy,
                Expr::value(Some(who.user_id.clone())),
            )
            .col_expr(settlement::Column::PaidAt, Expr::value(Some(w.now)))
            .col_expr(settlement::Column::UpdatedAt, Expr::value(w.now))
            .filter(settlement::Column::Id.eq(s.id.clone()))
            .filter(settlement::Column::Status.eq(SettlementStatus::Confirmed))
            .exec(&w.txn)
            .await?;
        one_row(res, "结算单刚被处理，请刷新后重试")?;
        w.commit(Entry::ok(
            "settlement.payout",
            "settlement",
            &s.id,
            serde_json::json!({"period": s.period, "due_fen": s.due_fen, "reference": reference}),
        ))
        .await?;
        self.one_settlement(&s.id).await
    }

    /// Course providers, for the operator's statement form: (id, name).
    pub async fn providers(&self, who: &Principal) -> AppResult<Vec<(String, String)>> {
        Self::settler(who)?;
        Ok(jineng_store::organizations::organization::Entity::find()
            .filter(
                jineng_store::organizations::organization::Column::Kind
                    .eq(jineng_core::organizations::OrgKind::Provider),
            )
            .order_by_asc(jineng_store::organizations::organization::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect())
    }
}
