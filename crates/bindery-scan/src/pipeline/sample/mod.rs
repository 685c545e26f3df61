//! Our own module sampling, for codes an engine located but could not read.
//!
//! rqrr finds the grid of many blurred or strongly slanted codes and then fails on data
//! errors: its perspective comes from the finder corners of a binarized image, and a pixel
//! or two off over a long side puts the far modules' sample points on their neighbours.
//! Here the outline is refined on the gray picture instead: the code's fixed patterns
//! (finders, separators, timing rows, alignment patterns) are known for its size, so the
//! four corners are moved until those patterns show the most contrast, then every module
//! is sampled at its centre (bilinear gray) and the grid is handed to rqrr's decoder.

pub(crate) mod geometry;
mod pattern;

use super::binarize::Thresholds;
use super::found::{bytes_to_text, Found, Point};
use crate::frame::GrayView;
use geometry::{clamp_pixel, sample_modules, Homography};
use pattern::FixedPattern;

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
    other_sizes: bool,
) -> Option<Found> {
    // The size comes from counting timing modules, which slant and blur can put one
    // version off.
    let n = located.size;
    let tries = if other_sizes { 3 } else { 1 };
    [n, n.wrapping_sub(4), n + 4]
        .into_iter()
        .take(tries)
        .filter(|n| (21..=177).contains(n) && (n - 17) % 4 == 0)
        .find_map(|n| resample_as(img, located.corners, n, thresholds))
}

/// Of several outlines of a code of `n` modules, the one whose fixed patterns show the most
/// contrast on the gray picture (a rough fourth corner chosen before refining; see
/// `finder`).
pub(crate) fn best_outline(
    img: GrayView<'_>,
    outlines: impl IntoIterator<Item = [Point; 4]>,
    n: usize,
) -> Option<[Point; 4]> {
    let pattern = FixedPattern::new(n);
    outlines
        .into_iter()
        .filter_map(|c| {
            let h = Homography::square_to_quad(n as f32, &c)?;
            Some((pattern.contrast(img, &h), c))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Whether `corners` can be a code of `n` modules: its timing rows and alignment patterns
/// show at least `share` of the contrast its finders show. Three finder patterns that are
/// not one code (two codes' patterns, or a stray square) have nothing between them that
/// alternates, and resampling them costs several milliseconds to learn that.
pub(crate) fn plausible(img: GrayView<'_>, corners: &[Point; 4], n: usize, share: f32) -> bool {
    let pattern = FixedPattern::new(n);
    let Some(h) = Homography::square_to_quad(n as f32, corners) else {
        return false;
    };
    let (finders, rest) = pattern.split_contrast(img, &h);
    finders > 0.0 && rest >= share * finders
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
    // Most sampled grids do not decode; rqrr's decoder is slow to say so (see
    // `precheck`).
    if !super::precheck::can_decode(grid) {
        return None;
    }
    let code = rqrr::Grid {
        grid: grid.clone(),
        bounds,
    };
    let mut bytes = Vec::new();
    code.decode_to(&mut bytes).ok()?;
    Some(Found {
        text: bytes_to_text(bytes),
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
pub(crate) mod tests {
    use super::*;
    use crate::frame::GrayImage;

    /// A code of `text` seen at a slant and blurred, as `n x n` modules mapped onto `quad`
    /// (4x4 supersampled, then a 3x3 box blur twice); dark 30 on light 220. Shared with
    /// `finder`'s tests.
    pub(crate) fn slanted_code(
        text: &str,
        quad: &[Point; 4],
        w: usize,
        h: usize,
    ) -> (usize, GrayImage) {
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
        let thresholds = Thresholds::compute(img.view(), crate::pipeline::binarize::Method::Hybrid);
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
            let found = resample(img.view(), &located, &thresholds, true);
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
        assert!(resample(blank.view(), &located, &thresholds, true).is_none());
    }
}
