//! `cargo xtask web`: the app built for the browser, without `dx`: cargo builds the wasm,
//! wasm-bindgen (the version Cargo.lock pins, installed into the machine's cache when missing)
//! writes the JS glue, and an `index.html` loads both from `/app/`, where
//! `bindery-cloud serve --web-root DIR` serves them.
//!
//! Two modules go into a build: the app (`bindery`, the `web` feature) and the scanner
//! (`crates/bindery-scan-web` and its worker script), which the app loads into a Web Worker
//! only when it first scans, so the first screen does not wait for the decoder. The scanner
//! is built twice: with WebAssembly SIMD (`scanner.js`, what every current browser runs;
//! binarization vectorized, issue 15) and without (`scanner-scalar.js`, for browsers
//! without SIMD, such as Safari before 16.4); the worker picks one.
//!
//! The release build is the one phones get: the app with the `wasm-release` profile (size
//! first) and the scanner with `wasm-scanner` (speed first: it decodes every camera frame),
//! Binaryen's `wasm-opt` over both ([`optimize`]) and every file compressed once at the best
//! ratio ([`compress`]). The dev build (`--dev`, what the browser tests run) skips all three:
//! they cost minutes and change no behaviour. Both lay the bundle out the same way
//! ([`bundle`]): one folder per build, and the Sign-in screen prerendered into the page.

mod bundle;
mod compress;
mod optimize;

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::shell::{self, Failure};

const USAGE: &str = "\
usage: cargo xtask web [--dev] [--out DIR]

Builds the web app into DIR (default target/web, or target/web-dev with --dev), then prints
how to serve it. --dev builds faster and runs slower (the profile the browser tests use).
";

/// The cargo profile of the release web build (Cargo.toml says why it is not `release`).
const RELEASE_PROFILE: &str = "wasm-release";

/// The cargo profiles of the release scanner modules, with and without SIMD (Cargo.toml
/// says why), and of the dev build's SIMD module (the dev build's scalar module is built
/// with the app).
const SCANNER_PROFILE: &str = "wasm-scanner";
const SCANNER_SCALAR_PROFILE: &str = "wasm-scanner-scalar";
const SCANNER_DEV_PROFILE: &str = "wasm-scanner-dev";

/// What turns WebAssembly SIMD on for the one cargo run that builds the SIMD module. A
/// `--config` rather than RUSTFLAGS: cargo appends it to `.cargo/config.toml`'s flags for
/// wasm32 instead of replacing them, and only that run sees it. The SIMD builds have
/// profiles of their own because flags are not part of what names an artifact (the two
/// builds' crates get the same file and fingerprint names): in one profile, each build
/// would recompile every dependency the other one left.
const SIMD_CONFIG: &str = "target.wasm32-unknown-unknown.rustflags=[\"-Ctarget-feature=+simd128\"]";

/// The names the scanner modules are written under (`<name>.js`, `<name>_bg.wasm`): the
/// SIMD one, and the one for browsers without SIMD.
const SCANNER_SIMD: &str = "scanner";
const SCANNER_SCALAR: &str = "scanner-scalar";

/// The scanner's package, and its worker script (under the workspace root), which goes into
/// the build's folder as [`SCANNER_WORKER`] next to the modules it imports (`scanner.js`
/// or `scanner-scalar.js`).
const SCANNER_PACKAGE: &str = "bindery-scan-web";
const SCANNER_WORKER_SOURCE: &str = "crates/bindery-scan-web/js/worker.js";
const SCANNER_WORKER: &str = "scanner-worker.js";

/// `cargo xtask web [--dev] [--out DIR]`.
pub fn web(args: &[String]) -> Result<(), Failure> {
    let mut dev = false;
    let mut out = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--dev" => dev = true,
            "--out" => {
                let dir = rest
                    .next()
                    .ok_or_else(|| Failure::Usage(format!("--out needs a folder\n\n{USAGE}")))?;
                out = Some(PathBuf::from(dir));
            }
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(());
            }
            other => {
                return Err(Failure::Usage(format!(
                    "unknown option {other:?}\n\n{USAGE}"
                )))
            }
        }
    }
    let out = out.unwrap_or_else(|| shell::target_dir().join(if dev { "web-dev" } else { "web" }));
    let out = build(dev, &out)?;
    eprintln!(
        "\nxtask: the web app is in {dir}\nserve it with its cloud:\n\n    cargo run -p bindery-cloud -- serve --web-root {dir}\n\nthen open http://127.0.0.1:8080/app/",
        dir = out.display()
    );
    Ok(())
}

