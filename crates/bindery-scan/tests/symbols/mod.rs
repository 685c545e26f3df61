//! Test labels of the other symbologies (Data Matrix, Code 128, Micro QR) drawn into gray
//! frames: the module grids come from the encoders (rxing's writers, the `qrcode` crate for
//! Micro QR), and one drawing routine places any grid at a position, size and angle, 4x4
//! supersampled like `common::draw_code`.
#![allow(dead_code)]

use bindery_scan::GrayImage;
use rxing::oned::{Code128Writer, OneDimensionalCodeWriter};
use rxing::{BarcodeFormat, Writer};

/// A module grid: `cols` x `rows`, true = dark, row by row.
pub struct Grid {
    pub cols: usize,
    pub rows: usize,
    pub dark: Vec<bool>,
    /// Light modules around the code the symbology asks for.
    pub quiet: usize,
}

/// The Data Matrix (ECC 200, square) of `text`.
pub fn data_matrix(text: &str) -> Grid {
    let m = rxing::datamatrix::DataMatrixWriter
        .encode(text, &BarcodeFormat::DATA_MATRIX, 0, 0)
        .expect("text fits a Data Matrix");
    let (cols, rows) = (m.getWidth() as usize, m.getHeight() as usize);
    let dark = (0..rows * cols)
        .map(|i| m.get((i % cols) as u32, (i / cols) as u32))
        .collect();
    Grid {
        cols,
        rows,
        dark,
        quiet: 2,
    }
}

/// The Code 128 of `text`, one row (drawn as tall as asked).
pub fn code128(text: &str) -> Grid {
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

/// The Micro QR of `text` (version M2 or M4, the smaller that fits, error correction L).
/// M3 is left out: its last data codeword is 4 bits, and an M3 of 15 digits from the
/// `qrcode` crate was not read back by rxing (which of the two is wrong was not settled;
/// the real M3 samples of `barcode-photos` are read).
pub fn micro_qr(text: &str) -> Grid {
    let code = [2, 4]
        .into_iter()
        .find_map(|v| {
            qrcode::QrCode::with_version(text, qrcode::Version::Micro(v), qrcode::EcLevel::L).ok()
        })
        .expect("text fits a Micro QR");
    let n = code.width();
    Grid {
        cols: n,
        rows: n,
        dark: code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect(),
        quiet: 2,
    }
}

/// A QR code (Model 2) of `text`.
pub fn qr(text: &str) -> Grid {
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

/// Draws `grid` centred at (`cx`, `cy`), `module` px a module wide and `height` px in all
/// (`None`: square modules), turned by `angle_deg`, with its quiet zone, dark 30 on light 225.
pub fn draw(
    img: &mut GrayImage,
    grid: &Grid,
    cx: f32,
    cy: f32,
    module: f32,
    height: Option<f32>,
    angle_deg: f32,
) {
    let module_h = height.map_or(module, |h| h / grid.rows as f32);
    let (qw, qh) = (
        grid.quiet as f32,
        if height.is_some() {
            1.0
        } else {
            grid.quiet as f32
        },
    );
    let total_w = (grid.cols as f32 + 2.0 * qw) * module;
    let total_h = (grid.rows as f32 + 2.0 * qh) * module_h;
    let (s, c) = angle_deg.to_radians().sin_cos();
    let reach = (total_w.powi(2) + total_h.powi(2)).sqrt() / 2.0 + 2.0;
    let (w, h) = (img.width(), img.height());
    let x0 = (cx - reach).max(0.0) as usize;
    let x1 = ((cx + reach) as usize).min(w);
    let y0 = (cy - reach).max(0.0) as usize;
    let y1 = ((cy + reach) as usize).min(h);
    let px = img.pixels_mut();
    for y in y0..y1 {
        for x in x0..x1 {
            let (mut inside, mut dark_hits) = (0u32, 0u32);
            for sy in 0..4 {
                for sx in 0..4 {
                    let dx = x as f32 + (sx as f32 + 0.5) / 4.0 - cx;
                    let dy = y as f32 + (sy as f32 + 0.5) / 4.0 - cy;
                    let u = (c * dx + s * dy + total_w / 2.0) / module - qw;
                    let v = (-s * dx + c * dy + total_h / 2.0) / module_h - qh;
                    if u < -qw
                        || v < -qh
                        || u >= grid.cols as f32 + qw
                        || v >= grid.rows as f32 + qh
                    {
                        continue;
                    }
                    inside += 1;
                    if u >= 0.0
                        && v >= 0.0
                        && (u as usize) < grid.cols
                        && (v as usize) < grid.rows
                        && grid.dark[v as usize * grid.cols + u as usize]
                    {
                        dark_hits += 1;
                    }
                }
            }
            if inside == 0 {
                continue;
            }
            let level = (dark_hits * 30 + (inside - dark_hits) * 225) as f32 / inside as f32;
            let t = inside as f32 / 16.0;
            let old = px[y * w + x] as f32;
            px[y * w + x] = (level * t + old * (1.0 - t)).round() as u8;
        }
    }
}
