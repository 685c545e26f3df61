//! Python tools from PyPI (the scanner bench's zxing-cpp, the contract test's Schemathesis),
//! each in a venv of its own in the machine's cache: never in the repository, kept between
//! runs and clones, and rebuilt by deleting its folder.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::packages;
use crate::shell::{self, workspace_root, Failure};

/// The Python of the venv `<cache>/<name>`, where `python ARGS…` of `check` succeeds:
/// created, and `pypi` installed into it, when it does not yet.
pub fn venv(name: &str, pypi: &[&str], check: &[&str]) -> Result<PathBuf, Failure> {
    let venv = shell::cache_dir().join(name);
    let python = venv.join("bin/python3");
    if passes(&python, check) {
        return Ok(python);
    }
    if !python.exists() {
        shell::step(&format!("creating a Python venv in {}", venv.display()));
        let venv_arg = path_arg(&venv)?;
        let root = workspace_root();
        if shell::run_in(&root, "python3", &["-m", "venv", &venv_arg], &[]).is_err() {
            // Debian ships the venv module separately.
            let _ = std::fs::remove_dir_all(&venv);
            packages::ensure(&["python3", "python3-venv"])?;
            shell::run_in(&root, "python3", &["-m", "venv", &venv_arg], &[])?;
        }
    }
    shell::step(&format!("installing {} from PyPI", pypi.join(" ")));
    let mut pip = vec![
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ];
    pip.extend(pypi);
    shell::run_in(&workspace_root(), &path_arg(&python)?, &pip, &[])?;
    if passes(&python, check) {
        Ok(python)
    } else {
        Err(Failure::Needs(format!(
            "`{} {}` still fails after pip install; delete {} and try again",
            python.display(),
            check.join(" "),
            venv.display()
        )))
    }
}

fn passes(python: &Path, check: &[&str]) -> bool {
    Command::new(python)
        .args(check)
        .output()
        .is_ok_and(|out| out.status.success())
}

/// A path as a command-line argument (the tools here take UTF-8 paths only).
pub fn path_arg(path: &Path) -> Result<String, Failure> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| Failure::Usage(format!("{} is not a UTF-8 path", path.display())))
}
