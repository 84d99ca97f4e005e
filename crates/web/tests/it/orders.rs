//! Course orders (issue 14): an institution buys seats of a listed priced course for its
//! class in training, pays on the sandbox gateway, its learners study with the seats;
//! forged, repeated and mismatched notifications change nothing; unused seats are
//! refunded once, also when asked for twice at once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use crate::courses::package;
use crate::study::running_class;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use jineng_core::orders::Channel;
use serde_json::{Value, json};

/// A listed course of the running class's occupation and level (4-03-02-01, 四级) at
/// ¥120.50 a seat: (package id, its first lesson).
async fn paid_course(t: &TestApp) -> (String, String) {
    let mut body = package("电工（中级）安全用电");
    body["occupation_code"] = json!("4-03-02-01");
    body["skill_level"] = json!(4);
    body["price_yuan"] = json!("120.50");
    crate::study::listed_course(t, body).await
}

/// The demo's institution with its class in training and a course it may buy.
struct Shop {
    t: TestApp,
    pid: String,
    lesson: String,
    class_id: String,
    inst: String,
    learners: i64,
}

async fn shop() -> Shop {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let (pid, lesson) = paid_course(&t).await;
    let class_id = running_class(&t).await;
    let inst = t.token("institution").await;
    let learners = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}"),
            Some(&inst),
            None,
        )
        .await
        .json()["class"]["enrolled"]
        .as_i64()
        .unwrap();
    assert!(learners > 0);
    Shop {
        t,
        pid,
        lesson,
        class_id,
        inst,
        learners,
    }
}

/// Post a notification body to the sandbox endpoint as the gateway does: the answer.
async fn notify(t: &TestApp, body: &str) -> String {
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/pay/notify/sandbox")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.text()
}

