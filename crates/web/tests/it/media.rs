//! Lesson videos with the real ffmpeg: a clip made by ffmpeg's own test sources is
//! uploaded in chunks (out of order, resumed, a wrong-sized chunk refused), probed,
//! cut into encrypted HLS renditions by the job, played through URLs signed for one
//! viewer (a copied key URL and an expired playlist stop working), and a file that is not
//! a video fails at once with the reason. The preview of a listed package plays for a
//! stranger.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use crate::courses::{decide_all, ready_package};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;

/// A clip from ffmpeg's test sources: `seconds` long, 1280×720, with a tone, at a
/// bitrate high enough to need two upload chunks.
pub fn clip(seconds: u32) -> Vec<u8> {
    let ok = std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "these tests need ffmpeg and ffprobe on the PATH (Debian: apt-get install ffmpeg)"
    );
    let path: PathBuf =
        std::env::temp_dir().join(format!("jineng-clip-{}.mp4", uuid::Uuid::now_v7()));
    let out = std::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            &format!("testsrc2=size=1280x720:rate=25:duration={seconds}"),
            "-f",
            "lavfi",
            "-i",
            &format!("sine=frequency=440:duration={seconds}"),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-b:v",
            "6M",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    bytes
}

async fn upload(
    t: &TestApp,
    tok: &str,
    vid: &str,
    chapter: &str,
    title: &str,
    bytes: &[u8],
    preview: bool,
) -> String {
    let r = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/uploads"),
            Some(tok),
            Some(json!({"chapter_id": chapter, "title": title, "filename": "lesson.mp4", "size": bytes.len(), "preview": preview})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let m = r.json();
    let id = m["id"].as_str().unwrap().to_string();
    let size = m["chunk_bytes"].as_u64().unwrap() as usize;
    for (n, piece) in bytes.chunks(size).enumerate() {
        let r = t
            .raw_api(
                Method::PUT,
                &format!("/uploads/{id}/chunks/{n}"),
                tok,
                "application/octet-stream",
                piece.to_vec(),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    }
    let r = t
        .api(
            Method::POST,
            &format!("/uploads/{id}/complete"),
            Some(tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    id
}

/// Wait for the media job to finish with the video.
pub async fn settled(t: &TestApp, tok: &str, id: &str) -> Value {
    for _ in 0..600 {
        let m = t
            .api(Method::GET, &format!("/uploads/{id}"), Some(tok), None)
            .await
            .json();
        if m["status"] == "ready" || m["status"] == "failed" {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("the video was not processed in two minutes");
}

pub fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace("&#x2f;", "/")
        .replace("&#47;", "/")
}

/// The value of `attr="…"` on the page.
fn attr(page: &str, attr: &str) -> String {
    let marker = format!("{attr}=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {attr} in {page}"))
        + marker.len();
    unescape(page[start..].split('"').next().unwrap())
}

#[tokio::test]
async fn a_video_from_upload_to_encrypted_playback() {
    let t = TestApp::new().await;
    crate::courses::serve_project(&t).await;
    let tok = t.token("provider").await;
    let (_, vid) = ready_package(&t, &tok, "家政服务员 视频课").await;
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
    let bytes = clip(12);
    assert!(
        bytes.len() > 4 * 1024 * 1024,
        "the clip needs two chunks: {}",
        bytes.len()
    );

    // Start, send the second chunk first, find the upload resumable, refuse a bad chunk.
    let r = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/uploads"),
            Some(&tok),
            Some(json!({"chapter_id": chapter, "title": "示范操作", "filename": "demo.mp4", "size": bytes.len()})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let m = r.json();
    let id = m["id"].as_str().unwrap().to_string();
    let size = m["chunk_bytes"].as_u64().unwrap() as usize;
    let chunks = bytes.len().div_ceil(size);
    assert_eq!(m["chunks"], chunks);
    let put = |n: usize, body: Vec<u8>| {
        let (t, tok, id) = (&t, tok.clone(), id.clone());
        async move {
            t.raw_api(
                Method::PUT,
                &format!("/uploads/{id}/chunks/{n}"),
                &tok,
                "application/octet-stream",
                body,
            )
            .await
        }
    };
    let piece = |n: usize| bytes[n * size..((n + 1) * size).min(bytes.len())].to_vec();
    let last = chunks - 1;
    assert_eq!(put(last, piece(last)).await.status, StatusCode::NO_CONTENT);
    let m = t
        .api(Method::GET, &format!("/uploads/{id}"), Some(&tok), None)
        .await
        .json();
    assert_eq!(m["received"], json!([last]));
    let p = t
        .api(
            Method::POST,
            &format!("/uploads/{id}/complete"),
            Some(&tok),
            None,
        )
        .await
        .problem(409);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("还有{last}个分片")),
        "{p}"
    );
    put(0, bytes[..100].to_vec()).await.problem(422);
    put(chunks, vec![0; 10]).await.problem(422);
    // Sending a chunk twice is harmless.
    for n in 0..last {
        assert_eq!(put(n, piece(n)).await.status, StatusCode::NO_CONTENT);
    }
    assert_eq!(put(0, piece(0)).await.status, StatusCode::NO_CONTENT);
    let r = t
        .api(
            Method::POST,
            &format!("/uploads/{id}/complete"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "processing");
    // Until it is processed, the package cannot be submitted.
    let p = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/submit"),
            Some(&tok),
            None,
        )
        .await
        .problem(422);
    assert!(p.to_string().contains("尚未处理完成"), "{p}");

    let m = settled(&t, &tok, &id).await;
    assert_eq!(m["status"], "ready", "{m}");
    assert_eq!(m["duration_seconds"], 12);
    assert_eq!(m["renditions"], json!(["360p", "720p"]));
    let v = t
        .api(
            Method::GET,
            &format!("/course-versions/{vid}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    let lesson = v["chapters"][0]["lessons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["title"] == "示范操作")
        .unwrap()
        .clone();
    assert_eq!(lesson["kind"], "video");
    assert_eq!(lesson["seconds"], 12);
    let lesson_id = lesson["id"].as_str().unwrap().to_string();

    // The provider watches it in its browser: master → rendition → key and segments.
    let mut b = t.signed_in("provider").await;
    let page = b.get(&format!("/lessons/{lesson_id}/watch")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let master_url = attr(&page.text(), "data-src");
    let master = b.get(&master_url).await;
    assert_eq!(master.status, StatusCode::OK);
    let master = master.text();
    assert!(
        master.contains("RESOLUTION=1280x720") && master.contains("RESOLUTION=640x360"),
        "{master}"
    );
    let variant_url = master
        .lines()
        .find(|l| l.contains("/720p.m3u8"))
        .unwrap()
        .to_string();
    let variant = b.get(&variant_url).await.text();
    assert!(variant.contains("#EXT-X-KEY:METHOD=AES-128"), "{variant}");
    let key_url = variant
        .split("URI=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let segment_url = variant
        .lines()
        .find(|l| !l.starts_with('#') && l.contains(".ts"))
        .unwrap()
        .to_string();
    let key = b.get(&key_url).await;
    assert_eq!(key.status, StatusCode::OK);
    assert_eq!(key.body.len(), 16);
    let segment = b.get(&segment_url).await;
    assert_eq!(segment.status, StatusCode::OK);
    // Encrypted: not MPEG-TS as stored, MPEG-TS once decrypted with the key (the IV is
    // the segment's sequence number, 0).
    assert_ne!(segment.body[0], 0x47, "segments are stored encrypted");
    let dir = std::env::temp_dir().join(format!("jineng-seg-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("seg.ts"), &segment.body).unwrap();
    let out = std::process::Command::new("openssl")
        .args([
            "enc",
            "-d",
            "-aes-128-cbc",
            "-K",
            &hex::encode(&key.body),
            "-iv",
            &"0".repeat(32),
            "-in",
        ])
        .arg(dir.join("seg.ts"))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout[0], 0x47, "decrypted, the segment is MPEG-TS");
    assert_eq!(out.stdout[188], 0x47);

    // A copied link: someone else (signed in or not) gets no key; the playlist still
    // loads until it expires, and is useless without the key.
    let mut other = t.signed_in("institution").await;
    assert_eq!(other.get(&key_url).await.status, StatusCode::NOT_FOUND);
    let mut stranger = t.browser();
    assert_eq!(stranger.get(&key_url).await.status, StatusCode::NOT_FOUND);
    // A forged signature, and the same URL after it expired.
    let forged = key_url.replace("&s=", "&s=0");
    assert_eq!(b.get(&forged).await.status, StatusCode::NOT_FOUND);

    // The proxy's check before it serves its cached copy of a segment (ops/nginx): a
    // signed segment URL holds (for anyone: the segment is ciphertext); the key, the
    // playlists, a forged or an expired signature do not; nothing else is said.
    let proxy_check = |uri: String| {
        let t = &t;
        async move {
            let r = t
                .send(
                    axum::http::Request::get("/hls-auth")
                        .header("X-Original-URI", uri)
                        .body(axum::body::Body::empty())
                        .unwrap(),
                )
                .await;
            assert!(r.body.is_empty());
            r.status
        }
    };
    assert_eq!(
        proxy_check(segment_url.clone()).await,
        StatusCode::NO_CONTENT
    );
    // It needs no database: with the database away it still answers (not the 503 that
    // nginx would turn into a 500), so cached segments keep playing.
    t.app.set_database_up(false);
    assert_eq!(
        proxy_check(segment_url.clone()).await,
        StatusCode::NO_CONTENT
    );
    t.app.set_database_up(true);
    for refused in [
        key_url.clone(),
        variant_url.clone(),
        master_url.clone(),
        segment_url.replace("&s=", "&s=0"),
        segment_url.split('?').next().unwrap().to_string(),
        segment_url.replace("/hls/", "/doc/"),
        "not a uri".to_string(),
    ] {
        assert_eq!(
            proxy_check(refused.clone()).await,
            StatusCode::FORBIDDEN,
            "{refused}"
        );
    }
    t.clock.advance(chrono::Duration::minutes(11));
    assert_eq!(
        proxy_check(segment_url.clone()).await,
        StatusCode::FORBIDDEN,
        "expired"
    );
    assert_eq!(b.get(&master_url).await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.get(&key_url).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_file_that_is_not_a_video_fails_with_the_reason() {
    let t = TestApp::new().await;
    let tok = t.token("provider").await;
    let (_, vid) = ready_package(&t, &tok, "家政服务员 假视频").await;
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
    let junk = b"this is a text file pretending to be a video\n".repeat(100);
    let id = upload(&t, &tok, &vid, &chapter, "不是视频", &junk, false).await;
    let m = settled(&t, &tok, &id).await;
    assert_eq!(m["status"], "failed");
    assert!(
        m["reason"].as_str().unwrap().contains("无法识别为视频"),
        "{m}"
    );
    // A playlist posing as a video, pointing at a file on the server: refused by its
    // first bytes, before ffmpeg could follow it.
    let clip_path = std::env::temp_dir().join(format!("jineng-local-{}.mp4", uuid::Uuid::now_v7()));
    std::fs::write(&clip_path, clip(2)).unwrap();
    let playlist = format!(
        "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:2.0,\nfile://{}\n#EXT-X-ENDLIST\n",
        clip_path.display()
    );
    let sneaky = upload(
        &t,
        &tok,
        &vid,
        &chapter,
        "伪装的播放列表",
        playlist.as_bytes(),
        false,
    )
    .await;
    let m = settled(&t, &tok, &sneaky).await;
    let _ = std::fs::remove_file(&clip_path);
    assert_eq!(m["status"], "failed", "{m}");
    assert!(m["reason"].as_str().unwrap().contains("只接受"), "{m}");
    // Tried once: the job is done, not waiting to retry.
    let jobs = t
        .api(Method::GET, "/jobs", Some(&t.token("admin").await), None)
        .await
        .json();
    let job = jobs["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["kind"] == "media_process")
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(job.len(), 2);
    for j in &job {
        assert_eq!(j["state"], "done", "{j}");
        assert_eq!(j["attempts"], 1);
    }
    // The package page names the failure; the provider may ask for it again.
    let mut b = t.signed_in("provider").await;
    let d = t
        .api(
            Method::GET,
            &format!("/course-versions/{vid}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    let page = b
        .get(&format!("/courses/{}", d["package_id"].as_str().unwrap()))
        .await
        .text();
    assert!(
        page.contains("处理失败") && page.contains("无法识别为视频"),
        "{page}"
    );
    let r = t
        .api(
            Method::POST,
            &format!("/uploads/{id}/retry"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(settled(&t, &tok, &id).await["status"], "failed");
}

#[tokio::test]
async fn a_stranger_plays_the_preview_of_a_listed_package() {
    let t = TestApp::new().await;
    crate::courses::serve_project(&t).await;
    crate::courses::expert_group(&t).await;
    let tok = t.token("provider").await;
    let (_, vid) = ready_package(&t, &tok, "家政服务员 试看课").await;
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
    let free = upload(&t, &tok, &vid, &chapter, "试看片段", &clip(6), true).await;
    let paid = upload(&t, &tok, &vid, &chapter, "正式课程", &clip(6), false).await;
    assert_eq!(settled(&t, &tok, &free).await["status"], "ready");
    assert_eq!(settled(&t, &tok, &paid).await["status"], "ready");
    let v = t
        .api(
            Method::GET,
            &format!("/course-versions/{vid}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    let id_of = |title: &str| {
        v["chapters"][0]["lessons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["title"] == title)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (free_lesson, paid_lesson) = (id_of("试看片段"), id_of("正式课程"));
    // Not listed yet: a stranger sees nothing.
    let mut s = t.browser();
    assert_eq!(
        s.get(&format!("/lessons/{free_lesson}/watch")).await.status,
        StatusCode::NOT_FOUND
    );
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
    let page = s.get(&format!("/lessons/{free_lesson}/watch")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let master_url = attr(&page.text(), "data-src");
    let master = s.get(&master_url).await;
    assert_eq!(master.status, StatusCode::OK, "{master_url}");
    let master = master.text();
    let variant_url = master
        .lines()
        .find(|l| l.contains(".m3u8"))
        .unwrap()
        .to_string();
    let variant = s.get(&variant_url).await.text();
    let key_url = variant
        .split("URI=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        s.get(&key_url).await.body.len(),
        16,
        "the stranger's own browser gets the key"
    );
    // Another stranger's browser does not.
    let mut s2 = t.browser();
    assert_eq!(s2.get(&key_url).await.status, StatusCode::NOT_FOUND);
    // A lesson that is not a preview stays closed to strangers.
    assert_eq!(
        s.get(&format!("/lessons/{paid_lesson}/watch")).await.status,
        StatusCode::NOT_FOUND
    );
}

/// Uploads never completed can be given up, by API and by the package page: a version
/// holds at most five, and giving one up makes room; another organisation cannot touch
/// them; a completed upload is not abandoned but its lesson removed.
#[tokio::test]
async fn unfinished_uploads_are_listed_and_can_be_given_up() {
    let t = TestApp::new().await;
    let tok = t.token("provider").await;
    let (pid, vid) = ready_package(&t, &tok, "放弃上传").await;
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
    let start = |n: usize| json!({"chapter_id": chapter, "title": format!("未完成的视频{n}"), "filename": "a.mp4", "size": 10});
    let mut ids = Vec::new();
    for n in 0..5 {
        let r = t
            .api(
                Method::POST,
                &format!("/course-versions/{vid}/uploads"),
                Some(&tok),
                Some(start(n)),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        ids.push(r.json()["id"].as_str().unwrap().to_string());
    }
    let r = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/uploads"),
            Some(&tok),
            Some(start(5)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    // Another provider sees nothing of them.
    let other = t.token("provider_b").await;
    let r = t
        .api(
            Method::DELETE,
            &format!("/uploads/{}", ids[0]),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let r = t
        .api(
            Method::DELETE,
            &format!("/uploads/{}", ids[0]),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let r = t
        .api(
            Method::GET,
            &format!("/uploads/{}", ids[0]),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/uploads"),
            Some(&tok),
            Some(start(5)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // The package page lists the four left and gives one up.
    let mut p = t.signed_in("provider").await;
    let page = p.get(&format!("/courses/{pid}")).await.text();
    assert!(
        page.contains("以下视频未上传完成") && page.contains("未完成的视频1"),
        "{page}"
    );
    let r = p.post(&format!("/uploads/{}/abandon", ids[1]), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = p.get(&r.location()).await.text();
    assert!(!page.contains("未完成的视频1"), "{page}");
    assert!(page.contains("未完成的视频2"), "{page}");
}
