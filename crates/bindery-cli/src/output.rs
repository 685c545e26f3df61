//! How results, errors and the HTTP trace are printed, in text for people and in JSON for
//! scripts (`--json`).
//!
//! Results go to stdout; errors and the trace to stderr, except that with `--json` an error
//! is a JSON object on stdout too, so a script reads one stream. Every error names the
//! cloud, because "it failed" means little until you know which cloud said so.

use bindery_client::{ClientError, Exchange};
use bindery_core::ErrorCode;
use serde_json::{json, Value};

/// A time as the API writes it (RFC 3339).
pub fn time_text(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// Prints a result: `text` for people, `value` with `--json`.
pub fn result(json_mode: bool, text: impl FnOnce() -> String, value: impl FnOnce() -> Value) {
    if json_mode {
        println!("{}", value());
    } else {
        println!("{}", text());
    }
}

/// A problem with the arguments or the input (exit 2).
pub fn usage_error(json_mode: bool, message: &str) {
    if json_mode {
        println!(
            "{}",
            json!({ "error": { "kind": "usage", "message": message } })
        );
    } else {
        eprintln!("error: {message}");
    }
}

/// A refusal decided here without asking the cloud (not signed in).
pub fn local_refusal(json_mode: bool, cloud: &str, code: ErrorCode, message: &str) {
    if json_mode {
        println!(
            "{}",
            json!({ "error": { "kind": "refused", "code": code.as_str(), "message": message, "cloud": cloud } })
        );
    } else {
        eprintln!("error: {message}\n  code: {code}\n  cloud: {cloud}");
    }
}

/// A failed call: a refusal with its code and request id, or a network failure.
pub fn client_error(json_mode: bool, cloud: &str, error: &ClientError) {
    if json_mode {
        println!("{}", json!({ "error": error_json(cloud, error) }));
        return;
    }
    match error {
        ClientError::Server {
            status,
            code,
            message,
            request_id,
            retry_after,
        } => {
            eprintln!("error: the cloud refused: {message}");
            eprintln!("  code: {code} (HTTP {status})");
            eprintln!("  request id: {request_id} (give it to support)");
            if let Some(wait) = retry_after {
                eprintln!("  retry after: {} s", wait.as_secs());
            }
            eprintln!("  cloud: {cloud}");
        }
        ClientError::Network { .. } => {
            eprintln!("error: {error}");
        }
        ClientError::Decode { request_id, .. } => {
            eprintln!("error: {error}");
            if let Some(id) = request_id {
                eprintln!("  request id: {id}");
            }
            eprintln!("  cloud: {cloud}");
        }
        ClientError::BadUrl { .. } => eprintln!("error: {error}"),
    }
}

/// The JSON form of a failed call.
pub fn error_json(cloud: &str, error: &ClientError) -> Value {
    match error {
        ClientError::Server {
            status,
            code,
            message,
            request_id,
            retry_after,
        } => json!({
            "kind": "refused",
            "code": code.as_str(),
            "status": status,
            "message": message,
            "request_id": request_id,
            "retry_after_s": retry_after.map(|d| d.as_secs()),
            "cloud": cloud,
        }),
        ClientError::Network { kind, detail, .. } => json!({
            "kind": "network",
            "network": format!("{kind:?}").to_ascii_lowercase(),
            "message": error.to_string(),
            "detail": detail,
            "cloud": cloud,
        }),
        ClientError::Decode {
            status, request_id, ..
        } => json!({
            "kind": "decode",
            "status": status,
            "message": error.to_string(),
            "request_id": request_id,
            "cloud": cloud,
        }),
        ClientError::BadUrl { .. } => json!({
            "kind": "usage",
            "message": error.to_string(),
        }),
    }
}

/// One HTTP exchange for `--trace`: a JSON line (`{"trace": …}`, what `replay` reads) or
/// curl-style text.
pub fn trace(json_mode: bool, exchange: &Exchange) {
    if json_mode {
        eprintln!("{}", json!({ "trace": exchange }));
        return;
    }
    let mut text = format!(
        "> {} {} (attempt {})\n",
        exchange.method, exchange.url, exchange.attempt
    );
    for (name, value) in &exchange.request_headers {
        text.push_str(&format!("> {name}: {value}\n"));
    }
    if let Some(body) = &exchange.request_body {
        text.push_str(&format!("> {body}\n"));
    }
    match exchange.status {
        Some(status) => {
            text.push_str(&format!(
                "< {status} ({} ms)\n",
                exchange.elapsed_ms.unwrap_or(0)
            ));
            for (name, value) in &exchange.response_headers {
                text.push_str(&format!("< {name}: {value}\n"));
            }
            if let Some(body) = exchange.response_body.as_ref().filter(|b| !b.is_empty()) {
                text.push_str(&format!("< {body}\n"));
            }
        }
        None => text.push_str(&format!(
            "< no answer: {}\n",
            exchange.error.as_deref().unwrap_or("unknown failure")
        )),
    }
    eprint!("{text}");
}
