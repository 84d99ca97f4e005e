//! Exams (考试): the rule a paper is drawn by, the draw itself, answers and grading.
//!
//! Every attempt draws its own paper from a course's question bank under the exam's rule
//! and a seed the server picks and stores, so the paper can be drawn again, question for
//! question and option for option, when the attempt is audited. The generator is written
//! here (SplitMix64 and Fisher–Yates) rather than taken from a crate because the paper
//! must come out the same for the life of the record: a library is free to change its
//! algorithms between versions.
//!
//! A rule is a list of draw lines — "5 single-choice questions", "2 hard multiple-choice
//! questions on 安全用电" — each drawing distinct questions. Lines may overlap (a question
//! can match several), so the draw is a matching of line slots to questions: a slot takes
//! a free question if it can and otherwise moves another slot's question to a different
//! one (augmenting paths), which finds a paper whenever one exists.

use crate::courses::questions::{Difficulty, MAX_KNOWLEDGE_POINT, QuestionKind};
use std::collections::BTreeMap;

crate::coded! {
    /// 考试类型.
    pub enum ExamKind {
        /// Practice before the exam: no pass mark counts, answers shown after submission.
        Practice("practice", "考前练习"),
        Mock("mock", "模拟考试"),
        /// The exam whose best score counts towards completion and certificates.
        Course("course", "课程考试"),
    }
}

crate::coded! {
    /// Where an attempt stands.
    pub enum AttemptStatus {
        Open("open", "作答中"),
        Submitted("submitted", "已交卷"),
        /// The deadline passed first: submitted by the server with the answers saved.
        TimedOut("timed_out", "到时自动交卷"),
    }
}

/// Most questions on one paper.
pub const MAX_QUESTIONS: u32 = 200;
/// Most draw lines in one rule.
pub const MAX_LINES: usize = 20;
/// Most points one question may carry.
pub const MAX_SCORE: u32 = 100;
/// Longest time limit, in minutes.
pub const MAX_MINUTES: u32 = 300;
/// Most attempts an exam may allow (0 means unlimited).
pub const MAX_ATTEMPTS: u32 = 100;

/// One draw line: `count` distinct questions of `kind`, optionally only of one knowledge
/// point and one difficulty.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DrawLine {
    pub kind: QuestionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knowledge_point: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difficulty: Option<Difficulty>,
    pub count: u32,
}

impl DrawLine {
    fn matches(&self, q: &BankItem) -> bool {
        q.kind == self.kind
            && self
                .knowledge_point
                .as_deref()
                .is_none_or(|k| k == q.knowledge_point)
            && self.difficulty.is_none_or(|d| d == q.difficulty)
    }

    /// "单选题 · 安全用电 · 难 × 2".
    pub fn describe(&self) -> String {
        let mut s = self.kind.label().to_string();
        if let Some(k) = &self.knowledge_point {
            s.push_str(" · ");
            s.push_str(k);
        }
        if let Some(d) = self.difficulty {
            s.push_str(" · ");
            s.push_str(d.label());
        }
        format!("{s} × {}", self.count)
    }
}

/// Points for one right answer, per question type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scores {
    pub single: u32,
    pub multiple: u32,
    pub judge: u32,
}

impl Scores {
    pub fn of(&self, k: QuestionKind) -> u32 {
        match k {
            QuestionKind::Single => self.single,
            QuestionKind::Multiple => self.multiple,
            QuestionKind::Judge => self.judge,
        }
    }
}

/// The part of a paper drawn from a province question bank shared with the skill
/// appraisal centres (共建共享题库) rather than from the course's own bank.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SharedDraw {
    pub bank_id: String,
    /// Per cent of each draw line's questions taken from the shared bank, rounded half up.
    pub percent: u32,
}

impl SharedDraw {
    /// How many of a line's `count` questions come from the shared bank.
    pub fn of(&self, count: u32) -> u32 {
        (count * self.percent.min(100) + 50) / 100
    }
}

