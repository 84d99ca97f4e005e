//! Class pages: the scoped list, opening a class from the catalogue, one class with its
//! learners, enrolment, filing decisions and the printable completion list.

use crate::AppState;
use crate::classes::api::{ClassIn, ClassQuery, parse_class};
use crate::http::error::PageError;
use crate::http::export::every_page;
use crate::http::export::xlsx_response;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use jineng_app::AppError;
use jineng_app::catalogue::ProjectView;
use jineng_app::classes::{ClassView, EnrolledLearner};
use jineng_app::page::PageRequest;
use jineng_core::accounts::Permission;
use jineng_core::classes::{ClassAction, ClassStatus, Delivery};
use jineng_core::completion::Outcome;
use jineng_core::review::ReviewStatus;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "classes/list.html")]
pub struct ListPage {
    layout: Layout,
    items: Vec<ClassView>,
    total: u64,
    may_open: bool,
    status: String,
    q: String,
    statuses: Vec<(&'static str, &'static str)>,
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<ClassQuery>,
) -> Result<ListPage, PageError> {
    let p = s
        .app
        .classes()
        .list(
            &u.principal,
            &q.filter()?,
            PageRequest::new(q.page, None, 50),
        )
        .await?;
    let statuses = [
        ClassStatus::Draft,
        ClassStatus::Submitted,
        ClassStatus::Approved,
        ClassStatus::Returned,
        ClassStatus::InTraining,
        ClassStatus::Completed,
        ClassStatus::Cancelled,
    ]
    .iter()
    .map(|s| (s.code(), s.label()))
    .collect();
    Ok(ListPage {
        layout: Layout::new("培训班", &u, "/classes"),
        items: p.items,
        total: p.total,
        may_open: u.principal.can(Permission::ManageOwnOrganization),
        status: q.status.clone().unwrap_or_default(),
        q: q.q.clone().unwrap_or_default(),
        statuses,
    })
}

/// The filtered class list as xlsx (every page, at most 100,000 rows).
pub async fn export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Query(q): Query<ClassQuery>,
) -> Result<Response, PageError> {
    let f = q.filter()?;
    let mut rows = Vec::new();
    let classes = s.app.classes();
    let all = every_page(|r| classes.list(&u.principal, &f, r)).await?;
    for c in all {
        rows.push(vec![
            c.name,
            c.org_name,
            c.project_name,
            c.delivery_label.into(),
            c.start_date,
            c.end_date,
            c.location,
            format!("{}/{}", c.enrolled, c.capacity),
            c.theory_hours.to_string(),
            c.practice_hours.to_string(),
            c.status_label.into(),
        ]);
    }
    s.app
        .audit()
        .record_export(
            &u.principal,
            &ctx,
            "class",
            serde_json::json!({"status": q.status, "q": q.q}),
            rows.len(),
        )
        .await?;
    let headers = [
        "班级",
        "机构",
        "培训项目",
        "培训形式",
        "开班日期",
        "结业日期",
        "培训地点",
        "人数",
        "理论学时",
        "实操学时",
        "状态",
    ];
    Ok(xlsx_response(
        jineng_app::export::xlsx("培训班", &headers, &rows)?,
        "classes.xlsx",
    ))
}

#[derive(Deserialize, Default, Clone)]
pub struct ClassForm {
    #[serde(default)]
    project_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    delivery: String,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    end_date: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    theory_hours: String,
    #[serde(default)]
    practice_hours: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "classes/new.html")]
pub struct NewPage {
    layout: Layout,
    form: ClassForm,
    projects: Vec<ProjectView>,
    modes: &'static [Delivery],
    error: Option<String>,
}

