//! Voucher settlements (培训券兑付结算): the province pays each institution for the
//! vouchers it redeemed. A settlement is drawn over an institution's redeemed vouchers
//! that are in no settlement yet, then paid once with the bank's reference; the payment
//! enters the evidence log.
//!
//! A voucher joins one settlement only: it is bound by a conditional update on
//! `settlement_id IS NULL`, and a draw that binds fewer vouchers than it counted (another
//! draw got there first) is rolled back whole. A settlement is paid by a conditional
//! update on its state, so a payment recorded twice counts once.

use super::Subsidies;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::write::{OnUnique, one_row};
use chrono::{DateTime, Utc};
use jineng_core::Fen;
use jineng_core::accounts::Permission;
use jineng_core::vouchers::{self as rules, SettlementStatus, VoucherStatus};
use jineng_evidence::entry::{Entry as Fact, Kind};
use jineng_store::organizations::organization;
use jineng_store::subsidies::{voucher, voucher_settlement as settlement};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

/// Voucher ids per `IN (…)` list.
const CHUNK: usize = 500;

/// What the province owes one institution for redeemed vouchers not yet settled.
#[derive(Debug, Clone, Serialize)]
pub struct VoucherDue {
    pub org_id: String,
    pub org_name: String,
    pub vouchers: i64,
    pub total: Fen,
}

#[derive(Debug, Clone, Serialize)]
pub struct SettlementView {
    pub id: String,
    pub number: String,
    pub org_id: String,
    pub org_name: String,
    pub vouchers: i32,
    pub total: Fen,
    pub status: SettlementStatus,
    pub status_label: &'static str,
    pub bank_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
}

