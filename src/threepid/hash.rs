//! The lookup hash of the identity service API v2.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Medium;

/// A lookup algorithm an identity server may offer in `hash_details`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// `sha256`: the address travels only as a peppered hash.
    Sha256,
    /// `none`: the address travels in clear text. Used only with
    /// `--allow-plaintext`.
    None,
}

impl Algorithm {
    /// The algorithm's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::None => "none",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sha256" => Ok(Algorithm::Sha256),
            "none" => Ok(Algorithm::None),
            other => Err(format!(
                "unknown algorithm `{other}` (expected sha256 or none)"
            )),
        }
    }
}

/// The `sha256` lookup hash: SHA-256 over `"<address> <medium> <pepper>"`,
/// URL-safe base64 without padding. `address` must already be normalised.
///
/// ```
/// use mxlookup::threepid::{Medium, lookup_hash};
/// assert_eq!(
///     lookup_hash("alice@example.com", Medium::Email, "matrixrocks"),
///     "4kenr7N9drpCJ4AfalmlGQVsOn3o2RHjkADUpXJWZUc",
/// );
/// ```
pub fn lookup_hash(address: &str, medium: Medium, pepper: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(address.as_bytes());
    hasher.update(b" ");
    hasher.update(medium.as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(pepper.as_bytes());
    URL_SAFE_NO_PAD.encode(hasher.finalize())
}

/// The `none` form: `"<address> <medium>"`, sent in clear text.
pub fn plaintext_form(address: &str, medium: Medium) -> String {
    format!("{address} {}", medium.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_vectors() {
        let pepper = "matrixrocks";
        assert_eq!(
            lookup_hash("alice@example.com", Medium::Email, pepper),
            "4kenr7N9drpCJ4AfalmlGQVsOn3o2RHjkADUpXJWZUc"
        );
        assert_eq!(
            lookup_hash("bob@example.com", Medium::Email, pepper),
            "LJwSazmv46n0hlMlsb_iYxI0_HXEqy_yj6Jm636cdT8"
        );
        assert_eq!(
            lookup_hash("18005552067", Medium::Msisdn, pepper),
            "nlo35_T5fzSGZzJApqu8lgIudJvmOQtDaHtr-I4rU7I"
        );
    }

    #[test]
    fn plaintext() {
        assert_eq!(
            plaintext_form("alice@example.com", Medium::Email),
            "alice@example.com email"
        );
    }
}
