//! The Developer Center: products, SN batches with their label archives, the import template,
//! the DeviceKey↔SN import and the device list. Callers are an organisation's developer key
//! (`X-Api-Key`) or one of its people signed in to the console (`X-Bindery-Org`, by role); they
//! see and change only their organisation's products (another's answers `forbidden`).
//!
//! This module only joins the routes; each submodule owns its calls, and the shared lookups
//! (a product, its owner) live in `products`, which the others use.

pub mod batches;
pub mod devices;
pub mod import;
pub mod keys;
pub mod products;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use keys::{api_key_id, create_api_key, create_org_key, NewApiKey};
pub use products::{owned_product, product, ProductRow};

use crate::state::{AppState, Limits};

/// The Developer Center's routes, each with its documentation.
pub fn router(limits: &Limits) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(products::create, products::list))
        .routes(routes!(products::update))
        .routes(routes!(batches::create, batches::list))
        .routes(routes!(batches::archive))
        .routes(routes!(batches::preview))
        .routes(routes!(devices::list))
        .routes(routes!(keys::revoke_current))
        .merge(import::router(limits))
}
