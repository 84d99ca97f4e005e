//! Course ratings (课程评价, seed 000 §1.6, seed 003 §8): a learner who studied a package
//! rates it 1–5 on four counts and may comment; a comment with a sensitive word is held
//! for an operator. Means are kept in hundredths of a star, rounded half up once.

crate::coded! {
    /// Whether a rating's comment is shown on the course page.
    pub enum RatingStatus {
        Shown("shown", "已展示"),
        /// A sensitive word was found: an operator shows or hides it.
        Held("held", "待审核"),
        Hidden("hidden", "已隐藏"),
    }
}

/// The longest comment, reply or answer, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

/// A rating below this overall mean (hundredths) counts as a complaint in the quality
/// list, and a package whose mean is below it is flagged.
pub const LOW_MEAN: u32 = 300;

/// The four counts, 1–5 stars each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stars {
    /// 内容.
    pub content: u8,
    /// 画面与声音.
    pub picture: u8,
    /// 题目相关性.
    pub relevance: u8,
    /// 学习收获.
    pub gain: u8,
}

impl Stars {
    /// The counts' names, in order, with the form field of each.
    pub const NAMES: [(&'static str, &'static str); 4] = [
        ("content", "课程内容"),
        ("picture", "画面与声音"),
        ("relevance", "题目相关性"),
        ("gain", "学习收获"),
    ];

    /// Four values as given, each checked; the fields out of range are named.
    pub fn new(values: [u32; 4]) -> Result<Stars, Vec<&'static str>> {
        let bad: Vec<&'static str> = values
            .iter()
            .zip(Self::NAMES)
            .filter(|(v, _)| !(1..=5).contains(*v))
            .map(|(_, (field, _))| field)
            .collect();
        if !bad.is_empty() {
            return Err(bad);
        }
        let s = |i: usize| values[i] as u8;
        Ok(Stars {
            content: s(0),
            picture: s(1),
            relevance: s(2),
            gain: s(3),
        })
    }

    pub fn values(self) -> [u8; 4] {
        [self.content, self.picture, self.relevance, self.gain]
    }

    /// The mean of the four, in hundredths of a star.
    pub fn overall(self) -> u32 {
        let sum: u32 = self.values().iter().map(|&v| u32::from(v)).sum();
        (sum * 100 * 2 + 4) / 8
    }
}

/// Sums over many ratings, to show means per count and overall.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub sums: [u64; 4],
}

impl Tally {
    pub fn add(&mut self, s: Stars) {
        self.count += 1;
        for (sum, v) in self.sums.iter_mut().zip(s.values()) {
            *sum += u64::from(v);
        }
    }

    /// The mean of count `i` in hundredths of a star, none without ratings.
    pub fn mean(&self, i: usize) -> Option<u32> {
        (self.count > 0).then(|| {
            let sum = self.sums.get(i).copied().unwrap_or(0);
            u32::try_from((sum * 200 + self.count) / (self.count * 2)).unwrap_or(500)
        })
    }

    /// The mean over all four counts, in hundredths of a star.
    pub fn overall(&self) -> Option<u32> {
        (self.count > 0).then(|| {
            let sum: u64 = self.sums.iter().sum();
            let n = self.count * 4;
            u32::try_from((sum * 200 + n) / (n * 2)).unwrap_or(500)
        })
    }
}

/// Hundredths of a star as shown: `4.25`.
pub fn stars_text(hundredths: u32) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stars_are_one_to_five_and_bad_ones_named() {
        assert!(Stars::new([5, 4, 3, 1]).is_ok());
        assert_eq!(Stars::new([0, 4, 6, 1]), Err(vec!["content", "relevance"]));
        assert_eq!(Stars::new([5, 4, 4, 4]).unwrap().overall(), 425);
        assert_eq!(Stars::new([5, 5, 5, 4]).unwrap().overall(), 475);
        assert_eq!(stars_text(425), "4.25");
    }

    #[test]
    fn a_tally_rounds_half_up_once() {
        let mut t = Tally::default();
        assert_eq!(t.overall(), None);
        t.add(Stars::new([5, 5, 5, 5]).unwrap());
        t.add(Stars::new([4, 4, 4, 4]).unwrap());
        t.add(Stars::new([4, 4, 4, 4]).unwrap());
        // 13/3 = 4.333…
        assert_eq!(t.mean(0), Some(433));
        assert_eq!(t.overall(), Some(433));
    }

    proptest! {
        #[test]
        fn means_stay_within_the_stars_given(rs in proptest::collection::vec(prop::array::uniform4(1u32..=5), 1..60)) {
            let mut t = Tally::default();
            for r in &rs {
                t.add(Stars::new(*r).unwrap());
            }
            let lo = rs.iter().flat_map(|r| r.iter()).min().unwrap() * 100;
            let hi = rs.iter().flat_map(|r| r.iter()).max().unwrap() * 100;
            let o = t.overall().unwrap();
            prop_assert!(o >= lo && o <= hi);
            for i in 0..4 {
                let m = t.mean(i).unwrap();
                prop_assert!((100..=500).contains(&m));
            }
        }
    }
}
