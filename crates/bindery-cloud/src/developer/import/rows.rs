//! Reading an import file: CSV (UTF-8) or, with the `xlsx` feature, the first sheet of an
//! XLSX workbook, as numbered rows of text cells after a checked header. Rows are parsed as
//! they are asked for, so the database can write while the file is still read, and what is
//! held at once stays small whatever the file claims to be.

use axum::body::Bytes;
use bindery_core::api::IMPORT_TEMPLATE_HEADER;
use csv::StringRecord;
use tokio::task::JoinHandle;

use crate::error::ApiError;
use crate::state::XlsxLimits;

/// An uploaded import file and the limits its reading keeps to.
#[derive(Debug, Clone)]
pub struct ImportFile {
    /// The file's bytes as uploaded.
    pub bytes: Bytes,
    /// What an XLSX workbook may unpack to.
    pub xlsx: XlsxLimits,
}

/// Rows to make room for at most before any is read: a file's line count is only a guess
/// (a file of blank lines once reserved 10 GB of address space by it).
const MAX_RESERVED_ROWS: usize = 1 << 16;

/// A file row: its 1-based row number (the header is row 1) and its cells.
pub(super) type FileRow = (u64, StringRecord);

/// The rows of an import file after its header, read as they are needed, so that the
/// PostgreSQL import can send rows while later ones are still being read.
pub(super) enum FileRows<'a> {
    /// A CSV file, parsed as it is read.
    Csv {
        records: csv::StringRecordsIntoIter<&'a [u8]>,
        /// Lines in the file: the rows, give or take quoted line breaks.
        lines: usize,
    },
    /// The first sheet of an XLSX workbook, read as a stream of cells.
    #[cfg(feature = "xlsx")]
    Xlsx(super::xlsx::XlsxRows<'a>),
}

impl FileRows<'_> {
    /// About how many rows are left, to size what holds them (never more than
    /// [`MAX_RESERVED_ROWS`]: what holds them grows as rows come).
    pub fn len_estimate(&self) -> usize {
        let guess = match self {
            FileRows::Csv { lines, .. } => *lines,
            #[cfg(feature = "xlsx")]
            FileRows::Xlsx(_) => MAX_RESERVED_ROWS,
        };
        guess.min(MAX_RESERVED_ROWS)
    }
}

impl Iterator for FileRows<'_> {
    type Item = Result<FileRow, ApiError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            FileRows::Csv { records, .. } => records.next().map(|record| {
                let record = record
                    .map_err(|e| ApiError::invalid(format!("the CSV cannot be read: {e}")))?;
                let line = record.position().map_or(0, |p| p.line());
                Ok((line, record))
            }),
            #[cfg(feature = "xlsx")]
            FileRows::Xlsx(rows) => rows.next().map(|row| row.map_err(xlsx_refusal)),
        }
    }
}

/// The refusal of an XLSX file (or template) by a cloud built without the `xlsx` feature: the
/// caller's request is one this cloud does not take, not a failure of ours.
#[cfg_attr(feature = "xlsx", allow(dead_code))]
pub(super) fn xlsx_not_taken() -> ApiError {
    ApiError::invalid(
        "this cloud does not take XLSX files (it was built without XLSX support): save the file as CSV UTF-8 and import that",
    )
}

/// Whether `body` is a zip container, as every XLSX workbook is.
fn is_zip(body: &[u8]) -> bool {
    body.starts_with(b"PK\x03\x04")
}

/// Opens a CSV (UTF-8) or XLSX file and checks its header.
pub(super) fn read_rows(file: &ImportFile) -> Result<FileRows<'_>, ApiError> {
    let body = &file.bytes[..];
    let mut rows = match is_zip(body) {
        #[cfg(feature = "xlsx")]
        true => FileRows::Xlsx(super::xlsx::open(body, file.xlsx).map_err(xlsx_refusal)?),
        #[cfg(not(feature = "xlsx"))]
        true => return Err(xlsx_not_taken()),
        false => read_csv(body)?,
    };
    let Some(first) = rows.next() else {
        return Err(ApiError::invalid(
            "the file is empty: start from the import template",
        ));
    };
    let (_, header) = first?;
    let header: Vec<&str> = header.iter().map(|c| c.trim()).collect();
    let used = header
        .iter()
        .rposition(|c| !c.is_empty())
        .map_or(0, |i| i + 1);
    let matches = used >= 2
        && used <= IMPORT_TEMPLATE_HEADER.len()
        && header[..used]
            .iter()
            .zip(IMPORT_TEMPLATE_HEADER)
            .all(|(got, want)| got.eq_ignore_ascii_case(want));
    if !matches {
        return Err(ApiError::invalid(format!(
            "row 1 must be the template's header: {}",
            IMPORT_TEMPLATE_HEADER.join(",")
        )));
    }
    Ok(rows)
}

/// A UTF-8 CSV file (a leading byte-order mark is skipped).
fn read_csv(body: &[u8]) -> Result<FileRows<'_>, ApiError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    // Checked whole before any row is used: a wrong encoding is the file's problem, not
    // one row's, and it must be refused before anything is written.
    if let Err(e) = std::str::from_utf8(body) {
        let row = body[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        return Err(ApiError::invalid(format!(
            "the file is not UTF-8 text (row {row}): save it as \"CSV UTF-8\" or XLSX"
        )));
    }
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    Ok(FileRows::Csv {
        records: reader.into_records(),
        lines: body.iter().filter(|&&b| b == b'\n').count(),
    })
}

/// The answer to an XLSX file the reader refused: 413 for its size, 400 for its content.
#[cfg(feature = "xlsx")]
fn xlsx_refusal(error: super::xlsx::XlsxError) -> ApiError {
    if error.is_too_large() {
        ApiError::with_message(bindery_core::ErrorCode::PayloadTooLarge, error.to_string())
    } else {
        ApiError::invalid(error.to_string())
    }
}

/// What a reader thread of the import ended with (its own error, or `internal` if it
/// panicked).
pub(super) async fn joined<T>(reader: JoinHandle<Result<T, ApiError>>) -> Result<T, ApiError> {
    reader
        .await
        .map_err(|e| ApiError::internal_in("the import's reader stopped", e))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(bytes: &'static [u8]) -> ImportFile {
        ImportFile {
            bytes: Bytes::from_static(bytes),
            xlsx: XlsxLimits::default(),
        }
    }

    #[test]
    fn csv_rows_are_numbered_after_the_checked_header() {
        let file =
            file(b"\xEF\xBB\xBF*DeviceKey,*ProductKey,Device SN\na4cf12000001,p1a2b3,SN0001\n");
        let rows: Vec<FileRow> = read_rows(&file).unwrap().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, 2);
        assert_eq!(&rows[0].1[2], "SN0001");
    }

    #[test]
    fn a_wrong_header_is_the_files_problem() {
        let error = read_rows(&file(b"sn,key\n1,2\n")).err().unwrap();
        assert_eq!(error.code(), bindery_core::ErrorCode::InvalidRequest);
    }

    #[cfg(not(feature = "xlsx"))]
    #[test]
    fn xlsx_is_refused_with_a_4xx_when_built_without_xlsx() {
        let error = read_rows(&file(b"PK\x03\x04 the rest of a workbook"))
            .err()
            .unwrap();
        assert_eq!(error.code(), bindery_core::ErrorCode::InvalidRequest);
        assert!(error.to_string().contains("does not take XLSX"), "{error}");
    }
}
