//! Where a module is in the picture and what gray it has there: the projective map from
//! module coordinates to pixels, and bilinear sampling between pixel centres.

use crate::frame::GrayView;
use crate::pipeline::found::Point;

pub(super) fn sample_modules(img: GrayView<'_>, h: &Homography, n: usize) -> Vec<f32> {
    (0..n * n)
        .map(|i| bilinear(img, h.map((i % n) as f32 + 0.5, (i / n) as f32 + 0.5)))
        .collect()
}

pub(super) fn clamp_pixel(img: GrayView<'_>, p: Point) -> (usize, usize) {
    (
        (p.x.max(0.0) as usize).min(img.width() - 1),
        (p.y.max(0.0) as usize).min(img.height() - 1),
    )
}

/// Gray level at a sub-pixel position (pixel centres at integer + 0.5), clamped inside.
// Called for every fixed module at every refinement step, now from `pattern` too: inline
// across modules, as it was when all of this was one file.
#[inline]
pub(super) fn bilinear(img: GrayView<'_>, p: Point) -> f32 {
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
pub(crate) struct Homography {
    /// The matrix [[m0 m1 m2] [m3 m4 m5] [m6 m7 1]] for module coordinates divided by `n`.
    pub(super) m: [f32; 8],
    n: f32,
}

impl Homography {
    /// Maps the square [0, n]² onto `quad` (its corners in order TL, TR, BR, BL).
    pub(crate) fn square_to_quad(n: f32, quad: &[Point; 4]) -> Option<Self> {
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

    #[inline]
    pub(crate) fn map(&self, u: f32, v: f32) -> Point {
        let (u, v) = (u / self.n, v / self.n);
        let m = &self.m;
        let w = m[6] * u + m[7] * v + 1.0;
        Point {
            x: (m[0] * u + m[1] * v + m[2]) / w,
            y: (m[3] * u + m[4] * v + m[5]) / w,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
