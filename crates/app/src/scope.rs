//! The one place where "what may this caller see" becomes a query condition.
//! Every list and look-up of scoped data goes through `Principal::scope`.

use crate::context::Principal;
use jineng_core::accounts::Permission;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, IntoColumnRef};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Platform administrators: everything.
    All,
    /// Regulators: records whose region code starts with one of these prefixes.
    Regions(Vec<String>),
    /// Only records belonging to this user.
    OwnUser(String),
    /// Institution or enterprise staff: records of these organisations.
    Orgs(Vec<String>),
}

impl Principal {
    /// The widest scope any of the caller's grants gives for `p`; `None` if none allows it.
    pub fn scope(&self, p: Permission) -> Option<Scope> {
        let allowed: Vec<_> = self.grants.iter().filter(|g| g.role.allows(p)).collect();
        if allowed.is_empty() {
            return None;
        }
        if allowed.iter().any(|g| g.role.is_admin()) {
            return Some(Scope::All);
        }
        // Only region-bound roles are scoped by region; a stray region on another grant is ignored.
        let prefixes: Vec<String> = allowed
            .iter()
            .filter(|g| g.role.needs_region())
            .filter_map(|g| g.region.map(|r| r.subtree_prefix().to_string()))
            .collect();
        let orgs: Vec<String> = allowed.iter().filter_map(|g| g.org_id.clone()).collect();
        if !prefixes.is_empty() {
            Some(Scope::Regions(prefixes))
        } else if !orgs.is_empty() {
            Some(Scope::Orgs(orgs))
        } else {
            Some(Scope::OwnUser(self.user_id.clone()))
        }
    }
}

impl Scope {
    /// A condition over a table with a region column and an owner column.
    pub fn condition(
        &self,
        region_col: impl IntoColumnRef + Clone,
        owner_col: impl IntoColumnRef,
    ) -> Condition {
        match self {
            Scope::All => Condition::all(),
            Scope::Regions(prefixes) => {
                // A range, not LIKE: region codes are digits, so [p, p+1) is exactly the
                // subtree, and a range uses the index on both SQLite and PostgreSQL.
                let mut any = Condition::any();
                for p in prefixes {
                    let upper = p
                        .parse::<u64>()
                        .map(|n| format!("{:0width$}", n + 1, width = p.len()))
                        .unwrap_or_else(|_| format!("{p}~"));
                    any = any.add(
                        Condition::all()
                            .add(Expr::col(region_col.clone()).gte(p.clone()))
                            .add(Expr::col(region_col.clone()).lt(upper)),
                    );
                }
                any
            }
            Scope::OwnUser(id) => Condition::all().add(Expr::col(owner_col).eq(id.clone())),
            Scope::Orgs(_) => nothing(),
        }
    }

    /// A condition over a table of organisations (or rows keyed by organisation).
    pub fn org_condition(
        &self,
        region_col: impl IntoColumnRef + Clone,
        org_col: impl IntoColumnRef,
    ) -> Condition {
        match self {
            Scope::Orgs(ids) => Condition::all().add(Expr::col(org_col).is_in(ids.clone())),
            Scope::OwnUser(_) => nothing(),
            other => other.condition(region_col, org_col),
        }
    }

    /// Whether one organisation's record, in `region`, is visible.
    pub fn admits_org(&self, region: &str, org_id: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Regions(ps) => ps.iter().any(|p| region.starts_with(p.as_str())),
            Scope::Orgs(ids) => ids.iter().any(|i| i == org_id),
            Scope::OwnUser(_) => false,
        }
    }

    /// Whether a single record with this region and owner is visible.
    pub fn admits(&self, region: Option<&str>, owner: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Regions(ps) => {
                region.is_some_and(|r| ps.iter().any(|p| r.starts_with(p.as_str())))
            }
            Scope::OwnUser(id) => id == owner,
            Scope::Orgs(_) => false,
        }
    }
}

/// A condition no row meets.
fn nothing() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Grant;
    use jineng_core::RegionCode;
    use jineng_core::accounts::Role;

    fn who(role: Role, region: Option<&str>) -> Principal {
        Principal {
            user_id: "u".into(),
            username: "u".into(),
            display_name: "u".into(),
            grants: vec![Grant {
                role,
                region: region.map(|r| RegionCode::parse(r).unwrap()),
                org_id: None,
            }],
        }
    }

    #[test]
    fn scopes_by_role_and_region() {
        let county = who(Role::Regulator, Some("520102"))
            .scope(Permission::ViewAccounts)
            .unwrap();
        assert_eq!(county, Scope::Regions(vec!["520102".into()]));
        assert!(county.admits(Some("520102"), "x"));
        assert!(!county.admits(Some("520103"), "x"));
        assert!(!county.admits(None, "x"));
        let city = who(Role::Regulator, Some("520100"))
            .scope(Permission::ViewAccounts)
            .unwrap();
        assert!(city.admits(Some("520103"), "x") && !city.admits(Some("520302"), "x"));
        assert_eq!(
            who(Role::Viewer, None).scope(Permission::ViewAccounts),
            Some(Scope::All)
        );
        assert_eq!(
            who(Role::Learner, None).scope(Permission::ViewAccounts),
            None
        );
        assert_eq!(
            who(Role::Regulator, Some("520102")).scope(Permission::ViewAudit),
            None
        );
    }
}
