//! Certificates: one landscape A4 page each, framed, with a centred title, a statement,
//! label–value lines, a QR code to verify it, and the issuer's seal: the image the
//! issuer uploaded, or else drawn as vectors (a red ring, a star and the issuer's name
//! around the arc). A whole class's
//! certificates go in one document, one page per certificate.

use crate::{Font, LEADING, Measure, PdfError, fill};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Transform};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::TextDirection;

const W: f32 = 841.89;
const H: f32 = 595.28;
const FRAME: f32 = 28.0;
const INSET: f32 = 84.0;
const MAX_CERTIFICATES: usize = 2_000;
const RED: (u8, u8, u8) = (200, 30, 30);

/// A QR code's modules, row by row, `true` for dark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrModules {
    pub width: usize,
    pub dark: Vec<bool>,
}

/// One certificate page.
#[derive(Debug, Clone, Default)]
pub struct Certificate {
    pub title: String,
    pub statement: String,
    pub fields: Vec<(String, String)>,
    pub qr: Option<QrModules>,
    /// Under the QR code ("扫码查验").
    pub qr_caption: String,
    /// The issuer's name, set around the seal.
    pub seal_name: String,
    /// Set straight under the seal's star.
    pub seal_label: String,
    /// The issuer's own seal (checked by [`crate::seal::check`]); drawn instead of the
    /// vector seal. The same bytes on many pages are stored once.
    pub seal_image: Option<std::sync::Arc<Vec<u8>>>,
    /// The issuer and date lines at the foot, right-aligned left of the seal.
    pub sign_lines: Vec<String>,
    /// Printed large across the page when set ("已撤销").
    pub stamp: Option<String>,
}

fn color(c: (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn stroke(c: (u8, u8, u8), width: f32) -> Stroke {
    Stroke {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        width,
        ..Default::default()
    }
}

fn rect(s: &mut Surface, x: f32, y: f32, w: f32, h: f32, width: f32, c: (u8, u8, u8)) {
    let mut pb = PathBuilder::new();
    pb.move_to(x, y);
    pb.line_to(x + w, y);
    pb.line_to(x + w, y + h);
    pb.line_to(x, y + h);
    pb.close();
    if let Some(p) = pb.finish() {
        s.set_fill(None);
        s.set_stroke(Some(stroke(c, width)));
        s.draw_path(&p);
        s.set_stroke(None);
    }
}

/// A circle as four cubic arcs.
fn circle(pb: &mut PathBuilder, cx: f32, cy: f32, r: f32) {
    let k = 0.552_284_8 * r;
    pb.move_to(cx + r, cy);
    pb.cubic_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r);
    pb.cubic_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy);
    pb.cubic_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r);
    pb.cubic_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy);
    pb.close();
}

fn text(s: &mut Surface, font: &krilla::text::Font, x: f32, y: f32, size: f32, t: &str) {
    if t.is_empty() {
        return;
    }
    s.draw_text(
        Point::from_xy(x, y),
        font.clone(),
        size,
        t,
        false,
        TextDirection::Auto,
    );
}

struct Page<'a> {
    m: &'a Measure<'a>,
    font: &'a krilla::text::Font,
}

