//! The pairing station's call (issue 18): `PUT /v1/products/{pk}/devices/{sn}/device-key`.
//! Idempotent for the same pair, typed refusals for the two ways a pair can conflict, and a
//! paired device can then be bound.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{imei, sn_list, Answer, Auth, Body, TestServer};

both_backends!(pairing, racing_stations);

async fn put_pair(s: &TestServer, pk: &str, sn: &str, key: Auth<'_>, device_key: &str) -> Answer {
    s.send(
        Method::PUT,
        &format!("/v1/products/{pk}/devices/{sn}/device-key"),
        key,
        Some(Body::Json(json!({ "device_key": device_key }))),
    )
    .await
}

async fn pairing(s: TestServer) {
    let maker = s.key("maker", false).await;
    let rival = s.key("rival", false).await;
    let support = s.key("helpdesk", true).await;
    s.product(&maker, "plug01", "bind_code_required").await;
    s.product(&maker, "lamp01", "bind_code_required").await;
    s.product(&rival, "fan001", "bind_code_required").await;
    let plugs = sn_list(&s.batch(&maker, "plug01", 3).await.1);
    let lamp = sn_list(&s.batch(&maker, "lamp01", 1).await.1).remove(0);
    let (a, b) = (imei(35_693_803_564_380), imei(49_015_420_323_751));

    // (case, product, SN, key, DeviceKey, expected status, expected code or pair status)
    let steps: Vec<(&str, &str, &str, Auth, String, u16, &str)> = vec![
        (
            "a fresh pair",
            "plug01",
            &plugs[0].sn,
            Auth::Key(&maker),
            a.clone(),
            201,
            "paired",
        ),
        (
            "the same pair again",
            "plug01",
            &plugs[0].sn,
            Auth::Key(&maker),
            a.clone(),
            200,
            "already_paired",
        ),
        (
            "the same pair, IMEI with spaces",
            "plug01",
            &plugs[0].sn,
            Auth::Key(&maker),
            format!(" {a} "),
            200,
            "already_paired",
        ),
        (
            "another IMEI for a paired SN",
            "plug01",
            &plugs[0].sn,
            Auth::Key(&maker),
            b.clone(),
            409,
            "sn_already_paired",
        ),
        (
            "a used IMEI for another SN",
            "plug01",
            &plugs[1].sn,
            Auth::Key(&maker),
            a.clone(),
            409,
            "device_key_in_use",
        ),
        (
            "a MAC, any spelling",
            "plug01",
            &plugs[1].sn,
            Auth::Key(&maker),
            "A4:CF:12:00:00:99".into(),
            201,
            "paired",
        ),
        (
            "an IMEI failing Luhn",
            "plug01",
            &plugs[2].sn,
            Auth::Key(&maker),
            "490154203237519".into(),
            400,
            "invalid_request",
        ),
        (
            "an SN of another product",
            "plug01",
            &lamp.sn,
            Auth::Key(&maker),
            b.clone(),
            404,
            "sn_not_found",
        ),
        (
            "a malformed SN",
            "plug01",
            "no!such",
            Auth::Key(&maker),
            b.clone(),
            400,
            "invalid_request",
        ),
        (
            "no such product",
            "nope01",
            &plugs[2].sn,
            Auth::Key(&maker),
            b.clone(),
            404,
            "not_found",
        ),
        (
            "another key's product",
            "fan001",
            &plugs[2].sn,
            Auth::Key(&maker),
            b.clone(),
            403,
            "forbidden",
        ),
        (
            "a support key",
            "plug01",
            &plugs[2].sn,
            Auth::Key(&support),
            b.clone(),
            403,
            "forbidden",
        ),
        (
            "no key",
            "plug01",
            &plugs[2].sn,
            Auth::None,
            b.clone(),
            401,
            "unauthorized",
        ),
    ];
    for (case, pk, sn, key, device_key, status, what) in steps {
        let answer = put_pair(&s, pk, sn, key, &device_key).await;
        assert_eq!(answer.status.as_u16(), status, "{case}: {}", answer.json);
        if status < 300 {
            assert_eq!(answer.json["status"], what, "{case}");
            assert_eq!(answer.json["sn"], sn, "{case}");
            assert_eq!(answer.json["product_key"], pk, "{case}");
        } else {
            assert_eq!(answer.code(), what, "{case}: {}", answer.json);
        }
    }
    // The refusals name what is in the way, so the station can say which label is wrong.
    let refused = put_pair(&s, "plug01", &plugs[0].sn, Auth::Key(&maker), &b).await;
    let message = refused.json["error"]["message"].as_str().unwrap();
    assert!(message.contains(&a), "{message}");
    let refused = put_pair(&s, "plug01", &plugs[2].sn, Auth::Key(&maker), &a).await;
    let message = refused.json["error"]["message"].as_str().unwrap();
    assert!(message.contains(&plugs[0].sn), "{message}");

    // The canonical DeviceKey is what is stored and exported; the unpaired SN has none.
    let export = s
        .get("/v1/products/plug01/devices/export", Auth::Key(&maker))
        .await;
    let csv = String::from_utf8(export.bytes).unwrap();
    let keys: Vec<(String, String)> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[0].to_owned(), cells[1].to_owned())
        })
        .collect();
    let key_of = |sn: &str| keys.iter().find(|(s, _)| s == sn).map(|(_, k)| k.as_str());
    assert_eq!(key_of(&plugs[0].sn), Some(a.as_str()));
    assert_eq!(key_of(&plugs[1].sn), Some("a4cf12000099"));
    assert_eq!(key_of(&plugs[2].sn), Some(""));

    // Paired means activated: the device can be bound.
    let ann = s.user("ann@example.com").await;
    let bound = s
        .post(
            "/v1/bindings",
            Auth::Bearer(&ann),
            json!({"qr_content": plugs[0].qr_content, "name": "Kitchen"}),
        )
        .await;
    bound.assert_status(201);
    let unpaired = s
        .post(
            "/v1/bindings",
            Auth::Bearer(&ann),
            json!({"qr_content": plugs[2].qr_content, "name": "Hall"}),
        )
        .await;
    unpaired.assert_error(409, "sn_not_activated");
}

/// Two stations pairing one module with two devices at once: one pair is made, the other
/// is refused `device_key_in_use` — never both, never an internal error.
async fn racing_stations(s: TestServer) {
    let maker = s.key("maker", false).await;
    s.product(&maker, "plug01", "bind_code_required").await;
    let plugs = sn_list(&s.batch(&maker, "plug01", 8).await.1);
    let module = imei(86_123_405_678_901);
    let tasks: Vec<_> = plugs
        .iter()
        .map(|p| {
            let (http, key, module) = (s.http.clone(), maker.clone(), module.clone());
            let url = format!("{}/v1/products/plug01/devices/{}/device-key", s.base, p.sn);
            tokio::spawn(async move {
                let answer = http
                    .put(url)
                    .header("x-api-key", key)
                    .json(&json!({ "device_key": module }))
                    .send()
                    .await
                    .unwrap();
                let status = answer.status().as_u16();
                (status, answer.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut outcomes: Vec<(u16, Value)> = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    outcomes.sort_by_key(|(status, _)| *status);
    assert_eq!(outcomes[0].0, 201, "{outcomes:?}");
    for (status, body) in &outcomes[1..] {
        assert_eq!(*status, 409, "{outcomes:?}");
        assert_eq!(body["error"]["code"], "device_key_in_use", "{outcomes:?}");
    }
}
