//! The run: every client task at once against the server under test, the kill in the
//! middle, and the peak-memory sampler.
//!
//! The clients behave like the apps and the maker's tools they stand for: they retry a
//! request that got no answer (the server was down) or a 503 (after its `Retry-After`), and
//! keep going. Every attempt is recorded, so the report can say which failures fell in the
//! kill window and which did not.
//!
//! Who sends what, and why at these rates (the per-address limits are the server's
//! defaults; all clients are on loopback, and each group binds its connections to its own
//! 127.0.0.x so the server sees distinct addresses, as it would see households behind NAT):
//! - app users ([`crate::app_users`]) on a few addresses: a bind per tick, an inspect every
//!   ≥ 10 s (inspects count 600 per address and 120 per account per 10 minutes; ten users
//!   of one address at that pace stay under both), a list every 10 s, a sign-in every 30 s
//!   (one in six after a wrong password: sign-in failures count 100 per address and 10 per
//!   email and address per 15 minutes), and every 90 s a device someone else holds (failed
//!   binds count 10 per account per 10 minutes);
//! - one newcomer per user address every 40 s: sign up, sign in, inspect, bind, list (with
//!   the users made by the setup this stays under the 30 sign-ups per address per 10 min);
//! - the flood ([`crate::flood`]) from its own address: sign-ups at a fixed rate, which meet
//!   the sign-up limit after 30;
//! - the maker ([`crate::maker`]) from its office: a batch of 500 with its archive and
//!   activation every 30 s, and the million-row import at a fifth of the run.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use tokio::sync::Mutex as AsyncMutex;

use crate::cloud::{Cloud, Incarnation, SAMPLE_EVERY};
use crate::setup::{client_from, Prepared};
use crate::tally::{Acks, Kind, Notes, Problem, Record, Tally};
use crate::{app_users, flood, maker, Args, FLOOD_ADDRESS};

/// A server's answer, read in full.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Its status.
    pub status: u16,
    /// Its `Retry-After`, in seconds.
    pub retry_after: Option<u64>,
    /// Its body.
    pub body: Bytes,
}

/// Labels the users draw from and the bound ones the "someone else's" binds use.
#[derive(Debug, Default)]
pub struct Labels {
    /// Activated labels nobody has tried yet.
    pub fresh: Mutex<VecDeque<String>>,
    /// Labels acknowledged as bound, with the account holding them.
    pub bound: Mutex<Vec<(String, String)>>,
}

/// What every client task shares.
pub struct Shared {
    /// The server's base URL (the same across restarts).
    pub base: String,
    /// When the traffic started; records are offsets from it.
    pub started: Instant,
    /// When the traffic stops.
    pub deadline: Instant,
    /// What was recorded.
    pub tally: Tally,
    /// The labels.
    pub labels: Labels,
    /// Each account's newest session token, for the check through the API at the end.
    pub tokens: Mutex<HashMap<String, String>>,
}

impl Shared {
    /// Whether the traffic still runs.
    pub fn running(&self) -> bool {
        Instant::now() < self.deadline
    }

    /// Waits for the next of `ticks`, but not past the run's end; whether the run goes on.
    pub async fn next(&self, ticks: &mut tokio::time::Interval) -> bool {
        let ticked = tokio::time::timeout_at(self.deadline.into(), ticks.tick()).await;
        ticked.is_ok() && self.running()
    }

    /// The time `fraction` of the way through the run.
    pub fn at_fraction(&self, fraction: f64) -> Instant {
        self.started + (self.deadline - self.started).mul_f64(fraction)
    }

