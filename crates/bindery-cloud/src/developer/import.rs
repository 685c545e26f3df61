//! The DeviceKey↔SN import (CSV or XLSX), its template, and the device export.
//!
//! Every row is checked: DeviceKey (IMEI Luhn or MAC), product key, SN, name; duplicates
//! within the file; against the database. Atomic mode (the default) writes nothing if any
//! row is refused; partial mode writes the good rows. Either way the writes are one
//! transaction, so a process killed mid-import leaves the database as it was.
//!
//! An import goes one of two ways. The optimistic way is for the common file, where every
//! row is good: the rows are read and checked on a blocking thread and handed to the
//! database in chunks while later rows are still being read, and the unique indexes are the
//! check against the database and against repeats within the file. As soon as a row is
//! refused (by the checks or by the database) that transaction is rolled back and the file
//! takes the checked way: every row read again and checked, then checked against the
//! database, then written, so that the report names each refused row and why. The writes
//! differ per backend: `json_each` upserts on SQLite (`import_sqlite`), `COPY` on
//! PostgreSQL (`import_pg`).
//!
//! A row with an SN of a batch activates that SN; a row without an SN (or with an SN Bindery
//! did not make) creates the device, its SN defaulting to the DeviceKey.

use std::collections::HashMap;
use std::io::Cursor;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bindery_core::api::{ImportReport, RejectedRow, IMPORT_TEMPLATE_HEADER};
use bindery_core::{DeviceKey, DeviceName, ErrorCode, ProductKey, Sn};
use csv::StringRecord;
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{owned_product, product};
use crate::db::from_ms;
use crate::error::ApiError;
use crate::extract::DevKey;
use crate::labels::csv_safe;
use crate::state::AppState;

/// Longest certificate fingerprint kept.
const MAX_FINGERPRINT: usize = 256;

/// `?format=csv|xlsx`.
#[derive(Debug, Deserialize)]
pub struct FormatQuery {
    #[serde(default)]
    format: Option<String>,
}

/// Whether an import writes nothing (atomic) or the good rows (partial) when a row is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    #[default]
    Atomic,
    Partial,
}

/// `?mode=atomic|partial`.
#[derive(Debug, Deserialize)]
pub struct ModeQuery {
    #[serde(default)]
    mode: Option<String>,
}

/// `GET /v1/import-template?format=csv|xlsx`.
pub async fn template(
    _key: DevKey,
    Query(query): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    match query.format.as_deref().unwrap_or("csv") {
        "csv" => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"import-template.csv\"",
                ),
            ],
            format!("{}\n", IMPORT_TEMPLATE_HEADER.join(",")),
        )
            .into_response()),
        "xlsx" => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            for (col, title) in IMPORT_TEMPLATE_HEADER.iter().enumerate() {
                sheet
                    .write_string(0, col as u16, *title)
                    .map_err(|e| ApiError::Internal(format!("xlsx: {e}")))?;
                // Text columns, so Excel keeps IMEIs and leading zeros as typed.
                let _ = sheet.set_column_width(col as u16, 24);
            }
            let bytes = book
                .save_to_buffer()
                .map_err(|e| ApiError::Internal(format!("xlsx: {e}")))?;
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"import-template.xlsx\"",
                    ),
                ],
                bytes,
            )
                .into_response())
        }
        other => Err(ApiError::invalid(format!(
            "format must be csv or xlsx, not {other:?}"
        ))),
    }
}

/// A file row: its 1-based row number (the header is row 1) and its cells.
type FileRow = (u64, StringRecord);

/// The rows of an import file after its header, read as they are needed, so that the
/// PostgreSQL import can send rows while later ones are still being read.
pub(super) enum FileRows<'a> {
    Csv {
        records: csv::StringRecordsIntoIter<&'a [u8]>,
        /// Lines in the file: the rows, give or take quoted line breaks.
        lines: usize,
    },
    Xlsx(std::vec::IntoIter<FileRow>),
}

impl FileRows<'_> {
    /// About how many rows are left, to size what holds them.
    pub fn len_estimate(&self) -> usize {
        match self {
            FileRows::Csv { lines, .. } => *lines,
            FileRows::Xlsx(rows) => rows.len(),
        }
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
            FileRows::Xlsx(rows) => rows.next().map(Ok),
        }
    }
}

