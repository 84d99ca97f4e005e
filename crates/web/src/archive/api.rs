//! `GET /api/v1/learners/{id}/archive`.

use crate::AppState;
use crate::http::api::Caller;
use crate::http::error::{ApiError, Problem};
use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use jineng_app::archive::Archive;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ArchiveClassOut {
    pub class_id: String,
    pub class_name: String,
    pub org_name: String,
    pub project_name: String,
    pub delivery_label: String,
    pub start_date: String,
    pub end_date: String,
    pub status_label: String,
    pub offline_hours: u32,
    pub sessions_attended: u32,
    pub sessions_total: u32,
    /// Online class hours credited in the class, in tenths.
    pub online_tenths: u64,
    pub online_required_hours: u32,
    pub outcome_label: String,
}

#[derive(Serialize, ToSchema)]
pub struct ArchiveCourseOut {
    /// Empty for a public-welfare course studied on one's own.
    pub class_id: String,
    pub class_name: String,
    pub package_id: String,
    pub course_name: String,
    /// Credited and standing now, milliseconds.
    pub credited_ms: u64,
    pub lessons_completed: u32,
    pub lessons_started: u32,
}

#[derive(Serialize, ToSchema)]
pub struct ArchiveClearingOut {
    pub at: DateTime<Utc>,
    pub class_name: String,
    pub course_name: String,
    pub reason: String,
    pub nth: u32,
    pub cleared_ms: u64,
}

/// The best result of one exam, with its evidence-log entry.
#[derive(Serialize, ToSchema)]
pub struct ArchiveExamOut {
    pub exam_id: String,
    pub class_id: String,
    pub title: String,
    pub kind: jineng_core::exams::ExamKind,
    pub attempts: u32,
    pub best: u32,
    pub total: u32,
    pub pass_mark: u32,
    pub passed: bool,
    pub at: Option<DateTime<Utc>>,
    /// `exam_result:<attempt id>`
    pub record_id: String,
    /// Its place in the evidence log.
    pub index: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct ArchiveProofLineOut {
    pub class_name: String,
    pub course_name: String,
    pub days: usize,
    pub clearings: usize,
    pub credited_ms: u64,
    pub cleared_ms: u64,
    pub net_ms: u64,
}

/// The online totals as the evidence log holds them: the learner's newest study summary.
#[derive(Serialize, ToSchema)]
pub struct ArchiveProofOut {
    /// The last closed day covered, YYYY-MM-DD.
    pub as_of: String,
    pub total_ms: u64,
    pub lines: Vec<ArchiveProofLineOut>,
    /// The summary's index in the evidence log.
    pub index: u64,
    pub record_id: String,
    /// The summary's canonical text; its SHA-256 is the entry's record hash.
    pub canonical: String,
    pub sha256: String,
    /// The proof bundle (JSON text) once a signed checkpoint covers the entry.
    pub bundle: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ArchiveOut {
    pub user_id: String,
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub classes: Vec<ArchiveClassOut>,
    pub courses: Vec<ArchiveCourseOut>,
    pub clearings: Vec<ArchiveClearingOut>,
    pub exams: Vec<ArchiveExamOut>,
    pub certificates: Vec<crate::certificates::api::CertificateOut>,
    /// Skill-level certificates reported by appraisal organisations.
    pub skill_certificates: Vec<crate::skills::api::SkillCertificateOut>,
    /// Online time standing now over all courses, milliseconds.
    pub online_ms: u64,
    pub offline_hours: u32,
    pub proof: Option<ArchiveProofOut>,
    pub issued_at: DateTime<Utc>,
}

impl From<Archive> for ArchiveOut {
    fn from(a: Archive) -> Self {
        ArchiveOut {
            user_id: a.learner.id,
            name: a.learner.name,
            id_number: a.learner.id_number,
            classes: a
                .classes
                .into_iter()
                .map(|c| {
                    let me = c.me;
                    ArchiveClassOut {
                        class_id: c.class.id,
                        class_name: c.class.name,
                        org_name: c.class.org_name,
                        project_name: c.class.project_name,
                        delivery_label: c.class.delivery_label.into(),
                        start_date: c.class.start_date,
                        end_date: c.class.end_date,
                        status_label: c.class.status_label.into(),
                        offline_hours: me.as_ref().map_or(0, |m| m.offline_hours),
                        sessions_attended: me.as_ref().map_or(0, |m| m.sessions_attended),
                        sessions_total: me.as_ref().map_or(0, |m| m.sessions_total),
                        online_tenths: me.as_ref().map_or(0, |m| m.online_tenths),
                        online_required_hours: me.as_ref().map_or(0, |m| m.online_required_hours),
                        outcome_label: me.map(|m| m.outcome_label.to_string()).unwrap_or_default(),
                    }
                })
                .collect(),
            courses: a
                .courses
                .into_iter()
                .map(|c| ArchiveCourseOut {
                    class_id: c.class_id,
                    class_name: c.class_name,
                    package_id: c.package_id,
                    course_name: c.course_name,
                    credited_ms: c.credited_ms,
                    lessons_completed: c.lessons_completed,
                    lessons_started: c.lessons_started,
                })
                .collect(),
            clearings: a
                .clearings
                .into_iter()
                .map(|k| ArchiveClearingOut {
                    at: k.at,
                    class_name: k.class_name,
                    course_name: k.course_name,
                    reason: k.reason.into(),
                    nth: k.nth,
                    cleared_ms: k.cleared_ms,
                })
                .collect(),
            exams: a
                .exams
                .into_iter()
                .map(|e| ArchiveExamOut {
                    exam_id: e.exam_id,
                    class_id: e.class_id,
                    title: e.title,
                    kind: e.kind,
                    attempts: e.attempts,
                    best: e.best,
                    total: e.total,
                    pass_mark: e.pass_mark,
                    passed: e.passed,
                    at: e.at,
                    record_id: e.record_id,
                    index: e.index,
                })
                .collect(),
            certificates: a.certificates.into_iter().map(Into::into).collect(),
            skill_certificates: a.skill_certificates.into_iter().map(Into::into).collect(),
            online_ms: a.online_ms,
            offline_hours: a.offline_hours,
            proof: a.proof.map(|p| ArchiveProofOut {
                as_of: p.as_of,
                total_ms: p.total_ms,
                lines: p
                    .lines
                    .into_iter()
                    .map(|l| ArchiveProofLineOut {
                        class_name: l.class_name,
                        course_name: l.course_name,
                        days: l.days,
                        clearings: l.clearings,
                        credited_ms: l.credited_ms,
                        cleared_ms: l.cleared_ms,
                        net_ms: l.net_ms,
                    })
                    .collect(),
                index: p.index,
                record_id: p.record_id,
                canonical: p.canonical,
                sha256: p.sha256,
                bundle: p.bundle,
            }),
            issued_at: a.issued_at,
        }
    }
}

#[utoipa::path(get, path = "/learners/{id}/archive", tag = "learners", params(("id" = String, Path, description = "the learner's user id")),
    responses((status = 200, body = ArchiveOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<ArchiveOut>, ApiError> {
    Ok(Json(s.app.archives().get(&who, &id).await?.into()))
}
