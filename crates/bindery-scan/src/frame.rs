//! The one picture type every source produces and the pipeline consumes: 8-bit gray.
//!
//! QR decoding only needs luminance, so sources hand over gray pixels as early as they can
//! (the Y plane of a video frame is used as is, an 8-bit gray PNG is not converted) and the
//! pipeline borrows them through [`GrayView`] instead of copying.

use std::time::Duration;

/// An owned 8-bit gray image, rows packed without padding (0 = black, 255 = white).
#[derive(Clone, PartialEq, Eq)]
pub struct GrayImage {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl std::fmt::Debug for GrayImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GrayImage({}x{})", self.width, self.height)
    }
}

impl GrayImage {
    /// Wraps `pixels` (row-major, `width * height` bytes); `None` when the length is wrong.
    pub fn new(width: usize, height: usize, pixels: Vec<u8>) -> Option<Self> {
        (width.checked_mul(height)? == pixels.len()).then_some(GrayImage {
            width,
            height,
            pixels,
        })
    }

    /// A `width x height` image of one gray level.
    pub fn filled(width: usize, height: usize, level: u8) -> Self {
        GrayImage {
            width,
            height,
            pixels: vec![level; width * height],
        }
    }

    /// A `width`x`height` camera frame showing this image in the middle, enlarged by a whole
    /// factor to about half the frame's height, on a light background: what a camera sees of
    /// a label held up to it. `None` when the image does not fit the frame.
    pub fn staged(&self, width: usize, height: usize) -> Option<GrayImage> {
        let scale = (height / 2 / self.height.max(1)).max(1);
        let (shown_width, shown_height) = (self.width * scale, self.height * scale);
        if shown_width > width || shown_height > height {
            return None;
        }
        let mut frame = GrayImage::filled(width, height, 214);
        let (left, top) = ((width - shown_width) / 2, (height - shown_height) / 2);
        for y in 0..shown_height {
            let source = &self.pixels[(y / scale) * self.width..][..self.width];
            let row = &mut frame.pixels[(top + y) * width + left..][..shown_width];
            for (x, pixel) in row.iter_mut().enumerate() {
                *pixel = source[x / scale];
            }
        }
        Some(frame)
    }

    /// Converts packed RGB (3 bytes a pixel) with the integer BT.601 weights.
    pub fn from_rgb(width: usize, height: usize, rgb: &[u8]) -> Option<Self> {
        Self::from_packed(width, height, rgb, 3)
    }

    /// Converts packed RGBA (4 bytes a pixel, as a canvas's `ImageData` holds it); alpha is
    /// ignored.
    pub fn from_rgba(width: usize, height: usize, rgba: &[u8]) -> Option<Self> {
        Self::from_packed(width, height, rgba, 4)
    }

    /// Red, green and blue first in each `bytes_per_pixel` run, BT.601 integer weights.
    fn from_packed(
        width: usize,
        height: usize,
        packed: &[u8],
        bytes_per_pixel: usize,
    ) -> Option<Self> {
        if width.checked_mul(height)?.checked_mul(bytes_per_pixel)? != packed.len() {
            return None;
        }
        let pixels = packed
            .chunks_exact(bytes_per_pixel)
            .map(|p| ((77 * p[0] as u32 + 150 * p[1] as u32 + 29 * p[2] as u32) >> 8) as u8)
            .collect();
        GrayImage::new(width, height, pixels)
    }

    /// Takes an `image` crate picture; 8-bit gray ones are moved, not converted.
    pub fn from_dynamic(img: image::DynamicImage) -> Self {
        GrayImage::from_luma(img.into_luma8())
    }

    /// Takes the `image` crate's 8-bit gray buffer (what decoders and nokhwa hand out)
    /// without copying its pixels.
    pub fn from_luma(luma: image::GrayImage) -> Self {
        GrayImage {
            width: luma.width() as usize,
            height: luma.height() as usize,
            pixels: luma.into_raw(),
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The pixels, row after row.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The pixels, mutably (for drawing test fixtures and in-place filters).
    pub fn pixels_mut(&mut self) -> &mut [u8] {
        &mut self.pixels
    }

    /// Gives the pixel buffer back.
    pub fn into_pixels(self) -> Vec<u8> {
        self.pixels
    }

    /// Borrows the whole image.
    pub fn view(&self) -> GrayView<'_> {
        GrayView {
            width: self.width,
            height: self.height,
            stride: self.width,
            pixels: &self.pixels,
        }
    }
}

/// A borrowed gray picture: possibly a window into a larger buffer (`stride` ≥ `width`).
#[derive(Clone, Copy, Debug)]
pub struct GrayView<'a> {
    width: usize,
    height: usize,
    stride: usize,
    pixels: &'a [u8],
}

