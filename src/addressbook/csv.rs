//! CSV address books: Google Contacts (both header generations), Outlook,
//! Thunderbird, generic exports, and files with no header at all.
//!
//! The bytes are decoded with [`to_text`] (UTF-8, else cp1252 as Outlook
//! writes). The delimiter is sniffed among `,`, `;` and TAB by counting the
//! fields outside quotes in the first records (an Excel `sep=X` first line
//! says it outright). Records are read by the `csv` crate, flexibly, without
//! its header handling. Before each record, a quote-aware scan of our own
//! finds the line it really starts on (the crate's own line count includes
//! the blank lines and line ends before a record) and whether a quote runs
//! away with the rows that follow; such a row becomes one broken entry and
//! reading resumes on the next line.
//!
//! The first record is a header when one of its cells names an email, phone
//! or name column and none of them looks like an address. Header cells are
//! matched on words, not substrings: `Phonetic First Name` is no phone,
//! `Telex` no telephone, `E-mail Display Name` no email column, and `… Type`
//! / `… Label` columns, fax and pager columns are never looked up. Without a
//! header, or with one naming no email or phone column, cells are classified
//! by content: an `@` makes an email address, a run of digits a phone number,
//! and the first other cell names the contact. Google's ` ::: ` joins several
//! values in one cell; each becomes its own entry.

use std::collections::BTreeMap;
use std::io::{Cursor, SeekFrom};

use csv::StringRecord;

use super::decode::to_text;
use super::{Contact, Entry};
use crate::threepid::Medium;

/// The delimiters sniffed, in order of preference on a tie.
const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];
/// How many records the sniffer counts fields in.
const SAMPLE_RECORDS: usize = 20;
/// What Google puts between several values of one cell (` ::: `).
const MULTI_VALUE: &str = ":::";
/// How much of a broken row its entry quotes.
const PREVIEW_CHARS: usize = 60;

/// Header words that make a column one not looked up, whatever else it says.
const NOT_LOOKED_UP: &str =
    "type label labels fax telefax facsimile pager beeper telex phonetic yomi pronunciation";
/// Header words naming an email column.
const EMAIL_WORDS: &str = "email emails mail courriel";
/// Header words naming a phone column (`number` alone is not one).
const PHONE_WORDS: &str =
    "phone phones telephone tel mobile cell cellphone cellular smartphone msisdn gsm callback isdn";
/// Whole headers (their words, `|`-separated) naming the contact.
const FULL_NAMES: &str =
    "name|full name|fullname|display name|displayname|formatted name|contact|contact name";
/// Whole headers naming a given name.
const FIRST_NAMES: &str = "first name|firstname|first|given name|givenname|forename";
/// Whole headers naming a middle name.
const MIDDLE_NAMES: &str = "middle name|middlename|middle|additional name|additional names";
/// Whole headers naming a family name.
const LAST_NAMES: &str = "last name|lastname|last|family name|familyname|surname";

/// Reads a CSV address book. `Err` only when the file is no address book:
/// no record at all, or neither a header naming an email or phone column nor
/// a cell that looks like an address.
pub(crate) fn read(body: &[u8]) -> Result<Vec<Contact>, String> {
    let text = to_text(body);
    let (start, delimiter) = dialect(&text);
    let mut rows = Rows::new(&text, start, delimiter);
    let Some(first) = rows.next() else {
        return Err("no CSV record in it".to_owned());
    };
    let (layout, first) = Layout::detect(first);
    let contacts: Vec<Contact> = first
        .into_iter()
        .chain(rows)
        .filter_map(|row| layout.contact(row))
        .collect();
    if contacts.is_empty() && !layout.names_addresses() {
        return Err(layout.why_not());
    }
    Ok(contacts)
}

/// Whether text with no telling extension is CSV: most of its first records
/// split on `,`, `;` or TAB (outside quotes) into one number, two or more, of
/// fields (a ragged row or two is fine).
pub(crate) fn looks_like_csv(text: &str) -> bool {
    if sep_line(text).is_some() {
        return true;
    }
    sniff(text.as_bytes()).is_some_and(|s| 2 * s.agreeing >= s.records)
}

// ---------------------------------------------------------------------------
// Dialect: the delimiter.

/// Where records start and what separates fields: an Excel `sep=X` first
/// line says it, else the sniffer guesses (`,` when nothing splits).
fn dialect(text: &str) -> (usize, u8) {
    if let Some(found) = sep_line(text) {
        return found;
    }
    (0, sniff(text.as_bytes()).map_or(b',', |s| s.delimiter))
}

/// Excel's `sep=;` first line: the offset after it and the delimiter.
fn sep_line(text: &str) -> Option<(usize, u8)> {
    let line = text.split('\n').next()?;
    let rest = line
        .strip_suffix('\r')
        .unwrap_or(line)
        .strip_prefix("sep=")?;
    match rest.as_bytes() {
        [d] if *d == b'\t' || (d.is_ascii_punctuation() && *d != b'"') => {
            Some(((line.len() + 1).min(text.len()), *d))
        }
        _ => None,
    }
}

