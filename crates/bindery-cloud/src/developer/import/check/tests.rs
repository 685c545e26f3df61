//! The row checks, table by table.

use csv::StringRecord;

use super::*;

/// The code of each refusal of one row of the template's columns, `numbers` being the
/// columns stored as numbers.
fn codes(cells: &[&str], numbers: &[usize]) -> Vec<(String, String)> {
    let pk = ProductKey::parse("plug01").unwrap();
    let mut checker = RowChecker::new(&pk, b"secret", Columns::template(), 1);
    checker.check(FileRow {
        row: 2,
        cells: StringRecord::from(cells.to_vec()),
        numbers: numbers.to_vec(),
    });
    checker
        .rejected
        .into_iter()
        .map(|r| (r.column, r.code))
        .collect()
}

#[test]
fn cells_stored_as_numbers_are_taken_only_when_certain() {
    let refused = |column: &str| vec![(column.to_owned(), "stored_as_number".to_owned())];
    // (cells, the columns stored as numbers, the refusals' columns and codes)
    type Case<'a> = (&'a [&'a str], &'a [usize], Vec<(String, String)>);
    let cases: [Case; 10] = [
        // A 15-digit IMEI as a number, plain or in scientific notation: exact.
        (&["490154203237518", "plug01"], &[0], vec![]),
        (&["4.90154203237518E+14", "plug01"], &[0], vec![]),
        // A MAC of digits that lost its leading zeros.
        (&["1122334455", "plug01"], &[0], refused("*DeviceKey")),
        (
            &["1.22334455667788E+17", "plug01"],
            &[0],
            refused("*DeviceKey"),
        ),
        // The same shown by a CSV: scientific notation, or digits too few for either.
        (&["4.90154E+14", "plug01"], &[], refused("*DeviceKey")),
        (
            &["1122334455", "plug01"],
            &[],
            vec![("*DeviceKey".into(), "invalid_device_key".into())],
        ),
        (
            &["aabbccddee01", "plug01", "20240001"],
            &[2],
            refused("Device SN"),
        ),
        (&["aabbccddee01", "plug01", "", "1001"], &[3], vec![]),
        (
            &["aabbccddee01", "plug01", "", "", "12345"],
            &[4],
            refused("Certificate Fingerprint"),
        ),
        (&["aabbccddee01", "12"], &[1], refused("*ProductKey")),
    ];
    for (cells, numbers, expected) in cases {
        assert_eq!(codes(cells, numbers), expected, "{cells:?} {numbers:?}");
    }
}

#[test]
fn a_value_under_no_header_is_refused_by_its_letter() {
    let pk = ProductKey::parse("plug01").unwrap();
    let columns = Columns::from_header(1, ["*DeviceKey", "*ProductKey"]).unwrap();
    let mut checker = RowChecker::new(&pk, b"secret", columns, 1);
    let row = |cells: &[&str]| FileRow {
        row: 2,
        cells: StringRecord::from(cells.to_vec()),
        numbers: Vec::new(),
    };
    assert!(checker
        .check(row(&["aabbccddee01", "plug01", " "]))
        .is_some());
    assert!(checker
        .check(row(&["aabbccddee02", "plug01", "SN0002"]))
        .is_none());
    assert_eq!(checker.rejected[0].column, "C");
    assert_eq!(checker.rejected[0].code, "unknown_column");
}

