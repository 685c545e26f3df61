//! Checking import rows: each row on its own and against the rows before it (no database),
//! then the good rows against what the database holds.

use std::collections::HashMap;

use bindery_core::api::RejectedRow;
use bindery_core::{DeviceKey, DeviceName, ProductKey, Sn};

use super::header::{column_name, Columns, Field};
use super::numbers;
use super::rows::{joined, read_rows, FileRow, ImportFile};
use crate::error::ApiError;

/// Longest certificate fingerprint kept.
const MAX_FINGERPRINT: usize = 256;

/// A row that passed the checks that need no database.
pub(super) struct GoodRow {
    /// Its row number in the file.
    pub row: u64,
    pub device_key: DeviceKey,
    /// The SN (the DeviceKey when the row names none).
    pub sn: Sn,
    pub name: Option<String>,
    pub fingerprint: Option<String>,
}

/// Longest message of a refused row: messages quote the offending cell, and a CSV cell may
/// be as long as the whole upload.
const MAX_MESSAGE: usize = 300;

/// Adds the refusal of `row` for the column headed `column`.
fn reject(rejected: &mut Vec<RejectedRow>, row: u64, column: &str, code: &str, message: String) {
    let message = match message.char_indices().nth(MAX_MESSAGE) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    };
    rejected.push(RejectedRow {
        row,
        column: column.to_owned(),
        code: code.to_owned(),
        message,
    });
}

/// A field's cell in a row: its text, and whether the sheet stored it as a number.
#[derive(Clone, Copy)]
enum Cell<'a> {
    /// Nothing (no such column, or an empty cell).
    Empty,
    /// Text as typed.
    Text(&'a str),
    /// A number cell of an XLSX sheet, as the file writes it.
    Number(&'a str),
}

/// The checks that need no database, row by row: each cell on its own, then (unless the
/// database's unique indexes stand in for it) against the rows seen before it: a repeated
/// DeviceKey or SN is refused, naming its first row.
pub(super) struct RowChecker<'a> {
    product_key: &'a ProductKey,
    columns: Columns,
    track_repeats: bool,
    seen_keys: HashMap<String, u64>,
    seen_sns: HashMap<String, u64>,
    /// The rows refused so far, in file order.
    pub rejected: Vec<RejectedRow>,
}

impl<'a> RowChecker<'a> {
    /// A checker for about `rows` rows of a file whose header named `columns` (sized up
    /// front: growing the maps of a million-row file rehashes them twenty times).
    pub fn new(product_key: &'a ProductKey, columns: Columns, rows: usize) -> Self {
        RowChecker {
            product_key,
            columns,
            track_repeats: true,
            seen_keys: HashMap::with_capacity(rows),
            seen_sns: HashMap::with_capacity(rows),
            rejected: Vec::new(),
        }
    }

    /// A checker that leaves repeats within the file to the database's unique indexes (the
    /// optimistic way, which gives up at the first conflict): the two maps of every
    /// DeviceKey and SN were a third of the time of reading a million-row file.
    pub fn without_repeats(product_key: &'a ProductKey, columns: Columns) -> Self {
        RowChecker {
            track_repeats: false,
            ..RowChecker::new(product_key, columns, 0)
        }
    }

    /// Adds the refusal of `row` in the column of `field`.
    fn refuse(&mut self, row: u64, field: Field, code: &str, message: String) {
        reject(
            &mut self.rejected,
            row,
            self.columns.header(field),
            code,
            message,
        );
    }

