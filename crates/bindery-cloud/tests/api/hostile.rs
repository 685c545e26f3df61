//! Hostile import files: workbooks built to exhaust the reader (a cell at the sheet's last
//! column and row, one enormous shared string, a sheet that unpacks without end). Each once
//! took the server down or held gigabytes; each must now get a typed 4xx while the server
//! goes on answering.

use std::io::{Cursor, Write};

use reqwest::Method;
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

use crate::both_backends;
use crate::common::{Auth, Body, TestServer};

both_backends!(
    a_cell_at_the_last_column_and_row,
    one_enormous_shared_string,
    a_sheet_that_unpacks_past_its_limit,
    more_rows_than_the_limit,
    a_cell_that_points_at_no_string,
    a_text_made_of_many_short_runs,
    a_huge_csv_cell_is_not_echoed_back,
);

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const HEADER_ROW: &str = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>*DeviceKey</t></is></c><c r="B1" t="inlineStr"><is><t>*ProductKey</t></is></c><c r="C1" t="inlineStr"><is><t>Device SN</t></is></c></row>"#;

/// A workbook whose first sheet is `rows` (the XML inside `<sheetData>`), with `shared` as
/// its shared strings part when given. Each part is written by `write_part`, so a test can
/// stream one that would not fit in memory.
/// Writes one part of a workbook.
type Part<'a> = &'a dyn Fn(&mut dyn Write);

fn workbook(rows: Part<'_>, shared: Option<Part<'_>>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(true);
    let mut part = |name: &str, write: Part<'_>| {
        zip.start_file(name, deflated).unwrap();
        write(&mut zip);
    };
    part("[Content_Types].xml", &|w| {
        w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#).unwrap()
    });
    part("xl/workbook.xml", &|w| {
        w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Devices" sheetId="1" r:id="rId1"/></sheets></workbook>"#).unwrap()
    });
    part("xl/_rels/workbook.xml.rels", &|w| {
        w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#).unwrap()
    });
    if let Some(shared) = shared {
        part("xl/sharedStrings.xml", shared);
    }
    part("xl/worksheets/sheet1.xml", &|w| {
        w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#).unwrap();
        rows(w);
        w.write_all(b"</sheetData></worksheet>").unwrap();
    });
    zip.finish().unwrap().into_inner()
}

async fn import(s: &TestServer, key: &str, file: Vec<u8>) -> crate::common::Answer {
    s.send(
        Method::POST,
        "/v1/products/plug01/devices/import?mode=partial",
        Auth::Key(key),
        Some(Body::Raw(XLSX, file)),
    )
    .await
}

/// A maker's key with the product `plug01`.
async fn maker(s: &TestServer) -> String {
    let key = s.key("maker", false).await;
    s.product(&key, "plug01", "bind_code_required").await;
    key
}

/// Imports `file` and checks it is refused with `status` and `code`, saying `mentions`.
async fn refused(
    s: &TestServer,
    key: &str,
    file: Vec<u8>,
    status: u16,
    code: &str,
    mentions: &str,
) {
    let answer = import(s, key, file).await;
    answer.assert_error(status, code);
    let message = answer.json["error"]["message"].as_str().unwrap();
    assert!(message.contains(mentions), "{message}");
}

