//! Still pictures as frame sources: one image file, a folder of images played in name
//! order, and frames already in memory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::base::{Clock, FrameCounter, FrameSource, Pacing, SourceError};
use crate::frame::{Frame, GrayImage};

/// Reads one picture file into gray.
pub fn load_image(path: &Path) -> Result<GrayImage, SourceError> {
    let bytes = std::fs::read(path).map_err(|e| SourceError::io(path, &e))?;
    decode_image(path, &bytes)
}

/// Decodes a picture already in memory (a file a browser handed over); `name` is used in
/// errors.
pub fn decode_image(name: &Path, bytes: &[u8]) -> Result<GrayImage, SourceError> {
    let img = image::load_from_memory(bytes).map_err(|e| SourceError::BadImage {
        path: name.to_owned(),
        message: e.to_string(),
    })?;
    Ok(GrayImage::from_dynamic(img))
}

/// One image file as a source: a single frame, then the end.
#[derive(Debug)]
pub struct ImageFileSource {
    path: PathBuf,
    image: Option<GrayImage>,
}

impl ImageFileSource {
    /// Loads the file now, so a bad path or format is reported at once.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, SourceError> {
        let path = path.into();
        let image = load_image(&path)?;
        Ok(ImageFileSource {
            path,
            image: Some(image),
        })
    }
}

impl FrameSource for ImageFileSource {
    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        let mut counter = FrameCounter::default();
        Ok(self
            .image
            .take()
            .map(|image| counter.frame(image, Duration::ZERO)))
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

const IMAGE_EXTENSIONS: [&str; 6] = ["png", "jpg", "jpeg", "webp", "gif", "bmp"];

/// True when the file name has an extension this crate decodes.
pub fn is_image_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|k| k.eq_ignore_ascii_case(e)))
}

/// A folder of images as a source: each image a frame, in file-name order.
#[derive(Debug)]
pub struct FolderSource {
    folder: PathBuf,
    files: Vec<PathBuf>,
    next: usize,
    counter: FrameCounter,
    frame_interval: Duration,
    looping: bool,
    clock: Clock,
}

impl FolderSource {
    /// Lists the folder's images (not recursively). `fps` sets the timestamps and, with
    /// [`Pacing::RealTime`], the speed; `looping` starts over after the last image.
    pub fn open(
        folder: impl Into<PathBuf>,
        fps: f64,
        looping: bool,
        pacing: Pacing,
    ) -> Result<Self, SourceError> {
        let folder = folder.into();
        let entries = std::fs::read_dir(&folder).map_err(|e| SourceError::io(&folder, &e))?;
        let mut files = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| SourceError::io(&folder, &e))?.path();
            if path.is_file() && is_image_path(&path) {
                files.push(path);
            }
        }
        if files.is_empty() {
            return Err(SourceError::EmptyFolder { path: folder });
        }
        files.sort();
        Ok(FolderSource {
            folder,
            files,
            next: 0,
            counter: FrameCounter::default(),
            frame_interval: Duration::from_secs_f64(1.0 / fps.max(0.001)),
            looping,
            clock: Clock::new(pacing),
        })
    }

    /// The images, in the order they are played.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }
}

impl FrameSource for FolderSource {
    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        if self.next == self.files.len() {
            if !self.looping {
                return Ok(None);
            }
            self.next = 0;
        }
        let image = load_image(&self.files[self.next])?;
        self.next += 1;
        let timestamp = self.frame_interval.mul_f64(self.counter.count() as f64);
        self.clock.wait_until(timestamp);
        Ok(Some(self.counter.frame(image, timestamp)))
    }

    fn describe(&self) -> String {
        self.folder.display().to_string()
    }
}

/// Frames already in memory (tests, the web app handing over canvas pixels).
#[derive(Debug, Default)]
pub struct MemorySource {
    frames: std::collections::VecDeque<Frame>,
}

impl MemorySource {
    /// Plays `images` once, `interval` apart in their timestamps.
    pub fn new(images: impl IntoIterator<Item = GrayImage>, interval: Duration) -> Self {
        let mut counter = FrameCounter::default();
        let frames = images
            .into_iter()
            .map(|image| {
                let timestamp = interval.mul_f64(counter.count() as f64);
                counter.frame(image, timestamp)
            })
            .collect();
        MemorySource { frames }
    }
}

impl FrameSource for MemorySource {
    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        Ok(self.frames.pop_front())
    }

    fn describe(&self) -> String {
        "frames in memory".to_owned()
    }
}
