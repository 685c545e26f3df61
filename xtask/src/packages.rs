//! The Debian/Ubuntu packages the builds and suites need, and installing the missing ones.

use std::process::Command;

use crate::shell::{self, Failure};

/// The Dioxus desktop app (WebKitGTK, GTK, libxdo), and Xvfb, xdotool and imagemagick for
/// its smoke test in a real window without a display.
pub const APP: &[&str] = &[
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "libxdo-dev",
    "xvfb",
    "xdotool",
    "imagemagick",
];
/// The scanner: nokhwa's bindings are generated with libclang.
pub const SCAN: &[&str] = &["clang", "libclang-dev"];
/// The session store's keyring test runs gnome-keyring on a private D-Bus session.
pub const CLIENT: &[&str] = &["dbus", "gnome-keyring"];
/// The browser end-to-end tests drive Debian's Chromium (never a downloaded one); a small
/// Chinese font (4 MB) so that the 简体中文 screens they check and photograph show their
/// characters rather than empty boxes on a machine without one.
pub const BROWSER: &[&str] = &["chromium", "fonts-wqy-microhei"];
/// Node.js runs Playwright; a machine may have it from elsewhere than Debian, so it is
/// looked for as commands (command, the Debian package that provides it).
pub const NODE: &[(&str, &str)] = &[("node", "nodejs"), ("npm", "npm")];
/// The cloud's PostgreSQL suite runs against a throwaway server.
pub const CLOUD: &[&str] = &["postgresql"];

fn is_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("install ok installed"))
}

/// Installs the Debian packages of whichever `(command, package)` commands are not on PATH.
pub fn ensure_commands(commands: &[(&str, &str)]) -> Result<(), Failure> {
    let missing: Vec<&str> = commands
        .iter()
        .filter(|(command, _)| {
            Command::new(command)
                .arg("--version")
                .output()
                .map_or(true, |out| !out.status.success())
        })
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    ensure(&missing)
}

/// Installs whatever of `packages` is missing: with apt when root, otherwise by telling the
/// user the exact command and stopping.
pub fn ensure(packages: &[&str]) -> Result<(), Failure> {
    if Command::new("dpkg-query")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "xtask: this is not a Debian/Ubuntu system; make sure these are installed: {}",
            packages.join(" ")
        );
        return Ok(());
    }
    let mut missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| !is_installed(p))
        .collect();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    let command = format!(
        "apt-get install -y --no-install-recommends {}",
        missing.join(" ")
    );
    if shell::user_id() != Some(0) {
        return Err(Failure::Needs(format!(
            "missing system packages. Install them, then run this again:\n\n    sudo apt-get update && sudo {command}\n"
        )));
    }
    shell::step(&format!("installing {}", missing.join(" ")));
    let env = [("DEBIAN_FRONTEND", "noninteractive".to_owned())];
    let root = shell::workspace_root();
    shell::run_in(&root, "apt-get", &["update", "-qq"], &env)?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(&missing);
    shell::run_in(&root, "apt-get", &args, &env)
}
