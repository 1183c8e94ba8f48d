//! `mxlookup push` (MSC4004 "establishing associations", for operators):
//! declare to a trusted identity server, the recipient (`-s`), that an
//! origin server holds the associations of an address book. The addresses
//! are hashed with the recipient's peppers (the current one, then each
//! non-empty alternative) and posted to its `lookups` endpoint, one origin
//! per request, in batches; each batch is reported as the recipient
//! answered it, and a batch is never sent twice on a 5xx (a re-push is
//! answered 500 by ToM-server, so it is not a transient failure).
//!
//! A 500 leaves a batch `unknown`: ToM answers it when any hash of the
//! batch was pushed before, and stores the others all the same. With
//! `--isolate`, such a batch is resent in pieces until each hash is
//! definite (`isolate`).
//!
//! Planning the batches, splitting them and explaining answers
//! (`answers`) are pure functions; the network sits in [`push`], `send`
//! and `isolate::run`.

use std::ops::Range;
use std::time::Instant;

use serde::Serialize;

mod answers;
mod isolate;
mod output;

pub use answers::explain;
use answers::{STOPPED_HINT, isolate_hint, outcome_of};
use isolate::{HashStatus, IsolationReport};
use output::BatchWriter;

use super::{Completion, JobError, NetworkSettings, Verbosity, runtime, stage, tell_notices};
use mxlookup::addressbook::{self, ColumnChoice, Format, Opened, ReadOptions};
use mxlookup::identity::wire::{HashDetails, PushRequest};
use mxlookup::identity::{Session, SessionError};
use mxlookup::outcome::Address;
use mxlookup::plan::{Plan, Target};
use mxlookup::sanitize::for_terminal;
use mxlookup::threepid::{Algorithm, MsisdnOptions, lookup_hash};

/// Validated settings of `mxlookup push`.
#[derive(Debug, Clone)]
pub struct PushSettings {
    /// Address books to read (`-` is stdin).
    pub files: Vec<String>,
    /// Forced input format, else sniffed per file.
    pub input_format: Option<Format>,
    /// The CSV columns to read as emails and phone numbers, when given.
    pub columns: ColumnChoice,
    /// How phone numbers are read.
    pub msisdn: MsisdnOptions,
    /// The origin server that holds the associations, `host:port`.
    pub origin: String,
    /// How to reach the recipient (its one `-s` server) and get a token.
    pub network: NetworkSettings,
    /// Hashes per request.
    pub batch_size: usize,
    /// Fetch `hash_details` only and show the batches; send none.
    pub dry_run: bool,
    /// Resend a batch answered 500 in pieces until each hash is definite.
    pub isolate: bool,
    /// How batches are written on stdout.
    pub format: PushFormat,
    /// How much goes to stderr.
    pub verbosity: Verbosity,
}

/// How `mxlookup push` writes its batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushFormat {
    /// A line per batch, for people.
    Table,
    /// One document: batches and summary.
    Json,
    /// A JSON object per batch, per line.
    Ndjson,
}

/// Which of the recipient's peppers a batch is hashed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PepperKind {
    /// `lookup_pepper`.
    Current,
    /// One of `alt_lookup_peppers`.
    Alternative,
}

/// One request to send: a pepper and a range of the distinct addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchPlan {
    /// The pepper its hashes are made with.
    pub pepper: String,
    /// Which pepper of the recipient it is.
    pub kind: PepperKind,
    /// Indexes into the distinct addresses.
    pub addresses: Range<usize>,
}

/// Every batch, in sending order: the current pepper over all addresses,
/// then each non-empty alternative pepper over all of them again.
pub fn plan_batches(count: usize, details: &HashDetails, size: usize) -> Vec<BatchPlan> {
    let size = size.max(1);
    let current = std::iter::once((details.lookup_pepper.as_str(), PepperKind::Current));
    let alternatives = details
        .alternative_peppers()
        .into_iter()
        .map(|p| (p, PepperKind::Alternative));
    current
        .chain(alternatives)
        .flat_map(|(pepper, kind)| {
            (0..count).step_by(size).map(move |start| BatchPlan {
                pepper: pepper.to_owned(),
                kind,
                addresses: start..(start + size).min(count),
            })
        })
        .collect()
}

