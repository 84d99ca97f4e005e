//! Certificates (培训合格证明 and the kinds that share its machinery): the number that
//! names one, and the record that is signed, printed, put in the QR code and entered in
//! the evidence log.
//!
//! - A number is `JN<year>-XXXX-XXXX-XXXX-XXXC`: fifteen random characters (74 bits,
//!   drawn by the caller) and a check character, so a mistyped number is told apart from
//!   one that was never issued, and numbers cannot be guessed or counted through. The
//!   characters are Crockford's base32 without Z (31 of them, a prime): a weighted sum
//!   mod 31 then catches every single wrong character and every swap of neighbours.
//! - The record is a few `key: value` lines in a fixed order. Its text is what the
//!   platform signs (as a signed note) and what the evidence log hashes; the holder's
//!   name is masked in it, since the QR code is printed on paper anyone may see.
//! - A certificate that expires (a teacher's qualification) says until when in its
//!   record (format 2); one that does not keeps format 1.
//! - A revocation is a record of its own, entered in the log beside the certificate.

use crate::code::Coded;
use chrono::NaiveDate;

crate::coded! {
    /// 证书类型.
    pub enum CertKind {
        /// Issued by a training institution when a learner completes a class.
        Completion("completion", "培训合格证明"),
        /// Teacher qualification (师资上岗资格).
        Teacher("teacher", "师资上岗资格证书"),
        /// Skill-level certificates issued by appraisal organisations, imported.
        SkillLevel("skill_level", "职业技能等级证书"),
    }
}

/// Crockford's base32 alphabet: no I, L, O or U, so nothing reads as something else.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_CHARS: usize = 15;
const PREFIX: &str = "JN";
/// The first line of a certificate record without an expiry date.
pub const RECORD_FORMAT: &str = "jineng-certificate/1";
/// The first line of a certificate record with an expiry date (a last `valid_until`
/// line); records without one keep the first format, byte for byte.
pub const RECORD_FORMAT_V2: &str = "jineng-certificate/2";
/// The first line of a revocation record.
pub const REVOCATION_FORMAT: &str = "jineng-certificate-revocation/1";
/// Longest reason for a revocation, in characters.
pub const MAX_REASON_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("证书编号格式不正确（应为 JN 加年份和 16 位字母数字，如 JN2026-XXXX-XXXX-XXXX-XXXX）")]
    NumberFormat,
    #[error("证书编号校验位不符，请检查是否输错")]
    NumberCheck,
    #[error("证书记录格式不正确：{0}")]
    Record(&'static str),
}

/// A certificate number, always in its printed form (upper case, dashes).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CertNumber(String);

/// Characters a number is made of: the alphabet without its last letter (Z).
const DIGITS: usize = 31;

fn check_char(body: &[u8]) -> u8 {
    // Weights 1..=15 are all units mod 31 and values differ by less than 31, so one
    // changed character, or two different neighbours swapped, always changes the sum.
    let sum: usize = body
        .iter()
        .enumerate()
        .map(|(i, c)| (i + 1) * ALPHABET.iter().position(|a| a == c).unwrap_or(0))
        .sum();
    ALPHABET[sum % DIGITS]
}

impl CertNumber {
    /// A new number for `year` from random bytes the caller drew (at least 10).
    pub fn from_random(year: i32, random: &[u8; 10]) -> CertNumber {
        let mut bits: u128 = 0;
        for b in random {
            bits = (bits << 8) | u128::from(*b);
        }
        let mut body: Vec<u8> = (0..RANDOM_CHARS)
            .map(|_| {
                let d = (bits % DIGITS as u128) as usize;
                bits /= DIGITS as u128;
                ALPHABET[d]
            })
            .collect();
        body.push(check_char(&body));
        CertNumber::format(year, &body)
    }

    fn format(year: i32, body: &[u8]) -> CertNumber {
        let groups: Vec<&str> = body
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        CertNumber(format!("{PREFIX}{year:04}-{}", groups.join("-")))
    }

