//! What an attacker or a bad day does to the cloud, kept as regressions: limits that held
//! only one request at a time, an oracle of bindable SNs, sign-up floods, refusals that wrote
//! rows, clients that never finish their requests, a database file others could read.

use std::net::IpAddr;
use std::time::Duration;

use bindery_cloud::Limits;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

use crate::both_backends;
use crate::common::{next_mac, slow_clients_give_way, Auth, TestServer};

both_backends!(
    concurrent_wrong_passwords_meet_the_limit,
    failures_elsewhere_do_not_lock_the_owner_out,
    sign_ups_are_limited_per_address,
    inspect_is_no_free_oracle_of_sn_only_devices,
    refusals_by_the_limits_write_nothing,
    old_rate_limit_rows_are_pruned,
    another_makers_devices_neither_block_nor_show,
    archives_keep_no_bind_code_readable_in_the_database,
);

/// A client whose requests come from `ip` (any address of 127.0.0.0/8 is this machine).
fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::from(ip))
        .build()
        .unwrap()
}

async fn post_from(client: &reqwest::Client, s: &TestServer, path: &str, body: Value) -> u16 {
    client
        .post(format!("{}{path}", s.base))
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn concurrent_wrong_passwords_meet_the_limit(s: TestServer) {
    s.user("owner@example.com").await;
    let wrong = json!({"email": "owner@example.com", "password": "not the password"});
    let max = s.state.limits.login_failures_per_email;
    let answers = futures_join(60, |_| {
        let http = s.http.clone();
        let url = format!("{}/v1/sessions", s.base);
        let wrong = wrong.clone();
        async move {
            http.post(url)
                .json(&wrong)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    })
    .await;
    let checked = answers.iter().filter(|&&status| status == 401).count() as i64;
    let limited = answers.iter().filter(|&&status| status == 429).count() as i64;
    assert_eq!(checked + limited, 60, "{answers:?}");
    // Before the limit reserved its count, 47 of 60 were checked against a limit of 10.
    // Reserving first may refuse more than needed while the burst lasts, never fewer.
    assert!(checked <= max, "{checked} passwords checked");
    // Refusals leave nothing behind, so one at a time the rest of the limit is still there,
    // and not one more.
    let mut after = 0;
    while s
        .post("/v1/sessions", Auth::None, wrong.clone())
        .await
        .status
        == 401
    {
        after += 1;
        assert!(checked + after <= max, "{} checked", checked + after);
    }
    assert_eq!(checked + after, max);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures")
        .fetch_one(&s.state.db)
        .await
        .unwrap();
    assert_eq!(rows, max);
}

async fn failures_elsewhere_do_not_lock_the_owner_out(s: TestServer) {
    s.user("owner@example.com").await;
    let attacker = client_from([127, 0, 0, 2]);
    let wrong = json!({"email": "owner@example.com", "password": "not the password"});
    let max = s.state.limits.login_failures_per_email;
    for _ in 0..max {
        assert_eq!(
            post_from(&attacker, &s, "/v1/sessions", wrong.clone()).await,
            401
        );
    }
    assert_eq!(post_from(&attacker, &s, "/v1/sessions", wrong).await, 429);
    // The owner, from their own address, still signs in.
    let owner = client_from([127, 0, 0, 3]);
    let right = json!({"email": "owner@example.com", "password": "correct horse battery"});
    assert_eq!(post_from(&owner, &s, "/v1/sessions", right).await, 201);
}

async fn sign_ups_are_limited_per_address(s: TestServer) {
    let s = s
        .with_limits(Limits {
            signups_per_address: 3,
            ..Limits::default()
        })
        .await;
    let flood = client_from([127, 0, 0, 4]);
    let mut statuses = Vec::new();
    for i in 0..5 {
        let creds =
            json!({"email": format!("bot{i}@example.com"), "password": "correct horse battery"});
        statuses.push(post_from(&flood, &s, "/v1/users", creds).await);
    }
    assert_eq!(statuses, [201, 201, 201, 429, 429]);
    let other = client_from([127, 0, 0, 5]);
    let creds = json!({"email": "person@example.com", "password": "correct horse battery"});
    assert_eq!(post_from(&other, &s, "/v1/users", creds).await, 201);
    // Refused sign-ups hashed no password and wrote no account.
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(&s.state.db)
        .await
        .unwrap();
    assert_eq!(accounts, 4);
}

async fn inspect_is_no_free_oracle_of_sn_only_devices(s: TestServer) {
    let s = s
        .with_limits(Limits {
            sn_only_looks_per_account: 4,
            ..Limits::default()
        })
        .await;
    let key = s.key("maker", false).await;
    s.product(&key, "plug02", "sn_only").await;
    // Devices whose SN is their MAC, in sequence: exactly what a prober walks.
    let macs: Vec<String> = (0..8).map(|_| next_mac()).collect();
    let mut csv =
        String::from("*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n");
    for mac in &macs {
        csv.push_str(&format!("{mac},plug02,,,\n"));
    }
    s.import(&key, "plug02", "atomic", &csv)
        .await
        .assert_status(200);
    let prober = s.user("prober@example.com").await;
    let mut statuses = Vec::new();
    for mac in &macs {
        let label = format!("pk=plug02&sn={mac}&v=1");
        let answer = s
            .post(
                "/v1/qr/inspect",
                Auth::Bearer(&prober),
                json!({"qr_content": label}),
            )
            .await;
        statuses.push(answer.status.as_u16());
    }
    // Four looks, then nothing more to learn.
    assert_eq!(statuses, [200, 200, 200, 200, 429, 429, 429, 429]);
    // Binding what was found counts too.
    let label = format!("pk=plug02&sn={}&v=1", macs[0]);
    s.post(
        "/v1/bindings",
        Auth::Bearer(&prober),
        json!({"qr_content": label, "name": "Mine now"}),
    )
    .await
    .assert_error(429, "rate_limited");
    // Another account is not held back by the prober.
    let owner = s.user("owner@example.com").await;
    let label = format!("pk=plug02&sn={}&v=1", macs[7]);
    s.post(
        "/v1/bindings",
        Auth::Bearer(&owner),
        json!({"qr_content": label, "name": "Lamp"}),
    )
    .await
    .assert_status(201);
    // Looking at a device already yours costs nothing.
    for _ in 0..6 {
        s.post(
            "/v1/qr/inspect",
            Auth::Bearer(&owner),
            json!({"qr_content": label}),
        )
        .await
        .assert_status(200);
    }
}

async fn refusals_by_the_limits_write_nothing(s: TestServer) {
    let s = s
        .with_limits(Limits {
            bind_failures_per_account: 2,
            ..Limits::default()
        })
        .await;
    let token = s.user("guesser@example.com").await;
    for _ in 0..6 {
        s.post(
            "/v1/bindings",
            Auth::Bearer(&token),
            json!({"qr_content": "pk=nosuch1&sn=NOSUCHSN01&v=2&bc=ABCDEFGHJK", "name": "x"}),
        )
        .await;
    }
    let attempts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bind_attempts")
        .fetch_one(&s.state.db)
        .await
        .unwrap();
    // Two failures were recorded; the four refused by the limit were not attempts.
    assert_eq!(attempts, 2);
}

async fn old_rate_limit_rows_are_pruned(s: TestServer) {
    let old = bindery_cloud::db::now_ms() - 2 * 24 * 3600 * 1000;
    sqlx::query(
        "INSERT INTO rate_events (id, kind, subject, at) VALUES ('old', 'signup', 'x', $1)",
    )
    .bind(old)
    .execute(&s.state.writer)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO login_failures (id, email, address, at) VALUES ('old', 'a@b.c', 'x', $1)",
    )
    .bind(old)
    .execute(&s.state.writer)
    .await
    .unwrap();
    s.user("fresh@example.com").await;
    let removed = bindery_cloud::throttle::prune(&s.state.writer, Duration::from_secs(24 * 3600))
        .await
        .unwrap();
    assert_eq!(removed, 2);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_events")
        .fetch_one(&s.state.db)
        .await
        .unwrap();
    assert_eq!(left, 1, "the fresh sign-up's event stays");
}

/// Runs `n` futures made by `make` at once and collects their outputs in order.
async fn futures_join<F, Fut, T>(n: usize, make: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let tasks: Vec<_> = (0..n).map(|i| tokio::spawn(make(i))).collect();
    let mut out = Vec::with_capacity(n);
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

/// A client that opens a connection and sends half a request never gets the server to hold
/// it past the header timeout, and idle connections beyond the cap wait instead of failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_clients_are_dropped_and_connections_capped() {
    let mut limits = Limits::default();
    limits.connections.header_timeout = Duration::from_secs(1);
    limits.connections.max_connections = 2;
    let s = TestServer::sqlite().await.with_limits(limits).await;
    let address = s.base.trim_start_matches("http://").to_owned();

    // Half a request: the server closes the connection once the header time is up.
    let mut half = tokio::net::TcpStream::connect(&address).await.unwrap();
    half.write_all(b"POST /v1/sessions HTTP/1.1\r\nhost: x\r\ncontent-")
        .await
        .unwrap();
    let mut silent = tokio::net::TcpStream::connect(&address).await.unwrap();
    // Both places are taken by clients sending nothing; a third waits until they are gone.
    let health = s.http.get(format!("{}/healthz", s.base)).send();
    slow_clients_give_way(health, [&mut half, &mut silent]).await;
}

/// The SQLite file holds password hashes and the bind-code key: only its owner reads it.
#[cfg(unix)]
#[tokio::test]
async fn the_database_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cloud.sqlite3");
    let url = bindery_cloud::db::sqlite_url(&path);
    let state = bindery_cloud::AppState::open(bindery_cloud::StateConfig::new(url))
        .await
        .unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    drop(state);
}

