//! Supervised online study (seed 003 §6.3, seed 000 §2.1): how much study time the server
//! credits for one heartbeat of a study session.
//!
//! The browser reports where the video is, how fast it plays and whether the page is in
//! front; the server believes only what all of wall-clock time since the last accepted
//! heartbeat, the position's advance, the playback rate, a cap per heartbeat and the
//! lesson's length allow. A script that posts perfect positions without playing is held
//! back by the clock; one that posts faster than a browser, or with a machine's
//! regularity, is named. Pure: the caller passes the time and what it has stored.

use serde::{Deserialize, Serialize};

crate::coded! {
    /// Why a heartbeat (or a study session) was not credited in full. The learner and the
    /// institution see the label.
    pub enum Irregularity {
        MissedCheck("missed_check", "未按时完成观看验证"),
        Idle("idle", "长时间无心跳"),
        Hidden("hidden", "学习页面不在前台"),
        SeveralDevices("several_devices", "多个设备或页面同时学习"),
        Speed("speed", "倍速播放"),
        Jumped("jumped", "跳过未学内容"),
        TooRegular("too_regular", "心跳间隔过于规律，疑似脚本刷课"),
        TooFast("too_fast", "心跳过于频繁，疑似脚本刷课"),
        Forged("forged", "心跳凭证无效，疑似伪造"),
        Replayed("replayed", "重复或过期的心跳"),
        BeyondEnd("beyond_end", "播放位置超出课时长度"),
        DailyCap("daily_cap", "超过每日学时上限"),
    }
}

crate::coded! {
    /// A study session: one playback of one lesson on one device.
    pub enum SessionStatus {
        Active("active", "学习中"),
        /// The learner opened another session: this one credits nothing more.
        Frozen("frozen", "已在其他设备或页面继续学习"),
        Ended("ended", "已结束"),
    }
}

impl Irregularity {
    /// Whether the province's default rules clear the learner's hours for the course
    /// (seed 003 §6.3: study by software, plug-ins or a third party): a machine's
    /// regularity and a forged token. The others are recorded and not credited, but
    /// clear nothing: one early heartbeat can be a browser waking a throttled tab, and an
    /// old heartbeat sent again comes with the learner's own sign-in (a confused client
    /// as likely as a script; refusing it is enough).
    pub fn clears_by_default(self) -> bool {
        matches!(self, Irregularity::TooRegular | Irregularity::Forged)
    }
}

/// The province's settings for study accounting. Fields added later take their default
/// when a stored policy lacks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    /// Seconds between heartbeats the player keeps (10–30).
    pub interval_secs: u32,
    /// A heartbeat credits at most the interval plus this many seconds.
    pub slack_secs: u32,
    /// Credited seconds per learner per day.
    pub daily_cap_secs: u32,
    /// Share of a lesson's length (percent) that must be credited, and covered by the
    /// watched ranges, for the lesson to be complete.
    pub complete_percent: u32,
    /// A heartbeat sooner than this share (percent) of the interval is too fast.
    pub too_fast_percent: u32,
    /// The last `regular_window` gaps spreading less than this (ms) are too regular.
    pub regular_spread_ms: u32,
    pub regular_window: u32,
    /// Seconds a learner has to answer a watch check.
    pub check_answer_secs: u32,
    /// A watch check comes at a random moment between these many seconds after the
    /// session opened or the last check was answered; 0 for both: no checks.
    pub check_every_min_secs: u32,
    pub check_every_max_secs: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            interval_secs: 20,
            slack_secs: 5,
            daily_cap_secs: 8 * 3600,
            complete_percent: 95,
            too_fast_percent: 50,
            regular_spread_ms: 150,
            regular_window: 8,
            check_answer_secs: 60,
            check_every_min_secs: 300,
            check_every_max_secs: 900,
        }
    }
}

