//! Threshold grids computed once a frame.
//!
//! The cascade binarizes the same prepared picture many times: in `Thorough` the working
//! picture gets the hybrid rule for rqrr, for rqrr's resampling after its own threshold and
//! for our finder search, the wide mean for rxing and rqrr, the narrow mean, and the hybrid
//! rule again on the negative; in `Live` the first pass and the idle turn binarize the
//! working picture alike, and the located passes of a frame share one window. Every one of
//! those grids started by reading the picture's block statistics, the costly part. Here
//! each picture (scale and crop) has its statistics read once a frame, each method's grid
//! derived from them once, and the negative's statistics derived from the picture's
//! (`BlockStats::negative`) rather than read from an inverted copy.

use std::cell::RefCell;
use std::rc::Rc;

use super::binarize::{BlockStats, Method, Thresholds};
use super::Scale;
use crate::frame::GrayView;

/// Which picture of the frame: a scale, the crop of it a pass looks at (x, y, width,
/// height in that scale's pixels), and whether it is the sharpened copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Picture {
    pub scale: Scale,
    pub crop: (usize, usize, usize, usize),
    pub sharpened: bool,
}

/// One frame's block statistics and threshold grids; made afresh for every frame, as a
/// camera's next frame is another picture. Shared by reference between a pass and the
/// engine that may want thresholds only if it locates a grid it cannot read.
#[derive(Default)]
pub(crate) struct FrameCache {
    pictures: RefCell<Vec<Entry>>,
}

struct Entry {
    picture: Picture,
    stats: Rc<BlockStats>,
    negative: Option<Rc<BlockStats>>,
    /// (method, of the negative, grid).
    grids: Vec<(Method, bool, Rc<Thresholds>)>,
}

impl FrameCache {
    /// The thresholds `method` gives `picture` (whose pixels are `img`), or its negative
    /// when `negative` is set (for the picture `prepare::invert(img)`).
    pub(crate) fn thresholds(
        &self,
        picture: Picture,
        img: GrayView<'_>,
        method: Method,
        negative: bool,
    ) -> Rc<Thresholds> {
        let mut pictures = self.pictures.borrow_mut();
        let index = match pictures.iter().position(|e| e.picture == picture) {
            Some(i) => i,
            None => {
                pictures.push(Entry {
                    picture,
                    stats: Rc::new(BlockStats::compute(img)),
                    negative: None,
                    grids: Vec::new(),
                });
                pictures.len() - 1
            }
        };
        let entry = &mut pictures[index];
        if let Some((_, _, grid)) = entry
            .grids
            .iter()
            .find(|(m, n, _)| *m == method && *n == negative)
        {
            return Rc::clone(grid);
        }
        let stats = match negative {
            false => Rc::clone(&entry.stats),
            true => Rc::clone(
                entry
                    .negative
                    .get_or_insert_with(|| Rc::new(entry.stats.negative())),
            ),
        };
        let grid = Rc::new(Thresholds::from_stats(&stats, method));
        entry.grids.push((method, negative, Rc::clone(&grid)));
        grid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::GrayImage;
    use crate::pipeline::prepare;

    fn picture() -> GrayImage {
        let (w, h) = (90, 50);
        let px = (0..w * h)
            .map(|i| ((i * 37 + (i / w) * 11) % 251) as u8)
            .collect();
        GrayImage::new(w, h, px).unwrap()
    }

    /// What the cache hands out is what computing afresh gives, for the picture and its
    /// negative, and a second ask gets the same grid rather than a new one.
    #[test]
    fn cached_grids_equal_fresh_ones() {
        let img = picture();
        let cache = FrameCache::default();
        let at = Picture {
            scale: Scale::Working,
            crop: (0, 0, img.width(), img.height()),
            sharpened: false,
        };
        let negative = prepare::invert(img.view());
        let wide = Method::LocalMean {
            radius: 6,
            offset: 6,
        };
        for method in [Method::Hybrid, wide] {
            let t = cache.thresholds(at, img.view(), method, false);
            assert_eq!(
                t.apply(img.view()),
                Thresholds::compute(img.view(), method).apply(img.view())
            );
            let n = cache.thresholds(at, img.view(), method, true);
            assert_eq!(
                n.apply(negative.view()),
                Thresholds::compute(negative.view(), method).apply(negative.view())
            );
            assert!(Rc::ptr_eq(
                &t,
                &cache.thresholds(at, img.view(), method, false)
            ));
        }
        // Another crop is another picture.
        let crop = img.view().crop(8, 8, 40, 30);
        let other = Picture {
            scale: Scale::Working,
            crop: (8, 8, 40, 30),
            sharpened: false,
        };
        assert_eq!(
            cache
                .thresholds(other, crop, Method::Hybrid, false)
                .apply(crop),
            Thresholds::compute(crop, Method::Hybrid).apply(crop)
        );
    }
}
