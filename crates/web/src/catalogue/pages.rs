//! Catalogue pages: the training-project list (with export), publishing and withdrawing
//! projects, and occupation declarations (institutions declare, regulators decide).

use crate::AppState;
use crate::catalogue::api::{ProjectIn, parse_project};
use crate::http::error::PageError;
use crate::http::export::every_page;
use crate::http::export::xlsx_response;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::AppError;
use jineng_app::catalogue::occupations::WorkTypeView;
use jineng_app::catalogue::{DeclarationView, ProjectFilter, ProjectView};
use jineng_app::page::PageRequest;
use jineng_core::accounts::Permission;
use jineng_core::occupations::{BUSINESS_CATEGORIES, SKILL_LEVELS, TRAINING_TYPES};
use jineng_core::review::{Decision, ReviewStatus};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct CatalogueQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    training_type: String,
    page: Option<u64>,
    done: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/list.html")]
pub struct CataloguePage {
    layout: Layout,
    items: Vec<ProjectView>,
    total: u64,
    page: u64,
    pages: u64,
    q: String,
    training_type: String,
    types: &'static [(&'static str, &'static str)],
    query: String,
    may_manage: bool,
    notice: Option<&'static str>,
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<CatalogueQuery>,
) -> Result<CataloguePage, PageError> {
    let f = ProjectFilter {
        q: Some(q.q.clone()),
        training_type: Some(q.training_type.clone()),
        include_withdrawn: false,
    };
    let p = s
        .app
        .catalogue()
        .projects(&f, PageRequest::new(q.page, None, 20))
        .await?;
    let query = serde_urlencoded::to_string([("q", &q.q), ("training_type", &q.training_type)])
        .unwrap_or_default();
    let notice = match q.done.as_deref() {
        Some("published") => Some("培训项目已发布。"),
        Some("withdrawn") => Some("培训项目已撤回。"),
        _ => None,
    };
    Ok(CataloguePage {
        layout: Layout::new("培训项目目录", &u, "/catalogue"),
        pages: p.total.div_ceil(20).max(1),
        items: p.items,
        total: p.total,
        page: p.page,
        q: q.q,
        training_type: q.training_type,
        types: &TRAINING_TYPES,
        query,
        may_manage: s.app.catalogue().may_manage(&u.principal),
        notice,
    })
}

pub async fn export(
    State(s): State<AppState>,
    _u: PageUser,
    Query(q): Query<CatalogueQuery>,
) -> Result<Response, PageError> {
    let f = ProjectFilter {
        q: Some(q.q),
        training_type: Some(q.training_type),
        include_withdrawn: false,
    };
    // Every page with the same filter (page 2 on used to drop it).
    let catalogue = s.app.catalogue();
    let all = every_page(|r| catalogue.projects(&f, r)).await?;
    let mut rows = Vec::new();
    for v in all {
        rows.push(vec![
            v.occupation_code,
            v.occupation_name,
            v.work_type_code,
            v.work_type_name,
            v.skill_level_label.into(),
            v.business_category_label.into(),
            v.training_type_label.into(),
            v.theory_hours.to_string(),
            v.practice_hours.to_string(),
            v.subsidy_yuan,
        ]);
    }
    let headers = [
        "职业编码",
        "职业名称",
        "工种编码",
        "工种名称",
        "等级",
        "业务类别",
        "培训类型",
        "理论学时",
        "实操学时",
        "补贴标准(元)",
    ];
    Ok(xlsx_response(
        jineng_app::export::xlsx("培训项目目录", &headers, &rows)?,
        "catalogue.xlsx",
    ))
}

#[derive(Deserialize, Default, Clone)]
pub struct ProjectForm {
    #[serde(default)]
    occupation_code: String,
    #[serde(default)]
    work_type_id: String,
    #[serde(default)]
    skill_level: String,
    #[serde(default)]
    training_type: String,
    #[serde(default)]
    business_category: String,
    #[serde(default)]
    theory_hours: String,
    #[serde(default)]
    practice_hours: String,
    #[serde(default)]
    subsidy_yuan: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/new.html")]
pub struct NewProjectPage {
    layout: Layout,
    form: ProjectForm,
    occupation_name: String,
    work_types: Vec<WorkTypeView>,
    levels: &'static [(i32, &'static str)],
    types: &'static [(&'static str, &'static str)],
    categories: &'static [(&'static str, &'static str)],
    errors: Vec<String>,
}

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    occupation: String,
}

async fn new_page(
    s: &AppState,
    u: &PageUser,
    form: ProjectForm,
    errors: Vec<String>,
) -> Result<NewProjectPage, PageError> {
    if !s.app.catalogue().may_manage(&u.principal) {
        return Err(AppError::Forbidden.into());
    }
    let (occupation_name, work_types) = match s
        .app
        .catalogue()
        .occupation_node(&form.occupation_code)
        .await
    {
        Ok(n) => (n.node.name, n.work_types),
        Err(_) => (String::new(), vec![]),
    };
    Ok(NewProjectPage {
        layout: Layout::new("发布培训项目", u, "/catalogue"),
        form,
        occupation_name,
        work_types,
        levels: &SKILL_LEVELS,
        types: &TRAINING_TYPES,
        categories: &BUSINESS_CATEGORIES,
        errors,
    })
}

