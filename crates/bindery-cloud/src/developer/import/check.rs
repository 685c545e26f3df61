//! Checking import rows: each row on its own and against the rows before it, without the
//! database (`classify` checks the good rows against it).

use std::collections::HashMap;

use bindery_core::api::RejectedRow;
use bindery_core::{DeviceKey, DeviceName, ProductKey, Sn};

use super::adopt::{adopt_label, read_passcode, AdoptedLabel, LabelRefusal};
use super::header::{column_name, Columns, Field};
use super::numbers;
use super::rows::{joined, read_rows, FileRow, ImportFile};
use crate::adopted::{label_text, PasscodeHash};
use crate::error::ApiError;

/// Longest certificate fingerprint kept.
const MAX_FINGERPRINT: usize = 256;

/// Why a label stored as a number is refused (without the number: it may be a secret).
const NUMBER_LABEL: &str = "the spreadsheet stored this label as a number, which drops leading zeros and rounds long values: format the Label column as Text and type the labels again (or start each with ')";

/// Why a passcode stored as a number is refused.
const NUMBER_PASSCODE: &str = "the spreadsheet stored this passcode as a number, which drops leading zeros: format the Passcode column as Text and type the passcodes again (or start each with ')";

/// A row that passed the checks that need no database.
pub(super) struct GoodRow {
    /// Its row number in the file.
    pub row: u64,
    pub device_key: DeviceKey,
    /// The SN (the DeviceKey when the row names none).
    pub sn: Sn,
    pub name: Option<String>,
    pub fingerprint: Option<String>,
    /// The label adopted for the device (docs/product.md §2.3), when the row gives one.
    pub label: Option<AdoptedLabel>,
    /// The keyed hash of the device's Gizwits passcode, when the row gives one.
    pub passcode: Option<PasscodeHash>,
}

/// Longest message of a refused row: messages quote the offending cell, and a CSV cell may
/// be as long as the whole upload.
const MAX_MESSAGE: usize = 300;

/// Adds the refusal of `row` for the column headed `column`.
pub(super) fn reject(
    rejected: &mut Vec<RejectedRow>,
    row: u64,
    column: &str,
    code: &str,
    message: String,
) {
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
/// DeviceKey, SN or label is refused, naming its first row.
pub(super) struct RowChecker<'a> {
    product_key: &'a ProductKey,
    /// The server secret, which labels and passcodes are hashed with.
    key: &'a [u8],
    columns: Columns,
    track_repeats: bool,
    seen_keys: HashMap<String, u64>,
    seen_sns: HashMap<String, u64>,
    /// Label hashes, and the labels that read as bare SNs (which must be no row's SN).
    seen_labels: HashMap<[u8; 32], u64>,
    seen_label_sns: HashMap<String, u64>,
    /// The rows refused so far, in file order.
    pub rejected: Vec<RejectedRow>,
}

impl<'a> RowChecker<'a> {
    /// A checker for about `rows` rows of a file whose header named `columns` (sized up
    /// front: growing the maps of a million-row file rehashes them twenty times); `key` is
    /// the server secret.
    pub fn new(product_key: &'a ProductKey, key: &'a [u8], columns: Columns, rows: usize) -> Self {
        RowChecker {
            product_key,
            key,
            columns,
            track_repeats: true,
            seen_keys: HashMap::with_capacity(rows),
            seen_sns: HashMap::with_capacity(rows),
            seen_labels: HashMap::new(),
            seen_label_sns: HashMap::new(),
            rejected: Vec::new(),
        }
    }

