//! Limits that hold when many requests arrive at once: counted events that are reserved
//! before they are checked, and a gate on password hashing.
//!
//! A limit that counts first and records afterwards lets every concurrent request see the
//! same count: 60 simultaneous wrong passwords for one email were all evaluated against a
//! limit of 10. Here a request first writes its event, then counts the events in the window,
//! its own included; the k-th event to be written sees at least k, so at most `max` requests
//! pass whatever the interleaving. A request that is refused removes its event again, so
//! refusals write nothing and an attacker cannot extend a window by hammering it.
//!
//! Every process on one database shares the counts, like the rest of the limits.
//!
//! Password hashing is one thing a request does that costs real memory (19 MiB of argon2
//! each): 150 concurrent anonymous sign-ups once took the server from 12 MB to 3.2 GB. The
//! [`HashGate`] runs at most a few at once; the others wait in a bounded queue, and past it
//! are told to come back. Label archives are the other (tens of MB for a full batch, held
//! more than once while one is made or read back): the [`ArchiveGate`] lets a few be in
//! memory at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bindery_core::ErrorCode;
use sqlx::AnyPool;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::db::{now_ms, random_hex};
use crate::error::ApiError;

/// A limit: at most `max` events of one subject within `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Events allowed within the window.
    pub max: i64,
    /// How far back events count.
    pub window: Duration,
}

impl Limit {
    /// `max` events per `window`.
    pub const fn new(max: i64, window: Duration) -> Limit {
        Limit { max, window }
    }
}

/// Events written by [`reserve`], to [`Reservation::release`] when the request turns out
/// not to count (a sign-in that succeeded).
#[derive(Debug)]
#[must_use = "a reservation counts until released"]
pub struct Reservation {
    ids: Vec<String>,
}

impl Reservation {
    /// Removes the events, as if the request had never been counted.
    pub async fn release(self, writer: &AnyPool) -> Result<(), ApiError> {
        for id in &self.ids {
            sqlx::query("DELETE FROM rate_events WHERE id = $1")
                .bind(id)
                .execute(writer)
                .await?;
        }
        Ok(())
    }
}

/// Counts one event of `kind` for each `(subject, limit)`, then checks every limit with the
/// event included. Within all limits: the events stay and are returned. Past one: they are
/// removed again and the answer is `rate_limited`, with `Retry-After` the seconds until the
/// oldest counted event leaves that limit's window.
pub async fn reserve(
    writer: &AnyPool,
    reader: &AnyPool,
    kind: &str,
    subjects: &[(&str, Limit)],
) -> Result<Reservation, ApiError> {
    let now = now_ms();
    let mut reservation = Reservation { ids: Vec::new() };
    for (subject, _) in subjects {
        let id = random_hex(12);
        sqlx::query("INSERT INTO rate_events (id, kind, subject, at) VALUES ($1, $2, $3, $4)")
            .bind(&id)
            .bind(kind)
            .bind(*subject)
            .bind(now)
            .execute(writer)
            .await?;
        reservation.ids.push(id);
    }
    for (subject, limit) in subjects {
        let since = now - limit.window.as_millis() as i64;
        let (count, oldest): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(MIN(at), 0) FROM rate_events \
             WHERE kind = $1 AND subject = $2 AND at > $3",
        )
        .bind(kind)
        .bind(*subject)
        .bind(since)
        .fetch_one(reader)
        .await?;
        if count > limit.max {
            reservation.release(writer).await?;
            return Err(ApiError::rate_limited(retry_after(
                oldest,
                since,
                limit.window,
            )));
        }
    }
    Ok(reservation)
}

/// Seconds until the event at `oldest` leaves the `window` that starts at `since`.
pub fn retry_after(oldest: i64, since: i64, window: Duration) -> u64 {
    let secs = ((oldest - since).max(0) / 1000 + 1) as u64;
    secs.min(window.as_secs().max(1))
}

/// Removes what no limit or session will read again: events older than `keep`, sign-in
/// failures older than `keep`, and sessions that expired or were revoked before it.
/// Returns how many rows went.
pub async fn prune(writer: &AnyPool, keep: Duration) -> Result<u64, ApiError> {
    let before = now_ms() - keep.as_millis() as i64;
    let mut removed = 0;
    for sql in [
        "DELETE FROM rate_events WHERE at < $1",
        "DELETE FROM login_failures WHERE at < $1",
        "DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1",
    ] {
        removed += sqlx::query(sql)
            .bind(before)
            .execute(writer)
            .await?
            .rows_affected();
    }
    Ok(removed)
}

