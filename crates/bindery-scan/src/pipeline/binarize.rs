//! Black or white for every pixel, decided locally. One global threshold fails as soon as a
//! label has glare on one half or a shadow on the other, or the hallway is dim; so the
//! threshold comes from each pixel's neighbourhood, computed per 8x8 block to stay cheap
//! (the frame is read twice: once for block statistics, once while the detector's buffer is
//! filled — no binary image is stored in between).

use crate::frame::GrayView;

mod simd;

/// Block side in pixels for the statistics.
const BLOCK: usize = 8;
/// Blocks flatter than this (max − min) hold no edge; ZXing's value.
const MIN_DYNAMIC_RANGE: u8 = 24;
/// The most [`flat_range`] raises that limit to on a noisy frame: above it, the noise is as
/// strong as the contrast of a dim label, and flattening more would erase the label.
const MAX_NOISE_RANGE: u32 = 64;

/// How the local threshold is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// ZXing's "hybrid" rule: per-block black point (flat blocks inherit their neighbours'),
    /// averaged over 5x5 blocks. Sharp on small modules; the default.
    Hybrid,
    /// The mean of a square window `2 * radius + 1` blocks wide, minus `offset` levels:
    /// follows slow light changes (shadows, vignetting) over a larger area than `Hybrid`.
    LocalMean {
        /// Half the window's side, in 8x8 blocks.
        radius: usize,
        /// Gray levels below the mean a pixel must be to count as black.
        offset: u8,
    },
}

/// Per-block thresholds for one frame: a pixel is black when it is at or below its block's.
#[derive(Debug, Clone)]
pub struct Thresholds {
    blocks_x: usize,
    levels: Vec<u8>,
}

/// The statistics of every 8x8 block of one picture (sum, pixel count, darkest and
/// lightest level): what every [`Method`] derives its thresholds from. Reading them is most
/// of a threshold grid's cost, so a picture that several passes binarize differently has
/// them read once (see `pipeline::cache`).
#[derive(Debug, Clone)]
pub(crate) struct BlockStats {
    blocks_x: usize,
    blocks_y: usize,
    stats: Vec<BlockStat>,
}

impl BlockStats {
    /// Reads the block statistics of `img`.
    pub(crate) fn compute(img: GrayView<'_>) -> Self {
        let bx = img.width().div_ceil(BLOCK).max(1);
        let by = img.height().div_ceil(BLOCK).max(1);
        BlockStats {
            blocks_x: bx,
            blocks_y: by,
            stats: block_stats(img, bx, by),
        }
    }

    /// The statistics of the same picture's negative (`255 - v` for every pixel, as
    /// `prepare::invert` makes it), without reading that picture: each block's sum becomes
    /// `255 * count - sum`, and its darkest and lightest levels swap and flip.
    pub(crate) fn negative(&self) -> Self {
        BlockStats {
            stats: self
                .stats
                .iter()
                .map(|st| BlockStat {
                    sum: 255 * st.count - st.sum,
                    count: st.count,
                    min: 255 - st.max,
                    max: 255 - st.min,
                })
                .collect(),
            ..*self
        }
    }
}

impl Thresholds {
    /// Computes the thresholds of `img` with `method`.
    pub fn compute(img: GrayView<'_>, method: Method) -> Self {
        Self::from_stats(&BlockStats::compute(img), method)
    }

    /// The thresholds `method` derives from a picture's block statistics.
    pub(crate) fn from_stats(stats: &BlockStats, method: Method) -> Self {
        let (bx, by, stats) = (stats.blocks_x, stats.blocks_y, &stats.stats);
        let levels = match method {
            Method::Hybrid => hybrid(stats, bx, by),
            Method::LocalMean { radius, offset } => local_mean(stats, bx, by, radius, offset),
        };
        Thresholds {
            blocks_x: bx,
            levels,
        }
    }

    /// The threshold that applies at pixel (x, y).
    #[inline]
    pub fn at(&self, x: usize, y: usize) -> u8 {
        self.levels[(y / BLOCK) * self.blocks_x + x / BLOCK]
    }

