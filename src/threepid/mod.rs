//! Third-party identifiers: the medium, normalisation of email addresses and
//! phone numbers to the form identity servers store, and the lookup hash.

mod email;
mod fastphone;
mod hash;
mod msisdn;

pub use email::normalise_email;
pub use hash::{Algorithm, lookup_hash, plaintext_form};
pub use msisdn::{MsisdnOptions, Region, normalise_msisdn, warm_up};
/// The two readings of a phone number apart, for the fuzz targets.
pub(crate) use msisdn::{fast_path, slow_path};

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// The kind of a third-party identifier, as the identity service API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Medium {
    /// An email address.
    Email,
    /// A phone number (E.164 digits without `+`).
    Msisdn,
}

impl Medium {
    /// The medium's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Medium::Email => "email",
            Medium::Msisdn => "msisdn",
        }
    }

    /// Guesses the medium of a free-form address: anything with an `@` is an
    /// email address, anything else a phone number.
    pub fn infer(input: &str) -> Medium {
        if input.contains('@') {
            Medium::Email
        } else {
            Medium::Msisdn
        }
    }
}

impl fmt::Display for Medium {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Medium {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "email" => Ok(Medium::Email),
            "msisdn" => Ok(Medium::Msisdn),
            other => Err(format!(
                "unknown medium `{other}` (expected email or msisdn)"
            )),
        }
    }
}

/// Why an address could not be normalised. The text is shown to the user as
/// the result's `reason`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Invalid(reason.into())
    }
}

/// Normalises `input` as an address of `medium`.
pub fn normalise(input: &str, medium: Medium, msisdn: &MsisdnOptions) -> Result<String, Invalid> {
    match medium {
        Medium::Email => normalise_email(input),
        Medium::Msisdn => normalise_msisdn(input, msisdn),
    }
}