pub async fn new_form(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<NewQuery>,
) -> Result<NewProjectPage, PageError> {
    let form = ProjectForm {
        occupation_code: q.occupation,
        training_type: "vocational_skill".into(),
        business_category: "employment_skill".into(),
        skill_level: "5".into(),
        ..Default::default()
    };
    new_page(&s, &u, form, vec![]).await
}

pub async fn publish(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<ProjectForm>,
) -> Result<Response, PageError> {
    let mut n = crate::http::form::FormNumbers::default();
    let raw = ProjectIn {
        occupation_code: f.occupation_code.clone(),
        work_type_id: Some(f.work_type_id.clone()),
        skill_level: n.int("skill_level", "技能等级", &f.skill_level, false),
        training_type: f.training_type.clone(),
        business_category: f.business_category.clone(),
        theory_hours: n.int("theory_hours", "理论学时", &f.theory_hours, false),
        practice_hours: n.int("practice_hours", "实操学时", &f.practice_hours, false),
        subsidy_yuan: f.subsidy_yuan.clone(),
    };
    let mut errs = Vec::new();
    let result = match n.check().and_then(|()| parse_project(raw)) {
        Ok(i) => s
            .app
            .catalogue()
            .publish(&u.principal, &ctx, i)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/catalogue?done=published").into_response()),
        Err(AppError::Validation(fe)) => {
            errs.extend(fe.into_iter().map(|e| e.message));
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                new_page(&s, &u, f, errs).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn withdraw(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Redirect, PageError> {
    s.app.catalogue().withdraw(&u.principal, &ctx, &id).await?;
    Ok(Redirect::to("/catalogue?done=withdrawn"))
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/declarations.html")]
pub struct DeclarationsPage {
    layout: Layout,
    items: Vec<DeclarationView>,
    status: String,
    may_decide: bool,
    error: Option<String>,
    /// What the last decision did, after its redirect.
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct DeclQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    done: String,
}

async fn declarations_page(
    s: &AppState,
    u: &PageUser,
    status: String,
    error: Option<String>,
) -> Result<DeclarationsPage, PageError> {
    let items = s
        .app
        .catalogue()
        .declarations(&u.principal, None, ReviewStatus::parse(&status))
        .await?;
    Ok(DeclarationsPage {
        layout: Layout::new("培训工种申报", u, "/declarations"),
        items,
        status,
        may_decide: u.principal.can(Permission::ReviewOrganizations),
        error,
        notice: None,
    })
}

pub async fn declarations(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<DeclQuery>,
) -> Result<DeclarationsPage, PageError> {
    let mut p = declarations_page(&s, &u, q.status, None).await?;
    p.notice = match q.done.as_str() {
        "approved" => Some("已通过该申报，机构可开设此工种的培训班。"),
        "returned" => Some("已退回该申报，机构会看到退回原因。"),
        "submitted" => Some("申报已提交，等待人社部门审核。"),
        _ => None,
    };
    Ok(p)
}

#[derive(Deserialize, Default)]
pub struct DeclareForm {
    #[serde(default)]
    occupation_code: String,
    #[serde(default)]
    work_type_id: String,
    #[serde(default)]
    skill_level: String,
}

/// An institution declares from the occupation page; errors go back there.
pub async fn declare(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<DeclareForm>,
) -> Result<Response, PageError> {
    let org = u
        .principal
        .org_ids()
        .into_iter()
        .next()
        .ok_or(AppError::Forbidden)?;
    let mut n = crate::http::form::FormNumbers::default();
    let level = n.int("skill_level", "技能等级", &f.skill_level, true);
    let wt = Some(f.work_type_id.trim()).filter(|s| !s.is_empty());
    let result = match n.check() {
        Err(e) => Err(e),
        Ok(()) => {
            s.app
                .catalogue()
                .declare(
                    &u.principal,
                    &ctx,
                    &org,
                    f.occupation_code.trim(),
                    wt,
                    level,
                )
                .await
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to("/declarations?status=&done=submitted").into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            let page =
                crate::occupations::pages::page_with_error(&s, &u, &f.occupation_code, msg).await?;
            Ok((status, page).into_response())
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
        .catalogue()
        .decide_declaration(
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
        Ok(_) => Ok(Redirect::to(if f.action == "approve" {
            "/declarations?status=submitted&done=approved"
        } else {
            "/declarations?status=submitted&done=returned"
        })
        .into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((
                status,
                declarations_page(&s, &u, "submitted".into(), Some(msg)).await?,
            )
                .into_response())
        }
    }
}
