//! The symbologies besides QR that device labels carry. Cellular modules and industrial
//! labels print the IMEI or the MAC as a Data Matrix or a Code 128 barcode (sometimes a
//! Micro QR), beside or instead of the device's QR label; a pairing station has to read both
//! in one frame. Asking for them is explicit ([`Decoder::with_formats`](super::Decoder::with_formats)):
//! the default is QR only, so the app's live scanning pays nothing for them.
//!
//! QR keeps its own cascade (`mod.rs`). Every other format is one rxing pass here: ZXing's
//! readers through `MultiFormatReader`, one format at a time, each wrapped in ZXing's
//! `GenericMultipleBarcodeReader`, which after a read looks again in the parts of the picture
//! around it — so several codes of a format come out of one frame. One format per reader
//! rather than all in one: `MultiFormatReader` stops at the first format that reads, and the
//! multiple-code search then only looks beside that code, which lost a Code 128 printed right
//! under a Data Matrix.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::str::FromStr;

use rxing::common::HybridBinarizer;
use rxing::multi::{GenericMultipleBarcodeReader, MultipleBarcodeReader};
use rxing::qrcode::cpp_port::QrReader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8Source, MultiFormatReader};

use super::found::{Found, Point};
use crate::frame::GrayView;

/// A barcode symbology the decoder can be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// QR Code (Model 2): Bindery's and every other device label.
    Qr,
    /// Micro QR: one finder pattern, up to 35 digits; some small module labels.
    MicroQr,
    /// Data Matrix (ECC 200): the usual 2D code of module and industrial labels.
    DataMatrix,
    /// Code 128: the usual 1D barcode of an IMEI or a MAC.
    #[serde(rename = "code128")]
    Code128,
}

impl Format {
    /// Every format, in the order results list them.
    pub const ALL: [Format; 4] = [
        Format::Qr,
        Format::MicroQr,
        Format::DataMatrix,
        Format::Code128,
    ];

    /// The name on the command line and in JSON: `qr`, `micro_qr`, `data_matrix`, `code128`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Qr => "qr",
            Format::MicroQr => "micro_qr",
            Format::DataMatrix => "data_matrix",
            Format::Code128 => "code128",
        }
    }

    /// rxing's name for it.
    fn rxing(self) -> BarcodeFormat {
        match self {
            Format::Qr => BarcodeFormat::QR_CODE,
            Format::MicroQr => BarcodeFormat::MICRO_QR_CODE,
            Format::DataMatrix => BarcodeFormat::DATA_MATRIX,
            Format::Code128 => BarcodeFormat::CODE_128,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown barcode format {input:?}: use qr, micro_qr, data_matrix or code128")]
pub struct UnknownFormat {
    /// The name as given.
    pub input: String,
}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// A format by its name; case, `-` for `_` and the common spellings (`datamatrix`,
    /// `code_128`, `microqr`) are taken.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let name: String = input
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .collect();
        match name.as_str() {
            "qr" | "qrcode" => Ok(Format::Qr),
            "microqr" | "mqr" => Ok(Format::MicroQr),
            "datamatrix" | "dm" => Ok(Format::DataMatrix),
            "code128" => Ok(Format::Code128),
            _ => Err(UnknownFormat {
                input: input.to_owned(),
            }),
        }
    }
}

/// A comma-separated list of formats (`qr,data_matrix,code128`), each once, in
/// [`Format::ALL`]'s order.
pub fn parse_formats(list: &str) -> Result<Vec<Format>, UnknownFormat> {
    let mut formats = list
        .split(',')
        .filter(|name| !name.trim().is_empty())
        .map(str::parse)
        .collect::<Result<Vec<Format>, _>>()?;
    if formats.is_empty() {
        return Err(UnknownFormat {
            input: list.to_owned(),
        });
    }
    formats.sort();
    formats.dedup();
    Ok(formats)
}

