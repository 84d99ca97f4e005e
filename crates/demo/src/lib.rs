//! The demo province (Guizhou): one account for every role (listed in the README and on
//! the login page) and training going on, laid down through the ordinary use cases —
//! the past under a clock set back — so the demo obeys every rule the platform does.
//! Kept out of `jineng-app`, so editing demo data rebuilds only this crate and the binary.

use jineng_app::App;
use jineng_app::accounts::users::NewUser;
use jineng_app::context::{Principal, RequestCtx};
use jineng_app::error::{AppError, AppResult};
use jineng_app::organizations::{AdminAccount, OrgInput};
use jineng_core::accounts::Role;
use jineng_core::classes::Delivery;
use jineng_core::learners::LearnerSource;
use jineng_core::organizations::{OrgAction, OrgKind};
use jineng_core::review::Decision;
use jineng_core::{BankAccount, CreditCode, IdNumber, Phone, RegionCode};
use sea_orm::{EntityTrait, PaginatorTrait};

pub struct DemoAccount {
    pub username: &'static str,
    pub password: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    /// Region of the account and, for regulators, of the grant.
    pub region: &'static str,
    /// First 17 digits of an ID number; the check digit is computed.
    pub id17: Option<&'static str>,
    pub phone: Option<&'static str>,
}

const PW: &str = "Jineng@2026";

macro_rules! demo {
    ($u:expr, $n:expr, $r:expr, $reg:expr) => {
        DemoAccount {
            username: $u,
            password: PW,
            display_name: $n,
            role: $r,
            region: $reg,
            id17: None,
            phone: None,
        }
    };
    ($u:expr, $n:expr, $r:expr, $reg:expr, $id:expr, $ph:expr) => {
        DemoAccount {
            username: $u,
            password: PW,
            display_name: $n,
            role: $r,
            region: $reg,
            id17: Some($id),
            phone: Some($ph),
        }
    };
}

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    demo!("admin", "系统管理员", Role::SystemAdmin, "520000"),
    demo!("operator", "平台运营", Role::Operator, "520000"),
    demo!("viewer", "只读管理员", Role::Viewer, "520000"),
    demo!("auditor", "审计员", Role::Auditor, "520000"),
    demo!(
        "gz_regulator",
        "贵州省人社厅监管员",
        Role::Regulator,
        "520000"
    ),
    demo!(
        "gy_regulator",
        "贵阳市人社局监管员",
        Role::Regulator,
        "520100"
    ),
    demo!(
        "nm_regulator",
        "南明区人社局监管员",
        Role::Regulator,
        "520102"
    ),
    demo!(
        "yy_regulator",
        "云岩区人社局监管员",
        Role::Regulator,
        "520103"
    ),
    demo!(
        "zy_regulator",
        "遵义市人社局监管员",
        Role::Regulator,
        "520300"
    ),
    demo!(
        "institution",
        "南明职业技能培训学校管理员",
        Role::InstitutionAdmin,
        "520102"
    ),
    demo!(
        "enterprise",
        "云岩制造有限公司管理员",
        Role::EnterpriseAdmin,
        "520103"
    ),
    demo!(
        "jz_institution",
        "南明区家政服务培训中心管理员",
        Role::InstitutionAdmin,
        "520102"
    ),
    demo!(
        "zy_institution",
        "汇川区技工培训学校管理员",
        Role::InstitutionAdmin,
        "520303"
    ),
    demo!(
        "teacher",
        "王老师",
        Role::Teacher,
        "520102",
        "52010219850612241",
        "13800000011"
    ),
    demo!(
        "provider",
        "黔课数字课程中心管理员",
        Role::CourseProvider,
        "520102"
    ),
    demo!(
        "provider_b",
        "黔匠在线教育管理员",
        Role::CourseProvider,
        "520103"
    ),
    demo!("expert", "李专家", Role::Expert, "520000"),
    demo!("expert_leader", "张组长", Role::ExpertLeader, "520000"),
    demo!("service", "客服小黔", Role::ServiceAgent, "520000"),
    demo!(
        "learner",
        "陈学员",
        Role::Learner,
        "520102",
        "52010219980307123",
        "13800000001"
    ),
    demo!(
        "learner_yy",
        "刘学员",
        Role::Learner,
        "520103",
        "52010320010115462",
        "13800000002"
    ),
    demo!(
        "learner_zy",
        "杨学员",
        Role::Learner,
        "520302",
        "52030219950520331",
        "13800000003"
    ),
];

/// The organisations behind the demo institution and enterprise accounts:
/// (admin username, kind, name, credit code without its check character, county,
/// nature, legal representative, ID number without check digit, approved?).
type DemoOrg = (
    &'static str,
    OrgKind,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
);

const DEMO_ORGS: &[DemoOrg] = &[
    (
        "institution",
        OrgKind::Institution,
        "南明职业技能培训学校",
        "91520102MA6DEM001",
        "520102",
        "private",
        "周明",
        "52010219750101301",
        true,
    ),
    (
        "enterprise",
        OrgKind::Enterprise,
        "云岩制造有限公司",
        "91520103MA6DEM002",
        "520103",
        "",
        "吴刚",
        "52010319700202402",
        true,
    ),
    (
        "jz_institution",
        OrgKind::Institution,
        "南明区家政服务培训中心",
        "52520102MA6DEM003",
        "520102",
        "employment_training_center",
        "郑芳",
        "52010219820303502",
        false,
    ),
    (
        "provider",
        OrgKind::Provider,
        "黔课数字课程中心有限公司",
        "91520102MA6DEP051",
        "520102",
        "",
        "孙磊",
        "52010219790505701",
        true,
    ),
    (
        "provider_b",
        OrgKind::Provider,
        "黔匠在线教育科技有限公司",
        "91520103MA6DEP062",
        "520103",
        "",
        "冯洁",
        "52010319830606802",
        true,
    ),
    (
        "zy_institution",
        OrgKind::Institution,
        "汇川区技工培训学校",
        "91520303MA6DEM004",
        "520303",
        "vocational_school",
        "钱伟",
        "52030319780404601",
        true,
    ),
];

/// A valid code from the first 16 characters given (both check characters computed).
fn credit_code(first17: &str) -> Option<CreditCode> {
    let whole = jineng_core::identity::credit_code::complete(first17.get(..16)?)?;
    CreditCode::parse(&whole).ok()
}

fn id_number(first17: &str) -> Option<IdNumber> {
    let c = jineng_core::identity::id_number::check_char(first17.as_bytes())?;
    IdNumber::parse(&format!("{first17}{c}")).ok()
}

/// Demo accounts that do not exist yet. Returns how many were created.
pub async fn accounts(app: &App) -> AppResult<usize> {
    let system = Principal::system();
    let ctx = RequestCtx::internal("seed-demo", "jineng seed");
    let mut created = 0;
    for a in DEMO_ACCOUNTS {
        if app
            .accounts()
            .user_id_by_username(a.username)
            .await?
            .is_some()
        {
            continue;
        }
        if let Some(o) = DEMO_ORGS.iter().find(|o| o.0 == a.username) {
            demo_org(app, &system, &ctx, a, o).await?;
            created += 1;
            continue;
        }
        let region = RegionCode::parse(a.region).ok();
        let grant_region = if a.role.needs_region() { region } else { None };
        let n = NewUser {
            username: a.username.into(),
            display_name: a.display_name.into(),
            password: a.password.into(),
            phone: a.phone.and_then(|p| Phone::parse(p).ok()),
            id_number: a.id17.and_then(id_number),
            region,
            roles: vec![(a.role, grant_region)],
            must_change_password: false,
        };
        let learner_id = n.id_number.clone().filter(|_| a.role == Role::Learner);
        let v = app.accounts().create_user(&system, &ctx, n).await?;
        if let (Some(idn), Some(region)) = (learner_id, region) {
            learner_profile(app, &v.id, &idn, &region).await?;
        }
        created += 1;
    }
    Ok(created)
}

/// Everything of the demo province after its accounts, in order: classes, course
/// packages, study, exams, offline assessment, certificates. Each step skips itself when
/// its data is already there, so loading twice adds nothing.
pub async fn province(app: &App) -> AppResult<()> {
    training(app).await?;
    courses(app).await?;
    study(app).await?;
    exams(app).await?;
    banks(app).await?;
    assessment(app).await?;
    certificates(app).await?;
    qualifications(app).await?;
    skill_certificates(app).await?;
    orders(app).await?;
    subsidies(app).await?;
    solicitation(app).await?;
    ratings(app).await
}

/// Course ratings: every learner who studied a course rates it (stars and a comment), and
/// the demo `learner` suggests a course the platform lacks.
pub async fn ratings(app: &App) -> AppResult<()> {
    use jineng_store::study::progress;
    use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
    if jineng_store::courses::rating::Entity::find()
        .count(&app.db)
        .await?
        > 0
    {
        return Ok(());
    }
    let ctx = RequestCtx::internal("seed-demo", "jineng seed");
    let studied: Vec<(String, String)> = progress::Entity::find()
        .select_only()
        .column(progress::Column::UserId)
        .column(progress::Column::PackageId)
        .filter(progress::Column::CreditedMs.gt(0))
        .distinct()
        .into_tuple()
        .all(&app.db)
        .await?;
    let said = [
        ([5, 5, 4, 5], "讲解清楚，案例贴近岗位，学完就能用"),
        ([4, 4, 4, 5], "内容实用，练习题再多一些就更好了"),
        ([4, 3, 4, 4], "画面有点暗，但内容不错"),
        ([5, 4, 5, 4], ""),
    ];
    for (i, (user, package)) in studied.into_iter().enumerate() {
        let who = app.accounts().principal_of(&user).await?;
        let (stars, comment) = said[i % said.len()];
        app.courses()
            .rate(&who, &ctx, &package, stars, comment)
            .await?;
    }
    if let Some(learner) = demo_user(app, "learner").await? {
        app.courses()
            .suggest_course(&learner, &ctx, "电梯安装维修工（中级）线上课程")
            .await?;
    }
    Ok(())
}