pub async fn new_form(State(s): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    let projects = match s.app.classes().openable_projects(&u.principal).await {
        Ok(p) => p,
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            return Ok(crate::http::error::ErrorPage::response(status, &msg));
        }
    };
    let form = ClassForm {
        delivery: "offline".into(),
        capacity: "30".into(),
        ..Default::default()
    };
    Ok(NewPage {
        layout: Layout::new("开班", &u, "/classes"),
        form,
        projects,
        modes: Delivery::ALL,
        error: None,
    }
    .into_response())
}

pub async fn open(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<ClassForm>,
) -> Result<Response, PageError> {
    let mut n = crate::http::form::FormNumbers::default();
    let capacity = n.int("capacity", "班级人数", &f.capacity, false);
    let theory_hours = n.int("theory_hours", "理论学时", &f.theory_hours, false);
    let practice_hours = n.int("practice_hours", "实操学时", &f.practice_hours, false);
    let delivery = Delivery::parse(f.delivery.trim());
    let raw = delivery.map(|delivery| ClassIn {
        project_id: f.project_id.clone(),
        name: f.name.clone(),
        delivery,
        start_date: f.start_date.clone(),
        end_date: f.end_date.clone(),
        location: f.location.clone(),
        capacity,
        theory_hours,
        practice_hours,
    });
    let result = match (n.check(), raw.map(parse_class)) {
        (Err(e), _) => Err(e),
        (Ok(()), None) => Err(AppError::field("delivery", "请选择培训形式")),
        (Ok(()), Some(Ok(i))) => s.app.classes().open(&u.principal, &ctx, i).await,
        (Ok(()), Some(Err(e))) => Err(e),
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/classes/{}", c.id)).into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            let projects = s
                .app
                .classes()
                .openable_projects(&u.principal)
                .await
                .unwrap_or_default();
            Ok((
                status,
                NewPage {
                    layout: Layout::new("开班", &u, "/classes"),
                    form: f,
                    projects,
                    modes: Delivery::ALL,
                    error: Some(msg),
                },
            )
                .into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "classes/detail.html")]
pub struct DetailPage {
    layout: Layout,
    c: ClassView,
    learners: Vec<EnrolledLearner>,
    applications: Vec<jineng_app::classes::applications::ApplicationView>,
    candidates: Vec<(String, String)>,
    may_manage: bool,
    may_review: bool,
    org_actions: Vec<(&'static str, &'static str, bool)>,
    teachers: Vec<(String, String)>,
    bookable: Vec<(String, String)>,
    inspections: Vec<jineng_app::classes::InspectionView>,
    may_inspect: bool,
    sessions: Vec<jineng_app::attendance::SessionView>,
    may_add_session: bool,
    /// Listed course packages that fit the class (for its organisation).
    courses: Vec<jineng_app::courses::catalogue::CatalogueItem>,
    /// Online study: the class's tasks, each learner's credited time, and the courses
    /// the organisation may give directly.
    tasks: Vec<jineng_app::study::TaskView>,
    study: Vec<jineng_app::study::LearnerStudy>,
    assignable: Vec<jineng_app::study::Assignable>,
    /// The class's exams (考前练习, 模拟考试, 课程考试).
    exams: Vec<jineng_app::exams::ExamView>,
    /// Province banks of the class's work type and level an exam may draw a share from.
    shared_banks: Vec<jineng_app::banks::BankView>,
    /// Certificates issued to the class's learners, and how many more are due.
    certificates: Vec<jineng_app::certificates::CertificateView>,
    certificates_due: usize,
    /// Where the class's offline assessment sheet stands (shown once training starts).
    assessment: Option<jineng_core::assessment::SheetStatus>,
    /// Spot checks of the learners' study records, and whether the caller may draw one.
    spot_checks: Vec<jineng_app::study::SpotCheckView>,
    may_spot_check: bool,
    /// The caller's user id (their own open spot check takes the verdict form).
    me: String,
    today: String,
    error: Option<String>,
    /// What the last action did, after its redirect.
    notice: Option<String>,
}

impl DetailPage {
    fn kind_label(kind: &jineng_core::classes::InspectionKind) -> &'static str {
        kind.label()
    }

    fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
        t.with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

async fn detail_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    error: Option<String>,
) -> Result<DetailPage, PageError> {
    let (c, learners) = s.app.classes().get(&u.principal, id).await?;
    let may_manage = u.principal.org_ids().contains(&c.org_id);
    let candidates = if may_manage && c.status.enrollment_open() {
        s.app
            .classes()
            .enrollable_learners(&u.principal, id)
            .await?
    } else {
        vec![]
    };
    let applications = if may_manage {
        s.app.classes().applications(&u.principal, id).await?
    } else {
        vec![]
    };
    let org_actions = [
        ClassAction::Submit,
        ClassAction::Start,
        ClassAction::Complete,
        ClassAction::Cancel,
    ]
    .into_iter()
    .filter(|a| c.status.apply(*a).is_ok())
    .map(|a| (a.code(), a.label(), a.needs_reason()))
    .collect();
    let may_review =
        u.principal.can(Permission::ReviewOrganizations) && c.status == ClassStatus::Submitted;
    let teachers = s.app.teachers().of_class(&u.principal, id).await?;
    let inspections = s.app.classes().inspections(&u.principal, id).await?;
    let sessions = s.app.attendance().sessions(&u.principal, id).await?;
    let may_add_session =
        may_manage && matches!(c.status, ClassStatus::Approved | ClassStatus::InTraining);
    let courses = if may_manage {
        s.app.courses().for_class(&u.principal, id).await?
    } else {
        vec![]
    };
    let tasks = s.app.study().tasks(&u.principal, id).await?;
    let study = s.app.study().class_study(&u.principal, id).await?;
    let spot_checks = s.app.study().spot_checks(&u.principal, id).await?;
    let exams = s.app.exams().of_class(&u.principal, id).await?;
    let shared_banks = if may_manage {
        s.app.banks().for_class(&u.principal, id).await?
    } else {
        vec![]
    };
    let certificates = s.app.certificates().of_class(&u.principal, id).await?;
    let certificates_due = if c.status == ClassStatus::Completed {
        learners
            .iter()
            .filter(|l| {
                l.outcome == jineng_core::completion::Outcome::Completed
                    && !certificates
                        .iter()
                        .any(|k| k.user_id.as_deref() == Some(l.user_id.as_str()))
            })
            .count()
    } else {
        0
    };
    let assessment = if matches!(c.status, ClassStatus::InTraining | ClassStatus::Completed) {
        Some(s.app.assessment().status_of(id).await?)
    } else {
        None
    };
    let may_spot_check = u.principal.can(Permission::ReviewOrganizations)
        && matches!(c.status, ClassStatus::InTraining | ClassStatus::Completed)
        && !spot_checks
            .iter()
            .any(|k| k.decided_at.is_none() && k.inspector_id == u.principal.user_id);
    let assignable = if may_manage {
        s.app.study().assignable(id).await?
    } else {
        vec![]
    };
    let today = s
        .app
        .now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        .to_string();
    let may_inspect = u.principal.can(Permission::ReviewOrganizations)
        && matches!(c.status, ClassStatus::Approved | ClassStatus::InTraining);
    let bookable = if may_manage && c.status.is_open() && c.status != ClassStatus::InTraining {
        s.app
            .teachers()
            .list(&u.principal, Some(ReviewStatus::Approved))
            .await?
            .into_iter()
            .filter(|t| !teachers.iter().any(|(id, _)| *id == t.teacher_id))
            .map(|t| (t.teacher_id, t.name))
            .collect()
    } else {
        vec![]
    };
    Ok(DetailPage {
        layout: Layout::new(c.name.clone(), u, "/classes"),
        c,
        learners,
        applications,
        candidates,
        may_manage,
        may_review,
        org_actions,
        teachers,
        bookable,
        inspections,
        may_inspect,
        shared_banks,
        sessions,
        may_add_session,
        courses,
        tasks,
        study,
        spot_checks,
        may_spot_check,
        me: u.principal.user_id.clone(),
        assignable,
        exams,
        certificates,
        certificates_due,
        assessment,
        today,
        error,
        notice: None,
    })
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    #[serde(default)]
    done: String,
}