/// Builds the web app into `out` and returns `out` as an absolute path.
pub fn build(dev: bool, out: &Path) -> Result<PathBuf, Failure> {
    let root = shell::workspace_root();
    let out = if out.is_absolute() {
        out.to_owned()
    } else {
        std::env::current_dir()
            .map_err(|e| Failure::Io(out.to_owned(), e))?
            .join(out)
    };
    shell::ensure_rust_target("wasm32-unknown-unknown")?;
    let app_features = ["--no-default-features", "--features", "bindery/web"];
    let wasm32 = ["--target", "wasm32-unknown-unknown"];
    if dev {
        // One cargo run for both modules: the crates they share are compiled once (with
        // their features unified, which only the release bundle's bytes would notice).
        shell::step("the web app and its scanner module without SIMD (wasm32, dev profile)");
        let mut args = vec!["build", "--package", "bindery", "--bin", "bindery"];
        args.extend(["--package", SCANNER_PACKAGE, "--lib"]);
        args.extend(app_features);
        args.extend(wasm32);
        shell::cargo(&args)?;
        // The SIMD module too, so the browser tests run the module browsers get; once its
        // dependencies are compiled (its own profile keeps them) this is seconds.
        shell::step("the scanner module with SIMD (wasm32, wasm-scanner-dev profile)");
        shell::cargo(&scanner_args(SCANNER_DEV_PROFILE, true))?;
    } else {
        // Two runs: features of shared dependencies would be unified across the two, and
        // the app's wasm must not grow with what the scanner needs.
        shell::step("the web app (wasm32, wasm-release profile)");
        let mut args = vec!["build", "--package", "bindery", "--bin", "bindery"];
        args.extend(app_features);
        args.extend(wasm32);
        args.extend(["--profile", RELEASE_PROFILE]);
        shell::cargo(&args)?;
        shell::step("the scanner module with SIMD (wasm32, wasm-scanner profile)");
        shell::cargo(&scanner_args(SCANNER_PROFILE, true))?;
        shell::step("the scanner module without SIMD (wasm32, wasm-scanner-scalar profile)");
        shell::cargo(&scanner_args(SCANNER_SCALAR_PROFILE, false))?;
    }
    app_links_no_decoder(&root)?;
    let built = shell::target_dir().join("wasm32-unknown-unknown");
    let (app, simd, scalar) = match dev {
        true => ("debug", SCANNER_DEV_PROFILE, "debug"),
        false => (RELEASE_PROFILE, SCANNER_PROFILE, SCANNER_SCALAR_PROFILE),
    };
    let modules = [
        (built.join(app).join("bindery.wasm"), "bindery"),
        (built.join(simd).join("bindery_scan_web.wasm"), SCANNER_SIMD),
        (
            built.join(scalar).join("bindery_scan_web.wasm"),
            SCANNER_SCALAR,
        ),
    ];

    let bindgen = wasm_bindgen(&root)?;
    // wasm-bindgen writes into a staging folder; the build's folder is named after what it
    // wrote (after wasm-opt), so the name is known only then.
    let staged = out.join(".staging");
    if staged.exists() {
        std::fs::remove_dir_all(&staged).map_err(|e| Failure::Io(staged.clone(), e))?;
    }
    std::fs::create_dir_all(&staged).map_err(|e| Failure::Io(staged.clone(), e))?;
    for (module, name) in &modules {
        shell::run_in(
            &root,
            bindgen.to_str().expect("UTF-8 path"),
            &[
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                name,
                "--out-dir",
                staged.to_str().expect("UTF-8 path"),
                module.to_str().expect("UTF-8 path"),
            ],
            &[],
        )?;
    }
    let worker = staged.join(SCANNER_WORKER);
    std::fs::copy(root.join(SCANNER_WORKER_SOURCE), &worker).map_err(|e| Failure::Io(worker, e))?;
    if !dev {
        let wasm = |name: &str| staged.join(format!("{name}_bg.wasm"));
        optimize::optimize(&wasm("bindery"), optimize::APP_LEVEL, false)?;
        optimize::optimize(&wasm(SCANNER_SIMD), optimize::SCANNER_LEVEL, true)?;
        optimize::optimize(&wasm(SCANNER_SCALAR), optimize::SCANNER_LEVEL, false)?;
    }
    let build = bundle::build_name(&root, &staged)?;
    bundle::place_build(&staged, &out, &build)?;
    bundle::write_shell(&root, &out, &build)?;
    if !dev {
        shell::step("compressing the bundle (brotli 11, Zopfli gzip)");
        let mut files = Vec::new();
        bundle::list_files(&out, &out, &mut files)?;
        let files: Vec<PathBuf> = files.iter().map(|f| out.join(f)).collect();
        compress::precompress(&files)?;
    }
    Ok(out)
}

