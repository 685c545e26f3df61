//! Label-ready QR images and the zip archives that carry them.
//!
//! A label is the QR code with a 4-module quiet zone and the SN printed underneath in a
//! bitmap font, so a person can read what a phone scans. Images are 1-bit PNGs (small and
//! fast to write) rendered on every core; the zip stores them as they are (PNG is already
//! compressed) and deflates only the CSV.

use std::io::{Cursor, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use font8x8::UnicodeFonts;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{Color, EcLevel};
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
    /// The content is too long for the largest QR code.
    #[error("the QR content does not fit in a QR code: {0}")]
    Qr(#[from] qrcode::types::QrError),
    /// The PNG encoder failed.
    #[error("cannot encode the PNG: {0}")]
    Png(#[from] png::EncodingError),
    /// The zip writer failed.
    #[error("cannot write the zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Writing the archive's bytes failed.
    #[error("cannot write the archive: {0}")]
    Io(#[from] std::io::Error),
}

/// A 1-bit image, packed 8 pixels a byte, MSB first, 1 = white (PNG grayscale depth 1).
struct Bitmap {
    width: usize,
    height: usize,
    stride: usize,
    rows: Vec<u8>,
}

impl Bitmap {
    fn new(width: usize, height: usize) -> Self {
        let stride = width.div_ceil(8);
        Bitmap {
            width,
            height,
            stride,
            rows: vec![0xff; stride * height],
        }
    }

    /// Blackens pixels `x..x + w` of row `y`.
    fn blacken(&mut self, y: usize, x: usize, w: usize) {
        let row = &mut self.rows[y * self.stride..(y + 1) * self.stride];
        for col in x..(x + w).min(self.width) {
            row[col / 8] &= !(0x80 >> (col % 8));
        }
    }

    /// Copies row `from` onto rows `to..to + n` (a module or glyph dot is several pixels tall).
    fn repeat_row(&mut self, from: usize, to: usize, n: usize) {
        for y in to..(to + n).min(self.height) {
            self.rows.copy_within(
                from * self.stride..(from + 1) * self.stride,
                y * self.stride,
            );
        }
    }

    fn to_png(&self) -> Result<Vec<u8>, LabelError> {
        let mut out = Vec::with_capacity(self.rows.len() / 4 + 128);
        let mut encoder = png::Encoder::new(&mut out, self.width as u32, self.height as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        encoder.set_compression(png::Compression::Fast);
        // Rows repeat (a module is several pixels tall): "Up" turns the repeats into zeros,
        // which deflate to almost nothing.
        encoder.set_filter(png::FilterType::Up);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&self.rows)?;
        writer.finish()?;
        Ok(out)
    }
}

/// The modules of the QR code of `content` (row-major, true = dark) and its width.
///
/// What `QrCode::with_error_correction_level` does, except for the choice of mask: the same
/// ISO 18004 penalty rules (§7.8.3), evaluated on a flat grid instead of through the
/// crate's per-module accessors, which took half the time of a 10,000-label batch.
fn qr_modules(content: &str) -> Result<(Vec<bool>, usize), LabelError> {
    let bits = qrcode::bits::encode_auto(content.as_bytes(), EcLevel::M)?;
    let version = bits.version();
    let (data, ec) = qrcode::ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M)?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    let width = version.width() as usize;
    let best = MASKS
        .iter()
        .map(|&mask| {
            let mut masked = canvas.clone();
            masked.apply_mask(mask);
            let dark: Vec<bool> = masked
                .into_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect();
            (penalty(&dark, width), dark)
        })
        .min_by_key(|(score, _)| *score)
        .map(|(_, dark)| dark)
        .expect("eight masks");
    Ok((best, width))
}

const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// The ISO 18004 mask penalty of a symbol, scored as the `qrcode` crate scores it: runs of
/// ≥ 5 equal modules (N1), 2×2 blocks (N2), finder-like 1:1:3:1:1 patterns with 4 light
/// modules on a side (N3), dark/light balance (N4).
fn penalty(dark: &[bool], width: usize) -> u32 {
    let at = |x: usize, y: usize, by_column: bool| {
        if by_column {
            dark[x * width + y]
        } else {
            dark[y * width + x]
        }
    };
    let mut score = 0u32;
    for by_column in [false, true] {
        for y in 0..width {
            // N1: runs.
            let mut run = 1;
            for x in 1..width {
                if at(x, y, by_column) == at(x - 1, y, by_column) {
                    run += 1;
                } else {
                    if run >= 5 {
                        score += 3 + (run - 5);
                    }
                    run = 1;
                }
            }
            if run >= 5 {
                score += 3 + (run - 5);
            }
            // N3: dark-light-dark×3-light-dark next to four light modules (outside the
            // symbol counts as light).
            let light = |x: isize| x < 0 || x >= width as isize || !at(x as usize, y, by_column);
            for x in 0..width.saturating_sub(6) {
                let core = [true, false, true, true, true, false, true];
                if core
                    .iter()
                    .enumerate()
                    .all(|(i, &d)| at(x + i, y, by_column) == d)
                {
                    let x = x as isize;
                    if (1..=4).all(|i| light(x - i)) || (7..=10).all(|i| light(x + i)) {
                        score += 40;
                    }
                }
            }
        }
    }
    // N2: 2×2 blocks.
    for y in 0..width - 1 {
        for x in 0..width - 1 {
            let d = dark[y * width + x];
            if dark[y * width + x + 1] == d
                && dark[(y + 1) * width + x] == d
                && dark[(y + 1) * width + x + 1] == d
            {
                score += 3;
            }
        }
    }
    // N4: one point per half per cent away from half dark (the `qrcode` crate's continuous
    // form of the rule, kept so that both choose the same mask).
    let dark_count = dark.iter().filter(|&&d| d).count();
    score + (dark_count * 200 / dark.len()).abs_diff(100) as u32
}

/// The PNG of one label: the QR code of `content` with `caption` printed under it.
pub fn label_png(content: &str, caption: &str) -> Result<Vec<u8>, LabelError> {
    let (dark, modules) = qr_modules(content)?;
    let code_px = (modules + 2 * QUIET_MODULES) * MODULE_PX;
    let glyph_px = 8 * FONT_SCALE;
    let caption_chars = caption.chars().count();
    let text_px = caption_chars * glyph_px;
    let width = code_px.max(text_px + 2 * QUIET_MODULES * MODULE_PX);
    let height = code_px + glyph_px + QUIET_MODULES * MODULE_PX;
    let mut bitmap = Bitmap::new(width, height);

    let left = (width - code_px) / 2 + QUIET_MODULES * MODULE_PX;
    let top = QUIET_MODULES * MODULE_PX;
    for y in 0..modules {
        let first = top + y * MODULE_PX;
        for x in 0..modules {
            if dark[y * modules + x] {
                bitmap.blacken(first, left + x * MODULE_PX, MODULE_PX);
            }
        }
        bitmap.repeat_row(first, first + 1, MODULE_PX - 1);
    }

    // The caption sits below the bottom quiet zone, centred.
    let text_left = (width - text_px) / 2;
    let glyphs: Vec<[u8; 8]> = caption
        .chars()
        .map(|ch| font8x8::BASIC_FONTS.get(ch).unwrap_or([0; 8]))
        .collect();
    for gy in 0..8 {
        let first = code_px + gy * FONT_SCALE;
        for (n, glyph) in glyphs.iter().enumerate() {
            for gx in 0..8 {
                if glyph[gy] & (1 << gx) != 0 {
                    bitmap.blacken(
                        first,
                        text_left + n * glyph_px + gx * FONT_SCALE,
                        FONT_SCALE,
                    );
                }
            }
        }
        bitmap.repeat_row(first, first + 1, FONT_SCALE - 1);
    }
    bitmap.to_png()
}

/// One image of an archive: its path in the zip, QR content and caption.
#[derive(Debug, Clone)]
pub struct LabelSpec {
    /// The PNG's path in the zip (`qr/<SN>.png`).
    pub path: String,
    /// What the QR code says.
    pub content: String,
    /// The text printed under the code (the SN).
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
    fn mask_choice_matches_the_qrcode_crate() {
        // The same penalty rules choose the same mask as `QrCode` (which scores every mask
        // through its slower accessors), so the labels are the symbols that crate would draw.
        for i in 0..300u32 {
            let content = format!(
                "pk=bench01&sn=S{:015X}&v=2&bc={:010}",
                i.wrapping_mul(2654435761),
                i
            );
            let reference: Vec<bool> =
                qrcode::QrCode::with_error_correction_level(&content, EcLevel::M)
                    .unwrap()
                    .to_colors()
                    .into_iter()
                    .map(|c| c == Color::Dark)
                    .collect();
            assert_eq!(qr_modules(&content).unwrap().0, reference, "{content}");
        }
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
