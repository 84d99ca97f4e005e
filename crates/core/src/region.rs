//! Administrative region codes (GB/T 2260): 6 digits, province XX0000, city XXXX00, county XXXXXX.
//! A region's subtree is every code sharing its significant prefix; scoping relies on this.

use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct RegionCode([u8; 6]);

crate::coded! {
    /// Province, city or county.
    pub enum RegionLevel {
        Province("province", "省级"),
        City("city", "市级"),
        County("county", "县级"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("行政区划代码应为6位数字")]
pub struct RegionCodeError;

impl RegionCode {
    pub fn parse(s: &str) -> Result<Self, RegionCodeError> {
        let b = s.trim().as_bytes();
        if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) || &b[..2] == b"00" {
            return Err(RegionCodeError);
        }
        let mut a = [0u8; 6];
        a.copy_from_slice(b);
        Ok(RegionCode(a))
    }

    /// A code written into the program, checked when it is built (use in a `const`).
    pub const fn known(s: &'static str) -> RegionCode {
        let b = s.as_bytes();
        assert!(b.len() == 6, "a region code has 6 digits");
        let mut a = [0u8; 6];
        let mut i = 0;
        while i < 6 {
            assert!(b[i].is_ascii_digit(), "a region code has 6 digits");
            a[i] = b[i];
            i += 1;
        }
        RegionCode(a)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("000000")
    }

    pub fn level(&self) -> RegionLevel {
        if &self.0[2..] == b"0000" {
            RegionLevel::Province
        } else if &self.0[4..] == b"00" {
            RegionLevel::City
        } else {
            RegionLevel::County
        }
    }

    /// The prefix every code in this region's subtree starts with.
    pub fn subtree_prefix(&self) -> &str {
        let n = match self.level() {
            RegionLevel::Province => 2,
            RegionLevel::City => 4,
            RegionLevel::County => 6,
        };
        &self.as_str()[..n]
    }

    /// Whether `other` lies in this region or below it.
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.as_str().starts_with(self.subtree_prefix())
    }

    pub fn province(&self) -> RegionCode {
        let mut a = self.0;
        a[2..].copy_from_slice(b"0000");
        RegionCode(a)
    }

    pub fn city(&self) -> Option<RegionCode> {
        if self.level() == RegionLevel::Province {
            return None;
        }
        let mut a = self.0;
        a[4..].copy_from_slice(b"00");
        Some(RegionCode(a))
    }
}

impl From<RegionCode> for String {
    fn from(v: RegionCode) -> String {
        v.as_str().to_string()
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.as_str())
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_containment() {
        let gz = RegionCode::parse("520000").unwrap();
        let gy = RegionCode::parse("520100").unwrap();
        let nm = RegionCode::parse("520102").unwrap();
        let zy = RegionCode::parse("520302").unwrap();
        assert_eq!(gz.level(), RegionLevel::Province);
        assert_eq!(gy.level(), RegionLevel::City);
        assert_eq!(nm.level(), RegionLevel::County);
        assert!(gz.contains(&nm) && gy.contains(&nm) && nm.contains(&nm));
        assert!(!gy.contains(&zy) && !nm.contains(&gy));
        assert_eq!(nm.city(), Some(gy));
        assert_eq!(nm.province(), gz);
        assert!(RegionCode::parse("52010").is_err());
        assert!(RegionCode::parse("000000").is_err());
    }
}
