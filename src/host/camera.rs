//! The desktop camera feed: a nokhwa camera, or a QA source (an image, a folder of images, a
//! `.y4m` video) standing in for one, scanned by bindery-scan's [`Scanner`] on its own
//! threads. The preview is a tee in front of the scanner: each frame is shrunk and encoded
//! into one slot (latest frame wins), and the UI is told a frame is ready only when it has
//! taken the previous one, so neither the preview nor the decoder ever waits on the other.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::prelude::{Engine as _, BASE64_STANDARD};
use bindery_scan::source::{FolderSource, ImageFileSource, Pacing, Y4mSource};
use bindery_scan::{
    Decoder, Effort, Frame, FrameSource, GrayImage, ScanEvent, Scanner, SourceError,
};
use futures_channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use futures_util::StreamExt;

use super::{CameraFeed, FeedEvent};
use crate::state::{CameraState, ScanProblem};

/// Widest preview frame sent to the window (the decoder still gets full frames).
const PREVIEW_WIDTH: usize = 480;
/// Fewest milliseconds between two preview frames: 30 fps, so a 30 fps camera is shown
/// frame for frame (the issue asks for at least 25 while decoding).
const PREVIEW_INTERVAL: Duration = Duration::from_millis(33);
/// How often the preview's frame rate is logged (what QA and the fps figure read).
const RATE_LOG_INTERVAL: Duration = Duration::from_secs(5);

/// Opens camera `index`, or `qa_source` when set.
pub fn open(index: usize, qa_source: Option<PathBuf>) -> Box<dyn CameraFeed> {
    let (tx, rx) = unbounded();
    let preview = Arc::new(PreviewSlot::default());
    let stop = Arc::new(AtomicBool::new(false));
    let worker = {
        let preview = preview.clone();
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("bindery-camera-feed".into())
            .spawn(move || run(index, qa_source, &tx, &preview, &stop))
            .ok()
    };
    Box::new(DesktopFeed {
        events: rx,
        preview,
        stop,
        _worker: worker,
    })
}

#[derive(Default)]
struct PreviewSlot {
    url: Mutex<Option<String>>,
    /// The UI has not taken the newest frame yet: do not wake it again.
    pending: AtomicBool,
    /// Frames the UI took, and since when (the first take), for the logged frame rate.
    taken: Mutex<(u32, Option<Instant>)>,
}

impl PreviewSlot {
    /// Counts a frame the UI took and logs the rate every [`RATE_LOG_INTERVAL`].
    fn count_taken(&self) {
        let mut taken = self.taken.lock().expect("not poisoned");
        let (count, since) = &mut *taken;
        let started = *since.get_or_insert_with(Instant::now);
        *count += 1;
        let elapsed = started.elapsed();
        if elapsed >= RATE_LOG_INTERVAL {
            let fps = f64::from(*count) / elapsed.as_secs_f64();
            tracing::info!(fps = format!("{fps:.1}"), "camera preview frame rate");
            *taken = (0, Some(Instant::now()));
        }
    }
}

struct DesktopFeed {
    events: UnboundedReceiver<FeedEvent>,
    preview: Arc<PreviewSlot>,
    stop: Arc<AtomicBool>,
    _worker: Option<std::thread::JoinHandle<()>>,
}

