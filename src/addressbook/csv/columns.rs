//! What a CSV file's columns hold, and how a row becomes a contact.
//!
//! Header cells are classified on their words ([`classify`]); cells without
//! a header naming an address column are classified by content
//! ([`medium_of`]). A [`Layout`] says, for each column, how its cells are
//! read, and turns each row into a [`Contact`].

use csv::StringRecord;

use super::scan::{Row, cut};
use crate::addressbook::{Contact, Entry};
use crate::threepid::Medium;

/// What Google puts between several values of one cell (` ::: `).
const MULTI_VALUE: &str = ":::";

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
pub(super) struct Layout {
    /// One per header cell; empty without a header. Cells past the end are
    /// [`Column::Guess`].
    columns: Vec<Column>,
    /// The header's cells, to say why a file is refused.
    header: Option<Vec<String>>,
}

impl Layout {
    /// Reads the first row as a header when it names a column and holds no
    /// address; gives the row back when it is data.
    pub(super) fn detect(first: Row) -> (Layout, Option<Row>) {
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
    use crate::addressbook::csv::tests::read_ok;

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
}