/// How a paper is drawn and marked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PaperRule {
    pub lines: Vec<DrawLine>,
    pub scores: Scores,
    pub minutes: u32,
    /// Points needed to pass, at most the paper's total.
    pub pass_mark: u32,
    /// Absent in rules written before shared banks: those draw from the course alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<SharedDraw>,
}

impl PaperRule {
    pub fn question_count(&self) -> u32 {
        self.lines.iter().map(|l| l.count).sum()
    }

    /// The paper's full marks.
    pub fn total(&self) -> u32 {
        self.lines
            .iter()
            .map(|l| l.count * self.scores.of(l.kind))
            .sum()
    }
}

/// A rule as typed (a form or a JSON body), before any check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRule {
    pub lines: Vec<RawLine>,
    pub single_score: String,
    pub multiple_score: String,
    pub judge_score: String,
    pub minutes: String,
    pub pass_mark: String,
    /// A province bank's id; empty for none.
    pub shared_bank: String,
    /// 1–100 when a shared bank is named.
    pub shared_percent: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawLine {
    pub kind: String,
    pub knowledge_point: String,
    pub difficulty: String,
    pub count: String,
}

/// One thing wrong with a rule: the field and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProblem {
    pub field: String,
    pub message: String,
}

fn number(
    out: &mut Vec<RuleProblem>,
    field: &str,
    label: &str,
    v: &str,
    min: u32,
    max: u32,
) -> u32 {
    match v.trim().parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => n,
        _ => {
            out.push(RuleProblem {
                field: field.to_string(),
                message: format!("{label}应为{min}到{max}之间的整数"),
            });
            0
        }
    }
}

/// Check a rule: lines with a count, at most [`MAX_QUESTIONS`] in all, points for every
/// type used, a time limit and a pass mark within the full marks. Lines whose count is
/// empty are left out (a form shows a few blank lines).
pub fn parse_rule(r: &RawRule) -> Result<PaperRule, Vec<RuleProblem>> {
    let mut e = Vec::new();
    let mut lines = Vec::new();
    for (i, l) in r.lines.iter().enumerate() {
        if l.count.trim().is_empty() && l.knowledge_point.trim().is_empty() {
            continue;
        }
        let n = i + 1;
        let kind = QuestionKind::from_typed(&l.kind);
        if kind.is_none() {
            e.push(RuleProblem {
                field: format!("lines[{i}].kind"),
                message: format!("第{n}条抽题规则的题型应为单选题、多选题或判断题"),
            });
        }
        let kp = l.knowledge_point.trim();
        if kp.chars().count() > MAX_KNOWLEDGE_POINT {
            e.push(RuleProblem {
                field: format!("lines[{i}].knowledge_point"),
                message: format!("第{n}条抽题规则的知识点不能超过{MAX_KNOWLEDGE_POINT}个字符"),
            });
        }
        let difficulty = match l.difficulty.trim() {
            "" | "any" | "不限" => None,
            d => match Difficulty::from_typed(d) {
                Some(d) => Some(d),
                None => {
                    e.push(RuleProblem {
                        field: format!("lines[{i}].difficulty"),
                        message: format!("第{n}条抽题规则的难度应为易、中、难或不限"),
                    });
                    None
                }
            },
        };
        let count = number(
            &mut e,
            &format!("lines[{i}].count"),
            &format!("第{n}条抽题规则的题数"),
            &l.count,
            1,
            MAX_QUESTIONS,
        );
        if let Some(kind) = kind {
            lines.push(DrawLine {
                kind,
                knowledge_point: (!kp.is_empty()).then(|| kp.to_string()),
                difficulty,
                count,
            });
        }
    }
    if r.lines.len() > MAX_LINES {
        e.push(RuleProblem {
            field: "lines".into(),
            message: format!("抽题规则最多{MAX_LINES}条"),
        });
    }
    let used = |k: QuestionKind| lines.iter().any(|l| l.kind == k);
    let mut score = |field: &str, label: &str, v: &str, k: QuestionKind| {
        if used(k) || !v.trim().is_empty() {
            number(&mut e, field, label, v, 1, MAX_SCORE)
        } else {
            0
        }
    };
    let scores = Scores {
        single: score(
            "single_score",
            "单选题每题分值",
            &r.single_score,
            QuestionKind::Single,
        ),
        multiple: score(
            "multiple_score",
            "多选题每题分值",
            &r.multiple_score,
            QuestionKind::Multiple,
        ),
        judge: score(
            "judge_score",
            "判断题每题分值",
            &r.judge_score,
            QuestionKind::Judge,
        ),
    };
    let minutes = number(
        &mut e,
        "minutes",
        "考试时长（分钟）",
        &r.minutes,
        1,
        MAX_MINUTES,
    );
    let shared = match r.shared_bank.trim() {
        "" if !matches!(r.shared_percent.trim(), "" | "0") => {
            e.push(RuleProblem {
                field: "shared_bank".into(),
                message: "填写了共享题库抽题比例，请同时选择共享题库".into(),
            });
            None
        }
        "" => None,
        bank => Some(SharedDraw {
            bank_id: bank.to_string(),
            percent: number(
                &mut e,
                "shared_percent",
                "共享题库抽题比例（%）",
                &r.shared_percent,
                1,
                100,
            ),
        }),
    };
    let rule = PaperRule {
        lines,
        scores,
        minutes,
        pass_mark: 0,
        shared,
    };
    if e.is_empty() && rule.lines.is_empty() {
        e.push(RuleProblem {
            field: "lines".into(),
            message: "请至少填写一条抽题规则".into(),
        });
    }
    if rule.question_count() > MAX_QUESTIONS {
        e.push(RuleProblem {
            field: "lines".into(),
            message: format!(
                "一张试卷最多{MAX_QUESTIONS}道题，现为{}道",
                rule.question_count()
            ),
        });
    }
    let total = rule.total();
    // Full marks mean something only once the lines and points are right.
    let pass_mark = if e.is_empty() {
        number(
            &mut e,
            "pass_mark",
            &format!("及格分（满分{total}）"),
            &r.pass_mark,
            1,
            total.max(1),
        )
    } else {
        0
    };
    if e.is_empty() {
        Ok(PaperRule { pass_mark, ..rule })
    } else {
        Err(e)
    }
}

