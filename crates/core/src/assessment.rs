//! Offline assessment (线下考核, seed 004 §7.2.3): a class's score sheet (考评成绩表).
//!
//! For each learner the institution records the days attended and classroom performance
//! and enters the theory score; teachers booked into the class enter the practical score
//! and a written evaluation. The sheet goes from 录入中 to 待复核 when someone submits it,
//! and is published to learners only when a second person confirms it. A change after
//! publishing names its reason and is kept as a change record.
//!
//! Pure rules: what a value may be, who may set which field, whether a learner passed,
//! and the canonical text of a published sheet that the evidence log fingerprints.

use std::fmt::Write as _;

crate::coded! {
    /// Where a class's score sheet stands.
    pub enum SheetStatus {
        Draft("draft", "录入中"),
        /// Submitted by one person; another confirms (publishes) or returns it.
        Submitted("submitted", "待复核"),
        Published("published", "已发布"),
    }
}

crate::coded! {
    /// Classroom performance (课堂表现).
    pub enum Performance {
        Excellent("excellent", "优秀"),
        Good("good", "良好"),
        Fair("fair", "一般"),
        Poor("poor", "较差"),
    }
}

crate::coded! {
    /// A field of a learner's row, as named in change records.
    pub enum Field {
        AttendanceDays("attendance_days", "出勤天数"),
        Performance("performance", "课堂表现"),
        Theory("theory", "理论成绩"),
        Practical("practical", "实操成绩"),
        Evaluation("evaluation", "评估意见"),
    }
}

/// Who is entering scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assessor {
    /// The class's institution (its staff): every field.
    Institution,
    /// A teacher booked into the class: the practical score and the evaluation.
    Teacher,
}

impl Assessor {
    pub fn may_set(self, f: Field) -> bool {
        match self {
            Assessor::Institution => true,
            Assessor::Teacher => matches!(f, Field::Practical | Field::Evaluation),
        }
    }
}

/// The highest score.
pub const MAX_SCORE: i32 = 100;
/// The pass mark unless the sheet sets another.
pub const DEFAULT_PASS_MARK: i32 = 60;
/// Longest written evaluation, in characters.
pub const MAX_EVALUATION: usize = 500;
/// Longest reason for a change, in characters.
pub const MAX_REASON: usize = 200;

/// A score: a whole number from 0 to 100.
pub fn check_score(v: i32) -> Result<i32, &'static str> {
    if (0..=MAX_SCORE).contains(&v) {
        Ok(v)
    } else {
        Err("成绩应为0至100之间的整数")
    }
}

/// A pass mark: 1 to 100.
pub fn check_pass_mark(v: i32) -> Result<i32, &'static str> {
    if (1..=MAX_SCORE).contains(&v) {
        Ok(v)
    } else {
        Err("及格分应为1至100之间的整数")
    }
}

/// Days attended: 0 up to the days the class runs.
pub fn check_days(v: i32, class_days: i32) -> Result<i32, String> {
    if (0..=class_days.max(0)).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "出勤天数应为0至{}之间的整数（培训共{}天）",
            class_days.max(0),
            class_days.max(0)
        ))
    }
}

/// A written evaluation, trimmed; at most `MAX_EVALUATION` characters, one paragraph or
/// several.
pub fn check_evaluation(s: &str) -> Result<String, &'static str> {
    let s = s.trim().replace("\r\n", "\n");
    if s.chars().count() > MAX_EVALUATION {
        return Err("评估意见不超过500个字符");
    }
    if s.chars()
        .any(|c| (c.is_control() && c != '\n') || is_format(c))
    {
        return Err("评估意见含有不可见的控制字符");
    }
    Ok(s)
}

/// The reason for a change after publishing (required) or for returning a sheet.
pub fn check_reason(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    if s.is_empty() {
        return Err("请填写原因");
    }
    if s.chars().count() > MAX_REASON || s.chars().any(|c| c.is_control() || is_format(c)) {
        return Err("原因不超过200个字符，且为一行文字");
    }
    Ok(s.to_string())
}

/// Invisible format characters that can disguise text (direction overrides and
/// isolates, zero-width characters).
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// One learner's row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    pub attendance_days: Option<i32>,
    pub performance: Option<Performance>,
    pub theory: Option<i32>,
    pub practical: Option<i32>,
    pub evaluation: String,
}

impl Row {
    /// Whether any score has been entered.
    pub fn scored(&self) -> bool {
        self.theory.is_some() || self.practical.is_some()
    }

    /// Passed: at least one score entered, and every entered score at or above the mark.
    pub fn passed(&self, pass_mark: i32) -> bool {
        self.scored()
            && self.theory.is_none_or(|t| t >= pass_mark)
            && self.practical.is_none_or(|p| p >= pass_mark)
    }

    /// The value of a field as written in change records and the canonical text ("" for
    /// none).
    pub fn value(&self, f: Field) -> String {
        let n = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
        match f {
            Field::AttendanceDays => n(self.attendance_days),
            Field::Performance => self
                .performance
                .map(|p| p.code().to_string())
                .unwrap_or_default(),
            Field::Theory => n(self.theory),
            Field::Practical => n(self.practical),
            Field::Evaluation => self.evaluation.clone(),
        }
    }
}

