//! Reading a recording: the `{"trace": …}` lines that `--trace --json` writes, with the
//! retried attempts of one call collapsed into the answered one.
//!
//! A recording is a file someone sent, so it is read as untrusted input. Replay adds the
//! session token and the `--api-key` to the calls it sends, and a recorded `path` of
//! `@other-host/v1/…` glued after the cloud's address names `other-host` (the address
//! becomes a user name). So every recorded path must be a path on the cloud — one leading
//! `/`, no scheme, no host — and a file with one that is not is refused whole, naming the
//! line, before anything is sent.

use bindery_client::{Client, Exchange};
use serde_json::Value;

/// One recorded call and the line of the file it was read from (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub line: usize,
    pub call: Exchange,
}

/// Why a recording is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordingError {
    /// A recorded call's path is not a path on the cloud: it has a scheme or a host of its
    /// own, so replaying it would send the credentials elsewhere.
    #[error("line {line} of the recording calls {path:?}, which is not a path on the cloud (a path starts with a single '/' and names no scheme or host); the recording was altered, so nothing was replayed")]
    NotAPath {
        /// The line of the file, from 1.
        line: usize,
        /// The path as recorded.
        path: String,
    },
}

/// The recorded calls of a file, with the number of lines that were not calls. `cloud` is
/// the client the calls will be replayed with; every path must name a place on it.
pub fn read_recording(
    text: &str,
    cloud: &Client,
) -> Result<(Vec<Recorded>, usize), RecordingError> {
    let mut calls = Vec::new();
    let mut skipped = 0;
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let exchange = serde_json::from_str::<Value>(line).ok().and_then(|value| {
            let inner = value.get("trace").cloned().unwrap_or(value);
            serde_json::from_value::<Exchange>(inner).ok()
        });
        match exchange {
            Some(call) => {
                let line = index + 1;
                if cloud.url_of(&call.path).is_err() {
                    return Err(RecordingError::NotAPath {
                        line,
                        path: call.path,
                    });
                }
                calls.push(Recorded { line, call });
            }
            None => skipped += 1,
        }
    }
    // A call retried after a network failure was recorded once per attempt; the last
    // attempt is the one that was answered.
    let mut last_attempts: Vec<Recorded> = Vec::new();
    for recorded in calls {
        if let Some(previous) = last_attempts.last() {
            let (previous, call) = (&previous.call, &recorded.call);
            if call.attempt > 1
                && previous.method == call.method
                && previous.path == call.path
                && previous.attempt + 1 == call.attempt
            {
                last_attempts.pop();
            }
        }
        last_attempts.push(recorded);
    }
    Ok((last_attempts, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn exchange(path: &str, attempt: u32, status: Option<u16>) -> Exchange {
        Exchange {
            method: "POST".into(),
            path: path.into(),
            url: format!("http://x{path}"),
            attempt,
            request_headers: vec![],
            request_body: Some("{}".into()),
            status,
            response_headers: vec![],
            response_body: None,
            error: None,
            elapsed_ms: None,
        }
    }

    fn cloud() -> Client {
        Client::new("http://127.0.0.1:8080").unwrap()
    }

    #[test]
    fn retried_attempts_collapse_to_the_answered_one_and_other_lines_are_skipped() {
        let text = format!(
            "warning: not a call\n{}\n{}\n",
            json!({"trace": exchange("/v1/bindings", 1, None)}),
            json!({"trace": exchange("/v1/bindings", 2, Some(201))})
        );
        let (calls, skipped) = read_recording(&text, &cloud()).unwrap();
        assert_eq!(skipped, 1);
        assert_eq!(
            calls,
            vec![Recorded {
                line: 3,
                call: exchange("/v1/bindings", 2, Some(201))
            }]
        );
    }

    /// One test per way a recorded path can name another host.
    macro_rules! refused {
        ($($name:ident: $path:expr;)*) => {$(
            #[test]
            fn $name() {
                let text = format!(
                    "{}\n\nnot a call\n{}\n",
                    json!({"trace": exchange("/v1/bindings", 1, Some(201))}),
                    json!({"trace": exchange($path, 1, Some(200))}),
                );
                assert_eq!(
                    read_recording(&text, &cloud()),
                    Err(RecordingError::NotAPath { line: 4, path: $path.to_owned() })
                );
            }
        )*};
    }

    refused! {
        a_user_name_before_another_host: "@127.0.0.1:9999/v1/support/devices/SN1";
        another_port: ":9999/v1/bindings";
        a_scheme_relative_host: "//evil.example/v1/bindings";
        a_backslash_host: "/\\evil.example/v1/bindings";
        a_whole_url: "https://evil.example/v1/bindings";
        no_leading_slash: "v1/bindings";
    }
}