pub async fn detail(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<DetailPage, PageError> {
    let mut p = detail_page(&s, &u, &id, None).await?;
    p.notice = match ClassAction::parse(&q.done) {
        Some(ClassAction::Submit) => Some("已提交备案，等待人社部门审核。".to_string()),
        Some(ClassAction::Approve) => Some("已通过备案，机构可按计划开班。".to_string()),
        Some(ClassAction::Return) => Some("已退回备案，机构会看到退回原因。".to_string()),
        Some(a) => Some(format!("已{}。", a.label())),
        None if q.done == "enrolled" => Some("已加入学员名单。".to_string()),
        None => None,
    };
    Ok(p)
}

#[derive(Deserialize, Default)]
pub struct EnrollForm {
    #[serde(default)]
    learner: Vec<String>,
}

pub async fn enroll(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<EnrollForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .classes()
        .enroll(&u.principal, &ctx, &id, &f.learner)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/classes/{id}?done=enrolled")).into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((status, detail_page(&s, &u, &id, Some(msg)).await?).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

pub async fn act(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> Result<Response, PageError> {
    let Some(action) = ClassAction::parse(&f.action) else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            detail_page(&s, &u, &id, Some("请选择操作".into())).await?,
        )
            .into_response());
    };
    match s
        .app
        .classes()
        .act(&u.principal, &ctx, &id, action, &f.reason)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/classes/{id}?done={}", action.code())).into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((status, detail_page(&s, &u, &id, Some(msg)).await?).into_response())
        }
    }
}