/// The fields that differ between two rows.
pub fn changed(old: &Row, new: &Row) -> Vec<Field> {
    Field::ALL
        .iter()
        .copied()
        .filter(|f| old.value(*f) != new.value(*f))
        .collect()
}

/// The canonical text of a published sheet (`jineng-assessment/1`): the class, the pass
/// mark, when it was confirmed (so a sheet changed back to an earlier state is a new
/// fact, not the old one), then one line per learner in the order given (callers sort by user id), fields
/// tab-separated with tabs and newlines in the evaluation escaped. Its SHA-256 is what
/// the evidence log records, so any later edit of a published score shows.
pub fn canonical(class_id: &str, pass_mark: i32, as_of: &str, rows: &[(String, Row)]) -> String {
    let mut s =
        format!("jineng-assessment/1\nclass: {class_id}\npass_mark: {pass_mark}\nas_of: {as_of}\n");
    for (user, r) in rows {
        let ev = r
            .evaluation
            .replace('\\', "\\\\")
            .replace('\t', "\\t")
            .replace('\n', "\\n");
        let _ = writeln!(
            s,
            "{user}\t{}\t{}\t{}\t{}\t{ev}",
            r.value(Field::AttendanceDays),
            r.value(Field::Performance),
            r.value(Field::Theory),
            r.value(Field::Practical),
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn values_and_rights() {
        assert!(check_score(0).is_ok() && check_score(100).is_ok());
        assert!(check_score(-1).is_err() && check_score(101).is_err());
        assert!(check_pass_mark(0).is_err() && check_pass_mark(60).is_ok());
        assert!(check_days(5, 5).is_ok() && check_days(6, 5).is_err());
        assert!(check_days(-1, 5).is_err());
        assert!(check_evaluation(&"好".repeat(501)).is_err());
        assert_eq!(check_evaluation("  认真\r\n规范 ").unwrap(), "认真\n规范");
        assert!(check_reason("  ").is_err() && check_reason("a\nb").is_err());
        assert!(check_reason("改\u{202E}分").is_err() && check_evaluation("好\u{200B}").is_err());
        assert!(Assessor::Teacher.may_set(Field::Practical));
        assert!(!Assessor::Teacher.may_set(Field::Theory));
        assert!(Field::ALL.iter().all(|f| Assessor::Institution.may_set(*f)));
    }

    #[test]
    fn passing() {
        let r = |t, p| Row {
            theory: t,
            practical: p,
            ..Row::default()
        };
        assert!(!r(None, None).passed(60));
        assert!(r(Some(60), None).passed(60));
        assert!(r(None, Some(75)).passed(60));
        assert!(!r(Some(59), Some(100)).passed(60));
        assert!(!r(Some(100), Some(59)).passed(60));
        assert!(r(Some(80), Some(80)).passed(80));
    }

    #[test]
    fn canonical_text_escapes_the_evaluation() {
        let row = Row {
            attendance_days: Some(5),
            performance: Some(Performance::Good),
            theory: Some(88),
            practical: None,
            evaluation: "a\tb\nc".into(),
        };
        let at = "2026-12-06T08:00:00.000000Z";
        let t = canonical("c1", 60, at, &[("u1".into(), row.clone())]);
        assert_eq!(
            t,
            "jineng-assessment/1\nclass: c1\npass_mark: 60\nas_of: 2026-12-06T08:00:00.000000Z\nu1\t5\tgood\t88\t\ta\\tb\\nc\n"
        );
        let mut other = row.clone();
        other.practical = Some(0);
        assert_ne!(t, canonical("c1", 60, at, &[("u1".into(), other)]));
        let later = "2026-12-07T08:00:00.000000Z";
        assert_ne!(t, canonical("c1", 60, later, &[("u1".into(), row)]));
    }

    proptest! {
        /// A change record lists exactly the fields that differ, and one row never
        /// changes into itself.
        #[test]
        fn changes_are_exactly_the_differences(
            a in proptest::option::of(0..=100i32), b in proptest::option::of(0..=100i32),
            c in proptest::option::of(0..=30i32), d in proptest::option::of(0..=30i32),
            e in "[a-c]{0,3}", f in "[a-c]{0,3}",
        ) {
            let x = Row { theory: a, attendance_days: c, evaluation: e.clone(), ..Row::default() };
            let y = Row { theory: b, attendance_days: d, evaluation: f.clone(), ..Row::default() };
            let ch = changed(&x, &y);
            prop_assert_eq!(ch.contains(&Field::Theory), a != b);
            prop_assert_eq!(ch.contains(&Field::AttendanceDays), c != d);
            prop_assert_eq!(ch.contains(&Field::Evaluation), e != f);
            prop_assert!(!ch.contains(&Field::Practical));
            prop_assert!(changed(&x, &x).is_empty());
        }

        /// No two different rows share a canonical line (the fingerprint sees every edit).
        #[test]
        fn the_canonical_text_tells_rows_apart(e1 in "[a\\t\\n\\\\]{0,4}", e2 in "[a\\t\\n\\\\]{0,4}") {
            let r = |e: &str| Row { evaluation: e.into(), ..Row::default() };
            let same = canonical("c", 60, "t", &[("u".into(), r(&e1))]) == canonical("c", 60, "t", &[("u".into(), r(&e2))]);
            prop_assert_eq!(same, e1 == e2);
        }
    }
}
