//! The expert pool and expert groups (seed 000 §1.3, seed 004 §7.2.7 f), kept by
//! operators and the province's regulators, and the review flow per course type. An expert is a person
//! with an expert account; the unit they work for is recorded with its credit code, which
//! is how a course from their own unit is kept away from them.

use super::Courses;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::write::{OnUnique, one_row};
use jineng_core::CreditCode;
use jineng_core::accounts::{Permission, Role};
use jineng_core::courses::{CourseType, ReviewStep};
use jineng_store::accounts::{role_grant, user};
use jineng_store::courses::{expert, expert_group};
use jineng_store::settings;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

const FLOWS_KEY: &str = "courses.review_flows";

/// An expert as typed.
#[derive(Debug, Clone)]
pub struct ExpertInput {
    /// The expert's account (it must hold the expert or expert-leader role).
    pub username: String,
    pub unit_name: String,
    pub unit_credit_code: Option<CreditCode>,
    pub title: String,
    pub position: String,
    /// Occupation major categories "1"–"8".
    pub specialities: Vec<String>,
    pub group_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct GroupInput {
    pub name: String,
    /// The leader's expert id.
    pub leader_id: Option<String>,
    pub categories: Vec<String>,
    pub course_types: Vec<CourseType>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpertView {
    pub id: String,
    pub user_id: String,
    pub username: String,
    pub name: String,
    pub unit_name: String,
    pub unit_credit_code: String,
    pub title: String,
    pub position: String,
    pub specialities: String,
    pub group_id: String,
    pub group_name: String,
    pub is_leader: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    pub id: String,
    pub name: String,
    pub leader_id: String,
    pub leader_name: String,
    pub categories: String,
    /// Course type codes, comma-separated (empty: every type).
    pub course_types: String,
    /// The same in words (通用素质、操作技能).
    pub course_types_label: String,
    pub members: usize,
}

/// The number of review levels per course type.
#[derive(Debug, Clone, Serialize)]
pub struct FlowView {
    pub course_type: CourseType,
    pub course_type_label: &'static str,
    pub levels: u8,
    pub steps: Vec<&'static str>,
}

fn check_categories(e: &mut Vec<FieldError>, field: &str, cs: &[String]) {
    if cs
        .iter()
        .any(|c| !matches!(c.as_str(), "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8"))
    {
        e.push(FieldError::new(field, "职业大类应为1至8"));
    }
}

fn text(e: &mut Vec<FieldError>, field: &str, label: &str, v: &str, min: usize, max: usize) {
    let n = v.trim().chars().count();
    if n < min {
        e.push(FieldError::new(field, format!("{label}不能为空")));
    } else if n > max {
        e.push(FieldError::new(
            field,
            format!("{label}不能超过{max}个字符"),
        ));
    } else if let Some(m) = jineng_core::text::plain_text_problem(v) {
        e.push(FieldError::new(field, format!("{label}{m}")));
    }
}

impl Courses<'_> {
    fn may_manage_experts(&self, who: &Principal) -> AppResult<()> {
        if who.can_province_wide(Permission::ManageExperts) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The rules of a group as typed: its name, scope and leader (an expert of the pool
    /// holding the leader role). Returns the leader.
    async fn check_group(
        &self,
        e: &mut Vec<FieldError>,
        i: &GroupInput,
    ) -> AppResult<Option<expert::Model>> {
        text(e, "name", "专家组名称", &i.name, 2, 50);
        check_categories(e, "categories", &i.categories);
        let leader = match &i.leader_id {
            Some(l) => {
                let x = expert::Entity::find_by_id(l.clone()).one(&self.db).await?;
                if x.is_none() {
                    e.push(FieldError::new("leader_id", "组长应从专家库中选择"));
                }
                x
            }
            None => None,
        };
        if let Some(x) = &leader {
            let is_leader = role_grant::Entity::find()
                .filter(role_grant::Column::UserId.eq(x.user_id.clone()))
                .filter(role_grant::Column::Role.eq(Role::ExpertLeader))
                .one(&self.db)
                .await?
                .is_some();
            if !is_leader {
                e.push(FieldError::new("leader_id", "组长须持有“评审专家组长”角色"));
            }
        }
        Ok(leader)
    }

    /// Add a person with an expert account to the pool.
    pub async fn add_expert(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        i: ExpertInput,
    ) -> AppResult<ExpertView> {
        self.may_manage_experts(who)?;
        let mut e = Vec::new();
        text(&mut e, "unit_name", "工作单位", &i.unit_name, 2, 100);
        text(&mut e, "title", "职称", &i.title, 0, 50);
        text(&mut e, "position", "职务", &i.position, 0, 50);
        check_categories(&mut e, "specialities", &i.specialities);
        let u = user::Entity::find()
            .filter(user::Column::Username.eq(i.username.trim()))
            .one(&self.db)
            .await?;
        let Some(u) = u else {
            e.push(FieldError::new("username", "账户不存在"));
            return Err(AppError::Validation(e));
        };
        let roles: Vec<Role> = role_grant::Entity::find()
            .filter(role_grant::Column::UserId.eq(u.id.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|g| g.role)
            .collect();
        if !roles
            .iter()
            .any(|r| matches!(r, Role::Expert | Role::ExpertLeader))
        {
            e.push(FieldError::new(
                "username",
                "该账户不是评审专家，请先在账户管理中为其分配“评审专家”或“评审专家组长”角色",
            ));
        }
        if let Some(g) = &i.group_id
            && expert_group::Entity::find_by_id(g.clone())
                .one(&self.db)
                .await?
                .is_none()
        {
            e.push(FieldError::new("group_id", "专家组不存在"));
        }
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let w = self.write(who, ctx).await?;
        expert::Entity::insert(expert::ActiveModel {
            id: Set(id.clone()),
            user_id: Set(u.id.clone()),
            name: Set(u.display_name.clone()),
            unit_name: Set(i.unit_name.trim().to_string()),
            unit_credit_code: Set(i
                .unit_credit_code
                .map(|c| c.as_str().to_string())
                .unwrap_or_default()),
            title: Set(i.title.trim().to_string()),
            position: Set(i.position.trim().to_string()),
            specialities: Set(i.specialities.join(",")),
            group_id: Set(i.group_id.clone().unwrap_or_default()),
            created_at: Set(w.now),
        })
        .exec(&w.txn)
        .await
        .on_unique(|| AppError::field("username", "该账户已在专家库中"))?;
        w.commit(Entry::ok(
            "expert.add",
            "expert",
            &id,
            serde_json::json!({"user": u.id, "unit": i.unit_name.trim(), "group": i.group_id}),
        ))
        .await?;
        self.experts(who)
            .await?
            .into_iter()
            .find(|x| x.id == id)
            .ok_or(AppError::NotFound("专家"))
    }

    /// The pool, by group.
    pub async fn experts(&self, who: &Principal) -> AppResult<Vec<ExpertView>> {
        self.may_manage_experts(who)?;
        let groups = expert_group::Entity::find().all(&self.db).await?;
        let all = expert::Entity::find()
            .order_by_asc(expert::Column::GroupId)
            .order_by_asc(expert::Column::Name)
            .all(&self.db)
            .await?;
        let ids: Vec<String> = all.iter().map(|x| x.user_id.clone()).collect();
        let names: std::collections::HashMap<String, String> = user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.username))
            .collect();
        Ok(all
            .into_iter()
            .map(|x| {
                let g = groups.iter().find(|g| g.id == x.group_id);
                ExpertView {
                    username: names.get(&x.user_id).cloned().unwrap_or_default(),
                    group_name: g.map(|g| g.name.clone()).unwrap_or_default(),
                    is_leader: g.is_some_and(|g| g.leader_id == x.id),
                    id: x.id,
                    user_id: x.user_id,
                    name: x.name,
                    unit_name: x.unit_name,
                    unit_credit_code: x.unit_credit_code,
                    title: x.title,
                    position: x.position,
                    specialities: x.specialities,
                    group_id: x.group_id,
                }
            })
            .collect())
    }

    /// Create a group; its leader, if named, joins it.
    pub async fn add_group(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        i: GroupInput,
    ) -> AppResult<GroupView> {
        self.may_manage_experts(who)?;
        let mut e = Vec::new();
        let leader = self.check_group(&mut e, &i).await?;
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let w = self.write(who, ctx).await?;
        expert_group::Entity::insert(expert_group::ActiveModel {
            id: Set(id.clone()),
            name: Set(i.name.trim().to_string()),
            leader_id: Set(i.leader_id.clone().unwrap_or_default()),
            categories: Set(i.categories.join(",")),
            course_types: Set(i
                .course_types
                .iter()
                .map(|t| t.code())
                .collect::<Vec<_>>()
                .join(",")),
            created_at: Set(w.now),
        })
        .exec(&w.txn)
        .await
        .on_unique(|| AppError::field("name", "专家组名称已存在"))?;
        if let Some(x) = &leader {
            one_row(
                expert::Entity::update_many()
                    .col_expr(expert::Column::GroupId, Expr::value(id.clone()))
                    .filter(expert::Column::Id.eq(x.id.clone()))
                    .exec(&w.txn)
                    .await?,
                "该专家刚被修改，请刷新后重试",
            )?;
        }
        w.commit(Entry::ok(
            "expert.group_add",
            "expert_group",
            &id,
            serde_json::json!({"name": i.name.trim(), "leader": i.leader_id, "categories": i.categories, "course_types": i.course_types}),
        ))
        .await?;
        self.groups(who)
            .await?
            .into_iter()
            .find(|g| g.id == id)
            .ok_or(AppError::NotFound("专家组"))
    }

    /// Move an expert into a group (or out of every group).
    pub async fn assign_expert(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        expert_id: &str,
        group_id: Option<&str>,
    ) -> AppResult<()> {
        self.may_manage_experts(who)?;
        let x = expert::Entity::find_by_id(expert_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("专家"))?;
        if let Some(g) = group_id
            && expert_group::Entity::find_by_id(g.to_string())
                .one(&self.db)
                .await?
                .is_none()
        {
            return Err(AppError::field("group_id", "专家组不存在"));
        }
        let w = self.write(who, ctx).await?;
        expert::Entity::update_many()
            .col_expr(expert::Column::GroupId, Expr::value(group_id.unwrap_or("")))
            .filter(expert::Column::Id.eq(x.id.clone()))
            .exec(&w.txn)
            .await?;
        w.commit(Entry::ok(
            "expert.assign",
            "expert",
            &x.id,
            serde_json::json!({"group": [x.group_id, group_id.unwrap_or("")]}),
        ))
        .await
    }

    /// Take an expert out of the pool (their account stays; decisions they made stay in
    /// the review records). A group they led is left without a leader.
    pub async fn remove_expert(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        expert_id: &str,
    ) -> AppResult<()> {
        self.may_manage_experts(who)?;
        let x = expert::Entity::find_by_id(expert_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("专家"))?;
        let w = self.write(who, ctx).await?;
        // A roadshow's assignments and scores name the expert: they stay, so does the
        // expert (the foreign keys refuse it on both backends; this says why).
        let roadshows = jineng_store::solicitation::expert::Entity::find()
            .filter(jineng_store::solicitation::expert::Column::ExpertId.eq(x.id.clone()))
            .count(&w.txn)
            .await?;
        if roadshows > 0 {
            return Err(AppError::Conflict(format!(
                "{}是资源征集路演的评审专家，评审记录须保留，不能移出专家库",
                x.name
            )));
        }
        expert_group::Entity::update_many()
            .col_expr(expert_group::Column::LeaderId, Expr::value(""))
            .filter(expert_group::Column::LeaderId.eq(x.id.clone()))
            .exec(&w.txn)
            .await?;
        let gone = expert::Entity::delete_many()
            .filter(expert::Column::Id.eq(x.id.clone()))
            .exec(&w.txn)
            .await
            .map_err(|e| match e.sql_err() {
                Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => {
                    AppError::Conflict("该专家的评审记录仍被引用，不能移出专家库".into())
                }
                _ => e.into(),
            })?
            .rows_affected;
        if gone != 1 {
            return Err(AppError::Conflict("该专家刚被移出，请刷新后查看".into()));
        }
        w.commit(Entry::ok(
            "expert.remove",
            "expert",
            &x.id,
            serde_json::json!({"name": x.name, "group": x.group_id}),
        ))
        .await
    }

    /// Change a group's name, leader and scope. The new leader joins the group.
    pub async fn update_group(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        group_id: &str,
        i: GroupInput,
    ) -> AppResult<GroupView> {
        self.may_manage_experts(who)?;
        let g = expert_group::Entity::find_by_id(group_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("专家组"))?;
        let mut e = Vec::new();
        let leader = self.check_group(&mut e, &i).await?;
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let w = self.write(who, ctx).await?;
        one_row(
            expert_group::Entity::update_many()
                .col_expr(expert_group::Column::Name, Expr::value(i.name.trim()))
                .col_expr(
                    expert_group::Column::LeaderId,
                    Expr::value(i.leader_id.clone().unwrap_or_default()),
                )
                .col_expr(
                    expert_group::Column::Categories,
                    Expr::value(i.categories.join(",")),
                )
                .col_expr(
                    expert_group::Column::CourseTypes,
                    Expr::value(
                        i.course_types
                            .iter()
                            .map(|t| t.code())
                            .collect::<Vec<_>>()
                            .join(","),
                    ),
                )
                .filter(expert_group::Column::Id.eq(g.id.clone()))
                .exec(&w.txn)
                .await
                .on_unique(|| AppError::field("name", "专家组名称已存在"))?,
            "该专家组刚被删除，请刷新后查看",
        )?;
        if let Some(x) = &leader {
            expert::Entity::update_many()
                .col_expr(expert::Column::GroupId, Expr::value(g.id.clone()))
                .filter(expert::Column::Id.eq(x.id.clone()))
                .exec(&w.txn)
                .await?;
        }
        w.commit(Entry::ok(
            "expert.group_update",
            "expert_group",
            &g.id,
            serde_json::json!({"name": [g.name, i.name.trim()], "leader": [g.leader_id, i.leader_id], "categories": i.categories, "course_types": i.course_types}),
        ))
        .await?;
        self.groups(who)
            .await?
            .into_iter()
            .find(|x| x.id == g.id)
            .ok_or(AppError::NotFound("专家组"))
    }

    /// Delete a group that has no members left.
    pub async fn remove_group(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        group_id: &str,
    ) -> AppResult<()> {
        self.may_manage_experts(who)?;
        let g = expert_group::Entity::find_by_id(group_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("专家组"))?;
        let w = self.write(who, ctx).await?;
        let members = sea_orm::PaginatorTrait::count(
            expert::Entity::find().filter(expert::Column::GroupId.eq(g.id.clone())),
            &w.txn,
        )
        .await?;
        if members > 0 {
            return Err(AppError::Conflict(format!(
                "专家组“{}”还有{members}位专家，请先将他们移出该组",
                g.name
            )));
        }
        expert_group::Entity::delete_by_id(g.id.clone())
            .exec(&w.txn)
            .await?;
        w.commit(Entry::ok(
            "expert.group_remove",
            "expert_group",
            &g.id,
            serde_json::json!({"name": g.name}),
        ))
        .await
    }

    pub async fn groups(&self, who: &Principal) -> AppResult<Vec<GroupView>> {
        self.may_manage_experts(who)?;
        let experts = expert::Entity::find().all(&self.db).await?;
        Ok(expert_group::Entity::find()
            .order_by_asc(expert_group::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|g| GroupView {
                leader_name: experts
                    .iter()
                    .find(|x| x.id == g.leader_id)
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
                members: experts.iter().filter(|x| x.group_id == g.id).count(),
                course_types_label: g
                    .course_types
                    .split(',')
                    .filter_map(CourseType::parse)
                    .map(|t| t.label())
                    .collect::<Vec<_>>()
                    .join("、"),
                id: g.id,
                name: g.name,
                leader_id: g.leader_id,
                categories: g.categories,
                course_types: g.course_types,
            })
            .collect())
    }

    /// The review flow per course type (three levels unless set otherwise).
    pub async fn flows(&self) -> AppResult<Vec<FlowView>> {
        let set: std::collections::HashMap<String, u8> = settings::get(&self.db, FLOWS_KEY)
            .await?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default();
        Ok(CourseType::ALL
            .iter()
            .map(|t| {
                let levels = set.get(t.code()).copied().unwrap_or(3).clamp(1, 3);
                FlowView {
                    course_type: *t,
                    course_type_label: t.label(),
                    levels,
                    steps: ReviewStep::flow(levels).iter().map(|s| s.label()).collect(),
                }
            })
            .collect())
    }

    pub(crate) async fn flow_for(&self, t: CourseType) -> AppResult<Vec<ReviewStep>> {
        let levels = self
            .flows()
            .await?
            .into_iter()
            .find(|f| f.course_type == t)
            .map_or(3, |f| f.levels);
        Ok(ReviewStep::flow(levels))
    }

    /// Set how many levels a course type's review has (1 to 3). Versions already in review
    /// keep the flow they were submitted under.
    pub async fn set_flow(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        t: CourseType,
        levels: u8,
    ) -> AppResult<Vec<FlowView>> {
        self.may_manage_experts(who)?;
        if !(1..=3).contains(&levels) {
            return Err(AppError::field("levels", "审核级数应为1至3"));
        }
        let mut set: std::collections::HashMap<String, u8> = settings::get(&self.db, FLOWS_KEY)
            .await?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default();
        let before = set.insert(t.code().to_string(), levels).unwrap_or(3);
        let w = self.write(who, ctx).await?;
        settings::Entity::insert(settings::ActiveModel {
            key: Set(FLOWS_KEY.into()),
            value: Set(serde_json::to_string(&set).unwrap_or_default()),
            updated_at: Set(w.now),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(settings::Column::Key)
                .update_columns([settings::Column::Value, settings::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(&w.txn)
        .await?;
        w.commit(Entry::ok(
            "course.flow_set",
            "setting",
            FLOWS_KEY,
            serde_json::json!({"course_type": t, "levels": [before, levels]}),
        ))
        .await?;
        self.flows().await
    }
}
