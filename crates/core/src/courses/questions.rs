//! A course package's question bank (课程考试题库, seed 003 §7.1.5): single choice,
//! multiple choice and true/false questions, each with its correct answer, an
//! explanation, the knowledge point it tests and a difficulty. One parser serves the
//! form, the API and each row of an imported sheet, so every door refuses the same
//! things in the same words; the sheet's columns are written back by [`Question::cells`]
//! and read again unchanged.

crate::coded! {
    /// 题型.
    pub enum QuestionKind {
        Single("single", "单选题"),
        Multiple("multiple", "多选题"),
        Judge("judge", "判断题"),
    }
}

crate::coded! {
    /// 难度.
    pub enum Difficulty {
        Easy("easy", "易"),
        Medium("medium", "中"),
        Hard("hard", "难"),
    }
}

/// Most options a choice question may have (A–H).
pub const MAX_OPTIONS: usize = 8;
pub const MAX_STEM: usize = 500;
pub const MAX_OPTION: usize = 200;
pub const MAX_EXPLANATION: usize = 1000;
pub const MAX_KNOWLEDGE_POINT: usize = 50;
/// The two fixed options of a true/false question.
pub const JUDGE_OPTIONS: [&str; 2] = ["正确", "错误"];

/// A question as typed or read from a sheet row, before any check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawQuestion {
    /// A code (`single`) or a label (`单选题`, also `单选` `多选` `判断`).
    pub kind: String,
    pub stem: String,
    /// Options in order; empty trailing ones are ignored.
    pub options: Vec<String>,
    /// Letters (`B`, `ACD`, `A,C`) or, for true/false, `正确`/`错误` (also 对/错/√/×).
    pub answer: String,
    pub explanation: String,
    pub knowledge_point: String,
    /// A code or label; empty means medium.
    pub difficulty: String,
}

/// A question that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub kind: QuestionKind,
    pub stem: String,
    /// For true/false always [`JUDGE_OPTIONS`].
    pub options: Vec<String>,
    /// Indexes into `options`, ascending, no repeats.
    pub answer: Vec<usize>,
    pub explanation: String,
    pub knowledge_point: String,
    pub difficulty: Difficulty,
}

/// One thing wrong with a question: the field and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionProblem {
    pub field: &'static str,
    pub message: String,
}

fn problem(field: &'static str, message: impl Into<String>) -> QuestionProblem {
    QuestionProblem {
        field,
        message: message.into(),
    }
}

/// The letter shown for option `i` (0 → A).
pub fn letter(i: usize) -> char {
    char::from(b'A' + u8::try_from(i % 26).unwrap_or(0))
}

/// Letters for a set of option indexes ("ACD").
pub fn letters(answer: &[usize]) -> String {
    answer.iter().map(|&i| letter(i)).collect()
}

impl QuestionKind {
    /// A kind typed by a person: the code, the label, or the label without 题.
    pub fn from_typed(s: &str) -> Option<QuestionKind> {
        let t = s.trim();
        QuestionKind::parse(t).or_else(|| {
            QuestionKind::ALL
                .iter()
                .copied()
                .find(|k| k.label() == t || k.label().trim_end_matches('题') == t)
        })
    }
}

impl Difficulty {
    /// A difficulty typed by a person: the code, the label, or 简单/中等/困难 and 较难.
    pub fn from_typed(s: &str) -> Option<Difficulty> {
        let t = s.trim();
        Difficulty::parse(t).or(match t {
            "易" | "简单" | "容易" | "1" => Some(Difficulty::Easy),
            "" | "中" | "中等" | "一般" | "2" => Some(Difficulty::Medium),
            "难" | "困难" | "较难" | "3" => Some(Difficulty::Hard),
            _ => None,
        })
    }
}

fn text(
    out: &mut Vec<QuestionProblem>,
    field: &'static str,
    label: &str,
    v: &str,
    required: bool,
    max: usize,
) -> String {
    let t = v.trim();
    let n = t.chars().count();
    if n == 0 && required {
        out.push(problem(field, format!("{label}不能为空")));
    } else if n > max {
        out.push(problem(field, format!("{label}不能超过{max}个字符")));
    } else if let Some(m) = crate::text::plain_text_problem(t) {
        out.push(problem(field, format!("{label}{m}")));
    }
    t.to_string()
}

