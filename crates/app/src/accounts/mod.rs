//! Account use cases: signing in and out, sessions, passwords, second factor,
//! administration of accounts and roles, and API tokens.

pub mod auth;
pub mod captcha;
pub(crate) mod guard;
pub mod tokens;
pub mod totp;
pub mod users;

use crate::context::{Grant, Principal};
use crate::error::AppResult;
use jineng_core::RegionCode;
use jineng_store::accounts::{role_grant, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

bounded_context!(
    /// Accounts: sign-in, sessions, second factor, API tokens and account administration.
    Accounts,
    accounts
);

impl Accounts<'_> {
    /// Build the principal for a user: their grants, parsed. Unknown role codes are skipped.
    pub(crate) async fn principal_for<C: ConnectionTrait>(
        &self,
        db: &C,
        u: &user::Model,
    ) -> AppResult<Principal> {
        let grants = role_grant::Entity::find()
            .filter(role_grant::Column::UserId.eq(u.id.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|g| Grant {
                role: g.role,
                region: RegionCode::parse(&g.region_code).ok(),
                org_id: g.org_id,
            })
            .collect();
        Ok(Principal {
            user_id: u.id.clone(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            grants,
        })
    }

    pub(crate) async fn find_user_by_login(&self, login: &str) -> AppResult<Option<user::Model>> {
        let login = login.trim();
        if login.is_empty() {
            return Ok(None);
        }
        // ID number, then phone, then username: a number always means its person.
        if let Ok(id) = jineng_core::IdNumber::parse(login) {
            let bidx = self
                .keyring
                .blind_index(crate::crypto::pii::PiiKind::IdNumber, id.as_str());
            return Ok(user::Entity::find()
                .filter(user::Column::IdNumberBidx.eq(bidx))
                .one(&self.db)
                .await?);
        }
        if let Ok(phone) = jineng_core::Phone::parse(login) {
            let bidx = self
                .keyring
                .blind_index(crate::crypto::pii::PiiKind::Phone, phone.as_str());
            return Ok(user::Entity::find()
                .filter(user::Column::PhoneBidx.eq(bidx))
                .one(&self.db)
                .await?);
        }
        Ok(user::Entity::find()
            .filter(user::Column::Username.eq(login))
            .one(&self.db)
            .await?)
    }

    /// The principal of a user, with their grants (for the CLI, jobs and tests).
    pub async fn principal_of(&self, user_id: &str) -> AppResult<Principal> {
        let u = user::Entity::find_by_id(user_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(crate::AppError::NotFound("用户"))?;
        self.principal_for(&self.db, &u).await
    }

    /// The user who would sign in with this username, phone or ID number.
    pub async fn user_id_by_login(&self, login: &str) -> AppResult<Option<String>> {
        Ok(self.find_user_by_login(login).await?.map(|u| u.id))
    }

    /// Run a password hash or verification on the hashing threads (one per core).
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&crate::crypto::PasswordHasher) -> T + Send + 'static,
    ) -> AppResult<T> {
        self.hashing.run(f).await
    }
}
