//! Roles and permissions. A role grant may carry a region (regulators) or an
//! organisation (institution, enterprise, provider); the grant decides the scope.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Learner,
    InstitutionAdmin,
    EnterpriseAdmin,
    Teacher,
    CourseProvider,
    Expert,
    ExpertLeader,
    Regulator,
    Operator,
    ServiceAgent,
    Auditor,
    Viewer,
    SystemAdmin,
}

pub const ALL_ROLES: [Role; 13] = [
    Role::Learner,
    Role::InstitutionAdmin,
    Role::EnterpriseAdmin,
    Role::Teacher,
    Role::CourseProvider,
    Role::Expert,
    Role::ExpertLeader,
    Role::Regulator,
    Role::Operator,
    Role::ServiceAgent,
    Role::Auditor,
    Role::Viewer,
    Role::SystemAdmin,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See the account list (scoped).
    ViewAccounts,
    /// Create accounts, grant roles, lock and unlock (scoped; never raise above one's own level).
    ManageAccounts,
    /// Grant or revoke administrator roles.
    ManageAdmins,
    /// Search and export the audit trail.
    ViewAudit,
    /// See whole ID numbers, phones and bank accounts instead of masked ones.
    ViewFullPii,
    /// Change platform settings.
    ManageSettings,
    /// See institutions and enterprises (scoped: regulators by region, organisations their own).
    ViewOrganizations,
    /// Approve, return, suspend, reinstate, revoke registrations; annual reviews.
    ReviewOrganizations,
    /// Edit and resubmit one's own organisation's registration.
    ManageOwnOrganization,
    /// Maintain work types and the training-project catalogue (regulators: province level).
    ManageCatalogue,
    /// See learners (scoped: regulators by region, organisations their own learners).
    ViewLearners,
    /// Import learners in bulk into one's own institution or enterprise.
    ImportLearners,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::InstitutionAdmin => "institution_admin",
            Role::EnterpriseAdmin => "enterprise_admin",
            Role::Teacher => "teacher",
            Role::CourseProvider => "course_provider",
            Role::Expert => "expert",
            Role::ExpertLeader => "expert_leader",
            Role::Regulator => "regulator",
            Role::Operator => "operator",
            Role::ServiceAgent => "service_agent",
            Role::Auditor => "auditor",
            Role::Viewer => "viewer",
            Role::SystemAdmin => "system_admin",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        ALL_ROLES.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Learner => "学员",
            Role::InstitutionAdmin => "培训机构管理员",
            Role::EnterpriseAdmin => "企业管理员",
            Role::Teacher => "师资",
            Role::CourseProvider => "课程资源方",
            Role::Expert => "评审专家",
            Role::ExpertLeader => "评审专家组长",
            Role::Regulator => "人社监管",
            Role::Operator => "运营管理员",
            Role::ServiceAgent => "客服",
            Role::Auditor => "审计员",
            Role::Viewer => "只读管理员",
            Role::SystemAdmin => "系统管理员",
        }
    }

    /// Platform administrators: the three permission levels plus the auditor.
    pub fn is_admin(self) -> bool {
        matches!(
            self,
            Role::SystemAdmin | Role::Operator | Role::Viewer | Role::Auditor
        )
    }

    /// Roles for which a TOTP second factor is offered (and may be required).
    pub fn may_use_totp(self) -> bool {
        self.is_admin() || self == Role::Regulator
    }

    /// A regulator grant must name a region.
    pub fn needs_region(self) -> bool {
        self == Role::Regulator
    }

    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::SystemAdmin => true,
            Role::Operator => matches!(
                p,
                ViewAccounts | ManageAccounts | ViewOrganizations | ManageCatalogue | ViewLearners
            ),
            Role::Viewer => matches!(p, ViewAccounts | ViewOrganizations | ViewLearners),
            Role::Auditor => matches!(p, ViewAudit | ViewAccounts),
            Role::Regulator => {
                matches!(
                    p,
                    ViewAccounts
                        | ViewOrganizations
                        | ReviewOrganizations
                        | ManageCatalogue
                        | ViewLearners
                )
            }
            Role::InstitutionAdmin | Role::EnterpriseAdmin => {
                matches!(
                    p,
                    ViewOrganizations | ManageOwnOrganization | ViewLearners | ImportLearners
                )
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_levels() {
        for r in ALL_ROLES {
            assert_eq!(Role::parse(r.code()), Some(r));
            assert!(!r.label().is_empty());
        }
        assert!(Role::SystemAdmin.allows(Permission::ManageAdmins));
        assert!(Role::Operator.allows(Permission::ManageAccounts));
        assert!(!Role::Operator.allows(Permission::ManageAdmins));
        assert!(!Role::Viewer.allows(Permission::ManageAccounts));
        assert!(Role::Viewer.allows(Permission::ViewAccounts));
        assert!(!Role::Learner.allows(Permission::ViewAccounts));
        assert!(Role::Auditor.allows(Permission::ViewAudit));
        assert!(!Role::Regulator.allows(Permission::ViewFullPii));
    }
}
