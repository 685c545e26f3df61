//! Our own finder-pattern search, for codes neither engine locates.
//!
//! rqrr and rxing both find a code from its three finder patterns, and both give up on the
//! same two kinds of photo: strong slant (the patterns look wider than tall, or the three
//! are of clearly different sizes, and their triple is rejected as "not one code") and
//! small modules on the negative (a light-on-dark label at 2–3 px a module, where their
//! run checks are too strict). This search is deliberately more tolerant, because what it
//! hands on is checked twice more: the outline is refined on the gray picture and the grid
//! must pass the Reed–Solomon check of rqrr's decoder (`sample`).
//!
//! 1. Every row (and on files every column: a code turned away about a vertical axis has
//!    patterns a module or less wide) is cut into runs; five runs
//!    dark-light-dark-light-dark in about 1:1:3:1:1 are a candidate, confirmed across
//!    and on a diagonal through its centre, each with its own module size (a slanted
//!    pattern is up to 5x narrower one way than the other).
//! 2. Candidates within two modules of each other are one pattern.
//! 3. Three patterns are a code when their geometry fits one: the angle at the top-left
//!    is not far from square, and both sides count about the same number of modules —
//!    each side measured in module widths taken along that side at both of its
//!    patterns, so perspective does not throw it off. Sizes of the three patterns may
//!    differ by up to 4x. Each of the three may be the top-left (usually the one
//!    opposite the longest side, scored better; strong perspective can break that rule).
//! 4. The outline is extrapolated from the three centres and a fourth, searched on a grid
//!    around two estimates (the parallelogram's, and one moved for how the module widths
//!    change between the patterns) for the most fixed-pattern contrast, then handed to
//!    `sample`, which moves the corners until the fixed patterns fit, and decodes.
//!
//! Light-on-dark codes are searched on the negative, binarized afresh. How far it goes
//! ([`Search`]) differs between files (every row and column, eight triples) and live
//! frames (every second row, both polarities, two triples).

use super::binarize::{Method, Thresholds};
use super::engines::Outcome;
use super::found::Point;
use super::prepare;
use super::sample::{self, geometry::Homography, Located};
use crate::frame::GrayView;

/// One side of a pattern's 1:1:3:1:1 may be this many modules off the ideal, plus
/// [`SLACK_PX`]: photos blur and JPEG rings the edges, and false candidates are cheap (the
/// other checks and the decoder drop them).
const RUN_TOLERANCE: f32 = 0.6;
/// Pixels of slack on top of [`RUN_TOLERANCE`]: at 2–3 px a module a run is often one
/// pixel longer or shorter than its share, which is a third of a module.
const SLACK_PX: f32 = 1.0;
/// How much wider a pattern may be one way than the other: 5 is a label turned about 78°
/// away from the camera (a 3 would be 70°, where the perspective set still has codes).
const MAX_ASPECT: f32 = 5.0;
/// The largest version this search samples (see `fit`).
const MAX_VERSION: f32 = 10.0;
/// Distinct pattern candidates after which a scan gives up on the picture (see
/// `scan_rows`); a sheet of 30 labels has about 90 patterns.
const MAX_CANDIDATES: usize = 600;
/// Patterns kept for grouping (most-confirmed first): triples grow with the cube.
const MAX_PATTERNS: usize = 24;
/// Size ratio allowed between the largest and smallest pattern of one code.
const MAX_SIZE_RATIO: f32 = 4.0;
/// Largest |cos| of the angle at the top-left pattern (about 32°–148°: a square seen at a
/// strong slant and turned becomes a thin rhombus).
const MAX_COS: f32 = 0.85;

/// The share of the finders' contrast the timing rows and alignment pattern of a
/// candidate outline must show before it is sampled: blur and slant take more from the
/// one-module timing rows than from the finders' 3x3 centres, so it is small; a false
/// triple shows about none.
const PLAUSIBLE_SHARE: f32 = 0.15;

/// A finder pattern: its centre, and its module size across rows and columns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pattern {
    pub x: f32,
    pub y: f32,
    pub module_h: f32,
    pub module_v: f32,
    /// How many row scans confirmed it.
    pub hits: u32,
}

impl Pattern {
    fn module(&self) -> f32 {
        (self.module_h * self.module_v).sqrt()
    }
}

