//! `cargo xtask`: the project's two commands (`run`, `test`) and its helpers.
//!
//! They must work on a fresh Debian/Ubuntu machine that has only Rust, so each command first
//! makes sure the system packages it needs are there (installing them with apt when run as
//! root, otherwise printing the one command to run), then does its job. Plain std only: the
//! xtask is compiled on every call and must be quick to build.

mod bench;
mod cache;
mod packages;
mod postgres;
mod python;
mod shell;
mod web;

use std::process::ExitCode;

use shell::{cargo, workspace_root, Failure};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run            install what the app needs, then start it (on the embedded sandbox cloud)
  test           install what the suites need, start their services, run every suite
  fuzz [SECS]    fuzz the QR parser with cargo-fuzz for SECS seconds (default 600)
  web [--dev]    build the web app; serve it with `bindery-cloud serve --web-root DIR`
  bench scan     the scanner bench against zxing-cpp (`cargo xtask bench scan --help`)
  pg             start the throwaway PostgreSQL the tests use, print its URL, stop on Enter
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("fuzz") => fuzz(args.get(1).map(String::as_str)),
        Some("pg") => pg(),
        Some("bench") => bench::bench(&args[1..]),
        Some("web") => web::web(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => {
            if let Some(cmd) = other {
                eprintln!("error: unknown command {cmd:?}\n");
            }
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("\nxtask: {failure}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask run`: the app's system libraries, then the app itself.
fn run(app_args: &[String]) -> Result<(), Failure> {
    packages::ensure(packages::APP)?;
    let mut args = vec!["run", "--package", "bindery", "--"];
    args.extend(app_args.iter().map(String::as_str));
    cargo(&args)
}

/// `cargo xtask test`: formatting, then one build of every target that is also the lint
/// (clippy as the compiler of the workspace's crates), the Android type-check, the web app,
/// and every test suite with the services they need (PostgreSQL, a keyring, Chromium); ends
/// with the test runner's summary line.
fn test() -> Result<(), Failure> {
    // A test run is a clean build on CI: incremental caches would only add gigabytes to a disk
    // that a full run already nearly fills. A developer who wants them sets the variable.
    if std::env::var_os("CARGO_INCREMENTAL").is_none() {
        std::env::set_var("CARGO_INCREMENTAL", "0");
    }
    cache::use_shared_target_dir()?;
    shell::step("system packages");
    let mut needed = packages::APP.to_vec();
    needed.extend_from_slice(packages::SCAN);
    needed.extend_from_slice(packages::CLIENT);
    needed.extend_from_slice(packages::CLOUD);
    needed.extend_from_slice(packages::BROWSER);
    packages::ensure(&needed)?;
    packages::ensure_commands(packages::NODE)?;

    shell::step("formatting");
    cargo(&["fmt", "--all", "--", "--check"])?;

    // `cargo clippy` is a check build of its own: every dependency compiled a second time in
    // another mode, about as long as the test build itself on two cores. Run as the compiler
    // of the workspace's own crates instead, clippy lints them while the test build compiles
    // them, and the dependencies are built once. Every later cargo call keeps the same
    // wrapper, so nothing is rebuilt for the doc tests or the test runner.
    cache::lint_while_building()?;
    shell::step("building every target of the workspace, linted by clippy (-D warnings)");
    cargo(&["test", "--workspace", "--all-targets", "--no-run"])?;

    shell::step("the app's mobile feature for aarch64-linux-android (type-check, TLS off)");
    shell::ensure_rust_target("aarch64-linux-android")?;
    cargo(&[
        "check",
        "--package",
        "bindery",
        "--no-default-features",
        "--features",
        "mobile",
        "--target",
        "aarch64-linux-android",
    ])?;

    // The dev profile: the release build of the wasm takes minutes longer, and the browser
    // tests check behaviour; `cargo xtask web` makes the release bundle. This build is also
    // the wasm check of bindery-core and bindery-client, which it compiles for the browser.
    let web_root = web::build(true, &shell::target_dir().join("web-dev"))?;
    shell::step("Playwright for the browser tests (npm ci in tests/e2e)");
    shell::npm_ci(&workspace_root().join("tests/e2e"))?;

    // The contract test's fuzzer, pinned: a newer one generates other cases.
    let schemathesis = python::venv(
        "venv-schemathesis-4.32.5",
        &["schemathesis==4.32.5"],
        &[
            "-c",
            "import schemathesis, sys; sys.exit(schemathesis.__version__ != '4.32.5')",
        ],
    )?
    .with_file_name("st");

    shell::step("starting a throwaway PostgreSQL");
    let pg = postgres::Cluster::start()?;
    let envs = [
        ("BINDERY_TEST_PG_URL", pg.url()),
        ("BINDERY_REQUIRE_PG", "1".to_owned()),
        ("BINDERY_REQUIRE_KEYRING", "1".to_owned()),
        ("BINDERY_WEB_ROOT", web_root.display().to_string()),
        ("BINDERY_REQUIRE_BROWSER", "1".to_owned()),
        ("BINDERY_REQUIRE_DISPLAY", "1".to_owned()),
        ("BINDERY_REQUIRE_BENCH_DATA", "1".to_owned()),
        ("BINDERY_SCHEMATHESIS", schemathesis.display().to_string()),
        ("BINDERY_REQUIRE_SCHEMATHESIS", "1".to_owned()),
        // A failing test's message, not a backtrace, ends what the run printed: CI shows the
        // start and the end of a long log. `RUST_BACKTRACE=1 cargo test …` gives one back.
        ("RUST_BACKTRACE", "0".to_owned()),
    ];

    shell::step("doc tests");
    shell::cargo_with_env(&["test", "--workspace", "--doc"], &envs)?;
    shell::print_step_times();
    shell::step("test suites (their time is on the summary line)");
    let result = if shell::has_cargo_subcommand("nextest") {
        shell::cargo_with_env(
            &[
                "nextest",
                "run",
                "--workspace",
                "--no-fail-fast",
                "--failure-output",
                "final",
            ],
            &envs,
        )
    } else {
        shell::cargo_with_env(&["test", "--workspace", "--no-fail-fast"], &envs)
    };
    drop(pg);
    result
}

/// `cargo xtask pg`: the test PostgreSQL by hand, for running one suite with `cargo test`.
fn pg() -> Result<(), Failure> {
    packages::ensure(packages::CLOUD)?;
    let pg = postgres::Cluster::start()?;
    println!("export BINDERY_TEST_PG_URL={}", pg.url());
    eprintln!("press Enter to stop it");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    drop(pg);
    Ok(())
}

/// `cargo xtask fuzz [SECS]`: the QR parser under libFuzzer. Not part of `test` (it needs
/// minutes to mean anything); run it after touching the parser.
fn fuzz(secs: Option<&str>) -> Result<(), Failure> {
    let secs: u64 = match secs {
        None => 600,
        Some(s) => s
            .parse()
            .map_err(|_| Failure::Usage(format!("fuzz: {s:?} is not a number of seconds")))?,
    };
    if !shell::has_cargo_subcommand("fuzz") {
        shell::step("installing cargo-fuzz");
        cargo(&["install", "--locked", "cargo-fuzz"])?;
    }
    let fuzz_dir = workspace_root().join("crates/bindery-core");
    let corpus = shell::target_dir().join("fuzz-corpus/qr_parse");
    std::fs::create_dir_all(&corpus).map_err(|e| Failure::Io(corpus.clone(), e))?;
    shell::run_in(
        &fuzz_dir,
        "cargo",
        &[
            "fuzz",
            "run",
            "qr_parse",
            corpus.to_str().expect("UTF-8 path"),
            "fuzz/seeds",
            "--",
            &format!("-max_total_time={secs}"),
            "-max_len=8192",
        ],
        // cargo-fuzz passes -Z flags; this lets the stable toolchain accept them.
        &[("RUSTC_BOOTSTRAP", "1".to_owned())],
    )
}