impl Subsidies<'_> {
    /// Institutions with redeemed vouchers in no settlement yet, largest amount first
    /// (the province's disbursers and those who see batches).
    pub async fn voucher_dues(&self, who: &Principal) -> AppResult<Vec<VoucherDue>> {
        self.may_see_batches(who)?;
        let rows: Vec<(Option<String>, i64, i64)> = voucher::Entity::find()
            .select_only()
            .column(voucher::Column::OrgId)
            .column_as(Expr::cust("COUNT(*)"), "n")
            .column_as(
                Expr::cust("CAST(COALESCE(SUM(\"value_fen\"), 0) AS BIGINT)"),
                "v",
            )
            .filter(voucher::Column::Status.eq(VoucherStatus::Redeemed))
            .filter(voucher::Column::SettlementId.is_null())
            .group_by(voucher::Column::OrgId)
            .into_tuple()
            .all(&self.db)
            .await?;
        let names = self
            .org_names(rows.iter().filter_map(|r| r.0.clone()))
            .await?;
        let mut out: Vec<VoucherDue> = rows
            .into_iter()
            .filter_map(|(org, n, v)| {
                let org = org?;
                Some(VoucherDue {
                    org_name: names.get(&org).cloned().unwrap_or_default(),
                    org_id: org,
                    vouchers: n,
                    total: Fen(v),
                })
            })
            .collect();
        out.sort_by(|a, b| b.total.0.cmp(&a.total.0).then(a.org_name.cmp(&b.org_name)));
        Ok(out)
    }

    /// The province draws a settlement over every redeemed voucher of one institution
    /// that is in no settlement yet.
    pub async fn settle_vouchers(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        org_id: &str,
    ) -> AppResult<SettlementView> {
        self.may_disburse(who)?;
        if org_id.trim().is_empty() {
            return Err(AppError::field("org_id", "请选择机构"));
        }
        let org = organization::Entity::find_by_id(org_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("机构"))?;
        let w = self.write(who, ctx).await?;
        let due: Vec<(String, i64)> = voucher::Entity::find()
            .select_only()
            .column(voucher::Column::Id)
            .column(voucher::Column::ValueFen)
            .filter(voucher::Column::OrgId.eq(org.id.clone()))
            .filter(voucher::Column::Status.eq(VoucherStatus::Redeemed))
            .filter(voucher::Column::SettlementId.is_null())
            .into_tuple()
            .all(&w.txn)
            .await?;
        if due.is_empty() {
            return Err(AppError::Conflict(format!(
                "{}没有待结算的已兑付培训券",
                org.name
            )));
        }
        let total: i64 = due.iter().map(|d| d.1).sum();
        let count = i32::try_from(due.len())
            .map_err(|_| AppError::Conflict("待结算的培训券过多，请联系平台".into()))?;
        let id = uuid::Uuid::now_v7().to_string();
        let number = crate::orders::readable_number("QJ", w.now);
        let row = settlement::ActiveModel {
            id: Set(id.clone()),
            number: Set(number.clone()),
            org_id: Set(org.id.clone()),
            vouchers: Set(count),
            total_fen: Set(total),
            status: Set(SettlementStatus::Drawn),
            bank_ref: Set(None),
            created_by: Set(who.user_id.clone()),
            created_at: Set(w.now),
            paid_by: Set(None),
            paid_at: Set(None),
        }
        .insert(&w.txn)
        .await
        .on_unique(|| AppError::Conflict("结算单编号重复，请重试".into()))?;
        let mut bound = 0u64;
        for chunk in due.chunks(CHUNK) {
            bound += voucher::Entity::update_many()
                .col_expr(voucher::Column::SettlementId, Expr::value(Some(id.clone())))
                .col_expr(voucher::Column::UpdatedAt, Expr::value(w.now))
                .filter(voucher::Column::Id.is_in(chunk.iter().map(|d| d.0.clone())))
                .filter(voucher::Column::Status.eq(VoucherStatus::Redeemed))
                .filter(voucher::Column::SettlementId.is_null())
                .exec(&w.txn)
                .await?
                .rows_affected;
        }
        if bound != due.len() as u64 {
            // Another draw took some of these vouchers meanwhile: nothing is kept.
            return Err(AppError::Conflict(
                "该机构的培训券刚被另一结算单结算，请刷新后再看".into(),
            ));
        }
        w.commit(Entry::ok(
            "voucher_settlement.draw",
            "voucher_settlement",
            &id,
            serde_json::json!({"number": number, "org": org.id, "vouchers": count, "total_fen": total}),
        ))
        .await?;
        Ok(self.settlement_views(vec![row]).await?.remove(0))
    }

    /// The province records that a drawn settlement was paid to the institution, with
    /// the bank's reference; the payment enters the evidence log.
    pub async fn pay_voucher_settlement(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        reference: &str,
    ) -> AppResult<SettlementView> {
        self.may_disburse(who)?;
        let s = settlement::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("结算单"))?;
        let reference =
            rules::payment_reference(reference).map_err(|m| AppError::field("reference", m))?;
        if s.status != SettlementStatus::Drawn {
            return Err(AppError::Conflict(format!(
                "结算单{}已付款（流水号 {}）",
                s.number,
                s.bank_ref.as_deref().unwrap_or("")
            )));
        }
        let w = self.write(who, ctx).await?;
        let res = settlement::Entity::update_many()
            .col_expr(
                settlement::Column::Status,
                Expr::value(SettlementStatus::Paid),
            )
            .col_expr(
                settlement::Column::BankRef,
                Expr::value(Some(reference.to_string())),
            )
            .col_expr(
                settlement::Column::PaidBy,
                Expr::value(Some(who.user_id.clone())),
            )
            .col_expr(settlement::Column::PaidAt, Expr::value(Some(w.now)))
            .filter(settlement::Column::Id.eq(s.id.clone()))
            .filter(settlement::Column::Status.eq(SettlementStatus::Drawn))
            .exec(&w.txn)
            .await?;
        one_row(res, "结算单刚被登记付款，请刷新后再看")?;
        let at = crate::ledger::append(
            &w.txn,
            &Fact {
                kind: Kind::VoucherSettlement,
                record_id: s.number.clone(),
                record_sha256: jineng_core::archive::sha256(&rules::settlement_record(
                    &s.number,
                    &s.org_id,
                    i64::from(s.vouchers),
                    Fen(s.total_fen),
                    reference,
                )),
                at_micros: w.now.timestamp_micros(),
                org_id: s.org_id.clone(),
            },
        )
        .await?;
        w.commit(Entry::ok(
            "voucher_settlement.pay",
            "voucher_settlement",
            &s.id,
            serde_json::json!({"number": s.number, "total_fen": s.total_fen, "reference": reference, "ledger_index": at.index}),
        ))
        .await?;
        let row = settlement::Entity::find_by_id(s.id)
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("结算单"))?;
        Ok(self.settlement_views(vec![row]).await?.remove(0))
    }

    /// The bank file of a settlement, to hand the payment to the bank: the batch format
    /// of subsidy disbursements (docs/subsidies.md) with one line, the institution's
    /// settlement account, the amount and the settlement's number as the reference.
    /// Only those who pay (it holds the whole account number); each download audited.
    /// 409 for a settlement already paid, or an institution without a bank account.
    pub async fn voucher_settlement_bank_file(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
    ) -> AppResult<(String, Vec<u8>)> {
        self.may_disburse(who)?;
        let s = settlement::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("结算单"))?;
        if s.status != SettlementStatus::Drawn {
            return Err(AppError::Conflict(format!(
                "结算单{}已付款（流水号 {}），不再生成银行文件",
                s.number,
                s.bank_ref.as_deref().unwrap_or("")
            )));
        }
        let org = organization::Entity::find_by_id(s.org_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("机构"))?;
        let account = if org.bank_account_enc.is_empty() {
            String::new()
        } else {
            self.keyring
                .decrypt(
                    &org.bank_account_enc,
                    crate::crypto::pii::Place::new("organizations", "bank_account_enc", &org.id),
                )
                .map_err(|e| AppError::Internal(format!("organisation bank account: {e}")))?
        };
        let account = account.trim().to_string();
        if account.is_empty() || org.bank_account_name.trim().is_empty() {
            return Err(AppError::Conflict(format!(
                "{}没有登记结算银行账户，请机构在单位信息中补充后再生成",
                org.name
            )));
        }
        let file = jineng_core::subsidies::bank_file(
            &s.number,
            self.today(),
            &[jineng_core::subsidies::BankLine {
                account,
                name: org.bank_account_name.trim().to_string(),
                amount: Fen(s.total_fen),
                reference: s.number.clone(),
            }],
        );
        let w = self.write(who, ctx).await?;
        w.commit(Entry::ok(
            "voucher_settlement.bank_file",
            "voucher_settlement",
            &s.id,
            serde_json::json!({"number": s.number, "total_fen": s.total_fen}),
        ))
        .await?;
        Ok((format!("{}.txt", s.number), file.into_bytes()))
    }

    /// Settlements the caller sees, newest first: all for the province, its own for an
    /// institution.
    pub async fn voucher_settlements(&self, who: &Principal) -> AppResult<Vec<SettlementView>> {
        let mut q = settlement::Entity::find();
        if !self.sees_batches(who) {
            if !who.can(Permission::ClaimSubsidies) || who.org_ids().is_empty() {
                return Err(AppError::Forbidden);
            }
            q = q.filter(settlement::Column::OrgId.is_in(who.org_ids()));
        }
        let rows = q
            .order_by_desc(settlement::Column::CreatedAt)
            .limit(200)
            .all(&self.db)
            .await?;
        self.settlement_views(rows).await
    }

    /// Whether the caller draws and pays settlements (the province's disbursers).
    pub fn disburses(&self, who: &Principal) -> bool {
        self.may_disburse(who).is_ok()
    }

    /// Whether the caller sees voucher settlements (the province, or an institution its own).
    pub fn sees_voucher_settlements(&self, who: &Principal) -> bool {
        self.sees_batches(who) || (who.can(Permission::ClaimSubsidies) && !who.org_ids().is_empty())
    }

    async fn settlement_views(
        &self,
        rows: Vec<settlement::Model>,
    ) -> AppResult<Vec<SettlementView>> {
        let names = self
            .org_names(rows.iter().map(|r| r.org_id.clone()))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| SettlementView {
                org_name: names.get(&r.org_id).cloned().unwrap_or_default(),
                status_label: r.status.label(),
                total: Fen(r.total_fen),
                id: r.id,
                number: r.number,
                org_id: r.org_id,
                vouchers: r.vouchers,
                status: r.status,
                bank_ref: r.bank_ref,
                created_at: r.created_at,
                paid_at: r.paid_at,
            })
            .collect())
    }
}
