//! The phones' camera path, run for real in the desktop's webview (WebKitGTK under Xvfb):
//! the app with `--camera webview` against a loopback cloud, driven by
//! `scripts/webview-camera-smoke.sh` (xdotool, a screenshot per step). First with no camera
//! file, where the page's own getUserMedia finds no camera on this machine and Scan says so;
//! then with a label PNG of a real batch as the page's camera stream, where the label is read
//! from the webview's frames, Confirm names its SN, and the clicks bind it.
//!
//! Needs Xvfb, xdotool and imagemagick; `cargo xtask test` installs them and sets
//! `BINDERY_REQUIRE_DISPLAY=1`, so there a missing tool fails the test instead of skipping it.
#![cfg(feature = "desktop")]

use std::path::Path;
use std::process::Command;

use crate::common::{unavailable, TestCloud};

fn has(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|out| out.status.success())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_webview_camera_reads_a_label_and_binds_it() {
    if let Some(tool) = ["Xvfb", "xdotool", "import"].into_iter().find(|t| !has(t)) {
        unavailable(
            "BINDERY_REQUIRE_DISPLAY",
            &format!("{tool} is missing (apt install xvfb xdotool imagemagick)"),
        );
        return;
    }
    let cloud = TestCloud::start().await;
    let label = &cloud.labels[0];
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join(format!("{}.png", label.sn));
    std::fs::write(&png, &label.png).unwrap();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("webview-camera");
    let _ = std::fs::remove_dir_all(&out);
    // A display of its own, so two runs on one machine do not meet.
    let display = 250 + std::process::id() % 100;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/webview-camera-smoke.sh");
    let output = tokio::task::block_in_place(|| {
        Command::new("bash")
            .arg(&script)
            .arg(env!("CARGO_BIN_EXE_bindery"))
            .arg(&cloud.url)
            .arg(&png)
            .arg(&out)
            .env("SMOKE_DISPLAY", display.to_string())
            .output()
            .expect("bash runs")
    });
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap_or_default();
    let (no_camera, scanning) = (read("no-camera.log"), read("label.log"));
    eprintln!("{log}\nscreenshots and logs in {}", out.display());
    assert!(
        output.status.success(),
        "the smoke script failed:\n{log}\n--- no camera:\n{no_camera}\n--- label:\n{scanning}"
    );

    // Without a camera the page's own getUserMedia answered, and Scan said so.
    assert!(no_camera.contains("installed=real"), "{no_camera}");
    assert!(no_camera.contains("state=NoCamera"), "{no_camera}");
    // With the label: the page's camera was the label's stream, it went live, and the code
    // read from its frames opened Confirm on this label's SN.
    assert!(scanning.contains("installed=fake"), "{scanning}");
    assert!(scanning.contains("state=Live"), "{scanning}");
    let confirm = scanning
        .lines()
        .find(|line| line.contains("screen=/app/confirm"))
        .unwrap_or_else(|| panic!("Confirm never showed:\n{scanning}"));
    assert!(
        confirm.contains(&format!("sn={}", label.sn)),
        "{confirm}\n{scanning}"
    );
    assert!(out.join("7-home.png").is_file(), "{log}");

    // The clicks bound it, under the name typed on Confirm.
    let device = bindery_cloud::support::support_device(&cloud.state, &label.sn, None)
        .await
        .expect("the label's SN is in the cloud");
    let binding = device
        .binding
        .unwrap_or_else(|| panic!("{} was not bound:\n{scanning}", label.sn));
    assert_eq!(binding.account_email, "webview@example.com");
    assert_eq!(binding.name, "Webview plug");
}
