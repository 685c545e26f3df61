//! Products: the unit a developer key owns, with its bind policy.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use bindery_core::api::{CreateProduct, ErrorBody, Product, ProductList};
use bindery_core::{BindPolicy, ErrorCode, ProductKey};

use crate::db::{from_ms, is_unique_violation, now_ms, random_hex};
use crate::error::ApiError;
use crate::extract::{ApiJson, DevKey};
use crate::state::AppState;

/// A product as stored.
#[derive(Debug, Clone)]
pub struct ProductRow {
    /// Its key.
    pub product_key: ProductKey,
    /// Its display name.
    pub name: String,
    /// Whether its labels need a bind code.
    pub bind_policy: BindPolicy,
    /// The developer key that created it (`None` when made without one).
    pub owner_key: Option<String>,
    /// When it was created, in Unix milliseconds.
    pub created_at: i64,
}

/// A `products` row as read.
#[derive(Debug, sqlx::FromRow)]
struct StoredProduct {
    product_key: String,
    name: String,
    bind_policy: String,
    owner_key: Option<String>,
    created_at: i64,
}

/// The product `pk`, or `not_found`.
pub async fn product(state: &AppState, pk: &str) -> Result<ProductRow, ApiError> {
    let row: Option<StoredProduct> = sqlx::query_as(
        "SELECT product_key, name, bind_policy, owner_key, created_at FROM products WHERE product_key = $1",
    )
    .bind(pk)
    .fetch_optional(&state.db)
    .await?;
    let Some(row) = row else {
        return Err(ApiError::with_message(
            ErrorCode::NotFound,
            "no such product",
        ));
    };
    Ok(ProductRow {
        product_key: ProductKey::parse(&row.product_key)
            .map_err(|e| ApiError::internal_in("stored product key", e))?,
        name: row.name,
        bind_policy: BindPolicy::parse(&row.bind_policy)
            .map_err(|e| ApiError::internal_in("stored policy", e))?,
        owner_key: row.owner_key,
        created_at: row.created_at,
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

/// Longest product name, in characters.
const MAX_NAME: usize = 64;

/// Creates a product owned by `owner` (a developer key id; `None` from the CLI without one).
pub async fn create_product(
    state: &AppState,
    owner: Option<&str>,
    request: CreateProduct,
) -> Result<Product, ApiError> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(format!(
            "the product name must be 1 to {MAX_NAME} characters without control characters"
        )));
    }
    let product_key = match &request.product_key {
        Some(pk) => ProductKey::parse(pk).map_err(|e| ApiError::invalid(e.to_string()))?,
        None => ProductKey::parse(&format!("p{}", random_hex(6)))
            .map_err(|e| ApiError::internal_in("generated product key", e))?,
    };
    let bind_policy = request.bind_policy.unwrap_or(BindPolicy::BindCodeRequired);
    let created_at = now_ms();
    let inserted = sqlx::query(
        "INSERT INTO products (product_key, name, bind_policy, owner_key, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(product_key.as_str())
    .bind(name)
    .bind(bind_policy.as_str())
    .bind(owner)
    .bind(created_at)
    .execute(&state.writer)
    .await;
    match inserted {
        Ok(_) => Ok(Product {
            product_key,
            name: name.to_owned(),
            bind_policy,
            created_at: from_ms(created_at),
        }),
        Err(e) if is_unique_violation(&e) => Err(ApiError::invalid(format!(
            "the product key {product_key} is already in use; choose another or leave it out"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// `POST /v1/products`: creates a product owned by the calling key.
#[utoipa::path(post, path = "/v1/products", tag = "developer", security(("developerKey" = [])),
    request_body = CreateProduct,
    responses(
        (status = 201, description = "Created.", body = Product),
        (status = 400, description = "`invalid_request`: a bad name or product key, or a key already in use.", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    key: DevKey,
    ApiJson(request): ApiJson<CreateProduct>,
) -> Result<(StatusCode, Json<Product>), ApiError> {
    let product = create_product(&state, Some(&key.key_id), request).await?;
    Ok((StatusCode::CREATED, Json(product)))
}

/// `GET /v1/products`: the key's own products.
#[utoipa::path(get, path = "/v1/products", tag = "developer", security(("developerKey" = [])),
    responses((status = 200, description = "This key's products.", body = ProductList)))]
pub async fn list(
    State(state): State<AppState>,
    key: DevKey,
) -> Result<Json<ProductList>, ApiError> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT product_key, name, bind_policy, created_at FROM products WHERE owner_key = $1 ORDER BY created_at, product_key",
    )
    .bind(&key.key_id)
    .fetch_all(&state.db)
    .await?;
    let products = rows
        .into_iter()
        .map(|(pk, name, policy, created_at)| {
            Ok(Product {
                product_key: ProductKey::parse(&pk)
                    .map_err(|e| ApiError::internal_in("stored product key", e))?,
                name,
                bind_policy: BindPolicy::parse(&policy)
                    .map_err(|e| ApiError::internal_in("stored policy", e))?,
                created_at: from_ms(created_at),
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(ProductList { products }))
}
