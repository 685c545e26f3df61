//! The sign-up flood: one hostile address making accounts at a fixed rate for the whole run.
//!
//! The server lets an address make 30 accounts per 10 minutes; the rest must be 429
//! `rate_limited`, which are correct answers, not errors. At most 64 requests wait at once
//! (an attacker with 64 connections); a tick that finds all of them waiting is skipped and
//! counted. The accounts the cloud did make are acknowledged writes like any other.

use std::sync::Arc;
use std::time::Duration;

use bindery_core::api::{Credentials, UserCreated};
use tokio::sync::Semaphore;

use crate::tally::Kind;
use crate::traffic::Shared;

/// Flood requests waiting at once.
const IN_FLIGHT: u32 = 64;

/// Floods `/v1/users` with `per_second` sign-ups from `http`'s address, from a twentieth of
/// the way through the run to its end.
pub async fn flood(shared: Arc<Shared>, http: reqwest::Client, per_second: u32) {
    if per_second == 0 {
        return;
    }
    tokio::time::sleep_until(shared.at_fraction(0.05).into()).await;
    let waiting = Arc::new(Semaphore::new(IN_FLIGHT as usize));
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / per_second);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut n = 0u64;
    while shared.next(&mut ticks).await {
        let Ok(permit) = waiting.clone().try_acquire_owned() else {
            shared.tally.note(|notes| notes.flood_skipped += 1);
            continue;
        };
        n += 1;
        let (shared, http) = (shared.clone(), http.clone());
        tokio::spawn(async move {
            let request = http
                .post(format!("{}/v1/users", shared.base))
                .json(&Credentials {
                    email: format!("flood-{n}@example.com"),
                    password: "flood flood flood".into(),
                });
            let answer = shared
                .once(Kind::FloodSignUp, "POST /v1/users", request)
                .await;
            if let Some(answer) = answer.filter(|a| a.status == 201) {
                if let Some(UserCreated { uid }) = shared.read(&answer) {
                    shared.tally.ack(|acks| acks.sign_ups.push(uid));
                }
            }
            // The run's end waits for the permits and then needs `shared` alone.
            drop(shared);
            drop(permit);
        });
    }
    // Every flood request has finished once all permits are back.
    let _ = waiting.acquire_many(IN_FLIGHT).await;
}
