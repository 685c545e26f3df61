//! The header row of an import file: which column holds what.
//!
//! Makers arrive with the template's English header, the template's Chinese header (what a
//! 简体中文 Developer Center hands out) or the header of Quectel's SN↔IMEI export (`SN`,
//! `IMEI`, in its own order). Columns are therefore found by name, not by place. A header
//! cell is read without case, surrounding spaces, a leading `*` (the template's mark of a
//! required column), spaces, `_` and `-` inside, and with full-width `＊（）` as their ASCII
//! forms, then must be one of a short list of known names: free text is refused, naming what
//! was found and what is taken, since a column the import does not know would be dropped
//! without a word.
//!
//! Decision: only the DeviceKey column is required. The ProductKey column, when there is
//! one, must name the product imported into (as before); without one (Quectel's export has
//! none) every row is for that product, which the upload already names.

use bindery_core::api::IMPORT_TEMPLATE_HEADER;

use super::error::{quoted, FileError};

/// The import template's header in Simplified Chinese (`?lang=zh`), column for column the
/// same as [`IMPORT_TEMPLATE_HEADER`]. The English key names stay in brackets, so that a
/// row refused by its column can be matched to the documentation.
pub const IMPORT_TEMPLATE_HEADER_ZH: [&str; 7] = [
    "*设备标识(DeviceKey)",
    "*产品标识(ProductKey)",
    "设备SN",
    "设备名称",
    "证书指纹",
    "标签内容(Label)",
    "设备密码(Passcode)",
];

/// What a column of an import file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    /// The IMEI or MAC (required).
    DeviceKey,
    /// The product key, which must be the product imported into.
    ProductKey,
    /// The SN.
    Sn,
    /// The device's name.
    Name,
    /// The certificate fingerprint.
    Fingerprint,
    /// The exact text of a label printed by another system, adopted for the row's device.
    Label,
    /// A Gizwits legacy label's passcode.
    Passcode,
}

/// Every field, in the template's order.
const FIELDS: [Field; 7] = [
    Field::DeviceKey,
    Field::ProductKey,
    Field::Sn,
    Field::Name,
    Field::Fingerprint,
    Field::Label,
    Field::Passcode,
];

impl Field {
    /// The field's place in the template.
    fn index(self) -> usize {
        self as usize
    }

    /// What the field is called in messages.
    pub fn what(self) -> &'static str {
        match self {
            Field::DeviceKey => "DeviceKey",
            Field::ProductKey => "ProductKey",
            Field::Sn => "SN",
            Field::Name => "device name",
            Field::Fingerprint => "certificate fingerprint",
            Field::Label => "label",
            Field::Passcode => "passcode",
        }
    }

    /// The names a header cell may give the field, normalised (see [`normalise`]): the
    /// template's in both languages first, then the names other systems' files use.
    fn names(self) -> &'static [&'static str] {
        match self {
            Field::DeviceKey => &[
                "devicekey",
                "设备标识(devicekey)",
                "设备标识",
                // Quectel's export: the DeviceKey of a cellular module is its IMEI; a Wi-Fi
                // module's is its MAC.
                "imei",
                "mac",
                "macaddress",
            ],
            Field::ProductKey => &["productkey", "产品标识(productkey)", "产品标识", "pk"],
            Field::Sn => &["devicesn", "设备sn", "sn", "serialnumber", "序列号"],
            Field::Name => &["devicename", "设备名称", "name"],
            Field::Fingerprint => &["certificatefingerprint", "证书指纹", "fingerprint"],
            // A list of labels made elsewhere calls the text its QR content.
            Field::Label => &[
                "label",
                "标签内容(label)",
                "标签内容",
                "labeltext",
                "qrcontent",
                "二维码内容",
            ],
            Field::Passcode => &["passcode", "设备密码(passcode)", "设备密码"],
        }
    }

    /// The field whose names include the header cell `cell`.
    fn named(cell: &str) -> Option<Field> {
        let cell = normalise(cell);
        FIELDS
            .into_iter()
            .find(|field| field.names().contains(&cell.as_str()))
    }
}

