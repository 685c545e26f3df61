//! The Developer Center: products, SN batches with their label archives, the import template
//! and the DeviceKey↔SN import. Callers present an `X-Api-Key`; a key sees and changes only
//! the products it created (another key's product answers `forbidden`).
//!
//! This module only joins the routes; each submodule owns its calls, and the shared lookups
//! (a product, its owner) live in `products`, which the others use.

pub mod batches;
pub mod import;
pub mod keys;
pub mod products;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

pub use keys::{api_key_id, create_api_key, NewApiKey};
pub use products::{owned_product, product, ProductRow};

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
