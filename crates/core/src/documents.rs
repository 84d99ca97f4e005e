//! Uploaded documents (licences, certificates): which kinds exist, how big they may be,
//! and what a file really is, judged from its first bytes rather than its name or the
//! browser's claim. Never trusts a client-supplied content type.

/// Largest upload accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

crate::coded! {
    /// Kinds of registration document an institution or enterprise uploads.
    pub enum OrgDocumentKind {
        SchoolLicence("school_licence", "民办学校办学许可证"),
        BusinessLicence("business_licence", "营业执照"),
        Qualification("qualification", "培训资质证明"),
        Other("other", "其他证明材料"),
    }
}

/// The content type of a PDF, PNG or JPEG file from its magic bytes; `None` otherwise.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// A file name safe to show and to send back in Content-Disposition: the last path
/// component, control characters and quotes removed, at most 100 characters.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\'' | ';' | '<' | '>'))
        .collect();
    let cleaned = cleaned.trim();
    let n = cleaned.chars().count();
    let out: String = if n > 100 {
        // Keep the extension when shortening.
        let ext: String = cleaned
            .rsplit_once('.')
            .map(|(_, e)| e)
            .filter(|e| e.chars().count() <= 10)
            .map(|e| format!(".{e}"))
            .unwrap_or_default();
        let keep = 100 - ext.chars().count();
        cleaned.chars().take(keep).collect::<String>() + &ext
    } else {
        cleaned.to_string()
    };
    if out.is_empty() { "文件".into() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn magic_bytes_decide() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(b"PK\x03\x04"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn file_names() {
        assert_eq!(clean_filename("C:\\docs\\许可证.pdf"), "许可证.pdf");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("a\"b;c\n.pdf"), "abc.pdf");
        assert_eq!(clean_filename("   "), "文件");
        let long = format!("{}.pdf", "许".repeat(300));
        let c = clean_filename(&long);
        assert_eq!(c.chars().count(), 100);
        assert!(c.ends_with(".pdf"));
    }

    proptest! {
        #[test]
        fn cleaned_names_are_bounded_and_plain(name in ".{0,400}") {
            let c = clean_filename(&name);
            prop_assert!(!c.is_empty() && c.chars().count() <= 100);
            prop_assert!(!c.contains(['/', '\\', '"', '\n', '\r', ';']));
        }
    }
}
