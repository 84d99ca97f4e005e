//! Course packages (课程包): what a course provider, or an institution for its own
//! courses, publishes. A package has versions; each version is written as a draft,
//! reviewed, and once approved becomes the listed one, while classes keep the version
//! they already have. Pure rules: kinds and statuses, their moves, class hours from
//! durations, the checks on a version's content and the sensitive-word filter. Never
//! reads storage, the clock or randomness.

pub mod questions;
pub mod ratings;

use std::collections::HashSet;

crate::coded! {
    /// 培训类型 of a course package (seed 000 §1.1; the same codes as the training-project
    /// catalogue's).
    pub enum CourseTrainingType {
        VocationalSkill("vocational_skill", "职业技能培训"),
        SpecialAbility("special_ability", "专项能力培训"),
        LaborBrand("labor_brand", "劳务品牌培训"),
        PublicWelfare("public_welfare", "公益性培训"),
    }
}

crate::coded! {
    /// 课程类型.
    pub enum CourseType {
        General("general", "通用素质"),
        Foundation("foundation", "专业基础"),
        Skill("skill", "操作技能"),
        NewOccupation("new_occupation", "新职业"),
    }
}

crate::coded! {
    /// Where a course comes from (seed 004 §7.2.7 i, j).
    pub enum CourseSource {
        /// Uploaded by an admitted course provider.
        Provider("provider", "课程资源方"),
        /// An institution's own online course (自有课).
        Own("own", "机构自有课"),
        /// An offline course registered for review (线下课).
        Offline("offline", "线下课"),
    }
}

crate::coded! {
    /// What a lesson is.
    pub enum LessonKind {
        Video("video", "视频"),
        /// A PDF shown page by page, never downloaded.
        Document("document", "文档"),
        Text("text", "图文"),
    }
}

crate::coded! {
    /// Where one version of a package is in its life.
    pub enum VersionStatus {
        /// Being written by its organisation.
        Draft("draft", "草稿"),
        /// Submitted; reviewers decide it level by level.
        InReview("in_review", "审核中"),
        /// Sent back with comments; the organisation fixes it and submits again.
        Returned("returned", "已退回"),
        /// Passed every level of review; the package's listed version.
        Approved("approved", "审核通过"),
        /// An approved version replaced by a newer approved one (classes may still use it).
        Superseded("superseded", "已被新版本替代"),
    }
}

crate::coded! {
    /// Something done to a version.
    pub enum VersionAction {
        Submit("submit", "提交审核"),
        /// A reviewer at one level passes it on to the next level.
        Pass("pass", "审核通过"),
        /// The last level approves it.
        Approve("approve", "终审通过"),
        Return("return", "退回修改"),
        /// A newer version of the same package was approved.
        Supersede("supersede", "被新版本替代"),
    }
}

crate::coded! {
    /// Whether a package is offered in the catalogue.
    pub enum ListingStatus {
        /// No version approved yet.
        Unlisted("unlisted", "未上架"),
        Listed("listed", "已上架"),
        /// Taken off the catalogue by an operator or regulator (classes that have it keep it).
        Delisted("delisted", "已下架"),
    }
}

crate::coded! {
    /// Who decides one level of a course review (seed 000 §1.4).
    pub enum ReviewStep {
        /// 一审: an expert of a group whose scope covers the course.
        Expert("expert", "专家初审"),
        /// 复审: the leader of such a group.
        Leader("leader", "组长复审"),
        /// 终审: the competent authority (the province's regulator).
        Authority("authority", "主管部门终审"),
    }
}

impl ReviewStep {
    /// The flow with `levels` levels (1 to 3): the authority always decides last.
    pub fn flow(levels: u8) -> Vec<ReviewStep> {
        match levels {
            0 | 1 => vec![ReviewStep::Authority],
            2 => vec![ReviewStep::Expert, ReviewStep::Authority],
            _ => vec![
                ReviewStep::Expert,
                ReviewStep::Leader,
                ReviewStep::Authority,
            ],
        }
    }
}

