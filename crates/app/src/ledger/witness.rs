//! Witnessing (issue 10): every signed checkpoint is pushed to each configured witness
//! (C2SP tlog-witness `add-checkpoint`) with a consistency proof from the size that
//! witness last cosigned, and the cosignature it returns is checked against its key and
//! kept with the checkpoint. A fork of the log — showing a witness a tree that does not
//! extend the one it cosigned — is refused by the witness and reported here.
//!
//! Each push is a background job enqueued in the checkpoint's own transaction (the
//! outbox), so a checkpoint exists exactly when its pushes do, a witness that is down is
//! tried again with backoff, and a push is never lost to a restart. The province's data
//! exchange receives the same checkpoints, with the cosignatures gathered so far, as the
//! `ledger_checkpoints` dataset.

use super::Ledger;
use crate::audit::Entry as AuditEntry;
use crate::context::{Principal, RequestCtx};
use crate::jobs::JobError;
use jineng_core::exchange::Dataset;
use jineng_evidence::witness::{WitnessKey, add_checkpoint_request, note_body};
use jineng_store::ledger::{checkpoint as cp, cosignature, witness};
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, Set};

/// A witness the platform pushes to: its cosignature/v1 verifier key and its submission
/// prefix (`https://witness.example/`; `add-checkpoint` is appended).
#[derive(Debug, Clone)]
pub struct Witness {
    pub key: WitnessKey,
    pub url: String,
}

