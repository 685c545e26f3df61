//! Labels already printed by other systems (docs/product.md §2.3): a maker adopts a label's
//! exact text through the import and that text then binds its device with the product's
//! policy; one text names one device; a Gizwits legacy label's passcode is checked when one
//! was imported.

use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{next_mac, refused_rows, sn_list, Answer, Auth, TestServer};

both_backends!(
    an_adopted_gizwits_service_label_binds_end_to_end,
    an_adopted_label_names_its_device_on_an_sn_only_product,
    a_label_text_names_one_device,
    foreign_labels_nobody_adopted_are_refused_as_before,
    an_imported_passcode_is_checked,
    wrong_passcodes_count_as_failed_binds,
    an_adopted_text_that_reads_as_a_broken_label_binds,
    a_later_import_gives_devices_their_labels_and_passcodes,
);

/// The header of the files below: the template's columns that matter here.
const HEADER: &str = "*DeviceKey,*ProductKey,Device SN,Label,Passcode\n";

/// Labels as Gizwits' label service prints them: opaque to everyone but that service.
const SERVICE_LABEL: &str = "http://gizwits.example/qr?k=Zm9vYmFyLTE3Mzk0";
const SERVICE_LABEL_2: &str = "GZQR|5c2f0e9a7b4d41e8|v3";

async fn bind(s: &TestServer, token: &str, qr: &str) -> Answer {
    s.post(
        "/v1/bindings",
        Auth::Bearer(token),
        json!({"qr_content": qr, "name": "Heater"}),
    )
    .await
}

/// Imports `csv` (rows after [`HEADER`]) and returns the report.
async fn import(s: &TestServer, key: &str, pk: &str, mode: &str, rows: &str) -> Value {
    let answer = s.import(key, pk, mode, &format!("{HEADER}{rows}")).await;
    answer.assert_status(200).clone()
}

async fn an_adopted_gizwits_service_label_binds_end_to_end(s: TestServer) {
    let key = s.key("migrating", false).await;
    // The default policy: the adopted text stands in for the bind code.
    s.product(&key, "gzs001", "bind_code_required").await;
    let (_, archive) = s.batch(&key, "gzs001", 1).await;
    let printed = sn_list(&archive).remove(0);
    let (mac1, mac2, mac3, mac4) = (next_mac(), next_mac(), next_mac(), next_mac());
    // A legacy label whose did is no SN here, and a label that reads as a bare SN.
    let legacy = "product_key=gzs001&did=Gq7xNGfyWXvK0001&passcode=QWERTYUIOP";
    let bare = "Gq7xNGfyWXvK9jQ7GaABuX";
    // A batch SN is activated with its label; new devices are made with theirs.
    let rows = format!(
        "{mac1},gzs001,,{SERVICE_LABEL},\n{mac2},gzs001,,\"{legacy}\",\n\
         {mac4},gzs001,{},{SERVICE_LABEL_2},\n",
        printed.sn
    );
    let report = import(&s, &key, "gzs001", "atomic", &rows).await;
    assert_eq!(report["imported"], 3, "{report}");
    // A label that reads as an SN is checked against every SN (the checked way).
    let report = import(
        &s,
        &key,
        "gzs001",
        "atomic",
        &format!("{mac3},gzs001,,{bare},\n"),
    )
    .await;
    assert_eq!(report["imported"], 1, "{report}");

    let ann = s.user("ann@example.com").await;
    let bob = s.user("bob@example.com").await;
    let seen = s.inspect(&ann, SERVICE_LABEL).await;
    let seen = seen.assert_status(200);
    assert_eq!(seen["status"], "bindable");
    assert_eq!(seen["product_key"], "gzs001");
    // Without an SN column the DeviceKey is the SN.
    assert_eq!(seen["sn"], mac1.as_str());

    // Scanners add a newline; the text is otherwise exact.
    let bound = bind(&s, &ann, &format!("{SERVICE_LABEL}\n")).await;
    assert_eq!(bound.assert_status(201)["device"]["sn"], mac1.as_str());
    assert_eq!(
        s.inspect(&ann, SERVICE_LABEL).await.assert_status(200)["status"],
        "bound_to_you"
    );
    assert_eq!(
        s.inspect(&bob, SERVICE_LABEL).await.assert_status(200)["status"],
        "bound_to_other"
    );
    let taken = bind(&s, &bob, SERVICE_LABEL).await;
    taken.assert_error(409, "already_bound");
    assert!(
        !taken.json.to_string().contains("Zm9vYmFy"),
        "{}",
        taken.json
    );

    let mut did = String::new();
    for (label, sn) in [
        (legacy, &mac2),
        (bare, &mac3),
        (SERVICE_LABEL_2, &printed.sn),
    ] {
        let bound = bind(&s, &bob, label).await;
        let device = &bound.assert_status(201)["device"];
        assert_eq!(device["sn"], sn.as_str(), "{label}");
        did = device["did"].as_str().unwrap().to_owned();
    }
    // The device's own SN is no secret: alone it does not bind a bind_code_required device.
    let carol = s.user("carol@example.com").await;
    s.delete(&format!("/v1/bindings/{did}"), Auth::Bearer(&bob))
        .await
        .assert_status(204);
    bind(&s, &carol, &printed.sn)
        .await
        .assert_error(403, "bad_bind_code");
    // The label Bindery printed for the same device still binds it.
    let v2 = bind(&s, &carol, &printed.qr_content).await;
    assert_eq!(v2.assert_status(201)["device"]["sn"], printed.sn.as_str());

    // Only keyed hashes are kept: no column holds the texts.
    let hashes: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT label_hash FROM devices WHERE label_hash IS NOT NULL ORDER BY sn",
    )
    .fetch_all(&s.state.db)
    .await
    .unwrap();
    assert_eq!(hashes.len(), 4);
    assert!(hashes.iter().all(|h| h.len() == 32));
}

