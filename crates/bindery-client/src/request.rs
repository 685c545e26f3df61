//! One call's HTTP exchange: credentials, timeout, bounded retries with backoff, the trace
//! hook (what it is shown is `trace`'s business), and reading the answer into a value or a [`ClientError`].
//!
//! Retries are for failures that say nothing about the request itself — the network, or a
//! gateway answering 502/503/504 — and only for calls that are safe to repeat. A 4xx is the
//! cloud's verdict on the request and is never retried.

use std::time::Duration;

use bindery_core::api::ErrorBody;
use reqwest::{header::HeaderMap, Method, StatusCode, Url};
use serde::de::DeserializeOwned;

use crate::trace::{describe_bytes, masked_headers, masked_json, Exchange};
use crate::{Client, ClientError};

/// How often and how patiently to retry a repeatable call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry).
    pub max_attempts: u32,
    /// Delay before the first retry; it doubles for each further one.
    pub first_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            first_delay: Duration::from_millis(200),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub const NONE: RetryPolicy = RetryPolicy {
        max_attempts: 1,
        first_delay: Duration::ZERO,
    };
}

/// What a call sends.
pub(crate) enum Body {
    Empty,
    Json(serde_json::Value),
    Bytes {
        content_type: &'static str,
        bytes: Vec<u8>,
    },
}

/// A successful (2xx) answer.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub bytes: Vec<u8>,
    pub request_id: Option<String>,
}

impl Answer {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ClientError> {
        serde_json::from_slice(&self.bytes).map_err(|e| ClientError::Decode {
            status: self.status.as_u16(),
            detail: format!("unexpected response body: {e}"),
            request_id: self.request_id.clone(),
        })
    }
}

impl Client {
    /// Sends a request, retrying when `repeatable` and the failure allows it.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        body: Body,
        repeatable: bool,
    ) -> Result<Answer, ClientError> {
        let attempts = if repeatable {
            self.retry.max_attempts.max(1)
        } else {
            1
        };
        let mut delay = self.retry.first_delay;
        let mut attempt = 1;
        // The timeout bounds the whole call, retries included: a user who allows ten
        // seconds gets an answer or a network error within ten seconds.
        let deadline = Deadline::after(self.timeout);
        loop {
            let result = self
                .send_once(&method, &url, &body, attempt, deadline.remaining())
                .await;
            let retry = match &result {
                Err(ClientError::Network { .. }) => true,
                Err(ClientError::Decode { status, .. }) => matches!(status, 502..=504),
                _ => false,
            };
            if !retry || attempt >= attempts || !deadline.allows(delay) {
                return result;
            }
            tracing::debug!(%url, attempt, ?delay, "retrying after a failure");
            sleep(delay).await;
            delay *= 2;
            attempt += 1;
        }
    }

    /// One exchange, answered with whatever status: the low layer under [`Client::send`]
    /// and [`Client::send_raw`], where the trace hook sees every attempt.
    async fn exchange_once(
        &self,
        method: &Method,
        url: &Url,
        body: &Body,
        attempt: u32,
        budget: Option<Duration>,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), ClientError> {
        let mut request = self.http.request(method.clone(), url.clone());
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(budget) = budget {
            request = request.timeout(budget.max(Duration::from_millis(1)));
        }
        #[cfg(target_arch = "wasm32")]
        let _ = budget;
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = &self.api_key {
            request = request.header("x-api-key", key);
        }
        request = match body {
            Body::Empty => request,
            Body::Json(value) => request.json(value),
            Body::Bytes {
                content_type,
                bytes,
            } => request
                .header(reqwest::header::CONTENT_TYPE, *content_type)
                .body(bytes.clone()),
        };
        let request = request.build().map_err(|e| ClientError::BadUrl {
            url: format!("{url} ({e})"),
        })?;
        let mut exchange = self.trace.as_ref().map(|_| Exchange {
            method: method.to_string(),
            path: self.address.relative(url).to_owned(),
            url: url.to_string(),
            attempt,
            request_headers: masked_headers(request.headers()),
            request_body: describe_request(body),
            status: None,
            response_headers: Vec::new(),
            response_body: None,
            error: None,
            elapsed_ms: None,
        });
        let started = Stopwatch::start();
        let outcome = match self.http.execute(request).await {
            Ok(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                match response.bytes().await {
                    Ok(bytes) => Ok((status, headers, bytes.to_vec())),
                    Err(e) => Err(ClientError::from_reqwest(url.as_str(), &e)),
                }
            }
            Err(e) => Err(ClientError::from_reqwest(url.as_str(), &e)),
        };
        if let (Some(hook), Some(exchange)) = (&self.trace, exchange.as_mut()) {
            exchange.elapsed_ms = started.elapsed_ms();
            match &outcome {
                Ok((status, headers, bytes)) => {
                    exchange.status = Some(status.as_u16());
                    exchange.response_headers = masked_headers(headers);
                    exchange.response_body = Some(describe_bytes(headers, bytes));
                }
                Err(e) => exchange.error = Some(e.to_string()),
            }
            hook(exchange);
        }
        outcome
    }

    /// One attempt of [`Client::send`]: a 2xx answer, or the error a refusal carries.
    async fn send_once(
        &self,
        method: &Method,
        url: &Url,
        body: &Body,
        attempt: u32,
        budget: Option<Duration>,
    ) -> Result<Answer, ClientError> {
        let (status, headers, bytes) = self
            .exchange_once(method, url, body, attempt, budget)
            .await?;
        let request_id = request_id_of(&headers);
        if status.is_success() {
            return Ok(Answer {
                status,
                bytes,
                request_id,
            });
        }
        Err(refusal(status, &headers, &bytes, request_id))
    }
}

