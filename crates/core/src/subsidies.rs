//! Training subsidies (职业培训补贴, seed 001 §8): the province's policies, who in a
//! completed class is eligible and for how much, the review levels a claim passes, and
//! the bank file a disbursement batch is sent as (with the bank's return file).
//!
//! Pure rules over facts the caller loaded from verified records only (credited hours,
//! attendance, exam results, certificates, irregularities, earlier claims). Money is
//! integer fen. Nobody ineligible gets an amount, nobody gets more than the policy's
//! amount, and a yearly cap is never exceeded (property tests below).

use crate::completion::Outcome;
use crate::money::Fen;
use crate::region::{RegionCode, RegionLevel};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest policy name, remark or reviewer's reason.
pub const MAX_TEXT_CHARS: usize = 500;
/// The most any policy pays one person for one level (¥50,000).
pub const MAX_AMOUNT: Fen = Fen(5_000_000);
/// The most payees in one disbursement batch.
pub const MAX_BATCH_LINES: usize = 200_000;
/// The bank file's format tag (first field of its header).
pub const BANK_FILE_FORMAT: &str = "JNSUB1";
/// The largest return file read.
pub const MAX_RETURN_FILE_BYTES: usize = 32 * 1024 * 1024;

crate::coded! {
    /// A level of regulators that reviews a claim, in the order they review.
    pub enum ReviewLevel {
        County("county", "县级"),
        City("city", "市级"),
        Province("province", "省级"),
    }
}

impl ReviewLevel {
    pub fn region_level(self) -> RegionLevel {
        match self {
            ReviewLevel::County => RegionLevel::County,
            ReviewLevel::City => RegionLevel::City,
            ReviewLevel::Province => RegionLevel::Province,
        }
    }

    pub fn of(r: RegionLevel) -> ReviewLevel {
        match r {
            RegionLevel::County => ReviewLevel::County,
            RegionLevel::City => ReviewLevel::City,
            RegionLevel::Province => ReviewLevel::Province,
        }
    }
}

crate::coded! {
    /// Whether a policy may be claimed under.
    pub enum PolicyStatus {
        Enabled("enabled", "启用"),
        Disabled("disabled", "停用"),
    }
}

crate::coded! {
    /// Where a claim stands.
    pub enum ClaimStatus {
        /// At `level`, waiting for that level's regulators.
        Reviewing("reviewing", "审核中"),
        /// Sent back to the claimant with a reason; submitted again after fixing.
        Returned("returned", "已退回"),
        /// Every level approved: its eligible lines may be disbursed.
        Approved("approved", "已批准"),
        /// Refused for good; its learners may be claimed for again.
        Rejected("rejected", "不予批准"),
    }
}

crate::coded! {
    /// A reviewer's decision on a claim.
    pub enum ClaimDecision {
        Approve("approve", "通过"),
        Return("return", "退回"),
        Reject("reject", "不予批准"),
    }
}

crate::coded! {
    /// Why a learner of a claimed class gets nothing.
    pub enum Reason {
        NotCompleted("not_completed", "未结业合格"),
        ExamRequired("exam_required", "无合格的考试成绩"),
        CertificateRequired("certificate_required", "未取得本班证书（或证书已撤销）"),
        OnlineShort("online_short", "线上学时低于政策要求"),
        OfflineShort("offline_short", "线下学时低于政策要求"),
        AttendanceShort("attendance_short", "出勤率低于政策要求"),
        Irregular("irregular", "学习违规被清除两次，取消补贴资格"),
        Category("category", "人员类别不在政策范围内"),
        AlreadyClaimed("already_claimed", "本年度已申领同一项目补贴"),
        CapReached("cap_reached", "已达本人年度补贴上限"),
        NoAccount("no_account", "未登记社保卡金融账户"),
        VoucherUsed("voucher_used", "已用职业培训券抵扣本班培训费"),
    }
}