    /// Read a number as a person typed or a scanner read it: case, spaces and dashes
    /// do not matter, and O, I, L read as 0, 1, 1.
    pub fn parse(s: &str) -> Result<CertNumber, CertError> {
        let cleaned: Vec<u8> = s
            .trim()
            .bytes()
            .filter(|b| !matches!(b, b'-' | b' '))
            .map(|b| b.to_ascii_uppercase())
            .collect();
        if cleaned.len() != PREFIX.len() + 4 + RANDOM_CHARS + 1
            || !cleaned.starts_with(PREFIX.as_bytes())
        {
            return Err(CertError::NumberFormat);
        }
        let year = std::str::from_utf8(&cleaned[2..6])
            .ok()
            .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|y| y.parse::<i32>().ok())
            .ok_or(CertError::NumberFormat)?;
        let mut body = Vec::with_capacity(RANDOM_CHARS + 1);
        for &b in &cleaned[6..] {
            let b = match b {
                b'O' => b'0',
                b'I' | b'L' => b'1',
                b => b,
            };
            if !ALPHABET.contains(&b) {
                return Err(CertError::NumberFormat);
            }
            body.push(b);
        }
        // Z is in the alphabet people may type but never in a number.
        if body.contains(&ALPHABET[DIGITS]) {
            return Err(CertError::NumberCheck);
        }
        if check_char(&body[..RANDOM_CHARS]) != body[RANDOM_CHARS] {
            return Err(CertError::NumberCheck);
        }
        Ok(CertNumber::format(year, &body))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CertNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A name as printed in public: the first character and, for three or more, the last;
/// the rest starred (张三 → 张*, 欧阳娜娜 → 欧**娜).
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// One line's value: no line breaks, no surrounding space.
fn one_line(s: &str) -> String {
    s.split(['\r', '\n'])
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_string()
}

/// What a certificate says, signed and logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertRecord {
    pub number: CertNumber,
    pub kind: CertKind,
    /// Masked (`mask_name`).
    pub holder: String,
    /// The training project (occupation and level).
    pub project: String,
    /// The class, for a completion certificate; empty otherwise.
    pub class_name: String,
    /// Class hours completed (45 min).
    pub hours: u32,
    pub issuer: String,
    pub issued_on: NaiveDate,
    /// The last day it is valid, for kinds that expire.
    pub valid_until: Option<NaiveDate>,
}

const FIELDS: [&str; 8] = [
    "number",
    "kind",
    "holder",
    "project",
    "class",
    "hours",
    "issuer",
    "issued_on",
];

impl CertRecord {
    /// The exact text signed and hashed: the format line, then one `key: value` line per
    /// field in a fixed order, each ending in a newline.
    pub fn canonical(&self) -> String {
        let values = [
            self.number.to_string(),
            self.kind.code().to_string(),
            one_line(&self.holder),
            one_line(&self.project),
            one_line(&self.class_name),
            self.hours.to_string(),
            one_line(&self.issuer),
            self.issued_on.format("%Y-%m-%d").to_string(),
        ];
        let head = if self.valid_until.is_some() {
            RECORD_FORMAT_V2
        } else {
            RECORD_FORMAT
        };
        let mut out = format!("{head}\n");
        for (k, v) in FIELDS.iter().zip(values) {
            out.push_str(k);
            out.push_str(": ");
            out.push_str(&v);
            out.push('\n');
        }
        if let Some(d) = self.valid_until {
            out.push_str(&format!("valid_until: {}\n", d.format("%Y-%m-%d")));
        }
        out
    }

    /// Whether the certificate has expired on `today` (the last valid day still counts).
    pub fn expired_on(valid_until: Option<NaiveDate>, today: NaiveDate) -> bool {
        valid_until.is_some_and(|d| today > d)
    }

