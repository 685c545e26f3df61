//! The camera of the native builds whose screens run in a platform webview: the phones
//! (Android WebView, WKWebView) and, when asked (`--camera webview`), the desktop's
//! WebKitGTK, which is how the tests run this path for real.
//!
//! The camera is the webview's own `getUserMedia`, exactly as in the browser build: the back
//! camera by default, the switcher's choice otherwise, played into the Scan screen's
//! `<video>` by the webview itself, so the preview never waits for Rust. The page
//! (`camera.js`, run through Dioxus's eval channel) sends a frame as 8-bit gray only when
//! the decoder has taken the previous one, so at most one frame is on its way and the
//! decoder always gets a fresh one (latest frame wins). Rust decodes it natively with
//! bindery-scan on a thread of its own, off the UI's thread, and what it reads drives the
//! same scan state as every other feed.

#[cfg(feature = "desktop")]
mod fake;
#[cfg(all(feature = "desktop", target_os = "linux"))]
mod permission;

use std::future::Future;
use std::path::PathBuf;
use std::pin::{pin, Pin};

use base64::prelude::{Engine as _, BASE64_STANDARD};
use bindery_scan::{Decoder, Effort, GrayImage};
use dioxus::prelude::document;
use futures_channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use futures_channel::oneshot;
use futures_util::future::{select, Either};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::rate::RateLog;
use super::{camera_refusal, CameraFeed, FeedEvent, TorchSwitch, VIDEO_ID};
use crate::state::CameraState;

/// The page side: opens the camera, plays it, sends frames when asked.
const CAMERA_SCRIPT: &str = include_str!("camera.js");

/// Frames wider than this are scaled down in the page before they cross to Rust: a label
/// held up to the camera is large in the frame, and a smaller frame crosses and decodes
/// faster (the browser build decodes at the same width).
pub const DECODE_MAX_WIDTH: u32 = 1280;

/// Opens camera `index` of the webview (or, on the desktop, `qa_file` played as one; see
/// [`fake`]): the feed the Scan screen reads, fed by a task of the app that lives until the
/// feed is dropped. Must be called inside the running app (it evaluates in its page).
pub fn open(index: usize, qa_file: Option<PathBuf>) -> Box<dyn CameraFeed> {
    let (events, receiver) = unbounded();
    let (stop, stopped) = oneshot::channel();
    let torch = TorchSwitch::default();
    // Not a task of the Scan screen: when the screen goes, its feed is dropped and this task
    // still tells the page to stop the camera (a cancelled task could not).
    dioxus::dioxus_core::spawn_forever(run(index, qa_file, events, stopped, torch.clone()));
    Box::new(WebviewFeed {
        events: receiver,
        _stop: stop,
        torch,
    })
}

struct WebviewFeed {
    events: UnboundedReceiver<FeedEvent>,
    /// Dropped with the feed, which tells the task to stop the camera.
    _stop: oneshot::Sender<()>,
    torch: TorchSwitch,
}

impl CameraFeed for WebviewFeed {
    fn next_event(&mut self) -> Pin<Box<dyn Future<Output = Option<FeedEvent>> + Send + '_>> {
        Box::pin(self.events.next())
    }

    fn preview(&self) -> Option<String> {
        None
    }

    fn torch(&self) -> Option<TorchSwitch> {
        Some(self.torch.clone())
    }
}

/// What the page is asked for first.
#[derive(Debug, Serialize)]
struct CameraRequest {
    index: usize,
    video_id: &'static str,
    max_width: u32,
    encoding: Encoding,
}

/// How a frame's pixels cross the eval channel, which carries JSON text both ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Encoding {
    /// One base64 string: 4 characters per 3 pixels, one JSON string to parse.
    Base64,
    /// A JSON array of numbers, 2 to 4 characters per pixel: the plain way, kept only to
    /// measure against (`BINDERY_WEBVIEW_FRAMES=array`; see the README's figures).
    Array,
}

