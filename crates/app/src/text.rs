//! Free text a person types into a form (a reason, a comment, an answer), checked the one
//! way: trimmed, within a length, plain (no hidden or formula-leading characters).

use crate::error::{AppError, AppResult};

/// `s` trimmed, if it is at most `max` characters of plain text; `required` refuses it
/// empty. Errors name `field`.
pub(crate) fn typed(s: &str, required: bool, field: &str, max: usize) -> AppResult<String> {
    let s = s.trim();
    if required && s.is_empty() {
        return Err(AppError::field(field, "请填写内容"));
    }
    if s.chars().count() > max {
        return Err(AppError::field(field, format!("不能超过{max}个字")));
    }
    if let Some(p) = jineng_core::text::plain_text_problem(s) {
        return Err(AppError::field(field, p));
    }
    Ok(s.to_string())
}
