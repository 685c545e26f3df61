//! The support view: everything about one SN, and the bind attempt behind a request id
//! (the id the app shows on its error screens). Needs a support key.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use bindery_core::api::{BindAttempt, CurrentBinding, SupportDevice};
use bindery_core::{ErrorCode, ProductKey, Sn};

use crate::db::from_ms;
use crate::error::ApiError;
use crate::extract::SupportKey;
use crate::state::AppState;

/// `/v1/support/devices/{sn}` and `/v1/support/requests/{request_id}`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/support/devices/{sn}", get(device_view))
        .route("/v1/support/requests/{request_id}", get(request_view))
}

type AttemptRow = (i64, Option<String>, String, String, Option<String>);

const ATTEMPT_SELECT: &str = "SELECT a.at, ac.email, a.result, a.request_id, a.sn \
     FROM bind_attempts a LEFT JOIN accounts ac ON ac.uid = a.uid";

fn attempt_from_row((at, account, result, request_id, sn): AttemptRow) -> BindAttempt {
    BindAttempt {
        at: from_ms(at),
        account,
        result,
        request_id,
        sn: sn.and_then(|s| Sn::parse(&s).ok()),
    }
}

/// Everything support may see about `sn`; `sn_not_found` if there is no such device.
pub async fn support_device(state: &AppState, sn: &str) -> Result<SupportDevice, ApiError> {
    type Row = (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT d.sn, d.product_key, p.name, d.device_key, d.batch_id, d.imported_at \
         FROM devices d JOIN products p ON p.product_key = d.product_key WHERE d.sn = $1",
    )
    .bind(sn)
    .fetch_optional(&state.db)
    .await?;
    let Some((sn, pk, product_name, device_key, batch_id, imported_at)) = row else {
        return Err(ApiError::new(ErrorCode::SnNotFound));
    };
    let binding: Option<(String, String, i64)> = sqlx::query_as(
        "SELECT ac.email, b.name, b.bound_at FROM bindings b JOIN accounts ac ON ac.uid = b.uid WHERE b.sn = $1",
    )
    .bind(&sn)
    .fetch_optional(&state.db)
    .await?;
    let sql = format!("{ATTEMPT_SELECT} WHERE a.sn = $1 ORDER BY a.at, a.attempt_id");
    let attempts: Vec<AttemptRow> = sqlx::query_as(&sql).bind(&sn).fetch_all(&state.db).await?;
    Ok(SupportDevice {
        sn: Sn::parse(&sn).map_err(|e| ApiError::Internal(e.to_string()))?,
        product_key: ProductKey::parse(&pk).map_err(|e| ApiError::Internal(e.to_string()))?,
        product_name,
        device_key,
        batch_id,
        imported_at: imported_at.map(from_ms),
        binding: binding.map(|(account_email, name, bound_at)| CurrentBinding {
            account_email,
            name,
            bound_at: from_ms(bound_at),
        }),
        attempts: attempts.into_iter().map(attempt_from_row).collect(),
    })
}

async fn device_view(
    State(state): State<AppState>,
    _key: SupportKey,
    Path(sn): Path<String>,
) -> Result<Json<SupportDevice>, ApiError> {
    Ok(Json(support_device(&state, &sn).await?))
}

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
