//! The DeviceKey↔SN import (CSV or XLSX), its template, and the device export.
//!
//! Every row is checked: DeviceKey (IMEI Luhn or MAC), product key, SN, name; duplicates
//! within the file; against the database. Atomic mode (the default) writes nothing if any
//! row is refused; partial mode writes the good rows. Either way a process killed
//! mid-import leaves the database as it was: the writes are one transaction, or on SQLite
//! staged rows that stay hidden and are undone at the next start.
//!
//! An import goes one of two ways. The optimistic way is for the common file, where every
//! row is good: the rows are read and checked on a blocking thread and handed to the
//! database in chunks while later rows are still being read, and the unique indexes are the
//! check against the database and against repeats within the file. As soon as a row is
//! refused (by the checks or by the database) what it wrote is undone and the file
//! takes the checked way: every row read again and checked, then checked against the
//! database, then written, so that the report names each refused row and why. The writes
//! differ per backend: on SQLite (`sqlite`) the optimistic way is staged, `json_each`
//! upserts a chunk per transaction of rows hidden until the import ends, so that the one
//! writer is never held for a whole file; `COPY` in one transaction on PostgreSQL
//! (`postgres`), where binds go on beside it. Each is behind its cargo feature.
//!
//! The stages, each in its own file and each using only the ones above it: `form` takes the
//! file out of the request (raw or a browser's form), `text` decodes a CSV's encoding,
//! `header` finds the columns by their names, `rows` reads the file (CSV, or XLSX by
//! `xlsx`) numbering rows as a spreadsheet shows them, `numbers`, `adopt` (labels already
//! printed and passcodes) and `check` check rows, `classify` checks them against the
//! database, `stream` feeds the optimistic way, `write` is what both databases share,
//! `sqlite` and `postgres` write; `error` is why a file is refused whole; `template` and
//! `export` are the import's two downloads.
//!
//! A row with an SN of a batch activates that SN; a row without an SN (or with an SN Bindery
//! did not make) creates the device, its SN defaulting to the DeviceKey. A row may also adopt
//! a label printed by another system for its device, and give its Gizwits passcode
//! (docs/product.md §2.3); both are stored as keyed hashes only. A row repeating a device
//! imported before (same SN and DeviceKey) gives it the label or passcode it lacks.

mod adopt;
mod check;
mod classify;
mod error;
mod export;
mod form;
mod header;
mod numbers;
#[cfg(feature = "postgres")]
mod postgres;
mod rows;
#[cfg(feature = "sqlite")]
mod sqlite;
mod stream;
mod template;
mod text;
mod write;
#[cfg(feature = "xlsx")]
mod xlsx;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::Json;
use bindery_core::api::{ErrorBody, ImportReport};
use bindery_core::ProductKey;
use serde::Deserialize;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub use export::{export, export_csv};
pub use header::IMPORT_TEMPLATE_HEADER_ZH;
pub use rows::ImportFile;
pub use template::{template, FormatQuery};
pub use write::ImportMode;

use crate::audit;
use crate::db::Backend;
use crate::developer::products::owned_product;
use crate::error::ApiError;
use crate::extract::Maker;
use crate::openapi::FileBytes;
use crate::state::{AppState, Limits};

/// The template, the import (with the import body limit instead of the JSON one) and the
/// export, each with its documentation.
pub fn router(limits: &Limits) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(template::template))
        .routes(routes!(import).layer(DefaultBodyLimit::max(limits.import_body_bytes)))
        .routes(routes!(export::export))
}

/// A browser's form upload of an import file (documentation of the request body).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Only its schema is used: the form is read part by part.
pub struct ImportForm {
    /// The file: CSV or XLSX, as for a raw upload.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `atomic` or `partial`, instead of `?mode=` (both may be given when they agree).
    #[schema(pattern = "^(atomic|partial)$")]
    mode: Option<String>,
}

