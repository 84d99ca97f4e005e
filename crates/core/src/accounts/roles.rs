//! Roles and permissions. A role grant may carry a region (regulators) or an
//! organisation (institution, enterprise, provider); the grant decides the scope.

crate::coded! {
    /// A role a user holds; ordered from least to most powerful (for the audit record).
    pub enum Role {
        Learner("learner", "学员"),
        InstitutionAdmin("institution_admin", "培训机构管理员"),
        EnterpriseAdmin("enterprise_admin", "企业管理员"),
        Teacher("teacher", "师资"),
        CourseProvider("course_provider", "课程资源方"),
        Expert("expert", "评审专家"),
        ExpertLeader("expert_leader", "评审专家组长"),
        Regulator("regulator", "人社监管"),
        Operator("operator", "运营管理员"),
        ServiceAgent("service_agent", "客服"),
        Auditor("auditor", "审计员"),
        Viewer("viewer", "只读管理员"),
        SystemAdmin("system_admin", "系统管理员"),
    }
}

crate::coded! {
    /// What an API token may do: only read (GET), or everything its owner may.
    pub enum TokenScope {
        Read("read", "只读"),
        Full("full", "读写"),
    }
}

crate::coded! {
    /// Whether an account may sign in.
    pub enum UserStatus {
        Active("active", "正常"),
        Disabled("disabled", "已停用"),
    }
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
    /// See the evidence log's health: checkpoints, witness pushes, runs of the full check.
    ViewLedgerHealth,
    /// Approve, return, suspend, reinstate, revoke course providers' registrations
    /// (platform operators; regulators review institutions, not providers).
    ReviewProviders,
    /// See course packages in one's scope (their own organisation's; operators all;
    /// regulators their region's) beyond the public catalogue.
    ViewCourses,
    /// Keep the expert pool and expert groups.
    ManageExperts,
    /// Take listed course packages off the catalogue and put them back.
    ManageListings,
    /// Review course packages at the levels one qualifies for (experts, group leaders,
    /// the province's regulator as the final authority).
    ReviewCourses,
    /// Write and submit one's own organisation's course packages (providers; institutions
    /// for their own courses, 自有课).
    ManageCourses,
    /// Import skill-level certificates from appraisal organisations' result sheets
    /// (regulators, for learners of their region; the system admin).
    ImportCertificates,
    /// Buy course seats for one's own classes, pay, and ask for refunds (institutions
    /// and enterprises).
    BuyCourses,
    /// See course orders in one's scope: one's own organisation's purchases or sales,
    /// a regulator's region, everything for the platform's administrators.
    ViewOrders,
    /// Decide refunds and settle with providers (the platform's operators).
    SettleOrders,
    /// See subsidy policies, claims and disbursements in one's scope.
    ViewSubsidies,
    /// Keep the province's subsidy policies (regulators: province level).
    ManageSubsidyPolicies,
    /// Claim subsidies for one's own completed classes (institutions and enterprises).
    ClaimSubsidies,
    /// Decide claims at one's own level (county, city or province regulators).
    ReviewSubsidies,
    /// Put approved claims into disbursement batches and record the bank's answers
    /// (regulators: province level).
    DisburseSubsidies,
    /// Open and run course-resource solicitation campaigns: review applications, assign
    /// roadshow experts, publish the notice, answer objections, admit and manage admitted
    /// providers (operators; regulators at province level).
    RunSolicitations,
    /// Apply to solicitation campaigns for one's own organisation (course providers).
    ApplySolicitations,
    /// Score the roadshows of the campaigns one is assigned to (experts).
    ScoreRoadshows,
    /// Make and revoke the open-API keys and the webhook of one's own organisation, which
    /// must be admitted (course providers).
    UseOpenApi,
}

impl Role {
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

