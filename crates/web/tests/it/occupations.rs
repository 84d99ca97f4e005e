//! The occupation tree, search, and work types maintained by province-level regulators.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn browse_search_and_maintain_work_types() {
    let t = TestApp::new().await;
    let learner = t.token("learner").await;
    let roots = t
        .api(Method::GET, "/occupations", Some(&learner), None)
        .await
        .json();
    assert_eq!(roots.as_array().unwrap().len(), 8, "eight major groups");
    let found = t
        .api(
            Method::GET,
            "/occupations?q=%E7%94%B5%E5%B7%A5",
            Some(&learner),
            None,
        )
        .await
        .json();
    let names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(names.iter().any(|n| n.contains("电工")), "{names:?}");
    // Walk down from an occupation to its ancestors.
    let occ = found
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["level"] == "occupation")
        .unwrap();
    let code = occ["code"].as_str().unwrap().to_string();
    let node = t
        .api(
            Method::GET,
            &format!("/occupations/{code}"),
            Some(&learner),
            None,
        )
        .await
        .json();
    assert_eq!(node["ancestors"][0]["level"], "major");
    assert!(node["children"].as_array().unwrap().is_empty());
    let children = t
        .api(
            Method::GET,
            "/occupations?parent=4-00-00-00",
            Some(&learner),
            None,
        )
        .await
        .json();
    assert!(
        children
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["parent_code"] == "4-00-00-00")
    );
    t.api(Method::GET, "/occupations/9-99-99-99", Some(&learner), None)
        .await
        .problem(404);

    // Only province-level regulators and platform staff add work types.
    let wt = json!({"code": "WT-0001", "name": "低压电工作业"});
    t.api(
        Method::POST,
        &format!("/occupations/{code}/work-types"),
        Some(&t.token("nm_regulator").await),
        Some(wt.clone()),
    )
    .await
    .problem(403);
    t.api(
        Method::POST,
        &format!("/occupations/{code}/work-types"),
        Some(&learner),
        Some(wt.clone()),
    )
    .await
    .problem(403);
    let gz = t.token("gz_regulator").await;
    let r = t
        .api(
            Method::POST,
            &format!("/occupations/{code}/work-types"),
            Some(&gz),
            Some(wt.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let p = t
        .api(
            Method::POST,
            &format!("/occupations/{code}/work-types"),
            Some(&t.token("operator").await),
            Some(wt),
        )
        .await
        .problem(422);
    assert!(p["errors"].to_string().contains("工种代码已存在"));
    let p = t
        .api(
            Method::POST,
            "/occupations/4-00-00-00/work-types",
            Some(&gz),
            Some(json!({"code": "WT-0002", "name": "某工种"})),
        )
        .await
        .problem(422);
    assert!(p["errors"].to_string().contains("具体职业"));
    t.api(
        Method::POST,
        &format!("/occupations/{code}/work-types"),
        Some(&gz),
        Some(json!({"code": "坏代码", "name": "x"})),
    )
    .await
    .problem(422);
    let node = t
        .api(
            Method::GET,
            &format!("/occupations/{code}"),
            Some(&learner),
            None,
        )
        .await
        .json();
    assert_eq!(node["work_types"][0]["name"], "低压电工作业");

    // The page: search, node, and the add form only for those who may.
    let mut b = t.signed_in("gz_regulator").await;
    let page = b.get(&format!("/occupations?code={code}")).await.text();
    assert!(
        page.contains("低压电工作业") && page.contains("添加工种") && page.contains("高级技师"),
        "{page}"
    );
    let r = b
        .post(
            "/occupations/work-types",
            &[
                ("occupation_code", &code),
                ("code", "WT-0003"),
                ("name", "高压电工作业"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let mut inst = t.signed_in("institution").await;
    let page = inst.get(&format!("/occupations?code={code}")).await.text();
    assert!(page.contains("高压电工作业") && !page.contains("添加工种"));
    assert!(
        inst.get("/occupations?q=%E5%8E%A8%E5%B8%88")
            .await
            .text()
            .contains("找到")
    );
}