/// A header cell as compared: without surrounding whitespace and a leading `*`, full-width
/// `＊（）` as ASCII, ASCII letters in lower case, and no spaces, `_` or `-`.
fn normalise(cell: &str) -> String {
    let cell = cell.trim().trim_start_matches(['*', '＊']).trim_start();
    cell.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-'))
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The headers taken, for messages: the template's English and Chinese names of each field,
/// then the others.
pub(super) fn accepted() -> String {
    FIELDS
        .into_iter()
        .map(|field| {
            let english = IMPORT_TEMPLATE_HEADER[field.index()];
            let chinese = IMPORT_TEMPLATE_HEADER_ZH[field.index()];
            let others: Vec<&str> = match field {
                Field::DeviceKey => vec!["IMEI", "MAC"],
                Field::ProductKey => vec!["PK"],
                Field::Sn => vec!["SN"],
                Field::Name => vec!["Name"],
                Field::Fingerprint => vec!["Fingerprint"],
                Field::Label => vec!["QR Content"],
                Field::Passcode => vec!["设备密码"],
            };
            format!("{english} ({chinese}, {})", others.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Which column of the file holds each field, and its header as the file writes it (which
/// is how a refused row names its column).
#[derive(Debug, Clone)]
pub(super) struct Columns {
    /// Per field in template order: its column and header, when the file has it.
    found: [Option<(usize, String)>; FIELDS.len()],
}

impl Columns {
    /// The columns of the template's own header, in its order.
    #[cfg(test)]
    pub fn template() -> Columns {
        Columns {
            found: std::array::from_fn(|i| Some((i, IMPORT_TEMPLATE_HEADER[i].to_owned()))),
        }
    }

    /// The 0-based column holding `field`.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.found[field.index()]
            .as_ref()
            .map(|(column, _)| *column)
    }

    /// The header of the column holding `field`, or the template's when the file has none
    /// (an SN refused from a file without an SN column is the DeviceKey made SN).
    pub fn header(&self, field: Field) -> &str {
        match &self.found[field.index()] {
            Some((_, header)) => header,
            None => IMPORT_TEMPLATE_HEADER[field.index()],
        }
    }

    /// Whether column `column` holds a field.
    pub fn is_read(&self, column: usize) -> bool {
        self.found
            .iter()
            .flatten()
            .any(|(found, _)| *found == column)
    }

    /// The columns named by the header `cells` in row `row`.
    pub fn from_header<'a>(
        row: u64,
        cells: impl IntoIterator<Item = &'a str>,
    ) -> Result<Columns, FileError> {
        let mut found: [Option<(usize, String)>; FIELDS.len()] = Default::default();
        let cells: Vec<&str> = cells.into_iter().collect();
        for (column, cell) in cells.iter().enumerate() {
            let header = cell.trim();
            if header.is_empty() {
                continue;
            }
            let Some(field) = Field::named(header) else {
                return Err(FileError::UnknownHeader {
                    row,
                    column: column_name(column),
                    found: quoted(header),
                    accepted: accepted(),
                });
            };
            if let Some((first, first_header)) = &found[field.index()] {
                return Err(FileError::RepeatedColumn {
                    field: field.what(),
                    first: column_name(*first),
                    first_header: first_header.clone(),
                    second: column_name(column),
                    second_header: quoted(header),
                });
            }
            found[field.index()] = Some((column, header.to_owned()));
        }
        if found[Field::DeviceKey.index()].is_none() {
            return Err(FileError::NoDeviceKey {
                row,
                found: quoted(&cells.join(",")),
                accepted: accepted(),
            });
        }
        Ok(Columns { found })
    }
}

/// The letters of a 0-based column (`0` → `A`, `26` → `AA`).
pub(super) fn column_name(mut column: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_headers_find_their_columns() {
        use Field::*;
        let cases: [(&str, &[(Field, usize)]); 10] = [
            (
                "*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint",
                &[
                    (DeviceKey, 0),
                    (ProductKey, 1),
                    (Sn, 2),
                    (Name, 3),
                    (Fingerprint, 4),
                ],
            ),
            (
                "*设备标识(DeviceKey),*产品标识(ProductKey),设备SN,设备名称,证书指纹",
                &[
                    (DeviceKey, 0),
                    (ProductKey, 1),
                    (Sn, 2),
                    (Name, 3),
                    (Fingerprint, 4),
                ],
            ),
            // Typed by hand in a Chinese input method: full-width marks.
            (
                "＊设备标识（DeviceKey）, 设备名称 ",
                &[(DeviceKey, 0), (Name, 1)],
            ),
            // Quectel's SN↔IMEI export: no ProductKey, SN first.
            ("SN,IMEI", &[(Sn, 0), (DeviceKey, 1)]),
            (
                "  sn , devicekey ,,device_name",
                &[(Sn, 0), (DeviceKey, 1), (Name, 3)],
            ),
            ("MAC Address,PK", &[(DeviceKey, 0), (ProductKey, 1)]),
            ("*DeviceKey,*ProductKey", &[(DeviceKey, 0), (ProductKey, 1)]),
            // Labels already printed, adopted: the template's names and a label list's.
            (
                "*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint,Label,Passcode",
                &[
                    (DeviceKey, 0),
                    (ProductKey, 1),
                    (Sn, 2),
                    (Name, 3),
                    (Fingerprint, 4),
                    (Label, 5),
                    (Passcode, 6),
                ],
            ),
            (
                "MAC,标签内容,设备密码(Passcode)",
                &[(DeviceKey, 0), (Label, 1), (Passcode, 2)],
            ),
            ("IMEI,QR_Content", &[(DeviceKey, 0), (Label, 1)]),
        ];
        for (header, expected) in cases {
            let columns = Columns::from_header(1, header.split(',')).unwrap();
            for field in FIELDS {
                let want = expected.iter().find(|(f, _)| *f == field).map(|(_, c)| *c);
                assert_eq!(columns.column(field), want, "{header}: {field:?}");
            }
        }
    }

    #[test]
    fn other_headers_are_refused_saying_what_was_found() {
        let cases: [(&str, &str); 5] = [
            ("mac,product", "column B holds \"product\""),
            ("aabbccddee01,plug01", "column A holds \"aabbccddee01\""),
            ("Device SN,Device Name", "has no DeviceKey column"),
            (
                "DeviceKey,IMEI",
                "columns A (\"DeviceKey\") and B (\"IMEI\")",
            ),
            ("*DeviceKey,Notes", "column B holds \"Notes\""),
        ];
        for (header, words) in cases {
            let error = Columns::from_header(1, header.split(',')).unwrap_err();
            assert!(error.to_string().contains(words), "{header}: {error}");
        }
        let unknown = Columns::from_header(1, ["x"]).unwrap_err().to_string();
        assert!(
            unknown.contains("*DeviceKey (*设备标识(DeviceKey), IMEI, MAC)"),
            "{unknown}"
        );
    }

    #[test]
    fn columns_have_letters() {
        for (column, name) in [(0, "A"), (25, "Z"), (26, "AA"), (16383, "XFD")] {
            assert_eq!(column_name(column), name);
        }
    }
}
