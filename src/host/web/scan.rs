//! Decoding the camera in the page. The browser draws the live preview from the `<video>`
//! itself, so the preview never waits for the decoder. The decoder runs in the scanner's
//! worker (`scanner`), so decoding never holds up the page's thread either: this loop copies
//! each new camera frame into a canvas and hands its pixels over to the worker, one frame at
//! a time. A frame shown while the worker is busy waits for it, and a newer one replaces it
//! (latest frame wins); when the answer comes, the waiting frame goes at once.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use futures_channel::mpsc::UnboundedSender;
use futures_util::future::{select, Either};
use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement, MediaStream};

use super::camera::video_track;
use super::scanner::{ask, ScannerError};
use super::torch::{has_torch, switch_torch};
use super::{FIRST_FRAME_MARK, VIDEO_ID};
use crate::host::{FeedEvent, TorchSwitch};
use crate::state::CameraState;

/// Frames wider than this are scaled down before decoding: a label held up to the camera
/// is large in the frame, and a smaller frame decodes faster.
const DECODE_MAX_WIDTH: u32 = 1280;

/// The longest wait for a camera frame before the scan loop looks at its stop flag again.
const FRAME_WAIT_MS: i32 = 200;

/// The number of the next camera session: the worker starts a new live decoder for each.
static NEXT_FEED: AtomicU32 = AtomicU32::new(0);

/// The worker's answer about one frame, on its way.
type Decoding = Pin<Box<dyn Future<Output = Result<Object, ScannerError>>>>;

/// What woke the scan loop.
enum Wake {
    /// The video showed a new frame (true) or the wait timed out (false).
    Frame(bool),
    /// The worker answered about the frame it was given.
    Answer(Result<Object, ScannerError>),
}

/// Plays `stream` into the screen's `<video>` and decodes each new frame until the feed is
/// dropped.
pub(super) async fn scan(
    stream: &MediaStream,
    name: String,
    cameras: usize,
    events: &UnboundedSender<FeedEvent>,
    stop: &AtomicBool,
    torch: &TorchSwitch,
) -> Result<(), CameraState> {
    let window = web_sys::window().ok_or(CameraState::PageBroken)?;
    let document = window.document().ok_or(CameraState::PageBroken)?;
    let Some(video) = wait_for_video(&document, stop).await else {
        return if stop.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(CameraState::PageBroken)
        };
    };
    video.set_muted(true);
    video.set_src_object(Some(stream));
    let _ = video.play();
    let track = video_track(stream);
    let has_torch = track.as_ref().is_some_and(has_torch);
    let _ = events.unbounded_send(FeedEvent::State(CameraState::Live {
        name,
        cameras,
        torch: has_torch,
    }));
    let mut torch_on = false;

    let canvas: HtmlCanvasElement = document
        .create_element("canvas")
        .ok()
        .and_then(|e| e.dyn_into().ok())
        .ok_or(CameraState::PageBroken)?;
    let options = Object::new();
    let _ = Reflect::set(&options, &"willReadFrequently".into(), &JsValue::TRUE);
    let context: CanvasRenderingContext2d = canvas
        .get_context_with_context_options("2d", &options)
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
        .ok_or(CameraState::PageBroken)?;
    let performance = window.performance();
    let feed = NEXT_FEED.fetch_add(1, Ordering::Relaxed);
    let mut first_frame_seen = false;
    let mut frame_wait = Box::pin(next_video_frame(&window, &video));
    let mut decoding: Option<Decoding> = None;
    // A frame is shown that the worker has not been given.
    let mut fresh = false;
    loop {
        let wake = match decoding.as_mut() {
            None => Wake::Frame(frame_wait.as_mut().await),
            Some(answer) => match select(answer.as_mut(), frame_wait.as_mut()).await {
                Either::Left((answer, _)) => Wake::Answer(answer),
                Either::Right((shown, _)) => Wake::Frame(shown),
            },
        };
        match wake {
            Wake::Frame(shown) => {
                frame_wait = Box::pin(next_video_frame(&window, &video));
                fresh |= shown;
            }
            Wake::Answer(answer) => {
                decoding = None;
                for code in codes(answer)? {
                    if events.unbounded_send(FeedEvent::Code(code)).is_err() {
                        return Ok(());
                    }
                }
            }
        }
        if stop.load(Ordering::SeqCst) || events.is_closed() {
            return Ok(());
        }
        if let Some(track) = track.as_ref().filter(|_| has_torch) {
            if torch.wanted() != torch_on {
                torch_on = torch.wanted();
                switch_torch(track, torch_on);
            }
        }
        // HAVE_CURRENT_DATA: a frame is there to draw.
        if !fresh || decoding.is_some() || video.ready_state() < 2 || video.video_width() == 0 {
            continue;
        }
        fresh = false;
        if !first_frame_seen {
            first_frame_seen = true;
            if let Some(performance) = &performance {
                let _ = performance.mark(FIRST_FRAME_MARK);
            }
        }
        let (width, height) = decode_size(video.video_width(), video.video_height());
        if canvas.width() != width || canvas.height() != height {
            canvas.set_width(width);
            canvas.set_height(height);
        }
        if context
            .draw_image_with_html_video_element_and_dw_and_dh(
                &video,
                0.0,
                0.0,
                width.into(),
                height.into(),
            )
            .is_err()
        {
            continue;
        }
        let Ok(pixels) = context.get_image_data(0.0, 0.0, width.into(), height.into()) else {
            continue;
        };
        // The pixels' buffer goes to the worker as it is: not copied into this wasm's
        // memory, nor copied again into the message.
        let Some(buffer) = Reflect::get(&pixels, &"data".into())
            .and_then(|data| Reflect::get(&data, &"buffer".into()))
            .ok()
        else {
            continue;
        };
        let message = Object::new();
        for (key, value) in [
            ("kind", JsValue::from_str("frame")),
            ("feed", feed.into()),
            ("width", width.into()),
            ("height", height.into()),
            ("pixels", buffer.clone()),
        ] {
            let _ = Reflect::set(&message, &key.into(), &value);
        }
        decoding = Some(Box::pin(async move { ask(&message, Some(&buffer)).await }));
    }
}

