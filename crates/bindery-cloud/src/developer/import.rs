//! The DeviceKey↔SN import (CSV or XLSX), its template, and the device export.
//!
//! Every row is checked before anything is written: DeviceKey (IMEI Luhn or MAC), product
//! key, SN, name; duplicates within the file; then, inside the write transaction, against
//! the database. Atomic mode (the default) writes nothing if any row is refused; partial mode
//! writes the good rows. Either way the writes are one transaction, so a process killed
//! mid-import leaves the database as it was.
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
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use super::{owned_product, placeholders, product};
use crate::db::{from_ms, now_ms, Backend};
use crate::error::ApiError;
use crate::extract::DevKey;
use crate::labels::csv_safe;
use crate::state::AppState;

/// Longest certificate fingerprint kept.
const MAX_FINGERPRINT: usize = 256;
/// Rows per multi-row statement.
const CHUNK: usize = 1000;

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
type FileRow = (u64, Vec<String>);

/// Reads the rows of a CSV (UTF-8) or XLSX file, checking the header.
pub fn read_rows(body: &[u8]) -> Result<Vec<FileRow>, ApiError> {
    let rows = if body.starts_with(b"PK\x03\x04") {
        read_xlsx(body)?
    } else {
        read_csv(body)?
    };
    let Some((_, header)) = rows.first() else {
        return Err(ApiError::invalid(
            "the file is empty: start from the import template",
        ));
    };
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
    Ok(rows.into_iter().skip(1).collect())
}

fn read_csv(body: &[u8]) -> Result<Vec<FileRow>, ApiError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
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
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| ApiError::invalid(format!("the CSV cannot be read: {e}")))?;
        let line = record.position().map_or(0, |p| p.line());
        rows.push((line, record.iter().map(str::to_owned).collect()));
    }
    Ok(rows)
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
        let mut row = vec![String::new(); first_col];
        row.extend(cells.iter().map(|cell| match cell {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            // IMEIs typed into Excel become numbers; 15 digits are exact in an f64.
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e16 => format!("{}", *f as i64),
            Data::Int(n) => n.to_string(),
            other => other.to_string(),
        }));
        rows.push((first_row + i as u64 + 1, row));
    }
    Ok(rows)
}

/// A row that passed the checks that need no database.
struct GoodRow {
    row: u64,
    device_key: DeviceKey,
    sn: Sn,
    name: Option<String>,
    fingerprint: Option<String>,
}

fn reject(rejected: &mut Vec<RejectedRow>, row: u64, column: usize, code: &str, message: String) {
    rejected.push(RejectedRow {
        row,
        column: IMPORT_TEMPLATE_HEADER[column].to_owned(),
        code: code.to_owned(),
        message,
    });
}

/// Checks every row on its own and against the other rows of the file.
fn check_rows(product_key: &ProductKey, rows: Vec<FileRow>) -> (Vec<GoodRow>, Vec<RejectedRow>) {
    let mut good = Vec::with_capacity(rows.len());
    let mut rejected = Vec::new();
    let mut seen_keys: HashMap<String, u64> = HashMap::with_capacity(rows.len());
    let mut seen_sns: HashMap<String, u64> = HashMap::with_capacity(rows.len());
    for (row, cells) in rows {
        let cell = |i: usize| cells.get(i).map_or("", |c| c.trim());
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let before = rejected.len();
        let device_key = match cell(0) {
            "" => {
                reject(
                    &mut rejected,
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
                    reject(&mut rejected, row, 0, "invalid_device_key", e.to_string());
                    None
                }
            },
        };
        match cell(1) {
            "" => reject(
                &mut rejected,
                row,
                1,
                "missing_value",
                "the ProductKey is required".into(),
            ),
            pk if pk != product_key.as_str() => reject(
                &mut rejected,
                row,
                1,
                "product_mismatch",
                format!("this file is imported into product {product_key}, not {pk}"),
            ),
            _ => {}
        }
        let sn = match (cell(2), &device_key) {
            ("", Some(k)) => Sn::parse(k.as_str()).ok(),
            ("", None) => None,
            (raw, _) => match Sn::parse(raw) {
                Ok(sn) => Some(sn),
                Err(e) => {
                    reject(&mut rejected, row, 2, "invalid_sn", e.to_string());
                    None
                }
            },
        };
        let name = match cell(3) {
            "" => None,
            raw => match DeviceName::parse(raw) {
                Ok(n) => Some(n.as_str().to_owned()),
                Err(e) => {
                    reject(&mut rejected, row, 3, "invalid_name", e.to_string());
                    None
                }
            },
        };
        let fingerprint = match cell(4) {
            "" => None,
            raw if raw.chars().count() > MAX_FINGERPRINT || raw.chars().any(char::is_control) => {
                reject(
                    &mut rejected,
                    row,
                    4,
                    "invalid_fingerprint",
                    format!("the fingerprint must be at most {MAX_FINGERPRINT} characters of text"),
                );
                None
            }
            raw => Some(raw.to_owned()),
        };
        if let Some(k) = &device_key {
            if let Some(first) = seen_keys.get(k.as_str()) {
                reject(
                    &mut rejected,
                    row,
                    0,
                    "duplicate_in_file",
                    format!("DeviceKey {k} is also in row {first}"),
                );
            } else {
                seen_keys.insert(k.as_str().to_owned(), row);
            }
        }
        if let Some(sn) = &sn {
            if let Some(first) = seen_sns.get(sn.as_str()) {
                reject(
                    &mut rejected,
                    row,
                    2,
                    "duplicate_in_file",
                    format!("SN {sn} is also in row {first}"),
                );
            } else {
                seen_sns.insert(sn.as_str().to_owned(), row);
            }
        }
        if rejected.len() == before {
            if let (Some(device_key), Some(sn)) = (device_key, sn) {
                good.push(GoodRow {
                    row,
                    device_key,
                    sn,
                    name,
                    fingerprint,
                });
            }
        }
    }
    (good, rejected)
}

