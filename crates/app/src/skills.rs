//! Skill-level certificates (职业技能等级证书): a regulator (or the system admin) imports an
//! appraisal organisation's result sheet; each row names a learner by name and ID number
//! and is linked only when both match the same account and the learner lives in the
//! importer's region. Good rows are written together, bad rows come back with the reason
//! (and all their cells, so they can be fixed and uploaded again). A number already
//! imported is refused, so a sheet imported twice, or by two people at once, adds each
//! certificate once.

use crate::RequestCtx;
use crate::audit::Entry;
use crate::context::Principal;
use crate::crypto::pii::PiiKind;
use crate::error::{AppError, AppResult};
use crate::page::{self, Page, PageRequest};
use crate::scope::Scope;
use jineng_core::accounts::Permission;
use jineng_core::skills::{self as rules, HEADERS, MAX_ROWS};
use jineng_core::{IdNumber, occupations::skill_level_label};
use jineng_store::accounts::user;
use jineng_store::certificates::skill;
use jineng_store::reference::occupation;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use std::collections::HashMap;

bounded_context!(
    /// Skill-level certificates: importing appraisal results, lists.
    SkillCertificates,
    skill_certificates
);

#[derive(Debug, Clone, Serialize)]
pub struct SkillCertificateView {
    pub id: String,
    pub number: String,
    pub user_id: String,
    pub holder_name: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub level: i32,
    pub level_label: &'static str,
    pub issuer: String,
    pub issued_on: String,
}

