//! `phonenumber`'s metadata, indexed for the fast path: every entry (region
//! or non-geographic code) by country calling code and by region code, and
//! each entry's patterns compiled into lock-free `regex::Regex`es on first
//! use, anchored at the start as `phonenumber` matches them.
//!
//! The entries are `metadata.rs`, the part of `phonenumber`'s database the
//! fast path reads, generated from it (and checked by a test) so that the
//! first number of a run does not wait for that whole database to load.

use std::sync::{LazyLock, OnceLock};

use regex::{Regex, RegexBuilder};

use super::MAX_NSN_LEN;
use super::metadata::{ENTRIES, UNNAMEABLE};

/// A descriptor of `phonenumber`'s metadata: its pattern and lengths.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Desc {
    /// The national number pattern's source.
    pub(crate) pattern: &'static str,
    /// `possible_length`.
    pub(crate) lengths: &'static [u16],
    /// `possible_local_length`.
    pub(crate) local: &'static [u16],
}

/// What the fast path reads of one entry of `phonenumber`'s metadata.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Meta {
    pub(crate) id: &'static str,
    pub(crate) code: u16,
    pub(crate) national_prefix: Option<&'static str>,
    pub(crate) national_prefix_for_parsing: Option<&'static str>,
    pub(crate) transform_rule: Option<&'static str>,
    pub(crate) international_prefix: Option<&'static str>,
    pub(crate) leading_digits: Option<&'static str>,
    pub(crate) general: Desc,
    /// The type descriptors `validator::number_type` tries, in its order.
    pub(crate) types: &'static [Desc],
}

/// The table, built on first use.
pub(super) static TABLE: LazyLock<Table> = LazyLock::new(Table::build);

/// A metadata pattern compiled to match where `phonenumber` finds a match
/// starting at offset 0.
fn anchored(source: &str) -> Option<Regex> {
    // The newline ends a `#` comment, should a pattern ever hold one.
    let mut builder = RegexBuilder::new(&format!("^(?:{source}\n)"));
    builder.ignore_whitespace(true);
    // Every text matched here is ASCII (digits, and transform rules' own
    // characters), where Unicode and ASCII classes agree; ASCII `\d` makes
    // far smaller automata. Patterns that need Unicode mode to build keep it.
    builder
        .unicode(false)
        .build()
        .or_else(|_| builder.unicode(true).build())
        .ok()
}

/// `anchored` for an optional pattern: the outer `None` if it fails to build.
fn anchored_opt(source: Option<&str>) -> Option<Option<Regex>> {
    match source {
        Some(source) => anchored(source).map(Some),
        None => Some(None),
    }
}

/// A descriptor: its pattern and the lengths it allows (any, when empty).
#[derive(Debug)]
pub(super) struct Pattern {
    regex: Regex,
    lengths: &'static [u16],
}

impl Pattern {
    fn new(descriptor: &'static Desc) -> Option<Pattern> {
        Some(Pattern {
            regex: anchored(descriptor.pattern)?,
            lengths: descriptor.lengths,
        })
    }

    /// `Descriptor::is_match`.
    pub(super) fn matches(&self, nsn: &str) -> bool {
        let length_ok = self.lengths.is_empty()
            || self
                .lengths
                .iter()
                .any(|&len| usize::from(len) == nsn.len());
        length_ok && self.regex.is_match(nsn)
    }
}

/// The type descriptors of a region that allow one length, as one regex.
#[derive(Debug)]
pub(super) enum TypesAt {
    /// No type descriptor allows the length.
    Nothing,
    /// Matches where one of them does.
    Any(Regex),
}

/// libphonenumber's `testNumberLength` against the general descriptor, whose
/// possible lengths it makes the union of the types' (`phonenumber` leaves
/// them empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GeneralLength {
    /// A possible length.
    Possible,
    /// Longer than any.
    TooLong,
    /// Too short, possible for local dialling only, or between lengths.
    Other,
}

/// One region's patterns, compiled.
#[derive(Debug)]
pub(super) struct Compiled {
    pub(super) international_prefix: Option<Regex>,
    pub(super) national_prefix_for_parsing: Option<Regex>,
    pub(super) leading_digits: Option<Regex>,
    pub(super) general: Pattern,
    /// The type descriptors `phonenumber::validator::number_type` tries:
    /// pattern and possible lengths.
    types: Vec<(&'static str, &'static [u16])>,
    /// By length: the type descriptors allowing it, compiled on first use
    /// into one regex (`None` if that fails), so that a number's type takes
    /// one search, not ten.
    types_by_length: [OnceLock<Option<TypesAt>>; MAX_NSN_LEN + 1],
    /// The types' possible lengths, sorted: the general descriptor's in
    /// libphonenumber.
    lengths: Vec<u16>,
    /// The types' lengths possible for local dialling only.
    local_lengths: Vec<u16>,
}

