//! The browser as the app's host: the camera through `getUserMedia`, played into the Scan
//! screen's own `<video>` element and sampled into a canvas for bindery-scan's decoder.
//!
//! The browser draws the live preview from the `<video>` itself, so the preview never waits
//! for the decoder. Pages get no threads without a separately built worker bundle, so the
//! decoder runs on the page's thread, once per new camera frame at most (the page repaints
//! twice as often as a 30 fps camera delivers) and always on the newest frame (latest frame
//! wins); a 720p frame decodes in a few tens of milliseconds.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bindery_scan::{Decoder, Effort, GrayImage};
use futures_channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use futures_util::StreamExt;
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    CanvasRenderingContext2d, DomException, HtmlCanvasElement, HtmlVideoElement, MediaDeviceInfo,
    MediaDeviceKind, MediaDevices, MediaStream, MediaStreamConstraints, MediaStreamTrack,
};

use super::{CameraFeed, FeedEvent, Host, TorchSwitch};
use crate::i18n::Lang;
use crate::state::preferences::Preferences;
use crate::state::{CameraState, ScanProblem};

/// The id of the `<video>` element the Scan screen renders for the camera.
pub const VIDEO_ID: &str = "bindery-camera";

/// The performance mark set when the camera's first frame is on screen: where the browser
/// end-to-end test starts its scan-to-confirm clock.
pub const FIRST_FRAME_MARK: &str = "bindery:first-frame";

/// Frames wider than this are scaled down before decoding: a label held up to the camera
/// is large in the frame, and a smaller frame decodes faster.
const DECODE_MAX_WIDTH: u32 = 1280;

/// The longest wait for a camera frame before the scan loop looks at its stop flag again.
const FRAME_WAIT_MS: i32 = 200;

/// The browser's camera and file input; no sandbox.
#[derive(Debug, Default)]
pub struct WebHost;

impl Host for WebHost {
    fn open_camera(&self, index: usize) -> Option<Box<dyn CameraFeed>> {
        let (events, receiver) = unbounded();
        let stop = Arc::new(AtomicBool::new(false));
        let torch = TorchSwitch::default();
        wasm_bindgen_futures::spawn_local(run(index, events, stop.clone(), torch.clone()));
        Some(Box::new(WebFeed {
            events: receiver,
            stop,
            torch,
        }))
    }

    fn video_preview(&self) -> Option<&'static str> {
        Some(VIDEO_ID)
    }

    fn picks_images_in_page(&self) -> bool {
        true
    }

    fn read_image_bytes(&self, file: &str, bytes: &[u8]) -> Result<String, ScanProblem> {
        let image = bindery_scan::source::decode_image(std::path::Path::new(file), bytes);
        super::picture::read_code(file, image)
    }

    fn save_preferences(&self, preferences: &Preferences) {
        if let (Some(storage), Ok(json)) = (local_storage(), serde_json::to_string(preferences)) {
            // A full or disabled storage only means the choice is not remembered.
            let _ = storage.set_item(PREFERENCES_KEY, &json);
        }
    }
}

/// The cloud that served the page: the web build talks to it unless Settings says otherwise.
pub fn serving_cloud() -> Option<String> {
    web_sys::window()?.location().origin().ok()
}

/// The browser's language, when the app speaks it.
pub fn browser_language() -> Option<Lang> {
    web_sys::window()?
        .navigator()
        .language()
        .as_deref()
        .and_then(Lang::from_tag)
}

/// Where Settings choices are kept in `localStorage`.
const PREFERENCES_KEY: &str = "bindery.settings";

