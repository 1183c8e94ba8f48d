//! The quote-aware record scan and the rows read with it.
//!
//! [`scan`] walks one record the way csv-core reads it, to find where the
//! next one starts (the sniffer counts fields with it) and whether a quote
//! runs away with the rows that follow. [`Rows`] reads the records with the
//! `csv` crate, each after the scan has vouched for it, gives each the line
//! it really starts on, and turns a malformed one into a [`Row::Broken`]
//! before reading on from the next line.

use std::io::{Cursor, SeekFrom};

use csv::StringRecord;

/// How much of a broken row its entry quotes.
const PREVIEW_CHARS: usize = 60;

// ---------------------------------------------------------------------------
// Scanning: record boundaries and runaway quotes, the way csv-core reads.

/// What a quote-aware scan of one record found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Scan {
    /// How many fields the record has.
    pub(super) fields: usize,
    /// The offset after the record and its line end.
    pub(super) end: usize,
    /// Why the record cannot be trusted, if it cannot.
    pub(super) fault: Option<Fault>,
}

/// How a record is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fault {
    /// A quoted field is never closed: it swallows the rest of the file.
    Unterminated,
    /// A quoted field runs over a line end and its closing quote (at this
    /// offset) is followed by more text: a quote is missing, and the field
    /// swallowed the rows in between.
    Runaway(usize),
}

/// Scans the record starting at `start`. As in csv-core, a quote opens a
/// quoted field only at the start of a field, `""` inside it is a quote, and
/// text after the closing quote is kept; a record ends at `\n`, `\r` or
/// `\r\n` outside quotes.
pub(super) fn scan(text: &[u8], start: usize, delimiter: u8) -> Scan {
    let mut fields = 1;
    let mut fault = None;
    let mut at = start;
    loop {
        if text.get(at) == Some(&b'"') {
            let Some(close) = closing_quote(text, at + 1) else {
                let fault = Some(Fault::Unterminated);
                return Scan {
                    fields,
                    end: text.len(),
                    fault,
                };
            };
            let after = &text[close + 1..field_end(text, close + 1, delimiter)];
            let spans_lines = memchr::memchr(b'\n', &text[at..close]).is_some();
            if spans_lines && fault.is_none() && !after.iter().all(u8::is_ascii_whitespace) {
                fault = Some(Fault::Runaway(close));
            }
            at = close + 1;
        }
        let stop = field_end(text, at, delimiter);
        if text.get(stop) != Some(&delimiter) {
            return Scan {
                fields,
                end: past_line_end(text, stop),
                fault,
            };
        }
        fields += 1;
        at = stop + 1;
    }
}

/// The offset past the line end (`\n`, `\r` or `\r\n`) at `at`, if any.
fn past_line_end(text: &[u8], at: usize) -> usize {
    match text.get(at..).unwrap_or_default() {
        [b'\r', b'\n', ..] => at + 2,
        [] => text.len(),
        _ => at + 1,
    }
}

/// The quote closing a quoted field whose text starts at `from`.
fn closing_quote(text: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let quote = from + memchr::memchr(b'"', text.get(from..)?)?;
        if text.get(quote + 1) == Some(&b'"') {
            from = quote + 2;
        } else {
            return Some(quote);
        }
    }
}

/// Where the unquoted text from `at` ends: a delimiter, a line end, the end.
fn field_end(text: &[u8], at: usize, delimiter: u8) -> usize {
    let rest = text.get(at..).unwrap_or_default();
    memchr::memchr3(delimiter, b'\r', b'\n', rest).map_or(text.len(), |i| at + i)
}

/// The offset of the first byte from `at` that is no line end.
pub(super) fn skip_line_ends(text: &[u8], at: usize) -> usize {
    let rest = text.get(at..).unwrap_or_default();
    rest.iter()
        .position(|b| !matches!(b, b'\r' | b'\n'))
        .map_or(text.len(), |i| at + i)
}

