//! The archive as documents: one layout of its content, written as a PDF (with the
//! proof attached) and as an xlsx workbook (with the proof on its own sheet). The
//! documents' texts are here, in one place.

use crate::study::supervision::{duration, hours, when};
use jineng_app::archive::Archive;
use jineng_core::study::tenths_of_hours;

pub const TITLE: &str = "学员终身职业技能培训电子档案";
const FOOTER: &str = "技能 · 职业技能培训平台";

fn h(ms: u64) -> String {
    hours(tenths_of_hours(ms))
}

struct Tables {
    identity: Vec<(String, String)>,
    classes: (Vec<&'static str>, Vec<Vec<String>>),
    courses: (Vec<&'static str>, Vec<Vec<String>>),
    clearings: (Vec<&'static str>, Vec<Vec<String>>),
    exams: (Vec<&'static str>, Vec<Vec<String>>),
    certificates: (Vec<&'static str>, Vec<Vec<String>>),
    skill_certificates: (Vec<&'static str>, Vec<Vec<String>>),
    proof_lines: (Vec<&'static str>, Vec<Vec<String>>),
    proof_fields: Vec<(String, String)>,
}

fn tables(a: &Archive) -> Tables {
    let identity = vec![
        ("姓名".into(), a.learner.name.clone()),
        ("身份证号".into(), a.learner.id_number.clone()),
        ("所在地区".into(), a.learner.region_name.clone()),
        ("出具时间".into(), when(&a.issued_at)),
        ("线下学时合计".into(), format!("{} 学时", a.offline_hours)),
        (
            "在线学时合计".into(),
            format!(
                "{} 学时（{}；45分钟计1学时，含尚未记入证据日志的当日学时）",
                h(a.online_ms),
                duration(a.online_ms)
            ),
        ),
    ];
    let classes = (
        vec![
            "培训班",
            "机构",
            "项目",
            "形式",
            "起止日期",
            "线下学时",
            "在线学时",
            "结果",
        ],
        a.classes
            .iter()
            .map(|c| {
                let me = c.me.as_ref();
                vec![
                    c.class.name.clone(),
                    c.class.org_name.clone(),
                    c.class.project_name.clone(),
                    c.class.delivery_label.to_string(),
                    format!("{}\n{}", c.class.start_date, c.class.end_date),
                    me.map(|m| {
                        format!(
                            "{}（出勤{}/{}次）",
                            m.offline_hours, m.sessions_attended, m.sessions_total
                        )
                    })
                    .unwrap_or_default(),
                    me.map(|m| {
                        if m.online_required_hours > 0 {
                            format!("{}/{}", hours(m.online_tenths), m.online_required_hours)
                        } else {
                            hours(m.online_tenths)
                        }
                    })
                    .unwrap_or_default(),
                    me.map(|m| m.outcome_label.to_string()).unwrap_or_default(),
                ]
            })
            .collect(),
    );
    let courses = (
        vec!["学习于", "课程", "已计学时", "完成课时/已学课时"],
        a.courses
            .iter()
            .map(|c| {
                vec![
                    c.class_name.clone(),
                    c.course_name.clone(),
                    h(c.credited_ms),
                    format!("{}/{}", c.lessons_completed, c.lessons_started),
                ]
            })
            .collect(),
    );
    let clearings = (
        vec!["时间", "学习于", "课程", "原因", "第几次", "清零时长"],
        a.clearings
            .iter()
            .map(|k| {
                vec![
                    when(&k.at),
                    k.class_name.clone(),
                    k.course_name.clone(),
                    k.reason.to_string(),
                    k.nth.to_string(),
                    duration(k.cleared_ms),
                ]
            })
            .collect(),
    );
    let exams = (
        vec![
            "考试",
            "类型",
            "次数",
            "最高分",
            "结果",
            "交卷时间",
            "证据日志条目",
        ],
        a.exams
            .iter()
            .map(|e| {
                vec![
                    e.title.clone(),
                    e.kind_label.to_string(),
                    e.attempts.to_string(),
                    format!("{}/{}", e.best, e.total),
                    if e.passed { "及格" } else { "未及格" }.to_string(),
                    e.at.as_ref().map(when).unwrap_or_default(),
                    e.index.map(|i| format!("第 {i} 条")).unwrap_or_default(),
                ]
            })
            .collect(),
    );
    let (proof_lines, proof_fields) = match &a.proof {
        None => (
            (vec![], vec![]),
            vec![(
                "证据日志".into(),
                "尚无已记入证据日志的学时：每日学时在次日零时后记入。".into(),
            )],
        ),
        Some(p) => (
            (
                vec!["学习于", "课程", "天数", "已计学时", "清零学时", "有效学时"],
                p.lines
                    .iter()
                    .map(|l| {
                        vec![
                            l.class_name.clone(),
                            l.course_name.clone(),
                            l.days.to_string(),
                            h(l.credited_ms),
                            h(l.cleared_ms),
                            h(l.net_ms),
                        ]
                    })
                    .collect(),
            ),
            vec![
                ("截至".into(), format!("{}（北京时间）", p.as_of)),
                (
                    "有效在线学时".into(),
                    format!("{} 学时（{}）", h(p.total_ms), duration(p.total_ms)),
                ),
                ("日志条目".into(), format!("第 {} 条（学时汇总）", p.index)),
                ("记录编号".into(), p.record_id.clone()),
                ("记录哈希".into(), p.sha256.clone()),
                (
                    "证明文件".into(),
                    if p.bundle.is_some() {
                        "已附（proof.json），可在平台“证据日志”页校验".into()
                    } else {
                        "该条目尚未进入已签名的检查点，稍后重新下载即可附上".into()
                    },
                ),
            ],
        ),
    };
    let certificates = (
        vec![
            "证书",
            "证书编号",
            "培训项目",
            "发证机构",
            "发证日期",
            "状态",
            "证据日志条目",
        ],
        a.certificates
            .iter()
            .map(|c| {
                vec![
                    c.kind_label.to_string(),
                    c.number.clone(),
                    c.project.clone(),
                    c.issuer.clone(),
                    c.issued_on.clone(),
                    c.state_label(),
                    format!("第 {} 条", c.ledger_idx),
                ]
            })
            .collect(),
    );
    let skill_certificates = (
        vec!["证书编号", "职业（工种）", "等级", "评价机构", "发证日期"],
        a.skill_certificates
            .iter()
            .map(|c| {
                vec![
                    c.number.clone(),
                    format!("{} {}", c.occupation_code, c.occupation_name),
                    c.level_label.to_string(),
                    c.issuer.clone(),
                    c.issued_on.clone(),
                ]
            })
            .collect(),
    );
    Tables {
        identity,
        classes,
        courses,
        clearings,
        exams,
        certificates,
        skill_certificates,
        proof_lines,
        proof_fields,
    }
}

const PROOF_NOTE: &str = "校验方法：附件 summary.txt 的 SHA-256 应等于上面的记录哈希；把附件 proof.json 粘贴到平台“证据日志”页，或用 jineng ledger check 离线校验，可证明该汇总已记入本平台签名的证据日志。汇总中每一天、每一次清零各有其日志条目，编号列在 summary.txt 中。";

/// The archive as a PDF.
pub fn pdf(font: &jineng_pdf::Font, a: &Archive) -> Result<Vec<u8>, jineng_pdf::PdfError> {
    use jineng_pdf::{Attachment, Block, Document};
    let t = tables(a);
    let table =
        |(headers, rows): (Vec<&'static str>, Vec<Vec<String>>), widths: &[f32]| Block::Table {
            headers: headers.into_iter().map(String::from).collect(),
            widths: widths.to_vec(),
            rows,
        };
    let mut blocks = vec![Block::Fields(t.identity), Block::Heading("培训班".into())];
    if t.classes.1.is_empty() {
        blocks.push(Block::Paragraph("未参加培训班".into()));
    } else {
        blocks.push(table(t.classes, &[3.0, 2.5, 2.5, 1.2, 1.7, 1.6, 1.4, 1.6]));
    }
    blocks.push(Block::Heading("在线学习".into()));
    if t.courses.1.is_empty() {
        blocks.push(Block::Paragraph("暂无在线学习记录".into()));
    } else {
        blocks.push(table(t.courses, &[3.0, 3.0, 1.2, 1.6]));
    }
    if !t.clearings.1.is_empty() {
        blocks.push(Block::Heading("学时清零".into()));
        blocks.push(table(t.clearings, &[2.0, 2.5, 2.5, 2.0, 1.0, 1.4]));
    }
    if !t.exams.1.is_empty() {
        blocks.push(Block::Heading("考试成绩".into()));
        blocks.push(table(t.exams, &[3.0, 1.3, 0.8, 1.2, 1.0, 2.0, 1.4]));
    }
    if !t.certificates.1.is_empty() {
        blocks.push(Block::Heading("证书".into()));
        blocks.push(table(t.certificates, &[1.6, 2.6, 2.4, 2.2, 1.4, 1.4, 1.2]));
    }
    if !t.skill_certificates.1.is_empty() {
        blocks.push(Block::Heading("职业技能等级证书".into()));
        blocks.push(table(t.skill_certificates, &[2.4, 3.0, 1.4, 2.6, 1.4]));
    }
    blocks.push(Block::Heading("证据日志证明".into()));
    blocks.push(Block::Fields(t.proof_fields));
    if !t.proof_lines.1.is_empty() {
        blocks.push(table(t.proof_lines, &[3.0, 3.0, 0.8, 1.2, 1.2, 1.2]));
        blocks.push(Block::Note(PROOF_NOTE.into()));
    }
    let mut attachments = Vec::new();
    if let Some(p) = &a.proof {
        attachments.push(Attachment {
            name: "summary.txt".into(),
            mime: "text/plain".into(),
            description: "学时汇总的规范文本（其 SHA-256 即记录哈希）".into(),
            data: p.canonical.clone().into_bytes(),
        });
        if let Some(b) = &p.bundle {
            attachments.push(Attachment {
                name: "proof.json".into(),
                mime: "application/json".into(),
                description: "证据日志包含证明".into(),
                data: b.clone().into_bytes(),
            });
        }
    }
    jineng_pdf::render(
        font,
        &Document {
            title: format!("{TITLE}（{}）", a.learner.name),
            footer: FOOTER.into(),
            blocks,
            attachments,
        },
    )
}

/// The archive as a workbook: one sheet per part, the proof on the last.
pub fn xlsx(a: &Archive) -> jineng_app::AppResult<Vec<u8>> {
    let t = tables(a);
    let identity: Vec<Vec<String>> = t.identity.into_iter().map(|(k, v)| vec![k, v]).collect();
    let mut proof: Vec<Vec<String>> = t
        .proof_fields
        .into_iter()
        .map(|(k, v)| vec![k, v])
        .collect();
    if let Some(p) = &a.proof {
        // A spreadsheet cell holds at most 32,767 characters.
        let canonical = if p.canonical.len() < 32_000 {
            p.canonical.clone()
        } else {
            "（过长，请下载 PDF 取附件 summary.txt，或从接口读取）".into()
        };
        proof.push(vec!["汇总规范文本".into(), canonical]);
        if let Some(b) = &p.bundle {
            proof.push(vec!["包含证明（proof.json）".into(), b.clone()]);
        }
        proof.push(vec!["校验方法".into(), PROOF_NOTE.into()]);
    }
    jineng_app::export::xlsx_sheets(&[
        ("学员", &["项目", "内容"][..], &identity),
        ("培训班", &t.classes.0[..], &t.classes.1),
        ("在线学习", &t.courses.0[..], &t.courses.1),
        ("学时清零", &t.clearings.0[..], &t.clearings.1),
        ("证据日志汇总", &t.proof_lines.0[..], &t.proof_lines.1),
        ("证明", &["项目", "内容"][..], &proof),
        ("考试成绩", &t.exams.0[..], &t.exams.1),
        ("证书", &t.certificates.0[..], &t.certificates.1),
        (
            "职业技能等级证书",
            &t.skill_certificates.0[..],
            &t.skill_certificates.1,
        ),
    ])
}
