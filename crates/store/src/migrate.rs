//! Schema migrations: an ordered list of SQL files per backend (`migrations/`), each
//! applied once, in its own transaction, and recorded in `schema_migrations`. A released
//! file never changes; a schema change is a new file.

use crate::audit;
use sea_orm::sea_query::{Alias, ColumnDef, Expr, ExprTrait, Query, Table};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};

const TABLE: &str = "schema_migrations";

/// Each step: (version, SQLite DDL, PostgreSQL DDL). Files are fixed once released;
/// draft new ones with `cargo run -p jineng-store --example ddl`.
const STEPS: &[(i64, &str, &str)] = &[
    (
        1,
        include_str!("../migrations/0001_foundation.sqlite.sql"),
        include_str!("../migrations/0001_foundation.postgres.sql"),
    ),
    (
        2,
        include_str!("../migrations/0002_organizations.sqlite.sql"),
        include_str!("../migrations/0002_organizations.postgres.sql"),
    ),
    (
        3,
        include_str!("../migrations/0003_work_types.sqlite.sql"),
        include_str!("../migrations/0003_work_types.postgres.sql"),
    ),
    (
        4,
        include_str!("../migrations/0004_catalogue.sqlite.sql"),
        include_str!("../migrations/0004_catalogue.postgres.sql"),
    ),
    (
        5,
        include_str!("../migrations/0005_learners.sqlite.sql"),
        include_str!("../migrations/0005_learners.postgres.sql"),
    ),
    (
        6,
        include_str!("../migrations/0006_classes.sqlite.sql"),
        include_str!("../migrations/0006_classes.postgres.sql"),
    ),
    (
        7,
        include_str!("../migrations/0007_teachers.sqlite.sql"),
        include_str!("../migrations/0007_teachers.postgres.sql"),
    ),
    (
        8,
        include_str!("../migrations/0008_exchange.sqlite.sql"),
        include_str!("../migrations/0008_exchange.postgres.sql"),
    ),
    (
        9,
        include_str!("../migrations/0009_inspections.sqlite.sql"),
        include_str!("../migrations/0009_inspections.postgres.sql"),
    ),
    (
        10,
        include_str!("../migrations/0010_attendance.sqlite.sql"),
        include_str!("../migrations/0010_attendance.postgres.sql"),
    ),
    (
        11,
        include_str!("../migrations/0011_class_list_index.sqlite.sql"),
        include_str!("../migrations/0011_class_list_index.postgres.sql"),
    ),
    (
        12,
        include_str!("../migrations/0012_class_applications.sqlite.sql"),
        include_str!("../migrations/0012_class_applications.postgres.sql"),
    ),
    (
        13,
        include_str!("../migrations/0013_org_documents.sqlite.sql"),
        include_str!("../migrations/0013_org_documents.postgres.sql"),
    ),
    (
        14,
        include_str!("../migrations/0014_typed_codes.sqlite.sql"),
        include_str!("../migrations/0014_typed_codes.postgres.sql"),
    ),
    (
        15,
        include_str!("../migrations/0015_review_decisions.sqlite.sql"),
        include_str!("../migrations/0015_review_decisions.postgres.sql"),
    ),
    (
        16,
        include_str!("../migrations/0016_jobs.sqlite.sql"),
        include_str!("../migrations/0016_jobs.postgres.sql"),
    ),
    (
        17,
        include_str!("../migrations/0017_secret_attempts.sqlite.sql"),
        include_str!("../migrations/0017_secret_attempts.postgres.sql"),
    ),
    (
        18,
        include_str!("../migrations/0018_token_scope.sqlite.sql"),
        include_str!("../migrations/0018_token_scope.postgres.sql"),
    ),
    (
        19,
        include_str!("../migrations/0019_link_requests.sqlite.sql"),
        include_str!("../migrations/0019_link_requests.postgres.sql"),
    ),
    (
        20,
        include_str!("../migrations/0020_exchange_scope.sqlite.sql"),
        include_str!("../migrations/0020_exchange_scope.postgres.sql"),
    ),
    (
        21,
        include_str!("../migrations/0021_audit_keyed.sqlite.sql"),
        include_str!("../migrations/0021_audit_keyed.postgres.sql"),
    ),
    (
        22,
        include_str!("../migrations/0022_checkin_device.sqlite.sql"),
        include_str!("../migrations/0022_checkin_device.postgres.sql"),
    ),
    (
        23,
        include_str!("../migrations/0023_exchange_changes.sqlite.sql"),
        include_str!("../migrations/0023_exchange_changes.postgres.sql"),
    ),
    (
        24,
        include_str!("../migrations/0024_foreign_keys.sqlite.sql"),
        include_str!("../migrations/0024_foreign_keys.postgres.sql"),
    ),
    (
        25,
        include_str!("../migrations/0025_ledger.sqlite.sql"),
        include_str!("../migrations/0025_ledger.postgres.sql"),
    ),
    (
        26,
        include_str!("../migrations/0026_ledger_witness.sqlite.sql"),
        include_str!("../migrations/0026_ledger_witness.postgres.sql"),
    ),
    (
        27,
        include_str!("../migrations/0027_ledger_append.sqlite.sql"),
        include_str!("../migrations/0027_ledger_append.postgres.sql"),
    ),
    (
        28,
        include_str!("../migrations/0028_courses.sqlite.sql"),
        include_str!("../migrations/0028_courses.postgres.sql"),
    ),
    (
        29,
        include_str!("../migrations/0029_course_media.sqlite.sql"),
        include_str!("../migrations/0029_course_media.postgres.sql"),
    ),
    (
        30,
        include_str!("../migrations/0030_course_questions.sqlite.sql"),
        include_str!("../migrations/0030_course_questions.postgres.sql"),
    ),
    (
        31,
        include_str!("../migrations/0031_course_documents.sqlite.sql"),
        include_str!("../migrations/0031_course_documents.postgres.sql"),
    ),
    (
        32,
        include_str!("../migrations/0032_catalogue_changes.sqlite.sql"),
        include_str!("../migrations/0032_catalogue_changes.postgres.sql"),
    ),
    (
        33,
        include_str!("../migrations/0033_study.sqlite.sql"),
        include_str!("../migrations/0033_study.postgres.sql"),
    ),
    (
        34,
        include_str!("../migrations/0034_study_checks.sqlite.sql"),
        include_str!("../migrations/0034_study_checks.postgres.sql"),
    ),
    (
        35,
        include_str!("../migrations/0035_study_tasks.sqlite.sql"),
        include_str!("../migrations/0035_study_tasks.postgres.sql"),
    ),
    (
        36,
        include_str!("../migrations/0036_study_spot_checks.sqlite.sql"),
        include_str!("../migrations/0036_study_spot_checks.postgres.sql"),
    ),
    (
        37,
        include_str!("../migrations/0037_exams.sqlite.sql"),
        include_str!("../migrations/0037_exams.postgres.sql"),
    ),
    (
        38,
        include_str!("../migrations/0038_free_seek.sqlite.sql"),
        include_str!("../migrations/0038_free_seek.postgres.sql"),
    ),
    (
        39,
        include_str!("../migrations/0039_certificates.sqlite.sql"),
        include_str!("../migrations/0039_certificates.postgres.sql"),
    ),
    (
        40,
        include_str!("../migrations/0040_assessment.sqlite.sql"),
        include_str!("../migrations/0040_assessment.postgres.sql"),
    ),
    (
        41,
        include_str!("../migrations/0041_skill_certificates.sqlite.sql"),
        include_str!("../migrations/0041_skill_certificates.postgres.sql"),
    ),
    (
        42,
        include_str!("../migrations/0042_teacher_certificates.sqlite.sql"),
        include_str!("../migrations/0042_teacher_certificates.postgres.sql"),
    ),
    (
        43,
        include_str!("../migrations/0043_certificate_seals.sqlite.sql"),
        include_str!("../migrations/0043_certificate_seals.postgres.sql"),
    ),
    (
        44,
        include_str!("../migrations/0044_question_banks.sqlite.sql"),
        include_str!("../migrations/0044_question_banks.postgres.sql"),
    ),
    (
        45,
        include_str!("../migrations/0045_orders.sqlite.sql"),
        include_str!("../migrations/0045_orders.postgres.sql"),
    ),
    (
        46,
        include_str!("../migrations/0046_invoices.sqlite.sql"),
        include_str!("../migrations/0046_invoices.postgres.sql"),
    ),
    (
        47,
        include_str!("../migrations/0047_settlements.sqlite.sql"),
        include_str!("../migrations/0047_settlements.postgres.sql"),
    ),
    (
        48,
        include_str!("../migrations/0048_subsidies.sqlite.sql"),
        include_str!("../migrations/0048_subsidies.postgres.sql"),
    ),
    (
        49,
        include_str!("../migrations/0049_vouchers.sqlite.sql"),
        include_str!("../migrations/0049_vouchers.postgres.sql"),
    ),
    (
        50,
        include_str!("../migrations/0050_voucher_settlements.sqlite.sql"),
        include_str!("../migrations/0050_voucher_settlements.postgres.sql"),
    ),
    (
        51,
        include_str!("../migrations/0051_solicitation.sqlite.sql"),
        include_str!("../migrations/0051_solicitation.postgres.sql"),
    ),
    (
        52,
        include_str!("../migrations/0052_course_ratings.sqlite.sql"),
        include_str!("../migrations/0052_course_ratings.postgres.sql"),
    ),
    (
        53,
        include_str!("../migrations/0053_open_api.sqlite.sql"),
        include_str!("../migrations/0053_open_api.postgres.sql"),
    ),
    (
        54,
        include_str!("../migrations/0054_reconciliations.sqlite.sql"),
        include_str!("../migrations/0054_reconciliations.postgres.sql"),
    ),
    (
        55,
        include_str!("../migrations/0055_study_flushes.sqlite.sql"),
        include_str!("../migrations/0055_study_flushes.postgres.sql"),
    ),
];

