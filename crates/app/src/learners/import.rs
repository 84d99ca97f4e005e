//! Bulk import of learners from the platform's xlsx template. Every row is checked
//! (name, ID number, phone, category, education, county; duplicates in the file and
//! against the database); the organisation chooses all-or-nothing or good rows only;
//! progress is stored on the job while it runs; refused rows come back as a report.
//! A learner already on the platform (same ID number) is linked, never duplicated.

use super::{Learners, learner_username};
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::crypto::pii::PiiKind;
use crate::error::{AppError, AppResult};
use crate::jobs::{self, JobError};
use crate::write::Write;
use jineng_core::accounts::UserStatus;
use jineng_core::accounts::{Permission, Role};
use jineng_core::jobs::JobKind;
use jineng_core::learners::LearnerSource;
use jineng_core::learners::{ImportStatus, LinkRequestStatus};
use jineng_core::learners::{check_person_name, education, person_category};
use jineng_core::{IdNumber, Phone};
use jineng_sheet::{Cell, Kind};
use jineng_store::accounts::{role_grant, user};
use jineng_store::learners::{import_job, link_request, org_link, profile};
use jineng_store::organizations::organization;
use jineng_store::reference::region;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

pub const HEADERS: [&str; 6] = [
    "姓名",
    "身份证号",
    "手机号",
    "人员类别",
    "文化程度",
    "所在区县代码",
];
const MAX_ROWS: usize = 20_000;
/// Rows per statement. On SQLite small statements are cheapest. On PostgreSQL fewer,
/// larger ones win: each large statement currently waits out a delayed TCP ACK (sqlx
/// 0.9.0 leaves Nagle's algorithm on; see docs/benchmarks.md), and the widest insert
/// (accounts, 21 columns) stays under the protocol's 65,535 bound parameters.
fn batch_rows(db: &jineng_store::Db) -> usize {
    match sea_orm::ConnectionTrait::get_database_backend(db) {
        sea_orm::DatabaseBackend::Postgres => 3000,
        _ => 500,
    }
}

pub use jineng_core::learners::ImportMode;

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct BadRow {
    pub row: usize,
    pub name: String,
    pub reasons: Vec<String>,
}

struct RawRow {
    /// As the spreadsheet numbers it.
    row: usize,
    /// One per header, in the order of HEADERS.
    cells: Vec<Cell>,
}

struct GoodRow {
    row: usize,
    name: String,
    id: IdNumber,
    phone: Phone,
    category: &'static str,
    education: &'static str,
    county: String,
}

/// How much an uploaded learner file may ask of the server.
fn sheet_limits() -> jineng_sheet::Limits {
    jineng_sheet::Limits {
        max_rows: MAX_ROWS,
        ..jineng_sheet::Limits::default()
    }
}

/// Reads the uploaded file on a blocking thread, within the sheet reader's limits.
async fn read_table(bytes: impl AsRef<[u8]> + Send + 'static) -> AppResult<jineng_sheet::Table> {
    tokio::task::spawn_blocking(move || {
        jineng_sheet::read_table(bytes.as_ref(), &HEADERS, &sheet_limits())
    })
    .await
    .map_err(|e| AppError::Internal(format!("sheet reader: {e}")))?
    .map_err(|e| AppError::field("file", e.to_string()))
}

async fn read_rows(bytes: impl AsRef<[u8]> + Send + 'static) -> AppResult<Vec<RawRow>> {
    Ok(read_table(bytes)
        .await?
        .rows
        .into_iter()
        .map(|r| RawRow {
            row: r.number as usize,
            cells: r.cells,
        })
        .collect())
}

/// What is wrong with how a cell was stored, before its value is checked.
fn storage_problem(header: &str, cell: &Cell) -> Option<String> {
    if cell.too_long {
        return Some(format!("{header}内容过长"));
    }
    match cell.kind {
        Kind::FormulaWithoutValue => Some(format!(
            "{header}是没有计算结果的公式，请复制该列后“选择性粘贴—数值”再导入"
        )),
        Kind::Error => Some(format!("{header}是错误值 {}", cell.text)),
        // Excel keeps 15 significant digits of a number: an 18-digit ID number typed
        // into a number cell has already lost its last digits.
        Kind::Number if header == HEADERS[1] => Some(
            "身份证号被 Excel 存成了数字（末尾几位会丢失），请把该列设置为“文本”格式后重新填写"
                .into(),
        ),
        _ => None,
    }
}

