//! Label-ready QR images and the zip archives that carry them.
//!
//! A label is the QR code with a 4-module quiet zone and the SN printed underneath in a
//! bitmap font, so a person can read what a phone scans. Images are 1-bit PNGs (small and
//! fast to write) rendered on every core; the zip stores them as they are (PNG is already
//! compressed) and deflates only the CSV.

use std::io::{Cursor, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use font8x8::UnicodeFonts;
use qrcode::{Color, EcLevel, QrCode};
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

/// Pixels per QR module.
const MODULE_PX: usize = 6;
/// Quiet zone around the code, in modules (ISO 18004 asks for 4).
const QUIET_MODULES: usize = 4;
/// Scale of the 8×8 font.
const FONT_SCALE: usize = 2;

/// Why a label or archive could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LabelError {
    #[error("the QR content does not fit in a QR code: {0}")]
    Qr(#[from] qrcode::types::QrError),
    #[error("cannot encode the PNG: {0}")]
    Png(#[from] png::EncodingError),
    #[error("cannot write the zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("cannot write the archive: {0}")]
    Io(#[from] std::io::Error),
}

/// A 1-bit image, white by default.
struct Bitmap {
    width: usize,
    height: usize,
    /// Row-major, one byte per pixel (true = black); packed when encoded.
    black: Vec<bool>,
}

impl Bitmap {
    fn new(width: usize, height: usize) -> Self {
        Bitmap {
            width,
            height,
            black: vec![false; width * height],
        }
    }

    fn fill(&mut self, x: usize, y: usize, w: usize, h: usize) {
        for row in y..(y + h).min(self.height) {
            let start = row * self.width;
            for col in x..(x + w).min(self.width) {
                self.black[start + col] = true;
            }
        }
    }

    fn to_png(&self) -> Result<Vec<u8>, LabelError> {
        let stride = self.width.div_ceil(8);
        let mut data = vec![0xffu8; stride * self.height];
        for y in 0..self.height {
            for x in 0..self.width {
                if self.black[y * self.width + x] {
                    data[y * stride + x / 8] &= !(0x80 >> (x % 8));
                }
            }
        }
        let mut out = Vec::with_capacity(data.len() / 4 + 128);
        let mut encoder = png::Encoder::new(&mut out, self.width as u32, self.height as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        encoder.set_compression(png::Compression::Fast);
        // Rows repeat (a module is several pixels tall): "Up" turns the repeats into zeros,
        // which deflate to almost nothing.
        encoder.set_filter(png::FilterType::Up);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&data)?;
        writer.finish()?;
        Ok(out)
    }
}

/// The PNG of one label: the QR code of `content` with `caption` printed under it.
pub fn label_png(content: &str, caption: &str) -> Result<Vec<u8>, LabelError> {
    let code = QrCode::with_error_correction_level(content.as_bytes(), EcLevel::M)?;
    let modules = code.width();
    let colors = code.to_colors();
    let code_px = (modules + 2 * QUIET_MODULES) * MODULE_PX;
    let glyph_px = 8 * FONT_SCALE;
    let caption_chars = caption.chars().count();
    let text_px = caption_chars * glyph_px;
    let width = code_px.max(text_px + 2 * QUIET_MODULES * MODULE_PX);
    let height = code_px + glyph_px + QUIET_MODULES * MODULE_PX;
    let mut bitmap = Bitmap::new(width, height);

    let left = (width - code_px) / 2 + QUIET_MODULES * MODULE_PX;
    let top = QUIET_MODULES * MODULE_PX;
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (x, y) = (i % modules, i / modules);
            bitmap.fill(
                left + x * MODULE_PX,
                top + y * MODULE_PX,
                MODULE_PX,
                MODULE_PX,
            );
        }
    }

    // The caption sits below the bottom quiet zone, centred.
    let text_left = (width - text_px) / 2;
    for (n, ch) in caption.chars().enumerate() {
        let glyph = font8x8::BASIC_FONTS.get(ch).unwrap_or([0; 8]);
        for (gy, bits) in glyph.iter().enumerate() {
            for gx in 0..8 {
                if bits & (1 << gx) != 0 {
                    bitmap.fill(
                        text_left + n * glyph_px + gx * FONT_SCALE,
                        code_px + gy * FONT_SCALE,
                        FONT_SCALE,
                        FONT_SCALE,
                    );
                }
            }
        }
    }
    bitmap.to_png()
}

/// One image of an archive: its path in the zip, QR content and caption.
#[derive(Debug, Clone)]
pub struct LabelSpec {
    pub path: String,
    pub content: String,
    pub caption: String,
}

/// A zip of `files` (stored deflated) and one PNG per label, rendered on every core.
/// `progress` is called with the number of labels rendered so far.
pub fn build_archive(
    files: &[(&str, Vec<u8>)],
    labels: &[LabelSpec],
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<u8>, LabelError> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let chunk = labels.len().div_ceil(threads).max(1);
    let done = AtomicUsize::new(0);
    let rendered: Vec<Result<Vec<Vec<u8>>, LabelError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = labels
            .chunks(chunk)
            .map(|part| {
                let done = &done;
                scope.spawn(move || {
                    part.iter()
                        .map(|label| {
                            let png = label_png(&label.content, &label.caption);
                            progress(done.fetch_add(1, Ordering::Relaxed) + 1);
                            png
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("label rendering does not panic"))
            .collect()
    });

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for (name, bytes) in files {
        zip.start_file(*name, deflated)?;
        zip.write_all(bytes)?;
    }
    let mut specs = labels.iter();
    for part in rendered {
        for png in part? {
            let spec = specs.next().expect("one image per label");
            zip.start_file(spec.path.as_str(), stored)?;
            zip.write_all(&png)?;
        }
    }
    Ok(zip.finish()?.into_inner())
}

/// Neutralises CSV formula injection: a cell that a spreadsheet would evaluate (starting with
/// `=`, `+`, `-`, `@`, tab or carriage return) is prefixed with `'` so it stays text.
pub fn csv_safe(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_become_text() {
        for evil in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_safe(evil), format!("'{evil}"));
        }
        assert_eq!(csv_safe("Kitchen"), "Kitchen");
        assert_eq!(csv_safe(""), "");
    }

    #[test]
    fn long_captions_widen_the_label() {
        let png = label_png("pk=p1a2b3&sn=X&v=1", &"W".repeat(32)).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert!(info.width as usize >= 32 * 8 * FONT_SCALE);
        assert_eq!(info.bit_depth, png::BitDepth::One);
    }
}
