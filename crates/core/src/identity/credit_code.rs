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
        if check_char(&b[..17]) != Some(b[17] as char) {
            return Err(IdentError::Invalid("统一社会信用代码校验位不正确"));
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
        fn generated_codes_round_trip(head in "[159Y][1-9]", region in "[0-9]{6}", body in "[0-9A-HJ-NP-RT-UW-Y]{9}") {
            let first = format!("{head}{region}{body}");
            let c = check_char(first.as_bytes()).unwrap();
            let code = format!("{first}{c}");
            prop_assert!(CreditCode::parse(&code).is_ok());
        }
    }
}
