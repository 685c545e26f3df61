//! One module per command group, each with its clap arguments and its `run`.

pub mod account;
pub mod devices;
pub mod pair;
pub mod qr;
pub mod replay;
pub mod scan;
pub mod support;
