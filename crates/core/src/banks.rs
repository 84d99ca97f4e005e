//! Province question banks (省级题库) per work type and skill level, and the document a
//! bank is shared in with other skill appraisal centres (共建共享, seed 000 §1.7).
//!
//! The shared document is JSON in format [`FORMAT`] (documented in `docs/banks.md`): who
//! exported it (the centre's province code and name), the bank's id and version there,
//! what it covers, its questions in the same fields as the xlsx template, and a SHA-256
//! digest of the questions as parsed, so a file changed after export is refused. The
//! digest is computed over [`Question::cells`] rather than over the JSON text, so the same
//! questions give the same digest however the JSON is spaced or escaped.

use crate::courses::questions::{self, Question, RawQuestion};
use sha2::{Digest, Sha256};

/// The shared document's format head; a new layout gets a new number.
pub const FORMAT: &str = "jineng-question-bank/1";
/// Largest shared document accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;
/// Most questions a province bank (or a shared document) may hold.
pub const MAX_BANK_QUESTIONS: usize = 3000;

crate::coded! {
    /// Where a province bank's questions come from.
    pub enum Origin {
        /// Written here, or imported from the xlsx template.
        Local("local", "本省编制"),
        /// Imported from another centre's shared document; read-only here.
        Shared("shared", "共享导入"),
    }
}

/// One question of a shared document: the xlsx template's fields, the answer as letters
/// (or 正确/错误 for true/false), kind and difficulty as codes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DocQuestion {
    pub kind: String,
    pub stem: String,
    #[serde(default)]
    pub options: Vec<String>,
    pub answer: String,
    #[serde(default)]
    pub explanation: String,
    #[serde(default)]
    pub knowledge_point: String,
    #[serde(default)]
    pub difficulty: String,
}

impl DocQuestion {
    pub fn of(q: &Question) -> DocQuestion {
        DocQuestion {
            kind: q.kind.code().to_string(),
            stem: q.stem.clone(),
            options: match q.kind {
                questions::QuestionKind::Judge => Vec::new(),
                _ => q.options.clone(),
            },
            answer: q.answer_label(),
            explanation: q.explanation.clone(),
            knowledge_point: q.knowledge_point.clone(),
            difficulty: q.difficulty.code().to_string(),
        }
    }

    fn raw(&self) -> RawQuestion {
        RawQuestion {
            kind: self.kind.clone(),
            stem: self.stem.clone(),
            options: self.options.clone(),
            answer: self.answer.clone(),
            explanation: self.explanation.clone(),
            knowledge_point: self.knowledge_point.clone(),
            difficulty: self.difficulty.clone(),
        }
    }
}

/// A shared bank as exported, and as read back before any check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BankDocument {
    pub format: String,
    /// The exporting centre's province code (six digits) and name.
    pub centre_code: String,
    pub centre: String,
    /// The bank's id at the exporting centre, and its version there (1, 2, …).
    pub bank_id: String,
    pub version: u32,
    /// RFC 3339.
    pub exported_at: String,
    pub name: String,
    pub occupation_code: String,
    /// Empty when the bank serves the whole occupation.
    #[serde(default)]
    pub work_type_code: String,
    #[serde(default)]
    pub work_type_name: String,
    /// 1 (一级/高级技师) to 5 (五级/初级工), or 0 for 不定级.
    pub level: i32,
    pub questions: Vec<DocQuestion>,
    /// Lowercase hex SHA-256 of the questions, see [`digest`].
    pub digest: String,
}

/// A shared document that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedDocument {
    pub centre_code: String,
    pub centre: String,
    pub bank_id: String,
    pub version: u32,
    pub exported_at: String,
    pub name: String,
    pub occupation_code: String,
    pub work_type_code: String,
    pub work_type_name: String,
    pub level: i32,
    pub questions: Vec<Question>,
    pub digest: String,
}

/// One thing wrong with a document: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocProblem {
    pub field: String,
    pub message: String,
}

fn problem(out: &mut Vec<DocProblem>, field: impl Into<String>, message: impl Into<String>) {
    out.push(DocProblem {
        field: field.into(),
        message: message.into(),
    });
}

/// The digest of a list of questions: SHA-256 over each question's template cells, cells
/// separated by U+001F and questions by U+001E.
pub fn digest(qs: &[Question]) -> String {
    let mut h = Sha256::new();
    for q in qs {
        for c in q.cells() {
            h.update(c.as_bytes());
            h.update([0x1f]);
        }
        h.update([0x1e]);
    }
    hex::encode(h.finalize())
}

/// A bank's name: 2–60 characters of plain text.
pub fn check_name(name: &str) -> Result<String, String> {
    let t = name.trim();
    let n = t.chars().count();
    if !(2..=60).contains(&n) {
        return Err("题库名称应为2至60个字符".into());
    }
    if let Some(m) = crate::text::plain_text_problem(t) {
        return Err(format!("题库名称{m}"));
    }
    Ok(t.to_string())
}

