//! The client's transport rules against a real HTTP server on 127.0.0.1 that answers from a
//! script: which failures are retried, how refusals and network failures are told apart, and
//! that traces never show secrets.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use bindery_client::{Client, ClientError, Exchange, NetworkKind, RetryPolicy};
use bindery_core::ErrorCode;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// A scripted answer: status line, extra headers, body. `None` = accept and never answer.
type Scripted = Option<(
    &'static str,
    Vec<(&'static str, &'static str)>,
    &'static str,
)>;

/// Serves `script` in order (the last entry repeats); returns the address and a counter of
/// requests received.
async fn serve(script: Vec<Scripted>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let answer = script[n.min(script.len() - 1)].clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Read the head and the body announced by content-length.
                loop {
                    let read = socket.read(&mut buf).await.unwrap_or(0);
                    if read == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..read]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    if let Some(head_end) = text.find("\r\n\r\n") {
                        let length = text[..head_end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().unwrap())
                            })
                            .unwrap_or(0);
                        if request.len() >= head_end + 4 + length {
                            break;
                        }
                    }
                }
                let Some((status, headers, body)) = answer else {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    return;
                };
                let mut response = format!(
                    "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n",
                    body.len()
                );
                for (k, v) in headers {
                    response.push_str(&format!("{k}: {v}\r\n"));
                }
                response.push_str("\r\n");
                response.push_str(body);
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (addr, hits)
}

const JSON: (&str, &str) = ("content-type", "application/json");
const DEVICE: &str = r#"{"device":{"did":"d1","product_key":"p1a2b3","product_name":"Plug","sn":"BD7K2M9Q4X","name":"Kitchen","bound_at":"2026-11-22T03:00:00Z"}}"#;

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        first_delay: Duration::from_millis(10),
    }
}

#[tokio::test]
async fn refusals_carry_code_message_and_request_id_and_are_not_retried() {
    let (addr, hits) = serve(vec![Some((
        "409 Conflict",
        vec![JSON, ("x-request-id", "req-42")],
        r#"{"error":{"code":"already_bound","message":"bound to another account","request_id":"req-42"}}"#,
    ))])
    .await;
    let client = Client::new(&addr).unwrap().with_retry(fast_retry());
    let err = client
        .bind("pk=p1a2b3&sn=BD7K2M9Q4X", "Kitchen")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ClientError::Server {
            status: 409,
            code: ErrorCode::AlreadyBound,
            message: "bound to another account".into(),
            request_id: "req-42".into(),
            retry_after: None,
        }
    );
    assert_eq!(err.request_id(), Some("req-42"));
    assert_eq!(hits.load(Ordering::SeqCst), 1, "a 4xx is never retried");
}

