//! Gizwits-style QR tasks as a migrating maker's scripts use them: MAC lists and IMEIs (GPRS
//! devices) beside ranges, and the task list in Gizwits' own shape and paging.

use std::io::Read;

use serde_json::json;

use crate::both_backends;
use crate::common::{imei, Auth, TestServer};

both_backends!(
    a_mac_list_and_an_imei_list_make_their_devices_and_labels,
    bad_task_requests_name_the_entry_to_fix,
    the_task_list_pages_like_gizwits,
);

/// The label texts of a task's zip, by file name.
fn zip_names(bytes: Vec<u8>) -> Vec<String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut file = zip.by_index(i).unwrap();
            let mut sink = Vec::new();
            file.read_to_end(&mut sink).unwrap();
            file.name().to_owned()
        })
        .collect()
}

async fn a_mac_list_and_an_imei_list_make_their_devices_and_labels(s: TestServer) {
    let key = s.key("gw", false).await;
    s.product(&key, "gwl001", "sn_only").await;
    let path = "/qrcode/v1/gwl001/tasks";
    s.post(
        path,
        Auth::Key(&key),
        json!({"macs": ["a0:b1:c2:00:10:09", "A0B1C2001001"]}),
    )
    .await
    .assert_status(201);
    let gprs = [imei(86_000_000_000_001), imei(86_000_000_000_777)];
    s.post(path, Auth::Key(&key), json!({"imeis": gprs}))
        .await
        .assert_status(201);

    let list = s.get(path, Auth::Key(&key)).await;
    let body = list.assert_status(200);
    assert_eq!(body["meta"]["total"], 2);
    // Newest first: the IMEI task, then the MAC list.
    let files: Vec<String> = body["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|task| task["file"].as_str().unwrap().to_owned())
        .collect();
    let imei_zip = s.get(&files[0], Auth::Key(&key)).await;
    let mut names = zip_names(imei_zip.bytes);
    names.sort();
    let mut expected: Vec<String> = gprs.iter().map(|i| format!("gwl001/{i}.png")).collect();
    expected.sort();
    assert_eq!(names, expected);
    let mac_zip = s.get(&files[1], Auth::Key(&key)).await;
    let mut names = zip_names(mac_zip.bytes);
    names.sort();
    assert_eq!(
        names,
        ["gwl001/a0b1c2001001.png", "gwl001/a0b1c2001009.png"]
    );

    // Each device binds by its label (SN = the MAC or IMEI, activated at once).
    let user = s.user("gprs@example.com").await;
    for sn in [gprs[1].as_str(), "a0b1c2001009"] {
        let label = format!("pk=gwl001&sn={sn}&v=1");
        let bound = s
            .post(
                "/v1/bindings",
                Auth::Bearer(&user),
                json!({"qr_content": label, "name": "Tracker"}),
            )
            .await;
        assert_eq!(bound.assert_status(201)["device"]["sn"], sn);
    }
}

async fn bad_task_requests_name_the_entry_to_fix(s: TestServer) {
    let key = s.key("gw", false).await;
    s.product(&key, "gwb001", "bind_code_required").await;
    let path = "/qrcode/v1/gwb001/tasks";
    let refusals = [
        (json!({}), "exactly one of"),
        (
            json!({"start_mac": "a0b1c2000001", "end_mac": "a0b1c2000002", "macs": ["a0b1c2000003"]}),
            "exactly one of",
        ),
        (
            json!({"start_mac": "a0b1c2000001"}),
            "both start_mac and end_mac",
        ),
        (json!({"macs": ["a0b1c2000001", "nope"]}), "macs[1]"),
        (
            json!({"macs": ["a0b1c2000001", "a0-b1-c2-00-00-01"]}),
            "macs[1] repeats",
        ),
        (json!({"imeis": ["a0b1c2000001"]}), "imeis[0]"),
        (
            json!({"macs": [imei(86_000_000_000_001)]}),
            "put IMEIs in imeis",
        ),
    ];
    for (request, says) in refusals {
        let answer = s.post(path, Auth::Key(&key), request.clone()).await;
        answer.assert_error(400, "invalid_request");
        let message = answer.json["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{request}: {message}");
    }
    // Nothing was made by any of them.
    let list = s.get(path, Auth::Key(&key)).await;
    assert_eq!(list.assert_status(200)["meta"]["total"], 0);
}

async fn the_task_list_pages_like_gizwits(s: TestServer) {
    let key = s.key("gw", false).await;
    s.product(&key, "gwp001", "sn_only").await;
    let path = "/qrcode/v1/gwp001/tasks";
    for i in 0..12 {
        s.post(
            path,
            Auth::Key(&key),
            json!({"macs": [format!("a0b1c20020{i:02x}")]}),
        )
        .await
        .assert_status(201);
    }
    let first = s.get(path, Auth::Key(&key)).await;
    let first = first.assert_status(200);
    // Gizwits' default page is 10, with the neighbours named.
    assert_eq!(
        first["meta"],
        json!({"next": "/qrcode/v1/gwp001/tasks?skip=10&limit=10", "previous": null,
               "skip": 0, "limit": 10, "total": 12})
    );
    assert_eq!(first["objects"].as_array().unwrap().len(), 10);
    let newest = first["objects"][0]["file"].as_str().unwrap().to_owned();

    let second = s
        .get(&format!("{path}?skip=10&limit=10"), Auth::Key(&key))
        .await;
    let second = second.assert_status(200);
    assert_eq!(second["meta"]["next"], json!(null));
    assert_eq!(
        second["meta"]["previous"],
        "/qrcode/v1/gwp001/tasks?skip=0&limit=10"
    );
    let oldest: Vec<&str> = second["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|task| task["file"].as_str().unwrap())
        .collect();
    assert_eq!(oldest.len(), 2);
    assert!(!oldest.contains(&newest.as_str()));

    let small = s
        .get(&format!("{path}?skip=3&limit=2"), Auth::Key(&key))
        .await;
    let small = small.assert_status(200);
    assert_eq!(small["meta"]["skip"], 3);
    assert_eq!(small["meta"]["limit"], 2);
    assert_eq!(small["objects"].as_array().unwrap().len(), 2);
    for task in small["objects"].as_array().unwrap() {
        let at = task["updated_at"].as_str().unwrap();
        assert!(at.bytes().all(|b| b.is_ascii_digit()), "{at}");
    }
}