/// `?mode=atomic|partial`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ModeQuery {
    /// `atomic` (the default: nothing is written if any row is refused) or `partial` (the
    /// good rows are written).
    #[serde(default)]
    #[param(pattern = "^(atomic|partial)$")]
    pub mode: Option<String>,
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
    let body = ImportFile {
        bytes: body.into(),
        xlsx: state.limits.xlsx,
    };
    let written = match state.backend {
        #[cfg(feature = "postgres")]
        Backend::Postgres => {
            let pool = state
                .pg_bulk
                .as_ref()
                .ok_or_else(|| ApiError::internal("no COPY pool on PostgreSQL"))?;
            postgres::import(pool, &state.secret, product_key, body, mode).await?
        }
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => sqlite::import(state, product_key, body, mode).await?,
        // A state of a backend this build lacks cannot be opened; this is only for the match.
        #[cfg(not(all(feature = "sqlite", feature = "postgres")))]
        other => {
            return Err(ApiError::internal(format!(
                "this build cannot import into {}",
                other.name()
            )))
        }
    };
    tracing::info!(
        product_key = %product_key,
        imported = written.imported,
        updated = written.updated,
        rejected = written.rejected.len(),
        checked_way = written.checked_way,
        ms = started.elapsed().as_millis() as u64,
        "import finished"
    );
    Ok(ImportReport {
        imported: written.imported as u64,
        updated: written.updated as u64,
        rejected: written.rejected,
    })
}

/// `POST /v1/products/{pk}/devices/import?mode=atomic|partial`: the DeviceKey↔SN file (CSV
/// or XLSX) as the body, or as the `file` field of a browser's form.
#[utoipa::path(post, path = "/v1/products/{pk}/devices/import", tag = "developer", security(("developerKey" = []), ("bearer" = [], "organisation" = [])),
    params(
        ("pk" = String, Path, description = "The product key."),
        ModeQuery,
    ),
    request_body(content(
        (String = "text/csv"),
        (inline(FileBytes) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (ImportForm = "multipart/form-data"),
    ), description = "The file, with a header the import knows (the template's, in English or Chinese, or Quectel's SN↔IMEI export's). CSV in UTF-8 (with or without a byte-order mark), UTF-16 with a mark, or GB18030/GBK; commas, or tabs when the header has them; any line ends. Or a form whose `file` field (or only file) is the file, with an optional `mode` field."),
    responses(
        (status = 200, description = "Imported; the refused rows are listed by the row a spreadsheet shows.", body = ImportReport),
        (status = 400, description = "`invalid_request`: an unknown mode; a file that is empty, in another encoding, unreadable as XLSX, or whose header names a column the import does not know or no DeviceKey column; a form without a file.", body = ErrorBody),
        (status = 403, description = "`forbidden`: another organisation's product.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such product.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: the file (or form) is over the import limit.", body = ErrorBody),
    ))]
pub async fn import(
    State(state): State<AppState>,
    key: Maker,
    Path(pk): Path<String>,
    Query(query): Query<ModeQuery>,
    request: Request,
) -> Result<Json<ImportReport>, ApiError> {
    let product = owned_product(&state, &key, &pk).await?;
    let upload = form::read_upload(request, &state).await?;
    let mode = match form::mode_of(query.mode, upload.mode)?.as_deref() {
        None | Some("atomic") => ImportMode::Atomic,
        Some("partial") => ImportMode::Partial,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "mode must be atomic or partial, not {other:?}"
            )))
        }
    };
    let report = import_file(&state, &product.product_key, upload.file, mode).await?;
    let detail = format!(
        "{} imported, {} updated, {} refused ({})",
        report.imported,
        report.updated,
        report.rejected.len(),
        match mode {
            ImportMode::Atomic => "atomic",
            ImportMode::Partial => "partial",
        }
    );
    let pk = product.product_key.as_str();
    audit::record(
        &state,
        &key.org_id,
        &key.actor,
        "devices.import",
        pk,
        &detail,
    )
    .await?;
    Ok(Json(report))
}
