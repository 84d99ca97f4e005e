//! Training classes: opened by an approved institution (from a published catalogue
//! project whose occupation it has an approved declaration for) or enterprise; learners
//! enrolled before filing; filed with the regulator of its region; started, completed or
//! cancelled. Every refusal names the rule; nothing is half-written.

use crate::App;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::page::{self, Page, PageRequest};
use crate::review::{ReviewRecord, Reviewed, verdict};
use crate::write::{OnUnique, Write, one_row};
use chrono::NaiveDate;
use jineng_core::accounts::Permission;
use jineng_core::classes::{ApplicationStatus, ClassAction, ClassStatus, Delivery, InspectionKind};
use jineng_core::occupations::ProjectStatus;
use jineng_core::occupations::TrainingScope;
use jineng_core::organizations::OrgKind;
use jineng_core::review::{Decision, MAX_REASON_CHARS, ReviewSubject, Verdict};
use jineng_store::accounts::user;
use jineng_store::catalogue::project;
use jineng_store::classes::{application, class, enrollment};
use jineng_store::learners::org_link;
use jineng_store::organizations::organization;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;

pub mod applications;

#[derive(Debug, Clone)]
pub struct ClassInput {
    pub project_id: String,
    pub name: String,
    pub delivery: Delivery,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub location: String,
    pub capacity: i32,
    pub theory_hours: i32,
    pub practice_hours: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClassView {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub region_code: String,
    pub project_id: String,
    pub project_name: String,
    pub name: String,
    pub delivery: Delivery,
    pub delivery_label: &'static str,
    pub start_date: String,
    pub end_date: String,
    pub location: String,
    pub capacity: i32,
    pub enrolled: i32,
    pub theory_hours: i32,
    pub practice_hours: i32,
    pub status: ClassStatus,
    pub status_label: &'static str,
    pub status_reason: String,
}

/// A learner in a class with what they have earned so far (final once the class is
/// completed, since attendance can only change while it runs).
#[derive(Debug, Clone, Serialize)]
pub struct EnrolledLearner {
    pub user_id: String,
    pub name: String,
    pub sessions_attended: u32,
    pub sessions_total: u32,
    /// Whole class hours (45 min) attended offline.
    pub offline_hours: u32,
    pub attendance_percent: u32,
    /// Online class hours credited for the class's study tasks, in tenths.
    pub online_tenths: u64,
    /// Online class hours the class requires (0 for an offline class).
    pub online_required_hours: u32,
    pub outcome: jineng_core::completion::Outcome,
    pub outcome_label: &'static str,
}

#[derive(Debug, Clone, Default)]
pub struct ClassFilter {
    pub status: Option<ClassStatus>,
    pub q: Option<String>,
}

bounded_context!(
    /// Training classes: opening, enrolment, filing, the class's life, inspections,
    /// and learners' applications.
    Classes,
    classes
);

impl Classes<'_> {
    async fn view(&self, c: class::Model) -> AppResult<ClassView> {
        self.view_with(c, &mut Default::default()).await
    }

    /// Build a view, remembering organisation and project names across a page of rows so
    /// a list does not look the same names up again for every class.
    pub(crate) async fn view_with(
        &self,
        c: class::Model,
        names: &mut (
            std::collections::HashMap<String, String>,
            std::collections::HashMap<String, String>,
        ),
    ) -> AppResult<ClassView> {
        let org_name = match names.0.get(&c.org_id) {
            Some(n) => n.clone(),
            None => {
                let n = organization::Entity::find_by_id(c.org_id.clone())
                    .one(&self.db)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_default();
                names.0.insert(c.org_id.clone(), n.clone());
                n
            }
        };
        let project_name = match names.1.get(&c.project_id) {
            Some(n) => n.clone(),
            None => {
                let n = match project::Entity::find_by_id(c.project_id.clone())
                    .one(&self.db)
                    .await?
                {
                    Some(p) => self.catalogue().project(&p.id).await?.name,
                    None => String::new(),
                };
                names.1.insert(c.project_id.clone(), n.clone());
                n
            }
        };
        let status = c.status;
        Ok(ClassView {
            delivery_label: c.delivery.label(),
            status_label: status.label(),
            status,
            org_name,
            project_name,
            id: c.id,
            org_id: c.org_id,
            region_code: c.region_code,
            project_id: c.project_id,
            name: c.name,
            delivery: c.delivery,
            start_date: c.start_date,
            end_date: c.end_date,
            location: c.location,
            capacity: c.capacity,
            enrolled: c.enrolled,
            theory_hours: c.theory_hours,
            practice_hours: c.practice_hours,
            status_reason: c.status_reason,
        })
    }