    /// A checker that leaves repeats within the file to the database's unique indexes (the
    /// optimistic way, which gives up at the first conflict): the two maps of every
    /// DeviceKey and SN were a third of the time of reading a million-row file.
    pub fn without_repeats(product_key: &'a ProductKey, key: &'a [u8], columns: Columns) -> Self {
        RowChecker {
            track_repeats: false,
            ..RowChecker::new(product_key, key, columns, 0)
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
        let (label_cell, passcode_cell) = (cell(Field::Label), cell(Field::Passcode));
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
        let label = self.label(row, label_cell, device_key.as_ref(), sn.as_ref());
        let passcode = self.passcode(row, passcode_cell);
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
            } else if let Some(first) = self.seen_label_sns.get(sn.as_str()) {
                // Not quoted: it is row `first`'s label, which may be a secret.
                let message = format!("this SN is the label of row {first}");
                self.refuse(row, Field::Sn, "duplicate_in_file", message);
            } else {
                self.seen_sns.insert(sn.as_str().to_owned(), row);
            }
        }
        if let Some(label) = label.as_ref().filter(|_| self.track_repeats) {
            self.label_repeats(row, label);
        }
        if self.rejected.len() != before {
            return None;
        }
        let sn = sn?;
        // Bound to the SN: one passcode on two devices gives two hashes.
        let passcode = passcode.map(|p| PasscodeHash::of(&sn, p, self.key));
        Some(GoodRow {
            row,
            device_key: device_key?,
            sn,
            name,
            fingerprint,
            label,
            passcode,
        })
    }

    /// The label a row adopts, or its refusal.
    fn label(
        &mut self,
        row: u64,
        cell: Cell<'_>,
        device_key: Option<&DeviceKey>,
        sn: Option<&Sn>,
    ) -> Option<AdoptedLabel> {
        let text = match cell {
            Cell::Empty => return None,
            Cell::Text(text) if !numbers::is_scientific(text) => text,
            // The text is not quoted back: it may be a secret.
            Cell::Number(_) | Cell::Text(_) => {
                self.refuse(
                    row,
                    Field::Label,
                    "stored_as_number",
                    NUMBER_LABEL.to_owned(),
                );
                return None;
            }
        };
        let refusal = match adopt_label(text, self.product_key, self.key) {
            Ok(label) => {
                let text = label_text(text);
                let own = if sn.is_some_and(|sn| sn.as_str() == text) {
                    Some("SN")
                } else if device_key.is_some_and(|k| DeviceKey::parse(text).is_ok_and(|t| &t == k))
                {
                    Some("DeviceKey")
                } else {
                    None
                };
                match own {
                    None => return Some(label),
                    Some(what) => LabelRefusal::OwnIdentifier { what },
                }
            }
            Err(refusal) => refusal,
        };
        self.refuse(row, Field::Label, "invalid_label", refusal.to_string());
        None
    }

    /// Refuses a label seen in an earlier row, as a label or as an SN.
    fn label_repeats(&mut self, row: u64, label: &AdoptedLabel) {
        if let Some(first) = self.seen_labels.get(label.hash.as_bytes()) {
            let message = format!("the label in this row is also in row {first}");
            self.refuse(row, Field::Label, "duplicate_in_file", message);
            return;
        }
        self.seen_labels.insert(*label.hash.as_bytes(), row);
        if let Some(sn) = &label.as_sn {
            match self.seen_sns.get(sn.as_str()) {
                Some(first) => {
                    let message = format!("the label in this row is the SN of row {first}");
                    self.refuse(row, Field::Label, "duplicate_in_file", message);
                }
                None => {
                    self.seen_label_sns.insert(sn.as_str().to_owned(), row);
                }
            }
        }
    }

    /// The row's Gizwits passcode, or its refusal.
    fn passcode<'c>(&mut self, row: u64, cell: Cell<'c>) -> Option<&'c str> {
        let refusal = match cell {
            Cell::Empty => return None,
            Cell::Text(text) => match read_passcode(text) {
                Ok(passcode) => return Some(passcode),
                Err(refusal) => ("invalid_passcode", refusal.to_string()),
            },
            Cell::Number(_) => ("stored_as_number", NUMBER_PASSCODE.to_owned()),
        };
        self.refuse(row, Field::Passcode, refusal.0, refusal.1);
        None
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
    key: &[u8],
    body: ImportFile,
) -> Result<Checked, ApiError> {
    let product_key = product_key.clone();
    let key = key.to_vec();
    joined(tokio::task::spawn_blocking(move || {
        let (columns, rows) = read_rows(&body)?;
        let mut checker = RowChecker::new(&product_key, &key, columns.clone(), rows.len_estimate());
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

#[cfg(test)]
mod tests;
