//! `/ledger`: the evidence log explained to anyone, with the latest signed checkpoint, the
//! verifier key, and a box to check a proof bundle or look up a record's proof.

use crate::AppState;
use crate::http::error::PageError;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::MaybeSession;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use jineng_app::AppError;
use serde::Deserialize;

/// What a check found, as shown.
pub struct Outcome {
    pub ok: bool,
    pub lines: Vec<(&'static str, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "ledger.html")]
pub struct LedgerPage {
    layout: Layout,
    size: u64,
    checkpoint: Option<jineng_app::ledger::CheckpointView>,
    /// The latest checkpoint's time, Beijing time.
    signed_at: String,
    key: String,
    bundle: String,
    record_id: String,
    outcome: Option<Outcome>,
}

fn kind_label(k: jineng_evidence::entry::Kind) -> &'static str {
    use jineng_evidence::entry::Kind::*;
    match k {
        AuditHead => "审计日志锚点",
        StudySummary => "学时汇总",
        ExamResult => "考试成绩",
        Certificate => "证书",
        Payment => "支付",
        Refund => "退款",
        SubsidyDecision => "补贴审核结果",
        StudyDay => "每日学时",
        StudyClearing => "学时清零",
        CertificateRevocation => "证书撤销",
        AssessmentScores => "考核成绩",
        SubsidyPayout => "补贴发放",
        VoucherRedemption => "培训券兑付",
        VoucherSettlement => "培训券结算付款",
    }
}

fn beijing(t: chrono::DateTime<chrono::Utc>) -> String {
    (t + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M:%S（北京时间）")
        .to_string()
}

async fn page(
    s: &AppState,
    st: &crate::http::session::SessionState,
    bundle: String,
    record_id: String,
    outcome: Option<Outcome>,
) -> Result<LedgerPage, PageError> {
    let ledger = s.app.ledger();
    let checkpoint = ledger.latest().await?;
    Ok(LedgerPage {
        layout: Layout::public("证据日志", st, "/ledger"),
        size: ledger.size().await?,
        signed_at: checkpoint
            .as_ref()
            .map(|c| beijing(c.signed_at))
            .unwrap_or_default(),
        checkpoint,
        key: ledger
            .verifier_key()
            .unwrap_or("（未配置签名密钥）")
            .to_string(),
        bundle,
        record_id,
        outcome,
    })
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    /// Fills in the lookup box (links from an archive's entries).
    #[serde(default)]
    record_id: String,
}

pub async fn show(
    State(s): State<AppState>,
    MaybeSession(st): MaybeSession,
    axum::extract::Query(q): axum::extract::Query<ShowQuery>,
) -> Result<LedgerPage, PageError> {
    let record_id: String = q.record_id.chars().take(200).collect();
    page(&s, &st, String::new(), record_id, None).await
}

#[derive(Deserialize, Default)]
pub struct CheckForm {
    #[serde(default)]
    bundle: String,
    #[serde(default)]
    record_id: String,
}

/// Check a pasted bundle (or fetch one by record id and check it) against this
/// platform's verifier key.
pub async fn check(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    MaybeSession(st): MaybeSession,
    Form(f): Form<CheckForm>,
) -> Result<LedgerPage, PageError> {
    s.app.ledger().throttle(&ctx).await?;
    let mut text = f.bundle.trim().to_string();
    let mut lines = Vec::new();
    if text.is_empty() && !f.record_id.trim().is_empty() {
        match s.app.ledger().bundle(&f.record_id).await {
            Ok(b) => text = b.to_json(),
            Err(e @ (AppError::NotFound(_) | AppError::Conflict(_))) => {
                let o = Outcome {
                    ok: false,
                    lines: vec![("结果", e.to_string())],
                };
                return page(&s, &st, f.bundle, f.record_id, Some(o)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let ledger = s.app.ledger();
    let keys = ledger.verifier_keys();
    let outcome = match keys.first() {
        None => Outcome {
            ok: false,
            lines: vec![("结果", "本平台未配置签名密钥，无法验证".into())],
        },
        Some(_) => match jineng_evidence::bundle::verify_any(&text, &keys) {
            Ok(p) => {
                lines.push(("结果", "验证通过：该条目在已签名的日志中".into()));
                lines.push(("条目类型", kind_label(p.entry.kind).into()));
                lines.push(("记录编号", p.entry.record_id.clone()));
                lines.push(("记录哈希", hex::encode(p.entry.record_sha256)));
                lines.push((
                    "记录时间",
                    chrono::DateTime::from_timestamp_micros(p.entry.at_micros)
                        .map(beijing)
                        .unwrap_or_default(),
                ));
                lines.push(("日志序号", p.index.to_string()));
                lines.push((
                    "检查点",
                    format!(
                        "{} 条，根哈希 {}",
                        p.checkpoint.size,
                        hex::encode(p.checkpoint.root)
                    ),
                ));
                Outcome { ok: true, lines }
            }
            Err(e) => Outcome {
                ok: false,
                lines: vec![("结果", format!("验证未通过：{e}"))],
            },
        },
    };
    let shown = if f.bundle.trim().is_empty() {
        text
    } else {
        f.bundle
    };
    page(&s, &st, shown, f.record_id, Some(outcome)).await
}
