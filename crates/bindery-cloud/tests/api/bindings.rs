//! The bind API: inspect, bind (idempotent, raced), list, rename, unbind, every refusal, the
//! bind policies and the failed-bind limits.

use std::sync::Arc;

use serde_json::json;

use crate::both_backends;
use crate::common::{Auth, TestServer};

both_backends!(
    bind_flow,
    refusals,
    qr_forms,
    sn_only_policy,
    race_of_fifty,
    bind_rate_limit,
    address_rate_limits,
    other_accounts_devices,
);

async fn bind_flow(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "bind_code_required").await;
    let labels = s.devices(&key, "plug01", 2).await;
    let ann = s.user("ann@example.com").await;
    let bob = s.user("bob@example.com").await;
    let qr = &labels[0].qr_content;

    let inspected = s
        .post(
            "/v1/qr/inspect",
            Auth::Bearer(&ann),
            json!({"qr_content": qr}),
        )
        .await;
    let body = inspected.assert_status(200);
    assert_eq!(body["status"], "bindable");
    assert_eq!(body["product_key"], "plug01");
    assert_eq!(body["product_name"], "Product plug01");
    assert_eq!(body["sn"], labels[0].sn.as_str());

    let bound = s
        .post(
            "/v1/bindings",
            Auth::Bearer(&ann),
            json!({"qr_content": qr, "name": "  Kitchen  "}),
        )
        .await;
    let device = bound.assert_status(201)["device"].clone();
    assert_eq!(device["name"], "Kitchen");
    assert_eq!(device["sn"], labels[0].sn.as_str());
    let did = device["did"].as_str().unwrap().to_owned();

    // The app retrying after a lost answer gets the same device, not an error.
    let again = s
        .post(
            "/v1/bindings",
            Auth::Bearer(&ann),
            json!({"qr_content": qr, "name": "Kitchen"}),
        )
        .await;
    assert_eq!(again.assert_status(200)["device"], device);

    let you = s
        .post(
            "/v1/qr/inspect",
            Auth::Bearer(&ann),
            json!({"qr_content": qr}),
        )
        .await;
    assert_eq!(you.assert_status(200)["status"], "bound_to_you");
    let other = s
        .post(
            "/v1/qr/inspect",
            Auth::Bearer(&bob),
            json!({"qr_content": qr}),
        )
        .await;
    assert_eq!(other.assert_status(200)["status"], "bound_to_other");
    s.post(
        "/v1/bindings",
        Auth::Bearer(&bob),
        json!({"qr_content": qr, "name": "Mine"}),
    )
    .await
    .assert_error(409, "already_bound");

    let list = s.get("/v1/bindings", Auth::Bearer(&ann)).await;
    assert_eq!(list.assert_status(200)["devices"], json!([device]));
    assert_eq!(
        s.get("/v1/bindings", Auth::Bearer(&bob))
            .await
            .assert_status(200)["devices"],
        json!([])
    );

    let renamed = s
        .patch(
            &format!("/v1/bindings/{did}"),
            Auth::Bearer(&ann),
            json!({"name": "Hall"}),
        )
        .await;
    assert_eq!(renamed.assert_status(200)["device"]["name"], "Hall");
    s.patch(
        &format!("/v1/bindings/{did}"),
        Auth::Bearer(&ann),
        json!({"name": "   "}),
    )
    .await
    .assert_error(422, "invalid_name");
    s.patch(
        &format!("/v1/bindings/{did}"),
        Auth::Bearer(&ann),
        json!({"name": "a\nb"}),
    )
    .await
    .assert_error(422, "invalid_name");
    s.patch(
        &format!("/v1/bindings/{did}"),
        Auth::Bearer(&ann),
        json!({"name": "x".repeat(65)}),
    )
    .await
    .assert_error(422, "invalid_name");
    s.post(
        "/v1/bindings",
        Auth::Bearer(&ann),
        json!({"qr_content": labels[1].qr_content, "name": ""}),
    )
    .await
    .assert_error(422, "invalid_name");

    s.delete(&format!("/v1/bindings/{did}"), Auth::Bearer(&ann))
        .await
        .assert_status(204);
    s.delete(&format!("/v1/bindings/{did}"), Auth::Bearer(&ann))
        .await
        .assert_error(404, "not_found");
    s.patch(
        &format!("/v1/bindings/{did}"),
        Auth::Bearer(&ann),
        json!({"name": "Hall"}),
    )
    .await
    .assert_error(404, "not_found");
    // Unbound, it is free for anyone.
    s.post(
        "/v1/bindings",
        Auth::Bearer(&bob),
        json!({"qr_content": qr, "name": "Mine"}),
    )
    .await
    .assert_status(201);
}

