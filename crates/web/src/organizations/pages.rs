//! Institution and enterprise pages: public registration, the scoped list with export,
//! one registration with its versions, the regulator's decisions and annual reviews,
//! and the organisation's own correction and resubmission.

use crate::AppState;
use crate::http::error::PageError;
use crate::http::export::every_page;
use crate::http::export::xlsx_response;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::{Jar, MaybeSession, PageUser, cookie};
use crate::organizations::api::{OrgIn, OrgQuery, parse_org};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::organizations::documents::DocumentView;
use jineng_app::organizations::{AdminAccount, AnnualReviewView, OrgView, VersionView};
use jineng_app::page::PageRequest;
use jineng_app::{AppError, FieldError};
use jineng_core::RegionLevel;
use jineng_core::accounts::Permission;
use jineng_core::documents::{MAX_DOCUMENT_BYTES, OrgDocumentKind};
use jineng_core::organizations::AnnualResult;
use jineng_core::organizations::{INSTITUTION_TYPES, NATURES, OrgAction, OrgStatus};
use jineng_core::review::ReviewStatus;
use serde::Deserialize;

/// Counties of the deployment's province grouped by city, for the region picker.
pub struct CityGroup {
    pub city: String,
    pub counties: Vec<(String, String)>,
}

pub async fn county_groups(s: &AppState) -> Result<Vec<CityGroup>, PageError> {
    let all = s
        .app
        .accounts()
        .regions_under(s.app.province.subtree_prefix())
        .await?;
    let mut groups: Vec<CityGroup> = Vec::new();
    for r in all {
        match r.level {
            RegionLevel::City => groups.push(CityGroup {
                city: r.name,
                counties: vec![],
            }),
            RegionLevel::County => {
                if let Some(g) = groups.last_mut() {
                    g.counties.push((r.code, r.name));
                }
            }
            _ => {}
        }
    }
    Ok(groups)
}

/// The registration form as typed (all text, so it can be shown again with errors).
#[derive(Deserialize, Default, Clone)]
pub struct OrgForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub region_code: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub legal_rep_name: String,
    #[serde(default)]
    pub legal_rep_id: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub nature: String,
    #[serde(default)]
    pub institution_type: String,
    #[serde(default)]
    pub designated: Option<String>,
    #[serde(default)]
    pub bank_name: String,
    #[serde(default)]
    pub bank_account_name: String,
    #[serde(default)]
    pub bank_account: String,
    #[serde(default)]
    pub training_scale: String,
    #[serde(default)]
    pub site_area: String,
    #[serde(default)]
    pub licence_no: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_until: String,
    #[serde(default)]
    pub admin_username: String,
    #[serde(default)]
    pub admin_password: String,
    #[serde(default)]
    pub admin_name: String,
    /// The SMS code sent to the contact phone.
    #[serde(default)]
    pub code: String,
    /// `code`: send the code instead of submitting.
    #[serde(default)]
    pub op: String,
}

impl OrgForm {
    fn is_institution(&self) -> bool {
        self.kind != "enterprise" && self.kind != "provider"
    }

    fn is_provider(&self) -> bool {
        self.kind == "provider"
    }

