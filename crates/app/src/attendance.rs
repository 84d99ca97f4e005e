//! Offline attendance: sessions (课次) of a running class; learners sign in by scanning a
//! QR code that changes every 30 seconds, or staff mark them present. A learner is counted
//! once per session.
//!
//! Presence has to be earned: a QR sign-in is accepted only within the session's time
//! (with a configurable grace either side), with a code at most `QR_MAX_AGE_SECONDS`
//! old, from the learner's own signed-in device session, which signs in nobody else at
//! that session (the database holds that rule), and records where the phone said it
//! was. Staff cannot mark a session that has not begun.

use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::scope::Scope;
use crate::write::OnUnique;
use chrono::{NaiveDate, NaiveTime};
use hmac::{Hmac, Mac};
use jineng_core::accounts::{Permission, Role};
use jineng_core::classes::{CheckinMethod, ClassStatus, GeoPoint};
use jineng_store::accounts::user;
use jineng_store::classes::{attendance, class, enrollment, session};
use jineng_store::teachers::{booking, teacher};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set, SqlErr};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Seconds a QR code is shown before the next one replaces it.
pub const QR_STEP_SECONDS: i64 = 30;
/// Oldest code accepted, counted from when it first appeared: the time it is shown plus
/// a few seconds for a slow phone — short enough that a forwarded photo arrives late.
pub const QR_MAX_AGE_SECONDS: i64 = QR_STEP_SECONDS + 10;

/// A QR sign-in as the learner's phone sends it.
#[derive(Debug, Clone)]
pub struct CheckIn<'a> {
    /// The code from the QR image.
    pub token: &'a str,
    /// A stable hash of the signed-in session (browser) or access token (app) it came
    /// from; the web layer makes it, the session itself is never stored.
    pub device: &'a str,
    /// Where the phone said it was, if it would say.
    pub location: Option<GeoPoint>,
}

/// A stable, opaque id of the device session a sign-in came from: a hash of the
/// browser's session secret or the app's access token (never stored as such).
pub fn device_id(secret: &str) -> String {
    use sha2::Digest;
    let mut h = Sha256::new();
    h.update(b"jineng-checkin-device\0");
    h.update(secret.as_bytes());
    hex::encode(h.finalize())[..32].to_string()
}

/// What a refused QR sign-in row means. Two constraints can refuse it: the learner's own
/// (another of their phones got there first, between the check and the insert) and the
/// device's (it already signed someone else in). Both backends name the device's index
/// or columns in the message; anything else is passed on.
pub fn checkin_clash(e: sea_orm::DbErr) -> AppError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(m)) if m.contains("device") => AppError::Conflict(
            "这台设备已为其他学员签到过本课次，请每位学员用自己的手机、自己的账号扫码签到".into(),
        ),
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            AppError::Conflict("您已签到，无需重复签到".into())
        }
        _ => e.into(),
    }
}

/// The phone's position from the sign-in form or API: all three parts or none.
pub fn parse_location(
    lat: Option<f64>,
    lng: Option<f64>,
    accuracy_m: Option<f64>,
) -> AppResult<Option<GeoPoint>> {
    match (lat, lng, accuracy_m) {
        (None, None, None) => Ok(None),
        (Some(a), Some(b), Some(c)) => GeoPoint::parse(a, b, c)
            .map(Some)
            .map_err(|m| AppError::field("location", m)),
        _ => Err(AppError::field(
            "location",
            "位置信息不完整：纬度、经度和精度需一并提供",
        )),
    }
}

/// A session's time in UTC, widened by `grace` minutes either side; None if the stored
/// date or times do not parse.
fn session_window(
    s: &session::Model,
    grace: i64,
) -> Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
    let date = NaiveDate::parse_from_str(&s.date, "%Y-%m-%d").ok()?;
    let at = |t: &str| {
        let t = NaiveTime::parse_from_str(t, "%H:%M").ok()?;
        // China Standard Time is UTC+8 all year.
        Some(date.and_time(t).and_utc() - chrono::Duration::hours(8))
    };
    let g = chrono::Duration::minutes(grace.max(0));
    Some((at(&s.starts)? - g, at(&s.ends)? + g))
}

/// A session as typed.
#[derive(Debug, Clone)]
pub struct SessionInput {
    pub date: NaiveDate,
    pub starts: String,
    pub ends: String,
    pub topic: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionView {
    pub id: String,
    pub class_id: String,
    pub date: String,
    pub starts: String,
    pub ends: String,
    pub topic: String,
    pub present: u64,
}

/// What a sign-in screen shows above its code: the class and which session it is.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionHeading {
    pub class_id: String,
    pub class_name: String,
    /// 1-based, in date and time order among the class's sessions.
    pub number: usize,
    pub date: String,
    pub starts: String,
    pub ends: String,
    pub topic: String,
}

