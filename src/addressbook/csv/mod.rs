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
//! or name column (or a column the command line names) and none of them
//! looks like an address. Header cells are matched on words, case and
//! accents aside, in the languages Outlook and Google export in
//! ([`headers`]): `Phonetic First Name` is no phone, `Telex` no telephone,
//! `E-mail Display Name` no email column, and `… Type` / `… Label`
//! columns, fax and pager columns are never looked up. A column no header
//! word claims is read when most of its cells are valid addresses, and
//! named in a warning when some are. Without a header, or with one naming
//! no email or phone column, cells are classified by content: an `@` makes
//! an email address, a run of digits a phone number, and the first other
//! cell names the contact. `--email-column` and `--phone-column`
//! ([`ColumnChoice`]) override the header: only the columns they name are
//! read for their medium. Google's ` ::: ` joins several values in one
//! cell; each becomes its own entry.
//!
//! The [`scan`](mod@scan) module finds record boundaries and broken rows and
//! yields the records; [`headers`] says what a header cell names; [`cells`]
//! what a cell, and a whole column, looks like;
//! [`columns`] decides how each column is read and turns each row into a
//! contact; this module decodes, sniffs the dialect and puts them together.

mod cells;
mod columns;
mod headers;
mod scan;
mod stream;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use self::cells::gather;
use self::columns::{Header, Layout};
use self::headers::Named;
use self::scan::{Row, Rows, scan, skip_line_ends};
use self::stream::{MAX_RECORD_BYTES, Segment, Segments};
use super::decode::to_text;
use super::input::LineReader;
use super::{Contact, preview};
use crate::threepid::Medium;

/// The delimiters sniffed, in order of preference on a tie.
const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];
/// How many records the sniffer counts fields in.
const SAMPLE_RECORDS: usize = 20;

/// A column named on the command line: by its header (case and accents
/// aside) or by its number, 1 for the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    /// The header cell naming it.
    Name(String),
    /// Its number, from 1.
    Number(usize),
}

impl FromStr for ColumnRef {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err("a column is a header name or a number, 1 for the first".to_owned());
        }
        if s.bytes().all(|b| b.is_ascii_digit()) {
            return match s.parse::<usize>() {
                Ok(n) if n >= 1 => Ok(ColumnRef::Number(n)),
                _ => Err(format!("`{s}` is no column number: 1 is the first")),
            };
        }
        Ok(ColumnRef::Name(s.to_owned()))
    }
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnRef::Name(name) => f.write_str(name),
            ColumnRef::Number(n) => write!(f, "{n}"),
        }
    }
}

/// The CSV columns named on the command line (`--email-column`,
/// `--phone-column`): for each medium named, only those columns are read
/// as it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnChoice {
    /// Columns of email addresses.
    pub email: Vec<ColumnRef>,
    /// Columns of phone numbers.
    pub phone: Vec<ColumnRef>,
}

impl ColumnChoice {
    /// Whether no column is named.
    pub fn is_empty(&self) -> bool {
        self.email.is_empty() && self.phone.is_empty()
    }

    /// Every column named, with its medium.
    fn all(&self) -> impl Iterator<Item = (Medium, &ColumnRef)> {
        let email = self.email.iter().map(|c| (Medium::Email, c));
        email.chain(self.phone.iter().map(|c| (Medium::Msisdn, c)))
    }
}

/// What reading a CSV file says besides its contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CsvNotice {
    /// A warning (a column that looks like addresses is skipped), else a
    /// note for `-v` (a column is read by its content).
    pub(crate) warning: bool,
    /// The line it is about (the header's).
    pub(crate) line: u32,
    /// What happened.
    pub(crate) message: String,
    /// What to do about it.
    pub(crate) hint: Option<String>,
}

/// Why a CSV file is not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CsvError {
    /// It is no address book: why.
    NotBook(String),
    /// A column named on the command line is not in it.
    Column {
        /// The header's line.
        line: u32,
        /// What is wrong.
        why: String,
        /// What to do.
        hint: String,
    },
}

/// A CSV input opened: the contacts read ahead to check it, the reader of
/// the rest, and what to say about its columns.
pub(crate) type Opened = (Vec<Contact>, CsvReader, Vec<CsvNotice>);

/// The records of a CSV input after those read to open it, a segment
/// ([`stream`]) at a time.
pub(crate) struct CsvReader {
    segments: Segments,
    delimiter: u8,
    layout: Layout,
}

