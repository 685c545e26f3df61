//! Runs the real `bindery-cli` binary on every QR form and on malformed labels.

use std::process::Command;

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bindery-cli"))
        .args(args)
        .output()
        .expect("bindery-cli runs");
    (
        out.status.code().expect("exited normally"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Input, kind, product key, SN, bind code, did.
type Row = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

#[test]
fn each_form_prints_its_payload() {
    #[rustfmt::skip]
    let rows: &[Row] = &[
        ("pk=p1a2b3&sn=VDR7098612099028&v=1", "quectel_v1", Some("p1a2b3"), Some("VDR7098612099028"), None, None),
        ("pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD", "bindery_v2", Some("p1a2b3"), Some("BD7K2M9Q4X"), Some("7Q4XK2M9PD"), None),
        ("https://bind.example.com/b?pk=p1a2b3&sn=BD7K2M9Q4X&bc=7Q4XK2M9PD", "url", Some("p1a2b3"), Some("BD7K2M9Q4X"), Some("7Q4XK2M9PD"), None),
        ("product_key=p1a2b3&did=9jQ7GaABuXkqXsNGfyWXvK&passcode=XAVBPXMSKA", "gizwits_legacy", Some("p1a2b3"), None, None, Some("9jQ7GaABuXkqXsNGfyWXvK")),
        ("type=share&code=4b1e0a7fd3c5", "gizwits_share", None, None, None, None),
        ("MT:Y.K9042C00KA0648G00", "matter", None, None, None, None),
        ("VDR7098612099028", "bare_sn", None, Some("VDR7098612099028"), None, None),
        ("hello there", "unknown", None, None, None, None),
    ];
    for &(text, kind, pk, sn, bc, did) in rows {
        let (code, stdout, stderr) = cli(&["qr", "parse", text]);
        assert_eq!(code, 0, "{text}: {stderr}");
        assert_eq!(stdout.lines().count(), 1, "one JSON object on one line");
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(json["kind"], kind, "{text}");
        assert_eq!(json["product_key"].as_str(), pk, "{text}");
        assert_eq!(json["sn"].as_str(), sn, "{text}");
        assert_eq!(json["bind_code"].as_str(), bc, "{text}");
        assert_eq!(json["did"].as_str(), did, "{text}");
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 6, "{keys:?}");
    }
}

#[test]
fn malformed_labels_exit_2_naming_the_problem() {
    #[rustfmt::skip]
    let rows: &[(&str, &str)] = &[
        ("pk=p1a2b3&v=1", "\"sn\""),
        ("pk=p1a2b3&sn=BD7&v=1", "at least 6"),
        ("pk=p1a2b3&sn=BD7K2M9Q4X&v=3", "version \"3\""),
        ("pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PU", "bind code"),
        ("", "empty"),
    ];
    for &(text, needle) in rows {
        let (code, stdout, stderr) = cli(&["qr", "parse", text]);
        assert_eq!(code, 2, "{text}");
        assert!(stdout.is_empty(), "{text}: nothing on stdout");
        assert!(stderr.contains(needle), "{text}: {stderr}");
    }
}

#[test]
fn help_and_usage_errors() {
    for args in [
        &["--help"][..],
        &["qr", "--help"],
        &["qr", "parse", "--help"],
    ] {
        let (code, stdout, _) = cli(args);
        assert_eq!(code, 0);
        assert!(stdout.contains("Usage"), "{args:?}: {stdout}");
    }
    let (code, _, stderr) = cli(&["qr", "parse"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("<TEXT>"), "{stderr}");
}
