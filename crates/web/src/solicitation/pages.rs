//! 资源征集 pages: the campaigns list, one campaign's page (what each caller may do there:
//! run it, apply, score, object), admissions, and the public notices anyone may read
//! without signing in. A refusal answers the campaign's page with the reasons.

use crate::AppState;
use crate::http::error::{PageError, fixable};
use crate::http::export::xlsx_response;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::{MaybeSession, PageUser};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use jineng_app::AppError;
use jineng_app::courses::experts::ExpertView;
use jineng_app::solicitation::applications::Decision;
use jineng_app::solicitation::notice::{AdmissionView, PublicNotice};
use jineng_app::solicitation::roadshow::Assignment;
use jineng_app::solicitation::{ApplicationView, CampaignDetail, CampaignInput, CampaignView};
use jineng_core::accounts::Permission;
use jineng_core::solicitation::{
    AdmissionStatus, ApplicationForm, ApplicationStatus, CampaignStatus,
};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn done_text(done: &str) -> Option<&'static str> {
    Some(match done {
        "created" => "征集已创建（草稿）。补充征集文件后即可发布。",
        "updated" => "征集已修改。",
        "stage" => "征集已进入下一阶段。",
        "file" => "文件已上传。",
        "expert" => "专家指派已更新。",
        "saved" => "申报已保存为草稿，提交前仍可修改。",
        "submitted" => "申报已提交，请等待材料审核。",
        "reviewed" => "审核结果已保存。",
        "scored" => "评分已提交。",
        "recused" => "已登记回避。",
        "dropped" => "已移出入围名单。",
        "objected" => "异议已提交，答复后会显示在本页。",
        "answered" => "异议已答复。",
        "admission" => "入驻状态已更新。",
        _ => return None,
    })
}

// ----- the list -----

#[derive(Template, WebTemplate)]
#[template(path = "solicitation/list.html")]
pub struct ListPage {
    layout: Layout,
    notice: Option<&'static str>,
    errors: Vec<String>,
    runs: bool,
    campaigns: Vec<CampaignView>,
    mine: Vec<(String, ApplicationView)>,
    roadshows: Vec<Assignment>,
    form: CampaignForm,
}

#[derive(Deserialize, Default, Clone)]
pub struct CampaignForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    wanted: String,
    #[serde(default)]
    requirements: String,
    #[serde(default)]
    opens_on: String,
    #[serde(default)]
    closes_on: String,
    #[serde(default)]
    correct_days: String,
    #[serde(default)]
    notice_days: String,
    #[serde(default)]
    sheet: String,
    #[serde(default)]
    trim_from: String,
}

impl CampaignForm {
    fn of(c: &CampaignView) -> CampaignForm {
        CampaignForm {
            title: c.title.clone(),
            wanted: c.wanted.clone(),
            requirements: c.requirements.clone(),
            opens_on: c.opens_on.clone(),
            closes_on: c.closes_on.clone(),
            correct_days: c.correct_days.to_string(),
            notice_days: c.notice_days.to_string(),
            sheet: c.sheet_text.clone(),
            trim_from: c.sheet.trim_from.to_string(),
        }
    }

    fn blank() -> CampaignForm {
        CampaignForm {
            correct_days: "5".into(),
            notice_days: "7".into(),
            trim_from: "5".into(),
            sheet: "课程内容,40,40\n画面与声音,20,20\n题目相关性,20,20\n团队与保障,20,20".into(),
            ..CampaignForm::default()
        }
    }

    fn parse(&self) -> Result<CampaignInput, AppError> {
        let mut e = Vec::new();
        let day = |field: &str, s: &str, e: &mut Vec<jineng_app::FieldError>| {
            chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| e.push(jineng_app::FieldError::new(field, "请选择日期")))
                .ok()
        };
        let num = |field: &str, label: &str, s: &str, e: &mut Vec<jineng_app::FieldError>| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| {
                    e.push(jineng_app::FieldError::new(
                        field,
                        format!("{label}应为整数"),
                    ))
                })
                .ok()
        };
        let opens_on = day("opens_on", &self.opens_on, &mut e);
        let closes_on = day("closes_on", &self.closes_on, &mut e);
        let correct_days = num("correct_days", "补正期", &self.correct_days, &mut e);
        let notice_days = num("notice_days", "公示期", &self.notice_days, &mut e);
        let trim_from = num(
            "trim_from",
            "去掉最高最低分的专家人数",
            &self.trim_from,
            &mut e,
        );
        match (opens_on, closes_on, correct_days, notice_days, trim_from) {
            (Some(o), Some(c), Some(cd), Some(nd), Some(t)) if e.is_empty() => Ok(CampaignInput {
                title: self.title.clone(),
                wanted: self.wanted.clone(),
                requirements: self.requirements.clone(),
                opens_on: o,
                closes_on: c,
                correct_days: cd,
                notice_days: nd,
                sheet: self.sheet.clone(),
                trim_from: t,
            }),
            _ => Err(AppError::Validation(e)),
        }
    }
}

