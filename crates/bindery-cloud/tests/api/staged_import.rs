//! Imports that do not stop the cloud (issue 14's soak: on SQLite, binds waited for the whole
//! of a million-row import). A file of new devices is written in chunks whose rows stay
//! invisible until the import ends; these tests hold it to what a user and a maker see:
//! binds answered during an import, nothing of an unfinished import shown or bindable,
//! nothing of a refused or cut-off import left behind.

use bindery_cloud::developer::import::{import_file, ImportMode};
use bindery_core::ProductKey;
use serde_json::json;

use crate::both_backends;
use crate::common::{next_mac, Auth, TestServer};

both_backends!(a_file_refused_in_its_last_chunk_leaves_nothing_behind);

/// `count` rows of new devices of `pk`, each with a new MAC and SN `{prefix}{i}`.
fn new_devices(pk: &str, prefix: &str, count: usize) -> String {
    let mut csv =
        String::from("*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n");
    for i in 0..count {
        csv.push_str(&format!("{},{pk},{prefix}{i:08},,\n", next_mac()));
    }
    csv
}

/// Devices of `pk` in the table, whatever their state (staged rows count).
async fn rows_of(s: &TestServer, pk: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM devices WHERE product_key = $1")
        .bind(pk)
        .fetch_one(&s.state.db)
        .await
        .unwrap()
}

