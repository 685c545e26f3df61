//! The Developer Center: products, batches and their label archives (every PNG decoded), the
//! import template, imports in both modes with every kind of bad row, the export's
//! formula-injection guard, Gizwits QR tasks, and what a key may touch.

use std::io::Read;

use bindery_core::qr::parse_qr;
use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::common::{imei, next_mac, sn_list, Auth, Body, TestServer};

both_backends!(
    products,
    batches_and_archive,
    template,
    import_atomic_and_partial,
    import_bad_files,
    import_xlsx,
    formula_injection,
    gizwits_tasks,
    key_scope,
    devices_need_their_product,
    import_new_devices,
    import_gives_way_to_the_checked_way,
);

const HEADER: &str = "*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n";

/// The template's header: Quectel's columns, then those of labels already printed.
const TEMPLATE: &str =
    "*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint,Label,Passcode\n";

async fn products(s: TestServer) {
    let key = s.key("maker", false).await;
    let made = s
        .post(
            "/v1/products",
            Auth::Key(&key),
            json!({"name": "Smart Plug"}),
        )
        .await;
    let body = made.assert_status(201).clone();
    assert_eq!(body["bind_policy"], "bind_code_required");
    assert_eq!(body["name"], "Smart Plug");
    let pk = body["product_key"].as_str().unwrap();
    let listed = s.get("/v1/products", Auth::Key(&key)).await;
    assert_eq!(listed.assert_status(200)["products"], json!([body]));
    s.post(
        "/v1/products",
        Auth::Key(&key),
        json!({"name": "Dup", "product_key": pk}),
    )
    .await
    .assert_error(400, "invalid_request");
    s.post(
        "/v1/products",
        Auth::Key(&key),
        json!({"name": "Bad", "product_key": "p!"}),
    )
    .await
    .assert_error(400, "invalid_request");
    s.post(
        "/v1/products",
        Auth::Key(&key),
        json!({"name": "Bad", "bind_policy": "maybe"}),
    )
    .await
    .assert_error(400, "invalid_request");
    s.post("/v1/products", Auth::Key(&key), json!({"name": ""}))
        .await
        .assert_error(400, "invalid_request");
    let other = s.key("other", false).await;
    assert_eq!(
        s.get("/v1/products", Auth::Key(&other)).await.json["products"],
        json!([])
    );
}

async fn batches_and_archive(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "bind_code_required").await;
    for count in [0, 10_001] {
        s.post(
            "/v1/products/plug01/sn-batches",
            Auth::Key(&key),
            json!({"count": count}),
        )
        .await
        .assert_error(400, "invalid_request");
    }
    s.post(
        "/v1/products/nosuch1/sn-batches",
        Auth::Key(&key),
        json!({"count": 1}),
    )
    .await
    .assert_error(404, "not_found");
    let (batch_id, archive) = s.batch(&key, "plug01", 12).await;
    let listed = s
        .get("/v1/products/plug01/sn-batches", Auth::Key(&key))
        .await;
    let batches = listed.assert_status(200)["batches"].clone();
    assert_eq!(batches.as_array().unwrap().len(), 1);
    assert_eq!(batches[0]["batch_id"], batch_id.as_str());
    assert_eq!(batches[0]["count"], 12);
    s.get("/v1/sn-batches/b_nosuch/archive", Auth::Key(&key))
        .await
        .assert_error(404, "not_found");

    let labels = sn_list(&archive);
    assert_eq!(labels.len(), 12);
    let mut sns: Vec<_> = labels.iter().map(|l| l.sn.clone()).collect();
    sns.sort();
    sns.dedup();
    assert_eq!(sns.len(), 12, "SNs are unique");
    // Only the keyed hash of each bind code is stored.
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT bind_code_hash FROM devices")
        .fetch_all(&s.state.db)
        .await
        .unwrap();
    assert!(stored.iter().all(|h| h.len() == 32));

    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&archive)).unwrap();
    assert_eq!(zip.len(), 13);
    for label in &labels {
        let mut png = Vec::new();
        zip.by_name(&format!("qr/{}.png", label.sn))
            .unwrap()
            .read_to_end(&mut png)
            .unwrap();
        let image = image::load_from_memory(&png).unwrap().to_luma8();
        // The 4-module quiet zone: the border rows are white.
        assert!((0..image.width()).all(|x| image.get_pixel(x, 0)[0] == 255));
        let mut prepared = rqrr::PreparedImage::prepare(image);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1, "one code in {}", label.sn);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, label.qr_content);
        let parsed = parse_qr(&content).unwrap();
        assert_eq!(parsed.sn().unwrap().as_str(), label.sn);
        assert_eq!(parsed.product_key().unwrap().as_str(), "plug01");
        assert_eq!(parsed.bind_code().unwrap().as_str(), label.bind_code);
    }
    // The archive can be downloaded again, identical.
    let again = s
        .get(
            &format!("/v1/sn-batches/{batch_id}/archive"),
            Auth::Key(&key),
        )
        .await;
    assert_eq!(again.bytes, archive);
    assert_eq!(again.headers["content-type"], "application/zip");
}