impl Policy {
    /// Bounds a province may set: the first one broken, as (field, message).
    pub fn check(&self) -> Result<(), (&'static str, &'static str)> {
        if !(10..=30).contains(&self.interval_secs) {
            return Err(("interval_secs", "心跳间隔应为10至30秒"));
        }
        // The player varies each interval by up to 3 s: slack must cover that.
        if !(3..=self.interval_secs).contains(&self.slack_secs) {
            return Err(("slack_secs", "每次心跳的宽限应为3秒至心跳间隔"));
        }
        if !(1800..=86_400).contains(&self.daily_cap_secs) {
            return Err(("daily_cap_secs", "每日学时上限应为0.5至24小时"));
        }
        if !(50..=100).contains(&self.complete_percent) {
            return Err(("complete_percent", "完成比例应为50%至100%"));
        }
        if !(10..=60).contains(&self.too_fast_percent) {
            return Err(("too_fast_percent", "心跳过快的判定比例应为10%至60%"));
        }
        if !(3..=50).contains(&self.regular_window) {
            return Err(("regular_window", "心跳规律性的判定次数应为3至50次"));
        }
        // Honest heartbeats vary by ±3 s; a bound well under that keeps them clear.
        if self.regular_spread_ms > 1000 {
            return Err((
                "regular_spread_ms",
                "心跳规律性的判定间隔差应不超过1000毫秒",
            ));
        }
        if !(15..=600).contains(&self.check_answer_secs) {
            return Err(("check_answer_secs", "观看验证的作答时间应为15至600秒"));
        }
        let off = self.check_every_min_secs == 0 && self.check_every_max_secs == 0;
        if !off && !(60..=7200).contains(&self.check_every_min_secs) {
            return Err((
                "check_every_min_secs",
                "观看验证的最短间隔应为60至7200秒（均为0表示不验证）",
            ));
        }
        if !off && !(self.check_every_min_secs..=7200).contains(&self.check_every_max_secs) {
            return Err((
                "check_every_max_secs",
                "观看验证的最长间隔应不小于最短间隔且不超过7200秒",
            ));
        }
        Ok(())
    }

    fn per_beat_ms(&self) -> u64 {
        u64::from(self.interval_secs + self.slack_secs) * 1000
    }
}

/// Tolerance for positions and advances the browser reports (ms): buffering, rounding.
pub const POSITION_TOLERANCE_MS: u64 = 2000;

/// What the player reports with a heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Beat {
    /// Counts up from 1 within a session.
    pub seq: u64,
    /// Position in the lesson (ms); for a document, time on its pages.
    pub position_ms: u64,
    /// Playback rate in percent (100 = 1×).
    pub rate_pct: u32,
    /// Whether the page was in front.
    pub visible: bool,
}

/// What the server keeps of a session between heartbeats.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Cursor {
    pub last_seq: u64,
    /// Server time of the last accepted heartbeat (ms since the epoch).
    pub last_at_ms: i64,
    pub position_ms: u64,
    /// The most recent gaps between accepted heartbeats (ms), oldest first.
    pub gaps_ms: Vec<i64>,
    /// The course and the class let the learner seek forward (拖动): a forward jump is a
    /// seek, credited nothing but not irregular. Otherwise it is `jumped`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub free_seek: bool,
}

/// What the rule needs besides the session's cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    pub now_ms: i64,
    pub lesson_ms: u64,
    /// Already credited for this lesson (in this class), all sessions.
    pub lesson_credited_ms: u64,
    /// Already credited to the learner today, all lessons.
    pub today_credited_ms: u64,
    /// A watch check went unanswered past its time.
    pub check_missed: bool,
}

/// The verdict on one heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    /// Milliseconds credited (0 when anything forbids it).
    pub credit_ms: u64,
    /// The watched range this credit covers: `[from, from + credit)`.
    pub from_ms: u64,
    pub irregularity: Option<Irregularity>,
    /// The heartbeat was accepted: the cursor moves to it. A refused one (replayed, too
    /// fast, beyond the end) leaves the cursor where it was.
    pub accepted: bool,
    /// The last accepted heartbeat sent again unchanged (a client's retry after a lost
    /// answer): judged already, nothing new, nothing irregular.
    pub duplicate: bool,
}

impl Judged {
    fn refused(why: Irregularity) -> Self {
        Judged {
            credit_ms: 0,
            from_ms: 0,
            irregularity: Some(why),
            accepted: false,
            duplicate: false,
        }
    }
}

