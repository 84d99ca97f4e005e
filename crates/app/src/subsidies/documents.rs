//! Documents the claiming institution attaches to a claim (a signed roster, attendance
//! sheets, invoices): uploaded while the claim is under review or returned, read by
//! everyone who sees the claim. Bytes go to file storage first, then the record with its
//! audit entry in one transaction; a read checks the bytes against the hash taken at
//! upload and is audited.

use super::Subsidies;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use jineng_core::accounts::Permission;
use jineng_core::documents::{MAX_DOCUMENT_BYTES, clean_filename, sniff};
use jineng_core::subsidies::ClaimStatus;
use jineng_store::subsidies::{claim, claim_document};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

/// The most documents one claim holds.
pub const MAX_CLAIM_DOCUMENTS: u64 = 10;

#[derive(Debug, Clone, Serialize)]
pub struct ClaimDocumentView {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<claim_document::Model> for ClaimDocumentView {
    fn from(d: claim_document::Model) -> Self {
        ClaimDocumentView {
            id: d.id,
            filename: d.filename,
            content_type: d.content_type,
            size: d.size,
            sha256: d.sha256,
            created_at: d.created_at,
        }
    }
}

impl Subsidies<'_> {
    /// Attach a document to a claim of the caller's organisation that is still open.
    /// The claim if it is the caller's own individual claim.
    pub(crate) async fn own_claim(
        &self,
        who: &Principal,
        claim_id: &str,
    ) -> AppResult<Option<claim::Model>> {
        Ok(claim::Entity::find_by_id(claim_id.to_string())
            .one(&self.db)
            .await?
            .filter(|c| !c.applicant_id.is_empty() && c.applicant_id == who.user_id))
    }

    pub async fn attach_document(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        claim_id: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> AppResult<ClaimDocumentView> {
        let c = match self.own_claim(who, claim_id).await? {
            // A learner's own claim (个人补贴): the learner adds its documents.
            Some(c) => c,
            None => {
                if !who.can(Permission::ClaimSubsidies) {
                    return Err(AppError::Forbidden);
                }
                let c = self
                    .find_scoped::<claim::Entity>(who, Permission::ClaimSubsidies, claim_id)
                    .await?;
                if !c.applicant_id.is_empty() {
                    return Err(AppError::Conflict(
                        "这是学员本人的申请，机构不能为其添加材料".into(),
                    ));
                }
                c
            }
        };
        if !matches!(c.status, ClaimStatus::Reviewing | ClaimStatus::Returned) {
            return Err(AppError::Conflict(format!(
                "申请{}，不能再添加材料",
                c.status.label()
            )));
        }
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
        if self.documents_of(&c.id).await?.len() as u64 >= MAX_CLAIM_DOCUMENTS {
            return Err(AppError::Conflict(format!(
                "每个申请最多{MAX_CLAIM_DOCUMENTS}份材料"
            )));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let key = format!("subsidies/claims/{}/{id}", c.id);
        let sha = hex::encode(jineng_core::archive::sha256_bytes(&bytes));
        let size = bytes.len() as i64;
        let filename = clean_filename(filename);
        self.files
            .put(&key, bytes)
            .await
            .map_err(|e| AppError::Unavailable(format!("file storage: {e}")))?;
        let row = claim_document::Model {
            id: id.clone(),
            claim_id: c.id.clone(),
            filename: filename.clone(),
            content_type: content_type.into(),
            size,
            sha256: sha.clone(),
            storage_key: key.clone(),
            uploaded_by: who.user_id.clone(),
            created_at: self.now(),
        };
        let write = async {
            let w = self.write(who, ctx).await?;
            // Counted again inside the transaction: two uploads at once stay within limit
            // on SQLite (one writer); on PostgreSQL the claim row is locked first.
            claim::Entity::update_many()
                .col_expr(
                    claim::Column::UpdatedAt,
                    sea_orm::sea_query::Expr::value(w.now),
                )
                .filter(claim::Column::Id.eq(c.id.clone()))
                .exec(&w.txn)
                .await?;
            let n = claim_document::Entity::find()
                .filter(claim_document::Column::ClaimId.eq(c.id.clone()))
                .count(&w.txn)
                .await?;
            if n >= MAX_CLAIM_DOCUMENTS {
                return Err(AppError::Conflict(format!(
                    "每个申请最多{MAX_CLAIM_DOCUMENTS}份材料"
                )));
            }
            claim_document::Entity::insert(claim_document::ActiveModel {
                id: Set(row.id.clone()),
                claim_id: Set(row.claim_id.clone()),
                filename: Set(row.filename.clone()),
                content_type: Set(row.content_type.clone()),
                size: Set(row.size),
                sha256: Set(row.sha256.clone()),
                storage_key: Set(row.storage_key.clone()),
                uploaded_by: Set(row.uploaded_by.clone()),
                created_at: Set(w.now),
            })
            .exec(&w.txn)
            .await?;
            w.commit(Entry::ok(
                "subsidy_claim.document_upload",
                "subsidy_claim",
                &c.id,
                serde_json::json!({"document": id, "filename": filename, "size": size, "sha256": sha}),
            ))
            .await
        };
        if let Err(e) = write.await {
            // The object is unreferenced now; removing it is tidy, not required.
            let _ = self.files.delete(&key).await;
            return Err(e);
        }
        Ok(row.into())
    }

    pub(crate) async fn documents_of(&self, claim_id: &str) -> AppResult<Vec<ClaimDocumentView>> {
        Ok(claim_document::Entity::find()
            .filter(claim_document::Column::ClaimId.eq(claim_id))
            .order_by_asc(claim_document::Column::CreatedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// A document of a claim the caller sees, checked against its hash; the read is
    /// audited.
    pub async fn claim_document(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        claim_id: &str,
        doc_id: &str,
    ) -> AppResult<(ClaimDocumentView, Vec<u8>)> {
        let c = match self.own_claim(who, claim_id).await? {
            Some(c) => c,
            None => {
                self.find_scoped::<claim::Entity>(who, Permission::ViewSubsidies, claim_id)
                    .await?
            }
        };
        let d = claim_document::Entity::find_by_id(doc_id.to_string())
            .filter(claim_document::Column::ClaimId.eq(c.id.clone()))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("材料"))?;
        let bytes = self
            .files
            .get(&d.storage_key)
            .await
            .map_err(|e| AppError::Unavailable(format!("file storage: {e}")))?
            .ok_or_else(|| AppError::Internal(format!("claim document {} missing", d.id)))?;
        if hex::encode(jineng_core::archive::sha256_bytes(&bytes)) != d.sha256 {
            return Err(AppError::Internal(format!(
                "claim document {} does not match its hash",
                d.id
            )));
        }
        self.audit()
            .record_read(
                who,
                ctx,
                "subsidy_claim.document_read",
                "subsidy_claim",
                &c.id,
                &d.id,
            )
            .await?;
        Ok((d.into(), bytes.to_vec()))
    }
}
