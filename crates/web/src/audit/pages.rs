//! The audit trail page: search by person, object, action and time; export to xlsx.

use crate::AppState;
use crate::audit::api::AuditQuery;
use crate::http::error::PageError;
use crate::http::export::xlsx_response;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use jineng_app::audit::AuditRecordView;
use jineng_app::page::PageRequest;
use serde::Deserialize;

/// The form's fields; dates are local (Asia/Shanghai) days.
#[derive(Deserialize, Default, Clone)]
pub struct AuditForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    object: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    page: Option<u64>,
}

impl AuditForm {
    fn day(
        field: &str,
        s: &str,
        next: bool,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, jineng_app::AppError> {
        if s.trim().is_empty() {
            return Ok(None);
        }
        let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| jineng_app::AppError::field(field, "日期格式应为 年-月-日"))?;
        let d = if next { d.succ_opt().unwrap_or(d) } else { d };
        let local = d
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(chrono_tz::Asia::Shanghai).single());
        Ok(local.map(|t| t.with_timezone(&chrono::Utc)))
    }

    fn query(&self) -> Result<AuditQuery, jineng_app::AppError> {
        let s = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
        Ok(AuditQuery {
            user: s(&self.user),
            object: s(&self.object),
            action: s(&self.action),
            from: Self::day("from", &self.from, false)?,
            to: Self::day("to", &self.to, true)?,
            page: self.page,
            per_page: Some(50),
        })
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("user", &self.user),
            ("object", &self.object),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ])
        .unwrap_or_default()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "audit/list.html")]
pub struct AuditPage {
    layout: Layout,
    form: AuditForm,
    items: Vec<AuditRecordView>,
    total: u64,
    page: u64,
    pages: u64,
    query: String,
}