/// The picture as dark / light, computed once (every row is read, then columns and
/// diagonals around candidates).
struct Bits<'a> {
    /// The gray picture the bits were computed from.
    img: GrayView<'a>,
    w: usize,
    h: usize,
    /// Bytes a row in `packed`.
    stride: usize,
    /// Black by the thresholds, 8 pixels a byte as the binarizer packs them (bit `i` of
    /// byte `k` = pixel `8k + i`): cheap to make, and the row scans skip a byte of one
    /// colour at a time.
    packed: Vec<u8>,
}

impl<'a> Bits<'a> {
    fn new(img: GrayView<'a>, thresholds: &Thresholds) -> Self {
        let (w, h) = (img.width(), img.height());
        let stride = w.div_ceil(8);
        let mut packed = vec![0u8; stride * h];
        for (y, out) in packed.chunks_exact_mut(stride.max(1)).enumerate().take(h) {
            thresholds.pack_row(y, img.row(y), out);
        }
        Bits {
            img,
            w,
            h,
            stride,
            packed,
        }
    }

    /// Whether the pixel is black by the thresholds.
    #[inline]
    fn raw(&self, x: usize, y: usize) -> bool {
        self.packed[y * self.stride + x / 8] >> (x % 8) & 1 == 1
    }

    /// Whether the pixel at (x, y) is black; `None` outside.
    #[inline]
    fn at(&self, x: f32, y: f32) -> Option<bool> {
        let (x, y) = (x.floor(), y.floor());
        if x < 0.0 || y < 0.0 || x >= self.w as f32 || y >= self.h as f32 {
            return None;
        }
        Some(self.raw(x as usize, y as usize))
    }

    /// Row `y` as (start, length) runs, colours alternating from the first pixel's, and
    /// whether that first run is dark.
    fn runs(&self, y: usize, runs: &mut Vec<(usize, usize)>) -> bool {
        runs.clear();
        let row = &self.packed[y * self.stride..][..self.stride];
        let first = self.raw(0, y);
        let (mut colour, mut start, mut x) = (first, 0, 0);
        while x < self.w {
            let byte = row[x / 8];
            // A whole byte of the current colour continues the run.
            if x % 8 == 0 && x + 8 <= self.w && byte == if colour { 0xFF } else { 0 } {
                x += 8;
                continue;
            }
            let bit = byte >> (x % 8) & 1 == 1;
            if bit != colour {
                runs.push((start, x - start));
                (start, colour) = (x, bit);
            }
            x += 1;
        }
        runs.push((start, self.w - start));
        first
    }

    /// The same picture mirrored about its diagonal (columns become rows).
    fn transposed(&self) -> Bits<'a> {
        let stride = self.h.div_ceil(8);
        let mut packed = vec![0u8; stride * self.w];
        for y in 0..self.h {
            for x in 0..self.w {
                if self.raw(x, y) {
                    packed[x * stride + y / 8] |= 1 << (y % 8);
                }
            }
        }
        Bits {
            // Only the search runs on the transposed bits, never the sampling.
            img: self.img,
            w: self.h,
            h: self.w,
            stride,
            packed,
        }
    }
}

/// The module size of five runs in about 1:1:3:1:1, or `None`.
fn pattern_module(runs: [f32; 5]) -> Option<f32> {
    let total: f32 = runs.iter().sum();
    let module = total / 7.0;
    if module < 0.7 {
        return None;
    }
    let tol = RUN_TOLERANCE * module + SLACK_PX;
    let ones = [runs[0], runs[1], runs[3], runs[4]];
    let fits = ones.iter().all(|r| (r - module).abs() <= tol)
        && (runs[2] - 3.0 * module).abs() <= 1.5 * tol
        // The centre is the widest run: rules out dark-light stripes of equal width.
        && ones.iter().all(|&r| r < runs[2]);
    fits.then_some(module)
}

