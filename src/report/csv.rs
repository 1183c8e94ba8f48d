//! `--format csv`: `contact,medium,address,status,mxid,via`, `via` joined
//! with ` > `, as design.md fixes the columns.

use std::io::{self, Write};
use std::ops::Range;

use super::{Records, write_in_order};

const HEADER: [&str; 6] = ["contact", "medium", "address", "status", "mxid", "via"];

/// The header line.
pub(super) fn write_header<W: Write>(out: &mut W) -> io::Result<()> {
    let mut header = csv::Writer::from_writer(&mut *out);
    header.write_record(HEADER)?;
    header.flush()
}

/// The rows of the results of `range`.
pub(super) fn write_rows<W: Write>(
    out: &mut W,
    records: &impl Records,
    range: Range<usize>,
) -> io::Result<()> {
    write_in_order(out, records, range, |text, range| {
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(text);
        for i in range {
            let r = records.get(i);
            let via = r.via.join(" > ");
            writer.write_record([
                r.contact.unwrap_or(""),
                r.medium.map(|m| m.as_str()).unwrap_or(""),
                r.address.unwrap_or(""),
                r.status.as_str(),
                r.mxid.unwrap_or(""),
                &via,
            ])?;
        }
        writer.flush()
    })
}