async fn list_page(
    s: &AppState,
    u: &PageUser,
    done: &str,
    form: CampaignForm,
    errors: Vec<String>,
) -> Result<ListPage, PageError> {
    let p = &u.principal;
    let sol = s.app.solicitation();
    let mine = if p.can(Permission::ApplySolicitations) {
        sol.my_applications(p).await.unwrap_or_default()
    } else {
        vec![]
    };
    let roadshows = if p.can(Permission::ScoreRoadshows) {
        sol.my_roadshows(p).await.unwrap_or_default()
    } else {
        vec![]
    };
    Ok(ListPage {
        layout: Layout::new("资源征集", u, "/solicitation"),
        notice: done_text(done),
        errors,
        runs: sol.runs(p),
        campaigns: sol.campaigns(p).await?,
        mine,
        roadshows,
        form,
    })
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<DoneQuery>,
) -> Result<ListPage, PageError> {
    list_page(&s, &u, &q.done, CampaignForm::blank(), vec![]).await
}

pub async fn create(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<CampaignForm>,
) -> Result<Response, PageError> {
    if !s.app.solicitation().runs(&u.principal) {
        return Err(PageError(AppError::Forbidden));
    }
    let r = match f.parse() {
        Ok(i) => {
            s.app
                .solicitation()
                .create_campaign(&u.principal, &ctx, i)
                .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(c) => Ok(Redirect::to(&format!("/solicitation/{}?done=created", c.id)).into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, list_page(&s, &u, "", f, errors).await?).into_response())
        }
    }
}

// ----- one campaign -----

#[derive(Template, WebTemplate)]
#[template(path = "solicitation/campaign.html")]
pub struct CampaignPage {
    layout: Layout,
    notice: Option<&'static str>,
    errors: Vec<String>,
    d: CampaignDetail,
    form: CampaignForm,
    next: Option<CampaignStatus>,
    /// The expert pool, to assign from (those who run the campaign).
    pool: Vec<ExpertView>,
    /// The caller's own application form as shown (kept as typed after a refusal).
    own: ApplicationForm,
    signed_in_may_object: bool,
}

impl CampaignPage {
    fn criteria(&self) -> Vec<(usize, String, u32, u32)> {
        self.d
            .campaign
            .sheet
            .criteria
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.name.clone(), c.max_points, c.weight_percent))
            .collect()
    }

    fn may_score(&self, a: &ApplicationView) -> bool {
        self.d.assigned
            && self.d.campaign.status == CampaignStatus::Roadshow
            && a.status == ApplicationStatus::Approved
            && !a.judged
            && !a.conflicted
    }

    fn may_review(&self, a: &ApplicationView) -> bool {
        self.d.may_run
            && self.d.campaign.status == CampaignStatus::Reviewing
            && a.status == ApplicationStatus::Submitted
    }

    fn may_drop(&self, a: &ApplicationView) -> bool {
        self.d.may_run
            && self.d.campaign.status == CampaignStatus::Notice
            && a.status == ApplicationStatus::Shortlisted
    }

    fn may_edit_own(&self) -> bool {
        match &self.d.mine {
            Some(a) => a.status.editable(),
            None => self.d.may_apply && self.d.campaign.status == CampaignStatus::Open,
        }
    }

    fn stages(&self) -> &'static [CampaignStatus] {
        CampaignStatus::ALL
    }

    fn is_draft(&self) -> bool {
        self.d.campaign.status == CampaignStatus::Draft
    }

    fn takes_documents(&self) -> bool {
        self.d.may_run && self.d.campaign.status <= CampaignStatus::Open
    }

    fn takes_experts(&self) -> bool {
        self.d.may_run
            && matches!(
                self.d.campaign.status,
                CampaignStatus::Reviewing | CampaignStatus::Roadshow
            )
    }

    fn to_notice(&self) -> bool {
        self.next == Some(CampaignStatus::Notice)
    }

    fn answerable(&self) -> bool {
        self.d.may_run && self.d.campaign.status == CampaignStatus::Notice
    }
}

