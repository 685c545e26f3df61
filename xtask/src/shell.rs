//! Running commands and reporting why one failed.

use std::{
    fmt, io,
    path::{Path, PathBuf},
    process::Command,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Why an xtask command stopped.
#[derive(Debug)]
pub enum Failure {
    /// A command ran and failed; its own output already said why.
    Command {
        program: String,
        code: Option<i32>,
    },
    /// A command could not be started at all.
    Spawn {
        program: String,
        error: io::Error,
    },
    /// Something must be done by hand first (for example, install packages as root).
    Needs(String),
    Usage(String),
    Io(PathBuf, io::Error),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Command { program, code } => match code {
                Some(code) => write!(f, "`{program}` failed with exit code {code}"),
                None => write!(f, "`{program}` was killed by a signal"),
            },
            Failure::Spawn { program, error } => {
                write!(f, "could not start `{program}`: {error}")
            }
            Failure::Needs(what) => f.write_str(what),
            Failure::Usage(what) => f.write_str(what),
            Failure::Io(path, error) => write!(f, "{}: {error}", path.display()),
        }
    }
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// Cargo's target directory: `CARGO_TARGET_DIR` when set, else `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

/// The machine's cache for what is safe to keep between runs of one clone or of several
/// clones (compiled dependencies, tools): `BINDERY_CACHE_DIR`, else `$XDG_CACHE_HOME/bindery`,
/// else `~/.cache/bindery`. Never inside the clone, so a fresh clone (CI's) starts warm.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BINDERY_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("bindery");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".cache/bindery"),
        None => workspace_root().join("target/cache"),
    }
}

/// The steps started so far, with when each started (for [`print_step_times`]).
static STEPS: Mutex<Vec<(String, Instant)>> = Mutex::new(Vec::new());

/// Prints a step heading, so a long log shows where it is, and notes when it started.
pub fn step(what: &str) {
    eprintln!("\n==> {what}");
    STEPS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push((what.to_owned(), Instant::now()));
}

/// Prints how long each step so far took (a step ends where the next one starts).
pub fn print_step_times() {
    let steps = STEPS.lock().unwrap_or_else(|p| p.into_inner());
    let now = Instant::now();
    eprintln!("\n==> time per step");
    let mut total = Duration::ZERO;
    for (i, (what, started)) in steps.iter().enumerate() {
        let ended = steps.get(i + 1).map_or(now, |(_, next)| *next);
        let took = ended - *started;
        total += took;
        eprintln!("{:>8.1} s  {what}", took.as_secs_f64());
    }
    eprintln!("{:>8.1} s  in all", total.as_secs_f64());
}

/// `npm ci` in `dir`, quietly and from npm's cache when it can: the exact packages its
/// `package-lock.json` pins.
pub fn npm_ci(dir: &Path) -> Result<(), Failure> {
    run_in(
        dir,
        "npm",
        &[
            "ci",
            "--no-audit",
            "--no-fund",
            "--prefer-offline",
            "--loglevel=error",
        ],
        &[],
    )
}

pub fn run_in(
    dir: &Path,
    program: &str,
    args: &[&str],
    envs: &[(&str, String)],
) -> Result<(), Failure> {
    let shown = format!("{program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .status()
        .map_err(|error| Failure::Spawn {
            program: shown.clone(),
            error,
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::Command {
            program: shown,
            code: status.code(),
        })
    }
}

fn cargo_program() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

pub fn cargo(args: &[&str]) -> Result<(), Failure> {
    cargo_with_env(args, &[])
}

pub fn cargo_with_env(args: &[&str], envs: &[(&str, String)]) -> Result<(), Failure> {
    run_in(&workspace_root(), &cargo_program(), args, envs)
}

/// Whether `cargo <name>` exists (cargo-nextest, cargo-fuzz).
pub fn has_cargo_subcommand(name: &str) -> bool {
    Command::new(cargo_program())
        .args([name, "--version"])
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Adds a compilation target with rustup when it is missing.
pub fn ensure_rust_target(target: &str) -> Result<(), Failure> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|error| Failure::Spawn {
            program: "rustup target list --installed".into(),
            error,
        })?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == target)
    {
        return Ok(());
    }
    run_in(&workspace_root(), "rustup", &["target", "add", target], &[])
}

/// The current user's id (0 for root), from `id -u`.
pub fn user_id() -> Option<u32> {
    let out = Command::new("id").arg("-u").output().ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}
