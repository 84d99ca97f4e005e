//! Static assets compiled into the binary: vendored front-end packages (see
//! `assets/vendor/MANIFEST.tsv` and `scripts/vendor-assets.sh`) and our own files.

use crate::AppState;
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
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
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/assets/{*path}", get(serve))
}

async fn serve(Path(path): Path<String>) -> Response {
    let Some((_, mime, body)) = FILES.iter().find(|(p, _, _)| *p == path) else {
        return crate::http::error::ErrorPage::response(StatusCode::NOT_FOUND, "文件不存在");
    };
    let mut res = (*body).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("{mime}; charset=utf-8")) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    res
}
