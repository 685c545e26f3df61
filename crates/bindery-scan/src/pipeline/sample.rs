//! Our own module sampling, for codes an engine located but could not read.
//!
//! rqrr finds the grid of many blurred or strongly slanted codes and then fails on data
//! errors: its perspective comes from the finder corners of a binarized image, and a pixel
//! or two off over a long side puts the far modules' sample points on their neighbours.
//! Here the outline is refined on the gray picture instead: the code's fixed patterns
//! (finders, separators, timing rows, alignment patterns) are known for its size, so the
//! four corners are moved until those patterns show the most contrast, then every module
//! is sampled at its centre (bilinear gray) and the grid is handed to rqrr's decoder.

use super::binarize::Thresholds;
use super::engines::Found;
use super::Point;
use crate::frame::GrayView;

/// A code located by an engine: its outer corners (top-left, top-right, bottom-right,
/// bottom-left, in the code's own orientation) and its side in modules.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Located {
    pub corners: [Point; 4],
    pub size: usize,
}

/// Reads a located code with refined sampling; `None` when it still does not decode.
pub(crate) fn resample(
    img: GrayView<'_>,
    located: &Located,
    thresholds: &Thresholds,
) -> Option<Found> {
    // The size comes from counting timing modules, which slant and blur can put one
    // version off.
    let n = located.size;
    [n, n.wrapping_sub(4), n + 4]
        .into_iter()
        .filter(|n| (21..=177).contains(n) && (n - 17) % 4 == 0)
        .find_map(|n| resample_as(img, located.corners, n, thresholds))
}

fn resample_as(
    img: GrayView<'_>,
    start: [Point; 4],
    n: usize,
    thresholds: &Thresholds,
) -> Option<Found> {
    let pattern = FixedPattern::new(n);
    let refined = refine(img, &pattern, start);

    for corners in [refined, start] {
        let h = Homography::square_to_quad(n as f32, &corners)?;
        let values = sample_modules(img, &h, n);
        let (dark, light) = pattern.means(&values);
        if light <= dark {
            continue;
        }
        let midpoint = (dark + light) / 2.0;
        // One threshold for the whole code, then the local thresholds of the frame (glare
        // or a shadow across the code).
        let global = Grid::new(n, values.iter().map(|&v| v < midpoint).collect());
        if let Some(found) = decode(&global, &corners) {
            return Some(found);
        }
        let local = Grid::new(
            n,
            (0..n * n)
                .map(|i| {
                    let p = h.map((i % n) as f32 + 0.5, (i / n) as f32 + 0.5);
                    let (x, y) = clamp_pixel(img, p);
                    values[i] <= thresholds.at(x, y) as f32
                })
                .collect(),
        );
        if let Some(found) = decode(&local, &corners) {
            return Some(found);
        }
        // Blur pulls a lone module towards its neighbours' colour: compare each module
        // with the modules around it (5x5), pulled towards the code's midpoint.
        let neighbourhood = Grid::new(
            n,
            (0..n * n)
                .map(|i| {
                    let (x, y) = (i % n, i / n);
                    let (mut sum, mut count) = (0.0, 0.0);
                    for yy in y.saturating_sub(2)..(y + 3).min(n) {
                        for xx in x.saturating_sub(2)..(x + 3).min(n) {
                            sum += values[yy * n + xx];
                            count += 1.0;
                        }
                    }
                    values[i] < (sum / count + midpoint) / 2.0
                })
                .collect(),
        );
        if let Some(found) = decode(&neighbourhood, &corners) {
            return Some(found);
        }
    }
    None
}

fn decode(grid: &Grid, corners: &[Point; 4]) -> Option<Found> {
    let bounds = corners.map(|p| rqrr::Point {
        x: p.x.round() as i32,
        y: p.y.round() as i32,
    });
    let code = rqrr::Grid {
        grid: grid.clone(),
        bounds,
    };
    let mut bytes = Vec::new();
    code.decode_to(&mut bytes).ok()?;
    Some(Found {
        text: super::engines::bytes_to_text(bytes),
        corners: corners.to_vec(),
    })
}

