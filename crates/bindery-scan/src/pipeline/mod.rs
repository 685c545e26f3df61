//! One gray frame in, the QR codes in it out. The data path, one module per step:
//!
//! 1. [`prepare`]: bring the frame to a working scale (shrink 12 MP photos, enlarge tiny
//!    crops) — borrowed, not copied, when no resampling is needed;
//! 2. [`binarize`]: local thresholds that survive glare, shadow and dim light;
//! 3. `engines`: detect finder patterns, identify the grid and decode it — rqrr on our
//!    binarization first (cheap), rxing's ZXing/zxing-cpp port next; `finder`, our own
//!    finder-pattern search, for what both miss (strong slant, small light-on-dark
//!    modules), its candidates sampled by `sample`;
//! 4. here: the cascade that decides which pass runs next, maps corners back to frame
//!    coordinates, parses each text with `bindery-core` and removes duplicates.
//!
//! Which passes run is data (a list of [`Pass`]es per [`Effort`]), chosen by measurement on
//! the bench sets: live frames get one cheap pass, and the costly ones only when its
//! detector saw finder patterns it could not turn into a code — then within a per-frame
//! work budget, in turn across frames, on the window around those patterns (`region`);
//! files get every pass that added codes plus fallbacks that only run when nothing was
//! read.

pub mod binarize;
mod cache;
mod engines;
mod finder;
pub mod formats;
mod found;
mod precheck;
pub mod prepare;
mod region;
mod sample;

use std::rc::Rc;

use bindery_core::{parse_qr, QrError, QrPayload};

use crate::frame::{GrayImage, GrayView};
pub use binarize::Method;
use engines::{Outcome, RxingBits, Stray};
pub use formats::{parse_formats, Format, UnknownFormat};
use found::Found;
pub use found::Point;

/// Which engine read a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// rqrr (or our own resampling of a grid rqrr located, decoded with rqrr's decoder).
    Rqrr,
    /// rxing: its zxing-cpp port, or ZXing's classic reader.
    Rxing,
    /// Our own finder-pattern search (`finder`), tolerant of strong slant and small
    /// light-on-dark modules, with our sampling and rqrr's decoder.
    Finder,
}

/// A decoded code: a QR code, or another [`Format`] when the decoder was asked for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Code {
    /// Its symbology.
    pub format: Format,
    /// The text exactly as decoded.
    pub text: String,
    /// The text read as a Bindery label (or why it is not one).
    pub payload: Result<QrPayload, QrError>,
    /// The code's outline in frame coordinates: four corners (top-left, top-right,
    /// bottom-right, bottom-left) from rqrr and rxing's main reader; three finder-pattern
    /// centres when ZXing's classic reader was the one that succeeded; for a Code 128, the
    /// two ends of the line it was read on.
    pub corners: Vec<Point>,
    /// The engine that read it first.
    pub engine: Engine,
}

impl Code {
    /// The middle of the outline.
    pub fn center(&self) -> Point {
        let n = self.corners.len().max(1) as f32;
        Point {
            x: self.corners.iter().map(|p| p.x).sum::<f32>() / n,
            y: self.corners.iter().map(|p| p.y).sum::<f32>() / n,
        }
    }

    /// The outline's longest side-or-diagonal, a rough code size in pixels.
    fn extent(&self) -> f32 {
        let mut best = 0.0f32;
        for a in &self.corners {
            for b in &self.corners {
                best = best.max(((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt());
            }
        }
        best
    }
}

/// How hard to look: a preset list of [`Pass`]es.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    /// Camera frames: the cheap passes; the next frame is the retry.
    Live,
    /// Single images: every pass that can still add a code.
    Thorough,
}

/// At which scale a pass looks at the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Shrunk so the longer side is at most the decoder's `max_side` (often the frame itself).
    Working,
    /// Half the working scale: blur spread over a few pixels shrinks below one, which
    /// rescued blurred photos on the bench.
    Half,
    /// The frame as delivered.
    Full,
    /// The frame enlarged 2x (only for frames up to [`SMALL_SIDE`] on the longer side).
    Double,
}