impl Encoding {
    fn chosen() -> Encoding {
        match std::env::var("BINDERY_WEBVIEW_FRAMES").as_deref() {
            Ok("array") => Encoding::Array,
            _ => Encoding::Base64,
        }
    }
}

/// A frame's pixels as the page sent them.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(untagged)]
enum Pixels {
    Base64(String),
    Array(Vec<u8>),
}

/// What the page says.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum PageMessage {
    /// The camera could not be opened: the DOMException's name and message.
    Failed { name: String, message: String },
    /// The camera plays in the `<video>`.
    Live {
        name: String,
        cameras: usize,
        torch: bool,
    },
    /// One frame, as asked: `gray` is `width * height` bytes of luma.
    Frame {
        width: usize,
        height: usize,
        gray: Pixels,
    },
    /// The camera stopped by itself (unplugged, taken by the system).
    Ended,
}

/// Opens the camera in the page and passes its frames to the decoder until the feed is
/// dropped; what went wrong is the feed's last state.
async fn run(
    index: usize,
    qa_file: Option<PathBuf>,
    events: UnboundedSender<FeedEvent>,
    mut stopped: oneshot::Receiver<()>,
    torch: TorchSwitch,
) {
    let state = |state: CameraState| {
        tracing::info!(?state, "webview camera");
        let _ = events.unbounded_send(FeedEvent::State(state));
    };
    #[cfg(all(feature = "desktop", target_os = "linux"))]
    permission::allow_the_camera();
    #[cfg(feature = "desktop")]
    if let Err(detail) = fake::install(qa_file.as_deref()).await {
        return state(CameraState::Stopped { detail });
    }
    #[cfg(not(feature = "desktop"))]
    drop(qa_file);

    let mut page = document::eval(CAMERA_SCRIPT);
    let request = CameraRequest {
        index,
        video_id: VIDEO_ID,
        max_width: DECODE_MAX_WIDTH,
        encoding: Encoding::chosen(),
    };
    if page.send(request).is_err() {
        return state(CameraState::PageBroken);
    }
    let mut decoding = Decoding::start(events.clone());
    let mut torch_on = false;
    // Until the feed is dropped (`stopped` resolves) or the page's last message. Not a
    // `while let`: its condition's temporaries (which borrow the page and `stopped`) would
    // live through the body, which uses both.
    #[allow(clippy::while_let_loop)]
    loop {
        let message = match select(pin!(page.recv::<PageMessage>()), &mut stopped).await {
            Either::Left((message, _)) => message,
            Either::Right(_) => break,
        };
        match message {
            Ok(PageMessage::Frame {
                width,
                height,
                gray,
            }) => {
                decoding.give(Packet {
                    width,
                    height,
                    gray,
                });
                // The next frame is asked for once the decoder has taken this one.
                match select(decoding.taken.next(), &mut stopped).await {
                    Either::Left((Some(()), _)) => {}
                    // The decoder is gone (the app is closing) or the feed was dropped.
                    Either::Left((None, _)) | Either::Right(_) => break,
                }
                if torch.wanted() != torch_on {
                    torch_on = torch.wanted();
                    let _ = page.send(serde_json::json!({ "torch": torch_on }));
                }
                let _ = page.send("next");
            }
            Ok(PageMessage::Live {
                name,
                cameras,
                torch,
            }) => {
                state(CameraState::Live {
                    name,
                    cameras,
                    torch,
                });
                let _ = page.send("next");
            }
            Ok(PageMessage::Failed { name, message }) => {
                state(camera_refusal(&name, &message));
                break;
            }
            Ok(PageMessage::Ended) => {
                state(CameraState::Stopped {
                    detail: "the camera was disconnected".to_owned(),
                });
                break;
            }
            Err(error) => {
                state(CameraState::Stopped {
                    detail: error.to_string(),
                });
                break;
            }
        }
    }
    // The feed was dropped (the camera light goes off), or the page's last message was read
    // (the script may end).
    let _ = page.send("stop");
}

