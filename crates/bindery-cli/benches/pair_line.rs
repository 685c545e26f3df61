//! The pairing station's throughput on a simulated production line (issue 18: at least one
//! device every 2 s, sustained, and no wrong pair). A real cloud on loopback (SQLite), a batch
//! of real labels, a `.y4m` of the line, and the real `bindery-cli pair --video` binary:
//!
//! - **real time** (`--realtime`): the video plays at its frame rate, as a camera would
//!   deliver it; the station keeps up when every device is decided and the run takes about
//!   the video's length. Lines of 1.5 s and 1.2 s a device.
//! - **capacity** (unpaced): frames as fast as the station decodes them; devices per second
//!   of wall time is what a faster line could get at most.
//!
//! After each run the cloud's device list is compared with the plan: a device paired with a
//! module that is not its own is a wrong pair. Times are wall clock (the station is one
//! process doing real work: decoding, HTTP), plus the child's CPU time from `getrusage`.
//!
//! `cargo bench -p bindery-cli --bench pair_line [-- --devices N]`

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/common/line.rs"]
mod line;

use std::collections::HashMap;
use std::process::Command;
use std::time::Instant;

use bindery_core::{BindPolicy, DeviceKey, ProductKey};
use common::Cloud;
use line::{imei, Device, ModuleCode, Order};

/// The goal: one device every 2 s.
const GOAL_PER_S: f64 = 0.5;

fn device_keys(cloud: &Cloud, pk: &str) -> HashMap<String, String> {
    let csv = cloud
        .runtime
        .block_on(bindery_cloud::developer::import::export_csv(
            &cloud.state,
            &ProductKey::parse(pk).unwrap(),
        ))
        .unwrap();
    csv.lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[0].to_owned(), cells[1].to_owned())
        })
        .filter(|(_, k)| !k.is_empty())
        .collect()
}

/// CPU seconds used by finished children so far.
fn children_cpu_s() -> f64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

struct Row {
    name: String,
    devices: usize,
    video_s: f64,
    wall_s: f64,
    cpu_s: f64,
    paired: u64,
    decided: u64,
    wrong: usize,
}

fn run_line(name: &str, devices_n: usize, shown: usize, between: usize, realtime: bool) -> Row {
    let cloud = Cloud::start();
    let key = cloud.key("maker", false);
    cloud.product(&key, "plug01", BindPolicy::BindCodeRequired);
    cloud.product(&key, "lamp01", BindPolicy::BindCodeRequired);
    let labels = cloud.batch(&key, "plug01", devices_n as u32, false);
    let lamp = cloud.batch(&key, "lamp01", 1, false).remove(0);
    // Every 10th device is a wrong product, every 10th (offset 5) has a smeared module label;
    // the rest are good, alternating Data Matrix / Code 128 and the three orders.
    let mut devices = Vec::new();
    let mut plan = HashMap::new();
    for (i, label) in labels.iter().enumerate() {
        let module = imei(35_000_000_000_000 + i as u64 * 13);
        let order = [Order::Together, Order::ModuleFirst, Order::LabelFirst][i % 3];
        let (label_text, code) = match i % 10 {
            3 => (lamp.qr_content.clone(), ModuleCode::DataMatrix),
            8 => (label.qr_content.clone(), ModuleCode::Smeared),
            _ => {
                plan.insert(
                    label.sn.clone(),
                    DeviceKey::parse(&module).unwrap().as_str().to_owned(),
                );
                let code = if i % 2 == 0 {
                    ModuleCode::DataMatrix
                } else {
                    ModuleCode::Code128
                };
                (label.qr_content.clone(), code)
            }
        };
        devices.push(Device {
            label: label_text,
            module,
            code,
            order,
        });
    }
    let video = cloud.dir().join("line.y4m");
    let frames = line::frames_paced(&devices, shown, between);
    let video_s = frames.len() as f64 / line::FPS as f64;
    bindery_scan::source::write_y4m(
        std::io::BufWriter::new(std::fs::File::create(&video).unwrap()),
        &frames,
        line::FPS,
    )
    .unwrap();
    drop(frames);
    let mut args = vec![
        "--json",
        "--server",
        &cloud.base,
        "pair",
        "--product",
        "plug01",
        "--api-key",
        &key,
        "--video",
        video.to_str().unwrap(),
        "--sound",
        "off",
        "--screen",
        "never",
    ];
    if realtime {
        args.push("--realtime");
    }
    let cpu_before = children_cpu_s();
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_bindery-cli"))
        .args(&args)
        .output()
        .expect("bindery-cli runs");
    let wall_s = started.elapsed().as_secs_f64();
    let cpu_s = children_cpu_s() - cpu_before;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let summary: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let summary = &summary["summary"];
    let got = device_keys(&cloud, "plug01");
    let wrong = got
        .iter()
        .filter(|(sn, k)| plan.get(*sn) != Some(*k))
        .count();
    Row {
        name: name.to_owned(),
        devices: devices_n,
        video_s,
        wall_s,
        cpu_s,
        paired: summary["count"]["paired"].as_u64().unwrap(),
        decided: summary["devices"].as_u64().unwrap(),
        wrong: wrong + plan.len().saturating_sub(got.len()),
    }
}

fn main() {
    let mut devices_n = 40;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--devices" {
            devices_n = args
                .next()
                .and_then(|n| n.parse().ok())
                .expect("--devices N");
        }
    }
    bindery_scan::quiet_engine_panics();
    let rows = [
        run_line(
            "real time, a device every 1.5 s (0.9 s in view)",
            devices_n,
            9,
            6,
            true,
        ),
        run_line(
            "real time, a device every 1.2 s (0.6 s in view)",
            devices_n,
            6,
            6,
            true,
        ),
        run_line(
            "capacity: frames as fast as decoded (1.5 s line)",
            devices_n,
            9,
            6,
            false,
        ),
    ];
    println!("| line | devices | video s | wall s | station CPU s | decided | paired | wrong or missing pairs | devices / s | ÷ goal (0.5 / s) |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        // Devices per second of wall time, start-up (cloud check, sound files) included.
        let rate = r.devices as f64 / r.wall_s;
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {} | {} | {} | {:.2} | {:.2} |",
            r.name,
            r.devices,
            r.video_s,
            r.wall_s,
            r.cpu_s,
            r.decided,
            r.paired,
            r.wrong,
            rate,
            rate / GOAL_PER_S
        );
    }
}
