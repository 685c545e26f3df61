//! Sign-up, sign-in, sign-out, expiry and the failed-sign-in limit.

use serde_json::json;

use crate::both_backends;
use crate::common::{Auth, TestServer};

both_backends!(
    sign_up_and_in,
    email_taken_and_bad_credentials,
    logout_and_expiry,
    login_rate_limit
);

async fn sign_up_and_in(s: TestServer) {
    let creds = json!({"email": "Ann@Example.com", "password": "correct horse battery"});
    let created = s.post("/v1/users", Auth::None, creds.clone()).await;
    let uid = created.assert_status(201)["uid"]
        .as_str()
        .unwrap()
        .to_owned();
    let session = s.post("/v1/sessions", Auth::None, creds).await;
    let body = session.assert_status(201);
    assert_eq!(body["uid"], uid.as_str());
    let token = body["token"].as_str().unwrap();
    assert_eq!(token.len(), 64, "256 random bits as hex");
    assert!(time::OffsetDateTime::parse(
        body["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339
    )
    .is_ok());
    s.get("/v1/bindings", Auth::Bearer(token))
        .await
        .assert_status(200);
    // The token is stored hashed, never as given.
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE token_hash = $1")
        .bind(token.as_bytes().to_vec())
        .fetch_one(&s.state.db)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM accounts WHERE uid = $1")
        .bind(&uid)
        .fetch_one(&s.state.db)
        .await
        .unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
}

async fn email_taken_and_bad_credentials(s: TestServer) {
    let creds = json!({"email": "bob@example.com", "password": "correct horse battery"});
    s.post("/v1/users", Auth::None, creds.clone())
        .await
        .assert_status(201);
    s.post("/v1/users", Auth::None, creds)
        .await
        .assert_error(409, "email_taken");
    s.post(
        "/v1/users",
        Auth::None,
        json!({"email": "not an email", "password": "correct horse battery"}),
    )
    .await
    .assert_error(400, "invalid_request");
    s.post(
        "/v1/users",
        Auth::None,
        json!({"email": "c@example.com", "password": "short"}),
    )
    .await
    .assert_error(400, "invalid_request");
    s.post(
        "/v1/sessions",
        Auth::None,
        json!({"email": "bob@example.com", "password": "wrong password!"}),
    )
    .await
    .assert_error(401, "unauthorized");
    s.post(
        "/v1/sessions",
        Auth::None,
        json!({"email": "nobody@example.com", "password": "whatever123"}),
    )
    .await
    .assert_error(401, "unauthorized");
}

async fn logout_and_expiry(s: TestServer) {
    let token = s.user("carol@example.com").await;
    s.delete("/v1/sessions/current", Auth::Bearer(&token))
        .await
        .assert_status(204);
    s.get("/v1/bindings", Auth::Bearer(&token))
        .await
        .assert_error(401, "unauthorized");
    s.delete("/v1/sessions/current", Auth::Bearer(&token))
        .await
        .assert_error(401, "unauthorized");

    let token = s.user("dave@example.com").await;
    sqlx::query("UPDATE sessions SET expires_at = 1")
        .execute(&s.state.db)
        .await
        .unwrap();
    s.get("/v1/bindings", Auth::Bearer(&token))
        .await
        .assert_error(401, "unauthorized");
    s.get("/v1/bindings", Auth::None)
        .await
        .assert_error(401, "unauthorized");
    s.get("/v1/bindings", Auth::Bearer("garbage"))
        .await
        .assert_error(401, "unauthorized");
}

async fn login_rate_limit(s: TestServer) {
    s.user("eve@example.com").await;
    let wrong = json!({"email": "eve@example.com", "password": "wrong password!"});
    let max = s.state.limits.login_failures_per_email;
    for _ in 0..max {
        s.post("/v1/sessions", Auth::None, wrong.clone())
            .await
            .assert_error(401, "unauthorized");
    }
    let limited = s.post("/v1/sessions", Auth::None, wrong).await;
    limited.assert_error(429, "rate_limited");
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry), "{retry}");
    // Even the right password waits now: the limit protects the account.
    let right = json!({"email": "eve@example.com", "password": "correct horse battery"});
    s.post("/v1/sessions", Auth::None, right)
        .await
        .assert_error(429, "rate_limited");
    // The count lives in the database (shared by every process on it).
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE email = 'eve@example.com'")
            .fetch_one(&s.state.db)
            .await
            .unwrap();
    assert_eq!(stored, max);
}
