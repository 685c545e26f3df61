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
//! differ per backend: `json_each` upserts on SQLite (`sqlite`), `COPY` on PostgreSQL
//! (`postgres`), each behind its cargo feature.
//!
//! The stages, each in its own file and each using only the ones above it: `rows` reads the
//! file, `check` checks rows, `stream` feeds the optimistic way, `write` is what both
//! databases share, `sqlite` and `postgres` write; `template` and `export` are the import's
//! two downloads.
//!
//! A row with an SN of a batch activates that SN; a row without an SN (or with an SN Bindery
//! did not make) creates the device, its SN defaulting to the DeviceKey.

mod check;
mod export;
#[cfg(feature = "postgres")]
mod postgres;
mod rows;
#[cfg(feature = "sqlite")]
mod sqlite;
mod stream;
mod template;
mod write;
#[cfg(feature = "xlsx")]
mod xlsx;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::Json;
use bindery_core::api::{ErrorBody, ImportReport};
use bindery_core::{ErrorCode, ProductKey};
use serde::Deserialize;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub use export::{export, export_csv};
pub use rows::ImportFile;
pub use template::{template, FormatQuery};
pub use write::ImportMode;

use crate::db::Backend;
use crate::developer::products::owned_product;
use crate::error::ApiError;
use crate::extract::DevKey;
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
            postgres::import(pool, product_key, body, mode).await?
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

/// `POST /v1/products/{pk}/devices/import?mode=atomic|partial`: the DeviceKey↔SN file (the
/// template's CSV in UTF-8, or XLSX) as the body.
#[utoipa::path(post, path = "/v1/products/{pk}/devices/import", tag = "developer", security(("developerKey" = [])),
    params(
        ("pk" = String, Path, description = "The product key."),
        ModeQuery,
    ),
    request_body(content(
        (String = "text/csv"),
        (inline(FileBytes) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ), description = "The file, as the import template lays it out."),
    responses(
        (status = 200, description = "Imported; the refused rows are listed.", body = ImportReport),
        (status = 400, description = "`invalid_request`: an unknown mode, or a file that is empty, not UTF-8, unreadable as XLSX or without the template's header.", body = ErrorBody),
        (status = 403, description = "`forbidden`: another key's product.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such product.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: the file is over the import limit.", body = ErrorBody),
    ))]
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