/// At most `running` password hashes at once, at most `waiting` requests queued for one.
#[derive(Debug)]
pub struct HashGate {
    running: Semaphore,
    queued: AtomicUsize,
    max_queued: usize,
    max_wait: Duration,
}

impl HashGate {
    /// A gate for `running` concurrent hashes and `waiting` queued requests, each of which
    /// waits at most `max_wait`.
    pub fn new(running: usize, waiting: usize, max_wait: Duration) -> HashGate {
        HashGate {
            running: Semaphore::new(running.max(1)),
            queued: AtomicUsize::new(0),
            max_queued: waiting,
            max_wait,
        }
    }

    /// Runs `hash` on a blocking thread once a place is free. A full queue, or a wait past
    /// `max_wait`, answers `unavailable` (503, retry in a few seconds) and costs nothing.
    pub async fn run<T: Send + 'static>(
        &self,
        hash: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let busy = || {
            ApiError::with_message(
                ErrorCode::Unavailable,
                "The cloud is busy checking passwords. Wait a few seconds and try again.",
            )
            .retry_after(2)
        };
        if self.queued.fetch_add(1, Ordering::SeqCst) >= self.max_queued {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            return Err(busy());
        }
        let permit = tokio::time::timeout(self.max_wait, self.running.acquire()).await;
        self.queued.fetch_sub(1, Ordering::SeqCst);
        let Ok(Ok(_permit)) = permit else {
            return Err(busy());
        };
        tokio::task::spawn_blocking(hash)
            .await
            .map_err(|e| ApiError::internal_in("a password hash stopped", e))
    }
}

/// At most a few label archives being made or read back at once, each of which holds a
/// batch's labels several times over (rendered, zipped, sealed; or read, copied, opened).
/// Six concurrent downloads of a 10,000-label batch once took a server to 480 MB.
#[derive(Debug)]
pub struct ArchiveGate {
    places: std::sync::Arc<Semaphore>,
    max_wait: Duration,
}

impl ArchiveGate {
    /// A gate for `at_once` archives; a request waits at most `max_wait` for a place.
    pub fn new(at_once: usize, max_wait: Duration) -> ArchiveGate {
        ArchiveGate {
            places: std::sync::Arc::new(Semaphore::new(at_once.max(1))),
            max_wait,
        }
    }

    /// A place for one archive, kept until the returned permit is dropped. Past `max_wait`
    /// the answer is `unavailable` (503) with `Retry-After`: nothing was made or changed.
    pub async fn enter(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        match tokio::time::timeout(self.max_wait, self.places.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::with_message(
                ErrorCode::Unavailable,
                "The cloud is busy with other label archives. Nothing was changed: try again in a few seconds.",
            )
            .retry_after(5)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_counts_from_the_oldest_event_and_stays_in_the_window() {
        let window = Duration::from_secs(600);
        assert_eq!(retry_after(10_500, 0, window), 11);
        assert_eq!(retry_after(-5, 0, window), 1);
        assert_eq!(retry_after(10_000_000, 0, window), 600);
    }

    #[tokio::test]
    async fn the_gate_runs_a_few_and_turns_away_what_does_not_fit_in_its_queue() {
        let gate = std::sync::Arc::new(HashGate::new(1, 1, Duration::from_secs(5)));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let first = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.run(move || hold.recv().is_ok()).await })
        };
        // The first holds the one place; the second waits in the queue's one place.
        while gate.running.available_permits() != 0 {
            tokio::task::yield_now().await;
        }
        let second = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.run(|| 2).await })
        };
        while gate.queued.load(Ordering::SeqCst) != 1 {
            tokio::task::yield_now().await;
        }
        let third = gate.run(|| 3).await.unwrap_err();
        assert_eq!(third.code(), ErrorCode::Unavailable);
        release.send(()).unwrap();
        assert!(first.await.unwrap().unwrap());
        assert_eq!(second.await.unwrap().unwrap(), 2);
    }

    #[tokio::test]
    async fn the_archive_gate_lets_a_few_in_and_asks_the_rest_to_come_back() {
        let gate = ArchiveGate::new(2, Duration::from_millis(50));
        let first = gate.enter().await.unwrap();
        let _second = gate.enter().await.unwrap();
        let third = gate.enter().await.unwrap_err();
        assert_eq!(third.code(), ErrorCode::Unavailable);
        drop(first);
        let _fourth = gate.enter().await.unwrap();
    }
}
