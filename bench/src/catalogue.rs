//! The catalogue benchmark: ROWS listed packages (one chapter and two lessons each) named
//! after the 2022 occupation classification, in the database of one admitted provider;
//! then searches through the real use case — Chinese words, words with filters, filters
//! alone, one per request as a visitor would type them — timed over repeated calls
//! (p50/p95). The first search of a node indexes everything; it is timed on its own.
//! Reference in the same run: fetching one package by primary key.

use jineng_app::courses::catalogue::CatalogueFilter;
use jineng_app::page::PageRequest;
use jineng_core::courses::{
    CourseSource, CourseTrainingType, CourseType, LessonKind, ListingStatus, VersionStatus,
};
use jineng_core::organizations::OrgKind;
use jineng_store::courses::{chapter, lesson, package, version};
use jineng_store::organizations::organization;
use jineng_store::reference::occupation;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use std::time::{Duration, Instant};

pub fn run(rows: usize) -> Result<(), String> {
    crate::block_on(run_async(rows))
}

const VARIANTS: [&str; 8] = [
    "岗位技能提升",
    "理论与实操",
    "安全操作规范",
    "职业技能等级认定辅导",
    "新技术新工艺",
    "入门与上岗",
    "典型案例精讲",
    "服务规范与职业道德",
];