/// What the draw needs to know of a question in the bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankItem {
    pub id: String,
    pub kind: QuestionKind,
    pub knowledge_point: String,
    pub difficulty: Difficulty,
    pub options: usize,
    /// From a shared province bank (else from the course's own bank).
    pub shared: bool,
}

/// One question on a drawn paper: which one, and the order its options are shown in
/// (`order[shown] = original index`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PaperItem {
    pub question_id: String,
    pub kind: QuestionKind,
    pub order: Vec<usize>,
}

/// Why a rule cannot be drawn from a bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    /// The line (0-based) that could not be filled.
    pub line: usize,
    pub wanted: u32,
    /// Questions in the bank matching the line alone.
    pub matching: usize,
    pub describe: String,
    /// Which bank fell short: 题库, or 共享题库 / 课程题库 when the rule draws from both.
    pub from: &'static str,
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (head, wanted) = (self.line + 1, self.wanted);
        if self.from == "共享题库" {
            // How many a province bank holds per knowledge point is not for the institution.
            return write!(
                f,
                "第{head}条抽题规则（{}）需要共享题库{wanted}道题，共享题库中符合条件的题目不够",
                self.describe
            );
        }
        write!(
            f,
            "第{head}条抽题规则（{}）需要{}{wanted}道题，{}中符合的只有{}道",
            self.describe,
            match self.from {
                "题库" => "",
                f => f,
            },
            self.from,
            self.matching
        )?;
        if self.matching >= self.wanted as usize {
            write!(f, "，且部分已被其他规则抽走")?;
        }
        Ok(())
    }
}

