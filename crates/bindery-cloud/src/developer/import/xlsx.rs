//! Reading an XLSX import file as a stream of cells, within limits a hostile file cannot
//! break.
//!
//! A workbook is a zip of XML parts. A general reader (calamine) builds the whole sheet as a
//! dense grid, so one cell at XFD1048576 asked for 512 GiB and aborted the server, and one
//! huge shared string cost gigabytes. This reader unpacks only the parts an import needs
//! (the workbook, its relationships, the shared strings and the first sheet), parses them as
//! XML events, and keeps only the template's columns of the row at hand. Every part is read
//! through [`Bounded`], which caps its unpacked size and the length of any one XML item, so
//! memory stays a few megabytes plus the shared strings, themselves capped in count and text.

use std::io::{BufReader, Read};

use csv::StringRecord;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::state::XlsxLimits;

/// Why an XLSX file cannot be read. Each says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XlsxError {
    /// The bytes are not a zip, or a part it must have is missing or damaged.
    #[error("the XLSX workbook cannot be read ({0}): save it again from the spreadsheet program, or as CSV UTF-8")]
    Unreadable(String),
    /// The workbook names no sheet.
    #[error("the XLSX workbook has no sheet: put the template's rows on the first sheet")]
    NoSheet,
    /// A part unpacks to more than its limit (the sign of a zip bomb, or of a file far beyond
    /// an import's size).
    #[error(
        "the XLSX part {part} unpacks to more than {limit} bytes: split the file into smaller ones"
    )]
    TooLarge {
        /// The part, e.g. `xl/worksheets/sheet1.xml`.
        part: String,
        /// Its limit in bytes.
        limit: u64,
    },
    /// One XML item (a text or a tag) is longer than any cell of an import can be.
    #[error("the XLSX part {part} holds a text or tag longer than {limit} bytes: no cell of an import is that long")]
    ItemTooLong {
        /// The part.
        part: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// More shared strings than the limit.
    #[error("the XLSX file holds more than {0} different texts: split the file into smaller ones")]
    TooManyStrings(usize),
    /// More rows than the limit.
    #[error("the XLSX sheet has more than {0} rows: split the file into smaller ones")]
    TooManyRows(u64),
    /// A cell holds a value further right than the columns an import reads.
    #[error("cell {cell} lies beyond the import's columns: keep the template's columns and delete what is to their right")]
    CellOutside {
        /// The cell's reference, e.g. `XFD1048576`.
        cell: String,
    },
    /// The sheet refers to a shared string that does not exist.
    #[error("cell {cell} refers to text number {index}, which the XLSX file does not hold: save it again from the spreadsheet program")]
    MissingString {
        /// The cell's reference.
        cell: String,
        /// The shared-string index it gave.
        index: String,
    },
}

impl XlsxError {
    /// Whether the file is refused for its size (413) rather than its content (400).
    pub fn is_too_large(&self) -> bool {
        matches!(
            self,
            XlsxError::TooLarge { .. } | XlsxError::TooManyStrings(_) | XlsxError::TooManyRows(_)
        )
    }
}

/// A row of the sheet: its number as the spreadsheet shows it, and its cells from column A.
pub type XlsxRow = (u64, StringRecord);

/// The rows of the first sheet, read as they are asked for.
pub struct XlsxRows<'a> {
    sheet: Reader<BufReader<Bounded<Unpacked<'a>>>>,
    part: String,
    shared: Vec<Box<str>>,
    limits: XlsxLimits,
    buf: Vec<u8>,
    rows: u64,
    last_row: u64,
    finished: bool,
}

/// Opens `body` as a workbook and prepares to read its first sheet.
pub fn open(body: &[u8], limits: XlsxLimits) -> Result<XlsxRows<'_>, XlsxError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(body))
        .map_err(|e| XlsxError::Unreadable(e.to_string()))?;
    let sheet_part = first_sheet_part(body, &mut zip, &limits)?;
    let shared = match part(body, &mut zip, "xl/sharedStrings.xml")? {
        Some(unpacked) => read_shared_strings(unpacked, &limits)?,
        None => Vec::new(),
    };
    let unpacked = part(body, &mut zip, &sheet_part)?
        .ok_or_else(|| XlsxError::Unreadable(format!("{sheet_part} is missing")))?;
    let sheet = xml_reader(unpacked, limits.sheet_bytes, &limits);
    Ok(XlsxRows {
        sheet,
        part: sheet_part,
        shared,
        limits,
        buf: Vec::new(),
        rows: 0,
        last_row: 0,
        finished: false,
    })
}

impl Iterator for XlsxRows<'_> {
    type Item = Result<XlsxRow, XlsxError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let row = self.next_row();
        match row {
            Ok(Some(row)) => Some(Ok(row)),
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(e) => {
                self.finished = true;
                Some(Err(e))
            }
        }
    }
}

