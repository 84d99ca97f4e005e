//! Disbursement (补贴发放): approved claims' eligible lines go into a batch, one payout
//! per learner to their social-security card account; the batch's bank file goes to the
//! bank; the bank's return file settles each payout as paid or failed. A payout is
//! settled once, whatever the bank answers again; a failed one is sent again in a later
//! batch (after the learner corrects the account), never while another is live.
//!
//! The embedded bank is a sandbox: a background job answers each batch a little later
//! with a return file, and answers it a second time to prove a repeated answer changes
//! nothing (`jineng_core::subsidies::sandbox_bank_answer` says which lines fail). A real
//! bank's return file is uploaded on the batch page and goes through the same path.

use super::Subsidies;
use super::claims::ELIGIBLE;
use crate::audit::{Actor, Entry};
use crate::context::{Principal, RequestCtx};
use crate::crypto::pii::Place;
use crate::error::{AppError, AppResult};
use crate::jobs::JobError;
use crate::write::OnUnique;
use chrono::{DateTime, Utc};
use jineng_core::accounts::Permission;
use jineng_core::jobs::JobKind;
use jineng_core::subsidies::{
    self as rules, BankAnswer, BankLine, BatchStatus, ClaimStatus, PayoutStatus,
};
use jineng_core::{BankAccount, Fen};
use jineng_evidence::entry::{Entry as Fact, Kind};
use jineng_store::accounts::user;
use jineng_store::subsidies::{batch, claim, line, payout, return_file};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// The sandbox bank answers this long after a batch is sent, and again this much later.
const SANDBOX_ANSWER_AFTER_SECONDS: i64 = 10;
const SANDBOX_REPEAT_AFTER_SECONDS: i64 = 40;
/// The most claims one batch is made of.
const MAX_CLAIMS_PER_BATCH: usize = 1000;
/// Ids per `IN (…)` list (SQLite allows 32,766 bound values in one statement).
const IN_CHUNK: usize = 500;

/// Failed payouts by claim line: (payout id, the account it failed on).
type Failed = HashMap<String, Vec<(String, String)>>;

/// A line a batch pays, with the learner's encrypted card account (none on record: the
/// learner is not paid until they add one).
struct LineToPay {
    id: String,
    claim_id: String,
    user_id: String,
    name: String,
    amount_fen: i64,
    account_enc: Option<String>,
}

/// The sandbox bank in the audit trail.
const BANK_ACTOR: Actor<'static> = Actor {
    id: "bank",
    name: "沙箱银行",
    role: "system",
};

