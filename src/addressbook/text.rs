//! Plain text: one address per line; blank lines and `#` comments skipped.

use super::decode::{numbered_lines, to_text};
use super::{Contact, Entry, EntryKind, MAX_ADDRESS_BYTES, preview, too_long};

/// The longest prefix of `bytes`, at most `max` long, that does not cut a
/// UTF-8 sequence (bytes that are no UTF-8 are read as cp1252, where any cut
/// is fine).
fn floor_char_boundary(bytes: &[u8], max: usize) -> usize {
    let mut end = max.min(bytes.len());
    while end > 0 && end < bytes.len() && (bytes[end] & 0xC0) == 0x80 {
        end -= 1;
    }
    end
}

pub(crate) fn read(body: &[u8]) -> Result<Vec<Contact>, String> {
    let mut contacts = Vec::new();
    let mut plausible = false;
    for (number, raw) in numbered_lines(body, 1) {
        if raw.len() > MAX_ADDRESS_BYTES {
            // Neither decoded whole nor kept: only its start is quoted.
            let start = &raw[..floor_char_boundary(raw, 4 * 80)];
            contacts.push(Contact {
                name: None,
                line: number,
                entries: vec![Entry::broken(
                    preview(&to_text(start)),
                    number,
                    format!("line {}", too_long(raw.len())),
                )],
                card: None,
            });
            continue;
        }
        let line = to_text(raw);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        plausible |= line.contains('@') || line.bytes().filter(u8::is_ascii_digit).count() >= 5;
        contacts.push(Contact {
            name: None,
            line: number,
            entries: vec![Entry {
                input: line.to_owned(),
                line: number,
                kind: EntryKind::Unknown,
            }],
            card: None,
        });
    }
    if contacts.is_empty() {
        return Err("no address in it (only blank lines and comments)".to_owned());
    }
    if !plausible {
        return Err("no line looks like an email address or a phone number".to_owned());
    }
    Ok(contacts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_per_line() {
        let contacts = read(b"# friends\nalice@example.org\n\n  +33 6 12 34 56 78  \r\n").unwrap();
        let got: Vec<_> = contacts
            .iter()
            .map(|c| (c.line, c.entries[0].input.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![(2, "alice@example.org"), (4, "+33 6 12 34 56 78")]
        );
    }

    #[test]
    fn refuses_files_without_addresses() {
        assert!(read(b"# nothing\n\n").is_err());
        assert!(read(b"lorem ipsum\ndolor sit amet\n").is_err());
    }
}