crate::coded! {
    /// Where one payment to a learner's card account stands.
    pub enum PayoutStatus {
        /// In a batch sent to the bank; no answer yet.
        Pending("pending", "待银行处理"),
        Paid("paid", "已发放"),
        /// The bank could not pay (reason given); may be corrected and sent again.
        Failed("failed", "发放失败"),
        /// Failed, then sent again in a later batch (that payout carries on).
        Resent("resent", "已重发"),
    }
}

crate::coded! {
    /// Where a disbursement batch stands.
    pub enum BatchStatus {
        /// The bank file went to the bank; answers are coming in.
        Sent("sent", "已送银行"),
        /// Every line has an answer.
        Answered("answered", "已回盘"),
    }
}

/// What a policy says, one version of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// The training projects it covers; empty: every project.
    pub project_ids: Vec<String>,
    /// Amount per person by skill level (0 = 不定级 projects); a level not here is not
    /// covered.
    pub amounts: BTreeMap<u8, Fen>,
    /// Learner categories it covers (codes of `crate::learners::PERSON_CATEGORIES`);
    /// empty: everyone.
    pub categories: Vec<String>,
    /// The learner must have passed the class's course exams (the class must have one).
    pub require_exam: bool,
    /// The learner must hold a certificate of the class that is not revoked.
    pub require_certificate: bool,
    /// At least this many online class hours credited (on top of completion).
    pub min_online_hours: u32,
    /// At least this many offline class hours attended.
    pub min_offline_hours: u32,
    /// At least this attendance rate, in percent (completion already needs 80).
    pub min_attendance_percent: u32,
    /// The most one person may receive in a calendar year under any policy; 0: no cap.
    pub yearly_cap: Fen,
    /// Claims may be submitted from this date to that one (inclusive, China time).
    pub window_from: NaiveDate,
    pub window_until: NaiveDate,
    /// Who reviews, in order (a subset of county, city, province).
    pub levels: Vec<ReviewLevel>,
    /// Claimed by each learner for themself (个人补贴) instead of by the institution for
    /// the whole class (机构培训经费).
    #[serde(default)]
    pub individual: bool,
}