async fn an_adopted_label_names_its_device_on_an_sn_only_product(s: TestServer) {
    let key = s.key("migrating", false).await;
    s.product(&key, "gzs002", "sn_only").await;
    let mac = next_mac();
    let report = import(
        &s,
        &key,
        "gzs002",
        "atomic",
        &format!("{mac},gzs002,LAMP-0001,{SERVICE_LABEL},\n"),
    )
    .await;
    assert_eq!(report["imported"], 1, "{report}");
    let ann = s.user("ann@example.com").await;
    assert_eq!(
        s.inspect(&ann, SERVICE_LABEL).await.assert_status(200)["sn"],
        "LAMP-0001"
    );
    let bound = bind(&s, &ann, SERVICE_LABEL).await;
    assert_eq!(bound.assert_status(201)["device"]["sn"], "LAMP-0001");
    // On an sn_only product the SN still binds the device, as before.
    let answer = bind(&s, &ann, "pk=gzs002&sn=LAMP-0001&v=1").await;
    assert_eq!(answer.assert_status(200)["device"]["sn"], "LAMP-0001");
}

async fn a_label_text_names_one_device(s: TestServer) {
    let key = s.key("maker a", false).await;
    let other = s.key("maker b", false).await;
    s.product(&key, "gzs003", "bind_code_required").await;
    s.product(&other, "oth003", "bind_code_required").await;
    let macs: Vec<String> = (0..6).map(|_| next_mac()).collect();

    // Twice in one file: the second row is refused and, atomic, nothing is written.
    let twice = format!(
        "{},gzs003,,{SERVICE_LABEL},\n{},gzs003,,{SERVICE_LABEL},\n",
        macs[0], macs[1]
    );
    let report = import(&s, &key, "gzs003", "atomic", &twice).await;
    assert_eq!(report["imported"], 0);
    assert_eq!(
        refused_rows(&report),
        [(3, "Label".into(), "duplicate_in_file".into())]
    );

    let once = format!("{},gzs003,A-SN-0001,{SERVICE_LABEL},\n", macs[0]);
    assert_eq!(
        import(&s, &key, "gzs003", "atomic", &once).await["imported"],
        1
    );

    // Another maker cannot take the text (nor learn whose it is); the same maker cannot
    // give it to a second device; a label that is a device's SN would shadow it.
    let rows = [
        (
            &other,
            "oth003",
            format!("{},oth003,,{SERVICE_LABEL},\n", macs[2]),
        ),
        (
            &key,
            "gzs003",
            format!("{},gzs003,,{SERVICE_LABEL},\n", macs[3]),
        ),
        (
            &other,
            "oth003",
            format!("{},oth003,,A-SN-0001,\n", macs[4]),
        ),
    ];
    for (who, pk, row) in rows {
        let report = import(&s, who, pk, "partial", &row).await;
        assert_eq!(report["imported"], 0, "{row}");
        assert_eq!(
            refused_rows(&report),
            [(2, "Label".into(), "label_taken".into())],
            "{row}"
        );
        let text = report.to_string();
        for secret in ["Zm9vYmFy", &macs[0], "gzs003"] {
            assert!(!text.contains(secret), "{text}");
        }
    }
    // Partial mode writes the other rows; labels that name their device already are refused.
    let rows = format!(
        "{},oth003,,\"{}\",\n{},oth003,,{SERVICE_LABEL_2},\n",
        macs[4], "pk=oth003&sn=SOMESN0001&v=1", macs[5]
    );
    let report = import(&s, &other, "oth003", "partial", &rows).await;
    assert_eq!(report["imported"], 1);
    assert_eq!(
        refused_rows(&report),
        [(2, "Label".into(), "invalid_label".into())]
    );

    // The text binds the one device it was adopted for.
    let ann = s.user("ann@example.com").await;
    let bound = bind(&s, &ann, SERVICE_LABEL).await;
    assert_eq!(bound.assert_status(201)["device"]["sn"], "A-SN-0001");
}