async fn template(s: TestServer) {
    let key = s.key("maker", false).await;
    let csv = s
        .get("/v1/import-template?format=csv", Auth::Key(&key))
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(String::from_utf8(csv.bytes).unwrap(), TEMPLATE);
    let xlsx = s
        .get("/v1/import-template?format=xlsx", Auth::Key(&key))
        .await;
    assert_eq!(xlsx.status, 200);
    let header = crate::common::xlsx_header(xlsx.bytes);
    assert_eq!(header.join(",") + "\n", TEMPLATE);
    s.get("/v1/import-template?format=pdf", Auth::Key(&key))
        .await
        .assert_error(400, "invalid_request");
}

async fn import_atomic_and_partial(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "bind_code_required").await;
    let (_, archive) = s.batch(&key, "plug01", 3).await;
    let labels = sn_list(&archive);
    let good_imei = imei(35_209_900_176_148);
    let mut bad_imei = good_imei.clone();
    let last = bad_imei.pop().unwrap().to_digit(10).unwrap();
    bad_imei.push(char::from_digit((last + 1) % 10, 10).unwrap());
    let file = format!(
        "{HEADER}{good_imei},plug01,{},Kitchen,\n{bad_imei},plug01,{},,\nAA-BB-CC-DD-EE-01,plug01,{},,\n",
        labels[0].sn, labels[1].sn, labels[2].sn
    );

    let atomic = s.import(&key, "plug01", "atomic", &file).await;
    let body = atomic.assert_status(200);
    assert_eq!(body["imported"], 0);
    assert_eq!(
        body["rejected"],
        json!([{"row": 3, "column": "*DeviceKey", "code": "invalid_device_key", "message": body["rejected"][0]["message"]}])
    );
    let activated: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM devices WHERE device_key IS NOT NULL")
            .fetch_one(&s.state.db)
            .await
            .unwrap();
    assert_eq!(activated, 0, "atomic imports nothing");
    // Atomic is the default.
    let default = s
        .send(
            Method::POST,
            "/v1/products/plug01/devices/import",
            Auth::Key(&key),
            Some(Body::Raw("text/csv", file.clone().into_bytes())),
        )
        .await;
    assert_eq!(default.assert_status(200)["imported"], 0);

    let partial = s.import(&key, "plug01", "partial", &file).await;
    let body = partial.assert_status(200);
    assert_eq!(body["imported"], 2);
    assert_eq!(body["rejected"][0]["row"], 3);
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT device_key FROM devices WHERE device_key IS NOT NULL ORDER BY device_key",
    )
    .fetch_all(&s.state.db)
    .await
    .unwrap();
    assert_eq!(keys, vec![good_imei.clone(), "aabbccddee01".to_owned()]);

    // Against the database: the same rows again are duplicates.
    let again = s.import(&key, "plug01", "partial", &file).await;
    let body = again.assert_status(200);
    assert_eq!(body["imported"], 0);
    let codes = crate::common::refused_rows(body);
    assert!(
        codes.contains(&(2, "*DeviceKey".into(), "device_key_taken".into())),
        "{codes:?}"
    );
    assert!(
        codes.contains(&(2, "Device SN".into(), "already_imported".into())),
        "{codes:?}"
    );
    assert!(
        codes.contains(&(4, "*DeviceKey".into(), "device_key_taken".into())),
        "{codes:?}"
    );

    // Within the file: the second occurrence is refused, naming the first.
    let (m1, m2) = (next_mac(), next_mac());
    let dup = format!("{HEADER}{m1},plug01,SN-DUP-0001,,\n{m1},plug01,SN-DUP-0002,,\n{m2},plug01,SN-DUP-0001,,\n,plug01,,,\n{m2},other1,,,\n");
    let body = s
        .import(&key, "plug01", "atomic", &dup)
        .await
        .assert_status(200)
        .clone();
    assert_eq!(body["imported"], 0);
    let rejected = body["rejected"].as_array().unwrap();
    assert!(
        rejected.iter().any(|r| r["row"] == 3
            && r["column"] == "*DeviceKey"
            && r["code"] == "duplicate_in_file"
            && r["message"].as_str().unwrap().contains("row 2")),
        "{body}"
    );
    assert!(
        rejected.iter().any(|r| r["row"] == 4
            && r["column"] == "Device SN"
            && r["code"] == "duplicate_in_file"),
        "{body}"
    );
    assert!(
        rejected
            .iter()
            .any(|r| r["row"] == 5 && r["code"] == "missing_value"),
        "{body}"
    );
    assert!(
        rejected.iter().any(|r| r["row"] == 6
            && r["column"] == "*ProductKey"
            && r["code"] == "product_mismatch"),
        "{body}"
    );
    s.import(&key, "plug01", "sometimes", &dup)
        .await
        .assert_error(400, "invalid_request");
}