/// What the cell being read is, from its `t` attribute.
#[derive(Clone, Copy, PartialEq)]
enum CellType {
    SharedString,
    Number,
    Other,
}

impl XlsxRows<'_> {
    fn next_row(&mut self) -> Result<Option<XlsxRow>, XlsxError> {
        // The parser's buffer is taken out of `self` while a row is read, so an event (which
        // borrows it) can live beside calls on `self`.
        let mut buf = std::mem::take(&mut self.buf);
        let row = self.read_row(&mut buf);
        self.buf = buf;
        row
    }

    fn read_row(&mut self, buf: &mut Vec<u8>) -> Result<Option<XlsxRow>, XlsxError> {
        // The row being read: its number and cells; the cell being read: column, reference,
        // type, and its text so far.
        let mut row: Option<(u64, Vec<String>)> = None;
        let mut cell: Option<(usize, String, CellType, String)> = None;
        let mut in_value = false;
        let mut next_column = 0usize;
        loop {
            buf.clear();
            let event = self
                .sheet
                .read_event_into(buf)
                .map_err(|e| xml_error(&self.part, e, &self.limits))?;
            let empty = matches!(event, Event::Empty(_));
            match event {
                Event::Start(tag) | Event::Empty(tag) if tag.local_name().as_ref() == b"row" => {
                    let number = match attribute(&tag, b"r") {
                        Some(r) => r.parse::<u64>().map_err(|_| {
                            XlsxError::Unreadable(format!("row number {r:?} in {}", self.part))
                        })?,
                        None => self.last_row + 1,
                    };
                    self.rows += 1;
                    if self.rows > self.limits.rows {
                        return Err(XlsxError::TooManyRows(self.limits.rows));
                    }
                    self.last_row = number;
                    next_column = 0;
                    // `<row/>` has no cells and no end tag.
                    if empty {
                        return Ok(Some((number, StringRecord::new())));
                    }
                    row = Some((number, Vec::new()));
                }
                Event::End(tag) if tag.local_name().as_ref() == b"row" => {
                    let Some((number, cells)) = row.take() else {
                        continue;
                    };
                    return Ok(Some((number, StringRecord::from(cells))));
                }
                Event::Start(tag) | Event::Empty(tag) if tag.local_name().as_ref() == b"c" => {
                    let reference = attribute(&tag, b"r");
                    let column = match &reference {
                        Some(r) => column_of(r).ok_or_else(|| {
                            XlsxError::Unreadable(format!("cell reference {r:?} in {}", self.part))
                        })?,
                        None => next_column,
                    };
                    next_column = column + 1;
                    let kind = match attribute(&tag, b"t").as_deref() {
                        Some("s") => CellType::SharedString,
                        None | Some("n") => CellType::Number,
                        Some(_) => CellType::Other,
                    };
                    let reference = reference
                        .unwrap_or_else(|| format!("{}{}", column_name(column), self.last_row));
                    if !empty {
                        cell = Some((column, reference, kind, String::new()));
                    }
                }
                Event::End(tag) if tag.local_name().as_ref() == b"c" => {
                    let (Some((column, reference, kind, text)), Some((_, cells))) =
                        (cell.take(), row.as_mut())
                    else {
                        continue;
                    };
                    let value = self.value(&reference, kind, text)?;
                    if value.trim().is_empty() {
                        continue;
                    }
                    if column >= self.limits.columns {
                        return Err(XlsxError::CellOutside { cell: reference });
                    }
                    if cells.len() <= column {
                        cells.resize(column + 1, String::new());
                    }
                    cells[column] = value;
                }
                // A cell's value is in `<v>`, or for inline strings in `<is><t>` (several
                // runs of `<r><t>`); phonetic runs (`<rPh>`) are not part of it.
                Event::Start(tag) if matches!(tag.local_name().as_ref(), b"v" | b"t") => {
                    in_value = cell.is_some();
                }
                Event::End(tag) if matches!(tag.local_name().as_ref(), b"v" | b"t") => {
                    in_value = false;
                }
                Event::Start(tag) if tag.local_name().as_ref() == b"rPh" => {
                    self.skip_to_end(b"rPh")?;
                }
                Event::Text(text) if in_value => {
                    if let Some((_, _, _, value)) = cell.as_mut() {
                        let text = text
                            .xml_content()
                            .map_err(|e| XlsxError::Unreadable(format!("{}: {e}", self.part)))?;
                        value.push_str(&text);
                    }
                }
                Event::CData(text) if in_value => {
                    if let Some((_, _, _, value)) = cell.as_mut() {
                        value.push_str(&String::from_utf8_lossy(&text));
                    }
                }
                Event::GeneralRef(reference) if in_value => {
                    if let Some((_, _, _, value)) = cell.as_mut() {
                        push_reference(value, &reference, &self.part)?;
                    }
                }
                Event::Eof => return Ok(None),
                _ => {}
            }
        }
    }

    /// The text a cell shows, from its type and raw value.
    fn value(&self, reference: &str, kind: CellType, raw: String) -> Result<String, XlsxError> {
        match kind {
            CellType::SharedString => {
                let index = raw.trim();
                index
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| self.shared.get(i))
                    .map(|s| s.to_string())
                    .ok_or_else(|| XlsxError::MissingString {
                        cell: reference.to_owned(),
                        index: index.to_owned(),
                    })
            }
            // IMEIs typed into Excel become numbers, sometimes written as 8.6123456789012E+14;
            // 15 digits are exact in an f64, so whole numbers read back as their digits.
            CellType::Number => Ok(match raw.trim().parse::<f64>() {
                Ok(n) if n.fract() == 0.0 && n.abs() < 1e16 => format!("{}", n as i64),
                _ => raw,
            }),
            CellType::Other => Ok(raw),
        }
    }

    /// Reads past the end of the element `name` just opened.
    fn skip_to_end(&mut self, name: &[u8]) -> Result<(), XlsxError> {
        let mut depth = 1usize;
        loop {
            self.buf.clear();
            match self
                .sheet
                .read_event_into(&mut self.buf)
                .map_err(|e| xml_error(&self.part, e, &self.limits))?
            {
                Event::Start(tag) if tag.local_name().as_ref() == name => depth += 1,
                Event::End(tag) if tag.local_name().as_ref() == name => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                Event::Eof => return Ok(()),
                _ => {}
            }
        }
    }
}

