//! Supervision of online study (seed 000 §2.1, §2.3): a learner's study record in a class
//! as the institution and regulators read it (per lesson, per day, sessions, checks,
//! irregularities); spot checks (抽查) of a random sample of a class's learners with one
//! verdict the institution acknowledges; and the anomaly lists that tell a regulator
//! where to look.

use super::{CourseProgress, Study};
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use jineng_core::accounts::Permission;
use jineng_core::classes::ClassStatus;
use jineng_core::study::{CheckKind, CheckOutcome, SessionStatus};
use jineng_store::accounts::user;
use jineng_store::classes::{class, enrollment};
use jineng_store::courses::lesson;
use jineng_store::study::{check, clearing, day, irregularity, session, spot_check, task};
use rand::seq::SliceRandom;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Set,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Learners a spot check samples when the regulator does not say.
pub const DEFAULT_SAMPLE: usize = 5;
/// At most this many learners in one sample.
pub const MAX_SAMPLE: usize = 20;
/// How far back the anomaly lists look.
pub const ANOMALY_DAYS: i64 = 30;
/// A class is listed with at least this many irregularities in the window.
pub const CLASS_IRREGULARITIES: i64 = 3;
/// One address is listed when at least this many learners studied from it.
pub const SHARED_IP_LEARNERS: usize = 3;
/// A night session (00:00–05:59 China time) is listed when it credited at least this.
pub const NIGHT_CREDITED_MS: i64 = 45 * 60 * 1000;

/// One day's credited time on one lesson.
#[derive(Debug, Clone, Serialize)]
pub struct DayRow {
    pub day: String,
    pub lesson_title: String,
    pub credited_ms: u64,
}

/// One playback as the server saw it.
#[derive(Debug, Clone, Serialize)]
pub struct SessionRow {
    pub id: String,
    pub lesson_title: String,
    pub status: SessionStatus,
    pub status_label: &'static str,
    pub credited_ms: u64,
    pub beats: i64,
    pub ip: String,
    pub user_agent: String,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A watch check and how it ended (never its answer).
#[derive(Debug, Clone, Serialize)]
pub struct CheckRow {
    pub kind: CheckKind,
    pub kind_label: &'static str,
    pub prompt: String,
    pub outcome: CheckOutcome,
    pub outcome_label: &'static str,
    pub issued_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// A clearing of a course's hours, explained.
#[derive(Debug, Clone, Serialize)]
pub struct ClearingRow {
    pub nth: i32,
    pub reason: &'static str,
    pub cleared_ms: u64,
    pub at: DateTime<Utc>,
}

/// A learner's online study for one class, as the institution and regulators read it.
#[derive(Debug, Clone, Serialize)]
pub struct LearnerRecord {
    pub class_id: String,
    pub class_name: String,
    pub user_id: String,
    pub name: String,
    /// Studying right now: a session heard from within three heartbeat intervals.
    pub live: bool,
    pub credited_tenths: u64,
    pub courses: Vec<CourseProgress>,
    /// Newest day first.
    pub days: Vec<DayRow>,
    /// Newest first, at most 200.
    pub sessions: Vec<SessionRow>,
    /// Newest first, at most 200.
    pub checks: Vec<CheckRow>,
    pub clearings: Vec<ClearingRow>,
}

/// A spot check as shown to the regulator and the institution.
#[derive(Debug, Clone, Serialize)]
pub struct SpotCheckView {
    pub id: String,
    pub class_id: String,
    pub class_name: String,
    pub inspector_id: String,
    pub inspector_name: String,
    /// The sampled learners: (user id, name).
    pub sample: Vec<(String, String)>,
    pub drawn_at: DateTime<Utc>,
    pub qualified: Option<bool>,
    pub remarks: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// A class with many irregularities lately.
#[derive(Debug, Clone, Serialize)]
pub struct IrregularClass {
    pub class_id: String,
    pub class_name: String,
    pub org_name: String,
    pub irregularities: i64,
    pub learners: usize,
    pub clearings: usize,
}

/// A learner credited in more than one class on one day.
#[derive(Debug, Clone, Serialize)]
pub struct SeveralClasses {
    pub user_id: String,
    pub name: String,
    pub day: String,
    /// (class id, class name)
    pub classes: Vec<(String, String)>,
}

/// One address many learners studied from.
#[derive(Debug, Clone, Serialize)]
pub struct SharedAddress {
    pub ip: String,
    pub learners: usize,
    /// (class id, class name)
    pub classes: Vec<(String, String)>,
}

/// A session that credited an hour or more at night.
#[derive(Debug, Clone, Serialize)]
pub struct NightStudy {
    pub user_id: String,
    pub name: String,
    pub class_id: String,
    pub class_name: String,
    pub opened_at: DateTime<Utc>,
    pub credited_ms: u64,
}

/// Where a regulator should look, in their region, over the last `ANOMALY_DAYS` days.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Anomalies {
    pub classes: Vec<IrregularClass>,
    pub several_classes: Vec<SeveralClasses>,
    pub shared_addresses: Vec<SharedAddress>,
    pub night: Vec<NightStudy>,
}

fn ms(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// China time's hour of an instant.
fn china_hour(at: DateTime<Utc>) -> u32 {
    use chrono::Timelike;
    (at + chrono::Duration::hours(8)).hour()
}

impl Study<'_> {
    /// A class the caller may see and one of its learners, or "not found".
    async fn class_and_learner(
        &self,
        who: &Principal,
        class_id: &str,
        user_id: &str,
    ) -> AppResult<(class::Model, user::Model)> {
        let c = self
            .find_scoped::<class::Entity>(who, Permission::ViewOrganizations, class_id)
            .await?;
        enrollment::Entity::find()
            .filter(enrollment::Column::ClassId.eq(c.id.clone()))
            .filter(enrollment::Column::UserId.eq(user_id))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("学员"))?;
        let u = user::Entity::find_by_id(user_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("学员"))?;
        Ok((c, u))
    }