/// Moves the corners (coordinate by coordinate, in shrinking steps) while the fixed
/// patterns' contrast grows.
fn refine(img: GrayView<'_>, pattern: &FixedPattern, start: [Point; 4]) -> [Point; 4] {
    let n = pattern.size as f32;
    let side = |a: Point, b: Point| ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
    let module = (side(start[0], start[1])
        + side(start[1], start[2])
        + side(start[2], start[3])
        + side(start[3], start[0]))
        / (4.0 * n);
    let score = |c: &[Point; 4]| -> f32 {
        match Homography::square_to_quad(n, c) {
            Some(h) => pattern.contrast(img, &h),
            None => f32::MIN,
        }
    };
    let mut best = start;
    let mut best_score = score(&best);
    for step in [0.75, 0.4, 0.2, 0.1] {
        let step = step * module;
        for _round in 0..12 {
            let mut improved = false;
            for k in 0..8 {
                for dir in [-1.0, 1.0] {
                    let mut c = best;
                    let p = &mut c[k / 2];
                    if k % 2 == 0 {
                        p.x += dir * step;
                    } else {
                        p.y += dir * step;
                    }
                    let s = score(&c);
                    if s > best_score {
                        (best, best_score, improved) = (c, s, true);
                    }
                }
            }
            if !improved {
                break;
            }
        }
    }
    best
}

/// The modules whose colour every code of a size has, with that colour.
struct FixedPattern {
    size: usize,
    /// (column, row, dark)
    modules: Vec<(u16, u16, bool)>,
}

impl FixedPattern {
    fn new(n: usize) -> Self {
        let mut modules = Vec::new();
        // Finders with their separators.
        for (fx, fy) in [(0, 0), (n - 7, 0), (0, n - 7)] {
            for dy in -1i32..=7 {
                for dx in -1i32..=7 {
                    let (x, y) = (fx as i32 + dx, fy as i32 + dy);
                    if x < 0 || y < 0 || x >= n as i32 || y >= n as i32 {
                        continue;
                    }
                    let ring = (dx - 3).abs().max((dy - 3).abs());
                    modules.push((x as u16, y as u16, ring != 2 && ring != 4));
                }
            }
        }
        // Timing rows.
        for i in 8..n - 8 {
            modules.push((i as u16, 6, i % 2 == 0));
            modules.push((6, i as u16, i % 2 == 0));
        }
        // Alignment patterns (version 2 and up), except where finders are.
        let version = (n - 17) / 4;
        let centres = alignment_centres(version, n);
        for &cy in &centres {
            for &cx in &centres {
                // The first and last centres sit on finders, except at the bottom right.
                let last = n - 7;
                let near_finder =
                    (cx, cy) == (6, 6) || (cx, cy) == (6, last) || (cx, cy) == (last, 6);
                if near_finder {
                    continue;
                }
                for dy in -2i32..=2 {
                    for dx in -2i32..=2 {
                        let ring = dx.abs().max(dy.abs());
                        modules.push(((cx as i32 + dx) as u16, (cy as i32 + dy) as u16, ring != 1));
                    }
                }
            }
        }
        FixedPattern { size: n, modules }
    }

    /// Mean gray of the light fixed modules minus that of the dark ones.
    fn contrast(&self, img: GrayView<'_>, h: &Homography) -> f32 {
        let (mut dark, mut light, mut nd, mut nl) = (0.0, 0.0, 0u32, 0u32);
        for &(x, y, is_dark) in &self.modules {
            let v = bilinear(img, h.map(x as f32 + 0.5, y as f32 + 0.5));
            if is_dark {
                dark += v;
                nd += 1;
            } else {
                light += v;
                nl += 1;
            }
        }
        light / nl.max(1) as f32 - dark / nd.max(1) as f32
    }

    /// Mean sampled value of the dark and of the light fixed modules.
    fn means(&self, values: &[f32]) -> (f32, f32) {
        let (mut dark, mut light, mut nd, mut nl) = (0.0, 0.0, 0u32, 0u32);
        for &(x, y, is_dark) in &self.modules {
            let v = values[y as usize * self.size + x as usize];
            if is_dark {
                dark += v;
                nd += 1;
            } else {
                light += v;
                nl += 1;
            }
        }
        (dark / nd.max(1) as f32, light / nl.max(1) as f32)
    }
}

/// Alignment pattern centre coordinates of a version (ISO/IEC 18004 Annex E: evenly
/// spaced from the far edge back, the first always at 6).
fn alignment_centres(version: usize, n: usize) -> Vec<usize> {
    if version < 2 {
        return Vec::new();
    }
    let count = version / 7 + 2;
    let step = if version == 32 {
        26
    } else {
        (version * 4 + count * 2 + 1) / (2 * count - 2) * 2
    };
    let mut centres = vec![6];
    for i in (0..count - 1).rev() {
        centres.push(n - 7 - i * step);
    }
    centres
}

fn sample_modules(img: GrayView<'_>, h: &Homography, n: usize) -> Vec<f32> {
    (0..n * n)
        .map(|i| bilinear(img, h.map((i % n) as f32 + 0.5, (i / n) as f32 + 0.5)))
        .collect()
}

