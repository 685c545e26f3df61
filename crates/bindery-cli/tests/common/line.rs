//! A simulated production line for the pairing station: a `.y4m` video in which devices stop
//! under the camera one after another (an indexing conveyor), each showing its module's
//! IMEI/MAC label (Data Matrix or Code 128) and its Bindery label (QR) — in one frame, or one
//! after the other — with the empty belt between devices. Shared by the pairing test and the
//! throughput bench (`benches/pair_line.rs`).
#![allow(dead_code)]

use std::path::Path;

use bindery_scan::GrayImage;
use rxing::oned::{Code128Writer, OneDimensionalCodeWriter};
use rxing::{BarcodeFormat, Writer};

/// Frames per second of the video.
pub const FPS: u32 = 10;
/// Frames a device stays under the camera.
pub const SHOWN: usize = 9;
/// Frames of empty belt between devices (longer than the station's default gap, 0.5 s).
pub const BETWEEN: usize = 6;
const W: usize = 640;
const H: usize = 480;

/// How a module's key is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleCode {
    DataMatrix,
    Code128,
    /// A Data Matrix smeared past reading (a dirty or torn label).
    Smeared,
}

/// How the two labels pass the camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Both in every frame the device is shown.
    Together,
    /// The module label in the first frames, the device label in the last ones.
    ModuleFirst,
    /// The device label first.
    LabelFirst,
}

/// One device passing the camera.
#[derive(Debug, Clone)]
pub struct Device {
    /// The device label's QR text.
    pub label: String,
    /// The module label's text (an IMEI, maybe prefixed, or a MAC).
    pub module: String,
    pub code: ModuleCode,
    pub order: Order,
}

/// A module grid, true = dark, `cols` x `rows`, with its quiet zone in modules.
struct Grid {
    cols: usize,
    rows: usize,
    dark: Vec<bool>,
    quiet: usize,
}

fn qr(text: &str) -> Grid {
    let code = qrcode::QrCode::new(text.as_bytes()).expect("text fits a QR code");
    let n = code.width();
    Grid {
        cols: n,
        rows: n,
        dark: code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect(),
        quiet: 4,
    }
}

fn data_matrix(text: &str) -> Grid {
    let m = rxing::datamatrix::DataMatrixWriter
        .encode(text, &BarcodeFormat::DATA_MATRIX, 0, 0)
        .expect("text fits a Data Matrix");
    let (cols, rows) = (m.getWidth() as usize, m.getHeight() as usize);
    Grid {
        cols,
        rows,
        dark: (0..rows * cols)
            .map(|i| m.get((i % cols) as u32, (i / cols) as u32))
            .collect(),
        quiet: 2,
    }
}

fn code128(text: &str) -> Grid {
    let dark = Code128Writer
        .encode_oned(text)
        .expect("text fits a Code 128");
    Grid {
        cols: dark.len(),
        rows: 1,
        dark,
        quiet: 10,
    }
}

/// Draws `grid` with its top-left quiet-zone corner at (`x0`, `y0`), `module` px a module,
/// `height` px tall for a one-row grid; dark 35 on light 215.
fn draw(img: &mut GrayImage, grid: &Grid, x0: usize, y0: usize, module: usize, height: usize) {
    let mh = if grid.rows == 1 { height } else { module };
    let (qx, qy) = (
        grid.quiet * module,
        if grid.rows == 1 {
            module * 2
        } else {
            grid.quiet * mh
        },
    );
    let (w, h) = (grid.cols * module + 2 * qx, grid.rows * mh + 2 * qy);
    let width = img.width();
    let px = img.pixels_mut();
    for y in 0..h {
        for x in 0..w {
            let (u, v) = (x as isize - qx as isize, y as isize - qy as isize);
            let dark = u >= 0
                && v >= 0
                && (u as usize) < grid.cols * module
                && (v as usize) < grid.rows * mh
                && grid.dark[(v as usize / mh) * grid.cols + u as usize / module];
            let i = (y0 + y) * width + x0 + x;
            if i < px.len() {
                px[i] = if dark { 35 } else { 215 };
            }
        }
    }
}

/// The empty belt: a gradient with noise, different in every frame.
fn belt(seed: u64) -> GrayImage {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut px = Vec::with_capacity(W * H);
    for y in 0..H {
        for x in 0..W {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = ((state >> 32) % 13) as f32 - 6.0;
            let base = 95.0 + 40.0 * (x as f32 / W as f32) - 20.0 * (y as f32 / H as f32);
            px.push((base + noise).clamp(0.0, 255.0) as u8);
        }
    }
    GrayImage::new(W, H, px).expect("sizes match")
}

/// A frame with `device` on the belt, showing its module label and/or its device label; the
/// device sits `shift` px off its stop position (the conveyor's play).
fn device_frame(device: &Device, module: bool, label: bool, seed: u64, shift: usize) -> GrayImage {
    let mut img = belt(seed);
    // The housing: a light panel.
    {
        let width = img.width();
        let px = img.pixels_mut();
        for y in 40..440 {
            for x in (30 + shift)..(610 + shift).min(W) {
                px[y * width + x] = 175;
            }
        }
    }
    if label {
        draw(&mut img, &qr(&device.label), 50 + shift, 90, 6, 0);
    }
    if module {
        match device.code {
            ModuleCode::DataMatrix => draw(
                &mut img,
                &data_matrix(&device.module),
                400 + shift,
                110,
                7,
                0,
            ),
            ModuleCode::Code128 => {
                draw(&mut img, &code128(&device.module), 100 + shift, 350, 2, 70)
            }
            ModuleCode::Smeared => {
                draw(
                    &mut img,
                    &data_matrix(&device.module),
                    400 + shift,
                    110,
                    7,
                    0,
                );
                // A smear across the middle of the code: nothing readable is left.
                let width = img.width();
                let px = img.pixels_mut();
                for y in 120..250 {
                    for x in (410 + shift)..(560 + shift) {
                        px[y * width + x] = 120;
                    }
                }
            }
        }
    }
    img
}

/// The frames of `devices` passing in order: each shown for [`SHOWN`] frames, then
/// [`BETWEEN`] frames of empty belt.
pub fn frames(devices: &[Device]) -> Vec<GrayImage> {
    frames_paced(devices, SHOWN, BETWEEN)
}

/// The frames of `devices` passing in order, each shown for `shown` frames (at least 3;
/// one after the other: the first code in the first half, the second in the second), then
/// `between` frames of empty belt.
pub fn frames_paced(devices: &[Device], shown: usize, between: usize) -> Vec<GrayImage> {
    let shown = shown.max(3);
    let half = shown / 2;
    let mut out = vec![belt(1), belt(2)];
    for (i, device) in devices.iter().enumerate() {
        for f in 0..shown {
            let (module, label) = match device.order {
                Order::Together => (true, true),
                Order::ModuleFirst => (f < half, f > half),
                Order::LabelFirst => (f > half, f < half),
            };
            let seed = (i * 100 + f) as u64 + 10;
            out.push(device_frame(device, module, label, seed, f % 3));
        }
        for f in 0..between {
            out.push(belt((i * 100 + 50 + f) as u64));
        }
    }
    out
}

/// Writes the line's video.
pub fn write_video(path: &Path, devices: &[Device]) {
    let file = std::fs::File::create(path).unwrap();
    bindery_scan::source::write_y4m(std::io::BufWriter::new(file), &frames(devices), FPS).unwrap();
}

/// A valid IMEI (Luhn) with the given 14-digit body.
pub fn imei(body: u64) -> String {
    let digits = format!("{body:014}");
    let sum: u32 = digits
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap();
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}
