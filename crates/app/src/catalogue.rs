//! The training-project catalogue (published by province-level regulators and platform
//! staff) and institutions' occupation declarations (decided by the regulator of the
//! institution's region). Classes are later opened only from a published project whose
//! occupation the institution has an approved declaration for.

use crate::audit::{self, Entry, Page};
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::scope::Scope;
use crate::{App, tx::begin_write};
use jineng_core::Fen;
use jineng_core::accounts::Permission;
use jineng_core::occupations::OccupationRank;
use jineng_core::occupations::ProjectStatus;
use jineng_core::occupations::{self as occ, check_level};
use jineng_core::organizations::OrgKind;
use jineng_core::review::ReviewStatus;
use jineng_store::catalogue::{declaration, project};
use jineng_store::organizations::organization;
use jineng_store::reference::{occupation, work_type};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

/// A catalogue entry as typed, already parsed at the edge.
#[derive(Debug, Clone)]
pub struct ProjectInput {
    pub occupation_code: String,
    pub work_type_id: Option<String>,
    pub skill_level: i32,
    pub training_type: String,
    pub business_category: String,
    pub theory_hours: i32,
    pub practice_hours: i32,
    pub subsidy: Fen,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectView {
    pub id: String,
    pub name: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub work_type_id: String,
    pub work_type_code: String,
    pub work_type_name: String,
    pub skill_level: i32,
    pub skill_level_label: &'static str,
    pub training_type: String,
    pub training_type_label: &'static str,
    pub business_category: String,
    pub business_category_label: &'static str,
    pub theory_hours: i32,
    pub practice_hours: i32,
    pub subsidy_fen: i64,
    pub subsidy_yuan: String,
    pub region_code: String,
    pub status: ProjectStatus,
}

#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub q: Option<String>,
    pub training_type: Option<String>,
    pub include_withdrawn: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeclarationView {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub work_type_id: String,
    pub work_type_name: String,
    pub skill_level: i32,
    pub skill_level_label: &'static str,
    pub status: ReviewStatus,
    pub status_label: &'static str,
    pub reason: String,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
}

impl App {
    async fn project_view(&self, p: project::Model) -> AppResult<ProjectView> {
        let occ_name = occupation::Entity::find_by_id(p.occupation_code.clone())
            .one(&self.db)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let wt = if p.work_type_id.is_empty() {
            None
        } else {
            work_type::Entity::find_by_id(p.work_type_id.clone())
                .one(&self.db)
                .await?
        };
        let (wt_code, wt_name) = wt.map(|w| (w.code, w.name)).unwrap_or_default();
        let level_label = occ::level_label(p.skill_level);
        let name = format!(
            "{}{}（{}）",
            if wt_name.is_empty() {
                &occ_name
            } else {
                &wt_name
            },
            if p.skill_level > 0 {
                format!("·{level_label}")
            } else {
                String::new()
            },
            occ::training_type_label(&p.training_type).unwrap_or("")
        );
        Ok(ProjectView {
            id: p.id,
            name,
            occupation_code: p.occupation_code,
            occupation_name: occ_name,
            work_type_id: p.work_type_id,
            work_type_code: wt_code,
            work_type_name: wt_name,
            skill_level: p.skill_level,
            skill_level_label: level_label,
            training_type_label: occ::training_type_label(&p.training_type).unwrap_or(""),
            training_type: p.training_type,
            business_category_label: occ::business_category_label(&p.business_category)
                .unwrap_or(""),
            business_category: p.business_category,
            theory_hours: p.theory_hours,
            practice_hours: p.practice_hours,
            subsidy_yuan: Fen(p.subsidy_fen).to_string(),
            subsidy_fen: p.subsidy_fen,
            region_code: p.region_code,
            status: p.status,
        })
    }

    /// Check occupation, work type and level together; shared by projects and declarations.
    async fn check_occupation_choice(
        &self,
        e: &mut Vec<FieldError>,
        occupation_code: &str,
        work_type_id: Option<&str>,
        level: i32,
    ) -> AppResult<()> {
        match occupation::Entity::find_by_id(occupation_code.to_string())
            .one(&self.db)
            .await?
        {
            Some(o) if o.level == OccupationRank::Occupation => {}
            Some(_) => e.push(FieldError::new("occupation_code", "请选择具体职业（细类）")),
            None => e.push(FieldError::new("occupation_code", "职业代码不存在")),
        }
        if let Some(w) = work_type_id {
            match work_type::Entity::find_by_id(w.to_string())
                .one(&self.db)
                .await?
            {
                Some(w) if w.occupation_code == occupation_code => {}
                _ => e.push(FieldError::new("work_type_id", "所选工种不属于该职业")),
            }
        }
        if let Err(m) = check_level(level) {
            e.push(FieldError::new("skill_level", m));
        }
        Ok(())
    }