    pub async fn open(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        i: ClassInput,
    ) -> AppResult<ClassView> {
        let org = self.organizations().operating(who).await?;
        let mut e = Vec::new();
        let p = project::Entity::find_by_id(i.project_id.clone())
            .one(&self.db)
            .await?;
        match &p {
            Some(p) if p.status == ProjectStatus::Published => {
                if org.kind == OrgKind::Institution
                    && !self
                        .catalogue()
                        .may_train(
                            &org.id,
                            TrainingScope {
                                occupation: &p.occupation_code,
                                work_type: &p.work_type_id,
                                level: p.skill_level,
                            },
                        )
                        .await?
                {
                    e.push(FieldError::new(
                        "project_id",
                        "本机构未获批培训该职业（工种），请先申报培训工种",
                    ));
                }
                if i.theory_hours < p.theory_hours || i.practice_hours < p.practice_hours {
                    e.push(FieldError::new(
                        "theory_hours",
                        format!(
                            "学时不能低于培训项目规定的学时（理论{}、实操{}）",
                            p.theory_hours, p.practice_hours
                        ),
                    ));
                }
            }
            _ => e.push(FieldError::new(
                "project_id",
                "请从培训项目目录中选择已发布的项目",
            )),
        }
        let n = i.name.trim().chars().count();
        if !(2..=100).contains(&n) {
            e.push(FieldError::new("name", "班级名称应为2至100个字符"));
        }
        for (field, label, v) in [
            ("name", "班级名称", &i.name),
            ("location", "培训地点", &i.location),
        ] {
            if let Some(m) = jineng_core::text::plain_text_problem(v) {
                e.push(FieldError::new(field, format!("{label}{m}")));
            }
        }
        if i.location.chars().count() > 200 {
            e.push(FieldError::new("location", "培训地点不能超过200个字符"));
        } else if i.delivery.needs_location() && i.location.trim().is_empty() {
            e.push(FieldError::new(
                "location",
                "线下或线上线下结合的培训必须填写培训地点",
            ));
        }
        if i.start_date < self.today() {
            e.push(FieldError::new("start_date", "开班日期不能早于今天"));
        }
        if i.end_date < i.start_date {
            e.push(FieldError::new("end_date", "结业日期不能早于开班日期"));
        }
        if !(1..=500).contains(&i.capacity) {
            e.push(FieldError::new("capacity", "班级人数应为1至500"));
        }
        if i.theory_hours > 2000 || i.practice_hours > 2000 {
            e.push(FieldError::new("theory_hours", "学时不能超过2000"));
        }
        let (Some(p), true) = (p, e.is_empty()) else {
            return Err(AppError::Validation(e));
        };
        let id = uuid::Uuid::now_v7().to_string();
        let w = self.write(who, ctx).await?;
        w.touch(jineng_core::exchange::Dataset::Classes, &id);
        class::Entity::insert(class::ActiveModel {
            id: Set(id.clone()),
            org_id: Set(org.id.clone()),
            region_code: Set(org.region_code.clone()),
            project_id: Set(p.id.clone()),
            occupation_code: Set(p.occupation_code.clone()),
            name: Set(i.name.trim().into()),
            delivery: Set(i.delivery),
            start_date: Set(i.start_date.to_string()),
            end_date: Set(i.end_date.to_string()),
            location: Set(i.location.trim().into()),
            capacity: Set(i.capacity),
            theory_hours: Set(i.theory_hours),
            practice_hours: Set(i.practice_hours),
            status: Set(ClassStatus::Draft),
            status_reason: Set(String::new()),
            enrolled: Set(0),
            created_by: Set(who.user_id.clone()),
            created_at: Set(w.now),
            updated_at: Set(w.now),
        })
        .exec(&w.txn)
        .await?;
        let changes = serde_json::json!({"project_id": p.id, "name": i.name.trim(), "delivery": i.delivery, "start_date": i.start_date.to_string(), "end_date": i.end_date.to_string(), "capacity": i.capacity, "theory_hours": i.theory_hours, "practice_hours": i.practice_hours});
        w.commit(Entry::ok("class.open", "class", &id, changes))
            .await?;
        self.get(who, &id).await.map(|(c, _)| c)
    }

