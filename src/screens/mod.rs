//! One module per screen of PRODUCT.md §6.

pub mod enter_code;