    /// A learner's study record in a class: what the institution reads live and per day,
    /// and what a regulator reads in a spot check.
    pub async fn learner_record(
        &self,
        who: &Principal,
        class_id: &str,
        user_id: &str,
    ) -> AppResult<LearnerRecord> {
        let (c, u) = self.class_and_learner(who, class_id, user_id).await?;
        self.settle(Some(&u.id)).await?;
        let courses = self.courses_of(&u.id, Some(&c.id)).await?;
        let lessons: HashMap<String, String> = {
            let versions: Vec<String> = courses.iter().map(|c| c.version_id.clone()).collect();
            lesson::Entity::find()
                .filter(lesson::Column::VersionId.is_in(versions))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|l| (l.id, l.title))
                .collect()
        };
        let title = |id: &str| lessons.get(id).cloned().unwrap_or_default();
        let days = day::Entity::find()
            .filter(day::Column::UserId.eq(u.id.clone()))
            .filter(day::Column::ClassId.eq(c.id.clone()))
            .order_by_desc(day::Column::Day)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|d| DayRow {
                lesson_title: title(&d.lesson_id),
                day: d.day,
                credited_ms: ms(d.credited_ms),
            })
            .collect();
        let rows = session::Entity::find()
            .filter(session::Column::UserId.eq(u.id.clone()))
            .filter(session::Column::ClassId.eq(c.id.clone()))
            .order_by_desc(session::Column::OpenedAt)
            .limit(200)
            .all(&self.db)
            .await?;
        let policy = self.policy().await?;
        let now = self.now();
        let fresh = chrono::Duration::seconds(i64::from(policy.interval_secs) * 3);
        let live = rows
            .iter()
            .any(|s| s.status == SessionStatus::Active && now - s.updated_at <= fresh);
        let ids: Vec<String> = rows.iter().map(|s| s.id.clone()).collect();
        let checks = check::Entity::find()
            .filter(check::Column::SessionId.is_in(ids))
            .order_by_desc(check::Column::IssuedAt)
            .limit(200)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|k| CheckRow {
                kind_label: k.kind.label(),
                kind: k.kind,
                prompt: k.prompt,
                outcome_label: k.outcome.label(),
                outcome: k.outcome,
                issued_at: k.issued_at,
                answered_at: k.answered_at,
            })
            .collect();
        let sessions = rows
            .into_iter()
            .map(|s| SessionRow {
                lesson_title: title(&s.lesson_id),
                status_label: s.status.label(),
                status: s.status,
                credited_ms: ms(s.credited_ms),
                beats: s.beats,
                id: s.id,
                ip: s.ip,
                user_agent: s.user_agent,
                opened_at: s.opened_at,
                updated_at: s.updated_at,
            })
            .collect();
        let clearings = clearing::Entity::find()
            .filter(clearing::Column::UserId.eq(u.id.clone()))
            .filter(clearing::Column::ClassId.eq(c.id.clone()))
            .order_by_asc(clearing::Column::At)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|k| ClearingRow {
                nth: k.nth,
                reason: k.code.label(),
                cleared_ms: ms(k.cleared_ms),
                at: k.at,
            })
            .collect();
        Ok(LearnerRecord {
            credited_tenths: courses.iter().map(|c| c.credited_tenths).sum(),
            class_id: c.id,
            class_name: c.name,
            user_id: u.id,
            name: u.display_name,
            live,
            courses,
            days,
            sessions,
            checks,
            clearings,
        })
    }

    /// Every learner's credited time per day and lesson in a class (the export's second
    /// sheet): (learner name, day, lesson title, credited ms), by learner then day.
    pub async fn class_days(
        &self,
        who: &Principal,
        class_id: &str,
    ) -> AppResult<Vec<(String, DayRow)>> {
        let (_, learners) = self.classes().get(who, class_id).await?;
        self.settle(None).await?;
        let names: HashMap<String, String> =
            learners.into_iter().map(|l| (l.user_id, l.name)).collect();
        let versions: Vec<String> = task::Entity::find()
            .filter(task::Column::ClassId.eq(class_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|t| t.version_id)
            .collect();
        let titles: HashMap<String, String> = lesson::Entity::find()
            .filter(lesson::Column::VersionId.is_in(versions))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| (l.id, l.title))
            .collect();
        let mut out: Vec<(String, DayRow)> = day::Entity::find()
            .filter(day::Column::ClassId.eq(class_id))
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|d| {
                let name = names.get(&d.user_id)?.clone();
                Some((
                    name,
                    DayRow {
                        lesson_title: titles.get(&d.lesson_id).cloned().unwrap_or_default(),
                        day: d.day,
                        credited_ms: ms(d.credited_ms),
                    },
                ))
            })
            .collect();
        out.sort_by(|a, b| {
            (&a.0, &a.1.day, &a.1.lesson_title).cmp(&(&b.0, &b.1.day, &b.1.lesson_title))
        });
        Ok(out)
    }

    async fn spot_view(&self, s: spot_check::Model) -> AppResult<SpotCheckView> {
        let ids: Vec<String> = serde_json::from_str(&s.sample).unwrap_or_default();
        let names: HashMap<String, String> = user::Entity::find()
            .filter(user::Column::Id.is_in(ids.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        let class_name = class::Entity::find_by_id(s.class_id.clone())
            .one(&self.db)
            .await?
            .map(|c| c.name)
            .unwrap_or_default();
        Ok(SpotCheckView {
            sample: ids
                .into_iter()
                .map(|id| {
                    let n = names.get(&id).cloned().unwrap_or_default();
                    (id, n)
                })
                .collect(),
            id: s.id,
            class_id: s.class_id,
            class_name,
            inspector_id: s.inspector_id,
            inspector_name: s.inspector_name,
            drawn_at: s.drawn_at,
            qualified: s.qualified,
            remarks: s.remarks,
            decided_at: s.decided_at,
            acknowledged_at: s.acknowledged_at,
        })
    }

    /// A class's spot checks, newest first, for whoever may see the class.
    pub async fn spot_checks(
        &self,
        who: &Principal,
        class_id: &str,
    ) -> AppResult<Vec<SpotCheckView>> {
        let c = self
            .find_scoped::<class::Entity>(who, Permission::ViewOrganizations, class_id)
            .await?;
        let mut out = Vec::new();
        for s in spot_check::Entity::find()
            .filter(spot_check::Column::ClassId.eq(c.id))
            .order_by_desc(spot_check::Column::DrawnAt)
            .order_by_desc(spot_check::Column::Id)
            .all(&self.db)
            .await?
        {
            out.push(self.spot_view(s).await?);
        }
        Ok(out)
    }

    /// The class of a spot check the caller may see (the pages go back to it).
    pub async fn spot_check_class(&self, who: &Principal, id: &str) -> AppResult<String> {
        let s = spot_check::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("抽查"))?;
        let c = self
            .find_scoped::<class::Entity>(who, Permission::ViewOrganizations, &s.class_id)
            .await
            .map_err(|_| AppError::NotFound("抽查"))?;
        Ok(c.id)
    }

    /// A regulator draws a random sample of a class's learners to check their study
    /// records. Pressing twice gives the same open spot check (one per class and
    /// inspector, kept by a unique index).
    pub async fn draw_spot_check(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
        size: Option<usize>,
    ) -> AppResult<SpotCheckView> {
        if !who.can(Permission::ReviewOrganizations) {
            return Err(AppError::Forbidden);
        }
        let c = self
            .find_scoped::<class::Entity>(who, Permission::ReviewOrganizations, class_id)
            .await?;
        let size = size.unwrap_or(DEFAULT_SAMPLE);
        if size == 0 || size > MAX_SAMPLE {
            return Err(AppError::field(
                "size",
                format!("抽查人数应为1到{MAX_SAMPLE}人"),
            ));
        }
        if !matches!(c.status, ClassStatus::InTraining | ClassStatus::Completed) {
            return Err(AppError::Conflict(format!(
                "培训班当前状态为“{}”，开班后才能抽查学习记录",
                c.status.label()
            )));
        }
        let has_tasks = task::Entity::find()
            .filter(task::Column::ClassId.eq(c.id.clone()))
            .one(&self.db)
            .await?
            .is_some();
        if !has_tasks {
            return Err(AppError::Conflict(
                "本班没有在线学习任务，没有可抽查的学习记录".into(),
            ));
        }
        if let Some(open) = self.open_spot_check(&c.id, &who.user_id).await? {
            return self.spot_view(open).await;
        }
        let mut learners: Vec<String> = enrollment::Entity::find()
            .filter(enrollment::Column::ClassId.eq(c.id.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| e.user_id)
            .collect();
        if learners.is_empty() {
            return Err(AppError::Conflict("本班尚无学员".into()));
        }
        learners.shuffle(&mut rand::rngs::OsRng);
        learners.truncate(size);
        let id = uuid::Uuid::now_v7().to_string();
        let w = self.write(who, ctx).await?;
        let inserted = spot_check::ActiveModel {
            id: Set(id.clone()),
            class_id: Set(c.id.clone()),
            org_id: Set(c.org_id.clone()),
            region_code: Set(c.region_code.clone()),
            inspector_id: Set(who.user_id.clone()),
            inspector_name: Set(who.display_name.clone()),
            sample: Set(serde_json::to_string(&learners).unwrap_or_else(|_| "[]".into())),
            drawn_at: Set(w.now),
            qualified: Set(None),
            remarks: Set(String::new()),
            decided_at: Set(None),
            acknowledged_at: Set(None),
            acknowledged_by: Set(None),
        }
        .insert(&w.txn)
        .await;
        match inserted {
            Ok(_) => {}
            // Another press drew one in the meantime: that one stands.
            Err(e)
                if matches!(
                    e.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                drop(w);
                let open = self
                    .open_spot_check(&c.id, &who.user_id)
                    .await?
                    .ok_or(AppError::NotFound("抽查"))?;
                return self.spot_view(open).await;
            }
            Err(e) => return Err(e.into()),
        }
        w.commit(Entry::ok(
            "study.spot_check_draw",
            "class",
            &c.id,
            serde_json::json!({"spot_check": id, "sample": learners}),
        ))
        .await?;
        let s = spot_check::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("抽查"))?;
        self.spot_view(s).await
    }

    async fn open_spot_check(
        &self,
        class_id: &str,
        inspector: &str,
    ) -> AppResult<Option<spot_check::Model>> {
        Ok(spot_check::Entity::find()
            .filter(spot_check::Column::ClassId.eq(class_id))
            .filter(spot_check::Column::InspectorId.eq(inspector))
            .filter(spot_check::Column::DecidedAt.is_null())
            .one(&self.db)
            .await?)
    }

    /// The regulator who drew a spot check records its verdict, once.
    pub async fn decide_spot_check(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        qualified: bool,
        remarks: &str,
    ) -> AppResult<SpotCheckView> {
        if !who.can(Permission::ReviewOrganizations) {
            return Err(AppError::Forbidden);
        }
        let s = spot_check::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .filter(|s| s.inspector_id == who.user_id)
            .ok_or(AppError::NotFound("抽查"))?;
        let remarks = remarks.trim();
        if !qualified && remarks.is_empty() {
            return Err(AppError::field("remarks", "抽查不合格必须填写意见"));
        }
        if remarks.chars().count() > 1000 {
            return Err(AppError::field("remarks", "抽查意见不能超过1000个字符"));
        }
        let w = self.write(who, ctx).await?;
        let r = spot_check::Entity::update_many()
            .col_expr(spot_check::Column::Qualified, Expr::value(Some(qualified)))
            .col_expr(spot_check::Column::Remarks, Expr::value(remarks))
            .col_expr(spot_check::Column::DecidedAt, Expr::value(Some(w.now)))
            .filter(spot_check::Column::Id.eq(s.id.clone()))
            .filter(spot_check::Column::DecidedAt.is_null())
            .exec(&w.txn)
            .await?;
        if r.rows_affected == 0 {
            return Err(AppError::Conflict("这次抽查已经登记过结论".into()));
        }
        w.commit(Entry::ok(
            "study.spot_check_decide",
            "class",
            &s.class_id,
            serde_json::json!({"spot_check": s.id, "qualified": qualified, "remarks": remarks}),
        ))
        .await?;
        let s = spot_check::Entity::find_by_id(s.id)
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("抽查"))?;
        self.spot_view(s).await
    }

    /// The institution acknowledges (已阅) a decided spot check of one of its classes.
    pub async fn acknowledge_spot_check(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
    ) -> AppResult<()> {
        let s = spot_check::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .filter(|s| who.org_ids().contains(&s.org_id))
            .ok_or(AppError::NotFound("抽查"))?;
        if !who.can(Permission::ManageOwnOrganization) {
            return Err(AppError::Forbidden);
        }
        if s.decided_at.is_none() {
            return Err(AppError::Conflict("抽查尚未登记结论".into()));
        }
        let w = self.write(who, ctx).await?;
        let r = spot_check::Entity::update_many()
            .col_expr(spot_check::Column::AcknowledgedAt, Expr::value(Some(w.now)))
            .col_expr(
                spot_check::Column::AcknowledgedBy,
                Expr::value(Some(who.user_id.clone())),
            )
            .filter(spot_check::Column::Id.eq(s.id.clone()))
            .filter(spot_check::Column::AcknowledgedAt.is_null())
            .exec(&w.txn)
            .await?;
        if r.rows_affected == 0 {
            // Already acknowledged (a second press): nothing to do.
            return Ok(());
        }
        w.commit(Entry::ok(
            "study.spot_check_acknowledge",
            "class",
            &s.class_id,
            serde_json::json!({"spot_check": s.id}),
        ))
        .await
    }

    /// Decided spot checks of the caller's organisations not yet acknowledged: the
    /// institution's notice on its home page.
    pub async fn unacknowledged(&self, who: &Principal) -> AppResult<Vec<SpotCheckView>> {
        let orgs = who.org_ids();
        if orgs.is_empty() || !who.can(Permission::ManageOwnOrganization) {
            return Ok(vec![]);
        }
        let mut out = Vec::new();
        for s in spot_check::Entity::find()
            .filter(spot_check::Column::OrgId.is_in(orgs))
            .filter(spot_check::Column::DecidedAt.is_not_null())
            .filter(spot_check::Column::AcknowledgedAt.is_null())
            .order_by_desc(spot_check::Column::DecidedAt)
            .limit(50)
            .all(&self.db)
            .await?
        {
            out.push(self.spot_view(s).await?);
        }
        Ok(out)
    }

    /// The anomaly lists for the caller's region over the last `ANOMALY_DAYS` days.
    pub async fn anomalies(&self, who: &Principal) -> AppResult<Anomalies> {
        if !who.can(Permission::ReviewOrganizations) {
            return Err(AppError::Forbidden);
        }
        self.settle(None).await?;
        let since = self.now() - chrono::Duration::days(ANOMALY_DAYS);
        let since_day = super::day_of(since);
        let scoped = self
            .list_scoped::<class::Entity>(who, Permission::ReviewOrganizations)?
            .select_only()
            .column(class::Column::Id)
            .into_query();
        let in_scope = |col: Expr| col.in_subquery(scoped.clone());
        let irregular = irregularity::Entity::find()
            .filter(in_scope(Expr::col(irregularity::Column::ClassId)))
            .filter(irregularity::Column::LastAt.gte(since))
            .all(&self.db)
            .await?;
        let clearings = clearing::Entity::find()
            .filter(in_scope(Expr::col(clearing::Column::ClassId)))
            .filter(clearing::Column::At.gte(since))
            .all(&self.db)
            .await?;
        let days = day::Entity::find()
            .filter(in_scope(Expr::col(day::Column::ClassId)))
            .filter(day::Column::Day.gte(since_day))
            .filter(day::Column::CreditedMs.gt(0))
            .all(&self.db)
            .await?;
        let sessions = session::Entity::find()
            .filter(in_scope(Expr::col(session::Column::ClassId)))
            .filter(session::Column::OpenedAt.gte(since))
            .all(&self.db)
            .await?;

        // Names of the classes and learners mentioned.
        let mut class_ids: HashSet<String> = HashSet::new();
        let mut user_ids: HashSet<String> = HashSet::new();

        let mut per_class: BTreeMap<String, (i64, HashSet<String>, usize)> = BTreeMap::new();
        for i in &irregular {
            let e = per_class.entry(i.class_id.clone()).or_default();
            e.0 += i.count;
            e.1.insert(i.user_id.clone());
        }
        for k in &clearings {
            per_class.entry(k.class_id.clone()).or_default().2 += 1;
        }
        let mut flagged: Vec<(String, i64, usize, usize)> = per_class
            .into_iter()
            .filter(|(_, (n, _, cleared))| *n >= CLASS_IRREGULARITIES || *cleared > 0)
            .map(|(c, (n, users, cleared))| (c, n, users.len(), cleared))
            .collect();
        flagged.sort_by_key(|f| std::cmp::Reverse((f.3, f.1)));
        flagged.truncate(50);
        class_ids.extend(flagged.iter().map(|f| f.0.clone()));

        let mut per_day: BTreeMap<(String, String), HashSet<String>> = BTreeMap::new();
        for d in &days {
            per_day
                .entry((d.user_id.clone(), d.day.clone()))
                .or_default()
                .insert(d.class_id.clone());
        }
        let mut several: Vec<(String, String, Vec<String>)> = per_day
            .into_iter()
            .filter(|(_, cs)| cs.len() > 1)
            .map(|((u, d), cs)| {
                let mut cs: Vec<String> = cs.into_iter().collect();
                cs.sort();
                (u, d, cs)
            })
            .collect();
        several.sort_by(|a, b| b.1.cmp(&a.1));
        several.truncate(50);
        for (u, _, cs) in &several {
            user_ids.insert(u.clone());
            class_ids.extend(cs.iter().cloned());
        }

        let mut per_ip: BTreeMap<String, (HashSet<String>, HashSet<String>)> = BTreeMap::new();
        for s in &sessions {
            let e = per_ip.entry(s.ip.clone()).or_default();
            e.0.insert(s.user_id.clone());
            e.1.insert(s.class_id.clone());
        }
        let mut shared: Vec<(String, usize, Vec<String>)> = per_ip
            .into_iter()
            .filter(|(ip, (users, _))| !ip.is_empty() && users.len() >= SHARED_IP_LEARNERS)
            .map(|(ip, (users, cs))| {
                let mut cs: Vec<String> = cs.into_iter().collect();
                cs.sort();
                (ip, users.len(), cs)
            })
            .collect();
        shared.sort_by_key(|s| std::cmp::Reverse(s.1));
        shared.truncate(50);
        for (_, _, cs) in &shared {
            class_ids.extend(cs.iter().cloned());
        }

        let mut night: Vec<&session::Model> = sessions
            .iter()
            .filter(|s| china_hour(s.opened_at) < 6 && s.credited_ms >= NIGHT_CREDITED_MS)
            .collect();
        night.sort_by_key(|s| std::cmp::Reverse(s.opened_at));
        night.truncate(50);
        for s in &night {
            user_ids.insert(s.user_id.clone());
            class_ids.insert(s.class_id.clone());
        }

        let classes: HashMap<String, (String, String)> = class::Entity::find()
            .filter(class::Column::Id.is_in(class_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id, (c.name, c.org_id)))
            .collect();
        let orgs: HashMap<String, String> =
            jineng_store::organizations::organization::Entity::find()
                .filter(
                    jineng_store::organizations::organization::Column::Id
                        .is_in(classes.values().map(|(_, o)| o.clone())),
                )
                .all(&self.db)
                .await?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect();
        let users: HashMap<String, String> = user::Entity::find()
            .filter(user::Column::Id.is_in(user_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        let cname = |id: &str| classes.get(id).map(|c| c.0.clone()).unwrap_or_default();
        let named = |cs: Vec<String>| -> Vec<(String, String)> {
            cs.into_iter()
                .map(|c| {
                    let n = cname(&c);
                    (c, n)
                })
                .collect()
        };
        let uname = |id: &str| users.get(id).cloned().unwrap_or_default();
        Ok(Anomalies {
            classes: flagged
                .into_iter()
                .map(|(c, n, learners, cleared)| IrregularClass {
                    class_name: cname(&c),
                    org_name: classes
                        .get(&c)
                        .and_then(|(_, o)| orgs.get(o))
                        .cloned()
                        .unwrap_or_default(),
                    class_id: c,
                    irregularities: n,
                    learners,
                    clearings: cleared,
                })
                .collect(),
            several_classes: several
                .into_iter()
                .map(|(u, d, cs)| SeveralClasses {
                    name: uname(&u),
                    user_id: u,
                    day: d,
                    classes: named(cs),
                })
                .collect(),
            shared_addresses: shared
                .into_iter()
                .map(|(ip, learners, cs)| SharedAddress {
                    ip,
                    learners,
                    classes: named(cs),
                })
                .collect(),
            night: night
                .into_iter()
                .map(|s| NightStudy {
                    user_id: s.user_id.clone(),
                    name: uname(&s.user_id),
                    class_id: s.class_id.clone(),
                    class_name: cname(&s.class_id),
                    opened_at: s.opened_at,
                    credited_ms: ms(s.credited_ms),
                })
                .collect(),
        })
    }
}
