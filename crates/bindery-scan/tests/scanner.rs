//! The worker: latest frame wins, each code is reported once, the end is reported. Frames
//! are handed over through a channel the test controls, never paced by sleeping, so no test
//! here can pass or fail by timing (the slot's replace-and-drop rule itself is tested in
//! `src/scanner.rs`, where both loops can run in turn on one thread).

mod common;

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use bindery_scan::source::MemorySource;
use bindery_scan::{
    Decoder, Effort, Frame, FrameSource, GrayImage, ScanEvent, Scanner, SourceError,
};

const V2: &str = "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD";

/// How long a test waits for an event before it calls the scanner stuck. Only a guard
/// against hanging: when things work, events come in well under a second.
const STUCK: Duration = Duration::from_secs(120);

fn events(scanner: &Scanner) -> Vec<ScanEvent> {
    scanner
        .events()
        .iter()
        .take_while(|e| !matches!(e, ScanEvent::SourceEnded))
        .collect()
}

#[test]
fn the_newest_frame_is_decoded_however_fast_the_source_is() {
    // 120 empty 1280x720 frames then one with the code, delivered as fast as they can be
    // copied. However many frames the decoder skips, the last one is decoded before the end
    // is reported, and every frame is counted once, as decoded or as dropped.
    let empty = common::camera_frame(1280, 720, None, 1);
    let mut frames = vec![empty; 120];
    frames.push(common::camera_frame(1280, 720, Some(V2), 2));
    let source = MemorySource::new(frames, Duration::from_millis(33));
    let scanner = Scanner::start(source, Decoder::new(Effort::Thorough));
    let got = events(&scanner);
    let stats = scanner.stop();
    assert_eq!(stats.captured, 121);
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

/// A camera whose frames the test releases one at a time: `next_frame` waits for a message
/// on `go` (and ends when the test hangs up).
struct Gated {
    frames: VecDeque<GrayImage>,
    next_index: u64,
    go: Receiver<()>,
}

impl FrameSource for Gated {
    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        if self.go.recv().is_err() {
            return Ok(None);
        }
        let Some(image) = self.frames.pop_front() else {
            return Ok(None);
        };
        let index = self.next_index;
        self.next_index += 1;
        Ok(Some(Frame {
            image,
            timestamp: Duration::from_millis(33 * index),
            index,
        }))
    }

    fn describe(&self) -> String {
        "gated".into()
    }
}

/// A frame showing the label and, beside it, a code that says which frame this is: its
/// event tells the test the decoder has been through the frame.
fn label_and_marker(i: u64) -> GrayImage {
    let mut img = common::background(560, 280, i + 1);
    common::draw_code(&mut img, V2, 140.0, 140.0, 5.0, 0.0, 20, 230);
    common::draw_code(&mut img, &marker(i), 420.0, 140.0, 5.0, 0.0, 20, 230);
    img
}

fn marker(i: u64) -> String {
    format!("frame {i}")
}

#[test]
fn a_code_seen_in_many_frames_is_reported_once() {
    const FRAMES: u64 = 6;
    let (go, gate) = mpsc::channel();
    let source = Gated {
        frames: (0..FRAMES).map(label_and_marker).collect(),
        next_index: 0,
        go: gate,
    };
    let scanner = Scanner::start(source, Decoder::new(Effort::Thorough));
    let mut texts = Vec::new();
    for i in 0..FRAMES {
        // The next frame goes out only once the decoder reported this one's marker, so every
        // frame is decoded: the label really is seen six times.
        go.send(()).unwrap();
        loop {
            match scanner.events().recv_timeout(STUCK) {
                Ok(ScanEvent::Code {
                    code, frame_index, ..
                }) => {
                    let done = code.text == marker(i);
                    if done {
                        assert_eq!(frame_index, i);
                    }
                    texts.push(code.text);
                    if done {
                        break;
                    }
                }
                other => panic!("frame {i}: expected its codes, got {other:?} (so far {texts:?})"),
            }
        }
    }
    drop(go);
    assert_eq!(
        scanner.events().recv_timeout(STUCK),
        Ok(ScanEvent::SourceEnded)
    );
    let stats = scanner.stop();
    assert_eq!(
        (stats.captured, stats.decoded, stats.dropped),
        (FRAMES, FRAMES, 0),
        "{stats:?}"
    );
    texts.sort();
    let mut expected: Vec<String> = (0..FRAMES).map(marker).collect();
    expected.push(V2.to_owned());
    expected.sort();
    assert_eq!(texts, expected, "the label once, each marker once");
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