/// A rule a policy breaks: the field and what to say.
pub type RuleError = (&'static str, String);

impl Rules {
    /// Everything wrong with a policy as typed.
    pub fn check(&self) -> Vec<RuleError> {
        let mut e = Vec::new();
        if self.amounts.is_empty() {
            e.push(("amounts", "至少填写一个等级的补贴标准".to_string()));
        }
        for (level, a) in &self.amounts {
            if *level > 5 {
                e.push((
                    "amounts",
                    format!("等级{level}不存在（0为不定级，1–5为五级至一级）"),
                ));
            }
            if a.0 <= 0 || *a > MAX_AMOUNT {
                e.push(("amounts", format!("补贴标准应在0.01元至{MAX_AMOUNT}元之间")));
            }
        }
        for c in &self.categories {
            if crate::learners::person_category(c).is_none() {
                e.push(("categories", format!("人员类别“{c}”不存在")));
            }
        }
        if self.min_attendance_percent > 100 {
            e.push(("min_attendance_percent", "出勤率不能超过100%".to_string()));
        }
        if self.min_online_hours > 2000 || self.min_offline_hours > 2000 {
            e.push(("min_online_hours", "学时要求不能超过2000学时".to_string()));
        }
        if self.yearly_cap.0 < 0 || self.yearly_cap > Fen(MAX_AMOUNT.0 * 10) {
            e.push(("yearly_cap", "年度上限超出范围".to_string()));
        }
        for (field, d) in [
            ("window_from", self.window_from),
            ("window_until", self.window_until),
        ] {
            if !Rules::date_in_range(d) {
                e.push((field, "日期应在2000年至2099年之间".to_string()));
            }
        }
        let mut categories = self.categories.clone();
        categories.sort();
        categories.dedup();
        if categories.len() != self.categories.len() {
            e.push(("categories", "人员类别有重复".to_string()));
        }
        if self.window_until < self.window_from {
            e.push(("window_until", "申报截止日期不能早于开始日期".to_string()));
        }
        if self.levels.is_empty() {
            e.push(("levels", "至少选择一级审核".to_string()));
        }
        let mut sorted = self.levels.clone();
        sorted.sort();
        sorted.dedup();
        if sorted != self.levels {
            e.push(("levels", "审核层级应按县、市、省的顺序且不重复".to_string()));
        }
        e
    }

    /// Whether a policy date lies in 2000–2099.
    pub fn date_in_range(d: NaiveDate) -> bool {
        (2000..=2099).contains(&chrono::Datelike::year(&d))
    }

    /// The amount per person for a class of this project and level, if covered.
    pub fn covers(&self, project_id: &str, level: u8) -> Option<Fen> {
        if !self.project_ids.is_empty() && !self.project_ids.iter().any(|p| p == project_id) {
            return None;
        }
        self.amounts.get(&level).copied()
    }

    pub fn in_window(&self, day: NaiveDate) -> bool {
        self.window_from <= day && day <= self.window_until
    }

    /// The levels that review a claim for a class in `region`: those the policy names,
    /// less any below the class's own region (a class filed with a city has no county).
    pub fn levels_for(&self, region: &RegionCode) -> Vec<ReviewLevel> {
        let deepest = ReviewLevel::of(region.level());
        self.levels
            .iter()
            .copied()
            .filter(|l| *l >= deepest)
            .collect()
    }
}

/// The level after `current` in a claim's chain, `None` when `current` is the last.
pub fn next_level(chain: &[ReviewLevel], current: ReviewLevel) -> Option<ReviewLevel> {
    chain.iter().copied().find(|l| *l > current)
}

/// What the platform knows, from verified records, about one learner of a claimed class.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facts {
    pub category: String,
    pub outcome: Option<Outcome>,
    pub online_tenths: u64,
    pub offline_hours: u32,
    pub attendance_percent: u32,
    /// `None`: the class has no course exam.
    pub exam_passed: Option<bool>,
    /// Holds a certificate of this class that is not revoked.
    pub certificate: bool,
    /// Cleared twice on a course of the class (seed 003 §6.3).
    pub irregular: bool,
    /// Another live claim already pays them for this project this year.
    pub claimed_elsewhere: bool,
    /// What other live claims pay them this calendar year.
    pub paid_this_year: Fen,
    /// A social-security card account is on record.
    pub has_account: bool,
    /// A training voucher of theirs paid (or is to pay) for this class: the training is
    /// not subsidised twice.
    pub voucher_used: bool,
}

/// The verdict on one learner: eligible with an amount, or not with every reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    pub amount: Fen,
    pub reasons: Vec<Reason>,
}

impl Judgement {
    pub fn eligible(&self) -> bool {
        self.reasons.is_empty() && self.amount.0 > 0
    }

