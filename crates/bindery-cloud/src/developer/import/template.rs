//! The import template: the header row of docs/product.md §2, as CSV or (with the `xlsx` feature) XLSX.

use axum::extract::Query;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bindery_core::api::{ErrorBody, IMPORT_TEMPLATE_HEADER};
use serde::Deserialize;

#[cfg(not(feature = "xlsx"))]
use super::rows::xlsx_not_taken;
use crate::error::ApiError;
use crate::extract::DevKey;
use crate::openapi::FileBytes;

/// `?format=csv|xlsx`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `csv` (the default) or `xlsx`.
    #[serde(default)]
    #[param(pattern = "^(csv|xlsx)$")]
    pub format: Option<String>,
}

/// `GET /v1/import-template?format=csv|xlsx`: the import file's header row.
#[utoipa::path(get, path = "/v1/import-template", tag = "developer", security(("developerKey" = [])),
    params(FormatQuery),
    responses(
        (status = 200, description = "The template: CSV, or XLSX with `?format=xlsx`.", content(
            (String = "text/csv"),
            (inline(FileBytes) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, description = "`invalid_request`: an unknown format, or XLSX from a cloud built without it.", body = ErrorBody),
    ))]
pub async fn template(
    _key: DevKey,
    Query(query): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    match query.format.as_deref().unwrap_or("csv") {
        "csv" => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"import-template.csv\"",
                ),
            ],
            format!("{}\n", IMPORT_TEMPLATE_HEADER.join(",")),
        )
            .into_response()),
        #[cfg(not(feature = "xlsx"))]
        "xlsx" => Err(xlsx_not_taken()),
        #[cfg(feature = "xlsx")]
        "xlsx" => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            for (col, title) in IMPORT_TEMPLATE_HEADER.iter().enumerate() {
                sheet
                    .write_string(0, col as u16, *title)
                    .map_err(|e| ApiError::internal_in("xlsx template", e))?;
                // Text columns, so Excel keeps IMEIs and leading zeros as typed.
                let _ = sheet.set_column_width(col as u16, 24);
            }
            let bytes = book
                .save_to_buffer()
                .map_err(|e| ApiError::internal_in("xlsx template", e))?;
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"import-template.xlsx\"",
                    ),
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

#[cfg(all(test, not(feature = "xlsx")))]
mod tests {
    use bindery_core::ErrorCode;

    use super::*;

    #[tokio::test]
    async fn an_xlsx_template_is_a_400_when_built_without_xlsx() {
        let key = DevKey {
            key_id: "k_test".into(),
        };
        let query = Query(FormatQuery {
            format: Some("xlsx".into()),
        });
        let error = template(key, query).await.err().unwrap();
        assert_eq!(error.code(), ErrorCode::InvalidRequest);
        assert!(error.to_string().contains("does not take XLSX"), "{error}");
    }
}
