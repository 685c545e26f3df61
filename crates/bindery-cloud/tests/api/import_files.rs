//! Import files as makers have them: one table over the fixture files in
//! `tests/fixtures/import/` (written by its `make.py`), each shaped as a spreadsheet program
//! or a browser saves it: CRLF, CR-only and mixed line ends, UTF-8 with a byte-order mark,
//! UTF-16, GBK (and a Windows-1252 file that only looks like it), tabs and semicolons, the
//! template's Chinese header, Quectel's SN↔IMEI export, number cells in XLSX, and multipart
//! form uploads. Each names the rows it imports and the rows it refuses (row as the
//! spreadsheet shows it, column header as the file writes it, code); a file refused whole
//! names its status and words.

use reqwest::Method;

use crate::both_backends;
use crate::common::{Auth, Body, TestServer};

both_backends!(fixture_files, the_template_in_chinese);

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// What importing a fixture gives.
enum Expect {
    /// 200: this many rows imported, and these refused (row, column, code).
    Report(u64, &'static [(u64, &'static str, &'static str)]),
    /// Refused whole: status, code and words of the message.
    Refused(u16, &'static str, &'static str),
}

/// (file, `?mode=` or none, what it gives)
const FIXTURES: &[(&str, Option<&str>, Expect)] = {
    use Expect::*;
    &[
        (
            "crlf-utf8-bom.csv",
            Some("partial"),
            Report(
                2,
                &[
                    (3, "*DeviceKey", "invalid_device_key"),
                    (5, "Device SN", "invalid_sn"),
                ],
            ),
        ),
        (
            "cr-only.csv",
            Some("partial"),
            Report(
                3,
                &[
                    (4, "*DeviceKey", "duplicate_in_file"),
                    (4, "Device SN", "duplicate_in_file"),
                ],
            ),
        ),
        // The two-line name is refused on its own row (names are one line): the rows
        // after it are counted from there.
        (
            "mixed-line-ends.csv",
            Some("partial"),
            Report(
                2,
                &[
                    (2, "Device Name", "invalid_name"),
                    (6, "*ProductKey", "product_mismatch"),
                ],
            ),
        ),
        (
            "gbk-chinese-header.csv",
            Some("partial"),
            Report(
                2,
                &[(3, "设备SN", "invalid_sn"), (4, "设备名称", "invalid_name")],
            ),
        ),
        (
            "utf8-bom-chinese-typed.csv",
            Some("partial"),
            Report(1, &[(3, "＊产品标识（ProductKey）", "product_mismatch")]),
        ),
        (
            "utf16le-tabs.txt",
            Some("partial"),
            Report(2, &[(4, "*DeviceKey", "invalid_device_key")]),
        ),
        ("utf16be.csv", Some("atomic"), Report(1, &[])),
        (
            "quectel-sn-imei.csv",
            Some("partial"),
            Report(2, &[(3, "IMEI", "invalid_device_key")]),
        ),
        (
            "quectel-gbk-scientific.csv",
            Some("partial"),
            Report(1, &[(3, "IMEI", "stored_as_number")]),
        ),
        (
            "numeric-mac.xlsx",
            Some("partial"),
            Report(
                3,
                &[
                    (2, "*DeviceKey", "stored_as_number"),
                    (4, "*DeviceKey", "stored_as_number"),
                    (6, "Device SN", "stored_as_number"),
                ],
            ),
        ),
        (
            "chinese-header.xlsx",
            Some("partial"),
            Report(1, &[(3, "设备SN", "duplicate_in_file")]),
        ),
        // The form's own `mode` field says partial.
        (
            "form-chrome.multipart",
            None,
            Report(2, &[(4, "*DeviceKey", "invalid_device_key")]),
        ),
        ("form-firefox-gbk.multipart", None, Report(2, &[])),
        (
            "form-xlsx.multipart",
            Some("partial"),
            Report(1, &[(3, "IMEI", "stored_as_number")]),
        ),
        ("semicolon-utf8-bom.csv", Some("atomic"), Report(2, &[])),
        (
            "semicolon-cp1252.csv",
            Some("partial"),
            Refused(
                400,
                "invalid_request",
                "nor Chinese text in GB18030/GBK (row 2 holds the bytes FC 63 68 65)",
            ),
        ),
        (
            "latin1.csv",
            Some("partial"),
            Refused(
                400,
                "invalid_request",
                "nor Chinese text in GB18030/GBK (row 2",
            ),
        ),
        (
            "unknown-header.csv",
            Some("partial"),
            Refused(400, "invalid_request", "column B holds \"Product\""),
        ),
        (
            "form-two-files.multipart",
            Some("partial"),
            Refused(400, "invalid_request", "several files (\"a\", \"b\")"),
        ),
    ]
};

/// The content type a browser or a script sends `name` with.
fn content_type(name: &str, bytes: &[u8]) -> String {
    if name.ends_with(".multipart") {
        // The body's first line is `--` and the boundary.
        let first = bytes.split(|&b| b == b'\r').next().unwrap();
        let boundary = std::str::from_utf8(&first[2..]).unwrap();
        format!("multipart/form-data; boundary={boundary}")
    } else if name.ends_with(".xlsx") {
        XLSX.to_owned()
    } else {
        "text/csv".to_owned()
    }
}

async fn fixture_files(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "sn_only").await;
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import");
    let mut failures = Vec::new();
    for (name, mode, expect) in FIXTURES {
        let bytes = std::fs::read(format!("{folder}/{name}")).unwrap();
        let path = match mode {
            Some(mode) => format!("/v1/products/plug01/devices/import?mode={mode}"),
            None => "/v1/products/plug01/devices/import".to_owned(),
        };
        let content_type = content_type(name, &bytes);
        let answer = s
            .send(
                Method::POST,
                &path,
                Auth::Key(&key),
                Some(Body::Typed(content_type, bytes)),
            )
            .await;
        // Every fixture is tried, and every one that differs is reported.
        match expect {
            Expect::Report(imported, rejected) if answer.status == 200 => {
                let body = &answer.json;
                let got = crate::common::refused_rows(body);
                let wanted: Vec<(u64, String, String)> = rejected
                    .iter()
                    .map(|&(row, column, code)| (row, column.into(), code.into()))
                    .collect();
                if got != wanted || body["imported"] != *imported {
                    failures.push(format!(
                        "{name}: expected {imported} imported and {rejected:?}, got {body}"
                    ));
                }
            }
            Expect::Refused(status, code, words)
                if answer.status.as_u16() == *status
                    && answer.json["error"]["code"] == *code
                    && answer.json["error"]["message"]
                        .as_str()
                        .is_some_and(|m| m.contains(words)) => {}
            _ => failures.push(format!("{name}: {} {}", answer.status, answer.json)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // What was stored is what the file meant.
    for (device_key, name) in [
        ("a00100000001", Some("Kitchen")),
        ("a00300000005", None),
        ("a00400000001", Some("客厅灯")),
        ("a00500000001", Some("阳台")),
        ("a00600000001", Some("Kitchen, left")),
        ("a00700000001", Some("Büro")),
        ("a01700000001", Some("Küche")),
        ("a01300000002", Some("西门")),
        ("861000000000008", None),
        ("a01000000006", Some("1006")),
        ("001000000002", None),
    ] {
        let stored: Option<Option<String>> =
            sqlx::query_scalar("SELECT device_name FROM devices WHERE device_key = $1")
                .bind(device_key)
                .fetch_optional(&s.state.db)
                .await
                .unwrap();
        assert_eq!(stored, Some(name.map(str::to_owned)), "{device_key}");
    }
    let sn: String = sqlx::query_scalar("SELECT sn FROM devices WHERE device_key = $1")
        .bind("860800000000010")
        .fetch_one(&s.state.db)
        .await
        .unwrap();
    assert_eq!(sn, "QX0800000001", "Quectel's SN column is the SN");
}

/// `?lang=zh` gives the Chinese header (CSV with a byte-order mark, so Chinese Excel reads it
/// as UTF-8), and the template imports again as it is.
async fn the_template_in_chinese(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "sn_only").await;
    let csv = s.get("/v1/import-template?lang=zh", Auth::Key(&key)).await;
    assert_eq!(csv.status, 200);
    let text = String::from_utf8(csv.bytes).unwrap();
    assert_eq!(
        text,
        "\u{feff}*设备标识(DeviceKey),*产品标识(ProductKey),设备SN,设备名称,证书指纹,标签内容(Label),设备密码(Passcode)\n"
    );
    let filled = format!("{text}a02000000001,plug01,,客厅,\n");
    let report = s.import(&key, "plug01", "atomic", &filled).await;
    assert_eq!(report.assert_status(200)["imported"], 1, "{}", report.json);

    let xlsx = s
        .get(
            "/v1/import-template?format=xlsx&lang=zh-CN",
            Auth::Key(&key),
        )
        .await;
    assert_eq!(xlsx.status, 200);
    let header = crate::common::xlsx_header(xlsx.bytes);
    assert_eq!(header[0], "*设备标识(DeviceKey)");
    let refused = s.get("/v1/import-template?lang=fr", Auth::Key(&key)).await;
    refused.assert_error(400, "invalid_request");
}
