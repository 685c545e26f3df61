//! Live scanning off the UI thread. A camera delivers frames faster than a hard frame
//! decodes, and a decoder that works through a queue shows the user codes from seconds
//! ago; so one thread reads the source into a single slot (a newer frame replaces an
//! unread one, which is counted as dropped) and another decodes whatever is newest.
//! Each text is reported once per scanner, however many frames show it.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::frame::Frame;
use crate::pipeline::{Code, Decoder};
use crate::source::{FrameSource, SourceError};

/// What the scanner reports.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanEvent {
    /// A code not reported before.
    Code {
        /// The code, with its text parsed as a Bindery label.
        code: Code,
        /// The source's index of the frame it was read in.
        frame_index: u64,
        /// That frame's timestamp.
        timestamp: Duration,
    },
    /// The source failed; no more frames will come.
    SourceFailed(SourceError),
    /// The source ended (file sources) and its last frame has been decoded.
    SourceEnded,
}

/// Frame counters, readable while the scanner runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScannerStats {
    /// Frames read from the source.
    pub captured: u64,
    /// Frames decoded.
    pub decoded: u64,
    /// Frames replaced by a newer one before the decoder got to them.
    pub dropped: u64,
    /// Decoder panics caught.
    pub panics: u64,
}

#[derive(Default)]
struct Slot {
    frame: Option<Frame>,
    ended: bool,
    stats: ScannerStats,
}

struct Shared {
    slot: Mutex<Slot>,
    ready: Condvar,
    stop: AtomicBool,
}

impl Shared {
    fn new() -> Self {
        Shared {
            slot: Mutex::new(Slot::default()),
            ready: Condvar::new(),
            stop: AtomicBool::new(false),
        }
    }
}

/// A running scan: a capture thread and a decode thread, stopped when dropped.
pub struct Scanner {
    shared: Arc<Shared>,
    events: Receiver<ScanEvent>,
    threads: Vec<JoinHandle<()>>,
}

