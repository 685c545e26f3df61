//! Reading an import file: CSV or, with the `xlsx` feature, the first sheet of an XLSX
//! workbook, as rows of text cells numbered as the spreadsheet shows them, after a header
//! that says which column holds what (`header`). CSV text may be in any encoding `text`
//! takes, with CRLF, LF or CR line ends, commas or (when the header says so) tabs between
//! cells. Rows are parsed as they are asked for, so the database can write while the file is
//! still read, and what is held at once stays small whatever the file claims to be.
//!
//! This is the one reader of import files: the HTTP import (raw or from a form), the
//! `bindery-cloud import` command and the app's sandbox all come through it.

use axum::body::Bytes;
use csv::StringRecord;
use tokio::task::JoinHandle;

use super::error::FileError;
use super::header::Columns;
use super::text::decode;
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

/// A row of the file.
#[derive(Debug, Clone)]
pub struct FileRow {
    /// The row as the spreadsheet shows it, from 1.
    pub row: u64,
    /// Its cells from the first column.
    pub cells: StringRecord,
    /// The (0-based) columns whose cell an XLSX sheet stores as a number; their text is the
    /// number as the file writes it (`8.6123456789012E+14`). Empty for CSV, where every cell
    /// is text.
    pub numbers: Vec<usize>,
}

/// The rows of an import file after its header, read as they are needed, so that the
/// PostgreSQL import can send rows while later ones are still being read.
pub(super) enum FileRows<'a> {
    /// A CSV file, parsed as it is read.
    Csv(CsvRows<'a>),
    /// The first sheet of an XLSX workbook, read as a stream of cells.
    #[cfg(feature = "xlsx")]
    Xlsx(super::xlsx::XlsxRows<'a>),
}

/// The rows of a CSV text, each numbered by the line it starts on.
pub(super) struct CsvRows<'a> {
    /// The text is shared (`Bytes`), not borrowed; the file's lifetime is kept so that both
    /// kinds of rows read alike.
    file: std::marker::PhantomData<&'a ImportFile>,
    records: csv::StringRecordsIntoIter<std::io::Cursor<Bytes>>,
    text: Bytes,
    /// Lines in the file: the rows, give or take quoted line breaks.
    lines: usize,
    /// Where the last record's text began and its row.
    last: Option<(usize, u64)>,
}

impl FileRows<'_> {
    /// About how many rows are left, to size what holds them (never more than
    /// [`MAX_RESERVED_ROWS`]: what holds them grows as rows come).
    pub fn len_estimate(&self) -> usize {
        let guess = match self {
            FileRows::Csv(rows) => rows.lines,
            #[cfg(feature = "xlsx")]
            FileRows::Xlsx(_) => MAX_RESERVED_ROWS,
        };
        guess.min(MAX_RESERVED_ROWS)
    }
}

impl Iterator for FileRows<'_> {
    type Item = Result<FileRow, FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            FileRows::Csv(rows) => rows.next(),
            #[cfg(feature = "xlsx")]
            FileRows::Xlsx(rows) => rows.next().map(|row| row.map_err(FileError::from)),
        }
    }
}

impl Iterator for CsvRows<'_> {
    type Item = Result<FileRow, FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        let record = match self.records.next()? {
            Ok(record) => record,
            Err(e) => return Some(Err(FileError::Csv(e.to_string()))),
        };
        let position = record.position().map_or(0, |p| p.byte() as usize);
        Some(Ok(FileRow {
            row: self.row_at(position),
            cells: record,
            numbers: Vec::new(),
        }))
    }
}

fn is_line_end(byte: &u8) -> bool {
    matches!(byte, b'\r' | b'\n')
}

/// The line ends in `run` (nothing but `\r` and `\n`): CRLF, a lone LF and a lone CR each
/// end one line.
fn line_ends(run: &[u8]) -> u64 {
    let mut ends = 0;
    let mut previous = 0u8;
    for &byte in run {
        if byte == b'\r' || previous != b'\r' {
            ends += 1;
        }
        previous = byte;
    }
    ends
}

