//! Developer and support keys: made by `bindery-cloud dev-key create`, shown once, stored
//! only as SHA-256; listed with their last use and revoked by `dev-key list` / `dev-key
//! revoke`, and a holder can revoke the key it holds (`DELETE /v1/developer/keys/current`,
//! for a key that leaked). An organisation's owners make, list and revoke its keys in the
//! console (`orgs`).

use axum::extract::State;
use axum::http::StatusCode;
use bindery_core::api::ErrorBody;

use crate::db::{now_ms, random_hex, secret_hash};
use crate::error::ApiError;
use crate::extract::AnyKey;
pub use crate::extract::LAST_USE_RESOLUTION_MS;
use crate::state::AppState;

/// A new API key: its id (safe to log) and the secret (shown once; only its hash is kept).
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// The key's id (`k_…`).
    pub key_id: String,
    /// The secret the caller sends as `X-Api-Key` (`bk_…`).
    pub key: String,
    /// The organisation it works in; `None` for the operator's support keys.
    pub org_id: Option<String>,
}

/// Creates a developer key, or a support key when `support`, the way `dev-key create` does: a
/// developer key gets an organisation of its own (named after it), a support key is the cloud
/// operator's (every device). Keys of an existing organisation come from [`create_org_key`].
pub async fn create_api_key(
    state: &AppState,
    name: &str,
    support: bool,
) -> Result<NewApiKey, ApiError> {
    let name = checked_key_name(name)?;
    let org_id = if support {
        None
    } else {
        Some(crate::orgs::create_org_row(state, name).await?)
    };
    insert_key(state, name, support, org_id.as_deref(), None).await
}

/// Creates a key of `org_id`, made by `created_by` (a person's uid; `None` from the CLI).
pub async fn create_org_key(
    state: &AppState,
    org_id: &str,
    name: &str,
    support: bool,
    created_by: Option<&str>,
) -> Result<NewApiKey, ApiError> {
    let name = checked_key_name(name)?;
    let known: Option<String> = sqlx::query_scalar("SELECT org_id FROM orgs WHERE org_id = $1")
        .bind(org_id)
        .fetch_optional(&state.db)
        .await?;
    if known.is_none() {
        return Err(ApiError::with_message(
            bindery_core::ErrorCode::NotFound,
            format!("no organisation has the id {org_id}"),
        ));
    }
    insert_key(state, name, support, Some(org_id), created_by).await
}

fn checked_key_name(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "the key name must be 1 to 64 characters without control characters",
        ));
    }
    Ok(name)
}

async fn insert_key(
    state: &AppState,
    name: &str,
    support: bool,
    org_id: Option<&str>,
    created_by: Option<&str>,
) -> Result<NewApiKey, ApiError> {
    let key_id = format!("k_{}", random_hex(8));
    let key = format!("bk_{}", random_hex(32));
    sqlx::query(
        "INSERT INTO api_keys (key_id, key_hash, name, support, created_at, org_id, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&key_id)
    .bind(secret_hash(&key))
    .bind(name)
    .bind(i64::from(support))
    .bind(now_ms())
    .bind(org_id)
    .bind(created_by)
    .execute(&state.writer)
    .await?;
    Ok(NewApiKey {
        key_id,
        key,
        org_id: org_id.map(str::to_owned),
    })
}

/// The id of the working (not revoked) key whose secret is `key`, if any.
pub async fn api_key_id(state: &AppState, key: &str) -> Result<Option<String>, ApiError> {
    Ok(
        sqlx::query_scalar(
            "SELECT key_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(secret_hash(key))
        .fetch_optional(&state.db)
        .await?,
    )
}

/// A key as `dev-key list` shows it (never its secret: only the hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiKeyListing {
    /// The key's id (`k_…`).
    pub key_id: String,
    /// The name given at creation.
    pub name: String,
    /// 1 for a support key, 0 for a developer key (the `Any` driver's integer flag).
    pub support: i64,
    /// When it was made, in Unix milliseconds.
    pub created_at: i64,
    /// When it was last used, to the minute ([`LAST_USE_RESOLUTION_MS`]); `None` if never.
    pub last_used_at: Option<i64>,
    /// When it was revoked; `None` while it works.
    pub revoked_at: Option<i64>,
    /// Its organisation; `None` for the operator's support keys.
    pub org_id: Option<String>,
}

/// Every key, oldest first.
pub async fn list_api_keys(state: &AppState) -> Result<Vec<ApiKeyListing>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT key_id, name, support, created_at, last_used_at, revoked_at, org_id FROM api_keys \
         ORDER BY created_at, key_id",
    )
    .fetch_all(&state.db)
    .await?)
}

/// The keys of `org_id`, oldest first.
pub async fn list_org_keys(state: &AppState, org_id: &str) -> Result<Vec<ApiKeyListing>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT key_id, name, support, created_at, last_used_at, revoked_at, org_id FROM api_keys \
         WHERE org_id = $1 ORDER BY created_at, key_id",
    )
    .bind(org_id)
    .fetch_all(&state.db)
    .await?)
}

/// What revoking a key found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    /// The key worked until now.
    Now,
    /// The key had been revoked before; nothing changed.
    Already,
    /// No key has this id.
    Unknown,
}

/// Revokes the key `key_id`: from now on it is refused as `unauthorized`.
pub async fn revoke_api_key(state: &AppState, key_id: &str) -> Result<Revoked, ApiError> {
    let changed =
        sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE key_id = $2 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(key_id)
            .execute(&state.writer)
            .await?
            .rows_affected();
    if changed > 0 {
        return Ok(Revoked::Now);
    }
    let known: Option<String> = sqlx::query_scalar("SELECT key_id FROM api_keys WHERE key_id = $1")
        .bind(key_id)
        .fetch_optional(&state.db)
        .await?;
    Ok(if known.is_some() {
        Revoked::Already
    } else {
        Revoked::Unknown
    })
}

/// Revoke this key: the `X-Api-Key` sent (developer or support) stops working at once. For a
/// key that leaked; a new one comes from whoever runs the cloud (`bindery-cloud dev-key create`).
#[utoipa::path(delete, path = "/v1/developer/keys/current", tag = "developer",
    security(("developerKey" = []), ("supportKey" = [])),
    responses(
        (status = 204, description = "The key no longer works."),
        (status = 401, description = "`unauthorized`: no key, an unknown key or one already revoked.", body = ErrorBody),
    ))]
pub(crate) async fn revoke_current(
    State(state): State<AppState>,
    key: AnyKey,
) -> Result<StatusCode, ApiError> {
    revoke_api_key(&state, &key.key_id).await?;
    if let Some(org_id) = &key.org_id {
        let actor = crate::extract::Actor::Key(key.key_id.clone());
        let detail = "revoked by its holder";
        crate::audit::record(&state, org_id, &actor, "key.revoke", &key.key_id, detail).await?;
    }
    tracing::info!(key_id = %key.key_id, "API key revoked by its holder");
    Ok(StatusCode::NO_CONTENT)
}
