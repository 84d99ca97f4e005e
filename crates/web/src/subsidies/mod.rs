//! Training subsidies over HTTP: policies, a class's 申请补贴, the claims list and a
//! claim's review page, disbursement batches with their bank and return files, and a
//! learner's 我的补贴 with their social-security card account; `/api/v1/subsidies…` for
//! the same.

pub mod api;
pub mod pages;

use crate::routes::{Routes, limited};
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::post;
use chrono::NaiveDate;
use jineng_app::AppError;
use jineng_app::error::FieldError;
use jineng_app::subsidies::PolicyInput;
use jineng_app::subsidies::vouchers::IssueInput;
use jineng_core::Fen;
use jineng_core::subsidies::{ReviewLevel, Rules};
use jineng_core::vouchers::IssueMethod;
use std::collections::BTreeMap;
use utoipa_axum::routes;

/// The largest return file accepted (also the body limit of its routes).
pub const RETURN_FILE_LIMIT: usize = jineng_core::subsidies::MAX_RETURN_FILE_BYTES;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/subsidies", pages::hub)
        .get("/subsidies.xlsx", pages::export)
        .post("/subsidies/card-account", pages::card_account)
        .post("/subsidies/own-claims", pages::own_claim)
        .get("/subsidies/vouchers", pages::vouchers)
        .get("/subsidies/vouchers.xlsx", pages::export_vouchers)
        .post("/subsidies/vouchers/issues", pages::issue_vouchers)
        .page_with(
            Method::POST,
            "/subsidies/vouchers/list",
            post(pages::load_voucher_list).layer(DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .get(
            "/subsidies/vouchers/list-template.xlsx",
            pages::voucher_list_template,
        )
        .post("/subsidies/vouchers/{id}/use", pages::use_voucher)
        .post("/subsidies/vouchers/{id}/release", pages::release_voucher)
        .post("/subsidies/vouchers/{id}/void", pages::void_voucher)
        .post("/classes/{id}/vouchers/redeem", pages::redeem_vouchers)
        .post("/subsidies/voucher-settlements", pages::settle_vouchers)
        .post(
            "/subsidies/voucher-settlements/{id}/pay",
            pages::pay_voucher_settlement,
        )
        .get(
            "/subsidies/voucher-settlements/{id}/bank-file",
            pages::voucher_settlement_bank_file,
        )
        .get("/subsidies/policies", pages::policies)
        .post("/subsidies/policies", pages::create_policy)
        .get("/subsidies/policies/{id}", pages::policy)
        .post("/subsidies/policies/{id}/versions", pages::revise_policy)
        .post("/subsidies/policies/{id}/status", pages::policy_status)
        .get("/classes/{id}/subsidy", pages::class)
        .post("/classes/{id}/subsidy", pages::submit)
        .get("/subsidies/claims/{id}", pages::claim)
        .page_with(
            Method::POST,
            "/subsidies/claims/{id}/documents",
            post(pages::attach_document).layer(DefaultBodyLimit::max(crate::DOCUMENT_LIMIT)),
        )
        .get(
            "/subsidies/claims/{id}/documents/{doc}",
            pages::claim_document,
        )
        .post("/subsidies/claims/{id}/decision", pages::decide)
        .get("/subsidies/batches", pages::batches)
        .post("/subsidies/batches", pages::create_batch)
        .get("/subsidies/batches/{id}", pages::batch)
        .get("/subsidies/batches/{id}/file", pages::bank_file)
        .page_with(
            Method::POST,
            "/subsidies/batches/{id}/return",
            post(pages::upload_return).layer(DefaultBodyLimit::max(RETURN_FILE_LIMIT + 64 * 1024)),
        )
        .api(routes!(api::policies, api::create_policy))
        .api(routes!(api::policy))
        .api(routes!(api::revise_policy))
        .api(routes!(api::policy_status))
        .api(routes!(api::previews))
        .api(routes!(api::claims, api::submit))
        .api(routes!(api::claim))
        .api(limited(
            routes!(api::attach_document),
            crate::DOCUMENT_LIMIT,
        ))
        .api(routes!(api::claim_document))
        .api(routes!(api::decide))
        .api(routes!(api::payable))
        .api(routes!(api::batches, api::create_batch))
        .api(routes!(api::batch))
        .api(routes!(api::bank_file))
        .api(limited(routes!(api::upload_return), RETURN_FILE_LIMIT))
        .api(routes!(api::mine))
        .api(routes!(api::card_account))
        .api(routes!(api::own_previews))
        .api(routes!(api::own_claim))
        .api(routes!(api::voucher_issues, api::issue_vouchers))
        .api(routes!(api::vouchers))
        .api(routes!(api::my_vouchers))
        .api(routes!(api::use_voucher))
        .api(routes!(api::release_voucher))
        .api(routes!(api::class_vouchers))
        .api(routes!(api::redeem_vouchers))
        .api(routes!(api::void_voucher))
        .api(routes!(api::voucher_dues))
        .api(routes!(api::voucher_settlements, api::settle_vouchers))
        .api(routes!(api::pay_voucher_settlement))
        .api(routes!(api::voucher_settlement_bank_file))
}

/// A policy as typed in the form or sent to the API, before it is checked.
#[derive(Debug, Default, Clone)]
pub struct PolicyText {
    pub name: String,
    pub effective_from: String,
    /// (skill level, yuan as typed); empty yuan: the level is not covered.
    pub amounts: Vec<(u8, String)>,
    pub project_ids: Vec<String>,
    pub categories: Vec<String>,
    pub require_exam: bool,
    pub require_certificate: bool,
    pub min_online_hours: String,
    pub min_offline_hours: String,
    pub min_attendance_percent: String,
    pub yearly_cap: String,
    pub window_from: String,
    pub window_until: String,
    pub levels: Vec<String>,
    /// Claimed by learners for themselves (个人补贴).
    pub individual: bool,
    pub note: String,
}

impl PolicyText {
    /// Parse into a policy, naming every field that is wrong.
    pub fn parse(&self) -> Result<PolicyInput, AppError> {
        let mut e = Vec::new();
        if self.name.trim().is_empty() {
            e.push(FieldError::new("name", "请填写政策名称（100字以内）"));
        }
        let date = |field: &str, s: &str, e: &mut Vec<FieldError>| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| e.push(FieldError::new(field, "日期格式应为 YYYY-MM-DD")))
                .ok()
        };
        let number = |field: &str, s: &str, e: &mut Vec<FieldError>| -> u32 {
            let s = s.trim();
            if s.is_empty() {
                return 0;
            }
            s.parse().unwrap_or_else(|_| {
                e.push(FieldError::new(field, "应填写0或正整数"));
                0
            })
        };
        let mut amounts = BTreeMap::new();
        for (level, yuan) in &self.amounts {
            if yuan.trim().is_empty() {
                continue;
            }
            match Fen::parse_yuan(yuan) {
                Ok(f) => {
                    amounts.insert(*level, f);
                }
                Err(_) => e.push(FieldError::new(
                    "amounts",
                    format!(
                        "{}的补贴标准应为金额，如 1200 或 1200.50",
                        level_name(*level)
                    ),
                )),
            }
        }
        let cap = if self.yearly_cap.trim().is_empty() {
            Fen(0)
        } else {
            Fen::parse_yuan(&self.yearly_cap).unwrap_or_else(|_| {
                e.push(FieldError::new(
                    "yearly_cap",
                    "年度上限应为金额（不设上限请留空）",
                ));
                Fen(0)
            })
        };
        let mut levels = Vec::new();
        for l in &self.levels {
            match ReviewLevel::parse(l.trim()) {
                Some(l) => levels.push(l),
                None => e.push(FieldError::new("levels", format!("审核层级“{l}”不存在"))),
            }
        }
        let effective_from = date("effective_from", &self.effective_from, &mut e);
        let window_from = date("window_from", &self.window_from, &mut e);
        let window_until = date("window_until", &self.window_until, &mut e);
        let rules = Rules {
            project_ids: self
                .project_ids
                .iter()
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
            amounts,
            categories: self
                .categories
                .iter()
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect(),
            require_exam: self.require_exam,
            require_certificate: self.require_certificate,
            min_online_hours: number("min_online_hours", &self.min_online_hours, &mut e),
            min_offline_hours: number("min_offline_hours", &self.min_offline_hours, &mut e),
            min_attendance_percent: number(
                "min_attendance_percent",
                &self.min_attendance_percent,
                &mut e,
            ),
            yearly_cap: cap,
            window_from: window_from.unwrap_or_default(),
            window_until: window_until.unwrap_or_default(),
            levels,
            individual: self.individual,
        };
        match (e.is_empty(), effective_from) {
            (true, Some(effective_from)) => Ok(PolicyInput {
                name: self.name.clone(),
                effective_from,
                rules,
                note: self.note.clone(),
            }),
            _ => Err(AppError::Validation(e)),
        }
    }
}