async fn import_bad_files(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "bind_code_required").await;
    // Latin-1 "Café": not UTF-8, and E9 before a comma is no GB18030 either.
    let latin1 = b"*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\naabbccddee02,plug01,,Caf\xe9,\n".to_vec();
    let answer = s
        .send(
            Method::POST,
            "/v1/products/plug01/devices/import",
            Auth::Key(&key),
            Some(Body::Raw("text/csv", latin1)),
        )
        .await;
    answer.assert_error(400, "invalid_request");
    assert!(answer.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("UTF-8"));
    let wrong = s
        .import(
            &key,
            "plug01",
            "atomic",
            "mac,product\naabbccddee02,plug01\n",
        )
        .await;
    wrong.assert_error(400, "invalid_request");
    assert!(wrong.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("*DeviceKey"));
    s.import(&key, "plug01", "atomic", "")
        .await
        .assert_error(400, "invalid_request");
    // A BOM and a short header (no optional columns) are fine.
    let ok = s
        .import(
            &key,
            "plug01",
            "atomic",
            "\u{feff}*DeviceKey,*ProductKey\naabbccddee02,plug01\n",
        )
        .await;
    assert_eq!(ok.assert_status(200)["imported"], 1);
    // Too large: refused by its Content-Length, before a byte of the body is read.
    let answer = s
        .announce_body(
            "/v1/products/plug01/devices/import",
            &key,
            s.state.limits.import_body_bytes + 1,
        )
        .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"payload_too_large\""), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("x-request-id"),
        "{answer}"
    );
}

async fn import_xlsx(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "bind_code_required").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, title) in bindery_core::api::IMPORT_TEMPLATE_HEADER.iter().enumerate() {
        sheet.write_string(0, col as u16, *title).unwrap();
    }
    // Excel turns a typed IMEI into a number.
    let good = imei(49_015_420_323_751);
    sheet
        .write_number(1, 0, good.parse::<f64>().unwrap())
        .unwrap();
    sheet.write_string(1, 1, "plug01").unwrap();
    sheet.write_string(2, 0, "not-a-key").unwrap();
    sheet.write_string(2, 1, "plug01").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let answer = s
        .send(
            Method::POST,
            "/v1/products/plug01/devices/import?mode=partial",
            Auth::Key(&key),
            Some(Body::Raw(xlsx, bytes)),
        )
        .await;
    let body = answer.assert_status(200);
    assert_eq!(body["imported"], 1);
    assert_eq!(body["rejected"][0]["row"], 3);
    assert_eq!(body["rejected"][0]["code"], "invalid_device_key");
    let stored: String = sqlx::query_scalar("SELECT device_key FROM devices")
        .fetch_one(&s.state.db)
        .await
        .unwrap();
    assert_eq!(stored, good);
}