async fn campaign_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    done: &str,
    own: Option<ApplicationForm>,
    form: Option<CampaignForm>,
    errors: Vec<String>,
) -> Result<CampaignPage, PageError> {
    let p = &u.principal;
    let sol = s.app.solicitation();
    let d = sol.campaign(p, id).await?;
    let pool = if d.may_run
        && matches!(
            d.campaign.status,
            CampaignStatus::Reviewing | CampaignStatus::Roadshow
        ) {
        s.app.courses().experts(p).await.unwrap_or_default()
    } else {
        vec![]
    };
    let own = own.unwrap_or_else(|| d.mine.as_ref().map(|a| a.form.clone()).unwrap_or_default());
    let form = form.unwrap_or_else(|| CampaignForm::of(&d.campaign));
    Ok(CampaignPage {
        layout: Layout::new(d.campaign.title.clone(), u, "/solicitation"),
        notice: done_text(done),
        errors,
        next: if d.may_run {
            d.campaign.status.next()
        } else {
            None
        },
        signed_in_may_object: d.campaign.status == CampaignStatus::Notice,
        d,
        form,
        pool,
        own,
    })
}

pub async fn campaign(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<CampaignPage, PageError> {
    campaign_page(&s, &u, &id, &q.done, None, None, vec![]).await
}

/// Back to the campaign's page: with `done` on success, the reasons on a refusal.
async fn after(
    s: &AppState,
    u: &PageUser,
    id: &str,
    r: Result<&'static str, AppError>,
    own: Option<ApplicationForm>,
    form: Option<CampaignForm>,
) -> Result<Response, PageError> {
    match r {
        Ok(done) => Ok(Redirect::to(&format!("/solicitation/{id}?done={done}")).into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((
                status,
                campaign_page(s, u, id, "", own, form, errors).await?,
            )
                .into_response())
        }
    }
}

pub async fn update(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<CampaignForm>,
) -> Result<Response, PageError> {
    if !s.app.solicitation().runs(&u.principal) {
        return Err(PageError(AppError::Forbidden));
    }
    let r = match f.parse() {
        Ok(i) => s
            .app
            .solicitation()
            .update_campaign(&u.principal, &ctx, &id, i)
            .await
            .map(|_| "updated"),
        Err(e) => Err(e),
    };
    after(&s, &u, &id, r, None, Some(f)).await
}

#[derive(Deserialize, Default)]
pub struct StageForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    pass_score: String,
}

pub async fn advance(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<StageForm>,
) -> Result<Response, PageError> {
    let r = match CampaignStatus::parse(f.to.trim()) {
        Some(to) => s
            .app
            .solicitation()
            .advance(&u.principal, &ctx, &id, to, Some(&f.pass_score))
            .await
            .map(|_| "stage"),
        None => Err(AppError::field("to", "请选择下一阶段")),
    };
    after(&s, &u, &id, r, None, None).await
}

fn unreadable() -> AppError {
    AppError::field(
        "file",
        format!(
            "上传的内容无法读取，单个文件不能超过{}MB",
            jineng_core::documents::MAX_DOCUMENT_BYTES / 1024 / 1024
        ),
    )
}

pub async fn upload_document(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let r = match mp {
        Ok(mut mp) => match crate::http::files::multipart_file(&mut mp, "file").await {
            Ok((name, bytes)) => s
                .app
                .solicitation()
                .attach_campaign_file(&u.principal, &ctx, &id, &name, bytes)
                .await
                .map(|_| "file"),
            Err(()) => Err(unreadable()),
        },
        Err(_) => Err(unreadable()),
    };
    after(&s, &u, &id, r, None, None).await
}

pub async fn file(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (f, bytes) = s
        .app
        .solicitation()
        .file(&u.principal, &ctx, &id, &file)
        .await?;
    Ok(crate::http::files::document_response(
        &f.content_type,
        &f.filename,
        bytes,
    ))
}

pub async fn export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let bytes = s.app.solicitation().export(&u.principal, &ctx, &id).await?;
    Ok(xlsx_response(bytes, "solicitation-results.xlsx"))
}

#[derive(Deserialize, Default)]
pub struct ExpertForm {
    #[serde(default)]
    expert_id: String,
}

