//! Synthetic camera frames for tests and the bench: a QR code made with the `qrcode` crate,
//! drawn at any size and angle onto a noisy, unevenly lit background, then degraded the
//! ways real labels are (blur, glare, low contrast). Deterministic, no files needed (the few
//! tests that read real photos find them through `bench_data`).
#![allow(dead_code)]

pub mod bench_data;
pub mod conditions;

use bindery_scan::GrayImage;

/// The code's modules (true = dark), `n` x `n`, without quiet zone.
pub fn modules(text: &str) -> (usize, Vec<bool>) {
    let code = qrcode::QrCode::new(text.as_bytes()).expect("text fits a QR code");
    let n = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    (n, dark)
}

/// A small deterministic PRNG (xorshift) so fixtures are identical on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 32) as u32
    }
}

/// A background like a wall or desk: a brightness gradient plus sensor noise.
pub fn background(w: usize, h: usize, seed: u64) -> GrayImage {
    let mut rng = Rng::new(seed);
    let mut px = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let base = 110.0 + 60.0 * (x as f32 / w as f32) - 30.0 * (y as f32 / h as f32);
            let noise = (rng.next() % 17) as f32 - 8.0;
            px.push((base + noise).clamp(0.0, 255.0) as u8);
        }
    }
    GrayImage::new(w, h, px).unwrap()
}

/// Draws the code for `text` centred at (`cx`, `cy`), `module` pixels a module, turned by
/// `angle_deg`, with a 4-module quiet zone; 4x4 supersampled so small modules blend as a
/// camera would blend them.
#[allow(clippy::too_many_arguments)]
pub fn draw_code(
    img: &mut GrayImage,
    text: &str,
    cx: f32,
    cy: f32,
    module: f32,
    angle_deg: f32,
    dark: u8,
    light: u8,
) {
    let (n, bits) = modules(text);
    let total = (n + 8) as f32;
    let half = total * module / 2.0;
    let (s, c) = angle_deg.to_radians().sin_cos();
    let reach = half * std::f32::consts::SQRT_2 + 2.0;
    let (w, h) = (img.width(), img.height());
    let x0 = (cx - reach).max(0.0) as usize;
    let x1 = ((cx + reach) as usize).min(w);
    let y0 = (cy - reach).max(0.0) as usize;
    let y1 = ((cy + reach) as usize).min(h);
    let px = img.pixels_mut();
    for y in y0..y1 {
        for x in x0..x1 {
            let (mut inside, mut dark_hits) = (0, 0);
            for sy in 0..4 {
                for sx in 0..4 {
                    let dx = x as f32 + (sx as f32 + 0.5) / 4.0 - cx;
                    let dy = y as f32 + (sy as f32 + 0.5) / 4.0 - cy;
                    // Rotate back into the code's frame.
                    let u = (c * dx + s * dy + half) / module;
                    let v = (-s * dx + c * dy + half) / module;
                    if u < 0.0 || v < 0.0 || u >= total || v >= total {
                        continue;
                    }
                    inside += 1;
                    let (mu, mv) = (u as isize - 4, v as isize - 4);
                    if mu >= 0
                        && mv >= 0
                        && (mu as usize) < n
                        && (mv as usize) < n
                        && bits[mv as usize * n + mu as usize]
                    {
                        dark_hits += 1;
                    }
                }
            }
            if inside == 0 {
                continue;
            }
            let code_level = (dark_hits * dark as u32 + (inside - dark_hits) * light as u32) as f32
                / inside as f32;
            let old = px[y * w + x] as f32;
            let t = inside as f32 / 16.0;
            px[y * w + x] = (code_level * t + old * (1.0 - t)).round() as u8;
        }
    }
}

/// A white page with one code on it, `module` px a module, centred.
pub fn label(text: &str, module: f32) -> GrayImage {
    let (n, _) = modules(text);
    let side = ((n + 16) as f32 * module) as usize;
    let mut img = GrayImage::filled(side, side, 235);
    draw_code(
        &mut img,
        text,
        side as f32 / 2.0,
        side as f32 / 2.0,
        module,
        0.0,
        20,
        235,
    );
    img
}

/// Box blur of the given radius (applied twice, close to a Gaussian).
pub fn blur(img: &GrayImage, radius: usize) -> GrayImage {
    let mut cur = img.clone();
    for _ in 0..2 {
        cur = box_pass(&cur, radius, true);
        cur = box_pass(&cur, radius, false);
    }
    cur
}

fn box_pass(img: &GrayImage, r: usize, horizontal: bool) -> GrayImage {
    let (w, h) = (img.width(), img.height());
    let src = img.pixels();
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        for x in 0..w {
            let (mut sum, mut n) = (0u32, 0u32);
            let (lo, hi) = if horizontal {
                (x.saturating_sub(r), (x + r + 1).min(w))
            } else {
                (y.saturating_sub(r), (y + r + 1).min(h))
            };
            for i in lo..hi {
                sum += if horizontal {
                    src[y * w + i]
                } else {
                    src[i * w + x]
                } as u32;
                n += 1;
            }
            out[y * w + x] = (sum / n) as u8;
        }
    }
    GrayImage::new(w, h, out).unwrap()
}

/// A bright specular blob (glare on a glossy sticker) of `strength` levels at the centre.
pub fn glare(img: &mut GrayImage, cx: f32, cy: f32, radius: f32, strength: f32) {
    let w = img.width();
    for (i, p) in img.pixels_mut().iter_mut().enumerate() {
        let (x, y) = ((i % w) as f32, (i / w) as f32);
        let d2 = ((x - cx).powi(2) + (y - cy).powi(2)) / (radius * radius);
        let add = strength * (-d2).exp();
        *p = (*p as f32 + add).min(255.0) as u8;
    }
}

/// Squeezes the levels into `lo..=hi` (dim light, washed-out print).
pub fn squeeze(img: &mut GrayImage, lo: u8, hi: u8) {
    let span = (hi - lo) as u32;
    for p in img.pixels_mut() {
        *p = lo + ((*p as u32 * span) / 255) as u8;
    }
}

/// A camera-sized frame: background, one code (or none) covering about a third of the
/// height, slightly turned.
pub fn camera_frame(w: usize, h: usize, text: Option<&str>, seed: u64) -> GrayImage {
    let mut img = background(w, h, seed);
    if let Some(text) = text {
        let (n, _) = modules(text);
        let module = (h as f32 / 3.0) / (n + 8) as f32;
        draw_code(
            &mut img,
            text,
            w as f32 * 0.55,
            h as f32 * 0.45,
            module,
            8.0,
            30,
            220,
        );
    }
    img
}