/// SplitMix64: a small, fixed generator, so a stored seed redraws the same paper forever.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by rejection so no value is favoured.
    fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let v = self.next();
            if v < zone {
                return (v % n) as usize;
            }
        }
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// Draw a paper: the bank in the order given (callers sort it by id so a redraw sees the
/// same order), the rule and the attempt's seed. Questions are grouped by type (single,
/// multiple, true/false), in random order within each; choice options are shuffled,
/// true/false keeps 正确 before 错误.
pub fn draw(rule: &PaperRule, bank: &[BankItem], seed: u64) -> Result<Vec<PaperItem>, Shortfall> {
    let mut rng = SplitMix(seed);
    let mut order: Vec<usize> = (0..bank.len()).collect();
    rng.shuffle(&mut order);
    let parts = parts(rule);
    let candidates: Vec<Vec<usize>> = parts
        .iter()
        .map(|p| {
            order
                .iter()
                .copied()
                .filter(|&q| p.matches(rule, &bank[q]))
                .collect()
        })
        .collect();
    let slots: Vec<usize> = parts
        .iter()
        .enumerate()
        .flat_map(|(i, p)| std::iter::repeat_n(i, p.count as usize))
        .collect();
    let mut owner: Vec<Option<usize>> = vec![None; bank.len()];
    for s in 0..slots.len() {
        let mut seen = vec![false; bank.len()];
        if !augment(s, &slots, &candidates, &mut owner, &mut seen) {
            let p = &parts[slots[s]];
            return Err(Shortfall {
                line: p.line,
                wanted: p.count,
                matching: candidates[slots[s]].len(),
                describe: rule.lines[p.line].describe(),
                from: match p.shared {
                    None => "题库",
                    Some(true) => "共享题库",
                    Some(false) => "课程题库",
                },
            });
        }
    }
    // The questions taken, in the shuffled bank order, then grouped by type.
    let mut taken: Vec<usize> = order.into_iter().filter(|&q| owner[q].is_some()).collect();
    taken.sort_by_key(|&q| bank[q].kind);
    Ok(taken
        .into_iter()
        .map(|q| {
            let b = &bank[q];
            let mut opts: Vec<usize> = (0..b.options).collect();
            if b.kind != QuestionKind::Judge {
                rng.shuffle(&mut opts);
            }
            PaperItem {
                question_id: b.id.clone(),
                kind: b.kind,
                order: opts,
            }
        })
        .collect())
}

/// A draw line, or the shared or own half of one when the rule draws from a shared bank.
struct Part {
    line: usize,
    /// `Some(true)`: only shared questions; `Some(false)`: only the course's own.
    shared: Option<bool>,
    count: u32,
}

impl Part {
    fn matches(&self, rule: &PaperRule, q: &BankItem) -> bool {
        rule.lines[self.line].matches(q) && self.shared.is_none_or(|s| s == q.shared)
    }
}

fn parts(rule: &PaperRule) -> Vec<Part> {
    let mut out = Vec::new();
    for (line, l) in rule.lines.iter().enumerate() {
        match &rule.shared {
            None => out.push(Part {
                line,
                shared: None,
                count: l.count,
            }),
            Some(s) => {
                let n = s.of(l.count);
                for (shared, count) in [(true, n), (false, l.count - n)] {
                    if count > 0 {
                        out.push(Part {
                            line,
                            shared: Some(shared),
                            count,
                        });
                    }
                }
            }
        }
    }
    out
}

/// Give slot `s` a question: a free one of its line if there is one, else one whose slot
/// can move to another question (Kuhn's augmenting path).
fn augment(
    s: usize,
    slots: &[usize],
    candidates: &[Vec<usize>],
    owner: &mut [Option<usize>],
    seen: &mut [bool],
) -> bool {
    let line = slots[s];
    if let Some(&q) = candidates[line].iter().find(|&&q| owner[q].is_none()) {
        owner[q] = Some(s);
        return true;
    }
    for &q in &candidates[line] {
        if seen[q] {
            continue;
        }
        seen[q] = true;
        if let Some(o) = owner[q]
            && augment(o, slots, candidates, owner, seen)
        {
            owner[q] = Some(s);
            return true;
        }
    }
    false
}

