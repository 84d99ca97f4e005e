//! Learner pages: self-registration with an SMS code, activation of imported accounts,
//! the scoped learner list with export, and bulk import with live progress.

use crate::AppState;
use crate::http::error::PageError;
use crate::http::export::every_page;
use crate::http::export::xlsx_response;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::{Jar, MaybeSession, PageUser, cookie};
use crate::organizations::pages::{CityGroup, county_groups};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::AppError;
use jineng_app::learners::import::ImportJobView;
use jineng_app::learners::import::ImportMode;
use jineng_app::learners::{LearnerFilter, LearnerInput, LearnerView};
use jineng_app::page::PageRequest;
use jineng_core::accounts::Permission;
use jineng_core::learners::ImportStatus;
use jineng_core::learners::{EDUCATION_LEVELS, PERSON_CATEGORIES};
use jineng_core::{IdNumber, Phone, RegionCode};
use serde::Deserialize;

fn today(s: &AppState) -> chrono::NaiveDate {
    s.app
        .now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

fn sign_in(s: &AppState, token: String, to: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    let c = cookie(Jar::Session, token, s.app.security.secure_cookies);
    if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[derive(Deserialize, Default, Clone)]
pub struct LearnerForm {
    #[serde(default)]
    op: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    person_category: String,
    #[serde(default)]
    education: String,
    #[serde(default)]
    region_code: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "learners/register.html")]
pub struct RegisterPage {
    layout: Layout,
    form: LearnerForm,
    groups: Vec<CityGroup>,
    categories: &'static [(&'static str, &'static str)],
    levels: &'static [(&'static str, &'static str)],
    errors: Vec<String>,
    notice: Option<String>,
}

async fn register_page(
    s: &AppState,
    csrf: String,
    mut form: LearnerForm,
    errors: Vec<String>,
    notice: Option<String>,
) -> Result<RegisterPage, PageError> {
    form.password.clear();
    Ok(RegisterPage {
        layout: Layout::anonymous("学员注册", csrf),
        form,
        groups: county_groups(s).await?,
        categories: &PERSON_CATEGORIES,
        levels: &EDUCATION_LEVELS,
        errors,
        notice,
    })
}

pub async fn register_form(
    State(s): State<AppState>,
    MaybeSession(st): MaybeSession,
) -> Result<RegisterPage, PageError> {
    register_page(&s, st.csrf, LearnerForm::default(), vec![], None).await
}

/// Send a one-time code and say so (with the code itself in demo mode).
pub(crate) async fn send(
    s: &AppState,
    ctx: &jineng_app::RequestCtx,
    phone: &Phone,
    purpose: &str,
) -> Result<String, AppError> {
    let code = s.app.learners().send_code(ctx, phone, purpose).await?;
    Ok(match code {
        Some(c) => format!("验证码已发送。演示模式：验证码为 {c}"),
        None => "验证码已发送，请查收短信（10分钟内有效）".into(),
    })
}

async fn send_to(
    s: &AppState,
    ctx: &jineng_app::RequestCtx,
    phone: &str,
    purpose: &str,
) -> Result<String, AppError> {
    let phone = Phone::parse(phone).map_err(|e| AppError::field("phone", e.to_string()))?;
    send(s, ctx, &phone, purpose).await
}

pub async fn register_submit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    MaybeSession(st): MaybeSession,
    Form(f): Form<LearnerForm>,
) -> Result<Response, PageError> {
    if f.op == "code" {
        return Ok(match send_to(&s, &ctx, &f.phone, "register").await {
            Ok(msg) => register_page(&s, st.csrf, f, vec![], Some(msg))
                .await?
                .into_response(),
            Err(e) => {
                let (status, errs) = crate::http::error::fixable(e)?;
                (status, register_page(&s, st.csrf, f, errs, None).await?).into_response()
            }
        });
    }
    let mut errs = Vec::new();
    let id = IdNumber::parse_on(&f.id_number, today(&s))
        .map_err(|e| errs.push(e.to_string()))
        .ok();
    let phone = Phone::parse(&f.phone)
        .map_err(|e| errs.push(e.to_string()))
        .ok();
    let region = RegionCode::parse(&f.region_code)
        .map_err(|_| errs.push("请选择所在区县".to_string()))
        .ok();
    let result = match (id, phone, region) {
        (Some(id_number), Some(phone), Some(region)) if errs.is_empty() => {
            let i = LearnerInput {
                name: f.name.clone(),
                id_number,
                phone,
                person_category: f.person_category.clone(),
                education: f.education.clone(),
                region,
            };
            s.app
                .learners()
                .register(&ctx, i, &f.code, &f.password)
                .await
        }
        _ => Err(AppError::Validation(vec![])),
    };
    match result {
        Ok(account) => {
            let issued = s.app.accounts().start_session(&ctx, account).await?;
            Ok(sign_in(&s, issued.token, "/"))
        }
        Err(e) => {
            let (status, more) = crate::http::error::fixable(e)?;
            errs.extend(more);
            Ok((status, register_page(&s, st.csrf, f, errs, None).await?).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "learners/activate.html")]
pub struct ActivatePage {
    layout: Layout,
    form: LearnerForm,
    errors: Vec<String>,
    notice: Option<String>,
}

pub async fn activate_form(MaybeSession(st): MaybeSession) -> ActivatePage {
    ActivatePage {
        layout: Layout::anonymous("首次登录激活", st.csrf),
        form: LearnerForm::default(),
        errors: vec![],
        notice: None,
    }
}

pub async fn activate_submit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    MaybeSession(st): MaybeSession,
    Form(mut f): Form<LearnerForm>,
) -> Result<Response, PageError> {
    let page = |f: LearnerForm, errors: Vec<String>, notice: Option<String>| {
        let mut form = f;
        form.password.clear();
        ActivatePage {
            layout: Layout::anonymous("首次登录激活", st.csrf.clone()),
            form,
            errors,
            notice,
        }
    };
    if f.op == "code" {
        return Ok(match send_to(&s, &ctx, &f.phone, "activate").await {
            Ok(msg) => page(f, vec![], Some(msg)).into_response(),
            Err(e) => {
                let (status, errs) = crate::http::error::fixable(e)?;
                (status, page(f, errs, None)).into_response()
            }
        });
    }
    let id = IdNumber::parse(&f.id_number).map_err(|e| AppError::field("id_number", e.to_string()));
    let phone = Phone::parse(&f.phone).map_err(|e| AppError::field("phone", e.to_string()));
    let result = match (id, phone) {
        (Ok(id), Ok(phone)) => {
            s.app
                .learners()
                .activate(&ctx, &id, &phone, &f.code, &f.password)
                .await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match result {
        Ok(account) => {
            let issued = s.app.accounts().start_session(&ctx, account).await?;
            Ok(sign_in(&s, issued.token, "/"))
        }
        Err(e) => {
            let (status, errs) = crate::http::error::fixable(e)?;
            f.code.clear();
            Ok((status, page(f, errs, None)).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    person_category: String,
    page: Option<u64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "learners/list.html")]
pub struct ListPage {
    layout: Layout,
    items: Vec<LearnerView>,
    total: u64,
    page: u64,
    pages: u64,
    q: String,
    person_category: String,
    categories: &'static [(&'static str, &'static str)],
    query: String,
    may_import: bool,
}

fn filter(q: &ListQuery) -> LearnerFilter {
    LearnerFilter {
        q: Some(q.q.clone()),
        person_category: Some(q.person_category.clone()).filter(|s| !s.is_empty()),
        region: None,
    }
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<ListQuery>,
) -> Result<ListPage, PageError> {
    let p = s
        .app
        .learners()
        .list(
            &u.principal,
            &filter(&q),
            PageRequest::new(q.page, None, 20),
        )
        .await?;
    let query = serde_urlencoded::to_string([("q", &q.q), ("person_category", &q.person_category)])
        .unwrap_or_default();
    Ok(ListPage {
        layout: Layout::new("学员", &u, "/learners"),
        pages: p.total.div_ceil(20).max(1),
        items: p.items,
        total: p.total,
        page: p.page,
        q: q.q,
        person_category: q.person_category,
        categories: &PERSON_CATEGORIES,
        query,
        may_import: u.principal.can(Permission::ImportLearners),
    })
}

pub async fn export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let f = filter(&q);
    let mut rows = Vec::new();
    let learners = s.app.learners();
    let all = every_page(|r| learners.list(&u.principal, &f, r)).await?;
    for l in all {
        rows.push(vec![
            l.name,
            l.id_number,
            l.phone,
            l.gender.into(),
            l.birth_date,
            l.person_category_label.into(),
            l.education_label.into(),
            l.region_name,
            if l.activated {
                "已激活".into()
            } else {
                "待激活".into()
            },
        ]);
    }
    s.app
        .audit()
        .record_export(
            &u.principal,
            &ctx,
            "learner",
            serde_json::json!({"q": q.q, "person_category": q.person_category}),
            rows.len(),
        )
        .await?;
    let headers = [
        "姓名",
        "身份证号",
        "手机号",
        "性别",
        "出生日期",
        "人员类别",
        "文化程度",
        "所在区县",
        "账户状态",
    ];
    Ok(xlsx_response(
        jineng_app::export::xlsx("学员", &headers, &rows)?,
        "learners.xlsx",
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "learners/import.html")]
pub struct ImportPage {
    layout: Layout,
    errors: Vec<String>,
}

pub async fn import_form(u: PageUser) -> Result<ImportPage, PageError> {
    if !u.principal.can(Permission::ImportLearners) {
        return Err(AppError::Forbidden.into());
    }
    Ok(ImportPage {
        layout: Layout::new("批量导入学员", &u, "/learners"),
        errors: vec![],
    })
}

pub async fn template(_u: PageUser) -> Result<Response, PageError> {
    Ok(xlsx_response(
        jineng_app::learners::import::template()?,
        "learner-import-template.xlsx",
    ))
}

pub async fn import_upload(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    mut mp: Multipart,
) -> Result<Response, PageError> {
    let mut bytes = Vec::new();
    let mut mode = ImportMode::AllOrNothing;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                return Ok((
                    StatusCode::BAD_REQUEST,
                    ImportPage {
                        layout: Layout::new("批量导入学员", &u, "/learners"),
                        errors: vec!["上传的内容无法读取，文件不能超过8MB".into()],
                    },
                )
                    .into_response());
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        } else if name == "mode" && field.text().await.unwrap_or_default() == "good_only" {
            mode = ImportMode::GoodOnly;
        }
    }
    match s
        .app
        .learners()
        .import(&u.principal, &ctx, &bytes, mode)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/learners/import/{id}")).into_response()),
        Err(e) => {
            let (status, errors) = crate::http::error::fixable(e)?;
            Ok((
                status,
                ImportPage {
                    layout: Layout::new("批量导入学员", &u, "/learners"),
                    errors,
                },
            )
                .into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "learners/job.html")]
pub struct JobPage {
    layout: Layout,
    j: ImportJobView,
}

#[derive(Template, WebTemplate)]
#[template(path = "learners/job_card.html")]
pub struct JobCard {
    j: ImportJobView,
}

impl JobCard {
    fn running(&self) -> bool {
        running(&self.j)
    }
    fn percent(&self) -> i32 {
        percent(&self.j)
    }
    fn status_label(&self) -> &'static str {
        status_label(&self.j.status)
    }
}

impl JobPage {
    fn running(&self) -> bool {
        running(&self.j)
    }
    fn percent(&self) -> i32 {
        percent(&self.j)
    }
    fn status_label(&self) -> &'static str {
        status_label(&self.j.status)
    }
}

fn running(j: &ImportJobView) -> bool {
    j.status.running()
}

fn percent(j: &ImportJobView) -> i32 {
    let total = j.total_rows.max(1);
    match j.status {
        // Checking is the first half of the work, writing the second.
        ImportStatus::Checking => j.processed_rows * 50 / total,
        ImportStatus::Importing => 50 + j.imported_rows * 50 / j.good_rows.max(1),
        _ => 100,
    }
}

/// A job's state as the import page words it.
fn status_label(s: &ImportStatus) -> &'static str {
    match s {
        ImportStatus::Checking => "正在校验",
        ImportStatus::Importing => "正在导入",
        ImportStatus::Done => "导入完成",
        ImportStatus::Rejected => "存在错误行，未导入任何数据",
        ImportStatus::Failed => "导入失败",
    }
}

pub async fn job(
    State(s): State<AppState>,
    u: PageUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let j = s.app.learners().import_job(&u.principal, &id).await?;
    if headers.contains_key("hx-request") {
        return Ok(JobCard { j }.into_response());
    }
    Ok(JobPage {
        layout: Layout::new("导入进度", &u, "/learners"),
        j,
    }
    .into_response())
}

pub async fn report(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(xlsx_response(
        s.app.learners().import_report(&u.principal, &id).await?,
        "import-report.xlsx",
    ))
}
