//! Offline assessment (线下考核, seed 004 §7.2.3): each class's score sheet (考评成绩表).
//!
//! The class's institution records days attended and classroom performance and enters
//! theory scores; teachers booked into the class enter practical scores and written
//! evaluations (the institution may enter those too). One person submits the sheet, a
//! second person (never the submitter; the database refuses it too) confirms it, and only
//! then do learners see their scores and do the scores count towards completion. A change
//! after publishing needs a reason: each changed field is kept as a change record, and
//! the sheet as it now stands is entered in the evidence log again.
//!
//! Every state move is one conditional update (`WHERE status = …`), and a save reads the
//! sheet row locked, so a save racing a submit, or two confirmations, cannot both land.

use crate::audit::Entry;
use crate::context::Principal;
use crate::error::{AppError, AppResult, FieldError};
use crate::{RequestCtx, write::Write};
use jineng_core::accounts::Permission;
use jineng_core::assessment::{
    self as rules, Assessor, DEFAULT_PASS_MARK, Field, Performance, Row, SheetStatus,
};
use jineng_core::classes::ClassStatus;
use jineng_evidence::entry::{Entry as Fact, Kind};
use jineng_store::accounts::user;
use jineng_store::assessment::{change, score, sheet};
use jineng_store::classes::{class, enrollment};
use jineng_store::organizations::organization;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

bounded_context!(
    /// Offline assessment: score sheets, their two-person confirmation, and changes.
    Assessment,
    assessment
);

/// How the caller stands towards a class's sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// The class's institution staff: every field, submit, confirm, return.
    Institution,
    /// A teacher booked into the class: practical scores and evaluations, submit,
    /// confirm, return.
    Teacher,
    /// A regulator of the region or a platform administrator: reads.
    Viewer,
}

impl Access {
    fn assessor(self) -> Option<Assessor> {
        match self {
            Access::Institution => Some(Assessor::Institution),
            Access::Teacher => Some(Assessor::Teacher),
            Access::Viewer => None,
        }
    }
}

