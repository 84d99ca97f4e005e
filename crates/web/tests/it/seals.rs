//! Issuers' seal images: an institution uploads its seal (a transparent PNG, checked in
//! full) and its certificates are printed with it; a regulator keeps its department's;
//! anything that is not a fair transparent PNG is refused with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use axum::http::{Method, StatusCode};

/// A `side`×`side` PNG of noisy red pixels; `alpha` adds a transparency channel.
fn seal_png(side: u32, alpha: bool) -> Vec<u8> {
    let n = if alpha { 4 } else { 3 };
    let mut px = Vec::with_capacity((side * side * n) as usize);
    let mut x: u32 = 7;
    for _ in 0..side * side {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        px.extend_from_slice(&[200, (x >> 24) as u8 & 0x3f, 40]);
        if alpha {
            px.push((x >> 16) as u8);
        }
    }
    let mut out = Vec::new();
    {
        let mut e = png::Encoder::new(&mut out, side, side);
        e.set_color(if alpha {
            png::ColorType::Rgba
        } else {
            png::ColorType::Rgb
        });
        e.set_depth(png::BitDepth::Eight);
        let mut w = e.write_header().unwrap();
        w.write_image_data(&px).unwrap();
    }
    out
}

/// RGBA, but every pixel fully opaque: it would cover the certificate's text.
fn opaque_rgba(side: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut e = png::Encoder::new(&mut out, side, side);
        e.set_color(png::ColorType::Rgba);
        e.set_depth(png::BitDepth::Eight);
        let px: Vec<u8> = (0..side * side)
            .flat_map(|_| [200u8, 30, 30, 255])
            .collect();
        e.write_header().unwrap().write_image_data(&px).unwrap();
    }
    out
}

async fn put(t: &TestApp, who: &str, body: Vec<u8>) -> crate::common::Resp {
    let tok = t.token(who).await;
    t.raw_api(Method::PUT, "/certificates/seal", &tok, "image/png", body)
        .await
}

#[tokio::test]
async fn an_institutions_seal_is_printed_on_its_certificates() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let inst = t.token("institution").await;
    let mine = t
        .api(Method::GET, "/certificates/seal", Some(&inst), None)
        .await
        .json();
    assert_eq!(mine["uploaded"], false);
    assert_eq!(mine["issuer"], "南明职业技能培训学校");
    assert!(mine["issuer_key"].as_str().unwrap().starts_with("org:"));

    // Refused, each with its reason, and nothing kept.
    for (body, says) in [
        (b"not a picture".to_vec(), "PNG"),
        (seal_png(200, false), "透明"),
        (opaque_rgba(200), "透明"),
        (seal_png(60, true), "100至1200像素"),
        (vec![0u8; 600 * 1024], "512KB"),
    ] {
        let p = put(&t, "institution", body).await.problem(422);
        assert_eq!(p["errors"][0]["field"], "file", "{p}");
        assert!(p["detail"].as_str().unwrap().contains(says), "{p}");
    }
    let whole = seal_png(200, true);
    let p = put(&t, "institution", whole[..whole.len() / 2].to_vec())
        .await
        .problem(422);
    assert!(p["detail"].as_str().unwrap().contains("PNG"), "{p}");
    // Who may not keep one.
    put(&t, "learner", whole.clone()).await.problem(403);
    put(&t, "provider", whole.clone()).await.problem(403);
    put(&t, "viewer", whole.clone()).await.problem(403);

    // The certificate printed before and after the upload.
    let nm = t.token("nm_regulator").await;
    let class_id = t
        .api(Method::GET, "/classes?status=completed", Some(&nm), None)
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let issued = t
        .api(
            Method::POST,
            &format!("/classes/{class_id}/certificates"),
            Some(&inst),
            None,
        )
        .await
        .json();
    let id = issued[0]["id"].as_str().unwrap().to_string();
    let mut b = t.signed_in("institution").await;
    let drawn = b.get(&format!("/certificates/{id}/pdf")).await;
    assert_eq!(drawn.status, StatusCode::OK, "{}", drawn.text());
    let batch_drawn = b
        .get(&format!("/classes/{class_id}/certificates.pdf"))
        .await;
    assert_eq!(batch_drawn.status, StatusCode::OK);

    let seal = seal_png(160, true);
    let r = put(&t, "institution", seal.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["uploaded"], true);
    assert_eq!(r.json()["width"], 160);
    let img = b.get("/certificates/seal.png").await;
    assert_eq!(img.status, StatusCode::OK);
    assert_eq!(img.body, seal, "the page shows the very file kept");
    let with = b.get(&format!("/certificates/{id}/pdf")).await;
    assert_eq!(with.status, StatusCode::OK);
    assert!(with.body.starts_with(b"%PDF-"));
    // The image adds its pixels (noise barely compresses: ~100 KB raw), the drawn ring
    // goes; still within the 200 KB a certificate may weigh.
    assert!(
        with.body.len() > drawn.body.len() + 30_000,
        "{} vs {}",
        with.body.len(),
        drawn.body.len()
    );
    assert!(with.body.len() < 200 * 1024, "{} bytes", with.body.len());
    // The class printout holds the image once, however many pages.
    let batch = b
        .get(&format!("/classes/{class_id}/certificates.pdf"))
        .await;
    assert_eq!(batch.status, StatusCode::OK);
    let pages = issued.as_array().unwrap().len();
    assert!(pages > 1);
    let one = with.body.len() - drawn.body.len();
    let all = batch.body.len() - batch_drawn.body.len();
    assert!(
        all < one * 3 / 2,
        "{pages} pages add {all} bytes, one page {one}"
    );

    // Another institution's certificates keep the drawn seal; the regulator's seal is
    // its department's.
    let reg = t
        .api(Method::GET, "/certificates/seal", Some(&nm), None)
        .await
        .json();
    assert_eq!(reg["issuer"], "贵阳市南明区人力资源和社会保障局");
    assert_eq!(reg["issuer_key"], "region:520102");
    assert_eq!(reg["uploaded"], false);

    // Removed: the drawn seal again.
    let r = t
        .api(Method::DELETE, "/certificates/seal", Some(&inst), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let again = b.get(&format!("/certificates/{id}/pdf")).await;
    assert!(again.body.len() < drawn.body.len() + 5_000);
    let page = b.get("/certificates/seal").await.text();
    assert!(page.contains("尚未上传印章"), "{page}");
    let r = t
        .api(Method::DELETE, "/certificates/seal", Some(&inst), None)
        .await;
    assert_eq!(
        r.status,
        StatusCode::NO_CONTENT,
        "removing nothing is no error"
    );
}
