//! Phone numbers, normalised to E.164 digits without `+`, with libphonenumber's
//! metadata (the `phonenumber` crate).
//!
//! One trap shapes this module: given a default region, `phonenumber` 0.3.10
//! strips that region's national prefix even from numbers written with `+CC`
//! (`+49 171 1234567` with region US becomes `+49711234567`, reported valid:
//! another person's number). So the region is passed only for numbers in
//! national form; international ones (`+`, or an international call prefix,
//! which is rewritten to `+`) are parsed without it.
//!
//! `phonenumber` is slow and serialises threads on one mutex (see
//! `fastphone`), so valid numbers of the common shapes are first read by the
//! lock-free `fastphone`, which replays its steps exactly, except where
//! `phonenumber` departs from libphonenumber (`fastphone::Rules`): there it
//! follows libphonenumber, the reference (`tests/it/references.rs`). Anything
//! else, and every rejection, goes through `phonenumber`.

use std::fmt;
use std::str::FromStr;

use phonenumber::country::Id;
use phonenumber::metadata::DATABASE;
use phonenumber::{Mode, PhoneNumber};

use super::Invalid;
use super::fastphone::{self, Rules};

/// A region (ISO 3166-1 alpha-2) that national numbers are read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region(Id);

impl Region {
    /// The region's two-letter code.
    pub fn code(&self) -> &str {
        self.0.as_ref()
    }

    /// Whether `digits` starts with this region's international call prefix
    /// (`00` in most of the world, `011` in North America, `0011` in
    /// Australia, …), and if so how many digits the prefix takes.
    fn international_prefix_len(&self, digits: &str) -> Option<usize> {
        fastphone::international_prefix_len(self.code(), digits).unwrap_or_else(|| {
            let meta = DATABASE.by_id(self.code())?;
            let found = meta.international_prefix()?.find(digits)?;
            (found.start() == 0 && found.end() > 0).then_some(found.end())
        })
    }
}

impl FromStr for Region {
    type Err = String;

    /// Accepts the code in either case (`fr`, `FR`); the metadata knows only
    /// upper case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        if upper.len() != 2 {
            return Err(format!(
                "`{s}` is not a two-letter region code (like FR or US)"
            ));
        }
        let unknown = || {
            format!(
                "unknown region `{s}`: not an ISO 3166 country code with a phone numbering plan"
            )
        };
        let id = Id::from_str(&upper).map_err(|_| unknown())?;
        if !fastphone::has_region(id.as_ref()) {
            return Err(unknown());
        }
        Ok(Region(id))
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How phone numbers are read.
#[derive(Debug, Clone, Copy, Default)]
pub struct MsisdnOptions {
    /// The region that numbers in national form belong to.
    pub region: Option<Region>,
    /// Read bare digits with no region as E.164 digits (the wire form, as in
    /// `18005552067`). Right for `mxlookup hash`, wrong for address books,
    /// where `4155552671` is a national number that would read as Swiss.
    pub bare_digits_are_international: bool,
}

/// Loads the phone metadata that [`normalise_msisdn`] reads, and what it
/// compiles for `opts`'s region, now rather than on the first number: a
/// caller can do it on a thread of its own while it waits for other work.
/// The fast path's part comes first (a few milliseconds); then
/// `phonenumber`'s whole database (tens of milliseconds), which only
/// rejections and unusual shapes of numbers need.
pub fn warm_up(opts: &MsisdnOptions) {
    fastphone::warm_up(opts.region.as_ref().map(Region::code));
    let _ = DATABASE.by_code(&1);
}

/// Normalises a phone number to E.164 digits without `+`.
///
/// ```
/// use mxlookup::threepid::{MsisdnOptions, normalise_msisdn};
/// let opts = MsisdnOptions { region: Some("FR".parse().unwrap()), ..Default::default() };
/// assert_eq!(normalise_msisdn("+33 6 12 34 56 78", &opts).unwrap(), "33612345678");
/// assert_eq!(normalise_msisdn("06 12 34 56 78", &opts).unwrap(), "33612345678");
/// ```
pub fn normalise_msisdn(input: &str, opts: &MsisdnOptions) -> Result<String, Invalid> {
    let written = strip_tel_uri(input.trim());
    let digits: String = written.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Err(Invalid::new("phone number without digits"));
    }
    let form = Form::read(written, &digits, opts)?;
    match form.fast(Rules::Libphonenumber) {
        Some(e164) => Ok(e164),
        None => form.slow(),
    }
}

