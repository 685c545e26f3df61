//! The document against the router and the reference page against the document.

use axum::body::Body;
use axum::http::{Method, Request};
use axum::Router;
use tower::ServiceExt;

use super::*;
use crate::{db, StateConfig};

/// A request to `path` with each `{param}` filled with a plausible value.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').expect("a closed parameter") + open;
        out.push_str(match &rest[open + 1..close] {
            "file" => "1.zip",
            "request_id" => "req_000000000000000000000000",
            _ => "contract1",
        });
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Whether the router (not a handler) refused the request: axum's 404 or 405, which the
/// error middleware words as below.
async fn unrouted(app: &Router, method: &Method, path: &str) -> bool {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .unwrap();
    let answer = app.clone().oneshot(request).await.unwrap();
    let status = answer.status().as_u16();
    let body = axum::body::to_bytes(answer.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let message = body["error"]["message"].as_str().unwrap_or_default();
    (status == 404 && message == "no such API call")
        || status == 405
        || message == "this method is not allowed on this path"
}

/// Every documented operation is routed, and no other method is, on every documented path.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn the_router_serves_exactly_the_documented_operations() {
    let dir = tempfile::tempdir().unwrap();
    let url = db::sqlite_url(&dir.path().join("cloud.sqlite3"));
    let app = crate::app(AppState::open(StateConfig::new(url)).await.unwrap());
    let doc = document();
    let ops = operations(doc);
    assert!(ops.len() >= 23, "{} operations", ops.len());
    let probes = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in &probes {
            let documented = item.get(method.as_str().to_lowercase()).is_some();
            let unrouted = unrouted(&app, method, &concrete(path)).await;
            assert_eq!(
                documented, !unrouted,
                "{method} {path}: documented {documented}, routed {}",
                !unrouted
            );
        }
    }
}

/// The routes declared with a plain `.route("…")` that are not API calls: pages and files for
/// browsers and phones, which the document leaves out.
const NOT_API: [&str; 10] = [
    // web.rs: to the web app.
    "/",
    // console.rs: the console's pages and files, and the API reference's.
    "/console",
    "/console/",
    "/console/{*rest}",
    "/doc",
    "/doc/",
    "/doc/swagger-ui-bundle.js",
    // links.rs: URL labels and the app-link files.
    "/b",
    "/.well-known/assetlinks.json",
    "/.well-known/apple-app-site-association",
];

/// The paths of every `.route("…")` in this crate's sources: one under the API's prefixes
/// would be served undocumented past `routes!`, and any other must be one of [`NOT_API`].
#[test]
fn no_api_route_is_declared_outside_the_document() {
    let doc = document();
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // `.route(` then, on the same line or the next (as rustfmt breaks long ones), a
            // path literal; other text after `.route(` (a variable, this comment) is no path.
            for (at, _) in text.match_indices(".route(") {
                let Some(literal) = text[at + 7..].trim_start().strip_prefix("\"/") else {
                    continue;
                };
                let literal = &text[text.len() - literal.len() - 1..];
                let literal = &literal[..literal.find('"').unwrap()];
                let api = ["/v1", "/qrcode/v1", "/static", "/healthz"]
                    .iter()
                    .any(|prefix| literal.starts_with(prefix));
                assert!(
                    !api || doc["paths"].get(literal).is_some(),
                    "{}: {literal} is routed without documentation; declare it with routes!",
                    path.display()
                );
                assert!(!api, "{}: {literal} bypasses routes!", path.display());
                assert!(
                    NOT_API.contains(&literal),
                    "{}: {literal} is routed outside the document; declare it with routes! \
                     if it is an API call, else add it to NOT_API",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn every_operation_documents_its_answers_and_security() {
    let doc = document();
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    for (method, path, op) in operations(doc) {
        for scheme in super::schemes(op) {
            assert!(schemes.contains_key(scheme), "{method} {path}: {scheme}");
        }
        let responses = op["responses"].as_object().unwrap();
        assert!(responses.contains_key("500"), "{method} {path}");
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path} has no success"
        );
        for (status, answer) in responses {
            if !status.starts_with('2') {
                assert_eq!(
                    answer["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
            }
            assert!(
                !answer["description"]
                    .as_str()
                    .unwrap_or_default()
                    .is_empty(),
                "{method} {path} {status}"
            );
        }
        for waiting in ["429", "503"] {
            if let Some(answer) = responses.get(waiting) {
                let retry = answer["headers"].get("Retry-After");
                assert!(retry.is_some(), "{method} {path} {waiting}");
            }
        }
        // Anyone may sign up, sign in, check health and read the document; everything else,
        // signing out everywhere included, needs credentials.
        let public = [
            ("get", "/healthz"),
            ("get", "/v1/openapi.json"),
            ("post", "/v1/users"),
            ("post", "/v1/sessions"),
        ];
        assert_eq!(
            super::schemes(op).is_empty(),
            public.contains(&(method, path)),
            "{method} {path}: security"
        );
    }
    assert_eq!(doc["openapi"], "3.1.0");
}

/// docs/api.md is the reference rendered from the document.
#[test]
fn the_api_reference_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md");
    let rendered = reference(document());
    if std::env::var_os("BINDERY_BLESS").is_some() {
        std::fs::write(path, &rendered).unwrap();
        return;
    }
    let written = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        written == rendered,
        "docs/api.md is stale: run `BINDERY_BLESS=1 cargo test -p bindery-cloud --lib openapi` \
         and commit it"
    );
}
