//! `bindery-cli pair`: a pairing station on the production line (issue 18). A camera (or, for
//! QA, a `.y4m` video or a folder of frames) watches the devices pass; for each one the
//! station reads the module's IMEI or MAC (Data Matrix, Code 128, Micro QR or QR) and the
//! device's label, checks them, records the pair in the cloud (`PUT
//! /v1/products/{pk}/devices/{sn}/device-key`) or, offline, in an import file, and tells the
//! worker with a full-window colour and a sound.
//!
//! The parts: `station` decides (pure, driven by frame times), `offline` keeps the import
//! file, `signal` paints and plays; this module reads frames, turns codes into what the
//! station reads, records pairs and prints one line per device.

pub mod offline;
pub mod signal;
pub mod station;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bindery_client::{Client, ClientError};
use bindery_core::api::PairStatus;
use bindery_core::{DeviceKey, ErrorCode, Problem, ProductKey, Sn};
#[cfg(feature = "camera")]
use bindery_scan::source::camera::{CameraRequest, CameraSource};
use bindery_scan::source::{FolderSource, Pacing, Y4mSource};
use bindery_scan::{Code, Decoder, Effort, FrameSource};
use serde_json::json;

use self::offline::OfflineFile;
use self::signal::{Signals, Sound};
use self::station::{Seen, Station, Step, Timing, Verdict};
use super::scan::{formats_arg, Formats};
use crate::context::Context;
use crate::{output, GlobalArgs, Outcome};

/// When the window is painted in the verdict's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Screen {
    /// When stderr is a terminal.
    Auto,
    /// Always (escape sequences on stderr).
    Always,
    /// Never.
    Never,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Each device gets one line on stdout (JSON with --json): paired, already_paired, wrong_product, unreadable, conflict or failed, with the SN, the DeviceKey and the running count; a summary line ends the run.\n\nExit codes: 0 the source ended (or was stopped); 1 the cloud refused the key or product; 2 bad usage or an unreadable source; 3 the cloud could not be reached and there is no --offline file."
)]
pub struct PairArgs {
    /// The product whose devices pass the line.
    #[arg(long)]
    pub product: String,
    /// A developer key of the product's maker. Without one, pairs go to the --offline file.
    #[arg(long, env = "BINDERY_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Watch camera N.
    #[arg(long)]
    pub camera: Option<usize>,
    /// Play a .y4m video of the line (QA).
    #[arg(long)]
    pub video: Option<PathBuf>,
    /// Play a folder of frames, in name order, at --fps (QA).
    #[arg(long)]
    pub images: Option<PathBuf>,
    /// The frame rate of --images.
    #[arg(long, default_value_t = 10.0)]
    pub fps: f64,
    /// Play --video or --images at their frame rate, as a camera would deliver them
    /// (default: as fast as they are decoded; the decisions are the same).
    #[arg(long)]
    pub realtime: bool,
    /// Append pairs to this import file (the template's columns) instead of the cloud; with
    /// --api-key too, only the pairs the cloud could not be reached for.
    #[arg(long)]
    pub offline: Option<PathBuf>,
    /// The symbologies to read, comma-separated.
    #[arg(long, default_value = "qr,micro_qr,data_matrix,code128", value_parser = formats_arg)]
    pub formats: Formats,
    /// Seconds without any code that end a device's passage (keep it shorter than the
    /// empty belt between two devices).
    #[arg(long, default_value_t = 0.5)]
    pub gap: f64,
    /// Seconds a decided device's codes must be out of view before it is decided again.
    #[arg(long, default_value_t = 3.0)]
    pub forget: f64,
    /// How verdicts sound.
    #[arg(long, value_enum, default_value = "auto")]
    pub sound: Sound,
    /// When the window is painted in the verdict's colour.
    #[arg(long, value_enum, default_value = "auto")]
    pub screen: Screen,
}

/// Where pairs go.
struct Recorder {
    product_key: ProductKey,
    cloud: Option<(Context, Client)>,
    offline: Option<OfflineFile>,
}

