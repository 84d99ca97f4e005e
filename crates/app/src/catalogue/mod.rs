//! The training-project catalogue (published by province-level regulators and platform
//! staff) and institutions' occupation declarations (decided by the regulator of the
//! institution's region). Classes are later opened only from a published project whose
//! occupation the institution has an approved declaration for.

pub mod declarations;
pub mod occupations;

pub use declarations::DeclarationView;

use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::page::{self, Page, PageRequest};
use crate::write::OnUnique;
use jineng_core::Fen;
use jineng_core::occupations::OccupationRank;
use jineng_core::occupations::ProjectStatus;
use jineng_core::occupations::{self as occ, check_level};
use jineng_store::catalogue::project;
use jineng_store::reference::{occupation, work_type};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

bounded_context!(
    /// The occupation classification, work types, the training-project catalogue and
    /// institutions' occupation declarations.
    Catalogue,
    catalogue
);

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

impl Catalogue<'_> {
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
    pub(crate) async fn check_occupation_choice(
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

    pub async fn publish(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        i: ProjectInput,
    ) -> AppResult<ProjectView> {
        if !self.may_manage(who) {
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
        let w = self.write(who, ctx).await?;
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
            created_at: Set(w.now),
            updated_at: Set(w.now),
        };
        let id = project::Entity::insert(row)
            .exec(&w.txn)
            .await
            .on_unique(|| {
                AppError::field(
                    "occupation_code",
                    "目录中已有相同职业、工种、等级和培训类型的项目",
                )
            })?
            .last_insert_id;
        let changes = serde_json::json!({"occupation_code": i.occupation_code, "work_type_id": i.work_type_id, "skill_level": i.skill_level, "training_type": i.training_type, "theory_hours": i.theory_hours, "practice_hours": i.practice_hours, "subsidy_fen": i.subsidy.0});
        w.commit(Entry::ok(
            "project.publish",
            "training_project",
            &id,
            changes,
        ))
        .await?;
        self.project(&id).await
    }

    /// A catalogue project, published or withdrawn (the catalogue is public).
    pub async fn project(&self, id: &str) -> AppResult<ProjectView> {
        let p = project::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("培训项目"))?;
        self.project_view(p).await
    }

    pub async fn withdraw(&self, who: &Principal, ctx: &RequestCtx, id: &str) -> AppResult<()> {
        if !self.may_manage(who) {
            return Err(AppError::Forbidden);
        }
        let w = self.write(who, ctx).await?;
        let res = project::Entity::update_many()
            .col_expr(
                project::Column::Status,
                Expr::value(ProjectStatus::Withdrawn),
            )
            .col_expr(project::Column::UpdatedAt, Expr::value(w.now))
            .filter(project::Column::Id.eq(id))
            .filter(project::Column::Status.eq(ProjectStatus::Published))
            .exec(&w.txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(AppError::NotFound("已发布的培训项目"));
        }
        w.commit(Entry::ok(
            "project.withdraw",
            "training_project",
            id,
            serde_json::json!({"status": [ProjectStatus::Published, ProjectStatus::Withdrawn]}),
        ))
        .await
    }

    /// The projects in force that a course of this occupation, work type and level
    /// serves (seed 000 §1.1), in catalogue order.
    pub async fn served_by(&self, course: occ::TrainingScope<'_>) -> AppResult<Vec<ProjectView>> {
        let rows = project::Entity::find()
            .filter(project::Column::Status.eq(ProjectStatus::Published))
            .filter(project::Column::OccupationCode.eq(course.occupation))
            .order_by_desc(project::Column::SkillLevel)
            .order_by_asc(project::Column::TrainingType)
            .all(&self.db)
            .await?;
        let mut out = Vec::new();
        for p in rows {
            let fits = occ::course_serves(
                course,
                occ::TrainingScope {
                    occupation: &p.occupation_code,
                    work_type: &p.work_type_id,
                    level: p.skill_level,
                },
            );
            if fits {
                out.push(self.project_view(p).await?);
            }
        }
        Ok(out)
    }

    /// The catalogue is public to every signed-in person.
    pub async fn projects(
        &self,
        f: &ProjectFilter,
        r: PageRequest,
    ) -> AppResult<Page<ProjectView>> {
        let mut q = project::Entity::find();
        if !f.include_withdrawn {
            q = q.filter(project::Column::Status.eq(ProjectStatus::Published));
        }
        if let Some(t) = f.training_type.as_deref().filter(|s| !s.is_empty()) {
            q = q.filter(project::Column::TrainingType.eq(t));
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let occs: Vec<String> = occupation::Entity::find()
                .filter(
                    Condition::any()
                        .add(crate::page::contains(occupation::Column::Name, text))
                        .add(occupation::Column::Code.starts_with(text)),
                )
                .all(&self.db)
                .await?
                .into_iter()
                .map(|o| o.code)
                .collect();
            let wts: Vec<String> = work_type::Entity::find()
                .filter(crate::page::contains(work_type::Column::Name, text))
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
        let rows = page::fetch(
            &self.db,
            q.order_by_asc(project::Column::OccupationCode)
                .order_by_desc(project::Column::SkillLevel),
            r,
        )
        .await?;
        let mut items = Vec::with_capacity(rows.items.len());
        for p in rows.items {
            items.push(self.project_view(p).await?);
        }
        Ok(Page {
            items,
            total: rows.total,
            page: rows.page,
            per_page: rows.per_page,
        })
    }
}