impl Drop for DesktopFeed {
    fn drop(&mut self) {
        // The worker notices within one frame and stops the scanner (and the camera).
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl CameraFeed for DesktopFeed {
    fn next_event(&mut self) -> Pin<Box<dyn Future<Output = Option<FeedEvent>> + Send + '_>> {
        Box::pin(self.events.next())
    }

    fn preview(&self) -> Option<String> {
        self.preview.pending.store(false, Ordering::SeqCst);
        self.preview.count_taken();
        self.preview.url.lock().expect("not poisoned").clone()
    }
}

/// The camera state for a source error.
fn state_of(error: &SourceError) -> CameraState {
    match error {
        SourceError::NoCamera | SourceError::CameraNotFound { .. } => CameraState::NoCamera,
        SourceError::Camera { message } if message.to_lowercase().contains("permission") => {
            CameraState::PermissionDenied
        }
        other => CameraState::Stopped {
            detail: other.to_string(),
        },
    }
}

/// What to open, decided before the capture thread opens it.
enum Plan {
    Qa(PathBuf),
    Camera {
        index: usize,
        name: String,
        count: usize,
    },
}

impl Plan {
    fn choose(index: usize, qa_source: Option<PathBuf>) -> Result<Plan, SourceError> {
        match qa_source {
            Some(path) => Ok(Plan::Qa(path)),
            None => cameras(index),
        }
    }

    fn name_and_count(&self) -> (String, usize) {
        match self {
            Plan::Qa(path) => (path.display().to_string(), 1),
            Plan::Camera { name, count, .. } => (name.clone(), *count),
        }
    }

    /// Opens the source; runs on the capture thread (cameras are not `Send`).
    fn open(self) -> Result<Box<dyn FrameSource>, SourceError> {
        match self {
            Plan::Qa(path) => {
                if path.is_dir() {
                    Ok(Box::new(FolderSource::open(
                        &path,
                        5.0,
                        true,
                        Pacing::RealTime,
                    )?))
                } else if path
                    .extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("y4m"))
                {
                    Ok(Box::new(Y4mSource::open(&path, true, Pacing::RealTime)?))
                } else {
                    Ok(Box::new(ImageFileSource::open(&path)?))
                }
            }
            Plan::Camera { index, .. } => open_camera(index),
        }
    }
}

#[cfg(feature = "camera")]
fn cameras(index: usize) -> Result<Plan, SourceError> {
    let cameras = bindery_scan::source::camera::list_cameras()?;
    if cameras.is_empty() {
        return Err(SourceError::NoCamera);
    }
    let count = cameras.len();
    let index = index % count;
    Ok(Plan::Camera {
        index,
        name: cameras[index].name.clone(),
        count,
    })
}

#[cfg(feature = "camera")]
fn open_camera(index: usize) -> Result<Box<dyn FrameSource>, SourceError> {
    use bindery_scan::source::camera::{CameraRequest, CameraSource};
    Ok(Box::new(CameraSource::open(
        index,
        CameraRequest::default(),
    )?))
}

#[cfg(not(feature = "camera"))]
fn cameras(_index: usize) -> Result<Plan, SourceError> {
    Err(SourceError::NoCamera)
}

#[cfg(not(feature = "camera"))]
fn open_camera(_index: usize) -> Result<Box<dyn FrameSource>, SourceError> {
    Err(SourceError::NoCamera)
}

