//! A version's question bank (题库): questions added one by one or imported from the
//! xlsx template (every row checked, all written or none, each refused row named with
//! its reasons), exported in the same columns, copied into a new version, frozen with
//! the version once submitted. Reviewers see it with its answers; the catalogue never
//! shows it. Operators set the minimum number of questions per class hour.

use super::Courses;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::write::{OnUnique, Write};
use jineng_core::accounts::Permission;
use jineng_core::courses::questions::{
    self as rules, DEFAULT_PER_HOUR, Difficulty, MAX_PER_HOUR, Question, QuestionKind, RawQuestion,
    SHEET_HEADERS,
};
use jineng_store::courses::{question, version};
use jineng_store::settings;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use std::collections::HashMap;

const PER_HOUR_KEY: &str = "courses.questions_per_hour";
/// Most questions one version's bank may hold, and one import may bring.
pub const MAX_QUESTIONS: usize = 3000;

#[derive(Debug, Clone, Serialize)]
pub struct OptionView {
    pub letter: char,
    pub text: String,
    pub correct: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionView {
    pub id: String,
    pub position: i32,
    pub kind: QuestionKind,
    pub kind_label: &'static str,
    pub stem: String,
    pub options: Vec<OptionView>,
    /// Letters ("ACD") or 正确/错误.
    pub answer: String,
    pub explanation: String,
    pub knowledge_point: String,
    pub difficulty: Difficulty,
    pub difficulty_label: &'static str,
}

/// A version's bank with what it needs before submission.
#[derive(Debug, Clone, Serialize)]
pub struct BankView {
    pub version_id: String,
    pub package_id: String,
    pub editable: bool,
    pub count: usize,
    /// Questions the version needs (declared hours × the operator's minimum per hour).
    pub required: u32,
    pub per_hour: u32,
    pub questions: Vec<QuestionView>,
}

pub(crate) fn stored(q: &question::Model) -> Question {
    let options: Vec<String> = serde_json::from_str(&q.options).unwrap_or_default();
    let answer = q
        .answer
        .bytes()
        .filter(u8::is_ascii_uppercase)
        .map(|b| usize::from(b - b'A'))
        .filter(|&i| i < options.len())
        .collect();
    Question {
        kind: q.kind,
        stem: q.stem.clone(),
        options,
        answer,
        explanation: q.explanation.clone(),
        knowledge_point: q.knowledge_point.clone(),
        difficulty: q.difficulty,
    }
}

pub(crate) fn view(q: question::Model) -> QuestionView {
    let parsed = stored(&q);
    QuestionView {
        options: parsed
            .options
            .iter()
            .enumerate()
            .map(|(i, t)| OptionView {
                letter: rules::letter(i),
                text: t.clone(),
                correct: parsed.answer.contains(&i),
            })
            .collect(),
        answer: if parsed.answer.is_empty() {
            String::new()
        } else {
            parsed.answer_label()
        },
        kind_label: q.kind.label(),
        difficulty_label: q.difficulty.label(),
        id: q.id,
        position: q.position,
        kind: q.kind,
        stem: q.stem,
        explanation: q.explanation,
        knowledge_point: q.knowledge_point,
        difficulty: q.difficulty,
    }
}

fn row(
    id: String,
    version_id: &str,
    position: i32,
    q: &Question,
    w: &Write<'_>,
) -> question::ActiveModel {
    question::ActiveModel {
        id: Set(id),
        version_id: Set(version_id.to_string()),
        position: Set(position),
        kind: Set(q.kind),
        stem: Set(q.stem.clone()),
        options: Set(serde_json::to_string(&q.options).unwrap_or_else(|_| "[]".into())),
        answer: Set(rules::letters(&q.answer)),
        explanation: Set(q.explanation.clone()),
        knowledge_point: Set(q.knowledge_point.clone()),
        difficulty: Set(q.difficulty),
        created_at: Set(w.now),
    }
}

fn field_errors(problems: Vec<rules::QuestionProblem>) -> AppError {
    AppError::Validation(
        problems
            .into_iter()
            .map(|p| FieldError::new(p.field, p.message))
            .collect(),
    )
}

/// The texts of a question that pass the sensitive-word filter, with where they are.
fn texts(q: &Question) -> Vec<(&'static str, String, &str)> {
    let mut out = vec![
        ("stem", "题干".to_string(), q.stem.as_str()),
        (
            "explanation",
            "答案解析".to_string(),
            q.explanation.as_str(),
        ),
        (
            "knowledge_point",
            "知识点".to_string(),
            q.knowledge_point.as_str(),
        ),
    ];
    if q.kind != QuestionKind::Judge {
        for (i, o) in q.options.iter().enumerate() {
            out.push(("options", format!("选项{}", rules::letter(i)), o.as_str()));
        }
    }
    out
}

impl Courses<'_> {
    /// The operator's minimum number of questions per class hour.
    pub async fn questions_per_hour(&self) -> AppResult<u32> {
        Ok(settings::get(&self.db, PER_HOUR_KEY)
            .await?
            .and_then(|j| serde_json::from_str::<u32>(&j).ok())
            .unwrap_or(DEFAULT_PER_HOUR))
    }

