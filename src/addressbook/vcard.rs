//! vCard 2.1, 3.0 and 4.0.
//!
//! A pre-pass of our own splits the file into cards on `BEGIN:VCARD` /
//! `END:VCARD` lines (an unterminated card is closed at the next `BEGIN`),
//! decodes each card on its own (UTF-8, else Latin-1/cp1252), and records on
//! which line each property starts. Each card is then parsed by `calcard`
//! (Stalwart's parser, which reads 2.1 quoted-printable and charsets, 3.0 and
//! 4.0), in parallel. One bad card costs only that card.

use std::borrow::Cow;
use std::ops::Range;

use calcard::vcard::{VCard, VCardEntry, VCardProperty, VCardValue};
use rayon::prelude::*;

use super::decode::{numbered_lines, to_text};
use super::{Contact, Entry, preview};
use crate::threepid::Medium;

/// A card's lines, as the pre-pass found them.
struct RawCard {
    /// The line of `BEGIN:VCARD`.
    begin: u32,
    /// Where the card's bytes are in the file, from `BEGIN` through `END`
    /// (or the last line read).
    span: Range<usize>,
    /// The line that closed the card, when it was not `END:VCARD`.
    unterminated_at: Option<u32>,
}

/// Lines outside any card that are not blank.
struct Stray {
    line: u32,
    count: u32,
    first: String,
}

enum Piece {
    Card(RawCard),
    Stray(Stray),
}

/// A vCard file split into cards, each parsed when it is taken.
pub(crate) struct Cards {
    body: Vec<u8>,
    /// The pieces not yet taken, in reverse file order.
    pieces: Vec<Piece>,
    keep_cards: bool,
}

impl Cards {
    /// Splits `body`; `Err` when it holds no card at all.
    pub(crate) fn split(body: Vec<u8>, keep_cards: bool) -> Result<Cards, String> {
        let mut pieces = split(&body);
        if !pieces.iter().any(|p| matches!(p, Piece::Card(_))) {
            return Err("no BEGIN:VCARD line".to_owned());
        }
        pieces.reverse();
        Ok(Cards {
            body,
            pieces,
            keep_cards,
        })
    }

    /// How many contacts are left to take.
    pub(crate) fn len(&self) -> usize {
        self.pieces.len()
    }

    /// The next `n` contacts at most, parsed on every core.
    pub(crate) fn take(&mut self, n: usize) -> Vec<Contact> {
        let from = self.pieces.len().saturating_sub(n);
        let mut taken = self.pieces.split_off(from);
        taken.reverse();
        let body = &self.body;
        let keep_cards = self.keep_cards;
        taken
            .into_par_iter()
            .map(|piece| match piece {
                Piece::Card(card) => parse_card(body, &card, keep_cards),
                Piece::Stray(stray) => stray_contact(stray),
            })
            .collect()
    }
}

fn is_marker(line: &[u8], marker: &[u8]) -> bool {
    let line = line.trim_ascii();
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    line.eq_ignore_ascii_case(marker)
}

/// Splits the file into cards and stray lines, keeping line numbers.
fn split(body: &[u8]) -> Vec<Piece> {
    let offset_of = |line: &[u8]| line.as_ptr() as usize - body.as_ptr() as usize;
    let mut pieces = Vec::new();
    // (begin line, start offset) of the card being read.
    let mut open: Option<(u32, usize)> = None;
    let mut last_end = 0usize;
    let mut last_line = 0u32;
    let mut stray: Option<Stray> = None;
    for (number, line) in numbered_lines(body, 1) {
        let start = offset_of(line);
        let after = start + line.len();
        if is_marker(line, b"BEGIN:VCARD") {
            if let Some((begin, from)) = open.take() {
                pieces.push(Piece::Card(RawCard {
                    begin,
                    span: from..last_end,
                    unterminated_at: Some(number),
                }));
            }
            if let Some(s) = stray.take() {
                pieces.push(Piece::Stray(s));
            }
            open = Some((number, start));
        } else if is_marker(line, b"END:VCARD") {
            match open.take() {
                Some((begin, from)) => pieces.push(Piece::Card(RawCard {
                    begin,
                    span: from..after,
                    unterminated_at: None,
                })),
                None => note_stray(&mut stray, &mut pieces, number, line),
            }
        } else if open.is_none() && !line.trim_ascii().is_empty() {
            note_stray(&mut stray, &mut pieces, number, line);
        }
        last_end = after;
        last_line = number;
    }
    if let Some((begin, from)) = open {
        pieces.push(Piece::Card(RawCard {
            begin,
            span: from..body.len(),
            unterminated_at: Some(last_line.saturating_add(1)),
        }));
    }
    if let Some(s) = stray {
        pieces.push(Piece::Stray(s));
    }
    pieces
}