fn clamp_pixel(img: GrayView<'_>, p: Point) -> (usize, usize) {
    (
        (p.x.max(0.0) as usize).min(img.width() - 1),
        (p.y.max(0.0) as usize).min(img.height() - 1),
    )
}

/// Gray level at a sub-pixel position (pixel centres at integer + 0.5), clamped inside.
fn bilinear(img: GrayView<'_>, p: Point) -> f32 {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let x = (p.x - 0.5).clamp(0.0, w - 1.0);
    let y = (p.y - 0.5).clamp(0.0, h - 1.0);
    let (x0, y0) = (x as usize, y as usize);
    let (x1, y1) = (
        (x0 + 1).min(img.width() - 1),
        (y0 + 1).min(img.height() - 1),
    );
    let (tx, ty) = (x - x0 as f32, y - y0 as f32);
    let (r0, r1) = (img.row(y0), img.row(y1));
    let top = r0[x0] as f32 * (1.0 - tx) + r0[x1] as f32 * tx;
    let bottom = r1[x0] as f32 * (1.0 - tx) + r1[x1] as f32 * tx;
    top * (1.0 - ty) + bottom * ty
}

/// The projective map from module coordinates (0..n on both axes) to the picture.
struct Homography {
    m: [f32; 8],
    n: f32,
}

impl Homography {
    /// Maps the square [0, n]² onto `quad` (its corners in order TL, TR, BR, BL).
    fn square_to_quad(n: f32, quad: &[Point; 4]) -> Option<Self> {
        let [p0, p1, p2, p3] = *quad;
        let (dx1, dx2, dx3) = (p1.x - p2.x, p3.x - p2.x, p0.x - p1.x + p2.x - p3.x);
        let (dy1, dy2, dy3) = (p1.y - p2.y, p3.y - p2.y, p0.y - p1.y + p2.y - p3.y);
        let den = dx1 * dy2 - dx2 * dy1;
        if den.abs() < 1e-6 {
            return None;
        }
        let g = (dx3 * dy2 - dx2 * dy3) / den;
        let h = (dx1 * dy3 - dx3 * dy1) / den;
        let m = [
            p1.x - p0.x + g * p1.x,
            p3.x - p0.x + h * p3.x,
            p0.x,
            p1.y - p0.y + g * p1.y,
            p3.y - p0.y + h * p3.y,
            p0.y,
            g,
            h,
        ];
        m.iter()
            .all(|v| v.is_finite())
            .then_some(Homography { m, n })
    }

    fn map(&self, u: f32, v: f32) -> Point {
        let (u, v) = (u / self.n, v / self.n);
        let m = &self.m;
        let w = m[6] * u + m[7] * v + 1.0;
        Point {
            x: (m[0] * u + m[1] * v + m[2]) / w,
            y: (m[3] * u + m[4] * v + m[5]) / w,
        }
    }
}

/// A sampled grid as rqrr's decoder reads it.
#[derive(Clone)]
struct Grid {
    size: usize,
    dark: Vec<bool>,
}

impl Grid {
    fn new(size: usize, dark: Vec<bool>) -> Self {
        Grid { size, dark }
    }
}

impl rqrr::BitGrid for Grid {
    fn size(&self) -> usize {
        self.size
    }

