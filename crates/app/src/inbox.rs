//! The regulator's single inbox: everything in its region waiting for a decision —
//! registrations, occupation declarations, teachers and class filings — counted in one
//! place, each linking to its list.

use crate::context::Principal;
use crate::error::AppResult;
use crate::scope::Scoped;
use jineng_core::accounts::Permission;
use jineng_core::classes::ClassStatus;
use jineng_core::organizations::OrgStatus;
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
    /// How many records of kind `E` in the caller's review scope wait in `status`.
    async fn waiting<E: Scoped>(
        &self,
        who: &Principal,
        status_col: E::Column,
        status: impl Into<Value>,
    ) -> AppResult<u64>
    where
        E::Model: Sync,
    {
        Ok(self
            .list_scoped::<E>(who, Permission::ReviewOrganizations)?
            .filter(status_col.eq(status))
            .count(&self.db)
            .await?)
    }

    /// Counts of everything in the caller's region waiting for a decision.
    pub async fn counts(&self, who: &Principal) -> AppResult<Vec<InboxItem>> {
        let orgs = self
            .waiting::<organization::Entity>(
                who,
                organization::Column::Status,
                OrgStatus::Submitted,
            )
            .await?;
        let declarations = self
            .waiting::<declaration::Entity>(
                who,
                declaration::Column::Status,
                ReviewStatus::Submitted,
            )
            .await?;
        let teachers = self
            .waiting::<link::Entity>(who, link::Column::Status, ReviewStatus::Submitted)
            .await?;
        let classes = self
            .waiting::<class::Entity>(who, class::Column::Status, ClassStatus::Submitted)
            .await?;
        Ok(vec![
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
        ])
    }
}