    /// Row `y` of `img` binarized, 8 pixels a byte (bit `i` of byte `k` = pixel `8k + i`,
    /// 1 = black) into `out`, which holds at least `width.div_ceil(8)` bytes. A block is 8
    /// pixels wide, so each byte has a single threshold.
    pub fn pack_row(&self, y: usize, row: &[u8], out: &mut [u8]) {
        pack_row_with::<simd::Native>(&self.levels, self.blocks_x, y, row, out);
    }

    /// Whether the pixel of value `v` at (x, y) is black.
    #[inline]
    pub fn is_black(&self, x: usize, y: usize, v: u8) -> bool {
        v <= self.at(x, y)
    }

    /// `img` as a black (0) and white (255) picture, for engines that binarize themselves:
    /// their own threshold then reproduces ours.
    pub fn black_white(&self, img: GrayView<'_>) -> crate::frame::GrayImage {
        let mut out = Vec::with_capacity(img.width() * img.height());
        for y in 0..img.height() {
            out.extend(img.row(y).iter().enumerate().map(|(x, &v)| {
                if self.is_black(x, y, v) {
                    0
                } else {
                    255
                }
            }));
        }
        crate::frame::GrayImage::new(img.width(), img.height(), out).expect("sizes match")
    }

    /// Every pixel of `img` binarized (1 = black), packed row-major; for tests and debugging.
    pub fn apply(&self, img: GrayView<'_>) -> Vec<u8> {
        let mut out = Vec::with_capacity(img.width() * img.height());
        for y in 0..img.height() {
            let row = img.row(y);
            out.extend(
                row.iter()
                    .enumerate()
                    .map(|(x, &v)| self.is_black(x, y, v) as u8),
            );
        }
        out
    }
}

/// [`Thresholds::pack_row`] over the lane operations of `L`.
fn pack_row_with<L: simd::Lanes>(
    levels: &[u8],
    blocks_x: usize,
    y: usize,
    row: &[u8],
    out: &mut [u8],
) {
    let levels = &levels[(y / BLOCK) * blocks_x..][..blocks_x];
    // Two blocks a step (one compare and one mask for 16 pixels: this runs on every pixel of
    // every live frame, and was a fifth of a 720p frame's time pixel by pixel), then the
    // whole block left over, if any, eight pixels a machine word, then the partial block.
    let done = simd::pack_pairs::<L>(row, levels, out);
    let (row, levels, out) = (&row[done * BLOCK..], &levels[done..], &mut out[done..]);
    let mut chunks = row.chunks_exact(BLOCK);
    for ((chunk, &t), o) in (&mut chunks).zip(levels).zip(out.iter_mut()) {
        let pixels = u64::from_le_bytes(chunk.try_into().expect("a block-wide chunk"));
        *o = gather_high_bits(at_most(pixels, t as u64 * ONES));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let k = row.len() / BLOCK;
        out[k] = rest
            .iter()
            .enumerate()
            .fold(0, |b, (i, &p)| b | (((p <= levels[k]) as u8) << i));
    }
}

/// A byte of ones in every byte of a word.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The top bit of every byte of a word.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Bit 7 of each byte of the result is set where that byte of `pixels` is at most the same
/// byte of `thresholds` (unsigned bytes; all other bits clear). The low seven bits are
/// compared by a subtraction that cannot borrow across bytes (each minuend byte has its top
/// bit set, each subtrahend byte has it clear); the top bits decide where they differ.
#[inline]
fn at_most(pixels: u64, thresholds: u64) -> u64 {
    let low_at_most = (thresholds | HIGH) - (pixels & !HIGH);
    ((thresholds & !pixels) | (!(thresholds ^ pixels) & low_at_most)) & HIGH
}

