//! The learner's lifelong e-archive (电子档案) and the study facts it rests on, in the
//! canonical text forms whose SHA-256 the evidence log records.
//!
//! Three records, each a few `key=value` lines under a versioned first line:
//! - a study day (`study_day`): what one learner was credited on one closed day (China
//!   time) in one lesson of one class (empty for self-study);
//! - a clearing (`study_clearing`): hours taken away from a learner's course for an
//!   irregularity;
//! - a summary (`study_summary`): a learner's online hours per class and course as of a
//!   closed day, and the log indexes of the day and clearing entries it adds up — so the
//!   total on an archive is proved by one entry, and each of its parts by its own.
//!
//! Values are escaped (`\` → `\\`, line end → `\n`) so no value can forge a line; the
//! form is fixed by version: never change one, add a new version.

use sha2::{Digest, Sha256};

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

pub(crate) struct Lines(pub(crate) String);

impl Lines {
    pub(crate) fn new(head: &str) -> Self {
        Lines(format!("{head}\n"))
    }

    pub(crate) fn put(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        self.0.push_str(key);
        self.0.push('=');
        self.0.push_str(&escape(&value.to_string()));
        self.0.push('\n');
        self
    }
}

/// The SHA-256 of a canonical text.
pub fn sha256(canonical: &str) -> [u8; 32] {
    sha256_bytes(canonical.as_bytes())
}

/// SHA-256 of any bytes (an uploaded file, a bank's return file).
pub fn sha256_bytes(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// One learner's credited time on one closed day in one lesson.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRecord {
    /// The day row's id (opaque).
    pub id: String,
    pub user_id: String,
    /// YYYY-MM-DD, China time.
    pub day: String,
    /// Empty for self-study of a public-welfare course.
    pub class_id: String,
    pub package_id: String,
    pub lesson_id: String,
    pub credited_ms: u64,
}

impl DayRecord {
    pub const HEAD: &'static str = "jineng-study-day/1";

    pub fn record_id(&self) -> String {
        format!("study_day:{}", self.id)
    }

    pub fn canonical(&self) -> String {
        Lines::new(Self::HEAD)
            .put("id", &self.id)
            .put("user", &self.user_id)
            .put("day", &self.day)
            .put("class", &self.class_id)
            .put("package", &self.package_id)
            .put("lesson", &self.lesson_id)
            .put("credited_ms", self.credited_ms)
            .0
    }
}

/// Hours cleared from a learner's course for an irregularity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearingRecord {
    pub id: String,
    pub user_id: String,
    pub class_id: String,
    pub package_id: String,
    /// The how-manyth clearing of this course for this learner (a second costs the subsidy).
    pub nth: u32,
    /// The irregularity's code.
    pub reason: String,
    pub session_id: String,
    pub cleared_ms: u64,
    /// Microseconds since the Unix epoch, UTC.
    pub at_micros: i64,
}

impl ClearingRecord {
    pub const HEAD: &'static str = "jineng-study-clearing/1";

    pub fn record_id(&self) -> String {
        format!("study_clearing:{}", self.id)
    }

    pub fn canonical(&self) -> String {
        Lines::new(Self::HEAD)
            .put("id", &self.id)
            .put("user", &self.user_id)
            .put("class", &self.class_id)
            .put("package", &self.package_id)
            .put("nth", self.nth)
            .put("reason", &self.reason)
            .put("session", &self.session_id)
            .put("cleared_ms", self.cleared_ms)
            .put("at_micros", self.at_micros)
            .0
    }
}

/// A learner's online hours in one class and course, as entered in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryLine {
    pub class_id: String,
    pub package_id: String,
    /// Log indexes of the day entries added up, ascending.
    pub day_entries: Vec<u64>,
    /// Log indexes of the clearing entries taken off, ascending.
    pub clearing_entries: Vec<u64>,
    pub credited_ms: u64,
    pub cleared_ms: u64,
}

impl SummaryLine {
    /// What stands: credited less cleared (a clearing takes away what stood at its time,
    /// so this never goes below zero on consistent records; it is floored anyway).
    pub fn net_ms(&self) -> u64 {
        self.credited_ms.saturating_sub(self.cleared_ms)
    }
}