    pub async fn publish_project(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        i: ProjectInput,
    ) -> AppResult<ProjectView> {
        if !self.may_manage_catalogue(who) {
            return Err(AppError::Forbidden);
        }
        let mut e = Vec::new();
        self.check_occupation_choice(
            &mut e,
            &i.occupation_code,
            i.work_type_id.as_deref(),
            i.skill_level,
        )
        .await?;
        if occ::training_type_label(&i.training_type).is_none() {
            e.push(FieldError::new("training_type", "请选择培训类型"));
        }
        if occ::business_category_label(&i.business_category).is_none() {
            e.push(FieldError::new("business_category", "请选择业务类别"));
        }
        if !(0..=2000).contains(&i.theory_hours) || !(0..=2000).contains(&i.practice_hours) {
            e.push(FieldError::new("theory_hours", "学时应为0至2000之间的整数"));
        } else if i.theory_hours + i.practice_hours == 0 {
            e.push(FieldError::new(
                "theory_hours",
                "理论学时与实操学时不能都为0",
            ));
        }
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let region = who
            .grants
            .iter()
            .find_map(|g| g.region)
            .map(|r| r.province().to_string())
            .unwrap_or_default();
        let now = self.now();
        let row = project::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            occupation_code: Set(i.occupation_code.clone()),
            work_type_id: Set(i.work_type_id.clone().unwrap_or_default()),
            skill_level: Set(i.skill_level),
            training_type: Set(i.training_type.clone()),
            business_category: Set(i.business_category.clone()),
            theory_hours: Set(i.theory_hours),
            practice_hours: Set(i.practice_hours),
            subsidy_fen: Set(i.subsidy.0),
            region_code: Set(region),
            status: Set(ProjectStatus::Published),
            created_by: Set(who.user_id.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let txn = begin_write(&self.db).await?;
        let id = project::Entity::insert(row)
            .exec(&txn)
            .await
            .map_err(|e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::field(
                    "occupation_code",
                    "目录中已有相同职业、工种、等级和培训类型的项目",
                ),
                _ => e.into(),
            })?;
        let id = id.last_insert_id;
        let changes = serde_json::json!({"occupation_code": i.occupation_code, "work_type_id": i.work_type_id, "skill_level": i.skill_level, "training_type": i.training_type, "theory_hours": i.theory_hours, "practice_hours": i.practice_hours, "subsidy_fen": i.subsidy.0});
        audit::append(
            &txn,
            now,
            who.into(),
            ctx,
            Entry {
                action: "project.publish",
                object_type: "training_project",
                object_id: &id,
                changes,
                outcome: "ok",
            },
        )
        .await?;
        txn.commit().await?;
        self.get_project(&id).await
    }

    pub async fn get_project(&self, id: &str) -> AppResult<ProjectView> {
        let p = project::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("培训项目"))?;
        self.project_view(p).await
    }

