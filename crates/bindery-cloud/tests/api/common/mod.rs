//! The test harness: a real server on 127.0.0.1 over a fresh SQLite file or a fresh
//! PostgreSQL database, and small helpers to drive it over HTTP.

#![allow(dead_code)]

pub mod pg;
pub mod tls;

use std::io::Read;

use bindery_cloud::{AppState, Limits, StateConfig};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Runs each named async test function once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name($crate::common::TestServer::sqlite().await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                if let Some(server) = $crate::common::TestServer::postgres().await {
                    super::$name(server).await
                }
            }
        }
    )*};
}

/// The production limits, but for sign-ups from one address: every test signs its accounts
/// up from 127.0.0.1, some of them fifty at once.
pub fn test_limits() -> Limits {
    Limits {
        signups_per_address: 10_000,
        ..Limits::default()
    }
}

/// A running server and a client for it.
pub struct TestServer {
    /// The database URL.
    pub url: String,
    pub base: String,
    pub http: reqwest::Client,
    pub state: AppState,
    _dir: Option<tempfile::TempDir>,
    /// Stops serving when dropped.
    _server: bindery_cloud::LoopbackCloud,
}

/// An answer: status, headers, body as JSON (Null when not JSON) and raw bytes.
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub json: Value,
    pub bytes: Vec<u8>,
}

impl Answer {
    /// The error code of a docs/product.md §4 error body, checking its shape and request id on the way.
    pub fn code(&self) -> &str {
        let error = &self.json["error"];
        assert!(error["message"].is_string(), "no message in {}", self.json);
        assert_eq!(
            error["request_id"].as_str(),
            self.headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok()),
            "the body's request id is the header's"
        );
        error["code"]
            .as_str()
            .unwrap_or_else(|| panic!("not an error body: {}", self.json))
    }

    /// Asserts status and docs/product.md §4 error code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.json);
        assert_eq!(self.code(), code, "body: {}", self.json);
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.json);
        &self.json
    }
}

/// Who calls.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    Bearer(&'a str),
    Key(&'a str),
    /// A person's session acting in an organisation (`X-Bindery-Org`), as the console calls.
    Member(&'a str, &'a str),
}

