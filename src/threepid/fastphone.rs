//! A lock-free fast path in front of `phonenumber` for the common shapes of
//! phone numbers.
//!
//! Why it exists: every regular expression in `phonenumber`'s metadata is a
//! `regex_cache::CachedRegex`, and every `find`/`is_match` on one locks a
//! single process-wide `Mutex<RegexCache>` (an LRU of 100 compiled regexes
//! keyed by the pattern's source, SipHashed on every call) and runs the match
//! while holding it. Reading and validating one number takes a few dozen such
//! calls: 3–5 µs on one thread, and with more threads they queue on the mutex,
//! so extra cores buy nothing.
//!
//! This module reads the same metadata through `phonenumber`'s public API,
//! compiles the patterns it needs into its own `regex::Regex`es (`Sync`, no
//! lock; lazily, one region at a time, so start-up stays cheap) and replays,
//! step for step, what `phonenumber` 0.3.10 does with numbers written with
//! digits and the usual separators (space, `-`, `(`, `)`, `.`, `/`):
//!
//! * international (`+CC…`, RFC 3966 style `+CC-…` included, or digits after
//!   an international call prefix): the country code is the shortest known
//!   prefix of the digits, the region for stripping a national prefix is
//!   found as `phonenumber` finds it;
//! * national, read in a region: the region's international prefix, its
//!   country code written without `+`, and its national prefix for parsing
//!   (with its transform rule) are handled as in `phonenumber`'s parser;
//!
//! then decides validity as `phonenumber::is_valid` does (the region of a
//! shared country code chosen by leading digits or by the first region where
//! the number has a type; the general descriptor and one type descriptor must
//! match, each checking its possible lengths).
//!
//! `phonenumber` tests a pattern with `find(..)` and `start() == 0`: a match
//! anchored at the start only, not libphonenumber's full match. The patterns
//! here are therefore compiled as `^(?:pattern)`, which keeps its answers
//! exactly, quirks included.
//!
//! The fast path only ever accepts. When it is unsure (other characters,
//! extensions, letters, a case it does not model) or finds the number invalid,
//! it returns `None` and the caller asks `phonenumber`, which stays the single
//! source of truth for rejections and their messages.

use std::borrow::Cow;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::sync::{LazyLock, OnceLock};

use phonenumber::country::Id;
use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::{Regex, RegexBuilder};

/// Lengths `phonenumber` allows for a national significant number.
const NSN_LENGTHS: RangeInclusive<usize> = 2..=MAX_NSN_LEN;
/// The longest national significant number `phonenumber` allows.
const MAX_NSN_LEN: usize = 17;
/// Longest country calling code.
const MAX_CODE_LEN: usize = 3;
/// Longer inputs are left to `phonenumber` (it casts lengths to `u16`).
const MAX_INPUT_LEN: usize = 64;
/// The fewest digits for which every shape handled here is a viable number
/// to `phonenumber`.
const MIN_DIGITS: usize = 3;
/// `phonenumber` keeps a national number in 56 bits.
const NATIONAL_NUMBER_LIMIT: u64 = 1 << 56;

static TABLE: LazyLock<Table> = LazyLock::new(Table::build);

/// Loads `phonenumber`'s metadata (tens of milliseconds: it compiles every
/// region's patterns) and the table over it, and compiles `region`'s
/// patterns, ahead of the first number.
pub(super) fn warm_up(region: Option<&str>) {
    let table = LazyLock::force(&TABLE);
    if let Some(entry) = region.and_then(|r| table.region(r)) {
        entry.compiled();
    }
}