/// How one delimiter splits the first records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sniffed {
    /// The delimiter.
    delimiter: u8,
    /// The most common field count (the larger on a tie).
    fields: usize,
    /// How many records have that many fields.
    agreeing: usize,
    /// How many records were counted.
    records: usize,
}

/// The delimiter that splits the most records into the same number (at
/// least two) of fields; more fields wins a tie, then `,` over `;` over TAB.
fn sniff(text: &[u8]) -> Option<Sniffed> {
    // `max_by_key` keeps the last maximum: walk the preferred ones last.
    DELIMITERS
        .iter()
        .rev()
        .map(|&delimiter| sniff_with(text, delimiter))
        .filter(|s| s.fields >= 2)
        .max_by_key(|s| (s.agreeing, s.fields))
}

/// Counts the fields of the first records split on `delimiter`.
fn sniff_with(text: &[u8], delimiter: u8) -> Sniffed {
    let mut counts = Vec::new();
    let mut at = skip_line_ends(text, 0);
    while counts.len() < SAMPLE_RECORDS && at < text.len() {
        let scanned = scan(text, at, delimiter);
        counts.push(scanned.fields);
        at = skip_line_ends(text, scanned.end);
    }
    let mut tally: BTreeMap<usize, usize> = BTreeMap::new();
    for &count in &counts {
        *tally.entry(count).or_default() += 1;
    }
    let (fields, agreeing) = tally
        .into_iter()
        .max_by_key(|&(f, n)| (n, f))
        .unwrap_or((0, 0));
    Sniffed {
        delimiter,
        fields,
        agreeing,
        records: counts.len(),
    }
}

// ---------------------------------------------------------------------------
// Scanning: record boundaries and runaway quotes, the way csv-core reads.

/// What a quote-aware scan of one record found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scan {
    /// How many fields the record has.
    fields: usize,
    /// The offset after the record and its line end.
    end: usize,
    /// Why the record cannot be trusted, if it cannot.
    fault: Option<Fault>,
}

/// How a record is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// A quoted field is never closed: it swallows the rest of the file.
    Unterminated,
    /// A quoted field runs over a line end and its closing quote (at this
    /// offset) is followed by more text: a quote is missing, and the field
    /// swallowed the rows in between.
    Runaway(usize),
}

/// Scans the record starting at `start`. As in csv-core, a quote opens a
/// quoted field only at the start of a field, `""` inside it is a quote, and
/// text after the closing quote is kept; a record ends at `\n`, `\r` or
/// `\r\n` outside quotes.
fn scan(text: &[u8], start: usize, delimiter: u8) -> Scan {
    let mut fields = 1;
    let mut fault = None;
    let mut at = start;
    loop {
        if text.get(at) == Some(&b'"') {
            let Some(close) = closing_quote(text, at + 1) else {
                let fault = Some(Fault::Unterminated);
                return Scan {
                    fields,
                    end: text.len(),
                    fault,
                };
            };
            let after = &text[close + 1..field_end(text, close + 1, delimiter)];
            let spans_lines = memchr::memchr(b'\n', &text[at..close]).is_some();
            if spans_lines && fault.is_none() && !after.iter().all(u8::is_ascii_whitespace) {
                fault = Some(Fault::Runaway(close));
            }
            at = close + 1;
        }
        let stop = field_end(text, at, delimiter);
        if text.get(stop) != Some(&delimiter) {
            return Scan {
                fields,
                end: past_line_end(text, stop),
                fault,
            };
        }
        fields += 1;
        at = stop + 1;
    }
}

/// The offset past the line end (`\n`, `\r` or `\r\n`) at `at`, if any.
fn past_line_end(text: &[u8], at: usize) -> usize {
    match text.get(at..).unwrap_or_default() {
        [b'\r', b'\n', ..] => at + 2,
        [] => text.len(),
        _ => at + 1,
    }
}

/// The quote closing a quoted field whose text starts at `from`.
fn closing_quote(text: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let quote = from + memchr::memchr(b'"', text.get(from..)?)?;
        if text.get(quote + 1) == Some(&b'"') {
            from = quote + 2;
        } else {
            return Some(quote);
        }
    }
}

/// Where the unquoted text from `at` ends: a delimiter, a line end, the end.
fn field_end(text: &[u8], at: usize, delimiter: u8) -> usize {
    let rest = text.get(at..).unwrap_or_default();
    memchr::memchr3(delimiter, b'\r', b'\n', rest).map_or(text.len(), |i| at + i)
}

/// The offset of the first byte from `at` that is no line end.
fn skip_line_ends(text: &[u8], at: usize) -> usize {
    let rest = text.get(at..).unwrap_or_default();
    rest.iter()
        .position(|b| !matches!(b, b'\r' | b'\n'))
        .map_or(text.len(), |i| at + i)
}

/// Byte offsets where lines start, to give an offset its line number.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex(starts)
    }

    /// The 1-based line holding `offset`.
    fn line_of(&self, offset: usize) -> u32 {
        u32::try_from(self.0.partition_point(|&start| start <= offset)).unwrap_or(u32::MAX)
    }

    /// Where 1-based `line` starts, if the text has it.
    fn start_of(&self, line: u32) -> Option<usize> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        self.0.get(index).copied()
    }
}

