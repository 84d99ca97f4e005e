//! Completion (结业): what a learner has earned in a class when it closes. Offline hours
//! come from the sessions the learner attended; a class hour (学时) is 45 minutes. Pure
//! arithmetic over what the caller loaded: never reads attendance itself, never rounds up.

/// Minutes in one class hour (学时).
pub const CLASS_HOUR_MINUTES: u32 = 45;

/// Share of the scheduled offline minutes a learner must attend to complete, in percent.
pub const MIN_ATTENDANCE_PERCENT: u32 = 80;

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
    pub scheduled_minutes: u32,
    pub attended_minutes: u32,
}

crate::coded! {
    /// A learner's result from attendance.
    pub enum Outcome {
        /// Attended at least `MIN_ATTENDANCE_PERCENT` of the scheduled minutes.
        Completed("completed", "合格"),
        /// Attended less.
        ShortOfAttendance("short_of_attendance", "出勤不足"),
        /// The class has no offline sessions: nothing to judge from attendance.
        NoSessions("no_sessions", "无线下课次"),
    }
}

impl Attendance {
    /// Whole class hours attended (partial hours are not credited).
    pub fn class_hours(&self) -> u32 {
        self.attended_minutes / CLASS_HOUR_MINUTES
    }

    /// Attended share of the scheduled minutes, in whole percent rounded down.
    pub fn percent(&self) -> u32 {
        if self.scheduled_minutes == 0 {
            return 0;
        }
        (u64::from(self.attended_minutes) * 100 / u64::from(self.scheduled_minutes)) as u32
    }

    pub fn outcome(&self) -> Outcome {
        if self.scheduled_minutes == 0 {
            return Outcome::NoSessions;
        }
        // Compare without division so 79.99 % never rounds into a pass.
        if u64::from(self.attended_minutes) * 100
            >= u64::from(self.scheduled_minutes) * u64::from(MIN_ATTENDANCE_PERCENT)
        {
            Outcome::Completed
        } else {
            Outcome::ShortOfAttendance
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
        };
        assert_eq!(a(400).outcome(), Outcome::Completed);
        assert_eq!(a(399).outcome(), Outcome::ShortOfAttendance);
        assert_eq!(a(399).percent(), 79);
        assert_eq!(a(400).class_hours(), 8);
        assert_eq!(Attendance::default().outcome(), Outcome::NoSessions);
        assert_eq!(Attendance::default().percent(), 0);
    }

    proptest! {
        #[test]
        fn outcome_agrees_with_exact_ratio(scheduled in 1u32..100_000, attended_share in 0u32..=100_000) {
            let attended = (u64::from(scheduled) * u64::from(attended_share) / 100_000) as u32;
            let a = Attendance { sessions_total: 1, sessions_attended: 1, scheduled_minutes: scheduled, attended_minutes: attended };
            let passes = f64::from(attended) / f64::from(scheduled) >= 0.8 - 1e-12;
            prop_assert_eq!(a.outcome() == Outcome::Completed, passes);
            prop_assert!(a.percent() <= 100);
            prop_assert!(a.class_hours() * CLASS_HOUR_MINUTES <= attended);
        }
    }
}