/// The letters of an answer, in any order, separated by nothing, spaces or commas.
fn answer_letters(s: &str) -> Result<Vec<usize>, String> {
    let mut out = Vec::new();
    for c in s.chars() {
        if c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；') {
            continue;
        }
        let u = c.to_ascii_uppercase();
        if !u.is_ascii_uppercase() {
            return Err(format!("答案“{s}”应为选项字母，如 B 或 ACD"));
        }
        let i = usize::from(u as u8 - b'A');
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out.sort_unstable();
    Ok(out)
}

fn judge_answer(s: &str) -> Option<usize> {
    match s.trim() {
        "正确" | "对" | "√" | "✓" | "是" | "A" | "a" | "true" | "TRUE" | "True" => Some(0),
        "错误" | "错" | "×" | "✗" | "否" | "B" | "b" | "false" | "FALSE" | "False" => {
            Some(1)
        }
        _ => None,
    }
}

/// Check a question and put it in its one stored shape, or say everything that is wrong.
pub fn parse_question(r: &RawQuestion) -> Result<Question, Vec<QuestionProblem>> {
    let mut e = Vec::new();
    let kind = QuestionKind::from_typed(&r.kind);
    if kind.is_none() {
        e.push(problem(
            "kind",
            if r.kind.trim().is_empty() {
                "请选择题型（单选题、多选题或判断题）".to_string()
            } else {
                format!("题型“{}”应为单选题、多选题或判断题", r.kind.trim())
            },
        ));
    }
    let stem = text(&mut e, "stem", "题干", &r.stem, true, MAX_STEM);
    let explanation = text(
        &mut e,
        "explanation",
        "答案解析",
        &r.explanation,
        true,
        MAX_EXPLANATION,
    );
    let knowledge_point = text(
        &mut e,
        "knowledge_point",
        "知识点",
        &r.knowledge_point,
        true,
        MAX_KNOWLEDGE_POINT,
    );
    let difficulty = Difficulty::from_typed(&r.difficulty);
    if difficulty.is_none() {
        e.push(problem(
            "difficulty",
            format!("难度“{}”应为易、中或难", r.difficulty.trim()),
        ));
    }
    let mut options: Vec<String> = Vec::new();
    let mut answer: Vec<usize> = Vec::new();
    match kind {
        Some(QuestionKind::Judge) => {
            let typed: Vec<&str> = r
                .options
                .iter()
                .map(|o| o.trim())
                .filter(|o| !o.is_empty())
                .collect();
            if !typed.is_empty() && typed != JUDGE_OPTIONS {
                e.push(problem("options", "判断题不填选项（固定为“正确”“错误”）"));
            }
            options = JUDGE_OPTIONS.iter().map(|s| s.to_string()).collect();
            match judge_answer(&r.answer) {
                Some(i) => answer = vec![i],
                None if r.answer.trim().is_empty() => {
                    e.push(problem("answer", "请填写正确答案（正确或错误）"));
                }
                None => e.push(problem(
                    "answer",
                    format!("判断题的答案“{}”应为“正确”或“错误”", r.answer.trim()),
                )),
            }
        }
        Some(k) => {
            let last = r
                .options
                .iter()
                .rposition(|o| !o.trim().is_empty())
                .map_or(0, |i| i + 1);
            for (i, o) in r.options[..last].iter().enumerate() {
                let label = format!("选项{}", letter(i));
                if o.trim().is_empty() {
                    e.push(problem(
                        "options",
                        format!("{label}为空，但其后还有选项；请把选项依次填写"),
                    ));
                    continue;
                }
                let t = text(&mut e, "options", &label, o, true, MAX_OPTION);
                if options.contains(&t) {
                    e.push(problem("options", format!("{label}与前面的选项重复")));
                }
                options.push(t);
            }
            if last < 2 {
                e.push(problem("options", format!("{}至少需要两个选项", k.label())));
            } else if last > MAX_OPTIONS {
                e.push(problem(
                    "options",
                    format!("选项不能超过{MAX_OPTIONS}个（A至H）"),
                ));
            }
            match answer_letters(&r.answer) {
                Err(m) => e.push(problem("answer", m)),
                Ok(a) if a.is_empty() => e.push(problem("answer", "请填写正确答案")),
                Ok(a) => {
                    if let Some(&out) = a.iter().find(|&&i| i >= last) {
                        e.push(problem(
                            "answer",
                            format!("答案{}不在选项中（共{}个选项）", letter(out), last),
                        ));
                    } else if k == QuestionKind::Single && a.len() != 1 {
                        e.push(problem("answer", "单选题只能有一个正确答案"));
                    } else if k == QuestionKind::Multiple && a.len() < 2 {
                        e.push(problem(
                            "answer",
                            "多选题至少有两个正确答案（只有一个请改为单选题）",
                        ));
                    }
                    answer = a;
                }
            }
        }
        None => {}
    }
    match (kind, difficulty) {
        (Some(kind), Some(difficulty)) if e.is_empty() => Ok(Question {
            kind,
            stem,
            options,
            answer,
            explanation,
            knowledge_point,
            difficulty,
        }),
        _ => Err(e),
    }
}

