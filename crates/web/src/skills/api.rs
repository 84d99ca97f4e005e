//! `/api/v1/skill-certificates…` and `/api/v1/me/skill-certificates`.

use crate::AppState;
use crate::http::api::{ApiQuery, Caller, Paged};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use jineng_app::page::PageRequest;
use jineng_app::skills::{ImportOutcome, SkillCertificateView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct SkillCertificateOut {
    pub id: String,
    /// As printed by the appraisal organisation.
    pub number: String,
    pub user_id: String,
    pub holder_name: String,
    pub occupation_code: String,
    pub occupation_name: String,
    /// 1 (一级/高级技师) to 5 (五级/初级工).
    pub level: i32,
    pub level_label: String,
    /// The appraisal organisation (评价机构).
    pub issuer: String,
    /// YYYY-MM-DD
    pub issued_on: String,
}

impl From<SkillCertificateView> for SkillCertificateOut {
    fn from(v: SkillCertificateView) -> Self {
        SkillCertificateOut {
            id: v.id,
            number: v.number,
            user_id: v.user_id,
            holder_name: v.holder_name,
            occupation_code: v.occupation_code,
            occupation_name: v.occupation_name,
            level: v.level,
            level_label: v.level_label.into(),
            issuer: v.issuer,
            issued_on: v.issued_on,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SkillQuery {
    /// Number, holder, occupation or issuer (substring).
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/skill-certificates", tag = "certificates", params(SkillQuery),
    responses((status = 200, body = Paged<SkillCertificateOut>)), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<SkillQuery>,
) -> Result<Json<Paged<SkillCertificateOut>>, ApiError> {
    let p = s
        .app
        .skill_certificates()
        .list(
            &who,
            q.q.as_deref(),
            PageRequest::new(q.page, q.per_page, 20),
        )
        .await?;
    Ok(Json(Paged {
        items: p.items.into_iter().map(Into::into).collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    }))
}

#[utoipa::path(get, path = "/me/skill-certificates", tag = "certificates",
    responses((status = 200, body = Vec<SkillCertificateOut>)), security(("bearer" = [])))]
pub async fn mine(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<SkillCertificateOut>>, ApiError> {
    Ok(Json(
        s.app
            .skill_certificates()
            .mine(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct SkillRefusedRowOut {
    /// The row number as the spreadsheet shows it.
    pub row: u32,
    /// The row's seven cells as read.
    pub cells: Vec<String>,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct SkillImportOut {
    pub imported: usize,
    pub refused: Vec<SkillRefusedRowOut>,
}

impl From<ImportOutcome> for SkillImportOut {
    fn from(o: ImportOutcome) -> Self {
        SkillImportOut {
            imported: o.imported,
            refused: o
                .refused
                .into_iter()
                .map(|r| SkillRefusedRowOut {
                    row: r.row,
                    cells: r.cells,
                    reason: r.reason,
                })
                .collect(),
        }
    }
}

/// Import an appraisal organisation's result sheet (the template's columns 姓名, 身份证号,
/// 证书编号, 职业（工种）编码, 等级, 评价机构, 发证日期; at most 5,000 rows). A row is
/// linked only when name and ID number match one learner of the caller's region; a
/// number already imported is refused, so importing again adds nothing.
#[utoipa::path(post, path = "/skill-certificates/imports", tag = "certificates",
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "The filled-in template"),
    responses((status = 200, body = SkillImportOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn import(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    body: Bytes,
) -> Result<Json<SkillImportOut>, ApiError> {
    Ok(Json(
        s.app
            .skill_certificates()
            .import(&who, &ctx, body.to_vec())
            .await?
            .into(),
    ))
}
