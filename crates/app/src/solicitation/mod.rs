//! Solicitation of course resources (资源征集, seed 000 §1.2): an operator (or the
//! province's regulator) opens a campaign; course providers apply within its window;
//! applications pass material review, a roadshow scored blind by assigned experts, and a
//! public notice open to objections; the shortlisted are admitted (入驻) and their
//! standing is managed afterwards.
//!
//! The stage is the campaign row's status, moved forward by a conditional update. Every
//! write that belongs to a stage (an application saved, a score, an objection) first
//! reads the campaign row under a shared lock and checks the stage, so on PostgreSQL a
//! move and a write in flight are ordered by that row: a score either lands before the
//! roadshow closes and is counted, or is refused. On SQLite a write holds the one write
//! lock from its start.

pub mod applications;
pub mod notice;
pub mod roadshow;

use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::write::OnUnique;
use chrono::{DateTime, NaiveDate, Utc};
use jineng_core::accounts::Permission;
use jineng_core::documents::{MAX_DOCUMENT_BYTES, clean_filename, sniff};
use jineng_core::solicitation::{
    self as rules, ApplicationForm, ApplicationStatus, CampaignStatus, ScoringSheet,
};
use jineng_store::solicitation::{application, campaign, file, score};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Serialize;

bounded_context!(
    /// Solicitation of course resources: campaigns, applications, roadshows, notices,
    /// admissions.
    Solicitation,
    solicitation
);

/// Longest campaign title, in characters.
const MAX_TITLE_CHARS: usize = 100;
/// Longest text of what is wanted and of the requirements.
const MAX_TEXT_CHARS: usize = 5000;
/// The most files a campaign's documents, or one application's materials, hold.
pub const MAX_FILES: u64 = 10;

/// A campaign as typed by the operator.
#[derive(Debug, Clone)]
pub struct CampaignInput {
    pub title: String,
    pub wanted: String,
    pub requirements: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub correct_days: u32,
    pub notice_days: u32,
    /// The scoring sheet as `名称,满分,权重` lines.
    pub sheet: String,
    /// From how many scores the highest and the lowest are dropped.
    pub trim_from: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignView {
    pub id: String,
    pub number: String,
    pub title: String,
    pub wanted: String,
    pub requirements: String,
    pub opens_on: String,
    pub closes_on: String,
    pub correct_days: i32,
    pub notice_days: i32,
    pub sheet: ScoringSheet,
    /// The sheet as the lines it was typed in.
    pub sheet_text: String,
    pub status: CampaignStatus,
    pub status_label: &'static str,
    pub notice_from: Option<String>,
    pub notice_until: Option<String>,
    /// The shortlist's pass line (`60.00`).
    pub pass_score: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

impl From<file::Model> for FileView {
    fn from(f: file::Model) -> Self {
        FileView {
            id: f.id,
            filename: f.filename,
            content_type: f.content_type,
            size: f.size,
            sha256: f.sha256,
            created_at: f.created_at,
        }
    }
}

/// One expert's score of an application as shown to those who may see it.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreView {
    pub expert_id: String,
    pub expert_name: String,
    pub recused: bool,
    /// Out of 100 (`87.25`); none when recused.
    pub score: Option<String>,
    pub points: Vec<u32>,
    pub comment: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApplicationView {
    pub id: String,
    pub campaign_id: String,
    pub org_id: String,
    pub org_name: String,
    pub status: ApplicationStatus,
    pub status_label: &'static str,
    pub form: ApplicationForm,
    pub correct_by: Option<String>,
    pub review_note: String,
    /// The roadshow result out of 100, once the notice is published.
    pub result: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub files: Vec<FileView>,
    /// The scores the caller may see: all for those who run the campaign; an expert's
    /// own, and the others' only once their own is in.
    pub scores: Vec<ScoreView>,
    /// The calling expert has scored it or recused.
    pub judged: bool,
    /// The calling expert may not judge it (their unit applied).
    pub conflicted: bool,
}

/// A campaign with what the caller may see of it.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignDetail {
    pub campaign: CampaignView,
    pub documents: Vec<FileView>,
    /// Every application (those who run it), the approved ones (an assigned expert, from
    /// the roadshow on), or none.
    pub applications: Vec<ApplicationView>,
    /// The caller's own organisation's application.
    pub mine: Option<ApplicationView>,
    pub experts: Vec<roadshow::AssignedExpert>,
    /// All objections (those who run it), or the caller's own.
    pub objections: Vec<notice::ObjectionView>,
    /// The published shortlist (application id, applicant), from the notice on: what an
    /// objection may name.
    pub shortlist: Vec<(String, String)>,
    pub may_run: bool,
    /// The caller is a course provider who may apply (or has applied).
    pub may_apply: bool,
    /// The caller is an expert assigned to this campaign.
    pub assigned: bool,
}

impl Solicitation<'_> {
    /// Whether the caller runs campaigns (operators, the province's regulators).
    pub fn runs(&self, who: &Principal) -> bool {
        who.can_province_wide(Permission::RunSolicitations)
    }

