//! Masking of personal data for display: keep enough to recognise, hide the rest.
//! Works on characters, never on bytes, so Chinese input cannot split a code point.

fn keep_ends(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// 520102199003071234 → 520102********1234
pub fn id_number(s: &str) -> String {
    keep_ends(s, 6, 4)
}

/// 13812345678 → 138****5678
pub fn phone(s: &str) -> String {
    keep_ends(s, 3, 4)
}

/// 6222021234567890123 → 6222***********0123
pub fn bank_account(s: &str) -> String {
    keep_ends(s, 4, 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(id_number("520102199003071234"), "520102********1234");
        assert_eq!(phone("13812345678"), "138****5678");
        assert_eq!(bank_account("6222021234567890123"), "6222***********0123");
        assert_eq!(phone("123"), "***");
        assert_eq!(phone("一二三四五六七八"), "一二三*五六七八");
    }
}
