//! The import's request body: the file's bytes as they are (what the CLI, the client and
//! scripts send), or a browser's `multipart/form-data` form holding the file, which was
//! refused as a CSV whose first row was a form boundary.
//!
//! Decision: in a form the file is the part named `file`, or else the only part that
//! carries a file name; a `mode` field may stand for `?mode=`. Other text fields (a submit
//! button, a page's token) are not the import's and are passed over. A form with several
//! files and none named `file`, or with none, is refused naming the fields it has: guessing
//! which one is the import could import the wrong file. Both bodies keep the import's
//! body limit (the form's parts are read as a stream within it).

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, StatusCode};
use bindery_core::ErrorCode;

use crate::error::ApiError;

/// The form field that holds the import file.
pub const FILE_FIELD: &str = "file";
/// The form field that may hold the mode.
pub const MODE_FIELD: &str = "mode";

/// An import request's body, from either kind of upload.
#[derive(Debug)]
pub(super) struct Upload {
    /// The file's bytes.
    pub file: Bytes,
    /// The form's `mode` field, if it had one.
    pub mode: Option<String>,
}

/// Why a form upload is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// No part named `file` and no part with a file name.
    #[error("the form holds no file (its fields: {fields}): send the import file in a field named \"file\"")]
    NoFile {
        /// The fields it has, by name.
        fields: String,
    },
    /// Several parts could be the file.
    #[error("the form holds several files ({fields}): send the import file in a field named \"file\", alone")]
    SeveralFiles {
        /// The candidates, by field name.
        fields: String,
    },
    /// `?mode=` and the form's `mode` field disagree.
    #[error("the mode is {query:?} in the address but {form:?} in the form: give one")]
    ModeConflict {
        /// The query's.
        query: String,
        /// The form's.
        form: String,
    },
    /// The form is not well-formed.
    #[error("the form cannot be read: {0}")]
    Unreadable(String),
    /// The form is over the import's body limit.
    #[error("the form is larger than the import limit: split the file into smaller ones")]
    TooLarge,
}

impl From<FormError> for ApiError {
    fn from(error: FormError) -> Self {
        let code = match error {
            FormError::TooLarge => ErrorCode::PayloadTooLarge,
            _ => ErrorCode::InvalidRequest,
        };
        ApiError::with_message(code, error.to_string())
    }
}

/// Whether `request` is a form upload.
fn is_form(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// The file (and the form's mode) of an import request.
pub(super) async fn read_upload<S: Send + Sync>(
    request: Request,
    state: &S,
) -> Result<Upload, ApiError> {
    if !is_form(&request) {
        let file = Bytes::from_request(request, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(ErrorCode::PayloadTooLarge)
            } else {
                ApiError::invalid(e.body_text())
            }
        })?;
        return Ok(Upload { file, mode: None });
    }
    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|e| FormError::Unreadable(e.body_text()))?;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            FormError::TooLarge
        } else {
            FormError::Unreadable(e.body_text())
        }
    };
    // (field name, bytes) of each part that may be the file; every field's name.
    let mut files: Vec<(String, Bytes)> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut mode = None;
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        let has_file_name = field.file_name().is_some();
        names.push(format!("{name:?}"));
        if name == MODE_FIELD && !has_file_name {
            mode = Some(field.text().await.map_err(unreadable)?.trim().to_owned());
        } else if name == FILE_FIELD || has_file_name {
            files.push((name, field.bytes().await.map_err(unreadable)?));
        }
    }
    let named: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].0 == FILE_FIELD)
        .collect();
    let chosen = match (named.as_slice(), files.len()) {
        ([one], _) => *one,
        ([], 1) => 0,
        ([], 0) => {
            return Err(FormError::NoFile {
                fields: list(&names),
            }
            .into())
        }
        _ => {
            let fields: Vec<String> = files.iter().map(|(n, _)| format!("{n:?}")).collect();
            return Err(FormError::SeveralFiles {
                fields: list(&fields),
            }
            .into());
        }
    };
    Ok(Upload {
        file: files.swap_remove(chosen).1,
        mode,
    })
}