/// Reads `written`, which starts with `+` and whose ASCII digits are
/// `digits`, as `phonenumber::parse(None, written)` followed by a validity
/// check would. `Some` only for a valid number: its E.164 digits.
pub(super) fn plus_form(written: &str, digits: &str) -> Option<String> {
    let rest = written.strip_prefix('+')?;
    if written.len() > MAX_INPUT_LEN || !rest.bytes().all(is_plain) {
        return None;
    }
    let table = &*TABLE;
    let (code, national) = match rfc3966_prefix_len(rest)? {
        Some(len) => {
            // `+CC-…`: the country code is all that precedes the separator.
            let national = &digits[len..];
            if national.len() < MIN_DIGITS || len > MAX_CODE_LEN || rest.starts_with('0') {
                return None;
            }
            let code = rest[..len].parse().ok()?;
            table.has_code(code).then_some((code, national))?
        }
        None => table.split_code(digits)?,
    };
    table.international(code, national)
}

/// Reads `digits`, which followed an international call prefix, as
/// `phonenumber::parse(None, "+digits")` followed by a validity check would.
pub(super) fn after_prefix_form(digits: &str) -> Option<String> {
    if digits.len() > MAX_INPUT_LEN {
        return None;
    }
    let table = &*TABLE;
    let (code, national) = table.split_code(digits)?;
    table.international(code, national)
}

/// Reads `written` (ASCII digits `digits`), which does not start with `+` and
/// whose digits do not start with `region`'s international call prefix, as
/// `phonenumber::parse(Some(region), written)` followed by a validity check
/// would.
pub(super) fn national_form(region: &str, written: &str, digits: &str) -> Option<String> {
    if written.len() > MAX_INPUT_LEN || digits.len() < MIN_DIGITS {
        return None;
    }
    if !written.bytes().all(is_plain) {
        return None;
    }
    let table = &*TABLE;
    let entry = table.region(region)?;
    let compiled = entry.compiled()?;
    // An international prefix matching the empty string would make
    // `phonenumber` read the digits as international.
    if let Some(idd) = &compiled.international_prefix
        && idd.is_match(digits)
    {
        return None;
    }
    // The country code written without `+` is dropped when the whole would
    // not make a national number.
    let national = match digits.strip_prefix(entry.code.as_str()) {
        Some(rest)
            if !compiled.general.matches(digits)
                || length(entry.meta.descriptors().general(), digits.len()) != Length::Possible =>
        {
            rest
        }
        _ => digits,
    };
    table.finish(entry.meta.country_code(), Some(entry), national)
}

/// How many leading digits of `digits` are `region`'s international call
/// prefix, answered as `Region::international_prefix_len` does with
/// `phonenumber`'s own regex: the outer `None` when this module cannot tell.
pub(super) fn international_prefix_len(region: &str, digits: &str) -> Option<Option<usize>> {
    let compiled = TABLE.region(region)?.compiled()?;
    let found = compiled
        .international_prefix
        .as_ref()
        .and_then(|re| re.find(digits));
    Some(found.map(|m| m.end()).filter(|&end| end > 0))
}

/// Characters the fast path understands: digits and the usual separators,
/// all of which `phonenumber` treats as punctuation.
fn is_plain(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'(' | b')' | b'.' | b'/')
}

/// Whether `phonenumber`'s RFC 3966 reader takes `+rest` (it does when there
/// is no space and a separator ends a non-empty country code), and if so the
/// length of the country code it reads. The outer `None` for shapes this
/// module does not model (a `/` with no space).
fn rfc3966_prefix_len(rest: &str) -> Option<Option<usize>> {
    if rest.contains(' ') {
        return Some(None);
    }
    if rest.contains('/') {
        return None;
    }
    Some(rest.find(['-', '.', '(', ')']).filter(|&len| len > 0))
}

/// `phonenumber`'s length check against the general descriptor
/// (`validator::length` with `Type::Unknown`), in the detail it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Length {
    /// Possible, or possible for local dialling only.
    Possible,
    /// Shorter than any possible length.
    TooShort,
    /// Too long, or between possible lengths, or no lengths known.
    Other,
}

