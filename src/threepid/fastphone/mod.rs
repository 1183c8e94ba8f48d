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
//! This module reads the same metadata (the part it needs, copied from
//! `phonenumber`'s database into `metadata.rs` by a test that keeps the copy
//! fresh: loading that database costs the first number of a run some 90 ms,
//! the copy well under 1 ms), compiles the patterns it needs into its own
//! `regex::Regex`es (`Sync`, no lock; lazily, one region at a time, so
//! start-up stays cheap) and replays,
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
//!
//! The module's files follow its ideas: `metadata.rs` is the generated copy;
//! `table.rs` indexes and compiles it; this file replays `phonenumber`'s
//! reading and validation over it; `tests.rs` holds the differential test
//! that keeps the two equal and the test that regenerates the copy.

// Generated (see its header); rustfmt would only reflow it.
#[rustfmt::skip]
mod metadata;
mod table;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::ops::RangeInclusive;
use std::sync::LazyLock;

use table::{Code, Compiled, Desc, Entry, GeneralLength, Meta, TABLE, Table};

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

/// Whose reading to follow where `phonenumber` 0.3.10 departs from
/// libphonenumber. Its metadata gives the general descriptor no possible
/// lengths (libphonenumber's build fills them in from the types), so every
/// length test on it fails, and it checks whether stripping a national prefix
/// breaks a viable number by comparing the number with itself. Measured on
/// libphonenumber's example numbers (`tests/it/references.rs`), that reads
/// `+7 800 123-45-67` (RU/KZ toll-free), `+375 801…`, `+370 800…` as
/// invalid and Rwanda's national `250 123 456` as `+250 123456`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rules {
    /// `phonenumber`'s, step for step: what the differential test holds this
    /// module to, so that its replay stays exact.
    Phonenumber,
    /// libphonenumber's in those places (`parse`'s country code written
    /// without `+`, `maybeStripNationalPrefixAndCarrierCode` and the length
    /// test after it): what numbers are normalised with.
    Libphonenumber,
}

/// Builds the table and compiles `region`'s patterns, ahead of the first
/// number.
pub(super) fn warm_up(region: Option<&str>) {
    let table = LazyLock::force(&TABLE);
    if let Some(entry) = region.and_then(|r| table.region(r)) {
        entry.compiled();
    }
}

/// Reads `written`, which starts with `+` and whose ASCII digits are
/// `digits`, as `phonenumber::parse(None, written)` followed by a validity
/// check would. `Some` only for a valid number: its E.164 digits.
pub(super) fn plus_form(written: &str, digits: &str, rules: Rules) -> Option<String> {
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
    table.international(code, national, rules)
}

/// Reads `digits`, which followed an international call prefix, as
/// `phonenumber::parse(None, "+digits")` followed by a validity check would.
pub(super) fn after_prefix_form(digits: &str, rules: Rules) -> Option<String> {
    if digits.len() > MAX_INPUT_LEN {
        return None;
    }
    let table = &*TABLE;
    let (code, national) = table.split_code(digits)?;
    table.international(code, national, rules)
}

/// Reads `written` (ASCII digits `digits`), which does not start with `+` and
/// whose digits do not start with `region`'s international call prefix, as
/// `phonenumber::parse(Some(region), written)` followed by a validity check
/// would.
pub(super) fn national_form(
    region: &str,
    written: &str,
    digits: &str,
    rules: Rules,
) -> Option<String> {
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
        Some(rest) if drops_country_code(entry, compiled, digits, rest, rules)? => rest,
        _ => digits,
    };
    table.finish(entry.meta.code, Some(entry), national, rules)
}