async fn formula_injection(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "bind_code_required").await;
    let evil = "=HYPERLINK(\"http://evil.example\";\"x\")";
    let file = format!(
        "{HEADER}aabbccddee03,plug01,,\"{}\",+cmd|calc\naabbccddee04,plug01,-SN0001,,\n",
        evil.replace('"', "\"\"")
    );
    s.import(&key, "plug01", "atomic", &file)
        .await
        .assert_status(200);
    let stored: String =
        sqlx::query_scalar("SELECT device_name FROM devices WHERE sn = 'aabbccddee03'")
            .fetch_one(&s.state.db)
            .await
            .unwrap();
    assert_eq!(stored, evil, "stored as the text it is");
    let export = s
        .get("/v1/products/plug01/devices/export", Auth::Key(&key))
        .await;
    assert_eq!(export.status, 200);
    let mut reader = csv::Reader::from_reader(export.bytes.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let row = rows.iter().find(|r| &r[1] == "aabbccddee03").unwrap();
    assert_eq!(&row[0], "aabbccddee03");
    assert_eq!(&row[2], format!("'{evil}"));
    assert_eq!(&row[3], "'+cmd|calc");
    // An SN may start with `-`, which a spreadsheet reads as a formula.
    let row = rows.iter().find(|r| &r[1] == "aabbccddee04").unwrap();
    assert_eq!(&row[0], "'-SN0001");
    // The export imports again as it was: the quote goes.
    let again = format!("{HEADER}aabbccddee05,plug01,'-SN0002,,\n");
    s.import(&key, "plug01", "atomic", &again)
        .await
        .assert_status(200);
    let sn: String = sqlx::query_scalar("SELECT sn FROM devices WHERE device_key = 'aabbccddee05'")
        .fetch_one(&s.state.db)
        .await
        .unwrap();
    assert_eq!(sn, "-SN0002");
}

async fn gizwits_tasks(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "gw0001", "bind_code_required").await;
    let path = "/qrcode/v1/gw0001/tasks";
    let made = s
        .post(
            path,
            Auth::Key(&key),
            json!({"start_mac": "a0:b1:c2:00:00:fe", "end_mac": "A0B1C2000101"}),
        )
        .await;
    assert_eq!(made.assert_status(201), &json!({}));
    s.post(
        path,
        Auth::Key(&key),
        json!({"start_mac": "a0b1c2000010", "end_mac": "a0b1c2000001"}),
    )
    .await
    .assert_error(400, "invalid_request");
    s.post(
        path,
        Auth::Key(&key),
        json!({"start_mac": "a0b1c3000000", "end_mac": "a0b1c3ffffff"}),
    )
    .await
    .assert_error(400, "invalid_request");
    s.post(
        path,
        Auth::Key(&key),
        json!({"start_mac": "not a mac", "end_mac": "a0b1c3000001"}),
    )
    .await
    .assert_error(400, "invalid_request");
    // Overlapping an existing task creates nothing.
    s.post(
        path,
        Auth::Key(&key),
        json!({"start_mac": "a0b1c2000101", "end_mac": "a0b1c2000102"}),
    )
    .await
    .assert_error(400, "invalid_request");

    let list = s.get(path, Auth::Key(&key)).await;
    let body = list.assert_status(200);
    assert_eq!(body["meta"]["total"], 1);
    let file = body["objects"][0]["file"].as_str().unwrap().to_owned();
    // Signed, so that it opens in a plain browser tab (`orgs::signed_links_…`).
    let (file, signature) = file.split_once('?').unwrap();
    assert!(
        signature.starts_with("expires=") && signature.contains("&sig="),
        "{signature}"
    );
    let file = file.to_owned();
    assert!(
        file.starts_with("/static/zipfiles/") && file.ends_with(".zip"),
        "{file}"
    );
    // Gizwits' shape: Unix seconds in a string.
    let created = body["objects"][0]["created_at"].as_str().unwrap();
    let seconds: i64 = created.parse().unwrap_or_else(|_| panic!("{created}"));
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((now - 600..=now + 5).contains(&seconds), "{created}");

    let zip_bytes = s.get(&file, Auth::Key(&key)).await;
    assert_eq!(zip_bytes.status, 200);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes.bytes)).unwrap();
    assert_eq!(zip.len(), 4);
    let mut png = Vec::new();
    zip.by_name("gw0001/a0b1c20000ff.png")
        .unwrap()
        .read_to_end(&mut png)
        .unwrap();
    let mut prepared =
        rqrr::PreparedImage::prepare(image::load_from_memory(&png).unwrap().to_luma8());
    let (_, content) = prepared.detect_grids()[0].decode().unwrap();
    // Activated at once: the decoded label binds.
    let ann = s.user("ann@example.com").await;
    let bound = s
        .post(
            "/v1/bindings",
            Auth::Bearer(&ann),
            json!({"qr_content": content, "name": "Fan"}),
        )
        .await;
    assert_eq!(bound.assert_status(201)["device"]["sn"], "a0b1c20000ff");
    s.get("/static/zipfiles/999.zip", Auth::Key(&key))
        .await
        .assert_error(404, "not_found");
}

