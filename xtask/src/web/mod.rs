//! `cargo xtask web`: the app built for the browser, without `dx`: cargo builds the wasm,
//! wasm-bindgen (the version Cargo.lock pins, installed into the machine's cache when missing)
//! writes the JS glue, and an `index.html` loads both from `/app/`, where
//! `bindery-cloud serve --web-root DIR` serves them.
//!
//! The release build is the one phones get: the `wasm-release` profile (size first),
//! Binaryen's `wasm-opt` ([`optimize`]) and every file compressed once at the best ratio
//! ([`compress`]). The dev build (`--dev`, what the browser tests run) skips all three: they
//! cost minutes and change no behaviour. Both lay the bundle out the same way ([`bundle`]):
//! one folder per build, and the Sign-in screen prerendered into the page.

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
    shell::step(if dev {
        "the web app (wasm32, dev profile)"
    } else {
        "the web app (wasm32, wasm-release profile)"
    });
    let profile = if dev { "dev" } else { RELEASE_PROFILE };
    shell::cargo(&[
        "build",
        "--package",
        "bindery",
        "--bin",
        "bindery",
        "--no-default-features",
        "--features",
        "web",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        profile,
    ])?;
    let wasm = shell::target_dir()
        .join("wasm32-unknown-unknown")
        .join(if dev { "debug" } else { RELEASE_PROFILE })
        .join("bindery.wasm");

    let bindgen = wasm_bindgen(&root)?;
    // wasm-bindgen writes into a staging folder; the build's folder is named after what it
    // wrote (after wasm-opt), so the name is known only then.
    let staged = out.join(".staging");
    if staged.exists() {
        std::fs::remove_dir_all(&staged).map_err(|e| Failure::Io(staged.clone(), e))?;
    }
    std::fs::create_dir_all(&staged).map_err(|e| Failure::Io(staged.clone(), e))?;
    shell::run_in(
        &root,
        bindgen.to_str().expect("UTF-8 path"),
        &[
            "--target",
            "web",
            "--no-typescript",
            "--out-name",
            "bindery",
            "--out-dir",
            staged.to_str().expect("UTF-8 path"),
            wasm.to_str().expect("UTF-8 path"),
        ],
        &[],
    )?;
    if !dev {
        optimize::optimize(&staged.join("bindery_bg.wasm"))?;
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
    use super::locked_version;

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
