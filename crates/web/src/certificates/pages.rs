//! Certificate pages: the list (the issuer's and regulators'; a learner sees their own),
//! one certificate with its PDF and the revoke form, the class's issue button and batch
//! PDF, and the public verification page a QR code opens.

use super::document;
use crate::AppState;
use crate::http::error::PageError;
use crate::http::export::{every_page, xlsx_response};
use crate::http::layout::Layout;
use crate::http::request::{Ctx, origin};
use crate::http::session::{MaybeSession, PageUser};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::AppError;
use jineng_app::certificates::{CertificateView, PublicCertificate};
use jineng_app::page::{Page, PageRequest};
use jineng_core::accounts::Permission;
use serde::Deserialize;

use crate::study::supervision::when;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<u64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "certificates/list.html")]
pub struct ListPage {
    layout: Layout,
    /// Staff and regulators: the certificates in their scope; learners: their own.
    staff: bool,
    /// Institution staff and regulators keep a seal image for what they issue.
    may_seal: bool,
    q: String,
    page: Page<CertificateView>,
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<ListQuery>,
) -> Result<ListPage, PageError> {
    let staff = u.principal.can(Permission::ViewLearners);
    let page = if staff {
        s.app
            .certificates()
            .list(&u.principal, Some(&q.q), PageRequest::new(q.page, None, 50))
            .await?
    } else {
        let items = s.app.certificates().mine(&u.principal).await?;
        Page {
            total: items.len() as u64,
            page: 1,
            per_page: items.len().max(1) as u64,
            items,
        }
    };
    Ok(ListPage {
        may_seal: u.principal.can(Permission::ManageOwnOrganization)
            || u.principal.can(Permission::ReviewOrganizations),
        layout: Layout::new(
            if staff {
                "证书管理"
            } else {
                "我的证书"
            },
            &u,
            "/certificates",
        ),
        staff,
        q: q.q,
        page,
    })
}

pub async fn export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let list = s.app.certificates();
    let all = every_page(|r| list.list(&u.principal, Some(&q.q), r)).await?;
    let mut rows = Vec::new();
    for c in &all {
        rows.push(vec![
            c.number.clone(),
            c.kind_label.to_string(),
            c.holder_name.clone(),
            c.project.clone(),
            c.class_name.clone(),
            c.hours.to_string(),
            c.issuer.clone(),
            c.issued_on.clone(),
            c.valid_until.clone().unwrap_or_default(),
            c.state_label(),
        ]);
    }
    s.app
        .audit()
        .record_export(
            &u.principal,
            &ctx,
            "certificates",
            serde_json::json!({"q": q.q}),
            rows.len(),
        )
        .await?;
    let book = jineng_app::export::xlsx_sheets(&[(
        "证书",
        &[
            "证书编号",
            "类型",
            "持证人",
            "培训项目",
            "培训班",
            "学时",
            "发证机构",
            "发证日期",
            "有效期至",
            "状态",
        ][..],
        &rows,
    )])?;
    Ok(xlsx_response(book, "certificates.xlsx"))
}

#[derive(Template, WebTemplate)]
#[template(path = "certificates/detail.html")]
pub struct DetailPage {
    layout: Layout,
    c: CertificateView,
    may_revoke: bool,
    verify_link: String,
    error: Option<String>,
}

impl DetailPage {
    fn when(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        when(t)
    }
}

async fn detail_page(
    s: &AppState,
    u: &PageUser,
    headers: &HeaderMap,
    id: &str,
    error: Option<String>,
) -> Result<DetailPage, PageError> {
    let c = s.app.certificates().get(&u.principal, id).await?;
    let p = &u.principal;
    let may_revoke = !c.revoked
        && ((c.kind == jineng_core::certificates::CertKind::Completion
            && p.can(Permission::ManageOwnOrganization)
            && p.works_for(&c.org_id))
            || p.can(Permission::ReviewOrganizations));
    let verify_link = document::verify_link(&origin(headers, s.app.security.secure_cookies), &c);
    Ok(DetailPage {
        layout: Layout::new(format!("{} {}", c.kind_label, c.number), u, "/certificates"),
        c,
        may_revoke,
        verify_link,
        error,
    })
}

