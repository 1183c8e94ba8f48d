//! The vCard reader's line bookkeeping, before `calcard` sees a card.
//!
//! Two passes over lines, both keeping line numbers: [`Splitter`] cuts the
//! input into cards on `BEGIN:VCARD` / `END:VCARD` lines (an unterminated card
//! closes at the next `BEGIN`) and groups the lines outside any card; and
//! [`scan_card`] walks one card's logical lines (RFC 6350 folding, `\r`
//! anywhere, 2.1 quoted-printable soft breaks, base64 run-ons) the way
//! `calcard` reads them, to learn on which line each address starts and
//! which lines `calcard` would skip or stop at.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::ops::Range;

use super::super::decode::{numbered_lines, to_text};
use super::super::input::{LineInfo, LineReader, content};
use super::super::preview;

/// The most bytes one card may hold (a line is never longer): a bigger one
/// is one `invalid` entry, read past without being kept.
pub(crate) const MAX_CARD_BYTES: usize = 16 << 20;

/// A card's lines, as the pre-pass found them.
pub(super) struct RawCard {
    /// The line of `BEGIN:VCARD`.
    pub(super) begin: u32,
    /// Where its bytes are in the [`Splitter`]'s store: from `BEGIN`
    /// through `END` without the line end after it (or through the last
    /// line read); empty when it is `oversize`.
    pub(super) span: Range<usize>,
    /// The line that closed the card, when it was not `END:VCARD`.
    pub(super) unterminated_at: Option<u32>,
    /// Its length, when it is longer than [`MAX_CARD_BYTES`].
    pub(super) oversize: Option<u64>,
    /// Where its first line starts in the input (see [`Splitter::raw`]).
    pub(super) at: u64,
}

/// Lines outside any card that are not blank.
pub(super) struct Stray {
    /// Its first line.
    pub(super) line: u32,
    /// How many lines follow each other from there.
    pub(super) count: u32,
    /// The first line's text, shortened.
    pub(super) first: String,
    /// Where its first line starts in the input (see [`Splitter::raw`]).
    pub(super) at: u64,
}

/// What the file is made of, in order.
pub(super) enum Piece {
    /// A card.
    Card(RawCard),
    /// Lines between cards.
    Stray(Stray),
    /// Reading failed on this line, for this reason: nothing follows.
    Stopped(u32, String),
}

fn is_marker(line: &[u8], marker: &[u8]) -> bool {
    let line = line.trim_ascii();
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    line.eq_ignore_ascii_case(marker)
}

/// The card being read, at the end of the store.
struct OpenCard {
    begin: u32,
    /// Where its first line starts in the input.
    at: u64,
    /// Where it starts in the store.
    start: usize,
    /// Where the last line's text ends in the store (before its line end).
    last_end: usize,
    /// Every byte of it so far, kept or not.
    len: u64,
    /// Whether it is past [`MAX_CARD_BYTES`] (its bytes are dropped).
    over: bool,
}

impl OpenCard {
    fn new(begin: u32, at: u64, store: &[u8]) -> Self {
        OpenCard {
            begin,
            at,
            start: store.len(),
            last_end: store.len(),
            len: 0,
            over: false,
        }
    }

    /// Adds a line as read (with its line end), `cut` when it was longer
    /// than the bound.
    fn push(&mut self, store: &mut Vec<u8>, line: &[u8], cut: bool, len: u64) {
        self.len += len + 1;
        if self.over {
            return;
        }
        if cut || store.len() - self.start + line.len() > MAX_CARD_BYTES {
            self.over = true;
            store.truncate(self.start);
            return;
        }
        self.last_end = store.len() + content(line).len();
        store.extend_from_slice(line);
    }

    /// The card, its bytes through `end` (an offset into the store).
    fn close(self, store: &mut Vec<u8>, end: usize, unterminated_at: Option<u32>) -> RawCard {
        let end = if self.over { self.start } else { end };
        store.truncate(end);
        RawCard {
            begin: self.begin,
            span: self.start..end,
            unterminated_at,
            oversize: self.over.then_some(self.len),
            at: self.at,
        }
    }
}

/// Cuts a vCard input into cards and runs of stray lines, a line at a
/// time, keeping line numbers: an unterminated card closes at the next
/// `BEGIN:VCARD`.
pub(super) struct Splitter {
    input: LineReader,
    line: Vec<u8>,
    /// The bytes of the cards read and not yet handed over, end to end
    /// (one allocation per chunk of cards, not one per card).
    store: Vec<u8>,
    open: Option<OpenCard>,
    stray: Option<Stray>,
    ready: VecDeque<Piece>,
    ended: bool,
    /// Every byte read and not yet forgotten, when kept: what writing the
    /// book back needs ([`Splitter::raw`]).
    raw: Option<Vec<u8>>,
    /// Where `raw` starts in the input.
    raw_base: u64,
    /// Where the line being read starts in the input.
    line_at: u64,
}

