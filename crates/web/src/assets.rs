//! Static assets compiled into the binary: vendored front-end packages (see
//! `assets/vendor/MANIFEST.tsv` and `scripts/vendor-assets.sh`) and our own files.

use crate::AppState;
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const FILES: &[(&str, &str, &[u8])] = &[
    ("app.css", "text/css", include_bytes!("../assets/app.css")),
    (
        "app.js",
        "text/javascript",
        include_bytes!("../assets/app.js"),
    ),
    (
        "player.js",
        "text/javascript",
        include_bytes!("../assets/player.js"),
    ),
    (
        "exam.js",
        "text/javascript",
        include_bytes!("../assets/exam.js"),
    ),
    (
        "upload.js",
        "text/javascript",
        include_bytes!("../assets/upload.js"),
    ),
    (
        "api-docs.js",
        "text/javascript",
        include_bytes!("../assets/api-docs.js"),
    ),
    (
        "vendor/htmx.min.js",
        "text/javascript",
        include_bytes!("../assets/vendor/htmx.min.js"),
    ),
    (
        "vendor/tabler.min.css",
        "text/css",
        include_bytes!("../assets/vendor/tabler.min.css"),
    ),
    (
        "vendor/tabler.min.js",
        "text/javascript",
        include_bytes!("../assets/vendor/tabler.min.js"),
    ),
    (
        "vendor/swagger-ui.css",
        "text/css",
        include_bytes!("../assets/vendor/swagger-ui.css"),
    ),
    (
        "vendor/swagger-ui-bundle.js",
        "text/javascript",
        include_bytes!("../assets/vendor/swagger-ui-bundle.js"),
    ),
    (
        "vendor/echarts.min.js",
        "text/javascript",
        include_bytes!("../assets/vendor/echarts.min.js"),
    ),
    (
        "vendor/hls.min.js",
        "text/javascript",
        include_bytes!("../assets/vendor/hls.min.js"),
    ),
    // Drawn by scripts/make-icons.py.
    (
        "icon-192.png",
        "image/png",
        include_bytes!("../assets/icon-192.png"),
    ),
    (
        "icon-512.png",
        "image/png",
        include_bytes!("../assets/icon-512.png"),
    ),
    (
        "apple-touch-icon.png",
        "image/png",
        include_bytes!("../assets/apple-touch-icon.png"),
    ),
];

/// The web app manifest: learners can add the platform to a phone's home screen.
const MANIFEST: &str = r##"{
  "name": "技能培训平台",
  "short_name": "技能培训",
  "description": "职业技能培训：报名、学习、考试与证书",
  "lang": "zh-CN",
  "start_url": "/",
  "scope": "/",
  "display": "standalone",
  "background_color": "#f6f8fb",
  "theme_color": "#206bc4",
  "icons": [
    {"src": "/assets/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
    {"src": "/assets/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable"}
  ]
}
"##;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/{*path}", get(serve))
        .route("/favicon.ico", get(favicon))
        .route("/manifest.webmanifest", get(manifest))
}

fn cached(body: &'static [u8], mime: &'static str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    res
}

async fn favicon() -> Response {
    cached(include_bytes!("../assets/favicon.ico"), "image/x-icon")
}

async fn manifest() -> Response {
    cached(MANIFEST.as_bytes(), "application/manifest+json")
}

/// A text file gzipped, once per process on its first request (a phone on a slow
/// network fetches a sixth of the bytes). Pages are never compressed: they carry tokens.
fn gzipped(i: usize) -> Option<&'static [u8]> {
    use std::io::Write;
    use std::sync::OnceLock;
    static GZ: [OnceLock<Option<Vec<u8>>>; FILES.len()] = [const { OnceLock::new() }; FILES.len()];
    let (_, mime, body) = FILES.get(i)?;
    if !mime.starts_with("text/") {
        return None;
    }
    GZ.get(i)?
        .get_or_init(|| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(body).ok()?;
            e.finish().ok()
        })
        .as_deref()
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|e| e.split(';').next().is_some_and(|n| n.trim() == "gzip"))
        })
}

async fn serve(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let Some(i) = FILES.iter().position(|(p, _, _)| *p == path) else {
        return crate::http::error::ErrorPage::response(StatusCode::NOT_FOUND, "文件不存在");
    };
    let (_, mime, body) = FILES[i];
    let gz = if accepts_gzip(&headers) {
        gzipped(i)
    } else {
        None
    };
    let mut res = gz.unwrap_or(body).into_response();
    let h = res.headers_mut();
    if mime.starts_with("text/") {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if gz.is_some() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    let value = if mime.starts_with("text/") {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    if let Ok(v) = HeaderValue::from_str(&value) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    res
}
