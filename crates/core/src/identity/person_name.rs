//! People's names, one rule everywhere a person's name is typed: learners, teachers,
//! legal representatives, contacts. Chinese names (including ethnic-minority names
//! joined by the middle dot, 买买提·艾力), and foreign names in Latin letters
//! (Jean-Pierre O'Neil). Nothing else: no digits, no symbols, no emoji, no control,
//! invisible or bidirectional-override characters, and so no leading `= + - @` that a
//! spreadsheet would run as a formula.

use super::IdentError;
use std::fmt;

/// A name as accepted: trimmed, the middle dot in one form (U+00B7), single spaces.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

const MIN_CHARS: usize = 2;
const MAX_CHARS: usize = 40;
const MIDDLE_DOT: char = '\u{00B7}';

fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}'      // extension A
        | '\u{4E00}'..='\u{9FFF}'    // unified ideographs
        | '\u{F900}'..='\u{FAFF}'    // compatibility ideographs
        | '\u{20000}'..='\u{2EBEF}'  // extensions B–F (rare characters in names)
        | '\u{30000}'..='\u{323AF}') // extensions G–H
}

/// The dots people type between the parts of a minority name.
fn is_dot(c: char) -> bool {
    matches!(
        c,
        '\u{00B7}' | '\u{2022}' | '\u{2027}' | '\u{2219}' | '\u{30FB}' | '\u{FF65}' | '\u{FF0E}'
    )
}

impl PersonName {
    pub fn parse(input: &str) -> Result<Self, IdentError> {
        let mut out = String::with_capacity(input.len());
        let mut last_sep = true; // at the start, as after a separator
        for c in input.trim().chars() {
            let c = if is_dot(c) {
                MIDDLE_DOT
            } else if c == '\u{3000}' {
                // The full-width space of Chinese input methods.
                ' '
            } else {
                c
            };
            let letter = is_han(c) || c.is_ascii_alphabetic();
            let sep = matches!(c, MIDDLE_DOT | ' ' | '-' | '\'');
            if !(letter || sep || c == '.') {
                return Err(IdentError::Invalid(
                    "姓名只能包含汉字、字母和间隔号“·”，不能有数字、符号、表情或不可见字符",
                ));
            }
            if c == ' ' && out.ends_with(' ') {
                continue;
            }
            if sep && last_sep {
                return Err(IdentError::Invalid(
                    "姓名中的间隔号、空格或连字符位置不正确",
                ));
            }
            // An initial's full stop follows a letter ("J. Smith").
            if c == '.' && !out.chars().last().is_some_and(|p| p.is_ascii_alphabetic()) {
                return Err(IdentError::Invalid(
                    "姓名中的间隔号、空格或连字符位置不正确",
                ));
            }
            last_sep = sep;
            out.push(c);
        }
        if last_sep && !out.is_empty() {
            return Err(IdentError::Invalid(
                "姓名中的间隔号、空格或连字符位置不正确",
            ));
        }
        let n = out.chars().count();
        if !(MIN_CHARS..=MAX_CHARS).contains(&n) {
            return Err(IdentError::Invalid("姓名应为2至40个字符"));
        }
        Ok(PersonName(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonName({})", self.0)
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_people_have() {
        for (typed, kept) in [
            ("王五", "王五"),
            (" 欧阳 娜娜 ", "欧阳 娜娜"),
            ("买买提•艾力", "买买提·艾力"),
            ("阿依古丽・吐尔逊", "阿依古丽·吐尔逊"),
            ("Jean-Pierre  O'Neil", "Jean-Pierre O'Neil"),
            ("J. Smith", "J. Smith"),
            ("𠮷田", "𠮷田"),
        ] {
            assert_eq!(PersonName::parse(typed).unwrap().as_str(), kept, "{typed}");
        }
    }

    #[test]
    fn what_the_probe_typed_is_refused() {
        for bad in [
            "王\u{0}五",
            "王\u{202E}五",
            "王\u{200B}五",
            "王\n五",
            "王五😀",
            "+王五",
            "-王五",
            "@王五",
            "=SUM(A1)",
            "王&五",
            "王五1",
            "·王五",
            "王五·",
            "王··五",
            "王",
            "",
            ".王",
        ] {
            assert!(PersonName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(PersonName::parse(&"王".repeat(41)).is_err());
    }

    proptest! {
        #[test]
        fn accepted_names_hold_only_letters_and_separators(s in "\\PC{0,50}") {
            if let Ok(n) = PersonName::parse(&s) {
                let first = n.as_str().chars().next().unwrap();
                prop_assert!(is_han(first) || first.is_ascii_alphabetic());
                prop_assert!(n.as_str().chars().all(|c| is_han(c) || c.is_ascii_alphabetic() || matches!(c, '·' | ' ' | '-' | '\'' | '.')));
                prop_assert_eq!(PersonName::parse(n.as_str()).unwrap(), n.clone());
            }
        }
    }
}