    /// The reasons as stored: codes joined by commas.
    pub fn reason_codes(&self) -> String {
        self.reasons
            .iter()
            .map(|r| r.code())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Judge one learner under a policy that pays `standard` for the class.
pub fn judge(r: &Rules, standard: Fen, f: &Facts) -> Judgement {
    let mut reasons = Vec::new();
    if f.outcome != Some(Outcome::Completed) {
        reasons.push(Reason::NotCompleted);
    }
    if r.require_exam && f.exam_passed != Some(true) {
        reasons.push(Reason::ExamRequired);
    }
    if r.require_certificate && !f.certificate {
        reasons.push(Reason::CertificateRequired);
    }
    if f.online_tenths < u64::from(r.min_online_hours) * 10 {
        reasons.push(Reason::OnlineShort);
    }
    if f.offline_hours < r.min_offline_hours {
        reasons.push(Reason::OfflineShort);
    }
    if f.attendance_percent < r.min_attendance_percent {
        reasons.push(Reason::AttendanceShort);
    }
    if f.irregular {
        reasons.push(Reason::Irregular);
    }
    if !r.categories.is_empty() && !r.categories.contains(&f.category) {
        reasons.push(Reason::Category);
    }
    if f.claimed_elsewhere {
        reasons.push(Reason::AlreadyClaimed);
    }
    if !f.has_account {
        reasons.push(Reason::NoAccount);
    }
    if f.voucher_used {
        reasons.push(Reason::VoucherUsed);
    }
    let mut amount = standard.max(Fen(0));
    if r.yearly_cap.0 > 0 {
        let room = (r.yearly_cap.0 - f.paid_this_year.0).max(0);
        if room == 0 {
            reasons.push(Reason::CapReached);
        }
        amount = Fen(amount.0.min(room));
    }
    if !reasons.is_empty() {
        amount = Fen(0);
    }
    Judgement { amount, reasons }
}

/// One learner's line of a claim as compared between computations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Figure {
    pub user_id: String,
    pub amount: Fen,
    pub reasons: String,
}

/// Where a claim's figures as stored differ from a computation made now: one text per
/// learner whose amount or reasons changed, or who appeared or disappeared.
pub fn differences(
    stored: &[Figure],
    now: &[Figure],
    name: impl Fn(&str) -> String,
) -> Vec<String> {
    let a: BTreeMap<&str, &Figure> = stored.iter().map(|f| (f.user_id.as_str(), f)).collect();
    let b: BTreeMap<&str, &Figure> = now.iter().map(|f| (f.user_id.as_str(), f)).collect();
    let mut out = Vec::new();
    for (u, f) in &a {
        match b.get(u) {
            None => out.push(format!("{}：已不在本班", name(u))),
            Some(g) if g.amount != f.amount || g.reasons != f.reasons => out.push(format!(
                "{}：申报时{}元，现核算{}元{}",
                name(u),
                f.amount,
                g.amount,
                if g.reasons.is_empty() {
                    String::new()
                } else {
                    format!("（{}）", labels(&g.reasons))
                }
            )),
            Some(_) => {}
        }
    }
    for u in b.keys().filter(|u| !a.contains_key(*u)) {
        out.push(format!("{}：申报后新加入本班", name(u)));
    }
    out
}

/// Stored reason codes as Chinese labels.
pub fn labels(codes: &str) -> String {
    codes
        .split(',')
        .filter_map(Reason::parse)
        .map(Reason::label)
        .collect::<Vec<_>>()
        .join("；")
}

/// One payee in a bank file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankLine {
    pub account: String,
    pub name: String,
    pub amount: Fen,
    /// Unique per payout; the bank answers by it.
    pub reference: String,
}

/// The bank file of a batch (docs/subsidies.md): a header
/// `H|JNSUB1|<batch no>|<lines>|<total fen>|<YYYYMMDD>` and one line per payee
/// `D|<seq>|<account>|<name>|<amount fen>|<reference>`, UTF-8, `\n` line ends.
pub fn bank_file(batch_no: &str, day: NaiveDate, lines: &[BankLine]) -> String {
    let total: i64 = lines.iter().map(|l| l.amount.0).sum();
    let mut out = format!(
        "H|{BANK_FILE_FORMAT}|{}|{}|{}|{}\n",
        field(batch_no),
        lines.len(),
        total,
        day.format("%Y%m%d")
    );
    for (i, l) in lines.iter().enumerate() {
        out.push_str(&format!(
            "D|{}|{}|{}|{}|{}\n",
            i + 1,
            field(&l.account),
            field(&l.name),
            l.amount.0,
            field(&l.reference)
        ));
    }
    out
}

/// A field with the separator and line breaks taken out.
fn field(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '|' | '\n' | '\r'))
        .collect()
}

/// The bank's answer for one payee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankAnswer {
    pub reference: String,
    /// `Ok(bank's transaction number)` or `Err(why it was not paid)`.
    pub result: Result<String, String>,
}

