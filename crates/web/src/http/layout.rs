//! The frame around every page: title, navigation for the caller's roles and the CSRF
//! token for forms and htmx. Knows nothing of sessions (`http::session` builds it for
//! the signed-in person) or errors (`http::error` uses it for the error page).

use askama::Template;
use askama_web::WebTemplate;
use jineng_app::Principal;
use jineng_core::accounts::{Permission, Role};

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

pub struct Layout {
    pub title: String,
    /// Display name and role labels of the signed-in person.
    pub user: Option<(String, String)>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
}

impl Layout {
    /// The frame for a signed-in person: navigation by what their roles allow.
    pub fn for_principal(
        title: impl Into<String>,
        p: &Principal,
        csrf: String,
        active: &str,
    ) -> Self {
        let mut nav = vec![NavItem {
            href: "/",
            label: "首页",
            active: false,
        }];
        if p.can(Permission::ReviewOrganizations) || p.can(Permission::ReviewProviders) {
            nav.push(NavItem {
                href: "/inbox",
                label: "待办",
                active: false,
            });
        }
        if p.can(Permission::ViewAccounts) {
            nav.push(NavItem {
                href: "/admin/users",
                label: "账户管理",
                active: false,
            });
        }
        if p.can(Permission::ViewOrganizations) || p.can(Permission::ManageOwnOrganization) {
            let label = if p.can(Permission::ReviewOrganizations) || p.is_platform_admin() {
                "机构与企业"
            } else {
                "本单位"
            };
            nav.push(NavItem {
                href: "/orgs",
                label,
                active: false,
            });
        }
        if p.is_platform_admin()
            || p.has_role(Role::Regulator)
            || p.grants.iter().any(|g| g.org_id.is_some())
        {
            nav.push(NavItem {
                href: "/occupations",
                label: "职业与工种",
                active: false,
            });
            nav.push(NavItem {
                href: "/catalogue",
                label: "培训项目",
                active: false,
            });
            if p.can(Permission::ReviewOrganizations) || p.has_role(Role::InstitutionAdmin) {
                nav.push(NavItem {
                    href: "/declarations",
                    label: "工种申报",
                    active: false,
                });
            }
        }
        if p.can(Permission::ViewOrganizations) {
            nav.push(NavItem {
                href: "/classes",
                label: "培训班",
                active: false,
            });
            if p.can(Permission::ReviewOrganizations) || p.has_role(Role::InstitutionAdmin) {
                nav.push(NavItem {
                    href: "/teachers",
                    label: "师资",
                    active: false,
                });
            }
            if p.can(Permission::ReviewOrganizations) {
                nav.push(NavItem {
                    href: "/supervision",
                    label: "学习监管",
                    active: false,
                });
            }
        }
        nav.push(NavItem {
            href: "/course-catalogue",
            label: "课程目录",
            active: false,
        });
        if p.can(Permission::ViewCourses) {
            nav.push(NavItem {
                href: "/courses",
                label: "课程包",
                active: false,
            });
        }
        if p.can(Permission::ReviewCourses) {
            nav.push(NavItem {
                href: "/course-reviews",
                label: "课程审核",
                active: false,
            });
        }
        if p.can(Permission::ViewOrders) {
            nav.push(NavItem {
                href: "/orders",
                label: "课程订单",
                active: false,
            });
        }
        if p.can(Permission::RunSolicitations)
            || p.can(Permission::ApplySolicitations)
            || p.can(Permission::ScoreRoadshows)
        {
            nav.push(NavItem {
                href: "/solicitation",
                label: "资源征集",
                active: false,
            });
        }
        if p.can(Permission::UseOpenApi) {
            nav.push(NavItem {
                href: "/provider-api",
                label: "开放接口",
                active: false,
            });
        }
        if p.can(Permission::ViewSubsidies) || p.has_role(Role::Learner) {
            nav.push(NavItem {
                href: "/subsidies",
                label: if p.has_role(Role::Learner) && !p.can(Permission::ViewSubsidies) {
                    "我的补贴"
                } else {
                    "培训补贴"
                },
                active: false,
            });
        }
        if p.can(Permission::ManageCatalogue) {
            nav.push(NavItem {
                href: "/banks",
                label: "省级题库",
                active: false,
            });
        }
        if p.can_province_wide(Permission::ManageExperts) {
            nav.push(NavItem {
                href: "/experts",
                label: "评审专家",
                active: false,
            });
        }
        if p.can(Permission::ViewLearners) {
            nav.push(NavItem {
                href: "/learners",
                label: "学员",
                active: false,
            });
        }
        if p.can(Permission::ViewAudit) {
            nav.push(NavItem {
                href: "/audit",
                label: "审计日志",
                active: false,
            });
        }
        if p.can(Permission::ViewLedgerHealth) {
            nav.push(NavItem {
                href: "/ledger/health",
                label: "证据日志",
                active: false,
            });
        }
        if p.can(Permission::ReviewProviders) {
            nav.push(NavItem {
                href: "/admin/words",
                label: "课程规则",
                active: false,
            });
        }
        if p.can(Permission::ManageSettings) {
            nav.push(NavItem {
                href: "/admin/jobs",
                label: "后台任务",
                active: false,
            });
            nav.push(NavItem {
                href: "/admin/exchange",
                label: "数据交换",
                active: false,
            });
        }
        nav.push(NavItem {
            href: "/account",
            label: "个人中心",
            active: false,
        });
        for n in &mut nav {
            n.active = n.href == active;
        }
        let roles = p
            .roles()
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join("、");
        Layout {
            title: title.into(),
            user: Some((p.display_name.clone(), roles)),
            nav,
            csrf,
        }
    }

    pub fn anonymous(title: impl Into<String>, csrf: String) -> Self {
        Layout {
            title: title.into(),
            user: None,
            nav: vec![],
            csrf,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "api_docs.html")]
pub struct ApiDocs {
    pub layout: Layout,
}

pub async fn api_docs() -> ApiDocs {
    ApiDocs {
        layout: Layout::anonymous("接口文档", String::new()),
    }
}