    /// Sends `request` once and records the attempt; the answer, or `None` when none came.
    pub async fn once(
        &self,
        kind: Kind,
        path: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Option<Answer> {
        let at = self.started.elapsed();
        let sent = Instant::now();
        let result = async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok());
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>(Answer {
                status,
                retry_after,
                body,
            })
        }
        .await;
        let took = sent.elapsed();
        let status = result.as_ref().ok().map(|a| a.status);
        self.tally.record(
            Record {
                kind,
                at,
                took,
                status,
            },
            path,
            || match &result {
                Ok(answer) => {
                    String::from_utf8_lossy(&answer.body[..answer.body.len().min(300)]).into_owned()
                }
                Err(error) => error_chain(error),
            },
        );
        result.ok()
    }

    /// Sends the request `make` builds until it is answered with something other than 503,
    /// retrying a missing answer after 200 ms and a 503 after its `Retry-After` (at most
    /// 5 s), as an app would, while the run lasts.
    pub async fn until_answered(
        &self,
        kind: Kind,
        path: &'static str,
        make: impl Fn() -> reqwest::RequestBuilder,
    ) -> Option<Answer> {
        loop {
            let pause = match self.once(kind, path, make()).await {
                Some(answer) if answer.status == 503 => {
                    Duration::from_secs(answer.retry_after.unwrap_or(1).clamp(1, 5))
                }
                Some(answer) => return Some(answer),
                None => Duration::from_millis(200),
            };
            if !self.running() {
                return None;
            }
            tokio::time::sleep(pause).await;
        }
    }

    /// Reads an answer's body as `T`, noting it when it cannot be read.
    pub fn read<T: serde::de::DeserializeOwned>(&self, answer: &Answer) -> Option<T> {
        let read = serde_json::from_slice(&answer.body).ok();
        if read.is_none() {
            self.tally.note(|n| n.unreadable_bodies += 1);
        }
        read
    }
}

/// An error and its causes on one line (reqwest's own text hides the cause).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A small deterministic generator, so each client's schedule is spread out the same way
/// from run to run.
#[derive(Debug, Clone)]
pub struct Dice(u64);

impl Dice {
    /// A generator for client `n`.
    pub fn new(n: u64) -> Dice {
        Dice(n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) % n.max(1)
    }

    /// A duration in `0..max`.
    pub fn within(&mut self, max: Duration) -> Duration {
        Duration::from_millis(self.below(max.as_millis() as u64))
    }
}

/// The server's downtime: from the SIGKILL until the next incarnation answered.
#[derive(Debug, Clone, Copy)]
pub struct KillWindow {
    /// When SIGKILL was sent.
    pub killed: Duration,
    /// When the new process answered `/healthz`.
    pub answering: Duration,
}

/// Requests sent this soon after the restart still count as the kill's: a connection pooled
/// before the kill may only then turn out dead.
pub const KILL_GRACE: Duration = Duration::from_secs(1);

impl KillWindow {
    /// Whether an attempt overlapped the downtime.
    pub fn covers(&self, record: &Record) -> bool {
        record.at < self.answering + KILL_GRACE && record.end() > self.killed
    }
}

/// What the run produced.
pub struct Outcome {
    /// Every attempt.
    pub records: Vec<Record>,
    /// The 5xx and missing answers.
    pub problems: Vec<Problem>,
    /// Acknowledged writes.
    pub acks: Acks,
    /// Other observations.
    pub notes: Notes,
    /// Each account's newest token.
    pub tokens: HashMap<String, String>,
    /// The server's downtimes.
    pub kills: Vec<KillWindow>,
    /// The server's processes (filled in once the last is stopped).
    pub incarnations: Vec<Incarnation>,
    /// How long the traffic ran.
    pub ran: Duration,
    /// How long the setup took.
    pub setup_took: Duration,
    /// Labels prepared before the run.
    pub labels_prepared: usize,
    /// The machine's 1-minute load average: at the start, and the highest seen.
    pub load: (f64, f64),
}

