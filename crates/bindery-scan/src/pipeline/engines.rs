//! The two decoder engines, behind the same small interface: `rqrr` (fast finder-pattern
//! flood fill, fed our own binarization) and `rxing` (the pure-Rust ZXing port, whose
//! zxing-cpp-derived detector finds codes rqrr misses). Both have panicked on real photos,
//! so every call runs under `catch_unwind` and a panic becomes a counted miss.

use std::borrow::Cow;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use rxing::common::cpp_essentials::ConcentricPattern;
use rxing::common::{BitArray, BitMatrix, DetectorRXingResult, HybridBinarizer, LineOrientation};
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{FindFinderPatterns, GenerateFinderPatternSets, SampleQR};
use rxing::qrcode::QRCodeReader;
use rxing::{
    BarcodeFormat, Binarizer, BinaryBitmap, DecodeHints, Luma8Source, LuminanceSource, Reader,
};

use super::binarize::Thresholds;
use super::found::{bytes_to_text, Found, Point};
use super::{precheck, sample};
use crate::frame::GrayView;

/// What one engine run gave.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub found: Vec<Found>,
    /// Candidate codes located but not decoded (a hint that another pass may succeed).
    pub undecoded: usize,
    /// Finder-pattern candidates rxing's detector saw that no code it read explains: the
    /// cheap sign that a code is there for costlier passes to try (see `When::Located`).
    pub finder_patterns: usize,
    /// Those patterns: centre and size (the 1:1:3:1:1 run's width) in the pass's pixels.
    pub patterns: Vec<Stray>,
    pub panicked: bool,
}

/// A finder-pattern candidate no decoded code explains.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stray {
    pub x: f32,
    pub y: f32,
    pub size: f32,
}

/// rqrr on `img` binarized with `thresholds`; the binarization is written straight into
/// rqrr's own buffer (its buffer trait is private, so this is the one copy there is).
/// `limit` bounds the resampling of grids it located but could not read.
pub(crate) fn rqrr(img: GrayView<'_>, thresholds: &Rc<Thresholds>, limit: Resampling) -> Outcome {
    let run = || {
        let (w, h) = (img.width(), img.height());
        let mut row = img.row(0);
        let mut row_y = 0;
        let mut prepared = rqrr::PreparedImage::prepare_from_bitmap(w, h, |x, y| {
            if y != row_y {
                row = img.row(y);
                row_y = y;
            }
            thresholds.is_black(x, y, row[x])
        });
        collect_rqrr(
            prepared.detect_grids(),
            img,
            &|| Rc::clone(thresholds),
            limit,
        )
    };
    if img.width() == 0 || img.height() == 0 {
        return Outcome::default();
    }
    catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|_| Outcome {
        panicked: true,
        ..Outcome::default()
    })
}

/// rqrr with its own row-average threshold (it locates some blurred codes ours does not);
/// resampling falls back to the local thresholds `hybrid` gives (asked only when a grid
/// needs resampling), which rqrr's own binarization lacks.
pub(crate) fn rqrr_own(
    img: GrayView<'_>,
    limit: Resampling,
    hybrid: &dyn Fn() -> Rc<Thresholds>,
) -> Outcome {
    if img.width() == 0 || img.height() == 0 {
        return Outcome::default();
    }
    let run = || {
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(img.width(), img.height(), |x, y| {
                img.row(y)[x]
            });
        collect_rqrr(prepared.detect_grids(), img, hybrid, limit)
    };
    catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|_| Outcome {
        panicked: true,
        ..Outcome::default()
    })
}

/// Located grids a pass resamples itself at most (photos of textured surfaces can yield
/// dozens of false finder-pattern triples; each costs about a millisecond, and one that
/// does not decode up to ten: every size and sampling is tried).
const MAX_RESAMPLED: usize = 8;

/// How much resampling a pass may do on grids rqrr located but could not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resampling {
    /// Grids resampled at most.
    pub grids: usize,
    /// Whether sizes 4 modules off the counted one are tried too (each costs as much
    /// again; slant and blur can make the count a version off).
    pub other_sizes: bool,
}

