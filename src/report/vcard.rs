//! `--format vcard`: the address book back, each found Matrix ID added to its
//! contact as `IMPP:matrix:u/alice:example.org` (the spec's `matrix:` URI).
//! A card read from a vCard file is written as it was read, every property
//! kept, the IMPP lines inserted before `END:VCARD` unless the card already
//! carries them; other inputs give minimal vCard 4.0 cards.

use std::io::{self, Write};

use super::{Record, Records};
use crate::addressbook::vcard::patch::matrix_uri;
use crate::outcome::Status;
use crate::threepid::Medium;

pub(super) fn write<W: Write>(out: &mut W, records: &impl Records) -> io::Result<()> {
    let mut start = 0;
    while start < records.len() {
        let contact = records.contact_of(start);
        let mut end = start + 1;
        while end < records.len() && records.contact_of(end) == contact {
            end += 1;
        }
        let group: Vec<Record<'_>> = (start..end).map(|i| records.get(i)).collect();
        let mut uris: Vec<String> = Vec::new();
        for r in group.iter().filter(|r| r.status == Status::Found) {
            let uri = matrix_uri(r.mxid.unwrap_or_default());
            if !uris.contains(&uri) {
                uris.push(uri);
            }
        }
        match records.card(contact) {
            Some(card) => write_card(out, card, &uris)?,
            None => write_minimal(out, &group, &uris)?,
        }
        start = end;
    }
    Ok(())
}

/// The card as read, with the IMPP lines it lacks before its `END:VCARD`.
fn write_card<W: Write>(out: &mut W, card: &str, uris: &[String]) -> io::Result<()> {
    let eol = if card.contains("\r\n") { "\r\n" } else { "\n" };
    // Unfolded, upper-cased text, to see which URIs the card already holds.
    let unfolded = card
        .replace("\r\n ", "")
        .replace("\n ", "")
        .replace("\r\n\t", "")
        .replace("\n\t", "");
    let held = unfolded.to_ascii_lowercase();
    let missing: Vec<&String> = uris
        .iter()
        .filter(|u| !held.contains(&u.to_ascii_lowercase()))
        .collect();
    let body = card.trim_end_matches(['\r', '\n']);
    let end = body.rfind(['\n']).map_or(0, |i| i + 1);
    let (head, last) = body.split_at(end);
    if missing.is_empty() || !last.trim().eq_ignore_ascii_case("END:VCARD") {
        out.write_all(body.as_bytes())?;
        return out.write_all(eol.as_bytes());
    }
    out.write_all(head.as_bytes())?;
    for uri in missing {
        write!(out, "IMPP:{uri}{eol}")?;
    }
    write!(out, "{}{eol}", last.trim_end())
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

    #[test]
    fn impp_goes_before_end_once() {
        let card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nX-CUSTOM;TYPE=x:kept\r\nEND:VCARD\r\n";
        let uris = vec!["matrix:u/a:example.org".to_owned()];
        let mut out = Vec::new();
        write_card(&mut out, card, &uris).unwrap();
        let once = String::from_utf8(out).unwrap();
        assert_eq!(
            once,
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nX-CUSTOM;TYPE=x:kept\r\nIMPP:matrix:u/a:example.org\r\nEND:VCARD\r\n"
        );
        let mut again = Vec::new();
        write_card(&mut again, &once, &uris).unwrap();
        assert_eq!(String::from_utf8(again).unwrap(), once);
    }
}
