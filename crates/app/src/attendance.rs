//! Offline attendance: sessions (课次) of a running class; learners sign in by scanning a
//! QR code that changes every 30 seconds (so a photo of it is useless a minute later), or
//! staff mark them present. A learner is counted once per session.

use crate::audit::{self, Entry};
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::{App, tx::begin_write};
use chrono::{NaiveDate, NaiveTime};
use hmac::{Hmac, Mac};
use jineng_core::accounts::Permission;
use jineng_core::classes::ClassStatus;
use jineng_store::classes::{attendance, class, enrollment, session};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Seconds a QR code stays valid before the next one replaces it (one step either side
/// is still accepted, for slow phones).
pub const QR_STEP_SECONDS: i64 = 30;

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
    pub date: String,
    pub starts: String,
    pub ends: String,
    pub topic: String,
    pub present: u64,
}

fn qr_mac(secret: &str, session_id: &str, step: i64) -> Option<String> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(format!("{session_id}|{step}").as_bytes());
    Some(hex::encode(mac.finalize().into_bytes())[..16].to_string())
}

impl App {
    /// The teacher-pool record of a signed-in teacher (matched by ID number), if any.
    pub async fn teacher_record_of(
        &self,
        who: &Principal,
    ) -> AppResult<Option<jineng_store::teachers::teacher::Model>> {
        if !who.has_role(jineng_core::accounts::Role::Teacher) {
            return Ok(None);
        }
        let Some(u) = jineng_store::accounts::user::Entity::find_by_id(who.user_id.clone())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let Some(bidx) = u.id_number_bidx else {
            return Ok(None);
        };
        Ok(jineng_store::teachers::teacher::Entity::find()
            .filter(jineng_store::teachers::teacher::Column::IdNumberBidx.eq(bidx))
            .one(&self.db)
            .await?)
    }

    /// Whether the caller is a teacher booked into the class.
    async fn teaches(&self, who: &Principal, class_id: &str) -> AppResult<bool> {
        let Some(t) = self.teacher_record_of(who).await? else {
            return Ok(false);
        };
        use jineng_store::teachers::booking;
        Ok(booking::Entity::find()
            .filter(booking::Column::TeacherId.eq(t.id))
            .filter(booking::Column::ClassId.eq(class_id))
            .count(&self.db)
            .await?
            > 0)
    }

