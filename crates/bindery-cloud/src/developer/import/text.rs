//! The text of a CSV import file, in whichever encoding the maker's spreadsheet program saved
//! it: Excel saves "CSV UTF-8" with a byte-order mark, plain "CSV" in the system's code page
//! (GBK on Chinese Windows) and "Unicode text" as UTF-16 with a mark and tabs between cells.
//!
//! Decision: only what is unambiguous is taken. A byte-order mark decides (UTF-8, UTF-16 LE
//! or BE); without one, text that is valid UTF-8 is UTF-8 (GBK text with Chinese in it is
//! practically never valid UTF-8); otherwise GB18030 (which contains GBK) when every byte of
//! the file decodes with no error *and* it reads as Chinese: at least half of its two-byte
//! characters in GB2312's range (both bytes 0xA1–0xFE, where the common hanzi are). That
//! last test is ours, beyond a clean decode: a German Excel "CSV" (Windows-1252) decodes
//! cleanly as GB18030 whenever each umlaut is followed by a letter ("Küche" is FC 63, a
//! GBK pair), and would have stored every such name as hanzi; there nearly every pair has
//! an ASCII second byte, outside GB2312. Anything else is refused with the encodings to
//! save as: guessing among code pages would store misread device names without a word.

use axum::body::Bytes;
use encoding_rs::{Encoding as Codec, GB18030, UTF_16BE, UTF_16LE};

use super::error::{row_at, FileError};

/// How a CSV file's bytes were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// UTF-16 little-endian, by its mark (Excel's "Unicode text" on Windows).
    Utf16Le,
    /// UTF-16 big-endian, by its mark.
    Utf16Be,
    /// GB18030 (and so GBK): not UTF-8, and decoded with no error.
    Gb18030,
}

/// A CSV file's text, as UTF-8.
#[derive(Debug, Clone)]
pub(super) struct Text {
    /// The text without its byte-order mark: the upload's own bytes when it was UTF-8.
    pub bytes: Bytes,
    /// How it was read (for the log, and the tests).
    pub encoding: Encoding,
}

/// The text of `body`, or why it is not text this import reads.
pub(super) fn decode(body: &Bytes) -> Result<Text, FileError> {
    if let Some((codec, mark)) = Codec::for_bom(body) {
        let rest = &body[mark..];
        return if codec == UTF_16LE || codec == UTF_16BE {
            let (encoding, endian) = if codec == UTF_16LE {
                (Encoding::Utf16Le, "LE")
            } else {
                (Encoding::Utf16Be, "BE")
            };
            match codec.decode_without_bom_handling_and_without_replacement(rest) {
                Some(text) => Ok(Text {
                    bytes: Bytes::from(text.into_owned()),
                    encoding,
                }),
                None => Err(FileError::BadUtf16 {
                    endian,
                    row: utf16_error_row(rest, codec == UTF_16LE),
                }),
            }
        } else {
            // The UTF-8 mark: the text after it must be UTF-8, with no second guess.
            utf8(body.slice(mark..)).map_err(|at| not_text(&body[mark..], at))
        };
    }
    let at = match utf8(body.clone()) {
        Ok(text) => return Ok(text),
        Err(at) => at,
    };
    match GB18030.decode_without_bom_handling_and_without_replacement(body) {
        Some(text) if reads_as_chinese(body) => Ok(Text {
            bytes: Bytes::from(text.into_owned()),
            encoding: Encoding::Gb18030,
        }),
        // Where UTF-8 broke off is where a person looks: GB18030's own failure may be later.
        _ => Err(not_text(body, at)),
    }
}

/// Whether GB18030 bytes (already known to decode) are mostly GB2312's two-byte characters:
/// see the decision above.
fn reads_as_chinese(body: &[u8]) -> bool {
    let (mut gb2312, mut other) = (0usize, 0usize);
    let mut i = 0;
    while i < body.len() {
        let lead = body[i];
        if lead < 0x80 {
            i += 1;
            continue;
        }
        let trail = body.get(i + 1).copied().unwrap_or(0);
        if trail.is_ascii_digit() {
            // A four-byte sequence (characters beyond GBK).
            other += 1;
            i += 4;
        } else {
            if (0xA1..=0xFE).contains(&lead) && (0xA1..=0xFE).contains(&trail) {
                gb2312 += 1;
            } else {
                other += 1;
            }
            i += 2;
        }
    }
    gb2312 >= other
}