/// The five runs through the dark pixel at `(x, y)` along `(dx, dy)` (a step whose larger
/// coordinate is 1), as pixel lengths, and the point midway along them; `None` unless
/// both sides show light then dark then light within `max_run` steps a run.
fn cross(
    bits: &Bits,
    x: f32,
    y: f32,
    dx: f32,
    dy: f32,
    max_run: usize,
) -> Option<([f32; 5], Point)> {
    if bits.at(x, y) != Some(true) {
        return None;
    }
    // Steps from the start to the end of each of the three runs on one side.
    let side = |sign: f32| -> Option<[usize; 3]> {
        let mut counts = [0usize; 3];
        let mut t = 1usize;
        for (k, want_dark) in [true, false, true].into_iter().enumerate() {
            loop {
                let px = bits.at(x + sign * t as f32 * dx, y + sign * t as f32 * dy);
                match px {
                    Some(d) if d == want_dark => {
                        counts[k] += 1;
                        if counts[k] > max_run {
                            return None;
                        }
                        t += 1;
                    }
                    // The outer dark ring must end inside the picture too (a quiet zone).
                    None => return None,
                    Some(_) => break,
                }
            }
            // Light and outer dark runs need at least one pixel.
            if k > 0 && counts[k] == 0 {
                return None;
            }
        }
        Some(counts)
    };
    let fwd = side(1.0)?;
    let back = side(-1.0)?;
    let step = (dx * dx + dy * dy).sqrt();
    let runs = [
        back[2] as f32 * step,
        back[1] as f32 * step,
        (back[0] + fwd[0] + 1) as f32 * step,
        fwd[1] as f32 * step,
        fwd[2] as f32 * step,
    ];
    // The middle of the whole pattern, in steps from the start pixel's centre.
    let (b, f) = (
        (back[0] + back[1] + back[2]) as f32,
        (fwd[0] + fwd[1] + fwd[2]) as f32,
    );
    let mid = (f - b) / 2.0;
    let centre = Point {
        x: x.floor() + 0.5 + mid * dx,
        y: y.floor() + 0.5 + mid * dy,
    };
    Some((runs, centre))
}

/// Confirms a row candidate at `(x, y)` whose row runs gave `module_h`: the column, then
/// the row again through the column's centre, then a diagonal.
fn confirm(bits: &Bits, x: f32, y: f32, module_h: f32) -> Option<Pattern> {
    let max_run = (module_h * 3.0 * MAX_ASPECT).ceil() as usize + 2;
    let (runs, c) = cross(bits, x, y, 0.0, 1.0, max_run)?;
    let module_v = pattern_module(runs)?;
    let aspect = module_v / module_h;
    if !(1.0 / MAX_ASPECT..=MAX_ASPECT).contains(&aspect) {
        return None;
    }
    let (runs, c) = cross(bits, c.x, c.y, 1.0, 0.0, max_run)?;
    let module_h = pattern_module(runs)?;
    // One diagonal: a line through the centre of concentric squares crosses them 1:1:3:1:1
    // at any angle, so this holds for turned and slanted codes, and rules out crosses and
    // the corners of text strokes.
    let (runs, _) = cross(bits, c.x, c.y, 1.0, 1.0, max_run)?;
    pattern_module(runs)?;
    Some(Pattern {
        x: c.x,
        y: c.y,
        module_h,
        module_v,
        hits: 1,
    })
}

/// Every dark-on-light finder pattern in the picture, most-confirmed first.
fn find_patterns(bits: &Bits, depth: Search) -> Vec<Pattern> {
    let mut found: Vec<Pattern> = Vec::new();
    scan_rows(bits, depth.row_step, depth.min_module, &mut found, |p| p);
    // A code slanted away about a vertical axis has patterns two or three times narrower
    // than tall: a module or less across, too few pixels for the row runs, while its
    // columns show them plainly (boofcv-perspective/image014). The columns are the rows
    // of the transposed picture, with every result transposed back.
    if depth.columns {
        let t = bits.transposed();
        scan_rows(&t, depth.row_step, depth.min_module, &mut found, |p| {
            Pattern {
                x: p.y,
                y: p.x,
                module_h: p.module_v,
                module_v: p.module_h,
                hits: p.hits,
            }
        });
    }
    // One row hit may be a chance alignment; a real pattern is crossed by the rows of its
    // centre square (3 modules), at least two even at 1 px a module doubled.
    found.retain(|p| p.hits >= 2);
    found.sort_by_key(|p| std::cmp::Reverse(p.hits));
    found.truncate(MAX_PATTERNS);
    found
}

