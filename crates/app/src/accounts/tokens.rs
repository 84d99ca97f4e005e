//! API tokens for machine clients: shown once at creation, stored as a hash, revocable.
//! Every token expires (90 days unless asked otherwise), carries a scope (read-only or
//! full), ends when its owner's password changes or the account is disabled, and is
//! refused while the owner still has to change an initial password or set up TOTP.

use super::Accounts;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::crypto::{random_token, token_hash};
use crate::error::{AppError, AppResult};
use chrono::Duration;
use jineng_core::accounts::{TokenScope, UserStatus};
use jineng_store::accounts::{api_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// Prefix that makes a leaked token easy to recognise in logs and scanners.
pub const TOKEN_PREFIX: &str = "jnt_";

/// Days a token lives when its maker does not say.
pub const DEFAULT_TOKEN_DAYS: i64 = 90;

/// End every live token of a user (inside the change that calls for it).
pub(crate) async fn revoke_all<C: sea_orm::ConnectionTrait>(
    db: &C,
    user_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<u64> {
    Ok(api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Some(now)))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}

/// Who a bearer token speaks for, and what it may do.
#[derive(Debug, Clone)]
pub struct TokenCaller {
    pub principal: Principal,
    pub scope: TokenScope,
}

/// An API token as its owner sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub scope: TokenScope,
    pub scope_label: &'static str,
    /// Past its expiry.
    pub expired: bool,
}

impl Accounts<'_> {
    /// Create a token for the caller. The plaintext is returned once and never stored.
    pub async fn create_token(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        name: &str,
        days: Option<i64>,
        scope: TokenScope,
    ) -> AppResult<(api_token::Model, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            return Err(AppError::field(
                "name",
                "令牌名称不能为空，且不超过50个字符",
            ));
        }
        if let Some(d) = days
            && !(1..=3650).contains(&d)
        {
            return Err(AppError::field("days", "有效天数应在1至3650之间"));
        }
        let plain = format!("{TOKEN_PREFIX}{}", random_token());
        let w = self.write(who, ctx).await?;
        let now = w.now;
        let row = api_token::Model {
            id: uuid::Uuid::now_v7().to_string(),
            user_id: who.user_id.clone(),
            name: name.to_string(),
            token_hash: token_hash(&plain),
            created_at: now,
            expires_at: Some(now + Duration::days(days.unwrap_or(DEFAULT_TOKEN_DAYS))),
            last_used_at: None,
            revoked_at: None,
            scope,
        };
        api_token::Entity::insert(<api_token::ActiveModel as From<_>>::from(row.clone()))
            .exec(&w.txn)
            .await?;
        w.commit(Entry {
            action: "token.create",
            object_type: "api_token",
            object_id: &row.id,
            changes: serde_json::json!({"name": name, "days": days.unwrap_or(DEFAULT_TOKEN_DAYS), "scope": scope}),
            outcome: "ok",
        })
        .await?;
        Ok((row, plain))
    }

    /// The caller's own tokens (never the secret: only its hash is stored).
    pub async fn list_tokens(&self, who: &Principal) -> AppResult<Vec<TokenView>> {
        let now = self.now();
        Ok(api_token::Entity::find()
            .filter(api_token::Column::UserId.eq(who.user_id.clone()))
            .order_by_desc(api_token::Column::CreatedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|t| TokenView {
                id: t.id,
                name: t.name,
                created_at: t.created_at,
                expires_at: t.expires_at,
                last_used_at: t.last_used_at,
                revoked_at: t.revoked_at,
                scope: t.scope,
                scope_label: t.scope.label(),
                expired: t.expires_at.is_some_and(|e| e <= now),
            })
            .collect())
    }

    pub async fn revoke_token(&self, who: &Principal, ctx: &RequestCtx, id: &str) -> AppResult<()> {
        let t = api_token::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?;
        let t = t
            .filter(|t| t.user_id == who.user_id)
            .ok_or(AppError::NotFound("令牌"))?;
        let w = self.write(who, ctx).await?;
        let now = w.now;
        api_token::Entity::update_many()
            .col_expr(api_token::Column::RevokedAt, Expr::value(Some(now)))
            .filter(api_token::Column::Id.eq(t.id.clone()))
            .exec(&w.txn)
            .await?;
        w.commit(Entry {
            action: "token.revoke",
            object_type: "api_token",
            object_id: &t.id,
            changes: serde_json::json!({}),
            outcome: "ok",
        })
        .await?;
        Ok(())
    }

    /// The principal behind a bearer token, if the token is live.
    pub async fn authenticate_token(&self, bearer: &str) -> AppResult<TokenCaller> {
        if !bearer.starts_with(TOKEN_PREFIX) {
            return Err(AppError::Unauthenticated);
        }
        let t = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(token_hash(bearer)))
            .one(&self.db)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let now = self.now();
        if t.revoked_at.is_some() || t.expires_at.is_some_and(|e| e <= now) {
            return Err(AppError::Unauthenticated);
        }
        let u = user::Entity::find_by_id(t.user_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if u.status != UserStatus::Active || self.accounts().account_locked(&u.id).await? {
            return Err(AppError::Unauthenticated);
        }
        let principal = self.principal_for(&self.db, &u).await?;
        if u.must_change_password {
            return Err(AppError::Locked(
                "请先登录网页修改初始密码，再使用访问令牌".into(),
            ));
        }
        if self.security.require_totp_for_admins
            && !u.totp_enabled
            && principal.grants.iter().any(|g| g.role.may_use_totp())
        {
            return Err(AppError::Locked(
                "请先登录网页设置动态口令，再使用访问令牌".into(),
            ));
        }
        if t.last_used_at
            .is_none_or(|l| now - l > Duration::minutes(5))
        {
            api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, Expr::value(Some(now)))
                .filter(api_token::Column::Id.eq(t.id))
                .exec(&self.db)
                .await?;
        }
        Ok(TokenCaller {
            principal,
            scope: t.scope,
        })
    }
}
