//! Account administration pages: the scoped list with filters and xlsx export, the
//! new-account form, and one account with its roles and the actions on it.

use crate::AppState;
use crate::accounts::api::{NewUserIn, RoleIn, UserQuery, parse_new_user, parse_role};
use crate::http::error::PageError;
use crate::http::export::every_page;
use crate::http::export::xlsx_response;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::AppError;
use jineng_app::accounts::users::RegionView;
use jineng_app::accounts::users::UserView;
use jineng_app::page::PageRequest;
use jineng_core::RegionLevel;
use jineng_core::accounts::UserStatus;
use jineng_core::accounts::{Permission, Role, roles::ALL_ROLES};
use serde::Deserialize;

pub struct UsersData {
    pub items: Vec<UserView>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    /// The query string of the current filter, for pagination and export links.
    pub query: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    layout: Layout,
    data: UsersData,
    q: String,
    role: String,
    region: String,
    roles: Vec<(&'static str, &'static str)>,
    regions: Vec<RegionView>,
    may_create: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users_table.html")]
pub struct UsersTable {
    data: UsersData,
}

fn role_options() -> Vec<(&'static str, &'static str)> {
    ALL_ROLES.iter().map(|r| (r.code(), r.label())).collect()
}

fn query_string(q: &UserQuery) -> String {
    serde_urlencoded::to_string([
        ("q", q.q.as_deref().unwrap_or("")),
        ("role", q.role.as_deref().unwrap_or("")),
        ("region", q.region.as_deref().unwrap_or("")),
    ])
    .unwrap_or_default()
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    headers: HeaderMap,
    Query(q): Query<UserQuery>,
) -> Result<Response, PageError> {
    let f = q.filter()?;
    let per_page = 20;
    let p = s
        .app
        .accounts()
        .list_users(&u.principal, &f, PageRequest::new(q.page, None, per_page))
        .await?;
    let data = UsersData {
        pages: p.total.div_ceil(per_page).max(1),
        items: p.items,
        total: p.total,
        page: p.page,
        query: query_string(&q),
    };
    if headers.contains_key("hx-request") {
        return Ok(UsersTable { data }.into_response());
    }
    let regions = s
        .app
        .accounts()
        .regions_under(s.app.province.subtree_prefix())
        .await?;
    Ok(UsersPage {
        layout: Layout::new("账户管理", &u, "/admin/users"),
        data,
        q: q.q.clone().unwrap_or_default(),
        role: q.role.clone().unwrap_or_default(),
        region: q.region.clone().unwrap_or_default(),
        roles: role_options(),
        regions,
        may_create: u.principal.can(Permission::ManageAccounts),
    }
    .into_response())
}

pub async fn export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Query(q): Query<UserQuery>,
) -> Result<Response, PageError> {
    let f = q.filter()?;
    let mut rows = Vec::new();
    let accounts = s.app.accounts();
    let all = every_page(|r| accounts.list_users(&u.principal, &f, r)).await?;
    for v in all {
        let roles = v
            .roles
            .iter()
            .map(|r| {
                format!(
                    "{}{}",
                    r.label,
                    r.region_code
                        .as_deref()
                        .map(|c| format!("({c})"))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("、");
        rows.push(vec![
            v.username,
            v.display_name,
            v.phone.unwrap_or_default(),
            v.id_number.unwrap_or_default(),
            v.region_name.unwrap_or_default(),
            roles,
            if v.status == UserStatus::Active {
                "正常".into()
            } else {
                "已停用".into()
            },
            v.created_at
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
        ]);
    }
    s.app
        .audit()
        .record_export(
            &u.principal,
            &ctx,
            "user",
            serde_json::json!({"q": q.q, "role": q.role, "region": q.region}),
            rows.len(),
        )
        .await?;
    let headers = [
        "用户名",
        "姓名",
        "手机号",
        "身份证号",
        "所属地区",
        "角色",
        "状态",
        "创建时间",
    ];
    let bytes = jineng_app::export::xlsx("账户", &headers, &rows)?;
    Ok(xlsx_response(bytes, "accounts.xlsx"))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user_new.html")]
pub struct NewUserPage {
    layout: Layout,
    roles: Vec<(&'static str, &'static str)>,
    regions: Vec<RegionView>,
    form: NewUserForm,
    errors: Vec<jineng_app::FieldError>,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewUserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub region_code: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub role_region: String,
}

fn grantable(u: &PageUser) -> Vec<(&'static str, &'static str)> {
    ALL_ROLES
        .iter()
        .filter(|r| {
            if r.is_admin() {
                u.principal.can(Permission::ManageAdmins)
            } else {
                u.principal.can(Permission::ManageAccounts)
            }
        })
        .map(|r| (r.code(), r.label()))
        .collect()
}

pub async fn new_page(State(s): State<AppState>, u: PageUser) -> Result<NewUserPage, PageError> {
    if !u.principal.can(Permission::ManageAccounts) {
        return Err(AppError::Forbidden.into());
    }
    let regions = s
        .app
        .accounts()
        .regions_under(s.app.province.subtree_prefix())
        .await?;
    Ok(NewUserPage {
        layout: Layout::new("新建账户", &u, "/admin/users"),
        roles: grantable(&u),
        regions,
        form: NewUserForm::default(),
        errors: vec![],
    })
}

fn some(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.trim().to_string())
}

pub async fn create(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<NewUserForm>,
) -> Result<Response, PageError> {
    let input = NewUserIn {
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        password: f.password.clone(),
        phone: some(&f.phone),
        id_number: some(&f.id_number),
        region_code: some(&f.region_code),
        roles: if f.role.is_empty() {
            vec![]
        } else {
            vec![RoleIn {
                role: f.role.clone(),
                region_code: some(&f.role_region),
            }]
        },
        must_change_password: Some(true),
    };
    let today = s
        .app
        .now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let result = match parse_new_user(input, today) {
        Ok(n) => s.app.accounts().create_user(&u.principal, &ctx, n).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(v) => Ok(Redirect::to(&format!("/admin/users/{}", v.id)).into_response()),
        Err(AppError::Validation(errors)) => {
            Ok(rerender(&s, &u, f, errors, StatusCode::UNPROCESSABLE_ENTITY).await?)
        }
        Err(AppError::Conflict(m)) => Ok(rerender(
            &s,
            &u,
            f,
            vec![jineng_app::FieldError::new("username", m)],
            StatusCode::CONFLICT,
        )
        .await?),
        Err(e) => Err(e.into()),
    }
}

async fn rerender(
    s: &AppState,
    u: &PageUser,
    mut f: NewUserForm,
    errors: Vec<jineng_app::FieldError>,
    status: StatusCode,
) -> Result<Response, PageError> {
    f.password.clear();
    let regions = s
        .app
        .accounts()
        .regions_under(s.app.province.subtree_prefix())
        .await?;
    let page = NewUserPage {
        layout: Layout::new("新建账户", u, "/admin/users"),
        roles: grantable(u),
        regions,
        form: f,
        errors,
    };
    Ok((status, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user_detail.html")]
pub struct UserDetailPage {
    layout: Layout,
    user: UserView,
    may_manage: bool,
    may_reset_totp: bool,
    roles: Vec<(&'static str, &'static str)>,
    regions: Vec<RegionView>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct DetailQuery {
    done: Option<String>,
}

pub async fn detail(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<UserDetailPage, PageError> {
    detail_page(
        &s,
        &u,
        &id,
        q.done.map(|d| notice_text(&d).to_string()),
        None,
    )
    .await
}

async fn detail_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    notice: Option<String>,
    error: Option<String>,
) -> Result<UserDetailPage, PageError> {
    let user = s.app.accounts().get_user(&u.principal, id).await?;
    let regions = s
        .app
        .accounts()
        .regions_under(s.app.province.subtree_prefix())
        .await?;
    Ok(UserDetailPage {
        layout: Layout::new(format!("账户：{}", user.display_name), u, "/admin/users"),
        user,
        may_manage: u.principal.can(Permission::ManageAccounts),
        may_reset_totp: u.principal.can(Permission::ManageAdmins),
        roles: grantable(u),
        regions,
        notice,
        error,
    })
}

fn notice_text(action: &str) -> &'static str {
    match action {
        "grant" => "已授予角色",
        "revoke" => "已撤销角色",
        "enable" => "账户已启用",
        "disable" => "账户已停用",
        "unlock" => "账户已解锁",
        "reset-password" => "密码已重置，用户下次登录时需修改密码",
        "reset-totp" => "动态口令已解除绑定",
        _ => "操作已完成",
    }
}

#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    password: String,
}

pub async fn act(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<ActionForm>,
) -> Result<Response, PageError> {
    let who = &u.principal;
    let result = match action.as_str() {
        "grant" | "revoke" => match parse_role(&RoleIn {
            role: f.role.clone(),
            region_code: some(&f.region_code),
        }) {
            Ok((role, region)) if action == "grant" => {
                s.app
                    .accounts()
                    .grant_role(who, &ctx, &id, role, region)
                    .await
            }
            Ok((role, region)) => {
                s.app
                    .accounts()
                    .revoke_role(who, &ctx, &id, role, region)
                    .await
            }
            Err(e) => Err(e),
        },
        "enable" => s.app.accounts().set_user_status(who, &ctx, &id, true).await,
        "disable" => {
            s.app
                .accounts()
                .set_user_status(who, &ctx, &id, false)
                .await
        }
        "unlock" => s.app.accounts().unlock_user(who, &ctx, &id).await,
        "reset-password" => {
            s.app
                .accounts()
                .reset_password(who, &ctx, &id, &f.password)
                .await
        }
        "reset-totp" => s.app.accounts().reset_totp(who, &ctx, &id).await,
        _ => return Err(AppError::NotFound("操作").into()),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}?done={action}")).into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((status, detail_page(&s, &u, &id, None, Some(msg)).await?).into_response())
        }
    }
}

impl UserDetailPage {
    fn role_is_admin(code: &str) -> bool {
        Role::parse(code).is_some_and(|r| r.is_admin())
    }
}