async fn refusals(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "bind_code_required").await;
    let labels = s.devices(&key, "plug01", 1).await;
    let (_, archive) = s.batch(&key, "plug01", 1).await;
    let unactivated = &crate::common::sn_list(&archive)[0];
    let ann = s.user("ann@example.com").await;
    let bind = |qr: String| {
        let s = &s;
        let ann = ann.clone();
        async move {
            s.post(
                "/v1/bindings",
                Auth::Bearer(&ann),
                json!({"qr_content": qr, "name": "X"}),
            )
            .await
        }
    };

    let label = &labels[0];
    let wrong_code = if label.bind_code.starts_with('0') {
        "1"
    } else {
        "0"
    }
    .to_owned()
        + &label.bind_code[1..];
    bind(format!("pk=plug01&sn={}&v=2&bc={wrong_code}", label.sn))
        .await
        .assert_error(403, "bad_bind_code");
    // A label without its code cannot bind a bind_code_required product.
    bind(format!("pk=plug01&sn={}&v=1", label.sn))
        .await
        .assert_error(403, "bad_bind_code");
    bind(label.sn.clone())
        .await
        .assert_error(403, "bad_bind_code");
    bind("pk=plug01&sn=NOSUCHSN0001&v=1".into())
        .await
        .assert_error(404, "sn_not_found");
    // The right SN under another product key is not that device.
    bind(format!(
        "pk=other1&sn={}&v=2&bc={}",
        label.sn, label.bind_code
    ))
    .await
    .assert_error(404, "sn_not_found");
    bind(unactivated.qr_content.clone())
        .await
        .assert_error(409, "sn_not_activated");
    let inspected = s
        .post(
            "/v1/qr/inspect",
            Auth::Bearer(&ann),
            json!({"qr_content": unactivated.qr_content}),
        )
        .await;
    assert_eq!(inspected.assert_status(200)["status"], "not_activated");
    s.post(
        "/v1/qr/inspect",
        Auth::Bearer(&ann),
        json!({"qr_content": "pk=plug01&sn=NOSUCHSN0001&v=1"}),
    )
    .await
    .assert_error(404, "sn_not_found");
    // The URL form and lower-case bind code both work.
    let url = format!(
        "https://bind.example.com/b?pk=plug01&sn={}&bc={}",
        label.sn,
        label.bind_code.to_lowercase()
    );
    bind(url).await.assert_status(201);
}

async fn qr_forms(s: TestServer) {
    let ann = s.user("ann@example.com").await;
    for (qr, needle) in [
        ("hello world", ""),
        ("MT:Y.K9042C00KA0648G00", "Matter"),
        ("type=share&code=abc123", "share codes are not supported"),
        ("", ""),
        ("pk=p!&sn=x", ""),
    ] {
        for path in ["/v1/bindings", "/v1/qr/inspect"] {
            let answer = s
                .post(
                    path,
                    Auth::Bearer(&ann),
                    json!({"qr_content": qr, "name": "X"}),
                )
                .await;
            answer.assert_error(400, "bad_qr_content");
            let message = answer.json["error"]["message"].as_str().unwrap();
            assert!(message.contains(needle), "{qr:?}: {message}");
        }
    }
}

async fn sn_only_policy(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "lamp01", "sn_only").await;
    let csv = "*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n\
               aa:bb:cc:00:00:01,lamp01,VDR7098612099028,,\n\
               aa:bb:cc:00:00:02,lamp01,VDR7098612099029,,\n\
               aa:bb:cc:00:00:03,lamp01,,,\n";
    s.import(&key, "lamp01", "atomic", csv)
        .await
        .assert_status(200);
    let ann = s.user("ann@example.com").await;
    s.post(
        "/v1/bindings",
        Auth::Bearer(&ann),
        json!({"qr_content": "pk=lamp01&sn=VDR7098612099028&v=1", "name": "Lamp"}),
    )
    .await
    .assert_status(201);
    // A bare SN resolves too.
    s.post(
        "/v1/bindings",
        Auth::Bearer(&ann),
        json!({"qr_content": "VDR7098612099029\n", "name": "Lamp 2"}),
    )
    .await
    .assert_status(201);
    // Without an SN the DeviceKey is the SN; Gizwits legacy labels name it as `did`.
    s.post(
        "/v1/bindings",
        Auth::Bearer(&ann),
        json!({"qr_content": "product_key=lamp01&did=aabbcc000003&passcode=x", "name": "Lamp 3"}),
    )
    .await
    .assert_status(201);
    assert_eq!(
        s.get("/v1/bindings", Auth::Bearer(&ann)).await.json["devices"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

async fn race_of_fifty(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "bind_code_required").await;
    let label = s.devices(&key, "plug01", 1).await.remove(0);
    let mut tokens = Vec::new();
    for i in 0..50 {
        tokens.push(s.user(&format!("racer{i}@example.com")).await);
    }
    let s = Arc::new(s);
    let start = Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let (s, start, qr) = (s.clone(), start.clone(), label.qr_content.clone());
            tokio::spawn(async move {
                start.wait().await;
                let answer = s
                    .post(
                        "/v1/bindings",
                        Auth::Bearer(&token),
                        json!({"qr_content": qr, "name": "Mine"}),
                    )
                    .await;
                (answer.status.as_u16(), answer.json)
            })
        })
        .collect();
    let mut created = 0;
    let mut already = 0;
    for task in tasks {
        match task.await.unwrap() {
            (201, _) => created += 1,
            (409, body) if body["error"]["code"] == "already_bound" => already += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!((created, already), (1, 49));
    let bindings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bindings")
        .fetch_one(&s.state.db)
        .await
        .unwrap();
    assert_eq!(bindings, 1);
}

async fn bind_rate_limit(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "bind_code_required").await;
    let label = s.devices(&key, "plug01", 1).await.remove(0);
    let ann = s.user("ann@example.com").await;
    let max = s.state.limits.bind_failures_per_account;
    for i in 0..max {
        s.post(
            "/v1/bindings",
            Auth::Bearer(&ann),
            json!({"qr_content": format!("pk=plug01&sn=GUESS{i:07}&v=1"), "name": "X"}),
        )
        .await
        .assert_error(404, "sn_not_found");
    }
    let limited = s
        .post(
            "/v1/bindings",
            Auth::Bearer(&ann),
            json!({"qr_content": label.qr_content, "name": "X"}),
        )
        .await;
    limited.assert_error(429, "rate_limited");
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&retry), "{retry}");
    // Another account from the same address is not yet limited (the address limit is higher).
    let bob = s.user("bob@example.com").await;
    s.post(
        "/v1/bindings",
        Auth::Bearer(&bob),
        json!({"qr_content": label.qr_content, "name": "X"}),
    )
    .await
    .assert_status(201);
    // Every attempt at a label was recorded with its result and request id; the refusal by
    // the limit was no attempt and wrote nothing (a locked-out caller cannot grow the table).
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT result, request_id FROM bind_attempts ORDER BY at")
            .fetch_all(&s.state.db)
            .await
            .unwrap();
    assert_eq!(rows.len() as i64, max + 1);
    assert_eq!(
        rows.iter().filter(|(r, _)| r == "sn_not_found").count() as i64,
        max
    );
    assert!(!rows.iter().any(|(r, _)| r == "rate_limited"));
    assert!(rows.iter().any(|(r, _)| r == "ok"));
    assert!(rows.iter().all(|(_, id)| id.starts_with("req_")));
}