fn note_stray(stray: &mut Option<Stray>, pieces: &mut Vec<Piece>, number: u32, line: &[u8]) {
    match stray {
        Some(s) if s.line + s.count == number => s.count += 1,
        _ => {
            if let Some(s) = stray.take() {
                pieces.push(Piece::Stray(s));
            }
            *stray = Some(Stray {
                line: number,
                count: 1,
                first: preview(&to_text(line)),
            });
        }
    }
}

fn stray_contact(stray: Stray) -> Contact {
    let what = if stray.count == 1 {
        "line outside any BEGIN:VCARD … END:VCARD".to_owned()
    } else {
        format!("{} lines outside any BEGIN:VCARD … END:VCARD", stray.count)
    };
    Contact {
        name: None,
        line: stray.line,
        entries: vec![Entry::broken(stray.first, stray.line, what)],
        card: None,
    }
}

/// What the pre-pass learns of a card's property lines.
#[derive(Default)]
struct CardScan {
    /// The first line of each EMAIL and TEL property, in order.
    address_lines: Vec<u32>,
    /// Lines that are no property at all (no `:`), with their text.
    broken: Vec<(u32, String)>,
    /// `BEGIN:…` and `END:…` lines inside the card, with their text. vCard
    /// has no nested components, and `calcard` ends the card at the first
    /// of them: the rest of the card would be lost without a word.
    nested: Vec<(u32, String)>,
}

/// The property [`scan_card`] is reading.
struct Open<'a> {
    /// Its first line.
    line: u32,
    /// The text of that line.
    text: Cow<'a, str>,
    /// Whether a `:` was seen (else it is no property).
    colon: bool,
    /// Whether it is an EMAIL or TEL property.
    address: bool,
    /// Whether `calcard` makes a property of it: of `TEL;TYPE=CELL` even
    /// without a `:` (with no value), of a bare `TEL` none.
    made: bool,
    /// While no `:`, `;`, `,` or `=` has ended its name: its text so far,
    /// unfolded, since the name may go on over a fold.
    unresolved: Option<String>,
    /// Whether its value is base64, which `calcard` lets run on over lines
    /// of base64 alone, folded or not.
    base64: bool,
}

