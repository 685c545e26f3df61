//! The optimistic way's reader: reads and checks the file on a blocking thread and hands the
//! good rows to the database in chunks, in the text form each backend loads fastest, while
//! it reads on. It stops at the first refused row, since the file then takes the checked way.
//! Rows already checked against the database can be handed over the same way
//! ([`chunk_rows`]).

use std::sync::Arc;

use bindery_core::ProductKey;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::check::{GoodRow, RowChecker};
use super::rows::{read_rows, ImportFile};
use crate::error::ApiError;

/// How the optimistic way hands rows to one backend: the text of a chunk of rows in the form
/// that backend loads fastest.
pub(super) trait ChunkFormat: Send + 'static {
    /// Starts a chunk in the empty `text`.
    fn open(&self, text: &mut String);
    /// Adds `row`, the `index`th of the chunk.
    fn row(&self, text: &mut String, index: usize, row: &GoodRow);
    /// Ends the chunk.
    fn close(&self, text: &mut String);
}

/// Good rows in a backend's form.
pub(super) struct Chunk {
    /// The rows, in the backend's form.
    pub text: String,
    /// How many rows `text` holds (SQLite checks its upsert's count against it).
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub rows: usize,
}

/// How the optimistic way's reading ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Streamed {
    /// Every row was good and sent: this many.
    AllGood(usize),
    /// A row was refused, or needs a check only the checked way makes (or the receiver gave
    /// up): the file takes the checked way.
    Refused,
}

/// The optimistic way's reader: reads and checks `body` on a blocking thread and sends its
/// rows in chunks of about `chunk_bytes` as long as every row is good (`key`, the server
/// secret, hashes labels and passcodes). The file's own problems (its encoding, its header,
/// an unreadable row) end it with that error.
pub(super) fn stream_rows<F: ChunkFormat>(
    body: ImportFile,
    product_key: &ProductKey,
    key: &[u8],
    format: F,
    chunk_bytes: usize,
) -> (
    mpsc::Receiver<Chunk>,
    JoinHandle<Result<Streamed, ApiError>>,
) {
    // Two chunks in flight: one being written while the next is read.
    let (sender, chunks) = mpsc::channel(2);
    let product_key = product_key.clone();
    let key = key.to_vec();
    let reader = tokio::task::spawn_blocking(move || {
        let (columns, rows) = read_rows(&body)?;
        let mut checker = RowChecker::without_repeats(&product_key, &key, columns);
        let mut chunker = Chunker::new(format, chunk_bytes, sender);
        let mut total = 0;
        for row in rows {
            let Some(good) = checker.check(row?) else {
                if checker.rejected.is_empty() {
                    continue; // a blank row
                }
                return Ok(Streamed::Refused);
            };
            // A label that reads as a bare SN must be no device's SN, which no unique index
            // checks: such a file takes the checked way, which looks the SNs up.
            if good.label.as_ref().is_some_and(|l| l.as_sn.is_some()) {
                return Ok(Streamed::Refused);
            }
            total += 1;
            if !chunker.push(&good) {
                return Ok(Streamed::Refused);
            }
        }
        if !chunker.finish() {
            return Ok(Streamed::Refused);
        }
        Ok(Streamed::AllGood(total))
    });
    (chunks, reader)
}

/// Rows already checked (the checked way's good rows, on SQLite) in chunks of about
/// `chunk_bytes`, as [`stream_rows`] hands a file's: formatted on a blocking thread while the
/// previous chunk is written. Ends `AllGood` with their number unless the receiver gave up.
#[cfg(feature = "sqlite")]
pub(super) fn chunk_rows<F: ChunkFormat>(
    rows: Arc<Vec<GoodRow>>,
    format: F,
    chunk_bytes: usize,
) -> (
    mpsc::Receiver<Chunk>,
    JoinHandle<Result<Streamed, ApiError>>,
) {
    let (sender, chunks) = mpsc::channel(2);
    let writer = tokio::task::spawn_blocking(move || {
        let mut chunker = Chunker::new(format, chunk_bytes, sender);
        if rows.iter().all(|row| chunker.push(row)) && chunker.finish() {
            Ok(Streamed::AllGood(rows.len()))
        } else {
            Ok(Streamed::Refused)
        }
    });
    (chunks, writer)
}

/// Gathers rows into chunks of about `chunk_bytes` in a backend's form and sends each
/// (from a blocking thread) as it fills.
struct Chunker<F> {
    format: F,
    chunk_bytes: usize,
    sender: mpsc::Sender<Chunk>,
    text: String,
    rows: usize,
}

impl<F: ChunkFormat> Chunker<F> {
    fn new(format: F, chunk_bytes: usize, sender: mpsc::Sender<Chunk>) -> Self {
        let text = Self::open(&format, chunk_bytes);
        Chunker {
            format,
            chunk_bytes,
            sender,
            text,
            rows: 0,
        }
    }

    fn open(format: &F, chunk_bytes: usize) -> String {
        let mut text = String::with_capacity(chunk_bytes + chunk_bytes / 8);
        format.open(&mut text);
        text
    }

    /// Adds `row`, sending the chunk once it is full; false once the receiver has given up.
    fn push(&mut self, row: &GoodRow) -> bool {
        self.format.row(&mut self.text, self.rows, row);
        self.rows += 1;
        self.text.len() < self.chunk_bytes || self.send()
    }

    /// Sends what is left; false once the receiver has given up.
    fn finish(mut self) -> bool {
        self.rows == 0 || self.send()
    }

    /// Closes the chunk, sends it and starts the next one.
    fn send(&mut self) -> bool {
        let next = Self::open(&self.format, self.chunk_bytes);
        let mut text = std::mem::replace(&mut self.text, next);
        self.format.close(&mut text);
        let rows = std::mem::take(&mut self.rows);
        self.sender.blocking_send(Chunk { text, rows }).is_ok()
    }
}
