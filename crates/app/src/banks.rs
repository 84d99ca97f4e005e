//! Province question banks (省级题库) per work type and skill level, kept by the province
//! (the skill appraisal centre's side of the platform: province regulators and operators),
//! and shared with other centres (共建共享): a bank is exported as a versioned, digested
//! document and another centre's document is imported with its provenance kept. An exam
//! may draw a set share of each paper from the bank of its class's work type and level.
//!
//! Questions are retired, never deleted, so every paper drawn with them can still be
//! shown and marked; every change raises the bank's version, which an export carries.

use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::courses::questions::{QuestionView, stored, view};
use crate::error::{AppError, AppResult, FieldError};
use crate::write::{OnUnique, Write, one_row};
use chrono::Utc;
use jineng_core::accounts::Permission;
use jineng_core::banks::{
    self as rules, BankDocument, CheckedDocument, MAX_BANK_QUESTIONS, MAX_DOCUMENT_BYTES, Origin,
};
use jineng_core::courses::questions::{Question, RawQuestion, SHEET_HEADERS, letters};
use jineng_core::occupations::level_label;
use jineng_store::banks::{bank, question};
use jineng_store::catalogue::project;
use jineng_store::classes::class;
use jineng_store::courses::question as course_question;
use jineng_store::reference::{occupation, region, work_type};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use std::collections::HashMap;

bounded_context!(
    /// Province question banks and their sharing.
    Banks,
    banks
);

/// A bank as listed.
#[derive(Debug, Clone, Serialize)]
pub struct BankView {
    pub id: String,
    pub name: String,
    pub occupation_code: String,
    pub occupation_name: String,
    /// Empty (and code and name) when the bank serves the whole occupation.
    pub work_type_id: String,
    pub work_type_code: String,
    pub work_type_name: String,
    /// 1–5, or 0 for 不定级.
    pub level: i32,
    pub level_label: &'static str,
    pub origin: Origin,
    pub origin_label: &'static str,
    pub source_centre: Option<String>,
    pub source_centre_code: Option<String>,
    pub source_bank_id: Option<String>,
    pub source_version: Option<i32>,
    pub source_exported_at: Option<String>,
    pub source_digest: Option<String>,
    pub version: i32,
    /// Current (not retired) questions.
    pub count: u64,
    pub updated_at: chrono::DateTime<Utc>,
}

/// A bank with its current questions and answers (the answers only for its keepers;
/// other regulators see what it covers and its size).
#[derive(Debug, Clone, Serialize)]
pub struct BankDetail {
    pub bank: BankView,
    /// Questions may be added, imported and retired (a bank written here, by its keepers).
    pub editable: bool,
    /// The caller keeps banks and so sees the questions.
    pub keeper: bool,
    pub questions: Vec<QuestionView>,
}

/// What a new bank covers: an occupation, one of its work types or none (the whole
/// occupation), and a level.
#[derive(Debug, Clone)]
pub struct BankInput {
    pub name: String,
    /// May be left empty when a work type is named.
    pub occupation_code: String,
    pub work_type_id: Option<String>,
    pub level: i32,
}

/// A bank question in the shape a course question has, so papers drawn from both are
/// shown and marked by one code.
pub(crate) fn as_course(q: question::Model) -> course_question::Model {
    course_question::Model {
        id: q.id,
        version_id: q.bank_id,
        position: q.position,
        kind: q.kind,
        stem: q.stem,
        options: q.options,
        answer: q.answer,
        explanation: q.explanation,
        knowledge_point: q.knowledge_point,
        difficulty: q.difficulty,
        created_at: q.created_at,
    }
}