async fn run_async(rows: usize) -> Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let (app, file) = crate::fresh_app(8).await?;
    let db = app.db.clone();
    app.seed_reference().await.map_err(|x| e(&x))?;
    jineng_demo::accounts(&app).await.map_err(|x| e(&x))?;
    let org = organization::Entity::find()
        .filter(organization::Column::Kind.eq(OrgKind::Provider))
        .one(&db)
        .await
        .map_err(|x| e(&x))?
        .ok_or("the demo has no provider")?;
    // Occupations at the finest level (their codes have four parts), as courses name them.
    let occupations: Vec<(String, String)> = occupation::Entity::find()
        .all(&db)
        .await
        .map_err(|x| e(&x))?
        .into_iter()
        .filter(|o| o.code.split('-').count() == 4)
        .map(|o| (o.code, o.name))
        .collect();
    if occupations.is_empty() {
        return Err("no occupations in the reference data".into());
    }
    let started = Instant::now();
    let now = chrono::Utc::now();
    let types = [
        CourseTrainingType::VocationalSkill,
        CourseTrainingType::SpecialAbility,
        CourseTrainingType::LaborBrand,
        CourseTrainingType::PublicWelfare,
    ];
    let kinds = [
        CourseType::General,
        CourseType::Foundation,
        CourseType::Skill,
        CourseType::NewOccupation,
    ];
    for chunk in (0..rows).collect::<Vec<_>>().chunks(500) {
        let mut packages = Vec::new();
        let mut versions = Vec::new();
        let mut chapters = Vec::new();
        let mut lessons = Vec::new();
        for &n in chunk {
            let (code, occ) = &occupations[n * 7919 % occupations.len()];
            let variant = VARIANTS[n % VARIANTS.len()];
            let name = format!("{occ}{variant}·{n}");
            let pid = uuid::Uuid::now_v7().to_string();
            let vid = uuid::Uuid::now_v7().to_string();
            let cid = uuid::Uuid::now_v7().to_string();
            let training = types[n % types.len()];
            let price = if training == CourseTrainingType::PublicWelfare {
                0
            } else {
                i64::try_from(n % 50 * 1000 + 900).unwrap_or(900)
            };
            packages.push(package::ActiveModel {
                id: Set(pid.clone()),
                org_id: Set(org.id.clone()),
                region_code: Set(org.region_code.clone()),
                source: Set(CourseSource::Provider),
                name: Set(name.clone()),
                listing: Set(ListingStatus::Listed),
                listed_version_id: Set(vid.clone()),
                listing_reason: Set(String::new()),
                latest_version: Set(1),
                // Listed over time, one a second, as a catalogue grows.
                created_at: Set(
                    now - chrono::Duration::seconds(i64::try_from(rows - n).unwrap_or(0))
                ),
                updated_at: Set(
                    now - chrono::Duration::seconds(i64::try_from(rows - n).unwrap_or(0))
                ),
            });
            versions.push(version::ActiveModel {
                id: Set(vid.clone()),
                package_id: Set(pid),
                org_id: Set(org.id.clone()),
                region_code: Set(org.region_code.clone()),
                number: Set(1),
                status: Set(VersionStatus::Approved),
                name: Set(name),
                cover_key: Set(String::new()),
                intro: Set(format!(
                    "面向{occ}的{variant}课程：按国家职业技能标准编排，讲解与操作演示结合。"
                )),
                audience: Set(format!("拟从事或正在从事{occ}工作的劳动者")),
                content: Set(format!("职业认知、{variant}、安全与规范、考核要点")),
                declared_hours: Set(2),
                occupation_code: Set(code.clone()),
                work_type_id: Set(String::new()),
                skill_level: Set(i32::try_from(n % 6).unwrap_or(0)),
                training_type: Set(training),
                course_type: Set(kinds[n % kinds.len()]),
                price_fen: Set(price),
                free_seek: Set(false),
                copyright_key: Set(String::new()),
                copyright_filename: Set(String::new()),
                review_level: Set(0),
                review_levels: Set(3),
                review_round: Set(1),
                review_steps: Set("expert,leader,authority".into()),
                warnings: Set("[]".into()),
                submitted_at: Set(Some(now)),
                decided_at: Set(Some(now)),
                created_by: Set("bench".into()),
                created_at: Set(now),
                updated_at: Set(now),
            });
            chapters.push(chapter::ActiveModel {
                id: Set(cid.clone()),
                version_id: Set(vid.clone()),
                position: Set(1),
                title: Set(format!("第一章 {occ}职业认知")),
            });
            for (i, title) in [format!("{occ}安全规范"), format!("{occ}{variant}")]
                .into_iter()
                .enumerate()
            {
                lessons.push(lesson::ActiveModel {
                    id: Set(uuid::Uuid::now_v7().to_string()),
                    version_id: Set(vid.clone()),
                    chapter_id: Set(cid.clone()),
                    position: Set(i32::try_from(i + 1).unwrap_or(1)),
                    title: Set(title),
                    kind: Set(LessonKind::Text),
                    body: Set(String::new()),
                    media_id: Set(String::new()),
                    seconds: Set(Some(2700 + i64::try_from(n % 5 * 600).unwrap_or(0))),
                    preview: Set(i == 0),
                    created_at: Set(now),
                });
            }
        }
        package::Entity::insert_many(packages)
            .exec(&db)
            .await
            .map_err(|x| e(&x))?;
        version::Entity::insert_many(versions)
            .exec(&db)
            .await
            .map_err(|x| e(&x))?;
        chapter::Entity::insert_many(chapters)
            .exec(&db)
            .await
            .map_err(|x| e(&x))?;
        lesson::Entity::insert_many(lessons)
            .exec(&db)
            .await
            .map_err(|x| e(&x))?;
    }
    let total = package::Entity::find()
        .count(&db)
        .await
        .map_err(|x| e(&x))?;
    println!(
        "database: {}; listed packages: {total} (loaded in {:.1} s)",
        if jineng_store::db::is_sqlite(&db) {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        started.elapsed().as_secs_f64()
    );
    let courses = app.courses();
    let t = Instant::now();
    let first = courses
        .search(&CatalogueFilter::default(), PageRequest::first(20))
        .await
        .map_err(|x| e(&x))?;
    println!(
        "first search of the node (indexes all {} packages): {:.1} s",
        first.total,
        t.elapsed().as_secs_f64()
    );
    let words = [
        "护理",
        "电工",
        "烹饪",
        "保洁",
        "焊接",
        "养老",
        "安全",
        "茶艺",
        "汽车维修",
        "电子商务",
        "家政",
        "育婴",
        "美容",
        "数控",
        "农业",
        "物流",
        "建筑",
        "网络",
    ];
    let mut filters = Vec::new();
    for (i, w) in words.iter().enumerate() {
        filters.push(CatalogueFilter {
            text: Some((*w).to_string()),
            ..Default::default()
        });
        filters.push(CatalogueFilter {
            text: Some((*w).to_string()),
            level: Some(i64::try_from(i % 5 + 1).unwrap_or(1)),
            max_price: Some(jineng_core::Fen(30_000)),
            ..Default::default()
        });
    }
    filters.push(CatalogueFilter {
        occupation: Some("4-10".into()),
        free_only: true,
        ..Default::default()
    });
    filters.push(CatalogueFilter {
        training_type: Some("special_ability".into()),
        min_hours: Some(2),
        ..Default::default()
    });
    let runs = 10;
    let mut reference: Vec<Duration> = Vec::new();
    let mut searches: Vec<Duration> = Vec::new();
    let mut hits = 0u64;
    let some_id = first
        .items
        .first()
        .map(|i| i.id.clone())
        .unwrap_or_default();
    for _ in 0..runs {
        for f in &filters {
            let t = Instant::now();
            package::Entity::find_by_id(some_id.clone())
                .one(&db)
                .await
                .map_err(|x| e(&x))?;
            reference.push(t.elapsed());
            let t = Instant::now();
            let p = courses
                .search(f, PageRequest::first(20))
                .await
                .map_err(|x| e(&x))?;
            searches.push(t.elapsed());
            hits += p.total;
        }
    }
    let n = searches.len();
    let r95 = crate::percentile_ms(reference.clone(), 0.95);
    println!(
        "reference: one package by primary key          p50 {:7.2} ms  p95 {:7.2} ms",
        crate::percentile_ms(reference, 0.5),
        r95
    );
    let s95 = crate::percentile_ms(searches.clone(), 0.95);
    println!(
        "catalogue search, page 1 ({n} searches, {} hits on average)  p50 {:7.2} ms  p95 {:7.2} ms  = {:.0} x reference  (target p95 <= 50 ms)",
        hits / n as u64,
        crate::percentile_ms(searches, 0.5),
        s95,
        s95 / r95
    );
    if jineng_store::db::is_sqlite(&db) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }
    Ok(())
}
