//! Reading a spreadsheet someone uploaded. Every file is hostile until read within
//! limits: an xlsx is a zip of XML, so a few kilobytes can unpack to gigabytes, declare
//! a cell at the far corner of the grid, or ask the reader to reserve room for a
//! trillion strings. This reader
//!
//! 1. refuses files over the size limit;
//! 2. decompresses every zip entry once, counting, before anything else opens it, and
//!    refuses when one entry or all of them together unpack beyond the limits (the
//!    sizes the archive declares are not trusted);
//! 3. reads the shared-strings header and refuses counts beyond the limit (calamine
//!    reserves room for that many strings up front);
//! 4. streams the first worksheet cell by cell, never as a dense range, keeping only
//!    the columns asked for, each cell cut to the length limit, and refuses more data
//!    rows than allowed as soon as it sees one too many;
//! 5. gives up at the time limit.
//!
//! Errors carry the message shown to the person who uploaded the file (Chinese, in
//! this one place).

use calamine::{Data, DataRef, Reader, Xlsx};
use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};
use std::time::{Duration, Instant};

/// How much a file may ask of the server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The uploaded file itself.
    pub max_file_bytes: usize,
    /// Any one zip entry once decompressed.
    pub max_entry_bytes: u64,
    /// All zip entries together once decompressed.
    pub max_unpacked_bytes: u64,
    /// Zip entries (a plain workbook has about ten).
    pub max_entries: usize,
    /// Distinct strings the shared-strings part may declare.
    pub max_shared_strings: usize,
    /// Data rows (rows below the header with anything in the wanted columns).
    pub max_rows: usize,
    /// Columns searched for the header; cells further right are ignored.
    pub max_columns: u32,
    /// The header must be within this many rows from the top (title rows above it
    /// are allowed).
    pub header_rows: u32,
    /// Characters kept of any cell; longer cells are cut and marked.
    pub max_cell_chars: usize,
    /// Wall-clock time for the whole read.
    pub time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 10 * 1024 * 1024,
            max_entry_bytes: 32 * 1024 * 1024,
            max_unpacked_bytes: 64 * 1024 * 1024,
            max_entries: 256,
            max_shared_strings: 1_000_000,
            max_rows: 20_000,
            max_columns: 64,
            header_rows: 10,
            max_cell_chars: 500,
            time: Duration::from_secs(10),
        }
    }
}

/// What a cell held, so a caller can tell "typed as a number" or "a formula without
/// a value" from text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A number cell; `text` holds its digits (whole numbers without exponent).
    Number,
    Date,
    Bool,
    /// An Excel error value such as `#N/A`.
    Error,
    /// A formula the file holds no computed value for.
    FormulaWithoutValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Trimmed, at most `max_cell_chars` characters.
    pub text: String,
    pub kind: Kind,
    /// The cell holds a formula (its computed value, if any, is in `text`).
    pub formula: bool,
    /// The cell was longer than `max_cell_chars` and was cut.
    pub too_long: bool,
}

impl Cell {
    fn empty() -> Self {
        Cell {
            text: String::new(),
            kind: Kind::Text,
            formula: false,
            too_long: false,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.kind == Kind::Text
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The row number as the spreadsheet shows it (1-based).
    pub number: u32,
    /// One cell per wanted header, in the order asked for.
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The header's row number as the spreadsheet shows it (1-based).
    pub header_row: u32,
    /// Data rows in sheet order; rows empty in every wanted column are left out.
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("文件超过{max_mb} MB，请拆分后分批上传")]
    FileTooLarge { max_mb: usize },
    #[error("无法读取文件，请上传 .xlsx 格式的表格（可下载导入模板）")]
    NotXlsx,
    #[error(
        "文件内容过多（解压后超过{max_mb} MB 或部件过多），请只保留要导入的工作表，删除图片和多余格式后重新上传"
    )]
    Unpacked { max_mb: u64 },
    #[error("表头不正确：前{rows}行中应有一行包含：{expected}（请使用导入模板）")]
    Header { rows: u32, expected: String },
    #[error("一次最多导入{max}行，请拆分后分批导入")]
    TooManyRows { max: usize },
    #[error("表格中没有数据行")]
    Empty,
    #[error("文件过于复杂，{secs}秒内未能读完，请删除无关内容后重新上传")]
    TooSlow { secs: u64 },
}

