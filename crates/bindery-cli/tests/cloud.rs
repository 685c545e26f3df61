//! The CLI against a real cloud on loopback: the whole flow, every error code as its exit
//! code and message, network failures as exit 3 within the timeout, the trace, and replay.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

use bindery_cloud::Limits;
use bindery_core::BindPolicy;
use common::{Cloud, User};

#[test]
fn the_whole_flow_from_signup_to_unbind() {
    let cloud = Cloud::start();
    let key = cloud.key("maker", false);
    cloud.product(&key, "lampflow1", BindPolicy::BindCodeRequired);
    let labels = cloud.batch(&key, "lampflow1", 2, true);
    let label = labels[0].png.to_str().unwrap();

    let user = User::new(&cloud.base, "flow@example.com");
    let signup = user.signup();
    signup.ok();
    assert!(signup.stdout.contains("created"), "{}", signup.stdout);
    user.login().ok();
    let whoami = user.run(&["whoami", "--json"]);
    assert_eq!(whoami.ok().json()["email"], "flow@example.com");
    assert_eq!(whoami.json()["devices"], 0);
    let file_mode = std::fs::metadata(&user.session_file).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(file_mode.permissions().mode() & 0o777, 0o600);
    }
    #[cfg(not(unix))]
    let _ = file_mode;

    let inspect = user.run(&["inspect", "--image", label, "--json"]);
    let inspected = inspect.ok().json();
    assert_eq!(inspected["sn"], labels[0].sn.as_str());
    assert_eq!(inspected["status"], "bindable");
    assert_eq!(inspected["product_name"], "Lamp lampflow1");

    let bind = user.run(&["bind", "--image", label, "--name", "Kitchen"]);
    assert!(bind.ok().stdout.starts_with("Bound "), "{}", bind.stdout);
    // The app retrying after a lost answer, from a terminal: the same device, no error.
    let again = user.run(&[
        "bind",
        "--qr",
        &labels[0].qr_content,
        "--name",
        "Kitchen",
        "--json",
    ]);
    assert_eq!(again.ok().json()["created"], false);
    let inspect = user.run(&["inspect", "--qr", &labels[0].qr_content, "--json"]);
    assert_eq!(inspect.ok().json()["status"], "bound_to_you");

    let devices = user.run(&["devices", "--json"]);
    let list = devices.ok().json()["devices"].as_array().unwrap().clone();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["name"], "Kitchen");
    assert_eq!(list[0]["sn"], labels[0].sn.as_str());
    let did = list[0]["did"].as_str().unwrap().to_owned();
    let text = user.run(&["devices"]);
    assert!(text.ok().stdout.contains("Kitchen"), "{}", text.stdout);

    user.run(&["rename", &did, "Hall lamp"]).ok();
    let renamed = user.run(&["devices", "--json"]);
    assert_eq!(renamed.ok().json()["devices"][0]["name"], "Hall lamp");

    // Without a terminal to ask on, unbinding needs --yes.
    let unconfirmed = user.run(&["unbind", &did]);
    unconfirmed.exit(2);
    assert!(
        unconfirmed.stderr.contains("--yes"),
        "{}",
        unconfirmed.stderr
    );
    assert_eq!(
        user.run(&["devices", "--json"]).json()["devices"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    user.run(&["unbind", &did, "--yes"]).ok();
    assert_eq!(
        user.run(&["devices", "--json"]).json()["devices"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    let logout = user.run(&["logout"]);
    assert!(
        logout.ok().stdout.contains("Signed out"),
        "{}",
        logout.stdout
    );
    let whoami = user.run(&["whoami"]);
    whoami.exit(1);
    assert!(whoami.stderr.contains("not signed in"), "{}", whoami.stderr);
}

#[test]
fn a_quectel_v1_label_printed_by_the_product_binds_from_its_image() {
    let cloud = Cloud::start();
    let key = cloud.key("maker", false);
    cloud.product(&key, "meterv1", BindPolicy::SnOnly);
    cloud.label_form(&key, "meterv1", bindery_core::LabelForm::QuectelV1);
    let labels = cloud.batch(&key, "meterv1", 1, true);
    assert_eq!(
        labels[0].qr_content,
        format!("pk=meterv1&sn={}&v=1", labels[0].sn)
    );
    let user = User::new(&cloud.base, "v1@example.com");
    user.signup().ok();
    user.login().ok();
    let image = labels[0].png.to_str().unwrap();
    let bound = user.run(&["bind", "--image", image, "--name", "Meter", "--json"]);
    assert_eq!(bound.ok().json()["device"]["sn"], labels[0].sn.as_str());
}

#[test]
fn a_label_printed_by_another_system_binds_once_its_maker_adopted_it() {
    let cloud = Cloud::start();
    let key = cloud.key("migrating maker", false);
    cloud.product(&key, "gzcli01", BindPolicy::BindCodeRequired);
    // What Gizwits' label service printed: opaque to everyone but that service.
    let label = "GZQR|7b4d41e85c2f0e9a|v3";
    let device_key = common::mac(90);
    let file = format!("*DeviceKey,*ProductKey,Label\n{device_key},gzcli01,{label}\n");
    cloud.import_csv(&key, "gzcli01", &file, 1);

    let user = User::signed_in(&cloud.base, "adopter@example.com");
    let inspected = user.run(&["inspect", "--qr", label, "--json"]);
    assert_eq!(inspected.ok().json()["status"], "bindable");
    let bound = user.run(&["bind", "--qr", label, "--name", "Heater", "--json"]);
    let device = &bound.ok().json()["device"];
    assert_eq!(device["sn"], device_key.as_str());
    assert_eq!(device["product_key"], "gzcli01");
    // A text nobody adopted is still a refusal, exit 1 with its code.
    let unknown = user.run(&["bind", "--qr", "GZQR|0000000000000000|v3", "--name", "X"]);
    unknown.exit(1);
    assert!(
        unknown.stderr.contains("bad_qr_content"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn logout_everywhere_ends_the_sessions_of_other_devices_too() {
    let cloud = Cloud::start();
    let phone = User::new(&cloud.base, "two@example.com");
    phone.signup().ok();
    phone.login().ok();
    // The same account signed in from a second computer (its own session store).
    let laptop = User::new(&cloud.base, "two@example.com");
    laptop.login().ok();
    laptop.run(&["whoami"]).ok();

    let out = phone.run(&["logout", "--everywhere", "--json"]);
    let said = out.ok().json();
    assert_eq!(said["signed_out"], true);
    assert_eq!(said["everywhere"], true);
    // The laptop still holds its token, and the cloud refuses it.
    let whoami = laptop.run(&["whoami", "--json"]);
    assert_eq!(refusal(&whoami).0, "unauthorized", "{}", whoami.stdout);
}

/// The code and request id of a `--json` error.
fn refusal(run: &common::Run) -> (String, String) {
    let error = &run.json()["error"];
    (
        error["code"].as_str().unwrap_or_default().to_owned(),
        error["request_id"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn every_error_code_reaches_the_cli_as_exit_1_with_its_code_and_request_id() {
    let limits = Limits {
        bind_failures_per_account: 3,
        json_body_bytes: 8 * 1024,
        ..Limits::default()
    };
    let cloud = Cloud::start_with(limits);
    let key = cloud.key("maker", false);
    let support = cloud.key("support desk", true);
    cloud.product(&key, "lamperr1", BindPolicy::BindCodeRequired);
    let active = cloud.batch(&key, "lamperr1", 3, true);
    let inactive = cloud.batch(&key, "lamperr1", 1, false);
    let owner = User::signed_in(&cloud.base, "owner@example.com");
    owner
        .run(&["bind", "--qr", &active[0].qr_content, "--name", "Mine"])
        .ok();
    let other = User::signed_in(&cloud.base, "other@example.com");
    // The same label with another well-formed bind code.
    let wrong_code = {
        let (head, code) = active[1].qr_content.split_once("&bc=").unwrap();
        let other_code = if code.starts_with('0') {
            "1111111111"
        } else {
            "0000000000"
        };
        format!("{head}&bc={other_code}")
    };
    let huge = "x".repeat(20 * 1024);

    let stranger = User::new(&cloud.base, "owner@example.com");
    let cases: Vec<(&str, common::Run)> = vec![
        ("email_taken", owner.signup()),
        (
            "invalid_request",
            User::new(&cloud.base, "not-an-email").signup(),
        ),
        ("unauthorized", {
            let mut wrong = User::new(&cloud.base, "owner@example.com");
            wrong.password = "wrong password!".into();
            wrong.login()
        }),
        (
            "bad_qr_content",
            other.run(&["inspect", "--qr", "hello there", "--json"]),
        ),
        (
            "sn_not_found",
            other.run(&[
                "inspect",
                "--qr",
                "pk=lamperr1&sn=NOSUCHSN01&v=2&bc=7Q4XK2M9PD",
                "--json",
            ]),
        ),
        (
            "sn_not_activated",
            other.run(&[
                "bind",
                "--qr",
                &inactive[0].qr_content,
                "--name",
                "x",
                "--json",
            ]),
        ),
        (
            "already_bound",
            other.run(&[
                "bind",
                "--qr",
                &active[0].qr_content,
                "--name",
                "Theirs",
                "--json",
            ]),
        ),
        (
            "bad_bind_code",
            other.run(&["bind", "--qr", &wrong_code, "--name", "x", "--json"]),
        ),
        (
            "invalid_name",
            other.run(&[
                "bind",
                "--qr",
                &active[2].qr_content,
                "--name",
                "   ",
                "--json",
            ]),
        ),
        (
            "not_found",
            other.run(&["rename", "no-such-device", "New name", "--json"]),
        ),
        (
            "forbidden",
            other.run(&[
                "support",
                "device",
                &active[0].sn,
                "--api-key",
                &key,
                "--json",
            ]),
        ),
        (
            "payload_too_large",
            other.run(&["inspect", "--qr", &huge, "--json"]),
        ),
        ("rate_limited", {
            // Failed binds count against the account until the limit trips.
            let mut last = other.run(&["bind", "--qr", &wrong_code, "--name", "x", "--json"]);
            for _ in 0..10 {
                if refusal(&last).0 == "rate_limited" {
                    break;
                }
                last = other.run(&["bind", "--qr", &wrong_code, "--name", "x", "--json"]);
            }
            last
        }),
        ("unauthorized", stranger.run(&["devices", "--json"])),
    ];
    for (code, run) in &cases {
        assert_eq!(
            run.code, 1,
            "{code}: stdout {} stderr {}",
            run.stdout, run.stderr
        );
        let json = run
            .stdout
            .lines()
            .last()
            .map(|l| l.starts_with('{'))
            .unwrap_or(false);
        if json {
            let (got, request_id) = refusal(run);
            assert_eq!(&got, code, "{}", run.stdout);
            // A local refusal (not signed in) has no request id; every cloud refusal has.
            if run.json()["error"]["status"].is_number() {
                assert!(!request_id.is_empty(), "{code}: {}", run.stdout);
            }
        } else {
            assert!(
                run.stderr.contains(&format!("code: {code}")),
                "{code}: {}",
                run.stderr
            );
            assert!(
                run.stderr.contains("request id: "),
                "{code}: {}",
                run.stderr
            );
        }
    }
    let limited = &cases.iter().find(|(c, _)| *c == "rate_limited").unwrap().1;
    assert!(limited.json()["error"]["retry_after_s"].as_u64().unwrap() > 0);

    // The support key sees the attempts, each with its result and request id.
    let view = other.run(&[
        "support",
        "device",
        &active[0].sn,
        "--api-key",
        &support,
        "--json",
    ]);
    let attempts = view.ok().json()["attempts"].as_array().unwrap().clone();
    assert!(
        attempts.iter().any(|a| a["result"] == "already_bound"),
        "{attempts:?}"
    );
    let already_bound_id = refusal(&cases[6].1).1;
    let request = other.run(&[
        "support",
        "request",
        &already_bound_id,
        "--api-key",
        &support,
        "--json",
    ]);
    assert!(
        request.ok().stdout.contains("already_bound"),
        "{}",
        request.stdout
    );

    // `internal`: the database breaks under a running cloud. The answer says so without
    // internals, with a request id to look it up by.
    cloud
        .runtime
        .block_on(sqlx::query("DROP TABLE bindings").execute(&cloud.state.writer))
        .unwrap();
    let broken = owner.run(&["devices"]);
    broken.exit(1);
    assert!(
        broken.stderr.contains("code: internal (HTTP 500)"),
        "{}",
        broken.stderr
    );
    assert!(
        !broken.stderr.to_lowercase().contains("sqlite"),
        "{}",
        broken.stderr
    );
}

#[test]
fn a_closed_port_is_exit_3_at_once() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let user = User::new(&format!("http://127.0.0.1:{port}"), "a@example.com");
    let run = user.signup();
    run.exit(3);
    assert!(
        run.stderr.contains("could not reach the cloud"),
        "{}",
        run.stderr
    );
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);
}

#[test]
fn a_stopped_cloud_is_exit_3_and_the_session_is_kept() {
    let mut cloud = Cloud::start();
    let user = User::signed_in(&cloud.base, "stop@example.com");
    cloud.stop();
    let run = user.run(&["devices", "--json"]);
    run.exit(3);
    assert_eq!(run.json()["error"]["kind"], "network");
    // A network failure is not a refusal: the session is still there for when it is back.
    let session = std::fs::read_to_string(&user.session_file).unwrap();
    assert!(session.contains("stop@example.com"), "{session}");
}

#[test]
fn a_cloud_that_never_answers_is_exit_3_within_the_timeout() {
    // Accepts connections and reads requests, and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            let mut reader = stream.try_clone().unwrap();
            std::thread::spawn(move || {
                let mut buf = [0u8; 1024];
                while reader.read(&mut buf).map(|n| n > 0).unwrap_or(false) {}
            });
            held.push(stream);
        }
    });
    let user = User::new(&format!("http://{addr}"), "slow@example.com");
    // `inspect` is retried (it is repeatable), so this also shows the retries stay within
    // the one timeout.
    std::fs::write(
        &user.session_file,
        format!(
            r#"[{{"cloud":"http://{addr}","token":"t","uid":"u","email":"slow@example.com","expires_at":"2030-01-01T00:00:00Z"}}]"#
        ),
    )
    .unwrap();
    let run = user.run(&["inspect", "--qr", "VDR7098612099028", "--timeout", "1.5"]);
    run.exit(3);
    assert!(run.stderr.contains("Timeout"), "{}", run.stderr);
    assert!(
        run.elapsed >= Duration::from_millis(1400) && run.elapsed < Duration::from_secs(4),
        "took {:?}",
        run.elapsed
    );
}

#[test]
fn the_trace_shows_the_exchange_and_the_request_id_of_a_failed_bind_with_the_token_masked() {
    let cloud = Cloud::start();
    let key = cloud.key("maker", false);
    cloud.product(&key, "lamptrace", BindPolicy::BindCodeRequired);
    let label = &cloud.batch(&key, "lamptrace", 1, false)[0];
    let user = User::signed_in(&cloud.base, "trace@example.com");
    let token = std::fs::read_to_string(&user.session_file).unwrap();
    let token = token
        .split("\"token\": \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();

    let run = user.run(&[
        "--trace",
        "bind",
        "--qr",
        &label.qr_content,
        "--name",
        "Porch",
    ]);
    run.exit(1);
    let request_id = run
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("< x-request-id: "))
        .unwrap_or_else(|| panic!("no request id in the trace:\n{}", run.stderr))
        .to_owned();
    assert!(run.stderr.contains("> POST "), "{}", run.stderr);
    assert!(run.stderr.contains("< 409"), "{}", run.stderr);
    assert!(
        run.stderr.contains("> authorization: Bearer ***"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains(&token),
        "the token leaked:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("request id: {request_id}")),
        "{}",
        run.stderr
    );

    // The JSON trace is one line per exchange, with the same request id.
    let run = user.run(&[
        "--trace",
        "--json",
        "bind",
        "--qr",
        &label.qr_content,
        "--name",
        "Porch",
    ]);
    let exchange: serde_json::Value =
        serde_json::from_str(run.stderr.lines().next().unwrap()).unwrap();
    assert_eq!(exchange["trace"]["status"], 409);
    assert!(!run.stderr.contains(&token));
}

#[test]
fn a_recorded_run_replays_the_same_on_a_fresh_cloud_and_differently_where_state_differs() {
    // Two clouds set up alike: a product whose labels were printed elsewhere (Quectel v1,
    // SN only) with the same SNs imported.
    let setup = |cloud: &Cloud| {
        let key = cloud.key("maker", false);
        cloud.product(&key, "lampreplay", BindPolicy::SnOnly);
        cloud.import(
            &key,
            "lampreplay",
            &[
                ("RPLY000001".into(), common::mac(1)),
                ("RPLY000002".into(), common::mac(2)),
            ],
        );
    };
    let recorded_cloud = Cloud::start();
    setup(&recorded_cloud);
    let recording = recorded_cloud.dir().join("run.jsonl");
    let user = User::new(&recorded_cloud.base, "replay@example.com");
    let qr = "pk=lampreplay&sn=RPLY000001&v=1";
    let record = |args: &[&str], stdin: &str| {
        let mut full = vec!["--trace", "--json"];
        full.extend_from_slice(args);
        let run = user.run_with_stdin(&full, stdin);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&recording)
            .unwrap();
        std::io::Write::write_all(&mut file, run.stderr.as_bytes()).unwrap();
        run
    };
    let password = format!("{}\n", user.password);
    record(
        &[
            "signup",
            "--email",
            "replay@example.com",
            "--password-stdin",
        ],
        &password,
    )
    .ok();
    record(
        &["login", "--email", "replay@example.com", "--password-stdin"],
        &password,
    )
    .ok();
    record(&["inspect", "--qr", qr], "").ok();
    record(&["bind", "--qr", qr, "--name", "Desk"], "").ok();
    record(
        &[
            "bind",
            "--qr",
            "pk=lampreplay&sn=RPLY000009&v=1",
            "--name",
            "Nope",
        ],
        "",
    )
    .exit(1);
    let devices = record(&["devices"], "");
    let did = devices.ok().json()["devices"][0]["did"]
        .as_str()
        .unwrap()
        .to_owned();
    record(&["rename", &did, "Desk lamp"], "").ok();
    record(&["devices"], "").ok();
    record(&["unbind", &did, "--yes"], "").ok();
    let text = std::fs::read_to_string(&recording).unwrap();
    assert!(
        !text.contains(&user.password),
        "the password leaked into the recording"
    );

    let fresh = Cloud::start();
    setup(&fresh);
    let support = User::new(&fresh.base, "support@example.com");
    let replay = support.run(&["replay", recording.to_str().unwrap(), "--json"]);
    replay.ok();
    let summary = replay.json();
    assert_eq!(summary["replayed"], 9, "{}", replay.stdout);
    assert_eq!(summary["differing"], 0, "{}", replay.stdout);

    // Against the cloud it was recorded on, the account exists now: the first call differs
    // and says how.
    let support = User::new(&recorded_cloud.base, "support@example.com");
    let replay = support.run(&["replay", recording.to_str().unwrap()]);
    replay.exit(1);
    let first = replay.stdout.lines().next().unwrap();
    assert!(
        first.starts_with("DIFF #1 POST /v1/users → 409 email_taken"),
        "{}",
        replay.stdout
    );
    assert!(
        replay.stdout.contains("status: 201 recorded, 409 replayed"),
        "{}",
        replay.stdout
    );
}

#[test]
fn bad_usage_is_exit_2_with_a_clear_message() {
    let user = User::new("http://127.0.0.1:9", "a@example.com");
    let run = user.run(&["bind", "--name", "x"]);
    run.exit(2);
    assert!(
        run.stderr.contains("--qr") && run.stderr.contains("--image"),
        "{}",
        run.stderr
    );
    let run = user.run(&["--server", "ftp://example.com", "devices"]);
    run.exit(2);
    assert!(run.stderr.contains("not a cloud address"), "{}", run.stderr);
    let run = user.run(&["inspect", "--image", "/no/such/label.png"]);
    run.exit(2);
    assert!(
        run.stderr.contains("could not read the image"),
        "{}",
        run.stderr
    );
    let run = user.run(&["replay", "/no/such/recording.jsonl"]);
    run.exit(2);
    let run = user.run(&["--timeout", "-1", "devices"]);
    run.exit(2);
}

#[test]
fn scan_reads_every_label_of_a_batch() {
    let cloud = Cloud::start();
    let key = cloud.key("maker", false);
    cloud.product(&key, "lampscan", BindPolicy::BindCodeRequired);
    let labels = cloud.batch(&key, "lampscan", 100, false);
    let folder = labels[0].png.parent().unwrap();
    let user = User::new(&cloud.base, "scan@example.com");
    let run = user.run(&["scan", folder.to_str().unwrap()]);
    run.ok();
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), labels.len());
    for label in &labels {
        let line = lines
            .iter()
            .find(|l| {
                l["file"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("{}.png", label.sn))
            })
            .unwrap_or_else(|| panic!("{} not scanned", label.sn));
        let codes = line["codes"].as_array().unwrap();
        assert_eq!(codes.len(), 1, "{line}");
        assert_eq!(codes[0]["text"], label.qr_content.as_str(), "{line}");
        assert_eq!(codes[0]["payload"]["sn"], label.sn.as_str(), "{line}");
    }
}
