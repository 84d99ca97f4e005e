//! The sandbox payment gateway: the embedded default channel, which behaves as a real
//! gateway does so that everything around it is exercised on one machine. It keeps its
//! own trade records (`sandbox_trades`), shows its own cashier page, and, once the payer
//! confirms, notifies the platform asynchronously with a signed form post: first at once,
//! then the same notification again later (real gateways repeat until acknowledged, and
//! copies arrive late or twice). It answers queries and makes refunds, each refund once
//! per refund number. No money moves.
//!
//! Its merchant key is derived from the deployment's audit key, so it is secret and the
//! same on every node without being stored.

use super::Orders;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::jobs::JobError;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use jineng_core::Fen;
use jineng_core::jobs::JobKind;
use jineng_core::orders::{self as rules, Channel, Notice};
use jineng_store::orders::{order, payment, sandbox_refund, sandbox_trade};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use serde::Serialize;
use sha2::Sha256;
use std::collections::BTreeMap;

pub const WAIT_BUYER_PAY: &str = "WAIT_BUYER_PAY";
pub const TRADE_SUCCESS: &str = "TRADE_SUCCESS";
pub const TRADE_CLOSED: &str = "TRADE_CLOSED";

/// When the sandbox sends the repeat of a payment notification.
const REPEAT_AFTER_SECONDS: i64 = 30;

/// The sandbox's cashier page for a trade.
pub fn cashier_url(trade_no: &str) -> String {
    format!("/sandbox/pay/{trade_no}")
}

fn trade_label(status: &str) -> &'static str {
    match status {
        WAIT_BUYER_PAY => "待付款",
        TRADE_SUCCESS => "已付款",
        TRADE_CLOSED => "已关闭",
        _ => "未知",
    }
}

bounded_context!(
    /// The sandbox payment gateway.
    Sandbox,
    sandbox
);

/// What the cashier page shows.
#[derive(Debug, Clone, Serialize)]
pub struct CashierView {
    pub trade_no: String,
    pub subject: String,
    pub amount: Fen,
    pub status: String,
    pub status_label: &'static str,
    /// The order to go back to.
    pub order_id: String,
    pub order_number: String,
}

