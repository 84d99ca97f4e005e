//! Printable documents: a title, headings, paragraphs and tables laid out on A4 pages in
//! one font, with page numbers, and files attached inside the PDF (a proof to check, the
//! exact text a hash was taken of). krilla writes the PDF and subsets the font to the
//! glyphs used, so a Chinese document embeds a few hundred glyphs, not the whole font.
//!
//! Lines wrap at any character (Chinese has no spaces to wrap at); widths come from the
//! font's own advances. Nothing here knows what a learner or a class is.

use krilla::color::rgb;
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::TextDirection;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub mod certificate;
pub mod seal;

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 48.0;
const BODY: f32 = 10.0;
const SMALL: f32 = 8.0;
const HEADING: f32 = 13.0;
const TITLE: f32 = 18.0;
const LEADING: f32 = 1.45;
const CELL_PAD: f32 = 3.0;
/// More than this many pages is refused: a document is for people to read.
const MAX_PAGES: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("font is not a usable TrueType/OpenType font")]
    Font,
    #[error("font file could not be read: {0}")]
    Io(#[from] std::io::Error),
    #[error("document is longer than {MAX_PAGES} pages")]
    TooLong,
    #[error("PDF could not be written: {0}")]
    Write(String),
}

/// Where Debian and common distributions put free CJK fonts, in order of preference.
const SYSTEM_FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
];

/// One font: its bytes (for measuring) and krilla's handle (for drawing).
#[derive(Clone)]
pub struct Font {
    data: Arc<Vec<u8>>,
    index: u32,
    pdf: krilla::text::Font,
}

impl Font {
    /// A font from its file's bytes; `index` picks a face of a collection (.ttc).
    pub fn from_bytes(data: Vec<u8>, index: u32) -> Result<Font, PdfError> {
        ttf_parser::Face::parse(&data, index).map_err(|_| PdfError::Font)?;
        let data = Arc::new(data);
        let pdf = krilla::text::Font::new(data.clone().into(), index).ok_or(PdfError::Font)?;
        Ok(Font { data, index, pdf })
    }

    pub fn load(path: &Path) -> Result<Font, PdfError> {
        Font::from_bytes(std::fs::read(path)?, 0)
    }

    /// The first free CJK font installed where distributions put them.
    pub fn find_system() -> Option<PathBuf> {
        SYSTEM_FONTS.iter().map(PathBuf::from).find(|p| p.is_file())
    }
}

/// Something placed on the page, top to bottom.
#[derive(Debug, Clone)]
pub enum Block {
    Heading(String),
    Paragraph(String),
    /// Smaller grey text (notes, hashes).
    Note(String),
    /// Label–value pairs in two columns.
    Fields(Vec<(String, String)>),
    /// A table: column headers, relative column widths (same length), rows.
    Table {
        headers: Vec<String>,
        widths: Vec<f32>,
        rows: Vec<Vec<String>>,
    },
    Gap,
}

/// A file carried inside the PDF.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub name: String,
    pub mime: String,
    pub description: String,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct Document {
    pub title: String,
    /// Printed at the foot of every page, before the page number.
    pub footer: String,
    pub blocks: Vec<Block>,
    pub attachments: Vec<Attachment>,
}

struct Measure<'a> {
    face: ttf_parser::Face<'a>,
    upem: f32,
}

impl Measure<'_> {
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c, size)).sum()
    }

    fn advance(&self, c: char, size: f32) -> f32 {
        let units = self
            .face
            .glyph_index(c)
            .and_then(|g| self.face.glyph_hor_advance(g))
            .unwrap_or((self.upem / 2.0) as u16);
        units as f32 / self.upem * size
    }

    /// `text` broken into lines no wider than `max` (explicit line ends kept).
    fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            let mut w = 0.0;
            for c in para.chars() {
                let a = self.advance(c, size);
                if w + a > max && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    w = 0.0;
                }
                line.push(c);
                w += a;
            }
            lines.push(line);
        }
        lines
    }
}

/// Lays blocks out page by page.
struct Writer<'f> {
    doc: krilla::Document,
    font: &'f Font,
    footer: String,
    pages: Vec<Vec<Op>>,
    y: f32,
}

/// What goes on a page, drawn once the page is complete.
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        grey: bool,
        text: String,
    },
    Line {
        x1: f32,
        x2: f32,
        y: f32,
    },
}

impl<'f> Writer<'f> {
    fn new_page(&mut self) -> Result<(), PdfError> {
        if self.pages.len() >= MAX_PAGES {
            return Err(PdfError::TooLong);
        }
        self.pages.push(Vec::new());
        self.y = MARGIN;
        Ok(())
    }

    fn room(&self) -> f32 {
        PAGE_H - MARGIN - 24.0 - self.y
    }

