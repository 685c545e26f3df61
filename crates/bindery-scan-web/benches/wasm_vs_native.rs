//! Issue 15's decode bench: one 1280x720 camera frame decoded by the scanner module in the
//! browser (wasm, in Debian's Chromium) against the same frame decoded natively by
//! bindery-scan, on the same machine in the same run. Goal: the wasm within 2x of native.
//!
//! ```sh
//! cargo xtask web            # the release bundle, whose scanner module is measured
//! cargo bench -p bindery-scan-web --bench wasm_vs_native -- [--data DIR] [--web DIR] [--reps N] [--rounds N] [--photos N] [--scalar]
//! ```
//! The module measured is the bundle's SIMD one (`scanner.js`, what browsers with
//! WebAssembly SIMD run), or with `--scalar` the one for browsers without
//! (`scanner-scalar.js`).
//! (`cargo xtask bench wasm` does both.) The frames: photos of the bench data
//! (`--data`, default `../shared/bench` beside the workspace; the first `--photos` images of
//! each set named in [`SETS`]) scaled to cover 1280x720 and cropped to it, a synthetic
//! Bindery label held up to the camera and a frame with no code. Both sides run the live
//! decoder the app's camera uses ([`bindery_scan_web::LiveScanner`], one per frame, after
//! the same warm-up), on 8-bit gray, timed around each decode call with a wall clock
//! (`Instant` here, `performance.now()` in a cross-origin isolated page there). Rounds
//! alternate native and wasm so both see the same load; the table prints each frame's
//! median and the ratio, and checks that both read the same codes.
//!
//! Needs node, `npm ci` in `tests/e2e` (playwright-core) and `/usr/bin/chromium` (or
//! `--chromium PATH`).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use bindery_scan::source::{is_image_path, load_image};
use bindery_scan::GrayImage;
use bindery_scan_web::LiveScanner;
use serde_json::{json, Value};

/// The photo sets frames are taken from (folders under `<data>/qr-photos`): camera photos
/// of codes, nominal, blurred, slanted and turned.
const SETS: &[&str] = &[
    "zxing-qrcode-1",
    "zxing-qrcode-2",
    "boofcv-nominal",
    "boofcv-blurred",
    "boofcv-perspective",
    "boofcv-rotations",
];

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;
const LABEL: &str = "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD";

struct Options {
    data: PathBuf,
    web: PathBuf,
    chromium: PathBuf,
    reps: usize,
    warmup: usize,
    rounds: usize,
    photos: usize,
    /// The module's name in the build folder: `scanner` or `scanner-scalar`.
    module: &'static str,
}

fn options() -> Options {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // The bench runs from <target>/release/deps/: the bundle `cargo xtask web` made is
    // <target>/web.
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_owned))
        .unwrap_or_else(|| root.join("target"));
    let mut options = Options {
        data: root.join("../shared/bench"),
        web: target.join("web"),
        chromium: PathBuf::from("/usr/bin/chromium"),
        reps: 30,
        warmup: 5,
        rounds: 3,
        photos: 2,
        module: "scanner",
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| fail(&format!("{name} needs a value")))
        };
        let number = |text: String, name: &str| {
            text.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .unwrap_or_else(|| fail(&format!("{name} takes a whole number above 0")))
        };
        match arg.as_str() {
            "--data" => options.data = PathBuf::from(value("--data")),
            "--web" => options.web = PathBuf::from(value("--web")),
            "--chromium" => options.chromium = PathBuf::from(value("--chromium")),
            "--reps" => options.reps = number(value("--reps"), "--reps"),
            "--warmup" => options.warmup = number(value("--warmup"), "--warmup"),
            "--rounds" => options.rounds = number(value("--rounds"), "--rounds"),
            "--photos" => options.photos = number(value("--photos"), "--photos"),
            "--scalar" => options.module = "scanner-scalar",
            // What `cargo bench` passes to every bench binary.
            "--bench" => {}
            other => fail(&format!(
                "unknown option {other:?}; options: --data DIR --web DIR --chromium PATH \
                 --reps N --warmup N --rounds N --photos N --scalar"
            )),
        }
    }
    options
}

fn fail(why: &str) -> ! {
    eprintln!("wasm_vs_native: {why}");
    std::process::exit(2)
}

/// A bench frame: its name and 8-bit gray pixels, 1280x720.
struct Frame {
    name: String,
    pixels: Vec<u8>,
}

