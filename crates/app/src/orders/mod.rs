//! Course orders (课程订单, seed 000 §1.5, seed 004 §7.2.5 c): an institution or
//! enterprise buys seats of a listed course for one of its filed classes, pays through a
//! payment channel, its learners study with the seats, and unused seats are refunded on
//! request after the operator approves.
//!
//! A payment is recorded only from a channel's verified notification (or the channel's
//! answer to our query), in one transaction with the seats it buys: a repeated, late,
//! forged or mismatched notification changes nothing, and a process killed half-way
//! leaves nothing behind for the channel's next notification to find. Every change is
//! audited; payments and refunds enter the evidence log.

pub mod invoices;
pub mod reconcile;
pub mod sandbox;
pub mod settlements;

use crate::audit::{Actor, Entry};
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::write::{OnUnique, Write, one_row};
use chrono::{DateTime, Utc};
use jineng_core::Fen;
use jineng_core::accounts::Permission;
use jineng_core::classes::ClassStatus;
use jineng_core::courses::{ListingStatus, VersionStatus};
use jineng_core::orders::{
    self as rules, Channel, NoticeOutcome, OrderStatus, PaymentStatus, RefundStatus, SeatStatus,
};
use jineng_core::organizations::OrgStatus;
use jineng_evidence::entry::{Entry as Fact, Kind};
use jineng_store::accounts::user;
use jineng_store::catalogue::project;
use jineng_store::classes::{class, enrollment};
use jineng_store::courses::{package, version};
use jineng_store::orders::{notice, order, payment, refund, sandbox_trade, seat};
use jineng_store::organizations::organization;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

bounded_context!(
    /// Course orders: seats, payments, refunds.
    Orders,
    orders
);

/// The channel acting in the audit trail when it notifies us.
const CHANNEL_ACTOR: Actor<'static> = Actor {
    id: "channel",
    name: "支付渠道",
    role: "system",
};

/// A listed course a class may buy seats of.
#[derive(Debug, Clone, Serialize)]
pub struct Offer {
    pub package_id: String,
    pub version_id: String,
    pub name: String,
    pub provider_name: String,
    pub unit: Fen,
    pub declared_hours: i32,
    pub level_label: &'static str,
}

/// What the buyer asks for.
#[derive(Debug, Clone, Default)]
pub struct OrderInput {
    pub package_id: String,
    /// None: as many seats as the class has learners.
    pub quantity: Option<i64>,
    pub reason: String,
    /// The same key twice creates one order (a double click, a retried request).
    pub idempotency_key: String,
}