/// Imports `body` into `product_key`: the shared work of the HTTP call and the CLI.
pub async fn import_file(
    state: &AppState,
    product_key: &ProductKey,
    body: &[u8],
    mode: ImportMode,
) -> Result<ImportReport, ApiError> {
    let started = std::time::Instant::now();
    let rows = read_rows(body)?;
    let (good, mut rejected) = check_rows(product_key, rows);
    let parsed = started.elapsed();

    let mut tx = state.writer.begin().await?;
    // Writing first takes the write lock at once (SQLite) and queues concurrent imports of
    // this product behind ours (PostgreSQL row lock), so the checks below stay true until
    // commit.
    sqlx::query("UPDATE products SET import_seq = import_seq + 1 WHERE product_key = $1")
        .bind(product_key.as_str())
        .execute(&mut *tx)
        .await?;

    // SN → (product, already has a DeviceKey) for the SNs of the file that exist.
    let mut existing_sns: HashMap<String, (String, bool)> = HashMap::new();
    let mut taken_keys: HashMap<String, String> = HashMap::new();
    for chunk in good.chunks(chunk_rows(state.backend)) {
        let sns: Vec<&str> = chunk.iter().map(|row| row.sn.as_str()).collect();
        let found: Vec<(String, String, Option<String>)> = select_in(
            &mut tx,
            state.backend,
            "SELECT sn, product_key, device_key FROM devices WHERE sn",
            &sns,
        )
        .await?;
        for (sn, pk, key) in found {
            existing_sns.insert(sn, (pk, key.is_some()));
        }
        let keys: Vec<&str> = chunk.iter().map(|row| row.device_key.as_str()).collect();
        let found: Vec<(String, String)> = select_in(
            &mut tx,
            state.backend,
            "SELECT device_key, sn FROM devices WHERE device_key",
            &keys,
        )
        .await?;
        taken_keys.extend(found);
    }

    let checked = started.elapsed();
    let mut activate = Vec::new();
    let mut create = Vec::new();
    for row in good {
        let key_taken = taken_keys.get(row.device_key.as_str());
        if let Some(sn) = key_taken {
            reject(
                &mut rejected,
                row.row,
                0,
                "device_key_taken",
                format!("DeviceKey {} is already imported (SN {sn})", row.device_key),
            );
        }
        let sn_state = existing_sns.get(row.sn.as_str());
        let sn_free = match sn_state {
            Some((pk, _)) if pk != product_key.as_str() => {
                let message = format!("SN {} belongs to another product", row.sn);
                reject(&mut rejected, row.row, 2, "sn_taken", message);
                false
            }
            Some((_, true)) => {
                let message = format!("SN {} already has a DeviceKey", row.sn);
                reject(&mut rejected, row.row, 2, "already_imported", message);
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

    if mode == ImportMode::Atomic && !rejected.is_empty() {
        tx.rollback().await?;
        return Ok(ImportReport {
            imported: 0,
            rejected,
        });
    }

    let now = now_ms();
    for chunk in create.chunks(chunk_rows(state.backend)) {
        insert_devices(&mut tx, state.backend, product_key, chunk, now)
            .await
            .map_err(concurrent_change)?;
    }
    for row in &activate {
        sqlx::query(
            "UPDATE devices SET device_key = $1, device_name = $2, fingerprint = $3, imported_at = $4 \
             WHERE sn = $5 AND device_key IS NULL",
        )
        .bind(row.device_key.as_str())
        .bind(row.name.clone())
        .bind(row.fingerprint.clone())
        .bind(now)
        .bind(row.sn.as_str())
        .execute(&mut *tx)
        .await
        .map_err(concurrent_change)?;
    }
    tx.commit().await?;
    tracing::info!(
        product_key = %product_key,
        created = create.len(),
        activated = activate.len(),
        rejected = rejected.len(),
        parse_ms = parsed.as_millis() as u64,
        check_ms = (checked - parsed).as_millis() as u64,
        write_ms = (started.elapsed() - checked).as_millis() as u64,
        "import committed"
    );
    Ok(ImportReport {
        imported: (create.len() + activate.len()) as u64,
        rejected,
    })
}

/// Rows per statement: SQLite takes one parameter per value (a few thousand per statement
/// stay fast); PostgreSQL takes a whole chunk as one JSON parameter.
fn chunk_rows(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => CHUNK,
        Backend::Postgres => 50_000,
    }
}

/// The rows of `select … WHERE column` whose column is one of `values`.
///
/// On PostgreSQL the values travel as one JSON array (`json_array_elements_text`): binding
/// thousands of `$n` parameters through the `Any` driver, and planning them, made a
/// 1,000,000-row import take 5× as long as `COPY`.
async fn select_in<T>(
    conn: &mut AnyConnection,
    backend: Backend,
    select: &str,
    values: &[&str],
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
{
    match backend {
        Backend::Sqlite => {
            let sql = format!("{select} IN ({})", placeholders(backend, 1, values.len()));
            let mut query = sqlx::query_as::<_, T>(&sql);
            for value in values {
                query = query.bind(*value);
            }
            query.fetch_all(&mut *conn).await
        }
        Backend::Postgres => {
            let sql = format!("{select} IN (SELECT json_array_elements_text($1::json))");
            sqlx::query_as::<_, T>(&sql)
                .bind(serde_json::to_string(values).expect("strings serialise"))
                .fetch_all(&mut *conn)
                .await
        }
    }
}

/// A device row of an import as PostgreSQL's `json_to_recordset` reads it.
#[derive(Serialize)]
struct NewDevice<'a> {
    sn: &'a str,
    device_key: &'a str,
    device_name: Option<&'a str>,
    fingerprint: Option<&'a str>,
}

/// Inserts `rows` as new devices of `product_key`, imported at `now`.
async fn insert_devices(
    conn: &mut AnyConnection,
    backend: Backend,
    product_key: &ProductKey,
    rows: &[GoodRow],
    now: i64,
) -> Result<(), sqlx::Error> {
    match backend {
        Backend::Sqlite => {
            let values = (0..rows.len())
                .map(|i| format!("({})", placeholders(backend, i * 7 + 1, 7)))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO devices (sn, product_key, device_key, device_name, fingerprint, imported_at, created_at) VALUES {values}"
            );
            let mut query = sqlx::query(&sql);
            for row in rows {
                query = query
                    .bind(row.sn.as_str())
                    .bind(product_key.as_str())
                    .bind(row.device_key.as_str())
                    .bind(row.name.clone())
                    .bind(row.fingerprint.clone())
                    .bind(now)
                    .bind(now);
            }
            query.execute(&mut *conn).await?;
        }
        Backend::Postgres => {
            let devices: Vec<NewDevice> = rows
                .iter()
                .map(|row| NewDevice {
                    sn: row.sn.as_str(),
                    device_key: row.device_key.as_str(),
                    device_name: row.name.as_deref(),
                    fingerprint: row.fingerprint.as_deref(),
                })
                .collect();
            sqlx::query(
                "INSERT INTO devices (sn, product_key, device_key, device_name, fingerprint, imported_at, created_at) \
                 SELECT r.sn, $2, r.device_key, r.device_name, r.fingerprint, $3, $3 \
                 FROM json_to_recordset($1::json) AS r(sn TEXT, device_key TEXT, device_name TEXT, fingerprint TEXT)",
            )
            .bind(serde_json::to_string(&devices).expect("rows serialise"))
            .bind(product_key.as_str())
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// A unique violation while writing means another product's import took a DeviceKey after
/// our checks: nothing was written, and importing again reports it per row.
fn concurrent_change(e: sqlx::Error) -> ApiError {
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
    let report = import_file(&state, &product.product_key, &body, mode).await?;
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
