//! `--format csv`: `contact,medium,address,status,mxid,via`, `via` joined
//! with ` > `, as design.md fixes the columns, then `mxids,input,reason`
//! appended after them, so that scripts reading the first six by position
//! keep working.
//!
//! `mxids` is every distinct Matrix ID heard for the address (several for a
//! `conflict`), joined with one space: a Matrix ID cannot hold one (its
//! localpart is printable ASCII without blanks, `;` and `,` included, and its
//! server name is a host and port), so splitting on blanks gives them back.
//! `input` is the address as written in the file; `reason` says why, for
//! `invalid`, `error` and `unfollowed`. Quoting is RFC 4180's (the `csv`
//! crate's).

use std::io::{self, Write};
use std::ops::Range;

use super::{Records, write_in_order};

const HEADER: [&str; 9] = [
    "contact", "medium", "address", "status", "mxid", "via", "mxids", "input", "reason",
];

/// What joins the Matrix IDs of `mxids`: no Matrix ID holds a blank.
const MXIDS_SEPARATOR: &str = " ";
/// What joins the servers of `via`.
const VIA_SEPARATOR: &str = " > ";

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
            let via = r.via.join(VIA_SEPARATOR);
            let mxids = r.mxids.join(MXIDS_SEPARATOR);
            writer.write_record([
                r.contact.unwrap_or(""),
                r.medium.map(|m| m.as_str()).unwrap_or(""),
                r.address.unwrap_or(""),
                r.status.as_str(),
                r.mxid.unwrap_or(""),
                &via,
                &mxids,
                r.input,
                r.reason.unwrap_or(""),
            ])?;
        }
        writer.flush()
    })
}