/// The template people fill in: headers, one example row, and a sheet of allowed values.
pub fn template() -> AppResult<Vec<u8>> {
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut wb = rust_xlsxwriter::Workbook::new();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("学员").map_err(xl)?;
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xl)?;
        // Text columns, so ID numbers and phones keep every digit.
        ws.set_column_format(c as u16, &text).map_err(xl)?;
        ws.set_column_width(c as u16, 22).map_err(xl)?;
    }
    let example = [
        "张三",
        "11010519491231002X",
        "13800000000",
        "农村转移就业劳动者",
        "初中",
        "520102",
    ];
    for (c, v) in example.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *v, &text)
            .map_err(xl)?;
    }
    let help = wb.add_worksheet();
    help.set_name("填写说明").map_err(xl)?;
    help.write_string_with_format(0, 0, "人员类别（填名称）", &bold)
        .map_err(xl)?;
    for (i, (_, l)) in jineng_core::learners::PERSON_CATEGORIES.iter().enumerate() {
        help.write_string((i + 1) as u32, 0, *l).map_err(xl)?;
    }
    help.write_string_with_format(0, 1, "文化程度（填名称）", &bold)
        .map_err(xl)?;
    for (i, (_, l)) in jineng_core::learners::EDUCATION_LEVELS.iter().enumerate() {
        help.write_string((i + 1) as u32, 1, *l).map_err(xl)?;
    }
    help.write_string_with_format(
        0,
        2,
        "所在区县代码：6位行政区划代码，如 520102（南明区）；请删除示例行",
        &bold,
    )
    .map_err(xl)?;
    help.set_column_width(0, 34).map_err(xl)?;
    help.set_column_width(1, 20).map_err(xl)?;
    wb.save_to_buffer().map_err(xl)
}

/// Where an import's uploaded file is kept.
fn import_file(org_id: &str, import: &str) -> String {
    format!("orgs/{org_id}/imports/{import}.xlsx")
}

/// What the import job needs to run (again): no personal data, only references.
#[derive(Debug, Serialize, serde::Deserialize)]
struct ImportPayload {
    /// The `import_jobs` row.
    import: String,
    /// Who started it; the import acts in their name.
    user: String,
    ip: String,
    request_id: String,
    /// The uploaded file in file storage.
    file: String,
}

/// An import job as its organisation follows it.
#[derive(Debug, Clone, Serialize)]
pub struct ImportJobView {
    pub id: String,
    pub status: ImportStatus,
    pub mode: ImportMode,
    pub total_rows: i32,
    pub processed_rows: i32,
    pub good_rows: i32,
    pub bad_rows: i32,
    pub imported_rows: i32,
    /// Rows naming someone already on the platform, who was asked to confirm.
    pub pending_rows: i32,
    /// Refused rows with their reasons.
    pub bad: Vec<BadRow>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<import_job::Model> for ImportJobView {
    fn from(j: import_job::Model) -> Self {
        ImportJobView {
            bad: serde_json::from_str(&j.report).unwrap_or_default(),
            id: j.id,
            status: j.status,
            mode: j.mode,
            total_rows: j.total_rows,
            processed_rows: j.processed_rows,
            good_rows: j.good_rows,
            bad_rows: j.bad_rows,
            imported_rows: j.imported_rows,
            pending_rows: j.pending_rows,
            created_at: j.created_at,
            finished_at: j.finished_at,
        }
    }
}

const INTERRUPTED: &str = "导入过程中出错，请重新导入（已导入的学员会自动关联，不会重复）";

impl Learners<'_> {
    /// Check the file now (format and headers), keep it in file storage, and import it
    /// as a background job enqueued with the job record. Returns the job's id; its
    /// progress is read with `import_job`.
    pub async fn import(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        bytes: &[u8],
        mode: ImportMode,
    ) -> AppResult<String> {
        if !who.can(Permission::ImportLearners) {
            return Err(AppError::Forbidden);
        }
        let org = self
            .organizations()
            .operating(who)
            .await
            .map_err(|e| match e {
                AppError::Conflict(_) => {
                    AppError::Conflict("机构或企业登记审核通过后才能导入学员".into())
                }
                e => e,
            })?;
        let rows = read_rows(bytes.to_vec()).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let file = import_file(&org.id, &id);
        self.files
            .put(&file, bytes.to_vec())
            .await
            .map_err(|e| AppError::Unavailable(format!("file storage: {e}")))?;
        let w = self.write(who, ctx).await?;
        import_job::Entity::insert(import_job::ActiveModel {
            id: Set(id.clone()),
            org_id: Set(org.id.clone()),
            created_by: Set(who.user_id.clone()),
            mode: Set(mode),
            status: Set(ImportStatus::Checking),
            total_rows: Set(rows.len() as i32),
            processed_rows: Set(0),
            good_rows: Set(0),
            bad_rows: Set(0),
            imported_rows: Set(0),
            pending_rows: Set(0),
            report: Set("[]".into()),
            created_at: Set(w.now),
            finished_at: Set(None),
        })
        .exec(&w.txn)
        .await?;
        let payload = ImportPayload {
            import: id.clone(),
            user: who.user_id.clone(),
            ip: ctx.ip.clone(),
            request_id: ctx.request_id.clone(),
            file,
        };
        jobs::enqueue(
            self,
            &w,
            JobKind::LearnerImport,
            &format!("learner_import:{id}"),
            serde_json::to_value(&payload).map_err(|e| AppError::Internal(e.to_string()))?,
        )
        .await?;
        w.commit(Entry::ok(
            "learner.import_start",
            "import_job",
            &id,
            serde_json::json!({"rows": rows.len(), "mode": mode.code()}),
        ))
        .await?;
        Ok(id)
    }