/// One field of a row as sent: absent (`None`, left as it is) or a new value (which may
/// be empty, clearing it).
#[derive(Debug, Clone, Default)]
pub struct RowInput {
    pub user_id: String,
    pub attendance_days: Option<Option<i32>>,
    pub performance: Option<Option<Performance>>,
    pub theory: Option<Option<i32>>,
    pub practical: Option<Option<i32>>,
    pub evaluation: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SaveInput {
    pub rows: Vec<RowInput>,
    /// The institution may set the pass mark while the sheet is being entered.
    pub pass_mark: Option<i32>,
    /// Required once the sheet is published.
    pub reason: Option<String>,
}

/// What a save did: learners whose rows changed, and where the sheet stands after it.
#[derive(Debug, Clone, Copy)]
pub struct Saved {
    pub changed: usize,
    pub status: SheetStatus,
}

#[derive(Debug, Clone, Serialize)]
pub struct RowView {
    pub user_id: String,
    pub name: String,
    /// Sessions the learner was signed in or marked present at, of those held.
    pub sessions_attended: u32,
    pub sessions_total: u32,
    pub attendance_days: Option<i32>,
    pub performance: Option<Performance>,
    pub performance_label: &'static str,
    pub theory: Option<i32>,
    pub practical: Option<i32>,
    pub evaluation: String,
    /// `None` until a score is entered.
    pub passed: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeView {
    pub learner: String,
    pub field: &'static str,
    pub old_value: String,
    pub new_value: String,
    pub reason: String,
    pub by: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SheetView {
    pub class_id: String,
    pub class_name: String,
    pub class_status: ClassStatus,
    /// Days from the class's first day to its last.
    pub class_days: i32,
    pub status: SheetStatus,
    pub status_label: &'static str,
    pub pass_mark: i32,
    pub submitted_by: String,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub confirmed_by: String,
    pub confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub returned_reason: String,
    /// The evidence-log entry of the published scores as they stand.
    pub ledger_idx: Option<i64>,
    pub access: Access,
    /// Fields the caller may set now (none while the sheet waits for confirmation, or
    /// while the class is not running or completed).
    pub editable: Vec<Field>,
    pub may_submit: bool,
    /// Confirm or return: submitted by someone else.
    pub may_confirm: bool,
    pub rows: Vec<RowView>,
    pub changes: Vec<ChangeView>,
}

/// A learner's published result in one class.
#[derive(Debug, Clone, Serialize)]
pub struct MyAssessment {
    pub class_id: String,
    pub class_name: String,
    pub pass_mark: i32,
    pub attendance_days: Option<i32>,
    pub performance: Option<Performance>,
    pub performance_label: &'static str,
    pub theory: Option<i32>,
    pub practical: Option<i32>,
    pub evaluation: String,
    pub passed: bool,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn row_of(s: &score::Model) -> Row {
    Row {
        attendance_days: s.attendance_days,
        performance: s.performance.as_deref().and_then(Performance::parse),
        theory: s.theory,
        practical: s.practical,
        evaluation: s.evaluation.clone(),
    }
}

fn label(p: Option<Performance>) -> &'static str {
    p.map_or("", Performance::label)
}

/// Days from a class's first day to its last, both counted.
/// Apply `update` to a class's sheet only while it waits for confirmation; a second
/// reviewer who got there first leaves nothing to do.
async fn from_submitted(
    w: &Write<'_>,
    class_id: &str,
    update: sea_orm::UpdateMany<sheet::Entity>,
) -> AppResult<()> {
    crate::write::one_row(
        update
            .filter(sheet::Column::ClassId.eq(class_id))
            .filter(sheet::Column::Status.eq(SheetStatus::Submitted))
            .exec(&w.txn)
            .await?,
        "成绩表刚被他人处理，请刷新后查看",
    )
}

fn class_days(c: &class::Model) -> i32 {
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    match (d(&c.start_date), d(&c.end_date)) {
        (Some(a), Some(b)) => i32::try_from((b - a).num_days() + 1).unwrap_or(0).max(0),
        _ => 0,
    }
}

impl Assessment<'_> {
    /// The class and how the caller stands towards its sheet; anyone else learns nothing.
    async fn access(&self, who: &Principal, class_id: &str) -> AppResult<(class::Model, Access)> {
        if !who.org_ids().is_empty() {
            match self.classes().own(who, class_id).await {
                Ok(c) => return Ok((c, Access::Institution)),
                Err(AppError::NotFound(_) | AppError::Forbidden) => {}
                Err(e) => return Err(e),
            }
        }
        if self.attendance().teaches(who, class_id).await? {
            let c = class::Entity::find_by_id(class_id.to_string())
                .one(&self.db)
                .await?
                .ok_or(AppError::NotFound("培训班"))?;
            return Ok((c, Access::Teacher));
        }
        if who.scope(Permission::ViewOrganizations).is_some() {
            match self
                .find_scoped::<class::Entity>(who, Permission::ViewOrganizations, class_id)
                .await
            {
                Ok(c) => return Ok((c, Access::Viewer)),
                Err(AppError::NotFound(_) | AppError::Forbidden) => {}
                Err(e) => return Err(e),
            }
        }
        Err(AppError::NotFound("培训班"))
    }

    /// Whether the class is at a stage where scores are entered.
    fn open_for_scores(c: &class::Model) -> bool {
        matches!(c.status, ClassStatus::InTraining | ClassStatus::Completed)
    }

    async fn names(&self, ids: Vec<String>) -> AppResult<HashMap<String, String>> {
        Ok(user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect())
    }

    /// A class's sheet as the caller may see it: the institution's staff, its booked
    /// teachers, regulators of its region and administrators.
    pub async fn sheet(&self, who: &Principal, class_id: &str) -> AppResult<SheetView> {
        let (c, access) = self.access(who, class_id).await?;
        let s = sheet::Entity::find_by_id(c.id.clone())
            .one(&self.db)
            .await?;
        let status = s.as_ref().map_or(SheetStatus::Draft, |s| s.status);
        let roster = self.classes().roster(&c.id).await?;
        let scores: HashMap<String, score::Model> = score::Entity::find()
            .filter(score::Column::ClassId.eq(c.id.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| (s.user_id.clone(), s))
            .collect();
        let pass_mark = s.as_ref().map_or(DEFAULT_PASS_MARK, |s| s.pass_mark);
        let rows = roster
            .into_iter()
            .map(|l| {
                let r = scores.get(&l.user_id).map(row_of).unwrap_or_default();
                RowView {
                    passed: r.scored().then(|| r.passed(pass_mark)),
                    user_id: l.user_id,
                    name: l.name,
                    sessions_attended: l.sessions_attended,
                    sessions_total: l.sessions_total,
                    attendance_days: r.attendance_days,
                    performance_label: label(r.performance),
                    performance: r.performance,
                    theory: r.theory,
                    practical: r.practical,
                    evaluation: r.evaluation,
                }
            })
            .collect::<Vec<_>>();
        let changes = change::Entity::find()
            .filter(change::Column::ClassId.eq(c.id.clone()))
            .order_by_desc(change::Column::ChangedAt)
            .all(&self.db)
            .await?;
        let mut people: Vec<String> = changes
            .iter()
            .flat_map(|x| [x.user_id.clone(), x.changed_by.clone()])
            .collect();
        if let Some(s) = &s {
            people.extend(s.submitted_by.iter().cloned());
            people.extend(s.confirmed_by.iter().cloned());
        }
        let names = self.names(people).await?;
        let name = |id: &Option<String>| {
            id.as_ref()
                .and_then(|i| names.get(i))
                .cloned()
                .unwrap_or_default()
        };
        // Performance is stored by its code; people read its name.
        let shown = |f: Option<Field>, v: String| match f {
            Some(Field::Performance) => Performance::parse(&v).map_or(v, |p| p.label().into()),
            _ => v,
        };
        let changes = changes
            .into_iter()
            .map(|x| ChangeView {
                learner: names.get(&x.user_id).cloned().unwrap_or_default(),
                field: Field::parse(&x.field).map_or("", Field::label),
                old_value: shown(Field::parse(&x.field), x.old_value),
                new_value: shown(Field::parse(&x.field), x.new_value),
                reason: x.reason,
                by: names.get(&x.changed_by).cloned().unwrap_or_default(),
                at: x.changed_at,
            })
            .collect();
        let submitter = s.as_ref().and_then(|s| s.submitted_by.clone());
        let editable = match access.assessor() {
            Some(a) if Self::open_for_scores(&c) && status != SheetStatus::Submitted => Field::ALL
                .iter()
                .copied()
                .filter(|f| a.may_set(*f))
                .collect(),
            _ => vec![],
        };
        Ok(SheetView {
            class_days: class_days(&c),
            class_id: c.id.clone(),
            class_name: c.name.clone(),
            class_status: c.status,
            status,
            status_label: status.label(),
            pass_mark,
            submitted_by: name(&submitter),
            submitted_at: s.as_ref().and_then(|s| s.submitted_at),
            confirmed_by: name(&s.as_ref().and_then(|s| s.confirmed_by.clone())),
            confirmed_at: s.as_ref().and_then(|s| s.confirmed_at),
            returned_reason: s
                .as_ref()
                .map(|s| s.returned_reason.clone())
                .unwrap_or_default(),
            ledger_idx: s.as_ref().and_then(|s| s.ledger_idx),
            access,
            may_submit: access != Access::Viewer
                && Self::open_for_scores(&c)
                && status == SheetStatus::Draft
                && !rows.is_empty(),
            may_confirm: access != Access::Viewer
                && status == SheetStatus::Submitted
                && submitter.as_deref() != Some(who.user_id.as_str()),
            editable,
            rows,
            changes,
        })
    }

    /// The caller's class for a change, with their standing; refuses viewers, classes not
    /// yet running, and institutions that may not operate.
    async fn for_change(
        &self,
        who: &Principal,
        class_id: &str,
    ) -> AppResult<(class::Model, Assessor)> {
        let (c, access) = self.access(who, class_id).await?;
        let Some(a) = access.assessor() else {
            return Err(AppError::Forbidden);
        };
        if a == Assessor::Institution {
            self.organizations().operating(who).await?;
        } else {
            // A booked teacher scores for the class's institution, which must still be
            // allowed to run classes.
            let org = organization::Entity::find_by_id(c.org_id.clone())
                .one(&self.db)
                .await?
                .ok_or(AppError::NotFound("培训机构"))?;
            if !org.status.may_operate() {
                return Err(AppError::Conflict(
                    "该培训机构已被暂停或撤销，不能录入考核成绩".into(),
                ));
            }
        }
        if !Self::open_for_scores(&c) {
            return Err(AppError::Conflict(format!(
                "培训班当前状态为“{}”，开班后才能录入考核成绩",
                c.status.label()
            )));
        }
        Ok((c, a))
    }

    /// The sheet row inside a change, locked (PostgreSQL; SQLite writers are serialised),
    /// created as a draft on first use.
    async fn locked_sheet(&self, w: &Write<'_>, c: &class::Model) -> AppResult<sheet::Model> {
        sheet::Entity::insert(sheet::ActiveModel {
            class_id: Set(c.id.clone()),
            org_id: Set(c.org_id.clone()),
            region_code: Set(c.region_code.clone()),
            status: Set(SheetStatus::Draft),
            pass_mark: Set(DEFAULT_PASS_MARK),
            submitted_by: Set(None),
            submitted_at: Set(None),
            confirmed_by: Set(None),
            confirmed_at: Set(None),
            returned_reason: Set(String::new()),
            ledger_idx: Set(None),
            updated_at: Set(w.now),
        })
        .on_conflict(
            OnConflict::column(sheet::Column::ClassId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&w.txn)
        .await?;
        sheet::Entity::find_by_id(c.id.clone())
            .lock_exclusive()
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound("考核成绩表"))
    }

    /// Enter or change scores. After publishing, a change sends the sheet back to
    /// 待复核 in the changer's name.
    pub async fn save(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
        input: &SaveInput,
    ) -> AppResult<Saved> {
        let (c, assessor) = self.for_change(who, class_id).await?;
        let members: HashSet<String> = enrollment::Entity::find()
            .filter(enrollment::Column::ClassId.eq(c.id.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| e.user_id)
            .collect();
        let days = class_days(&c);
        let names = self.names(members.iter().cloned().collect()).await?;
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (i, r) in input.rows.iter().enumerate() {
            // Each message names the learner, so a page can list them without field paths.
            let who_ = names
                .get(&r.user_id)
                .cloned()
                .unwrap_or_else(|| format!("第{}行", i + 1));
            let mut bad = |f: &str, m: String| {
                errors.push(FieldError::new(
                    &format!("rows[{i}].{f}"),
                    format!("{who_}：{m}"),
                ))
            };
            if !members.contains(&r.user_id) {
                bad("user_id", format!("{} 不是本班学员", r.user_id));
                continue;
            }
            if !seen.insert(r.user_id.as_str()) {
                bad("user_id", "同一学员只能出现一次".into());
            }
            let present = [
                (Field::AttendanceDays, r.attendance_days.is_some()),
                (Field::Performance, r.performance.is_some()),
                (Field::Theory, r.theory.is_some()),
                (Field::Practical, r.practical.is_some()),
                (Field::Evaluation, r.evaluation.is_some()),
            ];
            for (f, sent) in present {
                if sent && !assessor.may_set(f) {
                    bad(
                        f.code(),
                        format!("讲师只能录入实操成绩和评估意见，不能修改{}", f.label()),
                    );
                }
            }
            if let Some(Some(d)) = r.attendance_days
                && let Err(m) = rules::check_days(d, days)
            {
                bad("attendance_days", m);
            }
            for (f, v) in [(Field::Theory, r.theory), (Field::Practical, r.practical)] {
                if let Some(Some(v)) = v
                    && let Err(m) = rules::check_score(v)
                {
                    bad(f.code(), m.replace("成绩", f.label()));
                }
            }
            if let Some(e) = &r.evaluation
                && let Err(m) = rules::check_evaluation(e)
            {
                bad("evaluation", m.into());
            }
        }
        if let Some(p) = input.pass_mark {
            if assessor != Assessor::Institution {
                errors.push(FieldError::new("pass_mark", "及格分由培训机构设置"));
            } else if let Err(m) = rules::check_pass_mark(p) {
                errors.push(FieldError::new("pass_mark", m));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let w = self.write(who, ctx).await?;
        let s = self.locked_sheet(&w, &c).await?;
        let reason = match s.status {
            SheetStatus::Submitted => {
                return Err(AppError::Conflict(
                    "成绩表已提交复核，复核人确认或退回后才能修改".into(),
                ));
            }
            SheetStatus::Published => {
                if input.pass_mark.is_some_and(|p| p != s.pass_mark) {
                    return Err(AppError::field("pass_mark", "成绩发布后不能修改及格分"));
                }
                Some(
                    rules::check_reason(input.reason.as_deref().unwrap_or(""))
                        .map_err(|m| AppError::field("reason", format!("成绩已发布，修改{m}")))?,
                )
            }
            SheetStatus::Draft => None,
        };
        let old: HashMap<String, score::Model> = score::Entity::find()
            .filter(score::Column::ClassId.eq(c.id.clone()))
            .all(&w.txn)
            .await?
            .into_iter()
            .map(|s| (s.user_id.clone(), s))
            .collect();
        let mut changed_rows = 0;
        let mut fields_changed: Vec<serde_json::Value> = Vec::new();
        for r in &input.rows {
            let before = old.get(&r.user_id).map(row_of).unwrap_or_default();
            let mut after = before.clone();
            if let Some(v) = r.attendance_days {
                after.attendance_days = v;
            }
            if let Some(v) = r.performance {
                after.performance = v;
            }
            if let Some(v) = r.theory {
                after.theory = v;
            }
            if let Some(v) = r.practical {
                after.practical = v;
            }
            if let Some(e) = &r.evaluation {
                after.evaluation = rules::check_evaluation(e).unwrap_or_default();
            }
            let fields = rules::changed(&before, &after);
            if fields.is_empty() {
                continue;
            }
            changed_rows += 1;
            score::Entity::insert(score::ActiveModel {
                class_id: Set(c.id.clone()),
                user_id: Set(r.user_id.clone()),
                attendance_days: Set(after.attendance_days),
                performance: Set(after.performance.map(|p| p.code().to_string())),
                theory: Set(after.theory),
                practical: Set(after.practical),
                evaluation: Set(after.evaluation.clone()),
                updated_by: Set(w.actor_id()),
                updated_at: Set(w.now),
            })
            .on_conflict(
                OnConflict::columns([score::Column::ClassId, score::Column::UserId])
                    .update_columns([
                        score::Column::AttendanceDays,
                        score::Column::Performance,
                        score::Column::Theory,
                        score::Column::Practical,
                        score::Column::Evaluation,
                        score::Column::UpdatedBy,
                        score::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&w.txn)
            .await?;
            for f in &fields {
                fields_changed.push(serde_json::json!({
                    "learner": r.user_id, "field": f.code(),
                    "from": before.value(*f), "to": after.value(*f),
                }));
                if let Some(reason) = &reason {
                    change::Entity::insert(change::ActiveModel {
                        id: Set(uuid::Uuid::now_v7().to_string()),
                        class_id: Set(c.id.clone()),
                        user_id: Set(r.user_id.clone()),
                        field: Set(f.code().into()),
                        old_value: Set(before.value(*f)),
                        new_value: Set(after.value(*f)),
                        reason: Set(reason.clone()),
                        changed_by: Set(w.actor_id()),
                        changed_at: Set(w.now),
                    })
                    .exec_without_returning(&w.txn)
                    .await?;
                }
            }
        }
        let mut pass_mark = s.pass_mark;
        if s.status == SheetStatus::Draft
            && let Some(p) = input.pass_mark.filter(|p| *p != s.pass_mark)
        {
            pass_mark = p;
            fields_changed
                .push(serde_json::json!({"field": "pass_mark", "from": s.pass_mark, "to": p}));
        }
        if fields_changed.is_empty() {
            return Ok(Saved {
                changed: 0,
                status: s.status,
            });
        }
        let mut upd = sheet::Entity::update_many()
            .col_expr(sheet::Column::PassMark, Expr::value(pass_mark))
            .col_expr(sheet::Column::UpdatedAt, Expr::value(w.now));
        if s.status == SheetStatus::Published {
            // A correction goes back to 待复核 in the changer's name: a second person
            // confirms it (and enters the sheet in the evidence log again) before it
            // counts, exactly as for the first publication.
            upd = upd
                .col_expr(sheet::Column::Status, Expr::value(SheetStatus::Submitted))
                .col_expr(sheet::Column::SubmittedBy, Expr::value(w.actor_id()))
                .col_expr(sheet::Column::SubmittedAt, Expr::value(w.now))
                .col_expr(
                    sheet::Column::ConfirmedBy,
                    Expr::value(Option::<String>::None),
                )
                .col_expr(
                    sheet::Column::ConfirmedAt,
                    Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
                );
        }
        upd.filter(sheet::Column::ClassId.eq(c.id.clone()))
            .exec(&w.txn)
            .await?;
        w.commit(Entry::ok(
            "assessment.save",
            "class",
            &c.id,
            serde_json::json!({
                "status": s.status.code(), "reason": reason, "changes": fields_changed,
            }),
        ))
        .await?;
        Ok(Saved {
            changed: changed_rows,
            status: if s.status == SheetStatus::Published {
                SheetStatus::Submitted
            } else {
                s.status
            },
        })
    }

    /// Append the sheet as it stands (inside `w`) to the evidence log; returns the index.
    async fn enter_in_ledger(
        &self,
        w: &Write<'_>,
        c: &class::Model,
        pass_mark: i32,
    ) -> AppResult<i64> {
        let rows: Vec<(String, Row)> = score::Entity::find()
            .filter(score::Column::ClassId.eq(c.id.clone()))
            .order_by_asc(score::Column::UserId)
            .all(&w.txn)
            .await?
            .iter()
            .map(|s| (s.user_id.clone(), row_of(s)))
            .collect();
        let as_of = w.now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let text = rules::canonical(&c.id, pass_mark, &as_of, &rows);
        let at = crate::ledger::append(
            &w.txn,
            &Fact {
                kind: Kind::AssessmentScores,
                record_id: c.id.clone(),
                record_sha256: jineng_core::archive::sha256(&text),
                at_micros: w.now.timestamp_micros(),
                org_id: c.org_id.clone(),
            },
        )
        .await?;
        Ok(i64::try_from(at.index).unwrap_or(i64::MAX))
    }

    /// Submit the sheet for a second person's confirmation: every learner needs a score.
    pub async fn submit(&self, who: &Principal, ctx: &RequestCtx, class_id: &str) -> AppResult<()> {
        let (c, _) = self.for_change(who, class_id).await?;
        let w = self.write(who, ctx).await?;
        let s = self.locked_sheet(&w, &c).await?;
        if s.status != SheetStatus::Draft {
            return Err(AppError::Conflict(format!(
                "成绩表当前为“{}”，不能再次提交",
                s.status.label()
            )));
        }
        let members: Vec<String> = enrollment::Entity::find()
            .filter(enrollment::Column::ClassId.eq(c.id.clone()))
            .all(&w.txn)
            .await?
            .into_iter()
            .map(|e| e.user_id)
            .collect();
        let scored: HashSet<String> = score::Entity::find()
            .filter(score::Column::ClassId.eq(c.id.clone()))
            .all(&w.txn)
            .await?
            .into_iter()
            .filter(|s| s.theory.is_some() || s.practical.is_some())
            .map(|s| s.user_id)
            .collect();
        let missing = members.iter().filter(|m| !scored.contains(*m)).count();
        if members.is_empty() {
            return Err(AppError::Conflict("本班没有学员，无需提交考核成绩".into()));
        }
        if missing > 0 {
            return Err(AppError::Conflict(format!(
                "还有{missing}名学员未录入理论或实操成绩，录入后才能提交"
            )));
        }
        let r = sheet::Entity::update_many()
            .col_expr(sheet::Column::Status, Expr::value(SheetStatus::Submitted))
            .col_expr(sheet::Column::SubmittedBy, Expr::value(w.actor_id()))
            .col_expr(sheet::Column::SubmittedAt, Expr::value(w.now))
            .col_expr(sheet::Column::UpdatedAt, Expr::value(w.now))
            .filter(sheet::Column::ClassId.eq(c.id.clone()))
            .filter(sheet::Column::Status.eq(SheetStatus::Draft))
            .exec(&w.txn)
            .await?;
        if r.rows_affected != 1 {
            return Err(AppError::Conflict(
                "成绩表刚被他人提交，请刷新后查看".into(),
            ));
        }
        w.commit(Entry::ok(
            "assessment.submit",
            "class",
            &c.id,
            serde_json::json!({"learners": members.len()}),
        ))
        .await?;
        Ok(())
    }

    /// The submitted sheet, checked for the second person; refuses the submitter.
    async fn for_review(
        &self,
        who: &Principal,
        w: &Write<'_>,
        c: &class::Model,
    ) -> AppResult<sheet::Model> {
        let s = self.locked_sheet(w, c).await?;
        if s.status != SheetStatus::Submitted {
            return Err(AppError::Conflict(format!(
                "成绩表当前为“{}”，不在待复核状态",
                s.status.label()
            )));
        }
        if s.submitted_by.as_deref() == Some(who.user_id.as_str()) {
            return Err(AppError::Conflict(
                "提交人不能复核自己提交的成绩，请由另一人确认".into(),
            ));
        }
        Ok(s)
    }

    /// A second person confirms the submitted sheet: it is published to learners, counts
    /// towards completion, and is entered in the evidence log.
    pub async fn confirm(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
    ) -> AppResult<()> {
        let (c, _) = self.for_change(who, class_id).await?;
        let w = self.write(who, ctx).await?;
        let s = self.for_review(who, &w, &c).await?;
        let idx = self.enter_in_ledger(&w, &c, s.pass_mark).await?;
        let update = sheet::Entity::update_many()
            .col_expr(sheet::Column::Status, Expr::value(SheetStatus::Published))
            .col_expr(sheet::Column::ConfirmedBy, Expr::value(w.actor_id()))
            .col_expr(sheet::Column::ConfirmedAt, Expr::value(w.now))
            .col_expr(sheet::Column::LedgerIdx, Expr::value(idx))
            .col_expr(sheet::Column::UpdatedAt, Expr::value(w.now))
            .filter(sheet::Column::SubmittedBy.ne(w.actor_id()));
        from_submitted(&w, &c.id, update).await?;
        w.commit(Entry::ok(
            "assessment.publish",
            "class",
            &c.id,
            serde_json::json!({"submitted_by": s.submitted_by, "ledger_idx": idx}),
        ))
        .await?;
        Ok(())
    }

    /// Return the submitted sheet for correction, with a reason.
    pub async fn send_back(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
        reason: &str,
    ) -> AppResult<()> {
        let reason = rules::check_reason(reason).map_err(|m| AppError::field("reason", m))?;
        let (c, _) = self.for_change(who, class_id).await?;
        let w = self.write(who, ctx).await?;
        self.for_review(who, &w, &c).await?;
        let update = sheet::Entity::update_many()
            .col_expr(sheet::Column::Status, Expr::value(SheetStatus::Draft))
            .col_expr(sheet::Column::ReturnedReason, Expr::value(reason.clone()))
            .col_expr(sheet::Column::UpdatedAt, Expr::value(w.now));
        from_submitted(&w, &c.id, update).await?;
        w.commit(Entry::ok(
            "assessment.return",
            "class",
            &c.id,
            serde_json::json!({"reason": reason}),
        ))
        .await?;
        Ok(())
    }

    /// Where a class's sheet stands, for a caller who may already see the class.
    pub async fn status_of(&self, class_id: &str) -> AppResult<SheetStatus> {
        Ok(sheet::Entity::find_by_id(class_id.to_string())
            .one(&self.db)
            .await?
            .map_or(SheetStatus::Draft, |s| s.status))
    }

    /// Whether the class has a sheet that is being entered or waits for confirmation
    /// (certificates wait for it).
    pub(crate) async fn pending(&self, class_id: &str) -> AppResult<bool> {
        Ok(sheet::Entity::find_by_id(class_id.to_string())
            .filter(sheet::Column::Status.ne(SheetStatus::Published))
            .one(&self.db)
            .await?
            .is_some())
    }

    /// For completion: `None` if the class's sheet is not published, else the learners
    /// who passed it.
    pub(crate) async fn passes(&self, class_id: &str) -> AppResult<Option<HashSet<String>>> {
        let Some(s) = sheet::Entity::find_by_id(class_id.to_string())
            .filter(sheet::Column::Status.eq(SheetStatus::Published))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(
            score::Entity::find()
                .filter(score::Column::ClassId.eq(class_id))
                .all(&self.db)
                .await?
                .iter()
                .filter(|r| row_of(r).passed(s.pass_mark))
                .map(|r| r.user_id.clone())
                .collect(),
        ))
    }

    /// The caller's published results, newest class first.
    pub async fn mine(&self, who: &Principal) -> AppResult<Vec<MyAssessment>> {
        let mine: HashMap<String, score::Model> = score::Entity::find()
            .filter(score::Column::UserId.eq(who.user_id.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| (s.class_id.clone(), s))
            .collect();
        let sheets = sheet::Entity::find()
            .filter(sheet::Column::ClassId.is_in(mine.keys().cloned().collect::<Vec<_>>()))
            .filter(sheet::Column::Status.eq(SheetStatus::Published))
            .order_by_desc(sheet::Column::ConfirmedAt)
            .all(&self.db)
            .await?;
        let names: HashMap<String, String> = class::Entity::find()
            .filter(class::Column::Id.is_in(sheets.iter().map(|s| s.class_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        Ok(sheets
            .into_iter()
            .filter_map(|s| {
                let r = row_of(mine.get(&s.class_id)?);
                Some(MyAssessment {
                    class_name: names.get(&s.class_id).cloned().unwrap_or_default(),
                    class_id: s.class_id,
                    pass_mark: s.pass_mark,
                    passed: r.passed(s.pass_mark),
                    attendance_days: r.attendance_days,
                    performance_label: label(r.performance),
                    performance: r.performance,
                    theory: r.theory,
                    practical: r.practical,
                    evaluation: r.evaluation,
                    published_at: s.confirmed_at,
                })
            })
            .collect())
    }
}