/// Solicitation of course resources: one campaign in each stage, run by the operator
/// under a clock set back. `provider` and `provider_b` apply to each; the demo experts
/// score. A draft; one open for applications (`provider` has a draft); one in material
/// review (`provider_b`'s waits for a decision); one in the roadshow (`expert_leader`
/// has still to score); one in its public notice with an objection to answer; one
/// closed, which admitted `provider`.
pub async fn solicitation(app: &App) -> AppResult<()> {
    use jineng_app::solicitation::CampaignInput;
    use jineng_app::solicitation::applications::Decision as Review;
    use jineng_core::solicitation::{ApplicationForm, CampaignStatus as Stage};
    if jineng_store::solicitation::campaign::Entity::find()
        .count(&app.db)
        .await?
        > 0
    {
        return Ok(());
    }
    let ctx = RequestCtx::internal("seed-demo", "jineng seed");
    let (Some(op), Some(pa), Some(pb), Some(ex), Some(lead), Some(learner)) = (
        demo_user(app, "operator").await?,
        demo_user(app, "provider").await?,
        demo_user(app, "provider_b").await?,
        demo_user(app, "expert").await?,
        demo_user(app, "expert_leader").await?,
        demo_user(app, "learner").await?,
    ) else {
        return Ok(());
    };
    let at = |days: i64| {
        let mut a = app.clone();
        a.clock = std::sync::Arc::new(jineng_app::clock::OffsetClock {
            base: app.clock.clone(),
            by: chrono::Duration::days(days),
        });
        a
    };
    let experts: Vec<String> = {
        let pool = app.courses().experts(&op).await?;
        pool.into_iter()
            .filter(|e| e.username == "expert" || e.username == "expert_leader")
            .map(|e| e.id)
            .collect()
    };
    let form = |what: &str| ApplicationForm {
        summary: format!("{what}，专注职业技能培训数字课程制作，拥有自有录播室两间。"),
        courses: "家政服务员（初级）线上课程32学时；养老护理员（初级）线上课程48学时".into(),
        team: "课程讲师6人（高级技师3人），编导与后期制作9人".into(),
        achievements: "已在省内平台上线职业技能课程26门，学员满意度96%".into(),
    };
    let campaigns = [
        ("2027年第二批数字技能课程资源征集", Stage::Draft, 0i64),
        ("2027年养老护理员线上课程资源征集", Stage::Open, -2),
        ("2027年电工与焊工课程资源征集", Stage::Reviewing, -14),
        ("2027年电子商务师课程资源征集", Stage::Roadshow, -20),
        ("2027年家政服务员课程资源征集", Stage::Notice, -18),
        ("2026年第四批职业技能课程资源征集", Stage::Closed, -60),
    ];
    for (title, target, s) in campaigns {
        let day = |d: i64| at(s + d);
        let c = day(0)
            .solicitation()
            .create_campaign(
                &op,
                &ctx,
                CampaignInput {
                    title: title.into(),
                    wanted: "家政服务员、养老护理员、电工、焊工、电子商务师等职业（工种）的线上培训课程，含课程视频、讲义与练习题".into(),
                    requirements: "申报单位须为在本平台登记通过的课程资源提供方；课程须符合国家职业技能标准，每门不少于16学时，画面清晰、讲解规范；须提供版权证明".into(),
                    opens_on: day(0).today(),
                    closes_on: day(10).today(),
                    correct_days: 5,
                    notice_days: 7,
                    sheet: "课程内容,40,40\n画面与声音,20,20\n题目相关性,20,20\n团队与保障,20,20".into(),
                    trim_from: 5,
                },
            )
            .await?;
        let d0 = day(0);
        let a = d0.solicitation();
        a.attach_campaign_file(
            &op,
            &ctx,
            &c.id,
            "征集公告.pdf",
            pdf_pages(&[
                "Course resource solicitation notice (demo)",
                "Application form (demo)",
            ]),
        )
        .await?;
        if target == Stage::Draft {
            continue;
        }
        a.advance(&op, &ctx, &c.id, Stage::Open, None).await?;
        let first = day(1)
            .solicitation()
            .save_application(&pa, &ctx, &c.id, form("黔课数字课程中心"))
            .await?;
        if target == Stage::Open {
            continue;
        }
        day(1)
            .solicitation()
            .submit_application(&pa, &ctx, &first.id)
            .await?;
        let second = day(2)
            .solicitation()
            .save_application(&pb, &ctx, &c.id, form("黔匠在线教育"))
            .await?;
        day(2)
            .solicitation()
            .attach_material(
                &pb,
                &ctx,
                &second.id,
                "讲师资格证明.pdf",
                pdf_pages(&["Teacher qualification (demo)"]),
            )
            .await?;
        day(2)
            .solicitation()
            .submit_application(&pb, &ctx, &second.id)
            .await?;
        day(11)
            .solicitation()
            .advance(&op, &ctx, &c.id, Stage::Reviewing, None)
            .await?;
        day(12)
            .solicitation()
            .review_application(&op, &ctx, &first.id, Review::Approve, "")
            .await?;
        if target == Stage::Reviewing {
            continue;
        }
        day(12)
            .solicitation()
            .review_application(&op, &ctx, &second.id, Review::Approve, "")
            .await?;
        for e in &experts {
            day(12)
                .solicitation()
                .assign_expert(&op, &ctx, &c.id, e)
                .await?;
        }
        day(13)
            .solicitation()
            .advance(&op, &ctx, &c.id, Stage::Roadshow, None)
            .await?;
        day(14)
            .solicitation()
            .score(
                &ex,
                &ctx,
                &first.id,
                &[36, 18, 17, 16],
                "内容扎实，讲解清楚",
            )
            .await?;
        if target == Stage::Roadshow {
            continue;
        }
        let d14 = day(14);
        let r = d14.solicitation();
        r.score(
            &ex,
            &ctx,
            &second.id,
            &[20, 10, 10, 10],
            "画面质量一般，练习题偏少",
        )
        .await?;
        r.score(&lead, &ctx, &first.id, &[34, 16, 18, 15], "制作规范")
            .await?;
        r.score(
            &lead,
            &ctx,
            &second.id,
            &[24, 10, 12, 10],
            "需加强题目与岗位的关联",
        )
        .await?;
        day(15)
            .solicitation()
            .advance(&op, &ctx, &c.id, Stage::Notice, Some("60"))
            .await?;
        let o = day(16)
            .solicitation()
            .object(
                &learner,
                &ctx,
                &c.id,
                Some(&first.id),
                "希望核实该单位课程讲师是否具备高级技师资格",
            )
            .await?;
        if target == Stage::Notice {
            continue;
        }
        day(17)
            .solicitation()
            .answer_objection(&op, &ctx, &o.id, "经核查，讲师资格证书真实有效，异议不成立")
            .await?;
        day(23)
            .solicitation()
            .advance(&op, &ctx, &c.id, Stage::Closed, None)
            .await?;
    }
    Ok(())
}

/// Training subsidies: the province's policy; the 南明 institution's completed class
/// claimed a fortnight ago, approved by 南明区, 贵阳市 and the province, and paid in a
/// batch the sandbox bank answers a few seconds after the platform starts (one learner's
/// card account has been closed, so that payout fails and waits for a corrected
/// account). The class's learners registered their social-security card accounts — all
/// but one, who was left out of the institution's claim for want of an account, then
/// registered it and claimed for themself under the province's 个人补贴 policy: that
/// claim passed 南明区 and waits at 贵阳市. Training vouchers: an issue by person
/// category (one of the class's learners used theirs for it, the institution redeemed
/// it, so the claim leaves that learner out; the demo `learner` holds one still unused)
/// and last year's issue, expired unused.
pub async fn subsidies(app: &App) -> AppResult<()> {
    use jineng_app::subsidies::PolicyInput;
    use jineng_core::Fen;
    use jineng_core::subsidies::{ClaimDecision, ReviewLevel, Rules};
    use jineng_store::classes::class;
    use sea_orm::{ColumnTrait, QueryFilter};
    if jineng_store::subsidies::policy::Entity::find()
        .count(&app.db)
        .await?
        > 0
    {
        return Ok(());
    }
    let ctx = RequestCtx::internal("seed-demo", "jineng seed");
    let (Some(gz), Some(nm), Some(gy), Some(inst)) = (
        demo_user(app, "gz_regulator").await?,
        demo_user(app, "nm_regulator").await?,
        demo_user(app, "gy_regulator").await?,
        demo_user(app, "institution").await?,
    ) else {
        return Ok(());
    };
    let at = |days: i64| {
        let mut a = app.clone();
        a.clock = std::sync::Arc::new(jineng_app::clock::OffsetClock {
            base: app.clock.clone(),
            by: chrono::Duration::days(days),
        });
        a
    };
    let year = chrono::Datelike::year(&app.today());
    let day = |y: i32, m: u32, d: u32| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let amounts = [
        (5u8, 100_000i64),
        (4, 150_000),
        (3, 200_000),
        (2, 250_000),
        (1, 300_000),
        (0, 60_000),
    ]
    .into_iter()
    .map(|(l, f)| (l, Fen(f)))
    .collect();
    let policy = at(-40)
        .subsidies()
        .create_policy(
            &gz,
            &ctx,
            &PolicyInput {
                name: "贵州省职业技能培训补贴".into(),
                effective_from: day(year - 1, 1, 1),
                rules: Rules {
                    project_ids: vec![],
                    amounts,
                    categories: vec![],
                    require_exam: false,
                    require_certificate: false,
                    min_online_hours: 0,
                    min_offline_hours: 0,
                    min_attendance_percent: 80,
                    yearly_cap: Fen(500_000),
                    window_from: day(year - 1, 1, 1),
                    window_until: day(year + 1, 12, 31),
                    levels: ReviewLevel::ALL.to_vec(),
                    individual: false,
                },
                note: "黔人社发〔2026〕8号（演示）".into(),
            },
        )
        .await?;
    let Some(c) = class::Entity::find()
        .filter(class::Column::Status.eq(jineng_core::classes::ClassStatus::Completed))
        .filter(class::Column::OrgId.is_in(inst.org_ids()))
        .one(&app.db)
        .await?
    else {
        return Ok(());
    };
    let (_, learners) = app.classes().get(&inst, &c.id).await?;
    let first_completed = learners
        .iter()
        .position(|l| l.outcome == jineng_core::completion::Outcome::Completed);
    // The last learner who completed registers a card account only after the claim.
    let late = learners
        .iter()
        .rposition(|l| l.outcome == jineng_core::completion::Outcome::Completed)
        .filter(|i| Some(*i) != first_completed);
    for (i, l) in learners.iter().enumerate() {
        if Some(i) == late {
            continue;
        }
        let who = app.accounts().principal_of(&l.user_id).await?;
        // The first completed learner's account has since been closed at the bank.
        let account = if Some(i) == first_completed {
            "6217002430000000".to_string()
        } else {
            format!("621700243{:07}", 1_234_500 + i)
        };
        at(-20)
            .subsidies()
            .set_card_account(&who, &ctx, &account)
            .await?;
    }
    // A learner who paid with a voucher is left out of the claim (no double subsidy).
    vouchers(app, &ctx, &gz, &inst, &c, &learners).await?;
    let claim = at(-14)
        .subsidies()
        .submit_claim(&inst, &ctx, &c.id, &policy, "附结业名单与考勤表")
        .await?;
    for (days, who, reason) in [
        (-12, &nm, "学时、出勤核对无误"),
        (-9, &gy, "同意"),
        (-6, &gz, "同意拨付"),
    ] {
        at(days)
            .subsidies()
            .decide_claim(who, &ctx, &claim, ClaimDecision::Approve, reason)
            .await?;
    }
    app.subsidies()
        .create_batch(&gz, &ctx, std::slice::from_ref(&claim))
        .await?;
    if let Some(i) = late {
        own_claim(app, &ctx, &gz, &nm, &c.id, &learners[i].user_id, year).await?;
    }
    Ok(())
}

/// The province's 个人补贴 policy; one learner of the completed class registers their
/// card account and claims for themself; 南明区 approves; it waits at 贵阳市.
async fn own_claim(
    app: &App,
    ctx: &RequestCtx,
    gz: &Principal,
    nm: &Principal,
    class_id: &str,
    user_id: &str,
    year: i32,
) -> AppResult<()> {
    use jineng_app::subsidies::PolicyInput;
    use jineng_core::Fen;
    use jineng_core::subsidies::{ClaimDecision, ReviewLevel, Rules};
    let day = |y: i32, m: u32, d: u32| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let policy = demo_at(app, -30)
        .subsidies()
        .create_policy(
            gz,
            ctx,
            &PolicyInput {
                name: "贵州省职业技能提升补贴（个人申领）".into(),
                effective_from: day(year - 1, 1, 1),
                rules: Rules {
                    project_ids: vec![],
                    amounts: [(5u8, Fen(100_000)), (4, Fen(150_000)), (3, Fen(200_000))]
                        .into_iter()
                        .collect(),
                    categories: vec![],
                    require_exam: false,
                    require_certificate: false,
                    min_online_hours: 0,
                    min_offline_hours: 0,
                    min_attendance_percent: 80,
                    yearly_cap: Fen(500_000),
                    window_from: day(year - 1, 1, 1),
                    window_until: day(year + 1, 12, 31),
                    levels: ReviewLevel::ALL.to_vec(),
                    individual: true,
                },
                note: "黔人社发〔2026〕9号（演示）".into(),
            },
        )
        .await?;
    let who = app.accounts().principal_of(user_id).await?;
    demo_at(app, -6)
        .subsidies()
        .set_card_account(&who, ctx, "6217002430007654321")
        .await?;
    let claim = demo_at(app, -5)
        .subsidies()
        .submit_own_claim(
            &who,
            ctx,
            class_id,
            &policy,
            "机构申报时未登记社保卡账户，本人补报",
        )
        .await?;
    demo_at(app, -3)
        .subsidies()
        .decide_claim(
            nm,
            ctx,
            &claim,
            ClaimDecision::Approve,
            "学时、出勤核对无误",
        )
        .await?;
    Ok(())
}