/// Reads the first worksheet: finds the row holding every one of `headers` within the
/// first `header_rows` rows, and returns the rows below it with one cell per header.
pub fn read_table(bytes: &[u8], headers: &[&str], limits: &Limits) -> Result<Table, SheetError> {
    let clock = Clock::start(limits.time);
    if bytes.len() > limits.max_file_bytes {
        return Err(SheetError::FileTooLarge {
            max_mb: limits.max_file_bytes.div_ceil(1024 * 1024),
        });
    }
    measure_archive(bytes, limits, &clock)?;
    // A parser bug met by a hostile file refuses the file; it must not take down the
    // thread that serves others. (The fuzz test counts panics, so none goes unseen.)
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_sheet(bytes, headers, limits, &clock)
    }))
    .unwrap_or(Err(SheetError::NotXlsx))
}

fn read_sheet(
    bytes: &[u8],
    headers: &[&str],
    limits: &Limits,
    clock: &Clock,
) -> Result<Table, SheetError> {
    let mut wb = Xlsx::new(Cursor::new(bytes)).map_err(|_| SheetError::NotXlsx)?;
    let first = wb
        .sheet_names()
        .into_iter()
        .next()
        .ok_or(SheetError::NotXlsx)?;
    let mut cells = wb
        .worksheet_cells_reader(&first)
        .map_err(|_| SheetError::NotXlsx)?;
    let mut grid = Grid::new(headers, limits);
    let mut seen: u32 = 0;
    while let Some(rec) = cells
        .next_cell_with_formula_metadata()
        .map_err(|_| SheetError::NotXlsx)?
    {
        seen = seen.wrapping_add(1);
        if seen.is_multiple_of(1024) {
            clock.check()?;
        }
        let (row, col) = rec.pos;
        if col >= limits.max_columns {
            continue;
        }
        let Some(cell) = to_cell(rec.value, rec.formula.is_some(), limits.max_cell_chars) else {
            continue;
        };
        grid.put(row, col, cell)?;
    }
    grid.finish()
}

struct Clock {
    deadline: Instant,
    secs: u64,
}

impl Clock {
    fn start(limit: Duration) -> Self {
        Clock {
            deadline: Instant::now() + limit,
            secs: limit.as_secs().max(1),
        }
    }

    fn check(&self) -> Result<(), SheetError> {
        if Instant::now() > self.deadline {
            return Err(SheetError::TooSlow { secs: self.secs });
        }
        Ok(())
    }
}

/// Decompresses every entry, counting, and checks the shared-strings header.
fn measure_archive(bytes: &[u8], limits: &Limits, clock: &Clock) -> Result<(), SheetError> {
    let too_much = || SheetError::Unpacked {
        max_mb: limits.max_unpacked_bytes.div_ceil(1024 * 1024),
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| SheetError::NotXlsx)?;
    if zip.len() > limits.max_entries {
        return Err(too_much());
    }
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|_| SheetError::NotXlsx)?;
        let shared_strings = entry
            .name()
            .map_err(|_| SheetError::NotXlsx)?
            .to_ascii_lowercase()
            .ends_with("sharedstrings.xml");
        let mut size: u64 = 0;
        loop {
            clock.check()?;
            let n = entry.read(&mut buf).map_err(|_| SheetError::NotXlsx)?;
            if n == 0 {
                break;
            }
            size += n as u64;
            total += n as u64;
            if size > limits.max_entry_bytes || total > limits.max_unpacked_bytes {
                return Err(too_much());
            }
        }
        drop(entry);
        if shared_strings {
            let entry = zip.by_index(i).map_err(|_| SheetError::NotXlsx)?;
            if declared_strings(entry)? > limits.max_shared_strings {
                return Err(too_much());
            }
        }
    }
    Ok(())
}

/// The largest of `count` and `uniqueCount` on the first `sst` element, wherever it
/// is (0 when absent).
fn declared_strings(entry: impl Read) -> Result<usize, SheetError> {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(entry));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                let mut most = 0usize;
                for a in e.attributes() {
                    let a = a.map_err(|_| SheetError::NotXlsx)?;
                    let key = a.key.local_name();
                    if key.as_ref() == "count" || key.as_ref() == "uniqueCount" {
                        let n = a
                            .value
                            .trim()
                            .parse::<u128>()
                            .ok()
                            .map_or(usize::MAX, |v| usize::try_from(v).unwrap_or(usize::MAX));
                        most = most.max(n);
                    }
                }
                return Ok(most);
            }
            // calamine skips everything up to the first `sst`, so this does too.
            Ok(Event::Eof) => return Ok(0),
            Ok(_) => {}
            Err(_) => return Err(SheetError::NotXlsx),
        }
        if buf.len() > 1024 * 1024 {
            return Err(SheetError::NotXlsx);
        }
    }
}

