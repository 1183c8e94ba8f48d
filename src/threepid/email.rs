//! Email addresses, normalised the way sydent stores them.

use email_address::{EmailAddress, Options};
use icu_casemap::CaseMapper;
use icu_properties::CodePointMapData;
use icu_properties::props::{GeneralCategory, GeneralCategoryGroup};
use std::borrow::Cow;

use super::Invalid;

/// The longest address SMTP can carry (RFC 5321 path limit less the brackets).
const MAX_EMAIL_LEN: usize = 254;

/// Normalises an email address: trims it, strips a `mailto:` scheme or a
/// `Name <address>` wrapper, applies Unicode full case folding (what Python's
/// `str.casefold` does, and so what sydent stores), then checks that the result
/// is an address at all.
///
/// ```
/// use mxlookup::threepid::normalise_email;
/// assert_eq!(normalise_email(" Strauß@Example.com ").unwrap(), "strauss@example.com");
/// assert!(normalise_email("not an address").is_err());
/// ```
pub fn normalise_email(input: &str) -> Result<String, Invalid> {
    let bare = unwrap_address(input.trim());
    if bare.is_empty() {
        return Err(Invalid::new("empty email address"));
    }
    let folded = casefold(bare);
    validate(&folded)?;
    Ok(folded.into_owned())
}

/// `mailto:a@b`, `Name <a@b>` and `<a@b>` all stand for `a@b`.
fn unwrap_address(s: &str) -> &str {
    let s = match s.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => &s[7..],
        _ => s,
    };
    match (s.rfind('<'), s.ends_with('>')) {
        (Some(open), true) => s[open + 1..s.len() - 1].trim(),
        _ => s,
    }
}

/// Full Unicode case folding; ASCII takes a fast path, where folding is
/// lower-casing.
fn casefold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    } else {
        Cow::Owned(CaseMapper::new().fold_string(s).into_owned())
    }
}

fn validate(address: &str) -> Result<(), Invalid> {
    if address.len() > MAX_EMAIL_LEN {
        return Err(Invalid::new(format!(
            "email address longer than {MAX_EMAIL_LEN} bytes"
        )));
    }
    if !address.contains('@') {
        return Err(Invalid::new("email address without `@`"));
    }
    if let Some(c) = address
        .chars()
        .find(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Invalid::new(format!(
            "email address contains {}",
            describe_char(c)
        )));
    }
    let options = Options::default().without_display_text();
    EmailAddress::parse_with_options(&without_marks(address), options)
        .map(|_| ())
        .map_err(|e| Invalid::new(format!("not an email address: {e}")))
}

/// `address` without its combining marks, for the address parser, which
/// wants letters and digits where a mark belongs to the letter before it:
/// folding makes some (`İ` → `i\u{307}`, `ǰ` → `j\u{30C}`, as Python's
/// `casefold` and so sydent do), and decomposed text is full of them.
fn without_marks(address: &str) -> Cow<'_, str> {
    if address.is_ascii() {
        return Cow::Borrowed(address);
    }
    let categories = CodePointMapData::<GeneralCategory>::new();
    let is_mark = |c: char| GeneralCategoryGroup::Mark.contains(categories.get(c));
    if address.chars().any(is_mark) {
        Cow::Owned(address.chars().filter(|&c| !is_mark(c)).collect())
    } else {
        Cow::Borrowed(address)
    }
}

