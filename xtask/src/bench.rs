//! `cargo xtask bench scan`: the scanner bench against zxing-cpp in one command.
//! `cargo xtask bench wasm`: the web build's scanner module in Chromium against the native
//! decoder (issue 15), after building the release bundle it measures.
//!
//! The peer decoder is the C++ one on PyPI (`zxing-cpp`), so the bench needs a Python with
//! it; that lives in a venv in the machine's cache (`python::venv`: never in the repo,
//! rebuilt by deleting the folder), created and filled on first use. The bench data is not
//! in the repo either: it is a folder given on the command line, by default
//! `../shared/bench` next to the workspace.

use std::path::PathBuf;

use crate::python;
use crate::shell::{self, workspace_root, Failure};

pub const USAGE: &str = "\
usage: cargo xtask bench scan [--data DIR] [--reps N] [--only NAME] [--hard N]
       cargo xtask bench wasm [--data DIR] [--web DIR] [--reps N] [--rounds N] [--photos N] [--scalar]

  --data DIR    the folder holding qr-photos/ (default: ../shared/bench next to the workspace)
  --reps N      repetitions per synthetic frame for the median time (default 25)
  --only NAME   only the photo folders whose name contains NAME (while iterating)
  --hard N      generated frames per hard condition and split (default 30; 0: none)

wasm: --web DIR  a release bundle already built (default: build one into target/web)
      --reps N, --rounds N, --photos N: timed decodes per frame and round, alternated
      rounds, photos per set (defaults 30, 3, 2)
      --scalar: measure the module for browsers without WebAssembly SIMD
      (scanner-scalar.js) instead of the SIMD one (scanner.js)
";

/// What the venv must be able to import, and the PyPI names that provide it.
const IMPORTS: &str = "import zxingcpp, PIL, numpy";
const PYPI: [&str; 3] = ["zxing-cpp", "pillow", "numpy"];

/// `cargo xtask bench <what> [options]`.
pub fn bench(args: &[String]) -> Result<(), Failure> {
    match args.first().map(String::as_str) {
        Some("scan") => scan(&args[1..]),
        Some("wasm") => wasm(&args[1..]),
        Some("-h" | "--help") | None => {
            eprint!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(Failure::Usage(format!(
            "bench: unknown bench {other:?} (there are `scan` and `wasm`)\n\n{USAGE}"
        ))),
    }
}

fn scan(args: &[String]) -> Result<(), Failure> {
    let mut data: Option<PathBuf> = None;
    let mut passed: Vec<String> = Vec::new();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = |v: Option<&String>| {
            v.cloned()
                .ok_or_else(|| Failure::Usage(format!("bench scan: {flag} needs a value")))
        };
        match flag.as_str() {
            "-h" | "--help" => {
                eprint!("{USAGE}");
                return Ok(());
            }
            "--data" => data = Some(PathBuf::from(value(rest.next())?)),
            "--reps" | "--only" | "--hard" => {
                let v = value(rest.next())?;
                passed.extend([flag.clone(), v]);
            }
            _ => {
                return Err(Failure::Usage(format!(
                    "bench scan: unknown option {flag:?}\n\n{USAGE}"
                )))
            }
        }
    }
    let data = bench_data(data)?;
    let python = zxing_venv()?;

    shell::step("scan bench (this takes a few minutes)");
    let mut cmd = vec![
        "bench".to_owned(),
        "--package".into(),
        "bindery-scan".into(),
        "--bench".into(),
        "scan_bench".into(),
        "--".into(),
        "--data".into(),
        python::path_arg(&data)?,
        "--python".into(),
        python::path_arg(&python)?,
    ];
    cmd.extend(passed);
    let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
    shell::cargo(&cmd)
}

/// `cargo xtask bench wasm`: the release bundle (unless `--web` names one), Playwright, then
/// `crates/bindery-scan-web/benches/wasm_vs_native.rs`.
fn wasm(args: &[String]) -> Result<(), Failure> {
    let mut data: Option<PathBuf> = None;
    let mut web: Option<PathBuf> = None;
    let mut passed: Vec<String> = Vec::new();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let mut value = || {
            rest.next()
                .cloned()
                .ok_or_else(|| Failure::Usage(format!("bench wasm: {flag} needs a value")))
        };
        match flag.as_str() {
            "-h" | "--help" => {
                eprint!("{USAGE}");
                return Ok(());
            }
            "--data" => data = Some(PathBuf::from(value()?)),
            "--web" => web = Some(PathBuf::from(value()?)),
            "--reps" | "--rounds" | "--photos" => {
                let v = value()?;
                passed.extend([flag.clone(), v]);
            }
            "--scalar" => passed.push(flag.clone()),
            _ => {
                return Err(Failure::Usage(format!(
                    "bench wasm: unknown option {flag:?}\n\n{USAGE}"
                )))
            }
        }
    }
    let data = bench_data(data)?;
    let web = match web {
        Some(web) => web.canonicalize().map_err(|e| Failure::Io(web, e))?,
        None => crate::web::build(false, &shell::target_dir().join("web"))?,
    };
    shell::step("Playwright for the bench (npm ci in tests/e2e)");
    shell::npm_ci(&workspace_root().join("tests/e2e"))?;
    shell::step("wasm vs native decode bench");
    let mut cmd = vec![
        "bench".to_owned(),
        "--package".into(),
        "bindery-scan-web".into(),
        "--bench".into(),
        "wasm_vs_native".into(),
        "--".into(),
        "--data".into(),
        python::path_arg(&data)?,
        "--web".into(),
        python::path_arg(&web)?,
    ];
    cmd.extend(passed);
    let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
    shell::cargo(&cmd)
}

/// The bench data folder as an absolute path (cargo runs benches in the crate's folder).
fn bench_data(given: Option<PathBuf>) -> Result<PathBuf, Failure> {
    let default = workspace_root().join("../shared/bench");
    let folder = given.unwrap_or(default);
    let photos = folder.join("qr-photos");
    if !photos.is_dir() {
        return Err(Failure::Needs(format!(
            "no bench photos at {}.\n\
             Pass the folder that holds qr-photos/ (the ZXing, zxing-cpp and BoofCV sets), e.g.\n\n    \
             cargo xtask bench scan --data /path/to/shared/bench\n",
            photos.display()
        )));
    }
    folder.canonicalize().map_err(|e| Failure::Io(folder, e))
}

/// A Python that can import zxing-cpp: the venv's, created and filled when missing.
fn zxing_venv() -> Result<PathBuf, Failure> {
    python::venv("bench-venv", &PYPI, &["-c", IMPORTS])
}
