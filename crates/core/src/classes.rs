//! Training classes (培训班) and their filing (备案) with the regulator:
//! draft → submitted → approved (or returned → submitted again) → in training →
//! completed; a class can be cancelled before training starts. Only these moves exist.

crate::coded! {
    /// Where a class is in its life.
    pub enum ClassStatus {
        Draft("draft", "草稿"),
        Submitted("submitted", "待备案审核"),
        Approved("approved", "已备案"),
        Returned("returned", "已退回"),
        InTraining("in_training", "培训中"),
        Completed("completed", "已结业"),
        Cancelled("cancelled", "已取消"),
    }
}

crate::coded! {
    /// Something done to a class.
    pub enum ClassAction {
        /// The institution submits the class for filing.
        Submit("submit", "提交备案"),
        /// The regulator approves the filing.
        Approve("approve", "备案通过"),
        /// The regulator returns it with a reason.
        Return("return", "退回"),
        /// The institution starts training.
        Start("start", "开班"),
        /// The institution closes the class (结业).
        Complete("complete", "结业"),
        /// The institution cancels it before training starts.
        Cancel("cancel", "取消"),
    }
}

crate::coded! {
    /// 培训形式.
    pub enum Delivery {
        Online("online", "线上"),
        Offline("offline", "线下"),
        Blended("blended", "线上线下结合"),
    }
}

impl Delivery {
    /// Offline and blended classes meet somewhere.
    pub fn needs_location(self) -> bool {
        self != Delivery::Online
    }
}

crate::coded! {
    /// A learner's application to a recruiting class.
    pub enum ApplicationStatus {
        Pending("pending", "待审核"),
        Accepted("accepted", "已录取"),
        Rejected("rejected", "未录取"),
        Withdrawn("withdrawn", "已撤回"),
    }
}

crate::coded! {
    /// How a learner came to be marked present at a session.
    pub enum CheckinMethod {
        Qr("qr", "扫码签到"),
        Marked("marked", "教师登记"),
    }
}

/// Where a phone said it was when its learner signed in (WGS 84 as browsers give it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeoPoint {
    /// Millionths of a degree.
    pub lat_e6: i32,
    pub lng_e6: i32,
    /// The browser's stated accuracy, in metres.
    pub accuracy_m: i32,
}

impl GeoPoint {
    pub fn parse(lat: f64, lng: f64, accuracy_m: f64) -> Result<Self, &'static str> {
        let ok = lat.is_finite()
            && lng.is_finite()
            && accuracy_m.is_finite()
            && (-90.0..=90.0).contains(&lat)
            && (-180.0..=180.0).contains(&lng)
            && (0.0..=100_000.0).contains(&accuracy_m);
        if !ok {
            return Err("位置信息不正确");
        }
        Ok(GeoPoint {
            lat_e6: (lat * 1e6).round() as i32,
            lng_e6: (lng * 1e6).round() as i32,
            accuracy_m: accuracy_m.round() as i32,
        })
    }

    /// As shown on the attendance sheet.
    pub fn label(&self) -> String {
        format!(
            "{:.5}, {:.5}（±{} 米）",
            f64::from(self.lat_e6) / 1e6,
            f64::from(self.lng_e6) / 1e6,
            self.accuracy_m
        )
    }
}

