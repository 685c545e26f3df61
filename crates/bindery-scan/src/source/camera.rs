//! Live cameras through `nokhwa` (desktop). Kept behind the `camera` feature because nokhwa
//! needs native libraries and does not build for wasm; a machine with no camera (CI, most
//! QA emulators) gets [`SourceError::NoCamera`] rather than a driver error.
//!
//! Torch control is not offered: nokhwa 0.10 exposes no torch/flash control on any backend.

use std::time::Instant;

use nokhwa::pixel_format::LumaFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
    Resolution,
};
use nokhwa::Camera;

use super::base::{FrameCounter, FrameSource, SourceError};
use crate::frame::{Frame, GrayImage};

/// A camera as the system lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraDevice {
    /// Position in [`list_cameras`], what [`CameraSource::open`] takes.
    pub index: usize,
    /// The name the system gives it ("Integrated Camera").
    pub name: String,
    /// Where the driver found it (the backend and device path).
    pub description: String,
}

/// What to ask the camera for; it gets the closest format it supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CameraRequest {
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// Frames a second.
    pub fps: u32,
}

impl Default for CameraRequest {
    /// 1280x720 at 30 fps: enough pixels for a label at arm's length, cheap to decode.
    fn default() -> Self {
        CameraRequest {
            width: 1280,
            height: 720,
            fps: 30,
        }
    }
}

fn camera_error(e: impl std::fmt::Display) -> SourceError {
    SourceError::Camera {
        message: e.to_string(),
    }
}

/// The cameras present now; an empty list when there are none.
pub fn list_cameras() -> Result<Vec<CameraDevice>, SourceError> {
    let infos = nokhwa::query(ApiBackend::Auto).map_err(camera_error)?;
    Ok(infos
        .iter()
        .enumerate()
        .map(|(index, info)| CameraDevice {
            index,
            name: info.human_name(),
            description: info.description().to_owned(),
        })
        .collect())
}

/// A streaming camera delivering gray frames.
pub struct CameraSource {
    camera: Camera,
    name: String,
    started: Instant,
    counter: FrameCounter,
}

impl CameraSource {
    /// Opens camera `index` of [`list_cameras`] and starts streaming.
    pub fn open(index: usize, request: CameraRequest) -> Result<Self, SourceError> {
        let cameras = list_cameras()?;
        if cameras.is_empty() {
            return Err(SourceError::NoCamera);
        }
        let device = cameras.get(index).ok_or(SourceError::CameraNotFound {
            index,
            available: cameras.len(),
        })?;
        let wanted = CameraFormat::new(
            Resolution::new(request.width, request.height),
            FrameFormat::MJPEG,
            request.fps,
        );
        let format = RequestedFormat::new::<LumaFormat>(RequestedFormatType::Closest(wanted));
        let mut camera =
            Camera::new(CameraIndex::Index(index as u32), format).map_err(camera_error)?;
        camera.open_stream().map_err(camera_error)?;
        Ok(CameraSource {
            camera,
            name: format!("camera {index} ({})", device.name),
            started: Instant::now(),
            counter: FrameCounter::default(),
        })
    }

    /// The format the camera settled on: (width, height, fps).
    pub fn format(&self) -> (u32, u32, u32) {
        let f = self.camera.camera_format();
        (f.width(), f.height(), f.frame_rate())
    }
}

impl FrameSource for CameraSource {
    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        let buffer = self.camera.frame().map_err(camera_error)?;
        let timestamp = self.started.elapsed();
        let luma = buffer.decode_image::<LumaFormat>().map_err(camera_error)?;
        Ok(Some(
            self.counter.frame(GrayImage::from_luma(luma), timestamp),
        ))
    }

    fn describe(&self) -> String {
        self.name.clone()
    }
}

impl Drop for CameraSource {
    fn drop(&mut self) {
        let _ = self.camera.stop_stream();
    }
}
