//! Where the shared bench photos are, for the tests that read a few of them (they are never
//! copied into this repository). Included by path from the crate's unit tests too, so both
//! kinds of test find the data, and say they skip it, the same way.
//!
//! The folder is `BINDERY_BENCH_DATA`, else `../shared/bench` beside the workspace (where a
//! checkout keeps it, and where CI puts its copy of `shared/`). When it is absent a test
//! prints that it is skipped; with `BINDERY_REQUIRE_BENCH_DATA=1` (set by
//! `cargo xtask test`) it fails instead, so a run that must cover these images cannot pass
//! without them.

use std::path::PathBuf;

/// The folder holding `qr-photos/`.
pub fn bench_data_dir() -> PathBuf {
    match std::env::var_os("BINDERY_BENCH_DATA") {
        Some(dir) => PathBuf::from(dir),
        // The crate is crates/bindery-scan in the workspace: where cargo or nextest runs it
        // now (a test binary built in another clone sharing the target dir would otherwise
        // look beside that clone), else where it was built.
        None => std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
            .join("../../../shared/bench"),
    }
}

/// `qr-photos/<name>` of the bench data; `None`, after saying the test is skipped, when the
/// data is absent, unless `BINDERY_REQUIRE_BENCH_DATA=1`, which makes that a failure.
pub fn bench_photo(name: &str) -> Option<PathBuf> {
    let path = bench_data_dir().join("qr-photos").join(name);
    if path.is_file() {
        return Some(path);
    }
    let why = format!(
        "no bench image at {} (set BINDERY_BENCH_DATA to the folder holding qr-photos/)",
        path.display()
    );
    if std::env::var("BINDERY_REQUIRE_BENCH_DATA").as_deref() == Ok("1") {
        panic!("BINDERY_REQUIRE_BENCH_DATA=1 but {why}");
    }
    eprintln!("SKIPPED: {why}; BINDERY_REQUIRE_BENCH_DATA=1 makes this a failure");
    None
}
