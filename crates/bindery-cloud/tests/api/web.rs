//! `serve --web-root`: the web app's files at `/app/`, next to the API, over a real listener.

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

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
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