/// Byte offsets where lines start, to give an offset its line number; the
/// text starts on line `first`.
struct LineIndex {
    starts: Vec<usize>,
    first: u32,
}

impl LineIndex {
    fn new(text: &str, first: u32) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts, first }
    }

    /// The 1-based line holding `offset`.
    fn line_of(&self, offset: usize) -> u32 {
        let index = u32::try_from(self.starts.partition_point(|&start| start <= offset));
        index
            .unwrap_or(u32::MAX)
            .saturating_add(self.first.saturating_sub(1))
    }

    /// Where 1-based `line` starts, if the text has it.
    fn start_of(&self, line: u32) -> Option<usize> {
        let index = usize::try_from(line.checked_sub(self.first)?).ok()?;
        self.starts.get(index).copied()
    }
}

// ---------------------------------------------------------------------------
// Rows: records with their lines, broken ones reported.

/// One record as read.
#[derive(Debug)]
pub(super) enum Row {
    /// A record's cells and the line it starts on.
    Cells(u32, StringRecord),
    /// A record that cannot be read: its line, its first line's text, why.
    Broken(u32, String, String),
}

/// The records of a text, read by the `csv` crate after our scan has vouched
/// for each; after a broken one, the reader is moved to the next line.
pub(super) struct Rows<'a> {
    text: &'a str,
    delimiter: u8,
    lines: LineIndex,
    reader: csv::Reader<Cursor<&'a [u8]>>,
    /// Set when the reader could not be moved: nothing more is read.
    stuck: bool,
}

impl<'a> Rows<'a> {
    /// The records from `start`, `text` starting on line `first_line`:
    /// ragged rows allowed, no header handling (ours is smarter), no
    /// trimming (done per cell).
    pub(super) fn new(text: &'a str, start: usize, delimiter: u8, first_line: u32) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(Cursor::new(text.as_bytes()));
        let lines = LineIndex::new(text, first_line);
        let mut rows = Rows {
            text,
            delimiter,
            lines,
            reader,
            stuck: false,
        };
        rows.seek(start);
        rows
    }

    /// Moves the reader to `offset` (cheaper than a new reader per broken row).
    fn seek(&mut self, offset: usize) {
        let mut position = csv::Position::new();
        position.set_byte(u64::try_from(offset).unwrap_or(u64::MAX));
        let to = SeekFrom::Start(position.byte());
        self.stuck |= self.reader.seek_raw(to, position).is_err();
    }

    /// Reports the record at `start` as broken, and reads on from the next line.
    fn broken(&mut self, start: usize, reason: String) -> Row {
        let line = self.lines.line_of(start);
        let next = self.lines.start_of(line.saturating_add(1));
        self.seek(next.unwrap_or(self.text.len()));
        let text = preview(self.text.get(start..).unwrap_or_default());
        Row::Broken(line, text, reason)
    }

    fn reason(&self, fault: Fault) -> String {
        match fault {
            Fault::Unterminated => {
                "unterminated quoted field: a quote opened on this line is never closed".to_owned()
            }
            Fault::Runaway(close) => format!(
                "malformed quoted field: a quote opened on this line closes on line {}, \
                 followed by more text (a quote is missing)",
                self.lines.line_of(close)
            ),
        }
    }
}

impl Iterator for Rows<'_> {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        // The reader's position is where the last record ended: before any
        // blank line, and before the `\n` of a `\r\n`.
        let offset = usize::try_from(self.reader.position().byte()).unwrap_or(usize::MAX);
        let start = skip_line_ends(self.text.as_bytes(), offset);
        if self.stuck || start >= self.text.len() {
            return None;
        }
        if let Some(fault) = scan(self.text.as_bytes(), start, self.delimiter).fault {
            let reason = self.reason(fault);
            return Some(self.broken(start, reason));
        }
        let mut record = StringRecord::new();
        match self.reader.read_record(&mut record) {
            Ok(true) => Some(Row::Cells(self.lines.line_of(start), record)),
            Ok(false) => None,
            // Cannot happen on text already decoded, but must not end the file.
            Err(error) => Some(self.broken(start, error.to_string())),
        }
    }
}