/// `image` scaled (up or down, keeping its shape) to cover 1280x720 and cropped to it
/// around its middle: a photo as the camera of a phone held the same way would frame it.
fn to_720p(image: &GrayImage) -> Vec<u8> {
    let (w, h) = (image.width() as u32, image.height() as u32);
    let luma = image::GrayImage::from_raw(w, h, image.pixels().to_vec()).expect("sizes agree");
    let scale = f64::max(
        f64::from(WIDTH) / f64::from(w),
        f64::from(HEIGHT) / f64::from(h),
    );
    let (sw, sh) = (
        ((f64::from(w) * scale).round() as u32).max(WIDTH),
        ((f64::from(h) * scale).round() as u32).max(HEIGHT),
    );
    let scaled = image::imageops::resize(&luma, sw, sh, image::imageops::FilterType::Triangle);
    let (left, top) = ((sw - WIDTH) / 2, (sh - HEIGHT) / 2);
    image::imageops::crop_imm(&scaled, left, top, WIDTH, HEIGHT)
        .to_image()
        .into_raw()
}

/// A Bindery label (4 px a module, dark on light, its quiet zone) held up to the camera.
fn label_frame() -> Vec<u8> {
    let qr = qrcode::QrCode::new(LABEL).expect("the label fits a QR code");
    let (modules, colors) = (qr.width(), qr.to_colors());
    let side = (modules + 8) * 4;
    let pixels = (0..side * side)
        .map(|i| {
            let (x, y) = ((i % side) / 4, (i / side) / 4);
            let inside = (4..4 + modules).contains(&x) && (4..4 + modules).contains(&y);
            match inside && colors[(y - 4) * modules + x - 4] == qrcode::Color::Dark {
                true => 25,
                false => 230,
            }
        })
        .collect();
    GrayImage::new(side, side, pixels)
        .and_then(|label| label.staged(WIDTH as usize, HEIGHT as usize))
        .expect("a label fits a 720p frame")
        .into_pixels()
}

/// A wall with a light gradient and sensor noise, no code: the frame a camera shows most.
fn empty_frame() -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..WIDTH * HEIGHT)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let (x, y) = (i % WIDTH, i / WIDTH);
            let light = 150 + (x * 60 / WIDTH) as i32 - (y * 40 / HEIGHT) as i32;
            (light + (state >> 60) as i32 - 8).clamp(0, 255) as u8
        })
        .collect()
}

fn frames(options: &Options) -> Vec<Frame> {
    let mut frames = vec![
        Frame {
            name: "synthetic: a Bindery label".into(),
            pixels: label_frame(),
        },
        Frame {
            name: "synthetic: no code".into(),
            pixels: empty_frame(),
        },
    ];
    let photos = options.data.join("qr-photos");
    if !photos.is_dir() {
        eprintln!(
            "wasm_vs_native: no photos under {} (pass --data DIR); synthetic frames only",
            photos.display()
        );
        return frames;
    }
    for set in SETS {
        let Ok(entries) = std::fs::read_dir(photos.join(set)) else {
            eprintln!("wasm_vs_native: no set {set} under {}", photos.display());
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| is_image_path(p))
            .collect();
        // Numbered files in number order (2.png before 10.png), as the sets are listed.
        files.sort_by_key(|p| {
            let stem = p
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (stem.len(), stem)
        });
        for file in files.into_iter().take(options.photos) {
            match load_image(&file) {
                Ok(image) => frames.push(Frame {
                    name: format!(
                        "{set}/{}",
                        file.file_name().unwrap_or_default().to_string_lossy()
                    ),
                    pixels: to_720p(&image),
                }),
                Err(error) => eprintln!("wasm_vs_native: skipping {}: {error}", file.display()),
            }
        }
    }
    frames
}

/// One native round: per frame, a fresh live decoder, the warm-up, then `reps` timed calls.
/// Each frame's times in ms and the codes of its last warm-up call.
fn native_round(frames: &[Frame], options: &Options) -> Vec<(Vec<f64>, Vec<String>)> {
    frames
        .iter()
        .map(|frame| {
            let mut live = LiveScanner::new();
            let mut codes = Vec::new();
            for _ in 0..options.warmup {
                codes = live.decode_gray(WIDTH, HEIGHT, &frame.pixels);
            }
            let times = (0..options.reps)
                .map(|_| {
                    let start = Instant::now();
                    std::hint::black_box(live.decode_gray(WIDTH, HEIGHT, &frame.pixels));
                    start.elapsed().as_secs_f64() * 1000.0
                })
                .collect();
            (times, codes)
        })
        .collect()
}