/// One frame as it came from the page.
struct Packet {
    width: usize,
    height: usize,
    gray: Pixels,
}

impl Packet {
    /// The frame's pixels, or why they are not a frame (a page bug, logged).
    fn image(self) -> Result<GrayImage, String> {
        let pixels = match self.gray {
            Pixels::Base64(text) => BASE64_STANDARD
                .decode(text)
                .map_err(|e| format!("the frame is not base64: {e}"))?,
            Pixels::Array(pixels) => pixels,
        };
        let length = pixels.len();
        GrayImage::new(self.width, self.height, pixels).ok_or_else(|| {
            format!(
                "a {}x{} frame came with {length} bytes",
                self.width, self.height
            )
        })
    }
}

/// The decoder's thread: it takes one frame at a time, says so (the page may then send the
/// next), and reports the codes it reads as the feed's events.
struct Decoding {
    frames: std::sync::mpsc::Sender<Packet>,
    taken: UnboundedReceiver<()>,
}

impl Decoding {
    fn start(events: UnboundedSender<FeedEvent>) -> Decoding {
        let (frames, waiting) = std::sync::mpsc::channel::<Packet>();
        let (took, taken) = unbounded();
        let spawned = std::thread::Builder::new()
            .name("bindery-webview-decode".into())
            .spawn(move || {
                let mut decoder = Decoder::new(Effort::Live);
                let mut rate = RateLog::new("webview");
                let mut decoded = 0u64;
                // Ends when the task drops its sender (the feed was dropped).
                while let Ok(packet) = waiting.recv() {
                    let _ = took.unbounded_send(());
                    let image = match packet.image() {
                        Ok(image) => image,
                        Err(problem) => {
                            tracing::warn!(%problem, "webview camera frame skipped");
                            continue;
                        }
                    };
                    for code in decoder.decode(image.view()) {
                        if events.unbounded_send(FeedEvent::Code(code.text)).is_err() {
                            return;
                        }
                    }
                    decoded += 1;
                    rate.observe(decoded);
                }
            });
        if let Err(error) = spawned {
            tracing::error!(%error, "the webview camera's decoder could not start");
        }
        Decoding { frames, taken }
    }

    fn give(&self, packet: Packet) {
        let _ = self.frames.send(packet);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pages_messages_read_as_sent() {
        let frame: PageMessage =
            serde_json::from_str(r#"{"kind":"frame","width":2,"height":1,"gray":"AP8="}"#).unwrap();
        let PageMessage::Frame {
            width,
            height,
            gray,
        } = frame
        else {
            panic!("{frame:?}")
        };
        let image = Packet {
            width,
            height,
            gray,
        }
        .image()
        .unwrap();
        assert_eq!(image.pixels(), &[0, 255]);
        let array: PageMessage =
            serde_json::from_str(r#"{"kind":"frame","width":2,"height":1,"gray":[0,255]}"#)
                .unwrap();
        let PageMessage::Frame { gray, .. } = array else {
            panic!("{array:?}")
        };
        assert_eq!(gray, Pixels::Array(vec![0, 255]));
        let live: PageMessage =
            serde_json::from_str(r#"{"kind":"live","name":"Back","cameras":2,"torch":true}"#)
                .unwrap();
        assert_eq!(
            live,
            PageMessage::Live {
                name: "Back".into(),
                cameras: 2,
                torch: true
            }
        );
    }

    #[test]
    fn a_frame_of_the_wrong_size_is_refused_not_decoded() {
        let packet = Packet {
            width: 3,
            height: 1,
            gray: Pixels::Base64("AP8=".into()),
        };
        assert_eq!(packet.image().unwrap_err(), "a 3x1 frame came with 2 bytes");
        let packet = Packet {
            width: 1,
            height: 1,
            gray: Pixels::Base64("not base64!".into()),
        };
        assert!(packet.image().unwrap_err().contains("not base64"));
    }
}