impl Scale {
    /// Whether a pass at this scale has anything to add on `frame`, which the working scale
    /// shrinks `factor` times.
    fn applies(self, frame: GrayView<'_>, factor: usize) -> bool {
        match self {
            Scale::Working => true,
            // Too few pixels left for a code.
            Scale::Half => frame.width().min(frame.height()) / (2 * factor) >= 64,
            // At factor 1 the working-scale passes already saw these pixels.
            Scale::Full => factor > 1,
            Scale::Double => frame.width().max(frame.height()) <= SMALL_SIDE,
        }
    }
}

/// Which binarization an engine gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binarization {
    /// The engine's own (rqrr: its row-average threshold; rxing: ZXing's hybrid).
    Own,
    /// Ours, handed over as a black/white picture.
    Local(Method),
    /// The engine's own, on the negative (light-on-dark codes).
    Inverted,
    /// Our hybrid rule on the picture sharpened by an unsharp mask (`prepare::sharpen`):
    /// defocus and motion blur soften module edges until a local threshold breaks finder
    /// patterns apart.
    Sharpened,
}

/// When a pass runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Every time.
    Always,
    /// Only when no earlier pass read anything.
    NothingRead,
    /// Only when rxing's detector saw at least `min_finders` finder-pattern candidates that
    /// no code read so far accounts for: a code is probably there. Frames without one (most
    /// camera frames before the label is in view) skip these passes.
    Located {
        /// How many unexplained finder patterns it takes.
        min_finders: usize,
    },
    /// Only when no earlier pass read anything and, under a work budget (live frames), only
    /// on one frame in `every` (the decoder's frame count modulo `every` equal to
    /// `phase`): a search too costly for every empty camera frame and with no cheaper
    /// sign to wait for (a light-on-dark code shows the other passes no finder pattern),
    /// spread across frames instead. Without a budget (files) it runs whenever nothing
    /// was read.
    Idle {
        /// One frame in this many.
        every: u64,
        /// Which one.
        phase: u64,
    },
}

/// One attempt: an engine at a scale with a binarization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// The engine that looks.
    pub engine: Engine,
    /// The scale it looks at.
    pub scale: Scale,
    /// The black/white picture it gets.
    pub binarization: Binarization,
    /// Whether it runs, given what the earlier passes of the frame found.
    pub when: When,
}

impl Pass {
    /// What the pass costs, relative to rxing on our binarization at working scale, on a
    /// frame `factor` times the working scale: the pixels it looks at times its engine's
    /// cost a pixel (rqrr's flood fill and resampling cost four to five times rxing's row
    /// scans, and an engine's own binarization half as much again). The weights are rounded
    /// from per-pass CPU times on the generated hard 720p frames; the budget needs them only
    /// to be in the right order.
    pub fn cost(&self, factor: usize) -> f32 {
        let pixels = match self.scale {
            Scale::Working => 1.0,
            Scale::Half => 0.25,
            Scale::Full => (factor * factor) as f32,
            Scale::Double => 4.0,
        };
        let engine = match (self.engine, self.binarization) {
            (Engine::Rxing, Binarization::Local(_) | Binarization::Sharpened) => 1.0,
            (Engine::Rxing, _) => 1.5,
            (Engine::Rqrr, Binarization::Local(_) | Binarization::Sharpened) => 4.0,
            (Engine::Rqrr, _) => 6.0,
            // Measured about as costly as rxing's pass, twice that with the columns and
            // the negative; rounded up, as a failed triple costs a few milliseconds more.
            (Engine::Finder, _) => 4.0,
        };
        pixels * engine
    }

    /// A pass that always runs.
    pub const fn new(engine: Engine, scale: Scale, binarization: Binarization) -> Self {
        Pass {
            engine,
            scale,
            binarization,
            when: When::Always,
        }
    }

    /// This pass, run only when nothing was read yet.
    pub const fn fallback(self) -> Self {
        Pass {
            when: When::NothingRead,
            ..self
        }
    }

    /// This pass, run only when nothing was read, and on live frames only on one frame in
    /// `every` (see [`When::Idle`]).
    pub const fn if_idle(self, every: u64, phase: u64) -> Self {
        Pass {
            when: When::Idle { every, phase },
            ..self
        }
    }

