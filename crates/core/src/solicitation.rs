//! Solicitation of course resources (资源征集, seed 000 §1.2: 需求优先、公正遴选、动态管理).
//! An operator opens a campaign; providers apply within its window; applications pass
//! material review, then a roadshow scored by experts on the campaign's sheet, then a
//! public notice (公示) open to objections; the shortlisted are admitted (入驻), and an
//! admission can later be suspended or ended.
//!
//! What is here: the states and the moves between them, the scoring sheet and how one
//! expert's points become a score out of 100, how the experts' scores become the result
//! (the mean, with the highest and the lowest dropped once enough experts scored), and
//! the dates that bound applying, correcting and objecting. Scores are kept in
//! hundredths of a point (integers), so nothing is lost to rounding twice.

use chrono::NaiveDate;

crate::coded! {
    /// Where a campaign stands. It only moves forward, one stage at a time.
    pub enum CampaignStatus {
        /// Being written; providers do not see it.
        Draft("draft", "草稿"),
        /// Open for applications until the window closes.
        Open("open", "征集中"),
        /// The window has closed; submitted materials are reviewed.
        Reviewing("reviewing", "材料审核"),
        /// Approved applications are scored by the assigned experts.
        Roadshow("roadshow", "路演评审"),
        /// The shortlist is published for objections.
        Notice("notice", "公示中"),
        /// Admissions decided.
        Closed("closed", "已结束"),
    }
}

impl CampaignStatus {
    /// The stage after this one, if any.
    pub fn next(self) -> Option<CampaignStatus> {
        use CampaignStatus::*;
        match self {
            Draft => Some(Open),
            Open => Some(Reviewing),
            Reviewing => Some(Roadshow),
            Roadshow => Some(Notice),
            Notice => Some(Closed),
            Closed => None,
        }
    }
}

crate::coded! {
    /// Where one provider's application stands.
    pub enum ApplicationStatus {
        /// Saved, not submitted: only the provider sees it.
        Draft("draft", "草稿"),
        Submitted("submitted", "已提交"),
        /// Sent back for correction, to be submitted again by a deadline.
        Returned("returned", "退回补正"),
        /// Refused at material review (final).
        Rejected("rejected", "审核未通过"),
        /// Passed material review: goes to the roadshow.
        Approved("approved", "审核通过"),
        /// On the public notice's shortlist.
        Shortlisted("shortlisted", "入围公示"),
        Admitted("admitted", "已入驻"),
        NotAdmitted("not_admitted", "未入驻"),
    }
}

impl ApplicationStatus {
    /// Whether the provider may still change and submit it.
    pub fn editable(self) -> bool {
        matches!(self, ApplicationStatus::Draft | ApplicationStatus::Returned)
    }
}

crate::coded! {
    /// An admitted provider's standing (入驻状态管理).
    pub enum AdmissionStatus {
        Active("active", "入驻中"),
        /// Temporarily barred from listing and selling; may be restored.
        Suspended("suspended", "暂停"),
        /// Admission ended for good.
        Ended("ended", "已退出"),
    }
}

impl AdmissionStatus {
    /// Whether an operator may move an admission from this standing to `to`.
    pub fn may_become(self, to: AdmissionStatus) -> bool {
        use AdmissionStatus::*;
        matches!(
            (self, to),
            (Active, Suspended) | (Suspended, Active) | (Active, Ended) | (Suspended, Ended)
        )
    }
}

/// The most criteria on one sheet.
pub const MAX_CRITERIA: usize = 20;
/// The most points one criterion can carry.
pub const MAX_POINTS: u32 = 100;
/// The longest criterion name, in characters.
pub const MAX_CRITERION_CHARS: usize = 50;
/// A score out of 100, in hundredths.
pub const FULL_SCORE: u32 = 10_000;

/// One criterion of the roadshow scoring sheet: an expert gives 0 to `max_points`
/// points; the criterion weighs `weight_percent` of the score out of 100.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Criterion {
    pub name: String,
    pub max_points: u32,
    pub weight_percent: u32,
}

