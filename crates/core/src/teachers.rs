//! Teachers (师资): levels and the checks on what an institution enters.

pub const TEACHER_LEVELS: [(&str, &str); 4] = [
    ("junior", "初级讲师"),
    ("intermediate", "中级讲师"),
    ("senior", "高级讲师"),
    ("expert", "专家讲师"),
];

pub fn teacher_level_label(code: &str) -> Option<&'static str> {
    TEACHER_LEVELS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

/// Years of teaching: 0 to 60.
pub fn check_years(y: i32) -> Result<(), &'static str> {
    if (0..=60).contains(&y) {
        Ok(())
    } else {
        Err("任教年限应为0至60之间的整数")
    }
}

/// Whether two date ranges (inclusive, ISO dates) overlap.
pub fn overlaps(a_start: &str, a_end: &str, b_start: &str, b_end: &str) -> bool {
    a_start <= b_end && b_start <= a_end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_levels() {
        assert!(overlaps(
            "2026-01-01",
            "2026-01-10",
            "2026-01-10",
            "2026-01-20"
        ));
        assert!(!overlaps(
            "2026-01-01",
            "2026-01-09",
            "2026-01-10",
            "2026-01-20"
        ));
        assert!(overlaps(
            "2026-01-05",
            "2026-01-06",
            "2026-01-01",
            "2026-01-31"
        ));
        assert_eq!(teacher_level_label("senior"), Some("高级讲师"));
        assert!(check_years(61).is_err() && check_years(0).is_ok());
    }
}
