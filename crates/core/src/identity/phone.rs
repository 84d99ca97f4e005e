//! Mainland mobile phone numbers: 11 digits starting with 1[3-9].

use super::IdentError;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, IdentError> {
        let s: String = input.trim().trim_start_matches("+86").trim().to_string();
        let b = s.as_bytes();
        if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) || b[0] != b'1' || b[1] < b'3' {
            return Err(IdentError::Invalid("手机号码应为11位数字，以13至19开头"));
        }
        Ok(Phone(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({})", crate::mask::phone(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert_eq!(
            Phone::parse("+86 13812345678").unwrap().as_str(),
            "13812345678"
        );
        assert!(Phone::parse("12812345678").is_err());
        assert!(Phone::parse("1381234567").is_err());
        assert!(Phone::parse("1381234567a").is_err());
    }
}
