//! `/api/v1/solicitation…`: campaigns, applications, the roadshow, objections and
//! admissions.

use crate::AppState;
use crate::http::api::{ApiJson, ApiQuery, Caller};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use jineng_app::AppError;
use jineng_app::solicitation::applications::Decision;
use jineng_app::solicitation::notice::{AdmissionView, ObjectionView};
use jineng_app::solicitation::roadshow::{AssignedExpert, Assignment};
use jineng_app::solicitation::{
    ApplicationView, CampaignDetail, CampaignInput, CampaignView, FileView, ScoreView,
};
use jineng_core::solicitation::{AdmissionStatus, ApplicationForm, CampaignStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct CriterionOut {
    pub name: String,
    pub max_points: u32,
    pub weight_percent: u32,
}

#[derive(Serialize, ToSchema)]
pub struct CampaignOut {
    pub id: String,
    pub number: String,
    pub title: String,
    pub wanted: String,
    pub requirements: String,
    /// YYYY-MM-DD.
    pub opens_on: String,
    pub closes_on: String,
    pub correct_days: i32,
    pub notice_days: i32,
    pub criteria: Vec<CriterionOut>,
    /// With at least this many scores, the highest and the lowest are dropped.
    pub trim_from: u32,
    /// draft, open, reviewing, roadshow, notice, closed.
    pub status: String,
    pub status_label: String,
    pub notice_from: Option<String>,
    pub notice_until: Option<String>,
    /// The shortlist's pass line (`60.00`).
    pub pass_score: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CampaignView> for CampaignOut {
    fn from(c: CampaignView) -> Self {
        CampaignOut {
            id: c.id,
            number: c.number,
            title: c.title,
            wanted: c.wanted,
            requirements: c.requirements,
            opens_on: c.opens_on,
            closes_on: c.closes_on,
            correct_days: c.correct_days,
            notice_days: c.notice_days,
            trim_from: c.sheet.trim_from,
            criteria: c
                .sheet
                .criteria
                .into_iter()
                .map(|k| CriterionOut {
                    name: k.name,
                    max_points: k.max_points,
                    weight_percent: k.weight_percent,
                })
                .collect(),
            status: c.status.code().into(),
            status_label: c.status_label.into(),
            notice_from: c.notice_from,
            notice_until: c.notice_until,
            pass_score: c.pass_score,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FileOut {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

impl From<FileView> for FileOut {
    fn from(f: FileView) -> Self {
        FileOut {
            id: f.id,
            filename: f.filename,
            content_type: f.content_type,
            size: f.size,
            sha256: f.sha256,
            created_at: f.created_at,
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct FormBody {
    /// 单位简介 (at most 2,000 characters each; all four needed to submit).
    #[serde(default)]
    pub summary: String,
    /// 拟提供的课程资源.
    #[serde(default)]
    pub courses: String,
    /// 制作团队.
    #[serde(default)]
    pub team: String,
    /// 资质与业绩.
    #[serde(default)]
    pub achievements: String,
}

impl From<ApplicationForm> for FormBody {
    fn from(f: ApplicationForm) -> Self {
        FormBody {
            summary: f.summary,
            courses: f.courses,
            team: f.team,
            achievements: f.achievements,
        }
    }
}

impl From<FormBody> for ApplicationForm {
    fn from(f: FormBody) -> Self {
        ApplicationForm {
            summary: f.summary,
            courses: f.courses,
            team: f.team,
            achievements: f.achievements,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ScoreOut {
    pub expert_id: String,
    pub expert_name: String,
    pub recused: bool,
    pub score: Option<String>,
    pub points: Vec<u32>,
    pub comment: String,
    pub created_at: DateTime<Utc>,
}

impl From<ScoreView> for ScoreOut {
    fn from(s: ScoreView) -> Self {
        ScoreOut {
            expert_id: s.expert_id,
            expert_name: s.expert_name,
            recused: s.recused,
            score: s.score,
            points: s.points,
            comment: s.comment,
            created_at: s.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SolicitationApplicationOut {
    pub id: String,
    pub campaign_id: String,
    pub org_id: String,
    pub org_name: String,
    /// draft, submitted, returned, rejected, approved, shortlisted, admitted, not_admitted.
    pub status: String,
    pub status_label: String,
    pub form: FormBody,
    pub correct_by: Option<String>,
    pub review_note: String,
    pub result: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub files: Vec<FileOut>,
    /// Only what the caller may see: an expert sees the others' scores once their own is in.
    pub scores: Vec<ScoreOut>,
    /// The calling expert has scored it or recused.
    pub judged: bool,
    /// The calling expert may not judge it (their unit applied).
    pub conflicted: bool,
}

impl From<ApplicationView> for SolicitationApplicationOut {
    fn from(a: ApplicationView) -> Self {
        SolicitationApplicationOut {
            id: a.id,
            campaign_id: a.campaign_id,
            org_id: a.org_id,
            org_name: a.org_name,
            status: a.status.code().into(),
            status_label: a.status_label.into(),
            form: a.form.into(),
            correct_by: a.correct_by,
            review_note: a.review_note,
            result: a.result,
            submitted_at: a.submitted_at,
            files: a.files.into_iter().map(Into::into).collect(),
            scores: a.scores.into_iter().map(Into::into).collect(),
            judged: a.judged,
            conflicted: a.conflicted,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RoadshowExpertOut {
    pub expert_id: String,
    pub name: String,
    pub unit_name: String,
    pub title: String,
    /// Applicants this expert may not judge (their unit applied).
    pub conflicts: Vec<String>,
    pub given: u64,
}

impl From<AssignedExpert> for RoadshowExpertOut {
    fn from(e: AssignedExpert) -> Self {
        RoadshowExpertOut {
            expert_id: e.expert_id,
            name: e.name,
            unit_name: e.unit_name,
            title: e.title,
            conflicts: e.conflicts,
            given: e.given,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ObjectionOut {
    pub id: String,
    pub campaign_id: String,
    pub application_id: Option<String>,
    pub about: String,
    /// Shown only to those who run the campaign.
    pub filed_by: Option<String>,
    pub body: String,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<ObjectionView> for ObjectionOut {
    fn from(o: ObjectionView) -> Self {
        ObjectionOut {
            id: o.id,
            campaign_id: o.campaign_id,
            application_id: o.application_id,
            about: o.about,
            filed_by: o.filed_by,
            body: o.body,
            answer: o.answer,
            answered_at: o.answered_at,
            created_at: o.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ShortlistOut {
    pub application_id: String,
    pub org_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct CampaignDetailOut {
    pub campaign: CampaignOut,
    pub documents: Vec<FileOut>,
    pub applications: Vec<SolicitationApplicationOut>,
    pub mine: Option<SolicitationApplicationOut>,
    pub experts: Vec<RoadshowExpertOut>,
    pub objections: Vec<ObjectionOut>,
    /// The published shortlist, from the notice on: what an objection may name.
    pub shortlist: Vec<ShortlistOut>,
    pub may_run: bool,
    pub may_apply: bool,
    pub assigned: bool,
}

impl From<CampaignDetail> for CampaignDetailOut {
    fn from(d: CampaignDetail) -> Self {
        CampaignDetailOut {
            campaign: d.campaign.into(),
            documents: d.documents.into_iter().map(Into::into).collect(),
            applications: d.applications.into_iter().map(Into::into).collect(),
            mine: d.mine.map(Into::into),
            experts: d.experts.into_iter().map(Into::into).collect(),
            objections: d.objections.into_iter().map(Into::into).collect(),
            shortlist: d
                .shortlist
                .into_iter()
                .map(|(application_id, org_name)| ShortlistOut {
                    application_id,
                    org_name,
                })
                .collect(),
            may_run: d.may_run,
            may_apply: d.may_apply,
            assigned: d.assigned,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AdmissionOut {
    pub id: String,
    pub campaign_id: String,
    pub campaign_title: String,
    pub org_id: String,
    pub org_name: String,
    /// active, suspended, ended.
    pub status: String,
    pub status_label: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<AdmissionView> for AdmissionOut {
    fn from(a: AdmissionView) -> Self {
        AdmissionOut {
            id: a.id,
            campaign_id: a.campaign_id,
            campaign_title: a.campaign_title,
            org_id: a.org_id,
            org_name: a.org_name,
            status: a.status.code().into(),
            status_label: a.status_label.into(),
            reason: a.reason,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AssignmentOut {
    pub campaign: CampaignOut,
    /// Approved applications the expert has still to score (while the roadshow runs).
    pub to_score: u64,
}

impl From<Assignment> for AssignmentOut {
    fn from(a: Assignment) -> Self {
        AssignmentOut {
            campaign: a.campaign.into(),
            to_score: a.to_score,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignIn {
    pub title: String,
    /// The occupations and training types wanted.
    pub wanted: String,
    pub requirements: String,
    /// YYYY-MM-DD: the first and the last day applications are accepted.
    pub opens_on: String,
    pub closes_on: String,
    /// Days to correct an application sent back (1–30).
    pub correct_days: u32,
    /// Days the public notice runs (1–30).
    pub notice_days: u32,
    /// The scoring sheet, one `名称,满分,权重` line per criterion; weights sum to 100.
    pub sheet: String,
    /// From how many scores the highest and the lowest are dropped (3–50; usually 5).
    pub trim_from: u32,
}

impl CampaignIn {
    fn parse(self) -> Result<CampaignInput, AppError> {
        let day = |field: &str, s: &str| {
            chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| AppError::field(field, "日期格式应为YYYY-MM-DD"))
        };
        Ok(CampaignInput {
            opens_on: day("opens_on", &self.opens_on)?,
            closes_on: day("closes_on", &self.closes_on)?,
            title: self.title,
            wanted: self.wanted,
            requirements: self.requirements,
            correct_days: self.correct_days,
            notice_days: self.notice_days,
            sheet: self.sheet,
            trim_from: self.trim_from,
        })
    }
}

/// Campaigns, newest first: every one for those who run them, the published ones for
/// everyone else.
#[utoipa::path(get, path = "/solicitation/campaigns", tag = "solicitation",
    responses((status = 200, body = [CampaignOut])), security(("bearer" = [])))]
pub async fn campaigns(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<CampaignOut>>, ApiError> {
    Ok(Json(
        s.app
            .solicitation()
            .campaigns(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Open a campaign as a draft (operators, the province's regulators).
#[utoipa::path(post, path = "/solicitation/campaigns", tag = "solicitation", request_body = CampaignIn,
    responses((status = 201, body = CampaignOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn create_campaign(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(b): ApiJson<CampaignIn>,
) -> Result<(StatusCode, Json<CampaignOut>), ApiError> {
    let input = b.parse()?;
    let c = s
        .app
        .solicitation()
        .create_campaign(&who, &ctx, input)
        .await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// A campaign with its documents, and the applications, experts and objections the caller
/// may see.
#[utoipa::path(get, path = "/solicitation/campaigns/{id}", tag = "solicitation", params(("id" = String, Path)),
    responses((status = 200, body = CampaignDetailOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn campaign(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<CampaignDetailOut>, ApiError> {
    Ok(Json(s.app.solicitation().campaign(&who, &id).await?.into()))
}

/// Change a campaign while it is a draft.
#[utoipa::path(put, path = "/solicitation/campaigns/{id}", tag = "solicitation", params(("id" = String, Path)), request_body = CampaignIn,
    responses((status = 200, body = CampaignOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn update_campaign(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CampaignIn>,
) -> Result<Json<CampaignOut>, ApiError> {
    let input = b.parse()?;
    Ok(Json(
        s.app
            .solicitation()
            .update_campaign(&who, &ctx, &id, input)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageIn {
    /// The next stage: open, reviewing, roadshow, notice or closed.
    pub to: String,
    /// The shortlist's pass line out of 100 (`60`, `75.5`), to publish the notice.
    #[serde(default)]
    pub pass_score: Option<String>,
}

/// Move a campaign to its next stage.
#[utoipa::path(post, path = "/solicitation/campaigns/{id}/stage", tag = "solicitation", params(("id" = String, Path)), request_body = StageIn,
    responses((status = 200, body = CampaignOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn advance(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<StageIn>,
) -> Result<Json<CampaignOut>, ApiError> {
    let to = CampaignStatus::parse(b.to.trim()).ok_or_else(|| {
        AppError::field("to", "阶段应为open、reviewing、roadshow、notice或closed")
    })?;
    Ok(Json(
        s.app
            .solicitation()
            .advance(&who, &ctx, &id, to, b.pass_score.as_deref())
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FileQuery {
    /// The file's name as the uploader knows it.
    #[serde(default)]
    pub filename: String,
}

/// Attach a document (specification, form) to a campaign in draft or open.
#[utoipa::path(post, path = "/solicitation/campaigns/{id}/files", tag = "solicitation", params(("id" = String, Path), FileQuery),
    request_body(content = Vec<u8>, content_type = "application/pdf", description = "The file itself (PDF, PNG or JPEG, at most 10 MB); its type is judged from its content"),
    responses((status = 201, body = FileOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn attach_campaign_file(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<FileQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<FileOut>), ApiError> {
    let f = s
        .app
        .solicitation()
        .attach_campaign_file(&who, &ctx, &id, &q.filename, body.to_vec())
        .await?;
    Ok((StatusCode::CREATED, Json(f.into())))
}

/// A campaign's document, or an application's material the caller may read (audited).
#[utoipa::path(get, path = "/solicitation/campaigns/{id}/files/{file}", tag = "solicitation", params(("id" = String, Path), ("file" = String, Path)),
    responses((status = 200, description = "The file, with the content type judged at upload", content_type = "application/pdf"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn file(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (f, bytes) = s.app.solicitation().file(&who, &ctx, &id, &file).await?;
    Ok(crate::http::files::document_response(
        &f.content_type,
        &f.filename,
        bytes,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoadshowExpertIn {
    /// An expert of the pool (`GET /experts`).
    pub expert_id: String,
}

/// Assign an expert of the pool to the campaign's roadshow.
#[utoipa::path(post, path = "/solicitation/campaigns/{id}/experts", tag = "solicitation", params(("id" = String, Path)), request_body = RoadshowExpertIn,
    responses((status = 200, body = [RoadshowExpertOut]), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn assign_expert(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RoadshowExpertIn>,
) -> Result<Json<Vec<RoadshowExpertOut>>, ApiError> {
    Ok(Json(
        s.app
            .solicitation()
            .assign_expert(&who, &ctx, &id, &b.expert_id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Take an expert who has not scored yet off the campaign.
#[utoipa::path(delete, path = "/solicitation/campaigns/{id}/experts/{expert}", tag = "solicitation", params(("id" = String, Path), ("expert" = String, Path)),
    responses((status = 200, body = [RoadshowExpertOut]), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn remove_expert(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path((id, expert)): Path<(String, String)>,
) -> Result<Json<Vec<RoadshowExpertOut>>, ApiError> {
    Ok(Json(
        s.app
            .solicitation()
            .remove_expert(&who, &ctx, &id, &expert)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Save the caller's organisation's application to an open campaign as a draft (the
/// first save creates it; a returned one is corrected the same way).
#[utoipa::path(put, path = "/solicitation/campaigns/{id}/application", tag = "solicitation", params(("id" = String, Path)), request_body = FormBody,
    responses((status = 200, body = SolicitationApplicationOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn save_application(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<FormBody>,
) -> Result<Json<SolicitationApplicationOut>, ApiError> {
    Ok(Json(
        s.app
            .solicitation()
            .save_application(&who, &ctx, &id, b.into())
            .await?
            .into(),
    ))
}

/// An application the caller may see.
#[utoipa::path(get, path = "/solicitation/applications/{id}", tag = "solicitation", params(("id" = String, Path)),
    responses((status = 200, body = SolicitationApplicationOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn application(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<SolicitationApplicationOut>, ApiError> {
    Ok(Json(
        s.app.solicitation().application(&who, &id).await?.into(),
    ))
}

/// Submit the caller's organisation's application (within the window, or by the
/// correction deadline when returned).
#[utoipa::path(post, path = "/solicitation/applications/{id}/submit", tag = "solicitation", params(("id" = String, Path)),
    responses((status = 200, body = SolicitationApplicationOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn submit_application(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<SolicitationApplicationOut>, ApiError> {
    Ok(Json(
        s.app
            .solicitation()
            .submit_application(&who, &ctx, &id)
            .await?
            .into(),
    ))
}

/// Attach a material to the caller's organisation's application while it may change.
#[utoipa::path(post, path = "/solicitation/applications/{id}/files", tag = "solicitation", params(("id" = String, Path), FileQuery),
    request_body(content = Vec<u8>, content_type = "application/pdf", description = "The file itself (PDF, PNG or JPEG, at most 10 MB); its type is judged from its content"),
    responses((status = 201, body = FileOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn attach_material(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<FileQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<FileOut>), ApiError> {
    let f = s
        .app
        .solicitation()
        .attach_material(&who, &ctx, &id, &q.filename, body.to_vec())
        .await?;
    Ok((StatusCode::CREATED, Json(f.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialReviewIn {
    /// approve, return (for correction) or reject.
    pub decision: String,
    /// Required unless approved (at most 500 characters).
    #[serde(default)]
    pub note: String,
}

/// Decide a submitted application on its materials.
#[utoipa::path(post, path = "/solicitation/applications/{id}/review", tag = "solicitation", params(("id" = String, Path)), request_body = MaterialReviewIn,
    responses((status = 200, body = SolicitationApplicationOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn review_application(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MaterialReviewIn>,
) -> Result<Json<SolicitationApplicationOut>, ApiError> {
    let d = Decision::parse(b.decision.trim())
        .ok_or_else(|| AppError::field("decision", "审核结果应为approve、return或reject"))?;
    Ok(Json(
        s.app
            .solicitation()
            .review_application(&who, &ctx, &id, d, &b.note)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreIn {
    /// Points for every criterion of the sheet, in its order.
    pub points: Vec<u32>,
    #[serde(default)]
    pub comment: String,
}

/// Score an approved application (an assigned expert, once).
#[utoipa::path(post, path = "/solicitation/applications/{id}/score", tag = "solicitation", params(("id" = String, Path)), request_body = ScoreIn,
    responses((status = 200, body = SolicitationApplicationOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn score(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ScoreIn>,
) -> Result<Json<SolicitationApplicationOut>, ApiError> {
    Ok(Json(
        s.app
            .solicitation()
            .score(&who, &ctx, &id, &b.points, &b.comment)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonIn {
    /// Why (1–500 characters).
    pub reason: String,
}

/// Declare a conflict of interest with an application and stay out of it (an assigned
/// expert).
#[utoipa::path(post, path = "/solicitation/applications/{id}/recuse", tag = "solicitation", params(("id" = String, Path)), request_body = ReasonIn,
    responses((status = 200, body = SolicitationApplicationOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn recuse(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonIn>,
) -> Result<Json<SolicitationApplicationOut>, ApiError> {
    Ok(Json(
        s.app
            .solicitation()
            .recuse(&who, &ctx, &id, &b.reason)
            .await?
            .into(),
    ))
}

/// Take a shortlisted application off the list during the notice, with the reason.
#[utoipa::path(post, path = "/solicitation/applications/{id}/drop", tag = "solicitation", params(("id" = String, Path)), request_body = ReasonIn,
    responses((status = 200, body = SolicitationApplicationOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn drop_application(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonIn>,
) -> Result<Json<SolicitationApplicationOut>, ApiError> {
    Ok(Json(
        s.app
            .solicitation()
            .drop_from_shortlist(&who, &ctx, &id, &b.reason)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionIn {
    /// A shortlisted application objected to; none for the campaign as a whole.
    #[serde(default)]
    pub application_id: Option<String>,
    /// The facts and reasons (5–500 characters).
    pub body: String,
}

/// File an objection against a campaign's public notice (anyone signed in, while it runs).
#[utoipa::path(post, path = "/solicitation/campaigns/{id}/objections", tag = "solicitation", params(("id" = String, Path)), request_body = ObjectionIn,
    responses((status = 201, body = ObjectionOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn object(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ObjectionIn>,
) -> Result<(StatusCode, Json<ObjectionOut>), ApiError> {
    let o = s
        .app
        .solicitation()
        .object(&who, &ctx, &id, b.application_id.as_deref(), &b.body)
        .await?;
    Ok((StatusCode::CREATED, Json(o.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionAnswerIn {
    /// The answer (1–500 characters), given once.
    pub answer: String,
}

/// Answer an objection while the notice runs.
#[utoipa::path(post, path = "/solicitation/objections/{id}/answer", tag = "solicitation", params(("id" = String, Path)), request_body = ObjectionAnswerIn,
    responses((status = 200, body = ObjectionOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn answer_objection(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ObjectionAnswerIn>,
) -> Result<Json<ObjectionOut>, ApiError> {
    Ok(Json(
        s.app
            .solicitation()
            .answer_objection(&who, &ctx, &id, &b.answer)
            .await?
            .into(),
    ))
}

/// Admitted providers: all for those who run campaigns, one's own for a provider.
#[utoipa::path(get, path = "/solicitation/admissions", tag = "solicitation",
    responses((status = 200, body = [AdmissionOut]), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn admissions(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<AdmissionOut>>, ApiError> {
    Ok(Json(
        s.app
            .solicitation()
            .admissions(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdmissionIn {
    /// active (restore), suspended or ended.
    pub to: String,
    /// Why (1–500 characters).
    pub reason: String,
}

/// Suspend, restore or end an admission.
#[utoipa::path(post, path = "/solicitation/admissions/{id}/status", tag = "solicitation", params(("id" = String, Path)), request_body = AdmissionIn,
    responses((status = 200, body = AdmissionOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn set_admission(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AdmissionIn>,
) -> Result<Json<AdmissionOut>, ApiError> {
    let to = AdmissionStatus::parse(b.to.trim())
        .ok_or_else(|| AppError::field("to", "入驻状态应为active、suspended或ended"))?;
    Ok(Json(
        s.app
            .solicitation()
            .set_admission(&who, &ctx, &id, to, &b.reason)
            .await?
            .into(),
    ))
}

/// The campaigns the caller is assigned to as an expert.
#[utoipa::path(get, path = "/solicitation/my-roadshows", tag = "solicitation",
    responses((status = 200, body = [AssignmentOut]), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn my_roadshows(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<AssignmentOut>>, ApiError> {
    Ok(Json(
        s.app
            .solicitation()
            .my_roadshows(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}
