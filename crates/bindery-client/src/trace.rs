//! What a trace shows of an exchange: [`Exchange`] is the record the trace hook receives
//! (and `--trace --json` writes, and replay reads), and the masking that keeps every
//! secret out of it — credentials in headers and bodies, a label's bind code in any text.
//! Masking happens here, once, so no printer of a trace can forget it.

use std::sync::Arc;

use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

/// Receives every HTTP exchange the client makes.
pub type TraceHook = Arc<dyn Fn(&Exchange) + Send + Sync>;

/// One request and its answer, as the trace hook sees it: secrets masked, binary bodies
/// summarised. Serialisable, so a run can be recorded and replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// The HTTP method (`GET`, `POST`, …).
    pub method: String,
    /// The path and query, relative to the cloud's address (so a recording can be replayed
    /// against another cloud).
    pub path: String,
    /// The whole address the request went to.
    pub url: String,
    /// Which attempt of a retried call this was, from 1.
    pub attempt: u32,
    /// The request's headers, credentials masked.
    pub request_headers: Vec<(String, String)>,
    /// The request's body: JSON with its secrets (passwords, bind codes, …) masked, or a
    /// summary of an upload.
    pub request_body: Option<String>,
    /// `None` when no answer came (network failure).
    pub status: Option<u16>,
    /// The answer's headers, cookies masked.
    pub response_headers: Vec<(String, String)>,
    /// The answer's body, masked like the request's; binary bodies summarised.
    pub response_body: Option<String>,
    /// The network failure, when there was one.
    pub error: Option<String>,
    /// How long the exchange took, where the platform has a clock.
    pub elapsed_ms: Option<u64>,
}

const MASK: &str = "***";

pub(crate) fn masked_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let shown = match name.as_str() {
                "authorization" => format!("Bearer {MASK}"),
                "x-api-key" | "cookie" | "set-cookie" => MASK.to_owned(),
                _ => String::from_utf8_lossy(value.as_bytes()).into_owned(),
            };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

/// What a trace shows of a JSON body: credential fields (`token`, `password`, keys)
/// replaced by `***`, and in every text the secret fields of a label (`bc=…`, a Gizwits
/// `passcode=…`) masked, since whoever reads a bind code can bind the device. A label's
/// SN and product key stay readable: they are what support looks up.
pub fn masked_json(value: &serde_json::Value) -> serde_json::Value {
    let mut value = value.clone();
    mask_secrets(&mut value);
    value
}

fn mask_secrets(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if matches!(key.as_str(), "token" | "password" | "api_key" | "key") {
                    *inner = serde_json::Value::String(MASK.to_owned());
                } else {
                    mask_secrets(inner);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_secrets),
        // A label's text travels as `qr_content`, and comes back quoted inside the
        // cloud's messages about it.
        serde_json::Value::String(text) => {
            if let std::borrow::Cow::Owned(masked) = bindery_core::qr::mask_label_secrets(text) {
                *text = masked;
            }
        }
        _ => {}
    }
}

pub(crate) fn describe_bytes(headers: &HeaderMap, bytes: &[u8]) -> String {
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/json") {
        match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(value) => masked_json(&value).to_string(),
            Err(_) => String::from_utf8_lossy(bytes).into_owned(),
        }
    } else if content_type.starts_with("text/") || bytes.is_empty() {
        String::from_utf8_lossy(bytes).into_owned()
    } else {
        format!("<{} bytes of {content_type}>", bytes.len())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::masked_json;

    #[test]
    fn credentials_and_a_labels_secrets_are_masked_and_the_rest_kept() {
        let body = json!({
            "qr_content": "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD",
            "name": "Kitchen",
            "password": "hunter2hunter2",
            "error": {"message": "the QR content \"pk=p1a2b3&sn=BD7K2M9Q4X&v=1&bc=7Q4XK2M9PD\" has a \"bc\" field"},
        });
        assert_eq!(
            masked_json(&body),
            json!({
                "qr_content": "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=***",
                "name": "Kitchen",
                "password": "***",
                "error": {"message": "the QR content \"pk=p1a2b3&sn=BD7K2M9Q4X&v=1&bc=***\" has a \"bc\" field"},
            })
        );
    }
}