/// `bytes` as UTF-8 text, or where it stops being UTF-8.
fn utf8(bytes: Bytes) -> Result<Text, usize> {
    match std::str::from_utf8(&bytes) {
        Ok(_) => Ok(Text {
            bytes,
            encoding: Encoding::Utf8,
        }),
        Err(e) => Err(e.valid_up_to()),
    }
}

fn not_text(body: &[u8], at: usize) -> FileError {
    let bytes = body[at..]
        .iter()
        .take(4)
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ");
    FileError::NotText {
        row: row_at(body, at),
        bytes,
    }
}

/// The row at which UTF-16 text stops decoding: the rows of its longest good prefix.
fn utf16_error_row(body: &[u8], little: bool) -> u64 {
    let units: Vec<u16> = body
        .chunks_exact(2)
        .map(|pair| {
            let pair = [pair[0], pair[1]];
            if little {
                u16::from_le_bytes(pair)
            } else {
                u16::from_be_bytes(pair)
            }
        })
        .collect();
    let good: String = char::decode_utf16(units).map_while(Result::ok).collect();
    row_at(good.as_bytes(), good.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, little: bool) -> Vec<u8> {
        let mut bytes = if little {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for unit in text.encode_utf16() {
            bytes.extend(if little {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        bytes
    }

    #[test]
    fn each_encoding_decodes_to_the_same_text() {
        let text = "*设备标识(DeviceKey)\tDevice Name\r\naabbccddee01\t厨房\r\n";
        let (gbk, _, unmappable) = GB18030.encode(text);
        assert!(!unmappable);
        let cases: [(Vec<u8>, Encoding); 5] = [
            (text.as_bytes().to_vec(), Encoding::Utf8),
            ([b"\xEF\xBB\xBF", text.as_bytes()].concat(), Encoding::Utf8),
            (utf16(text, true), Encoding::Utf16Le),
            (utf16(text, false), Encoding::Utf16Be),
            (gbk.into_owned(), Encoding::Gb18030),
        ];
        for (bytes, encoding) in cases {
            let decoded = decode(&Bytes::from(bytes)).unwrap();
            assert_eq!(decoded.encoding, encoding);
            assert_eq!(std::str::from_utf8(&decoded.bytes).unwrap(), text);
        }
    }

    #[test]
    fn what_is_not_clearly_text_is_refused_with_its_row() {
        let cases: [(&[u8], FileError); 4] = [
            // Latin-1 "Café," then a line end: E9 2C is no GB18030 pair.
            (
                b"h\nCaf\xE9,\n",
                FileError::NotText {
                    row: 2,
                    bytes: "E9 2C 0A".into(),
                },
            ),
            // Windows-1252 "Küche;Büro": clean GB18030 (FC 63, FC 72), but not Chinese.
            (
                b"h\r\nK\xFCche;B\xFCro\r\n",
                FileError::NotText {
                    row: 2,
                    bytes: "FC 63 68 65".into(),
                },
            ),
            // A UTF-8 mark promises UTF-8.
            (
                b"\xEF\xBB\xBFh\r\n\xC4\xE3\xBA\xC3\r\n",
                FileError::NotText {
                    row: 2,
                    bytes: "C4 E3 BA C3".into(),
                },
            ),
            // An odd byte count is no UTF-16.
            (
                b"\xFF\xFEh\0\n\0x",
                FileError::BadUtf16 {
                    endian: "LE",
                    row: 2,
                },
            ),
        ];
        for (bytes, error) in cases {
            assert_eq!(
                decode(&Bytes::copy_from_slice(bytes)).unwrap_err(),
                error,
                "{bytes:?}"
            );
        }
    }
}