/// Walks the card's logical lines (RFC 6350 folding, 2.1 quoted-printable
/// soft breaks, and unfolded base64 as `calcard` reads it) and records where
/// each address property starts and which lines are no property at all.
/// Allocates only for those.
fn scan_card(card: &str, begin: u32) -> CardScan {
    let mut scan = CardScan::default();
    let mut open: Option<Open<'_>> = None;
    let mut qp_continues = false;
    let close = |scan: &mut CardScan, open: Option<Open<'_>>| {
        let Some(o) = open else { return };
        if !o.colon {
            scan.broken.push((o.line, preview(&o.text)));
        }
        if o.address && o.made {
            scan.address_lines.push(o.line);
        }
    };
    for (number, raw) in numbered_lines(card.as_bytes(), begin) {
        // The card is valid UTF-8 and lines split on ASCII bytes.
        let line = std::str::from_utf8(raw).unwrap_or_default();
        // `calcard` skips every `\r`, wherever it is.
        let text = if line.contains('\r') {
            Cow::Owned(line.replace('\r', ""))
        } else {
            Cow::Borrowed(line)
        };
        let line: &str = &text;
        let folded = line.starts_with([' ', '\t']);
        let continues =
            |o: &Open<'_>| folded || qp_continues || (o.base64 && o.colon && is_base64_line(line));
        if let Some(o) = open.as_mut().filter(|o| continues(o)) {
            o.colon = o.colon || line.contains(':');
            if let Some(text) = o.unresolved.as_mut().filter(|_| folded) {
                text.push_str(&line[1..]);
                let (name, made) = property_name(text);
                if made {
                    o.address = is_address(&name);
                    o.made = true;
                    o.unresolved = None;
                }
            }
            qp_continues = qp_continues && line.ends_with('=');
            continue;
        }
        close(&mut scan, open.take());
        if line.trim().is_empty() {
            qp_continues = false;
            continue;
        }
        let (name, made) = property_name(line);
        let name = name.as_ref();
        let colon = line.find(':');
        let params = &line[..colon.unwrap_or(line.len())];
        qp_continues = line.ends_with('=') && colon.is_some() && is_quoted_printable(params);
        let is_marker = name.eq_ignore_ascii_case("BEGIN") || name.eq_ignore_ascii_case("END");
        let own = is_marker
            && ((number == begin && is_marker_line(line, "BEGIN:VCARD"))
                || is_marker_line(line, "END:VCARD"));
        if is_marker && !own {
            scan.nested.push((number, preview(line)));
        }
        open = (!is_marker).then(|| Open {
            line: number,
            text: text.clone(),
            colon: colon.is_some(),
            address: is_address(name),
            made,
            unresolved: (!made).then(|| line.to_owned()),
            base64: is_base64_encoded(params),
        });
    }
    close(&mut scan, open);
    scan
}

/// A property's name as `calcard` reads it, and whether it makes a property
/// of the line: the name ends at `:`, `;`, `,` or `=` outside quotes (quotes
/// dropped, blanks around it trimmed), after a group ending at the first `.`
/// (`a.b.EMAIL` is named `b.EMAIL`), a `\` making the next character none of
/// those; a line where none of those follow the name is no property.
fn property_name(line: &str) -> (Cow<'_, str>, bool) {
    let mut start = 0;
    let mut in_quote = false;
    let mut quoted = false;
    let mut group = true;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if std::mem::take(&mut escaped) {
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' => {
                in_quote = !in_quote;
                quoted = true;
            }
            ':' | ';' | ',' | '=' if !in_quote => {
                let name = &line[start..i];
                let name = if quoted {
                    Cow::Owned(name.replace('"', "").trim_matches(BLANK).to_owned())
                } else {
                    Cow::Borrowed(name.trim_matches(BLANK))
                };
                return (name, true);
            }
            '.' if !in_quote && group => {
                group = false;
                start = i + 1;
            }
            _ => {}
        }
    }
    (Cow::Borrowed(line[start..].trim_matches(BLANK)), false)
}

fn is_address(name: &str) -> bool {
    name.eq_ignore_ascii_case("EMAIL") || name.eq_ignore_ascii_case("TEL")
}

/// What `calcard` trims around a name (not every Unicode space: a form feed
/// is part of the name).
const BLANK: [char; 2] = [' ', '\t'];

/// Whether a property's parameters say its value is base64 (`ENCODING=b`,
/// `ENCODING=BASE64`, 2.1's bare `BASE64`).
fn is_base64_encoded(params: &str) -> bool {
    let bare = || {
        params
            .split(';')
            .skip(1)
            .any(|p| p.trim_matches(BLANK).eq_ignore_ascii_case("BASE64"))
    };
    encoding(params).map_or_else(bare, |e| {
        e.eq_ignore_ascii_case("B") || e.eq_ignore_ascii_case("BASE64")
    })
}

/// A line `calcard` takes for more of a base64 value: base64 characters
/// only (and a `\r`), at least one.
fn is_base64_line(line: &str) -> bool {
    let line = line.strip_suffix('\r').unwrap_or(line);
    !line.is_empty()
        && line
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\r'))
}

fn is_marker_line(line: &str, marker: &str) -> bool {
    is_marker(line.as_bytes(), marker.as_bytes())
}

