//! The support view: find a device by SN, DeviceKey, request id (the id the app shows on its
//! error screens) or the customer's email; everything about one device (an SN, and its product
//! when several products have that SN); the bind attempt behind a
//! request id; and unbinding a device for a customer, with a reason that goes to the audit
//! log. Callers are support keys (an organisation's see its devices; the operator's, made by
//! `dev-key create --support`, every device) and the owners and support people of an
//! organisation in the console. A device of another organisation answers as if it did not
//! exist, and owners' emails are shown partly masked.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use bindery_core::api::{
    BindAttempt, CurrentBinding, ErrorBody, SupportDevice, SupportMatch, SupportSearch,
    UnbindRequest,
};
use bindery_core::{ErrorCode, ProductKey, Sn};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit;
use crate::db::from_ms;
use crate::error::ApiError;
use crate::extract::{ApiJson, SupportCaller};
use crate::state::AppState;

/// `/v1/support/devices/{sn}` and `/v1/support/requests/{request_id}`, each with its
/// documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(device_view))
        .routes(routes!(request_view))
        .routes(routes!(search))
        .routes(routes!(unbind))
}

/// `ann@example.com` as `a***@example.com`: enough for support to recognise the address a
/// customer gives, not enough to read someone's address off the screen.
pub fn masked_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
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

/// Everything the operator may see about the device `sn` (of `product_key`, needed only
/// when several products have the SN) — the server's CLI: emails in full; `sn_not_found` if
/// there is no such device.
pub async fn support_device(
    state: &AppState,
    sn: &str,
    product_key: Option<&str>,
) -> Result<SupportDevice, ApiError> {
    support_device_in(state, None, sn, product_key).await
}

/// Everything support of `org_id` (`None`: the operator) may see about the device `sn` (of
/// `product_key`, needed only when several of the products it sees have the SN);
/// `sn_not_found` if there is no such device in it.
pub async fn support_device_in(
    state: &AppState,
    org_id: Option<&str>,
    sn: &str,
    product_key: Option<&str>,
) -> Result<SupportDevice, ApiError> {
    // The organisation is part of the query, not a filter afterwards: another organisation's
    // device with the same SN must neither be found nor make this one ambiguous.
    let org = org_id.unwrap_or_default();
    let pk = product_key.unwrap_or_default();
    let rows: Vec<DeviceRow> = sqlx::query_as(&format!(
        "SELECT d.sn AS sn, d.product_key AS product_key, p.name AS product_name, \
         d.device_key AS device_key, d.batch_id AS batch_id, d.imported_at AS imported_at \
         FROM devices d JOIN products p ON p.product_key = d.product_key \
         WHERE d.sn = $1 AND ($2 = '' OR d.product_key = $3) AND ($4 = '' OR p.org_id = $5) \
         AND {} ORDER BY d.product_key LIMIT 2",
        crate::db::live("d")
    ))
    .bind(sn)
    .bind(pk)
    .bind(pk)
    .bind(org)
    .bind(org)
    .fetch_all(&state.db)
    .await?;
    let device = match <[DeviceRow; 1]>::try_from(rows) {
        Ok([device]) => device,
        Err(rows) if rows.is_empty() => return Err(ApiError::new(ErrorCode::SnNotFound)),
        Err(rows) => {
            return Err(ApiError::invalid(format!(
                "products {} and {} both have a device with this SN: say which with ?product_key=",
                rows[0].product_key, rows[1].product_key
            )))
        }
    };
    let binding: Option<BindingRow> = sqlx::query_as(
        "SELECT ac.email AS account_email, b.name AS name, b.bound_at AS bound_at \
         FROM bindings b JOIN accounts ac ON ac.uid = b.uid \
         WHERE b.product_key = $1 AND b.sn = $2",
    )
    .bind(&device.product_key)
    .bind(&device.sn)
    .fetch_optional(&state.db)
    .await?;
    let sql = format!(
        "{ATTEMPT_SELECT} WHERE a.product_key = $1 AND a.sn = $2 ORDER BY a.at, a.attempt_id"
    );
    let attempts: Vec<AttemptRow> = sqlx::query_as(&sql)
        .bind(&device.product_key)
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

/// A support answer as the API shows it: owners' emails partly masked.
fn masked(mut device: SupportDevice) -> SupportDevice {
    if let Some(binding) = &mut device.binding {
        binding.account_email = masked_email(&binding.account_email);
    }
    for attempt in &mut device.attempts {
        attempt.account = attempt.account.as_deref().map(masked_email);
    }
    device
}

/// `?product_key=` of the support calls on one device.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeviceQuery {
    /// The device's product: needed only when several products (that the caller sees) have
    /// a device with this SN.
    #[param(min_length = 6, max_length = 32)]
    product_key: Option<String>,
}

