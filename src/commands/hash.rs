//! `mxlookup hash`: the lookup hash of one address (or its `none` form),
//! computed offline.

use std::io::Write;

use super::{Completion, JobError};
use mxlookup::threepid::{
    Algorithm, Medium, MsisdnOptions, lookup_hash, normalise, plaintext_form,
};

/// Validated settings of `mxlookup hash`.
#[derive(Debug, Clone)]
pub struct HashSettings {
    /// The address as given.
    pub input: String,
    /// Its medium.
    pub medium: Medium,
    /// How a phone number is read.
    pub msisdn: MsisdnOptions,
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The server's pepper (needed by sha256).
    pub pepper: Option<String>,
}

/// Prints the hash (or the clear-text form) of the address on stdout.
pub fn hash(settings: &HashSettings) -> Result<Completion, JobError> {
    let medium = settings.medium;
    let address =
        normalise(&settings.input, medium, &settings.msisdn).map_err(|e| JobError::Config {
            message: format!("cannot hash `{}` as {medium}: {e}", settings.input),
            hint: None,
        })?;
    let line = match (settings.algorithm, &settings.pepper) {
        (Algorithm::Sha256, Some(pepper)) => lookup_hash(&address, medium, pepper),
        (Algorithm::Sha256, None) => {
            return Err(JobError::Config {
                message: "the sha256 algorithm needs the server's pepper: pass --pepper".to_owned(),
                hint: Some(
                    "the pepper is `lookup_pepper` in GET /_matrix/identity/v2/hash_details"
                        .to_owned(),
                ),
            });
        }
        (Algorithm::None, _) => plaintext_form(&address, medium),
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}").map_err(|source| JobError::Output {
        target: "stdout".to_owned(),
        source,
    })?;
    Ok(Completion::Complete)
}
