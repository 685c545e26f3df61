//! The support view: a device's whole story and the attempt behind a request id.

use serde_json::json;

use crate::both_backends;
use crate::common::{Auth, TestServer};

both_backends!(support_view);

async fn support_view(s: TestServer) {
    let maker = s.key("maker", false).await;
    let support = s.key("helpdesk", true).await;
    s.product(&maker, "plug01", "bind_code_required").await;
    let label = s.devices(&maker, "plug01", 1).await.remove(0);
    let ann = s.user("ann@example.com").await;
    let bob = s.user("bob@example.com").await;
    s.post(
        "/v1/bindings",
        Auth::Bearer(&ann),
        json!({"qr_content": label.qr_content, "name": "Kitchen"}),
    )
    .await
    .assert_status(201);
    let refused = s
        .post(
            "/v1/bindings",
            Auth::Bearer(&bob),
            json!({"qr_content": label.qr_content, "name": "Mine"}),
        )
        .await;
    refused.assert_error(409, "already_bound");
    let request_id = refused.json["error"]["request_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let view = s
        .get(
            &format!("/v1/support/devices/{}", label.sn),
            Auth::Key(&support),
        )
        .await;
    let body = view.assert_status(200);
    assert_eq!(body["sn"], label.sn.as_str());
    assert_eq!(body["product_key"], "plug01");
    assert_eq!(body["product_name"], "Product plug01");
    assert!(body["device_key"].is_string());
    assert!(body["batch_id"].as_str().unwrap().starts_with("b_"));
    assert!(body["imported_at"].is_string());
    assert_eq!(body["binding"]["account_email"], "a***@example.com");
    assert_eq!(body["binding"]["name"], "Kitchen");
    let attempts = body["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["result"], "ok");
    assert_eq!(attempts[0]["account"], "a***@example.com");
    assert_eq!(attempts[1]["result"], "already_bound");
    assert_eq!(attempts[1]["request_id"], request_id.as_str());

    let attempt = s
        .get(
            &format!("/v1/support/requests/{request_id}"),
            Auth::Key(&support),
        )
        .await;
    let body = attempt.assert_status(200);
    assert_eq!(body["account"], "b***@example.com");
    assert_eq!(body["result"], "already_bound");
    assert_eq!(body["sn"], label.sn.as_str());

    s.get("/v1/support/requests/req_nosuch", Auth::Key(&support))
        .await
        .assert_error(404, "not_found");
    s.get("/v1/support/devices/NOSUCHSN01", Auth::Key(&support))
        .await
        .assert_error(404, "sn_not_found");
    s.get(
        &format!("/v1/support/devices/{}", label.sn),
        Auth::Key(&maker),
    )
    .await
    .assert_error(403, "forbidden");
    s.get(
        &format!("/v1/support/devices/{}", label.sn),
        Auth::Bearer(&ann),
    )
    .await
    .assert_error(403, "forbidden");
    s.get(&format!("/v1/support/requests/{request_id}"), Auth::None)
        .await
        .assert_error(401, "unauthorized");
}
