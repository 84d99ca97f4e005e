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
    // Two batches of the same claim at once: one batch, the learners in it once.
    let batch_in = json!({"claim_ids": [claim_id]});
    let (a, b) = tokio::join!(
        t.api(
            Method::POST,
            "/subsidies/batches",
            Some(&gz),
            Some(batch_in.clone())
        ),
        t.api(
            Method::POST,
            "/subsidies/batches",
            Some(&gz),
            Some(batch_in.clone())
        ),
    );
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort();
    assert_eq!(codes, [201, 409], "{} / {}", a.text(), b.text());
    let r = if a.status == StatusCode::CREATED {
        a
    } else {
        b
    };
    let batch_id = r.json()["id"].as_str().unwrap().to_string();
    let batches = t
        .api(Method::GET, "/subsidies/batches", Some(&gz), None)
        .await
        .json();
    assert_eq!(batches.as_array().unwrap().len(), 1, "{batches}");
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

    // Documents: the institution attaches a PDF (not a disguised file); the county reads
    // it; another organisation cannot.
    let attach = |tok: String, body: Vec<u8>| {
        let (t, path) = (
            &t,
            format!("/subsidies/claims/{claim_id}/documents?filename=roster.pdf"),
        );
        async move {
            t.raw_api(Method::POST, &path, &tok, "application/pdf", body)
                .await
        }
    };
    let r = attach(inst.clone(), crate::common::pdf()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let doc = r.json()["id"].as_str().unwrap().to_string();
    let p = attach(inst.clone(), b"MZ\x90\x00 not a pdf".to_vec())
        .await
        .problem(422)
        .to_string();
    assert!(p.contains("只接受PDF"), "{p}");
    let r = attach(t.token("nm_regulator").await, crate::common::pdf()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = attach(t.token("enterprise").await, crate::common::pdf()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let nm = t.token("nm_regulator").await;
    let d = t
        .api(
            Method::GET,
            &format!("/subsidies/claims/{claim_id}"),
            Some(&nm),
            None,
        )
        .await
        .json();
    assert_eq!(d["documents"][0]["filename"], "roster.pdf", "{d}");
    let r = t
        .api(
            Method::GET,
            &format!("/subsidies/claims/{claim_id}/documents/{doc}"),
            Some(&nm),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, crate::common::pdf());
    let r = t
        .api(
            Method::GET,
            &format!("/subsidies/claims/{claim_id}/documents/{doc}"),
            Some(&t.token("enterprise").await),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

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

/// The class the demo `learner` is in (in training, not ended).
async fn running_class(t: &TestApp) -> String {
    let inst = t.token("institution").await;
    let c = t
        .api(
            Method::GET,
            "/classes?status=in_training",
            Some(&inst),
            None,
        )
        .await
        .json();
    c["items"][0]["id"].as_str().unwrap().to_string()
}

async fn voucher_total(t: &TestApp) -> u64 {
    let gz = t.token("gz_regulator").await;
    t.api(Method::GET, "/subsidies/vouchers", Some(&gz), None)
        .await
        .json()["total"]
        .as_u64()
        .unwrap()
}

/// Bind a voucher to a class as if its holder had used it at enrolment.
async fn hold_for(t: &TestApp, voucher_id: &str, class_id: &str) {
    use jineng_store::classes::class;
    use jineng_store::subsidies::voucher;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let c = class::Entity::find_by_id(class_id.to_string())
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    voucher::ActiveModel {
        id: Set(voucher_id.to_string()),
        status: Set(jineng_core::vouchers::VoucherStatus::Held),
        class_id: Set(Some(c.id)),
        org_id: Set(Some(c.org_id)),
        used_at: Set(Some(t.app.now())),
        ..Default::default()
    }
    .update(&t.app.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn vouchers_are_issued_used_once_and_redeemed_once() {
    let t = TestApp::new().await;
    let done = completed_class(&t).await;
    let running = running_class(&t).await;
    let gz = t.token("gz_regulator").await;
    let me = t.token("learner").await;
    let profile = t.api(Method::GET, "/me", Some(&me), None).await.json();
    let (idn, name) = (
        profile["id_number"].as_str().unwrap().to_string(),
        profile["display_name"].as_str().unwrap().to_string(),
    );
    let issue = |list: String| {
        json!({"name": "2026年第一批职业培训券", "value_yuan": "800", "valid_from": "2026-01-01",
               "valid_until": "2099-12-31", "method": "list", "list": list})
    };

    // Only the province issues.
    for who in ["nm_regulator", "institution", "learner"] {
        let tok = t.token(who).await;
        let r = t
            .api(
                Method::POST,
                "/subsidies/voucher-issues",
                Some(&tok),
                Some(issue(format!("{idn},{name}"))),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.text());
    }
    // A list with a bad ID number, another person's ID number under a wrong name, and an
    // unknown person issues nothing, and names each line.
    let other = "110101199003074258";
    let yy = t
        .api(Method::GET, "/me", Some(&t.token("learner_yy").await), None)
        .await
        .json()["id_number"]
        .as_str()
        .unwrap()
        .to_string();
    let r = t
        .api(
            Method::POST,
            "/subsidies/voucher-issues",
            Some(&gz),
            Some(issue(format!(
                "身份证号,姓名\n{idn},{name}\n{idn}x,{name}\n{yy},张冒名\n{other},李四"
            ))),
        )
        .await;
    let p = r.problem(422).to_string();
    assert!(
        p.contains("第3行") && p.contains("第4行") && p.contains("姓名与平台登记的不一致"),
        "{p}"
    );
    assert!(p.contains("第5行") && p.contains("没有此身份证号"), "{p}");
    assert!(
        !p.contains(&idn),
        "the answer repeats a whole ID number: {p}"
    );
    assert_eq!(voucher_total(&t).await, 0);
    let mut bad = issue(format!("{idn},{name}"));
    bad["value_yuan"] = json!("八百");
    bad["valid_until"] = json!("2025-13-01");
    let p = t
        .api(
            Method::POST,
            "/subsidies/voucher-issues",
            Some(&gz),
            Some(bad),
        )
        .await
        .problem(422);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"value_yuan"), "{p}");
    let p = p.to_string();
    assert!(p.contains("面额") && p.contains("日期格式"), "{p}");

    // Issued to the learner by list (submitted twice at once: issued once), and to the
    // learner's category by rule.
    let (a, b) = tokio::join!(
        t.api(
            Method::POST,
            "/subsidies/voucher-issues",
            Some(&gz),
            Some(issue(format!("{idn},{name}"))),
        ),
        t.api(
            Method::POST,
            "/subsidies/voucher-issues",
            Some(&gz),
            Some(issue(format!("{idn},{name}"))),
        ),
    );
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort();
    assert_eq!(codes, [201, 409], "{} / {}", a.text(), b.text());
    let r = if a.status == StatusCode::CREATED {
        a
    } else {
        b
    };
    assert_eq!(r.json()["issued"], 1);
    let category = {
        use jineng_store::learners::profile;
        use sea_orm::EntityTrait;
        profile::Entity::find_by_id(t.user_id("learner").await)
            .one(&t.app.db)
            .await
            .unwrap()
            .unwrap()
            .person_category
    };
    let r = t
        .api(
            Method::POST,
            "/subsidies/voucher-issues",
            Some(&gz),
            Some(
                json!({"name": "按类别发放", "value_yuan": "500", "valid_from": "2026-01-01",
                        "valid_until": "2099-12-31", "method": "rule", "categories": [category]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let mine = t
        .api(Method::GET, "/me/vouchers", Some(&me), None)
        .await
        .json();
    assert_eq!(mine.as_array().unwrap().len(), 2, "{mine}");
    let v1 = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["voucher"]["value_fen"] == 80_000)
        .unwrap();
    assert_eq!(v1["voucher"]["state"], "usable");
    assert_eq!(v1["class_ids"], json!([running.clone()]), "{mine}");
    let v1 = v1["voucher"]["id"].as_str().unwrap().to_string();
    let v2 = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["voucher"]["value_fen"] == 50_000)
        .unwrap()["voucher"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let use_for = |v: &str, c: &str| {
        let (v, c, me) = (v.to_string(), c.to_string(), me.clone());
        let t = &t;
        async move {
            t.api(
                Method::POST,
                &format!("/me/vouchers/{v}/use"),
                Some(&me),
                Some(json!({"class_id": c})),
            )
            .await
        }
    };

    // Not for a class the learner is not in, nor one that has ended.
    let p = use_for(&v1, &done).await.problem(422).to_string();
    assert!(p.contains("尚未结业"), "{p}");
    // Someone else's voucher is not there at all.
    let inst = t.token("institution").await;
    let r = t
        .api(
            Method::POST,
            &format!("/me/vouchers/{v1}/use"),
            Some(&inst),
            Some(json!({"class_id": running})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    // Used twice at once: once.
    let (a, b) = tokio::join!(use_for(&v1, &running), use_for(&v1, &running));
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort();
    assert_eq!(codes, [204, 409], "{} / {}", a.text(), b.text());
    // One voucher per class.
    let p = use_for(&v2, &running).await.problem(409).to_string();
    assert!(p.contains("本班已使用过一张培训券"), "{p}");
    // Training has begun: the voucher is committed to the class.
    let r = t
        .api(
            Method::POST,
            &format!("/me/vouchers/{v1}/release"),
            Some(&me),
            None,
        )
        .await;
    assert!(r.problem(409).to_string().contains("尚未开班或已取消"));
    // Not redeemable before the class ends.
    let r = t
        .api(
            Method::POST,
            &format!("/classes/{running}/vouchers/redeem"),
            Some(&inst),
            None,
        )
        .await;
    assert!(r.problem(409).to_string().contains("结业后"));
    // An expired voucher cannot be used.
    {
        use jineng_store::subsidies::voucher;
        use sea_orm::{ActiveModelTrait, Set};
        voucher::ActiveModel {
            id: Set(v2.clone()),
            valid_until: Set("2001-01-01".into()),
            ..Default::default()
        }
        .update(&t.app.db)
        .await
        .unwrap();
    }
    let p = use_for(&v2, &running).await.problem(409).to_string();
    assert!(p.contains("过期"), "{p}");

    // The completed class: one voucher of a learner who completed, one of a learner who
    // did not. Redeemed twice at once: once; the other voucher goes back to its holder.
    let learners = roster(&t, &done).await;
    let passed = learners.iter().find(|l| l.1).unwrap().0.clone();
    let failed = learners.iter().find(|l| !l.1).map(|l| l.0.clone());
    let mut holders = vec![passed.clone()];
    holders.extend(failed.clone());
    let ids: Vec<String> = {
        use jineng_store::accounts::user;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let mut lines = String::new();
        for u in &holders {
            let p = t
                .api(Method::GET, "/me", Some(&t.token_for(u).await), None)
                .await
                .json();
            lines.push_str(&format!(
                "{},{}\n",
                p["id_number"].as_str().unwrap(),
                p["display_name"].as_str().unwrap()
            ));
        }
        let r = t
            .api(
                Method::POST,
                "/subsidies/voucher-issues",
                Some(&gz),
                Some({
                    let mut b = issue(lines);
                    b["name"] = json!("结业班培训券");
                    b
                }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let _ = user::Entity::find()
            .filter(user::Column::Id.is_in(holders.clone()))
            .all(&t.app.db)
            .await
            .unwrap();
        let mut ids = Vec::new();
        for u in &holders {
            let mine = t
                .api(
                    Method::GET,
                    "/me/vouchers",
                    Some(&t.token_for(u).await),
                    None,
                )
                .await
                .json();
            let v = mine
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["voucher"]["value_fen"] == 80_000)
                .unwrap();
            ids.push(v["voucher"]["id"].as_str().unwrap().to_string());
        }
        ids
    };
    for v in &ids {
        hold_for(&t, v, &done).await;
    }
    let redeem = || {
        let (t, inst, done) = (&t, inst.clone(), done.clone());
        async move {
            t.api(
                Method::POST,
                &format!("/classes/{done}/vouchers/redeem"),
                Some(&inst),
                None,
            )
            .await
        }
    };
    let (a, b) = tokio::join!(redeem(), redeem());
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort();
    assert_eq!(codes, [200, 409], "{} / {}", a.text(), b.text());
    let won = if a.status == StatusCode::OK { a } else { b };
    assert_eq!(won.json()["redeemed"], 1, "{}", won.text());
    assert_eq!(won.json()["value_fen"], 80_000);
    assert_eq!(won.json()["released"], usize::from(failed.is_some()));
    assert_eq!(ledger_count(&t, "voucher_redemption").await, 1);
    let cv = t
        .api(
            Method::GET,
            &format!("/classes/{done}/vouchers"),
            Some(&inst),
            None,
        )
        .await
        .json();
    assert_eq!(cv.as_array().unwrap().len(), 1, "{cv}");
    assert_eq!(cv[0]["state"], "已兑付");
    // Back with the learner who did not complete, usable again.
    if let Some(f) = &failed {
        let mine = t
            .api(
                Method::GET,
                "/me/vouchers",
                Some(&t.token_for(f).await),
                None,
            )
            .await
            .json();
        let v = mine
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["voucher"]["value_fen"] == 80_000)
            .unwrap();
        assert_eq!(v["voucher"]["state"], "usable", "{mine}");
    }
    // The training the voucher paid for is not subsidised again.
    give_account(&t, &passed, "6222021234567000789").await;
    let pol = t
        .api(
            Method::POST,
            "/subsidies/policies",
            Some(&gz),
            Some(policy("机构培训经费")),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let prev = t
        .api(
            Method::GET,
            &format!("/classes/{done}/subsidy-previews"),
            Some(&inst),
            None,
        )
        .await
        .json();
    let p = prev
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["policy_id"] == pol.as_str())
        .unwrap();
    let line = p["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["user_id"] == passed.as_str())
        .unwrap();
    assert_eq!(line["eligible"], false, "{line}");
    assert!(
        line["reasons"].as_str().unwrap().contains("职业培训券"),
        "{line}"
    );
    // The report counts each state.
    let report = t
        .api(
            Method::GET,
            "/subsidies/vouchers?state=redeemed",
            Some(&gz),
            None,
        )
        .await
        .json();
    assert_eq!(report["total"], 1, "{report}");
    let count = |s: &str| {
        report["totals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["state"] == s)
            .unwrap()["count"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(count("redeemed"), 1);
    assert_eq!(count("held"), 1, "{report}");
    assert!(count("expired") >= 1, "{report}");
    // The institution sees only vouchers used for its classes.
    let theirs = t
        .api(Method::GET, "/subsidies/vouchers", Some(&inst), None)
        .await
        .json();
    assert_eq!(theirs["total"], 2, "{theirs}");

    // The province pays the institution for the redeemed voucher: one settlement, drawn
    // once even when asked twice at once, paid once even when recorded twice at once.
    let org = t.org_id_of("institution").await;
    let dues = t
        .api(Method::GET, "/subsidies/voucher-dues", Some(&gz), None)
        .await
        .json();
    let due = dues
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["org_id"] == org.as_str())
        .unwrap_or_else(|| panic!("{dues}"));
    assert_eq!(due["vouchers"], 1, "{dues}");
    assert_eq!(due["total_fen"], 80_000);
    for who in [&inst, &me] {
        let r = t
            .api(
                Method::POST,
                "/subsidies/voucher-settlements",
                Some(who),
                Some(json!({"org_id": org})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    }
    let draw = || {
        let (t, gz, org) = (&t, gz.clone(), org.clone());
        async move {
            t.api(
                Method::POST,
                "/subsidies/voucher-settlements",
                Some(&gz),
                Some(json!({"org_id": org})),
            )
            .await
        }
    };
    let (a, b) = tokio::join!(draw(), draw());
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort();
    assert_eq!(codes, [201, 409], "{} / {}", a.text(), b.text());
    let drawn = if a.status == StatusCode::CREATED {
        a
    } else {
        b
    }
    .json();
    assert_eq!(drawn["vouchers"], 1, "{drawn}");
    assert_eq!(drawn["total_fen"], 80_000);
    assert_eq!(drawn["status"], "drawn");
    let sid = drawn["id"].as_str().unwrap().to_string();
    let dues = t
        .api(Method::GET, "/subsidies/voucher-dues", Some(&gz), None)
        .await
        .json();
    assert!(
        !dues
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["org_id"] == org.as_str()),
        "{dues}"
    );
    // The vouchers it paid for.
    let paid_for = t
        .api(
            Method::GET,
            &format!("/subsidies/vouchers?settlement_id={sid}"),
            Some(&gz),
            None,
        )
        .await
        .json();
    assert_eq!(paid_for["total"], 1, "{paid_for}");
    assert_eq!(paid_for["items"][0]["id"], ids[0].as_str());
    // The bank file to hand the payment to the bank: the institution's whole settlement
    // account, the amount and the settlement's number; only for those who pay.
    let number = drawn["number"].as_str().unwrap().to_string();
    let file_path = format!("/subsidies/voucher-settlements/{sid}/bank-file");
    let r = t.api(Method::GET, &file_path, Some(&inst), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = t.api(Method::GET, &file_path, Some(&gz), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let text = r.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(&format!("H|JNSUB1|{number}|1|80000|")),
        "{text}"
    );
    let payee: Vec<&str> = lines[1].split('|').collect();
    assert_eq!(
        (payee[0], payee[1], payee[4], payee[5]),
        ("D", "1", "80000", number.as_str()),
        "{text}"
    );
    assert!(
        payee[2].len() >= 8 && payee[2].chars().all(|c| c.is_ascii_digit()),
        "the whole account, unmasked: {text}"
    );
    assert!(!payee[3].is_empty(), "{text}");
    let pay_path = format!("/subsidies/voucher-settlements/{sid}/pay");
    let r = t
        .api(
            Method::POST,
            &pay_path,
            Some(&gz),
            Some(json!({"reference": "  "})),
        )
        .await;
    assert!(
        r.problem(422).to_string().contains("流水号"),
        "{}",
        r.text()
    );
    let pay = || {
        let (t, gz, pay_path) = (&t, gz.clone(), pay_path.clone());
        async move {
            t.api(
                Method::POST,
                &pay_path,
                Some(&gz),
                Some(json!({"reference": "BK20261207001"})),
            )
            .await
        }
    };
    let (a, b) = tokio::join!(pay(), pay());
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort();
    assert_eq!(codes, [200, 409], "{} / {}", a.text(), b.text());
    assert_eq!(ledger_count(&t, "voucher_settlement").await, 1);
    let r = t.api(Method::GET, &file_path, Some(&gz), None).await;
    assert_eq!(
        r.status.as_u16(),
        409,
        "paid: no bank file any more: {}",
        r.text()
    );
    // The institution sees its own settlement, paid, with the bank's reference.
    let mine = t
        .api(
            Method::GET,
            "/subsidies/voucher-settlements",
            Some(&inst),
            None,
        )
        .await
        .json();
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["status"], "paid");
    assert_eq!(mine[0]["bank_ref"], "BK20261207001");
    let r = t
        .api(
            Method::GET,
            "/subsidies/voucher-settlements",
            Some(&me),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Nothing left to settle.
    let r = draw().await;
    assert!(
        r.problem(409).to_string().contains("没有待结算"),
        "{}",
        r.text()
    );
    // The province voids an unused voucher, with the reason; a redeemed one cannot be.
    let usable = t
        .api(
            Method::GET,
            "/subsidies/vouchers?state=usable",
            Some(&gz),
            None,
        )
        .await
        .json();
    let unused = usable["items"][0]["id"].as_str().unwrap().to_string();
    let void = |id: &str, who: &str, reason: &str| {
        let (t, id, who, reason) = (&t, id.to_string(), who.to_string(), reason.to_string());
        async move {
            t.api(
                Method::POST,
                &format!("/subsidies/vouchers/{id}/void"),
                Some(&who),
                Some(json!({"reason": reason})),
            )
            .await
        }
    };
    assert_eq!(
        void(&unused, &inst, "重复发放").await.status,
        StatusCode::FORBIDDEN
    );
    assert!(
        void(&unused, &gz, " ")
            .await
            .problem(422)
            .to_string()
            .contains("作废原因")
    );
    assert!(
        void(&ids[0], &gz, "重复发放")
            .await
            .problem(409)
            .to_string()
            .contains("尚未使用")
    );
    let (a, b) = tokio::join!(
        void(&unused, &gz, "重复发放"),
        void(&unused, &gz, "重复发放")
    );
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort();
    assert_eq!(codes, [204, 409], "{} / {}", a.text(), b.text());
    let voided = t
        .api(
            Method::GET,
            "/subsidies/vouchers?state=void",
            Some(&gz),
            None,
        )
        .await
        .json();
    assert_eq!(voided["total"], 1, "{voided}");
    assert_eq!(voided["items"][0]["void_reason"], "重复发放");
    // The page shows the settlement to the province, with a notice after each form.
    let mut b = t.signed_in("gz_regulator").await;
    let page = b.get("/subsidies/vouchers").await.text();
    assert!(page.contains("培训券结算单"), "{page}");
    assert!(page.contains("BK20261207001"));
}

#[tokio::test]
async fn a_learner_claims_for_themself_under_a_personal_policy() {
    let t = TestApp::new().await;
    let class_id = completed_class(&t).await;
    let inst = t.token("institution").await;
    let gz = t.token("gz_regulator").await;
    let mut own = policy("技能提升补贴（个人申领）");
    own["individual"] = json!(true);
    let r = t
        .api(Method::POST, "/subsidies/policies", Some(&gz), Some(own))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["rules"]["individual"], true);
    let own_id = r.json()["id"].as_str().unwrap().to_string();
    // The institution cannot claim under it.
    let prev = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}/subsidy-previews"),
            Some(&inst),
            None,
        )
        .await
        .json();
    assert!(prev.as_array().unwrap().is_empty(), "{prev}");
    let r = t
        .api(
            Method::POST,
            "/subsidies/claims",
            Some(&inst),
            Some(json!({"class_id": class_id, "policy_id": own_id})),
        )
        .await;
    assert!(r.problem(409).to_string().contains("学员本人申领"));

    let learners = roster(&t, &class_id).await;
    let passed = learners.iter().find(|l| l.1).unwrap().0.clone();
    give_account(&t, &passed, "6222021234567000123").await;
    let me = t.token_for(&passed).await;
    let prev = t
        .api(Method::GET, "/me/subsidy-previews", Some(&me), None)
        .await
        .json();
    assert_eq!(prev[0]["class_id"], class_id.as_str(), "{prev}");
    assert_eq!(prev[0]["previews"][0]["eligible"], 1, "{prev}");
    assert_eq!(prev[0]["previews"][0]["lines"].as_array().unwrap().len(), 1);
    let claim_in = json!({"class_id": class_id, "policy_id": own_id});
    let (a, b) = tokio::join!(
        t.api(
            Method::POST,
            "/me/subsidy-claims",
            Some(&me),
            Some(claim_in.clone())
        ),
        t.api(
            Method::POST,
            "/me/subsidy-claims",
            Some(&me),
            Some(claim_in.clone())
        ),
    );
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort();
    assert_eq!(codes, [201, 409], "{} / {}", a.text(), b.text());
    let won = if a.status == StatusCode::CREATED {
        a
    } else {
        b
    };
    let claim_id = won.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        won.json()["subsidies"][0]["amount_fen"],
        100_000,
        "{}",
        won.text()
    );
    // Someone who did not complete, or is not in the class, cannot.
    if let Some(f) = learners.iter().find(|l| !l.1) {
        give_account(&t, &f.0, "6222021234567000456").await;
        let r = t
            .api(
                Method::POST,
                "/me/subsidy-claims",
                Some(&t.token_for(&f.0).await),
                Some(claim_in.clone()),
            )
            .await;
        assert!(r.problem(409).to_string().contains("不符合该政策的条件"));
    }
    let stranger = t.token("learner").await;
    let r = t
        .api(
            Method::POST,
            "/me/subsidy-claims",
            Some(&stranger),
            Some(claim_in.clone()),
        )
        .await;
    assert!(r.problem(422).to_string().contains("本人参加"));

    // The learner adds documents to their own claim and reads them back; the institution
    // cannot add to it, and another learner cannot read it.
    let mine_tok = t.token_for(&passed).await;
    let r = t
        .raw_api(
            Method::POST,
            &format!("/subsidies/claims/{claim_id}/documents?filename=证明.pdf"),
            &mine_tok,
            "application/pdf",
            crate::common::pdf(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let doc = r.json()["id"].as_str().unwrap().to_string();
    let listed = t
        .api(Method::GET, "/me/subsidies", Some(&mine_tok), None)
        .await
        .json();
    let own_line = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["claim_id"] == claim_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(own_line["individual"], true);
    assert_eq!(own_line["may_attach"], true);
    assert_eq!(own_line["documents"][0][0], doc.as_str(), "{own_line}");
    let r = t
        .api(
            Method::GET,
            &format!("/subsidies/claims/{claim_id}/documents/{doc}"),
            Some(&mine_tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = t
        .api(
            Method::GET,
            &format!("/subsidies/claims/{claim_id}/documents/{doc}"),
            Some(&stranger),
            None,
        )
        .await;
    assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.status);
    let r = t
        .raw_api(
            Method::POST,
            &format!("/subsidies/claims/{claim_id}/documents?filename=x.pdf"),
            &inst,
            "application/pdf",
            crate::common::pdf(),
        )
        .await;
    assert!(matches!(r.status.as_u16(), 403 | 404 | 409), "{}", r.status);

    // Reviewed like any claim; regulators see it as a learner's own.
    let r = decide(&t, "nm_regulator", &claim_id, "approve", "").await;
    assert_eq!(r.json()["level"], "city", "{}", r.text());
    assert_eq!(r.json()["individual"], true);
    assert_eq!(r.json()["learners"], 1);
    // The same person and project is paid once a year: the institution's claim under
    // another policy now leaves them out.
    let inst_policy = t
        .api(
            Method::POST,
            "/subsidies/policies",
            Some(&gz),
            Some(policy("机构培训经费")),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let prev = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}/subsidy-previews"),
            Some(&inst),
            None,
        )
        .await
        .json();
    let p = prev
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["policy_id"] == inst_policy.as_str())
        .unwrap();
    let line = p["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["user_id"] == passed.as_str())
        .unwrap();
    assert!(
        line["reasons"].as_str().unwrap().contains("本年度已申领"),
        "{line}"
    );
}

/// A voucher list read from an xlsx fills the issue form for checking (nothing issued
/// yet); an ID number Excel stored as a number is named by its row; a file that is not a
/// sheet is refused; the template downloads; the list then issues as typed lists do.
#[tokio::test]
async fn a_voucher_list_is_read_from_a_sheet_and_checked_before_issuing() {
    let t = TestApp::new().await;
    let me = t.token("learner").await;
    let profile = t.api(Method::GET, "/me", Some(&me), None).await.json();
    let (idn, name) = (
        profile["id_number"].as_str().unwrap().to_string(),
        profile["display_name"].as_str().unwrap().to_string(),
    );
    let sheet = |rows: &[(&str, Option<&str>)]| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "身份证号").unwrap();
        ws.write_string(0, 1, "姓名").unwrap();
        for (r, (n, id)) in rows.iter().enumerate() {
            let r = (r + 1) as u32;
            match id {
                Some(id) => ws.write_string(r, 0, *id).unwrap(),
                // Typed as a number: Excel keeps 15 digits.
                None => ws.write_number(r, 0, 110101199003074258.0).unwrap(),
            };
            ws.write_string(r, 1, *n).unwrap();
        }
        wb.save_to_buffer().unwrap()
    };
    let mut gz = t.signed_in("gz_regulator").await;
    let r = gz
        .post_multipart(
            "/subsidies/vouchers/list",
            &[],
            Some(("list_file", sheet(&[(name.as_str(), Some(idn.as_str()))]))),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("已从表格读入1人"), "{html}");
    assert!(
        html.contains(&format!("{idn},{name}")),
        "the list fills the form"
    );
    assert_eq!(voucher_total(&t).await, 0, "nothing is issued by reading");

    let r = gz
        .post_multipart(
            "/subsidies/vouchers/list",
            &[],
            Some((
                "list_file",
                sheet(&[("张三", Some(idn.as_str())), ("李四", None)]),
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("第3行：身份证号被 Excel 存成了数字"),
        "{}",
        r.text()
    );
    let r = gz
        .post_multipart(
            "/subsidies/vouchers/list",
            &[],
            Some(("list_file", b"%PDF-1.4".to_vec())),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains(".xlsx"), "{}", r.text());
    // Others may not.
    let mut inst = t.signed_in("institution").await;
    let r = inst
        .post_multipart(
            "/subsidies/vouchers/list",
            &[],
            Some(("list_file", sheet(&[(name.as_str(), Some(idn.as_str()))]))),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The template reads back as a list.
    let tpl = gz.get("/subsidies/vouchers/list-template.xlsx").await;
    assert_eq!(tpl.status, StatusCode::OK);
    let rows = crate::common::read_xlsx(&tpl.body);
    assert_eq!(rows[0], vec!["身份证号", "姓名"]);
}
