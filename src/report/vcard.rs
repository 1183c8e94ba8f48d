//! `--format vcard`: the address book back, each found Matrix ID added to its
//! contact as `IMPP:matrix:u/alice:example.org` (the spec's `matrix:` URI).
//! A vCard file is written back whole, byte for byte: every card in file
//! order (those with no address and broken ones too), the lines between and
//! outside cards, each card's charset and line endings, with only the IMPP
//! lines a card lacks added before its `END:VCARD`
//! ([`add_matrix_ids`]); other inputs give minimal vCard 4.0 cards.

use std::io::{self, Write};

use super::{Record, Records};
use crate::addressbook::vcard::patch::{add_matrix_ids, matrix_uri};
use crate::outcome::Status;
use crate::threepid::Medium;

pub(super) fn write<W: Write>(out: &mut W, records: &impl Records) -> io::Result<()> {
    let mut out = Tracked { out, last: None };
    let mut row = 0;
    for contact in 0..records.contacts() {
        let contact = u32::try_from(contact).unwrap_or(u32::MAX);
        let start = row;
        while row < records.len() && records.contact_of(row) == contact {
            row += 1;
        }
        let group: Vec<Record<'_>> = (start..row).map(|i| records.get(i)).collect();
        let mxids = found_mxids(&group);
        match records.card(contact) {
            Some(card) => {
                // Two files in a row: the first may end with no line break.
                out.end_line(card)?;
                let patched = add_matrix_ids(card, &mxids);
                out.write_all(patched.as_deref().unwrap_or(card))?;
            }
            None if group.iter().any(|r| r.medium.is_some()) => {
                out.end_line(b"\r\n")?;
                let uris: Vec<String> = mxids.iter().map(|m| matrix_uri(m)).collect();
                write_minimal(&mut out, &group, &uris)?;
            }
            None => {}
        }
    }
    Ok(())
}

/// The Matrix IDs found for a contact's results, each once, in order.
fn found_mxids<'a>(group: &[Record<'a>]) -> Vec<&'a str> {
    let mut mxids: Vec<&str> = Vec::new();
    for r in group.iter().filter(|r| r.status == Status::Found) {
        if let Some(mxid) = r.mxid.filter(|m| !mxids.contains(m)) {
            mxids.push(mxid);
        }
    }
    mxids
}

/// A writer that knows whether what it wrote so far ends a line.
struct Tracked<'w, W: Write> {
    out: &'w mut W,
    last: Option<u8>,
}

impl<W: Write> Tracked<'_, W> {
    /// Ends the line written last, if it was not ended, as `next` ends its
    /// lines.
    fn end_line(&mut self, next: &[u8]) -> io::Result<()> {
        if self.last.is_some_and(|b| b != b'\n') {
            let crlf = next.windows(2).any(|w| w == b"\r\n");
            self.write_all(if crlf { b"\r\n" } else { b"\n" })?;
        }
        Ok(())
    }
}

impl<W: Write> Write for Tracked<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        if n > 0 {
            self.last = Some(buf[n - 1]);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Escapes a vCard 4.0 text value.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A vCard 4.0 for a contact read from CSV or text.
fn write_minimal<W: Write>(out: &mut W, group: &[Record<'_>], uris: &[String]) -> io::Result<()> {
    let addresses: Vec<&Record<'_>> = group.iter().filter(|r| r.medium.is_some()).collect();
    if addresses.is_empty() {
        return Ok(());
    }
    let name = group[0]
        .contact
        .or(addresses[0].address)
        .unwrap_or(addresses[0].input);
    write!(out, "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:{}\r\n", text(name))?;
    for r in addresses {
        let value = r.address.unwrap_or(r.input);
        match r.medium {
            Some(Medium::Email) => write!(out, "EMAIL:{}\r\n", text(value))?,
            Some(Medium::Msisdn) if r.address.is_some() => {
                write!(out, "TEL;VALUE=uri:tel:+{value}\r\n")?
            }
            Some(Medium::Msisdn) => write!(out, "TEL:{}\r\n", text(value))?,
            None => {}
        }
    }
    for uri in uris {
        write!(out, "IMPP:{uri}\r\n")?;
    }
    out.write_all(b"END:VCARD\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::SourceRef;

    /// Three cards as read; only the middle one has results (two, one
    /// Matrix ID found twice).
    struct Cards {
        cards: Vec<&'static [u8]>,
    }

    impl Records for Cards {
        fn len(&self) -> usize {
            2
        }

        fn get(&self, i: usize) -> Record<'_> {
            Record {
                contact: Some("B"),
                input: "b@example.org",
                source: SourceRef {
                    file: "book.vcf",
                    line: 5 + i as u32,
                },
                medium: Some(Medium::Email),
                address: Some("b@example.org"),
                status: Status::Found,
                mxid: Some("@b:example.org"),
                mxids: &[],
                via: &[],
                reason: None,
                hash: None,
            }
        }

        fn contact_of(&self, _: usize) -> u32 {
            1
        }

        fn card(&self, contact: u32) -> Option<&[u8]> {
            self.cards.get(contact as usize).copied()
        }

        fn contacts(&self) -> usize {
            self.cards.len()
        }
    }

    #[test]
    fn every_card_comes_back_and_ids_are_added_once() {
        let records = Cards {
            cards: vec![
                b"BEGIN:VCARD\r\nFN;CHARSET=ISO-8859-1:A\xe9\r\nEND:VCARD\r\n\r\n",
                b"BEGIN:VCARD\r\nFN:B\r\nEMAIL:b@example.org\r\nEND:VCARD\r\nstray\r\n",
                b"BEGIN:VCARD\nFN:C\nEND:VCARD",
            ],
        };
        let mut out = Vec::new();
        write(&mut out, &records).unwrap();
        let expected: &[u8] = b"BEGIN:VCARD\r\nFN;CHARSET=ISO-8859-1:A\xe9\r\nEND:VCARD\r\n\r\nBEGIN:VCARD\r\nFN:B\r\nEMAIL:b@example.org\r\nIMPP:matrix:u/b:example.org\r\nEND:VCARD\r\nstray\r\nBEGIN:VCARD\nFN:C\nEND:VCARD";
        assert_eq!(out, expected);
    }
}