/// The body of one push: `addresses` hashed (sha256 only) with `pepper`,
/// declared as held by `origin`.
pub fn push_request(addresses: &[Address], pepper: &str, origin: &str) -> PushRequest {
    let hashes = addresses
        .iter()
        .map(|a| lookup_hash(&a.address, a.medium, pepper))
        .collect();
    PushRequest {
        algorithm: Algorithm::Sha256.as_str().to_owned(),
        pepper: pepper.to_owned(),
        mappings: [(origin.to_owned(), hashes)].into(),
    }
}

/// What became of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    /// The recipient answered 2xx (ToM: 201 `{}`).
    Accepted,
    /// The recipient refused it (4xx), or it surely did not reach it.
    Rejected,
    /// The recipient answered 500, which ToM-server answers when a hash was
    /// pushed before while it stores the batch's other hashes; or the answer
    /// was lost. Which hashes it stored is unknown.
    Unknown,
    /// Answered 500, then resent in pieces (`--isolate`): each hash's
    /// status is in `isolation`.
    Isolated,
    /// A dry run: not sent.
    NotSent,
}

/// One batch as reported on stdout.
#[derive(Debug, Clone, Serialize)]
pub struct BatchReport {
    /// 1-based, in sending order.
    pub batch: usize,
    /// The recipient as given to `-s`.
    pub recipient: String,
    /// The origin declared.
    pub origin: String,
    /// The pepper (peppers are public: any client may fetch them).
    pub pepper: String,
    /// Which pepper of the recipient it is.
    pub pepper_kind: PepperKind,
    /// How many hashes it carries.
    pub hashes: usize,
    /// What became of it.
    pub status: BatchStatus,
    /// The HTTP status answered, when there was an answer.
    pub http_status: Option<u16>,
    /// The Matrix error code answered, if any.
    pub errcode: Option<String>,
    /// The server's own error message, if any.
    pub error: Option<String>,
    /// Why it was not accepted, in words.
    pub reason: Option<String>,
    /// In a dry run, the request that would be sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<PushRequest>,
    /// With `--isolate`, after a 500: what became of each hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isolation: Option<IsolationReport>,
}

/// The run in numbers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PushSummary {
    /// The recipient as given to `-s`.
    pub recipient: String,
    /// The origin declared.
    pub origin: String,
    /// Distinct addresses read.
    pub addresses: usize,
    /// Entries that were not addresses (not pushed).
    pub invalid: usize,
    /// Peppers hashed with (the current one and the non-empty alternatives).
    pub peppers: usize,
    /// Hashes in all batches.
    pub hashes: usize,
    /// Batches.
    pub batches: usize,
    /// Batches accepted.
    pub accepted: usize,
    /// Batches rejected.
    pub rejected: usize,
    /// Batches whose outcome is unknown (answered 500, or no answer).
    pub unknown: usize,
    /// Batches answered 500 and then isolated (`--isolate`).
    pub isolated: usize,
    /// Requests isolation sent, beyond the batches' own.
    pub isolation_requests: usize,
    /// Hashes of isolated batches that isolation stored.
    pub stored: usize,
    /// Hashes of isolated batches the recipient holds already.
    pub already_held: usize,
    /// Hashes of isolated batches still unknown after isolation.
    pub unknown_hashes: usize,
    /// Nothing was sent.
    pub dry_run: bool,
}

