//! What the other symbologies cost and read (issue 18), against zxing-cpp in the same run:
//!
//! - zxing-cpp's sample images of Data Matrix, Code 128 and Micro QR (`barcode-photos/` of
//!   the bench data): images read (the `<stem>.txt` text among the results) and the median
//!   decode time per image, ours (`Effort::Thorough` with that one format) and zxing-cpp's
//!   (`read_barcodes` with that one format);
//! - synthetic camera frames (640x480 and 1280x720, noisy gradient) with a QR label, a Data
//!   Matrix and a Code 128, and without any code: `Effort::Live` QR only (the app's default),
//!   `Effort::Live` with all four formats (the pairing station), and zxing-cpp with the four.
//!
//! Times are CPU time of the decoding thread on both sides (the machine is shared), medians.
//!
//! `cargo test -p bindery-scan --bench formats_bench -- [--data DIR] [--python PATH] [--reps N]`
//! (the dev profile builds bindery-scan and its dependencies at `opt-level = 2`; `cargo bench`
//! works too, after a release build). `--python` is a Python with PyPI `zxing-cpp pillow
//! numpy`; without one the zxing-cpp columns are empty.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/symbols/mod.rs"]
mod symbols;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use bindery_scan::{Decoder, Effort, Format, GrayImage};

fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Median ms of `reps` decodes (after one untimed), and what the last one read.
fn ours(decoder: &mut Decoder, img: &GrayImage, reps: usize) -> (f64, Vec<(Format, String)>) {
    let mut codes = decoder.decode(img.view());
    let mut times = Vec::new();
    for _ in 0..reps {
        let t = thread_cpu_time();
        codes = decoder.decode(img.view());
        times.push((thread_cpu_time() - t).as_secs_f64() * 1000.0);
    }
    (
        median(times),
        codes.into_iter().map(|c| (c.format, c.text)).collect(),
    )
}