/// An answer as given: the letters of the options as shown on the paper.
/// Empty means "no answer" (a cleared choice).
pub fn parse_answer(item: &PaperItem, letters: &str) -> Result<Vec<usize>, String> {
    let mut shown = Vec::new();
    for c in letters.chars() {
        if c.is_whitespace() || matches!(c, ',' | '，') {
            continue;
        }
        let u = c.to_ascii_uppercase();
        let i = if u.is_ascii_uppercase() {
            usize::from(u as u8 - b'A')
        } else {
            usize::MAX
        };
        if i >= item.order.len() {
            return Err(format!(
                "答案“{letters}”不是本题的选项（A 到 {}）",
                crate::courses::questions::letter(item.order.len().saturating_sub(1))
            ));
        }
        if !shown.contains(&i) {
            shown.push(i);
        }
    }
    shown.sort_unstable();
    if item.kind != QuestionKind::Multiple && shown.len() > 1 {
        return Err(format!("{}只能选一个答案", item.kind.label()));
    }
    Ok(shown)
}

/// Whether the shown options picked are exactly the right ones (`answer`: original
/// indexes). Multiple choice is all or nothing.
pub fn is_right(item: &PaperItem, shown: &[usize], answer: &[usize]) -> bool {
    if shown.is_empty() {
        return false;
    }
    let mut picked: Vec<usize> = shown
        .iter()
        .filter_map(|&i| item.order.get(i).copied())
        .collect();
    picked.sort_unstable();
    picked.dedup();
    let mut right = answer.to_vec();
    right.sort_unstable();
    picked.len() == shown.len() && picked == right
}

/// The right answer in the letters the paper shows.
pub fn shown_letters(item: &PaperItem, answer: &[usize]) -> String {
    let mut shown: Vec<usize> = answer
        .iter()
        .filter_map(|a| item.order.iter().position(|o| o == a))
        .collect();
    shown.sort_unstable();
    crate::courses::questions::letters(&shown)
}

/// An attempt's result, in the canonical form the evidence log records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRecord {
    pub attempt_id: String,
    pub exam_id: String,
    pub user_id: String,
    /// Empty when the exam belongs to no class.
    pub class_id: String,
    pub version_id: String,
    pub kind: ExamKind,
    pub seed: u64,
    /// The question ids in paper order, with the answers given (shown letters).
    pub answers: BTreeMap<usize, String>,
    pub questions: Vec<String>,
    pub score: u32,
    pub total: u32,
    pub passed: bool,
    pub status: AttemptStatus,
    /// RFC 3339, UTC.
    pub submitted_at: String,
}

impl ResultRecord {
    pub const HEAD: &'static str = "jineng-exam-result/1";

    pub fn record_id(&self) -> String {
        format!("exam_result:{}", self.attempt_id)
    }

