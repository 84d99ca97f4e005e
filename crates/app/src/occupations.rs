//! The occupation classification as a browsable, searchable tree, and the work types
//! (工种) regulators maintain under occupations. Reading is open to every signed-in
//! person; writing needs `ManageCatalogue` and, for regulators, a province-level grant.

use crate::audit::{self, Entry};
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::{App, tx::begin_write};
use jineng_core::RegionLevel;
use jineng_core::accounts::{Permission, Role};
use jineng_core::occupations::OccupationRank;
use jineng_core::occupations::{check_work_type_code, check_work_type_name};
use jineng_store::reference::{occupation, work_type};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

/// One node of the tree with the way to it and what is under it.
pub struct OccupationNode {
    pub node: occupation::Model,
    /// From the major group down to the node's parent.
    pub ancestors: Vec<occupation::Model>,
    pub children: Vec<occupation::Model>,
    pub work_types: Vec<work_type::Model>,
}

impl App {
    pub async fn occupation_roots(&self) -> AppResult<Vec<occupation::Model>> {
        Ok(occupation::Entity::find()
            .filter(occupation::Column::Level.eq("major"))
            .order_by_asc(occupation::Column::Code)
            .all(&self.db)
            .await?)
    }

    pub async fn occupation_node(&self, code: &str) -> AppResult<OccupationNode> {
        let node = occupation::Entity::find_by_id(code.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("职业"))?;
        let mut ancestors = Vec::new();
        let mut parent = node.parent_code.clone();
        while let Some(p) = parent {
            let Some(m) = occupation::Entity::find_by_id(p).one(&self.db).await? else {
                break;
            };
            parent = m.parent_code.clone();
            ancestors.insert(0, m);
            if ancestors.len() > 4 {
                break;
            }
        }
        let children = occupation::Entity::find()
            .filter(occupation::Column::ParentCode.eq(code))
            .order_by_asc(occupation::Column::Code)
            .all(&self.db)
            .await?;
        let work_types = work_type::Entity::find()
            .filter(work_type::Column::OccupationCode.eq(code))
            .order_by_asc(work_type::Column::Code)
            .all(&self.db)
            .await?;
        Ok(OccupationNode {
            node,
            ancestors,
            children,
            work_types,
        })
    }

    /// Name (substring) or code (prefix) search, occupations first, at most `limit`.
    pub async fn search_occupations(
        &self,
        q: &str,
        limit: u64,
    ) -> AppResult<Vec<occupation::Model>> {
        let q = q.trim();
        if q.is_empty() {
            return Ok(vec![]);
        }
        Ok(occupation::Entity::find()
            .filter(
                Condition::any()
                    .add(occupation::Column::Name.contains(q))
                    .add(occupation::Column::Code.starts_with(q)),
            )
            .order_by_desc(occupation::Column::Level)
            .order_by_asc(occupation::Column::Code)
            .limit(limit.clamp(1, 200))
            .all(&self.db)
            .await?)
    }

    fn check_catalogue_rights(&self, who: &Principal) -> AppResult<()> {
        let ok = who.grants.iter().any(|g| {
            g.role.allows(Permission::ManageCatalogue)
                && (g.role != Role::Regulator
                    || g.region.is_some_and(|r| r.level() == RegionLevel::Province))
        });
        if ok { Ok(()) } else { Err(AppError::Forbidden) }
    }

    pub fn may_manage_catalogue(&self, who: &Principal) -> bool {
        self.check_catalogue_rights(who).is_ok()
    }

    pub async fn add_work_type(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        occupation_code: &str,
        code: &str,
        name: &str,
    ) -> AppResult<work_type::Model> {
        self.check_catalogue_rights(who)?;
        let occ = occupation::Entity::find_by_id(occupation_code.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("职业"))?;
        let (code, name) = (code.trim(), name.trim());
        let mut errors = Vec::new();
        if occ.level != OccupationRank::Occupation {
            errors.push(FieldError::new(
                "occupation_code",
                "工种只能设在具体职业（细类）之下",
            ));
        }
        if let Err(m) = check_work_type_code(code) {
            errors.push(FieldError::new("code", m));
        }
        if let Err(m) = check_work_type_name(name) {
            errors.push(FieldError::new("name", m));
        }
        if work_type::Entity::find()
            .filter(work_type::Column::Code.eq(code))
            .one(&self.db)
            .await?
            .is_some()
        {
            errors.push(FieldError::new("code", "工种代码已存在"));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let row = work_type::Model {
            id: uuid::Uuid::now_v7().to_string(),
            occupation_code: occ.code.clone(),
            code: code.to_string(),
            name: name.to_string(),
            created_by: who.user_id.clone(),
            created_at: self.now(),
        };
        let txn = begin_write(&self.db).await?;
        work_type::Entity::insert(work_type::ActiveModel {
            id: Set(row.id.clone()),
            occupation_code: Set(row.occupation_code.clone()),
            code: Set(row.code.clone()),
            name: Set(row.name.clone()),
            created_by: Set(row.created_by.clone()),
            created_at: Set(row.created_at),
        })
        .exec(&txn)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                AppError::field("code", "工种代码已存在")
            }
            _ => e.into(),
        })?;
        let changes = serde_json::json!({"occupation_code": occ.code, "code": code, "name": name});
        audit::append(
            &txn,
            self.now(),
            who.into(),
            ctx,
            Entry {
                action: "work_type.create",
                object_type: "work_type",
                object_id: &row.id,
                changes,
                outcome: "ok",
            },
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }
}