crate::coded! {
    /// A reviewer's decision at one level.
    pub enum ReviewDecision {
        /// Passed on to the next level, or approved at the last.
        Pass("pass", "通过"),
        /// Sent back to its organisation with comments.
        Return("return", "退回修改"),
    }
}

/// What every reviewer ticks before passing a course (seed 003 §7.1; seed 000 §2.3).
pub const REVIEW_CHECKLIST: [&str; 6] = [
    "内容导向正确，无违法违规和敏感内容",
    "课程内容与职业（工种）、等级相符",
    "视频、文档清晰完整，可正常播放",
    "学时与课时时长相符",
    "课后习题数量与质量符合要求",
    "版权证明真实有效",
];

/// The occupation major category (大类, "1"–"8") of an occupation code like "4-10-01-06".
pub fn major_category(occupation_code: &str) -> &str {
    occupation_code.split('-').next().unwrap_or("")
}

/// Whether a comma-separated scope list admits `value` (an empty list admits all).
pub fn scope_admits(list: &str, value: &str) -> bool {
    list.trim().is_empty() || list.split(',').any(|x| x.trim() == value)
}

crate::coded! {
    /// Where an uploaded video is on its way to playable.
    pub enum MediaStatus {
        /// Chunks are arriving; an interrupted upload continues from the missing ones.
        Uploading("uploading", "上传中"),
        /// Probed, cut into HLS renditions and encrypted by a job.
        Processing("processing", "处理中"),
        Ready("ready", "可播放"),
        /// Not a playable video, or processing gave up; the reason says which.
        Failed("failed", "处理失败"),
    }
}

/// Size of one upload chunk (the last may be smaller).
pub const CHUNK_BYTES: u64 = 4 * 1024 * 1024;
/// Largest video accepted.
pub const MAX_VIDEO_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// How many chunks a file of `size` bytes is cut into.
pub fn chunk_count(size: u64) -> u64 {
    size.div_ceil(CHUNK_BYTES)
}

/// The size chunk `n` (0-based) of a file of `size` bytes must have; `None` past the end.
pub fn chunk_size(size: u64, n: u64) -> Option<u64> {
    let count = chunk_count(size);
    if n >= count {
        None
    } else if n + 1 < count {
        Some(CHUNK_BYTES)
    } else {
        Some(size - CHUNK_BYTES * (count - 1))
    }
}

/// The ffmpeg demuxer for a video container recognised by its first bytes; `None` for
/// anything else. The media job forces this demuxer, so a playlist or concat file posing
/// as a video can never make ffmpeg read other files.
pub fn video_container(head: &[u8]) -> Option<&'static str> {
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        Some("mov")
    } else if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some("matroska")
    } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"AVI " {
        Some("avi")
    } else if head.starts_with(b"FLV") {
        Some("flv")
    } else if head.len() > 188 && head[0] == 0x47 && head[188] == 0x47 {
        Some("mpegts")
    } else if head.starts_with(&[0x00, 0x00, 0x01, 0xBA]) {
        Some("mpeg")
    } else {
        None
    }
}

/// An HLS rendition: name, height, video bitrate (kbit/s).
pub const RENDITIONS: [(&str, u32, u32); 2] = [("360p", 360, 800), ("720p", 720, 2500)];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("当前状态为“{from}”，不能{action}")]
pub struct VersionTransitionError {
    pub from: &'static str,
    pub action: &'static str,
}

impl VersionStatus {
    /// The only moves a version makes.
    pub fn apply(self, a: VersionAction) -> Result<VersionStatus, VersionTransitionError> {
        use VersionAction as A;
        use VersionStatus as S;
        match (self, a) {
            (S::Draft | S::Returned, A::Submit) => Ok(S::InReview),
            (S::InReview, A::Pass) => Ok(S::InReview),
            (S::InReview, A::Approve) => Ok(S::Approved),
            (S::InReview, A::Return) => Ok(S::Returned),
            (S::Approved, A::Supersede) => Ok(S::Superseded),
            (from, action) => Err(VersionTransitionError {
                from: from.label(),
                action: action.label(),
            }),
        }
    }