async fn apply<C: ConnectionTrait>(db: &C, version: i64, sql: &str) -> Result<(), DbErr> {
    // Comment lines out; a statement ends with a line that ends in `;` (a trigger's body
    // holds `;` inside its line). The files hold DDL only, no literals.
    let mut stmt = String::new();
    for line in sql.lines().filter(|l| !l.trim_start().starts_with("--")) {
        stmt.push_str(line);
        stmt.push('\n');
        if line.trim_end().ends_with(';') {
            let s = stmt.trim().trim_end_matches(';').trim();
            if !s.is_empty() {
                db.execute_unprepared(s).await?;
            }
            stmt.clear();
        }
    }
    if !stmt.trim().is_empty() {
        db.execute_unprepared(stmt.trim()).await?;
    }
    if version == 1 {
        audit::head::init(db).await?;
    }
    Ok(())
}

/// The number of the newest step; `jineng migrate` brings a database up to it.
pub const LATEST: i64 = STEPS.len() as i64;

/// Apply every step not yet applied, each in its own transaction. Safe to run concurrently
/// from several nodes: a step that another node applied first is skipped.
pub async fn run(db: &DatabaseConnection) -> Result<Vec<i64>, DbErr> {
    run_to(db, LATEST).await
}

/// Apply the steps up to `last` (tests of a step's data migration start below it).
pub async fn run_to(db: &DatabaseConnection, last: i64) -> Result<Vec<i64>, DbErr> {
    let create = Table::create()
        .table(Alias::new(TABLE))
        .if_not_exists()
        .col(
            ColumnDef::new(Alias::new("version"))
                .big_integer()
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new(Alias::new("applied_at")).string().not_null())
        .to_owned();
    db.execute(&create).await?;
    let mut applied = Vec::new();
    for version in 1..=std::cmp::min(last, LATEST) {
        if is_applied(db, version).await? {
            continue;
        }
        let txn = db.begin().await?;
        if crate::db::is_sqlite(&txn) {
            // Take the write lock before reading, so two processes cannot both decide to apply.
            txn.execute_unprepared(
                "UPDATE schema_migrations SET version = version WHERE version < 0",
            )
            .await?;
        } else {
            txn.execute_unprepared("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
                .await?;
        }
        if is_applied(&txn, version).await? {
            txn.rollback().await?;
            continue;
        }
        let Some((_, sqlite, postgres)) = STEPS.iter().find(|(v, _, _)| *v == version) else {
            return Err(DbErr::Custom(format!("unknown migration {version}")));
        };
        let sql = if crate::db::is_sqlite(&txn) {
            sqlite
        } else {
            postgres
        };
        apply(&txn, version, sql).await?;
        let insert = Query::insert()
            .into_table(Alias::new(TABLE))
            .columns([Alias::new("version"), Alias::new("applied_at")])
            .values_panic([version.into(), chrono::Utc::now().to_rfc3339().into()])
            .to_owned();
        txn.execute(&insert).await?;
        txn.commit().await?;
        tracing::info!(version, "applied migration");
        applied.push(version);
    }
    Ok(applied)
}

async fn is_applied<C: ConnectionTrait>(db: &C, version: i64) -> Result<bool, DbErr> {
    let q = Query::select()
        .expr(Expr::col(Alias::new("version")))
        .from(Alias::new(TABLE))
        .and_where(Expr::col(Alias::new("version")).eq(version))
        .to_owned();
    Ok(db.query_one(&q).await?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_one_by_one_up_to_latest() {
        for (i, (v, sqlite, postgres)) in STEPS.iter().enumerate() {
            assert_eq!(*v, i as i64 + 1);
            // Every step changes something on both backends.
            assert!(!sqlite.trim().is_empty() && !postgres.trim().is_empty());
        }
        assert_eq!(STEPS.len() as i64, LATEST);
    }
}
