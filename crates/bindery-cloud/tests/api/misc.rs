//! The server's shell: health, request ids, malformed and oversized bodies, unknown routes.

use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::common::{Auth, Body, TestServer};

both_backends!(health_and_request_ids, bad_bodies);

async fn health_and_request_ids(s: TestServer) {
    let a = s.get("/healthz", Auth::None).await;
    assert_eq!(a.status, 200);
    let b = s.get("/healthz", Auth::None).await;
    assert_ne!(a.headers["x-request-id"], b.headers["x-request-id"]);
    // A client cannot choose the id support will look up.
    let forged = s
        .http
        .get(format!("{}/healthz", s.base))
        .header("x-request-id", "req_forged")
        .send()
        .await
        .unwrap();
    assert_ne!(forged.headers()["x-request-id"], "req_forged");
    s.get("/v1/nothing-here", Auth::None)
        .await
        .assert_error(404, "not_found");
    s.send(Method::PUT, "/v1/users", Auth::None, None)
        .await
        .assert_error(400, "invalid_request");
}

async fn bad_bodies(s: TestServer) {
    let raw = |body: &'static str| Some(Body::Raw("application/json", body.as_bytes().to_vec()));
    s.send(Method::POST, "/v1/users", Auth::None, raw("{\"email\": "))
        .await
        .assert_error(400, "invalid_request");
    s.send(Method::POST, "/v1/users", Auth::None, raw("[]"))
        .await
        .assert_error(400, "invalid_request");
    s.post(
        "/v1/users",
        Auth::None,
        json!({"email": 5, "password": true}),
    )
    .await
    .assert_error(400, "invalid_request");
    s.post("/v1/users", Auth::None, json!({"email": "a@example.com"}))
        .await
        .assert_error(400, "invalid_request");
    s.send(
        Method::POST,
        "/v1/users",
        Auth::None,
        Some(Body::Raw("text/plain", b"{}".to_vec())),
    )
    .await
    .assert_error(400, "invalid_request");
    let token = s.user("ann@example.com").await;
    s.post(
        "/v1/bindings",
        Auth::Bearer(&token),
        json!({"qr_content": 7, "name": "x"}),
    )
    .await
    .assert_error(400, "invalid_request");
    let huge =
        json!({"email": "a@example.com", "password": "x".repeat(s.state.limits.json_body_bytes)});
    s.post("/v1/users", Auth::None, huge)
        .await
        .assert_error(413, "payload_too_large");
    let answer = s.post("/v1/users", Auth::None, json!({"email": 1})).await;
    let message = answer.json["error"]["message"].as_str().unwrap();
    assert!(!message.contains("src/"), "no internals: {message}");
}

both_backends!(openapi_is_served);

/// The derived document is what `/v1/openapi.json` serves (`src/openapi/tests.rs` checks it
/// against the router).
async fn openapi_is_served(s: TestServer) {
    let doc = s.get("/v1/openapi.json", Auth::None).await;
    assert_eq!(doc.status, 200);
    assert_eq!(&doc.json, bindery_cloud::openapi::document());
}
