//! Pairing one device at a time: the call a pairing station on the production line makes
//! when it has read a module's IMEI (or MAC) and the device's Bindery label (issue 18). It
//! does for one device what a DeviceKey↔SN import row does — the SN gets its DeviceKey and
//! can be bound — but answers at once, and a repeat is harmless: the station may read the
//! same device twice, or retry after a lost answer.
//!
//! `PUT` because the call sets one value of one device: the same pair again changes nothing
//! (200 `already_paired`), where a `POST` of pairs would have had to invent the idempotency
//! a `PUT` has by definition. A conflicting pair is refused with a code of its own, so the
//! station can tell its worker which of the two labels is wrong.
//!
//! The write is a single conditional `UPDATE` (only an SN of this product without a
//! DeviceKey), and the unique index on `devices.device_key` decides between two stations
//! pairing the same module at once: no read-then-write race. What went wrong is read only
//! after the write was refused.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use bindery_core::api::{ErrorBody, Pair, PairRequest, PairStatus};
use bindery_core::{DeviceKey, ErrorCode, ProductKey, Sn};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::db::{is_unique_violation, now_ms};
use crate::developer::owned_product;
use crate::error::ApiError;
use crate::extract::{ApiJson, Maker};
use crate::state::AppState;

/// `PUT /v1/products/{pk}/devices/{sn}/device-key`, with its documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(pair_device))
}

/// `PUT /v1/products/{pk}/devices/{sn}/device-key`: pairs the SN with a DeviceKey.
#[utoipa::path(put, path = "/v1/products/{pk}/devices/{sn}/device-key", tag = "developer", security(("developerKey" = []), ("bearer" = [], "organisation" = [])),
    params(
        ("pk" = String, Path, description = "The product key."),
        ("sn" = String, Path, description = "The device's SN, as its label says."),
    ),
    request_body = PairRequest,
    responses(
        (status = 201, description = "Paired: the SN had no DeviceKey and has this one now, so it can be bound.", body = Pair),
        (status = 200, description = "Already paired with exactly this DeviceKey; nothing changed.", body = Pair),
        (status = 400, description = "`invalid_request`: the DeviceKey is not an IMEI (15 digits, Luhn) or a MAC, or the SN is malformed.", body = ErrorBody),
        (status = 403, description = "`forbidden`: another organisation's product.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such product; `sn_not_found`: the product has no device with this SN.", body = ErrorBody),
        (status = 409, description = "`sn_already_paired`: the SN has another DeviceKey; `device_key_in_use`: another device has this DeviceKey.", body = ErrorBody),
    ))]
pub async fn pair_device(
    State(state): State<AppState>,
    key: Maker,
    Path((pk, sn)): Path<(String, String)>,
    ApiJson(request): ApiJson<PairRequest>,
) -> Result<(StatusCode, Json<Pair>), ApiError> {
    let product = owned_product(&state, &key, &pk).await?;
    let sn = Sn::parse(&sn).map_err(|e| ApiError::invalid(e.to_string()))?;
    let device_key =
        DeviceKey::parse(&request.device_key).map_err(|e| ApiError::invalid(e.to_string()))?;
    let status = pair(&state, &product.product_key, &sn, &device_key).await?;
    let code = match status {
        PairStatus::Paired => StatusCode::CREATED,
        PairStatus::AlreadyPaired => StatusCode::OK,
    };
    Ok((
        code,
        Json(Pair {
            product_key: product.product_key,
            sn,
            device_key: device_key.as_str().to_owned(),
            status,
        }),
    ))
}

/// Pairs `sn` of `product_key` with `device_key`: the shared work of the HTTP call and of
/// tests. `Paired` when written now, `AlreadyPaired` when it was already this pair.
pub async fn pair(
    state: &AppState,
    product_key: &ProductKey,
    sn: &Sn,
    device_key: &DeviceKey,
) -> Result<PairStatus, ApiError> {
    let written = sqlx::query(
        "UPDATE devices SET device_key = $1, imported_at = $2 \
         WHERE sn = $3 AND product_key = $4 AND device_key IS NULL",
    )
    .bind(device_key.as_str())
    .bind(now_ms())
    .bind(sn.as_str())
    .bind(product_key.as_str())
    .execute(&state.writer)
    .await;
    match written {
        Ok(done) if done.rows_affected() == 1 => return Ok(PairStatus::Paired),
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(key_in_use(state, product_key, device_key).await?);
        }
        Err(e) => return Err(e.into()),
    }
    // Nothing written: the SN is not this product's, or it has a DeviceKey already.
    let stored: Option<(Option<String>,)> =
        sqlx::query_as("SELECT device_key FROM devices WHERE sn = $1 AND product_key = $2")
            .bind(sn.as_str())
            .bind(product_key.as_str())
            .fetch_optional(&state.writer)
            .await?;
    match stored {
        None => Err(ApiError::with_message(
            ErrorCode::SnNotFound,
            format!("product {product_key} has no device with SN {sn}: check that the label belongs to this product"),
        )),
        Some((Some(stored),)) if stored == device_key.as_str() => Ok(PairStatus::AlreadyPaired),
        Some((Some(stored),)) => Err(ApiError::with_message(
            ErrorCode::SnAlreadyPaired,
            format!("SN {sn} is already paired with DeviceKey {stored}, not {device_key}", device_key = device_key.as_str()),
        )),
        // Unpaired yet not written: only a concurrent unpairing could do that, which no call
        // does today.
        Some((None,)) => Err(ApiError::internal(format!(
            "SN {sn} has no DeviceKey but the pairing wrote nothing"
        ))),
    }
}

/// `device_key_in_use`, naming the product's device that has the key (a DeviceKey is unique
/// within its product; other products' devices do not count).
async fn key_in_use(
    state: &AppState,
    product_key: &ProductKey,
    device_key: &DeviceKey,
) -> Result<ApiError, ApiError> {
    let holder: Option<String> =
        sqlx::query_scalar("SELECT sn FROM devices WHERE device_key = $1 AND product_key = $2")
            .bind(device_key.as_str())
            .bind(product_key.as_str())
            .fetch_optional(&state.writer)
            .await?;
    let key = device_key.as_str();
    let message = match holder {
        Some(sn) => format!("DeviceKey {key} is already paired with SN {sn}"),
        // Unpaired again between the write and this read.
        None => format!("DeviceKey {key} was paired with another device of this product a moment ago: try again"),
    };
    Ok(ApiError::with_message(ErrorCode::DeviceKeyInUse, message))
}