/// An approved claim with learners still to pay.
#[derive(Debug, Clone, Serialize)]
pub struct Payable {
    pub claim_id: String,
    pub number: String,
    pub class_name: String,
    pub org_name: String,
    pub lines: usize,
    pub total: Fen,
    /// Of them, lines whose last payout failed.
    pub failed: usize,
    /// Of them, learners with no card account on record (left out of a batch).
    pub no_account: usize,
    /// Of them, failed lines whose account has not been corrected (left out too).
    pub unchanged: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct BatchView {
    pub id: String,
    pub number: String,
    pub status: BatchStatus,
    pub status_label: &'static str,
    pub lines: i32,
    pub total: Fen,
    pub paid: Fen,
    pub paid_count: usize,
    pub failed_count: usize,
    pub pending_count: usize,
    pub file_sha256: String,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PayoutView {
    pub reference: String,
    pub claim_id: String,
    pub name: String,
    pub account_masked: String,
    pub amount: Fen,
    pub status: PayoutStatus,
    pub status_label: &'static str,
    pub bank_txn: String,
    pub failure: String,
    pub ledger_idx: Option<i64>,
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReturnView {
    pub source: &'static str,
    pub lines: i32,
    pub applied: i32,
    pub repeated: i32,
    pub conflicting: i32,
    pub unknown: i32,
    pub received_at: DateTime<Utc>,
}

/// A learner's own subsidy, as they see it.
#[derive(Debug, Clone, Serialize)]
pub struct MySubsidy {
    pub claim_id: String,
    pub claim_number: String,
    /// The learner's own claim (个人补贴): its documents are the learner's to add.
    pub individual: bool,
    /// Documents may be added now (an own claim in review or returned).
    pub may_attach: bool,
    /// (document id, file name) of an own claim.
    pub documents: Vec<(String, String)>,
    pub class_name: String,
    pub policy_name: String,
    pub eligible: bool,
    pub amount: Fen,
    pub reasons: String,
    pub stage: String,
    pub payout: String,
}

impl Subsidies<'_> {
    pub(super) fn may_disburse(&self, who: &Principal) -> AppResult<()> {
        if who.can_province_wide(Permission::DisburseSubsidies) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Whether the caller sees disbursement batches (the province and the platform).
    pub fn sees_batches(&self, who: &Principal) -> bool {
        who.can_province_wide(Permission::ViewSubsidies)
            && (who.can(Permission::DisburseSubsidies)
                || who.grants.iter().any(|g| g.role.is_admin()))
    }

    pub(super) fn may_see_batches(&self, who: &Principal) -> AppResult<()> {
        if self.sees_batches(who) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Eligible lines of approved claims with no live payout (what is still to pay).
    /// Subqueries, not id lists: a province can have many thousand such lines.
    async fn unpaid_lines(&self) -> AppResult<Vec<line::Model>> {
        let approved = Query::select()
            .column(claim::Column::Id)
            .from(claim::Entity)
            .and_where(claim::Column::Status.eq(ClaimStatus::Approved))
            .to_owned();
        let live = Query::select()
            .column(payout::Column::LineId)
            .from(payout::Entity)
            .and_where(payout::Column::Status.is_in([PayoutStatus::Pending, PayoutStatus::Paid]))
            .to_owned();
        Ok(line::Entity::find()
            .filter(line::Column::ClaimId.in_subquery(approved))
            .filter(line::Column::State.eq(ELIGIBLE))
            .filter(line::Column::Id.not_in_subquery(live))
            .order_by_asc(line::Column::ClaimId)
            .order_by_asc(line::Column::Name)
            .all(&self.db)
            .await?)
    }

    /// The unpaid eligible lines of the approved claims among `claim_ids`, each with the
    /// learner's encrypted card account, in one joined read of the few columns a batch
    /// needs (a province's batch reads many thousand).
    async fn lines_to_pay(&self, claim_ids: &[String]) -> AppResult<Vec<LineToPay>> {
        let approved = Query::select()
            .column(claim::Column::Id)
            .from(claim::Entity)
            .and_where(claim::Column::Status.eq(ClaimStatus::Approved))
            .and_where(claim::Column::Id.is_in(claim_ids.to_vec()))
            .to_owned();
        let live = Query::select()
            .column(payout::Column::LineId)
            .from(payout::Entity)
            .and_where(payout::Column::Status.is_in([PayoutStatus::Pending, PayoutStatus::Paid]))
            .to_owned();
        let rows: Vec<(String, String, String, String, i64, Option<String>)> = line::Entity::find()
            .select_only()
            .column(line::Column::Id)
            .column(line::Column::ClaimId)
            .column(line::Column::UserId)
            .column(line::Column::Name)
            .column(line::Column::AmountFen)
            .column(user::Column::BankAccountEnc)
            .join(
                JoinType::LeftJoin,
                line::Entity::belongs_to(user::Entity)
                    .from(line::Column::UserId)
                    .to(user::Column::Id)
                    .into(),
            )
            .filter(line::Column::ClaimId.in_subquery(approved))
            .filter(line::Column::State.eq(ELIGIBLE))
            .filter(line::Column::Id.not_in_subquery(live))
            .order_by_asc(line::Column::ClaimId)
            .order_by_asc(line::Column::Name)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, claim_id, user_id, name, amount_fen, account_enc)| LineToPay {
                    id,
                    claim_id,
                    user_id,
                    name,
                    amount_fen,
                    account_enc,
                },
            )
            .collect())
    }

    /// The failed payouts of the claims among `claim_ids`, by line: each payout's id and
    /// the account it failed on (decrypted). A line is sent again only to another account.
    async fn failed_of_claims(&self, claim_ids: &[String]) -> AppResult<Failed> {
        let mut out: Failed = HashMap::new();
        for chunk in claim_ids.chunks(IN_CHUNK) {
            for p in payout::Entity::find()
                .filter(payout::Column::ClaimId.is_in(chunk.to_vec()))
                .filter(payout::Column::Status.eq(PayoutStatus::Failed))
                .all(&self.db)
                .await?
            {
                let account = self
                    .keyring
                    .decrypt(
                        &p.account_enc,
                        Place::new("subsidy_payouts", "account_enc", &p.id),
                    )
                    .map_err(|e| AppError::Internal(format!("payout account {}: {e}", p.id)))?;
                out.entry(p.line_id).or_default().push((p.id, account));
            }
        }
        Ok(out)
    }

    /// Whether a line last failed on the account now on record (not corrected yet).
    fn unchanged(
        &self,
        l: &line::Model,
        failed: &Failed,
        accounts: &HashMap<String, String>,
    ) -> AppResult<bool> {
        let (Some(tried), Some(enc)) = (failed.get(&l.id), accounts.get(&l.user_id)) else {
            return Ok(false);
        };
        let now = self
            .keyring
            .decrypt(enc, Place::new("users", "bank_account_enc", &l.user_id))
            .map_err(|e| AppError::Internal(format!("card account of {}: {e}", l.user_id)))?;
        Ok(tried.iter().any(|(_, a)| *a == now))
    }

    /// The encrypted card accounts on record of the users among `ids`.
    async fn accounts_of(&self, ids: &[String]) -> AppResult<HashMap<String, String>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(IN_CHUNK) {
            // Two columns, not whole accounts: a province's batch reads many thousand.
            let rows: Vec<(String, Option<String>)> = user::Entity::find()
                .select_only()
                .column(user::Column::Id)
                .column(user::Column::BankAccountEnc)
                .filter(user::Column::Id.is_in(chunk.to_vec()))
                .into_tuple()
                .all(&self.db)
                .await?;
            out.extend(rows.into_iter().filter_map(|(id, enc)| Some((id, enc?))));
        }
        Ok(out)
    }

