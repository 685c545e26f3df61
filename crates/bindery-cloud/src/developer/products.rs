//! Products: the unit a developer key owns, with its bind policy and the form its labels are
//! printed in.

use axum::extract::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use bindery_core::api::{CreateProduct, ErrorBody, Product, ProductList, UpdateProduct};
use bindery_core::{BindPolicy, ErrorCode, LabelForm, ProductKey};

use crate::audit;
use crate::db::{from_ms, is_unique_violation, now_ms, random_hex};
use crate::error::ApiError;
use crate::extract::{ApiJson, Maker, OrgReader};
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
    /// The form its new labels are printed in.
    pub label_form: LabelForm,
    /// The developer key that created it (`None` when made without one, or by a person).
    pub owner_key: Option<String>,
    /// The organisation it belongs to (`None` only for products made by the CLI without a key).
    pub org_id: Option<String>,
    /// When it was created, in Unix milliseconds.
    pub created_at: i64,
}

/// A `products` row as read.
#[derive(Debug, sqlx::FromRow)]
struct StoredProduct {
    product_key: String,
    name: String,
    bind_policy: String,
    label_form: String,
    owner_key: Option<String>,
    org_id: Option<String>,
    created_at: i64,
}

/// The columns of [`StoredProduct`].
const PRODUCT_COLUMNS: &str =
    "product_key, name, bind_policy, label_form, owner_key, org_id, created_at";

impl StoredProduct {
    fn typed(self) -> Result<ProductRow, ApiError> {
        Ok(ProductRow {
            product_key: ProductKey::parse(&self.product_key)
                .map_err(|e| ApiError::internal_in("stored product key", e))?,
            name: self.name,
            bind_policy: BindPolicy::parse(&self.bind_policy)
                .map_err(|e| ApiError::internal_in("stored policy", e))?,
            label_form: LabelForm::parse(&self.label_form)
                .map_err(|e| ApiError::internal_in("stored label form", e))?,
            owner_key: self.owner_key,
            org_id: self.org_id,
            created_at: self.created_at,
        })
    }
}

impl ProductRow {
    /// The product as the API shows it.
    pub fn api(&self) -> Product {
        Product {
            product_key: self.product_key.clone(),
            name: self.name.clone(),
            bind_policy: self.bind_policy,
            label_form: self.label_form,
            created_at: from_ms(self.created_at),
        }
    }
}

/// The product `pk`, or `not_found`.
pub async fn product(state: &AppState, pk: &str) -> Result<ProductRow, ApiError> {
    let row: Option<StoredProduct> = sqlx::query_as(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM products WHERE product_key = $1"
    ))
    .bind(pk)
    .fetch_optional(&state.db)
    .await?;
    match row {
        Some(row) => row.typed(),
        None => Err(ApiError::with_message(
            ErrorCode::NotFound,
            "no such product",
        )),
    }
}

/// The product `pk` if it belongs to `org_id`: `not_found` if it does not exist, `forbidden`
/// if another organisation owns it.
pub async fn org_product(state: &AppState, org_id: &str, pk: &str) -> Result<ProductRow, ApiError> {
    let product = product(state, pk).await?;
    if product.org_id.as_deref() != Some(org_id) {
        return Err(ApiError::with_message(
            ErrorCode::Forbidden,
            "this product belongs to another organisation",
        ));
    }
    Ok(product)
}

/// The product `pk` if `maker`'s organisation owns it (see [`org_product`]).
pub async fn owned_product(
    state: &AppState,
    maker: &Maker,
    pk: &str,
) -> Result<ProductRow, ApiError> {
    org_product(state, &maker.org_id, pk).await
}

/// Longest product name, in characters.
const MAX_NAME: usize = 64;

/// A product name trimmed, or why it cannot be one.
fn checked_name(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(format!(
            "the product name must be 1 to {MAX_NAME} characters without control characters"
        )));
    }
    Ok(name)
}

/// Whether a product with `policy` may print `form` on this cloud.
pub(crate) fn check_form(
    state: &AppState,
    form: LabelForm,
    policy: BindPolicy,
) -> Result<(), ApiError> {
    form.check(policy, state.public_url.as_ref().map(|u| u.as_str()))
        .map_err(|e| ApiError::invalid(e.to_string()))
}

/// Creates a product owned by the developer key `owner` (its organisation owns it; `None`
/// from the CLI without a key: nobody's).
pub async fn create_product(
    state: &AppState,
    owner: Option<&str>,
    request: CreateProduct,
) -> Result<Product, ApiError> {
    let org_id: Option<String> = match owner {
        Some(key_id) => sqlx::query_scalar("SELECT org_id FROM api_keys WHERE key_id = $1")
            .bind(key_id)
            .fetch_optional(&state.db)
            .await?
            .flatten(),
        None => None,
    };
    create_product_in(state, org_id.as_deref(), owner, request).await
}

