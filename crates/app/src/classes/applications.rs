//! Learners find classes that are still recruiting, apply (报名), and see their own
//! training; the institution accepts an application (which enrols the learner through the
//! same rules as any enrolment) or rejects it with a reason. A learner never sees
//! another learner's data, and applying never bypasses the enrolment rules.

use super::{ClassView, EnrolledLearner};
use crate::audit::{self, Entry, Page};
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::{App, tx::begin_write};
use jineng_core::accounts::Role;
use jineng_core::classes::ApplicationStatus;
use jineng_core::classes::ClassStatus;
use jineng_store::accounts::user;
use jineng_store::classes::{application, class, enrollment};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
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

impl App {
    fn learner_only(who: &Principal) -> AppResult<()> {
        if who.has_role(Role::Learner) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Classes still taking learners: not yet filed, starting after today, not full.
    pub async fn recruiting_classes(
        &self,
        who: &Principal,
        q: Option<&str>,
        page: u64,
        per_page: u64,
    ) -> AppResult<Page<RecruitingClass>> {
        Self::learner_only(who)?;
        let mut query = class::Entity::find()
            .filter(
                class::Column::Status
                    .is_in([ClassStatus::Draft.code(), ClassStatus::Returned.code()]),
            )
            .filter(class::Column::StartDate.gt(self.today().to_string()))
            .filter(Expr::col(class::Column::Enrolled).lt(Expr::col(class::Column::Capacity)));
        if let Some(text) = q.map(str::trim).filter(|s| !s.is_empty()) {
            query = query.filter(class::Column::Name.contains(text));
        }
        let per_page = per_page.clamp(1, 100);
        let p = query
            .order_by_asc(class::Column::StartDate)
            .order_by_asc(class::Column::Id)
            .paginate(&self.db, per_page);
        let total = p.num_items().await?;
        let page = std::cmp::max(page, 1);
        let rows = p.fetch_page(page - 1).await?;
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
                class: self.class_view_with(c, &mut names).await?,
                applied,
            });
        }
        Ok(Page {
            items,
            total,
            page,
            per_page,
        })
    }

    pub async fn apply_to_class(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
    ) -> AppResult<ApplicationView> {
        Self::learner_only(who)?;
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
                class::Column::Status
                    .is_not_in([ClassStatus::Completed.code(), ClassStatus::Cancelled.code()]),
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
        let now = self.now();
        let txn = begin_write(&self.db).await?;
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
                    .exec(&txn)
                    .await?;
                if res.rows_affected != 1 {
                    return Err(AppError::Conflict("报名状态刚刚变化，请刷新后重试".into()));
                }
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
                .exec(&txn)
                .await
                .map_err(|e| match e.sql_err() {
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                        AppError::Conflict("您已报名该班级".into())
                    }
                    _ => e.into(),
                })?;
                id
            }
        };
        audit::append(
            &txn,
            now,
            who.into(),
            ctx,
            Entry {
                action: "class.apply",
                object_type: "class",
                object_id: &c.id,
                changes: serde_json::json!({"application": id}),
                outcome: "ok",
            },
        )
        .await?;
        txn.commit().await?;
        self.application_view(&id).await
    }

    /// The class an application is for (callers have already checked access).
    pub async fn application_class(&self, id: &str) -> AppResult<String> {
        application::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .map(|a| a.class_id)
            .ok_or(AppError::NotFound("报名申请"))
    }

    async fn application_view(&self, id: &str) -> AppResult<ApplicationView> {
        let a = application::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("报名申请"))?;
        Ok(self.application_views(vec![a]).await?.remove(0))
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
            classes.insert(c.id.clone(), self.class_view_with(c, &mut names).await?);
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
    pub async fn withdraw_application(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
    ) -> AppResult<ApplicationView> {
        Self::learner_only(who)?;
        let a = application::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .filter(|a| a.user_id == who.user_id)
            .ok_or(AppError::NotFound("报名申请"))?;
        if a.status != ApplicationStatus::Pending {
            return Err(AppError::Conflict(format!(
                "报名申请{}，不能撤回",
                a.status.label()
            )));
        }
        let now = self.now();
        let txn = begin_write(&self.db).await?;
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
            .exec(&txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(AppError::Conflict("报名状态刚刚变化，请刷新后重试".into()));
        }
        audit::append(
            &txn,
            now,
            who.into(),
            ctx,
            Entry {
                action: "class.application_withdraw",
                object_type: "class",
                object_id: &a.class_id,
                changes: serde_json::json!({"application": a.id}),
                outcome: "ok",
            },
        )
        .await?;
        txn.commit().await?;
        self.application_view(id).await
    }

    /// Pending applications to a class of the caller's own organisation.
    pub async fn class_applications(
        &self,
        who: &Principal,
        class_id: &str,
    ) -> AppResult<Vec<ApplicationView>> {
        let c = self.own_class(who, class_id).await?;
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
        let a = application::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("报名申请"))?;
        // Scope: the application belongs to a class of the caller's own organisation.
        let c = self
            .own_class(who, &a.class_id)
            .await
            .map_err(|e| match e {
                AppError::NotFound(_) => AppError::NotFound("报名申请"),
                e => e,
            })?;
        if a.status != ApplicationStatus::Pending {
            return Err(AppError::Conflict(format!(
                "报名申请{}，不能再处理",
                a.status.label()
            )));
        }
        if accept {
            self.enroll(who, ctx, &c.id, std::slice::from_ref(&a.user_id))
                .await?;
            return self.application_view(id).await;
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::field("reason", "不录取必须填写原因"));
        }
        if reason.chars().count() > 500 {
            return Err(AppError::field("reason", "原因不能超过500个字符"));
        }
        self.organizations().operating(who).await?;
        let now = self.now();
        let txn = begin_write(&self.db).await?;
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
            .exec(&txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(AppError::Conflict("报名状态刚刚变化，请刷新后重试".into()));
        }
        audit::append(
            &txn,
            now,
            who.into(),
            ctx,
            Entry {
                action: "class.application_reject",
                object_type: "class",
                object_id: &c.id,
                changes: serde_json::json!({"application": a.id, "learner": a.user_id, "reason": reason}),
                outcome: "ok",
            },
        )
        .await?;
        txn.commit().await?;
        self.application_view(id).await
    }

    /// The caller's own classes (with their own results) and applications.
    pub async fn my_training(&self, who: &Principal) -> AppResult<MyTraining> {
        Self::learner_only(who)?;
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
                .class_learners(&c.id)
                .await?
                .into_iter()
                .find(|l| l.user_id == who.user_id);
            classes.push(MyClass {
                class: self.class_view_with(c, &mut names).await?,
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
