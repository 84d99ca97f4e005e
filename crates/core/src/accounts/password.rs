//! Password policy: at least 8 characters and at least 3 of the 4 character classes
//! (lower case, upper case, digits, other symbols).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    #[error("密码至少需要8个字符")]
    TooShort,
    #[error("密码过长（最多128个字符）")]
    TooLong,
    #[error("密码需包含大写字母、小写字母、数字、符号中的至少三类")]
    TooFewClasses,
}

pub fn check_password_policy(pw: &str) -> Result<(), PasswordPolicyError> {
    let n = pw.chars().count();
    if n < 8 {
        return Err(PasswordPolicyError::TooShort);
    }
    if n > 128 {
        return Err(PasswordPolicyError::TooLong);
    }
    let lower = pw.chars().any(|c| c.is_ascii_lowercase());
    let upper = pw.chars().any(|c| c.is_ascii_uppercase());
    let digit = pw.chars().any(|c| c.is_ascii_digit());
    let other = pw.chars().any(|c| !c.is_ascii_alphanumeric());
    if [lower, upper, digit, other].iter().filter(|x| **x).count() < 3 {
        return Err(PasswordPolicyError::TooFewClasses);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert_eq!(
            check_password_policy("Ab1!"),
            Err(PasswordPolicyError::TooShort)
        );
        assert_eq!(
            check_password_policy("abcdefgh1"),
            Err(PasswordPolicyError::TooFewClasses)
        );
        assert!(check_password_policy("abcdefG1").is_ok());
        assert!(check_password_policy("abcdef1!").is_ok());
        assert!(check_password_policy("技能培训abc12").is_ok());
        assert_eq!(
            check_password_policy(&"aA1".repeat(50)),
            Err(PasswordPolicyError::TooLong)
        );
    }
}