/// A row that was not imported: its number in the sheet, its cells as read, and why.
#[derive(Debug, Clone, Serialize)]
pub struct RefusedRow {
    pub row: u32,
    pub cells: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportOutcome {
    pub imported: usize,
    pub refused: Vec<RefusedRow>,
}

fn view(m: skill::Model) -> SkillCertificateView {
    SkillCertificateView {
        level_label: skill_level_label(m.level).unwrap_or(""),
        id: m.id,
        number: m.number,
        user_id: m.user_id,
        holder_name: m.holder_name,
        occupation_code: m.occupation_code,
        occupation_name: m.occupation_name,
        level: m.level,
        issuer: m.issuer,
        issued_on: m.issued_on,
    }
}

struct Good {
    row: u32,
    cells: Vec<String>,
    name: String,
    id: IdNumber,
    number: String,
    occupation: String,
    level: i32,
    issuer: String,
    issued_on: String,
}

impl SkillCertificates<'_> {
    /// Import a result sheet (the template's seven columns). Returns how many rows were
    /// imported and every row that was not, with the reason.
    pub async fn import(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        bytes: Vec<u8>,
    ) -> AppResult<ImportOutcome> {
        let Some(scope) = who.scope(Permission::ImportCertificates) else {
            return Err(AppError::Forbidden);
        };
        let limits = jineng_sheet::Limits {
            max_rows: MAX_ROWS,
            ..jineng_sheet::Limits::default()
        };
        let table = tokio::task::spawn_blocking(move || {
            jineng_sheet::read_table(&bytes, &HEADERS, &limits)
        })
        .await
        .map_err(|e| AppError::Internal(format!("sheet reader: {e}")))?
        .map_err(|e| AppError::field("file", e.to_string()))?;
        let today = (self.now() + chrono::Duration::hours(8)).date_naive();
        let mut refused = Vec::new();
        let mut good: Vec<Good> = Vec::new();
        let mut seen: HashMap<String, u32> = HashMap::new();
        for r in table.rows {
            let cells: Vec<String> = r.cells.iter().map(|c| c.text.clone()).collect();
            let mut reasons: Vec<String> = Vec::new();
            for (h, c) in HEADERS.iter().zip(&r.cells) {
                if c.too_long {
                    reasons.push(format!("{h}内容过长"));
                } else if c.formula && c.text.is_empty() {
                    reasons.push(format!("{h}是没有计算结果的公式"));
                } else if c.kind == jineng_sheet::Kind::Error {
                    reasons.push(format!("{h}是错误值 {}", c.text));
                }
            }
            let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or("");
            let name = cell(0).trim().to_string();
            if let Err(m) = jineng_core::learners::check_person_name(&name) {
                reasons.push(m.to_string());
            }
            if r.cells
                .get(1)
                .is_some_and(|c| c.kind == jineng_sheet::Kind::Number)
            {
                reasons.push(
                    "身份证号被 Excel 存成了数字（末尾几位会丢失），请把该列设置为“文本”格式"
                        .into(),
                );
            }
            let id = IdNumber::parse(cell(1)).map_err(|e| reasons.push(format!("身份证号{e}")));
            let number = rules::parse_number(cell(2)).map_err(|m| reasons.push(m.into()));
            let occupation = cell(3).trim().to_string();
            if occupation.is_empty() {
                reasons.push("请填写职业（工种）编码".into());
            }
            let level = rules::parse_level(cell(4)).map_err(|m| reasons.push(m.into()));
            let issuer = rules::parse_issuer(cell(5)).map_err(|m| reasons.push(m.into()));
            let issued_on = rules::parse_date(cell(6), today).map_err(|m| reasons.push(m.into()));
            if let Ok(n) = &number {
                if let Some(first) = seen.get(n) {
                    reasons.push(format!("证书编号与第{first}行重复"));
                } else {
                    seen.insert(n.clone(), r.number);
                }
            }
            match (id, number, level, issuer, issued_on) {
                (Ok(id), Ok(number), Ok(level), Ok(issuer), Ok(d)) if reasons.is_empty() => good
                    .push(Good {
                        row: r.number,
                        cells,
                        name,
                        id,
                        number,
                        occupation,
                        level,
                        issuer,
                        issued_on: d.to_string(),
                    }),
                _ => refused.push(RefusedRow {
                    row: r.number,
                    cells,
                    reason: reasons.join("；"),
                }),
            }
        }
        // The people, occupations and numbers the good rows name, read in batches.
        let mut people: HashMap<String, user::Model> = HashMap::new();
        let mut occupations: HashMap<String, String> = HashMap::new();
        let mut taken: std::collections::HashSet<String> = Default::default();
        for chunk in good.chunks(500) {
            let bidx: Vec<String> = chunk
                .iter()
                .map(|g| self.keyring.blind_index(PiiKind::IdNumber, g.id.as_str()))
                .collect();
            for u in user::Entity::find()
                .filter(user::Column::IdNumberBidx.is_in(bidx))
                .all(&self.db)
                .await?
            {
                if let Some(b) = u.id_number_bidx.clone() {
                    people.insert(b, u);
                }
            }
            for o in occupation::Entity::find()
                .filter(occupation::Column::Code.is_in(chunk.iter().map(|g| g.occupation.clone())))
                .all(&self.db)
                .await?
            {
                occupations.insert(o.code, o.name);
            }
            taken.extend(
                skill::Entity::find()
                    .filter(skill::Column::Number.is_in(chunk.iter().map(|g| g.number.clone())))
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .map(|s| s.number),
            );
        }
        let in_scope = |region: &str| match &scope {
            Scope::All => true,
            Scope::Regions(ps) => ps.iter().any(|p| region.starts_with(p.as_str())),
            Scope::OwnUser(_) | Scope::Orgs(_) => false,
        };
        let mut rows = Vec::new();
        for g in good {
            let bidx = self.keyring.blind_index(PiiKind::IdNumber, g.id.as_str());
            let why = match people.get(&bidx) {
                // Both must match: an ID number alone never claims a person.
                None => Some("平台上没有该身份证号的实名学员".to_string()),
                Some(u) if u.display_name != g.name => {
                    Some("姓名与身份证号登记的姓名不一致".to_string())
                }
                Some(u) if !in_scope(u.region_code.as_deref().unwrap_or("")) => {
                    Some("该学员不在您的辖区".to_string())
                }
                _ if !occupations.contains_key(&g.occupation) => {
                    Some(format!("职业（工种）编码 {} 不在职业分类中", g.occupation))
                }
                _ if taken.contains(&g.number) => Some("证书编号已导入".to_string()),
                _ => None,
            };
            match (why, people.get(&bidx)) {
                (None, Some(u)) => rows.push((g, u.clone())),
                (why, _) => refused.push(RefusedRow {
                    row: g.row,
                    cells: g.cells,
                    reason: why.unwrap_or_default(),
                }),
            }
        }
        let w = self.write(who, ctx).await?;
        let mut imported = 0;
        for (g, u) in rows {
            let id = uuid::Uuid::now_v7().to_string();
            let inserted = skill::Entity::insert(skill::ActiveModel {
                id: Set(id.clone()),
                number: Set(g.number.clone()),
                user_id: Set(u.id.clone()),
                holder_name: Set(g.name.clone()),
                occupation_name: Set(occupations.get(&g.occupation).cloned().unwrap_or_default()),
                occupation_code: Set(g.occupation.clone()),
                level: Set(g.level),
                issuer: Set(g.issuer.clone()),
                issued_on: Set(g.issued_on.clone()),
                region_code: Set(u.region_code.clone().unwrap_or_default()),
                imported_by: Set(w.actor_id()),
                imported_at: Set(w.now),
            })
            .on_conflict(
                OnConflict::column(skill::Column::Number)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&w.txn)
            .await?;
            if inserted == 1 {
                imported += 1;
                w.touch(jineng_core::exchange::Dataset::SkillCertificates, &id);
            } else {
                // Another import took the number since it was read.
                refused.push(RefusedRow {
                    row: g.row,
                    cells: g.cells,
                    reason: "证书编号已导入".into(),
                });
            }
        }
        refused.sort_by_key(|r| r.row);
        if imported == 0 {
            return Ok(ImportOutcome { imported, refused });
        }
        w.commit(Entry::ok(
            "skill_certificate.import",
            "skill_certificate",
            "",
            serde_json::json!({"imported": imported, "refused": refused.len()}),
        ))
        .await?;
        Ok(ImportOutcome { imported, refused })
    }

