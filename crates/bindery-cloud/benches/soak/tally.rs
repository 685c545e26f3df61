//! What the clients saw: one record per HTTP attempt, the details of every 5xx and every
//! request that got no answer, and every write the cloud acknowledged.
//!
//! Times are offsets from the start of the traffic, so the report can tell what happened
//! while the import ran or while the server was down.

use std::sync::Mutex;
use std::time::Duration;

/// What a request was for, in the words of the people sending it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// An app user signs in with the right password.
    SignIn,
    /// An app user mistypes the password.
    WrongPassword,
    /// An app user signs the old session out.
    SignOut,
    /// A newcomer makes an account.
    SignUp,
    /// The hostile address makes accounts as fast as it can.
    FloodSignUp,
    /// An app user scans a label before binding it.
    Inspect,
    /// An app user binds a fresh device.
    Bind,
    /// An app user scans a device someone else already holds.
    TakenBind,
    /// An app user opens Home: the list of their devices.
    List,
    /// The maker makes an SN batch.
    Batch,
    /// The maker downloads a batch's label archive.
    Archive,
    /// The maker lists the product's batches.
    Batches,
    /// The maker imports the DeviceKeys that activate a batch.
    Activate,
    /// The maker imports a million devices.
    BigImport,
}

impl Kind {
    /// Every kind, in the report's order.
    pub const ALL: [Kind; 14] = [
        Kind::Bind,
        Kind::Inspect,
        Kind::List,
        Kind::TakenBind,
        Kind::SignIn,
        Kind::WrongPassword,
        Kind::SignOut,
        Kind::SignUp,
        Kind::FloodSignUp,
        Kind::Batch,
        Kind::Archive,
        Kind::Batches,
        Kind::Activate,
        Kind::BigImport,
    ];

    /// The report's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::SignIn => "sign-in",
            Kind::WrongPassword => "sign-in, wrong password",
            Kind::SignOut => "sign-out",
            Kind::SignUp => "sign-up",
            Kind::FloodSignUp => "sign-up flood (1 address)",
            Kind::Inspect => "inspect",
            Kind::Bind => "bind",
            Kind::TakenBind => "bind, someone else's",
            Kind::List => "list bindings",
            Kind::Batch => "SN batch (500)",
            Kind::Archive => "batch archive",
            Kind::Batches => "list batches",
            Kind::Activate => "activation import (500)",
            Kind::BigImport => "import (big)",
        }
    }

    /// The answers that are right for it. A sign-up retried after a lost answer may find its
    /// own account (409); the flood is meant to meet the limit (429).
    pub fn expected(self, status: u16) -> bool {
        match self {
            Kind::SignIn | Kind::Batch => status == 201,
            Kind::WrongPassword => status == 401,
            Kind::SignOut => status == 204,
            Kind::SignUp => matches!(status, 201 | 409),
            Kind::FloodSignUp => matches!(status, 201 | 429),
            Kind::Bind => matches!(status, 200 | 201),
            Kind::TakenBind => status == 409,
            Kind::Inspect
            | Kind::List
            | Kind::Archive
            | Kind::Batches
            | Kind::Activate
            | Kind::BigImport => status == 200,
        }
    }
}

/// One HTTP attempt.
#[derive(Debug, Clone, Copy)]
pub struct Record {
    /// What it was for.
    pub kind: Kind,
    /// When it was sent.
    pub at: Duration,
    /// How long until its answer was read (or the connection failed).
    pub took: Duration,
    /// The answer's status; `None` when none came (refused, reset, timed out).
    pub status: Option<u16>,
}

impl Record {
    /// When it ended.
    pub fn end(&self) -> Duration {
        self.at + self.took
    }
}

/// A 5xx or a missing answer, with what the report lists about it.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The attempt.
    pub record: Record,
    /// Method and path.
    pub path: &'static str,
    /// The answer's body (cut), or the client's error.
    pub detail: String,
}

/// A bind the cloud acknowledged (201, or 200 for a retry it recognised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckedBind {
    /// The account it was acknowledged to.
    pub uid: String,
    /// The device.
    pub sn: String,
    /// The device id in the answer.
    pub did: String,
}

/// The big import, acknowledged.
#[derive(Debug, Clone, Copy)]
pub struct AckedImport {
    /// Rows the answer says were imported.
    pub rows: u64,
    /// When the acknowledged attempt was sent.
    pub at: Duration,
    /// When it was answered.
    pub end: Duration,
}

/// Every write the cloud acknowledged.
#[derive(Debug, Default, Clone)]
pub struct Acks {
    /// Binds (201 or 200).
    pub binds: Vec<AckedBind>,
    /// Accounts made (201), by account id.
    pub sign_ups: Vec<String>,
    /// Batches made (201): id and size.
    pub batches: Vec<(String, u32)>,
    /// SNs activated by acknowledged imports.
    pub activated: Vec<String>,
    /// Activation imports acknowledged.
    pub activations: usize,
    /// The big import.
    pub bulk: Option<AckedImport>,
}

impl Acks {
    /// How many acknowledged writes there are to check.
    pub fn count(&self) -> usize {
        self.binds.len()
            + self.sign_ups.len()
            + self.batches.len()
            + self.activations
            + usize::from(self.bulk.is_some())
    }
}

/// Things the clients noticed that are not one request's status.
#[derive(Debug, Default, Clone)]
pub struct Notes {
    /// Lists that lacked a device the same user had been acknowledged before sending it.
    pub lists_missing_binds: usize,
    /// Binds skipped because every prepared label was used.
    pub labels_ran_out: usize,
    /// Flood ticks skipped because 64 flood requests were already waiting.
    pub flood_skipped: usize,
    /// Downloads of the first batch's archive after the restart that did not hold its labels.
    pub archives_unreadable: usize,
    /// Answers that could not be read as the documented JSON.
    pub unreadable_bodies: usize,
}

/// Everything recorded during a run; shared by every client task.
#[derive(Debug, Default)]
pub struct Tally {
    /// Every attempt.
    pub records: Mutex<Vec<Record>>,
    /// The 5xx and missing answers (the first few hundred).
    pub problems: Mutex<Vec<Problem>>,
    /// Acknowledged writes.
    pub acks: Mutex<Acks>,
    /// Everything else.
    pub notes: Mutex<Notes>,
}

/// Problems kept in full; beyond them only counted.
const PROBLEMS_KEPT: usize = 500;

impl Tally {
    /// Records one attempt (and its details when it is a problem).
    pub fn record(&self, record: Record, path: &'static str, detail: impl FnOnce() -> String) {
        self.records.lock().unwrap().push(record);
        let problem = record.status.is_none_or(|s| s >= 500);
        if problem {
            let mut problems = self.problems.lock().unwrap();
            if problems.len() < PROBLEMS_KEPT {
                problems.push(Problem {
                    record,
                    path,
                    detail: detail(),
                });
            }
        }
    }

    /// Changes the notes.
    pub fn note(&self, change: impl FnOnce(&mut Notes)) {
        change(&mut self.notes.lock().unwrap());
    }

    /// Adds acknowledged writes.
    pub fn ack(&self, change: impl FnOnce(&mut Acks)) {
        change(&mut self.acks.lock().unwrap());
    }
}