/// The scanner module's folder in the bundle at `web` (`build-<hash>/`, holding
/// `<module>.js`).
fn scanner_build(web: &Path, module: &str) -> PathBuf {
    std::fs::read_dir(web)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|dir| {
            dir.join(format!("{module}.js")).is_file()
                && dir.join(format!("{module}_bg.wasm")).is_file()
        })
        .unwrap_or_else(|| {
            fail(&format!(
                "no {module}.js in {} (build the bundle with `cargo xtask web`, or pass --web DIR)",
                web.display()
            ))
        })
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n % 2 {
        1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn main() {
    let options = options();
    let build = scanner_build(&options.web, options.module);
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e");
    if !e2e.join("node_modules/playwright-core").is_dir() {
        fail(&format!("run `npm ci` in {}", e2e.display()));
    }
    if !options.chromium.is_file() {
        fail(&format!(
            "no Chromium at {} (apt-get install chromium, or pass --chromium PATH)",
            options.chromium.display()
        ));
    }
    let frames = frames(&options);
    let work = std::env::temp_dir().join(format!("bindery-wasm-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("a temporary folder");
    let mut listed = Vec::new();
    for (i, frame) in frames.iter().enumerate() {
        let file = work.join(format!("{i}.gray"));
        std::fs::write(&file, &frame.pixels).expect("the frame is written");
        listed.push(json!({ "name": frame.name, "file": file, "width": WIDTH, "height": HEIGHT }));
    }
    let config = json!({
        "build": build,
        "frames": listed,
        "reps": options.reps,
        "warmup": options.warmup,
        "chromium": options.chromium,
        "module": options.module,
        "e2e": e2e,
    });
    let mut page = Command::new("node")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/wasm_page.mjs"))
        .env("BINDERY_WASM_BENCH", config.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| fail(&format!("node does not start ({e}): install nodejs")));
    let mut to_page = page.stdin.take().expect("piped");
    let mut from_page = BufReader::new(page.stdout.take().expect("piped"));

    let n = frames.len();
    let mut native: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut wasm: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut native_codes = vec![Vec::new(); n];
    let mut wasm_codes: Vec<Vec<String>> = vec![Vec::new(); n];
    eprintln!(
        "wasm_vs_native: {n} frames, {} rounds of {} timed decodes each side (after {} warm-up), alternating",
        options.rounds, options.reps, options.warmup
    );
    for round in 0..options.rounds {
        // Which side goes first alternates too.
        let sides = match round % 2 {
            0 => ["native", "wasm"],
            _ => ["wasm", "native"],
        };
        for side in sides {
            if side == "native" {
                for (i, (times, codes)) in native_round(&frames, &options).into_iter().enumerate() {
                    native[i].extend(times);
                    native_codes[i] = codes;
                }
                continue;
            }
            writeln!(to_page, "round").expect("the page runs");
            let mut line = String::new();
            from_page.read_line(&mut line).expect("the page answers");
            let results: Value = serde_json::from_str(&line)
                .unwrap_or_else(|_| fail(&format!("the page answered {line:?}")));
            for (i, result) in results.as_array().into_iter().flatten().enumerate() {
                wasm[i].extend(
                    result["ms"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_f64),
                );
                wasm_codes[i] = result["codes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect();
            }
        }
        eprintln!(
            "wasm_vs_native: round {} of {} done",
            round + 1,
            options.rounds
        );
    }
    drop(to_page);
    let _ = page.wait();
    let _ = std::fs::remove_dir_all(&work);

    println!("| 1280x720 frame | codes read (native / wasm) | native, median ms | wasm in Chromium, median ms | wasm ÷ native |");
    println!("|---|---|---|---|---|");
    let mut ratios = Vec::new();
    let (mut native_total, mut wasm_total) = (0.0, 0.0);
    let mut differ = Vec::new();
    for (i, frame) in frames.iter().enumerate() {
        let (n_ms, w_ms) = (median(&mut native[i]), median(&mut wasm[i]));
        let ratio = w_ms / n_ms;
        ratios.push(ratio);
        native_total += n_ms;
        wasm_total += w_ms;
        if native_codes[i] != wasm_codes[i] {
            differ.push(frame.name.clone());
        }
        println!(
            "| {} | {} / {} | {n_ms:.2} | {w_ms:.2} | {ratio:.2} |",
            frame.name,
            native_codes[i].len(),
            wasm_codes[i].len()
        );
    }
    println!(
        "| **all {n} frames** | | {native_total:.1} (sum) | {wasm_total:.1} (sum) | **{:.2}** (median of the ratios; of the sums {:.2}) |",
        median(&mut ratios),
        wasm_total / native_total
    );
    if !differ.is_empty() {
        println!(
            "\nread differently by the two builds: {}",
            differ.join(", ")
        );
    }
}
