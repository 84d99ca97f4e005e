//! Registration documents (licences, business licences, qualification certificates) of an
//! institution or enterprise: uploaded by its own admin, read by it and by the regulators
//! whose region covers it. Bytes go to file storage first, then the record is written with
//! its audit entry in one transaction, so a failed upload leaves no record behind.

use super::{Organizations, organization, view_perm};
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use jineng_core::accounts::Permission;
use jineng_core::documents::{MAX_DOCUMENT_BYTES, OrgDocumentKind, clean_filename, sniff};
use jineng_core::organizations::OrgStatus;
use jineng_store::organizations::document;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Serialize)]
pub struct DocumentView {
    pub id: String,
    pub org_id: String,
    pub kind: OrgDocumentKind,
    pub kind_label: &'static str,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<document::Model> for DocumentView {
    fn from(d: document::Model) -> Self {
        DocumentView {
            kind_label: d.kind.label(),
            id: d.id,
            org_id: d.org_id,
            kind: d.kind,
            filename: d.filename,
            content_type: d.content_type,
            size: d.size,
            sha256: d.sha256,
            created_at: d.created_at,
        }
    }
}

impl Organizations<'_> {
    /// The organisation, if the caller is its own admin and it may still change its papers.
    async fn own_for_documents(
        &self,
        who: &Principal,
        org_id: &str,
    ) -> AppResult<organization::Model> {
        // Others learn nothing about whether it exists, unless they may see it.
        let o = self
            .find_scoped::<organization::Entity>(who, view_perm(who), org_id)
            .await?;
        if !who.can(Permission::ManageOwnOrganization) || !who.works_for(org_id) {
            return Err(AppError::Forbidden);
        }
        if o.status == OrgStatus::Revoked {
            return Err(AppError::Conflict(
                "机构已被撤销，不能再修改登记材料".into(),
            ));
        }
        Ok(o)
    }

    pub async fn upload_document(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        org_id: &str,
        kind: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> AppResult<DocumentView> {
        let o = self.own_for_documents(who, org_id).await?;
        let Some(kind) = OrgDocumentKind::parse(kind) else {
            return Err(AppError::field("kind", "请选择材料类型"));
        };
        if bytes.is_empty() {
            return Err(AppError::field("file", "请选择要上传的文件"));
        }
        if bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(AppError::field(
                "file",
                format!("文件不能超过{}MB", MAX_DOCUMENT_BYTES / 1024 / 1024),
            ));
        }
        let content_type = sniff(&bytes)
            .ok_or_else(|| AppError::field("file", "只接受PDF、JPG或PNG文件（按文件内容判断）"))?;
        let id = uuid::Uuid::now_v7().to_string();
        let key = format!("orgs/{}/documents/{id}", o.id);
        let sha = hex::encode(Sha256::digest(&bytes));
        let size = bytes.len() as i64;
        let filename = clean_filename(filename);
        self.files
            .put(&key, bytes)
            .await
            .map_err(|e| AppError::Unavailable(format!("file storage: {e}")))?;
        let write = async {
            let w = self.write(who, ctx).await?;
            document::Entity::insert(document::ActiveModel {
                id: Set(id.clone()),
                org_id: Set(o.id.clone()),
                kind: Set(kind),
                filename: Set(filename.clone()),
                content_type: Set(content_type.into()),
                size: Set(size),
                sha256: Set(sha.clone()),
                storage_key: Set(key.clone()),
                uploaded_by: Set(who.user_id.clone()),
                created_at: Set(w.now),
                removed_at: Set(None),
                removed_by: Set(None),
            })
            .exec(&w.txn)
            .await?;
            w.commit(Entry::ok(
                "org.document_upload",
                o.kind.code(),
                &o.id,
                serde_json::json!({"document": id, "kind": kind, "filename": filename, "size": size, "sha256": sha}),
            ))
            .await
        };
        if let Err(e) = write.await {
            // The object is unreferenced now; removing it is tidy, not required.
            let _ = self.files.delete(&key).await;
            return Err(e);
        }
        self.find_scoped::<document::Entity>(who, view_perm(who), &id)
            .await
            .map(Into::into)
    }

    /// A document of this organisation the caller may see.
    async fn document_of(
        &self,
        who: &Principal,
        org_id: &str,
        doc_id: &str,
    ) -> AppResult<document::Model> {
        let d = self
            .find_scoped::<document::Entity>(who, view_perm(who), doc_id)
            .await?;
        if d.org_id != org_id {
            return Err(AppError::NotFound("材料"));
        }
        Ok(d)
    }

    /// Current (not removed) documents of an organisation the caller may see.
    pub async fn documents(&self, who: &Principal, org_id: &str) -> AppResult<Vec<DocumentView>> {
        let o = self
            .find_scoped::<organization::Entity>(who, view_perm(who), org_id)
            .await?;
        Ok(document::Entity::find()
            .filter(document::Column::OrgId.eq(o.id))
            .filter(document::Column::RemovedAt.is_null())
            .order_by_asc(document::Column::CreatedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The bytes of a document (also of a removed one, for the record), checked against
    /// the hash taken at upload; the read is audited.
    pub async fn document_file(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        org_id: &str,
        doc_id: &str,
    ) -> AppResult<(DocumentView, Vec<u8>)> {
        let o = self
            .find_scoped::<organization::Entity>(who, view_perm(who), org_id)
            .await?;
        let d = self.document_of(who, &o.id, doc_id).await?;
        let bytes = self
            .files
            .get(&d.storage_key)
            .await
            .map_err(|e| AppError::Unavailable(format!("file storage: {e}")))?
            .ok_or_else(|| AppError::Internal(format!("document {} missing in storage", d.id)))?;
        if hex::encode(Sha256::digest(&bytes)) != d.sha256 {
            return Err(AppError::Internal(format!(
                "document {} does not match its hash",
                d.id
            )));
        }
        self.audit()
            .record_read(who, ctx, "org.document_read", o.kind.code(), &o.id, &d.id)
            .await?;
        Ok((d.into(), bytes.to_vec()))
    }

    /// Remove a document from the current registration (kept in storage and on record).
    pub async fn remove_document(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        org_id: &str,
        doc_id: &str,
    ) -> AppResult<()> {
        let o = self.own_for_documents(who, org_id).await?;
        let d = self.document_of(who, &o.id, doc_id).await?;
        if d.removed_at.is_some() {
            return Err(AppError::NotFound("材料"));
        }
        let w = self.write(who, ctx).await?;
        let res = document::Entity::update_many()
            .col_expr(document::Column::RemovedAt, Expr::value(Some(w.now)))
            .col_expr(
                document::Column::RemovedBy,
                Expr::value(Some(who.user_id.clone())),
            )
            .filter(document::Column::Id.eq(d.id.clone()))
            .filter(document::Column::RemovedAt.is_null())
            .exec(&w.txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(AppError::NotFound("材料"));
        }
        w.commit(Entry::ok(
            "org.document_remove",
            o.kind.code(),
            &o.id,
            serde_json::json!({"document": d.id, "filename": d.filename}),
        ))
        .await
    }

    /// Whether an organisation has at least one current registration document.
    pub(crate) async fn has_documents(&self, org_id: &str) -> AppResult<bool> {
        Ok(document::Entity::find()
            .filter(document::Column::OrgId.eq(org_id))
            .filter(document::Column::RemovedAt.is_null())
            .one(&self.db)
            .await?
            .is_some())
    }
}