/// Parse a return file (回盘文件): lines `R|<reference>|S|<bank txn no>` (paid) or
/// `R|<reference>|F|<reason>` (failed); blank lines ignored. Refused whole, with the
/// line number, at the first line that does not parse.
pub fn parse_return_file(bytes: &[u8]) -> Result<Vec<BankAnswer>, String> {
    if bytes.len() > MAX_RETURN_FILE_BYTES {
        return Err("回盘文件超过32MB".to_string());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "回盘文件不是UTF-8文本".to_string())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        if out.len() >= MAX_BATCH_LINES {
            return Err(format!("回盘文件超过{MAX_BATCH_LINES}行"));
        }
        let bad = || format!("第{}行格式不正确：应为 R|业务编号|S或F|流水号或原因", i + 1);
        let parts: Vec<&str> = line.split('|').collect();
        let [tag, reference, code, rest] = parts.as_slice() else {
            return Err(bad());
        };
        let token = |s: &str, max: usize| {
            !s.is_empty()
                && s.len() <= max
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if *tag != "R" || !token(reference, 64) {
            return Err(bad());
        }
        let rest = rest.trim();
        let result = match *code {
            "S" if token(rest, 64) => Ok(rest.to_string()),
            "F" if !rest.is_empty()
                && rest.chars().count() <= 100
                && !rest.chars().any(char::is_control) =>
            {
                Err(rest.to_string())
            }
            _ => return Err(bad()),
        };
        out.push(BankAnswer {
            reference: reference.to_string(),
            result,
        });
    }
    Ok(out)
}

/// A return file line for an answer (the sandbox bank writes them).
pub fn return_line(a: &BankAnswer) -> String {
    match &a.result {
        Ok(txn) => format!("R|{}|S|{}\n", field(&a.reference), field(txn)),
        Err(why) => format!("R|{}|F|{}\n", field(&a.reference), field(why)),
    }
}

/// The embedded sandbox bank's rule: an account ending in 0000 has been closed; any
/// other is paid. (Documented so demo and tests can make a line fail on purpose.)
pub fn sandbox_bank_answer(account: &str) -> Result<(), &'static str> {
    if account.ends_with("0000") {
        Err("账户已销户")
    } else {
        Ok(())
    }
}

/// The record a payout enters in the evidence log as (its hash is logged).
pub fn payout_record(reference: &str, user_id: &str, amount: Fen, txn: &str) -> String {
    format!("subsidy_payout|1|{reference}|{user_id}|{}|{txn}", amount.0)
}

