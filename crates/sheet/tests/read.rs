//! What the reader gives back for ordinary files, and how it refuses hostile ones:
//! every hostile case here once took the server down or gigabytes of memory
//! (issue 9, finding 1).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use jineng_sheet::{Kind, Limits, SheetError, read_table};
use std::time::{Duration, Instant};

fn read(bytes: &[u8]) -> Result<jineng_sheet::Table, SheetError> {
    read_table(bytes, &HEADERS, &Limits::default())
}

#[test]
fn reads_the_wanted_columns_by_header_with_true_row_numbers() {
    let bytes = workbook(&[
        &["XX 培训学校学员名单"],
        &[],
        &["备注", "手机号", "姓名", "身份证号"],
        &["", "13800000000", "张三", "11010519491231002X"],
        &[],
        &["不导入", "", "李四", ""],
    ]);
    let t = read(&bytes).unwrap();
    assert_eq!(t.header_row, 3);
    assert_eq!(t.rows.len(), 2);
    assert_eq!(t.rows[0].number, 4);
    let texts: Vec<&str> = t.rows[0].cells.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["张三", "11010519491231002X", "13800000000"]);
    assert_eq!(t.rows[1].number, 6);
    assert_eq!(t.rows[1].cells[0].text, "李四");
    assert!(t.rows[1].cells[1].is_empty());
}

#[test]
fn says_what_a_cell_held() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (i, h) in HEADERS.iter().enumerate() {
        ws.write_string(0, i as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "  王五 ").unwrap();
    ws.write_number(1, 1, 110105194912310020.0).unwrap();
    ws.write_formula(1, 2, "=\"138\"&\"00000000\"").unwrap();
    let t = read(&wb.save_to_buffer().unwrap()).unwrap();
    let cells = &t.rows[0].cells;
    assert_eq!(cells[0].text, "王五");
    assert_eq!(cells[1].kind, Kind::Number);
    assert!(cells[2].formula);

    // A formula saved without a computed value is told apart from an empty cell.
    let sheet = sheet_xml(&format!(
        r#"{}<row r="2">{}<c r="C2"><f>A1&amp;B1</f></c></row>"#,
        header_row(),
        c("A2", "赵六")
    ));
    let t = read(&package(&sheet, None)).unwrap();
    assert_eq!(t.rows[0].cells[2].kind, Kind::FormulaWithoutValue);
}

#[test]
fn a_cell_at_the_far_corner_is_ignored_not_allocated() {
    // The file that aborted the server: the header and one cell at XFD1048576.
    let sheet = sheet_xml(&format!(
        r#"<dimension ref="A1:XFD1048576"/>{}<row r="1048576">{}</row>"#,
        header_row(),
        c("XFD1048576", "x")
    ));
    let started = Instant::now();
    assert_eq!(read(&package(&sheet, None)), Err(SheetError::Empty));
    assert!(started.elapsed() < Duration::from_secs(2));

    // The last row of the grid in a wanted column is one row, numbered as Excel does.
    let sheet = sheet_xml(&format!(
        r#"{}<row r="1048576">{}</row>"#,
        header_row(),
        c("A1048576", "张三")
    ));
    let t = read(&package(&sheet, None)).unwrap();
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.rows[0].number, 1_048_576);
}

#[test]
fn unpacking_beyond_the_limit_is_refused_whatever_the_archive_declares() {
    // About 40 MB of whitespace inside a sheet: compresses to a few tens of kilobytes.
    let padding = " ".repeat(40 * 1024 * 1024);
    let sheet = sheet_xml(&format!("{}{padding}", header_row()));
    let bytes = package(&sheet, None);
    assert!(bytes.len() < 200 * 1024, "{}", bytes.len());
    let started = Instant::now();
    assert!(matches!(read(&bytes), Err(SheetError::Unpacked { .. })));
    assert!(started.elapsed() < Duration::from_secs(5));

    // Many parts that are each small add up too.
    let limits = Limits {
        max_unpacked_bytes: 1024,
        ..Limits::default()
    };
    let ok = workbook(&[&HEADERS, &["张三", "1", "2"]]);
    assert!(matches!(
        read_table(&ok, &HEADERS, &limits),
        Err(SheetError::Unpacked { .. })
    ));
}

