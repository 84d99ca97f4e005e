//! Training subsidies (职业培训补贴, seed 001 §8, seed 000 §2.2): the province's policies,
//! institution claims for completed classes computed from verified records only, review
//! by county, city and province, and disbursement to learners' social-security card
//! accounts through a bank (the embedded sandbox bank, or return files uploaded).
//!
//! A claim's figures are recomputed at every review step and must match what was
//! submitted, or approval is refused with the differences. The database holds the rules
//! that span rows: one eligible line per person, project and year (a partial unique
//! index), one live payout per line (another), a person's yearly total under the cap (a
//! conditional update). Decisions and payouts enter the evidence log.

pub mod claims;
pub mod documents;
pub mod payouts;
pub mod voucher_settlements;
pub mod vouchers;

use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::write::OnUnique;
use chrono::{DateTime, NaiveDate, Utc};
use jineng_core::Fen;
use jineng_core::accounts::Permission;
use jineng_core::occupations::level_label;
use jineng_core::subsidies::{PolicyStatus, Rules};
use jineng_store::subsidies::{policy, policy_version};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

bounded_context!(
    /// Training subsidies: policies, claims, review, disbursement.
    Subsidies,
    subsidies
);

/// Longest policy name.
const MAX_NAME_CHARS: usize = 100;

/// A policy as typed: its name, and the rules of the version being written.
#[derive(Debug, Clone)]
pub struct PolicyInput {
    pub name: String,
    /// Classes that started on or after this day are judged by this version.
    pub effective_from: NaiveDate,
    pub rules: Rules,
    pub note: String,
}

/// A policy with its latest version, as shown.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyView {
    pub id: String,
    pub name: String,
    pub status: PolicyStatus,
    pub status_label: &'static str,
    pub version: i32,
    pub effective_from: String,
    pub rules: Rules,
    pub summary: RulesSummary,
    pub updated_at: DateTime<Utc>,
}

/// One version of a policy, as shown in its history.
#[derive(Debug, Clone, Serialize)]
pub struct VersionView {
    pub version: i32,
    pub effective_from: String,
    pub note: String,
    pub summary: RulesSummary,
    pub created_at: DateTime<Utc>,
}

/// A policy's rules in words.
#[derive(Debug, Clone, Serialize)]
pub struct RulesSummary {
    /// 机构申报 or 个人申领.
    pub claimant: &'static str,
    pub amounts: String,
    pub projects: String,
    pub categories: String,
    pub conditions: String,
    pub cap: String,
    pub window: String,
    pub levels: String,
}

impl RulesSummary {
    pub fn of(r: &Rules, project_names: &std::collections::HashMap<String, String>) -> Self {
        let amounts = r
            .amounts
            .iter()
            .rev()
            .map(|(l, a)| format!("{} {}元", level_label(i32::from(*l)), a))
            .collect::<Vec<_>>()
            .join("；");
        let projects = if r.project_ids.is_empty() {
            "全部培训项目".to_string()
        } else {
            r.project_ids
                .iter()
                .map(|p| project_names.get(p).cloned().unwrap_or_else(|| p.clone()))
                .collect::<Vec<_>>()
                .join("、")
        };
        let categories = if r.categories.is_empty() {
            "不限人员类别".to_string()
        } else {
            r.categories
                .iter()
                .filter_map(|c| jineng_core::learners::person_category(c))
                .map(|c| c.1)
                .collect::<Vec<_>>()
                .join("、")
        };
        let mut c = vec!["结业合格".to_string()];
        if r.require_exam {
            c.push("课程考试合格".into());
        }
        if r.require_certificate {
            c.push("取得证书".into());
        }
        if r.min_online_hours > 0 {
            c.push(format!("线上不少于{}学时", r.min_online_hours));
        }
        if r.min_offline_hours > 0 {
            c.push(format!("线下不少于{}学时", r.min_offline_hours));
        }
        if r.min_attendance_percent > 0 {
            c.push(format!("出勤率不低于{}%", r.min_attendance_percent));
        }
        c.push("无两次学习违规".into());
        RulesSummary {
            claimant: if r.individual {
                "学员个人申领（个人补贴）"
            } else {
                "培训机构申报（机构培训经费）"
            },
            amounts,
            projects,
            categories,
            conditions: c.join("、"),
            cap: if r.yearly_cap.0 > 0 {
                format!("每人每年不超过{}元；同一项目每年一次", r.yearly_cap)
            } else {
                "同一项目每人每年一次".to_string()
            },
            window: format!("{} 至 {}", r.window_from, r.window_until),
            levels: r
                .levels
                .iter()
                .map(|l| l.label())
                .collect::<Vec<_>>()
                .join(" → "),
        }
    }
}