/// Opens a CSV (UTF-8) or XLSX file and checks its header.
pub(super) fn read_rows(body: &[u8]) -> Result<FileRows<'_>, ApiError> {
    let mut rows = if body.starts_with(b"PK\x03\x04") {
        FileRows::Xlsx(read_xlsx(body)?.into_iter())
    } else {
        read_csv(body)?
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

fn read_xlsx(body: &[u8]) -> Result<Vec<FileRow>, ApiError> {
    use calamine::{Data, Reader};
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(body))
        .map_err(|e| ApiError::invalid(format!("the XLSX workbook cannot be read: {e}")))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| ApiError::invalid("the XLSX workbook has no sheet"))?
        .map_err(|e| ApiError::invalid(format!("the XLSX sheet cannot be read: {e}")))?;
    let first_row = range.start().map_or(0, |(r, _)| u64::from(r));
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        let mut row = StringRecord::new();
        for _ in 0..first_col {
            row.push_field("");
        }
        for cell in cells {
            match cell {
                Data::Empty => row.push_field(""),
                Data::String(s) => row.push_field(s),
                // IMEIs typed into Excel become numbers; 15 digits are exact in an f64.
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e16 => {
                    row.push_field(&format!("{}", *f as i64))
                }
                Data::Int(n) => row.push_field(&n.to_string()),
                other => row.push_field(&other.to_string()),
            }
        }
        rows.push((first_row + i as u64 + 1, row));
    }
    Ok(rows)
}

/// A row that passed the checks that need no database.
pub(super) struct GoodRow {
    pub row: u64,
    pub device_key: DeviceKey,
    pub sn: Sn,
    pub name: Option<String>,
    pub fingerprint: Option<String>,
}

fn reject(rejected: &mut Vec<RejectedRow>, row: u64, column: usize, code: &str, message: String) {
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
    fn without_repeats(product_key: &'a ProductKey) -> Self {
        RowChecker {
            track_repeats: false,
            ..RowChecker::new(product_key, 0)
        }
    }

    /// The row if it passed; a refused row is added to `rejected`, a blank one skipped.
    pub fn check(&mut self, (row, cells): FileRow) -> Option<GoodRow> {
        let cell = |i: usize| cells.get(i).map_or("", |c| c.trim());
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
    body: Bytes,
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

/// How the optimistic way hands rows to one backend: the text of a chunk of rows in the form
/// that backend loads fastest.
pub(super) trait ChunkFormat: Send + 'static {
    /// Starts a chunk in the empty `text`.
    fn open(&self, text: &mut String);
    /// Adds `row`, the `index`th of the chunk.
    fn row(&self, text: &mut String, index: usize, row: &GoodRow);
    /// Ends the chunk.
    fn close(&self, text: &mut String);
}

/// Good rows in a backend's form.
pub(super) struct Chunk {
    pub text: String,
    pub rows: usize,
}

/// How the optimistic way's reading ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Streamed {
    /// Every row was good and sent: this many.
    AllGood(usize),
    /// A row was refused (or the receiver gave up): the file takes the checked way.
    Refused,
}

/// The optimistic way's reader: reads and checks `body` on a blocking thread and sends its
/// rows in chunks of about `chunk_bytes` as long as every row is good. The file's own
/// problems (its encoding, its header, an unreadable row) end it with that error.
pub(super) fn stream_rows<F: ChunkFormat>(
    body: Bytes,
    product_key: &ProductKey,
    format: F,
    chunk_bytes: usize,
) -> (
    mpsc::Receiver<Chunk>,
    JoinHandle<Result<Streamed, ApiError>>,
) {
    // Two chunks in flight: one being written while the next is read.
    let (sender, chunks) = mpsc::channel(2);
    let product_key = product_key.clone();
    let reader = tokio::task::spawn_blocking(move || {
        let rows = read_rows(&body)?;
        let mut checker = RowChecker::without_repeats(&product_key);
        let new_chunk = || {
            let mut text = String::with_capacity(chunk_bytes + chunk_bytes / 8);
            format.open(&mut text);
            text
        };
        // Closes the chunk and sends it; false once the receiver has given up.
        let send = |mut text: String, rows: usize| {
            format.close(&mut text);
            sender.blocking_send(Chunk { text, rows }).is_ok()
        };
        let (mut text, mut in_chunk, mut total) = (new_chunk(), 0, 0);
        for row in rows {
            let Some(good) = checker.check(row?) else {
                if checker.rejected.is_empty() {
                    continue; // a blank row
                }
                return Ok(Streamed::Refused);
            };
            format.row(&mut text, in_chunk, &good);
            in_chunk += 1;
            total += 1;
            if text.len() >= chunk_bytes
                && !send(
                    std::mem::replace(&mut text, new_chunk()),
                    std::mem::take(&mut in_chunk),
                )
            {
                return Ok(Streamed::Refused);
            }
        }
        if in_chunk > 0 && !send(text, in_chunk) {
            return Ok(Streamed::Refused);
        }
        Ok(Streamed::AllGood(total))
    });
    (chunks, reader)
}