impl DeviceQuery {
    /// The device `sn` (of the product asked for, if any) as `caller` may see it.
    async fn device_of(
        &self,
        state: &AppState,
        caller: &SupportCaller,
        sn: &str,
    ) -> Result<SupportDevice, ApiError> {
        let product_key = self.product_key.as_deref();
        support_device_in(state, caller.org_id.as_deref(), sn, product_key).await
    }
}

/// Everything about one device: its product, DeviceKey, batch, binding and bind attempts.
#[utoipa::path(get, path = "/v1/support/devices/{sn}", tag = "support",
    security(("supportKey" = []), ("bearer" = [], "organisation" = [])),
    params(("sn" = String, Path, description = "The device's SN."), DeviceQuery),
    responses(
        (status = 200, description = "The device; emails partly masked (`a***@example.com`).", body = SupportDevice),
        (status = 400, description = "`invalid_request`: several products have this SN; name one with `?product_key=`.", body = ErrorBody),
        (status = 404, description = "`sn_not_found`: no device has this SN (in the caller's organisation).", body = ErrorBody),
    ))]
async fn device_view(
    State(state): State<AppState>,
    caller: SupportCaller,
    Path(sn): Path<String>,
    Query(query): Query<DeviceQuery>,
) -> Result<Json<SupportDevice>, ApiError> {
    let device = query.device_of(&state, &caller, &sn).await?;
    Ok(Json(masked(device)))
}

/// The bind attempt behind a request id (the id the app's error screens show).
#[utoipa::path(get, path = "/v1/support/requests/{request_id}", tag = "support",
    security(("supportKey" = []), ("bearer" = [], "organisation" = [])),
    params(("request_id" = String, Path, description = "`req_` and 24 hex digits.")),
    responses(
        (status = 200, description = "The attempt; the email partly masked.", body = BindAttempt),
        (status = 404, description = "`not_found`: no bind attempt has this request id (on a device of the caller's organisation).", body = ErrorBody),
    ))]
async fn request_view(
    State(state): State<AppState>,
    caller: SupportCaller,
    Path(request_id): Path<String>,
) -> Result<Json<BindAttempt>, ApiError> {
    let sql = format!(
        "{ATTEMPT_SELECT} LEFT JOIN devices d ON d.product_key = a.product_key AND d.sn = a.sn \
         LEFT JOIN products p ON p.product_key = d.product_key \
         WHERE a.request_id = $1 AND ($2 = '' OR p.org_id = $3)"
    );
    let org = caller.org_id.clone().unwrap_or_default();
    let row: Option<AttemptRow> = sqlx::query_as(&sql)
        .bind(&request_id)
        .bind(&org)
        .bind(&org)
        .fetch_optional(&state.db)
        .await?;
    let mut attempt = row.map(attempt_from_row).ok_or_else(|| {
        ApiError::with_message(ErrorCode::NotFound, "no bind attempt has this request id")
    })?;
    attempt.account = attempt.account.as_deref().map(masked_email);
    Ok(Json(attempt))
}

/// `?q=` of the support search.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// An SN, a DeviceKey (MAC or IMEI), a request id (`req_…`) or a customer's email.
    #[param(min_length = 1, max_length = 254, pattern = r"\S")]
    q: String,
}

/// What a search row reads.
#[derive(Debug, PartialEq, sqlx::FromRow)]
struct MatchRow {
    sn: String,
    product_key: String,
    product_name: String,
}

/// Most matches a search shows.
const MAX_MATCHES: i64 = 50;

/// Finds devices by what a customer can tell support: the SN on the label, the DeviceKey,
/// the request id an error screen showed, or their email (devices they hold or tried to bind).
#[utoipa::path(get, path = "/v1/support/search", tag = "support",
    security(("supportKey" = []), ("bearer" = [], "organisation" = [])),
    params(SearchQuery),
    responses(
        (status = 200, description = "The devices found (in the caller's organisation), at most 50.", body = SupportSearch),
        (status = 400, description = "`invalid_request`: an empty or over-long query.", body = ErrorBody),
    ))]