fn row(
    id: String,
    bank_id: &str,
    position: i32,
    q: &Question,
    w: &Write<'_>,
) -> question::ActiveModel {
    question::ActiveModel {
        id: Set(id),
        bank_id: Set(bank_id.to_string()),
        position: Set(position),
        kind: Set(q.kind),
        stem: Set(q.stem.clone()),
        options: Set(serde_json::to_string(&q.options).unwrap_or_else(|_| "[]".into())),
        answer: Set(letters(&q.answer)),
        explanation: Set(q.explanation.clone()),
        knowledge_point: Set(q.knowledge_point.clone()),
        difficulty: Set(q.difficulty),
        created_at: Set(w.now),
        retired_at: Set(None),
    }
}

fn validation(ps: Vec<rules::DocProblem>) -> AppError {
    AppError::Validation(
        ps.into_iter()
            .map(|p| FieldError::new(&p.field, p.message))
            .collect(),
    )
}

const CHANGED: &str = "题库刚被他人修改，请刷新后重试";

impl Banks<'_> {
    /// Keepers: province regulators, operators and system administrators.
    fn may_keep(who: &Principal) -> bool {
        who.can_province_wide(Permission::ManageCatalogue)
    }

    fn keeper(who: &Principal) -> AppResult<()> {
        if Self::may_keep(who) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    async fn views(&self, banks: Vec<bank::Model>) -> AppResult<Vec<BankView>> {
        let wt_ids: Vec<String> = banks
            .iter()
            .filter_map(|b| b.work_type_id.clone())
            .collect();
        let wts: HashMap<String, work_type::Model> = work_type::Entity::find()
            .filter(work_type::Column::Id.is_in(wt_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|w| (w.id.clone(), w))
            .collect();
        let occ_codes: Vec<String> = banks.iter().map(|b| b.occupation_code.clone()).collect();
        let occs: HashMap<String, String> = occupation::Entity::find()
            .filter(occupation::Column::Code.is_in(occ_codes))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| (o.code, o.name))
            .collect();
        // Current questions per bank, in one grouped query.
        let ids: Vec<String> = banks.iter().map(|b| b.id.clone()).collect();
        let counts: HashMap<String, i64> = question::Entity::find()
            .select_only()
            .column(question::Column::BankId)
            .column_as(question::Column::Id.count(), "n")
            .filter(question::Column::BankId.is_in(ids))
            .filter(question::Column::RetiredAt.is_null())
            .group_by(question::Column::BankId)
            .into_tuple::<(String, i64)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let mut out = Vec::with_capacity(banks.len());
        for b in banks {
            let count = counts
                .get(&b.id)
                .map_or(0, |n| u64::try_from(*n).unwrap_or(0));
            let wt = b.work_type_id.as_ref().and_then(|w| wts.get(w));
            out.push(BankView {
                occupation_name: occs.get(&b.occupation_code).cloned().unwrap_or_default(),
                work_type_code: wt.map(|w| w.code.clone()).unwrap_or_default(),
                work_type_name: wt.map(|w| w.name.clone()).unwrap_or_default(),
                level_label: level_label(b.level),
                origin_label: b.origin.label(),
                id: b.id,
                name: b.name,
                occupation_code: b.occupation_code,
                work_type_id: b.work_type_id.unwrap_or_default(),
                level: b.level,
                origin: b.origin,
                source_centre: b.source_centre,
                source_centre_code: b.source_centre_code,
                source_bank_id: b.source_bank_id,
                source_version: b.source_version,
                source_exported_at: b.source_exported_at,
                source_digest: b.source_digest,
                version: b.version,
                count,
                updated_at: b.updated_at,
            });
        }
        Ok(out)
    }

    /// Every work type as (id, "code 名称"), for the new-bank form.
    pub async fn work_type_choices(&self) -> AppResult<Vec<(String, String)>> {
        Ok(work_type::Entity::find()
            .order_by_asc(work_type::Column::Code)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|w| (w.id, format!("{} {}", w.code, w.name)))
            .collect())
    }

    /// Every bank, newest change first, for those who keep or oversee banks.
    pub async fn list(&self, who: &Principal) -> AppResult<Vec<BankView>> {
        if !who.can(Permission::ManageCatalogue) {
            return Err(AppError::Forbidden);
        }
        let banks = bank::Entity::find()
            .order_by_desc(bank::Column::UpdatedAt)
            .all(&self.db)
            .await?;
        self.views(banks).await
    }

    /// The banks an exam of this class may draw from: those of the work type and level of
    /// the class's training project (names and sizes only; never questions).
    pub async fn for_class(&self, who: &Principal, class_id: &str) -> AppResult<Vec<BankView>> {
        let c = self.classes().own(who, class_id).await?;
        let banks = self.of_class(&c).await?;
        self.views(banks).await
    }

    async fn of_class(&self, c: &class::Model) -> AppResult<Vec<bank::Model>> {
        let Some(p) = project::Entity::find_by_id(c.project_id.clone())
            .one(&self.db)
            .await?
        else {
            return Ok(Vec::new());
        };
        // A bank of the project's work type, or of its whole occupation.
        use sea_orm::ExprTrait;
        let mut work_type = bank::Column::WorkTypeId.is_null();
        if !p.work_type_id.is_empty() {
            work_type = work_type.or(bank::Column::WorkTypeId.eq(p.work_type_id));
        }
        Ok(bank::Entity::find()
            .filter(bank::Column::OccupationCode.eq(p.occupation_code))
            .filter(work_type)
            .filter(bank::Column::Level.eq(p.skill_level))
            .order_by_asc(bank::Column::Name)
            .all(&self.db)
            .await?)
    }

    /// The bank an exam of class `c` names, if it may draw from it.
    pub(crate) async fn usable_for(&self, c: &class::Model, bank_id: &str) -> AppResult<()> {
        if self.of_class(c).await?.iter().any(|b| b.id == bank_id) {
            Ok(())
        } else {
            Err(AppError::field(
                "rule.shared_bank",
                "请选择与本班培训项目职业（工种）和等级相同的省级题库",
            ))
        }
    }

    /// The current questions of a bank in id order (the order every draw sees).
    pub(crate) async fn current<C: sea_orm::ConnectionTrait>(
        &self,
        c: &C,
        bank_id: &str,
    ) -> AppResult<Vec<course_question::Model>> {
        Ok(question::Entity::find()
            .filter(question::Column::BankId.eq(bank_id))
            .filter(question::Column::RetiredAt.is_null())
            .order_by_asc(question::Column::Id)
            .all(c)
            .await?
            .into_iter()
            .map(as_course)
            .collect())
    }

    /// Bank questions by id, retired ones included (a paper drawn before keeps them).
    pub(crate) async fn by_ids<C: sea_orm::ConnectionTrait>(
        &self,
        c: &C,
        ids: Vec<String>,
    ) -> AppResult<Vec<course_question::Model>> {
        Ok(question::Entity::find()
            .filter(question::Column::Id.is_in(ids))
            .all(c)
            .await?
            .into_iter()
            .map(as_course)
            .collect())
    }

    async fn one(&self, id: &str) -> AppResult<bank::Model> {
        bank::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("题库"))
    }

    /// A bank with its current questions and their answers.
    pub async fn get(&self, who: &Principal, id: &str) -> AppResult<BankDetail> {
        if !who.can(Permission::ManageCatalogue) {
            return Err(AppError::Forbidden);
        }
        let b = self.one(id).await?;
        let keeper = Self::may_keep(who);
        let editable = b.origin == Origin::Local && keeper;
        let questions = if keeper {
            self.current_questions(&b.id)
                .await?
                .into_iter()
                .map(|q| view(as_course(q)))
                .collect()
        } else {
            Vec::new()
        };
        let bank = self
            .views(vec![b])
            .await?
            .pop()
            .ok_or(AppError::NotFound("题库"))?;
        Ok(BankDetail {
            bank,
            editable,
            keeper,
            questions,
        })
    }

    /// Start a bank of the province's own for a work type and level.
    pub async fn create(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        input: BankInput,
    ) -> AppResult<BankView> {
        Self::keeper(who)?;
        let mut e = Vec::new();
        let name = rules::check_name(&input.name)
            .map_err(|m| e.push(FieldError::new("name", m)))
            .unwrap_or_default();
        if let Err(m) = rules::check_level(input.level) {
            e.push(FieldError::new("level", m));
        }
        let wt = match input.work_type_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(id) => {
                let wt = work_type::Entity::find_by_id(id.to_string())
                    .one(&self.db)
                    .await?;
                if wt.is_none() {
                    e.push(FieldError::new("work_type_id", "请选择工种目录中的工种"));
                }
                wt
            }
        };
        let typed = input.occupation_code.trim();
        let occupation_code = match &wt {
            Some(w) if !typed.is_empty() && typed != w.occupation_code => {
                e.push(FieldError::new(
                    "work_type_id",
                    format!("工种{}不属于职业{typed}", w.name),
                ));
                String::new()
            }
            Some(w) => w.occupation_code.clone(),
            None => typed.to_string(),
        };
        if e.is_empty()
            && occupation::Entity::find_by_id(occupation_code.clone())
                .one(&self.db)
                .await?
                .is_none()
        {
            e.push(FieldError::new(
                "occupation_code",
                "请填写职业分类大典中的职业编码（如 4-10-01-06）或选择工种",
            ));
        }
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let w = self.write(who, ctx).await?;
        let id = uuid::Uuid::now_v7().to_string();
        bank::Entity::insert(bank::ActiveModel {
            id: Set(id.clone()),
            name: Set(name.clone()),
            occupation_code: Set(occupation_code.clone()),
            work_type_id: Set(wt.as_ref().map(|w| w.id.clone())),
            level: Set(input.level),
            origin: Set(Origin::Local),
            source_centre_code: Set(None),
            source_centre: Set(None),
            source_bank_id: Set(None),
            source_version: Set(None),
            source_exported_at: Set(None),
            source_digest: Set(None),
            version: Set(1),
            created_by: Set(who.user_id.clone()),
            created_at: Set(w.now),
            updated_at: Set(w.now),
        })
        .exec(&w.txn)
        .await?;
        w.commit(Entry::ok(
            "bank.create",
            "question_bank",
            &id,
            serde_json::json!({"name": name, "occupation": occupation_code, "work_type": wt.map(|w| w.code), "level": input.level}),
        ))
        .await?;
        self.views(vec![self.one(&id).await?])
            .await?
            .pop()
            .ok_or(AppError::NotFound("题库"))
    }

    /// A bank the caller may change: its keepers, and only a bank written here (a shared
    /// bank changes by importing its next version).
    async fn editable(&self, who: &Principal, id: &str) -> AppResult<bank::Model> {
        Self::keeper(who)?;
        let b = self.one(id).await?;
        if b.origin != Origin::Local {
            return Err(AppError::Conflict(
                "共享导入的题库不能在本平台修改，请导入导出方的新版本".into(),
            ));
        }
        Ok(b)
    }

    /// Raise the version of a bank as read, inside the write: a concurrent change makes
    /// this one fail whole.
    async fn bump(w: &Write<'_>, b: &bank::Model) -> AppResult<()> {
        let res = bank::Entity::update_many()
            .col_expr(bank::Column::Version, Expr::value(b.version + 1))
            .col_expr(bank::Column::UpdatedAt, Expr::value(w.now))
            .filter(bank::Column::Id.eq(b.id.clone()))
            .filter(bank::Column::Version.eq(b.version))
            .exec(&w.txn)
            .await?;
        one_row(res, CHANGED)
    }

    async fn stems(&self, bank_id: &str) -> AppResult<HashMap<String, i32>> {
        Ok(question::Entity::find()
            .filter(question::Column::BankId.eq(bank_id))
            .filter(question::Column::RetiredAt.is_null())
            .all(&self.db)
            .await?
            .into_iter()
            .map(|q| (q.stem, q.position))
            .collect())
    }

    async fn next_position(w: &Write<'_>, bank_id: &str) -> AppResult<i32> {
        Ok(question::Entity::find()
            .filter(question::Column::BankId.eq(bank_id))
            .order_by_desc(question::Column::Position)
            .one(&w.txn)
            .await?
            .map_or(1, |q| q.position + 1))
    }

    pub async fn add_question(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        bank_id: &str,
        r: &RawQuestion,
    ) -> AppResult<QuestionView> {
        let b = self.editable(who, bank_id).await?;
        let q = self.courses().check_question(r).await??;
        let stems = self.stems(&b.id).await?;
        if stems.contains_key(&q.stem) {
            return Err(AppError::field("stem", "题库中已有相同题干的题目"));
        }
        if stems.len() >= MAX_BANK_QUESTIONS {
            return Err(AppError::Conflict(format!(
                "一个题库最多{MAX_BANK_QUESTIONS}道题"
            )));
        }
        let w = self.write(who, ctx).await?;
        Self::bump(&w, &b).await?;
        let position = Self::next_position(&w, &b.id).await?;
        let id = uuid::Uuid::now_v7().to_string();
        question::Entity::insert(row(id.clone(), &b.id, position, &q, &w))
            .exec(&w.txn)
            .await
            .on_unique(|| AppError::field("stem", "题库中已有相同题干的题目"))?;
        w.commit(Entry::ok(
            "bank.question_add",
            "question_bank",
            &b.id,
            serde_json::json!({"question": id, "kind": q.kind, "version": b.version + 1}),
        ))
        .await?;
        let q = question::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("考题"))?;
        Ok(view(as_course(q)))
    }

    /// Take a question out of the bank: no new paper draws it; papers that have it keep it.
    pub async fn retire_question(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        bank_id: &str,
        question_id: &str,
    ) -> AppResult<()> {
        let b = self.editable(who, bank_id).await?;
        let q = question::Entity::find_by_id(question_id.to_string())
            .filter(question::Column::BankId.eq(b.id.clone()))
            .filter(question::Column::RetiredAt.is_null())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("考题"))?;
        let w = self.write(who, ctx).await?;
        Self::bump(&w, &b).await?;
        let res = question::Entity::update_many()
            .col_expr(question::Column::RetiredAt, Expr::value(Some(w.now)))
            .filter(question::Column::Id.eq(q.id.clone()))
            .filter(question::Column::RetiredAt.is_null())
            .exec(&w.txn)
            .await?;
        one_row(res, "这道题已被移出题库")?;
        w.commit(Entry::ok(
            "bank.question_retire",
            "question_bank",
            &b.id,
            serde_json::json!({"question": q.id, "stem": q.stem, "version": b.version + 1}),
        ))
        .await?;
        Ok(())
    }

    /// Add every question of a sheet in the course template's columns, or none.
    pub async fn import_sheet(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        bank_id: &str,
        bytes: Vec<u8>,
    ) -> AppResult<usize> {
        let b = self.editable(who, bank_id).await?;
        let stems = self.stems(&b.id).await?;
        let good = self
            .courses()
            .read_question_sheet(bytes, &stems, MAX_BANK_QUESTIONS)
            .await?;
        let w = self.write(who, ctx).await?;
        Self::bump(&w, &b).await?;
        Self::insert_all(&w, &b.id, &good).await?;
        w.commit(Entry::ok(
            "bank.questions_import",
            "question_bank",
            &b.id,
            serde_json::json!({"added": good.len(), "version": b.version + 1}),
        ))
        .await?;
        Ok(good.len())
    }

    async fn insert_all(w: &Write<'_>, bank_id: &str, qs: &[Question]) -> AppResult<()> {
        let mut position = Self::next_position(w, bank_id).await?;
        for chunk in qs.chunks(200) {
            let rows: Vec<question::ActiveModel> = chunk
                .iter()
                .map(|q| {
                    position += 1;
                    row(
                        uuid::Uuid::now_v7().to_string(),
                        bank_id,
                        position - 1,
                        q,
                        w,
                    )
                })
                .collect();
            question::Entity::insert_many(rows)
                .exec(&w.txn)
                .await
                .on_unique(|| AppError::Conflict(CHANGED.into()))?;
        }
        Ok(())
    }

    async fn current_questions(&self, bank_id: &str) -> AppResult<Vec<question::Model>> {
        Ok(question::Entity::find()
            .filter(question::Column::BankId.eq(bank_id))
            .filter(question::Column::RetiredAt.is_null())
            .order_by_asc(question::Column::Position)
            .all(&self.db)
            .await?)
    }

    /// A bank written here, its current questions as an xlsx in the course template's
    /// columns, for its keepers (audited: the answers leave the platform). A shared bank
    /// is not exported: its questions are another centre's to share.
    pub async fn export_sheet(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        bank_id: &str,
    ) -> AppResult<Vec<u8>> {
        Self::keeper(who)?;
        let b = self.one(bank_id).await?;
        if b.origin != Origin::Local {
            return Err(AppError::Conflict(
                "共享导入的题库由原导出方共享，不能从本平台导出".into(),
            ));
        }
        let rows: Vec<Vec<String>> = self
            .current_questions(&b.id)
            .await?
            .into_iter()
            .map(|q| stored(&as_course(q)).cells())
            .collect();
        let bytes = crate::export::xlsx("题库", &SHEET_HEADERS, &rows)?;
        self.audit()
            .record_export(
                who,
                ctx,
                "question_bank",
                serde_json::json!({"bank": b.id, "version": b.version}),
                rows.len(),
            )
            .await?;
        Ok(bytes)
    }

    /// This province's centre: its code and name.
    async fn centre(&self) -> AppResult<(String, String)> {
        let code = self.province.to_string();
        let name = region::Entity::find_by_id(code.clone())
            .one(&self.db)
            .await?
            .map(|r| r.name)
            .unwrap_or_default();
        Ok((code, format!("{name}职业技能鉴定指导中心")))
    }

    /// A bank written here as a shared document for another centre (audited: the answers
    /// leave the platform). Returns a file name and the JSON.
    pub async fn export_shared(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        bank_id: &str,
    ) -> AppResult<(String, Vec<u8>)> {
        Self::keeper(who)?;
        let b = self.one(bank_id).await?;
        if b.origin != Origin::Local {
            return Err(AppError::Conflict(
                "共享导入的题库由原导出方共享，不能从本平台再次导出".into(),
            ));
        }
        let questions: Vec<Question> = self
            .current_questions(&b.id)
            .await?
            .into_iter()
            .map(|q| stored(&as_course(q)))
            .collect();
        if questions.is_empty() {
            return Err(AppError::Conflict("题库中还没有题目，无需导出".into()));
        }
        let wt = match &b.work_type_id {
            Some(id) => {
                work_type::Entity::find_by_id(id.clone())
                    .one(&self.db)
                    .await?
            }
            None => None,
        };
        let (centre_code, centre) = self.centre().await?;
        let doc = rules::document(&CheckedDocument {
            centre_code,
            centre,
            bank_id: b.id.clone(),
            version: u32::try_from(b.version).unwrap_or(1),
            exported_at: self.now().to_rfc3339(),
            name: b.name.clone(),
            occupation_code: b.occupation_code.clone(),
            work_type_code: wt.as_ref().map(|w| w.code.clone()).unwrap_or_default(),
            work_type_name: wt.as_ref().map(|w| w.name.clone()).unwrap_or_default(),
            level: b.level,
            digest: rules::digest(&questions),
            questions,
        });
        let bytes = serde_json::to_vec_pretty(&doc)
            .map_err(|e| AppError::Internal(format!("bank document: {e}")))?;
        let w = self.write(who, ctx).await?;
        w.commit(Entry::ok(
            "bank.export",
            "question_bank",
            &b.id,
            serde_json::json!({"version": b.version, "questions": doc.questions.len(), "digest": doc.digest}),
        ))
        .await?;
        Ok((
            format!("question-bank-{}-v{}.json", doc.occupation_code, b.version),
            bytes,
        ))
    }

    /// Import another centre's shared document. A bank seen before is brought to the new
    /// version (questions no longer in it are retired, new ones added); the same or an
    /// older version is refused, as is this platform's own export.
    pub async fn import_shared(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        bytes: &[u8],
    ) -> AppResult<BankView> {
        Self::keeper(who)?;
        if bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(AppError::field("file", "题库文件不能超过8MB"));
        }
        let doc: BankDocument = serde_json::from_slice(bytes).map_err(|e| {
            AppError::field(
                "file",
                format!(
                    "不是有效的共享题库文件（{}格式的JSON）：第{}行第{}列有误",
                    rules::FORMAT,
                    e.line(),
                    e.column()
                ),
            )
        })?;
        let d = rules::check_document(doc).map_err(validation)?;
        if chrono::DateTime::parse_from_rfc3339(&d.exported_at)
            .is_ok_and(|t| t > self.now() + chrono::Duration::days(1))
        {
            return Err(AppError::field("exported_at", "导出时间晚于现在，文件有误"));
        }
        let (own, _) = self.centre().await?;
        if d.centre_code == own {
            return Err(AppError::Conflict("这是本平台导出的题库，无需导入".into()));
        }
        if occupation::Entity::find_by_id(d.occupation_code.clone())
            .one(&self.db)
            .await?
            .is_none()
        {
            return Err(AppError::field(
                "occupation_code",
                format!("职业分类大典中没有职业编码{}", d.occupation_code),
            ));
        }
        let wt = if d.work_type_code.is_empty() {
            None
        } else {
            let wt = work_type::Entity::find()
                .filter(work_type::Column::Code.eq(d.work_type_code.clone()))
                .one(&self.db)
                .await?
                .ok_or_else(|| {
                    AppError::field(
                        "work_type_code",
                        format!(
                            "本省工种目录中没有工种代码{}（{}），请先添加该工种",
                            d.work_type_code, d.work_type_name
                        ),
                    )
                })?;
            if wt.occupation_code != d.occupation_code {
                return Err(AppError::field(
                    "occupation_code",
                    format!(
                        "工种{}在本省属于职业{}，文件中为{}",
                        wt.code, wt.occupation_code, d.occupation_code
                    ),
                ));
            }
            Some(wt)
        };
        let before = bank::Entity::find()
            .filter(bank::Column::SourceCentreCode.eq(d.centre_code.clone()))
            .filter(bank::Column::SourceBankId.eq(d.bank_id.clone()))
            .one(&self.db)
            .await?;
        let version = i32::try_from(d.version).unwrap_or(i32::MAX);
        if let Some(b) = &before
            && (b.occupation_code != d.occupation_code
                || b.work_type_id != wt.as_ref().map(|w| w.id.clone())
                || b.level != d.level)
        {
            return Err(AppError::field(
                "occupation_code",
                format!(
                    "此文件的职业（工种）或等级与已导入的第{}版不同，不能作为新版本导入；请导出方以新的题库编号导出",
                    b.source_version.unwrap_or(0)
                ),
            ));
        }
        if let Some(b) = &before
            && b.source_version.is_some_and(|v| v >= version)
        {
            return Err(AppError::Conflict(format!(
                "已导入该题库的第{}版，此文件为第{}版，无需再导入",
                b.source_version.unwrap_or(0),
                d.version
            )));
        }
        let w = self.write(who, ctx).await?;
        let source = |am: &mut bank::ActiveModel| {
            am.name = Set(d.name.clone());
            am.source_centre = Set(Some(d.centre.clone()));
            am.source_version = Set(Some(version));
            am.source_exported_at = Set(Some(d.exported_at.clone()));
            am.source_digest = Set(Some(d.digest.clone()));
            am.updated_at = Set(w.now);
        };
        let (id, action, added, retired) = match before {
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                let mut am = bank::ActiveModel {
                    id: Set(id.clone()),
                    occupation_code: Set(d.occupation_code.clone()),
                    work_type_id: Set(wt.as_ref().map(|w| w.id.clone())),
                    level: Set(d.level),
                    origin: Set(Origin::Shared),
                    source_centre_code: Set(Some(d.centre_code.clone())),
                    source_bank_id: Set(Some(d.bank_id.clone())),
                    version: Set(1),
                    created_by: Set(who.user_id.clone()),
                    created_at: Set(w.now),
                    ..Default::default()
                };
                source(&mut am);
                bank::Entity::insert(am)
                    .exec(&w.txn)
                    .await
                    .on_unique(|| AppError::Conflict("该题库刚被他人导入".into()))?;
                Self::insert_all(&w, &id, &d.questions).await?;
                (id, "bank.shared_import", d.questions.len(), 0)
            }
            Some(b) => {
                // Keep a question whose every field is unchanged; retire the rest.
                let now_in = self.current_questions(&b.id).await?;
                let incoming: HashMap<Vec<String>, &Question> =
                    d.questions.iter().map(|q| (q.cells(), q)).collect();
                let kept: Vec<Vec<String>> = now_in
                    .iter()
                    .map(|q| stored(&as_course(q.clone())).cells())
                    .collect();
                let retire: Vec<String> = now_in
                    .iter()
                    .zip(&kept)
                    .filter(|(_, c)| !incoming.contains_key(*c))
                    .map(|(q, _)| q.id.clone())
                    .collect();
                let add: Vec<Question> = d
                    .questions
                    .iter()
                    .filter(|q| !kept.contains(&q.cells()))
                    .cloned()
                    .collect();
                let res = bank::Entity::update_many()
                    .col_expr(bank::Column::Version, Expr::value(b.version + 1))
                    .col_expr(bank::Column::Name, Expr::value(d.name.clone()))
                    .col_expr(
                        bank::Column::SourceCentre,
                        Expr::value(Some(d.centre.clone())),
                    )
                    .col_expr(bank::Column::SourceVersion, Expr::value(Some(version)))
                    .col_expr(
                        bank::Column::SourceExportedAt,
                        Expr::value(Some(d.exported_at.clone())),
                    )
                    .col_expr(
                        bank::Column::SourceDigest,
                        Expr::value(Some(d.digest.clone())),
                    )
                    .col_expr(bank::Column::UpdatedAt, Expr::value(w.now))
                    .filter(bank::Column::Id.eq(b.id.clone()))
                    .filter(bank::Column::Version.eq(b.version))
                    .exec(&w.txn)
                    .await?;
                one_row(res, CHANGED)?;
                if !retire.is_empty() {
                    question::Entity::update_many()
                        .col_expr(question::Column::RetiredAt, Expr::value(Some(w.now)))
                        .filter(question::Column::Id.is_in(retire.clone()))
                        .exec(&w.txn)
                        .await?;
                }
                Self::insert_all(&w, &b.id, &add).await?;
                (b.id, "bank.shared_update", add.len(), retire.len())
            }
        };
        w.commit(Entry::ok(
            action,
            "question_bank",
            &id,
            serde_json::json!({
                "centre": d.centre, "centre_code": d.centre_code, "source_bank": d.bank_id,
                "source_version": d.version, "digest": d.digest, "added": added, "retired": retired,
            }),
        ))
        .await?;
        self.views(vec![self.one(&id).await?])
            .await?
            .pop()
            .ok_or(AppError::NotFound("题库"))
    }
}
