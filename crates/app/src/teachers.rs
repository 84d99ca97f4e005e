//! Teachers: an institution enters a teacher (one person per ID number, shared across
//! institutions); the regulator of the institution's region approves the link into the
//! teacher pool or returns it; approved teachers are booked into the institution's classes,
//! never into two classes whose dates overlap.

use crate::App;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::crypto::pii::PiiKind;
use crate::error::{AppError, AppResult, FieldError};
use crate::review::{ReviewRecord, Reviewed, verdict};
use crate::write::{OnUnique, Write, one_row};
use jineng_core::accounts::Permission;
use jineng_core::classes::ClassStatus;
use jineng_core::organizations::OrgKind;
use jineng_core::review::{Decision, ReviewStatus, ReviewSubject, Verdict};
use jineng_core::teachers::{check_years, overlaps, teacher_level_label};
use jineng_core::{IdNumber, mask};
use jineng_store::classes::class;
use jineng_store::teachers::{booking, link, teacher};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct TeacherInput {
    pub name: String,
    pub id_number: IdNumber,
    pub full_time: bool,
    pub subjects: String,
    pub level: String,
    pub qualifications: String,
    pub years_teaching: i32,
    pub experience: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeacherView {
    pub link_id: String,
    pub teacher_id: String,
    pub org_id: String,
    pub org_name: String,
    pub name: String,
    pub id_number: String,
    pub full_time: bool,
    pub subjects: String,
    pub level_label: &'static str,
    pub qualifications: String,
    pub years_teaching: i32,
    pub status: ReviewStatus,
    pub status_label: &'static str,
    pub reason: String,
    /// Institutions this teacher is linked to.
    pub institutions: usize,
}

/// A teacher's standing in the pool, in the pool's words.
fn status_label(s: ReviewStatus) -> &'static str {
    match s {
        ReviewStatus::Approved => "已入库",
        other => other.label(),
    }
}

bounded_context!(
    /// Teachers (师资): entered by institutions, approved into the pool by regulators,
    /// booked into classes.
    Teachers,
    teachers
);

