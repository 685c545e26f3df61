//! Where frames come from. A QA tester without a camera must be able to scan an image file,
//! a folder of images or a video file exactly as a user scans with a camera, so every source
//! hides behind [`FrameSource`] and the [`Scanner`](crate::Scanner) cannot tell them apart.
//!
//! `base` holds what all sources share; each kind of source is a module of its own that
//! imports from `base` only, and this module just re-exports them.

mod base;
#[cfg(feature = "camera")]
pub mod camera;
mod images;
pub mod y4m;

pub use base::{FrameSource, Pacing, SourceError};
pub use images::{
    decode_image, is_image_path, load_image, FolderSource, ImageFileSource, MemorySource,
};
pub use y4m::{write_y4m, Y4mSource};