async fn key_scope(s: TestServer) {
    let mine = s.key("mine", false).await;
    let theirs = s.key("theirs", false).await;
    let support = s.key("support", true).await;
    s.product(&mine, "plug01", "bind_code_required").await;
    let (batch_id, _) = s.batch(&mine, "plug01", 1).await;
    s.post(
        "/qrcode/v1/plug01/tasks",
        Auth::Key(&mine),
        json!({"start_mac": "a0b1c2000001", "end_mac": "a0b1c2000001"}),
    )
    .await
    .assert_status(201);
    let user = s.user("ann@example.com").await;
    let csv = format!("{HEADER}aabbccddee09,plug01,,,\n");

    let calls: Vec<(Method, String, Option<Body>)> = vec![
        (Method::GET, "/v1/products/plug01/sn-batches".into(), None),
        (
            Method::POST,
            "/v1/products/plug01/sn-batches".into(),
            Some(Body::Json(json!({"count": 1}))),
        ),
        (
            Method::GET,
            format!("/v1/sn-batches/{batch_id}/archive"),
            None,
        ),
        (
            Method::POST,
            "/v1/products/plug01/devices/import".into(),
            Some(Body::Raw("text/csv", csv.clone().into_bytes())),
        ),
        (
            Method::GET,
            "/v1/products/plug01/devices/export".into(),
            None,
        ),
        (Method::GET, "/qrcode/v1/plug01/tasks".into(), None),
        (
            Method::POST,
            "/qrcode/v1/plug01/tasks".into(),
            Some(Body::Json(
                json!({"start_mac": "a0b1c2000005", "end_mac": "a0b1c2000005"}),
            )),
        ),
        (Method::GET, "/static/zipfiles/1.zip".into(), None),
    ];
    for (method, path, body) in calls {
        let clone = |b: &Option<Body>| match b {
            None => None,
            Some(Body::Json(v)) => Some(Body::Json(v.clone())),
            Some(Body::Raw(t, v)) => Some(Body::Raw(t, v.clone())),
            Some(Body::Typed(t, v)) => Some(Body::Typed(t.clone(), v.clone())),
        };
        s.send(method.clone(), &path, Auth::Key(&theirs), clone(&body))
            .await
            .assert_error(403, "forbidden");
        s.send(method.clone(), &path, Auth::Key(&support), clone(&body))
            .await
            .assert_error(403, "forbidden");
        // A session alone names no organisation: signed in, but not allowed.
        s.send(method.clone(), &path, Auth::Bearer(&user), clone(&body))
            .await
            .assert_error(403, "forbidden");
        s.send(method.clone(), &path, Auth::None, clone(&body))
            .await
            .assert_error(401, "unauthorized");
        s.send(method.clone(), &path, Auth::Key("bk_wrong"), clone(&body))
            .await
            .assert_error(401, "unauthorized");
    }
    s.get("/v1/products", Auth::Bearer(&user))
        .await
        .assert_error(403, "forbidden");
    s.get("/v1/import-template", Auth::Bearer(&user))
        .await
        .assert_error(403, "forbidden");
    // Nothing was imported by the refused calls.
    let devices: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM devices WHERE device_key = 'aabbccddee09'")
            .fetch_one(&s.state.db)
            .await
            .unwrap();
    assert_eq!(devices, 0);
}

