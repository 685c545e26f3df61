//! The import on SQLite, on the single writer connection.
//!
//! The staged way comes first, for a file of new devices and activations of batch SNs (the
//! common imports, and the million-row ones). Each chunk of rows goes to SQLite as one JSON
//! text, unpacked by `json_each` in one upsert (a million values bound one by one through
//! sqlx cost more than SQLite's writing of the rows, and the JSON is made on the reader's
//! thread while SQLite writes the previous chunk), in its own short transaction, its rows
//! marked with the import's id and invisible (`db::live`) until the import's
//! `import_pending` row is deleted at the end. SQLite has one writer, and an import holding
//! it for seconds made every bind wait that long (issue 14's soak: bind p99 4.6 s during a
//! million-row import); now a bind waits for one chunk at most. A chunk that changes fewer
//! rows than it holds (an SN that exists and cannot be activated; a DeviceKey or label
//! taken; a repeat) ends the staged way: what it wrote is undone, chunk by chunk (created
//! devices deleted, activated batch SNs put back), and the file takes the checked way.
//! (An optimistic way that upserted the whole file in one transaction used to come between
//! the two: once the staged way took activations too, it could only fail where the staged
//! way had, after holding the writer for the whole file.)
//!
//! Decision: while an activation is staged, its batch SN is hidden like a new device, so a
//! label of it scanned in those seconds is `sn_not_found` rather than "not activated"; both
//! refuse the bind and say to try again later or ask the seller. Showing it as it was would
//! need every read to tell a staged DeviceKey from a real one.
//!
//! The checked way looks the file's SNs, DeviceKeys and labels up in chunks of `IN (…)`
//! lists, first on a reader: a file with a refused row is answered (atomic mode) or has its
//! good rows written by the staged way (partial mode) without ever holding the writer for
//! them. Only what the staged way cannot write (rows that give devices imported before a
//! label or passcode, labels that read as SNs, or rows someone else changed in between) is
//! looked up again under the writer and written with multi-row statements, in one
//! transaction.

use std::sync::Arc;

use bindery_core::ProductKey;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use super::check::{check_rows, Checked, GoodRow};
use super::classify::{classify, Classified, Existing, KnownDevice};
use super::rows::{joined, ImportFile};
use super::stream::{chunk_rows, stream_rows, Chunk, ChunkFormat, Streamed};
use super::write::{concurrent_change, ImportMode, Written};
use crate::db::{
    is_unique_violation, now_ms, placeholders, values_rows, Backend, RESTORE_ACTIVATED,
};
use crate::error::ApiError;
use crate::state::AppState;

/// Bytes of JSON per upsert (about 12,000 rows of the bench's file: 43 bytes a row).
const JSON_CHUNK: usize = 1 << 19;

/// Rows per multi-row statement of the checked way (SQLite takes one parameter per value; a
/// few thousand per statement stay fast).
const CHUNK: usize = 1000;

/// The chunk `$3` (`[[sn, device_key, name, fingerprint, label_hash, passcode_hash], …]`,
/// the hashes in hex) for product `$1` imported at `$2`, staged under import `$4`: new
/// devices, and activations of the product's batch SNs that have no DeviceKey yet. A row
/// whose SN the product has otherwise is left out of the count of changed rows; a DeviceKey
/// (of the product) or label taken fails the statement (unique index). `WHERE true` lets
/// SQLite parse the upsert after a `SELECT`.
const STAGE_DEVICES: &str = "INSERT INTO devices \
     (sn, product_key, device_key, device_name, fingerprint, label_hash, passcode_hash, imported_at, created_at, pending_import) \
     SELECT value ->> 0, $1, value ->> 1, value ->> 2, value ->> 3, unhex(value ->> 4), unhex(value ->> 5), $2, $2, $4 \
     FROM json_each($3) WHERE true \
     ON CONFLICT (product_key, sn) DO UPDATE SET device_key = excluded.device_key, \
     device_name = excluded.device_name, fingerprint = excluded.fingerprint, \
     label_hash = excluded.label_hash, passcode_hash = excluded.passcode_hash, \
     imported_at = excluded.imported_at, pending_import = excluded.pending_import \
     WHERE devices.device_key IS NULL AND devices.batch_id IS NOT NULL";