    /// The row if it passed; a refused row is added to `rejected`, a blank one skipped.
    pub fn check(&mut self, file_row: FileRow) -> Option<GoodRow> {
        let FileRow {
            row,
            cells,
            numbers,
        } = file_row;
        if cells.iter().all(|c| c.trim().is_empty()) {
            return None;
        }
        let columns = &self.columns;
        let cell = |field: Field| {
            let Some(column) = columns.column(field) else {
                return Cell::Empty;
            };
            match cells.get(column).map_or("", |c| unquote(c.trim())) {
                "" => Cell::Empty,
                text if numbers.contains(&column) => Cell::Number(text),
                text => Cell::Text(text),
            }
        };
        let (key_cell, pk_cell, sn_cell, name_cell, fingerprint_cell) = (
            cell(Field::DeviceKey),
            cell(Field::ProductKey),
            cell(Field::Sn),
            cell(Field::Name),
            cell(Field::Fingerprint),
        );
        let before = self.rejected.len();
        // A value under no header would be lost: say so rather than drop it.
        if let Some((column, value)) = cells
            .iter()
            .enumerate()
            .find(|(column, value)| !value.trim().is_empty() && !self.columns.is_read(*column))
        {
            let letter = column_name(column);
            let message = format!(
                "column {letter} holds {:?} but has no header, so the import would drop it: delete the value, or head the column with one of the template's headers",
                super::error::quoted(value.trim())
            );
            reject(&mut self.rejected, row, &letter, "unknown_column", message);
        }
        let device_key = self.device_key(row, key_cell);
        self.product_key_cell(row, pk_cell);
        let sn = match (sn_cell, &device_key) {
            (Cell::Empty, Some(k)) => Sn::parse(k.as_str()).ok(),
            (Cell::Empty, None) => None,
            (Cell::Number(raw), _) => {
                self.refuse(
                    row,
                    Field::Sn,
                    "stored_as_number",
                    numbers::stored_as_number("SN", &numbers::shown(raw)),
                );
                None
            }
            (Cell::Text(raw), _) if numbers::is_scientific(raw) => {
                self.refuse(
                    row,
                    Field::Sn,
                    "stored_as_number",
                    numbers::scientific("SN", raw),
                );
                None
            }
            (Cell::Text(raw), _) => match Sn::parse(raw) {
                Ok(sn) => Some(sn),
                Err(e) => {
                    self.refuse(row, Field::Sn, "invalid_sn", e.to_string());
                    None
                }
            },
        };
        let name = match name_cell {
            Cell::Empty => None,
            Cell::Text(raw) | Cell::Number(raw) => {
                let shown = match name_cell {
                    Cell::Number(_) => numbers::shown(raw),
                    _ => raw.to_owned(),
                };
                match DeviceName::parse(&shown) {
                    Ok(n) => Some(n.as_str().to_owned()),
                    Err(e) => {
                        self.refuse(row, Field::Name, "invalid_name", e.to_string());
                        None
                    }
                }
            }
        };
        let fingerprint = match fingerprint_cell {
            Cell::Empty => None,
            Cell::Number(raw) => {
                let message =
                    numbers::stored_as_number("certificate fingerprint", &numbers::shown(raw));
                self.refuse(row, Field::Fingerprint, "stored_as_number", message);
                None
            }
            Cell::Text(raw)
                if raw.chars().count() > MAX_FINGERPRINT || raw.chars().any(char::is_control) =>
            {
                self.refuse(
                    row,
                    Field::Fingerprint,
                    "invalid_fingerprint",
                    format!("the fingerprint must be at most {MAX_FINGERPRINT} characters of text"),
                );
                None
            }
            Cell::Text(raw) => Some(raw.to_owned()),
        };
        if let Some(k) = device_key.as_ref().filter(|_| self.track_repeats) {
            if let Some(first) = self.seen_keys.get(k.as_str()) {
                let message = format!("DeviceKey {k} is also in row {first}");
                self.refuse(row, Field::DeviceKey, "duplicate_in_file", message);
            } else {
                self.seen_keys.insert(k.as_str().to_owned(), row);
            }
        }
        if let Some(sn) = sn.as_ref().filter(|_| self.track_repeats) {
            if let Some(first) = self.seen_sns.get(sn.as_str()) {
                let message = format!("SN {sn} is also in row {first}");
                self.refuse(row, Field::Sn, "duplicate_in_file", message);
            } else {
                self.seen_sns.insert(sn.as_str().to_owned(), row);
            }
        }
        if self.rejected.len() != before {
            return None;
        }
        Some(GoodRow {
            row,
            device_key: device_key?,
            sn: sn?,
            name,
            fingerprint,
        })
    }

    /// The row's DeviceKey, or its refusal.
    fn device_key(&mut self, row: u64, cell: Cell<'_>) -> Option<DeviceKey> {
        let refused = match cell {
            Cell::Empty => ("missing_value", "the DeviceKey is required".to_owned()),
            Cell::Number(raw) => match numbers::imei_digits(raw) {
                Some(imei) => match DeviceKey::parse(&imei) {
                    Ok(key) => return Some(key),
                    Err(e) => ("invalid_device_key", e.to_string()),
                },
                None => (
                    "stored_as_number",
                    numbers::stored_as_number("DeviceKey", &numbers::shown(raw)),
                ),
            },
            Cell::Text(raw) if numbers::is_scientific(raw) => {
                ("stored_as_number", numbers::scientific("DeviceKey", raw))
            }
            Cell::Text(raw) => match DeviceKey::parse(raw) {
                Ok(key) => return Some(key),
                Err(e) => (
                    "invalid_device_key",
                    format!("{e}{}", numbers::lost_zeros_hint(raw).unwrap_or_default()),
                ),
            },
        };
        self.refuse(row, Field::DeviceKey, refused.0, refused.1);
        None
    }

