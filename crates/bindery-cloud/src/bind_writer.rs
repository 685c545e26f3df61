//! Group commit of bind outcomes: the binding (if the checks passed) and the attempt record of
//! every bind go to one writer task per process, which writes all the binds waiting at that
//! moment in one transaction and answers each of them after the commit. It is its own module,
//! below both the state that owns the writer and the bind API that sends it binds, so that
//! neither of those imports the other.
//!
//! Why: a bind writes two rows (the binding and its attempt). On SQLite all writes go through
//! one connection, and written one bind at a time they were the ceiling of the bind rate
//! (≈ 1,200 binds/s here, whatever the CPU did: every statement is a round trip to SQLite's
//! worker thread and every commit a WAL append). Batched, a transaction costs four statements
//! however many binds it carries, so the writer keeps up with the readers.
//!
//! Nothing of docs/product.md §5 is loosened: the unique index on a binding's device (product
//! key and SN) still decides who gets it (the batch is one `INSERT … ON CONFLICT DO NOTHING
//! RETURNING binding_id`, then the holders of the devices that were not inserted are read in
//! the same transaction, by did: one per device); a caller is answered only after its rows
//! are committed; every attempt is recorded with its result code and request id in the same
//! transaction as its binding, so the rate-limit counts in the database are as current as
//! before. On PostgreSQL the rows of a batch are inserted in did order so two processes'
//! batches cannot deadlock on each other's index entries.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use bindery_core::{ErrorCode, ProductKey, Sn};
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use crate::db::{placeholders, values_rows, Backend};

/// Most binds written in one transaction.
const MAX_BATCH: usize = 128;

/// Result codes that count towards the failed-bind limits: the ones a guesser produces.
pub(crate) fn counts_as_failure(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::BadBindCode
            | ErrorCode::SnNotFound
            | ErrorCode::SnNotActivated
            | ErrorCode::AlreadyBound
            | ErrorCode::BadQrContent
    )
}

/// Why a bind could not be written. The caller answers `internal`; the cause is logged.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BindWriteError {
    /// The transaction of this bind (written alone, after its batch failed) failed.
    #[error("cannot write the bind")]
    Database(#[source] sqlx::Error),
    /// The writer task ended before it answered.
    #[error("the bind writer stopped")]
    Stopped,
    /// No writer task could be started on this runtime.
    #[error("cannot start the bind writer")]
    NotStarted,
}

impl From<BindWriteError> for crate::error::ApiError {
    fn from(e: BindWriteError) -> Self {
        match e {
            // A busy database (SQLite's one writer held by an import) is `unavailable`, as
            // for any other query.
            BindWriteError::Database(e) => e.into(),
            other => crate::error::ApiError::internal(other),
        }
    }
}

/// A binding to create.
#[derive(Debug, Clone)]
pub(crate) struct NewBinding {
    /// The device's id (the same for every owner).
    pub did: String,
    /// This binding's own id (`bnd_…`): two binds of one device in one batch share the did,
    /// so the insert's answer names bindings by this.
    pub binding_id: String,
    pub product_key: String,
    pub sn: String,
    pub uid: String,
    pub name: String,
    pub bound_at: i64,
}

/// One bind attempt as the support view shows it.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pub attempt_id: String,
    pub at: i64,
    pub uid: String,
    pub address: String,
    /// The device's product and SN, once the label named one.
    pub device: Option<(ProductKey, Sn)>,
    pub request_id: String,
    /// Why the bind was refused before anything was written; `None` when it goes on to
    /// [`BindWrite::binding`].
    pub refusal: Option<ErrorCode>,
}

/// What one bind asks the writer to do.
#[derive(Debug, Clone)]
pub(crate) struct BindWrite {
    pub binding: Option<NewBinding>,
    pub attempt: Attempt,
}

