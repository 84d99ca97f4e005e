//! Reconciliation with payment channels (对账, issue 14): every day, once the day has been
//! over for `RECONCILE_AFTER_HOURS` (late notifications have come), each channel's bill of
//! the day is compared with the platform's payments and refunds of the day
//! (`jineng_core::reconcile`), and every difference is listed for the operator, who
//! resolves it with a note. A day is reconciled once per channel (a unique key); running it
//! again (the schedule on every node, or an operator after fixing something) recomputes
//! the day in place: open differences that no longer hold go, resolved ones stay as they
//! were resolved.
//!
//! The bill of the sandbox channel is its own trade and refund records; a real channel's
//! bill would come from its bill-download interface through the same comparison.

use super::Orders;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::jobs::JobError;
use crate::page::{self, Page, PageRequest};
use crate::study::evidence::day_end;
use crate::write::OnUnique;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use jineng_core::Fen;
use jineng_core::accounts::Permission;
use jineng_core::jobs::JobKind;
use jineng_core::orders::{Channel, PaymentStatus, RefundStatus};
use jineng_core::reconcile::{self as rules, DifferenceKind, Line, Movement, Sides};
use jineng_store::orders::{
    order, payment, reconciliation, reconciliation_difference as difference, refund,
    sandbox_refund, sandbox_trade,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Hours after a day's end (China time) before it is reconciled.
pub const RECONCILE_AFTER_HOURS: i64 = 2;
/// How many past days the schedule looks back (a platform that was down catches up).
const LOOKBACK_DAYS: u64 = 7;
/// The longest resolution note.
const MAX_NOTE: usize = 500;

/// One day of one channel, as the operator's list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ReconciliationView {
    pub id: String,
    pub channel: Channel,
    pub channel_label: &'static str,
    pub day: String,
    pub platform_payments: i32,
    pub platform_paid: Fen,
    pub platform_refunds: i32,
    pub platform_refunded: Fen,
    pub channel_payments: i32,
    pub channel_paid: Fen,
    pub channel_refunds: i32,
    pub channel_refunded: Fen,
    pub differences: i32,
    pub open_differences: i32,
    pub created_at: DateTime<Utc>,
}

/// One difference, with the order it concerns where the platform knows it.
#[derive(Debug, Clone, Serialize)]
pub struct DifferenceView {
    pub id: String,
    pub kind: DifferenceKind,
    pub kind_label: &'static str,
    pub movement: Movement,
    pub movement_label: &'static str,
    pub reference: String,
    pub order_id: Option<String>,
    pub order_number: Option<String>,
    pub platform: Option<Fen>,
    pub channel: Option<Fen>,
    pub resolution: String,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReconciliationDetail {
    pub r: ReconciliationView,
    pub differences: Vec<DifferenceView>,
}

impl From<reconciliation::Model> for ReconciliationView {
    fn from(m: reconciliation::Model) -> Self {
        ReconciliationView {
            channel_label: m.channel.label(),
            id: m.id,
            channel: m.channel,
            day: m.day,
            platform_payments: m.platform_payments,
            platform_paid: Fen(m.platform_paid_fen),
            platform_refunds: m.platform_refunds,
            platform_refunded: Fen(m.platform_refunded_fen),
            channel_payments: m.channel_payments,
            channel_paid: Fen(m.channel_paid_fen),
            channel_refunds: m.channel_refunds,
            channel_refunded: Fen(m.channel_refunded_fen),
            differences: m.differences,
            open_differences: m.open_differences,
            created_at: m.created_at,
        }
    }
}

/// The day `d` (China time) as a UTC range.
fn day_range(d: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let end = day_end(d);
    (end - Duration::days(1), end)
}

/// A day typed by a person: a date before `today` (China time), from 2020 on.
pub fn parse_day(text: &str, today: NaiveDate) -> AppResult<NaiveDate> {
    let d = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::field("day", "请填写对账日期，如 2026-12-01"))?;
    if d >= today {
        return Err(AppError::field("day", "只能对已经结束的日期对账"));
    }
    if d < NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or(d) {
        return Err(AppError::field("day", "对账日期过早"));
    }
    Ok(d)
}