    /// The job, if it belongs to the caller's organisation.
    pub async fn import_job(&self, who: &Principal, id: &str) -> AppResult<ImportJobView> {
        Ok(self
            .find_scoped::<import_job::Entity>(who, Permission::ImportLearners, id)
            .await?
            .into())
    }

    /// The refused rows of a job as a spreadsheet to correct and upload again: the
    /// template's columns with the values as uploaded (read again from the stored
    /// file, so the report keeps no personal data of its own), then the reasons and
    /// the row's number in the original file. The reader ignores the extra columns.
    pub async fn import_report(&self, who: &Principal, id: &str) -> AppResult<Vec<u8>> {
        let job = self
            .find_scoped::<import_job::Entity>(who, Permission::ImportLearners, id)
            .await?;
        let view = ImportJobView::from(job.clone());
        let by_row: HashMap<usize, &BadRow> = view.bad.iter().map(|b| (b.row, b)).collect();
        let uploaded = match self.files.get(&import_file(&job.org_id, &job.id)).await {
            Ok(Some(bytes)) => read_rows(bytes).await.unwrap_or_default(),
            Ok(None) => Vec::new(),
            Err(e) => return Err(AppError::Unavailable(format!("file storage: {e}"))),
        };
        let mut rows: Vec<Vec<String>> = uploaded
            .into_iter()
            .filter_map(|r| {
                let bad = by_row.get(&r.row)?;
                let mut out: Vec<String> = r.cells.into_iter().map(|c| c.text).collect();
                out.push(bad.reasons.join("；"));
                out.push(r.row.to_string());
                Some(out)
            })
            .collect();
        // Reasons that concern the whole file (row 0), or a file no longer readable.
        if rows.is_empty() {
            rows = view
                .bad
                .iter()
                .map(|b| {
                    let mut out = vec![String::new(); HEADERS.len()];
                    out[0] = b.name.clone();
                    out.push(b.reasons.join("；"));
                    out.push(if b.row == 0 {
                        String::new()
                    } else {
                        b.row.to_string()
                    });
                    out
                })
                .collect();
        }
        let mut headers: Vec<&str> = HEADERS.to_vec();
        headers.extend(["未通过原因", "原表行号"]);
        crate::export::xlsx("未通过校验的行", &headers, &rows)
    }