/// The card's text with its `nested` lines blanked, for `calcard`, which
/// would end the card at the first of them. Line numbers stay as they were.
fn without_lines<'a>(card: &'a str, begin: u32, nested: &[(u32, String)]) -> Cow<'a, str> {
    if nested.is_empty() {
        return Cow::Borrowed(card);
    }
    let mut out = String::with_capacity(card.len());
    let mut skip = nested.iter().map(|(line, _)| *line).peekable();
    for (number, raw) in numbered_lines(card.as_bytes(), begin) {
        if skip.next_if_eq(&number).is_none() {
            // The card is valid UTF-8 and lines split on ASCII bytes.
            out.push_str(std::str::from_utf8(raw).unwrap_or_default());
        }
        out.push_str("\r\n");
    }
    Cow::Owned(out)
}

/// Whether a property's parameters say `ENCODING=QUOTED-PRINTABLE` (or
/// `Q`), the only way `calcard` reads quoted-printable.
fn is_quoted_printable(params: &str) -> bool {
    encoding(params)
        .is_some_and(|e| e.eq_ignore_ascii_case("QUOTED-PRINTABLE") || e.eq_ignore_ascii_case("Q"))
}

/// The value of the last `ENCODING=` parameter in `params` (the property's
/// text up to its `:`), as `calcard` keeps it.
fn encoding(params: &str) -> Option<&str> {
    params
        .split(';')
        .skip(1)
        .filter_map(|p| p.split_once('='))
        .filter(|(name, _)| name.trim_matches(BLANK).eq_ignore_ascii_case("ENCODING"))
        .filter_map(|(_, value)| value.rsplit(',').next())
        .map(|value| value.trim_matches(BLANK))
        .last()
}

fn parse_card(body: &[u8], raw: &RawCard, keep_card: bool) -> Contact {
    let mut card_text = to_text(&body[raw.span.clone()]);
    if raw.unterminated_at.is_some() {
        let text = card_text.to_mut();
        if !text.ends_with('\n') {
            text.push_str("\r\n");
        }
        text.push_str("END:VCARD\r\n");
    }
    let scan = scan_card(&card_text, raw.begin);
    let address_lines = scan.address_lines;
    let mut entries: Vec<Entry> = scan
        .broken
        .into_iter()
        .map(|(line, text)| {
            Entry::broken(text, line, "not a vCard property (no `:`); line skipped")
        })
        .collect();
    entries.extend(scan.nested.iter().map(|(line, text)| {
        Entry::broken(
            text.clone(),
            *line,
            "a component inside a card (vCard has none); line skipped",
        )
    }));
    let parsed = without_lines(&card_text, raw.begin, &scan.nested);
    let vcard = match calcard::Parser::new(&parsed).entry() {
        calcard::Entry::VCard(vcard) => vcard,
        other => {
            let reason = format!("card could not be parsed ({})", describe(&other));
            entries.push(Entry::broken("BEGIN:VCARD", raw.begin, reason));
            entries.sort_by_key(|e| e.line);
            return Contact {
                name: None,
                line: raw.begin,
                entries,
                card: keep_card.then(|| card_text.to_string()),
            };
        }
    };
    let addresses = addresses(&vcard);
    // calcard keeps property order, so the n-th address is on the n-th
    // EMAIL/TEL line; if the counts disagree, cite the card's first line,
    // and say so.
    let aligned = addresses.len() == address_lines.len();
    if !aligned {
        entries.push(Entry::broken(
            "BEGIN:VCARD",
            raw.begin,
            format!(
                "{} EMAIL/TEL lines but {} values read; \
                 the card's addresses cite its first line",
                address_lines.len(),
                addresses.len()
            ),
        ));
    }
    for (i, (medium, value)) in addresses.into_iter().enumerate() {
        let line = if aligned { address_lines[i] } else { raw.begin };
        if !value.is_empty() {
            entries.push(Entry::address(value, line, medium));
        }
    }
    if let Some(at) = raw.unterminated_at {
        entries.push(Entry::broken(
            "BEGIN:VCARD",
            raw.begin,
            format!("card has no END:VCARD (closed at line {at}); its addresses were still read"),
        ));
    }
    entries.sort_by_key(|e| e.line);
    Contact {
        name: display_name(&vcard),
        line: raw.begin,
        entries,
        card: keep_card.then(|| card_text.into_owned()),
    }
}

