//! Training institutions, enterprises and course providers: what kind they are, and the
//! life of their registration with the reviewer (submitted → approved or returned →
//! resubmitted …, then suspended, reinstated or revoked). Only the transitions listed
//! here exist.

crate::coded! {
    /// What kind of organisation registered.
    pub enum OrgKind {
        Institution("institution", "培训机构"),
        Enterprise("enterprise", "企业"),
        /// A course provider (课程资源方): a third-party course platform or a course
        /// company. Reviewed by the platform's operators, not by a region's regulator;
        /// publishes course packages and never trains learners itself.
        Provider("provider", "课程资源方"),
    }
}

impl OrgKind {
    /// Whether this kind trains learners: opens classes, enrols and imports learners,
    /// keeps teachers.
    pub fn trains(self) -> bool {
        matches!(self, OrgKind::Institution | OrgKind::Enterprise)
    }

    /// The permission that decides this kind's registration: a region's regulator for
    /// those who train, the platform's operators for course providers.
    pub fn reviewed_with(self) -> crate::accounts::Permission {
        if self.trains() {
            crate::accounts::Permission::ReviewOrganizations
        } else {
            crate::accounts::Permission::ReviewProviders
        }
    }
}

/// 机构性质, as listed in seed 001 §1.
pub const NATURES: [(&str, &str); 6] = [
    ("hrss_direct", "人社直管培训机构"),
    ("hrss_entrusted", "人社代管培训机构"),
    ("vocational_school", "职业院校或技工院校"),
    ("other_qualified", "其他具有培训资质的机构"),
    ("employment_training_center", "就业训练中心"),
    ("private", "民办职业培训机构"),
];

/// 机构类型.
pub const INSTITUTION_TYPES: [(&str, &str); 2] = [
    ("ordinary", "普通培训机构"),
    ("advanced", "高级技能人才培训机构"),
];

pub fn nature_label(code: &str) -> Option<&'static str> {
    NATURES.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

pub fn institution_type_label(code: &str) -> Option<&'static str> {
    INSTITUTION_TYPES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

crate::coded! {
    /// Where a registration is in its life.
    pub enum OrgStatus {
        /// Waiting for the regulator.
        Submitted("submitted", "待审核"),
        /// Verified; may operate.
        Approved("approved", "已通过"),
        /// Sent back with a reason; the organisation fixes and resubmits.
        Returned("returned", "已退回"),
        /// Temporarily barred (e.g. failed annual review); may be reinstated.
        Suspended("suspended", "已暂停"),
        /// Permanently barred.
        Revoked("revoked", "已撤销"),
    }
}

crate::coded! {
    /// Something a person or regulator does to a registration.
    pub enum OrgAction {
        Resubmit("resubmit", "重新提交"),
        Approve("approve", "审核通过"),
        Return("return", "退回"),
        Suspend("suspend", "暂停"),
        Reinstate("reinstate", "恢复"),
        Revoke("revoke", "撤销"),
    }
}

crate::coded! {
    /// The result of an annual review (年审).
    pub enum AnnualResult {
        Passed("passed", "合格"),
        Failed("failed", "不合格"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("当前状态为“{from}”，不能{action}")]
pub struct TransitionError {
    pub from: &'static str,
    pub action: &'static str,
}

impl OrgAction {
    /// Actions that must carry a written reason.
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            OrgAction::Return | OrgAction::Suspend | OrgAction::Revoke
        )
    }

    /// Actions only a regulator may take (the organisation itself only resubmits).
    pub fn by_regulator(self) -> bool {
        self != OrgAction::Resubmit
    }
}

impl OrgStatus {
    /// The state after `action`, or why it is not allowed.
    pub fn apply(self, action: OrgAction) -> Result<OrgStatus, TransitionError> {
        use OrgAction as A;
        use OrgStatus as S;
        match (self, action) {
            (S::Returned, A::Resubmit) => Ok(S::Submitted),
            (S::Submitted, A::Approve) => Ok(S::Approved),
            (S::Submitted, A::Return) => Ok(S::Returned),
            (S::Approved, A::Suspend) => Ok(S::Suspended),
            (S::Suspended, A::Reinstate) => Ok(S::Approved),
            (S::Approved | S::Suspended, A::Revoke) => Ok(S::Revoked),
            _ => Err(TransitionError {
                from: self.label(),
                action: action.label(),
            }),
        }
    }

    /// Whether the organisation may open classes and buy courses.
    pub fn may_operate(self) -> bool {
        self == OrgStatus::Approved
    }

    /// Whether the organisation may change its registration details.
    pub fn editable(self) -> bool {
        self == OrgStatus::Returned
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ALL_S: [OrgStatus; 5] = [
        OrgStatus::Submitted,
        OrgStatus::Approved,
        OrgStatus::Returned,
        OrgStatus::Suspended,
        OrgStatus::Revoked,
    ];
    const ALL_A: [OrgAction; 6] = [
        OrgAction::Resubmit,
        OrgAction::Approve,
        OrgAction::Return,
        OrgAction::Suspend,
        OrgAction::Reinstate,
        OrgAction::Revoke,
    ];

    #[test]
    fn the_registration_path() {
        let s = OrgStatus::Submitted.apply(OrgAction::Return).unwrap();
        assert!(s.editable() && !s.may_operate());
        let s = s
            .apply(OrgAction::Resubmit)
            .unwrap()
            .apply(OrgAction::Approve)
            .unwrap();
        assert!(s.may_operate());
        let s = s.apply(OrgAction::Suspend).unwrap();
        assert!(!s.may_operate());
        let s = s
            .apply(OrgAction::Reinstate)
            .unwrap()
            .apply(OrgAction::Revoke)
            .unwrap();
        assert_eq!(s, OrgStatus::Revoked);
        let e = s.apply(OrgAction::Reinstate).unwrap_err();
        assert_eq!(e.to_string(), "当前状态为“已撤销”，不能恢复");
        for c in ALL_S.map(OrgStatus::code) {
            assert_eq!(OrgStatus::parse(c).map(OrgStatus::code), Some(c));
        }
        for a in ALL_A {
            assert_eq!(OrgAction::parse(a.code()), Some(a));
        }
    }

    proptest! {
        #[test]
        fn revoked_is_final_and_only_approved_operates(actions in prop::collection::vec(0usize..6, 0..20)) {
            let mut s = OrgStatus::Submitted;
            let mut was_revoked = false;
            for i in actions {
                if let Ok(next) = s.apply(ALL_A[i]) {
                    prop_assert!(!was_revoked, "left revoked");
                    s = next;
                }
                was_revoked |= s == OrgStatus::Revoked;
                prop_assert_eq!(s.may_operate(), s == OrgStatus::Approved);
            }
        }
    }
}
