//! `jineng-bench certificates [N]`: laying out and writing certificate PDFs, the work
//! behind a learner's download and an institution's class printout (font subsetting,
//! QR code, seal), in this process on one core:
//! - milliseconds per certificate, one certificate per document (a download), as a
//!   ratio to writing a one-page text document in the same font in the same run;
//! - the size of one certificate's PDF (target ≤ 200 KB), and the bytes per page of a
//!   class printout of N certificates (default 50), whose font subset is shared.

use jineng_app::certificates::CertificateView;
use jineng_core::certificates::{CertKind, CertNumber, CertRecord, mask_name};
use std::time::Instant;

const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘";
const GIVEN: &str = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏辉";

fn sample(i: usize) -> CertificateView {
    let s: Vec<char> = SURNAMES.chars().collect();
    let g: Vec<char> = GIVEN.chars().collect();
    let name = format!(
        "{}{}{}",
        s[i % s.len()],
        g[i % g.len()],
        g[(i * 7) % g.len()]
    );
    let mut random = [0u8; 10];
    random[..8].copy_from_slice(&(i as u64 * 0x9E37_79B9_7F4A_7C15).to_le_bytes());
    let number = CertNumber::from_random(2026, &random);
    let issued_on = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
    let record = CertRecord {
        number: number.clone(),
        kind: CertKind::Completion,
        holder: mask_name(&name),
        project: "电工·五级/初级工（职业技能培训）".into(),
        class_name: "2026年第12期电工（初级）培训班".into(),
        hours: 150,
        issuer: "南明职业技能培训学校".into(),
        issued_on,
        valid_until: None,
    };
    // A signature line of the real length (the signature itself is not checked here).
    let note = format!(
        "{}\n— jineng.local/ledger/520000 {}\n",
        record.canonical(),
        "A".repeat(92)
    );
    CertificateView {
        id: format!("bench-{i}"),
        number: number.to_string(),
        kind: CertKind::Completion,
        kind_label: "培训合格证明",
        user_id: Some(format!("u{i}")),
        teacher_id: None,
        holder_name: name.clone(),
        holder_masked: mask_name(&name),
        project: record.project.clone(),
        class_id: Some("class".into()),
        class_name: record.class_name.clone(),
        hours: 150,
        org_id: "org".into(),
        org_name: record.issuer.clone(),
        issuer: record.issuer.clone(),
        issued_on: "2026-12-06".into(),
        valid_until: None,
        expired: false,
        replaced: false,
        seal_key: "org:org".into(),
        revoked: false,
        revoked_at: None,
        revoked_reason: String::new(),
        ledger_idx: i as u64,
        note,
    }
}

pub fn run(n: usize) -> Result<(), String> {
    let path = jineng_pdf::Font::find_system()
        .ok_or("no free CJK font installed (apt-get install fonts-wqy-microhei)")?;
    let font = jineng_pdf::Font::load(&path).map_err(|e| e.to_string())?;
    let origin = "https://jineng.example.gov.cn";
    let pages: Vec<_> = (0..n.max(1))
        .map(|i| jineng_web::certificates::document::page(origin, &sample(i)))
        .collect();
    let reference = jineng_pdf::Document {
        title: "参考文档".into(),
        footer: "技能".into(),
        blocks: vec![
            jineng_pdf::Block::Heading("培训合格证明".into()),
            jineng_pdf::Block::Paragraph(
                "冯涛 同志参加 南明职业技能培训学校 举办的“电工（秋季班）”，完成“电工·五级/初级工（职业技能培训）”培训 150 学时，经考核合格，特发此证明。".into(),
            ),
            jineng_pdf::Block::Fields(vec![
                ("证书编号".into(), "JN2026-0K7J-K3S7-7VT7-33QQ".into()),
                ("发证机构".into(), "南明职业技能培训学校".into()),
                ("发证日期".into(), "2026年12月6日".into()),
            ]),
        ],
        attachments: vec![],
    };
    let rounds = 40usize;
    // Warm both paths once (font parsing, allocations).
    jineng_pdf::render(&font, &reference).map_err(|e| e.to_string())?;
    jineng_pdf::certificate::render_certificates(&font, "证书", &pages[..1])
        .map_err(|e| e.to_string())?;
    let t = Instant::now();
    for _ in 0..rounds {
        jineng_pdf::render(&font, &reference).map_err(|e| e.to_string())?;
    }
    let reference_ms = t.elapsed().as_secs_f64() * 1000.0 / rounds as f64;
    let mut single_bytes = 0usize;
    let t = Instant::now();
    for i in 0..rounds {
        let one = &pages[i % pages.len()..i % pages.len() + 1];
        let pdf = jineng_pdf::certificate::render_certificates(&font, "证书", one)
            .map_err(|e| e.to_string())?;
        single_bytes = single_bytes.max(pdf.len());
    }
    let single_ms = t.elapsed().as_secs_f64() * 1000.0 / rounds as f64;
    // `JINENG_BENCH_SAMPLE=<file>`: keep one certificate's PDF to look at.
    if let Some(out) = std::env::var_os("JINENG_BENCH_SAMPLE") {
        let one = jineng_pdf::certificate::render_certificates(&font, "证书", &pages[..1])
            .map_err(|e| e.to_string())?;
        std::fs::write(&out, one).map_err(|e| e.to_string())?;
    }
    let t = Instant::now();
    let batch = jineng_pdf::certificate::render_certificates(&font, "全班证书", &pages)
        .map_err(|e| e.to_string())?;
    let batch_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!("font: {}", path.display());
    println!("reference: one-page text document in the same font: {reference_ms:.1} ms");
    println!(
        "one certificate per PDF: {single_ms:.1} ms ({:.2}× the reference), largest {:.1} KB (target ≤ 200 KB: {})",
        single_ms / reference_ms,
        single_bytes as f64 / 1024.0,
        if single_bytes <= 200 * 1024 {
            "met"
        } else {
            "NOT met"
        }
    );
    println!(
        "class printout of {} certificates: {:.0} ms ({:.1} ms per certificate), {:.1} KB ({:.1} KB per certificate)",
        pages.len(),
        batch_ms,
        batch_ms / pages.len() as f64,
        batch.len() as f64 / 1024.0,
        batch.len() as f64 / 1024.0 / pages.len() as f64
    );
    Ok(())
}