    /// A class of the caller's own organisation; anyone else's is "not found".
    pub(crate) async fn own(&self, who: &Principal, id: &str) -> AppResult<class::Model> {
        if who.org_ids().is_empty() {
            return Err(AppError::Forbidden);
        }
        self.find_scoped::<class::Entity>(who, Permission::ManageOwnOrganization, id)
            .await
    }

    /// The learners of a class, unscoped: callers check who may see them.
    pub(crate) async fn roster(&self, class_id: &str) -> AppResult<Vec<EnrolledLearner>> {
        let members = enrollment::Entity::find()
            .filter(enrollment::Column::ClassId.eq(class_id))
            .order_by_asc(enrollment::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let ids: Vec<String> = members.iter().map(|m| m.user_id.clone()).collect();
        let names: std::collections::HashMap<String, String> = user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        let (required, online_required) = class::Entity::find_by_id(class_id.to_string())
            .one(&self.db)
            .await?
            .map_or((0, 0), |c| {
                let (t, p) = (
                    u32::try_from(c.theory_hours).unwrap_or(0),
                    u32::try_from(c.practice_hours).unwrap_or(0),
                );
                (
                    jineng_core::completion::required_offline_minutes(c.delivery, t, p),
                    jineng_core::completion::required_online_hours(c.delivery, t, p),
                )
            });
        // Online time credited for the class (supervised study, per learner and lesson),
        // with what this node holds in memory written first.
        self.study().settle(None).await?;
        let mut online: std::collections::HashMap<String, u64> = Default::default();
        for p in jineng_store::study::progress::Entity::find()
            .filter(jineng_store::study::progress::Column::ClassId.eq(class_id))
            .all(&self.db)
            .await?
        {
            *online.entry(p.user_id).or_default() += u64::try_from(p.credited_ms).unwrap_or(0);
        }
        let sessions = jineng_store::classes::session::Entity::find()
            .filter(jineng_store::classes::session::Column::ClassId.eq(class_id))
            .all(&self.db)
            .await?;
        let minutes: std::collections::HashMap<String, u32> = sessions
            .iter()
            .map(|s| {
                let m = jineng_core::completion::session_minutes(&s.starts, &s.ends).unwrap_or(0);
                (s.id.clone(), m)
            })
            .collect();
        let scheduled: u32 = minutes.values().sum();
        let mut attended: std::collections::HashMap<String, (u32, u32)> = Default::default();
        for a in jineng_store::classes::attendance::Entity::find()
            .filter(
                jineng_store::classes::attendance::Column::SessionId
                    .is_in(minutes.keys().cloned().collect::<Vec<_>>()),
            )
            .all(&self.db)
            .await?
        {
            let e = attended.entry(a.user_id).or_default();
            e.0 += 1;
            e.1 += minutes.get(&a.session_id).copied().unwrap_or(0);
        }
        // A class with course exams: who passed every one (best score).
        let exam_passes = self.exams().course_exam_passes(class_id).await?;
        // A class whose offline assessment is published: who passed it.
        let assessment_passes = self.assessment().passes(class_id).await?;
        Ok(members
            .into_iter()
            .map(|m| {
                let (n, mins) = attended.get(&m.user_id).copied().unwrap_or_default();
                let a = jineng_core::completion::Attendance {
                    sessions_total: sessions.len() as u32,
                    sessions_attended: n,
                    scheduled_minutes: scheduled,
                    attended_minutes: mins,
                    required_minutes: required,
                };
                let standing = jineng_core::completion::Standing {
                    attendance: a,
                    online_tenths: jineng_core::study::tenths_of_hours(
                        online.get(&m.user_id).copied().unwrap_or(0),
                    ),
                    online_required_hours: online_required,
                    exam_passed: exam_passes.as_ref().map(|p| p.contains(&m.user_id)),
                    assessment_passed: assessment_passes.as_ref().map(|p| p.contains(&m.user_id)),
                };
                let outcome = standing.outcome();
                EnrolledLearner {
                    online_tenths: standing.online_tenths,
                    online_required_hours: online_required,
                    name: names.get(&m.user_id).cloned().unwrap_or_default(),
                    user_id: m.user_id,
                    sessions_attended: n,
                    sessions_total: a.sessions_total,
                    offline_hours: a.class_hours(),
                    attendance_percent: a.percent(),
                    outcome,
                    outcome_label: outcome.label(),
                }
            })
            .collect())
    }

    /// A class the caller may see, with its learners and what they have earned so far.
    pub async fn get(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<(ClassView, Vec<EnrolledLearner>)> {
        let c = self
            .find_scoped::<class::Entity>(who, Permission::ViewOrganizations, id)
            .await?;
        let learners = self.roster(&c.id).await?;
        Ok((self.view(c).await?, learners))
    }

    pub async fn list(
        &self,
        who: &Principal,
        f: &ClassFilter,
        r: PageRequest,
    ) -> AppResult<Page<ClassView>> {
        let mut q = self.list_scoped::<class::Entity>(who, Permission::ViewOrganizations)?;
        if let Some(s) = f.status {
            q = q.filter(class::Column::Status.eq(s.code()));
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q = q.filter(crate::page::contains(class::Column::Name, text));
        }
        let rows = page::fetch(
            self.reader(),
            q.order_by_desc(class::Column::StartDate)
                .order_by_desc(class::Column::CreatedAt),
            r,
        )
        .await?;
        let mut items = Vec::with_capacity(rows.items.len());
        let mut names = Default::default();
        for c in rows.items {
            items.push(self.view_with(c, &mut names).await?);
        }
        Ok(Page {
            items,
            total: rows.total,
            page: rows.page,
            per_page: rows.per_page,
        })
    }

    /// Enrol learners of the organisation, all or none: each refusal is listed by name.
    pub async fn enroll(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
        user_ids: &[String],
    ) -> AppResult<usize> {
        let scoped = self.own(who, class_id).await?;
        let org = self.organizations().operating(who).await?;
        // Every check below reads inside the write transaction, after locking the class
        // and then its learners (lock order everywhere: class, learners by id, teacher),
        // so two enrolments cannot both pass "one open class per project" on
        // PostgreSQL. (SQLite writers are serialised by begin_write.)
        let w = self.write(who, ctx).await?;
        let c = class::Entity::find_by_id(scoped.id)
            .lock_exclusive()
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound("培训班"))?;
        let status = c.status;
        if matches!(status, ClassStatus::InTraining | ClassStatus::Completed) {
            return Err(AppError::Conflict("培训已开始，不能再报名".into()));
        }
        if !status.enrollment_open() {
            return Err(AppError::Conflict(format!(
                "培训班当前状态为“{}”，只有草稿或被退回的班级可以调整学员",
                status.label()
            )));
        }
        if c.start_date.as_str() <= self.today().to_string().as_str() {
            return Err(AppError::Conflict("已到开班日期，不能再报名".into()));
        }
        let mut ids: Vec<String> = user_ids
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Err(AppError::field("learners", "请选择要报名的学员"));
        }
        let names: std::collections::HashMap<String, String> = user::Entity::find()
            .filter(user::Column::Id.is_in(ids.clone()))
            .order_by_asc(user::Column::Id)
            .lock_exclusive()
            .all(&w.txn)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        let mut linked: std::collections::HashSet<String> = org_link::Entity::find()
            .filter(org_link::Column::OrgId.eq(org.id.clone()))
            .filter(org_link::Column::UserId.is_in(ids.clone()))
            .all(&w.txn)
            .await?
            .into_iter()
            .map(|l| l.user_id)
            .collect();
        // Learners who applied to this class may be enrolled too: accepting them links
        // them to the organisation.
        let applicants: Vec<String> = application::Entity::find()
            .filter(application::Column::ClassId.eq(c.id.clone()))
            .filter(application::Column::UserId.is_in(ids.clone()))
            .filter(application::Column::Status.eq(ApplicationStatus::Pending))
            .all(&w.txn)
            .await?
            .into_iter()
            .map(|a| a.user_id)
            .collect();
        let unlinked_applicants: Vec<String> = applicants
            .iter()
            .filter(|u| !linked.contains(*u))
            .cloned()
            .collect();
        linked.extend(applicants.iter().cloned());
        let mut e = Vec::new();
        let name_of = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
        // The same learner in another class of the same project that has not ended.
        let open_classes: Vec<class::Model> = class::Entity::find()
            .filter(class::Column::ProjectId.eq(c.project_id.clone()))
            .filter(class::Column::Id.ne(c.id.clone()))
            .filter(
                class::Column::Status
                    .is_not_in([ClassStatus::Completed.code(), ClassStatus::Cancelled.code()]),
            )
            .all(&w.txn)
            .await?;
        let open_ids: Vec<String> = open_classes.iter().map(|c| c.id.clone()).collect();
        let elsewhere: std::collections::HashMap<String, String> = enrollment::Entity::find()
            .filter(enrollment::Column::ClassId.is_in(open_ids))
            .filter(enrollment::Column::UserId.is_in(ids.clone()))
            .all(&w.txn)
            .await?
            .into_iter()
            .map(|m| {
                (
                    m.user_id,
                    open_classes
                        .iter()
                        .find(|c| c.id == m.class_id)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                )
            })
            .collect();
        let already: std::collections::HashSet<String> = enrollment::Entity::find()
            .filter(enrollment::Column::ClassId.eq(c.id.clone()))
            .filter(enrollment::Column::UserId.is_in(ids.clone()))
            .all(&w.txn)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect();
        for id in &ids {
            if !linked.contains(id) {
                e.push(FieldError::new(
                    "learners",
                    format!("{}不是本单位的学员", name_of(id)),
                ));
            } else if already.contains(id) {
                e.push(FieldError::new(
                    "learners",
                    format!("{}已在本班", name_of(id)),
                ));
            } else if let Some(other) = elsewhere.get(id) {
                e.push(FieldError::new(
                    "learners",
                    format!("{}已报名同一培训项目的其他班级（{other}）", name_of(id)),
                ));
            }
        }
        if c.enrolled as usize + ids.len() > c.capacity as usize {
            e.push(FieldError::new(
                "learners",
                format!("超出班级人数上限（{}人，已有{}人）", c.capacity, c.enrolled),
            ));
        }
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let now = w.now;
        w.touch(jineng_core::exchange::Dataset::Classes, &c.id);
        // Count guard: only if nobody changed the class meanwhile.
        let res = class::Entity::update_many()
            .col_expr(
                class::Column::Enrolled,
                Expr::col(class::Column::Enrolled).add(ids.len() as i32),
            )
            .col_expr(class::Column::UpdatedAt, Expr::value(now))
            .filter(class::Column::Id.eq(c.id.clone()))
            .filter(class::Column::Enrolled.eq(c.enrolled))
            .filter(class::Column::Status.eq(c.status))
            .exec(&w.txn)
            .await?;
        one_row(res, "班级学员刚被他人调整，请刷新后重试")?;
        let rows: Vec<enrollment::ActiveModel> = ids
            .iter()
            .map(|u| enrollment::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                class_id: Set(c.id.clone()),
                user_id: Set(u.clone()),
                project_id: Set(c.project_id.clone()),
                created_at: Set(now),
            })
            .collect();
        enrollment::Entity::insert_many(rows)
            .exec(&w.txn)
            .await
            .on_unique(|| AppError::Conflict("有学员已在本班，请刷新后重试".into()))?;
        if !unlinked_applicants.is_empty() {
            org_link::Entity::insert_many(unlinked_applicants.iter().map(|u| {
                org_link::ActiveModel {
                    org_id: Set(org.id.clone()),
                    user_id: Set(u.clone()),
                    created_at: Set(now),
                }
            }))
            .on_conflict_do_nothing()
            .exec(&w.txn)
            .await?;
        }
        if !applicants.is_empty() {
            application::Entity::update_many()
                .col_expr(
                    application::Column::Status,
                    Expr::value(ApplicationStatus::Accepted),
                )
                .col_expr(application::Column::DecidedAt, Expr::value(Some(now)))
                .col_expr(
                    application::Column::DecidedBy,
                    Expr::value(Some(who.user_id.clone())),
                )
                .filter(application::Column::ClassId.eq(c.id.clone()))
                .filter(application::Column::UserId.is_in(applicants.clone()))
                .filter(application::Column::Status.eq(ApplicationStatus::Pending))
                .exec(&w.txn)
                .await?;
        }
        w.commit(Entry::ok(
            "class.enroll",
            "class",
            &c.id,
            serde_json::json!({"learners": ids, "accepted_applications": applicants}),
        ))
        .await?;
        Ok(ids.len())
    }

    /// Filing and the rest of the class's life; who may do what is in `ClassAction`.
    /// The regulator's approve and return go through the shared review flow.
    pub async fn act(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        action: ClassAction,
        reason: &str,
    ) -> AppResult<ClassView> {
        if action.by_regulator() {
            let d = if action == ClassAction::Approve {
                Decision::Approve
            } else {
                Decision::Return
            };
            let v = verdict(d, reason)?;
            self.app.decide::<class::Entity>(who, ctx, id, &v).await?;
            return self.get(who, id).await.map(|(c, _)| c);
        }
        let c = self.own(who, id).await?;
        self.organizations().operating(who).await?;
        let reason = reason.trim();
        if action.needs_reason() && reason.is_empty() {
            return Err(AppError::field(
                "reason",
                format!("{}必须填写原因", action.label()),
            ));
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(AppError::field("reason", "原因不能超过500个字符"));
        }
        let to = c
            .status
            .apply(action)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        if action == ClassAction::Submit && c.enrolled == 0 {
            return Err(AppError::Conflict("请先为班级添加学员再提交备案".into()));
        }
        if action == ClassAction::Start && self.today().to_string() < c.start_date {
            return Err(AppError::Conflict(format!(
                "未到开班日期（{}）",
                c.start_date
            )));
        }
        // Completion closes the hours: not before the training period has run its course.
        if action == ClassAction::Complete && self.today().to_string() < c.end_date {
            return Err(AppError::Conflict(format!(
                "培训结束日期（{}）前不能结业",
                c.end_date
            )));
        }
        let w = self.write(who, ctx).await?;
        move_status(&w, &c, to, reason).await?;
        if to == ClassStatus::Cancelled {
            // Nobody waits on a class that will not run.
            application::Entity::update_many()
                .col_expr(
                    application::Column::Status,
                    Expr::value(ApplicationStatus::Rejected),
                )
                .col_expr(
                    application::Column::Reason,
                    Expr::value(format!("培训班已取消：{reason}")),
                )
                .col_expr(application::Column::DecidedAt, Expr::value(Some(w.now)))
                .col_expr(
                    application::Column::DecidedBy,
                    Expr::value(Some(who.user_id.clone())),
                )
                .filter(application::Column::ClassId.eq(c.id.clone()))
                .filter(application::Column::Status.eq(ApplicationStatus::Pending))
                .exec(&w.txn)
                .await?;
        }
        let code = format!("class.{}", action.code());
        w.commit(Entry::ok(
            &code,
            "class",
            &c.id,
            serde_json::json!({"status": [c.status, to], "reason": reason}),
        ))
        .await?;
        self.get(who, id).await.map(|(c, _)| c)
    }

    /// The filing decisions on a class, oldest first.
    pub async fn history(&self, who: &Principal, id: &str) -> AppResult<Vec<ReviewRecord>> {
        self.app
            .review_history::<class::Entity>(who, Permission::ViewOrganizations, id)
            .await
    }

    /// Learners of the caller's organisation not yet in this class (for the enrol form).
    pub async fn enrollable_learners(
        &self,
        who: &Principal,
        class_id: &str,
    ) -> AppResult<Vec<(String, String)>> {
        let c = self.own(who, class_id).await?;
        let in_class: Vec<String> = enrollment::Entity::find()
            .filter(enrollment::Column::ClassId.eq(c.id.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect();
        let linked: Vec<String> = org_link::Entity::find()
            .filter(org_link::Column::OrgId.eq(c.org_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| l.user_id)
            .filter(|u| !in_class.contains(u))
            .collect();
        let mut out: Vec<(String, String)> = user::Entity::find()
            .filter(Condition::all().add(user::Column::Id.is_in(linked)))
            .order_by_asc(user::Column::DisplayName)
            .limit(500)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(out)
    }

    /// Published projects the caller's organisation may open classes for.
    pub async fn openable_projects(
        &self,
        who: &Principal,
    ) -> AppResult<Vec<crate::catalogue::ProjectView>> {
        let org = self.organizations().operating(who).await?;
        let all = self
            .catalogue()
            .projects(&Default::default(), PageRequest::first(200))
            .await?
            .items;
        let mut out = Vec::new();
        for p in all {
            if org.kind != OrgKind::Institution
                || self
                    .catalogue()
                    .may_train(
                        &org.id,
                        TrainingScope {
                            occupation: &p.occupation_code,
                            work_type: &p.work_type_id,
                            level: p.skill_level,
                        },
                    )
                    .await?
            {
                out.push(p);
            }
        }
        Ok(out)
    }
}

/// An inspection of a class as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct InspectionView {
    pub id: String,
    pub kind: InspectionKind,
    pub kind_label: &'static str,
    pub qualified: bool,
    pub remarks: String,
    pub inspector_name: String,
    pub inspected_at: chrono::DateTime<chrono::Utc>,
}

impl Classes<'_> {
    /// A regulator records an inspection of a class being trained (or filed and about to).
    pub async fn inspect(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
        kind: &str,
        qualified: bool,
        remarks: &str,
    ) -> AppResult<()> {
        if !who.can(Permission::ReviewOrganizations) {
            return Err(AppError::Forbidden);
        }
        let c = self
            .find_scoped::<class::Entity>(who, Permission::ReviewOrganizations, class_id)
            .await?;
        let status = c.status;
        if !matches!(status, ClassStatus::Approved | ClassStatus::InTraining) {
            return Err(AppError::Conflict(format!(
                "培训班当前状态为“{}”，只能检查已备案或培训中的班级",
                status.label()
            )));
        }
        let Some(kind) = InspectionKind::parse(kind) else {
            return Err(AppError::field("kind", "检查方式只能是巡查或抽查"));
        };
        let remarks = remarks.trim();
        if !qualified && remarks.is_empty() {
            return Err(AppError::field("remarks", "检查不合格必须填写意见"));
        }
        if remarks.chars().count() > 1000 {
            return Err(AppError::field("remarks", "检查意见不能超过1000个字符"));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let w = self.write(who, ctx).await?;
        jineng_store::classes::inspection::Entity::insert(
            jineng_store::classes::inspection::ActiveModel {
                id: Set(id.clone()),
                class_id: Set(c.id.clone()),
                org_id: Set(c.org_id.clone()),
                region_code: Set(c.region_code.clone()),
                kind: Set(kind),
                qualified: Set(qualified),
                remarks: Set(remarks.into()),
                inspector_id: Set(who.user_id.clone()),
                inspector_name: Set(who.display_name.clone()),
                inspected_at: Set(w.now),
            },
        )
        .exec(&w.txn)
        .await?;
        w.commit(Entry::ok(
            "class.inspect",
            "class",
            &c.id,
            serde_json::json!({"inspection": id, "kind": kind, "qualified": qualified, "remarks": remarks}),
        ))
        .await
    }

    /// Inspections of a class, newest first; the institution sees its own.
    pub async fn inspections(
        &self,
        who: &Principal,
        class_id: &str,
    ) -> AppResult<Vec<InspectionView>> {
        let c = self
            .find_scoped::<class::Entity>(who, Permission::ViewOrganizations, class_id)
            .await?;
        use jineng_store::classes::inspection;
        Ok(inspection::Entity::find()
            .filter(inspection::Column::ClassId.eq(c.id))
            .order_by_desc(inspection::Column::InspectedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|i| InspectionView {
                id: i.id,
                kind_label: i.kind.label(),
                kind: i.kind,
                qualified: i.qualified,
                remarks: i.remarks,
                inspector_name: i.inspector_name,
                inspected_at: i.inspected_at,
            })
            .collect())
    }
}

/// Move a class from the status it was read in, or fail as a conflict.
async fn move_status(
    w: &Write<'_>,
    c: &class::Model,
    to: ClassStatus,
    reason: &str,
) -> AppResult<()> {
    w.touch(jineng_core::exchange::Dataset::Classes, &c.id);
    one_row(
        class::Entity::update_many()
            .col_expr(class::Column::Status, Expr::value(to))
            .col_expr(class::Column::StatusReason, Expr::value(reason))
            .col_expr(class::Column::UpdatedAt, Expr::value(w.now))
            .filter(class::Column::Id.eq(c.id.clone()))
            .filter(class::Column::Status.eq(c.status))
            .exec(&w.txn)
            .await?,
        "培训班状态刚被他人修改，请刷新后重试",
    )
}

/// The regulator approves a submitted class filing, or returns it with a reason.
impl Reviewed for class::Entity {
    const SUBJECT: ReviewSubject = ReviewSubject::ClassFiling;

    async fn apply(
        _app: &App,
        w: &Write<'_>,
        c: &class::Model,
        v: &Verdict,
    ) -> AppResult<serde_json::Value> {
        let action = match v.decision {
            Decision::Approve => ClassAction::Approve,
            Decision::Return => ClassAction::Return,
        };
        let to = c
            .status
            .apply(action)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        move_status(w, c, to, &v.reason).await?;
        Ok(serde_json::json!({"status": [c.status, to]}))
    }
}
