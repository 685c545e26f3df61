//! The camera through `getUserMedia`: which camera (the back one by default, or the one the
//! switcher chose), what a refusal means for the Scan screen, and the feed the screen holds.
//! The stream is played and decoded by the `scan` module; dropping the feed stops it and
//! turns the camera light off.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures_channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use futures_util::StreamExt;
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DomException, MediaDeviceInfo, MediaDeviceKind, MediaDevices, MediaStream,
    MediaStreamConstraints, MediaStreamTrack,
};

use super::scan::scan;
use crate::host::{CameraFeed, FeedEvent, TorchSwitch};
use crate::state::CameraState;

/// Opens camera `index`: the feed the Scan screen reads, fed by a task on the page's loop.
pub(super) fn open(index: usize) -> Box<dyn CameraFeed> {
    let (events, receiver) = unbounded();
    let stop = Arc::new(AtomicBool::new(false));
    let torch = TorchSwitch::default();
    wasm_bindgen_futures::spawn_local(run(index, events, stop.clone(), torch.clone()));
    Box::new(WebFeed {
        events: receiver,
        stop,
        torch,
    })
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

/// Opens the camera and scans its stream until the feed is dropped or the camera stops;
/// what went wrong is the feed's last state.
async fn run(
    index: usize,
    events: UnboundedSender<FeedEvent>,
    stop: Arc<AtomicBool>,
    torch: TorchSwitch,
) {
    // The scanner's module is fetched and compiled while the camera starts (a phone's camera
    // takes longer to give its first frame than that), not after the first frame arrives.
    super::scanner::warm_up();
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
        .ok_or(CameraState::InsecurePage)?
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

/// What a refused `getUserMedia` means for the Scan screen (the rule every camera of the app
/// shares: [`crate::host::camera_refusal`]).
fn camera_refusal(error: JsValue) -> CameraState {
    let name = error
        .dyn_ref::<DomException>()
        .map(|e| e.name())
        .unwrap_or_default();
    let message = error
        .as_string()
        .or_else(|| error.dyn_ref::<js_sys::Error>().map(|e| e.message().into()))
        .unwrap_or_default();
    crate::host::camera_refusal(&name, &message)
}

/// The stream's camera track.
pub(super) fn video_track(stream: &MediaStream) -> Option<MediaStreamTrack> {
    stream.get_video_tracks().get(0).dyn_into().ok()
}
