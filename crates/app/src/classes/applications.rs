//! Learners find classes that are still recruiting, apply (报名), and see their own
//! training; the institution accepts an application (which enrols the learner through the
//! same rules as any enrolment) or rejects it with a reason. A learner never sees
//! another learner's data, and applying never bypasses the enrolment rules.

use super::{ClassView, Classes, EnrolledLearner};
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::page::{self, Page, PageRequest};
use crate::scope::Scope;
use crate::write::{OnUnique, one_row};
use jineng_core::accounts::Permission;
use jineng_core::accounts::Role;
use jineng_core::classes::ApplicationStatus;
use jineng_core::classes::ClassStatus;
use jineng_store::accounts::user;
use jineng_store::classes::{application, class, enrollment};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ApplicationView {
    pub id: String,
    pub class_id: String,
    pub class_name: String,
    pub org_name: String,
    pub start_date: String,
    pub user_id: String,
    pub learner_name: String,
    pub status: ApplicationStatus,
    pub status_label: &'static str,
    pub reason: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A class the learner is in, with their own result so far.
#[derive(Debug, Clone, Serialize)]
pub struct MyClass {
    pub class: ClassView,
    pub me: Option<EnrolledLearner>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MyTraining {
    pub classes: Vec<MyClass>,
    pub applications: Vec<ApplicationView>,
}

/// A recruiting class and whether the caller has applied to it already.
#[derive(Debug, Clone, Serialize)]
pub struct RecruitingClass {
    pub class: ClassView,
    pub applied: Option<&'static str>,
}

impl Classes<'_> {
    /// Classes still taking learners: not yet filed, starting after today, not full.
    pub async fn recruiting(
        &self,
        who: &Principal,
        q: Option<&str>,
        r: PageRequest,
    ) -> AppResult<Page<RecruitingClass>> {
        who.require(Role::Learner)?;
        let mut query = class::Entity::find()
            .filter(class::Column::Status.is_in([ClassStatus::Draft, ClassStatus::Returned]))
            .filter(class::Column::StartDate.gt(self.today().to_string()))
            .filter(Expr::col(class::Column::Enrolled).lt(Expr::col(class::Column::Capacity)));
        if let Some(text) = q.map(str::trim).filter(|s| !s.is_empty()) {
            query = query.filter(crate::page::contains(class::Column::Name, text));
        }
        let p = page::fetch(
            &self.db,
            query
                .order_by_asc(class::Column::StartDate)
                .order_by_asc(class::Column::Id),
            r,
        )
        .await?;
        let rows = p.items;
        let ids: Vec<String> = rows.iter().map(|c| c.id.clone()).collect();
        let mine: std::collections::HashMap<String, ApplicationStatus> =
            application::Entity::find()
                .filter(application::Column::UserId.eq(who.user_id.clone()))
                .filter(application::Column::ClassId.is_in(ids.clone()))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|a| (a.class_id, a.status))
                .collect();
        let mut items = Vec::with_capacity(rows.len());
        let mut names = Default::default();
        for c in rows {
            let applied = mine.get(&c.id).map(|s| s.label());
            items.push(RecruitingClass {
                class: self.view_with(c, &mut names).await?,
                applied,
            });
        }
        Ok(Page {
            items,
            total: p.total,
            page: p.page,
            per_page: p.per_page,
        })
    }

    pub async fn apply(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
    ) -> AppResult<ApplicationView> {
        who.require(Role::Learner)?;
        let c = class::Entity::find_by_id(class_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("培训班"))?;
        let status = c.status;
        if !status.enrollment_open() || c.start_date.as_str() <= self.today().to_string().as_str() {
            // Classes that are not recruiting are not shown to learners at all.
            if matches!(status, ClassStatus::Draft | ClassStatus::Returned) {
                return Err(AppError::Conflict("已到开班日期，报名已截止".into()));
            }
            return Err(AppError::NotFound("培训班"));
        }
        if c.enrolled >= c.capacity {
            return Err(AppError::Conflict("该班级名额已满".into()));
        }
        let existing = application::Entity::find()
            .filter(application::Column::ClassId.eq(c.id.clone()))
            .filter(application::Column::UserId.eq(who.user_id.clone()))
            .one(&self.db)
            .await?;
        if let Some(a) = &existing
            && a.status != ApplicationStatus::Withdrawn
        {
            return Err(AppError::Conflict(format!(
                "您已报名该班级（{}）",
                a.status.label()
            )));
        }
        // One open enrolment per learner and project, as for enrolment by the institution.
        let open: Vec<class::Model> = class::Entity::find()
            .filter(class::Column::ProjectId.eq(c.project_id.clone()))
            .filter(
                class::Column::Status.is_not_in([ClassStatus::Completed, ClassStatus::Cancelled]),
            )
            .all(&self.db)
            .await?;
        if let Some(m) = enrollment::Entity::find()
            .filter(enrollment::Column::UserId.eq(who.user_id.clone()))
            .filter(enrollment::Column::ClassId.is_in(open.iter().map(|c| c.id.clone())))
            .one(&self.db)
            .await?
        {
            let name = open
                .iter()
                .find(|c| c.id == m.class_id)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            return Err(AppError::Conflict(format!(
                "您已在同一培训项目的班级（{name}）中，不能重复报名"
            )));
        }
        let w = self.write(who, ctx).await?;
        let now = w.now;
        let id = match existing {
            Some(a) => {
                // A withdrawn application is reopened rather than duplicated.
                let res = application::Entity::update_many()
                    .col_expr(
                        application::Column::Status,
                        Expr::value(ApplicationStatus::Pending),
                    )
                    .col_expr(application::Column::Reason, Expr::value(""))
                    .col_expr(application::Column::CreatedAt, Expr::value(now))
                    .col_expr(
                        application::Column::DecidedAt,
                        Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
                    )
                    .col_expr(
                        application::Column::DecidedBy,
                        Expr::value(Option::<String>::None),
                    )
                    .filter(application::Column::Id.eq(a.id.clone()))
                    .filter(application::Column::Status.eq(ApplicationStatus::Withdrawn))
                    .exec(&w.txn)
                    .await?;
                one_row(res, "报名状态刚刚变化，请刷新后重试")?;
                a.id
            }
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                application::Entity::insert(application::ActiveModel {
                    id: Set(id.clone()),
                    class_id: Set(c.id.clone()),
                    user_id: Set(who.user_id.clone()),
                    status: Set(ApplicationStatus::Pending),
                    reason: Set(String::new()),
                    created_at: Set(now),
                    decided_at: Set(None),
                    decided_by: Set(None),
                })
                .exec(&w.txn)
                .await
                .on_unique(|| AppError::Conflict("您已报名该班级".into()))?;
                id
            }
        };
        w.commit(Entry::ok(
            "class.apply",
            "class",
            &c.id,
            serde_json::json!({"application": id}),
        ))
        .await?;
        self.application(who, &id).await
    }

    /// One application: the applicant's own, or one to a class the caller may see.
    pub async fn application(&self, who: &Principal, id: &str) -> AppResult<ApplicationView> {
        let scope = who
            .scope(Permission::ViewOrganizations)
            .unwrap_or_else(|| Scope::OwnUser(who.user_id.clone()));
        let a = self
            .find_in_scope::<application::Entity>(&scope, id)
            .await
            .map_err(|_| AppError::NotFound("报名申请"))?;
        let mut v = self.application_views(vec![a]).await?;
        v.pop().ok_or(AppError::NotFound("报名申请"))
    }

    async fn application_views(
        &self,
        rows: Vec<application::Model>,
    ) -> AppResult<Vec<ApplicationView>> {
        let class_ids: Vec<String> = rows.iter().map(|a| a.class_id.clone()).collect();
        let mut classes = std::collections::HashMap::new();
        let mut names = Default::default();
        for c in class::Entity::find()
            .filter(class::Column::Id.is_in(class_ids))
            .all(&self.db)
            .await?
        {
            classes.insert(c.id.clone(), self.view_with(c, &mut names).await?);
        }
        let users: std::collections::HashMap<String, String> = user::Entity::find()
            .filter(user::Column::Id.is_in(rows.iter().map(|a| a.user_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        Ok(rows
            .into_iter()
            .map(|a| {
                let c = classes.get(&a.class_id);
                ApplicationView {
                    class_name: c.map(|c| c.name.clone()).unwrap_or_default(),
                    org_name: c.map(|c| c.org_name.clone()).unwrap_or_default(),
                    start_date: c.map(|c| c.start_date.clone()).unwrap_or_default(),
                    learner_name: users.get(&a.user_id).cloned().unwrap_or_default(),
                    status_label: a.status.label(),
                    id: a.id,
                    class_id: a.class_id,
                    user_id: a.user_id,
                    status: a.status,
                    reason: a.reason,
                    created_at: a.created_at,
                }
            })
            .collect())
    }

    /// The learner withdraws an application the institution has not decided yet.
    pub async fn withdraw(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
    ) -> AppResult<ApplicationView> {
        who.require(Role::Learner)?;
        let a = self
            .find_in_scope::<application::Entity>(&Scope::OwnUser(who.user_id.clone()), id)
            .await
            .map_err(|_| AppError::NotFound("报名申请"))?;
        if a.status != ApplicationStatus::Pending {
            return Err(AppError::Conflict(format!(
                "报名申请{}，不能撤回",
                a.status.label()
            )));
        }
        let w = self.write(who, ctx).await?;
        let now = w.now;
        let res = application::Entity::update_many()
            .col_expr(
                application::Column::Status,
                Expr::value(ApplicationStatus::Withdrawn),
            )
            .col_expr(application::Column::DecidedAt, Expr::value(Some(now)))
            .col_expr(
                application::Column::DecidedBy,
                Expr::value(Some(who.user_id.clone())),
            )
            .filter(application::Column::Id.eq(a.id.clone()))
            .filter(application::Column::Status.eq(ApplicationStatus::Pending))
            .exec(&w.txn)
            .await?;
        one_row(res, "报名状态刚刚变化，请刷新后重试")?;
        w.commit(Entry::ok(
            "class.application_withdraw",
            "class",
            &a.class_id,
            serde_json::json!({"application": a.id}),
        ))
        .await?;
        self.application(who, id).await
    }

    /// Pending applications to a class of the caller's own organisation.
    pub async fn applications(
        &self,
        who: &Principal,
        class_id: &str,
    ) -> AppResult<Vec<ApplicationView>> {
        let c = self.own(who, class_id).await?;
        let rows = application::Entity::find()
            .filter(application::Column::ClassId.eq(c.id))
            .filter(application::Column::Status.eq(ApplicationStatus::Pending))
            .order_by_asc(application::Column::CreatedAt)
            .all(&self.db)
            .await?;
        self.application_views(rows).await
    }

    /// The institution decides: accepting enrols the learner (all enrolment rules apply);
    /// rejecting needs a reason the learner will see.
    pub async fn decide_application(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        accept: bool,
        reason: &str,
    ) -> AppResult<ApplicationView> {
        // Scope: the application belongs to a class of the caller's own organisation.
        let a = self
            .find_scoped::<application::Entity>(who, Permission::ManageOwnOrganization, id)
            .await?;
        let c = self.own(who, &a.class_id).await?;
        if a.status != ApplicationStatus::Pending {
            return Err(AppError::Conflict(format!(
                "报名申请{}，不能再处理",
                a.status.label()
            )));
        }
        if accept {
            self.enroll(who, ctx, &c.id, std::slice::from_ref(&a.user_id))
                .await?;
            return self.application(who, id).await;
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::field("reason", "不录取必须填写原因"));
        }
        if reason.chars().count() > 500 {
            return Err(AppError::field("reason", "原因不能超过500个字符"));
        }
        self.organizations().operating(who).await?;
        let w = self.write(who, ctx).await?;
        let now = w.now;
        let res = application::Entity::update_many()
            .col_expr(
                application::Column::Status,
                Expr::value(ApplicationStatus::Rejected),
            )
            .col_expr(application::Column::Reason, Expr::value(reason))
            .col_expr(application::Column::DecidedAt, Expr::value(Some(now)))
            .col_expr(
                application::Column::DecidedBy,
                Expr::value(Some(who.user_id.clone())),
            )
            .filter(application::Column::Id.eq(a.id.clone()))
            .filter(application::Column::Status.eq(ApplicationStatus::Pending))
            .exec(&w.txn)
            .await?;
        one_row(res, "报名状态刚刚变化，请刷新后重试")?;
        w.commit(Entry::ok(
            "class.application_reject",
            "class",
            &c.id,
            serde_json::json!({"application": a.id, "learner": a.user_id, "reason": reason}),
        ))
        .await?;
        self.application(who, id).await
    }

    /// The caller's own classes (with their own results) and applications.
    pub async fn my_training(&self, who: &Principal) -> AppResult<MyTraining> {
        who.require(Role::Learner)?;
        let members = enrollment::Entity::find()
            .filter(enrollment::Column::UserId.eq(who.user_id.clone()))
            .order_by_desc(enrollment::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let mut by_id: std::collections::HashMap<String, class::Model> = class::Entity::find()
            .filter(class::Column::Id.is_in(members.iter().map(|m| m.class_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let mut classes = Vec::with_capacity(members.len());
        let mut names = Default::default();
        for m in members {
            let Some(c) = by_id.remove(&m.class_id) else {
                continue;
            };
            let me = self
                .roster(&c.id)
                .await?
                .into_iter()
                .find(|l| l.user_id == who.user_id);
            classes.push(MyClass {
                class: self.view_with(c, &mut names).await?,
                me,
            });
        }
        let rows = application::Entity::find()
            .filter(application::Column::UserId.eq(who.user_id.clone()))
            .order_by_desc(application::Column::CreatedAt)
            .all(&self.db)
            .await?;
        Ok(MyTraining {
            classes,
            applications: self.application_views(rows).await?,
        })
    }
}
