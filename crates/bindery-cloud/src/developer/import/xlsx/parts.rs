//! The parts of a workbook an import needs: the first sheet's name (from the workbook and its
//! relationships), the shared strings, and each part inflated straight from the upload's bytes
//! through [`Bounded`], which caps its unpacked size and the length of any one XML item.

use std::io::{BufReader, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::error::XlsxError;
use crate::state::XlsxLimits;

/// The first sheet's part name, from the workbook and its relationships (falling back to
/// `xl/worksheets/sheet1.xml`, which is where every spreadsheet program puts it).
pub(super) fn first_sheet_part<'a>(
    body: &'a [u8],
    zip: &mut zip::ZipArchive<std::io::Cursor<&'a [u8]>>,
    limits: &XlsxLimits,
) -> Result<String, XlsxError> {
    let fallback = "xl/worksheets/sheet1.xml".to_owned();
    let workbook = part(body, zip, "xl/workbook.xml")?
        .ok_or_else(|| XlsxError::Unreadable("xl/workbook.xml is missing".into()))?;
    let mut reader = xml_reader(workbook, limits.small_part_bytes, limits);
    let mut buf = Vec::new();
    let relation = loop {
        buf.clear();
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error("xl/workbook.xml", e, limits))?
        {
            Event::Start(tag) | Event::Empty(tag) if tag.local_name().as_ref() == b"sheet" => {
                break tag
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == b"id")
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned());
            }
            Event::Eof => return Err(XlsxError::NoSheet),
            _ => {}
        }
    };
    let Some(relation) = relation else {
        return Ok(fallback);
    };
    let Some(rels) = part(body, zip, "xl/_rels/workbook.xml.rels")? else {
        return Ok(fallback);
    };
    let mut reader = xml_reader(rels, limits.small_part_bytes, limits);
    loop {
        buf.clear();
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error("xl/_rels/workbook.xml.rels", e, limits))?
        {
            Event::Start(tag) | Event::Empty(tag)
                if tag.local_name().as_ref() == b"Relationship"
                    && attribute(&tag, b"Id").as_deref() == Some(relation.as_str()) =>
            {
                let Some(target) = attribute(&tag, b"Target") else {
                    return Ok(fallback);
                };
                // Targets are relative to xl/, or absolute from the zip's root.
                return Ok(match target.strip_prefix('/') {
                    Some(absolute) => absolute.to_owned(),
                    None => format!("xl/{target}"),
                });
            }
            Event::Eof => return Ok(fallback),
            _ => {}
        }
    }
}

/// The shared strings, each one the text of its `<si>` without phonetic runs.
pub(super) fn read_shared_strings(
    unpacked: Unpacked<'_>,
    limits: &XlsxLimits,
) -> Result<Vec<Box<str>>, XlsxError> {
    const PART: &str = "xl/sharedStrings.xml";
    let mut reader = xml_reader(unpacked, limits.shared_strings_bytes, limits);
    let mut strings = Vec::new();
    let mut buf = Vec::new();
    let mut current: Option<String> = None;
    let mut in_text = false;
    let mut phonetic = 0usize;
    loop {
        buf.clear();
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(PART, e, limits))?
        {
            Event::Start(tag) => match tag.local_name().as_ref() {
                b"si" => current = Some(String::new()),
                b"rPh" => phonetic += 1,
                b"t" => in_text = phonetic == 0,
                _ => {}
            },
            Event::Empty(tag) if tag.local_name().as_ref() == b"si" => {
                if strings.len() >= limits.shared_strings {
                    return Err(XlsxError::TooManyStrings(limits.shared_strings));
                }
                strings.push(Box::from(""));
            }
            Event::End(tag) => match tag.local_name().as_ref() {
                b"si" => {
                    if strings.len() >= limits.shared_strings {
                        return Err(XlsxError::TooManyStrings(limits.shared_strings));
                    }
                    strings.push(current.take().unwrap_or_default().into_boxed_str());
                }
                b"rPh" => phonetic = phonetic.saturating_sub(1),
                b"t" => in_text = false,
                _ => {}
            },
            text @ (Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)) if in_text => {
                if let Some(current) = current.as_mut() {
                    append_text(current, &text, PART, limits.cell_bytes, || {
                        XlsxError::TextTooLong {
                            part: PART.to_owned(),
                            limit: limits.cell_bytes,
                        }
                    })?;
                }
            }
            Event::Eof => return Ok(strings),
            _ => {}
        }
    }
}