impl Teachers<'_> {
    async fn view(&self, who: &Principal, l: link::Model) -> AppResult<TeacherView> {
        let t = teacher::Entity::find_by_id(l.teacher_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("师资"))?;
        let org_name =
            jineng_store::organizations::organization::Entity::find_by_id(l.org_id.clone())
                .one(&self.db)
                .await?
                .map(|o| o.name)
                .unwrap_or_default();
        let institutions = link::Entity::find()
            .filter(link::Column::TeacherId.eq(t.id.clone()))
            .all(&self.db)
            .await?
            .len();
        let full = who.can(Permission::ViewFullPii);
        let id_number = match self.keyring.decrypt(
            &t.id_number_enc,
            crate::crypto::pii::Place::new("teachers", "id_number_enc", &t.id),
        ) {
            Ok(v) if full => v,
            Ok(v) => mask::id_number(&v),
            Err(_) => "（无法解密）".into(),
        };
        Ok(TeacherView {
            link_id: l.id,
            teacher_id: t.id,
            org_id: l.org_id,
            org_name,
            name: t.name,
            id_number,
            full_time: l.full_time,
            subjects: t.subjects,
            level_label: teacher_level_label(&t.level).unwrap_or(""),
            qualifications: t.qualifications,
            years_teaching: t.years_teaching,
            status_label: status_label(l.status),
            status: l.status,
            reason: l.reason,
            institutions,
        })
    }

    /// The institution enters a teacher for itself; an existing person is reused.
    pub async fn add(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        i: TeacherInput,
    ) -> AppResult<TeacherView> {
        let org = self.organizations().operating(who).await?;
        if org.kind != OrgKind::Institution {
            return Err(AppError::Conflict("师资由培训机构录入".into()));
        }
        let mut e = Vec::new();
        if let Err(m) = jineng_core::learners::check_person_name(&i.name) {
            e.push(FieldError::new("name", m));
        }
        if teacher_level_label(&i.level).is_none() {
            e.push(FieldError::new("level", "请选择师资等级"));
        }
        if let Err(m) = check_years(i.years_teaching) {
            e.push(FieldError::new("years_teaching", m));
        }
        if i.subjects.trim().is_empty() || i.subjects.chars().count() > 200 {
            e.push(FieldError::new(
                "subjects",
                "任课专业不能为空，且不超过200个字符",
            ));
        }
        if i.qualifications.chars().count() > 500 || i.experience.chars().count() > 2000 {
            e.push(FieldError::new("experience", "培训资格或培训经历过长"));
        }
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let bidx = self
            .keyring
            .blind_index(PiiKind::IdNumber, i.id_number.as_str());
        let existing = teacher::Entity::find()
            .filter(teacher::Column::IdNumberBidx.eq(bidx.clone()))
            .one(&self.db)
            .await?;
        if let Some(t) = &existing {
            if t.name != jineng_core::learners::normal_person_name(&i.name) {
                return Err(AppError::field(
                    "name",
                    "该身份证号码已在师资库中登记为其他姓名，请核对",
                ));
            }
            if link::Entity::find()
                .filter(link::Column::TeacherId.eq(t.id.clone()))
                .filter(link::Column::OrgId.eq(org.id.clone()))
                .one(&self.db)
                .await?
                .is_some()
            {
                return Err(AppError::Conflict("该教师已在本机构师资中".into()));
            }
        }
        let w = self.write(who, ctx).await?;
        let teacher_id = match existing {
            Some(t) => t.id,
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                teacher::Entity::insert(teacher::ActiveModel {
                    id: Set(id.clone()),
                    name: Set(jineng_core::learners::normal_person_name(&i.name)),
                    id_number_enc: Set(self
                        .keyring
                        .encrypt(
                            i.id_number.as_str(),
                            crate::crypto::pii::Place::new("teachers", "id_number_enc", &id),
                        )
                        .map_err(|e| AppError::Internal(e.to_string()))?),
                    id_number_bidx: Set(bidx),
                    subjects: Set(i.subjects.trim().into()),
                    level: Set(i.level.clone()),
                    qualifications: Set(i.qualifications.trim().into()),
                    years_teaching: Set(i.years_teaching),
                    experience: Set(i.experience.trim().into()),
                    created_at: Set(w.now),
                    updated_at: Set(w.now),
                })
                .exec(&w.txn)
                .await
                .on_unique(|| AppError::Conflict("该教师刚被登记，请刷新后重试".into()))?;
                id
            }
        };
        let link_id = uuid::Uuid::now_v7().to_string();
        link::Entity::insert(link::ActiveModel {
            id: Set(link_id.clone()),
            teacher_id: Set(teacher_id.clone()),
            org_id: Set(org.id.clone()),
            region_code: Set(org.region_code.clone()),
            full_time: Set(i.full_time),
            status: Set(ReviewStatus::Submitted),
            reason: Set(String::new()),
            created_at: Set(w.now),
            decided_at: Set(None),
        })
        .exec(&w.txn)
        .await
        .on_unique(|| AppError::Conflict("该教师已在本机构师资中".into()))?;
        let changes = serde_json::json!({"teacher_id": teacher_id, "name": i.name.trim(), "id_number": mask::id_number(i.id_number.as_str()), "full_time": i.full_time, "level": i.level});
        w.commit(Entry::ok("teacher.add", "teacher_link", &link_id, changes))
            .await?;
        self.get(who, &link_id).await
    }

    /// One teacher-institution link the caller may see.
    pub async fn get(&self, who: &Principal, link_id: &str) -> AppResult<TeacherView> {
        let l = self
            .find_scoped::<link::Entity>(who, Permission::ViewOrganizations, link_id)
            .await?;
        self.view(who, l).await
    }

    /// The review decisions on a teacher's entry into the pool, oldest first.
    pub async fn history(&self, who: &Principal, link_id: &str) -> AppResult<Vec<ReviewRecord>> {
        self.app
            .review_history::<link::Entity>(who, Permission::ViewOrganizations, link_id)
            .await
    }

    /// The regulator of the institution's region approves the teacher into the pool or
    /// returns the entry with a reason.
    pub async fn decide(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        link_id: &str,
        decision: Decision,
        reason: &str,
    ) -> AppResult<TeacherView> {
        let v = verdict(decision, reason)?;
        self.app
            .decide::<link::Entity>(who, ctx, link_id, &v)
            .await?;
        self.get(who, link_id).await
    }

    pub async fn list(
        &self,
        who: &Principal,
        status: Option<ReviewStatus>,
    ) -> AppResult<Vec<TeacherView>> {
        let mut q = self.list_scoped::<link::Entity>(who, Permission::ViewOrganizations)?;
        if let Some(s) = status {
            q = q.filter(link::Column::Status.eq(s));
        }
        let rows = q
            .order_by_desc(link::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for l in rows {
            out.push(self.view(who, l).await?);
        }
        Ok(out)
    }

    /// Book an approved teacher of the class's institution into the class, refusing a
    /// booking whose dates overlap another open class of the same teacher.
    pub async fn book(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
        teacher_id: &str,
    ) -> AppResult<()> {
        let c = self
            .find_scoped::<class::Entity>(who, Permission::ManageOwnOrganization, class_id)
            .await?;
        let org = self.organizations().operating(who).await?;
        let status = c.status;
        if !status.is_open() || status == ClassStatus::InTraining {
            return Err(AppError::Conflict(format!(
                "培训班当前状态为“{}”，不能再安排教师",
                status.label()
            )));
        }
        let approved = link::Entity::find()
            .filter(link::Column::TeacherId.eq(teacher_id))
            .filter(link::Column::OrgId.eq(org.id.clone()))
            .filter(link::Column::Status.eq(ReviewStatus::Approved))
            .one(&self.db)
            .await?;
        if approved.is_none() {
            return Err(AppError::field("teacher_id", "只能安排本机构已入库的教师"));
        }
        let t = teacher::Entity::find_by_id(teacher_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("师资"))?;
        let w = self.write(who, ctx).await?;
        // Checked inside the write transaction with the class and then the teacher
        // locked (the lock order of enrolment: class first), so two bookings of the same
        // teacher cannot both pass on PostgreSQL. (SQLite writers are serialised by
        // begin_write.)
        class::Entity::find_by_id(c.id.clone())
            .lock_exclusive()
            .one(&w.txn)
            .await?;
        teacher::Entity::find_by_id(teacher_id.to_string())
            .lock_exclusive()
            .one(&w.txn)
            .await?;
        let others = booking::Entity::find()
            .filter(booking::Column::TeacherId.eq(teacher_id))
            .all(&w.txn)
            .await?;
        for b in others {
            if b.class_id == c.id {
                return Err(AppError::Conflict("该教师已安排在本班".into()));
            }
            let other = class::Entity::find_by_id(b.class_id.clone())
                .one(&w.txn)
                .await?;
            if let Some(o) = other
                && o.status.is_open()
                && overlaps(&c.start_date, &c.end_date, &o.start_date, &o.end_date)
            {
                return Err(AppError::Conflict(format!(
                    "时间冲突：{}已安排在“{}”（{} 至 {}）",
                    t.name, o.name, o.start_date, o.end_date
                )));
            }
        }
        booking::Entity::insert(booking::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            teacher_id: Set(teacher_id.to_string()),
            class_id: Set(c.id.clone()),
            start_date: Set(c.start_date.clone()),
            end_date: Set(c.end_date.clone()),
            created_at: Set(w.now),
        })
        .exec(&w.txn)
        .await?;
        w.commit(Entry::ok(
            "class.book_teacher",
            "class",
            &c.id,
            serde_json::json!({"teacher_id": teacher_id}),
        ))
        .await
    }

    /// Teachers booked into a class the caller may see: (teacher id, name).
    pub async fn of_class(
        &self,
        who: &Principal,
        class_id: &str,
    ) -> AppResult<Vec<(String, String)>> {
        let c = self
            .find_scoped::<class::Entity>(who, Permission::ViewOrganizations, class_id)
            .await?;
        let ids: Vec<String> = booking::Entity::find()
            .filter(booking::Column::ClassId.eq(c.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|b| b.teacher_id)
            .collect();
        Ok(teacher::Entity::find()
            .filter(teacher::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect())
    }
}

/// A teacher entered by an institution is approved into the pool or returned.
impl Reviewed for link::Entity {
    const SUBJECT: ReviewSubject = ReviewSubject::Teacher;

    async fn apply(
        _app: &App,
        w: &Write<'_>,
        l: &link::Model,
        v: &Verdict,
    ) -> AppResult<serde_json::Value> {
        let to = v.decision.outcome();
        one_row(
            link::Entity::update_many()
                .col_expr(link::Column::Status, Expr::value(to))
                .col_expr(link::Column::Reason, Expr::value(v.reason.clone()))
                .col_expr(link::Column::DecidedAt, Expr::value(Some(w.now)))
                .filter(link::Column::Id.eq(l.id.clone()))
                .filter(link::Column::Status.eq(ReviewStatus::Submitted))
                .exec(&w.txn)
                .await?,
            &format!("该师资当前状态为“{}”，不能再审核", status_label(l.status)),
        )?;
        Ok(serde_json::json!({"status": [l.status, to]}))
    }
}