#[test]
fn a_shared_string_count_that_would_reserve_terabytes_is_refused() {
    let shared = br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="99999999999999"><si><t>x</t></si></sst>"#;
    let sheet = sheet_xml(&header_row());
    assert!(matches!(
        read(&package(&sheet, Some(shared))),
        Err(SheetError::Unpacked { .. })
    ));
}

#[test]
fn long_cells_are_cut_and_marked() {
    let long = "长".repeat(3_000_000); // 9 MB of text in one cell
    let sheet = sheet_xml(&format!(
        r#"{}<row r="2">{}</row>"#,
        header_row(),
        c("A2", &long)
    ));
    let t = read(&package(&sheet, None)).unwrap();
    let cell = &t.rows[0].cells[0];
    assert!(cell.too_long);
    assert_eq!(cell.text.chars().count(), Limits::default().max_cell_chars);
}

#[test]
fn one_row_too_many_is_refused_and_repeated_cells_count_once() {
    let limits = Limits {
        max_rows: 3,
        ..Limits::default()
    };
    let rows: String = (2..=5)
        .map(|r| format!(r#"<row r="{r}">{}</row>"#, c(&format!("A{r}"), "张三")))
        .collect();
    let sheet = sheet_xml(&format!("{}{rows}", header_row()));
    assert_eq!(
        read_table(&package(&sheet, None), &HEADERS, &limits),
        Err(SheetError::TooManyRows { max: 3 })
    );

    // The same cell written 200,000 times is one row.
    let same: String = std::iter::repeat_n(c("A2", "张三"), 200_000).collect();
    let sheet = sheet_xml(&format!(r#"{}<row r="2">{same}</row>"#, header_row()));
    let t = read_table(&package(&sheet, None), &HEADERS, &limits).unwrap();
    assert_eq!(t.rows.len(), 1);
}

#[test]
fn the_header_must_be_near_the_top_and_complete() {
    let bytes = workbook(&[&["姓名", "手机号"], &["张三", "13800000000"]]);
    let err = read(&bytes).unwrap_err();
    assert!(err.to_string().contains("姓名、身份证号、手机号"), "{err}");

    let mut rows: Vec<&[&str]> = vec![&["说明"]; 12];
    rows.push(&HEADERS);
    rows.push(&["张三", "1", "2"]);
    assert!(matches!(
        read(&workbook(&rows)),
        Err(SheetError::Header { .. })
    ));

    assert_eq!(read(&workbook(&[&HEADERS])), Err(SheetError::Empty));
}

#[test]
fn not_a_workbook_and_over_size_and_out_of_time() {
    assert_eq!(read(b"name,id\n"), Err(SheetError::NotXlsx));
    assert_eq!(read(&[]), Err(SheetError::NotXlsx));
    let ok = workbook(&[&HEADERS, &["张三", "1", "2"]]);
    assert_eq!(read(&ok[..ok.len() / 2]), Err(SheetError::NotXlsx));
    let small = Limits {
        max_file_bytes: 100,
        ..Limits::default()
    };
    assert!(matches!(
        read_table(&ok, &HEADERS, &small),
        Err(SheetError::FileTooLarge { .. })
    ));
    let no_time = Limits {
        time: Duration::ZERO,
        ..Limits::default()
    };
    assert!(matches!(
        read_table(&ok, &HEADERS, &no_time),
        Err(SheetError::TooSlow { .. })
    ));
    // Every message is for the person who uploaded the file.
    for e in [
        SheetError::NotXlsx,
        SheetError::Empty,
        SheetError::Unpacked { max_mb: 64 },
        SheetError::TooManyRows { max: 20_000 },
    ] {
        assert!(
            e.to_string()
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        );
    }
}
