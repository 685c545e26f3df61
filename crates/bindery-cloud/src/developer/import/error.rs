//! Why an import file is refused whole: one error for its encoding, its header, its CSV and
//! its XLSX, each variant carrying what it found and saying what to change, so that a maker
//! whose file Excel saved some other way is told exactly how to save it.

use crate::error::ApiError;

/// The most characters of a file's own text that an error quotes: a header cell may be as
/// long as the whole upload, and the answer must stay small.
const MAX_QUOTED: usize = 60;

/// `text` cut to [`MAX_QUOTED`] characters for quoting in an error.
pub(super) fn quoted(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Why an import file is refused whole (400, or 413 for an XLSX beyond its limits).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// No bytes, or only blank lines.
    #[error("the file is empty: start from the import template")]
    Empty,
    /// Neither UTF-8 nor Chinese text in GB18030: some other code page, or not text at all.
    #[error("the file is not text in UTF-8, nor Chinese text in GB18030/GBK (row {row} holds the bytes {bytes}): save it as \"CSV UTF-8\" or XLSX")]
    NotText {
        /// The row of the first byte that decodes in neither.
        row: u64,
        /// Up to four bytes from there, in hex.
        bytes: String,
    },
    /// A UTF-16 byte-order mark, but the bytes after it are not UTF-16.
    #[error("the file starts as UTF-16 {endian} text but is not (row {row}): save it again as \"Unicode text\", \"CSV UTF-8\" or XLSX")]
    BadUtf16 {
        /// `LE` or `BE`, from the mark.
        endian: &'static str,
        /// The row where the text stops decoding.
        row: u64,
    },
    /// The CSV parser gave up.
    #[error("the CSV cannot be read: {0}")]
    Csv(String),
    /// A header cell that names no column the import knows.
    #[error("row {row}, column {column} holds {found:?}, which is not a column the import reads (if the header row is missing, start from the import template). The columns it reads are {accepted}")]
    UnknownHeader {
        /// The header's row.
        row: u64,
        /// The column's letter.
        column: String,
        /// The cell's text (cut to a few dozen characters).
        found: String,
        /// The headers taken, per column.
        accepted: String,
    },
    /// The header names every column but the DeviceKey.
    #[error("the header in row {row} ({found}) has no DeviceKey column: add one headed *DeviceKey (or IMEI or MAC). The columns the import reads are {accepted}")]
    NoDeviceKey {
        /// The header's row.
        row: u64,
        /// The header as found (cut).
        found: String,
        /// The headers taken, per column.
        accepted: String,
    },
    /// Two header cells name the same column (for example `DeviceKey` and `IMEI`).
    #[error("columns {first} ({first_header:?}) and {second} ({second_header:?}) of the header both hold the {field}: keep one of them")]
    RepeatedColumn {
        /// What both hold.
        field: &'static str,
        /// The first one's letter and header.
        first: String,
        /// Its header.
        first_header: String,
        /// The second one's letter.
        second: String,
        /// Its header.
        second_header: String,
    },
    /// An XLSX file this cloud cannot read, or one beyond its limits.
    #[cfg(feature = "xlsx")]
    #[error(transparent)]
    Xlsx(#[from] super::xlsx::XlsxError),
    /// An XLSX file sent to a cloud built without XLSX support.
    #[cfg_attr(feature = "xlsx", allow(dead_code))]
    #[error("this cloud does not take XLSX files (it was built without XLSX support): save the file as CSV UTF-8 and import that")]
    XlsxNotTaken,
}

impl From<FileError> for ApiError {
    fn from(error: FileError) -> Self {
        match &error {
            #[cfg(feature = "xlsx")]
            FileError::Xlsx(xlsx) if xlsx.is_too_large() => {
                ApiError::with_message(bindery_core::ErrorCode::PayloadTooLarge, error.to_string())
            }
            _ => ApiError::invalid(error.to_string()),
        }
    }
}

/// The 1-based row of byte `at` of `text`, counting CRLF, LF and a lone CR each as one line
/// end, as spreadsheets do.
pub(super) fn row_at(text: &[u8], at: usize) -> u64 {
    let before = &text[..at.min(text.len())];
    let mut row = 1;
    let mut previous = 0u8;
    for &byte in before {
        if byte == b'\r' || (byte == b'\n' && previous != b'\r') {
            row += 1;
        }
        previous = byte;
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_count_every_kind_of_line_end() {
        for (text, at, row) in [
            (&b"a\nb\nc"[..], 4, 3),
            (b"a\r\nb\r\nc", 6, 3),
            (b"a\rb\rc", 4, 3),
            (b"a\r\n\rb\nc", 6, 4),
            (b"abc", 2, 1),
        ] {
            assert_eq!(row_at(text, at), row, "{text:?}");
        }
    }

    #[test]
    fn quoted_text_is_cut() {
        assert_eq!(quoted("short"), "short");
        let long = "x".repeat(1000);
        assert_eq!(quoted(&long).chars().count(), MAX_QUOTED + 1);
    }
}