/// The server still answers, and still imports a good workbook.
async fn still_serving(s: &TestServer, key: &str) {
    let health = s.get("/healthz", Auth::None).await;
    assert_eq!(health.status, 200);
    let good = workbook(
        &|w| {
            w.write_all(HEADER_ROW.as_bytes()).unwrap();
            w.write_all(br#"<row r="2"><c r="A2"><v>490154203237518</v></c><c r="B2" t="inlineStr"><is><t>plug01</t></is></c></row>"#).unwrap();
        },
        None,
    );
    let answer = import(s, key, good).await;
    assert_eq!(answer.assert_status(200)["imported"], 1, "{}", answer.json);
}

async fn a_cell_at_the_last_column_and_row(s: TestServer) {
    let key = maker(&s).await;
    // 1.7 KB that a dense reader turns into a 16,384 x 1,048,576 grid.
    let file = workbook(
        &|w| {
            w.write_all(HEADER_ROW.as_bytes()).unwrap();
            w.write_all(
                br#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#,
            )
            .unwrap();
        },
        None,
    );
    assert!(file.len() < 4096);
    refused(&s, &key, file, 400, "invalid_request", "XFD1048576").await;
    still_serving(&s, &key).await;
}

async fn one_enormous_shared_string(s: TestServer) {
    let key = maker(&s).await;
    // 256 MiB of text in one string, deflated to a few hundred KB.
    let file = workbook(
        &|w| {
            w.write_all(HEADER_ROW.as_bytes()).unwrap();
            w.write_all(br#"<row r="2"><c r="A2" t="s"><v>0</v></c></row>"#)
                .unwrap();
        },
        Some(&|w| {
            w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#).unwrap();
            let chunk = vec![b'A'; 1 << 20];
            for _ in 0..256 {
                w.write_all(&chunk).unwrap();
            }
            w.write_all(b"</t></si></sst>").unwrap();
        }),
    );
    assert!(file.len() < 2 << 20, "{} bytes", file.len());
    refused(&s, &key, file, 400, "invalid_request", "sharedStrings").await;
    still_serving(&s, &key).await;
}

async fn a_sheet_that_unpacks_past_its_limit(s: TestServer) {
    let mut limits = s.state.limits.clone();
    limits.xlsx.sheet_bytes = 1 << 20;
    let s = s.with_limits(limits).await;
    let key = maker(&s).await;
    let file = workbook(
        &|w| {
            w.write_all(HEADER_ROW.as_bytes()).unwrap();
            // Blank rows: nothing to import, only bytes to unpack.
            for row in 2..200_000 {
                write!(w, r#"<row r="{row}"/>"#).unwrap();
            }
        },
        None,
    );
    refused(&s, &key, file, 413, "payload_too_large", "sheet1.xml").await;
    still_serving(&s, &key).await;
}

async fn more_rows_than_the_limit(s: TestServer) {
    let mut limits = s.state.limits.clone();
    limits.xlsx.rows = 100;
    let s = s.with_limits(limits).await;
    let key = maker(&s).await;
    let file = workbook(
        &|w| {
            w.write_all(HEADER_ROW.as_bytes()).unwrap();
            for row in 2..=101 {
                write!(w, r#"<row r="{row}"/>"#).unwrap();
            }
        },
        None,
    );
    refused(&s, &key, file, 413, "payload_too_large", "100 rows").await;
}

async fn a_cell_that_points_at_no_string(s: TestServer) {
    let key = maker(&s).await;
    let file = workbook(
        &|w| {
            w.write_all(HEADER_ROW.as_bytes()).unwrap();
            w.write_all(br#"<row r="2"><c r="A2" t="s"><v>7</v></c></row>"#)
                .unwrap();
        },
        Some(&|w| {
            w.write_all(br#"<sst><si><t>only one</t></si></sst>"#)
                .unwrap();
        }),
    );
    refused(&s, &key, file, 400, "invalid_request", "A2").await;
}

async fn a_text_made_of_many_short_runs(s: TestServer) {
    let key = maker(&s).await;
    // Each run is within the XML item limit; together they would be one 64 MiB cell.
    let run = format!("<r><t>{}</t></r>", "A".repeat(32 << 10));
    let runs = run.repeat(2048);
    let inline = workbook(
        &|w| {
            w.write_all(HEADER_ROW.as_bytes()).unwrap();
            write!(
                w,
                r#"<row r="2"><c r="A2" t="inlineStr"><is>{runs}</is></c></row>"#
            )
            .unwrap();
        },
        None,
    );
    refused(&s, &key, inline, 400, "invalid_request", "A2").await;
    let shared = workbook(
        &|w| {
            w.write_all(HEADER_ROW.as_bytes()).unwrap();
            w.write_all(br#"<row r="2"><c r="A2" t="s"><v>0</v></c></row>"#)
                .unwrap();
        },
        Some(&|w| write!(w, "<sst><si>{runs}</si></sst>").unwrap()),
    );
    refused(&s, &key, shared, 400, "invalid_request", "sharedStrings").await;
    still_serving(&s, &key).await;
}

async fn a_huge_csv_cell_is_not_echoed_back(s: TestServer) {
    let key = maker(&s).await;
    let cell = "A".repeat(1 << 20);
    let file = format!("*DeviceKey,*ProductKey,Device SN\n{cell},plug01,\n");
    let answer = s.import(&key, "plug01", "partial", &file).await;
    answer.assert_status(200);
    let message = answer.json["rejected"][0]["message"].as_str().unwrap();
    assert!(message.len() < 2048, "{} bytes of message", message.len());
    assert!(
        answer.bytes.len() < 4096,
        "{} bytes of answer",
        answer.bytes.len()
    );
}
