//! `cargo xtask web`: the app built for the browser, without `dx`: cargo builds the wasm,
//! wasm-bindgen (the version Cargo.lock pins, installed into the machine's cache when missing)
//! writes the JS glue, and an `index.html` loads both from `/app/`, where
//! `bindery-cloud serve --web-root DIR` serves them.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::shell::{self, Failure};

const USAGE: &str = "\
usage: cargo xtask web [--dev] [--out DIR]

Builds the web app into DIR (default target/web, or target/web-dev with --dev), then prints
how to serve it. --dev builds faster and runs slower (the profile the browser tests use).
";

/// The page, the installable app's manifest and icons, and the service worker
/// (`assets/web/`): copied next to the wasm, with the build's id written into the worker.
const SHELL_DIR: &str = "assets/web";

/// What `sw.js` says where the build's id goes.
const BUILD_MARK: &str = "__BINDERY_BUILD__";

/// What `sw.js` says where the list of the build's files goes.
const SHELL_MARK: &str = "__BINDERY_SHELL__";

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
        "the web app (wasm32, release profile)"
    });
    let mut args = vec![
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
    ];
    if !dev {
        args.push("--release");
    }
    shell::cargo(&args)?;
    let wasm = shell::target_dir()
        .join("wasm32-unknown-unknown")
        .join(if dev { "debug" } else { "release" })
        .join("bindery.wasm");

    let bindgen = wasm_bindgen(&root)?;
    std::fs::create_dir_all(&out).map_err(|e| Failure::Io(out.clone(), e))?;
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
            out.to_str().expect("UTF-8 path"),
            wasm.to_str().expect("UTF-8 path"),
        ],
        &[],
    )?;
    copy_shell(&root, &out)?;
    Ok(out)
}

/// Copies the page, manifest, icons and service worker into `out`. The worker gets an id made
/// from the built files, so a new build's worker replaces the old one (and its cache) while an
/// unchanged build keeps its own.
fn copy_shell(root: &Path, out: &Path) -> Result<(), Failure> {
    use std::hash::{Hash, Hasher};
    let mut build = std::collections::hash_map::DefaultHasher::new();
    for built in ["bindery_bg.wasm", "bindery.js"] {
        let path = out.join(built);
        std::fs::read(&path)
            .map_err(|e| Failure::Io(path, e))?
            .hash(&mut build);
    }
    let build = format!("{:016x}", build.finish());
    let shell = root.join(SHELL_DIR);
    let entries = std::fs::read_dir(&shell).map_err(|e| Failure::Io(shell.clone(), e))?;
    let mut worker = None;
    for entry in entries {
        let from = entry.map_err(|e| Failure::Io(shell.clone(), e))?.path();
        let Some(name) = from.file_name() else {
            continue;
        };
        if name == "sw.js" {
            worker = Some(from);
        } else {
            let to = out.join(name);
            std::fs::copy(&from, &to).map_err(|e| Failure::Io(to, e))?;
        }
    }
    // The worker last: it lists every file now in `out` (the page as `/app/`).
    let from = worker.ok_or_else(|| Failure::Needs(format!("{} has no sw.js", shell.display())))?;
    let mut files = Vec::new();
    list_files(out, out, &mut files)?;
    files.retain(|f| f != "sw.js");
    files.sort();
    let urls: Vec<String> = files
        .iter()
        .map(|f| match f.as_str() {
            "index.html" => "\"/app/\"".to_owned(),
            f => format!("\"/app/{f}\""),
        })
        .collect();
    let text = std::fs::read_to_string(&from).map_err(|e| Failure::Io(from.clone(), e))?;
    let text = text
        .replace(BUILD_MARK, &build)
        .replace(SHELL_MARK, &format!("[{}]", urls.join(", ")));
    let to = out.join("sw.js");
    std::fs::write(&to, text).map_err(|e| Failure::Io(to, e))?;
    Ok(())
}

/// The files under `dir`, as `/`-separated paths relative to `base`.
fn list_files(base: &Path, dir: &Path, files: &mut Vec<String>) -> Result<(), Failure> {
    let entries = std::fs::read_dir(dir).map_err(|e| Failure::Io(dir.to_owned(), e))?;
    for entry in entries {
        let path = entry.map_err(|e| Failure::Io(dir.to_owned(), e))?.path();
        if path.is_dir() {
            list_files(base, &path, files)?;
        } else if let Ok(relative) = path.strip_prefix(base) {
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push(parts.join("/"));
        }
    }
    Ok(())
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
