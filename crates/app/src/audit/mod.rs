//! The audit trail: append (inside the caller's transaction), verify, search, export.
//! Records are never updated or deleted by the platform.

use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::scope::Scope;
use chrono::{DateTime, Utc};
use jineng_core::accounts::Permission;
use jineng_core::audit::{
    CHAIN_V1_SHA256, CHAIN_V2_HMAC, ChainedFields, GENESIS, chain_hash, chain_mac,
};
use jineng_store::audit::{head, record};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;

/// What happened, to which object, with what result.
pub struct Entry<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub changes: serde_json::Value,
    pub outcome: &'a str,
}

impl<'a> Entry<'a> {
    /// A change that succeeded.
    pub fn ok(
        action: &'a str,
        object_type: &'a str,
        object_id: &'a str,
        changes: serde_json::Value,
    ) -> Self {
        Entry {
            action,
            object_type,
            object_id,
            changes,
            outcome: "ok",
        }
    }
}

/// Who did it: a signed-in principal or an anonymous caller named by what they typed.
#[derive(Clone, Copy)]
pub struct Actor<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub role: &'a str,
}

impl<'a> From<&'a Principal> for Actor<'a> {
    fn from(p: &'a Principal) -> Self {
        Actor {
            id: &p.user_id,
            name: &p.display_name,
            role: p.primary_role().code(),
        }
    }
}

pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Append a record. Call inside the transaction of the change it describes, as the last write:
/// it locks the chain head until that transaction ends.
pub async fn append<C: ConnectionTrait>(
    db: &C,
    key: &[u8],
    at: DateTime<Utc>,
    actor: Actor<'_>,
    ctx: &RequestCtx,
    e: Entry<'_>,
) -> Result<i64, DbErr> {
    let bump = Query::update()
        .table(head::Entity)
        .value(head::Column::Seq, Expr::col(head::Column::Seq).add(1))
        .and_where(Expr::col(head::Column::Id).eq(1))
        .returning(Query::returning().columns([head::Column::Seq, head::Column::Hash]))
        .to_owned();
    let row = db
        .query_one(&bump)
        .await?
        .ok_or_else(|| DbErr::Custom("audit head missing".into()))?;
    let seq: i64 = row.try_get("", "seq")?;
    let prev: String = row.try_get("", "hash")?;
    let at = timestamp(at);
    let changes = e.changes.to_string();
    let fields = ChainedFields {
        seq,
        at_rfc3339: &at,
        actor: actor.id,
        actor_name: actor.name,
        role: actor.role,
        action: e.action,
        object_type: e.object_type,
        object_id: e.object_id,
        changes: &changes,
        ip: &ctx.ip,
        outcome: e.outcome,
        request_id: &ctx.request_id,
    };
    let hash = chain_mac(key, &prev, &fields);
    record::Entity::insert(record::ActiveModel {
        seq: Set(seq),
        at: Set(at.clone()),
        actor_id: Set(actor.id.to_string()),
        actor_name: Set(actor.name.to_string()),
        role: Set(actor.role.to_string()),
        action: Set(e.action.to_string()),
        object_type: Set(e.object_type.to_string()),
        object_id: Set(e.object_id.to_string()),
        changes: Set(changes),
        ip: Set(ctx.ip.clone()),
        outcome: Set(e.outcome.to_string()),
        request_id: Set(ctx.request_id.clone()),
        prev_hash: Set(prev),
        hash: Set(hash.clone()),
        alg: Set(CHAIN_V2_HMAC),
    })
    .exec(db)
    .await?;
    let set_hash = Query::update()
        .table(head::Entity)
        .value(head::Column::Hash, hash)
        .and_where(Expr::col(head::Column::Id).eq(1))
        .to_owned();
    db.execute(&set_hash).await?;
    Ok(seq)
}