/// Names for a message, or `none`.
fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// The mode asked for: `?mode=` or the form's `mode` field (which must agree when both are
/// given).
pub(super) fn mode_of(
    query: Option<String>,
    form: Option<String>,
) -> Result<Option<String>, ApiError> {
    match (query, form) {
        (Some(query), Some(form)) if query != form => {
            Err(FormError::ModeConflict { query, form }.into())
        }
        (query, form) => Ok(query.or(form).filter(|mode| !mode.is_empty())),
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;

    /// A form request with `parts` of (field name, file name, content).
    fn form(parts: &[(&str, Option<&str>, &str)]) -> Request {
        let mut body = String::new();
        for (name, file_name, content) in parts {
            body.push_str("--XyZ\r\nContent-Disposition: form-data; name=\"");
            body.push_str(name);
            body.push('"');
            if let Some(file_name) = file_name {
                body.push_str(&format!(
                    "; filename=\"{file_name}\"\r\nContent-Type: text/csv"
                ));
            }
            body.push_str("\r\n\r\n");
            body.push_str(content);
            body.push_str("\r\n");
        }
        body.push_str("--XyZ--\r\n");
        Request::builder()
            .header("content-type", "multipart/form-data; boundary=XyZ")
            .body(Body::from(body))
            .unwrap()
    }

    #[tokio::test]
    async fn the_file_is_the_part_named_file_or_the_only_file() {
        // (the form's parts, then the file and mode read, or words of the refusal)
        type Parts<'a> = &'a [(&'a str, Option<&'a str>, &'a str)];
        type Case<'a> = (Parts<'a>, Result<(&'a str, Option<&'a str>), &'a str>);
        let cases: [Case; 6] = [
            (
                &[("file", Some("a.csv"), "A"), ("mode", None, "partial")],
                Ok(("A", Some("partial"))),
            ),
            (
                &[("upload", Some("a.csv"), "A"), ("submit", None, "Import")],
                Ok(("A", None)),
            ),
            (
                &[("other", Some("b.csv"), "B"), ("file", None, "A")],
                Ok(("A", None)),
            ),
            (
                &[("a", Some("a.csv"), "A"), ("b", Some("b.csv"), "B")],
                Err("several files (\"a\", \"b\")"),
            ),
            (
                &[("mode", None, "atomic")],
                Err("no file (its fields: \"mode\")"),
            ),
            (&[], Err("no file (its fields: none)")),
        ];
        for (parts, expected) in cases {
            let got = read_upload(form(parts), &()).await;
            match (got, expected) {
                (Ok(upload), Ok((file, mode))) => {
                    assert_eq!(&upload.file[..], file.as_bytes());
                    assert_eq!(upload.mode.as_deref(), mode);
                }
                (Err(error), Err(words)) => {
                    assert!(error.to_string().contains(words), "{error}");
                }
                (got, _) => panic!("{parts:?}: {got:?}"),
            }
        }
    }

    #[tokio::test]
    async fn a_raw_body_is_the_file() {
        let request = Request::builder()
            .header("content-type", "text/csv")
            .body(Body::from("*DeviceKey\n"))
            .unwrap();
        let upload = read_upload(request, &()).await.unwrap();
        assert_eq!(&upload.file[..], b"*DeviceKey\n");
    }

    #[test]
    fn the_mode_may_be_given_once_or_twice_alike() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(mode_of(s("partial"), None).unwrap(), s("partial"));
        assert_eq!(mode_of(None, s("partial")).unwrap(), s("partial"));
        assert_eq!(mode_of(s("atomic"), s("atomic")).unwrap(), s("atomic"));
        assert_eq!(mode_of(None, s("")).unwrap(), None);
        assert!(mode_of(s("atomic"), s("partial")).is_err());
    }
}