/// The record a claim decision enters in the evidence log as.
pub fn decision_record(
    claim_id: &str,
    level: ReviewLevel,
    decision: ClaimDecision,
    figures: &[Figure],
) -> String {
    let mut s = format!(
        "subsidy_decision|1|{claim_id}|{}|{}",
        level.code(),
        decision.code()
    );
    for f in figures {
        s.push_str(&format!("|{}:{}:{}", f.user_id, f.amount.0, f.reasons));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rules() -> Rules {
        Rules {
            project_ids: vec![],
            amounts: BTreeMap::from([(4, Fen(120_000)), (0, Fen(60_000))]),
            categories: vec![],
            require_exam: false,
            require_certificate: false,
            min_online_hours: 0,
            min_offline_hours: 0,
            min_attendance_percent: 0,
            yearly_cap: Fen(0),
            window_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            window_until: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            levels: vec![
                ReviewLevel::County,
                ReviewLevel::City,
                ReviewLevel::Province,
            ],
            individual: false,
        }
    }

    fn good() -> Facts {
        Facts {
            category: "rural_migrant".into(),
            outcome: Some(Outcome::Completed),
            online_tenths: 400,
            offline_hours: 40,
            attendance_percent: 90,
            exam_passed: Some(true),
            certificate: true,
            irregular: false,
            claimed_elsewhere: false,
            paid_this_year: Fen(0),
            has_account: true,
            voucher_used: false,
        }
    }

    #[test]
    fn a_policy_is_checked() {
        assert!(rules().check().is_empty());
        let mut r = rules();
        r.amounts.insert(7, Fen(-1));
        r.levels = vec![ReviewLevel::City, ReviewLevel::County];
        r.categories.push("martian".into());
        r.window_until = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let fields: Vec<_> = r.check().into_iter().map(|e| e.0).collect();
        for f in ["amounts", "levels", "categories", "window_until"] {
            assert!(fields.contains(&f), "{f} not flagged: {fields:?}");
        }
    }

    #[test]
    fn coverage_window_and_levels() {
        let mut r = rules();
        assert_eq!(r.covers("p1", 4), Some(Fen(120_000)));
        assert_eq!(r.covers("p1", 3), None);
        r.project_ids = vec!["p2".into()];
        assert_eq!(r.covers("p1", 4), None);
        assert!(r.in_window(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()));
        assert!(!r.in_window(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()));
        let county = RegionCode::parse("520102").unwrap();
        let city = RegionCode::parse("520100").unwrap();
        assert_eq!(r.levels_for(&county).len(), 3);
        assert_eq!(
            r.levels_for(&city),
            vec![ReviewLevel::City, ReviewLevel::Province]
        );
        let chain = r.levels_for(&county);
        assert_eq!(
            next_level(&chain, ReviewLevel::County),
            Some(ReviewLevel::City)
        );
        assert_eq!(next_level(&chain, ReviewLevel::Province), None);
    }

    #[test]
    fn every_reason_is_given() {
        let r = Rules {
            require_exam: true,
            require_certificate: true,
            min_online_hours: 50,
            min_offline_hours: 50,
            min_attendance_percent: 95,
            categories: vec!["graduate".into()],
            yearly_cap: Fen(100),
            ..rules()
        };
        let f = Facts {
            outcome: Some(Outcome::ShortOfBoth),
            exam_passed: None,
            certificate: false,
            irregular: true,
            claimed_elsewhere: true,
            paid_this_year: Fen(100),
            has_account: false,
            voucher_used: true,
            ..good()
        };
        let j = judge(&r, Fen(120_000), &f);
        assert_eq!(j.reasons.len(), Reason::ALL.len());
        assert_eq!(j.amount, Fen(0));
        assert!(!j.eligible());
        assert!(labels(&j.reason_codes()).contains("未登记社保卡金融账户"));
    }

    #[test]
    fn the_cap_trims_the_amount() {
        let r = Rules {
            yearly_cap: Fen(150_000),
            ..rules()
        };
        let f = Facts {
            paid_this_year: Fen(100_000),
            ..good()
        };
        let j = judge(&r, Fen(120_000), &f);
        assert!(j.eligible());
        assert_eq!(j.amount, Fen(50_000));
    }

    #[test]
    fn differences_name_each_change() {
        let a = vec![
            Figure {
                user_id: "u1".into(),
                amount: Fen(100),
                reasons: String::new(),
            },
            Figure {
                user_id: "u2".into(),
                amount: Fen(100),
                reasons: String::new(),
            },
        ];
        let b = vec![
            Figure {
                user_id: "u1".into(),
                amount: Fen(0),
                reasons: "certificate_required".into(),
            },
            Figure {
                user_id: "u3".into(),
                amount: Fen(0),
                reasons: "no_account".into(),
            },
        ];
        let d = differences(&a, &b, |u| format!("学员{u}"));
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d[0].contains("学员u1") && d[0].contains("1.00元") && d[0].contains("证书"));
        assert!(d[1].contains("学员u2") && d[1].contains("不在本班"));
        assert!(d[2].contains("学员u3"));
        assert!(differences(&a, &a, |u| u.to_string()).is_empty());
    }

    #[test]
    fn bank_and_return_files() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let f = bank_file(
            "B1",
            day,
            &[BankLine {
                account: "6222021234567890123".into(),
                name: "张|三".into(),
                amount: Fen(120_000),
                reference: "SP1".into(),
            }],
        );
        assert_eq!(
            f,
            "H|JNSUB1|B1|1|120000|20261206\nD|1|6222021234567890123|张三|120000|SP1\n"
        );
        let ret = format!(
            "{}{}\n",
            return_line(&BankAnswer {
                reference: "SP1".into(),
                result: Ok("T9".into())
            }),
            return_line(&BankAnswer {
                reference: "SP2".into(),
                result: Err("账户已销户".into())
            })
        );
        let a = parse_return_file(ret.as_bytes()).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].result, Ok("T9".into()));
        assert_eq!(a[1].result, Err("账户已销户".into()));
        assert_eq!(
            parse_return_file("\u{feff}R|SP1|S|T9\r\n".as_bytes()).unwrap()[0].result,
            Ok("T9".into())
        );
        for bad in [
            "X|SP1|S|T",
            "R|SP1|Q|T",
            "R||S|T",
            "R|SP1|S|",
            "R|SP1",
            "R|SP1|S|a|b|c",
            "R|SP1|S|T\rR|SP2|S|T",
            "R|SP1|S|流水",
        ] {
            let e = parse_return_file(bad.as_bytes()).unwrap_err();
            assert!(e.contains("第1行"), "{bad}: {e}");
        }
        assert!(parse_return_file(&[0xff, 0xfe]).is_err());
        assert_eq!(sandbox_bank_answer("6222021234560000"), Err("账户已销户"));
        assert!(sandbox_bank_answer("6222021234567890123").is_ok());
    }

    fn facts() -> impl Strategy<Value = Facts> {
        (
            proptest::sample::select(vec!["rural_migrant", "graduate", "other"]),
            proptest::sample::select(Outcome::ALL.to_vec()),
            0u64..1000,
            0u32..100,
            0u32..=100,
            proptest::option::of(any::<bool>()),
            any::<bool>(),
            proptest::bool::weighted(0.1),
            proptest::bool::weighted(0.1),
            0i64..300_000,
            proptest::bool::weighted(0.9),
        )
            .prop_map(
                |(c, o, on, off, att, exam, cert, irr, el, paid, acc)| Facts {
                    category: c.to_string(),
                    outcome: Some(o),
                    online_tenths: on,
                    offline_hours: off,
                    attendance_percent: att,
                    exam_passed: exam,
                    certificate: cert,
                    irregular: irr,
                    claimed_elsewhere: el,
                    paid_this_year: Fen(paid),
                    has_account: acc,
                    // About one in seven used a voucher for the class.
                    voucher_used: paid % 7 == 3,
                },
            )
    }

    proptest! {
        /// Nobody ineligible is paid, nobody gets more than the standard or past the
        /// cap, and each condition that fails is named.
        #[test]
        fn nobody_ineligible_is_paid(
            f in facts(),
            exam in any::<bool>(),
            cert in any::<bool>(),
            min_on in 0u32..100,
            min_off in 0u32..100,
            min_att in 0u32..=100,
            cap in 0i64..400_000,
            standard in 1i64..200_000,
            narrow in any::<bool>(),
        ) {
            let r = Rules {
                require_exam: exam,
                require_certificate: cert,
                min_online_hours: min_on,
                min_offline_hours: min_off,
                min_attendance_percent: min_att,
                yearly_cap: Fen(cap),
                categories: if narrow { vec!["graduate".into()] } else { vec![] },
                ..rules()
            };
            let j = judge(&r, Fen(standard), &f);
            let qualifies = f.outcome == Some(Outcome::Completed)
                && (!exam || f.exam_passed == Some(true))
                && (!cert || f.certificate)
                && f.online_tenths >= u64::from(min_on) * 10
                && f.offline_hours >= min_off
                && f.attendance_percent >= min_att
                && !f.irregular
                && (!narrow || f.category == "graduate")
                && !f.claimed_elsewhere
                && f.has_account
                && !f.voucher_used
                && (cap == 0 || f.paid_this_year.0 < cap);
            prop_assert_eq!(j.eligible(), qualifies);
            prop_assert!(j.amount.0 >= 0 && j.amount.0 <= standard);
            if !j.eligible() {
                prop_assert_eq!(j.amount, Fen(0));
                prop_assert!(!j.reasons.is_empty());
            }
            if cap > 0 {
                prop_assert!(f.paid_this_year.0 + j.amount.0 <= cap.max(f.paid_this_year.0));
            }
        }

        /// Claim after claim for one person in a year never pays past the cap.
        #[test]
        fn the_cap_holds_over_many_claims(
            standards in proptest::collection::vec(1i64..200_000, 1..12),
            cap in 1i64..500_000,
        ) {
            let r = Rules { yearly_cap: Fen(cap), ..rules() };
            let mut paid = 0i64;
            for s in standards {
                let j = judge(&r, Fen(s), &Facts { paid_this_year: Fen(paid), ..good() });
                paid += j.amount.0;
                prop_assert!(paid <= cap);
            }
        }
    }
}