/// Creates a product of `org_id`, made by the key `owner_key` when a key made it.
pub async fn create_product_in(
    state: &AppState,
    org_id: Option<&str>,
    owner_key: Option<&str>,
    request: CreateProduct,
) -> Result<Product, ApiError> {
    let name = checked_name(&request.name)?;
    let product_key = match &request.product_key {
        Some(pk) => ProductKey::parse(pk).map_err(|e| ApiError::invalid(e.to_string()))?,
        None => ProductKey::parse(&format!("p{}", random_hex(6)))
            .map_err(|e| ApiError::internal_in("generated product key", e))?,
    };
    let bind_policy = request.bind_policy.unwrap_or(BindPolicy::BindCodeRequired);
    let label_form = request.label_form.unwrap_or_default();
    check_form(state, label_form, bind_policy)?;
    let created_at = now_ms();
    let inserted = sqlx::query(
        "INSERT INTO products (product_key, name, bind_policy, label_form, owner_key, org_id, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(product_key.as_str())
    .bind(name)
    .bind(bind_policy.as_str())
    .bind(label_form.as_str())
    .bind(owner_key)
    .bind(org_id)
    .bind(created_at)
    .execute(&state.writer)
    .await;
    match inserted {
        Ok(_) => Ok(Product {
            product_key,
            name: name.to_owned(),
            bind_policy,
            label_form,
            created_at: from_ms(created_at),
        }),
        Err(e) if is_unique_violation(&e) => Err(ApiError::invalid(format!(
            "the product key {product_key} is already in use; choose another or leave it out"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// `POST /v1/products`: creates a product owned by the calling key.
#[utoipa::path(post, path = "/v1/products", tag = "developer", security(("developerKey" = []), ("bearer" = [], "organisation" = [])),
    request_body = CreateProduct,
    responses(
        (status = 201, description = "Created.", body = Product),
        (status = 400, description = "`invalid_request`: a bad name or product key, or a key already in use.", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    maker: Maker,
    ApiJson(request): ApiJson<CreateProduct>,
) -> Result<(StatusCode, Json<Product>), ApiError> {
    let product = create_product_in(&state, Some(&maker.org_id), maker.key_id(), request).await?;
    let detail = format!(
        "{} ({}, {})",
        product.name,
        product.bind_policy.as_str(),
        product.label_form.as_str()
    );
    let pk = product.product_key.as_str();
    audit::record(
        &state,
        &maker.org_id,
        &maker.actor,
        "product.create",
        pk,
        &detail,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(product)))
}

/// `GET /v1/products`: the organisation's products (any role may list them).
#[utoipa::path(get, path = "/v1/products", tag = "developer", security(("developerKey" = []), ("bearer" = [], "organisation" = [])),
    responses((status = 200, description = "The organisation's products.", body = ProductList)))]
pub async fn list(
    State(state): State<AppState>,
    reader: OrgReader,
) -> Result<Json<ProductList>, ApiError> {
    let rows: Vec<StoredProduct> = sqlx::query_as(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM products WHERE org_id = $1 ORDER BY created_at, product_key"
    ))
    .bind(&reader.org_id)
    .fetch_all(&state.db)
    .await?;
    let products = rows
        .into_iter()
        .map(|row| row.typed().map(|product| product.api()))
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(ProductList { products }))
}

/// Changes a product's settings: its name, and the form its new labels are printed in
/// (labels already printed keep working whatever their form).
pub async fn update_product(
    state: &AppState,
    maker: &Maker,
    pk: &str,
    request: UpdateProduct,
) -> Result<Product, ApiError> {
    let mut product = owned_product(state, maker, pk).await?;
    if let Some(name) = &request.name {
        product.name = checked_name(name)?.to_owned();
    }
    if let Some(form) = request.label_form {
        check_form(state, form, product.bind_policy)?;
        product.label_form = form;
    }
    sqlx::query("UPDATE products SET name = $1, label_form = $2 WHERE product_key = $3")
        .bind(&product.name)
        .bind(product.label_form.as_str())
        .bind(product.product_key.as_str())
        .execute(&state.writer)
        .await?;
    let detail = format!("{} ({})", product.name, product.label_form.as_str());
    let target = product.product_key.as_str();
    audit::record(
        state,
        &maker.org_id,
        &maker.actor,
        "product.update",
        target,
        &detail,
    )
    .await?;
    Ok(product.api())
}

/// `PATCH /v1/products/{pk}`: a product's name or label form.
#[utoipa::path(patch, path = "/v1/products/{pk}", tag = "developer", security(("developerKey" = []), ("bearer" = [], "organisation" = [])),
    params(("pk" = String, Path, description = "The product key.")),
    request_body = UpdateProduct,
    responses(
        (status = 200, description = "The product as it is now.", body = Product),
        (status = 400, description = "`invalid_request`: a bad name, or a label form the product cannot print (quectel_v1 on a bind_code_required product; url on a cloud without --public-url).", body = ErrorBody),
        (status = 403, description = "`forbidden`: another organisation's product.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such product.", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    maker: Maker,
    Path(pk): Path<String>,
    ApiJson(request): ApiJson<UpdateProduct>,
) -> Result<Json<Product>, ApiError> {
    Ok(Json(update_product(&state, &maker, &pk, request).await?))
}