fn describe_char(c: char) -> String {
    if c == ' ' {
        "a space".to_owned()
    } else {
        format!("the character U+{:04X}", c as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn folds_like_python_casefold() {
        // Values checked with CPython 3.11: "…".casefold()
        assert_eq!(
            normalise_email("Strauß@Example.com").unwrap(),
            "strauss@example.com"
        );
        assert_eq!(
            normalise_email("ΣΊΣΥΦΟΣ@Example.gr").unwrap(),
            "σίσυφοσ@example.gr"
        );
        assert_eq!(normalise_email("ǅemal@x.org").unwrap(), "ǆemal@x.org");
        assert_eq!(
            normalise_email("ﬁnn@Example.org").unwrap(),
            "finn@example.org"
        );
        assert_eq!(
            normalise_email("Alice@EXAMPLE.com").unwrap(),
            "alice@example.com"
        );
    }

    /// Python's `str.casefold` for every code point it folds, and the code
    /// points its Unicode version leaves unassigned (about which it says
    /// nothing): `tests/data/refs/casefold.txt`, made by `make_tables.py`.
    const PYTHON_CASEFOLD: &str = include_str!("../../tests/data/refs/casefold.txt");

    /// The reference table: foldings by code point, and unassigned ranges.
    fn python_casefold() -> (BTreeMap<u32, String>, Vec<(u32, u32)>) {
        let hex = |s: &str| u32::from_str_radix(s, 16).expect("hex code point");
        let mut folds = BTreeMap::new();
        let mut unassigned = Vec::new();
        for line in PYTHON_CASEFOLD.lines().filter(|l| !l.starts_with('#')) {
            let mut fields = line.split(' ');
            match (fields.next(), fields.next()) {
                (Some("F"), Some(code)) => {
                    let folded = fields.map(|f| char::from_u32(hex(f)).unwrap()).collect();
                    folds.insert(hex(code), folded);
                }
                (Some("U"), Some(first)) => {
                    unassigned.push((hex(first), hex(fields.next().unwrap())));
                }
                _ => panic!("casefold.txt: bad line {line:?}"),
            }
        }
        (folds, unassigned)
    }

    #[test]
    fn casefold_is_pythons_over_the_whole_range() {
        let (folds, unassigned) = python_casefold();
        // A table that lost its lines would make this test pass vacuously.
        assert!(folds.len() > 1400, "{} foldings", folds.len());
        // The ranges are in order: the last one starting at or before `c`.
        let is_unassigned = |c: u32| {
            let after = unassigned.partition_point(|&(first, _)| first <= c);
            after > 0 && c <= unassigned[after - 1].1
        };
        let mut mismatches = Vec::new();
        let mut checked = 0;
        for c in ('\0'..=char::MAX).filter(|&c| !is_unassigned(c as u32)) {
            let own = c.to_string();
            let expected = folds.get(&(c as u32)).map_or(own.as_str(), String::as_str);
            let got = casefold(&own);
            if got != expected {
                mismatches.push(format!("U+{:04X}: {got:?}, Python {expected:?}", c as u32));
            }
            checked += 1;
        }
        assert!(
            mismatches.is_empty(),
            "{} of {checked} code points fold unlike Python:\n{}",
            mismatches.len(),
            mismatches.join("\n")
        );
    }

    #[test]
    fn folds_into_combining_marks_as_sydent_stores_them() {
        // Python: "İstanbul@x.com".casefold() == "i\u0307stanbul@x.com".
        for (input, folded) in [
            ("İstanbul@x.com", "i\u{307}stanbul@x.com"),
            ("ǰane@x.com", "j\u{30C}ane@x.com"),
            // Decomposed as written: the mark stays, the address is one.
            ("Jose\u{301}@Example.es", "jose\u{301}@example.es"),
        ] {
            assert_eq!(normalise_email(input).as_deref(), Ok(folded), "{input:?}");
            // And the folded form is taken as it is.
            assert_eq!(normalise_email(folded).as_deref(), Ok(folded));
        }
        // A mark does not make a letter: an address of marks alone is none.
        assert!(normalise_email("\u{301}@x.com").is_err());
    }

    #[test]
    fn unwraps_common_wrappers() {
        assert_eq!(
            normalise_email("  <Bob@Example.org> ").unwrap(),
            "bob@example.org"
        );
        assert_eq!(
            normalise_email("Bob B. <bob@example.org>").unwrap(),
            "bob@example.org"
        );
        assert_eq!(
            normalise_email("MAILTO:bob@example.org").unwrap(),
            "bob@example.org"
        );
    }

    #[test]
    fn rejects_clearly_invalid() {
        for (input, reason) in [
            ("", "empty"),
            ("   ", "empty"),
            ("alice.example.com", "without `@`"),
            ("ali ce@example.com", "a space"),
            ("@example.com", "not an email address"),
            ("alice@", "not an email address"),
            ("alice@@example.com", "not an email address"),
        ] {
            let err = normalise_email(input).unwrap_err();
            assert!(err.0.contains(reason), "{input:?}: {err}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(normalise_email(&long).unwrap_err().0.contains("longer"));
    }

    #[test]
    fn accepts_unusual_but_valid() {
        for input in [
            "a+tag@example.com",
            "o'neil@example.ie",
            "user@localhost",
            "jürgen@münchen.de",
        ] {
            assert!(normalise_email(input).is_ok(), "{input}");
        }
    }
}
