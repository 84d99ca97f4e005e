//! Skill-level certificates (职业技能等级证书, seed 001 §11): issued by appraisal
//! organisations (评价机构) outside the platform and imported from their result sheets,
//! so a learner's lifelong record shows every level they hold and when they got it.
//!
//! What a row of the import sheet may hold: the certificate number as the appraisal
//! organisation printed it, the occupation (work type) code, the level (1 to 5, by number
//! or by name), the organisation's name and the date of issue.

use chrono::NaiveDate;

/// The import sheet's columns, in order.
pub const HEADERS: [&str; 7] = [
    "姓名",
    "身份证号",
    "证书编号",
    "职业（工种）编码",
    "等级",
    "评价机构",
    "发证日期",
];

/// Most rows in one import.
pub const MAX_ROWS: usize = 5000;

/// A certificate number as printed: 6 to 40 letters, digits or dashes, kept in upper case.
pub fn parse_number(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    let n = s.chars().count();
    if !(6..=40).contains(&n) || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err("证书编号应为6至40位字母、数字或短横线");
    }
    Ok(s.to_ascii_uppercase())
}

/// A level: 1 to 5, or its name (一级 … 五级, 高级技师 … 初级工, or both as the catalogue
/// writes them, 三级/高级工).
pub fn parse_level(s: &str) -> Result<i32, &'static str> {
    let s = s.trim();
    const NAMES: [(i32, &str, &str); 5] = [
        (1, "一级", "高级技师"),
        (2, "二级", "技师"),
        (3, "三级", "高级工"),
        (4, "四级", "中级工"),
        (5, "五级", "初级工"),
    ];
    if let Ok(n) = s.parse::<i32>()
        && (1..=5).contains(&n)
    {
        return Ok(n);
    }
    for (n, a, b) in NAMES {
        if s == a || s == b || s == format!("{a}/{b}") || s == format!("{a}（{b}）") {
            return Ok(n);
        }
    }
    Err("等级应为1至5，或“三级/高级工”这样的等级名称")
}

/// An appraisal organisation's name: 2 to 100 characters on one line.
pub fn parse_issuer(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    let n = s.chars().count();
    if !(2..=100).contains(&n) || s.chars().any(char::is_control) {
        return Err("评价机构名称应为2至100个字符");
    }
    Ok(s.to_string())
}

/// A date of issue: `2026-11-20`, `2026/11/20`, `2026.11.20` or `2026年11月20日`, or a
/// date cell (Excel's serial day number); not after `today` nor before 1990.
pub fn parse_date(s: &str, today: NaiveDate) -> Result<NaiveDate, &'static str> {
    let s = s.trim();
    let d = if let Ok(serial) = s.parse::<f64>() {
        // Excel counts days from 1899-12-30 (its 1900 leap-year slip included).
        NaiveDate::from_ymd_opt(1899, 12, 30)
            .filter(|_| (1.0..100_000.0).contains(&serial))
            .and_then(|base| base.checked_add_days(chrono::Days::new(serial.floor() as u64)))
    } else {
        let t = s.replace(['/', '.', '年', '月'], "-").replace('日', "");
        // A date cell read as text may carry a time of day.
        let t = t.split([' ', 'T']).next().unwrap_or("");
        NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()
    };
    let d = d.ok_or("发证日期格式应为 2026-11-20")?;
    if d > today {
        return Err("发证日期不能晚于今天");
    }
    if d < NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or(d) {
        return Err("发证日期不能早于1990年");
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    }

    #[test]
    fn cells_as_people_type_them() {
        assert_eq!(parse_number(" s0000520000012 ").unwrap(), "S0000520000012");
        assert!(parse_number("12345").is_err() && parse_number("编号123456").is_err());
        assert_eq!(parse_level("3"), Ok(3));
        assert_eq!(parse_level("三级/高级工"), Ok(3));
        assert_eq!(parse_level("技师"), Ok(2));
        assert_eq!(parse_level("五级（初级工）"), Ok(5));
        assert!(parse_level("6").is_err() && parse_level("高级").is_err());
        let d = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        for s in [
            "2026-11-20",
            "2026/11/20",
            "2026.11.20",
            "2026年11月20日",
            "2026-11-20 00:00:00",
            "46346",
        ] {
            assert_eq!(parse_date(s, today()), Ok(d), "{s}");
        }
        assert!(parse_date("2026-12-07", today()).is_err());
        assert!(parse_date("1989-12-31", today()).is_err());
        assert!(parse_date("20261120", today()).is_err());
        assert!(parse_issuer("贵州省职业技能鉴定指导中心").is_ok() && parse_issuer("x").is_err());
    }

    proptest! {
        /// Any date from 1990 to today reads back from each way of writing it.
        #[test]
        fn every_written_form_reads_back(days in 0u64..13_000) {
            let d = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap().checked_add_days(chrono::Days::new(days)).unwrap();
            prop_assume!(d <= today());
            let forms = [d.format("%Y-%m-%d").to_string(), d.format("%Y/%m/%d").to_string(), d.format("%Y年%m月%d日").to_string()];
            for f in forms {
                prop_assert_eq!(parse_date(&f, today()), Ok(d));
            }
        }
    }
}