impl CsvRows<'_> {
    /// The row of the record the parser says starts at byte `position`.
    ///
    /// Decision: the parser's own line numbers count only LF, and it places a record after
    /// the CR of a CRLF, so CRLF files came out a row early and CR-only files all on row 1.
    /// A spreadsheet shows a row per line end of any kind, blank lines included, but one row
    /// for a cell with line breaks in quotes. So rows are counted here from the text: the
    /// record's text begins after the line ends at `position`, and the row grows by the line
    /// ends just before it (those after the previous record's last character, which a
    /// quoted cell's closing quote shields from its inner breaks).
    fn row_at(&mut self, position: usize) -> u64 {
        let text = &self.text[..];
        let position = position.min(text.len());
        let start = position
            + text[position..]
                .iter()
                .take_while(|b| is_line_end(b))
                .count();
        let row = match self.last {
            None => 1 + line_ends(&text[..start]),
            Some((previous, row)) => {
                let gap = &text[previous..start];
                let run = gap.iter().rev().take_while(|b| is_line_end(b)).count();
                row + line_ends(&gap[gap.len() - run..])
            }
        };
        self.last = Some((start, row));
        row
    }
}

/// Whether `body` is a zip container, as every XLSX workbook is.
fn is_zip(body: &[u8]) -> bool {
    body.starts_with(b"PK\x03\x04")
}

/// Opens a CSV or XLSX file and reads its header: the columns it names, and the rows after.
pub(super) fn read_rows(file: &ImportFile) -> Result<(Columns, FileRows<'_>), FileError> {
    let body = &file.bytes[..];
    let mut rows = match is_zip(body) {
        #[cfg(feature = "xlsx")]
        true => FileRows::Xlsx(super::xlsx::open(body, file.xlsx)?),
        #[cfg(not(feature = "xlsx"))]
        true => return Err(FileError::XlsxNotTaken),
        false => FileRows::Csv(read_csv(&file.bytes)?),
    };
    // The header is the first row with anything in it.
    let header = loop {
        match rows.next() {
            None => return Err(FileError::Empty),
            Some(row) => {
                let row = row?;
                if row.cells.iter().any(|cell| !cell.trim().is_empty()) {
                    break row;
                }
            }
        }
    };
    let columns = Columns::from_header(header.row, header.cells.iter())?;
    Ok((columns, rows))
}