/// A skill level 1–5, or 0 for 不定级 (as training projects have).
pub fn check_level(level: i32) -> Result<i32, String> {
    if (0..=5).contains(&level) {
        Ok(level)
    } else {
        Err("等级应为1（一级/高级技师）到5（五级/初级工），不定级为0".into())
    }
}

/// The export of a bank, questions in their order.
pub fn document(c: &CheckedDocument) -> BankDocument {
    BankDocument {
        format: FORMAT.into(),
        centre_code: c.centre_code.clone(),
        centre: c.centre.clone(),
        bank_id: c.bank_id.clone(),
        version: c.version,
        exported_at: c.exported_at.clone(),
        name: c.name.clone(),
        occupation_code: c.occupation_code.clone(),
        work_type_code: c.work_type_code.clone(),
        work_type_name: c.work_type_name.clone(),
        level: c.level,
        questions: c.questions.iter().map(DocQuestion::of).collect(),
        digest: digest(&c.questions),
    }
}

/// Check a document read from a file: its format, who sent it, what it covers, every
/// question (named as 第N题), no stem twice, and the digest.
pub fn check_document(d: BankDocument) -> Result<CheckedDocument, Vec<DocProblem>> {
    let mut e = Vec::new();
    if d.format != FORMAT {
        problem(
            &mut e,
            "format",
            format!("文件格式应为{FORMAT}，此文件为“{}”", short(&d.format)),
        );
        return Err(e);
    }
    if d.centre_code.len() != 6
        || !d.centre_code.bytes().all(|b| b.is_ascii_digit())
        || !d.centre_code.ends_with("0000")
        || d.centre_code == "000000"
    {
        problem(
            &mut e,
            "centre_code",
            "导出方的省份代码应为6位数字的省级代码（如530000）",
        );
    }
    let centre = d.centre.trim();
    if !(2..=60).contains(&centre.chars().count())
        || crate::text::plain_text_problem(centre).is_some()
    {
        problem(&mut e, "centre", "导出方名称应为2至60个字符的文字");
    }
    if !(1..=64).contains(&d.bank_id.len())
        || !d
            .bank_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        problem(
            &mut e,
            "bank_id",
            "题库编号应为1至64位字母、数字、减号或下划线",
        );
    }
    if d.version == 0 || i32::try_from(d.version).is_err() {
        problem(&mut e, "version", "版本号应为1至2147483647之间的整数");
    }
    if chrono::DateTime::parse_from_rfc3339(&d.exported_at).is_err() {
        problem(&mut e, "exported_at", "导出时间应为RFC 3339格式");
    }
    let name = match check_name(&d.name) {
        Ok(n) => n,
        Err(m) => {
            problem(&mut e, "name", m);
            String::new()
        }
    };
    if !(1..=20).contains(&d.occupation_code.len())
        || !d
            .occupation_code
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'-')
    {
        problem(&mut e, "occupation_code", "职业编码应为数字和减号");
    }
    if !d.work_type_code.is_empty() {
        if let Err(m) = crate::occupations::check_work_type_code(&d.work_type_code) {
            problem(&mut e, "work_type_code", m);
        }
        if let Err(m) = crate::occupations::check_work_type_name(&d.work_type_name) {
            problem(&mut e, "work_type_name", m);
        } else if let Some(m) = crate::text::plain_text_problem(d.work_type_name.trim()) {
            problem(&mut e, "work_type_name", format!("工种名称{m}"));
        }
    }
    if let Err(m) = check_level(d.level) {
        problem(&mut e, "level", m);
    }
    if d.questions.is_empty() || d.questions.len() > MAX_BANK_QUESTIONS {
        problem(
            &mut e,
            "questions",
            format!(
                "题目数量应为1至{MAX_BANK_QUESTIONS}道，此文件为{}道",
                d.questions.len()
            ),
        );
        return Err(e);
    }
    let mut good = Vec::with_capacity(d.questions.len());
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, dq) in d.questions.iter().enumerate() {
        let n = i + 1;
        match questions::parse_question(&dq.raw()) {
            Err(ps) => {
                for p in ps {
                    problem(
                        &mut e,
                        format!("questions[{i}].{}", p.field),
                        format!("第{n}题：{}", p.message),
                    );
                }
            }
            Ok(q) => {
                if let Some(first) = seen.get(&q.stem) {
                    problem(
                        &mut e,
                        format!("questions[{i}].stem"),
                        format!("第{n}题：题干与第{first}题重复"),
                    );
                } else {
                    seen.insert(q.stem.clone(), n);
                }
                good.push(q);
            }
        }
    }
    if !e.is_empty() {
        return Err(e);
    }
    let sum = digest(&good);
    if !sum.eq_ignore_ascii_case(d.digest.trim()) {
        problem(
            &mut e,
            "digest",
            "文件内容与其中的校验值不符：导出后被改动过或不完整，请向导出方重新索取",
        );
        return Err(e);
    }
    Ok(CheckedDocument {
        centre_code: d.centre_code,
        centre: centre.to_string(),
        bank_id: d.bank_id,
        version: d.version,
        exported_at: d.exported_at,
        name,
        occupation_code: d.occupation_code,
        work_type_code: d.work_type_code,
        work_type_name: d.work_type_name.trim().to_string(),
        level: d.level,
        questions: good,
        digest: sum,
    })
}