    fn may_run(&self, who: &Principal) -> AppResult<()> {
        if self.runs(who) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Open a campaign as a draft.
    pub async fn create_campaign(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        input: CampaignInput,
    ) -> AppResult<CampaignView> {
        self.may_run(who)?;
        let (input, sheet) = check_input(input)?;
        let w = self.write(who, ctx).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let number = crate::orders::readable_number("ZJ", w.now);
        let row = campaign::Model {
            id: id.clone(),
            number: number.clone(),
            title: input.title.clone(),
            wanted: input.wanted,
            requirements: input.requirements,
            opens_on: input.opens_on.to_string(),
            closes_on: input.closes_on.to_string(),
            correct_days: input.correct_days as i32,
            notice_days: input.notice_days as i32,
            sheet: serde_json::to_string(&sheet)
                .map_err(|e| AppError::Internal(format!("sheet: {e}")))?,
            status: CampaignStatus::Draft,
            notice_from: None,
            pass_score: None,
            created_by: who.user_id.clone(),
            created_at: w.now,
            updated_at: w.now,
        };
        campaign::Entity::insert(campaign::ActiveModel::from(row.clone()))
            .exec(&w.txn)
            .await
            .on_unique(|| AppError::Conflict("征集编号重复，请重试".into()))?;
        w.commit(Entry::ok(
            "solicitation.create",
            "solicitation",
            &id,
            serde_json::json!({"number": number, "title": input.title}),
        ))
        .await?;
        view(row)
    }

    /// Change a campaign while it is a draft.
    pub async fn update_campaign(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        input: CampaignInput,
    ) -> AppResult<CampaignView> {
        self.may_run(who)?;
        let (input, sheet) = check_input(input)?;
        let w = self.write(who, ctx).await?;
        let c = in_stage(&w.txn, id, CampaignStatus::Draft).await?;
        let sheet_json =
            serde_json::to_string(&sheet).map_err(|e| AppError::Internal(format!("sheet: {e}")))?;
        let row = campaign::Model {
            title: input.title.clone(),
            wanted: input.wanted,
            requirements: input.requirements,
            opens_on: input.opens_on.to_string(),
            closes_on: input.closes_on.to_string(),
            correct_days: input.correct_days as i32,
            notice_days: input.notice_days as i32,
            sheet: sheet_json,
            updated_at: w.now,
            ..c
        };
        campaign::Entity::update(campaign::ActiveModel::from(row.clone()).reset_all())
            .exec(&w.txn)
            .await?;
        w.commit(Entry::ok(
            "solicitation.update",
            "solicitation",
            id,
            serde_json::json!({"title": input.title}),
        ))
        .await?;
        view(row)
    }

    /// Campaigns the caller may see, newest first: every one for those who run them,
    /// the published ones for everyone else signed in.
    pub async fn campaigns(&self, who: &Principal) -> AppResult<Vec<CampaignView>> {
        let mut q = campaign::Entity::find().order_by_desc(campaign::Column::CreatedAt);
        if !self.runs(who) {
            q = q.filter(campaign::Column::Status.ne(CampaignStatus::Draft));
        }
        q.all(&self.db).await?.into_iter().map(view).collect()
    }

    /// A campaign the caller may see (a draft only to those who run campaigns).
    pub(crate) async fn visible(&self, who: &Principal, id: &str) -> AppResult<campaign::Model> {
        let c = campaign::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("征集"))?;
        if c.status == CampaignStatus::Draft && !self.runs(who) {
            return Err(AppError::NotFound("征集"));
        }
        Ok(c)
    }

