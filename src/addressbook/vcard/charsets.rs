//! vCard 2.1 `CHARSET=`: a property's value decoded with the charset it
//! names, before `calcard` reads the card.
//!
//! The file is bytes, and a card may hold raw Shift_JIS next to ASCII; only
//! the property that names a charset knows how its bytes read. So the card
//! is decoded property by property: a value with a `CHARSET=` that
//! `encoding_rs` knows (WHATWG labels) is decoded with it, raw or after
//! quoted-printable decoding; every other byte as the whole card was before
//! (UTF-8 when it is UTF-8, else cp1252). `calcard` itself ignores `CHARSET`
//! on raw values and knows only a few charsets under quoted-printable, so a
//! quoted-printable value is handed to it re-encoded as UTF-8
//! quoted-printable. Every line stays on its line, so the line numbers the
//! pre-pass ([`super::lines`]) found hold for the decoded text.

use std::borrow::Cow;
use std::ops::Range;

use encoding_rs::Encoding;

use super::super::decode::{numbered_lines, to_text};
use super::lines::{is_base64_encoded, is_quoted_printable};

/// A card decoded for `calcard`, and the `CHARSET` labels it could not use.
pub(super) struct Decoded<'a> {
    /// The card's text, on the same lines as its bytes.
    pub(super) text: Cow<'a, str>,
    /// `(line, label)` of each property whose charset `encoding_rs` does not
    /// know; its value was decoded as the rest of the card.
    pub(super) unknown: Vec<(u32, String)>,
}

/// A property's bytes, from its name to the end of its last line.
struct Property {
    line: u32,
    span: Range<usize>,
}

/// How a piece of the card becomes text.
enum Piece {
    /// As the card's other bytes are.
    Default(Range<usize>),
    /// Already decoded.
    Text(String),
}

/// Whether `card` holds the word `CHARSET` (any case) anywhere: a card
/// that does not (most) is decoded whole, without a look at its
/// properties.
fn names_charset(card: &[u8]) -> bool {
    memchr::memchr2_iter(b'c', b'C', card).any(|at| {
        card.get(at..at + 7)
            .is_some_and(|word| word.eq_ignore_ascii_case(b"charset"))
    })
}

/// Decodes `card` (whose first line is `begin`), each value in its charset.
pub(super) fn decode_card(card: &[u8], begin: u32) -> Decoded<'_> {
    if !names_charset(card) {
        return Decoded {
            text: to_text(card),
            unknown: Vec::new(),
        };
    }
    let mut pieces = Vec::new();
    let mut unknown = Vec::new();
    let mut done = 0;
    for property in properties(card, begin) {
        let Some((label, text)) = decode_property(&card[property.span.clone()]) else {
            continue;
        };
        match text {
            Some(text) => {
                pieces.push(Piece::Default(done..property.span.start));
                pieces.push(Piece::Text(text));
                done = property.span.end;
            }
            None => unknown.push((property.line, label)),
        }
    }
    pieces.push(Piece::Default(done..card.len()));
    let utf8 = pieces.iter().all(|p| match p {
        Piece::Default(range) => std::str::from_utf8(&card[range.clone()]).is_ok(),
        Piece::Text(_) => true,
    });
    let mut text = String::with_capacity(card.len());
    for piece in pieces {
        match piece {
            Piece::Default(range) if utf8 => {
                text.push_str(std::str::from_utf8(&card[range]).unwrap_or_default());
            }
            Piece::Default(range) => text.push_str(
                &encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(&card[range])
                    .0,
            ),
            Piece::Text(decoded) => text.push_str(&decoded),
        }
    }
    Decoded {
        text: Cow::Owned(text),
        unknown,
    }
}

/// The card's properties that name a charset: each from its first line
/// through its folds (a leading blank) and quoted-printable soft breaks.
fn properties(card: &[u8], begin: u32) -> Vec<Property> {
    let offset_of = |line: &[u8]| line.as_ptr() as usize - card.as_ptr() as usize;
    let mut found: Vec<Property> = Vec::new();
    // The property being read, and whether its last line was a soft break.
    let mut open: Option<(Property, bool)> = None;
    let mut qp = false;
    for (number, line) in numbered_lines(card, begin) {
        let end = offset_of(line) + line.len();
        let folded = line.starts_with(b" ") || line.starts_with(b"\t");
        if let Some((property, _)) = open.as_mut().filter(|(_, soft)| folded || *soft) {
            property.span.end = end;
            let soft = qp && line.ends_with(b"=");
            open.as_mut().expect("open").1 = soft;
            continue;
        }
        found.extend(open.take().map(|(p, _)| p));
        if folded {
            // More of a property that names no charset.
            continue;
        }
        let header = header(line);
        qp = header.is_some_and(is_quoted_printable);
        if header.and_then(charset).is_some() {
            let soft = qp && line.ends_with(b"=");
            let start = offset_of(line);
            open = Some((
                Property {
                    line: number,
                    span: start..end,
                },
                soft,
            ));
        } else if qp && line.ends_with(b"=") {
            // Its soft-broken lines are no properties of their own.
            open = Some((
                Property {
                    line: 0,
                    span: 0..0,
                },
                true,
            ));
        }
    }
    found.extend(open.map(|(p, _)| p));
    found.retain(|p| p.line != 0);
    found
}

/// The text before a line's first `:`, when it is ASCII.
fn header(line: &[u8]) -> Option<&str> {
    let colon = memchr::memchr(b':', line)?;
    std::str::from_utf8(&line[..colon])
        .ok()
        .filter(|h| h.is_ascii())
}

/// The value of the last `CHARSET=` parameter, quotes dropped.
fn charset(header: &str) -> Option<&str> {
    header
        .split(';')
        .skip(1)
        .filter_map(|p| p.split_once('='))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("CHARSET"))
        .map(|(_, value)| value.trim().trim_matches('"'))
        .last()
}