    /// Classes the signed-in teacher is booked into, newest first.
    pub async fn teaching_classes(
        &self,
        who: &Principal,
    ) -> AppResult<Vec<(class::Model, Vec<SessionView>)>> {
        let Some(t) = self.teacher_record_of(who).await? else {
            return Ok(vec![]);
        };
        use jineng_store::teachers::booking;
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
            let mut sessions = Vec::new();
            for s in rows {
                let present = attendance::Entity::find()
                    .filter(attendance::Column::SessionId.eq(s.id.clone()))
                    .count(&self.db)
                    .await?;
                sessions.push(SessionView {
                    id: s.id,
                    date: s.date,
                    starts: s.starts,
                    ends: s.ends,
                    topic: s.topic,
                    present,
                });
            }
            out.push((c, sessions));
        }
        Ok(out)
    }

    fn local_today(&self) -> NaiveDate {
        (self.now() + chrono::Duration::hours(8)).date_naive()
    }

    async fn own_running_class(
        &self,
        who: &Principal,
        class_id: &str,
        allow_approved: bool,
    ) -> AppResult<class::Model> {
        let org = self.organizations().operating(who).await?;
        let c = class::Entity::find_by_id(class_id.to_string())
            .one(&self.db)
            .await?
            .filter(|c| c.org_id == org.id)
            .ok_or(AppError::NotFound("培训班"))?;
        let status = c.status;
        let ok = status == ClassStatus::InTraining
            || (allow_approved && status == ClassStatus::Approved);
        if !ok {
            return Err(AppError::Conflict(format!(
                "培训班当前状态为“{}”，不能进行考勤",
                status.label()
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
        let now = self.now();
        let id = uuid::Uuid::now_v7().to_string();
        let secret = self
            .keyring
            .encrypt(&crate::crypto::random_token())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let txn = begin_write(&self.db).await?;
        session::Entity::insert(session::ActiveModel {
            id: Set(id.clone()),
            class_id: Set(c.id.clone()),
            date: Set(d.clone()),
            starts: Set(a.format("%H:%M").to_string()),
            ends: Set(b.format("%H:%M").to_string()),
            topic: Set(topic.into()),
            qr_secret_enc: Set(secret),
            created_at: Set(now),
        })
        .exec(&txn)
        .await?;
        audit::append(
            &txn,
            now,
            who.into(),
            ctx,
            Entry {
                action: "class.add_session",
                object_type: "class",
                object_id: &c.id,
                changes: serde_json::json!({"session": id, "date": d, "topic": topic}),
                outcome: "ok",
            },
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    pub async fn class_sessions(
        &self,
        who: &Principal,
        class_id: &str,
    ) -> AppResult<Vec<SessionView>> {
        self.classes().get(who, class_id).await?;
        let rows = session::Entity::find()
            .filter(session::Column::ClassId.eq(class_id))
            .order_by_asc(session::Column::Date)
            .order_by_asc(session::Column::Starts)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for s in rows {
            let present = attendance::Entity::find()
                .filter(attendance::Column::SessionId.eq(s.id.clone()))
                .count(&self.db)
                .await?;
            out.push(SessionView {
                id: s.id,
                date: s.date,
                starts: s.starts,
                ends: s.ends,
                topic: s.topic,
                present,
            });
        }
        Ok(out)
    }

    async fn session_of(&self, session_id: &str) -> AppResult<session::Model> {
        session::Entity::find_by_id(session_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("课次"))
    }

    /// The current sign-in token for a session (shown as a QR code) and seconds until it changes.
    pub async fn session_qr(&self, who: &Principal, session_id: &str) -> AppResult<(String, i64)> {
        let s = self.session_of(session_id).await?;
        self.own_running_class(who, &s.class_id, false).await?;
        if s.date != self.local_today().to_string() {
            return Err(AppError::Conflict(format!(
                "签到二维码只在上课当天（{}）生成",
                s.date
            )));
        }
        let secret = self
            .keyring
            .decrypt(&s.qr_secret_enc)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let now = self.now().timestamp();
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
        token: &str,
    ) -> AppResult<String> {
        let s = self.session_of(session_id).await?;
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
        if c.status != ClassStatus::InTraining || s.date != self.local_today().to_string() {
            return Err(AppError::Conflict("当前不在该课次的签到时间内".into()));
        }
        let secret = self
            .keyring
            .decrypt(&s.qr_secret_enc)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let current = self.now().timestamp() / QR_STEP_SECONDS;
        let (step, mac) = token
            .split_once('.')
            .ok_or_else(|| AppError::field("token", "签到码无效，请重新扫码"))?;
        let step: i64 = step
            .parse()
            .map_err(|_| AppError::field("token", "签到码无效，请重新扫码"))?;
        let fresh = (current - step).abs() <= 1;
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
        let now = self.now();
        let txn = begin_write(&self.db).await?;
        attendance::Entity::insert(attendance::ActiveModel {
            session_id: Set(s.id.clone()),
            user_id: Set(who.user_id.clone()),
            how: Set("qr".into()),
            at: Set(now),
        })
        .exec(&txn)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                AppError::Conflict("您已签到，无需重复签到".into())
            }
            _ => e.into(),
        })?;
        audit::append(
            &txn,
            now,
            who.into(),
            ctx,
            Entry {
                action: "attendance.check_in",
                object_type: "class_session",
                object_id: &s.id,
                changes: serde_json::json!({"class": c.id}),
                outcome: "ok",
            },
        )
        .await?;
        txn.commit().await?;
        Ok(c.name)
    }

    /// Staff mark learners present (those already signed in stay as they are).
    pub async fn mark_attendance(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        session_id: &str,
        user_ids: &[String],
    ) -> AppResult<usize> {
        let s = self.session_of(session_id).await?;
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
        let now = self.now();
        let txn = begin_write(&self.db).await?;
        let rows: Vec<attendance::ActiveModel> = new
            .iter()
            .map(|u| attendance::ActiveModel {
                session_id: Set(s.id.clone()),
                user_id: Set(u.clone()),
                how: Set("marked".into()),
                at: Set(now),
            })
            .collect();
        attendance::Entity::insert_many(rows).exec(&txn).await?;
        audit::append(
            &txn,
            now,
            who.into(),
            ctx,
            Entry {
                action: "attendance.mark",
                object_type: "class_session",
                object_id: &s.id,
                changes: serde_json::json!({"learners": new}),
                outcome: "ok",
            },
        )
        .await?;
        txn.commit().await?;
        Ok(new.len())
    }

    /// Everyone in the class with how (or whether) they were present at the session.
    pub async fn session_attendance(
        &self,
        who: &Principal,
        session_id: &str,
    ) -> AppResult<(session::Model, Vec<(String, String, Option<String>)>)> {
        let s = self.session_of(session_id).await?;
        let learners = if self.teaches(who, &s.class_id).await? {
            self.classes().roster(&s.class_id).await?
        } else {
            if !who.can(Permission::ViewOrganizations) {
                return Err(AppError::Forbidden);
            }
            self.classes().get(who, &s.class_id).await?.1
        };
        let present: std::collections::HashMap<String, String> = attendance::Entity::find()
            .filter(attendance::Column::SessionId.eq(s.id.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| (a.user_id, a.how))
            .collect();
        Ok((
            s,
            learners
                .into_iter()
                .map(|l| {
                    let how = present.get(&l.user_id).cloned();
                    (l.user_id, l.name, how)
                })
                .collect(),
        ))
    }
}

impl App {
    /// The session, its class, and whether the caller may mark attendance for it:
    /// the class's institution staff, or a teacher booked into the class.
    pub async fn session_context(
        &self,
        who: &Principal,
        session_id: &str,
    ) -> AppResult<(session::Model, class::Model, bool)> {
        let s = self.session_of(session_id).await?;
        let c = class::Entity::find_by_id(s.class_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("课次"))?;
        let running = c.status == ClassStatus::InTraining;
        if self.teaches(who, &c.id).await? {
            return Ok((s, c, running));
        }
        self.classes().get(who, &c.id).await?;
        let own = who.org_ids().contains(&c.org_id);
        Ok((s, c, own && running))
    }
}
