//! Organisations (issue 16): people by role, keys made in the console, the audit log, the
//! device list, support's search and unbind, signed download links — and that another
//! organisation's key or people see none of it.

use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{sn_list, Auth, TestServer};

both_backends!(
    an_owner_runs_an_organisation_from_the_console,
    roles_decide_what_people_may_do,
    another_organisation_sees_nothing,
    support_finds_and_unbinds_with_a_reason,
    the_device_list_pages_and_searches,
    signed_links_open_one_file_until_they_expire,
    the_console_is_served_with_its_files,
);

/// A signed-in person who made an organisation: (token, org id).
async fn owner_with_org(s: &TestServer, email: &str, org: &str) -> (String, String) {
    let token = s.user(email).await;
    let made = s
        .post("/v1/orgs", Auth::Bearer(&token), json!({"name": org}))
        .await;
    let org_id = made.assert_status(201)["org_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(made.json["role"], "owner");
    (token, org_id)
}

/// The audit log's actions, newest first.
async fn audit_actions(s: &TestServer, token: &str, org: &str) -> Vec<(String, String, String)> {
    let log = s
        .get(&format!("/v1/orgs/{org}/audit"), Auth::Bearer(token))
        .await;
    log.assert_status(200)["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["target"].as_str().unwrap().to_owned(),
                e["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn an_owner_runs_an_organisation_from_the_console(s: TestServer) {
    let (owner, org) = owner_with_org(&s, "olga@example.com", "Acme Plugs").await;
    let listed = s.get("/v1/orgs", Auth::Bearer(&owner)).await;
    assert_eq!(listed.assert_status(200)["orgs"][0]["name"], "Acme Plugs");
    // One person cannot fill the cloud with organisations.
    let spammer = s.user("spam@example.com").await;
    for n in 0..bindery_cloud::orgs::MAX_OWNED_ORGS {
        s.post(
            "/v1/orgs",
            Auth::Bearer(&spammer),
            json!({"name": format!("Org {n}")}),
        )
        .await
        .assert_status(201);
    }
    s.post(
        "/v1/orgs",
        Auth::Bearer(&spammer),
        json!({"name": "One more"}),
    )
    .await
    .assert_error(400, "invalid_request");

    // A key made in the console is shown once, listed without its secret, and works.
    let made = s
        .post(
            &format!("/v1/orgs/{org}/keys"),
            Auth::Bearer(&owner),
            json!({"name": "factory"}),
        )
        .await;
    let key = made.assert_status(201)["key"].as_str().unwrap().to_owned();
    let key_id = made.json["key_id"].as_str().unwrap().to_owned();
    assert_eq!(made.json["role"], "developer");
    s.product(&key, "acme01", "bind_code_required").await;
    let keys = s
        .get(&format!("/v1/orgs/{org}/keys"), Auth::Bearer(&owner))
        .await;
    let listed = &keys.assert_status(200)["keys"][0];
    assert_eq!(listed["key_id"], key_id.as_str());
    assert!(
        listed.get("key").is_none(),
        "the secret is never listed: {listed}"
    );

    // The owner sees the key's product in the console, and makes one too.
    let products = s.get("/v1/products", Auth::Member(&owner, &org)).await;
    assert_eq!(
        products.assert_status(200)["products"][0]["product_key"],
        "acme01"
    );
    s.post(
        "/v1/products",
        Auth::Member(&owner, &org),
        json!({"name": "Acme Bulb", "product_key": "acme02", "bind_policy": "sn_only"}),
    )
    .await
    .assert_status(201);
    let batch = s
        .post(
            "/v1/products/acme02/sn-batches",
            Auth::Member(&owner, &org),
            json!({"count": 3}),
        )
        .await;
    let batch_id = batch.assert_status(201)["batch_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let preview = s
        .get(
            &format!("/v1/sn-batches/{batch_id}/preview"),
            Auth::Member(&owner, &org),
        )
        .await;
    let labels = preview.assert_status(200)["labels"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(labels.len(), 3);
    for label in &labels {
        // A PNG: its signature in base64.
        assert!(
            label["png_base64"]
                .as_str()
                .unwrap()
                .starts_with("iVBORw0KGgo"),
            "{label}"
        );
    }

    // Revoked in the console: refused from the next request on.
    s.delete(
        &format!("/v1/orgs/{org}/keys/{key_id}"),
        Auth::Bearer(&owner),
    )
    .await
    .assert_status(204);
    s.get("/v1/products", Auth::Key(&key))
        .await
        .assert_error(401, "unauthorized");

    let actions = audit_actions(&s, &owner, &org).await;
    let names: Vec<&str> = actions.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(
        names,
        [
            "key.revoke",
            "batch.create",
            "product.create",
            "product.create",
            "key.create",
            "org.create"
        ]
    );
    assert_eq!(actions[1].1, batch_id);
    assert_eq!(actions[1].2, "3 SNs");
    let log = s
        .get(&format!("/v1/orgs/{org}/audit"), Auth::Bearer(&owner))
        .await;
    let events = log.json["events"].as_array().unwrap();
    assert_eq!(events[0]["actor"], "olga@example.com");
    assert_eq!(events[3]["actor"], format!("key factory ({key_id})"));

    // Paged: two at a time, newest first, nothing repeated or skipped.
    let mut seen = Vec::new();
    let mut path = format!("/v1/orgs/{org}/audit?limit=2");
    loop {
        let page = s.get(&path, Auth::Bearer(&owner)).await;
        let body = page.assert_status(200).clone();
        for event in body["events"].as_array().unwrap() {
            seen.push(event["action"].as_str().unwrap().to_owned());
        }
        match body["next_before"].as_str() {
            Some(next) => path = format!("/v1/orgs/{org}/audit?limit=2&before={next}"),
            None => break,
        }
    }
    assert_eq!(seen, names);
}

async fn roles_decide_what_people_may_do(s: TestServer) {
    let (owner, org) = owner_with_org(&s, "olga@example.com", "Acme").await;
    s.post(
        "/v1/products",
        Auth::Member(&owner, &org),
        json!({"name": "Plug", "product_key": "plug01", "bind_policy": "bind_code_required"}),
    )
    .await
    .assert_status(201);

    // Invitations: a one-time code per person.
    let invite = |role: &'static str| {
        let owner = owner.clone();
        let org = org.clone();
        let s = &s;
        async move {
            let made = s
                .post(
                    &format!("/v1/orgs/{org}/invites"),
                    Auth::Bearer(&owner),
                    json!({"role": role}),
                )
                .await;
            made.assert_status(201)["code"].as_str().unwrap().to_owned()
        }
    };
    let dev_code = invite("developer").await;
    let support_code = invite("support").await;
    let dave = s.user("dave@example.com").await;
    let sue = s.user("sue@example.com").await;
    let joined = s
        .post(
            "/v1/invites/accept",
            Auth::Bearer(&dave),
            json!({"code": dev_code}),
        )
        .await;
    assert_eq!(joined.assert_status(200)["role"], "developer");
    s.post(
        "/v1/invites/accept",
        Auth::Bearer(&sue),
        json!({"code": dev_code}),
    )
    .await
    .assert_error(404, "not_found");
    s.post(
        "/v1/invites/accept",
        Auth::Bearer(&sue),
        json!({"code": support_code}),
    )
    .await
    .assert_status(200);

    // A developer makes batches but does not manage people; support does neither.
    s.post(
        "/v1/products/plug01/sn-batches",
        Auth::Member(&dave, &org),
        json!({"count": 2}),
    )
    .await
    .assert_status(201);
    s.get(&format!("/v1/orgs/{org}/members"), Auth::Bearer(&dave))
        .await
        .assert_error(403, "forbidden");
    let refused = s
        .post(
            "/v1/products/plug01/sn-batches",
            Auth::Member(&sue, &org),
            json!({"count": 2}),
        )
        .await;
    refused.assert_error(403, "forbidden");
    assert!(refused.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("support"));
    // Support reads the product's devices and uses the support view.
    s.get("/v1/products/plug01/devices", Auth::Member(&sue, &org))
        .await
        .assert_status(200);
    s.get(
        "/v1/support/search?q=nobody@example.com",
        Auth::Member(&sue, &org),
    )
    .await
    .assert_status(200);
    s.get(
        "/v1/support/search?q=nobody@example.com",
        Auth::Member(&dave, &org),
    )
    .await
    .assert_error(403, "forbidden");

    // Someone outside: the organisation does not answer as theirs.
    let eve = s.user("eve@example.com").await;
    s.get("/v1/products", Auth::Member(&eve, &org))
        .await
        .assert_error(403, "forbidden");
    s.get(&format!("/v1/orgs/{org}/members"), Auth::Bearer(&eve))
        .await
        .assert_error(404, "not_found");
    s.get("/v1/products", Auth::Bearer(&eve))
        .await
        .assert_error(403, "forbidden");

    // Roles change; the last owner stays.
    let members = s
        .get(&format!("/v1/orgs/{org}/members"), Auth::Bearer(&owner))
        .await;
    let members = members.assert_status(200)["members"]
        .as_array()
        .unwrap()
        .clone();
    let uid_of = |email: &str| -> String {
        members
            .iter()
            .find(|m| m["email"] == email)
            .map(|m| m["uid"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let (olga, dave_uid) = (uid_of("olga@example.com"), uid_of("dave@example.com"));
    s.patch(
        &format!("/v1/orgs/{org}/members/{olga}"),
        Auth::Bearer(&owner),
        json!({"role": "developer"}),
    )
    .await
    .assert_error(400, "invalid_request");
    s.delete(
        &format!("/v1/orgs/{org}/members/{olga}"),
        Auth::Bearer(&owner),
    )
    .await
    .assert_error(400, "invalid_request");
    s.patch(
        &format!("/v1/orgs/{org}/members/{dave_uid}"),
        Auth::Bearer(&owner),
        json!({"role": "owner"}),
    )
    .await
    .assert_status(204);
    s.get(&format!("/v1/orgs/{org}/members"), Auth::Bearer(&dave))
        .await
        .assert_status(200);
    s.delete(
        &format!("/v1/orgs/{org}/members/{dave_uid}"),
        Auth::Bearer(&owner),
    )
    .await
    .assert_status(204);
    s.get("/v1/products", Auth::Member(&dave, &org))
        .await
        .assert_error(403, "forbidden");
    let actions: Vec<String> = audit_actions(&s, &owner, &org)
        .await
        .into_iter()
        .map(|(a, _, _)| a)
        .collect();
    assert_eq!(
        actions,
        [
            "member.remove",
            "member.role",
            "batch.create",
            "member.join",
            "member.join",
            "member.invite",
            "member.invite",
            "product.create",
            "org.create"
        ]
    );
}

async fn another_organisation_sees_nothing(s: TestServer) {
    let (owner, org) = owner_with_org(&s, "olga@example.com", "Acme").await;
    let key_a = s
        .post(
            &format!("/v1/orgs/{org}/keys"),
            Auth::Bearer(&owner),
            json!({"name": "a"}),
        )
        .await
        .assert_status(201)["key"]
        .as_str()
        .unwrap()
        .to_owned();
    s.product(&key_a, "acme01", "bind_code_required").await;
    let labels = s.devices(&key_a, "acme01", 2).await;
    let (batch_id, _) = s.batch(&key_a, "acme01", 1).await;
    let ann = s.user("ann@example.com").await;
    s.post(
        "/v1/bindings",
        Auth::Bearer(&ann),
        json!({"qr_content": labels[0].qr_content, "name": "Kitchen"}),
    )
    .await
    .assert_status(201);

    // Organisation B: a developer key, an organisation support key, and its owner.
    let key_b = s.key("other maker", false).await;
    let (owner_b, org_b) = owner_with_org(&s, "bert@example.com", "Other").await;
    let support_b = s
        .post(
            &format!("/v1/orgs/{org_b}/keys"),
            Auth::Bearer(&owner_b),
            json!({"name": "helpdesk", "role": "support"}),
        )
        .await
        .assert_status(201)["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let products = s.get("/v1/products", Auth::Key(&key_b)).await;
    assert_eq!(products.assert_status(200)["products"], json!([]));
    for path in [
        "/v1/products/acme01/devices".to_owned(),
        "/v1/products/acme01/sn-batches".to_owned(),
        "/v1/products/acme01/devices/export".to_owned(),
        format!("/v1/sn-batches/{batch_id}/archive"),
    ] {
        s.get(&path, Auth::Key(&key_b))
            .await
            .assert_error(403, "forbidden");
        s.get(&path, Auth::Member(&owner_b, &org_b))
            .await
            .assert_error(403, "forbidden");
    }
    let sn = &labels[0].sn;
    for auth in [Auth::Key(&support_b), Auth::Member(&owner_b, &org_b)] {
        s.get(&format!("/v1/support/devices/{sn}"), auth)
            .await
            .assert_error(404, "sn_not_found");
    }
    for q in [sn.as_str(), "ann@example.com"] {
        let found = s
            .get(&format!("/v1/support/search?q={q}"), Auth::Key(&support_b))
            .await;
        assert_eq!(found.assert_status(200)["matches"], json!([]), "{q}");
    }
    s.post(
        &format!("/v1/support/devices/{sn}/unbind"),
        Auth::Key(&support_b),
        json!({"reason": "customer asked"}),
    )
    .await
    .assert_error(404, "sn_not_found");
    s.get(&format!("/v1/orgs/{org}/audit"), Auth::Bearer(&owner_b))
        .await
        .assert_error(404, "not_found");
    // The operator's support key (no organisation) still sees every device.
    let operator = s.key("operator", true).await;
    s.get(&format!("/v1/support/devices/{sn}"), Auth::Key(&operator))
        .await
        .assert_status(200);
}

async fn support_finds_and_unbinds_with_a_reason(s: TestServer) {
    let (owner, org) = owner_with_org(&s, "olga@example.com", "Acme").await;
    let key = s
        .post(
            &format!("/v1/orgs/{org}/keys"),
            Auth::Bearer(&owner),
            json!({"name": "a"}),
        )
        .await
        .assert_status(201)["key"]
        .as_str()
        .unwrap()
        .to_owned();
    s.product(&key, "acme01", "bind_code_required").await;
    let labels = s.devices(&key, "acme01", 2).await;
    let ann = s.user("ann@example.com").await;
    let bob = s.user("bob@example.com").await;
    s.post(
        "/v1/bindings",
        Auth::Bearer(&ann),
        json!({"qr_content": labels[0].qr_content, "name": "Kitchen"}),
    )
    .await
    .assert_status(201);
    let refused = s
        .post(
            "/v1/bindings",
            Auth::Bearer(&bob),
            json!({"qr_content": labels[0].qr_content, "name": "Mine"}),
        )
        .await;
    refused.assert_error(409, "already_bound");
    let request_id = refused.json["error"]["request_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let as_owner = Auth::Member(&owner, &org);
    let matches = |answer: &Value| -> Vec<(String, String)> {
        answer["matches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["sn"].as_str().unwrap().to_owned(),
                    m["matched"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let sn = labels[0].sn.clone();
    let by_request = s
        .get(&format!("/v1/support/search?q={request_id}"), as_owner)
        .await;
    assert_eq!(
        matches(by_request.assert_status(200)),
        [(sn.clone(), "request_id".to_owned())]
    );
    let by_email = s
        .get(
            "/v1/support/search?q=BOB@example.com",
            Auth::Member(&owner, &org),
        )
        .await;
    assert_eq!(
        matches(by_email.assert_status(200)),
        [(sn.clone(), "email".to_owned())]
    );
    let by_sn = s
        .get(
            &format!("/v1/support/search?q={sn}"),
            Auth::Member(&owner, &org),
        )
        .await;
    assert_eq!(
        matches(by_sn.assert_status(200)),
        [(sn.clone(), "sn".to_owned())]
    );
    let view = s
        .get(
            &format!("/v1/support/devices/{sn}"),
            Auth::Member(&owner, &org),
        )
        .await;
    let device_key = view.assert_status(200)["device_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(view.json["binding"]["account_email"], "a***@example.com");
    let by_key = s
        .get(
            &format!("/v1/support/search?q={}", device_key.to_uppercase()),
            Auth::Member(&owner, &org),
        )
        .await;
    assert_eq!(
        matches(by_key.assert_status(200)),
        [(sn.clone(), "device_key".to_owned())]
    );

    // Unbinding needs a reason, which the audit log keeps.
    let unbind = format!("/v1/support/devices/{sn}/unbind");
    s.post(&unbind, Auth::Member(&owner, &org), json!({"reason": " "}))
        .await
        .assert_error(400, "invalid_request");
    s.post(
        &unbind,
        Auth::Member(&owner, &org),
        json!({"reason": "sold the plug, ticket 4411"}),
    )
    .await
    .assert_status(204);
    s.post(
        &unbind,
        Auth::Member(&owner, &org),
        json!({"reason": "again"}),
    )
    .await
    .assert_error(404, "not_found");
    let (action, target, detail) = audit_actions(&s, &owner, &org).await.remove(0);
    assert_eq!(
        (action.as_str(), target.as_str()),
        ("device.unbind", sn.as_str())
    );
    assert_eq!(detail, "from a***@example.com: sold the plug, ticket 4411");
    // The device can be bound again, by someone else.
    s.post(
        "/v1/bindings",
        Auth::Bearer(&bob),
        json!({"qr_content": labels[0].qr_content, "name": "Mine"}),
    )
    .await
    .assert_status(201);
}

async fn the_device_list_pages_and_searches(s: TestServer) {
    let (owner, org) = owner_with_org(&s, "olga@example.com", "Acme").await;
    let me = Auth::Member(&owner, &org);
    s.post(
        "/v1/products",
        Auth::Member(&owner, &org),
        json!({"name": "Plug", "product_key": "plug01", "bind_policy": "bind_code_required"}),
    )
    .await
    .assert_status(201);
    let made = s
        .post("/v1/products/plug01/sn-batches", me, json!({"count": 120}))
        .await;
    let batch_id = made.assert_status(201)["batch_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let archive = s
        .get(
            &format!("/v1/sn-batches/{batch_id}/archive"),
            Auth::Member(&owner, &org),
        )
        .await;
    let mut sns: Vec<String> = sn_list(&archive.bytes).into_iter().map(|l| l.sn).collect();
    sns.sort();
    // Activate the first ten with known MACs.
    let mut csv =
        String::from("*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n");
    for (i, sn) in sns.iter().take(10).enumerate() {
        csv.push_str(&format!("a0b1c2d3e4{i:02x},plug01,{sn},,\n"));
    }
    let imported = s
        .send(
            reqwest::Method::POST,
            "/v1/products/plug01/devices/import",
            Auth::Member(&owner, &org),
            Some(crate::common::Body::Raw("text/csv", csv.into_bytes())),
        )
        .await;
    assert_eq!(imported.assert_status(200)["imported"], 10);

    let mut seen = Vec::new();
    let mut path = "/v1/products/plug01/devices?limit=50".to_owned();
    let mut pages = 0;
    loop {
        let page = s.get(&path, Auth::Member(&owner, &org)).await;
        let body = page.assert_status(200).clone();
        pages += 1;
        for device in body["devices"].as_array().unwrap() {
            seen.push(device["sn"].as_str().unwrap().to_owned());
        }
        match body["next_after"].as_str() {
            Some(after) => path = format!("/v1/products/plug01/devices?limit=50&after={after}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, sns);

    let first = s
        .get(
            "/v1/products/plug01/devices?limit=1",
            Auth::Member(&owner, &org),
        )
        .await;
    let device = &first.assert_status(200)["devices"][0];
    assert_eq!(device["status"], "activated");
    assert_eq!(device["device_key"], "a0b1c2d3e400");
    let last = s
        .get(
            &format!("/v1/products/plug01/devices?after={}", sns[118]),
            Auth::Member(&owner, &org),
        )
        .await;
    assert_eq!(
        last.assert_status(200)["devices"][0]["status"],
        "not_activated"
    );
    assert_eq!(last.json["next_after"], Value::Null);

    // SN prefix (any case), the SN itself, and a DeviceKey prefix.
    let prefix = &sns[40][..sns[40].len() - 1];
    let expected: Vec<&String> = sns.iter().filter(|sn| sn.starts_with(prefix)).collect();
    let found = s
        .get(
            &format!("/v1/products/plug01/devices?sn={}", prefix.to_lowercase()),
            Auth::Member(&owner, &org),
        )
        .await;
    let found: Vec<String> = found.assert_status(200)["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["sn"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(found.iter().collect::<Vec<_>>(), expected);
    let exact = s
        .get(
            &format!("/v1/products/plug01/devices?sn={}", sns[7]),
            Auth::Member(&owner, &org),
        )
        .await;
    assert_eq!(
        exact.assert_status(200)["devices"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let by_key = s
        .get(
            "/v1/products/plug01/devices?device_key=A0B1C2D3E40",
            Auth::Member(&owner, &org),
        )
        .await;
    let keys: Vec<&str> = by_key.assert_status(200)["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["device_key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        (0..10)
            .map(|i| format!("a0b1c2d3e4{i:02x}"))
            .filter(|k| k.starts_with("a0b1c2d3e40"))
            .collect::<Vec<_>>()
    );
    for bad in [
        "sn=%27%20OR%201%3D1",
        "limit=0",
        "limit=201",
        "sn=A&device_key=b",
    ] {
        s.get(
            &format!("/v1/products/plug01/devices?{bad}"),
            Auth::Member(&owner, &org),
        )
        .await
        .assert_error(400, "invalid_request");
    }
}

async fn signed_links_open_one_file_until_they_expire(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "bind_code_required").await;
    let made = s
        .post(
            "/v1/products/plug01/sn-batches",
            Auth::Key(&key),
            json!({"count": 2}),
        )
        .await;
    let batch = made.assert_status(201).clone();
    let link = batch["download_url"].as_str().unwrap().to_owned();
    assert!(link.starts_with(&format!(
        "/v1/sn-batches/{}/archive?expires=",
        batch["batch_id"].as_str().unwrap()
    )));
    let archive = s.get(&link, Auth::None).await;
    assert_eq!(archive.status, 200);
    assert_eq!(sn_list(&archive.bytes).len(), 2);
    // The batch list hands out fresh links too.
    let listed = s
        .get("/v1/products/plug01/sn-batches", Auth::Key(&key))
        .await;
    let again = listed.assert_status(200)["batches"][0]["download_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(s.get(&again, Auth::None).await.status, 200);

    // Altered: another file, another expiry, another signature; and no link at all.
    let other = s
        .post(
            "/v1/products/plug01/sn-batches",
            Auth::Key(&key),
            json!({"count": 1}),
        )
        .await;
    let other_id = other.assert_status(201)["batch_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let query = link.split_once('?').unwrap().1;
    let expires: i64 = query.split('&').next().unwrap()["expires=".len()..]
        .parse()
        .unwrap();
    let sig = query.rsplit_once("sig=").unwrap().1;
    for altered in [
        format!("/v1/sn-batches/{other_id}/archive?{query}"),
        format!(
            "/v1/sn-batches/{}/archive?expires={}&sig={sig}",
            batch["batch_id"].as_str().unwrap(),
            expires + 3600
        ),
        link.replace(&sig[..4], "0000"),
        format!(
            "/v1/sn-batches/{}/archive?expires=100&sig={sig}",
            batch["batch_id"].as_str().unwrap()
        ),
    ] {
        s.get(&altered, Auth::None)
            .await
            .assert_error(401, "unauthorized");
    }
    s.get(&format!("/v1/sn-batches/{other_id}/archive"), Auth::None)
        .await
        .assert_error(401, "unauthorized");

    // A Gizwits task's file, as the task list names it, opens in a plain tab.
    s.post(
        "/qrcode/v1/plug01/tasks",
        Auth::Key(&key),
        json!({"macs": ["a0b1c2d3e4f0"]}),
    )
    .await
    .assert_status(201);
    let tasks = s.get("/qrcode/v1/plug01/tasks", Auth::Key(&key)).await;
    let file = tasks.assert_status(200)["objects"][0]["file"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(file.starts_with("/static/zipfiles/"), "{file}");
    let zip = s.get(&file, Auth::None).await;
    assert_eq!(zip.status, 200);
    assert_eq!(&zip.bytes[..2], b"PK");
    let path_only = file.split_once('?').unwrap().0;
    s.get(path_only, Auth::None)
        .await
        .assert_error(401, "unauthorized");
    assert_eq!(s.get(path_only, Auth::Key(&key)).await.status, 200);
}

async fn the_console_is_served_with_its_files(s: TestServer) {
    for path in [
        "/console/",
        "/console/products/plug01",
        "/console/support?q=x",
    ] {
        let page = s.get(path, Auth::None).await;
        assert_eq!(page.status, 200, "{path}");
        let text = String::from_utf8_lossy(&page.bytes);
        assert!(text.contains("/console/console.js"), "{path}: {text}");
        let policy = page.headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("script-src 'self'"), "{policy}");
    }
    let script = s.get("/console/console.js", Auth::None).await;
    assert_eq!(script.status, 200);
    assert!(script.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert_eq!(s.get("/console/nothing.js", Auth::None).await.status, 404);
    // Without Swagger UI's files, /doc/ says how to add them and where the document is.
    let doc = s.get("/doc/", Auth::None).await;
    assert_eq!(doc.status, 200);
    assert!(String::from_utf8_lossy(&doc.bytes).contains("/v1/openapi.json"));
}
