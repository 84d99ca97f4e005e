//! Failed proofs of a secret (password, second factor, activation) for one subject — an
//! account, or what was typed when it names no account — in the current window. A row
//! is counted up before the secret is checked, in one statement, so parallel guesses
//! cannot slip past the limit; a success deletes it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "secret_attempts")]
pub struct Model {
    /// `password:<user id>`, `password:typed:<hash>`, `totp:<user id>` …
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub failures: i32,
    /// When the count starts again.
    pub window_ends: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
