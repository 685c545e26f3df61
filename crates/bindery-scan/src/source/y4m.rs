//! A Y4M (YUV4MPEG2) video played as a camera. Y4M is what Chromium's fake camera reads and
//! what `ffmpeg -i in.mp4 out.y4m` writes, so QA can record a label once and replay it; the
//! format is raw planes behind a text header, so the Y plane is already the gray frame we
//! need and nothing is converted.
//!
//! Header: `YUV4MPEG2 W<w> H<h> F<n>:<d> [I.. A.. C<colourspace> X..]\n`, then per frame
//! `FRAME[ params]\n` and the planes (Y, then the chroma planes the colour space implies).

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::base::{Clock, FrameCounter, FrameSource, Pacing, SourceError};
use crate::frame::{Frame, GrayImage};

/// The longest header line accepted (real ones are well under 100 bytes).
const MAX_HEADER: usize = 4096;

/// A Y4M file (or any seekable byte stream) as a frame source.
pub struct Y4mSource<R = BufReader<File>> {
    reader: R,
    path: PathBuf,
    width: usize,
    height: usize,
    /// Bytes of chroma (and alpha) after each Y plane, skipped.
    extra_bytes: u64,
    frame_interval: Duration,
    /// Where the first `FRAME` starts, for looping.
    data_start: u64,
    looping: bool,
    counter: FrameCounter,
    clock: Clock,
}

impl Y4mSource {
    /// Opens a `.y4m` file. `looping` replays it from the start at the end (a camera never
    /// ends); [`Pacing::RealTime`] delivers frames at the file's frame rate.
    pub fn open(
        path: impl AsRef<Path>,
        looping: bool,
        pacing: Pacing,
    ) -> Result<Self, SourceError> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| SourceError::io(path, &e))?;
        Y4mSource::from_reader(BufReader::new(file), path, looping, pacing)
    }
}

impl<R: BufRead + Seek> Y4mSource<R> {
    /// Reads the header from `reader`; `name` is used in errors.
    pub fn from_reader(
        mut reader: R,
        name: impl Into<PathBuf>,
        looping: bool,
        pacing: Pacing,
    ) -> Result<Self, SourceError> {
        let path = name.into();
        let bad = |reason: &str| SourceError::BadVideo {
            path: path.clone(),
            reason: reason.to_owned(),
        };
        let line = read_line(&mut reader, &path)?.ok_or_else(|| bad("the file is empty"))?;
        let mut tokens = line.split(' ');
        if tokens.next() != Some("YUV4MPEG2") {
            return Err(bad("it does not start with YUV4MPEG2"));
        }
        let (mut width, mut height, mut fps) = (0usize, 0usize, 30.0f64);
        let mut colorspace = "420jpeg".to_owned();
        for token in tokens.filter(|t| !t.is_empty()) {
            let (tag, value) = token.split_at(1);
            match tag {
                "W" => width = value.parse().map_err(|_| bad("bad width"))?,
                "H" => height = value.parse().map_err(|_| bad("bad height"))?,
                "F" => {
                    let (n, d) = value.split_once(':').ok_or_else(|| bad("bad frame rate"))?;
                    let n: f64 = n.parse().map_err(|_| bad("bad frame rate"))?;
                    let d: f64 = d.parse().map_err(|_| bad("bad frame rate"))?;
                    if n > 0.0 && d > 0.0 {
                        fps = n / d;
                    }
                }
                "C" => colorspace = value.to_owned(),
                _ => {} // interlacing, aspect, extensions: irrelevant for gray frames
            }
        }
        if width == 0 || height == 0 || width.saturating_mul(height) > 1 << 28 {
            return Err(bad("missing or unreasonable W/H"));
        }
        let (cw, ch) = (width.div_ceil(2) as u64, height.div_ceil(2) as u64);
        let (w, h) = (width as u64, height as u64);
        let extra_bytes = match colorspace.as_str() {
            "420" | "420jpeg" | "420paldv" | "420mpeg2" => 2 * cw * ch,
            "422" => 2 * cw * h,
            "444" => 2 * w * h,
            "444alpha" => 3 * w * h,
            "411" => 2 * w.div_ceil(4) * h,
            "mono" => 0,
            _ => return Err(SourceError::UnsupportedVideo { path, colorspace }),
        };
        let data_start = reader
            .stream_position()
            .map_err(|e| SourceError::io(&path, &e))?;
        Ok(Y4mSource {
            reader,
            path,
            width,
            height,
            extra_bytes,
            frame_interval: Duration::from_secs_f64(1.0 / fps),
            data_start,
            looping,
            counter: FrameCounter::default(),
            clock: Clock::new(pacing),
        })
    }

    /// Frame size in pixels.
    pub fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    /// Nominal frame rate from the header.
    pub fn fps(&self) -> f64 {
        1.0 / self.frame_interval.as_secs_f64()
    }

