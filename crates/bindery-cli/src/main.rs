//! `bindery-cli`: the terminal client for QA testers and support staff.
//!
//! Everything the app does can be done from here, with machine-readable output, so that a
//! label, a binding or a customer's failed attempt can be reproduced without a phone. Exit
//! codes are part of the interface: 0 success, 1 the cloud refused, 2 bad usage or input,
//! 3 network failure.

mod commands;
mod context;
mod label;
mod output;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::context::Context;

/// Bindery's terminal client: parse and scan QR labels, bind devices, inspect bindings.
///
/// Exit codes: 0 success; 1 the cloud refused (its error code is printed); 2 bad usage or
/// input; 3 the cloud could not be reached.
#[derive(Debug, Parser)]
#[command(name = "bindery-cli", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every command that talks to a cloud understands.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// The cloud's address.
    #[arg(
        long,
        env = "BINDERY_SERVER",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub server: String,
    /// Print results as JSON (one object per line) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print every HTTP request and response to stderr, headers included, secrets masked.
    /// With --json each exchange is one JSON line: the recording `replay` reads.
    #[arg(long, global = true)]
    pub trace: bool,
    /// Seconds one call may take, retries included, before it fails as a network error.
    #[arg(long, env = "BINDERY_TIMEOUT", default_value_t = 10.0, global = true, value_parser = parse_seconds)]
    pub timeout: f64,
    /// Keep the session in this file (mode 0600) instead of the OS keyring.
    #[arg(long, env = "BINDERY_SESSION_FILE", global = true)]
    pub session_file: Option<std::path::PathBuf>,
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 3600.0 => Ok(s),
        _ => Err(format!(
            "{text:?} is not a number of seconds between 0 and 3600"
        )),
    }
}

impl GlobalArgs {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout)
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create an account on the cloud.
    Signup(commands::account::CredentialsArgs),
    /// Sign in; the session is kept (OS keyring, or a private file) for the next commands.
    Login(commands::account::CredentialsArgs),
    /// Sign out: revoke the session on the cloud and forget it here.
    Logout {
        /// Revoke every session of the account on every device, not only this one.
        #[arg(long)]
        everywhere: bool,
    },
    /// Show who is signed in to the cloud, and check the session still works.
    Whoami,
    /// Work with QR label contents.
    #[command(subcommand)]
    Qr(commands::qr::QrCommand),
    /// Read QR codes from images, a folder, a .y4m video or a camera; one JSON line each.
    Scan(commands::scan::ScanArgs),
    /// A pairing station: watch the line, read each device's module IMEI/MAC and label, and
    /// record the pair (cloud, or an offline import file) with a colour and a sound per device.
    Pair(commands::pair::PairArgs),
    /// What a label means for the signed-in account (product, SN, status).
    Inspect(commands::devices::LabelArgs),
    /// Bind the labelled device to the signed-in account under a name.
    Bind(commands::devices::BindArgs),
    /// List the signed-in account's devices.
    Devices,
    /// Rename one of your devices.
    Rename {
        /// The device id (`did`, from `devices`).
        did: String,
        /// The new name (1–64 characters, no control characters).
        name: String,
    },
    /// Unbind one of your devices (asks to confirm unless --yes).
    Unbind {
        /// The device id (`did`, from `devices`).
        did: String,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// The support view (needs a support key).
    #[command(subcommand)]
    Support(commands::support::SupportCommand),
    /// Run the calls recorded by `--trace --json` against a cloud and report where the
    /// answers differ from the recording.
    Replay(commands::replay::ReplayArgs),
}

/// How a command ended; turned into the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Success = 0,
    /// The cloud answered with an error code (or, for `scan`, a file held no code; for
    /// `replay`, an answer differed).
    Refused = 1,
    /// The arguments or the input were wrong.
    BadInput = 2,
    /// The cloud could not be reached.
    Network = 3,
}

fn main() -> ExitCode {
    // Output piped into `head` or `jq` may be cut short; like other Unix tools, end
    // quietly then instead of panicking on the broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default action of SIGPIPE before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BINDERY_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off")),
        )
        .with_writer(std::io::stderr)
        .init();
    let outcome = match cli.command {
        Command::Qr(cmd) => commands::qr::run(cmd),
        Command::Scan(args) => commands::scan::run(&args),
        Command::Pair(args) => commands::pair::run(cli.global, &args),
        command => match Context::new(cli.global) {
            Ok(ctx) => run_with_cloud(&ctx, command),
            Err(outcome) => outcome,
        },
    };
    ExitCode::from(outcome as u8)
}

fn run_with_cloud(ctx: &Context, command: Command) -> Outcome {
    use commands::{account, devices, replay, support};
    match command {
        Command::Signup(args) => account::signup(ctx, &args),
        Command::Login(args) => account::login(ctx, &args),
        Command::Logout { everywhere } => account::logout(ctx, everywhere),
        Command::Whoami => account::whoami(ctx),
        Command::Inspect(args) => devices::inspect(ctx, &args),
        Command::Bind(args) => devices::bind(ctx, &args),
        Command::Devices => devices::list(ctx),
        Command::Rename { did, name } => devices::rename(ctx, &did, &name),
        Command::Unbind { did, yes } => devices::unbind(ctx, &did, yes),
        Command::Support(cmd) => support::run(ctx, cmd),
        Command::Replay(args) => replay::run(ctx, &args),
        Command::Qr(_) | Command::Scan(_) | Command::Pair(_) => {
            unreachable!("handled before a cloud context is made")
        }
    }
}