impl Witness {
    /// One witness from `<vkey> <url>`.
    pub fn parse(s: &str) -> Result<Witness, String> {
        let mut parts = s.split_whitespace();
        let (Some(vkey), Some(url), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!(
                "expected `<verifier key> <url>`, got {:?}",
                s.trim()
            ));
        };
        let key = WitnessKey::parse(vkey).map_err(|e| format!("{vkey}: {e}"))?;
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!("{url}: the witness URL must be http(s)"));
        }
        Ok(Witness {
            key,
            url: url.trim_end_matches('/').to_string(),
        })
    }

    /// A list separated by `;` or new lines (`JINENG_LEDGER_WITNESSES`).
    pub fn parse_list(s: &str) -> Result<Vec<Witness>, String> {
        s.split([';', '\n'])
            .filter(|p| !p.trim().is_empty())
            .map(Witness::parse)
            .collect()
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Push {
    pub checkpoint: String,
    pub witness: String,
}

/// How one `add-checkpoint` call ended.
enum Answer {
    /// Cosigned: (the witness's time, the signature line).
    Cosigned(u64, String),
    /// The witness last cosigned another size (409 with `text/x.tlog.size`).
    OtherSize(u64),
    Refused(JobError),
}

impl Ledger<'_> {
    /// Enqueue a push of checkpoint `id` to every configured witness, in `w`.
    pub(super) async fn enqueue_pushes(
        &self,
        w: &crate::write::Write<'_>,
        id: &str,
    ) -> crate::error::AppResult<()> {
        for wit in self.witnesses.iter() {
            let name = wit.key.name();
            crate::jobs::enqueue(
                self,
                w,
                jineng_core::jobs::JobKind::WitnessPush,
                &format!("witness:{name}:{id}"),
                serde_json::to_value(Push {
                    checkpoint: id.to_string(),
                    witness: name.to_string(),
                })
                .unwrap_or_default(),
            )
            .await?;
        }
        Ok(())
    }

    /// The job: push one checkpoint to one witness.
    pub(crate) async fn push_to_witness(&self, payload: &str) -> Result<(), JobError> {
        let p: Push = serde_json::from_str(payload)
            .map_err(|e| JobError::Fatal(format!("任务内容无效：{e}")))?;
        let Some(wit) = self.witnesses.iter().find(|w| w.key.name() == p.witness) else {
            return Err(JobError::Fatal(format!(
                "见证方 {} 已不在配置（JINENG_LEDGER_WITNESSES）中",
                p.witness
            )));
        };
        let Some(c) = cp::Entity::find_by_id(p.checkpoint.clone())
            .one(&self.db)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?
        else {
            return Err(JobError::Fatal("检查点不存在".into()));
        };
        let size = c.size as u64;
        let state = witness::Entity::find_by_id(p.witness.clone())
            .one(&self.db)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        let mut old = state.map(|s| s.cosigned_size as u64).unwrap_or(0);
        // At most a few rounds: a 409 tells the size the witness holds; ask again from it.
        for _ in 0..3 {
            if old > size {
                // The witness already cosigned a later checkpoint: this one is behind.
                self.record_push(wit, old, None).await?;
                return Ok(());
            }
            let proof = if old == 0 || old == size {
                Vec::new()
            } else {
                self.consistency(old, size).await?
            };
            let body = add_checkpoint_request(old, &proof, &c.note)
                .map_err(|e| JobError::Fatal(e.to_string()))?;
            match self.ask(wit, body, &c.note).await {
                Answer::Cosigned(time, line) => {
                    return self.keep_cosignature(wit, &c, time, line).await;
                }
                Answer::OtherSize(m) if m == old => {
                    let why = format!(
                        "见证方已联署过大小为 {m} 而根哈希不同的检查点：本日志可能已分叉，请立即核查"
                    );
                    self.record_push(wit, old, Some(&why)).await?;
                    return Err(JobError::Fatal(why));
                }
                Answer::OtherSize(m) => old = m,
                Answer::Refused(e) => {
                    let why = match &e {
                        JobError::Retry(m) | JobError::Fatal(m) => m.clone(),
                    };
                    self.record_push(wit, old, Some(&why)).await?;
                    return Err(e);
                }
            }
        }
        let why = "见证方反复报告不同的树大小".to_string();
        self.record_push(wit, old, Some(&why)).await?;
        Err(JobError::Retry(why))
    }

    async fn ask(&self, wit: &Witness, body: String, note: &str) -> Answer {
        let url = format!("{}/add-checkpoint", wit.url);
        let resp = match self.http.post(&url).body(body).send().await {
            Ok(r) => r,
            Err(e) => {
                return Answer::Refused(JobError::Retry(format!("无法连接见证方 {url}：{e}")));
            }
        };
        let status = resp.status().as_u16();
        let size_reply = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/x.tlog.size"));
        // Witness answers are a few lines; reading stops past 64 KiB.
        let mut resp = resp;
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(c)) if body.len() + c.len() <= 64 * 1024 => body.extend_from_slice(&c),
                Ok(Some(_)) => return Answer::Refused(JobError::Retry("见证方的回复过长".into())),
                Ok(None) => break,
                Err(e) => {
                    return Answer::Refused(JobError::Retry(format!("读取见证方回复失败：{e}")));
                }
            }
        }
        let text = String::from_utf8_lossy(&body).into_owned();
        match status {
            200 => {
                let Ok(body) = note_body(note) else {
                    return Answer::Refused(JobError::Fatal("检查点格式无效".into()));
                };
                match wit.key.find_cosignature(body, &text) {
                    Some((time, line)) => Answer::Cosigned(time, line.to_string()),
                    None => Answer::Refused(JobError::Retry(
                        "见证方的回复中没有能用其公钥验证的联署签名".into(),
                    )),
                }
            }
            409 if size_reply => match text.trim().parse::<u64>() {
                Ok(m) => Answer::OtherSize(m),
                Err(_) => Answer::Refused(JobError::Retry("见证方报告的树大小无法解析".into())),
            },
            409 => Answer::Refused(JobError::Fatal(
                "见证方拒绝：同一大小的检查点根哈希不同，本日志可能已分叉，请立即核查".into(),
            )),
            403 => Answer::Refused(JobError::Fatal(
                "见证方不认可检查点的签名（403）：请确认它已配置本日志当前的公钥".into(),
            )),
            404 => Answer::Refused(JobError::Fatal(
                "见证方不认识本日志（404）：请确认它已登记本日志的来源名".into(),
            )),
            422 => Answer::Refused(JobError::Fatal(
                "见证方认为一致性证明不成立（422）：本日志可能已被改写，请立即核查".into(),
            )),
            400 => Answer::Refused(JobError::Fatal("见证方认为请求格式有误（400）".into())),
            s => Answer::Refused(JobError::Retry(format!("见证方暂时不可用（HTTP {s}）"))),
        }
    }

    /// Keep a verified cosignature with its checkpoint, move the witness's size on, and
    /// hand the cosigned checkpoint to the exchange — one audited change.
    async fn keep_cosignature(
        &self,
        wit: &Witness,
        c: &cp::Model,
        time: u64,
        line: String,
    ) -> Result<(), JobError> {
        let at = chrono::DateTime::from_timestamp(time as i64, 0)
            .ok_or_else(|| JobError::Fatal("联署时间无效".into()))?;
        let system = Principal::system();
        let ctx = RequestCtx::default();
        let w = self.write(&system, &ctx).await?;
        cosignature::Entity::insert(cosignature::ActiveModel {
            checkpoint_id: Set(c.id.clone()),
            witness: Set(wit.key.name().to_string()),
            line: Set(line.trim_end().to_string()),
            cosigned_at: Set(at),
        })
        .on_conflict(
            OnConflict::columns([
                cosignature::Column::CheckpointId,
                cosignature::Column::Witness,
            ])
            .update_columns([cosignature::Column::Line, cosignature::Column::CosignedAt])
            .to_owned(),
        )
        .exec_without_returning(&w.txn)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
        upsert_state(&w.txn, wit, c.size as u64, w.now, None).await?;
        w.touch(Dataset::Checkpoints, &c.id);
        w.commit(AuditEntry::ok(
            "ledger.cosigned",
            "ledger_checkpoint",
            &c.id,
            serde_json::json!({"witness": wit.key.name(), "size": c.size, "time": time}),
        ))
        .await?;
        Ok(())
    }

    /// Record a push that did not end in a new cosignature.
    async fn record_push(
        &self,
        wit: &Witness,
        size: u64,
        error: Option<&str>,
    ) -> Result<(), JobError> {
        let now = self.now();
        upsert_state(&self.db, wit, size, now, Some(error.unwrap_or(""))).await
    }
}

/// Insert or update a witness's row. `error`: `None` for a cosignature (last OK now),
/// `Some("")` for a push that needed none, `Some(why)` for a failure.
async fn upsert_state<C: sea_orm::ConnectionTrait>(
    db: &C,
    wit: &Witness,
    size: u64,
    now: chrono::DateTime<chrono::Utc>,
    error: Option<&str>,
) -> Result<(), JobError> {
    let ok = error.is_none_or(str::is_empty);
    let mut update = vec![
        witness::Column::Vkey,
        witness::Column::Url,
        witness::Column::CosignedSize,
        witness::Column::LastPushAt,
        witness::Column::LastError,
        witness::Column::UpdatedAt,
    ];
    if ok {
        update.push(witness::Column::LastOkAt);
    }
    witness::Entity::insert(witness::ActiveModel {
        name: Set(wit.key.name().to_string()),
        vkey: Set(wit.key.vkey().to_string()),
        url: Set(wit.url.clone()),
        cosigned_size: Set(size as i64),
        last_push_at: Set(Some(now)),
        last_ok_at: Set(ok.then_some(now)),
        last_error: Set(error.unwrap_or("").to_string()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(witness::Column::Name)
            .update_columns(update)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .map_err(|e| JobError::Retry(e.to_string()))?;
    Ok(())
}
