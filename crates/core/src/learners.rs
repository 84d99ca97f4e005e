//! Learners: person categories (seeds 001 §3, 003 §5.1) and education levels, each a
//! code stored in the database and a Chinese name shown and accepted in spreadsheets.

pub const PERSON_CATEGORIES: [(&str, &str); 15] = [
    ("poor_family_child", "贫困家庭子女"),
    ("graduate", "毕业年度高校毕业生"),
    ("unpromoted_graduate", "城乡未继续升学的应届初高中毕业生"),
    ("rural_migrant", "农村转移就业劳动者"),
    ("urban_unemployed", "城镇登记失业人员"),
    ("enterprise_employee", "企业职工"),
    ("veteran", "退役军人"),
    ("hard_to_employ", "就业困难人员（含残疾人）"),
    ("poverty_alleviated", "脱贫人口"),
    ("low_income", "低收入农户和城乡低保对象"),
    ("entrepreneur", "有创业意愿的劳动者"),
    ("farmer", "职业农民和农村实用人才"),
    ("hazardous_worker", "高危行业及特种作业人员"),
    ("flexible_worker", "个体工商户用工和灵活就业人员"),
    ("other", "其他"),
];

pub const EDUCATION_LEVELS: [(&str, &str); 6] = [
    ("primary", "小学及以下"),
    ("junior", "初中"),
    ("senior", "高中/中专/技校"),
    ("college", "大专"),
    ("bachelor", "本科"),
    ("postgraduate", "研究生"),
];

crate::coded! {
    /// How a learner came onto the platform.
    pub enum LearnerSource {
        SelfRegistered("self", "自行注册"),
        Imported("import", "机构导入"),
    }
}

crate::coded! {
    /// An organisation's request to count a person already on the platform among its
    /// learners; the person answers it in 我的培训.
    pub enum LinkRequestStatus {
        Pending("pending", "待本人确认"),
        Accepted("accepted", "已同意"),
        Declined("declined", "已拒绝"),
    }
}

crate::coded! {
    /// How a bulk import treats a file with bad rows.
    pub enum ImportMode {
        /// Nothing is imported unless every row is good.
        AllOrNothing("all_or_nothing", "全部正确才导入"),
        /// Good rows are imported, bad rows reported.
        GoodOnly("good_only", "只导入正确的行"),
    }
}

crate::coded! {
    /// Where a bulk import job is.
    pub enum ImportStatus {
        Checking("checking", "正在检查"),
        Importing("importing", "正在导入"),
        Done("done", "已完成"),
        /// All-or-nothing with bad rows: nothing imported.
        Rejected("rejected", "有错误，未导入"),
        Failed("failed", "失败"),
    }
}

impl ImportStatus {
    /// Still running (a job in these states when the process stopped was cut off).
    pub fn running(self) -> bool {
        matches!(self, ImportStatus::Checking | ImportStatus::Importing)
    }
}

fn find(list: &[(&'static str, &'static str)], s: &str) -> Option<(&'static str, &'static str)> {
    let s = s.trim();
    list.iter().find(|(c, l)| *c == s || *l == s).copied()
}

/// A person category by code or by its Chinese name (as typed in a spreadsheet).
pub fn person_category(s: &str) -> Option<(&'static str, &'static str)> {
    find(&PERSON_CATEGORIES, s)
}

pub fn education(s: &str) -> Option<(&'static str, &'static str)> {
    find(&EDUCATION_LEVELS, s)
}

/// The age a learner must have reached (the Labour Law's minimum working age).
pub const MIN_LEARNER_AGE: u32 = 16;

/// A name as stored once it passed `check_person_name`: trimmed, one form of the
/// middle dot, single spaces.
pub fn normal_person_name(s: &str) -> String {
    crate::PersonName::parse(s)
        .map(|n| n.as_str().to_string())
        .unwrap_or_else(|_| s.trim().to_string())
}

/// A person's name under the one rule of `PersonName`.
pub fn check_person_name(s: &str) -> Result<(), &'static str> {
    crate::PersonName::parse(s)
        .map(|_| ())
        .map_err(|crate::identity::IdentError::Invalid(m)| m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_by_code_or_name() {
        assert_eq!(person_category("veteran").map(|c| c.1), Some("退役军人"));
        assert_eq!(
            person_category(" 企业职工 ").map(|c| c.0),
            Some("enterprise_employee")
        );
        assert!(person_category("外星人").is_none());
        assert_eq!(education("本科").map(|c| c.0), Some("bachelor"));
        assert!(check_person_name("陈学员").is_ok());
        assert!(check_person_name("陈").is_err());
        assert!(check_person_name("陈1").is_err());
    }
}
