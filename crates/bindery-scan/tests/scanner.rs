//! The worker: latest frame wins, each code is reported once, the end is reported.

mod common;

use std::time::Duration;

use bindery_scan::source::MemorySource;
use bindery_scan::{Decoder, Effort, FrameSource, ScanEvent, Scanner, SourceError};

const V2: &str = "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD";

fn events(scanner: &Scanner) -> Vec<ScanEvent> {
    scanner
        .events()
        .iter()
        .take_while(|e| !matches!(e, ScanEvent::SourceEnded))
        .collect()
}

#[test]
fn drops_stale_frames_when_decoding_is_slower_than_the_source() {
    // 120 empty 1280x720 frames then one with the code, delivered as fast as they can be
    // copied: the decoder cannot keep up, so it must skip to the newest frame and still
    // see the last one.
    let empty = common::camera_frame(1280, 720, None, 1);
    let mut frames = vec![empty; 120];
    frames.push(common::camera_frame(1280, 720, Some(V2), 2));
    let source = MemorySource::new(frames, Duration::from_millis(33));
    let scanner = Scanner::start(source, Decoder::new(Effort::Thorough));
    let got = events(&scanner);
    let stats = scanner.stop();
    assert_eq!(stats.captured, 121);
    assert!(stats.dropped > 0, "{stats:?}");
    assert_eq!(stats.decoded + stats.dropped, stats.captured, "{stats:?}");
    match got.as_slice() {
        [ScanEvent::Code {
            code, frame_index, ..
        }] => {
            assert_eq!(code.text, V2);
            assert_eq!(*frame_index, 120);
        }
        other => panic!("expected one code, got {other:?}"),
    }
}

#[test]
fn a_code_seen_in_many_frames_is_reported_once() {
    let frames: Vec<_> = (0..6)
        .map(|i| common::camera_frame(320, 240, Some(V2), i))
        .collect();
    /// Hands frames over slowly enough that every one is decoded.
    struct Slow(MemorySource);
    impl FrameSource for Slow {
        fn next_frame(&mut self) -> Result<Option<bindery_scan::Frame>, SourceError> {
            std::thread::sleep(Duration::from_millis(30));
            self.0.next_frame()
        }
        fn describe(&self) -> String {
            "slow".into()
        }
    }
    let scanner = Scanner::start(
        Slow(MemorySource::new(frames, Duration::from_millis(33))),
        Decoder::new(Effort::Live),
    );
    let got = events(&scanner);
    assert_eq!(got.len(), 1, "{got:?}");
    let stats = scanner.stop();
    assert_eq!(stats.captured, 6);
}

#[test]
fn a_source_that_fails_to_open_is_reported() {
    let scanner = Scanner::start_with(
        || Err::<MemorySource, _>(SourceError::NoCamera),
        Decoder::new(Effort::Live),
    );
    let first = scanner.events().recv().unwrap();
    assert_eq!(first, ScanEvent::SourceFailed(SourceError::NoCamera));
    assert_eq!(scanner.events().recv().unwrap(), ScanEvent::SourceEnded);
}
