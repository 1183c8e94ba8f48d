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
        let trimmed = raw.trim_ascii();
        if trimmed.len() > MAX_ADDRESS_BYTES && !trimmed.starts_with(b"#") {
            // Neither decoded whole nor kept: only its start is quoted.
            let start = &trimmed[..floor_char_boundary(trimmed, 4 * 80)];
            contacts.push(Contact {
                name: None,
                line: number,
                entries: vec![Entry::broken(
                    preview(&to_text(start)),
                    number,
                    format!("line {}", too_long(trimmed.len())),
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
    fn an_over_long_line_is_quoted_not_kept_and_a_long_comment_skipped() {
        let mut body = format!("# {}\n", "c".repeat(5000)).into_bytes();
        body.extend(format!("  {}  \n", "7".repeat(5000)).bytes());
        body.extend(b"alice@example.org\n");
        let contacts = read(&body).unwrap();
        assert_eq!(contacts.len(), 2);
        let long = &contacts[0].entries[0];
        assert_eq!(long.line, 2);
        assert_eq!(long.input, format!("{}…", "7".repeat(80)));
        assert!(
            matches!(&long.kind, EntryKind::Broken(r) if r == "line 5000 bytes long, over the 4096-byte limit for one address; skipped"),
            "{long:?}"
        );
        assert_eq!(contacts[1].entries[0].input, "alice@example.org");
    }

    #[test]
    fn refuses_files_without_addresses() {
        assert!(read(b"# nothing\n\n").is_err());
        assert!(read(b"lorem ipsum\ndolor sit amet\n").is_err());
    }
}
