//! Hard camera frames made on demand: a generated Bindery label photographed the ways the
//! scanner issue says reading still fails — motion blur, defocus, a label wrapped round a
//! bottle or cable, glare on a glossy sticker, a hard shadow, scratches and a finger over
//! the code, heavy sensor noise, any rotation — plus frames holding no code at all.
//!
//! Nothing is committed as an image: every frame comes from a seed. The seeds are split in
//! two, a *tuning* part the pipeline may be adjusted against and a *checking* part it must
//! never be adjusted against, so the figures on the checking part say how the scanner does
//! on frames it never saw. The code-free frames are cluttered on purpose (finder-like
//! squares, module-like grids, text) because a wrong SN on Confirm is worse than no read.
#![allow(dead_code)]

use bindery_scan::GrayImage;

use super::{background, modules, Rng};

/// One way a photo of a label goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Condition {
    /// The phone (or the hand holding the device) moving during the exposure.
    MotionBlur,
    /// The lens focused in front of or behind the label.
    Defocus,
    /// A label on a curved surface: a bottle, a cable, a round device.
    Cylinder,
    /// A specular highlight on a glossy label, saturated at its core.
    Glare,
    /// A hard shadow edge across the code.
    Shadow,
    /// Scratches through the print and a finger or tape over part of the code.
    Damage,
    /// Dim light: low contrast under strong sensor noise.
    Noise,
    /// The label at any angle, slightly soft.
    Rotated,
}

impl Condition {
    /// Every condition, in the order the bench prints them.
    pub const ALL: [Condition; 8] = [
        Condition::MotionBlur,
        Condition::Defocus,
        Condition::Cylinder,
        Condition::Glare,
        Condition::Shadow,
        Condition::Damage,
        Condition::Noise,
        Condition::Rotated,
    ];

    /// A short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Condition::MotionBlur => "motion-blur",
            Condition::Defocus => "defocus",
            Condition::Cylinder => "cylinder",
            Condition::Glare => "glare",
            Condition::Shadow => "shadow",
            Condition::Damage => "damage",
            Condition::Noise => "noise",
            Condition::Rotated => "rotated",
        }
    }
}

/// Which half of the seeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// Frames the pipeline may be tuned on.
    Tuning,
    /// Frames kept apart: only ever measured.
    Checking,
}

impl Split {
    /// A short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Split::Tuning => "tuning",
            Split::Checking => "checking",
        }
    }

    /// The seeds of the split never overlap: the checking part starts a million away.
    fn seed(self, condition: Condition, i: usize) -> u64 {
        let base = match self {
            Split::Tuning => 0,
            Split::Checking => 1_000_000,
        };
        base + (condition as u64) * 10_000 + i as u64
    }
}

/// A generated frame and the text its code holds.
pub struct HardFrame {
    /// The condition it shows.
    pub condition: Condition,
    /// Its seed (to reproduce one frame).
    pub seed: u64,
    /// The exact text of the code in it.
    pub text: String,
    /// The frame itself.
    pub image: GrayImage,
}

/// `count` frames of `condition` from `split`, `w` x `h` pixels each.
pub fn hard_frames(
    condition: Condition,
    split: Split,
    count: usize,
    w: usize,
    h: usize,
) -> Vec<HardFrame> {
    (0..count)
        .map(|i| {
            let seed = split.seed(condition, i);
            let (text, image) = hard_frame(condition, seed, w, h);
            HardFrame {
                condition,
                seed,
                text,
                image,
            }
        })
        .collect()
}