impl CsvReader {
    /// Whether the input's end was read.
    pub(crate) fn is_done(&self) -> bool {
        self.segments.is_done()
    }

    /// The contacts of the next segment (none for a segment of blank lines
    /// or of rows without addresses); `None` at the end.
    pub(crate) fn next_contacts(&mut self) -> Option<Vec<Contact>> {
        let segment = self.segments.next_segment()?;
        Some(match segment {
            Segment::Records { bytes, first_line } => {
                let text = to_text(&bytes);
                Rows::new(&text, 0, self.delimiter, first_line)
                    .filter_map(|row| self.layout.contact(row))
                    .collect()
            }
            Segment::Long(line, start, len) => vec![long_row(line, &start, len)],
            Segment::Stopped(line, why) => vec![Contact::stopped(line, why)],
        })
    }
}

/// A line too long to be a record, as one broken row.
fn long_row(line: u32, start: &[u8], len: u64) -> Contact {
    let cut = start.len().min(4 * 80);
    Contact::broken(
        preview(&to_text(&start[..cut])),
        line,
        format!(
            "line {len} bytes long, over the {} MiB limit for one CSV record; skipped",
            MAX_RECORD_BYTES >> 20
        ),
    )
}

/// Opens a CSV address book, with the columns `choice` names: `head` is
/// its start (the delimiter is sniffed there), `input` all of it. The
/// header, and the content of columns no header word claims, are read in
/// its first segment (a MiB or so). `Err` when it is no address book (no
/// record at all, or neither a header naming an email or phone column nor a
/// cell that looks like an address, checked by reading ahead to the first
/// contact), or has no column `choice` names.
pub(crate) fn open(
    head: &[u8],
    input: LineReader,
    choice: &ColumnChoice,
) -> Result<Opened, CsvError> {
    let (start, delimiter) = dialect(&to_text(super::sample(head)));
    let mut segments = Segments::new(input, delimiter);
    let mut start = Some(start);
    let mut ahead = Vec::new();
    // The first segment holding a record: its text and where it starts.
    let (text, first_line, from) = loop {
        match segments.next_segment() {
            Some(Segment::Records { bytes, first_line }) => {
                let from = start.take().unwrap_or(0);
                let text = to_text(&bytes).into_owned();
                if Rows::new(&text, from, delimiter, first_line)
                    .next()
                    .is_some()
                {
                    break (text, first_line, from);
                }
            }
            Some(Segment::Long(line, start, len)) => ahead.push(long_row(line, &start, len)),
            Some(Segment::Stopped(..)) | None => {
                return Err(CsvError::NotBook("no CSV record in it".to_owned()));
            }
        }
    };
    let rows = || Rows::new(&text, from, delimiter, first_line);
    let first = rows().next().expect("a record");
    let header = Header::detect(&first, choice);
    let skip = usize::from(header.is_some());
    let (layout, notices) = Layout::new(header, choice, |wanted, beyond| {
        gather(rows().skip(skip), wanted, beyond)
    })?;
    ahead.extend(rows().skip(skip).filter_map(|row| layout.contact(row)));
    let mut reader = CsvReader {
        segments,
        delimiter,
        layout,
    };
    while ahead.is_empty() && !reader.layout.names_addresses() {
        match reader.next_contacts() {
            Some(contacts) => ahead.extend(contacts),
            None => return Err(CsvError::NotBook(not_book(&reader.layout, &notices))),
        }
    }
    Ok((ahead, reader, notices))
}

/// Why a CSV file with no contact is no address book: a column skipped for
/// having too few address-like cells is the likely answer: say which, and
/// how to read it.
fn not_book(layout: &Layout, notices: &[CsvNotice]) -> String {
    match notices.iter().find(|n| n.warning) {
        Some(skipped) => format!(
            "no email or phone column was recognised; {}{}",
            skipped.message,
            skipped
                .hint
                .as_deref()
                .map(|h| format!(" ({h})"))
                .unwrap_or_default()
        ),
        None => layout.why_not(),
    }
}