/// The texts the worker read in a frame. A frame the decoder crashed on reads nothing (the
/// next frame gets a new worker); a scanner that cannot load ends the scan, with the Scan
/// screen saying so.
fn codes(answer: Result<Object, ScannerError>) -> Result<Vec<String>, CameraState> {
    match answer {
        Ok(answer) => Ok(Reflect::get(&answer, &"codes".into())
            .ok()
            .filter(Array::is_array)
            .map(|codes| {
                Array::from(&codes)
                    .iter()
                    .filter_map(|code| code.as_string())
                    .collect()
            })
            .unwrap_or_default()),
        Err(ScannerError::Crashed(why)) => {
            web_sys::console::warn_1(&format!("the scanner stopped on a frame: {why}").into());
            Ok(Vec::new())
        }
        Err(ScannerError::Unavailable(detail)) => Err(CameraState::ScannerUnavailable { detail }),
    }
}

/// The screen's `<video>`: it is rendered with the Scan screen, which may still be on its
/// way to the page when the camera opens.
async fn wait_for_video(
    document: &web_sys::Document,
    stop: &AtomicBool,
) -> Option<HtmlVideoElement> {
    for _ in 0..120 {
        if stop.load(Ordering::SeqCst) {
            return None;
        }
        if let Some(video) = document
            .get_element_by_id(VIDEO_ID)
            .and_then(|e| e.dyn_into::<HtmlVideoElement>().ok())
        {
            return Some(video);
        }
        next_animation_frame().await;
    }
    None
}

/// The size a `width`×`height` camera frame is decoded at.
fn decode_size(width: u32, height: u32) -> (u32, u32) {
    if width <= DECODE_MAX_WIDTH {
        (width, height)
    } else {
        let scaled = (u64::from(height) * u64::from(DECODE_MAX_WIDTH) / u64::from(width)) as u32;
        (DECODE_MAX_WIDTH, scaled.max(1))
    }
}

/// Waits for the `<video>` to show a new frame (`requestVideoFrameCallback`): true then,
/// false after [`FRAME_WAIT_MS`] without one, so a stopped or hidden video never keeps the
/// loop (and the camera) from noticing it was dropped. Browsers without that call fall back
/// to the next animation frame.
async fn next_video_frame(window: &web_sys::Window, video: &HtmlVideoElement) -> bool {
    let request = Reflect::get(video, &"requestVideoFrameCallback".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(request) = request else {
        next_animation_frame().await;
        return true;
    };
    // Both callbacks resolve the same promise: a frame with its timestamp, the timeout with
    // nothing.
    let mut timer = None;
    let frame = Promise::new(&mut |resolve, _reject| {
        let _ = request.call1(video, &resolve);
        timer = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, FRAME_WAIT_MS)
            .ok();
    });
    let shown = JsFuture::from(frame)
        .await
        .is_ok_and(|value| !value.is_undefined());
    if let Some(timer) = timer {
        window.clear_timeout_with_handle(timer);
    }
    shown
}

/// Resolves at the browser's next animation frame.
async fn next_animation_frame() {
    let frame = Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.request_animation_frame(&resolve);
        }
    });
    let _ = JsFuture::from(frame).await;
}
