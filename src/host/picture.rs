//! Reading the QR code in a picture the user chose ("Open image…"): one photo, decoded once
//! with the thorough effort, whether it came as a file path (desktop) or as the bytes of a
//! file picked in the browser.

use bindery_scan::{Decoder, Effort, GrayImage, SourceError};

use crate::state::ScanProblem;

/// The code in `image` (named `file` in what the user is told).
pub fn read_code(file: &str, image: Result<GrayImage, SourceError>) -> Result<String, ScanProblem> {
    let image = image.map_err(|e| ScanProblem::ImageUnreadable {
        file: file.to_owned(),
        detail: e.to_string(),
    })?;
    Decoder::new(Effort::Thorough)
        .decode(image.view())
        .into_iter()
        .next()
        .map(|code| code.text)
        .ok_or_else(|| ScanProblem::NoCodeIn {
            file: file.to_owned(),
        })
}