async fn foreign_labels_nobody_adopted_are_refused_as_before(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "gzs004", "sn_only").await;
    import(
        &s,
        &key,
        "gzs004",
        "atomic",
        &format!("{},gzs004,,{SERVICE_LABEL},\n", next_mac()),
    )
    .await;
    let ann = s.user("ann@example.com").await;
    let upper = SERVICE_LABEL.to_uppercase();
    // (text, status, code, words of the message)
    let cases = [
        (SERVICE_LABEL_2, 400, "bad_qr_content", ""),
        // Exact text only: another case is another label.
        (upper.as_str(), 400, "bad_qr_content", ""),
        (
            "type=share&code=4b1e0a7fd3c5",
            400,
            "bad_qr_content",
            "share codes are not supported",
        ),
        (
            "product_key=gzs004&did=NoSuchDid0001&passcode=XAVBPXMSKA",
            404,
            "sn_not_found",
            "",
        ),
        ("pk=gzs004&sn=NOSUCHSN01&v=1", 404, "sn_not_found", ""),
    ];
    for (qr, status, code, words) in cases {
        for answer in [s.inspect(&ann, qr).await, bind(&s, &ann, qr).await] {
            answer.assert_error(status, code);
            let message = answer.json["error"]["message"].as_str().unwrap();
            assert!(message.contains(words), "{qr}: {message}");
        }
    }
}