/// A skill level's name in the policy form.
pub fn level_name(level: u8) -> &'static str {
    jineng_core::occupations::level_label(i32::from(level))
}

/// A voucher issue as typed in the form or sent to the API, before it is checked.
#[derive(Debug, Default, Clone)]
pub struct IssueText {
    pub name: String,
    /// Yuan, as typed.
    pub value: String,
    pub project_ids: Vec<String>,
    pub valid_from: String,
    pub valid_until: String,
    /// `list` or `rule`.
    pub method: String,
    pub list: String,
    pub categories: Vec<String>,
}

impl IssueText {
    /// Parse into an issue, naming every field that is wrong.
    pub fn parse(&self) -> Result<IssueInput, AppError> {
        let mut e = Vec::new();
        let value = Fen::parse_yuan(&self.value).unwrap_or_else(|_| {
            e.push(FieldError::new("value", "面额应为金额，如 800 或 800.50"));
            Fen(0)
        });
        let date = |field: &str, s: &str, e: &mut Vec<FieldError>| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| e.push(FieldError::new(field, "日期格式应为 YYYY-MM-DD")))
                .ok()
        };
        let from = date("valid_from", &self.valid_from, &mut e);
        let until = date("valid_until", &self.valid_until, &mut e);
        let method = IssueMethod::parse(self.method.trim());
        if method.is_none() {
            e.push(FieldError::new(
                "method",
                "发放方式应为 list（名单）或 rule（按人员类别）",
            ));
        }
        if method == Some(IssueMethod::List) && self.list.trim().is_empty() {
            e.push(FieldError::new(
                "list",
                "请填写发放名单：每行“身份证号,姓名”",
            ));
        }
        let clean = |v: &[String]| -> Vec<String> {
            v.iter()
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        };
        match (e.is_empty(), method, from, until) {
            (true, Some(method), Some(valid_from), Some(valid_until)) => Ok(IssueInput {
                name: self.name.clone(),
                value,
                project_ids: clean(&self.project_ids),
                valid_from,
                valid_until,
                method,
                list: if method == IssueMethod::List {
                    self.list.clone()
                } else {
                    String::new()
                },
                categories: if method == IssueMethod::Rule {
                    clean(&self.categories)
                } else {
                    vec![]
                },
            }),
            _ => Err(AppError::Validation(e)),
        }
    }
}
