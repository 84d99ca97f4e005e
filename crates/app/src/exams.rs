//! Exams (考前练习, 模拟考试, 课程考试): an institution publishes an exam to its class on
//! one course of the class's study tasks; each learner's attempt draws its own paper from
//! the course's question bank under the exam's rule, with a seed kept for audit. The
//! server keeps the clock: answers are saved as they are given and refused after the
//! deadline, and a job submits an attempt at its deadline whether or not a browser is
//! still there. Each result is entered in the evidence log when it is marked.

use crate::audit::Entry;
use crate::error::{AppError, AppResult};
use crate::write::one_row;
use crate::{Principal, RequestCtx};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use jineng_core::classes::ClassStatus;
use jineng_core::courses::questions::{QuestionKind, letters};
use jineng_core::exams::{
    self as rules, AttemptStatus, BankItem, ExamKind, PaperItem, PaperRule, RawRule, ResultRecord,
};
use jineng_core::jobs::JobKind;
use jineng_core::study::{CheckKind, CheckOutcome};
use jineng_evidence::entry::{Entry as Fact, Kind};
use jineng_store::classes::{class, enrollment};
use jineng_store::courses::{question, version};
use jineng_store::exams::{answer, attempt, exam};
use jineng_store::study::task;
use rand::RngCore;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

bounded_context!(
    /// Exams of classes: publishing, attempts, marking.
    Exams,
    exams
);

/// Seconds after the deadline at which the server submits an attempt left open.
const DEADLINE_GRACE_SECS: i64 = 1;