/// The columns of the import template and of an export, in order.
pub const SHEET_HEADERS: [&str; 14] = [
    "题型",
    "题干",
    "选项A",
    "选项B",
    "选项C",
    "选项D",
    "选项E",
    "选项F",
    "选项G",
    "选项H",
    "答案",
    "答案解析",
    "知识点",
    "难度",
];

impl RawQuestion {
    /// A sheet row, one cell per [`SHEET_HEADERS`] entry.
    pub fn from_cells(cells: &[String]) -> RawQuestion {
        let cell = |i: usize| cells.get(i).cloned().unwrap_or_default();
        RawQuestion {
            kind: cell(0),
            stem: cell(1),
            options: (2..2 + MAX_OPTIONS).map(cell).collect(),
            answer: cell(10),
            explanation: cell(11),
            knowledge_point: cell(12),
            difficulty: cell(13),
        }
    }
}

impl Question {
    /// The question as a sheet row that [`RawQuestion::from_cells`] reads back the same.
    pub fn cells(&self) -> Vec<String> {
        let mut out = vec![self.kind.label().to_string(), self.stem.clone()];
        for i in 0..MAX_OPTIONS {
            out.push(match self.kind {
                QuestionKind::Judge => String::new(),
                _ => self.options.get(i).cloned().unwrap_or_default(),
            });
        }
        out.push(self.answer_label());
        out.extend([
            self.explanation.clone(),
            self.knowledge_point.clone(),
            self.difficulty.label().to_string(),
        ]);
        out
    }

    /// The answer as shown: letters, or 正确/错误.
    pub fn answer_label(&self) -> String {
        match self.kind {
            QuestionKind::Judge => self
                .answer
                .first()
                .and_then(|&i| self.options.get(i))
                .cloned()
                .unwrap_or_default(),
            _ => letters(&self.answer),
        }
    }
}

/// How many questions a package of `hours` class hours needs.
pub fn questions_required(hours: u32, per_hour: u32) -> u32 {
    hours.saturating_mul(per_hour)
}

