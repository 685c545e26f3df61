//! The import on PostgreSQL, where rows travel by `COPY`.
//!
//! A million-row file sent as statement parameters spent more time encoding, decoding and
//! planning parameters than writing rows. Here the optimistic way (see the `import` module) copies new
//! devices into `devices` while the reader's thread is still reading and checking later rows,
//! so the server writes while the file is read. When that copy cannot stand (an SN to
//! activate, a DeviceKey or SN the product has already, a repeat, a refused row), it is
//! rolled back to a savepoint and the rows are checked against the database through a
//! temporary table, row by row in the report. All of it is one transaction on a native connection (the `Any`
//! driver has no `COPY`), so a killed import leaves nothing behind.

use bindery_core::ProductKey;
use sqlx::postgres::PgConnection;
use sqlx::PgPool;

use super::check::{check_rows, Checked, GoodRow};
use super::classify::{classify, Classified, Existing, KnownDevice};
use super::rows::{joined, ImportFile};
use super::stream::{stream_rows, ChunkFormat, Streamed};
use super::write::{concurrent_change, ImportMode, Written};
use crate::db::{is_unique_violation, now_ms};
use crate::error::ApiError;

/// Bytes gathered before each `COPY` data message.
const COPY_CHUNK: usize = 1 << 20;

/// `COPY` of new devices; the last three columns are the same on every line.
const COPY_DEVICES: &str =
    "COPY devices (sn, device_key, device_name, fingerprint, label_hash, passcode_hash, \
     product_key, imported_at, created_at) FROM STDIN (FORMAT csv)";

/// `COPY` into the temporary table of the checked path; the last column is the label when
/// it reads as an SN (which must be no device's SN).
const COPY_IMPORT_ROWS: &str = "COPY import_rows \
     (sn, device_key, device_name, fingerprint, label_hash, passcode_hash, label_sn) FROM STDIN (FORMAT csv)";