/// Looks for 1:1:3:1:1 on every row of `bits`, confirms each candidate and merges it into
/// `found` after `map` (which turns the coordinates of `bits` into the picture's).
fn scan_rows(
    bits: &Bits,
    row_step: usize,
    min_module: f32,
    found: &mut Vec<Pattern>,
    map: impl Fn(Pattern) -> Pattern,
) {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for y in (0..bits.h).step_by(row_step.max(1)) {
        // Noise and fine texture confirm pattern-like runs everywhere, and each new one
        // is compared with every pattern so far: past this many the picture holds no
        // pattern this search could group into a readable code, and the time grew with
        // the square (half a second on a noisy 720p frame).
        if found.len() >= MAX_CANDIDATES {
            return;
        }
        let first_dark = bits.runs(y, &mut runs);
        for i in 0..runs.len().saturating_sub(4) {
            let dark = (i % 2 == 0) == first_dark;
            if !dark {
                continue;
            }
            // Too small a pattern for this search: skipped before any arithmetic (camera
            // noise makes runs of one or two pixels everywhere).
            let total: usize = runs[i..i + 5].iter().map(|r| r.1).sum();
            if (total as f32) < 7.0 * min_module {
                continue;
            }
            let five = [0, 1, 2, 3, 4].map(|k| runs[i + k].1 as f32);
            let Some(module_h) = pattern_module(five) else {
                continue;
            };
            let (cs, cl) = runs[i + 2];
            let x = cs as f32 + cl as f32 / 2.0;
            let Some(p) = confirm(bits, x, y as f32 + 0.5, module_h) else {
                continue;
            };
            merge(found, map(p));
        }
    }
}

/// Adds `p` to the pattern within two modules of it, or as a new one.
fn merge(found: &mut Vec<Pattern>, p: Pattern) {
    for q in found.iter_mut() {
        let near = 2.0 * q.module().max(p.module());
        if (q.x - p.x).abs() <= near && (q.y - p.y).abs() <= near {
            let (n, k) = (q.hits as f32, 1.0 / (q.hits as f32 + 1.0));
            q.x = (q.x * n + p.x) * k;
            q.y = (q.y * n + p.y) * k;
            q.module_h = (q.module_h * n + p.module_h) * k;
            q.module_v = (q.module_v * n + p.module_v) * k;
            q.hits += 1;
            return;
        }
    }
    found.push(p);
}

/// The module size at `p` measured along the direction `(dx, dy)` (any length), or its
/// overall size when the pattern does not show its runs that way.
fn module_along(bits: &Bits, p: &Pattern, dx: f32, dy: f32) -> f32 {
    let big = dx.abs().max(dy.abs());
    if big <= 0.0 {
        return p.module();
    }
    let max_run = (p.module() * 3.0 * MAX_ASPECT).ceil() as usize + 2;
    cross(bits, p.x, p.y, dx / big, dy / big, max_run)
        .and_then(|(runs, _)| pattern_module(runs))
        .unwrap_or_else(|| p.module())
}

/// Three patterns that may be one code, with the outline to try first.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// Indices of the top-left, top-right and bottom-left patterns.
    pub patterns: [usize; 3],
    /// The three centres, in the same order.
    centres: [Point; 3],
    /// Where the fourth centre would be: estimated for perspective, and the
    /// parallelogram's.
    guesses: [Point; 2],
    /// A module and a half, in pixels, and the unit vectors along the top and left sides:
    /// the grid the fourth centre is searched on.
    step: f32,
    axes: [(f32, f32); 2],
    /// Modules a side.
    pub size: usize,
    /// Lower is a better fit.
    score: f32,
}

