//! The bind API: inspect a scanned label, bind it, list, rename and unbind devices.
//!
//! The unique index on a binding's device (`bindings (product_key, sn)`) is the only arbiter
//! of who gets it: a bind is one `INSERT … ON CONFLICT DO NOTHING`, and whoever's row is
//! there afterwards owns it. So 50 accounts racing give one binding, and an app retrying
//! after a lost answer finds its own row and gets the same device back (200) instead of an
//! error. Every bind attempt is recorded
//! with its result code and request id for the support view; failed ones feed the rate limits.
//! So does an inspect that finds a wrong Gizwits passcode: that is a guess at the device's
//! secret, whichever call carries it (docs/product.md §2.2).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use bindery_core::api::{
    BindRequest, Device, DeviceEnvelope, DeviceList, DeviceStatus, ErrorBody, InspectRequest,
    Inspection, RenameRequest,
};
use bindery_core::{BindPolicy, DeviceName, ErrorCode, ProductKey, Sn};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

mod label;

use label::{
    check_secret, device_of_label, label_of, target_of, Label, Proof, Target, TargetRow,
    TARGET_COLUMNS,
};

use crate::adopted::LabelHash;
use crate::bind_writer::{Attempt, BindWrite, NewBinding, Written};
use crate::db::{from_ms, now_ms, random_hex};
use crate::error::{ApiError, RequestId};
use crate::extract::{ApiJson, ClientAddr, User};
use crate::state::AppState;
use crate::throttle::{self, Limit, Reservation};

/// `/v1/qr/inspect`, `/v1/bindings`, `/v1/bindings/{did}`, each with its documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(inspect))
        .routes(routes!(bind, list))
        .routes(routes!(rename, unbind))
}

/// Records a refused attempt at a device, which counts towards the failed-bind limits when
/// its code is one a guesser produces; failing to record it does not change the answer.
async fn record_refusal(state: &AppState, attempt: Attempt, error: ApiError) -> ApiError {
    let request_id = attempt.request_id.clone();
    let write = BindWrite {
        binding: None,
        attempt,
    };
    if let Err(e) = state.bind_writer.write(write).await {
        let error = crate::error::error_chain(&e);
        tracing::error!(%request_id, %error, "cannot record the bind attempt");
    }
    error
}

/// Counts a look at a device by a label that carries no secret (see [`inspect`]).
async fn secretless_look(state: &AppState, uid: &str) -> Result<Reservation, ApiError> {
    let limit = Limit::new(
        state.limits.sn_only_looks_per_account,
        state.limits.bind_window,
    );
    throttle::reserve(&state.writer, &state.db, "secretless", &[(uid, limit)]).await
}

/// What a scanned label means for the signed-in account; changes nothing.
#[utoipa::path(post, path = "/v1/qr/inspect", tag = "bindings", security(("bearer" = [])),
    request_body = InspectRequest,
    responses(
        (status = 200, description = "The label's product, SN and status for you.", body = Inspection),
        (status = 400, description = "`bad_qr_content`: not a label Bindery can bind, nor one a maker adopted.", body = ErrorBody),
        (status = 403, description = "`bad_bind_code`: a Gizwits label whose passcode is not the one imported for its device (counts as a failed bind).", body = ErrorBody),
        (status = 404, description = "`sn_not_found`: no device has this SN.", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many inspects for this account or address, too many looks at devices by labels without a bind code, or (for a label whose passcode is checked) too many failed binds.",
            body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the oldest counted attempt leaves the window."))),
    ))]
