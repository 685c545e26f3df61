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
//!
//! # Example
//!
//! Reading a label from a picture: here a Bindery v2 label drawn in memory (the `qrcode`
//! crate makes the code, 4 pixels a module, dark on light, with its quiet zone); a camera
//! frame or [`source::load_image`] gives the same [`GrayImage`].
//!
//! ```
//! use bindery_core::QrKind;
//! use bindery_scan::{Decoder, Effort, GrayImage};
//!
//! let text = "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD";
//! let qr = qrcode::QrCode::new(text).unwrap();
//! let (modules, colors) = (qr.width(), qr.to_colors());
//! let (scale, quiet) = (4, 4);
//! let side = (modules + 2 * quiet) * scale;
//! let pixels = (0..side * side)
//!     .map(|i| {
//!         let (x, y) = ((i % side) / scale, (i / side) / scale);
//!         let inside = (quiet..quiet + modules).contains(&x) && (quiet..quiet + modules).contains(&y);
//!         let dark = inside && colors[(y - quiet) * modules + x - quiet] == qrcode::Color::Dark;
//!         if dark { 25 } else { 230 }
//!     })
//!     .collect();
//! let picture = GrayImage::new(side, side, pixels).unwrap();
//!
//! let codes = Decoder::new(Effort::Thorough).decode(picture.view());
//!
//! assert_eq!(codes.len(), 1);
//! assert_eq!(codes[0].text, text);
//! let label = codes[0].payload.as_ref().expect("a Bindery label");
//! assert_eq!(label.kind(), QrKind::BinderyV2);
//! assert_eq!(label.sn().map(|sn| sn.as_str()), Some("BD7K2M9Q4X"));
//! ```

#![deny(missing_docs)]

pub mod frame;
pub mod pipeline;
#[cfg(not(target_arch = "wasm32"))]
pub mod scanner;
pub mod source;

pub use frame::{Frame, GrayImage, GrayView};
pub use pipeline::{
    parse_formats, quiet_engine_panics, Binarization, Code, Decoder, Effort, Engine, Format,
    Method, Pass, Point, Scale, ScanStats, UnknownFormat, When, LIVE_BUDGET,
};
#[cfg(not(target_arch = "wasm32"))]
pub use scanner::{ScanEvent, Scanner, ScannerStats};
pub use source::{FrameSource, SourceError};