/// Rowids per statement when [`unstage`] puts activated rows back: about a staged chunk's
/// rows, so that each statement holds the writer about as long as a chunk did.
const RESTORE_WINDOW: i64 = 10_000;

/// Imports the file `body` into `product_key`. The import runs on to its end (or its clean
/// undoing) even when the caller goes away: a staged import cut off between two chunks would
/// leave rows that hold their SNs until the next start.
pub(super) async fn import(
    state: &AppState,
    product_key: &ProductKey,
    body: ImportFile,
    mode: ImportMode,
) -> Result<Written, ApiError> {
    let (state, product_key) = (state.clone(), product_key.clone());
    tokio::spawn(async move { import_to_end(&state, &product_key, body, mode).await })
        .await
        .map_err(|e| ApiError::internal_in("import task", e))?
}

/// [`import`], in its own task.
async fn import_to_end(
    state: &AppState,
    product_key: &ProductKey,
    body: ImportFile,
    mode: ImportMode,
) -> Result<Written, ApiError> {
    let staged = staged(state, product_key, Source::File(body.clone())).await?;
    if let Some(imported) = staged {
        return Ok(Written {
            imported,
            updated: 0,
            rejected: Vec::new(),
            checked_way: false,
        });
    }
    let checked = check_rows(product_key, &state.secret, body).await?;
    checked_write(state, product_key, checked, mode).await
}