/// The database itself keeps every device tied to an existing product: a foreign key on
/// SQLite, per-statement triggers on PostgreSQL (see its migration 0002).
async fn devices_need_their_product(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "bind_code_required").await;
    s.product(&key, "lamp01", "bind_code_required").await;
    let is_fk_violation = |e: sqlx::Error| {
        e.as_database_error().map(|d| d.kind()) == Some(sqlx::error::ErrorKind::ForeignKeyViolation)
    };
    let orphan = sqlx::query(
        "INSERT INTO devices (sn, product_key, created_at) VALUES ('SN-OK-1', 'plug01', 1), ('SN-ORPHAN-1', 'nope01', 1)",
    )
    .execute(&s.state.writer)
    .await
    .unwrap_err();
    assert!(is_fk_violation(orphan));
    let moved = sqlx::query("UPDATE devices SET product_key = 'nope01'")
        .execute(&s.state.writer)
        .await;
    assert!(moved.is_ok(), "no devices yet: nothing to move");
    sqlx::query(
        "INSERT INTO devices (sn, product_key, created_at) VALUES ('SN-OK-2', 'plug01', 1)",
    )
    .execute(&s.state.writer)
    .await
    .unwrap();
    let moved = sqlx::query("UPDATE devices SET product_key = 'nope01' WHERE sn = 'SN-OK-2'")
        .execute(&s.state.writer)
        .await
        .unwrap_err();
    assert!(is_fk_violation(moved));
    let gone = sqlx::query("DELETE FROM products WHERE product_key = 'plug01'")
        .execute(&s.state.writer)
        .await
        .unwrap_err();
    assert!(is_fk_violation(gone));
    // A product without devices can go.
    sqlx::query("DELETE FROM products WHERE product_key = 'lamp01'")
        .execute(&s.state.writer)
        .await
        .unwrap();
}