/// Judge one heartbeat against the session's cursor.
pub fn judge(policy: &Policy, cursor: &Cursor, beat: &Beat, cx: &Context) -> Judged {
    // The last accepted heartbeat again, whatever it says now: a client retrying after a
    // lost answer (the player resends the same body; a changed position would gain
    // nothing either).
    if beat.seq == cursor.last_seq && beat.seq > 0 {
        return Judged {
            credit_ms: 0,
            from_ms: cursor.position_ms,
            irregularity: None,
            accepted: false,
            duplicate: true,
        };
    }
    if beat.seq < cursor.last_seq {
        return Judged::refused(Irregularity::Replayed);
    }
    if beat.position_ms > cx.lesson_ms + POSITION_TOLERANCE_MS {
        return Judged::refused(Irregularity::BeyondEnd);
    }
    let elapsed = cx.now_ms.saturating_sub(cursor.last_at_ms);
    let too_soon = i64::from(policy.interval_secs) * 10 * i64::from(policy.too_fast_percent);
    if elapsed < too_soon {
        return Judged::refused(Irregularity::TooFast);
    }
    let accepted = |credit_ms: u64, irregularity: Option<Irregularity>| Judged {
        credit_ms,
        from_ms: cursor.position_ms,
        irregularity,
        accepted: true,
        duplicate: false,
    };
    // A silence of three intervals: the learner was away, or the server lost its memory
    // of the session. Nothing is credited for the silence; the next beat counts again.
    if elapsed > i64::from(policy.interval_secs) * 3000 {
        return accepted(0, Some(Irregularity::Idle));
    }
    // The rhythm of the heartbeats that would earn credit (a hidden tab's bunched timers
    // are not judged): a machine's regularity.
    if counts_for_rhythm(beat) {
        let window = policy.regular_window as usize;
        let mut gaps: Vec<i64> = cursor.gaps_ms.clone();
        gaps.push(elapsed);
        if gaps.len() >= window {
            let last = &gaps[gaps.len() - window..];
            let spread = last.iter().max().unwrap_or(&0) - last.iter().min().unwrap_or(&0);
            if spread < i64::from(policy.regular_spread_ms) {
                return accepted(0, Some(Irregularity::TooRegular));
            }
        }
    }
    if cx.check_missed {
        return accepted(0, Some(Irregularity::MissedCheck));
    }
    if !beat.visible {
        return accepted(0, Some(Irregularity::Hidden));
    }
    if beat.rate_pct > 100 {
        return accepted(0, Some(Irregularity::Speed));
    }
    let Some(advance) = beat
        .position_ms
        .checked_sub(cursor.position_ms)
        .filter(|a| *a > 0)
    else {
        // Paused or sought back: nothing new watched.
        return accepted(0, None);
    };
    let allowed = u64::try_from(elapsed)
        .unwrap_or(0)
        .min(policy.per_beat_ms());
    if advance > allowed + POSITION_TOLERANCE_MS {
        // Past what the clock allows: nothing is credited, seek or not.
        return accepted(0, (!cursor.free_seek).then_some(Irregularity::Jumped));
    }
    let mut credit = advance
        .min(allowed)
        .min(cx.lesson_ms.saturating_sub(cx.lesson_credited_ms));
    let left_today = (u64::from(policy.daily_cap_secs) * 1000).saturating_sub(cx.today_credited_ms);
    if credit > left_today {
        credit = left_today;
        return accepted(credit, Some(Irregularity::DailyCap));
    }
    accepted(credit, None)
}

fn counts_for_rhythm(beat: &Beat) -> bool {
    beat.visible && beat.rate_pct <= 100
}

/// The cursor after an accepted heartbeat (unchanged after a refused one).
pub fn advance(policy: &Policy, cursor: &Cursor, beat: &Beat, now_ms: i64, j: &Judged) -> Cursor {
    if !j.accepted {
        return cursor.clone();
    }
    let mut gaps = cursor.gaps_ms.clone();
    if counts_for_rhythm(beat) && j.irregularity != Some(Irregularity::Idle) {
        gaps.push(now_ms.saturating_sub(cursor.last_at_ms));
    }
    let keep = policy.regular_window as usize;
    if gaps.len() > keep {
        gaps.drain(..gaps.len() - keep);
    }
    Cursor {
        last_seq: beat.seq,
        last_at_ms: now_ms,
        position_ms: beat.position_ms,
        gaps_ms: gaps,
        free_seek: cursor.free_seek,
    }
}

crate::coded! {
    /// A watch check (观看验证): a kind-tagged record with an outcome, so that face
    /// checks can come later as one more kind.
    pub enum CheckKind {
        /// A sum of two small numbers, answered by typing it: a person is there.
        Sum("sum", "算术验证"),
        /// The learner's pledge to answer an exam alone, at its start (a face check will
        /// be one more kind here).
        Pledge("pledge", "诚信承诺"),
    }
}

crate::coded! {
    pub enum CheckOutcome {
        Open("open", "待作答"),
        Passed("passed", "已通过"),
        /// Answered wrongly: a new check follows at once.
        Failed("failed", "回答错误"),
        /// Answered after its time: crediting stopped until then.
        Late("late", "超时后作答"),
    }
}

