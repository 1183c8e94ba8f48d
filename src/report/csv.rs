//! `--format csv`: `contact,medium,address,status,mxid,via`, `via` joined
//! with ` > `, as design.md fixes the columns.

use std::io::{self, Write};

use super::{Records, write_in_order};

const HEADER: [&str; 6] = ["contact", "medium", "address", "status", "mxid", "via"];

pub(super) fn write<W: Write>(out: &mut W, records: &impl Records) -> io::Result<()> {
    let mut header = csv::Writer::from_writer(&mut *out);
    header.write_record(HEADER)?;
    header.flush()?;
    drop(header);
    write_in_order(out, records, |text, range| {
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
