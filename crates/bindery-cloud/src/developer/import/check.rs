//! Checking import rows: each row on its own and against the rows before it (no database),
//! then the good rows against what the database holds.

use std::collections::HashMap;

use bindery_core::api::{RejectedRow, IMPORT_TEMPLATE_HEADER};
use bindery_core::{DeviceKey, DeviceName, ProductKey, Sn};

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

/// Adds the refusal of `row` for the template's `column` (0-based).
/// Longest message of a refused row: messages quote the offending cell, and a CSV cell may
/// be as long as the whole upload.
const MAX_MESSAGE: usize = 300;

fn reject(rejected: &mut Vec<RejectedRow>, row: u64, column: usize, code: &str, message: String) {
    let message = match message.char_indices().nth(MAX_MESSAGE) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    };
    rejected.push(RejectedRow {
        row,
        column: IMPORT_TEMPLATE_HEADER[column].to_owned(),
        code: code.to_owned(),
        message,
    });
}

/// The checks that need no database, row by row: each cell on its own, then (unless the
/// database's unique indexes stand in for it) against the rows seen before it: a repeated
/// DeviceKey or SN is refused, naming its first row.
pub(super) struct RowChecker<'a> {
    product_key: &'a ProductKey,
    track_repeats: bool,
    seen_keys: HashMap<String, u64>,
    seen_sns: HashMap<String, u64>,
    /// The rows refused so far, in file order.
    pub rejected: Vec<RejectedRow>,
}

impl<'a> RowChecker<'a> {
    /// A checker for about `rows` rows (sized up front: growing the maps of a million-row
    /// file rehashes them twenty times).
    pub fn new(product_key: &'a ProductKey, rows: usize) -> Self {
        RowChecker {
            product_key,
            track_repeats: true,
            seen_keys: HashMap::with_capacity(rows),
            seen_sns: HashMap::with_capacity(rows),
            rejected: Vec::new(),
        }
    }

    /// A checker that leaves repeats within the file to the database's unique indexes (the
    /// optimistic way, which gives up at the first conflict): the two maps of every
    /// DeviceKey and SN were a third of the time of reading a million-row file.
    pub fn without_repeats(product_key: &'a ProductKey) -> Self {
        RowChecker {
            track_repeats: false,
            ..RowChecker::new(product_key, 0)
        }
    }

    /// The row if it passed; a refused row is added to `rejected`, a blank one skipped.
    pub fn check(&mut self, (row, cells): FileRow) -> Option<GoodRow> {
        let cell = |i: usize| cells.get(i).map_or("", |c| unquote(c.trim()));
        if cells.iter().all(|c| c.trim().is_empty()) {
            return None;
        }
        let before = self.rejected.len();
        let device_key = match cell(0) {
            "" => {
                reject(
                    &mut self.rejected,
                    row,
                    0,
                    "missing_value",
                    "the DeviceKey is required".into(),
                );
                None
            }
            raw => match DeviceKey::parse(raw) {
                Ok(k) => Some(k),
                Err(e) => {
                    reject(
                        &mut self.rejected,
                        row,
                        0,
                        "invalid_device_key",
                        e.to_string(),
                    );
                    None
                }
            },
        };
        match cell(1) {
            "" => reject(
                &mut self.rejected,
                row,
                1,
                "missing_value",
                "the ProductKey is required".into(),
            ),
            pk if pk != self.product_key.as_str() => reject(
                &mut self.rejected,
                row,
                1,
                "product_mismatch",
                format!(
                    "this file is imported into product {}, not {pk}",
                    self.product_key
                ),
            ),
            _ => {}
        }
        let sn = match (cell(2), &device_key) {
            ("", Some(k)) => Sn::parse(k.as_str()).ok(),
            ("", None) => None,
            (raw, _) => match Sn::parse(raw) {
                Ok(sn) => Some(sn),
                Err(e) => {
                    reject(&mut self.rejected, row, 2, "invalid_sn", e.to_string());
                    None
                }
            },
        };
        let name = match cell(3) {
            "" => None,
            raw => match DeviceName::parse(raw) {
                Ok(n) => Some(n.as_str().to_owned()),
                Err(e) => {
                    reject(&mut self.rejected, row, 3, "invalid_name", e.to_string());
                    None
                }
            },
        };
        let fingerprint = match cell(4) {
            "" => None,
            raw if raw.chars().count() > MAX_FINGERPRINT || raw.chars().any(char::is_control) => {
                reject(
                    &mut self.rejected,
                    row,
                    4,
                    "invalid_fingerprint",
                    format!("the fingerprint must be at most {MAX_FINGERPRINT} characters of text"),
                );
                None
            }
            raw => Some(raw.to_owned()),
        };
        if let Some(k) = device_key.as_ref().filter(|_| self.track_repeats) {
            if let Some(first) = self.seen_keys.get(k.as_str()) {
                reject(
                    &mut self.rejected,
                    row,
                    0,
                    "duplicate_in_file",
                    format!("DeviceKey {k} is also in row {first}"),
                );
            } else {
                self.seen_keys.insert(k.as_str().to_owned(), row);
            }
        }
        if let Some(sn) = sn.as_ref().filter(|_| self.track_repeats) {
            if let Some(first) = self.seen_sns.get(sn.as_str()) {
                reject(
                    &mut self.rejected,
                    row,
                    2,
                    "duplicate_in_file",
                    format!("SN {sn} is also in row {first}"),
                );
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
}

/// Reads and checks every row of the file (the checked way), on a blocking thread: a
/// million rows take about a second of CPU.
pub(super) async fn check_rows(
    product_key: &ProductKey,
    body: ImportFile,
) -> Result<(Vec<GoodRow>, Vec<RejectedRow>), ApiError> {
    let product_key = product_key.clone();
    joined(tokio::task::spawn_blocking(move || {
        let rows = read_rows(&body)?;
        let mut checker = RowChecker::new(&product_key, rows.len_estimate());
        let mut good = Vec::with_capacity(rows.len_estimate());
        for row in rows {
            good.extend(checker.check(row?));
        }
        Ok((good, checker.rejected))
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
    rejected: &mut Vec<RejectedRow>,
) -> (Vec<GoodRow>, Vec<GoodRow>) {
    let mut activate = Vec::new();
    let mut create = Vec::new();
    for row in good {
        let key_taken = existing.device_keys.get(row.device_key.as_str());
        if key_taken.is_some() {
            // Which SN has it is not said: it may be another maker's device.
            reject(
                rejected,
                row.row,
                0,
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
                reject(rejected, row.row, 2, "sn_taken", message);
                false
            }
            Some((_, true)) => {
                let message = format!("SN {} already has a DeviceKey", row.sn);
                reject(rejected, row.row, 2, "already_imported", message);
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
    rejected.sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
    (activate, create)
}