/// SNs and DeviceKeys are each product's own (issue 14, finding 4): another maker's devices
/// neither block an import or a QR task nor show through a refusal, and a bare SN that two
/// products have names neither device.
async fn another_makers_devices_neither_block_nor_show(s: TestServer) {
    let maker_a = s.key("maker a", false).await;
    let maker_b = s.key("maker b", false).await;
    s.product(&maker_a, "plugaa", "bind_code_required").await;
    s.product(&maker_a, "gwaa01", "bind_code_required").await;
    s.product(&maker_b, "plugbb", "sn_only").await;
    let mut a_labels = s.devices(&maker_a, "plugaa", 2).await;
    let (a_label, a_other) = (a_labels.remove(0), a_labels.remove(0));
    let a_key: String = sqlx::query_scalar(
        "SELECT device_key FROM devices WHERE product_key = 'plugaa' AND sn = $1",
    )
    .bind(&a_label.sn)
    .fetch_one(&s.state.db)
    .await
    .unwrap();
    // B takes A's DeviceKey, A's SN, and the MACs of the QR task A will make next.
    let (first, last) = ("a0b1c2d30010", "a0b1c2d30012");
    let file = format!(
        "*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n\
         {a_key},plugbb,,,\n{},plugbb,{},,\n{first},plugbb,,,\n{last},plugbb,,,\n",
        next_mac(),
        a_label.sn
    );
    let report = s.import(&maker_b, "plugbb", "atomic", &file).await;
    let body = report.assert_status(200);
    assert_eq!(body["imported"], 4, "{body}");
    assert_eq!(body["rejected"], json!([]), "{body}");
    // Before, B's MACs made A's task fail, and said why.
    s.post(
        "/qrcode/v1/gwaa01/tasks",
        Auth::Key(&maker_a),
        json!({"start_mac": first, "end_mac": last}),
    )
    .await
    .assert_status(201);
    // A repeat within B's own product is still refused, and names B's own device.
    let again = format!(
        "*DeviceKey,*ProductKey,Device SN\n{first},plugbb,{}\n",
        next_mac().to_uppercase()
    );
    let report = s.import(&maker_b, "plugbb", "atomic", &again).await;
    let text = report.assert_status(200).to_string();
    assert_eq!(
        report.json["rejected"][0]["code"], "device_key_taken",
        "{text}"
    );
    assert!(
        !text.contains("plugaa") && !text.contains("gwaa01"),
        "{text}"
    );

    // Each label names its own device, and both bind, as two devices.
    let ann = s.user("ann@example.com").await;
    let bob = s.user("bob@example.com").await;
    let inspected = s.inspect(&ann, &a_label.qr_content).await;
    assert_eq!(inspected.assert_status(200)["product_key"], "plugaa");
    let b_label = format!("pk=plugbb&sn={}&v=1", a_label.sn);
    let inspected = s.inspect(&bob, &b_label).await;
    assert_eq!(inspected.assert_status(200)["product_key"], "plugbb");
    // The SN alone is ambiguous: it names neither, and says to scan the device's own label.
    let bare = s.inspect(&ann, &a_label.sn).await;
    bare.assert_error(400, "bad_qr_content");
    let message = bare.json["error"]["message"].as_str().unwrap();
    assert!(message.contains("own label"), "{message}");
    let plug = |qr: &str| json!({"qr_content": qr, "name": "Plug"});
    let a_bound = s
        .post(
            "/v1/bindings",
            Auth::Bearer(&ann),
            plug(&a_label.qr_content),
        )
        .await;
    let a_did = a_bound.assert_status(201)["device"]["did"].clone();
    let b_bound = s
        .post("/v1/bindings", Auth::Bearer(&bob), plug(&b_label))
        .await;
    let b_did = b_bound.assert_status(201)["device"]["did"].clone();
    assert_ne!(a_did, b_did);
    // Each is listed with its own product.
    let list = s.get("/v1/bindings", Auth::Bearer(&bob)).await;
    assert_eq!(
        list.assert_status(200)["devices"][0]["product_key"],
        "plugbb"
    );
    // Support that sees both products asks which one; named, it is that device.
    let support = s.key("support", true).await;
    let path = format!("/v1/support/devices/{}", a_label.sn);
    s.get(&path, Auth::Key(&support))
        .await
        .assert_error(400, "invalid_request");
    let device = s
        .get(&format!("{path}?product_key=plugbb"), Auth::Key(&support))
        .await;
    let device = device.assert_status(200);
    assert_eq!(device["product_key"], "plugbb");
    assert_eq!(device["binding"]["account_email"], "b***@example.com");

    // Adopted labels still name one device across the cloud (a scanned text names no
    // product), so a label that is A's SN is refused; the refusal names nothing of A's.
    let file = format!(
        "*DeviceKey,*ProductKey,Device SN,Label,Passcode\n{},plugbb,,{},\n",
        next_mac(),
        a_other.sn
    );
    let report = s.import(&maker_b, "plugbb", "atomic", &file).await;
    let text = report.assert_status(200).to_string();
    assert_eq!(report.json["rejected"][0]["code"], "label_taken", "{text}");
    let message = report.json["rejected"][0]["message"].as_str().unwrap();
    assert!(
        !message.contains(&a_other.sn) && !message.contains("plugaa"),
        "{message}"
    );
}

async fn archives_keep_no_bind_code_readable_in_the_database(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "bind_code_required").await;
    let (batch_id, archive) = s.batch(&key, "plug01", 3).await;
    // The download is the zip with every bind code …
    let labels = crate::common::sn_list(&archive);
    assert_eq!(labels.len(), 3);
    // … but what the database holds reads as nothing: no zip, no file name, no code.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT archive FROM batches WHERE batch_id = $1")
        .bind(&batch_id)
        .fetch_one(&s.state.db)
        .await
        .unwrap();
    let readable = |needle: &[u8]| stored.windows(needle.len()).any(|w| w == needle);
    assert!(
        !readable(b"PK\x03\x04"),
        "the stored archive is a plain zip"
    );
    assert!(!readable(b"sn_list.csv"));
    for label in &labels {
        assert!(
            !readable(label.bind_code.as_bytes()),
            "bind code of {} readable",
            label.sn
        );
    }
}