async fn an_imported_passcode_is_checked(s: TestServer) {
    // Failed binds are counted (see the next test); here they must not lock anyone out.
    let s = s
        .with_limits(bindery_cloud::Limits {
            bind_failures_per_account: 100,
            sn_only_failures_per_account: 100,
            ..crate::common::test_limits()
        })
        .await;
    let key = s.key("gizwits", false).await;
    s.product(&key, "gzp001", "sn_only").await;
    s.product(&key, "gzp002", "bind_code_required").await;
    let rows = format!(
        "{},gzp001,DidWithPass0001,,XAVBPXMSKA\n{},gzp001,DidNoPass00002,,\n",
        next_mac(),
        next_mac()
    );
    assert_eq!(
        import(&s, &key, "gzp001", "atomic", &rows).await["imported"],
        2
    );
    let rows = format!("{},gzp002,DidWithPass0003,,KEEPITSAFE\n", next_mac());
    assert_eq!(
        import(&s, &key, "gzp002", "atomic", &rows).await["imported"],
        1
    );
    let legacy = |pk: &str, did: &str, passcode: &str| {
        format!("product_key={pk}&did={did}&passcode={passcode}")
    };
    let ann = s.user("ann@example.com").await;

    // (label, inspect's answer, bind's answer): a status, with the code when refused.
    type Answered = (u16, &'static str);
    let cases: [(String, Answered, Answered); 7] = [
        // The passcode imported for the device: checked, both ways.
        (
            legacy("gzp001", "DidWithPass0001", "WRONGPASS1"),
            (403, "bad_bind_code"),
            (403, "bad_bind_code"),
        ),
        (
            legacy("gzp001", "DidWithPass0001", "xavbpxmska"),
            (403, "bad_bind_code"),
            (403, "bad_bind_code"),
        ),
        // Rewriting the label without its passcode does not get around it.
        (
            "pk=gzp001&sn=DidWithPass0001&v=1".into(),
            (200, ""),
            (403, "bad_bind_code"),
        ),
        (
            legacy("gzp001", "DidWithPass0001", "XAVBPXMSKA"),
            (200, ""),
            (201, ""),
        ),
        // No passcode imported: as before, any passcode binds an sn_only device.
        (
            legacy("gzp001", "DidNoPass00002", "ANYTHING"),
            (200, ""),
            (201, ""),
        ),
        // A bind_code_required device with a passcode: the right one stands in for the code.
        (
            legacy("gzp002", "DidWithPass0003", "WRONGPASS1"),
            (403, "bad_bind_code"),
            (403, "bad_bind_code"),
        ),
        (
            legacy("gzp002", "DidWithPass0003", "KEEPITSAFE"),
            (200, ""),
            (201, ""),
        ),
    ];
    for (label, inspected, bound) in cases {
        for ((status, code), answer) in [
            (inspected, s.inspect(&ann, &label).await),
            (bound, bind(&s, &ann, &label).await),
        ] {
            match code {
                "" => assert_eq!(answer.status.as_u16(), status, "{label}: {}", answer.json),
                code => {
                    answer.assert_error(status, code);
                    // The passcode is not echoed.
                    assert!(
                        !answer.json.to_string().contains("WRONGPASS"),
                        "{}",
                        answer.json
                    );
                }
            }
        }
    }
}

async fn wrong_passcodes_count_as_failed_binds(s: TestServer) {
    let s = s
        .with_limits(bindery_cloud::Limits {
            bind_failures_per_account: 3,
            ..crate::common::test_limits()
        })
        .await;
    let key = s.key("gizwits", false).await;
    s.product(&key, "gzp003", "sn_only").await;
    let rows = format!("{},gzp003,DidWithPass0004,,XAVBPXMSKA\n", next_mac());
    import(&s, &key, "gzp003", "atomic", &rows).await;
    let wrong = "product_key=gzp003&did=DidWithPass0004&passcode=GUESS00001";
    let right = "product_key=gzp003&did=DidWithPass0004&passcode=XAVBPXMSKA";
    let guesser = s.user("guesser@example.com").await;
    // Inspect and bind alike: each wrong passcode is a failed bind, recorded for support.
    s.inspect(&guesser, wrong)
        .await
        .assert_error(403, "bad_bind_code");
    bind(&s, &guesser, wrong)
        .await
        .assert_error(403, "bad_bind_code");
    s.inspect(&guesser, wrong)
        .await
        .assert_error(403, "bad_bind_code");
    let failed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM bind_attempts WHERE sn = 'DidWithPass0004' AND failed = 1 \
         AND result = 'bad_bind_code'",
    )
    .fetch_one(&s.state.db)
    .await
    .unwrap();
    assert_eq!(failed, 3);
    // Locked out now: the right passcode teaches nothing until the window passes.
    s.inspect(&guesser, right)
        .await
        .assert_error(429, "rate_limited");
    bind(&s, &guesser, right)
        .await
        .assert_error(429, "rate_limited");
    let owner = s.user("owner@example.com").await;
    assert_eq!(bind(&s, &owner, right).await.status, 201);
}

