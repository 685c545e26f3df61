//! Bindery's scanner as a WebAssembly module of its own.
//!
//! Why it exists: the web app's first screen (Sign-in) never scans, yet the decoder
//! (`bindery-scan` with rxing, rqrr, the image crate's PNG/JPEG/GIF/WebP decoders and
//! encoding_rs) was more than half of the one wasm every visit downloaded and compiled before
//! that screen went live. Built apart (`cargo xtask web` puts `scanner.js` and
//! `scanner_bg.wasm`, built with WebAssembly SIMD, `scanner-scalar.js` and
//! `scanner-scalar_bg.wasm`, built without, and `scanner-worker.js`, which picks one, into
//! the build's folder), the app asks for it
//! only when it first scans — the Scan screen or "Open image…" — and runs it in a Web Worker
//! (`js/worker.js`), so decoding never holds up the page's thread, and a decoder panic (an
//! abort on wasm) ends the worker, not the app.
//!
//! The surface is small on purpose: a [`LiveScanner`] per camera session (the live effort,
//! which keeps its pass schedule from frame to frame), and [`read_picture`] for a photo the
//! user picked (the thorough effort). The same functions run natively in the tests and in
//! the wasm-vs-native bench (`benches/wasm_vs_native.rs`).

#![deny(missing_docs)]

// Natively the C library's memcmp is used; the tests check the wasm one's logic.
#[cfg(any(target_arch = "wasm32", test))]
mod memcmp;

use std::cell::RefCell;
use std::path::Path;

use bindery_scan::source::decode_image;
use bindery_scan::{Decoder, Effort, GrayImage, GrayView};
use wasm_bindgen::prelude::*;

/// The decoder of one camera session: give it each frame the camera shows, newest first.
/// Keep one per camera (a new one when the camera is reopened): the live effort spreads its
/// costlier passes over consecutive frames.
#[wasm_bindgen]
pub struct LiveScanner {
    decoder: Decoder,
}

impl Default for LiveScanner {
    fn default() -> Self {
        LiveScanner::new()
    }
}

#[wasm_bindgen]
impl LiveScanner {
    /// A decoder with the live effort (`bindery_scan::Effort::Live`).
    #[wasm_bindgen(constructor)]
    pub fn new() -> LiveScanner {
        LiveScanner {
            decoder: Decoder::new(Effort::Live),
        }
    }

    /// The texts of the codes in a `width`×`height` frame of packed RGBA (a canvas's
    /// `ImageData`); none when the pixels are not that size.
    pub fn decode_rgba(&mut self, width: u32, height: u32, rgba: &[u8]) -> Vec<String> {
        match GrayImage::from_rgba(width as usize, height as usize, rgba) {
            Some(frame) => self.texts(frame.view()),
            None => Vec::new(),
        }
    }

    /// The texts of the codes in a `width`×`height` frame of 8-bit gray; none when the
    /// pixels are not that size.
    pub fn decode_gray(&mut self, width: u32, height: u32, gray: &[u8]) -> Vec<String> {
        let (width, height) = (width as usize, height as usize);
        match GrayView::new(width, height, width, gray).filter(|_| gray.len() == width * height) {
            Some(frame) => self.texts(frame),
            None => Vec::new(),
        }
    }

    fn texts(&mut self, frame: GrayView<'_>) -> Vec<String> {
        self.decoder
            .decode(frame)
            .into_iter()
            .map(|code| code.text)
            .collect()
    }
}

/// What [`read_picture`] found in a picture.
#[wasm_bindgen]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    text: Option<String>,
    unreadable: Option<String>,
}

#[wasm_bindgen]
impl Picture {
    /// The first code's text; `None` when the picture holds no readable code or is no
    /// picture at all.
    #[wasm_bindgen(getter)]
    pub fn text(&self) -> Option<String> {
        self.text.clone()
    }

    /// Why the bytes could not be read as a picture, in the image decoder's words; `None`
    /// when they could.
    #[wasm_bindgen(getter)]
    pub fn unreadable(&self) -> Option<String> {
        self.unreadable.clone()
    }
}