    /// Approved claims with learners still to pay.
    pub async fn payable(&self, who: &Principal) -> AppResult<Vec<Payable>> {
        self.may_see_batches(who)?;
        let lines = self.unpaid_lines().await?;
        let mut claim_ids: Vec<String> = lines.iter().map(|l| l.claim_id.clone()).collect();
        claim_ids.dedup();
        let failed = self.failed_of_claims(&claim_ids).await?;
        let with_account = self
            .accounts_of(&lines.iter().map(|l| l.user_id.clone()).collect::<Vec<_>>())
            .await?;
        let mut by_claim: Vec<(String, Vec<line::Model>)> = Vec::new();
        for l in lines {
            match by_claim.last_mut() {
                Some((c, ls)) if *c == l.claim_id => ls.push(l),
                _ => by_claim.push((l.claim_id.clone(), vec![l])),
            }
        }
        let mut claims = Vec::new();
        for chunk in by_claim.chunks(IN_CHUNK) {
            claims.extend(
                claim::Entity::find()
                    .filter(claim::Column::Id.is_in(chunk.iter().map(|b| b.0.clone())))
                    .all(&self.db)
                    .await?,
            );
        }
        let views: HashMap<String, super::claims::ClaimView> = self
            .views(claims)
            .await?
            .into_iter()
            .map(|v| (v.id.clone(), v))
            .collect();
        Ok(by_claim
            .into_iter()
            .filter_map(|(id, ls)| {
                let v = views.get(&id)?;
                Some(Payable {
                    number: v.number.clone(),
                    class_name: v.class_name.clone(),
                    org_name: v.org_name.clone(),
                    lines: ls.len(),
                    total: Fen(ls.iter().map(|l| l.amount_fen).sum()),
                    failed: ls.iter().filter(|l| failed.contains_key(&l.id)).count(),
                    unchanged: ls
                        .iter()
                        .filter(|l| self.unchanged(l, &failed, &with_account).unwrap_or(true))
                        .count(),
                    no_account: ls
                        .iter()
                        .filter(|l| !with_account.contains_key(&l.user_id))
                        .count(),
                    claim_id: id,
                })
            })
            .collect())
    }