    pub fn canonical(&self) -> String {
        let mut l = crate::archive::Lines::new(Self::HEAD)
            .put("attempt", &self.attempt_id)
            .put("exam", &self.exam_id)
            .put("user", &self.user_id)
            .put("class", &self.class_id)
            .put("version", &self.version_id)
            .put("kind", self.kind.code())
            .put("seed", self.seed);
        for (i, q) in self.questions.iter().enumerate() {
            let a = self.answers.get(&i).map(String::as_str).unwrap_or("");
            l = l.put(&format!("q{i}"), format!("{q} {a}"));
        }
        l.put("score", self.score)
            .put("total", self.total)
            .put("passed", self.passed)
            .put("status", self.status.code())
            .put("submitted_at", &self.submitted_at)
            .0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn item(id: usize, kind: QuestionKind, kp: &str, d: Difficulty) -> BankItem {
        BankItem {
            id: format!("q{id:04}"),
            kind,
            knowledge_point: kp.into(),
            difficulty: d,
            options: if kind == QuestionKind::Judge { 2 } else { 4 },
            shared: false,
        }
    }

    fn raw(lines: &[(&str, &str, &str, &str)], pass: &str) -> RawRule {
        RawRule {
            lines: lines
                .iter()
                .map(|(k, p, d, c)| RawLine {
                    kind: k.to_string(),
                    knowledge_point: p.to_string(),
                    difficulty: d.to_string(),
                    count: c.to_string(),
                })
                .collect(),
            single_score: "2".into(),
            multiple_score: "4".into(),
            judge_score: "1".into(),
            minutes: "30".into(),
            pass_mark: pass.into(),
            ..RawRule::default()
        }
    }

    #[test]
    fn a_rule_is_checked_and_totalled() {
        let r = parse_rule(&raw(
            &[
                ("单选", "", "", "5"),
                ("多选题", "安全", "难", "2"),
                ("judge", "", "", "4"),
            ],
            "14",
        ))
        .unwrap();
        assert_eq!(r.question_count(), 11);
        assert_eq!(r.total(), 5 * 2 + 2 * 4 + 4);
        assert_eq!(r.lines[1].difficulty, Some(Difficulty::Hard));
        assert_eq!(r.lines[1].knowledge_point.as_deref(), Some("安全"));

        let e = parse_rule(&raw(&[("填空", "", "", "0")], "100")).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|p| p.field.as_str()).collect();
        assert!(fields.contains(&"lines[0].kind"), "{e:?}");
        assert!(fields.contains(&"lines[0].count"), "{e:?}");
        // No pass-mark error computed from a meaningless full marks.
        assert!(!fields.contains(&"pass_mark"), "{e:?}");

        let e = parse_rule(&raw(&[("单选", "", "", "5")], "11")).unwrap_err();
        assert_eq!(e[0].field, "pass_mark");
        assert!(e[0].message.contains("满分10"), "{e:?}");

        let e = parse_rule(&raw(&[], "1")).unwrap_err();
        assert_eq!(e[0].message, "请至少填写一条抽题规则");

        let e = parse_rule(&raw(
            &[("单选", "", "", "150"), ("判断", "", "", "60")],
            "1",
        ))
        .unwrap_err();
        assert!(e[0].message.contains("最多200道"), "{e:?}");
    }

    #[test]
    fn overlapping_lines_are_matched_when_a_paper_exists() {
        // Two questions: A (安全, hard) and B (安全, easy). "1 hard" and "1 on 安全":
        // greedy could give A to the second line and starve the first.
        let bank = vec![
            item(0, QuestionKind::Single, "安全", Difficulty::Hard),
            item(1, QuestionKind::Single, "安全", Difficulty::Easy),
        ];
        let rule = parse_rule(&raw(
            &[("单选", "安全", "", "1"), ("单选", "", "难", "1")],
            "1",
        ))
        .unwrap();
        for seed in 0..64 {
            let p = draw(&rule, &bank, seed).unwrap();
            assert_eq!(p.len(), 2);
        }
        let rule = parse_rule(&raw(&[("单选", "", "难", "2")], "1")).unwrap();
        let e = draw(&rule, &bank, 1).unwrap_err();
        assert_eq!(e.matching, 1);
        assert_eq!(
            e.to_string(),
            "第1条抽题规则（单选题 · 难 × 2）需要2道题，题库中符合的只有1道"
        );
    }

    #[test]
    fn answers_are_read_in_the_shown_order_and_graded() {
        let it = PaperItem {
            question_id: "q".into(),
            kind: QuestionKind::Multiple,
            order: vec![2, 0, 3, 1],
        };
        // Right answer: original options 0 and 3, shown as B and C.
        assert_eq!(shown_letters(&it, &[0, 3]), "BC");
        let a = parse_answer(&it, "cb").unwrap();
        assert!(is_right(&it, &a, &[0, 3]));
        assert!(!is_right(&it, &parse_answer(&it, "B").unwrap(), &[0, 3]));
        assert!(!is_right(&it, &parse_answer(&it, "ABC").unwrap(), &[0, 3]));
        assert!(!is_right(&it, &[], &[0, 3]));
        assert!(parse_answer(&it, "E").unwrap_err().contains("A 到 D"));
        assert!(parse_answer(&it, "1").is_err());
        let single = PaperItem {
            kind: QuestionKind::Single,
            ..it
        };
        assert_eq!(
            parse_answer(&single, "AB").unwrap_err(),
            "单选题只能选一个答案"
        );
    }

