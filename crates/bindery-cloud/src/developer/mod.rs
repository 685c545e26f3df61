//! The Developer Center: products, SN batches with their label archives, the import template
//! and the DeviceKey↔SN import. Callers present an `X-Api-Key`; a key sees and changes only
//! the products it created (another key's product answers `forbidden`).

pub mod batches;
pub mod import;
mod import_pg;
mod import_sqlite;
pub mod products;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use bindery_core::{BindPolicy, ErrorCode, ProductKey};

use crate::db::Backend;
use crate::error::ApiError;
use crate::extract::DevKey;
use crate::state::{AppState, Limits};

/// The Developer Center's routes.
pub fn router(limits: &Limits) -> Router<AppState> {
    Router::new()
        .route("/v1/products", post(products::create).get(products::list))
        .route(
            "/v1/products/{pk}/sn-batches",
            post(batches::create).get(batches::list),
        )
        .route("/v1/sn-batches/{batch_id}/archive", get(batches::archive))
        .route("/v1/import-template", get(import::template))
        .route(
            "/v1/products/{pk}/devices/import",
            post(import::import).layer(DefaultBodyLimit::max(limits.import_body_bytes)),
        )
        .route("/v1/products/{pk}/devices/export", get(import::export))
}

/// A product as stored.
#[derive(Debug, Clone)]
pub struct ProductRow {
    pub product_key: ProductKey,
    pub name: String,
    pub bind_policy: BindPolicy,
    pub owner_key: Option<String>,
    pub created_at: i64,
}

/// The product `pk`, or `not_found`.
pub async fn product(state: &AppState, pk: &str) -> Result<ProductRow, ApiError> {
    let row: Option<(String, String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT product_key, name, bind_policy, owner_key, created_at FROM products WHERE product_key = $1",
    )
    .bind(pk)
    .fetch_optional(&state.db)
    .await?;
    let Some((product_key, name, policy, owner_key, created_at)) = row else {
        return Err(ApiError::with_message(
            ErrorCode::NotFound,
            "no such product",
        ));
    };
    Ok(ProductRow {
        product_key: ProductKey::parse(&product_key)
            .map_err(|e| ApiError::Internal(format!("stored product key: {e}")))?,
        name,
        bind_policy: BindPolicy::parse(&policy)
            .map_err(|e| ApiError::Internal(format!("stored policy: {e}")))?,
        owner_key,
        created_at,
    })
}

/// The product `pk` if `key` created it: `not_found` if it does not exist, `forbidden` if
/// another key owns it.
pub async fn owned_product(
    state: &AppState,
    key: &DevKey,
    pk: &str,
) -> Result<ProductRow, ApiError> {
    let product = product(state, pk).await?;
    if product.owner_key.as_deref() != Some(key.key_id.as_str()) {
        return Err(ApiError::with_message(
            ErrorCode::Forbidden,
            "this product belongs to another developer key",
        ));
    }
    Ok(product)
}

/// `count` placeholders for an `IN (…)` list or VALUES rows whose parameters are all bound in
/// order: `$first, $first+1, …` on PostgreSQL, plain `?` on SQLite. SQLite looks a numbered
/// parameter up by walking a list, which makes a statement with thousands of `$n` quadratic.
pub(crate) fn placeholders(backend: Backend, first: usize, count: usize) -> String {
    match backend {
        Backend::Sqlite => vec!["?"; count].join(", "),
        Backend::Postgres => (first..first + count)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A new API key: its id (safe to log) and the secret (shown once; only its hash is kept).
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub key_id: String,
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
    let key_id = format!("k_{}", crate::db::random_hex(8));
    let key = format!("bk_{}", crate::db::random_hex(32));
    sqlx::query(
        "INSERT INTO api_keys (key_id, key_hash, name, support, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&key_id)
    .bind(crate::db::secret_hash(&key))
    .bind(name)
    .bind(i64::from(support))
    .bind(crate::db::now_ms())
    .execute(&state.writer)
    .await?;
    Ok(NewApiKey { key_id, key })
}

/// The id of the key whose secret is `key`, if any.
pub async fn api_key_id(state: &AppState, key: &str) -> Result<Option<String>, ApiError> {
    Ok(
        sqlx::query_scalar("SELECT key_id FROM api_keys WHERE key_hash = $1")
            .bind(crate::db::secret_hash(key))
            .fetch_optional(&state.db)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_per_backend() {
        assert_eq!(placeholders(Backend::Postgres, 3, 3), "$3, $4, $5");
        assert_eq!(placeholders(Backend::Sqlite, 3, 3), "?, ?, ?");
    }
}