/// Chinese names of the recorded actions, also the options of the action filter.
pub const ACTIONS: &[(&str, &str)] = &[
    ("auth.login", "登录"),
    ("auth.totp", "动态口令验证"),
    ("auth.logout", "退出登录"),
    ("user.create", "创建账户"),
    ("user.grant_role", "授予角色"),
    ("user.revoke_role", "撤销角色"),
    ("user.set_status", "启用/停用账户"),
    ("user.unlock", "解除锁定"),
    ("user.reset_password", "重置密码"),
    ("user.password_change", "修改密码"),
    ("user.totp_begin", "开始绑定动态口令"),
    ("user.totp_enable", "启用动态口令"),
    ("user.totp_reset", "解除动态口令"),
    ("token.create", "生成接口令牌"),
    ("token.revoke", "撤销接口令牌"),
    ("audit.export", "导出审计日志"),
    ("certificate.issue", "颁发证书"),
    ("certificate.revoke", "撤销证书"),
    ("certificates.export", "导出证书"),
    ("assessment.save", "录入考核成绩"),
    ("assessment.submit", "提交考核成绩复核"),
    ("assessment.publish", "复核发布考核成绩"),
    ("assessment.return", "退回考核成绩"),
    ("assessment.export", "导出考评成绩表"),
    ("attendance.check_in", "扫码签到"),
    ("attendance.mark", "补录考勤"),
    ("bank.create", "新建省级题库"),
    ("bank.export", "导出共享题库文件"),
    ("bank.question_add", "省级题库添加题目"),
    ("bank.question_retire", "省级题库移出题目"),
    ("bank.questions_import", "省级题库导入题目"),
    ("bank.shared_import", "导入共享题库"),
    ("bank.shared_update", "更新共享题库版本"),
    ("class.add_session", "添加课次"),
    ("class.application_reject", "拒绝报名"),
    ("class.application_withdraw", "撤回报名"),
    ("class.apply", "报名培训班"),
    ("class.book_teacher", "安排授课教师"),
    ("class.enroll", "录取学员"),
    ("class.export", "导出培训班"),
    ("class.inspect", "现场检查"),
    ("class.open", "开班"),
    ("class_learners.export", "导出学员名单"),
    ("class_study.export", "导出学习记录"),
    ("course.chapter_add", "添加章节"),
    ("course.chapter_remove", "删除章节"),
    ("course.create", "创建课程包"),
    ("course.document_ready", "文档转换完成"),
    ("course.document_upload", "上传文档"),
    ("course.flow_set", "设置审核流程"),
    ("course.lesson_add", "添加课时"),
    ("course.lesson_remove", "删除课时"),
    ("course.media_abandon", "放弃视频上传"),
    ("course.media_failed", "视频转码失败"),
    ("course.media_ready", "视频转码完成"),
    ("course.media_retry", "重新转码视频"),
    ("course.media_start", "开始上传视频"),
    ("course.media_upload", "上传视频"),
    ("course.new_version", "创建新版本"),
    ("course.question_add", "添加考题"),
    ("course.question_remove", "删除考题"),
    ("course.question_update", "修改考题"),
    ("course.questions_import", "导入考题"),
    ("course.questions_per_hour_set", "设置每学时考题数"),
    ("course.reindex", "重建课程索引"),
    ("course.submit", "提交课程审核"),
    ("course.update", "修改课程包"),
    ("course.words_set", "设置敏感词"),
    ("course_review.export", "导出课程审核记录"),
    ("declaration.submit", "提交工种申报"),
    ("exam.publish", "发布考试"),
    ("exam.start", "开始考试"),
    ("exam.withdraw", "撤回考试"),
    ("exam_results.export", "导出考试成绩"),
    ("exchange.client_create", "新建数据交换客户端"),
    ("exchange.client_revoke", "撤销数据交换客户端"),
    ("exchange.pull", "数据交换拉取"),
    ("expert.add", "加入专家库"),
    ("expert.assign", "分配评审专家"),
    ("expert.group_add", "新建专家组"),
    ("expert.group_remove", "删除专家组"),
    ("expert.group_update", "修改专家组"),
    ("expert.remove", "移出专家库"),
    ("job.retry", "重试后台任务"),
    ("keys.reindex", "重建加密索引"),
    ("keys.rotate", "轮换加密密钥"),
    ("learner.activate", "激活学员账户"),
    ("learner.export", "导出学员"),
    ("learner.import_batch", "导入学员（批次）"),
    ("learner.import_start", "开始导入学员"),
    ("learner.register", "学员实名注册"),
    ("learner_archive.export", "导出学员电子档案"),
    ("ledger.checkpoint", "证据日志检查点"),
    ("ledger.cosigned", "证据日志见证签名"),
    ("ledger.verify_requested", "请求核验证据日志"),
    ("org.annual_review", "年度审核"),
    ("org.document_remove", "删除登记材料"),
    ("org.document_upload", "上传登记材料"),
    ("org.register", "机构注册登记"),
    ("org.resubmit", "重新提交登记"),
    ("organization.export", "导出机构"),
    ("project.publish", "发布培训项目"),
    ("project.withdraw", "撤回培训项目"),
    ("question_bank.export", "导出省级题库Excel"),
    ("seal.remove", "删除印章"),
    ("seal.upload", "上传印章"),
    ("skill_certificate.import", "导入技能等级证书"),
    ("skill_certificates.export", "导出技能等级证书"),
    ("sms.code", "发送短信验证码"),
    ("sms.code_check", "校验短信验证码"),
    ("study.beat_refused", "拒绝学习心跳"),
    ("study.cleared", "学习完成"),
    ("study.day_closed", "日学习记录封存"),
    ("study.open", "开始学习"),
    ("study.policy_set", "设置学习监管规则"),
    ("study.spot_check_acknowledge", "确认抽查结论"),
    ("study.spot_check_decide", "作出抽查结论"),
    ("study.spot_check_draw", "发起学习抽查"),
    ("study.task_publish", "发布学习任务"),
    ("teacher.add", "添加师资"),
    ("teacher.export", "导出师资"),
    ("user.export", "导出账户"),
    ("work_type.create", "新增工种"),
    ("org.approve", "机构登记审核通过"),
    ("org.return", "退回机构登记"),
    ("org.suspend", "暂停机构"),
    ("org.reinstate", "恢复机构"),
    ("org.revoke", "撤销机构"),
    ("course.delist", "课程下架"),
    ("course.relist", "课程重新上架"),
    ("class.submit", "提交培训班备案"),
    ("class.approve", "培训班备案通过"),
    ("class.return", "退回培训班备案"),
    ("class.start", "开班"),
    ("class.complete", "结业"),
    ("class.cancel", "取消培训班"),
    ("declaration.approve", "工种申报通过"),
    ("declaration.return", "退回工种申报"),
    ("teacher.approve", "师资入库通过"),
    ("teacher.return", "退回师资入库"),
];