/// What the other-format passes read in one picture.
#[derive(Debug, Default)]
pub(crate) struct OtherCodes {
    pub found: Vec<(Format, Found)>,
    /// Reader panics caught (each one a miss).
    pub panics: u64,
    /// Passes run (one per format).
    pub passes: u64,
}

/// Every code of the non-QR `formats` in `img` (QR is the cascade's, and is skipped here).
pub(crate) fn read_others(img: GrayView<'_>, formats: &[Format]) -> OtherCodes {
    let mut out = OtherCodes::default();
    let others: Vec<Format> = formats
        .iter()
        .copied()
        .filter(|&f| f != Format::Qr)
        .collect();
    if others.is_empty() || img.width() < 11 || img.height() < 11 {
        return out;
    }
    let packed;
    let luma = match img.as_packed() {
        Some(p) => p,
        None => {
            packed = img.to_owned_image();
            packed.pixels()
        }
    };
    let source = Luma8Source::new_with_slice(luma, img.width() as u32, img.height() as u32)
        .expect("a non-empty picture");
    // One bitmap for every format: it binarizes once, when the first reader asks.
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    for format in others {
        out.passes += 1;
        let run = || {
            let hints = DecodeHints {
                TryHarder: Some(true),
                PossibleFormats: Some([format.rxing()].into_iter().collect()),
                ..DecodeHints::default()
            };
            let read = match format {
                // The zxing-cpp port finds every Micro QR of the picture itself (one finder
                // pattern each).
                Format::MicroQr => QrReader.decode_multiple_with_hints(&mut bitmap, &hints),
                _ => GenericMultipleBarcodeReader::new(MultiFormatReader::default())
                    .decode_multiple_with_hints(&mut bitmap, &hints),
            };
            read.unwrap_or_default()
        };
        match catch_unwind(AssertUnwindSafe(run)) {
            Ok(results) => {
                for r in results {
                    // A reader asked for one format answers with that one; checked anyway,
                    // as the result's format is what the caller is told.
                    if *r.getBarcodeFormat() != format.rxing() {
                        continue;
                    }
                    out.found.push((
                        format,
                        Found {
                            text: r.getText().to_owned(),
                            corners: r
                                .getPoints()
                                .iter()
                                .map(|p| Point { x: p.x, y: p.y })
                                .collect(),
                        },
                    ));
                }
            }
            Err(_) => out.panics += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names() {
        let cases: &[(&str, Result<Format, ()>)] = &[
            ("qr", Ok(Format::Qr)),
            ("QR", Ok(Format::Qr)),
            ("micro_qr", Ok(Format::MicroQr)),
            ("microqr", Ok(Format::MicroQr)),
            ("data_matrix", Ok(Format::DataMatrix)),
            ("DataMatrix", Ok(Format::DataMatrix)),
            ("data-matrix", Ok(Format::DataMatrix)),
            ("code128", Ok(Format::Code128)),
            ("code_128", Ok(Format::Code128)),
            ("ean13", Err(())),
            ("", Err(())),
        ];
        for (input, expected) in cases {
            let got = input.parse::<Format>();
            match expected {
                Ok(format) => {
                    assert_eq!(got, Ok(*format), "{input:?}");
                    assert_eq!(format.as_str().parse::<Format>(), Ok(*format));
                    assert_eq!(
                        serde_json::to_value(format).unwrap(),
                        serde_json::json!(format.as_str())
                    );
                }
                Err(()) => assert_eq!(
                    got,
                    Err(UnknownFormat {
                        input: input.to_string()
                    }),
                    "{input:?}"
                ),
            }
        }
    }

    #[test]
    fn format_lists() {
        assert_eq!(
            parse_formats("code128, qr,data_matrix,qr"),
            Ok(vec![Format::Qr, Format::DataMatrix, Format::Code128])
        );
        assert_eq!(
            parse_formats("qr,aztec"),
            Err(UnknownFormat {
                input: "aztec".into()
            })
        );
        assert_eq!(
            parse_formats(" , "),
            Err(UnknownFormat {
                input: " , ".into()
            })
        );
    }
}