    /// Read a record back from its canonical text; anything else is refused, so a
    /// record that parses re-encodes to the very text given.
    pub fn parse(text: &str) -> Result<CertRecord, CertError> {
        let mut lines = text.split_terminator('\n');
        let expires = match lines.next() {
            Some(RECORD_FORMAT) => false,
            Some(RECORD_FORMAT_V2) => true,
            _ => return Err(CertError::Record("不是证书记录")),
        };
        let mut values = Vec::with_capacity(FIELDS.len());
        for key in FIELDS {
            let line = lines.next().ok_or(CertError::Record("字段不全"))?;
            let v = line
                .strip_prefix(key)
                .and_then(|r| r.strip_prefix(": "))
                .ok_or(CertError::Record("字段顺序不对"))?;
            values.push(v);
        }
        let valid_until = if expires {
            let v = lines
                .next()
                .and_then(|l| l.strip_prefix("valid_until: "))
                .ok_or(CertError::Record("字段不全"))?;
            Some(
                NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .map_err(|_| CertError::Record("有效期不正确"))?,
            )
        } else {
            None
        };
        if lines.next().is_some() {
            return Err(CertError::Record("多余的内容"));
        }
        let r = CertRecord {
            number: CertNumber::parse(values[0])?,
            kind: CertKind::from_code(values[1]).ok_or(CertError::Record("证书类型未知"))?,
            holder: values[2].to_string(),
            project: values[3].to_string(),
            class_name: values[4].to_string(),
            hours: values[5]
                .parse()
                .map_err(|_| CertError::Record("学时不是数字"))?,
            issuer: values[6].to_string(),
            issued_on: NaiveDate::parse_from_str(values[7], "%Y-%m-%d")
                .map_err(|_| CertError::Record("发证日期不正确"))?,
            valid_until,
        };
        if r.canonical() != text {
            return Err(CertError::Record("不是规范格式"));
        }
        Ok(r)
    }

    /// The evidence log's record id: the number.
    pub fn record_id(&self) -> String {
        self.number.to_string()
    }
}

/// A certificate withdrawn, with why and by whom (a role, not a person's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub number: CertNumber,
    pub reason: String,
    /// RFC 3339, UTC.
    pub revoked_at: String,
    /// `issuer` or `regulator`.
    pub by: String,
}

impl Revocation {
    pub fn canonical(&self) -> String {
        format!(
            "{REVOCATION_FORMAT}\nnumber: {}\nreason: {}\nrevoked_at: {}\nby: {}\n",
            self.number,
            one_line(&self.reason),
            self.revoked_at,
            self.by
        )
    }
}

/// A revocation reason as typed: required, one paragraph, bounded.
pub fn parse_reason(s: &str) -> Result<String, &'static str> {
    let s = one_line(s);
    if s.is_empty() {
        return Err("请填写撤销原因");
    }
    if s.chars().count() > MAX_REASON_CHARS {
        return Err("撤销原因不能超过200个字符");
    }
    // Shown on the public verification page: nothing hidden, reordered or formula-like.
    if let Some(p) = crate::text::plain_text_problem(&s) {
        return Err(p);
    }
    Ok(s)
}

/// Longest subject (任教专业) on a teacher's qualification, in characters.
pub const MAX_SUBJECT_CHARS: usize = 50;
/// A teacher's qualification is granted for one to five years.
pub const QUALIFICATION_YEARS: std::ops::RangeInclusive<u32> = 1..=5;
/// A current qualification may be renewed from this many days before its last day.
pub const RENEW_WITHIN_DAYS: i64 = 90;

/// The subject a teacher is qualified to teach, as typed.
pub fn parse_subject(s: &str) -> Result<String, &'static str> {
    let s = one_line(s);
    if s.is_empty() {
        return Err("请填写任教专业（职业或工种）");
    }
    if s.chars().count() > MAX_SUBJECT_CHARS {
        return Err("任教专业不能超过50个字符");
    }
    if let Some(p) = crate::text::plain_text_problem(&s) {
        return Err(p);
    }
    Ok(s)
}

/// The years a qualification is granted for.
pub fn parse_years(years: u32) -> Result<u32, &'static str> {
    if QUALIFICATION_YEARS.contains(&years) {
        Ok(years)
    } else {
        Err("有效期为1至5年")
    }
}

/// The last valid day of a qualification granted on `issued` for `years`: the day
/// before the same date `years` later (from 29 February, the anniversary is taken as
/// 28 February, so the last day is the 27th).
pub fn valid_until(issued: NaiveDate, years: u32) -> NaiveDate {
    let end = issued
        .checked_add_months(chrono::Months::new(years * 12))
        .unwrap_or(NaiveDate::MAX);
    end.pred_opt().unwrap_or(end)
}