/// An answer of any status, as [`Client::send_raw`] returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The body as JSON, or `None` when it is empty or not JSON.
    pub json: Option<serde_json::Value>,
    /// The `x-request-id` the cloud gave the request.
    pub request_id: Option<String>,
}

impl Client {
    /// Sends one request exactly once and returns the answer whatever its status; only a
    /// network failure is an error. For `replay`, which compares answers rather than
    /// acting on them. `path` must be a path on this cloud (see [`Client::url_of`]);
    /// anything else is refused before a byte is sent.
    pub async fn send_raw(
        &self,
        method: &str,
        path: &str,
        json: Option<serde_json::Value>,
    ) -> Result<RawAnswer, ClientError> {
        let method = Method::from_bytes(method.as_bytes()).map_err(|_| ClientError::BadUrl {
            url: format!("{method} {path} (not an HTTP method)"),
        })?;
        let url = self.address.join(path)?;
        let body = json.map_or(Body::Empty, Body::Json);
        let deadline = Deadline::after(self.timeout);
        let (status, headers, bytes) = self
            .exchange_once(&method, &url, &body, 1, deadline.remaining())
            .await?;
        Ok(RawAnswer {
            status: status.as_u16(),
            json: serde_json::from_slice(&bytes).ok(),
            request_id: request_id_of(&headers),
        })
    }
}

/// The id the cloud gave the request, for support.
fn request_id_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Turns a non-2xx answer into the error it carries.
fn refusal(
    status: StatusCode,
    headers: &HeaderMap,
    bytes: &[u8],
    request_id: Option<String>,
) -> ClientError {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => ClientError::Server {
            status: status.as_u16(),
            code: body.error.code,
            message: body.error.message,
            request_id: body.error.request_id,
            retry_after: headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs),
        },
        Err(_) => ClientError::Decode {
            status: status.as_u16(),
            detail: match headers.get(reqwest::header::LOCATION) {
                // Only a redirect off the cloud's origin reaches here (see `address`).
                Some(location) if status.is_redirection() => format!(
                    "a redirect to {:?}, which is not this cloud; not followed, so the session and keys were not sent there",
                    String::from_utf8_lossy(location.as_bytes())
                ),
                _ => format!(
                    "not an API error body: {:?}",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
                ),
            },
            request_id,
        },
    }
}

/// What a trace shows of a request body.
fn describe_request(body: &Body) -> Option<String> {
    match body {
        Body::Empty => None,
        Body::Json(value) => Some(masked_json(value).to_string()),
        Body::Bytes {
            content_type,
            bytes,
        } => Some(format!("<{} bytes of {content_type}>", bytes.len())),
    }
}

/// When a call must have ended, where the platform has a clock (the browser's wasm has
/// none in std; there the browser's own fetch timeouts apply).
struct Deadline {
    #[cfg(not(target_arch = "wasm32"))]
    at: std::time::Instant,
}

impl Deadline {
    fn after(timeout: Duration) -> Self {
        #[cfg(target_arch = "wasm32")]
        let _ = timeout;
        Deadline {
            #[cfg(not(target_arch = "wasm32"))]
            at: std::time::Instant::now() + timeout,
        }
    }

    /// The time left, `None` where there is no clock.
    fn remaining(&self) -> Option<Duration> {
        #[cfg(not(target_arch = "wasm32"))]
        return Some(self.at.saturating_duration_since(std::time::Instant::now()));
        #[cfg(target_arch = "wasm32")]
        None
    }

    /// Whether waiting `delay` still leaves time for another attempt.
    fn allows(&self, delay: Duration) -> bool {
        self.remaining().is_none_or(|left| left > delay)
    }
}

/// Wall-clock timing where the platform has a clock (not in the browser's wasm).
struct Stopwatch {
    #[cfg(not(target_arch = "wasm32"))]
    start: std::time::Instant,
}

impl Stopwatch {
    fn start() -> Self {
        Stopwatch {
            #[cfg(not(target_arch = "wasm32"))]
            start: std::time::Instant::now(),
        }
    }

    fn elapsed_ms(&self) -> Option<u64> {
        #[cfg(not(target_arch = "wasm32"))]
        return Some(self.start.elapsed().as_millis() as u64);
        #[cfg(target_arch = "wasm32")]
        None
    }
}

#[cfg(not(target_arch = "wasm32"))]
async fn sleep(delay: Duration) {
    tokio::time::sleep(delay).await;
}

#[cfg(target_arch = "wasm32")]
async fn sleep(delay: Duration) {
    gloo_timers::future::sleep(delay).await;
}
