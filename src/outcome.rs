//! The nouns every stage shares: a distinct normalised [`Address`] and its
//! [`AddressId`], the [`Status`] a result ends in, and the merged [`Outcome`]
//! of an address. Defined here, on the ground floor, so that no stage imports
//! another stage for a type.

use std::fmt;
use std::ops::Index;
use std::sync::Arc;

use serde::Serialize;

use crate::threepid::Medium;

/// The index of a distinct address in [`crate::plan::Plan::addresses`].
pub type AddressId = u32;

/// A distinct normalised address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    /// Its medium.
    pub medium: Medium,
    /// Its normalised form.
    pub address: String,
}

/// What became of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The servers agree on one Matrix ID.
    Found,
    /// No server knows it.
    NotFound,
    /// Servers gave different Matrix IDs.
    Conflict,
    /// A referral was left unfollowed by policy.
    Unfollowed,
    /// The address could not be read or normalised.
    Invalid,
    /// A server that should have answered failed.
    Error,
    /// A dry run: nothing was asked.
    NotAsked,
}

impl Status {
    /// The status's name in the output.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Found => "found",
            Status::NotFound => "not_found",
            Status::Conflict => "conflict",
            Status::Unfollowed => "unfollowed",
            Status::Invalid => "invalid",
            Status::Error => "error",
            Status::NotAsked => "not_asked",
        }
    }

    /// Whether the address got a definite answer (everything but `error`).
    pub fn is_definite(self) -> bool {
        self != Status::Error
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The merged result for one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The status.
    pub status: Status,
    /// Every distinct Matrix ID seen, sorted.
    pub mxids: Vec<String>,
    /// The servers from the start server to the one that answered (shared
    /// by every address that came the same way).
    pub via: Arc<[String]>,
    /// Why, for error and unfollowed.
    pub reason: Option<String>,
}

/// The merged outcome of each address asked about, by [`AddressId`].
#[derive(Debug, Clone, Default)]
pub struct Outcomes(Vec<Option<Outcome>>);

impl Outcomes {
    /// The outcome of `address`, if it was asked about.
    pub fn get(&self, address: AddressId) -> Option<&Outcome> {
        self.0.get(address as usize)?.as_ref()
    }

    /// Every outcome, by address.
    pub fn values(&self) -> impl Iterator<Item = &Outcome> {
        self.0.iter().flatten()
    }

    /// Adds outcomes, `(address, outcome)`.
    pub fn extend(&mut self, outcomes: impl IntoIterator<Item = (AddressId, Outcome)>) {
        for (address, outcome) in outcomes {
            let at = address as usize;
            if at >= self.0.len() {
                self.0.resize(at + 1, None);
            }
            self.0[at] = Some(outcome);
        }
    }
}

impl Index<AddressId> for Outcomes {
    type Output = Outcome;

    /// The outcome of `address`; panics if it was not asked about.
    fn index(&self, address: AddressId) -> &Outcome {
        self.get(address)
            .unwrap_or_else(|| panic!("address {address} was not asked about"))
    }
}
