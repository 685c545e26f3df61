//! Why an XLSX file cannot be read: one error for the reader and its parts, each variant
//! saying what to change.

/// Why an XLSX file cannot be read. Each says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XlsxError {
    /// The bytes are not a zip, or a part it must have is missing or damaged.
    #[error("the XLSX workbook cannot be read ({0}): save it again from the spreadsheet program, or as CSV UTF-8")]
    Unreadable(String),
    /// The workbook names no sheet.
    #[error("the XLSX workbook has no sheet: put the template's rows on the first sheet")]
    NoSheet,
    /// A part unpacks to more than its limit (the sign of a zip bomb, or of a file far beyond
    /// an import's size).
    #[error(
        "the XLSX part {part} unpacks to more than {limit} bytes: split the file into smaller ones"
    )]
    TooLarge {
        /// The part, e.g. `xl/worksheets/sheet1.xml`.
        part: String,
        /// Its limit in bytes.
        limit: u64,
    },
    /// One XML item (a text or a tag) is longer than any cell of an import can be.
    #[error("the XLSX part {part} holds a text or tag longer than {limit} bytes: no cell of an import is that long")]
    ItemTooLong {
        /// The part.
        part: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// More shared strings than the limit.
    #[error("the XLSX file holds more than {0} different texts: split the file into smaller ones")]
    TooManyStrings(usize),
    /// More rows than the limit.
    #[error("the XLSX sheet has more than {0} rows: split the file into smaller ones")]
    TooManyRows(u64),
    /// A cell holds a value further right than the columns an import reads.
    #[error("cell {cell} lies beyond the import's columns: keep the template's columns and delete what is to their right")]
    CellOutside {
        /// The cell's reference, e.g. `XFD1048576`.
        cell: String,
    },
    /// A cell's value is longer than any cell of an import can be.
    #[error(
        "cell {cell} holds more than {limit} bytes of text: no column of the template is that long"
    )]
    CellTooLong {
        /// The cell's reference.
        cell: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// A shared string is longer than any cell of an import can be.
    #[error("the XLSX part {part} holds a text of more than {limit} bytes: no column of the template is that long")]
    TextTooLong {
        /// The part.
        part: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// The sheet refers to a shared string that does not exist.
    #[error("cell {cell} refers to text number {index}, which the XLSX file does not hold: save it again from the spreadsheet program")]
    MissingString {
        /// The cell's reference.
        cell: String,
        /// The shared-string index it gave.
        index: String,
    },
}

impl XlsxError {
    /// Whether the file is refused for its size (413) rather than its content (400).
    pub fn is_too_large(&self) -> bool {
        matches!(
            self,
            XlsxError::TooLarge { .. } | XlsxError::TooManyStrings(_) | XlsxError::TooManyRows(_)
        )
    }
}