impl Resampling {
    /// Everything that can still read a code (files).
    pub const FULL: Resampling = Resampling {
        grids: MAX_RESAMPLED,
        other_sizes: true,
    };
    /// Two grids: a grid that does not decode costs up to ten times a decoded one, and a
    /// live frame's budget is a few milliseconds (the next frames try again). Every size
    /// is still tried: leaving out the sizes 4 modules off saved a fifth of the time of
    /// the slowest frames but lost 3 of 160 codes on the tuning frames.
    pub const LIVE: Resampling = Resampling {
        grids: 2,
        other_sizes: true,
    };
}

/// The grids rqrr decoded; those it located but could not read get our own sampling of
/// `img` (see `sample`), with the local `thresholds` (asked for once, when first needed).
fn collect_rqrr<G: rqrr::BitGrid>(
    grids: Vec<rqrr::Grid<G>>,
    img: GrayView<'_>,
    thresholds: &dyn Fn() -> Rc<Thresholds>,
    limit: Resampling,
) -> Outcome {
    let mut outcome = Outcome::default();
    let mut resampled = 0;
    let mut local: Option<Rc<Thresholds>> = None;
    for grid in grids {
        let mut bytes = Vec::new();
        let corners = grid.bounds.map(|p| Point {
            x: p.x as f32,
            y: p.y as f32,
        });
        // rqrr's decoder only for grids that can decode (see `precheck`).
        match precheck::can_decode(&grid.grid) && grid.decode_to(&mut bytes).is_ok() {
            true => outcome.found.push(Found {
                text: bytes_to_text(bytes),
                corners: corners.to_vec(),
            }),
            false => {
                let size = rqrr::BitGrid::size(&grid.grid);
                let again = match resampled < limit.grids {
                    true => {
                        resampled += 1;
                        let located = sample::Located {
                            corners: outer_corners(corners, size),
                            size,
                        };
                        let thresholds = local.get_or_insert_with(thresholds);
                        sample::resample(img, &located, thresholds, limit.other_sizes)
                    }
                    false => None,
                };
                match again {
                    Some(found) => outcome.found.push(found),
                    None => outcome.undecoded += 1,
                }
            }
        }
    }
    outcome
}

/// rqrr reports its bounds at module `size + 1` (one module past the far edges); the code's
/// outer corners are at `size`.
fn outer_corners(bounds: [Point; 4], size: usize) -> [Point; 4] {
    let k = size as f32 / (size as f32 + 1.0);
    let o = bounds[0];
    bounds.map(|p| Point {
        x: o.x + (p.x - o.x) * k,
        y: o.y + (p.y - o.y) * k,
    })
}

/// What rxing binarizes with.
#[derive(Clone, Copy)]
pub(crate) enum RxingBits<'t> {
    /// ZXing's hybrid binarizer inside rxing (the reference; ~4x slower than ours, as it
    /// copies the frame and sets the matrix bit by bit).
    Own,
    /// Our thresholds, packed straight into rxing's bit matrix.
    Ours(&'t Thresholds),
}

/// rxing's QR readers on `img`: the zxing-cpp port for every code in the picture, then
/// ZXing's classic reader when that found none (`classic_fallback`).
pub(crate) fn rxing(
    img: GrayView<'_>,
    bits: RxingBits<'_>,
    try_harder: bool,
    classic_fallback: bool,
) -> Outcome {
    if img.width() < 21 || img.height() < 21 {
        return Outcome::default();
    }
    let packed;
    let luma = match img.as_packed() {
        Some(p) => p,
        None => {
            packed = img.to_owned_image();
            packed.pixels()
        }
    };
    let run = || {
        let hints = DecodeHints {
            TryHarder: Some(try_harder),
            PossibleFormats: Some([BarcodeFormat::QR_CODE].into_iter().collect()),
            ..DecodeHints::default()
        };
        let source = Luma8Source::new_with_slice(luma, img.width() as u32, img.height() as u32)
            .expect("size checked above");
        match bits {
            RxingBits::Own => read_rxing(
                BinaryBitmap::new(HybridBinarizer::new(source)),
                &hints,
                classic_fallback,
            ),
            RxingBits::Ours(thresholds) => read_rxing(
                BinaryBitmap::new(Prebinarized {
                    matrix: black_matrix(img, thresholds),
                    source,
                }),
                &hints,
                classic_fallback,
            ),
        }
    };
    catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|_| Outcome {
        panicked: true,
        ..Outcome::default()
    })
}

