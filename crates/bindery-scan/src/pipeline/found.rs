//! What an engine hands back, before the cascade maps it to frame coordinates: the text and
//! the outline, in the coordinates of the picture the engine was given. Every engine and our
//! own resampling produce it and the cascade consumes it, so it lives below all of them
//! (rather than in `engines`, which `sample` would then have to import back).

/// A point in pixel coordinates (of the frame, in a [`Code`](super::Code)).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Point {
    /// Pixels from the left edge.
    pub x: f32,
    /// Pixels from the top edge.
    pub y: f32,
}

/// A code one engine read, in the coordinates of the image it was given.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub text: String,
    pub corners: Vec<Point>,
}

/// Decoded bytes as text: UTF-8 when valid, else ISO-8859-1 (the QR default charset).
pub(crate) fn bytes_to_text(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|&b| b as char).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::bytes_to_text;

    #[test]
    fn latin1_fallback_for_non_utf8_bytes() {
        assert_eq!(bytes_to_text(vec![0x41, 0xE9]), "Aé");
        assert_eq!(bytes_to_text("ü".as_bytes().to_vec()), "ü");
    }
}
