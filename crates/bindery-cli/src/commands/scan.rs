//! `bindery-cli scan`: read QR labels from image files, a Y4M video or a camera and print
//! what each one says, one JSON line per file (or per code found live), so QA and support
//! can check a label batch or a camera setup from a terminal and pipe the result to `jq`.
//!
//! Line shape: `{"file": …, "codes": [{"format": "qr"|…, "text": …, "payload": {…}|null,
//! "error"?: …, "corners": [[x, y], …]}], "ms": …}`; `--formats` adds Micro QR, Data Matrix
//! and Code 128 (module labels carry the IMEI in those); a file that cannot be read gets `"error"` and no
//! codes. Exit code: 0 when every file gave a code (and a live source gave one), 1 when some
//! gave none, 2 when a file or source could not be read.

use std::path::PathBuf;
use std::time::Instant;

#[cfg(feature = "camera")]
use bindery_scan::source::camera::{CameraRequest, CameraSource};
use bindery_scan::source::{is_image_path, load_image, Pacing, Y4mSource};
use bindery_scan::{
    parse_formats, Code, Decoder, Effort, Format, FrameSource, ScanEvent, Scanner, SourceError,
};
use serde_json::{json, Value};

use crate::Outcome;

/// Exit code: every input gave at least one code.
const OK: Outcome = Outcome::Success;
/// Exit code: some input was read but held no code.
const NO_CODE: Outcome = Outcome::Refused;
/// Exit code: some input could not be read.
const UNREADABLE: Outcome = Outcome::BadInput;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 every input gave a code; 1 some input held no code; 2 some input could not be read."
)]
pub struct ScanArgs {
    /// Image files (PNG, JPEG, …) or folders of them.
    pub files: Vec<PathBuf>,
    /// Scan camera N (see the camera list in the error when N does not exist) until a code.
    #[arg(long)]
    pub camera: Option<usize>,
    /// Play a .y4m video as a camera until a code.
    #[arg(long)]
    pub video: Option<PathBuf>,
    /// With --camera or --video: report every new code, not just the first.
    #[arg(long)]
    pub all: bool,
    /// The symbologies to read, comma-separated: qr, micro_qr, data_matrix, code128.
    #[arg(long, default_value = "qr", value_parser = formats_arg)]
    pub formats: Formats,
}

/// The `--formats` list, parsed.
#[derive(Debug, Clone)]
pub struct Formats(pub Vec<Format>);

/// Parses `--formats` for clap.
pub fn formats_arg(text: &str) -> Result<Formats, String> {
    parse_formats(text).map(Formats).map_err(|e| e.to_string())
}

/// Scans the files (a folder stands for the images in it), then the video and/or camera
/// until the first code, or until the video ends when `all` is set (a camera then runs
/// until interrupted). Prints one JSON line per file or live code.
pub fn run(args: &ScanArgs) -> Outcome {
    if args.files.is_empty() && args.camera.is_none() && args.video.is_none() {
        crate::output::usage_error(
            false,
            "nothing to scan: give image files or folders, --video FILE.y4m or --camera N",
        );
        return Outcome::BadInput;
    }
    let (files, camera, video, all) = (&args.files, args.camera, args.video.clone(), args.all);
    bindery_scan::quiet_engine_panics();
    let mut status = OK;
    let formats = args.formats.0.clone();
    let mut decoder = Decoder::new(Effort::Thorough).with_formats(&formats);
    for path in expand(files) {
        let started = Instant::now();
        let line = match load_image(&path) {
            Ok(img) => {
                let codes = decoder.decode(img.view());
                if codes.is_empty() {
                    status = status.max(NO_CODE);
                }
                json!({
                    "file": path.display().to_string(),
                    "codes": codes.iter().map(code_json).collect::<Vec<_>>(),
                    "ms": ms(started),
                })
            }
            Err(e) => {
                status = UNREADABLE;
                json!({
                    "file": path.display().to_string(),
                    "codes": [],
                    "error": e.to_string(),
                    "ms": ms(started),
                })
            }
        };
        println!("{line}");
    }
    if let Some(video) = video {
        let name = video.display().to_string();
        let open = move || Y4mSource::open(&video, false, Pacing::RealTime);
        status = status.max(live(&name, open, all, &formats));
    }
    if let Some(index) = camera {
        status = status.max(camera_scan(index, all, &formats));
    }
    status
}

#[cfg(feature = "camera")]
fn camera_scan(index: usize, all: bool, formats: &[Format]) -> Outcome {
    let open = move || CameraSource::open(index, CameraRequest::default());
    live(&format!("camera {index}"), open, all, formats)
}

#[cfg(not(feature = "camera"))]
fn camera_scan(index: usize, _all: bool, _formats: &[Format]) -> Outcome {
    println!(
        "{}",
        json!({ "file": format!("camera {index}"), "codes": [], "error": "this build of bindery-cli has no camera support (built without the `camera` feature); scan a --video or image files instead" })
    );
    UNREADABLE
}

/// Files as given; folders replaced by their images in name order.
fn expand(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in files {
        if path.is_dir() {
            let mut images: Vec<PathBuf> = std::fs::read_dir(path)
                .map(|d| {
                    d.filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.is_file() && is_image_path(p))
                        .collect()
                })
                .unwrap_or_default();
            if images.is_empty() {
                // Reported as unreadable by `load_image` below.
                out.push(path.clone());
            }
            images.sort();
            out.extend(images);
        } else {
            out.push(path.clone());
        }
    }
    out
}

/// Scans a live source on the scanner's worker threads, printing each new code.
fn live<S, F>(name: &str, open: F, all: bool, formats: &[Format]) -> Outcome
where
    S: FrameSource,
    F: FnOnce() -> Result<S, SourceError> + Send + 'static,
{
    let started = Instant::now();
    let scanner = Scanner::start_with(open, Decoder::new(Effort::Live).with_formats(formats));
    let mut status = NO_CODE;
    for event in scanner.events() {
        match event {
            ScanEvent::Code {
                code,
                frame_index,
                timestamp,
            } => {
                status = OK;
                println!(
                    "{}",
                    json!({
                        "file": name,
                        "frame": frame_index,
                        "frame_ms": timestamp.as_secs_f64() * 1000.0,
                        "codes": [code_json(&code)],
                        "ms": ms(started),
                    })
                );
                if !all {
                    break;
                }
            }
            ScanEvent::SourceFailed(e) => {
                println!(
                    "{}",
                    json!({ "file": name, "codes": [], "error": e.to_string(), "ms": ms(started) })
                );
                return UNREADABLE;
            }
            ScanEvent::SourceEnded => break,
        }
    }
    if status == NO_CODE {
        println!(
            "{}",
            json!({ "file": name, "codes": [], "ms": ms(started) })
        );
    }
    scanner.stop();
    status
}

/// A code as one element of a line's `codes`.
pub fn code_json(code: &Code) -> Value {
    let corners: Vec<[f32; 2]> = code.corners.iter().map(|p| [p.x, p.y]).collect();
    match &code.payload {
        Ok(payload) => json!({
            "format": code.format,
            "text": code.text,
            "payload": payload,
            "corners": corners,
        }),
        Err(e) => json!({
            "format": code.format,
            "text": code.text,
            "payload": Value::Null,
            "error": e.to_string(),
            "corners": corners,
        }),
    }
}

fn ms(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}
