//! Schema migrations: an ordered list of steps, each applied once and recorded in
//! `schema_migrations`. Step 1 builds the first schema from the entities; later steps
//! must be explicit DDL so that they do not change when an entity changes.

use crate::{accounts, audit, reference, settings};
use sea_orm::sea_query::{Alias, ColumnDef, Expr, ExprTrait, Query, Table};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Schema, TransactionTrait};

const TABLE: &str = "schema_migrations";

async fn create_from_entity<C: ConnectionTrait, E: EntityTrait>(db: &C, e: E) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let schema = Schema::new(backend);
    db.execute(&schema.create_table_from_entity(e)).await?;
    for idx in schema.create_index_from_entity(e) {
        db.execute(&idx).await?;
    }
    Ok(())
}

async fn step_1<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    create_from_entity(db, reference::region::Entity).await?;
    create_from_entity(db, reference::occupation::Entity).await?;
    create_from_entity(db, accounts::user::Entity).await?;
    create_from_entity(db, accounts::role_grant::Entity).await?;
    create_from_entity(db, accounts::session::Entity).await?;
    create_from_entity(db, accounts::api_token::Entity).await?;
    create_from_entity(db, audit::record::Entity).await?;
    create_from_entity(db, audit::head::Entity).await?;
    create_from_entity(db, settings::Entity).await?;
    audit::head::init(db).await?;
    Ok(())
}

/// The number of the newest step; `jineng migrate` brings a database up to it.
pub const LATEST: i64 = 1;

/// Apply every step not yet applied, each in its own transaction. Safe to run concurrently
/// from several nodes: a step that another node applied first is skipped.
pub async fn run(db: &DatabaseConnection) -> Result<Vec<i64>, DbErr> {
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
    for version in 1..=LATEST {
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
        match version {
            1 => step_1(&txn).await?,
            _ => return Err(DbErr::Custom(format!("unknown migration {version}"))),
        }
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
