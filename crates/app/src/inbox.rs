//! The reviewer's single inbox: everything waiting for the caller's decision — for a
//! regulator, the registrations, occupation declarations, teachers and class filings of
//! its region; for an operator, course providers' registrations — counted in one place,
//! each linking to its list.

use crate::context::Principal;
use crate::error::AppResult;
use crate::scope::Scoped;
use jineng_core::accounts::Permission;
use jineng_core::classes::ClassStatus;
use jineng_core::organizations::{OrgKind, OrgStatus};
use jineng_core::review::ReviewStatus;
use jineng_store::catalogue::declaration;
use jineng_store::classes::class;
use jineng_store::organizations::organization;
use jineng_store::teachers::link;
use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, Value};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct InboxItem {
    pub kind: &'static str,
    pub label: &'static str,
    pub count: u64,
    /// The page listing these items.
    pub href: &'static str,
}

bounded_context!(
    /// What waits for a reviewer.
    Inbox,
    inbox
);

impl Inbox<'_> {
    /// How many records of kind `E` in the caller's scope for `p` wait in `status`.
    async fn waiting<E: Scoped>(
        &self,
        who: &Principal,
        p: Permission,
        status_col: E::Column,
        status: impl Into<Value>,
    ) -> AppResult<u64>
    where
        E::Model: Sync,
    {
        Ok(self
            .list_scoped::<E>(who, p)?
            .filter(status_col.eq(status))
            .count(&self.db)
            .await?)
    }

    /// Counts of everything waiting for the caller's decision: a regulator's region, an
    /// operator's provider registrations.
    pub async fn counts(&self, who: &Principal) -> AppResult<Vec<InboxItem>> {
        if !who.can(Permission::ReviewOrganizations) && !who.can(Permission::ReviewProviders) {
            return Err(crate::error::AppError::Forbidden);
        }
        let mut items = Vec::new();
        if who.can(Permission::ReviewOrganizations) {
            let p = Permission::ReviewOrganizations;
            let orgs = self
                .list_scoped::<organization::Entity>(who, p)?
                .filter(organization::Column::Status.eq(OrgStatus::Submitted))
                .filter(organization::Column::Kind.ne(OrgKind::Provider))
                .count(&self.db)
                .await?;
            let declarations = self
                .waiting::<declaration::Entity>(
                    who,
                    p,
                    declaration::Column::Status,
                    ReviewStatus::Submitted,
                )
                .await?;
            let teachers = self
                .waiting::<link::Entity>(who, p, link::Column::Status, ReviewStatus::Submitted)
                .await?;
            let classes = self
                .waiting::<class::Entity>(who, p, class::Column::Status, ClassStatus::Submitted)
                .await?;
            items.extend([
                InboxItem {
                    kind: "organization",
                    label: "机构与企业登记",
                    count: orgs,
                    href: "/orgs?status=submitted",
                },
                InboxItem {
                    kind: "declaration",
                    label: "培训工种申报",
                    count: declarations,
                    href: "/declarations?status=submitted",
                },
                InboxItem {
                    kind: "teacher",
                    label: "师资入库",
                    count: teachers,
                    href: "/teachers?status=submitted",
                },
                InboxItem {
                    kind: "class",
                    label: "培训班备案",
                    count: classes,
                    href: "/classes?status=submitted",
                },
            ]);
        }
        if who.can(Permission::ReviewProviders) {
            let providers = self
                .list_scoped::<organization::Entity>(who, Permission::ReviewProviders)?
                .filter(organization::Column::Status.eq(OrgStatus::Submitted))
                .filter(organization::Column::Kind.eq(OrgKind::Provider))
                .count(&self.db)
                .await?;
            items.push(InboxItem {
                kind: "provider",
                label: "课程资源方入驻",
                count: providers,
                href: "/orgs?kind=provider&status=submitted",
            });
        }
        Ok(items)
    }
}