async fn order(t: &TestApp, tok: &str, id: &str) -> Value {
    let r = t
        .api(Method::GET, &format!("/orders/{id}"), Some(tok), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

/// The trade number in a sandbox cashier URL.
fn trade_of(pay_url: &str) -> String {
    pay_url.trim_start_matches("/sandbox/pay/").to_string()
}

async fn create_order(t: &TestApp, tok: &str, class_id: &str, body: Value) -> Value {
    let r = t
        .api(
            Method::POST,
            &format!("/classes/{class_id}/orders"),
            Some(tok),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

/// Start paying (the gateway opens a trade): the cashier URL.
async fn start_paying(t: &TestApp, tok: &str, order_id: &str) -> String {
    let r = t
        .api(
            Method::POST,
            &format!("/orders/{order_id}/pay"),
            Some(tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["pay_url"].as_str().unwrap().to_string()
}

/// Start paying and confirm on the sandbox cashier page as the institution: the trade.
async fn pay_on_sandbox(t: &TestApp, tok: &str, order_id: &str) -> String {
    let url = start_paying(t, tok, order_id).await;
    let mut b = t.signed_in("institution").await;
    let page = b.get(&url).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(page.text().contains("沙箱收银台"), "{}", page.text());
    let r = b.post(&url, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(r.location().contains("done=paying"), "{}", r.location());
    trade_of(&url)
}

/// Wait (the job worker delivers the notification) until the order is paid.
async fn wait_paid(t: &TestApp, tok: &str, id: &str) -> Value {
    for _ in 0..100 {
        let o = t
            .api(Method::GET, "/orders", Some(tok), None)
            .await
            .json()
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == id)
            .cloned()
            .unwrap();
        if o["status"] == "paid" {
            return o;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the sandbox notification never paid order {id}");
}

fn count_payments(d: &Value, status: &str) -> usize {
    d["payments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == status)
        .count()
}

#[tokio::test]
async fn an_institution_buys_seats_pays_on_the_sandbox_and_its_learners_study_with_them() {
    let Shop {
        t,
        pid,
        lesson,
        class_id,
        inst,
        learners,
    } = shop().await;

    // The offer: the course fits the class's occupation and level.
    let offers = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}/offers"),
            Some(&inst),
            None,
        )
        .await
        .json();
    let offer = offers
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["package_id"] == pid.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("{offers}"));
    assert_eq!(offer["unit_fen"], 12_050);

    // A priced course cannot be given to the class before it is bought.
    let today = t.app.today().to_string();
    let tomorrow = (t.app.today() + chrono::Duration::days(1)).to_string();
    let task = json!({"package_id": pid, "starts_on": today, "ends_on": tomorrow});
    let r = t
        .api(
            Method::POST,
            &format!("/classes/{class_id}/study-tasks"),
            Some(&inst),
            Some(task.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());

    // Refused orders: no reason for another quantity, a course that does not fit, no key,
    // someone else's class, a learner.
    for (who, body, status) in [
        (
            "institution",
            json!({"package_id": pid, "quantity": learners + 2, "idempotency_key": "k0"}),
            422,
        ),
        (
            "institution",
            json!({"package_id": pid, "quantity": 0, "reason": "x", "idempotency_key": "k0"}),
            422,
        ),
        (
            "institution",
            json!({"package_id": "no-such-course", "idempotency_key": "k0"}),
            422,
        ),
        ("institution", json!({"package_id": pid}), 422),
        (
            "enterprise",
            json!({"package_id": pid, "idempotency_key": "k0"}),
            404,
        ),
        (
            "learner",
            json!({"package_id": pid, "idempotency_key": "k0"}),
            403,
        ),
    ] {
        let tok = t.token(who).await;
        let r = t
            .api(
                Method::POST,
                &format!("/classes/{class_id}/orders"),
                Some(&tok),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status.as_u16(), status, "{who} {body}: {}", r.text());
        if status == 422 {
            assert!(r.json()["detail"].as_str().is_some(), "{}", r.text());
        }
    }
    assert!(
        t.api(Method::GET, "/orders", Some(&inst), None)
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Pressed twice: one order. Seats default to the class's learners.
    let body = json!({"package_id": pid, "idempotency_key": "order-1"});
    let o = create_order(&t, &inst, &class_id, body.clone()).await;
    let again = create_order(&t, &inst, &class_id, body).await;
    assert_eq!(o["id"], again["id"]);
    assert_eq!(o["quantity"], learners);
    assert_eq!(o["total_fen"], learners * 12_050);
    assert_eq!(o["status"], "unpaid");
    let id = o["id"].as_str().unwrap().to_string();
    let list = t
        .api(Method::GET, "/orders", Some(&inst), None)
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    // The seller sees its sale; another provider and a learner do not.
    let seller = t.token("provider").await;
    assert_eq!(
        order(&t, &seller, &id).await["order"]["number"],
        o["number"]
    );
    let other = t.token("provider_b").await;
    let r = t
        .api(Method::GET, &format!("/orders/{id}"), Some(&other), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());

    // Nobody but the buyer's staff opens the cashier.
    let r = t
        .api(
            Method::POST,
            &format!("/orders/{id}/pay"),
            Some(&inst),
            None,
        )
        .await;
    let url = r.json()["pay_url"].as_str().unwrap().to_string();
    let mut outsider = t.signed_in("enterprise").await;
    assert_eq!(outsider.get(&url).await.status, StatusCode::NOT_FOUND);
    assert_eq!(outsider.post(&url, &[]).await.status, StatusCode::NOT_FOUND);

    // A forged notification (signed with another key) for the pending payment: refused.
    let pending = order(&t, &inst, &id).await["payments"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let trade = trade_of(&url);
    let mut forged = jineng_core::orders::Notice {
        notify_id: "N-forged".into(),
        out_trade_no: pending.clone(),
        trade_no: trade.clone(),
        amount: jineng_core::Fen(learners * 12_050),
        trade_status: "TRADE_SUCCESS".into(),
    }
    .params();
    forged.insert(
        "sign".into(),
        jineng_core::orders::sandbox_sign(b"not-the-merchant-key", &forged),
    );
    let forged = serde_urlencoded::to_string(&forged).unwrap();
    assert_eq!(notify(&t, &forged).await, "fail");
    // A genuinely signed one with another amount: logged, the order stays unpaid.
    let key = t.app.orders().sandbox_key();
    let mut cheap = jineng_core::orders::Notice {
        notify_id: "N-cheap".into(),
        out_trade_no: pending.clone(),
        trade_no: trade.clone(),
        amount: jineng_core::Fen(1),
        trade_status: "TRADE_SUCCESS".into(),
    }
    .params();
    cheap.insert(
        "sign".into(),
        jineng_core::orders::sandbox_sign(&key, &cheap),
    );
    assert_eq!(
        notify(&t, &serde_urlencoded::to_string(&cheap).unwrap()).await,
        "success"
    );
    assert_eq!(order(&t, &inst, &id).await["order"]["status"], "unpaid");
    assert_eq!(notify(&t, "garbage=%FF%FE&sign=zz").await, "fail");

    // Pay on the sandbox; its notification (a job) pays the order and assigns the seats.
    let trade2 = pay_on_sandbox(&t, &inst, &id).await;
    assert_eq!(trade2, trade, "the pending trade is reused");
    let paid = wait_paid(&t, &inst, &id).await;
    assert_eq!(paid["paid_fen"], learners * 12_050);
    assert_eq!(paid["seats_assigned"], learners);
    assert_eq!(paid["seats_free"], 0);
    let d = order(&t, &inst, &id).await;
    assert_eq!(count_payments(&d, "succeeded"), 1);
    assert!(d["payments"][0]["ledger_idx"].as_i64().is_some(), "{d}");
    assert_eq!(d["seats"].as_array().unwrap().len() as i64, learners);

    // The genuine notification again, now and after the gateway's repeat: nothing more.
    let genuine = t
        .app
        .sandbox()
        .signed_notice(&trade)
        .await
        .unwrap()
        .unwrap();
    for _ in 0..3 {
        assert_eq!(notify(&t, &genuine).await, "success");
    }
    t.clock.advance(chrono::Duration::seconds(31));
    t.app.jobs().run_due("test").await.unwrap();
    let op = t.token("operator").await;
    let d = order(&t, &op, &id).await;
    assert_eq!(count_payments(&d, "succeeded"), 1);
    assert_eq!(d["seats"].as_array().unwrap().len() as i64, learners);
    assert_eq!(d["order"]["paid_fen"], learners * 12_050);
    let outcomes: Vec<&str> = d["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| **o == "applied").count(),
        1,
        "{outcomes:?}"
    );
    assert!(
        outcomes.iter().filter(|o| **o == "duplicate").count() >= 3,
        "{outcomes:?}"
    );
    assert!(outcomes.contains(&"mismatch"), "{outcomes:?}");
    // Only the operator sees the notifications.
    assert!(
        order(&t, &inst, &id).await["notices"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A paid order can be neither paid nor closed.
    for action in ["pay", "close"] {
        let r = t
            .api(
                Method::POST,
                &format!("/orders/{id}/{action}"),
                Some(&inst),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{action}: {}", r.text());
    }

    // The class is given the course; its learner studies with the seat.
    let r = t
        .api(
            Method::POST,
            &format!("/classes/{class_id}/study-tasks"),
            Some(&inst),
            Some(task),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let tok = t.token("learner").await;
    let r = t
        .api(
            Method::POST,
            &format!("/lessons/{lesson}/study"),
            Some(&tok),
            Some(json!({"class_id": class_id})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

/// A late enrolment without a seat cannot study until the institution assigns one; the
/// order's unused seats are refunded once, and a seat in use never.
#[tokio::test]
async fn unused_seats_are_refunded_once_even_when_asked_twice_at_once() {
    let Shop {
        t,
        pid,
        class_id,
        inst,
        ..
    } = shop().await;
    let learners = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}"),
            Some(&inst),
            None,
        )
        .await
        .json()["class"]["enrolled"]
        .as_i64()
        .unwrap();
    let o = create_order(
        &t,
        &inst,
        &class_id,
        json!({"package_id": pid, "quantity": learners + 3, "reason": "预留3个插班名额", "idempotency_key": "refund-1"}),
    )
    .await;
    let id = o["id"].as_str().unwrap().to_string();
    let trade = pay_on_sandbox(&t, &inst, &id).await;
    // The notification, delivered by hand (the worker may deliver it too: once either way).
    let body = t
        .app
        .sandbox()
        .signed_notice(&trade)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(notify(&t, &body).await, "success");
    let paid = wait_paid(&t, &inst, &id).await;
    assert_eq!(paid["seats_free"], 3);
    assert_eq!(paid["seats_assigned"], learners);

    // More than is free, and bad input: refused with the reason.
    for (body, status) in [
        (json!({"seats": 4, "reason": "退班"}), 422),
        (json!({"seats": 0, "reason": "退班"}), 422),
        (json!({"seats": 1, "reason": " "}), 422),
    ] {
        let r = t
            .api(
                Method::POST,
                &format!("/orders/{id}/refunds"),
                Some(&inst),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status.as_u16(), status, "{body}: {}", r.text());
    }
    // Two requests for the three free seats at once: one is taken, one is refused.
    let req = |n| {
        let t = &t;
        let inst = inst.clone();
        let id = id.clone();
        async move {
            t.api(
                Method::POST,
                &format!("/orders/{id}/refunds"),
                Some(&inst),
                Some(json!({"seats": n, "reason": "插班名额未用完"})),
            )
            .await
        }
    };
    let (a, b) = tokio::join!(req(3), req(3));
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses[0], 201, "{} / {}", a.text(), b.text());
    assert!(
        matches!(statuses[1], 409 | 422),
        "{} / {}",
        a.text(),
        b.text()
    );
    let refund = if a.status == StatusCode::CREATED {
        a.json()
    } else {
        b.json()
    };
    assert_eq!(refund["amount_fen"], 3 * 12_050);
    let rid = refund["id"].as_str().unwrap().to_string();
    // The institution cannot decide its own refund.
    let r = t
        .api(
            Method::POST,
            &format!("/refunds/{rid}/decision"),
            Some(&inst),
            Some(json!({"approve": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    // The operator sees it waiting and approves it: money back through the sandbox.
    let op = t.token("operator").await;
    let waiting = t.api(Method::GET, "/refunds", Some(&op), None).await.json();
    assert!(
        waiting
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == rid.as_str()),
        "{waiting}"
    );
    let decide = |approve: bool| {
        let t = &t;
        let op = op.clone();
        let rid = rid.clone();
        async move {
            t.api(
                Method::POST,
                &format!("/refunds/{rid}/decision"),
                Some(&op),
                Some(json!({"approve": approve, "note": "核实无误"})),
            )
            .await
        }
    };
    let (x, y) = tokio::join!(decide(true), decide(true));
    let mut s = [x.status.as_u16(), y.status.as_u16()];
    s.sort();
    assert_eq!(s, [200, 409], "{} / {}", x.text(), y.text());
    let d = order(&t, &op, &id).await;
    assert_eq!(d["order"]["refunded_fen"], 3 * 12_050, "{d}");
    assert_eq!(d["order"]["refunded_seats"], 3);
    assert_eq!(d["order"]["status"], "paid");
    assert_eq!(d["order"]["seats_free"], 0);
    let decided = d["refunds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == rid.as_str())
        .cloned()
        .unwrap();
    assert_eq!(decided["status"], "succeeded");
    assert!(decided["channel_refund_no"].as_str().is_some());
    // The gateway refunded exactly that, once.
    let row =
        <jineng_store::orders::sandbox_trade::Entity as sea_orm::EntityTrait>::find_by_id(trade)
            .one(&t.app.db)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(row.refunded_fen, 3 * 12_050);
    // Seats in use are never refunded.
    let r = t
        .api(
            Method::POST,
            &format!("/orders/{id}/refunds"),
            Some(&inst),
            Some(json!({"seats": 1, "reason": "退班"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
}

/// The same verified notification processed many times at once pays once: one payment,
/// the order's seats once, one evidence-log entry.
#[tokio::test]
async fn one_notification_processed_many_times_at_once_pays_once() {
    let Shop {
        t,
        pid,
        class_id,
        inst,
        ..
    } = shop().await;
    let o = create_order(
        &t,
        &inst,
        &class_id,
        json!({"package_id": pid, "idempotency_key": "burst"}),
    )
    .await;
    let id = o["id"].as_str().unwrap().to_string();
    let trade = pay_on_sandbox(&t, &inst, &id).await;
    let body = t
        .app
        .sandbox()
        .signed_notice(&trade)
        .await
        .unwrap()
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let app = t.app.clone();
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            app.orders().receive_notice(Channel::Sandbox, &body).await
        }));
    }
    let mut applied = 0;
    for h in tasks {
        let (outcome, answer) = h.await.unwrap().unwrap();
        assert_eq!(answer, "success");
        if outcome == jineng_core::orders::NoticeOutcome::Applied {
            applied += 1;
        }
    }
    // The worker may have delivered the first copy itself.
    assert!(applied <= 1, "{applied}");
    let paid = wait_paid(&t, &inst, &id).await;
    let d = order(&t, &inst, &id).await;
    assert_eq!(count_payments(&d, "succeeded"), 1);
    assert_eq!(
        d["seats"].as_array().unwrap().len() as i64,
        paid["quantity"].as_i64().unwrap()
    );
    let ledger = <jineng_store::ledger::entry::Entity as sea_orm::EntityTrait>::find()
        .all(&t.app.db)
        .await
        .unwrap();
    let idx = d["payments"][0]["ledger_idx"].as_i64().unwrap();
    assert!(ledger.iter().any(|e| e.idx == idx));
}

/// Closing an order closes its open trade at the gateway (the cashier then refuses);
/// closing one the payer already paid records the payment instead (a query).
#[tokio::test]
async fn closing_an_order_closes_its_trade_or_finds_it_paid() {
    let Shop {
        t,
        pid,
        class_id,
        inst,
        ..
    } = shop().await;
    let a = create_order(
        &t,
        &inst,
        &class_id,
        json!({"package_id": pid, "idempotency_key": "a"}),
    )
    .await;
    let a_id = a["id"].as_str().unwrap().to_string();
    let r = t
        .api(
            Method::POST,
            &format!("/orders/{a_id}/pay"),
            Some(&inst),
            None,
        )
        .await;
    let url = r.json()["pay_url"].as_str().unwrap().to_string();
    let r = t
        .api(
            Method::POST,
            &format!("/orders/{a_id}/close"),
            Some(&inst),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "closed");
    let mut b = t.signed_in("institution").await;
    let r = b.post(&url, &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("已关闭"), "{}", r.text());

    // Paid at the gateway, the notification not yet in (the worker is kept away by
    // confirming through the app and closing at once): closing finds it paid.
    let c = create_order(
        &t,
        &inst,
        &class_id,
        json!({"package_id": pid, "idempotency_key": "c", "quantity": 1, "reason": "补1个名额"}),
    )
    .await;
    let c_id = c["id"].as_str().unwrap().to_string();
    let r = t
        .api(
            Method::POST,
            &format!("/orders/{c_id}/pay"),
            Some(&inst),
            None,
        )
        .await;
    let trade = trade_of(r.json()["pay_url"].as_str().unwrap());
    let who = t
        .app
        .accounts()
        .principal_of(&t.user_id("institution").await)
        .await
        .unwrap();
    t.app
        .sandbox()
        .confirm(&who, &jineng_app::RequestCtx::default(), &trade)
        .await
        .unwrap();
    let r = t
        .api(
            Method::POST,
            &format!("/orders/{c_id}/close"),
            Some(&inst),
            None,
        )
        .await;
    // Either the query found it paid (409), or the worker had already recorded it (409).
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let d = order(&t, &inst, &c_id).await;
    assert_eq!(d["order"]["status"], "paid");
    assert_eq!(count_payments(&d, "succeeded"), 1);
}

/// Many clicks on 去支付 at once open one trade; a close racing them leaves no trade to
/// pay; the cashier refuses a trade whose order was closed.
#[tokio::test]
async fn paying_and_closing_at_once_leave_one_trade_or_none() {
    let Shop {
        t,
        pid,
        class_id,
        inst,
        ..
    } = shop().await;
    let o = create_order(
        &t,
        &inst,
        &class_id,
        json!({"package_id": pid, "idempotency_key": "clicks"}),
    )
    .await;
    let id = o["id"].as_str().unwrap().to_string();
    let click = || {
        let t = &t;
        let inst = inst.clone();
        let id = id.clone();
        async move {
            t.api(
                Method::POST,
                &format!("/orders/{id}/pay"),
                Some(&inst),
                None,
            )
            .await
        }
    };
    let rs = futures::future::join_all((0..6).map(|_| click())).await;
    let urls: std::collections::HashSet<String> = rs
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .map(|r| r.json()["pay_url"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(urls.len(), 1, "{urls:?}");
    let op = t.token("operator").await;
    assert_eq!(
        order(&t, &op, &id).await["payments"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Close while paying: whatever wins, a closed order keeps no payable trade.
    let o2 = create_order(
        &t,
        &inst,
        &class_id,
        json!({"package_id": pid, "idempotency_key": "race", "quantity": 1, "reason": "x补报"}),
    )
    .await;
    let id2 = o2["id"].as_str().unwrap().to_string();
    let close = {
        let t = &t;
        let inst = inst.clone();
        let id2 = id2.clone();
        async move {
            t.api(
                Method::POST,
                &format!("/orders/{id2}/close"),
                Some(&inst),
                None,
            )
            .await
        }
    };
    let pay = |n: usize| {
        let t = &t;
        let inst = inst.clone();
        let id2 = id2.clone();
        async move {
            let _ = n;
            t.api(
                Method::POST,
                &format!("/orders/{id2}/pay"),
                Some(&inst),
                None,
            )
            .await
        }
    };
    let (c, p1, p2) = tokio::join!(close, pay(1), pay(2));
    assert_eq!(c.status, StatusCode::OK, "{}", c.text());
    let d = order(&t, &op, &id2).await;
    assert_eq!(d["order"]["status"], "closed");
    assert_eq!(count_payments(&d, "pending"), 0, "{d}");
    // A trade opened before the close cannot be paid now.
    for r in [p1, p2] {
        if r.status == StatusCode::OK {
            let url = r.json()["pay_url"].as_str().unwrap().to_string();
            let mut b = t.signed_in("institution").await;
            let r = b.post(&url, &[]).await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        }
    }
}

/// The buyer asks for an invoice, the seller returns it, the buyer asks again and the
/// seller issues it with the e-invoice PDF; a refund puts it to 待红冲, the seller
/// uploads the red-letter invoice and the buyer may ask for the new amount.
#[tokio::test]
async fn invoices_are_asked_issued_downloaded_and_reversed_after_a_refund() {
    let Shop {
        t,
        pid,
        class_id,
        inst,
        ..
    } = shop().await;
    let learners = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}"),
            Some(&inst),
            None,
        )
        .await
        .json()["class"]["enrolled"]
        .as_i64()
        .unwrap();
    let o = create_order(
        &t,
        &inst,
        &class_id,
        json!({"package_id": pid, "quantity": learners + 1, "reason": "预留1个名额", "idempotency_key": "inv"}),
    )
    .await;
    let id = o["id"].as_str().unwrap().to_string();
    let total = (learners + 1) * 12_050;
    // Not before it is paid.
    let tax_id = crate::common::credit_code("52520102MJ0000011");
    let ask = json!({"kind": "ordinary", "title": "南明职业技能培训学校", "tax_id": tax_id});
    let r = t
        .api(
            Method::POST,
            &format!("/orders/{id}/invoices"),
            Some(&inst),
            Some(ask.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let trade = pay_on_sandbox(&t, &inst, &id).await;
    let body = t
        .app
        .sandbox()
        .signed_notice(&trade)
        .await
        .unwrap()
        .unwrap();
    notify(&t, &body).await;
    wait_paid(&t, &inst, &id).await;
    // Bad requests: named fields, in Chinese.
    for (bad, field) in [
        (
            json!({"kind": "vat", "title": "南明学校", "tax_id": tax_id}),
            "kind",
        ),
        (
            json!({"kind": "ordinary", "title": "南明学校", "tax_id": "123"}),
            "tax_id",
        ),
        (
            json!({"kind": "special", "title": "南明学校", "tax_id": tax_id}),
            "address_phone",
        ),
        (
            json!({"kind": "ordinary", "title": "=HYPERLINK(1)", "tax_id": tax_id}),
            "title",
        ),
    ] {
        let r = t
            .api(
                Method::POST,
                &format!("/orders/{id}/invoices"),
                Some(&inst),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text()
        );
        assert!(r.text().contains(field), "{bad}: {}", r.text());
    }
    let first = t
        .api(
            Method::POST,
            &format!("/orders/{id}/invoices"),
            Some(&inst),
            Some(ask.clone()),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let first = first.json();
    assert_eq!(first["amount_fen"], total);
    // One at a time.
    let r = t
        .api(
            Method::POST,
            &format!("/orders/{id}/invoices"),
            Some(&inst),
            Some(ask.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    // Only the seller issues or returns it.
    let inv = first["id"].as_str().unwrap().to_string();
    let r = t
        .api(
            Method::POST,
            &format!("/invoices/{inv}/reject"),
            Some(&inst),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let seller = t.token("provider").await;
    let r = t
        .api(
            Method::POST,
            &format!("/invoices/{inv}/reject"),
            Some(&seller),
            Some(json!({"reason": "纳税人识别号与抬头不符，请核对"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "rejected");
    let second = t
        .api(
            Method::POST,
            &format!("/orders/{id}/invoices"),
            Some(&inst),
            Some(ask.clone()),
        )
        .await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text());
    let inv = second.json()["id"].as_str().unwrap().to_string();
    let today = t.app.today().to_string();
    let issue = |q: String, bytes: Vec<u8>| {
        let t = &t;
        let seller = seller.clone();
        let inv = inv.clone();
        async move {
            t.raw_api(
                Method::POST,
                &format!("/invoices/{inv}/issue?{q}"),
                &seller,
                "application/pdf",
                bytes,
            )
            .await
        }
    };
    // Not a PDF, a cut-off PDF, a bad number, a future date: refused, nothing kept.
    for (q, bytes) in [
        (
            format!("number=26522000000012345678&issued_on={today}"),
            b"<html>".to_vec(),
        ),
        (
            format!("number=26522000000012345678&issued_on={today}"),
            b"%PDF-1.4 cut".to_vec(),
        ),
        (
            format!("number=12AB&issued_on={today}"),
            crate::common::pdf(),
        ),
        (
            "number=26522000000012345678&issued_on=2999-01-01".to_string(),
            crate::common::pdf(),
        ),
    ] {
        let r = issue(q.clone(), bytes).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{q}: {}",
            r.text()
        );
    }
    let r = issue(
        format!("number=26522000000012345678&issued_on={today}"),
        crate::common::pdf(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "issued");
    // The buyer downloads it; someone else cannot.
    let f = t
        .api(
            Method::GET,
            &format!("/invoices/{inv}/file"),
            Some(&inst),
            None,
        )
        .await;
    assert_eq!(f.status, StatusCode::OK);
    assert_eq!(f.body, crate::common::pdf());
    assert_eq!(f.header("content-type").as_deref(), Some("application/pdf"));
    let other = t.token("enterprise").await;
    let r = t
        .api(
            Method::GET,
            &format!("/invoices/{inv}/file"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The unused seat is refunded: the invoice waits for its red-letter invoice.
    let r = t
        .api(
            Method::POST,
            &format!("/orders/{id}/refunds"),
            Some(&inst),
            Some(json!({"seats": 1, "reason": "名额未用"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let rid = r.json()["id"].as_str().unwrap().to_string();
    let op = t.token("operator").await;
    let r = t
        .api(
            Method::POST,
            &format!("/refunds/{rid}/decision"),
            Some(&op),
            Some(json!({"approve": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let list = t
        .api(Method::GET, "/invoices", Some(&seller), None)
        .await
        .json();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == inv.as_str())
        .cloned()
        .unwrap();
    assert_eq!(row["status"], "red_pending", "{row}");
    let r = t
        .raw_api(
            Method::POST,
            &format!("/invoices/{inv}/reverse?number=26522000000012345678"),
            &seller,
            "application/pdf",
            crate::common::pdf(),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "same number: {}",
        r.text()
    );
    let r = t
        .raw_api(
            Method::POST,
            &format!("/invoices/{inv}/reverse?number=26522000000012345679"),
            &seller,
            "application/pdf",
            crate::common::pdf(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "reversed");
    // A new invoice is of what is left.
    let third = t
        .api(
            Method::POST,
            &format!("/orders/{id}/invoices"),
            Some(&inst),
            Some(ask),
        )
        .await;
    assert_eq!(third.status, StatusCode::CREATED, "{}", third.text());
    assert_eq!(third.json()["amount_fen"], total - 12_050);
}

/// The operator draws up the provider's statement for the month of a sale and a refund;
/// the provider disputes it, the operator draws it up again, the provider confirms, the
/// operator records the payout. One statement per provider and month.
#[tokio::test]
async fn a_provider_confirms_its_monthly_statement_and_is_paid_out() {
    let Shop {
        t,
        pid,
        class_id,
        inst,
        ..
    } = shop().await;
    let learners = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}"),
            Some(&inst),
            None,
        )
        .await
        .json()["class"]["enrolled"]
        .as_i64()
        .unwrap();
    let o = create_order(
        &t,
        &inst,
        &class_id,
        json!({"package_id": pid, "quantity": learners + 1, "reason": "预留", "idempotency_key": "settle"}),
    )
    .await;
    let id = o["id"].as_str().unwrap().to_string();
    let trade = pay_on_sandbox(&t, &inst, &id).await;
    let body = t
        .app
        .sandbox()
        .signed_notice(&trade)
        .await
        .unwrap()
        .unwrap();
    notify(&t, &body).await;
    wait_paid(&t, &inst, &id).await;
    let r = t
        .api(
            Method::POST,
            &format!("/orders/{id}/refunds"),
            Some(&inst),
            Some(json!({"seats": 1, "reason": "名额未用"})),
        )
        .await;
    let rid = r.json()["id"].as_str().unwrap().to_string();
    let op = t.token("operator").await;
    let r = t
        .api(
            Method::POST,
            &format!("/refunds/{rid}/decision"),
            Some(&op),
            Some(json!({"approve": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let period = (t.app.now() + chrono::Duration::hours(8))
        .format("%Y-%m")
        .to_string();
    let provider = t.org_id_of("provider").await;
    let draw = |period: String, rate: i64| {
        let t = &t;
        let op = op.clone();
        let provider = provider.clone();
        async move {
            t.api(
                Method::POST,
                "/settlements",
                Some(&op),
                Some(json!({"provider_org_id": provider, "period": period, "fee_rate_bp": rate})),
            )
            .await
        }
    };
    // Not before the month has ended.
    let r = draw(period.clone(), 1000).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    t.clock.advance(chrono::Duration::days(32));
    for (p, rate) in [("2026-13", 1000), (period.as_str(), 5001)] {
        let r = draw(p.to_string(), rate).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{p} {rate}: {}",
            r.text()
        );
    }
    // Two operators at once: one statement (a unique index on provider and month).
    let (a, b) = tokio::join!(draw(period.clone(), 1000), draw(period.clone(), 1000));
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{} / {}", a.text(), b.text());
    let r = if a.status == StatusCode::CREATED {
        a
    } else {
        b
    };
    let st = r.json();
    let sales = (learners + 1) * 12_050;
    assert_eq!(st["sales_fen"], sales);
    assert_eq!(st["refunds_fen"], 12_050);
    let net = sales - 12_050;
    let fee = (net * 1000 + 5000) / 10_000;
    assert_eq!(st["fee_fen"], fee);
    assert_eq!(st["due_fen"], net - fee);
    assert_eq!(st["orders"], 1);
    let sid = st["id"].as_str().unwrap().to_string();
    // Once per provider and month.
    let r = draw(period.clone(), 1000).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    // Another provider does not see it; the institution neither.
    for who in ["provider_b", "institution"] {
        let tok = t.token(who).await;
        let r = t
            .api(
                Method::GET,
                &format!("/settlements/{sid}"),
                Some(&tok),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}: {}", r.text());
    }
    let seller = t.token("provider").await;
    let d = t
        .api(
            Method::GET,
            &format!("/settlements/{sid}"),
            Some(&seller),
            None,
        )
        .await
        .json();
    assert_eq!(d["lines"][0]["order_number"], o["number"], "{d}");
    // Payout needs the provider's confirmation.
    let r = t
        .api(
            Method::POST,
            &format!("/settlements/{sid}/payout"),
            Some(&op),
            Some(json!({"reference": "CMB20261201001"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let r = t
        .api(
            Method::POST,
            &format!("/settlements/{sid}/dispute"),
            Some(&seller),
            Some(json!({"reason": "约定费率为8%"})),
        )
        .await;
    assert_eq!(r.json()["status"], "disputed", "{}", r.text());
    let r = t
        .api(
            Method::POST,
            &format!("/settlements/{sid}/redraw"),
            Some(&op),
            Some(json!({"fee_rate_bp": 800})),
        )
        .await;
    let redrawn = r.json();
    assert_eq!(redrawn["status"], "issued", "{redrawn}");
    let fee = (net * 800 + 5000) / 10_000;
    assert_eq!(redrawn["due_fen"], net - fee);
    let r = t
        .api(
            Method::POST,
            &format!("/settlements/{sid}/confirm"),
            Some(&seller),
            None,
        )
        .await;
    assert_eq!(r.json()["status"], "confirmed", "{}", r.text());
    let r = t
        .api(
            Method::POST,
            &format!("/settlements/{sid}/payout"),
            Some(&op),
            Some(json!({"reference": " "})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = t
        .api(
            Method::POST,
            &format!("/settlements/{sid}/payout"),
            Some(&op),
            Some(json!({"reference": "CMB20261201001"})),
        )
        .await;
    assert_eq!(r.json()["status"], "paid", "{}", r.text());
    let r = t
        .api(
            Method::POST,
            &format!("/settlements/{sid}/confirm"),
            Some(&seller),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    // The statement as Excel: the figures and the order line.
    let mut b = t.signed_in("provider").await;
    let x = b.get(&format!("/settlements/{sid}/statement.xlsx")).await;
    assert_eq!(x.status, StatusCode::OK);
    let lines = crate::common::read_xlsx_sheet(&x.body, 1);
    assert!(
        lines
            .iter()
            .any(|row| row[0] == o["number"].as_str().unwrap()),
        "{lines:?}"
    );
}

/// A notification whose processing breaks off after the payment and order rows were
/// updated but before the seats are written (forced here by a seat row in the way, as a
/// process killed at that point would leave its transaction uncommitted) leaves nothing
/// behind: the order is still unpaid, no evidence-log entry, and the gateway's next
/// delivery records it exactly once.
#[tokio::test]
async fn a_notification_broken_off_before_the_seats_leaves_nothing_and_counts_once_later() {
    use jineng_store::orders::seat;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let Shop {
        t,
        pid,
        class_id,
        inst,
        learners,
        ..
    } = shop().await;
    let o = create_order(
        &t,
        &inst,
        &class_id,
        json!({"package_id": pid, "idempotency_key": "cut"}),
    )
    .await;
    let id = o["id"].as_str().unwrap().to_string();
    let r = t
        .api(
            Method::POST,
            &format!("/orders/{id}/pay"),
            Some(&inst),
            None,
        )
        .await;
    let trade = trade_of(r.json()["pay_url"].as_str().unwrap());
    // Seat 1 of the order is taken before the payment is recorded.
    let stray = seat::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        order_id: Set(id.clone()),
        class_id: Set(class_id.clone()),
        package_id: Set(pid.clone()),
        position: Set(1),
        status: Set(jineng_core::orders::SeatStatus::Free),
        learner_id: Set(None),
        refund_id: Set(None),
        assigned_at: Set(None),
        updated_at: Set(t.app.now()),
    }
    .insert(&t.app.db)
    .await
    .unwrap();
    let ledger_before = <jineng_store::ledger::entry::Entity as EntityTrait>::find()
        .all(&t.app.db)
        .await
        .unwrap()
        .len();
    // Paid at the gateway; its notification is delivered by hand (and by the worker).
    let who = t
        .app
        .accounts()
        .principal_of(&t.user_id("institution").await)
        .await
        .unwrap();
    t.app
        .sandbox()
        .confirm(&who, &jineng_app::RequestCtx::default(), &trade)
        .await
        .unwrap();
    let body = t
        .app
        .sandbox()
        .signed_notice(&trade)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(notify(&t, &body).await, "fail");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let op = t.token("operator").await;
    let d = order(&t, &op, &id).await;
    // (Opening the order asks the gateway too; that attempt breaks off the same way.)
    assert_eq!(d["order"]["status"], "unpaid", "{d}");
    assert_eq!(count_payments(&d, "succeeded"), 0);
    assert_eq!(d["seats"].as_array().unwrap().len(), 1);
    let ledger_after = <jineng_store::ledger::entry::Entity as EntityTrait>::find()
        .all(&t.app.db)
        .await
        .unwrap()
        .len();
    assert_eq!(
        ledger_after, ledger_before,
        "no payment entered the evidence log"
    );
    // The obstacle goes (the process is back); the next delivery records it once.
    <seat::Entity as EntityTrait>::delete_by_id(stray.id)
        .exec(&t.app.db)
        .await
        .unwrap();
    for _ in 0..3 {
        assert_eq!(notify(&t, &body).await, "success");
    }
    let d = order(&t, &op, &id).await;
    assert_eq!(d["order"]["status"], "paid", "{d}");
    assert_eq!(count_payments(&d, "succeeded"), 1);
    assert_eq!(d["seats"].as_array().unwrap().len() as i64, learners);
    let payments = <jineng_store::ledger::entry::Entity as EntityTrait>::find()
        .all(&t.app.db)
        .await
        .unwrap()
        .len();
    assert_eq!(
        payments,
        ledger_before + 1,
        "one evidence-log entry for the payment"
    );
}

/// The order list filters by class and refuses parameters it does not know.
#[tokio::test]
async fn the_order_list_filters_by_class_and_refuses_unknown_parameters() {
    let Shop {
        t,
        pid,
        class_id,
        inst,
        ..
    } = shop().await;
    create_order(
        &t,
        &inst,
        &class_id,
        json!({"package_id": pid, "idempotency_key": "list"}),
    )
    .await;
    let mine = t
        .api(
            Method::GET,
            &format!("/orders?class_id={class_id}"),
            Some(&inst),
            None,
        )
        .await
        .json();
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    let none = t
        .api(Method::GET, "/orders?class_id=another", Some(&inst), None)
        .await
        .json();
    assert!(none.as_array().unwrap().is_empty(), "{none}");
    t.api(Method::GET, "/orders?foo=1", Some(&inst), None)
        .await
        .problem(400);
}

/// The reconciled record of `day` once its job has run (the worker takes it at once).
async fn reconciled(t: &TestApp, tok: &str, day: &str, after: Option<&str>) -> Value {
    for _ in 0..200 {
        let list = t
            .api(Method::GET, "/reconciliations", Some(tok), None)
            .await
            .json();
        if let Some(r) = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["day"] == day && Some(r["created_at"].as_str().unwrap()) != after)
        {
            let id = r["id"].as_str().unwrap();
            let d = t
                .api(
                    Method::GET,
                    &format!("/reconciliations/{id}"),
                    Some(tok),
                    None,
                )
                .await;
            assert_eq!(d.status, StatusCode::OK, "{}", d.text());
            return d.json();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("day {day} was never reconciled");
}

/// Issue 14: a day's payments and refunds are compared with the channel's bill. A payment
/// the channel has but whose notification never came, an amount that differs and a refund
/// the platform never made are each listed once; the operator resolves them with a note
/// (once); after the missing payment is fetched by opening its order, reconciling the day
/// again drops that difference and keeps the resolved one. Only operators see or act.
#[tokio::test]
async fn a_day_is_reconciled_with_the_channel_and_each_difference_resolved_once() {
    use jineng_store::orders::{payment, sandbox_refund, sandbox_trade};
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
    let Shop {
        t,
        pid,
        class_id,
        inst,
        ..
    } = shop().await;
    let op = t.token("operator").await;
    // A: paid as usual.
    let a = create_order(
        &t,
        &inst,
        &class_id,
        json!({"package_id": pid, "idempotency_key": "rec-a"}),
    )
    .await;
    let a_id = a["id"].as_str().unwrap().to_string();
    let trade_a = pay_on_sandbox(&t, &inst, &a_id).await;
    wait_paid(&t, &inst, &a_id).await;
    let pay_a = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(a_id.clone()))
        .filter(payment::Column::Status.eq(jineng_core::orders::PaymentStatus::Succeeded))
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    let day = (pay_a.paid_at.unwrap() + chrono::Duration::hours(8))
        .date_naive()
        .to_string();
    // B: paid at the gateway; its notification never came.
    let b = create_order(
        &t,
        &inst,
        &class_id,
        json!({"package_id": pid, "idempotency_key": "rec-b"}),
    )
    .await;
    let b_id = b["id"].as_str().unwrap().to_string();
    let trade_b = trade_of(&start_paying(&t, &inst, &b_id).await);
    sandbox_trade::Entity::update_many()
        .col_expr(sandbox_trade::Column::Status, Expr::value("TRADE_SUCCESS"))
        .col_expr(sandbox_trade::Column::PaidAt, Expr::value(pay_a.paid_at))
        .filter(sandbox_trade::Column::TradeNo.eq(trade_b.clone()))
        .exec(&t.app.db)
        .await
        .unwrap();
    // The channel's bill says one fen more for A, and has a refund nobody here made.
    sandbox_trade::Entity::update_many()
        .col_expr(
            sandbox_trade::Column::AmountFen,
            Expr::value(pay_a.amount_fen + 1),
        )
        .filter(sandbox_trade::Column::TradeNo.eq(trade_a.clone()))
        .exec(&t.app.db)
        .await
        .unwrap();
    sandbox_refund::Entity::insert(sandbox_refund::ActiveModel {
        refund_no: Set("RF-UNKNOWN".into()),
        trade_no: Set(trade_a.clone()),
        amount_fen: Set(500),
        created_at: Set(pay_a.paid_at.unwrap()),
    })
    .exec_without_returning(&t.app.db)
    .await
    .unwrap();

    // Nobody reconciles a day that is not over, nor a non-date; buyers not at all.
    let today = t.app.today().to_string();
    for (tok, body, status) in [
        (&op, json!({"day": today}), 422),
        (&op, json!({"day": "昨天"}), 422),
        (&inst, json!({"day": day}), 403),
    ] {
        let r = t
            .api(Method::POST, "/reconciliations", Some(tok), Some(body))
            .await;
        assert_eq!(r.status.as_u16(), status, "{}", r.text());
    }
    let r = t
        .api(Method::GET, "/reconciliations", Some(&inst), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    t.clock.advance(chrono::Duration::days(1));
    let r = t
        .api(
            Method::POST,
            "/reconciliations",
            Some(&op),
            Some(json!({"day": day})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let d = reconciled(&t, &op, &day, None).await;
    let rec = &d["reconciliation"];
    assert_eq!(
        (
            rec["platform_payments"].as_i64(),
            rec["channel_payments"].as_i64(),
            rec["channel_refunds"].as_i64(),
            rec["open_differences"].as_i64(),
        ),
        (Some(1), Some(2), Some(1), Some(3)),
        "{d}"
    );
    let diffs = d["differences"].as_array().unwrap();
    let find = |reference: &str| {
        diffs
            .iter()
            .find(|x| x["reference"] == reference)
            .unwrap_or_else(|| panic!("no difference for {reference}: {d}"))
            .clone()
    };
    let amount = find(&pay_a.id);
    assert_eq!(amount["kind"], "amount_differs");
    assert_eq!(amount["platform_fen"], pay_a.amount_fen);
    assert_eq!(amount["channel_fen"], pay_a.amount_fen + 1);
    assert_eq!(amount["order_id"], a_id);
    let unknown = find("RF-UNKNOWN");
    assert_eq!(
        (&unknown["kind"], &unknown["movement"]),
        (&json!("only_at_channel"), &json!("refund"))
    );
    let missing = diffs
        .iter()
        .find(|x| x["order_id"] == b_id)
        .expect("B's payment is a difference");
    assert_eq!(missing["kind"], "only_at_channel");
    assert!(missing["platform_fen"].is_null());

    // Resolving: a note is required, once; buyers cannot.
    let uid = unknown["id"].as_str().unwrap();
    let path = format!("/reconciliation-differences/{uid}/resolve");
    let r = t
        .api(Method::POST, &path, Some(&op), Some(json!({"note": "  "})))
        .await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text());
    let r = t
        .api(Method::POST, &path, Some(&inst), Some(json!({"note": "x"})))
        .await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.text());
    let r = t
        .api(
            Method::POST,
            &path,
            Some(&op),
            Some(json!({"note": "渠道误记，已与渠道核实撤销"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["reconciliation"]["open_differences"], 2);
    let r = t
        .api(
            Method::POST,
            &path,
            Some(&op),
            Some(json!({"note": "再次"})),
        )
        .await;
    assert_eq!(r.status.as_u16(), 409, "{}", r.text());

    // B is fetched from the gateway when its order is opened; the day reconciled again.
    assert_eq!(order(&t, &inst, &b_id).await["order"]["status"], "paid");
    let r = t
        .api(
            Method::POST,
            "/reconciliations",
            Some(&op),
            Some(json!({"day": day})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let before = rec["created_at"].as_str().unwrap().to_string();
    t.clock.advance(chrono::Duration::seconds(1));
    let d = reconciled(&t, &op, &day, Some(&before)).await;
    let left: Vec<(String, String, bool)> = d["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["reference"].as_str().unwrap().to_string(),
                x["kind"].as_str().unwrap().to_string(),
                x["resolved_at"].is_null(),
            )
        })
        .collect();
    assert_eq!(
        left,
        vec![
            (pay_a.id.clone(), "amount_differs".to_string(), true),
            (
                "RF-UNKNOWN".to_string(),
                "only_at_channel".to_string(),
                false
            ),
        ],
        "{d}"
    );
    assert_eq!(d["reconciliation"]["open_differences"], 1);
    // The last one resolved twice at once: once, and the open count never below zero.
    let aid = d["differences"][0]["id"].as_str().unwrap().to_string();
    let resolve = || {
        let (t, op, aid) = (&t, op.clone(), aid.clone());
        async move {
            t.api(
                Method::POST,
                &format!("/reconciliation-differences/{aid}/resolve"),
                Some(&op),
                Some(json!({"note": "渠道确认金额以平台为准"})),
            )
            .await
        }
    };
    let (x, y) = tokio::join!(resolve(), resolve());
    let mut codes = [x.status.as_u16(), y.status.as_u16()];
    codes.sort();
    assert_eq!(codes, [200, 409], "{} / {}", x.text(), y.text());
    let ok = if x.status == StatusCode::OK { x } else { y };
    assert_eq!(ok.json()["reconciliation"]["open_differences"], 0);

    // The pages: the list says what is open, the day shows each difference.
    let mut b = t.signed_in("operator").await;
    let page = b.get("/reconciliations").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains(&day) && page.text().contains("2 笔已处理"),
        "{}",
        page.text()
    );
    let rid = d["reconciliation"]["id"].as_str().unwrap();
    let page = b.get(&format!("/reconciliations/{rid}")).await;
    assert!(
        page.text().contains("金额不一致") && page.text().contains("渠道误记"),
        "{}",
        page.text()
    );

    // The schedule enqueues each past day that has been over two hours, once however
    // often (and on however many nodes) it is called.
    t.clock.advance(chrono::Duration::hours(3));
    t.app.orders().schedule_reconciliations().await.unwrap();
    t.app.orders().schedule_reconciliations().await.unwrap();
    let keys = jineng_store::jobs::job::Entity::find()
        .filter(
            jineng_store::jobs::job::Column::IdempotencyKey.eq(format!("reconcile:sandbox:{day}")),
        )
        .all(&t.app.db)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "one scheduled run per day");
}

/// Issue 14: the refund period is the operators' rule (30 days until set): bounds are
/// checked and named, only operators set it, buyers read it, and a request is judged by
/// the period in force when it is made.
#[tokio::test]
async fn the_refund_period_is_an_operators_rule() {
    let Shop {
        t,
        pid,
        class_id,
        inst,
        learners,
        ..
    } = shop().await;
    let op = t.token("operator").await;
    let r = t
        .api(Method::GET, "/order-settings", Some(&inst), None)
        .await;
    assert_eq!(r.json()["refund_days"], 30, "{}", r.text());
    let set = |tok: String, days: Value| {
        let t = &t;
        async move {
            t.api(
                Method::PUT,
                "/order-settings",
                Some(&tok),
                Some(json!({ "refund_days": days })),
            )
            .await
        }
    };
    let r = set(op.clone(), json!(366)).await;
    assert!(
        r.problem(422).to_string().contains("退款期限"),
        "{}",
        r.text()
    );
    assert_eq!(set(op.clone(), json!(-1)).await.status.as_u16(), 422);
    assert_eq!(set(inst.clone(), json!(5)).await.status.as_u16(), 403);

    let o = create_order(
        &t,
        &inst,
        &class_id,
        json!({"package_id": pid, "quantity": learners + 1, "reason": "预留1个插班名额", "idempotency_key": "rules-1"}),
    )
    .await;
    let id = o["id"].as_str().unwrap().to_string();
    pay_on_sandbox(&t, &inst, &id).await;
    wait_paid(&t, &inst, &id).await;
    let ask = || {
        let (t, inst, id) = (&t, inst.clone(), id.clone());
        async move {
            t.api(
                Method::POST,
                &format!("/orders/{id}/refunds"),
                Some(&inst),
                Some(json!({"seats": 1, "reason": "插班学员未报到"})),
            )
            .await
        }
    };
    // Three days after payment: past a two-day period, within a five-day one.
    t.clock.advance(chrono::Duration::days(3));
    assert_eq!(set(op.clone(), json!(2)).await.status, StatusCode::OK);
    let r = ask().await;
    assert!(
        r.problem(409).to_string().contains("支付后2天内"),
        "{}",
        r.text()
    );
    assert_eq!(set(op.clone(), json!(0)).await.status, StatusCode::OK);
    assert!(
        ask().await.problem(409).to_string().contains("不受理退款"),
        "no refunds at all"
    );
    let r = set(op.clone(), json!(5)).await;
    assert_eq!(r.json()["refund_days"], 5, "{}", r.text());
    let r = ask().await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // The list says the period in force; operators see the form.
    let page = t.signed_in("institution").await.get("/orders").await;
    assert!(
        page.text().contains("支付后5天内可申请退款"),
        "{}",
        page.text()
    );
    assert!(!page.text().contains("id=\"order-rules\""));
    let mut b = t.signed_in("operator").await;
    let page = b.get("/orders").await;
    assert!(
        page.text().contains("id=\"order-rules\""),
        "{}",
        page.text()
    );
}