    /// Put the unpaid learners of these approved claims into a new batch, write its bank
    /// file and send it to the (sandbox) bank. Learners with no card account on record
    /// are left out (and stay payable).
    pub async fn create_batch(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        claim_ids: &[String],
    ) -> AppResult<String> {
        self.may_disburse(who)?;
        let mut ids: Vec<String> = claim_ids.to_vec();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Err(AppError::field("claim_ids", "请选择要发放的补贴申请"));
        }
        if ids.len() > MAX_CLAIMS_PER_BATCH {
            return Err(AppError::field(
                "claim_ids",
                format!("一个批次最多选择{MAX_CLAIMS_PER_BATCH}个申请"),
            ));
        }
        let t0 = std::time::Instant::now();
        let lines = self.lines_to_pay(&ids).await?;
        let t_lines = t0.elapsed();
        let failed = self.failed_of_claims(&ids).await?;
        let t_accounts = t0.elapsed();
        let id = uuid::Uuid::now_v7().to_string();
        let mut rows = Vec::new();
        let mut bank_lines = Vec::new();
        // Failed payouts of lines that go to a corrected account now.
        let mut resent: Vec<String> = Vec::new();
        for l in &lines {
            let Some(enc) = &l.account_enc else {
                continue;
            };
            let account = self
                .keyring
                .decrypt(enc, Place::new("users", "bank_account_enc", &l.user_id))
                .map_err(|e| AppError::Internal(format!("card account of {}: {e}", l.user_id)))?;
            // Failed on this very account: wait until the learner corrects it.
            let tried = failed.get(&l.id).map(Vec::as_slice).unwrap_or_default();
            if tried.iter().any(|(_, a)| *a == account) {
                continue;
            }
            resent.extend(tried.iter().map(|(id, _)| id.clone()));
            let pid = uuid::Uuid::now_v7().to_string();
            let reference = format!("SP{}", pid.replace('-', ""));
            bank_lines.push(BankLine {
                account: account.clone(),
                name: l.name.clone(),
                amount: Fen(l.amount_fen),
                reference: reference.clone(),
            });
            rows.push(payout::ActiveModel {
                account_enc: Set(self
                    .keyring
                    .encrypt(&account, Place::new("subsidy_payouts", "account_enc", &pid))
                    .map_err(|e| AppError::Internal(format!("encrypt: {e}")))?),
                id: Set(pid),
                reference: Set(reference),
                batch_id: Set(id.clone()),
                line_id: Set(l.id.clone()),
                claim_id: Set(l.claim_id.clone()),
                user_id: Set(l.user_id.clone()),
                name: Set(l.name.clone()),
                account_masked: Set(jineng_core::mask::bank_account(&account)),
                amount_fen: Set(l.amount_fen),
                status: Set(PayoutStatus::Pending),
                bank_txn: Set(None),
                failure: Set(String::new()),
                ledger_idx: Set(None),
                created_at: Set(self.now()),
                answered_at: Set(None),
            });
        }
        if rows.is_empty() {
            return Err(AppError::Conflict(
                "所选申请没有可发放的学员（未登记社保卡金融账户、或发放失败后尚未更正账户的学员暂不发放）"
                    .into(),
            ));
        }
        if rows.len() > rules::MAX_BATCH_LINES {
            return Err(AppError::Conflict(format!(
                "一个批次最多{}人，请分批发放",
                rules::MAX_BATCH_LINES
            )));
        }
        let t_crypto = t0.elapsed();
        let w = self.write(who, ctx).await?;
        let number = crate::orders::readable_number("FF", w.now);
        let file = rules::bank_file(&number, self.today(), &bank_lines);
        let sha = hex::encode(jineng_core::archive::sha256(&file));
        let key = format!("subsidies/batches/{id}.txt");
        let total: i64 = bank_lines.iter().map(|l| l.amount.0).sum();
        batch::Entity::insert(batch::ActiveModel {
            id: Set(id.clone()),
            number: Set(number.clone()),
            status: Set(BatchStatus::Sent),
            lines: Set(rows.len() as i32),
            total_fen: Set(total),
            file_key: Set(key.clone()),
            file_sha256: Set(sha.clone()),
            created_by: Set(who.user_id.clone()),
            created_at: Set(w.now),
            answered_at: Set(None),
        })
        .exec(&w.txn)
        .await?;
        // A line that failed before is being sent again: its failed payout is closed.
        for chunk in resent.chunks(IN_CHUNK) {
            payout::Entity::update_many()
                .col_expr(payout::Column::Status, Expr::value(PayoutStatus::Resent))
                .filter(payout::Column::Id.is_in(chunk.to_vec()))
                .filter(payout::Column::Status.eq(PayoutStatus::Failed))
                .exec(&w.txn)
                .await?;
        }
        let count = rows.len();
        // 500 rows per statement: larger statements measured slower (2,000 rows: the
        // writes of a 100,000-learner batch took 3.9 s instead of 1.1 s).
        for chunk in rows.chunks(500) {
            payout::Entity::insert_many(chunk.to_vec())
                .exec(&w.txn)
                .await
                .on_unique(|| {
                    AppError::Conflict("有学员刚被放入另一发放批次，请刷新后再试".into())
                })?;
        }
        for (nth, delay) in [
            (1, SANDBOX_ANSWER_AFTER_SECONDS),
            (2, SANDBOX_REPEAT_AFTER_SECONDS),
        ] {
            crate::jobs::enqueue_at(
                self,
                &w,
                JobKind::SandboxBank,
                &format!("sandbox-bank:{id}:{nth}"),
                serde_json::json!({"batch": id}),
                w.now + chrono::Duration::seconds(delay),
            )
            .await?;
        }
        self.files
            .put(&key, file.into_bytes())
            .await
            .map_err(|e| AppError::Unavailable(format!("file storage: {e}")))?;
        w.commit(Entry::ok(
            "subsidy_batch.create",
            "subsidy_batch",
            &id,
            serde_json::json!({"number": number, "lines": count, "total_fen": total, "claims": claim_ids, "sha256": sha}),
        ))
        .await?;
        let ms = |d: std::time::Duration| d.as_millis();
        tracing::info!(
            batch = %id,
            payouts = count,
            lines_ms = ms(t_lines),
            accounts_ms = ms(t_accounts - t_lines),
            crypto_ms = ms(t_crypto - t_accounts),
            write_ms = ms(t0.elapsed() - t_crypto),
            "disbursement batch created"
        );
        Ok(id)
    }

    pub async fn batches(&self, who: &Principal) -> AppResult<Vec<BatchView>> {
        self.may_see_batches(who)?;
        let rows = batch::Entity::find()
            .order_by_desc(batch::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let mut out = Vec::new();
        for b in rows {
            let ps = self.payouts_of(&b.id).await?;
            out.push(batch_view(b, &ps));
        }
        Ok(out)
    }

    async fn payouts_of(&self, batch_id: &str) -> AppResult<Vec<payout::Model>> {
        Ok(payout::Entity::find()
            .filter(payout::Column::BatchId.eq(batch_id))
            .order_by_asc(payout::Column::Name)
            .order_by_asc(payout::Column::Id)
            .all(&self.db)
            .await?)
    }

    pub async fn batch(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<(BatchView, Vec<PayoutView>, Vec<ReturnView>)> {
        self.may_see_batches(who)?;
        let b = batch::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("发放批次"))?;
        let ps = self.payouts_of(id).await?;
        let returns = return_file::Entity::find()
            .filter(return_file::Column::BatchId.eq(id))
            .order_by_asc(return_file::Column::ReceivedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| ReturnView {
                source: if r.source == "sandbox" {
                    "沙箱银行"
                } else {
                    "上传回盘文件"
                },
                lines: r.lines,
                applied: r.applied,
                repeated: r.repeated,
                conflicting: r.conflicting,
                unknown: r.unknown,
                received_at: r.received_at,
            })
            .collect();
        let views = ps
            .iter()
            .map(|p| PayoutView {
                reference: p.reference.clone(),
                claim_id: p.claim_id.clone(),
                name: p.name.clone(),
                account_masked: p.account_masked.clone(),
                amount: Fen(p.amount_fen),
                status: p.status,
                status_label: p.status.label(),
                bank_txn: p.bank_txn.clone().unwrap_or_default(),
                failure: p.failure.clone(),
                ledger_idx: p.ledger_idx,
                answered_at: p.answered_at,
            })
            .collect();
        Ok((batch_view(b, &ps), views, returns))
    }

    /// The bank file as sent: (file name, bytes).
    /// Only those who disburse: it holds whole account numbers.
    pub async fn bank_file(&self, who: &Principal, id: &str) -> AppResult<(String, Vec<u8>)> {
        self.may_disburse(who)?;
        let b = batch::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("发放批次"))?;
        let bytes = self
            .files
            .get(&b.file_key)
            .await
            .map_err(|e| AppError::Unavailable(format!("file storage: {e}")))?
            .ok_or_else(|| AppError::Internal(format!("bank file {} missing", b.file_key)))?;
        Ok((format!("{}.txt", b.number), bytes.to_vec()))
    }

    /// A return file the bank sent, uploaded by the province.
    pub async fn upload_return(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        bytes: &[u8],
    ) -> AppResult<ReturnView> {
        self.may_disburse(who)?;
        let answers = rules::parse_return_file(bytes).map_err(|e| AppError::field("file", e))?;
        if answers.is_empty() {
            return Err(AppError::field("file", "回盘文件没有任何记录"));
        }
        let w = self.write(who, ctx).await?;
        let v = self
            .apply_answers(&w, id, &answers, "upload", bytes)
            .await?;
        w.commit(Entry::ok(
            "subsidy_batch.return",
            "subsidy_batch",
            id,
            serde_json::json!({"source": "upload", "lines": v.lines, "applied": v.applied, "repeated": v.repeated, "conflicting": v.conflicting, "unknown": v.unknown}),
        ))
        .await?;
        Ok(v)
    }

    /// The sandbox bank answers a batch: each payout it was sent, paid or failed by the
    /// sandbox rule, as a return file through the same path as an upload.
    pub(crate) async fn sandbox_bank_job(&self, payload: &str) -> Result<(), JobError> {
        let v: serde_json::Value =
            serde_json::from_str(payload).map_err(|e| JobError::Fatal(format!("payload: {e}")))?;
        let id = v["batch"]
            .as_str()
            .ok_or_else(|| JobError::Fatal("payload has no batch".into()))?
            .to_string();
        let ps = self.payouts_of(&id).await.map_err(JobError::from)?;
        let mut text = String::new();
        let mut bytes_answers = Vec::new();
        for p in ps.iter().filter(|p| p.status != PayoutStatus::Resent) {
            let account = self
                .keyring
                .decrypt(
                    &p.account_enc,
                    Place::new("subsidy_payouts", "account_enc", &p.id),
                )
                .map_err(|e| JobError::Fatal(format!("account of {}: {e}", p.id)))?;
            let a = BankAnswer {
                reference: p.reference.clone(),
                result: match rules::sandbox_bank_answer(&account) {
                    // The bank's own transaction number, stable for a repeated answer.
                    Ok(()) => Ok(format!(
                        "SBX{}",
                        &hex::encode(jineng_core::archive::sha256(&p.reference))[..16]
                    )),
                    Err(why) => Err(why.to_string()),
                },
            };
            text.push_str(&rules::return_line(&a));
            bytes_answers.push(a);
        }
        if bytes_answers.is_empty() {
            return Ok(());
        }
        let ctx = RequestCtx::internal(format!("sandbox-bank-{id}"), "sandbox bank");
        let w = self.write(BANK_ACTOR, &ctx).await.map_err(JobError::from)?;
        let r = self
            .apply_answers(&w, &id, &bytes_answers, "sandbox", text.as_bytes())
            .await
            .map_err(JobError::from)?;
        w.commit(Entry::ok(
            "subsidy_batch.return",
            "subsidy_batch",
            &id,
            serde_json::json!({"source": "sandbox", "lines": r.lines, "applied": r.applied, "repeated": r.repeated, "conflicting": r.conflicting, "unknown": r.unknown}),
        ))
        .await
        .map_err(JobError::from)
    }

    /// Settle the batch's pending payouts the answers name; answers for settled payouts
    /// (a repeat) or naming none of the batch's payouts change nothing and are counted.
    async fn apply_answers(
        &self,
        w: &crate::write::Write<'_>,
        batch_id: &str,
        answers: &[BankAnswer],
        source: &str,
        raw: &[u8],
    ) -> AppResult<ReturnView> {
        let b = batch::Entity::find_by_id(batch_id.to_string())
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound("发放批次"))?;
        let ps: HashMap<String, payout::Model> = payout::Entity::find()
            .filter(payout::Column::BatchId.eq(batch_id))
            .all(&w.txn)
            .await?
            .into_iter()
            .map(|p| (p.reference.clone(), p))
            .collect();
        let (mut applied, mut repeated, mut conflicting, mut unknown) = (0i32, 0i32, 0i32, 0i32);
        let mut seen = HashSet::new();
        for a in answers {
            let Some(p) = ps.get(&a.reference) else {
                unknown += 1;
                continue;
            };
            if p.status != PayoutStatus::Pending || !seen.insert(a.reference.clone()) {
                // Settled already (or earlier in this file): the same answer is a repeat;
                // a different one contradicts what the bank said before.
                let same = match (&a.result, p.status) {
                    (Ok(txn), PayoutStatus::Paid) => p.bank_txn.as_deref() == Some(txn.as_str()),
                    (Err(_), PayoutStatus::Failed | PayoutStatus::Resent) => true,
                    (_, PayoutStatus::Pending) => true,
                    _ => false,
                };
                if same {
                    repeated += 1;
                } else {
                    conflicting += 1;
                    tracing::warn!(batch = %batch_id, reference = %a.reference, "the bank's answer contradicts how the payout was settled");
                }
                continue;
            }
            let res = match &a.result {
                Ok(txn) => {
                    let at = crate::ledger::append(
                        &w.txn,
                        &Fact {
                            kind: Kind::SubsidyPayout,
                            record_id: p.reference.clone(),
                            record_sha256: jineng_core::archive::sha256(&rules::payout_record(
                                &p.reference,
                                &p.user_id,
                                Fen(p.amount_fen),
                                txn,
                            )),
                            at_micros: w.now.timestamp_micros(),
                            org_id: String::new(),
                        },
                    )
                    .await?;
                    payout::Entity::update_many()
                        .col_expr(payout::Column::Status, Expr::value(PayoutStatus::Paid))
                        .col_expr(payout::Column::BankTxn, Expr::value(Some(txn.clone())))
                        .col_expr(
                            payout::Column::LedgerIdx,
                            Expr::value(i64::try_from(at.index).ok()),
                        )
                        .col_expr(payout::Column::AnsweredAt, Expr::value(Some(w.now)))
                        .filter(payout::Column::Id.eq(p.id.clone()))
                        .filter(payout::Column::Status.eq(PayoutStatus::Pending))
                        .exec(&w.txn)
                        .await?
                }
                Err(why) => {
                    payout::Entity::update_many()
                        .col_expr(payout::Column::Status, Expr::value(PayoutStatus::Failed))
                        .col_expr(payout::Column::Failure, Expr::value(why.clone()))
                        .col_expr(payout::Column::AnsweredAt, Expr::value(Some(w.now)))
                        .filter(payout::Column::Id.eq(p.id.clone()))
                        .filter(payout::Column::Status.eq(PayoutStatus::Pending))
                        .exec(&w.txn)
                        .await?
                }
            };
            if res.rows_affected == 1 {
                applied += 1;
            } else {
                repeated += 1;
            }
        }
        let still_pending = payout::Entity::find()
            .filter(payout::Column::BatchId.eq(batch_id))
            .filter(payout::Column::Status.eq(PayoutStatus::Pending))
            .one(&w.txn)
            .await?
            .is_some();
        if !still_pending && b.status == BatchStatus::Sent {
            batch::Entity::update_many()
                .col_expr(batch::Column::Status, Expr::value(BatchStatus::Answered))
                .col_expr(batch::Column::AnsweredAt, Expr::value(Some(w.now)))
                .filter(batch::Column::Id.eq(batch_id))
                .filter(batch::Column::Status.eq(BatchStatus::Sent))
                .exec(&w.txn)
                .await?;
        }
        let lines = i32::try_from(answers.len()).unwrap_or(i32::MAX);
        return_file::Entity::insert(return_file::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            batch_id: Set(batch_id.to_string()),
            source: Set(source.to_string()),
            sha256: Set(hex::encode(jineng_core::archive::sha256_bytes(raw))),
            lines: Set(lines),
            applied: Set(applied),
            repeated: Set(repeated),
            conflicting: Set(conflicting),
            unknown: Set(unknown),
            received_by: Set(w.actor_id()),
            received_at: Set(w.now),
        })
        .exec(&w.txn)
        .await?;
        Ok(ReturnView {
            source: if source == "sandbox" {
                "沙箱银行"
            } else {
                "上传回盘文件"
            },
            lines,
            applied,
            repeated,
            conflicting,
            unknown,
            received_at: w.now,
        })
    }

    /// A learner's own subsidies.
    pub async fn mine(&self, who: &Principal) -> AppResult<Vec<MySubsidy>> {
        let lines = line::Entity::find()
            .filter(line::Column::UserId.eq(who.user_id.clone()))
            .order_by_desc(line::Column::UpdatedAt)
            .all(&self.db)
            .await?;
        let claims = claim::Entity::find()
            .filter(
                claim::Column::Id
                    .is_in(lines.iter().map(|l| l.claim_id.clone()).collect::<Vec<_>>()),
            )
            .all(&self.db)
            .await?;
        let views: HashMap<String, super::claims::ClaimView> = self
            .views(claims)
            .await?
            .into_iter()
            .map(|v| (v.id.clone(), v))
            .collect();
        let payouts: HashMap<String, String> = payout::Entity::find()
            .filter(payout::Column::UserId.eq(who.user_id.clone()))
            .order_by_asc(payout::Column::CreatedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.line_id.clone(), super::claims::payout_text(&p)))
            .collect();
        // The documents of the learner's own claims, in one query.
        let own: Vec<String> = views
            .values()
            .filter(|v| v.individual)
            .map(|v| v.id.clone())
            .collect();
        let mut documents: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for d in jineng_store::subsidies::claim_document::Entity::find()
            .filter(jineng_store::subsidies::claim_document::Column::ClaimId.is_in(own))
            .order_by_asc(jineng_store::subsidies::claim_document::Column::CreatedAt)
            .all(&self.db)
            .await?
        {
            documents
                .entry(d.claim_id)
                .or_default()
                .push((d.id, d.filename));
        }
        Ok(lines
            .into_iter()
            .filter_map(|l| {
                let v = views.get(&l.claim_id)?;
                Some(MySubsidy {
                    claim_id: v.id.clone(),
                    individual: v.individual,
                    may_attach: v.individual
                        && matches!(v.status, ClaimStatus::Reviewing | ClaimStatus::Returned),
                    documents: documents.get(&v.id).cloned().unwrap_or_default(),
                    claim_number: v.number.clone(),
                    class_name: v.class_name.clone(),
                    policy_name: v.policy_name.clone(),
                    eligible: l.state == ELIGIBLE,
                    amount: Fen(l.amount_fen),
                    reasons: rules::labels(&l.reasons),
                    stage: v.stage.clone(),
                    payout: payouts.get(&l.id).cloned().unwrap_or_default(),
                })
            })
            .collect())
    }

    /// The caller's social-security card account, masked (None: not on record).
    pub async fn card_account(&self, who: &Principal) -> AppResult<Option<String>> {
        let u = user::Entity::find_by_id(who.user_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let Some(enc) = u.bank_account_enc else {
            return Ok(None);
        };
        let plain = self
            .keyring
            .decrypt(&enc, Place::new("users", "bank_account_enc", &u.id))
            .map_err(|e| AppError::Internal(format!("card account: {e}")))?;
        Ok(Some(jineng_core::mask::bank_account(&plain)))
    }

    /// A learner records (or corrects) their social-security card's financial account,
    /// where subsidies are paid.
    pub async fn set_card_account(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        account: &str,
    ) -> AppResult<()> {
        if !who.has_role(jineng_core::accounts::Role::Learner) {
            return Err(AppError::Forbidden);
        }
        let account =
            BankAccount::parse(account).map_err(|e| AppError::field("account", e.to_string()))?;
        let enc = self
            .keyring
            .encrypt(
                account.as_str(),
                Place::new("users", "bank_account_enc", &who.user_id),
            )
            .map_err(|e| AppError::Internal(format!("encrypt: {e}")))?;
        let w = self.write(who, ctx).await?;
        user::Entity::update_many()
            .col_expr(user::Column::BankAccountEnc, Expr::value(Some(enc)))
            .col_expr(user::Column::UpdatedAt, Expr::value(w.now))
            .filter(user::Column::Id.eq(who.user_id.clone()))
            .exec(&w.txn)
            .await?;
        w.commit(Entry::ok(
            "account.card_account",
            "user",
            &who.user_id,
            serde_json::json!({"account": jineng_core::mask::bank_account(account.as_str())}),
        ))
        .await
    }
}

fn batch_view(b: batch::Model, ps: &[payout::Model]) -> BatchView {
    let count = |s: PayoutStatus| ps.iter().filter(|p| p.status == s).count();
    BatchView {
        paid: Fen(ps
            .iter()
            .filter(|p| p.status == PayoutStatus::Paid)
            .map(|p| p.amount_fen)
            .sum()),
        paid_count: count(PayoutStatus::Paid),
        failed_count: count(PayoutStatus::Failed) + count(PayoutStatus::Resent),
        pending_count: count(PayoutStatus::Pending),
        status_label: b.status.label(),
        total: Fen(b.total_fen),
        id: b.id,
        number: b.number,
        status: b.status,
        lines: b.lines,
        file_sha256: b.file_sha256,
        created_at: b.created_at,
        answered_at: b.answered_at,
    }
}