/// A CSV file read whole: its contacts, and what to say about its columns.
#[cfg(test)]
pub(crate) fn read(
    body: &[u8],
    choice: &ColumnChoice,
) -> Result<(Vec<Contact>, Vec<CsvNotice>), CsvError> {
    let input = LineReader::new(Box::new(std::io::Cursor::new(body.to_vec())));
    let (mut contacts, mut reader, notices) = open(body, input, choice)?;
    while let Some(more) = reader.next_contacts() {
        contacts.extend(more);
    }
    Ok((contacts, notices))
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

/// The line of the header when `text` is CSV beyond doubt: it [looks like
/// CSV](looks_like_csv) and its first record is a [header](Header::detect)
/// with a cell naming an email or phone column. A list of addresses, one a
/// line, never is: it has no second field, and no header.
pub(crate) fn address_header(text: &str) -> Option<u32> {
    if !looks_like_csv(text) {
        return None;
    }
    let (start, delimiter) = dialect(text);
    let first = Rows::new(text, start, delimiter, 1).next()?;
    Header::detect(&first, &ColumnChoice::default())?;
    let Row::Cells(line, cells) = first else {
        return None;
    };
    cells
        .iter()
        .any(|cell| matches!(headers::classify(cell), Named::Email | Named::Phone))
        .then_some(line)
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

    pub(super) fn read_ok(body: &[u8]) -> Vec<String> {
        show(&read(body, &ColumnChoice::default()).unwrap().0)
    }

    /// The contacts, and the notices as `note LINE: message` or
    /// `warning LINE: message (hint: hint)`.
    pub(super) fn read_with(body: &[u8], choice: &ColumnChoice) -> (Vec<String>, Vec<String>) {
        let (contacts, notices) = read(body, choice).unwrap();
        let notices = notices
            .iter()
            .map(|n| {
                let kind = if n.warning { "warning" } else { "note" };
                let hint = n.hint.as_ref().map(|h| format!(" (hint: {h})"));
                format!(
                    "{kind} {}: {}{}",
                    n.line,
                    n.message,
                    hint.unwrap_or_default()
                )
            })
            .collect();
        (show(&contacts), notices)
    }

    fn read_plain(body: &[u8]) -> Result<Vec<Contact>, String> {
        match read(body, &ColumnChoice::default()) {
            Ok((contacts, _)) => Ok(contacts),
            Err(CsvError::NotBook(why)) => Err(why),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn google_current_generation() {
        assert_eq!(
            read_ok(include_bytes!("../../../fixtures/google.csv")),
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
            read_ok(include_bytes!("../../../fixtures/google-legacy.csv")),
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
        let body: &[u8] = include_bytes!("../../../fixtures/outlook.csv");
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
            read_ok(include_bytes!("../../../fixtures/thunderbird.csv")),
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
            read_ok(include_bytes!("../../../fixtures/generic-semicolon.csv")),
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
            read_ok(include_bytes!("../../../fixtures/generic.tsv")),
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
            read_ok(include_bytes!("../../../fixtures/noheader.csv")),
            [
                "1 Alice Martin: email alice.martin@example.org | msisdn +33 6 12 34 56 78",
                "2 Bastien Roux: email bastien.roux@example.net | msisdn 06 98 76 54 32",
                "3 Carla Rossi: email carla.rossi@example.it",
                "4 Dan Smith: msisdn +44 7400 123456 | email dan.smith@example.co.uk",
                "5 Eve Adams, PhD: email eve@example.org | msisdn +1 201-555-0123",
            ]
        );
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
    fn cp1252_cells() {
        let body = b"Name;E-mail\nRen\xe9e \x80;renee@example.org\n";
        assert_eq!(read_ok(body), ["2 Renée €: email renee@example.org"]);
    }

    #[test]
    fn header_only_and_refusals() {
        assert_eq!(
            read_plain(b"Name,E-mail Address,Mobile Phone\n").unwrap(),
            []
        );
        assert_eq!(read_plain(b"Name,Email\nAlice,\nBob,\n").unwrap(), []);
        let why = read_plain(b"Name,Notes,Birthday\nAlice,likes tea,1990-05-17\n").unwrap_err();
        assert!(
            why.starts_with("no email or phone column in the header (Name, Notes, Birthday)"),
            "{why}"
        );
        let why = read_plain(b"lorem,ipsum\ndolor,sit\n").unwrap_err();
        assert!(
            why.starts_with("no header naming an email or phone column"),
            "{why}"
        );
        assert!(read_plain(b"").is_err());
        assert!(read_plain(b"\r\n\n").is_err());
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
        let noheader = include_bytes!("../../../fixtures/noheader.csv");
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
            if let Ok(contacts) = read_plain(&body) {
                let numbers: Vec<u32> = contacts.iter().map(|c| c.line).collect();
                proptest::prop_assert!(numbers.windows(2).all(|w| w[0] <= w[1]), "{numbers:?}");
                proptest::prop_assert!(numbers.iter().all(|&n| (1..=lines).contains(&n)));
            }
        }
    }
}
