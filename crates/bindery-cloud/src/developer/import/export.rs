//! The device export: a product's devices as CSV, every cell neutralised against formula
//! injection (the import reads such cells back as they were).

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bindery_core::api::ErrorBody;
use bindery_core::ProductKey;

use crate::db::from_ms;
use crate::developer::products::{owned_product, product};
use crate::error::ApiError;
use crate::extract::Maker;
use crate::labels::csv_safe;
use crate::state::AppState;

/// A device as the export reads it.
#[derive(Debug, sqlx::FromRow)]
struct ExportRow {
    sn: String,
    device_key: Option<String>,
    device_name: Option<String>,
    fingerprint: Option<String>,
    batch_id: Option<String>,
    imported_at: Option<i64>,
}

/// `GET /v1/products/{pk}/devices/export`: the product's devices as CSV. Free-text cells are
/// neutralised against formula injection, so a name typed as `=HYPERLINK(…)` stays text.
#[utoipa::path(get, path = "/v1/products/{pk}/devices/export", tag = "developer", security(("developerKey" = []), ("bearer" = [], "organisation" = [])),
    params(("pk" = String, Path, description = "The product key.")),
    responses(
        (status = 200, description = "`sn,device_key,device_name,fingerprint,batch_id,imported_at`, one device a row.",
            body = String, content_type = "text/csv"),
        (status = 403, description = "`forbidden`: another organisation's product.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such product.", body = ErrorBody),
    ))]
pub async fn export(
    State(state): State<AppState>,
    key: Maker,
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
    let rows: Vec<ExportRow> = sqlx::query_as(&format!(
        "SELECT sn, device_key, device_name, fingerprint, batch_id, imported_at FROM devices d \
             WHERE product_key = $1 AND {} ORDER BY created_at, sn",
        crate::db::live("d")
    ))
    .bind(product_key.as_str())
    .fetch_all(&state.db)
    .await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::internal_in("export csv", e);
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
    for row in rows {
        let imported_at = row
            .imported_at
            .map(|t| {
                from_ms(t)
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        writer
            .write_record([
                // An imported SN may start with `-`: every cell is made safe, not only the
                // free-text ones.
                csv_safe(&row.sn),
                csv_safe(&row.device_key.unwrap_or_default()),
                csv_safe(&row.device_name.unwrap_or_default()),
                csv_safe(&row.fingerprint.unwrap_or_default()),
                row.batch_id.unwrap_or_default(),
                imported_at,
            ])
            .map_err(fail)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::internal_in("export csv", e.into_error()))?;
    String::from_utf8(bytes).map_err(|e| ApiError::internal_in("export csv", e))
}