async fn a_file_refused_in_its_last_chunk_leaves_nothing_behind(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "stage01", "sn_only").await;
    let taken = next_mac();
    let first = format!(
        "*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n{taken},stage01,STAGEFIRST01,,\n"
    );
    s.import(&key, "stage01", "atomic", &first)
        .await
        .assert_status(200);
    // 40,000 rows: several of the staged way's chunks; the last row's DeviceKey is taken.
    let mut csv = new_devices("stage01", "STAGE", 40_000);
    csv.push_str(&format!("{taken},stage01,STAGELAST01,,\n"));
    let report = s.import(&key, "stage01", "atomic", &csv).await;
    let body = report.assert_status(200);
    assert_eq!(body["imported"], 0, "{body}");
    assert_eq!(body["rejected"][0]["row"], 40_002, "{body}");
    assert_eq!(body["rejected"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(rows_of(&s, "stage01").await, 1, "the staged rows are gone");

    // Nothing holds the file's SNs or DeviceKeys: without the bad row it imports.
    let fixed: String = csv.lines().take(40_001).map(|l| format!("{l}\n")).collect();
    let report = s.import(&key, "stage01", "atomic", &fixed).await;
    assert_eq!(report.assert_status(200)["imported"], 40_000);
    assert_eq!(rows_of(&s, "stage01").await, 40_001);
}

/// How many of `pk`'s rows are staged by an import that has not ended.
async fn staged_rows(s: &TestServer) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM devices WHERE pending_import IN (SELECT import_id FROM import_pending)",
    )
    .fetch_one(&s.state.db)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bind_is_answered_while_a_large_import_is_still_being_written() {
    let s = TestServer::sqlite().await;
    let key = s.key("maker", false).await;
    s.product(&key, "stage02", "sn_only").await;
    s.import(
        &key,
        "stage02",
        "atomic",
        &format!("*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n{},stage02,STAGEBOUND01,,\n", next_mac()),
    )
    .await
    .assert_status(200);
    let ann = s.user("ann@example.com").await;

    // Large enough to take a good part of a second here (the HTTP body limit of the tests
    // is 2 MB, so it goes in as the CLI's import does).
    let csv = new_devices("stage02", "BIG", 600_000);
    let import = {
        let state = s.state.clone();
        tokio::spawn(async move {
            let pk = ProductKey::parse("stage02").unwrap();
            import_file(&state, &pk, csv, ImportMode::Atomic).await
        })
    };
    while staged_rows(&s).await == 0 {
        assert!(
            !import.is_finished(),
            "the import ended before it was seen staging"
        );
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }

    // While it is written: a staged device is nobody's to see or bind yet, and the
    // product's device list shows only what was there before.
    let inspect = s.inspect(&ann, "BIG00000000").await;
    inspect.assert_error(404, "sn_not_found");
    let page = s
        .get("/v1/products/stage02/devices?limit=5", Auth::Key(&key))
        .await;
    let sns: Vec<&str> = page.assert_status(200)["devices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["sn"].as_str())
        .collect();
    assert_eq!(sns, ["STAGEBOUND01"]);
    // A bind of a device already there is answered before the import ends.
    s.post(
        "/v1/bindings",
        Auth::Bearer(&ann),
        json!({"qr_content": "STAGEBOUND01", "name": "Lamp"}),
    )
    .await
    .assert_status(201);
    assert!(
        staged_rows(&s).await > 0,
        "the bind waited for the import to end"
    );

    let report = import.await.unwrap().expect("the import succeeds");
    assert_eq!(report.imported, 600_000);
    assert!(report.rejected.is_empty());
    let inspect = s.inspect(&ann, "BIG00000000").await;
    assert_eq!(inspect.assert_status(200)["status"], "bindable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_import_cut_off_by_the_end_of_the_process_is_undone_at_the_next_start() {
    let s = TestServer::sqlite().await;
    let key = s.key("maker", false).await;
    s.product(&key, "stage03", "sn_only").await;
    // What a process killed between two chunks leaves: an unfinished import and its rows.
    let import_id: i64 = sqlx::query_scalar(
        "INSERT INTO import_pending (product_key, started_at) VALUES ('stage03', 0) RETURNING import_id",
    )
    .fetch_one(&s.state.writer)
    .await
    .unwrap();
    let mac = next_mac();
    sqlx::query(
        "INSERT INTO devices (sn, product_key, device_key, imported_at, created_at, pending_import) \
         VALUES ('CUTOFF000001', 'stage03', $1, 0, 0, $2)",
    )
    .bind(&mac)
    .bind(import_id)
    .execute(&s.state.writer)
    .await
    .unwrap();
    // And a batch SN it had activated.
    let (batch_id, archive) = s.batch(&key, "stage03", 1).await;
    let batch_sn = crate::common::sn_list(&archive).remove(0).sn;
    sqlx::query(
        "UPDATE devices SET device_key = $1, device_name = 'Lamp', imported_at = 0, \
         pending_import = $2 WHERE sn = $3",
    )
    .bind(next_mac())
    .bind(import_id)
    .bind(&batch_sn)
    .execute(&s.state.writer)
    .await
    .unwrap();
    assert_eq!(rows_of(&s, "stage03").await, 2);

    let s = s.with_limits(crate::common::test_limits()).await;
    assert_eq!(
        rows_of(&s, "stage03").await,
        1,
        "the staged row was removed, the batch SN kept"
    );
    let batch_row: (
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<i64>,
    ) = sqlx::query_as(
        "SELECT batch_id, device_key, device_name, imported_at, pending_import \
             FROM devices WHERE sn = $1",
    )
    .bind(&batch_sn)
    .fetch_one(&s.state.db)
    .await
    .unwrap();
    assert_eq!(
        batch_row,
        (batch_id, None, None, None, None),
        "the batch SN is as its batch made it"
    );
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM import_pending")
        .fetch_one(&s.state.db)
        .await
        .unwrap();
    assert_eq!(pending, 0);
    // The file imports again as if the cut-off import had never been.
    let report = s
        .import(
            &key,
            "stage03",
            "atomic",
            &format!("*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n{mac},stage03,CUTOFF000001,,\n"),
        )
        .await;
    assert_eq!(report.assert_status(200)["imported"], 1);
}

/// The staged way also activates batch SNs (the usual import of a bind_code_required
/// product's labels): a file refused in its last chunk puts every SN it had activated back,
/// and the fixed file activates them all at once at its end.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_activation_file_is_staged_and_put_back_whole_when_refused() {
    let s = TestServer::sqlite().await;
    let key = s.key("maker", false).await;
    s.product(&key, "stage04", "sn_only").await;
    let (batch_id, _) = s.batch(&key, "stage04", 1).await;
    // 30,000 more SNs of that batch, as a batch makes them: three of the staged way's chunks.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 29999) \
         INSERT INTO devices (sn, product_key, batch_id, created_at) \
         SELECT 'ACT' || (10000000 + i), 'stage04', $1, 0 FROM n",
    )
    .bind(&batch_id)
    .execute(&s.state.writer)
    .await
    .unwrap();
    let taken = next_mac();
    let header = "*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n";
    s.import(
        &key,
        "stage04",
        "atomic",
        &format!("{header}{taken},stage04,ACTTAKEN01,,\n"),
    )
    .await
    .assert_status(200);

    // Every batch SN activated, ten new devices, and a last row whose DeviceKey is taken.
    let mut csv = String::from(header);
    for i in 0..30_000 {
        csv.push_str(&format!(
            "{},stage04,ACT{},Lamp,\n",
            next_mac(),
            10_000_000 + i
        ));
    }
    for i in 0..10 {
        csv.push_str(&format!("{},stage04,ACTNEW{i:04},,\n", next_mac()));
    }
    let fixed = csv.clone();
    csv.push_str(&format!("{taken},stage04,ACTLAST001,,\n"));
    let report = s.import(&key, "stage04", "atomic", &csv).await;
    let body = report.assert_status(200);
    assert_eq!(body["imported"], 0, "{body}");
    assert_eq!(body["rejected"][0]["row"], 30_012, "{body}");
    let changed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM devices WHERE product_key = 'stage04' AND sn <> 'ACTTAKEN01' \
         AND (device_key IS NOT NULL OR device_name IS NOT NULL OR imported_at IS NOT NULL \
              OR pending_import IS NOT NULL)",
    )
    .fetch_one(&s.state.db)
    .await
    .unwrap();
    assert_eq!(changed, 0, "every activated SN is put back");
    assert_eq!(
        rows_of(&s, "stage04").await,
        30_002,
        "no new device is left"
    );

    let report = s.import(&key, "stage04", "atomic", &fixed).await;
    assert_eq!(report.assert_status(200)["imported"], 30_010);
    assert_eq!(staged_rows(&s).await, 0);
    // Only the staged way marks rows with their import: all of them went that way.
    let staged: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM devices WHERE product_key = 'stage04' AND sn <> 'ACTTAKEN01' \
         AND pending_import IS NOT NULL AND device_key IS NOT NULL AND device_name IS NOT DISTINCT FROM \
             (CASE WHEN batch_id IS NULL THEN NULL ELSE 'Lamp' END)",
    )
    .fetch_one(&s.state.db)
    .await
    .unwrap();
    assert_eq!(staged, 30_010);
    let ann = s.user("ann@example.com").await;
    let inspect = s.inspect(&ann, "pk=stage04&sn=ACT10000000&v=1").await;
    assert_eq!(inspect.assert_status(200)["status"], "bindable");
}