    fn bank_strategy() -> impl Strategy<Value = Vec<BankItem>> {
        prop::collection::vec((0usize..3, 0usize..3, 0usize..3, any::<bool>()), 0..60).prop_map(
            |v| {
                v.into_iter()
                    .enumerate()
                    .map(|(i, (k, p, d, shared))| BankItem {
                        shared,
                        ..item(
                            i,
                            QuestionKind::ALL[k],
                            ["安全", "法规", "操作"][p],
                            Difficulty::ALL[d],
                        )
                    })
                    .collect()
            },
        )
    }

    fn rule_strategy() -> impl Strategy<Value = PaperRule> {
        prop::collection::vec(
            (
                0usize..3,
                prop::option::of(0usize..3),
                prop::option::of(0usize..3),
                1u32..6,
            ),
            1..5,
        )
        .prop_map(|v| PaperRule {
            lines: v
                .into_iter()
                .map(|(k, p, d, c)| DrawLine {
                    kind: QuestionKind::ALL[k],
                    knowledge_point: p.map(|p| ["安全", "法规", "操作"][p].to_string()),
                    difficulty: d.map(|d| Difficulty::ALL[d]),
                    count: c,
                })
                .collect(),
            scores: Scores {
                single: 2,
                multiple: 3,
                judge: 1,
            },
            minutes: 30,
            pass_mark: 1,
            shared: None,
        })
    }

    /// Rules with and without a shared part (0–100 %).
    fn mixed_rule_strategy() -> impl Strategy<Value = PaperRule> {
        (rule_strategy(), prop::option::of(1u32..=100)).prop_map(|(r, p)| PaperRule {
            shared: p.map(|percent| SharedDraw {
                bank_id: "b".into(),
                percent,
            }),
            ..r
        })
    }

    /// Whether any assignment of distinct questions to the rule's slots exists, by
    /// brute force over small cases (the oracle for the matching).
    fn feasible(rule: &PaperRule, bank: &[BankItem]) -> bool {
        fn go(rule: &PaperRule, slots: &[&Part], bank: &[BankItem], used: &mut Vec<bool>) -> bool {
            let Some((p, rest)) = slots.split_first() else {
                return true;
            };
            for (i, q) in bank.iter().enumerate() {
                if !used[i] && p.matches(rule, q) {
                    used[i] = true;
                    if go(rule, rest, bank, used) {
                        return true;
                    }
                    used[i] = false;
                }
            }
            false
        }
        let parts = parts(rule);
        let slots: Vec<&Part> = parts
            .iter()
            .flat_map(|p| std::iter::repeat_n(p, p.count as usize))
            .collect();
        slots.len() <= 8 && go(rule, &slots, bank, &mut vec![false; bank.len()])
    }