pub async fn assign_expert(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ExpertForm>,
) -> Result<Response, PageError> {
    let r = s
        .app
        .solicitation()
        .assign_expert(&u.principal, &ctx, &id, &f.expert_id)
        .await
        .map(|_| "expert");
    after(&s, &u, &id, r, None, None).await
}

pub async fn remove_expert(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path((id, expert)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let r = s
        .app
        .solicitation()
        .remove_expert(&u.principal, &ctx, &id, &expert)
        .await
        .map(|_| "expert");
    after(&s, &u, &id, r, None, None).await
}

#[derive(Deserialize, Default)]
pub struct ApplicationFormBody {
    #[serde(default)]
    summary: String,
    #[serde(default)]
    courses: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    achievements: String,
    /// `submit` saves, then submits.
    #[serde(default)]
    action: String,
}

pub async fn save_application(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ApplicationFormBody>,
) -> Result<Response, PageError> {
    let form = ApplicationForm {
        summary: f.summary,
        courses: f.courses,
        team: f.team,
        achievements: f.achievements,
    };
    let sol = s.app.solicitation();
    let r = match sol
        .save_application(&u.principal, &ctx, &id, form.clone())
        .await
    {
        Ok(a) if f.action == "submit" => sol
            .submit_application(&u.principal, &ctx, &a.id)
            .await
            .map(|_| "submitted"),
        Ok(_) => Ok("saved"),
        Err(e) => Err(e),
    };
    after(&s, &u, &id, r, Some(form), None).await
}

/// The campaign an application belongs to, for the page to go back to.
async fn campaign_of(
    s: &AppState,
    u: &PageUser,
    application_id: &str,
) -> Result<String, PageError> {
    Ok(s.app
        .solicitation()
        .application(&u.principal, application_id)
        .await?
        .campaign_id)
}

pub async fn upload_material(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let campaign = campaign_of(&s, &u, &id).await?;
    let r = match mp {
        Ok(mut mp) => match crate::http::files::multipart_file(&mut mp, "file").await {
            Ok((name, bytes)) => s
                .app
                .solicitation()
                .attach_material(&u.principal, &ctx, &id, &name, bytes)
                .await
                .map(|_| "file"),
            Err(()) => Err(unreadable()),
        },
        Err(_) => Err(unreadable()),
    };
    after(&s, &u, &campaign, r, None, None).await
}

#[derive(Deserialize, Default)]
pub struct ReviewForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn review(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, PageError> {
    let campaign = campaign_of(&s, &u, &id).await?;
    let r = match Decision::parse(f.decision.trim()) {
        Some(d) => s
            .app
            .solicitation()
            .review_application(&u.principal, &ctx, &id, d, &f.note)
            .await
            .map(|_| "reviewed"),
        None => Err(AppError::field("decision", "请选择审核结果")),
    };
    after(&s, &u, &campaign, r, None, None).await
}

#[derive(Deserialize, Default)]
pub struct ScoreForm {
    /// One value per criterion, in the sheet's order.
    #[serde(default)]
    points: Vec<String>,
    #[serde(default)]
    comment: String,
}

pub async fn score(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ScoreForm>,
) -> Result<Response, PageError> {
    let campaign = campaign_of(&s, &u, &id).await?;
    let points: Result<Vec<u32>, AppError> = f
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            p.trim()
                .parse::<u32>()
                .map_err(|_| AppError::field("points", format!("第{}项的得分应为整数", i + 1)))
        })
        .collect();
    let r = match points {
        Ok(points) => s
            .app
            .solicitation()
            .score(&u.principal, &ctx, &id, &points, &f.comment)
            .await
            .map(|_| "scored"),
        Err(e) => Err(e),
    };
    after(&s, &u, &campaign, r, None, None).await
}

#[derive(Deserialize, Default)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn recuse(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, PageError> {
    let campaign = campaign_of(&s, &u, &id).await?;
    let r = s
        .app
        .solicitation()
        .recuse(&u.principal, &ctx, &id, &f.reason)
        .await
        .map(|_| "recused");
    after(&s, &u, &campaign, r, None, None).await
}

