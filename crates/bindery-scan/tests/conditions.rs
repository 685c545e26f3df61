//! The hard conditions of the scanner issue, on generated frames (see
//! `common/conditions.rs`): nothing is read where there is no code, a live frame's work is
//! bounded while reading stays what it was over a few frames, noise no longer turns a
//! plain wall into a field of false finder-pattern candidates, and the narrow local means
//! read what glare rims, hard shadows and dim light left to them.
//!
//! Only frames of the *tuning* split are used here: the checking split is for the bench's
//! figures, which no test may be fitted to.

mod common;

use bindery_scan::source::{FolderSource, Pacing};
use bindery_scan::{
    Binarization, Decoder, Effort, Engine, FrameSource, GrayImage, Method, Pass, LIVE_BUDGET,
};
use common::conditions::{code_free_frame, hard_frame, hard_frames, Condition, Split};

/// Frames a camera shows of one label while the scanner rotates through its located
/// passes: [`bindery_scan::LIVE_BUDGET`] is sized so four frames try them all.
const FRAMES_PER_LABEL: usize = 4;

/// A folder of cluttered 720p frames without a code (finder-like squares, grids of random
/// modules, text, stripes), read as a camera would deliver them: neither effort reports
/// anything, however many frames the live decoder gets to rotate through its passes.
#[test]
fn no_code_is_read_in_a_folder_of_code_free_frames() {
    let folder =
        std::env::temp_dir().join(format!("bindery-scan-code-free-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    for seed in 0..12 {
        let img = code_free_frame(1280, 720, seed);
        image::GrayImage::from_raw(1280, 720, img.pixels().to_vec())
            .unwrap()
            .save(folder.join(format!("frame-{seed:02}.png")))
            .unwrap();
    }
    let mut source = FolderSource::open(&folder, 30.0, false, Pacing::Unpaced).unwrap();
    let mut live = Decoder::new(Effort::Live);
    let mut thorough = Decoder::new(Effort::Thorough);
    let mut read = Vec::new();
    while let Some(frame) = source.next_frame().unwrap() {
        for _ in 0..FRAMES_PER_LABEL {
            read.extend(live.decode(frame.image.view()));
        }
        read.extend(thorough.decode(frame.image.view()));
    }
    std::fs::remove_dir_all(&folder).unwrap();
    assert_eq!(live.stats().frames, 12 * FRAMES_PER_LABEL as u64);
    assert!(read.is_empty(), "codes read in code-free frames: {read:?}");
    // The clutter is there to tempt the detector: the located passes must have run.
    assert!(
        live.stats().passes > 2 * live.stats().frames,
        "the frames no longer show finder-like patterns: {:?}",
        live.stats()
    );
}

/// The hard conditions where the live decoder needs its located passes: with the per-frame
/// budget no frame's located passes do more than a budget's worth of work, or one costly
/// pass alone (rqrr with its own threshold over the whole working frame, 6 units; the whole
/// cascade is 14), and within four frames of a label it reads every code the unbounded
/// cascade reads in one, with no wrong text.
#[test]
fn live_work_per_frame_is_bounded_and_reads_the_same_within_four_frames() {
    let single_most = Decoder::new(Effort::Live)
        .passes()
        .iter()
        .map(|p| p.cost(1))
        .fold(0.0f32, f32::max);
    let most = (LIVE_BUDGET.max(single_most) * 1000.0) as u64;
    let mut bounded = Decoder::new(Effort::Live);
    let mut unbounded = Decoder::new(Effort::Live).with_budget(None);
    let (mut read_bounded, mut read_unbounded) = (0, 0);
    for condition in [Condition::MotionBlur, Condition::Glare, Condition::Noise] {
        for frame in hard_frames(condition, Split::Tuning, 4, 1280, 720) {
            let codes = unbounded.decode(frame.image.view());
            assert!(codes.iter().all(|c| c.text == frame.text), "{codes:?}");
            read_unbounded += codes.iter().any(|c| c.text == frame.text) as usize;
            let mut read = false;
            for _ in 0..FRAMES_PER_LABEL {
                let before = bounded.stats().located_work;
                let codes = bounded.decode(frame.image.view());
                assert!(codes.iter().all(|c| c.text == frame.text), "{codes:?}");
                read |= codes.iter().any(|c| c.text == frame.text);
                let work = bounded.stats().located_work - before;
                let what = format!("{} seed {}", condition.name(), frame.seed);
                assert!(work <= most, "{what}: {work} thousandths of a unit");
            }
            read_bounded += read as usize;
        }
    }
    assert!(
        unbounded.stats().passes > 2 * unbounded.stats().frames,
        "these frames no longer need the located passes: {:?}",
        unbounded.stats()
    );
    assert!(bounded.stats().deferred > 0, "{:?}", bounded.stats());
    assert!(
        read_bounded >= read_unbounded,
        "bounded {read_bounded} < unbounded {read_unbounded}"
    );
}

/// Sensor noise on a plain wall: with ZXing's fixed flatness limit (24 levels) the hybrid
/// rule sets each noisy block's threshold at its own mean and half the wall turns black,
/// which costs the finder search its time; the limit now follows the frame's noise, so
/// the wall stays white while a code on it keeps its black modules.
#[test]
fn noise_on_a_plain_wall_is_not_binarized_into_speckle() {
    let (w, h) = (640, 360);
    let mut rng = common::Rng::new(7);
    let mut px = Vec::with_capacity(w * h);
    for _ in 0..w * h {
        // Roughly normal, σ ≈ 8 levels, around mid-gray.
        let s: i32 = (0..3).map(|_| (rng.next() % 17) as i32 - 8).sum();
        px.push((120 + s) as u8);
    }
    let mut img = GrayImage::new(w, h, px).unwrap();
    common::draw_code(
        &mut img,
        "pk=p1a2b3&sn=BD7K2M9Q4X&v=1",
        480.0,
        180.0,
        5.0,
        0.0,
        30,
        220,
    );
    let t = bindery_scan::pipeline::binarize::Thresholds::compute(img.view(), Method::Hybrid);
    let bits = t.apply(img.view());
    let black_share = |x0: usize, x1: usize, y0: usize, y1: usize| {
        let (mut black, mut all) = (0, 0);
        for y in y0..y1 {
            for x in x0..x1 {
                black += bits[y * w + x] as usize;
                all += 1;
            }
        }
        black as f32 / all as f32
    };
    let wall = black_share(20, 300, 40, h - 40);
    // The code spans about 400..560 x 100..260.
    let code = black_share(420, 540, 120, 240);
    assert!(
        wall < 0.01,
        "{:.1}% of the plain wall is black",
        wall * 100.0
    );
    assert!(
        code > 0.25,
        "only {:.1}% of the code is black",
        code * 100.0
    );
}

/// Frames of the tuning split that only the narrow local means read (a mean over 5x5
/// blocks follows a hard shadow edge or a glare rim that wider windows smear; at half
/// scale with a small offset it reads dim, noisy labels): each must be read by
/// `Thorough`, and by nothing else in it.
#[test]
fn the_narrow_means_read_glare_rims_hard_shadows_and_dim_labels() {
    let narrow = |p: &Pass| {
        matches!(
            p.binarization,
            Binarization::Local(Method::LocalMean { radius: 2, .. })
        )
    };
    // Our finder search came later and reads some of these too; left out with the narrow
    // means, so this still says what the narrow means add to the engines' passes.
    let without = passes_without(Effort::Thorough, |p| {
        narrow(p) || p.engine == Engine::Finder
    });
    for (condition, seed) in [
        (Condition::Glare, 30000),
        (Condition::Glare, 30014),
        (Condition::Shadow, 40009),
        (Condition::Shadow, 40015),
        (Condition::Noise, 60003),
        (Condition::Noise, 60009),
    ] {
        read_by_thorough_only_with(condition, seed, &without, "the narrow means");
    }
}

/// The passes of `effort` except those `left_out` picks.
fn passes_without(effort: Effort, left_out: impl Fn(&Pass) -> bool) -> Vec<Pass> {
    Decoder::new(effort)
        .passes()
        .iter()
        .copied()
        .filter(|p| !left_out(p))
        .collect()
}

/// Frame `seed` of `condition`: `Thorough` reads its code and nothing else, and the
/// passes `without` (Thorough's, less `what_is_left_out`) read nothing. Returns the
/// frame's text and picture.
fn read_by_thorough_only_with(
    condition: Condition,
    seed: u64,
    without: &[Pass],
    what_is_left_out: &str,
) -> (String, GrayImage) {
    let what = format!("{} seed {seed}", condition.name());
    let (text, img) = hard_frame(condition, seed, 1280, 720);
    let codes = Decoder::new(Effort::Thorough).decode(img.view());
    assert_eq!(
        codes.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(),
        [text.as_str()],
        "{what}"
    );
    let others = Decoder::with_passes(without.to_vec(), false).decode(img.view());
    assert!(
        others.is_empty(),
        "{what}: read without {what_is_left_out}, so it no longer tests it"
    );
    (text, img)
}

/// Frames of the tuning split, blurred by defocus or a moving hand, that only the unsharp
/// mask reads: `Thorough` reads each (and nothing else), and without its sharpened pass
/// reads none. A live decoder held on each for a few frames (its sharpened search is an
/// idle turn, one frame in three, and looks at fewer rows) reads most of them, and without
/// that turn none.
#[test]
fn blurred_codes_are_read_through_the_unsharp_mask() {
    let unsharpened =
        |effort| passes_without(effort, |p| p.binarization == Binarization::Sharpened);
    let frames = 2 * FRAMES_PER_LABEL;
    let (mut live_read, mut plain_read) = (Vec::new(), Vec::new());
    for (condition, seed) in [
        (Condition::Defocus, 10022),
        (Condition::Defocus, 10028),
        (Condition::MotionBlur, 15),
        (Condition::MotionBlur, 16),
        (Condition::MotionBlur, 18),
    ] {
        let what = format!("{} seed {seed}", condition.name());
        let (text, img) = read_by_thorough_only_with(
            condition,
            seed,
            &unsharpened(Effort::Thorough),
            "the unsharp mask",
        );

        let mut live = Decoder::new(Effort::Live);
        let mut plain = Decoder::with_passes(unsharpened(Effort::Live), true)
            .with_budget(Some(LIVE_BUDGET))
            .with_classic_fallback(false);
        for (decoder, read) in [(&mut live, &mut live_read), (&mut plain, &mut plain_read)] {
            let texts: Vec<String> = (0..frames)
                .flat_map(|_| decoder.decode(img.view()))
                .map(|c| c.text)
                .collect();
            assert!(texts.iter().all(|t| *t == text), "{what}: {texts:?}");
            if !texts.is_empty() {
                read.push(what.clone());
            }
        }
    }
    assert!(live_read.len() >= 3, "live read only {live_read:?}");
    assert!(
        plain_read.is_empty(),
        "read live without the mask: {plain_read:?}"
    );
}