/// A sum check from two numbers the caller drew (1–9 each): (prompt, expected answer).
pub fn sum_check(a: u8, b: u8) -> (String, String) {
    let (a, b) = (a.clamp(1, 9), b.clamp(1, 9));
    (
        format!("{a} + {b} = ?"),
        (u32::from(a) + u32::from(b)).to_string(),
    )
}

/// Whether a typed answer is the expected one (spaces and full-width digits forgiven).
pub fn answer_matches(expected: &str, typed: &str) -> bool {
    let norm: String = typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    !norm.is_empty() && norm.len() <= 8 && norm == expected
}

/// The parts of a lesson watched and credited: sorted, disjoint `[start, end)` ranges in ms.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Ranges(pub Vec<(u64, u64)>);

impl Ranges {
    pub fn add(&mut self, start: u64, end: u64) {
        if end <= start {
            return;
        }
        let mut merged = Vec::with_capacity(self.0.len() + 1);
        let (mut s, mut e) = (start, end);
        for &(a, b) in &self.0 {
            if b < s || a > e {
                merged.push((a, b));
            } else {
                s = s.min(a);
                e = e.max(b);
            }
        }
        merged.push((s, e));
        merged.sort_unstable();
        self.0 = merged;
    }

    /// Milliseconds covered.
    pub fn covered_ms(&self) -> u64 {
        self.0.iter().map(|(a, b)| b - a).sum()
    }
}

/// Whether a lesson is complete: enough credited and enough of it watched.
pub fn complete(policy: &Policy, lesson_ms: u64, credited_ms: u64, watched: &Ranges) -> bool {
    let need = lesson_ms * u64::from(policy.complete_percent) / 100;
    lesson_ms > 0 && credited_ms >= need && watched.covered_ms().min(lesson_ms) >= need
}