    #[test]
    fn a_shared_share_is_drawn_from_the_shared_bank() {
        let mut bank: Vec<BankItem> = (0..10)
            .map(|i| item(i, QuestionKind::Single, "安全", Difficulty::Easy))
            .collect();
        for b in bank.iter_mut().take(4) {
            b.shared = true;
        }
        let mut rule = parse_rule(&RawRule {
            shared_bank: "bank-1".into(),
            shared_percent: "30".into(),
            ..raw(&[("单选", "", "", "5")], "1")
        })
        .unwrap();
        assert_eq!(
            rule.shared,
            Some(SharedDraw {
                bank_id: "bank-1".into(),
                percent: 30
            })
        );
        for seed in 0..64 {
            let p = draw(&rule, &bank, seed).unwrap();
            // 30 % of 5 is 1.5, rounded half up to 2.
            let shared = p
                .iter()
                .filter(|q| bank.iter().any(|b| b.id == q.question_id && b.shared))
                .count();
            assert_eq!(shared, 2, "seed {seed}");
        }
        rule.shared = Some(SharedDraw {
            bank_id: "bank-1".into(),
            percent: 100,
        });
        let e = draw(&rule, &bank, 3).unwrap_err();
        assert_eq!(
            e.to_string(),
            "第1条抽题规则（单选题 × 5）需要共享题库5道题，共享题库中符合条件的题目不够"
        );
        // A percentage with no bank is named.
        let e = parse_rule(&RawRule {
            shared_percent: "30".into(),
            ..raw(&[("单选", "", "", "5")], "1")
        })
        .unwrap_err();
        assert_eq!(e[0].field, "shared_bank");
        // A percentage outside 1–100 is named.
        let e = parse_rule(&RawRule {
            shared_bank: "bank-1".into(),
            shared_percent: "0".into(),
            ..raw(&[("单选", "", "", "5")], "1")
        })
        .unwrap_err();
        assert_eq!(e[0].field, "shared_percent");
        // Without a shared part the draw is the one rules stored before shared banks get.
        let old = parse_rule(&raw(&[("单选", "", "", "5")], "1")).unwrap();
        assert!(!serde_json::to_string(&old).unwrap().contains("shared"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn a_drawn_paper_keeps_its_rule(bank in bank_strategy(), rule in mixed_rule_strategy(), seed in any::<u64>()) {
            match draw(&rule, &bank, seed) {
                Ok(paper) => {
                    // As many questions as the rule asks, all distinct, all from the bank.
                    prop_assert_eq!(paper.len() as u32, rule.question_count());
                    let mut ids: Vec<&str> = paper.iter().map(|p| p.question_id.as_str()).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    prop_assert_eq!(ids.len(), paper.len());
                    // Every line can be given its own questions from the paper
                    // (the paper, as a bank, is itself drawable under the rule).
                    let on_paper: Vec<BankItem> = bank.iter().filter(|b| ids.contains(&b.id.as_str())).cloned().collect();
                    prop_assert!(draw(&rule, &on_paper, seed ^ 1).is_ok());
                    // Grouped by type; options a permutation; true/false unshuffled.
                    prop_assert!(paper.windows(2).all(|w| w[0].kind <= w[1].kind));
                    for p in &paper {
                        let mut o = p.order.clone();
                        o.sort_unstable();
                        prop_assert_eq!(o, (0..p.order.len()).collect::<Vec<_>>());
                        if p.kind == QuestionKind::Judge {
                            prop_assert_eq!(&p.order, &vec![0, 1]);
                        }
                    }
                    // The shared bank gives exactly its share of every line.
                    if let Some(s) = &rule.shared {
                        let shared = on_paper.iter().filter(|b| b.shared).count() as u32;
                        prop_assert_eq!(shared, rule.lines.iter().map(|l| s.of(l.count)).sum::<u32>());
                    }
                    // The seed redraws the same paper.
                    prop_assert_eq!(draw(&rule, &bank, seed).unwrap(), paper);
                }
                Err(short) => {
                    prop_assert!(short.line < rule.lines.len());
                    if rule.question_count() <= 8 {
                        prop_assert!(!feasible(&rule, &bank), "a paper existed but the draw failed");
                    }
                }
            }
        }

        #[test]
        fn the_right_answer_in_shown_letters_is_graded_right(order in Just((0..5).collect::<Vec<usize>>()).prop_shuffle(), answer in prop::collection::btree_set(0usize..5, 1..5)) {
            let it = PaperItem { question_id: "q".into(), kind: QuestionKind::Multiple, order };
            let answer: Vec<usize> = answer.into_iter().collect();
            let shown = parse_answer(&it, &shown_letters(&it, &answer)).unwrap();
            prop_assert!(is_right(&it, &shown, &answer));
        }
    }
}
