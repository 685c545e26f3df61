//! Bindery's scanner: where camera frames become bindable payloads.
//!
//! The crate is split the way a frame travels:
//!
//! - [`source`]: where frames come from ([`FrameSource`]: an image file, a folder of images,
//!   a Y4M video played as a camera, or a live camera behind the `camera` feature), so QA can
//!   scan without a camera and the app treats all of them alike;
//! - [`pipeline`]: one gray frame in, decoded codes out (prepare → binarize → detect/decode
//!   with two engines in a cascade → parse with `bindery-core`);
//! - [`Scanner`]: runs the pipeline on a worker thread, always on the newest frame, and
//!   reports each code once.
//!
//! Everything except the worker thread and the camera builds for `wasm32-unknown-unknown`
//! (`--no-default-features`), so the web app can use the same pipeline on its own frames.

pub mod frame;
pub mod pipeline;
#[cfg(not(target_arch = "wasm32"))]
pub mod scanner;
pub mod source;

pub use frame::{Frame, GrayImage, GrayView};
pub use pipeline::{
    quiet_engine_panics, Binarization, Code, Decoder, Effort, Engine, Method, Pass, Point, Scale,
    ScanStats, When,
};
#[cfg(not(target_arch = "wasm32"))]
pub use scanner::{ScanEvent, Scanner, ScannerStats};
pub use source::{FrameSource, SourceError};
