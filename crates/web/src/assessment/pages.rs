//! The score sheet page (考评成绩表): one form for the fields the caller may set, the
//! submit / confirm / return buttons of the two-person check, the changes after
//! publishing, and the Excel export.

use crate::AppState;
use crate::http::error::{PageError, fixable};
use crate::http::export::xlsx_response;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use crate::study::supervision::when;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::assessment::{RowInput, SaveInput, SheetView};
use jineng_app::{AppError, FieldError};
use jineng_core::assessment::{Field, Performance, SheetStatus};
use serde::Deserialize;
use std::collections::HashMap;

/// What the page says after an action (`?ok=`).
fn notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "saved" => "成绩已保存。",
        "corrected" => {
            "修改已保存并转为待复核：须由另一人复核确认后重新发布，复核前学员看到的仍是原成绩。"
        }
        "unchanged" => "没有需要保存的修改。",
        "submitted" => "已提交复核，请另一位工作人员或授课讲师确认后发布。",
        "confirmed" => "成绩已确认发布，学员现在可以查看，并已写入证据日志。",
        "returned" => "已退回修改。",
        _ => return None,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "assessment/sheet.html")]
pub struct SheetPage {
    layout: Layout,
    v: SheetView,
    notice: Option<&'static str>,
    errors: Vec<String>,
    performances: &'static [Performance],
}

impl SheetPage {
    fn when(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        when(t)
    }
    fn can(&self, code: &str) -> bool {
        self.v.editable.iter().any(|f| f.code() == code)
    }
    fn editing(&self) -> bool {
        !self.v.editable.is_empty()
    }
    fn published(&self) -> bool {
        self.v.status == jineng_core::assessment::SheetStatus::Published
    }
    fn number(v: &Option<i32>) -> String {
        v.map(|n| n.to_string()).unwrap_or_default()
    }
}

async fn page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    notice: Option<&'static str>,
    errors: Vec<String>,
) -> Result<SheetPage, PageError> {
    let v = s.app.assessment().sheet(&u.principal, id).await?;
    Ok(SheetPage {
        layout: Layout::new(format!("考评成绩表 · {}", v.class_name), u, "/classes"),
        v,
        notice,
        errors,
        performances: Performance::ALL,
    })
}

#[derive(Deserialize, Default)]
pub struct SheetQuery {
    #[serde(default)]
    ok: String,
}

pub async fn sheet(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<SheetQuery>,
) -> Result<SheetPage, PageError> {
    page(&s, &u, &id, notice(&q.ok), vec![]).await
}