    pub async fn withdraw_project(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
    ) -> AppResult<()> {
        if !self.may_manage_catalogue(who) {
            return Err(AppError::Forbidden);
        }
        let now = self.now();
        let txn = begin_write(&self.db).await?;
        let res = project::Entity::update_many()
            .col_expr(project::Column::Status, Expr::value("withdrawn"))
            .col_expr(project::Column::UpdatedAt, Expr::value(now))
            .filter(project::Column::Id.eq(id))
            .filter(project::Column::Status.eq("published"))
            .exec(&txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(AppError::NotFound("已发布的培训项目"));
        }
        audit::append(
            &txn,
            now,
            who.into(),
            ctx,
            Entry {
                action: "project.withdraw",
                object_type: "training_project",
                object_id: id,
                changes: serde_json::json!({"status": ["published", "withdrawn"]}),
                outcome: "ok",
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The catalogue is public to every signed-in person.
    pub async fn list_projects(
        &self,
        f: &ProjectFilter,
        page: u64,
        per_page: u64,
    ) -> AppResult<Page<ProjectView>> {
        let mut q = project::Entity::find();
        if !f.include_withdrawn {
            q = q.filter(project::Column::Status.eq("published"));
        }
        if let Some(t) = f.training_type.as_deref().filter(|s| !s.is_empty()) {
            q = q.filter(project::Column::TrainingType.eq(t));
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let occs: Vec<String> = occupation::Entity::find()
                .filter(
                    Condition::any()
                        .add(occupation::Column::Name.contains(text))
                        .add(occupation::Column::Code.starts_with(text)),
                )
                .all(&self.db)
                .await?
                .into_iter()
                .map(|o| o.code)
                .collect();
            let wts: Vec<String> = work_type::Entity::find()
                .filter(work_type::Column::Name.contains(text))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|w| w.id)
                .collect();
            q = q.filter(
                Condition::any()
                    .add(project::Column::OccupationCode.is_in(occs))
                    .add(project::Column::WorkTypeId.is_in(wts)),
            );
        }
        let per_page = per_page.clamp(1, 200);
        let p = q
            .order_by_asc(project::Column::OccupationCode)
            .order_by_desc(project::Column::SkillLevel)
            .paginate(&self.db, per_page);
        let total = p.num_items().await?;
        let rows = p.fetch_page(page.max(1) - 1).await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            items.push(self.project_view(r).await?);
        }
        Ok(Page {
            items,
            total,
            page: page.max(1),
            per_page,
        })
    }

    async fn declaration_view(&self, d: declaration::Model) -> AppResult<DeclarationView> {
        let org_name = organization::Entity::find_by_id(d.org_id.clone())
            .one(&self.db)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let occupation_name = occupation::Entity::find_by_id(d.occupation_code.clone())
            .one(&self.db)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let work_type_name = if d.work_type_id.is_empty() {
            String::new()
        } else {
            work_type::Entity::find_by_id(d.work_type_id.clone())
                .one(&self.db)
                .await?
                .map(|w| w.name)
                .unwrap_or_default()
        };
        Ok(DeclarationView {
            status_label: d.status.label(),
            skill_level_label: occ::level_label(d.skill_level),
            id: d.id,
            org_id: d.org_id,
            org_name,
            occupation_code: d.occupation_code,
            occupation_name,
            work_type_id: d.work_type_id,
            work_type_name,
            skill_level: d.skill_level,
            status: d.status,
            reason: d.reason,
            submitted_at: d.submitted_at,
        })
    }

    /// An approved institution declares an occupation (work type, level) it trains.
    /// A returned declaration of the same occupation is submitted again.
    pub async fn declare_occupation(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        org_id: &str,
        occupation_code: &str,
        work_type_id: Option<&str>,
        level: i32,
    ) -> AppResult<DeclarationView> {
        if !who.can(Permission::ManageOwnOrganization) || !who.org_ids().iter().any(|o| o == org_id)
        {
            return Err(AppError::Forbidden);
        }
        let org = organization::Entity::find_by_id(org_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("机构"))?;
        if org.kind != OrgKind::Institution {
            return Err(AppError::Conflict("只有培训机构需要申报培训工种".into()));
        }
        if !org.status.may_operate() {
            return Err(AppError::Conflict(
                "机构登记审核通过后才能申报培训工种".into(),
            ));
        }
        let mut e = Vec::new();
        self.check_occupation_choice(&mut e, occupation_code, work_type_id, level)
            .await?;
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let wt = work_type_id.unwrap_or("").to_string();
        let existing = declaration::Entity::find()
            .filter(declaration::Column::OrgId.eq(org_id))
            .filter(declaration::Column::OccupationCode.eq(occupation_code))
            .filter(declaration::Column::WorkTypeId.eq(wt.clone()))
            .filter(declaration::Column::SkillLevel.eq(level))
            .one(&self.db)
            .await?;
        let now = self.now();
        let txn = begin_write(&self.db).await?;
        let id = match existing {
            Some(d) if d.status == ReviewStatus::Returned => {
                declaration::Entity::update_many()
                    .col_expr(declaration::Column::Status, Expr::value("submitted"))
                    .col_expr(declaration::Column::Reason, Expr::value(""))
                    .col_expr(
                        declaration::Column::SubmittedBy,
                        Expr::value(who.user_id.clone()),
                    )
                    .col_expr(declaration::Column::SubmittedAt, Expr::value(now))
                    .filter(declaration::Column::Id.eq(d.id.clone()))
                    .filter(declaration::Column::Status.eq("returned"))
                    .exec(&txn)
                    .await?;
                d.id
            }
            Some(d) => {
                return Err(AppError::Conflict(format!(
                    "该工种已申报，当前状态：{}",
                    d.status.label()
                )));
            }
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                declaration::Entity::insert(declaration::ActiveModel {
                    id: Set(id.clone()),
                    org_id: Set(org_id.to_string()),
                    region_code: Set(org.region_code.clone()),
                    occupation_code: Set(occupation_code.to_string()),
                    work_type_id: Set(wt.clone()),
                    skill_level: Set(level),
                    status: Set(ReviewStatus::Submitted),
                    reason: Set(String::new()),
                    submitted_by: Set(who.user_id.clone()),
                    submitted_at: Set(now),
                    decided_by: Set(String::new()),
                    decided_at: Set(None),
                })
                .exec(&txn)
                .await
                .map_err(|e| match e.sql_err() {
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                        AppError::Conflict("该工种已申报".into())
                    }
                    _ => e.into(),
                })?;
                id
            }
        };
        let changes = serde_json::json!({"org_id": org_id, "occupation_code": occupation_code, "work_type_id": wt, "skill_level": level});
        audit::append(
            &txn,
            now,
            who.into(),
            ctx,
            Entry {
                action: "declaration.submit",
                object_type: "occupation_declaration",
                object_id: &id,
                changes,
                outcome: "ok",
            },
        )
        .await?;
        txn.commit().await?;
        let d = declaration::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("申报"))?;
        self.declaration_view(d).await
    }

    /// The regulator of the institution's region approves or returns (with a reason).
    pub async fn decide_declaration(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        approve: bool,
        reason: &str,
    ) -> AppResult<DeclarationView> {
        if !who.can(Permission::ReviewOrganizations) {
            return Err(AppError::Forbidden);
        }
        let scope = who
            .scope(Permission::ReviewOrganizations)
            .ok_or(AppError::Forbidden)?;
        let d = declaration::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("申报"))?;
        if !scope.admits_org(&d.region_code, &d.org_id) || matches!(scope, Scope::Orgs(_)) {
            return Err(AppError::NotFound("申报"));
        }
        let reason = reason.trim();
        if !approve && reason.is_empty() {
            return Err(AppError::field("reason", "退回必须填写原因"));
        }
        let to = if approve { "approved" } else { "returned" };
        let now = self.now();
        let txn = begin_write(&self.db).await?;
        let res = declaration::Entity::update_many()
            .col_expr(declaration::Column::Status, Expr::value(to))
            .col_expr(declaration::Column::Reason, Expr::value(reason))
            .col_expr(
                declaration::Column::DecidedBy,
                Expr::value(who.user_id.clone()),
            )
            .col_expr(declaration::Column::DecidedAt, Expr::value(Some(now)))
            .filter(declaration::Column::Id.eq(id))
            .filter(declaration::Column::Status.eq("submitted"))
            .exec(&txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(AppError::Conflict(format!(
                "该申报当前状态为“{}”，不能再审核",
                d.status.label()
            )));
        }
        let action = if approve {
            "declaration.approve"
        } else {
            "declaration.return"
        };
        audit::append(
            &txn,
            now,
            who.into(),
            ctx,
            Entry {
                action,
                object_type: "occupation_declaration",
                object_id: id,
                changes: serde_json::json!({"status": [d.status, to], "reason": reason}),
                outcome: "ok",
            },
        )
        .await?;
        txn.commit().await?;
        let d = declaration::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("申报"))?;
        self.declaration_view(d).await
    }

    /// Declarations the caller may see: its own institution's, or its region's.
    pub async fn list_declarations(
        &self,
        who: &Principal,
        org_id: Option<&str>,
        status: Option<&str>,
    ) -> AppResult<Vec<DeclarationView>> {
        let scope = who
            .scope(Permission::ViewOrganizations)
            .ok_or(AppError::Forbidden)?;
        let mut q = declaration::Entity::find().filter(
            scope.org_condition(declaration::Column::RegionCode, declaration::Column::OrgId),
        );
        if let Some(o) = org_id {
            q = q.filter(declaration::Column::OrgId.eq(o));
        }
        if let Some(s) = status.filter(|s| !s.is_empty()) {
            q = q.filter(declaration::Column::Status.eq(s));
        }
        let rows = q
            .order_by_desc(declaration::Column::SubmittedAt)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for d in rows {
            out.push(self.declaration_view(d).await?);
        }
        Ok(out)
    }

    /// Whether `org_id` may train `occupation_code` (any approved declaration for it).
    pub async fn has_approved_declaration(
        &self,
        org_id: &str,
        occupation_code: &str,
    ) -> AppResult<bool> {
        Ok(declaration::Entity::find()
            .filter(declaration::Column::OrgId.eq(org_id))
            .filter(declaration::Column::OccupationCode.eq(occupation_code))
            .filter(declaration::Column::Status.eq("approved"))
            .count(&self.db)
            .await?
            > 0)
    }
}
