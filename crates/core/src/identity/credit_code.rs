//! Unified social credit code (统一社会信用代码), GB 32100-2015.
//! 18 characters from a 31-symbol alphabet (no I, O, Z, S, V); the last is a mod-31 check.

use super::IdentError;
use serde::Serialize;
use std::fmt;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct CreditCode(String);

fn value(b: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == b).map(|p| p as u32)
}

/// The check character for the first 17 characters, if they are all in the alphabet.
pub fn check_char(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (b, w) in first17.iter().zip(WEIGHTS) {
        sum += value(*b)? * w;
    }
    let c = (31 - sum % 31) % 31;
    Some(ALPHABET[c as usize] as char)
}

/// GB 11714 check character of the 8-character organisation code body (digits and
/// capital letters, A = 10 … Z = 35): '0'–'9' or 'X'.
pub fn org_check_char(body8: &[u8]) -> Option<char> {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    if body8.len() != 8 {
        return None;
    }
    let mut sum = 0;
    for (b, w) in body8.iter().zip(W) {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return None,
        };
        sum += v * w;
    }
    match 11 - sum % 11 {
        10 => Some('X'),
        11 => Some('0'),
        c => char::from_digit(c, 10),
    }
}

/// A whole code from its first 16 characters: the organisation code's check character
/// (17th) and the code's own (18th) computed. For test and demo data.
pub fn complete(first16: &str) -> Option<String> {
    let b = first16.as_bytes();
    if b.len() != 16 {
        return None;
    }
    let inner = org_check_char(&b[8..16])?;
    let first17 = format!("{first16}{inner}");
    let last = check_char(first17.as_bytes())?;
    Some(format!("{first17}{last}"))
}

impl CreditCode {
    pub fn parse(input: &str) -> Result<Self, IdentError> {
        let s = input.trim().to_ascii_uppercase();
        if s.chars().count() != 18 {
            return Err(IdentError::Invalid("统一社会信用代码应为18位"));
        }
        let b = s.as_bytes();
        if !b.iter().all(|c| value(*c).is_some()) {
            return Err(IdentError::Invalid(
                "统一社会信用代码只能包含数字和大写字母（不含I、O、Z、S、V）",
            ));
        }
        if !b[2..8].iter().all(u8::is_ascii_digit) {
            return Err(IdentError::Invalid(
                "统一社会信用代码第3至8位应为行政区划码",
            ));
        }
        // The registering authority's region: a province-level code (or 10, the
        // central authorities). The six digits are not checked against today's
        // divisions: a code keeps the county it was issued under.
        if &s[2..4] != "10" && !super::id_number::PROVINCES.contains(&&s[2..4]) {
            return Err(IdentError::Invalid(
                "统一社会信用代码第3至8位的行政区划码无效",
            ));
        }
        if check_char(&b[..17]) != Some(b[17] as char) {
            return Err(IdentError::Invalid("统一社会信用代码校验位不正确"));
        }
        // Characters 9–17 are the organisation code (GB 11714) with its own check.
        if org_check_char(&b[8..16]) != Some(b[16] as char) {
            return Err(IdentError::Invalid(
                "统一社会信用代码第9至17位（组织机构代码）校验位不正确",
            ));
        }
        Ok(CreditCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 6-digit region code of the registering authority.
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }
}

impl From<CreditCode> for String {
    fn from(v: CreditCode) -> String {
        v.0
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_codes() {
        // Published codes of real organisations.
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert!(CreditCode::parse("91110000600037341L").is_ok());
        assert_eq!(
            CreditCode::parse("91350100M000100Y44")
                .unwrap_err()
                .to_string(),
            "统一社会信用代码校验位不正确"
        );
        assert!(CreditCode::parse("9135010OM000100Y43").is_err());
        // A right final check over a wrong organisation-code check.
        let wrong_inner = format!(
            "91350100M000100Y5{}",
            check_char(b"91350100M000100Y5").unwrap()
        );
        assert_eq!(
            CreditCode::parse(&wrong_inner).unwrap_err().to_string(),
            "统一社会信用代码第9至17位（组织机构代码）校验位不正确"
        );
        // A region that is no province.
        let nowhere = complete("91990100M000100Y").unwrap();
        assert!(CreditCode::parse(&nowhere).is_err());
        let made = complete("91520102MA6TEXT0").unwrap();
        assert!(CreditCode::parse(&made).is_ok(), "{made}");
        assert_eq!(org_check_char(b"60003734"), Some('1'));
        assert!(CreditCode::parse("short").is_err());
        assert_eq!(
            CreditCode::parse(" 91350100m000100y43 ")
                .unwrap()
                .region_code(),
            "350100"
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,24}") {
            let _ = CreditCode::parse(&s);
        }

        #[test]
        fn generated_codes_round_trip(head in "[159Y][1-9]", province in 0usize..35, county in "[0-9]{4}", body in "[0-9A-HJ-NP-RT-UW-Y]{8}") {
            let region = format!("{}{county}", super::super::id_number::PROVINCES[province]);
            let code = complete(&format!("{head}{region}{body}")).unwrap();
            prop_assert!(CreditCode::parse(&code).is_ok(), "{}", code);
            // Any other organisation-code check character is refused.
            for other in "0123456789X".chars().filter(|c| *c != code.as_bytes()[16] as char) {
                let first17 = format!("{}{other}", &code[..16]);
                let wrong = format!("{first17}{}", check_char(first17.as_bytes()).unwrap());
                prop_assert!(CreditCode::parse(&wrong).is_err());
            }
        }
    }
}
