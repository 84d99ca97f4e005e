//! Resident identity card number (公民身份号码), GB 11643-1999.
//! 6-digit region, 8-digit birth date, 3-digit sequence (odd = male), check digit.
//! The foreign permanent resident ID card of 2023 (外国人永久居留身份证) has the same shape
//! and check: `9`, the issuing province (2 digits), the nationality (3 digits, GB/T 2659
//! numeric), then birth date, sequence and check character.

use super::IdentError;
use chrono::NaiveDate;
use serde::Serialize;
use std::fmt;

/// An 18-character resident ID number whose check digit, region and birth date are valid.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct IdNumber(String);

crate::coded! {
    /// From the ID number's 17th digit.
    pub enum Gender {
        Male("male", "男"),
        Female("female", "女"),
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Province-level prefixes in use (GB/T 2260), including Taiwan, Hong Kong and Macao.
/// Province-level codes that begin ID numbers: the 31 mainland provinces, Taiwan (71),
/// and the residence permits of Hong Kong (81), Macao (82) and Taiwan (83) residents.
pub(crate) const PROVINCES: [&str; 35] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82", "83",
];

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (b, w) in first17.iter().zip(WEIGHTS) {
        let d = (*b as char).to_digit(10)?;
        sum += d * w;
    }
    Some(CHECK[(sum % 11) as usize])
}