fn describe(entry: &calcard::Entry) -> String {
    match entry {
        calcard::Entry::InvalidLine(line) => format!("invalid line `{}`", preview(line)),
        calcard::Entry::UnterminatedComponent(what) => format!("unterminated {}", preview(what)),
        calcard::Entry::Eof => "empty card".to_owned(),
        // Never the card's data: the reason is shown for every result.
        calcard::Entry::ICalendar(_) => {
            "its BEGIN line, unfolded, names another component".to_owned()
        }
        calcard::Entry::UnexpectedComponentEnd { .. } => "an END of another component".to_owned(),
        calcard::Entry::TooManyComponents => "too many components".to_owned(),
        _ => "not a card".to_owned(),
    }
}

fn text_values(entry: &VCardEntry) -> impl Iterator<Item = &str> {
    entry.values.iter().filter_map(|v| match v {
        VCardValue::Text(t) => Some(t.as_str()),
        _ => None,
    })
}

fn addresses(vcard: &VCard) -> Vec<(Medium, String)> {
    vcard
        .entries
        .iter()
        .filter_map(|entry| {
            let medium = match entry.name {
                VCardProperty::Email => Medium::Email,
                VCardProperty::Tel => Medium::Msisdn,
                _ => return None,
            };
            let value = text_values(entry).collect::<Vec<_>>().join(",");
            Some((medium, value.trim().to_owned()))
        })
        .collect()
}