    /// Set the minimum per class hour (operators and system admins).
    pub async fn set_questions_per_hour(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        n: i64,
    ) -> AppResult<u32> {
        if !who.can(Permission::ReviewProviders) {
            return Err(AppError::Forbidden);
        }
        let Some(n) = u32::try_from(n).ok().filter(|n| *n <= MAX_PER_HOUR) else {
            return Err(AppError::field(
                "questions_per_hour",
                format!("每学时最少考题数应为0至{MAX_PER_HOUR}"),
            ));
        };
        let before = self.questions_per_hour().await?;
        let w = self.write(who, ctx).await?;
        settings::Entity::insert(settings::ActiveModel {
            key: Set(PER_HOUR_KEY.into()),
            value: Set(n.to_string()),
            updated_at: Set(w.now),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(settings::Column::Key)
                .update_columns([settings::Column::Value, settings::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(&w.txn)
        .await?;
        w.commit(Entry::ok(
            "course.questions_per_hour_set",
            "setting",
            PER_HOUR_KEY,
            serde_json::json!({"per_hour": [before, n]}),
        ))
        .await?;
        Ok(n)
    }

    /// A version's bank, for its organisation, its reviewers and those who oversee it.
    pub async fn question_bank(&self, who: &Principal, version_id: &str) -> AppResult<BankView> {
        let v = self.visible_version(who, version_id).await?;
        self.bank_view(v).await
    }

    async fn bank_view(&self, v: version::Model) -> AppResult<BankView> {
        let questions: Vec<QuestionView> = question::Entity::find()
            .filter(question::Column::VersionId.eq(v.id.clone()))
            .order_by_asc(question::Column::Position)
            .all(&self.db)
            .await?
            .into_iter()
            .map(view)
            .collect();
        let per_hour = self.questions_per_hour().await?;
        Ok(BankView {
            count: questions.len(),
            required: rules::questions_required(
                u32::try_from(v.declared_hours).unwrap_or(0),
                per_hour,
            ),
            per_hour,
            editable: v.status.editable(),
            version_id: v.id,
            package_id: v.package_id,
            questions,
        })
    }

    /// Everything wrong with a question, sensitive words included.
    pub(crate) async fn check_question(
        &self,
        r: &RawQuestion,
    ) -> AppResult<Result<Question, AppError>> {
        let q = match rules::parse_question(r) {
            Ok(q) => q,
            Err(p) => return Ok(Err(field_errors(p))),
        };
        let mut e = Vec::new();
        for (field, label, text) in texts(&q) {
            self.screen(&mut e, field, &label, text).await?;
        }
        Ok(if e.is_empty() {
            Ok(q)
        } else {
            Err(AppError::Validation(e))
        })
    }

    pub async fn add_question(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        version_id: &str,
        r: &RawQuestion,
    ) -> AppResult<QuestionView> {
        let v = self.editable(who, version_id).await?;
        let q = self.check_question(r).await??;
        let w = self.write(who, ctx).await?;
        Self::touch_version(&w, &v).await?;
        let n = question::Entity::find()
            .filter(question::Column::VersionId.eq(v.id.clone()))
            .count(&w.txn)
            .await?;
        if n >= MAX_QUESTIONS as u64 {
            return Err(AppError::Conflict(format!(
                "一个课程包的题库最多{MAX_QUESTIONS}道题"
            )));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let position = super::next_position(
            &w,
            question::Entity::find().filter(question::Column::VersionId.eq(v.id.clone())),
            question::Column::Position,
        )
        .await?;
        question::Entity::insert(row(id.clone(), &v.id, position, &q, &w))
            .exec(&w.txn)
            .await
            .on_unique(|| AppError::field("stem", "题库中已有相同题干的题目"))?;
        w.commit(Entry::ok(
            "course.question_add",
            "course_package",
            &v.package_id,
            serde_json::json!({"version": v.id, "question": id, "kind": q.kind}),
        ))
        .await?;
        self.one_question(&v.id, &id).await
    }

    async fn one_question(&self, version_id: &str, id: &str) -> AppResult<QuestionView> {
        question::Entity::find_by_id(id.to_string())
            .filter(question::Column::VersionId.eq(version_id))
            .one(&self.db)
            .await?
            .map(view)
            .ok_or(AppError::NotFound("考题"))
    }

    pub async fn update_question(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        version_id: &str,
        question_id: &str,
        r: &RawQuestion,
    ) -> AppResult<QuestionView> {
        let v = self.editable(who, version_id).await?;
        let old = self.one_question(&v.id, question_id).await?;
        let q = self.check_question(r).await??;
        let w = self.write(who, ctx).await?;
        Self::touch_version(&w, &v).await?;
        let mut am = row(old.id.clone(), &v.id, old.position, &q, &w);
        am.created_at = sea_orm::ActiveValue::NotSet;
        question::Entity::update_many()
            .set(am)
            .filter(question::Column::Id.eq(old.id.clone()))
            .filter(question::Column::VersionId.eq(v.id.clone()))
            .exec(&w.txn)
            .await
            .on_unique(|| AppError::field("stem", "题库中已有相同题干的题目"))?;
        w.commit(Entry::ok(
            "course.question_update",
            "course_package",
            &v.package_id,
            serde_json::json!({"version": v.id, "question": old.id}),
        ))
        .await?;
        self.one_question(&v.id, question_id).await
    }

    pub async fn remove_question(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        version_id: &str,
        question_id: &str,
    ) -> AppResult<BankView> {
        let v = self.editable(who, version_id).await?;
        let old = self.one_question(&v.id, question_id).await?;
        let w = self.write(who, ctx).await?;
        Self::touch_version(&w, &v).await?;
        question::Entity::delete_by_id(old.id.clone())
            .exec(&w.txn)
            .await?;
        w.commit(Entry::ok(
            "course.question_remove",
            "course_package",
            &v.package_id,
            serde_json::json!({"version": v.id, "question": old.id, "stem": old.stem}),
        ))
        .await?;
        self.question_bank(who, version_id).await
    }

    /// Add every question of an uploaded sheet, or none: a refused row is named with all
    /// of its reasons (`rows[7].answer`, "第7行：…"), as is a stem used twice in the file
    /// or already in the bank.
    pub async fn import_questions(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        version_id: &str,
        bytes: Vec<u8>,
    ) -> AppResult<usize> {
        let v = self.editable(who, version_id).await?;
        let existing: HashMap<String, i32> = question::Entity::find()
            .filter(question::Column::VersionId.eq(v.id.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|q| (q.stem, q.position))
            .collect();
        let good = self
            .read_question_sheet(bytes, &existing, MAX_QUESTIONS)
            .await?;
        let w = self.write(who, ctx).await?;
        Self::touch_version(&w, &v).await?;
        let mut position = super::next_position(
            &w,
            question::Entity::find().filter(question::Column::VersionId.eq(v.id.clone())),
            question::Column::Position,
        )
        .await?;
        for chunk in good.chunks(200) {
            let rows: Vec<question::ActiveModel> = chunk
                .iter()
                .map(|q| {
                    position += 1;
                    row(uuid::Uuid::now_v7().to_string(), &v.id, position - 1, q, &w)
                })
                .collect();
            question::Entity::insert_many(rows)
                .exec(&w.txn)
                .await
                .on_unique(|| {
                    AppError::Conflict("题库刚被修改，有题干与导入的题目重复，请刷新后重试".into())
                })?;
        }
        w.commit(Entry::ok(
            "course.questions_import",
            "course_package",
            &v.package_id,
            serde_json::json!({"version": v.id, "added": good.len()}),
        ))
        .await?;
        Ok(good.len())
    }

    /// Every question of an uploaded sheet in the template's columns, or every refused
    /// row named with all of its reasons (`rows[7].answer`, "第7行：…"), as is a stem used
    /// twice in the file or already among `existing` (stems of the bank it goes into).
    pub(crate) async fn read_question_sheet<V>(
        &self,
        bytes: Vec<u8>,
        existing: &HashMap<String, V>,
        max: usize,
    ) -> AppResult<Vec<Question>> {
        let limits = jineng_sheet::Limits {
            max_rows: max,
            max_cell_chars: rules::MAX_EXPLANATION + 1,
            ..jineng_sheet::Limits::default()
        };
        let table = tokio::task::spawn_blocking(move || {
            jineng_sheet::read_table(&bytes, &SHEET_HEADERS, &limits)
        })
        .await
        .map_err(|e| AppError::Internal(format!("sheet reader: {e}")))?
        .map_err(|e| AppError::field("file", e.to_string()))?;
        if existing.len() + table.rows.len() > max {
            return Err(AppError::field(
                "file",
                format!(
                    "题库已有{}道题，再导入{}道将超过上限{max}道",
                    existing.len(),
                    table.rows.len()
                ),
            ));
        }
        let words = self.words_filter().await?;
        let mut e = Vec::new();
        let mut good: Vec<Question> = Vec::new();
        let mut seen: HashMap<String, u32> = HashMap::new();
        for r in &table.rows {
            let n = r.number;
            let mut say = |field: &str, m: String| {
                e.push(FieldError::new(
                    &format!("rows[{n}].{field}"),
                    format!("第{n}行：{m}"),
                ));
            };
            let cells: Vec<String> = r.cells.iter().map(|c| c.text.clone()).collect();
            if let Some(c) = r.cells.iter().position(|c| c.too_long || c.formula) {
                say("file", format!("“{}”列内容过长或是公式", SHEET_HEADERS[c]));
                continue;
            }
            match rules::parse_question(&RawQuestion::from_cells(&cells)) {
                Err(problems) => {
                    for p in problems {
                        say(p.field, p.message);
                    }
                }
                Ok(q) => {
                    if let Some(first) = seen.get(&q.stem) {
                        say("stem", format!("题干与第{first}行重复"));
                    } else if existing.contains_key(&q.stem) {
                        say("stem", "题库中已有相同题干的题目".into());
                    }
                    seen.entry(q.stem.clone()).or_insert(n);
                    for (field, label, text) in texts(&q) {
                        let hits = words.hits(text);
                        if !hits.is_empty() {
                            say(field, format!("{label}含有敏感词：{}", hits.join("、")));
                        }
                    }
                    good.push(q);
                }
            }
        }
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        Ok(good)
    }

    /// The bank as an xlsx in the import template's columns.
    pub async fn export_questions(&self, who: &Principal, version_id: &str) -> AppResult<Vec<u8>> {
        let v = self.visible_version(who, version_id).await?;
        let rows: Vec<Vec<String>> = question::Entity::find()
            .filter(question::Column::VersionId.eq(v.id.clone()))
            .order_by_asc(question::Column::Position)
            .all(&self.db)
            .await?
            .iter()
            .map(|q| stored(q).cells())
            .collect();
        crate::export::xlsx("题库", &SHEET_HEADERS, &rows)
    }

    /// Copy a version's bank into a new version (inside its write).
    pub(crate) async fn copy_questions(w: &Write<'_>, from: &str, to: &str) -> AppResult<()> {
        let qs = question::Entity::find()
            .filter(question::Column::VersionId.eq(from))
            .order_by_asc(question::Column::Position)
            .all(&w.txn)
            .await?;
        for chunk in qs.chunks(200) {
            let rows: Vec<question::ActiveModel> = chunk
                .iter()
                .map(|q| {
                    let mut am = row(
                        uuid::Uuid::now_v7().to_string(),
                        to,
                        q.position,
                        &stored(q),
                        w,
                    );
                    am.created_at = Set(q.created_at);
                    am
                })
                .collect();
            question::Entity::insert_many(rows).exec(&w.txn).await?;
        }
        Ok(())
    }

    /// What stops a submission in the bank: too few questions (unless `minimum` is off,
    /// for an offline course examined where it is held), sensitive words.
    pub(crate) async fn bank_problems(
        &self,
        v: &version::Model,
        minimum: bool,
    ) -> AppResult<Vec<String>> {
        let bank = self.bank_view(v.clone()).await?;
        let mut out = Vec::new();
        if minimum && (bank.count as u64) < u64::from(bank.required) {
            out.push(format!(
                "题库至少需要{}道题（{}学时 × 每学时{}道），现有{}道",
                bank.required, v.declared_hours, bank.per_hour, bank.count
            ));
        }
        let words = self.words_filter().await?;
        for q in question::Entity::find()
            .filter(question::Column::VersionId.eq(v.id.clone()))
            .order_by_asc(question::Column::Position)
            .all(&self.db)
            .await?
        {
            let q = stored(&q);
            for (_, label, text) in texts(&q) {
                let hits = words.hits(text);
                if !hits.is_empty() {
                    let head: String = q.stem.chars().take(20).collect();
                    out.push(format!(
                        "考题“{head}”的{label}含有敏感词：{}",
                        hits.join("、")
                    ));
                }
            }
        }
        Ok(out)
    }
}

/// The import template: the headers and a sheet explaining each column with examples.
pub fn template() -> AppResult<Vec<u8>> {
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let ws = wb.add_worksheet();
    ws.set_name("题库").map_err(xl)?;
    for (c, h) in SHEET_HEADERS.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(0);
        ws.write_string_with_format(0, c, *h, &bold).map_err(xl)?;
        ws.set_column_format(c, &text).map_err(xl)?;
        ws.set_column_width(c, if c == 1 || c == 11 { 36 } else { 12 })
            .map_err(xl)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xl)?;
    let help = wb.add_worksheet();
    help.set_name("填写说明").map_err(xl)?;
    let lines = [
        "题型：单选题、多选题或判断题。",
        "选项：单选题、多选题从选项A起依次填写，2至8个，不能重复；判断题不填选项。",
        "答案：单选题填一个字母（如 B）；多选题填两个以上字母（如 ACD）；判断题填“正确”或“错误”。",
        "答案解析、知识点必填；难度填易、中或难（不填为中）。",
        "同一课程包内题干不能重复；任何一行有误时整份文件都不会导入，请按提示修改后重新上传。",
        "示例（复制到“题库”工作表的第2行起）：",
    ];
    for (i, l) in lines.iter().enumerate() {
        help.write_string(u32::try_from(i).unwrap_or(0), 0, *l)
            .map_err(xl)?;
    }
    let examples = [
        [
            "单选题",
            "新生儿洗澡的适宜水温是？",
            "30至32℃",
            "38至40℃",
            "45至50℃",
            "",
            "",
            "",
            "",
            "",
            "B",
            "水温38至40℃，用手腕内侧试温。",
            "新生儿洗澡",
            "易",
        ],
        [
            "多选题",
            "产妇饮食应做到哪些？",
            "少量多餐",
            "荤素搭配",
            "大量饮酒",
            "",
            "",
            "",
            "",
            "",
            "AB",
            "少量多餐、荤素搭配，忌酒。",
            "产妇膳食",
            "中",
        ],
        [
            "判断题",
            "新生儿脐带未脱落前可以盆浴。",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "错误",
            "脐带脱落前宜擦浴，避免感染。",
            "脐带护理",
            "中",
        ],
    ];
    let base = u32::try_from(lines.len()).unwrap_or(0);
    for (c, h) in SHEET_HEADERS.iter().enumerate() {
        help.write_string_with_format(base, u16::try_from(c).unwrap_or(0), *h, &bold)
            .map_err(xl)?;
    }
    for (r, ex) in examples.iter().enumerate() {
        for (c, v) in ex.iter().enumerate() {
            help.write_string(
                base + 1 + u32::try_from(r).unwrap_or(0),
                u16::try_from(c).unwrap_or(0),
                *v,
            )
            .map_err(xl)?;
        }
    }
    help.set_column_width(0, 14).map_err(xl)?;
    wb.save_to_buffer().map_err(xl)
}
