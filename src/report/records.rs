//! The results of a run as [`Records`]: each row of the plan joined with
//! what became of its address.

use crate::outcome::{AddressId, Outcomes, Status};
use crate::plan::{Plan, Row, Target};
use crate::report::{Record, Records, SourceRef};
use crate::threepid::{Algorithm, lookup_hash, plaintext_form};

/// The fields every record of a row shares.
fn base<'a>(plan: &'a Plan, row: &'a Row) -> Record<'a> {
    Record {
        contact: plan.contact_name(row),
        input: plan.input(row),
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

/// How a row's record starts.
enum Start<'a> {
    /// With its address, to be completed.
    Address(Record<'a>, AddressId),
    /// Invalid: finished.
    Invalid(Record<'a>),
}

/// The `i`-th row's record so far.
fn start(plan: &Plan, i: usize) -> Start<'_> {
    let row = &plan.rows[i];
    match &row.target {
        Target::Address(id) => {
            let address = Some(plan.addresses[*id as usize].address.as_str());
            Start::Address(
                Record {
                    address,
                    ..base(plan, row)
                },
                *id,
            )
        }
        Target::Invalid(reason) => Start::Invalid(Record {
            reason: Some(&**reason),
            ..base(plan, row)
        }),
    }
}

/// The plan's rows as records, each address's record completed by `finish`.
pub struct PlanRecords<'a, F> {
    plan: &'a Plan,
    finish: F,
}

impl<'a, F> Records for PlanRecords<'a, F>
where
    F: Fn(Record<'a>, AddressId) -> Record<'a> + Sync,
{
    fn len(&self) -> usize {
        self.plan.rows.len()
    }

    fn contact_of(&self, i: usize) -> u32 {
        self.plan.rows[i].contact
    }

    fn card(&self, contact: u32) -> Option<&[u8]> {
        self.plan.cards.get(contact as usize)?.as_deref()
    }

    fn contacts(&self) -> usize {
        self.plan.contacts.len()
    }

    fn contact_line(&self, contact: u32) -> Option<u32> {
        self.plan.starts.get(contact as usize).copied()
    }

    fn get(&self, i: usize) -> Record<'_> {
        match start(self.plan, i) {
            Start::Address(record, id) => (self.finish)(record, id),
            Start::Invalid(record) => record,
        }
    }
}

/// A dry run: each address with what would be sent for it (`hashing`: the
/// pepper and algorithm, or why there are none); nothing asked.
pub fn dry_run<'a>(
    plan: &'a Plan,
    hashing: Result<(&'a str, Algorithm), &'a str>,
) -> impl Records + 'a {
    let finish = move |record: Record<'a>, id: AddressId| {
        let a = &plan.addresses[id as usize];
        match hashing {
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
    };
    PlanRecords { plan, finish }
}

/// A resolved run: each address with its merged outcome.
pub fn resolved<'a>(plan: &'a Plan, outcomes: &'a Outcomes) -> impl Records + 'a {
    let finish = move |record: Record<'a>, id: AddressId| match outcomes.get(id) {
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
    };
    PlanRecords { plan, finish }
}

/// The status of each distinct address, for the summary.
pub fn status_of(outcomes: &Outcomes, id: AddressId) -> Status {
    outcomes.get(id).map_or(Status::Error, |o| o.status)
}