/// The sheet experts score on, and from how many scores on the highest and the lowest
/// are dropped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScoringSheet {
    pub criteria: Vec<Criterion>,
    /// With at least this many scores, the highest and the lowest are dropped (at least
    /// 3; the seed's practice is 5).
    pub trim_from: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("评分表至少要有1项、最多{MAX_CRITERIA}项评分标准")]
    Count,
    #[error("第{0}行应为“评分标准,满分,权重”，例如“课程内容,40,40”")]
    Shape(usize),
    #[error("第{0}行的评分标准名称应为1–{MAX_CRITERION_CHARS}个字，且不能重复")]
    Name(usize),
    #[error("第{0}行的满分应为1–{MAX_POINTS}的整数")]
    Points(usize),
    #[error("第{0}行的权重应为1–100的整数")]
    Weight(usize),
    #[error("各项权重之和应为100，现为{0}")]
    WeightSum(u32),
    #[error("去掉最高分和最低分的起点应为3–50位专家")]
    TrimFrom,
}

impl ScoringSheet {
    /// A sheet typed as lines of `名称,满分,权重` (a full-width comma is accepted too).
    pub fn parse(lines: &str, trim_from: u32) -> Result<ScoringSheet, SheetError> {
        if !(3..=50).contains(&trim_from) {
            return Err(SheetError::TrimFrom);
        }
        let mut criteria: Vec<Criterion> = Vec::new();
        for (i, line) in lines
            .lines()
            .map(str::trim)
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
        {
            let n = i + 1;
            let parts: Vec<&str> = line.split([',', '，']).map(str::trim).collect();
            let [name, points, weight] = parts[..] else {
                return Err(SheetError::Shape(n));
            };
            let chars = name.chars().count();
            if chars == 0
                || chars > MAX_CRITERION_CHARS
                || crate::text::plain_text_problem(name).is_some()
                || criteria.iter().any(|c| c.name == name)
            {
                return Err(SheetError::Name(n));
            }
            let max_points = points
                .parse::<u32>()
                .ok()
                .filter(|p| (1..=MAX_POINTS).contains(p))
                .ok_or(SheetError::Points(n))?;
            let weight_percent = weight
                .parse::<u32>()
                .ok()
                .filter(|w| (1..=100).contains(w))
                .ok_or(SheetError::Weight(n))?;
            criteria.push(Criterion {
                name: name.to_string(),
                max_points,
                weight_percent,
            });
            if criteria.len() > MAX_CRITERIA {
                return Err(SheetError::Count);
            }
        }
        if criteria.is_empty() {
            return Err(SheetError::Count);
        }
        let sum: u32 = criteria.iter().map(|c| c.weight_percent).sum();
        if sum != 100 {
            return Err(SheetError::WeightSum(sum));
        }
        Ok(ScoringSheet {
            criteria,
            trim_from,
        })
    }

    /// One expert's points as a score out of 100 in hundredths: each criterion's share
    /// of its maximum times its weight, summed, rounded half up once at the end.
    pub fn score(&self, points: &[u32]) -> Result<u32, ScoreError> {
        if points.len() != self.criteria.len() {
            return Err(ScoreError::Count(self.criteria.len()));
        }
        for (i, (c, &p)) in self.criteria.iter().zip(points).enumerate() {
            if p > c.max_points {
                return Err(ScoreError::Range {
                    nth: i + 1,
                    name: c.name.clone(),
                    max: c.max_points,
                });
            }
        }
        // Σ points_i × weight_i × 100 / max_i, summed exactly over the least common
        // multiple of the maxima; a sheet whose maxima have no common multiple that fits
        // (many distinct large primes) is summed in units of 10⁻²⁴ of a hundredth.
        let terms = || {
            self.criteria
                .iter()
                .zip(points)
                .map(|(c, &p)| (u128::from(p) * u128::from(c.weight_percent) * 100, c))
        };
        let common = self.criteria.iter().try_fold(1u128, |acc, c| {
            let m = u128::from(c.max_points);
            (acc / gcd(acc, m)).checked_mul(m)
        });
        let (numerator, denominator) = match common.filter(|d| *d <= u128::MAX / 1_000_000_000) {
            Some(d) => (
                terms()
                    .map(|(t, c)| t * (d / u128::from(c.max_points)))
                    .sum::<u128>(),
                d,
            ),
            None => {
                let unit = 10u128.pow(24);
                (
                    terms()
                        .map(|(t, c)| t * unit / u128::from(c.max_points))
                        .sum::<u128>(),
                    unit,
                )
            }
        };
        let rounded = (numerator * 2 + denominator) / (denominator * 2);
        Ok(u32::try_from(rounded).unwrap_or(FULL_SCORE).min(FULL_SCORE))
    }
}

