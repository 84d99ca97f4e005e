//! The OpenAPI 3.1 document's frame: title, server, tags and the bearer scheme. The paths
//! and schemas come from the route list (`routes.rs`), never from a second list.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "技能培训平台 API", version = "1", description = "Jineng JSON API. Errors are RFC 9457 problem+json with a Chinese `detail`. Authenticate with `Authorization: Bearer <token>`; create tokens in 个人中心."),
    servers((url = "/api/v1")),
    modifiers(&Bearer),
    tags((name = "accounts", description = "账户与角色"), (name = "audit", description = "审计日志"), (name = "reference", description = "基础数据"), (name = "organizations", description = "培训机构与企业"), (name = "catalogue", description = "培训项目目录与培训工种申报"), (name = "learners", description = "学员实名注册与批量导入"), (name = "classes", description = "培训班与备案"), (name = "training", description = "学员报名与我的培训"), (name = "exchange", description = "与省一体化平台的数据共享（签名请求）"), (name = "jobs", description = "后台任务"), (name = "ledger", description = "证据日志：签名检查点与可验证的证明"), (name = "courses", description = "课程包：编写、版本、送审"), (name = "study", description = "在线学习：学习会话、心跳计时、学习进度"), (name = "exams", description = "考试：考前练习、模拟考试、课程考试与成绩"), (name = "certificates", description = "证书：颁发、打印、撤销与公开查验"), (name = "assessment", description = "线下考核：考评成绩表、双人复核发布与修改记录"), (name = "orders", description = "课程订单：席位购买、支付渠道与通知、退款"), (name = "subsidies", description = "培训补贴：政策、申报、逐级审核、发放与银行回盘"), (name = "solicitation", description = "资源征集：申报、材料审核、路演评审、公示与入驻"), (name = "open-api", description = "开放接口：课程平台的签名密钥、回调通知与销售数据（课程发布接口经 /open/v1 签名调用）"))
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