impl Splitter {
    /// The pieces of `input`; with `keep_raw`, every byte of it too.
    pub(super) fn new(input: LineReader, keep_raw: bool) -> Self {
        Splitter {
            input,
            line: Vec::new(),
            store: Vec::new(),
            open: None,
            stray: None,
            ready: VecDeque::new(),
            ended: false,
            raw: keep_raw.then(Vec::new),
            raw_base: 0,
            line_at: 0,
        }
    }

    /// Where the bytes read so far end in the input.
    pub(super) fn raw_end(&self) -> u64 {
        self.raw_base + self.raw.as_ref().map_or(0, |raw| raw.len() as u64)
    }

    /// The input's bytes from `from` to `to` (offsets in the input, as
    /// pieces' `at` give them), when kept and not forgotten. A line longer
    /// than a card may be is kept only in part.
    pub(super) fn raw(&self, from: u64, to: u64) -> Vec<u8> {
        let Some(raw) = &self.raw else {
            return Vec::new();
        };
        let at = |offset: u64| (offset.saturating_sub(self.raw_base) as usize).min(raw.len());
        raw[at(from)..at(to).max(at(from))].to_vec()
    }

    /// Forgets the bytes before `offset`.
    pub(super) fn forget_raw(&mut self, offset: u64) {
        if let Some(raw) = &mut self.raw {
            let n = (offset.saturating_sub(self.raw_base) as usize).min(raw.len());
            raw.drain(..n);
            self.raw_base += n as u64;
        }
    }

    /// Puts `pieces` back, to come next in their order.
    pub(super) fn put_back(&mut self, pieces: Vec<Piece>) {
        for piece in pieces.into_iter().rev() {
            self.ready.push_front(piece);
        }
    }

    /// The bytes of the cards handed out so far (their spans index it);
    /// those of cards not handed out yet stay, moved to the start.
    pub(super) fn take_store(&mut self) -> Vec<u8> {
        let ready = self.ready.iter().filter_map(|piece| match piece {
            Piece::Card(card) => Some(card.span.start),
            _ => None,
        });
        let keep = ready
            .chain(self.open.as_ref().map(|open| open.start))
            .min()
            .unwrap_or(self.store.len());
        let mut kept = Vec::with_capacity(self.store.capacity());
        kept.extend_from_slice(&self.store[keep..]);
        let mut store = std::mem::replace(&mut self.store, kept);
        store.truncate(keep);
        for piece in &mut self.ready {
            if let Piece::Card(card) = piece {
                card.span = card.span.start - keep..card.span.end - keep;
            }
        }
        if let Some(open) = self.open.as_mut() {
            open.start -= keep;
            open.last_end = open.last_end.saturating_sub(keep);
        }
        store
    }

    /// How many pieces were read ahead.
    pub(super) fn ready(&self) -> usize {
        self.ready.len()
    }

    /// Whether every piece was handed out.
    pub(super) fn is_done(&self) -> bool {
        self.ended && self.ready.is_empty()
    }

    /// The next piece; `None` at the end.
    pub(super) fn next_piece(&mut self) -> Option<Piece> {
        loop {
            if let Some(piece) = self.ready.pop_front() {
                return Some(piece);
            }
            if self.ended {
                return None;
            }
            self.line.clear();
            match self.input.read_line(&mut self.line, MAX_CARD_BYTES) {
                Ok(Some(info)) => {
                    self.line_at = self.raw_end();
                    if let Some(raw) = &mut self.raw {
                        raw.extend_from_slice(&self.line);
                    }
                    self.on_line(info)
                }
                Ok(None) => self.finish(None),
                Err(e) => {
                    let line = self.input.line();
                    self.finish(Some(Piece::Stopped(line, e.to_string())));
                }
            }
        }
    }