/// The fields of a stored record that the chain covers.
pub fn chained_fields(r: &record::Model) -> ChainedFields<'_> {
    ChainedFields {
        seq: r.seq,
        at_rfc3339: &r.at,
        actor: &r.actor_id,
        actor_name: &r.actor_name,
        role: &r.role,
        action: &r.action,
        object_type: &r.object_type,
        object_id: &r.object_id,
        changes: &r.changes,
        ip: &r.ip,
        outcome: &r.outcome,
        request_id: &r.request_id,
    }
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct VerifyReport {
    pub records: i64,
    /// The first sequence number where the chain is broken, and why.
    pub broken_at: Option<(i64, String)>,
}

/// Recompute the whole chain with the audit key. Finds edited, deleted, inserted and
/// reordered records (even when their hashes were recomputed, which needs the key), a
/// record of the old unkeyed version after a keyed one, and a head that does not match
/// the last record. Cutting records off the end and moving the head back with them is
/// not visible from inside the database; the evidence log's signed checkpoints are what
/// catch that (issue 10).
pub async fn verify<C: ConnectionTrait>(db: &C, key: &[u8]) -> Result<VerifyReport, DbErr> {
    let mut keyed = false;
    let mut prev = GENESIS.to_string();
    let mut expected = 1i64;
    let mut count = 0i64;
    loop {
        let page = record::Entity::find()
            .filter(record::Column::Seq.gte(expected))
            .order_by_asc(record::Column::Seq)
            .limit(1000)
            .all(db)
            .await?;
        if page.is_empty() {
            break;
        }
        for r in page {
            if r.seq != expected {
                return Ok(VerifyReport {
                    records: count,
                    broken_at: Some((expected, "记录缺失".into())),
                });
            }
            if r.prev_hash != prev {
                return Ok(VerifyReport {
                    records: count,
                    broken_at: Some((r.seq, "前序哈希不一致".into())),
                });
            }
            let fields = chained_fields(&r);
            let h = match r.alg {
                CHAIN_V2_HMAC => {
                    keyed = true;
                    chain_mac(key, &prev, &fields)
                }
                CHAIN_V1_SHA256 if !keyed => chain_hash(&prev, &fields),
                _ => {
                    return Ok(VerifyReport {
                        records: count,
                        broken_at: Some((r.seq, "记录的校验算法被降级或无法识别".into())),
                    });
                }
            };
            if h != r.hash {
                return Ok(VerifyReport {
                    records: count,
                    broken_at: Some((r.seq, "记录内容被修改".into())),
                });
            }
            prev = h;
            expected += 1;
            count += 1;
        }
    }
    let head = head::Entity::find_by_id(1).one(db).await?;
    match head {
        Some(h) if h.seq == count && h.hash == prev => Ok(VerifyReport {
            records: count,
            broken_at: None,
        }),
        _ => Ok(VerifyReport {
            records: count,
            broken_at: Some((count + 1, "链尾记录缺失".into())),
        }),
    }
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct Filter {
    /// Actor user id or name (substring).
    pub user: Option<String>,
    /// Object id (exact) or type (exact).
    pub object: Option<String>,
    /// Action prefix, e.g. `user.` or `auth.login`.
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

pub use crate::page::Page;

/// One audit record as an auditor reads it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRecordView {
    pub seq: i64,
    /// RFC 3339, exactly as hashed.
    pub at: String,
    pub actor_id: String,
    pub actor_name: String,
    pub role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// JSON text of what changed; personal data masked.
    pub changes: String,
    pub ip: String,
    pub outcome: String,
    pub request_id: String,
    pub hash: String,
}

impl From<record::Model> for AuditRecordView {
    fn from(r: record::Model) -> Self {
        AuditRecordView {
            seq: r.seq,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            role: r.role,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            changes: r.changes,
            ip: r.ip,
            outcome: r.outcome,
            request_id: r.request_id,
            hash: r.hash,
        }
    }
}

bounded_context!(
    /// The audit trail: search and export, and records of reads and exports.
    AuditTrail,
    audit
);

impl AuditTrail<'_> {
    fn audit_scope(&self, who: &Principal) -> AppResult<()> {
        match who.scope(Permission::ViewAudit) {
            Some(Scope::All) => Ok(()),
            _ => Err(AppError::Forbidden),
        }
    }

    fn audit_query(&self, f: &Filter) -> sea_orm::Select<record::Entity> {
        let mut q = record::Entity::find();
        if let Some(u) = f.user.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q = q.filter(
                sea_orm::Condition::any()
                    .add(record::Column::ActorId.eq(u))
                    .add(crate::page::contains(record::Column::ActorName, u)),
            );
        }
        if let Some(o) = f.object.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q = q.filter(
                sea_orm::Condition::any()
                    .add(record::Column::ObjectId.eq(o))
                    .add(record::Column::ObjectType.eq(o)),
            );
        }
        if let Some(a) = f.action.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q = q.filter(record::Column::Action.starts_with(a));
        }
        if let Some(t) = f.from {
            q = q.filter(record::Column::At.gte(timestamp(t)));
        }
        if let Some(t) = f.to {
            q = q.filter(record::Column::At.lt(timestamp(t)));
        }
        q.order_by_desc(record::Column::Seq)
    }

    pub async fn search(
        &self,
        who: &Principal,
        f: &Filter,
        r: crate::page::PageRequest,
    ) -> AppResult<Page<AuditRecordView>> {
        self.audit_scope(who)?;
        Ok(crate::page::fetch(self.reader(), self.audit_query(f), r)
            .await?
            .map(Into::into))
    }

    /// The filtered trail as an xlsx workbook (at most 100,000 rows, newest first).
    pub async fn export(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        f: &Filter,
    ) -> AppResult<Vec<u8>> {
        self.audit_scope(who)?;
        use jineng_core::audit::labels;
        let rows = self
            .audit_query(f)
            .limit(100_000)
            .all(self.reader())
            .await?;
        let headers = [
            "序号",
            "时间(UTC)",
            "操作人ID",
            "操作人",
            "角色",
            "操作",
            "操作代码",
            "对象类型",
            "对象类型代码",
            "对象ID",
            "变更内容",
            "来源地址",
            "结果",
            "请求ID",
            "哈希",
        ];
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.seq.to_string(),
                    r.at.clone(),
                    r.actor_id.clone(),
                    r.actor_name.clone(),
                    jineng_core::accounts::Role::parse(&r.role)
                        .map_or_else(|| r.role.clone(), |x| x.label().to_string()),
                    labels::action_label(&r.action).to_string(),
                    r.action.clone(),
                    labels::object_label(&r.object_type).to_string(),
                    r.object_type.clone(),
                    r.object_id.clone(),
                    r.changes.clone(),
                    r.ip.clone(),
                    labels::outcome_label(&r.outcome).to_string(),
                    r.request_id.clone(),
                    r.hash.clone(),
                ]
            })
            .collect();
        let bytes = crate::export::xlsx("审计日志", &headers, &cells)?;
        // Exporting personal activity is itself an auditable act.
        self.write(who, ctx)
            .await?
            .commit(Entry {
                action: "audit.export",
                object_type: "audit_log",
                object_id: "",
                changes: serde_json::json!({"rows": rows.len()}),
                outcome: "ok",
            })
            .await?;
        Ok(bytes)
    }

    /// Record that `who` exported a list (what, with which filter, how many rows):
    /// exports carry personal data out of the platform, so each one is audited.
    pub async fn record_export(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        what: &str,
        filter: serde_json::Value,
        rows: usize,
    ) -> AppResult<()> {
        let action = format!("{what}.export");
        self.write(who, ctx)
            .await?
            .commit(Entry::ok(
                &action,
                what,
                "",
                serde_json::json!({"filter": filter, "rows": rows}),
            ))
            .await
    }

    /// Record that someone read a sensitive object (a registration document, say).
    pub async fn record_read(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        action: &str,
        object_type: &str,
        object_id: &str,
        item: &str,
    ) -> AppResult<()> {
        self.write(who, ctx)
            .await?
            .commit(Entry {
                action,
                object_type,
                object_id,
                changes: serde_json::json!({"item": item}),
                outcome: "ok",
            })
            .await?;
        Ok(())
    }

    pub async fn count(&self) -> AppResult<u64> {
        Ok(record::Entity::find().count(&self.db).await?)
    }
}