fn length(general: &Descriptor, len: usize) -> Length {
    let Ok(len) = u16::try_from(len) else {
        return Length::Other;
    };
    let possible = general.possible_length();
    let (Some(&min), Some(&max)) = (possible.first(), possible.last()) else {
        return Length::Other;
    };
    if general.possible_local_length().contains(&len) || len == min {
        Length::Possible
    } else if len < min {
        Length::TooShort
    } else if len > max || !possible.contains(&len) {
        Length::Other
    } else {
        Length::Possible
    }
}

/// Whether `phonenumber`'s `NationalNumber` can hold `nsn`.
fn fits_national_number(nsn: &str) -> bool {
    let value = nsn.trim_start_matches('0');
    !value.is_empty()
        && value
            .parse::<u64>()
            .is_ok_and(|v| v < NATIONAL_NUMBER_LIMIT)
}

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
struct Pattern {
    regex: Regex,
    lengths: &'static [u16],
}

impl Pattern {
    fn new(descriptor: &'static Descriptor) -> Option<Pattern> {
        Some(Pattern {
            regex: anchored(descriptor.national_number().as_str())?,
            lengths: descriptor.possible_length(),
        })
    }

    /// `Descriptor::is_match`.
    fn matches(&self, nsn: &str) -> bool {
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
enum TypesAt {
    /// No type descriptor allows the length.
    Nothing,
    /// Matches where one of them does.
    Any(Regex),
}

/// One region's patterns, compiled.
#[derive(Debug)]
struct Compiled {
    international_prefix: Option<Regex>,
    national_prefix_for_parsing: Option<Regex>,
    leading_digits: Option<Regex>,
    general: Pattern,
    /// The type descriptors `phonenumber::validator::number_type` tries:
    /// pattern and possible lengths.
    types: Vec<(&'static str, &'static [u16])>,
    /// By length: the type descriptors allowing it, compiled on first use
    /// into one regex (`None` if that fails), so that a number's type takes
    /// one search, not ten.
    types_by_length: [OnceLock<Option<TypesAt>>; MAX_NSN_LEN + 1],
}

impl Compiled {
    fn new(meta: &'static Metadata) -> Option<Compiled> {
        let d = meta.descriptors();
        let types = [
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
            d.fixed_line(),
            d.mobile(),
        ];
        Some(Compiled {
            international_prefix: anchored_opt(meta.international_prefix().map(|r| r.as_str()))?,
            national_prefix_for_parsing: anchored_opt(
                meta.national_prefix_for_parsing().map(|r| r.as_str()),
            )?,
            leading_digits: anchored_opt(meta.leading_digits().map(|r| r.as_str()))?,
            general: Pattern::new(d.general())?,
            types: types
                .into_iter()
                .flatten()
                .map(|d| (d.national_number().as_str(), d.possible_length()))
                .collect(),
            types_by_length: [const { OnceLock::new() }; MAX_NSN_LEN + 1],
        })
    }

    /// `validator::number_type(..) != Type::Unknown`; `None` when this
    /// module cannot tell.
    fn has_type(&self, nsn: &str) -> Option<bool> {
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
    fn types_at(&self, len: usize) -> Option<TypesAt> {
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
struct Entry {
    meta: &'static Metadata,
    /// The country calling code, as text.
    code: String,
    compiled: OnceLock<Option<Compiled>>,
}

impl Entry {
    /// The compiled patterns (`None` if one failed to build: never seen,
    /// but then the fast path steps aside).
    fn compiled(&self) -> Option<&Compiled> {
        self.compiled
            .get_or_init(|| Compiled::new(self.meta))
            .as_ref()
    }
}

/// What the metadata has for a country calling code.
#[derive(Debug, Clone, Copy)]
enum Code {
    /// Not a country calling code.
    Absent,
    /// A code whose regions `phonenumber` cannot name (left to it).
    Unsupported,
    /// `entries[start..end]`, in `Database::region` order (main region first).
    Regions { start: usize, end: usize },
}

/// The metadata, indexed for the fast path.
#[derive(Debug)]
struct Table {
    entries: Vec<Entry>,
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
        for code in 1..1000u16 {
            let Some(metas) = DATABASE.by_code(&code) else {
                continue;
            };
            let start = table.entries.len();
            let nameable = names_regions(&metas);
            for meta in metas {
                if let Some(slot) = region_slot(meta.id()) {
                    table.regions[slot] = Some(table.entries.len());
                }
                table.entries.push(Entry {
                    meta,
                    code: code.to_string(),
                    compiled: OnceLock::new(),
                });
            }
            let end = table.entries.len();
            table.codes[usize::from(code)] = if nameable {
                Code::Regions { start, end }
            } else {
                Code::Unsupported
            };
        }
        table
    }

    fn code(&self, code: u16) -> Code {
        self.codes
            .get(usize::from(code))
            .copied()
            .unwrap_or(Code::Absent)
    }

    fn has_code(&self, code: u16) -> bool {
        !matches!(self.code(code), Code::Absent)
    }

    fn region(&self, region: &str) -> Option<&Entry> {
        let index = (*self.regions.get(region_slot(region)?)?)?;
        self.entries.get(index)
    }

    /// Splits `+digits` into country code and the rest the way
    /// `phonenumber` does: the shortest prefix that is a country code.
    fn split_code<'a>(&self, digits: &'a str) -> Option<(u16, &'a str)> {
        if digits.len() < MIN_DIGITS || digits.starts_with('0') {
            return None;
        }
        (1..=MAX_CODE_LEN).find_map(|len| {
            let code = digits[..len].parse().ok()?;
            self.has_code(code).then(|| (code, &digits[len..]))
        })
    }

    /// The rest of `phonenumber::parse` without a region, then validation.
    fn international(&self, code: u16, national: &str) -> Option<String> {
        let strip = self.source_for(code, national.trim_start_matches('0'))?;
        self.finish(code, strip, national)
    }

    /// `validator::source_for`: the region whose rules apply to `national`
    /// under `code` (`Some(None)`: none). The outer `None` when this module
    /// cannot tell.
    fn source_for(&self, code: u16, national: &str) -> Option<Option<&Entry>> {
        let (start, end) = match self.code(code) {
            Code::Absent => return Some(None),
            Code::Unsupported => return None,
            Code::Regions { start, end } => (start, end),
        };
        let group = self.entries.get(start..end)?;
        if let [only] = group {
            return Some(Some(only));
        }
        for entry in group {
            let compiled = entry.compiled()?;
            let found = match &compiled.leading_digits {
                Some(leading) => leading.is_match(national),
                None => compiled.has_type(national)?,
            };
            if found {
                return Some(Some(entry));
            }
        }
        Some(None)
    }

    /// From the country code and the number after it: strips a national
    /// prefix with `strip`'s rules, then returns the E.164 digits if the
    /// result is valid.
    fn finish(&self, code: u16, strip: Option<&Entry>, national: &str) -> Option<String> {
        let nsn = match strip {
            Some(entry) => strip_national_prefix(entry, national)?,
            None => Cow::Borrowed(national),
        };
        if !NSN_LENGTHS.contains(&nsn.len()) || !fits_national_number(&nsn) {
            return None;
        }
        let entry = self.source_for(code, &nsn)??;
        entry
            .compiled()?
            .has_type(&nsn)?
            .then(|| format!("{code}{nsn}"))
    }
}

/// Whether `phonenumber` can name every region of a country code the way
/// `validator::source_for` needs: a single non-geographic entity (`001`), or
/// regions whose codes parse as `country::Id`s and name themselves back.
fn names_regions(metas: &[&Metadata]) -> bool {
    let names_itself =
        |id: &str| Id::from_str(id).is_ok_and(|parsed| AsRef::<str>::as_ref(&parsed) == id);
    match metas {
        [only] => only.id() == "001" || names_itself(only.id()),
        _ => metas.iter().all(|meta| names_itself(meta.id())),
    }
}

/// The slot of a two-letter region code in `Table::regions`.
fn region_slot(region: &str) -> Option<usize> {
    match region.as_bytes() {
        &[a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => {
            Some(usize::from(a - b'A') * 26 + usize::from(b - b'A'))
        }
        _ => None,
    }
}

/// What `phonenumber::parse` does to the number after the country code with
/// a region's rules: `helper::national_number`, a second strip of the plain
/// national prefix, and keeping the original when the result is too short.
fn strip_national_prefix<'a>(entry: &Entry, national: &'a str) -> Option<Cow<'a, str>> {
    let compiled = entry.compiled()?;
    let mut potential = national_number(entry.meta, compiled, national)?;
    if let Some(prefix) = entry.meta.national_prefix()
        && potential.starts_with(prefix)
    {
        potential = match potential {
            Cow::Borrowed(s) => Cow::Borrowed(&s[prefix.len()..]),
            Cow::Owned(s) => Cow::Owned(s[prefix.len()..].to_owned()),
        };
    }
    let general = entry.meta.descriptors().general();
    if length(general, potential.len()) == Length::TooShort {
        Some(Cow::Borrowed(national))
    } else {
        Some(potential)
    }
}

/// `phonenumber`'s `helper::national_number`: strips the national prefix
/// for parsing, or applies its transform rule. `None` where `phonenumber`
/// would panic (a transform rule and no first group).
fn national_number<'a>(
    meta: &Metadata,
    compiled: &Compiled,
    national: &'a str,
) -> Option<Cow<'a, str>> {
    let Some(parsing) = &compiled.national_prefix_for_parsing else {
        let prefix = meta.national_prefix().unwrap_or("");
        return Some(Cow::Borrowed(
            national.strip_prefix(prefix).unwrap_or(national),
        ));
    };
    // Without a transform rule `phonenumber` strips the match. (It means to
    // keep the number when stripping breaks a viable one, but compares the
    // number with itself.)
    let Some(rule) = meta.national_prefix_transform_rule() else {
        let end = parsing.find(national).map_or(0, |m| m.end());
        return Some(Cow::Borrowed(&national[end..]));
    };
    let Some(captures) = parsing.captures(national) else {
        return Some(Cow::Borrowed(national));
    };
    let end = captures.get(0).map_or(0, |m| m.end());
    match captures.get(captures.len() - 1) {
        Some(_) => {
            captures.get(1)?;
            let transformed = parsing.replace(national, rule);
            let general = &compiled.general;
            if general.matches(national) && !general.matches(&transformed) {
                Some(Cow::Borrowed(national))
            } else {
                Some(Cow::Owned(transformed.into_owned()))
            }
        }
        // A transform rule but no last group: stripped as without a rule.
        None => Some(Cow::Borrowed(&national[end..])),
    }
}