/// `cargo build` of the scanner module for wasm32 with `profile`, with SIMD or without.
fn scanner_args(profile: &'static str, simd: bool) -> Vec<&'static str> {
    let mut args = vec!["build", "--package", SCANNER_PACKAGE, "--lib"];
    args.extend(["--target", "wasm32-unknown-unknown", "--profile", profile]);
    if simd {
        args.extend(["--config", SIMD_CONFIG]);
    }
    args
}

/// The crates the app's web build must not link: the decoder is the scanner module's, which
/// the app loads only when it first scans (see `crates/bindery-scan-web`).
const NOT_IN_THE_APP: &[&str] = &["bindery-scan", "rxing", "rqrr", "image"];

/// Fails when the app's web build links a crate of [`NOT_IN_THE_APP`] (its dependency tree
/// for the browser, as cargo resolves it): the first screen would wait for the decoder again.
fn app_links_no_decoder(root: &Path) -> Result<(), Failure> {
    let program = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let args = [
        "tree",
        "--package",
        "bindery",
        "--no-default-features",
        "--features",
        "web",
        "--target",
        "wasm32-unknown-unknown",
        "--edges",
        "normal",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ];
    let tree = Command::new(&program)
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|error| Failure::Spawn {
            program: format!("{program} tree"),
            error,
        })?;
    if !tree.status.success() {
        return Err(Failure::Command {
            program: format!("{program} {}", args.join(" ")),
            code: tree.status.code(),
        });
    }
    let listed = String::from_utf8_lossy(&tree.stdout);
    let linked = linked_decoder_crates(&listed);
    if linked.is_empty() {
        return Ok(());
    }
    Err(Failure::Needs(format!(
        "the app's web build links {}: the decoder belongs in the scanner module \
         (crates/bindery-scan-web), which the app loads when it first scans; take it out of \
         the `web` feature in Cargo.toml",
        linked.join(", ")
    )))
}

/// Which of [`NOT_IN_THE_APP`] a `cargo tree --prefix none --format {p}` listing names.
fn linked_decoder_crates(listed: &str) -> Vec<&'static str> {
    NOT_IN_THE_APP
        .iter()
        .copied()
        .filter(|name| {
            listed
                .lines()
                .any(|line| line.split_whitespace().next() == Some(*name))
        })
        .collect()
}

/// A `wasm-bindgen` whose version is the `wasm-bindgen` crate's in Cargo.lock (they must
/// match exactly), installed into `<cache>/tools/wasm-bindgen-<version>` when there is none:
/// outside the clone, so a fresh clone on the same machine does not compile it again.
fn wasm_bindgen(root: &Path) -> Result<PathBuf, Failure> {
    let lock_path = root.join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path).map_err(|e| Failure::Io(lock_path, e))?;
    let version = locked_version(&lock, "wasm-bindgen").ok_or_else(|| {
        Failure::Needs("Cargo.lock has no wasm-bindgen: build the web feature once".into())
    })?;
    let tools = shell::cache_dir()
        .join("tools")
        .join(format!("wasm-bindgen-{version}"));
    for candidate in [
        tools.join("bin/wasm-bindgen"),
        PathBuf::from("wasm-bindgen"),
    ] {
        let answer = Command::new(&candidate).arg("--version").output();
        if let Ok(answer) = answer {
            if String::from_utf8_lossy(&answer.stdout)
                .split_whitespace()
                .nth(1)
                == Some(version.as_str())
            {
                return Ok(candidate);
            }
        }
    }
    shell::step(&format!(
        "installing wasm-bindgen-cli {version} into {} (a few minutes, once per machine)",
        tools.display()
    ));
    // Not --locked: the CLI's own lock file pins crates that no longer build on this toolchain.
    // Without the test run's lint wrapper: the tool is not ours to lint, and its own warnings
    // would fail the install.
    let program = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(&program)
        .args(["install", "--quiet", "--root"])
        .arg(&tools)
        .args(["--version", &version, "wasm-bindgen-cli"])
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CLIPPY_ARGS")
        .status()
        .map_err(|error| Failure::Spawn {
            program: format!("{program} install wasm-bindgen-cli"),
            error,
        })?;
    if !status.success() {
        return Err(Failure::Command {
            program: format!("{program} install wasm-bindgen-cli {version}"),
            code: status.code(),
        });
    }
    Ok(tools.join("bin/wasm-bindgen"))
}

/// The version Cargo.lock holds for `package` (the first, if several).
fn locked_version(lock: &str, package: &str) -> Option<String> {
    let wanted = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{linked_decoder_crates, locked_version};

    #[test]
    fn the_decoder_crates_are_found_in_a_tree_listing_by_exact_name() {
        let clean = "bindery v0.1.0 (/w)\nbindery-core v0.1.0 (/w/crates/bindery-core)\n\
                     image-webp v0.2.0\nserde v1.0.0\n";
        assert!(linked_decoder_crates(clean).is_empty());
        let linked = "bindery v0.1.0 (/w)\nbindery-scan v0.1.0 (/w/crates/bindery-scan)\n\
                      rxing v0.9.3\nimage v0.25.10\n";
        assert_eq!(
            linked_decoder_crates(linked),
            ["bindery-scan", "rxing", "image"]
        );
    }

    #[test]
    fn the_locked_version_is_read_from_cargo_lock() {
        let lock = "[[package]]\nname = \"wasm-bindgen-futures\"\nversion = \"0.4.80\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n";
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version(lock, "js-sys"), None);
    }
}