impl Recorder {
    /// Records one pair: the verdict, why, and whether the cloud could not be reached.
    fn record(&mut self, sn: &Sn, device_key: &DeviceKey) -> (Verdict, String) {
        if let Some((ctx, client)) = &self.cloud {
            let answer = ctx.block_on(client.pair_device(
                self.product_key.as_str(),
                sn.as_str(),
                device_key.as_str(),
            ));
            match answer {
                Ok(pair) => {
                    return match pair.status {
                        PairStatus::Paired => (Verdict::Paired, "recorded in the cloud".into()),
                        PairStatus::AlreadyPaired => (
                            Verdict::AlreadyPaired,
                            "this pair was recorded before".into(),
                        ),
                    }
                }
                Err(ClientError::Server { code, message, .. }) => {
                    let verdict = match code {
                        ErrorCode::SnAlreadyPaired | ErrorCode::DeviceKeyInUse => Verdict::Conflict,
                        ErrorCode::SnNotFound => Verdict::WrongProduct,
                        _ => Verdict::Failed,
                    };
                    return (verdict, format!("{code}: {message}"));
                }
                Err(e @ ClientError::Network { .. }) if self.offline.is_some() => {
                    let (verdict, detail) = self.record_offline(sn, device_key);
                    return (verdict, format!("{detail}; the cloud was not reached: {e}"));
                }
                Err(e) => return (Verdict::Failed, e.to_string()),
            }
        }
        self.record_offline(sn, device_key)
    }

    fn record_offline(&mut self, sn: &Sn, device_key: &DeviceKey) -> (Verdict, String) {
        match &mut self.offline {
            Some(file) => file
                .record(&self.product_key, sn, device_key)
                .unwrap_or_else(|e| (Verdict::Failed, e.to_string())),
            None => (Verdict::Failed, "no cloud and no offline file".into()),
        }
    }
}

/// What the station reads in one decoded code: a module's key, a device label, or nothing.
pub fn classify(code: &Code) -> Option<Seen> {
    let text = code.text.trim();
    // Module labels often print a prefix: "IMEI:8612…", "IMEI 8612…", "MAC: A4:CF:…".
    let upper = text.to_ascii_uppercase();
    let bare = ["IMEI", "MAC"]
        .iter()
        .find_map(|p| upper.starts_with(p).then(|| &text[p.len()..]))
        .map(|rest| rest.trim_start_matches([':', ' ', '=', '#']).trim())
        .unwrap_or(text);
    match DeviceKey::parse(bare) {
        Ok(key) => return Some(Seen::Module(key)),
        Err(e) if e.problem == Problem::BadCheckDigit => {
            return Some(Seen::BadModule(bare.to_owned()))
        }
        Err(_) => {}
    }
    let payload = code.payload.as_ref().ok()?;
    Some(Seen::Label {
        product_key: payload.product_key()?.clone(),
        sn: payload.sn()?.clone(),
    })
}

fn seconds(s: f64) -> Duration {
    Duration::from_secs_f64(s.clamp(0.0, 3600.0))
}