impl Page<'_> {
    fn centred(&self, s: &mut Surface, y: f32, size: f32, t: &str) {
        let w = self.m.width(t, size);
        text(s, self.font, (W - w) / 2.0, y, size, t);
    }

    fn seal(&self, s: &mut Surface, cx: f32, cy: f32, name: &str, label: &str) {
        let r = 50.0;
        let mut pb = PathBuilder::new();
        circle(&mut pb, cx, cy, r);
        if let Some(p) = pb.finish() {
            s.set_fill(None);
            s.set_stroke(Some(stroke(RED, 2.6)));
            s.draw_path(&p);
            s.set_stroke(None);
        }
        // A five-pointed star.
        let mut pb = PathBuilder::new();
        for i in 0..10 {
            let a = (-90.0 + 36.0 * i as f32).to_radians();
            let rr = if i % 2 == 0 { 15.0 } else { 6.0 };
            let (x, y) = (cx + rr * a.cos(), cy + rr * a.sin());
            if i == 0 {
                pb.move_to(x, y);
            } else {
                pb.line_to(x, y);
            }
        }
        pb.close();
        if let Some(p) = pb.finish() {
            s.set_fill(Some(color(RED)));
            s.draw_path(&p);
        }
        // The name around the upper arc, each character upright to the centre.
        let chars: Vec<char> = name.chars().take(24).collect();
        let n = chars.len().max(1) as f32;
        // Long names (a department's: 贵阳市南明区人力资源和社会保障局) get smaller
        // characters, so they do not run into one another on the same arc.
        let size = if chars.len() > 14 { 7.5 } else { 10.5 };
        let span = (n * 19.0).min(250.0);
        s.set_fill(Some(color(RED)));
        for (i, c) in chars.iter().enumerate() {
            let deg = -90.0 - span / 2.0 + span * (i as f32 + 0.5) / n;
            let a = deg.to_radians();
            let (x, y) = (cx + (r - 13.0) * a.cos(), cy + (r - 13.0) * a.sin());
            let t = c.to_string();
            let w = self.m.width(&t, size);
            s.push_transform(&Transform::from_rotate_at(deg + 90.0, x, y));
            text(s, self.font, x - w / 2.0, y + size * 0.35, size, &t);
            s.pop();
        }
        let w = self.m.width(label, 7.5);
        text(s, self.font, cx - w / 2.0, cy + 30.0, 7.5, label);
    }

    /// An uploaded seal, its longer side 110 pt, centred where the drawn one would be.
    fn seal_image(&self, s: &mut Surface, cx: f32, cy: f32, png: &std::sync::Arc<Vec<u8>>) {
        let Ok(img) = krilla::image::Image::from_png(png.clone().into(), true) else {
            return;
        };
        let (w, h) = img.size();
        let scale = 110.0 / w.max(h).max(1) as f32;
        let (dw, dh) = (w as f32 * scale, h as f32 * scale);
        let Some(size) = krilla::geom::Size::from_wh(dw, dh) else {
            return;
        };
        s.push_transform(&Transform::from_translate(cx - dw / 2.0, cy - dh / 2.0));
        s.draw_image(img, size);
        s.pop();
    }

    fn qr(&self, s: &mut Surface, x: f32, y: f32, size: f32, q: &QrModules) {
        if q.width == 0 {
            return;
        }
        // A quiet zone of two modules inside `size`.
        let unit = size / (q.width + 4) as f32;
        // One rectangle per run of dark modules in a row: a third of the path a square
        // per module takes, so a class's printout stays small.
        let mut pb = PathBuilder::new();
        for (row, cells) in q.dark.chunks(q.width).enumerate() {
            let mut col = 0;
            while col < cells.len() {
                if !cells[col] {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < cells.len() && cells[col] {
                    col += 1;
                }
                let (mx, my) = (x + (start + 2) as f32 * unit, y + (row + 2) as f32 * unit);
                let w = (col - start) as f32 * unit;
                pb.move_to(mx, my);
                pb.line_to(mx + w, my);
                pb.line_to(mx + w, my + unit);
                pb.line_to(mx, my + unit);
                pb.close();
            }
        }
        if let Some(p) = pb.finish() {
            s.set_fill(Some(color((0, 0, 0))));
            s.draw_path(&p);
        }
    }

    fn draw(&self, s: &mut Surface, c: &Certificate) {
        rect(
            s,
            FRAME,
            FRAME,
            W - 2.0 * FRAME,
            H - 2.0 * FRAME,
            3.0,
            (150, 110, 40),
        );
        rect(
            s,
            FRAME + 6.0,
            FRAME + 6.0,
            W - 2.0 * FRAME - 12.0,
            H - 2.0 * FRAME - 12.0,
            0.8,
            (150, 110, 40),
        );
        s.set_fill(Some(color((120, 20, 20))));
        self.centred(s, 118.0, 30.0, &c.title);
        s.set_fill(Some(fill(false)));
        let size = 14.0;
        let lh = size * LEADING * 1.1;
        let mut y = 170.0;
        for line in self.m.wrap(&c.statement, size, W - 2.0 * INSET) {
            text(s, self.font, INSET, y, size, &line);
            y += lh;
        }
        y += 8.0;
        let label_w = c
            .fields
            .iter()
            .map(|(k, _)| self.m.width(k, 11.0))
            .fold(0.0f32, f32::max)
            + 12.0;
        for (k, v) in &c.fields {
            s.set_fill(Some(fill(true)));
            text(s, self.font, INSET, y, 11.0, k);
            s.set_fill(Some(fill(false)));
            text(s, self.font, INSET + label_w, y, 11.0, v);
            y += 11.0 * LEADING * 1.15;
        }
        // The foot: QR at the left, the issuer's lines and seal at the right.
        let foot = H - FRAME - 150.0;
        if let Some(q) = &c.qr {
            self.qr(s, INSET - 8.0, foot, 110.0, q);
            s.set_fill(Some(fill(true)));
            text(s, self.font, INSET, foot + 122.0, 8.5, &c.qr_caption);
        }
        s.set_fill(Some(fill(false)));
        let right = W - INSET;
        let mut ly = foot + 50.0;
        for line in &c.sign_lines {
            let w = self.m.width(line, 12.0);
            text(s, self.font, right - w, ly, 12.0, line);
            ly += 12.0 * LEADING * 1.2;
        }
        match &c.seal_image {
            Some(png) => self.seal_image(s, right - 60.0, foot + 55.0, png),
            None => self.seal(s, right - 60.0, foot + 55.0, &c.seal_name, &c.seal_label),
        }
        if let Some(stamp) = &c.stamp {
            s.set_fill(Some(Fill {
                paint: rgb::Color::new(RED.0, RED.1, RED.2).into(),
                opacity: NormalizedF32::new(0.35).unwrap_or(NormalizedF32::ONE),
                rule: Default::default(),
            }));
            let size = 90.0;
            let w = self.m.width(stamp, size);
            s.push_transform(&Transform::from_rotate_at(-20.0, W / 2.0, H / 2.0));
            text(
                s,
                self.font,
                (W - w) / 2.0,
                H / 2.0 + size * 0.35,
                size,
                stamp,
            );
            s.pop();
        }
    }
}