/// What a reader thread of the import ended with (its own error, or `internal` if it
/// panicked).
pub(super) async fn joined<T>(reader: JoinHandle<Result<T, ApiError>>) -> Result<T, ApiError> {
    reader
        .await
        .map_err(|e| ApiError::Internal(format!("the import's reader stopped: {e}")))?
}

/// Imports `body` (the file's bytes) into `product_key`: the shared work of the HTTP call
/// and the CLI.
pub async fn import_file(
    state: &AppState,
    product_key: &ProductKey,
    body: impl Into<Bytes>,
    mode: ImportMode,
) -> Result<ImportReport, ApiError> {
    let started = std::time::Instant::now();
    let body = body.into();
    let written = match &state.pg_bulk {
        Some(pool) => super::import_pg::import(pool, product_key, body, mode).await?,
        None => super::import_sqlite::import(state, product_key, body, mode).await?,
    };
    tracing::info!(
        product_key = %product_key,
        imported = written.imported,
        rejected = written.rejected.len(),
        checked_way = written.checked_way,
        ms = started.elapsed().as_millis() as u64,
        "import finished"
    );
    Ok(ImportReport {
        imported: written.imported as u64,
        rejected: written.rejected,
    })
}

/// What an import did in the database.
pub(super) struct Written {
    /// Devices created or activated.
    pub imported: usize,
    /// Every refused row, in row order: the file's own problems and the database's.
    pub rejected: Vec<RejectedRow>,
    /// Whether the file took the checked way.
    pub checked_way: bool,
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
        if let Some(sn) = key_taken {
            reject(
                rejected,
                row.row,
                0,
                "device_key_taken",
                format!("DeviceKey {} is already imported (SN {sn})", row.device_key),
            );
        }
        let sn_state = existing.sns.get(row.sn.as_str());
        let sn_free = match sn_state {
            Some((pk, _)) if pk != product_key.as_str() => {
                let message = format!("SN {} belongs to another product", row.sn);
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

/// A unique violation while writing means another product's import took a DeviceKey after
/// our checks: nothing was written, and importing again reports it per row.
pub(super) fn concurrent_change(e: sqlx::Error) -> ApiError {
    if crate::db::is_unique_violation(&e) {
        ApiError::invalid("another import took some of these DeviceKeys at the same time; nothing was imported, import the file again")
    } else {
        e.into()
    }
}

/// `POST /v1/products/{pk}/devices/import?mode=atomic|partial`.
pub async fn import(
    State(state): State<AppState>,
    key: DevKey,
    Path(pk): Path<String>,
    Query(query): Query<ModeQuery>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<ImportReport>, ApiError> {
    let product = owned_product(&state, &key, &pk).await?;
    let mode = match query.mode.as_deref() {
        None | Some("atomic") => ImportMode::Atomic,
        Some("partial") => ImportMode::Partial,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "mode must be atomic or partial, not {other:?}"
            )))
        }
    };
    let body = body.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(ErrorCode::PayloadTooLarge)
        } else {
            ApiError::invalid(e.body_text())
        }
    })?;
    let report = import_file(&state, &product.product_key, body, mode).await?;
    Ok(Json(report))
}

/// `GET /v1/products/{pk}/devices/export`: the product's devices as CSV. Free-text cells are
/// neutralised against formula injection, so a name typed as `=HYPERLINK(…)` stays text.
pub async fn export(
    State(state): State<AppState>,
    key: DevKey,
    Path(pk): Path<String>,
) -> Result<Response, ApiError> {
    let product = owned_product(&state, &key, &pk).await?;
    let csv = export_csv(&state, &product.product_key).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{pk}-devices.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}

/// The CSV of a product's devices.
pub async fn export_csv(state: &AppState, product_key: &ProductKey) -> Result<String, ApiError> {
    product(state, product_key.as_str()).await?;
    type Row = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT sn, device_key, device_name, fingerprint, batch_id, imported_at FROM devices \
         WHERE product_key = $1 ORDER BY created_at, sn",
    )
    .bind(product_key.as_str())
    .fetch_all(&state.db)
    .await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
    writer
        .write_record([
            "sn",
            "device_key",
            "device_name",
            "fingerprint",
            "batch_id",
            "imported_at",
        ])
        .map_err(fail)?;
    for (sn, key, name, fingerprint, batch, imported_at) in rows {
        let imported_at = imported_at
            .map(|t| {
                from_ms(t)
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        writer
            .write_record([
                sn,
                key.unwrap_or_default(),
                csv_safe(&name.unwrap_or_default()),
                csv_safe(&fingerprint.unwrap_or_default()),
                batch.unwrap_or_default(),
                imported_at,
            ])
            .map_err(fail)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Internal(e.to_string()))
}
