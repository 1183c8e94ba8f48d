//! Address book readers: vCard (2.1, 3.0, 4.0), CSV (Google, Outlook,
//! Thunderbird, generic) and plain text; a folder is a vdir ([`vdir`]).
//!
//! A reader yields [`Contact`]s, each with the addresses it holds and the line
//! each was read on. Damage inside a file never aborts it: a broken card, row
//! or line becomes an [`Entry`] with a [`EntryKind::Broken`] reason, which the
//! report shows as an `invalid` result. Only a file that cannot be read, or
//! that is not an address book at all, is an error.
//!
//! The format is chosen by [`choose`]: `--input-format` first, then content
//! that is unambiguously vCard or CSV whatever the file's name (a vCard
//! saved as `.txt` is read as vCard, with a note saying so), then the
//! name's extension, then a guess from the content, all on the input's
//! first 64 KiB.
//!
//! Readers stream ([`input`]): a file or stdin is read in bounded pieces (a
//! line of text, a card, a segment of whole CSV records), each decoded on
//! its own, as its contacts are [taken](Opened::take), so that there is no
//! limit on an input's size and memory follows the contacts in flight, not
//! the file's bytes. What bounds a piece instead: an address over
//! [`MAX_ADDRESS_BYTES`], a card over 16 MiB, a CSV record over 4 MiB is
//! one `invalid` entry quoting its start, read past without being kept.

pub mod carddav;
mod csv;
mod decode;
mod input;
mod text;
pub mod vcard;
pub mod vdir;

use std::collections::VecDeque;
use std::fmt;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use crate::threepid::Medium;

pub use self::csv::{ColumnChoice, ColumnRef};
use self::input::HEAD_BYTES;

/// Where something was read: the file (as the user named it, `-` for stdin)
/// and the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file as named on the command line.
    pub file: Arc<str>,
    /// 1-based line number.
    pub line: u32,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One contact: a vCard, a CSV row, or a line of a text file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Display name, when the address book has one.
    pub name: Option<String>,
    /// The line the contact starts on.
    pub line: u32,
    /// The addresses (and broken parts) read for this contact, in file order.
    pub entries: Vec<Entry>,
    /// The vCard's bytes as read (not decoded, not closed if it was not),
    /// with the bytes after it up to the next card (blank lines); lines
    /// outside any card are a contact of their own with their bytes here.
    /// Together, a file's contacts hold every byte of it. Kept only when
    /// [`ReadOptions::keep_cards`] asks, for writing the book back.
    pub card: Option<Vec<u8>>,
}

/// What a reader keeps besides the addresses, and how it reads CSV columns.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Keep each vCard's text ([`Contact::card`]), for `--format vcard`.
    pub keep_cards: bool,
    /// The CSV columns to read as email addresses and phone numbers instead
    /// of those the header names (`--email-column`, `--phone-column`).
    pub columns: ColumnChoice,
}

/// Something a reader says about a file besides its contacts: a column of
/// addresses read by its content (a note, for `-v`), or one skipped (a
/// warning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// A warning, else a note.
    pub warning: bool,
    /// Where: the file and the line (a CSV file's header).
    pub source: Source,
    /// What happened; text from the file in it is sanitised.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.message)
    }
}

/// Something read from a contact that becomes one result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The text as written in the file (decoded, unfolded, unescaped).
    pub input: String,
    /// The line it was read on.
    pub line: u32,
    /// What it is.
    pub kind: EntryKind,
}

/// What an [`Entry`] holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// An address whose medium the file states (an `EMAIL` property, a phone
    /// column).
    Address(Medium),
    /// An address whose medium is to be guessed from its text (plain text,
    /// CSV without a header).
    Unknown,
    /// A part of the file that could not be read as an address: the reason.
    Broken(String),
}

impl Contact {
    /// A contact of one broken entry on `line`: what was read there
    /// (`input`), and why it is no address.
    pub(crate) fn broken(input: impl Into<String>, line: u32, reason: impl Into<String>) -> Self {
        Contact {
            name: None,
            line,
            entries: vec![Entry::broken(input, line, reason)],
            card: None,
        }
    }

