//! The other symbologies of device labels (issue 18): Data Matrix, Code 128 and Micro QR,
//! alone, turned, several in one frame, beside a QR label, and on the real sample images of
//! zxing-cpp (read from the bench data, `barcode-photos/`). The default decoder must keep
//! reading QR only.

mod common;
mod symbols;

use bindery_scan::{Code, Decoder, Effort, Format, GrayImage, Point};
use common::{background, bench_data::bench_data_dir};
use symbols::{code128, data_matrix, draw, micro_qr, qr, Grid};

const IMEI: &str = "490154203237518";
const IMEI_2: &str = "356938035643809";
const V2: &str = "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD";

/// One code drawn on a test frame: what it says, its grid, and where.
struct Placed {
    format: Format,
    text: String,
    cx: f32,
    cy: f32,
}

fn grid_of(format: Format, text: &str) -> Grid {
    match format {
        Format::Qr => qr(text),
        Format::MicroQr => micro_qr(text),
        Format::DataMatrix => data_matrix(text),
        Format::Code128 => code128(text),
    }
}

/// A 960x540 frame with `codes` drawn at their places (`module` px a module, turned by
/// `angle`; Code 128 bars 80 px tall).
fn frame(codes: &[(Format, &str, f32, f32)], module: f32, angle: f32) -> (GrayImage, Vec<Placed>) {
    let mut img = background(960, 540, 7);
    let mut placed = Vec::new();
    for &(format, text, cx, cy) in codes {
        let grid = grid_of(format, text);
        let (m, height) = match format {
            Format::Code128 => (module.min(3.0), Some(80.0)),
            _ => (module, None),
        };
        draw(&mut img, &grid, cx, cy, m, height, angle);
        placed.push(Placed {
            format,
            text: text.to_owned(),
            cx,
            cy,
        });
    }
    (img, placed)
}

fn center(corners: &[Point]) -> Point {
    let n = corners.len().max(1) as f32;
    Point {
        x: corners.iter().map(|p| p.x).sum::<f32>() / n,
        y: corners.iter().map(|p| p.y).sum::<f32>() / n,
    }
}

/// Every placed code is read once, with its format, near where it was drawn; nothing else is.
#[track_caller]
fn assert_read(case: &str, codes: &[Code], placed: &[Placed]) {
    let mut got: Vec<(Format, &str)> = codes.iter().map(|c| (c.format, c.text.as_str())).collect();
    let mut want: Vec<(Format, &str)> =
        placed.iter().map(|p| (p.format, p.text.as_str())).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "{case}: {codes:#?}");
    for p in placed {
        let code = codes
            .iter()
            .find(|c| c.format == p.format && c.text == p.text)
            .unwrap();
        let c = center(&code.corners);
        let off = ((c.x - p.cx).powi(2) + (c.y - p.cy).powi(2)).sqrt();
        assert!(
            off < 60.0,
            "{case}: {} {} read {off} px from where it was drawn: {:?}",
            p.format,
            p.text,
            code.corners
        );
    }
}

const ALL: &[Format] = &Format::ALL;

#[test]
fn each_symbology_in_generated_frames() {
    use Format::*;
    // (case, what is drawn, module px, angle, formats asked for, effort)
    #[allow(clippy::type_complexity)]
    let cases: &[(
        &str,
        &[(Format, &str, f32, f32)],
        f32,
        f32,
        &[Format],
        Effort,
    )] = &[
        (
            "data matrix",
            &[(DataMatrix, IMEI, 480.0, 270.0)],
            6.0,
            0.0,
            &[DataMatrix],
            Effort::Live,
        ),
        (
            "data matrix turned 30°",
            &[(DataMatrix, IMEI, 480.0, 270.0)],
            6.0,
            30.0,
            &[DataMatrix],
            Effort::Live,
        ),
        (
            "small data matrix, 3 px modules",
            &[(DataMatrix, IMEI, 480.0, 270.0)],
            3.0,
            0.0,
            &[DataMatrix],
            Effort::Thorough,
        ),
        (
            "code 128",
            &[(Code128, IMEI, 480.0, 270.0)],
            3.0,
            0.0,
            &[Code128],
            Effort::Live,
        ),
        (
            "code 128 slanted 4°",
            &[(Code128, IMEI, 480.0, 270.0)],
            3.0,
            4.0,
            &[Code128],
            Effort::Live,
        ),
        (
            "code 128 of a MAC",
            &[(Code128, "A4:CF:12:00:00:01", 480.0, 270.0)],
            2.0,
            0.0,
            &[Code128],
            Effort::Live,
        ),
        (
            "micro qr",
            &[(MicroQr, IMEI, 480.0, 270.0)],
            6.0,
            0.0,
            &[MicroQr],
            Effort::Live,
        ),
        (
            "micro qr turned 20°",
            &[(MicroQr, "12345", 480.0, 270.0)],
            6.0,
            20.0,
            &[MicroQr],
            Effort::Live,
        ),
        (
            "qr label, data matrix and code 128 in one frame",
            &[
                (Qr, V2, 250.0, 270.0),
                (DataMatrix, IMEI, 640.0, 150.0),
                (Code128, IMEI_2, 640.0, 420.0),
            ],
            5.0,
            0.0,
            ALL,
            Effort::Live,
        ),
        (
            "two data matrices in one frame",
            &[
                (DataMatrix, IMEI, 250.0, 270.0),
                (DataMatrix, IMEI_2, 700.0, 270.0),
            ],
            6.0,
            0.0,
            &[DataMatrix],
            Effort::Live,
        ),
        (
            "two code 128s in one frame",
            &[
                (Code128, IMEI, 480.0, 120.0),
                (Code128, IMEI_2, 480.0, 400.0),
            ],
            3.0,
            0.0,
            &[Code128],
            Effort::Live,
        ),
    ];
    for &(case, codes, module, angle, formats, effort) in cases {
        let (img, placed) = frame(codes, module, angle);
        let read = Decoder::new(effort)
            .with_formats(formats)
            .decode(img.view());
        assert_read(case, &read, &placed);
    }
}