    /// Whether its organisation may still change the content.
    pub fn editable(self) -> bool {
        matches!(self, VersionStatus::Draft | VersionStatus::Returned)
    }
}

crate::coded! {
    /// Something an operator or regulator does to a listed package.
    pub enum ListingAction {
        Delist("delist", "下架"),
        Relist("relist", "重新上架"),
    }
}

impl ListingStatus {
    pub fn apply(self, a: ListingAction) -> Result<ListingStatus, VersionTransitionError> {
        match (self, a) {
            (ListingStatus::Listed, ListingAction::Delist) => Ok(ListingStatus::Delisted),
            (ListingStatus::Delisted, ListingAction::Relist) => Ok(ListingStatus::Listed),
            (from, action) => Err(VersionTransitionError {
                from: from.label(),
                action: action.label(),
            }),
        }
    }
}

/// One class hour (学时) is 45 minutes of study (seed 003 §7.2).
pub const SECONDS_PER_CLASS_HOUR: u64 = 45 * 60;

/// How far the lessons' total may stray from the declared class hours: half a class hour
/// either way.
pub const HOURS_TOLERANCE_SECONDS: u64 = SECONDS_PER_CLASS_HOUR / 2;

/// A lecture video longer than this gets a warning the reviewer sees (seed 003 §7.1.4).
pub const LONG_VIDEO_SECONDS: u64 = 25 * 60;

/// Class hours in tenths (12.5 学时 → 125) from seconds of study, rounded to the nearest
/// tenth.
pub fn class_hour_tenths(seconds: u64) -> u64 {
    (seconds * 10 + SECONDS_PER_CLASS_HOUR / 2) / SECONDS_PER_CLASS_HOUR
}

/// "12.5" from 125.
pub fn tenths_label(tenths: u64) -> String {
    if tenths.is_multiple_of(10) {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// Whether the lessons' total study time matches the declared class hours within the
/// tolerance; the error says both figures in class hours.
pub fn check_hours(declared_hours: u32, lesson_seconds: u64) -> Result<(), String> {
    let declared = u64::from(declared_hours) * SECONDS_PER_CLASS_HOUR;
    if declared.abs_diff(lesson_seconds) <= HOURS_TOLERANCE_SECONDS {
        Ok(())
    } else {
        Err(format!(
            "课时合计{}学时，与申报的总学时{}学时不符（允许相差0.5学时；45分钟为1学时）",
            tenths_label(class_hour_tenths(lesson_seconds)),
            declared_hours
        ))
    }
}

/// A lesson as the content check sees it.
#[derive(Debug, Clone)]
pub struct LessonFacts<'a> {
    pub title: &'a str,
    pub kind: LessonKind,
    /// Study time in seconds: a video's probed duration, a document's or text's stated
    /// reading time. `None` for a video not yet processed.
    pub seconds: Option<u64>,
    /// For videos and documents: whether the file is ready (transcoded, parsed).
    pub ready: bool,
    /// Part of the free preview.
    pub preview: bool,
}

/// A package's free preview lasts at least this long, or the whole course when it is
/// shorter (seed 003 §7.2).
pub const MIN_PREVIEW_SECONDS: u64 = 10 * 60;

/// What stops a version from being submitted, each in words a provider understands;
/// and what a reviewer should be warned about but which does not stop it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentReport {
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
}

