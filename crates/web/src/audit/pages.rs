//! The audit trail page: search by person, object, action and time; export to xlsx.

use crate::AppState;
use crate::audit::api::AuditQuery;
use crate::http::error::PageError;
use crate::http::export::xlsx_response;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use jineng_app::audit::AuditRecordView;
use jineng_app::page::PageRequest;
use serde::Deserialize;

/// The form's fields; dates are local (Asia/Shanghai) days.
#[derive(Deserialize, Default, Clone)]
pub struct AuditForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    object: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    page: Option<u64>,
}

impl AuditForm {
    fn day(
        field: &str,
        s: &str,
        next: bool,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, jineng_app::AppError> {
        if s.trim().is_empty() {
            return Ok(None);
        }
        let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| jineng_app::AppError::field(field, "日期格式应为 年-月-日"))?;
        let d = if next { d.succ_opt().unwrap_or(d) } else { d };
        let local = d
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(chrono_tz::Asia::Shanghai).single());
        Ok(local.map(|t| t.with_timezone(&chrono::Utc)))
    }

    fn query(&self) -> Result<AuditQuery, jineng_app::AppError> {
        let s = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
        Ok(AuditQuery {
            user: s(&self.user),
            object: s(&self.object),
            action: s(&self.action),
            from: Self::day("from", &self.from, false)?,
            to: Self::day("to", &self.to, true)?,
            page: self.page,
            per_page: Some(50),
        })
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("user", &self.user),
            ("object", &self.object),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ])
        .unwrap_or_default()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "audit/list.html")]
pub struct AuditPage {
    layout: Layout,
    form: AuditForm,
    items: Vec<AuditRecordView>,
    total: u64,
    page: u64,
    pages: u64,
    query: String,
}

pub use jineng_core::audit::labels::{ACTIONS, OBJECTS};

use jineng_core::audit::labels;

impl AuditPage {
    fn action_label(code: &str) -> &str {
        labels::action_label(code)
    }

    fn outcome_label(code: &str) -> &str {
        labels::outcome_label(code)
    }

    fn object_label(code: &str) -> &str {
        labels::object_label(code)
    }

    fn role_label(code: &str) -> &str {
        jineng_core::accounts::Role::parse(code)
            .map(|r| r.label())
            .unwrap_or(code)
    }

    fn actions(&self) -> &'static [(&'static str, &'static str)] {
        ACTIONS
    }

    fn local(at: &str) -> String {
        chrono::DateTime::parse_from_rfc3339(at)
            .map(|t| {
                t.with_timezone(&chrono_tz::Asia::Shanghai)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_else(|_| at.to_string())
    }
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(f): Query<AuditForm>,
) -> Result<AuditPage, PageError> {
    let q = f.query()?;
    let p = s
        .app
        .audit()
        .search(
            &u.principal,
            &q.filter(),
            PageRequest::new(f.page, None, 50),
        )
        .await?;
    Ok(AuditPage {
        layout: Layout::new("审计日志", &u, "/audit"),
        query: f.query_string(),
        form: f,
        pages: p.total.div_ceil(50).max(1),
        items: p.items,
        total: p.total,
        page: p.page,
    })
}

pub async fn export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Query(f): Query<AuditForm>,
) -> Result<Response, PageError> {
    let q = f.query()?;
    let bytes = s
        .app
        .audit()
        .export(&u.principal, &ctx, &q.filter())
        .await?;
    Ok(xlsx_response(bytes, "audit-log.xlsx"))
}
