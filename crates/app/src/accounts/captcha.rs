//! A CAPTCHA-style challenge (图形验证码) that sign-in asks for once a subject or an
//! address has failed a few times: four digits drawn as a distorted SVG picture. The
//! challenge travels as a signed token (expiry, nonce, and a MAC over them and the
//! answer under a key derived from the blind-index key), so any node can check it without
//! storing it; a nonce is accepted once (remembered in the rate-limit store until the
//! token expires).

use crate::App;
use crate::error::{AppError, AppResult};
use rand::Rng;
use subtle::ConstantTimeEq;

/// How long a challenge may be answered.
const TTL_SECONDS: i64 = 300;

/// A challenge to show: the token for the form and the picture.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub token: String,
    /// An SVG image of the digits, for an `<img src="data:…">` or inline use.
    pub svg: String,
}

impl App {
    fn captcha_mac(&self, expires: i64, nonce: &str, answer: &str) -> String {
        self.keyring.blind_index(
            crate::crypto::pii::PiiKind::Challenge,
            &format!("{expires}|{nonce}|{answer}"),
        )
    }

    /// A new challenge.
    pub fn captcha(&self) -> Challenge {
        let mut rng = rand::rngs::OsRng;
        let answer: String = (0..4)
            .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
            .collect();
        let nonce = crate::crypto::random_token()[..16].to_string();
        let expires = self.now().timestamp() + TTL_SECONDS;
        let mac = self.captcha_mac(expires, &nonce, &answer);
        Challenge {
            token: format!("{expires}.{nonce}.{mac}"),
            svg: draw(&answer, &mut rng),
        }
    }

    /// A challenge and its answer, for tests that must sign in past the point where one
    /// is asked.
    #[cfg(feature = "test-support")]
    pub fn captcha_solved(&self) -> (String, String) {
        let answer = "4711".to_string();
        let nonce = crate::crypto::random_token()[..16].to_string();
        let expires = self.now().timestamp() + TTL_SECONDS;
        let mac = self.captcha_mac(expires, &nonce, &answer);
        (format!("{expires}.{nonce}.{mac}"), answer)
    }

    /// Check an answer to a challenge; each challenge is good for one try.
    pub(crate) async fn check_captcha(&self, token: &str, answer: &str) -> AppResult<()> {
        let wrong = || AppError::field("captcha", "图形验证码不正确，请重新输入");
        let mut parts = token.trim().splitn(3, '.');
        let (Some(exp), Some(nonce), Some(mac)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(wrong());
        };
        let expires: i64 = exp.parse().map_err(|_| wrong())?;
        if expires < self.now().timestamp() {
            return Err(AppError::field(
                "captcha",
                "图形验证码已过期，请看清新图后输入",
            ));
        }
        let expected = self.captcha_mac(expires, nonce, answer.trim());
        // Used up whether right or wrong: one guess per picture.
        let uses = self
            .limiter
            .hit(
                &format!("captcha-used:{nonce}"),
                std::time::Duration::from_secs(TTL_SECONDS as u64 + 60),
            )
            .await
            .map(|c| c.hits)
            .unwrap_or(1);
        if uses > 1 || !bool::from(expected.as_bytes().ct_eq(mac.as_bytes())) {
            return Err(wrong());
        }
        Ok(())
    }
}

