//! `serve --web-root`: the web app's files at `/app/`, next to the API, over a real listener:
//! its screens' paths load the app, its files go out compressed, and a URL label's `/b` leads
//! to its Confirm screen.

use std::io::Read;

use bindery_cloud::web::{check_web_root, WebRootError};
use bindery_cloud::{AppState, LoopbackCloud, StateConfig};

const INDEX: &str =
    "<!doctype html><title>Bindery</title><script type=module src=/app/bindery.js></script>";

async fn cloud_with_web_root(
    web_root: Option<&std::path::Path>,
) -> (LoopbackCloud, tempfile::TempDir) {
    let db = tempfile::tempdir().expect("temp dir");
    let mut config = StateConfig::new(bindery_cloud::db::sqlite_url(
        &db.path().join("cloud.sqlite3"),
    ));
    config.web_root = web_root.map(ToOwned::to_owned);
    let state = AppState::open(config).await.expect("open state");
    (LoopbackCloud::start(state).await.expect("serve"), db)
}

/// A client that shows answers as sent: no redirects followed, nothing decompressed (even
/// should another crate turn reqwest's decompression on).
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_gzip()
        .no_brotli()
        .build()
        .expect("client")
}

/// A web root with `index.html` and a wasm file big enough to be worth compressing, as
/// `cargo xtask web` writes them; the temp dir and the wasm's bytes.
fn web_root() -> (tempfile::TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("index.html"), INDEX).unwrap();
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    for i in 0u32..40_000 {
        wasm.extend_from_slice(&(i % 251).to_le_bytes());
        wasm.extend_from_slice(b"\x20\x00\x41");
    }
    std::fs::write(dir.path().join("bindery_bg.wasm"), &wasm).unwrap();
    (dir, wasm)
}

#[tokio::test]
async fn the_web_app_is_served_at_app_next_to_the_api() {
    let outer = tempfile::tempdir().expect("temp dir");
    let web = outer.path().join("web");
    std::fs::create_dir(&web).unwrap();
    std::fs::write(web.join("index.html"), INDEX).unwrap();
    std::fs::write(web.join("bindery_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(outer.path().join("outside.txt"), "not for the web").unwrap();
    let (cloud, _db) = cloud_with_web_root(Some(&web)).await;
    let http = client();
    let get = |path: &str| http.get(format!("{}{path}", cloud.url)).send();

    let root = get("/").await.unwrap();
    assert!(root.status().is_redirection(), "{}", root.status());
    assert_eq!(root.headers()["location"], "/app/");

    for path in ["/app/", "/app"] {
        let index = get(path).await.unwrap();
        assert_eq!(index.status(), 200, "{path}");
        assert!(index.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert_eq!(index.headers()["cache-control"], "no-cache");
        assert!(index.headers().contains_key("x-request-id"));
        assert_eq!(index.text().await.unwrap(), INDEX);
    }

    let wasm = get("/app/bindery_bg.wasm").await.unwrap();
    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()["content-type"], "application/wasm");

    assert_eq!(get("/app/missing.js").await.unwrap().status(), 404);
    // Nothing outside the web root, however the path is spelled.
    for path in [
        "/app/../outside.txt",
        "/app/%2e%2e/outside.txt",
        "/app/..%2foutside.txt",
    ] {
        let answer = get(path).await.unwrap();
        assert_ne!(answer.status(), 200, "{path} must not leave the web root");
    }

    let health = get("/healthz").await.unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn without_a_web_root_there_is_no_app() {
    let (cloud, _db) = cloud_with_web_root(None).await;
    let answer = client()
        .get(format!("{}/app/", cloud.url))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
}

#[test]
fn a_folder_without_index_html_is_refused_with_the_way_to_build_one() {
    let empty = tempfile::tempdir().expect("temp dir");
    let error = check_web_root(empty.path()).unwrap_err();
    assert_eq!(
        error,
        WebRootError::NoIndex {
            dir: empty.path().to_owned()
        }
    );
    assert!(error.to_string().contains("cargo xtask web"));
}

/// Every screen has a URL (issue 15): a reload or an opened link on `/app/confirm?…`,
/// `/app/scan` or a device's page loads the app, while a missing file stays missing.
#[tokio::test]
async fn the_apps_screens_load_the_app_and_missing_files_stay_missing() {
    let (web, wasm) = web_root();
    let (cloud, _db) = cloud_with_web_root(Some(web.path())).await;
    let http = client();
    let cases: [(&str, u16, Option<&[u8]>); 10] = [
        ("/app/", 200, Some(INDEX.as_bytes())),
        ("/app/scan", 200, Some(INDEX.as_bytes())),
        (
            "/app/confirm?pk=p1a2b3&sn=BD7K2M9Q4X&bc=7Q4XK2M9PD",
            200,
            Some(INDEX.as_bytes()),
        ),
        (
            "/app/devices/d_9jQ7GaABuXkqXsNG",
            200,
            Some(INDEX.as_bytes()),
        ),
        ("/app/settings/", 200, Some(INDEX.as_bytes())),
        ("/app/bindery_bg.wasm", 200, Some(&wasm)),
        ("/app/x.wasm", 404, None),
        ("/app/missing.js", 404, None),
        ("/app/snippets/gone/inline0.js", 404, None),
        ("/app/..%2foutside.txt", 404, None),
    ];
    for (path, status, body) in cases {
        let answer = http
            .get(format!("{}{path}", cloud.url))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), status, "{path}");
        if let Some(body) = body {
            let content_type = answer.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            assert_eq!(answer.headers()["cache-control"], "no-cache", "{path}");
            assert_eq!(&answer.bytes().await.unwrap()[..], body, "{path}");
            if body == INDEX.as_bytes() {
                assert!(
                    content_type.starts_with("text/html"),
                    "{path}: {content_type}"
                );
            }
        }
    }
}

/// Decodes a body sent with `encoding`.
fn decode(encoding: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        None => out.extend_from_slice(body),
        Some("br") => {
            brotli::Decompressor::new(body, 4096)
                .read_to_end(&mut out)
                .expect("brotli");
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .expect("gzip");
        }
        Some(other) => panic!("unexpected content-encoding {other}"),
    }
    out
}

