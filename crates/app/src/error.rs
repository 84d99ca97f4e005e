//! The use-case error. User-facing texts are Chinese; internal causes stay in the log.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("提交的内容有误")]
    Validation(Vec<FieldError>),
    #[error("请先登录")]
    Unauthenticated,
    #[error("用户名或密码错误")]
    BadCredentials,
    /// A machine client's signature, timestamp or nonce was refused; the text says which.
    #[error("{0}")]
    BadSignature(String),
    #[error("{0}")]
    Locked(String),
    #[error("没有权限执行此操作")]
    Forbidden,
    #[error("{0}不存在或无权查看")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("服务器内部错误")]
    Internal(String),
    /// A service the platform depends on (file storage) did not answer; worth a retry.
    #[error("文件存储暂时不可用，请稍后重试")]
    Unavailable(String),
    /// The database did not answer (down, or no connection free in time); worth a retry.
    #[error("数据库暂时无法连接，请稍后重试")]
    DatabaseUnavailable(String),
    /// Too many requests from this address or for this subject; try again after the
    /// window ends.
    #[error("操作过于频繁，请{retry_after}秒后再试")]
    TooMany { retry_after: u64 },
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    /// The same error with field `from` named `to` (a form's field and the API's name
    /// for it differ, as `value` and `value_yuan`).
    pub fn renamed(self, from: &str, to: &str) -> Self {
        match self {
            AppError::Validation(mut errors) => {
                for e in &mut errors {
                    if e.field == from {
                        e.field = to.to_string();
                    }
                }
                AppError::Validation(errors)
            }
            other => other,
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        if unreachable(&e) {
            AppError::DatabaseUnavailable(e.to_string())
        } else {
            AppError::Internal(format!("database: {e}"))
        }
    }
}

/// Whether the database could not be reached at all (as opposed to refusing a query).
fn unreachable(e: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error as X;
    use sea_orm::{DbErr, RuntimeErr};
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Query(RuntimeErr::SqlxError(x)) | DbErr::Exec(RuntimeErr::SqlxError(x)) => {
            matches!(
                x.as_ref(),
                X::Io(_) | X::PoolTimedOut | X::PoolClosed | X::WorkerCrashed
            )
        }
        _ => false,
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(e: sea_orm::TransactionError<AppError>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}
