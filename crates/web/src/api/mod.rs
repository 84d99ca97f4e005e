//! The JSON API for machine clients, under `/api/v1`, authenticated by bearer tokens.
//! The OpenAPI 3.1 document is generated from the handlers and served at
//! `/api/v1/openapi.json`; `tests/openapi.json` snapshots it so changes show in review.

pub mod applications;
pub mod attendance;
pub mod audit;
pub mod catalogue;
pub mod classes;
pub mod exchange;
pub mod extract;
pub mod learners;
pub mod me;
pub mod occupations;
pub mod orgs;
pub mod teachers;
pub mod users;

use crate::AppState;
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "技能培训平台 API", version = "1", description = "Jineng JSON API. Errors are RFC 9457 problem+json with a Chinese `detail`. Authenticate with `Authorization: Bearer <token>`; create tokens in 个人中心."),
    servers((url = "/api/v1")),
    paths(
        me::me,
        me::regions,
        users::list,
        users::create,
        users::get,
        users::grant,
        users::revoke,
        users::set_status,
        users::unlock,
        audit::search,
        orgs::register,
        orgs::list,
        orgs::get,
        orgs::decide,
        orgs::resubmit,
        orgs::versions,
        orgs::annual_review,
        orgs::documents,
        orgs::upload_document,
        orgs::document,
        orgs::remove_document,
        occupations::list,
        occupations::get,
        occupations::add_work_type,
        catalogue::list,
        catalogue::publish,
        catalogue::withdraw,
        catalogue::declarations,
        catalogue::declare,
        catalogue::decide,
        learners::send_code,
        learners::register,
        learners::list,
        learners::get,
        learners::import,
        learners::import_status,
        classes::list,
        classes::open,
        classes::get,
        classes::enroll,
        classes::act,
        classes::inspect,
        classes::inspections,
        applications::recruiting,
        applications::apply,
        applications::pending,
        applications::decide,
        applications::withdraw,
        applications::mine,
        attendance::list,
        attendance::add,
        attendance::sheet,
        attendance::mark,
        attendance::checkin,
        teachers::list,
        teachers::add,
        teachers::decide,
        teachers::book,
        exchange::pull,
    ),
    modifiers(&Bearer),
    tags((name = "accounts", description = "账户与角色"), (name = "audit", description = "审计日志"), (name = "reference", description = "基础数据"), (name = "organizations", description = "培训机构与企业"), (name = "catalogue", description = "培训项目目录与培训工种申报"), (name = "learners", description = "学员实名注册与批量导入"), (name = "classes", description = "培训班与备案"), (name = "training", description = "学员报名与我的培训"), (name = "exchange", description = "与省一体化平台的数据共享（签名请求）"))
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(me::me))
        .route("/regions", get(me::regions))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", get(users::get))
        .route("/users/{id}/roles", post(users::grant))
        .route("/users/{id}/roles/revoke", post(users::revoke))
        .route("/users/{id}/status", post(users::set_status))
        .route("/users/{id}/unlock", post(users::unlock))
        .route("/audit", get(audit::search))
        .route("/classes", get(classes::list).post(classes::open))
        .route("/classes/recruiting", get(applications::recruiting))
        .route(
            "/classes/{id}/applications",
            get(applications::pending).post(applications::apply),
        )
        .route("/applications/{id}/decision", post(applications::decide))
        .route("/applications/{id}/withdraw", post(applications::withdraw))
        .route("/me/training", get(applications::mine))
        .route("/classes/{id}", get(classes::get))
        .route("/classes/{id}/enrollments", post(classes::enroll))
        .route("/classes/{id}/actions", post(classes::act))
        .route(
            "/classes/{id}/sessions",
            get(attendance::list).post(attendance::add),
        )
        .route(
            "/sessions/{id}/attendance",
            get(attendance::sheet).post(attendance::mark),
        )
        .route("/sessions/{id}/checkin", post(attendance::checkin))
        .route(
            "/classes/{id}/inspections",
            get(classes::inspections).post(classes::inspect),
        )
        .route("/exchange/{dataset}", get(exchange::pull))
        .route("/teachers", get(teachers::list).post(teachers::add))
        .route("/teachers/{id}/decision", post(teachers::decide))
        .route("/classes/{id}/teachers", post(teachers::book))
        .route("/sms/code", post(learners::send_code))
        .route("/learners/register", post(learners::register))
        .route("/learners", get(learners::list))
        .route("/learners/{id}", get(learners::get))
        .route(
            "/learners/imports",
            post(learners::import).layer(axum::extract::DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .route("/learners/imports/{id}", get(learners::import_status))
        .route("/catalogue", get(catalogue::list).post(catalogue::publish))
        .route("/catalogue/{id}/withdraw", post(catalogue::withdraw))
        .route("/declarations", get(catalogue::declarations))
        .route("/declarations/{id}/decision", post(catalogue::decide))
        .route("/orgs/{id}/declarations", post(catalogue::declare))
        .route("/occupations", get(occupations::list))
        .route("/occupations/{code}", get(occupations::get))
        .route(
            "/occupations/{code}/work-types",
            post(occupations::add_work_type),
        )
        .route("/orgs/register", post(orgs::register))
        .route("/orgs", get(orgs::list))
        .route("/orgs/{id}", get(orgs::get))
        .route("/orgs/{id}/decision", post(orgs::decide))
        .route("/orgs/{id}/resubmit", post(orgs::resubmit))
        .route("/orgs/{id}/versions", get(orgs::versions))
        .route(
            "/orgs/{id}/documents",
            get(orgs::documents)
                .post(orgs::upload_document)
                .layer(axum::extract::DefaultBodyLimit::max(crate::DOCUMENT_LIMIT)),
        )
        .route(
            "/orgs/{id}/documents/{doc}",
            get(orgs::document).delete(orgs::remove_document),
        )
        .route("/orgs/{id}/annual-reviews", post(orgs::annual_review))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