impl Scanner {
    /// Scans `source` with `decoder`.
    pub fn start<S: FrameSource + Send + 'static>(source: S, decoder: Decoder) -> Self {
        Scanner::start_with(move || Ok(source), decoder)
    }

    /// Opens the source on the capture thread (for sources that must stay on the thread
    /// that created them, such as some camera drivers) and scans it.
    pub fn start_with<S, F>(open: F, decoder: Decoder) -> Self
    where
        S: FrameSource,
        F: FnOnce() -> Result<S, SourceError> + Send + 'static,
    {
        let shared = Arc::new(Shared::new());
        let (tx, events) = mpsc::channel();
        let capture = {
            let shared = shared.clone();
            let tx = tx.clone();
            std::thread::Builder::new()
                .name("bindery-scan-capture".into())
                .spawn(move || capture_loop(open, &shared, &tx))
                .expect("spawning the capture thread")
        };
        let decode = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("bindery-scan-decode".into())
                .spawn(move || decode_loop(decoder, &shared, &tx))
                .expect("spawning the decode thread")
        };
        Scanner {
            shared,
            events,
            threads: vec![capture, decode],
        }
    }

    /// The events, in order; the channel closes when both threads have finished.
    pub fn events(&self) -> &Receiver<ScanEvent> {
        &self.events
    }

    /// The frame counters so far.
    pub fn stats(&self) -> ScannerStats {
        lock(&self.shared.slot).stats
    }

    /// Asks both threads to finish and waits for them (a camera read in progress completes
    /// first).
    pub fn stop(mut self) -> ScannerStats {
        self.shutdown();
        self.stats()
    }

    fn shutdown(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.ready.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Scanner {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A poisoned lock only means a thread panicked while holding it; the slot is still valid.
fn lock(m: &Mutex<Slot>) -> std::sync::MutexGuard<'_, Slot> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn capture_loop<S, F>(open: F, shared: &Shared, tx: &Sender<ScanEvent>)
where
    S: FrameSource,
    F: FnOnce() -> Result<S, SourceError>,
{
    let finish = |error: Option<SourceError>| {
        if let Some(e) = error {
            let _ = tx.send(ScanEvent::SourceFailed(e));
        }
        lock(&shared.slot).ended = true;
        shared.ready.notify_all();
    };
    let mut source = match open() {
        Ok(s) => s,
        Err(e) => return finish(Some(e)),
    };
    while !shared.stop.load(Ordering::SeqCst) {
        match source.next_frame() {
            Ok(Some(frame)) => {
                let mut slot = lock(&shared.slot);
                slot.stats.captured += 1;
                if slot.frame.replace(frame).is_some() {
                    slot.stats.dropped += 1;
                }
                drop(slot);
                shared.ready.notify_all();
            }
            Ok(None) => return finish(None),
            Err(e) => return finish(Some(e)),
        }
    }
    finish(None);
}

fn decode_loop(mut decoder: Decoder, shared: &Shared, tx: &Sender<ScanEvent>) {
    let mut reported: HashSet<String> = HashSet::new();
    loop {
        let frame = {
            let mut slot = lock(&shared.slot);
            loop {
                if shared.stop.load(Ordering::SeqCst) {
                    return;
                }
                if let Some(frame) = slot.frame.take() {
                    break frame;
                }
                if slot.ended {
                    let _ = tx.send(ScanEvent::SourceEnded);
                    return;
                }
                slot = shared.ready.wait(slot).unwrap_or_else(|e| e.into_inner());
            }
        };
        let panics_before = decoder.stats().panics;
        let codes = decoder.decode(frame.image.view());
        {
            let mut slot = lock(&shared.slot);
            slot.stats.decoded += 1;
            slot.stats.panics += decoder.stats().panics - panics_before;
        }
        for code in codes {
            if reported.insert(code.text.clone()) {
                let event = ScanEvent::Code {
                    code,
                    frame_index: frame.index,
                    timestamp: frame.timestamp,
                };
                if tx.send(event).is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::GrayImage;
    use crate::pipeline::Effort;
    use crate::source::MemorySource;

    /// A label of `text`, 4 px a module, with its quiet zone.
    fn label(text: &str) -> GrayImage {
        let qr = qrcode::QrCode::new(text).unwrap();
        let (n, colors) = (qr.width(), qr.to_colors());
        let side = (n + 8) * 4;
        let pixels = (0..side * side)
            .map(|i| {
                let (x, y) = ((i % side) / 4, (i / side) / 4);
                let inside = (4..n + 4).contains(&x) && (4..n + 4).contains(&y);
                let dark = inside && colors[(y - 4) * n + x - 4] == qrcode::Color::Dark;
                if dark {
                    25
                } else {
                    230
                }
            })
            .collect();
        GrayImage::new(side, side, pixels).unwrap()
    }

    /// A source faster than the decoder: each frame replaces the unread one (counted as
    /// dropped) and the decoder gets the newest. The two loops run in turn on this thread, so
    /// three frames are certain to arrive before the decoder looks — no race to win.
    #[test]
    fn a_newer_frame_replaces_an_unread_one_and_the_newest_is_decoded() {
        let frames = ["first", "second", "third"].map(label);
        let shared = Shared::new();
        let (tx, events) = mpsc::channel();
        capture_loop(
            || Ok(MemorySource::new(frames, Duration::from_millis(33))),
            &shared,
            &tx,
        );
        let stats = lock(&shared.slot).stats;
        assert_eq!((stats.captured, stats.dropped), (3, 2), "{stats:?}");

        decode_loop(Decoder::new(Effort::Thorough), &shared, &tx);
        drop(tx);
        let events: Vec<ScanEvent> = events.iter().collect();
        match events.as_slice() {
            [ScanEvent::Code {
                code,
                frame_index: 2,
                ..
            }, ScanEvent::SourceEnded] => assert_eq!(code.text, "third"),
            other => panic!("expected the third frame's code, then the end: {other:?}"),
        }
        assert_eq!(lock(&shared.slot).stats.decoded, 1);
    }
}
