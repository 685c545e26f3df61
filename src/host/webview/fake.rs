//! QA and tests on the desktop: the webview's camera replaced by a file (the QA source of
//! `--camera-file` or Settings), so the webview camera path runs for real on a machine
//! without a camera. Only `getUserMedia` (and the camera list) is replaced, by a canvas's
//! `captureStream()` playing the file's frames (`fake_camera.js`); the `<video>`, the
//! frames sent to Rust and the decoding are the app's own path, as on a phone.
//!
//! An image is shown as a camera sees a label held up to it (bindery-scan's
//! [`GrayImage::staged`], as `label_video` makes its videos); a `.y4m` video plays its
//! frames at its own rate (its first [`MAX_FRAMES`] distinct ones).

use std::io::Cursor;
use std::path::{Path, PathBuf};

use base64::prelude::{Engine as _, BASE64_STANDARD};
use bindery_scan::source::{load_image, Pacing, Y4mSource};
use bindery_scan::{FrameSource, GrayImage};
use dioxus::prelude::document;
use image::ImageEncoder;
use serde::Serialize;

/// The page side.
const FAKE_SCRIPT: &str = include_str!("fake_camera.js");

/// The camera size an image is staged in.
const STAGE: (usize, usize) = (1280, 720);

/// The most frames of a video handed to the page (each crosses as a PNG).
const MAX_FRAMES: usize = 30;

/// What the page plays, or that it should use the real camera again.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum FakeCamera {
    Frames {
        frames: Vec<String>,
        fps: f64,
        width: usize,
        height: usize,
        name: String,
    },
    Real {
        real: bool,
    },
}

/// Replaces the page's camera with `file`, or gives it back its own camera when `None`.
/// The file is read off the UI's thread.
pub(super) async fn install(file: Option<&Path>) -> Result<(), String> {
    let fake = match file {
        None => FakeCamera::Real { real: true },
        Some(path) => {
            let path = path.to_owned();
            let (done, loaded) = futures_channel::oneshot::channel();
            std::thread::Builder::new()
                .name("bindery-fake-camera".into())
                .spawn(move || {
                    let _ = done.send(load(&path));
                })
                .map_err(|e| e.to_string())?;
            loaded
                .await
                .map_err(|_| "the QA camera file could not be read".to_owned())??
        }
    };
    let mut page = document::eval(FAKE_SCRIPT);
    page.send(fake).map_err(|e| e.to_string())?;
    // Read as a message, not as the script's result: once a script has ended, Dioxus may
    // forget it before its result is read. The script ends when told it was read.
    let installed: String = page.recv().await.map_err(|e| e.to_string())?;
    let _ = page.send("read");
    if installed != "fake" && installed != "real" {
        return Err(format!("the QA camera could not be set up: {installed}"));
    }
    tracing::info!(%installed, "webview camera source");
    Ok(())
}

/// The frames of `path`, as the page plays them.
fn load(path: &Path) -> Result<FakeCamera, String> {
    let failed = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let is_video = path
        .extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("y4m"));
    let (frames, fps) = if is_video {
        video_frames(path.to_owned()).map_err(|e| failed(&e))?
    } else {
        let image = load_image(path).map_err(|e| failed(&e))?;
        let staged = image
            .staged(STAGE.0, STAGE.1)
            .ok_or_else(|| failed(&"the image is larger than a 1280x720 camera frame"))?;
        (vec![staged], 30.0)
    };
    let (width, height) = (frames[0].width(), frames[0].height());
    let frames = frames
        .iter()
        .map(png_url)
        .collect::<Result<Vec<String>, String>>()?;
    Ok(FakeCamera::Frames {
        frames,
        fps,
        width,
        height,
        name: format!("QA: {}", path.display()),
    })
}

/// The first [`MAX_FRAMES`] frames of a video that differ from the one before, and its frame
/// rate.
fn video_frames(path: PathBuf) -> Result<(Vec<GrayImage>, f64), bindery_scan::SourceError> {
    let mut video = Y4mSource::open(&path, false, Pacing::Unpaced)?;
    let mut frames: Vec<GrayImage> = Vec::new();
    let mut times = Vec::new();
    while frames.len() < MAX_FRAMES {
        let Some(frame) = video.next_frame()? else {
            break;
        };
        times.push(frame.timestamp);
        if frames.last() != Some(&frame.image) {
            frames.push(frame.image);
        }
    }
    if frames.is_empty() {
        return Err(bindery_scan::SourceError::Io {
            path,
            message: "the video has no frames".to_owned(),
        });
    }
    let fps = match times.as_slice() {
        [first, second, ..] if second > first => 1.0 / (*second - *first).as_secs_f64(),
        _ => 30.0,
    };
    Ok((frames, fps))
}

/// A gray frame as a `data:` URL of a PNG (labels are mostly flat, so PNG is small).
fn png_url(frame: &GrayImage) -> Result<String, String> {
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(Cursor::new(&mut png))
        .write_image(
            frame.pixels(),
            frame.width() as u32,
            frame.height() as u32,
            image::ExtendedColorType::L8,
        )
        .map_err(|e| e.to_string())?;
    let mut url = String::from("data:image/png;base64,");
    BASE64_STANDARD.encode_string(&png, &mut url);
    Ok(url)
}