impl PushSummary {
    /// The line said on stderr at the end.
    pub fn line(&self) -> String {
        let what = format!(
            "{} hashes ({} addresses × {} peppers) in {} batches",
            self.hashes, self.addresses, self.peppers, self.batches
        );
        if self.dry_run {
            format!(
                "dry run, nothing sent to {} for {}: {what}",
                self.recipient, self.origin
            )
        } else {
            let mut line = format!(
                "pushed to {} for {}: {what}: {} accepted, {} rejected, {} unknown",
                self.recipient, self.origin, self.accepted, self.rejected, self.unknown
            );
            if self.isolated > 0 {
                line.push_str(&format!(
                    ", {} isolated in {} more requests ({} hashes stored, {} already held, {} unknown)",
                    self.isolated,
                    self.isolation_requests,
                    self.stored,
                    self.already_held,
                    self.unknown_hashes
                ));
            }
            line
        }
    }

    /// Whether every hash ended definite: accepted, stored or held.
    pub fn definite(&self) -> bool {
        self.rejected == 0 && self.unknown == 0 && self.unknown_hashes == 0
    }

    fn count(&mut self, report: &BatchReport) {
        match report.status {
            BatchStatus::Accepted => self.accepted += 1,
            BatchStatus::Rejected => self.rejected += 1,
            BatchStatus::Unknown => self.unknown += 1,
            BatchStatus::Isolated => self.isolated += 1,
            BatchStatus::NotSent => {}
        }
        if let Some(isolation) = &report.isolation {
            self.isolation_requests += isolation.requests;
            self.stored += isolation.count(HashStatus::Stored);
            self.already_held += isolation.count(HashStatus::AlreadyHeld);
            self.unknown_hashes += isolation.count(HashStatus::Unknown);
        }
    }
}

/// Runs `mxlookup push`.
pub fn push(settings: &PushSettings) -> Result<Completion, JobError> {
    if settings.network.sandbox.is_none() {
        one_recipient(settings.network.servers.len())?;
    }
    let started = Instant::now();
    let verbosity = settings.verbosity;
    let options = ReadOptions {
        columns: settings.columns.clone(),
        ..ReadOptions::default()
    };
    let opened = addressbook::open_all(&settings.files, settings.input_format, options)?;
    tell_notices(&opened, verbosity);
    let books: Vec<_> = opened.into_iter().map(Opened::into_book).collect();
    let plan = Plan::build(books, &settings.msisdn);
    let invalid = warn_invalid(&plan, verbosity);
    stage(
        verbosity,
        started,
        &format!(
            "read {} distinct addresses ({invalid} invalid entries)",
            plan.addresses.len()
        ),
    );
    if plan.addresses.is_empty() {
        if verbosity >= Verbosity::Normal {
            eprintln!("warning: no address to push; nothing was sent");
        }
        return Ok(Completion::Complete);
    }
    runtime()?.block_on(run(settings, &plan, invalid, started))
}

/// Push declares to exactly one recipient.
fn one_recipient(count: usize) -> Result<(), JobError> {
    match count {
        1 => Ok(()),
        0 => Err(JobError::Config {
            message: "push needs its recipient: the identity server to declare the hashes to"
                .to_owned(),
            hint: Some(
                "pass -s URL, the trusted identity server that will refer lookups to --origin"
                    .to_owned(),
            ),
        }),
        n => Err(JobError::Config {
            message: format!(
                "push declares to one recipient at a time, and {n} servers were given"
            ),
            hint: Some("pass a single -s URL; run mxlookup push once per recipient".to_owned()),
        }),
    }
}

/// Says on stderr how many entries are not pushed, and with -v each of them.
fn warn_invalid(plan: &Plan, verbosity: Verbosity) -> usize {
    let invalid: Vec<_> = plan
        .rows
        .iter()
        .filter_map(|row| match &row.target {
            Target::Invalid(reason) => Some((row, reason)),
            Target::Address(_) => None,
        })
        .collect();
    if verbosity >= Verbosity::Verbose {
        for (row, reason) in &invalid {
            eprintln!("warning: {}:{}: not pushed: {reason}", row.file, row.line);
        }
    } else if let Some((row, reason)) = invalid.first()
        && verbosity >= Verbosity::Normal
    {
        let count = match invalid.len() {
            1 => "1 entry is not an address and is".to_owned(),
            n => format!("{n} entries are not addresses and are"),
        };
        eprintln!(
            "warning: {count} not pushed (first: {}:{}: {reason}; -v lists them)",
            row.file, row.line
        );
    }
    invalid.len()
}