/// How a number is written, which decides how `phonenumber` reads it.
#[derive(Debug, Clone, Copy)]
enum Form<'a> {
    /// Written with `+`: read as written, without a region.
    Plus {
        /// The number as written.
        written: &'a str,
        /// Its ASCII digits.
        digits: &'a str,
    },
    /// The digits after an international call prefix: read as `+digits`.
    AfterPrefix(&'a str),
    /// National form: read as written, in the region.
    National {
        /// The region the number belongs to.
        region: Region,
        /// The number as written.
        written: &'a str,
        /// Its ASCII digits.
        digits: &'a str,
    },
}

impl<'a> Form<'a> {
    fn read(written: &'a str, digits: &'a str, opts: &MsisdnOptions) -> Result<Self, Invalid> {
        if written.starts_with('+') {
            return Ok(Form::Plus { written, digits });
        }
        if let Some(region) = opts.region {
            return Ok(match region.international_prefix_len(digits) {
                Some(len) => Form::AfterPrefix(&digits[len..]),
                None => Form::National {
                    region,
                    written,
                    digits,
                },
            });
        }
        if let Some(rest) = digits
            .strip_prefix("00")
            .or_else(|| digits.strip_prefix("011"))
        {
            Ok(Form::AfterPrefix(rest))
        } else if opts.bare_digits_are_international {
            Ok(Form::AfterPrefix(digits))
        } else {
            Err(Invalid::new(
                "phone number in national form and no region to read it in (pass --region)",
            ))
        }
    }

    /// The lock-free reading: `Some` only for a valid number.
    fn fast(self, rules: Rules) -> Option<String> {
        match self {
            Form::Plus { written, digits } => fastphone::plus_form(written, digits, rules),
            Form::AfterPrefix(digits) => fastphone::after_prefix_form(digits, rules),
            Form::National {
                region,
                written,
                digits,
            } => fastphone::national_form(region.code(), written, digits, rules),
        }
    }

    /// The reading by `phonenumber`, the reference for every answer.
    fn slow(self) -> Result<String, Invalid> {
        let number = match self {
            Form::Plus { written, .. } => parse(None, written)?,
            Form::AfterPrefix(digits) => parse(None, &format!("+{digits}"))?,
            Form::National {
                region, written, ..
            } => parse(Some(region), written)?,
        };
        if !number.is_valid() {
            return Err(Invalid::new(format!(
                "not a valid phone number (read as {})",
                number.format().mode(Mode::E164)
            )));
        }
        let e164 = number.format().mode(Mode::E164).to_string();
        Ok(e164.trim_start_matches('+').to_owned())
    }
}

/// The fast reading of `input` alone (`None` where it steps aside) with
/// `phonenumber`'s rules, which it replays exactly, for the equivalence
/// tests and the fuzz targets.
pub(crate) fn fast_path(input: &str, opts: &MsisdnOptions) -> Option<String> {
    fast_path_with(input, opts, Rules::Phonenumber)
}

/// The fast reading of `input` alone with `rules`.
pub(super) fn fast_path_with(input: &str, opts: &MsisdnOptions, rules: Rules) -> Option<String> {
    let written = strip_tel_uri(input.trim());
    let digits: String = written.chars().filter(char::is_ascii_digit).collect();
    let form = Form::read(written, &digits, opts).ok()?;
    form.fast(rules)
}

/// The reading by `phonenumber` alone (the fast path skipped), for the fuzz
/// targets, which hold every answer of the fast path against it.
pub(crate) fn slow_path(input: &str, opts: &MsisdnOptions) -> Result<String, Invalid> {
    let written = strip_tel_uri(input.trim());
    let digits: String = written.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Err(Invalid::new("phone number without digits"));
    }
    Form::read(written, &digits, opts)?.slow()
}

/// `tel:+1-555-555-5555;ext=1` (vCard 4.0, RFC 3966) stands for its number.
fn strip_tel_uri(s: &str) -> &str {
    match s.get(..4) {
        Some(scheme) if scheme.eq_ignore_ascii_case("tel:") => {
            let rest = &s[4..];
            rest.split(';').next().unwrap_or(rest).trim()
        }
        _ => s,
    }
}