/// Chinese names of the kinds of object an action is on.
pub const OBJECTS: &[(&str, &str)] = &[
    ("certificate", "证书"),
    ("class", "培训班"),
    ("class_session", "课次"),
    ("course_index", "课程索引"),
    ("course_media", "课程视频"),
    ("course_package", "课程包"),
    ("exam_attempt", "答卷"),
    ("exchange_client", "数据交换客户端"),
    ("expert", "评审专家"),
    ("expert_group", "专家组"),
    ("import_job", "导入任务"),
    ("job", "后台任务"),
    ("learner", "学员"),
    ("ledger", "证据日志"),
    ("ledger_checkpoint", "证据日志检查点"),
    ("occupation_declaration", "工种申报"),
    ("organization", "机构"),
    ("phone", "手机号"),
    ("question_bank", "省级题库"),
    ("seal", "印章"),
    ("setting", "系统设置"),
    ("skill_certificate", "技能等级证书"),
    ("sms_codes", "短信验证码"),
    ("study_day", "日学习记录"),
    ("study_session", "学习会话"),
    ("teacher_link", "师资"),
    ("training_project", "培训项目"),
    ("user", "账户"),
    ("work_type", "工种"),
    ("exam", "考试"),
    ("assessment", "考评成绩表"),
    ("token", "接口令牌"),
    ("audit", "审计日志"),
    ("export", "导出"),
];

fn outcome_label(code: &str) -> &str {
    match code {
        "ok" => "成功",
        "bad_password" => "密码错误",
        "unknown_user" => "用户不存在",
        "locked" => "账户锁定中",
        "locked_now" => "密码错误，账户已锁定",
        "disabled" => "账户已停用",
        "password_ok_totp_pending" => "密码正确，待动态口令",
        "bad_code" => "动态口令错误",
        other => other,
    }
}

impl AuditPage {
    fn action_label(code: &str) -> &str {
        ACTIONS
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, l)| *l)
            .unwrap_or(code)
    }

    fn outcome_label(code: &str) -> &str {
        outcome_label(code)
    }

    fn object_label(code: &str) -> &str {
        OBJECTS
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, l)| *l)
            .unwrap_or(code)
    }

    fn role_label(code: &str) -> &str {
        jineng_core::accounts::Role::parse(code)
            .map(|r| r.label())
            .unwrap_or(code)
    }

    fn actions(&self) -> &'static [(&'static str, &'static str)] {
        ACTIONS
    }

    fn local(at: &str) -> String {
        chrono::DateTime::parse_from_rfc3339(at)
            .map(|t| {
                t.with_timezone(&chrono_tz::Asia::Shanghai)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_else(|_| at.to_string())
    }
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(f): Query<AuditForm>,
) -> Result<AuditPage, PageError> {
    let q = f.query()?;
    let p = s
        .app
        .audit()
        .search(
            &u.principal,
            &q.filter(),
            PageRequest::new(f.page, None, 50),
        )
        .await?;
    Ok(AuditPage {
        layout: Layout::new("审计日志", &u, "/audit"),
        query: f.query_string(),
        form: f,
        pages: p.total.div_ceil(50).max(1),
        items: p.items,
        total: p.total,
        page: p.page,
    })
}

pub async fn export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Query(f): Query<AuditForm>,
) -> Result<Response, PageError> {
    let q = f.query()?;
    let bytes = s
        .app
        .audit()
        .export(&u.principal, &ctx, &q.filter())
        .await?;
    Ok(xlsx_response(bytes, "audit-log.xlsx"))
}