/// A CSV file's rows, in whatever encoding `text::decode` reads.
fn read_csv(body: &Bytes) -> Result<CsvRows<'_>, FileError> {
    // Decoded whole before any row is used: a wrong encoding is the file's problem, not
    // one row's, and it must be refused before anything is written.
    let decoded = decode(body)?;
    let text = decoded.bytes;
    // Decision: cells are split by commas, or by tabs when the header line has a tab and no
    // comma, or by semicolons when it has neither but a semicolon. The header's names hold
    // none of them, so its line says which one the file uses: Excel's "Unicode text" and
    // "Text (Tab delimited)" save with tabs, and Excel where the decimal mark is a comma
    // saves "CSV" with semicolons.
    let header = text
        .split(is_line_end)
        .find(|line| !line.is_empty())
        .unwrap_or_default();
    let delimiter = [b',', b'\t', b';']
        .into_iter()
        .find(|d| header.contains(d))
        .unwrap_or(b',');
    tracing::debug!(
        encoding = ?decoded.encoding,
        delimiter = %char::from(delimiter).escape_default(),
        "import file read as text"
    );
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(std::io::Cursor::new(text.clone()));
    let lines = match text.iter().filter(|&&b| b == b'\n').count() {
        0 => text.iter().filter(|&&b| b == b'\r').count(),
        lf => lf,
    };
    Ok(CsvRows {
        file: std::marker::PhantomData,
        records: reader.into_records(),
        text,
        lines,
        last: None,
    })
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

    fn file(bytes: &[u8]) -> ImportFile {
        ImportFile {
            bytes: Bytes::copy_from_slice(bytes),
            xlsx: XlsxLimits::default(),
        }
    }

    /// The rows of `bytes` after its header: row number and first cell.
    fn rows(bytes: &[u8]) -> Vec<(u64, String)> {
        let file = file(bytes);
        let (_, rows) = read_rows(&file).unwrap();
        rows.map(|row| {
            let row = row.unwrap();
            (row.row, row.cells.get(0).unwrap_or_default().to_owned())
        })
        .collect()
    }

    #[test]
    fn rows_are_numbered_as_a_spreadsheet_shows_them() {
        // (file, then each row after the header: its number and first cell)
        type Case<'a> = (&'a [u8], &'a [(u64, &'a str)]);
        let cases: [Case; 9] = [
            (b"*DeviceKey\na\nb\n", &[(2, "a"), (3, "b")]),
            (b"*DeviceKey\r\na\r\nb\r\n", &[(2, "a"), (3, "b")]),
            (b"*DeviceKey\ra\rb\r", &[(2, "a"), (3, "b")]),
            // Mixed line ends, and a last line without one.
            (b"*DeviceKey\r\na\nb\rc", &[(2, "a"), (3, "b"), (4, "c")]),
            // Blank lines are rows too.
            (b"*DeviceKey\r\n\r\na\r\n\r\n\r\nb", &[(3, "a"), (6, "b")]),
            (b"*DeviceKey\r\ra\r\r\rb", &[(3, "a"), (6, "b")]),
            // Blank lines before the header move it down.
            (b"\n\r\n*DeviceKey\na", &[(4, "a")]),
            // A quoted cell's line breaks are within one row.
            (
                b"*DeviceKey,Device Name\r\na,\"two\r\nlines\"\r\nb,\"\n\"\nc",
                &[(2, "a"), (3, "b"), (4, "c")],
            ),
            (b"\xEF\xBB\xBF*DeviceKey\r\na", &[(2, "a")]),
        ];
        for (text, expected) in cases {
            let expected: Vec<(u64, String)> = expected
                .iter()
                .map(|(r, c)| (*r, (*c).to_owned()))
                .collect();
            assert_eq!(rows(text), expected, "{:?}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn the_header_line_says_what_splits_cells() {
        for (text, second) in [
            (
                &b"*DeviceKey;Device Name\na;Kitchen, left\n"[..],
                "Kitchen, left",
            ),
            (
                &b"*DeviceKey\tDevice Name\na\tKitchen, left\n"[..],
                "Kitchen, left",
            ),
            (
                b"*DeviceKey,Device Name\na,\"Kitchen\tleft\"\n",
                "Kitchen\tleft",
            ),
        ] {
            let file = file(text);
            let (_, mut rows) = read_rows(&file).unwrap();
            let row = rows.next().unwrap().unwrap();
            assert_eq!(&row.cells[1], second);
        }
    }

    #[test]
    fn files_that_cannot_be_read_say_why() {
        let cases: [(&[u8], &str); 4] = [
            (b"", "empty"),
            (b"\r\n\r\n", "empty"),
            (b"sn,key\n1,2\n", "column B holds \"key\""),
            (
                b"*DeviceKey\nCaf\xE9,\n",
                "nor Chinese text in GB18030/GBK (row 2",
            ),
        ];
        for (text, words) in cases {
            let error = read_rows(&file(text)).err().unwrap();
            assert!(error.to_string().contains(words), "{error}");
            let error = ApiError::from(error);
            assert_eq!(error.code(), bindery_core::ErrorCode::InvalidRequest);
        }
    }

    #[cfg(not(feature = "xlsx"))]
    #[test]
    fn xlsx_is_refused_with_a_4xx_when_built_without_xlsx() {
        let error = read_rows(&file(b"PK\x03\x04 the rest of a workbook"))
            .err()
            .unwrap();
        assert_eq!(error, FileError::XlsxNotTaken);
        assert!(error.to_string().contains("does not take XLSX"), "{error}");
    }
}