fn qr_mac(secret: &str, session_id: &str, step: i64) -> Option<String> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(format!("{session_id}|{step}").as_bytes());
    Some(hex::encode(mac.finalize().into_bytes())[..16].to_string())
}

bounded_context!(
    /// Offline attendance: sessions, QR sign-in, marking, and teachers' classes.
    Attendance,
    attendance
);

/// One learner of the class and how (or whether) they were present at a session.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AttendanceRow {
    pub user_id: String,
    pub name: String,
    pub how: Option<CheckinMethod>,
    /// Where the phone said it was at a QR sign-in.
    pub location: Option<String>,
}

/// A session's attendance sheet as the caller may see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionSheet {
    pub session: SessionView,
    pub class_name: String,
    /// The caller may mark learners present now.
    pub may_mark: bool,
    pub rows: Vec<AttendanceRow>,
}

/// A class a teacher is booked into, with its sessions.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TaughtClass {
    pub id: String,
    pub name: String,
    pub start_date: String,
    pub end_date: String,
    pub sessions: Vec<SessionView>,
}

/// What a signed-in teacher teaches.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Teaching {
    /// The account is matched to a teacher-pool record.
    pub linked: bool,
    pub classes: Vec<TaughtClass>,
}

impl Attendance<'_> {
    /// The teacher-pool record of a signed-in teacher (matched by ID number), if any.
    pub(crate) async fn teacher_record(
        &self,
        who: &Principal,
    ) -> AppResult<Option<teacher::Model>> {
        if !who.has_role(Role::Teacher) {
            return Ok(None);
        }
        let Some(u) = user::Entity::find_by_id(who.user_id.clone())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let Some(bidx) = u.id_number_bidx else {
            return Ok(None);
        };
        Ok(teacher::Entity::find()
            .filter(teacher::Column::IdNumberBidx.eq(bidx))
            .one(&self.db)
            .await?)
    }

    /// Whether the caller is a teacher booked into the class.
    pub(crate) async fn teaches(&self, who: &Principal, class_id: &str) -> AppResult<bool> {
        let Some(t) = self.teacher_record(who).await? else {
            return Ok(false);
        };
        Ok(booking::Entity::find()
            .filter(booking::Column::TeacherId.eq(t.id))
            .filter(booking::Column::ClassId.eq(class_id))
            .count(&self.db)
            .await?
            > 0)
    }

    async fn views(&self, rows: Vec<session::Model>) -> AppResult<Vec<SessionView>> {
        let mut out = Vec::with_capacity(rows.len());
        for s in rows {
            let present = attendance::Entity::find()
                .filter(attendance::Column::SessionId.eq(s.id.clone()))
                .count(&self.db)
                .await?;
            out.push(SessionView {
                id: s.id,
                class_id: s.class_id,
                date: s.date,
                starts: s.starts,
                ends: s.ends,
                topic: s.topic,
                present,
            });
        }
        Ok(out)
    }

    /// The classes the signed-in teacher is booked into, newest first, with sessions.
    pub async fn teaching(&self, who: &Principal) -> AppResult<Teaching> {
        let Some(t) = self.teacher_record(who).await? else {
            return Ok(Teaching {
                linked: false,
                classes: vec![],
            });
        };
        let ids: Vec<String> = booking::Entity::find()
            .filter(booking::Column::TeacherId.eq(t.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|b| b.class_id)
            .collect();
        let classes = class::Entity::find()
            .filter(class::Column::Id.is_in(ids))
            .order_by_desc(class::Column::StartDate)
            .all(&self.db)
            .await?;
        let mut out = Vec::new();
        for c in classes {
            let rows = session::Entity::find()
                .filter(session::Column::ClassId.eq(c.id.clone()))
                .order_by_asc(session::Column::Date)
                .all(&self.db)
                .await?;
            out.push(TaughtClass {
                sessions: self.views(rows).await?,
                id: c.id,
                name: c.name,
                start_date: c.start_date,
                end_date: c.end_date,
            });
        }
        Ok(Teaching {
            linked: true,
            classes: out,
        })
    }

    /// A class of the caller's own organisation that is running (or, for adding
    /// sessions, filed and about to run).
    async fn own_running_class(
        &self,
        who: &Principal,
        class_id: &str,
        allow_approved: bool,
    ) -> AppResult<class::Model> {
        let c = self.classes().own(who, class_id).await?;
        self.organizations().operating(who).await?;
        let ok = c.status == ClassStatus::InTraining
            || (allow_approved && c.status == ClassStatus::Approved);
        if !ok {
            return Err(AppError::Conflict(format!(
                "培训班当前状态为“{}”，不能进行考勤",
                c.status.label()
            )));
        }
        Ok(c)
    }

    pub async fn add_session(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
        i: &SessionInput,
    ) -> AppResult<String> {
        let (date, starts, ends, topic) =
            (i.date, i.starts.as_str(), i.ends.as_str(), i.topic.as_str());
        let c = self.own_running_class(who, class_id, true).await?;
        let t = |s: &str| {
            NaiveTime::parse_from_str(s.trim(), "%H:%M")
                .map_err(|_| AppError::field("starts", "时间格式应为 时:分，如 09:00"))
        };
        let (a, b) = (t(starts)?, t(ends)?);
        if b <= a {
            return Err(AppError::field("ends", "结束时间应晚于开始时间"));
        }
        let d = date.to_string();
        if d < c.start_date || d > c.end_date {
            return Err(AppError::field(
                "date",
                format!("课次日期应在培训期间（{} 至 {}）", c.start_date, c.end_date),
            ));
        }
        let topic = topic.trim();
        if topic.is_empty() || topic.chars().count() > 100 {
            return Err(AppError::field(
                "topic",
                "课次内容不能为空，且不超过100个字符",
            ));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let secret = self
            .keyring
            .encrypt(
                &crate::crypto::random_token(),
                crate::crypto::pii::Place::new("class_sessions", "qr_secret_enc", &id),
            )
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let w = self.write(who, ctx).await?;
        session::Entity::insert(session::ActiveModel {
            id: Set(id.clone()),
            class_id: Set(c.id.clone()),
            date: Set(d.clone()),
            starts: Set(a.format("%H:%M").to_string()),
            ends: Set(b.format("%H:%M").to_string()),
            topic: Set(topic.into()),
            qr_secret_enc: Set(secret),
            created_at: Set(w.now),
        })
        .exec(&w.txn)
        .await?;
        w.commit(Entry::ok(
            "class.add_session",
            "class",
            &c.id,
            serde_json::json!({"session": id, "date": d, "topic": topic}),
        ))
        .await?;
        Ok(id)
    }

    /// The sessions of a class the caller may see.
    pub async fn sessions(&self, who: &Principal, class_id: &str) -> AppResult<Vec<SessionView>> {
        let c = self
            .find_scoped::<class::Entity>(who, Permission::ViewOrganizations, class_id)
            .await?;
        let rows = session::Entity::find()
            .filter(session::Column::ClassId.eq(c.id))
            .order_by_asc(session::Column::Date)
            .order_by_asc(session::Column::Starts)
            .all(&self.db)
            .await?;
        self.views(rows).await
    }

    /// A session seen by the class's staff and regulators, or by its own learners and
    /// teachers.
    async fn session(&self, who: &Principal, session_id: &str) -> AppResult<session::Model> {
        match who.scope(Permission::ViewOrganizations) {
            Some(scope) => {
                self.find_in_scope::<session::Entity>(&scope, session_id)
                    .await
            }
            None => {
                self.find_in_scope::<session::Entity>(
                    &Scope::OwnUser(who.user_id.clone()),
                    session_id,
                )
                .await
            }
        }
    }

    /// The current sign-in token for a session (shown as a QR code) and seconds until it changes.
    /// The class and session a sign-in code is for.
    pub async fn heading(&self, who: &Principal, session_id: &str) -> AppResult<SessionHeading> {
        let s = self.session(who, session_id).await?;
        let c = class::Entity::find_by_id(s.class_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("培训班"))?;
        let all = session::Entity::find()
            .filter(session::Column::ClassId.eq(c.id.clone()))
            .order_by_asc(session::Column::Date)
            .order_by_asc(session::Column::Starts)
            .all(&self.db)
            .await?;
        Ok(SessionHeading {
            number: all.iter().position(|x| x.id == s.id).map_or(0, |i| i + 1),
            class_id: c.id,
            class_name: c.name,
            date: s.date,
            starts: s.starts,
            ends: s.ends,
            topic: s.topic,
        })
    }

    pub async fn qr(&self, who: &Principal, session_id: &str) -> AppResult<(String, i64)> {
        let s = self.session(who, session_id).await?;
        self.own_running_class(who, &s.class_id, false).await?;
        let now = self.now();
        match session_window(&s, self.security.checkin_grace_minutes) {
            Some((from, until)) if now >= from && now <= until => {}
            _ => {
                return Err(AppError::Conflict(format!(
                    "签到二维码只在上课时间（{} {}–{}，前后{}分钟）内生成",
                    s.date, s.starts, s.ends, self.security.checkin_grace_minutes
                )));
            }
        }
        let secret = self
            .keyring
            .decrypt(
                &s.qr_secret_enc,
                crate::crypto::pii::Place::new("class_sessions", "qr_secret_enc", &s.id),
            )
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let now = now.timestamp();
        let step = now / QR_STEP_SECONDS;
        let mac =
            qr_mac(&secret, &s.id, step).ok_or_else(|| AppError::Internal("qr mac".into()))?;
        Ok((
            format!("{step}.{mac}"),
            QR_STEP_SECONDS - now % QR_STEP_SECONDS,
        ))
    }

    /// A learner signs in with the token from the QR code. Returns the class name.
    pub async fn check_in(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        session_id: &str,
        input: &CheckIn<'_>,
    ) -> AppResult<String> {
        let token = input.token;
        // Only sessions of a class the learner is enrolled in exist for them.
        let s = self
            .find_in_scope::<session::Entity>(&Scope::OwnUser(who.user_id.clone()), session_id)
            .await?;
        let c = class::Entity::find_by_id(s.class_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("课次"))?;
        let enrolled = enrollment::Entity::find()
            .filter(enrollment::Column::ClassId.eq(c.id.clone()))
            .filter(enrollment::Column::UserId.eq(who.user_id.clone()))
            .one(&self.db)
            .await?;
        if enrolled.is_none() {
            return Err(AppError::NotFound("课次"));
        }
        let now = self.now();
        let open = session_window(&s, self.security.checkin_grace_minutes)
            .is_some_and(|(from, until)| now >= from && now <= until);
        if c.status != ClassStatus::InTraining || !open {
            return Err(AppError::Conflict(format!(
                "当前不在该课次的签到时间内（{} {}–{}）",
                s.date, s.starts, s.ends
            )));
        }
        if input.device.is_empty() {
            return Err(AppError::Unauthenticated);
        }
        let secret = self
            .keyring
            .decrypt(
                &s.qr_secret_enc,
                crate::crypto::pii::Place::new("class_sessions", "qr_secret_enc", &s.id),
            )
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let (step, mac) = token
            .split_once('.')
            .ok_or_else(|| AppError::field("token", "签到码无效，请重新扫码"))?;
        let step: i64 = step
            .parse()
            .map_err(|_| AppError::field("token", "签到码无效，请重新扫码"))?;
        // A code is fresh from when it first appeared until QR_MAX_AGE_SECONDS later;
        // codes from the future are not.
        let age = now.timestamp() - step.saturating_mul(QR_STEP_SECONDS);
        let fresh = (0..=QR_MAX_AGE_SECONDS).contains(&age);
        let right = qr_mac(&secret, &s.id, step)
            .is_some_and(|m| bool::from(m.as_bytes().ct_eq(mac.as_bytes())));
        if !right {
            return Err(AppError::field("token", "签到码无效，请重新扫码"));
        }
        if !fresh {
            return Err(AppError::field(
                "token",
                "签到码已过期，请扫描屏幕上最新的二维码",
            ));
        }
        let w = self.write(who, ctx).await?;
        let mine = attendance::Entity::find_by_id((s.id.clone(), who.user_id.clone()))
            .one(&w.txn)
            .await?;
        if mine.is_some() {
            return Err(AppError::Conflict("您已签到，无需重复签到".into()));
        }
        attendance::Entity::insert(attendance::ActiveModel {
            session_id: Set(s.id.clone()),
            user_id: Set(who.user_id.clone()),
            how: Set(CheckinMethod::Qr),
            at: Set(w.now),
            device: Set(Some(input.device.to_string())),
            lat_e6: Set(input.location.map(|p| p.lat_e6)),
            lng_e6: Set(input.location.map(|p| p.lng_e6)),
            accuracy_m: Set(input.location.map(|p| p.accuracy_m)),
        })
        .exec(&w.txn)
        .await
        .map_err(checkin_clash)?;
        w.commit(Entry::ok(
            "attendance.check_in",
            "class_session",
            &s.id,
            serde_json::json!({"class": c.id, "located": input.location.is_some()}),
        ))
        .await?;
        Ok(c.name)
    }

    /// Staff or the class's booked teacher mark learners present (those already signed in
    /// stay as they are).
    pub async fn mark(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        session_id: &str,
        user_ids: &[String],
    ) -> AppResult<usize> {
        let s = self.session(who, session_id).await?;
        let c = if self.teaches(who, &s.class_id).await? {
            let c = class::Entity::find_by_id(s.class_id.clone())
                .one(&self.db)
                .await?
                .ok_or(AppError::NotFound("课次"))?;
            if c.status != ClassStatus::InTraining {
                return Err(AppError::Conflict("培训班不在培训中，不能登记考勤".into()));
            }
            c
        } else {
            self.own_running_class(who, &s.class_id, false).await?
        };
        let started = session_window(&s, self.security.checkin_grace_minutes)
            .is_some_and(|(from, _)| self.now() >= from);
        if !started {
            return Err(AppError::Conflict(format!(
                "课次尚未开始（{} {}），不能提前登记考勤",
                s.date, s.starts
            )));
        }
        let members: std::collections::HashSet<String> = enrollment::Entity::find()
            .filter(enrollment::Column::ClassId.eq(c.id.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| e.user_id)
            .collect();
        if let Some(bad) = user_ids.iter().find(|u| !members.contains(*u)) {
            return Err(AppError::field("learners", format!("{bad} 不是本班学员")));
        }
        let already: std::collections::HashSet<String> = attendance::Entity::find()
            .filter(attendance::Column::SessionId.eq(s.id.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| a.user_id)
            .collect();
        let new: Vec<String> = user_ids
            .iter()
            .filter(|u| !already.contains(*u))
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if new.is_empty() {
            return Ok(0);
        }
        let w = self.write(who, ctx).await?;
        let rows: Vec<attendance::ActiveModel> = new
            .iter()
            .map(|u| attendance::ActiveModel {
                session_id: Set(s.id.clone()),
                user_id: Set(u.clone()),
                how: Set(CheckinMethod::Marked),
                at: Set(w.now),
                device: Set(None),
                lat_e6: Set(None),
                lng_e6: Set(None),
                accuracy_m: Set(None),
            })
            .collect();
        attendance::Entity::insert_many(rows)
            .exec(&w.txn)
            .await
            .on_unique(|| AppError::Conflict("考勤刚被他人登记，请刷新后重试".into()))?;
        w.commit(Entry::ok(
            "attendance.mark",
            "class_session",
            &s.id,
            serde_json::json!({"learners": new}),
        ))
        .await?;
        Ok(new.len())
    }

    /// The session, its class, everyone in the class with how (or whether) they were
    /// present, and whether the caller may mark attendance: the class's institution
    /// staff, or a teacher booked into the class.
    pub async fn sheet(&self, who: &Principal, session_id: &str) -> AppResult<SessionSheet> {
        let s = self.session(who, session_id).await?;
        let c = class::Entity::find_by_id(s.class_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("课次"))?;
        let running = c.status == ClassStatus::InTraining;
        let (learners, may_mark) = if self.teaches(who, &c.id).await? {
            (self.classes().roster(&c.id).await?, running)
        } else {
            if !who.can(Permission::ViewOrganizations) {
                return Err(AppError::NotFound("课次"));
            }
            let learners = self.classes().get(who, &c.id).await?.1;
            (learners, running && who.works_for(&c.org_id))
        };
        let present: std::collections::HashMap<String, (CheckinMethod, Option<String>)> =
            attendance::Entity::find()
                .filter(attendance::Column::SessionId.eq(s.id.clone()))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|a| {
                    let at = match (a.lat_e6, a.lng_e6, a.accuracy_m) {
                        (Some(lat_e6), Some(lng_e6), Some(accuracy_m)) => Some(
                            GeoPoint {
                                lat_e6,
                                lng_e6,
                                accuracy_m,
                            }
                            .label(),
                        ),
                        _ => None,
                    };
                    (a.user_id, (a.how, at))
                })
                .collect();
        let session = self
            .views(vec![s])
            .await?
            .pop()
            .ok_or(AppError::NotFound("课次"))?;
        Ok(SessionSheet {
            session,
            class_name: c.name,
            may_mark,
            rows: learners
                .into_iter()
                .map(|l| {
                    let (how, location) = match present.get(&l.user_id) {
                        Some((how, at)) => (Some(*how), at.clone()),
                        None => (None, None),
                    };
                    AttendanceRow {
                        how,
                        location,
                        user_id: l.user_id,
                        name: l.name,
                    }
                })
                .collect(),
        })
    }
}