/// Runs every client against `cloud` for the run's duration, with the kill in the middle.
/// Returns what happened and the cloud, still serving (the check through the API uses it).
pub async fn run(args: &Args, cloud: Cloud, prepared: Prepared) -> (Outcome, Cloud) {
    let started = Instant::now();
    let shared = Arc::new(Shared {
        base: cloud.base.clone(),
        started,
        deadline: started + args.duration(),
        tally: Tally::default(),
        labels: Labels::default(),
        tokens: Mutex::new(HashMap::new()),
    });
    let labels_prepared = prepared.labels.len();
    *shared.labels.fresh.lock().unwrap() = prepared.labels;
    shared.tally.ack(|acks| {
        acks.sign_ups
            .extend(prepared.users.iter().map(|u| u.uid.clone()));
        acks.batches.extend(prepared.batches.iter().cloned());
        acks.activated.extend(prepared.activated.iter().cloned());
        acks.activations += prepared.batches.len();
    });
    let cloud = Arc::new(AsyncMutex::new(cloud));

    let mut clients = tokio::task::JoinSet::new();
    let user_clients: Vec<_> = (0..usize::from(args.addresses))
        .map(|n| client_from(args.user_address(n)))
        .collect();
    let users_per_address = args.users.div_ceil(usize::from(args.addresses)) as u32;
    let inspect_every =
        Duration::from_secs(10).max(Duration::from_millis(1250) * users_per_address);
    for (n, user) in prepared.users.into_iter().enumerate() {
        let http = user_clients[user.address].clone();
        let plan = app_users::Plan {
            bind_every: Duration::from_millis(args.bind_every_ms),
            inspect_every,
        };
        clients.spawn(app_users::app_user(
            shared.clone(),
            http,
            user,
            plan,
            n as u64,
        ));
    }
    for (n, http) in user_clients.iter().enumerate() {
        clients.spawn(app_users::newcomers(shared.clone(), http.clone(), n));
    }
    clients.spawn(flood::flood(
        shared.clone(),
        client_from(FLOOD_ADDRESS),
        args.flood_per_second,
    ));
    let maker_plan = maker::Plan {
        api_key: prepared.api_key.clone(),
        first_batch: prepared.first_batch.clone(),
        bulk_csv: prepared.bulk_csv.clone(),
        bulk_rows: args.import_rows,
    };
    clients.spawn(maker::batches(shared.clone(), maker_plan.clone()));
    clients.spawn(maker::big_import(shared.clone(), maker_plan));

    // The sampler: peak memory of whichever process is serving, and the machine's load.
    let sampler = {
        let (cloud, shared) = (cloud.clone(), shared.clone());
        tokio::spawn(async move {
            let mut load = (load_average(), load_average());
            let mut every = tokio::time::interval(SAMPLE_EVERY);
            while shared.running() {
                every.tick().await;
                cloud.lock().await.sample().await;
                load.1 = load.1.max(load_average());
            }
            load
        })
    };

    // The kill, half way through.
    tokio::time::sleep_until(shared.at_fraction(0.5).into()).await;
    let (killed, answering) = cloud.lock().await.kill_and_restart().await;
    let kill = KillWindow {
        killed: killed - started,
        answering: answering - started,
    };
    tracing::info!(
        down_ms = (kill.answering - kill.killed).as_millis() as u64,
        "killed the server with SIGKILL and started it again"
    );

    while let Some(joined) = clients.join_next().await {
        joined.expect("a client task");
    }
    let load = sampler.await.expect("the sampler");
    let ran = started.elapsed();
    let cloud = Arc::into_inner(cloud)
        .expect("nobody else holds the cloud")
        .into_inner();
    let shared = Arc::into_inner(shared).expect("every client is done");
    let tally = shared.tally;
    let outcome = Outcome {
        records: tally.records.into_inner().unwrap(),
        problems: tally.problems.into_inner().unwrap(),
        acks: tally.acks.into_inner().unwrap(),
        notes: tally.notes.into_inner().unwrap(),
        tokens: shared.tokens.into_inner().unwrap(),
        kills: vec![kill],
        incarnations: Vec::new(),
        ran,
        setup_took: prepared.setup_took,
        labels_prepared,
        load,
    };
    (outcome, cloud)
}

/// The machine's 1-minute load average.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|l| l.parse().ok()))
        .unwrap_or(0.0)
}
