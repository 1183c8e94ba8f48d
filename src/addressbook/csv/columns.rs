//! What a CSV file's columns hold, and how a row becomes a contact.
//!
//! A [`Layout`] says, for each column, how its cells are read. It is built
//! from three things, strongest first: the columns named on the command
//! line (`--email-column`, `--phone-column`: only those are read for their
//! medium), the header's words ([`headers::classify`]), and the cells
//! themselves: a column no rule claims is read when most of its cells are
//! valid addresses ([`Stats::mostly_addresses`]), and named in a warning
//! when only some are. Without a header, or with one naming no email or
//! phone column, cells no column claims are classified one by one
//! ([`medium_of`]).

use csv::StringRecord;

use super::cells::{Stats, looks_like_address, medium_of, values};
use super::headers::{self, Named, fold};
use super::scan::{Row, cut};
use super::{ColumnChoice, ColumnRef, CsvError, CsvNotice};
use crate::addressbook::{Contact, Entry};
use crate::sanitize::for_terminal;
use crate::threepid::Medium;

/// How many header cells a hint lists.
const LISTED_COLUMNS: usize = 60;

/// How a column's cells are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    /// Addresses of this medium: the header or the command line says so.
    Address(Medium),
    /// Addresses found by content: each value of its own medium when it
    /// shows one, else of the column's.
    ByContent(Medium),
    /// The contact's whole name.
    FullName,
    /// A given name.
    FirstName,
    /// A middle name.
    MiddleName,
    /// A family name.
    LastName,
    /// Each value classified on its own; the first other one names the
    /// contact.
    Guess,
    /// No rule claims it: decided by its content before reading.
    Unclaimed,
    /// Not read.
    Skipped,
}

impl Column {
    fn from_header(header: &str) -> Column {
        match headers::classify(header) {
            Named::Email => Column::Address(Medium::Email),
            Named::Phone => Column::Address(Medium::Msisdn),
            Named::FullName => Column::FullName,
            Named::FirstName => Column::FirstName,
            Named::MiddleName => Column::MiddleName,
            Named::LastName => Column::LastName,
            Named::NotLookedUp => Column::Skipped,
            Named::Nothing => Column::Unclaimed,
        }
    }

    fn is_address(self) -> bool {
        matches!(self, Column::Address(_) | Column::ByContent(_))
    }
}

// ---------------------------------------------------------------------------
// The header.

/// The header row.
#[derive(Debug)]
pub(super) struct Header {
    /// Its line.
    line: u32,
    /// Its cells, trimmed.
    cells: Vec<String>,
}

impl Header {
    /// The first row as a header: when one of its cells names a column
    /// (by its words, or as the command line names one) and none of them
    /// looks like an address.
    pub(super) fn detect(first: &Row, choice: &ColumnChoice) -> Option<Header> {
        let Row::Cells(line, cells) = first else {
            return None;
        };
        if cells.iter().any(looks_like_address) {
            return None;
        }
        let names_any = cells
            .iter()
            .any(|c| !matches!(headers::classify(c), Named::Nothing | Named::NotLookedUp));
        let named_by_user = choice
            .all()
            .any(|(_, column)| matches!(column, ColumnRef::Name(name) if position(cells.iter(), name).is_some()));
        (names_any || named_by_user).then(|| Header {
            line: *line,
            cells: cells.iter().map(|c| c.trim().to_owned()).collect(),
        })
    }
}

/// Where the cell named `name` is among `cells`, case and accents aside.
fn position<'a>(mut cells: impl Iterator<Item = &'a str>, name: &str) -> Option<usize> {
    let name = fold(name.trim());
    cells.position(|cell| fold(cell.trim()) == name)
}

// ---------------------------------------------------------------------------
// Layout: how a row's cells become a contact.

/// How the cells of a row are read.
#[derive(Debug)]
pub(super) struct Layout {
    /// One per column; cells past the end are [`Column::Guess`]. Empty
    /// without a header and without columns on the command line.
    columns: Vec<Column>,
    /// The header's cells, to name columns in messages.
    header: Option<Vec<String>>,
    /// Media the command line names columns for: no other column is read
    /// as one of them.
    chosen: Vec<Medium>,
}

