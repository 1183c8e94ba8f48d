//! `--format json` (one document) and `--format ndjson` (a result a line).
//! Records are formatted in chunks on every core and streamed, so a million
//! results never sit in memory as JSON.

use std::io::{self, Write};

use serde::Serialize;

use super::{Records, Summary, write_in_order};

pub(super) fn write_lines<W: Write>(out: &mut W, records: &impl Records) -> io::Result<()> {
    write_in_order(out, records, |text, range| {
        for i in range {
            serde_json::to_writer(&mut *text, &records.get(i))?;
            text.push(b'\n');
        }
        Ok(())
    })
}

pub(super) fn write_document<W: Write>(
    out: &mut W,
    records: &impl Records,
    servers: &(impl Serialize + ?Sized),
    summary: &Summary,
) -> io::Result<()> {
    out.write_all(b"{\"results\":[")?;
    write_in_order(out, records, |text, range| {
        for i in range {
            text.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            serde_json::to_writer(&mut *text, &records.get(i))?;
        }
        Ok(())
    })?;
    out.write_all(b"\n],\"servers\":")?;
    serde_json::to_writer(&mut *out, servers)?;
    out.write_all(b",\"summary\":")?;
    serde_json::to_writer(&mut *out, summary)?;
    out.write_all(b"}\n")
}
