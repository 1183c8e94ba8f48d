//! vCard 2.1, 3.0 and 4.0.
//!
//! A pre-pass of our own ([`lines`]) cuts the input into cards, a line at a
//! time as it is read, on `BEGIN:VCARD` / `END:VCARD` lines (an
//! unterminated card is closed at the next `BEGIN`; a card over
//! [`MAX_CARD_BYTES`] is one `invalid` entry, read past unkept), decodes each card on its own (UTF-8, else Latin-1/cp1252,
//! and each 2.1 value naming a `CHARSET` in that charset: [`charsets`]),
//! and records on which line each property starts. Each card is then parsed
//! by `calcard` (Stalwart's parser, which reads 2.1 quoted-printable and
//! charsets, 3.0 and 4.0), in parallel, and read into a contact here. One
//! bad card costs only that card.

mod charsets;
mod lines;
pub mod patch;

use std::borrow::Cow;

use calcard::vcard::{VCard, VCardEntry, VCardProperty, VCardValue};
use rayon::prelude::*;

use super::decode::to_text;
use super::input::LineReader;
use super::{Contact, Entry, preview};
use crate::threepid::Medium;
use lines::{Piece, RawCard, Splitter, Stray, scan_card, without_lines};

pub(crate) use lines::MAX_CARD_BYTES;

/// The most bytes of cards parsed at once: 4 MiB, as two chunks are in
/// memory at once (one read ahead while the other is normalised).
const CHUNK_BYTES: usize = 4 << 20;

/// A vCard input cut into cards as it is read, each parsed when it is taken.
pub(crate) struct Cards {
    split: Splitter,
    keep_cards: bool,
    /// Bytes the input had before what `split` reads (a byte-order mark),
    /// given back with the first piece when the cards are kept; `None`
    /// once a piece was taken.
    prefix: Option<Vec<u8>>,
}

impl Cards {
    /// Starts reading `input`; `Err` when it holds no card at all, checked
    /// by reading ahead to its first card (or its end). With `keep_cards`,
    /// each contact's [`Contact::card`] holds its bytes from its first line
    /// to the next piece's (the first from the input's start, `prefix`
    /// included, the last to its end): together, the whole input.
    pub(super) fn open(
        input: LineReader,
        keep_cards: bool,
        prefix: Vec<u8>,
    ) -> Result<Cards, String> {
        let mut split = Splitter::new(input, keep_cards);
        let mut ahead = Vec::new();
        while let Some(piece) = split.next_piece() {
            let card = matches!(piece, Piece::Card(_));
            ahead.push(piece);
            if card {
                split.put_back(ahead);
                return Ok(Cards {
                    split,
                    keep_cards,
                    prefix: Some(prefix),
                });
            }
        }
        Err("no BEGIN:VCARD line".to_owned())
    }

    /// How many contacts were read ahead and not taken.
    pub(crate) fn len(&self) -> usize {
        self.split.ready()
    }

    /// Whether every contact was taken.
    pub(crate) fn is_done(&self) -> bool {
        self.split.is_done()
    }

    /// The next `n` contacts at most, read in order and parsed on every
    /// core; fewer when their cards add up to [`CHUNK_BYTES`] (cards with
    /// photos are large), but at least one unless the input is at its end.
    pub(crate) fn take(&mut self, n: usize) -> Vec<Contact> {
        let mut taken = Vec::new();
        let mut bytes = 0;
        while taken.len() < n && bytes < CHUNK_BYTES {
            let Some(piece) = self.split.next_piece() else {
                break;
            };
            if let Piece::Card(card) = &piece {
                bytes += card.span.len();
            }
            taken.push(piece);
        }
        let raws = self.raws(&taken);
        let store = self.split.take_store();
        let store = store.as_slice();
        let contacts: Vec<Contact> = taken
            .into_par_iter()
            .map(|piece| match piece {
                Piece::Card(card) => parse_card(&store[card.span.clone()], &card),
                Piece::Stray(stray) => stray_contact(stray),
                Piece::Stopped(line, why) => Contact::stopped(line, why),
            })
            .collect();
        match raws {
            Some(raws) => contacts
                .into_iter()
                .zip(raws)
                .map(|(contact, raw)| Contact {
                    card: Some(raw),
                    ..contact
                })
                .collect(),
            None => contacts,
        }
    }

