//! What makes a second `cargo xtask test` fast and a first one no slower than it must be:
//! a target directory shared by every clone on the machine, and clippy run as the compiler
//! of the workspace's crates instead of as a build of its own.
//!
//! CI builds a fresh clone each time. With cargo's default `target/` inside the clone, every
//! run compiled all ~600 dependencies again; in a directory outside the clone they are
//! compiled once per machine. The workspace's own crates are named by their path inside the
//! workspace, so clones share those artifacts too, and cargo tells them apart by the sources'
//! times: a fresh clone's files are newer than anything built before, so its crates are
//! rebuilt from its own sources.

use std::path::Path;
use std::process::Command;

use crate::shell::{self, Failure};

/// Past this size the shared target directory is emptied before a run: every clone adds its
/// own workspace crates to it, and a machine's disk is not endless.
const MAX_TARGET_BYTES: u64 = 40 << 30;

/// Points cargo at `<cache>/target` unless the caller chose a target directory.
pub fn use_shared_target_dir() -> Result<(), Failure> {
    if std::env::var_os("CARGO_TARGET_DIR").is_some() {
        return Ok(());
    }
    let dir = shell::cache_dir().join("target");
    std::fs::create_dir_all(&dir).map_err(|e| Failure::Io(dir.clone(), e))?;
    let size = size_of(&dir);
    if size > MAX_TARGET_BYTES {
        shell::step(&format!(
            "emptying the shared target directory {} ({} GiB)",
            dir.display(),
            size >> 30
        ));
        std::fs::remove_dir_all(&dir).map_err(|e| Failure::Io(dir.clone(), e))?;
        std::fs::create_dir_all(&dir).map_err(|e| Failure::Io(dir.clone(), e))?;
    }
    eprintln!(
        "xtask: building in {} (shared by every clone on this machine; set CARGO_TARGET_DIR to choose another)",
        dir.display()
    );
    std::env::set_var("CARGO_TARGET_DIR", &dir);
    Ok(())
}

/// Makes every later cargo call compile the workspace's own crates with clippy-driver and
/// `-D warnings`, so building the tests is also the lint. Where the caller already has a
/// workspace wrapper (sccache, say), clippy runs as a check build of its own instead.
pub fn lint_while_building() -> Result<(), Failure> {
    if std::env::var_os("RUSTC_WORKSPACE_WRAPPER").is_some() {
        shell::step("lints (a separate clippy build: RUSTC_WORKSPACE_WRAPPER is taken)");
        return shell::cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]);
    }
    let driver = clippy_driver()?;
    std::env::set_var("RUSTC_WORKSPACE_WRAPPER", driver);
    // clippy-driver reads its own arguments from here, each one followed by this separator
    // (what `cargo clippy -- -D warnings` sets).
    std::env::set_var(
        "CLIPPY_ARGS",
        "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__",
    );
    Ok(())
}

/// The toolchain's clippy-driver, adding the clippy component when it is missing.
fn clippy_driver() -> Result<String, Failure> {
    let which = || {
        Command::new("rustup")
            .args(["which", "clippy-driver"])
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
            .filter(|path| Path::new(path).is_file())
    };
    if let Some(path) = which() {
        return Ok(path);
    }
    shell::run_in(
        &shell::workspace_root(),
        "rustup",
        &["component", "add", "clippy"],
        &[],
    )?;
    which().ok_or_else(|| {
        Failure::Needs("clippy-driver was not found after `rustup component add clippy`".into())
    })
}

/// The bytes of the files under `dir` (symbolic links not followed).
fn size_of(dir: &Path) -> u64 {
    let mut total = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(entry.path()),
                Ok(kind) if kind.is_file() => {
                    total += entry.metadata().map_or(0, |m| m.len());
                }
                _ => {}
            }
        }
    }
    total
}
