//! Email addresses, normalised the way sydent stores them.

use email_address::{EmailAddress, Options};
use icu_casemap::CaseMapper;
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
    EmailAddress::parse_with_options(address, options)
        .map(|_| ())
        .map_err(|e| Invalid::new(format!("not an email address: {e}")))
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