#[test]
fn only_the_formats_asked_for_are_read() {
    use Format::*;
    let drawn = [
        (Qr, V2, 250.0, 270.0),
        (DataMatrix, IMEI, 640.0, 150.0),
        (Code128, IMEI_2, 640.0, 420.0),
    ];
    let (img, placed) = frame(&drawn, 5.0, 0.0);
    let only = |f: Format| {
        placed
            .iter()
            .filter(|p| p.format == f)
            .map(|p| Placed {
                text: p.text.clone(),
                ..*p
            })
            .collect::<Vec<_>>()
    };
    // The default decoder is QR only: what the app's live scanning pays does not change.
    let default = Decoder::new(Effort::Live);
    assert_eq!(default.formats(), [Qr]);
    let cases: [(&str, Decoder, Vec<Placed>); 3] = [
        ("default (QR only)", default, only(Qr)),
        (
            "data matrix only",
            Decoder::new(Effort::Live).with_formats(&[DataMatrix]),
            only(DataMatrix),
        ),
        (
            "code 128 only",
            Decoder::new(Effort::Thorough).with_formats(&[Code128]),
            only(Code128),
        ),
    ];
    for (case, mut decoder, want) in cases {
        let read = decoder.decode(img.view());
        assert_read(case, &read, &want);
    }
}

/// The passes a frame costs: the QR cascade alone by default, one more pass per other format.
#[test]
fn each_other_format_costs_one_pass() {
    let img = background(640, 480, 3);
    let mut qr_only = Decoder::new(Effort::Live);
    qr_only.decode(img.view());
    let mut all = Decoder::new(Effort::Live).with_formats(&Format::ALL);
    all.decode(img.view());
    assert_eq!(all.stats().passes, qr_only.stats().passes + 3);
}

/// zxing-cpp's samples (`barcode-photos/zxingcpp-*`): how many images of each set the
/// pipeline reads (the `<stem>.txt` text among the decoded ones). The floors are what this
/// version reads, so a change that loses images fails here.
#[test]
fn real_sample_images() {
    let root = bench_data_dir().join("barcode-photos");
    if !root.is_dir() {
        // Unlike `qr-photos/`, this set is not part of the shared bench data every machine
        // has (it was added beside it for issue 18, see its SOURCES.md), and nothing reachable
        // from here (crates.io, PyPI, npm) ships it: where it is absent the generated codes
        // above are the test. BINDERY_REQUIRE_BARCODE_PHOTOS=1 makes its absence a failure.
        let why = format!("no barcode photos at {}", root.display());
        if std::env::var("BINDERY_REQUIRE_BARCODE_PHOTOS").as_deref() == Ok("1") {
            panic!("BINDERY_REQUIRE_BARCODE_PHOTOS=1 but {why}");
        }
        eprintln!("SKIPPED: {why}");
        return;
    }
    // (set, format, images read at least)
    let sets: &[(&str, Format, usize)] = &[
        ("zxingcpp-datamatrix-1", Format::DataMatrix, FLOORS[0]),
        ("zxingcpp-datamatrix-2", Format::DataMatrix, FLOORS[1]),
        ("zxingcpp-code128-1", Format::Code128, FLOORS[2]),
        ("zxingcpp-code128-2", Format::Code128, FLOORS[3]),
        ("zxingcpp-microqrcode-1", Format::MicroQr, FLOORS[4]),
    ];
    let mut report = Vec::new();
    for &(set, format, floor) in sets {
        let dir = root.join(set);
        let mut images: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e != "txt"))
            .collect();
        images.sort();
        let mut decoder = Decoder::new(Effort::Thorough).with_formats(&[format]);
        let mut read = 0;
        let mut missed = Vec::new();
        for path in &images {
            let Ok(want) = std::fs::read_to_string(path.with_extension("txt")) else {
                continue;
            };
            let want = want.trim_end_matches(['\r', '\n']);
            let img = bindery_scan::source::load_image(path).unwrap();
            let codes = decoder.decode(img.view());
            if codes.iter().any(|c| c.text == want && c.format == format) {
                read += 1;
            } else {
                missed.push(path.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
        report.push(format!(
            "{set}: {read}/{} (missed {missed:?})",
            images.len()
        ));
        assert!(
            read >= floor,
            "{set}: read {read}, expected at least {floor}\n{}",
            report.join("\n")
        );
    }
    eprintln!("{}", report.join("\n"));
}

/// Images read per set by this version (see `real_sample_images`), of 31, 13, 6, 14, 16:
/// missed are a distorted and a 1-px-module Data Matrix, a Code 128 photo (`#444`) and three
/// Micro QR (one without quiet zone).
const FLOORS: [usize; 5] = [27, 13, 6, 13, 13];