impl Sandbox<'_> {
    /// The merchant key both sides sign and verify with.
    pub fn merchant_key(&self) -> Vec<u8> {
        let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(self.keyring.audit_key()) else {
            return Vec::new();
        };
        m.update(b"jineng sandbox payment merchant key v1");
        m.finalize().into_bytes().to_vec()
    }

    /// Open a trade for our payment `out_trade_no` (the gateway's "precreate").
    pub(crate) async fn precreate<C: ConnectionTrait>(
        &self,
        txn: &C,
        out_trade_no: &str,
        subject: &str,
        amount: Fen,
        now: DateTime<Utc>,
    ) -> AppResult<String> {
        let trade_no = format!("SBX{}", uuid::Uuid::new_v4().simple());
        sandbox_trade::Entity::insert(sandbox_trade::ActiveModel {
            trade_no: Set(trade_no.clone()),
            out_trade_no: Set(out_trade_no.to_string()),
            subject: Set(subject.chars().take(120).collect()),
            amount_fen: Set(amount.0),
            status: Set(WAIT_BUYER_PAY.into()),
            refunded_fen: Set(0),
            notify_id: Set(format!("NTF{}", uuid::Uuid::new_v4().simple())),
            created_at: Set(now),
            paid_at: Set(None),
        })
        .exec_without_returning(txn)
        .await?;
        Ok(trade_no)
    }

    pub(crate) async fn trade_of(
        &self,
        out_trade_no: &str,
    ) -> AppResult<Option<sandbox_trade::Model>> {
        Ok(sandbox_trade::Entity::find()
            .filter(sandbox_trade::Column::OutTradeNo.eq(out_trade_no))
            .one(&self.db)
            .await?)
    }

    /// The trade and the order it pays, if the caller is the buyer's staff.
    async fn payer_trade(
        &self,
        who: &Principal,
        trade_no: &str,
    ) -> AppResult<(sandbox_trade::Model, order::Model)> {
        let t = sandbox_trade::Entity::find_by_id(trade_no.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("交易"))?;
        let p = payment::Entity::find_by_id(t.out_trade_no.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("交易"))?;
        let o = order::Entity::find_by_id(p.order_id)
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("交易"))?;
        if !who.works_for(&o.org_id) {
            return Err(AppError::NotFound("交易"));
        }
        Ok((t, o))
    }

    /// The cashier page's content.
    pub async fn cashier(&self, who: &Principal, trade_no: &str) -> AppResult<CashierView> {
        let (t, o) = self.payer_trade(who, trade_no).await?;
        Ok(CashierView {
            status_label: trade_label(&t.status),
            amount: Fen(t.amount_fen),
            trade_no: t.trade_no,
            subject: t.subject,
            status: t.status,
            order_id: o.id,
            order_number: o.number,
        })
    }

    /// The payer confirms on the cashier page: the trade is paid at the gateway and its
    /// notifications are scheduled. Returns the order to go back to.
    pub async fn confirm(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        trade_no: &str,
    ) -> AppResult<String> {
        let (t, o) = self.payer_trade(who, trade_no).await?;
        if t.status != WAIT_BUYER_PAY {
            return Err(AppError::Conflict(format!(
                "该交易{}",
                trade_label(&t.status)
            )));
        }
        let w = self.write(who, ctx).await?;
        // A trade of a payment no longer wanted (its order paid another way or closed)
        // is not paid: the gateway checks with the merchant first.
        let open = payment::Entity::find_by_id(t.out_trade_no.clone())
            .one(&w.txn)
            .await?
            .is_some_and(|p| p.status == jineng_core::orders::PaymentStatus::Pending);
        let unpaid = order::Entity::find_by_id(o.id.clone())
            .lock_exclusive()
            .one(&w.txn)
            .await?
            .is_some_and(|o| o.status == jineng_core::orders::OrderStatus::Unpaid);
        if !open || !unpaid {
            return Err(AppError::Conflict("该订单已支付或已关闭，无需付款".into()));
        }
        let res = sandbox_trade::Entity::update_many()
            .col_expr(sandbox_trade::Column::Status, Expr::value(TRADE_SUCCESS))
            .col_expr(sandbox_trade::Column::PaidAt, Expr::value(Some(w.now)))
            .filter(sandbox_trade::Column::TradeNo.eq(t.trade_no.clone()))
            .filter(sandbox_trade::Column::Status.eq(WAIT_BUYER_PAY))
            .exec(&w.txn)
            .await?;
        crate::write::one_row(res, "该交易已付款或已关闭")?;
        for (nth, delay) in [(1, 0), (2, REPEAT_AFTER_SECONDS)] {
            crate::jobs::enqueue_at(
                self,
                &w,
                JobKind::SandboxNotify,
                &format!("sandbox-notify:{}:{nth}", t.trade_no),
                serde_json::json!({"trade_no": t.trade_no}),
                w.now + chrono::Duration::seconds(delay),
            )
            .await?;
        }
        w.commit(Entry::ok(
            "payment.sandbox_pay",
            "order",
            &o.id,
            serde_json::json!({"trade_no": t.trade_no, "payment": t.out_trade_no, "amount_fen": t.amount_fen}),
        ))
        .await?;
        Ok(o.id)
    }

    /// The notification the gateway sends for a trade, signed, as a form body.
    pub async fn signed_notice(&self, trade_no: &str) -> AppResult<Option<String>> {
        let Some(t) = sandbox_trade::Entity::find_by_id(trade_no.to_string())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let params = self.signed(&t);
        Ok(Some(
            serde_urlencoded::to_string(&params).unwrap_or_default(),
        ))
    }

    fn signed(&self, t: &sandbox_trade::Model) -> BTreeMap<String, String> {
        let mut p = Notice {
            notify_id: t.notify_id.clone(),
            out_trade_no: t.out_trade_no.clone(),
            trade_no: t.trade_no.clone(),
            amount: Fen(t.amount_fen),
            trade_status: t.status.clone(),
        }
        .params();
        p.insert("sign".into(), rules::sandbox_sign(&self.merchant_key(), &p));
        p
    }

    /// The job: deliver one notification. A `fail` answer (or an error) is tried again.
    pub(crate) async fn notify_job(&self, payload: &str) -> Result<(), JobError> {
        let v: serde_json::Value =
            serde_json::from_str(payload).map_err(|e| JobError::Fatal(e.to_string()))?;
        let trade_no = v["trade_no"].as_str().unwrap_or_default();
        let Some(body) = self.signed_notice(trade_no).await? else {
            return Err(JobError::Fatal("没有这笔沙箱交易".into()));
        };
        let (_, answer) = self
            .orders()
            .receive_notice(Channel::Sandbox, &body)
            .await?;
        if answer == "success" {
            Ok(())
        } else {
            Err(JobError::Retry(format!("商户应答 {answer}")))
        }
    }

    /// The gateway's answer to a trade query, signed like a notification: only for a
    /// paid trade (nothing to record otherwise).
    pub(crate) async fn query(
        &self,
        out_trade_no: &str,
    ) -> AppResult<Option<BTreeMap<String, String>>> {
        Ok(self
            .trade_of(out_trade_no)
            .await?
            .filter(|t| t.status == TRADE_SUCCESS)
            .map(|t| self.signed(&t)))
    }

    /// Close the open trade of a payment. False when it is already paid (it cannot be).
    pub(crate) async fn close_trade<C: ConnectionTrait>(
        &self,
        txn: &C,
        out_trade_no: &str,
    ) -> AppResult<bool> {
        sandbox_trade::Entity::update_many()
            .col_expr(sandbox_trade::Column::Status, Expr::value(TRADE_CLOSED))
            .filter(sandbox_trade::Column::OutTradeNo.eq(out_trade_no))
            .filter(sandbox_trade::Column::Status.eq(WAIT_BUYER_PAY))
            .exec(txn)
            .await?;
        Ok(sandbox_trade::Entity::find()
            .filter(sandbox_trade::Column::OutTradeNo.eq(out_trade_no))
            .one(txn)
            .await?
            .is_none_or(|t| t.status != TRADE_SUCCESS))
    }

    /// Refund `amount` of the paid trade of a payment, once per `refund_no`; never more
    /// than was paid (a CHECK on the gateway's side too). Returns the gateway's number.
    pub(crate) async fn refund<C: ConnectionTrait>(
        &self,
        txn: &C,
        out_trade_no: &str,
        refund_no: &str,
        amount: Fen,
        now: DateTime<Utc>,
    ) -> AppResult<String> {
        let t = sandbox_trade::Entity::find()
            .filter(sandbox_trade::Column::OutTradeNo.eq(out_trade_no))
            .one(txn)
            .await?
            .filter(|t| t.status == TRADE_SUCCESS)
            .ok_or_else(|| AppError::Conflict("支付渠道没有这笔已付款的交易".into()))?;
        if sandbox_refund::Entity::find_by_id(refund_no.to_string())
            .one(txn)
            .await?
            .is_some()
        {
            return Ok(format!("R{refund_no}"));
        }
        if amount.0 <= 0 {
            return Ok(format!("R{refund_no}"));
        }
        let res = sandbox_trade::Entity::update_many()
            .col_expr(
                sandbox_trade::Column::RefundedFen,
                Expr::col(sandbox_trade::Column::RefundedFen).add(amount.0),
            )
            .filter(sandbox_trade::Column::TradeNo.eq(t.trade_no.clone()))
            .filter(
                Expr::col(sandbox_trade::Column::RefundedFen)
                    .add(amount.0)
                    .lte(Expr::col(sandbox_trade::Column::AmountFen)),
            )
            .exec(txn)
            .await?;
        crate::write::one_row(res, "退款金额超过交易可退金额")?;
        sandbox_refund::Entity::insert(sandbox_refund::ActiveModel {
            refund_no: Set(refund_no.to_string()),
            trade_no: Set(t.trade_no),
            amount_fen: Set(amount.0),
            created_at: Set(now),
        })
        .exec_without_returning(txn)
        .await?;
        Ok(format!("R{refund_no}"))
    }
}

impl Orders<'_> {
    /// The sandbox's merchant key (tests sign their own notifications with it).
    pub fn sandbox_key(&self) -> Vec<u8> {
        self.sandbox().merchant_key()
    }
}