/// Triples of `patterns` whose geometry fits one code, best fit first.
fn group(bits: &Bits, patterns: &[Pattern]) -> Vec<Candidate> {
    let mut out = Vec::new();
    let n = patterns.len();
    let dist = |a: &Pattern, b: &Pattern| ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
    for i in 0..n {
        for j in i + 1..n {
            for k in j + 1..n {
                let trio = [i, j, k];
                let sizes = trio.map(|t| patterns[t].module());
                let (lo, hi) = sizes
                    .iter()
                    .fold((f32::MAX, 0.0f32), |(lo, hi), &s| (lo.min(s), hi.max(s)));
                if hi > MAX_SIZE_RATIO * lo {
                    continue;
                }
                // The top-left is usually opposite the longest side; under strong
                // perspective a side can be foreshortened below the hypotenuse
                // (boofcv-perspective/image033), so each corner is tried, the usual one
                // scored better.
                let sides = [
                    dist(&patterns[j], &patterns[k]),
                    dist(&patterns[i], &patterns[k]),
                    dist(&patterns[i], &patterns[j]),
                ];
                let longest = (0..3)
                    .max_by(|&a, &b| sides[a].total_cmp(&sides[b]))
                    .unwrap_or(0);
                for corner in 0..3 {
                    let tl = trio[corner];
                    let (mut tr, mut bl) = (trio[(corner + 1) % 3], trio[(corner + 2) % 3]);
                    let (a, b, c) = (&patterns[tl], &patterns[tr], &patterns[bl]);
                    let u = (b.x - a.x, b.y - a.y);
                    let v = (c.x - a.x, c.y - a.y);
                    // Clockwise from the top-left (y down): top-right, then bottom-left. A
                    // mirror image of a code does not decode anyway.
                    if u.0 * v.1 - u.1 * v.0 < 0.0 {
                        std::mem::swap(&mut tr, &mut bl);
                    }
                    if let Some(mut c) = fit(bits, patterns, [tl, tr, bl]) {
                        if corner != longest {
                            c.score += 1.0;
                        }
                        out.push(c);
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| a.score.total_cmp(&b.score));
    out
}

/// The code the patterns `[tl, tr, bl]` would be, if their geometry fits one.
fn fit(bits: &Bits, patterns: &[Pattern], [tl, tr, bl]: [usize; 3]) -> Option<Candidate> {
    let (a, b, c) = (&patterns[tl], &patterns[tr], &patterns[bl]);
    let u = (b.x - a.x, b.y - a.y);
    let v = (c.x - a.x, c.y - a.y);
    let (lu, lv) = (
        (u.0 * u.0 + u.1 * u.1).sqrt(),
        (v.0 * v.0 + v.1 * v.1).sqrt(),
    );
    if lu < 1.0 || lv < 1.0 {
        return None;
    }
    let cos = (u.0 * v.0 + u.1 * v.1) / (lu * lv);
    if cos.abs() > MAX_COS {
        return None;
    }
    // Module widths along each side, at both its ends.
    let (mau, mbu) = (
        module_along(bits, a, u.0, u.1),
        module_along(bits, b, u.0, u.1),
    );
    let (mav, mcv) = (
        module_along(bits, a, v.0, v.1),
        module_along(bits, c, v.0, v.1),
    );
    let nu = lu / ((mau + mbu) / 2.0) + 7.0;
    let nv = lv / ((mav + mcv) / 2.0) + 7.0;
    let mean = (nu + nv) / 2.0;
    if !(17.0..=181.0).contains(&mean) || (nu - nv).abs() > (0.25 * mean).max(4.0) {
        return None;
    }
    // The nearest valid size (21, 25, …), up to version 10: sampling and refining a false
    // triple costs with the square of its size (a noisy frame's stray patterns spanning
    // the frame made version-40 candidates at a second a frame), while the codes this
    // search exists for (labels, URLs) are small and large codes' big patterns are what
    // the engines find anyway.
    let version = ((mean - 17.0) / 4.0).round().clamp(1.0, 40.0);
    if version > MAX_VERSION {
        return None;
    }
    let size = 17 + 4 * version as usize;

    // The centres sit at module (3.5, 3.5), (n − 3.5, 3.5), (3.5, n − 3.5). The fourth,
    // at (n − 3.5, n − 3.5), is where the parallelogram puts it, moved for perspective:
    // the side from the top-right down is as much longer than the left one as the modules
    // along it are wider at its top (likewise for the bottom side).
    let ku = (module_along(bits, c, u.0, u.1) / mau).clamp(0.5, 2.0);
    let kv = (module_along(bits, b, v.0, v.1) / mav).clamp(0.5, 2.0);
    let d1 = Point {
        x: b.x + v.0 * kv,
        y: b.y + v.1 * kv,
    };
    let d2 = Point {
        x: c.x + u.0 * ku,
        y: c.y + u.1 * ku,
    };
    let slanted = Point {
        x: (d1.x + d2.x) / 2.0,
        y: (d1.y + d2.y) / 2.0,
    };
    let parallel = Point {
        x: b.x + v.0,
        y: b.y + v.1,
    };
    let size_spread = {
        let s = [a.module(), b.module(), c.module()];
        s.iter().cloned().fold(0.0f32, f32::max) / s.iter().cloned().fold(f32::MAX, f32::min)
    };
    Some(Candidate {
        patterns: [tl, tr, bl],
        centres: [a, b, c].map(|p| Point { x: p.x, y: p.y }),
        guesses: [slanted, parallel],
        step: 1.5 * (mau + mav) / 2.0,
        axes: [(u.0 / lu, u.1 / lu), (v.0 / lv, v.1 / lv)],
        size,
        score: (nu - nv).abs() / mean * 4.0 + cos.abs() + (size_spread - 1.0),
    })
}

impl Candidate {
    /// The outline when the fourth pattern-like centre (module (n − 3.5, n − 3.5), the one
    /// corner without a finder) is at `d`.
    fn outline(&self, d: Point) -> Option<[Point; 4]> {
        let n = self.size as f32;
        let [a, b, c] = self.centres;
        let h = Homography::square_to_quad(n - 7.0, &[a, b, d, c])?;
        let o = [(0.0, 0.0), (n, 0.0), (n, n), (0.0, n)].map(|(x, y)| h.map(x - 3.5, y - 3.5));
        o.iter()
            .all(|p| p.x.is_finite() && p.y.is_finite())
            .then_some(o)
    }

    /// The outlines to sample, best guess first. Neither estimate of the fourth centre is
    /// good under strong perspective (module widths measured on a few pixels), so it is
    /// also searched on a grid around them, in steps of a module and a half along both
    /// sides, for the outline whose fixed patterns (timing rows, the alignment pattern)
    /// show the most contrast on the gray picture.
    fn outlines(&self, img: GrayView<'_>) -> Vec<[Point; 4]> {
        let [slanted, parallel] = self.guesses;
        let [eu, ev] = self.axes;
        let mid = Point {
            x: (slanted.x + parallel.x) / 2.0,
            y: (slanted.y + parallel.y) / 2.0,
        };
        let step = self.step;
        let grid = (-4..=4).flat_map(|i| (-4..=4).map(move |j| (i as f32, j as f32)));
        let searched = sample::best_outline(
            img,
            grid.filter_map(|(i, j)| {
                self.outline(Point {
                    x: mid.x + step * (i * eu.0 + j * ev.0),
                    y: mid.y + step * (i * eu.1 + j * ev.1),
                })
            }),
            self.size,
        );
        let mut outlines: Vec<[Point; 4]> = searched.into_iter().collect();
        outlines.extend(self.guesses.into_iter().filter_map(|d| self.outline(d)));
        outlines
    }
}

/// Whether `p` lies inside `outline` enlarged by a fifth about its centre (an outline of
/// three finder centres, as ZXing's classic reader gives, then covers its patterns too).
fn inside_known(outline: &[Point], p: &Pattern) -> bool {
    if outline.len() < 3 {
        return false;
    }
    let k = outline.len() as f32;
    let cx = outline.iter().map(|q| q.x).sum::<f32>() / k;
    let cy = outline.iter().map(|q| q.y).sum::<f32>() / k;
    let grown: Vec<(f32, f32)> = outline
        .iter()
        .map(|q| (cx + (q.x - cx) * 1.2, cy + (q.y - cy) * 1.2))
        .collect();
    // Even-odd rule.
    let mut inside = false;
    for i in 0..grown.len() {
        let (a, b) = (grown[i], grown[(i + grown.len() - 1) % grown.len()]);
        if (a.1 > p.y) != (b.1 > p.y) && p.x < (b.0 - a.0) * (p.y - a.1) / (b.1 - a.1) + a.0 {
            inside = !inside;
        }
    }
    inside
}

/// How thoroughly [`read`] looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Search {
    /// Scan columns too (twice the search's work; strongly slanted codes).
    pub columns: bool,
    /// Scan every this many rows (a pattern's centre spans 3 modules of rows, so 2 still
    /// crosses it at least twice from about 1.5 px a module).
    pub row_step: usize,
    /// Candidate triples sampled at most (a failing one costs a few milliseconds).
    pub max_tries: usize,
    /// The smallest module (pixels) a pattern may have.
    pub min_module: f32,
    /// Sample a triple on every outline guess and at sizes 4 modules off too (up to nine
    /// refinements a triple), or on the best outline at the counted size only.
    pub every_outline: bool,
    /// Which patterns: dark on light, light on dark, or both.
    pub dark_on_light: bool,
    /// See `dark_on_light`.
    pub light_on_dark: bool,
}

impl Search {
    /// Files: every row and column, eight triples, dark on light.
    pub const FULL: Search = Search {
        columns: true,
        row_step: 1,
        max_tries: 8,
        min_module: 0.7,
        every_outline: true,
        dark_on_light: true,
        light_on_dark: false,
    };
    /// Live frames, both polarities: every second row, no columns, two triples each on
    /// their best outline (a failing triple cost up to 60 ms sampled every way on blurred
    /// 720p frames), modules of 1.5 px and more (smaller ones do not survive a camera's
    /// noise and blur; camera noise is made of runs that small).
    pub const LIVE: Search = Search {
        columns: false,
        row_step: 2,
        max_tries: 2,
        min_module: 1.5,
        every_outline: false,
        dark_on_light: true,
        light_on_dark: true,
    };
}

/// Finds, groups and reads codes in `img` binarized by `thresholds`, as `depth` says.
/// Patterns inside a `known` outline (codes read already, in `img`'s pixels) are left
/// out. Light-on-dark candidates are sampled on the negative.
pub(crate) fn read(
    img: GrayView<'_>,
    thresholds: &Thresholds,
    depth: Search,
    known: &[Vec<Point>],
) -> Outcome {
    let mut outcome = Outcome::default();
    if img.width() < 21 || img.height() < 21 {
        return outcome;
    }
    if depth.dark_on_light {
        search(img, thresholds, depth, known, &mut outcome);
    }
    if depth.light_on_dark {
        // The negative, binarized afresh rather than the bits flipped: the hybrid rule
        // reads a flat area as white, so the dark surround of a light-on-dark code would
        // turn dark when flipped and merge with the patterns' outer rings. The sampling
        // wants dark modules too.
        let negative = prepare::invert(img);
        let t = Thresholds::compute(negative.view(), Method::Hybrid);
        search(negative.view(), &t, depth, known, &mut outcome);
    }
    outcome
}

/// One polarity of [`read`]: dark-on-light patterns of `img`.
fn search(
    img: GrayView<'_>,
    thresholds: &Thresholds,
    depth: Search,
    known: &[Vec<Point>],
    outcome: &mut Outcome,
) {
    let bits = Bits::new(img, thresholds);
    let mut patterns = find_patterns(&bits, depth);
    patterns.retain(|p| !known.iter().any(|k| inside_known(k, p)));
    if patterns.len() < 3 {
        return;
    }
    let candidates = group(&bits, &patterns);
    read_candidates(img, thresholds, &patterns, candidates, depth, outcome);
}

/// Samples the `candidates` (best first) until `max_tries` failed or succeeded.
fn read_candidates(
    img: GrayView<'_>,
    thresholds: &Thresholds,
    patterns: &[Pattern],
    candidates: Vec<Candidate>,
    depth: Search,
    outcome: &mut Outcome,
) {
    let max_tries = depth.max_tries;
    let mut used = vec![false; patterns.len()];
    let (mut tries, mut looked) = (0, 0);
    for candidate in candidates {
        // A pattern belongs to one code: once read, triples with it are someone else's
        // false combinations.
        if candidate.patterns.iter().any(|&p| used[p]) {
            continue;
        }
        if tries >= max_tries {
            outcome.undecoded += 1;
            continue;
        }
        // A cheap look first: the best outline's timing rows and alignment pattern must
        // show some of the finders' contrast (see `sample::plausible`). A triple that
        // fails costs no try; at most a few times the tries are looked at this way.
        looked += 1;
        if looked > 4 * max_tries {
            break;
        }
        let outlines = candidate.outlines(img);
        let Some(best) = outlines.first() else {
            continue;
        };
        if !sample::plausible(img, best, candidate.size, PLAUSIBLE_SHARE) {
            outcome.undecoded += 1;
            continue;
        }
        tries += 1;
        let take = if depth.every_outline {
            outlines.len()
        } else {
            1
        };
        let read = outlines.into_iter().take(take).find_map(|corners| {
            let located = Located {
                corners,
                size: candidate.size,
            };
            sample::resample(img, &located, thresholds, depth.every_outline)
        });
        match read {
            Some(found) => {
                for &p in &candidate.patterns {
                    used[p] = true;
                }
                outcome.found.push(found);
            }
            None => outcome.undecoded += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::GrayImage;
    use crate::pipeline::sample::tests::slanted_code;

    #[test]
    fn odd_sizes_do_not_panic() {
        let one = GrayImage::filled(1, 1, 200);
        let sizes = [
            (0, 0),
            (1, 1),
            (0, 50),
            (50, 0),
            (2000, 3),
            (3, 2000),
            (21, 21),
            (2000, 22),
            (22, 2000),
            (23, 29),
        ];
        for (w, h) in sizes {
            // Flat, and a texture of runs of every length up to 9 (patterns at the edges).
            let flat = GrayImage::filled(w, h, 200);
            let texture = (0..w * h)
                .map(|i| {
                    if (i % w * 7 + i / w * 3) % 9 < 4 {
                        20
                    } else {
                        230
                    }
                })
                .collect();
            let texture = GrayImage::new(w, h, texture).unwrap();
            for img in [flat, texture] {
                // (The binarizer is never given an empty frame: the cascade stops before.)
                let source = if w * h == 0 { &one } else { &img };
                let t = Thresholds::compute(source.view(), Method::Hybrid);
                for depth in [Search::FULL, Search::LIVE] {
                    let outcome = read(img.view(), &t, depth, &[]);
                    assert!(outcome.found.is_empty(), "{w}x{h}");
                }
            }
        }
    }

    fn texts(outcome: &Outcome) -> Vec<&str> {
        outcome.found.iter().map(|f| f.text.as_str()).collect()
    }

    const TEXT: &str = "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD";

    /// A label turned about 70° away from the camera round a vertical axis, its near
    /// side taller than its far one: patterns three times taller than wide, of different
    /// sizes, with about 3 px a module across (the class of boofcv-perspective/image009
    /// and image014, which neither engine locates).
    #[test]
    fn reads_a_code_under_strong_perspective() {
        let quad = [
            Point { x: 40.0, y: 30.0 },
            Point { x: 130.0, y: 65.0 },
            Point { x: 130.0, y: 230.0 },
            Point { x: 40.0, y: 270.0 },
        ];
        let (_, img) = slanted_code(TEXT, &quad, 180, 300);
        let t = Thresholds::compute(img.view(), Method::Hybrid);
        assert_eq!(texts(&read(img.view(), &t, Search::FULL, &[])), [TEXT]);
        // Turned on its side, the same code needs the column scan.
        let turned = transpose(&img);
        let t = Thresholds::compute(turned.view(), Method::Hybrid);
        assert_eq!(texts(&read(turned.view(), &t, Search::FULL, &[])), [TEXT]);
        // A code already read is not read again.
        let known = vec![quad.map(|p| Point { x: p.y, y: p.x }).to_vec()];
        assert!(read(turned.view(), &t, Search::FULL, &known)
            .found
            .is_empty());
    }

    /// A light-on-dark label at under 3 px a module, slightly turned: found by the live
    /// search (both polarities from one binarization) and by the files' search on the
    /// negative; the dark-on-light search alone finds nothing.
    #[test]
    fn reads_an_inverted_code_with_small_modules() {
        let quad = [
            Point { x: 26.0, y: 22.0 },
            Point { x: 104.0, y: 26.0 },
            Point { x: 100.0, y: 104.0 },
            Point { x: 22.0, y: 100.0 },
        ];
        let (n, img) = slanted_code(TEXT, &quad, 130, 130);
        assert!((78.0 / n as f32) < 3.0, "modules of {} px", 78.0 / n as f32);
        let negative = prepare::invert(img.view());
        let t = Thresholds::compute(negative.view(), Method::Hybrid);
        assert_eq!(texts(&read(negative.view(), &t, Search::LIVE, &[])), [TEXT]);
        let dark_only = Search {
            light_on_dark: false,
            ..Search::FULL
        };
        assert!(read(negative.view(), &t, dark_only, &[]).found.is_empty());
        // The files' way: the negative of the negative, binarized afresh.
        let back = prepare::invert(negative.view());
        let t = Thresholds::compute(back.view(), Method::Hybrid);
        assert_eq!(texts(&read(back.view(), &t, Search::FULL, &[])), [TEXT]);
    }

    fn transpose(img: &GrayImage) -> GrayImage {
        let (w, h) = (img.width(), img.height());
        let px = img.pixels();
        let out = (0..w * h).map(|i| px[(i % h) * w + i / h]).collect();
        GrayImage::new(h, w, out).unwrap()
    }

    #[test]
    fn runs_in_proportion_are_a_pattern() {
        assert!(pattern_module([2.0, 2.0, 6.0, 2.0, 2.0]).is_some());
        assert!(pattern_module([3.0, 2.0, 7.0, 3.0, 2.0]).is_some());
        assert!(pattern_module([2.0, 2.0, 2.0, 2.0, 2.0]).is_none());
        assert!(pattern_module([1.0, 6.0, 3.0, 1.0, 1.0]).is_none());
    }
}