async fn inspect(
    State(state): State<AppState>,
    user: User,
    ClientAddr(address): ClientAddr,
    RequestId(request_id): RequestId,
    ApiJson(request): ApiJson<InspectRequest>,
) -> Result<Json<Inspection>, ApiError> {
    // Every inspect counts, so the call cannot be a free oracle of which SNs exist.
    let limits = &state.limits;
    let _counted = throttle::reserve(
        &state.writer,
        &state.db,
        "inspect",
        &[
            (
                user.uid.as_str(),
                Limit::new(limits.inspects_per_account, limits.bind_window),
            ),
            (
                address.as_str(),
                Limit::new(limits.inspects_per_address, limits.bind_window),
            ),
        ],
    )
    .await?;
    // A label without a bind code is all an `sn_only` device needs to be bound, and a text
    // that may be an adopted label is a guess at one: looking either up counts against the
    // tight limit of such looks, unless it turns out to be yours or to carry its secret.
    let label = label_of(&state.db, &request.qr_content, &state.secret).await??;
    let look = match label.bind_code.is_none() {
        true => Some(secretless_look(&state, &user.uid).await?),
        false => None,
    };
    let (failures, row) = failures_and_target(&state, &user.uid, &address, &label).await?;
    let target = target_of(&label, row)?;
    // A passcode the device has is checked here already, so that the app says so before a
    // name is typed. A wrong one is a failed bind: limits first, then it is recorded.
    let checks_passcode =
        label.passcode.is_some() && target.passcode_hash.is_some() && !target.adopted;
    if checks_passcode {
        check_failures(&state, failures, None)?;
        if target.bind_policy == BindPolicy::SnOnly {
            let tighter = Some(state.limits.sn_only_failures_per_account);
            check_failures(&state, failures, tighter)?;
        }
    }
    let proof = match checks_passcode || target.adopted {
        true => match check_secret(&label, &target, &state.secret) {
            Ok(proof) => proof,
            Err(error) => {
                let attempt = Attempt {
                    attempt_id: format!("a_{}", random_hex(12)),
                    at: now_ms(),
                    uid: user.uid.clone(),
                    address: address.clone(),
                    device: Some((target.product_key.clone(), target.sn.clone())),
                    request_id,
                    refusal: Some(error.code()),
                };
                return Err(record_refusal(&state, attempt, error).await);
            }
        },
        false => Proof::None,
    };
    let owner: Option<String> =
        sqlx::query_scalar("SELECT uid FROM bindings WHERE product_key = $1 AND sn = $2")
            .bind(target.product_key.as_str())
            .bind(target.sn.as_str())
            .fetch_optional(&state.db)
            .await?;
    let status = match owner {
        Some(uid) if uid == user.uid => DeviceStatus::BoundToYou,
        Some(_) => DeviceStatus::BoundToOther,
        None if !target.activated => DeviceStatus::NotActivated,
        None => DeviceStatus::Bindable,
    };
    if let Some(look) = look.filter(|_| status == DeviceStatus::BoundToYou || proof.is_secret()) {
        look.release(&state.writer).await?;
    }
    Ok(Json(Inspection {
        product_key: target.product_key,
        product_name: target.product_name,
        sn: target.sn,
        status,
    }))
}

/// Binds the device a label names to the signed-in account.
#[utoipa::path(post, path = "/v1/bindings", tag = "bindings", security(("bearer" = [])),
    request_body = BindRequest,
    responses(
        (status = 201, description = "Bound.", body = DeviceEnvelope),
        (status = 200, description = "Already bound to you (a retry): the device as stored.", body = DeviceEnvelope),
        (status = 400, description = "`bad_qr_content`: not a label Bindery can bind, nor one a maker adopted.", body = ErrorBody),
        (status = 403, description = "`bad_bind_code`: the label's bind code (or Gizwits passcode) is wrong, or missing where the device needs one.", body = ErrorBody),
        (status = 404, description = "`sn_not_found`: no device has this SN.", body = ErrorBody),
        (status = 409, description = "`sn_not_activated`: its DeviceKey is not imported; `already_bound`: another account holds it.", body = ErrorBody),
        (status = 422, description = "`invalid_name`: the name breaks the rule of docs/product.md §3.", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many failed binds for this account or address.",
            body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the oldest counted failure leaves the window."))),
    ))]
