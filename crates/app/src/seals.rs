//! Issuers' seal images (证书印章): a training institution's staff upload their
//! institution's seal, a regulator their department's; certificates the issuer gives
//! out are printed with it (else with a seal drawn from the issuer's name). The file is
//! checked in full (`jineng_pdf::seal::check`) before it is kept in the file store.

use crate::RequestCtx;
use crate::audit::Entry;
use crate::context::Principal;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use jineng_core::accounts::Permission;
use jineng_store::certificates::seal;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

bounded_context!(
    /// Issuers' seal images for certificates.
    Seals,
    seals
);

/// The caller's seal as its page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SealView {
    /// `org:<id>` or `region:<code>`.
    pub issuer_key: String,
    /// The institution or department whose seal it is.
    pub issuer: String,
    /// Whether an image has been uploaded (else the seal is drawn from the name).
    pub uploaded: bool,
    pub width: u32,
    pub height: u32,
    pub uploaded_at: Option<DateTime<Utc>>,
}

impl Seals<'_> {
    /// Whose seal the caller keeps: their institution's (staff of an organisation that
    /// trains and may operate) or their department's (a regulator; the system
    /// administrator keeps the province's).
    async fn issuer(&self, who: &Principal) -> AppResult<(String, String)> {
        if who.can(Permission::ManageOwnOrganization) && !who.org_ids().is_empty() {
            let org = self
                .organizations()
                .operating(who)
                .await
                .map_err(|e| match e {
                    AppError::Conflict(_) => AppError::Conflict(
                        "机构或企业登记未通过审核，或已被暂停、撤销，不能设置证书印章".into(),
                    ),
                    e => e,
                })?;
            return Ok((format!("org:{}", org.id), org.name));
        }
        if who.can(Permission::ReviewOrganizations) {
            let (region, name) = self.qualifications().department(who, None).await?;
            return Ok((format!("region:{}", region.as_str()), name));
        }
        Err(AppError::Forbidden)
    }

    /// The caller's seal.
    pub async fn mine(&self, who: &Principal) -> AppResult<SealView> {
        let (key, issuer) = self.issuer(who).await?;
        let row = seal::Entity::find_by_id(key.clone()).one(&self.db).await?;
        Ok(SealView {
            issuer_key: key,
            issuer,
            uploaded: row.is_some(),
            width: row
                .as_ref()
                .map_or(0, |r| u32::try_from(r.width).unwrap_or(0)),
            height: row
                .as_ref()
                .map_or(0, |r| u32::try_from(r.height).unwrap_or(0)),
            uploaded_at: row.map(|r| r.uploaded_at),
        })
    }

    /// The caller's seal image, if uploaded.
    pub async fn my_image(&self, who: &Principal) -> AppResult<Option<Vec<u8>>> {
        let (key, _) = self.issuer(who).await?;
        Ok(self
            .images(&[key])
            .await?
            .into_values()
            .next()
            .map(|b| b.to_vec()))
    }

    /// Upload (or replace) the caller's seal: a transparent PNG, checked in full.
    pub async fn upload(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        bytes: Vec<u8>,
    ) -> AppResult<SealView> {
        let (key, _) = self.issuer(who).await?;
        let img =
            jineng_pdf::seal::check(&bytes).map_err(|e| AppError::field("file", e.to_string()))?;
        let sha = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&img.png))
        };
        // Named by content: a replaced seal leaves the old file for certificates being
        // printed meanwhile; the same image uploaded twice is one file.
        let file_key = format!("seals/{sha}.png");
        self.files
            .put(&file_key, img.png)
            .await
            .map_err(|e| AppError::Internal(format!("seal file: {e}")))?;
        let w = self.write(who, ctx).await?;
        seal::Entity::insert(seal::ActiveModel {
            issuer_key: Set(key.clone()),
            file_key: Set(file_key),
            sha256: Set(sha.clone()),
            width: Set(i32::try_from(img.width).unwrap_or(0)),
            height: Set(i32::try_from(img.height).unwrap_or(0)),
            uploaded_by: Set(w.actor_id()),
            uploaded_at: Set(w.now),
        })
        .on_conflict(
            OnConflict::column(seal::Column::IssuerKey)
                .update_columns([
                    seal::Column::FileKey,
                    seal::Column::Sha256,
                    seal::Column::Width,
                    seal::Column::Height,
                    seal::Column::UploadedBy,
                    seal::Column::UploadedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&w.txn)
        .await?;
        w.commit(Entry::ok(
            "seal.upload",
            "seal",
            &key,
            serde_json::json!({"sha256": sha, "width": img.width, "height": img.height}),
        ))
        .await?;
        self.mine(who).await
    }

    /// Go back to the seal drawn from the issuer's name; with none uploaded there is
    /// nothing to do (and nothing is recorded).
    pub async fn remove(&self, who: &Principal, ctx: &RequestCtx) -> AppResult<()> {
        let (key, _) = self.issuer(who).await?;
        let w = self.write(who, ctx).await?;
        let r = seal::Entity::delete_many()
            .filter(seal::Column::IssuerKey.eq(key.clone()))
            .exec(&w.txn)
            .await?;
        if r.rows_affected == 0 {
            return Ok(());
        }
        w.commit(Entry::ok(
            "seal.remove",
            "seal",
            &key,
            serde_json::json!({}),
        ))
        .await?;
        Ok(())
    }

    /// The uploaded seal images of these issuers (those without one are left out), for
    /// printing certificates the caller may already see.
    pub async fn images(&self, keys: &[String]) -> AppResult<HashMap<String, Arc<Vec<u8>>>> {
        let rows = seal::Entity::find()
            .filter(seal::Column::IssuerKey.is_in(keys.iter().cloned()))
            .all(&self.db)
            .await?;
        let mut out = HashMap::new();
        for r in rows {
            let bytes = self
                .files
                .get(&r.file_key)
                .await
                .map_err(|e| AppError::Internal(format!("seal file: {e}")))?;
            if let Some(b) = bytes {
                out.insert(r.issuer_key, Arc::new(b.to_vec()));
            }
        }
        Ok(out)
    }
}