    /// This pass, run only when at least `min_finders` finder patterns are unexplained.
    pub const fn if_located(self, min_finders: usize) -> Self {
        Pass {
            when: When::Located { min_finders },
            ..self
        }
    }
}

const HYBRID: Binarization = Binarization::Local(Method::Hybrid);
const WIDE_MEAN: Binarization = Binarization::Local(Method::LocalMean {
    radius: 6,
    offset: 6,
});
/// A mean over 5x5 blocks (40 px): follows a hard shadow edge or the rim of a glare spot
/// across the code, which both the hybrid rule's window and the wide mean smear over (on
/// the generated tuning frames: +2 of 20 under glare, +2 under a hard shadow).
const NARROW_MEAN: Binarization = Binarization::Local(Method::LocalMean {
    radius: 2,
    offset: 4,
});
/// The same at half scale with a smaller offset, for dim frames where noise is as strong
/// as the label's contrast (+2 of 20 on the noisy tuning frames; files only, see `LIVE`).
const NARROW_MEAN_DIM: Binarization = Binarization::Local(Method::LocalMean {
    radius: 2,
    offset: 2,
});

/// Live frames: rxing's detector at working scale on our hybrid binarization (the same rule
/// as rxing's own, about 4x cheaper), and at half scale when that read nothing (a quarter
/// of the pixels; rescues blurred codes). A frame with no finder pattern stops there: every
/// other pass costs 1–4x the first one's time, and most camera frames hold no code yet.
/// When finder patterns are left unexplained, the passes that read most of the codes the
/// first two missed on the bench sets run (+10 / +9 / +23 codes): rqrr at half and working
/// scale (its own flood-fill finder search, then our resampling of grids it could not
/// read), rxing at full resolution (frames shrunk for the working scale), and a wider local
/// mean for uneven light, tried on a single unexplained pattern too (a blurred code whose
/// other two patterns no binarization shows), then the narrow mean for hard shadows and
/// glare rims. They run under [`LIVE_BUDGET`]: a few a frame, in turn, on the window
/// around the unexplained patterns (see `region`). Their costs (1, 1 | 4 | 6 | 1, 1 on a
/// 720p frame without a window) pack into exactly four frames of the budget; the dim
/// narrow mean of `THOROUGH` read nothing more live on the tuning frames and would make it
/// five, which lost a code on each of two shared sets.
///
/// Last, our finder search (both polarities, every second row) on one frame in three that
/// read nothing: light-on-dark codes show rxing's detector no pattern, so no located pass
/// ever looks at them, and strongly slanted ones have patterns it rejects (+2 codes on
/// zxing-cpp's samples, +5 on BoofCV's). It is not a located pass because there is no sign
/// to wait for; one frame in three keeps its cost (about a cheap pass) off the typical
/// frame, and a photo given as four frames still gets its turn. On another frame in three,
/// the same search on the sharpened picture (`prepare::sharpen`): codes blurred by defocus
/// or a moving hand, whose finder patterns no binarization of the plain picture keeps
/// whole (+3 / +2 live on the generated tuning frames of those two conditions, +8 on
/// BoofCV's photos; a 720p frame without a code costs under 1 ms more at the median).
const LIVE: &[Pass] = &[
    Pass::new(Engine::Rxing, Scale::Working, HYBRID),
    Pass::new(Engine::Rxing, Scale::Half, HYBRID).fallback(),
    Pass::new(Engine::Rqrr, Scale::Half, HYBRID).if_located(2),
    Pass::new(Engine::Rqrr, Scale::Half, WIDE_MEAN).if_located(2),
    Pass::new(Engine::Rqrr, Scale::Working, HYBRID).if_located(2),
    Pass::new(Engine::Rqrr, Scale::Working, Binarization::Own).if_located(2),
    Pass::new(Engine::Rxing, Scale::Full, HYBRID).if_located(2),
    Pass::new(Engine::Rxing, Scale::Working, WIDE_MEAN).if_located(1),
    Pass::new(Engine::Rxing, Scale::Working, NARROW_MEAN).if_located(1),
    Pass::new(Engine::Finder, Scale::Working, Binarization::Own).if_idle(3, 0),
    Pass::new(Engine::Finder, Scale::Working, Binarization::Sharpened).if_idle(3, 1),
];
/// Files: the passes that each added codes on the bench sets, all run (several codes may
/// be in one photo), then the fallbacks for when none of them read anything.
const THOROUGH: &[Pass] = &[
    Pass::new(Engine::Rxing, Scale::Working, Binarization::Own),
    Pass::new(Engine::Rxing, Scale::Working, WIDE_MEAN),
    Pass::new(Engine::Rxing, Scale::Working, NARROW_MEAN),
    Pass::new(Engine::Rxing, Scale::Half, NARROW_MEAN_DIM).fallback(),
    Pass::new(Engine::Rqrr, Scale::Working, WIDE_MEAN),
    Pass::new(Engine::Rqrr, Scale::Working, HYBRID),
    // rqrr's own row-average threshold locates some blurred codes that local thresholds
    // break apart (boofcv-blurred/image018); located grids are resampled (see `sample`).
    Pass::new(Engine::Rqrr, Scale::Working, Binarization::Own),
    // Not a fallback: a photo with several codes (boofcv-rotations/image026) can have one
    // too small for the working scale while the others were read there.
    Pass::new(Engine::Rxing, Scale::Full, HYBRID),
    // Our own finder-pattern search (`finder`): strong slant and codes whose patterns the
    // engines' run checks reject (boofcv-perspective/image009, boofcv-nominal/image004).
    Pass::new(Engine::Finder, Scale::Working, HYBRID),
    // The same on small frames enlarged: 2–3 px modules, where one pixel is a third of a
    // module (boofcv-nominal/image001, image003). `Scale::Double` applies to those only.
    Pass::new(Engine::Finder, Scale::Double, HYBRID),
    // Blurred codes (defocus, a moving hand) through an unsharp mask. On the generated
    // tuning frames: motion blur 22 -> 25 of 30, defocus 17 -> 19 (its radius and strength
    // were chosen there); BoofCV's blurred photos 44 -> 49. Run on every file it read two
    // more codes of BoofCV's many-code photos, but took the generated 720p sets' medians
    // from 54–245 to 64–329 ms (cylinder 61 -> 173); as a fallback it costs nothing where
    // another pass read the code.
    Pass::new(Engine::Finder, Scale::Working, Binarization::Sharpened).fallback(),
    Pass::new(Engine::Finder, Scale::Working, Binarization::Inverted).fallback(),
    Pass::new(Engine::Rxing, Scale::Half, Binarization::Own).fallback(),
    Pass::new(Engine::Rqrr, Scale::Double, HYBRID).fallback(),
    Pass::new(Engine::Rxing, Scale::Double, Binarization::Own).fallback(),
    Pass::new(Engine::Rxing, Scale::Working, Binarization::Inverted).fallback(),
];

