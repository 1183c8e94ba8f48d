//! Output: one [`Record`] per (contact, address), and writers for each
//! format over any `impl Write`. Data goes to the writer (stdout or
//! `--output`); nothing else does.

mod csv;
mod json;
pub mod records;
mod table;
pub mod trace;
mod vcard;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::ops::Range;

use rayon::prelude::*;

use serde::{Serialize, Serializer};

use crate::outcome::Status;
use crate::threepid::Medium;

/// An output format (`-f/--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// Aligned columns for people (the default), as wide as the terminal (else $COLUMNS, else 80), long cells cut with `…`.
    Table,
    /// One JSON document: results, servers and summary.
    Json,
    /// One JSON result object per line.
    Ndjson,
    /// Comma-separated columns: contact, medium, address, status, mxid, via, mxids, input, reason.
    Csv,
    /// The contacts as vCards, each found Matrix ID added as `IMPP:matrix:u/…`.
    Vcard,
}

impl OutputFormat {
    /// Whether results can be written as they become final, in input order
    /// ([`Stream`]): JSON, NDJSON and CSV, not the table (whose columns fit
    /// its widest cell) nor vCards.
    pub fn streams(self) -> bool {
        matches!(
            self,
            OutputFormat::Json | OutputFormat::Ndjson | OutputFormat::Csv
        )
    }
}

/// Where a result was read: `FILE:LINE`.
#[derive(Debug, Clone, Copy)]
pub struct SourceRef<'a> {
    /// The file as named.
    pub file: &'a str,
    /// The 1-based line.
    pub line: u32,
}

impl fmt::Display for SourceRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

impl Serialize for SourceRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One result, as design.md's schema describes it.
#[derive(Debug, Clone, Serialize)]
pub struct Record<'a> {
    /// Display name from the address book.
    pub contact: Option<&'a str>,
    /// The address as written.
    pub input: &'a str,
    /// `FILE:LINE`.
    pub source: SourceRef<'a>,
    /// `email` or `msisdn`, when known.
    pub medium: Option<Medium>,
    /// The normalised address, null when invalid.
    pub address: Option<&'a str>,
    /// What became of it.
    pub status: Status,
    /// The Matrix ID when found.
    pub mxid: Option<&'a str>,
    /// All distinct Matrix IDs seen.
    pub mxids: &'a [String],
    /// The servers asked, from the start server to the one that answered.
    pub via: &'a [String],
    /// Why, for `invalid`, `error` and `unfollowed`.
    pub reason: Option<&'a str>,
    /// In a dry run, what would be sent for it (hash, or clear text form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

/// Counts over a run, for `summary` and the closing line on stderr.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Contacts read.
    pub contacts: usize,
    /// Results written.
    pub results: usize,
    /// Distinct normalised addresses.
    pub distinct_addresses: usize,
    /// Results per status.
    pub statuses: BTreeMap<Status, usize>,
}

impl Summary {
    /// Counts one record.
    pub fn add(&mut self, status: Status) {
        self.results += 1;
        *self.statuses.entry(status).or_default() += 1;
    }

    /// How many results ended in `status`.
    pub fn count(&self, status: Status) -> usize {
        self.statuses.get(&status).copied().unwrap_or(0)
    }

    /// One line for people: `12 results from 8 contacts: 5 found, 2 invalid`.
    pub fn line(&self) -> String {
        let parts: Vec<String> = self
            .statuses
            .iter()
            .map(|(status, n)| format!("{n} {}", status.as_str().replace('_', " ")))
            .collect();
        format!(
            "{} results from {} contacts ({} distinct addresses): {}",
            self.results,
            self.contacts,
            self.distinct_addresses,
            if parts.is_empty() {
                "nothing read".to_owned()
            } else {
                parts.join(", ")
            }
        )
    }
}

/// How the table is drawn.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableStyle {
    /// Colour the status column (a terminal, and no `NO_COLOR`).
    pub color: bool,
    /// The widest a line may be, in terminal columns; long cells are cut
    /// with `…` to fit. `None`: every cell whole.
    pub width: Option<usize>,
}