/// What Settings remembered in this browser; the defaults when nothing (or nothing
/// readable) is there.
pub fn remembered_preferences() -> Preferences {
    local_storage()
        .and_then(|storage| storage.get_item(PREFERENCES_KEY).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// The page's `localStorage`, where the browser offers one.
fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

struct WebFeed {
    events: UnboundedReceiver<FeedEvent>,
    stop: Arc<AtomicBool>,
    torch: TorchSwitch,
}

impl Drop for WebFeed {
    fn drop(&mut self) {
        // The loop notices on its next animation frame and stops the camera.
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl CameraFeed for WebFeed {
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

async fn run(
    index: usize,
    events: UnboundedSender<FeedEvent>,
    stop: Arc<AtomicBool>,
    torch: TorchSwitch,
) {
    let (stream, name, cameras) = match open_stream(index).await {
        Ok(opened) => opened,
        Err(state) => {
            let _ = events.unbounded_send(FeedEvent::State(state));
            return;
        }
    };
    let outcome = scan(&stream, name, cameras, &events, &stop, &torch).await;
    // Whatever ended the scan, the camera light goes off.
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
            track.stop();
        }
    }
    if let Err(state) = outcome {
        let _ = events.unbounded_send(FeedEvent::State(state));
    }
}

/// Asks for camera `index` (the back camera by default): the stream, the camera's name and
/// how many cameras there are.
async fn open_stream(index: usize) -> Result<(MediaStream, String, usize), CameraState> {
    let window = web_sys::window().ok_or(CameraState::NoCamera)?;
    let navigator = window.navigator();
    // Browsers hide the camera API from pages not served over HTTPS or from localhost.
    let media_devices = Reflect::get(&navigator, &JsValue::from_str("mediaDevices"))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
        .ok_or_else(|| CameraState::Stopped {
            detail: "this browser offers the camera only to pages served over HTTPS or from \
                     localhost; open the app at such an address"
                .to_owned(),
        })?
        .unchecked_into::<MediaDevices>();

    let before = video_inputs(&media_devices).await;
    let video = Object::new();
    let ideal = |value: JsValue| {
        let constraint = Object::new();
        let _ = Reflect::set(&constraint, &"ideal".into(), &value);
        constraint
    };
    let _ = Reflect::set(&video, &"width".into(), &ideal(1280.into()));
    let _ = Reflect::set(&video, &"height".into(), &ideal(720.into()));
    match before.get(index).filter(|id| !id.is_empty()) {
        Some(device_id) => {
            let exact = Object::new();
            let _ = Reflect::set(&exact, &"exact".into(), &device_id.into());
            let _ = Reflect::set(&video, &"deviceId".into(), &exact);
        }
        None => {
            let _ = Reflect::set(&video, &"facingMode".into(), &ideal("environment".into()));
        }
    }
    let constraints = MediaStreamConstraints::new();
    constraints.set_audio(&JsValue::FALSE);
    constraints.set_video(&video);
    let request = media_devices
        .get_user_media_with_constraints(&constraints)
        .map_err(camera_refusal)?;
    let stream: MediaStream = JsFuture::from(request)
        .await
        .map_err(camera_refusal)?
        .unchecked_into();

    let name = video_track(&stream)
        .map(|track| track.label())
        .unwrap_or_default();
    // Before permission some browsers list no cameras (or unnamed ones); count again.
    let cameras = video_inputs(&media_devices).await.len().max(1);
    Ok((stream, name, cameras))
}

/// The device ids of the cameras the browser lists.
async fn video_inputs(media_devices: &MediaDevices) -> Vec<String> {
    let Ok(listing) = media_devices.enumerate_devices() else {
        return Vec::new();
    };
    let Ok(devices) = JsFuture::from(listing).await else {
        return Vec::new();
    };
    js_sys::Array::from(&devices)
        .iter()
        .filter_map(|device| device.dyn_into::<MediaDeviceInfo>().ok())
        .filter(|device| device.kind() == MediaDeviceKind::Videoinput)
        .map(|device| device.device_id())
        .collect()
}

/// What a refused `getUserMedia` means for the Scan screen.
fn camera_refusal(error: JsValue) -> CameraState {
    let name = error
        .dyn_ref::<DomException>()
        .map(|e| e.name())
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "SecurityError" => CameraState::PermissionDenied,
        "NotFoundError" | "OverconstrainedError" => CameraState::NoCamera,
        "NotReadableError" | "AbortError" => CameraState::Stopped {
            detail: "the camera is in use by another app or could not start; close that app \
                     and try again"
                .to_owned(),
        },
        _ => CameraState::Stopped {
            detail: error
                .as_string()
                .or_else(|| error.dyn_ref::<js_sys::Error>().map(|e| e.message().into()))
                .unwrap_or_else(|| "the browser would not open the camera".to_owned()),
        },
    }
}

/// Plays `stream` into the screen's `<video>` and decodes each new frame until the feed is
/// dropped.
async fn scan(
    stream: &MediaStream,
    name: String,
    cameras: usize,
    events: &UnboundedSender<FeedEvent>,
    stop: &AtomicBool,
    torch: &TorchSwitch,
) -> Result<(), CameraState> {
    let broken = |what: &str| CameraState::Stopped {
        detail: format!("the page could not {what}; reload it"),
    };
    let window = web_sys::window().ok_or_else(|| broken("reach its window"))?;
    let document = window
        .document()
        .ok_or_else(|| broken("reach its document"))?;
    let Some(video) = wait_for_video(&document, stop).await else {
        return if stop.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(broken("show the camera"))
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
        .ok_or_else(|| broken("make a canvas"))?;
    let options = Object::new();
    let _ = Reflect::set(&options, &"willReadFrequently".into(), &JsValue::TRUE);
    let context: CanvasRenderingContext2d = canvas
        .get_context_with_context_options("2d", &options)
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
        .ok_or_else(|| broken("draw camera frames"))?;
    let performance = window.performance();
    let mut decoder = Decoder::new(Effort::Live);
    let mut first_frame_seen = false;
    loop {
        let new_frame = next_video_frame(&window, &video).await;
        if stop.load(Ordering::SeqCst) || events.is_closed() {
            return Ok(());
        }
        if let Some(track) = track.as_ref().filter(|_| has_torch) {
            if torch.wanted() != torch_on {
                torch_on = torch.wanted();
                switch_torch(track, torch_on);
            }
        }
        if !new_frame {
            continue;
        }
        // HAVE_CURRENT_DATA: a frame is there to draw.
        if video.ready_state() < 2 || video.video_width() == 0 {
            continue;
        }
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
        let Some(frame) = GrayImage::from_rgba(width as usize, height as usize, &pixels.data())
        else {
            continue;
        };
        for code in decoder.decode(frame.view()) {
            if events.unbounded_send(FeedEvent::Code(code.text)).is_err() {
                return Ok(());
            }
        }
    }
}

/// The stream's camera track.
fn video_track(stream: &MediaStream) -> Option<MediaStreamTrack> {
    stream.get_video_tracks().get(0).dyn_into().ok()
}

/// Whether the camera's track offers a torch (`getCapabilities().torch`, which phone
/// browsers report for a back camera with a flash; desktop webcams have none).
fn has_torch(track: &MediaStreamTrack) -> bool {
    Reflect::get(track, &"getCapabilities".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|get| get.call0(track).ok())
        .and_then(|capabilities| Reflect::get(&capabilities, &"torch".into()).ok())
        .and_then(|torch| torch.as_bool())
        .unwrap_or(false)
}

/// Turns the track's torch on or off (`applyConstraints({advanced: [{torch}]})`); a refusal
/// is logged, and the screen's switch stays where the user put it.
fn switch_torch(track: &MediaStreamTrack, on: bool) {
    let torch = Object::new();
    let _ = Reflect::set(&torch, &"torch".into(), &JsValue::from_bool(on));
    let constraints = Object::new();
    let _ = Reflect::set(
        &constraints,
        &"advanced".into(),
        &js_sys::Array::of1(&torch),
    );
    let applied = Reflect::get(track, &"applyConstraints".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|apply| apply.call1(track, &constraints).ok())
        .and_then(|promise| promise.dyn_into::<Promise>().ok());
    if let Some(applied) = applied {
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(error) = JsFuture::from(applied).await {
                web_sys::console::warn_2(&"bindery: the camera refused the torch".into(), &error);
            }
        });
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