    /// Checks the row's product key, when the file has the column: it must be the product
    /// imported into.
    fn product_key_cell(&mut self, row: u64, cell: Cell<'_>) {
        let mismatch = |pk: &str| {
            format!(
                "this file is imported into product {}, not {pk}",
                self.product_key
            )
        };
        let refused = match cell {
            Cell::Empty if self.columns.column(Field::ProductKey).is_some() => {
                ("missing_value", "the ProductKey is required".to_owned())
            }
            Cell::Empty => return,
            Cell::Text(pk) if pk == self.product_key.as_str() => return,
            Cell::Text(pk) if numbers::is_scientific(pk) => {
                ("stored_as_number", numbers::scientific("ProductKey", pk))
            }
            Cell::Text(pk) => ("product_mismatch", mismatch(pk)),
            // Nothing can have been lost from a number that is the product key exactly.
            Cell::Number(raw)
                if numbers::whole_number(raw).map(|n| n.to_string()).as_deref()
                    == Some(self.product_key.as_str()) =>
            {
                return
            }
            Cell::Number(raw) => (
                "stored_as_number",
                numbers::stored_as_number("ProductKey", &numbers::shown(raw)),
            ),
        };
        self.refuse(row, Field::ProductKey, refused.0, refused.1);
    }
}

/// The checked way's reading of a file: the rows that passed, the refused ones, and the
/// columns its header named (the database's refusals name them too).
pub(super) struct Checked {
    /// The rows that passed the checks that need no database.
    pub good: Vec<GoodRow>,
    /// The refused rows, in file order.
    pub rejected: Vec<RejectedRow>,
    /// The file's columns.
    pub columns: Columns,
}

/// Reads and checks every row of the file (the checked way), on a blocking thread: a
/// million rows take about a second of CPU.
pub(super) async fn check_rows(
    product_key: &ProductKey,
    body: ImportFile,
) -> Result<Checked, ApiError> {
    let product_key = product_key.clone();
    joined(tokio::task::spawn_blocking(move || {
        let (columns, rows) = read_rows(&body)?;
        let mut checker = RowChecker::new(&product_key, columns.clone(), rows.len_estimate());
        let mut good = Vec::with_capacity(rows.len_estimate());
        for row in rows {
            good.extend(checker.check(row?));
        }
        Ok(Checked {
            good,
            rejected: checker.rejected,
            columns,
        })
    }))
    .await
}

/// A cell as it was before the export made it safe for spreadsheets: `'-A1` (the quote our
/// export and spreadsheets put before a formula character) reads as `-A1`, so an exported
/// file imports again unchanged.
fn unquote(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => cell,
    }
}

/// What the database holds of a file's SNs and DeviceKeys.
#[derive(Default)]
pub(super) struct Existing {
    /// SN → (its product, whether it already has a DeviceKey).
    pub sns: HashMap<String, (String, bool)>,
    /// DeviceKey → the SN that has it.
    pub device_keys: HashMap<String, String>,
}

