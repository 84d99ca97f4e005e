//! Sending stored documents back: the type we sniffed at upload (never the uploader's
//! claim), no sniffing by the browser, never cached, always as a download (a PDF that is
//! also HTML or script never runs in the platform's origin), under a CSP that sandboxes
//! it should a browser render it anyway, and the original file name in RFC 6266 /
//! RFC 5987 form so Chinese names survive.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

fn rfc5987(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Nothing a stored document contains may run, load or be framed.
pub const DOCUMENT_CSP: &str = "sandbox; default-src 'none'; frame-ancestors 'none'";

pub fn document_response(content_type: &str, filename: &str, bytes: Vec<u8>) -> Response {
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"document\"; filename*=UTF-8''{}",
        rfc5987(filename)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOCUMENT_CSP),
    );
    res
}

/// The file of a multipart form's `field` (its name as sent and its bytes), the last one
/// if sent twice; `Err` when the body cannot be read (cut off, or over the route's limit).
pub async fn multipart_file(
    mp: &mut axum::extract::Multipart,
    field: &str,
) -> Result<(String, Vec<u8>), ()> {
    let (mut name, mut bytes) = (String::new(), Vec::new());
    loop {
        match mp.next_field().await {
            Ok(Some(f)) if f.name() == Some(field) => {
                name = f.file_name().unwrap_or("").to_string();
                bytes = f.bytes().await.map_err(|_| ())?.to_vec();
            }
            Ok(Some(_)) => {}
            Ok(None) => return Ok((name, bytes)),
            Err(_) => return Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_percent_encoded() {
        assert_eq!(
            super::rfc5987("许可证 a.pdf"),
            "%E8%AE%B8%E5%8F%AF%E8%AF%81%20a.pdf"
        );
    }
}