    /// A campaign with its documents, and the applications, experts and objections the
    /// caller may see.
    pub async fn campaign(&self, who: &Principal, id: &str) -> AppResult<CampaignDetail> {
        let c = self.visible(who, id).await?;
        let runs = self.runs(who);
        let me = self.expert_of(who).await?;
        let assigned = match &me {
            Some(e) => self.is_assigned(&c.id, &e.id).await?,
            None => false,
        };
        let may_apply = who.can(Permission::ApplySolicitations) && self.provider_org(who).is_ok();
        let documents = self.files_of(&c.id, None).await?;
        let rows: Vec<application::Model> = if runs {
            application::Entity::find()
                .filter(application::Column::CampaignId.eq(c.id.clone()))
                .filter(application::Column::Status.ne(ApplicationStatus::Draft))
                .order_by_asc(application::Column::SubmittedAt)
                .all(&self.db)
                .await?
        } else if assigned && c.status >= CampaignStatus::Roadshow {
            application::Entity::find()
                .filter(application::Column::CampaignId.eq(c.id.clone()))
                .filter(application::Column::Status.is_in(after_review()))
                .order_by_asc(application::Column::SubmittedAt)
                .all(&self.db)
                .await?
        } else {
            Vec::new()
        };
        let applications = self.application_views(who, &c, rows, me.as_ref()).await?;
        let mine = match self.provider_org(who) {
            Ok(org) => {
                let own = application::Entity::find()
                    .filter(application::Column::CampaignId.eq(c.id.clone()))
                    .filter(application::Column::OrgId.eq(org))
                    .one(&self.db)
                    .await?;
                match own {
                    Some(a) => self.application_views(who, &c, vec![a], None).await?.pop(),
                    None => None,
                }
            }
            Err(_) => None,
        };
        let experts = if runs || assigned {
            self.assigned_experts(&c).await?
        } else {
            Vec::new()
        };
        let objections = self.objection_views(who, &c).await?;
        let shortlist = if c.status >= CampaignStatus::Notice {
            let rows = application::Entity::find()
                .filter(application::Column::CampaignId.eq(c.id.clone()))
                .filter(
                    application::Column::Status
                        .is_in([ApplicationStatus::Shortlisted, ApplicationStatus::Admitted]),
                )
                .all(&self.db)
                .await?;
            let names = self
                .org_names(rows.iter().map(|a| a.org_id.clone()))
                .await?;
            rows.into_iter()
                .map(|a| {
                    let name = names.get(&a.org_id).cloned().unwrap_or_default();
                    (a.id, name)
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(CampaignDetail {
            shortlist,
            campaign: view(c)?,
            documents,
            applications,
            mine,
            experts,
            objections,
            may_run: runs,
            may_apply,
            assigned,
        })
    }

    /// Attach a document (specification, form) to a campaign not yet closed for
    /// applications.
    pub async fn attach_campaign_file(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> AppResult<FileView> {
        self.may_run(who)?;
        let c = self.visible(who, id).await?;
        if c.status > CampaignStatus::Open {
            return Err(AppError::Conflict(format!(
                "征集{}，不能再添加征集文件",
                c.status.label()
            )));
        }
        self.store_file(
            who,
            ctx,
            &c.id,
            None,
            filename,
            bytes,
            &[CampaignStatus::Draft, CampaignStatus::Open],
        )
        .await
    }

    /// Check, store and record one file; `stages` are the campaign stages it may be
    /// added in (checked again inside the transaction).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn store_file(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        campaign_id: &str,
        application_id: Option<&str>,
        filename: &str,
        bytes: Vec<u8>,
        stages: &[CampaignStatus],
    ) -> AppResult<FileView> {
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
        if self.files_of(campaign_id, application_id).await?.len() as u64 >= MAX_FILES {
            return Err(AppError::Conflict(format!("最多上传{MAX_FILES}份文件")));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let key = format!(
            "solicitation/{campaign_id}/{}/{id}",
            application_id.unwrap_or("documents")
        );
        let sha = hex::encode(jineng_core::archive::sha256_bytes(&bytes));
        let size = bytes.len() as i64;
        let filename = clean_filename(filename);
        self.files
            .put(&key, bytes)
            .await
            .map_err(|e| AppError::Unavailable(format!("file storage: {e}")))?;
        let write = async {
            let w = self.write(who, ctx).await?;
            let c = campaign::Entity::find_by_id(campaign_id.to_string())
                .lock_shared()
                .one(&w.txn)
                .await?
                .ok_or(AppError::NotFound("征集"))?;
            if !stages.contains(&c.status) {
                return Err(AppError::Conflict(format!(
                    "征集{}，不能再上传文件",
                    c.status.label()
                )));
            }
            // The application's row (or, for the campaign's documents, the campaign's)
            // orders two uploads at once on PostgreSQL, so the count below holds.
            match application_id {
                Some(a) => {
                    application::Entity::update_many()
                        .col_expr(application::Column::UpdatedAt, Expr::value(w.now))
                        .filter(application::Column::Id.eq(a))
                        .exec(&w.txn)
                        .await?;
                }
                None => {
                    campaign::Entity::update_many()
                        .col_expr(campaign::Column::UpdatedAt, Expr::value(w.now))
                        .filter(campaign::Column::Id.eq(campaign_id))
                        .exec(&w.txn)
                        .await?;
                }
            }
            let mut n = file::Entity::find().filter(file::Column::CampaignId.eq(campaign_id));
            n = match application_id {
                Some(a) => n.filter(file::Column::ApplicationId.eq(a)),
                None => n.filter(file::Column::ApplicationId.is_null()),
            };
            if n.count(&w.txn).await? >= MAX_FILES {
                return Err(AppError::Conflict(format!("最多上传{MAX_FILES}份文件")));
            }
            let row = file::Model {
                id: id.clone(),
                campaign_id: campaign_id.to_string(),
                application_id: application_id.map(str::to_string),
                filename: filename.clone(),
                content_type: content_type.into(),
                size,
                sha256: sha.clone(),
                storage_key: key.clone(),
                uploaded_by: who.user_id.clone(),
                created_at: w.now,
            };
            file::Entity::insert(file::ActiveModel::from(row.clone()))
                .exec(&w.txn)
                .await?;
            let (object_type, object_id) = match application_id {
                Some(a) => ("solicitation_application", a),
                None => ("solicitation", campaign_id),
            };
            w.commit(Entry::ok(
                "solicitation.file_upload",
                object_type,
                object_id,
                serde_json::json!({"file": id, "filename": filename, "size": size, "sha256": sha}),
            ))
            .await?;
            Ok(row)
        };
        match write.await {
            Ok(row) => Ok(row.into()),
            Err(e) => {
                // The object is unreferenced now; removing it is tidy, not required.
                let _ = self.files.delete(&key).await;
                Err(e)
            }
        }
    }

    /// A file of a campaign the caller may read: the campaign's documents for everyone
    /// who sees the campaign; an application's materials for those who run it, the
    /// applying organisation and the experts assigned (from the roadshow on). Checked
    /// against its hash; the read is audited.
    pub async fn file(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        campaign_id: &str,
        file_id: &str,
    ) -> AppResult<(FileView, Vec<u8>)> {
        let c = self.visible(who, campaign_id).await?;
        let f = file::Entity::find_by_id(file_id.to_string())
            .filter(file::Column::CampaignId.eq(c.id.clone()))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("文件"))?;
        if let Some(a) = &f.application_id {
            self.readable_application(who, &c, a).await?;
        }
        let bytes = self
            .files
            .get(&f.storage_key)
            .await
            .map_err(|e| AppError::Unavailable(format!("file storage: {e}")))?
            .ok_or_else(|| AppError::Internal(format!("solicitation file {} missing", f.id)))?;
        if hex::encode(jineng_core::archive::sha256_bytes(&bytes)) != f.sha256 {
            return Err(AppError::Internal(format!(
                "solicitation file {} does not match its hash",
                f.id
            )));
        }
        self.audit()
            .record_read(
                who,
                ctx,
                "solicitation.file_read",
                "solicitation",
                &c.id,
                &f.id,
            )
            .await?;
        Ok((f.into(), bytes.to_vec()))
    }

    pub(crate) async fn files_of(
        &self,
        campaign_id: &str,
        application_id: Option<&str>,
    ) -> AppResult<Vec<FileView>> {
        let mut q = file::Entity::find().filter(file::Column::CampaignId.eq(campaign_id));
        q = match application_id {
            Some(a) => q.filter(file::Column::ApplicationId.eq(a)),
            None => q.filter(file::Column::ApplicationId.is_null()),
        };
        Ok(q.order_by_asc(file::Column::CreatedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The files of these applications, by application, oldest first.
    pub(crate) async fn files_by_application(
        &self,
        campaign_id: &str,
        applications: Vec<String>,
    ) -> AppResult<std::collections::HashMap<String, Vec<FileView>>> {
        let mut out: std::collections::HashMap<String, Vec<FileView>> = Default::default();
        for f in file::Entity::find()
            .filter(file::Column::CampaignId.eq(campaign_id))
            .filter(file::Column::ApplicationId.is_in(applications))
            .order_by_asc(file::Column::CreatedAt)
            .all(&self.db)
            .await?
        {
            if let Some(a) = f.application_id.clone() {
                out.entry(a).or_default().push(f.into());
            }
        }
        Ok(out)
    }

    /// Move a campaign to its next stage. `pass` is the shortlist's pass line, needed to
    /// publish the notice.
    pub async fn advance(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        to: CampaignStatus,
        pass: Option<&str>,
    ) -> AppResult<CampaignView> {
        self.may_run(who)?;
        let c = self.visible(who, id).await?;
        let from = CampaignStatus::ALL
            .iter()
            .copied()
            .find(|s| s.next() == Some(to))
            .ok_or_else(|| AppError::field("to", "不能移到这个阶段"))?;
        if c.status != from {
            return Err(AppError::Conflict(format!(
                "征集{}，不能进入“{}”",
                c.status.label(),
                to.label()
            )));
        }
        let pass = match to {
            CampaignStatus::Notice => Some(
                pass.and_then(rules::parse_score)
                    .ok_or_else(|| AppError::field("pass_score", "请填写0–100的入围分数线"))?,
            ),
            _ => None,
        };
        let w = self.write(who, ctx).await?;
        let today = (w.now + chrono::Duration::hours(8)).date_naive();
        // The move itself first: on PostgreSQL this locks the campaign row, so writes of
        // the old stage still in flight finish before the checks below read.
        let mut moving = campaign::Entity::update_many()
            .col_expr(campaign::Column::Status, Expr::value(to))
            .col_expr(campaign::Column::UpdatedAt, Expr::value(w.now));
        if let Some(pass) = pass {
            // The notice's start and pass line land with the stage (a CHECK holds them
            // together).
            moving = moving
                .col_expr(
                    campaign::Column::NoticeFrom,
                    Expr::value(Some(today.to_string())),
                )
                .col_expr(campaign::Column::PassScore, Expr::value(Some(pass as i32)));
        }
        let moved = moving
            .filter(campaign::Column::Id.eq(c.id.clone()))
            .filter(campaign::Column::Status.eq(from))
            .exec(&w.txn)
            .await?
            .rows_affected;
        if moved != 1 {
            return Err(AppError::Conflict(
                "征集阶段刚被他人推进，请刷新后再看".into(),
            ));
        }
        let mut changes = serde_json::json!({"from": from.code(), "to": to.code()});
        match to {
            CampaignStatus::Open => {
                if date(&c.closes_on)? < today {
                    return Err(AppError::Conflict(format!(
                        "申报截止日期{}已过，请先修改申报时间",
                        c.closes_on
                    )));
                }
            }
            CampaignStatus::Reviewing => {
                if date(&c.closes_on)? >= today {
                    return Err(AppError::Conflict(format!(
                        "申报截止日期为{}，截止后才能进入材料审核",
                        c.closes_on
                    )));
                }
            }
            CampaignStatus::Roadshow => {
                changes["expired"] = self.start_roadshow(&w, &c, today).await?.into();
            }
            CampaignStatus::Notice => {
                let pass = pass.unwrap_or(rules::FULL_SCORE);
                let n = self.publish_notice(&w, &c, pass).await?;
                changes["pass_score"] = pass.into();
                changes["shortlisted"] = n.into();
            }
            CampaignStatus::Closed => {
                changes["admitted"] = self.close_notice(&w, &c, today).await?.into();
            }
            CampaignStatus::Draft => {}
        }
        w.commit(Entry::ok(
            "solicitation.stage",
            "solicitation",
            &c.id,
            changes,
        ))
        .await?;
        view(self.visible(who, id).await?)
    }

    /// Material review over: applications returned and not corrected in time are
    /// rejected; none may still wait for a decision; there must be something to score
    /// and someone to score it.
    async fn start_roadshow(
        &self,
        w: &crate::write::Write<'_>,
        c: &campaign::Model,
        today: NaiveDate,
    ) -> AppResult<u64> {
        let apps = application::Entity::find()
            .filter(application::Column::CampaignId.eq(c.id.clone()))
            .all(&w.txn)
            .await?;
        let waiting = apps
            .iter()
            .filter(|a| {
                a.status == ApplicationStatus::Submitted
                    || (a.status == ApplicationStatus::Returned
                        && a.correct_by
                            .as_deref()
                            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                            .is_some_and(|d| d >= today))
            })
            .count();
        if waiting > 0 {
            return Err(AppError::Conflict(format!(
                "还有{waiting}份申报待审核或在补正期内，不能开始路演评审"
            )));
        }
        if !apps.iter().any(|a| a.status == ApplicationStatus::Approved) {
            return Err(AppError::Conflict(
                "没有审核通过的申报，不能开始路演评审".into(),
            ));
        }
        if self.assigned_experts(c).await?.is_empty() {
            return Err(AppError::Conflict("请先指派路演评审专家".into()));
        }
        let expired = application::Entity::update_many()
            .col_expr(
                application::Column::Status,
                Expr::value(ApplicationStatus::Rejected),
            )
            .col_expr(
                application::Column::ReviewNote,
                Expr::value("逾期未补正".to_string()),
            )
            .col_expr(application::Column::UpdatedAt, Expr::value(w.now))
            .filter(application::Column::CampaignId.eq(c.id.clone()))
            .filter(application::Column::Status.eq(ApplicationStatus::Returned))
            .exec(&w.txn)
            .await?
            .rows_affected;
        Ok(expired)
    }

    /// The roadshow over: every expert has scored (or recused from) every approved
    /// application they may judge, and each has at least one score. Results are
    /// computed; those at or above the pass line are shortlisted, the rest not admitted.
    async fn publish_notice(
        &self,
        w: &crate::write::Write<'_>,
        c: &campaign::Model,
        pass: u32,
    ) -> AppResult<u64> {
        let sheet = sheet_of(c)?;
        let apps = application::Entity::find()
            .filter(application::Column::CampaignId.eq(c.id.clone()))
            .filter(application::Column::Status.eq(ApplicationStatus::Approved))
            .all(&w.txn)
            .await?;
        let scores = score::Entity::find()
            .filter(score::Column::CampaignId.eq(c.id.clone()))
            .all(&w.txn)
            .await?;
        let missing = self.missing_scores(c, &apps, &scores).await?;
        if !missing.is_empty() {
            let shown: Vec<String> = missing.iter().take(3).cloned().collect();
            return Err(AppError::Conflict(format!(
                "还有{}份评分未提交（{}），评完才能公示",
                missing.len(),
                shown.join("；")
            )));
        }
        let mut shortlisted = 0u64;
        for a in &apps {
            let given: Vec<u32> = scores
                .iter()
                .filter(|s| s.application_id == a.id)
                .filter_map(|s| s.score.and_then(|v| u32::try_from(v).ok()))
                .collect();
            let Some(result) = rules::result(&given, sheet.trim_from) else {
                let names = self.org_names([a.org_id.clone()]).await?;
                return Err(AppError::Conflict(format!(
                    "{}的申报没有专家评分（全部回避），请增派专家",
                    names.get(&a.org_id).cloned().unwrap_or_default()
                )));
            };
            let status = if result >= pass {
                shortlisted += 1;
                ApplicationStatus::Shortlisted
            } else {
                ApplicationStatus::NotAdmitted
            };
            let n = application::Entity::update_many()
                .col_expr(application::Column::Status, Expr::value(status))
                .col_expr(
                    application::Column::Result,
                    Expr::value(Some(result as i32)),
                )
                .col_expr(application::Column::UpdatedAt, Expr::value(w.now))
                .filter(application::Column::Id.eq(a.id.clone()))
                .filter(application::Column::Status.eq(ApplicationStatus::Approved))
                .exec(&w.txn)
                .await?
                .rows_affected;
            if n != 1 {
                return Err(AppError::Conflict("申报状态刚被他人改变，请刷新".into()));
            }
        }
        Ok(shortlisted)
    }

    /// The results as a spreadsheet (those who run the campaign).
    pub async fn export(&self, who: &Principal, ctx: &RequestCtx, id: &str) -> AppResult<Vec<u8>> {
        self.may_run(who)?;
        let d = self.campaign(who, id).await?;
        let sheet = &d.campaign.sheet;
        let mut headers: Vec<String> = vec![
            "申报单位".into(),
            "状态".into(),
            "提交时间".into(),
            "审核意见".into(),
            "路演得分".into(),
            "评分专家".into(),
        ];
        headers.extend(sheet.criteria.iter().map(|c| format!("{}（均分）", c.name)));
        let rows: Vec<Vec<String>> = d
            .applications
            .iter()
            .map(|a| {
                let scored: Vec<&ScoreView> = a.scores.iter().filter(|s| !s.recused).collect();
                let mut row = vec![
                    a.org_name.clone(),
                    a.status_label.to_string(),
                    a.submitted_at
                        .map(crate::orders::china_time)
                        .unwrap_or_default(),
                    a.review_note.clone(),
                    a.result.clone().unwrap_or_default(),
                    scored.len().to_string(),
                ];
                for i in 0..sheet.criteria.len() {
                    let pts: Vec<u32> = scored
                        .iter()
                        .filter_map(|s| s.points.get(i).copied())
                        .collect();
                    row.push(if pts.is_empty() {
                        String::new()
                    } else {
                        let sum: u32 = pts.iter().sum();
                        let hundredths =
                            (u64::from(sum) * 200 + pts.len() as u64) / (pts.len() as u64 * 2);
                        rules::score_text(u32::try_from(hundredths).unwrap_or(u32::MAX))
                    });
                }
                row
            })
            .collect();
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let bytes = crate::export::xlsx("征集结果", &headers, &rows)?;
        self.audit()
            .record_export(
                who,
                ctx,
                "solicitation",
                serde_json::json!({"campaign": d.campaign.id}),
                rows.len(),
            )
            .await?;
        Ok(bytes)
    }
}

/// Application states from material approval on.
pub(crate) fn after_review() -> Vec<ApplicationStatus> {
    vec![
        ApplicationStatus::Approved,
        ApplicationStatus::Shortlisted,
        ApplicationStatus::Admitted,
        ApplicationStatus::NotAdmitted,
    ]
}

/// The campaign row, read under a shared lock, which must be in `stage`.
pub(crate) async fn in_stage(
    txn: &DatabaseTransaction,
    id: &str,
    stage: CampaignStatus,
) -> AppResult<campaign::Model> {
    let c = campaign::Entity::find_by_id(id.to_string())
        .lock_shared()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("征集"))?;
    if c.status != stage {
        return Err(AppError::Conflict(format!(
            "征集{}，现在不能这样做（需在“{}”阶段）",
            c.status.label(),
            stage.label()
        )));
    }
    Ok(c)
}

pub(crate) fn date(s: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| AppError::Internal(format!("stored date {s}: {e}")))
}

pub(crate) fn sheet_of(c: &campaign::Model) -> AppResult<ScoringSheet> {
    serde_json::from_str(&c.sheet)
        .map_err(|e| AppError::Internal(format!("campaign {} sheet: {e}", c.id)))
}

fn view(c: campaign::Model) -> AppResult<CampaignView> {
    let sheet = sheet_of(&c)?;
    let sheet_text = sheet
        .criteria
        .iter()
        .map(|k| format!("{},{},{}", k.name, k.max_points, k.weight_percent))
        .collect::<Vec<_>>()
        .join("\n");
    let notice_until = match &c.notice_from {
        Some(f) => Some(rules::notice_last_day(date(f)?, c.notice_days as u32).to_string()),
        None => None,
    };
    Ok(CampaignView {
        number: c.number,
        title: c.title,
        wanted: c.wanted,
        requirements: c.requirements,
        opens_on: c.opens_on,
        closes_on: c.closes_on,
        correct_days: c.correct_days,
        notice_days: c.notice_days,
        sheet,
        sheet_text,
        status: c.status,
        status_label: c.status.label(),
        notice_from: c.notice_from,
        notice_until,
        pass_score: c
            .pass_score
            .map(|p| rules::score_text(u32::try_from(p).unwrap_or(0))),
        created_at: c.created_at,
        updated_at: c.updated_at,
        id: c.id,
    })
}

fn check_input(mut i: CampaignInput) -> AppResult<(CampaignInput, ScoringSheet)> {
    let mut e = Vec::new();
    i.title = i.title.trim().to_string();
    i.wanted = i.wanted.trim().to_string();
    i.requirements = i.requirements.trim().to_string();
    let n = i.title.chars().count();
    if n == 0 || n > MAX_TITLE_CHARS {
        e.push(FieldError::new(
            "title",
            format!("征集名称应为1–{MAX_TITLE_CHARS}个字"),
        ));
    } else if let Some(p) = jineng_core::text::plain_text_problem(&i.title) {
        e.push(FieldError::new("title", format!("征集名称{p}")));
    }
    for (field, label, v) in [
        ("wanted", "征集方向", &i.wanted),
        ("requirements", "申报要求", &i.requirements),
    ] {
        let n = v.chars().count();
        if n == 0 || n > MAX_TEXT_CHARS {
            e.push(FieldError::new(
                field,
                format!("{label}应为1–{MAX_TEXT_CHARS}个字"),
            ));
        } else if let Some(p) = jineng_core::text::plain_text_problem(v) {
            e.push(FieldError::new(field, format!("{label}{p}")));
        }
    }
    if i.closes_on < i.opens_on {
        e.push(FieldError::new("closes_on", "截止日期不能早于开始日期"));
    } else if (i.closes_on - i.opens_on).num_days() > 366 {
        e.push(FieldError::new("closes_on", "申报期不能超过一年"));
    }
    if !(1..=30).contains(&i.correct_days) {
        e.push(FieldError::new("correct_days", "补正期应为1–30天"));
    }
    if !(1..=30).contains(&i.notice_days) {
        e.push(FieldError::new("notice_days", "公示期应为1–30天"));
    }
    let sheet = match ScoringSheet::parse(&i.sheet, i.trim_from) {
        Ok(s) => Some(s),
        Err(err @ rules::SheetError::TrimFrom) => {
            e.push(FieldError::new("trim_from", err.to_string()));
            None
        }
        Err(err) => {
            e.push(FieldError::new("sheet", err.to_string()));
            None
        }
    };
    match sheet {
        Some(s) if e.is_empty() => Ok((i, s)),
        _ => Err(AppError::Validation(e)),
    }
}
