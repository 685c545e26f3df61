//! What every frame source shares: the [`FrameSource`] trait, its error, pacing and frame
//! numbering. The sources import these and the `source` module re-exports them; nothing
//! here imports a source, so the dependencies point one way.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::frame::{Frame, GrayImage};

/// Anything that yields gray frames: a camera, a video, a folder, one image.
pub trait FrameSource {
    /// The next frame; `Ok(None)` when the source has ended (a camera never ends).
    /// A camera blocks until its next frame; files may be paced to their frame rate.
    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError>;

    /// A short name for logs and error screens ("camera 0", "labels.y4m").
    fn describe(&self) -> String;
}

impl<S: FrameSource + ?Sized> FrameSource for Box<S> {
    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        (**self).next_frame()
    }

    fn describe(&self) -> String {
        (**self).describe()
    }
}

/// Why a source gave no frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// A file or folder could not be read (missing, no permission, a read error).
    #[error("cannot read {path}: {message}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        message: String,
    },
    /// A file is not a picture in a format this crate decodes, or is damaged.
    #[error("{path} is not an image this scanner can read: {message}")]
    BadImage {
        /// The file (or the name a picture in memory was given).
        path: PathBuf,
        /// What the image decoder said.
        message: String,
    },
    /// A folder source was given a folder without any image file in it.
    #[error("the folder {path} holds no images (png, jpg, jpeg, webp, gif, bmp)")]
    EmptyFolder {
        /// The folder.
        path: PathBuf,
    },
    /// A video file's header is not a Y4M header this reader understands.
    #[error("{path} is not a Y4M video: {reason}")]
    BadVideo {
        /// The video file.
        path: PathBuf,
        /// What is wrong with the header.
        reason: String,
    },
    /// A Y4M video in a colour space with more than 8 bits a sample.
    #[error("{path} uses the Y4M colour space {colorspace:?}; only 8-bit ones are supported")]
    UnsupportedVideo {
        /// The video file.
        path: PathBuf,
        /// The header's `C` parameter, as written.
        colorspace: String,
    },
    /// A Y4M video that stops partway through a frame (a copy cut short).
    #[error("{path} ends in the middle of frame {frame}")]
    TruncatedVideo {
        /// The video file.
        path: PathBuf,
        /// The frame cut off, counting from 0.
        frame: u64,
    },
    /// The device has no camera at all (CI, most emulators): offer a file instead.
    #[error("no camera was found on this device")]
    NoCamera,
    /// A camera index past the cameras the device has.
    #[error("there is no camera {index}: {available} camera(s) found")]
    CameraNotFound {
        /// The index asked for.
        index: usize,
        /// How many cameras there are.
        available: usize,
    },
    /// The camera driver failed (busy, unplugged, no permission, a format it cannot give).
    #[error("the camera failed: {message}")]
    Camera {
        /// What the driver said.
        message: String,
    },
}

impl SourceError {
    pub(crate) fn io(path: &Path, err: &std::io::Error) -> Self {
        SourceError::Io {
            path: path.to_owned(),
            message: err.to_string(),
        }
    }
}

/// How a file source hands out frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pacing {
    /// As fast as they are asked for (batch scans, tests, benchmarks).
    Unpaced,
    /// At the nominal frame rate, like a camera (so the scanner has to drop stale frames).
    RealTime,
}

/// Keeps a file source at its nominal frame rate when asked to.
#[derive(Debug)]
pub(crate) struct Clock {
    pacing: Pacing,
    started: Option<Instant>,
}

impl Clock {
    pub(crate) fn new(pacing: Pacing) -> Self {
        Clock {
            pacing,
            started: None,
        }
    }

    /// Waits until `at` (time since the first frame) when pacing in real time.
    pub(crate) fn wait_until(&mut self, at: Duration) {
        if self.pacing == Pacing::Unpaced {
            return;
        }
        let started = *self.started.get_or_insert_with(Instant::now);
        let elapsed = started.elapsed();
        if at > elapsed {
            std::thread::sleep(at - elapsed);
        }
    }
}

/// Numbers a source's frames: every source hands out `Frame`s the same way (index from 0,
/// its own timestamp), so that bookkeeping lives here once.
#[derive(Debug, Default)]
pub(crate) struct FrameCounter {
    next: u64,
}

impl FrameCounter {
    /// How many frames were handed out so far (the index the next one gets).
    pub(crate) fn count(&self) -> u64 {
        self.next
    }

    /// `image` as the source's next frame.
    pub(crate) fn frame(&mut self, image: GrayImage, timestamp: Duration) -> Frame {
        let index = self.next;
        self.next += 1;
        Frame {
            image,
            timestamp,
            index,
        }
    }
}