fn parse(region: Option<Region>, text: &str) -> Result<PhoneNumber, Invalid> {
    phonenumber::parse(region.map(|r| r.0), text)
        .map_err(|e| Invalid::new(format!("not a phone number: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(region: Option<&str>) -> MsisdnOptions {
        MsisdnOptions {
            region: region.map(|r| r.parse().unwrap()),
            bare_digits_are_international: false,
        }
    }

    fn norm(input: &str, region: Option<&str>) -> Result<String, Invalid> {
        normalise_msisdn(input, &opts(region))
    }

    #[test]
    fn international_forms_ignore_the_region() {
        // The measured trap: region US must not strip a `1` from a German number.
        assert_eq!(norm("+49 171 1234567", Some("US")).unwrap(), "491711234567");
        assert_eq!(norm("+49 171 1234567", None).unwrap(), "491711234567");
        assert_eq!(
            norm("+33 6 12 34 56 78", Some("US")).unwrap(),
            "33612345678"
        );
        assert_eq!(
            norm("+1 (202) 555-0143", Some("GB")).unwrap(),
            "12025550143"
        );
    }

    #[test]
    fn international_call_prefixes_become_plus() {
        assert_eq!(norm("0049 171 1234567", None).unwrap(), "491711234567");
        assert_eq!(norm("011 49 171 1234567", None).unwrap(), "491711234567");
        assert_eq!(
            norm("011 49 171 1234567", Some("US")).unwrap(),
            "491711234567"
        );
        assert_eq!(
            norm("0049 171 1234567", Some("FR")).unwrap(),
            "491711234567"
        );
        // Australia dials out with 0011.
        assert_eq!(
            norm("0011 33 6 12 34 56 78", Some("AU")).unwrap(),
            "33612345678"
        );
    }

    #[test]
    fn national_forms_use_the_region() {
        assert_eq!(norm("06 12 34 56 78", Some("FR")).unwrap(), "33612345678");
        assert_eq!(norm("0171 1234567", Some("DE")).unwrap(), "491711234567");
        assert_eq!(norm("(202) 555-0143", Some("US")).unwrap(), "12025550143");
        assert_eq!(norm("07911 123456", Some("GB")).unwrap(), "447911123456");
        // Nottingham's area code starts with 011: not an international prefix in GB.
        assert_eq!(norm("0115 947 5000", Some("GB")).unwrap(), "441159475000");
    }

    #[test]
    fn national_forms_without_region_are_invalid() {
        let err = norm("06 12 34 56 78", None).unwrap_err();
        assert!(err.0.contains("--region"), "{err}");
    }

    #[test]
    fn bare_digits_can_be_read_as_e164() {
        let o = MsisdnOptions {
            region: None,
            bare_digits_are_international: true,
        };
        assert_eq!(normalise_msisdn("18005552067", &o).unwrap(), "18005552067");
    }

    #[test]
    fn tel_uris() {
        assert_eq!(norm("tel:+1-202-555-0143", None).unwrap(), "12025550143");
        assert_eq!(
            norm("TEL:+1-202-555-0143;ext=12", None).unwrap(),
            "12025550143"
        );
    }

    #[test]
    fn rejects_invalid_numbers() {
        assert!(
            norm("", Some("FR"))
                .unwrap_err()
                .0
                .contains("without digits")
        );
        assert!(norm("call me", Some("FR")).is_err());
        assert!(norm("+33 1", None).is_err());
        assert!(norm("+999 123456789", None).is_err());
        assert!(norm("+49 171 1234567 999 999 999", None).is_err());
    }

    #[test]
    fn region_codes() {
        assert_eq!("fr".parse::<Region>().unwrap().code(), "FR");
        assert!("France".parse::<Region>().is_err());
        assert!("ZZ".parse::<Region>().is_err());
    }

    #[test]
    fn normalisation_is_idempotent_on_examples() {
        for (input, region) in [("+33 6 12 34 56 78", None), ("06 12 34 56 78", Some("FR"))] {
            let once = norm(input, region).unwrap();
            let twice = norm(&format!("+{once}"), region).unwrap();
            assert_eq!(once, twice);
        }
    }
}
