//! The occupation classification as a browsable, searchable tree, and the work types
//! (工种) regulators maintain under occupations. Reading is open to every signed-in
//! person; writing needs `ManageCatalogue` and, for regulators, a province-level grant.

use super::Catalogue;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::write::OnUnique;
use jineng_core::accounts::Permission;
use jineng_core::occupations::OccupationRank;
use jineng_core::occupations::{check_work_type_code, check_work_type_name};
use jineng_store::reference::{occupation, work_type};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

/// One occupation-classification node.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OccupationView {
    pub code: String,
    pub level: OccupationRank,
    pub name: String,
    pub parent_code: Option<String>,
    /// Marked S (数字职业) in the 2022 book.
    pub digital: bool,
    /// Marked L (绿色职业).
    pub green: bool,
}

impl From<occupation::Model> for OccupationView {
    fn from(o: occupation::Model) -> Self {
        OccupationView {
            code: o.code,
            level: o.level,
            name: o.name,
            parent_code: o.parent_code,
            digital: o.digital,
            green: o.green,
        }
    }
}

/// A work type (工种) under an occupation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorkTypeView {
    pub id: String,
    pub occupation_code: String,
    pub code: String,
    pub name: String,
}

impl From<work_type::Model> for WorkTypeView {
    fn from(w: work_type::Model) -> Self {
        WorkTypeView {
            id: w.id,
            occupation_code: w.occupation_code,
            code: w.code,
            name: w.name,
        }
    }
}

/// One node of the tree with the way to it and what is under it.
pub struct OccupationNode {
    pub node: OccupationView,
    /// From the major group down to the node's parent.
    pub ancestors: Vec<OccupationView>,
    pub children: Vec<OccupationView>,
    pub work_types: Vec<WorkTypeView>,
}

fn views<M, V: From<M>>(rows: Vec<M>) -> Vec<V> {
    rows.into_iter().map(Into::into).collect()
}

impl Catalogue<'_> {
    /// The major groups (大类).
    pub async fn occupation_roots(&self) -> AppResult<Vec<OccupationView>> {
        Ok(views(
            occupation::Entity::find()
                .filter(occupation::Column::Level.eq(OccupationRank::Major))
                .order_by_asc(occupation::Column::Code)
                .all(&self.db)
                .await?,
        ))
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
            node: node.into(),
            ancestors: views(ancestors),
            children: views(children),
            work_types: views(work_types),
        })
    }

    /// Name (substring) or code (prefix) search, occupations first, at most `limit`.
    pub async fn search_occupations(&self, q: &str, limit: u64) -> AppResult<Vec<OccupationView>> {
        let q = q.trim();
        if q.is_empty() {
            return Ok(vec![]);
        }
        Ok(views(
            occupation::Entity::find()
                .filter(
                    Condition::any()
                        .add(crate::page::contains(occupation::Column::Name, q))
                        .add(occupation::Column::Code.starts_with(q)),
                )
                .order_by_desc(occupation::Column::Level)
                .order_by_asc(occupation::Column::Code)
                .limit(limit.clamp(1, 200))
                .all(&self.db)
                .await?,
        ))
    }

    fn check_catalogue_rights(&self, who: &Principal) -> AppResult<()> {
        if who.can_province_wide(Permission::ManageCatalogue) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Whether the caller maintains work types and the catalogue.
    pub fn may_manage(&self, who: &Principal) -> bool {
        self.check_catalogue_rights(who).is_ok()
    }

    pub async fn add_work_type(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        occupation_code: &str,
        code: &str,
        name: &str,
    ) -> AppResult<WorkTypeView> {
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
        let w = self.write(who, ctx).await?;
        let row = work_type::Model {
            id: uuid::Uuid::now_v7().to_string(),
            occupation_code: occ.code.clone(),
            code: code.to_string(),
            name: name.to_string(),
            created_by: who.user_id.clone(),
            created_at: w.now,
        };
        work_type::Entity::insert(work_type::ActiveModel {
            id: Set(row.id.clone()),
            occupation_code: Set(row.occupation_code.clone()),
            code: Set(row.code.clone()),
            name: Set(row.name.clone()),
            created_by: Set(row.created_by.clone()),
            created_at: Set(row.created_at),
        })
        .exec(&w.txn)
        .await
        .on_unique(|| AppError::field("code", "工种代码已存在"))?;
        let changes = serde_json::json!({"occupation_code": occ.code, "code": code, "name": name});
        w.commit(Entry::ok("work_type.create", "work_type", &row.id, changes))
            .await?;
        Ok(row.into())
    }
}