/// Training vouchers: this year's issue by person category, one used for the completed
/// class and redeemed by its institution; last year's issue, expired unused.
async fn vouchers(
    app: &App,
    ctx: &RequestCtx,
    gz: &Principal,
    inst: &Principal,
    c: &jineng_store::classes::class::Model,
    learners: &[jineng_app::classes::EnrolledLearner],
) -> AppResult<()> {
    use jineng_app::subsidies::vouchers::IssueInput;
    use jineng_core::Fen;
    use jineng_core::vouchers::{IssueMethod, VoucherStatus};
    use jineng_store::learners::profile;
    use jineng_store::subsidies::{voucher, voucher_issue};
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, QueryFilter};
    let year = chrono::Datelike::year(&app.today());
    let day = |y: i32, m: u32, d: u32| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    // Every category the class's learners and the demo learner belong to.
    let mut people: Vec<String> = learners.iter().map(|l| l.user_id.clone()).collect();
    if let Some(id) = app.accounts().user_id_by_username("learner").await? {
        people.push(id);
    }
    let mut categories: Vec<String> = profile::Entity::find()
        .filter(profile::Column::UserId.is_in(people))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|p| p.person_category)
        .filter(|c| !c.is_empty())
        .collect();
    categories.sort();
    categories.dedup();
    if categories.is_empty() {
        return Ok(());
    }
    let issue = |name: &str, from, until| IssueInput {
        name: name.into(),
        value: Fen(80_000),
        project_ids: vec![],
        valid_from: from,
        valid_until: until,
        method: IssueMethod::Rule,
        list: String::new(),
        categories: categories.clone(),
    };
    let old = demo_at(app, -60)
        .subsidies()
        .issue_vouchers(
            gz,
            ctx,
            issue("上年度职业培训券（演示）", day(year - 1, 1, 1), app.today()),
        )
        .await?;
    // Last year's: its validity ended on the last day of last year.
    let last = day(year - 1, 12, 31).to_string();
    voucher_issue::Entity::update_many()
        .col_expr(voucher_issue::Column::ValidUntil, Expr::value(last.clone()))
        .filter(voucher_issue::Column::Id.eq(old.id.clone()))
        .exec(&app.db)
        .await?;
    voucher::Entity::update_many()
        .col_expr(voucher::Column::ValidUntil, Expr::value(last))
        .filter(voucher::Column::IssueId.eq(old.id))
        .exec(&app.db)
        .await?;
    let new = demo_at(app, -55)
        .subsidies()
        .issue_vouchers(
            gz,
            ctx,
            issue(
                &format!("{year}年第一批职业培训券（演示）"),
                day(year, 1, 1),
                day(year + 1, 12, 31),
            ),
        )
        .await?;
    // The second learner who completed had used theirs when enrolling in the class.
    let used: Vec<String> = learners
        .iter()
        .filter(|l| l.outcome == jineng_core::completion::Outcome::Completed)
        .skip(1)
        .take(1)
        .map(|l| l.user_id.clone())
        .collect();
    let enrolled_at = demo_at(app, -50).now();
    voucher::Entity::update_many()
        .col_expr(voucher::Column::Status, Expr::value(VoucherStatus::Held))
        .col_expr(voucher::Column::ClassId, Expr::value(Some(c.id.clone())))
        .col_expr(voucher::Column::OrgId, Expr::value(Some(c.org_id.clone())))
        .col_expr(voucher::Column::UsedAt, Expr::value(Some(enrolled_at)))
        .filter(voucher::Column::IssueId.eq(new.id))
        .filter(voucher::Column::UserId.is_in(used))
        .exec(&app.db)
        .await?;
    demo_at(app, -13)
        .subsidies()
        .redeem_vouchers(inst, ctx, &c.id)
        .await?;
    // The province drew the institution's settlement; the payment is still to record.
    demo_at(app, -6)
        .subsidies()
        .settle_vouchers(gz, ctx, &c.org_id)
        .await?;
    Ok(())
}

/// The app as it was `days` from now.
fn demo_at(app: &App, days: i64) -> App {
    let mut a = app.clone();
    a.clock = std::sync::Arc::new(jineng_app::clock::OffsetClock {
        base: app.clock.clone(),
        by: chrono::Duration::days(days),
    });
    a
}

/// Course orders of the 南明 institution's class in training, each through the sandbox
/// gateway as a buyer would go: a paid order whose seats the class's learners hold (the
/// course then given to the class as a study task; two spare seats, one of them
/// refunded), a second order refunded in full, and one left unpaid.
pub async fn orders(app: &App) -> AppResult<()> {
    use jineng_app::orders::{OrderInput, RefundInput};
    use jineng_app::study::TaskInput;
    use jineng_store::classes::class;
    use jineng_store::courses::package;
    use sea_orm::{ColumnTrait, QueryFilter};
    if jineng_store::orders::order::Entity::find()
        .count(&app.db)
        .await?
        > 0
    {
        return Ok(());
    }
    let ctx = RequestCtx::internal("seed-demo", "jineng seed");
    let (Some(inst), Some(operator)) = (
        demo_user(app, "institution").await?,
        demo_user(app, "operator").await?,
    ) else {
        return Ok(());
    };
    let Some(c) = class::Entity::find()
        .filter(class::Column::Status.eq(jineng_core::classes::ClassStatus::InTraining))
        .filter(class::Column::Delivery.eq(Delivery::Blended))
        .one(&app.db)
        .await?
    else {
        return Ok(());
    };
    let Some(course) = package::Entity::find()
        .filter(package::Column::Name.eq("中式烹调师（中级）热菜烹调"))
        .one(&app.db)
        .await?
    else {
        return Ok(());
    };
    let learners = i64::from(c.enrolled);
    let buy = async |key: &str, quantity: i64, reason: &str| {
        app.orders()
            .create(
                &inst,
                &ctx,
                &c.id,
                OrderInput {
                    package_id: course.id.clone(),
                    quantity: Some(quantity),
                    reason: reason.into(),
                    idempotency_key: key.into(),
                },
            )
            .await
    };
    // Pay as the buyer does: open the trade, confirm on the cashier, and let the
    // gateway's signed notification arrive.
    let pay = async |order_id: &str| -> AppResult<()> {
        let p = app.orders().pay(&inst, &ctx, order_id).await?;
        let trade = p.pay_url.trim_start_matches("/sandbox/pay/").to_string();
        app.sandbox().confirm(&inst, &ctx, &trade).await?;
        if let Some(body) = app.sandbox().signed_notice(&trade).await? {
            app.orders()
                .receive_notice(jineng_core::orders::Channel::Sandbox, &body)
                .await?;
        }
        Ok(())
    };
    let main = buy("demo-order-1", learners + 2, "预留2个插班名额").await?;
    pay(&main.id).await?;
    let today = (app.now() + chrono::Duration::hours(8)).date_naive();
    app.study()
        .publish_task(
            &inst,
            &ctx,
            &c.id,
            TaskInput {
                package_id: course.id.clone(),
                starts_on: today,
                ends_on: today + chrono::Duration::days(14),
                free_seek: false,
            },
        )
        .await?;
    let r = app
        .orders()
        .request_refund(
            &inst,
            &ctx,
            &main.id,
            RefundInput {
                seats: 1,
                reason: "1个插班名额未使用".into(),
            },
        )
        .await?;
    app.orders()
        .decide_refund(&operator, &ctx, &r.id, true, "核实席位未分配，同意退款")
        .await?;
    // The invoice of what was kept, issued by the provider with its e-invoice PDF.
    let inv = app
        .orders()
        .request_invoice(
            &inst,
            &ctx,
            &main.id,
            jineng_app::orders::invoices::InvoiceInput {
                kind: "ordinary".into(),
                title: "南明职业技能培训学校".into(),
                tax_id: jineng_core::identity::credit_code::complete("52520102MJ000001")
                    .unwrap_or_default(),
                address_phone: String::new(),
                bank_account: String::new(),
            },
        )
        .await?;
    if let Some(seller) = demo_user(app, "provider").await? {
        app.orders()
            .issue_invoice(
                &seller,
                &ctx,
                &inv.id,
                "26522000000012345678",
                &today.to_string(),
                "电子发票.pdf",
                demo_invoice_pdf(),
            )
            .await?;
    }
    let extra = buy("demo-order-2", 3, "误购，整单退款").await?;
    pay(&extra.id).await?;
    let r = app
        .orders()
        .request_refund(
            &inst,
            &ctx,
            &extra.id,
            RefundInput {
                seats: 3,
                reason: "重复下单，席位未使用".into(),
            },
        )
        .await?;
    app.orders()
        .decide_refund(&operator, &ctx, &r.id, true, "同意整单退款")
        .await?;
    buy("demo-order-3", 1, "为下月插班学员预购").await?;
    Ok(())
}

/// A one-page PDF standing for the demo's e-invoice (a real one comes from the tax
/// system): well-formed, with its cross-reference table at the right offsets.
fn demo_invoice_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 420] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        {
            let text = "BT /F1 18 Tf 60 340 Td (DEMO E-INVOICE 26522000000012345678) Tj ET";
            format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len())
        },
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A teacher qualification (师资上岗资格): the 南明 county's regulator certifies the demo
/// teacher (王老师, in the 南明 institution's pool) for three years.
pub async fn qualifications(app: &App) -> AppResult<()> {
    use jineng_app::qualifications::QualificationInput;
    use jineng_core::certificates::CertKind;
    use jineng_core::review::ReviewStatus;
    use jineng_store::certificates::certificate;
    use sea_orm::{ColumnTrait, QueryFilter};
    if certificate::Entity::find()
        .filter(certificate::Column::Kind.eq(CertKind::Teacher.code()))
        .count(&app.db)
        .await?
        > 0
    {
        return Ok(());
    }
    let Some(regulator) = demo_user(app, "nm_regulator").await? else {
        return Ok(());
    };
    let ctx = RequestCtx::internal("seed-demo", "jineng seed");
    let pool = app
        .teachers()
        .list(&regulator, Some(ReviewStatus::Approved))
        .await?;
    let Some(t) = pool.into_iter().find(|t| t.name == "王老师") else {
        return Ok(());
    };
    app.qualifications()
        .grant(
            &regulator,
            &ctx,
            &t.link_id,
            QualificationInput {
                subject: "中式烹调师".into(),
                years: 3,
            },
        )
        .await?;
    Ok(())
}

/// A working province: published projects, the demo institution's approved
/// declarations, imported learners, one class waiting for filing and one filed.
/// Run once after `seed_demo` on an empty platform (it does nothing if projects exist).
pub async fn training(app: &App) -> AppResult<()> {
    if jineng_store::catalogue::project::Entity::find()
        .count(&app.db)
        .await?
        > 0
    {
        return Ok(());
    }
    let system = Principal::system();
    let ctx = RequestCtx::internal("seed-demo", "jineng seed");
    training_as(app, &system, &ctx).await
}

