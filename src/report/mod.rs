//! Output: one [`Record`] per (contact, address), and writers for each
//! format over any `impl Write`. Data goes to the writer (stdout or
//! `--output`); nothing else does.

mod csv;
mod json;
mod table;
mod vcard;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::ops::Range;

use rayon::prelude::*;

use serde::{Serialize, Serializer};

use crate::threepid::Medium;

/// An output format (`-f/--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// Aligned columns for people (the default).
    Table,
    /// One JSON document: results, servers and summary.
    Json,
    /// One JSON result object per line.
    Ndjson,
    /// `contact,medium,address,status,mxid,via`.
    Csv,
    /// The contacts as vCards, each found Matrix ID added as `IMPP:matrix:u/…`.
    Vcard,
}

/// What became of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The servers agree on one Matrix ID.
    Found,
    /// No server knows it.
    NotFound,
    /// Servers gave different Matrix IDs.
    Conflict,
    /// A referral was left unfollowed by policy.
    Unfollowed,
    /// The address could not be read or normalised.
    Invalid,
    /// A server that should have answered failed.
    Error,
    /// A dry run: nothing was asked.
    NotAsked,
}

impl Status {
    /// The status's name in the output.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Found => "found",
            Status::NotFound => "not_found",
            Status::Conflict => "conflict",
            Status::Unfollowed => "unfollowed",
            Status::Invalid => "invalid",
            Status::Error => "error",
            Status::NotAsked => "not_asked",
        }
    }

    /// Whether the address got a definite answer (everything but `error`).
    pub fn is_definite(self) -> bool {
        self != Status::Error
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
    /// The contact's vCard as read, when the input was vCard and it was kept.
    fn card(&self, contact: u32) -> Option<&str>;
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
        OutputFormat::Json => json::write_document(out, records, servers, summary),
        OutputFormat::Ndjson => json::write_lines(out, records),
        OutputFormat::Csv => csv::write(out, records),
        OutputFormat::Vcard => vcard::write(out, records),
    }?;
    out.flush()
}

/// Results formatted per task; a batch is a few of those, in flight at once.
const CHUNK: usize = 4096;
const BATCH: usize = 16 * CHUNK;

/// Formats `records` in chunks on all cores with `format_chunk`, and writes
/// the chunks in order. Memory stays bounded by one batch of text.
fn write_in_order<W: Write>(
    out: &mut W,
    records: &impl Records,
    format_chunk: impl Fn(&mut Vec<u8>, Range<usize>) -> io::Result<()> + Sync,
) -> io::Result<()> {
    let len = records.len();
    for batch in (0..len).step_by(BATCH) {
        let end = (batch + BATCH).min(len);
        let texts: Vec<io::Result<Vec<u8>>> = (batch..end)
            .step_by(CHUNK)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|start| {
                let mut text = Vec::with_capacity(CHUNK * 256);
                format_chunk(&mut text, start..(start + CHUNK).min(end))?;
                Ok(text)
            })
            .collect();
        for text in texts {
            out.write_all(&text?)?;
        }
    }
    Ok(())
}
