//! Institution and enterprise registration, review, resubmission, suspension, revocation,
//! annual review; scoped by region and organisation; through the API and pages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{PW, TestApp, credit_code, id};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

pub(crate) fn org(name: &str, code17: &str, county: &str) -> Value {
    json!({
        "kind": "institution",
        "name": name,
        "credit_code": credit_code(code17),
        "region_code": county,
        "address": "贵阳市南明区花果园",
        "legal_rep_name": "赵敏",
        "legal_rep_id": id("52010219800101123"),
        "contact_name": "赵敏",
        "contact_phone": "13912345678",
        "nature": "private",
        "institution_type": "ordinary",
        "designated": true,
        "bank_name": "贵阳银行",
        "bank_account_name": name,
        "bank_account": "6222 0240 1234 5678",
        "training_scale": 300,
        "site_area": 600,
        "licence_no": "黔人社培字0001号",
        "valid_from": "2025-01-01",
        "valid_until": "2029-12-31"
    })
}

/// Register through the API; a registration that is accepted also gets its licence
/// uploaded by the new admin, as the regulator needs it to approve.
async fn register(t: &TestApp, body: Value, username: &str) -> crate::common::Resp {
    let r = register_only(t, body, username).await;
    if r.status == StatusCode::CREATED {
        t.upload_licence(username, r.json()["id"].as_str().unwrap())
            .await;
    }
    r
}

