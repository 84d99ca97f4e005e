//! An issuer's seal as an uploaded image: a PNG with a transparent background, checked
//! in full before it is kept, so a certificate never fails to print because of it.

use std::io::Cursor;

/// Largest seal file accepted, in bytes.
pub const MAX_SEAL_BYTES: usize = 512 * 1024;
/// Sides of a seal image, in pixels.
pub const MIN_SEAL_SIDE: u32 = 100;
pub const MAX_SEAL_SIDE: u32 = 1200;
/// Memory the decoder may use (a 1200×1200 RGBA image at 16 bits is 11.5 MB).
const DECODE_LIMIT: usize = 16 * 1024 * 1024;

/// Why an uploaded seal image is refused, in words for the person who uploaded it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("请选择印章图片")]
    Empty,
    #[error("印章图片不能超过512KB")]
    TooLarge,
    #[error("印章图片须为 PNG 格式，且文件完整")]
    NotPng,
    #[error("印章图片的边长须在100至1200像素之间")]
    Size,
    #[error("印章图片须为透明背景的 PNG（带透明通道），以免盖住证书文字")]
    Opaque,
    #[error("印章图片几乎全透明，看不到印章内容")]
    Invisible,
}

/// At least this share of the pixels must be see-through (the background) …
const MIN_CLEAR: f64 = 0.10;
/// … and at least this share visible (the seal).
const MIN_INKED: f64 = 0.01;

/// A seal image that passed [`check`]: its PNG bytes and size in pixels.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SealImage {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Read an uploaded seal: a whole, decodable PNG within the size limits whose pixels are
/// partly see-through (a background) and partly not (the seal): an alpha channel or a
/// transparent palette colour alone does not make a background.
pub fn check(bytes: &[u8]) -> Result<SealImage, SealError> {
    if bytes.is_empty() {
        return Err(SealError::Empty);
    }
    if bytes.len() > MAX_SEAL_BYTES {
        return Err(SealError::TooLarge);
    }
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: DECODE_LIMIT,
        },
    );
    // A palette's transparent colours (tRNS) become an alpha channel.
    decoder.set_transformations(png::Transformations::EXPAND);
    let (width, height) = {
        let info = decoder.read_header_info().map_err(|_| SealError::NotPng)?;
        (info.width, info.height)
    };
    let side = MIN_SEAL_SIDE..=MAX_SEAL_SIDE;
    if !side.contains(&width) || !side.contains(&height) {
        return Err(SealError::Size);
    }
    // Decode every row now: a truncated or corrupt file is refused here, not when a
    // certificate is printed.
    let mut reader = decoder.read_info().map_err(|_| SealError::NotPng)?;
    let (color, depth) = reader.output_color_type();
    let channels = match color {
        png::ColorType::Rgba => 4,
        png::ColorType::GrayscaleAlpha => 2,
        _ => return Err(SealError::Opaque),
    };
    let mut buf = vec![0; reader.output_buffer_size().ok_or(SealError::Size)?];
    reader.next_frame(&mut buf).map_err(|_| SealError::NotPng)?;
    // The alpha sample is the last of each pixel (its high byte first at 16 bits).
    let sample = if depth == png::BitDepth::Sixteen {
        2
    } else {
        1
    };
    let step = channels * sample;
    let (mut clear, mut inked) = (0usize, 0usize);
    for px in buf.chunks_exact(step) {
        if px[step - sample] < 128 {
            clear += 1;
        } else {
            inked += 1;
        }
    }
    let all = (clear + inked).max(1) as f64;
    if (clear as f64) < all * MIN_CLEAR {
        return Err(SealError::Opaque);
    }
    if (inked as f64) < all * MIN_INKED {
        return Err(SealError::Invisible);
    }
    Ok(SealImage {
        png: bytes.to_vec(),
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_of(w: u32, h: u32, color: png::ColorType) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut e = png::Encoder::new(&mut out, w, h);
            e.set_color(color);
            e.set_depth(png::BitDepth::Eight);
            let mut wr = e.write_header().unwrap();
            let n = match color {
                png::ColorType::Rgba => 4,
                png::ColorType::Rgb => 3,
                png::ColorType::GrayscaleAlpha => 2,
                _ => 1,
            };
            // The top half see-through (all samples 0), the bottom half inked.
            let len = (w * h * n) as usize;
            let px: Vec<u8> = (0..len)
                .map(|i| if i < len / 2 { 0 } else { 200 })
                .collect();
            wr.write_image_data(&px).unwrap();
        }
        out
    }

    #[test]
    fn a_transparent_png_of_a_fair_size_is_kept() {
        let ok = png_of(300, 300, png::ColorType::Rgba);
        let s = check(&ok).unwrap();
        assert_eq!((s.width, s.height), (300, 300));
        assert!(check(&png_of(120, 200, png::ColorType::GrayscaleAlpha)).is_ok());
    }

    /// A `side`×`side` RGBA image whose left `clear_cols` columns are transparent.
    fn rgba_with_clear_columns(side: u32, clear_cols: u32) -> Vec<u8> {
        let mut px = Vec::new();
        for _ in 0..side {
            for x in 0..side {
                px.extend_from_slice(&[200, 30, 30, if x < clear_cols { 0 } else { 255 }]);
            }
        }
        let mut out = Vec::new();
        {
            let mut e = png::Encoder::new(&mut out, side, side);
            e.set_color(png::ColorType::Rgba);
            e.set_depth(png::BitDepth::Eight);
            e.write_header().unwrap().write_image_data(&px).unwrap();
        }
        out
    }

    #[test]
    fn a_background_must_show_through_and_the_seal_must_show() {
        assert_eq!(
            check(&rgba_with_clear_columns(200, 0)),
            Err(SealError::Opaque)
        );
        assert_eq!(
            check(&rgba_with_clear_columns(200, 200)),
            Err(SealError::Invisible)
        );
        assert!(check(&rgba_with_clear_columns(200, 100)).is_ok());
        // A palette image with a transparent colour (tRNS) counts like an alpha channel.
        let mut out = Vec::new();
        {
            let mut e = png::Encoder::new(&mut out, 120, 120);
            e.set_color(png::ColorType::Indexed);
            e.set_depth(png::BitDepth::Eight);
            e.set_palette(vec![255, 255, 255, 200, 30, 30]);
            e.set_trns(vec![0, 255]);
            let idx: Vec<u8> = (0..120 * 120).map(|i| u8::from(i % 120 >= 60)).collect();
            e.write_header().unwrap().write_image_data(&idx).unwrap();
        }
        assert!(check(&out).is_ok(), "{:?}", check(&out));
    }

    #[test]
    fn everything_else_is_refused_with_its_reason() {
        assert_eq!(check(b""), Err(SealError::Empty));
        assert_eq!(check(b"\xff\xd8\xff\xe0 a jpeg"), Err(SealError::NotPng));
        assert_eq!(
            check(&png_of(300, 300, png::ColorType::Rgb)),
            Err(SealError::Opaque)
        );
        assert_eq!(
            check(&png_of(50, 300, png::ColorType::Rgba)),
            Err(SealError::Size)
        );
        assert_eq!(
            check(&png_of(1300, 200, png::ColorType::Rgba)),
            Err(SealError::Size)
        );
        // Cut short: the header reads, the rows do not.
        let whole = png_of(300, 300, png::ColorType::Rgba);
        assert_eq!(check(&whole[..whole.len() / 2]), Err(SealError::NotPng));
        assert_eq!(
            check(&vec![0u8; MAX_SEAL_BYTES + 1]),
            Err(SealError::TooLarge)
        );
    }
}