    /// Roles whose holders act across the platform or a whole region: administrators,
    /// auditors and regulators. Only those who may manage administrators (system admins)
    /// manage these accounts: otherwise an operator could reset a regulator's password,
    /// sign in as them and approve institutions.
    pub fn is_privileged(self) -> bool {
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
                ViewAccounts
                    | ManageAccounts
                    | ViewOrganizations
                    | ManageCatalogue
                    | ViewLearners
                    | ReviewProviders
                    | ViewCourses
                    | ManageExperts
                    | ManageListings
                    | ViewOrders
                    | SettleOrders
                    | ViewSubsidies
                    | RunSolicitations
            ),
            Role::Viewer => matches!(
                p,
                ViewAccounts
                    | ViewOrganizations
                    | ViewLearners
                    | ViewCourses
                    | ViewOrders
                    | ViewSubsidies
            ),
            Role::Auditor => matches!(p, ViewAudit | ViewAccounts | ViewLedgerHealth),
            Role::Regulator => {
                matches!(
                    p,
                    ViewAccounts
                        | ViewOrganizations
                        | ReviewOrganizations
                        | ManageCatalogue
                        | ViewLearners
                        | ViewLedgerHealth
                        | ViewCourses
                        | ManageExperts
                        | ReviewCourses
                        | ManageListings
                        | ImportCertificates
                        | ViewOrders
                        | ViewSubsidies
                        | ManageSubsidyPolicies
                        | ReviewSubsidies
                        | DisburseSubsidies
                        | RunSolicitations
                )
            }
            Role::InstitutionAdmin => {
                matches!(
                    p,
                    ViewOrganizations
                        | ManageOwnOrganization
                        | ViewLearners
                        | ImportLearners
                        | ManageCourses
                        | ViewCourses
                        | BuyCourses
                        | ViewOrders
                        | ViewSubsidies
                        | ClaimSubsidies
                )
            }
            Role::EnterpriseAdmin => {
                matches!(
                    p,
                    ViewOrganizations
                        | ManageOwnOrganization
                        | ViewLearners
                        | ImportLearners
                        | BuyCourses
                        | ViewOrders
                        | ViewSubsidies
                        | ClaimSubsidies
                )
            }
            Role::Expert | Role::ExpertLeader => matches!(p, ReviewCourses | ScoreRoadshows),
            Role::CourseProvider => {
                matches!(
                    p,
                    ManageOwnOrganization
                        | ManageCourses
                        | ViewCourses
                        | ViewOrders
                        | ApplySolicitations
                        | UseOpenApi
                )
            }
            _ => false,
        }
    }
}

/// Whether an account holding `actor` roles may manage (create with, grant, revoke,
/// reset the password or second factor of, disable, enable, unlock) an account holding
/// `target` roles. The one rule for account administration:
///
/// - a system admin manages every account;
/// - an operator (`ManageAccounts` without `ManageAdmins`) manages accounts that hold no
///   privileged role (see `Role::is_privileged`);
/// - no other role manages accounts.
pub fn may_manage(actor: &[Role], target: &[Role]) -> bool {
    let can = |p: Permission| actor.iter().any(|r| r.allows(p));
    if can(Permission::ManageAdmins) {
        return true;
    }
    can(Permission::ManageAccounts) && !target.iter().any(|r| r.is_privileged())
}

/// Whether `actor` may grant (or revoke) `role` on an account: the same rule, for the role
/// itself.
pub fn may_grant(actor: &[Role], role: Role) -> bool {
    may_manage(actor, &[role])
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

    /// Every pair of single roles: who manages whom.
    #[test]
    fn account_management_hierarchy_is_exhaustive() {
        for actor in ALL_ROLES {
            for target in ALL_ROLES {
                let expected = match actor {
                    Role::SystemAdmin => true,
                    Role::Operator => !target.is_privileged(),
                    _ => false,
                };
                assert_eq!(
                    may_manage(&[actor], &[target]),
                    expected,
                    "{actor:?} managing {target:?}"
                );
            }
        }
        // A target holding any privileged role is protected, whatever else it holds.
        assert!(!may_manage(
            &[Role::Operator],
            &[Role::Learner, Role::Regulator]
        ));
        assert!(!may_manage(&[Role::Operator], &[Role::Auditor]));
        assert!(may_manage(
            &[Role::Operator],
            &[Role::InstitutionAdmin, Role::Teacher]
        ));
        // A privileged role is granted only by a system admin.
        assert!(!may_grant(&[Role::Operator], Role::Regulator));
        assert!(!may_grant(&[Role::Operator], Role::Viewer));
        assert!(may_grant(&[Role::Operator], Role::ExpertLeader));
        assert!(may_grant(&[Role::SystemAdmin], Role::SystemAdmin));
        assert!(!may_grant(&[Role::Regulator], Role::Learner));
    }
}