/// The property decoded in its charset: `None` when it names none (or is
/// base64, which is no text); `Some((label, None))` when `encoding_rs`
/// does not know the label.
fn decode_property(bytes: &[u8]) -> Option<(String, Option<String>)> {
    let colon = memchr::memchr(b':', bytes)?;
    let head = std::str::from_utf8(&bytes[..colon]).ok()?;
    let label = charset(head)?;
    if is_base64_encoded(head) {
        return None;
    }
    let Some(charset) = Encoding::for_label(label.as_bytes())
        .filter(|e| *e != encoding_rs::REPLACEMENT && *e != encoding_rs::UTF_8)
    else {
        let known = Encoding::for_label(label.as_bytes()).is_some_and(|e| e == encoding_rs::UTF_8);
        // UTF-8 needs nothing of us: the value reads as the card does.
        return (!known).then(|| (label.to_owned(), None));
    };
    let value = &bytes[colon + 1..];
    let text = if is_quoted_printable(head) {
        requote(head, value, charset)?
    } else {
        let (text, _) = charset.decode_without_bom_handling(value);
        // A charset that is not ASCII-compatible may eat line breaks.
        if text.matches('\n').count() != memchr::memchr_iter(b'\n', value).count() {
            return None;
        }
        format!("{head}:{text}")
    };
    Some((label.to_owned(), Some(text)))
}

/// A quoted-printable value in `charset`, re-encoded as UTF-8
/// quoted-printable on as many lines, with `CHARSET=UTF-8`: each part
/// between literal `;` and `,` (the separators `calcard` splits on before
/// it decodes) decoded on its own.
fn requote(head: &str, value: &[u8], charset: &'static Encoding) -> Option<String> {
    let value = std::str::from_utf8(value).ok().filter(|v| v.is_ascii())?;
    let breaks = value.matches('\n').count();
    let joined: String = value
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .map(|l| l.strip_suffix('=').unwrap_or(l))
        .collect();
    let mut quoted = String::new();
    let mut part = String::new();
    for c in joined.chars().chain(std::iter::once('\n')) {
        if matches!(c, ';' | ',' | '\n') {
            let bytes = unquote(&part);
            let (text, _) = charset.decode_without_bom_handling(&bytes);
            for b in text.bytes() {
                if b.is_ascii_alphanumeric() {
                    quoted.push(b as char);
                } else {
                    quoted.push_str(&format!("={b:02X}"));
                }
            }
            if c != '\n' {
                quoted.push(c);
            }
            part.clear();
        } else {
            part.push(c);
        }
    }
    let head = with_utf8(head);
    if breaks == 0 || quoted.is_empty() {
        let soft = "=\r\n".repeat(breaks);
        return Some(format!("{head}:{quoted}{soft}"));
    }
    // The last character (or `=XX`) alone on the last line, so each line
    // but the last ends in a soft break.
    let cut = if quoted.len() >= 3 && quoted.as_bytes()[quoted.len() - 3] == b'=' {
        quoted.len() - 3
    } else {
        quoted.len() - 1
    };
    let soft = "=\r\n".repeat(breaks);
    Some(format!("{head}:{}{soft}{}", &quoted[..cut], &quoted[cut..]))
}

/// `head` with each `CHARSET=` parameter saying UTF-8.
fn with_utf8(head: &str) -> String {
    head.split(';')
        .enumerate()
        .map(|(i, p)| match p.split_once('=') {
            Some((name, _)) if i > 0 && name.trim().eq_ignore_ascii_case("CHARSET") => {
                format!("{name}=UTF-8")
            }
            _ => p.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Quoted-printable to bytes: `=XX` is the byte, anything else itself.
fn unquote(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_values_are_decoded_in_their_charset_on_their_lines() {
        let card = b"BEGIN:VCARD\r\nFN;CHARSET=ISO-8859-7:\xc3\xe9\xfe\xf1\xe3\xef\xf2\r\nEMAIL:a@example.org\r\nEND:VCARD\r\n";
        let decoded = decode_card(card, 3);
        assert!(decoded.text.contains("FN;CHARSET=ISO-8859-7:Γιώργος\r\n"));
        assert_eq!(decoded.text.lines().count(), 4);
        assert!(decoded.unknown.is_empty());
    }

    #[test]
    fn quoted_printable_is_requoted_as_utf8_on_as_many_lines() {
        // 山田;太郎 in Shift_JIS, over a soft break.
        let card = b"BEGIN:VCARD\nN;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:=8ER=93=\n=63;=91=BE=98Y\nEND:VCARD\n";
        let decoded = decode_card(card, 1);
        assert_eq!(
            decoded.text,
            "BEGIN:VCARD\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=B1=B1=E7=94=B0;=E5=A4=AA=E9=83=\r\n=8E\nEND:VCARD\n"
        );
    }

    #[test]
    fn a_fold_of_another_property_is_no_property() {
        let card = b"BEGIN:VCARD\nNOTE:a\n b;CHARSET=KOI8-R:\xe4\nEND:VCARD\n";
        let decoded = decode_card(card, 1);
        assert!(decoded.text.contains(" b;CHARSET=KOI8-R:ä\n"));
    }

    #[test]
    fn an_unknown_label_is_named_and_the_value_read_as_before() {
        let card = b"BEGIN:VCARD\nFN;CHARSET=X-NOPE:Andr\xe9\nEND:VCARD\n";
        let decoded = decode_card(card, 7);
        assert_eq!(decoded.unknown, vec![(8, "X-NOPE".to_owned())]);
        assert!(decoded.text.contains("FN;CHARSET=X-NOPE:André\n"));
    }
}