    /// Make sure `h` points fit below, starting a page if not.
    fn need(&mut self, h: f32) -> Result<bool, PdfError> {
        if self.room() < h {
            self.new_page()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn op(&mut self, op: Op) {
        if let Some(p) = self.pages.last_mut() {
            p.push(op);
        }
    }

    fn text_lines(
        &mut self,
        m: &Measure,
        text: &str,
        size: f32,
        grey: bool,
    ) -> Result<(), PdfError> {
        let lh = size * LEADING;
        for line in m.wrap(text, size, PAGE_W - 2.0 * MARGIN) {
            self.need(lh)?;
            self.y += lh;
            self.op(Op::Text {
                x: MARGIN,
                y: self.y - lh * 0.28,
                size,
                grey,
                text: line,
            });
        }
        Ok(())
    }

    fn table(
        &mut self,
        m: &Measure,
        headers: &[String],
        widths: &[f32],
        rows: &[Vec<String>],
        size: f32,
    ) -> Result<(), PdfError> {
        let total: f32 = widths.iter().sum::<f32>().max(f32::EPSILON);
        let avail = PAGE_W - 2.0 * MARGIN;
        let cols: Vec<f32> = widths.iter().map(|w| w / total * avail).collect();
        let lh = size * LEADING;
        let layout = |row: &[String]| -> Vec<Vec<String>> {
            cols.iter()
                .enumerate()
                .map(|(i, w)| {
                    let cell = row.get(i).map(String::as_str).unwrap_or("");
                    m.wrap(cell, size, (w - 2.0 * CELL_PAD).max(size))
                })
                .collect()
        };
        let head = layout(headers);
        let head_h = head.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * CELL_PAD;
        self.need(head_h + lh + 2.0 * CELL_PAD)?;
        self.table_row(&cols, &head, head_h, lh, size, true);
        for row in rows {
            let cells = layout(row);
            let h = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * CELL_PAD;
            if self.need(h)? {
                self.table_row(&cols, &head, head_h, lh, size, true);
            }
            self.table_row(&cols, &cells, h, lh, size, false);
        }
        Ok(())
    }

    fn table_row(
        &mut self,
        cols: &[f32],
        cells: &[Vec<String>],
        h: f32,
        lh: f32,
        size: f32,
        head: bool,
    ) {
        let top = self.y;
        if head {
            self.op(Op::Line {
                x1: MARGIN,
                x2: PAGE_W - MARGIN,
                y: top,
            });
        }
        let mut x = MARGIN;
        for (w, lines) in cols.iter().zip(cells) {
            for (i, line) in lines.iter().enumerate() {
                self.op(Op::Text {
                    x: x + CELL_PAD,
                    y: top + CELL_PAD + (i as f32 + 1.0) * lh - lh * 0.28,
                    size,
                    grey: head,
                    text: line.clone(),
                });
            }
            x += w;
        }
        self.y = top + h;
        self.op(Op::Line {
            x1: MARGIN,
            x2: PAGE_W - MARGIN,
            y: self.y,
        });
    }

    fn finish(mut self, title: &str) -> Result<Vec<u8>, PdfError> {
        let font = self.font.pdf.clone();
        let n = self.pages.len();
        let pages = std::mem::take(&mut self.pages);
        for (i, ops) in pages.into_iter().enumerate() {
            let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
                .ok_or_else(|| PdfError::Write("page size".into()))?;
            let mut page = self.doc.start_page_with(settings);
            let mut s = page.surface();
            for op in ops {
                draw(&mut s, &font, op);
            }
            draw(
                &mut s,
                &font,
                Op::Text {
                    x: MARGIN,
                    y: PAGE_H - MARGIN + 8.0,
                    size: SMALL,
                    grey: true,
                    text: format!("{} · 第 {} 页，共 {} 页", self.footer, i + 1, n),
                },
            );
            s.finish();
            page.finish();
        }
        self.doc.set_metadata(
            Metadata::new()
                .title(title.to_string())
                .language("zh-CN".into()),
        );
        self.doc
            .finish()
            .map_err(|e| PdfError::Write(format!("{e:?}")))
    }
}

fn fill(grey: bool) -> Fill {
    let c = if grey { 90 } else { 20 };
    Fill {
        paint: rgb::Color::new(c, c, c).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn draw(s: &mut Surface, font: &krilla::text::Font, op: Op) {
    match op {
        Op::Text {
            x,
            y,
            size,
            grey,
            text,
        } => {
            if text.is_empty() {
                return;
            }
            s.set_fill(Some(fill(grey)));
            s.draw_text(
                Point::from_xy(x, y),
                font.clone(),
                size,
                &text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Line { x1, x2, y } => {
            let mut pb = PathBuilder::new();
            pb.move_to(x1, y);
            pb.line_to(x2, y);
            if let Some(path) = pb.finish() {
                s.set_fill(None);
                s.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(180, 180, 180).into(),
                    width: 0.5,
                    ..Default::default()
                }));
                s.draw_path(&path);
                s.set_stroke(None);
            }
        }
    }
}

/// Lay `d` out in `font` and write the PDF.
pub fn render(font: &Font, d: &Document) -> Result<Vec<u8>, PdfError> {
    let face = ttf_parser::Face::parse(&font.data, font.index).map_err(|_| PdfError::Font)?;
    let m = Measure {
        upem: face.units_per_em().max(1) as f32,
        face,
    };
    let mut w = Writer {
        doc: krilla::Document::new(),
        font,
        footer: d.footer.clone(),
        pages: Vec::new(),
        y: MARGIN,
    };
    w.new_page()?;
    w.text_lines(&m, &d.title, TITLE, false)?;
    w.y += 6.0;
    for b in &d.blocks {
        match b {
            Block::Heading(t) => {
                // A heading is not left alone at the foot of a page.
                w.need(HEADING * LEADING * 3.0)?;
                w.y += 8.0;
                w.text_lines(&m, t, HEADING, false)?;
                w.y += 2.0;
            }
            Block::Paragraph(t) => w.text_lines(&m, t, BODY, false)?,
            Block::Note(t) => w.text_lines(&m, t, SMALL, true)?,
            Block::Fields(pairs) => {
                let rows: Vec<Vec<String>> = pairs
                    .iter()
                    .map(|(k, v)| vec![k.clone(), v.clone()])
                    .collect();
                let label_w = pairs
                    .iter()
                    .map(|(k, _)| m.width(k, BODY))
                    .fold(0.0f32, f32::max)
                    + 2.0 * CELL_PAD
                    + 4.0;
                let avail = PAGE_W - 2.0 * MARGIN;
                for (row, pair) in rows.iter().zip(pairs) {
                    let lines = m.wrap(&pair.1, BODY, avail - label_w);
                    let lh = BODY * LEADING;
                    for (i, line) in lines.iter().enumerate() {
                        w.need(lh)?;
                        w.y += lh;
                        if i == 0 {
                            w.op(Op::Text {
                                x: MARGIN,
                                y: w.y - lh * 0.28,
                                size: BODY,
                                grey: true,
                                text: row[0].clone(),
                            });
                        }
                        w.op(Op::Text {
                            x: MARGIN + label_w,
                            y: w.y - lh * 0.28,
                            size: BODY,
                            grey: false,
                            text: line.clone(),
                        });
                    }
                }
            }
            Block::Table {
                headers,
                widths,
                rows,
            } => {
                w.y += 4.0;
                w.table(&m, headers, widths, rows, SMALL + 1.0)?;
            }
            Block::Gap => w.y += BODY,
        }
    }
    for a in &d.attachments {
        let file = EmbeddedFile {
            path: a.name.clone(),
            mime_type: MimeType::new(&a.mime),
            description: Some(a.description.clone()),
            association_kind: AssociationKind::Supplement,
            data: a.data.clone().into(),
            modification_date: None,
            compress: Some(true),
            location: None,
        };
        w.doc
            .embed_file(file)
            .ok_or_else(|| PdfError::Write(format!("two attachments named {}", a.name)))?;
    }
    w.finish(&d.title)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> Font {
        let path = Font::find_system()
            .expect("a free CJK font (apt-get install fonts-wqy-microhei; see README)");
        Font::load(&path).expect("the font loads")
    }

    #[test]
    fn a_chinese_document_is_written_with_a_subset_font() {
        let f = font();
        let doc = Document {
            title: "学员电子档案".into(),
            footer: "技能".into(),
            blocks: vec![
                Block::Heading("培训班级".into()),
                Block::Fields(vec![("姓名".into(), "张三".into())]),
                Block::Table {
                    headers: vec!["班级".into(), "学时".into()],
                    widths: vec![3.0, 1.0],
                    rows: (0..120)
                        .map(|i| vec![format!("第{i}期电工培训班"), format!("{i}.5")])
                        .collect(),
                },
                Block::Note("记录哈希 0123abcd".into()),
            ],
            attachments: vec![Attachment {
                name: "proof.json".into(),
                mime: "application/json".into(),
                description: "证明".into(),
                data: b"{}".to_vec(),
            }],
        };
        let pdf = render(&f, &doc).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        // Subset: far smaller than the font file itself.
        assert!(
            pdf.len() < f.data.len() / 10,
            "{} bytes of PDF for a {}-byte font",
            pdf.len(),
            f.data.len()
        );
    }

    #[test]
    fn lines_wrap_within_the_width_and_keep_every_character() {
        let f = font();
        let face = ttf_parser::Face::parse(&f.data, f.index).unwrap();
        let m = Measure {
            upem: face.units_per_em() as f32,
            face,
        };
        let text = "职业技能培训电子档案".repeat(20);
        let lines = m.wrap(&text, BODY, 200.0);
        assert!(lines.len() > 3);
        for l in &lines {
            assert!(m.width(l, BODY) <= 200.0 + 0.01);
        }
        assert_eq!(lines.concat(), text);
    }

    #[test]
    fn a_document_without_end_is_refused() {
        let f = font();
        let doc = Document {
            title: "长".into(),
            blocks: vec![Block::Paragraph("行\n".repeat(40_000))],
            ..Default::default()
        };
        assert!(matches!(render(&f, &doc), Err(PdfError::TooLong)));
    }
}