impl Subsidies<'_> {
    fn may_view(&self, who: &Principal) -> AppResult<()> {
        if who.can(Permission::ViewSubsidies) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    fn may_keep_policies(&self, who: &Principal) -> AppResult<()> {
        if who.can_province_wide(Permission::ManageSubsidyPolicies) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Whether the caller keeps the province's policies.
    pub fn keeps_policies(&self, who: &Principal) -> bool {
        who.can_province_wide(Permission::ManageSubsidyPolicies)
    }

    pub async fn project_names(&self) -> AppResult<std::collections::HashMap<String, String>> {
        let all = self
            .catalogue()
            .projects(
                &crate::catalogue::ProjectFilter {
                    include_withdrawn: true,
                    ..Default::default()
                },
                crate::page::PageRequest {
                    page: 1,
                    per_page: 10_000,
                },
            )
            .await?;
        Ok(all.items.into_iter().map(|p| (p.id, p.name)).collect())
    }

    /// Every policy, enabled first.
    pub async fn policies(&self, who: &Principal) -> AppResult<Vec<PolicyView>> {
        self.may_view(who)?;
        let names = self.project_names().await?;
        let mut out = Vec::new();
        for p in policy::Entity::find()
            .order_by_asc(policy::Column::Status)
            .order_by_desc(policy::Column::UpdatedAt)
            .all(&self.db)
            .await?
        {
            let v = self.version_of(&p.id, p.version).await?;
            out.push(view(p, v, &names)?);
        }
        Ok(out)
    }

    /// One policy with every version, newest first.
    pub async fn policy(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<(PolicyView, Vec<VersionView>)> {
        self.may_view(who)?;
        let p = policy::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("补贴政策"))?;
        let names = self.project_names().await?;
        let versions = policy_version::Entity::find()
            .filter(policy_version::Column::PolicyId.eq(id))
            .order_by_desc(policy_version::Column::Version)
            .all(&self.db)
            .await?;
        let mut history = Vec::new();
        for v in &versions {
            let r = parse_rules(&v.rules)?;
            history.push(VersionView {
                version: v.version,
                effective_from: v.effective_from.clone(),
                note: v.note.clone(),
                summary: RulesSummary::of(&r, &names),
                created_at: v.created_at,
            });
        }
        let latest = versions
            .into_iter()
            .next()
            .ok_or_else(|| AppError::Internal(format!("policy {id} has no version")))?;
        Ok((view(p, latest, &names)?, history))
    }

    async fn version_of(&self, id: &str, version: i32) -> AppResult<policy_version::Model> {
        policy_version::Entity::find()
            .filter(policy_version::Column::PolicyId.eq(id))
            .filter(policy_version::Column::Version.eq(version))
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::Internal(format!("policy {id} version {version} missing")))
    }

    async fn check_input(&self, i: &PolicyInput) -> AppResult<(String, String)> {
        let mut errors: Vec<FieldError> = i
            .rules
            .check()
            .into_iter()
            .map(|(f, m)| FieldError::new(f, m))
            .collect();
        if !Rules::date_in_range(i.effective_from) {
            errors.push(FieldError::new(
                "effective_from",
                "生效日期应在2000年至2099年之间",
            ));
        }
        let name = i.name.trim().to_string();
        if name.is_empty()
            || name.chars().count() > MAX_NAME_CHARS
            || name.chars().any(char::is_control)
        {
            errors.push(FieldError::new("name", "请填写政策名称（100字以内）"));
        }
        let note = i.note.trim().to_string();
        if note.chars().count() > jineng_core::subsidies::MAX_TEXT_CHARS
            || note.chars().any(char::is_control)
        {
            errors.push(FieldError::new("note", "说明不能超过500字"));
        }
        if !i.rules.project_ids.is_empty() {
            let known = self.project_names().await?;
            for p in &i.rules.project_ids {
                if !known.contains_key(p) {
                    errors.push(FieldError::new("project_ids", "所选培训项目不存在"));
                    break;
                }
            }
        }
        if errors.is_empty() {
            Ok((name, note))
        } else {
            Err(AppError::Validation(errors))
        }
    }

    /// Create a policy with its first version (enabled).
    pub async fn create_policy(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        i: &PolicyInput,
    ) -> AppResult<String> {
        self.may_keep_policies(who)?;
        let (name, note) = self.check_input(i).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let w = self.write(who, ctx).await?;
        policy::Entity::insert(policy::ActiveModel {
            id: Set(id.clone()),
            name: Set(name.clone()),
            status: Set(PolicyStatus::Enabled),
            version: Set(1),
            created_by: Set(who.user_id.clone()),
            created_at: Set(w.now),
            updated_at: Set(w.now),
        })
        .exec(&w.txn)
        .await
        .on_unique(|| AppError::field("name", "已有同名的补贴政策"))?;
        insert_version(&w, &id, 1, i, &note).await?;
        w.commit(Entry::ok(
            "subsidy_policy.create",
            "subsidy_policy",
            &id,
            serde_json::json!({"name": name, "effective_from": i.effective_from.to_string(), "rules": i.rules}),
        ))
        .await?;
        Ok(id)
    }

    /// Write a new version of a policy: classes that start on or after its day are
    /// judged by it, earlier ones by the version before (claims already made keep theirs).
    pub async fn revise_policy(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        i: &PolicyInput,
    ) -> AppResult<i32> {
        self.may_keep_policies(who)?;
        let (_, note) = self.check_input(i).await?;
        let w = self.write(who, ctx).await?;
        let p = policy::Entity::find_by_id(id.to_string())
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound("补贴政策"))?;
        let last = policy_version::Entity::find()
            .filter(policy_version::Column::PolicyId.eq(id))
            .filter(policy_version::Column::Version.eq(p.version))
            .one(&w.txn)
            .await?
            .ok_or_else(|| AppError::Internal(format!("policy {id} version missing")))?;
        if i.effective_from.to_string() <= last.effective_from {
            return Err(AppError::field(
                "effective_from",
                format!("新版本的生效日期应晚于上一版本（{}）", last.effective_from),
            ));
        }
        let next = p.version + 1;
        let res = policy::Entity::update_many()
            .col_expr(policy::Column::Version, Expr::value(next))
            .col_expr(policy::Column::UpdatedAt, Expr::value(w.now))
            .filter(policy::Column::Id.eq(id))
            .filter(policy::Column::Version.eq(p.version))
            .exec(&w.txn)
            .await?;
        crate::write::one_row(res, "该政策刚被他人修改，请刷新后再试")?;
        insert_version(&w, id, next, i, &note).await?;
        w.commit(Entry::ok(
            "subsidy_policy.revise",
            "subsidy_policy",
            id,
            serde_json::json!({"version": next, "effective_from": i.effective_from.to_string(), "rules": i.rules}),
        ))
        .await?;
        Ok(next)
    }

    /// Enable or disable a policy (a disabled one takes no new claims; claims already in
    /// review go on).
    pub async fn set_policy_status(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        status: PolicyStatus,
    ) -> AppResult<()> {
        self.may_keep_policies(who)?;
        let w = self.write(who, ctx).await?;
        let p = policy::Entity::find_by_id(id.to_string())
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound("补贴政策"))?;
        if p.status == status {
            return Err(AppError::Conflict(format!("该政策已{}", status.label())));
        }
        let res = policy::Entity::update_many()
            .col_expr(policy::Column::Status, Expr::value(status))
            .col_expr(policy::Column::UpdatedAt, Expr::value(w.now))
            .filter(policy::Column::Id.eq(id))
            .filter(policy::Column::Status.eq(p.status))
            .exec(&w.txn)
            .await?;
        crate::write::one_row(res, "该政策刚被他人修改，请刷新后再试")?;
        w.commit(Entry::ok(
            &format!("subsidy_policy.{}", status.code()),
            "subsidy_policy",
            id,
            serde_json::json!({"name": p.name}),
        ))
        .await
    }
}