/// The import's transaction. Its first statement writes, which takes SQLite's write lock at
/// once: nobody else writes until it ends, so what it checks stays true until commit.
async fn begin(
    state: &AppState,
    product_key: &ProductKey,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, ApiError> {
    let mut tx = state.writer.begin().await?;
    sqlx::query("UPDATE products SET import_seq = import_seq + 1 WHERE product_key = $1")
        .bind(product_key.as_str())
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// The rows of a chunk as one JSON array of `[sn, device_key, name, fingerprint,
/// label_hash, passcode_hash]` arrays, the hashes in hex.
struct JsonRows;

impl ChunkFormat for JsonRows {
    fn open(&self, text: &mut String) {
        text.push('[');
    }

    fn row(&self, text: &mut String, index: usize, row: &GoodRow) {
        if index > 0 {
            text.push(',');
        }
        text.push('[');
        push_json_text(text, row.sn.as_str());
        text.push(',');
        push_json_text(text, row.device_key.as_str());
        for value in [&row.name, &row.fingerprint] {
            text.push(',');
            match value {
                Some(value) => push_json_text(text, value),
                None => text.push_str("null"),
            }
        }
        let label = row.label.as_ref().map(|l| l.hash.as_bytes());
        for hash in [label, row.passcode.as_ref().map(|p| p.as_bytes())] {
            text.push(',');
            match hash {
                Some(hash) => {
                    text.push('"');
                    text.push_str(&hex::encode(hash));
                    text.push('"');
                }
                None => text.push_str("null"),
            }
        }
        text.push(']');
    }

    fn close(&self, text: &mut String) {
        text.push(']');
    }
}

/// `value` as a JSON string.
fn push_json_text(text: &mut String, value: &str) {
    // SNs and DeviceKeys are plain ASCII; only free text needs escaping.
    if value.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        text.push('"');
        text.push_str(value);
        text.push('"');
    } else {
        text.push_str(&serde_json::Value::from(value).to_string());
    }
}

/// What the staged way writes.
enum Source {
    /// A whole file, read and checked as it is written.
    File(ImportFile),
    /// The rows of a file that passed the checked way's look-ups on a reader.
    Rows(Arc<Vec<GoodRow>>),
}

/// The staged way: the number of rows imported when every row of `source` went in.
/// Otherwise (the reader refused a row, or a row's SN, DeviceKey or label is in the database
/// already or repeats in the file) `None`, with nothing of it left behind, and the checked
/// way names why.
async fn staged(
    state: &AppState,
    product_key: &ProductKey,
    source: Source,
) -> Result<Option<usize>, ApiError> {
    let import_id: i64 = sqlx::query_scalar(
        "INSERT INTO import_pending (product_key, started_at) VALUES ($1, $2) RETURNING import_id",
    )
    .bind(product_key.as_str())
    .bind(now_ms())
    .fetch_one(&state.writer)
    .await?;
    let mut written = StagedWrites::default();
    let outcome = stage_chunks(state, product_key, source, import_id, &mut written).await;
    let done = match outcome {
        Ok(Some(rows)) => match publish(state, product_key, import_id).await {
            Ok(()) => return Ok(Some(rows)),
            Err(e) => Err(e),
        },
        other => other,
    };
    if let Err(e) = unstage(state, import_id, &written).await {
        // The rows stay invisible and go at the next start; the first error is the story.
        tracing::warn!(import_id, error = ?e, "could not remove a staged import's rows");
    }
    done
}

/// Makes the staged import `import_id` visible: one row deleted, whatever its size.
async fn publish(
    state: &AppState,
    product_key: &ProductKey,
    import_id: i64,
) -> Result<(), ApiError> {
    let mut tx = state.writer.begin().await?;
    sqlx::query("UPDATE products SET import_seq = import_seq + 1 WHERE product_key = $1")
        .bind(product_key.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM import_pending WHERE import_id = $1")
        .bind(import_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// What the staged chunks of an import wrote, for [`unstage`] (16 bytes a chunk, where
/// keeping the chunks' text would hold the whole file again for as long as it is imported).
#[derive(Default)]
struct StagedWrites {
    /// The rowids each chunk's new devices took. Its rows are inserted by one statement on
    /// the one writer, after the largest rowid read in the same transaction, so they take
    /// the next ones.
    inserted: Vec<(i64, i64)>,
    /// When chunks activated batch SNs (rows that keep their rowid): the largest rowid before
    /// the last such chunk, which every row they activated is at or below.
    activated_below: Option<i64>,
}

/// Writes the chunks of `source` under `import_id`, one transaction each, noting in
/// `written` what each written chunk changed.
async fn stage_chunks(
    state: &AppState,
    product_key: &ProductKey,
    source: Source,
    import_id: i64,
    written: &mut StagedWrites,
) -> Result<Option<usize>, ApiError> {
    let now = now_ms();
    let (mut chunks, reader) = match source {
        Source::File(body) => stream_rows(body, product_key, &state.secret, JsonRows, JSON_CHUNK),
        Source::Rows(rows) => chunk_rows(rows, JsonRows, JSON_CHUNK),
    };
    let mut standing = true;
    while let Some(Chunk { text, rows }) = chunks.recv().await {
        let mut tx = state.writer.begin().await?;
        let before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(rowid), 0) FROM devices")
            .fetch_one(&mut *tx)
            .await?;
        let staged = sqlx::query(STAGE_DEVICES)
            .bind(product_key.as_str())
            .bind(now)
            .bind(text.as_str())
            .bind(import_id)
            .execute(&mut *tx)
            .await;
        let complete = match staged {
            Ok(done) => done.rows_affected() == rows as u64,
            Err(e) if is_unique_violation(&e) => false,
            Err(e) => return Err(e.into()),
        };
        if !complete {
            // A row the staged way cannot take (see `staged`): this chunk
            // is undone with its transaction.
            tx.rollback().await?;
            standing = false;
            break;
        }
        let after: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(rowid), 0) FROM devices")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        if after > before {
            written.inserted.push((before + 1, after));
        }
        if after - before < rows as i64 {
            // The rest of the chunk's rows were activations, of rows older than the chunk.
            written.activated_below = Some(before);
        }
    }
    // Closing the channel stops the reader at its next chunk.
    drop(chunks);
    Ok(match (standing, joined(reader).await?) {
        (true, Streamed::AllGood(rows)) => Some(rows),
        _ => None,
    })
}

/// Undoes what the staged import `import_id` wrote (`written`), a chunk or window of rowids
/// per transaction: deletes the devices it created and puts the batch SNs it activated back,
/// then removes its `import_pending` row. Only rows marked with the import are touched,
/// whatever a range holds. Rows left by a failure here stay invisible and are undone at the
/// next start ([`crate::db::drop_unfinished_imports`]).
async fn unstage(state: &AppState, import_id: i64, written: &StagedWrites) -> Result<(), ApiError> {
    for &(first, last) in &written.inserted {
        sqlx::query("DELETE FROM devices WHERE rowid BETWEEN $1 AND $2 AND pending_import = $3")
            .bind(first)
            .bind(last)
            .bind(import_id)
            .execute(&state.writer)
            .await?;
    }
    if let Some(below) = written.activated_below {
        let restore = format!(
            "{RESTORE_ACTIVATED} WHERE rowid > $1 AND rowid <= $2 AND pending_import = $3 \
             AND batch_id IS NOT NULL"
        );
        let mut from = 0;
        while from < below {
            let to = (from + RESTORE_WINDOW).min(below);
            sqlx::query(&restore)
                .bind(from)
                .bind(to)
                .bind(import_id)
                .execute(&state.writer)
                .await?;
            from = to;
        }
    }
    sqlx::query("DELETE FROM import_pending WHERE import_id = $1")
        .bind(import_id)
        .execute(&state.writer)
        .await?;
    Ok(())
}

/// The checked way's writes: existence checks in chunks of `IN (…)` lists (first on a
/// reader in atomic mode), then multi-row inserts, the activations and the amends, in one
/// transaction.
async fn checked_write(
    state: &AppState,
    product_key: &ProductKey,
    checked: Checked,
    mode: ImportMode,
) -> Result<Written, ApiError> {
    let Checked {
        good,
        mut rejected,
        columns,
    } = checked;
    // The look-ups are made first on a reader, without the one writer: a million-row file's
    // would hold it for seconds. A file with a refused row writes nothing in atomic mode, so
    // it is answered from there. Otherwise what passed is written by the staged way when it
    // can be (new devices and activations, in short transactions); when it cannot (rows that
    // amend devices, labels that read as SNs, or a change by someone else in between), the
    // rows are looked up again under the lock, where they stay true, and written at once.
    let mut reader = state.db.acquire().await?;
    let existing = look_up(&mut reader, product_key, &good).await?;
    drop(reader);
    let classified = classify(product_key, good, &existing, &columns, &mut rejected);
    let amends = !classified.amend.is_empty();
    let mut good = classified.into_rows();
    if good.is_empty() || (mode == ImportMode::Atomic && !rejected.is_empty()) {
        return Ok(Written::nothing(rejected));
    }
    // No index keeps a label that reads as an SN off every product's SNs: such rows stay
    // under the writer, as do amends (updates of devices that must stay visible).
    let label_sn = good
        .iter()
        .any(|row| row.label.as_ref().is_some_and(|l| l.as_sn.is_some()));
    if !amends && !label_sn {
        let rows = Arc::new(good);
        if let Some(imported) = staged(state, product_key, Source::Rows(rows.clone())).await? {
            return Ok(Written {
                imported,
                updated: 0,
                rejected,
                checked_way: true,
            });
        }
        good = Arc::try_unwrap(rows)
            .map_err(|_| ApiError::internal("the staged rows are still shared"))?;
    }
    let mut tx = begin(state, product_key).await?;
    let existing = look_up(&mut tx, product_key, &good).await?;
    let Classified {
        activate,
        create,
        amend,
    } = classify(product_key, good, &existing, &columns, &mut rejected);

    if mode == ImportMode::Atomic && !rejected.is_empty() {
        tx.rollback().await?;
        return Ok(Written::nothing(rejected));
    }

    let now = now_ms();
    for chunk in create.chunks(CHUNK) {
        insert_devices(&mut tx, product_key, chunk, now)
            .await
            .map_err(concurrent_change)?;
    }
    for row in &activate {
        sqlx::query(
            "UPDATE devices SET device_key = $1, device_name = $2, fingerprint = $3, imported_at = $4, \
             label_hash = $5, passcode_hash = $6 \
             WHERE product_key = $7 AND sn = $8 AND device_key IS NULL",
        )
        .bind(row.device_key.as_str())
        .bind(row.name.clone())
        .bind(row.fingerprint.clone())
        .bind(now)
        .bind(label_hash(row))
        .bind(passcode_hash(row))
        .bind(product_key.as_str())
        .bind(row.sn.as_str())
        .execute(&mut *tx)
        .await
        .map_err(concurrent_change)?;
    }
    for row in &amend {
        // COALESCE: a label or passcode the device already has stays (classify refused
        // rows that would change one; this also holds against a concurrent import).
        sqlx::query(
            "UPDATE devices SET label_hash = COALESCE(label_hash, $1), \
             passcode_hash = COALESCE(passcode_hash, $2) \
             WHERE product_key = $3 AND sn = $4 AND device_key = $5",
        )
        .bind(label_hash(row))
        .bind(passcode_hash(row))
        .bind(product_key.as_str())
        .bind(row.sn.as_str())
        .bind(row.device_key.as_str())
        .execute(&mut *tx)
        .await
        .map_err(concurrent_change)?;
    }
    tx.commit().await?;
    Ok(Written {
        imported: create.len() + activate.len(),
        updated: amend.len(),
        rejected,
        checked_way: true,
    })
}

/// What the database holds of the SNs, DeviceKeys and labels of `good` (to be imported into
/// `product_key`), looked up in chunks of `IN (…)` lists.
async fn look_up(
    conn: &mut AnyConnection,
    product_key: &ProductKey,
    good: &[GoodRow],
) -> Result<Existing, sqlx::Error> {
    let mut existing = Existing::default();
    let pk = Some(product_key.as_str());
    for chunk in good.chunks(CHUNK) {
        let sns: Vec<&str> = chunk.iter().map(|row| row.sn.as_str()).collect();
        let found: Vec<KnownDevice> = select_in(
            &mut *conn,
            "SELECT sn, device_key, label_hash, passcode_hash FROM devices WHERE sn",
            &sns,
            pk,
        )
        .await?;
        for device in found {
            existing.sns.insert(device.sn.clone(), device);
        }
        // Labels that read as SNs must be no device's, in any product.
        let label_sns: Vec<&str> = chunk
            .iter()
            .filter_map(|row| Some(row.label.as_ref()?.as_sn.as_ref()?.as_str()))
            .collect();
        if !label_sns.is_empty() {
            let found: Vec<(String,)> = select_in(
                &mut *conn,
                "SELECT sn FROM devices WHERE sn",
                &label_sns,
                None,
            )
            .await?;
            existing.label_sns.extend(found.into_iter().map(|(sn,)| sn));
        }
        let keys: Vec<&str> = chunk.iter().map(|row| row.device_key.as_str()).collect();
        let found: Vec<(String, String)> = select_in(
            &mut *conn,
            "SELECT device_key, sn FROM devices WHERE device_key",
            &keys,
            pk,
        )
        .await?;
        existing.device_keys.extend(found);
        let labels: Vec<&[u8]> = chunk
            .iter()
            .filter_map(|row| Some(row.label.as_ref()?.hash.as_bytes().as_slice()))
            .collect();
        if !labels.is_empty() {
            existing
                .labels
                .extend(taken_labels(&mut *conn, &labels).await?);
        }
    }
    Ok(existing)
}

/// The rows of `select … column` whose column is one of `values`, and whose product is
/// `product_key` when one is given.
async fn select_in<T>(
    conn: &mut AnyConnection,
    select: &str,
    values: &[&str],
    product_key: Option<&str>,
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
{
    // Plain `?`s only, the product's last: sqlx gives them the arguments in order, and a
    // numbered parameter among a thousand would make SQLite's lookups quadratic.
    let sql = format!(
        "{select} IN ({}){}",
        placeholders(Backend::Sqlite, 1, values.len()),
        if product_key.is_some() {
            " AND product_key = ?"
        } else {
            ""
        }
    );
    let mut query = sqlx::query_as::<_, T>(&sql);
    for value in values {
        query = query.bind(*value);
    }
    if let Some(product_key) = product_key {
        query = query.bind(product_key);
    }
    query.fetch_all(&mut *conn).await
}

/// Which of the label hashes `hashes` are already adopted.
async fn taken_labels(
    conn: &mut AnyConnection,
    hashes: &[&[u8]],
) -> Result<Vec<(Vec<u8>, (String, String))>, sqlx::Error> {
    let sql = format!(
        "SELECT label_hash, product_key, sn FROM devices WHERE label_hash IN ({})",
        placeholders(Backend::Sqlite, 1, hashes.len())
    );
    let mut query = sqlx::query_as::<_, (Vec<u8>, String, String)>(&sql);
    for hash in hashes {
        query = query.bind(*hash);
    }
    let found = query.fetch_all(&mut *conn).await?;
    Ok(found
        .into_iter()
        .map(|(hash, pk, sn)| (hash, (pk, sn)))
        .collect())
}

/// The row's label hash, as stored.
fn label_hash(row: &GoodRow) -> Option<Vec<u8>> {
    row.label.as_ref().map(|l| l.hash.as_bytes().to_vec())
}

/// The row's passcode hash, as stored.
fn passcode_hash(row: &GoodRow) -> Option<Vec<u8>> {
    row.passcode.as_ref().map(|p| p.as_bytes().to_vec())
}

/// Inserts `rows` as new devices of `product_key`, imported at `now`.
async fn insert_devices(
    conn: &mut AnyConnection,
    product_key: &ProductKey,
    rows: &[GoodRow],
    now: i64,
) -> Result<(), sqlx::Error> {
    let values = values_rows(Backend::Sqlite, rows.len(), 9);
    let sql = format!(
        "INSERT INTO devices (sn, product_key, device_key, device_name, fingerprint, label_hash, passcode_hash, imported_at, created_at) VALUES {values}"
    );
    let mut query = sqlx::query(&sql);
    for row in rows {
        query = query
            .bind(row.sn.as_str())
            .bind(product_key.as_str())
            .bind(row.device_key.as_str())
            .bind(row.name.clone())
            .bind(row.fingerprint.clone())
            .bind(label_hash(row))
            .bind(passcode_hash(row))
            .bind(now)
            .bind(now);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bindery_core::{DeviceKey, Sn};

    #[test]
    fn json_rows_escape_free_text_and_leave_missing_values_null() {
        let row = |name: Option<&str>, fingerprint: Option<&str>| GoodRow {
            row: 2,
            device_key: DeviceKey::parse("a4:cf:12:00:00:01").unwrap(),
            sn: Sn::parse("BD7K2M9Q4X").unwrap(),
            name: name.map(str::to_owned),
            fingerprint: fingerprint.map(str::to_owned),
            label: None,
            passcode: None,
        };
        let mut text = String::new();
        JsonRows.open(&mut text);
        JsonRows.row(&mut text, 0, &row(None, None));
        JsonRows.row(
            &mut text,
            1,
            &row(Some("Kitchen \"left\" \\ 灯"), Some("ab:cd")),
        );
        JsonRows.close(&mut text);
        assert_eq!(
            text,
            r#"[["BD7K2M9Q4X","a4cf12000001",null,null,null,null],["BD7K2M9Q4X","a4cf12000001","Kitchen \"left\" \\ 灯","ab:cd",null,null]]"#
        );
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed[1][2], "Kitchen \"left\" \\ 灯");
    }
}