    /// The skill-level certificates the caller may see (regulators their region's,
    /// organisations their learners', learners their own), newest first.
    pub async fn list(
        &self,
        who: &Principal,
        q: Option<&str>,
        r: PageRequest,
    ) -> AppResult<Page<SkillCertificateView>> {
        let mut sel = match who.scope(Permission::ViewLearners) {
            Some(scope) => skill::Entity::find().filter(scope.over::<skill::Entity>()),
            None => skill::Entity::find()
                .filter(Scope::OwnUser(who.user_id.clone()).over::<skill::Entity>()),
        };
        if let Some(text) = q.map(str::trim).filter(|s| !s.is_empty()) {
            sel = sel.filter(
                sea_orm::Condition::any()
                    .add(page::contains(skill::Column::Number, text))
                    .add(page::contains(skill::Column::HolderName, text))
                    .add(page::contains(skill::Column::OccupationName, text))
                    .add(page::contains(skill::Column::Issuer, text)),
            );
        }
        let rows = page::fetch(
            &self.db,
            sel.order_by_desc(skill::Column::IssuedOn)
                .order_by_asc(skill::Column::Number),
            r,
        )
        .await?;
        Ok(Page {
            items: rows.items.into_iter().map(view).collect(),
            total: rows.total,
            page: rows.page,
            per_page: rows.per_page,
        })
    }

    /// One learner's skill-level certificates (callers check who may read the learner).
    pub async fn of_learner(&self, user_id: &str) -> AppResult<Vec<SkillCertificateView>> {
        Ok(skill::Entity::find()
            .filter(skill::Column::UserId.eq(user_id))
            .order_by_desc(skill::Column::IssuedOn)
            .all(&self.db)
            .await?
            .into_iter()
            .map(view)
            .collect())
    }

    /// The caller's own.
    pub async fn mine(&self, who: &Principal) -> AppResult<Vec<SkillCertificateView>> {
        self.of_learner(&who.user_id).await
    }

    /// The import template: the headers as text columns and one example row.
    pub fn template() -> AppResult<Vec<u8>> {
        let example = [
            "张三",
            "520102199001011234",
            "S000052000001230000001",
            "4-03-02-01",
            "四级/中级工",
            "贵州省职业技能鉴定指导中心",
            "2026-11-20",
        ];
        crate::export::xlsx_sheets(&[(
            "职业技能等级证书",
            &HEADERS[..],
            &[example.iter().map(|s| s.to_string()).collect()],
        )])
    }

    /// Refused rows as a sheet to fix and upload again: the template's columns and why.
    pub fn refused_sheet(rows: &[RefusedRow]) -> AppResult<Vec<u8>> {
        let mut headers: Vec<&str> = HEADERS.to_vec();
        headers.push("未导入原因");
        let data: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let mut v = r.cells.clone();
                v.resize(HEADERS.len(), String::new());
                v.push(format!("第{}行：{}", r.row, r.reason));
                v
            })
            .collect();
        crate::export::xlsx_sheets(&[("未导入的行", &headers[..], &data)])
    }
}
