//! Hostile and awkward spreadsheets through the real router (issue 9, findings 1 and 8):
//! refused in well under a second with a message the uploader can act on, the server
//! still serving; and the refused-rows report is the uploaded file's own columns, so it
//! can be corrected and uploaded again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::*;
use crate::learners::wait_for;
use axum::http::{Method, StatusCode};
use jineng_app::learners::import::HEADERS;
use jineng_sheet::testing::{c, package, sheet_xml};
use std::time::{Duration, Instant};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn header_row() -> String {
    let cells: String = HEADERS
        .iter()
        .enumerate()
        .map(|(i, h)| c(&format!("{}1", (b'A' + i as u8) as char), h))
        .collect();
    format!(r#"<row r="1">{cells}</row>"#)
}

#[tokio::test]
async fn hostile_spreadsheets_are_refused_quickly_with_a_reason() {
    let t = TestApp::new().await;
    let inst = t.token("institution").await;
    let upload = |bytes: Vec<u8>| {
        let t = &t;
        let inst = inst.clone();
        async move {
            let started = Instant::now();
            let r = t
                .raw_api(Method::POST, "/learners/imports", &inst, XLSX, bytes)
                .await;
            (r, started.elapsed())
        }
    };
    // The template's header and one cell at the grid's far corner (it used to abort
    // the process asking for 512 GB).
    let corner = package(
        &sheet_xml(&format!(
            r#"<dimension ref="A1:XFD1048576"/>{}<row r="1048576">{}</row>"#,
            header_row(),
            c("XFD1048576", "x")
        )),
        None,
    );
    // 40 MB of whitespace that compresses to kilobytes.
    let padding = " ".repeat(40 * 1024 * 1024);
    let bomb = package(&sheet_xml(&format!("{}{padding}", header_row())), None);
    // A shared-strings part declaring more strings than memory could hold.
    let strings = package(
        &sheet_xml(&header_row()),
        Some(br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="99999999999999"><si><t>x</t></si></sst>"#),
    );
    for (file, says) in [
        (corner, "表格中没有数据行"),
        (bomb, "文件内容过多"),
        (strings, "文件内容过多"),
    ] {
        let (r, took) = upload(file).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains(says), "{}", r.text());
        // Debug build on a shared CI machine; release reads these in milliseconds.
        assert!(took < Duration::from_secs(3), "{says}: {took:?}");
    }
    // Still serving.
    let r = t.api(Method::GET, "/learners", Some(&inst), None).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn awkward_cells_are_named_and_the_report_can_be_corrected_and_uploaded_again() {
    let t = TestApp::new().await;
    let mut inst = t.signed_in("institution").await;
    let good_id = id("52010219880808808");
    let typed_id = id("52010219870707707");
    // A title row and a blank row above the header; an ID number typed into a number
    // cell; a formula saved without a computed value; a cell far too long.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "某培训学校2026年学员花名册").unwrap();
    for (i, h) in HEADERS.iter().enumerate() {
        ws.write_string(2, i as u16, *h).unwrap();
    }
    let good = [
        "钟学员",
        good_id.as_str(),
        "13500003333",
        "企业职工",
        "大专",
        "520102",
    ];
    for (i, v) in good.iter().enumerate() {
        ws.write_string(3, i as u16, *v).unwrap();
    }
    let typed = ["林学员", "", "13500004444", "企业职工", "大专", "520102"];
    for (i, v) in typed.iter().enumerate() {
        ws.write_string(4, i as u16, *v).unwrap();
    }
    ws.write_number(4, 1, typed_id[..17].parse::<f64>().unwrap() * 10.0)
        .unwrap();
    let long = "长".repeat(600);
    let third = [
        long.as_str(),
        &id("52010219860606606"),
        "13500005555",
        "企业职工",
        "大专",
        "520102",
    ];
    for (i, v) in third.iter().enumerate() {
        ws.write_string(5, i as u16, *v).unwrap();
    }
    let file = wb.save_to_buffer().unwrap();

    let r = inst
        .post_multipart(
            "/learners/import",
            &[("mode", "good_only")],
            Some(("file", file)),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let job = r
        .location()
        .trim_start_matches("/learners/import/")
        .to_string();
    let j = wait_for(&t, "institution", &job).await;
    assert_eq!((j.imported_rows, j.bad_rows), (1, 2), "{:?}", j.bad);
    // Row numbers are the sheet's own (the header is in row 3).
    let rows: Vec<usize> = j.bad.iter().map(|b| b.row).collect();
    assert_eq!(rows, [5, 6]);
    assert!(
        j.bad[0].reasons[0].contains("设置为“文本”格式"),
        "{:?}",
        j.bad
    );
    assert!(j.bad[1].reasons[0].contains("姓名内容过长"), "{:?}", j.bad);

    // The report: the template's columns as uploaded, then the reasons and the row.
    let rep = inst.get(&format!("/learners/import/{job}/report")).await;
    let sheet = read_xlsx(&rep.body);
    let mut header: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    header.extend(["未通过原因".into(), "原表行号".into()]);
    assert_eq!(sheet[0], header);
    assert_eq!(sheet.len(), 3);
    assert_eq!(sheet[1][0], "林学员");
    assert_eq!(sheet[1][2], "13500004444");
    assert_eq!(sheet[1][7], "5");
    assert_eq!(sheet[2][3], "企业职工");

    // Correct it in place (as text this time, a shorter name) and upload the report itself.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in sheet.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, v).unwrap();
        }
    }
    ws.write_string(1, 1, &typed_id).unwrap();
    ws.write_string(2, 0, "黎学员").unwrap();
    let r = inst
        .post_multipart(
            "/learners/import",
            &[("mode", "all_or_nothing")],
            Some(("file", wb.save_to_buffer().unwrap())),
        )
        .await;
    let job = r
        .location()
        .trim_start_matches("/learners/import/")
        .to_string();
    let j = wait_for(&t, "institution", &job).await;
    assert_eq!((j.imported_rows, j.bad_rows), (2, 0), "{:?}", j.bad);
}

/// The CSRF check reads a file upload's token from the action URL (the body is not read
/// before the handler), so every multipart form must carry it there; the test client
/// adds the token itself and would not notice a form that forgot.
#[test]
fn every_upload_form_carries_its_token_in_the_action() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "html") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
        &mut files,
    );
    let mut forms = 0;
    for f in files {
        let html = std::fs::read_to_string(&f).unwrap();
        for tag in html.split("<form").skip(1) {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            if tag.contains("multipart/form-data") {
                forms += 1;
                assert!(
                    tag.contains("_csrf={{"),
                    "{}: an upload form without ?_csrf= in its action: <form{tag}>",
                    f.display()
                );
            }
        }
    }
    assert!(forms >= 6, "found {forms} upload forms");
}