    fn on_line(&mut self, info: LineInfo) {
        let number = info.number;
        let text = content(&self.line);
        if is_marker(text, b"BEGIN:VCARD") {
            if let Some(open) = self.open.take() {
                let end = open.last_end;
                let card = open.close(&mut self.store, end, Some(number));
                self.ready.push_back(Piece::Card(card));
            }
            if let Some(s) = self.stray.take() {
                self.ready.push_back(Piece::Stray(s));
            }
            let mut open = OpenCard::new(number, self.line_at, &self.store);
            open.push(&mut self.store, &self.line, info.cut, info.len);
            self.open = Some(open);
        } else if is_marker(text, b"END:VCARD") {
            match self.open.take() {
                Some(mut open) => {
                    open.push(&mut self.store, &self.line, info.cut, info.len);
                    let end = open.last_end;
                    let card = open.close(&mut self.store, end, None);
                    self.ready.push_back(Piece::Card(card));
                }
                None => self.note_stray(number),
            }
        } else if let Some(open) = self.open.as_mut() {
            open.push(&mut self.store, &self.line, info.cut, info.len);
        } else if !text.trim_ascii().is_empty() {
            self.note_stray(number);
        }
    }

    /// The end of the input (or reading stopped, with `stopped`).
    fn finish(&mut self, stopped: Option<Piece>) {
        self.ended = true;
        if let Some(open) = self.open.take() {
            let next = self.input.line();
            let end = self.store.len();
            let card = open.close(&mut self.store, end, Some(next));
            self.ready.push_back(Piece::Card(card));
        }
        if let Some(s) = self.stray.take() {
            self.ready.push_back(Piece::Stray(s));
        }
        self.ready.extend(stopped);
    }

    fn note_stray(&mut self, number: u32) {
        match &mut self.stray {
            Some(s) if s.line + s.count == number => s.count += 1,
            _ => {
                if let Some(s) = self.stray.take() {
                    self.ready.push_back(Piece::Stray(s));
                }
                self.stray = Some(Stray {
                    line: number,
                    count: 1,
                    first: preview(&to_text(content(&self.line))),
                    at: self.line_at,
                });
            }
        }
    }
}

/// The pieces of a whole vCard file in memory, each card's `span` where
/// its bytes are in `body` (from its `BEGIN` line through its last line,
/// without the line end after it), for writing the file back. A UTF-16
/// file's spans are not its bytes' (it is read transcoded).
pub(super) fn split(body: &[u8]) -> Vec<Piece> {
    let reader = Box::new(std::io::Cursor::new(body.to_vec()));
    let Ok(input) = super::super::input::start(reader) else {
        return Vec::new();
    };
    let skip = input.bom.len() as u64;
    let mut split = Splitter::new(input.lines(false), true);
    let mut pieces = Vec::new();
    while let Some(mut piece) = split.next_piece() {
        if let Piece::Card(card) = &mut piece {
            let start = usize::try_from(card.at + skip).unwrap_or(usize::MAX);
            card.span = start..start.saturating_add(card.span.len()).min(body.len());
        }
        pieces.push(piece);
        // Only the offsets are needed, not the bytes.
        let end = split.raw_end();
        split.forget_raw(end);
    }
    pieces
}

