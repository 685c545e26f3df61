//! How many frames a camera feed decodes per second, logged every few seconds: what QA reads
//! when a camera feels slow, and what the figures script compares between the feeds (the
//! desktop's nokhwa/QA feed and the webview's).

use std::time::{Duration, Instant};

/// How often the rate is logged.
const INTERVAL: Duration = Duration::from_secs(5);

/// A running count of decoded frames, logged as a rate.
#[derive(Debug)]
pub struct RateLog {
    feed: &'static str,
    /// The count and the time at the start of the current interval.
    since: Option<(u64, Instant)>,
}

impl RateLog {
    /// A log for the feed called `feed` in the log lines.
    pub fn new(feed: &'static str) -> RateLog {
        RateLog { feed, since: None }
    }

    /// Notes that `decoded` frames have been decoded so far; logs the rate once an interval
    /// has passed since the first call (or the last log).
    pub fn observe(&mut self, decoded: u64) {
        let (start, at) = *self.since.get_or_insert((decoded, Instant::now()));
        let elapsed = at.elapsed();
        if elapsed >= INTERVAL {
            let fps = (decoded - start) as f64 / elapsed.as_secs_f64();
            tracing::info!(
                feed = self.feed,
                decoded_fps = format!("{fps:.1}"),
                "frames decoded per second"
            );
            self.since = Some((decoded, Instant::now()));
        }
    }
}