    /// What the organisation is called on the form: 机构, 企业 or 单位.
    fn noun(&self) -> &'static str {
        match self.kind.as_str() {
            "enterprise" => "企业",
            "provider" => "单位",
            _ => "机构",
        }
    }

    /// The form's heading.
    fn heading(&self) -> &'static str {
        match self.kind.as_str() {
            "enterprise" => "企业注册",
            "provider" => "课程资源方入驻申请",
            _ => "培训机构注册",
        }
    }

    fn to_input(
        &self,
        today: chrono::NaiveDate,
    ) -> Result<jineng_app::organizations::OrgInput, AppError> {
        let mut n = crate::http::form::FormNumbers::default();
        let training_scale = n.int("training_scale", "培训规模", &self.training_scale, true);
        let site_area = n.int("site_area", "场所面积", &self.site_area, true);
        let errors = match n.check() {
            Err(AppError::Validation(e)) => e,
            _ => Vec::new(),
        };
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        let raw = OrgIn {
            kind: self.kind.clone(),
            name: self.name.clone(),
            credit_code: self.credit_code.clone(),
            region_code: self.region_code.clone(),
            address: self.address.clone(),
            legal_rep_name: self.legal_rep_name.clone(),
            legal_rep_id: self.legal_rep_id.clone(),
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            nature: self.nature.clone(),
            institution_type: self.institution_type.clone(),
            designated: self.designated.is_some(),
            bank_name: self.bank_name.clone(),
            bank_account_name: self.bank_account_name.clone(),
            bank_account: self.bank_account.clone(),
            training_scale,
            site_area,
            licence_no: self.licence_no.clone(),
            valid_from: opt(&self.valid_from),
            valid_until: opt(&self.valid_until),
        };
        match parse_org(raw, today) {
            Ok(i) if errors.is_empty() => Ok(i),
            Ok(_) => Err(AppError::Validation(errors)),
            Err(AppError::Validation(mut more)) => {
                more.extend(errors);
                Err(AppError::Validation(more))
            }
            Err(e) => Err(e),
        }
    }

    fn from_view(o: &OrgView) -> Self {
        OrgForm {
            kind: o.kind.code().into(),
            name: o.name.clone(),
            credit_code: o.credit_code.clone(),
            region_code: o.region_code.clone(),
            address: o.address.clone(),
            legal_rep_name: o.legal_rep_name.clone(),
            legal_rep_id: o.legal_rep_id.clone(),
            contact_name: o.contact_name.clone(),
            contact_phone: o.contact_phone.clone(),
            nature: o.nature.clone(),
            institution_type: o.institution_type.clone(),
            designated: o.designated.then(|| "on".to_string()),
            bank_name: o.bank_name.clone(),
            bank_account_name: o.bank_account_name.clone(),
            bank_account: o.bank_account.clone(),
            training_scale: o.training_scale.to_string(),
            site_area: o.site_area.to_string(),
            licence_no: o.licence_no.clone(),
            valid_from: o.valid_from.clone(),
            valid_until: o.valid_until.clone(),
            ..Default::default()
        }
    }
}

pub struct FormChoices {
    pub groups: Vec<CityGroup>,
    pub natures: &'static [(&'static str, &'static str)],
    pub types: &'static [(&'static str, &'static str)],
}