/// The wasm goes out compressed as the browser allows, brotli first; what arrives decodes to
/// the file.
#[tokio::test]
async fn the_apps_files_are_sent_compressed_as_the_browser_accepts() {
    let (web, wasm) = web_root();
    let (cloud, _db) = cloud_with_web_root(Some(web.path())).await;
    let http = client();
    let cases = [
        (Some("br"), Some("br")),
        (Some("gzip"), Some("gzip")),
        // Chromium's header: brotli wins.
        (Some("gzip, deflate, br, zstd"), Some("br")),
        (Some("br;q=0.5, gzip"), Some("gzip")),
        (Some("identity"), None),
        (None, None),
    ];
    for (accept, encoding) in cases {
        let mut request = http.get(format!("{}/app/bindery_bg.wasm", cloud.url));
        if let Some(accept) = accept {
            request = request.header("accept-encoding", accept);
        }
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status(), 200, "{accept:?}");
        let headers = answer.headers().clone();
        assert_eq!(headers["content-type"], "application/wasm", "{accept:?}");
        assert_eq!(
            headers.get("content-encoding").map(|v| v.to_str().unwrap()),
            encoding,
            "{accept:?}"
        );
        let body = answer.bytes().await.unwrap();
        if encoding.is_some() {
            assert!(
                headers["vary"]
                    .to_str()
                    .unwrap()
                    .contains("accept-encoding"),
                "{accept:?}"
            );
            assert!(
                body.len() < wasm.len() / 4,
                "{accept:?}: {} bytes",
                body.len()
            );
        }
        assert!(decode(encoding, &body) == wasm, "{accept:?}: not the file");
    }
}

/// A `.br` or `.gz` file beside an asset (a release build writes them at the best ratio)
/// is sent as it is, not compressed again, saying that it depends on Accept-Encoding; in a
/// build's folder (`cargo xtask web` puts each build's files in its own) the browser may
/// keep it for good, elsewhere it must ask again.
#[tokio::test]
async fn precompressed_files_are_sent_as_they_are() {
    let (web, _) = web_root();
    let script = "export default function init() { return 'bindery'; }\n".repeat(200);
    let mut brotli_file = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut brotli_file, 4096, 11, 22);
        std::io::Write::write_all(&mut writer, script.as_bytes()).unwrap();
    }
    std::fs::create_dir(web.path().join("build-00ff")).unwrap();
    for dir in [web.path().to_owned(), web.path().join("build-00ff")] {
        std::fs::write(dir.join("bindery.js"), &script).unwrap();
        std::fs::write(dir.join("bindery.js.br"), &brotli_file).unwrap();
    }
    let (cloud, _db) = cloud_with_web_root(Some(web.path())).await;
    for (path, cache) in [
        ("/app/bindery.js", "no-cache"),
        (
            "/app/build-00ff/bindery.js",
            "public, max-age=31536000, immutable",
        ),
    ] {
        let answer = client()
            .get(format!("{}{path}", cloud.url))
            .header("accept-encoding", "br")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{path}");
        let headers = answer.headers();
        assert_eq!(headers["content-encoding"], "br", "{path}");
        assert_eq!(headers["vary"], "accept-encoding", "{path}");
        assert_eq!(headers.get_all("vary").iter().count(), 1, "{path}");
        assert_eq!(headers["cache-control"], cache, "{path}");
        assert!(headers["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript"));
        assert_eq!(answer.bytes().await.unwrap(), brotli_file, "{path}");
    }
}

/// With the web app served, a URL label's link goes to its Confirm screen with the query as
/// printed; a link that is no label gets the page that says so, not the app.
#[tokio::test]
async fn a_url_label_opens_the_apps_confirm_screen() {
    let (web, _) = web_root();
    let (cloud, _db) = cloud_with_web_root(Some(web.path())).await;
    let http = client();
    for query in [
        "pk=p1a2b3&sn=BD7K2M9Q4X&bc=7Q4XK2M9PD",
        "pk=p1a2b3&sn=BD7K2M9Q4X",
        "SN=BD7K%2D2M9Q4X&PK=p1a2b3&bc=7Q4X-K2M9-PD&utm_source=box",
    ] {
        let answer = http
            .get(format!("{}/b?{query}", cloud.url))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 303, "{query}");
        assert_eq!(
            answer.headers()["location"],
            format!("/app/confirm?{query}").as_str()
        );
        assert_eq!(answer.headers()["cache-control"], "no-store");
        assert_eq!(answer.headers()["referrer-policy"], "no-referrer");
        // Where it leads loads the app.
        let confirm = http
            .get(format!("{}/app/confirm?{query}", cloud.url))
            .send()
            .await
            .unwrap();
        assert_eq!(confirm.text().await.unwrap(), INDEX);
    }
    let bad = http
        .get(format!("{}/b?pk=p1a2b3", cloud.url))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.headers().get("location").is_none());
    assert!(bad.text().await.unwrap().contains("no SN (sn)"));
}
