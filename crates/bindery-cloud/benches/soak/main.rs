//! The bad-day soak of issue 14: what a real `bindery-cloud serve` process does with minutes
//! of mixed traffic while a maker imports a million devices, an attacker floods sign-ups from
//! one address, and the process is killed with SIGKILL and started again in the middle.
//!
//! It exists because the cloud's other checks each look at one thing at a time: a bind bench
//! on a quiet server, an import bench alone, a SIGKILL test during one import. A bad day is all
//! of them at once, and what matters then is what a client is promised: that every write the
//! cloud acknowledged is still there afterwards, that it answers 5xx only while it is down,
//! that binds stay quick while an import runs, and that its memory stays bounded.
//!
//! `cargo bench -p bindery-cloud --bench soak -- [--minutes 5 | --seconds 60] [--pg URL]`
//! runs on SQLite, then on PostgreSQL when a server is given (`--pg` or
//! `BINDERY_TEST_PG_URL`, an admin URL: a fresh database is made on it). It prints one table
//! per backend and exits 1 if a write was lost, a 5xx came outside the kill window, or the
//! server died on its own.
//!
//! The modules: `cloud` runs the server process and its incarnations, `setup` prepares the
//! accounts, products and labels, `traffic` runs the clients (`app_users`, `flood`, `maker`)
//! and the kill, `tally` records what they saw, `verify` checks the acknowledged writes
//! afterwards and `report` prints the figures.

mod app_users;
mod cloud;
mod flood;
mod maker;
mod report;
mod setup;
mod tally;
mod traffic;
mod verify;

#[path = "../../tests/api/common/pg.rs"]
mod pg;
#[path = "../../tests/support/server_process.rs"]
mod server_process;

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};

/// Which database a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// A fresh SQLite file in a temporary directory.
    Sqlite,
    /// A fresh database on the PostgreSQL server of `--pg`.
    Postgres,
}

impl Backend {
    /// The name the report uses.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// The bad-day soak: mixed traffic, a million-row import, a sign-up flood and a SIGKILL in
/// the middle, against a real `bindery-cloud serve` process on SQLite and on PostgreSQL.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "soak",
    bin_name = "cargo bench -p bindery-cloud --bench soak --"
)]
pub struct Args {
    /// Minutes of traffic per backend.
    #[arg(long, default_value_t = 5)]
    pub minutes: u64,
    /// Seconds of traffic per backend, instead of --minutes (for quick tries).
    #[arg(long)]
    pub seconds: Option<u64>,
    /// An admin URL of a PostgreSQL server; a fresh database is made on it. Without one only
    /// SQLite runs.
    #[arg(long, env = "BINDERY_TEST_PG_URL", hide_env_values = true)]
    pub pg: Option<String>,
    /// Run one backend only.
    #[arg(long, value_enum)]
    pub only: Option<Backend>,
    /// App users binding devices (distinct accounts, made before the clock starts).
    #[arg(long, default_value_t = 48)]
    pub users: usize,
    /// Client addresses those users share (127.0.0.11, .12, …), like households and offices
    /// behind NAT. Each address may sign up 30 accounts per 10 minutes (the server's
    /// default), and the users' share of them has to fit.
    #[arg(long, default_value_t = 6)]
    pub addresses: u8,
    /// Each user binds one fresh device this often (milliseconds).
    #[arg(long, default_value_t = 200)]
    pub bind_every_ms: u64,
    /// Sign-ups per second of the flood from one address (at most 64 in flight).
    #[arg(long, default_value_t = 100)]
    pub flood_per_second: u32,
    /// Rows of the big import.
    #[arg(long, default_value_t = 1_000_000)]
    pub import_rows: u64,
    /// Environment for the server processes, KEY=VALUE (repeatable), for comparing settings
    /// such as glibc's `MALLOC_ARENA_MAX`.
    #[arg(long = "server-env", value_name = "KEY=VALUE", value_parser = key_value)]
    pub server_env: Vec<(String, String)>,
    /// Keep the servers' logs in this folder (default: a temporary one, removed after the run
    /// unless something failed; its path is printed then).
    #[arg(long)]
    pub logs: Option<PathBuf>,
    /// `cargo bench` passes this to every bench binary; it changes nothing here.
    #[arg(long = "bench", hide = true)]
    _cargo_bench: bool,
}

