//! Developer and support keys: made by `bindery-cloud dev-key create`, shown once, stored
//! only as SHA-256.

use crate::db::{now_ms, random_hex, secret_hash};
use crate::error::ApiError;
use crate::state::AppState;

/// A new API key: its id (safe to log) and the secret (shown once; only its hash is kept).
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// The key's id (`k_…`).
    pub key_id: String,
    /// The secret the caller sends as `X-Api-Key` (`bk_…`).
    pub key: String,
}

/// Creates a developer key, or a support key when `support`.
pub async fn create_api_key(
    state: &AppState,
    name: &str,
    support: bool,
) -> Result<NewApiKey, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::invalid("the key name must be 1 to 64 characters"));
    }
    let key_id = format!("k_{}", random_hex(8));
    let key = format!("bk_{}", random_hex(32));
    sqlx::query(
        "INSERT INTO api_keys (key_id, key_hash, name, support, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&key_id)
    .bind(secret_hash(&key))
    .bind(name)
    .bind(i64::from(support))
    .bind(now_ms())
    .execute(&state.writer)
    .await?;
    Ok(NewApiKey { key_id, key })
}

/// The id of the key whose secret is `key`, if any.
pub async fn api_key_id(state: &AppState, key: &str) -> Result<Option<String>, ApiError> {
    Ok(
        sqlx::query_scalar("SELECT key_id FROM api_keys WHERE key_hash = $1")
            .bind(secret_hash(key))
            .fetch_optional(&state.db)
            .await?,
    )
}