/// Check a version's lessons against the declared hours before submission: at least one
/// lesson (online courses), every file ready, names unique, hours adding up; videos over
/// 25 minutes are warned about.
pub fn check_content(
    source: CourseSource,
    declared_hours: u32,
    lessons: &[LessonFacts<'_>],
) -> ContentReport {
    let mut r = ContentReport::default();
    if lessons.is_empty() {
        if source != CourseSource::Offline {
            r.problems
                .push("课程包至少需要一个课时（视频、文档或图文）".into());
        }
        return r;
    }
    let mut seen = HashSet::new();
    let mut total = 0u64;
    for l in lessons {
        if !seen.insert(l.title.trim()) {
            r.problems
                .push(format!("课时名称“{}”重复，同一课程包内不能重名", l.title));
        }
        match (l.kind, l.seconds, l.ready) {
            (LessonKind::Video | LessonKind::Document, _, false) => r.problems.push(format!(
                "课时“{}”的{}尚未处理完成，不能提交",
                l.title,
                l.kind.label()
            )),
            (_, None, _) => r.problems.push(format!("课时“{}”缺少学习时长", l.title)),
            (kind, Some(s), _) => {
                total += s;
                if kind == LessonKind::Video && s > LONG_VIDEO_SECONDS {
                    r.warnings.push(format!(
                        "视频“{}”时长{}分钟，超过25分钟",
                        l.title,
                        s.div_ceil(60)
                    ));
                }
            }
        }
    }
    if r.problems.is_empty()
        && let Err(m) = check_hours(declared_hours, total)
    {
        r.problems.push(m);
    }
    let preview: u64 = lessons
        .iter()
        .filter(|l| l.preview)
        .filter_map(|l| l.seconds)
        .sum();
    if r.problems.is_empty() && preview < MIN_PREVIEW_SECONDS.min(total) {
        r.problems.push(format!(
            "免费试看内容合计{}分钟，应不少于10分钟（课程不足10分钟的全部可试看）；请把课时设为“可免费试看”",
            preview / 60
        ));
    }
    r
}

/// The price rule: never negative; public-welfare courses are free.
pub fn check_price(training_type: CourseTrainingType, price_fen: i64) -> Result<(), &'static str> {
    if price_fen < 0 {
        return Err("价格不能为负数");
    }
    if training_type == CourseTrainingType::PublicWelfare && price_fen != 0 {
        return Err("公益性培训课程应免费（价格为0）");
    }
    if price_fen > 100_000_000 {
        return Err("价格不能超过100万元");
    }
    Ok(())
}

/// The sensitive-word filter (seed 000 §2.3): the words of an admin-maintained list found
/// in a text, matched case-insensitively and ignoring spaces put between characters to
/// dodge it.
pub struct WordFilter {
    words: Vec<String>,
    matcher: Option<aho_corasick::AhoCorasick>,
}

