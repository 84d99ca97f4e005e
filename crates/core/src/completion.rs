//! Completion (结业): what a learner has earned in a class when it closes. Offline hours
//! come from the sessions the learner attended; a class hour (学时) is 45 minutes. The
//! yardstick is the class hours the class declared (at least the training project's),
//! never whatever sessions happened to be entered: one 45-minute session does not make
//! a 180-hour class. Pure arithmetic over what the caller loaded: never reads
//! attendance itself, never rounds up.

use crate::classes::Delivery;

/// Minutes in one class hour (学时).
pub const CLASS_HOUR_MINUTES: u32 = 45;

/// Share of the required offline minutes a learner must attend to complete, in percent.
pub const MIN_ATTENDANCE_PERCENT: u32 = 80;

/// The offline minutes a class requires of each learner: every declared class hour for
/// an offline class, the practice hours for a blended one (its theory is studied online
/// and credited by the study records), none for an online class.
pub fn required_offline_minutes(delivery: Delivery, theory_hours: u32, practice_hours: u32) -> u32 {
    let hours = match delivery {
        Delivery::Offline => theory_hours.saturating_add(practice_hours),
        Delivery::Blended => practice_hours,
        Delivery::Online => 0,
    };
    hours.saturating_mul(CLASS_HOUR_MINUTES)
}

/// The online class hours a class requires of each learner, credited by supervised
/// study: the theory hours of a blended class, every declared hour of an online class,
/// none for an offline class.
pub fn required_online_hours(delivery: Delivery, theory_hours: u32, practice_hours: u32) -> u32 {
    match delivery {
        Delivery::Offline => 0,
        Delivery::Blended => theory_hours,
        Delivery::Online => theory_hours.saturating_add(practice_hours),
    }
}

/// Minutes from `starts` to `ends`, both "HH:MM" on the same day; `None` if either is
/// malformed or the session does not end after it starts.
pub fn session_minutes(starts: &str, ends: &str) -> Option<u32> {
    fn parse(s: &str) -> Option<u32> {
        let (h, m) = s.trim().split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(h * 60 + m)
    }
    let (a, b) = (parse(starts)?, parse(ends)?);
    b.checked_sub(a).filter(|m| *m > 0)
}

/// One learner's offline attendance in a class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attendance {
    pub sessions_total: u32,
    pub sessions_attended: u32,
    /// Minutes of the sessions entered so far (shown beside what is required).
    pub scheduled_minutes: u32,
    pub attended_minutes: u32,
    /// See `required_offline_minutes`.
    pub required_minutes: u32,
}

crate::coded! {
    /// A learner's result from attendance.
    pub enum Outcome {
        /// Attended at least `MIN_ATTENDANCE_PERCENT` of the required minutes.
        Completed("completed", "合格"),
        /// Attended less.
        ShortOfAttendance("short_of_attendance", "线下学时不足"),
        /// Credited fewer online class hours than the class requires.
        ShortOfOnline("short_of_online", "线上学时不足"),
        /// Short both offline and online.
        ShortOfBoth("short_of_both", "线上线下学时均不足"),
        /// The class requires no hours at all: nothing to judge.
        NoSessions("no_sessions", "无学时要求"),
        /// The hours are there, but not a pass in every course exam of the class.
        ExamNotPassed("exam_not_passed", "课程考试未通过"),
        /// The hours and exams are there, but the class's published offline assessment
        /// was not passed.
        AssessmentNotPassed("assessment_not_passed", "线下考核未通过"),
    }
}

impl Attendance {
    /// Whole class hours attended (partial hours are not credited).
    pub fn class_hours(&self) -> u32 {
        self.attended_minutes / CLASS_HOUR_MINUTES
    }

    /// Attended share of the required minutes, in whole percent rounded down, at most 100.
    pub fn percent(&self) -> u32 {
        if self.required_minutes == 0 {
            return 0;
        }
        (u64::from(self.attended_minutes) * 100 / u64::from(self.required_minutes)).min(100) as u32
    }

    pub fn outcome(&self) -> Outcome {
        if self.required_minutes == 0 {
            return Outcome::NoSessions;
        }
        // Compare without division so 79.99 % never rounds into a pass.
        if u64::from(self.attended_minutes) * 100
            >= u64::from(self.required_minutes) * u64::from(MIN_ATTENDANCE_PERCENT)
        {
            Outcome::Completed
        } else {
            Outcome::ShortOfAttendance
        }
    }
}