/// New devices only (no SN of a batch): on PostgreSQL the rows go straight into `devices`
/// as the file is read. A refused row still refuses the whole file in atomic mode and only
/// itself in partial mode, and a DeviceKey imported before is reported per row.
async fn import_new_devices(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "bind_code_required").await;
    let macs: Vec<String> = (0..300).map(|_| next_mac()).collect();
    let mut file = HEADER.to_owned();
    for (i, mac) in macs.iter().enumerate() {
        if i == 150 {
            file.push_str("not-a-key,plug01,,,\n");
        }
        file.push_str(&format!("{mac},plug01,,\"Desk, \"\"left\"\"\",\n"));
    }
    let count = |s: &TestServer| {
        let db = s.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM devices")
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };

    let body = s
        .import(&key, "plug01", "atomic", &file)
        .await
        .assert_status(200)
        .clone();
    assert_eq!(body["imported"], 0, "{body}");
    assert_eq!(body["rejected"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(body["rejected"][0]["row"], 152);
    assert_eq!(count(&s).await, 0);

    let body = s
        .import(&key, "plug01", "partial", &file)
        .await
        .assert_status(200)
        .clone();
    assert_eq!(body["imported"], 300, "{body}");
    assert_eq!(body["rejected"][0]["row"], 152);
    assert_eq!(count(&s).await, 300);
    let name: String = sqlx::query_scalar("SELECT device_name FROM devices WHERE device_key = $1")
        .bind(macs[299].as_str())
        .fetch_one(&s.state.db)
        .await
        .unwrap();
    assert_eq!(name, "Desk, \"left\"");

    // One new row and one imported before: the new one is written in partial mode.
    let fresh = next_mac();
    let again = format!("{HEADER}{fresh},plug01,,,\n{},plug01,,,\n", macs[7]);
    let body = s
        .import(&key, "plug01", "partial", &again)
        .await
        .assert_status(200)
        .clone();
    assert_eq!(body["imported"], 1, "{body}");
    assert_eq!(body["rejected"][0]["row"], 3);
    assert_eq!(body["rejected"][0]["code"], "device_key_taken");
    assert_eq!(count(&s).await, 301);
}

/// Files whose every row passes the file's own checks go the optimistic way (rows written
/// while the file is read); a row only the database can refuse, even many chunks in, must
/// still leave nothing behind in atomic mode and be reported like any other.
async fn import_gives_way_to_the_checked_way(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "bind_code_required").await;
    s.product(&key, "other1", "bind_code_required").await;
    let count = |s: &TestServer| {
        let db = s.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM devices WHERE device_key IS NOT NULL",
            )
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    let taken = next_mac();
    let other_sn = "OTHER-SN-0001";
    s.import(
        &key,
        "plug01",
        "atomic",
        &format!("{HEADER}{taken},plug01,,,\n"),
    )
    .await
    .assert_status(200);
    s.import(
        &key,
        "other1",
        "atomic",
        &format!("{HEADER}{},other1,{other_sn},,\n", next_mac()),
    )
    .await
    .assert_status(200);
    assert_eq!(count(&s).await, 2);

    // 40,000 rows are several chunks; the DeviceKey taken before comes near the end.
    const ROWS: usize = 40_000;
    let mut file = HEADER.to_owned();
    for i in 0..ROWS {
        let mac = if i == 35_000 {
            taken.clone()
        } else {
            next_mac()
        };
        file.push_str(&format!("{mac},plug01,BIG-{i:06},Desk {i},\n"));
    }
    let body = import_ok(&s, &key, "plug01", "atomic", &file).await;
    assert_eq!(body["imported"], 0, "{body}");
    assert_eq!(
        body["rejected"],
        json!([{"row": 35_002, "column": "*DeviceKey", "code": "device_key_taken", "message": body["rejected"][0]["message"]}])
    );
    assert_eq!(
        count(&s).await,
        2,
        "atomic imports nothing, however far it got"
    );
    let body = import_ok(&s, &key, "plug01", "partial", &file).await;
    assert_eq!(body["imported"], ROWS - 1, "{body}");
    assert_eq!(count(&s).await, 2 + ROWS as i64 - 1);

    // Repeats within an otherwise good file.
    let cases = [
        (
            format!(
                "{HEADER}{},plug01,REPEAT-0001,,\n{},plug01,REPEAT-0001,,\n",
                next_mac(),
                next_mac()
            ),
            3,
            "Device SN",
            "duplicate_in_file",
        ),
        (
            format!(
                "{HEADER}{m},plug01,REPEAT-0002,,\n{m},plug01,REPEAT-0003,,\n",
                m = next_mac()
            ),
            3,
            "*DeviceKey",
            "duplicate_in_file",
        ),
    ];
    for (file, row, column, code) in cases {
        let body = import_ok(&s, &key, "plug01", "atomic", &file).await;
        assert_eq!(body["imported"], 0, "{file}: {body}");
        assert_eq!(
            body["rejected"].as_array().unwrap().len(),
            1,
            "{file}: {body}"
        );
        assert_eq!(body["rejected"][0]["row"], row, "{file}: {body}");
        assert_eq!(body["rejected"][0]["column"], column, "{file}: {body}");
        assert_eq!(body["rejected"][0]["code"], code, "{file}: {body}");
    }
    assert_eq!(count(&s).await, 2 + ROWS as i64 - 1);
    // Another product's SN is no obstacle: an SN names a device within its product.
    let file = format!("{HEADER}{},plug01,{other_sn},,\n", next_mac());
    let body = import_ok(&s, &key, "plug01", "atomic", &file).await;
    assert_eq!(body["imported"], 1, "{body}");
    assert_eq!(count(&s).await, 2 + ROWS as i64);

    // The optimistic way activates batch SNs too: the batch's row keeps its batch and code.
    let (batch_id, archive) = s.batch(&key, "plug01", 3).await;
    let labels = sn_list(&archive);
    let mut file = HEADER.to_owned();
    for (i, label) in labels.iter().enumerate() {
        file.push_str(&format!(
            "{},plug01,{},Lamp {i},fp-{i}\n",
            next_mac(),
            label.sn
        ));
    }
    let body = import_ok(&s, &key, "plug01", "atomic", &file).await;
    assert_eq!(body["imported"], 3, "{body}");
    let (name, fingerprint, batch, has_code): (String, String, String, i64) = sqlx::query_as(
        "SELECT device_name, fingerprint, batch_id, \
         CASE WHEN bind_code_hash IS NULL THEN 0 ELSE 1 END FROM devices WHERE sn = $1",
    )
    .bind(labels[2].sn.as_str())
    .fetch_one(&s.state.db)
    .await
    .unwrap();
    assert_eq!((name.as_str(), fingerprint.as_str()), ("Lamp 2", "fp-2"));
    assert_eq!((batch, has_code), (batch_id, 1));
    // Once activated, an SN takes no other DeviceKey.
    let again = format!("{HEADER}{},plug01,{},,\n", next_mac(), labels[0].sn);
    let body = import_ok(&s, &key, "plug01", "atomic", &again).await;
    assert_eq!(body["imported"], 0, "{body}");
    assert_eq!(body["rejected"][0]["code"], "already_imported", "{body}");
}

/// An import that must be answered 200: its report.
async fn import_ok(
    s: &TestServer,
    key: &str,
    pk: &str,
    mode: &str,
    file: &str,
) -> serde_json::Value {
    s.import(key, pk, mode, file)
        .await
        .assert_status(200)
        .clone()
}