/// Appends a text event (text, CDATA, or what `&name;` or `&#n;` stands for) to `text`,
/// refusing with `too_long` once it passes `max` bytes: runs of `<r><t>` can make one value
/// of any length out of items each within the item limit.
pub(super) fn append_text(
    text: &mut String,
    event: &Event<'_>,
    part: &str,
    max: usize,
    too_long: impl FnOnce() -> XlsxError,
) -> Result<(), XlsxError> {
    let unreadable = |what: String| XlsxError::Unreadable(format!("{part}: {what}"));
    match event {
        Event::Text(t) => text.push_str(&t.xml_content().map_err(|e| unreadable(e.to_string()))?),
        Event::CData(t) => text.push_str(&String::from_utf8_lossy(t)),
        Event::GeneralRef(reference) => {
            match reference
                .resolve_char_ref()
                .map_err(|e| unreadable(e.to_string()))?
            {
                Some(c) => text.push(c),
                None => {
                    let name = reference.decode().map_err(|e| unreadable(e.to_string()))?;
                    let resolved = quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| unreadable(format!("unknown entity &{name};")))?;
                    text.push_str(resolved);
                }
            }
        }
        _ => {}
    }
    if text.len() > max {
        return Err(too_long());
    }
    Ok(())
}

/// An attribute's value as text (the attributes read here hold no escapes).
pub(super) fn attribute(tag: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    tag.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

/// A part's bytes as they unpack: stored or deflated, straight from the file's bytes.
pub(super) type Unpacked<'a> = Box<dyn Read + 'a>;

/// A part's XML as the parser reads it.
pub(super) type Sheet<'a> = Reader<BufReader<Bounded<Unpacked<'a>>>>;

/// The part `name` unpacked as a stream, or `None` when the zip has no such part.
pub(super) fn part<'a>(
    body: &'a [u8],
    zip: &mut zip::ZipArchive<std::io::Cursor<&'a [u8]>>,
    name: &str,
) -> Result<Option<Unpacked<'a>>, XlsxError> {
    let Some(index) = zip.index_for_name(name) else {
        return Ok(None);
    };
    let entry = zip
        .by_index_raw(index)
        .map_err(|e| XlsxError::Unreadable(format!("{name}: {e}")))?;
    if entry.encrypted() {
        return Err(XlsxError::Unreadable(format!("{name} is encrypted")));
    }
    let start = usize::try_from(entry.data_start()).unwrap_or(usize::MAX);
    let length = usize::try_from(entry.compressed_size()).unwrap_or(usize::MAX);
    let packed = start
        .checked_add(length)
        .and_then(|end| body.get(start..end))
        .ok_or_else(|| XlsxError::Unreadable(format!("{name} lies outside the file")))?;
    Ok(Some(match entry.compression() {
        zip::CompressionMethod::Stored => Box::new(packed),
        zip::CompressionMethod::Deflated => Box::new(flate2::read::DeflateDecoder::new(packed)),
        other => {
            return Err(XlsxError::Unreadable(format!(
                "{name} is packed with {other}, which spreadsheet programs do not use"
            )))
        }
    }))
}

pub(super) fn xml_reader<'a>(
    unpacked: Unpacked<'a>,
    max_bytes: u64,
    limits: &XlsxLimits,
) -> Reader<BufReader<Bounded<Unpacked<'a>>>> {
    let bounded = Bounded {
        inner: unpacked,
        left: max_bytes,
        max_bytes,
        since_open: 0,
        max_item: limits.xml_item_bytes,
    };
    Reader::from_reader(BufReader::with_capacity(64 << 10, bounded))
}

/// Turns the parser's error into ours, finding a [`Bounded`] refusal inside it.
pub(super) fn xml_error(part: &str, error: quick_xml::Error, limits: &XlsxLimits) -> XlsxError {
    if let quick_xml::Error::Io(io) = &error {
        if let Some(refusal) = io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<BoundExceeded>())
        {
            return match refusal {
                BoundExceeded::Size(limit) => XlsxError::TooLarge {
                    part: part.to_owned(),
                    limit: *limit,
                },
                BoundExceeded::Item => XlsxError::ItemTooLong {
                    part: part.to_owned(),
                    limit: limits.xml_item_bytes,
                },
            };
        }
    }
    XlsxError::Unreadable(format!("{part}: {error}"))
}

/// A reader that refuses to give more than `left` bytes in all, or a run of more than
/// `max_item` bytes without a `<` — one XML text or tag, which the parser would otherwise
/// gather whole into memory.
pub(super) struct Bounded<R> {
    inner: R,
    left: u64,
    max_bytes: u64,
    since_open: usize,
    max_item: usize,
}

#[derive(Debug)]
enum BoundExceeded {
    Size(u64),
    Item,
}

impl std::fmt::Display for BoundExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BoundExceeded::Size(limit) => write!(f, "more than {limit} bytes unpacked"),
            BoundExceeded::Item => f.write_str("an XML item too long"),
        }
    }
}

impl std::error::Error for BoundExceeded {}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One byte more tells a part of exactly the limit from a longer one.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    BoundExceeded::Size(self.max_bytes),
                )),
            };
        }
        let room = out
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut out[..room])?;
        self.left -= n as u64;
        for &byte in &out[..n] {
            if byte == b'<' {
                self.since_open = 0;
            } else {
                self.since_open += 1;
                if self.since_open > self.max_item {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        BoundExceeded::Item,
                    ));
                }
            }
        }
        Ok(n)
    }
}