    fn bit(&self, y: usize, x: usize) -> bool {
        self.dark[y * self.size + x]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::GrayImage;

    #[test]
    fn alignment_centres_match_the_standard_table() {
        // ISO/IEC 18004 Table E.1, a few rows.
        for (version, expected) in [
            (1, vec![]),
            (2, vec![6, 18]),
            (7, vec![6, 22, 38]),
            (14, vec![6, 26, 46, 66]),
            (32, vec![6, 34, 60, 86, 112, 138]),
            (40, vec![6, 30, 58, 86, 114, 142, 170]),
        ] {
            assert_eq!(
                alignment_centres(version, 17 + 4 * version),
                expected,
                "v{version}"
            );
        }
    }

    #[test]
    fn homography_maps_the_square_corners_onto_the_quad() {
        let quad = [
            Point { x: 10.0, y: 12.0 },
            Point { x: 90.0, y: 20.0 },
            Point { x: 70.0, y: 95.0 },
            Point { x: 5.0, y: 80.0 },
        ];
        let h = Homography::square_to_quad(25.0, &quad).unwrap();
        for ((u, v), q) in [(0.0, 0.0), (25.0, 0.0), (25.0, 25.0), (0.0, 25.0)]
            .into_iter()
            .zip(quad)
        {
            let p = h.map(u, v);
            assert!(
                (p.x - q.x).abs() < 1e-3 && (p.y - q.y).abs() < 1e-3,
                "{p:?} vs {q:?}"
            );
        }
    }

    /// A v2 code seen at a strong slant and blurred, as `n x n` modules mapped onto `quad`
    /// (4x4 supersampled, then a 3x3 box blur twice).
    fn slanted_code(text: &str, quad: &[Point; 4], w: usize, h: usize) -> (usize, GrayImage) {
        let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let n = code.width();
        let colors = code.to_colors();
        let fwd = Homography::square_to_quad(n as f32, quad).unwrap();
        // The inverse of the 3x3 matrix [[m0 m1 m2] [m3 m4 m5] [m6 m7 1]] (adjugate).
        let m = fwd.m;
        let a = [[m[0], m[1], m[2]], [m[3], m[4], m[5]], [m[6], m[7], 1.0]];
        let inv = |x: f32, y: f32| {
            let c = |r: usize, k: usize| {
                let (r1, r2) = ((r + 1) % 3, (r + 2) % 3);
                let (k1, k2) = ((k + 1) % 3, (k + 2) % 3);
                a[r1][k1] * a[r2][k2] - a[r1][k2] * a[r2][k1]
            };
            // adj[i][j] = cofactor(j, i)
            let p = [x, y, 1.0];
            let t: Vec<f32> = (0..3)
                .map(|i| (0..3).map(|j| c(j, i) * p[j]).sum())
                .collect();
            (t[0] / t[2] * n as f32, t[1] / t[2] * n as f32)
        };
        let mut px = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                let mut acc = 0u32;
                for s in 0..16 {
                    let (sx, sy) = ((s % 4) as f32 + 0.5, (s / 4) as f32 + 0.5);
                    let (u, v) = inv(x as f32 + sx / 4.0, y as f32 + sy / 4.0);
                    let dark = u >= 0.0
                        && v >= 0.0
                        && (u as usize) < n
                        && (v as usize) < n
                        && colors[v as usize * n + u as usize] == qrcode::Color::Dark;
                    acc += if dark { 30 } else { 220 };
                }
                px[y * w + x] = (acc / 16) as u8;
            }
        }
        let mut img = GrayImage::new(w, h, px).unwrap();
        for _ in 0..2 {
            let src = img.clone();
            for y in 1..h - 1 {
                for x in 1..w - 1 {
                    let mut sum = 0u32;
                    for dy in 0..3 {
                        for dx in 0..3 {
                            sum += src.pixels()[(y + dy - 1) * w + x + dx - 1] as u32;
                        }
                    }
                    img.pixels_mut()[y * w + x] = (sum / 9) as u8;
                }
            }
        }
        (n, img)
    }

    /// The class of miss behind boofcv-perspective/image011 and boofcv-blurred/image038:
    /// the code is located, but the outline is off by most of a module (and the size by a
    /// version), so the engine's own sampling reads garbage. Refinement on the fixed
    /// patterns must recover the code.
    #[test]
    fn refined_sampling_reads_a_slanted_blurred_code_from_a_rough_outline() {
        let text = "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD";
        let quad = [
            Point { x: 40.0, y: 30.0 },
            Point { x: 190.0, y: 55.0 },
            Point { x: 185.0, y: 170.0 },
            Point { x: 35.0, y: 215.0 },
        ];
        let (n, img) = slanted_code(text, &quad, 230, 240);
        let thresholds = Thresholds::compute(img.view(), super::super::binarize::Method::Hybrid);
        let module = 150.0 / n as f32;
        let rough = [
            Point {
                x: quad[0].x + 0.8 * module,
                y: quad[0].y - 0.6 * module,
            },
            Point {
                x: quad[1].x - 0.7 * module,
                y: quad[1].y + 0.8 * module,
            },
            Point {
                x: quad[2].x + 0.6 * module,
                y: quad[2].y - 0.7 * module,
            },
            Point {
                x: quad[3].x - 0.8 * module,
                y: quad[3].y - 0.6 * module,
            },
        ];
        for size in [n, n + 4] {
            let located = Located {
                corners: rough,
                size,
            };
            let found = resample(img.view(), &located, &thresholds);
            assert_eq!(
                found.map(|f| f.text).as_deref(),
                Some(text),
                "size given {size}"
            );
        }
        // Nothing to read where there is no code: a clean miss, not a panic or garbage.
        let blank = GrayImage::filled(230, 240, 128);
        let located = Located {
            corners: rough,
            size: n,
        };
        assert!(resample(blank.view(), &located, &thresholds).is_none());
    }
}
