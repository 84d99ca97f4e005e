//! Training subsidies end to end through the API: the province writes a policy, the
//! institution claims for its completed class (figures computed from records only),
//! county, city and province approve in turn, the batch is paid by the sandbox bank
//! (late, twice, with a failure), the failed learner corrects the account and is paid
//! once. Also: approval refused when the records changed, return and resubmit, and two
//! submits at once giving one claim.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// The demo's completed class of the institution, in 南明区.
async fn completed_class(t: &TestApp) -> String {
    jineng_demo::training(&t.app).await.unwrap();
    let inst = t.token("institution").await;
    let done = t
        .api(Method::GET, "/classes?status=completed", Some(&inst), None)
        .await
        .json();
    done["items"][0]["id"].as_str().unwrap().to_string()
}

fn policy(name: &str) -> Value {
    json!({
        "name": name,
        "effective_from": "2000-01-01",
        "amounts_yuan": {"0": "600", "1": "3000", "2": "2500", "3": "2000", "4": "1500", "5": "1000"},
        "window_from": "2000-01-01",
        "window_until": "2099-12-31",
        "levels": ["county", "city", "province"],
        "note": "黔人社发〔2026〕1号"
    })
}

/// Put a card account on record for a user, as the learner would.
async fn give_account(t: &TestApp, user_id: &str, account: &str) {
    use jineng_store::accounts::user;
    use sea_orm::{ActiveModelTrait, Set};
    let enc = t
        .app
        .keyring
        .encrypt(
            account,
            jineng_app::crypto::pii::Place::new("users", "bank_account_enc", user_id),
        )
        .unwrap();
    user::ActiveModel {
        id: Set(user_id.to_string()),
        bank_account_enc: Set(Some(enc)),
        ..Default::default()
    }
    .update(&t.app.db)
    .await
    .unwrap();
}

async fn drop_account(t: &TestApp, user_id: &str) {
    use jineng_store::accounts::user;
    use sea_orm::{ActiveModelTrait, Set};
    user::ActiveModel {
        id: Set(user_id.to_string()),
        bank_account_enc: Set(None),
        ..Default::default()
    }
    .update(&t.app.db)
    .await
    .unwrap();
}

async fn ledger_count(t: &TestApp, kind: &str) -> u64 {
    use jineng_store::ledger::entry;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    entry::Entity::find()
        .filter(entry::Column::Kind.eq(kind))
        .count(&t.app.db)
        .await
        .unwrap()
}

async fn run_jobs(t: &TestApp, seconds: i64) {
    t.clock.advance(chrono::Duration::seconds(seconds));
    while t.app.jobs().run_due("test").await.unwrap() {}
}

/// The class's learners and who among them completed.
async fn roster(t: &TestApp, class_id: &str) -> Vec<(String, bool)> {
    let inst = t.token("institution").await;
    let c = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}"),
            Some(&inst),
            None,
        )
        .await
        .json();
    c["learners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["user_id"].as_str().unwrap().to_string(),
                l["outcome"] == "completed",
            )
        })
        .collect()
}

async fn decide(
    t: &TestApp,
    who: &str,
    claim: &str,
    decision: &str,
    reason: &str,
) -> crate::common::Resp {
    let tok = t.token(who).await;
    t.api(
        Method::POST,
        &format!("/subsidies/claims/{claim}/decision"),
        Some(&tok),
        Some(json!({"decision": decision, "reason": reason})),
    )
    .await
}