/// A learner's standing in a class: offline attendance and online credited hours, each
/// against what the class requires (a blended class needs both).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    pub attendance: Attendance,
    /// Online class hours credited for the class's study tasks, in tenths (rounded down).
    pub online_tenths: u64,
    /// See `required_online_hours`.
    pub online_required_hours: u32,
    /// `None`: the class has no course exam; else whether the learner's best score passed
    /// every one of them.
    pub exam_passed: Option<bool>,
    /// `None`: the class's offline assessment is not published; else whether the
    /// learner passed it.
    pub assessment_passed: Option<bool>,
}

impl Standing {
    pub fn outcome(&self) -> Outcome {
        match self.hours_and_exams() {
            Outcome::Completed if self.assessment_passed == Some(false) => {
                Outcome::AssessmentNotPassed
            }
            Outcome::NoSessions if self.assessment_passed.is_some() => {
                if self.assessment_passed == Some(true) {
                    Outcome::Completed
                } else {
                    Outcome::AssessmentNotPassed
                }
            }
            o => o,
        }
    }

    fn hours_and_exams(&self) -> Outcome {
        let offline_required = self.attendance.required_minutes > 0;
        let online_required = self.online_required_hours > 0;
        if !offline_required && !online_required {
            return match self.exam_passed {
                None => Outcome::NoSessions,
                Some(true) => Outcome::Completed,
                Some(false) => Outcome::ExamNotPassed,
            };
        }
        let offline_ok = !offline_required || self.attendance.outcome() == Outcome::Completed;
        let online_ok =
            !online_required || self.online_tenths >= u64::from(self.online_required_hours) * 10;
        match (offline_ok, online_ok) {
            // Hours first: a learner short of them is told so; with the hours, the exam.
            (true, true) if self.exam_passed == Some(false) => Outcome::ExamNotPassed,
            (true, true) => Outcome::Completed,
            (false, true) => Outcome::ShortOfAttendance,
            (true, false) => Outcome::ShortOfOnline,
            (false, false) => Outcome::ShortOfBoth,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn session_lengths() {
        assert_eq!(session_minutes("09:00", "11:15"), Some(135));
        assert_eq!(session_minutes("09:00", "09:00"), None);
        assert_eq!(session_minutes("11:00", "09:00"), None);
        assert_eq!(session_minutes("9:00", "11:00"), None);
        assert_eq!(session_minutes("24:00", "24:30"), None);
        assert_eq!(session_minutes("08:60", "09:30"), None);
    }

    #[test]
    fn the_eighty_percent_line() {
        let a = |attended| Attendance {
            sessions_total: 5,
            sessions_attended: 4,
            scheduled_minutes: 500,
            attended_minutes: attended,
            required_minutes: 500,
        };
        assert_eq!(a(400).outcome(), Outcome::Completed);
        assert_eq!(a(399).outcome(), Outcome::ShortOfAttendance);
        assert_eq!(a(399).percent(), 79);
        assert_eq!(a(400).class_hours(), 8);
        assert_eq!(Attendance::default().outcome(), Outcome::NoSessions);
        assert_eq!(Attendance::default().percent(), 0);
    }

    #[test]
    fn hours_are_measured_against_what_the_class_declared() {
        // The demo's old answer: 13 hours of a 180-hour class attended in full.
        let required = required_offline_minutes(Delivery::Offline, 80, 100);
        assert_eq!(required, 180 * 45);
        let thirteen = Attendance {
            sessions_total: 4,
            sessions_attended: 4,
            scheduled_minutes: 13 * 45,
            attended_minutes: 13 * 45,
            required_minutes: required,
        };
        assert_eq!(thirteen.outcome(), Outcome::ShortOfAttendance);
        assert_eq!(thirteen.percent(), 7);
        // One 45-minute session of a class with no other is not a pass either.
        let one = Attendance {
            sessions_total: 1,
            sessions_attended: 1,
            scheduled_minutes: 45,
            attended_minutes: 45,
            required_minutes: required,
        };
        assert_eq!(one.outcome(), Outcome::ShortOfAttendance);
        assert_eq!(
            required_offline_minutes(Delivery::Blended, 80, 100),
            100 * 45
        );
        assert_eq!(required_offline_minutes(Delivery::Online, 80, 100), 0);
        assert_eq!(
            required_offline_minutes(Delivery::Offline, u32::MAX, 1),
            u32::MAX
        );
    }

    #[test]
    fn a_blended_class_needs_both_halves() {
        let attended = |minutes| Attendance {
            sessions_total: 2,
            sessions_attended: 2,
            scheduled_minutes: 100 * 45,
            attended_minutes: minutes,
            required_minutes: required_offline_minutes(Delivery::Blended, 80, 100),
        };
        let standing = |minutes, online_tenths| Standing {
            attendance: attended(minutes),
            online_tenths,
            online_required_hours: required_online_hours(Delivery::Blended, 80, 100),
            exam_passed: None,
            assessment_passed: None,
        };
        assert_eq!(standing(80 * 45, 800).outcome(), Outcome::Completed);
        // 79.9 online hours of 80 is short, however well attended offline.
        assert_eq!(standing(100 * 45, 799).outcome(), Outcome::ShortOfOnline);
        assert_eq!(standing(79 * 45, 800).outcome(), Outcome::ShortOfAttendance);
        assert_eq!(standing(0, 0).outcome(), Outcome::ShortOfBoth);
        // An online class is judged by its online hours alone.
        let online = Standing {
            attendance: Attendance::default(),
            online_tenths: 1799,
            online_required_hours: required_online_hours(Delivery::Online, 80, 100),
            exam_passed: None,
            assessment_passed: None,
        };
        assert_eq!(online.outcome(), Outcome::ShortOfOnline);
        assert_eq!(
            Standing {
                online_tenths: 1800,
                ..online
            }
            .outcome(),
            Outcome::Completed
        );
        assert_eq!(required_online_hours(Delivery::Offline, 80, 100), 0);
        assert_eq!(Standing::default().outcome(), Outcome::NoSessions);
    }

    #[test]
    fn a_class_with_a_course_exam_needs_a_pass_too() {
        let hours_ok = Standing {
            attendance: Attendance::default(),
            online_tenths: 800,
            online_required_hours: 80,
            exam_passed: Some(true),
            assessment_passed: None,
        };
        assert_eq!(hours_ok.outcome(), Outcome::Completed);
        let failed = Standing {
            exam_passed: Some(false),
            ..hours_ok
        };
        assert_eq!(failed.outcome(), Outcome::ExamNotPassed);
        // Short of hours and of the exam: the hours are named first.
        let short = Standing {
            online_tenths: 10,
            ..failed
        };
        assert_eq!(short.outcome(), Outcome::ShortOfOnline);
        // A class with no hours to judge: the exam alone.
        let exam_only = Standing {
            exam_passed: Some(false),
            ..Standing::default()
        };
        assert_eq!(exam_only.outcome(), Outcome::ExamNotPassed);
        let exam_only = Standing {
            exam_passed: Some(true),
            ..Standing::default()
        };
        assert_eq!(exam_only.outcome(), Outcome::Completed);
    }

    #[test]
    fn a_published_offline_assessment_counts_last() {
        let ok = Standing {
            online_tenths: 800,
            online_required_hours: 80,
            exam_passed: Some(true),
            assessment_passed: Some(true),
            ..Standing::default()
        };
        assert_eq!(ok.outcome(), Outcome::Completed);
        let failed = Standing {
            assessment_passed: Some(false),
            ..ok
        };
        assert_eq!(failed.outcome(), Outcome::AssessmentNotPassed);
        // Hours and the exam are named before the assessment.
        assert_eq!(
            Standing {
                exam_passed: Some(false),
                ..failed
            }
            .outcome(),
            Outcome::ExamNotPassed
        );
        assert_eq!(
            Standing {
                online_tenths: 0,
                ..failed
            }
            .outcome(),
            Outcome::ShortOfOnline
        );
        // A class with nothing else to judge: the assessment alone.
        let alone = |p| Standing {
            assessment_passed: Some(p),
            ..Standing::default()
        };
        assert_eq!(alone(true).outcome(), Outcome::Completed);
        assert_eq!(alone(false).outcome(), Outcome::AssessmentNotPassed);
    }

    proptest! {
        #[test]
        fn outcome_agrees_with_exact_ratio(required in 1u32..100_000, attended_share in 0u32..=150_000) {
            let attended = (u64::from(required) * u64::from(attended_share) / 100_000) as u32;
            let a = Attendance { sessions_total: 1, sessions_attended: 1, scheduled_minutes: attended, attended_minutes: attended, required_minutes: required };
            let passes = f64::from(attended) / f64::from(required) >= 0.8 - 1e-12;
            prop_assert_eq!(a.outcome() == Outcome::Completed, passes);
            prop_assert!(a.percent() <= 100);
            prop_assert!(a.class_hours() * CLASS_HOUR_MINUTES <= attended);
        }
    }
}