fn line(movement: Movement, fen: i64) -> Line {
    Line {
        movement,
        amount: Fen(fen),
    }
}

impl Orders<'_> {
    fn reconciler(who: &Principal) -> AppResult<()> {
        if who.can(Permission::SettleOrders) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The two sides of day `d` for the sandbox channel.
    async fn sandbox_sides(&self, d: NaiveDate) -> AppResult<Sides> {
        let (from, to) = day_range(d);
        let mut s = Sides::default();
        // The platform: payments received through the channel, refunds paid back through
        // it (every refund goes back through the channel of its order's payment, and the
        // sandbox is the only channel so far).
        for p in payment::Entity::find()
            .filter(payment::Column::Channel.eq(Channel::Sandbox))
            .filter(payment::Column::Status.eq(PaymentStatus::Succeeded))
            .filter(payment::Column::PaidAt.gte(from))
            .filter(payment::Column::PaidAt.lt(to))
            .all(&self.db)
            .await?
        {
            s.platform_day
                .insert(p.id, line(Movement::Payment, p.amount_fen));
        }
        for r in refund::Entity::find()
            .filter(refund::Column::Status.eq(RefundStatus::Succeeded))
            .filter(refund::Column::DecidedAt.gte(from))
            .filter(refund::Column::DecidedAt.lt(to))
            .all(&self.db)
            .await?
        {
            s.platform_day
                .insert(r.id, line(Movement::Refund, r.amount_fen));
        }
        // The channel's bill of the day.
        for t in sandbox_trade::Entity::find()
            .filter(sandbox_trade::Column::Status.eq(super::sandbox::TRADE_SUCCESS))
            .filter(sandbox_trade::Column::PaidAt.gte(from))
            .filter(sandbox_trade::Column::PaidAt.lt(to))
            .all(&self.db)
            .await?
        {
            s.channel_day
                .insert(t.out_trade_no, line(Movement::Payment, t.amount_fen));
        }
        for r in sandbox_refund::Entity::find()
            .filter(sandbox_refund::Column::CreatedAt.gte(from))
            .filter(sandbox_refund::Column::CreatedAt.lt(to))
            .all(&self.db)
            .await?
        {
            s.channel_day
                .insert(r.refund_no, line(Movement::Refund, r.amount_fen));
        }
        // Numbers on one side only: what the other side holds for them on any day.
        let only_there: Vec<String> = s
            .channel_day
            .keys()
            .filter(|k| !s.platform_day.contains_key(*k))
            .cloned()
            .collect();
        let only_here: Vec<String> = s
            .platform_day
            .keys()
            .filter(|k| !s.channel_day.contains_key(*k))
            .cloned()
            .collect();
        for chunk in only_there.chunks(500) {
            for p in payment::Entity::find()
                .filter(payment::Column::Id.is_in(chunk.to_vec()))
                .filter(payment::Column::Status.eq(PaymentStatus::Succeeded))
                .all(&self.db)
                .await?
            {
                s.platform_any
                    .insert(p.id, line(Movement::Payment, p.amount_fen));
            }
            for r in refund::Entity::find()
                .filter(refund::Column::Id.is_in(chunk.to_vec()))
                .filter(refund::Column::Status.eq(RefundStatus::Succeeded))
                .all(&self.db)
                .await?
            {
                s.platform_any
                    .insert(r.id, line(Movement::Refund, r.amount_fen));
            }
        }
        for chunk in only_here.chunks(500) {
            for t in sandbox_trade::Entity::find()
                .filter(sandbox_trade::Column::OutTradeNo.is_in(chunk.to_vec()))
                .filter(sandbox_trade::Column::Status.eq(super::sandbox::TRADE_SUCCESS))
                .all(&self.db)
                .await?
            {
                s.channel_any
                    .insert(t.out_trade_no, line(Movement::Payment, t.amount_fen));
            }
            for r in sandbox_refund::Entity::find()
                .filter(sandbox_refund::Column::RefundNo.is_in(chunk.to_vec()))
                .all(&self.db)
                .await?
            {
                s.channel_any
                    .insert(r.refund_no, line(Movement::Refund, r.amount_fen));
            }
        }
        Ok(s)
    }

    /// The orders the differences' numbers belong to: payment or refund number → order id.
    async fn orders_of(&self, numbers: &[String]) -> AppResult<HashMap<String, String>> {
        let mut out = HashMap::new();
        for chunk in numbers.chunks(500) {
            for p in payment::Entity::find()
                .filter(payment::Column::Id.is_in(chunk.to_vec()))
                .all(&self.db)
                .await?
            {
                out.insert(p.id, p.order_id);
            }
            for r in refund::Entity::find()
                .filter(refund::Column::Id.is_in(chunk.to_vec()))
                .all(&self.db)
                .await?
            {
                out.insert(r.id, r.order_id);
            }
        }
        Ok(out)
    }

    /// Reconcile day `d` of `channel` now (create or recompute its record); its id.
    pub(crate) async fn reconcile_day(&self, channel: Channel, d: NaiveDate) -> AppResult<String> {
        let sides = match channel {
            Channel::Sandbox => self.sandbox_sides(d).await?,
        };
        let found = rules::compare(&sides);
        let here = rules::totals(&sides.platform_day);
        let there = rules::totals(&sides.channel_day);
        let numbers: Vec<String> = found.iter().map(|f| f.reference.clone()).collect();
        let orders = self.orders_of(&numbers).await?;
        let system = Principal::system();
        let ctx = RequestCtx::internal("reconcile", "jineng");
        let w = self.write(&system, &ctx).await?;
        let day = d.to_string();
        let existing = reconciliation::Entity::find()
            .filter(reconciliation::Column::Channel.eq(channel))
            .filter(reconciliation::Column::Day.eq(day.clone()))
            .lock_exclusive()
            .one(&w.txn)
            .await?;
        let id = match &existing {
            Some(r) => r.id.clone(),
            None => uuid::Uuid::now_v7().to_string(),
        };
        let count = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
        let mut row = reconciliation::ActiveModel {
            id: Set(id.clone()),
            channel: Set(channel),
            day: Set(day.clone()),
            platform_payments: Set(count(here.0)),
            platform_paid_fen: Set(here.1.0),
            platform_refunds: Set(count(here.2)),
            platform_refunded_fen: Set(here.3.0),
            channel_payments: Set(count(there.0)),
            channel_paid_fen: Set(there.1.0),
            channel_refunds: Set(count(there.2)),
            channel_refunded_fen: Set(there.3.0),
            differences: Set(0),
            open_differences: Set(0),
            created_at: Set(w.now),
        };
        // Resolved differences stay as they were resolved; open ones are found afresh.
        let resolved: Vec<(Movement, String)> = if existing.is_some() {
            difference::Entity::delete_many()
                .filter(difference::Column::ReconciliationId.eq(id.clone()))
                .filter(difference::Column::ResolvedAt.is_null())
                .exec(&w.txn)
                .await?;
            difference::Entity::find()
                .filter(difference::Column::ReconciliationId.eq(id.clone()))
                .all(&w.txn)
                .await?
                .into_iter()
                .map(|d| (d.movement, d.reference))
                .collect()
        } else {
            Vec::new()
        };
        let new: Vec<difference::ActiveModel> = found
            .iter()
            .filter(|f| !resolved.contains(&(f.movement, f.reference.clone())))
            .map(|f| difference::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                reconciliation_id: Set(id.clone()),
                kind: Set(f.kind),
                movement: Set(f.movement),
                reference: Set(f.reference.clone()),
                order_id: Set(orders.get(&f.reference).cloned()),
                platform_fen: Set(f.platform.map(|x| x.0)),
                channel_fen: Set(f.channel.map(|x| x.0)),
                resolution: Set(String::new()),
                resolved_by: Set(None),
                resolved_at: Set(None),
            })
            .collect();
        let open = new.len();
        row.differences = Set(count((resolved.len() + open) as i64));
        row.open_differences = Set(count(open as i64));
        if existing.is_some() {
            reconciliation::Entity::update(row).exec(&w.txn).await?;
        } else {
            // Another run of the same day got there first: this one is tried again later.
            reconciliation::Entity::insert(row)
                .exec_without_returning(&w.txn)
                .await
                .on_unique(|| AppError::Unavailable(format!("{day} 的对账正在进行")))?;
        }
        for chunk in new.chunks(500) {
            difference::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&w.txn)
                .await?;
        }
        w.commit(Entry::ok(
            "reconciliation.run",
            "reconciliation",
            &id,
            serde_json::json!({
                "channel": channel.code(),
                "day": day,
                "platform": {"payments": here.0, "paid_fen": here.1.0, "refunds": here.2, "refunded_fen": here.3.0},
                "channel_bill": {"payments": there.0, "paid_fen": there.1.0, "refunds": there.2, "refunded_fen": there.3.0},
                "open_differences": open,
            }),
        ))
        .await?;
        if open > 0 {
            tracing::warn!(%day, channel = channel.code(), open, "reconciliation found differences");
        }
        Ok(id)
    }

    /// Enqueue the reconciliation of each of the last days that has been over for
    /// `RECONCILE_AFTER_HOURS`, per channel (each day's job key is the day, so every node
    /// may call this: a day is reconciled once by the schedule).
    pub async fn schedule_reconciliations(&self) -> AppResult<()> {
        let system = Principal::system();
        let ctx = RequestCtx::default();
        let w = self.write(&system, &ctx).await?;
        let today = self.today();
        for back in 1..=LOOKBACK_DAYS {
            let Some(d) = today.checked_sub_days(chrono::Days::new(back)) else {
                continue;
            };
            if w.now < day_range(d).1 + Duration::hours(RECONCILE_AFTER_HOURS) {
                continue;
            }
            for channel in [Channel::Sandbox] {
                crate::jobs::enqueue(
                    self,
                    &w,
                    JobKind::Reconcile,
                    &format!("reconcile:{}:{d}", channel.code()),
                    serde_json::json!({"channel": channel.code(), "day": d.to_string()}),
                )
                .await?;
            }
        }
        // Housekeeping: each run records itself.
        w.commit_audited().await
    }

    /// The job: reconcile the channel and day of its payload.
    pub(crate) async fn reconcile_job(&self, payload: &str) -> Result<(), JobError> {
        let v: serde_json::Value =
            serde_json::from_str(payload).map_err(|e| JobError::Fatal(e.to_string()))?;
        let channel = v["channel"]
            .as_str()
            .and_then(Channel::parse)
            .ok_or_else(|| JobError::Fatal("任务内容没有支付渠道".into()))?;
        let day = v["day"]
            .as_str()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .ok_or_else(|| JobError::Fatal("任务内容没有对账日期".into()))?;
        self.reconcile_day(channel, day).await?;
        Ok(())
    }

    /// An operator asks for a day to be reconciled (again) now; it runs as a job. The
    /// job's id.
    pub async fn request_reconciliation(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        day: &str,
    ) -> AppResult<String> {
        Self::reconciler(who)?;
        let w = self.write(who, ctx).await?;
        let d = parse_day(day, self.today())?;
        let channel = Channel::Sandbox;
        let job = crate::jobs::enqueue(
            self,
            &w,
            JobKind::Reconcile,
            &format!(
                "reconcile:{}:{d}:request:{}",
                channel.code(),
                uuid::Uuid::now_v7()
            ),
            serde_json::json!({"channel": channel.code(), "day": d.to_string()}),
        )
        .await?;
        w.commit(Entry::ok(
            "reconciliation.request",
            "job",
            &job,
            serde_json::json!({"channel": channel.code(), "day": d.to_string()}),
        ))
        .await?;
        Ok(job)
    }

    /// The reconciled days, newest first.
    pub async fn reconciliations(
        &self,
        who: &Principal,
        r: PageRequest,
    ) -> AppResult<Page<ReconciliationView>> {
        Self::reconciler(who)?;
        let q = reconciliation::Entity::find()
            .order_by_desc(reconciliation::Column::Day)
            .order_by_asc(reconciliation::Column::Channel);
        Ok(page::fetch(self.reader(), q, r).await?.map(Into::into))
    }

    /// One day with its differences (open first).
    pub async fn reconciliation(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<ReconciliationDetail> {
        Self::reconciler(who)?;
        let r = reconciliation::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("对账记录"))?;
        let rows = difference::Entity::find()
            .filter(difference::Column::ReconciliationId.eq(id))
            .order_by_asc(difference::Column::Reference)
            .all(&self.db)
            .await?;
        let order_ids: Vec<String> = rows.iter().filter_map(|d| d.order_id.clone()).collect();
        let numbers: BTreeMap<String, String> = if order_ids.is_empty() {
            BTreeMap::new()
        } else {
            order::Entity::find()
                .filter(order::Column::Id.is_in(order_ids))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|o| (o.id, o.number))
                .collect()
        };
        let mut differences: Vec<DifferenceView> = rows
            .into_iter()
            .map(|d| DifferenceView {
                kind_label: d.kind.label(),
                movement_label: d.movement.label(),
                order_number: d.order_id.as_ref().and_then(|o| numbers.get(o).cloned()),
                id: d.id,
                kind: d.kind,
                movement: d.movement,
                reference: d.reference,
                order_id: d.order_id,
                platform: d.platform_fen.map(Fen),
                channel: d.channel_fen.map(Fen),
                resolution: d.resolution,
                resolved_at: d.resolved_at,
            })
            .collect();
        differences.sort_by_key(|d| d.resolved_at.is_some());
        Ok(ReconciliationDetail {
            r: r.into(),
            differences,
        })
    }

    /// The day a difference belongs to (for the page to go back to).
    pub async fn reconciliation_of_difference(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<String> {
        Self::reconciler(who)?;
        Ok(difference::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("对账差异"))?
            .reconciliation_id)
    }

    /// The operator resolves a difference with a note (what was found and done); once.
    pub async fn resolve_difference(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        note: &str,
    ) -> AppResult<String> {
        Self::reconciler(who)?;
        let note = note.trim();
        if note.is_empty() {
            return Err(AppError::field("note", "请填写处理说明"));
        }
        if note.chars().count() > MAX_NOTE {
            return Err(AppError::field(
                "note",
                format!("处理说明不能超过{MAX_NOTE}个字"),
            ));
        }
        let w = self.write(who, ctx).await?;
        let d = difference::Entity::find_by_id(id.to_string())
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound("对账差异"))?;
        let res = difference::Entity::update_many()
            .col_expr(difference::Column::Resolution, Expr::value(note))
            .col_expr(
                difference::Column::ResolvedBy,
                Expr::value(Some(who.user_id.clone())),
            )
            .col_expr(difference::Column::ResolvedAt, Expr::value(Some(w.now)))
            .filter(difference::Column::Id.eq(id))
            .filter(difference::Column::ResolvedAt.is_null())
            .exec(&w.txn)
            .await?;
        crate::write::one_row(res, "该差异已处理")?;
        let res = reconciliation::Entity::update_many()
            .col_expr(
                reconciliation::Column::OpenDifferences,
                Expr::col(reconciliation::Column::OpenDifferences).sub(1),
            )
            .filter(reconciliation::Column::Id.eq(d.reconciliation_id.clone()))
            .exec(&w.txn)
            .await?;
        crate::write::one_row(res, "对账记录已变化，请刷新后重试")?;
        w.commit(Entry::ok(
            "reconciliation.resolve",
            "reconciliation_difference",
            id,
            serde_json::json!({"reference": d.reference, "kind": d.kind.code(), "note": note}),
        ))
        .await?;
        Ok(d.reconciliation_id)
    }
}
