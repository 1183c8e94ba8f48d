//! `--format json` (one document) and `--format ndjson` (a result a line).
//! Records are streamed, so a million results never sit in memory as JSON.

use std::io::{self, Write};

use serde::Serialize;

use super::{Record, Summary};

pub(super) fn write_lines<'a, W: Write>(
    out: &mut W,
    records: impl Iterator<Item = Record<'a>>,
) -> io::Result<()> {
    for record in records {
        serde_json::to_writer(&mut *out, &record)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

pub(super) fn write_document<'a, W: Write>(
    out: &mut W,
    records: impl Iterator<Item = Record<'a>>,
    servers: &impl Serialize,
    summary: &Summary,
) -> io::Result<()> {
    out.write_all(b"{\"results\":[")?;
    for (i, record) in records.enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *out, &record)?;
    }
    out.write_all(b"\n],\"servers\":")?;
    serde_json::to_writer(&mut *out, servers)?;
    out.write_all(b",\"summary\":")?;
    serde_json::to_writer(&mut *out, summary)?;
    out.write_all(b"}\n")
}
