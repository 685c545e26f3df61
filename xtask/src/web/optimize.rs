//! Binaryen's `wasm-opt` over the release wasm, after wasm-bindgen: rustc's own size
//! optimisation leaves a good deal that Binaryen's whole-module passes still remove, and every
//! byte is downloaded and compiled by a phone before the first live screen.
//!
//! The tool comes from npm (`binaryen`, pinned in `xtask/npm/package.json`), installed with
//! `npm ci` next to that file the first time a release build needs it. Debian's `binaryen`
//! package was the first choice (xtask installs the rest of its tools that way), but Debian
//! 12's version 108 cannot read what Rust and wasm-bindgen write today (`table.fill`, from
//! the reference-types feature rustc turns on for wasm32 since 1.82); building Binaryen from
//! crates.io (`wasm-opt` crate) compiles its C++ for many minutes. The npm build is Binaryen
//! compiled to WebAssembly: slower than a native one, and only release builds run it.

use std::path::Path;

use crate::packages;
use crate::shell::{self, Failure};

/// Where the npm package that brings `wasm-opt` is declared, under the workspace root.
const TOOLS_DIR: &str = "xtask/npm";

/// The passes `wasm-opt` runs over the app; the README's web figures say why this one.
pub const APP_LEVEL: &str = "-Oz";

/// The passes over the scanner module, which decodes every camera frame: speed first.
pub const SCANNER_LEVEL: &str = "-O3";

/// The WebAssembly features rustc's wasm32-unknown-unknown target emits (its defaults since
/// Rust 1.82/1.87); Binaryen must be told which the module may use.
const FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-bulk-memory-opt",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Rewrites the wasm at `wasm` in place, optimised by `wasm-opt` at `level` ([`APP_LEVEL`],
/// [`SCANNER_LEVEL`]); `simd` when it was built with WebAssembly SIMD (Binaryen refuses a
/// module using a feature it was not told of).
pub fn optimize(wasm: &Path, level: &str, simd: bool) -> Result<(), Failure> {
    let root = shell::workspace_root();
    let tools = root.join(TOOLS_DIR);
    let program = tools.join("node_modules/binaryen/bin/wasm-opt");
    if !program.is_file() {
        packages::ensure_commands(packages::NODE)?;
        shell::step("installing Binaryen's wasm-opt (npm ci in xtask/npm, once per clone)");
        shell::npm_ci(&tools)?;
    }
    let name = wasm.file_name().unwrap_or_default().to_string_lossy();
    shell::step(&format!("wasm-opt {level} {name} (a minute or two)"));
    let wasm = wasm.to_str().expect("UTF-8 path");
    let mut args = vec![program.to_str().expect("UTF-8 path"), level];
    args.extend(FEATURES);
    if simd {
        args.push("--enable-simd");
    }
    args.extend([wasm, "-o", wasm]);
    shell::run_in(&root, "node", &args, &[])
}