async fn choices(s: &AppState) -> Result<FormChoices, PageError> {
    Ok(FormChoices {
        groups: county_groups(s).await?,
        natures: &NATURES,
        types: &INSTITUTION_TYPES,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/register.html")]
pub struct RegisterPage {
    layout: Layout,
    form: OrgForm,
    c: FormChoices,
    errors: Vec<String>,
    /// "Code sent" (with the code itself in demo mode).
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct KindQuery {
    kind: Option<String>,
}

pub async fn register_page(
    State(s): State<AppState>,
    MaybeSession(st): MaybeSession,
    Query(q): Query<KindQuery>,
) -> Result<RegisterPage, PageError> {
    let kind = match q.kind.as_deref() {
        Some("enterprise") => "enterprise",
        Some("provider") => "provider",
        _ => "institution",
    };
    let form = OrgForm {
        kind: kind.into(),
        institution_type: "ordinary".into(),
        ..Default::default()
    };
    Ok(RegisterPage {
        layout: Layout::anonymous("机构/企业注册", st.csrf),
        form,
        c: choices(&s).await?,
        errors: vec![],
        notice: None,
    })
}

pub async fn register_submit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    MaybeSession(st): MaybeSession,
    Form(f): Form<OrgForm>,
) -> Result<Response, PageError> {
    let page = |s: &AppState, mut form: OrgForm, errors, notice| {
        form.admin_password.clear();
        let s = s.clone();
        let csrf = st.csrf.clone();
        async move {
            Ok::<_, PageError>(RegisterPage {
                layout: Layout::anonymous("机构/企业注册", csrf),
                form,
                c: choices(&s).await?,
                errors,
                notice,
            })
        }
    };
    if f.op == "code" {
        let sent = match jineng_core::Phone::parse(&f.contact_phone) {
            Ok(phone) => crate::learners::pages::send(&s, &ctx, &phone, "org_register").await,
            Err(e) => Err(AppError::field("contact_phone", e.to_string())),
        };
        return Ok(match sent {
            Ok(msg) => page(&s, f, vec![], Some(msg)).await?.into_response(),
            Err(e) => {
                let (status, errs) = crate::http::error::fixable(e)?;
                (status, page(&s, f, errs, None).await?).into_response()
            }
        });
    }
    let result = match f.to_input(
        s.app
            .now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .date_naive(),
    ) {
        Ok(input) => {
            let admin = AdminAccount {
                username: f.admin_username.clone(),
                password: f.admin_password.clone(),
                display_name: f.admin_name.clone(),
                code: f.code.clone(),
            };
            s.app.organizations().register(&ctx, input, admin).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(reg) => {
            // Sign the new administrator in so they can follow the review.
            let issued = s.app.accounts().start_session(&ctx, reg.admin).await?;
            let mut res =
                Redirect::to(&format!("/orgs/{}?done=registered", reg.org_id)).into_response();
            let c = cookie(Jar::Session, issued.token, s.app.security.secure_cookies);
            if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(res)
        }
        Err(e) => {
            let (status, errors) = crate::http::error::fixable(e)?;
            let mut form = f;
            form.code.clear();
            Ok((status, page(&s, form, errors, None).await?).into_response())
        }
    }
}

pub struct OrgsData {
    pub items: Vec<OrgView>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub query: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/list.html")]
pub struct OrgsPage {
    layout: Layout,
    data: OrgsData,
    q: String,
    kind: String,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
}

fn statuses() -> Vec<(&'static str, &'static str)> {
    [
        OrgStatus::Submitted,
        OrgStatus::Approved,
        OrgStatus::Returned,
        OrgStatus::Suspended,
        OrgStatus::Revoked,
    ]
    .iter()
    .map(|s| (s.code(), s.label()))
    .collect()
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<OrgQuery>,
) -> Result<Response, PageError> {
    if !u.principal.can(Permission::ViewOrganizations)
        && !u.principal.can(Permission::ManageOwnOrganization)
    {
        return Err(AppError::Forbidden.into());
    }
    let own = u.principal.org_ids();
    if !own.is_empty() && !u.principal.can(Permission::ReviewOrganizations) && own.len() == 1 {
        return Ok(Redirect::to(&format!("/orgs/{}", own[0])).into_response());
    }
    let f = q.filter()?;
    let per_page = 20;
    let p = s
        .app
        .organizations()
        .list(&u.principal, &f, PageRequest::new(q.page, None, per_page))
        .await?;
    let query = serde_urlencoded::to_string([
        ("q", q.q.as_deref().unwrap_or("")),
        ("kind", q.kind.as_deref().unwrap_or("")),
        ("status", q.status.as_deref().unwrap_or("")),
    ])
    .unwrap_or_default();
    let data = OrgsData {
        pages: p.total.div_ceil(per_page).max(1),
        items: p.items,
        total: p.total,
        page: p.page,
        query,
    };
    Ok(OrgsPage {
        layout: Layout::new("机构与企业", &u, "/orgs"),
        data,
        q: q.q.clone().unwrap_or_default(),
        kind: q.kind.clone().unwrap_or_default(),
        status: q.status.clone().unwrap_or_default(),
        statuses: statuses(),
    }
    .into_response())
}

pub async fn export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Query(q): Query<OrgQuery>,
) -> Result<Response, PageError> {
    let f = q.filter()?;
    let mut rows = Vec::new();
    let orgs = s.app.organizations();
    let all = every_page(|r| orgs.list(&u.principal, &f, r)).await?;
    for o in all {
        rows.push(vec![
            o.name,
            o.kind_label.into(),
            o.credit_code,
            o.region_name,
            o.nature_label,
            o.institution_type_label,
            if o.designated {
                "是".into()
            } else {
                "否".into()
            },
            o.legal_rep_name,
            o.contact_name,
            o.contact_phone,
            o.training_scale.to_string(),
            o.site_area.to_string(),
            o.status_label.into(),
            o.valid_until,
        ]);
    }
    s.app
        .audit()
        .record_export(
            &u.principal,
            &ctx,
            "organization",
            serde_json::json!({"q": q.q, "kind": q.kind, "status": q.status}),
            rows.len(),
        )
        .await?;
    let headers = [
        "名称",
        "类别",
        "统一社会信用代码",
        "所在区县",
        "机构性质",
        "机构类型",
        "定点机构",
        "法定代表人",
        "联系人",
        "联系电话",
        "培训规模(人/年)",
        "场所面积(㎡)",
        "状态",
        "有效期至",
    ];
    Ok(xlsx_response(
        jineng_app::export::xlsx("机构与企业", &headers, &rows)?,
        "organizations.xlsx",
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/detail.html")]
pub struct OrgDetailPage {
    layout: Layout,
    o: OrgView,
    versions: Vec<VersionView>,
    reviews: Vec<AnnualReviewView>,
    may_review: bool,
    is_own: bool,
    actions: Vec<(&'static str, &'static str, bool)>,
    notice: Option<&'static str>,
    error: Option<String>,
    year: i32,
    documents: Vec<DocumentView>,
    kinds: &'static [OrgDocumentKind],
    max_mb: usize,
}

impl OrgDetailPage {
    fn size(bytes: &i64) -> String {
        if *bytes >= 1024 * 1024 {
            format!("{:.1} MB", *bytes as f64 / 1024.0 / 1024.0)
        } else {
            format!("{} KB", (*bytes + 1023) / 1024)
        }
    }

    fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
        t.with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    fn decision_label(d: &ReviewStatus) -> &'static str {
        match d {
            ReviewStatus::Approved => "通过",
            ReviewStatus::Returned => "退回",
            ReviewStatus::Submitted => "待审核",
        }
    }
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

fn notice(done: &str) -> &'static str {
    match done {
        "registered" => "注册信息已提交，请等待所在区县人社部门审核。审核结果将显示在本页。",
        "resubmitted" => "已重新提交，请等待审核。",
        "annual-review" => "年审结果已登记。",
        "uploaded" => "材料已上传。",
        "removed" => "材料已移除（原文件仍保留在提交记录中）。",
        _ => "操作已完成。",
    }
}

async fn detail_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<OrgDetailPage, PageError> {
    let o = s.app.organizations().get(&u.principal, id).await?;
    let versions = s.app.organizations().versions(&u.principal, id).await?;
    let reviews = s
        .app
        .organizations()
        .annual_reviews(&u.principal, id)
        .await?;
    let may_review = u.principal.can(o.kind.reviewed_with());
    let actions = [
        OrgAction::Approve,
        OrgAction::Return,
        OrgAction::Suspend,
        OrgAction::Reinstate,
        OrgAction::Revoke,
    ]
    .into_iter()
    .filter(|a| o.status.apply(*a).is_ok())
    .map(|a| (a.code(), a.label(), a.needs_reason()))
    .collect();
    let is_own = u.principal.org_ids().iter().any(|x| x == id);
    let year = s.app.now().format("%Y").to_string().parse().unwrap_or(2026);
    let documents = s.app.organizations().documents(&u.principal, id).await?;
    Ok(OrgDetailPage {
        documents,
        kinds: OrgDocumentKind::ALL,
        max_mb: MAX_DOCUMENT_BYTES / 1024 / 1024,
        layout: Layout::new(o.name.clone(), u, "/orgs"),
        o,
        versions,
        reviews,
        may_review,
        is_own,
        actions,
        notice,
        error,
        year,
    })
}

pub async fn detail(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<OrgDetailPage, PageError> {
    detail_page(&s, &u, &id, q.done.as_deref().map(notice), None).await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

/// Errors a person can fix are shown on the same page; others become error pages.
async fn back_with(
    s: &AppState,
    u: &PageUser,
    id: &str,
    e: AppError,
) -> Result<Response, PageError> {
    let (status, msg) = crate::http::error::fixable_line(e)?;
    Ok((status, detail_page(s, u, id, None, Some(msg)).await?).into_response())
}

pub async fn decide(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let Some(action) = OrgAction::parse(&f.action) else {
        return back_with(&s, &u, &id, AppError::field("action", "请选择审核操作")).await;
    };
    match s
        .app
        .organizations()
        .decide(&u.principal, &ctx, &id, action, &f.reason)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/orgs/{id}?done={}", action.code())).into_response()),
        Err(e) => back_with(&s, &u, &id, e).await,
    }
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    remarks: String,
}

pub async fn annual(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, PageError> {
    let Ok(year) = f.year.trim().parse::<i32>() else {
        return back_with(&s, &u, &id, AppError::field("year", "年审年度应为四位数字")).await;
    };
    match s
        .app
        .organizations()
        .annual_review(
            &u.principal,
            &ctx,
            &id,
            year,
            f.result == "passed",
            &f.remarks,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}?done=annual-review")).into_response()),
        Err(e) => back_with(&s, &u, &id, e).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/edit.html")]
pub struct EditPage {
    layout: Layout,
    id: String,
    reason: String,
    form: OrgForm,
    c: FormChoices,
    errors: Vec<FieldError>,
}

pub async fn edit_page(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<EditPage, PageError> {
    let o = s.app.organizations().get(&u.principal, &id).await?;
    if !u.principal.org_ids().contains(&id) {
        return Err(AppError::Forbidden.into());
    }
    Ok(EditPage {
        layout: Layout::new("修改登记信息", &u, "/orgs"),
        id,
        reason: o.status_reason.clone(),
        form: OrgForm::from_view(&o),
        c: choices(&s).await?,
        errors: vec![],
    })
}

pub async fn edit_submit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<OrgForm>,
) -> Result<Response, PageError> {
    let result = match f.to_input(
        s.app
            .now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .date_naive(),
    ) {
        Ok(input) => s
            .app
            .organizations()
            .resubmit(&u.principal, &ctx, &id, input)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}?done=resubmitted")).into_response()),
        Err(AppError::Validation(errors)) => {
            let page = EditPage {
                layout: Layout::new("修改登记信息", &u, "/orgs"),
                id,
                reason: String::new(),
                form: f,
                c: choices(&s).await?,
                errors,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e @ AppError::Conflict(_)) => back_with(&s, &u, &id, e).await,
        Err(e) => Err(e.into()),
    }
}

/// Upload a registration document (multipart: `kind`, `file`).
pub async fn upload_document(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    mut mp: Multipart,
) -> Result<Response, PageError> {
    let (mut kind, mut name, mut bytes) = (String::new(), String::new(), Vec::new());
    loop {
        match mp.next_field().await {
            Ok(Some(f)) => match f.name().unwrap_or("") {
                "kind" => kind = f.text().await.unwrap_or_default(),
                "file" => {
                    name = f.file_name().unwrap_or("").to_string();
                    match f.bytes().await {
                        Ok(b) => bytes = b.to_vec(),
                        Err(_) => return too_big(&s, &u, &id).await,
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => return too_big(&s, &u, &id).await,
        }
    }
    match s
        .app
        .organizations()
        .upload_document(&u.principal, &ctx, &id, &kind, &name, bytes)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/orgs/{id}?done=uploaded")).into_response()),
        Err(e) => back_with(&s, &u, &id, e).await,
    }
}

async fn too_big(s: &AppState, u: &PageUser, id: &str) -> Result<Response, PageError> {
    let msg = format!(
        "上传的内容无法读取，单个文件不能超过{}MB",
        MAX_DOCUMENT_BYTES / 1024 / 1024
    );
    Ok((
        StatusCode::PAYLOAD_TOO_LARGE,
        detail_page(s, u, id, None, Some(msg)).await?,
    )
        .into_response())
}

/// A registration document, shown in the browser (PDF and images only, as sniffed).
pub async fn document(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path((id, doc)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (d, bytes) = s
        .app
        .organizations()
        .document_file(&u.principal, &ctx, &id, &doc)
        .await?;
    Ok(crate::http::files::document_response(
        &d.content_type,
        &d.filename,
        bytes,
    ))
}

pub async fn remove_document(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path((id, doc)): Path<(String, String)>,
) -> Result<Response, PageError> {
    match s
        .app
        .organizations()
        .remove_document(&u.principal, &ctx, &id, &doc)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}?done=removed")).into_response()),
        Err(e) => back_with(&s, &u, &id, e).await,
    }
}