/// Runs the station until the source ends (a camera: until interrupted).
pub fn run(global: GlobalArgs, args: &PairArgs) -> Outcome {
    let json_mode = global.json;
    let sources = [
        args.camera.is_some(),
        args.video.is_some(),
        args.images.is_some(),
    ];
    if sources.iter().filter(|s| **s).count() != 1 {
        output::usage_error(
            json_mode,
            "give exactly one of --camera N, --video FILE.y4m or --images FOLDER",
        );
        return Outcome::BadInput;
    }
    let product_key = match ProductKey::parse(&args.product) {
        Ok(pk) => pk,
        Err(e) => {
            output::usage_error(json_mode, &e.to_string());
            return Outcome::BadInput;
        }
    };
    if args.api_key.is_none() && args.offline.is_none() {
        output::usage_error(json_mode, "give --api-key (or BINDERY_API_KEY) to pair in the cloud, or --offline FILE.csv to keep the pairs in an import file");
        return Outcome::BadInput;
    }
    let offline = match args.offline.as_deref().map(OfflineFile::open).transpose() {
        Ok(file) => file,
        Err(e) => {
            output::usage_error(json_mode, &e.to_string());
            return Outcome::BadInput;
        }
    };
    if let Some(file) = &offline {
        eprintln!(
            "offline file {}: {} pairs in it already",
            file.path().display(),
            file.len()
        );
    }
    let cloud = match &args.api_key {
        None => None,
        Some(key) => {
            let ctx = match Context::new(global) {
                Ok(ctx) => ctx,
                Err(outcome) => return outcome,
            };
            let client = ctx.client().with_api_key(Some(key.clone()));
            // The key and the product are checked before the line starts, not on the first
            // device: a wrong key would otherwise fail every device.
            match ctx.block_on(client.products()) {
                Ok(products) if products.iter().any(|p| p.product_key == product_key) => {}
                Ok(_) => {
                    output::local_refusal(
                        json_mode,
                        &ctx.cloud,
                        ErrorCode::NotFound,
                        &format!(
                            "this key has no product {product_key}; check --product and the key"
                        ),
                    );
                    return Outcome::Refused;
                }
                Err(ClientError::Network { .. }) if offline.is_some() => {
                    eprintln!("warning: the cloud cannot be reached; pairs go to the offline file until it can");
                }
                Err(e) => return ctx.fail(&e),
            }
            Some((ctx, client))
        }
    };
    let mut recorder = Recorder {
        product_key: product_key.clone(),
        cloud,
        offline,
    };
    let pacing = if args.realtime {
        Pacing::RealTime
    } else {
        Pacing::Unpaced
    };
    let source: Result<Box<dyn FrameSource>, _> = if let Some(video) = &args.video {
        Y4mSource::open(video, false, pacing).map(|s| Box::new(s) as Box<dyn FrameSource>)
    } else if let Some(folder) = &args.images {
        FolderSource::open(folder, args.fps, false, pacing)
            .map(|s| Box::new(s) as Box<dyn FrameSource>)
    } else {
        open_camera(args.camera.unwrap_or(0))
    };
    let mut source = match source {
        Ok(s) => s,
        Err(e) => {
            output::usage_error(json_mode, &e.to_string());
            return Outcome::BadInput;
        }
    };
    bindery_scan::quiet_engine_panics();
    let screen = match args.screen {
        Screen::Always => true,
        Screen::Never => false,
        Screen::Auto => stderr_is_terminal(),
    };
    let signals = Signals::new(screen, args.sound);
    let mut station = Station::new(
        product_key,
        Timing {
            gap: seconds(args.gap),
            forget: seconds(args.forget),
        },
    );
    let mut decoder = Decoder::new(Effort::Live).with_formats(&args.formats.0);
    let started = Instant::now();
    let (mut frames, mut last) = (0u64, Duration::ZERO);
    let mut failed = false;
    let mut handle = |steps: Vec<Step>, station: &mut Station, at: Duration| {
        for step in steps {
            let signal = match step {
                Step::Record { sn, device_key } => {
                    let (verdict, detail) = recorder.record(&sn, &device_key);
                    station.recorded(sn, device_key, verdict, detail)
                }
                signal => signal,
            };
            if let Step::Signal {
                verdict,
                sn,
                device_key,
                detail,
            } = signal
            {
                failed |= verdict == Verdict::Failed;
                let counts = signal::count_line(|v| station.count(v));
                signals.show(verdict, &detail, &counts);
                let sn = sn.map(|s| s.to_string());
                let key = device_key.map(|k| k.as_str().to_owned());
                output::result(
                    json_mode,
                    || {
                        format!(
                            "{:<14} SN {:<16} DeviceKey {:<15}  {detail}  [{counts}]",
                            signal::look(verdict).word,
                            sn.as_deref().unwrap_or("—"),
                            key.as_deref().unwrap_or("—"),
                        )
                    },
                    || {
                        json!({
                            "event": verdict.as_str(),
                            "sn": sn,
                            "device_key": key,
                            "detail": detail,
                            "at_s": at.as_secs_f64(),
                            "count": counts_json(station),
                        })
                    },
                );
            }
        }
    };
    let mut status = Outcome::Success;
    loop {
        match source.next_frame() {
            Ok(Some(frame)) => {
                frames += 1;
                last = frame.timestamp;
                let seen: Vec<Seen> = decoder
                    .decode(frame.image.view())
                    .iter()
                    .filter_map(classify)
                    .collect();
                let steps = station.frame(frame.timestamp, &seen);
                handle(steps, &mut station, frame.timestamp);
            }
            Ok(None) => break,
            Err(e) => {
                output::usage_error(json_mode, &e.to_string());
                status = Outcome::BadInput;
                break;
            }
        }
    }
    let end = last + seconds(args.gap) + Duration::from_millis(1);
    let steps = station.finish(end);
    handle(steps, &mut station, end);
    let wall = started.elapsed().as_secs_f64();
    let decided: u64 = Verdict::ALL.iter().map(|&v| station.count(v)).sum();
    output::result(
        json_mode,
        || {
            format!(
                "{frames} frames, {:.1} s of video in {wall:.1} s: {}",
                last.as_secs_f64(),
                signal::count_line(|v| station.count(v))
            )
        },
        || {
            json!({ "summary": {
                "frames": frames,
                "video_s": last.as_secs_f64(),
                "wall_s": wall,
                "devices": decided,
                "count": counts_json(&station),
            }})
        },
    );
    if failed {
        status = status.max(Outcome::Network);
    }
    status
}