/// Strokes of each digit on a 10 × 16 grid. Digits are drawn as paths, not text, so the
/// picture does not carry its answer in the clear.
const STROKES: [&[&[(i32, i32)]]; 10] = [
    &[
        &[
            (2, 1),
            (8, 1),
            (9, 3),
            (9, 13),
            (8, 15),
            (2, 15),
            (1, 13),
            (1, 3),
            (2, 1),
        ],
        &[(9, 2), (1, 14)],
    ],
    &[&[(3, 4), (5, 1), (5, 15)], &[(2, 15), (8, 15)]],
    &[&[(1, 3), (3, 1), (8, 1), (9, 3), (9, 6), (1, 15), (9, 15)]],
    &[&[(1, 1), (9, 1), (5, 7), (9, 10), (9, 14), (7, 15), (1, 15)]],
    &[&[(7, 15), (7, 1), (1, 11), (9, 11)]],
    &[&[
        (9, 1),
        (1, 1),
        (1, 7),
        (7, 7),
        (9, 9),
        (9, 13),
        (7, 15),
        (1, 15),
    ]],
    &[&[
        (8, 1),
        (3, 1),
        (1, 4),
        (1, 13),
        (3, 15),
        (7, 15),
        (9, 13),
        (9, 9),
        (7, 7),
        (1, 7),
    ]],
    &[&[(1, 1), (9, 1), (4, 15)]],
    &[&[
        (3, 7),
        (1, 5),
        (1, 3),
        (3, 1),
        (7, 1),
        (9, 3),
        (9, 5),
        (7, 7),
        (3, 7),
        (1, 9),
        (1, 13),
        (3, 15),
        (7, 15),
        (9, 13),
        (9, 9),
        (7, 7),
    ]],
    &[&[
        (9, 7),
        (3, 7),
        (1, 5),
        (1, 3),
        (3, 1),
        (7, 1),
        (9, 3),
        (9, 13),
        (7, 15),
        (2, 15),
    ]],
];

/// Four digits, each jittered, rotated and scaled at random, over noise lines and dots.
fn draw(answer: &str, rng: &mut impl Rng) -> String {
    let (w, h) = (140, 48);
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="图形验证码"><rect width="100%" height="100%" fill="#f4f6fa"/>"##
    );
    for _ in 0..6 {
        svg.push_str(&format!(
            r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#{:06x}" stroke-width="{}"/>"##,
            rng.gen_range(0..w),
            rng.gen_range(0..h),
            rng.gen_range(0..w),
            rng.gen_range(0..h),
            rng.gen_range(0x404040..0xa0a0a0u32),
            rng.gen_range(1..3)
        ));
    }
    for (i, c) in answer.chars().enumerate() {
        let Some(strokes) = c.to_digit(10).and_then(|d| STROKES.get(d as usize)) else {
            continue;
        };
        let scale: f64 = rng.gen_range(1.7..2.3);
        let angle: f64 = rng.gen_range(-0.45..0.45);
        let (ox, oy) = (
            14.0 + i as f64 * 30.0 + rng.gen_range(-3.0..3.0),
            8.0 + rng.gen_range(-4.0..4.0),
        );
        let color = rng.gen_range(0x101040..0x303080u32);
        for stroke in strokes.iter() {
            let mut d = String::new();
            for (k, (gx, gy)) in stroke.iter().enumerate() {
                let (x, y) = (
                    (*gx as f64 + rng.gen_range(-0.6..0.6) - 5.0) * scale,
                    (*gy as f64 + rng.gen_range(-0.6..0.6) - 8.0) * scale * 0.95,
                );
                let (rx, ry) = (
                    x * angle.cos() - y * angle.sin() + ox + 5.0 * scale,
                    x * angle.sin() + y * angle.cos() + oy + 8.0 * scale * 0.95,
                );
                d.push_str(&format!(
                    "{}{rx:.1} {ry:.1}",
                    if k == 0 { "M" } else { " L" }
                ));
            }
            svg.push_str(&format!(
                r##"<path d="{d}" fill="none" stroke="#{color:06x}" stroke-width="{:.1}" stroke-linecap="round" stroke-linejoin="round"/>"##,
                rng.gen_range(2.2..3.2)
            ));
        }
    }
    for _ in 0..30 {
        svg.push_str(&format!(
            r##"<circle cx="{}" cy="{}" r="1" fill="#{:06x}"/>"##,
            rng.gen_range(0..w),
            rng.gen_range(0..h),
            rng.gen_range(0x606060..0xc0c0c0u32)
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_draw_the_digits_without_writing_them() {
        let svg = draw("4071", &mut rand::rngs::OsRng);
        // Strokes of 4, 0 (two), 7 and 1 (two): six paths, and no text to read.
        assert_eq!(svg.matches("<path").count(), 6);
        assert!(!svg.contains("<text") && !svg.contains("4071"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("script"));
    }
}