async fn training_as(app: &App, system: &Principal, ctx: &RequestCtx) -> AppResult<()> {
    use jineng_app::catalogue::ProjectInput;
    use jineng_app::classes::ClassInput;
    use jineng_app::learners::import::ImportMode;
    use jineng_core::Fen;
    let mut projects = Vec::new();
    for (code, level, theory, practice, yuan) in [
        ("4-10-01-06", 5, 40, 80, "1200"),
        ("4-03-02-01", 4, 60, 120, "1800"),
        ("6-31-01-03", 5, 50, 100, "1500"),
    ] {
        let p = app
            .catalogue()
            .publish(
                system,
                ctx,
                ProjectInput {
                    occupation_code: code.into(),
                    work_type_id: None,
                    skill_level: level,
                    training_type: "vocational_skill".into(),
                    business_category: "employment_skill".into(),
                    theory_hours: theory,
                    practice_hours: practice,
                    subsidy: Fen::parse_yuan(yuan).unwrap_or_default(),
                },
            )
            .await?;
        projects.push(p);
    }
    let Some(inst_id) = app.accounts().user_id_by_username("institution").await? else {
        return Ok(());
    };
    let inst = app.accounts().principal_of(&inst_id).await?;
    let Some(org_id) = inst.org_ids().into_iter().next() else {
        return Ok(());
    };
    for p in projects.iter().take(2) {
        let d = app
            .catalogue()
            .declare(&inst, ctx, &org_id, &p.occupation_code, None, p.skill_level)
            .await?;
        app.catalogue()
            .decide_declaration(system, ctx, &d.id, Decision::Approve, "")
            .await?;
    }
    // Twelve learners imported by the institution, through the real import.
    let names = [
        "赵丽", "钱伟", "孙芳", "李强", "周敏", "吴静", "郑磊", "王娟", "冯涛", "陈霞", "褚明",
        "卫红",
    ];
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let xl =
        |e: rust_xlsxwriter::XlsxError| jineng_app::AppError::Internal(format!("demo xlsx: {e}"));
    for (c, h) in jineng_app::learners::import::HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).map_err(xl)?;
    }
    for (n, name) in names.iter().enumerate() {
        let id17 = format!("5201021990{:02}{:02}5{:02}", n % 12 + 1, n + 10, n);
        let idn =
            id_number(&id17).ok_or_else(|| jineng_app::AppError::Internal("demo id".into()))?;
        let row = (n + 1) as u32;
        for (c, v) in [
            name.to_string(),
            idn.as_str().to_string(),
            format!("1370000{:04}", n + 1),
            "农村转移就业劳动者".into(),
            "初中".into(),
            "520102".into(),
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(row, c as u16, v.as_str()).map_err(xl)?;
        }
    }
    let file = wb.save_to_buffer().map_err(xl)?;
    let job = app
        .learners()
        .import(&inst, ctx, &file, ImportMode::AllOrNothing)
        .await?;
    for _ in 0..200 {
        let j = app.learners().import_job(&inst, &job).await?;
        if !j.status.running() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let learners: Vec<String> = app
        .learners()
        .list(
            &inst,
            &Default::default(),
            jineng_app::page::PageRequest::first(50),
        )
        .await?
        .items
        .into_iter()
        .map(|l| l.id)
        .collect();
    let start = (app.now() + chrono::Duration::days(7)).date_naive();
    for (k, p) in projects.iter().take(2).enumerate() {
        let c = app
            .classes()
            .open(
                &inst,
                ctx,
                ClassInput {
                    project_id: p.id.clone(),
                    name: format!("{}（第{}期）", p.occupation_name, k + 1),
                    delivery: Delivery::Blended,
                    start_date: start,
                    end_date: start + chrono::Duration::days(20),
                    location: "贵阳市南明区花果园培训基地".into(),
                    capacity: 30,
                    theory_hours: p.theory_hours,
                    practice_hours: p.practice_hours,
                },
            )
            .await?;
        let members: Vec<String> = learners.iter().skip(k * 6).take(6).cloned().collect();
        app.classes().enroll(&inst, ctx, &c.id, &members).await?;
        app.classes()
            .act(
                &inst,
                ctx,
                &c.id,
                jineng_core::classes::ClassAction::Submit,
                "",
            )
            .await?;
        if k == 1 {
            app.classes()
                .act(
                    system,
                    ctx,
                    &c.id,
                    jineng_core::classes::ClassAction::Approve,
                    "",
                )
                .await?;
        }
    }
    history(app, system, ctx, &inst, &org_id, &projects, &learners).await?;
    // A class still recruiting, with the demo learner's application waiting on it.
    if let Some(p) = projects.first() {
        let start = (app.now() + chrono::Duration::days(14)).date_naive();
        let c = app
            .classes()
            .open(
                &inst,
                ctx,
                ClassInput {
                    project_id: p.id.clone(),
                    name: format!("{}（第3期，招生中）", p.occupation_name),
                    delivery: Delivery::Offline,
                    start_date: start,
                    end_date: start + chrono::Duration::days(10),
                    location: "贵阳市南明区花果园培训基地".into(),
                    capacity: 40,
                    theory_hours: p.theory_hours,
                    practice_hours: p.practice_hours,
                },
            )
            .await?;
        if let Some(l) = app.accounts().user_id_by_username("learner").await? {
            let learner = app.accounts().principal_of(&l).await?;
            app.classes().apply(&learner, ctx, &c.id).await?;
        }
    }
    Ok(())
}

/// The same institution a little earlier: a class that finished three weeks ago (with
/// attendance, so its completion list has results) and one in training now, whose
/// session today can be signed into with the QR code; the demo learner applied to it
/// and was accepted. Laid down by the ordinary use cases under a clock set back.
async fn history(
    app: &App,
    system: &Principal,
    ctx: &RequestCtx,
    inst: &Principal,
    org_id: &str,
    projects: &[jineng_app::catalogue::ProjectView],
    learners: &[String],
) -> AppResult<()> {
    use jineng_app::attendance::SessionInput;
    use jineng_app::classes::ClassInput;
    use jineng_core::classes::ClassAction;
    let (Some(running_project), Some(done_project)) = (projects.get(1), projects.get(2)) else {
        return Ok(());
    };
    let at = |days: i64| {
        let mut app = app.clone();
        app.clock = std::sync::Arc::new(jineng_app::clock::OffsetClock {
            base: app.clock.clone(),
            by: chrono::Duration::days(days),
        });
        app
    };
    let day = |days: i64| {
        (app.now() + chrono::Duration::hours(8) + chrono::Duration::days(days)).date_naive()
    };
    // The app as it was at hh:00 China Standard Time `days` from today: attendance is
    // only marked once a session has begun.
    let at_hour = |days: i64, hh: u32| {
        let target = day(days)
            .and_time(chrono::NaiveTime::from_hms_opt(hh, 0, 0).unwrap_or_default())
            .and_utc()
            - chrono::Duration::hours(8);
        let mut a = app.clone();
        a.clock = std::sync::Arc::new(jineng_app::clock::OffsetClock {
            base: app.clock.clone(),
            by: target - app.now(),
        });
        a
    };
    let learner = match app.accounts().user_id_by_username("learner").await? {
        Some(id) => Some(app.accounts().principal_of(&id).await?),
        None => None,
    };
    // The third project is declared too, for the finished class.
    let d = at(-55)
        .catalogue()
        .declare(
            inst,
            ctx,
            org_id,
            &done_project.occupation_code,
            None,
            done_project.skill_level,
        )
        .await?;
    at(-55)
        .catalogue()
        .decide_declaration(system, ctx, &d.id, Decision::Approve, "")
        .await?;

    // (k, project, opened, starts, ends, learners, completed)
    let plans = [
        (
            done_project,
            -50,
            -44,
            -26,
            &learners[6.min(learners.len())..],
            true,
        ),
        (
            running_project,
            -12,
            -7,
            0,
            &learners[..6.min(learners.len())],
            false,
        ),
    ];
    for (p, opened, starts, ends, members, completed) in plans {
        let then = at(opened);
        let c = then
            .classes()
            .open(
                inst,
                ctx,
                ClassInput {
                    project_id: p.id.clone(),
                    name: format!(
                        "{}（{}）",
                        p.occupation_name,
                        if completed { "秋季班" } else { "冬季班" }
                    ),
                    // The class in training is blended: theory online (study tasks),
                    // practice at the training base.
                    delivery: if completed {
                        Delivery::Offline
                    } else {
                        Delivery::Blended
                    },
                    start_date: day(starts),
                    end_date: day(ends),
                    location: "贵阳市南明区花果园培训基地".into(),
                    capacity: 30,
                    theory_hours: p.theory_hours,
                    practice_hours: p.practice_hours,
                },
            )
            .await?;
        then.classes().enroll(inst, ctx, &c.id, members).await?;
        if !completed && let Some(l) = &learner {
            let a = then.classes().apply(l, ctx, &c.id).await?;
            then.classes()
                .decide_application(inst, ctx, &a.id, true, "")
                .await?;
        }
        then.classes()
            .act(inst, ctx, &c.id, ClassAction::Submit, "")
            .await?;
        at(opened + 1)
            .classes()
            .act(system, ctx, &c.id, ClassAction::Approve, "")
            .await?;
        at(starts)
            .classes()
            .act(inst, ctx, &c.id, ClassAction::Start, "")
            .await?;
        // The finished class met every day, morning and afternoon, enough for its
        // declared hours; the running one meets every other morning. Most learners
        // attend, one of them misses most, so the results differ.
        let everyone: Vec<String> = app
            .classes()
            .get(inst, &c.id)
            .await?
            .1
            .into_iter()
            .map(|l| l.user_id)
            .collect();
        let mut today_slot: Option<(String, String)> = None;
        let mut slots: Vec<(i64, &str, &str)> = Vec::new();
        if completed {
            for d in starts..=ends {
                slots.push((d, "08:30", "12:00"));
                slots.push((d, "13:30", "17:30"));
            }
        } else {
            for d in (starts..=-1).step_by(2) {
                slots.push((d, "09:00", "11:30"));
            }
            // Today's session is under way whenever the demo is loaded, so its QR
            // sign-in can be tried at once: from half an hour ago for four hours, kept
            // within the day.
            let cst = app.now() + chrono::Duration::hours(8);
            let minute = |m: i64| {
                let m = m.clamp(0, 23 * 60 + 59);
                format!("{:02}:{:02}", m / 60, m % 60)
            };
            let now_min = i64::from(chrono::Timelike::hour(&cst)) * 60
                + i64::from(chrono::Timelike::minute(&cst));
            let (from, until) = (
                minute((now_min - 30).min(23 * 60 + 29)),
                minute(now_min + 240),
            );
            today_slot = Some((from, until));
        }
        if let Some((from, until)) = &today_slot {
            slots.push((0, from.as_str(), until.as_str()));
        }
        for (n, (d, starts_at, ends_at)) in slots.into_iter().enumerate() {
            let s = at(d)
                .attendance()
                .add_session(
                    inst,
                    ctx,
                    &c.id,
                    &SessionInput {
                        date: day(d),
                        starts: starts_at.into(),
                        ends: ends_at.into(),
                        topic: format!("第{}次课", n + 1),
                    },
                )
                .await?;
            if d < 0 {
                let present: Vec<String> = everyone
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != 0 || n % 3 == 0)
                    .map(|(_, u)| u.clone())
                    .collect();
                at_hour(d, 20)
                    .attendance()
                    .mark(inst, ctx, &s, &present)
                    .await?;
            }
        }
        if completed {
            at(ends)
                .classes()
                .act(inst, ctx, &c.id, ClassAction::Complete, "")
                .await?;
        }
    }
    Ok(())
}

async fn demo_org(
    app: &App,
    system: &Principal,
    ctx: &RequestCtx,
    a: &DemoAccount,
    o: &DemoOrg,
) -> AppResult<()> {
    let (_, kind, name, code17, county, nature, rep, rep_id17, approved) = *o;
    let bad = |what: &str| jineng_app::AppError::Internal(format!("demo data: bad {what}"));
    let input = OrgInput {
        kind,
        name: name.into(),
        credit_code: credit_code(code17).ok_or_else(|| bad("credit code"))?,
        region: RegionCode::parse(county).map_err(|_| bad("county"))?,
        address: format!("{name}（演示地址）"),
        legal_rep_name: rep.into(),
        legal_rep_id: id_number(rep_id17).ok_or_else(|| bad("ID number"))?,
        contact_name: rep.into(),
        contact_phone: Phone::parse(&format!("1390000000{}", &code17[16..]))
            .map_err(|_| bad("phone"))?,
        nature: nature.into(),
        institution_type: if kind == OrgKind::Institution {
            "ordinary".into()
        } else {
            String::new()
        },
        designated: approved,
        bank_name: "中国工商银行贵阳分行".into(),
        bank_account_name: name.into(),
        bank_account: BankAccount::parse(&format!("6222024{}", &rep_id17[6..14]))
            .map_err(|_| bad("bank account"))?,
        training_scale: 500,
        site_area: 800,
        licence_no: format!("黔人社培字{}号", &code17[13..]),
        valid_from: chrono::NaiveDate::from_ymd_opt(2024, 1, 1),
        valid_until: chrono::NaiveDate::from_ymd_opt(2028, 12, 31),
    };
    // The demo proves the contact phone like a person would, reading the code itself.
    let code = app
        .clone()
        .with_sms(app.sms.clone(), true)
        .learners()
        .send_code(ctx, &input.contact_phone, "org_register")
        .await?
        .unwrap_or_default();
    let admin = AdminAccount {
        username: a.username.into(),
        password: a.password.into(),
        display_name: a.display_name.into(),
        code,
    };
    let id = app
        .organizations()
        .register(ctx, input, admin)
        .await?
        .org_id;
    // Every demo organisation has filed its licence (a small generated PDF).
    if let Some(admin_id) = app.accounts().user_id_by_username(a.username).await? {
        let own = app.accounts().principal_of(&admin_id).await?;
        let kind = if kind == OrgKind::Institution {
            "school_licence"
        } else {
            "business_licence"
        };
        app.organizations()
            .upload_document(&own, ctx, &id, kind, "证照（演示）.pdf", demo_pdf(name))
            .await?;
    }
    if approved {
        app.organizations()
            .decide(system, ctx, &id, OrgAction::Approve, "演示数据")
            .await?;
    }
    Ok(())
}

