//! Money in fen (分), never floating point. Parsed from yuan as typed ("1200", "1200.5",
//! "1,200.50") and shown as "1200.50".

use std::fmt;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Fen(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("金额格式不正确，应为不超过两位小数的非负数（单位：元）")]
pub struct MoneyError;

/// The largest amount accepted from input: 100 million yuan.
const MAX_FEN: i64 = 100_000_000 * 100;

impl Fen {
    pub fn parse_yuan(input: &str) -> Result<Fen, MoneyError> {
        let s: String = input
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '，')
            .collect();
        let s = s.trim_start_matches('¥').trim_end_matches('元');
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        if int.is_empty()
            || int.len() > 12
            || !int.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 2
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(MoneyError);
        }
        let yuan: i64 = int.parse().map_err(|_| MoneyError)?;
        let mut cents: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| MoneyError)?
        };
        if frac.len() == 1 {
            cents *= 10;
        }
        let fen = yuan
            .checked_mul(100)
            .and_then(|f| f.checked_add(cents))
            .ok_or(MoneyError)?;
        if fen > MAX_FEN {
            return Err(MoneyError);
        }
        Ok(Fen(fen))
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parse_and_show() {
        assert_eq!(Fen::parse_yuan("1200").unwrap(), Fen(120_000));
        assert_eq!(Fen::parse_yuan("1,200.5").unwrap(), Fen(120_050));
        assert_eq!(Fen::parse_yuan(" ¥0.05 ").unwrap(), Fen(5));
        assert_eq!(Fen(120_050).to_string(), "1200.50");
        for bad in ["", "-1", "1.234", "abc", "1.2.3", ".5", "100000001"] {
            assert!(Fen::parse_yuan(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn round_trips(f in 0i64..MAX_FEN) {
            prop_assert_eq!(Fen::parse_yuan(&Fen(f).to_string()), Ok(Fen(f)));
        }

        #[test]
        fn never_panics(s in "\\PC{0,20}") {
            let _ = Fen::parse_yuan(&s);
        }
    }
}
