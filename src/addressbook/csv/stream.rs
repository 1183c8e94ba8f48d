//! A CSV input cut, as it is read, into segments of whole records (about
//! [`SEGMENT_BYTES`] each), so that the record reader ([`super::scan`])
//! never holds more than one segment.
//!
//! A segment ends where the quote-aware scan says a record ends, walking
//! records as [`super::scan::Rows`] does (after a malformed one, from the
//! next line); a record still open at the end of what was read waits for
//! more lines. A record longer than [`MAX_RECORD_BYTES`] is cut after its
//! first line, so that it reads as an unterminated quote costing one row;
//! a single line longer than that is read past, unkept, and becomes one
//! broken row of its own.

use super::scan::{Fault, scan, skip_line_ends};
use crate::addressbook::input::LineReader;

/// How many bytes a segment is read to before it is cut.
const SEGMENT_BYTES: usize = 1 << 20;

/// The most bytes one record (and so one line) may hold.
pub(super) const MAX_RECORD_BYTES: usize = 4 << 20;

/// A piece of a CSV input.
pub(super) enum Segment {
    /// Whole records, the first of them on `first_line` (or blank lines).
    Records {
        /// Their bytes, undecoded.
        bytes: Vec<u8>,
        /// The line the bytes start on.
        first_line: u32,
    },
    /// A line longer than [`MAX_RECORD_BYTES`]: its number, its start and
    /// its length.
    Long(u32, Vec<u8>, u64),
    /// Reading failed on this line, for this reason: nothing follows.
    Stopped(u32, String),
}

/// Cuts an input into [`Segment`]s.
pub(super) struct Segments {
    input: LineReader,
    delimiter: u8,
    /// Lines read and not yet handed out.
    pending: Vec<u8>,
    /// The line `pending` starts on.
    first_line: u32,
    /// An over-long line met after `pending`.
    long: Option<(u32, Vec<u8>, u64)>,
    /// A read error met after `pending`.
    stopped: Option<(u32, String)>,
    ended: bool,
}

impl Segments {
    /// The segments of `input`, whose records are split by `delimiter`.
    pub(super) fn new(input: LineReader, delimiter: u8) -> Self {
        Segments {
            input,
            delimiter,
            pending: Vec::new(),
            first_line: 1,
            long: None,
            stopped: None,
            ended: false,
        }
    }

    /// Whether every segment was handed out.
    pub(super) fn is_done(&self) -> bool {
        self.ended && self.pending.is_empty() && self.long.is_none() && self.stopped.is_none()
    }

    /// The next segment; `None` at the end.
    pub(super) fn next_segment(&mut self) -> Option<Segment> {
        loop {
            if self.pending.is_empty() {
                if let Some((line, start, len)) = self.long.take() {
                    self.first_line = line.saturating_add(1);
                    return Some(Segment::Long(line, start, len));
                }
                if let Some((line, why)) = self.stopped.take() {
                    self.ended = true;
                    return Some(Segment::Stopped(line, why));
                }
                if self.ended {
                    return None;
                }
            }
            let cut = self.cut();
            if cut == 0 {
                continue;
            }
            let rest = self.pending.split_off(cut);
            let bytes = std::mem::replace(&mut self.pending, rest);
            let first_line = self.first_line;
            let lines = memchr::memchr_iter(b'\n', &bytes).count();
            self.first_line = first_line.saturating_add(u32::try_from(lines).unwrap_or(u32::MAX));
            return Some(Segment::Records { bytes, first_line });
        }
    }

    /// Reads lines until a segment can be cut from `pending`, and says
    /// where (0 when `pending` is empty and nothing more is to be read).
    fn cut(&mut self) -> usize {
        let mut want = SEGMENT_BYTES;
        loop {
            self.fill(want);
            if self.ended || self.long.is_some() || self.stopped.is_some() {
                return self.pending.len();
            }
            let cut = complete_records(&self.pending, self.delimiter);
            if cut > 0 {
                return cut;
            }
            if self.pending.len() >= MAX_RECORD_BYTES {
                // One record too long: its first line alone, read as an
                // unterminated quote.
                return memchr::memchr(b'\n', &self.pending).map_or(self.pending.len(), |i| i + 1);
            }
            want = self.pending.len() * 2;
        }
    }

    /// Reads whole lines into `pending` until it holds `want` bytes, the
    /// input ends, or a line is too long or cannot be read.
    fn fill(&mut self, want: usize) {
        while !self.ended
            && self.long.is_none()
            && self.stopped.is_none()
            && self.pending.len() < want
        {
            let at = self.pending.len();
            match self.input.read_line(&mut self.pending, MAX_RECORD_BYTES) {
                Ok(Some(info)) if info.cut => {
                    let start = self.pending.split_off(at);
                    self.long = Some((info.number, start, info.len));
                }
                Ok(Some(_)) => {}
                Ok(None) => self.ended = true,
                Err(e) => self.stopped = Some((self.input.line(), e.to_string())),
            }
        }
    }
}

/// Where the records of `text` (whole lines, ending with a line end) stop
/// being complete: the start of the first one that more lines could still
/// change (a quote not closed yet), or the end.
fn complete_records(text: &[u8], delimiter: u8) -> usize {
    let mut at = 0;
    loop {
        at = skip_line_ends(text, at);
        if at >= text.len() {
            return text.len();
        }
        let record = scan(text, at, delimiter);
        match record.fault {
            Some(Fault::Unterminated) => return at,
            // Read as a broken row, and the next record from the next line.
            Some(Fault::Runaway(_)) => match memchr::memchr(b'\n', &text[at..]) {
                Some(i) => at += i + 1,
                None => return text.len(),
            },
            None => at = record.end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(body: &[u8]) -> Vec<(u32, String)> {
        let input = LineReader::new(Box::new(std::io::Cursor::new(body.to_vec())));
        let mut segments = Segments::new(input, b',');
        std::iter::from_fn(|| segments.next_segment())
            .map(|s| match s {
                Segment::Records { bytes, first_line } => {
                    (first_line, String::from_utf8(bytes).unwrap())
                }
                Segment::Long(line, _, len) => (line, format!("long {len}")),
                Segment::Stopped(line, why) => (line, why),
            })
            .collect()
    }

    #[test]
    fn records_are_whole_and_lines_counted() {
        assert_eq!(complete_records(b"a,b\n\"c\nd\",e\n", b','), 12);
        assert_eq!(complete_records(b"a,b\n\"c\nd,e\n", b','), 4);
        // A runaway quote is decided: reading goes on from the next line.
        assert_eq!(complete_records(b"a,\"b\nc\"d\ne\n", b','), 11);
        let mut body = b"n,e\nA,a@x.org\n".to_vec();
        body.extend(vec![b'7'; MAX_RECORD_BYTES + 1]);
        body.extend(b"\nB,b@x.org\n");
        assert_eq!(
            segments(&body),
            vec![
                (1, "n,e\nA,a@x.org\n".to_owned()),
                (3, format!("long {}", MAX_RECORD_BYTES + 1)),
                (4, "B,b@x.org\n".to_owned()),
            ]
        );
    }
}
