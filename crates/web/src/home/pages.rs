//! The home page: what each of the caller's roles is for, and where to go from here.

use crate::http::layout::Layout;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use jineng_core::accounts::{Permission, Role};

pub struct RoleCard {
    pub label: &'static str,
    pub about: &'static str,
    pub region: Option<String>,
}

pub struct Link {
    pub href: &'static str,
    pub label: &'static str,
    pub about: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    layout: Layout,
    name: String,
    cards: Vec<RoleCard>,
    links: Vec<Link>,
    /// Verdicts of regulators' spot checks on the caller's organisation's classes, not
    /// yet acknowledged.
    notices: Vec<jineng_app::study::SpotCheckView>,
}

impl HomePage {
    fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
        crate::study::supervision::when(t)
    }
}

fn about(r: Role) -> &'static str {
    match r {
        Role::Learner => "实名参加职业技能培训，在线学习、考试，获取证书与补贴。",
        Role::InstitutionAdmin => "管理本机构的备案信息、培训工种、师资、学员与培训班。",
        Role::EnterpriseAdmin => "组织本企业职工培训，批量导入职工，管理企业培训班。",
        Role::Teacher => "承担培训班教学，考勤签到，评定实操成绩。",
        Role::CourseProvider => "响应课程征集，上传课程资源，查看销售与结算。",
        Role::Expert => "评审分配给您的课程与资源方。",
        Role::ExpertLeader => "组织专家组评审并汇总评审意见。",
        Role::Regulator => "审核辖区内的机构、培训班与补贴，抽查学习过程，查看数据。",
        Role::Operator => "运营平台：账户、课程征集、上架、订单与发票。",
        Role::ServiceAgent => "处理咨询、工单与投诉。",
        Role::Auditor => "查阅和导出全平台审计日志。",
        Role::Viewer => "以只读方式查看平台账户与数据。",
        Role::SystemAdmin => "管理账户、角色、系统设置与审计。",
    }
}

