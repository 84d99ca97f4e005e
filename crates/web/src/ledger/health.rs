//! `/ledger/health`: the evidence log's health for regulators and auditors — size, the
//! latest checkpoint and who cosigned it, each witness's last push, and the runs of the
//! full check with what they found. A system admin can start a check.

use crate::AppState;
use crate::http::error::PageError;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::ledger::health::LedgerHealth;
use jineng_core::accounts::Role;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "ledger_health.html")]
pub struct HealthPage {
    layout: Layout,
    h: LedgerHealth,
    may_run: bool,
    notice: bool,
}

impl HealthPage {
    fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
        t.with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    fn maybe(t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        t.as_ref().map(Self::when).unwrap_or_else(|| "—".into())
    }

    fn trigger(t: &str) -> &'static str {
        match t {
            "cli" => "命令行",
            "schedule" => "定时",
            "admin" => "管理员发起",
            _ => "其他",
        }
    }
}

#[derive(Deserialize, Default)]
pub struct HealthQuery {
    #[serde(default)]
    done: String,
}

pub async fn show(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<HealthQuery>,
) -> Result<HealthPage, PageError> {
    let h = s.app.ledger().health(&u.principal).await?;
    Ok(HealthPage {
        layout: Layout::new("证据日志运行状况", &u, "/ledger/health"),
        may_run: u.principal.has_role(Role::SystemAdmin),
        notice: q.done == "queued",
        h,
    })
}

pub async fn verify_now(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
) -> Result<Response, PageError> {
    s.app.ledger().request_verify(&u.principal, &ctx).await?;
    Ok(Redirect::to("/ledger/health?done=queued").into_response())
}