async fn bind(
    State(state): State<AppState>,
    user: User,
    ClientAddr(address): ClientAddr,
    RequestId(request_id): RequestId,
    ApiJson(request): ApiJson<BindRequest>,
) -> Result<(StatusCode, Json<DeviceEnvelope>), ApiError> {
    let mut seen = None;
    let checked = check_bind(&state, &user, &address, &request, &mut seen).await;
    let attempt = |refusal: Option<ErrorCode>| Attempt {
        attempt_id: format!("a_{}", random_hex(12)),
        at: now_ms(),
        uid: user.uid.clone(),
        address: address.clone(),
        device: seen.clone(),
        request_id: request_id.clone(),
        refusal,
    };
    // A refused bind is only recorded; failing to record it does not change the answer.
    let refused = |error: ApiError| async {
        Err(record_refusal(&state, attempt(Some(error.code())), error).await)
    };
    let (target, name) = match checked {
        Ok(checked) => checked,
        // A refusal by the limits is not an attempt at the label: recording it would let
        // a locked-out caller keep writing rows.
        Err(error) if error.code() == ErrorCode::RateLimited => return Err(error),
        Err(error) => return refused(error).await,
    };
    let device = |did: String, name: String, bound_at: i64| Device {
        did,
        product_key: target.product_key.clone(),
        product_name: target.product_name.clone(),
        sn: target.sn.clone(),
        name,
        bound_at: from_ms(bound_at),
    };
    let did = target.did(&state.secret);
    for _ in 0..3 {
        let binding = NewBinding {
            did: did.clone(),
            // `bnd_`: `b_` names SN batches.
            binding_id: format!("bnd_{}", random_hex(12)),
            product_key: target.product_key.as_str().to_owned(),
            sn: target.sn.as_str().to_owned(),
            uid: user.uid.clone(),
            name: name.as_str().to_owned(),
            bound_at: now_ms(),
        };
        let write = BindWrite {
            binding: Some(binding.clone()),
            attempt: attempt(None),
        };
        match state.bind_writer.write(write).await? {
            Written::Bound => {
                let device = device(binding.did, binding.name, binding.bound_at);
                return Ok((StatusCode::CREATED, Json(DeviceEnvelope { device })));
            }
            Written::AlreadyYours {
                did,
                name,
                bound_at,
            } => {
                let device = device(did, name, bound_at);
                return Ok((StatusCode::OK, Json(DeviceEnvelope { device })));
            }
            Written::AlreadyBound => return Err(ApiError::new(ErrorCode::AlreadyBound)),
            // Unbound between our insert and our read: try again.
            Written::Vanished | Written::Recorded => continue,
        }
    }
    refused(ApiError::internal("binding kept changing under the bind")).await
}

/// The failed binds of an account and of an address within the window, and the device a
/// label names: what a bind reads before it decides anything.
#[derive(Debug, sqlx::FromRow)]
struct FailuresAndTarget {
    /// Failed binds of the account.
    account_failures: i64,
    /// When the oldest of them was (0 when none).
    account_oldest: i64,
    /// Failed binds from the address.
    address_failures: i64,
    /// When the oldest of them was (0 when none).
    address_oldest: i64,
    #[sqlx(flatten)]
    target: TargetRow,
}

/// Failed binds within the window by an account and by an address: how many, and in how
/// many seconds the oldest of them leaves the window.
type Failures = [(i64, u64); 2];

/// Refuses with `rate_limited` when the account or the address has failed too often; the
/// account's limit is `per_account` when given (the tighter one of `sn_only` products).
fn check_failures(
    state: &AppState,
    [(by_account, retry_account), (by_address, retry_address)]: Failures,
    per_account: Option<i64>,
) -> Result<(), ApiError> {
    let limits = &state.limits;
    if by_account >= per_account.unwrap_or(limits.bind_failures_per_account) {
        return Err(ApiError::rate_limited(retry_account));
    }
    if by_address >= limits.bind_failures_per_address {
        return Err(ApiError::rate_limited(retry_address));
    }
    Ok(())
}

/// Failed binds within the window, by this account and by this address (how many, and in
/// how many seconds the oldest of them leaves the window), and the device `label` names (by
/// its adopted text, else by its SN) — in one round trip, since a bind needs both before it
/// can decide anything.
async fn failures_and_target(
    state: &AppState,
    uid: &str,
    address: &str,
    label: &Label,
) -> Result<(Failures, TargetRow), ApiError> {
    failures_and_device(
        state,
        uid,
        address,
        label.product_key.as_ref().zip(label.sn.as_ref()),
        label.adopted.as_ref(),
    )
    .await
}