/// rxing's zxing-cpp detector and decoder, driven here rather than through its
/// `QrReader` so the pass learns which finder patterns no code explained — the sign that
/// a costlier pass may read what this one located (see `When::Located`). The classic ZXing
/// reader follows when the port read nothing and `classic_fallback` is set.
fn read_rxing<B: Binarizer>(
    mut bitmap: BinaryBitmap<B>,
    hints: &DecodeHints,
    classic_fallback: bool,
) -> Outcome {
    let mut outcome = Outcome::default();
    let matrix = bitmap.get_black_matrix();
    let mut patterns = FindFinderPatterns(matrix, hints.TryHarder.unwrap_or(false), 0);
    let mut explained: Vec<ConcentricPattern> = Vec::new();
    for set in GenerateFinderPatternSets(&mut patterns) {
        let corners = [set.tl, set.tr, set.bl];
        if corners.iter().any(|p| explained.contains(p)) {
            continue;
        }
        let Ok(detected) = SampleQR(matrix, &set) else {
            continue;
        };
        let Ok(decoded) = Decode(detected.getBits()) else {
            continue;
        };
        if !decoded.isValid() {
            continue;
        }
        explained.extend(corners);
        let mut corners: Vec<Point> = detected
            .getPoints()
            .iter()
            .map(|p| Point { x: p.x, y: p.y })
            .collect();
        // The port lists top-left, top-right, bottom-left, bottom-right; callers get the
        // outline in order around the code.
        if corners.len() == 4 {
            corners.swap(2, 3);
        }
        outcome.found.push(Found {
            text: decoded.text(),
            corners,
        });
    }
    outcome.patterns = patterns
        .iter()
        .filter(|p| !explained.contains(p))
        .map(|p| Stray {
            x: p.p.x,
            y: p.p.y,
            size: p.size as f32,
        })
        .collect();
    outcome.finder_patterns = outcome.patterns.len();
    if outcome.found.is_empty() && classic_fallback {
        if let Ok(r) = QRCodeReader.decode_with_hints(&mut bitmap, hints) {
            outcome.found.push(Found {
                text: r.getText().to_owned(),
                corners: r
                    .getPoints()
                    .iter()
                    .map(|p| Point { x: p.x, y: p.y })
                    .collect(),
            });
        }
    }
    outcome
}

/// `img` binarized with `thresholds` as rxing's bit matrix, a machine word at a time.
fn black_matrix(img: GrayView<'_>, thresholds: &Thresholds) -> BitMatrix {
    const WORD_BYTES: usize = std::mem::size_of::<usize>();
    let (w, h) = (img.width(), img.height());
    let mut matrix = BitMatrix::new(w as u32, h as u32).expect("size checked by the caller");
    let mut row_bits = BitArray::with_size(w);
    let mut bytes = vec![0u8; w.div_ceil(8).next_multiple_of(WORD_BYTES)];
    for y in 0..h {
        thresholds.pack_row(y, img.row(y), &mut bytes);
        for (i, word) in bytes.chunks_exact(WORD_BYTES).enumerate() {
            let word = usize::from_le_bytes(word.try_into().expect("word-sized chunk"));
            row_bits.setBulk(i * usize::BITS as usize, word);
        }
        matrix.setRow(y as u32, &row_bits);
    }
    matrix
}

/// A binarizer whose answer is already known: our black/white matrix, built once.
struct Prebinarized<'a> {
    source: Luma8Source<'a>,
    matrix: BitMatrix,
}

impl<'a> Binarizer for Prebinarized<'a> {
    type Source = Luma8Source<'a>;

    fn get_luminance_source(&self) -> &Self::Source {
        &self.source
    }

