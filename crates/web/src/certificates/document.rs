//! A certificate as printed: the page's words in one place, and the QR code that opens
//! the public verification page with the signed record in it.

use jineng_app::certificates::{CertificateView, encode_payload};
use jineng_pdf::certificate::{Certificate, QrModules};

/// The address a certificate's QR code opens: the verification page of its number,
/// carrying the signed record (checkable offline against the published key).
pub fn verify_link(origin: &str, c: &CertificateView) -> String {
    format!("{origin}/verify/{}?s={}", c.number, encode_payload(&c.note))
}

fn qr(link: &str) -> Option<QrModules> {
    let code =
        qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(QrModules {
        width: code.width(),
        dark: code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect(),
    })
}

fn date_cn(d: &str) -> String {
    match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
        Ok(d) => d.format("%Y年%-m月%-d日").to_string(),
        Err(_) => d.to_string(),
    }
}

/// One certificate's page: a learner's completion, or a teacher's qualification.
pub fn page(origin: &str, c: &CertificateView) -> Certificate {
    let qualification = c.teacher_id.is_some();
    let (statement, mut fields, seal_label) = if qualification {
        (
            format!(
                "{} 同志经审核认定，具备“{}”职业技能培训授课资格，准予上岗任教。",
                c.holder_name, c.project
            ),
            vec![
                ("证书编号".into(), c.number.clone()),
                ("任教专业".into(), c.project.clone()),
                ("所在机构".into(), c.org_name.clone()),
                ("发证机关".into(), c.issuer.clone()),
                ("发证日期".into(), date_cn(&c.issued_on)),
                (
                    "有效期至".into(),
                    c.valid_until.as_deref().map(date_cn).unwrap_or_default(),
                ),
            ],
            "师资管理专用章",
        )
    } else {
        (
            format!(
                "{} 同志参加 {} 举办的“{}”，完成“{}”培训 {} 学时，经考核合格，特发此证明。",
                c.holder_name, c.issuer, c.class_name, c.project, c.hours
            ),
            vec![
                ("证书编号".into(), c.number.clone()),
                ("培训项目".into(), c.project.clone()),
                ("发证机构".into(), c.issuer.clone()),
                ("发证日期".into(), date_cn(&c.issued_on)),
            ],
            "培训证书专用章",
        )
    };
    fields.push(("查验网址".into(), format!("{origin}/verify")));
    let stamp = if c.revoked {
        Some("已撤销")
    } else if c.replaced {
        Some("已换发")
    } else if c.expired {
        Some("已过期")
    } else {
        None
    };
    Certificate {
        title: c.kind_label.to_string(),
        statement,
        fields,
        qr: qr(&verify_link(origin, c)),
        qr_caption: "扫码查验真伪（含电子签名，可离线验证）".into(),
        seal_name: c.issuer.clone(),
        seal_label: seal_label.into(),
        sign_lines: vec![c.issuer.clone(), date_cn(&c.issued_on)],
        stamp: stamp.map(str::to_string),
        seal_image: None,
    }
}