/// The results of a run, by index, so that writers can format them on every
/// core and still write them in input order.
pub trait Records: Sync {
    /// How many results there are.
    fn len(&self) -> usize;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The `i`-th result.
    fn get(&self, i: usize) -> Record<'_>;
    /// The contact the `i`-th result belongs to; a contact's results are
    /// consecutive.
    fn contact_of(&self, i: usize) -> u32;
    /// The contact's vCard as read, when the input was vCard and it was
    /// kept: its bytes as in the file ([`crate::addressbook::Contact::card`]).
    fn card(&self, contact: u32) -> Option<&[u8]>;
    /// How many contacts were read, those with no result included (a card
    /// with no address); contacts are numbered from 0 in input order.
    fn contacts(&self) -> usize {
        self.len()
            .checked_sub(1)
            .map_or(0, |last| self.contact_of(last) as usize + 1)
    }
    /// The line the contact starts on (a card's `BEGIN:VCARD`), when known.
    fn contact_line(&self, _contact: u32) -> Option<u32> {
        None
    }
}

/// Writes `records` in `format`, then anything the format closes with.
/// `servers` is the `servers` part of the JSON document.
pub fn write<W: Write>(
    out: &mut W,
    format: OutputFormat,
    style: TableStyle,
    records: &impl Records,
    servers: &(impl Serialize + ?Sized),
    summary: &Summary,
) -> io::Result<()> {
    match format {
        OutputFormat::Table => table::write(out, style, (0..records.len()).map(|i| records.get(i))),
        OutputFormat::Vcard => vcard::write(out, records),
        OutputFormat::Json | OutputFormat::Ndjson | OutputFormat::Csv => {
            let mut stream = Stream::new(out, format);
            stream.write(records, records.len())?;
            return stream.finish(servers, summary);
        }
    }?;
    out.flush()
}

/// Results written as they become final, in input order, for the formats
/// that [stream](OutputFormat::streams).
pub struct Stream<'w, W: Write> {
    out: &'w mut W,
    format: OutputFormat,
    /// Whether what comes before the results was written: not before there
    /// is something to write, so that a run failing first writes nothing.
    started: bool,
    written: usize,
}

impl<'w, W: Write> Stream<'w, W> {
    /// A stream of results in `format` to `out`; nothing is written yet.
    ///
    /// # Panics
    /// When `format` cannot be [streamed](OutputFormat::streams).
    pub fn new(out: &'w mut W, format: OutputFormat) -> Self {
        assert!(format.streams(), "{format:?} is written whole");
        Stream {
            out,
            format,
            started: false,
            written: 0,
        }
    }

    /// Writes what comes before the results, once.
    fn start(&mut self) -> io::Result<()> {
        if !self.started {
            match self.format {
                OutputFormat::Json => json::start_document(self.out)?,
                OutputFormat::Csv => csv::write_header(self.out)?,
                _ => {}
            }
            self.started = true;
        }
        Ok(())
    }

    /// How many results were written.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Writes the results of `records` not yet written, up to `upto`.
    pub fn write(&mut self, records: &impl Records, upto: usize) -> io::Result<()> {
        let range = self.written..upto.max(self.written);
        if range.is_empty() {
            return Ok(());
        }
        self.start()?;
        match self.format {
            OutputFormat::Json => json::write_results(self.out, records, range.clone()),
            OutputFormat::Ndjson => json::write_lines(self.out, records, range.clone()),
            _ => csv::write_rows(self.out, records, range.clone()),
        }?;
        self.written = range.end;
        Ok(())
    }

    /// Writes what comes after the results, and flushes.
    pub fn finish(
        mut self,
        servers: &(impl Serialize + ?Sized),
        summary: &Summary,
    ) -> io::Result<()> {
        self.start()?;
        if self.format == OutputFormat::Json {
            json::end_document(self.out, servers, summary)?;
        }
        self.out.flush()
    }
}

/// Results formatted per task; a batch is a few of those, in flight at once.
const CHUNK: usize = 4096;
const BATCH: usize = 8 * CHUNK;

