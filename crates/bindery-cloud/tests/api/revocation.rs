//! Taking access back: a developer or support key that leaked is revoked (by its holder or by
//! whoever runs the cloud) and refused from the next request on; a user who lost a phone signs
//! out every session at once.

use bindery_cloud::developer::keys::{self, Revoked};
use serde_json::json;

use crate::both_backends;
use crate::common::{Auth, TestServer};

both_backends!(
    a_revoked_developer_key_is_refused_and_says_why,
    a_holder_revokes_the_key_it_holds,
    keys_are_listed_with_their_last_use_and_never_their_secret,
    signing_out_everywhere_ends_every_session_of_the_account_only,
);

async fn a_revoked_developer_key_is_refused_and_says_why(s: TestServer) {
    let key = s.key("acme", false).await;
    s.product(&key, "rev001", "bind_code_required").await;
    let key_id = keys::api_key_id(&s.state, &key).await.unwrap().unwrap();

    assert_eq!(
        keys::revoke_api_key(&s.state, &key_id).await.unwrap(),
        Revoked::Now
    );
    let answer = s.get("/v1/products", Auth::Key(&key)).await;
    answer.assert_error(401, "unauthorized");
    let message = answer.json["error"]["message"].as_str().unwrap();
    assert!(message.contains("revoked"), "{message}");
    // Its products stay, and the key is no owner any more for the server's own commands.
    assert_eq!(keys::api_key_id(&s.state, &key).await.unwrap(), None);

    assert_eq!(
        keys::revoke_api_key(&s.state, &key_id).await.unwrap(),
        Revoked::Already
    );
    assert_eq!(
        keys::revoke_api_key(&s.state, "k_nosuchkey").await.unwrap(),
        Revoked::Unknown
    );
    // Another key is untouched.
    let other = s.key("other", false).await;
    s.get("/v1/products", Auth::Key(&other))
        .await
        .assert_status(200);
}

async fn a_holder_revokes_the_key_it_holds(s: TestServer) {
    for support in [false, true] {
        let key = s.key("leaked", support).await;
        s.delete("/v1/developer/keys/current", Auth::Key(&key))
            .await
            .assert_status(204);
        s.delete("/v1/developer/keys/current", Auth::Key(&key))
            .await
            .assert_error(401, "unauthorized");
        let path = if support {
            "/v1/support/devices/SN0000000001"
        } else {
            "/v1/products"
        };
        s.get(path, Auth::Key(&key))
            .await
            .assert_error(401, "unauthorized");
    }
    // Without a key there is nothing to revoke.
    s.delete("/v1/developer/keys/current", Auth::None)
        .await
        .assert_error(401, "unauthorized");
}

async fn keys_are_listed_with_their_last_use_and_never_their_secret(s: TestServer) {
    let used = s.key("used", false).await;
    let idle = s.key("idle", true).await;
    s.get("/v1/products", Auth::Key(&used))
        .await
        .assert_status(200);

    // The last use is written off the request's path: wait for it, boundedly.
    let mut listed = keys::list_api_keys(&s.state).await.unwrap();
    for _ in 0..100 {
        if listed
            .iter()
            .any(|k| k.name == "used" && k.last_used_at.is_some())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        listed = keys::list_api_keys(&s.state).await.unwrap();
    }
    let used_row = listed.iter().find(|k| k.name == "used").unwrap();
    let idle_row = listed.iter().find(|k| k.name == "idle").unwrap();
    assert!(used_row.last_used_at.is_some(), "{listed:?}");
    assert_eq!(used_row.support, 0);
    assert_eq!(idle_row.last_used_at, None);
    assert_eq!(idle_row.support, 1);
    assert_eq!(idle_row.revoked_at, None);
    let shown = format!("{listed:?}");
    assert!(!shown.contains(&used) && !shown.contains(&idle), "{shown}");
}

async fn signing_out_everywhere_ends_every_session_of_the_account_only(s: TestServer) {
    let phone = s.user("ada@example.com").await;
    let creds = json!({"email": "ada@example.com", "password": "correct horse battery"});
    let laptop = s
        .post("/v1/sessions", Auth::None, creds)
        .await
        .assert_status(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let someone_else = s.user("bob@example.com").await;

    s.delete("/v1/sessions", Auth::Bearer(&laptop))
        .await
        .assert_status(204);
    for token in [&phone, &laptop] {
        s.get("/v1/bindings", Auth::Bearer(token))
            .await
            .assert_error(401, "unauthorized");
    }
    s.get("/v1/bindings", Auth::Bearer(&someone_else))
        .await
        .assert_status(200);
    // Signing in again works as before.
    let again = json!({"email": "ada@example.com", "password": "correct horse battery"});
    s.post("/v1/sessions", Auth::None, again)
        .await
        .assert_status(201);
}
