//! The support view: everything about one SN, and the bind attempt behind a request id
//! (the id the app shows on its error screens). Needs a support key.

use axum::extract::{Path, State};
use axum::Json;
use bindery_core::api::{BindAttempt, CurrentBinding, ErrorBody, SupportDevice};
use bindery_core::{ErrorCode, ProductKey, Sn};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::db::from_ms;
use crate::error::ApiError;
use crate::extract::SupportKey;
use crate::state::AppState;

/// `/v1/support/devices/{sn}` and `/v1/support/requests/{request_id}`, each with its
/// documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(device_view))
        .routes(routes!(request_view))
}

/// A bind attempt as [`ATTEMPT_SELECT`] reads it.
#[derive(Debug, sqlx::FromRow)]
struct AttemptRow {
    at: i64,
    /// The account's email (`NULL` once the account is gone).
    account: Option<String>,
    result: String,
    request_id: String,
    sn: Option<String>,
}

const ATTEMPT_SELECT: &str = "SELECT a.at AS at, ac.email AS account, a.result AS result, \
     a.request_id AS request_id, a.sn AS sn \
     FROM bind_attempts a LEFT JOIN accounts ac ON ac.uid = a.uid";

fn attempt_from_row(row: AttemptRow) -> BindAttempt {
    BindAttempt {
        at: from_ms(row.at),
        account: row.account,
        result: row.result,
        request_id: row.request_id,
        sn: row.sn.and_then(|s| Sn::parse(&s).ok()),
    }
}

/// A device as the support view reads it.
#[derive(Debug, sqlx::FromRow)]
struct DeviceRow {
    sn: String,
    product_key: String,
    product_name: String,
    device_key: Option<String>,
    batch_id: Option<String>,
    imported_at: Option<i64>,
}

/// The current binding of a device, as the support view reads it.
#[derive(Debug, sqlx::FromRow)]
struct BindingRow {
    account_email: String,
    name: String,
    bound_at: i64,
}

/// Everything support may see about `sn`; `sn_not_found` if there is no such device.
pub async fn support_device(state: &AppState, sn: &str) -> Result<SupportDevice, ApiError> {
    let row: Option<DeviceRow> = sqlx::query_as(
        "SELECT d.sn AS sn, d.product_key AS product_key, p.name AS product_name, \
         d.device_key AS device_key, d.batch_id AS batch_id, d.imported_at AS imported_at \
         FROM devices d JOIN products p ON p.product_key = d.product_key WHERE d.sn = $1",
    )
    .bind(sn)
    .fetch_optional(&state.db)
    .await?;
    let Some(device) = row else {
        return Err(ApiError::new(ErrorCode::SnNotFound));
    };
    let binding: Option<BindingRow> = sqlx::query_as(
        "SELECT ac.email AS account_email, b.name AS name, b.bound_at AS bound_at \
         FROM bindings b JOIN accounts ac ON ac.uid = b.uid WHERE b.sn = $1",
    )
    .bind(&device.sn)
    .fetch_optional(&state.db)
    .await?;
    let sql = format!("{ATTEMPT_SELECT} WHERE a.sn = $1 ORDER BY a.at, a.attempt_id");
    let attempts: Vec<AttemptRow> = sqlx::query_as(&sql)
        .bind(&device.sn)
        .fetch_all(&state.db)
        .await?;
    Ok(SupportDevice {
        sn: Sn::parse(&device.sn).map_err(|e| ApiError::internal_in("stored SN", e))?,
        product_key: ProductKey::parse(&device.product_key)
            .map_err(|e| ApiError::internal_in("stored product key", e))?,
        product_name: device.product_name,
        device_key: device.device_key,
        batch_id: device.batch_id,
        imported_at: device.imported_at.map(from_ms),
        binding: binding.map(|b| CurrentBinding {
            account_email: b.account_email,
            name: b.name,
            bound_at: from_ms(b.bound_at),
        }),
        attempts: attempts.into_iter().map(attempt_from_row).collect(),
    })
}

/// Everything about one SN: its product, DeviceKey, batch, binding and bind attempts.
#[utoipa::path(get, path = "/v1/support/devices/{sn}", tag = "support", security(("supportKey" = [])),
    params(("sn" = String, Path, description = "The device's SN.")),
    responses(
        (status = 200, description = "The device.", body = SupportDevice),
        (status = 404, description = "`sn_not_found`: no device has this SN.", body = ErrorBody),
    ))]
async fn device_view(
    State(state): State<AppState>,
    _key: SupportKey,
    Path(sn): Path<String>,
) -> Result<Json<SupportDevice>, ApiError> {
    Ok(Json(support_device(&state, &sn).await?))
}

/// The bind attempt behind a request id (the id the app's error screens show).
#[utoipa::path(get, path = "/v1/support/requests/{request_id}", tag = "support", security(("supportKey" = [])),
    params(("request_id" = String, Path, description = "`req_` and 24 hex digits.")),
    responses(
        (status = 200, description = "The attempt.", body = BindAttempt),
        (status = 404, description = "`not_found`: no bind attempt has this request id.", body = ErrorBody),
    ))]
async fn request_view(
    State(state): State<AppState>,
    _key: SupportKey,
    Path(request_id): Path<String>,
) -> Result<Json<BindAttempt>, ApiError> {
    let sql = format!("{ATTEMPT_SELECT} WHERE a.request_id = $1");
    let row: Option<AttemptRow> = sqlx::query_as(&sql)
        .bind(&request_id)
        .fetch_optional(&state.db)
        .await?;
    row.map(attempt_from_row).map(Json).ok_or_else(|| {
        ApiError::with_message(ErrorCode::NotFound, "no bind attempt has this request id")
    })
}