/// The first line of `text`, cut to [`PREVIEW_CHARS`].
fn preview(text: &str) -> String {
    cut(
        text.split(['\r', '\n']).next().unwrap_or_default(),
        PREVIEW_CHARS,
    )
}

/// `text` cut to `max` characters, with `…` when it was longer.
pub(super) fn cut(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let mut shown: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use crate::addressbook::csv::tests::read_ok;

    #[test]
    fn ragged_rows() {
        let body = "name,email,phone\n\
                    Alice,alice@example.org\n\
                    Bob,bob@example.org,+33 6 12 34 56 78,+44 7400 123456,likes tea\n\
                    Carol\n";
        assert_eq!(
            read_ok(body.as_bytes()),
            [
                "2 Alice: email alice@example.org",
                "3 Bob: email bob@example.org | msisdn +33 6 12 34 56 78 | msisdn +44 7400 123456",
            ]
        );
    }

    #[test]
    fn runaway_quote_costs_one_row() {
        let body = "name,email,phone\n\
                    Alice,alice@example.org,+33 6 12 34 56 78\n\
                    Bob,\"bob@example.org,+33 6 98 76 54 32\n\
                    Carol,carol@example.org,06 12 34 56 78\n\
                    \"Martin, Dave\",dave@example.org,+44 7400 123456\n\
                    Eve,eve@example.org,\n";
        assert_eq!(
            read_ok(body.as_bytes()),
            [
                "2 Alice: email alice@example.org | msisdn +33 6 12 34 56 78",
                "3 -: broken \"Bob,\\\"bob@example.org,+33 6 98 76 54 32\": malformed quoted field: \
             a quote opened on this line closes on line 5, followed by more text (a quote is missing)",
                "4 Carol: email carol@example.org | msisdn 06 12 34 56 78",
                "5 Martin, Dave: email dave@example.org | msisdn +44 7400 123456",
                "6 Eve: email eve@example.org",
            ]
        );
    }

    #[test]
    fn unterminated_quote_costs_one_row() {
        let body = "name,email\r\nAlice,alice@example.org\r\nBob,\"bob@example.org\r\n\
                    Carol,carol@example.org\r\n";
        assert_eq!(
            read_ok(body.as_bytes()),
            [
                "2 Alice: email alice@example.org",
                "3 -: broken \"Bob,\\\"bob@example.org\": unterminated quoted field: \
             a quote opened on this line is never closed",
                "4 Carol: email carol@example.org",
            ]
        );
        // Bob's quote is closed by Dan's opening one; Dan's then never closes.
        let body =
            "name,email\nBob,\"bob@example.org\nCarol,carol@example.org\nDan,\"dan@example.org";
        assert_eq!(
            read_ok(body.as_bytes()),
            [
                "2 -: broken \"Bob,\\\"bob@example.org\": malformed quoted field: \
             a quote opened on this line closes on line 4, followed by more text (a quote is missing)",
                "3 Carol: email carol@example.org",
                "4 -: broken \"Dan,\\\"dan@example.org\": unterminated quoted field: \
             a quote opened on this line is never closed",
            ]
        );
    }

    #[test]
    fn quirks_that_are_no_damage() {
        // Text after a closing quote on one line, as csv-core reads it; a
        // doubled quote; a quoted line break; blank lines and CRLF.
        let body = "name,email,notes\r\n\"Smith\" John,john@example.org,\"say \"\"hi\"\"\r\nand bye\"\r\n\
                    \r\n\r\n\"Doe, Jane\" ,jane@example.org,\r\n";
        assert_eq!(
            read_ok(body.as_bytes()),
            [
                "2 Smith John: email john@example.org",
                "6 Doe, Jane: email jane@example.org",
            ]
        );
    }
}