/// Reads, checks and writes the file `body` into `product_key`.
pub(super) async fn import(
    pool: &PgPool,
    key: &[u8],
    product_key: &ProductKey,
    body: ImportFile,
    mode: ImportMode,
) -> Result<Written, ApiError> {
    let mut tx = pool.begin().await?;
    // The product's row lock queues concurrent imports of this product behind ours, so what
    // is checked below stays true until commit.
    sqlx::query("UPDATE products SET import_seq = import_seq + 1 WHERE product_key = $1")
        .bind(product_key.as_str())
        .execute(&mut *tx)
        .await?;
    let now = now_ms();
    if let Some(imported) =
        copy_optimistically(&mut tx, key, product_key, body.clone(), now).await?
    {
        tx.commit().await?;
        return Ok(Written {
            imported,
            updated: 0,
            rejected: Vec::new(),
            checked_way: false,
        });
    }
    sqlx::query("ROLLBACK TO SAVEPOINT optimistic")
        .execute(&mut *tx)
        .await?;
    let checked = check_rows(product_key, key, body).await?;
    let written = checked_write(&mut tx, product_key, checked, mode, now).await?;
    if written.imported > 0 {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(written)
}

/// New devices as `COPY` lines of [`COPY_DEVICES`].
struct CopyLines {
    /// The product key and times, the same on every line.
    suffix: String,
}

impl ChunkFormat for CopyLines {
    fn open(&self, _text: &mut String) {}

    fn row(&self, text: &mut String, _index: usize, row: &GoodRow) {
        csv_line(text, row, &self.suffix);
    }

    fn close(&self, _text: &mut String) {}
}

/// The optimistic way: after a savepoint, copies the file's rows into `devices` while they
/// are read. The number of rows imported, or `None` when the copy cannot stand and the
/// caller must roll back to the savepoint.
async fn copy_optimistically(
    conn: &mut PgConnection,
    key: &[u8],
    product_key: &ProductKey,
    body: ImportFile,
    now: i64,
) -> Result<Option<usize>, ApiError> {
    sqlx::query("SAVEPOINT optimistic")
        .execute(&mut *conn)
        .await?;
    let suffix = line_suffix(product_key, now);
    let (mut chunks, reader) =
        stream_rows(body, product_key, key, CopyLines { suffix }, COPY_CHUNK);
    let mut sink = conn.copy_in_raw(COPY_DEVICES).await?;
    while let Some(chunk) = chunks.recv().await {
        sink.send(chunk.text.as_bytes()).await?;
    }
    // Finished rather than aborted even when it will be rolled back: `finish` reads the
    // server's answer to the end, whatever it is, and leaves the connection ready.
    let finished = sink.finish().await;
    let streamed = joined(reader).await?;
    match (finished, streamed) {
        (Ok(_), Streamed::AllGood(rows)) => Ok(Some(rows)),
        (Ok(_), Streamed::Refused) => Ok(None),
        (Err(e), _) if is_unique_violation(&e) => Ok(None),
        (Err(e), _) => Err(e.into()),
    }
}

/// The checked path: `good` against the database through a temporary table, then the
/// writes of what passes (nothing in atomic mode when a row is refused).
async fn checked_write(
    tx: &mut PgConnection,
    product_key: &ProductKey,
    checked: Checked,
    mode: ImportMode,
    now: i64,
) -> Result<Written, ApiError> {
    let Checked {
        good,
        mut rejected,
        columns,
    } = checked;
    transient(
        "CREATE TEMPORARY TABLE import_rows \
         (sn TEXT COLLATE \"C\" NOT NULL, device_key TEXT NOT NULL, device_name TEXT, \
          fingerprint TEXT, label_hash BYTEA, passcode_hash BYTEA, label_sn TEXT COLLATE \"C\") \
         ON COMMIT DROP",
        tx,
    )
    .await?;
    copy_rows(tx, COPY_IMPORT_ROWS, &good, Suffix::LabelSn).await?;
    // Statistics, so that the joins below pick hash joins for big files and index lookups
    // for small ones.
    transient("ANALYZE import_rows", tx).await?;

    let mut existing = Existing::default();
    // The product's devices with the rows' SNs and DeviceKeys.
    let found: Vec<KnownDevice> = sqlx::query_as(
        "SELECT d.sn, d.device_key, d.label_hash, d.passcode_hash \
         FROM devices d JOIN import_rows r ON r.sn = d.sn WHERE d.product_key = $1",
    )
    .bind(product_key.as_str())
    .persistent(false)
    .fetch_all(&mut *tx)
    .await?;
    for device in found {
        existing.sns.insert(device.sn.clone(), device);
    }
    let found: Vec<(String, String)> = sqlx::query_as(
        "SELECT d.device_key, d.sn FROM devices d JOIN import_rows r ON r.device_key = d.device_key \
         WHERE d.product_key = $1",
    )
    .bind(product_key.as_str())
    .persistent(false)
    .fetch_all(&mut *tx)
    .await?;
    existing.device_keys.extend(found);
    // Labels that read as SNs must be no device's, in any product (a bare SN is looked up
    // across products); adopted labels name one device across the cloud.
    let found: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT d.sn FROM devices d JOIN import_rows r ON r.label_sn = d.sn",
    )
    .persistent(false)
    .fetch_all(&mut *tx)
    .await?;
    existing.label_sns.extend(found.into_iter().map(|(sn,)| sn));
    let found: Vec<(Vec<u8>, String, String)> = sqlx::query_as(
        "SELECT d.label_hash, d.product_key, d.sn FROM devices d \
         JOIN import_rows r ON r.label_hash = d.label_hash",
    )
    .persistent(false)
    .fetch_all(&mut *tx)
    .await?;
    existing
        .labels
        .extend(found.into_iter().map(|(hash, pk, sn)| (hash, (pk, sn))));
    let Classified {
        activate,
        create,
        amend,
    } = classify(product_key, good, &existing, &columns, &mut rejected);

    if mode == ImportMode::Atomic && !rejected.is_empty() {
        return Ok(Written::nothing(rejected));
    }
    if !create.is_empty() {
        let suffix = line_suffix(product_key, now);
        copy_rows(tx, COPY_DEVICES, &create, Suffix::Text(&suffix))
            .await
            .map_err(concurrent_change)?;
    }
    if !activate.is_empty() {
        transient("TRUNCATE import_rows", tx).await?;
        copy_rows(tx, COPY_IMPORT_ROWS, &activate, Suffix::LabelSn).await?;
        sqlx::query(
            "UPDATE devices d SET device_key = r.device_key, device_name = r.device_name, \
             fingerprint = r.fingerprint, label_hash = r.label_hash, \
             passcode_hash = r.passcode_hash, imported_at = $1 \
             FROM import_rows r WHERE d.product_key = $2 AND d.sn = r.sn AND d.device_key IS NULL",
        )
        .bind(now)
        .bind(product_key.as_str())
        .persistent(false)
        .execute(&mut *tx)
        .await
        .map_err(concurrent_change)?;
    }
    if !amend.is_empty() {
        transient("TRUNCATE import_rows", tx).await?;
        copy_rows(tx, COPY_IMPORT_ROWS, &amend, Suffix::LabelSn).await?;
        // COALESCE: a label or passcode the device already has stays (classify refused rows
        // that would change one).
        sqlx::query(
            "UPDATE devices d SET label_hash = COALESCE(d.label_hash, r.label_hash), \
             passcode_hash = COALESCE(d.passcode_hash, r.passcode_hash) \
             FROM import_rows r \
             WHERE d.product_key = $1 AND d.sn = r.sn AND d.device_key = r.device_key",
        )
        .bind(product_key.as_str())
        .persistent(false)
        .execute(&mut *tx)
        .await
        .map_err(concurrent_change)?;
    }
    Ok(Written {
        imported: create.len() + activate.len(),
        updated: amend.len(),
        rejected,
        checked_way: true,
    })
}

/// A statement on the temporary table, which is a new table in every import: not kept in
/// the connection's statement cache.
async fn transient(sql: &str, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query(sql).persistent(false).execute(conn).await?;
    Ok(())
}