/// A learner's online study as of a closed day: the lines in (class, package) order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub user_id: String,
    /// The last closed day it covers, YYYY-MM-DD.
    pub as_of: String,
    pub lines: Vec<SummaryLine>,
}

impl Summary {
    pub const HEAD: &'static str = "jineng-study-summary/1";

    /// One record per learner: its newest entry in the log is the learner's standing.
    pub fn record_id(user_id: &str) -> String {
        format!("study_summary:{user_id}")
    }

    pub fn total_ms(&self) -> u64 {
        self.lines.iter().map(SummaryLine::net_ms).sum()
    }

    pub fn canonical(&self) -> String {
        let join = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
        let mut l = Lines::new(Self::HEAD)
            .put("user", &self.user_id)
            .put("as_of", &self.as_of)
            .put("lines", self.lines.len());
        for line in &self.lines {
            l = l
                .put("class", &line.class_id)
                .put("package", &line.package_id)
                .put("day_entries", join(&line.day_entries))
                .put("clearing_entries", join(&line.clearing_entries))
                .put("credited_ms", line.credited_ms)
                .put("cleared_ms", line.cleared_ms)
                .put("net_ms", line.net_ms());
        }
        l.put("total_ms", self.total_ms()).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day() -> DayRecord {
        DayRecord {
            id: "d1".into(),
            user_id: "u1".into(),
            day: "2026-12-04".into(),
            class_id: "c1".into(),
            package_id: "p1".into(),
            lesson_id: "l1".into(),
            credited_ms: 1_800_000,
        }
    }

    #[test]
    fn a_day_has_one_fixed_form() {
        assert_eq!(
            day().canonical(),
            "jineng-study-day/1\nid=d1\nuser=u1\nday=2026-12-04\nclass=c1\npackage=p1\nlesson=l1\ncredited_ms=1800000\n"
        );
        assert_eq!(day().record_id(), "study_day:d1");
        // The hash follows the text, and any change moves it.
        let mut other = day();
        other.credited_ms += 1;
        assert_ne!(sha256(&day().canonical()), sha256(&other.canonical()));
    }

    #[test]
    fn a_summary_adds_up_its_lines() {
        let s = Summary {
            user_id: "u1".into(),
            as_of: "2026-12-04".into(),
            lines: vec![
                SummaryLine {
                    class_id: "c1".into(),
                    package_id: "p1".into(),
                    day_entries: vec![3, 9],
                    clearing_entries: vec![],
                    credited_ms: 5_400_000,
                    cleared_ms: 0,
                },
                SummaryLine {
                    class_id: String::new(),
                    package_id: "p2".into(),
                    day_entries: vec![4],
                    clearing_entries: vec![7],
                    credited_ms: 600_000,
                    cleared_ms: 600_000,
                },
            ],
        };
        assert_eq!(s.total_ms(), 5_400_000);
        let text = s.canonical();
        assert!(text.starts_with("jineng-study-summary/1\nuser=u1\nas_of=2026-12-04\nlines=2\n"));
        assert!(text.contains("day_entries=3,9\n"));
        assert!(text.contains("clearing_entries=7\n"));
        assert!(text.ends_with("total_ms=5400000\n"));
    }

    proptest! {
        /// No value can add or hide a line: every form has exactly its fixed number of
        /// lines, whatever the ids hold.
        #[test]
        fn values_cannot_forge_lines(a in ".*", b in ".*", c in ".*") {
            let d = DayRecord { id: a.clone(), user_id: b.clone(), day: c.clone(), ..day() };
            prop_assert_eq!(d.canonical().matches('\n').count(), 8);
            let k = ClearingRecord {
                id: a, user_id: b, class_id: c, package_id: String::new(), nth: 1,
                reason: "idle".into(), session_id: String::new(), cleared_ms: 0, at_micros: 0,
            };
            prop_assert_eq!(k.canonical().matches('\n').count(), 10);
        }

        /// Escaping is one-to-one: two different ids never give the same form.
        #[test]
        fn different_values_give_different_forms(a in ".*", b in ".*") {
            prop_assume!(a != b);
            let x = DayRecord { id: a, ..day() };
            let y = DayRecord { id: b, ..day() };
            prop_assert_ne!(x.canonical(), y.canonical());
        }
    }
}
