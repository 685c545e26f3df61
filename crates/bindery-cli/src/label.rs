//! A label given as its text (`--qr`) or as a photo or label PNG (`--image`), turned into
//! the QR content the cloud is sent — decoded with the same pipeline the app scans with.

use std::path::Path;

use bindery_scan::source::load_image;
use bindery_scan::{Decoder, Effort};

/// Why a label image gave no QR content to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    #[error(
        "could not read the image {file}: {detail}; check the path and that it is a PNG or JPEG"
    )]
    Unreadable { file: String, detail: String },
    #[error("no QR code found in {file}; try a sharper, closer photo, or pass the text with --qr")]
    NoCode { file: String },
    #[error("{file} holds {count} different QR codes ({texts}); crop the image to one label, or pass the text with --qr")]
    SeveralCodes {
        file: String,
        count: usize,
        texts: String,
    },
}

/// The QR content of the one code in `file`.
pub fn read_image(file: &Path) -> Result<String, LabelError> {
    bindery_scan::quiet_engine_panics();
    let name = file.display().to_string();
    let image = load_image(file).map_err(|e| LabelError::Unreadable {
        file: name.clone(),
        detail: e.to_string(),
    })?;
    let mut texts: Vec<String> = Decoder::new(Effort::Thorough)
        .decode(image.view())
        .into_iter()
        .map(|code| code.text)
        .collect();
    texts.sort();
    texts.dedup();
    match texts.len() {
        0 => Err(LabelError::NoCode { file: name }),
        1 => Ok(texts.remove(0)),
        count => Err(LabelError::SeveralCodes {
            file: name,
            count,
            texts: texts.join(" | "),
        }),
    }
}
