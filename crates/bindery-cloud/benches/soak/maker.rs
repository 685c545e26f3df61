//! The maker at their office: SN batches made, downloaded and activated through the run, and
//! one import of a million devices.
//!
//! After the restart the maker also downloads the archive of the batch made before the run:
//! it is sealed with the archive key, so a restarted process with the same key must open it.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use bindery_core::api::{Batch, CreateBatch, ImportReport};

use crate::setup::{activation_csv, client_from, labels_of, BULK_PRODUCT, LABEL_PRODUCT};
use crate::tally::{AckedImport, Kind};
use crate::traffic::Shared;
use crate::MAKER_ADDRESS;

/// What the maker works with.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Their developer key.
    pub api_key: String,
    /// The batch made before the run.
    pub first_batch: String,
    /// The big import's file.
    pub bulk_csv: Bytes,
    /// Its rows.
    pub bulk_rows: u64,
}

/// Labels in each batch made during the run.
const BATCH: u32 = 500;
/// A batch is made this often.
const BATCH_EVERY: Duration = Duration::from_secs(30);

/// Every 30 s from a tenth of the way through the run: a batch of 500, its archive, the
/// import that activates it (its labels then go to the users), the product's batch list, and
/// the archive of the batch made before the run.
pub async fn batches(shared: Arc<Shared>, plan: Plan) {
    let http = client_from(MAKER_ADDRESS);
    let mut next_mac = 0x0b00_0000_0000u64;
    let first = shared.at_fraction(0.1);
    let mut rounds = tokio::time::interval_at(first.into(), BATCH_EVERY);
    rounds.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while shared.next(&mut rounds).await {
        batch_round(&shared, &http, &plan, &mut next_mac).await;
        let key = plan.api_key.as_str();
        shared
            .until_answered(Kind::Batches, "GET /v1/products/{pk}/sn-batches", || {
                http.get(format!(
                    "{}/v1/products/{LABEL_PRODUCT}/sn-batches",
                    shared.base
                ))
                .header("x-api-key", key)
            })
            .await;
        let answer = shared
            .until_answered(Kind::Archive, "GET /v1/sn-batches/{id}/archive", || {
                http.get(format!(
                    "{}/v1/sn-batches/{}/archive",
                    shared.base, plan.first_batch
                ))
                .header("x-api-key", key)
            })
            .await;
        if let Some(answer) = answer.filter(|a| a.status == 200) {
            let labels = labels_of(&answer.body).map_or(0, |l| l.len());
            if labels != bindery_core::api::MAX_BATCH_COUNT as usize {
                shared.tally.note(|n| n.archives_unreadable += 1);
            }
        }
    }
}

/// One batch: made, downloaded, activated; its labels join the users' pool.
async fn batch_round(shared: &Shared, http: &reqwest::Client, plan: &Plan, next_mac: &mut u64) {
    let key = plan.api_key.as_str();
    // Not retried blindly: a batch made but unanswered would be a second batch. The maker
    // tries again next round.
    let made = shared
        .once(
            Kind::Batch,
            "POST /v1/products/{pk}/sn-batches",
            http.post(format!(
                "{}/v1/products/{LABEL_PRODUCT}/sn-batches",
                shared.base
            ))
            .header("x-api-key", key)
            .json(&CreateBatch { count: BATCH }),
        )
        .await;
    let Some(answer) = made.filter(|a| a.status == 201) else {
        return;
    };
    let Some(batch) = shared.read::<Batch>(&answer) else {
        return;
    };
    shared
        .tally
        .ack(|acks| acks.batches.push((batch.batch_id.clone(), batch.count)));
    let archive = shared
        .until_answered(Kind::Archive, "GET /v1/sn-batches/{id}/archive", || {
            http.get(format!(
                "{}/v1/sn-batches/{}/archive",
                shared.base, batch.batch_id
            ))
            .header("x-api-key", key)
        })
        .await;
    let Some(archive) = archive.filter(|a| a.status == 200) else {
        return;
    };
    let Some(labels) = labels_of(&archive.body) else {
        shared.tally.note(|n| n.archives_unreadable += 1);
        return;
    };
    let csv = activation_csv(&labels, next_mac);
    // An activation is atomic: retried after a lost answer, it is either done once
    // (imported = 500) or was done already (then refused row by row; not acknowledged).
    let answer = shared
        .until_answered(
            Kind::Activate,
            "POST /v1/products/{pk}/devices/import",
            || {
                http.post(format!(
                    "{}/v1/products/{LABEL_PRODUCT}/devices/import",
                    shared.base
                ))
                .header("x-api-key", key)
                .header("content-type", "text/csv")
                .body(csv.clone())
            },
        )
        .await;
    let Some(answer) = answer.filter(|a| a.status == 200) else {
        return;
    };
    let Some(report) = shared.read::<ImportReport>(&answer) else {
        return;
    };
    if report.imported == u64::from(BATCH) {
        let (sns, contents): (Vec<String>, Vec<String>) = labels.into_iter().unzip();
        shared.tally.ack(|acks| {
            acks.activated.extend(sns);
            acks.activations += 1;
        });
        shared.labels.fresh.lock().unwrap().extend(contents);
    }
}

/// The million-row import at a fifth of the way through the run, retried after a lost answer
/// or a 503 until it is answered.
pub async fn big_import(shared: Arc<Shared>, plan: Plan) {
    let http = client_from(MAKER_ADDRESS);
    tokio::time::sleep_until(shared.at_fraction(0.2).into()).await;
    tracing::info!(rows = plan.bulk_rows, "the maker starts the big import");
    loop {
        let at = shared.started.elapsed();
        let answer = shared
            .once(
                Kind::BigImport,
                "POST /v1/products/{pk}/devices/import",
                http.post(format!(
                    "{}/v1/products/{BULK_PRODUCT}/devices/import",
                    shared.base
                ))
                .header("x-api-key", &plan.api_key)
                .header("content-type", "text/csv")
                .body(plan.bulk_csv.clone()),
            )
            .await;
        let end = shared.started.elapsed();
        let pause = match answer {
            Some(answer) if answer.status == 200 => {
                if let Some(report) = shared.read::<ImportReport>(&answer) {
                    tracing::info!(
                        imported = report.imported,
                        rejected = report.rejected.len(),
                        seconds = (end - at).as_secs_f64(),
                        "the big import was answered"
                    );
                    if report.imported == plan.bulk_rows {
                        shared.tally.ack(|acks| {
                            acks.bulk = Some(AckedImport {
                                rows: report.imported,
                                at,
                                end,
                            })
                        });
                    }
                }
                return;
            }
            Some(answer) if answer.status == 503 => {
                Duration::from_secs(answer.retry_after.unwrap_or(1).clamp(1, 5))
            }
            Some(_) => return,
            None => Duration::from_secs(1),
        };
        if !shared.running() {
            return;
        }
        tokio::time::sleep(pause).await;
    }
}