/// What ends each line of a `COPY` after a row's own columns.
#[derive(Clone, Copy)]
enum Suffix<'a> {
    /// The same text on every line ([`line_suffix`]).
    Text(&'a str),
    /// The row's label when it reads as an SN (the temporary table's last column).
    LabelSn,
}

/// Sends `rows` through `copy` (a `COPY … FROM STDIN (FORMAT csv)` whose first columns are
/// sn, device_key, device_name, fingerprint, label_hash, passcode_hash), each line ending
/// with `suffix`.
async fn copy_rows(
    conn: &mut PgConnection,
    copy: &str,
    rows: &[GoodRow],
    suffix: Suffix<'_>,
) -> Result<u64, sqlx::Error> {
    let mut sink = conn.copy_in_raw(copy).await?;
    let mut buf = String::with_capacity(COPY_CHUNK + 1024);
    for row in rows {
        match suffix {
            Suffix::Text(text) => csv_line(&mut buf, row, text),
            Suffix::LabelSn => {
                let label_sn = row.label.as_ref().and_then(|l| l.as_sn.as_ref());
                let mut text = String::from(",");
                if let Some(sn) = label_sn {
                    push_quoted(&mut text, sn.as_str());
                }
                csv_line(&mut buf, row, &text);
            }
        }
        if buf.len() >= COPY_CHUNK {
            sink.send(buf.as_bytes()).await?;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        sink.send(buf.as_bytes()).await?;
    }
    sink.finish().await
}

/// One CSV line of `row`. A missing name, fingerprint or hash is an unquoted empty field
/// (NULL in `COPY`'s CSV format); every text is quoted, so nothing in it can end the line or
/// the data; a hash is `bytea`'s hex form (`\x…`, hex digits only).
fn csv_line(buf: &mut String, row: &GoodRow, suffix: &str) {
    push_quoted(buf, row.sn.as_str());
    buf.push(',');
    push_quoted(buf, row.device_key.as_str());
    buf.push(',');
    if let Some(name) = &row.name {
        push_quoted(buf, name);
    }
    buf.push(',');
    if let Some(fingerprint) = &row.fingerprint {
        push_quoted(buf, fingerprint);
    }
    let label = row.label.as_ref().map(|l| l.hash.as_bytes());
    for hash in [label, row.passcode.as_ref().map(|p| p.as_bytes())] {
        buf.push(',');
        if let Some(hash) = hash {
            buf.push_str("\\x");
            buf.push_str(&hex::encode(hash));
        }
    }
    buf.push_str(suffix);
    buf.push('\n');
}

/// The end of every [`COPY_DEVICES`] line: the product key and the import's time, twice.
fn line_suffix(product_key: &ProductKey, now: i64) -> String {
    let mut suffix = String::from(",");
    push_quoted(&mut suffix, product_key.as_str());
    suffix.push_str(&format!(",{now},{now}"));
    suffix
}

/// Appends `text` as a quoted CSV field.
fn push_quoted(buf: &mut String, text: &str) {
    buf.push('"');
    for (i, part) in text.split('"').enumerate() {
        if i > 0 {
            buf.push_str("\"\"");
        }
        buf.push_str(part);
    }
    buf.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use bindery_core::{DeviceKey, Sn};

    fn row(name: Option<&str>, fingerprint: Option<&str>) -> GoodRow {
        GoodRow {
            row: 2,
            device_key: DeviceKey::parse("a4:cf:12:00:00:01").unwrap(),
            sn: Sn::parse("BD7K2M9Q4X").unwrap(),
            name: name.map(str::to_owned),
            fingerprint: fingerprint.map(str::to_owned),
            label: None,
            passcode: None,
        }
    }

    #[test]
    fn csv_lines_quote_text_and_leave_missing_values_null() {
        let cases = [
            (row(None, None), "", "\"BD7K2M9Q4X\",\"a4cf12000001\",,,,\n"),
            (
                row(Some("Kitchen, \"left\""), Some("")),
                ",\"p1\",7,7",
                "\"BD7K2M9Q4X\",\"a4cf12000001\",\"Kitchen, \"\"left\"\"\",\"\",,,\"p1\",7,7\n",
            ),
            (
                row(Some("\\.\nnext"), None),
                "",
                "\"BD7K2M9Q4X\",\"a4cf12000001\",\"\\.\nnext\",,,\n",
            ),
        ];
        for (row, suffix, want) in cases {
            let mut line = String::new();
            csv_line(&mut line, &row, suffix);
            assert_eq!(line, want);
        }
        // A hash is bytea's hex form, unquoted.
        let mut hashed = row(None, None);
        hashed.passcode = crate::adopted::PasscodeHash::from_slice(&[0xab; 32]);
        let mut line = String::new();
        csv_line(&mut line, &hashed, "");
        let want = format!(
            "\"BD7K2M9Q4X\",\"a4cf12000001\",,,,\\x{}\n",
            "ab".repeat(32)
        );
        assert_eq!(line, want);
    }
}
