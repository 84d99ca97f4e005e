//! Spreadsheet export shared by every list: a header row in bold and text cells,
//! so ID-like numbers keep their leading zeros and Chinese round-trips.

use crate::error::{AppError, AppResult};

pub fn xlsx(sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    xlsx_sheets(&[(sheet, headers, rows)])
}

/// One sheet of a workbook: its name, header row and rows.
pub type Sheet<'a> = (&'a str, &'a [&'a str], &'a [Vec<String>]);

/// A workbook of several sheets, each as `xlsx` writes one.
pub fn xlsx_sheets(sheets: &[Sheet<'_>]) -> AppResult<Vec<u8>> {
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (sheet, headers, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*sheet).map_err(xl)?;
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)
                .map_err(xl)?;
        }
        for (i, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string((i + 1) as u32, c as u16, v.as_str())
                    .map_err(xl)?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(xl)?;
        ws.autofit();
    }
    wb.save_to_buffer().map_err(xl)
}
