//! Accounts: roles, what each role may do, where it may look, and the password policy.

pub mod password;
pub mod roles;

pub use password::{PasswordPolicyError, check_password_policy};
pub use roles::{Permission, Role, TokenScope, UserStatus, may_grant, may_manage};