/// Write `certs`, one page each, in `font`.
pub fn render_certificates(
    font: &Font,
    title: &str,
    certs: &[Certificate],
) -> Result<Vec<u8>, PdfError> {
    if certs.len() > MAX_CERTIFICATES {
        return Err(PdfError::TooLong);
    }
    let face = ttf_parser::Face::parse(&font.data, font.index).map_err(|_| PdfError::Font)?;
    let m = Measure {
        upem: face.units_per_em().max(1) as f32,
        face,
    };
    let page = Page {
        m: &m,
        font: &font.pdf,
    };
    let mut doc = krilla::Document::new();
    for c in certs {
        let settings =
            PageSettings::from_wh(W, H).ok_or_else(|| PdfError::Write("page size".into()))?;
        let mut p = doc.start_page_with(settings);
        let mut s = p.surface();
        page.draw(&mut s, c);
        s.finish();
        p.finish();
    }
    doc.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .language("zh-CN".into()),
    );
    doc.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> Font {
        let path = Font::find_system()
            .expect("a free CJK font (apt-get install fonts-wqy-microhei; see README)");
        Font::load(&path).expect("the font loads")
    }

    fn sample(stamp: Option<String>) -> Certificate {
        let dark: Vec<bool> = (0..29 * 29).map(|i| i % 3 == 0).collect();
        Certificate {
            title: "培训合格证明".into(),
            statement: "张*丰 于 2026年11月1日 至 2026年11月30日 参加 2026年第1期电工培训班，完成 电工（五级） 培训 80 学时，经考核合格，特发此证明。".into(),
            fields: vec![("证书编号".into(), "JN2026-ABCD-EFGH-JKMN-PQRS".into())],
            qr: Some(QrModules { width: 29, dark }),
            qr_caption: "扫码查验真伪".into(),
            seal_name: "贵阳市职业技能培训学校".into(),
            seal_label: "证书专用章".into(),
            sign_lines: vec!["贵阳市职业技能培训学校".into(), "2026年12月6日".into()],
            stamp,
            seal_image: None,
        }
    }

    /// A 240×240 RGBA seal of noisy red pixels (so it does not compress to nothing).
    fn seal_png() -> Vec<u8> {
        let mut px = Vec::with_capacity(240 * 240 * 4);
        let mut x: u32 = 12345;
        for _ in 0..240 * 240 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            px.extend_from_slice(&[200, (x >> 24) as u8 & 0x3f, 30, (x >> 16) as u8]);
        }
        let mut out = Vec::new();
        {
            let mut e = png::Encoder::new(&mut out, 240, 240);
            e.set_color(png::ColorType::Rgba);
            e.set_depth(png::BitDepth::Eight);
            let mut w = e.write_header().unwrap();
            w.write_image_data(&px).unwrap();
        }
        out
    }

    #[test]
    fn an_uploaded_seal_is_placed_once_for_a_whole_batch() {
        let f = font();
        let png = std::sync::Arc::new(seal_png());
        assert!(crate::seal::check(&png).is_ok());
        let with = |n: usize, img: bool| {
            let pages: Vec<Certificate> = (0..n)
                .map(|_| Certificate {
                    seal_image: img.then(|| png.clone()),
                    ..sample(None)
                })
                .collect();
            render_certificates(&f, "证书", &pages).unwrap().len()
        };
        let one = with(1, true) - with(1, false);
        let ten = with(10, true) - with(10, false);
        assert!(one > 20_000, "the seal adds {one} bytes to one page");
        assert!(
            ten < one * 3 / 2,
            "ten pages add {ten} bytes, one page {one}"
        );
    }

    #[test]
    fn a_certificate_page_is_small_and_a_batch_has_a_page_each() {
        let f = font();
        let one = render_certificates(&f, "证书", &[sample(None)]).unwrap();
        assert!(one.starts_with(b"%PDF-"));
        assert!(one.len() < 200 * 1024, "{} bytes", one.len());
        let batch: Vec<Certificate> = (0..30).map(|_| sample(None)).collect();
        let many = render_certificates(&f, "证书", &batch).unwrap();
        // One font subset for the whole batch: far less than 30 single documents.
        assert!(
            many.len() > one.len() && many.len() < one.len() * 10,
            "{} bytes",
            many.len()
        );
        let revoked = render_certificates(&f, "证书", &[sample(Some("已撤销".into()))]).unwrap();
        assert_ne!(revoked, one);
    }

    #[test]
    fn too_many_certificates_are_refused() {
        let f = font();
        let batch: Vec<Certificate> = (0..=MAX_CERTIFICATES)
            .map(|_| Certificate::default())
            .collect();
        assert!(matches!(
            render_certificates(&f, "证书", &batch),
            Err(PdfError::TooLong)
        ));
    }
}
