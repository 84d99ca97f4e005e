//! Sending SMS. Production plugs in a provider's adapter; the embedded default writes
//! the message to the log (and, in demo mode, the page shows the code), so the platform
//! runs with no SMS account at all. Never used for anything but one-time codes.

use jineng_core::Phone;

pub trait SmsSender: Send + Sync {
    fn send(&self, phone: &Phone, text: &str) -> Result<(), String>;
}

/// The embedded adapter: the message goes to the log.
pub struct LogSms;

impl SmsSender for LogSms {
    fn send(&self, phone: &Phone, text: &str) -> Result<(), String> {
        tracing::info!(phone = %jineng_core::mask::phone(phone.as_str()), text, "SMS (embedded adapter: written to the log, not sent)");
        Ok(())
    }
}
