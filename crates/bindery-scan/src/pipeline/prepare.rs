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
    let factor = factor.max(1);
    let (w, h) = (src.width() / factor, src.height() / factor);
    let mut out = Vec::with_capacity(w * h);
    // Column sums over a band of `factor` rows first (element-wise adds, which vectorize),
    // then sums of `factor` neighbouring columns: this runs on every large live frame.
    let mut cols = vec![0u32; w * factor];
    let area = (factor * factor) as u32;
    for by in 0..h {
        cols.fill(0);
        for y in by * factor..(by + 1) * factor {
            for (c, &p) in cols.iter_mut().zip(src.row(y)) {
                *c += p as u32;
            }
        }
        if factor == 2 {
            out.extend(cols.chunks_exact(2).map(|c| ((c[0] + c[1] + 2) / 4) as u8));
        } else {
            out.extend(
                cols.chunks_exact(factor)
                    .map(|c| ((c.iter().sum::<u32>() + area / 2) / area) as u8),
            );
        }
    }
    GrayImage::new(w, h, out).expect("sizes match")
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

    #[test]
    fn shrink_averages_blocks() {
        let img = GrayImage::new(4, 2, vec![0, 10, 100, 200, 20, 30, 100, 200]).unwrap();
        let s = shrink(img.view(), 2);
        assert_eq!((s.width(), s.height()), (2, 1));
        assert_eq!(s.pixels(), &[15, 150]);
        assert_eq!(shrink_factor(4032, 3024, 1400), 3);
        assert_eq!(shrink_factor(640, 480, 1400), 1);
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