fn run(
    index: usize,
    qa_source: Option<PathBuf>,
    tx: &UnboundedSender<FeedEvent>,
    preview: &Arc<PreviewSlot>,
    stop: &Arc<AtomicBool>,
) {
    let plan = match Plan::choose(index, qa_source) {
        Ok(plan) => plan,
        Err(e) => {
            let _ = tx.unbounded_send(FeedEvent::State(state_of(&e)));
            return;
        }
    };
    let (name, cameras) = plan.name_and_count();
    // nokhwa 0.10 switches no torch on any backend.
    let live = CameraState::Live {
        name,
        cameras,
        torch: false,
    };
    let wake = tx.clone();
    let preview = preview.clone();
    let tee_stop = stop.clone();
    let scanner = Scanner::start_with(
        move || {
            plan.open().map(|inner| Tee {
                inner,
                preview,
                wake,
                stop: tee_stop,
                last: None,
                live: Some(live),
            })
        },
        Decoder::new(Effort::Live),
    );
    let mut rate = super::rate::RateLog::new("native");
    loop {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        rate.observe(scanner.stats().decoded);
        match scanner.events().recv_timeout(Duration::from_millis(100)) {
            Ok(ScanEvent::Code { code, .. }) => {
                if tx.unbounded_send(FeedEvent::Code(code.text)).is_err() {
                    break;
                }
            }
            Ok(ScanEvent::SourceFailed(e)) => {
                let _ = tx.unbounded_send(FeedEvent::State(state_of(&e)));
                break;
            }
            // A file source ended: keep its last frame on screen; codes were reported.
            Ok(ScanEvent::SourceEnded) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    scanner.stop();
}

/// Passes frames on to the scanner and puts a small copy in the preview slot.
struct Tee {
    inner: Box<dyn FrameSource>,
    preview: Arc<PreviewSlot>,
    wake: UnboundedSender<FeedEvent>,
    stop: Arc<AtomicBool>,
    last: Option<Instant>,
    /// Sent with the first frame: the camera is live once frames arrive.
    live: Option<CameraState>,
}

impl FrameSource for Tee {
    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        if self.stop.load(Ordering::SeqCst) {
            return Ok(None);
        }
        let frame = self.inner.next_frame()?;
        if let Some(frame) = &frame {
            if let Some(live) = self.live.take() {
                let _ = self.wake.unbounded_send(FeedEvent::State(live));
            }
            let due = self.last.is_none_or(|at| at.elapsed() >= PREVIEW_INTERVAL);
            if due && !self.preview.pending.load(Ordering::SeqCst) {
                self.last = Some(Instant::now());
                let url = preview_url(&frame.image);
                *self.preview.url.lock().expect("not poisoned") = Some(url);
                self.preview.pending.store(true, Ordering::SeqCst);
                let _ = self.wake.unbounded_send(FeedEvent::Frame);
            }
        }
        Ok(frame)
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// Reads the QR code in an image file, trying hard (a photo is decoded once).
pub fn read_image(path: &Path) -> Result<String, ScanProblem> {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    super::picture::read_code(&file, bindery_scan::source::load_image(path))
}

/// The frame, shrunk to at most [`PREVIEW_WIDTH`] (every `step`-th pixel: no filtering to
/// spend time on), as a `data:` URL of an 8-bit gray BMP (no compression either; the webview
/// decodes it natively).
pub fn preview_url(image: &GrayImage) -> String {
    let step = image.width().div_ceil(PREVIEW_WIDTH).max(1);
    let width = image.width() / step;
    let height = image.height() / step;
    let pixels = image.pixels();
    let stride = image.width();
    let shrunk = image::GrayImage::from_fn(width as u32, height as u32, |x, y| {
        image::Luma([pixels[y as usize * step * stride + x as usize * step]])
    });
    let mut bmp = Vec::new();
    // Writing into memory fails only if the image is over 4 GB, which a frame never is.
    let encoded = image::codecs::bmp::BmpEncoder::new(&mut bmp).encode(
        shrunk.as_raw(),
        shrunk.width(),
        shrunk.height(),
        image::ExtendedColorType::L8,
    );
    if encoded.is_err() {
        bmp.clear();
    }
    let mut url = String::from("data:image/bmp;base64,");
    BASE64_STANDARD.encode_string(&bmp, &mut url);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_small_bmps() {
        let image = GrayImage::filled(1280, 720, 128);
        let url = preview_url(&image);
        assert!(url.starts_with("data:image/bmp;base64,Qk"));
        // 426 px wide (1280 / 3), padded rows.
        assert!(url.len() < 500_000, "{}", url.len());
        // What the webview gets back is the shrunk gray frame.
        let bmp = BASE64_STANDARD
            .decode(&url["data:image/bmp;base64,".len()..])
            .unwrap();
        let back = image::load_from_memory_with_format(&bmp, image::ImageFormat::Bmp)
            .unwrap()
            .to_luma8();
        assert_eq!(back.dimensions(), (426, 240));
        assert!(back.pixels().all(|p| p.0 == [128]));
    }
}