struct Zx {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Zx {
    fn start(python: &Path) -> Option<Zx> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/zxing_cpp_formats.py");
        let mut child = Command::new(python)
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| eprintln!("zxing-cpp skipped: cannot run {}: {e}", python.display()))
            .ok()?;
        let stdin = child.stdin.take()?;
        let stdout = BufReader::new(child.stdout.take()?);
        Some(Zx {
            _child: child,
            stdin,
            stdout,
        })
    }

    fn read(
        &mut self,
        path: &Path,
        formats: &[Format],
        reps: usize,
    ) -> Option<(f64, Vec<(String, String)>)> {
        let names: Vec<&str> = formats.iter().map(|f| f.as_str()).collect();
        writeln!(
            self.stdin,
            "{reps}\t{}\t{}",
            names.join(","),
            path.display()
        )
        .ok()?;
        self.stdin.flush().ok()?;
        let mut line = String::new();
        self.stdout.read_line(&mut line).ok()?;
        let v: serde_json::Value = serde_json::from_str(&line).ok()?;
        let codes = v["codes"]
            .as_array()?
            .iter()
            .map(|c| {
                (
                    c["format"].as_str().unwrap_or_default().to_owned(),
                    c["text"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        Some((v["ms"].as_f64()?, codes))
    }
}

fn save_png(img: &GrayImage, path: &Path) {
    image::GrayImage::from_raw(
        img.width() as u32,
        img.height() as u32,
        img.pixels().to_vec(),
    )
    .unwrap()
    .save(path)
    .unwrap();
}

fn main() {
    let mut data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench");
    let mut python = PathBuf::from("/tmp/zx/bin/python3");
    let mut reps = 15usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data" => data = PathBuf::from(args.next().expect("--data DIR")),
            "--python" => python = PathBuf::from(args.next().expect("--python PATH")),
            "--reps" => reps = args.next().and_then(|n| n.parse().ok()).expect("--reps N"),
            "--bench" => {}
            other => panic!("unknown option {other}"),
        }
    }
    bindery_scan::quiet_engine_panics();
    let mut zx = Zx::start(&python);

    println!("| set | images | bindery-scan read | zxing-cpp read | bindery-scan median ms | zxing-cpp median ms | ratio |");
    println!("|---|---|---|---|---|---|---|");
    let sets = [
        ("zxingcpp-datamatrix-1", Format::DataMatrix),
        ("zxingcpp-datamatrix-2", Format::DataMatrix),
        ("zxingcpp-code128-1", Format::Code128),
        ("zxingcpp-code128-2", Format::Code128),
        ("zxingcpp-microqrcode-1", Format::MicroQr),
    ];
    for (set, format) in sets {
        let dir = data.join("barcode-photos").join(set);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("SKIPPED: no {}", dir.display());
            continue;
        };
        let mut images: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e != "txt"))
            .collect();
        images.sort();
        let mut decoder = Decoder::new(Effort::Thorough).with_formats(&[format]);
        let (mut n, mut read, mut zx_read) = (0, 0, 0);
        let (mut times, mut zx_times) = (Vec::new(), Vec::new());
        for path in &images {
            let Ok(want) = std::fs::read_to_string(path.with_extension("txt")) else {
                continue;
            };
            let want = want.trim_end_matches(['\r', '\n']).to_owned();
            let Ok(img) = bindery_scan::source::load_image(path) else {
                continue;
            };
            n += 1;
            let (ms, codes) = ours(&mut decoder, &img, reps.min(5));
            times.push(ms);
            read += codes.iter().any(|(_, t)| *t == want) as usize;
            if let Some((ms, codes)) = zx
                .as_mut()
                .and_then(|z| z.read(path, &[format], reps.min(5)))
            {
                zx_times.push(ms);
                zx_read += codes.iter().any(|(_, t)| *t == want) as usize;
            }
        }
        let (m, zm) = (median(times), median(zx_times));
        println!(
            "| {set} | {n} | {read} | {zx_read} | {m:.2} | {zm:.2} | {:.2} |",
            m / zm
        );
    }

    println!();
    println!("| frame | Live, QR only (ms) | Live, 4 formats (ms) | zxing-cpp, 4 formats (ms) | 4 formats ÷ zxing-cpp | read (ours / zxing-cpp, of 3) |");
    println!("|---|---|---|---|---|---|");
    let tmp = std::env::temp_dir().join(format!("formats-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    for (w, h) in [(640, 480), (1280, 720)] {
        for with_codes in [true, false] {
            let mut img = common::background(w, h, 11);
            if with_codes {
                let s = h as f32 / 480.0;
                symbols::draw(
                    &mut img,
                    &symbols::qr("pk=plug01&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD"),
                    w as f32 * 0.27,
                    h as f32 * 0.5,
                    4.0 * s,
                    None,
                    5.0,
                );
                symbols::draw(
                    &mut img,
                    &symbols::data_matrix("490154203237518"),
                    w as f32 * 0.72,
                    h as f32 * 0.3,
                    6.0 * s,
                    None,
                    5.0,
                );
                symbols::draw(
                    &mut img,
                    &symbols::code128("356938035643809"),
                    w as f32 * 0.72,
                    h as f32 * 0.75,
                    2.0 * s,
                    Some(60.0 * s),
                    2.0,
                );
            }
            let path = tmp.join(format!("{w}x{h}-{with_codes}.png"));
            save_png(&img, &path);
            let (qr_ms, _) = ours(&mut Decoder::new(Effort::Live), &img, reps);
            let (all_ms, codes) = ours(
                &mut Decoder::new(Effort::Live).with_formats(&Format::ALL),
                &img,
                reps,
            );
            let zx_result = zx.as_mut().and_then(|z| z.read(&path, &Format::ALL, reps));
            let (zx_ms, zx_n) = zx_result.map_or((f64::NAN, 0), |(ms, c)| (ms, c.len()));
            println!(
                "| {w}x{h} {} | {qr_ms:.2} | {all_ms:.2} | {zx_ms:.2} | {:.2} | {} / {} |",
                if with_codes {
                    "with QR + Data Matrix + Code 128"
                } else {
                    "without a code"
                },
                all_ms / zx_ms,
                codes.len(),
                zx_n
            );
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
