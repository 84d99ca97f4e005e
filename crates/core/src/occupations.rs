//! Occupations, work types (工种) and the five skill levels of the national
//! vocational qualification scheme.

crate::coded! {
    /// The rank of a node in the occupation classification.
    pub enum OccupationRank {
        Major("major", "大类"),
        Medium("medium", "中类"),
        Minor("minor", "小类"),
        Occupation("occupation", "职业"),
    }
}

crate::coded! {
    /// Whether a catalogue project is offered.
    pub enum ProjectStatus {
        Published("published", "已发布"),
        Withdrawn("withdrawn", "已撤回"),
    }
}

/// (level number, name): 一级 is the highest.
pub const SKILL_LEVELS: [(i32, &str); 5] = [
    (5, "五级/初级工"),
    (4, "四级/中级工"),
    (3, "三级/高级工"),
    (2, "二级/技师"),
    (1, "一级/高级技师"),
];

pub fn skill_level_label(level: i32) -> Option<&'static str> {
    SKILL_LEVELS
        .iter()
        .find(|(l, _)| *l == level)
        .map(|(_, n)| *n)
}

/// A work type code: 2 to 30 letters, digits or dashes.
pub fn check_work_type_code(code: &str) -> Result<(), &'static str> {
    let n = code.chars().count();
    if !(2..=30).contains(&n) || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err("工种代码应为2至30位字母、数字或减号");
    }
    Ok(())
}

pub fn check_work_type_name(name: &str) -> Result<(), &'static str> {
    let n = name.trim().chars().count();
    if !(2..=50).contains(&n) {
        return Err("工种名称应为2至50个字符");
    }
    Ok(())
}

/// 培训类型 of a catalogue entry (seed 000 §1, issue 3).
pub const TRAINING_TYPES: [(&str, &str); 5] = [
    ("vocational_skill", "职业技能培训"),
    ("special_ability", "专项能力培训"),
    ("labor_brand", "劳务品牌培训"),
    ("public_welfare", "公益性培训"),
    ("entrepreneurship", "创业培训"),
];

/// 业务类别.
pub const BUSINESS_CATEGORIES: [(&str, &str); 4] = [
    ("employment_skill", "就业技能培训"),
    ("post_skill_upgrade", "岗位技能提升培训"),
    ("apprenticeship", "企业新型学徒制培训"),
    ("entrepreneurship", "创业培训"),
];

pub fn training_type_label(code: &str) -> Option<&'static str> {
    TRAINING_TYPES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

pub fn business_category_label(code: &str) -> Option<&'static str> {
    BUSINESS_CATEGORIES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

/// A skill level field: 1 to 5, or 0 for projects without a level (专项能力等).
pub fn check_level(level: i32) -> Result<(), &'static str> {
    if (0..=5).contains(&level) {
        Ok(())
    } else {
        Err("技能等级应为1至5级，或0（不定级）")
    }
}

pub fn level_label(level: i32) -> &'static str {
    skill_level_label(level).unwrap_or("不定级")
}

/// An occupation, work type and level: what a declaration grants or a project trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrainingScope<'a> {
    pub occupation: &'a str,
    /// Empty: the occupation as a whole.
    pub work_type: &'a str,
    /// 1–5, or 0 for no level.
    pub level: i32,
}

/// Whether an approved declaration lets an institution train a project: the same
/// occupation, and the project's work type and level where the project names them. A
/// declaration for one work type or level opens nothing else of its occupation.
pub fn declaration_covers(declared: TrainingScope<'_>, project: TrainingScope<'_>) -> bool {
    declared.occupation == project.occupation
        && (project.work_type.is_empty() || declared.work_type == project.work_type)
        && (project.level == 0 || declared.level == project.level)
}

/// Whether a course package serves a project of the province's training-project
/// catalogue (seed 000 §1.1: occupation, work type and level must agree): the same
/// occupation, and the project's work type and level where the project names them. A
/// course for one level serves no other level of its occupation.
pub fn course_serves(course: TrainingScope<'_>, project: TrainingScope<'_>) -> bool {
    declaration_covers(course, project)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope<'a>(occupation: &'a str, work_type: &'a str, level: i32) -> TrainingScope<'a> {
        TrainingScope {
            occupation,
            work_type,
            level,
        }
    }

    #[test]
    fn a_course_serves_projects_of_its_occupation_work_type_and_level() {
        let c = scope("4-10-01-06", "", 5);
        assert!(course_serves(c, scope("4-10-01-06", "", 5)));
        assert!(course_serves(c, scope("4-10-01-06", "", 0)));
        assert!(!course_serves(c, scope("4-10-01-06", "", 4)));
        assert!(!course_serves(c, scope("4-10-01-06", "wt-yuesao", 5)));
        assert!(!course_serves(c, scope("4-10-01-05", "", 5)));
        let no_level = scope("4-01-02-01", "", 0);
        assert!(course_serves(no_level, scope("4-01-02-01", "", 0)));
        assert!(!course_serves(no_level, scope("4-01-02-01", "", 5)));
        let named = scope("4-03-02-01", "wt-chef", 4);
        assert!(course_serves(named, scope("4-03-02-01", "wt-chef", 4)));
        assert!(course_serves(named, scope("4-03-02-01", "", 4)));
    }

    #[test]
    fn a_declaration_covers_its_own_work_type_and_level_only() {
        let d = scope("4-03-02-01", "wt-chef", 4);
        assert!(declaration_covers(d, scope("4-03-02-01", "wt-chef", 4)));
        assert!(declaration_covers(d, scope("4-03-02-01", "", 0)));
        assert!(declaration_covers(d, scope("4-03-02-01", "wt-chef", 0)));
        assert!(!declaration_covers(d, scope("4-03-02-01", "wt-pastry", 4)));
        assert!(!declaration_covers(d, scope("4-03-02-01", "wt-chef", 3)));
        assert!(!declaration_covers(d, scope("4-03-02-02", "wt-chef", 4)));
        // A declaration of the occupation as a whole does not open a named work type.
        let whole = scope("4-03-02-01", "", 0);
        assert!(declaration_covers(whole, scope("4-03-02-01", "", 0)));
        assert!(!declaration_covers(
            whole,
            scope("4-03-02-01", "wt-chef", 0)
        ));
        assert!(!declaration_covers(whole, scope("4-03-02-01", "", 4)));
    }

    #[test]
    fn levels_and_codes() {
        assert_eq!(skill_level_label(1), Some("一级/高级技师"));
        assert_eq!(skill_level_label(6), None);
        assert!(check_work_type_code("4-01-02-01-01").is_ok());
        assert!(check_work_type_code("x").is_err());
        assert!(check_work_type_code("电工").is_err());
        assert!(check_work_type_name("中式烹调师").is_ok());
        assert!(check_work_type_name(" ").is_err());
    }
}
