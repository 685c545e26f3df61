//! A product's devices, a page at a time, for the console's Devices page: in SN order with
//! keyset paging (`after` = the last SN seen), searched by SN or DeviceKey prefix, each with
//! where it stands (not activated, activated, bound). Every page is an index range, on
//! `(product_key, sn)` or on the unique `device_key`, so the first page, the ten-thousandth
//! and a search cost the same at a million devices; an `OFFSET` would read every row it skips.

use axum::extract::{Path, Query, State};
use axum::Json;
use bindery_core::api::{ErrorBody, MakerDevice, MakerDeviceList, MakerDeviceStatus};
use bindery_core::Sn;
use serde::Deserialize;

use crate::db::{from_ms, Backend};
use crate::developer::products::org_product;
use crate::error::ApiError;
use crate::extract::OrgReader;
use crate::state::AppState;

/// The query of `GET /v1/products/{pk}/devices`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeviceQuery {
    /// Only devices whose SN starts with this (SNs are upper-case; the search is too).
    #[param(pattern = r"^\s*[A-Za-z0-9:_-]{0,64}\s*$")]
    sn: Option<String>,
    /// Only devices whose DeviceKey starts with this (MACs are lower-case; the search is too).
    /// Such a page is in DeviceKey order.
    #[param(pattern = r"^\s*[A-Za-z0-9:_-]{0,64}\s*$")]
    device_key: Option<String>,
    /// The page after this one: the previous page's `next_after` (an SN, or a DeviceKey when
    /// searching by DeviceKey).
    after: Option<String>,
    /// Devices per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

#[derive(Debug, sqlx::FromRow)]
struct DeviceRow {
    sn: String,
    device_key: Option<String>,
    batch_id: Option<String>,
    imported_at: Option<i64>,
    bound: i64,
}

/// One page: `{column}` (the SN or the DeviceKey) from `$2` (`{from}`: `>` past the previous
/// page, `>=` at a prefix) up to `$3` (past the prefix), in `{column}` order: one range of the
/// `(product_key, sn)` index, or of the unique index on `device_key` (filtered to the
/// product). The lower bound is one parameter, chosen here: given both
/// `> after` and `>= prefix`, SQLite ranged over the first and filtered a million rows by
/// the second (80 ms instead of 0.4).
const PAGE_SQL: &str = "SELECT d.sn AS sn, d.device_key AS device_key, d.batch_id AS batch_id, \
     d.imported_at AS imported_at, \
     (CASE WHEN EXISTS (SELECT 1 FROM bindings b \
     WHERE b.product_key = d.product_key AND b.sn = d.sn) THEN 1 ELSE 0 END) AS bound \
     FROM devices d WHERE {product} = $1 AND d.{column}{c} {from} $2 \
     AND d.{column}{c} < $3 AND {live} ORDER BY d.{column}{c} LIMIT $4";

/// Past every value that starts with `prefix`: SNs, MACs and IMEIs are ASCII, and DEL sorts
/// after every printable ASCII character in byte order — SQLite's, and PostgreSQL's `"C"`
/// collation, which the query and the migration's indexes use there (a language collation
/// may ignore punctuation and DEL, which would break the range).
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{7f}")
}

/// A search prefix: trimmed, ASCII letters, digits and `-:_` only, at most 64.
fn checked_prefix(prefix: Option<&str>) -> Result<Option<&str>, ApiError> {
    let Some(prefix) = prefix.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    if prefix.len() > 64
        || !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '_'))
    {
        return Err(ApiError::invalid(
            "search by the start of an SN, MAC or IMEI: letters and digits, at most 64",
        ));
    }
    Ok(Some(prefix))
}

/// `GET /v1/products/{pk}/devices`: one page of the product's devices.
#[utoipa::path(get, path = "/v1/products/{pk}/devices", tag = "developer",
    security(("developerKey" = []), ("supportKey" = []), ("bearer" = [], "organisation" = [])),
    params(("pk" = String, Path, description = "The product key."), DeviceQuery),
    responses(
        (status = 200, description = "One page, in SN order (DeviceKey order for a DeviceKey search).", body = MakerDeviceList),
        (status = 403, description = "`forbidden`: another organisation's product.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such product.", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    reader: OrgReader,
    Path(pk): Path<String>,
    Query(query): Query<DeviceQuery>,
) -> Result<Json<MakerDeviceList>, ApiError> {
    let product = org_product(&state, &reader.org_id, &pk).await?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit must be 1 to 200"));
    }
    let sn = checked_prefix(query.sn.as_deref())?;
    let device_key = checked_prefix(query.device_key.as_deref())?;
    let (column, prefix) = match (sn, device_key) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "search by sn or by device_key, not both at once",
            ))
        }
        (Some(sn), None) => ("sn", sn.to_ascii_uppercase()),
        (None, Some(key)) => ("device_key", key.to_ascii_lowercase()),
        (None, None) => ("sn", String::new()),
    };
    let (collate, end) = if column == "sn" {
        let collate = match state.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " COLLATE \"C\"",
        };
        (collate, prefix_end(&prefix))
    } else {
        // DeviceKeys are stored as lower-case hex digits (a MAC) or digits (an IMEI), which
        // every collation orders alike: the search ranges over the product's part of the
        // unique index on (product_key, device_key) as it is, up to `g`, past every hex
        // digit. A prefix with any other character names no DeviceKey.
        if !prefix.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(Json(MakerDeviceList {
                product_key: product.product_key,
                devices: Vec::new(),
                next_after: None,
            }));
        }
        ("", format!("{prefix}g"))
    };
    let after = query.after.unwrap_or_default();
    let (from, lower) = if after.as_str() >= prefix.as_str() && !after.is_empty() {
        (">", after)
    } else {
        (">=", prefix.clone())
    };
    let sql = PAGE_SQL
        .replace("{column}", column)
        .replace("{c}", collate)
        .replace("{from}", from)
        .replace("{product}", "d.product_key")
        .replace("{live}", &crate::db::live("d"));
    let mut rows: Vec<DeviceRow> = sqlx::query_as(&sql)
        .bind(product.product_key.as_str())
        .bind(lower)
        .bind(end)
        .bind(limit + 1)
        .fetch_all(&state.db)
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_after = match rows.last() {
        Some(last) if more => Some(if column == "sn" {
            last.sn.clone()
        } else {
            last.device_key.clone().unwrap_or_default()
        }),
        _ => None,
    };
    let devices = rows
        .into_iter()
        .map(|row| {
            Ok(MakerDevice {
                sn: Sn::parse(&row.sn).map_err(|e| ApiError::internal_in("stored SN", e))?,
                status: if row.bound != 0 {
                    MakerDeviceStatus::Bound
                } else if row.imported_at.is_some() {
                    MakerDeviceStatus::Activated
                } else {
                    MakerDeviceStatus::NotActivated
                },
                device_key: row.device_key,
                batch_id: row.batch_id,
                imported_at: row.imported_at.map(from_ms),
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(MakerDeviceList {
        product_key: product.product_key,
        devices,
        next_after,
    }))
}