const SN_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A Bindery v2 label text with a random SN and bind code (or, one time in four, a
/// Quectel v1 one), so no two frames hold the same code.
pub fn label_text(rng: &mut Rng) -> String {
    let mut pick = |n: usize| -> String {
        (0..n)
            .map(|_| SN_ALPHABET[rng.next() as usize % SN_ALPHABET.len()] as char)
            .collect()
    };
    let (sn, bc) = (pick(10), pick(10));
    if rng.next() % 4 == 0 {
        format!("pk=p1a2b3&sn={sn}&v=1")
    } else {
        format!("pk=p1a2b3&sn={sn}&v=2&bc={bc}")
    }
}

/// A uniform number in `lo..hi`.
fn uniform(rng: &mut Rng, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * (rng.next() as f32 / u32::MAX as f32)
}

/// Roughly normal noise of standard deviation `sigma` (a sum of three uniforms).
fn gauss(rng: &mut Rng, sigma: f32) -> f32 {
    let s: f32 = (0..3).map(|_| uniform(rng, -1.0, 1.0)).sum();
    s * sigma
}

/// Where the label sits and how it is turned and bent.
struct Placement {
    cx: f32,
    cy: f32,
    module: f32,
    angle: f32,
    /// Cylinder radius in pixels (the label wraps round an axis along its columns).
    radius: Option<f32>,
    dark: f32,
    light: f32,
}

/// The frame for `condition` and `seed`, and its code's text.
pub fn hard_frame(condition: Condition, seed: u64, w: usize, h: usize) -> (String, GrayImage) {
    let mut rng = Rng::new(seed ^ 0x5EED);
    let text = label_text(&mut rng);
    let (n, _) = modules(&text);
    let total = (n + 8) as f32;
    let scale = h as f32 / 720.0;
    let module = uniform(&mut rng, 3.0, 6.5) * scale;
    let side = total * module;
    let angle = match condition {
        Condition::Rotated => uniform(&mut rng, 0.0, 360.0),
        _ => uniform(&mut rng, -20.0, 20.0),
    };
    let margin = side * 0.75;
    let place = Placement {
        cx: uniform(&mut rng, margin, (w as f32 - margin).max(margin + 1.0)),
        cy: uniform(&mut rng, margin, (h as f32 - margin).max(margin + 1.0)),
        module,
        angle,
        radius: (condition == Condition::Cylinder).then(|| side * uniform(&mut rng, 0.55, 0.9)),
        dark: uniform(&mut rng, 15.0, 60.0),
        light: uniform(&mut rng, 170.0, 240.0),
    };
    let mut img = background(w, h, seed);
    let bbox = draw_label(&mut img, &text, &place);
    let code_r = side / 2.0;
    match condition {
        Condition::MotionBlur => {
            let len = uniform(&mut rng, 0.8, 2.2) * module;
            let dir = uniform(&mut rng, 0.0, std::f32::consts::PI);
            img = motion_blur(&img, bbox, len, dir);
        }
        Condition::Defocus => {
            let r = uniform(&mut rng, 0.5, 1.1) * module;
            img = defocus(&img, bbox, r);
        }
        Condition::Cylinder => {}
        Condition::Glare => {
            let gx = place.cx + uniform(&mut rng, -0.5, 0.5) * code_r;
            let gy = place.cy + uniform(&mut rng, -0.5, 0.5) * code_r;
            let rx = uniform(&mut rng, 0.15, 0.4) * code_r;
            let ry = uniform(&mut rng, 0.1, 0.3) * code_r;
            let tilt = uniform(&mut rng, 0.0, std::f32::consts::PI);
            specular(
                &mut img,
                (gx, gy),
                (rx, ry),
                tilt,
                uniform(&mut rng, 1.2, 3.0),
            );
        }
        Condition::Shadow => {
            let px = place.cx + uniform(&mut rng, -0.4, 0.4) * code_r;
            let py = place.cy + uniform(&mut rng, -0.4, 0.4) * code_r;
            let dir = uniform(&mut rng, 0.0, std::f32::consts::TAU);
            let factor = uniform(&mut rng, 0.25, 0.5);
            let soft = uniform(&mut rng, 0.5, 3.0);
            hard_shadow(&mut img, (px, py), dir, factor, soft);
        }
        Condition::Damage => {
            let scratches = 2 + rng.next() as usize % 3;
            for _ in 0..scratches {
                let a = (
                    place.cx + uniform(&mut rng, -1.0, 1.0) * code_r,
                    place.cy + uniform(&mut rng, -1.0, 1.0) * code_r,
                );
                let b = (
                    place.cx + uniform(&mut rng, -1.0, 1.0) * code_r,
                    place.cy + uniform(&mut rng, -1.0, 1.0) * code_r,
                );
                let width = uniform(&mut rng, 0.3, 0.7) * module;
                let level = if rng.next() % 2 == 0 {
                    place.light
                } else {
                    place.dark
                };
                segment(&mut img, a, b, width, level);
            }
            // A fingertip or a strip of tape over an edge of the code.
            let edge = rng.next() % 4;
            let (ox, oy) = match edge {
                0 => (-1.0, 0.0),
                1 => (1.0, 0.0),
                2 => (0.0, -1.0),
                _ => (0.0, 1.0),
            };
            let along = uniform(&mut rng, -0.5, 0.5);
            let centre = (
                place.cx + (ox * 0.95 + oy * along) * code_r,
                place.cy + (oy * 0.95 + ox * along) * code_r,
            );
            let r = uniform(&mut rng, 0.15, 0.25) * side;
            let level = uniform(&mut rng, 60.0, 200.0);
            disc(&mut img, centre, r, level);
        }
        Condition::Noise => {}
        Condition::Rotated => {
            img = defocus(&img, bbox, 0.35 * module);
        }
    }
    // Sensor noise everywhere; dim light squeezes the levels first.
    let (gain, offset, sigma) = match condition {
        Condition::Noise => (
            uniform(&mut rng, 0.2, 0.4),
            uniform(&mut rng, 5.0, 30.0),
            uniform(&mut rng, 9.0, 16.0),
        ),
        _ => (1.0, 0.0, uniform(&mut rng, 2.0, 5.0)),
    };
    for p in img.pixels_mut() {
        let v = *p as f32 * gain + offset + gauss(&mut rng, sigma);
        *p = v.round().clamp(0.0, 255.0) as u8;
    }
    (text, img)
}

/// Pixel bounds (x0, y0, x1, y1) of what changed.
type Bbox = (usize, usize, usize, usize);

/// Draws the label (code, quiet zone and a rim of paper) 3x3 supersampled; returns the
/// area it covers.
fn draw_label(img: &mut GrayImage, text: &str, p: &Placement) -> Bbox {
    let (n, bits) = modules(text);
    let total = (n + 8) as f32;
    let paper = total + 4.0; // modules of paper, quiet zone included
    let half_paper = paper * p.module / 2.0;
    let (s, c) = p.angle.to_radians().sin_cos();
    let reach = half_paper * std::f32::consts::SQRT_2 + 2.0;
    let (w, h) = (img.width(), img.height());
    let x0 = (p.cx - reach).max(0.0) as usize;
    let x1 = ((p.cx + reach).max(0.0) as usize).min(w);
    let y0 = (p.cy - reach).max(0.0) as usize;
    let y1 = ((p.cy + reach).max(0.0) as usize).min(h);
    let px = img.pixels_mut();
    const SS: usize = 3;
    for y in y0..y1 {
        for x in x0..x1 {
            let (mut inside, mut level) = (0usize, 0.0f32);
            for sy in 0..SS {
                for sx in 0..SS {
                    let dx = x as f32 + (sx as f32 + 0.5) / SS as f32 - p.cx;
                    let dy = y as f32 + (sy as f32 + 0.5) / SS as f32 - p.cy;
                    // Back into the label's frame: unturn, then unwrap the cylinder.
                    let mut a = c * dx + s * dy;
                    let b = -s * dx + c * dy;
                    let mut shade = 1.0;
                    if let Some(r) = p.radius {
                        if a.abs() >= r {
                            continue;
                        }
                        let theta = (a / r).asin();
                        a = theta * r;
                        // Light from the camera: the surface darkens as it turns away.
                        shade = 0.45 + 0.55 * theta.cos();
                    }
                    let u = a / p.module + paper / 2.0 - 2.0;
                    let v = b / p.module + paper / 2.0 - 2.0;
                    if u < -2.0 || v < -2.0 || u >= total + 2.0 || v >= total + 2.0 {
                        continue;
                    }
                    inside += 1;
                    let (mu, mv) = (u.floor() as isize - 4, v.floor() as isize - 4);
                    let dark = mu >= 0
                        && mv >= 0
                        && (mu as usize) < n
                        && (mv as usize) < n
                        && bits[mv as usize * n + mu as usize];
                    level += shade * if dark { p.dark } else { p.light };
                }
            }
            if inside == 0 {
                continue;
            }
            let t = inside as f32 / (SS * SS) as f32;
            let old = px[y * w + x] as f32;
            px[y * w + x] = (level / inside as f32 * t + old * (1.0 - t)).round() as u8;
        }
    }
    (x0, y0, x1, y1)
}

fn grow(b: Bbox, by: f32, w: usize, h: usize) -> Bbox {
    let by = by.ceil() as usize + 1;
    (
        b.0.saturating_sub(by),
        b.1.saturating_sub(by),
        (b.2 + by).min(w),
        (b.3 + by).min(h),
    )
}

fn bilinear(img: &GrayImage, x: f32, y: f32) -> f32 {
    let (w, h) = (img.width(), img.height());
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let px = img.pixels();
    let top = px[y0 * w + x0] as f32 * (1.0 - fx) + px[y0 * w + x1] as f32 * fx;
    let bottom = px[y1 * w + x0] as f32 * (1.0 - fx) + px[y1 * w + x1] as f32 * fx;
    top * (1.0 - fy) + bottom * fy
}

/// A straight-line exposure smear of `len` pixels in direction `dir` (radians).
fn motion_blur(img: &GrayImage, bbox: Bbox, len: f32, dir: f32) -> GrayImage {
    let (w, h) = (img.width(), img.height());
    let (x0, y0, x1, y1) = grow(bbox, len, w, h);
    let steps = (len.ceil() as usize).max(2);
    let (dx, dy) = (dir.cos(), dir.sin());
    let mut out = img.clone();
    let px = out.pixels_mut();
    for y in y0..y1 {
        for x in x0..x1 {
            let mut sum = 0.0;
            for i in 0..=steps {
                let t = (i as f32 / steps as f32 - 0.5) * len;
                sum += bilinear(img, x as f32 + t * dx, y as f32 + t * dy);
            }
            px[y * w + x] = (sum / (steps + 1) as f32).round() as u8;
        }
    }
    out
}

/// An out-of-focus disc of radius `r` pixels.
fn defocus(img: &GrayImage, bbox: Bbox, r: f32) -> GrayImage {
    let (w, h) = (img.width(), img.height());
    let (x0, y0, x1, y1) = grow(bbox, r, w, h);
    let ri = r.ceil() as isize;
    let taps: Vec<(isize, isize)> = (-ri..=ri)
        .flat_map(|dy| (-ri..=ri).map(move |dx| (dx, dy)))
        .filter(|&(dx, dy)| ((dx * dx + dy * dy) as f32) <= r * r + 0.5)
        .collect();
    let src = img.pixels();
    let mut out = img.clone();
    let px = out.pixels_mut();
    for y in y0..y1 {
        for x in x0..x1 {
            let mut sum = 0u32;
            for &(dx, dy) in &taps {
                let sx = (x as isize + dx).clamp(0, w as isize - 1) as usize;
                let sy = (y as isize + dy).clamp(0, h as isize - 1) as usize;
                sum += src[sy * w + sx] as u32;
            }
            px[y * w + x] = (sum as f32 / taps.len() as f32).round() as u8;
        }
    }
    out
}

/// A highlight centred at `c` with radii `r` turned by `tilt`: pixels are pulled towards
/// white by `strength` × a Gaussian, so the core saturates like a reflected lamp.
fn specular(img: &mut GrayImage, c: (f32, f32), r: (f32, f32), tilt: f32, strength: f32) {
    let w = img.width();
    let (s, co) = tilt.sin_cos();
    for (i, p) in img.pixels_mut().iter_mut().enumerate() {
        let (dx, dy) = ((i % w) as f32 - c.0, (i / w) as f32 - c.1);
        let (a, b) = (co * dx + s * dy, -s * dx + co * dy);
        let d2 = (a / r.0).powi(2) + (b / r.1).powi(2);
        if d2 > 9.0 {
            continue;
        }
        let pull = (strength * (-d2).exp()).min(1.0);
        *p = (*p as f32 + (255.0 - *p as f32) * pull).round() as u8;
    }
}

/// Everything on one side of the line through `at` (normal `dir`) darkened to `factor`,
/// over an edge `soft` pixels wide.
fn hard_shadow(img: &mut GrayImage, at: (f32, f32), dir: f32, factor: f32, soft: f32) {
    let w = img.width();
    let (nx, ny) = (dir.cos(), dir.sin());
    for (i, p) in img.pixels_mut().iter_mut().enumerate() {
        let d = ((i % w) as f32 - at.0) * nx + ((i / w) as f32 - at.1) * ny;
        let t = ((d / soft) * 0.5 + 0.5).clamp(0.0, 1.0);
        let k = 1.0 - (1.0 - factor) * t;
        *p = (*p as f32 * k).round() as u8;
    }
}

/// A line from `a` to `b`, `width` pixels wide, at `level`.
fn segment(img: &mut GrayImage, a: (f32, f32), b: (f32, f32), width: f32, level: f32) {
    let (w, h) = (img.width(), img.height());
    let (vx, vy) = (b.0 - a.0, b.1 - a.1);
    let len2 = (vx * vx + vy * vy).max(1e-3);
    let x0 = (a.0.min(b.0) - width).max(0.0) as usize;
    let x1 = ((a.0.max(b.0) + width).max(0.0) as usize + 1).min(w);
    let y0 = (a.1.min(b.1) - width).max(0.0) as usize;
    let y1 = ((a.1.max(b.1) + width).max(0.0) as usize + 1).min(h);
    let px = img.pixels_mut();
    for y in y0..y1 {
        for x in x0..x1 {
            let (dx, dy) = (x as f32 - a.0, y as f32 - a.1);
            let t = ((dx * vx + dy * vy) / len2).clamp(0.0, 1.0);
            let d = ((dx - t * vx).powi(2) + (dy - t * vy).powi(2)).sqrt();
            let cover = (width / 2.0 + 0.5 - d).clamp(0.0, 1.0);
            if cover > 0.0 {
                let old = px[y * w + x] as f32;
                px[y * w + x] = (old + (level - old) * cover).round() as u8;
            }
        }
    }
}

/// A filled disc (a fingertip, a blob of tape).
fn disc(img: &mut GrayImage, c: (f32, f32), r: f32, level: f32) {
    segment(img, c, (c.0 + 0.01, c.1), 2.0 * r, level);
}

/// A frame holding no code but plenty that looks like parts of one: finder-like nested
/// squares, grids of random modules, lines of text-like marks, stripes and boxes.
pub fn code_free_frame(w: usize, h: usize, seed: u64) -> GrayImage {
    let mut rng = Rng::new(seed ^ 0xC0DE_F4EE);
    let mut img = background(w, h, seed);
    let things = 6 + rng.next() as usize % 6;
    for _ in 0..things {
        let cx = uniform(&mut rng, 0.0, w as f32);
        let cy = uniform(&mut rng, 0.0, h as f32);
        let unit = uniform(&mut rng, 2.0, 9.0);
        let dark = uniform(&mut rng, 10.0, 80.0);
        let light = uniform(&mut rng, 160.0, 245.0);
        match rng.next() % 5 {
            // A lone finder pattern (1:1:3:1:1), or two: what a detector keys on.
            0 => {
                for (ring, level) in [(3.5, dark), (2.5, light), (1.5, dark)] {
                    square(&mut img, (cx, cy), ring * unit, level);
                }
            }
            // A patch of random modules (a QR without its fixed patterns).
            1 => {
                let cells = 10 + rng.next() as usize % 20;
                for j in 0..cells {
                    for i in 0..cells {
                        let level = if rng.next() % 2 == 0 { dark } else { light };
                        let x = cx + i as f32 * unit;
                        let y = cy + j as f32 * unit;
                        square(
                            &mut img,
                            (x + unit / 2.0, y + unit / 2.0),
                            unit / 2.0,
                            level,
                        );
                    }
                }
            }
            // Lines of text-like marks.
            2 => {
                for line in 0..4 {
                    let mut x = cx;
                    let y = cy + line as f32 * unit * 3.0;
                    for _ in 0..20 {
                        let len = uniform(&mut rng, 0.5, 2.0) * unit;
                        segment(&mut img, (x, y), (x, y + 2.0 * unit), len, dark);
                        x += len + unit;
                    }
                }
            }
            // Stripes (a barcode-like or fabric pattern).
            3 => {
                for i in 0..20 {
                    let x = cx + i as f32 * unit * 2.0;
                    segment(&mut img, (x, cy), (x, cy + 20.0 * unit), unit, dark);
                }
            }
            // A plain box with a border.
            _ => {
                square(&mut img, (cx, cy), 6.0 * unit, dark);
                square(&mut img, (cx, cy), 5.0 * unit, light);
            }
        }
    }
    for p in img.pixels_mut() {
        let v = *p as f32 + gauss(&mut rng, 3.0);
        *p = v.round().clamp(0.0, 255.0) as u8;
    }
    img
}

/// An axis-aligned filled square of half-side `half` centred at `c`.
fn square(img: &mut GrayImage, c: (f32, f32), half: f32, level: f32) {
    let (w, h) = (img.width(), img.height());
    let x0 = (c.0 - half).max(0.0) as usize;
    let x1 = ((c.0 + half).max(0.0) as usize).min(w);
    let y0 = (c.1 - half).max(0.0) as usize;
    let y1 = ((c.1 + half).max(0.0) as usize).min(h);
    let px = img.pixels_mut();
    for y in y0..y1 {
        for x in x0..x1 {
            px[y * w + x] = level.round() as u8;
        }
    }
}

/// A 12 MP photo of a sheet of labels (a tray of devices, a printed roll): `rows` x `cols`
/// codes, each slightly turned, on a noisy background; returns their texts too.
pub fn label_sheet(seed: u64, rows: usize, cols: usize) -> (Vec<String>, GrayImage) {
    let (w, h) = (4000, 3000);
    let mut rng = Rng::new(seed ^ 0x5EE7);
    let mut img = background(w, h, seed);
    let mut texts = Vec::new();
    let (cell_w, cell_h) = (w as f32 / cols as f32, h as f32 / rows as f32);
    for r in 0..rows {
        for c in 0..cols {
            let text = label_text(&mut rng);
            let (n, _) = modules(&text);
            let fit = cell_w.min(cell_h) * 0.8 / (n + 12) as f32;
            let place = Placement {
                cx: (c as f32 + 0.5) * cell_w + uniform(&mut rng, -0.05, 0.05) * cell_w,
                cy: (r as f32 + 0.5) * cell_h + uniform(&mut rng, -0.05, 0.05) * cell_h,
                module: fit * uniform(&mut rng, 0.6, 1.0),
                angle: uniform(&mut rng, -15.0, 15.0),
                radius: None,
                dark: uniform(&mut rng, 15.0, 50.0),
                light: uniform(&mut rng, 180.0, 240.0),
            };
            draw_label(&mut img, &text, &place);
            texts.push(text);
        }
    }
    for p in img.pixels_mut() {
        let v = *p as f32 + gauss(&mut rng, 4.0);
        *p = v.round().clamp(0.0, 255.0) as u8;
    }
    (texts, img)
}