pub async fn detail(
    State(s): State<AppState>,
    u: PageUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<DetailPage, PageError> {
    detail_page(&s, &u, &headers, &id, None).await
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    reason: String,
}

pub async fn revoke(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<RevokeForm>,
) -> Response {
    match s
        .app
        .certificates()
        .revoke(&u.principal, &ctx, &id, &f.reason)
        .await
    {
        Ok(c) => Redirect::to(&format!("/certificates/{}", c.id)).into_response(),
        Err(e) => match crate::http::error::fixable_line(e) {
            Ok((status, msg)) => match detail_page(&s, &u, &headers, &id, Some(msg)).await {
                Ok(p) => (status, p).into_response(),
                Err(e) => e.into_response(),
            },
            Err(e) => e.into_response(),
        },
    }
}

/// Lay certificates out off the async workers and answer the PDF.
async fn render(
    s: &AppState,
    ctx: &jineng_app::RequestCtx,
    u: &PageUser,
    headers: &HeaderMap,
    certs: Vec<CertificateView>,
    filename: String,
) -> Result<Response, PageError> {
    let Some(font) = crate::archive::pages::font() else {
        return Ok((
            StatusCode::SERVICE_UNAVAILABLE,
            "服务器未安装中文字体，暂不能生成 PDF（运维：安装 fonts-wqy-microhei 或设置 JINENG_PDF_FONT）",
        )
            .into_response());
    };
    s.app.limit_heavy(ctx, &u.principal).await?;
    let origin = origin(headers, s.app.security.secure_cookies);
    let keys: Vec<String> = certs.iter().map(|c| c.seal_key.clone()).collect();
    let seals = s.app.seals().images(&keys).await?;
    let pages: Vec<_> = certs
        .iter()
        .map(|c| jineng_pdf::certificate::Certificate {
            seal_image: seals.get(&c.seal_key).cloned(),
            ..document::page(&origin, c)
        })
        .collect();
    let title = filename.trim_end_matches(".pdf").to_string();
    let bytes = tokio::task::spawn_blocking(move || {
        jineng_pdf::certificate::render_certificates(font, &title, &pages)
    })
    .await
    .map_err(|e| AppError::Internal(format!("pdf: {e}")))?
    .map_err(|e| match e {
        jineng_pdf::PdfError::TooLong => {
            AppError::Conflict("证书数量过多，无法放在一个 PDF 中".into())
        }
        e => AppError::Internal(format!("pdf: {e}")),
    })?;
    Ok(crate::http::files::document_response(
        "application/pdf",
        &filename,
        bytes,
    ))
}

pub async fn pdf(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let c = s.app.certificates().get(&u.principal, &id).await?;
    let filename = format!("{}-{}.pdf", c.kind_label, c.number);
    render(&s, &ctx, &u, &headers, vec![c], filename).await
}

/// The whole class's certificates in one PDF, one page each.
pub async fn class_pdf(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let certs: Vec<_> = s
        .app
        .certificates()
        .of_class(&u.principal, &id)
        .await?
        .into_iter()
        .filter(|c| !c.revoked)
        .collect();
    if certs.is_empty() {
        return Err(AppError::Conflict("本班尚无有效证书可打印".into()).into());
    }
    let filename = format!("{}-培训合格证明.pdf", certs[0].class_name);
    render(&s, &ctx, &u, &headers, certs, filename).await
}

/// 颁发证书 on the class page.
pub async fn issue(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    match s
        .app
        .certificates()
        .issue_for_class(&u.principal, &ctx, &id)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/classes/{id}#certificates")).into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok(crate::http::error::ErrorPage::response(status, &msg))
        }
    }
}

#[derive(Deserialize, Default)]
pub struct VerifyQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    s: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "certificates/verify.html")]
pub struct VerifyPage {
    layout: Layout,
    number: String,
    found: Option<PublicCertificate>,
    error: Option<String>,
}

impl VerifyPage {
    fn when(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        when(t)
    }

    fn payload_ok(&self) -> bool {
        self.found.as_ref().and_then(|f| f.payload)
            == Some(jineng_app::certificates::PayloadCheck::Valid)
    }
}

async fn verify_page(
    s: &AppState,
    ctx: &jineng_app::RequestCtx,
    st: &crate::http::session::SessionState,
    number: String,
    payload: &str,
) -> Result<Response, PageError> {
    let layout = Layout::public("证书查验", st, "/verify");
    if number.trim().is_empty() {
        return Ok(VerifyPage {
            layout,
            number,
            found: None,
            error: None,
        }
        .into_response());
    }
    let number: String = number.chars().take(64).collect();
    match s
        .app
        .certificates()
        .verify(ctx, &number, Some(payload))
        .await
    {
        Ok(found) => Ok(VerifyPage {
            layout,
            number,
            found: Some(found),
            error: None,
        }
        .into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((
                status,
                VerifyPage {
                    layout,
                    number,
                    found: None,
                    error: Some(msg),
                },
            )
                .into_response())
        }
    }
}

/// The lookup form (`?number=` looks up).
pub async fn verify_form(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    MaybeSession(st): MaybeSession,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, PageError> {
    verify_page(&s, &ctx, &st, q.number, &q.s).await
}

/// What a QR code opens: `/verify/<number>?s=<signed payload>`.
pub async fn verify(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    MaybeSession(st): MaybeSession,
    Path(number): Path<String>,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, PageError> {
    verify_page(&s, &ctx, &st, number, &q.s).await
}