    /// The job handler: check every row and write, in the name of whoever started it.
    /// Safe to run again after an interruption: rows already written are existing
    /// learners by then, linked rather than duplicated.
    pub(crate) async fn run_import(&self, payload: &str) -> Result<(), JobError> {
        let p: ImportPayload = serde_json::from_str(payload)
            .map_err(|e| JobError::Fatal(format!("bad payload: {e}")))?;
        let job = import_job::Entity::find_by_id(p.import.clone())
            .one(&self.db)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| JobError::Fatal("import job missing".into()))?;
        if !job.status.running() {
            return Ok(());
        }
        let who = self.accounts().principal_of(&p.user).await?;
        let ctx = RequestCtx {
            ip: p.ip,
            request_id: p.request_id,
            user_agent: String::new(),
            ..Default::default()
        };
        let bytes = self
            .files
            .get(&p.file)
            .await
            .map_err(|e| JobError::Retry(format!("file storage: {e}")))?
            .ok_or_else(|| JobError::Fatal("the uploaded file is missing".into()))?;
        let rows = read_rows(bytes).await?;
        let org = organization::Entity::find_by_id(job.org_id.clone())
            .one(&self.db)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| JobError::Fatal("organisation missing".into()))?;
        let province = org.region_code.get(..2).unwrap_or("").to_string();
        self.check_and_write(&who, &ctx, &job.id, &org.id, &province, rows, job.mode)
            .await?;
        Ok(())
    }

    /// The job was given up: the import says so, with what went wrong.
    pub(crate) async fn import_given_up(&self, payload: &str, why: &str) -> AppResult<()> {
        let p: ImportPayload = serde_json::from_str(payload)
            .map_err(|e| AppError::Internal(format!("bad payload: {e}")))?;
        // Internal causes stay in the job record for the system admin.
        let detail = if why.starts_with("database") || why.starts_with("file storage") {
            INTERRUPTED.to_string()
        } else {
            why.to_string()
        };
        self.finish_job(
            &p.import,
            ImportStatus::Failed,
            None,
            &[BadRow {
                row: 0,
                name: String::new(),
                reasons: vec![detail],
            }],
        )
        .await
    }

    async fn progress(&self, job: &str, col: import_job::Column, n: usize) -> AppResult<()> {
        import_job::Entity::update_many()
            .col_expr(col, Expr::value(n as i32))
            .filter(import_job::Column::Id.eq(job))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    async fn finish_job(
        &self,
        job: &str,
        status: ImportStatus,
        counts: Option<(usize, usize, usize)>,
        bad: &[BadRow],
    ) -> AppResult<()> {
        let mut q = import_job::Entity::update_many()
            .col_expr(import_job::Column::Status, Expr::value(status))
            .col_expr(
                import_job::Column::Report,
                Expr::value(serde_json::to_string(bad).unwrap_or_else(|_| "[]".into())),
            )
            .col_expr(
                import_job::Column::FinishedAt,
                Expr::value(Some(self.now())),
            );
        if let Some((good, badn, imported)) = counts {
            q = q
                .col_expr(import_job::Column::GoodRows, Expr::value(good as i32))
                .col_expr(import_job::Column::BadRows, Expr::value(badn as i32))
                .col_expr(
                    import_job::Column::ImportedRows,
                    Expr::value(imported as i32),
                );
        }
        q.filter(import_job::Column::Id.eq(job))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn check_and_write(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        job: &str,
        org_id: &str,
        province: &str,
        rows: Vec<RawRow>,
        mode: ImportMode,
    ) -> AppResult<()> {
        // China Standard Time is UTC+8 all year.
        let today = (self.now() + chrono::Duration::hours(8)).date_naive();
        let counties: HashSet<String> = region::Entity::find()
            .filter(region::Column::Level.eq("county"))
            .filter(region::Column::Code.starts_with(province))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| r.code)
            .collect();
        // 1. Each row on its own, and duplicates inside the file.
        let mut bad = Vec::new();
        let mut good = Vec::new();
        let mut seen_id: HashMap<String, usize> = HashMap::new();
        let mut seen_phone: HashMap<String, usize> = HashMap::new();
        for (n, r) in rows.iter().enumerate() {
            let c: Vec<&str> = r.cells.iter().map(|c| c.text.as_str()).collect();
            let mut reasons = Vec::new();
            let stored: Vec<Option<String>> = HEADERS
                .iter()
                .zip(&r.cells)
                .map(|(h, cell)| storage_problem(h, cell))
                .collect();
            reasons.extend(stored.iter().flatten().cloned());
            if stored[0].is_none()
                && let Err(m) = check_person_name(c[0])
            {
                reasons.push(m.to_string());
            }
            let id = match &stored[1] {
                Some(_) => None,
                None => IdNumber::parse_on(c[1], today)
                    .map_err(|e| reasons.push(e.to_string()))
                    .ok(),
            };
            let min_age = self.security.min_learner_age;
            if id.as_ref().is_some_and(|id| id.age_on(today) < min_age) {
                reasons.push(format!("学员应年满{min_age}周岁"));
            }
            let phone = match &stored[2] {
                Some(_) => None,
                None => Phone::parse(c[2])
                    .map_err(|e| reasons.push(e.to_string()))
                    .ok(),
            };
            let category = person_category(c[3]);
            if category.is_none() && stored[3].is_none() {
                reasons.push(format!("人员类别“{}”不在列表中", c[3]));
            }
            let edu = education(c[4]);
            if edu.is_none() && stored[4].is_none() {
                reasons.push(format!("文化程度“{}”不在列表中", c[4]));
            }
            if !counties.contains(c[5]) && stored[5].is_none() {
                reasons.push(format!("所在区县代码“{}”不是本省的区县", c[5]));
            }
            if let Some(id) = &id
                && let Some(first) = seen_id.insert(id.as_str().to_string(), r.row)
            {
                reasons.push(format!("与第{first}行身份证号码重复"));
                seen_id.insert(id.as_str().to_string(), first);
            }
            if let Some(p) = &phone
                && let Some(first) = seen_phone.insert(p.as_str().to_string(), r.row)
            {
                reasons.push(format!("与第{first}行手机号码重复"));
                seen_phone.insert(p.as_str().to_string(), first);
            }
            match (reasons.is_empty(), id, phone, category, edu) {
                (true, Some(id), Some(phone), Some(cat), Some(edu)) => good.push(GoodRow {
                    row: r.row,
                    name: jineng_core::learners::normal_person_name(c[0]),
                    id,
                    phone,
                    category: cat.0,
                    education: edu.0,
                    county: c[5].to_string(),
                }),
                _ => bad.push(BadRow {
                    row: r.row,
                    name: c[0].to_string(),
                    reasons,
                }),
            }
            if (n + 1) % 1000 == 0 {
                self.progress(job, import_job::Column::ProcessedRows, n + 1)
                    .await?;
            }
        }
        // 2. Against the database. A person already on the platform is the same person
        // only if the name matches their record, and is a learner; even then they are
        // only asked (in 我的培训) — nobody becomes an organisation's learner by having
        // their ID number typed into a file. A phone that belongs to another person is
        // refused.
        let mut existing: HashMap<String, (String, String)> = HashMap::new(); // id bidx → (user id, name)
        let mut learners: HashSet<String> = HashSet::new();
        let mut taken_phones: HashMap<String, String> = HashMap::new(); // phone bidx → id bidx
        for chunk in good.chunks(batch_rows(&self.db)) {
            let id_bidx: Vec<String> = chunk
                .iter()
                .map(|g| self.keyring.blind_index(PiiKind::IdNumber, g.id.as_str()))
                .collect();
            let phone_bidx: Vec<String> = chunk
                .iter()
                .map(|g| self.keyring.blind_index(PiiKind::Phone, g.phone.as_str()))
                .collect();
            let found = user::Entity::find()
                .filter(user::Column::IdNumberBidx.is_in(id_bidx))
                .all(&self.db)
                .await?;
            let ids: Vec<String> = found.iter().map(|u| u.id.clone()).collect();
            if !ids.is_empty() {
                learners.extend(
                    profile::Entity::find()
                        .filter(profile::Column::UserId.is_in(ids))
                        .all(&self.db)
                        .await?
                        .into_iter()
                        .map(|p| p.user_id),
                );
            }
            for u in found {
                if let Some(b) = u.id_number_bidx {
                    existing.insert(b, (u.id, u.display_name));
                }
            }
            for u in user::Entity::find()
                .filter(user::Column::PhoneBidx.is_in(phone_bidx))
                .all(&self.db)
                .await?
            {
                if let Some(p) = u.phone_bidx {
                    taken_phones.insert(p, u.id_number_bidx.unwrap_or_default());
                }
            }
        }
        // Who already said no to this organisation: the answer stands.
        let declined: HashSet<String> = {
            let ids: Vec<String> = existing.values().map(|(u, _)| u.clone()).collect();
            let mut out = HashSet::new();
            for chunk in ids.chunks(batch_rows(&self.db)) {
                out.extend(
                    link_request::Entity::find()
                        .filter(link_request::Column::OrgId.eq(org_id))
                        .filter(link_request::Column::UserId.is_in(chunk.to_vec()))
                        .filter(link_request::Column::Status.eq(LinkRequestStatus::Declined))
                        .all(&self.db)
                        .await?
                        .into_iter()
                        .map(|r| r.user_id),
                );
            }
            out
        };
        let mut plan = Vec::with_capacity(good.len());
        for g in good {
            let ib = self.keyring.blind_index(PiiKind::IdNumber, g.id.as_str());
            let pb = self.keyring.blind_index(PiiKind::Phone, g.phone.as_str());
            let refuse = |why: &str| BadRow {
                row: g.row,
                name: g.name.clone(),
                reasons: vec![why.into()],
            };
            match (existing.get(&ib), taken_phones.get(&pb)) {
                (Some((uid, _)), _) if !learners.contains(uid) => bad.push(refuse(
                    "该身份证号码在平台上已有账户，但不是学员账户，不能作为学员导入",
                )),
                (Some((_, name)), _) if name.trim() != g.name => {
                    bad.push(refuse("姓名与该身份证号码在平台上登记的姓名不一致"))
                }
                (Some((uid, _)), _) if declined.contains(uid) => {
                    bad.push(refuse("本人已拒绝加入本单位学员名单"))
                }
                (Some((uid, _)), _) => {
                    let uid = uid.clone();
                    plan.push((g, Some(uid), ib, pb))
                }
                (None, Some(owner)) if *owner != ib => {
                    bad.push(refuse("手机号码已被平台上的其他人使用"))
                }
                _ => plan.push((g, None, ib, pb)),
            }
        }
        bad.sort_by_key(|b| b.row);
        self.progress(job, import_job::Column::ProcessedRows, rows.len())
            .await?;
        let (n_good, n_bad) = (plan.len(), bad.len());
        if mode == ImportMode::AllOrNothing && n_bad > 0 {
            return self
                .finish_job(job, ImportStatus::Rejected, Some((n_good, n_bad, 0)), &bad)
                .await;
        }
        import_job::Entity::update_many()
            .col_expr(
                import_job::Column::Status,
                Expr::value(ImportStatus::Importing),
            )
            .col_expr(import_job::Column::GoodRows, Expr::value(n_good as i32))
            .col_expr(import_job::Column::BadRows, Expr::value(n_bad as i32))
            .filter(import_job::Column::Id.eq(job))
            .exec(&self.db)
            .await?;
        // 3. Write: all in one transaction, or one per batch for good-rows-only.
        let (mut imported, mut asked) = (0, 0);
        if mode == ImportMode::AllOrNothing {
            let w = self.write(who, ctx).await?;
            for chunk in plan.chunks(batch_rows(&self.db)) {
                let (i, a) = self.write_batch(&w, who, job, org_id, chunk).await?;
                imported += i;
                asked += a;
            }
            w.commit_audited().await?;
            self.progress(job, import_job::Column::ImportedRows, imported)
                .await?;
            self.progress(job, import_job::Column::PendingRows, asked)
                .await?;
        } else {
            for chunk in plan.chunks(batch_rows(&self.db)) {
                let w = self.write(who, ctx).await?;
                let (i, a) = self.write_batch(&w, who, job, org_id, chunk).await?;
                imported += i;
                asked += a;
                w.commit_audited().await?;
                self.progress(job, import_job::Column::ImportedRows, imported)
                    .await?;
                self.progress(job, import_job::Column::PendingRows, asked)
                    .await?;
            }
        }
        self.finish_job(
            job,
            ImportStatus::Done,
            Some((n_good, n_bad, imported)),
            &bad,
        )
        .await
    }

    async fn write_batch(
        &self,
        w: &Write<'_>,
        who: &Principal,
        job: &str,
        org_id: &str,
        chunk: &[(GoodRow, Option<String>, String, String)],
    ) -> AppResult<(usize, usize)> {
        let (txn, now) = (&w.txn, w.now);
        let enc = |v: &str, column: &'static str, row: &str| {
            self.keyring
                .encrypt(v, crate::crypto::pii::Place::new("users", column, row))
                .map_err(|e| AppError::Internal(e.to_string()))
        };
        let mut users = Vec::new();
        let mut grants = Vec::new();
        let mut profiles = Vec::new();
        let mut created = Vec::new();
        for (g, existing, ib, pb) in chunk {
            if existing.is_some() {
                continue;
            }
            let uid = uuid::Uuid::now_v7().to_string();
            w.touch(jineng_core::exchange::Dataset::Learners, &uid);
            users.push(user::ActiveModel {
                id: Set(uid.clone()),
                username: Set(learner_username()),
                display_name: Set(g.name.clone()),
                phone_enc: Set(Some(enc(g.phone.as_str(), "phone_enc", &uid)?)),
                phone_bidx: Set(Some(pb.clone())),
                id_number_enc: Set(Some(enc(g.id.as_str(), "id_number_enc", &uid)?)),
                id_number_bidx: Set(Some(ib.clone())),
                bank_account_enc: Set(None),
                region_code: Set(Some(g.county.clone())),
                // No usable password until the learner activates the account.
                password_hash: Set("!".into()),
                status: Set(UserStatus::Active),
                must_change_password: Set(false),
                totp_secret_enc: Set(None),
                totp_enabled: Set(false),
                totp_last_step: Set(None),
                password_changed_at: Set(now),
                created_at: Set(now),
                updated_at: Set(now),
            });
            grants.push(role_grant::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                user_id: Set(uid.clone()),
                role: Set(Role::Learner),
                region_code: Set(String::new()),
                org_id: Set(None),
                created_at: Set(now),
            });
            profiles.push(profile::ActiveModel {
                user_id: Set(uid.clone()),
                person_category: Set(g.category.into()),
                education: Set(g.education.into()),
                gender: Set(g.id.gender()),
                birth_date: Set(g.id.birth_date().to_string()),
                region_code: Set(g.county.clone()),
                source: Set(LearnerSource::Imported),
                imported_by_org: Set(org_id.into()),
                activated: Set(false),
                created_at: Set(now),
            });
            created.push(uid);
        }
        if !users.is_empty() {
            user::Entity::insert_many(users)
                .exec(txn)
                .await
                .map_err(|e| AppError::Internal(format!("insert learners: {e}")))?;
            role_grant::Entity::insert_many(grants).exec(txn).await?;
            profile::Entity::insert_many(profiles).exec(txn).await?;
        }
        // People who were on the platform before: already this organisation's learners,
        // or asked now (once; a refusal stands until they change their mind).
        let existing_ids: Vec<String> = chunk
            .iter()
            .filter_map(|(_, existing, _, _)| existing.clone())
            .collect();
        let linked: HashSet<String> = if existing_ids.is_empty() {
            HashSet::new()
        } else {
            org_link::Entity::find()
                .filter(org_link::Column::OrgId.eq(org_id))
                .filter(org_link::Column::UserId.is_in(existing_ids.clone()))
                .all(txn)
                .await?
                .into_iter()
                .map(|l| l.user_id)
                .collect()
        };
        let mut seen = HashSet::new();
        let requests: Vec<link_request::ActiveModel> = existing_ids
            .iter()
            .filter(|u| !linked.contains(*u) && seen.insert((*u).clone()))
            .map(|u| link_request::ActiveModel {
                org_id: Set(org_id.into()),
                user_id: Set(u.clone()),
                import_id: Set(job.into()),
                status: Set(LinkRequestStatus::Pending),
                created_at: Set(now),
                decided_at: Set(None),
            })
            .collect();
        let asked = requests.len();
        if !requests.is_empty() {
            link_request::Entity::insert_many(requests)
                .on_conflict_do_nothing()
                .exec(txn)
                .await?;
        }
        // People created by this import are this organisation's learners at once; they
        // prove themselves with the phone code when they activate.
        let links: Vec<org_link::ActiveModel> = created
            .iter()
            .map(|u| org_link::ActiveModel {
                org_id: Set(org_id.into()),
                user_id: Set(u.clone()),
                created_at: Set(now),
            })
            .collect();
        let n_links = links.len();
        if !links.is_empty() {
            org_link::Entity::insert_many(links).exec(txn).await?;
        }
        let changes = serde_json::json!({"job": job, "created": created, "already_linked": linked.len(), "asked_to_confirm": asked, "new_links": n_links});
        w.audit_as(
            who.into(),
            Entry::ok("learner.import_batch", "organization", org_id, changes),
        )
        .await?;
        Ok((created.len() + linked.len(), asked))
    }
}