/// Formats the records of `range` in chunks on all cores with
/// `format_chunk`, and writes the chunks in order, each batch while the
/// next is formatted. Memory stays bounded by two batches of text.
fn write_in_order<W: Write>(
    out: &mut W,
    records: &impl Records,
    range: Range<usize>,
    format_chunk: impl Fn(&mut Vec<u8>, Range<usize>) -> io::Result<()> + Sync,
) -> io::Result<()> {
    let end = range.end.min(records.len());
    let format_batch = |batch: usize| -> Vec<io::Result<Vec<u8>>> {
        let batch_end = (batch + BATCH).min(end);
        (batch..batch_end)
            .step_by(CHUNK)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|start| {
                let mut text = Vec::with_capacity(CHUNK * 256);
                format_chunk(&mut text, start..(start + CHUNK).min(batch_end))?;
                Ok(text)
            })
            .collect()
    };
    let format_batch = &format_batch;
    let mut batches = (range.start..end).step_by(BATCH);
    let mut formatted = batches.next().map(format_batch);
    while let Some(texts) = formatted {
        let mut following = None;
        // The pool formats the next batch while this thread writes.
        rayon::in_place_scope(|scope| {
            if let Some(next) = batches.next() {
                let following = &mut following;
                scope.spawn(move |_| *following = Some(format_batch(next)));
            }
            texts.into_iter().try_for_each(|text| out.write_all(&text?))
        })?;
        formatted = following;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` results, `contact{i}@example.org`, each its own contact.
    struct Numbered(Vec<String>);

    impl Numbered {
        fn new(n: usize) -> Self {
            Numbered((0..n).map(|i| format!("contact{i}@example.org")).collect())
        }
    }

    impl Records for Numbered {
        fn len(&self) -> usize {
            self.0.len()
        }

        fn get(&self, i: usize) -> Record<'_> {
            Record {
                contact: None,
                input: &self.0[i],
                source: SourceRef {
                    file: "book.txt",
                    line: i as u32 + 1,
                },
                medium: Some(Medium::Email),
                address: Some(&self.0[i]),
                status: if i.is_multiple_of(2) {
                    Status::Found
                } else {
                    Status::NotFound
                },
                mxid: None,
                mxids: &[],
                via: &[],
                reason: None,
                hash: None,
            }
        }

        fn contact_of(&self, i: usize) -> u32 {
            i as u32
        }

        fn card(&self, _: u32) -> Option<&[u8]> {
            None
        }
    }

    /// What `format` writes for `records` in one go.
    fn whole(format: OutputFormat, records: &Numbered) -> Vec<u8> {
        let mut out = Vec::new();
        let servers: [u8; 0] = [];
        write(
            &mut out,
            format,
            TableStyle::default(),
            records,
            &servers,
            &Summary::default(),
        )
        .unwrap();
        out
    }

    #[test]
    fn results_streamed_a_few_at_a_time_are_the_results_written_whole() {
        // Across the formatter's chunks (4,096) and batches (32,768).
        let records = Numbered::new(70_000);
        for format in [OutputFormat::Json, OutputFormat::Ndjson, OutputFormat::Csv] {
            let mut out = Vec::new();
            let mut stream = Stream::new(&mut out, format);
            for upto in [0, 1, 1, 4_097, 3_000, 65_537, 70_000, 70_000] {
                stream.write(&records, upto).unwrap();
                assert_eq!(stream.written(), upto.max(stream.written()));
            }
            let servers: [u8; 0] = [];
            stream.finish(&servers, &Summary::default()).unwrap();
            assert!(out == whole(format, &records), "{format:?}");
        }
        let document: serde_json::Value =
            serde_json::from_slice(&whole(OutputFormat::Json, &records)).unwrap();
        let results = document["results"].as_array().unwrap();
        assert_eq!(results.len(), 70_000);
        // In order, each batch written once, while the next is formatted.
        for (i, result) in results.iter().enumerate() {
            assert_eq!(result["input"], format!("contact{i}@example.org"));
        }
    }

    #[test]
    fn a_stream_with_nothing_written_yet_writes_nothing() {
        let records = Numbered::new(3);
        let mut out = Vec::new();
        {
            let mut stream = Stream::new(&mut out, OutputFormat::Json);
            stream.write(&records, 0).unwrap();
            assert_eq!(stream.written(), 0);
        }
        assert!(out.is_empty());
        // Finished with no result at all: still a whole document.
        let mut out = Vec::new();
        let servers: [u8; 0] = [];
        Stream::new(&mut out, OutputFormat::Json)
            .finish(&servers, &Summary::default())
            .unwrap();
        let document: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(document["results"], serde_json::json!([]));
    }
}