/// Demo learners registered themselves: give them the profile registration creates.
async fn learner_profile(
    app: &App,
    user_id: &str,
    idn: &IdNumber,
    region: &RegionCode,
) -> AppResult<()> {
    use sea_orm::{EntityTrait, Set};
    jineng_store::learners::profile::Entity::insert(jineng_store::learners::profile::ActiveModel {
        user_id: Set(user_id.to_string()),
        person_category: Set("rural_migrant".into()),
        education: Set("senior".into()),
        gender: Set(idn.gender()),
        birth_date: Set(idn.birth_date().to_string()),
        region_code: Set(region.as_str().into()),
        source: Set(LearnerSource::SelfRegistered),
        imported_by_org: Set(String::new()),
        activated: Set(true),
        created_at: Set(app.now()),
    })
    .exec(&app.db)
    .await?;
    // Listed for the exchange feeds under the latest change so far (seeding runs before
    // the server serves anyone).
    let seq = jineng_store::audit::head::Entity::find_by_id(1)
        .one(&app.db)
        .await?
        .map_or(0, |h| h.seq);
    jineng_store::exchange::change::Entity::insert(jineng_store::exchange::change::ActiveModel {
        dataset: Set("learners".into()),
        seq: Set(seq),
        record_id: Set(user_id.to_string()),
    })
    .exec(&app.db)
    .await?;
    Ok(())
}

/// A minimal one-page PDF standing in for a scanned licence in demo data.
fn demo_pdf(title: &str) -> Vec<u8> {
    pdf_pages(&[&format!(
        "Demo licence document ({} bytes of name)",
        title.len()
    )])
}

/// A well-formed PDF of A4 pages, one line of (ASCII) text on each: the demo's licences
/// and handouts, and the tests' document lessons.
pub fn pdf_pages(lines: &[&str]) -> Vec<u8> {
    let n = lines.len();
    // Objects: 1 catalog, 2 pages, 3 font, then a page and its contents per line.
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {n} >>",
            (0..n)
                .map(|i| format!("{} 0 R", 4 + 2 * i))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    for (i, line) in lines.iter().enumerate() {
        let text: String = line
            .chars()
            .filter(|c| c.is_ascii() && !matches!(c, '(' | ')' | '\\'))
            .collect();
        let content = format!("BT /F1 18 Tf 72 720 Td ({text}) Tj ET");
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ));
    }
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A question bank of the size the platform asks for (the default 5 per class hour),
/// drawn from the lesson titles: single choice, multiple choice and true/false in turn.
async fn demo_questions(
    app: &App,
    who: &Principal,
    ctx: &RequestCtx,
    vid: &str,
    lessons: &[(&str, &[(&str, i32)])],
    hours: i32,
) -> AppResult<()> {
    use jineng_core::courses::questions::RawQuestion;
    let titles: Vec<&str> = lessons
        .iter()
        .flat_map(|(_, ls)| ls.iter().map(|(t, _)| *t))
        .collect();
    let need = usize::try_from(hours).unwrap_or(1) * 5;
    for i in 0..need {
        let title = titles[i % titles.len().max(1)];
        let round = i / 3 + 1;
        let (kind, stem, options, answer) = match i % 3 {
            0 => (
                "单选题",
                format!("（{round}）关于“{title}”，下列做法正确的是？"),
                vec!["按操作规范逐步进行", "凭经验随意操作", "省略安全检查"],
                "A",
            ),
            1 => (
                "多选题",
                format!("（{round}）“{title}”中应注意哪些事项？"),
                vec!["遵守安全规范", "做好个人防护", "忽视服务对象的感受"],
                "AB",
            ),
            _ => (
                "判断题",
                format!("（{round}）“{title}”可以不按操作规程进行。"),
                vec![],
                "错误",
            ),
        };
        app.courses()
            .add_question(
                who,
                ctx,
                vid,
                &RawQuestion {
                    kind: kind.into(),
                    stem,
                    options: options.into_iter().map(String::from).collect(),
                    answer: answer.into(),
                    explanation: format!("{title}须按职业技能标准和操作规程进行（演示题）。"),
                    knowledge_point: title.into(),
                    difficulty: ["易", "中", "难"][i % 3].into(),
                },
            )
            .await?;
    }
    Ok(())
}

/// The demo's course resources: the expert pool in a group, a dozen listed packages from
/// the two providers across several occupations, and one package at each stage of review
/// (a draft, one waiting for each of the three levels, one returned). Runs once (nothing
/// happens if a package exists).
pub async fn courses(app: &App) -> AppResult<()> {
    courses_with(app, Media::Made).await
}

/// Whether the demo's packages get their generated preview videos and handouts (ffmpeg
/// and poppler at work for several seconds) or go without them (tests of the catalogue
/// and of classes, which read the packages only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    Made,
    LeftOut,
}