/// At most 40 characters of something shown back in a message.
fn short(s: &str) -> String {
    let t: String = s
        .chars()
        .filter(|&c| !c.is_control() && !crate::text::hidden(c))
        .take(40)
        .collect();
    if s.chars().count() > 40 {
        format!("{t}…")
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(stem: &str) -> Question {
        questions::parse_question(&RawQuestion {
            kind: "单选".into(),
            stem: stem.into(),
            options: vec!["甲".into(), "乙".into(), "丙".into()],
            answer: "B".into(),
            explanation: "解析".into(),
            knowledge_point: "安全".into(),
            difficulty: "难".into(),
        })
        .unwrap()
    }

    fn judge(stem: &str) -> Question {
        questions::parse_question(&RawQuestion {
            kind: "判断".into(),
            stem: stem.into(),
            answer: "错误".into(),
            explanation: "解析".into(),
            knowledge_point: "法规".into(),
            ..RawQuestion::default()
        })
        .unwrap()
    }

    fn checked() -> CheckedDocument {
        let questions = vec![q("第一题"), judge("第二题")];
        CheckedDocument {
            centre_code: "530000".into(),
            centre: "云南省职业技能鉴定指导中心".into(),
            bank_id: "bank-7".into(),
            version: 3,
            exported_at: "2026-12-06T10:00:00+08:00".into(),
            name: "电工四级理论题库".into(),
            occupation_code: "6-31-01-03".into(),
            work_type_code: "DG-01".into(),
            work_type_name: "电工".into(),
            level: 4,
            digest: digest(&questions),
            questions,
        }
    }

    #[test]
    fn an_exported_document_reads_back_the_same() {
        let c = checked();
        let d = document(&c);
        assert_eq!(d.format, FORMAT);
        assert_eq!(d.questions[0].answer, "B");
        assert_eq!(d.questions[1].answer, "错误");
        assert!(d.questions[1].options.is_empty());
        assert_eq!(check_document(d).unwrap(), c);
    }

    #[test]
    fn a_changed_document_is_refused() {
        let mut d = document(&checked());
        d.questions[0].answer = "C".into();
        let e = check_document(d).unwrap_err();
        assert_eq!(e[0].field, "digest");

        let mut d = document(&checked());
        d.format = "jineng-question-bank/9".into();
        assert!(check_document(d).unwrap_err()[0].message.contains("/9"));

        let mut d = document(&checked());
        d.questions[1].stem = "第一题".into();
        d.questions[0].answer = "Z".into();
        d.level = 6;
        d.work_type_code = "?".into();
        let e = check_document(d).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|p| p.field.as_str()).collect();
        assert!(fields.contains(&"level"), "{e:?}");
        assert!(fields.contains(&"work_type_code"), "{e:?}");
        assert!(fields.contains(&"questions[0].answer"), "{e:?}");
        assert!(
            e.iter()
                .any(|p| p.field == "questions[0].answer" && p.message.starts_with("第1题：")),
            "{e:?}"
        );
        assert!(!fields.contains(&"digest"), "{e:?}");

        let mut d = document(&checked());
        d.bank_id = "../x".into();
        d.questions.clear();
        let e = check_document(d).unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
    }

    #[test]
    fn a_bank_of_a_whole_occupation_has_no_work_type() {
        let mut c = checked();
        c.work_type_code.clear();
        c.work_type_name.clear();
        c.level = 0;
        assert_eq!(check_document(document(&c)).unwrap(), c);
    }

    #[test]
    fn duplicate_stems_are_named() {
        let mut c = checked();
        c.questions = vec![q("同一题"), q("同一题")];
        let e = check_document(document(&c)).unwrap_err();
        assert_eq!(e[0].message, "第2题：题干与第1题重复");
    }

    #[test]
    fn the_digest_follows_content_not_spacing() {
        let a = vec![q("甲题"), judge("乙题")];
        let b = vec![q("甲题"), judge("乙题 ")];
        // A stem is trimmed when parsed, so the same question gives the same digest.
        assert_eq!(digest(&a), digest(&b));
        assert_ne!(digest(&a), digest(&[judge("乙题"), q("甲题")]));
    }
}
