//! Background jobs: what kinds exist, where a job stands, and how long to wait before
//! trying a failed one again.

crate::coded! {
    /// The kinds of background work. Each has one handler in the app.
    pub enum JobKind {
        /// Check and write a learner spreadsheet.
        LearnerImport("learner_import", "学员批量导入"),
        /// Ask one witness to cosign one evidence-log checkpoint.
        WitnessPush("witness_push", "检查点见证推送"),
        /// Recompute and check the whole evidence log, and record the run.
        LedgerVerify("ledger_verify", "证据日志全面校验"),
        /// Probe an uploaded video, take its poster, cut it into encrypted HLS renditions.
        MediaProcess("media_process", "视频转码"),
        /// Enter a closed day's study in the evidence log, and each learner's new summary.
        StudyDayClose("study_day_close", "每日学时记入证据日志"),
        /// Mark an exam attempt still open at its deadline (the learner's browser gone).
        ExamDeadline("exam_deadline", "考试到时自动交卷"),
        /// The sandbox gateway sends a payment notification to the platform.
        SandboxNotify("sandbox_notify", "沙箱支付结果通知"),
        /// The sandbox bank answers a subsidy batch with a return file.
        SandboxBank("sandbox_bank", "沙箱银行回盘"),
        /// Deliver one webhook event to a provider's endpoint.
        WebhookDeliver("webhook_deliver", "开放接口回调推送"),
        /// Compare one day of a payment channel's bill with the platform's records.
        Reconcile("reconcile", "支付渠道对账"),
    }
}

crate::coded! {
    /// Where a job stands.
    pub enum JobState {
        /// Waiting for its time (`run_at`) and a free worker.
        Queued("queued", "等待中"),
        /// Claimed by a worker whose lease has not run out.
        Running("running", "运行中"),
        Done("done", "已完成"),
        /// Gave up: a permanent error, or the last allowed attempt failed.
        Failed("failed", "失败"),
    }
}

/// Seconds before attempt `attempts + 1`: 5 s, 10 s, 20 s … at most ten minutes.
pub fn backoff_seconds(attempts: i32) -> i64 {
    let n = attempts.clamp(1, 20) as u32 - 1;
    (5i64 << n.min(16)).min(600)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn backoff_doubles_up_to_ten_minutes() {
        assert_eq!(backoff_seconds(1), 5);
        assert_eq!(backoff_seconds(2), 10);
        assert_eq!(backoff_seconds(3), 20);
        assert_eq!(backoff_seconds(30), 600);
    }

    proptest! {
        #[test]
        fn backoff_is_bounded_and_never_shrinks(a in -5i32..100) {
            let b = backoff_seconds(a);
            prop_assert!((5..=600).contains(&b));
            prop_assert!(backoff_seconds(a + 1) >= b);
        }
    }
}