/// [`failures_and_target`] of a label's product and SN and its hash (both `None` for a text
/// that is no label).
async fn failures_and_device(
    state: &AppState,
    uid: &str,
    address: &str,
    device: Option<(&ProductKey, &Sn)>,
    adopted: Option<&LabelHash>,
) -> Result<(Failures, TargetRow), ApiError> {
    let since = now_ms() - state.limits.bind_window.as_millis() as i64;
    let named = device_of_label(6, 4, 5);
    let sql = format!(
        "SELECT a.n AS account_failures, a.oldest AS account_oldest, \
         b.n AS address_failures, b.oldest AS address_oldest, {TARGET_COLUMNS} \
         FROM (SELECT COUNT(*) AS n, COALESCE(MIN(at), 0) AS oldest FROM bind_attempts \
               WHERE uid = $1 AND at > $2 AND failed = 1) a \
         CROSS JOIN (SELECT COUNT(*) AS n, COALESCE(MIN(at), 0) AS oldest FROM bind_attempts \
               WHERE address = $3 AND at > $2 AND failed = 1) b \
         LEFT JOIN devices d ON {named} \
         LEFT JOIN products p ON p.product_key = d.product_key"
    );
    let row: FailuresAndTarget = sqlx::query_as(&sql)
        .bind(uid)
        .bind(since)
        .bind(address)
        .bind(device.map(|(pk, _)| pk.as_str().to_owned()))
        .bind(device.map(|(_, sn)| sn.as_str().to_owned()))
        .bind(adopted.map(|h| h.as_bytes().to_vec()))
        .fetch_one(&state.db)
        .await?;
    let retry = |oldest: i64| ((oldest - since).max(0) / 1000 + 1) as u64;
    Ok((
        [
            (row.account_failures, retry(row.account_oldest)),
            (row.address_failures, retry(row.address_oldest)),
        ],
        row.target,
    ))
}

/// Everything a bind checks before it writes: the name, the rate limits, the label, the
/// activation and the bind code. `seen` gets the device's product and SN as soon as they
/// are known (for the attempt record).
async fn check_bind(
    state: &AppState,
    user: &User,
    address: &str,
    request: &BindRequest,
    seen: &mut Option<(ProductKey, Sn)>,
) -> Result<(Target, DeviceName), ApiError> {
    let name = DeviceName::parse(&request.name)
        .map_err(|e| ApiError::with_message(ErrorCode::InvalidName, e.to_string()))?;
    // A text that is no label is refused only after the limits (below).
    let label = label_of(&state.db, &request.qr_content, &state.secret).await?;
    let (failures, row) = match &label {
        Ok(label) => failures_and_target(state, &user.uid, address, label).await?,
        Err(_) => failures_and_device(state, &user.uid, address, None, None).await?,
    };
    // The limits come first: a caller who is locked out learns nothing about the label.
    check_failures(state, failures, None)?;

    let label = label?;
    let target = target_of(&label, row)?;
    *seen = Some((target.product_key.clone(), target.sn.clone()));
    if target.bind_policy == BindPolicy::SnOnly {
        check_failures(
            state,
            failures,
            Some(state.limits.sn_only_failures_per_account),
        )?;
        // Succeeding binds count too: a list of probed SNs must not be bindable in one go.
        let _look = secretless_look(state, &user.uid).await?;
    }
    if !target.activated {
        return Err(ApiError::new(ErrorCode::SnNotActivated));
    }
    check_secret(&label, &target, &state.secret)?;
    Ok((target, name))
}

/// A bound device as [`DEVICE_SELECT`] reads it.
#[derive(Debug, sqlx::FromRow)]
struct DeviceRow {
    did: String,
    product_key: String,
    product_name: String,
    sn: String,
    name: String,
    bound_at: i64,
}

const DEVICE_SELECT: &str = "SELECT b.did AS did, d.product_key AS product_key, \
     p.name AS product_name, b.sn AS sn, b.name AS name, b.bound_at AS bound_at \
     FROM bindings b JOIN devices d ON d.product_key = b.product_key AND d.sn = b.sn \
     JOIN products p ON p.product_key = d.product_key";