/// `courses`, with or without the media lessons.
pub async fn courses_with(app: &App, media: Media) -> AppResult<()> {
    use jineng_app::courses::experts::{ExpertInput, GroupInput};
    use jineng_app::courses::review::ReviewInput;
    use jineng_core::courses::{REVIEW_CHECKLIST, ReviewDecision};
    if jineng_store::courses::package::Entity::find()
        .count(&app.db)
        .await?
        > 0
    {
        return Ok(());
    }
    let ctx = RequestCtx::internal("seed-demo", "jineng seed");
    let as_user = async |name: &str| -> AppResult<Principal> {
        demo_user(app, name)
            .await?
            .ok_or(jineng_app::AppError::NotFound("账户"))
    };
    let operator = as_user("operator").await?;
    let leader = app
        .courses()
        .add_expert(
            &operator,
            &ctx,
            ExpertInput {
                username: "expert_leader".into(),
                unit_name: "贵州职业技术学院".into(),
                unit_credit_code: None,
                title: "教授".into(),
                position: "专业带头人".into(),
                specialities: vec!["4".into(), "6".into()],
                group_id: None,
            },
        )
        .await?;
    let group = app
        .courses()
        .add_group(
            &operator,
            &ctx,
            GroupInput {
                name: "生活服务与制造专家组".into(),
                leader_id: Some(leader.id),
                categories: vec!["4".into(), "6".into()],
                course_types: vec![],
            },
        )
        .await?;
    app.courses()
        .add_expert(
            &operator,
            &ctx,
            ExpertInput {
                username: "expert".into(),
                unit_name: "贵州省家庭服务业协会".into(),
                unit_credit_code: None,
                title: "高级技师".into(),
                position: "培训部主任".into(),
                specialities: vec!["4".into()],
                group_id: Some(group.id),
            },
        )
        .await?;
    let reviewers = [
        as_user("expert").await?,
        as_user("expert_leader").await?,
        as_user("gz_regulator").await?,
    ];
    let pass = || ReviewInput {
        decision: ReviewDecision::Pass,
        comments: "内容规范，符合要求（演示）".into(),
        checklist: REVIEW_CHECKLIST.iter().map(|c| c.to_string()).collect(),
        level: None,
    };
    // (provider, name, occupation, level, training type, course type, price in fen,
    //  lessons: (chapter, [(title, minutes)]), how far through review it goes:
    //  0 draft, 1..=3 waiting at that level, 4 listed, 5 returned).
    type Lessons = &'static [(&'static str, &'static [(&'static str, i32)])];
    type DemoPackage = (
        &'static str,
        &'static str,
        &'static str,
        i32,
        &'static str,
        &'static str,
        i64,
        Lessons,
        u8,
    );
    let catalogue: [DemoPackage; 17] = [
        (
            "provider",
            "家政服务员（初级）母婴护理",
            "4-10-01-06",
            5,
            "vocational_skill",
            "skill",
            19_900,
            &[
                ("新生儿护理", &[("新生儿洗澡与抚触", 45), ("脐带护理", 45)]),
                ("产妇护理", &[("产后饮食", 45), ("产后康复", 45)]),
            ],
            4,
        ),
        (
            "provider",
            "家政服务员（中级）居家保洁与收纳",
            "4-10-01-06",
            4,
            "vocational_skill",
            "skill",
            15_900,
            &[
                (
                    "居家保洁",
                    &[("保洁工具与清洁剂", 45), ("厨房与卫生间保洁", 45)],
                ),
                ("收纳整理", &[("衣物收纳", 45)]),
            ],
            4,
        ),
        (
            "provider",
            "养老护理员（初级）生活照料",
            "4-10-01-05",
            5,
            "vocational_skill",
            "skill",
            21_900,
            &[
                (
                    "生活照料",
                    &[("饮食照料", 45), ("排泄照料", 45), ("睡眠照料", 45)],
                ),
                ("安全防护", &[("跌倒预防", 45)]),
            ],
            4,
        ),
        (
            "provider",
            "养老护理员（中级）基础护理",
            "4-10-01-05",
            4,
            "vocational_skill",
            "skill",
            25_900,
            &[("基础护理", &[("体征观测", 45), ("用药照料", 45)])],
            4,
        ),
        (
            "provider",
            "保育师（初级）婴幼儿照护",
            "4-10-01-03",
            5,
            "vocational_skill",
            "foundation",
            12_900,
            &[("婴幼儿生活照护", &[("喂养与饮水", 45), ("睡眠与如厕", 45)])],
            4,
        ),
        (
            "provider",
            "健康管理师 健康监测与评估",
            "4-14-02-02",
            3,
            "vocational_skill",
            "foundation",
            29_900,
            &[("健康监测", &[("健康信息采集", 45), ("健康风险评估", 45)])],
            4,
        ),
        (
            "provider",
            "职业素养与安全生产（公益）",
            "4-10-01-06",
            0,
            "public_welfare",
            "general",
            0,
            &[
                ("职业素养", &[("职业道德", 45)]),
                ("安全生产", &[("安全生产基础知识", 45)]),
            ],
            4,
        ),
        (
            "provider_b",
            "中式烹调师（初级）刀工与火候",
            "4-03-02-01",
            5,
            "vocational_skill",
            "skill",
            18_900,
            &[
                ("刀工", &[("刀具与握刀", 45), ("基本刀法", 45)]),
                ("火候", &[("火候的识别与运用", 45)]),
            ],
            4,
        ),
        (
            "provider_b",
            "中式面点师（初级）发酵面团",
            "4-03-02-02",
            5,
            "vocational_skill",
            "skill",
            16_900,
            &[("发酵面团", &[("酵母与发酵", 45), ("馒头与包子", 45)])],
            4,
        ),
        (
            "provider_b",
            "西式烹调师（初级）基础西餐",
            "4-03-02-03",
            5,
            "vocational_skill",
            "skill",
            19_900,
            &[("基础西餐", &[("西餐基础汤", 45), ("基础沙司", 45)])],
            4,
        ),
        (
            "provider_b",
            "电工（初级）低压电工作业",
            "6-31-01-03",
            5,
            "vocational_skill",
            "skill",
            26_900,
            &[
                ("电工基础", &[("电路基础", 45), ("常用电工仪表", 45)]),
                ("安全用电", &[("触电急救", 45)]),
            ],
            4,
        ),
        (
            "provider_b",
            "营养师 膳食调查与评价",
            "4-14-02-01",
            3,
            "special_ability",
            "foundation",
            22_900,
            &[("膳食调查", &[("膳食调查方法", 45), ("膳食评价", 45)])],
            4,
        ),
        (
            "provider",
            "家政服务员 家庭烹饪（送审中：专家初审）",
            "4-10-01-06",
            5,
            "vocational_skill",
            "skill",
            9_900,
            &[("家常菜", &[("家常菜制作", 45)])],
            1,
        ),
        (
            "provider_b",
            "营销员 直播带货基础（送审中：组长复审）",
            "4-01-02-01",
            0,
            "special_ability",
            "new_occupation",
            12_900,
            &[("直播基础", &[("直播间搭建", 45)])],
            2,
        ),
        (
            "provider",
            "婴幼儿发展引导（送审中：主管部门终审）",
            "4-10-01-01",
            5,
            "vocational_skill",
            "foundation",
            13_900,
            &[("早期发展", &[("婴幼儿动作发展", 45)])],
            3,
        ),
        (
            "provider_b",
            "商品营业员 门店服务（已退回）",
            "4-01-02-03",
            5,
            "vocational_skill",
            "skill",
            8_900,
            &[("门店服务", &[("接待与销售", 45)])],
            5,
        ),
        // Bought by the 南明 institution for its class in training (demo orders).
        (
            "provider",
            "中式烹调师（中级）热菜烹调",
            "4-03-02-01",
            4,
            "vocational_skill",
            "skill",
            26_800,
            &[
                (
                    "热菜烹调",
                    &[("炒、爆、熘的火候", 45), ("烧、焖、炖的调味", 45)],
                ),
                ("菜品成型", &[("装盘与盘饰", 45)]),
            ],
            4,
        ),
    ];
    // Every package serves a project of the province's catalogue (seed 000 §1.1): the
    // province publishes the ones `training` did not.
    let province = Principal::system();
    for (_, _, occupation, level, training, _, _, lessons, _) in &catalogue {
        let scope = jineng_core::occupations::TrainingScope {
            occupation,
            work_type: "",
            level: *level,
        };
        if !app.catalogue().served_by(scope).await?.is_empty() {
            continue;
        }
        let hours: i32 = lessons
            .iter()
            .map(|(_, ls)| ls.iter().map(|(_, m)| m).sum::<i32>())
            .sum::<i32>()
            / 45;
        app.catalogue()
            .publish(
                &province,
                &ctx,
                jineng_app::catalogue::ProjectInput {
                    occupation_code: (*occupation).into(),
                    work_type_id: None,
                    skill_level: *level,
                    training_type: (*training).into(),
                    business_category: "employment_skill".into(),
                    theory_hours: (hours * 2).max(20),
                    practice_hours: (hours * 4).max(40),
                    subsidy: jineng_core::Fen(if *level == 0 { 60_000 } else { 100_000 }),
                },
            )
            .await?;
    }
    let mut with_video: Vec<&str> = Vec::new();
    for (owner, name, occupation, level, training, course, price, lessons, stage) in catalogue {
        let who = as_user(owner).await?;
        let hours: i32 = lessons
            .iter()
            .map(|(_, ls)| ls.iter().map(|(_, m)| m).sum::<i32>())
            .sum::<i32>()
            / 45;
        let d = app
            .courses()
            .create(
                &who,
                &ctx,
                jineng_app::courses::PackageInput {
                    name: name.into(),
                    intro: format!(
                        "{name}：按职业技能标准编排，理论与操作演示结合，适合线上学习。"
                    ),
                    audience: "拟从事或正在从事本职业（工种）的劳动者".into(),
                    content: lessons
                        .iter()
                        .map(|(c, _)| *c)
                        .collect::<Vec<_>>()
                        .join("、"),
                    declared_hours: hours.max(1),
                    occupation_code: occupation.into(),
                    work_type_id: None,
                    skill_level: level,
                    training_type: jineng_core::courses::CourseTrainingType::parse(training)
                        .unwrap_or(jineng_core::courses::CourseTrainingType::VocationalSkill),
                    course_type: jineng_core::courses::CourseType::parse(course)
                        .unwrap_or(jineng_core::courses::CourseType::Skill),
                    price: jineng_core::Fen(price),
                    offline: false,
                    free_seek: false,
                },
            )
            .await?;
        let vid = d.current.id.clone();
        for (chapter, ls) in lessons {
            let v = app.courses().add_chapter(&who, &ctx, &vid, chapter).await?;
            let cid = v
                .chapters
                .iter()
                .find(|c| c.title == *chapter)
                .map(|c| c.id.clone())
                .unwrap_or_default();
            for (i, (title, minutes)) in ls.iter().enumerate() {
                app.courses()
                    .add_lesson(
                        &who,
                        &ctx,
                        &vid,
                        jineng_app::courses::LessonInput {
                            chapter_id: cid.clone(),
                            title: (*title).into(),
                            kind: jineng_core::courses::LessonKind::Text,
                            body: format!("{title}（演示课时）：学习要点、操作步骤与注意事项。"),
                            minutes: Some(*minutes),
                            preview: i == 0,
                        },
                    )
                    .await?;
            }
        }
        // The first listed package of each provider gets a short generated video as its
        // free preview (made by ffmpeg, so the demo stays small).
        let with_media = media == Media::Made && stage == 4;
        if with_media && !with_video.contains(&owner) {
            with_video.push(owner);
            let chapter = app.courses().version(&who, &vid).await?.chapters[0]
                .id
                .clone();
            demo_video(app, &who, &ctx, &vid, &chapter, "课程导学（试看）").await?;
            demo_document(app, &who, &ctx, &vid, &chapter).await?;
        } else if with_media && training == "public_welfare" {
            // The free public-welfare course opens with a video anyone signed in can
            // study on their own (supervised: the player sends heartbeats).
            let chapter = app.courses().version(&who, &vid).await?.chapters[0]
                .id
                .clone();
            demo_video(app, &who, &ctx, &vid, &chapter, "安全生产导学视频").await?;
            // And a handout, studied by the time it is read with the page in front.
            demo_document(app, &who, &ctx, &vid, &chapter).await?;
        }
        app.courses()
            .upload_file(
                &who,
                &ctx,
                &vid,
                jineng_app::courses::files::VersionFile::Cover,
                "封面.png",
                demo_png(),
            )
            .await?;
        app.courses()
            .upload_file(
                &who,
                &ctx,
                &vid,
                jineng_app::courses::files::VersionFile::Copyright,
                "版权证明.pdf",
                demo_pdf(name),
            )
            .await?;
        demo_questions(app, &who, &ctx, &vid, lessons, hours.max(1)).await?;
        if stage == 0 {
            continue;
        }
        app.courses().submit(&who, &ctx, &vid).await?;
        if stage == 5 {
            app.courses()
                .review(
                    &reviewers[0],
                    &ctx,
                    &vid,
                    ReviewInput {
                        decision: ReviewDecision::Return,
                        comments: "请补充门店服务的实操演示视频（演示）".into(),
                        checklist: vec![],
                        level: None,
                    },
                )
                .await?;
            continue;
        }
        let through = usize::from(stage.min(4)) - 1;
        for r in reviewers.iter().take(through) {
            app.courses().review(r, &ctx, &vid, pass()).await?;
        }
    }
    Ok(())
}

/// A 20-second clip from ffmpeg's test sources, uploaded as a preview lesson and waited for
/// until the job has made it playable. Without ffmpeg on the machine the demo goes on
/// without videos (and says so on standard error).
async fn demo_video(
    app: &App,
    who: &Principal,
    ctx: &RequestCtx,
    version_id: &str,
    chapter_id: &str,
    title: &str,
) -> AppResult<()> {
    let path = std::env::temp_dir().join(format!(
        "jineng-demo-{}-{}.mp4",
        std::process::id(),
        app.now().timestamp_micros()
    ));
    let made = tokio::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        // 360p: playable on any phone, and one rendition to make (a 720p source takes
        // two, several times the work, for every demo load and every test that loads it).
        .arg("testsrc2=size=640x360:rate=25:duration=20")
        .args(["-f", "lavfi", "-i", "sine=frequency=523:duration=20"])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .arg(&path)
        .output()
        .await;
    let bytes = match made {
        Ok(o) if o.status.success() => std::fs::read(&path).unwrap_or_default(),
        _ => Vec::new(),
    };
    let _ = std::fs::remove_file(&path);
    if bytes.is_empty() {
        eprintln!("demo: ffmpeg is not available; the demo packages have no videos");
        return Ok(());
    }
    let m = app
        .courses()
        .start_upload(
            who,
            ctx,
            version_id,
            jineng_app::courses::media::UploadInput {
                chapter_id: chapter_id.into(),
                title: title.into(),
                filename: "导学.mp4".into(),
                size: bytes.len() as u64,
                preview: true,
            },
        )
        .await?;
    let size = usize::try_from(m.chunk_bytes).unwrap_or(usize::MAX);
    for (n, piece) in bytes.chunks(size).enumerate() {
        app.courses()
            .put_chunk(
                who,
                &m.id,
                i32::try_from(n).unwrap_or(i32::MAX),
                piece.to_vec(),
            )
            .await?;
    }
    app.courses().complete_upload(who, ctx, &m.id).await?;
    wait_media(app, who, &m.id, "video").await?;
    Ok(())
}

