//! 职业技能等级证书: the list with search and export, and for importers the upload of a
//! result sheet, answered on the same page with what was imported and the refused rows
//! (also as a sheet to download, fix and upload again).

use crate::AppState;
use crate::http::error::{PageError, fixable};
use crate::http::export::{every_page, xlsx_response};
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use jineng_app::page::{Page, PageRequest};
use jineng_app::skills::{ImportOutcome, SkillCertificateView, SkillCertificates};
use jineng_core::accounts::Permission;
use jineng_core::skills::HEADERS;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<u64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "skills/list.html")]
pub struct ListPage {
    layout: Layout,
    may_import: bool,
    staff: bool,
    q: String,
    page: Page<SkillCertificateView>,
    outcome: Option<ImportOutcome>,
    /// The refused rows as an xlsx, base64, for a download link.
    refused_xlsx: String,
    errors: Vec<String>,
    headers: &'static [&'static str],
}

async fn page(
    s: &AppState,
    u: &PageUser,
    q: &ListQuery,
    outcome: Option<ImportOutcome>,
    errors: Vec<String>,
) -> Result<ListPage, PageError> {
    let page = s
        .app
        .skill_certificates()
        .list(&u.principal, Some(&q.q), PageRequest::new(q.page, None, 50))
        .await?;
    let refused_xlsx = match &outcome {
        Some(o) if !o.refused.is_empty() => base64::engine::general_purpose::STANDARD
            .encode(SkillCertificates::refused_sheet(&o.refused)?),
        _ => String::new(),
    };
    let staff = u.principal.can(Permission::ViewLearners);
    Ok(ListPage {
        layout: Layout::new(
            if staff {
                "职业技能等级证书"
            } else {
                "我的技能等级证书"
            },
            u,
            "/skill-certificates",
        ),
        may_import: u.principal.can(Permission::ImportCertificates),
        staff,
        q: q.q.clone(),
        page,
        outcome,
        refused_xlsx,
        errors,
        headers: &HEADERS,
    })
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<ListQuery>,
) -> Result<ListPage, PageError> {
    page(&s, &u, &q, None, vec![]).await
}

pub async fn template(_u: PageUser) -> Result<Response, PageError> {
    Ok(xlsx_response(
        SkillCertificates::template()?,
        "skill-certificates-template.xlsx",
    ))
}

pub async fn import(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    mut mp: Multipart,
) -> Result<Response, PageError> {
    let Ok((_, bytes)) = crate::http::files::multipart_file(&mut mp, "file").await else {
        let p = page(
            &s,
            &u,
            &ListQuery::default(),
            None,
            vec!["上传的内容无法读取，文件不能超过8MB".into()],
        )
        .await?;
        return Ok((StatusCode::BAD_REQUEST, p).into_response());
    };
    match s
        .app
        .skill_certificates()
        .import(&u.principal, &ctx, bytes)
        .await
    {
        Ok(o) => Ok(page(&s, &u, &ListQuery::default(), Some(o), vec![])
            .await?
            .into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((
                status,
                page(&s, &u, &ListQuery::default(), None, errors).await?,
            )
                .into_response())
        }
    }
}

pub async fn export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let list = s.app.skill_certificates();
    let all = every_page(|r| list.list(&u.principal, Some(&q.q), r)).await?;
    let mut rows = Vec::new();
    for c in &all {
        rows.push(vec![
            c.number.clone(),
            c.holder_name.clone(),
            c.occupation_code.clone(),
            c.occupation_name.clone(),
            c.level_label.to_string(),
            c.issuer.clone(),
            c.issued_on.clone(),
        ]);
    }
    s.app
        .audit()
        .record_export(
            &u.principal,
            &ctx,
            "skill_certificates",
            serde_json::json!({"q": q.q}),
            rows.len(),
        )
        .await?;
    let book = jineng_app::export::xlsx_sheets(&[(
        "职业技能等级证书",
        &[
            "证书编号",
            "持证人",
            "职业（工种）编码",
            "职业（工种）",
            "等级",
            "评价机构",
            "发证日期",
        ][..],
        &rows,
    )])?;
    Ok(xlsx_response(book, "skill-certificates.xlsx"))
}