#[tokio::test]
async fn rate_limits_report_retry_after() {
    let (addr, hits) = serve(vec![Some((
        "429 Too Many Requests",
        vec![JSON, ("retry-after", "7")],
        r#"{"error":{"code":"rate_limited","message":"slow down","request_id":"r"}}"#,
    ))])
    .await;
    let client = Client::new(&addr).unwrap().with_retry(fast_retry());
    match client.devices().await.unwrap_err() {
        ClientError::Server {
            code, retry_after, ..
        } => {
            assert_eq!(code, ErrorCode::RateLimited);
            assert_eq!(retry_after, Some(Duration::from_secs(7)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn bind_is_retried_through_gateway_errors_and_reports_created() {
    let (addr, hits) = serve(vec![
        Some(("503 Service Unavailable", vec![], "down")),
        Some(("502 Bad Gateway", vec![], "down")),
        Some(("201 Created", vec![JSON], DEVICE)),
    ])
    .await;
    let client = Client::new(&addr).unwrap().with_retry(fast_retry());
    let outcome = client
        .bind("pk=p1a2b3&sn=BD7K2M9Q4X", "Kitchen")
        .await
        .unwrap();
    assert!(matches!(outcome, bindery_client::BindOutcome::Created(_)));
    assert_eq!(outcome.device().sn.as_str(), "BD7K2M9Q4X");
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn an_idempotent_repeat_is_already_yours() {
    let (addr, _) = serve(vec![Some(("200 OK", vec![JSON], DEVICE))]).await;
    let client = Client::new(&addr).unwrap();
    let outcome = client
        .bind("pk=p1a2b3&sn=BD7K2M9Q4X", "Kitchen")
        .await
        .unwrap();
    assert!(matches!(
        outcome,
        bindery_client::BindOutcome::AlreadyYours(_)
    ));
}

#[tokio::test]
async fn non_repeatable_calls_are_sent_once() {
    let (addr, hits) = serve(vec![Some((
        "503 Service Unavailable",
        vec![],
        "<html>down</html>",
    ))])
    .await;
    let client = Client::new(&addr).unwrap().with_retry(fast_retry());
    let err = client
        .signup("ann@example.com", "correct horse")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Decode { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_closed_port_is_a_network_failure() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::new(&format!("http://127.0.0.1:{port}"))
        .unwrap()
        .with_retry(fast_retry());
    match client.devices().await.unwrap_err() {
        ClientError::Network { kind, .. } => assert_eq!(kind, NetworkKind::Connect),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let (addr, hits) = serve(vec![None]).await;
    let client = Client::new(&addr)
        .unwrap()
        .with_timeout(Duration::from_millis(300))
        .with_retry(RetryPolicy::NONE);
    let started = Instant::now();
    let err = client.devices().await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Network {
                kind: NetworkKind::Timeout,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn traces_show_the_exchange_without_secrets() {
    let (addr, _) = serve(vec![Some((
        "201 Created",
        vec![JSON, ("x-request-id", "req-7")],
        r#"{"token":"secret-token-value","uid":"u1","expires_at":"2026-12-22T03:00:00Z"}"#,
    ))])
    .await;
    let seen: Arc<Mutex<Vec<Exchange>>> = Arc::default();
    let sink = seen.clone();
    let client = Client::new(&addr)
        .unwrap()
        .with_token(Some("old-token-value".into()))
        .with_trace(move |x| sink.lock().unwrap().push(x.clone()));
    let session = client
        .login("ann@example.com", "hunter2hunter2")
        .await
        .unwrap();
    assert_eq!(session.token, "secret-token-value");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let shown = serde_json::to_string(&seen[0]).unwrap();
    for secret in ["secret-token-value", "old-token-value", "hunter2hunter2"] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    assert_eq!(seen[0].status, Some(201));
    assert_eq!(seen[0].path, "/v1/sessions");
    assert!(shown.contains("req-7"), "{shown}");
}

#[test]
fn bad_addresses_are_refused_up_front() {
    for bad in ["", "localhost:8080", "ftp://example.com", "http://"] {
        assert!(
            matches!(Client::new(bad), Err(ClientError::BadUrl { .. })),
            "{bad:?}"
        );
    }
    assert_eq!(
        Client::new("http://127.0.0.1:8080/").unwrap().base_url(),
        "http://127.0.0.1:8080"
    );
}

/// A host that must never see the credentials: it answers every request with `200 {}` and
/// keeps what it was sent.
async fn attacker() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = received.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let log = log.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    let read = socket.read(&mut buf).await.unwrap_or(0);
                    if read == 0 {
                        break;
                    }
                    request.extend_from_slice(&buf[..read]);
                }
                log.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&request).into_owned());
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
                    )
                    .await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (addr, received)
}

const KEY: &str = "support-key-secret-value";
const TOKEN: &str = "session-token-secret-value";

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_with_the_api_key() {
    let (evil, received) = attacker().await;
    let location = format!("http://{evil}/v1/products");
    let location: &'static str = Box::leak(location.into_boxed_str());
    let (addr, _) = serve(vec![Some(("302 Found", vec![("location", location)], ""))]).await;
    let client = Client::new(&addr)
        .unwrap()
        .with_api_key(Some(KEY.into()))
        .with_token(Some(TOKEN.into()))
        .with_retry(RetryPolicy::NONE);
    let result = client.products().await;
    let received = received.lock().unwrap().join("\n---\n");
    assert!(
        !received.contains(KEY) && !received.contains(TOKEN),
        "the other origin was sent the credentials ({result:?}):\n{received}"
    );
    assert!(
        matches!(result, Err(ClientError::Decode { status: 302, .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_redirect_within_the_cloud_is_still_followed() {
    let (addr, hits) = serve(vec![
        Some(("302 Found", vec![("location", "/v1/products-moved")], "")),
        Some(("200 OK", vec![JSON], r#"{"products":[]}"#)),
    ])
    .await;
    let client = Client::new(&addr).unwrap().with_api_key(Some(KEY.into()));
    assert!(client.products().await.unwrap().is_empty());
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_path_that_names_another_host_is_refused_before_anything_is_sent() {
    let (evil, received) = attacker().await;
    let (addr, hits) = serve(vec![Some(("200 OK", vec![JSON], "{}"))]).await;
    let client = Client::new(&addr)
        .unwrap()
        .with_api_key(Some(KEY.into()))
        .with_token(Some(TOKEN.into()));
    for path in [
        format!("@{evil}/v1/bindings"),
        format!("//{evil}/v1/bindings"),
        format!("http://{evil}/v1/bindings"),
        "v1/bindings".to_owned(),
    ] {
        let result = client.send_raw("GET", &path, None).await;
        assert_eq!(
            result,
            Err(ClientError::BadUrl { url: path.clone() }),
            "{path}"
        );
    }
    let received = received.lock().unwrap().join("\n---\n");
    assert!(received.is_empty(), "the other host was sent:\n{received}");
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}