/// FN, else the N components in reading order, else nothing.
fn display_name(vcard: &VCard) -> Option<String> {
    let first = |prop: VCardProperty| vcard.entries.iter().find(|e| e.name == prop);
    if let Some(name) = first(VCardProperty::Fn)
        .map(|e| text_values(e).collect::<Vec<_>>().join(" "))
        .filter(|n| !n.trim().is_empty())
    {
        return Some(name.trim().to_owned());
    }
    let n = first(VCardProperty::N)?;
    let parts: Vec<String> = n
        .values
        .iter()
        .map(|v| match v {
            VCardValue::Text(t) => t.clone(),
            VCardValue::Component(c) => c.join(" "),
            _ => String::new(),
        })
        .collect();
    // N is Family;Given;Additional;Prefix;Suffix.
    let order = [3, 1, 2, 0, 4];
    let name = order
        .iter()
        .filter_map(|&i| parts.get(i))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addressbook::EntryKind;

    fn read(body: &[u8], keep_cards: bool) -> Result<Vec<Contact>, String> {
        Ok(Cards::split(body.to_vec(), keep_cards)?.take(usize::MAX))
    }

    fn addrs(c: &Contact) -> Vec<(String, u32)> {
        c.entries
            .iter()
            .filter(|e| matches!(e.kind, EntryKind::Address(_)))
            .map(|e| (e.input.clone(), e.line))
            .collect()
    }

    #[test]
    fn reads_a_plain_card_with_lines() {
        let body = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nEMAIL;TYPE=INTERNET:ada@example.org\r\nTEL;TYPE=CELL:+44 7700 900123\r\nEND:VCARD\r\n";
        let contacts = read(body, false).unwrap();
        assert_eq!(contacts.len(), 1);
        assert_eq!(contacts[0].name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(
            addrs(&contacts[0]),
            vec![
                ("ada@example.org".to_owned(), 4),
                ("+44 7700 900123".to_owned(), 5)
            ]
        );
    }

    #[test]
    fn name_from_n_when_no_fn() {
        let body = b"BEGIN:VCARD\nVERSION:3.0\nN:Hopper;Grace;Brewster;Rear Admiral;\nEMAIL:grace@example.org\nEND:VCARD\n";
        let contacts = read(body, false).unwrap();
        assert_eq!(
            contacts[0].name.as_deref(),
            Some("Rear Admiral Grace Brewster Hopper")
        );
        let body = b"BEGIN:VCARD\nVERSION:3.0\nEMAIL:anon@example.org\nEND:VCARD\n";
        assert_eq!(read(body, false).unwrap()[0].name, None);
    }

    #[test]
    fn unterminated_card_closes_at_next_begin() {
        let body = b"BEGIN:VCARD\nFN:A\nEMAIL:a@example.org\nBEGIN:VCARD\nFN:B\nEMAIL:b@example.org\nEND:VCARD\n";
        let contacts = read(body, false).unwrap();
        assert_eq!(contacts.len(), 2);
        assert_eq!(addrs(&contacts[0]), vec![("a@example.org".to_owned(), 3)]);
        assert!(
            contacts[0]
                .entries
                .iter()
                .any(|e| matches!(&e.kind, EntryKind::Broken(r) if r.contains("no END:VCARD")))
        );
        assert_eq!(addrs(&contacts[1]), vec![("b@example.org".to_owned(), 6)]);
    }

    #[test]
    fn stray_lines_are_reported() {
        let body = b"garbage\nmore garbage\nBEGIN:VCARD\nFN:A\nEMAIL:a@example.org\nEND:VCARD\n";
        let contacts = read(body, false).unwrap();
        assert_eq!(contacts.len(), 2);
        assert_eq!(contacts[0].entries[0].line, 1);
        assert!(
            matches!(&contacts[0].entries[0].kind, EntryKind::Broken(r) if r.starts_with("2 lines"))
        );
    }

    #[test]
    fn nested_components_cost_their_lines_only() {
        let body = b"BEGIN:VCARD\nVERSION:3.0\nFN:N\nEMAIL:a@example.org\nBEGIN:X\nEMAIL:b@example.org\nEND:X\nEMAIL:c@example.org\nEND:VCARD\n";
        let contacts = read(body, true).unwrap();
        assert_eq!(
            addrs(&contacts[0]),
            vec![
                ("a@example.org".to_owned(), 4),
                ("b@example.org".to_owned(), 6),
                ("c@example.org".to_owned(), 8)
            ]
        );
        let skipped: Vec<_> = contacts[0]
            .entries
            .iter()
            .filter(|e| matches!(&e.kind, EntryKind::Broken(r) if r.contains("component")))
            .map(|e| (e.input.as_str(), e.line))
            .collect();
        assert_eq!(skipped, vec![("BEGIN:X", 5), ("END:X", 7)]);
        // The card is written back as it was read.
        assert!(contacts[0].card.as_deref().unwrap().contains("BEGIN:X"));
    }

    #[test]
    fn an_empty_address_keeps_the_others_on_their_lines() {
        let body = b"BEGIN:VCARD\nFN:A\nEMAIL:\nTEL:+33 6 12 34 56 78\nEND:VCARD\n";
        let contacts = read(body, false).unwrap();
        assert_eq!(
            addrs(&contacts[0]),
            vec![("+33 6 12 34 56 78".to_owned(), 4)]
        );
        assert_eq!(contacts[0].entries.len(), 1);
    }

    #[test]
    fn groups_as_calcard_reads_them() {
        let body = b"BEGIN:VCARD\nFN:A\nitem1.EMAIL:a@example.org\na.b.EMAIL:b@example.org\nTEL:+33 6 12 34 56 78\nEND:VCARD\n";
        let contacts = read(body, false).unwrap();
        assert_eq!(
            addrs(&contacts[0]),
            vec![
                ("a@example.org".to_owned(), 3),
                ("+33 6 12 34 56 78".to_owned(), 5)
            ]
        );
    }

    #[test]
    fn base64_runs_on_and_a_bare_tel_is_no_address() {
        let body = b"BEGIN:VCARD\nVERSION:3.0\nPHOTO;ENCODING=b:AAAA\nBBBB==\nTEL\nEMAIL:a@example.org\nEND:VCARD\n";
        let contacts = read(body, false).unwrap();
        assert_eq!(addrs(&contacts[0]), vec![("a@example.org".to_owned(), 6)]);
        assert!(
            contacts[0]
                .entries
                .iter()
                .all(|e| !matches!(&e.kind, EntryKind::Broken(r) if r.contains("values read")))
        );
    }

    #[test]
    fn a_card_that_is_not_one_is_reported_in_order_and_briefly() {
        let body = b"BEGIN:VCARD\n 79\nno colon\nEMAIL:a@example.org\nEND:VCARD\n";
        let contacts = read(body, false).unwrap();
        let got: Vec<_> = contacts[0]
            .entries
            .iter()
            .map(|e| match &e.kind {
                EntryKind::Broken(r) => (e.line, r.clone()),
                _ => (e.line, String::new()),
            })
            .collect();
        let lines: Vec<u32> = got.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, vec![1, 2, 3], "{got:?}");
        assert!(got[0].1.contains("names another component"), "{got:?}");
    }

    #[test]
    fn a_property_with_parameters_and_no_colon_keeps_the_count() {
        let body = b"BEGIN:VCARD\nTEL;TYPE=CELL\nEMAIL:a@example.org\nTEL\nEMAIL:b@example.org\nEND:VCARD\n";
        let contacts = read(body, false).unwrap();
        assert_eq!(
            addrs(&contacts[0]),
            vec![
                ("a@example.org".to_owned(), 3),
                ("b@example.org".to_owned(), 5)
            ]
        );
    }

    #[test]
    fn names_as_calcard_reads_them() {
        assert_eq!(property_name("EMAIL;TYPE=x:a"), ("EMAIL".into(), true));
        assert_eq!(property_name("item1.TEL:1"), ("TEL".into(), true));
        assert_eq!(property_name("a.b.EMAIL:x"), ("b.EMAIL".into(), true));
        assert_eq!(property_name("TEL,cell;CELL"), ("TEL".into(), true));
        assert_eq!(property_name(" TEL =x"), ("TEL".into(), true));
        assert_eq!(property_name("\"EM\"AIL:x"), ("EMAIL".into(), true));
        assert_eq!(property_name("TEL"), ("TEL".into(), false));
        assert_eq!(property_name("a\\, b.EMAIL:x"), ("EMAIL".into(), true));
        let body = b"BEGIN:VCARD\nTEL,cell;CELL\nEMAIL:a@example.org\nEND:VCARD\n";
        let contacts = read(body, false).unwrap();
        assert_eq!(addrs(&contacts[0]), vec![("a@example.org".to_owned(), 3)]);
    }

    #[test]
    fn folds_and_encodings_as_calcard_reads_them() {
        // A name that goes on over a fold; a parameter that only looks like
        // an encoding does not make the next line quoted-printable.
        let body = b"BEGIN:VCARD\nitem1\n .EMAIL:a@example.org\nN;X-ENCODING=QUOTED-PRINTABLE:x=\nTEL:+33 6 12 34 56 78\nEND:VCARD\n";
        let contacts = read(body, false).unwrap();
        assert_eq!(
            addrs(&contacts[0]),
            vec![
                ("a@example.org".to_owned(), 2),
                ("+33 6 12 34 56 78".to_owned(), 5)
            ]
        );
        assert!(is_quoted_printable(
            "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE"
        ));
        assert!(is_quoted_printable("N; encoding = q"));
        assert!(!is_quoted_printable("N;QUOTED-PRINTABLE"));
        assert!(is_base64_encoded("PHOTO;ENCODING=b;TYPE=JPEG"));
        assert!(is_base64_encoded("PHOTO;BASE64"));
        assert!(!is_base64_encoded("PHOTO;TYPE=b"));
    }

    #[test]
    fn a_carriage_return_anywhere_is_nothing() {
        let body = b"BEGIN:VCARD\r\n\r\rBEGIN:X\r\n\rTEL:+33 6 12 34 56 78\r\nEMAIL:a@example.org\r\nEND:VCARD\r\n";
        let contacts = read(body, false).unwrap();
        assert_eq!(
            addrs(&contacts[0]),
            vec![
                ("+33 6 12 34 56 78".to_owned(), 3),
                ("a@example.org".to_owned(), 4)
            ]
        );
    }

    #[test]
    fn no_cards_is_not_an_address_book() {
        assert!(read(b"hello\nworld\n", false).is_err());
    }
}
