//! Bank account numbers (银行账号): 8 to 30 digits; spaces and dashes typed for
//! readability are dropped.

use super::IdentError;

#[derive(Clone, PartialEq, Eq)]
pub struct BankAccount(String);

impl BankAccount {
    pub fn parse(input: &str) -> Result<Self, IdentError> {
        let s: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if !(8..=30).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdentError::Invalid("银行账号应为8至30位数字"));
        }
        Ok(BankAccount(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for BankAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BankAccount({})", crate::mask::bank_account(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts() {
        assert_eq!(
            BankAccount::parse("6222 0212 3456 7890 123")
                .unwrap()
                .as_str(),
            "6222021234567890123"
        );
        assert!(BankAccount::parse("1234567").is_err());
        assert!(BankAccount::parse("62220212345678901a").is_err());
        assert!(BankAccount::parse("银行账号").is_err());
    }
}
