//! Who is calling and from where. Built by the web layer from a session or token,
//! or by the CLI for the system itself.

use jineng_core::RegionCode;
use jineng_core::accounts::{Permission, Role};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub region: Option<RegionCode>,
    pub org_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub grants: Vec<Grant>,
}

impl Principal {
    /// The platform itself, for CLI and start-up work.
    pub fn system() -> Self {
        Principal {
            user_id: "system".into(),
            username: "system".into(),
            display_name: "系统".into(),
            grants: vec![Grant {
                role: Role::SystemAdmin,
                region: None,
                org_id: None,
            }],
        }
    }

    pub fn has_role(&self, r: Role) -> bool {
        self.grants.iter().any(|g| g.role == r)
    }

    /// Refuse (403) unless the caller holds `r`.
    pub fn require(&self, r: Role) -> crate::AppResult<()> {
        if self.has_role(r) {
            Ok(())
        } else {
            Err(crate::AppError::Forbidden)
        }
    }

    pub fn can(&self, p: Permission) -> bool {
        self.grants.iter().any(|g| g.role.allows(p))
    }

    /// Holds one of the platform administrator roles.
    pub fn is_platform_admin(&self) -> bool {
        self.grants.iter().any(|g| g.role.is_admin())
    }

    /// The role recorded in audit records: the most powerful one held.
    pub fn primary_role(&self) -> Role {
        self.grants
            .iter()
            .map(|g| g.role)
            .max()
            .unwrap_or(Role::Learner)
    }

    pub fn roles(&self) -> Vec<Role> {
        let mut v: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Facts about the request that the audit trail records.
#[derive(Debug, Clone, Default)]
pub struct RequestCtx {
    pub ip: String,
    /// Made by the server for every request; what a client sent as its own id is only
    /// logged beside it (`client_request_id`), never trusted as ours.
    pub request_id: String,
    pub user_agent: String,
    /// The client's own id for the request, if it sent a well-formed one.
    pub client_request_id: Option<String>,
    /// Work started on the server itself (the CLI, demo loading, jobs): not subject to the
    /// per-address request limits, which are for people and clients on the network.
    pub internal: bool,
}

impl RequestCtx {
    /// A context for work the server starts itself.
    pub fn internal(request_id: impl Into<String>, agent: impl Into<String>) -> Self {
        RequestCtx {
            ip: "local".into(),
            request_id: request_id.into(),
            user_agent: agent.into(),
            client_request_id: None,
            internal: true,
        }
    }
}