    /// Where reading an input stopped on a read error, and why.
    pub(crate) fn stopped(line: u32, why: impl fmt::Display) -> Self {
        Contact::broken(
            "",
            line,
            format!("reading stopped here: {why}; the rest of the input was not read"),
        )
    }
}

impl Entry {
    pub(crate) fn address(input: impl Into<String>, line: u32, medium: Medium) -> Self {
        Entry {
            input: input.into(),
            line,
            kind: EntryKind::Address(medium),
        }
    }

    pub(crate) fn broken(input: impl Into<String>, line: u32, reason: impl Into<String>) -> Self {
        Entry {
            input: input.into(),
            line,
            kind: EntryKind::Broken(reason.into()),
        }
    }
}

/// An address book read from one file.
#[derive(Debug, Clone)]
pub struct Book {
    /// The file as named on the command line (`-` for stdin).
    pub file: Arc<str>,
    /// The format it was read as.
    pub format: Format,
    /// Its contacts, in file order.
    pub contacts: Vec<Contact>,
}

/// An address book format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// vCard 2.1, 3.0 or 4.0.
    Vcard,
    /// CSV with a header naming email or phone columns, or with none.
    Csv,
    /// One address per line.
    Text,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        <Format as clap::ValueEnum>::from_str(s, true)
    }
}

impl Format {
    /// Its name in a sentence: `vCard`, `CSV`, `text`.
    fn human(self) -> &'static str {
        match self {
            Format::Vcard => "vCard",
            Format::Csv => "CSV",
            Format::Text => "text",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Vcard => "vcard",
            Format::Csv => "csv",
            Format::Text => "text",
        })
    }
}

/// Why a file could not be read as an address book.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("cannot read {file}: {source}")]
    Io {
        /// The file as named.
        file: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file was read but holds no address book.
    #[error("{file} is not an address book: {why}")]
    NotAnAddressBook {
        /// The file as named.
        file: String,
        /// What was found instead.
        why: String,
    },
    /// A folder with no `.vcf` file in it nor in its sub-folders ([`vdir`]).
    #[error("{folder} is a folder with no .vcf file in it")]
    NoCards {
        /// The folder as named.
        folder: String,
    },
    /// A column named by `--email-column` or `--phone-column` is not in
    /// the file.
    #[error("{file}:{line}: {why}")]
    Column {
        /// The file as named.
        file: String,
        /// The line of its header.
        line: u32,
        /// What is wrong.
        why: String,
        /// What to do: the header's columns.
        hint: String,
    },
}

/// Reads `path` (`-` for standard input) as an address book, in `format` or,
/// when `None`, in the format its content or its name says ([`choose`]).
pub fn read_path(path: &str, format: Option<Format>) -> Result<Book, ReadError> {
    read_path_with(path, format, ReadOptions::default())
}

/// [`read_path`], keeping what `options` asks for.
pub fn read_path_with(
    path: &str,
    format: Option<Format>,
    options: ReadOptions,
) -> Result<Book, ReadError> {
    open_path(path, format, options).map(Opened::into_book)
}

/// Opens `path` (`-` for standard input) and checks that it is an address
/// book, in `format` or, when `None`, in the format its content or its name
/// says ([`choose`]); its contacts are then [taken](Opened::take) a chunk at
/// a time, read as they are taken.
pub fn open_path(
    path: &str,
    format: Option<Format>,
    options: ReadOptions,
) -> Result<Opened, ReadError> {
    let io_error = |source| ReadError::Io {
        file: path.to_owned(),
        source,
    };
    let reader: Box<dyn Read + Send> = if path == "-" {
        Box::new(std::io::stdin())
    } else {
        // A folder opens, and fails on its first read (in `open_reader`).
        Box::new(std::fs::File::open(path).map_err(io_error)?)
    };
    open_reader(path, reader, format, options)
}

