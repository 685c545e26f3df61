//! The desktop smoke: the real app in a real window under Xvfb, on a fresh sandbox, driven
//! with xdotool through sign-up → Enter code → Confirm → Home (`scripts/desktop-smoke.sh`,
//! which keeps a screenshot of each step). The clicks must have bound the label: the
//! sandbox's own database is asked afterwards.
//!
//! Needs Xvfb, xdotool and imagemagick; `cargo xtask test` installs them and sets
//! `BINDERY_REQUIRE_DISPLAY=1`, so there a missing tool fails the test instead of skipping it.
#![cfg(feature = "desktop")]

use std::path::Path;
use std::process::Command;

use bindery_cloud::{AppState, StateConfig};

use crate::common::unavailable;

fn has(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|out| out.status.success())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_desktop_window_binds_a_demo_label_from_sign_up_to_home() {
    if let Some(tool) = ["Xvfb", "xdotool", "import"].into_iter().find(|t| !has(t)) {
        unavailable(
            "BINDERY_REQUIRE_DISPLAY",
            &format!("{tool} is missing (apt install xvfb xdotool imagemagick)"),
        );
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("desktop-smoke");
    let _ = std::fs::remove_dir_all(&shots);
    // A display of its own, so two runs on one machine do not meet.
    let display = 150 + std::process::id() % 100;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/desktop-smoke.sh");
    let output = tokio::task::block_in_place(|| {
        Command::new("bash")
            .arg(&script)
            .arg(env!("CARGO_BIN_EXE_bindery"))
            .arg(&shots)
            .env("SMOKE_DATA_DIR", data.path())
            .env("SMOKE_DISPLAY", display.to_string())
            .output()
            .expect("bash runs")
    });
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("{log}\nscreenshots in {}", shots.display());
    assert!(output.status.success(), "the smoke script failed:\n{log}");
    assert!(shots.join("7-home.png").is_file(), "{log}");

    let labels = std::fs::read_to_string(data.path().join("bindery/sandbox-labels/labels.csv"))
        .expect("the sandbox printed its labels");
    let sn = labels
        .lines()
        .nth(1)
        .and_then(|line| line.split(',').next())
        .expect("a first label");
    let url = bindery_cloud::db::sqlite_url(&data.path().join("bindery/sandbox/cloud.sqlite3"));
    let state = AppState::open(StateConfig::new(url))
        .await
        .expect("the sandbox database opens");
    let device = bindery_cloud::support::support_device(&state, sn, None)
        .await
        .expect("the label's SN is in the sandbox");
    let binding = device
        .binding
        .unwrap_or_else(|| panic!("{sn} was not bound:\n{log}"));
    assert_eq!(binding.account_email, "smoke@example.com");
    assert_eq!(binding.name, "Smoke test plug");
}