/// A cell's value as text, or None when it holds nothing.
fn to_cell(value: DataRef<'_>, formula: bool, max_chars: usize) -> Option<Cell> {
    let (raw, kind): (String, Kind) = match value {
        DataRef::Empty if formula => (String::new(), Kind::FormulaWithoutValue),
        DataRef::Empty => return None,
        DataRef::String(s) => (s, Kind::Text),
        DataRef::SharedString(s) => (s.to_string(), Kind::Text),
        DataRef::Int(i) => (i.to_string(), Kind::Number),
        // Long numbers typed into a number cell: the digits, not "1.38e10".
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e16 => {
            (format!("{f:.0}"), Kind::Number)
        }
        DataRef::Float(f) => (f.to_string(), Kind::Number),
        DataRef::Bool(b) => (b.to_string(), Kind::Bool),
        DataRef::Error(e) => (e.to_string(), Kind::Error),
        v @ (DataRef::DateTime(_) | DataRef::DateTimeIso(_) | DataRef::DurationIso(_)) => {
            (Data::from(v).to_string(), Kind::Date)
        }
    };
    let trimmed = raw.trim();
    if trimmed.is_empty() && kind == Kind::Text {
        return None;
    }
    let mut text: String = trimmed.chars().take(max_chars).collect();
    let too_long = text.len() < trimmed.len();
    if too_long {
        text.shrink_to_fit();
    }
    Some(Cell {
        text,
        kind,
        formula,
        too_long,
    })
}

/// Header text as compared: no whitespace, no required-field stars.
fn header_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .trim_matches(|c| c == '*' || c == '＊')
        .to_string()
}

/// The cells kept while streaming. Every map is keyed by position, so a file that
/// repeats a cell a million times still holds one.
struct Grid<'a> {
    headers: &'a [&'a str],
    limits: &'a Limits,
    /// Cells of the rows the header may be in, until it is found.
    top: BTreeMap<(u32, u32), Cell>,
    /// Once found: the header's row and the column of each wanted header.
    header: Option<(u32, HashMap<u32, usize>)>,
    rows: BTreeMap<u32, Vec<Cell>>,
}

impl<'a> Grid<'a> {
    fn new(headers: &'a [&'a str], limits: &'a Limits) -> Self {
        Grid {
            headers,
            limits,
            top: BTreeMap::new(),
            header: None,
            rows: BTreeMap::new(),
        }
    }

    fn put(&mut self, row: u32, col: u32, cell: Cell) -> Result<(), SheetError> {
        if self.header.is_none() {
            if row < self.limits.header_rows {
                self.top.insert((row, col), cell);
                return Ok(());
            }
            self.find_header()?;
        }
        self.put_data(row, col, cell)
    }

    fn put_data(&mut self, row: u32, col: u32, cell: Cell) -> Result<(), SheetError> {
        let Some((header_row, columns)) = &self.header else {
            return Ok(());
        };
        if row <= *header_row {
            return Ok(());
        }
        let Some(&i) = columns.get(&col) else {
            return Ok(());
        };
        let n = self.headers.len();
        if !self.rows.contains_key(&row) && self.rows.len() >= self.limits.max_rows {
            return Err(SheetError::TooManyRows {
                max: self.limits.max_rows,
            });
        }
        let cells = self
            .rows
            .entry(row)
            .or_insert_with(|| vec![Cell::empty(); n]);
        cells[i] = cell;
        Ok(())
    }

    /// The first row among the top rows holding every wanted header; the cells below
    /// it seen so far become data.
    fn find_header(&mut self) -> Result<(), SheetError> {
        let wanted: Vec<String> = self.headers.iter().map(|h| header_key(h)).collect();
        let mut by_row: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
        for ((r, c), cell) in &self.top {
            by_row
                .entry(*r)
                .or_default()
                .push((*c, header_key(&cell.text)));
        }
        let found = by_row.into_iter().find_map(|(r, cols)| {
            let mut map = HashMap::new();
            for (i, w) in wanted.iter().enumerate() {
                let (c, _) = cols.iter().find(|(_, t)| t == w)?;
                map.insert(*c, i);
            }
            (map.len() == wanted.len()).then_some((r, map))
        });
        let Some(found) = found else {
            return Err(SheetError::Header {
                rows: self.limits.header_rows,
                expected: self.headers.join("、"),
            });
        };
        self.header = Some(found);
        for ((r, c), cell) in std::mem::take(&mut self.top) {
            self.put_data(r, c, cell)?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Table, SheetError> {
        if self.header.is_none() {
            self.find_header()?;
        }
        let header_row = self.header.as_ref().map_or(0, |(r, _)| *r) + 1;
        let rows: Vec<Row> = self
            .rows
            .into_iter()
            .map(|(r, cells)| Row {
                number: r + 1,
                cells,
            })
            .collect();
        if rows.is_empty() {
            return Err(SheetError::Empty);
        }
        Ok(Table { header_row, rows })
    }
}

#[cfg(feature = "test-support")]
pub mod testing;
