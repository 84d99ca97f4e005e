//! Teacher pages: the pool (institutions add, regulators approve or return) and booking
//! a teacher into a class.

use crate::AppState;
use crate::http::error::PageError;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use crate::teachers::api::{TeacherIn, parse_teacher};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::certificates::CertificateView;
use jineng_app::qualifications::QualificationInput;
use jineng_app::teachers::TeacherView;
use jineng_core::accounts::{Permission, Role};
use jineng_core::review::{Decision, ReviewStatus};
use jineng_core::teachers::TEACHER_LEVELS;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "teachers/list.html")]
pub struct TeachersPage {
    layout: Layout,
    items: Vec<TeacherView>,
    /// Teacher id → last valid day of their current qualification (师资上岗资格).
    qualified: std::collections::HashMap<String, String>,
    status: String,
    q: String,
    may_add: bool,
    may_decide: bool,
    levels: &'static [(&'static str, &'static str)],
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct StatusQuery {
    #[serde(default)]
    status: String,
    /// Name or subject (substring).
    #[serde(default)]
    q: String,
}

/// The caller's teacher list, narrowed by name or subject.
async fn teachers(
    s: &AppState,
    u: &PageUser,
    q: &StatusQuery,
) -> Result<Vec<TeacherView>, PageError> {
    let needle = q.q.trim();
    Ok(s.app
        .teachers()
        .list(&u.principal, ReviewStatus::parse(&q.status))
        .await?
        .into_iter()
        .filter(|t| needle.is_empty() || t.name.contains(needle) || t.subjects.contains(needle))
        .collect())
}

async fn page(
    s: &AppState,
    u: &PageUser,
    q: StatusQuery,
    error: Option<String>,
) -> Result<TeachersPage, PageError> {
    let items = teachers(s, u, &q).await?;
    let ids: Vec<String> = items.iter().map(|t| t.teacher_id.clone()).collect();
    let qualified = s.app.qualifications().current(&ids).await?;
    Ok(TeachersPage {
        layout: Layout::new("师资", u, "/teachers"),
        items,
        qualified,
        status: q.status,
        q: q.q,
        may_add: u.principal.has_role(Role::InstitutionAdmin),
        may_decide: u.principal.can(Permission::ReviewOrganizations),
        levels: &TEACHER_LEVELS,
        error,
    })
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<StatusQuery>,
) -> Result<TeachersPage, PageError> {
    page(&s, &u, q, None).await
}

/// The filtered teacher list as xlsx.
pub async fn export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Query(q): Query<StatusQuery>,
) -> Result<Response, PageError> {
    let rows: Vec<Vec<String>> = teachers(&s, &u, &q)
        .await?
        .into_iter()
        .map(|t| {
            vec![
                t.name,
                t.id_number,
                t.org_name,
                if t.full_time { "专职" } else { "兼职" }.into(),
                t.subjects,
                t.level_label.into(),
                t.qualifications,
                t.years_teaching.to_string(),
                t.status_label.into(),
            ]
        })
        .collect();
    s.app
        .audit()
        .record_export(
            &u.principal,
            &ctx,
            "teacher",
            serde_json::json!({"status": q.status, "q": q.q}),
            rows.len(),
        )
        .await?;
    let headers = [
        "姓名",
        "身份证号",
        "机构",
        "专兼职",
        "授课科目",
        "教师等级",
        "资格证书",
        "教龄",
        "状态",
    ];
    Ok(crate::http::export::xlsx_response(
        jineng_app::export::xlsx("师资", &headers, &rows)?,
        "teachers.xlsx",
    ))
}

#[derive(Deserialize, Default)]
pub struct TeacherForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    full_time: Option<String>,
    #[serde(default)]
    subjects: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    qualifications: String,
    #[serde(default)]
    years_teaching: String,
    #[serde(default)]
    experience: String,
}

pub async fn add(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<TeacherForm>,
) -> Result<Response, PageError> {
    let today = s
        .app
        .now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let mut n = crate::http::form::FormNumbers::default();
    let years_teaching = n.int("years_teaching", "任教年限", &f.years_teaching, false);
    let raw = TeacherIn {
        name: f.name,
        id_number: f.id_number,
        full_time: f.full_time.is_some(),
        subjects: f.subjects,
        level: f.level,
        qualifications: f.qualifications,
        years_teaching,
        experience: f.experience,
    };
    let result = match n.check().and_then(|()| parse_teacher(raw, today)) {
        Ok(i) => s
            .app
            .teachers()
            .add(&u.principal, &ctx, i)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/teachers").into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((
                status,
                page(&s, &u, StatusQuery::default(), Some(msg)).await?,
            )
                .into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .teachers()
        .decide(
            &u.principal,
            &ctx,
            &id,
            if f.action == "approve" {
                Decision::Approve
            } else {
                Decision::Return
            },
            &f.reason,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to("/teachers?status=submitted").into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((
                status,
                page(
                    &s,
                    &u,
                    StatusQuery {
                        status: "submitted".into(),
                        q: String::new(),
                    },
                    Some(msg),
                )
                .await?,
            )
                .into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct BookForm {
    #[serde(default)]
    teacher_id: String,
}

pub async fn book(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<BookForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .teachers()
        .book(&u.principal, &ctx, &id, &f.teacher_id)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/classes/{id}")).into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok(crate::classes::pages::detail_with_error(&s, &u, &id, status, msg).await)
        }
    }
}

/// One teacher of the pool: who they are, and their qualification certificates, which a
/// regulator of the region grants or renews here.
#[derive(Template, WebTemplate)]
#[template(path = "teachers/detail.html")]
pub struct TeacherPage {
    layout: Layout,
    t: TeacherView,
    qualifications: Vec<CertificateView>,
    may_qualify: bool,
    subject: String,
    years: u32,
    error: Option<String>,
    ok: bool,
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    #[serde(default)]
    ok: String,
}

async fn detail_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    form: Option<&QualifyForm>,
    error: Option<String>,
    ok: bool,
) -> Result<TeacherPage, PageError> {
    let t = s.app.teachers().get(&u.principal, id).await?;
    let qualifications = s.app.qualifications().of_teacher(&u.principal, id).await?;
    let subject = match form {
        Some(f) => f.subject.clone(),
        None => qualifications
            .first()
            .map(|c| c.project.clone())
            .unwrap_or_else(|| t.subjects.chars().take(50).collect()),
    };
    Ok(TeacherPage {
        layout: Layout::new("师资", u, "/teachers"),
        may_qualify: u.principal.can(Permission::ReviewOrganizations)
            && t.status == ReviewStatus::Approved,
        years: form.and_then(|f| f.years.trim().parse().ok()).unwrap_or(3),
        t,
        qualifications,
        subject,
        error,
        ok,
    })
}

pub async fn detail(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<TeacherPage, PageError> {
    detail_page(&s, &u, &id, None, None, q.ok == "qualified").await
}

#[derive(Deserialize, Default)]
pub struct QualifyForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    years: String,
}

pub async fn qualify(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<QualifyForm>,
) -> Result<Response, PageError> {
    let result = match f.years.trim().parse::<u32>() {
        Ok(years) => s
            .app
            .qualifications()
            .grant(
                &u.principal,
                &ctx,
                &id,
                QualificationInput {
                    subject: f.subject.clone(),
                    years,
                },
            )
            .await
            .map(|_| ()),
        Err(_) => Err(jineng_app::AppError::field("years", "有效期为1至5年")),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/teachers/{id}?ok=qualified")).into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((
                status,
                detail_page(&s, &u, &id, Some(&f), Some(msg), false).await?,
            )
                .into_response())
        }
    }
}
