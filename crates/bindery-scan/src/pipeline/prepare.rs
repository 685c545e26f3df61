//! Resampling a gray frame to the scale the detectors work best at. Phone photos are 12 MP
//! while a label needs only ~3 px a module, so big frames are shrunk first (faster, and box
//! averaging smooths sensor noise); tiny crops are enlarged so finder patterns have enough
//! pixels for the detectors' run-length tests.

use crate::frame::{GrayImage, GrayView};

/// The integer factor that brings the longer side to at most `max_side` (1 = keep).
pub fn shrink_factor(width: usize, height: usize, max_side: usize) -> usize {
    width.max(height).div_ceil(max_side.max(1)).max(1)
}

/// Shrinks by an integer `factor` with box averaging (partial edge blocks are dropped).
pub fn shrink(src: GrayView<'_>, factor: usize) -> GrayImage {
    match factor.max(1) {
        2 => halve(src),
        // 12 MP photos (and 4K video) get these two.
        3 => shrink_by::<3>(src),
        4 => shrink_by::<4>(src),
        // 16 x 16 pixels of 255 still fit 16 bits, which vectorize twice as wide as 32.
        f if f <= 16 => shrink_with::<u16>(src, f),
        f => shrink_with::<u32>(src, f),
    }
}

/// [`shrink`] by 2, the live half-scale pass's and 1080p frames' factor: each output pixel
/// straight from its two rows, without the column sums' extra pass.
fn halve(src: GrayView<'_>) -> GrayImage {
    let (w, h) = (src.width() / 2, src.height() / 2);
    let mut out = vec![0u8; w * h];
    let mut sums = vec![0u16; 2 * w];
    for (y, o) in out.chunks_exact_mut(w.max(1)).enumerate().take(h) {
        // Two rows added element-wise, then neighbouring pairs: both loops vectorize (one
        // loop doing both per output pixel did not).
        let (a, b) = (&src.row(2 * y)[..2 * w], &src.row(2 * y + 1)[..2 * w]);
        for ((s, &a), &b) in sums.iter_mut().zip(a).zip(b) {
            *s = a as u16 + b as u16;
        }
        for (o, pair) in o.iter_mut().zip(sums.chunks_exact(2)) {
            *o = ((pair[0] + pair[1] + 2) >> 2) as u8;
        }
    }
    GrayImage::new(w, h, out).expect("sizes match")
}

/// [`shrink`] by a small constant `F` (3 or 4): column sums in 16 bits, then each output
/// pixel from `F` neighbouring sums with a 16-bit reciprocal ([`small_mean`]).
///
/// The sums of `F` neighbouring columns are taken at every column, not only at every
/// `F`-th, and so are their means, before every `F`-th mean is picked: `F` times the
/// arithmetic, but in one element-wise loop over shifted slices, which the compiler
/// vectorizes; one sum per output pixel (a stride of `F`, which SSE2 has no shuffle for)
/// compiled to lane-shuffling code that took 1.9 of the 2.9 ms of a 12 MP frame's shrink
/// by 3, the largest part of such a live frame. Now the shrink takes 1.9 ms, of which the
/// column sums, which wait on memory, are 1.
fn shrink_by<const F: usize>(src: GrayView<'_>) -> GrayImage {
    let (w, h) = (src.width() / F, src.height() / F);
    let mut out = vec![0u8; w * h];
    if w == 0 || h == 0 {
        return GrayImage::new(w, h, out).expect("sizes match");
    }
    let mut cols = vec![0u16; w * F];
    // Sums of F neighbouring columns starting at each column that has F of them.
    let starts = (w * F).saturating_sub(F - 1);
    let mut means = vec![0u8; starts];
    for (by, o) in out.chunks_exact_mut(w.max(1)).enumerate().take(h) {
        cols.fill(0);
        for y in by * F..(by + 1) * F {
            for (c, &p) in cols.iter_mut().zip(src.row(y)) {
                *c += p as u16;
            }
        }
        let (c0, c1, c2) = (&cols[..], &cols[1..], &cols[2..]);
        match F {
            3 => {
                for (((m, &a), &b), &c) in means.iter_mut().zip(c0).zip(c1).zip(c2) {
                    *m = small_mean::<F>(a + b + c);
                }
            }
            4 => {
                for ((((m, &a), &b), &c), &d) in
                    means.iter_mut().zip(c0).zip(c1).zip(c2).zip(&cols[3..])
                {
                    *m = small_mean::<F>(a + b + c + d);
                }
            }
            _ => unreachable!("`shrink` calls this for factors 3 and 4 only"),
        }
        for (o, &m) in o.iter_mut().zip(means.iter().step_by(F)) {
            *o = m;
        }
    }
    GrayImage::new(w, h, out).expect("sizes match")
}