async fn other_accounts_devices(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "bind_code_required").await;
    let label = s.devices(&key, "plug01", 1).await.remove(0);
    let ann = s.user("ann@example.com").await;
    let bob = s.user("bob@example.com").await;
    let bound = s
        .post(
            "/v1/bindings",
            Auth::Bearer(&ann),
            json!({"qr_content": label.qr_content, "name": "Ann's"}),
        )
        .await;
    let did = bound.assert_status(201)["device"]["did"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        s.get("/v1/bindings", Auth::Bearer(&bob)).await.json["devices"],
        json!([])
    );
    s.patch(
        &format!("/v1/bindings/{did}"),
        Auth::Bearer(&bob),
        json!({"name": "Bob's"}),
    )
    .await
    .assert_error(404, "not_found");
    s.delete(&format!("/v1/bindings/{did}"), Auth::Bearer(&bob))
        .await
        .assert_error(404, "not_found");
    let list = s.get("/v1/bindings", Auth::Bearer(&ann)).await;
    assert_eq!(list.json["devices"][0]["name"], "Ann's");
    // A developer key is not a user.
    s.get("/v1/bindings", Auth::Key(&key))
        .await
        .assert_error(401, "unauthorized");
}

/// Failed binds and sign-ins are also counted per client address, across accounts.
async fn address_rate_limits(s: TestServer) {
    let limits = bindery_cloud::Limits {
        bind_failures_per_address: 6,
        login_failures_per_address: 4,
        ..Default::default()
    };
    let s = s.with_limits(limits).await;
    let tokens = [
        s.user("a1@example.com").await,
        s.user("a2@example.com").await,
        s.user("a3@example.com").await,
    ];
    for (i, token) in tokens.iter().take(2).enumerate() {
        for j in 0..3 {
            s.post(
                "/v1/bindings",
                Auth::Bearer(token),
                json!({"qr_content": format!("pk=plug01&sn=GUESS{i}{j:06}&v=1"), "name": "X"}),
            )
            .await
            .assert_error(404, "sn_not_found");
        }
    }
    // A third account from the same address, with no failures of its own, is refused.
    let limited = s
        .post(
            "/v1/bindings",
            Auth::Bearer(&tokens[2]),
            json!({"qr_content": "pk=plug01&sn=GUESS9000000&v=1", "name": "X"}),
        )
        .await;
    limited.assert_error(429, "rate_limited");
    assert!(limited.headers.contains_key("retry-after"));

    for email in [
        "b1@example.com",
        "b2@example.com",
        "b3@example.com",
        "b4@example.com",
    ] {
        s.post(
            "/v1/sessions",
            Auth::None,
            json!({"email": email, "password": "wrong password!"}),
        )
        .await
        .assert_error(401, "unauthorized");
    }
    let limited = s
        .post(
            "/v1/sessions",
            Auth::None,
            json!({"email": "a3@example.com", "password": "correct horse battery"}),
        )
        .await;
    limited.assert_error(429, "rate_limited");
}
