//! The class-list benchmark: ROWS classes spread over every county of Guizhou and every
//! status, then the first page of the province's list (system admin) and of a city
//! regulator's view filtered by status, timed over repeated calls through the real use
//! case (p50/p95). Reference in the same run: fetching one class by primary key.

use jineng_core::classes::ClassStatus;
use jineng_store::classes::class;
use jineng_store::reference::region;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use std::time::Instant;

pub fn run(rows: usize) -> Result<(), String> {
    crate::block_on(run_async(rows))
}

async fn run_async(rows: usize) -> Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let (app, file) = crate::fresh_app(8).await?;
    let db = app.db.clone();
    app.seed_reference().await.map_err(|x| e(&x))?;
    jineng_demo::accounts(&app).await.map_err(|x| e(&x))?;
    // The demo imports its learners through the real import, which a job worker runs.
    app.start_workers(1);
    jineng_demo::training(&app).await.map_err(|x| e(&x))?;
    let template = class::Entity::find()
        .one(&db)
        .await
        .map_err(|x| e(&x))?
        .ok_or("no demo class")?;
    let counties: Vec<String> = region::Entity::find()
        .filter(region::Column::Level.eq("county"))
        .filter(region::Column::Code.starts_with("52"))
        .all(&db)
        .await
        .map_err(|x| e(&x))?
        .into_iter()
        .map(|r| r.code)
        .collect();
    let statuses = [
        ClassStatus::Draft,
        ClassStatus::Submitted,
        ClassStatus::Approved,
        ClassStatus::Returned,
        ClassStatus::InTraining,
        ClassStatus::Completed,
        ClassStatus::Cancelled,
    ];
    let started = Instant::now();
    let now = chrono::Utc::now();
    for chunk in (0..rows).collect::<Vec<_>>().chunks(1000) {
        let batch: Vec<class::ActiveModel> = chunk
            .iter()
            .map(|n| class::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                org_id: Set(template.org_id.clone()),
                region_code: Set(counties[n % counties.len()].clone()),
                project_id: Set(template.project_id.clone()),
                occupation_code: Set(template.occupation_code.clone()),
                name: Set(format!("培训班{n}")),
                delivery: Set(jineng_core::classes::Delivery::Offline),
                start_date: Set(format!("2026-{:02}-{:02}", n % 12 + 1, n % 28 + 1)),
                end_date: Set("2026-12-31".into()),
                location: Set("培训基地".into()),
                capacity: Set(40),
                theory_hours: Set(40),
                practice_hours: Set(80),
                status: Set(statuses[n % statuses.len()]),
                status_reason: Set(String::new()),
                enrolled: Set((n % 40) as i32),
                created_by: Set("bench".into()),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .collect();
        class::Entity::insert_many(batch)
            .exec(&db)
            .await
            .map_err(|x| e(&x))?;
    }
    let total = class::Entity::find().count(&db).await.map_err(|x| e(&x))?;
    println!(
        "database: {}; classes: {total} (loaded in {:.1} s)",
        if jineng_store::db::is_sqlite(&db) {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        started.elapsed().as_secs_f64()
    );
    let admin = app
        .accounts()
        .principal_of(
            &app.accounts()
                .user_id_by_login("admin")
                .await
                .map_err(|x| e(&x))?
                .ok_or("no admin")?,
        )
        .await
        .map_err(|x| e(&x))?;
    let city = app
        .accounts()
        .principal_of(
            &app.accounts()
                .user_id_by_login("gy_regulator")
                .await
                .map_err(|x| e(&x))?
                .ok_or("no city regulator")?,
        )
        .await
        .map_err(|x| e(&x))?;
    let runs = 50;
    let mut reference = Vec::new();
    let mut province = Vec::new();
    let mut city_view = Vec::new();
    let mut seen = (0, 0);
    for _ in 0..runs {
        let t = Instant::now();
        class::Entity::find_by_id(template.id.clone())
            .one(&db)
            .await
            .map_err(|x| e(&x))?;
        reference.push(t.elapsed());
        let t = Instant::now();
        let p = app
            .classes()
            .list(
                &admin,
                &Default::default(),
                jineng_app::page::PageRequest::first(20),
            )
            .await
            .map_err(|x| e(&x))?;
        province.push(t.elapsed());
        seen.0 = p.total;
        let t = Instant::now();
        let f = jineng_app::classes::ClassFilter {
            status: Some(ClassStatus::Submitted),
            q: None,
        };
        let p = app
            .classes()
            .list(&city, &f, jineng_app::page::PageRequest::first(20))
            .await
            .map_err(|x| e(&x))?;
        city_view.push(t.elapsed());
        seen.1 = p.total;
    }
    let r95 = crate::percentile_ms(reference.clone(), 0.95);
    println!(
        "reference: one class by primary key        p50 {:7.2} ms  p95 {:7.2} ms",
        crate::percentile_ms(reference, 0.5),
        r95
    );
    let p95 = crate::percentile_ms(province.clone(), 0.95);
    println!(
        "province list, page 1 of {:>6} (admin)     p50 {:7.2} ms  p95 {:7.2} ms  = {:.0} x reference",
        seen.0,
        crate::percentile_ms(province, 0.5),
        p95,
        p95 / r95
    );
    let c95 = crate::percentile_ms(city_view.clone(), 0.95);
    println!(
        "city regulator, 待备案, page 1 of {:>5}     p50 {:7.2} ms  p95 {:7.2} ms  = {:.0} x reference",
        seen.1,
        crate::percentile_ms(city_view, 0.5),
        c95,
        c95 / r95
    );
    if jineng_store::db::is_sqlite(&db) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }
    Ok(())
}
