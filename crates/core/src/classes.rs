//! Training classes (培训班) and their filing (备案) with the regulator:
//! draft → submitted → approved (or returned → submitted again) → in training →
//! completed; a class can be cancelled before training starts. Only these moves exist.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassStatus {
    Draft,
    Submitted,
    Approved,
    Returned,
    InTraining,
    Completed,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassAction {
    /// The institution submits the class for filing.
    Submit,
    /// The regulator approves the filing.
    Approve,
    /// The regulator returns it with a reason.
    Return,
    /// The institution starts training.
    Start,
    /// The institution closes the class (结业).
    Complete,
    /// The institution cancels it before training starts.
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("培训班当前状态为“{from}”，不能{action}")]
pub struct ClassTransitionError {
    pub from: &'static str,
    pub action: &'static str,
}

pub const DELIVERY_MODES: [(&str, &str); 3] = [
    ("online", "线上"),
    ("offline", "线下"),
    ("blended", "线上线下结合"),
];

pub fn delivery_label(code: &str) -> Option<&'static str> {
    DELIVERY_MODES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

impl ClassAction {
    pub fn code(self) -> &'static str {
        match self {
            ClassAction::Submit => "submit",
            ClassAction::Approve => "approve",
            ClassAction::Return => "return",
            ClassAction::Start => "start",
            ClassAction::Complete => "complete",
            ClassAction::Cancel => "cancel",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            ClassAction::Submit,
            ClassAction::Approve,
            ClassAction::Return,
            ClassAction::Start,
            ClassAction::Complete,
            ClassAction::Cancel,
        ]
        .into_iter()
        .find(|a| a.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ClassAction::Submit => "提交备案",
            ClassAction::Approve => "备案通过",
            ClassAction::Return => "退回",
            ClassAction::Start => "开班",
            ClassAction::Complete => "结业",
            ClassAction::Cancel => "取消",
        }
    }

    /// Decided by the regulator; the others by the institution.
    pub fn by_regulator(self) -> bool {
        matches!(self, ClassAction::Approve | ClassAction::Return)
    }

    pub fn needs_reason(self) -> bool {
        matches!(self, ClassAction::Return | ClassAction::Cancel)
    }
}

impl ClassStatus {
    pub fn code(self) -> &'static str {
        match self {
            ClassStatus::Draft => "draft",
            ClassStatus::Submitted => "submitted",
            ClassStatus::Approved => "approved",
            ClassStatus::Returned => "returned",
            ClassStatus::InTraining => "in_training",
            ClassStatus::Completed => "completed",
            ClassStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            ClassStatus::Draft,
            ClassStatus::Submitted,
            ClassStatus::Approved,
            ClassStatus::Returned,
            ClassStatus::InTraining,
            ClassStatus::Completed,
            ClassStatus::Cancelled,
        ]
        .into_iter()
        .find(|c| c.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ClassStatus::Draft => "草稿",
            ClassStatus::Submitted => "待备案审核",
            ClassStatus::Approved => "已备案",
            ClassStatus::Returned => "已退回",
            ClassStatus::InTraining => "培训中",
            ClassStatus::Completed => "已结业",
            ClassStatus::Cancelled => "已取消",
        }
    }

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

    /// The class still holds its learners (for "one open enrollment per project").
    pub fn is_open(self) -> bool {
        !matches!(self, ClassStatus::Completed | ClassStatus::Cancelled)
    }
}

/// 巡查 (patrol, announced rounds) and 抽查 (spot check).
pub const INSPECTION_KINDS: [(&str, &str); 2] = [("patrol", "巡查"), ("spot_check", "抽查")];

pub fn inspection_kind_label(code: &str) -> Option<&'static str> {
    INSPECTION_KINDS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
}