/// Whether national `digits` that start with the region's country code are
/// read as that code and `rest`. `phonenumber`: when the whole is not a
/// national number by the general descriptor's pattern and lengths (which it
/// has none of, so always). libphonenumber: when the whole does not match the
/// pattern but `rest` (its national prefix stripped) does, or the whole is
/// too long.
fn drops_country_code(
    entry: &Entry,
    compiled: &Compiled,
    digits: &str,
    rest: &str,
    rules: Rules,
) -> Option<bool> {
    let general = &entry.meta.general;
    Some(match rules {
        Rules::Phonenumber => {
            !compiled.general.matches(digits) || length(general, digits.len()) != Length::Possible
        }
        Rules::Libphonenumber => {
            let potential = national_number(entry.meta, compiled, rest, rules)?;
            (!compiled.general.matches(digits) && compiled.general.matches(&potential))
                || compiled.general_length(digits.len()) == GeneralLength::TooLong
        }
    })
}

/// Whether the metadata has `region` (an upper-case two-letter code), read
/// without loading `phonenumber`'s database.
pub(super) fn has_region(region: &str) -> bool {
    TABLE.region(region).is_some()
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

fn length(general: &Desc, len: usize) -> Length {
    let Ok(len) = u16::try_from(len) else {
        return Length::Other;
    };
    let possible = general.lengths;
    let (Some(&min), Some(&max)) = (possible.first(), possible.last()) else {
        return Length::Other;
    };
    if general.local.contains(&len) || len == min {
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

/// The fast path's reading over the table: country codes, the region whose
/// rules apply, and the national number validated.
impl Table {
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
    fn international(&self, code: u16, national: &str, rules: Rules) -> Option<String> {
        let strip = self.source_for(code, national.trim_start_matches('0'))?;
        self.finish(code, strip, national, rules)
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
    fn finish(
        &self,
        code: u16,
        strip: Option<&Entry>,
        national: &str,
        rules: Rules,
    ) -> Option<String> {
        let nsn = match strip {
            Some(entry) => strip_national_prefix(entry, national, rules)?,
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

/// What `phonenumber::parse` does to the number after the country code with
/// a region's rules: `helper::national_number`, a second strip of the plain
/// national prefix, and keeping the original when the result is too short.
/// libphonenumber strips once, and keeps the original unless the result's
/// length is possible (or too long).
fn strip_national_prefix<'a>(
    entry: &Entry,
    national: &'a str,
    rules: Rules,
) -> Option<Cow<'a, str>> {
    let compiled = entry.compiled()?;
    let mut potential = national_number(entry.meta, compiled, national, rules)?;
    if rules == Rules::Libphonenumber {
        return Some(match compiled.general_length(potential.len()) {
            GeneralLength::Possible | GeneralLength::TooLong => potential,
            GeneralLength::Other => Cow::Borrowed(national),
        });
    }
    if let Some(prefix) = entry.meta.national_prefix
        && potential.starts_with(prefix)
    {
        potential = match potential {
            Cow::Borrowed(s) => Cow::Borrowed(&s[prefix.len()..]),
            Cow::Owned(s) => Cow::Owned(s[prefix.len()..].to_owned()),
        };
    }
    let general = &entry.meta.general;
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
    meta: &Meta,
    compiled: &Compiled,
    national: &'a str,
    rules: Rules,
) -> Option<Cow<'a, str>> {
    // Without a transform rule `phonenumber` strips the match. (It means to
    // keep the number when stripping breaks a viable one, but compares the
    // number with itself; libphonenumber does keep it.)
    let strip = |end: usize| {
        let general = &compiled.general;
        let breaks = rules == Rules::Libphonenumber
            && end > 0
            && general.matches(national)
            && !general.matches(&national[end..]);
        Cow::Borrowed(if breaks { national } else { &national[end..] })
    };
    let Some(parsing) = &compiled.national_prefix_for_parsing else {
        let prefix = meta.national_prefix.unwrap_or("");
        let end = if national.starts_with(prefix) {
            prefix.len()
        } else {
            0
        };
        return Some(strip(end));
    };
    let Some(rule) = meta.transform_rule else {
        let end = parsing.find(national).map_or(0, |m| m.end());
        return Some(strip(end));
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
        None => Some(strip(end)),
    }
}