// ---------------------------------------------------------------------------
// Rows: records with their lines, broken ones reported.

/// One record as read.
#[derive(Debug)]
enum Row {
    /// A record's cells and the line it starts on.
    Cells(u32, StringRecord),
    /// A record that cannot be read: its line, its first line's text, why.
    Broken(u32, String, String),
}

/// The records of a text, read by the `csv` crate after our scan has vouched
/// for each; after a broken one, the reader is moved to the next line.
struct Rows<'a> {
    text: &'a str,
    delimiter: u8,
    lines: LineIndex,
    reader: csv::Reader<Cursor<&'a [u8]>>,
    /// Set when the reader could not be moved: nothing more is read.
    stuck: bool,
}

impl<'a> Rows<'a> {
    /// The records from `start`: ragged rows allowed, no header handling
    /// (ours is smarter), no trimming (done per cell).
    fn new(text: &'a str, start: usize, delimiter: u8) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(Cursor::new(text.as_bytes()));
        let lines = LineIndex::new(text);
        let mut rows = Rows {
            text,
            delimiter,
            lines,
            reader,
            stuck: false,
        };
        rows.seek(start);
        rows
    }

    /// Moves the reader to `offset` (cheaper than a new reader per broken row).
    fn seek(&mut self, offset: usize) {
        let mut position = csv::Position::new();
        position.set_byte(u64::try_from(offset).unwrap_or(u64::MAX));
        let to = SeekFrom::Start(position.byte());
        self.stuck |= self.reader.seek_raw(to, position).is_err();
    }

    /// Reports the record at `start` as broken, and reads on from the next line.
    fn broken(&mut self, start: usize, reason: String) -> Row {
        let line = self.lines.line_of(start);
        let next = self.lines.start_of(line.saturating_add(1));
        self.seek(next.unwrap_or(self.text.len()));
        let text = preview(self.text.get(start..).unwrap_or_default());
        Row::Broken(line, text, reason)
    }

    fn reason(&self, fault: Fault) -> String {
        match fault {
            Fault::Unterminated => {
                "unterminated quoted field: a quote opened on this line is never closed".to_owned()
            }
            Fault::Runaway(close) => format!(
                "malformed quoted field: a quote opened on this line closes on line {}, \
                 followed by more text (a quote is missing)",
                self.lines.line_of(close)
            ),
        }
    }
}

impl Iterator for Rows<'_> {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        // The reader's position is where the last record ended: before any
        // blank line, and before the `\n` of a `\r\n`.
        let offset = usize::try_from(self.reader.position().byte()).unwrap_or(usize::MAX);
        let start = skip_line_ends(self.text.as_bytes(), offset);
        if self.stuck || start >= self.text.len() {
            return None;
        }
        if let Some(fault) = scan(self.text.as_bytes(), start, self.delimiter).fault {
            let reason = self.reason(fault);
            return Some(self.broken(start, reason));
        }
        let mut record = StringRecord::new();
        match self.reader.read_record(&mut record) {
            Ok(true) => Some(Row::Cells(self.lines.line_of(start), record)),
            Ok(false) => None,
            // Cannot happen on text already decoded, but must not end the file.
            Err(error) => Some(self.broken(start, error.to_string())),
        }
    }
}

/// The first line of `text`, cut to [`PREVIEW_CHARS`].
fn preview(text: &str) -> String {
    cut(
        text.split(['\r', '\n']).next().unwrap_or_default(),
        PREVIEW_CHARS,
    )
}

/// `text` cut to `max` characters, with `…` when it was longer.
fn cut(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let mut shown: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        shown.push('…');
    }
    shown
}

// ---------------------------------------------------------------------------
// Columns: what a header cell names.

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    /// Email addresses.
    Email,
    /// Phone numbers.
    Phone,
    /// The contact's whole name.
    FullName,
    /// A given name.
    FirstName,
    /// A middle name.
    MiddleName,
    /// A family name.
    LastName,
    /// No header says: cells are classified by content.
    Guess,
    /// Anything else (organisation, notes, fax, `… Type`): not read.
    Other,
}

impl Column {
    /// Whether the column holds addresses.
    fn is_address(self) -> bool {
        matches!(self, Column::Email | Column::Phone)
    }
}

/// What the header cell `header` names, matched on its words.
fn classify(header: &str) -> Column {
    let words = words(header);
    let has = |set: &str| words.iter().any(|w| set.split(' ').any(|s| s == w));
    let phrase = words.join(" ");
    let is = |set: &str| set.split('|').any(|s| s == phrase);
    if has(NOT_LOOKED_UP) {
        Column::Other
    } else if is(FULL_NAMES) {
        Column::FullName
    } else if is(FIRST_NAMES) {
        Column::FirstName
    } else if is(MIDDLE_NAMES) {
        Column::MiddleName
    } else if is(LAST_NAMES) {
        Column::LastName
    } else if has(EMAIL_WORDS) && !has("name display") {
        Column::Email
    } else if has(PHONE_WORDS) {
        Column::Phone
    } else {
        Column::Other
    }
}

