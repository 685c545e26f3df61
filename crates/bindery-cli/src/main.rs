//! `bindery-cli`: the terminal client for QA testers and support staff.
//!
//! Everything the app does can be done from here, with machine-readable output, so that a
//! label, a binding or a customer's failed attempt can be reproduced without a phone. Exit
//! codes are part of the interface: 0 success, 1 the cloud refused, 2 bad usage or input,
//! 3 network failure.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Bindery's terminal client: parse and scan QR labels, bind devices, inspect bindings.
#[derive(Debug, Parser)]
#[command(name = "bindery-cli", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Work with QR label contents.
    #[command(subcommand)]
    Qr(commands::qr::QrCommand),
}

/// How a command ended; turned into the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success = 0,
    /// The cloud answered with an error code.
    Refused = 1,
    /// The arguments or the input were wrong.
    BadInput = 2,
    /// The cloud could not be reached.
    Network = 3,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Qr(cmd) => commands::qr::run(cmd),
    };
    ExitCode::from(outcome as u8)
}