    fn get_black_row(&self, y: usize) -> rxing::common::Result<Cow<'_, BitArray>> {
        if y >= self.matrix.getHeight() as usize {
            return Err(rxing::Exceptions::INDEX_OUT_OF_BOUNDS);
        }
        Ok(Cow::Owned(self.matrix.getRow(y as u32)))
    }

    fn get_black_row_from_matrix(&self, y: usize) -> rxing::common::Result<Cow<'_, BitArray>> {
        self.get_black_row(y)
    }

    fn get_black_matrix(&self) -> rxing::common::Result<&BitMatrix> {
        Ok(&self.matrix)
    }

    fn get_black_line(
        &self,
        l: usize,
        lt: LineOrientation,
    ) -> rxing::common::Result<Cow<'_, BitArray>> {
        match lt {
            LineOrientation::Row => self.get_black_row(l),
            LineOrientation::Column if l < self.matrix.getWidth() as usize => {
                Ok(Cow::Owned(self.matrix.getCol(l as u32)))
            }
            LineOrientation::Column => Err(rxing::Exceptions::INDEX_OUT_OF_BOUNDS),
        }
    }

    fn create_binarizer(&self, source: Self::Source) -> Self {
        // Only rxing's crop/rotate helpers call this, which the QR readers do not use; a
        // fresh picture gets ZXing's hybrid rule, as our thresholds belong to the old one.
        let matrix = HybridBinarizer::new(source.clone())
            .get_black_matrix()
            .cloned()
            .unwrap_or_else(|_| {
                BitMatrix::new(
                    source.get_width().max(1) as u32,
                    source.get_height().max(1) as u32,
                )
                .expect("non-zero size")
            });
        Prebinarized { source, matrix }
    }

    fn get_width(&self) -> usize {
        self.matrix.getWidth() as usize
    }

    fn get_height(&self) -> usize {
        self.matrix.getHeight() as usize
    }
}

// The bench-data lookup the integration tests use, shared by path so both kinds of test
// find the photos (and skip or fail without them) the same way.
#[cfg(test)]
#[path = "../../tests/common/bench_data.rs"]
mod bench_data;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::GrayImage;
    use crate::pipeline::binarize::Method;

    fn texts(outcome: &Outcome) -> Vec<&str> {
        outcome.found.iter().map(|f| f.text.as_str()).collect()
    }

    /// rqrr 0.11 trips a geometry assertion on this ZXing image, whatever binarization it
    /// gets: each run must come back as a miss marked `panicked` (caught, never unwound into
    /// the caller), and rxing must still read the code. The image is read from the bench
    /// data (see `bench_data`).
    #[test]
    fn rqrr_panics_stay_inside() {
        let Some(path) = bench_data::bench_photo("zxing-qrcode-6/7.png") else {
            return;
        };
        let img = GrayImage::from_dynamic(image::open(path).unwrap());
        let wide_mean = Method::LocalMean {
            radius: 6,
            offset: 6,
        };
        let runs = [
            (
                "hybrid",
                rqrr(
                    img.view(),
                    &Rc::new(Thresholds::compute(img.view(), Method::Hybrid)),
                    Resampling::FULL,
                ),
            ),
            (
                "wide mean",
                rqrr(
                    img.view(),
                    &Rc::new(Thresholds::compute(img.view(), wide_mean)),
                    Resampling::FULL,
                ),
            ),
            (
                "own threshold",
                rqrr_own(img.view(), Resampling::FULL, &|| {
                    Rc::new(Thresholds::compute(img.view(), Method::Hybrid))
                }),
            ),
        ];
        for (what, outcome) in runs {
            assert!(
                outcome.panicked,
                "rqrr on {what}: no panic, so this image no longer tests catching one: {outcome:?}"
            );
            assert!(texts(&outcome).is_empty(), "rqrr on {what}: {outcome:?}");
        }
        let outcome = rxing(img.view(), RxingBits::Own, true, true);
        assert!(!outcome.panicked, "{outcome:?}");
        assert_eq!(texts(&outcome), ["1234567890"]);
    }
}