/// Wait for the media job to finish an upload; whether it is ready to use.
async fn wait_media(app: &App, who: &Principal, id: &str, what: &str) -> AppResult<bool> {
    for _ in 0..600 {
        let now = app.courses().media(who, id).await?;
        match now.status {
            jineng_core::courses::MediaStatus::Ready => return Ok(true),
            jineng_core::courses::MediaStatus::Failed => {
                eprintln!(
                    "demo: the demo {what} could not be processed: {}",
                    now.reason
                );
                return Ok(false);
            }
            _ => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
    eprintln!("demo: the demo {what} was not processed in two minutes");
    Ok(false)
}

/// A three-page handout as a free-preview document lesson (rendered by poppler; left out
/// when poppler is not installed or the rendering fails, so the demo still loads).
async fn demo_document(
    app: &App,
    who: &Principal,
    ctx: &RequestCtx,
    version_id: &str,
    chapter_id: &str,
) -> AppResult<()> {
    let poppler = tokio::process::Command::new("pdftoppm")
        .arg("-v")
        .output()
        .await
        .is_ok();
    if !poppler {
        eprintln!("demo: poppler (pdftoppm) is not available; the demo packages have no handouts");
        return Ok(());
    }
    let v = app
        .courses()
        .upload_document(
            who,
            ctx,
            version_id,
            jineng_app::courses::documents::DocumentInput {
                chapter_id: chapter_id.into(),
                title: "课程讲义（试看）".into(),
                filename: "讲义.pdf".into(),
                minutes: Some(5),
                preview: true,
            },
            pdf_pages(&[
                "Course handout - 1. Safety first",
                "Course handout - 2. Step by step",
                "Course handout - 3. Self-check",
            ]),
        )
        .await?;
    let Some(l) = v
        .chapters
        .iter()
        .flat_map(|c| c.lessons.iter())
        .find(|l| l.kind == jineng_core::courses::LessonKind::Document)
    else {
        return Ok(());
    };
    if !wait_media(app, who, &l.media_id, "handout").await? {
        app.courses()
            .remove_lesson(who, ctx, version_id, &l.id)
            .await?;
    }
    Ok(())
}

/// A small, valid PNG (a 160 × 90 teal rectangle) standing in for a cover image.
fn demo_png() -> Vec<u8> {
    let hex = "89504e470d0a1a0a0000000d49484452000000a00000005a0802000000b0a4ca05000000a24944415478daedd1010d000008c3b04bc11f26908e0f6832056baa47878b0580055880055880055880010bb0000bb0000bb000031660011660011660011660c0022cc0022cc0022cc080055880055880055880010bb0000bb0000bb0000b3060011660011660011660c0022cc0022cc0022cc0805d002cc0022cc0022cc0020c58800558800558800518b0000bb0000bb0000bb00003166001166001166001fed50251c5ae27b84b4e300000000049454e44ae426082";
    (0..hex.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

/// Online study in the blended class in training: the institution publishes the free
/// public-welfare course to it as a study task; three of its learners study it through
/// the same heartbeats a player sends (one to the end, one part-way, one whose forged
/// heartbeat clears the course's hours); the 南明 county regulator spot-checks the class
/// and finds it unqualified. Run after `training` and `courses`; does nothing if a study
/// task exists, or without the course's video (no ffmpeg on the machine).
pub async fn study(app: &App) -> AppResult<()> {
    use jineng_app::study::{BeatInput, TaskInput};
    use jineng_core::study::Beat;
    use jineng_store::classes::{class, enrollment};
    use jineng_store::courses::{lesson, package};
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    if jineng_store::study::task::Entity::find()
        .count(&app.db)
        .await?
        > 0
    {
        return Ok(());
    }
    let ctx = RequestCtx::internal("seed-demo", "jineng seed");
    let (Some(inst), Some(regulator)) = (
        demo_user(app, "institution").await?,
        demo_user(app, "nm_regulator").await?,
    ) else {
        return Ok(());
    };
    let Some(c) = class::Entity::find()
        .filter(class::Column::Status.eq(jineng_core::classes::ClassStatus::InTraining))
        .filter(class::Column::Delivery.eq(Delivery::Blended))
        .one(&app.db)
        .await?
    else {
        return Ok(());
    };
    let Some(course) = package::Entity::find()
        .filter(package::Column::Name.eq("职业素养与安全生产（公益）"))
        .one(&app.db)
        .await?
    else {
        return Ok(());
    };
    let Some(video) = lesson::Entity::find()
        .filter(lesson::Column::VersionId.eq(course.listed_version_id.clone()))
        .filter(lesson::Column::Kind.eq(jineng_core::courses::LessonKind::Video))
        .filter(lesson::Column::Seconds.is_not_null())
        .one(&app.db)
        .await?
    else {
        return Ok(());
    };
    let today = (app.now() + chrono::Duration::hours(8)).date_naive();
    app.study()
        .publish_task(
            &inst,
            &ctx,
            &c.id,
            TaskInput {
                package_id: course.id.clone(),
                starts_on: today - chrono::Duration::days(3),
                ends_on: today + chrono::Duration::days(14),
                free_seek: false,
            },
        )
        .await?;
    // Learners of the class other than the demo learner (whose own walk starts fresh).
    let demo_learner = demo_user(app, "learner").await?.map(|p| p.user_id);
    let members: Vec<String> = enrollment::Entity::find()
        .filter(enrollment::Column::ClassId.eq(c.id.clone()))
        .order_by_asc(enrollment::Column::CreatedAt)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|e| e.user_id)
        .filter(|u| Some(u) != demo_learner.as_ref())
        .collect();
    let lesson_ms = u64::try_from(video.seconds.unwrap_or(0)).unwrap_or(0) * 1000;
    // Yesterday evening from 19:00 (China time), each learner on their own phone.
    let yesterday = today - chrono::Duration::days(1);
    let evening = yesterday
        .and_hms_opt(19, 0, 0)
        .unwrap_or_default()
        .and_utc()
        - chrono::Duration::hours(8);
    let clock = std::sync::Arc::new(jineng_app::clock::ManualClock::new(evening));
    let mut then = app.clone();
    then.clock = clock.clone();
    for (k, user_id) in members.iter().take(3).enumerate() {
        let who = app.accounts().principal_of(user_id).await?;
        let phone = RequestCtx {
            ip: format!("10.20.0.{}", 11 + k),
            user_agent: "Mozilla/5.0 (Linux; Android 14) 演示手机".into(),
            ..RequestCtx::internal("seed-demo", "jineng seed")
        };
        clock.advance(chrono::Duration::minutes(7));
        let s = then.study().open(&who, &phone, &video.id, &c.id).await?;
        // The first watches to the end; the second stops part-way; the third watches a
        // while, then a forged heartbeat (a script's) clears the course's hours.
        let watch_ms = if k == 0 { lesson_ms } else { lesson_ms * 3 / 5 };
        let mut position = 0;
        let mut seq = 0;
        while position < watch_ms {
            let gap = std::cmp::min(u64::from(s.interval_secs) * 1000, watch_ms - position);
            let gap = std::cmp::max(gap, u64::from(s.interval_secs) * 600);
            clock.advance(chrono::Duration::milliseconds(
                i64::try_from(gap).unwrap_or(0) + 137 * (seq as i64 % 3),
            ));
            seq += 1;
            position = std::cmp::min(position + gap, lesson_ms);
            then.study()
                .beat(
                    &who,
                    &phone,
                    &s.session_id,
                    BeatInput {
                        token: s.token.clone(),
                        beat: Beat {
                            seq,
                            position_ms: position,
                            rate_pct: 100,
                            visible: true,
                        },
                    },
                )
                .await?;
        }
        if k == 2 {
            clock.advance(chrono::Duration::seconds(20));
            then.study()
                .beat(
                    &who,
                    &phone,
                    &s.session_id,
                    BeatInput {
                        token: format!("{}x", s.token),
                        beat: Beat {
                            seq: seq + 1,
                            position_ms: position,
                            rate_pct: 100,
                            visible: true,
                        },
                    },
                )
                .await?;
        } else {
            then.study().end(&who, &s.session_id).await?;
        }
    }
    // Yesterday is over: its study goes into the evidence log (as the day's close job
    // would do; in the first minutes after midnight it is left to that job).
    match app.study().close_day(yesterday).await {
        Ok(_) | Err(jineng_app::AppError::Conflict(_)) => {}
        Err(e) => return Err(e),
    }
    // This morning the county regulator spot-checks the class.
    let spot = app
        .study()
        .draw_spot_check(&regulator, &ctx, &c.id, Some(3))
        .await?;
    app.study()
        .decide_spot_check(
            &regulator,
            &ctx,
            &spot.id,
            false,
            "抽查发现1名学员的在线学时因伪造学习记录被清零，请机构核实并加强学习过程管理（演示）",
        )
        .await?;
    Ok(())
}

/// Exams in the blended class, on its public-welfare course (5 questions at 20 points:
/// 2 single, 2 multiple, 1 true/false): a pre-exam practice, a mock exam and the course
/// exam (two attempts). One learner has taken the mock twice (40, then 100: the higher
/// counts). The demo learner's own exams are left for the walk. Run
/// after `study`; does nothing if an exam exists or the class has no study task.
pub async fn exams(app: &App) -> AppResult<()> {
    use jineng_app::exams::ExamInput;
    use jineng_core::exams::{ExamKind, RawLine, RawRule};
    use jineng_store::classes::enrollment;
    use jineng_store::study::task;
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    if jineng_store::exams::exam::Entity::find()
        .count(&app.db)
        .await?
        > 0
    {
        return Ok(());
    }
    let ctx = RequestCtx::internal("seed-demo", "jineng seed");
    let Some(inst) = demo_user(app, "institution").await? else {
        return Ok(());
    };
    let Some(t) = task::Entity::find()
        .order_by_asc(task::Column::CreatedAt)
        .one(&app.db)
        .await?
    else {
        return Ok(());
    };
    let today = (app.now() + chrono::Duration::hours(8)).date_naive();
    // Open until two weeks from now, or the class's last day if sooner.
    let class_end = jineng_store::classes::class::Entity::find_by_id(t.class_id.clone())
        .one(&app.db)
        .await?
        .and_then(|c| chrono::NaiveDate::parse_from_str(&c.end_date, "%Y-%m-%d").ok())
        .unwrap_or(today);
    let closes_on = std::cmp::min(today + chrono::Duration::days(14), class_end);
    let rule = || RawRule {
        lines: [("single", "2"), ("multiple", "2"), ("judge", "1")]
            .into_iter()
            .map(|(k, n)| RawLine {
                kind: k.into(),
                count: n.into(),
                ..Default::default()
            })
            .collect(),
        single_score: "20".into(),
        multiple_score: "20".into(),
        judge_score: "20".into(),
        minutes: "20".into(),
        pass_mark: "60".into(),
        ..Default::default()
    };
    let mut mock_id = String::new();
    for (kind, max_attempts, show_answers) in [
        (ExamKind::Practice, 0, true),
        (ExamKind::Mock, 0, true),
        (ExamKind::Course, 2, false),
    ] {
        let e = app
            .exams()
            .publish(
                &inst,
                &ctx,
                &t.class_id,
                ExamInput {
                    kind,
                    package_id: t.package_id.clone(),
                    title: String::new(),
                    rule: rule(),
                    max_attempts,
                    show_answers,
                    opens_on: today - chrono::Duration::days(3),
                    closes_on,
                },
            )
            .await?;
        if kind == ExamKind::Mock {
            mock_id = e.id;
        }
    }
    // A learner of the class other than the demo learner.
    let demo_learner = demo_user(app, "learner").await?.map(|p| p.user_id);
    let Some(member) = enrollment::Entity::find()
        .filter(enrollment::Column::ClassId.eq(t.class_id.clone()))
        .order_by_asc(enrollment::Column::CreatedAt)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|e| e.user_id)
        .find(|u| Some(u) != demo_learner.as_ref())
    else {
        return Ok(());
    };
    let who = app.accounts().principal_of(&member).await?;
    // Taken at start-up, by the real clock: the deadline jobs run by it too.
    let then = app;
    let phone = RequestCtx {
        ip: "10.20.0.11".into(),
        user_agent: "Mozilla/5.0 (Linux; Android 14) 演示手机".into(),
        ..RequestCtx::internal("seed-demo", "jineng seed")
    };
    // The demo bank's right options (see `demo_questions`).
    const RIGHT: [&str; 4] = ["按操作规范逐步进行", "遵守安全规范", "做好个人防护", "错误"];
    for all_right in [false, true] {
        let a = then.exams().start(&who, &phone, &mock_id, true).await?;
        for q in &a.questions {
            let right: String = q
                .options
                .iter()
                .enumerate()
                .filter(|(_, o)| RIGHT.contains(&o.as_str()))
                .map(|(i, _)| jineng_core::courses::questions::letter(i))
                .collect();
            // The first time only the true/false and one single choice are right.
            let given = if all_right
                || q.kind == jineng_core::courses::questions::QuestionKind::Judge
                || q.position == 0
            {
                right
            } else {
                q.options
                    .iter()
                    .enumerate()
                    .find(|(_, o)| !RIGHT.contains(&o.as_str()))
                    .map(|(i, _)| jineng_core::courses::questions::letter(i).to_string())
                    .unwrap_or_default()
            };
            then.exams()
                .save(&who, &phone, &a.id, q.position, &given)
                .await?;
        }
        then.exams().submit(&who, &phone, &a.id).await?;
    }
    Ok(())
}

/// Province question banks (省级题库) for the occupation and level of the class with the
/// first study task: one written by the province, and one imported from another
/// centre's shared document (云南), so the class's exam form offers both and a bank's
/// page shows its provenance. Does nothing if a bank exists.
pub async fn banks(app: &App) -> AppResult<()> {
    use jineng_core::banks::{CheckedDocument, digest, document};
    use jineng_core::courses::questions::{RawQuestion, parse_question};
    use jineng_store::study::task;
    use sea_orm::QueryOrder;
    if jineng_store::banks::bank::Entity::find()
        .count(&app.db)
        .await?
        > 0
    {
        return Ok(());
    }
    let ctx = RequestCtx::internal("seed-demo", "jineng seed");
    let Some(province) = demo_user(app, "gz_regulator").await? else {
        return Ok(());
    };
    let Some(t) = task::Entity::find()
        .order_by_asc(task::Column::CreatedAt)
        .one(&app.db)
        .await?
    else {
        return Ok(());
    };
    let Some(c) = jineng_store::classes::class::Entity::find_by_id(t.class_id.clone())
        .one(&app.db)
        .await?
    else {
        return Ok(());
    };
    let Some(p) = jineng_store::catalogue::project::Entity::find_by_id(c.project_id.clone())
        .one(&app.db)
        .await?
    else {
        return Ok(());
    };
    let occupation =
        jineng_store::reference::occupation::Entity::find_by_id(p.occupation_code.clone())
            .one(&app.db)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
    let q = |kind: &str, stem: &str, options: &[&str], answer: &str, point: &str| RawQuestion {
        kind: kind.into(),
        stem: stem.into(),
        options: options.iter().map(|o| o.to_string()).collect(),
        answer: answer.into(),
        explanation: format!("依据《{occupation}》国家职业技能标准的{point}要求。"),
        knowledge_point: point.into(),
        difficulty: String::new(),
    };
    let own = [
        q(
            "单选",
            "从业人员上岗前应当做到的是？",
            &["接受岗位培训并熟悉操作规程", "只需口头了解", "无需任何准备"],
            "A",
            "职业道德",
        ),
        q(
            "单选",
            "工作中发现安全隐患，正确的做法是？",
            &["及时报告并按规定处置", "视而不见", "自行拆除防护设施"],
            "A",
            "安全规范",
        ),
        q(
            "单选",
            "服务对象提出不合理要求时，应当？",
            &["耐心解释并坚持规范", "立即照办", "与其争吵"],
            "A",
            "服务规范",
        ),
        q(
            "单选",
            "使用工具设备前应当？",
            &["检查是否完好", "直接使用", "交给他人检查后不再确认"],
            "A",
            "安全规范",
        ),
        q(
            "判断",
            "遵守劳动纪律是从业人员的基本职业道德。",
            &[],
            "正确",
            "职业道德",
        ),
        q(
            "判断",
            "为节省时间可以跳过操作前的安全检查。",
            &[],
            "错误",
            "安全规范",
        ),
    ];
    let b = app
        .banks()
        .create(
            &province,
            &ctx,
            jineng_app::banks::BankInput {
                name: format!("{occupation}省级理论知识题库"),
                occupation_code: p.occupation_code.clone(),
                work_type_id: (!p.work_type_id.is_empty()).then(|| p.work_type_id.clone()),
                level: p.skill_level,
            },
        )
        .await?;
    for r in &own {
        app.banks().add_question(&province, &ctx, &b.id, r).await?;
    }
    // Another centre's bank, as its shared document would arrive.
    let shared: Vec<_> = [
        q(
            "单选",
            "（云南）岗位交接时应当做到的是？",
            &["交清工作情况并做好记录", "口头随意交代", "不交接直接离岗"],
            "A",
            "岗位交接",
        ),
        q(
            "单选",
            "（云南）发生意外伤害时，首先应当？",
            &["确保现场安全后施救并报告", "先拍照留存", "离开现场"],
            "A",
            "应急处置",
        ),
        q(
            "判断",
            "（云南）个人防护用品可以与他人混用。",
            &[],
            "错误",
            "个人防护",
        ),
    ]
    .iter()
    .filter_map(|r| parse_question(r).ok())
    .collect();
    let work_type = match &b.work_type_id {
        id if id.is_empty() => None,
        id => {
            jineng_store::reference::work_type::Entity::find_by_id(id.clone())
                .one(&app.db)
                .await?
        }
    };
    let doc = document(&CheckedDocument {
        centre_code: "530000".into(),
        centre: "云南省职业技能鉴定指导中心".into(),
        bank_id: "yn-2026-017".into(),
        version: 3,
        exported_at: "2026-11-20T09:30:00+08:00".into(),
        name: format!("{occupation}理论题库（云南共享）"),
        occupation_code: p.occupation_code.clone(),
        work_type_code: work_type
            .as_ref()
            .map(|w| w.code.clone())
            .unwrap_or_default(),
        work_type_name: work_type
            .as_ref()
            .map(|w| w.name.clone())
            .unwrap_or_default(),
        level: p.skill_level,
        digest: digest(&shared),
        questions: shared,
    });
    let bytes =
        serde_json::to_vec(&doc).map_err(|e| AppError::Internal(format!("demo bank: {e}")))?;
    app.banks().import_shared(&province, &ctx, &bytes).await?;
    Ok(())
}

/// The demo account of that name as a principal, if it exists.
async fn demo_user(app: &App, name: &str) -> AppResult<Option<Principal>> {
    match app.accounts().user_id_by_username(name).await? {
        Some(id) => Ok(Some(app.accounts().principal_of(&id).await?)),
        None => Ok(None),
    }
}

/// Certificates for the demo's completed class: issued to every learner who met its
/// completion rule, and one of them revoked, so both states can be verified.
pub async fn certificates(app: &App) -> AppResult<()> {
    use jineng_core::classes::ClassStatus;
    use jineng_store::classes::class;
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    if app.ledger_key.is_none()
        || jineng_store::certificates::certificate::Entity::find()
            .count(&app.db)
            .await?
            > 0
    {
        return Ok(());
    }
    let ctx = RequestCtx::internal("seed-demo", "jineng seed");
    let Some(inst) = demo_user(app, "institution").await? else {
        return Ok(());
    };
    let completed = class::Entity::find()
        .filter(class::Column::Status.eq(ClassStatus::Completed))
        .filter(class::Column::OrgId.is_in(inst.org_ids()))
        .order_by_asc(class::Column::StartDate)
        .all(&app.db)
        .await?;
    for c in completed {
        let issued = app
            .certificates()
            .issue_for_class(&inst, &ctx, &c.id)
            .await?;
        if issued.len() > 1
            && let Some(last) = issued.last()
        {
            app.certificates()
                .revoke(
                    &inst,
                    &ctx,
                    &last.id,
                    "演示：学员身份信息核查不符，证书作废",
                )
                .await?;
        }
    }
    Ok(())
}

/// Offline assessment for the demo's completed class: the demo teacher (王老师) in the
/// 南明 institution's pool and on the class (booked when it ran), days, performance and
/// theory scores entered by the institution, practical scores and evaluations by the
/// teacher, submitted by the institution and confirmed by the teacher — published, so
/// it counts towards completion before certificates are issued.
pub async fn assessment(app: &App) -> AppResult<()> {
    use jineng_app::assessment::{RowInput, SaveInput};
    use jineng_app::teachers::TeacherInput;
    use jineng_core::assessment::Performance;
    use jineng_core::classes::ClassStatus;
    use jineng_store::classes::class;
    use jineng_store::teachers::booking;
    use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, QueryOrder, Set};
    if jineng_store::assessment::sheet::Entity::find()
        .count(&app.db)
        .await?
        > 0
    {
        return Ok(());
    }
    let ctx = RequestCtx::internal("seed-demo", "jineng seed");
    let (Some(inst), Some(teacher)) = (
        demo_user(app, "institution").await?,
        demo_user(app, "teacher").await?,
    ) else {
        return Ok(());
    };
    let Some(completed) = class::Entity::find()
        .filter(class::Column::Status.eq(ClassStatus::Completed))
        .filter(class::Column::OrgId.is_in(inst.org_ids()))
        .order_by_asc(class::Column::StartDate)
        .one(&app.db)
        .await?
    else {
        return Ok(());
    };
    let bad = |what: &str| jineng_app::AppError::Internal(format!("demo data: bad {what}"));
    let t = app
        .teachers()
        .add(
            &inst,
            &ctx,
            TeacherInput {
                name: "王老师".into(),
                id_number: id_number("52010219850612241").ok_or_else(|| bad("teacher ID"))?,
                full_time: true,
                subjects: "中式烹调、食品安全".into(),
                level: "senior".into(),
                qualifications: "中式烹调师一级/高级技师".into(),
                years_teaching: 12,
                experience: "从事烹饪职业培训十余年".into(),
            },
        )
        .await?;
    app.teachers()
        .decide(
            &Principal::system(),
            &ctx,
            &t.link_id,
            Decision::Approve,
            "",
        )
        .await?;
    // The class ran weeks ago; the booking it had then is written as history (booking
    // goes through `teachers().book` only while a class has not started).
    booking::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        teacher_id: Set(t.teacher_id.clone()),
        class_id: Set(completed.id.clone()),
        start_date: Set(completed.start_date.clone()),
        end_date: Set(completed.end_date.clone()),
        created_at: Set(app.now()),
    }
    .insert(&app.db)
    .await?;
    let (_, learners) = app.classes().get(&inst, &completed.id).await?;
    let perf = [Performance::Excellent, Performance::Good, Performance::Fair];
    let mut staff_rows = Vec::new();
    let mut teacher_rows = Vec::new();
    for (i, l) in learners.iter().enumerate() {
        let n = i32::try_from(i).unwrap_or(0);
        // Whoever missed most of the sessions attended fewer days and scored lower.
        let short = l.attendance_percent < 80;
        staff_rows.push(RowInput {
            user_id: l.user_id.clone(),
            attendance_days: Some(Some(if short { 7 } else { 19 - n % 2 })),
            performance: Some(Some(if short {
                Performance::Poor
            } else {
                perf[i % 3]
            })),
            theory: Some(Some(if short { 48 } else { 92 - 3 * n })),
            ..RowInput::default()
        });
        teacher_rows.push(RowInput {
            user_id: l.user_id.clone(),
            practical: Some(Some(if short { 55 } else { 88 - 2 * n })),
            evaluation: Some(if short {
                "缺课较多，刀工与火候掌握不足，建议参加下期补训".into()
            } else {
                "操作规范，卫生习惯良好，能独立完成热菜制作".into()
            }),
            ..RowInput::default()
        });
    }
    let a = app.assessment();
    a.save(
        &inst,
        &ctx,
        &completed.id,
        &SaveInput {
            rows: staff_rows,
            pass_mark: Some(60),
            reason: None,
        },
    )
    .await?;
    a.save(
        &teacher,
        &ctx,
        &completed.id,
        &SaveInput {
            rows: teacher_rows,
            ..SaveInput::default()
        },
    )
    .await?;
    a.submit(&inst, &ctx, &completed.id).await?;
    a.confirm(&teacher, &ctx, &completed.id).await?;
    Ok(())
}