fn device_from_row(row: DeviceRow) -> Result<Device, ApiError> {
    Ok(Device {
        did: row.did,
        product_key: ProductKey::parse(&row.product_key)
            .map_err(|e| ApiError::internal_in("stored product key", e))?,
        product_name: row.product_name,
        sn: Sn::parse(&row.sn).map_err(|e| ApiError::internal_in("stored SN", e))?,
        name: row.name,
        bound_at: from_ms(row.bound_at),
    })
}

/// The account's device `did`, if it is theirs.
async fn device_of(state: &AppState, uid: &str, did: &str) -> Result<Option<Device>, ApiError> {
    let sql = format!("{DEVICE_SELECT} WHERE b.did = $1 AND b.uid = $2");
    let row: Option<DeviceRow> = sqlx::query_as(&sql)
        .bind(did)
        .bind(uid)
        .fetch_optional(&state.db)
        .await?;
    row.map(device_from_row).transpose()
}

/// The signed-in account's devices, oldest binding first.
#[utoipa::path(get, path = "/v1/bindings", tag = "bindings", security(("bearer" = [])),
    responses((status = 200, description = "Your devices.", body = DeviceList)))]
async fn list(State(state): State<AppState>, user: User) -> Result<Json<DeviceList>, ApiError> {
    let sql = format!("{DEVICE_SELECT} WHERE b.uid = $1 ORDER BY b.bound_at, b.did");
    let rows: Vec<DeviceRow> = sqlx::query_as(&sql)
        .bind(&user.uid)
        .fetch_all(&state.db)
        .await?;
    let devices = rows
        .into_iter()
        .map(device_from_row)
        .collect::<Result<_, _>>()?;
    Ok(Json(DeviceList { devices }))
}

/// Renames one of your devices.
#[utoipa::path(patch, path = "/v1/bindings/{did}", tag = "bindings", security(("bearer" = [])),
    params(("did" = String, Path, description = "The device's id (the same for every owner), of a device bound to this account.")),
    request_body = RenameRequest,
    responses(
        (status = 200, description = "Renamed.", body = DeviceEnvelope),
        (status = 404, description = "`not_found`: no such device of yours.", body = ErrorBody),
        (status = 422, description = "`invalid_name`: the name breaks the rule of docs/product.md §3.", body = ErrorBody),
    ))]
async fn rename(
    State(state): State<AppState>,
    user: User,
    Path(did): Path<String>,
    ApiJson(request): ApiJson<RenameRequest>,
) -> Result<Json<DeviceEnvelope>, ApiError> {
    let name = DeviceName::parse(&request.name)
        .map_err(|e| ApiError::with_message(ErrorCode::InvalidName, e.to_string()))?;
    // Someone else's did answers exactly like a missing one.
    let updated = sqlx::query("UPDATE bindings SET name = $1 WHERE did = $2 AND uid = $3")
        .bind(name.as_str())
        .bind(&did)
        .bind(&user.uid)
        .execute(&state.writer)
        .await?;
    if updated.rows_affected() == 0 {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    let device = device_of(&state, &user.uid, &did)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    Ok(Json(DeviceEnvelope { device }))
}

/// Unbinds one of your devices.
#[utoipa::path(delete, path = "/v1/bindings/{did}", tag = "bindings", security(("bearer" = [])),
    params(("did" = String, Path, description = "The device's id (the same for every owner), of a device bound to this account.")),
    responses(
        (status = 204, description = "Unbound."),
        (status = 404, description = "`not_found`: no such device of yours.", body = ErrorBody),
    ))]
async fn unbind(
    State(state): State<AppState>,
    user: User,
    Path(did): Path<String>,
) -> Result<StatusCode, ApiError> {
    let deleted = sqlx::query("DELETE FROM bindings WHERE did = $1 AND uid = $2")
        .bind(&did)
        .bind(&user.uid)
        .execute(&state.writer)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    Ok(StatusCode::NO_CONTENT)
}