/// Register through the API, filing no documents.
pub(crate) async fn register_only(t: &TestApp, body: Value, username: &str) -> crate::common::Resp {
    // The contact phone is proved with a code (when it is a phone at all).
    let phone = body["contact_phone"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let code = if jineng_core::Phone::parse(&phone).is_ok() {
        t.code_for(&phone, "org_register").await
    } else {
        "000000".to_string()
    };
    t.api(Method::POST, "/orgs/register", None, Some(json!({"org": body, "admin": {"username": username, "password": PW, "display_name": "机构管理员"}, "code": code}))).await
}

#[tokio::test]
async fn register_review_return_resubmit_approve() {
    let t = TestApp::new().await;
    let r = register(
        &t,
        org("花果园职业培训学校", "91520102MA6TEXT01", "520102"),
        "hgy_admin",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();

    // The new administrator signs in and sees the registration, unmasked, waiting.
    let own = t.token("hgy_admin").await;
    let o = t
        .api(Method::GET, &format!("/orgs/{id}"), Some(&own), None)
        .await
        .json();
    assert_eq!(o["status"], "submitted");
    assert_eq!(o["bank_account"], "6222024012345678");
    // It cannot approve itself.
    t.api(
        Method::POST,
        &format!("/orgs/{id}/decision"),
        Some(&own),
        Some(json!({"action": "approve"})),
    )
    .await
    .problem(403);

    // Another county's regulator does not even see it; the right one does, masked.
    let yy = t.token("yy_regulator").await;
    t.api(Method::GET, &format!("/orgs/{id}"), Some(&yy), None)
        .await
        .problem(404);
    t.api(
        Method::POST,
        &format!("/orgs/{id}/decision"),
        Some(&yy),
        Some(json!({"action": "approve"})),
    )
    .await
    .problem(404);
    let nm = t.token("nm_regulator").await;
    let seen = t
        .api(Method::GET, &format!("/orgs/{id}"), Some(&nm), None)
        .await
        .json();
    assert_eq!(
        seen["legal_rep_id"].as_str().unwrap().matches('*').count(),
        8
    );
    assert_eq!(seen["bank_account"], "6222********5678");

    // Returning needs a reason.
    let r = t
        .api(
            Method::POST,
            &format!("/orgs/{id}/decision"),
            Some(&nm),
            Some(json!({"action": "return"})),
        )
        .await;
    assert!(
        r.problem(422)["errors"]
            .to_string()
            .contains("必须填写原因")
    );
    let r = t
        .api(
            Method::POST,
            &format!("/orgs/{id}/decision"),
            Some(&nm),
            Some(json!({"action": "return", "reason": "场所面积与证明材料不符"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "returned");

    // The institution fixes and resubmits: version 2, waiting again.
    let mut fixed = org("花果园职业培训学校", "91520102MA6TEXT01", "520102");
    fixed["site_area"] = json!(450);
    let r = t
        .api(
            Method::POST,
            &format!("/orgs/{id}/resubmit"),
            Some(&own),
            Some(fixed.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["version"], 2);
    // Resubmitting again while waiting is refused.
    t.api(
        Method::POST,
        &format!("/orgs/{id}/resubmit"),
        Some(&own),
        Some(fixed),
    )
    .await
    .problem(409);

    let r = t
        .api(
            Method::POST,
            &format!("/orgs/{id}/decision"),
            Some(&nm),
            Some(json!({"action": "approve"})),
        )
        .await;
    assert_eq!(r.json()["status"], "approved");
    let versions = t
        .api(
            Method::GET,
            &format!("/orgs/{id}/versions"),
            Some(&own),
            None,
        )
        .await
        .json();
    let v = versions.as_array().unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(
        (v[0]["version"].as_i64(), v[0]["decision"].as_str()),
        (Some(2), Some("approved"))
    );
    assert_eq!(
        (
            v[1]["version"].as_i64(),
            v[1]["decision"].as_str(),
            v[1]["reason"].as_str()
        ),
        (Some(1), Some("returned"), Some("场所面积与证明材料不符"))
    );
    assert_eq!(v[1]["snapshot"]["site_area"], 600);
    assert_eq!(v[0]["snapshot"]["site_area"], 450);

    // Every step is in the audit trail.
    let aud = t
        .api(
            Method::GET,
            &format!("/audit?object={id}"),
            Some(&t.token("auditor").await),
            None,
        )
        .await
        .json();
    let actions: Vec<&str> = aud["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "org.approve",
            "org.resubmit",
            "org.return",
            "org.document_upload",
            "org.register"
        ]
    );
}

#[tokio::test]
async fn bad_registrations_are_refused_and_nothing_is_written() {
    let t = TestApp::new().await;
    let before = t.audit_count().await;
    let mut bad = org("测试机构", "91520102MA6TEXT02", "520102");
    bad["credit_code"] = json!("91520102MA6TEXT02X");
    bad["legal_rep_id"] = json!("520102198001011230");
    bad["contact_phone"] = json!("123");
    bad["bank_account"] = json!("abc");
    bad["valid_from"] = json!("2025-13-01");
    let p = register(&t, bad, "bad_admin").await.problem(422);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "credit_code",
        "legal_rep_id",
        "contact_phone",
        "bank_account",
        "valid_from",
    ] {
        assert!(fields.contains(&f), "{f} missing in {fields:?}");
    }
    // Rules that need the database: a city instead of a county, unknown nature, a taken
    // credit code, a weak password, dates in the wrong order.
    let mut b = org("测试机构", "91520102MA6DEM001", "520100");
    b["nature"] = json!("pirate");
    b["valid_until"] = json!("2020-01-01");
    let r = t.api(Method::POST, "/orgs/register", None, Some(json!({"org": b, "admin": {"username": "x1_admin", "password": "weak", "display_name": "甲"}, "code": "000000"}))).await;
    let msgs = r.problem(422)["errors"].to_string();
    for m in [
        "请选择所在区县",
        "请选择机构性质",
        "该统一社会信用代码已注册",
        "密码至少需要8个字符",
        "截止日期不能早于起始日期",
    ] {
        assert!(msgs.contains(m), "{m} missing in {msgs}");
    }
    assert_eq!(t.audit_count().await, before, "nothing written");
    assert!(
        t.app
            .accounts()
            .user_id_by_username("x1_admin")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn suspension_revocation_and_annual_review() {
    let t = TestApp::new().await;
    let nm = t.token("nm_regulator").await;
    let list = t
        .api(Method::GET, "/orgs?status=approved", Some(&nm), None)
        .await
        .json();
    assert_eq!(
        list["total"], 1,
        "only Nanming's approved institution: {list}"
    );
    let id = list["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(list["items"][0]["name"], "南明职业技能培训学校");

    t.api(
        Method::POST,
        &format!("/orgs/{id}/decision"),
        Some(&nm),
        Some(json!({"action": "suspend"})),
    )
    .await
    .problem(422);
    let r = t
        .api(
            Method::POST,
            &format!("/orgs/{id}/decision"),
            Some(&nm),
            Some(json!({"action": "suspend", "reason": "巡查发现虚报学员"})),
        )
        .await;
    assert_eq!(r.json()["status"], "suspended");
    let r = t
        .api(
            Method::POST,
            &format!("/orgs/{id}/decision"),
            Some(&nm),
            Some(json!({"action": "reinstate"})),
        )
        .await;
    assert_eq!(r.json()["status"], "approved");

    // Annual review: a failure suspends with the remarks as reason; a year only once.
    let yr = t.app.now().format("%Y").to_string().parse::<i32>().unwrap();
    t.api(
        Method::POST,
        &format!("/orgs/{id}/annual-reviews"),
        Some(&nm),
        Some(json!({"year": yr, "passed": false})),
    )
    .await
    .problem(422);
    // Remarks are bounded and plain, as every other reason is.
    for remarks in ["长".repeat(501), "=HYPERLINK(\"x\")".to_string()] {
        let p = t
            .api(
                Method::POST,
                &format!("/orgs/{id}/annual-reviews"),
                Some(&nm),
                Some(json!({"year": yr, "passed": false, "remarks": remarks})),
            )
            .await
            .problem(422);
        assert_eq!(p["errors"][0]["field"], "remarks", "{p}");
    }
    let r = t
        .api(
            Method::POST,
            &format!("/orgs/{id}/annual-reviews"),
            Some(&nm),
            Some(json!({"year": yr, "passed": false, "remarks": "师资不足"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let o = t
        .api(Method::GET, &format!("/orgs/{id}"), Some(&nm), None)
        .await
        .json();
    assert_eq!(o["status"], "suspended");
    assert!(
        o["status_reason"]
            .as_str()
            .unwrap()
            .contains("年审不合格：师资不足")
    );
    t.api(
        Method::POST,
        &format!("/orgs/{id}/annual-reviews"),
        Some(&nm),
        Some(json!({"year": yr, "passed": true})),
    )
    .await
    .problem(409);
    t.api(
        Method::POST,
        &format!("/orgs/{id}/annual-reviews"),
        Some(&nm),
        Some(json!({"year": yr + 1, "passed": true})),
    )
    .await
    .problem(422);

    // Revocation is final.
    let r = t
        .api(
            Method::POST,
            &format!("/orgs/{id}/decision"),
            Some(&nm),
            Some(json!({"action": "revoke", "reason": "多次违规"})),
        )
        .await;
    assert_eq!(r.json()["status"], "revoked");
    let p = t
        .api(
            Method::POST,
            &format!("/orgs/{id}/decision"),
            Some(&nm),
            Some(json!({"action": "reinstate"})),
        )
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("已撤销"));
    t.api(
        Method::POST,
        &format!("/orgs/{id}/decision"),
        Some(&nm),
        Some(json!({"action": "fly"})),
    )
    .await
    .problem(422);
}

#[tokio::test]
async fn organisations_see_only_themselves_and_regulators_their_region() {
    let t = TestApp::new().await;
    let inst = t.token("institution").await;
    let mine = t.api(Method::GET, "/orgs", Some(&inst), None).await.json();
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["name"], "南明职业技能培训学校");
    let ent = t.token("enterprise").await;
    let theirs = t.api(Method::GET, "/orgs", Some(&ent), None).await.json();
    let ent_id = theirs["items"][0]["id"].as_str().unwrap();
    t.api(Method::GET, &format!("/orgs/{ent_id}"), Some(&inst), None)
        .await
        .problem(404);
    // Learners and teachers do not see organisations through this interface.
    t.api(Method::GET, "/orgs", Some(&t.token("learner").await), None)
        .await
        .problem(403);

    let names = |v: &Value| -> Vec<String> {
        let mut n: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    let gy = t
        .api(
            Method::GET,
            "/orgs",
            Some(&t.token("gy_regulator").await),
            None,
        )
        .await
        .json();
    assert_eq!(
        names(&gy),
        [
            "云岩制造有限公司",
            "南明区家政服务培训中心",
            "南明职业技能培训学校"
        ]
    );
    let zy = t
        .api(
            Method::GET,
            "/orgs",
            Some(&t.token("zy_regulator").await),
            None,
        )
        .await
        .json();
    assert_eq!(names(&zy), ["汇川区技工培训学校"]);
    let all = t
        .api(
            Method::GET,
            "/orgs?kind=institution",
            Some(&t.token("gz_regulator").await),
            None,
        )
        .await
        .json();
    assert_eq!(all["total"], 3);
    let pending = t
        .api(
            Method::GET,
            "/orgs?status=submitted",
            Some(&t.token("nm_regulator").await),
            None,
        )
        .await
        .json();
    assert_eq!(names(&pending), ["南明区家政服务培训中心"]);
}

#[tokio::test]
async fn the_whole_path_in_the_browser_pages() {
    let t = TestApp::new().await;
    let mut b = t.browser();
    let page = b.get("/register").await;
    assert!(page.text().contains("培训机构注册"));
    let token = b.csrf("/register").await;
    let code = credit_code("91520102MA6PAGE01");
    let rep = id("52010219850505123");
    let fields = [
        ("_csrf", token.as_str()),
        ("kind", "institution"),
        ("name", "页面注册培训学校"),
        ("credit_code", code.as_str()),
        ("region_code", "520102"),
        ("address", "南明区某路1号"),
        ("legal_rep_name", "孙丽"),
        ("legal_rep_id", rep.as_str()),
        ("contact_name", "孙丽"),
        ("contact_phone", "13966660000"),
        ("nature", "private"),
        ("institution_type", "ordinary"),
        ("bank_name", "贵州银行"),
        ("bank_account_name", "页面注册培训学校"),
        ("bank_account", "6222000011112222"),
        ("training_scale", "abc"),
        ("admin_username", "page_admin"),
        ("admin_name", "孙丽"),
        ("admin_password", PW),
    ];
    // A non-number in a number field comes back with the message and the typed values.
    let r = b.post_raw("/register", &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("培训规模应为整数") && r.text().contains("页面注册培训学校"));
    let mut ok = fields.to_vec();
    ok.retain(|(k, _)| *k != "training_scale");
    // The contact phone is proved with a code sent from the same form.
    let mut send = ok.clone();
    send.push(("op", "code"));
    let sent = b.post_raw("/register", &send).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
    assert!(sent.text().contains("验证码已发送"));
    let code = t.last_code("13966660000");
    ok.push(("code", code.as_str()));
    let r = b.post_raw("/register", &ok).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let to = r.location();
    assert!(to.starts_with("/orgs/") && to.ends_with("?done=registered"));
    let detail = b.get(&to).await.text();
    assert!(
        detail.contains("待审核") && detail.contains("请等待所在区县人社部门审核"),
        "{detail}"
    );
    // The institution's own menu goes straight to its registration.
    assert_eq!(
        b.get("/orgs").await.location(),
        to.split('?').next().unwrap()
    );

    // The county regulator returns it with a reason, from the page.
    let id = to
        .trim_start_matches("/orgs/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let mut reg = t.signed_in("nm_regulator").await;
    let inbox = reg.get("/orgs?status=submitted").await.text();
    assert!(inbox.contains("页面注册培训学校"));
    let r = reg
        .post(
            &format!("/orgs/{id}/decision"),
            &[("action", "return"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("退回必须填写原因"));
    let r = reg
        .post(
            &format!("/orgs/{id}/decision"),
            &[("action", "return"), ("reason", "请补充办学许可证号")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // The institution sees why, corrects, resubmits; the regulator approves.
    let detail = b.get(&format!("/orgs/{id}")).await.text();
    assert!(detail.contains("请补充办学许可证号") && detail.contains("修改并重新提交"));
    let edit = b.get(&format!("/orgs/{id}/edit")).await.text();
    assert!(
        edit.contains(&rep),
        "own registration shows the whole ID number to correct it"
    );
    let mut again: Vec<(&str, &str)> = ok
        .iter()
        .filter(|(k, _)| !k.starts_with("admin_") && *k != "_csrf")
        .cloned()
        .collect();
    again.push(("licence_no", "黔人社培字0099号"));
    let r = b.post(&format!("/orgs/{id}/edit"), &again).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // No licence uploaded yet: approval is refused and says why.
    let r = reg
        .post(
            &format!("/orgs/{id}/decision"),
            &[("action", "approve"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("尚未上传办学许可证"));
    // The institution uploads it from its page: a renamed HTML file is refused by content.
    let bad = b
        .post_file(
            &format!("/orgs/{id}/documents"),
            &[("kind", "school_licence")],
            Some((
                "file",
                "许可证.pdf",
                "application/pdf",
                b"<html><script>alert(1)</script>".to_vec(),
            )),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("只接受PDF、JPG或PNG文件"));
    let up = b
        .post_file(
            &format!("/orgs/{id}/documents"),
            &[("kind", "school_licence")],
            Some((
                "file",
                "办学许可证.pdf",
                "application/pdf",
                crate::common::pdf(),
            )),
        )
        .await;
    assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.text());
    let detail = reg.get(&format!("/orgs/{id}")).await.text();
    assert!(detail.contains("办学许可证.pdf") && detail.contains("民办学校办学许可证"));
    let doc = detail
        .split(&format!("/orgs/{id}/documents/"))
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let file = reg.get(&format!("/orgs/{id}/documents/{doc}")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(
        file.header("content-type").as_deref(),
        Some("application/pdf")
    );
    assert_eq!(
        file.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(file.body, crate::common::pdf());
    let mut yy = t.signed_in("yy_regulator").await;
    assert_eq!(
        yy.get(&format!("/orgs/{id}/documents/{doc}")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = reg
        .post(
            &format!("/orgs/{id}/decision"),
            &[("action", "approve"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let detail = b.get(&format!("/orgs/{id}")).await.text();
    assert!(detail.contains("已通过") && detail.contains("第2版"));
    // Another county's regulator cannot open it.
    assert_eq!(
        yy.get(&format!("/orgs/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let x = reg.get("/orgs/export").await;
    assert_eq!(&x.body[..2], b"PK");
}

#[tokio::test]
async fn licence_documents_through_the_api() {
    let t = TestApp::new().await;
    let r = register_only(
        &t,
        org("文档测试培训学校", "91520102MA6DXCE01", "520102"),
        "doc_admin",
    )
    .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let own = t.token("doc_admin").await;
    let nm = t.token("nm_regulator").await;
    let up = |kind: &'static str, name: &'static str, bytes: Vec<u8>| {
        let (t, own, id) = (&t, own.clone(), id.clone());
        async move {
            t.raw_api(
                Method::POST,
                &format!("/orgs/{id}/documents?kind={kind}&filename={name}"),
                &own,
                "application/octet-stream",
                bytes,
            )
            .await
        }
    };
    // Refusals: wrong kind, not a PDF/image, empty, too big; none leaves a record.
    up("diploma", "a.pdf", crate::common::pdf())
        .await
        .problem(422);
    let p = up("other", "a.exe", b"MZ\x90\x00".to_vec())
        .await
        .problem(422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("只接受PDF、JPG或PNG")
    );
    up("other", "a.pdf", vec![]).await.problem(422);
    let mut big = crate::common::pdf();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    assert!(
        up("other", "big.pdf", big.clone()).await.problem(422)["detail"]
            .as_str()
            .unwrap()
            .contains("不能超过10MB")
    );
    big.resize(11 * 1024 * 1024, b' ');
    up("other", "huge.pdf", big).await.problem(413);
    // The regulator may not upload for it, and cannot approve it yet.
    t.raw_api(
        Method::POST,
        &format!("/orgs/{id}/documents?kind=other&filename=x.pdf"),
        &nm,
        "application/pdf",
        crate::common::pdf(),
    )
    .await
    .problem(403);
    let none = t
        .api(
            Method::POST,
            &format!("/orgs/{id}/decision"),
            Some(&nm),
            Some(json!({"action": "approve"})),
        )
        .await
        .problem(409);
    assert!(none["detail"].as_str().unwrap().contains("尚未上传"));
    assert_eq!(
        t.api(
            Method::GET,
            &format!("/orgs/{id}/documents"),
            Some(&nm),
            None
        )
        .await
        .json(),
        json!([])
    );

    // A PNG and a JPEG are accepted whatever they are called; the type comes from the bytes.
    let png = up(
        "business_licence",
        "%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.jpg",
        b"\x89PNG\r\n\x1a\n0000".to_vec(),
    )
    .await;
    assert_eq!(png.status, StatusCode::CREATED, "{}", png.text());
    let png = png.json();
    assert_eq!(png["content_type"], "image/png");
    assert_eq!(png["filename"], "营业执照.jpg");
    assert_eq!(png["kind_label"], "营业执照");
    let jpg = up(
        "school_licence",
        "scan.jpg",
        vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3],
    )
    .await
    .json();
    let listed = t
        .api(
            Method::GET,
            &format!("/orgs/{id}/documents"),
            Some(&nm),
            None,
        )
        .await
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let got = t
        .raw_api(
            Method::GET,
            &format!("/orgs/{id}/documents/{}", jpg["id"].as_str().unwrap()),
            &nm,
            "application/json",
            vec![],
        )
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("content-type").as_deref(), Some("image/jpeg"));
    assert_eq!(got.body, vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
    // Other counties and other institutions see nothing.
    for who in ["yy_regulator", "institution"] {
        t.api(
            Method::GET,
            &format!("/orgs/{id}/documents"),
            Some(&t.token(who).await),
            None,
        )
        .await
        .problem(404);
    }

    // Removing one keeps the other; removing both blocks approval again.
    let del = |doc: String| {
        let (t, own, id) = (&t, own.clone(), id.clone());
        async move {
            t.raw_api(
                Method::DELETE,
                &format!("/orgs/{id}/documents/{doc}"),
                &own,
                "application/json",
                vec![],
            )
            .await
        }
    };
    assert_eq!(
        del(png["id"].as_str().unwrap().into()).await.status,
        StatusCode::NO_CONTENT
    );
    del(png["id"].as_str().unwrap().into()).await.problem(404);
    assert_eq!(
        del(jpg["id"].as_str().unwrap().into()).await.status,
        StatusCode::NO_CONTENT
    );
    t.api(
        Method::POST,
        &format!("/orgs/{id}/decision"),
        Some(&nm),
        Some(json!({"action": "approve"})),
    )
    .await
    .problem(409);
    // A removed document can still be read for the record.
    assert_eq!(
        t.raw_api(
            Method::GET,
            &format!("/orgs/{id}/documents/{}", jpg["id"].as_str().unwrap()),
            &nm,
            "application/json",
            vec![]
        )
        .await
        .status,
        StatusCode::OK
    );
    t.upload_licence("doc_admin", &id).await;
    assert_eq!(
        t.api(
            Method::POST,
            &format!("/orgs/{id}/decision"),
            Some(&nm),
            Some(json!({"action": "approve"}))
        )
        .await
        .json()["status"],
        "approved"
    );
    let trail = t
        .api(
            Method::GET,
            &format!("/audit?object={id}"),
            Some(&t.token("auditor").await),
            None,
        )
        .await
        .json();
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "org.document_upload")
            .count(),
        3
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "org.document_remove")
            .count(),
        2
    );
    assert!(actions.contains(&"org.document_read"));
}

#[tokio::test]
async fn uploads_fail_cleanly_when_file_storage_is_down() {
    // A bucket on a port nobody listens on.
    let down = jineng_files::Files::s3(&jineng_files::S3Config {
        endpoint: "http://127.0.0.1:9".into(),
        bucket: "gone".into(),
        ..Default::default()
    })
    .unwrap();
    let mut t = TestApp::new().await;
    t.swap_files(down);
    let id = t
        .api(
            Method::GET,
            "/orgs",
            Some(&t.token("institution").await),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let inst = t.token("institution").await;
    let nm = t.token("nm_regulator").await;
    let before = t.app.audit().count().await.unwrap();
    let p = t
        .raw_api(
            Method::POST,
            &format!("/orgs/{id}/documents?kind=other&filename=a.pdf"),
            &inst,
            "application/pdf",
            crate::common::pdf(),
        )
        .await
        .problem(503);
    assert!(p["detail"].as_str().unwrap().contains("文件存储暂时不可用"));
    assert_eq!(
        t.app.audit().count().await.unwrap(),
        before,
        "nothing recorded"
    );
    assert_eq!(
        t.api(
            Method::GET,
            &format!("/orgs/{id}/documents"),
            Some(&nm),
            None
        )
        .await
        .json()
        .as_array()
        .unwrap()
        .len(),
        1,
        "only the demo licence"
    );
    assert_eq!(
        t.browser().get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

/// A course provider registers as its own kind of organisation; the platform's operators
/// review it (not a region's regulator, who does not even see it), and once admitted it
/// still cannot act as a training organisation.
#[tokio::test]
async fn providers_are_reviewed_by_operators_not_regulators() {
    let t = TestApp::new().await;
    let mut body = org("黔东数字课程有限公司", "91520102MA6TPR011", "520102");
    body["kind"] = json!("provider");
    body["nature"] = json!("");
    body["institution_type"] = json!("");
    let r = register_only(&t, body, "qd_provider").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let own = t.token("qd_provider").await;
    let r = t
        .raw_api(
            Method::POST,
            &format!("/orgs/{id}/documents?kind=business_licence&filename=licence.pdf"),
            &own,
            "application/pdf",
            crate::common::pdf(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let o = t
        .api(Method::GET, &format!("/orgs/{id}"), Some(&own), None)
        .await
        .json();
    assert_eq!(o["kind"], "provider");
    assert_eq!(o["status"], "submitted");

    // The county's regulator neither sees nor decides it; its inbox does not count it.
    let nm = t.token("nm_regulator").await;
    t.api(Method::GET, &format!("/orgs/{id}"), Some(&nm), None)
        .await
        .problem(404);
    t.api(
        Method::POST,
        &format!("/orgs/{id}/decision"),
        Some(&nm),
        Some(json!({"action": "approve"})),
    )
    .await
    .problem(404);
    let listed = t
        .api(Method::GET, "/orgs?kind=provider", Some(&nm), None)
        .await
        .json();
    assert_eq!(listed["total"], 0, "{listed}");
    let mut nm_page = t.signed_in("nm_regulator").await;
    let page = nm_page.get("/inbox").await.text();
    assert!(!page.contains("课程资源方入驻"), "{page}");

    // An operator sees it waiting in the inbox and decides it; an operator may not
    // decide an institution.
    let mut op_page = t.signed_in("operator").await;
    let page = op_page.get("/inbox").await.text();
    assert!(page.contains("课程资源方入驻"), "{page}");
    assert!(
        page.contains("id=\"inbox-total\">1<"),
        "one provider waits: {page}"
    );
    let op = t.token("operator").await;
    let inst = register_only(
        &t,
        org("黔东职业培训学校", "91520102MA6TPR022", "520102"),
        "qd_school",
    )
    .await
    .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    t.api(
        Method::POST,
        &format!("/orgs/{inst}/decision"),
        Some(&op),
        Some(json!({"action": "approve"})),
    )
    .await
    .problem(403);
    let r = t
        .api(
            Method::POST,
            &format!("/orgs/{id}/decision"),
            Some(&op),
            Some(json!({"action": "approve"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "approved");
    let page = op_page.get(&format!("/orgs/{id}")).await.text();
    assert!(page.contains("课程资源方"), "{page}");

    // Admitted, it still opens no class and sees no institution's records.
    t.api(
        Method::POST,
        "/classes",
        Some(&own),
        Some(crate::classes::class("no-such-project", "2027-03-01")),
    )
    .await
    .problem(403);
    t.api(Method::GET, "/classes", Some(&own), None)
        .await
        .problem(403);
    let mine = t.api(Method::GET, "/orgs", Some(&own), None).await.json();
    assert_eq!(mine["total"], 1, "{mine}");
}
