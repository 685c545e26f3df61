//! The cloud's benchmarks (numbers go to the crate README):
//!
//! - `bind`: bind throughput and p99 latency with 64 concurrent clients on loopback against a
//!   `bindery-cloud serve` process on SQLite, and the same server's `/healthz` throughput;
//! - `import`: a 1,000,000-row CSV import against `sqlite3 .import` of the same rows into a
//!   table with the same unique indexes, and on PostgreSQL against `COPY` (psql `\copy`)
//!   when a server is given (`BINDERY_TEST_PG_URL` or `--pg URL`; skipped otherwise);
//! - `activation`: on SQLite, a 1,000,000-row import that activates batch SNs (the usual
//!   import of a bind_code_required product's labels) with a last row the database refuses,
//!   first in atomic mode (nothing written), then in partial mode (every other row
//!   activated), each with a one-device import of another product made every 20 ms
//!   meanwhile: how long such a write waits (the one writer), and the import's own length;
//! - `sn`: `bindery-cloud sn generate --count 10000` against 10,000 `qrencode` runs;
//! - `console`: the console's Devices page of a product with 1,000,000 devices over HTTP on
//!   loopback (first page, a page 700,000 devices in, an SN prefix search, a DeviceKey prefix
//!   search) against the `OFFSET` query a naive list would run, on SQLite and PostgreSQL; and
//!   10,000 SNs generated the console's way (the API call, then the package by its link).
//!
//! `cargo bench -p bindery-cloud --bench cloud [-- bind import activation sn console] [--pg URL]` (all by
//! default). Every peer is measured in the same run, so the ratios hold on a noisy machine.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bindery_cloud::developer::import::{import_file, ImportMode};
use bindery_cloud::developer::{batches, create_api_key, products};
use bindery_cloud::{AppState, StateConfig};
use bindery_core::api::CreateProduct;
use bindery_core::ProductKey;
use serde_json::json;

#[path = "../tests/api/common/pg.rs"]
mod pg;
#[path = "../tests/support/server_process.rs"]
mod server_process;

use server_process::{cli_ok, Served};

const CLIENTS: usize = 64;

async fn open(dir: &tempfile::TempDir) -> AppState {
    open_url(bindery_cloud::db::sqlite_url(
        &dir.path().join("cloud.sqlite3"),
    ))
    .await
}

async fn open_url(url: String) -> AppState {
    let mut config = StateConfig::new(url);
    config.max_connections = 8;
    AppState::open(config).await.expect("open")
}

