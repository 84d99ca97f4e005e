//! The regulator's single inbox: everything in its region waiting for a decision —
//! registrations, occupation declarations, teachers and class filings — counted in one
//! place, each linking to its list.

use crate::App;
use crate::context::Principal;
use crate::error::{AppError, AppResult};
use jineng_core::accounts::Permission;
use jineng_store::catalogue::declaration;
use jineng_store::classes::class;
use jineng_store::organizations::organization;
use jineng_store::teachers::link;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct InboxItem {
    pub kind: &'static str,
    pub label: &'static str,
    pub count: u64,
    /// The page listing these items.
    pub href: &'static str,
}

impl App {
    pub async fn inbox(&self, who: &Principal) -> AppResult<Vec<InboxItem>> {
        let scope = who
            .scope(Permission::ReviewOrganizations)
            .ok_or(AppError::Forbidden)?;
        let orgs = organization::Entity::find()
            .filter(scope.org_condition(organization::Column::RegionCode, organization::Column::Id))
            .filter(organization::Column::Status.eq("submitted"))
            .count(&self.db)
            .await?;
        let declarations = declaration::Entity::find()
            .filter(
                scope.org_condition(declaration::Column::RegionCode, declaration::Column::OrgId),
            )
            .filter(declaration::Column::Status.eq("submitted"))
            .count(&self.db)
            .await?;
        let teachers = link::Entity::find()
            .filter(scope.org_condition(link::Column::RegionCode, link::Column::OrgId))
            .filter(link::Column::Status.eq("submitted"))
            .count(&self.db)
            .await?;
        let classes = class::Entity::find()
            .filter(scope.org_condition(class::Column::RegionCode, class::Column::OrgId))
            .filter(class::Column::Status.eq("submitted"))
            .count(&self.db)
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
