//! Skill-level certificates imported from an appraisal organisation's result sheet: a
//! row is linked only when name and ID number match one learner of the importer's
//! region; every other row comes back with its reason; importing again, or twice at
//! once, adds each certificate once; learners see theirs and nobody else's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{TestApp, id};
use axum::http::{Method, StatusCode};
use serde_json::Value;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn sheet(rows: &[[&str; 7]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in jineng_core::skills::HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string((r + 1) as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

async fn import(t: &TestApp, who: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let tok = t.token(who).await;
    let r = t
        .raw_api(
            Method::POST,
            "/skill-certificates/imports",
            &tok,
            XLSX,
            bytes,
        )
        .await;
    (r.status, r.json())
}

fn reason_of(v: &Value, row: u64) -> String {
    v["refused"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["row"] == row)
        .map(|r| r["reason"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("row {row} was not refused: {v}"))
}

#[tokio::test]
async fn rows_link_only_to_the_named_learner_of_the_importers_region() {
    let t = TestApp::new().await;
    let (chen, liu) = (id("52010219980307123"), id("52010320010115462"));
    let nobody = id("52010219700101001");
    let rows = [
        // 2: imported.
        [
            "陈学员",
            &chen,
            "S0000520000012",
            "4-03-02-01",
            "四级/中级工",
            "贵州省职业技能鉴定指导中心",
            "2026-11-20",
        ],
        // 3: someone else's name with 刘学员's ID number.
        [
            "陈学员",
            &liu,
            "S0000520000013",
            "4-03-02-01",
            "4",
            "贵州省职业技能鉴定指导中心",
            "2026-11-20",
        ],
        // 4: the right person, outside 南明区.
        [
            "刘学员",
            &liu,
            "S0000520000014",
            "4-03-02-01",
            "4",
            "贵州省职业技能鉴定指导中心",
            "2026-11-20",
        ],
        // 5: nobody on the platform.
        [
            "王某",
            &nobody,
            "S0000520000015",
            "4-03-02-01",
            "4",
            "贵州省职业技能鉴定指导中心",
            "2026-11-20",
        ],
        // 6: the number of row 2 again.
        [
            "陈学员",
            &chen,
            "s0000520000012",
            "4-03-02-01",
            "4",
            "贵州省职业技能鉴定指导中心",
            "2026-11-20",
        ],
        // 7: level, date and occupation wrong.
        [
            "陈学员",
            &chen,
            "S0000520000017",
            "9-99-99-99",
            "六级",
            "贵州省职业技能鉴定指导中心",
            "2099-01-01",
        ],
        // 8: an occupation code not in the classification.
        [
            "陈学员",
            &chen,
            "S0000520000018",
            "9-99-99-99",
            "3",
            "贵州省职业技能鉴定指导中心",
            "2026-01-05",
        ],
    ];
    let bytes = sheet(&rows);
    let before = t.audit_count().await;
    let (status, v) = import(&t, "nm_regulator", bytes.clone()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["imported"], 1, "{v}");
    assert_eq!(v["refused"].as_array().unwrap().len(), 6, "{v}");
    assert!(reason_of(&v, 3).contains("姓名与身份证号"));
    assert!(reason_of(&v, 4).contains("不在您的辖区"));
    assert!(reason_of(&v, 5).contains("没有该身份证号"));
    assert!(reason_of(&v, 6).contains("与第2行重复"));
    let r7 = reason_of(&v, 7);
    assert!(r7.contains("等级") && r7.contains("发证日期"), "{r7}");
    assert!(reason_of(&v, 8).contains("不在职业分类中"));
    // The refused rows come back with every cell, to fix and upload again.
    assert_eq!(v["refused"][0]["cells"][1], liu.as_str());
    assert!(t.audit_count().await > before);

    // Again: nothing more, the imported row now refused as already imported.
    let (_, again) = import(&t, "nm_regulator", bytes).await;
    assert_eq!(again["imported"], 0);
    assert!(reason_of(&again, 2).contains("已导入"));

    // The province's regulator may import 刘学员's.
    let (_, gz) = import(&t, "gz_regulator", sheet(&[rows[2]])).await;
    assert_eq!(gz["imported"], 1, "{gz}");

    // Who sees what.
    let learner = t.token("learner").await;
    let mine = t
        .api(Method::GET, "/me/skill-certificates", Some(&learner), None)
        .await
        .json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["number"], "S0000520000012");
    assert_eq!(mine[0]["level_label"], "四级/中级工");
    assert_eq!(mine[0]["issued_on"], "2026-11-20");
    let nm = t.token("nm_regulator").await;
    let listed = t
        .api(Method::GET, "/skill-certificates", Some(&nm), None)
        .await
        .json();
    assert_eq!(
        listed["total"], 1,
        "南明区 sees its own learner only: {listed}"
    );
    let gzt = t.token("gz_regulator").await;
    let all = t
        .api(Method::GET, "/skill-certificates", Some(&gzt), None)
        .await
        .json();
    assert_eq!(all["total"], 2);
    // A learner listing gets their own only, whatever they search.
    let yy = t.token("learner_yy").await;
    let theirs = t
        .api(Method::GET, "/skill-certificates?q=S00", Some(&yy), None)
        .await
        .json();
    assert_eq!(theirs["total"], 1);
    assert_eq!(theirs["items"][0]["holder_name"], "刘学员");

    // The learner's e-archive lists it (page data, PDF and Excel built from the same).
    let me = t.user_id("learner").await;
    let archive = t
        .api(
            Method::GET,
            &format!("/learners/{me}/archive"),
            Some(&learner),
            None,
        )
        .await
        .json();
    assert_eq!(
        archive["skill_certificates"][0]["number"], "S0000520000012",
        "{archive}"
    );
    let xlsx = t
        .signed_in("learner")
        .await
        .get(&format!("/learners/{me}/archive.xlsx"))
        .await;
    assert_eq!(xlsx.status, StatusCode::OK, "{}", xlsx.text());
    // The last sheet (职业技能等级证书): the header and the one row.
    let rows = crate::common::read_xlsx_sheet(&xlsx.body, 8);
    assert_eq!(rows[0][0], "证书编号");
    assert_eq!(rows[1][0], "S0000520000012");
    assert_eq!(rows[1][2], "四级/中级工");

    // The exchange's skill-certificate feed: a client of 南明区 gets its learner's row,
    // the ID number masked.
    use jineng_app::exchange::ClientInput;
    use jineng_core::exchange::Dataset;
    let (client, secret) = t
        .app
        .exchange()
        .create_client(
            &jineng_app::Principal::system(),
            &Default::default(),
            ClientInput {
                name: "南明区数据共享".into(),
                datasets: vec![Dataset::SkillCertificates],
                region: Some(jineng_core::RegionCode::parse("520102").unwrap()),
                full_id_numbers: false,
            },
        )
        .await
        .unwrap();
    let r = crate::exchange::pull(
        &t,
        &client,
        &secret,
        "skill_certificates?limit=100",
        "skill-nonce-1",
        0,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["number"], "S0000520000012");
    assert_eq!(items[0]["level"], 4);
    assert!(items[0]["id_number"].as_str().unwrap().contains('*'));
}

#[tokio::test]
async fn only_regulators_import_and_a_bad_file_is_refused_whole() {
    let t = TestApp::new().await;
    let chen = id("52010219980307123");
    let one = sheet(&[[
        "陈学员",
        &chen,
        "S0000520000099",
        "4-03-02-01",
        "4",
        "贵州省职业技能鉴定指导中心",
        "2026-11-20",
    ]]);
    for who in ["institution", "learner", "operator"] {
        let (status, _) = import(&t, who, one.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
    }
    let (status, v) = import(&t, "nm_regulator", b"not a spreadsheet".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["detail"].to_string().contains("xlsx") || v.to_string().contains("xlsx"),
        "{v}"
    );
    // The learner import's template is not this one: its header is refused.
    let (status, v) = import(&t, "nm_regulator", crate::common::xlsx(&[])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("表头"), "{v}");
}

/// The same sheet imported twice at once: each certificate once.
#[tokio::test]
async fn two_imports_at_once_add_each_certificate_once() {
    let t = TestApp::new().await;
    let chen = id("52010219980307123");
    let bytes = sheet(&[
        [
            "陈学员",
            &chen,
            "S0000520000031",
            "4-03-02-01",
            "4",
            "贵州省职业技能鉴定指导中心",
            "2026-11-20",
        ],
        [
            "陈学员",
            &chen,
            "S0000520000032",
            "4-03-02-01",
            "3",
            "贵州省职业技能鉴定指导中心",
            "2026-11-21",
        ],
    ]);
    let (a, b) = tokio::join!(
        import(&t, "nm_regulator", bytes.clone()),
        import(&t, "gz_regulator", bytes)
    );
    assert_eq!((a.0, b.0), (StatusCode::OK, StatusCode::OK));
    let total = a.1["imported"].as_u64().unwrap() + b.1["imported"].as_u64().unwrap();
    assert_eq!(total, 2, "{} / {}", a.1, b.1);
    use jineng_store::certificates::skill;
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(skill::Entity::find().count(&t.app.db).await.unwrap(), 2);
}

/// The page: the regulator uploads the sheet, sees the refused row with its reason and a
/// sheet of refused rows to download; the learner's page lists theirs.
#[tokio::test]
async fn the_import_page_shows_what_was_refused() {
    let t = TestApp::new().await;
    let chen = id("52010219980307123");
    let mut b = t.signed_in("nm_regulator").await;
    let page = b.get("/skill-certificates").await.text();
    assert!(
        page.contains("导入等级认定结果") && page.contains("下载模板"),
        "{page}"
    );
    let template = b.get("/skill-certificates/template.xlsx").await;
    assert_eq!(crate::common::read_xlsx(&template.body)[0][0], "姓名");
    let bytes = sheet(&[
        [
            "陈学员",
            &chen,
            "S0000520000041",
            "4-03-02-01",
            "五级",
            "贵州省职业技能鉴定指导中心",
            "2026年11月20日",
        ],
        [
            "陈学员",
            "5201021998030712",
            "S0000520000042",
            "4-03-02-01",
            "5",
            "贵州省职业技能鉴定指导中心",
            "2026-11-20",
        ],
    ]);
    let r = b
        .post_file(
            "/skill-certificates/import",
            &[],
            Some(("file", "结果.xlsx", XLSX, bytes)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("已导入 1 张证书，1 行未导入"), "{html}");
    assert!(
        html.contains("第3行") && html.contains("身份证号"),
        "{html}"
    );
    assert!(html.contains(
        "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,"
    ));
    let mut l = t.signed_in("learner").await;
    let mine = l.get("/skill-certificates").await.text();
    assert!(
        mine.contains("S0000520000041") && mine.contains("五级/初级工"),
        "{mine}"
    );
}