impl WordFilter {
    /// A filter over the non-empty lines of `list` (one word or phrase per line).
    pub fn new(list: &str) -> WordFilter {
        let mut words: Vec<String> = list
            .lines()
            .map(|w| normalise(w.trim()))
            .filter(|w| !w.is_empty())
            .collect();
        words.sort();
        words.dedup();
        let matcher = aho_corasick::AhoCorasick::new(&words).ok();
        WordFilter { words, matcher }
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The distinct listed words found in `text`, in the list's order.
    pub fn hits(&self, text: &str) -> Vec<String> {
        let Some(m) = &self.matcher else {
            return Vec::new();
        };
        let hay = normalise(text);
        let mut found: Vec<usize> = m
            .find_overlapping_iter(&hay)
            .map(|h| h.pattern().as_usize())
            .collect();
        found.sort_unstable();
        found.dedup();
        found.into_iter().map(|i| self.words[i].clone()).collect()
    }
}

/// Lower case, without whitespace and the usual separators people put between the
/// characters of a word to slip past a filter.
fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '.' | '-' | '_' | '·' | '|'))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn versions_move_only_as_listed() {
        use VersionAction as A;
        use VersionStatus as S;
        assert_eq!(S::Draft.apply(A::Submit), Ok(S::InReview));
        assert_eq!(S::Returned.apply(A::Submit), Ok(S::InReview));
        assert_eq!(S::InReview.apply(A::Pass), Ok(S::InReview));
        assert_eq!(S::InReview.apply(A::Approve), Ok(S::Approved));
        assert_eq!(S::InReview.apply(A::Return), Ok(S::Returned));
        assert_eq!(S::Approved.apply(A::Supersede), Ok(S::Superseded));
        for s in S::ALL {
            for a in A::ALL {
                let allowed = matches!(
                    (s, a),
                    (S::Draft | S::Returned, A::Submit)
                        | (S::InReview, A::Pass | A::Approve | A::Return)
                        | (S::Approved, A::Supersede)
                );
                assert_eq!(s.apply(*a).is_ok(), allowed, "{s:?} {a:?}");
            }
        }
        let e = S::Approved.apply(A::Submit).unwrap_err();
        assert_eq!(e.to_string(), "当前状态为“审核通过”，不能提交审核");
        assert!(S::Draft.editable() && S::Returned.editable());
        assert!(!S::InReview.editable() && !S::Approved.editable());
        assert_eq!(
            ListingStatus::Listed.apply(ListingAction::Delist),
            Ok(ListingStatus::Delisted)
        );
        assert!(
            ListingStatus::Unlisted
                .apply(ListingAction::Relist)
                .is_err()
        );
    }

    #[test]
    fn class_hours_are_45_minutes() {
        assert_eq!(class_hour_tenths(45 * 60), 10);
        assert_eq!(class_hour_tenths(90 * 60), 20);
        assert_eq!(class_hour_tenths(67 * 60 + 30), 15);
        assert_eq!(tenths_label(125), "12.5");
        assert_eq!(tenths_label(20), "2");
        assert!(check_hours(2, 90 * 60).is_ok());
        assert!(check_hours(2, 90 * 60 + 22 * 60).is_ok());
        let e = check_hours(2, 120 * 60).unwrap_err();
        assert!(e.contains("2.7学时") && e.contains("总学时2学时"), "{e}");
    }

    fn lesson(title: &str, kind: LessonKind, seconds: Option<u64>) -> LessonFacts<'_> {
        LessonFacts {
            title,
            kind,
            seconds,
            ready: true,
            preview: true,
        }
    }

    #[test]
    fn content_checks_name_each_problem() {
        let ok = [
            lesson("第一课", LessonKind::Video, Some(30 * 60)),
            lesson("第二课", LessonKind::Text, Some(15 * 60)),
        ];
        let r = check_content(CourseSource::Provider, 1, &ok);
        assert!(r.problems.is_empty(), "{r:?}");
        assert_eq!(r.warnings.len(), 1, "the 30-minute video is warned about");
        let dup = [
            lesson("第一课", LessonKind::Text, Some(45 * 60)),
            lesson("第一课 ", LessonKind::Text, Some(45 * 60)),
        ];
        let r = check_content(CourseSource::Provider, 2, &dup);
        assert!(r.problems[0].contains("重复"), "{r:?}");
        let mut pending = lesson("视频", LessonKind::Video, None);
        pending.ready = false;
        let r = check_content(CourseSource::Own, 1, &[pending]);
        assert!(r.problems[0].contains("尚未处理完成"), "{r:?}");
        assert!(check_content(CourseSource::Provider, 1, &[]).problems[0].contains("至少需要"));
        assert!(
            check_content(CourseSource::Offline, 8, &[])
                .problems
                .is_empty()
        );
        let short = [lesson("一", LessonKind::Text, Some(10 * 60))];
        assert!(check_content(CourseSource::Provider, 3, &short).problems[0].contains("不符"));
        // Ten minutes of free preview, or all of a shorter course.
        let mut closed = [
            lesson("一", LessonKind::Text, Some(40 * 60)),
            lesson("二", LessonKind::Text, Some(50 * 60)),
        ];
        closed[0].preview = false;
        closed[1].preview = false;
        assert!(check_content(CourseSource::Provider, 2, &closed).problems[0].contains("试看"));
        closed[1].preview = true;
        assert!(
            check_content(CourseSource::Provider, 2, &closed)
                .problems
                .is_empty()
        );
    }

    #[test]
    fn chunks_cover_the_file_exactly() {
        assert_eq!(chunk_count(0), 0);
        assert_eq!(chunk_count(1), 1);
        assert_eq!(chunk_count(CHUNK_BYTES), 1);
        assert_eq!(chunk_count(CHUNK_BYTES + 1), 2);
        assert_eq!(chunk_size(CHUNK_BYTES + 1, 0), Some(CHUNK_BYTES));
        assert_eq!(chunk_size(CHUNK_BYTES + 1, 1), Some(1));
        assert_eq!(chunk_size(CHUNK_BYTES + 1, 2), None);
    }

    #[test]
    fn containers_by_their_first_bytes() {
        let mut mp4 = vec![0, 0, 0, 0x20];
        mp4.extend_from_slice(b"ftypisom\0\0\0\0");
        assert_eq!(video_container(&mp4), Some("mov"));
        assert_eq!(
            video_container(&[0x1A, 0x45, 0xDF, 0xA3, 1]),
            Some("matroska")
        );
        assert_eq!(video_container(b"RIFF\0\0\0\0AVI LIST"), Some("avi"));
        assert_eq!(
            video_container(b"#EXTM3U\n#EXTINF:2.0,\nfile:///tmp/x.mp4"),
            None
        );
        assert_eq!(
            video_container(b"ffconcat version 1.0\nfile /etc/passwd"),
            None
        );
        assert_eq!(video_container(b""), None);
    }

    #[test]
    fn prices() {
        assert!(check_price(CourseTrainingType::VocationalSkill, 19_900).is_ok());
        assert!(check_price(CourseTrainingType::VocationalSkill, -1).is_err());
        assert!(check_price(CourseTrainingType::PublicWelfare, 0).is_ok());
        assert_eq!(
            check_price(CourseTrainingType::PublicWelfare, 100),
            Err("公益性培训课程应免费（价格为0）")
        );
    }

    #[test]
    fn the_word_filter_names_what_it_found() {
        let f = WordFilter::new("赌博\n  \n代开发票\nVPN\n赌博\n");
        assert_eq!(f.len(), 3);
        assert_eq!(f.hits("正常的课程介绍"), Vec::<String>::new());
        assert_eq!(f.hits("网上赌 博与代开发票"), vec!["代开发票", "赌博"]);
        assert_eq!(f.hits("翻墙用vpn"), vec!["vpn"]);
        assert!(WordFilter::new("").hits("任何内容").is_empty());
    }

    proptest! {
        /// Whatever surrounds a listed word, and whatever spaces are put inside it, it is found.
        #[test]
        fn a_listed_word_is_always_found(pre in "\\PC{0,20}", post in "\\PC{0,20}", gap in 0usize..3) {
            let f = WordFilter::new("违禁词");
            let spaced: String = "违禁词".chars().map(|c| format!("{c}{}", " ".repeat(gap))).collect();
            let text = format!("{pre}{spaced}{post}");
            prop_assert!(f.hits(&text).contains(&"违禁词".to_string()), "{}", text);
        }

        /// The chunks of any file add up to it.
        #[test]
        fn chunk_sizes_add_up(size in 1u64..(20 * CHUNK_BYTES)) {
            let total: u64 = (0..chunk_count(size)).map(|n| chunk_size(size, n).unwrap()).sum();
            prop_assert_eq!(total, size);
        }

        /// Class hours in tenths never drift from seconds by more than half a tenth.
        #[test]
        fn tenths_round_to_nearest(s in 0u64..10_000_000) {
            let t = class_hour_tenths(s);
            let back = t * SECONDS_PER_CLASS_HOUR;
            prop_assert!((s * 10).abs_diff(back) <= SECONDS_PER_CLASS_HOUR / 2);
        }
    }
}
