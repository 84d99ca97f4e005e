//! Every six-digit division code an ID number may begin with: the current divisions and
//! those of 1980–2020 that have since been abolished or renumbered (a person keeps the
//! code their number was issued under). Built by `scripts/division-history.sh`; sources
//! and licence in `crates/core/data/SOURCES.md`.

/// Sorted, one code per line: seven bytes a line.
static CODES: &str = include_str!("../../data/division-codes-ever.txt");
const LINE: usize = 7;

/// Whether `code` is, or once was, a division code.
pub fn ever_existed(code: &str) -> bool {
    let code = code.as_bytes();
    if code.len() != 6 {
        return false;
    }
    let all = CODES.as_bytes();
    let (mut lo, mut hi) = (0, all.len() / LINE);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let at = &all[mid * LINE..mid * LINE + 6];
        match at.cmp(code) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
        }
    }
    false
}

/// All the codes, in order.
#[cfg(test)]
pub(crate) fn codes() -> impl Iterator<Item = &'static str> {
    CODES.lines()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_fixed_width_and_whole() {
        let b = CODES.as_bytes();
        assert_eq!(b.len() % LINE, 0);
        let lines: Vec<&str> = CODES.lines().collect();
        assert!(lines.len() > 7_000, "{} codes", lines.len());
        assert!(
            lines
                .iter()
                .all(|l| l.len() == 6 && l.bytes().all(|c| c.is_ascii_digit()))
        );
        assert!(lines.windows(2).all(|w| w[0] < w[1]));
        for l in lines {
            assert!(ever_existed(l), "{l}");
        }
    }

    #[test]
    fn current_and_abolished_codes_are_known_and_invented_ones_are_not() {
        // Current: 南明区, 临平区 (2021).
        assert!(ever_existed("520102"));
        assert!(ever_existed("330113"));
        // Abolished: 崇文区 (2010), 毕节市 as a county-level city under 毕节地区 (2011).
        assert!(ever_existed("110103"));
        assert!(ever_existed("522401"));
        // Residence permits of Hong Kong, Macao and Taiwan residents.
        assert!(ever_existed("810000") && ever_existed("830000"));
        // Never a division.
        assert!(!ever_existed("520199"));
        assert!(!ever_existed("119999"));
        assert!(!ever_existed("52010"));
        assert!(!ever_existed("5201020"));
    }
}