#[tokio::test]
async fn a_claim_goes_from_the_class_to_the_learners_card_accounts() {
    let t = TestApp::new().await;
    let class_id = completed_class(&t).await;
    let inst = t.token("institution").await;
    let gz = t.token("gz_regulator").await;
    let nm = t.token("nm_regulator").await;

    // Only the province keeps policies.
    for who in [&inst, &nm] {
        let r = t
            .api(
                Method::POST,
                "/subsidies/policies",
                Some(who),
                Some(policy("县级不能建")),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    }
    let mut bad = policy("坏政策");
    bad["levels"] = json!(["city", "county"]);
    bad["amounts_yuan"] = json!({"4": "abc"});
    let r = t
        .api(Method::POST, "/subsidies/policies", Some(&gz), Some(bad))
        .await;
    let p = r.problem(422);
    assert!(p.to_string().contains("补贴标准应为金额"), "{p}");
    let r = t
        .api(
            Method::POST,
            "/subsidies/policies",
            Some(&gz),
            Some(policy("职业技能培训补贴")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let policy_id = r.json()["id"].as_str().unwrap().to_string();

    // Nobody has a card account yet: nobody is eligible, nothing can be claimed.
    let prev = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}/subsidy-previews"),
            Some(&inst),
            None,
        )
        .await
        .json();
    assert_eq!(prev[0]["eligible"], 0, "{prev}");
    assert!(
        prev[0]["lines"][0]["reasons"]
            .as_str()
            .unwrap()
            .contains("社保卡"),
        "{prev}"
    );
    let claim_in = json!({"class_id": class_id, "policy_id": policy_id, "remarks": "附培训花名册"});
    let r = t
        .api(
            Method::POST,
            "/subsidies/claims",
            Some(&inst),
            Some(claim_in.clone()),
        )
        .await;
    assert!(r.problem(409).to_string().contains("没有符合条件"));

    // Accounts on record; the first completed learner's account has been closed at the bank.
    let learners = roster(&t, &class_id).await;
    let completed: Vec<&String> = learners.iter().filter(|l| l.1).map(|l| &l.0).collect();
    assert!(
        completed.len() >= 2,
        "the demo class needs two who completed: {learners:?}"
    );
    for (i, (u, _)) in learners.iter().enumerate() {
        let acct = if u == completed[0] {
            "6222021234560000".to_string()
        } else {
            format!("62220212345678{i:04}1")
        };
        give_account(&t, u, &acct).await;
    }
    let r = t
        .api(
            Method::POST,
            "/subsidies/claims",
            Some(&inst),
            Some(claim_in.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let claim = r.json();
    let claim_id = claim["id"].as_str().unwrap().to_string();
    assert_eq!(claim["status"], "reviewing");
    assert_eq!(claim["level"], "county");
    assert_eq!(
        claim["eligible"].as_u64().unwrap() as usize,
        completed.len()
    );
    let total = claim["total_fen"].as_i64().unwrap();
    assert_eq!(
        total,
        claim["standard_fen"].as_i64().unwrap() * completed.len() as i64
    );
    // Once per class and policy.
    let r = t
        .api(
            Method::POST,
            "/subsidies/claims",
            Some(&inst),
            Some(claim_in.clone()),
        )
        .await;
    assert!(r.problem(409).to_string().contains("已按该政策申报"));

    // Each level in turn; nobody decides out of turn.
    assert_eq!(
        decide(&t, "institution", &claim_id, "approve", "")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(
        decide(&t, "gy_regulator", &claim_id, "approve", "")
            .await
            .problem(409)
            .to_string()
            .contains("县级审核")
    );
    assert!(
        decide(&t, "nm_regulator", &claim_id, "return", "")
            .await
            .problem(422)
            .to_string()
            .contains("必须填写原因")
    );
    let r = decide(&t, "nm_regulator", &claim_id, "approve", "材料齐全").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["level"], "city");
    assert_eq!(
        decide(&t, "gy_regulator", &claim_id, "approve", "")
            .await
            .json()["level"],
        "province"
    );
    let r = decide(&t, "gz_regulator", &claim_id, "approve", "").await;
    assert_eq!(r.json()["status"], "approved", "{}", r.text());
    assert_eq!(ledger_count(&t, "subsidy_decision").await, 3);
    let d = t
        .api(
            Method::GET,
            &format!("/subsidies/claims/{claim_id}"),
            Some(&nm),
            None,
        )
        .await
        .json();
    assert_eq!(d["steps"].as_array().unwrap().len(), 3, "{d}");
    // The provincial platform pulls the application and the three decisions.
    let (client, secret) = t
        .app
        .exchange()
        .create_client(
            &jineng_app::Principal::system(),
            &Default::default(),
            jineng_app::exchange::ClientInput {
                name: "省一体化平台".into(),
                datasets: vec![
                    jineng_core::exchange::Dataset::SubsidyApplications,
                    jineng_core::exchange::Dataset::SubsidyDecisions,
                ],
                region: None,
                full_id_numbers: false,
            },
        )
        .await
        .unwrap();
    let apps = crate::exchange::pull(
        &t,
        &client,
        &secret,
        "subsidy_applications",
        "nonce-sub-1",
        0,
    )
    .await
    .json();
    assert_eq!(apps["items"].as_array().map(Vec::len), Some(1), "{apps}");
    assert_eq!(apps["items"][0]["status"], "approved");
    assert_eq!(apps["items"][0]["total_fen"].as_i64().unwrap(), total);
    assert_eq!(
        apps["items"][0]["lines"].as_array().unwrap().len(),
        learners.len()
    );
    let decisions =
        crate::exchange::pull(&t, &client, &secret, "subsidy_decisions", "nonce-sub-2", 0)
            .await
            .json();
    let levels: Vec<&str> = decisions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["county", "city", "province"], "{decisions}");
    assert!(d["steps"][0]["ledger_idx"].as_i64().is_some());

    // Disbursement is the province's.
    assert_eq!(
        t.api(Method::GET, "/subsidies/payable", Some(&nm), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let payable = t
        .api(Method::GET, "/subsidies/payable", Some(&gz), None)
        .await
        .json();
    assert_eq!(payable.as_array().unwrap().len(), 1, "{payable}");
    assert_eq!(payable[0]["total_fen"].as_i64().unwrap(), total);
    let r = t
        .api(
            Method::POST,
            "/subsidies/batches",
            Some(&gz),
            Some(json!({"claim_ids": [claim_id]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let batch_id = r.json()["id"].as_str().unwrap().to_string();
    let file = t
        .api(
            Method::GET,
            &format!("/subsidies/batches/{batch_id}/file"),
            Some(&gz),
            None,
        )
        .await
        .text();
    let lines: Vec<&str> = file.lines().collect();
    assert_eq!(
        t.api(
            Method::GET,
            &format!("/subsidies/batches/{batch_id}/file"),
            Some(&t.token("viewer").await),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "whole account numbers are for those who disburse"
    );
    assert!(lines[0].starts_with("H|JNSUB1|FF"), "{file}");
    assert!(
        lines[0].contains(&format!("|{}|{}|", completed.len(), total)),
        "{file}"
    );
    assert_eq!(lines.len(), completed.len() + 1);
    // The same learners cannot go into a second batch while the first is out.
    let r = t
        .api(
            Method::POST,
            "/subsidies/batches",
            Some(&gz),
            Some(json!({"claim_ids": [claim_id]})),
        )
        .await;
    r.problem(409);

    // The bank has not answered yet.
    let b = t
        .api(
            Method::GET,
            &format!("/subsidies/batches/{batch_id}"),
            Some(&gz),
            None,
        )
        .await
        .json();
    assert_eq!(
        b["batch"]["pending_count"].as_u64().unwrap() as usize,
        completed.len()
    );
    // It answers late: one closed account fails, the rest are paid and logged.
    run_jobs(&t, 11).await;
    let b = t
        .api(
            Method::GET,
            &format!("/subsidies/batches/{batch_id}"),
            Some(&gz),
            None,
        )
        .await
        .json();
    assert_eq!(b["batch"]["status"], "answered", "{b}");
    assert_eq!(b["batch"]["failed_count"], 1);
    assert_eq!(
        b["batch"]["paid_count"].as_u64().unwrap() as usize,
        completed.len() - 1
    );
    let paid_once = b["batch"]["paid_fen"].as_i64().unwrap();
    assert_eq!(paid_once, total - claim["standard_fen"].as_i64().unwrap());
    assert_eq!(
        ledger_count(&t, "subsidy_payout").await as usize,
        completed.len() - 1
    );
    // It answers again (a true repeat), and an uploaded return file contradicts it and
    // names a stranger: nothing moves.
    run_jobs(&t, 40).await;
    let refs: Vec<String> = b["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reference"].as_str().unwrap().to_string())
        .collect();
    let mut ret: String = refs.iter().map(|r| format!("R|{r}|S|BANK{r}\n")).collect();
    ret.push_str("R|SPNOTOURS|S|X1\n");
    let r = t
        .raw_api(
            Method::POST,
            &format!("/subsidies/batches/{batch_id}/return"),
            &gz,
            "text/plain",
            ret.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["applied"], 0);
    assert_eq!(r.json()["unknown"], 1);
    // Every line contradicts the bank's first answer (another transaction number, or paid
    // after failing): counted and shown, nothing changed.
    assert_eq!(
        r.json()["conflicting"].as_u64().unwrap() as usize,
        refs.len()
    );
    let sandbox_repeat = &t
        .api(
            Method::GET,
            &format!("/subsidies/batches/{batch_id}"),
            Some(&gz),
            None,
        )
        .await
        .json()["returns"][1];
    assert_eq!(
        sandbox_repeat["repeated"].as_u64().unwrap() as usize,
        refs.len(),
        "{sandbox_repeat}"
    );
    assert_eq!(sandbox_repeat["conflicting"], 0);
    let b = t
        .api(
            Method::GET,
            &format!("/subsidies/batches/{batch_id}"),
            Some(&gz),
            None,
        )
        .await
        .json();
    assert_eq!(b["batch"]["paid_fen"].as_i64().unwrap(), paid_once);
    assert_eq!(b["batch"]["failed_count"], 1);
    assert_eq!(b["returns"].as_array().unwrap().len(), 3, "{b}");
    assert_eq!(
        ledger_count(&t, "subsidy_payout").await as usize,
        completed.len() - 1
    );
    // A malformed return file is refused whole.
    let r = t
        .raw_api(
            Method::POST,
            &format!("/subsidies/batches/{batch_id}/return"),
            &gz,
            "text/plain",
            b"R|x|Q|y\n".to_vec(),
        )
        .await;
    assert!(r.problem(422).to_string().contains("第1行"));

    // Not again to the closed account: the failed learner waits for a correction.
    let payable = t
        .api(Method::GET, "/subsidies/payable", Some(&gz), None)
        .await
        .json();
    assert_eq!(payable[0]["unchanged"], 1, "{payable}");
    let r = t
        .api(
            Method::POST,
            "/subsidies/batches",
            Some(&gz),
            Some(json!({"claim_ids": [claim_id]})),
        )
        .await;
    assert!(r.problem(409).to_string().contains("尚未更正账户"));
    // The failed learner corrects the account; only they go into the next batch, once.
    give_account(&t, completed[0], "6222021234567777").await;
    let payable = t
        .api(Method::GET, "/subsidies/payable", Some(&gz), None)
        .await
        .json();
    assert_eq!(payable[0]["lines"], 1, "{payable}");
    assert_eq!(payable[0]["failed"], 1);
    assert_eq!(payable[0]["unchanged"], 0);
    let r = t
        .api(
            Method::POST,
            "/subsidies/batches",
            Some(&gz),
            Some(json!({"claim_ids": [claim_id]})),
        )
        .await;
    let second = r.json()["id"].as_str().unwrap().to_string();
    run_jobs(&t, 11).await;
    run_jobs(&t, 40).await;
    let b2 = t
        .api(
            Method::GET,
            &format!("/subsidies/batches/{second}"),
            Some(&gz),
            None,
        )
        .await
        .json();
    assert_eq!(b2["batch"]["paid_count"], 1, "{b2}");
    assert_eq!(
        paid_once + b2["batch"]["paid_fen"].as_i64().unwrap(),
        total,
        "everyone paid exactly once"
    );
    let payable = t
        .api(Method::GET, "/subsidies/payable", Some(&gz), None)
        .await
        .json();
    assert!(payable.as_array().unwrap().is_empty(), "{payable}");
    let d = t
        .api(
            Method::GET,
            &format!("/subsidies/claims/{claim_id}"),
            Some(&inst),
            None,
        )
        .await
        .json();
    let paid_lines = d["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["payout"] == "已发放")
        .count();
    assert_eq!(paid_lines, completed.len(), "{d}");
}

#[tokio::test]
async fn approval_is_refused_when_the_records_changed_and_a_returned_claim_is_claimed_again() {
    let t = TestApp::new().await;
    let class_id = completed_class(&t).await;
    let inst = t.token("institution").await;
    let gz = t.token("gz_regulator").await;
    let policy_id = t
        .api(
            Method::POST,
            "/subsidies/policies",
            Some(&gz),
            Some(policy("职业技能培训补贴")),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let learners = roster(&t, &class_id).await;
    for (i, (u, _)) in learners.iter().enumerate() {
        give_account(&t, u, &format!("62220212345678{i:04}2")).await;
    }
    let claim_in = json!({"class_id": class_id, "policy_id": policy_id});
    // Two submits at once: one claim.
    let (a, b) = tokio::join!(
        t.api(
            Method::POST,
            "/subsidies/claims",
            Some(&inst),
            Some(claim_in.clone())
        ),
        t.api(
            Method::POST,
            "/subsidies/claims",
            Some(&inst),
            Some(claim_in.clone())
        ),
    );
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort();
    assert_eq!(codes, [201, 409], "{} / {}", a.text(), b.text());
    let claim = if a.status == StatusCode::CREATED {
        a.json()
    } else {
        b.json()
    };
    let claim_id = claim["id"].as_str().unwrap().to_string();
    let eligible = claim["eligible"].as_i64().unwrap();

    // A learner's account disappears after submission: the county cannot approve.
    let gone = learners.iter().find(|l| l.1).unwrap().0.clone();
    drop_account(&t, &gone).await;
    let r = decide(&t, "nm_regulator", &claim_id, "approve", "").await;
    let p = r.problem(409).to_string();
    assert!(p.contains("不一致") && p.contains("社保卡"), "{p}");
    // Returned: the learners are free; the claim is recomputed when submitted again.
    let r = decide(&t, "nm_regulator", &claim_id, "return", "请核实学员账户").await;
    assert_eq!(r.json()["status"], "returned", "{}", r.text());
    let r = t
        .api(
            Method::POST,
            "/subsidies/claims",
            Some(&inst),
            Some(claim_in.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["id"], claim_id.as_str());
    assert_eq!(r.json()["eligible"].as_i64().unwrap(), eligible - 1);
    assert_eq!(r.json()["level"], "county");
    // Rejected for good: nothing is payable.
    let r = decide(&t, "nm_regulator", &claim_id, "reject", "虚假培训").await;
    assert_eq!(r.json()["status"], "rejected");
    let payable = t
        .api(Method::GET, "/subsidies/payable", Some(&gz), None)
        .await
        .json();
    assert!(payable.as_array().unwrap().is_empty());
    let r = t
        .api(
            Method::POST,
            "/subsidies/claims",
            Some(&inst),
            Some(claim_in),
        )
        .await;
    assert!(r.problem(409).to_string().contains("不予批准"));
}

#[tokio::test]
async fn the_pages_walk_a_claim_and_a_learner_sees_theirs() {
    let t = TestApp::new().await;
    let class_id = completed_class(&t).await;
    let mut gz = t.signed_in("gz_regulator").await;
    let r = gz
        .post(
            "/subsidies/policies",
            &[
                ("name", "页面政策"),
                ("effective_from", "2000-01-01"),
                ("amount_5", "1000"),
                ("amount_4", "1500"),
                ("amount_3", "2000"),
                ("amount_2", "2500"),
                ("amount_1", "3000"),
                ("amount_0", "600"),
                ("window_from", "2000-01-01"),
                ("window_until", "2099-12-31"),
                ("levels", "county"),
                ("levels", "province"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = gz
        .post("/subsidies/policies", &[("name", ""), ("amount_4", "x")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("请填写政策名称"));
    for (u, _) in roster(&t, &class_id).await {
        give_account(&t, &u, "6222021234567891").await;
    }
    let mut inst = t.signed_in("institution").await;
    let page = inst.get(&format!("/classes/{class_id}")).await.text();
    assert!(page.contains("申请补贴"));
    let page = inst
        .get(&format!("/classes/{class_id}/subsidy"))
        .await
        .text();
    assert!(
        page.contains("页面政策") && page.contains("提交申请"),
        "{page}"
    );
    let pid = t
        .api(
            Method::GET,
            "/subsidies/policies",
            Some(&t.token("institution").await),
            None,
        )
        .await
        .json()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = inst
        .post(
            &format!("/classes/{class_id}/subsidy"),
            &[("policy_id", &pid), ("remarks", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let claim_url = r.location().split('?').next().unwrap().to_string();
    let mut nm = t.signed_in("nm_regulator").await;
    let list = nm.get("/subsidies?mine=1").await.text();
    assert!(list.contains("县级审核中"), "{list}");
    let page = nm.get(&claim_url).await.text();
    assert!(page.contains("审核通过") && page.contains("逐人核算"));
    let r = nm
        .post(
            &format!("{claim_url}/decision"),
            &[("decision", "approve"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = gz
        .post(
            &format!("{claim_url}/decision"),
            &[("decision", "approve"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(gz.get(&claim_url).await.text().contains("已批准"));
    let page = gz.get("/subsidies/batches").await.text();
    assert!(page.contains("生成发放批次"), "{page}");
    let xlsx = gz.get("/subsidies.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let rows = crate::common::read_xlsx(xlsx.body.as_ref());
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][10], "已批准");

    // A learner registers their card account and sees their subsidy.
    let mut me = t.signed_in("learner").await;
    let page = me.get("/subsidies").await.text();
    assert!(
        page.contains("我的补贴") && page.contains("社保卡"),
        "{page}"
    );
    let r = me
        .post("/subsidies/card-account", &[("account", "12ab")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("8至30位数字"));
    let r = me
        .post(
            "/subsidies/card-account",
            &[("account", "6222 0212 3456 7890 123")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        me.get("/subsidies?done=card")
            .await
            .text()
            .contains("6222*")
    );
}