/// Connects, fetches the recipient's `hash_details`, and sends (or shows)
/// every batch.
async fn run(
    settings: &PushSettings,
    plan: &Plan,
    invalid: usize,
    started: Instant,
) -> Result<Completion, JobError> {
    let connected = settings.network.connect(false).await?;
    let resolver = &connected.resolver;
    one_recipient(resolver.starts().len())?;
    let recipient = resolver.starts()[0].name.clone();
    let session = resolver.start_session(0).expect("one start server");
    let details = match recipient_details(&session).await {
        Ok(details) => details,
        Err((message, hint)) => {
            eprintln!("error: {message}");
            if let Some(hint) = hint {
                eprintln!("hint: {hint}");
            }
            return Ok(Completion::Partial);
        }
    };
    stage(
        settings.verbosity,
        started,
        "fetched the recipient's hash_details",
    );
    let batches = plan_batches(plan.addresses.len(), &details, settings.batch_size);
    let mut summary = PushSummary {
        recipient: recipient.clone(),
        origin: settings.origin.clone(),
        addresses: plan.addresses.len(),
        invalid,
        peppers: 1 + details.alternative_peppers().len(),
        hashes: batches.iter().map(|b| b.addresses.len()).sum(),
        batches: batches.len(),
        dry_run: settings.dry_run,
        ..PushSummary::default()
    };
    let hints = send_all(settings, &session, plan, &batches, &mut summary).await?;
    drop(connected);
    if settings.verbosity >= Verbosity::Normal {
        eprintln!("{}", summary.line());
        if summary.already_held > 0 {
            eprintln!(
                "note: an already_held hash is one the recipient holds: pushed before this run, or stored by this run's batch that answered 500 (ToM stores the new hashes of such a batch); isolation cannot tell which"
            );
        }
    }
    if !summary.definite() {
        for hint in hints {
            eprintln!("hint: {hint}");
        }
        return Ok(Completion::Partial);
    }
    Ok(Completion::Complete)
}

/// Sends (or, in a dry run, shows) each batch in turn, writing each as it
/// is answered; counts them in `summary` and returns the distinct hints
/// that go with the refusals.
async fn send_all(
    settings: &PushSettings,
    session: &Session,
    plan: &Plan,
    batches: &[BatchPlan],
    summary: &mut PushSummary,
) -> Result<Vec<String>, JobError> {
    let mut out = BatchWriter::new(settings.format, batches);
    out.start()?;
    let mut hints: Vec<String> = Vec::new();
    for (i, batch) in batches.iter().enumerate() {
        let request = push_request(
            &plan.addresses[batch.addresses.clone()],
            &batch.pepper,
            &settings.origin,
        );
        let mut report = BatchReport {
            batch: i + 1,
            recipient: summary.recipient.clone(),
            origin: settings.origin.clone(),
            pepper: batch.pepper.clone(),
            pepper_kind: batch.kind,
            hashes: batch.addresses.len(),
            status: BatchStatus::NotSent,
            http_status: None,
            errcode: None,
            error: None,
            reason: None,
            request: None,
            isolation: None,
        };
        let (mut hint, mut refused) = (None, None);
        if settings.dry_run {
            report.request = Some(request);
        } else {
            let sent = send(session, &request, &mut report).await;
            hint = sent.hint;
            refused = sent.refused;
        }
        if refused.is_some() && !settings.isolate {
            // The largest batch's cost, so that the hint is said once.
            hint = Some(isolate_hint(settings.batch_size.min(plan.addresses.len())));
        }
        if let Some(matrix) = refused
            && settings.isolate
        {
            let addresses = &plan.addresses[batch.addresses.clone()];
            let isolation = isolate::run(
                session,
                addresses,
                &batch.pepper,
                &settings.origin,
                report.batch,
                matrix,
            )
            .await;
            hint = isolation.stopped.as_ref().map(|_| STOPPED_HINT.to_owned());
            report.status = BatchStatus::Isolated;
            report.isolation = Some(isolation);
        }
        if let Some(hint) = hint
            && !hints.contains(&hint)
        {
            hints.push(hint);
        }
        summary.count(&report);
        out.batch(&report)?;
    }
    out.finish(summary)?;
    Ok(hints)
}