impl Compiled {
    fn new(meta: &'static Meta) -> Option<Compiled> {
        let union = |of: fn(&Desc) -> &[u16]| {
            let mut all: Vec<u16> = meta.types.iter().flat_map(of).copied().collect();
            all.sort_unstable();
            all.dedup();
            all
        };
        let lengths = union(|d| d.lengths);
        let local_lengths = union(|d| d.local);
        Some(Compiled {
            lengths,
            local_lengths,
            international_prefix: anchored_opt(meta.international_prefix)?,
            national_prefix_for_parsing: anchored_opt(meta.national_prefix_for_parsing)?,
            leading_digits: anchored_opt(meta.leading_digits)?,
            general: Pattern::new(&meta.general)?,
            types: meta.types.iter().map(|d| (d.pattern, d.lengths)).collect(),
            types_by_length: [const { OnceLock::new() }; MAX_NSN_LEN + 1],
        })
    }

    /// libphonenumber's length test of a national number of `len` digits.
    pub(super) fn general_length(&self, len: usize) -> GeneralLength {
        let (Some(&min), Some(&max), Ok(len)) = (
            self.lengths.first(),
            self.lengths.last(),
            u16::try_from(len),
        ) else {
            return GeneralLength::Other;
        };
        if self.local_lengths.contains(&len) || len < min {
            GeneralLength::Other
        } else if len > max {
            GeneralLength::TooLong
        } else if self.lengths.contains(&len) {
            GeneralLength::Possible
        } else {
            GeneralLength::Other
        }
    }

    /// `validator::number_type(..) != Type::Unknown`; `None` when this
    /// module cannot tell.
    pub(super) fn has_type(&self, nsn: &str) -> Option<bool> {
        if !self.general.matches(nsn) {
            return Some(false);
        }
        let cell = self.types_by_length.get(nsn.len())?;
        match cell.get_or_init(|| self.types_at(nsn.len())).as_ref()? {
            TypesAt::Nothing => Some(false),
            TypesAt::Any(regex) => Some(regex.is_match(nsn)),
        }
    }

    /// The type descriptors allowing `len`, as one regex.
    pub(super) fn types_at(&self, len: usize) -> Option<TypesAt> {
        let alternatives: Vec<String> = self
            .types
            .iter()
            .filter(|(_, lengths)| {
                lengths.is_empty() || lengths.iter().any(|&l| usize::from(l) == len)
            })
            .map(|(source, _)| format!("(?:{source}\n)"))
            .collect();
        if alternatives.is_empty() {
            return Some(TypesAt::Nothing);
        }
        anchored(&alternatives.join("|")).map(TypesAt::Any)
    }
}

/// One entry of the metadata: a region, or a non-geographic country code.
#[derive(Debug)]
pub(super) struct Entry {
    pub(super) meta: &'static Meta,
    /// The country calling code, as text.
    pub(super) code: String,
    pub(super) compiled: OnceLock<Option<Compiled>>,
}

impl Entry {
    /// The compiled patterns (`None` if one failed to build: never seen,
    /// but then the fast path steps aside).
    pub(super) fn compiled(&self) -> Option<&Compiled> {
        self.compiled
            .get_or_init(|| Compiled::new(self.meta))
            .as_ref()
    }
}

/// What the metadata has for a country calling code.
#[derive(Debug, Clone, Copy)]
pub(super) enum Code {
    /// Not a country calling code.
    Absent,
    /// A code whose regions `phonenumber` cannot name (left to it).
    Unsupported,
    /// `entries[start..end]`, in `Database::region` order (main region first).
    Regions { start: usize, end: usize },
}

/// The metadata, indexed for the fast path.
#[derive(Debug)]
pub(super) struct Table {
    pub(super) entries: Vec<Entry>,
    /// By country calling code, 0 to 999.
    codes: Vec<Code>,
    /// By two-letter region code (`26 * letter + letter`): index in `entries`.
    regions: Vec<Option<usize>>,
}

impl Table {
    fn build() -> Table {
        let mut table = Table {
            entries: Vec::new(),
            codes: vec![Code::Absent; 1000],
            regions: vec![None; 26 * 26],
        };
        // `ENTRIES` is grouped by country code, in `Database::region` order.
        for (index, meta) in ENTRIES.iter().enumerate() {
            if let Some(slot) = region_slot(meta.id) {
                table.regions[slot] = Some(index);
            }
            table.entries.push(Entry {
                meta,
                code: meta.code.to_string(),
                compiled: OnceLock::new(),
            });
            let code = usize::from(meta.code);
            table.codes[code] = match table.codes[code] {
                _ if UNNAMEABLE.contains(&meta.code) => Code::Unsupported,
                Code::Regions { start, .. } => Code::Regions {
                    start,
                    end: index + 1,
                },
                _ => Code::Regions {
                    start: index,
                    end: index + 1,
                },
            };
        }
        table
    }

    pub(super) fn code(&self, code: u16) -> Code {
        self.codes
            .get(usize::from(code))
            .copied()
            .unwrap_or(Code::Absent)
    }

    pub(super) fn has_code(&self, code: u16) -> bool {
        !matches!(self.code(code), Code::Absent)
    }

    pub(super) fn region(&self, region: &str) -> Option<&Entry> {
        let index = (*self.regions.get(region_slot(region)?)?)?;
        self.entries.get(index)
    }
}

/// The slot of a two-letter region code in `Table::regions`.
pub(super) fn region_slot(region: &str) -> Option<usize> {
    match region.as_bytes() {
        &[a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => {
            Some(usize::from(a - b'A') * 26 + usize::from(b - b'A'))
        }
        _ => None,
    }
}