async fn search(
    State(state): State<AppState>,
    caller: SupportCaller,
    Query(query): Query<SearchQuery>,
) -> Result<Json<SupportSearch>, ApiError> {
    let q = query.q.trim();
    if q.is_empty() || q.chars().count() > 254 {
        return Err(ApiError::invalid(
            "search by an SN, a DeviceKey, a request id or an email (1 to 254 characters)",
        ));
    }
    let (matched, condition) = if q.starts_with("req_") {
        (
            "request_id",
            "EXISTS (SELECT 1 FROM bind_attempts a WHERE a.request_id = $1 \
             AND a.product_key = d.product_key AND a.sn = d.sn)",
        )
    } else if q.contains('@') {
        (
            "email",
            "(EXISTS (SELECT 1 FROM bindings b JOIN accounts ac ON ac.uid = b.uid \
             WHERE ac.email = $1 AND b.product_key = d.product_key AND b.sn = d.sn) \
             OR EXISTS (SELECT 1 FROM bind_attempts a JOIN accounts ac ON ac.uid = a.uid \
             WHERE ac.email = $1 AND a.product_key = d.product_key AND a.sn = d.sn))",
        )
    } else {
        ("sn", "d.sn = $1")
    };
    let value = if matched == "email" {
        q.to_lowercase()
    } else {
        q.to_owned()
    };
    let org = caller.org_id.clone().unwrap_or_default();
    let live = crate::db::live("d");
    let select = format!(
        "SELECT d.sn AS sn, d.product_key AS product_key, p.name AS product_name \
         FROM devices d JOIN products p ON p.product_key = d.product_key WHERE {live} AND "
    );
    let scope = " AND ($2 = '' OR p.org_id = $3) ORDER BY d.sn, d.product_key LIMIT $4";
    let run = |condition: &str, value: String| {
        let sql = format!("{select}{condition}{scope}");
        let state = state.clone();
        let org = org.clone();
        async move {
            sqlx::query_as::<_, MatchRow>(&sql)
                .bind(value)
                .bind(&org)
                .bind(&org)
                .bind(MAX_MATCHES)
                .fetch_all(&state.db)
                .await
        }
    };
    let mut found: Vec<(MatchRow, &str)> = run(condition, value.clone())
        .await?
        .into_iter()
        .map(|row| (row, matched))
        .collect();
    if matched == "sn" {
        // Not an SN (or not only): a DeviceKey, as stored (MACs lower-case).
        let by_key = run("d.device_key = $1", value.to_lowercase()).await?;
        found.extend(by_key.into_iter().map(|row| (row, "device_key")));
        found.dedup_by(|a, b| a.0 == b.0);
    }
    let matches = found
        .into_iter()
        .map(|(row, matched)| {
            Ok(SupportMatch {
                sn: Sn::parse(&row.sn).map_err(|e| ApiError::internal_in("stored SN", e))?,
                product_key: ProductKey::parse(&row.product_key)
                    .map_err(|e| ApiError::internal_in("stored product key", e))?,
                product_name: row.product_name,
                matched: matched.to_owned(),
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(SupportSearch { matches }))
}

/// Unbinds a device for a customer (who sold it, lost their account…): the binding goes, the
/// reason goes to the organisation's audit log, and the device can be bound again.
#[utoipa::path(post, path = "/v1/support/devices/{sn}/unbind", tag = "support",
    security(("supportKey" = []), ("bearer" = [], "organisation" = [])),
    params(("sn" = String, Path, description = "The device's SN."), DeviceQuery),
    request_body = UnbindRequest,
    responses(
        (status = 204, description = "Unbound."),
        (status = 400, description = "`invalid_request`: no reason (3 to 500 characters), or several products have this SN (name one with `?product_key=`).", body = ErrorBody),
        (status = 404, description = "`sn_not_found`: no such device in the caller's organisation; `not_found`: it is bound to nobody.", body = ErrorBody),
    ))]
async fn unbind(
    State(state): State<AppState>,
    caller: SupportCaller,
    Path(sn): Path<String>,
    Query(query): Query<DeviceQuery>,
    ApiJson(request): ApiJson<UnbindRequest>,
) -> Result<StatusCode, ApiError> {
    let reason = request.reason.trim();
    let length = reason.chars().count();
    if !(3..=500).contains(&length) || reason.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::invalid(
            "say why the device is unbound (3 to 500 characters): it is kept in the audit log",
        ));
    }
    let device = query.device_of(&state, &caller, &sn).await?;
    let Some(binding) = &device.binding else {
        return Err(ApiError::with_message(
            ErrorCode::NotFound,
            "this device is bound to nobody; there is nothing to unbind",
        ));
    };
    let deleted = sqlx::query("DELETE FROM bindings WHERE product_key = $1 AND sn = $2")
        .bind(device.product_key.as_str())
        .bind(device.sn.as_str())
        .execute(&state.writer)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(ApiError::with_message(
            ErrorCode::NotFound,
            "this device is bound to nobody; there is nothing to unbind",
        ));
    }
    let org: Option<String> =
        sqlx::query_scalar("SELECT org_id FROM products WHERE product_key = $1")
            .bind(device.product_key.as_str())
            .fetch_one(&state.db)
            .await?;
    let detail = format!("from {}: {reason}", masked_email(&binding.account_email));
    if let Some(org) = org {
        audit::record(
            &state,
            &org,
            &caller.actor,
            "device.unbind",
            device.sn.as_str(),
            &detail,
        )
        .await?;
    }
    tracing::info!(sn = %device.sn, actor = caller.actor.id(), "device unbound by support");
    Ok(StatusCode::NO_CONTENT)
}
