//! The release bundle's files compressed once at the best ratio, next to each file (`x.br`,
//! `x.gz`): the cloud sends such a file as it is (`tower-http`'s precompressed serving)
//! instead of compressing on every request at a fast, weaker level. Brotli at quality 11 is
//! what a phone on a slow link gets; gzip by Zopfli is for the browsers without brotli.
//!
//! Both are too slow for the dev build the tests use (the wasm alone takes tens of seconds),
//! so only `cargo xtask web` without `--dev` writes them.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::shell::Failure;

/// The two encodings a bundle file is kept in, by file suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `.br`: brotli, quality 11, the largest window.
    Brotli,
    /// `.gz`: gzip written by Zopfli.
    Gzip,
}

impl Encoding {
    /// Every encoding written.
    pub const ALL: [Encoding; 2] = [Encoding::Brotli, Encoding::Gzip];

    /// The suffix the cloud looks for next to the original.
    pub fn suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gz",
        }
    }

    /// `bytes` compressed.
    pub fn compress(self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Encoding::Brotli => {
                let params = brotli::enc::BrotliEncoderParams {
                    quality: 11,
                    lgwin: 24,
                    ..Default::default()
                };
                let mut writer = brotli::CompressorWriter::with_params(&mut out, 4096, &params);
                writer.write_all(bytes).expect("writing to memory");
                drop(writer);
            }
            Encoding::Gzip => {
                zopfli::compress(
                    zopfli::Options::default(),
                    zopfli::Format::Gzip,
                    bytes,
                    &mut out,
                )
                .expect("writing to memory");
            }
        }
        out
    }
}

/// Whether a file is one the browser would ask for compressed: already-compressed formats
/// (PNG) and the compressed copies themselves are left alone.
fn worth_compressing(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    matches!(
        ext,
        "wasm" | "js" | "html" | "css" | "json" | "webmanifest" | "svg" | "txt"
    )
}

/// Writes `.br` and `.gz` next to every file of `files` worth compressing, removing stale
/// ones where compressing would not make it smaller; returns what was written.
pub fn precompress(files: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut written = Vec::new();
    for file in files.iter().filter(|f| worth_compressing(f)) {
        let bytes = std::fs::read(file).map_err(|e| Failure::Io(file.clone(), e))?;
        for encoding in Encoding::ALL {
            let mut name = file.as_os_str().to_owned();
            name.push(".");
            name.push(encoding.suffix());
            let to = PathBuf::from(name);
            let packed = encoding.compress(&bytes);
            if packed.len() < bytes.len() {
                std::fs::write(&to, packed).map_err(|e| Failure::Io(to.clone(), e))?;
                written.push(to);
            } else if to.exists() {
                // A copy from an earlier build would be served instead of this file.
                std::fs::remove_file(&to).map_err(|e| Failure::Io(to, e))?;
            }
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each encoding's output decodes to its input (with the decoders browsers use:
    /// brotli's reference decoder and flate2's gzip) and is smaller for text.
    #[test]
    fn each_encoding_round_trips_and_shrinks_text() {
        let text = "fn main() { println!(\"bindery\"); }\n".repeat(200);
        for encoding in Encoding::ALL {
            let packed = encoding.compress(text.as_bytes());
            assert!(packed.len() < text.len() / 10, "{encoding:?}");
            let mut unpacked = Vec::new();
            match encoding {
                Encoding::Brotli => {
                    brotli::BrotliDecompress(&mut packed.as_slice(), &mut unpacked).unwrap();
                }
                Encoding::Gzip => {
                    use std::io::Read;
                    flate2::read::GzDecoder::new(packed.as_slice())
                        .read_to_end(&mut unpacked)
                        .unwrap();
                }
            }
            assert_eq!(unpacked, text.as_bytes(), "{encoding:?}");
        }
    }

    /// Text files get both copies; a PNG gets none; a file that does not shrink loses the
    /// stale copy an earlier build left.
    #[test]
    fn only_files_that_shrink_get_copies() {
        let dir = tempfile::tempdir().unwrap();
        let js = dir.path().join("bindery.js");
        std::fs::write(&js, "export const a = 1;\n".repeat(100)).unwrap();
        let png = dir.path().join("icon.png");
        std::fs::write(&png, [0x89, b'P', b'N', b'G']).unwrap();
        let tiny = dir.path().join("tiny.json");
        std::fs::write(&tiny, "{}").unwrap();
        std::fs::write(dir.path().join("tiny.json.br"), "stale").unwrap();

        let written = precompress(&[js.clone(), png, tiny]).unwrap();

        let names: Vec<_> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["bindery.js.br", "bindery.js.gz"]);
        assert!(!dir.path().join("tiny.json.br").exists());
        assert!(!dir.path().join("icon.png.br").exists());
    }
}
