//! What the data exchange with the provincial integrated platform shares.

crate::coded! {
    /// A dataset an exchange client may be allowed to pull.
    pub enum Dataset {
        Learners("learners", "学员"),
        Institutions("institutions", "培训机构与企业"),
        Qualifications("qualifications", "培训资质（已批准的工种申报）"),
        Classes("classes", "培训班"),
        /// The evidence log's signed checkpoints, with the witnesses' cosignatures.
        Checkpoints("ledger_checkpoints", "证据日志签名检查点"),
        /// Certificates issued (培训证书信息), with revocations as changes.
        Certificates("certificates", "培训证书信息"),
        /// Skill-level certificates imported from appraisal organisations, linked to
        /// learners (职业技能等级证书信息).
        SkillCertificates("skill_certificates", "职业技能等级证书信息"),
        /// Institutions' subsidy claims as submitted, with their learners' lines
        /// (机构补贴申请信息).
        SubsidyApplications("subsidy_applications", "机构补贴申请信息"),
        /// Each review decision on a claim (机构补贴审批信息).
        SubsidyDecisions("subsidy_decisions", "机构补贴审批信息"),
    }
}

impl Dataset {
    /// A stored list (`learners,classes`): the datasets named; unknown names are dropped.
    pub fn parse_list(s: &str) -> Vec<Dataset> {
        s.split(',')
            .filter_map(|c| Dataset::parse(c.trim()))
            .collect()
    }

    /// The stored form of a list.
    pub fn join(list: &[Dataset]) -> String {
        list.iter().map(|d| d.code()).collect::<Vec<_>>().join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_and_drop_unknown_names() {
        let l = Dataset::parse_list("learners, classes,bogus");
        assert_eq!(l, vec![Dataset::Learners, Dataset::Classes]);
        assert_eq!(Dataset::join(&l), "learners,classes");
        assert!(Dataset::parse_list("").is_empty());
    }
}