/// An address book checked and being read: its contacts are taken in
/// order, a chunk at a time, each chunk read from the input as it is taken
/// (vCards are parsed as they are taken, on every core).
pub struct Opened {
    /// The file as named on the command line (`-` for stdin).
    pub file: Arc<str>,
    /// The format it is read as.
    pub format: Format,
    /// What reading it says besides its contacts, in file order.
    pub notices: Vec<Notice>,
    /// Contacts read ahead (to check the input) and not yet taken.
    ahead: VecDeque<Contact>,
    contacts: Contacts,
}

/// The reader of what is left.
enum Contacts {
    Text(text::Lines),
    Csv(csv::CsvReader),
    Cards(vcard::Cards),
    /// Checked, closed, and opened again when its contacts are taken (a
    /// vdir's items: thousands of files must not all be open at once).
    Later(ReadOptions),
    /// Nothing more to read.
    Ended,
}

impl Opened {
    /// How many contacts were read and not yet taken: those read ahead to
    /// check the input. The rest are read as they are taken, so their count
    /// is not known before.
    pub fn len(&self) -> usize {
        match &self.contacts {
            Contacts::Cards(cards) => self.ahead.len() + cards.len(),
            Contacts::Later(_) => 1,
            _ => self.ahead.len(),
        }
    }

    /// Whether every contact was taken (known only once the input's end
    /// was read).
    pub fn is_empty(&self) -> bool {
        self.ahead.is_empty()
            && match &self.contacts {
                Contacts::Cards(cards) => cards.is_done(),
                Contacts::Text(lines) => lines.is_done(),
                Contacts::Csv(reader) => reader.is_done(),
                Contacts::Later(_) => false,
                Contacts::Ended => true,
            }
    }

    /// Closes the input, to be opened again by the first [`Opened::take`].
    fn defer(&mut self, options: ReadOptions) {
        self.ahead.clear();
        self.contacts = Contacts::Later(options);
    }

    /// Opens again an input [`Opened::defer`] closed; a failure (the file
    /// gone since it was checked) is one broken contact saying so.
    fn reopen(&mut self, options: ReadOptions) {
        match open_path(&self.file, Some(self.format), options) {
            Ok(opened) => {
                self.ahead = opened.ahead;
                self.contacts = opened.contacts;
            }
            Err(e) => {
                self.ahead = VecDeque::from([Contact::broken("", 1, format!("{e}; not read"))]);
                self.contacts = Contacts::Ended;
            }
        }
    }

    /// The next `n` contacts at most, in file order; none at the end.
    pub fn take(&mut self, n: usize) -> Vec<Contact> {
        if let Contacts::Later(options) = &self.contacts {
            let options = options.clone();
            self.reopen(options);
        }
        let from_ahead = self.ahead.len().min(n);
        let mut contacts: Vec<Contact> = self.ahead.drain(..from_ahead).collect();
        let mut wanted = n - from_ahead;
        match &mut self.contacts {
            Contacts::Cards(cards) => contacts.extend(cards.take(wanted)),
            Contacts::Text(lines) => {
                contacts.extend(std::iter::from_fn(|| lines.next()).take(wanted));
            }
            Contacts::Later(_) | Contacts::Ended => {}
            Contacts::Csv(reader) => {
                while wanted > 0 {
                    let Some(mut more) = reader.next_contacts() else {
                        break;
                    };
                    if more.len() > wanted {
                        self.ahead.extend(more.drain(wanted..));
                    }
                    wanted -= more.len();
                    contacts.extend(more);
                }
            }
        }
        for entry in contacts.iter_mut().flat_map(|c| &mut c.entries) {
            cap_address(entry);
        }
        contacts
    }

    /// Every contact, as a [`Book`].
    pub fn into_book(mut self) -> Book {
        let contacts = self.take(usize::MAX);
        Book {
            file: self.file,
            format: self.format,
            contacts,
        }
    }
}

/// The longest text that becomes one address (a text line, a CSV cell, an
/// `EMAIL` or `TEL` value). Longer ones are `invalid` entries quoting only
/// their start, so that a runaway line is neither normalised nor echoed.
pub const MAX_ADDRESS_BYTES: usize = 4096;