/// The words of a header, lower-cased: split on anything but letters and
/// digits, between letters and digits, and between camelCase words; `e-mail`
/// becomes `email`.
fn words(header: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous: Option<char> = None;
    for c in header.chars() {
        let boundary = previous.is_some_and(|p| {
            !c.is_alphanumeric()
                || p.is_numeric() != c.is_numeric()
                || (p.is_lowercase() && c.is_uppercase())
        });
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        }
        previous = Some(c).filter(|c| c.is_alphanumeric());
    }
    if !current.is_empty() {
        words.push(current);
    }
    if let Some(i) = words.windows(2).position(|pair| pair == ["e", "mail"]) {
        words.splice(i..i + 2, ["email".to_owned()]);
    }
    words
}

// ---------------------------------------------------------------------------
// Cells: values and what they look like.

/// The trimmed, non-empty values of a cell (Google joins several with ` ::: `).
fn values(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(MULTI_VALUE)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// What a value looks like: an email address (it has an `@`), a phone
/// number (digits, blanks and `+()-.` only, five digits or more, no date), or
/// neither.
fn medium_of(value: &str) -> Option<Medium> {
    if value.contains('@') && value.chars().any(|c| c != '@') {
        return Some(Medium::Email);
    }
    let phone_chars = value
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace() || "+()-.".contains(c));
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    (phone_chars && digits >= 5 && !looks_like_date(value)).then_some(Medium::Msisdn)
}

/// `2024-01-31`, `31.01.2024`, `1.5.1990`: three groups of digits, one of
/// them a year, split by one `-` or `.` each.
fn looks_like_date(value: &str) -> bool {
    let Some(separator) = value.chars().find(|c| matches!(c, '-' | '.')) else {
        return false;
    };
    let groups: Vec<&str> = value.split(separator).collect();
    let digits = |g: &&str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    groups.iter().all(digits) && matches!(lengths.as_slice(), [4, 1..=2, 1..=2] | [1..=2, 1..=2, 4])
}

/// Whether a cell holds something that looks like an address.
fn looks_like_address(cell: &str) -> bool {
    values(cell).any(|value| medium_of(value).is_some())
}

// ---------------------------------------------------------------------------
// Layout: how a row's cells become a contact.

/// How the cells of a row are read.
#[derive(Debug)]
struct Layout {
    /// One per header cell; empty without a header. Cells past the end are
    /// [`Column::Guess`].
    columns: Vec<Column>,
    /// The header's cells, to say why a file is refused.
    header: Option<Vec<String>>,
}

impl Layout {
    /// Reads the first row as a header when it names a column and holds no
    /// address; gives the row back when it is data.
    fn detect(first: Row) -> (Layout, Option<Row>) {
        let headerless = Layout {
            columns: Vec::new(),
            header: None,
        };
        let Row::Cells(_, cells) = &first else {
            return (headerless, Some(first));
        };
        let columns: Vec<Column> = cells.iter().map(classify).collect();
        let names_any = columns.iter().any(|c| *c != Column::Other);
        if !names_any || cells.iter().any(looks_like_address) {
            return (headerless, Some(first));
        }
        // A header naming no address column: its other cells are guessed.
        let by_content = !columns.iter().any(|c| c.is_address());
        let guessed = |c| {
            if by_content && c == Column::Other {
                Column::Guess
            } else {
                c
            }
        };
        let columns = columns.into_iter().map(guessed).collect();
        let header = Some(cells.iter().map(|c| c.trim().to_owned()).collect());
        (Layout { columns, header }, None)
    }

    /// Whether a header names an email or phone column.
    fn names_addresses(&self) -> bool {
        self.columns.iter().any(|c| c.is_address())
    }

    /// Why a file that yields no contact is no address book.
    fn why_not(&self) -> String {
        let Some(header) = &self.header else {
            return "no header naming an email or phone column, and no cell looks like an \
                    email address or a phone number"
                .to_owned();
        };
        let named: Vec<&str> = header
            .iter()
            .map(String::as_str)
            .filter(|h| !h.is_empty())
            .collect();
        let mut shown: Vec<String> = named.iter().take(6).map(|h| cut(h, 30)).collect();
        if named.len() > shown.len() {
            shown.push("…".to_owned());
        }
        format!(
            "no email or phone column in the header ({}), and no cell looks like an email \
             address or a phone number",
            shown.join(", ")
        )
    }

    /// The contact a row holds: `None` when it holds no address.
    fn contact(&self, row: Row) -> Option<Contact> {
        let (line, cells) = match row {
            Row::Broken(line, text, reason) => {
                let entries = vec![Entry::broken(text, line, reason)];
                return Some(Contact {
                    name: None,
                    line,
                    entries,
                });
            }
            Row::Cells(line, cells) => (line, cells),
        };
        let mut entries = Vec::new();
        let mut loose_name = None;
        for (i, cell) in cells.iter().enumerate() {
            match self.columns.get(i).copied().unwrap_or(Column::Guess) {
                Column::Email => push_values(&mut entries, cell, line, Medium::Email),
                Column::Phone => push_values(&mut entries, cell, line, Medium::Msisdn),
                Column::Guess => guess(&mut entries, &mut loose_name, cell, line),
                _ => {}
            }
        }
        if entries.is_empty() {
            return None;
        }
        let name = self.name(&cells).or(loose_name);
        Some(Contact {
            name,
            line,
            entries,
        })
    }