/// The operator's default minimum per class hour until they set one.
pub const DEFAULT_PER_HOUR: u32 = 5;
/// The highest minimum an operator may set.
pub const MAX_PER_HOUR: u32 = 50;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn raw(kind: &str, options: &[&str], answer: &str) -> RawQuestion {
        RawQuestion {
            kind: kind.into(),
            stem: "新生儿洗澡的水温应为多少？".into(),
            options: options.iter().map(|s| s.to_string()).collect(),
            answer: answer.into(),
            explanation: "水温38至40摄氏度为宜。".into(),
            knowledge_point: "新生儿洗澡".into(),
            difficulty: "中".into(),
        }
    }

    fn fields(r: &RawQuestion) -> Vec<(&'static str, String)> {
        parse_question(r)
            .unwrap_err()
            .into_iter()
            .map(|p| (p.field, p.message))
            .collect()
    }

    #[test]
    fn each_kind_in_its_stored_shape() {
        let q = parse_question(&raw("单选", &["30℃", "39℃", "50℃", ""], " b ")).unwrap();
        assert_eq!((q.kind, q.answer.clone()), (QuestionKind::Single, vec![1]));
        assert_eq!(q.options.len(), 3);
        let q = parse_question(&raw("multiple", &["甲", "乙", "丙", "丁"], "D,a、c")).unwrap();
        assert_eq!(q.answer, vec![0, 2, 3]);
        assert_eq!(q.answer_label(), "ACD");
        let q = parse_question(&raw("判断题", &[], "×")).unwrap();
        assert_eq!(q.options, JUDGE_OPTIONS);
        assert_eq!(q.answer_label(), "错误");
        assert_eq!(q.difficulty, Difficulty::Medium);
    }

    #[test]
    fn answers_that_cannot_be_right_are_refused_by_name() {
        let e = fields(&raw("单选题", &["甲", "乙", "丙"], "D"));
        assert_eq!(e, vec![("answer", "答案D不在选项中（共3个选项）".into())]);
        let e = fields(&raw("单选题", &["甲", "乙"], "AB"));
        assert_eq!(e[0].1, "单选题只能有一个正确答案");
        let e = fields(&raw("多选题", &["甲", "乙", "丙"], "B"));
        assert!(e[0].1.starts_with("多选题至少有两个正确答案"), "{e:?}");
        let e = fields(&raw("单选题", &["甲", "乙"], ""));
        assert_eq!(e[0].1, "请填写正确答案");
        let e = fields(&raw("单选题", &["甲", "乙"], "第二个"));
        assert!(e[0].1.contains("应为选项字母"), "{e:?}");
        let e = fields(&raw("判断题", &[], "也许"));
        assert!(e[0].1.contains("应为“正确”或“错误”"), "{e:?}");
    }

    #[test]
    fn options_must_be_filled_in_order_and_differ() {
        let e = fields(&raw("单选题", &["甲", "", "丙"], "A"));
        assert_eq!(e[0].1, "选项B为空，但其后还有选项；请把选项依次填写");
        let e = fields(&raw("单选题", &["甲", "甲"], "A"));
        assert_eq!(e[0].1, "选项B与前面的选项重复");
        let e = fields(&raw("单选题", &["甲"], "A"));
        assert_eq!(e[0].1, "单选题至少需要两个选项");
        let e = fields(&raw("判断题", &["对", "错"], "对"));
        assert_eq!(e[0].0, "options");
    }

    #[test]
    fn every_missing_part_is_named_at_once() {
        let r = RawQuestion {
            kind: "填空".into(),
            difficulty: "很难".into(),
            ..RawQuestion::default()
        };
        let names: Vec<&str> = fields(&r).iter().map(|(f, _)| *f).collect();
        assert_eq!(
            names,
            [
                "kind",
                "stem",
                "explanation",
                "knowledge_point",
                "difficulty"
            ]
        );
    }

    #[test]
    fn formulas_are_not_questions() {
        let mut r = raw("单选题", &["=1+1", "乙"], "A");
        assert_eq!(fields(&r)[0].0, "options");
        r.options[0] = "甲".into();
        r.stem = "=HYPERLINK(\"x\")".into();
        assert_eq!(fields(&r)[0].0, "stem");
    }

    fn any_question() -> impl Strategy<Value = Question> {
        let word = "[\\p{Han}a-z0-9]{1,12}";
        (
            prop::sample::select(QuestionKind::ALL.to_vec()),
            word,
            prop::collection::hash_set(word, 2..=MAX_OPTIONS),
            prop::collection::vec(any::<prop::sample::Index>(), 1..=MAX_OPTIONS),
            word,
            word,
            prop::sample::select(Difficulty::ALL.to_vec()),
        )
            .prop_map(|(kind, stem, opts, picks, explanation, kp, difficulty)| {
                let options: Vec<String> = match kind {
                    QuestionKind::Judge => JUDGE_OPTIONS.iter().map(|s| s.to_string()).collect(),
                    _ => opts.into_iter().collect(),
                };
                let mut answer: Vec<usize> = picks.iter().map(|p| p.index(options.len())).collect();
                answer.sort_unstable();
                answer.dedup();
                match kind {
                    QuestionKind::Multiple if answer.len() < 2 => answer = vec![0, 1],
                    QuestionKind::Multiple => {}
                    _ => answer.truncate(1),
                }
                Question {
                    kind,
                    stem,
                    options,
                    answer,
                    explanation,
                    knowledge_point: kp,
                    difficulty,
                }
            })
    }

    proptest! {
        /// An exported row imports as the same question.
        #[test]
        fn a_sheet_row_reads_back_as_the_question(q in any_question()) {
            let back = parse_question(&RawQuestion::from_cells(&q.cells()));
            prop_assert_eq!(back, Ok(q));
        }

        /// Whatever is typed, the parser answers without panicking, and what it accepts
        /// has its answer among its options.
        #[test]
        fn typed_rows_never_panic(cells in prop::collection::vec(".{0,6}", 0..16)) {
            if let Ok(q) = parse_question(&RawQuestion::from_cells(&cells)) {
                prop_assert!(q.answer.iter().all(|&i| i < q.options.len()));
                prop_assert!(!q.answer.is_empty());
            }
        }
    }
}
