//! Plain text: one address per line; blank lines and `#` comments skipped.

use super::decode::to_text;
use super::input::{LineInfo, LineReader, content};
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

/// How much of one line is kept: past [`MAX_ADDRESS_BYTES`] a line is
/// only quoted, so its start is all that is needed.
const LINE_CAP: usize = 2 * MAX_ADDRESS_BYTES;

/// The lines of a text address book, read one at a time.
pub(crate) struct Lines {
    input: LineReader,
    buf: Vec<u8>,
    ended: bool,
}

impl Lines {
    /// Starts reading `input`: `Err` when it is no address book, checked by
    /// reading ahead to its first line that looks like an address (kept in
    /// the returned contacts) or to its end.
    pub(crate) fn open(input: LineReader) -> Result<(Vec<Contact>, Lines), String> {
        let mut lines = Lines {
            input,
            buf: Vec::new(),
            ended: false,
        };
        let mut ahead = Vec::new();
        while let Some((contact, plausible)) = lines.next_contact() {
            ahead.push(contact);
            if plausible {
                return Ok((ahead, lines));
            }
        }
        if ahead.is_empty() {
            Err("no address in it (only blank lines and comments)".to_owned())
        } else {
            Err("no line looks like an email address or a phone number".to_owned())
        }
    }

    /// Whether the input's end was read.
    pub(crate) fn is_done(&self) -> bool {
        self.ended
    }

    /// The next contact, `None` at the end.
    pub(crate) fn next(&mut self) -> Option<Contact> {
        self.next_contact().map(|(contact, _)| contact)
    }

    /// The next contact, and whether it looks like an address.
    fn next_contact(&mut self) -> Option<(Contact, bool)> {
        while !self.ended {
            self.buf.clear();
            let info = match self.input.read_line(&mut self.buf, LINE_CAP) {
                Ok(Some(info)) => info,
                Ok(None) => break,
                Err(e) => {
                    self.ended = true;
                    return Some((stopped(&self.input, &e), false));
                }
            };
            if let Some(found) = line_contact(content(&self.buf), info) {
                return Some(found);
            }
        }
        self.ended = true;
        None
    }
}

/// The contact a line makes, and whether it looks like an address; `None`
/// for a blank line or a comment.
fn line_contact(raw: &[u8], info: LineInfo) -> Option<(Contact, bool)> {
    let number = info.number;
    let trimmed = raw.trim_ascii();
    let long = info.trimmed_len(raw);
    if (info.cut || long > MAX_ADDRESS_BYTES as u64) && !trimmed.starts_with(b"#") {
        // Neither decoded whole nor kept: only its start is quoted.
        let start = &trimmed[..floor_char_boundary(trimmed, 4 * 80)];
        let contact = Contact::broken(
            preview(&to_text(start)),
            number,
            format!(
                "line {}",
                too_long(usize::try_from(long).unwrap_or(usize::MAX))
            ),
        );
        return Some((contact, false));
    }
    let line = to_text(raw);
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let plausible = line.contains('@') || line.bytes().filter(u8::is_ascii_digit).count() >= 5;
    let contact = Contact {
        name: None,
        line: number,
        entries: vec![Entry {
            input: line.to_owned(),
            line: number,
            kind: EntryKind::Unknown,
        }],
        card: None,
    };
    Some((contact, plausible))
}

/// A contact saying that reading stopped on a read error, and why.
pub(crate) fn stopped(input: &LineReader, error: &std::io::Error) -> Contact {
    Contact::stopped(input.line(), error)
}

/// Reads a whole text body (tests).
#[cfg(test)]
pub(crate) fn read(body: &[u8]) -> Result<Vec<Contact>, String> {
    let input = LineReader::new(Box::new(std::io::Cursor::new(body.to_vec())));
    let (mut contacts, mut lines) = Lines::open(input)?;
    contacts.extend(std::iter::from_fn(|| lines.next()));
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