    /// When the cards are kept: the bytes of each of `taken`, from its
    /// first line to the next piece's (read ahead to know where that is).
    fn raws(&mut self, taken: &[Piece]) -> Option<Vec<Vec<u8>>> {
        if !self.keep_cards || taken.is_empty() {
            return None;
        }
        let end = match self.split.next_piece() {
            Some(next) => {
                let at = start_of(&next).unwrap_or_else(|| self.split.raw_end());
                self.split.put_back(vec![next]);
                at
            }
            None => self.split.raw_end(),
        };
        let mut starts: Vec<u64> = taken.iter().map(|p| start_of(p).unwrap_or(end)).collect();
        let prefix = self.prefix.take();
        if prefix.is_some() {
            starts[0] = 0;
        }
        starts.push(end);
        let mut raws: Vec<Vec<u8>> = starts
            .windows(2)
            .map(|w| self.split.raw(w[0], w[1]))
            .collect();
        if let Some(prefix) = prefix.filter(|p| !p.is_empty()) {
            raws[0].splice(0..0, prefix);
        }
        self.split.forget_raw(end);
        Some(raws)
    }
}

/// Where a piece's first line starts in the input (none for where reading
/// stopped).
fn start_of(piece: &Piece) -> Option<u64> {
    match piece {
        Piece::Card(card) => Some(card.at),
        Piece::Stray(stray) => Some(stray.at),
        Piece::Stopped(..) => None,
    }
}

fn stray_contact(stray: Stray) -> Contact {
    let what = if stray.count == 1 {
        "line outside any BEGIN:VCARD … END:VCARD".to_owned()
    } else {
        format!("{} lines outside any BEGIN:VCARD … END:VCARD", stray.count)
    };
    Contact::broken(stray.first, stray.line, what)
}

/// The card's text, with an `END:VCARD` added when it had none.
fn card_text<'a>(bytes: &'a [u8], raw: &RawCard) -> Cow<'a, str> {
    let mut card_text = to_text(bytes);
    if raw.unterminated_at.is_some() {
        close(card_text.to_mut());
    }
    card_text
}

fn close(text: &mut String) {
    if !text.ends_with('\n') {
        text.push_str("\r\n");
    }
    text.push_str("END:VCARD\r\n");
}

/// A card too long to read, as one broken entry.
fn oversize_contact(raw: &RawCard, len: u64) -> Contact {
    Contact::broken(
        "BEGIN:VCARD",
        raw.begin,
        format!(
            "card {len} bytes long, over the {} MiB limit for one card; skipped",
            MAX_CARD_BYTES >> 20
        ),
    )
}

/// The contact of the card `raw`, whose bytes are `bytes`.
fn parse_card(bytes: &[u8], raw: &RawCard) -> Contact {
    if let Some(len) = raw.oversize {
        return oversize_contact(raw, len);
    }
    // As read, for the scan; each value in its `CHARSET`, on the same
    // lines, for `calcard`.
    let card_text = card_text(bytes, raw);
    let scan = scan_card(&card_text, raw.begin);
    let mut entries = skipped_lines(scan.broken, &scan.nested);
    let mut decoded = charsets::decode_card(bytes, raw.begin);
    if raw.unterminated_at.is_some() {
        close(decoded.text.to_mut());
    }
    entries.extend(decoded.unknown.into_iter().map(|(line, label)| {
        Entry::broken(
            format!("CHARSET={}", preview(&label)),
            line,
            format!(
                "unknown charset `{}`; the value was read as UTF-8, else cp1252",
                preview(&label)
            ),
        )
    }));
    let parsed = without_lines(&decoded.text, raw.begin, &scan.nested);
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
                card: None,
            };
        }
    };
    place_addresses(
        &mut entries,
        addresses(&vcard),
        &scan.address_lines,
        raw.begin,
    );
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
        card: None,
    }
}