    /// The name the name columns give: a whole name, else the parts joined.
    fn name(&self, cells: &StringRecord) -> Option<String> {
        if let Some(full) = self.cells_in(cells, Column::FullName).next() {
            return Some(full.to_owned());
        }
        let parts: Vec<&str> = [Column::FirstName, Column::MiddleName, Column::LastName]
            .into_iter()
            .flat_map(|part| self.cells_in(cells, part))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// The trimmed, non-empty cells of the `wanted` columns.
    fn cells_in<'r>(
        &'r self,
        cells: &'r StringRecord,
        wanted: Column,
    ) -> impl Iterator<Item = &'r str> {
        self.columns
            .iter()
            .zip(cells.iter())
            .filter(move |(column, _)| **column == wanted)
            .map(|(_, cell)| cell.trim())
            .filter(|cell| !cell.is_empty())
    }
}

/// One entry per value of a cell whose column says the medium.
fn push_values(entries: &mut Vec<Entry>, cell: &str, line: u32, medium: Medium) {
    entries.extend(values(cell).map(|value| Entry::address(value, line, medium)));
}

/// Classifies a cell's values by content: addresses become entries, and the
/// first other value is kept as the name.
fn guess(entries: &mut Vec<Entry>, name: &mut Option<String>, cell: &str, line: u32) {
    for value in values(cell) {
        match medium_of(value) {
            Some(medium) => entries.push(Entry::address(value, line, medium)),
            None if name.is_none() => *name = Some(value.to_owned()),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addressbook::EntryKind;

    /// One line per contact: `LINE NAME: medium input | …`.
    fn show(contacts: &[Contact]) -> Vec<String> {
        contacts.iter().map(show_contact).collect()
    }

    fn show_contact(contact: &Contact) -> String {
        let entries: Vec<String> = contact
            .entries
            .iter()
            .map(|entry| {
                assert_eq!(entry.line, contact.line, "{entry:?}");
                match &entry.kind {
                    EntryKind::Address(medium) => format!("{} {}", medium.as_str(), entry.input),
                    EntryKind::Unknown => format!("? {}", entry.input),
                    EntryKind::Broken(reason) => format!("broken {:?}: {reason}", entry.input),
                }
            })
            .collect();
        let name = contact.name.as_deref().unwrap_or("-");
        format!("{} {name}: {}", contact.line, entries.join(" | "))
    }

    fn read_ok(body: &[u8]) -> Vec<String> {
        show(&read(body).unwrap())
    }

    #[test]
    fn google_current_generation() {
        assert_eq!(
            read_ok(include_bytes!("../../fixtures/google.csv")),
            [
                "2 Camille Durand: email camille.durand@example.org | email c.durand@atelier-durand.example \
             | msisdn +33 6 12 34 56 78 | msisdn 01 23 45 67 89",
                "5 Jonas Peter Weber: email jonas.weber@example.de | email j.weber@firma.example \
             | msisdn +49 1512 3456789 | msisdn +49 30 123456",
                "6 -: email contact@boulangerie-martin.example | msisdn 06 98 76 54 32",
                "8 Lucía Fernández: email lucia.fernandez@example.es | msisdn +34 612 34 56 78",
                "9 Olivia Brown: email olivia.brown@example.com | msisdn +1 201-555-0123",
            ]
        );
    }

    #[test]
    fn google_legacy_generation() {
        assert_eq!(
            read_ok(include_bytes!("../../fixtures/google-legacy.csv")),
            [
                "2 Alice Martin: email alice.martin@example.org | email alice@work.example \
             | msisdn +33 6 12 34 56 78",
                "3 Bruno Lefèvre: email bruno.lefevre@example.fr | msisdn 07 81 23 45 67 \
             | msisdn 04 78 12 34 56",
                "4 Chloé Bernard: msisdn +44 7400 123456 | msisdn +44 20 7946 0958",
                "5 Marc Antoine Girard: email marc.girard@example.org | msisdn +33 6 98 76 54 32",
            ]
        );
    }

    #[test]
    fn outlook_cp1252_without_fax_telex_or_display_names() {
        let body: &[u8] = include_bytes!("../../fixtures/outlook.csv");
        assert!(
            body.windows(5).any(|w| w == b"Andr\xe9"),
            "the fixture is cp1252"
        );
        assert_eq!(
            read_ok(body),
            [
                "2 André Dupré: msisdn +33 1 23 45 67 89 | msisdn 06 12 34 56 78 \
             | email andre.dupre@example.fr",
                "3 Zoë Maria Fischer: msisdn +49 30 123456 | msisdn +49 30 1234567 \
             | msisdn +49 1512 3456789 | email zoe.fischer@example.de",
                "4 Liam O'Brien: msisdn +44 20 7946 0959 | msisdn +44 7400 123456 \
             | msisdn +44 20 7946 0958 | email liam.obrien@example.co.uk | email liam@obrien.example",
                "6 -: msisdn 04 78 12 34 56 | msisdn +33 4 78 12 34 57",
            ]
        );
    }

    #[test]
    fn thunderbird() {
        assert_eq!(
            read_ok(include_bytes!("../../fixtures/thunderbird.csv")),
            [
                "2 Emma Leroy: email emma.leroy@example.org | email emma@leroy.example \
             | msisdn +33 1 23 45 67 89 | msisdn 06 12 34 56 78",
                "3 Noah Schmidt: email noah.schmidt@example.de | msisdn +49 30 1234567 \
             | msisdn +49 1512 3456789",
                "4 Martin, Paul: email paul.martin@example.org | msisdn +44 20 7946 0958",
                "5 Sophie: msisdn +1 201-555-0123",
            ]
        );
    }

    #[test]
    fn generic_semicolons() {
        assert_eq!(
            read_ok(include_bytes!("../../fixtures/generic-semicolon.csv")),
            [
                "2 Dupont, Jean: email jean.dupont@example.fr | msisdn 06 12 34 56 78",
                "3 Martin, Claire: email claire.martin@example.org | msisdn +33 6 98 76 54 32",
                "4 Nguyen, Minh: msisdn 07 81 23 45 67",
                "6 Smith, Anna: email anna.smith@example.co.uk | msisdn +44 7400 123456",
            ]
        );
    }

    #[test]
    fn generic_tabs() {
        assert_eq!(
            read_ok(include_bytes!("../../fixtures/generic.tsv")),
            [
                "2 Hugo Lambert: email hugo.lambert@example.fr | msisdn 01 23 45 67 89 \
             | msisdn +33 6 12 34 56 78",
                "3 Inês Costa: email ines.costa@example.pt | msisdn +351 912 345 678",
                "4 Kai Müller: msisdn +49 30 1234567 | msisdn +49 171 2345678",
            ]
        );
    }

    #[test]
    fn no_header() {
        assert_eq!(
            read_ok(include_bytes!("../../fixtures/noheader.csv")),
            [
                "1 Alice Martin: email alice.martin@example.org | msisdn +33 6 12 34 56 78",
                "2 Bastien Roux: email bastien.roux@example.net | msisdn 06 98 76 54 32",
                "3 Carla Rossi: email carla.rossi@example.it",
                "4 Dan Smith: msisdn +44 7400 123456 | email dan.smith@example.co.uk",
                "5 Eve Adams, PhD: email eve@example.org | msisdn +1 201-555-0123",
            ]
        );
    }

    fn assert_columns(column: Column, headers: &[&str]) {
        for header in headers {
            assert_eq!(classify(header), column, "{header:?}");
        }
    }

    #[test]
    fn headers_matched_on_words_not_substrings() {
        let headers = [
            "Phonetic First Name",
            "Phonetic Last Name",
            "Telex",
            "Hotel",
            "Number",
        ];
        assert_columns(Column::Other, &headers);
        let headers = [
            "Account Number",
            "Home Address",
            "Nickname",
            "Screen Name",
            "",
        ];
        assert_columns(Column::Other, &headers);
        let names = [
            "Organization Name",
            "Organization 1 - Name",
            "Assistant's Name",
        ];
        assert_columns(Column::Other, &names);
        assert_columns(
            Column::Other,
            &["E-mail Display Name", "Yomi Name", "Given Name Yomi"],
        );
    }

    #[test]
    fn type_label_fax_and_pager_columns_are_not_looked_up() {
        let headers = [
            "E-mail 1 - Type",
            "E-mail 1 - Label",
            "Phone 1 - Label",
            "Phone 1 - Type",
        ];
        assert_columns(Column::Other, &headers);
        let headers = [
            "E-mail Type",
            "Business Fax",
            "Home Fax",
            "Other Fax",
            "Fax Number",
        ];
        assert_columns(Column::Other, &headers);
        assert_columns(Column::Other, &["Pager", "Pager Number"]);
    }

    #[test]
    fn address_columns() {
        let headers = [
            "E-mail 1 - Value",
            "E-mail Address",
            "E-mail 3 Address",
            "Mail",
        ];
        assert_columns(Column::Email, &headers);
        assert_columns(
            Column::Email,
            &["Primary Email", "Secondary Email", "emailAddress", "e_mail"],
        );
        let headers = [
            "Phone 1 - Value",
            "Mobile Phone",
            "Home Phone 2",
            "TTY/TDD Phone",
        ];
        assert_columns(Column::Phone, &headers);
        let headers = [
            "Assistant's Phone",
            "Company Main Phone",
            "Callback",
            "ISDN",
            "Phone1",
        ];
        assert_columns(Column::Phone, &headers);
        let headers = [
            "Mobile Number",
            "Work Phone",
            "Home Tel",
            "Telephone",
            "cell",
            "MSISDN",
        ];
        assert_columns(Column::Phone, &headers);
        assert_columns(Column::Phone, &["phoneNumber"]);
    }

    #[test]
    fn name_columns() {
        assert_columns(
            Column::FullName,
            &[" Name ", "Display Name", "Full Name", "contact"],
        );
        assert_columns(
            Column::FirstName,
            &["First Name", "Given Name", "firstName"],
        );
        assert_columns(Column::MiddleName, &["Middle Name", "Additional Name"]);
        assert_columns(
            Column::LastName,
            &["Last Name", "Family Name", "lastName", "Surname"],
        );
    }

    #[test]
    fn columns_not_looked_up_are_not_read() {
        let body = "Name,Phonetic First Name,Telex,Business Fax,Pager,E-mail 1 - Type,\
                    E-mail Display Name,E-mail 1 - Value\n\
                    Ana,0612345678,612345 ANA F,+33 1 23 45 67 80,+33 6 98 76 54 32,\
                    x@example.org,Ana (ana@example.org),ana@example.org\n";
        assert_eq!(read_ok(body.as_bytes()), ["2 Ana: email ana@example.org"]);
    }

    #[test]
    fn sniffs_the_delimiter() {
        let delimiter = |text: &str| sniff(text.as_bytes()).map(|s| s.delimiter);
        assert_eq!(delimiter("a,b,c\n1,2,3\n"), Some(b','));
        assert_eq!(delimiter("a;b;c\n1;2;3\n"), Some(b';'));
        assert_eq!(delimiter("a\tb\n1\t2\n"), Some(b'\t'));
        // Commas inside quoted and unquoted cells do not fool it.
        assert_eq!(delimiter("\"x, y\";z\n\"p, q\";r\n"), Some(b';'));
        assert_eq!(
            delimiter("name;email\nDoe, J;j@example.org\nRoe, R;r@example.org\n"),
            Some(b';')
        );
        assert_eq!(delimiter("n\tnotes\nA\ta, b, c\nB\td, e\n"), Some(b'\t'));
        // A quoted line break is no record end.
        assert_eq!(delimiter("a;\"b\nc,d,e\";f\ng;h;i\n"), Some(b';'));
        // A tie goes to the comma.
        assert_eq!(delimiter("a,b;c\n"), Some(b','));
        assert_eq!(delimiter("alice@example.org\nbob@example.org\n"), None);
    }

    #[test]
    fn excel_sep_line() {
        let body = "sep=;\nname;email\nAlice, A.;alice@example.org\n";
        assert_eq!(
            read_ok(body.as_bytes()),
            ["3 Alice, A.: email alice@example.org"]
        );
        assert!(looks_like_csv("sep=,\nalice@example.org\n"));
    }

    #[test]
    fn splits_multiple_values() {
        let body = "Name,E-mail 1 - Value,Phone 1 - Value\n\
                    Ana,a@example.org ::: b@example.org :::  ,+33 6 12 34 56 78:::06 98 76 54 32\n";
        assert_eq!(
            read_ok(body.as_bytes()),
            [
                "2 Ana: email a@example.org | email b@example.org | msisdn +33 6 12 34 56 78 \
             | msisdn 06 98 76 54 32",
            ]
        );
    }

    #[test]
    fn ragged_rows() {
        let body = "name,email,phone\n\
                    Alice,alice@example.org\n\
                    Bob,bob@example.org,+33 6 12 34 56 78,+44 7400 123456,likes tea\n\
                    Carol\n";
        assert_eq!(
            read_ok(body.as_bytes()),
            [
                "2 Alice: email alice@example.org",
                "3 Bob: email bob@example.org | msisdn +33 6 12 34 56 78 | msisdn +44 7400 123456",
            ]
        );
    }

    #[test]
    fn runaway_quote_costs_one_row() {
        let body = "name,email,phone\n\
                    Alice,alice@example.org,+33 6 12 34 56 78\n\
                    Bob,\"bob@example.org,+33 6 98 76 54 32\n\
                    Carol,carol@example.org,06 12 34 56 78\n\
                    \"Martin, Dave\",dave@example.org,+44 7400 123456\n\
                    Eve,eve@example.org,\n";
        assert_eq!(
            read_ok(body.as_bytes()),
            [
                "2 Alice: email alice@example.org | msisdn +33 6 12 34 56 78",
                "3 -: broken \"Bob,\\\"bob@example.org,+33 6 98 76 54 32\": malformed quoted field: \
             a quote opened on this line closes on line 5, followed by more text (a quote is missing)",
                "4 Carol: email carol@example.org | msisdn 06 12 34 56 78",
                "5 Martin, Dave: email dave@example.org | msisdn +44 7400 123456",
                "6 Eve: email eve@example.org",
            ]
        );
    }

    #[test]
    fn unterminated_quote_costs_one_row() {
        let body = "name,email\r\nAlice,alice@example.org\r\nBob,\"bob@example.org\r\n\
                    Carol,carol@example.org\r\n";
        assert_eq!(
            read_ok(body.as_bytes()),
            [
                "2 Alice: email alice@example.org",
                "3 -: broken \"Bob,\\\"bob@example.org\": unterminated quoted field: \
             a quote opened on this line is never closed",
                "4 Carol: email carol@example.org",
            ]
        );
        // Bob's quote is closed by Dan's opening one; Dan's then never closes.
        let body =
            "name,email\nBob,\"bob@example.org\nCarol,carol@example.org\nDan,\"dan@example.org";
        assert_eq!(
            read_ok(body.as_bytes()),
            [
                "2 -: broken \"Bob,\\\"bob@example.org\": malformed quoted field: \
             a quote opened on this line closes on line 4, followed by more text (a quote is missing)",
                "3 Carol: email carol@example.org",
                "4 -: broken \"Dan,\\\"dan@example.org\": unterminated quoted field: \
             a quote opened on this line is never closed",
            ]
        );
    }

    #[test]
    fn quirks_that_are_no_damage() {
        // Text after a closing quote on one line, as csv-core reads it; a
        // doubled quote; a quoted line break; blank lines and CRLF.
        let body = "name,email,notes\r\n\"Smith\" John,john@example.org,\"say \"\"hi\"\"\r\nand bye\"\r\n\
                    \r\n\r\n\"Doe, Jane\" ,jane@example.org,\r\n";
        assert_eq!(
            read_ok(body.as_bytes()),
            [
                "2 Smith John: email john@example.org",
                "6 Doe, Jane: email jane@example.org",
            ]
        );
    }

    #[test]
    fn headerless_classification() {
        let body = "2024-01-31,Zoé,zoe@example.org,notes,31.01.2024\n\
                    Yann,1990-05-17,(06) 12-34.56.78,06 12\n\
                    @,Xavier,x@example.org ::: +33 6 98 76 54 32\n";
        assert_eq!(
            read_ok(body.as_bytes()),
            [
                "1 2024-01-31: email zoe@example.org",
                "2 Yann: msisdn (06) 12-34.56.78",
                "3 @: email x@example.org | msisdn +33 6 98 76 54 32",
            ]
        );
    }

    #[test]
    fn header_without_address_columns_reads_by_content() {
        let body = "Name,Notes\nAlice,alice@example.org\nBob,likes tea\n";
        assert_eq!(
            read_ok(body.as_bytes()),
            ["2 Alice: email alice@example.org"]
        );
    }

    #[test]
    fn cp1252_cells() {
        let body = b"Name;E-mail\nRen\xe9e \x80;renee@example.org\n";
        assert_eq!(read_ok(body), ["2 Renée €: email renee@example.org"]);
    }

    #[test]
    fn header_only_and_refusals() {
        assert_eq!(read(b"Name,E-mail Address,Mobile Phone\n").unwrap(), []);
        assert_eq!(read(b"Name,Email\nAlice,\nBob,\n").unwrap(), []);
        let why = read(b"Name,Notes,Birthday\nAlice,likes tea,1990-05-17\n").unwrap_err();
        assert!(
            why.starts_with("no email or phone column in the header (Name, Notes, Birthday)"),
            "{why}"
        );
        let why = read(b"lorem,ipsum\ndolor,sit\n").unwrap_err();
        assert!(
            why.starts_with("no header naming an email or phone column"),
            "{why}"
        );
        assert!(read(b"").is_err());
        assert!(read(b"\r\n\n").is_err());
    }

    #[test]
    fn sniffs_csv_content() {
        assert!(looks_like_csv("name,email\nAlice,alice@example.org\n"));
        assert!(looks_like_csv(
            "\n\nname;email;mobile\nA;a@example.org;06 12 34 56 78\n"
        ));
        assert!(looks_like_csv("name\temail\nA\ta@example.org\n"));
        assert!(looks_like_csv("\"a\nb\",c\nd,e\n"));
        assert!(looks_like_csv("a,b,c\nd,e\nf,g,h\n"));
        let noheader = include_bytes!("../../fixtures/noheader.csv");
        assert!(looks_like_csv(std::str::from_utf8(noheader).unwrap()));
        assert!(!looks_like_csv("a,b,c\nd\ne\n"));
        assert!(!looks_like_csv("alice@example.org\n+33 6 12 34 56 78\n"));
        assert!(!looks_like_csv(
            "# friends, family\nalice@example.org\nbob@example.org\n"
        ));
        assert!(!looks_like_csv("hello world\n"));
        assert!(!looks_like_csv(""));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_keeps_file_order(
            body in proptest::collection::vec(
                proptest::sample::select(b"\",;\t\r\n a@1+\xe9".to_vec()), 0..300),
        ) {
            let lines = u32::try_from(body.iter().filter(|&&b| b == b'\n').count()).unwrap() + 1;
            let _ = looks_like_csv(&to_text(&body));
            if let Ok(contacts) = read(&body) {
                let numbers: Vec<u32> = contacts.iter().map(|c| c.line).collect();
                proptest::prop_assert!(numbers.windows(2).all(|w| w[0] <= w[1]), "{numbers:?}");
                proptest::prop_assert!(numbers.iter().all(|&n| (1..=lines).contains(&n)));
            }
        }
    }
}