    fn read_frame(&mut self) -> Result<Option<GrayImage>, SourceError> {
        let line = match read_line(&mut self.reader, &self.path)? {
            Some(line) => line,
            None => return Ok(None),
        };
        if !line.starts_with("FRAME") {
            return Err(SourceError::BadVideo {
                path: self.path.clone(),
                reason: format!("frame {} does not start with FRAME", self.counter.count()),
            });
        }
        let truncated = || SourceError::TruncatedVideo {
            path: self.path.clone(),
            frame: self.counter.count(),
        };
        let mut pixels = vec![0; self.width * self.height];
        self.reader
            .read_exact(&mut pixels)
            .map_err(|_| truncated())?;
        let skipped = std::io::copy(
            &mut (&mut self.reader).take(self.extra_bytes),
            &mut std::io::sink(),
        )
        .map_err(|e| SourceError::io(&self.path, &e))?;
        if skipped != self.extra_bytes {
            return Err(truncated());
        }
        Ok(GrayImage::new(self.width, self.height, pixels))
    }
}

impl<R: BufRead + Seek> FrameSource for Y4mSource<R> {
    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        let mut image = self.read_frame()?;
        if image.is_none() && self.looping && self.counter.count() > 0 {
            self.reader
                .seek(SeekFrom::Start(self.data_start))
                .map_err(|e| SourceError::io(&self.path, &e))?;
            image = self.read_frame()?;
        }
        let Some(image) = image else {
            return Ok(None);
        };
        let timestamp = self.frame_interval.mul_f64(self.counter.count() as f64);
        self.clock.wait_until(timestamp);
        Ok(Some(self.counter.frame(image, timestamp)))
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

/// Reads one `\n`-terminated header line; `None` at a clean end of file.
fn read_line<R: BufRead>(reader: &mut R, path: &Path) -> Result<Option<String>, SourceError> {
    let mut buf = Vec::new();
    let n = reader
        .take(MAX_HEADER as u64)
        .read_until(b'\n', &mut buf)
        .map_err(|e| SourceError::io(path, &e))?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        return Err(SourceError::BadVideo {
            path: path.to_owned(),
            reason: "a header line is unterminated or too long".to_owned(),
        });
    }
    buf.pop();
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| SourceError::BadVideo {
            path: path.to_owned(),
            reason: "a header line is not text".to_owned(),
        })
}

/// Writes gray frames as a Y4M video (`C420jpeg`, neutral chroma) that any player, ffmpeg
/// and Chromium's fake camera accept. All frames must have the first one's size.
pub fn write_y4m<W: Write>(mut out: W, frames: &[GrayImage], fps: u32) -> std::io::Result<()> {
    let Some(first) = frames.first() else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "no frames",
        ));
    };
    let (w, h) = (first.width(), first.height());
    writeln!(out, "YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg")?;
    let chroma = vec![128u8; 2 * w.div_ceil(2) * h.div_ceil(2)];
    for frame in frames {
        if (frame.width(), frame.height()) != (w, h) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "frames differ in size",
            ));
        }
        out.write_all(b"FRAME\n")?;
        out.write_all(frame.pixels())?;
        out.write_all(&chroma)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn video(frames: usize) -> Vec<u8> {
        let images: Vec<_> = (0..frames)
            .map(|i| GrayImage::filled(5, 3, i as u8 * 10))
            .collect();
        let mut out = Vec::new();
        write_y4m(&mut out, &images, 25).unwrap();
        out
    }

    #[test]
    fn reads_frames_then_ends() {
        let mut src =
            Y4mSource::from_reader(Cursor::new(video(3)), "t.y4m", false, Pacing::Unpaced).unwrap();
        assert_eq!(src.size(), (5, 3));
        assert_eq!(src.fps(), 25.0);
        for i in 0..3u8 {
            let f = src.next_frame().unwrap().unwrap();
            assert_eq!(f.index, i as u64);
            assert_eq!(f.image.pixels(), &[i * 10; 15][..]);
            assert_eq!(f.timestamp, Duration::from_millis(40 * i as u64));
        }
        assert!(src.next_frame().unwrap().is_none());
    }

    #[test]
    fn loops_when_asked() {
        let mut src =
            Y4mSource::from_reader(Cursor::new(video(2)), "t.y4m", true, Pacing::Unpaced).unwrap();
        let levels: Vec<u8> = (0..5)
            .map(|_| src.next_frame().unwrap().unwrap().image.pixels()[0])
            .collect();
        assert_eq!(levels, [0, 10, 0, 10, 0]);
    }

    #[test]
    fn rejects_other_files_and_truncation() {
        let err = Y4mSource::from_reader(
            Cursor::new(b"PNG...\n".to_vec()),
            "x",
            false,
            Pacing::Unpaced,
        )
        .err()
        .unwrap();
        assert_eq!(
            err,
            SourceError::BadVideo {
                path: "x".into(),
                reason: "it does not start with YUV4MPEG2".into()
            }
        );
        let mut bytes = video(1);
        bytes.truncate(bytes.len() - 3);
        let mut src =
            Y4mSource::from_reader(Cursor::new(bytes), "t", false, Pacing::Unpaced).unwrap();
        assert_eq!(
            src.next_frame().unwrap_err(),
            SourceError::TruncatedVideo {
                path: "t".into(),
                frame: 0
            }
        );
        let err = Y4mSource::from_reader(
            Cursor::new(b"YUV4MPEG2 W4 H4 C420p10\n".to_vec()),
            "h",
            false,
            Pacing::Unpaced,
        )
        .err()
        .unwrap();
        assert_eq!(
            err,
            SourceError::UnsupportedVideo {
                path: "h".into(),
                colorspace: "420p10".into()
            }
        );
    }
}