/// What the writer did with a [`BindWrite`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Written {
    /// Only the (refused) attempt was recorded.
    Recorded,
    /// The binding was created.
    Bound,
    /// The device was already bound to this account (a retry): the binding that exists.
    AlreadyYours {
        did: String,
        name: String,
        bound_at: i64,
    },
    /// The device is bound to another account.
    AlreadyBound,
    /// The device's binding disappeared between the insert and the read (an unbind committed in
    /// between, PostgreSQL only): nothing was written, try again.
    Vanished,
}

/// The result code recorded for an attempt, and whether it counts towards the rate limits.
fn result_of(attempt: &Attempt, written: &Written) -> (&'static str, i64) {
    let code = match (attempt.refusal, written) {
        (Some(code), _) => Some(code),
        (None, Written::AlreadyBound) => Some(ErrorCode::AlreadyBound),
        (None, _) => None,
    };
    (
        code.map_or("ok", ErrorCode::as_str),
        i64::from(code.is_some_and(counts_as_failure)),
    )
}

struct Job {
    write: BindWrite,
    reply: oneshot::Sender<Result<Written, BindWriteError>>,
}

/// The handle on this process's bind writer. The task is started on first use in the
/// current Tokio runtime (and again if that runtime has gone away).
pub(crate) struct BindWriter {
    pool: AnyPool,
    backend: Backend,
    queue: Mutex<Option<mpsc::Sender<Job>>>,
}

impl BindWriter {
    pub fn new(pool: AnyPool, backend: Backend) -> Self {
        BindWriter {
            pool,
            backend,
            queue: Mutex::new(None),
        }
    }

    fn sender(&self, renew: bool) -> mpsc::Sender<Job> {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        match queue.as_ref() {
            Some(tx) if !renew && !tx.is_closed() => tx.clone(),
            _ => {
                let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
                tokio::spawn(run(self.pool.clone(), self.backend, rx));
                *queue = Some(tx.clone());
                tx
            }
        }
    }

    /// Writes `write` (with whatever else is waiting) and answers once it is committed.
    pub async fn write(&self, write: BindWrite) -> Result<Written, BindWriteError> {
        let mut job = write;
        for renew in [false, true] {
            let (reply, answer) = oneshot::channel();
            match self.sender(renew).send(Job { write: job, reply }).await {
                Ok(()) => return answer.await.map_err(|_| BindWriteError::Stopped)?,
                // The task's runtime is gone: start another one here.
                Err(mpsc::error::SendError(back)) => job = back.write,
            }
        }
        Err(BindWriteError::NotStarted)
    }
}

async fn run(pool: AnyPool, backend: Backend, mut rx: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let writes: Vec<&BindWrite> = jobs.iter().map(|j| &j.write).collect();
        match write_batch(&pool, backend, &writes).await {
            Ok(results) => {
                for (job, result) in jobs.drain(..).zip(results) {
                    let _ = job.reply.send(Ok(result));
                }
            }
            // One bad bind must not sink the others: write them one by one.
            Err(e) => {
                tracing::warn!(error = %e, binds = jobs.len(), "bind batch failed; writing its binds one by one");
                for job in jobs.drain(..) {
                    let result = write_batch(&pool, backend, &[&job.write])
                        .await
                        .map(|mut r| r.remove(0))
                        .map_err(BindWriteError::Database);
                    let _ = job.reply.send(result);
                }
            }
        }
    }
}

/// The binding that holds a device.
#[derive(sqlx::FromRow)]
struct Holder {
    did: String,
    uid: String,
    name: String,
    bound_at: i64,
}