crate::coded! {
    /// 巡查 (patrol, announced rounds) and 抽查 (spot check).
    pub enum InspectionKind {
        Patrol("patrol", "巡查"),
        SpotCheck("spot_check", "抽查"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("培训班当前状态为“{from}”，不能{action}")]
pub struct ClassTransitionError {
    pub from: &'static str,
    pub action: &'static str,
}

impl ClassAction {
    /// Decided by the regulator; the others by the institution.
    pub fn by_regulator(self) -> bool {
        matches!(self, ClassAction::Approve | ClassAction::Return)
    }

    pub fn needs_reason(self) -> bool {
        matches!(self, ClassAction::Return | ClassAction::Cancel)
    }
}

impl ClassStatus {
    pub fn apply(self, a: ClassAction) -> Result<ClassStatus, ClassTransitionError> {
        use ClassAction as A;
        use ClassStatus as S;
        match (self, a) {
            (S::Draft | S::Returned, A::Submit) => Ok(S::Submitted),
            (S::Submitted, A::Approve) => Ok(S::Approved),
            (S::Submitted, A::Return) => Ok(S::Returned),
            (S::Approved, A::Start) => Ok(S::InTraining),
            (S::InTraining, A::Complete) => Ok(S::Completed),
            (S::Draft | S::Submitted | S::Returned | S::Approved, A::Cancel) => Ok(S::Cancelled),
            _ => Err(ClassTransitionError {
                from: self.label(),
                action: a.label(),
            }),
        }
    }

    /// Learners may be added or removed only before training starts and before filing.
    pub fn enrollment_open(self) -> bool {
        matches!(self, ClassStatus::Draft | ClassStatus::Returned)
    }

    /// The status in a learner's words: before filing a class is recruiting (招生中), not
    /// the institution's 草稿; once filed it waits to start.
    pub fn learner_label(self) -> &'static str {
        match self {
            ClassStatus::Draft | ClassStatus::Returned => "招生中",
            ClassStatus::Submitted | ClassStatus::Approved => "待开班",
            s => s.label(),
        }
    }

    /// The class still holds its learners (for "one open enrollment per project").
    pub fn is_open(self) -> bool {
        !matches!(self, ClassStatus::Completed | ClassStatus::Cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_learner_reads_the_status_in_their_own_words() {
        assert_eq!(ClassStatus::Draft.learner_label(), "招生中");
        assert_eq!(ClassStatus::Returned.learner_label(), "招生中");
        assert_eq!(ClassStatus::Approved.learner_label(), "待开班");
        assert_eq!(ClassStatus::InTraining.learner_label(), "培训中");
        assert!(
            ClassStatus::ALL
                .iter()
                .all(|s| !s.learner_label().contains("草稿"))
        );
    }

    const ACTIONS: [ClassAction; 6] = [
        ClassAction::Submit,
        ClassAction::Approve,
        ClassAction::Return,
        ClassAction::Start,
        ClassAction::Complete,
        ClassAction::Cancel,
    ];

    #[test]
    fn the_filing_path() {
        let s = ClassStatus::Draft.apply(ClassAction::Submit).unwrap();
        let s = s.apply(ClassAction::Return).unwrap();
        assert!(s.enrollment_open());
        let s = s
            .apply(ClassAction::Submit)
            .unwrap()
            .apply(ClassAction::Approve)
            .unwrap();
        assert!(!s.enrollment_open());
        let s = s.apply(ClassAction::Start).unwrap();
        assert_eq!(
            s.apply(ClassAction::Cancel).unwrap_err().to_string(),
            "培训班当前状态为“培训中”，不能取消"
        );
        let s = s.apply(ClassAction::Complete).unwrap();
        assert!(!s.is_open());
        for a in ACTIONS {
            assert_eq!(ClassAction::parse(a.code()), Some(a));
        }
    }

    proptest! {
        #[test]
        fn completed_and_cancelled_are_final(actions in prop::collection::vec(0usize..6, 0..25)) {
            let mut s = ClassStatus::Draft;
            let mut ended = false;
            for i in actions {
                if let Ok(n) = s.apply(ACTIONS[i]) {
                    prop_assert!(!ended);
                    s = n;
                }
                ended |= !s.is_open();
            }
        }
    }

    #[test]
    fn positions_from_browsers() {
        let p = GeoPoint::parse(26.578_123_4, 106.713_456, 35.4).unwrap();
        assert_eq!(
            (p.lat_e6, p.lng_e6, p.accuracy_m),
            (26_578_123, 106_713_456, 35)
        );
        assert_eq!(p.label(), "26.57812, 106.71346（±35 米）");
        for (a, b, c) in [
            (91.0, 0.0, 1.0),
            (0.0, -181.0, 1.0),
            (f64::NAN, 0.0, 1.0),
            (0.0, 0.0, -1.0),
            (0.0, 0.0, f64::INFINITY),
        ] {
            assert!(GeoPoint::parse(a, b, c).is_err());
        }
    }
}