/// An order as listed.
#[derive(Debug, Clone, Serialize)]
pub struct OrderView {
    pub id: String,
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
    pub unit: Fen,
    pub total: Fen,
    pub reason: String,
    pub status: OrderStatus,
    pub status_label: &'static str,
    pub paid: Fen,
    pub refunded: Fen,
    pub refunded_seats: i32,
    pub seats_free: i64,
    pub seats_assigned: i64,
    pub seats_refunding: i64,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    /// Unused seats may be refunded until then (paid orders).
    pub refundable_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PaymentView {
    pub id: String,
    pub channel: Channel,
    pub channel_label: &'static str,
    pub amount: Fen,
    pub status: PaymentStatus,
    pub status_label: &'static str,
    pub channel_trade_no: Option<String>,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub ledger_idx: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RefundView {
    pub id: String,
    pub order_id: String,
    pub order_number: String,
    pub buyer_name: String,
    pub course_name: String,
    pub seats: i32,
    /// What the refund gives back (decided), or would at today's figures (requested).
    pub amount: Fen,
    pub reason: String,
    pub status: RefundStatus,
    pub status_label: &'static str,
    pub decision_note: String,
    pub channel_refund_no: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeatView {
    pub position: i32,
    pub status: SeatStatus,
    pub status_label: &'static str,
    pub learner_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoticeView {
    pub notify_id: String,
    pub outcome: NoticeOutcome,
    pub outcome_label: &'static str,
    pub detail: String,
    pub received_at: DateTime<Utc>,
}

/// An order with everything under it.
#[derive(Debug, Clone, Serialize)]
pub struct OrderDetail {
    pub order: OrderView,
    pub payments: Vec<PaymentView>,
    pub refunds: Vec<RefundView>,
    pub seats: Vec<SeatView>,
    /// Notifications received for its payments (what the operator reconciles with).
    pub notices: Vec<NoticeView>,
    /// The caller is the buyer's staff: may pay, close, ask for refunds.
    pub is_buyer: bool,
    /// The caller decides refunds.
    pub settles: bool,
    pub invoices: Vec<invoices::InvoiceView>,
    /// The caller is the seller's staff (issues the invoices).
    pub is_seller: bool,
    /// The buyer may ask for an invoice now (paid, none waiting or standing).
    pub may_request_invoice: bool,
}

/// Where to send the payer.
#[derive(Debug, Clone, Serialize)]
pub struct PayStart {
    pub payment_id: String,
    pub pay_url: String,
}

/// What the buyer asks to refund.
#[derive(Debug, Clone, Default)]
pub struct RefundInput {
    pub seats: i64,
    pub reason: String,
}

fn refundable_until(o: &order::Model, r: &rules::OrderRules) -> Option<DateTime<Utc>> {
    o.paid_at.map(|p| p + chrono::Duration::days(r.refund_days))
}

/// Where the order rules are kept (`settings`).
const RULES_KEY: &str = "orders.rules";

/// The text a payment's evidence-log entry is the hash of.
fn payment_record(p: &payment::Model, o: &order::Model) -> String {
    format!(
        "payment\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}",
        p.id,
        o.number,
        p.channel.code(),
        p.channel_trade_no.as_deref().unwrap_or(""),
        p.amount_fen,
        p.paid_at.map(|t| t.to_rfc3339()).unwrap_or_default()
    )
}

fn refund_record(r: &refund::Model, o: &order::Model, amount: i64, at: DateTime<Utc>) -> String {
    format!(
        "refund\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}",
        r.id,
        o.number,
        r.seats,
        amount,
        at.to_rfc3339()
    )
}

impl Orders<'_> {
    /// The order rules in force (the defaults until an operator sets them).
    pub async fn rules(&self) -> AppResult<rules::OrderRules> {
        Ok(jineng_store::settings::get(&self.db, RULES_KEY)
            .await?
            .and_then(|j| serde_json::from_str::<rules::OrderRules>(&j).ok())
            .filter(|r| r.check().is_ok())
            .unwrap_or_default())
    }

    /// An operator sets the order rules; every bound checked and named. A new refund
    /// period applies to every paid order from now on (it is counted from the payment).
    pub async fn set_rules(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        r: rules::OrderRules,
    ) -> AppResult<rules::OrderRules> {
        if !who.can(Permission::SettleOrders) {
            return Err(AppError::Forbidden);
        }
        r.check().map_err(|(f, m)| AppError::field(f, m))?;
        let before = self.rules().await?;
        let w = self.write(who, ctx).await?;
        jineng_store::settings::Entity::insert(jineng_store::settings::ActiveModel {
            key: Set(RULES_KEY.into()),
            value: Set(serde_json::to_string(&r).unwrap_or_default()),
            updated_at: Set(w.now),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(jineng_store::settings::Column::Key)
                .update_columns([
                    jineng_store::settings::Column::Value,
                    jineng_store::settings::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(&w.txn)
        .await?;
        w.commit(Entry::ok(
            "orders.rules_set",
            "setting",
            RULES_KEY,
            serde_json::json!({"before": before, "after": r}),
        ))
        .await?;
        Ok(r)
    }

    /// The class, if the caller may buy for it: their organisation's own, filed (approved
    /// or in training), and the organisation neither suspended nor revoked.
    async fn buyer_class(&self, who: &Principal, class_id: &str) -> AppResult<class::Model> {
        if !who.can(Permission::BuyCourses) {
            return Err(AppError::Forbidden);
        }
        let c = self.classes().own(who, class_id).await?;
        match c.status {
            ClassStatus::Approved | ClassStatus::InTraining => {}
            ClassStatus::Completed | ClassStatus::Cancelled => {
                return Err(AppError::Conflict(format!(
                    "培训班{}，不能再订购或支付课程",
                    c.status.label()
                )));
            }
            _ => return Err(AppError::Conflict("培训班备案通过后才能订购课程".into())),
        }
        let org = organization::Entity::find_by_id(c.org_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("机构"))?;
        if org.status != OrgStatus::Approved {
            return Err(AppError::Conflict(format!(
                "机构状态为{}，不能订购课程",
                org.status.label()
            )));
        }
        Ok(c)
    }

    /// Listed priced courses matching the class's occupation, work type and level (seed
    /// 000 §1.5); free public-welfare courses are given to classes without an order.
    pub async fn offers(&self, who: &Principal, class_id: &str) -> AppResult<Vec<Offer>> {
        let c = self.buyer_class(who, class_id).await?;
        self.offers_for(&c).await
    }

    async fn offers_for(&self, c: &class::Model) -> AppResult<Vec<Offer>> {
        let p = project::Entity::find_by_id(c.project_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("培训项目"))?;
        let listed = package::Entity::find()
            .filter(package::Column::Listing.eq(ListingStatus::Listed))
            .all(&self.db)
            .await?;
        let versions = version::Entity::find()
            .filter(version::Column::Id.is_in(listed.iter().map(|p| p.listed_version_id.clone())))
            .filter(version::Column::Status.eq(VersionStatus::Approved))
            .filter(version::Column::OccupationCode.eq(c.occupation_code.clone()))
            .filter(version::Column::SkillLevel.eq(p.skill_level))
            .filter(version::Column::PriceFen.gt(0))
            .order_by_asc(version::Column::Name)
            .all(&self.db)
            .await?;
        let names = self
            .org_names(versions.iter().map(|v| v.org_id.clone()))
            .await?;
        Ok(versions
            .into_iter()
            // A course for the whole occupation fits every work type of it.
            .filter(|v| v.work_type_id.is_empty() || v.work_type_id == p.work_type_id)
            .map(|v| Offer {
                provider_name: names.get(&v.org_id).cloned().unwrap_or_default(),
                package_id: v.package_id,
                version_id: v.id,
                name: v.name,
                unit: Fen(v.price_fen),
                declared_hours: v.declared_hours,
                level_label: jineng_core::occupations::level_label(v.skill_level),
            })
            .collect())
    }

    /// Order seats of an offered course for a class. The same idempotency key returns
    /// the order it first created.
    pub async fn create(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
        input: OrderInput,
    ) -> AppResult<OrderView> {
        let c = self.buyer_class(who, class_id).await?;
        let key = input.idempotency_key.trim();
        if key.is_empty() || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AppError::field(
                "idempotency_key",
                "请求缺少有效的幂等键（1至64个可见字符），请刷新页面后重试",
            ));
        }
        if let Some(o) = order::Entity::find()
            .filter(order::Column::OrgId.eq(c.org_id.clone()))
            .filter(order::Column::IdempotencyKey.eq(key))
            .one(&self.db)
            .await?
        {
            return self.view_one(o).await;
        }
        let offer = self
            .offers_for(&c)
            .await?
            .into_iter()
            .find(|o| o.package_id == input.package_id)
            .ok_or_else(|| {
                AppError::field("package_id", "请选择与本班职业、等级相符的已上架收费课程")
            })?;
        let learners = i64::from(c.enrolled);
        let quantity = input.quantity.unwrap_or(learners);
        let reason = input.reason.trim().to_string();
        if let Some(m) = jineng_core::text::plain_text_problem(&reason) {
            return Err(AppError::field("reason", format!("原因{m}")));
        }
        let total = rules::price(quantity, offer.unit, learners, &reason).map_err(|e| {
            let field = match e {
                rules::OrderError::ReasonNeeded(_) | rules::OrderError::ReasonTooLong => "reason",
                _ => "quantity",
            };
            AppError::Validation(vec![FieldError::new(field, e.to_string())])
        })?;
        let v = version::Entity::find_by_id(offer.version_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("课程包版本"))?;
        if self.open_api().barred(&self.db, &v.org_id).await? {
            return Err(AppError::Conflict(
                "该课程提供方的入驻资格已暂停或终止，暂不能购买其课程".into(),
            ));
        }
        let w = self.write(who, ctx).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let number = readable_number("JN", w.now);
        let row = order::ActiveModel {
            id: Set(id.clone()),
            number: Set(number.clone()),
            org_id: Set(c.org_id.clone()),
            region_code: Set(c.region_code.clone()),
            class_id: Set(c.id.clone()),
            package_id: Set(v.package_id.clone()),
            version_id: Set(v.id.clone()),
            provider_org_id: Set(v.org_id.clone()),
            course_name: Set(v.name.clone()),
            quantity: Set(i32::try_from(quantity).unwrap_or(i32::MAX)),
            unit_fen: Set(offer.unit.0),
            total_fen: Set(total.0),
            reason: Set(reason.clone()),
            status: Set(OrderStatus::Unpaid),
            paid_fen: Set(0),
            refunded_fen: Set(0),
            refunded_seats: Set(0),
            idempotency_key: Set(key.to_string()),
            created_by: Set(who.user_id.clone()),
            created_at: Set(w.now),
            paid_at: Set(None),
            closed_at: Set(None),
            updated_at: Set(w.now),
        };
        // A second request with the same key that raced this one: its order stands.
        let inserted = order::Entity::insert(row)
            .on_conflict(
                sea_orm::sea_query::OnConflict::columns([
                    order::Column::OrgId,
                    order::Column::IdempotencyKey,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&w.txn)
            .await
            .on_unique(|| AppError::Conflict("订单号冲突，请重试".into()))?;
        if inserted == 0 {
            drop(w);
            let o = order::Entity::find()
                .filter(order::Column::OrgId.eq(c.org_id.clone()))
                .filter(order::Column::IdempotencyKey.eq(key))
                .one(&self.db)
                .await?
                .ok_or(AppError::NotFound("订单"))?;
            return self.view_one(o).await;
        }
        w.commit(Entry::ok(
            "order.create",
            "order",
            &id,
            serde_json::json!({"number": number, "class": c.id, "package": v.package_id, "version": v.id, "quantity": quantity, "unit_fen": offer.unit.0, "total_fen": total.0, "reason": reason}),
        ))
        .await?;
        let o = self.get_model(&id).await?;
        self.view_one(o).await
    }

    async fn get_model(&self, id: &str) -> AppResult<order::Model> {
        order::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("订单"))
    }

    /// The order if the caller may see it: the buyer's and the provider's staff, the
    /// regulators of the buyer's region, the platform's administrators.
    async fn visible(&self, who: &Principal, id: &str) -> AppResult<order::Model> {
        let scope = who
            .scope(Permission::ViewOrders)
            .ok_or(AppError::Forbidden)?;
        let o = order::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("订单"))?;
        if sees(&scope, &o) {
            Ok(o)
        } else {
            Err(AppError::NotFound("订单"))
        }
    }

    /// The orders the caller may see, newest first; of one class when named.
    pub async fn list(&self, who: &Principal, class_id: Option<&str>) -> AppResult<Vec<OrderView>> {
        let scope = who
            .scope(Permission::ViewOrders)
            .ok_or(AppError::Forbidden)?;
        let Some(cond) = in_scope(
            &scope,
            order::Column::RegionCode,
            order::Column::OrgId,
            order::Column::ProviderOrgId,
        ) else {
            return Ok(Vec::new());
        };
        let mut q = order::Entity::find().filter(cond);
        if let Some(c) = class_id {
            q = q.filter(order::Column::ClassId.eq(c));
        }
        let rows = q
            .order_by_desc(order::Column::CreatedAt)
            .limit(2000)
            .all(&self.db)
            .await?;
        self.views(rows).await
    }

    async fn view_one(&self, o: order::Model) -> AppResult<OrderView> {
        self.views(vec![o])
            .await?
            .pop()
            .ok_or(AppError::NotFound("订单"))
    }

    async fn views(&self, rows: Vec<order::Model>) -> AppResult<Vec<OrderView>> {
        let names = self
            .org_names(
                rows.iter()
                    .flat_map(|o| [o.org_id.clone(), o.provider_org_id.clone()]),
            )
            .await?;
        let classes: HashMap<String, String> = class::Entity::find()
            .filter(class::Column::Id.is_in(rows.iter().map(|o| o.class_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let mut counts: HashMap<(String, SeatStatus), i64> = HashMap::new();
        let tallies: Vec<(String, SeatStatus, i64)> = seat::Entity::find()
            .select_only()
            .column(seat::Column::OrderId)
            .column(seat::Column::Status)
            .column_as(seat::Column::Id.count(), "n")
            .filter(seat::Column::OrderId.is_in(rows.iter().map(|o| o.id.clone())))
            .group_by(seat::Column::OrderId)
            .group_by(seat::Column::Status)
            .into_tuple()
            .all(&self.db)
            .await?;
        for (o, s, n) in tallies {
            counts.insert((o, s), n);
        }
        let n = |o: &str, s: SeatStatus| counts.get(&(o.to_string(), s)).copied().unwrap_or(0);
        let order_rules = self.rules().await?;
        Ok(rows
            .into_iter()
            .map(|o| OrderView {
                buyer_name: names.get(&o.org_id).cloned().unwrap_or_default(),
                provider_name: names.get(&o.provider_org_id).cloned().unwrap_or_default(),
                class_name: classes.get(&o.class_id).cloned().unwrap_or_default(),
                seats_free: n(&o.id, SeatStatus::Free),
                seats_assigned: n(&o.id, SeatStatus::Assigned),
                seats_refunding: n(&o.id, SeatStatus::Refunding),
                refundable_until: refundable_until(&o, &order_rules),
                status_label: o.status.label(),
                unit: Fen(o.unit_fen),
                total: Fen(o.total_fen),
                paid: Fen(o.paid_fen),
                refunded: Fen(o.refunded_fen),
                id: o.id,
                number: o.number,
                org_id: o.org_id,
                provider_org_id: o.provider_org_id,
                class_id: o.class_id,
                package_id: o.package_id,
                course_name: o.course_name,
                quantity: o.quantity,
                reason: o.reason,
                status: o.status,
                refunded_seats: o.refunded_seats,
                created_at: o.created_at,
                paid_at: o.paid_at,
            })
            .collect())
    }

    /// One order with its payments, refunds, seats and notifications. A pending payment
    /// is first checked with the channel (the buyer came back from paying before the
    /// notification arrived, or it was lost).
    pub async fn get(&self, who: &Principal, id: &str) -> AppResult<OrderDetail> {
        let mut o = self.visible(who, id).await?;
        if o.status == OrderStatus::Unpaid && self.synced(&o.id).await {
            o = self.get_model(id).await?;
        }
        let is_buyer = who.works_for(&o.org_id) && who.can(Permission::BuyCourses);
        // Who holds a seat is the buyer's and the regulators' business, not the seller's.
        let names_learners = who.works_for(&o.org_id) || who.can(Permission::ViewLearners);
        let settles = who.can(Permission::SettleOrders);
        let payments = payment::Entity::find()
            .filter(payment::Column::OrderId.eq(o.id.clone()))
            .order_by_asc(payment::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let notices = if settles {
            notice::Entity::find()
                .filter(notice::Column::PaymentId.is_in(payments.iter().map(|p| p.id.clone())))
                .order_by_asc(notice::Column::ReceivedAt)
                .all(&self.db)
                .await?
                .into_iter()
                .map(|n| NoticeView {
                    notify_id: n.notify_id,
                    outcome_label: n.outcome.label(),
                    outcome: n.outcome,
                    detail: n.detail,
                    received_at: n.received_at,
                })
                .collect()
        } else {
            Vec::new()
        };
        let seats = seat::Entity::find()
            .filter(seat::Column::OrderId.eq(o.id.clone()))
            .order_by_asc(seat::Column::Position)
            .all(&self.db)
            .await?;
        let people: HashMap<String, String> = user::Entity::find()
            .filter(user::Column::Id.is_in(seats.iter().filter_map(|s| s.learner_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        let refunds = refund::Entity::find()
            .filter(refund::Column::OrderId.eq(o.id.clone()))
            .order_by_asc(refund::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let view = self.view_one(o.clone()).await?;
        let invoices = self.invoices_of_order(who, &o.id).await?;
        let is_seller = who.works_for(&o.provider_org_id) && who.can(Permission::ManageCourses);
        let may_request_invoice = is_buyer
            && o.status == OrderStatus::Paid
            && !invoices.iter().any(|i| {
                matches!(
                    i.status,
                    jineng_core::orders::InvoiceStatus::Requested
                        | jineng_core::orders::InvoiceStatus::Issued
                        | jineng_core::orders::InvoiceStatus::RedPending
                )
            });
        let refunds = refunds
            .into_iter()
            .map(|r| refund_view(r, &o, &view.buyer_name))
            .collect();
        Ok(OrderDetail {
            order: view,
            payments: payments
                .into_iter()
                .map(|p| PaymentView {
                    channel_label: p.channel.label(),
                    status_label: p.status.label(),
                    amount: Fen(p.amount_fen),
                    id: p.id,
                    channel: p.channel,
                    status: p.status,
                    channel_trade_no: p.channel_trade_no,
                    created_at: p.created_at,
                    paid_at: p.paid_at,
                    ledger_idx: p.ledger_idx,
                })
                .collect(),
            refunds,
            seats: seats
                .into_iter()
                .map(|s| SeatView {
                    position: s.position,
                    status_label: s.status.label(),
                    status: s.status,
                    learner_name: s
                        .learner_id
                        .filter(|_| names_learners)
                        .and_then(|l| people.get(&l).cloned())
                        .unwrap_or_default(),
                })
                .collect(),
            notices,
            is_buyer,
            settles,
            invoices,
            is_seller,
            may_request_invoice,
        })
    }

    async fn own_order(&self, who: &Principal, id: &str) -> AppResult<order::Model> {
        if !who.can(Permission::BuyCourses) {
            return Err(AppError::Forbidden);
        }
        let o = self.visible(who, id).await?;
        if !who.works_for(&o.org_id) {
            return Err(AppError::Forbidden);
        }
        Ok(o)
    }

    /// Start paying an unpaid order: a payment is created (or the pending one reused)
    /// and its trade opened at the channel; the payer goes to the channel's page.
    pub async fn pay(&self, who: &Principal, ctx: &RequestCtx, id: &str) -> AppResult<PayStart> {
        let o = self.own_order(who, id).await?;
        self.buyer_class(who, &o.class_id).await?;
        let w = self.write(who, ctx).await?;
        // Under the order's lock: a second click, or a close, waits for this one.
        let o = lock_order(&w.txn, &o.id).await?;
        if o.status != OrderStatus::Unpaid {
            return Err(AppError::Conflict(format!(
                "订单{}，不能支付",
                o.status.label()
            )));
        }
        if let Some(p) = payment::Entity::find()
            .filter(payment::Column::OrderId.eq(o.id.clone()))
            .filter(payment::Column::Status.eq(PaymentStatus::Pending))
            .one(&w.txn)
            .await?
            && let Some(t) = sandbox_trade::Entity::find()
                .filter(sandbox_trade::Column::OutTradeNo.eq(p.id.clone()))
                .one(&w.txn)
                .await?
        {
            return Ok(PayStart {
                pay_url: sandbox::cashier_url(&t.trade_no),
                payment_id: p.id,
            });
        }
        let pid = uuid::Uuid::now_v7().to_string();
        payment::ActiveModel {
            id: Set(pid.clone()),
            order_id: Set(o.id.clone()),
            channel: Set(Channel::Sandbox),
            amount_fen: Set(o.total_fen),
            status: Set(PaymentStatus::Pending),
            channel_trade_no: Set(None),
            created_by: Set(who.user_id.clone()),
            created_at: Set(w.now),
            paid_at: Set(None),
            ledger_idx: Set(None),
        }
        .insert(&w.txn)
        .await
        .on_unique(|| AppError::Conflict("该订单已发起支付，请刷新后继续".into()))?;
        let trade_no = self
            .sandbox()
            .precreate(
                &w.txn,
                &pid,
                &format!("{}（{}席）", o.course_name, o.quantity),
                Fen(o.total_fen),
                w.now,
            )
            .await?;
        w.commit(Entry::ok(
            "order.pay_start",
            "order",
            &o.id,
            serde_json::json!({"payment": pid, "channel": Channel::Sandbox.code(), "amount_fen": o.total_fen, "trade_no": trade_no}),
        ))
        .await?;
        Ok(PayStart {
            payment_id: pid,
            pay_url: sandbox::cashier_url(&trade_no),
        })
    }

    /// Close an unpaid order. A trade the payer already paid at the channel is recorded
    /// instead (the order is then paid, not closed); an open trade is closed there first.
    pub async fn close(&self, who: &Principal, ctx: &RequestCtx, id: &str) -> AppResult<OrderView> {
        let o = self.own_order(who, id).await?;
        if o.status != OrderStatus::Unpaid {
            return Err(AppError::Conflict(format!(
                "订单{}，不能关闭",
                o.status.label()
            )));
        }
        if self.synced(&o.id).await {
            return Err(AppError::Conflict(
                "该订单已在支付渠道付款成功，已入账，不能关闭".into(),
            ));
        }
        let w = self.write(who, ctx).await?;
        // Under the order's lock: a payment being started waits, then finds it closed.
        order::Entity::find_by_id(o.id.clone())
            .lock_exclusive()
            .one(&w.txn)
            .await?
            .filter(|o| o.status == OrderStatus::Unpaid)
            .ok_or_else(|| AppError::Conflict("订单状态已变化，请刷新后重试".into()))?;
        let pending = payment::Entity::find()
            .filter(payment::Column::OrderId.eq(o.id.clone()))
            .filter(payment::Column::Status.eq(PaymentStatus::Pending))
            .all(&w.txn)
            .await?;
        for p in &pending {
            if !self.sandbox().close_trade(&w.txn, &p.id).await? {
                return Err(AppError::Conflict(
                    "支付渠道显示该订单已付款，请刷新查看".into(),
                ));
            }
        }
        payment::Entity::update_many()
            .col_expr(payment::Column::Status, Expr::value(PaymentStatus::Closed))
            .filter(payment::Column::OrderId.eq(o.id.clone()))
            .filter(payment::Column::Status.eq(PaymentStatus::Pending))
            .exec(&w.txn)
            .await?;
        let res = order::Entity::update_many()
            .col_expr(order::Column::Status, Expr::value(OrderStatus::Closed))
            .col_expr(order::Column::ClosedAt, Expr::value(Some(w.now)))
            .col_expr(order::Column::UpdatedAt, Expr::value(w.now))
            .filter(order::Column::Id.eq(o.id.clone()))
            .filter(order::Column::Status.eq(OrderStatus::Unpaid))
            .exec(&w.txn)
            .await?;
        one_row(res, "订单状态已变化，请刷新后重试")?;
        w.commit(Entry::ok(
            "order.close",
            "order",
            &o.id,
            serde_json::json!({"number": o.number}),
        ))
        .await?;
        self.view_one(self.get_model(id).await?).await
    }

    /// [`Self::sync_pending`] for a reader: a failure to record what the channel reports
    /// is logged and leaves the order as it is (the channel's next notification, or the
    /// next look, tries again), never an error page.
    async fn synced(&self, order_id: &str) -> bool {
        match self.sync_pending(order_id).await {
            Ok(paid) => paid,
            Err(e) => {
                tracing::error!(order = %order_id, error = %e, "could not record a payment the channel reports");
                false
            }
        }
    }

    /// Ask the channel about the order's pending payments and record one it reports
    /// paid. Returns whether the order is now paid.
    async fn sync_pending(&self, order_id: &str) -> AppResult<bool> {
        let pending = payment::Entity::find()
            .filter(payment::Column::OrderId.eq(order_id))
            .filter(payment::Column::Status.eq(PaymentStatus::Pending))
            .all(&self.db)
            .await?;
        for p in pending {
            if let Some(params) = self.sandbox().query(&p.id).await? {
                let (outcome, _) = self.accept(Channel::Sandbox, params, "query").await?;
                if matches!(outcome, NoticeOutcome::Applied | NoticeOutcome::Duplicate) {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// A payment notification as a channel posts it (`application/x-www-form-urlencoded`).
    /// Returns the outcome and the answer the channel expects: `success` stops its
    /// retries, `fail` asks for another try.
    pub async fn receive_notice(
        &self,
        channel: Channel,
        body: &str,
    ) -> AppResult<(NoticeOutcome, &'static str)> {
        let params: BTreeMap<String, String> = serde_urlencoded::from_str(body).unwrap_or_default();
        self.accept(channel, params, body).await
    }

    /// Verify a channel's report of a payment and record it exactly once.
    async fn accept(
        &self,
        channel: Channel,
        params: BTreeMap<String, String>,
        body: &str,
    ) -> AppResult<(NoticeOutcome, &'static str)> {
        let key = self.sandbox().merchant_key();
        let verified = rules::sandbox_verify(&key, &params);
        let n = if verified {
            rules::Notice::from_params(&params)
        } else {
            None
        };
        let raw_id = params
            .get("notify_id")
            .map(|s| s.chars().take(64).collect::<String>())
            .unwrap_or_default();
        let Some(n) = n else {
            tracing::warn!(channel = channel.code(), notify_id = %raw_id, "payment notification failed verification");
            // Kept for the operator only when it names one of our payments: anyone can
            // post here, and unsigned posts must not fill the database.
            let named = params
                .get("out_trade_no")
                .filter(|v| v.len() <= 64)
                .cloned()
                .unwrap_or_default();
            if !named.is_empty()
                && payment::Entity::find_by_id(named.clone())
                    .one(&self.db)
                    .await?
                    .is_some()
            {
                self.log_notice(
                    channel,
                    &raw_id,
                    Some(&named),
                    NoticeOutcome::Forged,
                    "签名无效或字段缺失",
                    body,
                )
                .await?;
            }
            return Ok((NoticeOutcome::Forged, "fail"));
        };
        if !n.paid() {
            return Ok((NoticeOutcome::Ignored, "success"));
        }
        let ctx = RequestCtx::internal(format!("notice-{}", n.notify_id), channel.code());
        let w = self.write(CHANNEL_ACTOR, &ctx).await?;
        let Some(p) = payment::Entity::find_by_id(n.out_trade_no.clone())
            .lock_exclusive()
            .one(&w.txn)
            .await?
        else {
            drop(w);
            self.log_notice(
                channel,
                &n.notify_id,
                None,
                NoticeOutcome::Mismatch,
                "没有这笔支付",
                body,
            )
            .await?;
            return Ok((NoticeOutcome::Mismatch, "success"));
        };
        let o = lock_order(&w.txn, &p.order_id).await?;
        if p.status == PaymentStatus::Succeeded {
            drop(w);
            self.log_notice(
                channel,
                &n.notify_id,
                Some(&p.id),
                NoticeOutcome::Duplicate,
                "已入账，不再处理",
                body,
            )
            .await?;
            return Ok((NoticeOutcome::Duplicate, "success"));
        }
        if n.amount.0 != p.amount_fen || p.channel != channel {
            drop(w);
            let detail = format!("通知金额{}元，应付{}元", n.amount, Fen(p.amount_fen));
            tracing::error!(payment = %p.id, %detail, "payment notification does not match");
            self.log_notice(
                channel,
                &n.notify_id,
                Some(&p.id),
                NoticeOutcome::Mismatch,
                &detail,
                body,
            )
            .await?;
            return Ok((NoticeOutcome::Mismatch, "success"));
        }
        if o.status != OrderStatus::Unpaid {
            // Paid by another payment, or closed: the money must go back (the operator
            // sees this in the order's notifications).
            drop(w);
            let detail = format!("订单{}，该笔支付需退回", o.status.label());
            tracing::error!(payment = %p.id, %detail, "payment for an order that is not unpaid");
            self.log_notice(
                channel,
                &n.notify_id,
                Some(&p.id),
                NoticeOutcome::Mismatch,
                &detail,
                body,
            )
            .await?;
            return Ok((NoticeOutcome::Mismatch, "success"));
        }
        let res = payment::Entity::update_many()
            .col_expr(
                payment::Column::Status,
                Expr::value(PaymentStatus::Succeeded),
            )
            .col_expr(
                payment::Column::ChannelTradeNo,
                Expr::value(Some(n.trade_no.clone())),
            )
            .col_expr(payment::Column::PaidAt, Expr::value(Some(w.now)))
            .filter(payment::Column::Id.eq(p.id.clone()))
            .filter(payment::Column::Status.eq(PaymentStatus::Pending))
            .exec(&w.txn)
            .await?;
        one_row(res, "支付状态已变化")?;
        let res = order::Entity::update_many()
            .col_expr(order::Column::Status, Expr::value(OrderStatus::Paid))
            .col_expr(order::Column::PaidFen, Expr::value(o.total_fen))
            .col_expr(order::Column::PaidAt, Expr::value(Some(w.now)))
            .col_expr(order::Column::UpdatedAt, Expr::value(w.now))
            .filter(order::Column::Id.eq(o.id.clone()))
            .filter(order::Column::Status.eq(OrderStatus::Unpaid))
            .exec(&w.txn)
            .await?;
        one_row(res, "订单状态已变化")?;
        // The seats: positions 1..=quantity are unique per order, so they exist once.
        let seats: Vec<seat::ActiveModel> = (1..=o.quantity)
            .map(|i| seat::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                order_id: Set(o.id.clone()),
                class_id: Set(o.class_id.clone()),
                package_id: Set(o.package_id.clone()),
                position: Set(i),
                status: Set(SeatStatus::Free),
                learner_id: Set(None),
                refund_id: Set(None),
                assigned_at: Set(None),
                updated_at: Set(w.now),
            })
            .collect();
        for chunk in seats.chunks(500) {
            seat::Entity::insert_many(chunk.to_vec())
                .exec(&w.txn)
                .await?;
        }
        let assigned = assign_free(&w, &o.class_id, &o.package_id).await?;
        let paid = payment::Model {
            status: PaymentStatus::Succeeded,
            channel_trade_no: Some(n.trade_no.clone()),
            paid_at: Some(w.now),
            ..p.clone()
        };
        let at = crate::ledger::append(
            &w.txn,
            &Fact {
                kind: Kind::Payment,
                record_id: p.id.clone(),
                record_sha256: jineng_core::archive::sha256(&payment_record(&paid, &o)),
                at_micros: w.now.timestamp_micros(),
                org_id: o.org_id.clone(),
            },
        )
        .await?;
        payment::Entity::update_many()
            .col_expr(
                payment::Column::LedgerIdx,
                Expr::value(Some(i64::try_from(at.index).unwrap_or(i64::MAX))),
            )
            .filter(payment::Column::Id.eq(p.id.clone()))
            .exec(&w.txn)
            .await?;
        insert_notice(
            &w.txn,
            channel,
            &n.notify_id,
            Some(&p.id),
            NoticeOutcome::Applied,
            "",
            body,
            w.now,
        )
        .await?;
        crate::open_api::webhooks::emit(
            self,
            &w,
            &o.provider_org_id,
            jineng_core::open_api::WebhookKind::OrderPaid,
            serde_json::json!({"order_number": o.number, "package_id": o.package_id, "course_name": o.course_name, "seats": o.quantity, "amount_fen": p.amount_fen}),
        )
        .await?;
        w.commit(Entry::ok(
            "order.paid",
            "order",
            &o.id,
            serde_json::json!({"number": o.number, "payment": p.id, "trade_no": n.trade_no, "amount_fen": p.amount_fen, "seats": o.quantity, "assigned": assigned, "ledger_idx": at.index}),
        ))
        .await?;
        Ok((NoticeOutcome::Applied, "success"))
    }

    #[allow(clippy::too_many_arguments)]
    async fn log_notice(
        &self,
        channel: Channel,
        notify_id: &str,
        payment_id: Option<&str>,
        outcome: NoticeOutcome,
        detail: &str,
        body: &str,
    ) -> AppResult<()> {
        insert_notice(
            &self.db,
            channel,
            notify_id,
            payment_id,
            outcome,
            detail,
            body,
            self.now(),
        )
        .await
    }

    /// Give the class's free seats of its bought courses to its learners who have none
    /// (late enrolments; done by itself when an order is paid). Returns how many.
    pub async fn assign_seats(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
    ) -> AppResult<u64> {
        if !who.can(Permission::BuyCourses) {
            return Err(AppError::Forbidden);
        }
        let c = self.classes().own(who, class_id).await?;
        let packages: Vec<String> = order::Entity::find()
            .filter(order::Column::ClassId.eq(c.id.clone()))
            .filter(order::Column::Status.eq(OrderStatus::Paid))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| o.package_id)
            .collect();
        let w = self.write(who, ctx).await?;
        let mut n = 0;
        let mut seen = std::collections::HashSet::new();
        for p in packages {
            if seen.insert(p.clone()) {
                n += assign_free(&w, &c.id, &p).await?;
            }
        }
        w.commit(Entry::ok(
            "order.seats_assign",
            "class",
            &c.id,
            serde_json::json!({"assigned": n}),
        ))
        .await?;
        Ok(n)
    }

    /// Whether the learner holds a seat of this course in this class.
    pub async fn has_seat(
        &self,
        user_id: &str,
        class_id: &str,
        package_id: &str,
    ) -> AppResult<bool> {
        Ok(seat::Entity::find()
            .filter(seat::Column::ClassId.eq(class_id))
            .filter(seat::Column::PackageId.eq(package_id))
            .filter(seat::Column::LearnerId.eq(user_id))
            .filter(seat::Column::Status.eq(SeatStatus::Assigned))
            .one(&self.db)
            .await?
            .is_some())
    }

    /// The class's paid orders (the courses it bought).
    pub(crate) async fn paid_of_class(&self, class_id: &str) -> AppResult<Vec<order::Model>> {
        Ok(order::Entity::find()
            .filter(order::Column::ClassId.eq(class_id))
            .filter(order::Column::Status.eq(OrderStatus::Paid))
            .order_by_asc(order::Column::PaidAt)
            .all(&self.db)
            .await?)
    }

    /// The course version a class bought seats of (a paid order), if it did.
    pub(crate) async fn bought_version(
        &self,
        class_id: &str,
        package_id: &str,
    ) -> AppResult<Option<String>> {
        Ok(order::Entity::find()
            .filter(order::Column::ClassId.eq(class_id))
            .filter(order::Column::PackageId.eq(package_id))
            .filter(order::Column::Status.eq(OrderStatus::Paid))
            .order_by_desc(order::Column::PaidAt)
            .one(&self.db)
            .await?
            .map(|o| o.version_id))
    }

    /// Ask to refund `seats` unused seats of a paid order, within the refund period.
    /// The seats are held at once, so two requests together never take more than there
    /// is (the order row is locked while they are counted).
    pub async fn request_refund(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        order_id: &str,
        input: RefundInput,
    ) -> AppResult<RefundView> {
        let o = self.own_order(who, order_id).await?;
        let reason = input.reason.trim().to_string();
        let mut e = Vec::new();
        if input.seats < 1 || input.seats > rules::MAX_SEATS {
            e.push(FieldError::new("seats", "退款席位数应为正整数"));
        }
        if reason.is_empty() || reason.chars().count() > rules::MAX_REASON_CHARS {
            e.push(FieldError::new(
                "reason",
                format!("请填写退款原因（不超过{}字）", rules::MAX_REASON_CHARS),
            ));
        } else if let Some(m) = jineng_core::text::plain_text_problem(&reason) {
            e.push(FieldError::new("reason", format!("退款原因{m}")));
        }
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let w = self.write(who, ctx).await?;
        let o = lock_order(&w.txn, &o.id).await?;
        if o.status != OrderStatus::Paid {
            return Err(AppError::Conflict(format!(
                "订单{}，不能申请退款",
                o.status.label()
            )));
        }
        let order_rules = self.rules().await?;
        if order_rules.refund_days == 0 {
            return Err(AppError::Conflict("平台目前不受理退款".into()));
        }
        if refundable_until(&o, &order_rules).is_some_and(|t| w.now > t) {
            return Err(AppError::Conflict(format!(
                "已超过退款期限（支付后{}天内可退未使用的席位）",
                order_rules.refund_days
            )));
        }
        let free: Vec<seat::Model> = seat::Entity::find()
            .filter(seat::Column::OrderId.eq(o.id.clone()))
            .filter(seat::Column::Status.eq(SeatStatus::Free))
            .order_by_desc(seat::Column::Position)
            .limit(u64::try_from(input.seats).unwrap_or(0))
            .all(&w.txn)
            .await?;
        if i64::try_from(free.len()).unwrap_or(0) < input.seats {
            return Err(AppError::field(
                "seats",
                format!(
                    "只有{}个未分配的席位可退（已分配给学员的席位不能退款）",
                    free.len()
                ),
            ));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let amount = rules::refund_amount(
            input.seats,
            i64::from(o.quantity),
            Fen(o.paid_fen),
            i64::from(o.refunded_seats),
            Fen(o.refunded_fen),
        );
        let row = refund::ActiveModel {
            id: Set(id.clone()),
            order_id: Set(o.id.clone()),
            seats: Set(i32::try_from(input.seats).unwrap_or(0)),
            amount_fen: Set(amount.0),
            reason: Set(reason.clone()),
            status: Set(RefundStatus::Requested),
            decision_note: Set(String::new()),
            requested_by: Set(who.user_id.clone()),
            decided_by: Set(None),
            channel_refund_no: Set(None),
            created_at: Set(w.now),
            decided_at: Set(None),
            ledger_idx: Set(None),
        }
        .insert(&w.txn)
        .await?;
        let res = seat::Entity::update_many()
            .col_expr(seat::Column::Status, Expr::value(SeatStatus::Refunding))
            .col_expr(seat::Column::RefundId, Expr::value(Some(id.clone())))
            .col_expr(seat::Column::UpdatedAt, Expr::value(w.now))
            .filter(seat::Column::Id.is_in(free.iter().map(|s| s.id.clone())))
            .filter(seat::Column::Status.eq(SeatStatus::Free))
            .exec(&w.txn)
            .await?;
        if i64::try_from(res.rows_affected).unwrap_or(0) != input.seats {
            return Err(AppError::Conflict("席位已被占用，请刷新后重试".into()));
        }
        w.commit(Entry::ok(
            "refund.request",
            "order",
            &o.id,
            serde_json::json!({"refund": id, "seats": input.seats, "amount_fen": amount.0, "reason": reason}),
        ))
        .await?;
        let buyer = self.org_names([o.org_id.clone()]).await?;
        Ok(refund_view(
            row,
            &o,
            buyer.get(&o.org_id).map(String::as_str).unwrap_or(""),
        ))
    }

    /// The orders the caller may see as a spreadsheet (audited: it names buyers).
    pub async fn export(&self, who: &Principal, ctx: &RequestCtx) -> AppResult<Vec<u8>> {
        let rows: Vec<Vec<String>> = self
            .list(who, None)
            .await?
            .into_iter()
            .map(|o| {
                vec![
                    o.number,
                    o.buyer_name,
                    o.class_name,
                    o.course_name,
                    o.provider_name,
                    o.quantity.to_string(),
                    o.unit.to_string(),
                    o.total.to_string(),
                    o.status_label.to_string(),
                    o.paid.to_string(),
                    o.refunded.to_string(),
                    o.refunded_seats.to_string(),
                    o.seats_assigned.to_string(),
                    o.seats_free.to_string(),
                    china_time(o.created_at),
                    o.paid_at.map(china_time).unwrap_or_default(),
                ]
            })
            .collect();
        let bytes = crate::export::xlsx(
            "课程订单",
            &[
                "订单号",
                "购买机构",
                "培训班",
                "课程",
                "课程提供方",
                "席位数",
                "单价（元）",
                "总价（元）",
                "状态",
                "实付（元）",
                "已退款（元）",
                "已退席位",
                "已分配席位",
                "未分配席位",
                "下单时间",
                "支付时间",
            ],
            &rows,
        )?;
        self.audit()
            .record_export(who, ctx, "order", serde_json::json!({}), rows.len())
            .await?;
        Ok(bytes)
    }

    /// Refund requests waiting for the operator, oldest first.
    pub async fn pending_refunds(&self, who: &Principal) -> AppResult<Vec<RefundView>> {
        if !who.can(Permission::SettleOrders) {
            return Err(AppError::Forbidden);
        }
        let rows = refund::Entity::find()
            .filter(refund::Column::Status.eq(RefundStatus::Requested))
            .order_by_asc(refund::Column::CreatedAt)
            .limit(500)
            .all(&self.db)
            .await?;
        let orders: HashMap<String, order::Model> = order::Entity::find()
            .filter(order::Column::Id.is_in(rows.iter().map(|r| r.order_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| (o.id.clone(), o))
            .collect();
        let names = self
            .org_names(orders.values().map(|o| o.org_id.clone()))
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let o = orders.get(&r.order_id)?;
                Some(refund_view(
                    r,
                    o,
                    names.get(&o.org_id).map(String::as_str).unwrap_or(""),
                ))
            })
            .collect())
    }

    /// The operator approves (the money goes back through the order's channel, the seats
    /// are refunded) or rejects (the seats are free again) a refund request.
    pub async fn decide_refund(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        refund_id: &str,
        approve: bool,
        note: &str,
    ) -> AppResult<RefundView> {
        if !who.can(Permission::SettleOrders) {
            return Err(AppError::Forbidden);
        }
        let note = note.trim().to_string();
        if note.chars().count() > rules::MAX_REASON_CHARS {
            return Err(AppError::field("note", "说明不能超过200字"));
        }
        if !approve && note.is_empty() {
            return Err(AppError::field("note", "驳回时请填写理由"));
        }
        if let Some(m) = jineng_core::text::plain_text_problem(&note) {
            return Err(AppError::field("note", format!("说明{m}")));
        }
        let w = self.write(who, ctx).await?;
        let r = refund::Entity::find_by_id(refund_id.to_string())
            .lock_exclusive()
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound("退款申请"))?;
        let o = lock_order(&w.txn, &r.order_id).await?;
        if r.status != RefundStatus::Requested {
            return Err(AppError::Conflict(format!(
                "该退款申请{}",
                r.status.label()
            )));
        }
        let (status, amount, refund_no, ledger) = if approve {
            let amount = rules::refund_amount(
                i64::from(r.seats),
                i64::from(o.quantity),
                Fen(o.paid_fen),
                i64::from(o.refunded_seats),
                Fen(o.refunded_fen),
            );
            let p = payment::Entity::find()
                .filter(payment::Column::OrderId.eq(o.id.clone()))
                .filter(payment::Column::Status.eq(PaymentStatus::Succeeded))
                .one(&w.txn)
                .await?
                .ok_or_else(|| AppError::Conflict("订单没有成功的支付，不能退款".into()))?;
            let refund_no = self
                .sandbox()
                .refund(&w.txn, &p.id, &r.id, amount, w.now)
                .await?;
            let seats = o.refunded_seats + r.seats;
            let status = if seats >= o.quantity {
                OrderStatus::Refunded
            } else {
                OrderStatus::Paid
            };
            let res = order::Entity::update_many()
                .col_expr(
                    order::Column::RefundedFen,
                    Expr::value(o.refunded_fen + amount.0),
                )
                .col_expr(order::Column::RefundedSeats, Expr::value(seats))
                .col_expr(order::Column::Status, Expr::value(status))
                .col_expr(order::Column::UpdatedAt, Expr::value(w.now))
                .filter(order::Column::Id.eq(o.id.clone()))
                .filter(order::Column::RefundedSeats.eq(o.refunded_seats))
                .exec(&w.txn)
                .await?;
            one_row(res, "订单已变化，请刷新后重试")?;
            invoices::refunded(&w.txn, &o.id, o.paid_fen - o.refunded_fen - amount.0, w.now)
                .await?;
            seat::Entity::update_many()
                .col_expr(seat::Column::Status, Expr::value(SeatStatus::Refunded))
                .col_expr(seat::Column::UpdatedAt, Expr::value(w.now))
                .filter(seat::Column::RefundId.eq(r.id.clone()))
                .filter(seat::Column::Status.eq(SeatStatus::Refunding))
                .exec(&w.txn)
                .await?;
            let at = crate::ledger::append(
                &w.txn,
                &Fact {
                    kind: Kind::Refund,
                    record_id: r.id.clone(),
                    record_sha256: jineng_core::archive::sha256(&refund_record(
                        &r, &o, amount.0, w.now,
                    )),
                    at_micros: w.now.timestamp_micros(),
                    org_id: o.org_id.clone(),
                },
            )
            .await?;
            (
                RefundStatus::Succeeded,
                amount,
                Some(refund_no),
                Some(i64::try_from(at.index).unwrap_or(i64::MAX)),
            )
        } else {
            seat::Entity::update_many()
                .col_expr(seat::Column::Status, Expr::value(SeatStatus::Free))
                .col_expr(seat::Column::RefundId, Expr::value(Option::<String>::None))
                .col_expr(seat::Column::UpdatedAt, Expr::value(w.now))
                .filter(seat::Column::RefundId.eq(r.id.clone()))
                .filter(seat::Column::Status.eq(SeatStatus::Refunding))
                .exec(&w.txn)
                .await?;
            (RefundStatus::Rejected, Fen(r.amount_fen), None, None)
        };
        let res = refund::Entity::update_many()
            .col_expr(refund::Column::Status, Expr::value(status))
            .col_expr(refund::Column::AmountFen, Expr::value(amount.0))
            .col_expr(refund::Column::DecisionNote, Expr::value(note.clone()))
            .col_expr(
                refund::Column::DecidedBy,
                Expr::value(Some(who.user_id.clone())),
            )
            .col_expr(refund::Column::DecidedAt, Expr::value(Some(w.now)))
            .col_expr(
                refund::Column::ChannelRefundNo,
                Expr::value(refund_no.clone()),
            )
            .col_expr(refund::Column::LedgerIdx, Expr::value(ledger))
            .filter(refund::Column::Id.eq(r.id.clone()))
            .filter(refund::Column::Status.eq(RefundStatus::Requested))
            .exec(&w.txn)
            .await?;
        one_row(res, "该退款申请已处理")?;
        w.commit(Entry::ok(
            if approve { "refund.approve" } else { "refund.reject" },
            "order",
            &o.id,
            serde_json::json!({"refund": r.id, "seats": r.seats, "amount_fen": amount.0, "note": note, "refund_no": refund_no, "ledger_idx": ledger}),
        ))
        .await?;
        let r = refund::Entity::find_by_id(r.id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("退款申请"))?;
        let o = self.get_model(&o.id).await?;
        let buyer = self.org_names([o.org_id.clone()]).await?;
        Ok(refund_view(
            r,
            &o,
            buyer.get(&o.org_id).map(String::as_str).unwrap_or(""),
        ))
    }
}

fn refund_view(r: refund::Model, o: &order::Model, buyer: &str) -> RefundView {
    RefundView {
        order_number: o.number.clone(),
        buyer_name: buyer.to_string(),
        course_name: o.course_name.clone(),
        status_label: r.status.label(),
        amount: Fen(r.amount_fen),
        id: r.id,
        order_id: r.order_id,
        seats: r.seats,
        reason: r.reason,
        status: r.status,
        decision_note: r.decision_note,
        channel_refund_no: r.channel_refund_no,
        created_at: r.created_at,
        decided_at: r.decided_at,
    }
}

/// The rows `scope` (for `ViewOrders`) admits of a table that carries the buyer's region
/// and organisation and the seller's organisation; `None`: none at all.
fn in_scope<C: ColumnTrait>(
    scope: &crate::scope::Scope,
    region: C,
    buyer: C,
    seller: C,
) -> Option<sea_orm::Condition> {
    use crate::scope::Scope;
    match scope {
        Scope::All => Some(sea_orm::Condition::all()),
        Scope::Regions(ps) => Some(ps.iter().fold(sea_orm::Condition::any(), |c, p| {
            c.add(region.starts_with(p.as_str()))
        })),
        Scope::Orgs(ids) => Some(
            sea_orm::Condition::any()
                .add(buyer.is_in(ids.clone()))
                .add(seller.is_in(ids.clone())),
        ),
        Scope::OwnUser(_) => None,
    }
}

/// Whether `scope` (for `ViewOrders`) admits the order.
fn sees(scope: &crate::scope::Scope, o: &order::Model) -> bool {
    use crate::scope::Scope;
    match scope {
        Scope::All => true,
        Scope::Regions(ps) => ps.iter().any(|p| o.region_code.starts_with(p.as_str())),
        Scope::Orgs(ids) => ids
            .iter()
            .any(|i| *i == o.org_id || *i == o.provider_org_id),
        Scope::OwnUser(_) => false,
    }
}

/// An order read under its row's lock, for a change that depends on its state (paying,
/// closing, refunding, invoicing): concurrent changes of one order wait for each other.
pub(crate) async fn lock_order<C: sea_orm::ConnectionTrait>(
    txn: &C,
    id: &str,
) -> AppResult<order::Model> {
    order::Entity::find_by_id(id.to_string())
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("订单"))
}

/// A time as people in the province read it (UTC+8).
pub(crate) fn china_time(at: DateTime<Utc>) -> String {
    (at + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A readable number: a prefix (JN for orders), the date (China time) and ten random
/// digits.
pub(crate) fn readable_number(prefix: &str, now: DateTime<Utc>) -> String {
    use rand::Rng;
    let day = (now + chrono::Duration::hours(8)).format("%Y%m%d");
    let n: u64 = rand::thread_rng().gen_range(0..10_000_000_000);
    format!("{prefix}{day}{n:010}")
}

/// Give free seats of (class, course) to enrolled learners without one, in enrolment
/// order. Returns how many were given.
async fn assign_free(w: &Write<'_>, class_id: &str, package_id: &str) -> AppResult<u64> {
    let holders: std::collections::HashSet<String> = seat::Entity::find()
        .filter(seat::Column::ClassId.eq(class_id))
        .filter(seat::Column::PackageId.eq(package_id))
        .filter(seat::Column::LearnerId.is_not_null())
        .all(&w.txn)
        .await?
        .into_iter()
        .filter_map(|s| s.learner_id)
        .collect();
    let waiting: Vec<String> = enrollment::Entity::find()
        .filter(enrollment::Column::ClassId.eq(class_id))
        .order_by_asc(enrollment::Column::CreatedAt)
        .all(&w.txn)
        .await?
        .into_iter()
        .map(|e| e.user_id)
        .filter(|u| !holders.contains(u))
        .collect();
    if waiting.is_empty() {
        return Ok(0);
    }
    let free: Vec<seat::Model> = seat::Entity::find()
        .filter(seat::Column::ClassId.eq(class_id))
        .filter(seat::Column::PackageId.eq(package_id))
        .filter(seat::Column::Status.eq(SeatStatus::Free))
        .order_by_asc(seat::Column::OrderId)
        .order_by_asc(seat::Column::Position)
        .limit(u64::try_from(waiting.len()).unwrap_or(0))
        .all(&w.txn)
        .await?;
    let mut n = 0;
    for (s, learner) in free.into_iter().zip(waiting) {
        let res = seat::Entity::update_many()
            .col_expr(seat::Column::Status, Expr::value(SeatStatus::Assigned))
            .col_expr(seat::Column::LearnerId, Expr::value(Some(learner)))
            .col_expr(seat::Column::AssignedAt, Expr::value(Some(w.now)))
            .col_expr(seat::Column::UpdatedAt, Expr::value(w.now))
            .filter(seat::Column::Id.eq(s.id))
            .filter(seat::Column::Status.eq(SeatStatus::Free))
            .exec(&w.txn)
            .await?;
        n += res.rows_affected;
    }
    Ok(n)
}

#[allow(clippy::too_many_arguments)]
async fn insert_notice<C: sea_orm::ConnectionTrait>(
    db: &C,
    channel: Channel,
    notify_id: &str,
    payment_id: Option<&str>,
    outcome: NoticeOutcome,
    detail: &str,
    body: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    notice::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        channel: Set(channel),
        notify_id: Set(notify_id.chars().take(64).collect()),
        payment_id: Set(payment_id.map(str::to_string)),
        outcome: Set(outcome),
        detail: Set(detail.to_string()),
        body: Set(body.chars().take(1000).collect()),
        received_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}