/// Whether a qualification whose last day is `until` may be renewed on `today`.
pub fn renewable(until: NaiveDate, today: NaiveDate) -> bool {
    (until - today).num_days() <= RENEW_WITHIN_DAYS
}

/// The human-resources department of a region, which grants teachers' qualifications:
/// `names` from the province down to the region (贵州省, 贵阳市, 南明区 →
/// 贵阳市南明区人力资源和社会保障局; the province's is a 厅).
pub fn department(names: &[&str]) -> String {
    match names {
        [] => "人力资源和社会保障厅".into(),
        [province] => format!("{province}人力资源和社会保障厅"),
        [_, rest @ ..] => format!("{}人力资源和社会保障局", rest.concat()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn record(n: CertNumber) -> CertRecord {
        CertRecord {
            number: n,
            kind: CertKind::Completion,
            holder: mask_name("张三丰"),
            project: "电工（五级）".into(),
            class_name: "2026年第1期电工培训班".into(),
            hours: 80,
            issuer: "贵阳市职业技能培训学校".into(),
            issued_on: NaiveDate::from_ymd_opt(2026, 12, 6).unwrap(),
            valid_until: None,
        }
    }

    #[test]
    fn a_revocation_reason_is_plain_text() {
        assert_eq!(parse_reason(" 核查不符 "), Ok("核查不符".into()));
        for bad in [
            "原\u{0}因",
            "反向\u{202E}",
            "\u{7}铃",
            "零\u{200B}宽",
            "=cmd|calc",
        ] {
            assert!(parse_reason(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn qualifications_run_whole_years_and_renew_near_their_end() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(valid_until(d(2026, 12, 6), 3), d(2029, 12, 5));
        assert_eq!(valid_until(d(2028, 2, 29), 1), d(2029, 2, 27));
        assert_eq!(valid_until(d(2026, 1, 1), 1), d(2026, 12, 31));
        assert!(!renewable(d(2029, 12, 5), d(2029, 9, 5)));
        assert!(renewable(d(2029, 12, 5), d(2029, 9, 6)));
        assert!(renewable(d(2029, 12, 5), d(2030, 1, 1)));
        assert_eq!(parse_years(0), Err("有效期为1至5年"));
        assert_eq!(parse_years(6), Err("有效期为1至5年"));
        assert_eq!(parse_years(3), Ok(3));
        assert_eq!(parse_subject("  中式烹调师 "), Ok("中式烹调师".into()));
        assert!(parse_subject("").is_err());
        assert!(parse_subject(&"电".repeat(51)).is_err());
        assert!(parse_subject("=cmd").is_err());
        assert!(parse_subject("电工\u{202E}").is_err());
        assert_eq!(
            department(&["贵州省", "贵阳市", "南明区"]),
            "贵阳市南明区人力资源和社会保障局"
        );
        assert_eq!(
            department(&["贵州省", "遵义市"]),
            "遵义市人力资源和社会保障局"
        );
        assert_eq!(department(&["贵州省"]), "贵州省人力资源和社会保障厅");
    }

    #[test]
    fn an_expiring_record_says_so_in_format_two() {
        let mut r = record(CertNumber::from_random(2026, &[3; 10]));
        let v1 = r.canonical();
        assert!(v1.starts_with("jineng-certificate/1\n") && !v1.contains("valid_until"));
        r.kind = CertKind::Teacher;
        r.valid_until = NaiveDate::from_ymd_opt(2029, 12, 5);
        let v2 = r.canonical();
        assert!(v2.starts_with("jineng-certificate/2\n"));
        assert!(v2.ends_with("valid_until: 2029-12-05\n"));
        assert_eq!(CertRecord::parse(&v2).unwrap(), r);
        // The head and the lines must agree: no expiry line under format 2, or one
        // under format 1, is refused.
        assert!(CertRecord::parse(&v2.replace("/2\n", "/1\n")).is_err());
        assert!(CertRecord::parse(&v1.replace("/1\n", "/2\n")).is_err());
        assert!(CertRecord::parse(&v2.replace("2029-12-05", "2029-13-05")).is_err());
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert!(!CertRecord::expired_on(r.valid_until, d(2029, 12, 5)));
        assert!(CertRecord::expired_on(r.valid_until, d(2029, 12, 6)));
        assert!(!CertRecord::expired_on(None, d(2099, 1, 1)));
    }

    #[test]
    fn names_are_masked_by_characters() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("张三丰"), "张*丰");
        assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
        assert_eq!(mask_name("王"), "*");
    }

    #[test]
    fn a_record_reads_back_and_tampering_is_refused() {
        let r = record(CertNumber::from_random(2026, &[7; 10]));
        let text = r.canonical();
        assert_eq!(CertRecord::parse(&text).unwrap(), r);
        // A changed field still parses but is a different text (its signature fails);
        // a reordered or extra line does not parse at all.
        let changed = text.replace("hours: 80", "hours: 800");
        assert_ne!(CertRecord::parse(&changed).unwrap(), r);
        let extra = format!("{text}extra: 1\n");
        assert!(CertRecord::parse(&extra).is_err());
        let no_end = text.trim_end().to_string();
        assert!(CertRecord::parse(&no_end).is_err());
        let swapped = text.replace(
            "holder: 张*丰\nproject: 电工（五级）",
            "project: 电工（五级）\nholder: 张*丰",
        );
        assert!(CertRecord::parse(&swapped).is_err());
    }

    #[test]
    fn values_cannot_add_lines() {
        let mut r = record(CertNumber::from_random(2026, &[1; 10]));
        r.issuer = "学校\nhours: 9999".into();
        let text = r.canonical();
        assert_eq!(text.lines().count(), 9);
        assert_eq!(CertRecord::parse(&text).unwrap().issuer, "学校 hours: 9999");
    }

    #[test]
    fn numbers_refuse_garbage() {
        assert_eq!(CertNumber::parse(""), Err(CertError::NumberFormat));
        assert_eq!(
            CertNumber::parse("JN2026-AAAA-AAAA-AAAA-AAAU"),
            Err(CertError::NumberFormat)
        );
        assert_eq!(
            CertNumber::parse("XX2026-AAAA-AAAA-AAAA-AAAA"),
            Err(CertError::NumberFormat)
        );
        assert_eq!(
            CertNumber::parse("JN20é6-AAAA-AAAA-AAAA-AAAA"),
            Err(CertError::NumberFormat)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn a_number_reads_back_however_it_is_typed(bytes in any::<[u8; 10]>(), year in 2000i32..2100) {
            let n = CertNumber::from_random(year, &bytes);
            prop_assert_eq!(n.as_str().len(), 26);
            prop_assert_eq!(CertNumber::parse(n.as_str()), Ok(n.clone()));
            let (head, body) = n.as_str().split_at(6);
            let sloppy = format!("{} {}", head.to_lowercase(), body.to_lowercase().replace('-', " ").replace('0', "o").replace('1', "l"));
            prop_assert_eq!(CertNumber::parse(&sloppy), Ok(n.clone()));
            prop_assert_eq!(CertRecord::parse(&record(n.clone()).canonical()), Ok(record(n)));
        }

        #[test]
        fn one_mistyped_character_is_caught(bytes in any::<[u8; 10]>(), at in 0usize..16, to in 0usize..32) {
            let n = CertNumber::from_random(2026, &bytes);
            let mut body: Vec<u8> = n.as_str()[7..].bytes().filter(|b| *b != b'-').collect();
            prop_assume!(body[at] != ALPHABET[to]);
            body[at] = ALPHABET[to];
            let typed = format!("JN2026{}", String::from_utf8(body).unwrap());
            prop_assert_eq!(CertNumber::parse(&typed), Err(CertError::NumberCheck));
        }

        #[test]
        fn two_swapped_neighbours_are_caught(bytes in any::<[u8; 10]>(), at in 0usize..15) {
            let n = CertNumber::from_random(2026, &bytes);
            let mut body: Vec<u8> = n.as_str()[7..].bytes().filter(|b| *b != b'-').collect();
            prop_assume!(body[at] != body[at + 1]);
            body.swap(at, at + 1);
            let typed = format!("JN2026{}", String::from_utf8(body).unwrap());
            prop_assert_eq!(CertNumber::parse(&typed), Err(CertError::NumberCheck));
        }
    }
}
