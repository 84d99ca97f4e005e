//! Vocational training vouchers (职业培训券, seed 001 §18): the province issues a voucher
//! of a fixed value to a person's social-security card, for some training projects and a
//! validity period; the person uses it when enrolled in an eligible class, and the
//! class's institution redeems it once the person has completed the class.
//!
//! A voucher is used once: `Issued → Held → Redeemed`, or `Held → Issued` when the class
//! ends without the person completing it, or `Void` when the province withdraws it. It
//! expires by date alone: an unused voucher past its last day is shown and reported as
//! expired and can no longer be used (a voucher already held for a class stays
//! redeemable, since it was used in time).

use crate::identity::id_number::IdNumber;
use crate::identity::person_name::PersonName;
use chrono::NaiveDate;

/// The most holders one issue names.
pub const MAX_HOLDERS: usize = 5_000;
/// The longest list typed or uploaded, in bytes.
pub const MAX_LIST_BYTES: usize = 512 * 1024;

crate::coded! {
    /// Where a voucher stands, as stored.
    pub enum VoucherStatus {
        /// On the person's card, not used yet.
        Issued("issued", "未使用"),
        /// Used for a class; the institution redeems it when the person completes.
        Held("held", "已使用，待兑付"),
        /// The institution redeemed it: spent for good.
        Redeemed("redeemed", "已兑付"),
        /// Withdrawn by the province.
        Void("void", "已作废"),
    }
}

crate::coded! {
    /// How an issue chose its holders.
    pub enum IssueMethod {
        /// A list of ID numbers and names, typed or uploaded.
        List("list", "名单导入"),
        /// Every learner of the chosen person categories.
        Rule("rule", "按人员类别"),
    }
}

/// What a person sees and the report counts: the stored status, with expiry by date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VoucherState {
    /// Issued and within its validity: may be used.
    Usable,
    /// Issued, but its validity has not begun.
    NotYet,
    /// Issued and past its last day: can no longer be used.
    Expired,
    Held,
    Redeemed,
    Void,
}

impl VoucherState {
    pub const ALL: [VoucherState; 6] = [
        VoucherState::Usable,
        VoucherState::NotYet,
        VoucherState::Expired,
        VoucherState::Held,
        VoucherState::Redeemed,
        VoucherState::Void,
    ];

    pub fn label(self) -> &'static str {
        match self {
            VoucherState::Usable => "可使用",
            VoucherState::NotYet => "未到使用期",
            VoucherState::Expired => "已过期",
            VoucherState::Held => "已使用，待兑付",
            VoucherState::Redeemed => "已兑付",
            VoucherState::Void => "已作废",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            VoucherState::Usable => "usable",
            VoucherState::NotYet => "not_yet",
            VoucherState::Expired => "expired",
            VoucherState::Held => "held",
            VoucherState::Redeemed => "redeemed",
            VoucherState::Void => "void",
        }
    }

    pub fn parse(code: &str) -> Option<VoucherState> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A voucher's state on `today`.
pub fn state(
    status: VoucherStatus,
    valid_from: NaiveDate,
    valid_until: NaiveDate,
    today: NaiveDate,
) -> VoucherState {
    match status {
        VoucherStatus::Issued if today > valid_until => VoucherState::Expired,
        VoucherStatus::Issued if today < valid_from => VoucherState::NotYet,
        VoucherStatus::Issued => VoucherState::Usable,
        VoucherStatus::Held => VoucherState::Held,
        VoucherStatus::Redeemed => VoucherState::Redeemed,
        VoucherStatus::Void => VoucherState::Void,
    }
}

/// Whether a voucher for `projects` (empty: every project) may pay for `project_id`.
pub fn covers(projects: &[String], project_id: &str) -> bool {
    projects.is_empty() || projects.iter().any(|p| p == project_id)
}

/// One holder named in an issue's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The line it was on (from 1).
    pub line: usize,
    pub id_number: IdNumber,
    pub name: PersonName,
}

/// A line of the list that names nobody. The line's text is not repeated (it may hold
/// a whole ID number); the caller may name the person masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub line: usize,
    /// Who the line names, masked (empty when it could not be read).
    pub who: String,
    pub reason: String,
}