/// Another system's label may look like a Bindery or Quectel label with a broken field (here
/// an SN too short for §3): the parser refuses it, but the maker adopted that exact text, so
/// it binds (the app's Enter code sends it for this reason); a text nobody adopted is still
/// `bad_qr_content`.
async fn an_adopted_text_that_reads_as_a_broken_label_binds(s: TestServer) {
    const BROKEN_LOOKING: &str = "pk=gzs004&sn=AB&v=1";
    assert!(bindery_core::parse_qr(BROKEN_LOOKING).is_err());
    let key = s.key("migrating", false).await;
    s.product(&key, "gzs004", "sn_only").await;
    let report = import(
        &s,
        &key,
        "gzs004",
        "atomic",
        &format!("{},gzs004,FAN-000001,{BROKEN_LOOKING},\n", next_mac()),
    )
    .await;
    assert_eq!(report["imported"], 1, "{report}");
    let ann = s.user("ann@example.com").await;
    let bound = bind(&s, &ann, BROKEN_LOOKING).await;
    assert_eq!(bound.assert_status(201)["device"]["sn"], "FAN-000001");
    s.inspect(&ann, "pk=gzs004&sn=CD&v=1")
        .await
        .assert_error(400, "bad_qr_content");
}

/// A maker imports the installed base first and its Gizwits labels and passcodes later: a
/// row repeating a device (same SN and DeviceKey) gives it what it lacks, never changes what
/// it has, and never moves a DeviceKey.
async fn a_later_import_gives_devices_their_labels_and_passcodes(s: TestServer) {
    let s = s
        .with_limits(bindery_cloud::Limits {
            bind_failures_per_account: 100,
            sn_only_failures_per_account: 100,
            ..crate::common::test_limits()
        })
        .await;
    let key = s.key("moving over", false).await;
    let other = s.key("someone else", false).await;
    s.product(&key, "gzl001", "sn_only").await;
    s.product(&other, "oth001", "sn_only").await;
    let macs: Vec<String> = (0..5).map(|_| next_mac()).collect();
    let first = format!(
        "{},gzl001,LaterDid00001,,\n{},gzl001,LaterDid00002,,\n{},gzl001,LaterDid00003,{SERVICE_LABEL_2},\n",
        macs[0], macs[1], macs[2]
    );
    assert_eq!(
        import(&s, &key, "gzl001", "atomic", &first).await["imported"],
        3
    );
    let taken = format!("{},oth001,,{SERVICE_LABEL},\n", macs[4]);
    assert_eq!(
        import(&s, &other, "oth001", "atomic", &taken).await["imported"],
        1
    );
    let ann = s.user("ann@example.com").await;
    let legacy =
        |did: &str, passcode: &str| format!("product_key=gzl001&did={did}&passcode={passcode}");
    // Before: no passcode, so any passcode binds (and is then unbound again below).
    assert_eq!(
        s.inspect(&ann, &legacy("LaterDid00001", "ANYTHING"))
            .await
            .status,
        200
    );

    // A plain repeat is refused as it always was.
    let report = import(
        &s,
        &key,
        "gzl001",
        "atomic",
        &format!("{},gzl001,LaterDid00001,,\n", macs[0]),
    )
    .await;
    assert_eq!(
        refused_rows(&report),
        [
            (2, "*DeviceKey".into(), "device_key_taken".into()),
            (2, "Device SN".into(), "already_imported".into())
        ]
    );
    // Each row refused, and why: (row, column, code).
    let refusals = [
        // Nothing new: the label it has.
        (
            format!("{},gzl001,LaterDid00003,{SERVICE_LABEL_2},", macs[2]),
            "Device SN",
            "already_imported",
        ),
        // Another DeviceKey for an SN that has one.
        (
            format!("{},gzl001,LaterDid00001,,PASS000001", macs[3]),
            "Device SN",
            "already_imported",
        ),
        // A device keeps the label it was given.
        (
            format!("{},gzl001,LaterDid00003,OTHERLABEL-77,", macs[2]),
            "Label",
            "label_already_set",
        ),
        // Another maker's label is not taken over, nor named.
        (
            format!("{},gzl001,LaterDid00002,{SERVICE_LABEL},", macs[1]),
            "Label",
            "label_taken",
        ),
        // Another device's SN as a label would shadow it.
        (
            format!("{},gzl001,LaterDid00002,LaterDid00001,", macs[1]),
            "Label",
            "label_taken",
        ),
    ];
    for (row, column, code) in &refusals {
        let report = import(&s, &key, "gzl001", "atomic", &format!("{row}\n")).await;
        assert_eq!(
            (report["imported"].as_u64(), report["updated"].as_u64()),
            (Some(0), Some(0)),
            "{row}: {report}"
        );
        assert_eq!(
            refused_rows(&report),
            [(2, column.to_string(), code.to_string())],
            "{row}"
        );
        assert!(!report.to_string().contains("Zm9vYmFy"), "{report}");
    }
    // A DeviceKey held by a device of another SN is not moved.
    let moved = format!("{},gzl001,LaterDid00002,LABEL-FOR-2,\n", macs[0]);
    let report = import(&s, &key, "gzl001", "atomic", &moved).await;
    assert_eq!(refused_rows(&report)[0].2, "device_key_taken", "{report}");

    // The real file: passcodes for two devices, a label for one, the third's label again
    // (unchanged) with the passcode it lacked; and, in the same file, a new device.
    let later = format!(
        "{},gzl001,LaterDid00001,,XAVBPXMSKA\n{},gzl001,LaterDid00002,LABEL-FOR-2,KEEPITSAFE\n\
         {},gzl001,LaterDid00003,{SERVICE_LABEL_2},THIRDPASS1\n{},gzl001,LaterDid00004,,\n",
        macs[0], macs[1], macs[2], macs[3]
    );
    let report = import(&s, &key, "gzl001", "atomic", &later).await;
    assert_eq!(
        (report["imported"].as_u64(), report["updated"].as_u64()),
        (Some(1), Some(3)),
        "{report}"
    );
    // The same file again changes nothing more: every repeat is refused as nothing new.
    let report = import(&s, &key, "gzl001", "partial", &later).await;
    assert_eq!(
        (report["imported"].as_u64(), report["updated"].as_u64()),
        (Some(0), Some(0)),
        "{report}"
    );
    let rows: std::collections::BTreeSet<u64> = refused_rows(&report)
        .into_iter()
        .map(|(row, _, _)| row)
        .collect();
    assert_eq!(rows, [2, 3, 4, 5].into(), "{report}");

    // The passcodes are checked now, both ways; the new label binds its device.
    legacy_answers(&s, &ann, &legacy("LaterDid00001", "WRONGPASS1"), 403).await;
    legacy_answers(&s, &ann, &legacy("LaterDid00003", "WRONGPASS1"), 403).await;
    let bound = bind(&s, &ann, &legacy("LaterDid00001", "XAVBPXMSKA")).await;
    assert_eq!(bound.assert_status(201)["device"]["sn"], "LaterDid00001");
    let bound = bind(&s, &ann, "LABEL-FOR-2").await;
    assert_eq!(bound.assert_status(201)["device"]["sn"], "LaterDid00002");
    let bound = bind(&s, &ann, &legacy("LaterDid00003", "THIRDPASS1")).await;
    assert_eq!(bound.assert_status(201)["device"]["sn"], "LaterDid00003");
}

/// Inspect and bind of `label` both answer `status` (403: `bad_bind_code`).
async fn legacy_answers(s: &TestServer, token: &str, label: &str, status: u16) {
    for answer in [s.inspect(token, label).await, bind(s, token, label).await] {
        answer.assert_error(status, "bad_bind_code");
        assert!(
            !answer.json.to_string().contains("WRONGPASS"),
            "{}",
            answer.json
        );
    }
}