#[test]
fn labels_and_passcodes_are_checked_without_quoting_them() {
    let refused = |column: &str, code: &str| vec![(column.to_owned(), code.to_owned())];
    // (cells in the template's columns, the columns stored as numbers, the refusals)
    type Case<'a> = (&'a [&'a str], &'a [usize], Vec<(String, String)>);
    let cases: [Case; 9] = [
        (
            &[
                "aabbccddee01",
                "plug01",
                "",
                "",
                "",
                "GZQR:5c2f0e9a",
                "XAVBPXMSKA",
            ],
            &[],
            vec![],
        ),
        (
            &["aabbccddee01", "plug01", "SN000001", "", "", "SN000001"],
            &[],
            refused("Label", "invalid_label"),
        ),
        // The DeviceKey as printed on a label is still the DeviceKey.
        (
            &["aabbccddee01", "plug01", "", "", "", "AA:BB:CC:DD:EE:01"],
            &[],
            refused("Label", "invalid_label"),
        ),
        (
            &[
                "aabbccddee01",
                "plug01",
                "",
                "",
                "",
                "pk=plug01&sn=SN000001&v=1",
            ],
            &[],
            refused("Label", "invalid_label"),
        ),
        (
            &["aabbccddee01", "plug01", "", "", "", "12345678901234567890"],
            &[5],
            refused("Label", "stored_as_number"),
        ),
        (
            &["aabbccddee01", "plug01", "", "", "", "1.23457E+19"],
            &[],
            refused("Label", "stored_as_number"),
        ),
        (
            &["aabbccddee01", "plug01", "", "", "", "", "has space"],
            &[],
            refused("Passcode", "invalid_passcode"),
        ),
        (
            &["aabbccddee01", "plug01", "", "", "", "", "1234567"],
            &[6],
            refused("Passcode", "stored_as_number"),
        ),
        // A passcode alone, without a label, is the device's.
        (
            &["aabbccddee01", "plug01", "", "", "", "", "1234567"],
            &[],
            vec![],
        ),
    ];
    for (cells, numbers, expected) in cases {
        assert_eq!(codes(cells, numbers), expected, "{cells:?} {numbers:?}");
    }
}

#[test]
fn a_label_names_one_device_of_the_file() {
    let pk = ProductKey::parse("plug01").unwrap();
    let mut checker = RowChecker::new(&pk, b"secret", Columns::template(), 8);
    // (row, DeviceKey, SN, label, the refused column and code)
    type Row<'a> = (u64, &'a str, &'a str, &'a str, Option<(&'a str, &'a str)>);
    let rows: [Row; 6] = [
        (2, "aabbccddee01", "", "GZQR:one", None),
        (
            3,
            "aabbccddee02",
            "",
            "GZQR:one",
            Some(("Label", "duplicate_in_file")),
        ),
        (4, "aabbccddee03", "SNLABEL01", "", None),
        (
            5,
            "aabbccddee04",
            "",
            "SNLABEL01",
            Some(("Label", "duplicate_in_file")),
        ),
        (6, "aabbccddee05", "", "SNLABEL02", None),
        (
            7,
            "aabbccddee06",
            "SNLABEL02",
            "",
            Some(("Device SN", "duplicate_in_file")),
        ),
    ];
    for (row, key, sn, label, refused) in rows {
        let before = checker.rejected.len();
        let good = checker.check(FileRow {
            row,
            cells: StringRecord::from(vec![key, "plug01", sn, "", "", label, ""]),
            numbers: Vec::new(),
        });
        let got = checker.rejected[before..]
            .iter()
            .map(|r| (r.column.as_str(), r.code.as_str()))
            .next();
        assert_eq!(got, refused, "row {row}");
        assert_eq!(good.is_some(), refused.is_none(), "row {row}");
    }
    for refusal in &checker.rejected {
        assert!(!refusal.message.contains("GZQR"), "{refusal:?}");
    }
}

#[test]
fn passcodes_are_hashed_on_the_rows_device() {
    let pk = ProductKey::parse("plug01").unwrap();
    let mut checker = RowChecker::new(&pk, b"secret", Columns::template(), 1);
    let row = checker
        .check(FileRow {
            row: 2,
            cells: StringRecord::from(vec!["aabbccddee01", "plug01", "", "", "", "", "PASS01"]),
            numbers: Vec::new(),
        })
        .unwrap();
    let hash = row.passcode.unwrap();
    assert!(hash.verify(&row.sn, "PASS01", b"secret"));
    assert!(!hash.verify(&row.sn, "PASS02", b"secret"));
}
