//! One module per screen of docs/product.md §6.

pub mod auth;
pub mod confirm;
pub mod details;
pub mod enter_code;
pub mod home;
pub mod scan;
pub mod settings;
