//! The fixed patterns of a QR code: the modules whose colour every code of a size has
//! (finders with their separators, timing rows, alignment patterns). Refinement moves the
//! outline until these show the most contrast, and their mean levels set the threshold.

use super::geometry::{bilinear, Homography};
use crate::frame::GrayView;

/// The modules whose colour every code of a size has, with that colour.
pub(super) struct FixedPattern {
    pub(super) size: usize,
    /// (column, row, dark)
    modules: Vec<(u16, u16, bool)>,
    /// `modules[..finders]` are the finders with their separators; the rest are the
    /// timing rows and alignment patterns.
    finders: usize,
}

impl FixedPattern {
    pub(super) fn new(n: usize) -> Self {
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
        let finders = modules.len();
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
        FixedPattern {
            size: n,
            modules,
            finders,
        }
    }

    /// Mean gray of the light fixed modules minus that of the dark ones.
    pub(super) fn contrast(&self, img: GrayView<'_>, h: &Homography) -> f32 {
        Self::contrast_of(&self.modules, img, h)
    }

    /// [`FixedPattern::contrast`] of the finders (with separators) alone, and of the
    /// timing rows and alignment patterns alone.
    pub(super) fn split_contrast(&self, img: GrayView<'_>, h: &Homography) -> (f32, f32) {
        let (finders, rest) = self.modules.split_at(self.finders);
        (
            Self::contrast_of(finders, img, h),
            Self::contrast_of(rest, img, h),
        )
    }

    fn contrast_of(modules: &[(u16, u16, bool)], img: GrayView<'_>, h: &Homography) -> f32 {
        let (mut dark, mut light, mut nd, mut nl) = (0.0, 0.0, 0u32, 0u32);
        for &(x, y, is_dark) in modules {
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
    pub(super) fn means(&self, values: &[f32]) -> (f32, f32) {
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

#[cfg(test)]
mod tests {
    use super::alignment_centres;

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
}
