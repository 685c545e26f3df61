//! Reading an XLSX import file as a stream of cells, within limits a hostile file cannot
//! break.
//!
//! A workbook is a zip of XML parts. A general reader (calamine) builds the whole sheet as a
//! dense grid, so one cell at XFD1048576 asked for 512 GiB and aborted the server, and one
//! huge shared string cost gigabytes. This reader unpacks only the parts an import needs
//! (the workbook, its relationships, the shared strings and the first sheet), parses them as
//! XML events, and keeps only the template's columns of the row at hand. Every part is read
//! through a reader that caps its unpacked size and the length of any one XML item
//! (`parts`), so memory stays a few megabytes plus the shared strings, themselves capped in
//! count and text.
//!
//! A cell the sheet stores as a number keeps the number as the file writes it, marked as
//! such: whether that number can stand for what was typed depends on the column, which the
//! checks decide (`check`).

mod error;
mod parts;

use csv::StringRecord;
use quick_xml::events::Event;

pub use error::XlsxError;
use parts::{
    append_text, attribute, first_sheet_part, part, read_shared_strings, xml_error, xml_reader,
    Sheet,
};

use super::header::column_name;
use super::rows::FileRow;
use crate::state::XlsxLimits;

/// The rows of the first sheet, read as they are asked for.
pub struct XlsxRows<'a> {
    sheet: Sheet<'a>,
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
    type Item = Result<FileRow, XlsxError>;

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
    fn next_row(&mut self) -> Result<Option<FileRow>, XlsxError> {
        // The parser's buffer is taken out of `self` while a row is read, so an event (which
        // borrows it) can live beside calls on `self`.
        let mut buf = std::mem::take(&mut self.buf);
        let row = self.read_row(&mut buf);
        self.buf = buf;
        row
    }

    fn read_row(&mut self, buf: &mut Vec<u8>) -> Result<Option<FileRow>, XlsxError> {
        // The row being read: its number, cells and number cells; the cell being read:
        // column, reference, type, and its text so far.
        let mut row: Option<(u64, Vec<String>, Vec<usize>)> = None;
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
                        return Ok(Some(FileRow {
                            row: number,
                            cells: StringRecord::new(),
                            numbers: Vec::new(),
                        }));
                    }
                    row = Some((number, Vec::new(), Vec::new()));
                }
                Event::End(tag) if tag.local_name().as_ref() == b"row" => {
                    let Some((number, cells, numbers)) = row.take() else {
                        continue;
                    };
                    return Ok(Some(FileRow {
                        row: number,
                        cells: StringRecord::from(cells),
                        numbers,
                    }));
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
                    let (Some((column, reference, kind, text)), Some((_, cells, numbers))) =
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
                    if kind == CellType::Number {
                        numbers.push(column);
                    }
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
                text @ (Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)) if in_value => {
                    if let Some((_, reference, _, value)) = cell.as_mut() {
                        append_text(value, &text, &self.part, self.limits.cell_bytes, || {
                            XlsxError::CellTooLong {
                                cell: reference.clone(),
                                limit: self.limits.cell_bytes,
                            }
                        })?;
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
            // As the file writes it (`861234567890123`, `8.6123456789012E+14`): what it may
            // stand for is the column's to say (`check::number_cell`).
            CellType::Number => Ok(raw.trim().to_owned()),
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
