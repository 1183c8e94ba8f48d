//! CSV cells: their values, what each looks like, and what a whole
//! column's cells look like ([`Stats`]), for the columns no rule claims.

use super::scan::Row;
use crate::threepid::{Medium, normalise_email};

/// What Google puts between several values of one cell (` ::: `).
const MULTI_VALUE: &str = ":::";
/// A column no rule claims is read by content when at least this share of
/// its non-empty cells (numerator, denominator) look like valid addresses…
const CONTENT_SHARE: (usize, usize) = (4, 5);
/// … and it has at least this many non-empty cells.
const CONTENT_MIN_CELLS: usize = 3;

/// The trimmed, non-empty values of a cell (Google joins several with ` ::: `).
pub(super) fn values(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(MULTI_VALUE)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// What a value looks like: an email address (it has an `@`), a phone
/// number (digits, blanks and `+()-.` only, five digits or more, no date), or
/// neither.
pub(super) fn medium_of(value: &str) -> Option<Medium> {
    if value.contains('@') && value.chars().any(|c| c != '@') {
        return Some(Medium::Email);
    }
    let phone_chars = value
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace() || "+()-.".contains(c));
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    (phone_chars && digits >= 5 && !looks_like_date(value)).then_some(Medium::Msisdn)
}

/// What a value in a column no rule claims is taken for, more strictly than
/// [`medium_of`]: a valid email address, or a phone number of 7 to 15
/// digits written as one: international (`+` and 8 digits or more),
/// national of 9 digits or more with its leading `0` or `(` or in three
/// groups or more, or any of 10 digits or more. Postal codes (`75001`,
/// `01310-100`, `10001-1234`, `100-0001`) and short account numbers are
/// not.
fn address_medium(value: &str) -> Option<Medium> {
    if value.contains('@') {
        return normalise_email(value).is_ok().then_some(Medium::Email);
    }
    if medium_of(value) != Some(Medium::Msisdn) {
        return None;
    }
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let groups = value
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .count();
    let value = value.trim_start();
    let international = value.starts_with('+') && digits >= 8;
    let national = digits >= 9 && (value.starts_with(['0', '(']) || groups >= 3);
    (digits <= 15 && (international || national || digits >= 10)).then_some(Medium::Msisdn)
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
pub(super) fn looks_like_address(cell: &str) -> bool {
    values(cell).any(|value| medium_of(value).is_some())
}

// ---------------------------------------------------------------------------
// Stats: what a column's cells look like, over the whole file.

/// What the cells of one column look like.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Stats {
    /// Non-empty cells.
    pub(super) cells: usize,
    /// Cells whose first address-like value is an email address.
    pub(super) emails: usize,
    /// Cells whose first address-like value is a phone number.
    pub(super) phones: usize,
}

impl Stats {
    fn add(&mut self, cell: &str) {
        let mut values = values(cell).peekable();
        if values.peek().is_none() {
            return;
        }
        self.cells += 1;
        match values.find_map(address_medium) {
            Some(Medium::Email) => self.emails += 1,
            Some(Medium::Msisdn) => self.phones += 1,
            None => {}
        }
    }

    /// Cells that look like addresses.
    pub(super) fn looked(self) -> usize {
        self.emails + self.phones
    }

    /// The medium most of its address-like cells have.
    pub(super) fn medium(self) -> Medium {
        if self.emails >= self.phones {
            Medium::Email
        } else {
            Medium::Msisdn
        }
    }

    /// Whether enough of its cells look like addresses to read it.
    pub(super) fn mostly_addresses(self) -> bool {
        let (num, den) = CONTENT_SHARE;
        self.cells >= CONTENT_MIN_CELLS && self.looked() * den >= self.cells * num
    }

    /// What its address-like cells are, for a message.
    pub(super) fn what(self) -> &'static str {
        match (self.emails, self.phones) {
            (_, 0) => "email addresses",
            (0, _) => "phone numbers",
            _ => "email addresses or phone numbers",
        }
    }
}

/// The stats of the columns `wanted` says (and, with `beyond`, of every
/// column past its end) over `rows`.
pub(super) fn gather(rows: impl Iterator<Item = Row>, wanted: &[bool], beyond: bool) -> Vec<Stats> {
    let mut stats = vec![Stats::default(); wanted.len()];
    for row in rows {
        let Row::Cells(_, cells) = row else { continue };
        for (i, cell) in cells.iter().enumerate() {
            if i >= stats.len() {
                if !beyond {
                    break;
                }
                stats.resize(i + 1, Stats::default());
            } else if !wanted.get(i).copied().unwrap_or(beyond) {
                continue;
            }
            stats[i].add(cell);
        }
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_address_shapes() {
        for value in [
            "+33 6 12 34 56 78",
            "06 12 34 56 78",
            "(201) 555-0123",
            "2015550123",
        ] {
            assert_eq!(address_medium(value), Some(Medium::Msisdn), "{value}");
        }
        for value in [
            "75001",
            "10001-1234",
            "100-0001",
            "1234567",
            "31.01.2024",
            "a@",
        ] {
            assert_eq!(address_medium(value), None, "{value}");
        }
        assert_eq!(address_medium("ana@example.org"), Some(Medium::Email));
    }
}
