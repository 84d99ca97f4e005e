//! Review by a regulator or operator: a subject is submitted, then approved or returned
//! with a reason the applicant sees, and (when returned) fixed and submitted again.
//! Declarations, teachers in the pool and registration versions share these states.

crate::coded! {
    /// Where a reviewed subject stands.
    pub enum ReviewStatus {
        Submitted("submitted", "待审核"),
        Approved("approved", "已通过"),
        Returned("returned", "已退回"),
    }
}

crate::coded! {
    /// What is reviewed. The code is also the first part of the audit action
    /// (`org.approve`, `class.return` …).
    pub enum ReviewSubject {
        Organization("org", "机构登记"),
        Declaration("declaration", "工种申报"),
        Teacher("teacher", "师资入库"),
        ClassFiling("class", "培训班备案"),
    }
}

crate::coded! {
    /// A reviewer's decision.
    pub enum Decision {
        Approve("approve", "通过"),
        Return("return", "退回"),
    }
}

impl Decision {
    /// The status a submitted subject moves to.
    pub fn outcome(self) -> ReviewStatus {
        match self {
            Decision::Approve => ReviewStatus::Approved,
            Decision::Return => ReviewStatus::Returned,
        }
    }
}

/// Longest reason a reviewer may write.
pub const MAX_REASON_CHARS: usize = 500;

/// A decision with its reason, checked: returning needs a reason, no reason is too long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub decision: Decision,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerdictError {
    #[error("退回必须填写原因")]
    ReasonRequired,
    #[error("原因不能超过500个字符")]
    ReasonTooLong,
}

impl Verdict {
    pub fn new(decision: Decision, reason: &str) -> Result<Verdict, VerdictError> {
        let reason = reason.trim();
        if decision == Decision::Return && reason.is_empty() {
            return Err(VerdictError::ReasonRequired);
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(VerdictError::ReasonTooLong);
        }
        Ok(Verdict {
            decision,
            reason: reason.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returning_needs_a_reason() {
        assert_eq!(
            Verdict::new(Decision::Return, "  "),
            Err(VerdictError::ReasonRequired)
        );
        assert!(Verdict::new(Decision::Approve, "").is_ok());
        assert_eq!(
            Verdict::new(Decision::Approve, &"字".repeat(501)),
            Err(VerdictError::ReasonTooLong)
        );
        let v = Verdict::new(Decision::Return, " 材料不全 ").unwrap();
        assert_eq!(v.reason, "材料不全");
        assert_eq!(v.decision.outcome(), ReviewStatus::Returned);
    }
}