impl TestServer {
    pub async fn sqlite() -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = bindery_cloud::db::sqlite_url(&dir.path().join("cloud.sqlite3"));
        Self::start(url, Some(dir), test_limits()).await
    }

    pub async fn postgres() -> Option<TestServer> {
        let admin = pg::admin_url()?;
        let url = pg::fresh_database(&admin).await;
        Some(Self::start(url, None, test_limits()).await)
    }

    /// The same server on the same database with other limits (for the per-address limits,
    /// whose production values take hundreds of requests to reach).
    pub async fn with_limits(mut self, limits: Limits) -> TestServer {
        let url = self.url.clone();
        let dir = self._dir.take();
        drop(self);
        Self::start(url, dir, limits).await
    }

    /// The same server on the same database, with the public address URL labels use.
    pub async fn with_public_url(mut self, public_url: &str) -> TestServer {
        let url = self.url.clone();
        let dir = self._dir.take();
        let limits = self.state.limits.clone();
        drop(self);
        let public_url = bindery_cloud::PublicUrl::parse(public_url).expect("a public URL");
        Self::start_with(url, dir, limits, Some(public_url)).await
    }

    async fn start(url: String, dir: Option<tempfile::TempDir>, limits: Limits) -> TestServer {
        Self::start_with(url, dir, limits, None).await
    }

    async fn start_with(
        url: String,
        dir: Option<tempfile::TempDir>,
        limits: Limits,
        public_url: Option<bindery_cloud::PublicUrl>,
    ) -> TestServer {
        let mut config = StateConfig::new(url.clone());
        config.limits = limits;
        config.public_url = public_url;
        // Small enough that the 413 test does not push hundreds of megabytes.
        config.limits.import_body_bytes = 2 * 1024 * 1024;
        // Many tests run at once against one PostgreSQL server (max_connections=300).
        config.max_connections = 8;
        let state = AppState::open(config).await.expect("open state");
        let server = bindery_cloud::LoopbackCloud::start(state.clone())
            .await
            .expect("serve on loopback");
        TestServer {
            url,
            base: server.url.clone(),
            http: reqwest::Client::new(),
            state,
            _dir: dir,
            _server: server,
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        body: Option<Body>,
    ) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        request = match auth {
            Auth::None => request,
            Auth::Bearer(token) => request.bearer_auth(token),
            Auth::Key(key) => request.header("x-api-key", key),
            Auth::Member(token, org) => request.bearer_auth(token).header("x-bindery-org", org),
        };
        request = match body {
            None => request,
            Some(Body::Json(v)) => request.json(&v),
            Some(Body::Raw(content_type, bytes)) => {
                request.header("content-type", content_type).body(bytes)
            }
            Some(Body::Typed(content_type, bytes)) => {
                request.header("content-type", content_type).body(bytes)
            }
        };
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        assert!(
            headers.contains_key("x-request-id"),
            "every answer has x-request-id"
        );
        let bytes = response.bytes().await.expect("body").to_vec();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            json,
            bytes,
        }
    }

    /// Sends only the head of a POST that announces a `length`-byte body, and returns the
    /// raw answer. An oversized upload is refused before its body is read; sending the body
    /// anyway races the server closing the connection (a broken pipe on the client's side).
    pub async fn announce_body(&self, path: &str, api_key: &str, length: usize) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let address = self.base.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(address)
            .await
            .expect("connect");
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: {address}\r\nx-api-key: {api_key}\r\n\
             content-type: text/csv\r\ncontent-length: {length}\r\nconnection: close\r\n\r\n"
        );
        stream
            .write_all(head.as_bytes())
            .await
            .expect("send the head");
        let mut answer = Vec::new();
        stream
            .read_to_end(&mut answer)
            .await
            .expect("read the answer");
        String::from_utf8_lossy(&answer).into_owned()
    }

    pub async fn get(&self, path: &str, auth: Auth<'_>) -> Answer {
        self.send(Method::GET, path, auth, None).await
    }

    pub async fn post(&self, path: &str, auth: Auth<'_>, body: Value) -> Answer {
        self.send(Method::POST, path, auth, Some(Body::Json(body)))
            .await
    }

    /// `POST /v1/qr/inspect` of `qr` by the account of `token`.
    pub async fn inspect(&self, token: &str, qr: &str) -> Answer {
        self.post(
            "/v1/qr/inspect",
            Auth::Bearer(token),
            json!({ "qr_content": qr }),
        )
        .await
    }

    pub async fn patch(&self, path: &str, auth: Auth<'_>, body: Value) -> Answer {
        self.send(Method::PATCH, path, auth, Some(Body::Json(body)))
            .await
    }

    pub async fn delete(&self, path: &str, auth: Auth<'_>) -> Answer {
        self.send(Method::DELETE, path, auth, None).await
    }

    /// Signs up and signs in; returns the token.
    pub async fn user(&self, email: &str) -> String {
        let creds = json!({"email": email, "password": "correct horse battery"});
        self.post("/v1/users", Auth::None, creds.clone())
            .await
            .assert_status(201);
        let session = self.post("/v1/sessions", Auth::None, creds).await;
        session.assert_status(201)["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A developer key (or support key).
    pub async fn key(&self, name: &str, support: bool) -> String {
        bindery_cloud::developer::create_api_key(&self.state, name, support)
            .await
            .unwrap()
            .key
    }

    /// A product owned by `key`.
    pub async fn product(&self, key: &str, pk: &str, policy: &str) {
        self.post(
            "/v1/products",
            Auth::Key(key),
            json!({"name": format!("Product {pk}"), "product_key": pk, "bind_policy": policy}),
        )
        .await
        .assert_status(201);
    }

    /// A batch of `count` SNs made over HTTP; returns its id and the archive.
    pub async fn batch(&self, key: &str, pk: &str, count: u32) -> (String, Vec<u8>) {
        let batch = self
            .post(
                &format!("/v1/products/{pk}/sn-batches"),
                Auth::Key(key),
                json!({ "count": count }),
            )
            .await;
        let batch_id = batch.assert_status(201)["batch_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let archive = self
            .get(
                &format!("/v1/sn-batches/{batch_id}/archive"),
                Auth::Key(key),
            )
            .await;
        assert_eq!(archive.status, 200);
        (batch_id, archive.bytes)
    }

    /// Imports a CSV body.
    pub async fn import(&self, key: &str, pk: &str, mode: &str, csv: &str) -> Answer {
        self.send(
            Method::POST,
            &format!("/v1/products/{pk}/devices/import?mode={mode}"),
            Auth::Key(key),
            Some(Body::Raw("text/csv", csv.as_bytes().to_vec())),
        )
        .await
    }

    /// `count` activated devices of a new batch of `pk`: (SN, QR content) each.
    pub async fn devices(&self, key: &str, pk: &str, count: u32) -> Vec<Label> {
        let (_, archive) = self.batch(key, pk, count).await;
        let labels = sn_list(&archive);
        let mut csv =
            String::from("*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n");
        for label in &labels {
            csv.push_str(&format!("{},{pk},{},,\n", next_mac(), label.sn));
        }
        let report = self.import(key, pk, "atomic", &csv).await;
        assert_eq!(
            report.assert_status(200)["imported"],
            count as u64,
            "{}",
            report.json
        );
        labels
    }
}

/// A request body.
pub enum Body {
    Json(Value),
    Raw(&'static str, Vec<u8>),
    /// Bytes with a content type made at run time (a form's boundary).
    Typed(String, Vec<u8>),
}

/// One row of a batch's `sn_list.csv`.
#[derive(Debug, Clone)]
pub struct Label {
    pub sn: String,
    pub bind_code: String,
    pub qr_content: String,
}

/// The rows of `sn_list.csv` in a batch archive.
pub fn sn_list(archive: &[u8]) -> Vec<Label> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).expect("a zip");
    let mut text = String::new();
    zip.by_name("sn_list.csv")
        .expect("sn_list.csv")
        .read_to_string(&mut text)
        .unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("sn,bind_code,qr_content"));
    lines
        .map(|line| {
            let mut cells = line.splitn(3, ',');
            Label {
                sn: cells.next().unwrap().to_owned(),
                bind_code: cells.next().unwrap().to_owned(),
                qr_content: cells.next().unwrap().to_owned(),
            }
        })
        .collect()
}

