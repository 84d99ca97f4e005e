//! Document lessons with the real poppler tools: a PDF made here is added to a draft, its
//! pages rendered by the job and read page by page through URLs signed for one browser; a
//! file that is not a PDF is refused at the door and a broken one fails with the reason;
//! the PDF itself is never served. The preview of a listed package reads for a stranger.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use crate::courses::{decide_all, ready_package};
use crate::media::{settled, unescape};
use axum::http::{Method, StatusCode};
use serde_json::Value;

async fn put_pdf(
    t: &TestApp,
    tok: &str,
    vid: &str,
    query: &str,
    bytes: Vec<u8>,
) -> crate::common::Resp {
    t.raw_api(
        Method::PUT,
        &format!("/course-versions/{vid}/documents?{query}"),
        tok,
        "application/pdf",
        bytes,
    )
    .await
}

/// Percent-encode every byte but ASCII letters and digits.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn lesson<'a>(v: &'a Value, title: &str) -> &'a Value {
    v["chapters"][0]["lessons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["title"] == title)
        .unwrap_or_else(|| panic!("no lesson {title} in {v}"))
}

/// The `src` of every page image on a reading page.
fn page_urls(page: &str) -> Vec<String> {
    page.split("<img ")
        .skip(1)
        .filter_map(|s| s.split("src=\"").nth(1))
        .map(|s| unescape(s.split('"').next().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_pdf_lesson_is_read_page_by_page_and_never_downloaded() {
    let t = TestApp::new().await;
    crate::courses::serve_project(&t).await;
    crate::courses::expert_group(&t).await;
    let tok = t.token("provider").await;
    let (pid, vid) = ready_package(&t, &tok, "母婴护理讲义").await;
    let v = t
        .api(
            Method::GET,
            &format!("/course-versions/{vid}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    let chapter = v["chapters"][0]["id"].as_str().unwrap().to_string();
    let pdf = jineng_demo::pdf_pages(&["Handout page one", "Page two", "Page three"]);
    // Refused at the door, nothing written.
    let q = |title: &str, minutes: &str, preview: bool| {
        format!(
            "chapter_id={chapter}&title={}&minutes={minutes}&preview={preview}&filename=handout.pdf",
            enc(title)
        )
    };
    for (query, bytes, field, words) in [
        (
            q("讲义", "10", true),
            b"GIF89a not a pdf".to_vec(),
            "file",
            "只接受PDF",
        ),
        (q("讲义", "0", true), pdf.clone(), "minutes", "学习时长"),
        (
            q("新生儿洗澡", "10", true),
            pdf.clone(),
            "title",
            "不能重复",
        ),
    ] {
        let p = put_pdf(&t, &tok, &vid, &query, bytes).await.problem(422);
        assert!(
            p["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field && e["message"].as_str().unwrap().contains(words)),
            "{p}"
        );
    }
    let v = t
        .api(
            Method::GET,
            &format!("/course-versions/{vid}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(v["chapters"][0]["lessons"].as_array().unwrap().len(), 1);
    // A good one and a broken one.
    let r = put_pdf(&t, &tok, &vid, &q("护理讲义", "10", true), pdf).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let broken = b"%PDF-1.4\nthis is not really a PDF\n%%EOF\n".to_vec();
    let r = put_pdf(&t, &tok, &vid, &q("损坏的讲义", "5", false), broken).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    let doc = lesson(&v, "护理讲义").clone();
    assert_eq!(doc["kind"], "document");
    assert_eq!(doc["seconds"], 600);
    let bad = lesson(&v, "损坏的讲义").clone();
    let m = settled(&t, &tok, doc["media_id"].as_str().unwrap()).await;
    assert_eq!(m["status"], "ready", "{m}");
    let m = settled(&t, &tok, bad["media_id"].as_str().unwrap()).await;
    assert_eq!(m["status"], "failed", "{m}");
    assert!(m["reason"].as_str().unwrap().contains("PDF"), "{m}");
    let r = t
        .api(
            Method::DELETE,
            &format!(
                "/course-versions/{vid}/lessons/{}",
                bad["id"].as_str().unwrap()
            ),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // The organisation reads it: three page images, each only for this browser.
    let id = doc["id"].as_str().unwrap();
    let mut me = t.signed_in("provider").await;
    let page = me.get(&format!("/lessons/{id}/read")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let urls = page_urls(&page.text());
    assert_eq!(urls.len(), 3, "{}", page.text());
    let img = me.get(&urls[0]).await;
    assert_eq!(img.status, StatusCode::OK, "{}", urls[0]);
    assert_eq!(img.header("content-type").as_deref(), Some("image/jpeg"));
    assert_eq!(
        img.header("cache-control").as_deref(),
        Some("private, no-store")
    );
    assert!(img.body.starts_with(&[0xFF, 0xD8]), "a JPEG");
    let mut stranger = t.browser();
    assert_eq!(stranger.get(&urls[0]).await.status, StatusCode::NOT_FOUND);
    // The signature covers the page number.
    let other_page = urls[0].replacen(&format!("/{id}/1?"), &format!("/{id}/2?"), 1);
    assert_ne!(other_page, urls[0]);
    assert_eq!(me.get(&other_page).await.status, StatusCode::NOT_FOUND);
    // Not a video; not listed yet, so nothing at all for a stranger.
    let watch = me.get(&format!("/lessons/{id}/watch")).await;
    assert!(watch.text().contains("不是视频"), "{}", watch.text());
    assert_eq!(
        stranger.get(&format!("/lessons/{id}/read")).await.status,
        StatusCode::NOT_FOUND
    );
    // Listed: the preview reads for a stranger, and the catalogue links to it.
    let r = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/submit"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    decide_all(&t, &vid).await;
    let public = stranger
        .get(&format!("/course-catalogue/{pid}"))
        .await
        .text();
    assert!(public.contains(&format!("/lessons/{id}/read")), "{public}");
    let page = stranger.get(&format!("/lessons/{id}/read")).await;
    assert_eq!(page.status, StatusCode::OK);
    let urls = page_urls(&page.text());
    assert_eq!(urls.len(), 3);
    for u in &urls {
        let img = stranger.get(u).await;
        assert_eq!(img.status, StatusCode::OK, "{u}");
        assert!(!img.body.starts_with(b"%PDF"), "never the PDF itself");
    }
    // Anything that is not a signed URL is the same bare 404, never a parser's message.
    for bad in [
        "/doc/a/b/abc",
        "/doc/a/b/1",
        "/doc/a/b/99999999999?v=x&e=1&s=y",
        "/doc/a/b/1?v=x&e=soon&s=y",
        "/hls/a/b/master.m3u8",
    ] {
        let r = stranger.get(bad).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}: {}", r.text());
        assert!(r.body.is_empty(), "{bad}: {}", r.text());
    }
    // The reviewers' page links to the reader too.
    let mut e = t.signed_in("expert").await;
    let review = e.get(&format!("/course-reviews/{vid}")).await.text();
    assert!(review.contains(&format!("/lessons/{id}/read")), "{review}");
}

/// A document lesson of a free public-welfare course is studied by reading time: the
/// reading page of a signed-in learner carries the study hook, the session is opened for
/// the document (its length the minutes declared), and heartbeats that move with the
/// clock are credited like watching; a page left in the background credits nothing.
#[tokio::test]
async fn a_document_lesson_is_studied_by_reading_time() {
    let t = TestApp::new().await;
    crate::courses::serve_project(&t).await;
    crate::courses::expert_group(&t).await;
    let tok = t.token("provider").await;
    let mut body = crate::courses::package("公益急救讲义");
    body["training_type"] = serde_json::json!("public_welfare");
    body["price_yuan"] = serde_json::json!("0");
    let (_, vid) = crate::courses::ready_package_from(&t, &tok, body).await;
    let v = t
        .api(
            Method::GET,
            &format!("/course-versions/{vid}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    let chapter = v["chapters"][0]["id"].as_str().unwrap().to_string();
    let pdf = jineng_demo::pdf_pages(&["Handout page one", "Page two"]);
    let q = format!(
        "chapter_id={chapter}&title={}&minutes=10&preview=false&filename=handout.pdf",
        enc("急救讲义")
    );
    let r = put_pdf(&t, &tok, &vid, &q, pdf).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let doc = lesson(&r.json(), "急救讲义").clone();
    let m = settled(&t, &tok, doc["media_id"].as_str().unwrap()).await;
    assert_eq!(m["status"], "ready", "{m}");
    let r = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/submit"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    decide_all(&t, &vid).await;
    let id = doc["id"].as_str().unwrap();

    // The learner's reading page starts the reading clock.
    let mut learner = t.signed_in("learner").await;
    let page = learner.get(&format!("/lessons/{id}/read")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(
        page.text().contains(&format!("data-study=\"{id}\"")),
        "{}",
        page.text()
    );
    assert_eq!(page_urls(&page.text()).len(), 2);

    let ltok = t.token("learner").await;
    let r = t
        .api(
            Method::POST,
            &format!("/lessons/{id}/study"),
            Some(&ltok),
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let o = r.json();
    assert_eq!(o["kind"], "document");
    assert_eq!(o["lesson_ms"], 600_000);
    let mut s = crate::study::Session {
        id: o["session_id"].as_str().unwrap().into(),
        token: o["token"].as_str().unwrap().into(),
        seq: 0,
        position: 0,
    };
    let mut credited = 0;
    for i in 1..=6 {
        let (st, b) =
            crate::study::t_beat_local(&t, &ltok, &mut s, crate::study::human_gap(i)).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert!(b["irregularity"].is_null(), "{b}");
        credited = b["lesson_credited_ms"].as_u64().unwrap();
    }
    assert!(
        credited >= 5 * 18_000,
        "six beats of reading credit their time: {credited}"
    );
    // The page in the background: the clock stops.
    t.clock.advance(chrono::Duration::seconds(20));
    s.seq += 1;
    s.position += 20_000;
    let r = t
        .api(
            Method::POST,
            &format!("/study-sessions/{}/beats", s.id),
            Some(&ltok),
            Some(serde_json::json!({"token": s.token, "seq": s.seq, "position_ms": s.position, "rate_pct": 100, "visible": false})),
        )
        .await;
    let b = r.json();
    assert_eq!(b["irregularity"], "hidden", "{b}");
    assert_eq!(b["lesson_credited_ms"].as_u64().unwrap(), credited);
}