/// Bit 7 of byte `i` of `flags` to bit `i` of one byte: the multiplication moves each
/// byte's bit to its own place in the top byte, with no two landing on the same bit.
#[inline]
fn gather_high_bits(flags: u64) -> u8 {
    ((flags >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BlockStat {
    sum: u32,
    count: u32,
    min: u8,
    max: u8,
}

fn block_stats(img: GrayView<'_>, bx: usize, by: usize) -> Vec<BlockStat> {
    block_stats_with::<simd::Native>(img, bx, by)
}

/// The statistics of every block of `img`, row-major, over the lane operations of `L`.
fn block_stats_with<L: simd::Lanes>(img: GrayView<'_>, bx: usize, by: usize) -> Vec<BlockStat> {
    let w = img.width();
    let mut stats = Vec::with_capacity(bx * by);
    for band in 0..by {
        let (y0, y1) = (band * BLOCK, ((band + 1) * BLOCK).min(img.height()));
        // A whole band two blocks at a time, 16 columns down 8 rows in registers: most of
        // the thresholds' time, and all but a block or two of every band.
        let done = match y1 - y0 == BLOCK {
            true => {
                let rows: [&[u8]; BLOCK] = std::array::from_fn(|i| &img.row(y0 + i)[..w]);
                simd::band_pairs::<L>(&rows, &mut stats)
            }
            false => 0,
        };
        // What is left, pixel by pixel: the last block or two of a band, and a partial band
        // at the bottom (at most one a frame).
        for x0 in (done..w).step_by(BLOCK) {
            let x1 = (x0 + BLOCK).min(w);
            let (mut sum, mut min, mut max) = (0u32, 255u8, 0u8);
            for y in y0..y1 {
                for &p in &img.row(y)[x0..x1] {
                    sum += p as u32;
                    min = min.min(p);
                    max = max.max(p);
                }
            }
            stats.push(BlockStat {
                sum,
                count: ((y1 - y0) * (x1 - x0)) as u32,
                min,
                max,
            });
        }
    }
    stats
}

/// How wide (max − min) a block may be and still count as flat in this frame: ZXing's fixed
/// 24 levels, or the spread sensor noise alone gives the frame's flattest fifth of blocks,
/// a quarter more, when that is wider. On a noisy camera frame (dim light, small sensor) a
/// fixed 24 turns every plain wall block into salt-and-pepper at its own mean, and the
/// finder search then spends its time on thousands of one-pixel runs: zxing-cpp took 9 ms
/// on such 720p frames against 1 ms on clean ones, and so did we, times two. Blocks that
/// hold an edge of a code still span the code's contrast plus that noise, so they keep
/// their own threshold; flat ones borrow their neighbours' (see [`hybrid`]).
fn flat_range(stats: &[BlockStat]) -> u32 {
    let mut histogram = [0u32; 256];
    for st in stats {
        histogram[st.max.saturating_sub(st.min) as usize] += 1;
    }
    let fifth = stats.len() as u32 / 5;
    let mut seen = 0;
    let mut noise = 0;
    for (range, &n) in histogram.iter().enumerate() {
        seen += n;
        if seen > fifth {
            noise = range as u32;
            break;
        }
    }
    (noise * 5 / 4).clamp(MIN_DYNAMIC_RANGE as u32, MAX_NOISE_RANGE)
}

fn hybrid(stats: &[BlockStat], bx: usize, by: usize) -> Vec<u8> {
    let black = black_points(stats, bx, by);
    average_5x5(&black, bx, by)
}

/// The black point of every block, as ZXing's HybridBinarizer::calculateBlackPoints, with
/// this frame's flatness limit ([`flat_range`]).
fn black_points(stats: &[BlockStat], bx: usize, by: usize) -> Vec<u8> {
    let flat = flat_range(stats);
    let mut black = vec![0u8; bx * by];
    for y in 0..by {
        for x in 0..bx {
            let st = stats[y * bx + x];
            // A whole block's count is 64: a shift rather than a division.
            let avg = match st.count {
                64 => st.sum / 64,
                n => st.sum / n.max(1),
            };
            let mut point = avg;
            if (st.max.saturating_sub(st.min) as u32) <= flat {
                // A flat block: assume white unless its neighbours say it lies in a dark area.
                point = st.min as u32 / 2;
                if y > 0 && x > 0 {
                    let neighbours = (black[(y - 1) * bx + x] as u32
                        + 2 * black[y * bx + x - 1] as u32
                        + black[(y - 1) * bx + x - 1] as u32)
                        / 4;
                    if (st.min as u32) < neighbours {
                        point = neighbours;
                    }
                }
            }
            black[y * bx + x] = point as u8;
        }
    }
    black
}

/// The mean black point over the 5x5 blocks around each block (the window clamped inside
/// the frame): the hybrid rule's threshold.
fn average_5x5(black: &[u8], bx: usize, by: usize) -> Vec<u8> {
    // Threshold = mean black point over the 5x5 blocks around (window clamped inside), from
    // a summed-area table: four lookups a block instead of 25 additions (the averaging was
    // the costliest part of the thresholds). Sums are exact, so the result is the same.
    let w1 = bx + 1;
    let mut sat = vec![0u32; w1 * (by + 1)];
    for y in 0..by {
        let mut row_sum = 0u32;
        for x in 0..bx {
            row_sum += black[y * bx + x] as u32;
            sat[(y + 1) * w1 + x + 1] = sat[y * w1 + x + 1] + row_sum;
        }
    }
    // The window's first and one-past-last block along an axis of n blocks.
    let span = |v: usize, n: usize| {
        let c = v.clamp(2, n.saturating_sub(3).max(2));
        (c.saturating_sub(2), (c + 3).min(n))
    };
    let mut out = vec![0u8; bx * by];
    for y in 0..by {
        let (y0, y1) = span(y, by);
        for x in 0..bx {
            let (x0, x1) = span(x, bx);
            let sum = sat[y1 * w1 + x1] + sat[y0 * w1 + x0] - sat[y0 * w1 + x1] - sat[y1 * w1 + x0];
            let n = ((y1 - y0) * (x1 - x0)) as u32;
            // Inside the frame the window is 5x5: a constant divisor, which the compiler
            // turns into a multiplication (a division a block was a tenth of the time).
            out[y * bx + x] = match n {
                25 => sum / 25,
                n => sum / n.max(1),
            } as u8;
        }
    }
    out
}

fn local_mean(stats: &[BlockStat], bx: usize, by: usize, radius: usize, offset: u8) -> Vec<u8> {
    // Summed-area table over blocks so any window costs four lookups.
    let (w1, h1) = (bx + 1, by + 1);
    let mut sat = vec![(0u64, 0u64); w1 * h1];
    for y in 0..by {
        let (mut rs, mut rc) = (0u64, 0u64);
        for x in 0..bx {
            let st = stats[y * bx + x];
            rs += st.sum as u64;
            rc += st.count as u64;
            let above = sat[y * w1 + x + 1];
            sat[(y + 1) * w1 + x + 1] = (above.0 + rs, above.1 + rc);
        }
    }
    let mut out = vec![0u8; bx * by];
    for y in 0..by {
        let (y0, y1) = (y.saturating_sub(radius), (y + radius + 1).min(by));
        for x in 0..bx {
            let (x0, x1) = (x.saturating_sub(radius), (x + radius + 1).min(bx));
            let s = sat[y1 * w1 + x1].0 + sat[y0 * w1 + x0].0
                - sat[y0 * w1 + x1].0
                - sat[y1 * w1 + x0].0;
            let c = sat[y1 * w1 + x1].1 + sat[y0 * w1 + x0].1
                - sat[y0 * w1 + x1].1
                - sat[y1 * w1 + x0].1;
            let mean = (s / c.max(1)) as u8;
            out[y * bx + x] = mean.saturating_sub(offset);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::GrayImage;

    /// A dark square on a background whose brightness ramps from dim to bright.
    fn ramp_with_square() -> GrayImage {
        let (w, h) = (128, 64);
        let mut px = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                let bg = 40 + (x * 200 / w) as u8;
                let inside = (20..40).contains(&y) && (x % 32) < 12;
                px[y * w + x] = if inside { bg / 3 } else { bg };
            }
        }
        GrayImage::new(w, h, px).unwrap()
    }

    #[test]
    fn local_thresholds_follow_uneven_light() {
        let img = ramp_with_square();
        for method in [
            Method::Hybrid,
            Method::LocalMean {
                radius: 4,
                offset: 5,
            },
        ] {
            let t = Thresholds::compute(img.view(), method);
            let bits = t.apply(img.view());
            for (x, y, black) in [
                (2, 30, true),
                (100, 30, true),
                (20, 30, false),
                (120, 5, false),
            ] {
                assert_eq!(bits[y * 128 + x] == 1, black, "{method:?} at {x},{y}");
            }
        }
    }

    /// The word-wide compare says what a byte-by-byte `<=` says, for every pair of values
    /// in every byte position (a borrow between bytes would show up here).
    #[test]
    fn word_compare_matches_bytes() {
        for t in 0..=255u8 {
            for p in 0..=255u8 {
                for lane in 0..8 {
                    // The other lanes hold values that would borrow or carry if they could.
                    let mut pixels = [0u8, 255, 128, 127, 1, 254, 0x80, 0x7f];
                    pixels[lane] = p;
                    let word = u64::from_le_bytes(pixels);
                    let flags = gather_high_bits(at_most(word, t as u64 * ONES));
                    let want = pixels
                        .iter()
                        .enumerate()
                        .fold(0u8, |b, (i, &v)| b | (((v <= t) as u8) << i));
                    assert_eq!(flags, want, "t {t}, p {p} in lane {lane}");
                }
            }
        }
    }

    /// The block statistics (pairs of blocks, leftover blocks, a partial band) are what
    /// plain loops over each block's pixels give, with every lane implementation.
    #[test]
    fn block_stats_match_plain_loops() {
        block_stats_match::<simd::Scalar>("scalar");
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        block_stats_match::<simd::Sse2>("sse2");
    }

    fn block_stats_match<L: simd::Lanes>(lanes: &str) {
        // Varied pixels on frames of many shapes, then flat extremes (the largest sums).
        let varied = |w: usize, h: usize| -> Vec<u8> {
            (0..w * h)
                .map(|i| ((i * 89 + i / w * 13 + (i * i) % 7) % 256) as u8)
                .collect()
        };
        let frames = [(61, 19), (100, 37), (7, 9), (160, 16), (48, 8)]
            .map(|(w, h)| (w, h, varied(w, h)))
            .into_iter()
            .chain([0u8, 255].map(|v| (40, 16, vec![v; 40 * 16])));
        for (w, h, px) in frames {
            let img = GrayImage::new(w, h, px.clone()).unwrap();
            let (bx, by) = (w.div_ceil(BLOCK), h.div_ceil(BLOCK));
            let stats = block_stats_with::<L>(img.view(), bx, by);
            assert_eq!(stats.len(), bx * by);
            for (i, st) in stats.iter().enumerate() {
                let (x0, y0) = ((i % bx) * BLOCK, (i / bx) * BLOCK);
                let pixels: Vec<u8> = (y0..(y0 + BLOCK).min(h))
                    .flat_map(|y| (x0..(x0 + BLOCK).min(w)).map(move |x| (x, y)))
                    .map(|(x, y)| px[y * w + x])
                    .collect();
                let want = (
                    pixels.iter().map(|&p| p as u32).sum::<u32>(),
                    pixels.len() as u32,
                    *pixels.iter().min().unwrap(),
                    *pixels.iter().max().unwrap(),
                );
                assert_eq!(
                    (st.sum, st.count, st.min, st.max),
                    want,
                    "{lanes}: {w}x{h} block {i}"
                );
            }
        }
    }

    /// The negative's statistics derived from the picture's are those read from the
    /// inverted picture, so thresholds from either are the same.
    #[test]
    fn negative_stats_match_the_inverted_picture() {
        for (w, h) in [(61, 19), (100, 37), (7, 9), (160, 16)] {
            let px: Vec<u8> = (0..w * h)
                .map(|i| ((i * 89 + i / w * 13 + (i * i) % 7) % 256) as u8)
                .collect();
            let img = GrayImage::new(w, h, px).unwrap();
            let inverted = crate::pipeline::prepare::invert(img.view());
            let derived = BlockStats::compute(img.view()).negative();
            assert_eq!(
                derived.stats,
                BlockStats::compute(inverted.view()).stats,
                "{w}x{h}"
            );
            let method = Method::LocalMean {
                radius: 2,
                offset: 4,
            };
            for method in [Method::Hybrid, method] {
                assert_eq!(
                    Thresholds::from_stats(&derived, method).levels,
                    Thresholds::compute(inverted.view(), method).levels,
                    "{w}x{h} {method:?}"
                );
            }
        }
    }

    /// The summed-area averaging of the hybrid rule gives exactly the 5x5 means added up
    /// block by block (ZXing's way), on frames smaller and larger than the window.
    #[test]
    fn hybrid_averaging_matches_plain_sums() {
        for (bx, by) in [(1, 1), (3, 7), (5, 5), (9, 6), (17, 11)] {
            let stats: Vec<BlockStat> = (0..bx * by)
                .map(|i| {
                    let min = ((i * 53) % 200) as u8;
                    BlockStat {
                        sum: (min as u32 + 20) * 64,
                        count: 64,
                        min,
                        max: min + ((i * 29) % 56) as u8,
                    }
                })
                .collect();
            let out = hybrid(&stats, bx, by);
            // The block black points again, then the window sums one by one.
            let black = black_points(&stats, bx, by);
            let clamp = |v: usize, n: usize| v.clamp(2, n.saturating_sub(3).max(2));
            for y in 0..by {
                for x in 0..bx {
                    let (cy, cx) = (clamp(y, by), clamp(x, bx));
                    let (mut sum, mut n) = (0u32, 0u32);
                    for yy in cy.saturating_sub(2)..(cy + 3).min(by) {
                        for xx in cx.saturating_sub(2)..(cx + 3).min(bx) {
                            sum += black[yy * bx + xx] as u32;
                            n += 1;
                        }
                    }
                    assert_eq!(out[y * bx + x], (sum / n) as u8, "{bx}x{by} at {x},{y}");
                }
            }
        }
    }

    /// The packed rows (what rxing gets) say exactly what `is_black` says, including the
    /// lone whole block and the partial block at the right edge, with every lane
    /// implementation.
    #[test]
    fn packed_rows_match_pixel_decisions() {
        packed_rows_match::<simd::Scalar>("scalar");
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        packed_rows_match::<simd::Sse2>("sse2");
    }

    fn packed_rows_match<L: simd::Lanes>(lanes: &str) {
        for (w, h) in [(61, 19), (80, 9), (16, 3)] {
            packed_rows_match_at::<L>(lanes, w, h);
        }
    }

    fn packed_rows_match_at<L: simd::Lanes>(lanes: &str, w: usize, h: usize) {
        let px: Vec<u8> = (0..w * h)
            .map(|i| ((i * 37 + i / w * 11) % 256) as u8)
            .collect();
        let img = GrayImage::new(w, h, px).unwrap();
        for method in [
            Method::Hybrid,
            Method::LocalMean {
                radius: 2,
                offset: 3,
            },
        ] {
            let t = Thresholds::compute(img.view(), method);
            let bits = t.apply(img.view());
            let mut packed = vec![0u8; w.div_ceil(8)];
            for y in 0..h {
                pack_row_with::<L>(&t.levels, t.blocks_x, y, img.view().row(y), &mut packed);
                for x in 0..w {
                    let bit = packed[x / 8] >> (x % 8) & 1;
                    assert_eq!(
                        bit,
                        bits[y * w + x],
                        "{lanes}: {w}x{h} {method:?} at {x},{y}"
                    );
                }
            }
        }
    }
}