/// The rounded mean of an `F` x `F` block from its sum, for `F` up to 4:
/// floor((sum + F²/2) * ceil(2^16 / F²) / 2^16). Exact for every sum of F² pixels: the
/// reciprocal's excess (under 1) times a sum below 256 F² stays under the 2^16 / F² gap to
/// the next integer when F² · excess < 256, which holds for 4, 9 and 16 (not for 25).
/// The rounding is added in 16 bits (a sum of 16 pixels and the half fit), so the product
/// is a 16 x 16-bit multiplication's high half, which vectorizes as one instruction.
#[inline]
fn small_mean<const F: usize>(sum: u16) -> u8 {
    let area = (F * F) as u32;
    let reciprocal = (1u32 << 16).div_ceil(area);
    let rounded = sum + (area / 2) as u16;
    ((rounded as u32 * reciprocal) >> 16) as u8
}

/// [`shrink`] with column sums in `S`, which must hold `factor * factor * 255`.
fn shrink_with<S>(src: GrayView<'_>, factor: usize) -> GrayImage
where
    S: Copy + Default + From<u8> + std::ops::AddAssign + std::iter::Sum + Into<u32>,
{
    let (w, h) = (src.width() / factor, src.height() / factor);
    let mut out = Vec::with_capacity(w * h);
    // Column sums over a band of `factor` rows first (element-wise adds, which vectorize),
    // then sums of `factor` neighbouring columns: this runs on every large live frame.
    let mut cols = vec![S::default(); w * factor];
    let rounded = RoundedMean::new((factor * factor) as u32);
    for by in 0..h {
        cols.fill(S::default());
        for y in by * factor..(by + 1) * factor {
            for (c, &p) in cols.iter_mut().zip(src.row(y)) {
                *c += S::from(p);
            }
        }
        out.extend(cols.chunks_exact(factor).map(|c| {
            let sum: u32 = c.iter().copied().sum::<S>().into();
            rounded.mean(sum)
        }));
    }
    GrayImage::new(w, h, out).expect("sizes match")
}

/// The rounded mean of `area` pixels from their sum, by a multiplication: a division per
/// output pixel was most of a 12 MP frame's shrink (the divisor is only known at run time,
/// so the compiler cannot replace it).
struct RoundedMean {
    area: u32,
    /// ceil(2^32 / area): floor(x * it / 2^32) is floor(x / area) for every x below
    /// 2^32 / area (the error, under x / 2^32, stays below the 1 / area gap to the next
    /// integer). Sums reach 256 * area at most, so that holds up to an area of 2^12;
    /// `None` above (factors over 64), where the division stays.
    reciprocal: Option<u64>,
}

impl RoundedMean {
    fn new(area: u32) -> Self {
        let area = area.max(1);
        RoundedMean {
            area,
            reciprocal: (area <= 1 << 12).then(|| (1u64 << 32).div_ceil(area as u64)),
        }
    }

    #[inline]
    fn mean(&self, sum: u32) -> u8 {
        let x = sum + self.area / 2;
        match self.reciprocal {
            Some(r) => ((x as u64 * r) >> 32) as u8,
            None => (x / self.area) as u8,
        }
    }
}

/// Doubles both sides with bilinear interpolation.
pub fn enlarge2(src: GrayView<'_>) -> GrayImage {
    let (w, h) = (src.width(), src.height());
    let (ow, oh) = (w * 2, h * 2);
    let mut out = vec![0u8; ow * oh];
    if w == 0 || h == 0 {
        return GrayImage::new(ow, oh, out).expect("sizes match");
    }
    for oy in 0..oh {
        // Output pixel centres map to (o + 0.5) / 2 - 0.5 = (2o - 1) / 4 in the source: in
        // quarter pixels, 2o - 1. (Counting that in half pixels, as this did before, put
        // every output pixel near source pixel o: the "doubled" frame was the source's top
        // left quarter, and the 2x passes never saw most of the picture.)
        let fy = ((oy as i32 * 2 - 1).max(0) as usize).min(4 * (h - 1));
        let (y0, ty) = (fy / 4, (fy % 4) as u32);
        let y1 = (y0 + 1).min(h - 1);
        let (r0, r1) = (src.row(y0), src.row(y1));
        let out_row = &mut out[oy * ow..(oy + 1) * ow];
        for (ox, o) in out_row.iter_mut().enumerate() {
            let fx = ((ox as i32 * 2 - 1).max(0) as usize).min(4 * (w - 1));
            let (x0, tx) = (fx / 4, (fx % 4) as u32);
            let x1 = (x0 + 1).min(w - 1);
            let top = r0[x0] as u32 * (4 - tx) + r0[x1] as u32 * tx;
            let bottom = r1[x0] as u32 * (4 - tx) + r1[x1] as u32 * tx;
            *o = ((top * (4 - ty) + bottom * ty + 8) / 16) as u8;
        }
    }
    GrayImage::new(ow, oh, out).expect("sizes match")
}

/// The radius of the box blur [`sharpen`] subtracts, in working-scale pixels.
const SHARPEN_RADIUS: usize = 3;

/// An unsharp mask: each pixel pushed away from the mean around it, `2p − blur(p)`, where
/// the blur is three box blurs of radius [`SHARPEN_RADIUS`] (close to a Gaussian of σ 3.5 px).
///
/// Defocus and motion blur spread each module over its neighbours until module edges are
/// gentle slopes: a local threshold then cuts a finder pattern's thin rings apart or merges
/// them. Subtracting a blur about a module wide steepens those slopes back. The radius was
/// chosen on the tuning split of the generated defocus and motion-blur frames, where σ 3–4
/// and a strength of 0.7–1.5 read the same; the mask's strength is 1. Edges repeat their
/// last pixel.
pub fn sharpen(src: GrayView<'_>) -> GrayImage {
    let (w, h) = (src.width(), src.height());
    let mut blurred = vec![0u8; w * h];
    if w == 0 || h == 0 {
        return GrayImage::new(w, h, blurred).expect("sizes match");
    }
    let mut across = vec![0u8; w * h];
    let mut padded = vec![0u16; w + 2 * SHARPEN_RADIUS];
    let mut sums = vec![0u16; w];
    for round in 0..3 {
        for (y, out) in across.chunks_exact_mut(w).enumerate() {
            // The first round reads the picture itself, not a copy of it.
            let row = match round {
                0 => &src.row(y)[..w],
                _ => &blurred[y * w..(y + 1) * w],
            };
            box_row(row, out, &mut padded, &mut sums);
        }
        box_columns(&across, &mut blurred, w, &mut sums);
    }
    // The mask is written over the blur, which is read only at the same pixel.
    for (y, mean) in blurred.chunks_exact_mut(w).enumerate() {
        for (m, &p) in mean.iter_mut().zip(src.row(y)) {
            *m = (2 * p as i16 - *m as i16).clamp(0, 255) as u8;
        }
    }
    GrayImage::new(w, h, blurred).expect("sizes match")
}

/// The rounded mean of a box's sum, `(sum + 3) / 7`, as a multiply and a shift (exact for
/// every sum of seven pixels; 16-bit lanes, which SSE2 multiplies, unlike 32-bit ones).
fn box_mean(sum: u16) -> u8 {
    const _: () = assert!(2 * SHARPEN_RADIUS + 1 == 7, "the reciprocal is for 7");
    // The high half of a 16-bit product (SSE2's `pmulhuw`).
    let rounded = sum + 3;
    ((rounded as u32 * 9363) >> 16) as u8
}

/// One row's box mean of radius [`SHARPEN_RADIUS`], edges repeated: the row padded by its
/// end pixels, then the seven shifted copies added element-wise (which vectorizes, where a
/// running sum along the row is one long chain of dependent additions).
fn box_row(row: &[u8], out: &mut [u8], padded: &mut [u16], sums: &mut [u16]) {
    const R: usize = SHARPEN_RADIUS;
    let w = row.len();
    let (first, last) = (row[0] as u16, row[w - 1] as u16);
    padded[..R].fill(first);
    for (p, &v) in padded[R..R + w].iter_mut().zip(row) {
        *p = v as u16;
    }
    padded[R + w..].fill(last);
    sums.copy_from_slice(&padded[..w]);
    for shift in 1..=2 * R {
        for (s, &p) in sums.iter_mut().zip(&padded[shift..shift + w]) {
            *s += p;
        }
    }
    for (o, &s) in out.iter_mut().zip(sums.iter()) {
        *o = box_mean(s);
    }
}

/// Every column's box mean of radius [`SHARPEN_RADIUS`], edges repeated: a running sum per
/// column, updated a whole row at a time (element-wise, so it vectorizes).
fn box_columns(src: &[u8], out: &mut [u8], w: usize, sums: &mut [u16]) {
    const R: usize = SHARPEN_RADIUS;
    let h = src.len() / w;
    let row = |y: usize| &src[y.min(h - 1) * w..][..w];
    for (s, &p) in sums.iter_mut().zip(row(0)) {
        *s = p as u16 * (R as u16 + 1);
    }
    for y in 1..=R {
        for (s, &p) in sums.iter_mut().zip(row(y)) {
            *s += p as u16;
        }
    }
    for (y, o) in out.chunks_exact_mut(w).enumerate() {
        for (o, &s) in o.iter_mut().zip(sums.iter()) {
            *o = box_mean(s);
        }
        let (add, drop) = (row(y + R + 1), row(y.saturating_sub(R)));
        for ((s, &a), &d) in sums.iter_mut().zip(add).zip(drop) {
            // At most seven pixels of 255 plus one: no overflow before the subtraction.
            *s = *s + a as u16 - d as u16;
        }
    }
}

/// Swaps black and white (for light-on-dark codes).
pub fn invert(src: GrayView<'_>) -> GrayImage {
    let mut out = Vec::with_capacity(src.width() * src.height());
    for y in 0..src.height() {
        out.extend(src.row(y).iter().map(|&p| 255 - p));
    }
    GrayImage::new(src.width(), src.height(), out).expect("sizes match")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mask, written the plain way: every window summed afresh, per pass.
    fn sharpen_by_plain_loops(img: &GrayImage) -> Vec<u8> {
        let (w, h) = (img.width(), img.height());
        let r = SHARPEN_RADIUS as isize;
        let span = (2 * r + 1) as u32;
        let mut b = img.pixels().to_vec();
        let clamp = |i: isize, n: usize| i.clamp(0, n as isize - 1) as usize;
        for _ in 0..3 {
            let mut t = vec![0u8; w * h];
            for y in 0..h {
                for x in 0..w {
                    let s: u32 = (-r..=r)
                        .map(|d| b[y * w + clamp(x as isize + d, w)] as u32)
                        .sum();
                    t[y * w + x] = ((s + span / 2) / span) as u8;
                }
            }
            for y in 0..h {
                for x in 0..w {
                    let s: u32 = (-r..=r)
                        .map(|d| t[clamp(y as isize + d, h) * w + x] as u32)
                        .sum();
                    b[y * w + x] = ((s + span / 2) / span) as u8;
                }
            }
        }
        img.pixels()
            .iter()
            .zip(&b)
            .map(|(&p, &m)| (2 * p as i32 - m as i32).clamp(0, 255) as u8)
            .collect()
    }

    #[test]
    fn box_mean_is_the_rounded_division() {
        for sum in 0..=7 * 255u16 {
            assert_eq!(box_mean(sum) as u16, (sum + 3) / 7, "{sum}");
        }
    }

    #[test]
    fn sharpen_matches_plain_loops_and_keeps_flat_areas() {
        for (w, h) in [(1, 1), (3, 2), (9, 17), (64, 40)] {
            let px = (0..w * h)
                .map(|i| ((i * 73 + (i / w) * 29) % 256) as u8)
                .collect();
            let img = GrayImage::new(w, h, px).unwrap();
            let sharp = sharpen(img.view());
            assert_eq!((sharp.width(), sharp.height()), (w, h));
            assert_eq!(sharp.pixels(), sharpen_by_plain_loops(&img), "{w}x{h}");
        }
        let flat = GrayImage::filled(20, 10, 140);
        assert_eq!(sharpen(flat.view()).pixels(), flat.pixels());
        let empty = GrayImage::new(0, 0, Vec::new()).unwrap();
        assert_eq!(sharpen(empty.view()).width(), 0);
    }

    /// A soft edge gets steeper: darker on the dark side, lighter on the light side.
    #[test]
    fn sharpen_steepens_a_soft_edge() {
        let ramp: Vec<u8> = (0..40).map(|x| (60 + x * 4) as u8).collect();
        let img = GrayImage::new(40, 3, [ramp.clone(), ramp.clone(), ramp].concat()).unwrap();
        let soft = GrayImage::new(
            40,
            1,
            (0..40).map(|x| if x < 20 { 80 } else { 180 }).collect(),
        )
        .unwrap();
        let sharp = sharpen(soft.view());
        assert!(
            sharp.pixels()[19] < 80 && sharp.pixels()[20] > 180,
            "{:?}",
            sharp.pixels()
        );
        // Far from the edge, and along a straight ramp, nothing changes.
        assert_eq!(sharp.pixels()[0], 80);
        assert_eq!(sharp.pixels()[39], 180);
        assert_eq!(sharpen(img.view()).pixels()[60..70], img.pixels()[60..70]);
    }

    #[test]
    fn shrink_averages_blocks() {
        let img = GrayImage::new(4, 2, vec![0, 10, 100, 200, 20, 30, 100, 200]).unwrap();
        let s = shrink(img.view(), 2);
        assert_eq!((s.width(), s.height()), (2, 1));
        assert_eq!(s.pixels(), &[15, 150]);
        assert_eq!(shrink_factor(4032, 3024, 1400), 3);
        assert_eq!(shrink_factor(640, 480, 1400), 1);
    }

    /// Every factor's fast path gives the plain rounded box average.
    #[test]
    fn shrink_matches_box_average() {
        let (w, h) = (75, 53);
        let px: Vec<u8> = (0..w * h)
            .map(|i| ((i * 97 + i / w * 31) % 256) as u8)
            .collect();
        let img = GrayImage::new(w, h, px.clone()).unwrap();
        for factor in [1, 2, 3, 4, 5, 6, 7, 17] {
            let s = shrink(img.view(), factor);
            assert_eq!((s.width(), s.height()), (w / factor, h / factor));
            for y in 0..h / factor {
                for x in 0..w / factor {
                    let mut sum = 0u32;
                    for yy in y * factor..(y + 1) * factor {
                        for xx in x * factor..(x + 1) * factor {
                            sum += px[yy * w + xx] as u32;
                        }
                    }
                    let area = (factor * factor) as u32;
                    let want = ((sum + area / 2) / area) as u8;
                    assert_eq!(
                        s.pixels()[y * (w / factor) + x],
                        want,
                        "x{factor} at {x},{y}"
                    );
                }
            }
        }
    }

    /// Frames narrower or lower than the factor shrink to nothing, without a panic.
    #[test]
    fn shrink_of_tiny_frames() {
        for (w, h) in [(2, 10), (10, 2), (3, 3), (7, 4), (0, 5)] {
            let img = GrayImage::new(w, h, vec![128; w * h]).unwrap();
            for factor in [3, 4, 6] {
                let s = shrink(img.view(), factor);
                assert_eq!((s.width(), s.height()), (w / factor, h / factor));
                assert!(s.pixels().iter().all(|&p| p == 128), "{w}x{h} x{factor}");
            }
        }
    }

    /// The 16-bit reciprocal of the small factors is exact for every sum.
    #[test]
    fn small_mean_is_exact() {
        fn check<const F: usize>() {
            let area = (F * F) as u32;
            for sum in 0..=255 * area {
                let want = ((sum + area / 2) / area) as u8;
                assert_eq!(small_mean::<F>(sum as u16), want, "factor {F}, sum {sum}");
            }
        }
        check::<2>();
        check::<3>();
        check::<4>();
    }

    /// The multiplication gives the division's result for every sum of every area a
    /// shrink factor up to 64 has (and the division above).
    #[test]
    fn rounded_mean_by_multiplication_is_exact() {
        for factor in (1..=66u32).chain([100]) {
            let area = factor * factor;
            let rounded = RoundedMean::new(area);
            for sum in 0..=255 * area {
                assert_eq!(
                    rounded.mean(sum),
                    ((sum + area / 2) / area) as u8,
                    "area {area}, sum {sum}"
                );
            }
        }
    }

    #[test]
    fn enlarge_keeps_flat_areas_and_size() {
        let img = GrayImage::filled(3, 2, 77);
        let e = enlarge2(img.view());
        assert_eq!((e.width(), e.height()), (6, 4));
        assert!(e.pixels().iter().all(|&p| p == 77));
    }

    #[test]
    fn enlarge_puts_each_source_pixel_under_its_two_by_two_block() {
        // A bright last column must end up in the last two output columns, not be clamped
        // away (the earlier half-pixel arithmetic showed only the top-left quarter).
        let img = GrayImage::new(4, 2, vec![0, 0, 0, 200, 0, 0, 0, 200]).unwrap();
        let e = enlarge2(img.view());
        let row = &e.pixels()[..8];
        assert_eq!(row[7], 200, "{row:?}");
        assert_eq!(row[6], 150, "{row:?}");
        assert_eq!(row[5], 50, "{row:?}");
        assert!(row[..5].iter().all(|&p| p == 0), "{row:?}");
    }
}
