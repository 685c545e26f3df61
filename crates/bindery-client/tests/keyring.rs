//! The session store against a real Secret Service (gnome-keyring on a private D-Bus), and
//! the fallback to a private file when no keyring answers.
//!
//! The keyring crate picks its store once per process, from the environment it finds, so
//! each case runs this test binary again as a child in the environment it needs: inside
//! `dbus-run-session` with an unlocked gnome-keyring, or with no D-Bus at all.
//! `cargo xtask test` installs `dbus` and `gnome-keyring` and sets
//! `BINDERY_REQUIRE_KEYRING=1`, so there a missing keyring fails instead of skipping.

#![cfg(target_os = "linux")]

use std::process::Command;

use bindery_client::{SessionBackend, SessionStore, StoredSession};

const CHILD: &str = "BINDERY_KEYRING_TEST_CHILD";

fn session(token: &str) -> StoredSession {
    StoredSession {
        cloud: "http://127.0.0.1:9".to_owned(),
        token: token.to_owned(),
        uid: "u-keyring".to_owned(),
        email: "keyring@example.com".to_owned(),
        expires_at: "2030-01-01T00:00:00Z".to_owned(),
    }
}

fn found(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Runs `test` of this binary again as a child through `sh -c script` ("$0" is the test
/// binary, "$@" the arguments that select the test).
fn rerun(test: &str, script: &str, envs: &[(&str, &str)], remove: &[&str]) {
    let exe = std::env::current_exe().unwrap();
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(script)
        .arg(&exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1");
    for (k, v) in envs {
        command.env(k, v);
    }
    for k in remove {
        command.env_remove(k);
    }
    let output = command.output().expect("run the child test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child {test} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
}

#[test]
fn sessions_round_trip_through_the_os_keyring() {
    if std::env::var_os(CHILD).is_some() {
        let store = SessionStore::open_default();
        assert_eq!(store.backend(), &SessionBackend::Keyring, "{store:?}");
        assert_eq!(store.fallback_warning(), None);
        let cloud = session("").cloud;
        store.clear(&cloud).unwrap();
        assert_eq!(store.load(&cloud).unwrap(), None);
        store.save(&session("token-one")).unwrap();
        assert_eq!(store.load(&cloud).unwrap(), Some(session("token-one")));
        // A new store value (the next run of the app) reads what the keyring kept.
        let next_run = SessionStore::keyring();
        next_run.save(&session("token-two")).unwrap();
        assert_eq!(store.load(&cloud).unwrap().unwrap().token, "token-two");
        store.clear(&cloud).unwrap();
        assert_eq!(next_run.load(&cloud).unwrap(), None);
        return;
    }
    let missing: Vec<_> = ["dbus-run-session", "gnome-keyring-daemon"]
        .into_iter()
        .filter(|p| !found(p))
        .collect();
    if !missing.is_empty() {
        assert!(
            std::env::var("BINDERY_REQUIRE_KEYRING").as_deref() != Ok("1"),
            "the keyring test needs {missing:?} (apt install dbus gnome-keyring)"
        );
        eprintln!("skipped: {missing:?} not installed (apt install dbus gnome-keyring)");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let home_path = home.path().to_str().unwrap();
    // gnome-keyring creates and unlocks a login keyring with the password read from stdin
    // (an empty one creates none); its output names the control socket, not needed here.
    let script = r#"exec dbus-run-session -- sh -c 'printf bindery-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$0" "$@"' "$0" "$@""#;
    rerun(
        "sessions_round_trip_through_the_os_keyring",
        script,
        &[
            ("HOME", home_path),
            ("XDG_DATA_HOME", &format!("{home_path}/data")),
            ("XDG_RUNTIME_DIR", home_path),
        ],
        &["BINDERY_SESSION_FILE"],
    );
}

#[test]
fn without_a_keyring_the_session_goes_to_a_private_file_with_a_warning() {
    if std::env::var_os(CHILD).is_some() {
        let store = SessionStore::open_default();
        let SessionBackend::File(path) = store.backend().clone() else {
            panic!("expected the file fallback, got {store:?}");
        };
        let config = std::env::var("XDG_CONFIG_HOME").unwrap();
        assert!(path.starts_with(&config), "{path:?} is in the config dir");
        let warning = store.fallback_warning().expect("a warning");
        assert!(warning.contains("No OS keyring"), "{warning}");
        assert!(warning.contains(&path.display().to_string()), "{warning}");
        store.save(&session("file-token")).unwrap();
        assert_eq!(
            SessionStore::open_default()
                .load(&session("").cloud)
                .unwrap()
                .unwrap()
                .token,
            "file-token"
        );
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let home_path = home.path().to_str().unwrap();
    rerun(
        "without_a_keyring_the_session_goes_to_a_private_file_with_a_warning",
        r#"exec "$0" "$@""#,
        &[
            ("HOME", home_path),
            ("XDG_CONFIG_HOME", &format!("{home_path}/config")),
            // No session bus: the Secret Service cannot be reached.
            ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus"),
        ],
        &["BINDERY_SESSION_FILE"],
    );
}