async fn insert_version(
    w: &crate::write::Write<'_>,
    policy_id: &str,
    version: i32,
    i: &PolicyInput,
    note: &str,
) -> AppResult<()> {
    let rules =
        serde_json::to_string(&i.rules).map_err(|e| AppError::Internal(format!("rules: {e}")))?;
    policy_version::Entity::insert(policy_version::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        policy_id: Set(policy_id.to_string()),
        version: Set(version),
        effective_from: Set(i.effective_from.to_string()),
        rules: Set(rules),
        note: Set(note.to_string()),
        created_by: Set(w.actor_id()),
        created_at: Set(w.now),
    })
    .exec(&w.txn)
    .await
    .on_unique(|| AppError::field("effective_from", "该生效日期已有版本"))?;
    Ok(())
}

pub(crate) fn parse_rules(s: &str) -> AppResult<Rules> {
    serde_json::from_str(s).map_err(|e| AppError::Internal(format!("stored rules: {e}")))
}

fn view(
    p: policy::Model,
    v: policy_version::Model,
    names: &std::collections::HashMap<String, String>,
) -> AppResult<PolicyView> {
    let rules = parse_rules(&v.rules)?;
    Ok(PolicyView {
        summary: RulesSummary::of(&rules, names),
        rules,
        id: p.id,
        name: p.name,
        status_label: p.status.label(),
        status: p.status,
        version: p.version,
        effective_from: v.effective_from,
        updated_at: p.updated_at,
    })
}

/// Fen as yuan text, for messages.
pub(crate) fn yuan(f: Fen) -> String {
    format!("{f}元")
}