/// Reads the first code in a picture file's bytes (PNG, JPEG, GIF, WebP or BMP) with the
/// thorough effort; `name` is the file's name as the user knows it, used in the reason when
/// the bytes are no picture.
#[wasm_bindgen]
pub fn read_picture(name: &str, bytes: &[u8]) -> Picture {
    match decode_image(Path::new(name), bytes) {
        Ok(image) => Picture {
            text: Decoder::new(Effort::Thorough)
                .decode(image.view())
                .into_iter()
                .next()
                .map(|code| code.text),
            unreadable: None,
        },
        Err(error) => Picture {
            text: None,
            unreadable: Some(error.to_string()),
        },
    }
}

thread_local! {
    /// The message of the last panic, kept by the hook [`start`] sets.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Set up once when the module is instantiated: a panic aborts on wasm (the call throws a
/// `RuntimeError: unreachable` and the instance must not be used again), so the hook keeps
/// its message for the worker to report with [`last_panic`] before it ends.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        LAST_PANIC.with(|last| *last.borrow_mut() = Some(info.to_string()));
    }));
}

/// The message of the last panic in this instance, if there was one.
#[wasm_bindgen]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.with(|last| last.borrow().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A v2 label drawn dark on light, 4 pixels a module with its quiet zone, staged in a
    /// 1280x720 frame as a camera sees it.
    fn label_frame(text: &str) -> GrayImage {
        let qr = qrcode::QrCode::new(text).unwrap();
        let (modules, colors) = (qr.width(), qr.to_colors());
        let side = (modules + 8) * 4;
        let pixels = (0..side * side)
            .map(|i| {
                let (x, y) = ((i % side) / 4, (i / side) / 4);
                let inside = (4..4 + modules).contains(&x) && (4..4 + modules).contains(&y);
                let dark = inside && colors[(y - 4) * modules + x - 4] == qrcode::Color::Dark;
                if dark {
                    25
                } else {
                    230
                }
            })
            .collect();
        GrayImage::new(side, side, pixels)
            .unwrap()
            .staged(1280, 720)
            .unwrap()
    }

    const LABEL: &str = "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD";

    #[test]
    fn a_gray_frame_and_its_rgba_give_the_label() {
        let frame = label_frame(LABEL);
        let mut live = LiveScanner::new();
        assert_eq!(live.decode_gray(1280, 720, frame.pixels()), [LABEL]);
        let rgba: Vec<u8> = frame
            .pixels()
            .iter()
            .flat_map(|&v| [v, v, v, 255])
            .collect();
        assert_eq!(live.decode_rgba(1280, 720, &rgba), [LABEL]);
    }

    #[test]
    fn pixels_of_the_wrong_size_read_nothing() {
        let frame = label_frame(LABEL);
        let mut live = LiveScanner::new();
        assert!(live.decode_gray(1280, 719, frame.pixels()).is_empty());
        assert!(live.decode_gray(1281, 720, frame.pixels()).is_empty());
        assert!(live.decode_rgba(1280, 720, frame.pixels()).is_empty());
    }

    #[test]
    fn a_picture_gives_its_code_or_says_why_not() {
        let frame = label_frame(LABEL);
        let mut png = Vec::new();
        image::GrayImage::from_raw(1280, 720, frame.pixels().to_vec())
            .unwrap()
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let read = read_picture("label.png", &png);
        assert_eq!(read.text().as_deref(), Some(LABEL));
        assert_eq!(read.unreadable(), None);

        let mut empty = Vec::new();
        image::GrayImage::from_pixel(64, 64, image::Luma([200]))
            .write_to(
                &mut std::io::Cursor::new(&mut empty),
                image::ImageFormat::Png,
            )
            .unwrap();
        let read = read_picture("wall.png", &empty);
        assert_eq!((read.text(), read.unreadable()), (None, None));

        let read = read_picture("notes.txt", b"not a picture");
        assert_eq!(read.text(), None);
        assert!(read.unreadable().is_some_and(|why| !why.is_empty()));
    }
}