/// A MAC never handed out before in this test process.
pub fn next_mac() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0x0200_0000_0000);
    format!("{:012x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A valid IMEI with the given 14-digit body.
pub fn imei(body: u64) -> String {
    let digits = format!("{body:014}");
    let sum: u32 = digits
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap();
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

/// The first row of an XLSX file's first sheet, as text.
pub fn xlsx_header(xlsx: Vec<u8>) -> Vec<String> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect()
}

/// With both of a server's two connection places held by `slow` clients (half a request, or
/// nothing): `third`, a request from another client, is served only once the server has
/// dropped them at its one-second header timeout, and both slow connections are closed.
pub async fn slow_clients_give_way(
    third: impl std::future::Future<Output = reqwest::Result<reqwest::Response>>,
    slow: [&mut tokio::net::TcpStream; 2],
) {
    use std::time::{Duration, Instant};
    use tokio::io::AsyncReadExt;
    let started = Instant::now();
    let third = tokio::time::timeout(Duration::from_secs(10), third)
        .await
        .expect("the third client was served once the slow ones were dropped")
        .unwrap();
    assert_eq!(third.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    // Closed (an end of stream or a reset, either way) within the timeout: that is the check.
    for stream in slow {
        let mut rest = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest))
            .await
            .expect("the server closed the slow connection")
            .ok();
    }
}

/// `(row, column, code)` of each refused row of an import report.
pub fn refused_rows(report: &Value) -> Vec<(u64, String, String)> {
    report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["column"].as_str().unwrap().to_owned(),
                r["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}