/// Keeps the decoder engines' caught panics out of stderr. Call once at start-up in
/// programs whose stderr users read (the CLI); the panics are still caught and counted in
/// [`ScanStats::panics`]. Panics raised anywhere else are reported as before.
pub fn quiet_engine_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_engine = info.location().is_some_and(|l| {
            let file = l.file();
            file.contains("/rqrr-") || file.contains("/rxing-")
        });
        if !in_engine {
            previous(info);
        }
    }));
}

/// Counters kept across frames.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Frames given to [`Decoder::decode`].
    pub frames: u64,
    /// Frames with at least one code.
    pub frames_with_codes: u64,
    /// Engine panics caught (each one a miss, never a crash).
    pub panics: u64,
    /// Passes run over all frames: with [`ScanStats::frames`], what the cascade costs.
    pub passes: u64,
    /// Passes a frame wanted but left to the next frames, its work budget being spent
    /// (see [`Decoder::with_budget`]).
    pub deferred: u64,
    /// Work the [`When::Located`] passes did, in thousandths of a [`Pass::cost`] unit
    /// (scaled by the share of the frame they looked at).
    pub located_work: u64,
}

/// The decode pipeline. Cheap to create; keep one per worker to accumulate [`ScanStats`].
#[derive(Debug, Clone)]
pub struct Decoder {
    passes: Vec<Pass>,
    /// Stop after a pass that read codes and left no located code or finder pattern unread.
    stop_early: bool,
    /// Whether rxing's classic ZXing reader runs when its zxing-cpp port found nothing.
    classic_fallback: bool,
    max_side: usize,
    /// The symbologies looked for: QR runs `passes`, the others `formats::read_others`.
    formats: Vec<Format>,
    /// Work allowed per frame for the [`When::Located`] passes, in [`Pass::cost`] units;
    /// `None`: no limit.
    budget: Option<f32>,
    /// The rotating schedule: the index in `passes` of the located pass the next frame
    /// starts with, so that what one frame had no budget for is the next frame's first try.
    next_located: usize,
    stats: ScanStats,
}