fn counts_json(station: &Station) -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> = Verdict::ALL
        .iter()
        .map(|&v| (v.as_str().to_owned(), json!(station.count(v))))
        .collect();
    serde_json::Value::Object(map)
}

#[cfg(feature = "camera")]
fn open_camera(index: usize) -> Result<Box<dyn FrameSource>, bindery_scan::SourceError> {
    CameraSource::open(index, CameraRequest::default()).map(|c| Box::new(c) as Box<dyn FrameSource>)
}

#[cfg(not(feature = "camera"))]
fn open_camera(_index: usize) -> Result<Box<dyn FrameSource>, bindery_scan::SourceError> {
    Err(bindery_scan::SourceError::NoCamera)
}

fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bindery_scan::{Engine, Format};

    fn code(text: &str) -> Code {
        Code {
            format: Format::DataMatrix,
            text: text.to_owned(),
            payload: bindery_core::parse_qr(text),
            corners: Vec::new(),
            engine: Engine::Rxing,
        }
    }

    #[test]
    fn what_the_station_reads_in_a_code() {
        let imei = || Some(Seen::Module(DeviceKey::parse("490154203237518").unwrap()));
        let cases: Vec<(&str, Option<Seen>)> = vec![
            ("490154203237518", imei()),
            ("IMEI:490154203237518", imei()),
            ("imei 490154203237518", imei()),
            ("IMEI: 490154203237518\n", imei()),
            (
                "MAC: A4:CF:12:00:00:01",
                Some(Seen::Module(DeviceKey::parse("a4cf12000001").unwrap())),
            ),
            (
                "490154203237519",
                Some(Seen::BadModule("490154203237519".into())),
            ),
            (
                "pk=plug01&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD",
                Some(Seen::Label {
                    product_key: ProductKey::parse("plug01").unwrap(),
                    sn: Sn::parse("BD7K2M9Q4X").unwrap(),
                }),
            ),
            // An SN alone names no product: it is not a label the station can check.
            ("VDR7098612099028", None),
            ("hello", None),
        ];
        for (text, want) in cases {
            assert_eq!(classify(&code(text)), want, "{text:?}");
        }
    }
}