/// A partial-mode file with refused rows is looked up on a reader and its good rows are
/// staged like any other file's, so it does not hold SQLite's one writer for the whole file
/// (issue 14, finding 6: it used to take the checked way's one transaction).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_partial_file_with_refused_rows_stages_its_good_rows() {
    let s = TestServer::sqlite().await;
    let key = s.key("maker", false).await;
    s.product(&key, "stage05", "sn_only").await;
    let (batch_id, _) = s.batch(&key, "stage05", 1).await;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999) \
         INSERT INTO devices (sn, product_key, batch_id, created_at) \
         SELECT 'PART' || (10000000 + i), 'stage05', $1, 0 FROM n",
    )
    .bind(&batch_id)
    .execute(&s.state.writer)
    .await
    .unwrap();
    let taken = next_mac();
    let first = format!(
        "*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n{taken},stage05,PARTFIRST01,,\n"
    );
    s.import(&key, "stage05", "atomic", &first)
        .await
        .assert_status(200);
    // 10,000 activations and 20,000 new devices, with a taken DeviceKey and a bad SN among them.
    let mut csv = new_devices("stage05", "PARTNEW", 20_000);
    for i in 0..10_000 {
        csv.push_str(&format!(
            "{},stage05,PART{},Lamp,\n",
            next_mac(),
            10_000_000 + i
        ));
    }
    csv.push_str(&format!("{taken},stage05,PARTTAKEN01,,\n"));
    csv.push_str(&format!("{},stage05,not an sn!,,\n", next_mac()));
    let report = s.import(&key, "stage05", "partial", &csv).await;
    let body = report.assert_status(200);
    assert_eq!(body["imported"], 30_000, "{body}");
    let refused: Vec<(u64, &str)> = body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_u64().unwrap(), r["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        refused,
        [(30_002, "device_key_taken"), (30_003, "invalid_sn")],
        "{body}"
    );
    // Only the staged way marks rows with their import: every good row went that way.
    let staged: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM devices WHERE product_key = 'stage05' AND sn <> 'PARTFIRST01' \
         AND pending_import IS NOT NULL AND device_key IS NOT NULL",
    )
    .fetch_one(&s.state.db)
    .await
    .unwrap();
    assert_eq!(staged, 30_000);
    // The batch's first SN and 10,000 more, the first file's device and 20,000 new ones.
    assert_eq!(rows_of(&s, "stage05").await, 1 + 10_000 + 1 + 20_000);
    let ann = s.user("ann@example.com").await;
    let inspect = s.inspect(&ann, "pk=stage05&sn=PART10000000&v=1").await;
    assert_eq!(inspect.assert_status(200)["status"], "bindable");
}
