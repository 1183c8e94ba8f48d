//! `--format csv`: `contact,medium,address,status,mxid,via`, `via` joined
//! with ` > `. Invalid rows carry their input in `address`, so a spreadsheet
//! shows what was wrong.

use std::io::{self, Write};

use super::Record;

pub(super) fn write<'a, W: Write>(
    out: &mut W,
    records: impl Iterator<Item = Record<'a>>,
) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["contact", "medium", "address", "status", "mxid", "via"])?;
    for r in records {
        let medium = r.medium.map(|m| m.as_str()).unwrap_or("");
        let via = r.via.join(" > ");
        writer.write_record([
            r.contact.unwrap_or(""),
            medium,
            r.address.unwrap_or(""),
            r.status.as_str(),
            r.mxid.unwrap_or(""),
            &via,
        ])?;
    }
    writer.flush()
}