/// Reads every file of `paths` in order, stopping at the first that cannot
/// be read as an address book.
pub fn read_all(
    paths: &[String],
    format: Option<Format>,
    options: ReadOptions,
) -> Result<Vec<Book>, ReadError> {
    Ok(open_all(paths, format, options)?
        .into_iter()
        .map(Opened::into_book)
        .collect())
}

/// Opens every file of `paths` in order (a folder: each of its vdir items,
/// [`vdir::items`]), stopping at the first that cannot be read as an
/// address book: no contact is taken from any file before every file is
/// known to be one. Each plain file is closed once checked and opened again
/// when its contacts are taken, so that thousands of files (a vdir's
/// items) never hold thousands of descriptors.
pub fn open_all(
    paths: &[String],
    format: Option<Format>,
    options: ReadOptions,
) -> Result<Vec<Opened>, ReadError> {
    let mut opened = Vec::with_capacity(paths.len());
    for path in paths {
        // A folder is a vdir: each of its items is a file of its own.
        if path != "-" && Path::new(path).is_dir() {
            for item in vdir::items(path)? {
                let mut item_opened = open_path(&item, format, options.clone())?;
                item_opened.defer(options.clone());
                opened.push(item_opened);
            }
        } else {
            let mut file_opened = open_path(path, format, options.clone())?;
            // A plain file is read again when its turn comes, so that any
            // number of files can be named; a pipe or stdin stays open.
            if path != "-" && std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
                file_opened.defer(options.clone());
            }
            opened.push(file_opened);
        }
    }
    Ok(opened)
}

/// Reads an address book already in memory, in `format` or, when `None`, in
/// the format its content or `name` says ([`choose`]); `name` is how results
/// cite it.
pub fn read_bytes(name: &str, bytes: &[u8], format: Option<Format>) -> Result<Book, ReadError> {
    read_bytes_with(name, bytes, format, ReadOptions::default())
}

/// [`read_bytes`], keeping what `options` asks for.
pub fn read_bytes_with(
    name: &str,
    bytes: &[u8],
    format: Option<Format>,
    options: ReadOptions,
) -> Result<Book, ReadError> {
    open_bytes(name, bytes.to_vec(), format, options).map(Opened::into_book)
}

/// Checks that `bytes` hold an address book and opens it, in `format` or,
/// when `None`, in the format its content or `name` says ([`choose`]);
/// `name` is how results cite it.
pub fn open_bytes(
    name: &str,
    bytes: Vec<u8>,
    format: Option<Format>,
    options: ReadOptions,
) -> Result<Opened, ReadError> {
    open_reader(name, Box::new(std::io::Cursor::new(bytes)), format, options)
}