/// The work a live frame may spend on its [`When::Located`] passes, in [`Pass::cost`]
/// units (1 = rxing on our binarization at working scale). The located passes together
/// cost 14 units on a 720p frame (18 on a frame shrunk 2x), 3–8x the cheap first pass
/// in CPU time: run all at once on every frame that shows a stray finder pattern (noise,
/// text, a code too blurred to read), they took live frames from zxing-cpp's time to
/// 5–15x it. With this budget a frame runs the cheap passes and a quarter of the rest, the
/// next frame the next quarter, so every pass still gets its try within four frames (a
/// camera delivers 30 a second) while no single frame stalls the scanner.
pub const LIVE_BUDGET: f32 = 2.0;

/// Frames larger than this (longer side) are shrunk by an integer factor for the
/// [`Scale::Working`] passes: a label needs ~3 px a module, and a 12 MP photo spends most
/// of its time on pixels that add nothing.
pub const DEFAULT_MAX_SIDE: usize = 1400;
/// Frames up to this (longer side) can get [`Scale::Double`] passes.
pub const SMALL_SIDE: usize = 720;

impl Decoder {
    /// The decoder for `effort`: [`Effort::Live`] for camera frames, [`Effort::Thorough`]
    /// for files.
    pub fn new(effort: Effort) -> Self {
        match effort {
            // The classic reader runs on every frame without a code (~20% of its time). On
            // the bench it added 4 of 627 codes to Live but took the 640x480 empty frame to
            // 1.45x zxing-cpp's time; on a camera the next frame is the retry.
            Effort::Live => Decoder {
                classic_fallback: false,
                budget: Some(LIVE_BUDGET),
                ..Decoder::with_passes(LIVE.to_vec(), true)
            },
            Effort::Thorough => Decoder::with_passes(THOROUGH.to_vec(), false),
        }
    }

    /// A decoder running exactly `passes` (for experiments and the bench); with
    /// `stop_early` it stops after a pass that read codes and left no located code or finder
    /// pattern unread.
    pub fn with_passes(passes: Vec<Pass>, stop_early: bool) -> Self {
        Decoder {
            passes,
            stop_early,
            classic_fallback: true,
            max_side: DEFAULT_MAX_SIDE,
            formats: vec![Format::Qr],
            budget: None,
            next_located: 0,
            stats: ScanStats::default(),
        }
    }

    /// Limits the work of each frame's [`When::Located`] passes to `budget` units of
    /// [`Pass::cost`] (`None`: no limit). A frame always runs the first located pass it
    /// tries, whatever its cost; the passes it has no budget left for are deferred, and the
    /// next frame that needs located passes starts with them (the schedule rotates through
    /// the list). State is kept here, per decoder: keep one decoder per camera.
    pub fn with_budget(mut self, budget: Option<f32>) -> Self {
        self.budget = budget;
        self
    }

    /// Whether rxing's classic ZXing reader runs when its zxing-cpp port read nothing.
    pub fn with_classic_fallback(mut self, on: bool) -> Self {
        self.classic_fallback = on;
        self
    }

    /// Changes the working-scale limit (longer side, pixels).
    pub fn with_max_side(mut self, max_side: usize) -> Self {
        self.max_side = max_side.max(64);
        self
    }