/// Class hours (学时, 45 minutes) in tenths, rounded down: what study time is worth.
pub fn tenths_of_hours(ms: u64) -> u64 {
    ms / (45 * 60 * 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MIN: u64 = 60_000;

    fn cx(now_ms: i64) -> Context {
        Context {
            now_ms,
            lesson_ms: 30 * MIN,
            lesson_credited_ms: 0,
            today_credited_ms: 0,
            check_missed: false,
        }
    }

    fn beat(seq: u64, position_ms: u64) -> Beat {
        Beat {
            seq,
            position_ms,
            rate_pct: 100,
            visible: true,
        }
    }

    /// Play honestly for `n` beats, 20 s ± jitter apart; the total credited.
    fn play(p: &Policy, n: u64, jitter: &[i64]) -> (u64, Vec<Judged>) {
        let mut now = 1_000_000i64;
        // The session opened at `now`: the server's first cursor.
        let mut c = Cursor {
            last_at_ms: now,
            ..Cursor::default()
        };
        let mut pos = 0u64;
        let mut total = 0;
        let mut all = Vec::new();
        for i in 1..=n {
            let gap = 20_000 + jitter[(i as usize) % jitter.len()];
            now += gap;
            pos += u64::try_from(gap).unwrap_or(0);
            let b = beat(i, pos);
            let j = judge(
                p,
                &c,
                &b,
                &Context {
                    lesson_credited_ms: total,
                    ..cx(now)
                },
            );
            total += j.credit_ms;
            c = advance(p, &c, &b, now, &j);
            all.push(j);
        }
        (total, all)
    }

    #[test]
    fn honest_playback_is_credited_as_watched() {
        let p = Policy::default();
        // The first beat comes 20 s after the session opened at "now - 20 s".
        let (total, all) = play(&p, 30, &[0, 1800, -900, 2500, -1500, 700]);
        assert!(all.iter().all(|j| j.irregularity.is_none()), "{all:?}");
        assert!(total > 9 * MIN && total < 11 * MIN, "{total}");
    }

    #[test]
    fn a_machine_regular_stream_is_named() {
        let p = Policy::default();
        let (_, all) = play(&p, 12, &[0]);
        assert_eq!(
            all.last().and_then(|j| j.irregularity),
            Some(Irregularity::TooRegular)
        );
        assert!(Irregularity::TooRegular.clears_by_default());
        assert!(!Irregularity::Replayed.clears_by_default());
        // Hidden beats are not judged for rhythm (a background tab's timers).
        let mut c = Cursor::default();
        for i in 1..=12u64 {
            let b = Beat {
                visible: false,
                ..beat(i, 0)
            };
            let now = i64::try_from(i).unwrap_or(0) * 20_000;
            let j = judge(&p, &c, &b, &cx(now));
            assert_eq!(j.irregularity, Some(Irregularity::Hidden));
            c = advance(&p, &c, &b, now, &j);
        }
    }

    #[test]
    fn the_clock_holds_back_a_jump_speed_and_a_hidden_page() {
        let p = Policy::default();
        let c = Cursor {
            last_seq: 3,
            last_at_ms: 0,
            position_ms: 60_000,
            gaps_ms: vec![],
            free_seek: false,
        };
        // Jump to the end of the lesson 20 s later.
        let j = judge(&p, &c, &beat(4, 30 * MIN), &cx(20_000));
        assert_eq!(
            (j.credit_ms, j.irregularity),
            (0, Some(Irregularity::Jumped))
        );
        // Where the course and class allow seeking, the same jump is a seek: nothing
        // credited, nothing irregular; the next beat counts from there.
        let free = Cursor {
            free_seek: true,
            ..c.clone()
        };
        let j = judge(&p, &free, &beat(4, 30 * MIN), &cx(20_000));
        assert_eq!((j.credit_ms, j.irregularity, j.accepted), (0, None, true));
        let moved = advance(&p, &free, &beat(4, 30 * MIN), 20_000, &j);
        assert!(moved.free_seek);
        assert_eq!(moved.position_ms, 30 * MIN);
        // 2× speed: 40 s of video in 20 s.
        let fast = Beat {
            rate_pct: 200,
            ..beat(4, 100_000)
        };
        let j = judge(&p, &c, &fast, &cx(20_000));
        assert_eq!(
            (j.credit_ms, j.irregularity),
            (0, Some(Irregularity::Speed))
        );
        // A script that claims 1× but moves 40 s in 20 s: it is a jump.
        let j = judge(&p, &c, &beat(4, 100_000), &cx(20_000));
        assert_eq!(j.irregularity, Some(Irregularity::Jumped));
        let hidden = Beat {
            visible: false,
            ..beat(4, 80_000)
        };
        assert_eq!(
            judge(&p, &c, &hidden, &cx(20_000)).irregularity,
            Some(Irregularity::Hidden)
        );
        // The last heartbeat again: a retry, not a replay, even with another position.
        for pos in [60_000, 90_000] {
            let j = judge(&p, &c, &beat(3, pos), &cx(20_000));
            assert!(j.duplicate && !j.accepted && j.irregularity.is_none() && j.credit_ms == 0);
        }
        // Replayed, too soon, beyond the end: refused, the cursor stays.
        for (b, now, why) in [
            (beat(2, 80_000), 20_000, Irregularity::Replayed),
            (beat(4, 62_000), 2_000, Irregularity::TooFast),
            (beat(4, 31 * MIN), 20_000, Irregularity::BeyondEnd),
        ] {
            let j = judge(&p, &c, &b, &cx(now));
            assert_eq!(j.irregularity, Some(why));
            assert!(!j.accepted);
            assert_eq!(advance(&p, &c, &b, now, &j), c);
        }
        // Honest: 20 s watched in 20 s.
        let j = judge(&p, &c, &beat(4, 80_000), &cx(20_000));
        assert_eq!(
            (j.credit_ms, j.from_ms, j.irregularity),
            (20_000, 60_000, None)
        );
        // A missed watch check stops the credit.
        let j = judge(
            &p,
            &c,
            &beat(4, 80_000),
            &Context {
                check_missed: true,
                ..cx(20_000)
            },
        );
        assert_eq!(
            (j.credit_ms, j.irregularity),
            (0, Some(Irregularity::MissedCheck))
        );
    }

    #[test]
    fn the_daily_cap_and_the_lesson_length_bound_the_credit() {
        let p = Policy::default();
        let c = Cursor {
            last_seq: 1,
            last_at_ms: 0,
            position_ms: 0,
            gaps_ms: vec![],
            free_seek: false,
        };
        let near_cap = Context {
            today_credited_ms: u64::from(p.daily_cap_secs) * 1000 - 5_000,
            ..cx(20_000)
        };
        let j = judge(&p, &c, &beat(2, 20_000), &near_cap);
        assert_eq!(
            (j.credit_ms, j.irregularity),
            (5_000, Some(Irregularity::DailyCap))
        );
        let nearly_done = Context {
            lesson_credited_ms: 30 * MIN - 3_000,
            ..cx(20_000)
        };
        assert_eq!(
            judge(&p, &c, &beat(2, 20_000), &nearly_done).credit_ms,
            3_000
        );
    }

    #[test]
    fn ranges_merge_and_completion_needs_both_time_and_coverage() {
        let mut r = Ranges::default();
        r.add(0, 10);
        r.add(20, 30);
        r.add(5, 22);
        r.add(40, 40);
        assert_eq!(r.0, vec![(0, 30)]);
        assert_eq!(r.covered_ms(), 30);
        let p = Policy::default();
        assert!(complete(&p, 100, 95, &Ranges(vec![(0, 95)])));
        assert!(!complete(&p, 100, 95, &Ranges(vec![(0, 50)])));
        assert!(!complete(&p, 100, 50, &Ranges(vec![(0, 100)])));
        assert!(!complete(&p, 0, 0, &Ranges::default()));
        assert_eq!(tenths_of_hours(45 * MIN), 10);
        assert_eq!(tenths_of_hours(45 * MIN - 1), 9);
    }

    #[test]
    fn sum_checks_read_back_and_forgive_typing() {
        let (prompt, answer) = sum_check(3, 5);
        assert_eq!((prompt.as_str(), answer.as_str()), ("3 + 5 = ?", "8"));
        assert!(answer_matches("8", " 8 "));
        assert!(answer_matches("12", "１２"));
        assert!(!answer_matches("8", "9"));
        assert!(!answer_matches("8", ""));
        assert_eq!(sum_check(0, 200).1, "10");
    }

    #[test]
    fn the_default_policy_is_within_its_own_bounds() {
        assert_eq!(Policy::default().check(), Ok(()));
        let bad = Policy {
            interval_secs: 5,
            ..Policy::default()
        };
        assert!(bad.check().is_err());
        let no_checks = Policy {
            check_every_min_secs: 0,
            check_every_max_secs: 0,
            ..Policy::default()
        };
        assert_eq!(no_checks.check(), Ok(()));
        let upside_down = Policy {
            check_every_min_secs: 600,
            check_every_max_secs: 300,
            ..Policy::default()
        };
        assert_eq!(
            upside_down.check().map_err(|e| e.0),
            Err("check_every_max_secs")
        );
        // A policy stored before a field existed reads with the field's default.
        let old: Policy = serde_json::from_str(r#"{"interval_secs": 15}"#).unwrap();
        assert_eq!((old.interval_secs, old.check_every_min_secs), (15, 300));
    }

    proptest! {
        /// Whatever a client sends, and however it times it, the credit never exceeds the
        /// wall-clock time, the per-beat cap, the lesson or the day, and a session's total
        /// never exceeds the time it lasted.
        #[test]
        fn no_stream_of_beats_earns_more_than_the_clock(
            beats in prop::collection::vec(
                (0u64..3, 0u64..2_000_000, 0u32..400, any::<bool>(), 0i64..90_000),
                1..60,
            ),
            free_seek in any::<bool>(),
        ) {
            let p = Policy::default();
            let mut c = Cursor { free_seek, ..Cursor::default() };
            let mut now = 10_000_000i64;
            let start = now;
            let mut seq = 0u64;
            let mut total = 0u64;
            let mut watched = Ranges::default();
            for (step, pos, rate, visible, gap) in beats {
                seq += step;
                now += gap;
                let b = Beat { seq, position_ms: pos, rate_pct: rate, visible };
                let cx = Context {
                    now_ms: now,
                    lesson_ms: 30 * MIN,
                    lesson_credited_ms: total,
                    today_credited_ms: total,
                    check_missed: false,
                };
                let j = judge(&p, &c, &b, &cx);
                prop_assert!(j.credit_ms <= u64::try_from(gap.max(now - c.last_at_ms)).unwrap_or(0));
                prop_assert!(j.credit_ms <= p.per_beat_ms());
                if j.credit_ms > 0 {
                    prop_assert!(j.accepted && j.irregularity.is_none() || j.irregularity == Some(Irregularity::DailyCap));
                    watched.add(j.from_ms, j.from_ms + j.credit_ms);
                }
                total += j.credit_ms;
                c = advance(&p, &c, &b, now, &j);
            }
            prop_assert!(total <= 30 * MIN);
            prop_assert!(total <= u64::try_from(now - start).unwrap_or(0));
            prop_assert!(watched.covered_ms() <= total);
        }
    }
}