/// Checks that what `reader` yields is an address book and opens it, in
/// `format` or, when `None`, in the format its start or `name` says
/// ([`choose`]); `name` is how results cite it. Only its start is read
/// (and, for a text or CSV file, up to its first contact, for a vCard file
/// up to its first card): the rest is read as contacts are taken.
pub fn open_reader(
    name: &str,
    reader: Box<dyn Read + Send>,
    format: Option<Format>,
    options: ReadOptions,
) -> Result<Opened, ReadError> {
    let file: Arc<str> = Arc::from(name);
    let not_book = |why: String| ReadError::NotAnAddressBook {
        file: name.to_owned(),
        why,
    };
    let mut input = input::start(reader).map_err(|source| ReadError::Io {
        file: name.to_owned(),
        source,
    })?;
    let head = std::mem::take(&mut input.head);
    let bom = std::mem::take(&mut input.bom);
    if head.len() < HEAD_BYTES && head.iter().all(u8::is_ascii_whitespace) {
        return Err(not_book("the file is empty".to_owned()));
    }
    if decode::looks_binary(&head) {
        return Err(not_book("it holds binary data".to_owned()));
    }
    let (format, note) = choose(&file, format, &head);
    let mut notices: Vec<Notice> = note.into_iter().collect();
    // A legacy charset: CSV and text are read in it; a vCard is read as it
    // is (each card in UTF-8, else Windows-1252, each value in its
    // `CHARSET`), to be written back byte for byte.
    let transcode = format != Format::Vcard;
    if let Some(charset) = input.legacy.filter(|_| transcode) {
        notices.push(Notice {
            warning: false,
            source: Source {
                file: Arc::clone(&file),
                line: 1,
            },
            message: format!("read as {} (its charset, as detected)", charset.name()),
            hint: None,
        });
    }
    let reader = input.lines(transcode);
    let (ahead, contacts) = match format {
        Format::Vcard => vcard::Cards::open(reader, options.keep_cards, bom)
            .map(|cards| (Vec::new(), Contacts::Cards(cards))),
        Format::Csv => match csv::open(&head, reader, &options.columns) {
            Ok((ahead, csv, said)) => {
                notices.extend(said.into_iter().map(|n| Notice {
                    warning: n.warning,
                    source: Source {
                        file: Arc::clone(&file),
                        line: n.line,
                    },
                    message: n.message,
                    hint: n.hint,
                }));
                Ok((ahead, Contacts::Csv(csv)))
            }
            Err(csv::CsvError::NotBook(why)) => Err(why),
            Err(csv::CsvError::Column { line, why, hint }) => {
                return Err(ReadError::Column {
                    file: name.to_owned(),
                    line,
                    why,
                    hint,
                });
            }
        },
        Format::Text => {
            text::Lines::open(reader).map(|(ahead, lines)| (ahead, Contacts::Text(lines)))
        }
    }
    .map_err(not_book)?;
    Ok(Opened {
        file,
        format,
        notices,
        ahead: ahead.into(),
        contacts,
    })
}

/// An address longer than [`MAX_ADDRESS_BYTES`] becomes a broken entry
/// quoting its start.
fn cap_address(entry: &mut Entry) {
    if matches!(entry.kind, EntryKind::Broken(_)) || entry.input.len() <= MAX_ADDRESS_BYTES {
        return;
    }
    let reason = too_long(entry.input.len());
    entry.input = preview(&entry.input);
    entry.kind = EntryKind::Broken(reason);
}

/// Why an over-long address was skipped.
pub(crate) fn too_long(bytes: usize) -> String {
    format!("{bytes} bytes long, over the {MAX_ADDRESS_BYTES}-byte limit for one address; skipped")
}

/// At most 80 characters of a text, trimmed, for a broken entry's `input`.
pub(crate) fn preview(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// The format a file name implies, if any.
pub fn format_from_name(path: &str) -> Option<Format> {
    let ext = Path::new(path).extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "vcf" | "vcard" => Some(Format::Vcard),
        "csv" | "tsv" => Some(Format::Csv),
        "txt" | "text" | "list" => Some(Format::Text),
        _ => None,
    }
}

/// How much of a file's start the format is told from.
const SAMPLE_BYTES: usize = 64 * 1024;

/// The first [`SAMPLE_BYTES`] of `body` at most, cut after a line end (so
/// that neither a character nor a record is cut) unless one line is longer.
fn sample(body: &[u8]) -> &[u8] {
    if body.len() <= SAMPLE_BYTES {
        return body;
    }
    let start = &body[..SAMPLE_BYTES];
    match start.iter().rposition(|&b| b == b'\n') {
        Some(end) => &start[..=end],
        None => start,
    }
}