/// The rows that passed the file's checks, split by what the database says: rows to
/// activate (an SN of a batch of this product without a DeviceKey yet) and rows to create;
/// the others are added to `rejected`, which ends sorted by row.
pub(super) fn classify(
    product_key: &ProductKey,
    good: Vec<GoodRow>,
    existing: &Existing,
    columns: &Columns,
    rejected: &mut Vec<RejectedRow>,
) -> (Vec<GoodRow>, Vec<GoodRow>) {
    let (key_column, sn_column) = (columns.header(Field::DeviceKey), columns.header(Field::Sn));
    let mut activate = Vec::new();
    let mut create = Vec::new();
    for row in good {
        let key_taken = existing.device_keys.get(row.device_key.as_str());
        if key_taken.is_some() {
            // Which SN has it is not said: it may be another maker's device.
            reject(
                rejected,
                row.row,
                key_column,
                "device_key_taken",
                format!(
                    "DeviceKey {} is already imported for a device: check the file for a typing error, or export your devices to find it",
                    row.device_key
                ),
            );
        }
        let sn_state = existing.sns.get(row.sn.as_str());
        let sn_free = match sn_state {
            Some((pk, _)) if pk != product_key.as_str() => {
                let message = format!(
                    "SN {} is taken by another device: leave Device SN empty to use the DeviceKey, or use an SN of this product's batches",
                    row.sn
                );
                reject(rejected, row.row, sn_column, "sn_taken", message);
                false
            }
            Some((_, true)) => {
                let message = format!("SN {} already has a DeviceKey", row.sn);
                reject(rejected, row.row, sn_column, "already_imported", message);
                false
            }
            _ => true,
        };
        match (key_taken.is_none() && sn_free, sn_state.is_some()) {
            (true, true) => activate.push(row),
            (true, false) => create.push(row),
            (false, _) => {}
        }
    }
    // Stable: a row's refusals stay in the file's column order.
    rejected.sort_by_key(|a| a.row);
    (activate, create)
}

#[cfg(test)]
mod tests {
    use csv::StringRecord;

    use super::*;

    /// The code of each refusal of one row of the template's columns, `numbers` being the
    /// columns stored as numbers.
    fn codes(cells: &[&str], numbers: &[usize]) -> Vec<(String, String)> {
        let pk = ProductKey::parse("plug01").unwrap();
        let mut checker = RowChecker::new(&pk, Columns::template(), 1);
        checker.check(FileRow {
            row: 2,
            cells: StringRecord::from(cells.to_vec()),
            numbers: numbers.to_vec(),
        });
        checker
            .rejected
            .into_iter()
            .map(|r| (r.column, r.code))
            .collect()
    }

    #[test]
    fn cells_stored_as_numbers_are_taken_only_when_certain() {
        let refused = |column: &str| vec![(column.to_owned(), "stored_as_number".to_owned())];
        // (cells, the columns stored as numbers, the refusals' columns and codes)
        type Case<'a> = (&'a [&'a str], &'a [usize], Vec<(String, String)>);
        let cases: [Case; 10] = [
            // A 15-digit IMEI as a number, plain or in scientific notation: exact.
            (&["490154203237518", "plug01"], &[0], vec![]),
            (&["4.90154203237518E+14", "plug01"], &[0], vec![]),
            // A MAC of digits that lost its leading zeros.
            (&["1122334455", "plug01"], &[0], refused("*DeviceKey")),
            (
                &["1.22334455667788E+17", "plug01"],
                &[0],
                refused("*DeviceKey"),
            ),
            // The same shown by a CSV: scientific notation, or digits too few for either.
            (&["4.90154E+14", "plug01"], &[], refused("*DeviceKey")),
            (
                &["1122334455", "plug01"],
                &[],
                vec![("*DeviceKey".into(), "invalid_device_key".into())],
            ),
            (
                &["aabbccddee01", "plug01", "20240001"],
                &[2],
                refused("Device SN"),
            ),
            (&["aabbccddee01", "plug01", "", "1001"], &[3], vec![]),
            (
                &["aabbccddee01", "plug01", "", "", "12345"],
                &[4],
                refused("Certificate Fingerprint"),
            ),
            (&["aabbccddee01", "12"], &[1], refused("*ProductKey")),
        ];
        for (cells, numbers, expected) in cases {
            assert_eq!(codes(cells, numbers), expected, "{cells:?} {numbers:?}");
        }
    }

    #[test]
    fn a_value_under_no_header_is_refused_by_its_letter() {
        let pk = ProductKey::parse("plug01").unwrap();
        let columns = Columns::from_header(1, ["*DeviceKey", "*ProductKey"]).unwrap();
        let mut checker = RowChecker::new(&pk, columns, 1);
        let row = |cells: &[&str]| FileRow {
            row: 2,
            cells: StringRecord::from(cells.to_vec()),
            numbers: Vec::new(),
        };
        assert!(checker
            .check(row(&["aabbccddee01", "plug01", " "]))
            .is_some());
        assert!(checker
            .check(row(&["aabbccddee02", "plug01", "SN0002"]))
            .is_none());
        assert_eq!(checker.rejected[0].column, "C");
        assert_eq!(checker.rejected[0].code, "unknown_column");
    }
}