pub async fn home(
    axum::extract::State(s): axum::extract::State<crate::AppState>,
    u: PageUser,
) -> Result<HomePage, crate::http::error::PageError> {
    let notices = s.app.study().unacknowledged(&u.principal).await?;
    let p = &u.principal;
    let mut cards = Vec::new();
    for g in &p.grants {
        // The region by its names (贵州省贵阳市南明区), not its code.
        let region = match g.region {
            Some(r) => Some(
                Some(s.app.region_names(&r).await?.concat())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| r.to_string()),
            ),
            None => None,
        };
        cards.push(RoleCard {
            label: g.role.label(),
            about: about(g.role),
            region,
        });
    }
    let mut links = Vec::new();
    if p.can(Permission::ManageAccounts) {
        links.push(Link {
            href: "/admin/users/new",
            label: "新建账户",
            about: "为机构、监管人员等开设账户并分配角色",
        });
    }
    if p.can(Permission::ViewAccounts) {
        links.push(Link {
            href: "/admin/users",
            label: "账户管理",
            about: "查询、导出辖区内的账户",
        });
    }
    if p.can(Permission::ReviewOrganizations) {
        links.push(Link {
            href: "/inbox",
            label: "待办审核",
            about: "辖区内等待审核的登记、申报、师资与班级备案",
        });
    } else if p.can(Permission::ReviewProviders) {
        links.push(Link {
            href: "/inbox",
            label: "待办审核",
            about: "等待审核的课程资源方入驻申请",
        });
    }
    if p.can(Permission::ReviewOrganizations) {
        links.push(Link {
            href: "/supervision",
            label: "学习监管",
            about: "辖区在线学习的异常线索，抽查学员学习记录",
        });
        links.push(Link {
            href: "/orgs?status=submitted",
            label: "待审核机构",
            about: "辖区内等待审核的培训机构与企业登记",
        });
    }
    if p.can(Permission::ViewOrganizations) || p.can(Permission::ManageOwnOrganization) {
        let (label, about) = if p.grants.iter().any(|g| g.org_id.is_some())
            && !p.can(Permission::ReviewOrganizations)
        {
            ("本单位", "登记信息、审核进度与年审记录")
        } else {
            ("机构与企业", "查询、导出辖区内的培训机构与企业")
        };
        links.push(Link {
            href: "/orgs",
            label,
            about,
        });
    }
    if p.can(Permission::ViewLearners) {
        let about = if p.can(Permission::ImportLearners) {
            "本单位学员名单、批量导入与导出"
        } else {
            "辖区内实名学员的查询与导出"
        };
        links.push(Link {
            href: "/learners",
            label: "学员",
            about,
        });
    }
    if p.can(Permission::ViewLearners) {
        links.push(Link {
            href: "/certificates",
            label: "证书管理",
            about: "已颁发的培训合格证明：查询、导出、撤销",
        });
        links.push(Link {
            href: "/skill-certificates",
            label: "职业技能等级证书",
            about: if p.can(Permission::ImportCertificates) {
                "导入评价机构的等级认定结果，按姓名和身份证号关联到学员"
            } else {
                "学员取得的职业技能等级证书"
            },
        });
    }
    if p.can(Permission::ReviewOrganizations) || p.has_role(Role::InstitutionAdmin) {
        links.push(Link {
            href: "/declarations",
            label: "工种申报",
            about: "培训工种的申报与审核",
        });
    }
    if p.is_platform_admin()
        || p.has_role(Role::Regulator)
        || p.grants.iter().any(|g| g.org_id.is_some())
    {
        links.push(Link {
            href: "/catalogue",
            label: "培训项目目录",
            about: "按职业、工种、等级发布的培训项目与补贴标准",
        });
    }
    if p.has_role(Role::Teacher) {
        links.push(Link {
            href: "/teaching",
            label: "我的授课",
            about: "授课班级、课次与考勤登记",
        });
    }
    if p.has_role(Role::Learner) {
        links.push(Link {
            href: "/training",
            label: "我的培训",
            about: "我的班级、出勤与学时，报名正在招生的培训班",
        });
        links.push(Link {
            href: "/study",
            label: "我的学习",
            about: "在线课程的学习进度、已计学时与不计学时的记录",
        });
        links.push(Link {
            href: "/exams",
            label: "我的考试",
            about: "考前练习、模拟考试与课程考试，成绩与答案解析",
        });
        links.push(Link {
            href: "/certificates",
            label: "我的证书",
            about: "培训合格证明的下载与公开查验",
        });
        links.push(Link {
            href: "/skill-certificates",
            label: "我的技能等级证书",
            about: "评价机构认定的职业技能等级",
        });
        links.push(Link {
            href: "/archive",
            label: "我的电子档案",
            about: "跨机构的培训班、学时与清零记录，可下载 PDF 与 Excel，附证据日志证明",
        });
        links.push(Link {
            href: "/catalogue",
            label: "培训项目",
            about: "查看可参加的职业技能培训项目",
        });
    }
    if p.can(Permission::ManageCourses) || p.can(Permission::ViewCourses) {
        links.push(Link {
            href: "/courses",
            label: "课程包",
            about: "课程包的编写、送审、版本与上架状态",
        });
    }
    if p.can(Permission::ReviewCourses) {
        links.push(Link {
            href: "/course-reviews",
            label: "课程审核",
            about: "等待本人审核的课程包",
        });
    }
    links.push(Link {
        href: "/course-catalogue",
        label: "课程目录",
        about: "已上架的数字课程，可按关键词、职业搜索并免费试看",
    });
    if p.can(Permission::ViewAudit) {
        links.push(Link {
            href: "/audit",
            label: "审计日志",
            about: "按人员、对象、操作和时间检索操作记录",
        });
    }
    links.push(Link {
        href: "/account",
        label: "个人中心",
        about: "个人信息、修改密码、动态口令、接口令牌",
    });
    links.push(Link {
        href: "/api/docs",
        label: "接口文档",
        about: "JSON 接口说明（OpenAPI）",
    });
    Ok(HomePage {
        layout: Layout::new("首页", &u, "/"),
        name: p.display_name.clone(),
        cards,
        links,
        notices,
    })
}