fn gcd(a: u128, b: u128) -> u128 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    #[error("应对全部{0}项评分标准打分")]
    Count(usize),
    #[error("第{nth}项“{name}”的得分应在0–{max}之间")]
    Range { nth: usize, name: String, max: u32 },
}

/// The result of a roadshow from the experts' scores (hundredths): the mean, rounded
/// half up, after dropping one highest and one lowest score when at least `trim_from`
/// experts scored. None when nobody scored.
pub fn result(scores: &[u32], trim_from: u32) -> Option<u32> {
    if scores.is_empty() {
        return None;
    }
    let mut s: Vec<u64> = scores.iter().map(|&x| u64::from(x)).collect();
    s.sort_unstable();
    let kept: &[u64] = if s.len() >= trim_from.max(3) as usize {
        &s[1..s.len() - 1]
    } else {
        &s
    };
    let n = kept.len() as u64;
    let sum: u64 = kept.iter().sum();
    u32::try_from((sum * 2 + n) / (n * 2)).ok()
}

/// A score in hundredths as shown: `87.25`.
pub fn score_text(hundredths: u32) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// Whether an application may be submitted on `today`: within the campaign's window, or
/// (returned for correction) by its correction deadline.
pub fn may_submit(
    status: ApplicationStatus,
    window_until: NaiveDate,
    correct_by: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), SubmitError> {
    match status {
        ApplicationStatus::Draft if today <= window_until => Ok(()),
        ApplicationStatus::Draft => Err(SubmitError::Late(window_until)),
        ApplicationStatus::Returned => match correct_by {
            Some(d) if today <= d => Ok(()),
            Some(d) => Err(SubmitError::Late(d)),
            None => Err(SubmitError::Late(window_until)),
        },
        s => Err(SubmitError::State(s)),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    #[error("已过截止日期（{0}），不能再提交")]
    Late(NaiveDate),
    #[error("申报{0}，不能再提交")]
    State(ApplicationStatus),
}

/// The last day of a public notice that starts on `from` and runs `days` days.
pub fn notice_last_day(from: NaiveDate, days: u32) -> NaiveDate {
    from + chrono::Duration::days(i64::from(days.max(1)) - 1)
}

/// Whether an objection may be filed on `today` against a notice that started on
/// `from` for `days` days.
pub fn may_object(from: NaiveDate, days: u32, today: NaiveDate) -> bool {
    today >= from && today <= notice_last_day(from, days)
}

/// Whether the operator may close a notice on `today`: its days are over and every
/// objection has been answered.
pub fn may_close_notice(
    from: NaiveDate,
    days: u32,
    today: NaiveDate,
    unanswered: u64,
) -> Result<(), CloseError> {
    if today <= notice_last_day(from, days) {
        return Err(CloseError::Running(notice_last_day(from, days)));
    }
    if unanswered > 0 {
        return Err(CloseError::Unanswered(unanswered));
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloseError {
    #[error("公示期至{0}，期满后才能结束公示")]
    Running(NaiveDate),
    #[error("还有{0}条异议未答复，答复后才能结束公示")]
    Unanswered(u64),
}

/// The longest answer in one field of the declaration form, in characters.
pub const MAX_FORM_CHARS: usize = 2000;

/// A provider's declaration form (申报情况表).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApplicationForm {
    /// 单位简介.
    pub summary: String,
    /// 拟提供的课程资源 (names, occupations, hours).
    pub courses: String,
    /// 制作团队.
    pub team: String,
    /// 资质与业绩.
    pub achievements: String,
}

impl ApplicationForm {
    /// The fields with their form names and labels.
    pub fn fields(&self) -> [(&'static str, &'static str, &str); 4] {
        [
            ("summary", "单位简介", &self.summary),
            ("courses", "拟提供的课程资源", &self.courses),
            ("team", "制作团队", &self.team),
            ("achievements", "资质与业绩", &self.achievements),
        ]
    }

    /// Problems, by field: every field plain text within the limit, and (to submit)
    /// none empty.
    pub fn problems(&self, to_submit: bool) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (field, label, value) in self.fields() {
            let v = value.trim();
            if v.chars().count() > MAX_FORM_CHARS {
                out.push((field, format!("{label}不能超过{MAX_FORM_CHARS}个字")));
            } else if let Some(p) = crate::text::plain_text_problem(v) {
                out.push((field, format!("{label}{p}")));
            } else if to_submit && v.is_empty() {
                out.push((field, format!("提交前请填写{label}")));
            }
        }
        out
    }

    /// The form with each field trimmed.
    pub fn trimmed(self) -> ApplicationForm {
        ApplicationForm {
            summary: self.summary.trim().to_string(),
            courses: self.courses.trim().to_string(),
            team: self.team.trim().to_string(),
            achievements: self.achievements.trim().to_string(),
        }
    }
}

/// A pass line as typed (`60`, `75.5`): hundredths of a point, 0–100.
pub fn parse_score(s: &str) -> Option<u32> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || whole.len() > 3 || frac.len() > 2 || (s.ends_with('.')) {
        return None;
    }
    if !whole
        .bytes()
        .chain(frac.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let w: u32 = whole.parse().ok()?;
    let f: u32 = format!("{frac:0<2}").parse().ok()?;
    let v = w * 100 + f;
    (v <= FULL_SCORE).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn pass_lines_are_read_in_hundredths() {
        assert_eq!(parse_score("60"), Some(6000));
        assert_eq!(parse_score(" 75.5 "), Some(7550));
        assert_eq!(parse_score("100.00"), Some(10000));
        assert_eq!(parse_score("0.05"), Some(5));
        for bad in [
            "", "100.01", "1e2", "-1", "60.", ".5", "60.123", "６０", "1000",
        ] {
            assert_eq!(parse_score(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_form_is_checked_field_by_field() {
        let mut f = ApplicationForm::default();
        assert!(f.problems(false).is_empty());
        assert_eq!(f.problems(true).len(), 4);
        f.summary = "=cmd".into();
        f.courses = "课".repeat(MAX_FORM_CHARS + 1);
        f.team = "三人团队".into();
        f.achievements = "多行\n业绩".into();
        let p = f.problems(true);
        assert_eq!(
            p.iter().map(|x| x.0).collect::<Vec<_>>(),
            vec!["summary", "courses"]
        );
    }

    fn sheet() -> ScoringSheet {
        ScoringSheet::parse(
            "课程内容,40,40\n画面与声音，30，30\n\n题目相关性,20,20\n学习收获,10,10",
            5,
        )
        .unwrap()
    }

    #[test]
    fn a_sheet_is_parsed_with_either_comma_and_blank_lines() {
        let s = sheet();
        assert_eq!(s.criteria.len(), 4);
        assert_eq!(s.criteria[1].name, "画面与声音");
        assert_eq!(s.criteria[1].max_points, 30);
    }

    #[test]
    fn bad_sheets_name_the_line() {
        assert_eq!(ScoringSheet::parse("", 5), Err(SheetError::Count));
        assert_eq!(ScoringSheet::parse("内容,40", 5), Err(SheetError::Shape(1)));
        assert_eq!(
            ScoringSheet::parse("内容,40,50\n内容,10,50", 5),
            Err(SheetError::Name(2))
        );
        assert_eq!(
            ScoringSheet::parse("内容,0,100", 5),
            Err(SheetError::Points(1))
        );
        assert_eq!(
            ScoringSheet::parse("内容,10,0", 5),
            Err(SheetError::Weight(1))
        );
        assert_eq!(
            ScoringSheet::parse("内容,10,60\n表现,10,30", 5),
            Err(SheetError::WeightSum(90))
        );
        assert_eq!(
            ScoringSheet::parse("=cmd,10,100", 5),
            Err(SheetError::Name(1))
        );
        assert_eq!(
            ScoringSheet::parse("内容,10,100", 2),
            Err(SheetError::TrimFrom)
        );
        let many: String = (0..21).map(|i| format!("项{i},5,1\n")).collect();
        assert_eq!(ScoringSheet::parse(&many, 5), Err(SheetError::Count));
    }

    #[test]
    fn a_score_weighs_each_criterion_and_refuses_points_out_of_range() {
        let s = sheet();
        assert_eq!(s.score(&[40, 30, 20, 10]), Ok(FULL_SCORE));
        assert_eq!(s.score(&[0, 0, 0, 0]), Ok(0));
        // 20/40×40 + 15/30×30 + 10/20×20 + 5/10×10 = 50.
        assert_eq!(s.score(&[20, 15, 10, 5]), Ok(5_000));
        assert_eq!(s.score(&[40, 30, 20]), Err(ScoreError::Count(4)));
        assert!(matches!(
            s.score(&[40, 31, 20, 10]),
            Err(ScoreError::Range {
                nth: 2,
                max: 30,
                ..
            })
        ));
        // Maxima with no common multiple that fits: still in range, full marks exact.
        let primes = [
            97, 89, 83, 79, 73, 71, 67, 61, 59, 53, 47, 43, 41, 37, 31, 29, 23, 19, 17, 13,
        ];
        let lines: String = primes.iter().map(|p| format!("项{p},{p},5\n")).collect();
        let wide = ScoringSheet::parse(&lines, 5).unwrap();
        assert_eq!(wide.score(&primes), Ok(FULL_SCORE));
        let half: Vec<u32> = primes.iter().map(|p| p / 2).collect();
        let h = wide.score(&half).unwrap();
        assert!((4_700..5_000).contains(&h), "{h}");
        // Thirds: 1/3 of a weight of 100 is 33.33.
        let t = ScoringSheet::parse("内容,3,100", 5).unwrap();
        assert_eq!(t.score(&[1]), Ok(3_333));
        assert_eq!(t.score(&[2]), Ok(6_667));
    }

    #[test]
    fn the_result_drops_the_extremes_from_the_configured_count() {
        assert_eq!(result(&[], 5), None);
        assert_eq!(result(&[8_000], 5), Some(8_000));
        // Four scores: the plain mean.
        assert_eq!(result(&[6_000, 7_000, 8_000, 9_900], 5), Some(7_725));
        // Five: 1,000 and 9,900 dropped.
        assert_eq!(result(&[1_000, 7_000, 8_000, 9_000, 9_900], 5), Some(8_000));
        // Configured from three.
        assert_eq!(result(&[1_000, 7_000, 9_900], 3), Some(7_000));
        // Rounded half up.
        assert_eq!(result(&[1, 2], 5), Some(2));
        assert_eq!(score_text(8_725), "87.25");
        assert_eq!(score_text(5), "0.05");
    }

    #[test]
    fn applying_is_bounded_by_the_window_and_the_correction_deadline() {
        use ApplicationStatus::*;
        let until = d("2026-12-31");
        assert_eq!(may_submit(Draft, until, None, d("2026-12-31")), Ok(()));
        assert_eq!(
            may_submit(Draft, until, None, d("2027-01-01")),
            Err(SubmitError::Late(until))
        );
        assert_eq!(
            may_submit(Returned, until, Some(d("2027-01-10")), d("2027-01-10")),
            Ok(())
        );
        assert!(may_submit(Returned, until, Some(d("2027-01-10")), d("2027-01-11")).is_err());
        assert_eq!(
            may_submit(Submitted, until, None, d("2026-12-01")),
            Err(SubmitError::State(Submitted))
        );
    }

    #[test]
    fn a_notice_takes_objections_in_its_days_and_closes_after_them_when_all_are_answered() {
        let from = d("2026-12-01");
        assert_eq!(notice_last_day(from, 7), d("2026-12-07"));
        assert!(!may_object(from, 7, d("2026-11-30")));
        assert!(may_object(from, 7, d("2026-12-07")));
        assert!(!may_object(from, 7, d("2026-12-08")));
        assert_eq!(
            may_close_notice(from, 7, d("2026-12-07"), 0),
            Err(CloseError::Running(d("2026-12-07")))
        );
        assert_eq!(
            may_close_notice(from, 7, d("2026-12-08"), 2),
            Err(CloseError::Unanswered(2))
        );
        assert_eq!(may_close_notice(from, 7, d("2026-12-08"), 0), Ok(()));
    }

    #[test]
    fn stages_move_forward_one_at_a_time_and_admissions_as_allowed() {
        let mut s = CampaignStatus::Draft;
        let mut seen = vec![s];
        while let Some(n) = s.next() {
            s = n;
            seen.push(s);
        }
        assert_eq!(seen, CampaignStatus::ALL.to_vec());
        use AdmissionStatus::*;
        assert!(Active.may_become(Suspended) && Suspended.may_become(Active));
        assert!(Suspended.may_become(Ended));
        assert!(!Ended.may_become(Active) && !Active.may_become(Active));
        assert!(ApplicationStatus::Returned.editable() && !ApplicationStatus::Approved.editable());
    }

    proptest! {
        /// Any points within the sheet give a score within 0–100, full marks give 100,
        /// and more points never give a lower score.
        #[test]
        fn scores_stay_in_range_and_grow_with_points(
            maxima in proptest::collection::vec(1u32..=100, 1..=8),
            seed in proptest::collection::vec(0u32..=100, 8),
        ) {
            // Weights: spread 100 over the criteria.
            let n = maxima.len() as u32;
            let lines: String = maxima
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let w = if (i as u32) < n - 1 { 100 / n } else { 100 - (100 / n) * (n - 1) };
                    format!("项{i},{m},{w}\n")
                })
                .collect();
            let sheet = ScoringSheet::parse(&lines, 5).unwrap();
            let points: Vec<u32> = maxima.iter().zip(&seed).map(|(m, s)| s % (m + 1)).collect();
            let score = sheet.score(&points).unwrap();
            prop_assert!(score <= FULL_SCORE);
            prop_assert_eq!(sheet.score(&maxima).unwrap(), FULL_SCORE);
            let mut more = points.clone();
            if let Some(i) = more.iter().zip(&maxima).position(|(p, m)| p < m) {
                more[i] += 1;
                prop_assert!(sheet.score(&more).unwrap() >= score);
            }
        }

        /// The result lies between the lowest and the highest score, and dropping the
        /// extremes means one outlier cannot move it past the others.
        #[test]
        fn the_result_lies_within_the_scores(
            scores in proptest::collection::vec(0u32..=10_000, 1..=12),
            trim_from in 3u32..=8,
        ) {
            let r = result(&scores, trim_from).unwrap();
            let lo = *scores.iter().min().unwrap();
            let hi = *scores.iter().max().unwrap();
            prop_assert!(lo <= r && r <= hi);
            if scores.len() >= trim_from as usize {
                let mut with_outlier = scores.clone();
                with_outlier.push(10_000);
                with_outlier.push(0);
                let mut sorted = scores.clone();
                sorted.sort_unstable();
                let r2 = result(&with_outlier, trim_from).unwrap();
                prop_assert!(sorted[0] <= r2 && r2 <= sorted[sorted.len() - 1]);
            }
        }
    }
}