/// The class page with an error from an action taken on it (used by teacher booking).
pub async fn detail_with_error(
    s: &AppState,
    u: &PageUser,
    id: &str,
    status: StatusCode,
    msg: String,
) -> Response {
    match detail_page(s, u, id, Some(msg)).await {
        Ok(p) => (status, p).into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize, Default)]
pub struct InspectForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    remarks: String,
}

pub async fn inspect(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<InspectForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .classes()
        .inspect(
            &u.principal,
            &ctx,
            &id,
            &f.kind,
            f.result == "qualified",
            &f.remarks,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/classes/{id}")).into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((status, detail_page(&s, &u, &id, Some(msg)).await?).into_response())
        }
    }
}

/// The learner list (the completion list once the class is completed) as xlsx.
pub async fn learners_export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (c, learners) = s.app.classes().get(&u.principal, &id).await?;
    let rows: Vec<Vec<String>> = learners
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                (i + 1).to_string(),
                l.name,
                format!("{}/{}", l.sessions_attended, l.sessions_total),
                l.offline_hours.to_string(),
                if l.sessions_total > 0 {
                    format!("{}%", l.attendance_percent)
                } else {
                    "—".into()
                },
                format!("{}.{}", l.online_tenths / 10, l.online_tenths % 10),
                l.online_required_hours.to_string(),
                l.outcome_label.into(),
            ]
        })
        .collect();
    s.app
        .audit()
        .record_export(
            &u.principal,
            &ctx,
            "class_learners",
            serde_json::json!({"class": c.id}),
            rows.len(),
        )
        .await?;
    let headers = [
        "序号",
        "姓名",
        "出勤课次",
        "线下学时",
        "出勤率",
        "线上已计学时",
        "应修线上学时",
        "结果",
    ];
    let sheet = if c.status == ClassStatus::Completed {
        "结业名单"
    } else {
        "学员名单"
    };
    Ok(xlsx_response(
        jineng_app::export::xlsx(sheet, &headers, &rows)?,
        "class-learners.xlsx",
    ))
}