impl Layout {
    /// The layout of a file with this header (if any) and the columns of
    /// `choice`; `stats` measures the cells of the columns it is asked
    /// about. Also says which columns were read by content (notes) and
    /// which that look like addresses were skipped (warnings).
    pub(super) fn new(
        header: Option<Header>,
        choice: &ColumnChoice,
        stats: impl FnOnce(&[bool], bool) -> Vec<Stats>,
    ) -> Result<(Layout, Vec<CsvNotice>), CsvError> {
        let chosen: Vec<Medium> = [Medium::Email, Medium::Msisdn]
            .into_iter()
            .filter(|&m| choice.all().any(|(medium, _)| medium == m))
            .collect();
        let Some(header) = header else {
            if choice.is_empty() {
                let layout = Layout {
                    columns: Vec::new(),
                    header: None,
                    chosen,
                };
                return Ok((layout, Vec::new()));
            }
            return headerless(choice, chosen, stats);
        };
        let mut columns: Vec<Column> = header
            .cells
            .iter()
            .map(|c| Column::from_header(c))
            .collect();
        // With no address column named, unclaimed cells are guessed one by one.
        let guessing = choice.is_empty() && !columns.iter().any(|c| c.is_address());
        apply_choice(&mut columns, choice, Some(&header))?;
        let wanted: Vec<bool> = columns.iter().map(|c| *c == Column::Unclaimed).collect();
        let stats = if wanted.contains(&true) {
            stats(&wanted, false)
        } else {
            Vec::new()
        };
        let layout = Layout {
            columns,
            header: Some(header.cells),
            chosen,
        };
        Ok(layout.resolve(&stats, guessing, header.line))
    }

    /// Decides each unclaimed column by its `stats`.
    fn resolve(mut self, stats: &[Stats], guessing: bool, line: u32) -> (Layout, Vec<CsvNotice>) {
        let mut notices = Vec::new();
        for (i, stats) in stats.iter().enumerate() {
            if self.columns.get(i) != Some(&Column::Unclaimed) {
                continue;
            }
            let medium = stats.medium();
            self.columns[i] = if stats.mostly_addresses() && !self.chosen.contains(&medium) {
                notices.push(self.read_by_content(i, *stats, line));
                Column::ByContent(medium)
            } else if guessing {
                Column::Guess
            } else {
                if stats.looked() > 0 {
                    notices.push(self.skipped(i, *stats, line));
                }
                Column::Skipped
            };
        }
        for column in &mut self.columns {
            if *column == Column::Unclaimed {
                *column = if guessing {
                    Column::Guess
                } else {
                    Column::Skipped
                };
            }
        }
        (self, notices)
    }

    /// The note saying column `i` is read by content.
    fn read_by_content(&self, i: usize, stats: Stats, line: u32) -> CsvNotice {
        let what = match stats.medium() {
            Medium::Email => "email addresses",
            Medium::Msisdn => "phone numbers",
        };
        CsvNotice {
            warning: false,
            line,
            message: format!(
                "{} is read as {what}: {} of its {} cells look like them",
                self.label(i),
                stats.looked(),
                stats.cells
            ),
            hint: None,
        }
    }

