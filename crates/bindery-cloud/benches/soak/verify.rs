//! After the run: is every acknowledged write still there?
//!
//! Twice: through the API while the last server still runs (each user's Home must list every
//! device acknowledged to them), and in the database once it is stopped (every bind with the
//! same device id and owner, every account, every batch with all its SNs, every activated SN,
//! the million imported rows). A write the cloud acknowledged and then lost is the one
//! failure a client cannot recover from, so the database is read directly, not trusted to
//! the code under test.

use std::collections::{HashMap, HashSet};

use bindery_core::api::DeviceList;

use crate::setup::{BULK_PRODUCT, LABEL_PRODUCT};
use crate::traffic::Outcome;

/// What the checks found.
#[derive(Debug, Default, Clone)]
pub struct Checked {
    /// Users whose Home was read at the end.
    pub api_users: usize,
    /// Acknowledged devices missing from their owner's Home at the end.
    pub api_missing: usize,
    /// Homes that could not be read at the end (not 200).
    pub api_unread: usize,
    /// Acknowledged binds not in the database with the same device id and owner.
    pub binds_lost: usize,
    /// Acknowledged accounts not in the database.
    pub sign_ups_lost: usize,
    /// Acknowledged batches missing, or with fewer SNs than acknowledged.
    pub batches_lost: usize,
    /// SNs of acknowledged activations that have no DeviceKey.
    pub activations_lost: usize,
    /// Rows of the acknowledged big import that are missing.
    pub bulk_rows_lost: u64,
    /// Rows of the big product found, acknowledged or not.
    pub bulk_rows_found: u64,
}

impl Checked {
    /// Acknowledged writes missing from the database, counted in the units acknowledged
    /// (binds, accounts, batches, activated SNs, imported rows).
    pub fn lost(&self) -> u64 {
        (self.binds_lost + self.sign_ups_lost + self.batches_lost + self.activations_lost) as u64
            + self.bulk_rows_lost
    }
}

/// Each user with acknowledged devices opens Home once more, on the last server.
pub async fn through_api(base: &str, outcome: &Outcome) -> Checked {
    let mut by_user: HashMap<&str, Vec<&str>> = HashMap::new();
    for bind in &outcome.acks.binds {
        by_user.entry(&bind.uid).or_default().push(&bind.did);
    }
    let http = reqwest::Client::new();
    let mut checked = Checked::default();
    for (uid, dids) in by_user {
        checked.api_users += 1;
        let Some(token) = outcome.tokens.get(uid) else {
            checked.api_unread += 1;
            continue;
        };
        let answer = http
            .get(format!("{base}/v1/bindings"))
            .bearer_auth(token)
            .send()
            .await;
        let list = match answer {
            Ok(answer) if answer.status() == 200 => answer.json::<DeviceList>().await.ok(),
            _ => None,
        };
        let Some(list) = list else {
            checked.api_unread += 1;
            continue;
        };
        let listed: HashSet<&str> = list.devices.iter().map(|d| d.did.as_str()).collect();
        checked.api_missing += dids.iter().filter(|d| !listed.contains(*d)).count();
    }
    checked
}

/// Reads the database of the stopped server and counts what it lacks.
pub async fn in_database(database_url: &str, outcome: &Outcome, checked: &mut Checked) {
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(database_url)
        .await
        .expect("open the database");
    let acks = &outcome.acks;

    let bindings: Vec<(String, String, String)> =
        sqlx::query_as("SELECT sn, did, uid FROM bindings")
            .fetch_all(&db)
            .await
            .expect("read the bindings");
    let holders: HashMap<String, (String, String)> = bindings
        .into_iter()
        .map(|(sn, did, uid)| (sn, (did, uid)))
        .collect();
    checked.binds_lost = acks
        .binds
        .iter()
        .filter(|b| holders.get(&b.sn) != Some(&(b.did.clone(), b.uid.clone())))
        .count();

    let accounts: HashSet<String> = sqlx::query_scalar("SELECT uid FROM accounts")
        .fetch_all(&db)
        .await
        .expect("read the accounts")
        .into_iter()
        .collect();
    checked.sign_ups_lost = acks
        .sign_ups
        .iter()
        .filter(|uid| !accounts.contains(*uid))
        .count();

    let batches: HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
        "SELECT b.batch_id, COUNT(d.sn) FROM batches b \
         LEFT JOIN devices d ON d.batch_id = b.batch_id GROUP BY b.batch_id",
    )
    .fetch_all(&db)
    .await
    .expect("read the batches")
    .into_iter()
    .collect();
    checked.batches_lost = acks
        .batches
        .iter()
        .filter(|(id, count)| batches.get(id) != Some(&i64::from(*count)))
        .count();

    let activated: HashSet<String> = sqlx::query_scalar(
        "SELECT sn FROM devices WHERE product_key = $1 AND device_key IS NOT NULL",
    )
    .bind(LABEL_PRODUCT)
    .fetch_all(&db)
    .await
    .expect("read the activated SNs")
    .into_iter()
    .collect();
    checked.activations_lost = acks
        .activated
        .iter()
        .filter(|sn| !activated.contains(*sn))
        .count();

    let bulk: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM devices WHERE product_key = $1 AND device_key IS NOT NULL",
    )
    .bind(BULK_PRODUCT)
    .fetch_one(&db)
    .await
    .expect("count the imported rows");
    checked.bulk_rows_found = bulk as u64;
    if let Some(imported) = &acks.bulk {
        checked.bulk_rows_lost = imported.rows.saturating_sub(bulk as u64);
    }
    db.close().await;
}
