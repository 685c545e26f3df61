//! The import template: the header row of docs/product.md §2, as CSV or (with the `xlsx`
//! feature) XLSX, in English or Simplified Chinese (`?lang=zh`, the header a 简体中文 maker
//! is used to; the import reads both, see `header`).

use axum::extract::Query;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bindery_core::api::{ErrorBody, IMPORT_TEMPLATE_HEADER};
use serde::Deserialize;

#[cfg(not(feature = "xlsx"))]
use super::error::FileError;
use super::header::IMPORT_TEMPLATE_HEADER_ZH;
use crate::error::ApiError;
use crate::extract::Maker;
use crate::openapi::FileBytes;

/// `?format=csv|xlsx&lang=en|zh`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `csv` (the default) or `xlsx`.
    #[serde(default)]
    #[param(pattern = "^(csv|xlsx)$")]
    pub format: Option<String>,
    /// The header's language: `en` (the default) or `zh` (Simplified Chinese; `zh-CN` and
    /// `zh-Hans` are taken too).
    #[serde(default)]
    #[param(pattern = "^(en|zh|zh-CN|zh-Hans)$")]
    pub lang: Option<String>,
}

/// The header in the language `lang` asks for, and the file name's suffix.
fn header_in(lang: Option<&str>) -> Result<(&'static [&'static str], &'static str), ApiError> {
    match lang.map(str::to_ascii_lowercase).as_deref() {
        None | Some("en") => Ok((&IMPORT_TEMPLATE_HEADER, "")),
        Some("zh" | "zh-cn" | "zh-hans") => Ok((&IMPORT_TEMPLATE_HEADER_ZH, "-zh")),
        Some(_) => Err(ApiError::invalid(format!(
            "lang must be en or zh, not {:?}",
            lang.unwrap_or_default()
        ))),
    }
}

/// `GET /v1/import-template?format=csv|xlsx&lang=en|zh`: the import file's header row.
#[utoipa::path(get, path = "/v1/import-template", tag = "developer", security(("developerKey" = []), ("bearer" = [], "organisation" = [])),
    params(FormatQuery),
    responses(
        (status = 200, description = "The template: CSV, or XLSX with `?format=xlsx`; its header in English, or in Simplified Chinese with `?lang=zh`.", content(
            (String = "text/csv"),
            (inline(FileBytes) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, description = "`invalid_request`: an unknown format or language, or XLSX from a cloud built without it.", body = ErrorBody),
    ))]
pub async fn template(_key: Maker, Query(query): Query<FormatQuery>) -> Result<Response, ApiError> {
    let (titles, suffix) = header_in(query.lang.as_deref())?;
    match query.format.as_deref().unwrap_or("csv") {
        "csv" => {
            // Chinese Excel reads a CSV without a byte-order mark in the system's code page:
            // the mark makes it read the Chinese header as UTF-8.
            let mark = if suffix.is_empty() { "" } else { "\u{feff}" };
            let disposition = format!("attachment; filename=\"import-template{suffix}.csv\"");
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                format!("{mark}{}\n", titles.join(",")),
            )
                .into_response())
        }
        #[cfg(not(feature = "xlsx"))]
        "xlsx" => Err(FileError::XlsxNotTaken.into()),
        #[cfg(feature = "xlsx")]
        "xlsx" => {
            let bytes =
                xlsx_template(titles).map_err(|e| ApiError::internal_in("xlsx template", e))?;
            let disposition = format!("attachment; filename=\"import-template{suffix}.xlsx\"");
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_owned(),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                bytes,
            )
                .into_response())
        }
        other => Err(ApiError::invalid(format!(
            "format must be csv or xlsx, not {other:?}"
        ))),
    }
}

/// The XLSX template: the header, and every column of it formatted as Text (`@`), so that
/// Excel keeps what is typed there as typed: IMEIs whole and MACs with their leading zeros,
/// where a "General" column turns them into numbers (see `numbers`).
#[cfg(feature = "xlsx")]
fn xlsx_template(titles: &[&str]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    // Excel's built-in Text format (49, `@`): a custom `@` is Text too, but some readers
    // only know the built-in one.
    let text = Format::new().set_num_format_index(49);
    let title = text.clone().set_bold();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (col, name) in titles.iter().enumerate() {
        let col = col as u16;
        sheet.set_column_format(col, &text)?;
        sheet.set_column_width(col, 24)?;
        sheet.write_string_with_format(0, col, *name, &title)?;
    }
    book.save_to_buffer()
}

#[cfg(all(test, feature = "xlsx"))]
mod xlsx_tests {
    use std::io::Read;

    use super::*;

    /// A part of the workbook `bytes`, as text.
    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut text = String::new();
        zip.by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn the_xlsx_templates_columns_are_text() {
        for titles in [&IMPORT_TEMPLATE_HEADER, &IMPORT_TEMPLATE_HEADER_ZH] {
            let bytes = xlsx_template(titles.as_slice()).unwrap();
            let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
            let styles = part(&bytes, "xl/styles.xml");
            // The columns' style (one `<col>` spans them all) is an `xf` whose number format
            // is Text (49, `@`).
            let attr = |tag: &str, name: &str| -> String {
                let tag = format!(" {tag}");
                let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
                tag[start..].split('"').next().unwrap().to_owned()
            };
            let cols: Vec<&str> = sheet.split("<col ").skip(1).collect();
            assert_eq!(cols.len(), 1, "{sheet}");
            assert_eq!(
                (attr(cols[0], "min"), attr(cols[0], "max")),
                ("1".into(), titles.len().to_string())
            );
            let style: usize = attr(cols[0], "style").parse().unwrap();
            let cell_xfs = styles.split("<cellXfs").nth(1).unwrap();
            let xf = cell_xfs.split("<xf ").nth(style + 1).unwrap();
            assert_eq!(attr(xf, "numFmtId"), "49", "{styles}");
            let strings = part(&bytes, "xl/sharedStrings.xml");
            assert!(strings.contains(titles[0]), "{strings}");
        }
    }

    #[test]
    fn an_unknown_language_is_refused() {
        assert!(header_in(Some("fr")).is_err());
        assert_eq!(header_in(Some("zh-CN")).unwrap().1, "-zh");
        assert_eq!(header_in(None).unwrap().1, "");
    }
}

#[cfg(all(test, not(feature = "xlsx")))]
mod tests {
    use bindery_core::ErrorCode;

    use super::*;

    #[tokio::test]
    async fn an_xlsx_template_is_a_400_when_built_without_xlsx() {
        let key = Maker {
            org_id: "o_test".into(),
            actor: crate::extract::Actor::Key("k_test".into()),
        };
        let query = Query(FormatQuery {
            format: Some("xlsx".into()),
            lang: None,
        });
        let error = template(key, query).await.err().unwrap();
        assert_eq!(error.code(), ErrorCode::InvalidRequest);
        assert!(error.to_string().contains("does not take XLSX"), "{error}");
    }
}
