//! The role matrix: every route of `jineng_web::route_table()` × every demo account (and
//! nobody signed in) × a record inside and a record outside the account's region or
//! organisation, wherever the path names a record.
//!
//! `rules()` holds one row per route: who may use it, what kind of record its path
//! parameters name, and a realistic, well-formed body. A route without a row, or a row
//! without a route, fails the test — so a new route is covered from the day it is added.
//! Bodies are chosen so that a permitted caller does not change the fixture (a state
//! conflict, a duplicate); where a write has to succeed, the record is made fresh for it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{PW, Resp, TestApp, credit_code, id, pdf, xlsx};
use axum::body::Body as HttpBody;
use axum::http::{Method, Request, StatusCode, header};
use jineng_app::accounts::users::NewUser;
use jineng_app::page::PageRequest;
use jineng_app::{App, Principal, RequestCtx};
use jineng_core::accounts::Role;
use jineng_core::classes::{ApplicationStatus, ClassAction, Delivery};
use jineng_core::review::{Decision, ReviewStatus};
use jineng_core::{Fen, IdNumber, RegionCode};
use jineng_web::routes::{Route, Surface};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

// ---------------------------------------------------------------------------------------
// Who is who: the demo accounts and the groups the permission model
// (`jineng_core::accounts::Role::allows`) makes of them.
// ---------------------------------------------------------------------------------------

const ACCOUNTS: [&str; 22] = [
    "admin",
    "operator",
    "viewer",
    "auditor",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
    "institution",
    "enterprise",
    "jz_institution",
    "zy_institution",
    "teacher",
    "provider",
    "provider_b",
    "expert",
    "expert_leader",
    "service",
    "learner",
    "learner_yy",
    "learner_zy",
];

/// `ViewAccounts`: the four platform administrators and every regulator (by region).
const VIEW_ACCOUNTS: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "auditor",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
];
/// `ManageAccounts`.
const MANAGE_ACCOUNTS: &[&str] = &["admin", "operator"];
/// `ViewAudit` (whole-platform scope only).
const VIEW_AUDIT: &[&str] = &["admin", "auditor"];
/// `ViewOrganizations` (and the same holders of `ViewLearners`): administrators who see
/// data, regulators, and the staff of institutions and enterprises.
const VIEW_ORGS: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
    "institution",
    "enterprise",
    "jz_institution",
    "zy_institution",
];
/// `ReviewOrganizations`: the system admin and regulators.
const REVIEWERS: &[&str] = &[
    "admin",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
];
/// The inbox: `ReviewOrganizations` or `ReviewProviders`.
const INBOX: &[&str] = &[
    "admin",
    "operator",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
];
/// `ManageCatalogue`; a regulator only with a province-level grant.
const CATALOGUE: &[&str] = &["admin", "operator", "gz_regulator"];
/// `ManageCatalogue` at any level: province banks are read by every regulator.
const BANK_READERS: &[&str] = &[
    "admin",
    "operator",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
];
/// Organisation pages without a record: those who see organisations, and a course
/// provider's staff (their own registration).
const ORG_PAGES: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
    "institution",
    "enterprise",
    "jz_institution",
    "zy_institution",
    "provider",
    "provider_b",
];
/// `ManageOwnOrganization` with an organisation to act for (the system admin holds the
/// permission but works for no organisation).
const ORG_STAFF: &[&str] = &[
    "institution",
    "enterprise",
    "jz_institution",
    "zy_institution",
];
/// Keep a seal image for certificates: regulators (their department's) and the staff of
/// organisations that train (their own).
const SEAL_KEEPERS: &[&str] = &[
    "admin",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
    "institution",
    "enterprise",
    "jz_institution",
    "zy_institution",
];
/// `ImportLearners`: import jobs are seen by the system admin and the importing staff.
const IMPORT_VIEW: &[&str] = &[
    "admin",
    "institution",
    "enterprise",
    "jz_institution",
    "zy_institution",
];
/// Roles offered a TOTP second factor (administrators and regulators).
const TOTP: &[&str] = VIEW_ACCOUNTS;
/// `ManageSettings`.
const SETTINGS: &[&str] = &["admin"];
/// `ViewLedgerHealth`: the system admin, the auditor and every regulator.
const LEDGER_HEALTH: &[&str] = &[
    "admin",
    "auditor",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
];
/// Who may revoke a certificate: the issuer's staff and regulators (with the system
/// admin), each within their scope.
const REVOKERS: &[&str] = &[
    "admin",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
    "institution",
    "enterprise",
    "jz_institution",
    "zy_institution",
];
/// The learner role.
const LEARNERS: &[&str] = &["learner", "learner_yy", "learner_zy"];
/// `ViewSubsidies`: administrators who see data, regulators, institutions and enterprises.
const VIEW_SUBSIDIES: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
    "institution",
    "enterprise",
    "jz_institution",
    "zy_institution",
];
/// 培训补贴 / 我的补贴: those who see claims, and learners (their own subsidies).
const SUBSIDY_HUB: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
    "institution",
    "enterprise",
    "jz_institution",
    "zy_institution",
    "learner",
    "learner_yy",
    "learner_zy",
];
/// `ManageSubsidyPolicies` province-wide: the system admin and the province regulator.
const POLICY_KEEPERS: &[&str] = &["admin", "gz_regulator"];
/// `ClaimSubsidies`: the system admin and the staff of institutions and enterprises.
const CLAIMANTS: &[&str] = &[
    "admin",
    "institution",
    "enterprise",
    "jz_institution",
    "zy_institution",
];
/// `ReviewSubsidies`: the system admin and regulators (each at its own level).
const SUBSIDY_REVIEWERS: &[&str] = &[
    "admin",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
];
/// Disbursement batches are seen province-wide: administrators who see data and the
/// province regulator.
const BATCH_READERS: &[&str] = &["admin", "operator", "viewer", "gz_regulator"];
/// `DisburseSubsidies` province-wide.
const DISBURSERS: &[&str] = &["admin", "gz_regulator"];
/// Voucher settlements: those who see batches, and each claimant organisation its own.
/// `ManageListings` province-wide: who moderates ratings and reads the quality list.
const RATING_MODERATORS: &[&str] = &["admin", "operator", "gz_regulator"];
/// `RunSolicitations` province-wide: the platform's operators and the province's regulator.
const SOL_RUNNERS: &[&str] = &["admin", "operator", "gz_regulator"];
/// `ApplySolicitations` with an organisation: the course providers.
const SOL_APPLICANTS: &[&str] = &["provider", "provider_b"];
/// The admissions list: those who run campaigns and the providers (their own).
const SOL_ADMISSIONS: &[&str] = &[
    "admin",
    "operator",
    "gz_regulator",
    "provider",
    "provider_b",
];
/// Who reads `provider`'s admitted application: those who run the campaign, the provider,
/// the campaign's expert.
const SOL_APPLICATION: &[&str] = &["admin", "operator", "gz_regulator", "provider", "expert"];
/// `UseOpenApi`: the course providers (only the admitted one may make keys).
const OPEN_API: &[&str] = &["provider", "provider_b"];
/// Experts of the pool.
const SOL_EXPERTS: &[&str] = &["expert", "expert_leader"];
const VOUCHER_SETTLEMENT_READERS: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "institution",
    "enterprise",
    "jz_institution",
    "zy_institution",
];
/// Attendance sheets: `ViewOrganizations`, or a teacher booked into the class.
const SHEET: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
    "institution",
    "enterprise",
    "jz_institution",
    "zy_institution",
    "teacher",
];
/// Marking attendance: the class's own staff, or a teacher booked into it.
const MARKERS: &[&str] = &[
    "institution",
    "enterprise",
    "jz_institution",
    "zy_institution",
    "teacher",
];

// Who has a record in scope.

/// Records of 南明职业技能培训学校 (`institution`, 南明区 520102).
const NM_ORG: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "institution",
];
/// A certificate of the 南明 institution's class held by `learner`: those who see the
/// organisation's records, and the holder.
const NM_CERTIFICATE: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "institution",
    "learner",
];
/// The 南明 class the demo teacher is booked into: its organisation's records, and the
/// teacher.
const NM_TAUGHT: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "institution",
    "teacher",
];
/// `ViewOrders`: administrators who see data, regulators, the staff of organisations
/// that buy (institutions, enterprises) and of those that sell (course providers).
const VIEW_ORDERS: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
    "institution",
    "enterprise",
    "jz_institution",
    "zy_institution",
    "provider",
    "provider_b",
];
/// The staff of course providers (who issue the invoices of their sales).
const SELLERS: &[&str] = &["provider", "provider_b"];
/// Settlement statements: those who settle, and the staff of organisations that write
/// courses (`ManageCourses`; providers, and institutions for their own courses).
const STATEMENT_READERS: &[&str] = &[
    "admin",
    "operator",
    "provider",
    "provider_b",
    "institution",
    "jz_institution",
    "zy_institution",
];
/// `SettleOrders`: the system admin and operators.
const SETTLE: &[&str] = &["admin", "operator"];
/// The 南明 order: all-seeing administrators, the regulators over 南明区, the buyer and
/// the seller.
const ORDER_NM: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "institution",
    "provider",
];
/// The 云岩 order: the same for 云岩区, its buyer (the enterprise) and `provider_b`.
const ORDER_YY: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "yy_regulator",
    "enterprise",
    "provider_b",
];
/// `ImportCertificates`: regulators and the system admin.
const IMPORT_CERTIFICATES: &[&str] = REVIEWERS;
/// Score sheets: `ViewOrganizations`, or a teacher booked into the class.
const ASSESSMENT_VIEW: &[&str] = SHEET;
/// Entering scores: the class's own staff, or a teacher booked into it.
const ASSESSORS: &[&str] = MARKERS;
/// Records of 云岩制造有限公司 (`enterprise`, 云岩区 520103).
const YY_ORG: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "yy_regulator",
    "enterprise",
];
/// Records of 汇川区技工培训学校 (`zy_institution`, 汇川区 520303, 遵义).
const ZY_ORG: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "zy_regulator",
    "zy_institution",
];
/// An account registered in 南明区.
const NM_ACCOUNT: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "auditor",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
];
/// An account registered in 云岩区.
const YY_ACCOUNT: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "auditor",
    "gz_regulator",
    "gy_regulator",
    "yy_regulator",
];
/// A session of the 南明 class: its organisation and regulators, the teacher booked into
/// it and the learner enrolled in it.
const NM_SESSION: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "institution",
    "teacher",
    "learner",
];
/// `learner`'s application to a 南明 class.
const NM_APPLICATION: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "institution",
    "learner",
];
/// `learner_yy`'s application to the enterprise's class.
const YY_APPLICATION: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "yy_regulator",
    "enterprise",
    "learner_yy",
];
/// Import jobs are scoped by `ImportLearners`: the system admin and the importer.
const NM_IMPORT: &[&str] = &["admin", "institution"];
const YY_IMPORT: &[&str] = &["admin", "enterprise"];
const NOBODY: &[&str] = &[];
/// `ViewCourses`: administrators who see data, regulators, institutions and providers.
const VIEW_COURSES: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
    "institution",
    "jz_institution",
    "zy_institution",
    "provider",
    "provider_b",
];
/// `ManageCourses` with an organisation that may publish (institutions for their own
/// courses, providers).
const COURSE_WRITERS: &[&str] = &[
    "institution",
    "jz_institution",
    "zy_institution",
    "provider",
    "provider_b",
];
/// `ReviewCourses`: the system admin, regulators, experts and group leaders.
const REVIEW_COURSES: &[&str] = &[
    "admin",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
    "expert",
    "expert_leader",
];
/// Who sees a version under review: those who see packages, and the reviewers of a
/// course's review (everyone who may see it may also answer, if only "not your level").
const REVIEW_VIEWERS: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
    "institution",
    "jz_institution",
    "zy_institution",
    "provider",
    "provider_b",
    "expert",
    "expert_leader",
];
/// `ManageExperts`, province-wide: the system admin, operators and the province's
/// regulator.
const MANAGE_EXPERTS: &[&str] = &["admin", "operator", "gz_regulator"];
/// `ManageListings`: the system admin, operators and regulators (in their region).
const MANAGE_LISTINGS: &[&str] = &[
    "admin",
    "operator",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "yy_regulator",
    "zy_regulator",
];
/// `ReviewProviders`: the system admin and operators.
const OPERATORS: &[&str] = &["admin", "operator"];
/// The provider's packages (南明区).
const PKG_NM: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "provider",
];
/// 汇川区 institution's own course (遵义).
const PKG_ZY: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "zy_regulator",
    "zy_institution",
];
/// A version in review is seen by its package's viewers and by the experts of the group
/// whose scope covers it.
const REVIEW_NM: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "gy_regulator",
    "nm_regulator",
    "provider",
    "expert",
    "expert_leader",
];
const REVIEW_ZY: &[&str] = &[
    "admin",
    "operator",
    "viewer",
    "gz_regulator",
    "zy_regulator",
    "zy_institution",
    "expert",
    "expert_leader",
];

// ---------------------------------------------------------------------------------------
// The table.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Who {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in account.
    Signed,
    /// These demo accounts.
    Only(&'static [&'static str]),
    /// Machine clients with a signed request; every account and anonymous caller gets 401.
    Machine,
    /// Files behind a URL signed for one viewer (HLS, document pages): the signature is
    /// the permission, so without one everybody gets the same bare 404.
    SignedUrl,
    /// The proxy's check of a signed segment URL (`/hls-auth`, ops/nginx): without a
    /// signed `X-Original-URI` everybody gets the same bare 403.
    ProxyCheck,
}

impl Who {
    fn allows(self, who: &str) -> bool {
        match self {
            Who::Public | Who::Signed => true,
            Who::Only(list) => list.contains(&who),
            Who::Machine | Who::SignedUrl | Who::ProxyCheck => false,
        }
    }
}

/// What the path's parameters name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Rec {
    None,
    /// `{id}`: an account (南明区 / 云岩区).
    Account,
    /// An account made for the one call that may succeed (revoking its role).
    FreshAccount,
    /// `{id}`: an institution or enterprise (南明 institution / 云岩 enterprise).
    Org,
    /// `{id}`, `{doc}`: a registration document of that organisation.
    Document,
    /// A document uploaded for the one call that may remove it.
    FreshDocument,
    /// `{id}`: an approved occupation declaration (南明 / 遵义).
    Declaration,
    /// `{id}`: a completed class (南明 / 云岩).
    Class,
    /// `{id}`: a class still recruiting (南明 / 云岩).
    RecruitingClass,
    /// `{id}`, `{user_id}`: the completed class and a learner of it.
    ClassLearner,
    /// `{id}`: a spot check of the completed class's study records, drawn by its county's
    /// regulator (南明 / 云岩).
    SpotCheck,
    /// `{id}`: a session of the completed class.
    Session,
    /// `{id}`: the completed class, into which the demo teacher is booked (南明 / 云岩).
    TaughtClass,
    /// `{id}`: an application already decided (`learner`'s accepted, `learner_yy`'s rejected).
    Application,
    /// `{id}` / `{link_id}`: 王老师 in an institution's pool, approved (南明 / 遵义).
    TeacherLink,
    /// `{id}`: a finished learner import (the 南明 institution's, refused for a bad row /
    /// the 云岩 enterprise's).
    ImportJob,
    /// `{id}`: a learner imported by the organisation (南明 / 云岩).
    Learner,
    /// `{id}`: a catalogue project published for the one call that may withdraw it.
    FreshProject,
    /// `{code}`: an occupation of the classification.
    Occupation,
    /// `{id}`: an API token: the caller's own (made for the call) / someone else's.
    OwnToken,
    /// `{id}`: a study session: the caller's own (opened for the call) / someone else's.
    OwnStudySession,
    /// `{id}`: a background job that has not failed.
    Job,
    /// `{dataset}`: an exchange dataset.
    Dataset,
    /// `{org_id}`: an organisation asking the caller to join its learners (made for the
    /// call) / one that never asked.
    Invitation,
    /// `{id}`: an exchange client made for the one call that may revoke it.
    FreshClient,
    /// `{id}`: a course package (the provider's, 南明区 / 汇川区 institution's own course).
    CoursePackage,
    /// `{id}`: the draft version of that package.
    CourseVersion,
    /// `{id}`: a version of another package of the same owner, waiting at review level 1.
    ReviewVersion,
    /// `{id}`: an expert of the pool.
    Expert,
    /// `{id}`: a video upload into the draft (the provider's / 汇川区 institution's), its
    /// one chunk not yet sent.
    Upload,
    /// `{id}`: an expert of the pool made for the one call that may remove it.
    FreshExpert,
    /// `{id}`: an empty expert group made for the one call that may delete it.
    FreshGroup,
    /// `{id}`: an unfinished upload made for the one call that may give it up (the
    /// provider's / the 汇川区 institution's).
    FreshUpload,
    /// `{id}`: a free-preview lesson of a listed package.
    PreviewLesson,
    /// `{id}`: a listed package.
    ListedPackage,
    /// `{id}`: an exam of the completed class (南明 / 云岩).
    Exam,
    /// `{id}`: the same exam, to start: `learner` is enrolled in the 南明 class / nobody
    /// who signs in is in the 云岩 one.
    ExamToTake,
    /// `{id}`, `{position}`: an exam attempt: the caller's own, open (made for the call) /
    /// someone else's.
    OwnAttempt,
    /// `{id}`: an exam nobody has started, made for the one call that may withdraw it
    /// (南明 / 云岩 class).
    FreshExam,
    /// `{id}`: a certificate of the completed class: the 南明 institution's, held by
    /// `learner` / the 云岩 enterprise's, held by a learner no caller signs in as.
    Certificate,
    /// `{id}`: such a certificate, issued for the one call that may revoke it.
    FreshCertificate,
    /// `{number}`: the 南明 certificate's number (public verification).
    CertNumber,
    /// `{id}`: a province question bank written here, with one question.
    Bank,
    /// `{id}`, `{question}`: that bank and a question added for the one call that may
    /// retire it.
    FreshBankQuestion,
    /// `{id}`: a paid course order of the completed class: the 南明 institution's, sold by
    /// `provider` / the 云岩 enterprise's, sold by `provider_b`. It has no free seat.
    Order,
    /// `{id}`: a refund request of the 南明 order, already rejected.
    Refund,
    /// `{trade_no}`: a closed sandbox trade of that order (南明 / 云岩).
    Trade,
    /// `{id}`: an invoice of that order, issued and then reversed (both files kept), so
    /// nothing more can be done with it (南明 by `provider` / 云岩 by `provider_b`).
    Invoice,
    /// `{id}`: a settlement statement already paid out: `provider`'s / `provider_b`'s.
    Settlement,
    /// `{id}`: a reconciled day of the sandbox channel.
    Reconciliation,
    /// `{id}`: a difference of that day, already resolved.
    ReconDifference,
    /// `{id}`: the province's subsidy policy (enabled).
    SubsidyPolicy,
    /// `{id}`: a subsidy claim for the completed class, waiting at the county (南明 /
    /// 云岩).
    Claim,
    /// `{id}`: a disbursement batch with its bank file, answered.
    Batch,
    /// `{id}`: an unused training voucher: `learner`'s / someone else's.
    Voucher,
    /// `{id}`, `{doc}`: a document attached to the claim (南明 / 云岩).
    ClaimDocument,
    /// `{id}`: a voucher settlement of `institution`'s, already paid.
    VoucherSettlement,
    /// `{id}`: a closed solicitation campaign (`expert` was its roadshow expert).
    Campaign,
    /// `{id}`, `{file}`: that campaign and its published document.
    CampaignFile,
    /// `{id}`, `{expert}`: that campaign and its expert.
    CampaignExpert,
    /// `{id}`: `provider`'s application to it, admitted.
    SolApplication,
    /// `{id}`: an objection to its notice, answered.
    Objection,
    /// `{id}`: `provider`'s admission through it, active.
    Admission,
    /// `{id}`: `learner`'s rating of the listed package (`provider`'s).
    Rating,
    /// `{id}`: an open-API key of `provider`, made for the one call that may revoke it.
    FreshApiKey,
    /// `{id}`: an event for `provider`'s webhook.
    WebhookEvent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Variant {
    /// In 南明区 / the caller's own.
    In,
    /// In another region and organisation.
    Out,
    /// The record kind has no scope.
    Only,
}

impl Rec {
    fn variants(self) -> &'static [Variant] {
        match self {
            Rec::None
            | Rec::FreshProject
            | Rec::Occupation
            | Rec::Job
            | Rec::Dataset
            | Rec::FreshClient
            | Rec::Expert
            | Rec::FreshExpert
            | Rec::FreshGroup
            | Rec::PreviewLesson
            | Rec::ListedPackage
            | Rec::CertNumber
            | Rec::Bank
            | Rec::FreshBankQuestion
            | Rec::Refund
            | Rec::SubsidyPolicy
            | Rec::Batch
            | Rec::VoucherSettlement
            | Rec::Campaign
            | Rec::CampaignFile
            | Rec::CampaignExpert
            | Rec::SolApplication
            | Rec::Objection
            | Rec::Admission
            | Rec::Rating
            | Rec::FreshApiKey
            | Rec::WebhookEvent
            | Rec::Reconciliation
            | Rec::ReconDifference => &[Variant::Only],
            _ => &[Variant::In, Variant::Out],
        }
    }

    /// The accounts that have this record in scope.
    fn scope(self, v: Variant) -> &'static [&'static str] {
        use Variant::{In, Out};
        match (self, v) {
            (_, Variant::Only) => &ACCOUNTS,
            (Rec::Account | Rec::FreshAccount, In) => NM_ACCOUNT,
            (Rec::Account | Rec::FreshAccount, Out) => YY_ACCOUNT,
            (
                Rec::Org
                | Rec::Document
                | Rec::FreshDocument
                | Rec::Class
                | Rec::ClassLearner
                | Rec::RecruitingClass
                | Rec::Learner,
                In,
            ) => NM_ORG,
            (
                Rec::Org
                | Rec::Document
                | Rec::FreshDocument
                | Rec::Class
                | Rec::ClassLearner
                | Rec::RecruitingClass
                | Rec::Learner,
                Out,
            ) => YY_ORG,
            // The regulator who drew it decides it; the class's organisation acknowledges.
            (Rec::SpotCheck, In) => &["nm_regulator", "institution"],
            (Rec::SpotCheck, Out) => &["yy_regulator", "enterprise"],
            (Rec::Declaration | Rec::TeacherLink, In) => NM_ORG,
            (Rec::Declaration | Rec::TeacherLink, Out) => ZY_ORG,
            (Rec::Session, In) => NM_SESSION,
            (Rec::TaughtClass, In) => NM_TAUGHT,
            (Rec::TaughtClass, Out) => YY_ORG,
            (Rec::Session, Out) => YY_ORG,
            (Rec::Application, In) => NM_APPLICATION,
            (Rec::Application, Out) => YY_APPLICATION,
            (Rec::ImportJob, In) => NM_IMPORT,
            (Rec::ImportJob, Out) => YY_IMPORT,
            // Everyone's own token is in their scope; someone else's in nobody's.
            (Rec::OwnToken | Rec::OwnStudySession | Rec::OwnAttempt, In) => &ACCOUNTS,
            (Rec::OwnToken | Rec::OwnStudySession | Rec::OwnAttempt, Out) => NOBODY,
            (Rec::Exam | Rec::FreshExam, In) => NM_ORG,
            (Rec::Exam | Rec::FreshExam | Rec::Certificate | Rec::FreshCertificate, Out) => YY_ORG,
            (Rec::Certificate | Rec::FreshCertificate, In) => NM_CERTIFICATE,
            (Rec::ExamToTake | Rec::Voucher, In) => &["learner"],
            (Rec::ExamToTake | Rec::Voucher, Out) => NOBODY,
            // Only the person asked can answer; an organisation that never asked, nobody.
            (Rec::Invitation, In) => LEARNERS,
            (Rec::Invitation, Out) => NOBODY,
            (Rec::CoursePackage | Rec::CourseVersion, In) => PKG_NM,
            (Rec::CoursePackage | Rec::CourseVersion, Out) => PKG_ZY,
            (Rec::Upload | Rec::FreshUpload, In) => &["provider"],
            (Rec::Upload | Rec::FreshUpload, Out) => &["zy_institution"],
            (Rec::ReviewVersion, In) => REVIEW_NM,
            (Rec::ReviewVersion, Out) => REVIEW_ZY,
            (
                Rec::None
                | Rec::FreshProject
                | Rec::Occupation
                | Rec::Job
                | Rec::Dataset
                | Rec::FreshClient
                | Rec::Expert
                | Rec::FreshExpert
                | Rec::FreshGroup
                | Rec::PreviewLesson
                | Rec::ListedPackage
                | Rec::CertNumber
                | Rec::Bank
                | Rec::FreshBankQuestion
                | Rec::Refund
                | Rec::SubsidyPolicy
                | Rec::Batch
                | Rec::VoucherSettlement
                | Rec::Campaign
                | Rec::CampaignFile
                | Rec::CampaignExpert
                | Rec::SolApplication
                | Rec::Objection
                | Rec::Admission
                | Rec::Rating
                | Rec::FreshApiKey
                | Rec::WebhookEvent
                | Rec::Reconciliation
                | Rec::ReconDifference,
                In | Out,
            ) => &ACCOUNTS,
            (Rec::Claim | Rec::ClaimDocument, In) => NM_ORG,
            (Rec::Claim | Rec::ClaimDocument, Out) => YY_ORG,
            (Rec::Order | Rec::Invoice, In) => ORDER_NM,
            (Rec::Order | Rec::Invoice, Out) => ORDER_YY,
            (Rec::Settlement, In) => &["admin", "operator", "provider"],
            (Rec::Settlement, Out) => &["admin", "operator", "provider_b"],
            (Rec::Trade, In) => &["institution"],
            (Rec::Trade, Out) => &["enterprise"],
        }
    }
}

