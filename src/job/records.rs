//! The results of a run as [`Records`]: each row of the plan joined with
//! what became of its address.

use std::collections::BTreeMap;

use crate::plan::{AddressId, Plan, Row, Target};
use crate::report::{Record, Records, SourceRef, Status};
use crate::resolve::walk::Outcome;
use crate::threepid::{Algorithm, lookup_hash, plaintext_form};

/// The fields every record of a row shares.
fn base<'a>(plan: &'a Plan, row: &'a Row) -> Record<'a> {
    Record {
        contact: plan.contact_name(row),
        input: &row.input,
        source: SourceRef {
            file: &row.file,
            line: row.line,
        },
        medium: row.medium,
        address: None,
        status: Status::Invalid,
        mxid: None,
        mxids: &[],
        via: &[],
        reason: None,
        hash: None,
    }
}

fn invalid<'a>(plan: &'a Plan, row: &'a Row, reason: &'a str) -> Record<'a> {
    Record {
        reason: Some(reason),
        ..base(plan, row)
    }
}

/// A dry run: each address with what would be sent for it; nothing asked.
pub(super) struct DryRun<'a> {
    pub plan: &'a Plan,
    /// The pepper and algorithm, or why there are none (the server failed).
    pub hashing: Result<(&'a str, Algorithm), &'a str>,
}

impl Records for DryRun<'_> {
    fn len(&self) -> usize {
        self.plan.rows.len()
    }

    fn get(&self, i: usize) -> Record<'_> {
        let row = &self.plan.rows[i];
        let id = match &row.target {
            Target::Address(id) => *id,
            Target::Invalid(reason) => return invalid(self.plan, row, reason),
        };
        let a = &self.plan.addresses[id as usize];
        let record = Record {
            address: Some(a.address.as_str()),
            ..base(self.plan, row)
        };
        match self.hashing {
            Ok((pepper, algorithm)) => Record {
                status: Status::NotAsked,
                hash: Some(match algorithm {
                    Algorithm::Sha256 => lookup_hash(&a.address, a.medium, pepper),
                    Algorithm::None => plaintext_form(&a.address, a.medium),
                }),
                ..record
            },
            Err(why) => Record {
                status: Status::Error,
                reason: Some(why),
                ..record
            },
        }
    }
}

/// A resolved run: each address with its merged outcome.
pub(super) struct Resolved<'a> {
    pub plan: &'a Plan,
    pub outcomes: &'a BTreeMap<AddressId, Outcome>,
}

impl Records for Resolved<'_> {
    fn len(&self) -> usize {
        self.plan.rows.len()
    }

    fn get(&self, i: usize) -> Record<'_> {
        let row = &self.plan.rows[i];
        let id = match &row.target {
            Target::Address(id) => *id,
            Target::Invalid(reason) => return invalid(self.plan, row, reason),
        };
        let a = &self.plan.addresses[id as usize];
        let record = Record {
            address: Some(a.address.as_str()),
            ..base(self.plan, row)
        };
        match self.outcomes.get(&id) {
            Some(o) => Record {
                status: o.status,
                mxid: (o.status == Status::Found).then(|| o.mxids[0].as_str()),
                mxids: &o.mxids,
                via: &o.via,
                reason: o.reason.as_deref(),
                ..record
            },
            // Every address is asked; an outcome missing is a bug, reported, not hidden.
            None => Record {
                status: Status::Error,
                reason: Some("no server was asked about it"),
                ..record
            },
        }
    }
}

/// The status of each distinct address, for the summary.
pub(super) fn status_of(outcomes: &BTreeMap<AddressId, Outcome>, id: AddressId) -> Status {
    outcomes.get(&id).map_or(Status::Error, |o| o.status)
}