#[cfg(test)]
mod tests {
    //! The fast path against `phonenumber`, on the metadata's own example
    //! numbers in many written forms, perturbations of them, random digit
    //! strings and random text.

    use std::fmt::Write as _;
    use std::time::Instant;

    use phonenumber::Mode;
    use proptest::prelude::*;

    use super::super::msisdn::{MsisdnOptions, Region, fast_path, normalise_msisdn};
    use super::*;

    #[test]
    fn warming_up_compiles_the_regions_patterns() {
        warm_up(Some("NZ"));
        let entry = TABLE.region("NZ").expect("NZ is in the metadata");
        assert!(matches!(entry.compiled.get(), Some(Some(_))));
        // No region: the table alone.
        warm_up(None);
        assert!(LazyLock::get(&TABLE).is_some());
    }

    /// `normalise_msisdn` as it was before the fast path, frozen as the
    /// oracle: `phonenumber` alone.
    fn reference(input: &str, opts: &MsisdnOptions) -> Result<String, String> {
        let trimmed = input.trim();
        let written = match trimmed.get(..4) {
            Some(scheme) if scheme.eq_ignore_ascii_case("tel:") => {
                let rest = &trimmed[4..];
                rest.split(';').next().unwrap_or(rest).trim()
            }
            _ => trimmed,
        };
        let digits: String = written.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return Err("phone number without digits".into());
        }
        let parse = |region: Option<Region>, text: &str| {
            let id = region.map(|r| Id::from_str(r.code()).unwrap());
            phonenumber::parse(id, text).map_err(|e| format!("not a phone number: {e}"))
        };
        let number = if written.starts_with('+') {
            parse(None, written)?
        } else if let Some(region) = opts.region {
            let meta = DATABASE.by_id(region.code()).unwrap();
            let idd = meta
                .international_prefix()
                .and_then(|re| re.find(&digits))
                .filter(|m| m.start() == 0 && m.end() > 0);
            match idd {
                Some(m) => parse(None, &format!("+{}", &digits[m.end()..]))?,
                None => parse(Some(region), written)?,
            }
        } else if let Some(rest) = digits.strip_prefix("00") {
            parse(None, &format!("+{rest}"))?
        } else if let Some(rest) = digits.strip_prefix("011") {
            parse(None, &format!("+{rest}"))?
        } else if opts.bare_digits_are_international {
            parse(None, &format!("+{digits}"))?
        } else {
            return Err(
                "phone number in national form and no region to read it in (pass --region)".into(),
            );
        };
        let e164 = number.format().mode(Mode::E164).to_string();
        if !number.is_valid() {
            return Err(format!("not a valid phone number (read as {e164})"));
        }
        Ok(e164.trim_start_matches('+').to_owned())
    }

    #[derive(Debug, Default)]
    struct Tally {
        inputs: usize,
        fast: usize,
        valid: usize,
    }

    impl Tally {
        /// Runs both paths and the oracle on one input; panics on any
        /// difference.
        fn check(&mut self, input: &str, opts: &MsisdnOptions) {
            let expected = reference(input, opts);
            let fast = fast_path(input, opts);
            // Falls back to `phonenumber` exactly where `fast` is `None`.
            let whole = normalise_msisdn(input, opts).map_err(|e| e.0);
            let ctx = || format!("input {input:?}, region {:?}", opts.region);
            assert_eq!(whole, expected, "normalise_msisdn: {}", ctx());
            if let Some(fast) = &fast {
                assert_eq!(Ok(fast), expected.as_ref(), "fast path: {}", ctx());
                self.fast += 1;
            }
            self.valid += usize::from(expected.is_ok());
            self.inputs += 1;
        }
    }

    fn opts(region: Option<&str>, bare: bool) -> MsisdnOptions {
        MsisdnOptions {
            region: region.map(|r| r.parse().unwrap()),
            bare_digits_are_international: bare,
        }
    }

    /// Every example number in the metadata, with its region (if any),
    /// country code and national prefix.
    fn examples() -> Vec<(Option<&'static str>, u16, &'static str, &'static str)> {
        let mut out = Vec::new();
        for entry in &TABLE.entries {
            let meta = entry.meta;
            let d = meta.descriptors();
            let descriptors = [
                Some(d.general()),
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.shared_cost(),
                d.personal_number(),
                d.voip(),
                d.pager(),
                d.uan(),
                d.emergency(),
                d.voicemail(),
                d.short_code(),
                d.standard_rate(),
                d.carrier(),
                d.no_international(),
            ];
            let region = region_slot(meta.id()).map(|_| meta.id());
            let prefix = meta.national_prefix().unwrap_or("");
            for example in descriptors
                .into_iter()
                .flatten()
                .filter_map(|d| d.example())
            {
                out.push((region, meta.country_code(), prefix, example));
            }
        }
        out
    }

    /// `digits` with separators: spaces, dashes, dots or parentheses.
    fn spaced(digits: &str, style: usize) -> String {
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && i % 3 == 0 {
                out.push([' ', '-', '.', '/'][style % 4]);
            }
            out.push(c);
        }
        if style % 5 == 4 && digits.len() > 4 {
            out = format!("({}) {}", &digits[..3], &digits[3..]);
        }
        out
    }

    /// A random small change: a digit changed, added or removed.
    fn perturb(rng: &mut fastrand::Rng, digits: &str) -> String {
        let mut d: Vec<char> = digits.chars().collect();
        let at = rng.usize(..=d.len());
        match rng.u8(..3) {
            0 if at < d.len() => d[at] = rng.digit(10),
            1 | 0 => d.insert(at, rng.digit(10)),
            _ if at < d.len() => drop(d.remove(at)),
            _ => drop(d.pop()),
        }
        d.into_iter().collect()
    }

    /// The written forms of one number for one reading region.
    fn forms(cc: u16, prefix: &str, nsn: &str, style: usize) -> Vec<(String, bool)> {
        vec![
            (format!("+{cc}{nsn}"), false),
            (format!("+{cc} {}", spaced(nsn, style)), false),
            (format!("+{cc}-{}", spaced(nsn, 1)), false),
            (format!("tel:+{cc}.{nsn}"), false),
            (format!("00{cc}{nsn}"), false),
            (format!("011 {cc} {nsn}"), false),
            (format!("{cc}{nsn}"), true),
            (format!("{prefix}{nsn}"), false),
            (spaced(&format!("{prefix}{nsn}"), style), false),
            (nsn.to_owned(), false),
        ]
    }

    /// Where a generated input comes from.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum Kind {
        /// An example number of the metadata, in one written form.
        Example,
        /// An example with a digit changed, added or removed.
        Perturbed,
        /// Random digits after a random country code.
        Random,
    }

    /// One generated input: the text, its reading region and whether bare
    /// digits are international.
    type Case = (Option<&'static str>, String, bool, Kind);

    /// Debug builds check a sample (`phonenumber` is slow there, about 2 ms
    /// a number); `cargo test --release` checks every example.
    const SAMPLE: usize = if cfg!(debug_assertions) { 100 } else { 1 };

    fn generate(rng: &mut fastrand::Rng) -> Vec<Case> {
        let regions: Vec<&'static str> = TABLE
            .entries
            .iter()
            .map(|e| e.meta.id())
            .filter(|id| region_slot(id).is_some() && id.parse::<Region>().is_ok())
            .collect();
        let mut cases = Vec::new();
        for (i, (region, cc, prefix, example)) in examples().into_iter().enumerate() {
            if i % SAMPLE != 0 {
                continue;
            }
            let other = regions[rng.usize(..regions.len())];
            let mut numbers = vec![(example.to_owned(), Kind::Example)];
            numbers.extend((0..3).map(|_| (perturb(rng, example), Kind::Perturbed)));
            for (nsn, kind) in numbers {
                for (input, bare) in forms(cc, prefix, &nsn, i) {
                    for reading in [region, Some(other), None] {
                        cases.push((reading, input.clone(), bare, kind));
                    }
                }
            }
        }
        for i in 0..200_000 / SAMPLE {
            let entry = &TABLE.entries[rng.usize(..TABLE.entries.len())];
            let meta = entry.meta;
            let nsn: String = (0..rng.usize(6..=15)).map(|_| rng.digit(10)).collect();
            let own = region_slot(meta.id()).map(|_| meta.id());
            let prefix = meta.national_prefix().unwrap_or("0");
            let forms = forms(meta.country_code(), prefix, &nsn, i);
            let (input, bare) = forms[rng.usize(..forms.len())].clone();
            let reading = match i % 6 {
                0 => None,
                1 => Some(regions[rng.usize(..regions.len())]),
                _ => own,
            };
            cases.push((reading, input, bare, Kind::Random));
        }
        // Grouped by region and country code, `phonenumber`'s regex cache
        // (100 entries) thrashes less: the test runs several times faster.
        cases.sort();
        cases
    }

    #[test]
    fn fast_path_agrees_with_phonenumber() {
        let started = Instant::now();
        let mut rng = fastrand::Rng::with_seed(4004);
        let mut tallies = [Tally::default(), Tally::default(), Tally::default()];
        for (region, input, bare, kind) in generate(&mut rng) {
            tallies[kind as usize].check(&input, &opts(region, bare));
        }
        let mut report = String::new();
        let kinds = [Kind::Example, Kind::Perturbed, Kind::Random];
        for (kind, t) in kinds.iter().zip(&tallies) {
            let _ = writeln!(
                report,
                "{kind:?}: {} inputs, {} valid, {} accepted by the fast path ({:.2}% of valid)",
                t.inputs,
                t.valid,
                t.fast,
                100.0 * t.fast as f64 / t.valid.max(1) as f64
            );
        }
        eprintln!("{report}no mismatch; took {:?}", started.elapsed());
        let examples = &tallies[Kind::Example as usize];
        assert!(examples.fast * 100 >= examples.valid * 95, "{report}");
    }

    #[test]
    fn fast_path_takes_the_common_shapes() {
        let cases = [
            ("06 12 34 56 78", Some("FR")),
            ("+33 6 12 34 56 78", Some("US")),
            ("+1-202-555-0143", None),        // RFC 3966 style
            ("tel:+1.416.555.0143", None),    // Canada behind +1
            ("0049 171 1234567", Some("FR")), // international call prefix
            ("0011 33 6 12 34 56 78", Some("AU")),
            ("33 6 12 34 56 78", Some("FR")), // country code without `+`
            ("+39 02 1234 5678", None),       // Italian leading zero
            ("+44 1481 256789", None),        // Guernsey, shared +44
            ("+7 701 123 4567", None),        // Kazakhstan, shared +7
            ("+972 449852411609", None),      // start-anchored match quirk
            ("(202) 555-0143", Some("US")),
            ("0115 947 5000", Some("GB")),
        ];
        for (input, region) in cases {
            let o = opts(region, false);
            let mut tally = Tally::default();
            tally.check(input, &o);
            assert_eq!(tally.fast, 1, "{input:?} in {region:?} not taken");
        }
    }

    #[test]
    fn table_follows_the_database() {
        for code in 1..1000u16 {
            let by_code = DATABASE.by_code(&code).unwrap_or_default();
            let ids: Vec<&str> = by_code.iter().map(|m| m.id()).collect();
            assert_eq!(DATABASE.region(&code).unwrap_or_default(), ids);
            if let Code::Regions { start, end } = TABLE.code(code) {
                assert_eq!(end - start, ids.len());
            }
        }
        for entry in &TABLE.entries {
            let id = entry.meta.id();
            // `anchored`'s ASCII mode relies on every text being ASCII.
            let rule = entry.meta.national_prefix_transform_rule();
            assert!(rule.is_none_or(|r| r.is_ascii()), "{id}: {rule:?}");
            let compiled = entry.compiled();
            assert!(compiled.is_some(), "{id} failed to compile");
            for len in 0..=MAX_NSN_LEN {
                let types = compiled.unwrap().types_at(len);
                assert!(types.is_some(), "{id}: types of length {len} failed");
            }
            if region_slot(entry.meta.id()).is_some() {
                let found = TABLE.region(entry.meta.id()).unwrap();
                assert!(std::ptr::eq(found.meta, entry.meta));
                assert!(std::ptr::eq(
                    DATABASE.by_id(entry.meta.id()).unwrap(),
                    entry.meta
                ));
            }
        }
    }

    proptest! {
        #[test]
        fn random_text_agrees(
            input in "(tel:)?[+]?[0-9 ()./+#x;-]{0,22}(;ext=[0-9]{1,3})?",
            region in proptest::option::of(proptest::sample::select(
                vec!["FR", "US", "GB", "DE", "IT", "AU", "BR", "RU", "KZ", "JE", "AR", "MX"],
            )),
            bare in any::<bool>(),
        ) {
            Tally::default().check(&input, &opts(region, bare));
        }
    }
}
