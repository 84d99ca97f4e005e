//! The learner-import benchmark: ROWS generated learners (valid ID numbers and phones),
//! imported by an approved demo institution through `App::start_import`, timed from
//! upload to the job's end; the reference is a plain batched INSERT of ROWS rows of the
//! same width into a scratch table of the same database, in the same run.

use jineng_app::crypto::pii::Keyring;
use jineng_app::learners::import::{HEADERS, ImportMode};
use jineng_app::{App, RequestCtx, SecurityConfig, SystemClock};
use sea_orm::{ConnectionTrait, Statement};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn id_number(n: usize) -> String {
    // 520102 + birth date spread over 1970–1999 + a sequence number, with its check digit.
    let day = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
        + chrono::Duration::days((n % 10_950) as i64);
    let body = format!("520102{}{:03}", day.format("%Y%m%d"), n / 10_950 % 1000);
    let c = jineng_core::identity::id_number::check_char(body.as_bytes()).unwrap_or('0');
    format!("{body}{c}")
}

const SURNAMES: [char; 20] = [
    '王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭',
    '何', '高', '林', '罗',
];
const GIVEN: [char; 30] = [
    '伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明',
    '超', '秀', '霞', '平', '刚', '桂', '英', '华', '玉', '萍', '红', '兰', '飞', '鹏',
];

fn name(n: usize) -> String {
    format!(
        "{}{}{}",
        SURNAMES[n % 20],
        GIVEN[(n / 20) % 30],
        GIVEN[(n / 600) % 30]
    )
}

fn workbook(rows: usize) -> Result<Vec<u8>, String> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).map_err(e)?;
    }
    for n in 0..rows {
        let r = (n + 1) as u32;
        ws.write_string(r, 0, name(n)).map_err(e)?;
        ws.write_string(r, 1, id_number(n)).map_err(e)?;
        ws.write_string(r, 2, format!("135{:08}", n)).map_err(e)?;
        ws.write_string(r, 3, "农村转移就业劳动者").map_err(e)?;
        ws.write_string(r, 4, "初中").map_err(e)?;
        ws.write_string(r, 5, "520102").map_err(e)?;
    }
    wb.save_to_buffer().map_err(e)
}

pub fn run(rows: usize) -> Result<(), String> {
    crate::block_on(run_async(rows))
}

async fn run_async(rows: usize) -> Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let dir = std::env::temp_dir().join(format!("jineng-bench-{}", uuid::Uuid::now_v7().simple()));
    let url = std::env::var("JINENG_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}.db?mode=rwc", dir.display()));
    let db = jineng_store::connect(&url, 8).await.map_err(|x| e(&x))?;
    jineng_store::migrate::run(&db).await.map_err(|x| e(&x))?;
    let (keys, blind, audit) = Keyring::generate();
    let keyring = Keyring::from_config(&keys, &blind, &audit).map_err(|x| e(&x))?;
    let app = App::new(
        db.clone(),
        SecurityConfig::default(),
        keyring,
        Arc::new(SystemClock),
        jineng_files::Files::local(&dir.with_extension("files")).map_err(|x| e(&x))?,
    );
    app.seed_reference().await.map_err(|x| e(&x))?;
    jineng_demo::accounts(&app).await.map_err(|x| e(&x))?;
    app.start_workers(1);
    let inst_id = app
        .accounts()
        .user_id_by_login("institution")
        .await
        .map_err(|x| e(&x))?
        .ok_or("no demo institution")?;
    let who = app
        .accounts()
        .principal_of(&inst_id)
        .await
        .map_err(|x| e(&x))?;
    let file = workbook(rows)?;
    println!(
        "database: {}; rows: {rows}; file: {} KiB",
        if url.starts_with("sqlite") {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        file.len() / 1024
    );

    // Reference: the same number of rows, same width, one batched transaction, no checks.
    db.execute_unprepared(
        "CREATE TABLE bench_rows (a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT, g TEXT, h TEXT)",
    )
    .await
    .map_err(|x| e(&x))?;
    let started = Instant::now();
    let txn = sea_orm::TransactionTrait::begin(&db)
        .await
        .map_err(|x| e(&x))?;
    for chunk in (0..rows).collect::<Vec<_>>().chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .map(|n| {
                format!(
                    "('{n}','{}','{}','135{:08}','x','y','520102','z')",
                    name(*n),
                    id_number(*n),
                    n
                )
            })
            .collect();
        let sql = format!("INSERT INTO bench_rows VALUES {}", values.join(","));
        txn.execute_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .map_err(|x| e(&x))?;
    }
    txn.commit().await.map_err(|x| e(&x))?;
    let reference = started.elapsed();

    let ctx = RequestCtx::internal("bench", "jineng-bench");
    let started = Instant::now();
    let job = app
        .learners()
        .import(&who, &ctx, &file, ImportMode::AllOrNothing)
        .await
        .map_err(|x| e(&x))?;
    let j = loop {
        let j = app
            .learners()
            .import_job(&who, &job)
            .await
            .map_err(|x| e(&x))?;
        if !j.status.running() {
            break j;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let took = started.elapsed();
    if j.status != jineng_core::learners::ImportStatus::Done || j.imported_rows as usize != rows {
        return Err(format!(
            "import ended {} with {} of {rows} rows: {}",
            j.status,
            j.imported_rows,
            format!("{:?}", j.bad).chars().take(300).collect::<String>()
        ));
    }
    let rate = rows as f64 / took.as_secs_f64();
    let ref_rate = rows as f64 / reference.as_secs_f64();
    println!(
        "import (checks, encryption, blind indexes, accounts, profiles, links, audit): {:.2} s = {rate:.0} rows/s",
        took.as_secs_f64()
    );
    println!(
        "reference plain batched INSERT of the same rows:                           {:.2} s = {ref_rate:.0} rows/s",
        reference.as_secs_f64()
    );
    println!("import / plain insert = {:.3}", rate / ref_rate);
    if url.starts_with("sqlite") {
        for suffix in [".db", ".db-wal", ".db-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", dir.display()));
        }
    }
    Ok(())
}
