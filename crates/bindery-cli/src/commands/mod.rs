//! One module per command group, each with its clap arguments and its `run`.

pub mod qr;