/// Read a holder list: one person per line, `身份证号,姓名` (a comma, a Chinese comma, a
/// tab or spaces between), blank lines and a header line ignored. Every bad line is
/// refused with its reason, and a person named twice is refused the second time; the
/// caller issues to the rest only if nothing was refused.
pub fn parse_holders(text: &str) -> Result<(Vec<Holder>, Vec<Refused>), String> {
    if text.len() > MAX_LIST_BYTES {
        return Err(format!("名单过大（最多 {} KB）", MAX_LIST_BYTES / 1024));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut holders: Vec<Holder> = Vec::new();
    let mut refused = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let t = raw.trim();
        if t.is_empty() || (holders.is_empty() && refused.is_empty() && t.contains("身份证")) {
            continue;
        }
        let mut refuse = |reason: &str| {
            refused.push(Refused {
                line,
                who: String::new(),
                reason: reason.to_string(),
            })
        };
        let parts: Vec<&str> = t
            .split([',', '，', '\t', ' ', '　'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let [id, name] = parts.as_slice() else {
            refuse("每行应为“身份证号,姓名”");
            continue;
        };
        let id = match IdNumber::parse(id) {
            Ok(id) => id,
            Err(e) => {
                refuse(&format!("身份证号有误：{e}"));
                continue;
            }
        };
        let name = match PersonName::parse(name) {
            Ok(n) => n,
            Err(e) => {
                refuse(&format!("姓名有误：{e}"));
                continue;
            }
        };
        if holders.iter().any(|h| h.id_number == id) {
            refuse("同一人在名单中重复");
            continue;
        }
        if holders.len() >= MAX_HOLDERS {
            return Err(format!("一次最多发放 {MAX_HOLDERS} 人"));
        }
        holders.push(Holder {
            line,
            id_number: id,
            name,
        });
    }
    Ok((holders, refused))
}

/// The canonical form of a redemption as entered in the evidence log (hashed there).
pub fn redemption_record(
    number: &str,
    user_id: &str,
    class_id: &str,
    value: crate::money::Fen,
) -> String {
    format!(
        "voucher_redemption|1|{number}|{user_id}|{class_id}|{}",
        value.0
    )
}

crate::coded! {
    /// Where an institution's voucher settlement (培训券兑付结算) stands.
    pub enum SettlementStatus {
        /// Drawn up by the province over the institution's redeemed vouchers; to be paid.
        Drawn("drawn", "待付款"),
        /// Paid to the institution, with the bank's reference.
        Paid("paid", "已付款"),
    }
}

/// What the evidence log holds of a paid voucher settlement (hashed).
pub fn settlement_record(
    number: &str,
    org_id: &str,
    vouchers: i64,
    total: crate::money::Fen,
    reference: &str,
) -> String {
    format!(
        "voucher_settlement|1|{number}|{org_id}|{vouchers}|{}|{reference}",
        total.0
    )
}

/// A bank's payment reference as typed: trimmed, 1–64 characters, plain text.
pub fn payment_reference(typed: &str) -> Result<&str, String> {
    let r = typed.trim();
    if r.is_empty() || r.chars().count() > 64 {
        return Err("请填写付款流水号（不超过64个字）".into());
    }
    if let Some(m) = crate::text::plain_text_problem(r) {
        return Err(format!("付款流水号{m}"));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const ID_A: &str = "520102199003071234";

    fn valid_id() -> String {
        let first17 = &ID_A[..17];
        let c = crate::identity::id_number::check_char(first17.as_bytes()).unwrap();
        format!("{first17}{c}")
    }

    #[test]
    fn state_by_date() {
        let (from, until) = (d("2026-01-01"), d("2026-12-31"));
        let s = |status, today| state(status, from, until, d(today));
        assert_eq!(s(VoucherStatus::Issued, "2025-12-31"), VoucherState::NotYet);
        assert_eq!(s(VoucherStatus::Issued, "2026-01-01"), VoucherState::Usable);
        assert_eq!(s(VoucherStatus::Issued, "2026-12-31"), VoucherState::Usable);
        assert_eq!(
            s(VoucherStatus::Issued, "2027-01-01"),
            VoucherState::Expired
        );
        // Used in time: stays redeemable after the last day.
        assert_eq!(s(VoucherStatus::Held, "2027-06-01"), VoucherState::Held);
        assert_eq!(
            s(VoucherStatus::Redeemed, "2027-06-01"),
            VoucherState::Redeemed
        );
        for st in VoucherState::ALL {
            assert_eq!(VoucherState::parse(st.code()), Some(st));
        }
    }

    #[test]
    fn covers_projects() {
        assert!(covers(&[], "p1"));
        assert!(covers(&["p1".into(), "p2".into()], "p2"));
        assert!(!covers(&["p1".into()], "p2"));
    }

    #[test]
    fn holder_list() {
        let id = valid_id();
        let text = format!(
            "\u{feff}身份证号,姓名\n{id},张三\n\n{id}，张三\n123,李四\n{id}\n52010219900307123X,王五\n"
        );
        let (ok, bad) = parse_holders(&text).unwrap();
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].line, 2);
        assert_eq!(ok[0].name.as_str(), "张三");
        let lines: Vec<usize> = bad.iter().map(|r| r.line).collect();
        assert!(lines.starts_with(&[4, 5, 6]), "{bad:?}");
        assert!(bad[0].reason.contains("重复"));
        assert!(bad[1].reason.contains("身份证号"));
        assert!(bad[2].reason.contains("每行"));
        assert!(parse_holders(&"x".repeat(MAX_LIST_BYTES + 1)).is_err());
    }

    proptest! {
        /// Whatever is typed, parsing never panics, every non-blank line is either a
        /// holder or refused, and nobody is named twice.
        #[test]
        fn list_never_panics(lines in proptest::collection::vec(".{0,40}", 0..30)) {
            let text = lines.join("\n");
            if let Ok((ok, bad)) = parse_holders(&text) {
                let mut ids: Vec<&str> = ok.iter().map(|h| h.id_number.as_str()).collect();
                ids.sort_unstable();
                ids.dedup();
                prop_assert_eq!(ids.len(), ok.len());
                prop_assert!(ok.len() + bad.len() <= lines.len());
            }
        }
    }
}