    /// Looks for these symbologies (default: QR only). QR is read by the pass cascade; each
    /// other format costs one more pass over the whole frame, so ask only for what the
    /// labels carry. An empty list means QR only.
    pub fn with_formats(mut self, formats: &[Format]) -> Self {
        let mut formats = formats.to_vec();
        formats.sort();
        formats.dedup();
        if formats.is_empty() {
            formats.push(Format::Qr);
        }
        self.formats = formats;
        self
    }

    /// The symbologies it looks for.
    pub fn formats(&self) -> &[Format] {
        &self.formats
    }

    /// The passes it runs, in order.
    pub fn passes(&self) -> &[Pass] {
        &self.passes
    }

    /// What it has done so far, over every frame it decoded.
    pub fn stats(&self) -> ScanStats {
        self.stats
    }

    /// Every distinct code in `frame`.
    pub fn decode(&mut self, frame: GrayView<'_>) -> Vec<Code> {
        let mut found = Vec::new();
        self.stats.frames += 1;
        // The smallest QR code (21 modules) cannot be drawn in fewer pixels.
        if frame.width() < 21 || frame.height() < 21 {
            return found;
        }
        let factor = prepare::shrink_factor(frame.width(), frame.height(), self.max_side);
        let shrunk: Option<GrayImage> = (factor > 1).then(|| prepare::shrink(frame, factor));
        let mut doubled: Option<GrayImage> = None;
        let mut halved: Option<GrayImage> = None;
        // The sharpened pictures, by scale (indexed by `Scale as usize`).
        let mut sharpened: [Option<GrayImage>; 4] = Default::default();
        // Finder patterns seen that no code read so far accounts for (three per code), and
        // where they are (frame pixels), for the window the budgeted passes look at.
        let mut unexplained = 0;
        let mut strays: Vec<Stray> = Vec::new();
        let mut window: Option<Option<region::Window>> = None;
        // QR runs the passes (on their schedule) only when it is asked for.
        let order = match self.formats.contains(&Format::Qr) {
            true => self.schedule(),
            false => Vec::new(),
        };
        let mut spent = 0.0f32;
        let mut deferred = false;
        // Thresholds of each picture the passes look at, computed once this frame.
        let thresholds = cache::FrameCache::default();
        for index in order {
            let pass = &self.passes[index];
            let skip = match pass.when {
                When::Always => false,
                When::NothingRead => !found.is_empty(),
                When::Located { min_finders } => unexplained < min_finders,
                When::Idle { every, phase } => {
                    !found.is_empty()
                        || (self.budget.is_some() && self.stats.frames % every.max(1) != phase)
                }
            };
            if skip || !pass.scale.applies(frame, factor) {
                continue;
            }
            if let (When::Located { .. }, Some(budget)) = (pass.when, self.budget) {
                let cost = pass.cost(factor);
                // The window is chosen once a frame, from what the cheap passes saw.
                let w = *window.get_or_insert_with(|| {
                    let turn = self.stats.frames;
                    region::window(&strays, turn, frame.width(), frame.height())
                });
                let share = w.map_or(1.0, |w| {
                    (w.x1 - w.x0) * (w.y1 - w.y0) / (frame.width() * frame.height()) as f32
                });
                if deferred || (spent > 0.0 && spent + cost * share > budget) {
                    if !deferred {
                        self.next_located = index;
                        deferred = true;
                    }
                    self.stats.deferred += 1;
                    continue;
                }
                spent += cost * share;
                self.stats.located_work += (cost * share * 1000.0).round() as u64;
            }
            let (img, scale) = match pass.scale {
                Scale::Working => match &shrunk {
                    Some(s) => (s.view(), factor as f32),
                    None => (frame, 1.0),
                },
                Scale::Half => {
                    let img = halved.get_or_insert_with(|| prepare::shrink(frame, 2 * factor));
                    (img.view(), (2 * factor) as f32)
                }
                Scale::Full => (frame, 1.0),
                Scale::Double => (
                    doubled
                        .get_or_insert_with(|| prepare::enlarge2(frame))
                        .view(),
                    0.5,
                ),
            };
            let sharp = pass.binarization == Binarization::Sharpened;
            let img = match sharp {
                true => sharpened[pass.scale as usize]
                    .get_or_insert_with(|| prepare::sharpen(img))
                    .view(),
                false => img,
            };
            // Budgeted located passes look only at the window (see `region`).
            let (img, crop) = match window.flatten() {
                Some(w) if matches!(pass.when, When::Located { .. }) => {
                    let (x, y, width, height) = w.at_scale(scale, img.width(), img.height());
                    (img.crop(x, y, width, height), (x, y, width, height))
                }
                _ => (img, (0, 0, img.width(), img.height())),
            };
            let origin = (crop.0 as f32, crop.1 as f32);
            let picture = cache::Picture {
                scale: pass.scale,
                crop,
                sharpened: sharp,
            };
            // Under a budget, few located grids a pass (see `Resampling::LIVE`).
            let limit = match self.budget {
                Some(_) => engines::Resampling::LIVE,
                None => engines::Resampling::FULL,
            };
            // Our finder search skips the patterns of codes already read, which it would
            // otherwise read again, and pair with others into false triples (in the
            // pass's pixels).
            let known: Vec<Vec<Point>> = match pass.engine {
                Engine::Finder => found
                    .iter()
                    .map(|c| {
                        c.corners
                            .iter()
                            .map(|p| Point {
                                x: (p.x + 0.5) / scale - 0.5 - origin.0,
                                y: (p.y + 0.5) / scale - 0.5 - origin.1,
                            })
                            .collect()
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let local = |method, negative| thresholds.thresholds(picture, img, method, negative);
            let mut outcome = run_pass(pass, img, &local, self.classic_fallback, limit, &known);
            self.stats.passes += 1;
            self.stats.panics += outcome.panicked as u64;
            let read = outcome.found.len();
            for mut f in outcome.found {
                for p in &mut f.corners {
                    p.x += origin.0;
                    p.y += origin.1;
                }
                if add_unique(&mut found, f, scale, pass.engine, Format::Qr) {
                    unexplained = unexplained.saturating_sub(3);
                }
            }
            // After the subtraction: this pass's own count already leaves out its codes.
            if outcome.finder_patterns >= unexplained && window.is_none() {
                strays = std::mem::take(&mut outcome.patterns)
                    .into_iter()
                    .map(|p| Stray {
                        x: (p.x + origin.0 + 0.5) * scale - 0.5,
                        y: (p.y + origin.1 + 0.5) * scale - 0.5,
                        size: p.size * scale,
                    })
                    .collect();
            }
            unexplained = unexplained.max(outcome.finder_patterns);
            if self.stop_early && read > 0 && outcome.undecoded == 0 && unexplained == 0 {
                break;
            }
        }
        let others = formats::read_others(frame, &self.formats);
        self.stats.passes += others.passes;
        self.stats.panics += others.panics;
        for (format, f) in others.found {
            add_unique(&mut found, f, 1.0, Engine::Rxing, format);
        }
        self.stats.frames_with_codes += (!found.is_empty()) as u64;
        found
    }

    /// The order this frame tries the passes in: the list's, except that with a budget the
    /// located passes come after the others, starting where the last frame's budget ran out.
    fn schedule(&self) -> Vec<usize> {
        let located = |i: &usize| matches!(self.passes[*i].when, When::Located { .. });
        let all = 0..self.passes.len();
        if self.budget.is_none() {
            return all.collect();
        }
        let start = self.next_located.min(self.passes.len());
        let mut order: Vec<usize> = all.clone().filter(|i| !located(i)).collect();
        order.extend((start..self.passes.len()).chain(0..start).filter(located));
        order
    }
}

/// The threshold grid a method gives the pass's picture, or (`true`) its negative, from
/// the frame's cache.
type Local<'a> = dyn Fn(Method, bool) -> Rc<binarize::Thresholds> + 'a;

/// Runs `pass` on `img`, binarized by `local`; rqrr resamples the grids it located but
/// could not read within `limit`; our finder search leaves out the `known` outlines (codes
/// already read).
fn run_pass(
    pass: &Pass,
    img: GrayView<'_>,
    local: &Local<'_>,
    classic_fallback: bool,
    limit: engines::Resampling,
    known: &[Vec<Point>],
) -> Outcome {
    let hybrid = || local(Method::Hybrid, false);
    match (pass.engine, pass.binarization) {
        (Engine::Rqrr, Binarization::Local(method)) => {
            engines::rqrr(img, &local(method, false), limit)
        }
        (Engine::Rqrr, Binarization::Own) => engines::rqrr_own(img, limit, &hybrid),
        (Engine::Rqrr, Binarization::Inverted) => {
            engines::rqrr_own(prepare::invert(img).view(), limit, &|| {
                local(Method::Hybrid, true)
            })
        }
        (Engine::Rxing, Binarization::Own) => {
            engines::rxing(img, RxingBits::Own, true, classic_fallback)
        }
        // The negative is binarized afresh, not the black/white picture flipped: the hybrid
        // rule turns flat areas white, and flipping would turn the background black.
        (Engine::Rxing, Binarization::Inverted) => engines::rxing(
            prepare::invert(img).view(),
            RxingBits::Own,
            true,
            classic_fallback,
        ),
        (Engine::Rxing, Binarization::Local(method)) => {
            let t = local(method, false);
            engines::rxing(img, RxingBits::Ours(&t), true, classic_fallback)
        }
        (Engine::Finder, Binarization::Local(method)) => {
            let t = local(method, false);
            finder::read(img, &t, finder_depth(limit), known)
        }
        // The picture (sharpened by the caller) under the hybrid rule, as the passes above.
        (Engine::Rqrr, Binarization::Sharpened) => engines::rqrr(img, &hybrid(), limit),
        (Engine::Rxing, Binarization::Sharpened) => {
            engines::rxing(img, RxingBits::Ours(&hybrid()), true, classic_fallback)
        }
        (Engine::Finder, Binarization::Sharpened) => {
            finder::read(img, &hybrid(), finder_depth(limit), known)
        }
        // The finder's own: the live search, both polarities in one pass (a light-on-dark
        // code would otherwise cost a pass of its own), however many grids `limit` allows.
        (Engine::Finder, Binarization::Own) => {
            finder::read(img, &hybrid(), finder::Search::LIVE, known)
        }
        // Light-on-dark codes: the negative binarized afresh (as for rxing above), searched
        // for dark-on-light patterns.
        (Engine::Finder, Binarization::Inverted) => {
            let negative = prepare::invert(img);
            let t = local(Method::Hybrid, true);
            finder::read(negative.view(), &t, finder_depth(limit), known)
        }
    }
}

/// How far our finder search goes under `limit`: everything for files, the cheap rows for
/// live frames (whose passes resample fewer grids). Dark on light only; the caller widens
/// that.
fn finder_depth(limit: engines::Resampling) -> finder::Search {
    let base = if limit == engines::Resampling::FULL {
        finder::Search::FULL
    } else {
        finder::Search::LIVE
    };
    finder::Search {
        dark_on_light: true,
        light_on_dark: false,
        ..base
    }
}

/// Adds `f` (in working coordinates, `scale` frame pixels per working pixel) unless the
/// same text was already read at about the same place; says whether it was added.
fn add_unique(codes: &mut Vec<Code>, f: Found, scale: f32, engine: Engine, format: Format) -> bool {
    let corners: Vec<Point> = f
        .corners
        .iter()
        .map(|p| Point {
            x: (p.x + 0.5) * scale - 0.5,
            y: (p.y + 0.5) * scale - 0.5,
        })
        .collect();
    let code = Code {
        format,
        payload: parse_qr(&f.text),
        text: f.text,
        corners,
        engine,
    };
    let c = code.center();
    let duplicate = codes.iter().any(|old| {
        let o = old.center();
        let near = old.extent().max(code.extent()) / 2.0;
        old.text == code.text
            && old.format == code.format
            && ((o.x - c.x).powi(2) + (o.y - c.y).powi(2)).sqrt() <= near
    });
    if !duplicate {
        codes.push(code);
    }
    !duplicate
}