/// The format to read `body` in, and, when its content overrides its name,
/// the note saying so (`file` is the file as named): `forced`
/// (`--input-format`) wins; else content that is [unambiguously](unambiguous)
/// vCard or CSV, whatever the name; else the format the name implies
/// ([`format_from_name`]); else a guess from the content ([`sniff`]).
pub fn choose(file: &Arc<str>, forced: Option<Format>, body: &[u8]) -> (Format, Option<Notice>) {
    if let Some(format) = forced {
        return (format, None);
    }
    let named = format_from_name(file);
    match (unambiguous(body), named) {
        (Some((content, line)), Some(named)) if content != named => {
            let note = Notice {
                warning: false,
                source: Source {
                    file: Arc::clone(file),
                    line,
                },
                message: format!(
                    "read as {content}: its content is {content}, though its name says {named}",
                    content = content.human(),
                    named = named.human()
                ),
                hint: None,
            };
            (content, Some(note))
        }
        (Some((content, _)), _) => (content, None),
        (None, Some(named)) => (named, None),
        (None, None) => (sniff(body), None),
    }
}

/// The format `body` holds beyond doubt, and the line that shows it: vCard
/// when its first non-blank line is `BEGIN:VCARD` (any case); CSV when its
/// records split into two or more fields and the first is a header naming
/// an email or phone column. A list of addresses, one a line, is neither:
/// a text file and a one-column CSV file alike.
pub fn unambiguous(body: &[u8]) -> Option<(Format, u32)> {
    let body = sample(body);
    let (index, first) = body
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .enumerate()
        .find(|(_, line)| !line.is_empty())?;
    if first.eq_ignore_ascii_case(b"BEGIN:VCARD") {
        return Some((Format::Vcard, u32::try_from(index + 1).unwrap_or(u32::MAX)));
    }
    let line = csv::address_header(&decode::to_text(body))?;
    Some((Format::Csv, line))
}

/// Guesses the format from the first lines of the content.
pub fn sniff(body: &[u8]) -> Format {
    let text = decode::to_text(sample(body));
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let Some(first) = lines.next() else {
        return Format::Text;
    };
    if first.to_ascii_uppercase().starts_with("BEGIN:VCARD") {
        return Format::Vcard;
    }
    if csv::looks_like_csv(&text) {
        Format::Csv
    } else {
        Format::Text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_over_long_cell_or_value_is_quoted_not_kept() {
        let long = format!("{}@example.org", "a".repeat(MAX_ADDRESS_BYTES));
        let csv = format!("Name,Email\nA,{long}\nB,b@example.org\n");
        let vcard = format!("BEGIN:VCARD\nFN:A\nEMAIL:{long}\nEND:VCARD\n");
        for (body, format) in [(csv, Format::Csv), (vcard, Format::Vcard)] {
            let book = read_bytes("t", body.as_bytes(), Some(format)).unwrap();
            let entry = &book.contacts[0].entries[0];
            assert_eq!(entry.input, format!("{}…", "a".repeat(80)), "{format}");
            assert!(
                matches!(&entry.kind, EntryKind::Broken(r) if r.contains("4096-byte limit")),
                "{entry:?}"
            );
        }
    }

    #[test]
    fn only_content_beyond_doubt_overrides_a_name() {
        let vcard = b"\n  begin:vcard \r\nFN:A\r\nEND:VCARD\r\n";
        assert_eq!(unambiguous(vcard), Some((Format::Vcard, 2)));
        let csv = b"\nName;E-mail Address\nA;a@example.org\n";
        assert_eq!(unambiguous(csv), Some((Format::Csv, 2)));
        // A one-column list, a header naming no address column, addresses
        // with no header, a vCard after other text: the name decides.
        assert_eq!(unambiguous(b"Email\na@example.org\n"), None);
        assert_eq!(unambiguous(b"Name,Company\nA,B\nC,D\n"), None);
        assert_eq!(unambiguous(b"a@example.org,b@example.org\n"), None);
        assert_eq!(unambiguous(b"# cards\nBEGIN:VCARD\nEND:VCARD\n"), None);
    }

    #[test]
    fn the_sample_ends_after_a_line_end() {
        let body = "Nom,Téléphone\n".repeat(SAMPLE_BYTES / 10);
        let cut = sample(body.as_bytes());
        assert!(cut.len() <= SAMPLE_BYTES && cut.ends_with(b"\n"));
        assert!(std::str::from_utf8(cut).is_ok());
        assert_eq!(sample(b"short"), b"short");
    }
}