pub async fn drop_application(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, PageError> {
    let campaign = campaign_of(&s, &u, &id).await?;
    let r = s
        .app
        .solicitation()
        .drop_from_shortlist(&u.principal, &ctx, &id, &f.reason)
        .await
        .map(|_| "dropped");
    after(&s, &u, &campaign, r, None, None).await
}

#[derive(Deserialize, Default)]
pub struct ObjectionForm {
    #[serde(default)]
    application_id: String,
    #[serde(default)]
    body: String,
}

pub async fn object(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ObjectionForm>,
) -> Result<Response, PageError> {
    let r = s
        .app
        .solicitation()
        .object(
            &u.principal,
            &ctx,
            &id,
            Some(f.application_id.as_str()),
            &f.body,
        )
        .await
        .map(|_| "objected");
    after(&s, &u, &id, r, None, None).await
}

#[derive(Deserialize, Default)]
pub struct AnswerForm {
    #[serde(default)]
    answer: String,
}

pub async fn answer(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, PageError> {
    let r = s
        .app
        .solicitation()
        .answer_objection(&u.principal, &ctx, &id, &f.answer)
        .await;
    match r {
        Ok(o) => Ok(
            Redirect::to(&format!("/solicitation/{}?done=answered", o.campaign_id)).into_response(),
        ),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            let campaign = s
                .app
                .solicitation()
                .objection_campaign(&u.principal, &id)
                .await?;
            Ok((
                status,
                campaign_page(&s, &u, &campaign, "", None, None, errors).await?,
            )
                .into_response())
        }
    }
}

// ----- admissions -----

#[derive(Template, WebTemplate)]
#[template(path = "solicitation/admissions.html")]
pub struct AdmissionsPage {
    layout: Layout,
    notice: Option<&'static str>,
    errors: Vec<String>,
    runs: bool,
    admissions: Vec<AdmissionView>,
}

impl AdmissionsPage {
    fn moves(&self, a: &AdmissionView) -> Vec<(&'static str, &'static str)> {
        AdmissionStatus::ALL
            .iter()
            .filter(|to| a.status.may_become(**to))
            .map(|to| {
                let label = match to {
                    AdmissionStatus::Active => "恢复入驻",
                    AdmissionStatus::Suspended => "暂停",
                    AdmissionStatus::Ended => "终止入驻",
                };
                (to.code(), label)
            })
            .collect()
    }
}

async fn admissions_page(
    s: &AppState,
    u: &PageUser,
    done: &str,
    errors: Vec<String>,
) -> Result<AdmissionsPage, PageError> {
    let sol = s.app.solicitation();
    Ok(AdmissionsPage {
        layout: Layout::new("入驻管理", u, "/solicitation"),
        notice: done_text(done),
        errors,
        runs: sol.runs(&u.principal),
        admissions: sol.admissions(&u.principal).await?,
    })
}

pub async fn admissions(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<DoneQuery>,
) -> Result<AdmissionsPage, PageError> {
    admissions_page(&s, &u, &q.done, vec![]).await
}

#[derive(Deserialize, Default)]
pub struct AdmissionForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
}

pub async fn set_admission(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<AdmissionForm>,
) -> Result<Response, PageError> {
    let r = match AdmissionStatus::parse(f.to.trim()) {
        Some(to) => s
            .app
            .solicitation()
            .set_admission(&u.principal, &ctx, &id, to, &f.reason)
            .await
            .map(|_| ()),
        None => Err(AppError::field("to", "请选择入驻状态")),
    };
    match r {
        Ok(()) => Ok(Redirect::to("/solicitation/admissions?done=admission").into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, admissions_page(&s, &u, "", errors).await?).into_response())
        }
    }
}

// ----- public notices (no sign-in) -----

#[derive(Template, WebTemplate)]
#[template(path = "solicitation/notices.html")]
pub struct NoticesPage {
    layout: Layout,
    notices: Vec<PublicNotice>,
}

pub async fn notices(
    State(s): State<AppState>,
    MaybeSession(st): MaybeSession,
) -> Result<NoticesPage, PageError> {
    Ok(NoticesPage {
        layout: Layout::public("资源征集公示", &st, ""),
        notices: s.app.solicitation().public_notices().await?,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "solicitation/notice.html")]
pub struct NoticePage {
    layout: Layout,
    n: PublicNotice,
    signed_in: bool,
}

pub async fn notice(
    State(s): State<AppState>,
    MaybeSession(st): MaybeSession,
    Path(id): Path<String>,
) -> Result<NoticePage, PageError> {
    let n = s.app.solicitation().public_notice(&id).await?;
    Ok(NoticePage {
        layout: Layout::public(n.title.clone(), &st, ""),
        signed_in: st.view.is_some(),
        n,
    })
}
