//! HTTPS (issue 15): the app and the API over a real TLS handshake with a self-signed
//! certificate, and the connection limits holding for clients that never finish the handshake.

use std::time::Duration;

use bindery_cloud::links::Sha256Fingerprint;
use bindery_cloud::tls::{self, ServerTls};
use bindery_cloud::{AppState, Limits, LoopbackCloud, StateConfig};
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::common::tls::{handshake, https_client};
use crate::common::{slow_clients_give_way, test_limits};

const INDEX: &str = "<!doctype html><title>Bindery</title>";

/// A cloud on a fresh SQLite file serving HTTPS with a self-signed certificate made in a
/// temp dir, and the web app when `web_root` is given.
async fn https_cloud(
    limits: Limits,
    web_root: Option<&std::path::Path>,
) -> (LoopbackCloud, ServerTls, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let https =
        tls::self_signed(dir.path(), "127.0.0.1:0".parse().unwrap()).expect("a certificate");
    let mut config = StateConfig::new(bindery_cloud::db::sqlite_url(
        &dir.path().join("cloud.sqlite3"),
    ));
    config.limits = limits;
    config.web_root = web_root.map(ToOwned::to_owned);
    let state = AppState::open(config).await.expect("open state");
    let cloud = LoopbackCloud::start_tls(state, https.config.clone())
        .await
        .expect("serve");
    (cloud, https, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_and_the_api_are_served_over_https() {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(web.path().join("index.html"), INDEX).unwrap();
    let wasm: Vec<u8> = b"\0asm\x01\0\0\0"
        .iter()
        .copied()
        .chain((0..20_000u32).flat_map(|i| (i % 97).to_le_bytes()))
        .collect();
    std::fs::write(web.path().join("bindery_bg.wasm"), &wasm).unwrap();
    let (cloud, https, _dir) = https_cloud(test_limits(), Some(web.path())).await;
    assert!(cloud.url.starts_with("https://127.0.0.1:"), "{}", cloud.url);
    let http = https_client(&https.cert_file);

    // The app, its screens and its compressed wasm.
    for path in ["/app/", "/app/scan"] {
        let answer = http
            .get(format!("{}{path}", cloud.url))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{path}");
        assert_eq!(answer.text().await.unwrap(), INDEX, "{path}");
    }
    let answer = http
        .get(format!("{}/app/bindery_bg.wasm", cloud.url))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-encoding"], "br");
    let mut body = Vec::new();
    std::io::Read::read_to_end(
        &mut brotli::Decompressor::new(&answer.bytes().await.unwrap()[..], 4096),
        &mut body,
    )
    .unwrap();
    assert!(body == wasm, "the wasm decodes to the file");

    // The API: sign up and in, and a label link.
    let creds = json!({"email": "phone@example.com", "password": "correct horse battery"});
    let signup = http
        .post(format!("{}/v1/users", cloud.url))
        .json(&creds)
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 201);
    let session = http
        .post(format!("{}/v1/sessions", cloud.url))
        .json(&creds)
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), 201);
    let label = http
        .get(format!("{}/b?pk=p1a2b3&sn=BD7K2M9Q4X", cloud.url))
        .send()
        .await
        .unwrap();
    assert_eq!(label.status(), 303);

    // A bare rustls client sees the certificate whose fingerprint `serve` prints, agrees on
    // HTTP/1.1 even when it offers h2, and is answered over it.
    let address = cloud.url.trim_start_matches("https://");
    let seen = handshake(address, &https.cert_file, "/healthz").await;
    assert_eq!(Sha256Fingerprint::of(&seen.certificate), https.fingerprint);
    assert_eq!(seen.alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert!(
        seen.answer.starts_with("HTTP/1.1 200 OK"),
        "{}",
        seen.answer
    );
    assert!(seen.answer.ends_with("ok"), "{}", seen.answer);

    // A client that does not trust the certificate gets no answer.
    let stranger = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    let refused = stranger.get(format!("{}/healthz", cloud.url)).send().await;
    assert!(refused.is_err(), "{refused:?}");
}

/// A client that opens a connection and never finishes its TLS handshake is dropped within
/// the header timeout, and while it waits it holds one of the capped places, as a slow
/// plain-HTTP client does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_the_handshake_is_dropped() {
    let mut limits = test_limits();
    limits.connections.header_timeout = Duration::from_secs(1);
    limits.connections.max_connections = 2;
    let (cloud, https, _dir) = https_cloud(limits, None).await;
    let address = cloud.url.trim_start_matches("https://").to_owned();

    // The start of a ClientHello, then nothing; and a client that sends nothing at all.
    let mut half = tokio::net::TcpStream::connect(&address).await.unwrap();
    half.write_all(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
        .await
        .unwrap();
    let mut silent = tokio::net::TcpStream::connect(&address).await.unwrap();
    // Both places are taken; a third client is served once they are dropped.
    let health = https_client(&https.cert_file)
        .get(format!("{}/healthz", cloud.url))
        .send();
    slow_clients_give_way(health, [&mut half, &mut silent]).await;
}
