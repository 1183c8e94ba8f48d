//! `--format json` (one document) and `--format ndjson` (a result a line).
//! Records are formatted in chunks on every core and streamed, so a million
//! results never sit in memory as JSON, and results are written as soon as
//! they are final (see [`super::Stream`]).

use std::io::{self, Write};
use std::ops::Range;

use serde::Serialize;

use super::{Records, Summary, write_in_order};

/// NDJSON: the results of `range`, a line each.
pub(super) fn write_lines<W: Write>(
    out: &mut W,
    records: &impl Records,
    range: Range<usize>,
) -> io::Result<()> {
    write_in_order(out, records, range, |text, range| {
        for i in range {
            serde_json::to_writer(&mut *text, &records.get(i))?;
            text.push(b'\n');
        }
        Ok(())
    })
}

/// The JSON document's start, up to its first result.
pub(super) fn start_document<W: Write>(out: &mut W) -> io::Result<()> {
    out.write_all(b"{\"results\":[")
}

/// The results of `range`, as items of the document's `results` (the
/// first of all results is not preceded by a comma).
pub(super) fn write_results<W: Write>(
    out: &mut W,
    records: &impl Records,
    range: Range<usize>,
) -> io::Result<()> {
    write_in_order(out, records, range, |text, range| {
        for i in range {
            text.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            serde_json::to_writer(&mut *text, &records.get(i))?;
        }
        Ok(())
    })
}

/// The JSON document's end: `servers` and `summary`.
pub(super) fn end_document<W: Write>(
    out: &mut W,
    servers: &(impl Serialize + ?Sized),
    summary: &Summary,
) -> io::Result<()> {
    out.write_all(b"\n],\"servers\":")?;
    serde_json::to_writer(&mut *out, servers)?;
    out.write_all(b",\"summary\":")?;
    serde_json::to_writer(&mut *out, summary)?;
    out.write_all(b"}\n")
}