    /// The warning saying column `i`, skipped, holds address-like cells;
    /// its hint names the columns to give to read it with those read now.
    fn skipped(&self, i: usize, stats: Stats, line: u32) -> CsvNotice {
        let flag = |medium| match medium {
            Medium::Email => "--email-column",
            Medium::Msisdn => "--phone-column",
        };
        let arguments = |medium: Medium| {
            let read = self
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| **c == Column::Address(medium));
            let mut given: Vec<String> = read.map(|(j, _)| self.argument(j)).collect();
            given.push(self.argument(i));
            given
                .iter()
                .map(|a| format!("{} {a}", flag(medium)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let hint = match (stats.emails, stats.phones) {
            (_, 0) => arguments(Medium::Email),
            (0, _) => arguments(Medium::Msisdn),
            _ => format!(
                "{} (or {})",
                arguments(Medium::Email),
                arguments(Medium::Msisdn)
            ),
        };
        CsvNotice {
            warning: true,
            line,
            message: format!(
                "{} is not read, but {} of its {} cells look like {}",
                self.label(i),
                stats.looked(),
                stats.cells,
                stats.what()
            ),
            hint: Some(format!("to read it with the columns read now, pass {hint}")),
        }
    }

    /// How messages name column `i`: `` `Notes` (column 5) `` or `column 5`.
    fn label(&self, i: usize) -> String {
        match self.name_of(i) {
            Some(name) => format!(
                "column `{}` (column {})",
                for_terminal(&cut(name, 40)),
                i + 1
            ),
            None => format!("column {}", i + 1),
        }
    }

    /// How the command line names column `i`: its header, quoted for a
    /// shell, when that is plain and names no other column; else its number.
    fn argument(&self, i: usize) -> String {
        let plain = |name: &str| {
            name.chars()
                .all(|c| c.is_alphanumeric() || " -_.:()/".contains(c))
        };
        match (self.name_of(i), &self.header) {
            (Some(name), Some(header))
                if plain(name) && position(header.iter().map(String::as_str), name) == Some(i) =>
            {
                format!("'{name}'")
            }
            _ => (i + 1).to_string(),
        }
    }

    /// The header of column `i`, when it has a non-empty one.
    fn name_of(&self, i: usize) -> Option<&str> {
        let name = self.header.as_ref()?.get(i)?;
        (!name.is_empty()).then_some(name.as_str())
    }

    /// Whether any column is read for addresses.
    pub(super) fn names_addresses(&self) -> bool {
        self.columns.iter().any(|c| c.is_address())
    }

    /// Why a file that yields no contact is no address book.
    pub(super) fn why_not(&self) -> String {
        let Some(header) = &self.header else {
            return "no header naming an email or phone column, and no cell looks like an \
                    email address or a phone number"
                .to_owned();
        };
        format!(
            "no email or phone column in the header ({}), and no other column holds \
             email addresses or phone numbers (--email-column NAME or --phone-column NAME \
             names one)",
            listed(header, 6, false)
        )
    }

    /// The contact a row holds: `None` when it holds no address.
    pub(super) fn contact(&self, row: Row) -> Option<Contact> {
        let (line, cells) = match row {
            Row::Broken(line, text, reason) => {
                let entries = vec![Entry::broken(text, line, reason)];
                return Some(Contact {
                    name: None,
                    line,
                    entries,
                    card: None,
                });
            }
            Row::Cells(line, cells) => (line, cells),
        };
        let mut entries = Vec::new();
        let mut loose_name = None;
        for (i, cell) in cells.iter().enumerate() {
            match self.columns.get(i).copied().unwrap_or(Column::Guess) {
                Column::Address(medium) => push_values(&mut entries, cell, line, medium),
                Column::ByContent(medium) => self.by_content(&mut entries, cell, line, medium),
                Column::Guess => self.guess(&mut entries, &mut loose_name, cell, line),
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
            card: None,
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

    /// The medium a value shows, unless the command line reserves it for
    /// the columns it names.
    fn free_medium(&self, value: &str) -> Option<Medium> {
        medium_of(value).filter(|m| !self.chosen.contains(m))
    }

    /// Every value of a cell of a column read by content: of its own
    /// medium when it shows one, else of the column's (an invalid one).
    fn by_content(&self, entries: &mut Vec<Entry>, cell: &str, line: u32, column: Medium) {
        for value in values(cell) {
            let medium = self.free_medium(value).unwrap_or(column);
            entries.push(Entry::address(value, line, medium));
        }
    }

    /// Classifies a cell's values by content: addresses become entries, and
    /// the first other value is kept as the name.
    fn guess(&self, entries: &mut Vec<Entry>, name: &mut Option<String>, cell: &str, line: u32) {
        for value in values(cell) {
            match (medium_of(value), self.free_medium(value)) {
                (_, Some(medium)) => entries.push(Entry::address(value, line, medium)),
                (None, None) if name.is_none() => *name = Some(value.to_owned()),
                _ => {}
            }
        }
    }
}

/// The layout of a file without a header whose columns the command line
/// names by number: those are read; the others by their content.
fn headerless(
    choice: &ColumnChoice,
    chosen: Vec<Medium>,
    stats: impl FnOnce(&[bool], bool) -> Vec<Stats>,
) -> Result<(Layout, Vec<CsvNotice>), CsvError> {
    let mut columns = Vec::new();
    apply_choice(&mut columns, choice, None)?;
    let wanted: Vec<bool> = columns.iter().map(|c| *c == Column::Unclaimed).collect();
    let stats = stats(&wanted, true);
    if columns.len() < stats.len() {
        columns.resize(stats.len(), Column::Unclaimed);
    }
    let layout = Layout {
        columns,
        header: None,
        chosen,
    };
    Ok(layout.resolve(&stats, false, 1))
}

/// Makes the columns `choice` names the only ones read for their medium.
fn apply_choice(
    columns: &mut Vec<Column>,
    choice: &ColumnChoice,
    header: Option<&Header>,
) -> Result<(), CsvError> {
    let mut given: Vec<(usize, Medium)> = Vec::new();
    for (medium, column) in choice.all() {
        let i = index_of(column, header)?;
        if given.iter().any(|&(j, m)| j == i && m != medium) {
            return Err(CsvError::Column {
                line: header.map_or(1, |h| h.line),
                why: format!(
                    "column {} is given to both --email-column and --phone-column",
                    i + 1
                ),
                hint: "give each column to one of --email-column and --phone-column".to_owned(),
            });
        }
        given.push((i, medium));
    }
    for column in columns.iter_mut() {
        if matches!(column, Column::Address(m) if given.iter().any(|(_, g)| g == m)) {
            *column = Column::Skipped;
        }
    }
    for (i, medium) in given {
        if columns.len() <= i {
            columns.resize(i + 1, Column::Unclaimed);
        }
        columns[i] = Column::Address(medium);
    }
    Ok(())
}

/// The 0-based index of the column `column` names.
fn index_of(column: &ColumnRef, header: Option<&Header>) -> Result<usize, CsvError> {
    let line = header.map_or(1, |h| h.line);
    let listing = |header: &Header| {
        format!(
            "the header's columns are: {}; or give a column's number, 1 to {}",
            listed(&header.cells, LISTED_COLUMNS, true),
            header.cells.len()
        )
    };
    match (column, header) {
        (ColumnRef::Number(n), None) => Ok(n - 1),
        (ColumnRef::Number(n), Some(header)) if *n <= header.cells.len() => Ok(n - 1),
        (ColumnRef::Number(n), Some(header)) => Err(CsvError::Column {
            line,
            why: format!(
                "there is no column {n}: the header has {}",
                header.cells.len()
            ),
            hint: listing(header),
        }),
        (ColumnRef::Name(name), Some(header)) => {
            position(header.cells.iter().map(String::as_str), name).ok_or_else(|| {
                CsvError::Column {
                    line,
                    why: format!(
                        "no column named `{}` in the header",
                        for_terminal(&cut(name, 40))
                    ),
                    hint: listing(header),
                }
            })
        }
        (ColumnRef::Name(name), None) => Err(CsvError::Column {
            line,
            why: format!(
                "no header row to find a column named `{}` in",
                for_terminal(&cut(name, 40))
            ),
            hint: "name the column by its number instead, 1 for the first".to_owned(),
        }),
    }
}

/// At most `max` non-empty header cells (numbered, if asked) for a message.
fn listed(header: &[String], max: usize, numbered: bool) -> String {
    let named: Vec<(usize, &String)> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| !h.is_empty())
        .collect();
    let mut shown: Vec<String> = named
        .iter()
        .take(max)
        .map(|(i, h)| {
            let name = for_terminal(&cut(h, 30)).into_owned();
            if numbered {
                format!("{} {name}", i + 1)
            } else {
                name
            }
        })
        .collect();
    if named.len() > shown.len() {
        shown.push("…".to_owned());
    }
    shown.join(", ")
}

/// One entry per value of a cell whose column says the medium.
fn push_values(entries: &mut Vec<Entry>, cell: &str, line: u32, medium: Medium) {
    entries.extend(values(cell).map(|value| Entry::address(value, line, medium)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addressbook::csv::tests::{read_ok, read_with};

    #[test]
    fn columns_not_looked_up_are_not_read() {
        let body = "Name,Phonetic First Name,Telex,Business Fax,Pager,E-mail 1 - Type,\
                    E-mail Display Name,E-mail 1 - Value\n\
                    Ana,0612345678,612345 ANA F,+33 1 23 45 67 80,+33 6 98 76 54 32,\
                    x@example.org,Ana (ana@example.org),ana@example.org\n";
        assert_eq!(read_ok(body.as_bytes()), ["2 Ana: email ana@example.org"]);
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
    fn an_unclaimed_column_of_addresses_is_read_and_noted() {
        let body = "Name,E-mail,Sähköpostiosoite 2,Postal Code\n\
                    Ana,ana@example.org,ana@work.example,75001\n\
                    Bo,,bo@work.example,10115\n\
                    Cy,cy@example.org,not yet,10001-1234\n\
                    Di,,di@work.example,\n\
                    Ed,,ed@work.example,\n";
        let (contacts, notices) = read_with(body.as_bytes(), &ColumnChoice::default());
        assert_eq!(
            contacts,
            [
                "2 Ana: email ana@example.org | email ana@work.example",
                "3 Bo: email bo@work.example",
                "4 Cy: email cy@example.org | email not yet",
                "5 Di: email di@work.example",
                "6 Ed: email ed@work.example",
            ]
        );
        assert_eq!(
            notices,
            [
                "note 1: column `Sähköpostiosoite 2` (column 3) is read as email addresses: \
              4 of its 5 cells look like them"
            ]
        );
    }

    #[test]
    fn a_skipped_column_with_addresses_is_warned_about() {
        let body = "Name,Mobile,Notes\n\
                    Ana,+33 6 12 34 56 78,call ana@example.org\n\
                    Bo,,bo@example.org\n\
                    Cy,,likes tea\n";
        let (contacts, notices) = read_with(body.as_bytes(), &ColumnChoice::default());
        assert_eq!(contacts, ["2 Ana: msisdn +33 6 12 34 56 78"]);
        assert_eq!(
            notices,
            [
                "warning 1: column `Notes` (column 3) is not read, but 1 of its 3 cells look like \
              email addresses (hint: to read it with the columns read now, pass \
              --email-column 'Notes')"
            ]
        );
    }

    #[test]
    fn columns_named_on_the_command_line() {
        let body = "Nom;Courriel;Divers;Portable\n\
                    Ana;ana@example.org;ana@perso.example;+33 6 12 34 56 78\n";
        let choice = ColumnChoice {
            email: vec![ColumnRef::Name("divers".to_owned())],
            phone: vec![ColumnRef::Number(4)],
        };
        let (contacts, notices) = read_with(body.as_bytes(), &choice);
        assert_eq!(
            contacts,
            ["2 Ana: email ana@perso.example | msisdn +33 6 12 34 56 78"]
        );
        assert!(notices.is_empty(), "{notices:?}");

        // Without a header: by number; the other columns by content.
        let body = "Ana,ana@example.org,+33 6 12 34 56 78\n\
                    Bo,bo@example.org,+33 6 98 76 54 32\n\
                    Cy,cy@example.org,\n";
        let choice = ColumnChoice {
            phone: vec![ColumnRef::Number(3)],
            ..ColumnChoice::default()
        };
        let (contacts, _) = read_with(body.as_bytes(), &choice);
        assert_eq!(
            contacts,
            [
                "1 -: email ana@example.org | msisdn +33 6 12 34 56 78",
                "2 -: email bo@example.org | msisdn +33 6 98 76 54 32",
                "3 -: email cy@example.org",
            ]
        );
    }

    #[test]
    fn unknown_columns_on_the_command_line_are_refused() {
        let choice = ColumnChoice {
            email: vec![ColumnRef::Name("Mail privé".to_owned())],
            ..ColumnChoice::default()
        };
        let err = super::super::read(b"Name,E-mail\nAna,ana@example.org\n", &choice).unwrap_err();
        let CsvError::Column { line, why, hint } = err else {
            panic!("{err:?}")
        };
        assert_eq!(line, 1);
        assert_eq!(why, "no column named `Mail privé` in the header");
        assert_eq!(
            hint,
            "the header's columns are: 1 Name, 2 E-mail; or give a column's number, 1 to 2"
        );
    }
}