/// The form's fields: `pass_mark`, `reason`, and per learner `days.<id>`, `perf.<id>`,
/// `theory.<id>`, `practical.<id>`, `eval.<id>` (only those the page offered the caller),
/// each with `was.<field>.<id>`, the value the page showed. A field still equal to what
/// the page showed is left out, so saving the page never puts back a value someone else
/// changed meanwhile. An empty box clears the value; a box that is not a whole number is
/// an error.
fn parse_form(fields: &[(String, String)]) -> Result<SaveInput, AppError> {
    let mut rows: Vec<RowInput> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut errors = Vec::new();
    let mut input = SaveInput::default();
    let was: HashMap<&str, &str> = fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("was.")?, v.as_str())))
        .collect();
    let int = |label: &str, v: &str, errors: &mut Vec<FieldError>| -> Option<i32> {
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        v.parse::<i32>().ok().or_else(|| {
            errors.push(FieldError::new(label, format!("{label}应为整数：{v}")));
            None
        })
    };
    for (k, v) in fields {
        match k.as_str() {
            "pass_mark" => input.pass_mark = int("及格分", v, &mut errors),
            "reason" => input.reason = Some(v.clone()),
            _ => {
                let Some((f, uid)) = k.split_once('.') else {
                    continue;
                };
                if !matches!(f, "days" | "perf" | "theory" | "practical" | "eval")
                    || was.get(k.as_str()).is_some_and(|w| {
                        w.replace("\r\n", "\n").trim() == v.replace("\r\n", "\n").trim()
                    })
                {
                    continue;
                }
                let i = match at.get(uid) {
                    Some(i) => *i,
                    None => {
                        if rows.len() >= super::api::MAX_ROWS {
                            return Err(AppError::field("rows", "一次最多提交2000名学员的成绩"));
                        }
                        rows.push(RowInput {
                            user_id: uid.to_string(),
                            ..RowInput::default()
                        });
                        at.insert(uid.to_string(), rows.len() - 1);
                        rows.len() - 1
                    }
                };
                let r = &mut rows[i];
                match f {
                    "days" => {
                        r.attendance_days = Some(int(Field::AttendanceDays.label(), v, &mut errors))
                    }
                    "perf" => {
                        r.performance = Some(if v.is_empty() {
                            None
                        } else {
                            match Performance::parse(v) {
                                Some(p) => Some(p),
                                None => {
                                    errors.push(FieldError::new("perf", "课堂表现的取值无效"));
                                    None
                                }
                            }
                        })
                    }
                    "theory" => r.theory = Some(int(Field::Theory.label(), v, &mut errors)),
                    "practical" => {
                        r.practical = Some(int(Field::Practical.label(), v, &mut errors))
                    }
                    _ => r.evaluation = Some(v.clone()),
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    input.rows = rows;
    Ok(input)
}

pub async fn save(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let done = match parse_form(&fields) {
        Ok(input) => {
            s.app
                .assessment()
                .save(&u.principal, &ctx, &id, &input)
                .await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(saved) => {
            let ok = match (saved.changed, saved.status) {
                (0, _) => "unchanged",
                (_, SheetStatus::Submitted) => "corrected",
                _ => "saved",
            };
            Ok(Redirect::to(&format!("/classes/{id}/assessment?ok={ok}")).into_response())
        }
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, page(&s, &u, &id, None, errors).await?).into_response())
        }
    }
}

async fn act(
    s: &AppState,
    u: &PageUser,
    id: &str,
    done: Result<(), AppError>,
    ok: &str,
) -> Result<Response, PageError> {
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/classes/{id}/assessment?ok={ok}")).into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, page(s, u, id, None, errors).await?).into_response())
        }
    }
}

pub async fn submit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let done = s.app.assessment().submit(&u.principal, &ctx, &id).await;
    act(&s, &u, &id, done, "submitted").await
}

pub async fn confirm(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let done = s.app.assessment().confirm(&u.principal, &ctx, &id).await;
    act(&s, &u, &id, done, "confirmed").await
}

#[derive(Deserialize)]
pub struct ReturnForm {
    #[serde(default)]
    reason: String,
}

pub async fn send_back(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ReturnForm>,
) -> Result<Response, PageError> {
    let done = s
        .app
        .assessment()
        .send_back(&u.principal, &ctx, &id, &f.reason)
        .await;
    act(&s, &u, &id, done, "returned").await
}

pub async fn export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let v = s.app.assessment().sheet(&u.principal, &id).await?;
    let n = |x: Option<i32>| x.map(|x| x.to_string()).unwrap_or_default();
    let rows: Vec<Vec<String>> = v
        .rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                format!("{}/{}", r.sessions_attended, r.sessions_total),
                n(r.attendance_days),
                r.performance_label.to_string(),
                n(r.theory),
                n(r.practical),
                r.evaluation.clone(),
                match r.passed {
                    None => "未录入".into(),
                    Some(true) => "合格".into(),
                    Some(false) => "不合格".into(),
                },
            ]
        })
        .collect();
    s.app
        .audit()
        .record_export(
            &u.principal,
            &ctx,
            "assessment",
            serde_json::json!({"class": v.class_id, "status": v.status.code()}),
            rows.len(),
        )
        .await?;
    let book = jineng_app::export::xlsx_sheets(&[(
        "考评成绩表",
        &[
            "学员",
            "签到/课次",
            "出勤天数",
            "课堂表现",
            "理论成绩",
            "实操成绩",
            "评估意见",
            "结果",
        ][..],
        &rows,
    )])?;
    Ok(xlsx_response(book, "assessment.xlsx"))
}