/// What the pre-pass learns of a card's property lines.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct CardScan {
    /// The first line of each EMAIL and TEL property, in order.
    pub(super) address_lines: Vec<u32>,
    /// Lines that are no property at all (no `:`), with their text.
    pub(super) broken: Vec<(u32, String)>,
    /// `BEGIN:…` and `END:…` lines inside the card, with their text. vCard
    /// has no nested components, and `calcard` ends the card at the first
    /// of them: the rest of the card would be lost without a word.
    pub(super) nested: Vec<(u32, String)>,
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
pub(super) fn scan_card(card: &str, begin: u32) -> CardScan {
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
pub(super) fn is_base64_encoded(params: &str) -> bool {
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
pub(super) fn without_lines<'a>(
    card: &'a str,
    begin: u32,
    nested: &[(u32, String)],
) -> Cow<'a, str> {
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
pub(super) fn is_quoted_printable(params: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces of `body`, as `(kind, first line, last line or count)`.
    fn pieces(body: &[u8]) -> Vec<(&'static str, u32, String)> {
        let reader = LineReader::new(Box::new(std::io::Cursor::new(body.to_vec())));
        let mut split = Splitter::new(reader, false);
        let pieces: Vec<Piece> = std::iter::from_fn(|| split.next_piece()).collect();
        let store = split.take_store();
        pieces
            .into_iter()
            .map(|piece| match piece {
                Piece::Card(card) => (
                    "card",
                    card.begin,
                    format!(
                        "{:?} {:?}",
                        std::str::from_utf8(&store[card.span]).unwrap(),
                        card.unterminated_at
                    ),
                ),
                Piece::Stray(stray) => (
                    "stray",
                    stray.line,
                    format!("{} {}", stray.count, stray.first),
                ),
                Piece::Stopped(line, why) => ("stopped", line, why),
            })
            .collect()
    }

    #[test]
    fn an_oversize_card_is_read_past_not_kept() {
        let mut body = b"BEGIN:VCARD\nNOTE:".to_vec();
        body.resize(MAX_CARD_BYTES + 10, b'x');
        body.extend(b"\nEND:VCARD\nBEGIN:VCARD\nFN:B\nEND:VCARD\n");
        let reader = LineReader::new(Box::new(std::io::Cursor::new(body)));
        let mut split = Splitter::new(reader, false);
        let Some(Piece::Card(big)) = split.next_piece() else {
            panic!("a card")
        };
        assert!(big.span.is_empty() && big.oversize.unwrap() > MAX_CARD_BYTES as u64);
        let Some(Piece::Card(next)) = split.next_piece() else {
            panic!("a card")
        };
        let store = split.take_store();
        assert_eq!(
            (next.begin, &store[next.span]),
            (4, &b"BEGIN:VCARD\nFN:B\nEND:VCARD"[..])
        );
        assert!(split.next_piece().is_none());
    }

    #[test]
    fn the_file_splits_into_cards_and_runs_of_stray_lines() {
        let body = b"x\ny\n\nz\n\xEF\xBB\xBFbegin:vcard\r\nFN:A\r\n END:VCARD \r\nEND:VCARD\nq\nBEGIN:VCARD\nFN:B";
        // Blank lines end a run of stray lines; a card's span runs from its
        // BEGIN through its END line, without the line break.
        assert_eq!(
            pieces(body),
            vec![
                ("stray", 1, "2 x".to_owned()),
                ("stray", 4, "1 z".to_owned()),
                (
                    "card",
                    5,
                    "\"\\u{feff}begin:vcard\\r\\nFN:A\\r\\n END:VCARD \" None".to_owned()
                ),
                ("stray", 8, "2 END:VCARD".to_owned()),
                ("card", 10, "\"BEGIN:VCARD\\nFN:B\" Some(12)".to_owned()),
            ]
        );
    }

    #[test]
    fn an_unterminated_card_ends_before_the_next_begin() {
        // It ends where the last line before it ends (a blank one here).
        let body = b"BEGIN:VCARD\nFN:A\n\nBEGIN:VCARD\nEND:VCARD\n";
        assert_eq!(
            pieces(body),
            vec![
                ("card", 1, "\"BEGIN:VCARD\\nFN:A\\n\" Some(4)".to_owned()),
                ("card", 4, "\"BEGIN:VCARD\\nEND:VCARD\" None".to_owned()),
            ]
        );
    }

    #[test]
    fn the_scan_finds_addresses_over_folds_and_lines_calcard_skips() {
        let card = "BEGIN:VCARD\r\nEMAIL:a@\r\n example.org\r\nNOTE;ENCODING=QUOTED-PRINTABLE:a=\r\nTEL:not a property=\r\nb\r\nno colon\r\nBEGIN:X\r\nitem1.TEL:+1\r\nEND:VCARD\r\n";
        let scan = scan_card(card, 10);
        assert_eq!(
            scan,
            CardScan {
                address_lines: vec![11, 18],
                broken: vec![(16, "no colon".to_owned())],
                nested: vec![(17, "BEGIN:X".to_owned())],
            }
        );
        // Blanked for `calcard`, on the same lines.
        let kept = without_lines(card, 10, &scan.nested);
        assert_eq!(kept.lines().nth(7), Some(""));
        assert_eq!(card.lines().nth(7), Some("BEGIN:X"));
        assert_eq!(kept.lines().count(), card.lines().count());
        assert!(matches!(without_lines(card, 10, &[]), Cow::Borrowed(_)));
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
    }

    #[test]
    fn encodings_as_calcard_reads_them() {
        assert!(is_quoted_printable(
            "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE"
        ));
        assert!(is_quoted_printable("N; encoding = q"));
        assert!(!is_quoted_printable("N;QUOTED-PRINTABLE"));
        assert!(is_base64_encoded("PHOTO;ENCODING=b;TYPE=JPEG"));
        assert!(is_base64_encoded("PHOTO;BASE64"));
        assert!(!is_base64_encoded("PHOTO;TYPE=b"));
        assert!(is_base64_line("QUJD+/=="));
        assert!(!is_base64_line("QUJD EF"));
        assert!(!is_base64_line(""));
    }
}
