//! Free text people type that is not a name (organisation names, addresses, titles,
//! reasons): any printable characters, but no control, invisible or
//! bidirectional-override characters (they hide or reorder what a reviewer reads), and
//! no leading `= + - @` (a spreadsheet exported from the platform would run it).

/// A character a person cannot see or that turns the text around: controls (but line
/// breaks and tabs), zero-width and direction marks, the byte-order mark.
pub fn hidden(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\r' && c != '\t'
        || matches!(c,
            '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}')
}

/// Why `s` cannot be stored as plain text, if it cannot.
pub fn plain_text_problem(s: &str) -> Option<&'static str> {
    let t = s.trim();
    if t.starts_with(['=', '+', '-', '@']) {
        return Some("不能以 = + - @ 开头");
    }
    if t.chars().any(hidden) {
        return Some("不能包含控制字符、不可见字符或文字方向控制字符");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_and_formula_text_is_refused() {
        assert_eq!(plain_text_problem("贵阳市南明区花果园1号"), None);
        assert_eq!(plain_text_problem("多行\n说明"), None);
        assert!(plain_text_problem("=HYPERLINK(\"x\")").is_some());
        assert!(plain_text_problem(" @cmd").is_some());
        assert!(plain_text_problem("名称\u{202E}txt.exe").is_some());
        assert!(plain_text_problem("名\u{200B}称").is_some());
        assert!(plain_text_problem("名\u{0}称").is_some());
    }
}