impl IdNumber {
    /// Parse a typed ID number. Spaces around it are ignored and a lower-case `x` is accepted.
    pub fn parse(input: &str) -> Result<Self, IdentError> {
        let s = input.trim().to_ascii_uppercase();
        if s.chars().count() != 18 {
            return Err(IdentError::Invalid("身份证号码应为18位"));
        }
        let bytes = s.as_bytes();
        if !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err(IdentError::Invalid("身份证号码前17位应为数字"));
        }
        let last = bytes[17] as char;
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(IdentError::Invalid("身份证号码最后一位应为数字或X"));
        }
        if bytes[0] == b'9' {
            // A foreign permanent resident: the issuing province, then a nationality.
            if !PROVINCES.contains(&&s[1..3]) || &s[3..6] == "000" {
                return Err(IdentError::Invalid(
                    "永久居留身份证号码的省份或国籍代码无效",
                ));
            }
        } else if !PROVINCES.contains(&&s[..2]) {
            return Err(IdentError::Invalid("身份证号码的地区码无效"));
        } else if !super::division_history::ever_existed(&s[..6]) {
            return Err(IdentError::Invalid(
                "身份证号码的地区码不存在（既不是现行的，也不是历史上的行政区划代码）",
            ));
        }
        if NaiveDate::parse_from_str(&s[6..14], "%Y%m%d").is_err() || &s[6..8] < "19" {
            return Err(IdentError::Invalid("身份证号码中的出生日期无效"));
        }
        if check_char(&bytes[..17]) != Some(last) {
            return Err(IdentError::Invalid("身份证号码校验位不正确"));
        }
        Ok(IdNumber(s))
    }

    /// Whole years of age on `today`.
    pub fn age_on(&self, today: NaiveDate) -> u32 {
        today.years_since(self.birth_date()).unwrap_or(0)
    }

    /// Parse and also refuse birth dates after `today` (the caller's clock).
    pub fn parse_on(input: &str, today: NaiveDate) -> Result<Self, IdentError> {
        let id = Self::parse(input)?;
        if id.birth_date() > today {
            return Err(IdentError::Invalid("身份证号码中的出生日期晚于今天"));
        }
        Ok(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 6-digit region code of the place of first registration (for a foreign
    /// permanent resident: `9`, the issuing province and the nationality).
    pub fn region_code(&self) -> &str {
        &self.0[..6]
    }

    pub fn birth_date(&self) -> NaiveDate {
        // Checked in `parse`; the fallback is unreachable.
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").unwrap_or_default()
    }

    pub fn gender(&self) -> Gender {
        let d = self.0.as_bytes()[16] - b'0';
        if d % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }
}

impl From<IdNumber> for String {
    fn from(v: IdNumber) -> String {
        v.0
    }
}

impl fmt::Debug for IdNumber {
    // Never print a whole ID number into a log by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", crate::mask::id_number(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn with_check(first17: &str) -> String {
        let c = check_char(first17.as_bytes()).unwrap_or('?');
        format!("{first17}{c}")
    }

    #[test]
    fn region_codes_are_checked_against_current_and_historical_divisions() {
        // 崇文区 was merged into 东城区 in 2010; people born there keep 110103.
        assert!(IdNumber::parse(&with_check("11010319800101001")).is_ok());
        // 毕节市 under the former 毕节地区 (522401, before 2011).
        assert!(IdNumber::parse(&with_check("52240119951203002")).is_ok());
        // A county code that never existed.
        let e = IdNumber::parse(&with_check("52019919900307123")).unwrap_err();
        assert!(e.to_string().contains("地区码不存在"), "{e}");
        // Residence permits of Hong Kong and Taiwan residents.
        assert!(IdNumber::parse(&with_check("81000019900307123")).is_ok());
        assert!(IdNumber::parse(&with_check("83000019900307123")).is_ok());
    }

    #[test]
    fn foreign_permanent_resident_numbers_are_accepted() {
        // 9, issued in Guizhou (52), nationality 840, born 1985-06-01.
        let id = IdNumber::parse(&with_check("95284019850601001")).unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1985, 6, 1).unwrap()
        );
        assert_eq!(id.gender(), Gender::Male);
        // No such province, or no nationality.
        assert!(IdNumber::parse(&with_check("90084019850601001")).is_err());
        assert!(IdNumber::parse(&with_check("95200019850601001")).is_err());
        // The check character still counts.
        let good = with_check("95284019850601001");
        let last = if good.ends_with('1') { '2' } else { '1' };
        assert!(IdNumber::parse(&format!("{}{last}", &good[..17])).is_err());
    }

    #[test]
    fn accepts_valid_and_reads_fields() {
        let s = with_check("52010219900307123");
        let id = IdNumber::parse(&s).unwrap();
        assert_eq!(id.region_code(), "520102");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1990, 3, 7).unwrap()
        );
        assert_eq!(id.gender(), Gender::Male);
        // The well-known example from the standard.
        assert!(IdNumber::parse("11010519491231002X").is_ok());
        assert_eq!(
            IdNumber::parse("11010519491231002x").unwrap().gender(),
            Gender::Female
        );
    }

    #[test]
    fn refuses_bad_ones_with_reasons() {
        let good = with_check("52010219900307123");
        let mut bad_check = good.clone();
        bad_check.replace_range(17.., if good.ends_with('0') { "1" } else { "0" });
        assert_eq!(
            IdNumber::parse(&bad_check).unwrap_err().to_string(),
            "身份证号码校验位不正确"
        );
        assert!(IdNumber::parse("1234").is_err());
        assert!(IdNumber::parse(&with_check("99010219900307123")).is_err());
        assert_eq!(
            IdNumber::parse(&with_check("52010219900230123"))
                .unwrap_err()
                .to_string(),
            "身份证号码中的出生日期无效"
        );
        assert!(IdNumber::parse("5201021990030712一").is_err());
        let future = with_check("52010220990101123");
        assert!(IdNumber::parse(&future).is_ok());
        assert!(IdNumber::parse_on(&future, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()).is_err());
    }

    #[test]
    fn debug_is_masked() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(format!("{id:?}"), "IdNumber(110105********002X)");
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,24}") {
            let _ = IdNumber::parse(&s);
        }

        #[test]
        fn any_valid_body_with_its_check_digit_parses(
            region in prop::sample::select(
                super::super::division_history::codes()
                    .filter(|c| PROVINCES.contains(&&c[..2]))
                    .collect::<Vec<_>>()
            ),
            days in 0i64..40000,
            seq in "[0-9]{3}",
        ) {
            let date = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap() + chrono::Duration::days(days);
            let body = format!("{region}{}{seq}", date.format("%Y%m%d"));
            let id = IdNumber::parse(&with_check(&body)).unwrap();
            prop_assert_eq!(id.birth_date(), date);
        }

        #[test]
        fn a_single_changed_digit_is_detected(pos in 0usize..17, delta in 1u8..10) {
            let good = with_check("52010219900307123");
            let mut b = good.clone().into_bytes();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let s = String::from_utf8(b).unwrap();
            // Either the changed digit broke the region/date, or the check digit catches it.
            prop_assert!(IdNumber::parse(&s).is_err());
        }
    }
}