/// What an institution publishes.
#[derive(Debug, Clone)]
pub struct ExamInput {
    pub kind: ExamKind,
    pub package_id: String,
    /// Empty: "<course> · <kind>".
    pub title: String,
    pub rule: RawRule,
    /// 0 = unlimited.
    pub max_attempts: u32,
    pub show_answers: bool,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExamView {
    pub id: String,
    pub class_id: String,
    pub package_id: String,
    pub version_id: String,
    pub course_name: String,
    pub kind: ExamKind,
    pub kind_label: &'static str,
    pub title: String,
    pub rule: PaperRule,
    /// The rule's lines in words ("单选题 · 安全 × 5").
    pub rule_lines: Vec<String>,
    pub question_count: u32,
    pub total: u32,
    pub minutes: u32,
    pub pass_mark: u32,
    /// 0 = unlimited.
    pub max_attempts: u32,
    pub show_answers: bool,
    pub opens_on: String,
    pub closes_on: String,
}

/// An exam as one learner sees it: how it went so far and whether they may start.
#[derive(Debug, Clone, Serialize)]
pub struct MyExam {
    pub exam: ExamView,
    pub class_name: String,
    pub attempts: Vec<AttemptSummary>,
    /// The highest score of the marked attempts (the one that counts).
    pub best: Option<u32>,
    pub passed: bool,
    /// The attempt in progress, to resume.
    pub open_attempt: Option<String>,
    /// Why a new attempt cannot start now (`None`: it can).
    pub blocked: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttemptSummary {
    pub id: String,
    pub seq: u32,
    pub status: AttemptStatus,
    pub status_label: &'static str,
    pub started_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub score: Option<u32>,
    pub total: u32,
    pub passed: Option<bool>,
}

/// One question of an attempt as the learner sees it.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptQuestion {
    /// 0-based place on the paper (the key answers are saved under).
    pub position: u32,
    pub kind: QuestionKind,
    pub kind_label: &'static str,
    pub stem: String,
    /// The options in the order this paper shows them (A, B, …).
    pub options: Vec<String>,
    /// The letters saved, as shown.
    pub answer: String,
    /// After marking: whether the answer was right.
    pub right: Option<bool>,
    /// After marking, where the exam shows them: the right letters and the explanation.
    pub correct: Option<String>,
    pub explanation: Option<String>,
    /// Drawn from a province bank: `right`, `correct` and `explanation` stay empty.
    pub from_province_bank: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttemptView {
    pub id: String,
    pub exam: ExamView,
    pub seq: u32,
    pub status: AttemptStatus,
    pub status_label: &'static str,
    pub started_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// Seconds left by the server's clock (0 once over or marked).
    pub remaining_secs: i64,
    pub submitted_at: Option<DateTime<Utc>>,
    pub score: Option<u32>,
    pub total: u32,
    pub passed: Option<bool>,
    pub answered: u32,
    pub questions: Vec<AttemptQuestion>,
}

/// One learner's standing in an exam, for the institution and regulators.
#[derive(Debug, Clone, Serialize)]
pub struct LearnerResult {
    pub user_id: String,
    pub name: String,
    pub attempts: u32,
    pub best: Option<u32>,
    pub passed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExamResults {
    pub exam: ExamView,
    pub learners: Vec<LearnerResult>,
}

/// An exam in the learner's e-archive: the best marked attempt and its evidence entry.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveExam {
    pub exam_id: String,
    pub class_id: String,
    pub title: String,
    pub kind: ExamKind,
    pub kind_label: &'static str,
    pub attempts: u32,
    pub best: u32,
    pub total: u32,
    pub pass_mark: u32,
    pub passed: bool,
    /// When the best attempt was marked.
    pub at: Option<DateTime<Utc>>,
    /// The best attempt's `exam_result` entry: its record id and place in the log.
    pub record_id: String,
    pub index: Option<u64>,
}

fn rule_of(e: &exam::Model) -> AppResult<PaperRule> {
    serde_json::from_str(&e.rule).map_err(|x| AppError::Internal(format!("exam rule: {x}")))
}

fn paper_of(a: &attempt::Model) -> AppResult<Vec<PaperItem>> {
    serde_json::from_str(&a.paper).map_err(|x| AppError::Internal(format!("exam paper: {x}")))
}

fn u32_of(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// Original option indexes from stored letters ("ACD").
fn answer_indexes(letters: &str) -> Vec<usize> {
    letters
        .bytes()
        .filter(u8::is_ascii_uppercase)
        .map(|b| usize::from(b - b'A'))
        .collect()
}

fn summary(a: &attempt::Model) -> AttemptSummary {
    AttemptSummary {
        id: a.id.clone(),
        seq: u32_of(a.seq),
        status: a.status,
        status_label: a.status.label(),
        started_at: a.started_at,
        submitted_at: a.submitted_at,
        score: a.score.map(u32_of),
        total: u32_of(a.total),
        passed: a.passed,
    }
}

/// An attempt as its learner sees it, from what the caller loaded: the paper's questions
/// by id and the answers saved by position.
fn sheet(
    a: &attempt::Model,
    e: &exam::Model,
    exam: ExamView,
    questions: &HashMap<String, question::Model>,
    saved: &BTreeMap<usize, String>,
    now: DateTime<Utc>,
) -> AppResult<AttemptView> {
    let paper = paper_of(a)?;
    let marked = a.status != AttemptStatus::Open;
    let reveal = marked && (e.show_answers || e.kind == ExamKind::Practice);
    let mut out = Vec::with_capacity(paper.len());
    for (i, item) in paper.iter().enumerate() {
        let q = questions
            .get(&item.question_id)
            .ok_or_else(|| AppError::Internal("a paper's question is gone".into()))?;
        let options: Vec<String> = serde_json::from_str(&q.options).unwrap_or_default();
        let right_answer = answer_indexes(&q.answer);
        let given = saved.get(&i).cloned().unwrap_or_default();
        let shown = rules::parse_answer(item, &given).unwrap_or_default();
        // A province bank's questions are kept secret: neither the answer nor whether it
        // was got right is shown (a learner could otherwise copy the bank out).
        let secret = q.version_id != e.version_id;
        out.push(AttemptQuestion {
            position: u32::try_from(i).unwrap_or(0),
            kind: item.kind,
            kind_label: item.kind.label(),
            stem: q.stem.clone(),
            options: item
                .order
                .iter()
                .map(|&o| options.get(o).cloned().unwrap_or_default())
                .collect(),
            answer: letters(&shown),
            right: (marked && !secret).then(|| rules::is_right(item, &shown, &right_answer)),
            correct: (reveal && !secret).then(|| rules::shown_letters(item, &right_answer)),
            explanation: (reveal && !secret).then(|| q.explanation.clone()),
            from_province_bank: secret,
        });
    }
    Ok(AttemptView {
        remaining_secs: if marked {
            0
        } else {
            (a.deadline - now).num_seconds().max(0)
        },
        answered: u32::try_from(out.iter().filter(|q| !q.answer.is_empty()).count()).unwrap_or(0),
        id: a.id.clone(),
        exam,
        seq: u32_of(a.seq),
        status: a.status,
        status_label: a.status.label(),
        started_at: a.started_at,
        deadline: a.deadline,
        submitted_at: a.submitted_at,
        score: a.score.map(u32_of),
        total: u32_of(a.total),
        passed: a.passed,
        questions: out,
    })
}

const TIME_UP: &str = "考试时间已到，系统已按截止前保存的答案自动交卷";
const ALREADY: &str = "本次考试已交卷，不能再作答";

impl Exams<'_> {
    async fn view(&self, e: exam::Model) -> AppResult<ExamView> {
        let rule = rule_of(&e)?;
        let course_name = version::Entity::find_by_id(e.version_id.clone())
            .one(&self.db)
            .await?
            .map(|v| v.name)
            .unwrap_or_default();
        let mut rule_lines: Vec<String> = rule.lines.iter().map(|l| l.describe()).collect();
        if let Some(sh) = &rule.shared {
            let name = jineng_store::banks::bank::Entity::find_by_id(sh.bank_id.clone())
                .one(&self.db)
                .await?
                .map(|b| b.name)
                .unwrap_or_default();
            rule_lines.push(format!(
                "每条规则中{}%的题目取自省级题库《{name}》",
                sh.percent
            ));
        }
        Ok(ExamView {
            rule_lines,
            question_count: rule.question_count(),
            total: rule.total(),
            minutes: rule.minutes,
            pass_mark: rule.pass_mark,
            course_name,
            kind_label: e.kind.label(),
            id: e.id,
            class_id: e.class_id,
            package_id: e.package_id,
            version_id: e.version_id,
            kind: e.kind,
            title: e.title,
            rule,
            max_attempts: u32_of(e.max_attempts),
            show_answers: e.show_answers,
            opens_on: e.opens_on,
            closes_on: e.closes_on,
        })
    }

    /// The questions of a version's bank, in id order (the order every draw sees).
    async fn bank<C: ConnectionTrait>(
        &self,
        c: &C,
        version_id: &str,
    ) -> AppResult<Vec<question::Model>> {
        Ok(question::Entity::find()
            .filter(question::Column::VersionId.eq(version_id))
            .order_by_asc(question::Column::Id)
            .all(c)
            .await?)
    }

    /// The questions a paper is drawn from, in id order: the course's bank and, when the
    /// rule draws a share from a province bank, that bank's current questions.
    async fn pool<C: ConnectionTrait>(
        &self,
        c: &C,
        version_id: &str,
        rule: &PaperRule,
    ) -> AppResult<(Vec<question::Model>, Vec<BankItem>)> {
        let mut bank = self.bank(c, version_id).await?;
        let mut items = Self::bank_items(&bank, false);
        if let Some(s) = &rule.shared {
            let shared = self.banks().current(c, &s.bank_id).await?;
            items.extend(Self::bank_items(&shared, true));
            items.sort_by(|a, b| a.id.cmp(&b.id));
            bank.extend(shared);
        }
        Ok((bank, items))
    }

    /// The questions on a paper, from the course's bank or a province bank.
    async fn paper_questions<C: ConnectionTrait>(
        &self,
        c: &C,
        paper: &[PaperItem],
    ) -> AppResult<HashMap<String, question::Model>> {
        let ids: Vec<String> = paper.iter().map(|p| p.question_id.clone()).collect();
        let mut out: HashMap<String, question::Model> = question::Entity::find()
            .filter(question::Column::Id.is_in(ids.clone()))
            .all(c)
            .await?
            .into_iter()
            .map(|q| (q.id.clone(), q))
            .collect();
        if out.len() < ids.len() {
            let rest: Vec<String> = ids.into_iter().filter(|i| !out.contains_key(i)).collect();
            for q in self.banks().by_ids(c, rest).await? {
                out.insert(q.id.clone(), q);
            }
        }
        Ok(out)
    }

    fn bank_items(bank: &[question::Model], shared: bool) -> Vec<BankItem> {
        bank.iter()
            .map(|q| BankItem {
                shared,
                id: q.id.clone(),
                kind: q.kind,
                knowledge_point: q.knowledge_point.clone(),
                difficulty: q.difficulty,
                options: serde_json::from_str::<Vec<String>>(&q.options)
                    .map(|o| o.len())
                    .unwrap_or(0),
            })
            .collect()
    }

    /// Publish an exam to a class of the caller's organisation (filed or in training) on
    /// a course of one of its study tasks. The rule must be drawable from the course's
    /// bank as it is now.
    pub async fn publish(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
        input: ExamInput,
    ) -> AppResult<ExamView> {
        let c = self.classes().own(who, class_id).await?;
        if !matches!(c.status, ClassStatus::Approved | ClassStatus::InTraining) {
            return Err(AppError::Conflict("培训班备案后才能发布考试".into()));
        }
        if input.closes_on < input.opens_on {
            return Err(AppError::field("closes_on", "结束日期不能早于开始日期"));
        }
        // An exam nobody could ever take is refused: it must still be open on some day to
        // come, and close by the end of the class (exams are taken while it runs).
        if input.closes_on < self.today() {
            return Err(AppError::field(
                "closes_on",
                "结束日期已过，请选择今天或以后的日期",
            ));
        }
        if input.closes_on.format("%Y-%m-%d").to_string() > c.end_date {
            return Err(AppError::field(
                "closes_on",
                format!("结束日期不能晚于培训班的结束日期（{}）", c.end_date),
            ));
        }
        if input.max_attempts > rules::MAX_ATTEMPTS {
            return Err(AppError::field(
                "max_attempts",
                format!("可考次数应为0（不限）到{}之间", rules::MAX_ATTEMPTS),
            ));
        }
        let title = input.title.trim();
        if title.chars().count() > 60 {
            return Err(AppError::field("title", "考试名称不能超过60个字符"));
        }
        if let Some(m) = jineng_core::text::plain_text_problem(title) {
            return Err(AppError::field("title", format!("考试名称{m}")));
        }
        let rule = rules::parse_rule(&input.rule).map_err(|ps| {
            AppError::Validation(
                ps.into_iter()
                    .map(|p| crate::FieldError::new(&format!("rule.{}", p.field), p.message))
                    .collect(),
            )
        })?;
        let t = task::Entity::find()
            .filter(task::Column::ClassId.eq(c.id.clone()))
            .filter(task::Column::PackageId.eq(input.package_id.clone()))
            .one(&self.db)
            .await?
            .ok_or_else(|| {
                AppError::field("package_id", "请选择本班学习任务中的课程（先发布学习任务）")
            })?;
        if let Some(s) = &rule.shared {
            if input.kind == ExamKind::Practice {
                return Err(AppError::field(
                    "rule.shared_bank",
                    "考前练习会显示答案，不能从省级题库抽题；请用模拟考试或课程考试",
                ));
            }
            self.banks().usable_for(&c, &s.bank_id).await?;
        }
        let (_, items) = self.pool(&self.db, &t.version_id, &rule).await?;
        if let Err(short) = rules::draw(&rule, &items, 0) {
            return Err(AppError::field("rule", format!("{short}，请调整抽题规则")));
        }
        let course = version::Entity::find_by_id(t.version_id.clone())
            .one(&self.db)
            .await?
            .map(|v| v.name)
            .unwrap_or_default();
        let title = if title.is_empty() {
            format!("{course} · {}", input.kind.label())
        } else {
            title.to_string()
        };
        let w = self.write(who, ctx).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let e = exam::ActiveModel {
            id: Set(id.clone()),
            class_id: Set(c.id.clone()),
            org_id: Set(c.org_id.clone()),
            package_id: Set(t.package_id.clone()),
            version_id: Set(t.version_id.clone()),
            kind: Set(input.kind),
            title: Set(title),
            rule: Set(serde_json::to_string(&rule).unwrap_or_default()),
            max_attempts: Set(i32::try_from(input.max_attempts).unwrap_or(0)),
            show_answers: Set(input.show_answers),
            opens_on: Set(input.opens_on.format("%Y-%m-%d").to_string()),
            closes_on: Set(input.closes_on.format("%Y-%m-%d").to_string()),
            created_by: Set(who.user_id.clone()),
            created_at: Set(w.now),
        }
        .insert(&w.txn)
        .await?;
        w.commit(Entry::ok(
            "exam.publish",
            "class",
            &c.id,
            serde_json::json!({"exam": id, "kind": input.kind, "package": t.package_id, "version": t.version_id, "rule": rule}),
        ))
        .await?;
        self.view(e).await
    }

    /// Withdraw an exam of the caller's organisation that nobody has started (a mistaken
    /// date or rule): it is deleted. Once a learner has an attempt, it stays.
    pub async fn withdraw(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        exam_id: &str,
    ) -> AppResult<String> {
        let e = exam::Entity::find_by_id(exam_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("考试"))?;
        // Only the class's own organisation; to anyone else it does not exist.
        self.classes()
            .own(who, &e.class_id)
            .await
            .map_err(|x| match x {
                AppError::NotFound(_) => AppError::NotFound("考试"),
                x => x,
            })?;
        let w = self.write(who, ctx).await?;
        // The row lock of the delete orders it against a start; a start that got in
        // first keeps the exam.
        let started = attempt::Entity::find()
            .filter(attempt::Column::ExamId.eq(e.id.clone()))
            .one(&w.txn)
            .await?
            .is_some();
        if started {
            return Err(AppError::Conflict("已有学员参加该考试，不能撤回".into()));
        }
        let gone = exam::Entity::delete_many()
            .filter(exam::Column::Id.eq(e.id.clone()))
            .exec(&w.txn)
            .await;
        match gone {
            Ok(r) if r.rows_affected == 1 => {}
            Ok(_) => return Err(AppError::NotFound("考试")),
            // An attempt inserted meanwhile holds the exam (foreign key).
            Err(x) if x.sql_err().is_some() => {
                return Err(AppError::Conflict("已有学员参加该考试，不能撤回".into()));
            }
            Err(x) => return Err(x.into()),
        }
        w.commit(Entry::ok(
            "exam.withdraw",
            "class",
            &e.class_id,
            serde_json::json!({"exam": e.id, "title": e.title, "kind": e.kind}),
        ))
        .await?;
        Ok(e.class_id)
    }

    /// A class's exams, for whoever may see the class.
    pub async fn of_class(&self, who: &Principal, class_id: &str) -> AppResult<Vec<ExamView>> {
        self.classes().get(who, class_id).await?;
        let rows = exam::Entity::find()
            .filter(exam::Column::ClassId.eq(class_id))
            .order_by_asc(exam::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for e in rows {
            out.push(self.view(e).await?);
        }
        Ok(out)
    }

    /// Each learner's attempts and best score in an exam, for whoever may see its class.
    pub async fn results(&self, who: &Principal, exam_id: &str) -> AppResult<ExamResults> {
        let e = exam::Entity::find_by_id(exam_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("考试"))?;
        // Whoever may not see the class learns nothing, not even that the exam exists.
        let (_, learners) = self.classes().get(who, &e.class_id).await.map_err(|x| {
            if matches!(x, AppError::NotFound(_) | AppError::Forbidden) {
                AppError::NotFound("考试")
            } else {
                x
            }
        })?;
        let pass = rule_of(&e)?.pass_mark;
        let mut by_user: HashMap<String, Vec<attempt::Model>> = HashMap::new();
        for a in attempt::Entity::find()
            .filter(attempt::Column::ExamId.eq(e.id.clone()))
            .all(&self.db)
            .await?
        {
            by_user.entry(a.user_id.clone()).or_default().push(a);
        }
        let learners = learners
            .into_iter()
            .map(|l| {
                let tries = by_user.remove(&l.user_id).unwrap_or_default();
                let best = tries.iter().filter_map(|a| a.score).max().map(u32_of);
                LearnerResult {
                    attempts: u32::try_from(tries.len()).unwrap_or(0),
                    passed: best.is_some_and(|b| b >= pass),
                    best,
                    user_id: l.user_id,
                    name: l.name,
                }
            })
            .collect();
        Ok(ExamResults {
            exam: self.view(e).await?,
            learners,
        })
    }

    /// The exams of every class the caller is enrolled in, newest class first.
    pub async fn mine(&self, who: &Principal) -> AppResult<Vec<MyExam>> {
        let classes: Vec<String> = enrollment::Entity::find()
            .filter(enrollment::Column::UserId.eq(who.user_id.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| e.class_id)
            .collect();
        if classes.is_empty() {
            return Ok(Vec::new());
        }
        let class_rows: HashMap<String, class::Model> = class::Entity::find()
            .filter(class::Column::Id.is_in(classes.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let exams = exam::Entity::find()
            .filter(exam::Column::ClassId.is_in(classes))
            .order_by_desc(exam::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let mut tries: HashMap<String, Vec<attempt::Model>> = HashMap::new();
        for a in attempt::Entity::find()
            .filter(attempt::Column::UserId.eq(who.user_id.clone()))
            .order_by_asc(attempt::Column::Seq)
            .all(&self.db)
            .await?
        {
            tries.entry(a.exam_id.clone()).or_default().push(a);
        }
        let now = self.now();
        let today = self.today();
        let mut out = Vec::with_capacity(exams.len());
        for e in exams {
            let c = class_rows.get(&e.class_id);
            let mine = tries.remove(&e.id).unwrap_or_default();
            let view = self.view(e.clone()).await?;
            let best = mine.iter().filter_map(|a| a.score).max().map(u32_of);
            let open = mine
                .iter()
                .find(|a| a.status == AttemptStatus::Open && a.deadline > now);
            let blocked = match c {
                Some(c) => self
                    .may_start(&e, c, &mine, today, now)
                    .err()
                    .map(|x| x.to_string()),
                None => Some("培训班不存在".into()),
            };
            out.push(MyExam {
                passed: best.is_some_and(|b| b >= view.pass_mark),
                class_name: c.map(|c| c.name.clone()).unwrap_or_default(),
                attempts: mine.iter().map(summary).collect(),
                best,
                open_attempt: open.map(|a| a.id.clone()),
                blocked: if open.is_some() { None } else { blocked },
                exam: view,
            });
        }
        Ok(out)
    }

    /// Why a learner may not start a new attempt now.
    fn may_start(
        &self,
        e: &exam::Model,
        c: &class::Model,
        mine: &[attempt::Model],
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        if c.status != ClassStatus::InTraining {
            return Err(AppError::Conflict("培训班不在培训中，暂不能考试".into()));
        }
        let day = today.format("%Y-%m-%d").to_string();
        if day < e.opens_on || day > e.closes_on {
            return Err(AppError::Conflict(format!(
                "考试开放时间为{}至{}",
                e.opens_on, e.closes_on
            )));
        }
        let used = mine
            .iter()
            .filter(|a| !(a.status == AttemptStatus::Open && a.deadline > now))
            .count();
        if e.max_attempts > 0 && used >= usize::try_from(e.max_attempts).unwrap_or(0) {
            return Err(AppError::Conflict(format!(
                "本考试最多可考{}次，您已考完",
                e.max_attempts
            )));
        }
        Ok(())
    }

    /// The exam, for a learner enrolled in its class; anyone else is told it does not
    /// exist.
    async fn for_learner(
        &self,
        who: &Principal,
        exam_id: &str,
    ) -> AppResult<(exam::Model, class::Model)> {
        let e = exam::Entity::find_by_id(exam_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("考试"))?;
        let enrolled = enrollment::Entity::find()
            .filter(enrollment::Column::ClassId.eq(e.class_id.clone()))
            .filter(enrollment::Column::UserId.eq(who.user_id.clone()))
            .one(&self.db)
            .await?
            .is_some();
        if !enrolled {
            return Err(AppError::NotFound("考试"));
        }
        let c = class::Entity::find_by_id(e.class_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("考试"))?;
        Ok((e, c))
    }

    /// Start an attempt (or return the one in progress): the learner pledges to answer
    /// alone (the check point at the start, kind-tagged so a face check can take its
    /// place), a paper is drawn with a fresh seed, and the server's deadline is set.
    pub async fn start(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        exam_id: &str,
        pledge: bool,
    ) -> AppResult<AttemptView> {
        self.limit_heavy(ctx, who).await?;
        let (e, c) = self.for_learner(who, exam_id).await?;
        let mut mine = self.attempts_of(&e.id, &who.user_id).await?;
        let now = self.now();
        if let Some(open) = mine.iter().find(|a| a.status == AttemptStatus::Open) {
            if open.deadline > now {
                return self.attempt(who, &open.id).await;
            }
            // Its time ran out before the job came round: mark it, then go on.
            self.finalize(&open.id, AttemptStatus::TimedOut, &Principal::system(), ctx)
                .await?;
            mine = self.attempts_of(&e.id, &who.user_id).await?;
        }
        self.may_start(&e, &c, &mine, self.today(), now)?;
        if !pledge {
            return Err(AppError::field("pledge", "请先阅读并勾选诚信考试承诺"));
        }
        let rule = rule_of(&e)?;
        let (bank, items) = self.pool(&self.db, &e.version_id, &rule).await?;
        let seed = rand::rngs::OsRng.next_u64();
        let paper = rules::draw(&rule, &items, seed)
            .map_err(|s| AppError::Conflict(format!("{s}，暂不能开考，请联系培训机构调整")))?;
        let seq = mine.iter().map(|a| a.seq).max().unwrap_or(0) + 1;
        let w = self.write(who, ctx).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let deadline = w.now + Duration::minutes(i64::from(rule.minutes));
        let inserted = attempt::ActiveModel {
            id: Set(id.clone()),
            exam_id: Set(e.id.clone()),
            user_id: Set(who.user_id.clone()),
            seq: Set(seq),
            seed: Set(i64::from_ne_bytes(seed.to_ne_bytes())),
            paper: Set(serde_json::to_string(&paper).unwrap_or_default()),
            status: Set(AttemptStatus::Open),
            check_kind: Set(CheckKind::Pledge),
            check_outcome: Set(CheckOutcome::Passed),
            started_at: Set(w.now),
            deadline: Set(deadline),
            saved_at: Set(w.now),
            submitted_at: Set(None),
            total: Set(i32::try_from(rule.total()).unwrap_or(i32::MAX)),
            score: Set(None),
            passed: Set(None),
        }
        .insert(&w.txn)
        .await;
        if let Err(x) = &inserted {
            if matches!(
                x.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) {
                // A start at the same moment (a double tap, a second tab) won: resume it.
                drop(w);
                let open = self
                    .attempts_of(&e.id, &who.user_id)
                    .await?
                    .into_iter()
                    .find(|a| a.status == AttemptStatus::Open)
                    .ok_or_else(|| AppError::Conflict("请刷新后重试".into()))?;
                return self.attempt(who, &open.id).await;
            }
            if matches!(
                x.sql_err(),
                Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_))
            ) {
                // Withdrawn at this moment.
                return Err(AppError::NotFound("考试"));
            }
        }
        let inserted = inserted?;
        crate::jobs::enqueue_at(
            self,
            &w,
            JobKind::ExamDeadline,
            &format!("exam_deadline:{id}"),
            serde_json::json!({"attempt": id}),
            deadline + Duration::seconds(DEADLINE_GRACE_SECS),
        )
        .await?;
        w.commit(Entry::ok(
            "exam.start",
            "exam_attempt",
            &id,
            serde_json::json!({"exam": e.id, "seq": seq, "seed": seed.to_string(), "deadline": deadline, "check": CheckKind::Pledge}),
        ))
        .await?;
        // The sheet from what is at hand (a new attempt has no answers yet).
        let questions: HashMap<String, question::Model> =
            bank.into_iter().map(|q| (q.id.clone(), q)).collect();
        let view = self.view(e.clone()).await?;
        sheet(
            &inserted,
            &e,
            view,
            &questions,
            &BTreeMap::new(),
            self.now(),
        )
    }

    async fn attempts_of(&self, exam_id: &str, user_id: &str) -> AppResult<Vec<attempt::Model>> {
        Ok(attempt::Entity::find()
            .filter(attempt::Column::ExamId.eq(exam_id))
            .filter(attempt::Column::UserId.eq(user_id))
            .order_by_asc(attempt::Column::Seq)
            .all(&self.db)
            .await?)
    }

    /// The caller's own attempt; anyone else's does not exist for them.
    async fn own_attempt(&self, who: &Principal, id: &str) -> AppResult<attempt::Model> {
        attempt::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .filter(|a| a.user_id == who.user_id)
            .ok_or(AppError::NotFound("答卷"))
    }

    /// An attempt of the caller: the paper (options in its order) and the answers saved;
    /// once marked, the score and which answers were right, and where the exam allows it
    /// (always for practice) the right answers and explanations. An attempt whose time
    /// ran out is marked first.
    pub async fn attempt(&self, who: &Principal, id: &str) -> AppResult<AttemptView> {
        let mut a = self.own_attempt(who, id).await?;
        if a.status == AttemptStatus::Open && a.deadline <= self.now() {
            self.finalize(
                &a.id,
                AttemptStatus::TimedOut,
                &Principal::system(),
                &RequestCtx::default(),
            )
            .await?;
            a = self.own_attempt(who, id).await?;
        }
        let e = exam::Entity::find_by_id(a.exam_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("答卷"))?;
        let paper = paper_of(&a)?;
        let questions = self.paper_questions(&self.db, &paper).await?;
        let saved = self.answers(&self.db, &a.id).await?;
        let view = self.view(e.clone()).await?;
        sheet(&a, &e, view, &questions, &saved, self.now())
    }

    async fn answers<C: ConnectionTrait>(
        &self,
        c: &C,
        attempt_id: &str,
    ) -> AppResult<BTreeMap<usize, String>> {
        Ok(answer::Entity::find()
            .filter(answer::Column::AttemptId.eq(attempt_id))
            .all(c)
            .await?
            .into_iter()
            .filter_map(|r| usize::try_from(r.position).ok().map(|p| (p, r.answer)))
            .collect())
    }

    /// Save the answer to one question (letters as shown; empty clears it). Refused once
    /// the attempt is marked or its time is up; the row lock taken on the attempt orders
    /// a save against a submit, so no answer lands after the marking.
    pub async fn save(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        attempt_id: &str,
        position: u32,
        given: &str,
    ) -> AppResult<String> {
        let a = self.own_attempt(who, attempt_id).await?;
        self.still_open(&a, ctx).await?;
        let paper = paper_of(&a)?;
        let item = paper.get(position as usize).ok_or_else(|| {
            AppError::field("position", format!("第{}题不在本次试卷上", position + 1))
        })?;
        let shown = rules::parse_answer(item, given).map_err(|m| AppError::field("answer", m))?;
        let w = self.write(who, ctx).await?;
        let res = attempt::Entity::update_many()
            .col_expr(attempt::Column::SavedAt, Expr::value(w.now))
            .filter(attempt::Column::Id.eq(a.id.clone()))
            .filter(attempt::Column::Status.eq(AttemptStatus::Open))
            .filter(attempt::Column::Deadline.gt(w.now))
            .exec(&w.txn)
            .await?;
        if res.rows_affected != 1 {
            drop(w);
            let a = self.own_attempt(who, attempt_id).await?;
            self.still_open(&a, ctx).await?;
            return Err(AppError::Conflict(ALREADY.into()));
        }
        let letters = letters(&shown);
        answer::Entity::insert(answer::ActiveModel {
            attempt_id: Set(a.id.clone()),
            position: Set(i32::try_from(position).unwrap_or(0)),
            answer: Set(letters.clone()),
            saved_at: Set(w.now),
        })
        .on_conflict(
            OnConflict::columns([answer::Column::AttemptId, answer::Column::Position])
                .update_columns([answer::Column::Answer, answer::Column::SavedAt])
                .to_owned(),
        )
        .exec_without_returning(&w.txn)
        .await?;
        // One audit record per answer would bury the trail; the answers are in the
        // result's evidence entry when the attempt is marked.
        w.commit_audited().await?;
        Ok(letters)
    }

    /// Refuse work on an attempt that is marked, marking it first if its time is up.
    async fn still_open(&self, a: &attempt::Model, ctx: &RequestCtx) -> AppResult<()> {
        if a.status != AttemptStatus::Open {
            return Err(AppError::Conflict(if a.status == AttemptStatus::TimedOut {
                TIME_UP.into()
            } else {
                ALREADY.into()
            }));
        }
        if a.deadline <= self.now() {
            self.finalize(&a.id, AttemptStatus::TimedOut, &Principal::system(), ctx)
                .await?;
            return Err(AppError::Conflict(TIME_UP.into()));
        }
        Ok(())
    }

    /// Hand in an attempt: marked at once; a second submit, or one after the deadline
    /// (the server has marked it with what was saved), is refused.
    pub async fn submit(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        attempt_id: &str,
    ) -> AppResult<AttemptView> {
        let a = self.own_attempt(who, attempt_id).await?;
        self.still_open(&a, ctx).await?;
        if !self
            .finalize(&a.id, AttemptStatus::Submitted, who, ctx)
            .await?
        {
            return Err(AppError::Conflict(ALREADY.into()));
        }
        self.attempt(who, attempt_id).await
    }

    /// Mark an open attempt as `to`, once: the status moves first (taking the row), then
    /// the answers saved are read and marked, and the result is entered in the evidence
    /// log in the same transaction. `false` when it was already marked.
    async fn finalize(
        &self,
        attempt_id: &str,
        to: AttemptStatus,
        who: &Principal,
        ctx: &RequestCtx,
    ) -> AppResult<bool> {
        let w = self.write(who, ctx).await?;
        let mut q = attempt::Entity::update_many()
            .col_expr(attempt::Column::Status, Expr::value(to))
            .col_expr(attempt::Column::SubmittedAt, Expr::value(Some(w.now)))
            .filter(attempt::Column::Id.eq(attempt_id))
            .filter(attempt::Column::Status.eq(AttemptStatus::Open));
        q = match to {
            AttemptStatus::TimedOut => q.filter(attempt::Column::Deadline.lte(w.now)),
            _ => q.filter(attempt::Column::Deadline.gt(w.now)),
        };
        if q.exec(&w.txn).await?.rows_affected != 1 {
            return Ok(false);
        }
        let a = attempt::Entity::find_by_id(attempt_id.to_string())
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound("答卷"))?;
        let e = exam::Entity::find_by_id(a.exam_id.clone())
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound("考试"))?;
        let rule = rule_of(&e)?;
        let paper = paper_of(&a)?;
        let right: HashMap<String, Vec<usize>> = self
            .paper_questions(&w.txn, &paper)
            .await?
            .into_iter()
            .map(|(id, q)| (id, answer_indexes(&q.answer)))
            .collect();
        let saved = self.answers(&w.txn, &a.id).await?;
        let mut score = 0u32;
        for (i, item) in paper.iter().enumerate() {
            let shown = saved
                .get(&i)
                .and_then(|g| rules::parse_answer(item, g).ok())
                .unwrap_or_default();
            if rules::is_right(
                item,
                &shown,
                right.get(&item.question_id).map_or(&[], |v| v),
            ) {
                score += rule.scores.of(item.kind);
            }
        }
        let passed = score >= rule.pass_mark;
        one_row(
            attempt::Entity::update_many()
                .col_expr(
                    attempt::Column::Score,
                    Expr::value(Some(i32::try_from(score).unwrap_or(0))),
                )
                .col_expr(attempt::Column::Passed, Expr::value(Some(passed)))
                .filter(attempt::Column::Id.eq(a.id.clone()))
                .exec(&w.txn)
                .await?,
            ALREADY,
        )?;
        let record = ResultRecord {
            attempt_id: a.id.clone(),
            exam_id: e.id.clone(),
            user_id: a.user_id.clone(),
            class_id: e.class_id.clone(),
            version_id: e.version_id.clone(),
            kind: e.kind,
            seed: u64::from_ne_bytes(a.seed.to_ne_bytes()),
            answers: saved,
            questions: paper.iter().map(|p| p.question_id.clone()).collect(),
            score,
            total: rule.total(),
            passed,
            status: to,
            submitted_at: w.now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        };
        crate::ledger::append(
            &w.txn,
            &Fact {
                kind: Kind::ExamResult,
                record_id: record.record_id(),
                record_sha256: jineng_core::archive::sha256(&record.canonical()),
                at_micros: w.now.timestamp_micros(),
                org_id: e.org_id.clone(),
            },
        )
        .await?;
        w.commit(Entry::ok(
            if to == AttemptStatus::TimedOut {
                "exam.timed_out"
            } else {
                "exam.submit"
            },
            "exam_attempt",
            &a.id,
            serde_json::json!({"exam": e.id, "user": a.user_id, "score": score, "total": rule.total(), "passed": passed}),
        ))
        .await?;
        Ok(true)
    }

    /// The exams a learner has results in, for the e-archive (callers check who may read
    /// the learner): per exam the best marked attempt and its evidence-log entry.
    pub(crate) async fn of_learner(&self, user_id: &str) -> AppResult<Vec<ArchiveExam>> {
        let marked = attempt::Entity::find()
            .filter(attempt::Column::UserId.eq(user_id))
            .filter(attempt::Column::Status.ne(AttemptStatus::Open))
            .order_by_asc(attempt::Column::StartedAt)
            .all(&self.db)
            .await?;
        let mut by_exam: BTreeMap<String, Vec<attempt::Model>> = BTreeMap::new();
        for a in marked {
            by_exam.entry(a.exam_id.clone()).or_default().push(a);
        }
        let exams: HashMap<String, exam::Model> = exam::Entity::find()
            .filter(exam::Column::Id.is_in(by_exam.keys().cloned()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| (e.id.clone(), e))
            .collect();
        let mut out = Vec::with_capacity(by_exam.len());
        for (exam_id, tries) in by_exam {
            let (Some(e), Some(best)) = (
                exams.get(&exam_id),
                tries
                    .iter()
                    .max_by_key(|a| (a.score, std::cmp::Reverse(a.started_at))),
            ) else {
                continue;
            };
            let rule = rule_of(e)?;
            let record_id = format!("exam_result:{}", best.id);
            let index = jineng_store::ledger::entry::Entity::find()
                .filter(jineng_store::ledger::entry::Column::RecordId.eq(record_id.clone()))
                .one(&self.db)
                .await?
                .and_then(|x| u64::try_from(x.idx).ok());
            let score = best.score.map(u32_of).unwrap_or(0);
            out.push(ArchiveExam {
                exam_id,
                class_id: e.class_id.clone(),
                title: e.title.clone(),
                kind: e.kind,
                kind_label: e.kind.label(),
                attempts: u32::try_from(tries.len()).unwrap_or(0),
                best: score,
                total: u32_of(best.total),
                pass_mark: rule.pass_mark,
                passed: score >= rule.pass_mark,
                at: best.submitted_at,
                record_id,
                index,
            });
        }
        Ok(out)
    }

    /// `None` when the class has no course exam (课程考试); else the learners whose best
    /// score passes every course exam of the class (completion needs it).
    pub(crate) async fn course_exam_passes(
        &self,
        class_id: &str,
    ) -> AppResult<Option<std::collections::HashSet<String>>> {
        let exams = exam::Entity::find()
            .filter(exam::Column::ClassId.eq(class_id))
            .filter(exam::Column::Kind.eq(ExamKind::Course))
            .all(&self.db)
            .await?;
        if exams.is_empty() {
            return Ok(None);
        }
        let mut passed: HashMap<String, usize> = HashMap::new();
        for e in &exams {
            let pass = i32::try_from(rule_of(e)?.pass_mark).unwrap_or(i32::MAX);
            let mut users: Vec<String> = attempt::Entity::find()
                .filter(attempt::Column::ExamId.eq(e.id.clone()))
                .filter(attempt::Column::Score.gte(pass))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|a| a.user_id)
                .collect();
            users.sort_unstable();
            users.dedup();
            for u in users {
                *passed.entry(u).or_default() += 1;
            }
        }
        Ok(Some(
            passed
                .into_iter()
                .filter(|(_, n)| *n == exams.len())
                .map(|(u, _)| u)
                .collect(),
        ))
    }

    /// The job at an attempt's deadline: mark it if it is still open.
    pub(crate) async fn deadline_job(&self, payload: &str) -> Result<(), crate::jobs::JobError> {
        use crate::jobs::JobError;
        let id = serde_json::from_str::<serde_json::Value>(payload)
            .ok()
            .and_then(|v| v["attempt"].as_str().map(str::to_string))
            .ok_or_else(|| JobError::Fatal("payload has no attempt".into()))?;
        let Some(a) = attempt::Entity::find_by_id(id.clone())
            .one(&self.db)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?
        else {
            return Ok(());
        };
        if a.status != AttemptStatus::Open {
            return Ok(());
        }
        if a.deadline > self.now() {
            return Err(JobError::Retry(
                "the attempt's deadline has not passed".into(),
            ));
        }
        self.finalize(
            &id,
            AttemptStatus::TimedOut,
            &Principal::system(),
            &RequestCtx::default(),
        )
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(())
    }
}