/// The recipient's `hash_details`, fetched fresh; it must take sha256.
async fn recipient_details(session: &Session) -> Result<HashDetails, (String, Option<String>)> {
    let details = session
        .call(async |client, token| client.hash_details(&token).await)
        .await
        .map_err(|e| (e.to_string(), e.hint()))?;
    if !details.offers_sha256() {
        return Err((
            format!(
                "{} offers no sha256 ({}): push sends sha256 hashes only, never addresses in clear text",
                session.client().name(),
                for_terminal(&details.algorithms.join(", "))
            ),
            None,
        ));
    }
    Ok(details)
}

/// What sending one batch leaves to do.
struct Sent {
    /// The hint that goes with a refusal.
    hint: Option<String>,
    /// It was answered 500: `true` with a Matrix error body.
    refused: Option<bool>,
}

/// Sends one batch and fills in what the recipient answered.
async fn send(session: &Session, request: &PushRequest, report: &mut BatchReport) -> Sent {
    let result = session
        .call(|client, token| async move { client.push(&token, request).await })
        .await;
    match result {
        Ok(()) => {
            report.status = BatchStatus::Accepted;
            report.http_status = Some(201);
            Sent {
                hint: None,
                refused: None,
            }
        }
        Err(error) => {
            report.status = outcome_of(&error);
            let mut refused = None;
            if let SessionError::Call(call) = &error {
                report.http_status = call.status();
                report.errcode = call.errcode().map(str::to_owned);
                report.error = call.matrix_error().and_then(|e| e.error.clone());
                refused = (call.status() == Some(500)).then(|| call.errcode().is_some());
            }
            let (reason, hint) = explain(&error);
            report.reason = Some(reason);
            Sent { hint, refused }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxlookup::threepid::Medium;

    fn details(alts: &[&str]) -> HashDetails {
        HashDetails {
            algorithms: vec!["sha256".into()],
            lookup_pepper: "now".into(),
            alt_lookup_peppers: Some(alts.iter().map(|p| (*p).to_owned()).collect()),
        }
    }

    #[test]
    fn batches_cover_every_address_once_per_pepper_never_the_empty_one() {
        let plans = plan_batches(5, &details(&["", "before"]), 2);
        let shape: Vec<_> = plans
            .iter()
            .map(|b| (b.pepper.as_str(), b.kind, b.addresses.clone()))
            .collect();
        assert_eq!(
            shape,
            vec![
                ("now", PepperKind::Current, 0..2),
                ("now", PepperKind::Current, 2..4),
                ("now", PepperKind::Current, 4..5),
                ("before", PepperKind::Alternative, 0..2),
                ("before", PepperKind::Alternative, 2..4),
                ("before", PepperKind::Alternative, 4..5),
            ]
        );
        assert!(plan_batches(0, &details(&[]), 1000).is_empty());
    }

    #[test]
    fn a_request_names_one_origin_and_carries_only_hashes() {
        let addresses = [Address {
            medium: Medium::Email,
            address: "alice@example.com".into(),
        }];
        let request = push_request(&addresses, "matrixrocks", "origin.example:443");
        assert_eq!(request.algorithm, "sha256");
        assert_eq!(request.pepper, "matrixrocks");
        assert_eq!(
            request.mappings,
            [(
                "origin.example:443".to_owned(),
                vec!["4kenr7N9drpCJ4AfalmlGQVsOn3o2RHjkADUpXJWZUc".to_owned()]
            )]
            .into()
        );
    }
}