/// Skill-level certificates the province's appraisal centre reported for two demo
/// learners, imported the way a regulator would (a result sheet), so 我的技能等级证书 and
/// the regulators' list have something in them.
pub async fn skill_certificates(app: &App) -> AppResult<()> {
    if jineng_store::certificates::skill::Entity::find()
        .count(&app.db)
        .await?
        > 0
    {
        return Ok(());
    }
    let bad = |what: &str| jineng_app::AppError::Internal(format!("demo data: bad {what}"));
    let chen = id_number("52010219980307123").ok_or_else(|| bad("ID number"))?;
    let liu = id_number("52010320010115462").ok_or_else(|| bad("ID number"))?;
    let today = (app.now() + chrono::Duration::hours(8)).date_naive();
    let day = |back: u64| {
        today
            .checked_sub_days(chrono::Days::new(back))
            .unwrap_or(today)
            .to_string()
    };
    let rows = [
        [
            "陈学员",
            chen.as_str(),
            "S0000520000230001201",
            "4-03-02-01",
            "五级/初级工",
            "贵州省职业技能鉴定指导中心",
            &day(400),
        ],
        [
            "陈学员",
            chen.as_str(),
            "S0000520000240003417",
            "4-03-02-01",
            "四级/中级工",
            "贵州省职业技能鉴定指导中心",
            &day(30),
        ],
        [
            "刘学员",
            liu.as_str(),
            "Y0000520000240000912",
            "6-31-01-03",
            "四级/中级工",
            "贵阳市职业技能等级认定中心",
            &day(90),
        ],
    ];
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let xl = |e: rust_xlsxwriter::XlsxError| jineng_app::AppError::Internal(format!("xlsx: {e}"));
    for (c, h) in jineng_core::skills::HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).map_err(xl)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string((r + 1) as u32, c as u16, *v).map_err(xl)?;
        }
    }
    let bytes = wb.save_to_buffer().map_err(xl)?;
    let ctx = RequestCtx::internal("seed-demo", "jineng seed");
    // The province's regulator imports them (the record names a person who did it).
    let Some(province) = demo_user(app, "gz_regulator").await? else {
        return Ok(());
    };
    let done = app
        .skill_certificates()
        .import(&province, &ctx, bytes)
        .await?;
    if !done.refused.is_empty() {
        return Err(bad(&format!("skill certificate rows: {:?}", done.refused)));
    }
    Ok(())
}
