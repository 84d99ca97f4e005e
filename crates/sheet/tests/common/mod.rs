//! Building workbooks for the tests: well-formed ones through rust_xlsxwriter, and
//! hand-made packages whose XML says whatever an attacker wants.
#![allow(dead_code)]

pub use jineng_sheet::testing::{c, package, sheet_xml};

pub const HEADERS: [&str; 3] = ["姓名", "身份证号", "手机号"];

/// A workbook whose first sheet holds `rows` (strings) from the top.
pub fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

/// The header row used by these tests, in row 1.
pub fn header_row() -> String {
    format!(
        r#"<row r="1">{}{}{}</row>"#,
        c("A1", HEADERS[0]),
        c("B1", HEADERS[1]),
        c("C1", HEADERS[2])
    )
}
