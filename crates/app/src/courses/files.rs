//! A version's cover image and copyright proof: uploaded by its organisation while the
//! version is editable, checked by their bytes (not their names), stored in file storage
//! first and then recorded with the audit entry, so a failed write leaves no record.
//! A listed version's cover is public (the catalogue shows it); the proof is seen only by
//! those who may see the version.

use super::Courses;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use jineng_core::courses::ListingStatus;
use jineng_core::documents::{MAX_DOCUMENT_BYTES, clean_filename, sniff};
use jineng_store::courses::{package, version};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// Largest cover image.
pub const MAX_COVER_BYTES: usize = 2 * 1024 * 1024;

/// Which file of a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionFile {
    Cover,
    Copyright,
}

/// A stored file read back.
pub struct FileBytes {
    pub content_type: &'static str,
    pub filename: String,
    pub bytes: Vec<u8>,
}

impl Courses<'_> {
    pub async fn upload_file(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        version_id: &str,
        which: VersionFile,
        filename: &str,
        bytes: Vec<u8>,
    ) -> AppResult<super::VersionView> {
        let v = self.editable(who, version_id).await?;
        if bytes.is_empty() {
            return Err(AppError::field("file", "请选择要上传的文件"));
        }
        let (max, label) = match which {
            VersionFile::Cover => (MAX_COVER_BYTES, "封面图片"),
            VersionFile::Copyright => (MAX_DOCUMENT_BYTES, "版权证明"),
        };
        if bytes.len() > max {
            return Err(AppError::field(
                "file",
                format!("{label}不能超过{}MB", max / 1024 / 1024),
            ));
        }
        let content_type = match (which, sniff(&bytes)) {
            (VersionFile::Cover, Some(t @ ("image/png" | "image/jpeg"))) => t,
            (VersionFile::Cover, _) => {
                return Err(AppError::field(
                    "file",
                    "封面只接受JPG或PNG图片（按文件内容判断）",
                ));
            }
            (VersionFile::Copyright, Some(t)) => t,
            (VersionFile::Copyright, None) => {
                return Err(AppError::field(
                    "file",
                    "版权证明只接受PDF、JPG或PNG文件（按文件内容判断）",
                ));
            }
        };
        let kind = match which {
            VersionFile::Cover => "cover",
            VersionFile::Copyright => "copyright",
        };
        let key = format!(
            "courses/{}/{}/{kind}-{}",
            v.package_id,
            v.id,
            uuid::Uuid::now_v7()
        );
        let filename = clean_filename(filename);
        let size = bytes.len();
        self.files
            .put(&key, bytes)
            .await
            .map_err(|e| AppError::Unavailable(format!("file storage: {e}")))?;
        let write = async {
            let w = self.write(who, ctx).await?;
            let mut q = version::Entity::update_many()
                .col_expr(version::Column::UpdatedAt, Expr::value(w.now));
            q = match which {
                VersionFile::Cover => q.col_expr(version::Column::CoverKey, Expr::value(&key)),
                VersionFile::Copyright => q
                    .col_expr(version::Column::CopyrightKey, Expr::value(&key))
                    .col_expr(version::Column::CopyrightFilename, Expr::value(&filename)),
            };
            crate::write::one_row(
                q.filter(version::Column::Id.eq(v.id.clone()))
                    .filter(version::Column::Status.eq(v.status))
                    .exec(&w.txn)
                    .await?,
                "该版本刚被提交或修改，请刷新后重试",
            )?;
            w.commit(Entry::ok(
                &format!("course.{kind}_upload"),
                "course_package",
                &v.package_id,
                serde_json::json!({"version": v.id, "filename": filename, "size": size, "content_type": content_type}),
            ))
            .await
        };
        if let Err(e) = write.await {
            let _ = self.files.delete(&key).await;
            return Err(e);
        }
        self.version(who, version_id).await
    }

    /// A version's file. The cover of a listed package's listed version is public;
    /// everything else needs the right to see the version.
    pub async fn file(
        &self,
        who: Option<&Principal>,
        version_id: &str,
        which: VersionFile,
    ) -> AppResult<FileBytes> {
        let v = match who {
            Some(p) => self.visible_version(p, version_id).await.ok(),
            None => None,
        };
        let v = match (v, which) {
            (Some(v), _) => v,
            (None, VersionFile::Cover) => {
                let listed = package::Entity::find()
                    .filter(package::Column::ListedVersionId.eq(version_id))
                    .filter(package::Column::Listing.eq(ListingStatus::Listed))
                    .one(&self.db)
                    .await?;
                match listed {
                    Some(_) => version::Entity::find_by_id(version_id.to_string())
                        .one(&self.db)
                        .await?
                        .ok_or(AppError::NotFound("课程包版本"))?,
                    None => return Err(AppError::NotFound("课程包版本")),
                }
            }
            (None, VersionFile::Copyright) => return Err(AppError::NotFound("课程包版本")),
        };
        let (key, filename) = match which {
            VersionFile::Cover => (v.cover_key.clone(), "cover".to_string()),
            VersionFile::Copyright => (v.copyright_key.clone(), v.copyright_filename.clone()),
        };
        if key.is_empty() {
            return Err(AppError::NotFound("文件"));
        }
        let bytes = self
            .files
            .get(&key)
            .await
            .map_err(|e| AppError::Unavailable(format!("file storage: {e}")))?
            .ok_or(AppError::NotFound("文件"))?
            .to_vec();
        let content_type = sniff(&bytes).unwrap_or("application/octet-stream");
        Ok(FileBytes {
            content_type,
            filename,
            bytes,
        })
    }
}