impl<'a> GrayView<'a> {
    /// Borrows `pixels` as `height` rows of `stride` bytes of which the first `width` are
    /// the picture (a camera's padded Y plane, say). `None` when the buffer is too short.
    pub fn new(width: usize, height: usize, stride: usize, pixels: &'a [u8]) -> Option<Self> {
        let needed = if height == 0 {
            0
        } else {
            stride.checked_mul(height - 1)?.checked_add(width)?
        };
        (stride >= width && pixels.len() >= needed).then_some(GrayView {
            width,
            height,
            stride,
            pixels,
        })
    }

    /// Width in pixels (without the row padding).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// One row of `width` pixels.
    #[inline]
    pub fn row(&self, y: usize) -> &'a [u8] {
        &self.pixels[y * self.stride..y * self.stride + self.width]
    }

    /// The window `width` x `height` whose top-left pixel is (`x`, `y`), clamped to this
    /// view; no pixel is copied.
    pub fn crop(&self, x: usize, y: usize, width: usize, height: usize) -> GrayView<'a> {
        let x = x.min(self.width);
        let y = y.min(self.height);
        let width = width.min(self.width - x);
        let height = height.min(self.height - y);
        let start = (y * self.stride + x).min(self.pixels.len());
        GrayView {
            width,
            height,
            stride: self.stride,
            pixels: &self.pixels[start..],
        }
    }

    /// The pixels as one packed slice, when rows have no padding.
    pub fn as_packed(&self) -> Option<&'a [u8]> {
        (self.stride == self.width).then(|| &self.pixels[..self.width * self.height])
    }

    /// Copies into an owned packed image.
    pub fn to_owned_image(&self) -> GrayImage {
        let mut pixels = Vec::with_capacity(self.width * self.height);
        for y in 0..self.height {
            pixels.extend_from_slice(self.row(y));
        }
        GrayImage {
            width: self.width,
            height: self.height,
            pixels,
        }
    }
}

/// A frame from a source: the picture and when it was taken.
#[derive(Clone, Debug)]
pub struct Frame {
    /// The picture, in gray.
    pub image: GrayImage,
    /// Time since the source started (for files: position in the sequence at its frame rate).
    pub timestamp: Duration,
    /// Which frame of the source this is, counting from 0.
    pub index: u64,
}

#[cfg(test)]
mod tests {
    use super::GrayImage;

    #[test]
    fn colour_frames_become_gray_with_bt601_weights() {
        // white, black, pure red, pure green, pure blue
        let rgb = [255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255];
        let rgba: Vec<u8> = rgb
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 7])
            .collect();
        let expected = [255, 0, 76, 149, 28];
        assert_eq!(GrayImage::from_rgb(5, 1, &rgb).unwrap().pixels(), expected);
        assert_eq!(
            GrayImage::from_rgba(5, 1, &rgba).unwrap().pixels(),
            expected
        );
    }

    #[test]
    fn a_staged_image_is_enlarged_into_the_middle_of_the_frame() {
        let dot = GrayImage::new(2, 2, vec![0, 255, 255, 0]).unwrap();
        let frame = dot.staged(8, 8).unwrap();
        // Enlarged twice (to half of 8 rows), placed at (2, 2).
        let rows: Vec<&[u8]> = frame.pixels().chunks(8).collect();
        assert_eq!(rows[0], [214; 8]);
        assert_eq!(rows[2], [214, 214, 0, 0, 255, 255, 214, 214]);
        assert_eq!(rows[5], [214, 214, 255, 255, 0, 0, 214, 214]);
        assert!(GrayImage::filled(9, 9, 0).staged(8, 8).is_none());
    }

    #[test]
    fn a_buffer_of_the_wrong_length_is_refused() {
        for (width, height, len) in [(2, 2, 15), (2, 2, 17), (usize::MAX, 2, 8)] {
            assert!(GrayImage::from_rgba(width, height, &vec![0; len]).is_none());
        }
        assert!(GrayImage::from_rgb(2, 2, &[0; 11]).is_none());
    }
}
