//! Course ratings through the API: only a learner who studied a package rates it, a second
//! rating replaces the first, a comment with a sensitive word waits for an operator, the
//! provider replies, operators show, feature and answer, learners suggest courses, and
//! the quality list counts it all (with its Excel export).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{TestApp, read_xlsx_sheet};
use axum::http::{Method, StatusCode};
use jineng_core::courses::ListingStatus;
use serde_json::json;

/// A listed package of `provider`'s and one of its lessons.
async fn listed(t: &TestApp) -> (String, String, String) {
    use jineng_store::courses::{lesson, package};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    jineng_demo::courses_with(&t.app, jineng_demo::Media::LeftOut)
        .await
        .unwrap();
    let org = t.org_id_of("provider").await;
    let p = package::Entity::find()
        .filter(package::Column::OrgId.eq(org))
        .filter(package::Column::Listing.eq(ListingStatus::Listed))
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    let l = lesson::Entity::find()
        .filter(lesson::Column::VersionId.eq(p.listed_version_id.clone()))
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    (p.id, p.listed_version_id, l.id)
}

/// `username` has studied a minute of the lesson.
async fn studied(t: &TestApp, username: &str, pkg: &(String, String, String)) {
    use jineng_store::study::progress;
    use sea_orm::{ActiveModelTrait, Set};
    progress::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        user_id: Set(t.user_id(username).await),
        lesson_id: Set(pkg.2.clone()),
        class_id: Set(String::new()),
        package_id: Set(pkg.0.clone()),
        version_id: Set(pkg.1.clone()),
        lesson_ms: Set(600_000),
        credited_ms: Set(60_000),
        watched: Set("[]".into()),
        position_ms: Set(60_000),
        completed_at: Set(None),
        updated_at: Set(t.app.now()),
    }
    .insert(&t.app.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn learners_rate_operators_moderate_and_the_quality_list_counts() {
    let t = TestApp::new().await;
    let pkg = listed(&t).await;
    let id = pkg.0.clone();
    let me = t.token("learner").await;
    let yy = t.token("learner_yy").await;
    let op = t.token("operator").await;
    let rate = |tok: String, stars: [u32; 4], comment: &'static str| {
        let (t, id) = (&t, id.clone());
        async move {
            t.api(
                Method::PUT,
                &format!("/courses/{id}/rating"),
                Some(&tok),
                Some(
                    json!({"content": stars[0], "picture": stars[1], "relevance": stars[2],
                            "gain": stars[3], "comment": comment}),
                ),
            )
            .await
        }
    };
    // Not studied: refused.
    let p = rate(me.clone(), [5, 4, 4, 4], "").await.problem(409);
    assert!(p["detail"].as_str().unwrap().contains("学习过"), "{p}");
    studied(&t, "learner", &pkg).await;
    studied(&t, "learner_yy", &pkg).await;
    let p = rate(me.clone(), [0, 4, 6, 4], "").await.problem(422);
    assert_eq!(p["errors"].as_array().unwrap().len(), 2, "{p}");
    let r = rate(me.clone(), [5, 4, 4, 4], "讲得清楚，例子贴近岗位").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let first = r.json();
    assert_eq!(
        (first["overall"].as_str(), first["status"].as_str()),
        (Some("4.25"), Some("shown"))
    );
    // A second rating replaces the first.
    let r = rate(me.clone(), [3, 3, 3, 3], "第二次评价").await;
    assert_eq!(r.json()["id"], first["id"]);
    // A sensitive word holds the comment for an operator.
    let r = t
        .api(
            Method::PUT,
            "/course-words",
            Some(&op),
            Some(json!({"words": "赌博"})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let r = rate(yy.clone(), [1, 1, 2, 2], "不如去赌 博").await;
    assert_eq!(r.json()["status"], "held", "{}", r.text());
    let held = r.json()["id"].as_str().unwrap().to_string();
    let seen = t
        .api(
            Method::GET,
            &format!("/courses/{id}/ratings"),
            Some(&me),
            None,
        )
        .await
        .json();
    assert_eq!(seen["count"], 2);
    assert_eq!(seen["overall"], "2.25", "{seen}");
    assert_eq!(
        seen["items"].as_array().unwrap().len(),
        1,
        "the held comment is not shown: {seen}"
    );
    assert!(seen["items"][0]["hits"].as_str().unwrap().is_empty());
    let all = t
        .api(
            Method::GET,
            &format!("/courses/{id}/ratings"),
            Some(&op),
            None,
        )
        .await
        .json();
    let h = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == held.as_str())
        .unwrap();
    assert_eq!(h["hits"], "赌博");

    // The provider replies (another provider may not); operators moderate.
    let reply = |tok: String| {
        let (t, held) = (&t, held.clone());
        async move {
            t.api(
                Method::POST,
                &format!("/course-ratings/{held}/reply"),
                Some(&tok),
                Some(json!({"reply": "感谢反馈，我们会改进"})),
            )
            .await
        }
    };
    assert_eq!(
        reply(t.token("provider").await).await.status,
        StatusCode::OK
    );
    reply(t.token("provider_b").await).await.problem(403);
    let moderate = |tok: String, action: &'static str, answer: &'static str| {
        let (t, held) = (&t, held.clone());
        async move {
            t.api(
                Method::POST,
                &format!("/course-ratings/{held}/moderation"),
                Some(&tok),
                Some(json!({"action": action, "answer": answer})),
            )
            .await
        }
    };
    moderate(me.clone(), "show", "").await.problem(403);
    moderate(op.clone(), "feature", "").await.problem(409);
    moderate(op.clone(), "answer", "").await.problem(422);
    moderate(op.clone(), "paint", "").await.problem(422);
    assert_eq!(
        moderate(op.clone(), "hide", "").await.json()["status"],
        "hidden"
    );
    assert_eq!(
        moderate(op.clone(), "show", "").await.json()["status"],
        "shown"
    );
    assert_eq!(
        moderate(op.clone(), "feature", "").await.json()["featured"],
        true
    );
    let r = moderate(op.clone(), "answer", "已核实，课程方正在整改").await;
    assert_eq!(r.json()["answer"], "已核实，课程方正在整改");
    let seen = t
        .api(
            Method::GET,
            &format!("/courses/{id}/ratings"),
            Some(&me),
            None,
        )
        .await
        .json();
    assert_eq!(
        seen["items"][0]["id"],
        held.as_str(),
        "featured first: {seen}"
    );
    assert_eq!(seen["items"][0]["reply"], "感谢反馈，我们会改进");

    // Suggestions: learners write, operators read.
    let r = t
        .api(
            Method::POST,
            "/course-suggestions",
            Some(&me),
            Some(json!({"text": "电梯安装维修工（中级）"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    t.api(
        Method::POST,
        "/course-suggestions",
        Some(&me),
        Some(json!({"text": " "})),
    )
    .await
    .problem(422);
    // Ten a day per person, also when sent at once.
    let sends = (0..12).map(|i| {
        let (t, me) = (&t, me.clone());
        async move {
            t.api(
                Method::POST,
                "/course-suggestions",
                Some(&me),
                Some(json!({"text": format!("第{i}门：养老护理员（高级）")})),
            )
            .await
            .status
        }
    });
    let got = futures::future::join_all(sends).await;
    assert_eq!(
        got.iter().filter(|s| **s == StatusCode::NO_CONTENT).count(),
        9,
        "{got:?}"
    );
    assert_eq!(
        got.iter().filter(|s| **s == StatusCode::CONFLICT).count(),
        3,
        "{got:?}"
    );
    t.api(Method::GET, "/course-suggestions", Some(&me), None)
        .await
        .problem(403);
    let s = t
        .api(Method::GET, "/course-suggestions", Some(&op), None)
        .await
        .json();
    assert_eq!(s.as_array().unwrap().len(), 10);
    assert!(
        s.as_array()
            .unwrap()
            .iter()
            .any(|x| x["text"] == "电梯安装维修工（中级）")
    );

    // The quality list: two ratings (mean 2.25; the one below 3 stars is a complaint),
    // two learners, nothing finished.
    t.api(Method::GET, "/course-quality", Some(&me), None)
        .await
        .problem(403);
    let q = t
        .api(Method::GET, "/course-quality", Some(&op), None)
        .await
        .json();
    let row = q
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["package_id"] == id.as_str())
        .unwrap();
    assert_eq!(row["ratings"], 2);
    assert_eq!(row["overall"], "2.25");
    assert_eq!(row["learners"], 2);
    assert_eq!(row["unfinished_percent"], 100);
    assert_eq!(row["complaints"], 1);
    let flags: Vec<&str> = row["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        flags.contains(&"评分低") && flags.contains(&"学员少") && flags.contains(&"未学完多"),
        "{flags:?}"
    );
    assert_eq!(q[0]["package_id"], id.as_str(), "the weakest first");
    let mut b = t.signed_in("operator").await;
    let x = b.get("/course-quality.xlsx").await;
    assert_eq!(x.status, StatusCode::OK);
    let sheet = read_xlsx_sheet(&x.body, 0);
    assert!(
        sheet.iter().any(|r| r.contains(&"2.25".to_string())),
        "{sheet:?}"
    );
    assert_eq!(read_xlsx_sheet(&x.body, 1)[0][0], "提供方");
    let page = b.get("/course-quality").await;
    assert!(page.text().contains("评分低"));
    let page = b.get(&format!("/course-catalogue/{id}/ratings")).await;
    assert!(page.text().contains("敏感词") && page.text().contains("推荐"));

    // Two first ratings at once from one learner: one rating.
    let zy = t.token("learner_zy").await;
    studied(&t, "learner_zy", &pkg).await;
    let (a, b2) = tokio::join!(
        rate(zy.clone(), [4, 4, 4, 4], ""),
        rate(zy.clone(), [5, 5, 5, 5], "")
    );
    assert!(
        a.status == StatusCode::OK || b2.status == StatusCode::OK,
        "{} / {}",
        a.text(),
        b2.text()
    );
    for r in [&a, &b2] {
        assert!(matches!(r.status.as_u16(), 200 | 409), "{}", r.text());
    }
    let seen = t
        .api(
            Method::GET,
            &format!("/courses/{id}/ratings"),
            Some(&op),
            None,
        )
        .await
        .json();
    assert_eq!(seen["count"], 3, "{seen}");
}