/// The lines skipped before `calcard` reads the card, one entry each: those
/// that are no property, and components inside the card.
fn skipped_lines(broken: Vec<(u32, String)>, nested: &[(u32, String)]) -> Vec<Entry> {
    let mut entries: Vec<Entry> = broken
        .into_iter()
        .map(|(line, text)| {
            Entry::broken(text, line, "not a vCard property (no `:`); line skipped")
        })
        .collect();
    entries.extend(nested.iter().map(|(line, text)| {
        Entry::broken(
            text.clone(),
            *line,
            "a component inside a card (vCard has none); line skipped",
        )
    }));
    entries
}

/// The addresses `calcard` read, each on its line: it keeps property order,
/// so the n-th address is on the n-th EMAIL/TEL line; if the counts
/// disagree, cite the card's first line (`begin`), and say so.
fn place_addresses(
    entries: &mut Vec<Entry>,
    addresses: Vec<(Medium, String)>,
    address_lines: &[u32],
    begin: u32,
) {
    let aligned = addresses.len() == address_lines.len();
    if !aligned {
        entries.push(Entry::broken(
            "BEGIN:VCARD",
            begin,
            format!(
                "{} EMAIL/TEL lines but {} values read; \
                 the card's addresses cite its first line",
                address_lines.len(),
                addresses.len()
            ),
        ));
    }
    for (i, (medium, value)) in addresses.into_iter().enumerate() {
        let line = if aligned { address_lines[i] } else { begin };
        if !value.is_empty() {
            entries.push(Entry::address(value, line, medium));
        }
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
        let input = LineReader::new(Box::new(std::io::Cursor::new(body.to_vec())));
        Ok(Cards::open(input, keep_cards, Vec::new())?.take(usize::MAX))
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
        let card = contacts[0].card.as_deref().unwrap();
        assert!(card.windows(7).any(|w| w == b"BEGIN:X"));
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

    /// The names themselves: `lines::tests::names_as_calcard_reads_them`.
    #[test]
    fn names_as_calcard_reads_them() {
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
        // The encodings themselves: `lines::tests::encodings_as_calcard_reads_them`.
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
    fn kept_cards_are_every_byte_of_the_file() {
        let body = b"\r\nx\r\nBEGIN:VCARD\r\nFN;CHARSET=ISO-8859-1:Ren\xe9\r\nEND:VCARD\r\n\r\nBEGIN:VCARD\nFN:B";
        let contacts = read(body, true).unwrap();
        assert_eq!(contacts.len(), 3);
        let whole: Vec<u8> = contacts.into_iter().flat_map(|c| c.card.unwrap()).collect();
        assert_eq!(whole, body);
        assert!(read(body, false).unwrap().iter().all(|c| c.card.is_none()));
    }

    #[test]
    fn kept_cards_taken_a_few_at_a_time_are_still_every_byte() {
        let mut body = b"\xEF\xBB\xBF".to_vec();
        for i in 0..50 {
            body.extend_from_slice(format!("BEGIN:VCARD\r\nFN:{i}\r\nEND:VCARD\r\n").as_bytes());
            if i % 7 == 0 {
                body.extend_from_slice(b"stray\n\n");
            }
        }
        let input =
            super::super::input::start(Box::new(std::io::Cursor::new(body.clone()))).unwrap();
        let bom = input.bom.clone();
        let mut cards = Cards::open(input.lines(false), true, bom).unwrap();
        let mut whole = Vec::new();
        loop {
            let taken = cards.take(3);
            if taken.is_empty() {
                break;
            }
            whole.extend(taken.into_iter().flat_map(|c| c.card.unwrap()));
        }
        assert_eq!(whole, body);
    }

    #[test]
    fn no_cards_is_not_an_address_book() {
        assert!(read(b"hello\nworld\n", false).is_err());
    }
}