impl Args {
    /// How long the traffic runs.
    pub fn duration(&self) -> Duration {
        Duration::from_secs(self.seconds.unwrap_or(self.minutes * 60))
    }

    /// The loopback address of the `n`-th user address (0-based).
    pub fn user_address(&self, n: usize) -> Ipv4Addr {
        Ipv4Addr::new(127, 0, 0, 11 + (n % usize::from(self.addresses)) as u8)
    }
}

/// A `KEY=VALUE` argument.
fn key_value(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{text:?} is not KEY=VALUE"))
}

/// Where the Developer Center calls come from: the maker's office.
pub const MAKER_ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

/// Where the sign-up flood comes from: one hostile address.
pub const FLOOD_ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 66);

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    if args.addresses == 0 || args.addresses > 50 {
        eprintln!("error: --addresses must be 1 to 50");
        return ExitCode::from(2);
    }
    // The users' own sign-ups and the newcomers' (one per address every 40 s) must fit in the
    // server's 30 per address per 10 minutes, or normal traffic would meet the flood's limit.
    let per_address = args.users.div_ceil(usize::from(args.addresses))
        + (args.duration().min(Duration::from_secs(600)).as_secs() / 40 + 1) as usize;
    if per_address > 30 {
        eprintln!(
            "error: {per_address} sign-ups per address within 10 minutes (the users' share and a \
             newcomer every 40 s) would meet the server's limit of 30: use more --addresses"
        );
        return ExitCode::from(2);
    }
    let mut backends = vec![Backend::Sqlite];
    match &args.pg {
        Some(_) => backends.push(Backend::Postgres),
        None => {
            println!("PostgreSQL: SKIPPED: no server (set BINDERY_TEST_PG_URL or pass --pg URL)")
        }
    }
    backends.retain(|b| args.only.is_none_or(|only| only == *b));
    let runtime = tokio::runtime::Runtime::new().expect("a Tokio runtime");
    let mut all_held = true;
    for backend in backends {
        let figures = runtime.block_on(run(&args, backend));
        all_held &= figures.must_hold();
    }
    if all_held {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// One backend's soak, from an empty database to the printed report.
async fn run(args: &Args, backend: Backend) -> report::Figures {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let logs = args
        .logs
        .clone()
        .unwrap_or_else(|| scratch.path().join("logs"));
    std::fs::create_dir_all(&logs).expect("the log folder");
    let database_url = match backend {
        Backend::Sqlite => bindery_cloud::db::sqlite_url(&scratch.path().join("cloud.sqlite3")),
        Backend::Postgres => {
            let admin = args.pg.as_deref().expect("a PostgreSQL URL");
            pg::fresh_database(admin).await
        }
    };
    tracing::info!(backend = backend.name(), logs = %logs.display(), "soak: setting up");
    let cloud = cloud::Cloud::start(&database_url, &logs, backend, &args.server_env).await;
    let prepared = setup::prepare(args, &cloud).await;
    tracing::info!(
        backend = backend.name(),
        seconds = args.duration().as_secs(),
        "soak: traffic starts"
    );
    let (mut outcome, mut cloud) = traffic::run(args, cloud, prepared).await;
    tracing::info!(
        backend = backend.name(),
        "soak: checking what was acknowledged"
    );
    let mut checked = verify::through_api(&cloud.base, &outcome).await;
    cloud.stop().await;
    outcome.incarnations = cloud.incarnations.clone();
    verify::in_database(&database_url, &outcome, &mut checked).await;
    let figures = report::Figures::new(args, backend, &outcome, &checked);
    figures.print();
    if !figures.must_hold() {
        // Keep the evidence: the server logs name the failing requests.
        let kept = scratch.keep();
        println!(
            "the servers' logs are in {} (kept)",
            if args.logs.is_some() {
                logs
            } else {
                kept.join("logs")
            }
            .display()
        );
    }
    figures
}