/// The first sheet's part name, from the workbook and its relationships (falling back to
/// `xl/worksheets/sheet1.xml`, which is where every spreadsheet program puts it).
fn first_sheet_part<'a>(
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
fn read_shared_strings(
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
            Event::Text(text) if in_text => {
                if let Some(current) = current.as_mut() {
                    let text = text
                        .xml_content()
                        .map_err(|e| XlsxError::Unreadable(format!("{PART}: {e}")))?;
                    current.push_str(&text);
                }
            }
            Event::CData(text) if in_text => {
                if let Some(current) = current.as_mut() {
                    current.push_str(&String::from_utf8_lossy(&text));
                }
            }
            Event::GeneralRef(reference) if in_text => {
                if let Some(current) = current.as_mut() {
                    push_reference(current, &reference, PART)?;
                }
            }
            Event::Eof => return Ok(strings),
            _ => {}
        }
    }
}

/// Appends what `&name;` or `&#n;` stands for.
fn push_reference(
    text: &mut String,
    reference: &quick_xml::events::BytesRef<'_>,
    part: &str,
) -> Result<(), XlsxError> {
    let unreadable = |what: String| XlsxError::Unreadable(format!("{part}: {what}"));
    if let Some(c) = reference
        .resolve_char_ref()
        .map_err(|e| unreadable(e.to_string()))?
    {
        text.push(c);
        return Ok(());
    }
    let name = reference.decode().map_err(|e| unreadable(e.to_string()))?;
    let resolved = quick_xml::escape::resolve_predefined_entity(&name)
        .ok_or_else(|| unreadable(format!("unknown entity &{name};")))?;
    text.push_str(resolved);
    Ok(())
}

/// An attribute's value as text (the attributes read here hold no escapes).
fn attribute(tag: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    tag.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

/// The 0-based column of a reference such as `B7` or `XFD1048576`.
fn column_of(reference: &str) -> Option<usize> {
    let letters = reference
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .collect::<Vec<u8>>();
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut column = 0usize;
    for letter in letters {
        column = column * 26 + usize::from(letter.to_ascii_uppercase() - b'A') + 1;
    }
    Some(column - 1)
}

/// The letters of a 0-based column (`0` → `A`, `26` → `AA`).
fn column_name(mut column: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// A part's bytes as they unpack: stored or deflated, straight from the file's bytes.
type Unpacked<'a> = Box<dyn Read + 'a>;

/// The part `name` unpacked as a stream, or `None` when the zip has no such part.
fn part<'a>(
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

fn xml_reader<'a>(
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
fn xml_error(part: &str, error: quick_xml::Error, limits: &XlsxLimits) -> XlsxError {
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
struct Bounded<R> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_read_both_ways() {
        for (reference, column) in [("A1", 0), ("Z9", 25), ("AA1", 26), ("XFD1048576", 16383)] {
            assert_eq!(column_of(reference), Some(column), "{reference}");
            assert_eq!(
                column_name(column),
                reference.trim_end_matches(|c: char| c.is_ascii_digit())
            );
        }
        assert_eq!(column_of("1"), None);
        assert_eq!(column_of("ABCD1"), None);
    }
}