/// Writes `writes` in one transaction; the answers are in the same order.
async fn write_batch(
    pool: &AnyPool,
    backend: Backend,
    writes: &[&BindWrite],
) -> Result<Vec<Written>, sqlx::Error> {
    let mut results = vec![Written::Recorded; writes.len()];
    let mut tx = pool.begin().await?;

    // The first bind of each device (one did per device) in the batch is inserted, in did
    // order; the others, and the ones the index refuses, learn the holder below.
    let mut first_of_device: HashMap<&str, usize> = HashMap::new();
    for (i, w) in writes.iter().enumerate() {
        if let Some(b) = &w.binding {
            first_of_device.entry(b.did.as_str()).or_insert(i);
        }
    }
    let mut inserting: Vec<&NewBinding> = first_of_device
        .values()
        .filter_map(|&i| writes[i].binding.as_ref())
        .collect();
    inserting.sort_by(|a, b| a.did.cmp(&b.did));
    let mut inserted: HashSet<String> = HashSet::new();
    if !inserting.is_empty() {
        let rows = values_rows(backend, inserting.len(), 7);
        // No conflict target: a device's did is the same for every bind, so another process's
        // binding of the device collides on `did` as well as on (product_key, sn), and both
        // must be absorbed (PostgreSQL raises a conflict on any index other than a named
        // target).
        let sql = format!(
            "INSERT INTO bindings (binding_id, did, product_key, sn, uid, name, bound_at) \
             VALUES {rows} ON CONFLICT DO NOTHING RETURNING binding_id"
        );
        let mut query = sqlx::query_scalar(&sql);
        for b in &inserting {
            query = query
                .bind(b.binding_id.as_str())
                .bind(b.did.as_str())
                .bind(b.product_key.as_str())
                .bind(b.sn.as_str())
                .bind(b.uid.as_str())
                .bind(b.name.as_str())
                .bind(b.bound_at);
        }
        inserted = query.fetch_all(&mut *tx).await?.into_iter().collect();
    }

    let mut pending: Vec<usize> = Vec::new();
    for (i, w) in writes.iter().enumerate() {
        if let Some(b) = &w.binding {
            if inserted.contains(&b.binding_id) {
                results[i] = Written::Bound;
            } else {
                pending.push(i);
            }
        }
    }
    if !pending.is_empty() {
        let mut dids: Vec<&str> = pending
            .iter()
            .filter_map(|&i| writes[i].binding.as_ref().map(|b| b.did.as_str()))
            .collect();
        dids.sort_unstable();
        dids.dedup();
        let sql = format!(
            "SELECT did, uid, name, bound_at FROM bindings WHERE did IN ({})",
            placeholders(backend, 1, dids.len())
        );
        let mut query = sqlx::query_as::<_, Holder>(&sql);
        for did in &dids {
            query = query.bind(*did);
        }
        let holders: HashMap<String, Holder> = query
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|holder| (holder.did.clone(), holder))
            .collect();
        for i in pending {
            let Some(b) = &writes[i].binding else {
                continue;
            };
            results[i] = match holders.get(&b.did) {
                Some(holder) if holder.uid == b.uid => Written::AlreadyYours {
                    did: holder.did.clone(),
                    name: holder.name.clone(),
                    bound_at: holder.bound_at,
                },
                Some(_) => Written::AlreadyBound,
                None => Written::Vanished,
            };
        }
    }

    // A vanished bind is retried by its caller, which records its attempt then.
    let recording: Vec<usize> = (0..writes.len())
        .filter(|&i| results[i] != Written::Vanished)
        .collect();
    if !recording.is_empty() {
        let rows = values_rows(backend, recording.len(), 9);
        let sql = format!(
            "INSERT INTO bind_attempts \
             (attempt_id, at, uid, address, product_key, sn, result, failed, request_id) \
             VALUES {rows}"
        );
        let mut query = sqlx::query(&sql);
        for &i in &recording {
            let a = &writes[i].attempt;
            let (result, failed) = result_of(a, &results[i]);
            query = query
                .bind(a.attempt_id.as_str())
                .bind(a.at)
                .bind(a.uid.as_str())
                .bind(a.address.as_str())
                .bind(a.device.as_ref().map(|(pk, _)| pk.as_str().to_owned()))
                .bind(a.device.as_ref().map(|(_, sn)| sn.as_str().to_owned()))
                .bind(result)
                .bind(failed)
                .bind(a.request_id.as_str());
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(results)
}