/// A campaign with well-formed dates and an empty title: refused (422) for those who run
/// campaigns, after the permission check (403) for everyone else.
const SOL_CAMPAIGN: &str = r#"{"title":"","wanted":"x","requirements":"x","opens_on":"2030-01-01","closes_on":"2030-01-10","correct_days":5,"notice_days":7,"sheet":"内容,100,100","trim_from":5}"#;

/// A policy with nothing filled in: refused (422) for those who may write one.
const EMPTY_POLICY: &str = r#"{"name":"","effective_from":"","amounts_yuan":{},"window_from":"","window_until":"","levels":[]}"#;

#[derive(Debug, Clone, Copy)]
enum Blob {
    /// A small, well-formed PDF (a scanned licence).
    Pdf,
    /// The learner import template with no rows filled in.
    EmptyTemplate,
}

impl Blob {
    fn bytes(self) -> Vec<u8> {
        match self {
            Blob::Pdf => pdf(),
            Blob::EmptyTemplate => xlsx(&[]),
        }
    }
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A request body; `@name@` is replaced by the fixture's value of `name`.
#[derive(Debug, Clone)]
enum Body {
    None,
    Form(&'static [(&'static str, &'static str)]),
    Json(&'static str),
    /// Form fields and one file: (field, filename, content type, content).
    Multipart(
        &'static [(&'static str, &'static str)],
        (&'static str, &'static str, &'static str, Blob),
    ),
    /// The file itself as the body (API uploads).
    Raw(&'static str, Blob),
}

#[derive(Debug, Clone)]
struct Rule {
    surface: Surface,
    method: Method,
    path: &'static str,
    who: Who,
    rec: Rec,
    body: Body,
    /// Path parameters the record does not give (`{action}`).
    params: &'static [(&'static str, &'static str)],
    query: &'static str,
    /// Permitted callers may use it on any record of the kind, in scope or not.
    any_record: bool,
    /// Sending the caller to /login is this route's answer (signing out, the TOTP step).
    login_redirect_ok: bool,
    /// Needs a session of its own (it ends the session).
    fresh_session: bool,
}

fn rule(surface: Surface, method: Method, path: &'static str, who: Who) -> Rule {
    Rule {
        surface,
        method,
        path,
        who,
        rec: Rec::None,
        body: Body::None,
        params: &[],
        query: "",
        any_record: false,
        login_redirect_ok: false,
        fresh_session: false,
    }
}

fn page(method: Method, path: &'static str, who: Who) -> Rule {
    rule(Surface::Page, method, path, who)
}

fn api(method: Method, path: &'static str, who: Who) -> Rule {
    rule(Surface::Api, method, path, who)
}

impl Rule {
    fn rec(mut self, r: Rec) -> Self {
        self.rec = r;
        self
    }
    fn form(mut self, f: &'static [(&'static str, &'static str)]) -> Self {
        self.body = Body::Form(f);
        self
    }
    fn json(mut self, j: &'static str) -> Self {
        self.body = Body::Json(j);
        self
    }
    fn body(mut self, b: Body) -> Self {
        self.body = b;
        self
    }
    fn param(mut self, p: &'static [(&'static str, &'static str)]) -> Self {
        self.params = p;
        self
    }
    fn query(mut self, q: &'static str) -> Self {
        self.query = q;
        self
    }
    fn any_record(mut self) -> Self {
        self.any_record = true;
        self
    }
    fn login_redirect_ok(mut self) -> Self {
        self.login_redirect_ok = true;
        self
    }
    fn fresh_session(mut self) -> Self {
        self.fresh_session = true;
        self
    }
    fn key(&self) -> String {
        format!("{:?} {} {}", self.surface, self.method, self.path)
    }
}

use Method as M;
use Who::{Machine, Only, ProxyCheck, Public, Signed, SignedUrl};

const ORG_FORM: &[(&str, &str)] = &[
    ("kind", "institution"),
    ("name", "南明职业技能培训学校"),
    ("credit_code", "@nm_credit@"),
    ("region_code", "520102"),
    ("address", "贵阳市南明区花果园（矩阵测试）"),
    ("legal_rep_name", "周明"),
    ("legal_rep_id", "@nm_rep_id@"),
    ("contact_name", "周明"),
    ("contact_phone", "13900000001"),
    ("nature", "private"),
    ("institution_type", "ordinary"),
    ("bank_name", "中国工商银行贵阳分行"),
    ("bank_account_name", "南明职业技能培训学校"),
    ("bank_account", "622202419750101"),
    ("training_scale", "500"),
    ("site_area", "800"),
    ("licence_no", "黔人社培字矩阵号"),
    ("valid_from", "2024-01-01"),
    ("valid_until", "2028-12-31"),
];

const REGISTER_FORM: &[(&str, &str)] = &[
    ("kind", "institution"),
    ("name", "南明职业技能培训学校"),
    ("credit_code", "@nm_credit@"),
    ("region_code", "520102"),
    ("address", "贵阳市南明区花果园（矩阵测试）"),
    ("legal_rep_name", "周明"),
    ("legal_rep_id", "@nm_rep_id@"),
    ("contact_name", "周明"),
    ("contact_phone", "13900000001"),
    ("nature", "private"),
    ("institution_type", "ordinary"),
    ("bank_name", "中国工商银行贵阳分行"),
    ("bank_account_name", "南明职业技能培训学校"),
    ("bank_account", "622202419750101"),
    ("training_scale", "500"),
    ("site_area", "800"),
    ("admin_username", "institution"),
    ("admin_password", "Matrix#2027"),
    ("admin_name", "重复注册"),
];

const ORG_JSON: &str = r#"{"kind": "institution", "name": "南明职业技能培训学校", "credit_code": "@nm_credit@", "region_code": "520102", "address": "贵阳市南明区花果园（矩阵测试）", "legal_rep_name": "周明", "legal_rep_id": "@nm_rep_id@", "contact_name": "周明", "contact_phone": "13900000001", "nature": "private", "institution_type": "ordinary", "bank_name": "中国工商银行贵阳分行", "bank_account_name": "南明职业技能培训学校", "bank_account": "622202419750101", "training_scale": 500, "site_area": 800, "licence_no": "黔人社培字矩阵号", "valid_from": "2024-01-01", "valid_until": "2028-12-31"}"#;

const REGISTER_JSON: &str = r#"{"org": {"kind": "institution", "name": "南明职业技能培训学校", "credit_code": "@nm_credit@", "region_code": "520102", "address": "贵阳市南明区花果园（矩阵测试）", "legal_rep_name": "周明", "legal_rep_id": "@nm_rep_id@", "contact_name": "周明", "contact_phone": "13900000001", "nature": "private", "institution_type": "ordinary", "bank_name": "中国工商银行贵阳分行", "bank_account_name": "南明职业技能培训学校", "bank_account": "622202419750101", "valid_from": null, "valid_until": null}, "admin": {"username": "institution", "password": "Matrix#2027", "display_name": "重复注册"}}"#;

/// One row per route. Groups and record kinds are defined above; bodies are realistic,
/// and for permitted callers end in a state conflict or a duplicate where they can.
fn rules() -> Vec<Rule> {
    vec![
        // --- Frame and sign-in -------------------------------------------------------
        page(M::GET, "/api/docs", Public),
        page(M::GET, "/", Signed),
        page(M::GET, "/login", Public),
        // Signs a fixture account in (a throwaway browser keeps the caller's session).
        page(M::POST, "/login", Public).form(&[
            ("login", "m_nm"),
            ("password", PW),
            ("next", "/"),
        ]),
        // The TOTP step exists only while a sign-in waits for its code; anyone else is
        // sent home or back to /login.
        page(M::GET, "/login/totp", Public).login_redirect_ok(),
        page(M::POST, "/login/totp", Public)
            .form(&[("code", "123456")])
            .login_redirect_ok(),
        // Signing out ends in /login for everyone, signed in or not.
        page(M::POST, "/logout", Public)
            .login_redirect_ok()
            .fresh_session(),
        // --- One's own account -------------------------------------------------------
        page(M::GET, "/account", Signed),
        page(M::GET, "/account/password", Signed),
        page(M::POST, "/account/password", Signed).form(&[
            ("old_password", "Wrong#Pass2026"),
            ("new_password", "Matrix#2027"),
            ("confirm_password", "Matrix#2027"),
        ]),
        page(M::GET, "/account/totp", Only(TOTP)),
        page(M::POST, "/account/totp/start", Only(TOTP)),
        page(M::POST, "/account/totp", Only(TOTP)).form(&[("code", "123456")]),
        page(M::POST, "/account/tokens", Signed).form(&[("name", "矩阵令牌"), ("days", "30")]),
        page(M::POST, "/account/tokens/{id}/revoke", Signed).rec(Rec::OwnToken),
        // --- Account administration --------------------------------------------------
        page(M::GET, "/admin/users", Only(VIEW_ACCOUNTS)),
        page(M::GET, "/admin/users/export", Only(VIEW_ACCOUNTS)),
        page(M::GET, "/admin/users/new", Only(MANAGE_ACCOUNTS)),
        page(M::POST, "/admin/users/new", Only(MANAGE_ACCOUNTS)).form(&[
            ("username", "learner"),
            ("display_name", "重复账户"),
            ("password", "Matrix#2027"),
            ("region_code", "520102"),
            ("role", "learner"),
        ]),
        page(M::GET, "/admin/users/{id}", Only(VIEW_ACCOUNTS)).rec(Rec::Account),
        page(M::POST, "/admin/users/{id}/{action}", Only(MANAGE_ACCOUNTS))
            .rec(Rec::Account)
            .param(&[("action", "grant")])
            .form(&[("role", "learner")]),
        api(M::GET, "/api/v1/me", Signed),
        api(M::GET, "/api/v1/regions", Signed),
        api(M::GET, "/api/v1/users", Only(VIEW_ACCOUNTS)),
        api(M::POST, "/api/v1/users", Only(MANAGE_ACCOUNTS)).json(
            r#"{"username": "learner", "display_name": "重复账户", "password": "Matrix#2027", "region_code": "520102", "roles": [{"role": "learner"}]}"#,
        ),
        api(M::GET, "/api/v1/users/{id}", Only(VIEW_ACCOUNTS)).rec(Rec::Account),
        api(M::POST, "/api/v1/users/{id}/roles", Only(MANAGE_ACCOUNTS))
            .rec(Rec::Account)
            .json(r#"{"role": "learner"}"#),
        api(M::POST, "/api/v1/users/{id}/roles/revoke", Only(MANAGE_ACCOUNTS))
            .rec(Rec::FreshAccount)
            .json(r#"{"role": "learner"}"#),
        api(M::POST, "/api/v1/users/{id}/status", Only(MANAGE_ACCOUNTS))
            .rec(Rec::Account)
            .json(r#"{"status": "active"}"#),
        api(M::POST, "/api/v1/users/{id}/unlock", Only(MANAGE_ACCOUNTS)).rec(Rec::Account),
        // --- Audit -------------------------------------------------------------------
        page(M::GET, "/audit", Only(VIEW_AUDIT)),
        page(M::GET, "/audit/export", Only(VIEW_AUDIT)),
        api(M::GET, "/api/v1/audit", Only(VIEW_AUDIT)),
        // --- Institutions and enterprises --------------------------------------------
        page(M::GET, "/register", Public),
        page(M::POST, "/register", Public).form(REGISTER_FORM),
        page(M::GET, "/orgs", Only(ORG_PAGES)),
        page(M::GET, "/orgs/export", Only(ORG_PAGES)),
        page(M::GET, "/orgs/{id}", Only(VIEW_ORGS)).rec(Rec::Org),
        page(M::POST, "/orgs/{id}/decision", Only(REVIEWERS))
            .rec(Rec::Org)
            .form(&[("action", "approve"), ("reason", "")]),
        page(M::POST, "/orgs/{id}/documents", Only(ORG_STAFF))
            .rec(Rec::Org)
            .body(Body::Multipart(
                &[("kind", "school_licence")],
                ("file", "licence.pdf", "application/pdf", Blob::Pdf),
            )),
        page(M::GET, "/orgs/{id}/documents/{doc}", Only(VIEW_ORGS)).rec(Rec::Document),
        page(M::POST, "/orgs/{id}/documents/{doc}/remove", Only(ORG_STAFF))
            .rec(Rec::FreshDocument),
        page(M::POST, "/orgs/{id}/annual-review", Only(REVIEWERS))
            .rec(Rec::Org)
            .form(&[("year", "@year@"), ("result", "passed"), ("remarks", "矩阵年审")]),
        page(M::GET, "/orgs/{id}/edit", Only(ORG_STAFF)).rec(Rec::Org),
        page(M::POST, "/orgs/{id}/edit", Only(ORG_STAFF))
            .rec(Rec::Org)
            .form(ORG_FORM),
        api(M::POST, "/api/v1/orgs/register", Public).json(REGISTER_JSON),
        api(M::GET, "/api/v1/orgs", Only(ORG_PAGES)),
        api(M::GET, "/api/v1/orgs/{id}", Only(VIEW_ORGS)).rec(Rec::Org),
        api(M::POST, "/api/v1/orgs/{id}/decision", Only(REVIEWERS))
            .rec(Rec::Org)
            .json(r#"{"action": "approve"}"#),
        api(M::POST, "/api/v1/orgs/{id}/resubmit", Only(ORG_STAFF))
            .rec(Rec::Org)
            .json(ORG_JSON),
        api(M::GET, "/api/v1/orgs/{id}/versions", Only(VIEW_ORGS)).rec(Rec::Org),
        api(M::POST, "/api/v1/orgs/{id}/annual-reviews", Only(REVIEWERS))
            .rec(Rec::Org)
            .json(r#"{"year": @year@, "passed": true, "remarks": "矩阵年审"}"#),
        api(M::GET, "/api/v1/orgs/{id}/documents", Only(VIEW_ORGS)).rec(Rec::Org),
        api(M::POST, "/api/v1/orgs/{id}/documents", Only(ORG_STAFF))
            .rec(Rec::Org)
            .query("?kind=school_licence&filename=licence.pdf")
            .body(Body::Raw("application/pdf", Blob::Pdf)),
        api(M::GET, "/api/v1/orgs/{id}/documents/{doc}", Only(VIEW_ORGS)).rec(Rec::Document),
        api(M::DELETE, "/api/v1/orgs/{id}/documents/{doc}", Only(ORG_STAFF))
            .rec(Rec::FreshDocument),
        // --- Occupations and the catalogue --------------------------------------------
        page(M::GET, "/occupations", Signed),
        page(M::POST, "/occupations/work-types", Only(CATALOGUE)).form(&[
            ("occupation_code", "4-10-01-06"),
            ("code", "@wt_code@"),
            ("name", "矩阵工种"),
        ]),
        api(M::GET, "/api/v1/occupations", Signed),
        api(M::GET, "/api/v1/occupations/{code}", Signed).rec(Rec::Occupation),
        api(M::POST, "/api/v1/occupations/{code}/work-types", Only(CATALOGUE))
            .rec(Rec::Occupation)
            .json(r#"{"code": "@wt_code@", "name": "矩阵工种"}"#),
        page(M::GET, "/catalogue", Signed),
        // The catalogue is public to every signed-in person, its export too.
        page(M::GET, "/catalogue/export", Signed),
        page(M::GET, "/catalogue/new", Only(CATALOGUE)),
        page(M::POST, "/catalogue/new", Only(CATALOGUE)).form(&[
            ("occupation_code", "4-10-01-06"),
            ("work_type_id", ""),
            ("skill_level", "5"),
            ("training_type", "vocational_skill"),
            ("business_category", "employment_skill"),
            ("theory_hours", "40"),
            ("practice_hours", "80"),
            ("subsidy_yuan", "1200"),
        ]),
        page(M::POST, "/catalogue/{id}/withdraw", Only(CATALOGUE)).rec(Rec::FreshProject),
        page(M::GET, "/declarations", Only(VIEW_ORGS)),
        page(M::POST, "/declarations", Only(ORG_STAFF)).form(&[
            ("occupation_code", "4-10-01-06"),
            ("work_type_id", ""),
            ("skill_level", "5"),
        ]),
        page(M::POST, "/declarations/{id}/decision", Only(REVIEWERS))
            .rec(Rec::Declaration)
            .form(&[("action", "approve"), ("reason", "")]),
        api(M::GET, "/api/v1/catalogue", Signed),
        api(M::POST, "/api/v1/catalogue", Only(CATALOGUE)).json(
            r#"{"occupation_code": "4-10-01-06", "skill_level": 5, "training_type": "vocational_skill", "business_category": "employment_skill", "theory_hours": 40, "practice_hours": 80, "subsidy_yuan": "1200"}"#,
        ),
        api(M::POST, "/api/v1/catalogue/{id}/withdraw", Only(CATALOGUE)).rec(Rec::FreshProject),
        api(M::GET, "/api/v1/declarations", Only(VIEW_ORGS)),
        api(M::POST, "/api/v1/declarations/{id}/decision", Only(REVIEWERS))
            .rec(Rec::Declaration)
            .json(r#"{"action": "approve"}"#),
        api(M::POST, "/api/v1/orgs/{id}/declarations", Only(ORG_STAFF))
            .rec(Rec::Org)
            .json(r#"{"occupation_code": "4-10-01-06", "skill_level": 5}"#),
        // --- Learners ----------------------------------------------------------------
        page(M::GET, "/register/learner", Public),
        page(M::POST, "/register/learner", Public).form(&[
            ("name", "陈学员"),
            ("id_number", "@learner_idn@"),
            ("phone", "13800000001"),
            ("code", "123456"),
            ("password", "Matrix#2027"),
            ("person_category", "rural_migrant"),
            ("education", "senior"),
            ("region_code", "520102"),
        ]),
        page(M::GET, "/activate", Public),
        page(M::POST, "/activate", Public).form(&[
            ("id_number", "@learner_idn@"),
            ("phone", "13800000001"),
            ("code", "123456"),
            ("password", "Matrix#2027"),
        ]),
        page(M::GET, "/learners", Only(VIEW_ORGS)),
        page(M::GET, "/learners/export", Only(VIEW_ORGS)),
        page(M::GET, "/learners/import", Only(IMPORT_VIEW)),
        page(M::POST, "/learners/import", Only(ORG_STAFF)).body(Body::Multipart(
            &[("mode", "all_or_nothing")],
            ("file", "learners.xlsx", XLSX, Blob::EmptyTemplate),
        )),
        // The blank template carries no data.
        page(M::GET, "/learners/import/template", Signed),
        page(M::GET, "/learners/import/{id}", Only(IMPORT_VIEW)).rec(Rec::ImportJob),
        page(M::GET, "/learners/import/{id}/report", Only(IMPORT_VIEW)).rec(Rec::ImportJob),
        api(M::POST, "/api/v1/sms/code", Public)
            .json(r#"{"phone": "13800000001", "purpose": "activate"}"#),
        api(M::POST, "/api/v1/learners/register", Public).json(
            r#"{"name": "陈学员", "id_number": "@learner_idn@", "phone": "13800000001", "code": "123456", "password": "Matrix#2027", "person_category": "rural_migrant", "education": "senior", "region_code": "520102"}"#,
        ),
        api(M::GET, "/api/v1/learners", Only(VIEW_ORGS)),
        api(M::GET, "/api/v1/learners/{id}", Only(VIEW_ORGS)).rec(Rec::Learner),
        api(M::GET, "/api/v1/learners/{id}/archive", Only(VIEW_ORGS)).rec(Rec::Learner),
        page(M::GET, "/learners/{id}/archive", Only(VIEW_ORGS)).rec(Rec::Learner),
        page(M::GET, "/learners/{id}/archive.xlsx", Only(VIEW_ORGS)).rec(Rec::Learner),
        page(M::GET, "/learners/{id}/archive.pdf", Only(VIEW_ORGS)).rec(Rec::Learner),
        // One's own archive: a learner's opens, anyone else's page says there is none.
        page(M::GET, "/archive", Signed),
        api(M::POST, "/api/v1/learners/imports", Only(ORG_STAFF))
            .query("?mode=all_or_nothing")
            .body(Body::Raw(XLSX, Blob::EmptyTemplate)),
        api(M::GET, "/api/v1/learners/imports/{id}", Only(IMPORT_VIEW)).rec(Rec::ImportJob),
        // --- Teachers ----------------------------------------------------------------
        page(M::GET, "/teachers", Only(VIEW_ORGS)),
        page(M::POST, "/teachers", Only(ORG_STAFF)).form(&[
            ("name", "王老师"),
            ("id_number", "@teacher_idn@"),
            ("full_time", "on"),
            ("subjects", "烹饪"),
            ("level", "senior"),
            ("qualifications", "高级技师"),
            ("years_teaching", "10"),
            ("experience", ""),
        ]),
        page(M::GET, "/teachers/export", Only(VIEW_ORGS)),
        page(M::POST, "/teachers/{id}/decision", Only(REVIEWERS))
            .rec(Rec::TeacherLink)
            .form(&[("action", "approve"), ("reason", "")]),
        page(M::POST, "/classes/{id}/teachers", Only(ORG_STAFF))
            .rec(Rec::Class)
            .form(&[("teacher_id", "@teacher@")]),
        api(M::GET, "/api/v1/teachers", Only(VIEW_ORGS)),
        api(M::POST, "/api/v1/teachers", Only(ORG_STAFF)).json(
            r#"{"name": "王老师", "id_number": "@teacher_idn@", "full_time": true, "subjects": "烹饪", "level": "senior", "qualifications": "高级技师", "years_teaching": 10}"#,
        ),
        api(M::POST, "/api/v1/teachers/{link_id}/decision", Only(REVIEWERS))
            .rec(Rec::TeacherLink)
            .json(r#"{"action": "approve"}"#),
        // Qualifications: a permitted caller gets 422 for the years (the fixture keeps
        // no certificate).
        page(M::GET, "/teachers/{id}", Only(VIEW_ORGS)).rec(Rec::TeacherLink),
        page(M::POST, "/teachers/{id}/qualifications", Only(REVIEWERS))
            .rec(Rec::TeacherLink)
            .form(&[("subject", "烹饪"), ("years", "9")]),
        api(M::GET, "/api/v1/teachers/{link_id}/qualifications", Only(VIEW_ORGS))
            .rec(Rec::TeacherLink),
        api(M::POST, "/api/v1/teachers/{link_id}/qualifications", Only(REVIEWERS))
            .rec(Rec::TeacherLink)
            .json(r#"{"subject": "烹饪", "years": 9}"#),
        api(M::GET, "/api/v1/me/qualifications", Signed),
        api(M::POST, "/api/v1/classes/{id}/teachers", Only(ORG_STAFF))
            .rec(Rec::Class)
            .json(r#"{"teacher_id": "@teacher@"}"#),
        // --- Classes -----------------------------------------------------------------
        page(M::GET, "/classes", Only(VIEW_ORGS)),
        page(M::GET, "/classes/export", Only(VIEW_ORGS)),
        page(M::GET, "/classes/new", Only(ORG_STAFF)),
        page(M::POST, "/classes/new", Only(ORG_STAFF)).form(&[
            ("project_id", "@project@"),
            ("name", "矩阵测试班"),
            ("delivery", "offline"),
            ("start_date", "@yesterday@"),
            ("end_date", "@next_week@"),
            ("location", "贵阳市南明区花果园培训基地"),
            ("capacity", "30"),
            ("theory_hours", "40"),
            ("practice_hours", "80"),
        ]),
        page(M::GET, "/classes/{id}", Only(VIEW_ORGS)).rec(Rec::Class),
        page(M::GET, "/classes/{id}/learners.xlsx", Only(VIEW_ORGS)).rec(Rec::Class),
        page(M::POST, "/classes/{id}/enroll", Only(ORG_STAFF))
            .rec(Rec::Class)
            .form(&[("learner", "@learner@")]),
        page(M::POST, "/classes/{id}/actions", Only(ORG_STAFF))
            .rec(Rec::Class)
            .form(&[("action", "start"), ("reason", "")]),
        page(M::POST, "/classes/{id}/study-tasks", Only(ORG_STAFF))
            .rec(Rec::Class)
            .form(&[("package_id", "no-such-course"), ("starts_on", "@yesterday@"), ("ends_on", "@next_week@")]),
        page(M::POST, "/classes/{id}/inspect", Only(REVIEWERS))
            .rec(Rec::Class)
            .form(&[("kind", "patrol"), ("result", "qualified"), ("remarks", "矩阵检查")]),
        api(M::GET, "/api/v1/classes", Only(VIEW_ORGS)),
        api(M::POST, "/api/v1/classes", Only(ORG_STAFF)).json(
            r#"{"project_id": "@project@", "name": "矩阵测试班", "delivery": "offline", "start_date": "@yesterday@", "end_date": "@next_week@", "location": "贵阳市南明区花果园培训基地", "capacity": 30, "theory_hours": 40, "practice_hours": 80}"#,
        ),
        api(M::GET, "/api/v1/classes/{id}", Only(VIEW_ORGS)).rec(Rec::Class),
        api(M::POST, "/api/v1/classes/{id}/enrollments", Only(ORG_STAFF))
            .rec(Rec::Class)
            .json(r#"{"learner_ids": ["@learner@"]}"#),
        api(M::POST, "/api/v1/classes/{id}/actions", Only(ORG_STAFF))
            .rec(Rec::Class)
            .json(r#"{"action": "start"}"#),
        api(M::GET, "/api/v1/classes/{id}/inspections", Only(VIEW_ORGS)).rec(Rec::Class),
        api(M::GET, "/api/v1/classes/{id}/study-tasks", Only(VIEW_ORGS)).rec(Rec::Class),
        api(M::GET, "/api/v1/classes/{id}/study", Only(VIEW_ORGS)).rec(Rec::Class),
        api(M::GET, "/api/v1/classes/{id}/learners/{user_id}/study", Only(VIEW_ORGS))
            .rec(Rec::ClassLearner),
        page(M::GET, "/classes/{id}/learners/{user_id}/study", Only(VIEW_ORGS))
            .rec(Rec::ClassLearner),
        page(M::GET, "/classes/{id}/study.xlsx", Only(VIEW_ORGS)).rec(Rec::Class),
        api(M::GET, "/api/v1/classes/{id}/spot-checks", Only(VIEW_ORGS)).rec(Rec::Class),
        // The completed class has no study task: a conflict for a regulator of its region.
        api(M::POST, "/api/v1/classes/{id}/spot-checks", Only(REVIEWERS))
            .rec(Rec::Class)
            .json(r#"{"size": 3}"#),
        page(M::POST, "/classes/{id}/spot-checks", Only(REVIEWERS))
            .rec(Rec::Class)
            .form(&[("size", "3")]),
        api(M::POST, "/api/v1/spot-checks/{id}/verdict", Only(REVIEWERS))
            .rec(Rec::SpotCheck)
            .json(r#"{"qualified": true, "remarks": "矩阵检查"}"#),
        page(M::POST, "/spot-checks/{id}/verdict", Only(REVIEWERS))
            .rec(Rec::SpotCheck)
            .form(&[("result", "qualified"), ("remarks", "矩阵检查")]),
        api(M::POST, "/api/v1/spot-checks/{id}/acknowledgement", Only(ORG_STAFF))
            .rec(Rec::SpotCheck),
        page(M::POST, "/spot-checks/{id}/acknowledgement", Only(ORG_STAFF))
            .rec(Rec::SpotCheck),
        api(M::GET, "/api/v1/study-anomalies", Only(REVIEWERS)),
        page(M::GET, "/supervision", Only(REVIEWERS)),
        // Into a completed class: a conflict for its organisation.
        api(M::POST, "/api/v1/classes/{id}/study-tasks", Only(ORG_STAFF))
            .rec(Rec::Class)
            .json(r#"{"package_id": "no-such-course", "starts_on": "@yesterday@", "ends_on": "@next_week@"}"#),
        api(M::POST, "/api/v1/classes/{id}/inspections", Only(REVIEWERS))
            .rec(Rec::Class)
            .json(r#"{"kind": "patrol", "qualified": true, "remarks": "矩阵检查"}"#),
        // --- Learners' training and applications ---------------------------------------
        page(M::GET, "/training", Only(LEARNERS)),
        // Recruiting classes are open to every learner, whichever region they are in.
        page(M::POST, "/training/classes/{id}/apply", Only(LEARNERS))
            .rec(Rec::RecruitingClass)
            .any_record(),
        page(M::POST, "/training/applications/{id}/withdraw", Only(LEARNERS))
            .rec(Rec::Application),
        page(M::POST, "/applications/{id}/decision", Only(ORG_STAFF))
            .rec(Rec::Application)
            .form(&[("decision", "accept"), ("reason", "")]),
        api(M::GET, "/api/v1/classes/recruiting", Only(LEARNERS)),
        api(M::GET, "/api/v1/classes/{id}/applications", Only(ORG_STAFF)).rec(Rec::Class),
        // Recruiting classes are open to every learner, whichever region they are in.
        api(M::POST, "/api/v1/classes/{id}/applications", Only(LEARNERS))
            .rec(Rec::RecruitingClass)
            .any_record(),
        api(M::POST, "/api/v1/applications/{id}/decision", Only(ORG_STAFF))
            .rec(Rec::Application)
            .json(r#"{"accept": true}"#),
        api(M::POST, "/api/v1/applications/{id}/withdraw", Only(LEARNERS)).rec(Rec::Application),
        api(M::GET, "/api/v1/me/training", Only(LEARNERS)),
        api(M::GET, "/api/v1/me/invitations", Only(LEARNERS)),
        page(M::POST, "/training/invitations/{org_id}", Only(LEARNERS))
            .rec(Rec::Invitation)
            .form(&[("answer", "decline")]),
        api(M::POST, "/api/v1/me/invitations/{org_id}", Only(LEARNERS))
            .rec(Rec::Invitation)
            .json(r#"{"accept": false}"#),
        // --- Sessions and attendance ---------------------------------------------------
        page(M::POST, "/classes/{id}/sessions", Only(ORG_STAFF))
            .rec(Rec::Class)
            .form(&[
                ("date", "@today@"),
                ("starts", "09:00"),
                ("ends", "11:30"),
                ("topic", "矩阵课次"),
            ]),
        page(M::GET, "/sessions/{id}", Only(SHEET)).rec(Rec::Session),
        page(M::POST, "/sessions/{id}", Only(MARKERS))
            .rec(Rec::Session)
            .form(&[("learner", "@learner@")]),
        page(M::GET, "/sessions/{id}/qr", Only(ORG_STAFF)).rec(Rec::Session),
        // Everyone sees only the classes they are booked to teach (none, for most).
        page(M::GET, "/teaching", Signed),
        // The sign-in form shows nothing of the session; the POST checks it.
        page(M::GET, "/checkin/{id}", Signed)
            .rec(Rec::Session)
            .any_record(),
        page(M::POST, "/checkin/{id}", Only(LEARNERS))
            .rec(Rec::Session)
            .form(&[("t", "1.deadbeef")]),
        api(M::GET, "/api/v1/classes/{id}/sessions", Only(VIEW_ORGS)).rec(Rec::Class),
        api(M::POST, "/api/v1/classes/{id}/sessions", Only(ORG_STAFF))
            .rec(Rec::Class)
            .json(r#"{"date": "@today@", "starts": "09:00", "ends": "11:30", "topic": "矩阵课次"}"#),
        api(M::GET, "/api/v1/sessions/{id}/attendance", Only(SHEET)).rec(Rec::Session),
        api(M::POST, "/api/v1/sessions/{id}/attendance", Only(MARKERS))
            .rec(Rec::Session)
            .json(r#"{"learner_ids": ["@learner@"]}"#),
        api(M::POST, "/api/v1/sessions/{id}/checkin", Only(LEARNERS))
            .rec(Rec::Session)
            .json(r#"{"token": "1.deadbeef"}"#),
        // --- Exchange, inbox, background jobs ------------------------------------------
        api(M::GET, "/api/v1/exchange/{dataset}", Machine).rec(Rec::Dataset),
        page(M::GET, "/inbox", Only(INBOX)),
        page(M::GET, "/admin/jobs", Only(SETTINGS)),
        page(M::POST, "/admin/jobs/{id}/retry", Only(SETTINGS)).rec(Rec::Job),
        // --- Evidence log ----------------------------------------------------------------
        page(M::GET, "/ledger", Public),
        page(M::POST, "/ledger/verify", Public).form(&[("record_id", "matrix-record")]),
        api(M::GET, "/api/v1/ledger/bundle", Public).query("?record_id=matrix-record"),
        page(M::GET, "/ledger/tiles/checkpoint", Public),
        page(M::GET, "/ledger/tiles/tile/{*path}", Public).param(&[("*path", "0/000.p/1")]),
        api(M::GET, "/api/v1/ledger/checkpoint", Public),
        api(M::GET, "/api/v1/ledger/key", Public),
        api(M::GET, "/api/v1/ledger/entry", Public).query("?index=0"),
        api(M::GET, "/api/v1/ledger/proofs/inclusion", Public).query("?index=0&size=1"),
        api(M::GET, "/api/v1/ledger/proofs/consistency", Public).query("?first=1&second=1"),
        api(M::POST, "/api/v1/ledger/checkpoints", Only(SETTINGS)),
        page(M::GET, "/ledger/health", Only(LEDGER_HEALTH)),
        page(M::POST, "/ledger/health/verify", Only(SETTINGS)),
        api(M::GET, "/api/v1/ledger/health", Only(LEDGER_HEALTH)),
        api(M::POST, "/api/v1/ledger/verify-runs", Only(SETTINGS)),
        api(M::GET, "/api/v1/jobs", Only(SETTINGS)),
        api(M::POST, "/api/v1/jobs/{id}/retry", Only(SETTINGS)).rec(Rec::Job),
        // --- Course packages and their review --------------------------------------------
        page(M::GET, "/courses", Only(VIEW_COURSES)),
        page(M::GET, "/courses/new", Only(COURSE_WRITERS)),
        page(M::POST, "/courses", Only(COURSE_WRITERS)).form(&[("name", "课"), ("declared_hours", "1")]),
        page(M::GET, "/courses/{id}", Only(VIEW_COURSES)).rec(Rec::CoursePackage),
        // Every package here has an open version: a new one is refused as a conflict.
        page(M::POST, "/courses/{id}/versions", Only(COURSE_WRITERS)).rec(Rec::CoursePackage),
        page(M::GET, "/course-versions/{id}/edit", Only(COURSE_WRITERS)).rec(Rec::CourseVersion),
        page(M::POST, "/course-versions/{id}/edit", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .form(&[("name", "课")]),
        page(M::POST, "/course-versions/{id}/chapters", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .form(&[("title", "第一章")]),
        // Removing from the version under review: a conflict for its owner.
        page(M::POST, "/course-versions/{id}/chapters/{chapter}/remove", Only(COURSE_WRITERS))
            .rec(Rec::ReviewVersion),
        page(M::POST, "/course-versions/{id}/lessons", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .form(&[("chapter_id", "no-such-chapter"), ("title", "第一课"), ("minutes", "5"), ("body", "x")]),
        page(M::POST, "/course-versions/{id}/lessons/{lesson}/remove", Only(COURSE_WRITERS))
            .rec(Rec::ReviewVersion),
        // Submitting the version already under review: a conflict for its owner.
        page(M::POST, "/course-versions/{id}/submit", Only(COURSE_WRITERS)).rec(Rec::ReviewVersion),
        page(M::POST, "/course-versions/{id}/files/{kind}", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .param(&[("kind", "cover")])
            .body(Body::Multipart(&[], ("file", "cover.pdf", "application/pdf", Blob::Pdf))),
        page(M::GET, "/course-versions/{id}/files/{kind}", Only(REVIEW_VIEWERS))
            .rec(Rec::ReviewVersion)
            .param(&[("kind", "copyright")]),
        page(M::GET, "/course-versions/{id}/questions", Only(REVIEW_VIEWERS)).rec(Rec::ReviewVersion),
        page(M::POST, "/course-versions/{id}/questions", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .form(&[("kind", "single"), ("stem", "题"), ("a", "甲"), ("answer", "C")]),
        page(M::POST, "/course-versions/{id}/questions/{question}", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .form(&[("kind", "judge")]),
        // Removing from the version under review: a conflict for its owner.
        page(M::POST, "/course-versions/{id}/questions/{question}/remove", Only(COURSE_WRITERS))
            .rec(Rec::ReviewVersion),
        page(M::POST, "/course-versions/{id}/questions/import", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .body(Body::Multipart(&[], ("file", "bank.xlsx", "application/pdf", Blob::Pdf))),
        page(M::GET, "/course-versions/{id}/questions.xlsx", Only(REVIEW_VIEWERS)).rec(Rec::ReviewVersion),
        page(M::GET, "/course-question-template.xlsx", Signed),
        page(M::POST, "/admin/course-settings", Only(OPERATORS)).form(&[("questions_per_hour", "999")]),
        page(M::GET, "/admin/words", Only(OPERATORS)),
        page(M::POST, "/admin/words", Only(OPERATORS)).form(&[("words", "")]),
        api(M::GET, "/api/v1/courses", Only(VIEW_COURSES)),
        api(M::POST, "/api/v1/courses", Only(COURSE_WRITERS)).json(
            r#"{"name": "课", "intro": "x", "audience": "x", "content": "x", "declared_hours": 1, "occupation_code": "4-10-01-06", "skill_level": 5, "training_type": "vocational_skill", "course_type": "skill", "price_yuan": "1"}"#,
        ),
        api(M::GET, "/api/v1/courses/{id}", Only(VIEW_COURSES)).rec(Rec::CoursePackage),
        api(M::POST, "/api/v1/courses/{id}/versions", Only(COURSE_WRITERS)).rec(Rec::CoursePackage),
        api(M::GET, "/api/v1/courses/{id}/reviews", Only(VIEW_COURSES)).rec(Rec::CoursePackage),
        api(M::GET, "/api/v1/course-versions/{id}", Only(VIEW_COURSES)).rec(Rec::CourseVersion),
        api(M::PUT, "/api/v1/course-versions/{id}", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .json(
                r#"{"name": "课", "intro": "x", "audience": "x", "content": "x", "declared_hours": 1, "occupation_code": "4-10-01-06", "skill_level": 5, "training_type": "vocational_skill", "course_type": "skill", "price_yuan": "1"}"#,
            ),
        api(M::POST, "/api/v1/course-versions/{id}/chapters", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .json(r#"{"title": "第一章"}"#),
        api(M::DELETE, "/api/v1/course-versions/{id}/chapters/{chapter}", Only(COURSE_WRITERS))
            .rec(Rec::ReviewVersion),
        api(M::POST, "/api/v1/course-versions/{id}/lessons", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .json(r#"{"chapter_id": "no-such-chapter", "title": "第一课", "body": "x", "minutes": 5}"#),
        api(M::DELETE, "/api/v1/course-versions/{id}/lessons/{lesson}", Only(COURSE_WRITERS))
            .rec(Rec::ReviewVersion),
        api(M::POST, "/api/v1/course-versions/{id}/submit", Only(COURSE_WRITERS)).rec(Rec::ReviewVersion),
        api(M::PUT, "/api/v1/course-versions/{id}/files/{kind}", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .param(&[("kind", "cover")])
            .query("?filename=cover.pdf")
            .body(Body::Raw("application/pdf", Blob::Pdf)),
        api(M::GET, "/api/v1/course-versions/{id}/files/{kind}", Only(REVIEW_VIEWERS))
            .rec(Rec::ReviewVersion)
            .param(&[("kind", "copyright")]),
        api(M::GET, "/api/v1/course-versions/{id}/questions", Only(REVIEW_VIEWERS)).rec(Rec::ReviewVersion),
        api(M::POST, "/api/v1/course-versions/{id}/questions", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .json(r#"{"kind": "single", "stem": "题", "options": ["甲", "乙"], "answer": "C", "explanation": "x", "knowledge_point": "x"}"#),
        api(M::PUT, "/api/v1/course-versions/{id}/questions/{question}", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .json(r#"{"kind": "judge", "stem": "题", "answer": "也许", "explanation": "x", "knowledge_point": "x"}"#),
        api(M::DELETE, "/api/v1/course-versions/{id}/questions/{question}", Only(COURSE_WRITERS))
            .rec(Rec::ReviewVersion),
        api(M::POST, "/api/v1/course-versions/{id}/questions/import", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .body(Body::Raw("application/octet-stream", Blob::Pdf)),
        api(M::GET, "/api/v1/course-versions/{id}/questions/export", Only(REVIEW_VIEWERS)).rec(Rec::ReviewVersion),
        api(M::GET, "/api/v1/course-question-template", Signed),
        api(M::GET, "/api/v1/course-settings", Signed),
        api(M::PUT, "/api/v1/course-settings", Only(OPERATORS)).json(r#"{"questions_per_hour": 99}"#),
        api(M::GET, "/api/v1/course-words", Only(OPERATORS)),
        api(M::PUT, "/api/v1/course-words", Only(OPERATORS)).json(r#"{"words": ""}"#),
        page(M::GET, "/course-reviews", Only(REVIEW_COURSES)),
        page(M::GET, "/course-reviews/export", Only(VIEW_COURSES)),
        page(M::GET, "/course-reviews/{id}", Only(REVIEW_VIEWERS)).rec(Rec::ReviewVersion),
        // A return without comments: refused as a field error for the level's reviewers,
        // as a conflict ("not your level") for the others who see it.
        page(M::POST, "/course-reviews/{id}", Only(REVIEW_COURSES))
            .rec(Rec::ReviewVersion)
            .form(&[("decision", "return")]),
        api(M::GET, "/api/v1/course-reviews", Only(REVIEW_COURSES)),
        api(M::GET, "/api/v1/course-reviews/{id}", Only(REVIEW_VIEWERS)).rec(Rec::ReviewVersion),
        api(M::POST, "/api/v1/course-reviews/{id}", Only(REVIEW_COURSES))
            .rec(Rec::ReviewVersion)
            .json(r#"{"decision": "return"}"#),
        page(M::GET, "/experts", Only(MANAGE_EXPERTS)),
        page(M::POST, "/experts", Only(MANAGE_EXPERTS)).form(&[("username", "expert"), ("unit_name", "重复")]),
        page(M::POST, "/experts/{id}/group", Only(MANAGE_EXPERTS))
            .rec(Rec::Expert)
            .form(&[("group_id", "no-such-group")]),
        page(M::POST, "/expert-groups", Only(MANAGE_EXPERTS)).form(&[("name", "生活服务专家组")]),
        page(M::POST, "/expert-groups/{id}", Only(MANAGE_EXPERTS))
            .rec(Rec::FreshGroup)
            .form(&[("name", "x")]),
        page(M::POST, "/expert-groups/{id}/remove", Only(MANAGE_EXPERTS)).rec(Rec::FreshGroup),
        page(M::POST, "/experts/{id}/remove", Only(MANAGE_EXPERTS)).rec(Rec::FreshExpert),
        page(M::POST, "/course-flows/{course_type}", Only(MANAGE_EXPERTS))
            .param(&[("course_type", "skill")])
            .form(&[("levels", "3")]),
        api(M::GET, "/api/v1/experts", Only(MANAGE_EXPERTS)),
        api(M::POST, "/api/v1/experts", Only(MANAGE_EXPERTS)).json(r#"{"username": "expert", "unit_name": "重复"}"#),
        api(M::PUT, "/api/v1/experts/{id}/group", Only(MANAGE_EXPERTS))
            .rec(Rec::Expert)
            .json(r#"{"group_id": "no-such-group"}"#),
        api(M::GET, "/api/v1/expert-groups", Only(MANAGE_EXPERTS)),
        api(M::POST, "/api/v1/expert-groups", Only(MANAGE_EXPERTS)).json(r#"{"name": "生活服务专家组"}"#),
        api(M::PUT, "/api/v1/expert-groups/{id}", Only(MANAGE_EXPERTS))
            .rec(Rec::FreshGroup)
            .json(r#"{"name": "x"}"#),
        api(M::DELETE, "/api/v1/expert-groups/{id}", Only(MANAGE_EXPERTS)).rec(Rec::FreshGroup),
        api(M::DELETE, "/api/v1/experts/{id}", Only(MANAGE_EXPERTS)).rec(Rec::FreshExpert),
        api(M::GET, "/api/v1/course-flows", Only(MANAGE_EXPERTS)),
        api(M::PUT, "/api/v1/course-flows/{course_type}", Only(MANAGE_EXPERTS))
            .param(&[("course_type", "skill")])
            .json(r#"{"levels": 3}"#),
        // --- Lesson videos --------------------------------------------------------------
        // Into a chapter that is not the version's: a field error for the owner.
        page(M::POST, "/course-versions/{id}/uploads", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .json(r#"{"chapter_id": "no-such-chapter", "title": "视频", "filename": "a.mp4", "size": 10}"#),
        page(M::GET, "/uploads/{id}", Only(COURSE_WRITERS)).rec(Rec::Upload),
        page(M::PUT, "/uploads/{id}/chunks/{n}", Only(COURSE_WRITERS))
            .rec(Rec::Upload)
            .param(&[("n", "0")])
            .body(Body::Raw("application/octet-stream", Blob::Pdf)),
        page(M::POST, "/uploads/{id}/complete", Only(COURSE_WRITERS)).rec(Rec::Upload),
        page(M::POST, "/uploads/{id}/retry", Only(COURSE_WRITERS)).rec(Rec::Upload),
        page(M::POST, "/uploads/{id}/abandon", Only(COURSE_WRITERS)).rec(Rec::FreshUpload),
        api(M::DELETE, "/api/v1/uploads/{id}", Only(COURSE_WRITERS)).rec(Rec::FreshUpload),
        // Public: a preview plays for anyone (here its text lesson has no video to play).
        page(M::GET, "/lessons/{id}/watch", Public).rec(Rec::PreviewLesson),
        // Its signature is the permission: without one, a bare 404 for everyone.
        page(M::GET, "/hls/{media}/{lesson}/{name}", SignedUrl).param(&[
            ("media", "no-such-media"),
            ("lesson", "no-such-lesson"),
            ("name", "master.m3u8"),
        ]),
        page(M::GET, "/hls-auth", ProxyCheck),
        api(M::POST, "/api/v1/course-versions/{id}/uploads", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .json(r#"{"chapter_id": "no-such-chapter", "title": "视频", "filename": "a.mp4", "size": 10}"#),
        api(M::GET, "/api/v1/uploads/{id}", Only(COURSE_WRITERS)).rec(Rec::Upload),
        api(M::PUT, "/api/v1/uploads/{id}/chunks/{n}", Only(COURSE_WRITERS))
            .rec(Rec::Upload)
            .param(&[("n", "0")])
            .body(Body::Raw("application/octet-stream", Blob::Pdf)),
        api(M::POST, "/api/v1/uploads/{id}/complete", Only(COURSE_WRITERS)).rec(Rec::Upload),
        api(M::POST, "/api/v1/uploads/{id}/retry", Only(COURSE_WRITERS)).rec(Rec::Upload),
        api(M::GET, "/api/v1/lessons/{id}/play", Signed).rec(Rec::PreviewLesson),
        page(M::POST, "/course-versions/{id}/documents", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .body(Body::Multipart(&[("minutes", "5")], ("file", "a.pdf", "application/pdf", Blob::Pdf))),
        // Public: a preview reads for anyone (here its text lesson has no pages to show).
        page(M::GET, "/lessons/{id}/read", Public).rec(Rec::PreviewLesson),
        // Its signature is the permission: without one, a bare 404 for everyone.
        page(M::GET, "/doc/{media}/{lesson}/{n}", SignedUrl).param(&[
            ("media", "no-such-media"),
            ("lesson", "no-such-lesson"),
            ("n", "1"),
        ]),
        api(M::PUT, "/api/v1/course-versions/{id}/documents", Only(COURSE_WRITERS))
            .rec(Rec::CourseVersion)
            .query("?chapter_id=no-such-chapter&title=x&minutes=5")
            .body(Body::Raw("application/pdf", Blob::Pdf)),
        api(M::GET, "/api/v1/lessons/{id}/read", Signed).rec(Rec::PreviewLesson),
        api(M::POST, "/api/v1/lessons/{id}/study", Signed)
            .rec(Rec::PreviewLesson)
            .json("{}"),
        api(M::POST, "/api/v1/study-sessions/{id}/beats", Signed)
            .rec(Rec::OwnStudySession)
            .json(r#"{"token": "matrix", "seq": 1, "position_ms": 0, "rate_pct": 100, "visible": true}"#),
        api(M::POST, "/api/v1/study-sessions/{id}/end", Signed).rec(Rec::OwnStudySession),
        api(M::GET, "/api/v1/me/study", Signed),
        page(M::GET, "/study", Signed),
        api(M::GET, "/api/v1/study-settings", Signed),
        api(M::PUT, "/api/v1/study-settings", Only(OPERATORS)).json(r#"{"interval_secs": 99, "slack_secs": 5, "daily_cap_secs": 28800, "complete_percent": 95, "too_fast_percent": 50, "regular_window": 8, "regular_spread_ms": 150, "check_answer_secs": 60, "check_every_min_secs": 300, "check_every_max_secs": 900}"#),
        page(M::POST, "/admin/study-settings", Only(OPERATORS)).form(&[("interval_secs", "99"), ("daily_cap_hours", "8"), ("complete_percent", "95"), ("check_answer_secs", "60")]),
        page(M::POST, "/lessons/{id}/study", Signed)
            .rec(Rec::PreviewLesson)
            .json("{}"),
        page(M::POST, "/study-sessions/{id}/beats", Signed)
            .rec(Rec::OwnStudySession)
            .json(r#"{"token": "matrix", "seq": 1, "position_ms": 0, "rate_pct": 100, "visible": true}"#),
        page(M::POST, "/study-sessions/{id}/end", Signed).rec(Rec::OwnStudySession),
        page(M::POST, "/study-sessions/{id}/checks/{check}", Signed)
            .rec(Rec::OwnStudySession)
            .json(r#"{"answer": "2"}"#),
        api(M::POST, "/api/v1/study-sessions/{id}/checks/{check}", Signed)
            .rec(Rec::OwnStudySession)
            .json(r#"{"answer": "2"}"#),
        // --- Exams --------------------------------------------------------------------------
        api(M::GET, "/api/v1/me/exams", Signed),
        page(M::GET, "/exams", Signed),
        api(M::GET, "/api/v1/classes/{id}/exams", Only(VIEW_ORGS)).rec(Rec::Class),
        // Into a completed class: a conflict for its organisation.
        api(M::POST, "/api/v1/classes/{id}/exams", Only(ORG_STAFF))
            .rec(Rec::Class)
            .json(r#"{"kind": "course", "package_id": "no-such-course", "lines": [{"kind": "single", "count": 1}], "single_score": 2, "minutes": 30, "pass_mark": 1, "opens_on": "@yesterday@", "closes_on": "@next_week@"}"#),
        page(M::POST, "/classes/{id}/exams", Only(ORG_STAFF))
            .rec(Rec::Class)
            .form(&[("kind", "course"), ("package_id", "no-such-course"), ("line0_kind", "single"), ("line0_count", "1"), ("single_score", "2"), ("minutes", "30"), ("pass_mark", "1"), ("opens_on", "@yesterday@"), ("closes_on", "@next_week@")]),
        api(M::GET, "/api/v1/exams/{id}/results", Only(VIEW_ORGS)).rec(Rec::Exam),
        page(M::GET, "/exams/{id}/results", Only(VIEW_ORGS)).rec(Rec::Exam),
        page(M::GET, "/exams/{id}/results.xlsx", Only(VIEW_ORGS)).rec(Rec::Exam),
        api(M::DELETE, "/api/v1/exams/{id}", Only(ORG_STAFF)).rec(Rec::FreshExam),
        page(M::POST, "/exams/{id}/withdraw", Only(ORG_STAFF)).rec(Rec::FreshExam),
        // The class is completed: a conflict for its learner, 404 for everyone else.
        api(M::POST, "/api/v1/exams/{id}/attempts", Signed)
            .rec(Rec::ExamToTake)
            .json(r#"{"pledge": true}"#),
        page(M::POST, "/exams/{id}/start", Signed)
            .rec(Rec::ExamToTake)
            .form(&[("pledge", "true")]),
        api(M::GET, "/api/v1/exam-attempts/{id}", Signed).rec(Rec::OwnAttempt),
        page(M::GET, "/exam-attempts/{id}", Signed).rec(Rec::OwnAttempt),
        api(M::PUT, "/api/v1/exam-attempts/{id}/answers/{position}", Signed)
            .rec(Rec::OwnAttempt)
            .json(r#"{"answer": "A"}"#),
        page(M::POST, "/exam-attempts/{id}/answers", Signed)
            .rec(Rec::OwnAttempt)
            .json(r#"{"position": 0, "answer": "A"}"#),
        api(M::POST, "/api/v1/exam-attempts/{id}/submit", Signed).rec(Rec::OwnAttempt),
        page(M::POST, "/exam-attempts/{id}/submit", Signed)
            .rec(Rec::OwnAttempt)
            .form(&[("q0", "A")]),
        // --- Certificates ---------------------------------------------------------------------
        page(M::GET, "/certificates", Signed),
        page(M::GET, "/certificates.xlsx", Only(VIEW_ORGS)),
        api(M::GET, "/api/v1/certificates", Only(VIEW_ORGS)),
        api(M::GET, "/api/v1/me/certificates", Signed),
        api(M::GET, "/api/v1/certificates/{id}", Signed).rec(Rec::Certificate),
        page(M::GET, "/certificates/{id}", Signed).rec(Rec::Certificate),
        page(M::GET, "/certificates/{id}/pdf", Signed).rec(Rec::Certificate),
        api(M::POST, "/api/v1/certificates/{id}/revoke", Only(REVOKERS))
            .rec(Rec::FreshCertificate)
            .json(r#"{"reason": "矩阵撤销"}"#),
        page(M::POST, "/certificates/{id}/revoke", Only(REVOKERS))
            .rec(Rec::FreshCertificate)
            .form(&[("reason", "矩阵撤销")]),
        api(M::GET, "/api/v1/classes/{id}/certificates", Only(VIEW_ORGS)).rec(Rec::Class),
        // Nobody in the matrix's classes met the completion rule: none are issued.
        api(M::POST, "/api/v1/classes/{id}/certificates", Only(ORG_STAFF)).rec(Rec::Class),
        page(M::POST, "/classes/{id}/certificates", Only(ORG_STAFF)).rec(Rec::Class),
        page(M::GET, "/classes/{id}/certificates.pdf", Only(VIEW_ORGS)).rec(Rec::Class),
        page(M::GET, "/verify", Public),
        page(M::GET, "/verify/{number}", Public).rec(Rec::CertNumber),
        api(M::GET, "/api/v1/certificates/verify/{number}", Public).rec(Rec::CertNumber),
        // --- Offline assessment ---------------------------------------------------------------
        // The sheets are empty drafts: an empty save changes nothing, a submit finds
        // learners unscored, and there is nothing to confirm or return (conflicts).
        page(M::GET, "/classes/{id}/assessment", Only(ASSESSMENT_VIEW)).rec(Rec::TaughtClass),
        page(M::GET, "/classes/{id}/assessment.xlsx", Only(ASSESSMENT_VIEW))
            .rec(Rec::TaughtClass),
        page(M::POST, "/classes/{id}/assessment", Only(ASSESSORS))
            .rec(Rec::TaughtClass)
            .form(&[]),
        page(M::POST, "/classes/{id}/assessment/submit", Only(ASSESSORS)).rec(Rec::TaughtClass),
        page(M::POST, "/classes/{id}/assessment/confirm", Only(ASSESSORS)).rec(Rec::TaughtClass),
        page(M::POST, "/classes/{id}/assessment/return", Only(ASSESSORS))
            .rec(Rec::TaughtClass)
            .form(&[("reason", "矩阵退回")]),
        api(M::GET, "/api/v1/classes/{id}/assessment", Only(ASSESSMENT_VIEW)).rec(Rec::TaughtClass),
        api(M::PUT, "/api/v1/classes/{id}/assessment", Only(ASSESSORS))
            .rec(Rec::TaughtClass)
            .json(r#"{"rows": []}"#),
        api(M::POST, "/api/v1/classes/{id}/assessment/submit", Only(ASSESSORS))
            .rec(Rec::TaughtClass),
        api(M::POST, "/api/v1/classes/{id}/assessment/confirm", Only(ASSESSORS))
            .rec(Rec::TaughtClass),
        api(M::POST, "/api/v1/classes/{id}/assessment/return", Only(ASSESSORS))
            .rec(Rec::TaughtClass)
            .json(r#"{"reason": "矩阵退回"}"#),
        api(M::GET, "/api/v1/me/assessments", Signed),
        // --- Skill-level certificates ------------------------------------------------------
        // Everyone signed in lists (a learner their own); the learner template's header is
        // refused (422) for those who may import.
        // Seals: an upload that is not a PNG (422); removal with none uploaded is a no-op.
        page(M::GET, "/certificates/seal", Only(SEAL_KEEPERS)),
        page(M::POST, "/certificates/seal", Only(SEAL_KEEPERS)).body(Body::Multipart(
            &[],
            ("file", "seal.png", "image/png", Blob::Pdf),
        )),
        page(M::GET, "/certificates/seal.png", Only(SEAL_KEEPERS)),
        page(M::POST, "/certificates/seal/remove", Only(SEAL_KEEPERS)),
        api(M::GET, "/api/v1/certificates/seal", Only(SEAL_KEEPERS)),
        api(M::PUT, "/api/v1/certificates/seal", Only(SEAL_KEEPERS))
            .body(Body::Raw("image/png", Blob::Pdf)),
        api(M::DELETE, "/api/v1/certificates/seal", Only(SEAL_KEEPERS)),
        page(M::GET, "/skill-certificates", Signed),
        page(M::GET, "/skill-certificates.xlsx", Signed),
        page(M::GET, "/skill-certificates/template.xlsx", Signed),
        page(M::POST, "/skill-certificates/import", Only(IMPORT_CERTIFICATES)).body(
            Body::Multipart(&[], ("file", "skills.xlsx", XLSX, Blob::EmptyTemplate)),
        ),
        api(M::GET, "/api/v1/skill-certificates", Signed),
        api(M::GET, "/api/v1/me/skill-certificates", Signed),
        api(M::POST, "/api/v1/skill-certificates/imports", Only(IMPORT_CERTIFICATES))
            .body(Body::Raw(XLSX, Blob::EmptyTemplate)),
        // --- Province question banks ---------------------------------------------------------
        // Writes carry bodies that are refused (422) for those who may; the shared export of
        // the fixture's bank (it has a question) succeeds.
        page(M::GET, "/banks", Only(BANK_READERS)),
        page(M::POST, "/banks", Only(CATALOGUE)).form(&[("name", "")]),
        page(M::POST, "/banks/import", Only(CATALOGUE)).body(Body::Multipart(
            &[],
            ("file", "bank.json", "application/json", Blob::Pdf),
        )),
        page(M::GET, "/banks/{id}", Only(BANK_READERS)).rec(Rec::Bank),
        page(M::POST, "/banks/{id}/questions", Only(CATALOGUE))
            .rec(Rec::Bank)
            .form(&[]),
        page(M::POST, "/banks/{id}/questions/import", Only(CATALOGUE))
            .rec(Rec::Bank)
            .body(Body::Multipart(
                &[],
                ("file", "bank.xlsx", XLSX, Blob::EmptyTemplate),
            )),
        page(
            M::POST,
            "/banks/{id}/questions/{question}/retire",
            Only(CATALOGUE),
        )
        .rec(Rec::FreshBankQuestion),
        page(M::GET, "/banks/{id}/questions.xlsx", Only(CATALOGUE)).rec(Rec::Bank),
        page(M::GET, "/banks/{id}/shared.json", Only(CATALOGUE)).rec(Rec::Bank),
        // Course orders.
        page(M::GET, "/subsidies", Only(SUBSIDY_HUB)),
        page(M::GET, "/subsidies.xlsx", Only(VIEW_SUBSIDIES)),
        page(M::POST, "/subsidies/card-account", Only(LEARNERS)).form(&[("account", "12")]),
        page(M::GET, "/subsidies/policies", Only(VIEW_SUBSIDIES)),
        page(M::POST, "/subsidies/policies", Only(POLICY_KEEPERS)).form(&[("name", "")]),
        page(M::GET, "/subsidies/policies/{id}", Only(VIEW_SUBSIDIES)).rec(Rec::SubsidyPolicy),
        page(M::POST, "/subsidies/policies/{id}/versions", Only(POLICY_KEEPERS))
            .rec(Rec::SubsidyPolicy)
            .form(&[("name", "")]),
        page(M::POST, "/subsidies/policies/{id}/status", Only(POLICY_KEEPERS))
            .rec(Rec::SubsidyPolicy)
            .form(&[("status", "enabled")]),
        page(M::GET, "/classes/{id}/subsidy", Only(CLAIMANTS)).rec(Rec::Class),
        page(M::POST, "/classes/{id}/subsidy", Only(CLAIMANTS))
            .rec(Rec::Class)
            .form(&[("policy_id", "")]),
        page(M::GET, "/subsidies/claims/{id}", Only(VIEW_SUBSIDIES)).rec(Rec::Claim),
        page(M::POST, "/subsidies/claims/{id}/decision", Only(SUBSIDY_REVIEWERS))
            .rec(Rec::Claim)
            .form(&[("decision", "return"), ("reason", "")]),
        page(M::GET, "/subsidies/batches", Only(BATCH_READERS)),
        page(M::POST, "/subsidies/batches", Only(DISBURSERS)).form(&[]),
        page(M::GET, "/subsidies/batches/{id}", Only(BATCH_READERS)).rec(Rec::Batch),
        page(M::GET, "/subsidies/batches/{id}/file", Only(DISBURSERS)).rec(Rec::Batch),
        page(M::POST, "/subsidies/batches/{id}/return", Only(DISBURSERS))
            .rec(Rec::Batch)
            .body(Body::Multipart(&[], ("file", "回盘.txt", "text/plain", Blob::Pdf))),
        api(M::GET, "/api/v1/subsidies/policies", Only(VIEW_SUBSIDIES)),
        api(M::POST, "/api/v1/subsidies/policies", Only(POLICY_KEEPERS)).json(EMPTY_POLICY),
        api(M::GET, "/api/v1/subsidies/policies/{id}", Only(VIEW_SUBSIDIES)).rec(Rec::SubsidyPolicy),
        api(M::POST, "/api/v1/subsidies/policies/{id}/versions", Only(POLICY_KEEPERS))
            .rec(Rec::SubsidyPolicy)
            .json(EMPTY_POLICY),
        api(M::POST, "/api/v1/subsidies/policies/{id}/status", Only(POLICY_KEEPERS))
            .rec(Rec::SubsidyPolicy)
            .json(r#"{"status":"enabled"}"#),
        api(M::GET, "/api/v1/classes/{id}/subsidy-previews", Only(CLAIMANTS)).rec(Rec::Class),
        api(M::GET, "/api/v1/subsidies/claims", Only(VIEW_SUBSIDIES)),
        api(M::POST, "/api/v1/subsidies/claims", Only(CLAIMANTS))
            .json(r#"{"class_id":"","policy_id":""}"#),
        api(M::GET, "/api/v1/subsidies/claims/{id}", Only(VIEW_SUBSIDIES)).rec(Rec::Claim),
        api(M::POST, "/api/v1/subsidies/claims/{id}/documents", Only(CLAIMANTS))
            .rec(Rec::Claim)
            .query("?filename=roster.pdf")
            .body(Body::Raw("application/pdf", Blob::Pdf)),
        api(M::GET, "/api/v1/subsidies/claims/{id}/documents/{doc}", Only(VIEW_SUBSIDIES))
            .rec(Rec::ClaimDocument),
        page(M::POST, "/subsidies/claims/{id}/documents", Only(CLAIMANTS))
            .rec(Rec::Claim)
            .body(Body::Multipart(
                &[],
                ("file", "roster.pdf", "application/pdf", Blob::Pdf),
            )),
        page(M::GET, "/subsidies/claims/{id}/documents/{doc}", Only(VIEW_SUBSIDIES))
            .rec(Rec::ClaimDocument),
        api(M::POST, "/api/v1/subsidies/claims/{id}/decision", Only(SUBSIDY_REVIEWERS))
            .rec(Rec::Claim)
            .json(r#"{"decision":"return","reason":""}"#),
        api(M::GET, "/api/v1/subsidies/payable", Only(BATCH_READERS)),
        api(M::GET, "/api/v1/subsidies/batches", Only(BATCH_READERS)),
        api(M::POST, "/api/v1/subsidies/batches", Only(DISBURSERS)).json(r#"{"claim_ids":[]}"#),
        api(M::GET, "/api/v1/subsidies/batches/{id}", Only(BATCH_READERS)).rec(Rec::Batch),
        api(M::GET, "/api/v1/subsidies/batches/{id}/file", Only(DISBURSERS)).rec(Rec::Batch),
        api(M::POST, "/api/v1/subsidies/batches/{id}/return", Only(DISBURSERS))
            .rec(Rec::Batch)
            .body(Body::Raw("text/plain", Blob::Pdf)),
        api(M::GET, "/api/v1/me/subsidies", Signed),
        api(M::GET, "/api/v1/me/subsidy-previews", Signed),
        api(M::POST, "/api/v1/me/subsidy-claims", Only(LEARNERS))
            .json(r#"{"class_id":"","policy_id":""}"#),
        api(M::GET, "/api/v1/subsidies/voucher-issues", Only(BATCH_READERS)),
        api(M::POST, "/api/v1/subsidies/voucher-issues", Only(POLICY_KEEPERS)).json(
            r#"{"name":"","value_yuan":"","valid_from":"","valid_until":"","method":"list"}"#,
        ),
        api(M::GET, "/api/v1/subsidies/vouchers", Only(VIEW_SUBSIDIES)),
        api(M::GET, "/api/v1/me/vouchers", Signed),
        api(M::POST, "/api/v1/me/vouchers/{id}/use", Only(LEARNERS))
            .rec(Rec::Voucher)
            .json(r#"{"class_id":""}"#),
        api(M::POST, "/api/v1/me/vouchers/{id}/release", Only(LEARNERS)).rec(Rec::Voucher),
        api(M::GET, "/api/v1/classes/{id}/vouchers", Only(CLAIMANTS)).rec(Rec::Class),
        api(M::POST, "/api/v1/classes/{id}/vouchers/redeem", Only(CLAIMANTS)).rec(Rec::Class),
        page(M::POST, "/subsidies/own-claims", Only(LEARNERS)).form(&[]),
        page(M::GET, "/subsidies/vouchers", Only(VIEW_SUBSIDIES)),
        page(M::GET, "/subsidies/vouchers.xlsx", Only(VIEW_SUBSIDIES)),
        page(M::POST, "/subsidies/vouchers/issues", Only(POLICY_KEEPERS)).form(&[("name", "")]),
        page(M::POST, "/subsidies/vouchers/list", Only(POLICY_KEEPERS)).body(Body::Multipart(
            &[],
            ("list_file", "list.xlsx", XLSX, Blob::EmptyTemplate),
        )),
        page(M::GET, "/subsidies/vouchers/list-template.xlsx", Only(POLICY_KEEPERS)),
        page(M::POST, "/subsidies/vouchers/{id}/use", Only(LEARNERS))
            .rec(Rec::Voucher)
            .form(&[("class_id", "")]),
        page(M::POST, "/subsidies/vouchers/{id}/release", Only(LEARNERS))
            .rec(Rec::Voucher)
            .form(&[]),
        page(M::POST, "/subsidies/vouchers/{id}/void", Only(POLICY_KEEPERS))
            .rec(Rec::Voucher)
            .any_record()
            .form(&[("reason", "")]),
        api(M::POST, "/api/v1/subsidies/vouchers/{id}/void", Only(POLICY_KEEPERS))
            .rec(Rec::Voucher)
            .any_record()
            .json(r#"{"reason":""}"#),
        page(M::POST, "/classes/{id}/vouchers/redeem", Only(CLAIMANTS))
            .rec(Rec::Class)
            .form(&[]),
        api(M::GET, "/api/v1/subsidies/voucher-dues", Only(BATCH_READERS)),
        api(M::GET, "/api/v1/subsidies/voucher-settlements", Only(VOUCHER_SETTLEMENT_READERS)),
        api(M::POST, "/api/v1/subsidies/voucher-settlements", Only(DISBURSERS))
            .json(r#"{"org_id":""}"#),
        api(M::POST, "/api/v1/subsidies/voucher-settlements/{id}/pay", Only(DISBURSERS))
            .rec(Rec::VoucherSettlement)
            .json(r#"{"reference":"BK1"}"#),
        api(M::GET, "/api/v1/subsidies/voucher-settlements/{id}/bank-file", Only(DISBURSERS))
            .rec(Rec::VoucherSettlement),
        page(M::GET, "/subsidies/voucher-settlements/{id}/bank-file", Only(DISBURSERS))
            .rec(Rec::VoucherSettlement),
        page(M::POST, "/subsidies/voucher-settlements", Only(DISBURSERS)).form(&[("org_id", "")]),
        page(M::POST, "/subsidies/voucher-settlements/{id}/pay", Only(DISBURSERS))
            .rec(Rec::VoucherSettlement)
            .form(&[("reference", "BK1")]),
        api(M::PUT, "/api/v1/me/card-account", Only(LEARNERS)).json(r#"{"account":"12"}"#),
        // Solicitation: the fixture's campaign is closed, so every write of a permitted
        // caller ends in a state conflict (or a refused body) and changes nothing.
        api(M::GET, "/api/v1/solicitation/campaigns", Signed),
        api(M::POST, "/api/v1/solicitation/campaigns", Only(SOL_RUNNERS)).json(SOL_CAMPAIGN),
        api(M::GET, "/api/v1/solicitation/campaigns/{id}", Signed).rec(Rec::Campaign),
        api(M::PUT, "/api/v1/solicitation/campaigns/{id}", Only(SOL_RUNNERS))
            .rec(Rec::Campaign)
            .json(SOL_CAMPAIGN),
        api(M::POST, "/api/v1/solicitation/campaigns/{id}/stage", Only(SOL_RUNNERS))
            .rec(Rec::Campaign)
            .json(r#"{"to":"open"}"#),
        api(M::POST, "/api/v1/solicitation/campaigns/{id}/files", Only(SOL_RUNNERS))
            .rec(Rec::Campaign)
            .query("?filename=a.pdf")
            .body(Body::Raw("application/pdf", Blob::Pdf)),
        api(M::GET, "/api/v1/solicitation/campaigns/{id}/files/{file}", Signed)
            .rec(Rec::CampaignFile),
        api(M::POST, "/api/v1/solicitation/campaigns/{id}/experts", Only(SOL_RUNNERS))
            .rec(Rec::Campaign)
            .json(r#"{"expert_id":""}"#),
        api(M::DELETE, "/api/v1/solicitation/campaigns/{id}/experts/{expert}", Only(SOL_RUNNERS))
            .rec(Rec::CampaignExpert),
        api(M::PUT, "/api/v1/solicitation/campaigns/{id}/application", Only(SOL_APPLICANTS))
            .rec(Rec::Campaign)
            .json("{}"),
        api(M::POST, "/api/v1/solicitation/campaigns/{id}/objections", Signed)
            .rec(Rec::Campaign)
            .json(r#"{"body":"矩阵测试的异议内容"}"#),
        api(M::GET, "/api/v1/solicitation/applications/{id}", Only(SOL_APPLICATION))
            .rec(Rec::SolApplication),
        api(M::POST, "/api/v1/solicitation/applications/{id}/submit", Only(&["provider"]))
            .rec(Rec::SolApplication),
        api(M::POST, "/api/v1/solicitation/applications/{id}/files", Only(&["provider"]))
            .rec(Rec::SolApplication)
            .query("?filename=a.pdf")
            .body(Body::Raw("application/pdf", Blob::Pdf)),
        api(M::POST, "/api/v1/solicitation/applications/{id}/review", Only(SOL_RUNNERS))
            .rec(Rec::SolApplication)
            .json(r#"{"decision":"approve"}"#),
        api(M::POST, "/api/v1/solicitation/applications/{id}/score", Only(&["expert"]))
            .rec(Rec::SolApplication)
            .json(r#"{"points":[1,1,1,1]}"#),
        api(M::POST, "/api/v1/solicitation/applications/{id}/recuse", Only(&["expert"]))
            .rec(Rec::SolApplication)
            .json(r#"{"reason":"矩阵"}"#),
        api(M::POST, "/api/v1/solicitation/applications/{id}/drop", Only(SOL_RUNNERS))
            .rec(Rec::SolApplication)
            .json(r#"{"reason":"矩阵"}"#),
        api(M::POST, "/api/v1/solicitation/objections/{id}/answer", Only(SOL_RUNNERS))
            .rec(Rec::Objection)
            .json(r#"{"answer":"矩阵"}"#),
        api(M::GET, "/api/v1/solicitation/admissions", Only(SOL_ADMISSIONS)),
        api(M::POST, "/api/v1/solicitation/admissions/{id}/status", Only(SOL_RUNNERS))
            .rec(Rec::Admission)
            .json(r#"{"to":"active","reason":"矩阵"}"#),
        api(M::GET, "/api/v1/solicitation/my-roadshows", Only(SOL_EXPERTS)),
        page(M::GET, "/solicitation", Signed),
        page(M::POST, "/solicitation", Only(SOL_RUNNERS)).form(&[("title", "")]),
        page(M::GET, "/solicitation/admissions", Only(SOL_ADMISSIONS)),
        page(M::POST, "/solicitation/admissions/{id}/status", Only(SOL_RUNNERS))
            .rec(Rec::Admission)
            .form(&[("to", "active"), ("reason", "矩阵")]),
        page(M::GET, "/solicitation/{id}", Signed).rec(Rec::Campaign),
        page(M::POST, "/solicitation/{id}", Only(SOL_RUNNERS))
            .rec(Rec::Campaign)
            .form(&[("title", "")]),
        page(M::POST, "/solicitation/{id}/stage", Only(SOL_RUNNERS))
            .rec(Rec::Campaign)
            .form(&[("to", "open")]),
        page(M::GET, "/solicitation/{id}/results.xlsx", Only(SOL_RUNNERS)).rec(Rec::Campaign),
        page(M::POST, "/solicitation/{id}/files", Only(SOL_RUNNERS))
            .rec(Rec::Campaign)
            .body(Body::Multipart(&[], ("file", "a.pdf", "application/pdf", Blob::Pdf))),
        page(M::GET, "/solicitation/{id}/files/{file}", Signed).rec(Rec::CampaignFile),
        page(M::POST, "/solicitation/{id}/experts", Only(SOL_RUNNERS))
            .rec(Rec::Campaign)
            .form(&[("expert_id", "")]),
        page(M::POST, "/solicitation/{id}/experts/{expert}/remove", Only(SOL_RUNNERS))
            .rec(Rec::CampaignExpert)
            .form(&[]),
        page(M::POST, "/solicitation/{id}/application", Only(SOL_APPLICANTS))
            .rec(Rec::Campaign)
            .form(&[("summary", "")]),
        page(M::POST, "/solicitation/{id}/objections", Signed)
            .rec(Rec::Campaign)
            .form(&[("body", "矩阵测试的异议内容")]),
        page(M::POST, "/solicitation/applications/{id}/files", Only(&["provider"]))
            .rec(Rec::SolApplication)
            .body(Body::Multipart(&[], ("file", "a.pdf", "application/pdf", Blob::Pdf))),
        page(M::POST, "/solicitation/applications/{id}/review", Only(SOL_RUNNERS))
            .rec(Rec::SolApplication)
            .form(&[("decision", "approve")]),
        page(M::POST, "/solicitation/applications/{id}/score", Only(&["expert"]))
            .rec(Rec::SolApplication)
            .form(&[("points", "1"), ("points", "1"), ("points", "1"), ("points", "1")]),
        page(M::POST, "/solicitation/applications/{id}/recuse", Only(&["expert"]))
            .rec(Rec::SolApplication)
            .form(&[("reason", "矩阵")]),
        page(M::POST, "/solicitation/applications/{id}/drop", Only(SOL_RUNNERS))
            .rec(Rec::SolApplication)
            .form(&[("reason", "矩阵")]),
        page(M::POST, "/solicitation/objections/{id}/answer", Only(SOL_RUNNERS))
            .rec(Rec::Objection)
            .form(&[("answer", "矩阵")]),
        // Course ratings: bodies refused (422) for those permitted, so nothing changes.
        api(M::GET, "/api/v1/courses/{id}/ratings", Signed).rec(Rec::ListedPackage),
        api(M::PUT, "/api/v1/courses/{id}/rating", Signed)
            .rec(Rec::ListedPackage)
            .json(r#"{"content":0,"picture":0,"relevance":0,"gain":0}"#),
        api(M::POST, "/api/v1/course-ratings/{id}/reply", Only(&["provider"]))
            .rec(Rec::Rating)
            .json(r#"{"reply":""}"#),
        api(M::POST, "/api/v1/course-ratings/{id}/moderation", Only(RATING_MODERATORS))
            .rec(Rec::Rating)
            .json(r#"{"action":"answer","answer":""}"#),
        api(M::POST, "/api/v1/course-suggestions", Signed).json(r#"{"text":""}"#),
        api(M::GET, "/api/v1/course-suggestions", Only(RATING_MODERATORS)),
        api(M::GET, "/api/v1/course-quality", Only(RATING_MODERATORS)),
        page(M::GET, "/course-catalogue/{id}/ratings", Signed).rec(Rec::ListedPackage),
        page(M::POST, "/course-catalogue/{id}/ratings", Signed)
            .rec(Rec::ListedPackage)
            .form(&[("content", "0")]),
        page(M::POST, "/course-ratings/{id}/reply", Only(&["provider"]))
            .rec(Rec::Rating)
            .form(&[("reply", "")]),
        page(M::POST, "/course-ratings/{id}/moderation", Only(RATING_MODERATORS))
            .rec(Rec::Rating)
            .form(&[("action", "answer"), ("answer", "")]),
        page(M::POST, "/course-suggestions", Signed).form(&[("text", "")]),
        page(M::GET, "/course-quality", Only(RATING_MODERATORS)),
        page(M::GET, "/course-quality.xlsx", Only(RATING_MODERATORS)),
        // The open API: keys, webhook, events, sales (bodies refused with 422).
        api(M::GET, "/api/v1/provider-api/keys", Only(OPEN_API)),
        api(M::POST, "/api/v1/provider-api/keys", Only(OPEN_API)).json(r#"{"name":""}"#),
        api(M::DELETE, "/api/v1/provider-api/keys/{id}", Only(&["provider"]))
            .rec(Rec::FreshApiKey),
        api(M::GET, "/api/v1/provider-api/webhook", Only(OPEN_API)),
        api(M::PUT, "/api/v1/provider-api/webhook", Only(OPEN_API)).json(r#"{"url":""}"#),
        api(M::DELETE, "/api/v1/provider-api/webhook", Only(OPEN_API)),
        api(M::GET, "/api/v1/provider-api/events", Only(OPEN_API)),
        api(M::GET, "/api/v1/provider-api/events/{id}", Only(&["provider"]))
            .rec(Rec::WebhookEvent),
        api(M::POST, "/api/v1/provider-api/events/{id}/replay", Only(&["provider"]))
            .rec(Rec::WebhookEvent),
        api(M::GET, "/api/v1/provider-api/sales", Only(OPEN_API)),
        page(M::GET, "/provider-api", Only(OPEN_API)),
        page(M::POST, "/provider-api/keys", Only(OPEN_API)).form(&[("name", "")]),
        page(M::POST, "/provider-api/keys/{id}/revoke", Only(&["provider"]))
            .rec(Rec::FreshApiKey),
        page(M::POST, "/provider-api/webhook", Only(OPEN_API)).form(&[("url", "")]),
        page(M::POST, "/provider-api/webhook/remove", Only(OPEN_API)),
        page(M::POST, "/provider-api/events/{id}/replay", Only(&["provider"]))
            .rec(Rec::WebhookEvent),
        page(M::GET, "/notices", Public),
        page(M::GET, "/notices/{id}", Public).rec(Rec::Campaign),
        page(M::GET, "/orders", Only(VIEW_ORDERS)),
        page(M::GET, "/orders.xlsx", Only(VIEW_ORDERS)),
        page(M::GET, "/classes/{id}/orders", Only(ORG_STAFF)).rec(Rec::Class),
        page(M::POST, "/classes/{id}/orders", Only(ORG_STAFF))
            .rec(Rec::Class)
            .form(&[("package_id", "none"), ("idempotency_key", "matrix")]),
        page(M::POST, "/classes/{id}/seats/assign", Only(ORG_STAFF)).rec(Rec::Class),
        page(M::GET, "/orders/{id}", Only(VIEW_ORDERS)).rec(Rec::Order),
        page(M::POST, "/orders/{id}/pay", Only(ORG_STAFF)).rec(Rec::Order),
        page(M::POST, "/orders/{id}/close", Only(ORG_STAFF)).rec(Rec::Order),
        page(M::POST, "/orders/{id}/refunds", Only(ORG_STAFF))
            .rec(Rec::Order)
            .form(&[("seats", "1"), ("reason", "矩阵")]),
        page(M::POST, "/refunds/{id}/approve", Only(SETTLE)).rec(Rec::Refund),
        page(M::POST, "/refunds/{id}/reject", Only(SETTLE))
            .rec(Rec::Refund)
            .form(&[("note", "矩阵")]),
        page(M::GET, "/sandbox/pay/{trade_no}", Only(ORG_STAFF)).rec(Rec::Trade),
        page(M::POST, "/sandbox/pay/{trade_no}", Only(ORG_STAFF)).rec(Rec::Trade),
        api(M::GET, "/api/v1/classes/{id}/offers", Only(ORG_STAFF)).rec(Rec::Class),
        api(M::POST, "/api/v1/classes/{id}/orders", Only(ORG_STAFF))
            .rec(Rec::Class)
            .json(r#"{"package_id":"none","idempotency_key":"matrix"}"#),
        api(M::POST, "/api/v1/classes/{id}/seats/assign", Only(ORG_STAFF)).rec(Rec::Class),
        api(M::GET, "/api/v1/orders", Only(VIEW_ORDERS)),
        api(M::GET, "/api/v1/orders/{id}", Only(VIEW_ORDERS)).rec(Rec::Order),
        api(M::POST, "/api/v1/orders/{id}/pay", Only(ORG_STAFF)).rec(Rec::Order),
        api(M::POST, "/api/v1/orders/{id}/close", Only(ORG_STAFF)).rec(Rec::Order),
        api(M::POST, "/api/v1/orders/{id}/refunds", Only(ORG_STAFF))
            .rec(Rec::Order)
            .json(r#"{"seats":1,"reason":"矩阵"}"#),
        api(M::GET, "/api/v1/refunds", Only(SETTLE)),
        api(M::POST, "/api/v1/refunds/{id}/decision", Only(SETTLE))
            .rec(Rec::Refund)
            .json(r#"{"approve":false,"note":""}"#),
        api(M::POST, "/api/v1/pay/notify/sandbox", Public),
        page(M::GET, "/invoices", Only(VIEW_ORDERS)),
        page(M::POST, "/orders/{id}/invoices", Only(ORG_STAFF))
            .rec(Rec::Order)
            .form(&[("kind", ""), ("title", ""), ("tax_id", "")]),
        page(M::POST, "/invoices/{id}/issue", Only(SELLERS))
            .rec(Rec::Invoice)
            .body(Body::Multipart(
                &[("number", "12345678"), ("issued_on", "2026-01-01")],
                ("file", "发票.pdf", "application/pdf", Blob::Pdf),
            )),
        page(M::POST, "/invoices/{id}/reverse", Only(SELLERS))
            .rec(Rec::Invoice)
            .body(Body::Multipart(
                &[("number", "12345679")],
                ("file", "红字.pdf", "application/pdf", Blob::Pdf),
            )),
        page(M::POST, "/invoices/{id}/reject", Only(SELLERS))
            .rec(Rec::Invoice)
            .form(&[("reason", "矩阵")]),
        page(M::GET, "/invoices/{id}/file", Only(VIEW_ORDERS)).rec(Rec::Invoice),
        page(M::GET, "/invoices/{id}/red-file", Only(VIEW_ORDERS)).rec(Rec::Invoice),
        api(M::GET, "/api/v1/invoices", Only(VIEW_ORDERS)),
        api(M::POST, "/api/v1/orders/{id}/invoices", Only(ORG_STAFF))
            .rec(Rec::Order)
            .json(r#"{"kind":"","title":"","tax_id":""}"#),
        api(M::POST, "/api/v1/invoices/{id}/issue", Only(SELLERS))
            .rec(Rec::Invoice)
            .query("?number=12345678&issued_on=2026-01-01")
            .body(Body::Raw("application/pdf", Blob::Pdf)),
        api(M::POST, "/api/v1/invoices/{id}/reverse", Only(SELLERS))
            .rec(Rec::Invoice)
            .query("?number=12345679")
            .body(Body::Raw("application/pdf", Blob::Pdf)),
        api(M::POST, "/api/v1/invoices/{id}/reject", Only(SELLERS))
            .rec(Rec::Invoice)
            .json(r#"{"reason":"矩阵"}"#),
        api(M::GET, "/api/v1/invoices/{id}/file", Only(VIEW_ORDERS)).rec(Rec::Invoice),
        api(M::GET, "/api/v1/invoices/{id}/red-file", Only(VIEW_ORDERS)).rec(Rec::Invoice),
        page(M::GET, "/settlements", Only(STATEMENT_READERS)),
        page(M::POST, "/settlements", Only(SETTLE)).form(&[("provider_org_id", ""), ("period", "2026-01"), ("fee_rate", "10")]),
        page(M::GET, "/settlements/{id}", Only(STATEMENT_READERS)).rec(Rec::Settlement),
        page(M::GET, "/settlements/{id}/statement.xlsx", Only(STATEMENT_READERS)).rec(Rec::Settlement),
        page(M::POST, "/settlements/{id}/confirm", Only(SELLERS)).rec(Rec::Settlement),
        page(M::POST, "/settlements/{id}/dispute", Only(SELLERS))
            .rec(Rec::Settlement)
            .form(&[("reason", "矩阵")]),
        page(M::POST, "/settlements/{id}/redraw", Only(SETTLE))
            .rec(Rec::Settlement)
            .form(&[("fee_rate", "10")]),
        page(M::POST, "/settlements/{id}/payout", Only(SETTLE))
            .rec(Rec::Settlement)
            .form(&[("reference", "矩阵")]),
        api(M::GET, "/api/v1/settlements", Only(STATEMENT_READERS)),
        api(M::POST, "/api/v1/settlements", Only(SETTLE))
            .json(r#"{"provider_org_id":"","period":"2026-01","fee_rate_bp":1000}"#),
        api(M::GET, "/api/v1/settlements/{id}", Only(STATEMENT_READERS)).rec(Rec::Settlement),
        api(M::POST, "/api/v1/settlements/{id}/confirm", Only(SELLERS)).rec(Rec::Settlement),
        api(M::POST, "/api/v1/settlements/{id}/dispute", Only(SELLERS))
            .rec(Rec::Settlement)
            .json(r#"{"reason":"矩阵"}"#),
        api(M::POST, "/api/v1/settlements/{id}/redraw", Only(SETTLE))
            .rec(Rec::Settlement)
            .json(r#"{"fee_rate_bp":1000}"#),
        api(M::POST, "/api/v1/settlements/{id}/payout", Only(SETTLE))
            .rec(Rec::Settlement)
            .json(r#"{"reference":"矩阵"}"#),
        api(M::GET, "/api/v1/order-settings", Signed),
        api(M::PUT, "/api/v1/order-settings", Only(SETTLE)).json(r#"{"refund_days": 999}"#),
        page(M::POST, "/order-settings", Only(SETTLE)).form(&[("refund_days", "999")]),
        page(M::GET, "/reconciliations", Only(SETTLE)),
        page(M::POST, "/reconciliations", Only(SETTLE)).form(&[("day", "")]),
        page(M::GET, "/reconciliations/{id}", Only(SETTLE)).rec(Rec::Reconciliation),
        page(M::POST, "/reconciliation-differences/{id}/resolve", Only(SETTLE))
            .rec(Rec::ReconDifference)
            .form(&[("note", "矩阵")]),
        api(M::GET, "/api/v1/reconciliations", Only(SETTLE)),
        api(M::POST, "/api/v1/reconciliations", Only(SETTLE)).json(r#"{"day":""}"#),
        api(M::GET, "/api/v1/reconciliations/{id}", Only(SETTLE)).rec(Rec::Reconciliation),
        api(M::POST, "/api/v1/reconciliation-differences/{id}/resolve", Only(SETTLE))
            .rec(Rec::ReconDifference)
            .json(r#"{"note":"矩阵"}"#),
        api(M::GET, "/api/v1/banks", Only(BANK_READERS)),
        api(M::POST, "/api/v1/banks", Only(CATALOGUE))
            .json(r#"{"name": "", "work_type_id": "none", "level": 9}"#),
        api(M::GET, "/api/v1/banks/{id}", Only(BANK_READERS)).rec(Rec::Bank),
        api(M::POST, "/api/v1/banks/{id}/questions", Only(CATALOGUE))
            .rec(Rec::Bank)
            .json(r#"{"stem": "", "answer": "", "explanation": "", "knowledge_point": ""}"#),
        api(
            M::DELETE,
            "/api/v1/banks/{id}/questions/{question}",
            Only(CATALOGUE),
        )
        .rec(Rec::FreshBankQuestion),
        api(M::POST, "/api/v1/banks/{id}/questions/imports", Only(CATALOGUE))
            .rec(Rec::Bank)
            .body(Body::Raw(XLSX, Blob::EmptyTemplate)),
        api(M::GET, "/api/v1/banks/{id}/document", Only(CATALOGUE)).rec(Rec::Bank),
        api(M::POST, "/api/v1/banks/documents", Only(CATALOGUE))
            .body(Body::Raw("application/json", Blob::Pdf)),
        api(M::GET, "/api/v1/classes/{id}/shared-banks", Only(ORG_STAFF)).rec(Rec::Class),
        // --- The public course catalogue ------------------------------------------------
        page(M::GET, "/course-catalogue", Public),
        page(M::GET, "/course-catalogue/{id}", Public).rec(Rec::ListedPackage),
        page(M::GET, "/course-catalogue/{id}/cover", Public).rec(Rec::ListedPackage),
        api(M::GET, "/api/v1/course-catalogue", Public),
        api(M::GET, "/api/v1/course-catalogue/{id}", Public).rec(Rec::ListedPackage),
        api(M::POST, "/api/v1/course-catalogue/reindex", Only(SETTINGS)),
        // Relisting a package never listed: a conflict for those who may.
        page(M::POST, "/courses/{id}/listing", Only(MANAGE_LISTINGS))
            .rec(Rec::CoursePackage)
            .form(&[("action", "relist"), ("reason", "矩阵")]),
        api(M::POST, "/api/v1/courses/{id}/listing", Only(MANAGE_LISTINGS))
            .rec(Rec::CoursePackage)
            .json(r#"{"action": "relist", "reason": "矩阵"}"#),
        // --- Data-exchange clients ----------------------------------------------------
        page(M::GET, "/admin/exchange", Only(SETTINGS)),
        page(M::POST, "/admin/exchange", Only(SETTINGS)).form(&[
            ("name", "矩阵新客户端"),
            ("datasets", "classes"),
            ("region_code", ""),
        ]),
        page(M::POST, "/admin/exchange/{id}/revoke", Only(SETTINGS)).rec(Rec::FreshClient),
    ]
}

// ---------------------------------------------------------------------------------------
// The fixture: the demo province with training, and one record of every kind in 南明区
// and one elsewhere.
// ---------------------------------------------------------------------------------------

struct Fixture {
    app: App,
    recs: HashMap<(Rec, Variant), Vec<(&'static str, String)>>,
    vars: Vec<(String, String)>,
    /// The admins of the organisations records are made for, by variant.
    staff: HashMap<Variant, (Principal, String, &'static str)>,
    exchange: (String, String),
    n: AtomicUsize,
}

fn ctx() -> RequestCtx {
    RequestCtx {
        ip: "127.0.0.1".into(),
        request_id: "matrix".into(),
        user_agent: "matrix".into(),
        ..Default::default()
    }
}

/// The app as it was `days` ago (or will be), to lay down history.
fn at(app: &App, days: i64) -> App {
    let mut a = app.clone();
    a.clock = std::sync::Arc::new(jineng_app::clock::OffsetClock {
        base: app.clock.clone(),
        by: chrono::Duration::days(days),
    });
    a
}

async fn principal(t: &TestApp, username: &str) -> Principal {
    t.app
        .accounts()
        .principal_of(&t.user_id(username).await)
        .await
        .unwrap()
}

/// A package with one chapter, a 45-minute text lesson, a cover and a copyright proof:
/// (package id, version id).
/// The principal of the account with this username.
async fn principal_named(app: &App, username: &str) -> Principal {
    let id = app
        .accounts()
        .user_id_by_username(username)
        .await
        .unwrap()
        .unwrap();
    app.accounts().principal_of(&id).await.unwrap()
}

/// A paid order of `version_id`'s course for a class, sold by `seller` (rows written
/// directly: the class is completed, past buying), with a rejected refund request and a
/// closed sandbox trade: (order id, refund id, trade number).
async fn matrix_order(
    app: &App,
    class_id: &str,
    version_id: &str,
    seller: &str,
) -> (String, String, String) {
    use jineng_core::orders::{Channel, OrderStatus, PaymentStatus, RefundStatus};
    use jineng_store::orders::{order, payment, refund, sandbox_trade};
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let c = jineng_store::classes::class::Entity::find_by_id(class_id.to_string())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let v = jineng_store::courses::version::Entity::find_by_id(version_id.to_string())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let now = app.now();
    let id = uuid::Uuid::now_v7().to_string();
    order::ActiveModel {
        id: Set(id.clone()),
        number: Set(format!("JN{}", &id[id.len() - 12..])),
        org_id: Set(c.org_id.clone()),
        region_code: Set(c.region_code.clone()),
        class_id: Set(c.id.clone()),
        package_id: Set(v.package_id.clone()),
        version_id: Set(v.id.clone()),
        provider_org_id: Set(seller.to_string()),
        course_name: Set(v.name.clone()),
        quantity: Set(2),
        unit_fen: Set(100),
        total_fen: Set(200),
        reason: Set("矩阵".into()),
        status: Set(OrderStatus::Paid),
        paid_fen: Set(200),
        refunded_fen: Set(0),
        refunded_seats: Set(0),
        idempotency_key: Set(id.clone()),
        created_by: Set("matrix".into()),
        created_at: Set(now),
        paid_at: Set(Some(now)),
        closed_at: Set(None),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let pay = payment::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        order_id: Set(id.clone()),
        channel: Set(Channel::Sandbox),
        amount_fen: Set(200),
        status: Set(PaymentStatus::Closed),
        channel_trade_no: Set(None),
        created_by: Set("matrix".into()),
        created_at: Set(now),
        paid_at: Set(None),
        ledger_idx: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let trade = format!("SBX{}", uuid::Uuid::new_v4().simple());
    sandbox_trade::Entity::insert(sandbox_trade::ActiveModel {
        trade_no: Set(trade.clone()),
        out_trade_no: Set(pay.id),
        subject: Set("矩阵".into()),
        amount_fen: Set(200),
        status: Set("TRADE_CLOSED".into()),
        refunded_fen: Set(0),
        notify_id: Set(uuid::Uuid::new_v4().to_string()),
        created_at: Set(now),
        paid_at: Set(None),
    })
    .exec_without_returning(&app.db)
    .await
    .unwrap();
    let r = refund::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        order_id: Set(id.clone()),
        seats: Set(1),
        amount_fen: Set(100),
        reason: Set("矩阵".into()),
        status: Set(RefundStatus::Rejected),
        decision_note: Set("矩阵".into()),
        requested_by: Set("matrix".into()),
        decided_by: Set(None),
        channel_refund_no: Set(None),
        created_at: Set(now),
        decided_at: Set(Some(now)),
        ledger_idx: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
    (id, r.id, trade)
}

/// A settlement statement of a provider for January 2026, paid out: its id.
/// The province's enabled policy and an answered batch with its bank file.
async fn matrix_subsidies(t: &TestApp, app: &App) -> (String, String) {
    use jineng_store::subsidies::batch;
    use sea_orm::{ActiveModelTrait, Set};
    let gz = principal(t, "gz_regulator").await;
    let i = jineng_app::subsidies::PolicyInput {
        name: "矩阵补贴政策".into(),
        effective_from: chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
        rules: jineng_core::subsidies::Rules {
            project_ids: vec![],
            amounts: [(0u8, Fen(60_000)), (5, Fen(100_000))]
                .into_iter()
                .collect(),
            categories: vec![],
            require_exam: false,
            require_certificate: false,
            min_online_hours: 0,
            min_offline_hours: 0,
            min_attendance_percent: 0,
            yearly_cap: Fen(0),
            window_from: chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
            window_until: chrono::NaiveDate::from_ymd_opt(2099, 12, 31).unwrap(),
            levels: jineng_core::subsidies::ReviewLevel::ALL.to_vec(),
            individual: false,
        },
        note: String::new(),
    };
    let policy = app
        .subsidies()
        .create_policy(&gz, &ctx(), &i)
        .await
        .unwrap();
    let id = uuid::Uuid::now_v7().to_string();
    let key = format!("subsidies/batches/{id}.txt");
    app.files
        .put(&key, b"H|JNSUB1|FF1|0|0|20260101\n".to_vec())
        .await
        .unwrap();
    batch::ActiveModel {
        id: Set(id.clone()),
        number: Set(format!("FF{id}")),
        status: Set(jineng_core::subsidies::BatchStatus::Answered),
        lines: Set(0),
        total_fen: Set(1),
        file_key: Set(key),
        file_sha256: Set(String::new()),
        created_by: Set("matrix".into()),
        created_at: Set(app.now()),
        answered_at: Set(Some(app.now())),
    }
    .insert(&app.db)
    .await
    .unwrap();
    (policy, id)
}

/// One voucher issue with an unused voucher for each of two people.
/// A voucher settlement of the organisation's, already paid (no voucher needed: paying it
/// again is refused before anything is read of its vouchers).
async fn matrix_voucher_settlement(app: &App, org_id: &str) -> String {
    use jineng_store::subsidies::voucher_settlement;
    use sea_orm::{ActiveModelTrait, Set};
    let now = app.now();
    let id = uuid::Uuid::now_v7().to_string();
    voucher_settlement::ActiveModel {
        id: Set(id.clone()),
        number: Set(format!("QJ{}", id.replace('-', ""))),
        org_id: Set(org_id.to_string()),
        vouchers: Set(1),
        total_fen: Set(80_000),
        status: Set(jineng_core::vouchers::SettlementStatus::Paid),
        bank_ref: Set(Some("BK0".into())),
        created_by: Set("matrix".into()),
        created_at: Set(now),
        paid_by: Set(Some("matrix".into())),
        paid_at: Set(Some(now)),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

/// `user`'s rating of the package, shown.
/// An endpoint for `org`'s webhook (an address the deliveries refuse) and one event.
async fn matrix_webhook_event(app: &App, org: &str) -> String {
    use jineng_store::open_api::{endpoint, event};
    use sea_orm::{ActiveModelTrait, Set};
    endpoint::ActiveModel {
        org_id: Set(org.to_string()),
        url: Set("http://127.0.0.1:9/hook".into()),
        secret_enc: Set("unused".into()),
        created_by: Set(app
            .accounts()
            .user_id_by_login("provider")
            .await
            .unwrap()
            .unwrap()),
        created_at: Set(app.now()),
        updated_at: Set(app.now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let id = format!("evt_{}", uuid::Uuid::now_v7().simple());
    event::ActiveModel {
        id: Set(id.clone()),
        org_id: Set(org.to_string()),
        kind: Set("course.listing".into()),
        payload: Set("{}".into()),
        created_at: Set(app.now()),
        delivered_at: Set(None),
        attempts: Set(0),
        last_status: Set(None),
        last_error: Set(String::new()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

async fn matrix_rating(app: &App, package_id: &str, user: &str) -> String {
    use jineng_store::courses::{package, rating};
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let p = package::Entity::find_by_id(package_id.to_string())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let id = uuid::Uuid::now_v7().to_string();
    rating::ActiveModel {
        id: Set(id.clone()),
        package_id: Set(p.id),
        org_id: Set(p.org_id),
        user_id: Set(user.to_string()),
        content: Set(4),
        picture: Set(4),
        relevance: Set(4),
        gain: Set(4),
        comment: Set("矩阵评价".into()),
        status: Set(jineng_core::courses::ratings::RatingStatus::Shown),
        hits: Set(String::new()),
        featured: Set(false),
        reply: Set(None),
        replied_at: Set(None),
        answer: Set(None),
        answered_at: Set(None),
        created_at: Set(app.now()),
        updated_at: Set(app.now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

struct SolicitationFixture {
    campaign: String,
    file: String,
    application: String,
    objection: String,
    admission: String,
}

/// A solicitation campaign as it stands once closed, written row by row.
async fn matrix_solicitation(
    app: &App,
    provider_org: &str,
    expert: &str,
    objector: &str,
) -> SolicitationFixture {
    use jineng_core::solicitation::{AdmissionStatus, ApplicationStatus, CampaignStatus};
    use jineng_store::solicitation::{
        admission, application, campaign, expert as assigned, file, objection,
    };
    use sea_orm::{ActiveModelTrait, Set};
    let now = app.now();
    let new_id = || uuid::Uuid::now_v7().to_string();
    let today = app.today().to_string();
    let c = new_id();
    let sheet = jineng_core::solicitation::ScoringSheet::parse(
        "课程内容,40,40\n画面与声音,20,20\n题目相关性,20,20\n团队与保障,20,20",
        5,
    )
    .unwrap();
    campaign::ActiveModel {
        id: Set(c.clone()),
        number: Set(format!("ZJ{}", c.replace('-', ""))),
        title: Set("矩阵资源征集".into()),
        wanted: Set("家政服务员".into()),
        requirements: Set("16学时".into()),
        opens_on: Set(today.clone()),
        closes_on: Set(today.clone()),
        correct_days: Set(5),
        notice_days: Set(7),
        sheet: Set(serde_json::to_string(&sheet).unwrap()),
        status: Set(CampaignStatus::Closed),
        notice_from: Set(Some(today)),
        pass_score: Set(Some(6000)),
        created_by: Set("matrix".into()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let f = new_id();
    let key = format!("solicitation/{c}/documents/{f}");
    app.files.put(&key, pdf()).await.unwrap();
    file::ActiveModel {
        id: Set(f.clone()),
        campaign_id: Set(c.clone()),
        application_id: Set(None),
        filename: Set("征集公告.pdf".into()),
        content_type: Set("application/pdf".into()),
        size: Set(pdf().len() as i64),
        sha256: Set(hex::encode(jineng_core::archive::sha256_bytes(&pdf()))),
        storage_key: Set(key),
        uploaded_by: Set("matrix".into()),
        created_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    assigned::ActiveModel {
        id: Set(new_id()),
        campaign_id: Set(c.clone()),
        expert_id: Set(expert.to_string()),
        assigned_by: Set("matrix".into()),
        created_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let a = new_id();
    application::ActiveModel {
        id: Set(a.clone()),
        campaign_id: Set(c.clone()),
        org_id: Set(provider_org.to_string()),
        status: Set(ApplicationStatus::Admitted),
        form: Set(r#"{"summary":"a","courses":"b","team":"c","achievements":"d"}"#.into()),
        correct_by: Set(None),
        review_note: Set(String::new()),
        result: Set(Some(8500)),
        submitted_at: Set(Some(now)),
        created_by: Set("matrix".into()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let o = new_id();
    objection::ActiveModel {
        id: Set(o.clone()),
        campaign_id: Set(c.clone()),
        application_id: Set(Some(a.clone())),
        filed_by: Set(objector.to_string()),
        body: Set("矩阵异议".into()),
        answer: Set(Some("矩阵答复".into())),
        answered_by: Set(Some("matrix".into())),
        answered_at: Set(Some(now)),
        created_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let adm = new_id();
    admission::ActiveModel {
        id: Set(adm.clone()),
        campaign_id: Set(c.clone()),
        application_id: Set(a.clone()),
        org_id: Set(provider_org.to_string()),
        status: Set(AdmissionStatus::Active),
        reason: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    SolicitationFixture {
        campaign: c,
        file: f,
        application: a,
        objection: o,
        admission: adm,
    }
}

async fn matrix_vouchers(app: &App, mine: &str, theirs: &str) -> (String, String) {
    use jineng_store::subsidies::{voucher, voucher_issue};
    use sea_orm::{ActiveModelTrait, Set};
    let now = app.now();
    let issue = uuid::Uuid::now_v7().to_string();
    voucher_issue::ActiveModel {
        id: Set(issue.clone()),
        number: Set(format!("QF{issue}")),
        name: Set("矩阵培训券".into()),
        method: Set(jineng_core::vouchers::IssueMethod::List),
        value_fen: Set(80_000),
        projects: Set(String::new()),
        categories: Set(String::new()),
        valid_from: Set("2000-01-01".into()),
        valid_until: Set("2099-12-31".into()),
        issued: Set(2),
        created_by: Set("matrix".into()),
        created_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let mut ids = Vec::new();
    for (n, user) in [mine, theirs].into_iter().enumerate() {
        let id = uuid::Uuid::now_v7().to_string();
        voucher::ActiveModel {
            id: Set(id.clone()),
            number: Set(format!("QF{issue}{n}")),
            issue_id: Set(issue.clone()),
            user_id: Set(user.to_string()),
            name: Set("矩阵".into()),
            region_code: Set("520102".into()),
            value_fen: Set(80_000),
            projects: Set(String::new()),
            valid_from: Set("2000-01-01".into()),
            valid_until: Set("2099-12-31".into()),
            status: Set(jineng_core::vouchers::VoucherStatus::Issued),
            class_id: Set(None),
            org_id: Set(None),
            used_at: Set(None),
            redeemed_at: Set(None),
            redeemed_by: Set(None),
            ledger_idx: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            settlement_id: Set(None),
            void_reason: Set(String::new()),
        }
        .insert(&app.db)
        .await
        .unwrap();
        ids.push(id);
    }
    (ids[0].clone(), ids[1].clone())
}

/// A PDF attached to a claim, in file storage.
async fn matrix_claim_document(app: &App, claim: &str) -> String {
    use jineng_store::subsidies::claim_document;
    use sea_orm::{ActiveModelTrait, Set};
    let id = uuid::Uuid::now_v7().to_string();
    let key = format!("subsidies/claims/{claim}/{id}");
    let bytes = pdf();
    app.files.put(&key, bytes.clone()).await.unwrap();
    claim_document::ActiveModel {
        id: Set(id.clone()),
        claim_id: Set(claim.to_string()),
        filename: Set("roster.pdf".into()),
        content_type: Set("application/pdf".into()),
        size: Set(bytes.len() as i64),
        sha256: Set(hex::encode(jineng_core::archive::sha256_bytes(&bytes))),
        storage_key: Set(key),
        uploaded_by: Set("matrix".into()),
        created_at: Set(app.now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

/// A claim for a class, waiting at its county.
async fn matrix_claim(app: &App, class_id: &str, policy: &str) -> String {
    use jineng_store::classes::class;
    use jineng_store::subsidies::claim;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let c = class::Entity::find_by_id(class_id.to_string())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let id = uuid::Uuid::now_v7().to_string();
    let now = app.now();
    claim::ActiveModel {
        id: Set(id.clone()),
        number: Set(format!("BT{id}")),
        policy_id: Set(policy.to_string()),
        policy_version: Set(1),
        class_id: Set(c.id),
        org_id: Set(c.org_id),
        region_code: Set(c.region_code),
        project_id: Set(c.project_id),
        skill_level: Set(5),
        standard_fen: Set(100_000),
        status: Set(jineng_core::subsidies::ClaimStatus::Reviewing),
        level: Set(Some(jineng_core::subsidies::ReviewLevel::County)),
        chain: Set("county,city,province".into()),
        learners: Set(0),
        eligible: Set(0),
        total_fen: Set(0),
        remarks: Set(String::new()),
        return_reason: Set(String::new()),
        submitted_by: Set("matrix".into()),
        submitted_at: Set(now),
        decided_at: Set(None),
        updated_at: Set(now),
        applicant_id: Set(String::new()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

/// A reconciled day of the sandbox channel with one resolved difference: (day, difference).
async fn matrix_reconciliation(app: &App) -> (String, String) {
    use jineng_store::orders::{reconciliation, reconciliation_difference};
    use sea_orm::{ActiveModelTrait, Set};
    let now = app.now();
    let id = uuid::Uuid::now_v7().to_string();
    reconciliation::ActiveModel {
        id: Set(id.clone()),
        channel: Set(jineng_core::orders::Channel::Sandbox),
        day: Set("2026-01-01".into()),
        platform_payments: Set(0),
        platform_paid_fen: Set(0),
        platform_refunds: Set(0),
        platform_refunded_fen: Set(0),
        channel_payments: Set(0),
        channel_paid_fen: Set(0),
        channel_refunds: Set(1),
        channel_refunded_fen: Set(100),
        differences: Set(1),
        open_differences: Set(0),
        created_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let diff = reconciliation_difference::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        reconciliation_id: Set(id.clone()),
        kind: Set(jineng_core::reconcile::DifferenceKind::OnlyAtChannel),
        movement: Set(jineng_core::reconcile::Movement::Refund),
        reference: Set("RF-MATRIX".into()),
        order_id: Set(None),
        platform_fen: Set(None),
        channel_fen: Set(Some(100)),
        resolution: Set("矩阵".into()),
        resolved_by: Set(None),
        resolved_at: Set(Some(now)),
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id;
    (id, diff)
}

async fn matrix_settlement(app: &App, provider: &str) -> String {
    use jineng_store::orders::settlement;
    use sea_orm::{ActiveModelTrait, Set};
    let now = app.now();
    settlement::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        provider_org_id: Set(provider.to_string()),
        period: Set("2026-01".into()),
        orders: Set(0),
        sales_fen: Set(0),
        refunds_fen: Set(0),
        fee_rate_bp: Set(1000),
        fee_fen: Set(0),
        due_fen: Set(0),
        status: Set(jineng_core::orders::SettlementStatus::Paid),
        dispute_reason: Set(String::new()),
        payout_ref: Set(Some("矩阵".into())),
        created_by: Set("matrix".into()),
        created_at: Set(now),
        confirmed_by: Set(None),
        confirmed_at: Set(Some(now)),
        paid_by: Set(None),
        paid_at: Set(Some(now)),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id
}

/// An invoice of an order, issued and reversed, with both PDFs stored: its id.
async fn matrix_invoice(app: &App, order_id: &str) -> String {
    use jineng_core::orders::{InvoiceKind, InvoiceStatus};
    use jineng_store::orders::{invoice, order};
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let o = order::Entity::find_by_id(order_id.to_string())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let id = uuid::Uuid::now_v7().to_string();
    let (file, red) = (
        format!("invoices/{id}.pdf"),
        format!("invoices/{id}-red.pdf"),
    );
    app.files.put(&file, pdf()).await.unwrap();
    app.files.put(&red, pdf()).await.unwrap();
    let now = app.now();
    invoice::ActiveModel {
        id: Set(id.clone()),
        order_id: Set(o.id),
        org_id: Set(o.org_id),
        provider_org_id: Set(o.provider_org_id),
        region_code: Set(o.region_code),
        kind: Set(InvoiceKind::Ordinary),
        title: Set("矩阵".into()),
        tax_id: Set(credit_code("91520102MA6DL5XK3")),
        address_phone: Set(String::new()),
        bank_account: Set(String::new()),
        amount_fen: Set(200),
        status: Set(InvoiceStatus::Reversed),
        reason: Set(String::new()),
        number: Set(Some("12345678".into())),
        issued_on: Set(Some(now.date_naive().to_string())),
        file_key: Set(Some(file)),
        filename: Set(Some("发票.pdf".into())),
        red_number: Set(Some("87654321".into())),
        red_file_key: Set(Some(red)),
        red_filename: Set(Some("红字发票.pdf".into())),
        requested_by: Set("matrix".into()),
        issued_by: Set(None),
        created_at: Set(now),
        issued_at: Set(Some(now)),
        reversed_at: Set(Some(now)),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

/// An open spot check of a class's study records drawn by `drawer`, sampling its
/// learners: its id.
async fn spot_check(app: &App, cl: &jineng_app::classes::ClassView, drawer: &Principal) -> String {
    use jineng_store::study::spot_check;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let c = jineng_store::classes::class::Entity::find_by_id(cl.id.clone())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    spot_check::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        class_id: Set(c.id),
        org_id: Set(c.org_id),
        region_code: Set(c.region_code),
        inspector_id: Set(drawer.user_id.clone()),
        inspector_name: Set(drawer.display_name.clone()),
        sample: Set("[]".into()),
        drawn_at: Set(app.now()),
        qualified: Set(None),
        remarks: Set(String::new()),
        decided_at: Set(None),
        acknowledged_at: Set(None),
        acknowledged_by: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id
}

/// A study session's parameters with an open watch check in it: `{id}`, `{check}`.
async fn study_session_with_check(
    app: &App,
    user_id: &str,
    session_id: String,
) -> Vec<(&'static str, String)> {
    use jineng_store::study::check;
    use sea_orm::{ActiveModelTrait, Set};
    let now = app.now();
    let c = check::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        session_id: Set(session_id.clone()),
        user_id: Set(user_id.to_string()),
        kind: Set(jineng_core::study::CheckKind::Sum),
        prompt: Set("1 + 1 = ?".into()),
        expected: Set("2".into()),
        outcome: Set(jineng_core::study::CheckOutcome::Open),
        issued_at: Set(now),
        due_at: Set(now + chrono::Duration::minutes(1)),
        answered_at: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
    vec![("id", session_id), ("check", c.id)]
}

async fn matrix_package(
    app: &App,
    who: &Principal,
    c: &RequestCtx,
    name: &str,
) -> (String, String) {
    matrix_package_as(
        app,
        who,
        c,
        name,
        jineng_core::courses::CourseTrainingType::VocationalSkill,
        Fen(10_000),
    )
    .await
}

async fn matrix_package_as(
    app: &App,
    who: &Principal,
    c: &RequestCtx,
    name: &str,
    training_type: jineng_core::courses::CourseTrainingType,
    price: Fen,
) -> (String, String) {
    use jineng_app::courses::files::VersionFile;
    use jineng_app::courses::{LessonInput, PackageInput};
    use jineng_core::courses::{CourseType, LessonKind};
    let d = app
        .courses()
        .create(
            who,
            c,
            PackageInput {
                name: name.into(),
                intro: "矩阵测试课程".into(),
                audience: "家政服务员".into(),
                content: "矩阵测试内容".into(),
                declared_hours: 1,
                occupation_code: "4-10-01-06".into(),
                work_type_id: None,
                skill_level: 5,
                training_type,
                course_type: CourseType::Skill,
                price,
                offline: false,
                free_seek: false,
            },
        )
        .await
        .unwrap();
    let vid = d.current.id.clone();
    let v = app
        .courses()
        .add_chapter(who, c, &vid, "第一章")
        .await
        .unwrap();
    app.courses()
        .add_lesson(
            who,
            c,
            &vid,
            LessonInput {
                chapter_id: v.chapters[0].id.clone(),
                title: "第一课".into(),
                kind: LessonKind::Text,
                body: "矩阵课时".into(),
                minutes: Some(45),
                preview: true,
            },
        )
        .await
        .unwrap();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0u8; 32]);
    for (which, bytes) in [(VersionFile::Cover, png), (VersionFile::Copyright, pdf())] {
        app.courses()
            .upload_file(who, c, &vid, which, "matrix.bin", bytes)
            .await
            .unwrap();
    }
    for n in 0..5 {
        app.courses()
            .add_question(
                who,
                c,
                &vid,
                &jineng_core::courses::questions::RawQuestion {
                    kind: "judge".into(),
                    stem: format!("矩阵判断题{n}"),
                    answer: "正确".into(),
                    explanation: "矩阵".into(),
                    knowledge_point: "矩阵".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    (d.package.id, vid)
}

/// The first question of a version's bank.
/// An exam of `class_id` on the listed version `version_id` (written straight to the
/// table: the matrix's classes are completed, where publishing is refused).
/// A certificate of the class for one of its learners (no caller), written as issuing
/// writes it (the matrix's classes have nobody who met the completion rule): (id, number).
async fn matrix_certificate(app: &App, class_id: &str) -> (String, String) {
    use jineng_store::certificates::certificate;
    use jineng_store::classes::{class, enrollment};
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
    let cl = class::Entity::find_by_id(class_id.to_string())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let member = enrollment::Entity::find()
        .filter(enrollment::Column::ClassId.eq(class_id))
        .order_by_asc(enrollment::Column::CreatedAt)
        .order_by_asc(enrollment::Column::UserId)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let id = uuid::Uuid::now_v7().to_string();
    let mut random = [0u8; 10];
    random[..8].copy_from_slice(&uuid::Uuid::now_v7().as_bytes()[8..]);
    let number = jineng_core::certificates::CertNumber::from_random(2026, &random).to_string();
    certificate::ActiveModel {
        id: Set(id.clone()),
        number: Set(number.clone()),
        kind: Set(jineng_core::certificates::CertKind::Completion),
        user_id: Set(Some(member.user_id)),
        // One certificate of a kind per learner and class: the spares are unattached.
        class_id: Set(None),
        org_id: Set(cl.org_id.clone()),
        region_code: Set(cl.region_code.clone()),
        holder_name: Set("矩阵学员".into()),
        project: Set("矩阵项目".into()),
        class_name: Set(cl.name.clone()),
        hours: Set(8),
        issued_on: Set("2026-01-01".into()),
        record: Set("matrix".into()),
        note: Set("matrix".into()),
        ledger_idx: Set(0),
        issued_by: Set("matrix".into()),
        issued_at: Set(app.now()),
        revoked_at: Set(None),
        revoked_reason: Set(String::new()),
        revoked_by: Set(None),
        revocation_idx: Set(None),
        teacher_id: Set(None),
        issuer_name: Set(String::new()),
        valid_until: Set(None),
        replaced_by: Set(None),
        issuer_region: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
    (id, number)
}

/// A province bank of the first work type, with one question.
async fn matrix_bank(app: &App) -> String {
    use sea_orm::EntityTrait;
    let wt = jineng_store::reference::work_type::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .expect("the demo has work types");
    let b = app
        .banks()
        .create(
            &Principal::system(),
            &ctx(),
            jineng_app::banks::BankInput {
                name: "矩阵省级题库".into(),
                occupation_code: String::new(),
                work_type_id: Some(wt.id),
                level: 4,
            },
        )
        .await
        .unwrap();
    matrix_bank_question(app, &b.id).await;
    b.id
}

async fn matrix_bank_question(app: &App, bank: &str) -> String {
    let stem = format!("矩阵题{}", uuid::Uuid::now_v7());
    app.banks()
        .add_question(
            &Principal::system(),
            &ctx(),
            bank,
            &jineng_core::courses::questions::RawQuestion {
                kind: "judge".into(),
                stem,
                answer: "正确".into(),
                explanation: "矩阵".into(),
                knowledge_point: "矩阵".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
}

async fn matrix_exam(app: &App, class_id: &str, version_id: &str) -> String {
    use jineng_store::classes::class;
    use jineng_store::courses::version;
    use jineng_store::exams::exam;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let cl = class::Entity::find_by_id(class_id.to_string())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let v = version::Entity::find_by_id(version_id.to_string())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let rule = jineng_core::exams::PaperRule {
        lines: vec![jineng_core::exams::DrawLine {
            kind: jineng_core::courses::questions::QuestionKind::Single,
            knowledge_point: None,
            difficulty: None,
            count: 1,
        }],
        scores: jineng_core::exams::Scores {
            single: 2,
            multiple: 0,
            judge: 0,
        },
        minutes: 30,
        pass_mark: 1,
        shared: None,
    };
    let id = uuid::Uuid::now_v7().to_string();
    exam::ActiveModel {
        id: Set(id.clone()),
        class_id: Set(cl.id),
        org_id: Set(cl.org_id),
        package_id: Set(v.package_id),
        version_id: Set(v.id),
        kind: Set(jineng_core::exams::ExamKind::Course),
        title: Set("矩阵考试".into()),
        rule: Set(serde_json::to_string(&rule).unwrap()),
        max_attempts: Set(0),
        show_answers: Set(true),
        opens_on: Set("2000-01-01".into()),
        closes_on: Set("2999-12-31".into()),
        created_by: Set("system".into()),
        created_at: Set(app.now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

/// An open attempt of `user_id` at `exam_id` whose paper is one question of the exam's
/// bank: `{id}`, `{position}`.
async fn matrix_attempt(app: &App, exam_id: &str, user_id: &str) -> Vec<(&'static str, String)> {
    use jineng_store::courses::question;
    use jineng_store::exams::{attempt, exam};
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let e = exam::Entity::find_by_id(exam_id.to_string())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let q = question::Entity::find()
        .filter(question::Column::VersionId.eq(e.version_id.clone()))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the listed course has a question bank");
    let options: Vec<String> = serde_json::from_str(&q.options).unwrap();
    let paper = vec![jineng_core::exams::PaperItem {
        question_id: q.id,
        kind: q.kind,
        order: (0..options.len()).collect(),
    }];
    let seq = attempt::Entity::find()
        .filter(attempt::Column::ExamId.eq(exam_id))
        .filter(attempt::Column::UserId.eq(user_id))
        .all(&app.db)
        .await
        .unwrap()
        .len() as i32
        + 1;
    // One open attempt per learner and exam: earlier ones of this caller are closed.
    attempt::Entity::update_many()
        .col_expr(
            attempt::Column::Status,
            sea_orm::sea_query::Expr::value(jineng_core::exams::AttemptStatus::Submitted),
        )
        .filter(attempt::Column::ExamId.eq(exam_id))
        .filter(attempt::Column::UserId.eq(user_id))
        .exec(&app.db)
        .await
        .unwrap();
    let now = app.now();
    let id = uuid::Uuid::now_v7().to_string();
    attempt::ActiveModel {
        id: Set(id.clone()),
        exam_id: Set(exam_id.to_string()),
        user_id: Set(user_id.to_string()),
        seq: Set(seq),
        seed: Set(7),
        paper: Set(serde_json::to_string(&paper).unwrap()),
        status: Set(jineng_core::exams::AttemptStatus::Open),
        check_kind: Set(jineng_core::study::CheckKind::Pledge),
        check_outcome: Set(jineng_core::study::CheckOutcome::Passed),
        started_at: Set(now),
        deadline: Set(now + chrono::Duration::minutes(30)),
        saved_at: Set(now),
        submitted_at: Set(None),
        total: Set(2),
        score: Set(None),
        passed: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
    vec![("id", id), ("position", "0".into())]
}

async fn first_question(app: &jineng_app::App, who: &Principal, vid: &str) -> String {
    app.courses()
        .question_bank(who, vid)
        .await
        .unwrap()
        .questions[0]
        .id
        .clone()
}

impl Fixture {
    async fn build(t: &TestApp) -> Fixture {
        use jineng_app::attendance::SessionInput;
        use jineng_app::catalogue::{ProjectFilter, ProjectInput};
        use jineng_app::classes::ClassInput;
        use jineng_app::learners::import::ImportMode;
        use jineng_app::teachers::TeacherInput;
        let app = &t.app;
        let sys = Principal::system();
        let c = ctx();
        let mut recs: HashMap<(Rec, Variant), Vec<(&'static str, String)>> = HashMap::new();
        let one = |v: String| vec![("id", v)];

        let inst = principal(t, "institution").await;
        let ent = principal(t, "enterprise").await;
        let zy = principal(t, "zy_institution").await;
        let gz = principal(t, "gz_regulator").await;
        let learner = principal(t, "learner").await;
        let lyy = principal(t, "learner_yy").await;
        let lzy = principal(t, "learner_zy").await;
        let org_nm = inst.org_ids()[0].clone();
        let org_yy = ent.org_ids()[0].clone();
        let org_zy = zy.org_ids()[0].clone();
        let today = app.today();
        let day = |d: i64| today + chrono::Duration::days(d);

        // Accounts: one in 南明区, one in 云岩区 (learner role, not an administrator).
        let mut account = HashMap::new();
        for (v, name, region) in [
            (Variant::In, "m_nm", "520102"),
            (Variant::Out, "m_yy", "520103"),
        ] {
            let u = app
                .accounts()
                .create_user(
                    &sys,
                    &c,
                    NewUser {
                        username: name.into(),
                        display_name: "矩阵账户".into(),
                        password: PW.into(),
                        phone: None,
                        id_number: None,
                        region: RegionCode::parse(region).ok(),
                        roles: vec![(Role::Learner, None)],
                        must_change_password: false,
                    },
                )
                .await
                .unwrap();
            recs.insert((Rec::Account, v), one(u.id.clone()));
            account.insert(v, u.id);
        }

        // Organisations, their licences, and this year's annual review already recorded.
        let year = chrono::Datelike::year(&app.now());
        for (v, org) in [(Variant::In, &org_nm), (Variant::Out, &org_yy)] {
            recs.insert((Rec::Org, v), one(org.clone()));
            let doc = app.organizations().documents(&sys, org).await.unwrap()[0]
                .id
                .clone();
            recs.insert((Rec::Document, v), vec![("id", org.clone()), ("doc", doc)]);
            app.organizations()
                .annual_review(&sys, &c, org, year, true, "矩阵年审")
                .await
                .unwrap();
        }

        // Catalogue: the seed's projects; the same project published by the province's
        // regulator too (so publishing it again conflicts for every catalogue manager);
        // a work type to duplicate.
        let projects = app
            .catalogue()
            .projects(&ProjectFilter::default(), PageRequest::first(50))
            .await
            .unwrap()
            .items;
        let project = |code: &str| {
            projects
                .iter()
                .find(|p| p.occupation_code == code)
                .unwrap()
                .clone()
        };
        let (p1, p3) = (project("4-10-01-06"), project("6-31-01-03"));
        let same = ProjectInput {
            occupation_code: "4-10-01-06".into(),
            work_type_id: None,
            skill_level: 5,
            training_type: "vocational_skill".into(),
            business_category: "employment_skill".into(),
            theory_hours: 40,
            practice_hours: 80,
            subsidy: Fen::parse_yuan("1200").unwrap(),
        };
        app.catalogue().publish(&gz, &c, same).await.unwrap();
        app.catalogue()
            .add_work_type(&sys, &c, "4-10-01-06", "M-01", "矩阵工种")
            .await
            .unwrap();

        // Declarations: the institution's (seeded) and zy_institution's, both approved.
        let d_nm = app
            .catalogue()
            .declarations(&inst, None, Some(ReviewStatus::Approved))
            .await
            .unwrap()[0]
            .id
            .clone();
        let d_zy = app
            .catalogue()
            .declare(&zy, &c, &org_zy, "4-10-01-06", None, 5)
            .await
            .unwrap()
            .id;
        app.catalogue()
            .decide_declaration(&sys, &c, &d_zy, Decision::Approve, "")
            .await
            .unwrap();
        recs.insert((Rec::Declaration, Variant::In), one(d_nm));
        recs.insert((Rec::Declaration, Variant::Out), one(d_zy));

        // 王老师 (the `teacher` account) in both institutions' pools, approved.
        let teacher_idn = id("52010219850612241");
        let mut teacher_id = String::new();
        for (v, who) in [(Variant::In, &inst), (Variant::Out, &zy)] {
            let tv = app
                .teachers()
                .add(
                    who,
                    &c,
                    TeacherInput {
                        name: "王老师".into(),
                        id_number: IdNumber::parse(&teacher_idn).unwrap(),
                        full_time: true,
                        subjects: "烹饪".into(),
                        level: "senior".into(),
                        qualifications: "高级技师".into(),
                        years_teaching: 10,
                        experience: String::new(),
                    },
                )
                .await
                .unwrap();
            app.teachers()
                .decide(&sys, &c, &tv.link_id, Decision::Approve, "")
                .await
                .unwrap();
            recs.insert(
                (Rec::TeacherLink, v),
                vec![("id", tv.link_id.clone()), ("link_id", tv.link_id)],
            );
            teacher_id = tv.teacher_id;
        }

        // The enterprise imports two learners of 云岩区 (the institution's twelve come
        // with the seed); both imports are finished jobs.
        let (a, b) = (id("52010319900101501"), id("52010319900202502"));
        let rows = [
            [
                "林峰",
                &a,
                "13710000001",
                "农村转移就业劳动者",
                "初中",
                "520103",
            ],
            [
                "黄莉",
                &b,
                "13710000002",
                "农村转移就业劳动者",
                "初中",
                "520103",
            ],
        ];
        let job_yy = app
            .learners()
            .import(&ent, &c, &xlsx(&rows), ImportMode::AllOrNothing)
            .await
            .unwrap();
        // The institution's own finished import: one bad row, so all-or-nothing refuses it
        // and nobody is created.
        let job_nm = app
            .learners()
            .import(
                &inst,
                &c,
                &xlsx(&[["坏行", "52010219900101", "1370000", "", "", "520102"]]),
                ImportMode::AllOrNothing,
            )
            .await
            .unwrap();
        for job in [&job_yy, &job_nm] {
            for _ in 0..400 {
                let who = if job == &job_yy { &ent } else { &inst };
                if !app
                    .learners()
                    .import_job(who, job)
                    .await
                    .unwrap()
                    .status
                    .running()
                {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
        }
        recs.insert((Rec::ImportJob, Variant::In), one(job_nm));
        recs.insert((Rec::ImportJob, Variant::Out), one(job_yy));
        let ent_learners = app
            .learners()
            .list(&ent, &Default::default(), PageRequest::first(50))
            .await
            .unwrap()
            .items;
        let inst_learner = app
            .learners()
            .list(&inst, &Default::default(), PageRequest::first(50))
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|l| l.name == "赵丽")
            .unwrap();
        recs.insert((Rec::Learner, Variant::In), one(inst_learner.id));
        recs.insert(
            (Rec::Learner, Variant::Out),
            one(ent_learners[0].id.clone()),
        );

        // Two classes that ran five weeks ago and are completed, each with a session: the
        // institution's (王老师 booked, `learner` enrolled) and the enterprise's.
        let inst_plan = (&inst, &p3, vec![learner.user_id.clone()], "南明");
        let ent_plan = (&ent, &p1, vec![ent_learners[0].id.clone()], "云岩");
        for (v, (who, p, members, place)) in [(Variant::In, inst_plan), (Variant::Out, ent_plan)] {
            let cl = at(app, -40)
                .classes()
                .open(
                    who,
                    &c,
                    ClassInput {
                        project_id: p.id.clone(),
                        name: format!("矩阵测试班（{place}，已结业）"),
                        delivery: Delivery::Offline,
                        start_date: day(-35),
                        end_date: day(-26),
                        location: format!("{place}培训基地"),
                        capacity: 30,
                        theory_hours: p.theory_hours,
                        practice_hours: p.practice_hours,
                    },
                )
                .await
                .unwrap();
            let then = at(app, -40);
            then.classes()
                .enroll(who, &c, &cl.id, &members)
                .await
                .unwrap();
            then.classes()
                .act(who, &c, &cl.id, ClassAction::Submit, "")
                .await
                .unwrap();
            at(app, -39)
                .classes()
                .act(&sys, &c, &cl.id, ClassAction::Approve, "")
                .await
                .unwrap();
            if v == Variant::In {
                at(app, -38)
                    .teachers()
                    .book(who, &c, &cl.id, &teacher_id)
                    .await
                    .unwrap();
            }
            let start = at(app, -35);
            start
                .classes()
                .act(who, &c, &cl.id, ClassAction::Start, "")
                .await
                .unwrap();
            let session = start
                .attendance()
                .add_session(
                    who,
                    &c,
                    &cl.id,
                    &SessionInput {
                        date: day(-35),
                        starts: "09:00".into(),
                        ends: "11:30".into(),
                        topic: "第1次课".into(),
                    },
                )
                .await
                .unwrap();
            at(app, -26)
                .classes()
                .act(who, &c, &cl.id, ClassAction::Complete, "")
                .await
                .unwrap();
            recs.insert(
                (Rec::ClassLearner, v),
                vec![("id", cl.id.clone()), ("user_id", members[0].clone())],
            );
            let drawer = principal_named(
                app,
                if v == Variant::In {
                    "nm_regulator"
                } else {
                    "yy_regulator"
                },
            )
            .await;
            recs.insert(
                (Rec::SpotCheck, v),
                one(spot_check(app, &cl, &drawer).await),
            );
            recs.insert((Rec::TaughtClass, v), one(cl.id.clone()));
            recs.insert((Rec::Class, v), one(cl.id));
            recs.insert((Rec::Session, v), one(session));
        }

        // Recruiting classes: the seed's 南明 one and one of the enterprise. Every demo
        // learner has applied to both already (so applying again is a conflict);
        // `learner_yy`'s application to the enterprise was rejected.
        let nm_recruiting = app
            .classes()
            .recruiting(&learner, None, PageRequest::first(20))
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|r| r.class.org_id == org_nm)
            .unwrap()
            .class
            .id;
        let yy_recruiting = app
            .classes()
            .open(
                &ent,
                &c,
                ClassInput {
                    project_id: p1.id.clone(),
                    name: "矩阵测试班（云岩，招生中）".into(),
                    delivery: Delivery::Offline,
                    start_date: day(14),
                    end_date: day(24),
                    location: "云岩培训基地".into(),
                    capacity: 30,
                    theory_hours: p1.theory_hours,
                    practice_hours: p1.practice_hours,
                },
            )
            .await
            .unwrap()
            .id;
        let rejected = app
            .classes()
            .apply(&lyy, &c, &yy_recruiting)
            .await
            .unwrap()
            .id;
        app.classes()
            .decide_application(&ent, &c, &rejected, false, "名额已满")
            .await
            .unwrap();
        for (who, class) in [
            (&lyy, &nm_recruiting),
            (&lzy, &nm_recruiting),
            (&lzy, &yy_recruiting),
            (&learner, &yy_recruiting),
        ] {
            app.classes().apply(who, &c, class).await.unwrap();
        }
        recs.insert((Rec::RecruitingClass, Variant::In), one(nm_recruiting));
        recs.insert((Rec::RecruitingClass, Variant::Out), one(yy_recruiting));
        let accepted = app
            .classes()
            .my_training(&learner)
            .await
            .unwrap()
            .applications
            .into_iter()
            .find(|a| a.status == ApplicationStatus::Accepted)
            .unwrap()
            .id;
        recs.insert((Rec::Application, Variant::In), one(accepted));
        recs.insert((Rec::Application, Variant::Out), one(rejected));

        // Unscoped kinds.
        recs.insert(
            (Rec::Occupation, Variant::Only),
            vec![("code", "4-10-01-06".into())],
        );
        recs.insert(
            (Rec::Dataset, Variant::Only),
            vec![("dataset", "learners".into())],
        );
        let job = app
            .jobs()
            .list(&sys, None, PageRequest::first(20))
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|j| j.state != jineng_core::jobs::JobState::Failed)
            .unwrap()
            .id;
        recs.insert((Rec::Job, Variant::Only), one(job));
        let exchange = app
            .exchange()
            .create_client(
                &Principal::system(),
                &c,
                jineng_app::exchange::ClientInput {
                    name: "矩阵测试平台".into(),
                    datasets: jineng_core::exchange::Dataset::ALL.to_vec(),
                    region: None,
                    full_id_numbers: false,
                },
            )
            .await
            .unwrap();

        // Someone else's token (`m_nm`'s), for every caller's out-of-scope revoke.
        let m_nm = app
            .accounts()
            .principal_of(&account[&Variant::In])
            .await
            .unwrap();
        let (tok, _) = app
            .accounts()
            .create_token(
                &m_nm,
                &c,
                "矩阵令牌",
                None,
                jineng_core::accounts::TokenScope::Full,
            )
            .await
            .unwrap();
        recs.insert((Rec::OwnToken, Variant::In), one(tok.id.clone()));
        recs.insert((Rec::OwnToken, Variant::Out), one(tok.id));
        recs.insert(
            (Rec::Invitation, Variant::In),
            vec![("org_id", org_nm.clone())],
        );
        recs.insert(
            (Rec::Invitation, Variant::Out),
            vec![("org_id", org_yy.clone())],
        );

        // Course packages: the provider's in 南明区 and 汇川区 institution's own course, each
        // a draft with its files and a second one waiting at level 1 of its review; the
        // demo experts in a group covering major category 4.
        let provider = principal(t, "provider").await;
        let op = principal(t, "operator").await;
        let expert_id = {
            use jineng_app::courses::experts::{ExpertInput, GroupInput};
            let leader = app
                .courses()
                .add_expert(
                    &op,
                    &c,
                    ExpertInput {
                        username: "expert_leader".into(),
                        unit_name: "贵州职业技术学院".into(),
                        unit_credit_code: None,
                        title: "教授".into(),
                        position: String::new(),
                        specialities: vec!["4".into()],
                        group_id: None,
                    },
                )
                .await
                .unwrap();
            let g = app
                .courses()
                .add_group(
                    &op,
                    &c,
                    GroupInput {
                        name: "生活服务专家组".into(),
                        leader_id: Some(leader.id.clone()),
                        categories: vec!["4".into()],
                        course_types: vec![],
                    },
                )
                .await
                .unwrap();
            app.courses()
                .add_expert(
                    &op,
                    &c,
                    ExpertInput {
                        username: "expert".into(),
                        unit_name: "贵州省家政协会".into(),
                        unit_credit_code: None,
                        title: String::new(),
                        position: String::new(),
                        specialities: vec!["4".into()],
                        group_id: Some(g.id),
                    },
                )
                .await
                .unwrap()
                .id
        };
        recs.insert((Rec::Expert, Variant::Only), one(expert_id));
        // A listed package: its first lesson is a free preview.
        {
            // Free and public-welfare: anyone signed in may study it on their own.
            let (listed_package, listed) = matrix_package_as(
                app,
                &provider,
                &c,
                "矩阵上架课程包",
                jineng_core::courses::CourseTrainingType::PublicWelfare,
                Fen(0),
            )
            .await;
            recs.insert(
                (Rec::Rating, Variant::Only),
                one(
                    matrix_rating(app, &listed_package, &principal(t, "learner").await.user_id)
                        .await,
                ),
            );
            recs.insert((Rec::ListedPackage, Variant::Only), one(listed_package));
            app.courses().submit(&provider, &c, &listed).await.unwrap();
            for who in ["expert", "expert_leader", "gz_regulator"] {
                let r = principal(t, who).await;
                app.courses()
                    .review(
                        &r,
                        &c,
                        &listed,
                        jineng_app::courses::review::ReviewInput {
                            decision: jineng_core::courses::ReviewDecision::Pass,
                            comments: String::new(),
                            checklist: jineng_core::courses::REVIEW_CHECKLIST
                                .iter()
                                .map(|x| x.to_string())
                                .collect(),
                            level: None,
                        },
                    )
                    .await
                    .unwrap();
            }
            let v = app.courses().version(&provider, &listed).await.unwrap();
            let lesson = v.chapters[0].lessons[0].id.clone();
            recs.insert((Rec::PreviewLesson, Variant::Only), one(lesson.clone()));
            // Someone else's study session (an account no caller signs in as).
            let s = app.study().open(&m_nm, &c, &lesson, "").await.unwrap();
            let rec = study_session_with_check(app, &m_nm.user_id, s.session_id).await;
            recs.insert((Rec::OwnStudySession, Variant::In), rec.clone());
            recs.insert((Rec::OwnStudySession, Variant::Out), rec);
            // An exam on each completed class, on the listed course.
            for v in [Variant::In, Variant::Out] {
                let class_id = recs[&(Rec::Class, v)][0].1.clone();
                let exam = matrix_exam(app, &class_id, &listed).await;
                recs.insert((Rec::Exam, v), one(exam.clone()));
                recs.insert((Rec::ExamToTake, v), one(exam));
                let spare = matrix_exam(app, &class_id, &listed).await;
                recs.insert((Rec::FreshExam, v), one(spare));
            }
            // A certificate of each completed class, and one to revoke.
            for v in [Variant::In, Variant::Out] {
                let class_id = recs[&(Rec::Class, v)][0].1.clone();
                let (id, number) = matrix_certificate(app, &class_id).await;
                recs.insert((Rec::Certificate, v), one(id));
                if v == Variant::In {
                    recs.insert((Rec::CertNumber, Variant::Only), vec![("number", number)]);
                }
                let (spare, _) = matrix_certificate(app, &class_id).await;
                recs.insert((Rec::FreshCertificate, v), one(spare));
            }
            // A province bank with one question.
            let bank = matrix_bank(app).await;
            recs.insert((Rec::Bank, Variant::Only), one(bank.clone()));
            recs.insert(
                (Rec::FreshBankQuestion, Variant::Only),
                vec![("id", bank), ("question", "none".into())],
            );
            // A paid order of each completed class, a rejected refund, a closed trade.
            for (v, seller) in [(Variant::In, "provider"), (Variant::Out, "provider_b")] {
                let class_id = recs[&(Rec::Class, v)][0].1.clone();
                let seller = principal(t, seller).await.org_ids()[0].clone();
                let (order, refund, trade) = matrix_order(app, &class_id, &listed, &seller).await;
                recs.insert((Rec::Invoice, v), one(matrix_invoice(app, &order).await));
                recs.insert(
                    (Rec::Settlement, v),
                    one(matrix_settlement(app, &seller).await),
                );
                recs.insert((Rec::Order, v), one(order));
                recs.insert((Rec::Trade, v), vec![("trade_no", trade)]);
                if v == Variant::In {
                    recs.insert((Rec::Refund, Variant::Only), one(refund));
                }
            }
            // A reconciled day with one difference, resolved.
            let (rec, diff) = matrix_reconciliation(app).await;
            recs.insert((Rec::Reconciliation, Variant::Only), one(rec));
            recs.insert((Rec::ReconDifference, Variant::Only), one(diff));
            // The province's policy, a claim waiting at each completed class's county, a
            // batch already answered.
            let (policy, batch) = matrix_subsidies(t, app).await;
            recs.insert((Rec::SubsidyPolicy, Variant::Only), one(policy.clone()));
            recs.insert((Rec::Batch, Variant::Only), one(batch));
            for v in [Variant::In, Variant::Out] {
                let class_id = recs[&(Rec::Class, v)][0].1.clone();
                let claim = matrix_claim(app, &class_id, &policy).await;
                let doc = matrix_claim_document(app, &claim).await;
                recs.insert(
                    (Rec::ClaimDocument, v),
                    vec![("id", claim.clone()), ("doc", doc)],
                );
                recs.insert((Rec::Claim, v), one(claim));
            }
            // An unused voucher of `learner`'s, and one of someone else's.
            let me = principal(t, "learner").await.user_id;
            let (mine, theirs) = matrix_vouchers(app, &me, &m_nm.user_id).await;
            recs.insert((Rec::Voucher, Variant::In), one(mine));
            recs.insert((Rec::Voucher, Variant::Out), one(theirs));
            let inst = principal(t, "institution").await.org_ids()[0].clone();
            recs.insert(
                (Rec::VoucherSettlement, Variant::Only),
                one(matrix_voucher_settlement(app, &inst).await),
            );
            // A closed solicitation campaign with its document, its expert, the
            // provider's admitted application, an answered objection and the admission.
            let expert = recs[&(Rec::Expert, Variant::Only)][0].1.clone();
            let provider_org = principal(t, "provider").await.org_ids()[0].clone();
            let objector = principal(t, "learner").await.user_id;
            let s = matrix_solicitation(app, &provider_org, &expert, &objector).await;
            recs.insert((Rec::Campaign, Variant::Only), one(s.campaign.clone()));
            recs.insert(
                (Rec::CampaignFile, Variant::Only),
                vec![("id", s.campaign.clone()), ("file", s.file)],
            );
            recs.insert(
                (Rec::CampaignExpert, Variant::Only),
                vec![("id", s.campaign), ("expert", expert)],
            );
            recs.insert((Rec::SolApplication, Variant::Only), one(s.application));
            recs.insert((Rec::Objection, Variant::Only), one(s.objection));
            recs.insert((Rec::Admission, Variant::Only), one(s.admission));
            recs.insert(
                (Rec::WebhookEvent, Variant::Only),
                one(matrix_webhook_event(app, &provider_org).await),
            );
            // Someone else's attempt (the same account as the study session's).
            let exam = recs[&(Rec::Exam, Variant::In)][0].1.clone();
            let rec = matrix_attempt(app, &exam, &m_nm.user_id).await;
            recs.insert((Rec::OwnAttempt, Variant::In), rec.clone());
            recs.insert((Rec::OwnAttempt, Variant::Out), rec);
        }
        for (v, who) in [(Variant::In, &provider), (Variant::Out, &zy)] {
            let mut ids = Vec::new();
            for name in ["矩阵课程包草稿", "矩阵课程包送审"] {
                let (pkg, ver) = matrix_package(app, who, &c, name).await;
                ids.push((pkg, ver));
            }
            app.courses().submit(who, &c, &ids[1].1).await.unwrap();
            recs.insert((Rec::CoursePackage, v), one(ids[0].0.clone()));
            let draft = app.courses().version(who, &ids[0].1).await.unwrap();
            recs.insert(
                (Rec::CourseVersion, v),
                vec![
                    ("id", ids[0].1.clone()),
                    ("chapter", draft.chapters[0].id.clone()),
                    ("lesson", draft.chapters[0].lessons[0].id.clone()),
                    ("question", first_question(app, who, &ids[0].1).await),
                ],
            );
            let in_review = app.courses().version(who, &ids[1].1).await.unwrap();
            let upload = app
                .courses()
                .start_upload(
                    who,
                    &c,
                    &ids[0].1,
                    jineng_app::courses::media::UploadInput {
                        chapter_id: draft.chapters[0].id.clone(),
                        title: "矩阵视频".into(),
                        filename: "matrix.mp4".into(),
                        size: pdf().len() as u64,
                        preview: false,
                    },
                )
                .await
                .unwrap();
            recs.insert((Rec::Upload, v), one(upload.id));
            recs.insert(
                (Rec::ReviewVersion, v),
                vec![
                    ("id", ids[1].1.clone()),
                    ("chapter", in_review.chapters[0].id.clone()),
                    ("lesson", in_review.chapters[0].lessons[0].id.clone()),
                    ("question", first_question(app, who, &ids[1].1).await),
                ],
            );
        }

        let learner_idn = id("52010219980307123");
        let vars = vec![
            ("nm_credit", credit_code("91520102MA6DEM001")),
            ("nm_rep_id", id("52010219750101301")),
            ("year", year.to_string()),
            ("wt_code", "M-01".into()),
            ("learner_idn", learner_idn),
            ("teacher_idn", teacher_idn),
            ("teacher", teacher_id),
            ("learner", learner.user_id.clone()),
            ("project", p1.id.clone()),
            ("today", today.to_string()),
            ("yesterday", day(-1).to_string()),
            ("next_week", day(7).to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (format!("@{k}@"), v))
        .collect();

        let mut fx = Fixture {
            app: app.clone(),
            recs,
            vars,
            staff: HashMap::from([
                (Variant::In, (inst, org_nm, "school_licence")),
                (Variant::Out, (ent, org_yy, "business_licence")),
            ]),
            exchange,
            n: AtomicUsize::new(0),
        };
        // Shared records of the kinds made fresh for permitted callers: refused callers
        // are sent to these.
        for v in [Variant::In, Variant::Out] {
            let acc = fx.fresh(Rec::FreshAccount, v, None).await;
            fx.recs.insert((Rec::FreshAccount, v), acc);
            let doc = fx.fresh(Rec::FreshDocument, v, None).await;
            fx.recs.insert((Rec::FreshDocument, v), doc);
        }
        let project = fx.fresh(Rec::FreshProject, Variant::Only, None).await;
        fx.recs.insert((Rec::FreshProject, Variant::Only), project);
        let client = fx.fresh(Rec::FreshClient, Variant::Only, None).await;
        fx.recs.insert((Rec::FreshClient, Variant::Only), client);
        let key = fx.fresh(Rec::FreshApiKey, Variant::Only, None).await;
        fx.recs.insert((Rec::FreshApiKey, Variant::Only), key);
        for rec in [Rec::FreshExpert, Rec::FreshGroup] {
            let x = fx.fresh(rec, Variant::Only, None).await;
            fx.recs.insert((rec, Variant::Only), x);
        }
        for v in [Variant::In, Variant::Out] {
            let u = fx.fresh(Rec::FreshUpload, v, None).await;
            fx.recs.insert((Rec::FreshUpload, v), u);
        }
        fx
    }

    fn fill(&self, s: &str) -> String {
        let mut out = s.to_string();
        for (k, v) in &self.vars {
            out = out.replace(k, v);
        }
        let left = out
            .split('@')
            .skip(1)
            .step_by(2)
            .find(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        assert!(
            left.is_none(),
            "unfilled placeholder @{}@ in {out}",
            left.unwrap_or("")
        );
        out
    }

    /// A record made for one call that may consume it.
    async fn fresh(
        &self,
        rec: Rec,
        v: Variant,
        caller: Option<&str>,
    ) -> Vec<(&'static str, String)> {
        let n = self.n.fetch_add(1, Ordering::SeqCst);
        let app = &self.app;
        let (sys, c) = (Principal::system(), ctx());
        match rec {
            Rec::FreshAccount => {
                let region = if v == Variant::In { "520102" } else { "520103" };
                let u = app
                    .accounts()
                    .create_user(
                        &sys,
                        &c,
                        NewUser {
                            username: format!("m_fresh{n}"),
                            display_name: "矩阵账户".into(),
                            password: PW.into(),
                            phone: None,
                            id_number: None,
                            region: RegionCode::parse(region).ok(),
                            roles: vec![(Role::Learner, None)],
                            must_change_password: false,
                        },
                    )
                    .await
                    .unwrap();
                vec![("id", u.id)]
            }
            Rec::FreshDocument => {
                let (who, org, kind) = &self.staff[&v];
                let d = app
                    .organizations()
                    .upload_document(who, &c, org, kind, "矩阵.pdf", pdf())
                    .await
                    .unwrap();
                vec![("id", org.clone()), ("doc", d.id)]
            }
            Rec::FreshProject => {
                const TYPES: [&str; 4] = [
                    "special_ability",
                    "labor_brand",
                    "public_welfare",
                    "entrepreneurship",
                ];
                let p = app
                    .catalogue()
                    .publish(
                        &sys,
                        &c,
                        jineng_app::catalogue::ProjectInput {
                            occupation_code: "4-10-01-06".into(),
                            work_type_id: None,
                            skill_level: (n % 6) as i32,
                            training_type: TYPES[(n / 6) % TYPES.len()].into(),
                            business_category: "employment_skill".into(),
                            theory_hours: 40,
                            practice_hours: 80,
                            subsidy: Fen(0),
                        },
                    )
                    .await
                    .unwrap();
                vec![("id", p.id)]
            }
            Rec::FreshExam => {
                let class_id = &self.recs[&(Rec::Class, v)][0].1;
                let exam = &self.recs[&(Rec::Exam, v)][0].1;
                let version = {
                    use jineng_store::exams::exam;
                    use sea_orm::EntityTrait;
                    exam::Entity::find_by_id(exam.clone())
                        .one(&app.db)
                        .await
                        .unwrap()
                        .unwrap()
                        .version_id
                };
                vec![("id", matrix_exam(app, class_id, &version).await)]
            }
            Rec::FreshCertificate => {
                let class_id = &self.recs[&(Rec::Class, v)][0].1;
                vec![("id", matrix_certificate(app, class_id).await.0)]
            }
            Rec::FreshBankQuestion => {
                let bank = self.recs[&(Rec::Bank, Variant::Only)][0].1.clone();
                let q = matrix_bank_question(app, &bank).await;
                vec![("id", bank), ("question", q)]
            }
            Rec::OwnAttempt => {
                let caller = caller.expect("own attempt for a caller");
                let who = principal_named(app, caller).await;
                let exam = &self.recs[&(Rec::Exam, Variant::In)][0].1;
                matrix_attempt(app, exam, &who.user_id).await
            }
            Rec::OwnStudySession => {
                let caller = caller.expect("own study session for a caller");
                let who = principal_named(app, caller).await;
                let lesson = &self.recs[&(Rec::PreviewLesson, Variant::Only)][0].1;
                let s = app.study().open(&who, &c, lesson, "").await.unwrap();
                study_session_with_check(app, &who.user_id, s.session_id).await
            }
            Rec::OwnToken => {
                let caller = caller.expect("own token for a caller");
                let who = principal_named(app, caller).await;
                let (tok, _) = app
                    .accounts()
                    .create_token(
                        &who,
                        &c,
                        "矩阵撤销",
                        None,
                        jineng_core::accounts::TokenScope::Full,
                    )
                    .await
                    .unwrap();
                vec![("id", tok.id)]
            }
            Rec::FreshExpert => {
                app.accounts()
                    .create_user(
                        &sys,
                        &c,
                        NewUser {
                            username: format!("m_expert{n}"),
                            display_name: "矩阵专家".into(),
                            password: PW.into(),
                            phone: None,
                            id_number: None,
                            region: None,
                            roles: vec![(Role::Expert, None)],
                            must_change_password: false,
                        },
                    )
                    .await
                    .unwrap();
                let x = app
                    .courses()
                    .add_expert(
                        &sys,
                        &c,
                        jineng_app::courses::experts::ExpertInput {
                            username: format!("m_expert{n}"),
                            unit_name: "矩阵单位".into(),
                            unit_credit_code: None,
                            title: String::new(),
                            position: String::new(),
                            specialities: vec![],
                            group_id: None,
                        },
                    )
                    .await
                    .unwrap();
                vec![("id", x.id)]
            }
            Rec::FreshGroup => {
                let g = app
                    .courses()
                    .add_group(
                        &sys,
                        &c,
                        jineng_app::courses::experts::GroupInput {
                            name: format!("矩阵专家组{n}"),
                            leader_id: None,
                            categories: vec![],
                            course_types: vec![],
                        },
                    )
                    .await
                    .unwrap();
                vec![("id", g.id)]
            }
            Rec::FreshUpload => {
                let owner = if v == Variant::In {
                    "provider"
                } else {
                    "zy_institution"
                };
                let uid = app
                    .accounts()
                    .user_id_by_username(owner)
                    .await
                    .unwrap()
                    .unwrap();
                let who = app.accounts().principal_of(&uid).await.unwrap();
                let draft = &self.recs[&(Rec::CourseVersion, v)];
                let field = |k: &str| draft.iter().find(|(n, _)| *n == k).unwrap().1.clone();
                let m = app
                    .courses()
                    .start_upload(
                        &who,
                        &c,
                        &field("id"),
                        jineng_app::courses::media::UploadInput {
                            chapter_id: field("chapter"),
                            title: format!("矩阵放弃上传{n}"),
                            filename: "a.mp4".into(),
                            size: 10,
                            preview: false,
                        },
                    )
                    .await
                    .unwrap();
                vec![("id", m.id)]
            }
            Rec::FreshApiKey => {
                let who = principal_named(app, "provider").await;
                let k = app
                    .open_api()
                    .create_key(&who, &c, &format!("矩阵密钥{n}"), "")
                    .await
                    .unwrap();
                vec![("id", k.key.id)]
            }
            Rec::FreshClient => {
                let (id, _) = app
                    .exchange()
                    .create_client(
                        &sys,
                        &c,
                        jineng_app::exchange::ClientInput {
                            name: format!("矩阵客户端{n}"),
                            datasets: vec![jineng_core::exchange::Dataset::Classes],
                            region: None,
                            full_id_numbers: false,
                        },
                    )
                    .await
                    .unwrap();
                vec![("id", id)]
            }
            Rec::Invitation => {
                use jineng_store::learners::{import_job, link_request};
                use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
                let caller = caller.expect("an invitation for a caller");
                let user = app
                    .accounts()
                    .user_id_by_username(caller)
                    .await
                    .unwrap()
                    .unwrap();
                let (_, org, _) = &self.staff[&Variant::In];
                link_request::Entity::delete_many()
                    .filter(link_request::Column::OrgId.eq(org.clone()))
                    .filter(link_request::Column::UserId.eq(user.clone()))
                    .exec(&app.db)
                    .await
                    .unwrap();
                // The invitation names the import that found the person (a foreign key).
                let import_id = uuid::Uuid::now_v7().to_string();
                import_job::Entity::insert(import_job::ActiveModel {
                    id: Set(import_id.clone()),
                    org_id: Set(org.clone()),
                    created_by: Set("matrix".into()),
                    mode: Set(jineng_core::learners::ImportMode::GoodOnly),
                    status: Set(jineng_core::learners::ImportStatus::Done),
                    total_rows: Set(1),
                    processed_rows: Set(1),
                    good_rows: Set(1),
                    bad_rows: Set(0),
                    imported_rows: Set(0),
                    pending_rows: Set(1),
                    report: Set("[]".into()),
                    created_at: Set(app.now()),
                    finished_at: Set(Some(app.now())),
                })
                .exec(&app.db)
                .await
                .unwrap();
                link_request::Entity::insert(link_request::ActiveModel {
                    org_id: Set(org.clone()),
                    user_id: Set(user),
                    import_id: Set(import_id),
                    status: Set(jineng_core::learners::LinkRequestStatus::Pending),
                    created_at: Set(app.now()),
                    decided_at: Set(None),
                })
                .exec(&app.db)
                .await
                .unwrap();
                vec![("org_id", org.clone())]
            }
            _ => unreachable!("{rec:?} is not made fresh"),
        }
    }

    /// The path parameters of the record for this call.
    async fn params(
        &self,
        rec: Rec,
        v: Variant,
        caller: Option<&str>,
        permitted: bool,
    ) -> Vec<(&'static str, String)> {
        let fresh = permitted
            && match rec {
                Rec::FreshAccount
                | Rec::FreshDocument
                | Rec::FreshProject
                | Rec::FreshClient
                | Rec::FreshExpert
                | Rec::FreshGroup
                | Rec::FreshUpload
                | Rec::FreshExam
                | Rec::FreshCertificate
                | Rec::FreshBankQuestion
                | Rec::FreshApiKey => true,
                Rec::OwnToken | Rec::OwnStudySession | Rec::OwnAttempt | Rec::Invitation => {
                    v == Variant::In
                }
                _ => false,
            };
        if fresh {
            return self.fresh(rec, v, caller).await;
        }
        if rec == Rec::None {
            return vec![];
        }
        self.recs
            .get(&(rec, v))
            .unwrap_or_else(|| panic!("no {rec:?} {v:?} in the fixture"))
            .clone()
    }
}

// ---------------------------------------------------------------------------------------
// Sending and judging.
// ---------------------------------------------------------------------------------------

/// A caller: a cookie jar with its CSRF token, and an API token (none when anonymous).
struct Caller {
    name: Option<&'static str>,
    cookies: BTreeMap<String, String>,
    csrf: String,
    token: Option<String>,
}

impl Caller {
    fn label(&self) -> &'static str {
        self.name.unwrap_or("(anonymous)")
    }
}

fn cookie_header(c: &BTreeMap<String, String>) -> String {
    c.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn send(t: &TestApp, fx: &Fixture, r: &Rule, uri: &str, who: &Caller) -> Resp {
    let mut b = Request::builder().method(r.method.clone()).uri(uri);
    let body = match r.surface {
        Surface::Page => {
            b = b.header(header::COOKIE, cookie_header(&who.cookies));
            match &r.body {
                Body::None if r.method == M::GET => HttpBody::empty(),
                Body::None | Body::Form(_) => {
                    let mut fields = vec![("_csrf".to_string(), who.csrf.clone())];
                    if let Body::Form(f) = &r.body {
                        fields.extend(f.iter().map(|(k, v)| (k.to_string(), fx.fill(v))));
                    }
                    b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                    HttpBody::from(serde_urlencoded::to_string(&fields).unwrap())
                }
                Body::Multipart(fields, (name, filename, ct, blob)) => {
                    let sep = if uri.contains('?') { '&' } else { '?' };
                    b = b.uri(format!("{uri}{sep}_csrf={}", who.csrf));
                    let boundary = "jinengmatrixboundary";
                    let mut body = Vec::new();
                    for (k, v) in fields.iter() {
                        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{}\r\n", fx.fill(v)).as_bytes());
                    }
                    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {ct}\r\n\r\n").as_bytes());
                    body.extend(blob.bytes());
                    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
                    b = b.header(
                        header::CONTENT_TYPE,
                        format!("multipart/form-data; boundary={boundary}"),
                    );
                    HttpBody::from(body)
                }
                // The page's own scripts (the video uploader) send JSON or raw bytes with
                // the CSRF token in a header.
                Body::Json(j) => {
                    b = b
                        .header(header::CONTENT_TYPE, "application/json")
                        .header("x-csrf-token", who.csrf.clone());
                    HttpBody::from(fx.fill(j))
                }
                Body::Raw(ct, blob) => {
                    b = b
                        .header(header::CONTENT_TYPE, *ct)
                        .header("x-csrf-token", who.csrf.clone());
                    HttpBody::from(blob.bytes())
                }
            }
        }
        Surface::Api => {
            if let Some(tok) = &who.token {
                b = b.header(header::AUTHORIZATION, format!("Bearer {tok}"));
            }
            match &r.body {
                Body::None => HttpBody::empty(),
                Body::Json(j) => {
                    let text = fx.fill(j);
                    serde_json::from_str::<serde_json::Value>(&text).unwrap_or_else(|e| {
                        panic!("{} {}: bad JSON ({e}): {text}", r.method, r.path)
                    });
                    b = b.header(header::CONTENT_TYPE, "application/json");
                    HttpBody::from(text)
                }
                Body::Raw(ct, blob) => {
                    b = b.header(header::CONTENT_TYPE, *ct);
                    HttpBody::from(blob.bytes())
                }
                other => panic!(
                    "{} {}: the API takes JSON or a file, not {other:?}",
                    r.method, r.path
                ),
            }
        }
    };
    t.send(b.body(body).unwrap()).await
}

/// What a permitted caller must not get.
fn refused_or_broken(s: StatusCode) -> bool {
    matches!(s.as_u16(), 401 | 403 | 404 | 405) || s.is_server_error()
}

fn to_login(r: &Resp) -> bool {
    r.status.is_redirection() && r.location().starts_with("/login")
}

/// `None` if the answer is right; else what was expected.
fn judge(r: &Rule, who: &Caller, permitted: bool, resp: &Resp) -> Option<&'static str> {
    let s = resp.status;
    if matches!(r.who, Machine) {
        return (s != StatusCode::UNAUTHORIZED).then_some("401 (machine clients sign requests)");
    }
    if matches!(r.who, SignedUrl) {
        return (s != StatusCode::NOT_FOUND || !resp.body.is_empty())
            .then_some("a bare 404 (the URL's signature is the permission)");
    }
    if matches!(r.who, ProxyCheck) {
        return (s != StatusCode::FORBIDDEN || !resp.body.is_empty())
            .then_some("a bare 403 (nothing signed to check)");
    }
    if who.name.is_none() {
        return match (r.who, r.surface) {
            (Public, _) => refused_or_broken(s).then_some("an answer (public route)"),
            (_, Surface::Page) => (!(to_login(resp) || s == StatusCode::UNAUTHORIZED))
                .then_some("303 to /login or 401"),
            (_, Surface::Api) => (s != StatusCode::UNAUTHORIZED).then_some("401"),
        };
    }
    if permitted {
        if refused_or_broken(s) {
            return Some("allowed (not 401/403/404/405/5xx)");
        }
        if r.surface == Surface::Page && to_login(resp) && !r.login_redirect_ok {
            return Some("allowed (not sent to /login)");
        }
        return None;
    }
    let ok = s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND;
    (!ok).then_some("403 or 404")
}

/// The first 200 characters of what the answer says: a page's text without its head and
/// tags, or the JSON body.
fn snippet(r: &Resp) -> String {
    let raw = r.text();
    let text = match raw.find("</head>") {
        Some(i) => {
            let mut out = String::new();
            let mut in_tag = false;
            for ch in raw[i + "</head>".len()..].chars() {
                match ch {
                    '<' => in_tag = true,
                    '>' => {
                        in_tag = false;
                        out.push(' ');
                    }
                    c if !in_tag => out.push(c),
                    _ => {}
                }
            }
            out
        }
        None => raw,
    };
    let squashed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    squashed.chars().take(200).collect()
}

/// The rule's path with the record's parameters (and the rule's own) put in.
fn fill_path(r: &Rule, record: &[(&'static str, String)]) -> String {
    let mut path = r.path.to_string();
    for (k, val) in record
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain(r.params.iter().copied())
    {
        path = path.replace(&format!("{{{k}}}"), val);
    }
    assert!(!path.contains('{'), "{}: parameter left in {path}", r.path);
    path
}

fn key_of(r: &Route) -> String {
    format!("{:?} {} {}", r.surface, r.method, r.path)
}

/// Routes without a row, rows without a route, and rows given twice.
fn coverage_problems(rules: &[Rule]) -> Vec<String> {
    let table: HashSet<String> = jineng_web::route_table().iter().map(key_of).collect();
    let mut seen = HashSet::new();
    let mut problems = Vec::new();
    for r in rules {
        if !seen.insert(r.key()) {
            problems.push(format!("row given twice: {}", r.key()));
        }
        if !table.contains(&r.key()) {
            problems.push(format!("row without a route (stale): {}", r.key()));
        }
    }
    let mut missing: Vec<_> = table.difference(&seen).cloned().collect();
    missing.sort();
    problems.extend(
        missing
            .into_iter()
            .map(|k| format!("route without a row: {k}")),
    );
    problems
}

#[test]
fn every_route_has_exactly_one_row() {
    let problems = coverage_problems(&rules());
    assert!(
        problems.is_empty(),
        "the role matrix needs exactly one row per route of jineng_web::route_table() ({} routes):\n  {}",
        jineng_web::route_table().len(),
        problems.join("\n  ")
    );
}

// The matrix is walked in three parts, each with its own platform and fixture, so that
// the test threads share it out (alone it was the suite's longest test by far).
#[tokio::test]
async fn every_route_for_every_account_1() {
    every_route_for_every_account(0).await;
}

#[tokio::test]
async fn every_route_for_every_account_2() {
    every_route_for_every_account(1).await;
}

#[tokio::test]
async fn every_route_for_every_account_3() {
    every_route_for_every_account(2).await;
}

const PARTS: usize = 3;

/// Every `PARTS`th row of the matrix from `part` on, for every account and nobody.
async fn every_route_for_every_account(part: usize) {
    let started = std::time::Instant::now();
    let all = rules();
    let problems = coverage_problems(&all);
    assert!(
        problems.is_empty(),
        "the role matrix needs exactly one row per route:\n  {}",
        problems.join("\n  ")
    );
    let rules: Vec<&Rule> = all.iter().skip(part).step_by(PARTS).collect();

    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    // The evidence log has a known record and a checkpoint to serve.
    let txn = jineng_app::tx::begin_write(&t.app.db).await.unwrap();
    jineng_app::ledger::append(
        &txn,
        &jineng_evidence::entry::Entry {
            kind: jineng_evidence::entry::Kind::Certificate,
            record_id: "matrix-record".into(),
            record_sha256: [1; 32],
            at_micros: 0,
            org_id: String::new(),
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    t.app
        .ledger()
        .checkpoint(&jineng_app::Principal::system(), &Default::default(), false)
        .await
        .unwrap();
    let fx = Fixture::build(&t).await;
    let built = started.elapsed();

    // One browser (with its CSRF token) and one API token per account, and nobody.
    let mut anon_b = t.browser();
    let anon_csrf = anon_b.csrf("/login").await;
    let anon = Caller {
        name: None,
        cookies: anon_b.cookies.clone(),
        csrf: anon_csrf,
        token: None,
    };
    let mut callers = Vec::new();
    for u in ACCOUNTS {
        let mut b = t.signed_in(u).await;
        let csrf = b.csrf("/account/password").await;
        callers.push(Caller {
            name: Some(u),
            cookies: b.cookies.clone(),
            csrf,
            token: Some(t.token(u).await),
        });
    }

    let mut bad = Vec::new();
    let mut checks = 0;
    for &r in &rules {
        for &v in r.rec.variants() {
            for who in std::iter::once(&anon).chain(callers.iter()) {
                let permitted = who.name.is_some_and(|n| {
                    r.who.allows(n) && (r.any_record || r.rec.scope(v).contains(&n))
                });
                let params = fx.params(r.rec, v, who.name, permitted).await;
                let uri = format!("{}{}", fill_path(r, &params), r.query);
                let fresh;
                let caller = if r.fresh_session && who.name.is_some() {
                    let mut b = t.signed_in(who.label()).await;
                    fresh = Caller {
                        name: who.name,
                        csrf: b.csrf("/account/password").await,
                        cookies: b.cookies.clone(),
                        token: None,
                    };
                    &fresh
                } else {
                    who
                };
                let resp = send(&t, &fx, r, &uri, caller).await;
                checks += 1;
                if let Some(expected) = judge(r, who, permitted, &resp) {
                    let loc = resp
                        .header("location")
                        .map(|l| format!(" → {l}"))
                        .unwrap_or_default();
                    bad.push(format!(
                        "{} {} [{:?}] as {}: expected {expected}, got {}{loc} — {}",
                        r.method,
                        r.path,
                        v,
                        who.label(),
                        resp.status.as_u16(),
                        snippet(&resp)
                    ));
                }
            }
            // The exchange answers a correctly signed request.
            if matches!(r.who, Machine) {
                let (client, secret) = &fx.exchange;
                let path = fill_path(r, &fx.params(r.rec, v, None, false).await);
                let ts = t.app.now().timestamp().to_string();
                let nonce = format!("matrix-{}", uuid::Uuid::now_v7().simple());
                let sig = jineng_app::exchange::sign(
                    secret,
                    &jineng_app::exchange::string_to_sign("GET", &path, &ts, &nonce, b""),
                )
                .unwrap();
                let req = Request::builder()
                    .uri(&path)
                    .header("x-client-id", client.as_str())
                    .header("x-timestamp", ts)
                    .header("x-nonce", nonce)
                    .header("x-signature", sig)
                    .body(HttpBody::empty())
                    .unwrap();
                let resp = t.send(req).await;
                checks += 1;
                if resp.status != StatusCode::OK {
                    bad.push(format!(
                        "{} {} [{v:?}] signed: expected 200, got {} — {}",
                        r.method,
                        r.path,
                        resp.status.as_u16(),
                        snippet(&resp)
                    ));
                }
            }
        }
    }
    println!(
        "role matrix, part {} of {PARTS}: {} routes, {checks} checks, fixture {:.1}s, total {:.1}s",
        part + 1,
        rules.len(),
        built.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        bad.is_empty(),
        "{} of {checks} role-matrix checks failed:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
