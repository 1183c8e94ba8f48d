//! Bytes to text: byte-order marks and the Latin-1/cp1252 fallback
//! that old exporters (Outlook, Android 2.1) need (UTF-16 is transcoded as it
//! is read, in `input.rs`).

use std::borrow::Cow;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The bytes without a UTF-8 byte-order mark.
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)
}

/// A NUL byte near the start says this is no text file (git's test).
pub(crate) fn looks_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some()
}

/// UTF-8 when the bytes are UTF-8, else Windows-1252 (a superset of the
/// printable Latin-1 that exporters mean when they say ISO-8859-1).
pub(crate) fn to_text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    }
}

/// Splits text into lines with their 1-based numbers, dropping a trailing
/// `\r` (files may mix CRLF and LF).
pub(crate) fn numbered_lines(bytes: &[u8], first_line: u32) -> impl Iterator<Item = (u32, &[u8])> {
    let mut rest = bytes;
    let mut line = first_line;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (this, next) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        let this = this.strip_suffix(b"\r").unwrap_or(this);
        let number = line;
        line = line.saturating_add(1);
        Some((number, this))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_fallback() {
        assert_eq!(to_text(b"Andr\xe9"), "André");
        assert_eq!(to_text("André".as_bytes()), "André");
        assert_eq!(to_text(b"\x80"), "€");
    }

    #[test]
    fn lines_with_numbers() {
        let lines: Vec<_> = numbered_lines(b"a\r\nb\n\nc", 1).collect();
        assert_eq!(lines, vec![(1, &b"a"[..]), (2, b"b"), (3, b""), (4, b"c")]);
    }
}