async fn product(state: &AppState, pk: &str) -> ProductKey {
    let key = create_api_key(state, "bench", false).await.unwrap();
    products::create_product(
        state,
        Some(&key.key_id),
        CreateProduct {
            name: "Bench".into(),
            product_key: Some(pk.into()),
            bind_policy: None,
            label_form: None,
        },
    )
    .await
    .unwrap()
    .product_key
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

async fn bind_bench() {
    let dir = tempfile::tempdir().unwrap();
    let state = open(&dir).await;
    let pk = product(&state, "bench01").await;
    // Each client first binds a few labels untimed (connections opened, statements prepared
    // on every pooled connection, SQLite's pages cached), then all start the timed binds
    // together: the figures are the steady state, not the first second of a cold server.
    const WARM_UP: usize = 20;
    const PER_CLIENT: usize = 500;
    let per_client = WARM_UP + PER_CLIENT;
    let labels = CLIENTS * per_client;
    let total = CLIENTS * PER_CLIENT;
    let mut contents = Vec::new();
    let mut csv = String::from("*DeviceKey,*ProductKey,Device SN\n");
    while contents.len() < labels {
        let count = (labels - contents.len()).min(10_000) as u32;
        let (_, archive) = batches::create_batch(&state, &pk, count, |_| {})
            .await
            .unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).unwrap();
        let mut list = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("sn_list.csv").unwrap(), &mut list).unwrap();
        for line in list.lines().skip(1) {
            let mut cells = line.splitn(3, ',');
            let sn = cells.next().unwrap();
            let content = cells.nth(1).unwrap();
            csv.push_str(&format!(
                "{:012x},{pk},{sn}\n",
                0x0600_0000_0000u64 + contents.len() as u64
            ));
            contents.push(content.to_owned());
        }
    }
    let report = import_file(&state, &pk, csv, ImportMode::Atomic)
        .await
        .unwrap();
    assert_eq!(report.imported as usize, labels);

    drop(state);
    // The server is the real binary in its own process, as deployed; the clients share this one.
    let served = Served::start(&bindery_cloud::db::sqlite_url(
        &dir.path().join("cloud.sqlite3"),
    ))
    .await;
    let base = served.base.clone();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    let mut tokens = Vec::new();
    for i in 0..CLIENTS {
        tokens.push(
            server_process::signed_in_token(&http, &base, &format!("bench{i}@example.com")).await,
        );
    }

    let contents = Arc::new(contents);
    let ready = Arc::new(tokio::sync::Barrier::new(CLIENTS + 1));
    let tasks: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(i, token)| {
            let (http, base, contents) = (http.clone(), base.clone(), contents.clone());
            let ready = ready.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(PER_CLIENT);
                let mine = &contents[i * per_client..(i + 1) * per_client];
                for (n, content) in mine.iter().enumerate() {
                    if n == WARM_UP {
                        ready.wait().await;
                        latencies.clear();
                    }
                    let t = Instant::now();
                    let response = http
                        .post(format!("{base}/v1/bindings"))
                        .bearer_auth(&token)
                        .json(&json!({"qr_content": content, "name": "Bench"}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 201);
                    let _ = response.bytes().await;
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    ready.wait().await;
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(total);
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let binds_per_s = total as f64 / elapsed.as_secs_f64();

    let health_started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (http, base) = (http.clone(), base.clone());
            tokio::spawn(async move {
                for _ in 0..PER_CLIENT {
                    let r = http.get(format!("{base}/healthz")).send().await.unwrap();
                    let _ = r.bytes().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let health_per_s = total as f64 / health_started.elapsed().as_secs_f64();
    drop(served);
    println!(
        "bind: {total} binds by {CLIENTS} clients in {:.2} s = {binds_per_s:.0} binds/s; p50 {:.1} ms, p99 {:.1} ms; \
         /healthz {health_per_s:.0} req/s; bind/healthz ratio {:.2}",
        elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        binds_per_s / health_per_s,
    );
}

/// Whether a command exists on `PATH`.
fn have(command: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {command} >/dev/null"))
        .status()
        .is_ok_and(|s| s.success())
}

/// The peer's table: the columns of an import file, the same unique indexes as `devices`.
const PLAIN_TABLE: &str =
    "CREATE TABLE devices (device_key TEXT NOT NULL UNIQUE, product_key TEXT NOT NULL, \
     sn TEXT PRIMARY KEY, device_name TEXT, fingerprint TEXT); \
     CREATE INDEX devices_product ON devices(product_key);";

/// Rounds of the import bench: each round imports into a fresh database with ours and
/// then with the peer, so both see the same moment of a shared machine; the medians and
/// the median of the rounds' ratios are reported.
const IMPORT_ROUNDS: usize = 3;

async fn import_bench(pg_admin: Option<String>) {
    const ROWS: u64 = 1_000_000;
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::with_capacity(ROWS as usize * 40);
    csv.push_str("*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n");
    for i in 0..ROWS {
        let mac = 0x0700_0000_0000u64 + i;
        csv.push_str(&format!("{mac:012x},bench01,S{mac:012X},,\n"));
    }
    let file = dir.path().join("rows.csv");
    std::fs::write(&file, &csv).unwrap();
    let body = axum::body::Bytes::from(csv);

    let import_ours = |state: AppState| {
        let body = body.clone();
        async move {
            let pk = product(&state, "bench01").await;
            let started = Instant::now();
            let report = import_file(&state, &pk, body, ImportMode::Atomic)
                .await
                .unwrap();
            let took = started.elapsed();
            assert_eq!(report.imported, ROWS);
            took
        }
    };

    if have("sqlite3") {
        let mut rounds = Vec::new();
        for round in 0..IMPORT_ROUNDS {
            let ours = import_ours(
                open_url(bindery_cloud::db::sqlite_url(
                    &dir.path().join(format!("cloud{round}.sqlite3")),
                ))
                .await,
            )
            .await;
            let db = dir.path().join(format!("plain{round}.sqlite3"));
            let script = format!(
                "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n{PLAIN_TABLE}\n.import --csv --skip 1 {} devices\n",
                file.display()
            );
            let theirs = timed_stdin(Command::new("sqlite3").arg(&db), &script);
            rounds.push((ours, theirs));
        }
        report_rounds("import (SQLite)", "sqlite3 .import", ROWS, &rounds);
    } else {
        println!("import (SQLite): SKIPPED: sqlite3 is not installed (apt install sqlite3)");
    }

    let Some(admin) = pg_admin else {
        println!(
            "import (PostgreSQL): SKIPPED: no server (set BINDERY_TEST_PG_URL or pass --pg URL)"
        );
        return;
    };
    if !have("psql") {
        println!(
            "import (PostgreSQL): SKIPPED: psql is not installed (apt install postgresql-client)"
        );
        return;
    }
    // Each load starts after a checkpoint, so that neither pays for writing out the WAL of
    // the one before it.
    let checkpoint = || {
        let done = Command::new("psql")
            .args(["-q", &admin, "-c", "CHECKPOINT"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(done, "CHECKPOINT failed");
    };
    let mut rounds = Vec::new();
    for _ in 0..IMPORT_ROUNDS {
        let state = open_url(pg::fresh_database(&admin).await).await;
        checkpoint();
        let ours = import_ours(state).await;
        let plain = pg::fresh_database(&admin).await;
        checkpoint();
        let script = format!(
            "{PLAIN_TABLE}\n\\copy devices FROM '{}' WITH (FORMAT csv, HEADER true)\n",
            file.display()
        );
        let theirs = timed_stdin(
            Command::new("psql").args(["-q", "-v", "ON_ERROR_STOP=1", &plain]),
            &script,
        );
        rounds.push((ours, theirs));
    }
    report_rounds("import (PostgreSQL)", "psql \\copy (COPY)", ROWS, &rounds);
}

/// The `activation` bench (see the top of this file).
async fn activation_bench() {
    const ROWS: u64 = 1_000_000;
    let dir = tempfile::tempdir().unwrap();
    let state = open(&dir).await;
    let pk = product(&state, "bench02").await;
    // A batch of the product, then a million SNs under it as batches store them (made here
    // by one statement: rendering a million labels would be the bench's whole time).
    let (batch, _) = batches::create_batch(&state, &pk, 1, |_| {}).await.unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO devices (sn, product_key, batch_id, created_at) \
         SELECT 'A' || (100000000 + i), 'bench02', $2, 0 FROM n",
    )
    .bind(ROWS as i64 - 1)
    .bind(&batch.batch_id)
    .execute(&state.writer)
    .await
    .unwrap();
    let mut csv = String::with_capacity(ROWS as usize * 40);
    csv.push_str("*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n");
    for i in 0..ROWS {
        let mac = 0x0600_0000_0000u64 + i;
        csv.push_str(&format!("{mac:012x},bench02,A{},,\n", 100_000_000 + i));
    }
    let probe_pk = product(&state, "probe01").await;
    let header = "*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n";
    // A device of the product that has the DeviceKey the files' last row repeats (a
    // DeviceKey is unique within its product).
    let taken = 0x0500_0000_0000u64;
    let report = import_file(
        &state,
        &pk,
        format!("{header}{taken:012x},bench02,ATAKEN0001,,\n"),
        ImportMode::Atomic,
    )
    .await
    .unwrap();
    assert_eq!(report.imported, 1);
    // First the file with a last row the database refuses (its DeviceKey is taken): every
    // activation is put back and the rows are checked. Then the same file in partial mode,
    // which activates every other row (checked on a reader, then staged).
    let refused = format!("{csv}{taken:012x},bench02,ANEW00001,,\n");
    drop(csv);
    let mut probe = taken;
    for (what, file, mode, imported) in [
        (
            "refused in its last row",
            refused.clone(),
            ImportMode::Atomic,
            0,
        ),
        (
            "partial mode, refused in its last row",
            refused,
            ImportMode::Partial,
            ROWS,
        ),
    ] {
        let started = Instant::now();
        let import = {
            let (state, pk) = (state.clone(), pk.clone());
            tokio::spawn(async move { import_file(&state, &pk, file, mode).await })
        };
        let mut waits = Vec::new();
        while !import.is_finished() {
            probe += 1;
            let row = format!("{header}{probe:012x},probe01,,,\n");
            let asked = Instant::now();
            let report = import_file(&state, &probe_pk, row, ImportMode::Atomic)
                .await
                .unwrap();
            assert_eq!(report.imported, 1);
            waits.push(asked.elapsed());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let report = import.await.unwrap().unwrap();
        let took = started.elapsed();
        assert_eq!(report.imported, imported, "{:?}", report.rejected.first());
        waits.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "activation import (SQLite), {what}: {ROWS} batch SNs in {:.2} s; {} one-device imports of another product meanwhile: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            took.as_secs_f64(),
            waits.len(),
            ms(percentile(&waits, 0.50)),
            ms(percentile(&waits, 0.99)),
            ms(*waits.last().unwrap()),
        );
    }
}

/// Prints rounds of (ours, the peer's) times: the medians, and the median and range of the
/// rounds' ratios.
fn report_rounds(what: &str, peer: &str, rows: u64, rounds: &[(Duration, Duration)]) {
    let median = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let ours = median(rounds.iter().map(|r| r.0.as_secs_f64()).collect());
    let theirs = median(rounds.iter().map(|r| r.1.as_secs_f64()).collect());
    let ratios: Vec<f64> = rounds
        .iter()
        .map(|(o, t)| o.as_secs_f64() / t.as_secs_f64())
        .collect();
    let (low, high) = ratios
        .iter()
        .fold((f64::MAX, 0f64), |(l, h), r| (l.min(*r), h.max(*r)));
    println!(
        "{what}: {rows} rows, median of {} rounds: bindery {ours:.2} s, {peer} {theirs:.2} s; \
         ratio {:.2} (rounds {low:.2}–{high:.2})",
        rounds.len(),
        median(ratios.clone()),
    );
}

/// Runs `command` with `script` on its standard input; how long it took.
fn timed_stdin(command: &mut Command, script: &str) -> Duration {
    let started = Instant::now();
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn the peer");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), script.as_bytes()).unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success(), "the peer failed");
    started.elapsed()
}

fn sn_bench() {
    let dir = tempfile::tempdir().unwrap();
    let url = bindery_cloud::db::sqlite_url(&dir.path().join("cloud.sqlite3"));
    let key = cli_ok(&url, &["dev-key", "create", "--name", "bench"]);
    cli_ok(
        &url,
        &[
            "product",
            "create",
            "--name",
            "Bench",
            "--product-key",
            "bench01",
            "--api-key",
            key.trim(),
        ],
    );
    let zip_path = dir.path().join("batch.zip");
    let started = Instant::now();
    cli_ok(
        &url,
        &[
            "sn",
            "generate",
            "--product",
            "bench01",
            "--count",
            "10000",
            "--out",
            zip_path.to_str().unwrap(),
        ],
    );
    let ours = started.elapsed();

    if !have("qrencode") {
        println!(
            "sn generate: 10000 labels + zip: bindery {:.2} s; qrencode loop SKIPPED: qrencode is not installed (apt install qrencode)",
            ours.as_secs_f64()
        );
        return;
    }
    let out = dir.path().join("qrencode");
    std::fs::create_dir_all(&out).unwrap();
    // The same kind of content (a Bindery v2 label of the same length), module size and
    // quiet zone as our labels; qrencode writes the bare code (no caption).
    let script = format!(
        "i=0; while [ $i -lt 10000 ]; do qrencode -l M -m 4 -s 6 -o {}/$i.png \"pk=bench01&sn=BENCH$(printf %011d $i)&v=2&bc=7Q4XK2M9PD\"; i=$((i+1)); done",
        out.display()
    );
    let started = Instant::now();
    assert!(Command::new("sh")
        .arg("-c")
        .arg(&script)
        .status()
        .unwrap()
        .success());
    let theirs = started.elapsed();
    println!(
        "sn generate: 10000 labels + zip: bindery {:.2} s, qrencode loop (PNGs only) {:.2} s, ratio {:.2}",
        ours.as_secs_f64(),
        theirs.as_secs_f64(),
        ours.as_secs_f64() / theirs.as_secs_f64()
    );
}

/// The median and 90th percentile of `reps` runs of `call`, in ms.
async fn timed<F, Fut>(reps: usize, mut call: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    call().await;
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let started = Instant::now();
        call().await;
        times.push(started.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(percentile(&times, 0.5)), ms(percentile(&times, 0.9)))
}

async fn console_bench(pg_admin: Option<String>) {
    const DEVICES: u64 = 1_000_000;
    const REPS: usize = 25;
    let mut csv = String::with_capacity(DEVICES as usize * 40);
    csv.push_str("*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n");
    for i in 0..DEVICES {
        let mac = 0x0700_0000_0000u64 + i;
        csv.push_str(&format!("{mac:012x},bench01,S{mac:012X},,\n"));
    }
    let body = axum::body::Bytes::from(csv);
    let dir = tempfile::tempdir().unwrap();
    let mut backends = vec![(
        "SQLite",
        bindery_cloud::db::sqlite_url(&dir.path().join("console.sqlite3")),
    )];
    match &pg_admin {
        Some(admin) => backends.push(("PostgreSQL", pg::fresh_database(admin).await)),
        None => println!(
            "console (PostgreSQL): SKIPPED: no server (set BINDERY_TEST_PG_URL or pass --pg URL)"
        ),
    }
    println!("| backend | call | median ms | p90 ms |");
    println!("|---|---|---|---|");
    for (backend, url) in backends {
        let state = open_url(url).await;
        let key = create_api_key(&state, "bench", false).await.unwrap();
        let pk = products::create_product(
            &state,
            Some(&key.key_id),
            CreateProduct {
                name: "Bench".into(),
                product_key: Some("bench01".into()),
                bind_policy: None,
                label_form: None,
            },
        )
        .await
        .unwrap()
        .product_key;
        let report = import_file(&state, &pk, body.clone(), ImportMode::Atomic)
            .await
            .unwrap();
        assert_eq!(report.imported, DEVICES);
        let cloud = bindery_cloud::LoopbackCloud::start(state.clone())
            .await
            .unwrap();
        let http = reqwest::Client::new();
        let page = |query: String| {
            let http = http.clone();
            let url = format!("{}/v1/products/bench01/devices?{query}", cloud.url);
            let key = key.key.clone();
            async move {
                let answer = http
                    .get(&url)
                    .header("x-api-key", &key)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(answer.status(), 200, "{url}");
                let body: serde_json::Value = answer.json().await.unwrap();
                assert!(!body["devices"].as_array().unwrap().is_empty(), "{url}");
            }
        };
        let later = format!("S{:012X}", 0x0700_0000_0000u64 + 700_000);
        let calls = [
            ("first page (50)", "limit=50".to_owned()),
            ("page 700,000 devices in", format!("limit=50&after={later}")),
            ("SN prefix search", "sn=S07000009C".to_owned()),
            ("DeviceKey prefix search", "device_key=07000009c".to_owned()),
        ];
        for (name, query) in calls {
            let (median, p90) = timed(REPS, || page(query.clone())).await;
            println!("| {backend} | {name} | {median:.2} | {p90:.2} |");
        }
        // The peer: the same page by OFFSET, as a list without keyset paging would read it.
        let offset = || {
            let state = state.clone();
            async move {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT sn FROM devices WHERE product_key = 'bench01' ORDER BY sn LIMIT 50 OFFSET 700000",
                )
                .fetch_all(&state.db)
                .await
                .unwrap();
                assert_eq!(rows.len(), 50);
            }
        };
        let (median, p90) = timed(REPS, offset).await;
        println!(
            "| {backend} | peer: OFFSET 700,000 (SQL only, no HTTP) | {median:.2} | {p90:.2} |"
        );

        // 10,000 SNs as the console makes them: the call, then the package by its link.
        let started = Instant::now();
        let made: serde_json::Value = http
            .post(format!("{}/v1/products/bench01/sn-batches", cloud.url))
            .header("x-api-key", &key.key)
            .json(&json!({"count": 10_000}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let link = made["download_url"].as_str().unwrap();
        let zip = http
            .get(format!("{}{link}", cloud.url))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(&zip[..2], b"PK");
        println!(
            "| {backend} | generate 10,000 SNs + download the package ({:.1} MB) | {:.0} | — |",
            zip.len() as f64 / 1e6,
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let pg_admin = args
        .iter()
        .position(|a| a == "--pg")
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| std::env::var("BINDERY_TEST_PG_URL").ok())
        .filter(|u| !u.is_empty());
    let wanted: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with('-') && (*i == 0 || args[i - 1] != "--pg"))
        .map(|(_, a)| a)
        .collect();
    let wants = |name: &str| wanted.is_empty() || wanted.iter().any(|w| *w == name);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    if wants("bind") {
        runtime.block_on(bind_bench());
    }
    if wants("import") {
        runtime.block_on(import_bench(pg_admin.clone()));
    }
    if wants("activation") {
        runtime.block_on(activation_bench());
    }
    if wants("sn") {
        sn_bench();
    }
    if wants("console") {
        runtime.block_on(console_bench(pg_admin.clone()));
    }
}
