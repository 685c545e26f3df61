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

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use keys::{api_key_id, create_api_key, NewApiKey};
pub use products::{owned_product, product, ProductRow};

use crate::state::{AppState, Limits};

/// The Developer Center's routes, each with its documentation.
pub fn router(limits: &Limits) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(products::create, products::list))
        .routes(routes!(products::update))
        .routes(routes!(batches::create, batches::list))
        .routes(routes!(batches::archive))
        .routes(routes!(keys::revoke_current))
        .merge(import::router(limits))
}
