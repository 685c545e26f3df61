//! Running the `bindery-cloud` binary as operators do: one-shot CLI commands and `serve`
//! processes on a loopback port. Shared by `tests/process.rs`, `tests/contract.rs`,
//! `benches/cloud.rs` and `benches/soak/` (each includes this file with `#[path]`), so the
//! benches measure the same server process the tests check.

#![allow(dead_code)]

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary cargo built for this test or bench target.
pub const BIN: &str = env!("CARGO_BIN_EXE_bindery-cloud");

/// Runs `bindery-cloud ARGS` on the database `url` (with the secret kept in the database).
pub fn cli(url: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("BINDERY_DATABASE_URL", url)
        .env_remove("BINDERY_SECRET")
        .output()
        .expect("run bindery-cloud")
}

/// [`cli`] that must succeed; its standard output.
#[track_caller]
pub fn cli_ok(url: &str, args: &[&str]) -> String {
    let out = cli(url, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// A `bindery-cloud serve` process and its base URL; killed on drop.
pub struct Served {
    pub child: Child,
    pub base: String,
}

/// How to start a `serve` process beyond its database: what [`Served::start`] fixes for the
/// tests, and what the soak bench changes (its port, the real sign-up limit, its logs).
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// The loopback port; `None` picks a free one. A restarted server takes its old port, so
    /// clients keep their address.
    pub port: Option<u16>,
    /// Environment set after the defaults, so it overrides them (e.g. the sign-up limit).
    pub env: Vec<(String, String)>,
    /// Where the server's stderr (its logs) goes; `None` discards it.
    pub log: Option<std::path::PathBuf>,
}

/// A free port of 127.0.0.1 (free when asked; nothing holds it afterwards).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Served {
    /// Starts `serve` on a free port of 127.0.0.1 and waits until `/healthz` answers.
    pub async fn start(url: &str) -> Served {
        Served::start_with(url, &ServeOptions::default()).await
    }

    /// [`Served::start`] with `options`.
    pub async fn start_with(url: &str, options: &ServeOptions) -> Served {
        let port = options.port.unwrap_or_else(free_port);
        let stderr = match &options.log {
            Some(path) => Stdio::from(std::fs::File::create(path).expect("create the server log")),
            None => Stdio::null(),
        };
        let child = Command::new(BIN)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("BINDERY_DATABASE_URL", url)
            .env_remove("BINDERY_SECRET")
            .env("RUST_LOG", "warn")
            // The tests and the `cloud` bench sign every account up from 127.0.0.1 (the soak
            // puts the real limit back through `env`).
            .env("BINDERY_SIGNUPS_PER_ADDRESS", "100000")
            .envs(options.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("spawn bindery-cloud serve");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while reqwest::get(format!("{base}/healthz")).await.is_err() {
            assert!(Instant::now() < deadline, "serve did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Served { child, base }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signs `email` up on the cloud at `base` and signs it in; returns the session token.
pub async fn signed_in_token(http: &reqwest::Client, base: &str, email: &str) -> String {
    let creds = serde_json::json!({"email": email, "password": "correct horse battery"});
    http.post(format!("{base}/v1/users"))
        .json(&creds)
        .send()
        .await
        .unwrap();
    let session: serde_json::Value = http
        .post(format!("{base}/v1/sessions"))
        .json(&creds)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    session["token"].as_str().unwrap().to_owned()
}
